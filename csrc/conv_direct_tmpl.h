/* conv_direct_tmpl.h -- conv2d's forward and backward for layers with few input channels (the
 * first layer of a CNN), without the packed GEMM; included by conv_tmpl.h after im2col / col2im.
 * Needs: T, SFX, VEC (__m256 or __m256d), VOP(op) (_mm256_<op>_ps or _pd).
 *
 * With R = cg*kh*kw rows of columns per group (9 for one channel and a 3x3 kernel), the GEMMs
 * of a convolution have a tiny dimension: forward y = W (og x R) @ cols (R x L) and the
 * weight gradient dW = gy (og x L) @ cols^T are only R deep or R wide, and the input gradient's
 * cols = W^T (R x og) @ gy is R tall. The packed GEMM then spends more time packing B, setting
 * up micro-kernel calls and writing C tiles than multiplying. Here im2col / col2im stay (R*L
 * copies per sample against og*R*L multiply-adds), but the products read the columns and the
 * gradient rows in place: register tiles of 12 vector accumulators, the small weight matrix
 * packed once per call so that a tile's broadcasts sit at fixed offsets of one pointer, and
 * every output written once (masked loads and stores for the last < 8 or < 4 columns).
 *
 * Each output element of the forward and the input gradient is one FMA chain over the inner
 * dimension in order (the forward's starts at the bias), whatever tile holds it: the same bits
 * for any thread count. The weight gradient keeps a vector of partial sums per weight over a
 * thread's range of samples, adds its lanes in a fixed order, and adds the ranges in order:
 * reproducible for a fixed thread count. AVX2 + FMA only: other SIMD levels keep the GEMM
 * path. */

#if MG_X86_SIMD

#ifndef MG_CONV_DIRECT_COMMON
#define MG_CONV_DIRECT_COMMON
/* Eight -1 then eight 0: the 32 bytes from mg_dk_mask_bits + 8 - r * sizeof(T) / 4 select the
 * first r lanes of a vector of T (float or double) in maskload / maskstore. */
static const int32_t mg_dk_mask_bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
#endif

#define VW ((int)(32 / sizeof(T))) /* lanes of one vector */

MG_TARGET_AVX2 static inline __m256i FN(dk_mask)(int64_t lanes)
{
    return _mm256_loadu_si256(
        (const __m256i *)(mg_dk_mask_bits + 8 - lanes * (int64_t)(sizeof(T) / 4)));
}

/* Rows [*i0, *i1) of block b out of the nb near-equal blocks of m rows. */
static inline void FN(dk_block)(int64_t m, int64_t b, int64_t nb, int64_t *i0, int64_t *i1)
{
    int64_t q = m / nb, r = m % nb;
    *i0 = b * q + (b < r ? b : r);
    *i1 = *i0 + q + (b < r ? 1 : 0);
}

/* Elements of FN(dk_pack_a)'s copy of an m x k A. */
static inline int64_t FN(dk_packed_size)(int64_t m, int64_t k)
{
    return (m + 3) / 4 * 4 * (k + 1);
}

/* A (m x k, element (i, p) at a[i*rsa + p*csa]) and bias (m, or NULL: zeros) copied for
 * FN(dk_gemm): rows in near-equal blocks of at most 4 (9 = 3+3+3, not 4+4+1); block b at
 * ap + b*4*(k+1) holds its 4 bias values, then column p's 4 values at 4*(p+1) (rows past the
 * block's are 0). A tile then reads every broadcast at a constant offset from one pointer. */
static void FN(dk_pack_a)(int64_t m, int64_t k, const T *a, int64_t rsa, int64_t csa,
                          const T *bias, T *ap)
{
    const int64_t nb = (m + 3) / 4;
    int64_t blk, i0, i1, i, p;
    for (blk = 0; blk < nb; blk++, ap += 4 * (k + 1)) {
        FN(dk_block)(m, blk, nb, &i0, &i1);
        for (i = 0; i < 4; i++) {
            ap[i] = bias && i0 + i < i1 ? bias[i0 + i] : (T)0;
            for (p = 0; p < k; p++)
                ap[4 * (p + 1) + i] = i0 + i < i1 ? a[(i0 + i) * rsa + p * csa] : (T)0;
        }
    }
}

/* C (mb x nv vectors, rows ldc apart) = bias + A @ B (k x nv vectors, rows ldb apart) for one
 * block ap of FN(dk_pack_a), summed in p order after the bias. When `masked`, the last vector is
 * only the lanes of `mask` (masked loads and stores: nothing outside B or C is touched). With
 * `pf`, each row of B is prefetched 256 bytes ahead: k rows of B streamed from L3 at once are
 * more streams than the hardware prefetcher follows. mb <= 4, nv <= 4, `masked` and `pf` are
 * constants once inlined: the tile lives in registers. */
MG_TARGET_AVX2 static MG_INLINE void FN(dk_tile)(const int mb, const int nv,
                                                 const int masked, const int pf,
                                                 __m256i mask, int64_t k, const T *ap,
                                                 const T *b, int64_t ldb, T *c, int64_t ldc)
{
    const T *end = ap + 4 * (k + 1);
    VEC acc[4][4], bv[4];
    int i, j;
    for (i = 0; i < mb; i++) {
        VEC init = VOP(set1)(ap[i]);
        for (j = 0; j < nv; j++) acc[i][j] = init;
    }
    for (ap += 4; ap < end; ap += 4, b += ldb) {
        if (pf) {
            _mm_prefetch((const char *)(b + 64 / sizeof(T) * 4), _MM_HINT_T0);
            _mm_prefetch((const char *)(b + 64 / sizeof(T) * 5), _MM_HINT_T0);
        }
        for (j = 0; j < nv; j++)
            bv[j] = masked && j == nv - 1 ? VOP(maskload)(b + j * VW, mask)
                                          : VOP(loadu)(b + j * VW);
        for (i = 0; i < mb; i++) {
            VEC av = VOP(set1)(ap[i]);
            for (j = 0; j < nv; j++) acc[i][j] = VOP(fmadd)(av, bv[j], acc[i][j]);
        }
    }
    for (i = 0; i < mb; i++, c += ldc)
        for (j = 0; j < nv; j++) {
            if (masked && j == nv - 1)
                VOP(maskstore)(c + j * VW, mask, acc[i][j]);
            else
                VOP(storeu)(c + j * VW, acc[i][j]);
        }
}

/* Rows [0, mb) of C = bias + A @ B over n columns: tiles of 12 accumulators (4 rows x 3 vectors
 * or fewer rows x 4 vectors), then 2 or 1 vectors, then a masked vector. */
MG_TARGET_AVX2 static MG_INLINE void FN(dk_rows)(const int mb, const int pf, int64_t n,
                                                 int64_t k, const T *ap, const T *b,
                                                 int64_t ldb, T *c, int64_t ldc)
{
    const int nv = mb == 4 ? 3 : 4;
    const __m256i nomask = _mm256_setzero_si256(); /* not read by unmasked tiles */
    int64_t l = 0;
    for (; l + nv * VW <= n; l += nv * VW)
        FN(dk_tile)(mb, nv, 0, pf, nomask, k, ap, b + l, ldb, c + l, ldc);
    if (l + 2 * VW <= n) {
        FN(dk_tile)(mb, 2, 0, pf, nomask, k, ap, b + l, ldb, c + l, ldc);
        l += 2 * VW;
    }
    for (; l + VW <= n; l += VW) FN(dk_tile)(mb, 1, 0, pf, nomask, k, ap, b + l, ldb, c + l, ldc);
    if (l < n) FN(dk_tile)(mb, 1, 1, 0, FN(dk_mask)(n - l), k, ap, b + l, ldb, c + l, ldc);
}

#define MG_DK_ROWS(MB, PF)                                                                      \
    case (MB) * 2 + (PF):                                                                       \
        FN(dk_rows)(MB, PF, n, k, ap + blk * 4 * (k + 1), b, ldb, c + i0 * ldc, ldc);           \
        break;

/* C (m x n, rows ldc apart) = bias + A (m x k) @ B (k x n, rows ldb apart), with A and the bias
 * packed by FN(dk_pack_a); `pf`: prefetch B (when it comes from L3). */
MG_TARGET_AVX2 static void FN(dk_gemm)(int64_t m, int64_t n, int64_t k, const T *ap, const T *b,
                                       int64_t ldb, T *c, int64_t ldc, int pf)
{
    const int64_t nb = (m + 3) / 4;
    int64_t blk, i0, i1;
    for (blk = 0; blk < nb; blk++) {
        FN(dk_block)(m, blk, nb, &i0, &i1);
        switch ((i1 - i0) * 2 + (pf != 0)) {
            MG_DK_ROWS(4, 0) MG_DK_ROWS(3, 0) MG_DK_ROWS(2, 0) MG_DK_ROWS(1, 0)
            MG_DK_ROWS(4, 1) MG_DK_ROWS(3, 1) MG_DK_ROWS(2, 1) MG_DK_ROWS(1, 1)
        }
    }
}
#undef MG_DK_ROWS

/* The vector of partial sums at part + (i*ldp + j)*VW (64-byte aligned) += A (row i, lda apart)
 * * B (row j, ldb apart) lane-wise over n columns, for i < mb <= 4, j < nb <= 3; the sums start
 * at 0 when `first`. Each lane is one FMA chain in column order; the last n % VW columns are
 * masked loads (zeros). */
MG_TARGET_AVX2 static MG_INLINE void FN(dk_dot_tile)(const int mb, const int nb, int64_t n,
                                                     const T *a, int64_t lda, const T *b,
                                                     int64_t ldb, int first, T *part,
                                                     int64_t ldp)
{
    VEC acc[4][3], bv[3];
    int64_t l;
    int i, j;
    for (i = 0; i < mb; i++)
        for (j = 0; j < nb; j++)
            acc[i][j] = first ? VOP(setzero)() : VOP(load)(part + (i * ldp + j) * VW);
    /* 12 accumulators, 3 vectors of B and one of A at a time: the 16 registers */
    for (l = 0; l + VW <= n; l += VW) {
        for (j = 0; j < nb; j++) bv[j] = VOP(loadu)(b + j * ldb + l);
        for (i = 0; i < mb; i++) {
            VEC av = VOP(loadu)(a + i * lda + l);
            for (j = 0; j < nb; j++) acc[i][j] = VOP(fmadd)(av, bv[j], acc[i][j]);
        }
    }
    if (l < n) {
        __m256i mask = FN(dk_mask)(n - l);
        for (j = 0; j < nb; j++) bv[j] = VOP(maskload)(b + j * ldb + l, mask);
        for (i = 0; i < mb; i++) {
            VEC av = VOP(maskload)(a + i * lda + l, mask);
            for (j = 0; j < nb; j++) acc[i][j] = VOP(fmadd)(av, bv[j], acc[i][j]);
        }
    }
    for (i = 0; i < mb; i++)
        for (j = 0; j < nb; j++) VOP(store)(part + (i * ldp + j) * VW, acc[i][j]);
}

#define MG_DK_DOT(MB, NB)                                                                       \
    case (MB) * 4 + (NB):                                                                       \
        FN(dk_dot_tile)(MB, NB, n, a + i0 * lda, lda, b + j0 * ldb, ldb, first,                 \
                        part + (i0 * ldp + j0) * VW, ldp);                                      \
        break;

/* part (m x r vectors of VW, rows of ldp vectors) (+)= lane-wise products of A (m x n, rows
 * lda apart) and B (r x n, rows ldb apart) summed over the columns: the weight gradient before
 * its lanes are added. Blocks of at most 4 rows of A by 3 rows of B. */
MG_TARGET_AVX2 static void FN(dk_gemm_nt)(int64_t m, int64_t r, int64_t n, const T *a,
                                          int64_t lda, const T *b, int64_t ldb, int first,
                                          T *part, int64_t ldp)
{
    const int64_t mbs = (m + 3) / 4, rbs = (r + 2) / 3;
    int64_t bi, bj, i0, i1, j0, j1;
    for (bj = 0; bj < rbs; bj++) {
        FN(dk_block)(r, bj, rbs, &j0, &j1);
        for (bi = 0; bi < mbs; bi++) {
            FN(dk_block)(m, bi, mbs, &i0, &i1);
            switch ((i1 - i0) * 4 + (j1 - j0)) {
                MG_DK_DOT(4, 3) MG_DK_DOT(4, 2) MG_DK_DOT(4, 1)
                MG_DK_DOT(3, 3) MG_DK_DOT(3, 2) MG_DK_DOT(3, 1)
                MG_DK_DOT(2, 3) MG_DK_DOT(2, 2) MG_DK_DOT(2, 1)
                MG_DK_DOT(1, 3) MG_DK_DOT(1, 2) MG_DK_DOT(1, 1)
            }
        }
    }
}
#undef MG_DK_DOT

/* ---- the forward and the backward ------------------------------------------------------ */
/* Scratch as FN(conv_scratch): the masks of the shifted im2col, `asz` elements per group (the
 * packed weights), and per thread a column buffer (none when the 1x1 kernel's columns are the
 * input itself) and `extra` more elements. */
static int FN(dk_scratch)(FN(conv_scratch) *sc, const mg_conv_geom *g, int nt, int64_t asz,
                          int64_t *bufsz, int64_t extra)
{
    const int pointwise = mg_conv_pointwise(g);
    *bufsz = pointwise ? 0 : g->c * g->kh * g->kw * g->L;
    return FN(conv_scratch_alloc)(sc, g, nt, !pointwise && FN(conv_shifted)(g) ? g->kw * g->L : 0,
                                  asz, bufsz, extra);
}

/* y_g (og x L) = W_g (og x R) @ cols_g (R x L) + bias_g per sample and group. */
static int FN(conv_direct)(const mg_conv_geom *g, const T *x, const T *wt, const T *bias, T *y)
{
    FN(conv_scratch) sc;
    int64_t bufsz, gi;
    const int nt = mg_conv_threads(g), pointwise = mg_conv_pointwise(g);
    int t, err = FN(dk_scratch)(&sc, g, nt, FN(dk_packed_size)(g->og, g->R), &bufsz, 0);
    if (err) return err;
    if (sc.masks) FN(conv_masks)(g, sc.masks);
    for (gi = 0; gi < g->groups; gi++)
        FN(dk_pack_a)(g->og, g->R, wt + gi * g->og * g->R, g->R, 1,
                      bias ? bias + gi * g->og : NULL, sc.wpack + gi * sc.asz);
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, gj;
        T *buf = sc.per_thread ? sc.per_thread + t * sc.tsz : NULL;
        mg_conv_share(g->n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++) {
            const T *cols = x + s * g->c * g->h * g->w;
            T *ys = y + s * g->o * g->L;
            if (!pointwise) {
                MG_SIMD_PICK(conv_im2col)(g, cols, buf, sc.masks);
                cols = buf;
            }
            for (gj = 0; gj < g->groups; gj++)
                FN(dk_gemm)(g->og, g->L, g->R, sc.wpack + gj * sc.asz, cols + gj * g->R * g->L,
                            g->L, ys + gj * g->og * g->L, g->L, 0);
        }
    });
    mg_aligned_free(sc.base);
    return MG_OK;
}

/* The backward in one pass over gy: per sample, while its rows of gy are in L2, each of
 * gx (cols_g (R x L) = W_g^T (R x og) @ gy_g (og x L), then col2im), gw (dW_g (og x R) +=
 * gy_g @ cols_g^T) and gb (the row sums of gy) that is not NULL. Apart, these would each stream
 * gy from memory. The weight and bias gradients keep partial sums per thread over its range of
 * samples (vectors per weight, MG_SUM_LANES per bias), add their lanes at the end (range 0
 * straight into gw and gb), and the ranges are added in order. */
static int FN(conv_backward_direct)(const mg_conv_geom *g, const T *x, const T *gy,
                                    const T *wt, T *gx, T *gw, T *gb)
{
    FN(conv_scratch) sc;
    const int64_t wsz = gw ? g->o * g->R : 0, bsz = gb ? g->o : 0;
    const int64_t parts = wsz * VW + bsz * MG_SUM_LANES;
    int64_t bufsz, gi, i;
    const int nt = mg_conv_threads(g), pointwise = mg_conv_pointwise(g);
    int t, err = FN(dk_scratch)(&sc, g, nt, gx ? FN(dk_packed_size)(g->R, g->og) : 0, &bufsz,
                                parts + wsz + bsz);
    if (err) return err;
    if (sc.masks) FN(conv_masks)(g, sc.masks);
    if (gx)
        for (gi = 0; gi < g->groups; gi++)
            FN(dk_pack_a)(g->R, g->og, wt + gi * g->og * g->R, 1, g->R, NULL,
                          sc.wpack + gi * sc.asz);
    MG_PARALLEL_FOR(t, nt, {
        int64_t s, s0, s1, gj, e;
        /* [columns | weight parts | bias parts | weight sums | bias sums]; bufsz: whole lines
         * (per_thread is not NULL: at least one of the sizes is not 0) */
        T *buf = sc.per_thread + t * sc.tsz, *wpart = buf + bufsz, *bpart = wpart + wsz * VW;
        T *wsums = t == 0 ? gw : wpart + parts, *bsums = t == 0 ? gb : wpart + parts + wsz;
        mg_conv_share(g->n, t, nt, &s0, &s1);
        for (s = s0; s < s1; s++) {
            const T *gys = gy + s * g->o * g->L;
            if (gx) {
                T *gxs = gx + s * g->c * g->h * g->w, *cols = pointwise ? gxs : buf;
                for (gj = 0; gj < g->groups; gj++)
                    FN(dk_gemm)(g->R, g->L, g->og, sc.wpack + gj * sc.asz,
                                gys + gj * g->og * g->L, g->L, cols + gj * g->R * g->L, g->L, 1);
                if (!pointwise) MG_SIMD_PICK(conv_col2im)(g, buf, gxs, sc.masks);
            }
            if (gw) {
                const T *cols = x + s * g->c * g->h * g->w;
                if (!pointwise) {
                    MG_SIMD_PICK(conv_im2col)(g, cols, buf, sc.masks);
                    cols = buf;
                }
                for (gj = 0; gj < g->groups; gj++)
                    FN(dk_gemm_nt)(g->og, g->R, g->L, gys + gj * g->og * g->L, g->L,
                                   cols + gj * g->R * g->L, g->L, s == s0,
                                   wpart + gj * g->og * g->R * VW, g->R);
            }
            if (gb) MG_SIMD_PICK(row_sums)(gys, g->o, g->L, bpart, s == s0);
        }
        for (e = 0; e < wsz; e++) wsums[e] = FN(lanes_sum)(wpart + e * VW, VW);
        for (e = 0; e < bsz; e++) bsums[e] = FN(lanes_sum)(bpart + e * MG_SUM_LANES, MG_SUM_LANES);
    });
    /* ranges are never empty (nt <= n) */
    for (t = 1; t < nt; t++) {
        const T *sums = sc.per_thread + t * sc.tsz + bufsz + parts;
        for (i = 0; i < wsz; i++) gw[i] += sums[i];
        for (i = 0; i < bsz; i++) gb[i] += sums[wsz + i];
    }
    mg_aligned_free(sc.base);
    return MG_OK;
}

/* Where the direct kernels beat the GEMM path (one-off timings on the development machine,
 * an AMD EPYC with AVX2; 64 x C x 28 x 28 and 14 x 14 inputs, 1 and 2 threads, float32 and
 * float64): always for R <= 27, by 1.5-4x for one input
 * channel; about even at R = 32 with 64 output channels and behind beyond (the GEMM's packing
 * and tile overheads shrink as R grows); still ahead up to R = 64 with at most 32 output
 * channels per group. */
static int FN(conv_direct_wins)(const mg_conv_geom *g)
{
    /* (the bound on o*R keeps the scratch sizes of the kernels far from overflowing) */
    return mg_simd_level() >= MG_SIMD_AVX2 && g->R >= 1 && g->o * g->R <= INT64_MAX / 16 &&
           (g->R <= 32 || (g->R <= 64 && g->og <= 32));
}

#undef VW
#endif /* MG_X86_SIMD */
