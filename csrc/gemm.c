/* gemm.c -- packed, blocked, threaded GEMM for float and double (driver in gemm_tmpl.h,
 * micro-kernels in gemm_kernels.c), and the convolutions built on its driver (conv_tmpl.h) or,
 * for few input channels, on register-tiled AVX2 kernels (conv_direct_tmpl.h). */
#include "gemm_kernels.h"

#if MG_X86_SIMD
#include <immintrin.h>
#endif

/* Flops a thread must get before a GEMM is split (a team wake-up costs a few microseconds). */
#define MG_GEMM_MIN_WORK ((int64_t)1 << 22)
/* Bytes of B packed at a time when A is a single block (about half of a 512 KiB L2). */
#ifndef MG_GEMM_L2_PIECE
#define MG_GEMM_L2_PIECE ((int64_t)192 * 1024)
#endif
/* Threads share a GEMM by chunks when A or B packed whole is at most this: with one
 * MG_GEMM_L2_PIECE of the other operand it still fits a 512 KiB L2. (One-off 2-thread A/B on a
 * 2-core EPYC VM: at 512 KiB the f32 MLP forward, A 400 KiB, got 3-7% slower; at 288 KiB the
 * f64 MLP backward and f32 256x256 gained a few percent. `python -m bench --threads 2 --filter
 * gemm` shows the shapes against NumPy.) */
#define MG_GEMM_WHOLE_BYTES ((int64_t)288 * 1024)
/* Packing buffers up to this size live on the stack. */
#define MG_GEMM_STACK_BYTES 32768

#define T float
#define SFX f32
#define CFG mg_gemm_cfg_f32
#define PACK_T mg_pack_f32
#define CFG_GET mg_gemm_config_f32
#define API mg_sgemm
#define API_BATCHED mg_sgemm_batched
#define API_MATMUL mg_smatmul
#define API_CONV mg_conv2d_f32
#define API_CONV_IGRAD mg_conv2d_input_grad_f32
#define API_CONV_WGRAD mg_conv2d_weight_grad_f32
#define API_CONV_BACKWARD mg_conv2d_backward_f32
#define VEC __m256
#define VOP(op) _mm256_##op##_ps
#include "gemm_tmpl.h"
#include "conv_tmpl.h"
#undef API_CONV
#undef API_CONV_IGRAD
#undef API_CONV_WGRAD
#undef API_CONV_BACKWARD
#undef VEC
#undef VOP
#undef T
#undef SFX
#undef CFG
#undef PACK_T
#undef CFG_GET
#undef API
#undef API_BATCHED
#undef API_MATMUL

#define T double
#define SFX f64
#define CFG mg_gemm_cfg_f64
#define PACK_T mg_pack_f64
#define CFG_GET mg_gemm_config_f64
#define API mg_dgemm
#define API_BATCHED mg_dgemm_batched
#define API_MATMUL mg_dmatmul
#define API_CONV mg_conv2d_f64
#define API_CONV_IGRAD mg_conv2d_input_grad_f64
#define API_CONV_WGRAD mg_conv2d_weight_grad_f64
#define API_CONV_BACKWARD mg_conv2d_backward_f64
#define VEC __m256d
#define VOP(op) _mm256_##op##_pd
#include "gemm_tmpl.h"
#include "conv_tmpl.h"
