/* elementwise.c -- fused one-pass elementwise kernels for hot paths: the ReLU / threshold
 * gradient and the optimizer updates (y += a*x and y = a*x + b*y for SGD, the Adam step).
 *
 * NumPy needs a pass per operation (and a temporary) for these; one pass over memory-bound data
 * is what makes them faster. The arithmetic is exactly NumPy's: each product and sum rounded
 * once, in the same order (-ffp-contract=off keeps the compiler from fusing a*x + y into an FMA),
 * so results are bit-identical to the NumPy twins in backend/reference.py. Elementwise work
 * split over threads gives the same result for any thread count. */
#include <math.h>

#include "mg_internal.h"

/* Contiguous chunk [*lo, *hi) of n items for thread t of nt. */
static inline void mg_chunk(int64_t n, int t, int nt, int64_t *lo, int64_t *hi)
{
    int64_t q = n / nt, r = n % nt;
    *lo = t * q + (t < r ? t : r);
    *hi = *lo + q + (t < r ? 1 : 0);
}

/* y[i] = beta * y[i] + alpha * x[i] for i in [lo, hi). On AVX2 CPUs it runs from a copy
 * compiled for it: the arrays of an optimizer step sit in L3, where the loop is bound by
 * instructions more than by memory, and AVX2 has twice the lanes. Same operations, same bits. */
#define MG_AXPBY_LOOP(T, SFX, ATTR, NAME)                                                         \
    ATTR static void mg_axpby_##NAME##_##SFX(int64_t lo, int64_t hi, T alpha, const T *x, T beta, \
                                             T *y)                                                \
    {                                                                                             \
        int64_t i;                                                                                \
        for (i = lo; i < hi; i++) y[i] = beta * y[i] + alpha * x[i];                              \
    }

#if MG_X86_SIMD
#define MG_AXPBY_RANGE(T, SFX)                                                                    \
    MG_AXPBY_LOOP(T, SFX, , base)                                                                 \
    MG_AXPBY_LOOP(T, SFX, MG_TARGET_AVX2, avx2)                                                   \
    static void mg_axpby_range_##SFX(int64_t lo, int64_t hi, T alpha, const T *x, T beta, T *y)   \
    {                                                                                             \
        if (mg_simd_level() >= MG_SIMD_AVX2)                                                      \
            mg_axpby_avx2_##SFX(lo, hi, alpha, x, beta, y);                                       \
        else                                                                                      \
            mg_axpby_base_##SFX(lo, hi, alpha, x, beta, y);                                       \
    }
#else
#define MG_AXPBY_RANGE(T, SFX) MG_AXPBY_LOOP(T, SFX, , range)
#endif

MG_AXPBY_RANGE(float, f32)
MG_AXPBY_RANGE(double, f64)

#define MG_ELEMENTWISE(T, SFX)                                                                    \
    int mg_threshold_backward_##SFX(const T *g, const T *x, T *out, int64_t n, T threshold)      \
    {                                                                                             \
        int nt, t;                                                                                \
        if (n < 0) return MG_EINVAL;                                                              \
        nt = mg_threads_for(n, MG_MIN_ITEMS_PER_THREAD);                                          \
        MG_PARALLEL_FOR(t, nt, {                                                                  \
            int64_t i, lo, hi;                                                                    \
            mg_chunk(n, t, nt, &lo, &hi);                                                         \
            /* "not x > threshold" would drop the gradient at NaN: PyTorch passes it */           \
            for (i = lo; i < hi; i++) {                                                           \
                /* both loads unconditional: a select, not a branch (vectorized) */              \
                T gi = g[i];                                                                      \
                out[i] = x[i] <= threshold ? (T)0 : gi;                                           \
            }                                                                                     \
        });                                                                                       \
        return MG_OK;                                                                             \
    }                                                                                             \
                                                                                                  \
    /* y + alpha*x is 1*y + alpha*x bit for bit (1*y is exactly y, NaN and -0 included) */    \
    int mg_axpy_##SFX(int64_t n, T alpha, const T *x, T *y)                                       \
    {                                                                                             \
        return mg_axpby_##SFX(n, alpha, x, (T)1, y);                                              \
    }                                                                                             \
                                                                                                  \
    int mg_axpby_##SFX(int64_t n, T alpha, const T *x, T beta, T *y)                              \
    {                                                                                             \
        int nt, t;                                                                                \
        if (n < 0) return MG_EINVAL;                                                              \
        nt = mg_threads_for(n, MG_MIN_ITEMS_PER_THREAD);                                          \
        MG_PARALLEL_FOR(t, nt, {                                                                  \
            int64_t lo, hi;                                                                       \
            mg_chunk(n, t, nt, &lo, &hi);                                                         \
            mg_axpby_range_##SFX(lo, hi, alpha, x, beta, y);                                     \
        });                                                                                       \
        return MG_OK;                                                                             \
    }

MG_ELEMENTWISE(float, f32)
MG_ELEMENTWISE(double, f64)

/* ---- Adam / AdamW ------------------------------------------------------------------------ */

/* Elements [lo, hi) of one Adam step. l2 (coupled weight decay), small_w (the lerp branch) and
 * ams are constants at every call site, so each combination compiles to its own branch-free
 * vectorized loop. The coefficients (struct below) were computed in double, as Python computes
 * them, and rounded to T once, as NumPy rounds a Python float operand of a float32 ufunc. The
 * operations and their order are those of the NumPy twin, each rounded once in T:
 *   g = g * gsign (maximize: g * -1 is exactly -g); g = g + p * wd (l2)
 *   p = p * shrink (decoupled: 1 - lr * wd; otherwise 1, and p * 1 is exactly p)
 *   m = lerp(m, g, w) with PyTorch's two branches on w = 1 - beta1: d = g - m, then
 *       m + d * w when |w| < 0.5, else g - d * (1 - w), computed as g + d * -(1 - w)
 *       (x - y is x + -y in IEEE arithmetic)
 *   v = v * beta2 + (g * (1 - beta2)) * g;  vmax = max(vmax, v) (ams; NaN in either wins)
 *   p = p + (m / (sqrt(ams ? vmax : v) / bc2_sqrt + eps)) * -step_size
 * Each element is read, then written, through its own index only. */
#define MG_ADAM(T, SFX, SQRT)                                                                     \
    typedef struct {                                                                              \
        T *p, *m, *v, *vmax;                                                                      \
        const T *g;                                                                               \
        T gsign, wd, shrink, lerp_w, one_m_b2, beta2, bc2_sqrt, eps, neg_step;                    \
    } mg_adam_args_##SFX;                                                                         \
                                                                                                  \
    static MG_INLINE void mg_adam_loop_##SFX(int64_t lo, int64_t hi,                              \
                                             const mg_adam_args_##SFX *a, const int l2,           \
                                             const int small_w, const int ams)                    \
    {                                                                                             \
        T *MG_RESTRICT p = a->p, *MG_RESTRICT m = a->m, *MG_RESTRICT v = a->v;                    \
        T *MG_RESTRICT vmax = a->vmax;                                                            \
        const T *MG_RESTRICT g = a->g;                                                            \
        const T gsign = a->gsign, wd = a->wd, shrink = a->shrink, lerp_w = a->lerp_w;             \
        const T one_m_b2 = a->one_m_b2, beta2 = a->beta2, bc2_sqrt = a->bc2_sqrt;                 \
        const T eps = a->eps, neg_step = a->neg_step;                                             \
        int64_t i;                                                                                \
        for (i = lo; i < hi; i++) {                                                               \
            T pi = p[i], gi = g[i] * gsign, mi = m[i], vi, d, den;                                \
            if (l2) gi = gi + pi * wd;                                                            \
            pi = pi * shrink;                                                                     \
            d = gi - mi;                                                                          \
            mi = (small_w ? mi : gi) + d * lerp_w;                                                \
            vi = v[i] * beta2 + (gi * one_m_b2) * gi;                                             \
            if (ams) {                                                                            \
                T mx = vmax[i];                                                                   \
                mx = (mx >= vi || mx != mx) ? mx : vi; /* np.maximum's rule */                    \
                vmax[i] = mx;                                                                     \
                den = SQRT(mx);                                                                   \
            } else {                                                                              \
                den = SQRT(vi);                                                                   \
            }                                                                                     \
            den = den / bc2_sqrt + eps;                                                           \
            p[i] = pi + (mi / den) * neg_step;                                                    \
            m[i] = mi;                                                                            \
            v[i] = vi;                                                                            \
        }                                                                                         \
    }                                                                                             \
                                                                                                  \
    /* variant = ams << 2 | l2 << 1 | small_w: one specialized loop per combination */           \
    static MG_INLINE void mg_adam_variants_##SFX(int64_t lo, int64_t hi,                          \
                                                 const mg_adam_args_##SFX *a, int variant)        \
    {                                                                                             \
        switch (variant) {                                                                        \
        case 0: mg_adam_loop_##SFX(lo, hi, a, 0, 0, 0); break;                                    \
        case 1: mg_adam_loop_##SFX(lo, hi, a, 0, 1, 0); break;                                    \
        case 2: mg_adam_loop_##SFX(lo, hi, a, 1, 0, 0); break;                                    \
        case 3: mg_adam_loop_##SFX(lo, hi, a, 1, 1, 0); break;                                    \
        case 4: mg_adam_loop_##SFX(lo, hi, a, 0, 0, 1); break;                                    \
        case 5: mg_adam_loop_##SFX(lo, hi, a, 0, 1, 1); break;                                    \
        case 6: mg_adam_loop_##SFX(lo, hi, a, 1, 0, 1); break;                                    \
        default: mg_adam_loop_##SFX(lo, hi, a, 1, 1, 1); break;                                   \
        }                                                                                         \
    }                                                                                             \
                                                                                                  \
    MG_ADAM_RANGE(SFX)                                                                            \
                                                                                                  \
    int mg_adam_##SFX(int64_t n, T *param, const T *grad, T *exp_avg, T *exp_avg_sq,             \
                      T *max_exp_avg_sq, double lr, double beta1, double beta2, double eps,      \
                      double weight_decay, double step_size, double bias_correction2_sqrt,       \
                      int flags)                                                                  \
    {                                                                                             \
        mg_adam_args_##SFX a;                                                                     \
        const double w = 1.0 - beta1;                                                             \
        const int decoupled = (flags & MG_ADAM_DECOUPLED) != 0;                                   \
        const int l2 = weight_decay != 0.0 && !decoupled;                                         \
        const int small_w = fabs(w) < 0.5;                                                        \
        const int variant = (max_exp_avg_sq != NULL) << 2 | l2 << 1 | small_w;                    \
        int nt, t;                                                                                \
        if (n < 0 || (flags & ~(MG_ADAM_MAXIMIZE | MG_ADAM_DECOUPLED))) return MG_EINVAL;        \
        if (n == 0) return MG_OK;                                                                 \
        if (!param || !grad || !exp_avg || !exp_avg_sq) return MG_EINVAL;                         \
        a.p = param;                                                                              \
        a.g = grad;                                                                               \
        a.m = exp_avg;                                                                            \
        a.v = exp_avg_sq;                                                                         \
        a.vmax = max_exp_avg_sq;                                                                  \
        a.gsign = (flags & MG_ADAM_MAXIMIZE) ? (T)-1 : (T)1;                                      \
        a.wd = (T)weight_decay;                                                                   \
        a.shrink = decoupled ? (T)(1.0 - lr * weight_decay) : (T)1;                               \
        a.lerp_w = small_w ? (T)w : -(T)(1.0 - w);                                                \
        a.one_m_b2 = (T)(1.0 - beta2);                                                            \
        a.beta2 = (T)beta2;                                                                       \
        a.bc2_sqrt = (T)bias_correction2_sqrt;                                                    \
        a.eps = (T)eps;                                                                           \
        a.neg_step = (T)-step_size;                                                               \
        nt = mg_threads_for(n, MG_MIN_ITEMS_PER_THREAD);                                          \
        MG_PARALLEL_FOR(t, nt, {                                                                  \
            int64_t lo, hi;                                                                       \
            mg_chunk(n, t, nt, &lo, &hi);                                                         \
            mg_adam_range_##SFX(lo, hi, &a, variant);                                             \
        });                                                                                       \
        return MG_OK;                                                                             \
    }

/* mg_adam_range_SFX: the loops of MG_ADAM for elements [lo, hi). Where the CPU has AVX2 they run
 * from a copy compiled for it: twice the lanes for the square root and the two divisions,
 * which bound the speed while the arrays are in cache. Same operations, so the same bits. */
#if MG_X86_SIMD
#define MG_ADAM_RANGE(SFX)                                                                        \
    MG_TARGET_AVX2 static void mg_adam_range_avx2_##SFX(                                          \
        int64_t lo, int64_t hi, const mg_adam_args_##SFX *a, int variant)                         \
    {                                                                                             \
        mg_adam_variants_##SFX(lo, hi, a, variant);                                               \
    }                                                                                             \
                                                                                                  \
    static void mg_adam_range_##SFX(int64_t lo, int64_t hi, const mg_adam_args_##SFX *a,          \
                                    int variant)                                                  \
    {                                                                                             \
        if (mg_simd_level() >= MG_SIMD_AVX2)                                                      \
            mg_adam_range_avx2_##SFX(lo, hi, a, variant);                                         \
        else                                                                                      \
            mg_adam_variants_##SFX(lo, hi, a, variant);                                           \
    }
#else
#define MG_ADAM_RANGE(SFX)                                                                        \
    static void mg_adam_range_##SFX(int64_t lo, int64_t hi, const mg_adam_args_##SFX *a,          \
                                    int variant)                                                  \
    {                                                                                             \
        mg_adam_variants_##SFX(lo, hi, a, variant);                                               \
    }
#endif

MG_ADAM(float, f32, sqrtf)
MG_ADAM(double, f64, sqrt)
