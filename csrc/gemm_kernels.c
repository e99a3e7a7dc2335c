/* gemm_kernels.c -- register-tiled GEMM micro-kernels: a portable C one and, on x86-64 with
 * GCC/Clang, AVX2+FMA and AVX-512 ones compiled with per-function target attributes and chosen
 * at run time (config.c decides the level with __builtin_cpu_supports). */
#include "gemm_kernels.h"

#if MG_X86_SIMD
#include <immintrin.h>
#endif

#ifndef MG_S_MC
#define MG_S_MC 144
#endif
#ifndef MG_S_KC
#define MG_S_KC 256
#endif
#ifndef MG_D_MC
#define MG_D_MC 72
#endif
#ifndef MG_D_KC
#define MG_D_KC 256
#endif

/* ---- portable kernels ------------------------------------------------------------------- */
#define GEN_MR 4
#define GEN_NR_F32 8
#define GEN_NR_F64 4

#define MG_GENERIC_UKR(NAME, T, MR, NR)                                                           \
    static void NAME(int64_t k, const T *MG_RESTRICT a, const T *MG_RESTRICT b,                  \
                     T *MG_RESTRICT c, int64_t ldc, T alpha, T beta)                              \
    {                                                                                             \
        T ab[MR][NR];                                                                             \
        int64_t p;                                                                                \
        int i, j;                                                                                 \
        for (i = 0; i < MR; i++)                                                                  \
            for (j = 0; j < NR; j++) ab[i][j] = 0;                                                \
        for (p = 0; p < k; p++) {                                                                 \
            for (i = 0; i < MR; i++) {                                                            \
                T ai = a[i];                                                                      \
                for (j = 0; j < NR; j++) ab[i][j] += ai * b[j];                                   \
            }                                                                                     \
            a += MR;                                                                              \
            b += NR;                                                                              \
        }                                                                                         \
        for (i = 0; i < MR; i++) {                                                                \
            T *ci = c + i * ldc;                                                                  \
            if (beta == 0) {                                                                      \
                for (j = 0; j < NR; j++) ci[j] = alpha * ab[i][j];                                \
            } else {                                                                              \
                for (j = 0; j < NR; j++) ci[j] = alpha * ab[i][j] + beta * ci[j];                 \
            }                                                                                     \
        }                                                                                         \
    }

MG_GENERIC_UKR(ukr_f32_generic, float, GEN_MR, GEN_NR_F32)
MG_GENERIC_UKR(ukr_f64_generic, double, GEN_MR, GEN_NR_F64)

#if MG_X86_SIMD
/* ---- AVX2 + FMA: 6 x 16 (f32) and 6 x 8 (f64), 12 ymm accumulators ------------------------ */
/* One rank-1 update: two vectors of B, six broadcasts of A. */
#define AVX2_STEP(VT, LOAD, BCAST, FMA, W, OA, OB)                                               \
    b0 = LOAD(b + (OB));                                                                          \
    b1 = LOAD(b + (OB) + (W));                                                                    \
    av = BCAST(a + (OA) + 0); c00 = FMA(av, b0, c00); c01 = FMA(av, b1, c01);                     \
    av = BCAST(a + (OA) + 1); c10 = FMA(av, b0, c10); c11 = FMA(av, b1, c11);                     \
    av = BCAST(a + (OA) + 2); c20 = FMA(av, b0, c20); c21 = FMA(av, b1, c21);                     \
    av = BCAST(a + (OA) + 3); c30 = FMA(av, b0, c30); c31 = FMA(av, b1, c31);                     \
    av = BCAST(a + (OA) + 4); c40 = FMA(av, b0, c40); c41 = FMA(av, b1, c41);                     \
    av = BCAST(a + (OA) + 5); c50 = FMA(av, b0, c50); c51 = FMA(av, b1, c51);

/* Epilogue: C = alpha*AB (+ beta*C). */
#define TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, ROW, X0, X1)                     \
    {                                                                                             \
        T *cr = c + (ROW) * ldc;                                                                  \
        VT r0 = MUL(va, X0), r1 = MUL(va, X1);                                                    \
        if (beta != 0) {                                                                          \
            r0 = FMA(vb, LOADU(cr), r0);                                                          \
            r1 = FMA(vb, LOADU(cr + (W)), r1);                                                    \
        }                                                                                         \
        STOREU(cr, r0);                                                                           \
        STOREU(cr + (W), r1);                                                                     \
    }

#define MG_SIMD_UKR_6x2W(NAME, TARGET, T, VT, W, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, MUL, SET1) \
    TARGET static void NAME(int64_t k, const T *MG_RESTRICT a, const T *MG_RESTRICT b,           \
                            T *MG_RESTRICT c, int64_t ldc, T alpha, T beta)                       \
    {                                                                                             \
        VT c00 = ZERO(), c01 = ZERO(), c10 = ZERO(), c11 = ZERO(), c20 = ZERO(), c21 = ZERO();    \
        VT c30 = ZERO(), c31 = ZERO(), c40 = ZERO(), c41 = ZERO(), c50 = ZERO(), c51 = ZERO();    \
        VT b0, b1, av, va, vb;                                                                    \
        int64_t p = 0;                                                                            \
        for (; p + 4 <= k; p += 4) {                                                              \
            AVX2_STEP(VT, LOAD, BCAST, FMA, W, 0, 0)                                              \
            AVX2_STEP(VT, LOAD, BCAST, FMA, W, 6, 2 * (W))                                        \
            AVX2_STEP(VT, LOAD, BCAST, FMA, W, 12, 4 * (W))                                       \
            AVX2_STEP(VT, LOAD, BCAST, FMA, W, 18, 6 * (W))                                       \
            a += 24;                                                                              \
            b += 8 * (W);                                                                         \
        }                                                                                         \
        for (; p < k; p++) {                                                                      \
            AVX2_STEP(VT, LOAD, BCAST, FMA, W, 0, 0)                                              \
            a += 6;                                                                               \
            b += 2 * (W);                                                                         \
        }                                                                                         \
        va = SET1(alpha);                                                                         \
        vb = SET1(beta);                                                                          \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 0, c00, c01)                      \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 1, c10, c11)                      \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 2, c20, c21)                      \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 3, c30, c31)                      \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 4, c40, c41)                      \
        TILE_STORE_ROW(T, VT, LOADU, STOREU, MUL, FMA, SET1, W, 5, c50, c51)                      \
    }

MG_SIMD_UKR_6x2W(ukr_f32_avx2, MG_TARGET_AVX2, float, __m256, 8, _mm256_setzero_ps,
                 _mm256_load_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_broadcast_ss,
                 _mm256_fmadd_ps, _mm256_mul_ps, _mm256_set1_ps)
MG_SIMD_UKR_6x2W(ukr_f64_avx2, MG_TARGET_AVX2, double, __m256d, 4, _mm256_setzero_pd,
                 _mm256_load_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_broadcast_sd,
                 _mm256_fmadd_pd, _mm256_mul_pd, _mm256_set1_pd)

/* ---- AVX-512: the same 6-row structure with 512-bit vectors: 6 x 32 (f32), 6 x 16 (f64) ---- */
MG_TARGET_AVX512 static inline __m512 mg_bcast512_ps(const float *p) { return _mm512_set1_ps(*p); }
MG_TARGET_AVX512 static inline __m512d mg_bcast512_pd(const double *p) { return _mm512_set1_pd(*p); }

MG_SIMD_UKR_6x2W(ukr_f32_avx512, MG_TARGET_AVX512, float, __m512, 16, _mm512_setzero_ps,
                 _mm512_load_ps, _mm512_loadu_ps, _mm512_storeu_ps, mg_bcast512_ps,
                 _mm512_fmadd_ps, _mm512_mul_ps, _mm512_set1_ps)
MG_SIMD_UKR_6x2W(ukr_f64_avx512, MG_TARGET_AVX512, double, __m512d, 8, _mm512_setzero_pd,
                 _mm512_load_pd, _mm512_loadu_pd, _mm512_storeu_pd, mg_bcast512_pd,
                 _mm512_fmadd_pd, _mm512_mul_pd, _mm512_set1_pd)
#endif /* MG_X86_SIMD */

void mg_gemm_config_f32(int simd_level, mg_gemm_cfg_f32 *cfg)
{
#if MG_X86_SIMD
    if (simd_level >= MG_SIMD_AVX512) {
        cfg->mr = 6; cfg->nr = 32; cfg->mc = 144; cfg->kc = 256; cfg->nc = 4096;
        cfg->ukr = ukr_f32_avx512;
        return;
    }
    if (simd_level >= MG_SIMD_AVX2) {
        cfg->mr = 6; cfg->nr = 16; cfg->mc = MG_S_MC; cfg->kc = MG_S_KC; cfg->nc = 4080;
        cfg->ukr = ukr_f32_avx2;
        return;
    }
#else
    (void)simd_level;
#endif
    cfg->mr = GEN_MR; cfg->nr = GEN_NR_F32; cfg->mc = 128; cfg->kc = 256; cfg->nc = 4096;
    cfg->ukr = ukr_f32_generic;
}

void mg_gemm_config_f64(int simd_level, mg_gemm_cfg_f64 *cfg)
{
#if MG_X86_SIMD
    if (simd_level >= MG_SIMD_AVX512) {
        cfg->mr = 6; cfg->nr = 16; cfg->mc = 72; cfg->kc = 256; cfg->nc = 4080;
        cfg->ukr = ukr_f64_avx512;
        return;
    }
    if (simd_level >= MG_SIMD_AVX2) {
        cfg->mr = 6; cfg->nr = 8; cfg->mc = MG_D_MC; cfg->kc = MG_D_KC; cfg->nc = 4080;
        cfg->ukr = ukr_f64_avx2;
        return;
    }
#else
    (void)simd_level;
#endif
    cfg->mr = GEN_MR; cfg->nr = GEN_NR_F64; cfg->mc = 64; cfg->kc = 256; cfg->nc = 4096;
    cfg->ukr = ukr_f64_generic;
}
