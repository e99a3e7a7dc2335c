/* im2col.c -- im2col / col2im for NCHW convolution (driver in im2col_tmpl.h). */
#include "mg_internal.h"

/* Shared argument check: sizes non-negative, kernel/stride/dilation >= 1, padding >= 0, the
 * caller's (oh, ow) equal to the convolution formula, and every index product fits in int64. */
static int mg_conv_geometry_ok(int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                               int64_t dh, int64_t dw, int64_t oh, int64_t ow)
{
    int64_t t, span_h, span_w, ext_h, ext_w;
    if (n < 0 || c < 0 || h < 0 || w < 0 || oh < 0 || ow < 0) return MG_EINVAL;
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0)
        return MG_EINVAL;
    /* span = dilation*(kernel-1) + 1, ext = size + 2*pad */
    if (!mg_mul_ok(dh, kh - 1, &span_h) || !mg_add_ok(span_h, 1, &span_h)) return MG_EOVERFLOW;
    if (!mg_mul_ok(dw, kw - 1, &span_w) || !mg_add_ok(span_w, 1, &span_w)) return MG_EOVERFLOW;
    if (!mg_add_ok(h, ph, &ext_h) || !mg_add_ok(ext_h, ph, &ext_h)) return MG_EOVERFLOW;
    if (!mg_add_ok(w, pw, &ext_w) || !mg_add_ok(ext_w, pw, &ext_w)) return MG_EOVERFLOW;
    if (ext_h < span_h || ext_w < span_w) return MG_EINVAL;
    if (oh != (ext_h - span_h) / sh + 1 || ow != (ext_w - span_w) / sw + 1) return MG_EINVAL;
    /* oy*sh + i*dh and the sizes of x and cols */
    if (!mg_mul_ok(oh, sh, &t) || !mg_add_ok(t, span_h, &t)) return MG_EOVERFLOW;
    if (!mg_mul_ok(ow, sw, &t) || !mg_add_ok(t, span_w, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(n, c, h, w, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(n, c, kh, kw, &t) || !mg_prod4_ok(t, oh, ow, 1, &t)) return MG_EOVERFLOW;
    return MG_OK;
}

#define T float
#define API_IM2COL mg_im2col_f32
#define API_COL2IM mg_col2im_f32
#define FN_CHECK(name) name##_f32
#include "im2col_tmpl.h"
#undef T
#undef API_IM2COL
#undef API_COL2IM
#undef FN_CHECK

#define T double
#define API_IM2COL mg_im2col_f64
#define API_COL2IM mg_col2im_f64
#define FN_CHECK(name) name##_f64
#include "im2col_tmpl.h"
