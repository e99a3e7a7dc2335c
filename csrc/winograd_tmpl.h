/* winograd_tmpl.h -- 3x3, stride-1 convolutions by Winograd's minimal filtering F(m x m, 3 x 3)
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016); included by
 * conv_tmpl.h (once per element type), which dispatches here when FN(wino_applies).
 *
 * An output tile of mr x mc pixels reads an ar x ac input patch (a = m + 2). With constant
 * matrices B^T (a x a), G (a x 3) and A^T (m x a) per side, one input channel's contribution is
 *     y = A_r^T [ (G_r g G_c^T) . (B_r^T d B_c) ] A_c      (. = elementwise, X = ar*ac points),
 * so summed over input channels, each of the X points is one matrix product:
 *     M[xi] (cout x tiles) = U[xi] (cout x cin) @ V[xi] (cin x tiles),
 * with U = G_r g G_c^T (the weight, transformed once per call) and V = B_r^T d B_c (the input,
 * per tile). That is X*cout*cin multiply-adds per tile against 9*mr*mc*cout*cin for the direct
 * convolution: 2.25x fewer for 2 x 2 tiles, 4x fewer for 4 x 4, 5.06x fewer for 6 x 6. The
 * products run on the GEMM's micro-kernel, the transforms are a few adds.
 *
 * Tile sides: from MG_WINO_BAND_MIN_SAMPLES samples, tiles are 6 x 6 (F(6, 3)), and where an
 * output side leaves a remainder after whole 6-tiles, the last band of tiles along it is 2 wide
 * (F(2, 3)) for a remainder of 1 or 2, 4 wide (F(4, 3)) for 3 or 4 (a 14x14 output: 4 tiles of
 * 6x6, 2 of 6x2, 2 of 2x6 and one 2x2 take 400 transform points, against 576 for 16 tiles of
 * 4x4). Each tile shape ("kind") is a convolution of its own over its part of the output. With
 * fewer samples, the small kinds would not fill the GEMM's slivers: every tile is then 4 x 4,
 * the last ones cropped.
 *
 * The two gradients reuse the same transforms:
 *  - input gradient: the adjoint of a stride-1 3x3 convolution is again one, on gy, with the
 *    weight transposed (cin <-> cout) and flipped, and padding 2 - p (FN(wino_input_grad));
 *  - weight gradient: differentiating the identity above in g gives, per tile,
 *        dg = G_r^T [ (A_r dy A_c^T) . (B_r^T d B_c) ] G_c,
 *    and the sum over tiles moves inside: Q[xi] (cout x cin) = sum over tiles of
 *    Y[xi] (cout x tiles) @ V[xi]^T, one GEMM per point with k = tiles, then dg = G^T Q G,
 *    summed over the kinds.
 *
 * Work goes in blocks of `pb` consecutive tiles of one kind (tiles of all samples in one
 * sequence). The transforms take 8 tiles at a time, one tile per vector lane: a patch row of
 * the 8 tiles is 8 masked loads (the parts of a patch outside the input read as zeros, and are
 * never touched) and an 8x8 transpose in registers. Threads take contiguous ranges of blocks.
 * Every output element is computed by the same instructions whatever the block or thread it
 * falls in; the weight gradient adds per-thread sums in thread order (reproducible for a fixed
 * thread count, like the GEMM path).
 *
 * Rounding: the transforms add and scale values of similar size, so the error is a small
 * multiple of the direct convolution's: in float32, about 1e-5 of the largest output value on
 * the benchmark layer in one-off measurements, ten times the direct convolution's
 * (tests/backend/test_backend_winograd.py bounds it at 2e-5). */

#ifndef MG_WINO_COMMON
#define MG_WINO_COMMON

#include "transpose8.h"

#define MG_WINO_XMAX 64  /* transform points of the largest tile, 8 x 8 */
#define MG_WINO_GROUP 8  /* tiles transformed together (one AVX2 float vector) */
/* Channels and output sides beyond this take the GEMM path: the scratch sizes below are then
 * products of small factors that cannot overflow. */
#define MG_WINO_MAX ((int64_t)1 << 24)
/* 6-wide tiles and bands are used from this batch size: every kind then has enough tiles to
 * fill the GEMM's slivers (a kind's tiles are padded to whole slivers). */
#define MG_WINO_BAND_MIN_SAMPLES 8
/* Bytes a block's transformed input and products may take, in the forward (and input
 * gradient) and in the weight gradient (chosen by one-off timings of the 32 -> 64 channel 14x14
 * layer on the development machine: from 256 KiB to 2 MiB, the forward was fastest at 512 KiB,
 * the weight gradient, whose products have k = tiles, at 1 MiB). */
#define MG_WINO_FWD_BLOCK_BYTES ((int64_t)512 * 1024)
#define MG_WINO_WGRAD_BLOCK_BYTES ((int64_t)1024 * 1024)

/* G of F(6, 3) (points 0, +-1, +-2, +-1/2, infinity), F(4, 3) (0, +-1, +-2, infinity) and
 * F(2, 3) (0, +-1, infinity), for the weight transforms; B^T and A^T are written out as
 * formulas in FN(wino_bt), FN(wino_at) and FN(wino_a) (and their AVX2 copies):
 *   F(6, 3): B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0;
 *                   0 -1 1 17/4 -17/4 -1 1 0; 0 1/2 1/4 -5/2 -5/4 2 1 0;
 *                   0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0;
 *                   0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1],
 *            A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0;
 *                   0 1 -1 8 -8 1/8 -1/8 0; 0 1 1 16 16 1/16 1/16 0;
 *                   0 1 -1 32 -32 1/32 -1/32 1];
 *   F(4, 3): B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
 *                   0 2 -1 -2 1 0; 0 4 0 -5 0 1],
 *            A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1];
 *   F(2, 3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A^T = [1 1 1 0; 0 1 -1 -1]. */
static const double mg_wino_g4[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1}};
static const double mg_wino_g2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double mg_wino_g6[8][3] = {
    {1, 0, 0},
    {-2.0 / 9, -2.0 / 9, -2.0 / 9},
    {-2.0 / 9, 2.0 / 9, -2.0 / 9},
    {1.0 / 90, 1.0 / 45, 2.0 / 45},
    {1.0 / 90, -1.0 / 45, 2.0 / 45},
    {32.0 / 45, 16.0 / 45, 8.0 / 45},
    {32.0 / 45, -16.0 / 45, 8.0 / 45},
    {0, 0, 1}};

/* G for a tile side m (6, 4 or 2): rows a = 0 .. m + 1. */
static const double (*mg_wino_gmat(int m))[3]
{
    return m == 6 ? mg_wino_g6 : m == 4 ? mg_wino_g4 : mg_wino_g2;
}

/* The tiles of one kind of a stride-1 3x3 convolution of n samples: in (n, cin, h, w) ->
 * out (n, cout, oh, ow), output (oy, ox) reading input (oy - ph + i, ox - pw + j), zero
 * outside (ph, pw may be negative). Its tiles are mr x mc, th x tw per sample, the first at
 * output (oy0, ox0), th rows of them mr apart. */
typedef struct {
    int64_t n, cin, h, w, cout, oh, ow, ph, pw;
    int mr, mc, ar, ac, X;  /* tile sides, patch sides, transform points */
    int64_t oy0, ox0, th, tw, tiles;
    int64_t pb, blocks;     /* tiles per block (a multiple of the lane quantum), blocks */
    int64_t quantum;        /* a block's tiles are padded to a multiple of this many lanes */
    int64_t vs, ms, qs;     /* elements from one point's matrix to the next: V, M or Y, Q */
} mg_wino_geom;

/* The tiles along an output side of length L (>= 4): `count` main tiles of side `m`, then
 * `band_count` (0 or 1) of side `band` for the remainder. Without `bands`, every tile is 4 wide
 * (the last one cropped); with them, the main tiles are 6 wide and a remainder of 1-2 or 3-4
 * is one 2- or 4-wide tile (a remainder of 5 is one more, cropped, 6-wide tile). */
typedef struct {
    int m, band;
    int64_t count, band_count;
} mg_wino_side;

static mg_wino_side mg_wino_side_of(int64_t L, int bands)
{
    mg_wino_side s;
    const int64_t r = L % 6;
    if (!bands) {
        s.m = 4;
        s.count = (L + 3) / 4;
        s.band = 4;
        s.band_count = 0;
        return s;
    }
    s.m = 6;
    s.count = L / 6 + (r == 5);
    s.band = r <= 2 ? 2 : 4;
    s.band_count = r && r < 5;
    return s;
}

/* Sets q to kind (kr, kc) (0: the main tiles, 1: the band, along rows and columns, see
 * mg_wino_side) of the convolution; returns 0 if the kind has no tiles. `quantum` is the
 * GEMM's column sliver width or the group width, whichever is larger; M (or Y) has cout rows
 * rounded up to a multiple of `mrows` (whole micro-kernel slivers); `threads` will share the
 * blocks. */
static int mg_wino_geom_init(mg_wino_geom *q, int64_t n, int64_t cin, int64_t h, int64_t w,
                             int64_t cout, int64_t oh, int64_t ow, int64_t ph, int64_t pw,
                             int kr, int kc, int64_t elem_bytes, int64_t block_bytes,
                             int64_t quantum, int64_t mrows, int threads)
{
    const int bands = n >= MG_WINO_BAND_MIN_SAMPLES;
    const mg_wino_side rs = mg_wino_side_of(oh, bands), cs = mg_wino_side_of(ow, bands);
    int64_t pb, most = quantum > 128 ? quantum : 128;
    q->n = n; q->cin = cin; q->h = h; q->w = w; q->cout = cout; q->oh = oh; q->ow = ow;
    q->ph = ph; q->pw = pw;
    q->mr = kr ? rs.band : rs.m;
    q->mc = kc ? cs.band : cs.m;
    q->ar = q->mr + 2;
    q->ac = q->mc + 2;
    q->X = q->ar * q->ac;
    q->th = kr ? rs.band_count : rs.count;
    q->tw = kc ? cs.band_count : cs.count;
    q->oy0 = kr ? rs.m * rs.count : 0;
    q->ox0 = kc ? cs.m * cs.count : 0;
    q->tiles = n * q->th * q->tw;
    q->quantum = quantum;
    pb = block_bytes / (elem_bytes * q->X * (cin + cout)) / quantum * quantum;
    /* every thread gets a block (small kinds have few tiles) */
    if (pb * threads > q->tiles) pb = (q->tiles + threads - 1) / threads;
    pb = (pb + quantum - 1) / quantum * quantum;
    q->pb = pb < quantum ? quantum : pb > most ? most : pb;
    q->blocks = (q->tiles + q->pb - 1) / q->pb;
    /* One 64-byte line more than the matrix: the X rows a transform reads or writes together
     * would otherwise lie a multiple of 4 KiB apart and compete for the same L1 sets. */
    q->vs = cin * q->pb + 64 / elem_bytes;
    q->ms = (cout + mrows - 1) / mrows * mrows * q->pb + 64 / elem_bytes;
    q->qs = cout * cin + 64 / elem_bytes;
    return q->tiles > 0;
}

/* Where a tile of a block lies. Its ar x ac input patch starts at input element (oy - ph,
 * ox - pw) of its sample, at_in elements from channel 0's first (possibly before it or past a
 * row's end: only the elements inside the input are read, the rest count as zeros): patch row
 * i is inside the input when bit i of in_rows is set, column j when in_cols[j] is -1 (0 for
 * j >= ac). Its mr x mc output tile starts at_out elements from channel 0's first output
 * element, with `rows` rows and `cols` columns inside the output (none for the lanes that pad
 * a block to whole slivers); the output gradient's tile is read at the same place. */
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
        const int64_t oy = q->oy0 + r / q->tw * q->mr, ox = q->ox0 + r % q->tw * q->mc;
        const int64_t iy = oy - q->ph, ix = ox - q->pw;
        pl[l].at_in = sample * q->cin * q->h * q->w + iy * q->w + ix;
        pl[l].at_out = (sample * q->cout * q->oh + oy) * q->ow + ox;
        pl[l].rows = (int)(q->oh - oy < q->mr ? q->oh - oy : q->mr);
        pl[l].cols = (int)(q->ow - ox < q->mc ? q->ow - ox : q->mc);
        pl[l].in_rows = 0;
        for (i = 0; i < q->ar; i++)
            if (iy + i >= 0 && iy + i < q->h) pl[l].in_rows |= 1 << i;
        for (j = 0; j < 8; j++)
            pl[l].in_cols[j] = j < q->ac && ix + j >= 0 && ix + j < q->w ? -1 : 0;
    }
    for (; l < lenp; l++) {
        pl[l] = pl[len - 1];
        pl[l].rows = pl[l].cols = 0;
    }
}

#if MG_X86_SIMD
/* The 1-D transforms on 8 lanes for a tile side m (6, 4 or 2), the same formulas as
 * FN(wino_bt), FN(wino_at), FN(wino_a): B^T d (m + 2 -> m + 2), A^T v (m + 2 -> m),
 * A dy (m -> m + 2). */
MG_TARGET_AVX2 static MG_INLINE void mg_wino_bt8(int m, const __m256 *d, __m256 *o)
{
    if (m == 6) {
        const __m256 c525 = _mm256_set1_ps(5.25f), c425 = _mm256_set1_ps(4.25f);
        const __m256 c025 = _mm256_set1_ps(0.25f), c125 = _mm256_set1_ps(1.25f);
        const __m256 c05 = _mm256_set1_ps(0.5f), c25 = _mm256_set1_ps(2.5f);
        const __m256 c2 = _mm256_set1_ps(2), c4 = _mm256_set1_ps(4);
        __m256 t1, t2;
        o[0] = _mm256_fmadd_ps(c525, _mm256_sub_ps(d[4], d[2]), _mm256_sub_ps(d[0], d[6]));
        o[7] = _mm256_fmadd_ps(c525, _mm256_sub_ps(d[3], d[5]), _mm256_sub_ps(d[7], d[1]));
        t1 = _mm256_fnmadd_ps(c425, d[4], _mm256_add_ps(d[2], d[6]));
        t2 = _mm256_fnmadd_ps(c425, d[3], _mm256_add_ps(d[1], d[5]));
        o[1] = _mm256_add_ps(t1, t2);
        o[2] = _mm256_sub_ps(t1, t2);
        t1 = _mm256_fnmadd_ps(c125, d[4], _mm256_fmadd_ps(c025, d[2], d[6]));
        t2 = _mm256_fmadd_ps(c2, d[5], _mm256_fnmadd_ps(c25, d[3], _mm256_mul_ps(c05, d[1])));
        o[3] = _mm256_add_ps(t1, t2);
        o[4] = _mm256_sub_ps(t1, t2);
        t1 = _mm256_fmadd_ps(c4, _mm256_fnmadd_ps(c125, d[4], d[2]), d[6]);
        t2 = _mm256_fmadd_ps(c05, d[5], _mm256_fnmadd_ps(c25, d[3], _mm256_mul_ps(c2, d[1])));
        o[5] = _mm256_add_ps(t1, t2);
        o[6] = _mm256_sub_ps(t1, t2);
    } else if (m == 4) {
        const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), five = _mm256_set1_ps(5);
        o[0] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[2], _mm256_mul_ps(four, d[0])), d[4]);
        o[1] = _mm256_fnmadd_ps(four, _mm256_add_ps(d[1], d[2]), _mm256_add_ps(d[3], d[4]));
        o[2] = _mm256_fmadd_ps(four, _mm256_sub_ps(d[1], d[2]), _mm256_sub_ps(d[4], d[3]));
        o[3] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[4], d[2]));
        o[4] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[1], d[3]), _mm256_sub_ps(d[4], d[2]));
        o[5] = _mm256_add_ps(_mm256_fnmadd_ps(five, d[3], _mm256_mul_ps(four, d[1])), d[5]);
    } else {
        o[0] = _mm256_sub_ps(d[0], d[2]);
        o[1] = _mm256_add_ps(d[1], d[2]);
        o[2] = _mm256_sub_ps(d[2], d[1]);
        o[3] = _mm256_sub_ps(d[1], d[3]);
    }
}

MG_TARGET_AVX2 static MG_INLINE void mg_wino_at8(int m, const __m256 *v, __m256 *o)
{
    if (m == 6) {
        const __m256 s1 = _mm256_add_ps(v[1], v[2]), d1 = _mm256_sub_ps(v[1], v[2]);
        const __m256 s3 = _mm256_add_ps(v[3], v[4]), d3 = _mm256_sub_ps(v[3], v[4]);
        const __m256 s5 = _mm256_add_ps(v[5], v[6]), d5 = _mm256_sub_ps(v[5], v[6]);
        o[0] = _mm256_add_ps(_mm256_add_ps(v[0], s1), _mm256_add_ps(s3, s5));
        o[1] = _mm256_fmadd_ps(_mm256_set1_ps(0.5f), d5,
                               _mm256_fmadd_ps(_mm256_set1_ps(2), d3, d1));
        o[2] = _mm256_fmadd_ps(_mm256_set1_ps(0.25f), s5,
                               _mm256_fmadd_ps(_mm256_set1_ps(4), s3, s1));
        o[3] = _mm256_fmadd_ps(_mm256_set1_ps(0.125f), d5,
                               _mm256_fmadd_ps(_mm256_set1_ps(8), d3, d1));
        o[4] = _mm256_fmadd_ps(_mm256_set1_ps(0.0625f), s5,
                               _mm256_fmadd_ps(_mm256_set1_ps(16), s3, s1));
        o[5] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(0.03125f), d5,
                                             _mm256_fmadd_ps(_mm256_set1_ps(32), d3, d1)),
                             v[7]);
    } else if (m == 4) {
        const __m256 s12 = _mm256_add_ps(v[1], v[2]), d12 = _mm256_sub_ps(v[1], v[2]);
        const __m256 s34 = _mm256_add_ps(v[3], v[4]), d34 = _mm256_sub_ps(v[3], v[4]);
        o[0] = _mm256_add_ps(_mm256_add_ps(v[0], s12), s34);
        o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2), d34, d12);
        o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4), s34, s12);
        o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8), d34, d12), v[5]);
    } else {
        o[0] = _mm256_add_ps(_mm256_add_ps(v[0], v[1]), v[2]);
        o[1] = _mm256_sub_ps(_mm256_sub_ps(v[1], v[2]), v[3]);
    }
}

MG_TARGET_AVX2 static MG_INLINE void mg_wino_a8(int m, const __m256 *d, __m256 *o)
{
    if (m == 6) {
        /* even and odd parts at the points 1, 2 and 1/2 */
        const __m256 e1 = _mm256_add_ps(_mm256_add_ps(d[0], d[2]), d[4]);
        const __m256 o1 = _mm256_add_ps(_mm256_add_ps(d[1], d[3]), d[5]);
        const __m256 e2 = _mm256_fmadd_ps(_mm256_set1_ps(16), d[4],
                                          _mm256_fmadd_ps(_mm256_set1_ps(4), d[2], d[0]));
        const __m256 o2 = _mm256_fmadd_ps(_mm256_set1_ps(32), d[5],
                                          _mm256_fmadd_ps(_mm256_set1_ps(8), d[3],
                                                          _mm256_add_ps(d[1], d[1])));
        const __m256 e3 = _mm256_fmadd_ps(_mm256_set1_ps(0.0625f), d[4],
                                          _mm256_fmadd_ps(_mm256_set1_ps(0.25f), d[2], d[0]));
        const __m256 o3 = _mm256_fmadd_ps(_mm256_set1_ps(0.03125f), d[5],
                                          _mm256_fmadd_ps(_mm256_set1_ps(0.125f), d[3],
                                                          _mm256_mul_ps(_mm256_set1_ps(0.5f),
                                                                        d[1])));
        o[0] = d[0];
        o[1] = _mm256_add_ps(e1, o1);
        o[2] = _mm256_sub_ps(e1, o1);
        o[3] = _mm256_add_ps(e2, o2);
        o[4] = _mm256_sub_ps(e2, o2);
        o[5] = _mm256_add_ps(e3, o3);
        o[6] = _mm256_sub_ps(e3, o3);
        o[7] = d[5];
    } else if (m == 4) {
        const __m256 s02 = _mm256_add_ps(d[0], d[2]), s13 = _mm256_add_ps(d[1], d[3]);
        const __m256 q02 = _mm256_fmadd_ps(_mm256_set1_ps(4), d[2], d[0]);
        const __m256 q13 = _mm256_fmadd_ps(_mm256_set1_ps(8), d[3], _mm256_add_ps(d[1], d[1]));
        o[0] = d[0];
        o[1] = _mm256_add_ps(s02, s13);
        o[2] = _mm256_sub_ps(s02, s13);
        o[3] = _mm256_add_ps(q02, q13);
        o[4] = _mm256_sub_ps(q02, q13);
        o[5] = d[3];
    } else {
        o[0] = d[0];
        o[1] = _mm256_add_ps(d[0], d[1]);
        o[2] = _mm256_sub_ps(d[0], d[1]);
        o[3] = _mm256_sub_ps(_mm256_setzero_ps(), d[1]);
    }
}

/* The transformed patches of 8 tiles of one channel (src: that channel of sample 0, rows
 * `stride` apart), point xi of the 8 tiles going to z + xi*zs:
 *  - input (grad = 0): V = B_r^T d B_c, d tile k's ar x ac input patch (see mg_wino_place);
 *  - output gradient (grad = 1): Y = A_r dy A_c^T, dy tile k's mr x mc tile of gy.
 * Each patch row of the 8 tiles is 8 masked loads (elements outside the input or output read
 * as zeros, and are never touched) and one transpose, then the row transform; the column
 * transform follows on the vectors kept on the stack. */
MG_TARGET_AVX2 static MG_INLINE void mg_wino_patches8(int grad, int mr, int mc,
                                                      const float *src, int64_t stride,
                                                      const mg_wino_place *pl, float *z,
                                                      int64_t zs)
{
    const int ar = mr + 2, ac = mc + 2, rows = grad ? mr : ar;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 t[8][8]; /* t[i][b] = the row transform of patch row i */
    __m256i cols[8];
    const float *p[8];
    int inside[8]; /* bit i: patch row i is inside */
    int i, a, b, k;
    for (k = 0; k < 8; k++) {
        cols[k] = grad ? _mm256_cmpgt_epi32(_mm256_set1_epi32(pl[k].cols), lanes)
                       : _mm256_loadu_si256((const __m256i *)pl[k].in_cols);
        p[k] = src + (grad ? pl[k].at_out : pl[k].at_in);
        inside[k] = grad ? (1 << pl[k].rows) - 1 : pl[k].in_rows;
    }
    for (i = 0; i < rows; i++) {
        __m256 r[8];
        for (k = 0; k < 8; k++)
            r[k] = inside[k] >> i & 1 ? _mm256_maskload_ps(p[k] + i * stride, cols[k])
                                      : _mm256_setzero_ps();
        mg_transpose8x8_ps(r);
        if (grad)
            mg_wino_a8(mc, r, t[i]);
        else
            mg_wino_bt8(mc, r, t[i]);
    }
    for (b = 0; b < ac; b++) {
        __m256 c[8], o[8];
        for (i = 0; i < rows; i++) c[i] = t[i][b];
        if (grad)
            mg_wino_a8(mr, c, o);
        else
            mg_wino_bt8(mr, c, o);
        for (a = 0; a < ar; a++) _mm256_storeu_ps(z + (a * ac + b) * zs, o[a]);
    }
}

/* The output tiles A_r^T M A_c + bias of 8 tiles of one channel (point xi of the 8 tiles at
 * m + xi*ms), written to out + pl[k].at_out (out at the channel, rows ow apart) for the rows
 * and columns of tile k inside the output. One transpose gives each tile's row (6 wide) or two
 * rows (at most 4 wide: row r in lanes 0-3, row r + 1 in lanes 4-7) in one vector. */
MG_TARGET_AVX2 static MG_INLINE void mg_wino_output8(int mr, int mc, const float *m,
                                                     int64_t ms, float bias,
                                                     const mg_wino_place *pl, float *out,
                                                     int64_t ow)
{
    const int ar = mr + 2, ac = mc + 2;
    const __m256 bv = _mm256_set1_ps(bias);
    __m256 t[6][8]; /* t[r][b] = (A_r^T M)[r][b] */
    int a, b, r, k;
    for (b = 0; b < ac; b++) {
        __m256 c[8], o[6];
        for (a = 0; a < ar; a++) c[a] = _mm256_loadu_ps(m + (a * ac + b) * ms);
        mg_wino_at8(mr, c, o);
        for (r = 0; r < mr; r++) t[r][b] = o[r];
    }
    if (mc == 6) { /* a tile row is 6 values: one transpose per row */
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        for (r = 0; r < mr; r++) {
            __m256 v[8];
            v[6] = v[7] = _mm256_setzero_ps();
            mg_wino_at8(6, t[r], v);
            mg_transpose8x8_ps(v); /* v[k] = tile k's row r */
            for (k = 0; k < 8; k++) {
                float *dst;
                __m256 y;
                if (r >= pl[k].rows) continue;
                dst = out + pl[k].at_out + r * ow;
                y = _mm256_add_ps(v[k], bv);
                if (pl[k].cols == 6) {
                    _mm_storeu_ps(dst, _mm256_castps256_ps128(y));
                    _mm_storel_pi((__m64 *)(dst + 4), _mm256_extractf128_ps(y, 1));
                } else {
                    _mm256_maskstore_ps(
                        dst, _mm256_cmpgt_epi32(_mm256_set1_epi32(pl[k].cols), lanes), y);
                }
            }
        }
        return;
    }
    for (r = 0; r < mr; r += 2) { /* tile rows of at most 4: two rows per transpose */
        __m256 v[8];
        for (k = 0; k < 8; k++) v[k] = _mm256_setzero_ps();
        mg_wino_at8(mc, t[r], v);
        mg_wino_at8(mc, t[r + 1], v + 4);
        mg_transpose8x8_ps(v); /* v[k] = tile k's rows r and r + 1 */
        for (k = 0; k < 8; k++) {
            float *dst;
            __m256 y;
            __m128 lo, hi;
            int two;
            if (r >= pl[k].rows) continue;
            dst = out + pl[k].at_out + r * ow;
            y = _mm256_add_ps(v[k], bv);
            lo = _mm256_castps256_ps128(y);
            hi = _mm256_extractf128_ps(y, 1);
            two = r + 1 < pl[k].rows;
            /* plain stores where they fit: masked ones are slow on some CPUs */
            switch (pl[k].cols) {
            case 4:
                _mm_storeu_ps(dst, lo);
                if (two) _mm_storeu_ps(dst + ow, hi);
                break;
            case 2:
                _mm_storel_pi((__m64 *)dst, lo);
                if (two) _mm_storel_pi((__m64 *)(dst + ow), hi);
                break;
            case 1:
                _mm_store_ss(dst, lo);
                if (two) _mm_store_ss(dst + ow, hi);
                break;
            default: {
                const __m128i mask = _mm_setr_epi32(-1, -1, -1, 0);
                _mm_maskstore_ps(dst, mask, lo);
                if (two) _mm_maskstore_ps(dst + ow, mask, hi);
            }
            }
        }
    }
}

/* The three kernels for each tile kind (the sides are constants in each copy). */
#define MG_WINO_KIND_KERNELS(MR, MC)                                                             \
    MG_TARGET_AVX2 static void mg_wino_input8_##MR##MC(const float *x, int64_t w,                \
                                                       const mg_wino_place *pl, float *v,        \
                                                       int64_t vs)                               \
    {                                                                                            \
        mg_wino_patches8(0, MR, MC, x, w, pl, v, vs);                                            \
    }                                                                                            \
    MG_TARGET_AVX2 static void mg_wino_grad8_##MR##MC(const float *gy, int64_t ow,               \
                                                      const mg_wino_place *pl, float *y,         \
                                                      int64_t ys)                                \
    {                                                                                            \
        mg_wino_patches8(1, MR, MC, gy, ow, pl, y, ys);                                          \
    }                                                                                            \
    MG_TARGET_AVX2 static void mg_wino_output8_##MR##MC(const float *m, int64_t ms, float bias, \
                                                        const mg_wino_place *pl, float *out,     \
                                                        int64_t ow)                              \
    {                                                                                            \
        mg_wino_output8(MR, MC, m, ms, bias, pl, out, ow);                                       \
    }
MG_WINO_KIND_KERNELS(6, 6)
MG_WINO_KIND_KERNELS(6, 4)
MG_WINO_KIND_KERNELS(6, 2)
MG_WINO_KIND_KERNELS(4, 6)
MG_WINO_KIND_KERNELS(4, 4)
MG_WINO_KIND_KERNELS(4, 2)
MG_WINO_KIND_KERNELS(2, 6)
MG_WINO_KIND_KERNELS(2, 4)
MG_WINO_KIND_KERNELS(2, 2)
#undef MG_WINO_KIND_KERNELS

/* The AVX2 kernels of one tile kind. */
typedef struct {
    void (*input8)(const float *, int64_t, const mg_wino_place *, float *, int64_t);
    void (*grad8)(const float *, int64_t, const mg_wino_place *, float *, int64_t);
    void (*output8)(const float *, int64_t, float, const mg_wino_place *, float *, int64_t);
} mg_wino_avx2_kernels;

static mg_wino_avx2_kernels mg_wino_avx2_for(int mr, int mc)
{
#define MG_WINO_KIND(MR, MC)                                                                     \
    {mg_wino_input8_##MR##MC, mg_wino_grad8_##MR##MC, mg_wino_output8_##MR##MC}
    static const mg_wino_avx2_kernels kinds[3][3] = {
        {MG_WINO_KIND(6, 6), MG_WINO_KIND(6, 4), MG_WINO_KIND(6, 2)},
        {MG_WINO_KIND(4, 6), MG_WINO_KIND(4, 4), MG_WINO_KIND(4, 2)},
        {MG_WINO_KIND(2, 6), MG_WINO_KIND(2, 4), MG_WINO_KIND(2, 2)}};
#undef MG_WINO_KIND
    return kinds[(6 - mr) / 2][(6 - mc) / 2];
}
#endif

#endif /* MG_WINO_COMMON */

/* Applies to plain 3x3 stride-1 convolutions where it was faster than the GEMM path in one-off
 * timings of both on the development machine (1 thread): from 16 input and output channels
 * (at 8 the transforms cost what the products save; the first layer of a network, 1 or 3
 * channels, stays on im2col), and from 16 tiles of 4x4 (below, transforming the weight costs
 * more than the products save). */
static int FN(wino_applies)(const mg_conv_geom *g)
{
    int64_t tiles;
    if (g->kh != 3 || g->kw != 3 || g->sh != 1 || g->sw != 1 || g->dh != 1 || g->dw != 1 ||
        g->groups != 1 || g->c < 16 || g->o < 16 || g->c > MG_WINO_MAX || g->o > MG_WINO_MAX ||
        g->oh < 4 || g->ow < 4 || g->oh > MG_WINO_MAX || g->ow > MG_WINO_MAX)
        return 0;
    /* the geometry check bounds n * oh * ow, so this product cannot overflow */
    tiles = g->n * ((g->oh + 3) / 4) * ((g->ow + 3) / 4);
    return tiles >= 16;
}

/* The 1-D transforms for a tile side m (6, 4 or 2), each on `len` lanes at once (lane l of value
 * k at in[k*is + l], results at out[k*os + l]); a 2-D transform applies one along the rows
 * of the patches and one along their columns. B^T d: m + 2 -> m + 2 values. */
static MG_INLINE void FN(wino_bt)(int m, const T *in, int64_t is, T *out, int64_t os,
                                  int len)
{
    int l;
    for (l = 0; l < len; l++) {
        const T d0 = in[l], d1 = in[is + l], d2 = in[2 * is + l], d3 = in[3 * is + l];
        if (m == 6) {
            const T d4 = in[4 * is + l], d5 = in[5 * is + l], d6 = in[6 * is + l];
            const T d7 = in[7 * is + l];
            T t1 = d2 + d6 - (T)4.25 * d4, t2 = d1 + d5 - (T)4.25 * d3;
            out[l] = d0 - d6 + (T)5.25 * (d4 - d2);
            out[7 * os + l] = d7 - d1 + (T)5.25 * (d3 - d5);
            out[os + l] = t1 + t2;
            out[2 * os + l] = t1 - t2;
            t1 = d6 + (T)0.25 * d2 - (T)1.25 * d4;
            t2 = (T)0.5 * d1 - (T)2.5 * d3 + 2 * d5;
            out[3 * os + l] = t1 + t2;
            out[4 * os + l] = t1 - t2;
            t1 = d6 + 4 * (d2 - (T)1.25 * d4);
            t2 = 2 * d1 - (T)2.5 * d3 + (T)0.5 * d5;
            out[5 * os + l] = t1 + t2;
            out[6 * os + l] = t1 - t2;
        } else if (m == 4) {
            const T d4 = in[4 * is + l], d5 = in[5 * is + l];
            out[l] = 4 * d0 - 5 * d2 + d4;
            out[os + l] = -4 * (d1 + d2) + (d3 + d4);
            out[2 * os + l] = 4 * (d1 - d2) + (d4 - d3);
            out[3 * os + l] = 2 * (d3 - d1) + (d4 - d2);
            out[4 * os + l] = 2 * (d1 - d3) + (d4 - d2);
            out[5 * os + l] = 4 * d1 - 5 * d3 + d5;
        } else {
            out[l] = d0 - d2;
            out[os + l] = d1 + d2;
            out[2 * os + l] = d2 - d1;
            out[3 * os + l] = d1 - d3;
        }
    }
}

/* A^T v (m + 2 -> m): the output. */
static MG_INLINE void FN(wino_at)(int m, const T *in, int64_t is, T *out, int64_t os,
                                  int len)
{
    int l;
    for (l = 0; l < len; l++) {
        const T v0 = in[l], v1 = in[is + l], v2 = in[2 * is + l], v3 = in[3 * is + l];
        if (m == 6) {
            const T v4 = in[4 * is + l], v5 = in[5 * is + l], v6 = in[6 * is + l];
            const T s1 = v1 + v2, d1 = v1 - v2, s3 = v3 + v4, d3 = v3 - v4, s5 = v5 + v6,
                    d5 = v5 - v6;
            out[l] = v0 + s1 + s3 + s5;
            out[os + l] = d1 + 2 * d3 + (T)0.5 * d5;
            out[2 * os + l] = s1 + 4 * s3 + (T)0.25 * s5;
            out[3 * os + l] = d1 + 8 * d3 + (T)0.125 * d5;
            out[4 * os + l] = s1 + 16 * s3 + (T)0.0625 * s5;
            out[5 * os + l] = d1 + 32 * d3 + (T)0.03125 * d5 + in[7 * is + l];
        } else if (m == 4) {
            const T v4 = in[4 * is + l], v5 = in[5 * is + l];
            const T s12 = v1 + v2, d12 = v1 - v2, s34 = v3 + v4, d34 = v3 - v4;
            out[l] = v0 + s12 + s34;
            out[os + l] = d12 + 2 * d34;
            out[2 * os + l] = s12 + 4 * s34;
            out[3 * os + l] = d12 + 8 * d34 + v5;
        } else {
            out[l] = v0 + v1 + v2;
            out[os + l] = v1 - v2 - v3;
        }
    }
}

/* A dy (m -> m + 2): the output gradient, for the weight gradient. */
static MG_INLINE void FN(wino_a)(int m, const T *in, int64_t is, T *out, int64_t os,
                                 int len)
{
    int l;
    for (l = 0; l < len; l++) {
        const T d0 = in[l], d1 = in[is + l];
        if (m == 6) {
            /* even and odd parts at the points 1, 2 and 1/2 */
            const T d2 = in[2 * is + l], d3 = in[3 * is + l], d4 = in[4 * is + l],
                    d5 = in[5 * is + l];
            const T e1 = d0 + d2 + d4, o1 = d1 + d3 + d5;
            const T e2 = d0 + 4 * d2 + 16 * d4, o2 = 2 * d1 + 8 * d3 + 32 * d5;
            const T e3 = d0 + (T)0.25 * d2 + (T)0.0625 * d4;
            const T o3 = (T)0.5 * d1 + (T)0.125 * d3 + (T)0.03125 * d5;
            out[l] = d0;
            out[os + l] = e1 + o1;
            out[2 * os + l] = e1 - o1;
            out[3 * os + l] = e2 + o2;
            out[4 * os + l] = e2 - o2;
            out[5 * os + l] = e3 + o3;
            out[6 * os + l] = e3 - o3;
            out[7 * os + l] = d5;
        } else if (m == 4) {
            const T d2 = in[2 * is + l], d3 = in[3 * is + l];
            const T s02 = d0 + d2, s13 = d1 + d3, q02 = d0 + 4 * d2, q13 = 2 * d1 + 8 * d3;
            out[l] = d0;
            out[os + l] = s02 + s13;
            out[2 * os + l] = s02 - s13;
            out[3 * os + l] = q02 + q13;
            out[4 * os + l] = q02 - q13;
            out[5 * os + l] = d3;
        } else {
            out[l] = d0;
            out[os + l] = d0 + d1;
            out[2 * os + l] = d0 - d1;
            out[3 * os + l] = -d1;
        }
    }
}

/* The portable twins of the AVX2 kernels above, on `len` <= 8 tiles of the kind of q: the
 * patches gathered into a small buffer, then the lane loops. FN(wino_patch_lanes) is
 * mg_wino_patches8: the input's V = B_r^T d B_c (grad = 0, points vs apart) or the output
 * gradient's Y = A_r dy A_c^T (grad = 1, points ms apart), src at the channel's sample 0. */
static void FN(wino_patch_lanes)(const mg_wino_geom *q, int grad, const T *src,
                                 const mg_wino_place *pl, int len, T *z)
{
    T patch[MG_WINO_XMAX * MG_WINO_GROUP], tmp[MG_WINO_XMAX * MG_WINO_GROUP];
    const int G = MG_WINO_GROUP, ac = q->ac;
    const int rows = grad ? q->mr : q->ar, cols = grad ? q->mc : q->ac; /* of a patch */
    const int64_t stride = grad ? q->ow : q->w, zs = grad ? q->ms : q->vs;
    void (*row_t)(int, const T *, int64_t, T *, int64_t, int) = grad ? FN(wino_a) : FN(wino_bt);
    int i, j, k;
    for (k = 0; k < len; k++)
        for (i = 0; i < rows; i++)
            for (j = 0; j < cols; j++) {
                const int inside = grad ? i < pl[k].rows && j < pl[k].cols
                                        : (pl[k].in_rows >> i & 1) && pl[k].in_cols[j];
                patch[(i * cols + j) * G + k] =
                    inside ? src[(grad ? pl[k].at_out : pl[k].at_in) + i * stride + j] : 0;
            }
    /* rows, tmp[i][b] = the row transform of patch row i, then columns, z[a][b] */
    for (i = 0; i < rows; i++) row_t(q->mc, patch + i * cols * G, G, tmp + i * ac * G, G, len);
    for (j = 0; j < ac; j++) row_t(q->mr, tmp + j * G, ac * G, z + j * zs, ac * zs, len);
}

static void FN(wino_output_lanes)(const mg_wino_geom *q, const T *m, T bias,
                                  const mg_wino_place *pl, int len, T *out)
{
    T tmp[48 * MG_WINO_GROUP], tile[36 * MG_WINO_GROUP];
    const int G = MG_WINO_GROUP, mr = q->mr, mc = q->mc, ac = q->ac;
    int j, r, c, k;
    /* columns, tmp[r][j] = (A_r^T M)[r][j], then rows, tile[r][c] = (tmp A_c)[r][c] */
    for (j = 0; j < ac; j++) FN(wino_at)(mr, m + j * q->ms, ac * q->ms, tmp + j * G, ac * G, len);
    for (r = 0; r < mr; r++) FN(wino_at)(mc, tmp + r * ac * G, G, tile + r * mc * G, G, len);
    for (k = 0; k < len; k++) {
        T *ys = out + pl[k].at_out;
        for (r = 0; r < pl[k].rows; r++)
            for (c = 0; c < pl[k].cols; c++) ys[r * q->ow + c] = tile[(r * mc + c) * G + k] + bias;
    }
}

/* Element (xi, ch, l) of a block's transformed matrices V (or Y) lies at
 * base + xi*stride + (l / ln)*(rows*ln) + ch*ln + l % ln: with ln = pb, each point is a plain
 * rows x pb matrix; with ln the GEMM's sliver width, it is already packed as the GEMM's B. */
static inline T *FN(wino_lane)(T *base, int64_t rows, int64_t ln, int64_t ch, int64_t l)
{
    return base + (l / ln) * rows * ln + ch * ln + l % ln;
}

/* Asks for the planes of channel ch of samples [s0, s1] of `planes` (n, channels, plane) to be
 * brought into the cache: the next channel's, while this one is transformed (its masked loads
 * of 8 scattered rows would otherwise wait for memory whenever the passes of a training step
 * have pushed the tensor out of the cache). */
static inline void FN(wino_prefetch)(const T *planes, int64_t channels, int64_t plane,
                                     int64_t ch, int64_t s0, int64_t s1)
{
    int64_t s, e;
    for (s = s0; s <= s1; s++)
        for (e = 0; e < plane; e += 64 / (int64_t)sizeof(T))
            __builtin_prefetch(planes + (s * channels + ch) * plane + e);
}

/* The transformed patches of a block's tiles (lenp lanes, see mg_wino_places; of samples s0
 * to s1), 8 tiles of a channel at a time: the input's V (grad = 0, packed in slivers of ln
 * lanes, see FN(wino_lane)) or the output gradient's Y (grad = 1, plain rows: ln = pb). */
static MG_INLINE void FN(wino_patches_body)(const mg_wino_geom *q, int grad, const T *src,
                                            const mg_wino_place *pl, int64_t lenp, T *Z,
                                            int64_t ln, int64_t s0, int64_t s1)
{
    const int G = MG_WINO_GROUP < ln ? MG_WINO_GROUP : (int)ln;
    const int64_t channels = grad ? q->cout : q->cin, plane = grad ? q->oh * q->ow : q->h * q->w;
    int64_t ch, l;
#if MG_X86_SIMD
    const int avx2 = sizeof(T) == sizeof(float) && G == 8 && mg_simd_level() >= MG_SIMD_AVX2;
    const mg_wino_avx2_kernels kern = mg_wino_avx2_for(q->mr, q->mc);
    void (*patches8)(const float *, int64_t, const mg_wino_place *, float *, int64_t) =
        grad ? kern.grad8 : kern.input8;
    const int64_t stride = grad ? q->ow : q->w, zs = grad ? q->ms : q->vs;
#endif
    for (ch = 0; ch < channels; ch++) {
        const T *sc = src + ch * plane;
        if (ch + 1 < channels) FN(wino_prefetch)(src, channels, plane, ch + 1, s0, s1);
        l = 0;
#if MG_X86_SIMD
        if (avx2)
            for (; l < lenp; l += 8)
                patches8((const float *)sc, stride, pl + l,
                         (float *)FN(wino_lane)(Z, channels, ln, ch, l), zs);
#endif
        for (; l < lenp; l += G)
            FN(wino_patch_lanes)(q, grad, sc, pl + l, G, FN(wino_lane)(Z, channels, ln, ch, l));
    }
}

/* out tiles = A_r^T M A_c (+ bias) for a block's tiles, written into out (n, cout, oh, ow). */
static MG_INLINE void FN(wino_output_body)(const mg_wino_geom *q, const T *M,
                                           const T *bias, const mg_wino_place *pl,
                                           int64_t lenp, T *out)
{
    const int64_t plane = q->oh * q->ow;
    int64_t co, l;
#if MG_X86_SIMD
    const int avx2 = sizeof(T) == sizeof(float) && mg_simd_level() >= MG_SIMD_AVX2;
    const mg_wino_avx2_kernels kern = mg_wino_avx2_for(q->mr, q->mc);
#endif
    for (co = 0; co < q->cout; co++) {
        const T bv = bias ? bias[co] : (T)0;
        l = 0;
#if MG_X86_SIMD
        if (avx2)
            for (; l < lenp; l += 8)
                kern.output8((const float *)M + co * q->pb + l, q->ms, (float)bv, pl + l,
                             (float *)out + co * plane, q->ow);
#endif
        for (; l < lenp; l += MG_WINO_GROUP)
            FN(wino_output_lanes)(q, M + co * q->pb + l, bv, pl + l, MG_WINO_GROUP,
                                  out + co * plane);
    }
}

/* M[xi] (cout x lenp, rows pb apart) = U[xi] V[xi]: V is packed as the GEMM's B (slivers of
 * NR lanes) and U by FN(prepack_a) (its rows padded with zeros to whole slivers of MR), so the
 * micro-kernels run on them directly, writing whole tiles (M has the padding rows too). */
static MG_INLINE void FN(wino_products)(const mg_wino_geom *q, const CFG *cf, const T *Up,
                                        int64_t asz, const T *V, int64_t lenp, T *M)
{
    const int64_t MR = cf->mr, NR = cf->nr, kslab = FN(kslab)(cf, q->cin);
    const int64_t mpad = (q->cout + MR - 1) / MR * MR;
    int64_t xi, pc, j, i;
    for (xi = 0; xi < q->X; xi++)
        for (pc = 0; pc < q->cin; pc += kslab) {
            const int64_t kc = q->cin - pc < kslab ? q->cin - pc : kslab;
            const T *ap = Up + xi * asz + pc * mpad;
            for (j = 0; j < lenp; j += NR)
                for (i = 0; i < mpad; i += MR)
                    cf->ukr(kc, ap + i * kc, V + xi * q->vs + j * q->cin + pc * NR,
                            M + xi * q->ms + i * q->pb + j, q->pb, (T)1, pc ? (T)1 : (T)0);
        }
}

/* Q[xi] (cout x cin, rows cin apart, points qs apart) = beta Q[xi] + Y[xi] V[xi]^T over a
 * block's len tiles: Y[xi] (plain rows) packed as the GEMM's A into ap, V[xi]^T as its B
 * into bp, then the micro-kernels (k = len <= pb, one slab). */
static MG_INLINE void FN(wino_wgrad_products)(const mg_wino_geom *q, const CFG *cf,
                                              const T *Y, const T *V, int64_t len, T beta,
                                              T *Q, T *ap, T *bp)
{
    const int64_t NR = cf->nr;
    T tile[6 * 32]; /* the edge tiles when cout or cin are not multiples of MR or NR */
    int64_t xi, j;
    for (xi = 0; xi < q->X; xi++) {
        FN(pack_a)(q->cout, len, Y + xi * q->ms, q->pb, 1, ap, cf);
        FN(pack_b)(len, q->cin, V + xi * q->vs, 1, q->pb, bp, cf);
        for (j = 0; j < q->cin; j += NR)
            FN(sliver_times_block)(cf, q->cout, q->cin - j < NR ? q->cin - j : NR, len, ap,
                                   bp + j * len, Q + xi * q->qs + j, q->cin, (T)1, beta, tile);
    }
}

/* Scratch of one thread, in this order: V (X*cin*pb), M or Y (X*cout*pb), for the weight
 * gradient (`wgrad`) the packed operands of FN(wino_wgrad_products), then the tile places.
 * Sets the offsets of the parts after V, in elements, and returns the total. */
static int64_t FN(wino_parts)(const mg_wino_geom *q, const CFG *cf, int wgrad, int64_t off[4])
{
    const int64_t places = q->pb * (int64_t)sizeof(mg_wino_place) / (int64_t)sizeof(T) + 1;
    const int64_t apad = (q->cout + cf->mr - 1) / cf->mr * cf->mr;
    const int64_t bpad = (q->cin + cf->nr - 1) / cf->nr * cf->nr;
    off[0] = q->X * q->vs;                                  /* M or Y */
    off[1] = off[0] + q->X * q->ms;                         /* packed Y */
    off[2] = off[1] + (wgrad ? FN(lines)(apad * q->pb) : 0); /* packed V^T */
    off[3] = off[2] + (wgrad ? FN(lines)(bpad * q->pb) : 0); /* places */
    return off[3] + FN(lines)(places);
}

static int64_t FN(wino_thread_elems)(const mg_wino_geom *q, const CFG *cf, int wgrad)
{
    int64_t off[4];
    return FN(wino_parts)(q, cf, wgrad, off);
}

typedef struct {
    T *V, *MY, *ap, *bp;
    mg_wino_place *pl;
} FN(wino_bufs);

static FN(wino_bufs) FN(wino_split)(const mg_wino_geom *q, const CFG *cf, int wgrad, T *base)
{
    FN(wino_bufs) b;
    int64_t off[4];
    FN(wino_parts)(q, cf, wgrad, off);
    b.V = base;
    b.MY = base + off[0];
    b.ap = base + off[1];
    b.bp = base + off[2];
    b.pl = (mg_wino_place *)(base + off[3]);
    return b;
}

/* Tiles of a block rounded up to whole lane quanta. */
static inline int64_t FN(wino_lenp)(const mg_wino_geom *q, int64_t len)
{
    return (len + q->quantum - 1) / q->quantum * q->quantum;
}

/* One block of the forward: transform the input, X products, transform back. */
static MG_INLINE void FN(wino_fwd_block_body)(const mg_wino_geom *q, const CFG *cf,
                                              const T *in, const T *Up, int64_t asz,
                                              const T *bias, T *out, int64_t p0,
                                              int64_t len, const FN(wino_bufs) *b)
{
    const int64_t lenp = FN(wino_lenp)(q, len), per = q->th * q->tw;
    mg_wino_places(q, p0, len, lenp, b->pl);
    FN(wino_patches_body)(q, 0, in, b->pl, lenp, b->V, cf->nr, p0 / per, (p0 + len - 1) / per);
    FN(wino_products)(q, cf, Up, asz, b->V, lenp, b->MY);
    FN(wino_output_body)(q, b->MY, bias, b->pl, lenp, out);
}

/* One block of the weight gradient: Q[xi] (cout x cin) = (first ? 0 : Q[xi]) + Y[xi] V[xi]^T. */
static MG_INLINE void FN(wino_wgrad_block_body)(const mg_wino_geom *q, const CFG *cf,
                                                const T *x, const T *gy, T *Q, int first,
                                                int64_t p0, int64_t len,
                                                const FN(wino_bufs) *b)
{
    const int64_t lenp = FN(wino_lenp)(q, len), per = q->th * q->tw;
    const int64_t s0 = p0 / per, s1 = (p0 + len - 1) / per; /* the block's samples */
    mg_wino_places(q, p0, len, lenp, b->pl);
    FN(wino_patches_body)(q, 0, x, b->pl, lenp, b->V, q->pb, s0, s1);
    FN(wino_patches_body)(q, 1, gy, b->pl, lenp, b->MY, q->pb, s0, s1);
    /* k = len: the padding lanes hold copies of the last tile and must not count */
    FN(wino_wgrad_products)(q, cf, b->MY, b->V, len, first ? (T)0 : (T)1, Q, b->ap, b->bp);
}

MG_SIMD_TWINS(wino_fwd_block,
              (const mg_wino_geom *q, const CFG *cf, const T *in, const T *Up, int64_t asz,
               const T *bias, T *out, int64_t p0, int64_t len, const FN(wino_bufs) *b),
              (q, cf, in, Up, asz, bias, out, p0, len, b))
MG_SIMD_TWINS(wino_wgrad_block,
              (const mg_wino_geom *q, const CFG *cf, const T *x, const T *gy, T *Q, int first,
               int64_t p0, int64_t len, const FN(wino_bufs) *b),
              (q, cf, x, gy, Q, first, p0, len, b))

/* out = conv(in, U) for a transformed, packed weight Up (X matrices of cout x cin, each
 * FN(prepack_a)-ed at Up + xi * asz). */
static int FN(wino_run_forward)(const mg_wino_geom *q, const CFG *cf, const T *in, const T *Up,
                                int64_t asz, const T *bias, T *out)
{
    int64_t per, total;
    int nt = mg_get_num_threads(), t;
    T *scratch;
    void (*block)(const mg_wino_geom *, const CFG *, const T *, const T *, int64_t, const T *,
                  T *, int64_t, int64_t, const FN(wino_bufs) *) = MG_SIMD_PICK(wino_fwd_block);
    if ((int64_t)nt > q->blocks) nt = (int)q->blocks;
    per = FN(wino_thread_elems)(q, cf, 0);
    if (!mg_mul_ok(per, nt, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    scratch = (T *)mg_aligned_alloc((size_t)total);
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        FN(wino_bufs) b = FN(wino_split)(q, cf, 0, scratch + t * per);
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

/* U[xi] (rows us apart) = G_r g G_c^T for every pair (co, ci) (see FN(wino_pack_weight)): in
 * double, one output channel at a time with the input channels innermost (contiguous in U, so
 * the loops vectorise); gg is scratch of 33*cin doubles. */
static MG_INLINE void FN(wino_weight_u_body)(const mg_wino_geom *q, const T *w, int adjoint,
                                             T *u, int64_t us, double *gg)
{
    const int64_t cout = q->cout, cin = q->cin;
    const double(*gr)[3] = mg_wino_gmat(q->mr), (*gc)[3] = mg_wino_gmat(q->mc);
    double *t1 = gg + 9 * cin; /* gg[i*3 + j][ci] = g[i][j], t1[a*3 + j][ci] = (G_r g)[a][j] */
    int64_t co, ci;
    int a, b, i, j;
    for (co = 0; co < cout; co++) {
        for (i = 0; i < 3; i++)
            for (j = 0; j < 3; j++)
                for (ci = 0; ci < cin; ci++)
                    gg[(i * 3 + j) * cin + ci] =
                        adjoint ? (double)w[((ci * cout + co) * 3 + 2 - i) * 3 + 2 - j]
                                : (double)w[((co * cin + ci) * 3 + i) * 3 + j];
        for (a = 0; a < q->ar; a++)
            for (j = 0; j < 3; j++)
                for (ci = 0; ci < cin; ci++)
                    t1[(a * 3 + j) * cin + ci] = gr[a][0] * gg[j * cin + ci] +
                                                 gr[a][1] * gg[(3 + j) * cin + ci] +
                                                 gr[a][2] * gg[(6 + j) * cin + ci];
        for (a = 0; a < q->ar; a++)
            for (b = 0; b < q->ac; b++) {
                const double *t = t1 + a * 3 * cin;
                T *ub = u + (a * q->ac + b) * us + co * cin;
                for (ci = 0; ci < cin; ci++)
                    ub[ci] = (T)(t[ci] * gc[b][0] + t[cin + ci] * gc[b][1] +
                                 t[2 * cin + ci] * gc[b][2]);
            }
    }
}

MG_SIMD_TWINS(wino_weight_u,
              (const mg_wino_geom *q, const T *w, int adjoint, T *u, int64_t us, double *gg),
              (q, w, adjoint, u, us, gg))

/* Transforms and packs a weight for FN(wino_run_forward) of the kind of q: U[xi] = G_r g G_c^T
 * for g the 3x3 filter w[co][ci] or, with `adjoint`, the flipped w[ci][co] (w is then
 * (cin, cout, 3, 3) as stored for the original convolution whose input gradient this is). */
static T *FN(wino_pack_weight)(const mg_wino_geom *q, const CFG *cf, const T *w, int adjoint,
                               int64_t *asz)
{
    const int64_t cout = q->cout, cin = q->cin;
    /* U[xi] are one cache line more than cout*cin apart (powers of two would alias in L1) */
    int64_t xi, us = cout * cin + 64 / (int64_t)sizeof(T), usz = q->X * us, size;
    double *gg;
    T *packed, *u;
    *asz = FN(lines)(FN(apacked_size)(cf, cout, cin));
    if (!mg_mul_ok(*asz, q->X, &size) || !mg_add_ok(size, usz, &size) ||
        !mg_mul_ok(size, (int64_t)sizeof(T), &size))
        return NULL;
    packed = (T *)mg_aligned_alloc((size_t)size);
    gg = (double *)malloc((size_t)(33 * cin) * sizeof(double));
    if (!packed || !gg) {
        mg_aligned_free(packed);
        free(gg);
        return NULL;
    }
    u = packed + q->X * *asz;
    MG_SIMD_PICK(wino_weight_u)(q, w, adjoint, u, us, gg);
    free(gg);
    for (xi = 0; xi < q->X; xi++)
        FN(prepack_a)(cf, cout, cin, u + xi * us, cin, 1, packed + xi * *asz);
    return packed;
}

/* out = conv(in, w) for a convolution of n samples, in (n, cin, h, w) -> out (n, cout, oh, ow)
 * with padding (ph, pw), one tile kind after the other: w is (cout, cin, 3, 3) or, with
 * `adjoint`, the weight (cin, cout, 3, 3) of the convolution whose input gradient this is
 * (FN(wino_pack_weight)). */
static int FN(wino_conv)(int64_t n, int64_t cin, int64_t h, int64_t w_, int64_t cout,
                         int64_t oh, int64_t ow, int64_t ph, int64_t pw, const T *in, const T *w,
                         int adjoint, const T *bias, T *out)
{
    CFG cf;
    int kind, err = MG_OK;
    CFG_GET(mg_simd_level(), &cf);
    for (kind = 0; kind < 4 && !err; kind++) {
        mg_wino_geom q;
        int64_t asz;
        T *up;
        /* V is packed in slivers of NR lanes, transformed in groups of 8 */
        if (!mg_wino_geom_init(&q, n, cin, h, w_, cout, oh, ow, ph, pw, kind / 2, kind % 2,
                               sizeof(T), MG_WINO_FWD_BLOCK_BYTES,
                               cf.nr > MG_WINO_GROUP ? cf.nr : MG_WINO_GROUP, cf.mr,
                               mg_get_num_threads()))
            continue;
        up = FN(wino_pack_weight)(&q, &cf, w, adjoint, &asz);
        if (!up) return MG_ENOMEM;
        err = FN(wino_run_forward)(&q, &cf, in, up, asz, bias, out);
        mg_aligned_free(up);
    }
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

/* dg[co][ci] += G_r^T Q G_c for one kind's sum Q (point xi of pair (co, ci) at
 * Q[xi*qs + co*cin + ci]): one output channel at a time, the input channels innermost (t1 is
 * scratch of 24*cin doubles). */
static MG_INLINE void FN(wino_weight_from_q_body)(const mg_wino_geom *q, const T *Q,
                                                  double *t1, double *dg)
{
    const double(*gr)[3] = mg_wino_gmat(q->mr), (*gc)[3] = mg_wino_gmat(q->mc);
    const int64_t cin = q->cin;
    int64_t co, ci;
    int a, b, i, j;
    for (co = 0; co < q->cout; co++) {
        /* t1[i*8 + b][ci] = (G_r^T Q)[i][b] */
        for (i = 0; i < 3; i++)
            for (b = 0; b < q->ac; b++) {
                double *t = t1 + (i * 8 + b) * cin;
                for (ci = 0; ci < cin; ci++) t[ci] = 0;
                for (a = 0; a < q->ar; a++) {
                    const T *qa = Q + (a * q->ac + b) * q->qs + co * cin;
                    const double gai = gr[a][i];
                    for (ci = 0; ci < cin; ci++) t[ci] += gai * (double)qa[ci];
                }
            }
        for (i = 0; i < 3; i++)
            for (j = 0; j < 3; j++) {
                double *d = dg + co * cin * 9 + i * 3 + j; /* (co, ci, i, j) at d[ci * 9] */
                for (b = 0; b < q->ac; b++) {
                    const double *t = t1 + (i * 8 + b) * cin, gbj = gc[b][j];
                    for (ci = 0; ci < cin; ci++) d[ci * 9] += t[ci] * gbj;
                }
            }
    }
}

MG_SIMD_TWINS(wino_weight_from_q,
              (const mg_wino_geom *q, const T *Q, double *t1, double *dg), (q, Q, t1, dg))

/* One kind's share of the weight gradient, added to dg (see the top). */
static int FN(wino_weight_grad_kind)(const mg_wino_geom *q, const CFG *cf, const T *x,
                                     const T *gy, double *t1, double *dg)
{
    int64_t per, qsz, total;
    int nt = mg_get_num_threads(), t;
    T *scratch;
    void (*block)(const mg_wino_geom *, const CFG *, const T *, const T *, T *, int, int64_t,
                  int64_t, const FN(wino_bufs) *) = MG_SIMD_PICK(wino_wgrad_block);
    if ((int64_t)nt > q->blocks) nt = (int)q->blocks;
    /* per thread: its sum Q (X matrices cout x cin, q->qs apart), then the block buffers */
    qsz = FN(lines)(q->X * q->qs);
    per = qsz + FN(wino_thread_elems)(q, cf, 1);
    if (!mg_mul_ok(per, nt, &total) || !mg_mul_ok(total, (int64_t)sizeof(T), &total))
        return MG_EOVERFLOW;
    scratch = (T *)mg_aligned_alloc((size_t)total);
    if (!scratch) return MG_ENOMEM;
    MG_PARALLEL_FOR(t, nt, {
        T *Q = scratch + t * per;
        FN(wino_bufs) b = FN(wino_split)(q, cf, 1, Q + qsz);
        int64_t b0, b1, blk;
        mg_conv_share(q->blocks, t, nt, &b0, &b1);
        for (blk = b0; blk < b1; blk++) {
            int64_t p0 = blk * q->pb, len = q->tiles - p0 < q->pb ? q->tiles - p0 : q->pb;
            block(q, cf, x, gy, Q, blk == b0, p0, len, &b);
        }
    });
    /* ranges are never empty (nt <= blocks); their sums are added in range order */
    for (t = 1; t < nt; t++) {
        const T *p = scratch + t * per;
        int64_t xi, i;
        for (xi = 0; xi < q->X; xi++)
            for (i = 0; i < q->cout * q->cin; i++) scratch[xi * q->qs + i] += p[xi * q->qs + i];
    }
    MG_SIMD_PICK(wino_weight_from_q)(q, scratch, t1, dg);
    mg_aligned_free(scratch);
    return MG_OK;
}

/* gw = sum over samples and positions of gy (x) shifted x, summed over the tile kinds. */
static int FN(wino_weight_grad)(const mg_conv_geom *g, const T *x, const T *gy, T *gw)
{
    const int64_t size = g->o * g->c * 9;
    CFG cf;
    int64_t i;
    int kind, err = MG_OK;
    /* the weight gradient, summed in double, then scratch for FN(wino_weight_from_q) */
    double *dg = (double *)calloc((size_t)(size + 24 * g->c), sizeof(double));
    if (!dg) return MG_ENOMEM;
    CFG_GET(mg_simd_level(), &cf);
    for (kind = 0; kind < 4 && !err; kind++) {
        mg_wino_geom q;
        /* V and Y are plain rows, transformed in groups of 8 */
        if (mg_wino_geom_init(&q, g->n, g->c, g->h, g->w, g->o, g->oh, g->ow, g->ph, g->pw,
                              kind / 2, kind % 2, sizeof(T), MG_WINO_WGRAD_BLOCK_BYTES,
                              MG_WINO_GROUP, 1, mg_get_num_threads()))
            err = FN(wino_weight_grad_kind)(&q, &cf, x, gy, dg + size, dg);
    }
    for (i = 0; i < size; i++) gw[i] = (T)dg[i];
    free(dg);
    return err;
}

