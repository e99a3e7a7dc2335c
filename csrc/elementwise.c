/* elementwise.c -- fused one-pass elementwise kernels for hot paths: the ReLU / threshold
 * gradient and the optimizer updates y += a*x and y = a*x + b*y.
 *
 * NumPy needs a pass per operation (and a temporary) for these; one pass over memory-bound data
 * is what makes them faster. The arithmetic is exactly NumPy's: each product and sum rounded
 * once, in the same order (-ffp-contract=off keeps the compiler from fusing a*x + y into an FMA),
 * so results are bit-identical to the NumPy twins in backend/reference.py. Elementwise work
 * split over threads gives the same result for any thread count. */
#include "mg_internal.h"

/* Contiguous chunk [*lo, *hi) of n items for thread t of nt. */
static inline void mg_chunk(int64_t n, int t, int nt, int64_t *lo, int64_t *hi)
{
    int64_t q = n / nt, r = n % nt;
    *lo = t * q + (t < r ? t : r);
    *hi = *lo + q + (t < r ? 1 : 0);
}

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
    int mg_axpy_##SFX(int64_t n, T alpha, const T *x, T *y)                                       \
    {                                                                                             \
        int nt, t;                                                                                \
        if (n < 0) return MG_EINVAL;                                                              \
        nt = mg_threads_for(n, MG_MIN_ITEMS_PER_THREAD);                                          \
        MG_PARALLEL_FOR(t, nt, {                                                                  \
            int64_t i, lo, hi;                                                                    \
            mg_chunk(n, t, nt, &lo, &hi);                                                         \
            for (i = lo; i < hi; i++) y[i] = y[i] + alpha * x[i];                                 \
        });                                                                                       \
        return MG_OK;                                                                             \
    }                                                                                             \
                                                                                                  \
    int mg_axpby_##SFX(int64_t n, T alpha, const T *x, T beta, T *y)                              \
    {                                                                                             \
        int nt, t;                                                                                \
        if (n < 0) return MG_EINVAL;                                                              \
        nt = mg_threads_for(n, MG_MIN_ITEMS_PER_THREAD);                                          \
        MG_PARALLEL_FOR(t, nt, {                                                                  \
            int64_t i, lo, hi;                                                                    \
            mg_chunk(n, t, nt, &lo, &hi);                                                         \
            for (i = lo; i < hi; i++) y[i] = beta * y[i] + alpha * x[i];                          \
        });                                                                                       \
        return MG_OK;                                                                             \
    }

MG_ELEMENTWISE(float, f32)
MG_ELEMENTWISE(double, f64)
