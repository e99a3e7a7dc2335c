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
 * Work goes in blocks of `pb` consecutive tiles (tiles of all samples in one sequence). The
 * transforms take 8 tiles at a time, one tile per vector lane: a patch row of the 8 tiles is 8
 * masked loads (the parts of a patch outside the input read as zeros, and are never touched)
 * and an 8x8 transpose in registers. Threads take contiguous ranges of blocks. Every output element is computed by the same instructions
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
#define MG_WINO_GROUP 8                 /* tiles transformed together (one AVX2 float vector) */
/* Channels and output sides beyond this take the GEMM path: the scratch sizes below are then
 * products of small factors that cannot overflow. */
#define MG_WINO_MAX ((int64_t)1 << 24)
/* Bytes a block's transformed input and products may take, in the forward (and input
 * gradient) and in the weight gradient (chosen by one-off timings of the 32 -> 64 channel 14x14
 * layer on the development machine: from 256 KiB to 2 MiB, the forward was fastest at 512 KiB,
 * the weight gradient, whose products have k = tiles, at 1 MiB). */
#define MG_WINO_FWD_BLOCK_BYTES ((int64_t)512 * 1024)
#define MG_WINO_WGRAD_BLOCK_BYTES ((int64_t)1024 * 1024)

/* F(4 x 4, 3 x 3) with the points 0, +-1, +-2 (and infinity). G, for the weight transforms;
 * B^T and A^T are written out as formulas in FN(wino_bt), FN(wino_at) and FN(wino_a) (and
 * their AVX2 copies):
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
    int64_t pb, blocks;    /* tiles per block (a multiple of the lane quantum), blocks */
    int64_t quantum;       /* a block's tiles are padded to a multiple of this many lanes */
    int64_t vs, ms, qs;    /* elements from one point's matrix to the next: V, M or Y, Q */
} mg_wino_geom;

/* `quantum` is the GEMM's column sliver width or the group width, whichever is larger. */
static void mg_wino_geom_init(mg_wino_geom *q, int64_t n, int64_t cin, int64_t h, int64_t w,
                              int64_t cout, int64_t oh, int64_t ow, int64_t ph, int64_t pw,
                              int64_t elem_bytes, int64_t block_bytes, int64_t quantum)
{
    int64_t pb = block_bytes / (elem_bytes * MG_WINO_X * (cin + cout));
    int64_t most = quantum > 128 ? quantum : 128;
    q->n = n; q->cin = cin; q->h = h; q->w = w; q->cout = cout; q->oh = oh; q->ow = ow;
    q->ph = ph; q->pw = pw;
    q->th = (oh + MG_WINO_M - 1) / MG_WINO_M;
    q->tw = (ow + MG_WINO_M - 1) / MG_WINO_M;
    q->tiles = n * q->th * q->tw;
    q->quantum = quantum;
    pb = pb / quantum * quantum;
    q->pb = pb < quantum ? quantum : pb > most ? most : pb;
    q->blocks = (q->tiles + q->pb - 1) / q->pb;
    /* One 64-byte line more than the matrix: the X rows a transform reads or writes together
     * would otherwise lie a multiple of 4 KiB apart and compete for the same L1 sets. */
    q->vs = cin * q->pb + 64 / elem_bytes;
    q->ms = cout * q->pb + 64 / elem_bytes;
    q->qs = cout * cin + 64 / elem_bytes;
}

/* Where a tile of a block lies. Its 6 x 6 input patch starts at input element (oy - ph,
 * ox - pw) of its sample, at_in elements from channel 0's first (possibly before it or past a
 * row's end: only the elements inside the input are read, the rest count as zeros): patch row
 * i is inside the input when bit i of in_rows is set, column j when in_cols[j] is -1 (0 for
 * j >= 6). Its 4 x 4 output tile starts at_out elements from channel 0's first output element,
 * with `rows` rows and `cols` columns inside the output (none for the lanes that pad a block
 * to whole slivers); the output gradient's tile is read at the same place. */
typedef struct {
    int64_t at_in, at_out;
    int rows, cols, in_rows;
    int32_t in_cols[8];
} mg_wino_place;

/* The places of tiles [p0, p0 + len), then copies of the last one with no rows up to lenp. */
static void mg_wino_places(const mg_wino_geom *q, int64_t p0, int64_t len, int64_t lenp,
                           mg_wino_place *pl)
{
    const int64_t per = q->th * q->tw;
    int64_t l;
    int i, j;
    for (l = 0; l < len; l++) {
        const int64_t p = p0 + l, sample = p / per, r = p % per;
        const int64_t oy = r / q->tw * MG_WINO_M, ox = r % q->tw * MG_WINO_M;
        const int64_t iy = oy - q->ph, ix = ox - q->pw;
        pl[l].at_in = sample * q->cin * q->h * q->w + iy * q->w + ix;
        pl[l].at_out = (sample * q->cout * q->oh + oy) * q->ow + ox;
        pl[l].rows = (int)(q->oh - oy < MG_WINO_M ? q->oh - oy : MG_WINO_M);
        pl[l].cols = (int)(q->ow - ox < MG_WINO_M ? q->ow - ox : MG_WINO_M);
        pl[l].in_rows = 0;
        for (i = 0; i < MG_WINO_A; i++)
            if (iy + i >= 0 && iy + i < q->h) pl[l].in_rows |= 1 << i;
        for (j = 0; j < 8; j++)
            pl[l].in_cols[j] = j < MG_WINO_A && ix + j >= 0 && ix + j < q->w ? -1 : 0;
    }
    for (; l < lenp; l++) {
        pl[l] = pl[len - 1];
        pl[l].rows = pl[l].cols = 0;
    }
}

#if MG_X86_SIMD
/* Transposes 8 rows of 8 floats in registers: afterwards r[k][i] is the former r[i][k]. */
MG_TARGET_AVX2 static inline void mg_wino_transpose8_f32(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* The 1-D transforms on 8 lanes, the same formulas as FN(wino_bt), FN(wino_at), FN(wino_a). */
MG_TARGET_AVX2 static inline void mg_wino_bt8(const __m256 d[6], __m256 o[6])
{
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), five = _mm256_set1_ps(5);
    o[0] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[2], _mm256_mul_ps(four, d[0])), d[4]);
    o[1] = _mm256_fnmadd_ps(four, _mm256_add_ps(d[1], d[2]), _mm256_add_ps(d[3], d[4]));
    o[2] = _mm256_fmadd_ps(four, _mm256_sub_ps(d[1], d[2]), _mm256_sub_ps(d[4], d[3]));
    o[3] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[4], d[2]));
    o[4] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[1], d[3]), _mm256_sub_ps(d[4], d[2]));
    o[5] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[3], _mm256_mul_ps(four, d[1])), d[5]);
}

MG_TARGET_AVX2 static inline void mg_wino_at8(const __m256 m[6], __m256 o[4])
{
    const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
    o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2), d34, d12);
    o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4), s34, s12);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8), d34, d12), m[5]);
}

MG_TARGET_AVX2 static inline void mg_wino_a8(const __m256 d[4], __m256 o[6])
{
    const __m256 s02 = _mm256_add_ps(d[0], d[2]), s13 = _mm256_add_ps(d[1], d[3]);
    const __m256 q02 = _mm256_fmadd_ps(_mm256_set1_ps(4), d[2], d[0]);
    const __m256 q13 = _mm256_fmadd_ps(_mm256_set1_ps(8), d[3], _mm256_add_ps(d[1], d[1]));
    o[0] = d[0];
    o[1] = _mm256_add_ps(s02, s13);
    o[2] = _mm256_sub_ps(s02, s13);
    o[3] = _mm256_add_ps(q02, q13);
    o[4] = _mm256_sub_ps(q02, q13);
    o[5] = d[3];
}

/* V = B^T d B for 8 tiles of one channel (x: that channel of sample 0, rows w apart): d is
 * tile k's 6 x 6 patch (see mg_wino_place), point xi of the 8 tiles goes to v + xi*vs. Each
 * patch row of the 8 tiles is 8 masked loads (elements outside the input read as zeros and
 * are never touched) and one transpose, then the row transform; the column transform follows
 * on the 36 vectors kept on the stack. */
MG_TARGET_AVX2 static void mg_wino_input8_f32(const float *x, int64_t w, const mg_wino_place *pl,
                                              float *v, int64_t vs)
{
    __m256 t[MG_WINO_A][MG_WINO_A]; /* t[i][b] = (d B)[i][b] */
    __m256i cols[8];
    const float *src[8];
    int i, a, b, k;
    for (k = 0; k < 8; k++) {
        cols[k] = _mm256_loadu_si256((const __m256i *)pl[k].in_cols);
        src[k] = x + pl[k].at_in;
    }
    for (i = 0; i < MG_WINO_A; i++) {
        __m256 r[8];
        for (k = 0; k < 8; k++)
            r[k] = pl[k].in_rows >> i & 1 ? _mm256_maskload_ps(src[k] + i * w, cols[k])
                                          : _mm256_setzero_ps();
        mg_wino_transpose8_f32(r);
        mg_wino_bt8(r, t[i]);
    }
    for (b = 0; b < MG_WINO_A; b++) {
        __m256 c[MG_WINO_A], o[MG_WINO_A];
        for (i = 0; i < MG_WINO_A; i++) c[i] = t[i][b];
        mg_wino_bt8(c, o);
        for (a = 0; a < MG_WINO_A; a++) _mm256_storeu_ps(v + (a * MG_WINO_A + b) * vs, o[a]);
    }
}

/* Y = A dy A^T for 8 tiles of one output-gradient channel (gy: that channel of sample 0, rows
 * ow apart): dy is tile k's 4 x 4 output tile at gy + pl[k].at_out, zero outside the output;
 * point xi goes to y + xi*ys. */
MG_TARGET_AVX2 static void mg_wino_grad8_f32(const float *gy, int64_t ow, const mg_wino_place *pl,
                                             float *y, int64_t ys)
{
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 t[MG_WINO_M][MG_WINO_A]; /* t[i][b] = (dy A^T)[i][b] */
    int i, a, b, k;
    for (i = 0; i < MG_WINO_M; i++) {
        __m256 r[8];
        for (k = 0; k < 8; k++) {
            const int cols = i < pl[k].rows ? pl[k].cols : 0;
            r[k] = _mm256_maskload_ps(gy + pl[k].at_out + i * ow,
                                      _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lanes));
        }
        mg_wino_transpose8_f32(r);
        mg_wino_a8(r, t[i]);
    }
    for (b = 0; b < MG_WINO_A; b++) {
        __m256 c[MG_WINO_M], o[MG_WINO_A];
        for (i = 0; i < MG_WINO_M; i++) c[i] = t[i][b];
        mg_wino_a8(c, o);
        for (a = 0; a < MG_WINO_A; a++) _mm256_storeu_ps(y + (a * MG_WINO_A + b) * ys, o[a]);
    }
}

/* The output tiles A^T M A + bias of 8 tiles of one channel (point xi of the 8 tiles at
 * m + xi*ms), written to out + pl[k].at_out (out at the channel, rows ow apart) for the rows
 * and columns of tile k inside the output. Per pair of tile rows, one transpose
 * gives each tile's two rows in one vector; a tile cut by the output's right edge is written
 * by masked stores (which never touch the masked elements), its rows past the bottom edge are
 * skipped. */
MG_TARGET_AVX2 static void mg_wino_output8_f32(const float *m, int64_t ms, float bias,
                                               const mg_wino_place *pl, float *out, int64_t ow)
{
    const __m128i lanes = _mm_setr_epi32(0, 1, 2, 3);
    const __m256 bv = _mm256_set1_ps(bias);
    __m256 t[MG_WINO_M][MG_WINO_A]; /* t[r][b] = (A^T M)[r][b] */
    int a, b, r, k;
    for (b = 0; b < MG_WINO_A; b++) {
        __m256 c[MG_WINO_A], o[MG_WINO_M];
        for (a = 0; a < MG_WINO_A; a++) c[a] = _mm256_loadu_ps(m + (a * MG_WINO_A + b) * ms);
        mg_wino_at8(c, o);
        for (r = 0; r < MG_WINO_M; r++) t[r][b] = o[r];
    }
    for (r = 0; r < MG_WINO_M; r += 2) {
        __m256 v[8];
        mg_wino_at8(t[r], v);
        mg_wino_at8(t[r + 1], v + 4);
        mg_wino_transpose8_f32(v); /* v[k] = tile k's rows r and r + 1 */
        for (k = 0; k < 8; k++) {
            float *dst;
            __m256 y;
            __m128i cols;
            if (r >= pl[k].rows) continue;
            dst = out + pl[k].at_out + r * ow;
            y = _mm256_add_ps(v[k], bv);
            if (pl[k].cols == MG_WINO_M) { /* plain stores: masked ones are slow on some CPUs */
                _mm_storeu_ps(dst, _mm256_castps256_ps128(y));
                if (r + 1 < pl[k].rows) _mm_storeu_ps(dst + ow, _mm256_extractf128_ps(y, 1));
                continue;
            }
            cols = _mm_cmplt_epi32(lanes, _mm_set1_epi32(pl[k].cols));
            _mm_maskstore_ps(dst, cols, _mm256_castps256_ps128(y));
            if (r + 1 < pl[k].rows)
                _mm_maskstore_ps(dst + ow, cols, _mm256_extractf128_ps(y, 1));
        }
    }
}
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MG_WINO_INLINE inline __attribute__((always_inline))
#else
#define MG_WINO_INLINE inline
#endif

#endif /* MG_WINO_COMMON */

/* Applies to plain 3x3 stride-1 convolutions where it was faster than the GEMM path in one-off
 * timings of both on the development machine (1 thread): from 16 input and output channels
 * (at 8 the transforms cost what the products save; the first layer of a network, 1 or 3
 * channels, stays on im2col), and from 16 tiles (below, transforming the weight costs more
 * than the products save). */
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
 * in[k*is + l], results at out[k*os + l]); a 2-D transform applies one along the columns of
 * the tiles, then one along the rows. */
static MG_WINO_INLINE void FN(wino_bt)(const T *in, int64_t is, T *out, int64_t os, int len)
{
    int l;
    for (l = 0; l < len; l++) {
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
static MG_WINO_INLINE void FN(wino_at)(const T *in, int64_t is, T *out, int64_t os, int len)
{
    int l;
    for (l = 0; l < len; l++) {
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
static MG_WINO_INLINE void FN(wino_a)(const T *in, int64_t is, T *out, int64_t os, int len)
{
    int l;
    for (l = 0; l < len; l++) {
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

/* The portable twins of the AVX2 kernels above, on `len` <= 8 tiles: the patches gathered into
 * a small buffer, then the lane loops. */
static void FN(wino_input_lanes)(const T *x, int64_t w, const mg_wino_place *pl, int len,
                                 T *v, int64_t vs)
{
    T patch[MG_WINO_X * MG_WINO_GROUP], tmp[MG_WINO_X * MG_WINO_GROUP];
    const int G = MG_WINO_GROUP;
    int i, j, k;
    for (k = 0; k < len; k++)
        for (i = 0; i < MG_WINO_A; i++)
            for (j = 0; j < MG_WINO_A; j++)
                patch[(i * MG_WINO_A + j) * G + k] =
                    (pl[k].in_rows >> i & 1) && pl[k].in_cols[j] ? x[pl[k].at_in + i * w + j] : 0;
    /* columns, tmp[a][j] = (B^T d)[a][j], then rows, V[a][b] = (tmp B)[a][b] */
    for (j = 0; j < MG_WINO_A; j++)
        FN(wino_bt)(patch + j * G, MG_WINO_A * G, tmp + j * G, MG_WINO_A * G, len);
    for (i = 0; i < MG_WINO_A; i++)
        FN(wino_bt)(tmp + i * MG_WINO_A * G, G, v + i * MG_WINO_A * vs, vs, len);
}

static void FN(wino_grad_lanes)(const T *gy, int64_t ow, const mg_wino_place *pl, int len,
                                T *y, int64_t ys)
{
    T patch[MG_WINO_M * MG_WINO_M * MG_WINO_GROUP], tmp[MG_WINO_A * MG_WINO_M * MG_WINO_GROUP];
    const int G = MG_WINO_GROUP;
    int i, j, k;
    for (k = 0; k < len; k++)
        for (i = 0; i < MG_WINO_M; i++)
            for (j = 0; j < MG_WINO_M; j++)
                patch[(i * MG_WINO_M + j) * G + k] =
                    i < pl[k].rows && j < pl[k].cols ? gy[pl[k].at_out + i * ow + j] : 0;
    /* columns, tmp[a][j] = (A dy)[a][j], then rows, Y[a][b] = (tmp A^T)[a][b] */
    for (j = 0; j < MG_WINO_M; j++)
        FN(wino_a)(patch + j * G, MG_WINO_M * G, tmp + j * G, MG_WINO_M * G, len);
    for (i = 0; i < MG_WINO_A; i++)
        FN(wino_a)(tmp + i * MG_WINO_M * G, G, y + i * MG_WINO_A * ys, ys, len);
}

static void FN(wino_output_lanes)(const T *m, int64_t ms, T bias, const mg_wino_place *pl,
                                  int len, T *out, int64_t ow)
{
    T tmp[MG_WINO_M * MG_WINO_A * MG_WINO_GROUP], tile[MG_WINO_M * MG_WINO_M * MG_WINO_GROUP];
    const int G = MG_WINO_GROUP;
    int j, r, c, k;
    /* columns, tmp[r][j] = (A^T M)[r][j], then rows, tile[r][c] = (tmp A)[r][c] */
    for (j = 0; j < MG_WINO_A; j++)
        FN(wino_at)(m + j * ms, MG_WINO_A * ms, tmp + j * G, MG_WINO_A * G, len);
    for (r = 0; r < MG_WINO_M; r++)
        FN(wino_at)(tmp + r * MG_WINO_A * G, G, tile + r * MG_WINO_M * G, G, len);
    for (k = 0; k < len; k++) {
        T *ys = out + pl[k].at_out;
        for (r = 0; r < pl[k].rows; r++)
            for (c = 0; c < pl[k].cols; c++) ys[r * ow + c] = tile[(r * MG_WINO_M + c) * G + k] + bias;
    }
}

/* Element (xi, ch, l) of a block's transformed matrices V (or Y) lies at
 * base + xi*stride + (l / ln)*(rows*ln) + ch*ln + l % ln: with ln = pb, each point is a plain
 * rows x pb matrix; with ln the GEMM's sliver width, it is already packed as the GEMM's B. */
static inline T *FN(wino_lane)(T *base, int64_t rows, int64_t ln, int64_t ch, int64_t l)
{
    return base + (l / ln) * rows * ln + ch * ln + l % ln;
}

/* V for a block's tiles (lenp lanes, see mg_wino_places), 8 tiles of a channel at a time. */
static MG_WINO_INLINE void FN(wino_input_body)(const mg_wino_geom *q, const T *x,
                                               const mg_wino_place *pl, int64_t lenp, T *V,
                                               int64_t ln)
{
    const int G = MG_WINO_GROUP < ln ? MG_WINO_GROUP : (int)ln;
    int64_t ch, l;
    for (ch = 0; ch < q->cin; ch++) {
        const T *xc = x + ch * q->h * q->w;
        l = 0;
#if MG_X86_SIMD
        if (sizeof(T) == sizeof(float) && G == 8 && mg_simd_level() >= MG_SIMD_AVX2)
            for (; l < lenp; l += 8)
                mg_wino_input8_f32((const float *)xc, q->w, pl + l,
                                   (float *)FN(wino_lane)(V, q->cin, ln, ch, l), q->vs);
#endif
        for (; l < lenp; l += G)
            FN(wino_input_lanes)(xc, q->w, pl + l, G, FN(wino_lane)(V, q->cin, ln, ch, l), q->vs);
    }
}

/* Y (plain rows, pb lanes) = A dy A^T for a block's tiles, from the output gradient gy. */
static MG_WINO_INLINE void FN(wino_grad_body)(const mg_wino_geom *q, const T *gy,
                                              const mg_wino_place *pl, int64_t lenp, T *Y)
{
    int64_t co, l;
    for (co = 0; co < q->cout; co++) {
        const T *gc = gy + co * q->oh * q->ow;
        l = 0;
#if MG_X86_SIMD
        if (sizeof(T) == sizeof(float) && mg_simd_level() >= MG_SIMD_AVX2)
            for (; l < lenp; l += 8)
                mg_wino_grad8_f32((const float *)gc, q->ow, pl + l, (float *)Y + co * q->pb + l,
                                  q->ms);
#endif
        for (; l < lenp; l += MG_WINO_GROUP)
            FN(wino_grad_lanes)(gc, q->ow, pl + l, MG_WINO_GROUP, Y + co * q->pb + l, q->ms);
    }
}

/* out tiles = A^T M A (+ bias) for a block's tiles, written into out (n, cout, oh, ow). */
static MG_WINO_INLINE void FN(wino_output_body)(const mg_wino_geom *q, const T *M,
                                                const T *bias, const mg_wino_place *pl,
                                                int64_t lenp, T *out)
{
    const int64_t plane = q->oh * q->ow;
    int64_t co, l;
    for (co = 0; co < q->cout; co++) {
        const T bv = bias ? bias[co] : (T)0;
        l = 0;
#if MG_X86_SIMD
        if (sizeof(T) == sizeof(float) && mg_simd_level() >= MG_SIMD_AVX2)
            for (; l < lenp; l += 8)
                mg_wino_output8_f32((const float *)M + co * q->pb + l, q->ms, (float)bv, pl + l,
                                    (float *)out + co * plane, q->ow);
#endif
        for (; l < lenp; l += MG_WINO_GROUP)
            FN(wino_output_lanes)(M + co * q->pb + l, q->ms, bv, pl + l, MG_WINO_GROUP,
                                  out + co * plane, q->ow);
    }
}

/* M[xi] (cout x lenp, rows pb apart) = U[xi] V[xi]: V is packed as the GEMM's B (slivers of
 * NR lanes) and U by FN(prepack_a), so the micro-kernels run on them directly. */
static MG_WINO_INLINE void FN(wino_products)(const mg_wino_geom *q, const CFG *cf, const T *Up,
                                             int64_t asz, const T *V, int64_t lenp, T *M)
{
    const int64_t NR = cf->nr, kslab = FN(kslab)(cf, q->cin);
    const int64_t mpad = (q->cout + cf->mr - 1) / cf->mr * cf->mr;
    T tile[6 * 32]; /* the edge tile when cout is not a multiple of MR */
    int64_t xi, pc, j;
    for (xi = 0; xi < MG_WINO_X; xi++)
        for (pc = 0; pc < q->cin; pc += kslab) {
            const int64_t kc = q->cin - pc < kslab ? q->cin - pc : kslab;
            for (j = 0; j < lenp; j += NR)
                FN(sliver_times_block)(cf, q->cout, NR, kc, Up + xi * asz + pc * mpad,
                                       V + xi * q->vs + j * q->cin + pc * NR,
                                       M + xi * q->ms + j, q->pb, (T)1, pc ? (T)1 : (T)0,
                                       tile);
        }
}

/* Scratch of one thread: V (X*cin*pb), M or Y (X*cout*pb), the tile places. */
static int64_t FN(wino_thread_elems)(const mg_wino_geom *q)
{
    int64_t places = q->pb * (int64_t)sizeof(mg_wino_place) / (int64_t)sizeof(T) + 1;
    return MG_WINO_X * (q->vs + q->ms) + FN(lines)(places);
}

typedef struct {
    T *V, *MY;
    mg_wino_place *pl;
} FN(wino_bufs);

static FN(wino_bufs) FN(wino_split)(const mg_wino_geom *q, T *base)
{
    FN(wino_bufs) b;
    b.V = base;
    b.MY = b.V + MG_WINO_X * q->vs;
    b.pl = (mg_wino_place *)(b.MY + MG_WINO_X * q->ms);
    return b;
}

/* Tiles of a block rounded up to whole lane quanta. */
static inline int64_t FN(wino_lenp)(const mg_wino_geom *q, int64_t len)
{
    return (len + q->quantum - 1) / q->quantum * q->quantum;
}

/* One block of the forward: transform the input, X products, transform back. */
static MG_WINO_INLINE void FN(wino_fwd_block_body)(const mg_wino_geom *q, const CFG *cf,
                                                   const T *in, const T *Up, int64_t asz,
                                                   const T *bias, T *out, int64_t p0,
                                                   int64_t len, const FN(wino_bufs) *b)
{
    const int64_t lenp = FN(wino_lenp)(q, len);
    mg_wino_places(q, p0, len, lenp, b->pl);
    FN(wino_input_body)(q, in, b->pl, lenp, b->V, cf->nr);
    FN(wino_products)(q, cf, Up, asz, b->V, lenp, b->MY);
    FN(wino_output_body)(q, b->MY, bias, b->pl, lenp, out);
}

/* One block of the weight gradient: Q[xi] (cout x cin) = (first ? 0 : Q[xi]) + Y[xi] V[xi]^T. */
static MG_WINO_INLINE int FN(wino_wgrad_block_body)(const mg_wino_geom *q, const CFG *cf,
                                                    const T *x, const T *gy, T *Q, int first,
                                                    int64_t p0, int64_t len,
                                                    const FN(wino_bufs) *b)
{
    const int64_t lenp = FN(wino_lenp)(q, len);
    int64_t xi;
    int err = MG_OK;
    mg_wino_places(q, p0, len, lenp, b->pl);
    FN(wino_input_body)(q, x, b->pl, lenp, b->V, q->pb);
    FN(wino_grad_body)(q, gy, b->pl, lenp, b->MY);
    /* k = len: the padding lanes hold copies of the last tile and must not count */
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
                                    int64_t len, const FN(wino_bufs) *b)
{
    FN(wino_fwd_block_body)(q, cf, in, Up, asz, bias, out, p0, len, b);
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
                                                   int64_t len, const FN(wino_bufs) *b)
{
    FN(wino_fwd_block_body)(q, cf, in, Up, asz, bias, out, p0, len, b);
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
    int64_t per, total;
    int nt = mg_get_num_threads(), t;
    T *scratch;
    void (*block)(const mg_wino_geom *, const CFG *, const T *, const T *, int64_t, const T *,
                  T *, int64_t, int64_t, const FN(wino_bufs) *) = MG_WINO_PICK(wino_fwd_block);
    if ((int64_t)nt > q->blocks) nt = (int)q->blocks;
    per = FN(wino_thread_elems)(q);
    if (!mg_mul_ok(per, nt, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    scratch = (T *)mg_aligned_alloc((size_t)total);
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        FN(wino_bufs) b = FN(wino_split)(q, scratch + t * per);
        int64_t b0, b1, blk;
        mg_conv_share(q->blocks, t, nt, &b0, &b1);
        for (blk = b0; blk < b1; blk++) {
            int64_t p0 = blk * q->pb, len = q->tiles - p0 < q->pb ? q->tiles - p0 : q->pb;
            block(q, cf, in, Up, asz, bias, out, p0, len, &b);
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

/* out = conv(in, w) for a convolution of n samples, in (n, cin, h, w) -> out (n, cout, oh, ow)
 * with padding (ph, pw): w is (cout, cin, 3, 3) or, with `adjoint`, the weight (cin, cout, 3, 3)
 * of the convolution whose input gradient this is (FN(wino_pack_weight)). */
static int FN(wino_conv)(int64_t n, int64_t cin, int64_t h, int64_t w_, int64_t cout,
                         int64_t oh, int64_t ow, int64_t ph, int64_t pw, const T *in, const T *w,
                         int adjoint, const T *bias, T *out)
{
    mg_wino_geom q;
    CFG cf;
    int64_t asz;
    int err;
    T *up;
    CFG_GET(mg_simd_level(), &cf);
    /* V is packed in slivers of NR lanes, transformed in groups of 8 */
    mg_wino_geom_init(&q, n, cin, h, w_, cout, oh, ow, ph, pw, sizeof(T), MG_WINO_FWD_BLOCK_BYTES,
                      cf.nr > MG_WINO_GROUP ? cf.nr : MG_WINO_GROUP);
    up = FN(wino_pack_weight)(&cf, w, cout, cin, adjoint, &asz);
    if (!up) return MG_ENOMEM;
    err = FN(wino_run_forward)(&q, &cf, in, up, asz, bias, out);
    mg_aligned_free(up);
    return err;
}

/* y = conv2d(x, w) + bias for a geometry FN(wino_applies) accepts. */
static int FN(wino_forward)(const mg_conv_geom *g, const T *x, const T *w, const T *bias, T *y)
{
    return FN(wino_conv)(g->n, g->c, g->h, g->w, g->o, g->oh, g->ow, g->ph, g->pw, x, w, 0,
                         bias, y);
}

/* gx = the input gradient of conv2d for gy: a 3x3 convolution of gy with the transposed,
 * flipped weight and padding 2 - p, whose output is the input's size. */
static int FN(wino_input_grad)(const mg_conv_geom *g, const T *gy, const T *w, T *gx)
{
    return FN(wino_conv)(g->n, g->o, g->oh, g->ow, g->c, g->h, g->w, 2 - g->ph, 2 - g->pw, gy,
                         w, 1, NULL, gx);
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
    /* V and Y are plain rows, transformed in groups of 8 */
    mg_wino_geom_init(&q, g->n, g->c, g->h, g->w, g->o, g->oh, g->ow, g->ph, g->pw, sizeof(T),
                      MG_WINO_WGRAD_BLOCK_BYTES, MG_WINO_GROUP);
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
