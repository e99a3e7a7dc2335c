/*
 * minigrad.h -- the kernel table: every C function Python may call.
 *
 * The part between the MG_CDEF_BEGIN / MG_CDEF_END markers is read verbatim by csrc/build.py as
 * the cffi cdef, so it holds plain declarations only (no preprocessor directives).
 *
 * Conventions
 *   - Every kernel returns an int status: MG_OK (0) or an MG_E* code. Kernels never write out of
 *     bounds on bad arguments: they validate sizes (including products that would overflow
 *     int64) before touching memory.
 *   - Sizes, strides and leading dimensions are int64_t and counted in elements.
 *   - Arrays are row-major. Each kernel has a float32 (_f32 / sgemm) and a float64 (_f64 / dgemm)
 *     variant with identical semantics.
 *   - For a fixed thread count every kernel is bit-for-bit reproducible: work is split over
 *     independent output blocks, never over a reduction.
 */
#ifndef MINIGRAD_H
#define MINIGRAD_H

#include <stdint.h>

/* MG_CDEF_BEGIN */

enum {
    MG_OK = 0,
    MG_EINVAL = 1,      /* bad argument (negative size, leading dimension too small, ...) */
    MG_EOVERFLOW = 2,   /* an index computation would overflow int64 */
    MG_ENOMEM = 3,      /* a work buffer could not be allocated */
    MG_EINDEX = 4       /* an index array points outside its plane */
};

enum {
    MG_SIMD_GENERIC = 0,
    MG_SIMD_AVX2 = 1,
    MG_SIMD_AVX512 = 2
};

/* ---- configuration ---------------------------------------------------------------------- */
int mg_num_cores(void);                 /* processors available to this process */
int mg_get_num_threads(void);           /* threads used by kernels (default: mg_num_cores()) */
int mg_set_num_threads(int n);          /* n >= 1, else MG_EINVAL */
int mg_has_openmp(void);                /* 1 when compiled with OpenMP */
int mg_simd_supported(void);            /* best MG_SIMD_* level this CPU and build support */
int mg_get_simd(void);                  /* MG_SIMD_* level in use */
int mg_set_simd(int level);             /* force a level <= mg_simd_supported(), else MG_EINVAL */
const char *mg_simd_name(int level);    /* "generic", "avx2", "avx512" */

/* ---- GEMM ------------------------------------------------------------------------------- */
/* C = alpha * op(A) @ op(B) + beta * C, with op(X) = X or X^T (trans_x != 0).
 * op(A): (m, k), op(B): (k, n), C: (m, n). A is stored (m, k) with leading dimension lda
 * (or (k, m) when trans_a), B stored (k, n) with ldb (or (n, k) when trans_b), C (m, n) with ldc.
 * beta == 0 never reads C (NaN in C does not propagate), as in BLAS. */
int mg_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
             float beta, float *c, int64_t ldc);
int mg_dgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
             double alpha, const double *a, int64_t lda, const double *b, int64_t ldb,
             double beta, double *c, int64_t ldc);

/* The plain product of contiguous matrices with the fewest arguments (a cffi call costs ~25 ns
 * per argument, so this is the tiny-matmul entry): c (m, n) = op(a) @ op(b), c C-contiguous,
 * a stored (m, k) C-contiguous, or (k, m) when flags & 1 (op = transpose); b stored (k, n), or
 * (n, k) when flags & 2. */
int mg_smatmul(const void *a, const void *b, void *c, int64_t m, int64_t n, int64_t k,
               int flags);
int mg_dmatmul(const void *a, const void *b, void *c, int64_t m, int64_t n, int64_t k,
               int flags);

/* Batched: for i in [0, batch): C_i = alpha * op(A_i) @ op(B_i) + beta * C_i, with
 * X_i = x + i * stride_x. stride_a or stride_b == 0 broadcasts that operand.
 * stride_c == 0 reduces over the batch: C = beta * C + alpha * sum_i op(A_i) @ op(B_i), summed
 * in batch order (deterministic). */
int mg_sgemm_batched(int64_t batch, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const float *a, int64_t lda, int64_t stride_a,
                     const float *b, int64_t ldb, int64_t stride_b,
                     float beta, float *c, int64_t ldc, int64_t stride_c);
int mg_dgemm_batched(int64_t batch, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                     double alpha, const double *a, int64_t lda, int64_t stride_a,
                     const double *b, int64_t ldb, int64_t stride_b,
                     double beta, double *c, int64_t ldc, int64_t stride_c);

/* ---- im2col / col2im (PyTorch F.unfold / F.fold layout) ---------------------------------- */
/* x: (n, c, h, w) contiguous; cols: (n, c*kh*kw, oh*ow) contiguous, row (ci*kh + i)*kw + j.
 * oh = (h + 2*ph - dh*(kh-1) - 1) / sh + 1 (same for ow); the caller passes oh, ow and the
 * kernel checks them. batch_last != 0 uses the layout (c*kh*kw, n*oh*ow) instead: row r holds
 * sample s's entries at columns [s*oh*ow, (s+1)*oh*ow). col2im overwrites x with the sum of all
 * column entries that map to each pixel (overlaps accumulate). */
int mg_im2col_f32(const float *x, float *cols, int64_t n, int64_t c, int64_t h, int64_t w,
                  int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  int64_t dh, int64_t dw, int64_t oh, int64_t ow, int batch_last);
int mg_im2col_f64(const double *x, double *cols, int64_t n, int64_t c, int64_t h, int64_t w,
                  int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  int64_t dh, int64_t dw, int64_t oh, int64_t ow, int batch_last);
int mg_col2im_f32(const float *cols, float *x, int64_t n, int64_t c, int64_t h, int64_t w,
                  int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  int64_t dh, int64_t dw, int64_t oh, int64_t ow, int batch_last);
int mg_col2im_f64(const double *cols, double *x, int64_t n, int64_t c, int64_t h, int64_t w,
                  int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  int64_t dh, int64_t dw, int64_t oh, int64_t ow, int batch_last);

/* ---- convolution (NCHW, on the packed GEMM) ----------------------------------------------- */
/* x (n, c, h, w), weight (o, c/groups, kh, kw), y (n, o, oh, ow), all contiguous:
 * y[s, oc, oy, ox] = bias[oc] + sum over the group's input channels ci and (i, j) of
 * weight[oc, ci, i, j] * x[s, ci, oy*sh - ph + i*dh, ox*sw - pw + j*dw] (0 outside the input).
 * (oh, ow) may be any size (windows beyond the input read zeros; the caller usually passes the
 * convolution formula's size or less). bias may be NULL. Each sample is lowered with im2col
 * into a buffer that stays in cache and multiplied right away; outputs are written in place.
 * 3x3 stride-1 convolutions with at least 16 input and output channels (and the two gradients
 * below) use Winograd's minimal filtering instead: tiles of 4x4, or from 8 samples of 6x6 with
 * narrower bands at the edges, up to 5x fewer multiplications (winograd_tmpl.h). */
int mg_conv2d_f32(const float *x, const float *w, const float *bias, float *y, int64_t n,
                  int64_t c, int64_t h, int64_t wd, int64_t o, int64_t groups, int64_t kh,
                  int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                  int64_t dw, int64_t oh, int64_t ow);
int mg_conv2d_f64(const double *x, const double *w, const double *bias, double *y, int64_t n,
                  int64_t c, int64_t h, int64_t wd, int64_t o, int64_t groups, int64_t kh,
                  int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                  int64_t dw, int64_t oh, int64_t ow);
/* The adjoint in x (= conv_transpose2d): gx (n, c, h, w) is overwritten with the gradient of
 * sum(gy * y) for gy (n, o, oh, ow). Same geometry arguments as mg_conv2d_*. */
int mg_conv2d_input_grad_f32(const float *gy, const float *w, float *gx, int64_t n, int64_t c,
                             int64_t h, int64_t wd, int64_t o, int64_t groups, int64_t kh,
                             int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                             int64_t dh, int64_t dw, int64_t oh, int64_t ow);
int mg_conv2d_input_grad_f64(const double *gy, const double *w, double *gx, int64_t n,
                             int64_t c, int64_t h, int64_t wd, int64_t o, int64_t groups,
                             int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                             int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow);
/* The gradient in the weight: gw (o, c/groups, kh, kw) is overwritten with
 * sum_s gy[s] (o, oh*ow) @ im2col(x[s])^T per group; samples are summed per thread range and
 * the ranges in order (reproducible for a fixed thread count). */
int mg_conv2d_weight_grad_f32(const float *x, const float *gy, float *gw, int64_t n, int64_t c,
                              int64_t h, int64_t wd, int64_t o, int64_t groups, int64_t kh,
                              int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                              int64_t dh, int64_t dw, int64_t oh, int64_t ow);
int mg_conv2d_weight_grad_f64(const double *x, const double *gy, double *gw, int64_t n,
                              int64_t c, int64_t h, int64_t wd, int64_t o, int64_t groups,
                              int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                              int64_t pw, int64_t dh, int64_t dw, int64_t oh, int64_t ow);
/* The whole backward for gy: gx as mg_conv2d_input_grad_*, gw as mg_conv2d_weight_grad_* and
 * gb (o) = the sums of gy over samples and positions (per thread range, the ranges in order),
 * each skipped when NULL (x is read only for gw, w only for gx). Layers with few input channels
 * (the direct kernels) compute all three in one pass over gy; gx and gw then have the bits they
 * have from their own functions. */
int mg_conv2d_backward_f32(const float *x, const float *gy, const float *w, float *gx,
                           float *gw, float *gb, int64_t n, int64_t c, int64_t h, int64_t wd,
                           int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh,
                           int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                           int64_t oh, int64_t ow);
int mg_conv2d_backward_f64(const double *x, const double *gy, const double *w, double *gx,
                           double *gw, double *gb, int64_t n, int64_t c, int64_t h, int64_t wd,
                           int64_t o, int64_t groups, int64_t kh, int64_t kw, int64_t sh,
                           int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                           int64_t oh, int64_t ow);

/* ---- pooling (planes: nc = N*C independent (h, w) planes, all contiguous) ---------------- */
/* Max pool: y, idx: (nc, oh, ow); idx is the flat index ih*w + iw of the maximum in its input
 * plane (PyTorch convention: first maximum wins, NaN propagates). Windows are clipped to the
 * input, which is the same as -inf padding. */
int mg_max_pool2d_f32(const float *x, float *y, int64_t *idx, int64_t nc, int64_t h, int64_t w,
                      int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                      int64_t ph, int64_t pw, int64_t dh, int64_t dw);
int mg_max_pool2d_f64(const double *x, double *y, int64_t *idx, int64_t nc, int64_t h, int64_t w,
                      int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                      int64_t ph, int64_t pw, int64_t dh, int64_t dw);

/* Scatter by index: gx (nc, in_size) is zeroed, then gx[p, idx[p, q]] += gy[p, q] for
 * gy, idx: (nc, out_size). Backward of max pooling (plain, adaptive) and max_unpool2d forward.
 * An index outside [0, in_size) returns MG_EINDEX (gx contents are then unspecified). */
int mg_scatter_add_f32(const float *gy, const int64_t *idx, float *gx, int64_t nc,
                       int64_t out_size, int64_t in_size);
int mg_scatter_add_f64(const double *gy, const int64_t *idx, double *gx, int64_t nc,
                       int64_t out_size, int64_t in_size);
/* Gather by index (the adjoint of the scatter): y[p, q] = x[p, idx[p, q]]. */
int mg_gather_f32(const float *x, const int64_t *idx, float *y, int64_t nc,
                  int64_t out_size, int64_t in_size);
int mg_gather_f64(const double *x, const int64_t *idx, double *y, int64_t nc,
                  int64_t out_size, int64_t in_size);

/* Average pool (no dilation, as PyTorch). divisor <= 0 means no divisor_override. */
int mg_avg_pool2d_f32(const float *x, float *y, int64_t nc, int64_t h, int64_t w,
                      int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                      int64_t ph, int64_t pw, int count_include_pad, int64_t divisor);
int mg_avg_pool2d_f64(const double *x, double *y, int64_t nc, int64_t h, int64_t w,
                      int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                      int64_t ph, int64_t pw, int count_include_pad, int64_t divisor);
/* gx (nc, h, w) is overwritten with the adjoint of avg_pool2d applied to gy (nc, oh, ow). */
int mg_avg_pool2d_backward_f32(const float *gy, float *gx, int64_t nc, int64_t h, int64_t w,
                               int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh,
                               int64_t sw, int64_t ph, int64_t pw, int count_include_pad,
                               int64_t divisor);
int mg_avg_pool2d_backward_f64(const double *gy, double *gx, int64_t nc, int64_t h, int64_t w,
                               int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh,
                               int64_t sw, int64_t ph, int64_t pw, int count_include_pad,
                               int64_t divisor);

/* Adaptive pools: window i spans [floor(i*h/oh), ceil((i+1)*h/oh)) (same along w). */
int mg_adaptive_avg_pool2d_f32(const float *x, float *y, int64_t nc, int64_t h, int64_t w,
                               int64_t oh, int64_t ow);
int mg_adaptive_avg_pool2d_f64(const double *x, double *y, int64_t nc, int64_t h, int64_t w,
                               int64_t oh, int64_t ow);
int mg_adaptive_avg_pool2d_backward_f32(const float *gy, float *gx, int64_t nc, int64_t h,
                                        int64_t w, int64_t oh, int64_t ow);
int mg_adaptive_avg_pool2d_backward_f64(const double *gy, double *gx, int64_t nc, int64_t h,
                                        int64_t w, int64_t oh, int64_t ow);
int mg_adaptive_max_pool2d_f32(const float *x, float *y, int64_t *idx, int64_t nc, int64_t h,
                               int64_t w, int64_t oh, int64_t ow);
int mg_adaptive_max_pool2d_f64(const double *x, double *y, int64_t *idx, int64_t nc, int64_t h,
                               int64_t w, int64_t oh, int64_t ow);

/* ---- fused elementwise kernels (contiguous arrays of n elements) -------------------------- */
/* out[i] = x[i] <= threshold ? 0 : g[i] (the ReLU / threshold gradient; NaN in x passes g).
 * out may be g itself. */
int mg_threshold_backward_f32(const float *g, const float *x, float *out, int64_t n,
                              float threshold);
int mg_threshold_backward_f64(const double *g, const double *x, double *out, int64_t n,
                              double threshold);
/* y[i] = y[i] + alpha * x[i] (product rounded, then the sum: NumPy's y += alpha * x). */
int mg_axpy_f32(int64_t n, float alpha, const float *x, float *y);
int mg_axpy_f64(int64_t n, double alpha, const double *x, double *y);
/* y[i] = beta * y[i] + alpha * x[i] (each product rounded, then the sum). */
int mg_axpby_f32(int64_t n, float alpha, const float *x, float beta, float *y);
int mg_axpby_f64(int64_t n, double alpha, const double *x, double beta, double *y);

/* One Adam / AdamW step (PyTorch's single-tensor algorithm) over n elements, in place:
 * param, exp_avg, exp_avg_sq and max_exp_avg_sq (AMSGrad's running maximum; NULL without
 * AMSGrad) are updated from grad, which is only read. The arrays must not overlap. With
 * g = -grad under MG_ADAM_MAXIMIZE, else grad:
 *   weight_decay != 0: param *= 1 - lr*weight_decay (MG_ADAM_DECOUPLED) or g += weight_decay*param
 *   exp_avg = lerp(exp_avg, g, 1 - beta1); exp_avg_sq = beta2*exp_avg_sq + (1 - beta2)*g*g
 *   max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)
 *   param -= step_size * exp_avg / (sqrt(exp_avg_sq or max_exp_avg_sq) / bias_correction2_sqrt
 *                                   + eps)
 * with step_size = lr / (1 - beta1**t) and bias_correction2_sqrt = sqrt(1 - beta2**t) from the
 * caller. Scalars are doubles: each derived coefficient (1 - beta1, ...) is computed in double
 * and rounded to the array type once; every operation is then rounded once in the array type,
 * in the order of the NumPy twin (backend/reference.py adam_step), so the results agree bit for
 * bit. Unknown flag bits: MG_EINVAL. */
enum {
    MG_ADAM_MAXIMIZE = 1,   /* ascend the objective: use -grad */
    MG_ADAM_DECOUPLED = 2   /* AdamW's decoupled weight decay */
};
int mg_adam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                float *max_exp_avg_sq, double lr, double beta1, double beta2, double eps,
                double weight_decay, double step_size, double bias_correction2_sqrt, int flags);
int mg_adam_f64(int64_t n, double *param, const double *grad, double *exp_avg,
                double *exp_avg_sq, double *max_exp_avg_sq, double lr, double beta1,
                double beta2, double eps, double weight_decay, double step_size,
                double bias_correction2_sqrt, int flags);

/* MG_CDEF_END */

#endif /* MINIGRAD_H */
