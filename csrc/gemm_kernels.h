/* gemm_kernels.h -- micro-kernel table for the packed GEMM (see gemm_kernels.c). */
#ifndef MG_GEMM_KERNELS_H
#define MG_GEMM_KERNELS_H

#include "mg_internal.h"

/* A micro-kernel multiplies a packed MR x k sliver of A by a packed k x NR sliver of B and
 * writes the full MR x NR tile: C = alpha * AB + beta * C (beta == 0: C is not read). */
typedef void (*mg_ukr_f32)(int64_t k, const float *a, const float *b, float *c, int64_t ldc,
                           float alpha, float beta);
typedef void (*mg_ukr_f64)(int64_t k, const double *a, const double *b, double *c, int64_t ldc,
                           double alpha, double beta);
/* The same for only the first `rows` (1 to MR-1) rows of the tile; C's other rows untouched. */
typedef void (*mg_ukr_edge_f32)(int64_t k, const float *a, const float *b, float *c, int64_t ldc,
                                float alpha, float beta, int rows);
typedef void (*mg_ukr_edge_f64)(int64_t k, const double *a, const double *b, double *c,
                                int64_t ldc, double alpha, double beta, int rows);

/* Register tile (mr, nr) and cache blocks (mc: rows of A kept in L2, kc: depth, nc: columns of
 * B kept in L3). mc is a multiple of mr and nc of nr. */
/* Optional SIMD packers for the two transposing cases (NULL: portable loops):
 * pack_a_t: one full MR x kc sliver of A stored row-major (element (i, p) at src[i*ld + p]);
 * pack_b_t: one full kc x NR sliver of B stored transposed (element (p, j) at src[j*ld + p]);
 * pack_b_n: one full kc x NR sliver of B stored row-major (element (p, j) at src[p*ld + j]). */
typedef void (*mg_pack_f32)(int64_t kc, const float *src, int64_t ld, float *dst);
typedef void (*mg_pack_f64)(int64_t kc, const double *src, int64_t ld, double *dst);

typedef struct {
    int mr, nr;
    int64_t mc, kc, nc;
    mg_ukr_f32 ukr;
    mg_ukr_edge_f32 ukr_edge; /* NULL: edge tiles go through a scratch tile */
    mg_pack_f32 pack_a_t, pack_b_t, pack_b_n;
} mg_gemm_cfg_f32;

typedef struct {
    int mr, nr;
    int64_t mc, kc, nc;
    mg_ukr_f64 ukr;
    mg_ukr_edge_f64 ukr_edge;
    mg_pack_f64 pack_a_t, pack_b_t, pack_b_n;
} mg_gemm_cfg_f64;

void mg_gemm_config_f32(int simd_level, mg_gemm_cfg_f32 *cfg);
void mg_gemm_config_f64(int simd_level, mg_gemm_cfg_f64 *cfg);

#endif
