/* pool.c -- max / average / adaptive pooling forward and backward (kernels in pool_tmpl.h). */
#include <math.h>

#include "mg_internal.h"

/* Sizes non-negative, kernel/stride/dilation >= 1, padding >= 0, and all index arithmetic
 * (oy*sh + (kh-1)*dh, nc*h*w, nc*oh*ow*kh*kw) fits in int64. Reads are clipped to the input,
 * so any (oh, ow) is memory-safe; the caller computes them (ceil_mode is its business). */
static int mg_pool_geometry_ok(int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow,
                               int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                               int64_t pw, int64_t dh, int64_t dw)
{
    int64_t t, u;
    if (nc < 0 || h < 0 || w < 0 || oh < 0 || ow < 0) return MG_EINVAL;
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0)
        return MG_EINVAL;
    if (!mg_mul_ok(oh, sh, &t) || !mg_mul_ok(kh, dh, &u) || !mg_add_ok(t, u, &t) ||
        !mg_add_ok(t, h, &t) || !mg_add_ok(t, 2 * (ph > INT64_MAX / 4 ? INT64_MAX / 4 : ph), &t))
        return MG_EOVERFLOW;
    if (!mg_mul_ok(ow, sw, &t) || !mg_mul_ok(kw, dw, &u) || !mg_add_ok(t, u, &t) ||
        !mg_add_ok(t, w, &t) || !mg_add_ok(t, 2 * (pw > INT64_MAX / 4 ? INT64_MAX / 4 : pw), &t))
        return MG_EOVERFLOW;
    if (ph > INT64_MAX / 4 || pw > INT64_MAX / 4) return MG_EOVERFLOW;
    if (!mg_prod4_ok(nc, h, w, 1, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(nc, oh, ow, 1, &t) || !mg_prod4_ok(t, kh, kw, 1, &t)) return MG_EOVERFLOW;
    return MG_OK;
}

static int mg_adaptive_geometry_ok(int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow)
{
    int64_t t;
    if (nc < 0 || h < 0 || w < 0 || oh < 1 || ow < 1) return MG_EINVAL;
    /* (oy+1)*h + oh */
    if (!mg_mul_ok(oh + 1, h, &t) || !mg_add_ok(t, oh, &t)) return MG_EOVERFLOW;
    if (!mg_mul_ok(ow + 1, w, &t) || !mg_add_ok(t, ow, &t)) return MG_EOVERFLOW;
    if (!mg_prod4_ok(nc, h, w, 1, &t) || !mg_prod4_ok(nc, oh, ow, 1, &t)) return MG_EOVERFLOW;
    return MG_OK;
}

#if (defined(__SSE2__) || defined(_M_X64)) && !defined(MG_PORTABLE_ONLY)
#include <emmintrin.h>
#define MG_HAVE_SSE2 1
#else
#define MG_HAVE_SSE2 0
#endif

#define T float
#define MG_POOL_SSE MG_HAVE_SSE2
#define NEG_INF (-HUGE_VALF)
#define ISNAN(v) ((v) != (v))
#define FN(name) name##_f32
#include "pool_tmpl.h"
#undef T
#undef NEG_INF
#undef FN
#undef MG_POOL_SSE

#define T double
#define MG_POOL_SSE 0
#define NEG_INF (-HUGE_VAL)
#define FN(name) name##_f64
#include "pool_tmpl.h"
