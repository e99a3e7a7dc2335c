/* conv_tmpl.h -- conv2d forward, input gradient, weight gradient and the whole backward (with
 * the bias gradient) on the packed GEMM; instantiated by gemm.c for float and double after
 * gemm_tmpl.h (they call FN(gemm_run)). Needs: T, SFX, CFG, CFG_GET, API_CONV, API_CONV_IGRAD,
 * API_CONV_WGRAD, API_CONV_BACKWARD, and VEC, VOP for conv_direct_tmpl.h: layers with few
 * input channels (small cg*kh*kw) go to its kernels, and 3x3 stride-1 layers with many channels
 * to Winograd's minimal filtering (winograd_tmpl.h).
 *
 * Each sample is lowered with im2col into a (C*kh*kw, OH*OW) buffer that stays in the core's L2
 * and is multiplied right away, and outputs are written in NCHW directly. A batch-wide column
 * matrix would go through main memory instead (14 MB for a 64-sample, 32-channel 14x14 3x3
 * conv: writing and re-reading it cost a third of the GEMM time), and a batch-wide GEMM output
 * needs a transposing copy into NCHW.
 *
 * The weight is the same matrix for every sample, so it is packed for the GEMM once per call
 * (FN(prepack_a)); im2col / col2im of stride-1 "same"-width convolutions are one masked copy or
 * add per row, compiled for AVX2 as well as the baseline.
 *
 * Threads take contiguous ranges of samples, each with its own buffer; the GEMMs are threaded
 * themselves only when a single range is used. The forward and the input gradient give the same
 * bits whatever the thread count (every product is a whole-k sum in slab order, with alpha = 1
 * and beta 0 or 1, which full and edge tiles round alike). The weight gradient sums each range
 * into its own buffer and adds the buffers in range order: reproducible for a fixed thread
 * count. */

#define MG_CAT_(a, b) a##_##b
#define MG_CAT(a, b) MG_CAT_(a, b)
#define FN(name) MG_CAT(name, SFX)

#ifndef MG_CONV_COMMON
#define MG_CONV_COMMON

/* FN(name_base) and, on x86, FN(name_avx2): the MG_INLINE FN(name_body) compiled for the
 * baseline and a second time with AVX2 enabled (its plain C loops then vectorise 8 floats wide);
 * MG_SIMD_PICK(name) is the one for this CPU (chosen at run time, like the GEMM micro-kernels).
 * `params` and `args` are the parenthesised parameter and argument lists. */
#if MG_X86_SIMD
#define MG_SIMD_TWINS(name, params, args)                                                       \
    static void FN(name##_base) params { FN(name##_body) args; }                                \
    MG_TARGET_AVX2 static void FN(name##_avx2) params { FN(name##_body) args; }
#define MG_SIMD_PICK(name) (mg_simd_level() >= MG_SIMD_AVX2 ? FN(name##_avx2) : FN(name##_base))
#else
#define MG_SIMD_TWINS(name, params, args)                                                       \
    static void FN(name##_base) params { FN(name##_body) args; }
#define MG_SIMD_PICK(name) FN(name##_base)
#endif

/* One convolution: x (n, c, h, w), weight (o, c/groups, kh, kw), y (n, o, oh, ow) with
 * y[.., oy, ox] reading x at (oy*sh - ph + i*dh, ox*sw - pw + j*dw), zero outside the input.
 * (oh, ow) is any output size: positions whose window lies outside the input read zeros. */
typedef struct {
    int64_t n, c, h, w, o, groups, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
    int64_t cg, og; /* channels per group: input, output */
    int64_t R;      /* rows of one group's column block: cg*kh*kw */
    int64_t L;      /* output positions: oh*ow */
} mg_conv_geom;

static int mg_conv_geom_init(mg_conv_geom *g, int64_t n, int64_t c, int64_t h, int64_t w,
                             int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh,
                             int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                             int64_t oh, int64_t ow)
{
    int64_t t, u;
    if (n < 0 || c < 0 || h < 0 || w < 0 || o < 0 || oh < 0 || ow < 0) return MG_EINVAL;
    if (groups < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 ||
        pw < 0)
        return MG_EINVAL;
    if (c % groups || o % groups) return MG_EINVAL;
    /* oy*sh + i*dh (+ ph, + h) and the same along w */
    if (ph > INT64_MAX / 4 || pw > INT64_MAX / 4) return MG_EOVERFLOW;
    if (!mg_mul_ok(oh, sh, &t) || !mg_mul_ok(kh, dh, &u) || !mg_add_ok(t, u, &t) ||
        !mg_add_ok(t, h, &t) || !mg_add_ok(t, 2 * ph, &t))
        return MG_EOVERFLOW;
    if (!mg_mul_ok(ow, sw, &t) || !mg_mul_ok(kw, dw, &u) || !mg_add_ok(t, u, &t) ||
        !mg_add_ok(t, w, &t) || !mg_add_ok(t, 2 * pw, &t))
        return MG_EOVERFLOW;
    /* sizes of x, y, the weight and one sample's column buffer (times a thread count) */
    if (!mg_prod4_ok(n, c, h, w, &t) || !mg_prod4_ok(n, o, oh, ow, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(o, c, kh, kw, &t) || !mg_prod4_ok(t, oh, ow, 1, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(c, kh, kw, oh, &t) || !mg_prod4_ok(t, ow, (int64_t)sizeof(double), 1, &t))
        return MG_EOVERFLOW;
    g->n = n; g->c = c; g->h = h; g->w = w; g->o = o; g->groups = groups;
    g->kh = kh; g->kw = kw; g->sh = sh; g->sw = sw; g->ph = ph; g->pw = pw;
    g->dh = dh; g->dw = dw; g->oh = oh; g->ow = ow;
    g->cg = c / groups;
    g->og = o / groups;
    g->R = g->cg * kh * kw;
    g->L = oh * ow;
    return MG_OK;
}

/* Outputs q in [0, out) whose input index q*s + off lies in [0, size): [lo, hi). */
static inline void mg_conv_range(int64_t off, int64_t s, int64_t size, int64_t out, int64_t *lo,
                                 int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = off >= size ? 0 : (size - off + s - 1) / s;
    if (a > out) a = out;
    if (b > out) b = out;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* 1x1 kernel, stride 1, no padding, output = input size: the column matrix is x itself. */
static inline int mg_conv_pointwise(const mg_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
           g->oh == g->h && g->ow == g->w;
}

/* Threads for a loop over samples: at most one per sample, and each with enough flops
 * (waking a thread team costs microseconds). */
static int mg_conv_threads(const mg_conv_geom *g)
{
    int nt = mg_get_num_threads();
    double flops = 2.0 * (double)g->o * (double)g->R * (double)g->L;
    double by_work = (double)g->n * flops / (double)MG_GEMM_MIN_WORK + 1.0;
    if ((double)nt > by_work) nt = (int)by_work;
    if ((int64_t)nt > g->n) nt = (int)g->n;
    return nt < 1 ? 1 : nt;
}

/* Samples [*s0, *s1) of range t out of nt (contiguous, sizes differing by at most one). */
static inline void mg_conv_share(int64_t n, int t, int nt, int64_t *s0, int64_t *s1)
{
    int64_t q = n / nt, r = n % nt;
    *s0 = t * q + (t < r ? t : r);
    *s1 = *s0 + q + (t < r ? 1 : 0);
}

#endif /* MG_CONV_COMMON */

/* ---- GEMM with a pre-packed A ---------------------------------------------------------- */
/* The weight is the same matrix for every sample: it is packed once per call, in exactly the
 * blocking gemm_block uses (k cut by FN(kslab); slab pc's m rows as MR-slivers at
 * ap + pc * mpad), and FN(gemm_apacked) then runs gemm_block's single-thread loops without
 * packing A: the same arithmetic, so the same bits as FN(gemm_run). */

/* Elements of the packed copy of an m x k A. */
static int64_t FN(apacked_size)(const CFG *cf, int64_t m, int64_t k)
{
    return (m + cf->mr - 1) / cf->mr * cf->mr * k;
}

static void FN(prepack_a)(const CFG *cf, int64_t m, int64_t k, const T *a, int64_t rsa,
                          int64_t csa, T *ap)
{
    int64_t pc, kslab = FN(kslab)(cf, k), mpad = (m + cf->mr - 1) / cf->mr * cf->mr;
    for (pc = 0; pc < k; pc += kslab) {
        int64_t kc = k - pc < kslab ? k - pc : kslab;
        FN(pack_a)(m, kc, a + pc * csa, rsa, csa, ap + pc * mpad, cf);
    }
}

/* Elements of the B packing buffer FN(gemm_apacked) needs for (m, n, k). */
static int64_t FN(apacked_bbuf)(const CFG *cf, int64_t m, int64_t n, int64_t k)
{
    int64_t kslab = FN(kslab)(cf, k), NR = cf->nr;
    int64_t piece = (MG_GEMM_L2_PIECE / (int64_t)sizeof(T)) / kslab / NR * NR;
    int64_t ncb = (n < cf->nc ? n : cf->nc);
    if (piece < NR) piece = NR;
    ncb = (ncb + NR - 1) / NR * NR;
    return kslab * (m <= cf->mc ? (piece < ncb ? piece : ncb) : ncb);
}

/* C (m x n, ldc) = A @ B + beta * C on one thread, A pre-packed by FN(prepack_a). */
static void FN(gemm_apacked)(const CFG *cf, int64_t m, int64_t n, int64_t k, const T *ap,
                             const T *b, int64_t rsb, int64_t csb, T beta, T *c, int64_t ldc,
                             T *bbuf)
{
    const int NR = cf->nr;
    int64_t jc, pc, ic, jr, kslab = FN(kslab)(cf, k), mpad = (m + cf->mr - 1) / cf->mr * cf->mr;
    T tile[6 * 32];
    for (jc = 0; jc < n; jc += cf->nc) {
        int64_t nc = n - jc < cf->nc ? n - jc : cf->nc;
        for (pc = 0; pc < k; pc += kslab) {
            int64_t kc = k - pc < kslab ? k - pc : kslab;
            const T *apc = ap + pc * mpad;
            T bt = pc == 0 ? beta : (T)1;
            if (m <= cf->mc) {
                int64_t piece = (MG_GEMM_L2_PIECE / (int64_t)sizeof(T)) / kc / NR * NR, j0;
                if (piece < NR) piece = NR;
                for (j0 = 0; j0 < nc; j0 += piece) {
                    int64_t np = nc - j0 < piece ? nc - j0 : piece;
                    FN(pack_b)(kc, np, b + pc * rsb + (jc + j0) * csb, rsb, csb, bbuf, cf);
                    for (jr = 0; jr < np; jr += NR) {
                        int64_t nr = np - jr < NR ? np - jr : NR;
                        FN(sliver_times_block)(cf, m, nr, kc, apc, bbuf + jr * kc,
                                               c + jc + j0 + jr, ldc, (T)1, bt, tile);
                    }
                }
                continue;
            }
            FN(pack_b)(kc, nc, b + pc * rsb + jc * csb, rsb, csb, bbuf, cf);
            for (ic = 0; ic < m; ic += cf->mc) {
                int64_t mc = m - ic < cf->mc ? m - ic : cf->mc;
                for (jr = 0; jr < nc; jr += NR) {
                    int64_t nr = nc - jr < NR ? nc - jr : NR;
                    FN(sliver_times_block)(cf, mc, nr, kc, apc + ic * kc, bbuf + jr * kc,
                                           c + ic * ldc + jc + jr, ldc, (T)1, bt, tile);
                }
            }
        }
    }
}

/* ---- im2col / col2im of one sample ----------------------------------------------------- */

/* For stride 1 and ow == w, a row of cols is x shifted by a constant, except the columns that
 * wrap around to the neighbouring image row. masks[j*L + l] is 1 where column l % ow is inside
 * the image for kernel column j, else 0; the copy is then one vectorized select per row. */
static int FN(conv_shifted)(const mg_conv_geom *g)
{
    return g->sh == 1 && g->sw == 1 && g->ow == g->w;
}

static void FN(conv_masks)(const mg_conv_geom *g, T *masks)
{
    int64_t j, ox, oy;
    for (j = 0; j < g->kw; j++) {
        int64_t lo, hi;
        mg_conv_range(j * g->dw - g->pw, 1, g->w, g->ow, &lo, &hi);
        for (oy = 0; oy < g->oh; oy++)
            for (ox = 0; ox < g->ow; ox++)
                masks[j * g->L + oy * g->ow + ox] = (T)(ox >= lo && ox < hi);
    }
}

/* cols (c*kh*kw, L) of one sample x (c, h, w): row (ci*kh + i)*kw + j, column oy*ow + ox holds
 * x[ci, oy*sh - ph + i*dh, ox*sw - pw + j*dw], 0 outside the input. */
static MG_INLINE void FN(conv_im2col_body)(const mg_conv_geom *g, const T *x, T *cols,
                                           const T *masks)
{
    const int64_t h = g->h, w = g->w, oh = g->oh, ow = g->ow, L = g->L;
    int64_t ci, i, j, oy, ox, t;
    for (ci = 0; ci < g->c; ci++) {
        const T *xp = x + ci * h * w;
        for (i = 0; i < g->kh; i++) {
            int64_t offy = i * g->dh - g->ph, ylo, yhi;
            mg_conv_range(offy, g->sh, h, oh, &ylo, &yhi);
            for (j = 0; j < g->kw; j++) {
                T *row = cols + ((ci * g->kh + i) * g->kw + j) * L;
                int64_t offx = j * g->dw - g->pw, lo, hi;
                mg_conv_range(offx, g->sw, w, ow, &lo, &hi);
                if (ylo >= yhi || lo >= hi) {
                    memset(row, 0, (size_t)L * sizeof(T));
                    continue;
                }
                if (masks) {
                    /* shifted layout: [start, end) holds every entry that reads the image */
                    int64_t start = ylo * ow + lo, end = (yhi - 1) * ow + hi;
                    const T *src = xp + (ylo + offy) * w + lo + offx, *m = masks + j * L + start;
                    T *dst = row + start;
                    memset(row, 0, (size_t)start * sizeof(T));
                    for (t = 0; t < end - start; t++) {
                        T v = src[t]; /* in the image plane even where masked out */
                        dst[t] = m[t] != 0 ? v : (T)0;
                    }
                    memset(row + end, 0, (size_t)(L - end) * sizeof(T));
                    continue;
                }
                memset(row, 0, (size_t)(ylo * ow) * sizeof(T));
                for (oy = ylo; oy < yhi; oy++) {
                    const T *xr = xp + (oy * g->sh + offy) * w;
                    T *r = row + oy * ow;
                    for (ox = 0; ox < lo; ox++) r[ox] = 0;
                    if (g->sw == 1) {
                        const T *sr = xr + lo + offx;
                        for (ox = lo; ox < hi; ox++) r[ox] = sr[ox - lo];
                    } else {
                        for (ox = lo; ox < hi; ox++) r[ox] = xr[ox * g->sw + offx];
                    }
                    for (ox = hi; ox < ow; ox++) r[ox] = 0;
                }
                memset(row + yhi * ow, 0, (size_t)((oh - yhi) * ow) * sizeof(T));
            }
        }
    }
}

/* The adjoint: x (c, h, w) is overwritten with the sum of the cols entries that read each
 * pixel, rows in order. masks as for FN(conv_im2col) (NULL unless FN(conv_shifted)). */
static MG_INLINE void FN(conv_col2im_body)(const mg_conv_geom *g, const T *cols, T *x,
                                           const T *masks)
{
    const int64_t h = g->h, w = g->w, ow = g->ow, L = g->L;
    int64_t ci, i, j, oy, ox, t;
    for (ci = 0; ci < g->c; ci++) {
        T *xp = x + ci * h * w;
        memset(xp, 0, (size_t)(h * w) * sizeof(T));
        for (i = 0; i < g->kh; i++) {
            int64_t offy = i * g->dh - g->ph, ylo, yhi;
            mg_conv_range(offy, g->sh, h, g->oh, &ylo, &yhi);
            for (j = 0; j < g->kw; j++) {
                const T *row = cols + ((ci * g->kh + i) * g->kw + j) * L;
                int64_t offx = j * g->dw - g->pw, lo, hi;
                mg_conv_range(offx, g->sw, w, ow, &lo, &hi);
                if (ylo >= yhi || lo >= hi) continue;
                if (masks) {
                    /* one contiguous add; entries of wrapped columns read nothing (masked) */
                    int64_t start = ylo * ow + lo, end = (yhi - 1) * ow + hi;
                    T *dst = xp + (ylo + offy) * w + lo + offx;
                    const T *src = row + start, *m = masks + j * L + start;
                    for (t = 0; t < end - start; t++) {
                        T v = src[t];
                        dst[t] += m[t] != 0 ? v : (T)0;
                    }
                    continue;
                }
                for (oy = ylo; oy < yhi; oy++) {
                    T *xr = xp + (oy * g->sh + offy) * w;
                    const T *r = row + oy * ow;
                    if (g->sw == 1) {
                        T *d = xr + lo + offx;
                        for (ox = lo; ox < hi; ox++) d[ox - lo] += r[ox];
                    } else {
                        for (ox = lo; ox < hi; ox++) xr[ox * g->sw + offx] += r[ox];
                    }
                }
            }
        }
    }
}

/* The two loops above are plain C, compiled twice (MG_SIMD_TWINS): in the AVX2 copy their
 * masked copies and adds run 8 lanes wide instead of SSE2's 4. Selects and adds only: the same
 * bits either way. */
MG_SIMD_TWINS(conv_im2col, (const mg_conv_geom *g, const T *x, T *cols, const T *masks),
              (g, x, cols, masks))
MG_SIMD_TWINS(conv_col2im, (const mg_conv_geom *g, const T *cols, T *x, const T *masks),
              (g, cols, x, masks))

/* ---- bias gradient: sums of the rows of gy --------------------------------------------- */
/* Each row's sum is kept as MG_SUM_LANES partial sums, lane j adding the columns l with
 * l % MG_SUM_LANES == j in order (4 AVX2 vectors of floats, 8 of doubles: enough independent
 * additions to hide their latency), then added pairwise by FN(lanes_sum). The lanes are explicit,
 * so the SSE2 and AVX2 compilations give the same bits. */
#define MG_SUM_LANES 32

/* part (m x MG_SUM_LANES) = (first ? 0 : part) + the lanes of the m rows of n columns, rows n
 * apart. */
static MG_INLINE void FN(row_sums_body)(const T *rows, int64_t m, int64_t n, T *part,
                                        int first)
{
    int64_t i, l;
    int j;
    for (i = 0; i < m; i++, rows += n, part += MG_SUM_LANES) {
        T acc[MG_SUM_LANES];
        for (j = 0; j < MG_SUM_LANES; j++) acc[j] = first ? (T)0 : part[j];
        for (l = 0; l + MG_SUM_LANES <= n; l += MG_SUM_LANES)
            for (j = 0; j < MG_SUM_LANES; j++) acc[j] += rows[l + j];
        for (j = 0; l + j < n; j++) acc[j] += rows[l + j];
        for (j = 0; j < MG_SUM_LANES; j++) part[j] = acc[j];
    }
}

MG_SIMD_TWINS(row_sums, (const T *rows, int64_t m, int64_t n, T *part, int first),
              (rows, m, n, part, first))

/* The `lanes` (a power of two) partial sums at v added pairwise, a fixed order; v is
 * overwritten. */
static inline T FN(lanes_sum)(T *v, int lanes)
{
    int w, q;
    for (w = lanes / 2; w > 0; w /= 2)
        for (q = 0; q < w; q++) v[q] += v[q + w];
    return v[0];
}

/* Scratch of one call: [masks | packed weight per group | per thread: columns, B packing]. */
typedef struct {
    T *base, *masks, *wpack, *per_thread;
    int64_t asz, tsz; /* packed weight of one group; one thread's part */
} FN(conv_scratch);

/* n elements rounded up to whole 64-byte lines: every part of the scratch stays aligned (the
 * micro-kernels load packed B with aligned loads). */
static inline int64_t FN(lines)(int64_t n)
{
    const int64_t e = 64 / (int64_t)sizeof(T);
    return (n + e - 1) / e * e;
}

/* Sets sc's parts for `nt` threads; *bufsz is rounded up (its part of a thread's share). */
static int FN(conv_scratch_alloc)(FN(conv_scratch) *sc, const mg_conv_geom *g, int nt,
                                  int64_t msz, int64_t asz, int64_t *bufsz, int64_t bsz)
{
    int64_t wsz, tsz, total;
    sc->base = sc->masks = sc->wpack = sc->per_thread = NULL;
    /* sizes are below 2^62 elements (checked geometry): rounding cannot overflow */
    msz = FN(lines)(msz);
    asz = FN(lines)(asz);
    *bufsz = FN(lines)(*bufsz);
    bsz = FN(lines)(bsz);
    if (!mg_mul_ok(g->groups, asz, &wsz) || !mg_add_ok(*bufsz, bsz, &tsz) ||
        !mg_mul_ok(nt, tsz, &total) || !mg_add_ok(total, wsz, &total) ||
        !mg_add_ok(total, msz, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    if (total == 0) return MG_OK;
    sc->base = (T *)mg_aligned_alloc((size_t)total);
    if (!sc->base) return MG_ENOMEM;
    sc->masks = msz ? sc->base : NULL;
    sc->wpack = sc->base + msz;
    sc->per_thread = sc->wpack + wsz;
    sc->asz = asz;
    sc->tsz = tsz;
    return MG_OK;
}

#include "conv_direct_tmpl.h"
#include "winograd_tmpl.h"

int API_CONV(const T *x, const T *wt, const T *bias, T *y, int64_t n, int64_t c, int64_t h,
             int64_t w, int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh,
             int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow)
{
    mg_conv_geom g;
    CFG cf;
    FN(conv_scratch) sc;
    int64_t bufsz, gi;
    int nt, inner, pointwise, packed, t, err = mg_conv_geom_init(&g, n, c, h, w, o, groups, kh,
                                                                  kw, sh, sw, ph, pw, dh, dw, oh,
                                                                  ow);
    if (err) return err;
    if (g.n == 0 || g.o == 0 || g.L == 0) return MG_OK;
#if MG_X86_SIMD
    if (FN(conv_direct_wins)(&g)) return FN(conv_direct)(&g, x, wt, bias, y);
#endif
    if (FN(wino_applies)(&g)) return FN(wino_forward)(&g, x, wt, bias, y);
    CFG_GET(mg_simd_level(), &cf);
    nt = mg_conv_threads(&g);
    inner = nt > 1 ? 1 : mg_get_num_threads();
    pointwise = mg_conv_pointwise(&g);
    packed = inner == 1 && g.R > 0; /* one thread per GEMM: the weight is packed once */
    bufsz = pointwise ? 0 : g.c * g.kh * g.kw * g.L;
    err = FN(conv_scratch_alloc)(&sc, &g, nt, !pointwise && FN(conv_shifted)(&g) ? g.kw * g.L : 0,
                                 packed ? FN(apacked_size)(&cf, g.og, g.R) : 0, &bufsz,
                                 packed ? FN(apacked_bbuf)(&cf, g.og, g.L, g.R) : 0);
    if (err) return err;
    if (sc.masks) FN(conv_masks)(&g, sc.masks);
    if (packed)
        for (gi = 0; gi < g.groups; gi++)
            FN(prepack_a)(&cf, g.og, g.R, wt + gi * g.og * g.R, g.R, 1, sc.wpack + gi * sc.asz);
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, gj, oc, l;
        T *buf = sc.per_thread ? sc.per_thread + t * sc.tsz : NULL, *bb = buf ? buf + bufsz : NULL;
        mg_conv_share(g.n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++) {
            const T *xs = x + s * g.c * g.h * g.w, *cols = xs;
            T *ys = y + s * g.o * g.L;
            if (!pointwise) {
                MG_SIMD_PICK(conv_im2col)(&g, xs, buf, sc.masks);
                cols = buf;
            }
            for (gj = 0; gj < g.groups; gj++) {
                if (packed) {
                    FN(gemm_apacked)(&cf, g.og, g.L, g.R, sc.wpack + gj * sc.asz,
                                     cols + gj * g.R * g.L, g.L, 1, (T)0, ys + gj * g.og * g.L,
                                     g.L, bb);
                } else {
                    int e = FN(gemm_run)(&cf, inner, g.og, g.L, g.R, (T)1, wt + gj * g.og * g.R,
                                         g.R, 1, cols + gj * g.R * g.L, g.L, 1, (T)0,
                                         ys + gj * g.og * g.L, g.L);
                    if (e) err = e;
                }
            }
            if (bias)
                for (oc = 0; oc < g.o; oc++) {
                    T *yr = ys + oc * g.L, bv = bias[oc];
                    for (l = 0; l < g.L; l++) yr[l] += bv;
                }
        }
    });
    mg_aligned_free(sc.base);
    return err;
}

int API_CONV_IGRAD(const T *gy, const T *wt, T *gx, int64_t n, int64_t c, int64_t h, int64_t w,
                   int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow)
{
    mg_conv_geom g;
    CFG cf;
    FN(conv_scratch) sc;
    int64_t bufsz, gi;
    int nt, inner, pointwise, packed, t, err = mg_conv_geom_init(&g, n, c, h, w, o, groups, kh,
                                                                  kw, sh, sw, ph, pw, dh, dw, oh,
                                                                  ow);
    if (err) return err;
    if (g.n == 0 || g.c * g.h * g.w == 0) return MG_OK;
    if (g.o == 0 || g.L == 0) {
        memset(gx, 0, (size_t)(g.n * g.c * g.h * g.w) * sizeof(T));
        return MG_OK;
    }
#if MG_X86_SIMD
    if (FN(conv_direct_wins)(&g))
        return FN(conv_backward_direct)(&g, NULL, gy, wt, gx, NULL, NULL);
#endif
    if (FN(wino_applies)(&g)) return FN(wino_input_grad)(&g, gy, wt, gx);
    CFG_GET(mg_simd_level(), &cf);
    nt = mg_conv_threads(&g);
    inner = nt > 1 ? 1 : mg_get_num_threads();
    pointwise = mg_conv_pointwise(&g);
    packed = inner == 1;
    bufsz = pointwise ? 0 : g.c * g.kh * g.kw * g.L;
    err = FN(conv_scratch_alloc)(&sc, &g, nt, !pointwise && FN(conv_shifted)(&g) ? g.kw * g.L : 0,
                                 packed ? FN(apacked_size)(&cf, g.R, g.og) : 0, &bufsz,
                                 packed ? FN(apacked_bbuf)(&cf, g.R, g.L, g.og) : 0);
    if (err) return err;
    if (sc.masks) FN(conv_masks)(&g, sc.masks);
    /* cols of group gi = W_gi^T (R x og) @ gy_gi (og x L); W_gi^T is read transposed */
    if (packed)
        for (gi = 0; gi < g.groups; gi++)
            FN(prepack_a)(&cf, g.R, g.og, wt + gi * g.og * g.R, 1, g.R, sc.wpack + gi * sc.asz);
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, gj;
        T *buf = sc.per_thread ? sc.per_thread + t * sc.tsz : NULL, *bb = buf ? buf + bufsz : NULL;
        mg_conv_share(g.n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++) {
            const T *gys = gy + s * g.o * g.L;
            T *gxs = gx + s * g.c * g.h * g.w, *cols = pointwise ? gxs : buf;
            for (gj = 0; gj < g.groups; gj++) {
                if (packed) {
                    FN(gemm_apacked)(&cf, g.R, g.L, g.og, sc.wpack + gj * sc.asz,
                                     gys + gj * g.og * g.L, g.L, 1, (T)0, cols + gj * g.R * g.L,
                                     g.L, bb);
                } else {
                    int e = FN(gemm_run)(&cf, inner, g.R, g.L, g.og, (T)1, wt + gj * g.og * g.R,
                                         1, g.R, gys + gj * g.og * g.L, g.L, 1, (T)0,
                                         cols + gj * g.R * g.L, g.L);
                    if (e) err = e;
                }
            }
            if (!pointwise) MG_SIMD_PICK(conv_col2im)(&g, buf, gxs, sc.masks);
        }
    });
    mg_aligned_free(sc.base);
    return err;
}

int API_CONV_WGRAD(const T *x, const T *gy, T *gw, int64_t n, int64_t c, int64_t h, int64_t w,
                   int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow)
{
    mg_conv_geom g;
    CFG cf;
    FN(conv_scratch) sc;
    int64_t bufsz, wsz, i;
    int nt, inner, pointwise, t, err = mg_conv_geom_init(&g, n, c, h, w, o, groups, kh, kw, sh,
                                                          sw, ph, pw, dh, dw, oh, ow);
    if (err) return err;
    wsz = g.o * g.R;
    if (wsz == 0) return MG_OK;
    if (g.n == 0 || g.L == 0) {
        memset(gw, 0, (size_t)wsz * sizeof(T));
        return MG_OK;
    }
#if MG_X86_SIMD
    if (FN(conv_direct_wins)(&g))
        return FN(conv_backward_direct)(&g, x, gy, NULL, NULL, gw, NULL);
#endif
    if (FN(wino_applies)(&g)) return FN(wino_weight_grad)(&g, x, gy, gw);
    CFG_GET(mg_simd_level(), &cf);
    nt = mg_conv_threads(&g);
    inner = nt > 1 ? 1 : mg_get_num_threads();
    pointwise = mg_conv_pointwise(&g);
    bufsz = pointwise ? 0 : g.c * g.kh * g.kw * g.L;
    /* per thread: a column buffer, and (ranges 1..) a partial sum of the weight gradient */
    err = FN(conv_scratch_alloc)(&sc, &g, nt, !pointwise && FN(conv_shifted)(&g) ? g.kw * g.L : 0,
                                 0, &bufsz, nt > 1 ? wsz : 0);
    if (err) return err;
    if (sc.masks) FN(conv_masks)(&g, sc.masks);
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, gi;
        T *buf = sc.per_thread ? sc.per_thread + t * sc.tsz : NULL;
        T *acc = t == 0 ? gw : buf + bufsz;
        mg_conv_share(g.n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++) {
            const T *gys = gy + s * g.o * g.L, *cols = x + s * g.c * g.h * g.w;
            if (!pointwise) {
                MG_SIMD_PICK(conv_im2col)(&g, cols, buf, sc.masks);
                cols = buf;
            }
            /* dW_gi (og x R) += gy_gi (og x L) @ cols_gi^T (cols_gi read transposed) */
            for (gi = 0; gi < g.groups; gi++) {
                int e = FN(gemm_run)(&cf, inner, g.og, g.R, g.L, (T)1, gys + gi * g.og * g.L, g.L,
                                     1, cols + gi * g.R * g.L, 1, g.L, s == s0 ? (T)0 : (T)1,
                                     acc + gi * g.og * g.R, g.R);
                if (e) err = e;
            }
        }
    });
    /* ranges are never empty (nt <= n); their sums are added in range order */
    for (t = 1; t < nt; t++) {
        const T *p = sc.per_thread + t * sc.tsz + bufsz;
        for (i = 0; i < wsz; i++) gw[i] += p[i];
    }
    mg_aligned_free(sc.base);
    return err;
}

/* gb (o) = the sums of gy (n, o, L) over samples and positions: per thread over its range of
 * samples (FN(row_sums)), the ranges added in order. */
static int FN(conv_bias_grad)(const mg_conv_geom *g, const T *gy, T *gb)
{
    const int64_t psz = g->o * MG_SUM_LANES; /* partial sums of one thread, then its sums */
    int64_t i;
    int t, nt = mg_threads_for(g->n * g->o * g->L, MG_MIN_ITEMS_PER_THREAD);
    T *scratch;
    if ((int64_t)nt > g->n) nt = (int)g->n;
    if (nt < 1) nt = 1;
    scratch = (T *)mg_aligned_alloc((size_t)(nt * (psz + g->o)) * sizeof(T));
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, e;
        T *part = scratch + t * (psz + g->o), *sums = t == 0 ? gb : part + psz;
        mg_conv_share(g->n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++)
            MG_SIMD_PICK(row_sums)(gy + s * g->o * g->L, g->o, g->L, part, s == s0);
        for (e = 0; e < g->o; e++) sums[e] = FN(lanes_sum)(part + e * MG_SUM_LANES, MG_SUM_LANES);
    });
    for (t = 1; t < nt; t++) {
        const T *sums = scratch + t * (psz + g->o) + psz;
        for (i = 0; i < g->o; i++) gb[i] += sums[i];
    }
    mg_aligned_free(scratch);
    return MG_OK;
}

int API_CONV_BACKWARD(const T *x, const T *gy, const T *wt, T *gx, T *gw, T *gb, int64_t n,
                      int64_t c, int64_t h, int64_t w, int64_t o, int64_t groups, int64_t kh,
                      int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                      int64_t dw, int64_t oh, int64_t ow)
{
    mg_conv_geom g;
    int err = mg_conv_geom_init(&g, n, c, h, w, o, groups, kh, kw, sh, sw, ph, pw, dh, dw, oh,
                                ow);
    if (err) return err;
#if MG_X86_SIMD
    /* one pass over gy when there is something to compute (else the zero fills below) */
    if ((gx || gw || gb) && g.n > 0 && g.o > 0 && g.L > 0 && g.c * g.h * g.w > 0 &&
        FN(conv_direct_wins)(&g))
        return FN(conv_backward_direct)(&g, x, gy, wt, gx, gw, gb);
#endif
    if (gx) err = API_CONV_IGRAD(gy, wt, gx, n, c, h, w, o, groups, kh, kw, sh, sw, ph, pw, dh,
                                 dw, oh, ow);
    if (gw && !err)
        err = API_CONV_WGRAD(x, gy, gw, n, c, h, w, o, groups, kh, kw, sh, sw, ph, pw, dh, dw,
                             oh, ow);
    if (gb && !err) {
        if (g.n == 0 || g.L == 0) memset(gb, 0, (size_t)g.o * sizeof(T));
        else if (g.o > 0) err = FN(conv_bias_grad)(&g, gy, gb);
    }
    return err;
}

#undef FN
#undef MG_CAT
#undef MG_CAT_
