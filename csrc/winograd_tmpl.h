/* winograd_tmpl.h -- 3x3, stride-1 convolutions by Winograd's minimal filtering F(m x m, 3 x 3)
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016); included by
 * conv_tmpl.h (once per element type), which dispatches here when FN(wino_applies).
 *
 * An output tile of m x m pixels reads an a x a input tile (a = m + 2). With the constant
 * matrices B^T (a x a), G (a x 3) and A^T (m x a) below, one input channel's contribution is
 *     y = A^T [ (G g G^T) . (B^T d B) ] A        (. = elementwise, over X = a*a points),
 * so summed over input channels, each of the X points is one matrix product:
 *     M[xi] (cout x tiles) = U[xi] (cout x cin) @ V[xi] (cin x tiles),
 * with U = G g G^T (the weight, transformed once per call) and V = B^T d B (the input, per
 * tile). That is X*cout*cin multiply-adds per tile against 9*m*m*cout*cin for the direct
 * convolution: 2.25x fewer for m = 2, 4x fewer for m = 4 (less on image edges whose last tile
 * is partly outside). The products run on the packed GEMM, the transforms are a few adds.
 *
 * The two gradients reuse the same transforms:
 *  - input gradient: the adjoint of a stride-1 3x3 convolution is again one, on gy, with the
 *    weight transposed (cin <-> cout) and flipped, and padding 2 - p (FN(wino_input_grad));
 *  - weight gradient: differentiating the identity above in g gives, per tile,
 *        dg = G^T [ (A dy A^T) . (B^T d B) ] G,
 *    and the sum over tiles moves inside: Q[xi] (cout x cin) = sum over tiles of
 *    Y[xi] (cout x tiles) @ V[xi]^T, one GEMM per point with k = tiles, then dg = G^T Q G.
 *
 * Work goes in blocks of `pb` consecutive tiles (tiles of all samples in one sequence), each
 * read through a zero-padded copy of its input planes so that no tile needs bounds checks
 * (float patches are gathered 8 tiles at a time through an AVX2 transpose). Threads take
 * contiguous ranges of blocks. Every output element is computed by the same instructions
 * whatever the block or thread it falls in; the weight gradient adds per-thread sums in thread
 * order (reproducible for a fixed thread count, like the GEMM path).
 *
 * Rounding: the transforms add and scale values of similar size, so the error is a small
 * multiple of the direct convolution's (measured in tests/backend/test_backend_winograd.py). */

#ifndef MG_WINO_COMMON
#define MG_WINO_COMMON

#define MG_WINO_M 4                     /* output tile side */
#define MG_WINO_A (MG_WINO_M + 2)       /* input tile side */
#define MG_WINO_X (MG_WINO_A * MG_WINO_A) /* transform points */
/* Channels and output sides beyond this take the GEMM path: the scratch sizes below are then
 * products of small factors that cannot overflow. */
#define MG_WINO_MAX ((int64_t)1 << 24)
/* Bytes a block's transformed input and products may take (chosen by one-off timings of the
 * 32 -> 64 channel 14x14 layer on the development machine: 256 KiB to 2 MiB blocks ran within a
 * few percent of each other). */
#define MG_WINO_BLOCK_BYTES ((int64_t)1024 * 1024)

/* F(4 x 4, 3 x 3) with the points 0, +-1, +-2 (and infinity). G, for the weight transforms;
 * B^T and A^T are written out as formulas in FN(wino_bt), FN(wino_at) and FN(wino_a):
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
 *          0 4 0 -5 0 1],
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]. */
static const double mg_wino_g[MG_WINO_A][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1}};

/* A stride-1 3x3 convolution of n samples: in (n, cin, h, w) -> out (n, cout, oh, ow), output
 * (oy, ox) reading input (oy - ph + i, ox - pw + j), zero outside (ph, pw may be negative). */
typedef struct {
    int64_t n, cin, h, w, cout, oh, ow, ph, pw;
    int64_t th, tw, tiles; /* tiles per column and row of one sample, tiles of the batch */
    int64_t pb, blocks;    /* tiles per block, blocks */
    int64_t vs, ms, qs;    /* elements from one point's matrix to the next: V, M or Y, Q */
} mg_wino_geom;

static void mg_wino_geom_init(mg_wino_geom *q, int64_t n, int64_t cin, int64_t h, int64_t w,
                              int64_t cout, int64_t oh, int64_t ow, int64_t ph, int64_t pw,
                              int64_t elem_bytes)
{
    int64_t pb = MG_WINO_BLOCK_BYTES / (elem_bytes * MG_WINO_X * (cin + cout));
    q->n = n; q->cin = cin; q->h = h; q->w = w; q->cout = cout; q->oh = oh; q->ow = ow;
    q->ph = ph; q->pw = pw;
    q->th = (oh + MG_WINO_M - 1) / MG_WINO_M;
    q->tw = (ow + MG_WINO_M - 1) / MG_WINO_M;
    q->tiles = n * q->th * q->tw;
    /* whole GEMM slivers (16 columns), at least one */
    pb = pb / 16 * 16;
    q->pb = pb < 16 ? 16 : pb > 128 ? 128 : pb;
    q->blocks = (q->tiles + q->pb - 1) / q->pb;
    /* One 64-byte line more than the matrix: the X rows a transform reads or writes together
     * would otherwise lie a multiple of 4 KiB apart and compete for the same L1 sets. */
    q->vs = cin * q->pb + 64 / elem_bytes;
    q->ms = cout * q->pb + 64 / elem_bytes;
    q->qs = cout * cin + 64 / elem_bytes;
}

/* Where tile `p` of the batch starts: its sample and its output row and column. */
static inline void mg_wino_tile(const mg_wino_geom *q, int64_t p, int64_t *s, int64_t *oy,
                                int64_t *ox)
{
    int64_t per = q->th * q->tw, r = p % per;
    *s = p / per;
    *oy = r / q->tw * MG_WINO_M;
    *ox = r % q->tw * MG_WINO_M;
}

/* Where each tile of a block lies, computed once for all channels: its sample, its first
 * output row and column, and how many of its rows and columns are inside the output. */
typedef struct {
    int64_t sample, oy, ox;
    int rows, cols;
} mg_wino_place;

static void mg_wino_places(const mg_wino_geom *q, int64_t p0, int64_t len, mg_wino_place *pl)
{
    int64_t l;
    for (l = 0; l < len; l++) {
        mg_wino_tile(q, p0 + l, &pl[l].sample, &pl[l].oy, &pl[l].ox);
        pl[l].rows = (int)(q->oh - pl[l].oy < MG_WINO_M ? q->oh - pl[l].oy : MG_WINO_M);
        pl[l].cols = (int)(q->ow - pl[l].ox < MG_WINO_M ? q->ow - pl[l].ox : MG_WINO_M);
    }
}

#if MG_X86_SIMD
/* Reads past a padded plane's last row by up to this many elements (FN(wino_split) leaves them
 * as slack): mg_wino_gather8_f32 loads 8 values where a patch row has side <= 6. */
#define MG_WINO_GATHER_SLACK 8

/* The patches of 8 tiles of one padded float plane (width wp): patches[(i*side + j)*pb + k] =
 * pad[pl[k].oy*wp + pl[k].ox + i*wp + j]. Per patch row i, the 8 tiles' rows are loaded as 8
 * vectors and transposed in registers, so that each (i, j) is one 8-lane store: 8 loads and
 * 24 shuffles instead of 8*side scalar loads and stores. */
MG_TARGET_AVX2 static void mg_wino_gather8_f32(const float *pad, int64_t wp,
                                               const mg_wino_place *pl, int side,
                                               float *patches, int64_t pb)
{
    const float *src[8];
    int i, j, k;
    for (k = 0; k < 8; k++) src[k] = pad + pl[k].oy * wp + pl[k].ox;
    for (i = 0; i < side; i++) {
        __m256 r0 = _mm256_loadu_ps(src[0] + i * wp), r1 = _mm256_loadu_ps(src[1] + i * wp);
        __m256 r2 = _mm256_loadu_ps(src[2] + i * wp), r3 = _mm256_loadu_ps(src[3] + i * wp);
        __m256 r4 = _mm256_loadu_ps(src[4] + i * wp), r5 = _mm256_loadu_ps(src[5] + i * wp);
        __m256 r6 = _mm256_loadu_ps(src[6] + i * wp), r7 = _mm256_loadu_ps(src[7] + i * wp);
        __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
        __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
        __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
        __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        __m256 col[6];
        col[0] = _mm256_permute2f128_ps(u0, u4, 0x20); /* element 0 of the 8 rows */
        col[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
        col[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
        col[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
        col[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
        col[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
        for (j = 0; j < side; j++) _mm256_storeu_ps(patches + (i * side + j) * pb, col[j]);
    }
}
#else
#define MG_WINO_GATHER_SLACK 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MG_WINO_INLINE inline __attribute__((always_inline))
#else
#define MG_WINO_INLINE inline
#endif
/* The next loop's iterations are independent (lets the compiler vectorise it). */
#if defined(__clang__)
#define MG_WINO_LANES _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define MG_WINO_LANES _Pragma("GCC ivdep")
#else
#define MG_WINO_LANES
#endif

#endif /* MG_WINO_COMMON */

/* Applies to plain 3x3 stride-1 convolutions where it was faster than the GEMM path in one-off
 * timings of both on the development machine (1 thread): from 16 input and output channels (at 8 the transforms cost what the products
 * save; the first layer of a network, 1 or 3 channels, stays on im2col), and from 16 tiles
 * (below, transforming the weight costs more than the products save). */
static int FN(wino_applies)(const mg_conv_geom *g)
{
    int64_t tiles;
    if (g->kh != 3 || g->kw != 3 || g->sh != 1 || g->sw != 1 || g->dh != 1 || g->dw != 1 ||
        g->groups != 1 || g->c < 16 || g->o < 16 || g->c > MG_WINO_MAX || g->o > MG_WINO_MAX ||
        g->oh < MG_WINO_M || g->ow < MG_WINO_M || g->oh > MG_WINO_MAX || g->ow > MG_WINO_MAX)
        return 0;
    /* the geometry check bounds n * oh * ow, so this product cannot overflow */
    tiles = g->n * ((g->oh + MG_WINO_M - 1) / MG_WINO_M) * ((g->ow + MG_WINO_M - 1) / MG_WINO_M);
    return tiles >= 16;
}

/* The 1-D transforms of F(4, 3), each on `len` lanes at once (lane l of value k at
 * in[k*is + l], results at out[k*os + l]); a 2-D transform applies one along the columns of the
 * tiles, then one along the rows. The lane loops are what vectorises; `in` and `out` never
 * overlap, which MG_WINO_LANES tells the compiler (it cannot prove it for strided rows). */
static MG_WINO_INLINE void FN(wino_bt)(const T *in, int64_t is, T *out, int64_t os, int64_t len)
{
    int64_t l;
    MG_WINO_LANES for (l = 0; l < len; l++) {
        const T d0 = in[l], d1 = in[is + l], d2 = in[2 * is + l], d3 = in[3 * is + l],
                d4 = in[4 * is + l], d5 = in[5 * is + l];
        out[l] = 4 * d0 - 5 * d2 + d4;
        out[os + l] = -4 * (d1 + d2) + (d3 + d4);
        out[2 * os + l] = 4 * (d1 - d2) + (d4 - d3);
        out[3 * os + l] = 2 * (d3 - d1) + (d4 - d2);
        out[4 * os + l] = 2 * (d1 - d3) + (d4 - d2);
        out[5 * os + l] = 4 * d1 - 5 * d3 + d5;
    }
}

/* A^T m (6 -> 4): the output. */
static MG_WINO_INLINE void FN(wino_at)(const T *in, int64_t is, T *out, int64_t os, int64_t len)
{
    int64_t l;
    MG_WINO_LANES for (l = 0; l < len; l++) {
        const T m0 = in[l], m1 = in[is + l], m2 = in[2 * is + l], m3 = in[3 * is + l],
                m4 = in[4 * is + l], m5 = in[5 * is + l];
        const T s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
        out[l] = m0 + s12 + s34;
        out[os + l] = d12 + 2 * d34;
        out[2 * os + l] = s12 + 4 * s34;
        out[3 * os + l] = d12 + 8 * d34 + m5;
    }
}

/* A dy (4 -> 6): the output gradient, for the weight gradient. */
static MG_WINO_INLINE void FN(wino_a)(const T *in, int64_t is, T *out, int64_t os, int64_t len)
{
    int64_t l;
    MG_WINO_LANES for (l = 0; l < len; l++) {
        const T d0 = in[l], d1 = in[is + l], d2 = in[2 * is + l], d3 = in[3 * is + l];
        const T s02 = d0 + d2, s13 = d1 + d3, q02 = d0 + 4 * d2, q13 = 2 * d1 + 8 * d3;
        out[l] = d0;
        out[os + l] = s02 + s13;
        out[2 * os + l] = s02 - s13;
        out[3 * os + l] = q02 + q13;
        out[4 * os + l] = q02 - q13;
        out[5 * os + l] = d3;
    }
}

/* The part of dst (hp x wp) inside src (h x w), rows [r0, r0 + hp) and columns [c0, c0 + wp)
 * of it, copied: one channel of one sample, with every tile's patch inside dst. The rest of dst
 * is a border that lies outside src for every plane of the call, zeroed once (FN(wino_split)):
 * a plane costs its h*w copies, not hp*wp writes and three library calls per row. */
static void FN(wino_pad_copy)(const T *src, int64_t h, int64_t w, int64_t r0, int64_t c0,
                              int64_t hp, int64_t wp, T *dst)
{
    int64_t i, j, ilo = r0 < 0 ? -r0 : 0, ihi = h - r0 < hp ? h - r0 : hp;
    int64_t jlo = c0 < 0 ? -c0 : 0, jhi = w - c0 < wp ? w - c0 : wp;
    for (i = ilo; i < ihi; i++) {
        const T *s = src + (r0 + i) * w + c0;
        T *d = dst + i * wp;
        for (j = jlo; j < jhi; j++) d[j] = s[j];
    }
}

/* patches[(i*side + j)*pb + l] = element (i, j) of tile l's side x side patch, for the tiles of
 * a block in one channel: `planes` (n, channels, h, w), read through a padded copy per sample
 * (`pad`, its border zero) whose origin is the patch origin of the tile at output (0, 0),
 * shifted by (dr, dc). */
static MG_WINO_INLINE void FN(wino_gather)(const mg_wino_geom *q, const mg_wino_place *pl,
                                           int64_t len, const T *planes, int64_t channels,
                                           int64_t ch, int64_t h, int64_t w, int64_t dr,
                                           int64_t dc, int side, T *pad, T *MG_RESTRICT patches)
{
    const int64_t pb = q->pb, hp = q->th * MG_WINO_M + side - MG_WINO_M;
    const int64_t wp = q->tw * MG_WINO_M + side - MG_WINO_M;
    int64_t l = 0, l1;
    int i, j;
    while (l < len) {
        const int64_t s = pl[l].sample;
        FN(wino_pad_copy)(planes + (s * channels + ch) * h * w, h, w, -dr, -dc, hp, wp, pad);
        for (l1 = l + 1; l1 < len && pl[l1].sample == s; l1++) {}
#if MG_X86_SIMD
        if (sizeof(T) == sizeof(float) && mg_simd_level() >= MG_SIMD_AVX2)
            for (; l + 8 <= l1; l += 8)
                mg_wino_gather8_f32((const float *)pad, wp, pl + l, side, (float *)patches + l,
                                    pb);
#endif
        for (; l < l1; l++) {
            const T *src = pad + pl[l].oy * wp + pl[l].ox;
            for (i = 0; i < side; i++)
                for (j = 0; j < side; j++) patches[(i * side + j) * pb + l] = src[i * wp + j];
        }
    }
}

/* V[xi][ch][l] (rows of pb lanes, cin rows per point) = B^T d B for the tiles of the block: d
 * is the a x a input patch of tile l in channel ch (zeros outside the input). */
static MG_WINO_INLINE void FN(wino_input_body)(const mg_wino_geom *q, const T *x,
                                               const mg_wino_place *pl, int64_t len, T *V,
                                               T *patch, T *tmp, T *pad)
{
    const int64_t pb = q->pb;
    int64_t ch;
    int a, j;
    for (ch = 0; ch < q->cin; ch++) {
        FN(wino_gather)(q, pl, len, x, q->cin, ch, q->h, q->w, q->ph, q->pw, MG_WINO_A, pad,
                        patch);
        /* columns, tmp[a][j] = (B^T d)[a][j], then rows, V[a][b] = (tmp B)[a][b] */
        for (j = 0; j < MG_WINO_A; j++)
            FN(wino_bt)(patch + j * pb, MG_WINO_A * pb, tmp + j * pb, MG_WINO_A * pb, len);
        for (a = 0; a < MG_WINO_A; a++)
            FN(wino_bt)(tmp + a * MG_WINO_A * pb, pb, V + a * MG_WINO_A * q->vs + ch * pb, q->vs,
                        len);
    }
}

/* out tiles = A^T M A (+ bias) for the block's tiles, written into out (n, cout, oh, ow). */
static MG_WINO_INLINE void FN(wino_output_body)(const mg_wino_geom *q, const T *M,
                                                const T *bias, const mg_wino_place *pl,
                                                int64_t len, T *out, T *tile, T *tmp)
{
    const int64_t pb = q->pb, plane = q->oh * q->ow;
    int64_t co, l;
    int j, r, c;
    for (co = 0; co < q->cout; co++) {
        const T bv = bias ? bias[co] : (T)0;
        for (j = 0; j < MG_WINO_A; j++)
            FN(wino_at)(M + j * q->ms + co * pb, MG_WINO_A * q->ms, tmp + j * pb, MG_WINO_A * pb,
                        len);
        for (r = 0; r < MG_WINO_M; r++)
            FN(wino_at)(tmp + r * MG_WINO_A * pb, pb, tile + r * MG_WINO_M * pb, pb, len);
        for (l = 0; l < len; l++) {
            T *ys = out + (pl[l].sample * q->cout + co) * plane + pl[l].oy * q->ow + pl[l].ox;
            const T *src = tile + l;
            if (pl[l].rows == MG_WINO_M && pl[l].cols == MG_WINO_M) { /* unrolled */
                for (r = 0; r < MG_WINO_M; r++)
                    for (c = 0; c < MG_WINO_M; c++)
                        ys[r * q->ow + c] = src[(r * MG_WINO_M + c) * pb] + bv;
                continue;
            }
            for (r = 0; r < pl[l].rows; r++)
                for (c = 0; c < pl[l].cols; c++)
                    ys[r * q->ow + c] = src[(r * MG_WINO_M + c) * pb] + bv;
        }
    }
}

/* Y[xi][co][l] = A dy A^T for the block's tiles: dy is the m x m output-gradient tile of
 * channel co (zeros past the output's edge). */
static MG_WINO_INLINE void FN(wino_grad_body)(const mg_wino_geom *q, const T *gy,
                                              const mg_wino_place *pl, int64_t len, T *Y, T *dy,
                                              T *tmp, T *pad)
{
    const int64_t pb = q->pb;
    int64_t co;
    int a, j;
    for (co = 0; co < q->cout; co++) {
        FN(wino_gather)(q, pl, len, gy, q->cout, co, q->oh, q->ow, 0, 0, MG_WINO_M, pad, dy);
        for (j = 0; j < MG_WINO_M; j++)
            FN(wino_a)(dy + j * pb, MG_WINO_M * pb, tmp + j * pb, MG_WINO_M * pb, len);
        for (a = 0; a < MG_WINO_A; a++)
            FN(wino_a)(tmp + a * MG_WINO_M * pb, pb, Y + a * MG_WINO_A * q->ms + co * pb, q->ms,
                       len);
    }
}

/* Scratch of one thread: V (X*cin*pb), M or Y (X*cout*pb), two transform buffers of X rows of
 * pb lanes, the padded planes of the input and of the output gradient, the tile places. */
static int64_t FN(wino_pad_in_elems)(const mg_wino_geom *q)
{
    return FN(lines)((q->th * MG_WINO_M + 2) * (q->tw * MG_WINO_M + 2) + MG_WINO_GATHER_SLACK);
}

static int64_t FN(wino_pad_gy_elems)(const mg_wino_geom *q)
{
    return FN(lines)(q->th * MG_WINO_M * q->tw * MG_WINO_M + MG_WINO_GATHER_SLACK);
}

static int64_t FN(wino_thread_elems)(const mg_wino_geom *q)
{
    int64_t places = q->pb * (int64_t)sizeof(mg_wino_place) / (int64_t)sizeof(T) + 1;
    return MG_WINO_X * (q->vs + q->ms) + FN(lines)(2 * MG_WINO_X * q->pb) +
           FN(wino_pad_in_elems)(q) + FN(wino_pad_gy_elems)(q) + FN(lines)(places);
}

typedef struct {
    T *V, *MY, *lanes, *tmp, *pad_in, *pad_gy;
    mg_wino_place *pl;
} FN(wino_bufs);

/* A thread's buffers in its scratch, with the padded planes' borders zeroed. */
static FN(wino_bufs) FN(wino_split)(const mg_wino_geom *q, T *base)
{
    FN(wino_bufs) b;
    b.V = base;
    b.MY = b.V + MG_WINO_X * q->vs;
    b.lanes = b.MY + MG_WINO_X * q->ms;
    b.tmp = b.lanes + MG_WINO_X * q->pb;
    b.pad_in = b.lanes + FN(lines)(2 * MG_WINO_X * q->pb);
    b.pad_gy = b.pad_in + FN(wino_pad_in_elems)(q);
    b.pl = (mg_wino_place *)(b.pad_gy + FN(wino_pad_gy_elems)(q));
    memset(b.pad_in, 0,
           (size_t)(FN(wino_pad_in_elems)(q) + FN(wino_pad_gy_elems)(q)) * sizeof(T));
    return b;
}

/* One block of the forward: transform the input, X products, transform back. */
static MG_WINO_INLINE void FN(wino_fwd_block_body)(const mg_wino_geom *q, const CFG *cf,
                                                   const T *in, const T *Up, int64_t asz,
                                                   const T *bias, T *out, int64_t p0,
                                                   int64_t len, const FN(wino_bufs) *b, T *bbuf)
{
    int64_t xi;
    mg_wino_places(q, p0, len, b->pl);
    FN(wino_input_body)(q, in, b->pl, len, b->V, b->lanes, b->tmp, b->pad_in);
    for (xi = 0; xi < MG_WINO_X; xi++)
        FN(gemm_apacked)(cf, q->cout, len, q->cin, Up + xi * asz, b->V + xi * q->vs, q->pb,
                         1, (T)0, b->MY + xi * q->ms, q->pb, bbuf);
    FN(wino_output_body)(q, b->MY, bias, b->pl, len, out, b->lanes, b->tmp);
}

/* One block of the weight gradient: Q[xi] (cout x cin) = (first ? 0 : Q[xi]) + Y[xi] V[xi]^T. */
static MG_WINO_INLINE int FN(wino_wgrad_block_body)(const mg_wino_geom *q, const CFG *cf,
                                                    const T *x, const T *gy, T *Q, int first,
                                                    int64_t p0, int64_t len,
                                                    const FN(wino_bufs) *b)
{
    int64_t xi;
    int err = MG_OK;
    mg_wino_places(q, p0, len, b->pl);
    FN(wino_input_body)(q, x, b->pl, len, b->V, b->lanes, b->tmp, b->pad_in);
    FN(wino_grad_body)(q, gy, b->pl, len, b->MY, b->lanes, b->tmp, b->pad_gy);
    for (xi = 0; xi < MG_WINO_X; xi++) {
        int e = FN(gemm_run)(cf, 1, q->cout, q->cin, len, (T)1, b->MY + xi * q->ms, q->pb,
                             1, b->V + xi * q->vs, 1, q->pb,
                             first ? (T)0 : (T)1, Q + xi * q->qs, q->cin);
        if (e) err = e;
    }
    return err;
}

static void FN(wino_fwd_block_base)(const mg_wino_geom *q, const CFG *cf, const T *in,
                                    const T *Up, int64_t asz, const T *bias, T *out, int64_t p0,
                                    int64_t len, const FN(wino_bufs) *b, T *bbuf)
{
    FN(wino_fwd_block_body)(q, cf, in, Up, asz, bias, out, p0, len, b, bbuf);
}

static int FN(wino_wgrad_block_base)(const mg_wino_geom *q, const CFG *cf, const T *x,
                                     const T *gy, T *Q, int first, int64_t p0, int64_t len,
                                     const FN(wino_bufs) *b)
{
    return FN(wino_wgrad_block_body)(q, cf, x, gy, Q, first, p0, len, b);
}

#if MG_X86_SIMD
MG_TARGET_AVX2 static void FN(wino_fwd_block_avx2)(const mg_wino_geom *q, const CFG *cf,
                                                   const T *in, const T *Up, int64_t asz,
                                                   const T *bias, T *out, int64_t p0,
                                                   int64_t len, const FN(wino_bufs) *b, T *bbuf)
{
    FN(wino_fwd_block_body)(q, cf, in, Up, asz, bias, out, p0, len, b, bbuf);
}

MG_TARGET_AVX2 static int FN(wino_wgrad_block_avx2)(const mg_wino_geom *q, const CFG *cf,
                                                    const T *x, const T *gy, T *Q, int first,
                                                    int64_t p0, int64_t len,
                                                    const FN(wino_bufs) *b)
{
    return FN(wino_wgrad_block_body)(q, cf, x, gy, Q, first, p0, len, b);
}
#define MG_WINO_PICK(name) (mg_simd_level() >= MG_SIMD_AVX2 ? FN(name##_avx2) : FN(name##_base))
#else
#define MG_WINO_PICK(name) FN(name##_base)
#endif

/* out = conv(in, U) for a transformed, packed weight Up (X matrices of cout x cin, each
 * FN(prepack_a)-ed at Up + xi * asz). */
static int FN(wino_run_forward)(const mg_wino_geom *q, const CFG *cf, const T *in, const T *Up,
                                int64_t asz, const T *bias, T *out)
{
    int64_t per, bsz, total;
    int nt = mg_get_num_threads(), t;
    T *scratch;
    void (*block)(const mg_wino_geom *, const CFG *, const T *, const T *, int64_t, const T *,
                  T *, int64_t, int64_t, const FN(wino_bufs) *, T *) = MG_WINO_PICK(wino_fwd_block);
    if ((int64_t)nt > q->blocks) nt = (int)q->blocks;
    bsz = FN(lines)(FN(apacked_bbuf)(cf, q->cout, q->pb, q->cin));
    per = FN(wino_thread_elems)(q) + bsz;
    if (!mg_mul_ok(per, nt, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    scratch = (T *)mg_aligned_alloc((size_t)total);
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        FN(wino_bufs) b = FN(wino_split)(q, scratch + t * per);
        T *bbuf = scratch + t * per + (per - bsz);
        int64_t b0, b1, blk;
        mg_conv_share(q->blocks, t, nt, &b0, &b1);
        for (blk = b0; blk < b1; blk++) {
            int64_t p0 = blk * q->pb, len = q->tiles - p0 < q->pb ? q->tiles - p0 : q->pb;
            block(q, cf, in, Up, asz, bias, out, p0, len, &b, bbuf);
        }
    });
    mg_aligned_free(scratch);
    return MG_OK;
}

/* Transforms and packs a weight for FN(wino_run_forward): U[xi] = G g G^T for g the 3x3 filter
 * w[co][ci] or, with `adjoint`, the flipped w[ci][co] (w is then (cin, cout, 3, 3) as stored
 * for the original convolution whose input gradient this is). */
static T *FN(wino_pack_weight)(const CFG *cf, const T *w, int64_t cout, int64_t cin, int adjoint,
                               int64_t *asz)
{
    /* U[xi] are one cache line more than cout*cin apart (powers of two would alias in L1) */
    int64_t co, ci, xi, us = cout * cin + 64 / (int64_t)sizeof(T), usz = MG_WINO_X * us, size;
    T *packed, *u;
    *asz = FN(lines)(FN(apacked_size)(cf, cout, cin));
    if (!mg_mul_ok(*asz, MG_WINO_X, &size) || !mg_add_ok(size, usz, &size) ||
        !mg_mul_ok(size, (int64_t)sizeof(T), &size))
        return NULL;
    packed = (T *)mg_aligned_alloc((size_t)size);
    if (!packed) return NULL;
    u = packed + MG_WINO_X * *asz;
    for (co = 0; co < cout; co++)
        for (ci = 0; ci < cin; ci++) {
            double gg[3][3], t1[MG_WINO_A][3];
            int a, b, i, j;
            for (i = 0; i < 3; i++)
                for (j = 0; j < 3; j++)
                    gg[i][j] = adjoint ? (double)w[((ci * cout + co) * 3 + 2 - i) * 3 + 2 - j]
                                       : (double)w[((co * cin + ci) * 3 + i) * 3 + j];
            for (a = 0; a < MG_WINO_A; a++)
                for (j = 0; j < 3; j++)
                    t1[a][j] = mg_wino_g[a][0] * gg[0][j] + mg_wino_g[a][1] * gg[1][j] +
                               mg_wino_g[a][2] * gg[2][j];
            for (a = 0; a < MG_WINO_A; a++)
                for (b = 0; b < MG_WINO_A; b++)
                    u[(a * MG_WINO_A + b) * us + co * cin + ci] =
                        (T)(t1[a][0] * mg_wino_g[b][0] + t1[a][1] * mg_wino_g[b][1] +
                            t1[a][2] * mg_wino_g[b][2]);
        }
    for (xi = 0; xi < MG_WINO_X; xi++)
        FN(prepack_a)(cf, cout, cin, u + xi * us, cin, 1, packed + xi * *asz);
    return packed;
}

/* out = conv(in, w) for the geometry q: w is (cout, cin, 3, 3) or, with `adjoint`, the weight
 * (cin, cout, 3, 3) of the convolution whose input gradient this is (FN(wino_pack_weight)). */
static int FN(wino_conv)(const mg_wino_geom *q, const T *in, const T *w, int adjoint,
                         const T *bias, T *out)
{
    CFG cf;
    int64_t asz;
    int err;
    T *up;
    CFG_GET(mg_simd_level(), &cf);
    up = FN(wino_pack_weight)(&cf, w, q->cout, q->cin, adjoint, &asz);
    if (!up) return MG_ENOMEM;
    err = FN(wino_run_forward)(q, &cf, in, up, asz, bias, out);
    mg_aligned_free(up);
    return err;
}

/* y = conv2d(x, w) + bias for a geometry FN(wino_applies) accepts. */
static int FN(wino_forward)(const mg_conv_geom *g, const T *x, const T *w, const T *bias, T *y)
{
    mg_wino_geom q;
    mg_wino_geom_init(&q, g->n, g->c, g->h, g->w, g->o, g->oh, g->ow, g->ph, g->pw, sizeof(T));
    return FN(wino_conv)(&q, x, w, 0, bias, y);
}

/* gx = the input gradient of conv2d for gy: a 3x3 convolution of gy with the transposed,
 * flipped weight and padding 2 - p, whose output is the input's size. */
static int FN(wino_input_grad)(const mg_conv_geom *g, const T *gy, const T *w, T *gx)
{
    mg_wino_geom q;
    mg_wino_geom_init(&q, g->n, g->o, g->oh, g->ow, g->c, g->h, g->w, 2 - g->ph, 2 - g->pw,
                      sizeof(T));
    return FN(wino_conv)(&q, gy, w, 1, NULL, gx);
}

/* gw = sum over samples and positions of gy (x) shifted x, as G^T Q G (see the top). */
static int FN(wino_weight_grad)(const mg_conv_geom *g, const T *x, const T *gy, T *gw)
{
    mg_wino_geom q;
    CFG cf;
    int64_t per, qsz, total, co, ci;
    int nt = mg_get_num_threads(), t, err = MG_OK;
    T *scratch;
    int (*block)(const mg_wino_geom *, const CFG *, const T *, const T *, T *, int, int64_t,
                 int64_t, const FN(wino_bufs) *) = MG_WINO_PICK(wino_wgrad_block);
    CFG_GET(mg_simd_level(), &cf);
    mg_wino_geom_init(&q, g->n, g->c, g->h, g->w, g->o, g->oh, g->ow, g->ph, g->pw, sizeof(T));
    if ((int64_t)nt > q.blocks) nt = (int)q.blocks;
    /* per thread: its sum Q (X matrices cout x cin, q.qs apart), then the block buffers */
    qsz = FN(lines)(MG_WINO_X * q.qs);
    per = qsz + FN(wino_thread_elems)(&q);
    if (!mg_mul_ok(per, nt, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    scratch = (T *)mg_aligned_alloc((size_t)total);
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        T *Q = scratch + t * per;
        FN(wino_bufs) b = FN(wino_split)(&q, Q + qsz);
        int64_t b0, b1, blk;
        mg_conv_share(q.blocks, t, nt, &b0, &b1);
        for (blk = b0; blk < b1; blk++) {
            int64_t p0 = blk * q.pb, len = q.tiles - p0 < q.pb ? q.tiles - p0 : q.pb;
            int e = block(&q, &cf, x, gy, Q, blk == b0, p0, len, &b);
            if (e) err = e;
        }
    });
    /* ranges are never empty (nt <= blocks); their sums are added in range order */
    for (t = 1; t < nt; t++) {
        const T *p = scratch + t * per;
        int64_t xi, i;
        for (xi = 0; xi < MG_WINO_X; xi++)
            for (i = 0; i < q.cout * q.cin; i++) scratch[xi * q.qs + i] += p[xi * q.qs + i];
    }
    for (co = 0; co < q.cout; co++)
        for (ci = 0; ci < q.cin; ci++) {
            double t1[3][MG_WINO_A];
            int a, b, i, j;
            const T *qv = scratch + co * q.cin + ci; /* point xi at qv[xi * qs] */
            for (i = 0; i < 3; i++)
                for (b = 0; b < MG_WINO_A; b++) {
                    double s = 0;
                    for (a = 0; a < MG_WINO_A; a++)
                        s += mg_wino_g[a][i] * (double)qv[(a * MG_WINO_A + b) * q.qs];
                    t1[i][b] = s;
                }
            for (i = 0; i < 3; i++)
                for (j = 0; j < 3; j++) {
                    double s = 0;
                    for (b = 0; b < MG_WINO_A; b++) s += t1[i][b] * mg_wino_g[b][j];
                    gw[((co * q.cin + ci) * 3 + i) * 3 + j] = (T)s;
                }
        }
    mg_aligned_free(scratch);
    return err;
}

#undef MG_WINO_PICK
