/* im2col_tmpl.h -- im2col / col2im driver, instantiated by im2col.c for float and double.
 * Needs: T, API_IM2COL, API_COL2IM, FN_CHECK.
 * Layout as PyTorch F.unfold: cols[n][(ci*kh + i)*kw + j][oy*ow + ox] =
 * x[n][ci][oy*sh - ph + i*dh][ox*sw - pw + j*dw] (0 outside the input); with batch_last the
 * same entries are stored as cols[(ci*kh + i)*kw + j][n*L + oy*ow + ox] (one GEMM operand for
 * the whole batch).
 * Work is split over the n*c input planes: each plane owns kh*kw rows of cols and one plane of
 * x, so threads never write the same memory and col2im sums in a fixed order. */

/* Output columns ox whose input column ix = ox*sw + off lies in [0, w): [lo, hi). */
static inline void FN_CHECK(valid_range)(int64_t off, int64_t sw, int64_t w, int64_t ow,
                                         int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int64_t b = off >= w ? 0 : (w - off + sw - 1) / sw;
    if (a > ow) a = ow;
    if (b > ow) b = ow;
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

int API_IM2COL(const T *x, T *cols, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh,
               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
               int64_t dw, int64_t oh, int64_t ow, int batch_last)
{
    int64_t planes, q, L, sn, sr;
    int err = mg_conv_geometry_ok(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    int nt;
    if (err) return err;
    planes = n * c;
    L = oh * ow;
    /* element (sample s, row r, position l) of cols lives at s*sn + r*sr + l */
    sn = batch_last ? L : c * kh * kw * L;
    sr = batch_last ? n * L : L;
    nt = mg_threads_for(planes * kh * kw * L, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(q, planes, {
        const T *xp = x + q * h * w;
        T *cp = cols + (q / c) * sn + (q % c) * kh * kw * sr;
        int64_t i, j, oy, ox;
        for (i = 0; i < kh; i++) {
            for (j = 0; j < kw; j++) {
                T *row = cp + (i * kw + j) * sr;
                int64_t off = j * dw - pw, lo, hi;
                FN_CHECK(valid_range)(off, sw, w, ow, &lo, &hi);
                for (oy = 0; oy < oh; oy++) {
                    int64_t iy = oy * sh - ph + i * dh;
                    T *r = row + oy * ow;
                    if (iy < 0 || iy >= h) {
                        for (ox = 0; ox < ow; ox++) r[ox] = 0;
                        continue;
                    }
                    {
                        const T *xr = xp + iy * w; /* input column of ox: ox*sw + off */
                        for (ox = 0; ox < lo; ox++) r[ox] = 0;
                        if (sw == 1) {
                            const T *src = xr + (lo + off);
                            for (ox = lo; ox < hi; ox++) r[ox] = src[ox - lo];
                        } else {
                            for (ox = lo; ox < hi; ox++) r[ox] = xr[ox * sw + off];
                        }
                        for (ox = hi; ox < ow; ox++) r[ox] = 0;
                    }
                }
            }
        }
    });
    return MG_OK;
}

int API_COL2IM(const T *cols, T *x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh,
               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
               int64_t dw, int64_t oh, int64_t ow, int batch_last)
{
    int64_t planes, q, L, sn, sr;
    int err = mg_conv_geometry_ok(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
    int nt;
    if (err) return err;
    planes = n * c;
    L = oh * ow;
    /* element (sample s, row r, position l) of cols lives at s*sn + r*sr + l */
    sn = batch_last ? L : c * kh * kw * L;
    sr = batch_last ? n * L : L;
    nt = mg_threads_for(planes * kh * kw * L, MG_MIN_ITEMS_PER_THREAD);
    MG_PARALLEL_FOR(q, planes, {
        T *xp = x + q * h * w;
        const T *cp = cols + (q / c) * sn + (q % c) * kh * kw * sr;
        int64_t i, j, oy, ox;
        for (i = 0; i < h * w; i++) xp[i] = 0;
        for (i = 0; i < kh; i++) {
            for (j = 0; j < kw; j++) {
                const T *row = cp + (i * kw + j) * sr;
                int64_t off = j * dw - pw, lo, hi;
                FN_CHECK(valid_range)(off, sw, w, ow, &lo, &hi);
                for (oy = 0; oy < oh; oy++) {
                    int64_t iy = oy * sh - ph + i * dh;
                    const T *r = row + oy * ow;
                    T *xr;
                    if (iy < 0 || iy >= h) continue;
                    xr = xp + iy * w;
                    if (sw == 1) {
                        T *dst = xr + (lo + off);
                        for (ox = lo; ox < hi; ox++) dst[ox - lo] += r[ox];
                    } else {
                        for (ox = lo; ox < hi; ox++) xr[ox * sw + off] += r[ox];
                    }
                }
            }
        }
    });
    return MG_OK;
}
