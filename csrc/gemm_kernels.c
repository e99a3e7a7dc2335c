/* gemm_kernels.c -- register-tiled GEMM micro-kernels: a portable C one and, on x86-64 with
 * GCC/Clang, AVX2+FMA and AVX-512 ones compiled with per-function target attributes and chosen
 * at run time (config.c decides the level with __builtin_cpu_supports). */
#include "gemm_kernels.h"
#include "transpose8.h"

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
        int64_t p = 0, r;                                                                         \
        /* the C tile is read after the k loop: start fetching it now */                          \
        if (beta != 0)                                                                            \
            for (r = 0; r < 6; r++) {                                                             \
                _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0);                           \
                _mm_prefetch((const char *)(c + r * ldc + 2 * (W) - 1), _MM_HINT_T0);             \
            }                                                                                     \
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
        if (alpha == 1 && beta == 0) { /* the common case: plain stores (1 * x is x) */          \
            STOREU(c, c00); STOREU(c + (W), c01);                                                 \
            STOREU(c + ldc, c10); STOREU(c + ldc + (W), c11);                                     \
            STOREU(c + 2 * ldc, c20); STOREU(c + 2 * ldc + (W), c21);                             \
            STOREU(c + 3 * ldc, c30); STOREU(c + 3 * ldc + (W), c31);                             \
            STOREU(c + 4 * ldc, c40); STOREU(c + 4 * ldc + (W), c41);                             \
            STOREU(c + 5 * ldc, c50); STOREU(c + 5 * ldc + (W), c51);                             \
            return;                                                                               \
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

/* The bottom edge of C: the first `rows` (1 to 5) rows of the 6-row kernel's tile, from the
 * same packed slivers with the same operations per element (so the same bits). It is cheaper
 * than a full tile computed into scratch, though not in proportion to the rows: with few rows
 * the latency of the accumulator chains bounds it. The accumulators are named variables
 * because GCC keeps an array in memory across the k loop. */
#define EDGE_FMA(BCAST, FMA, R, X0, X1)                                                           \
    if (rows > (R)) {                                                                             \
        av = BCAST(a + (R));                                                                      \
        X0 = FMA(av, b0, X0);                                                                     \
        X1 = FMA(av, b1, X1);                                                                     \
    }
#define MG_SIMD_UKR_EDGE(NAME, TARGET, T, VT, W, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, MUL, SET1) \
    TARGET static inline void NAME##_rows(int64_t k, const T *MG_RESTRICT a,                      \
                                          const T *MG_RESTRICT b, T *MG_RESTRICT c, int64_t ldc,  \
                                          T alpha, T beta, const int rows)                        \
    {                                                                                             \
        VT c00 = ZERO(), c01 = ZERO(), c10 = ZERO(), c11 = ZERO(), c20 = ZERO(), c21 = ZERO();    \
        VT c30 = ZERO(), c31 = ZERO(), c40 = ZERO(), c41 = ZERO();                                \
        VT b0, b1, av;                                                                            \
        int64_t p;                                                                                \
        int i;                                                                                    \
        for (p = 0; p < k; p++) {                                                                 \
            b0 = LOAD(b);                                                                         \
            b1 = LOAD(b + (W));                                                                   \
            EDGE_FMA(BCAST, FMA, 0, c00, c01)                                                     \
            EDGE_FMA(BCAST, FMA, 1, c10, c11)                                                     \
            EDGE_FMA(BCAST, FMA, 2, c20, c21)                                                     \
            EDGE_FMA(BCAST, FMA, 3, c30, c31)                                                     \
            EDGE_FMA(BCAST, FMA, 4, c40, c41)                                                     \
            a += 6;                                                                               \
            b += 2 * (W);                                                                         \
        }                                                                                         \
        {                                                                                         \
            /* the full kernel's epilogue, row by row */                                          \
            VT acc[5][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}};          \
            for (i = 0; i < rows; i++) {                                                          \
                T *cr = c + i * ldc;                                                              \
                VT r0 = acc[i][0], r1 = acc[i][1];                                                \
                if (!(alpha == 1 && beta == 0)) {                                                 \
                    r0 = MUL(SET1(alpha), r0);                                                    \
                    r1 = MUL(SET1(alpha), r1);                                                    \
                    if (beta != 0) {                                                              \
                        r0 = FMA(SET1(beta), LOADU(cr), r0);                                      \
                        r1 = FMA(SET1(beta), LOADU(cr + (W)), r1);                                \
                    }                                                                             \
                }                                                                                 \
                STOREU(cr, r0);                                                                   \
                STOREU(cr + (W), r1);                                                             \
            }                                                                                     \
        }                                                                                         \
    }                                                                                             \
    TARGET static void NAME(int64_t k, const T *a, const T *b, T *c, int64_t ldc, T alpha, T beta, \
                            int rows)                                                             \
    {                                                                                             \
        switch (rows) { /* constant row counts: only the live accumulators are kept */            \
        case 1: NAME##_rows(k, a, b, c, ldc, alpha, beta, 1); break;                              \
        case 2: NAME##_rows(k, a, b, c, ldc, alpha, beta, 2); break;                              \
        case 3: NAME##_rows(k, a, b, c, ldc, alpha, beta, 3); break;                              \
        case 4: NAME##_rows(k, a, b, c, ldc, alpha, beta, 4); break;                              \
        default: NAME##_rows(k, a, b, c, ldc, alpha, beta, 5); break;                             \
        }                                                                                         \
    }

/* The AVX2 intrinsics each kernel macro takes, after (NAME, TARGET); MG_APPLY expands them
 * into separate arguments before the kernel macro counts its arguments. */
#define MG_APPLY(MACRO, ...) MACRO(__VA_ARGS__)
#define MG_AVX2_F32 float, __m256, 8, _mm256_setzero_ps, _mm256_load_ps, _mm256_loadu_ps,          \
                    _mm256_storeu_ps, _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_mul_ps,        \
                    _mm256_set1_ps
#define MG_AVX2_F64 double, __m256d, 4, _mm256_setzero_pd, _mm256_load_pd, _mm256_loadu_pd,        \
                    _mm256_storeu_pd, _mm256_broadcast_sd, _mm256_fmadd_pd, _mm256_mul_pd,        \
                    _mm256_set1_pd
MG_APPLY(MG_SIMD_UKR_6x2W, ukr_f32_avx2, MG_TARGET_AVX2, MG_AVX2_F32)
MG_APPLY(MG_SIMD_UKR_6x2W, ukr_f64_avx2, MG_TARGET_AVX2, MG_AVX2_F64)
MG_APPLY(MG_SIMD_UKR_EDGE, ukr_edge_f32_avx2, MG_TARGET_AVX2, MG_AVX2_F32)
MG_APPLY(MG_SIMD_UKR_EDGE, ukr_edge_f64_avx2, MG_TARGET_AVX2, MG_AVX2_F64)

/* ---- AVX2 transposing packers (f32): 8x8 in-register transposes ------------------------ */
/* A sliver, 6 rows of a row-major A: dst[p*6 + i] = src[i*ld + p]. */
MG_TARGET_AVX2 static void pack_a_t_f32_avx2(int64_t kc, const float *src, int64_t ld,
                                             float *dst)
{
    int64_t p = 0;
    int i, q;
    for (; p + 8 <= kc; p += 8) {
        __m256 r[8];
        for (i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(src + i * ld + p);
        r[6] = r[7] = _mm256_setzero_ps();
        mg_transpose8x8_ps(r);
        for (q = 0; q < 8; q++) {
            /* 6 lanes as a 4-lane and a 2-lane store (masked stores are slow on some CPUs) */
            float *d = dst + (p + q) * 6;
            _mm_storeu_ps(d, _mm256_castps256_ps128(r[q]));
            _mm_storel_pi((__m64 *)(d + 4), _mm256_extractf128_ps(r[q], 1));
        }
    }
    for (; p < kc; p++)
        for (i = 0; i < 6; i++) dst[p * 6 + i] = src[i * ld + p];
}

/* B sliver, 16 columns of a transposed B: dst[p*16 + j] = src[j*ld + p]. */
MG_TARGET_AVX2 static void pack_b_t_f32_avx2(int64_t kc, const float *src, int64_t ld,
                                             float *dst)
{
    int64_t p = 0;
    int j, q;
    for (; p + 8 <= kc; p += 8) {
        __m256 lo[8], hi[8];
        for (j = 0; j < 8; j++) {
            lo[j] = _mm256_loadu_ps(src + j * ld + p);
            hi[j] = _mm256_loadu_ps(src + (j + 8) * ld + p);
        }
        mg_transpose8x8_ps(lo);
        mg_transpose8x8_ps(hi);
        for (q = 0; q < 8; q++) {
            _mm256_storeu_ps(dst + (p + q) * 16, lo[q]);
            _mm256_storeu_ps(dst + (p + q) * 16 + 8, hi[q]);
        }
    }
    for (; p < kc; p++)
        for (j = 0; j < 16; j++) dst[p * 16 + j] = src[j * ld + p];
}

/* B sliver, 16 columns of a row-major B: dst[p*16 + j] = src[p*ld + j]. */
MG_TARGET_AVX2 static void pack_b_n_f32_avx2(int64_t kc, const float *src, int64_t ld,
                                             float *dst)
{
    int64_t p;
    for (p = 0; p < kc; p++) {
        const float *s = src + p * ld;
        _mm256_storeu_ps(dst + p * 16, _mm256_loadu_ps(s));
        _mm256_storeu_ps(dst + p * 16 + 8, _mm256_loadu_ps(s + 8));
    }
}

/* B sliver, 8 columns of a row-major B (f64): dst[p*8 + j] = src[p*ld + j]. */
MG_TARGET_AVX2 static void pack_b_n_f64_avx2(int64_t kc, const double *src, int64_t ld,
                                             double *dst)
{
    int64_t p;
    for (p = 0; p < kc; p++) {
        const double *s = src + p * ld;
        _mm256_storeu_pd(dst + p * 8, _mm256_loadu_pd(s));
        _mm256_storeu_pd(dst + p * 8 + 4, _mm256_loadu_pd(s + 4));
    }
}

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
        cfg->ukr_edge = NULL;
        cfg->pack_a_t = pack_a_t_f32_avx2; /* AVX-512 CPUs have AVX2; B slivers are 32 wide */
        cfg->pack_b_t = cfg->pack_b_n = NULL;
        return;
    }
    if (simd_level >= MG_SIMD_AVX2) {
        cfg->mr = 6; cfg->nr = 16; cfg->mc = MG_S_MC; cfg->kc = MG_S_KC; cfg->nc = 4080;
        cfg->ukr = ukr_f32_avx2;
        cfg->ukr_edge = ukr_edge_f32_avx2;
        cfg->pack_a_t = pack_a_t_f32_avx2;
        cfg->pack_b_t = pack_b_t_f32_avx2;
        cfg->pack_b_n = pack_b_n_f32_avx2;
        return;
    }
#else
    (void)simd_level;
#endif
    cfg->mr = GEN_MR; cfg->nr = GEN_NR_F32; cfg->mc = 128; cfg->kc = 256; cfg->nc = 4096;
    cfg->ukr = ukr_f32_generic;
    cfg->ukr_edge = NULL;
    cfg->pack_a_t = cfg->pack_b_t = cfg->pack_b_n = NULL;
}

void mg_gemm_config_f64(int simd_level, mg_gemm_cfg_f64 *cfg)
{
#if MG_X86_SIMD
    if (simd_level >= MG_SIMD_AVX512) {
        cfg->mr = 6; cfg->nr = 16; cfg->mc = 72; cfg->kc = 256; cfg->nc = 4080;
        cfg->ukr = ukr_f64_avx512;
        cfg->ukr_edge = NULL;
        cfg->pack_a_t = cfg->pack_b_t = cfg->pack_b_n = NULL;
        return;
    }
    if (simd_level >= MG_SIMD_AVX2) {
        cfg->mr = 6; cfg->nr = 8; cfg->mc = MG_D_MC; cfg->kc = MG_D_KC; cfg->nc = 4080;
        cfg->ukr = ukr_f64_avx2;
        cfg->ukr_edge = ukr_edge_f64_avx2;
        cfg->pack_a_t = cfg->pack_b_t = NULL;
        cfg->pack_b_n = pack_b_n_f64_avx2;
        return;
    }
#else
    (void)simd_level;
#endif
    cfg->mr = GEN_MR; cfg->nr = GEN_NR_F64; cfg->mc = 64; cfg->kc = 256; cfg->nc = 4096;
    cfg->ukr = ukr_f64_generic;
    cfg->ukr_edge = NULL;
    cfg->pack_a_t = cfg->pack_b_t = cfg->pack_b_n = NULL;
}
