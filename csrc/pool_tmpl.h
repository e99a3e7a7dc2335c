/* pool_tmpl.h -- pooling kernels, instantiated by pool.c for float and double.
 * Needs: T, NEG_INF, FN(name) (suffixes name with _f32/_f64), ISNAN.
 * Every kernel works on nc independent contiguous planes and threads over planes, so results do
 * not depend on the thread count. Window arithmetic follows PyTorch's CPU kernels exactly. */

/* 2x2 stride-2 max pooling of one output row whose windows are all inside the input:
 * rows r0, r1; returns how many outputs it wrote (the caller finishes the rest). The SSE2
 * version (x86-64 baseline, no dispatch needed) does four float outputs at a time without
 * branches; the result is identical to the scalar rule (first maximum, NaN wins). */
static int64_t FN(max2x2_s2_row)(const T *r0, const T *r1, int64_t base, int64_t w, int64_t n,
                                 T *y, int64_t *idx)
{
#if MG_POOL_SSE
    int64_t ox = 0;
    const __m128i one = _mm_set1_epi32(1), two = _mm_set1_epi32(2), three = _mm_set1_epi32(3);
    const __m128i zero = _mm_setzero_si128(), lanes = _mm_setr_epi32(0, 2, 4, 6);
    const __m128i w4 = _mm_set1_epi32((int32_t)w), base2 = _mm_set1_epi64x(base);
    if (w > INT32_MAX / 4 || n > INT32_MAX / 4) return 0; /* int32 offsets below */
    for (; ox + 4 <= n; ox += 4) {
        const T *a = r0 + 2 * ox, *b = r1 + 2 * ox;
        __m128 a0 = _mm_loadu_ps(a), a1 = _mm_loadu_ps(a + 4);
        __m128 b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4);
        __m128 m = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
        __m128 v, t;
        __m128i code = _mm_setzero_si128(), tc;
#define MG_TAKE(V, K)                                                                            \
    v = (V);                                                                                     \
    t = _mm_or_ps(_mm_cmpgt_ps(v, m), _mm_cmpunord_ps(v, v));                                    \
    m = _mm_or_ps(_mm_and_ps(t, v), _mm_andnot_ps(t, m));                                        \
    tc = _mm_castps_si128(t);                                                                    \
    code = _mm_or_si128(_mm_and_si128(tc, K), _mm_andnot_si128(tc, code));
        MG_TAKE(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)), one)
        MG_TAKE(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), two)
        MG_TAKE(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)), three)
#undef MG_TAKE
        _mm_storeu_ps(y + ox, m);
        /* index = base + 2*(ox + j) + (code & 1) + (code >> 1) * w, in SIMD: offsets from base
         * in int32, widened to int64 (they are non-negative) */
        tc = _mm_and_si128(_mm_sub_epi32(zero, _mm_srli_epi32(code, 1)), w4);
        tc = _mm_add_epi32(_mm_add_epi32(tc, _mm_and_si128(code, one)),
                           _mm_add_epi32(_mm_set1_epi32((int32_t)(2 * ox)), lanes));
        _mm_storeu_si128((__m128i *)(idx + ox),
                         _mm_add_epi64(_mm_unpacklo_epi32(tc, zero), base2));
        _mm_storeu_si128((__m128i *)(idx + ox + 2),
                         _mm_add_epi64(_mm_unpackhi_epi32(tc, zero), base2));
    }
    return ox;
#else
    (void)r0; (void)r1; (void)base; (void)w; (void)n; (void)y; (void)idx;
    return 0;
#endif
}

int FN(mg_max_pool2d)(const T *x, T *y, int64_t *idx, int64_t nc, int64_t h, int64_t w,
                      int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                      int64_t ph, int64_t pw, int64_t dh, int64_t dw)
{
    int64_t p;
    int nt, err = mg_pool_geometry_ok(nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw);
    if (err) return err;
    nt = mg_threads_for(nc * oh * ow * kh * kw, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *xp = x + p * h * w;
        T *yp = y + p * oh * ow;
        int64_t *ip = idx + p * oh * ow;
        int64_t oy, ox;
        for (oy = 0; oy < oh; oy++) {
            int64_t ih0 = oy * sh - ph;
            int64_t ih1 = ih0 + (kh - 1) * dh + 1;
            ox = 0;
            if (kh == 2 && kw == 2 && dh == 1 && dw == 1 && ph == 0 && pw == 0 && ih1 <= h) {
                /* Full 2x2 windows (the usual 2x2 pooling), branch-free; same visiting order
                 * and rule as below, so the same result. */
                const T *r0 = xp + ih0 * w, *r1 = r0 + w;
                /* windows with iw + 1 < w (none when w < 2: C division truncates -1 / sw
                 * to 0, which would count one) */
                int64_t ox_full = w >= 2 && sw > 0 ? (w - 2) / sw + 1 : 0;
                if (ox_full > ow) ox_full = ow;
                if (sw == 2) ox = FN(max2x2_s2_row)(r0, r1, ih0 * w, w, ox_full, yp + oy * ow,
                                                    ip + oy * ow);
                for (; ox < ox_full; ox++) {
                    int64_t iw = ox * sw, b = ih0 * w + iw;
                    T m = r0[iw], v;
                    int t;
                    v = r0[iw + 1]; t = (v > m) | ISNAN(v); m = t ? v : m; b = t ? b + 1 : b;
                    v = r1[iw]; t = (v > m) | ISNAN(v); m = t ? v : m;
                    b = t ? (ih0 + 1) * w + iw : b;
                    v = r1[iw + 1]; t = (v > m) | ISNAN(v); m = t ? v : m;
                    b = t ? (ih0 + 1) * w + iw + 1 : b;
                    yp[oy * ow + ox] = m;
                    ip[oy * ow + ox] = b;
                }
            }
            if (ih1 > h) ih1 = h;
            while (ih0 < 0) ih0 += dh;
            for (; ox < ow; ox++) {
                int64_t iw0 = ox * sw - pw;
                int64_t iw1 = iw0 + (kw - 1) * dw + 1;
                int64_t ih, iw, best = ih0 * w, bi;
                T m = NEG_INF;
                if (iw1 > w) iw1 = w;
                while (iw0 < 0) iw0 += dw;
                best += iw0;
                for (ih = ih0; ih < ih1; ih += dh) {
                    const T *xr = xp + ih * w;
                    for (iw = iw0; iw < iw1; iw += dw) {
                        T v = xr[iw];
                        int take = (v > m) | ISNAN(v); /* PyTorch: first max wins, NaN wins */
                        m = take ? v : m;
                        best = take ? ih * w + iw : best;
                    }
                }
                bi = oy * ow + ox;
                yp[bi] = m;
                ip[bi] = best;
            }
        }
    });
    return MG_OK;
}

int FN(mg_scatter_add)(const T *gy, const int64_t *idx, T *gx, int64_t nc, int64_t out_size,
                       int64_t in_size)
{
    int64_t p, t;
    int nt, err = MG_OK;
    if (nc < 0 || out_size < 0 || in_size < 0) return MG_EINVAL;
    if (!mg_mul_ok(nc, out_size, &t) || !mg_mul_ok(nc, in_size, &t)) return MG_EOVERFLOW;
    nt = mg_threads_for(nc * (out_size + in_size), MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *g = gy + p * out_size;
        const int64_t *ip = idx + p * out_size;
        T *d = gx + p * in_size;
        int64_t q;
        for (q = 0; q < in_size; q++) d[q] = 0;
        for (q = 0; q < out_size; q++) {
            int64_t i = ip[q];
            if (i < 0 || i >= in_size) {
                err = MG_EINDEX;
                break;
            }
            d[i] += g[q];
        }
    });
    return err;
}

int FN(mg_gather)(const T *x, const int64_t *idx, T *y, int64_t nc, int64_t out_size,
                  int64_t in_size)
{
    int64_t p, t;
    int nt, err = MG_OK;
    if (nc < 0 || out_size < 0 || in_size < 0) return MG_EINVAL;
    if (!mg_mul_ok(nc, out_size, &t) || !mg_mul_ok(nc, in_size, &t)) return MG_EOVERFLOW;
    nt = mg_threads_for(nc * out_size, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *s = x + p * in_size;
        const int64_t *ip = idx + p * out_size;
        T *d = y + p * out_size;
        int64_t q;
        for (q = 0; q < out_size; q++) {
            int64_t i = ip[q];
            if (i < 0 || i >= in_size) {
                err = MG_EINDEX;
                d[q] = 0;
                continue;
            }
            d[q] = s[i];
        }
    });
    return err;
}

/* Average-pool window of output (oy, ox) clipped to the input, and its divisor (PyTorch:
 * count_include_pad counts the part inside the padded input; divisor > 0 overrides). */
static inline T FN(avg_window)(int64_t oy, int64_t ox, int64_t h, int64_t w, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                               int count_include_pad, int64_t divisor, int64_t *ih0,
                               int64_t *ih1, int64_t *iw0, int64_t *iw1)
{
    int64_t a0 = oy * sh - ph, b0 = ox * sw - pw;
    int64_t a1 = a0 + kh, b1 = b0 + kw, pool;
    if (a1 > h + ph) a1 = h + ph;
    if (b1 > w + pw) b1 = w + pw;
    pool = (a1 - a0) * (b1 - b0);
    if (a0 < 0) a0 = 0;
    if (b0 < 0) b0 = 0;
    if (a1 > h) a1 = h;
    if (b1 > w) b1 = w;
    *ih0 = a0;
    *ih1 = a1;
    *iw0 = b0;
    *iw1 = b1;
    if (divisor > 0) return (T)divisor;
    if (count_include_pad) return (T)pool;
    return (T)((a1 - a0) * (b1 - b0));
}

int FN(mg_avg_pool2d)(const T *x, T *y, int64_t nc, int64_t h, int64_t w, int64_t oh,
                      int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                      int64_t pw, int count_include_pad, int64_t divisor)
{
    int64_t p;
    int nt, err = mg_pool_geometry_ok(nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, 1, 1);
    if (err) return err;
    nt = mg_threads_for(nc * oh * ow * kh * kw, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *xp = x + p * h * w;
        T *yp = y + p * oh * ow;
        int64_t oy, ox;
        for (oy = 0; oy < oh; oy++) {
            for (ox = 0; ox < ow; ox++) {
                int64_t ih0, ih1, iw0, iw1, ih, iw;
                T div = FN(avg_window)(oy, ox, h, w, kh, kw, sh, sw, ph, pw, count_include_pad,
                                       divisor, &ih0, &ih1, &iw0, &iw1);
                T s = 0;
                if (ih0 >= ih1 || iw0 >= iw1) {
                    yp[oy * ow + ox] = 0;
                    continue;
                }
                for (ih = ih0; ih < ih1; ih++)
                    for (iw = iw0; iw < iw1; iw++) s += xp[ih * w + iw];
                yp[oy * ow + ox] = s / div;
            }
        }
    });
    return MG_OK;
}

int FN(mg_avg_pool2d_backward)(const T *gy, T *gx, int64_t nc, int64_t h, int64_t w, int64_t oh,
                               int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                               int64_t ph, int64_t pw, int count_include_pad, int64_t divisor)
{
    int64_t p;
    int nt, err = mg_pool_geometry_ok(nc, h, w, oh, ow, kh, kw, sh, sw, ph, pw, 1, 1);
    if (err) return err;
    nt = mg_threads_for(nc * oh * ow * kh * kw, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *gp = gy + p * oh * ow;
        T *xp = gx + p * h * w;
        int64_t oy, ox, i;
        for (i = 0; i < h * w; i++) xp[i] = 0;
        for (oy = 0; oy < oh; oy++) {
            for (ox = 0; ox < ow; ox++) {
                int64_t ih0, ih1, iw0, iw1, ih, iw;
                T div = FN(avg_window)(oy, ox, h, w, kh, kw, sh, sw, ph, pw, count_include_pad,
                                       divisor, &ih0, &ih1, &iw0, &iw1);
                T g;
                if (ih0 >= ih1 || iw0 >= iw1) continue;
                g = gp[oy * ow + ox] / div;
                for (ih = ih0; ih < ih1; ih++)
                    for (iw = iw0; iw < iw1; iw++) xp[ih * w + iw] += g;
            }
        }
    });
    return MG_OK;
}

int FN(mg_adaptive_avg_pool2d)(const T *x, T *y, int64_t nc, int64_t h, int64_t w, int64_t oh,
                               int64_t ow)
{
    int64_t p;
    int nt, err = mg_adaptive_geometry_ok(nc, h, w, oh, ow);
    if (err) return err;
    nt = mg_threads_for(nc * h * w, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *xp = x + p * h * w;
        T *yp = y + p * oh * ow;
        int64_t oy, ox;
        for (oy = 0; oy < oh; oy++) {
            int64_t ih0 = oy * h / oh, ih1 = ((oy + 1) * h + oh - 1) / oh;
            for (ox = 0; ox < ow; ox++) {
                int64_t iw0 = ox * w / ow, iw1 = ((ox + 1) * w + ow - 1) / ow, ih, iw;
                T s = 0;
                for (ih = ih0; ih < ih1; ih++)
                    for (iw = iw0; iw < iw1; iw++) s += xp[ih * w + iw];
                yp[oy * ow + ox] = s / (T)(ih1 - ih0) / (T)(iw1 - iw0);
            }
        }
    });
    return MG_OK;
}

int FN(mg_adaptive_avg_pool2d_backward)(const T *gy, T *gx, int64_t nc, int64_t h, int64_t w,
                                        int64_t oh, int64_t ow)
{
    int64_t p;
    int nt, err = mg_adaptive_geometry_ok(nc, h, w, oh, ow);
    if (err) return err;
    nt = mg_threads_for(nc * h * w, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *gp = gy + p * oh * ow;
        T *xp = gx + p * h * w;
        int64_t oy, ox, i;
        for (i = 0; i < h * w; i++) xp[i] = 0;
        for (oy = 0; oy < oh; oy++) {
            int64_t ih0 = oy * h / oh, ih1 = ((oy + 1) * h + oh - 1) / oh;
            for (ox = 0; ox < ow; ox++) {
                int64_t iw0 = ox * w / ow, iw1 = ((ox + 1) * w + ow - 1) / ow, ih, iw;
                T g = gp[oy * ow + ox] / (T)(ih1 - ih0) / (T)(iw1 - iw0);
                for (ih = ih0; ih < ih1; ih++)
                    for (iw = iw0; iw < iw1; iw++) xp[ih * w + iw] += g;
            }
        }
    });
    return MG_OK;
}

int FN(mg_adaptive_max_pool2d)(const T *x, T *y, int64_t *idx, int64_t nc, int64_t h, int64_t w,
                               int64_t oh, int64_t ow)
{
    int64_t p;
    int nt, err = mg_adaptive_geometry_ok(nc, h, w, oh, ow);
    if (err) return err;
    nt = mg_threads_for(nc * h * w, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(p, nc, {
        const T *xp = x + p * h * w;
        T *yp = y + p * oh * ow;
        int64_t *ip = idx + p * oh * ow;
        int64_t oy, ox;
        for (oy = 0; oy < oh; oy++) {
            int64_t ih0 = oy * h / oh, ih1 = ((oy + 1) * h + oh - 1) / oh;
            for (ox = 0; ox < ow; ox++) {
                int64_t iw0 = ox * w / ow, iw1 = ((ox + 1) * w + ow - 1) / ow, ih, iw;
                int64_t best = ih0 * w + iw0;
                T m = NEG_INF;
                for (ih = ih0; ih < ih1; ih++) {
                    for (iw = iw0; iw < iw1; iw++) {
                        T v = xp[ih * w + iw];
                        if (v > m || ISNAN(v)) {
                            m = v;
                            best = ih * w + iw;
                        }
                    }
                }
                yp[oy * ow + ox] = m;
                ip[oy * ow + ox] = best;
            }
        }
    });
    return MG_OK;
}
