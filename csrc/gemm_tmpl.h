/* gemm_tmpl.h -- the packed, blocked GEMM driver, instantiated by gemm.c for float and double.
 * Needs: T (element type), SFX (f32 / f64), CFG (config struct), CFG_GET (config getter),
 * API (public non-batched name), API_BATCHED, API_MATMUL.
 *
 * Algorithm (BLIS / how-to-optimize-gemm): for each NC-wide column block of B and KC-deep slab,
 * pack B into NR-wide slivers (stays in L3/L2); for each MC-tall block of A pack it into MR-tall
 * slivers (stays in L2); then the micro-kernel walks NR x MR tiles with one B sliver in L1.
 * Operands are addressed through (row stride, column stride), so transposed and strided views
 * are packed directly, without a copy.
 *
 * Threads split the output into MR/NR-aligned blocks (never the k dimension), so each element of
 * C is computed by exactly the same instruction sequence whatever the thread count: one block
 * per thread, or, when A or B is small, chunks that threads claim as they come.
 */
#define MG_CAT_(a, b) a##_##b
#define MG_CAT(a, b) MG_CAT_(a, b)
#define FN(name) MG_CAT(name, SFX)

/* Copy an mc x kc block of A (element (i, p) at a[i*rsa + p*csa]) into MR-tall slivers:
 * sliver s holds rows [s*MR, s*MR+MR) as kc consecutive columns of MR values; rows past mc are 0. */
static inline void FN(pack_a_impl)(int64_t mc, int64_t kc, const T *MG_RESTRICT a, int64_t rsa,
                                    int64_t csa, T *MG_RESTRICT dst, const int MR, PACK_T simd)
{
    int64_t i0, p;
    int i;
    for (i0 = 0; i0 < mc; i0 += MR) {
        int64_t mr = mc - i0 < MR ? mc - i0 : MR;
        T *d = dst + i0 * kc;
        const T *src = a + i0 * rsa;
        if (mr == MR && csa == 1 && simd) {
            simd(kc, src, rsa, d);
        } else if (mr == MR && csa == 1) {
            for (i = 0; i < MR; i++) {
                const T *s = src + i * rsa;
                for (p = 0; p < kc; p++) d[p * MR + i] = s[p];
            }
        } else if (mr == MR && rsa == 1) {
            for (p = 0; p < kc; p++) {
                const T *s = src + p * csa;
                for (i = 0; i < MR; i++) d[p * MR + i] = s[i];
            }
        } else if (csa == 1) {
            /* the last, partial sliver of a row-major A: rows read contiguously, then zeros */
            for (i = 0; i < mr; i++) {
                const T *s = src + i * rsa;
                for (p = 0; p < kc; p++) d[p * MR + i] = s[p];
            }
            for (i = (int)mr; i < MR; i++)
                for (p = 0; p < kc; p++) d[p * MR + i] = 0;
        } else {
            for (p = 0; p < kc; p++)
                for (i = 0; i < MR; i++) d[p * MR + i] = i < mr ? src[i * rsa + p * csa] : (T)0;
        }
    }
}

/* Copy a kc x nc block of B (element (p, j) at b[p*rsb + j*csb]) into NR-wide slivers. */
static inline void FN(pack_b_impl)(int64_t kc, int64_t nc, const T *MG_RESTRICT b, int64_t rsb,
                                    int64_t csb, T *MG_RESTRICT dst, const int NR, PACK_T simd,
                                    PACK_T simd_n)
{
    int64_t j0, p;
    int j;
    if (csb == 1 && nc >= 2 * NR) {
        /* Row-major B: walk each row once across all full slivers, so rows are read as long
         * runs (what the hardware prefetcher follows) instead of NR-wide pieces. */
        int64_t full = nc / NR, t;
        for (p = 0; p < kc; p++) {
            const T *s = b + p * rsb;
            for (t = 0; t < full; t++) {
                T *d = dst + t * NR * kc + p * NR;
                for (j = 0; j < NR; j++) d[j] = s[t * NR + j];
            }
        }
        j0 = full * NR;
        if (j0 == nc) return;
        FN(pack_b_impl)(kc, nc - j0, b + j0, rsb, csb, dst + j0 * kc, NR, simd, simd_n);
        return;
    }
    for (j0 = 0; j0 < nc; j0 += NR) {
        int64_t nr = nc - j0 < NR ? nc - j0 : NR;
        T *d = dst + j0 * kc;
        const T *src = b + j0 * csb;
        if (nr == NR && csb == 1 && simd_n) {
            simd_n(kc, src, rsb, d);
        } else if (nr == NR && csb == 1) {
            for (p = 0; p < kc; p++) {
                const T *s = src + p * rsb;
                for (j = 0; j < NR; j++) d[p * NR + j] = s[j];
            }
        } else if (nr == NR && rsb == 1 && simd) {
            simd(kc, src, csb, d);
        } else if (nr == NR && rsb == 1) {
            for (j = 0; j < NR; j++) {
                const T *s = src + j * csb;
                for (p = 0; p < kc; p++) d[p * NR + j] = s[p];
            }
        } else if (rsb == 1) {
            /* the last, partial sliver of a transposed B: columns read contiguously, zeros */
            for (j = 0; j < nr; j++) {
                const T *s = src + j * csb;
                for (p = 0; p < kc; p++) d[p * NR + j] = s[p];
            }
            for (p = 0; p < kc; p++)
                for (j = (int)nr; j < NR; j++) d[p * NR + j] = 0;
        } else if (csb == 1) {
            /* the last, partial sliver of a row-major B */
            for (p = 0; p < kc; p++) {
                const T *s = src + p * rsb;
                for (j = 0; j < nr; j++) d[p * NR + j] = s[j];
                for (j = (int)nr; j < NR; j++) d[p * NR + j] = 0;
            }
        } else {
            for (p = 0; p < kc; p++)
                for (j = 0; j < NR; j++) d[p * NR + j] = j < nr ? src[p * rsb + j * csb] : (T)0;
        }
    }
}

/* Dispatch on the tile sizes in use so the loops above are compiled with constant bounds. */
static void FN(pack_a)(int64_t mc, int64_t kc, const T *a, int64_t rsa, int64_t csa, T *dst,
                       const CFG *cf)
{
    switch (cf->mr) {
    case 4: FN(pack_a_impl)(mc, kc, a, rsa, csa, dst, 4, cf->pack_a_t); break;
    case 6: FN(pack_a_impl)(mc, kc, a, rsa, csa, dst, 6, cf->pack_a_t); break;
    default: FN(pack_a_impl)(mc, kc, a, rsa, csa, dst, cf->mr, cf->pack_a_t); break;
    }
}

static void FN(pack_b)(int64_t kc, int64_t nc, const T *b, int64_t rsb, int64_t csb, T *dst,
                       const CFG *cf)
{
    switch (cf->nr) {
    case 4: FN(pack_b_impl)(kc, nc, b, rsb, csb, dst, 4, cf->pack_b_t, cf->pack_b_n); break;
    case 8: FN(pack_b_impl)(kc, nc, b, rsb, csb, dst, 8, cf->pack_b_t, cf->pack_b_n); break;
    case 16: FN(pack_b_impl)(kc, nc, b, rsb, csb, dst, 16, cf->pack_b_t, cf->pack_b_n); break;
    case 32: FN(pack_b_impl)(kc, nc, b, rsb, csb, dst, 32, cf->pack_b_t, cf->pack_b_n); break;
    default: FN(pack_b_impl)(kc, nc, b, rsb, csb, dst, cf->nr, cf->pack_b_t, cf->pack_b_n); break;
    }
}

/* C[0:mc, 0:nr] (nr <= NR) += the packed A block (mc rows, MR-slivers) times one packed B
 * sliver: the micro-kernel on full tiles, through a scratch tile on the ragged edge. */
static inline void FN(sliver_times_block)(const CFG *cf, int64_t mc, int64_t nr, int64_t kc,
                                          const T *abuf, const T *bp, T *c, int64_t ldc,
                                          T alpha, T bt, T *tile)
{
    const int MR = cf->mr, NR = cf->nr;
    int64_t ir;
    for (ir = 0; ir < mc; ir += MR) {
        int64_t mr = mc - ir < MR ? mc - ir : MR;
        const T *ap = abuf + ir * kc;
        T *cp = c + ir * ldc;
        if (mr == MR && nr == NR) {
            cf->ukr(kc, ap, bp, cp, ldc, alpha, bt);
        } else if (nr == NR && cf->ukr_edge) {
            cf->ukr_edge(kc, ap, bp, cp, ldc, alpha, bt, (int)mr);
        } else {
            int64_t i, j;
            cf->ukr(kc, ap, bp, tile, NR, (T)1, (T)0);
            for (i = 0; i < mr; i++) {
                T *ci = cp + i * ldc;
                const T *ti = tile + i * NR;
                if (bt == 0)
                    for (j = 0; j < nr; j++) ci[j] = alpha * ti[j];
                else
                    for (j = 0; j < nr; j++) ci[j] = alpha * ti[j] + bt * ci[j];
            }
        }
    }
}

/* The depth of gemm_block's k slabs: k cut into equal slabs of at most cf->kc (a thin last slab
 * would cost a full pass over C for little work). It depends on k only, so results stay
 * reproducible; the convolutions' pre-packed weights (conv_tmpl.h) use the same cut. */
static int64_t FN(kslab)(const CFG *cf, int64_t k)
{
    int64_t nk = (k + cf->kc - 1) / cf->kc;
    return (k + nk - 1) / nk;
}

/* One thread's share: C[0:m, 0:n] (already offset) with its own packing buffers. */
static void FN(gemm_block)(const CFG *cf, int64_t m, int64_t n, int64_t k, T alpha, const T *a,
                           int64_t rsa, int64_t csa, const T *b, int64_t rsb, int64_t csb, T beta,
                           T *c, int64_t ldc, T *abuf, T *bbuf)
{
    const int NR = cf->nr;
    int64_t jc, pc, ic, jr;
    int64_t kslab = FN(kslab)(cf, k);
    T tile[6 * 32]; /* edge tiles: the micro-kernel writes here, then the valid part is copied */
    for (jc = 0; jc < n; jc += cf->nc) {
        int64_t nc = n - jc < cf->nc ? n - jc : cf->nc;
        for (pc = 0; pc < k; pc += kslab) {
            int64_t kc = k - pc < kslab ? k - pc : kslab;
            T bt = pc == 0 ? beta : (T)1;
            if (m <= cf->mc) {
                /* One A block: a packed B panel would be used by this block only, so B is
                 * packed in L2-sized pieces right before use (no panel round trip through L3;
                 * rows are still read in runs long enough for the hardware prefetcher). Same
                 * arithmetic as the panel path. */
                int64_t piece = (MG_GEMM_L2_PIECE / (int64_t)sizeof(T)) / kc / NR * NR, j0;
                if (piece < NR) piece = NR;
                FN(pack_a)(m, kc, a + pc * csa, rsa, csa, abuf, cf);
                for (j0 = 0; j0 < nc; j0 += piece) {
                    int64_t np = nc - j0 < piece ? nc - j0 : piece;
                    FN(pack_b)(kc, np, b + pc * rsb + (jc + j0) * csb, rsb, csb, bbuf, cf);
                    for (jr = 0; jr < np; jr += NR) {
                        int64_t nr = np - jr < NR ? np - jr : NR;
                        FN(sliver_times_block)(cf, m, nr, kc, abuf, bbuf + jr * kc,
                                               c + jc + j0 + jr, ldc, alpha, bt, tile);
                    }
                }
                continue;
            }
            FN(pack_b)(kc, nc, b + pc * rsb + jc * csb, rsb, csb, bbuf, cf);
            for (ic = 0; ic < m; ic += cf->mc) {
                int64_t mc = m - ic < cf->mc ? m - ic : cf->mc;
                FN(pack_a)(mc, kc, a + ic * rsa + pc * csa, rsa, csa, abuf, cf);
                for (jr = 0; jr < nc; jr += NR) {
                    int64_t nr = nc - jr < NR ? nc - jr : NR;
                    FN(sliver_times_block)(cf, mc, nr, kc, abuf, bbuf + jr * kc,
                                           c + ic * ldc + jc + jr, ldc, alpha, bt, tile);
                }
            }
        }
    }
}

/* One thread's part of a GEMM whose threads take chunks of C as they come. The smaller operand
 * is packed whole (every k slab) into `whole` once per thread, the other one chunk by chunk into
 * `part`: row chunks of C with all of B (by_rows), or column chunks with all of A. The same
 * micro-kernel calls per element as gemm_block, so the bits do not depend on which thread
 * computes which chunk. */
static void FN(gemm_chunks)(const CFG *cf, int by_rows, int64_t m, int64_t n, int64_t k,
                            T alpha, const T *a, int64_t rsa, int64_t csa, const T *b,
                            int64_t rsb, int64_t csb, T beta, T *c, int64_t ldc, int64_t chunk,
                            int64_t *next, T *whole, T *part)
{
    const int NR = cf->nr;
    /* slab pc of the whole operand starts at whole + padded * pc */
    const int64_t padded = by_rows ? (n + NR - 1) / NR * NR : (m + cf->mr - 1) / cf->mr * cf->mr;
    const int64_t kslab = FN(kslab)(cf, k);
    int64_t x0, pc, ic, jr;
    T tile[6 * 32];
    for (pc = 0; pc < k; pc += kslab) {
        int64_t kc = k - pc < kslab ? k - pc : kslab;
        if (by_rows)
            FN(pack_b)(kc, n, b + pc * rsb, rsb, csb, whole + padded * pc, cf);
        else
            FN(pack_a)(m, kc, a + pc * csa, rsa, csa, whole + padded * pc, cf);
    }
    while ((x0 = mg_claim(next, chunk)) < (by_rows ? m : n)) {
        /* this chunk is C[i0:i1, j0:j1] */
        int64_t i0 = by_rows ? x0 : 0, i1 = by_rows ? (m - x0 < chunk ? m : x0 + chunk) : m;
        int64_t j0 = by_rows ? 0 : x0, j1 = by_rows ? n : (n - x0 < chunk ? n : x0 + chunk);
        for (pc = 0; pc < k; pc += kslab) {
            int64_t kc = k - pc < kslab ? k - pc : kslab;
            const T *ap, *bp;
            if (by_rows) {
                FN(pack_a)(i1 - i0, kc, a + i0 * rsa + pc * csa, rsa, csa, part, cf);
                ap = part;
                bp = whole + padded * pc;
            } else {
                FN(pack_b)(kc, j1 - j0, b + pc * rsb + j0 * csb, rsb, csb, part, cf);
                ap = whole + padded * pc;
                bp = part;
            }
            for (ic = i0; ic < i1; ic += cf->mc) {
                int64_t mc = i1 - ic < cf->mc ? i1 - ic : cf->mc;
                for (jr = j0; jr < j1; jr += NR)
                    FN(sliver_times_block)(cf, mc, j1 - jr < NR ? j1 - jr : NR, kc,
                                           ap + (ic - i0) * kc, bp + (jr - j0) * kc,
                                           c + ic * ldc + jr, ldc, alpha,
                                           pc == 0 ? beta : (T)1, tile);
            }
        }
    }
}

static void FN(scale_c)(int64_t m, int64_t n, T beta, T *c, int64_t ldc)
{
    int64_t i, j;
    for (i = 0; i < m; i++) {
        T *ci = c + i * ldc;
        if (beta == 0)
            for (j = 0; j < n; j++) ci[j] = 0;
        else
            for (j = 0; j < n; j++) ci[j] *= beta;
    }
}

/* Runs one GEMM on up to nt threads. Returns MG_ENOMEM if a packing buffer cannot be had. */
static int FN(gemm_run)(const CFG *cf, int nt, int64_t m, int64_t n, int64_t k, T alpha,
                        const T *a, int64_t rsa, int64_t csa, const T *b, int64_t rsb,
                        int64_t csb, T beta, T *c, int64_t ldc)
{
    const int MR = cf->mr, NR = cf->nr;
    int64_t mt, ntl, best = -1;
    int tm = 1, tn = 1, f, err = MG_OK;
    if (m == 0 || n == 0) return MG_OK;
    if (k == 0 || alpha == 0) {
        FN(scale_c)(m, n, beta, c, ldc);
        return MG_OK;
    }
    mt = (m + MR - 1) / MR; /* tiles along each side */
    ntl = (n + NR - 1) / NR;
    if (nt > 1) {
        int64_t flops_per_thread = m * n / nt * k;
        /* waking a thread team costs microseconds: each thread needs enough work */
        if (flops_per_thread < MG_GEMM_MIN_WORK) nt = (int)(m * n * k / MG_GEMM_MIN_WORK) + 1;
        if (nt > mt * ntl) nt = (int)(mt * ntl);
    }
    if (nt > 1 && (mt * MR < ntl * NR ? mt * MR : ntl * NR) * k * (int64_t)sizeof(T) <=
                      MG_GEMM_WHOLE_BYTES) {
        /* One operand small enough for each thread to keep all of it packed: threads take
         * chunks of C as they come (about four each), so a thread that wakes late or runs on a
         * busy core does less of the work instead of holding the others up at the end. */
        const int by_rows = ntl * NR < mt * MR;
        const int64_t kslab = FN(kslab)(cf, k), step = by_rows ? MR : NR;
        int64_t chunk = ((by_rows ? m : n) / (4 * nt)) / step * step, next = 0;
        size_t whole, part;
        int t;
        /* a chunk's packed slab of the other operand stays in L2 (rows: one A block) */
        int64_t most = by_rows ? cf->mc
                               : MG_GEMM_L2_PIECE / (int64_t)sizeof(T) / kslab / NR * NR;
        if (chunk > most) chunk = most;
        if (chunk < step) chunk = step;
        whole = (size_t)((by_rows ? ntl * NR : mt * MR) * k) * sizeof(T);
        part = (size_t)(kslab * chunk) * sizeof(T);
        MG_PARALLEL_FOR(t, nt, {
            T *buf = (T *)mg_aligned_alloc(whole + part + 64);
            if (!buf) {
                err = MG_ENOMEM;
                mg_claim(&next, by_rows ? m : n); /* the others finish what they hold */
            } else {
                FN(gemm_chunks)(cf, by_rows, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c,
                                ldc, chunk, &next, buf, buf + ((whole + 63) / 64) * 64 / sizeof(T));
                mg_aligned_free(buf);
            }
        });
        return err;
    }
    /* Otherwise each thread gets one block: pick the thread grid tm x tn (tm*tn <= nt) whose
     * busiest thread has the fewest tiles, preferring to split n (each thread then packs a
     * disjoint part of B). */
    for (f = 1; f <= nt; f++) {
        int g = nt / f; /* f rows of threads, g columns */
        int64_t load = ((mt + f - 1) / f) * ((ntl + g - 1) / g);
        if (best < 0 || load < best || (load == best && g > tn)) {
            best = load;
            tm = f;
            tn = g;
        }
    }
    nt = tm * tn;
    {
        /* Buffer sizes for one thread's share (rounded up to whole slivers). */
        int64_t kc = k < cf->kc ? k : cf->kc;
        int64_t msub = ((mt + tm - 1) / tm) * MR, nsub = ((ntl + tn - 1) / tn) * NR;
        int64_t mc = msub < cf->mc ? msub : cf->mc, ncb = nsub < cf->nc ? nsub : cf->nc;
        size_t abytes = (size_t)(mc * kc) * sizeof(T), bbytes = (size_t)(kc * ncb) * sizeof(T);
        int t;
        MG_PARALLEL_FOR(t, nt, {
            int ti = t / tn, tj = t % tn;
            int64_t m0 = mt * ti / tm * MR, m1 = mt * (ti + 1) / tm * MR;
            int64_t n0 = ntl * tj / tn * NR, n1 = ntl * (tj + 1) / tn * NR;
            T *abuf, *bbuf, *heap = NULL;
            /* small problems pack on the stack: no allocator call on the hot path */
            double stackbuf[MG_GEMM_STACK_BYTES / sizeof(double) + 16];
            if (m1 > m) m1 = m;
            if (n1 > n) n1 = n;
            if (m1 > m0 && n1 > n0) {
                if (abytes + bbytes + 128 <= MG_GEMM_STACK_BYTES) {
                    abuf = (T *)(((uintptr_t)stackbuf + 63) & ~(uintptr_t)63);
                } else {
                    abuf = heap = (T *)mg_aligned_alloc(abytes + bbytes + 64);
                }
                if (!abuf) {
                    err = MG_ENOMEM;
                } else {
                    bbuf = abuf + ((abytes + 63) / 64) * 64 / sizeof(T);
                    FN(gemm_block)(cf, m1 - m0, n1 - n0, k, alpha, a + m0 * rsa, rsa, csa,
                                   b + n0 * csb, rsb, csb, beta, c + m0 * ldc + n0, ldc, abuf,
                                   bbuf);
                    mg_aligned_free(heap);
                }
            }
        });
    }
    return err;
}

/* Validates one operand: rows x cols stored with leading dimension ld (row-major). */
static int FN(check_operand)(int64_t rows, int64_t cols, int64_t ld)
{
    int64_t ext;
    if (rows < 0 || cols < 0) return MG_EINVAL;
    if (ld < (cols > 1 ? cols : 1)) return MG_EINVAL;
    if (rows > 0 && (!mg_mul_ok(rows - 1, ld, &ext) || !mg_add_ok(ext, cols, &ext)))
        return MG_EOVERFLOW;
    return MG_OK;
}

static int FN(check_args)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, int64_t lda,
                          int64_t ldb, int64_t ldc)
{
    int err;
    int64_t t;
    if (m < 0 || n < 0 || k < 0) return MG_EINVAL;
    if ((err = FN(check_operand)(trans_a ? k : m, trans_a ? m : k, lda))) return err;
    if ((err = FN(check_operand)(trans_b ? n : k, trans_b ? k : n, ldb))) return err;
    if ((err = FN(check_operand)(m, n, ldc))) return err;
    /* m*n*k is used for the size heuristics. */
    if (!mg_prod4_ok(m, n, k, 1, &t)) return MG_EOVERFLOW;
    return MG_OK;
}

int API(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T *a,
        int64_t lda, const T *b, int64_t ldb, T beta, T *c, int64_t ldc)
{
    CFG cf;
    int err = FN(check_args)(trans_a, trans_b, m, n, k, lda, ldb, ldc);
    if (err) return err;
    CFG_GET(mg_simd_level(), &cf);
    return FN(gemm_run)(&cf, mg_get_num_threads(), m, n, k, alpha, a, trans_a ? 1 : lda,
                        trans_a ? lda : 1, b, trans_b ? 1 : ldb, trans_b ? ldb : 1, beta, c, ldc);
}

int API_MATMUL(const void *a, const void *b, void *c, int64_t m, int64_t n, int64_t k,
               int flags)
{
    int ta = flags & 1, tb = (flags >> 1) & 1;
    if (flags & ~3) return MG_EINVAL;
    return API(ta, tb, m, n, k, (T)1, (const T *)a, ta ? (m > 1 ? m : 1) : (k > 1 ? k : 1),
               (const T *)b, tb ? (k > 1 ? k : 1) : (n > 1 ? n : 1), (T)0, (T *)c,
               n > 1 ? n : 1);
}

int API_BATCHED(int64_t batch, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                T alpha, const T *a, int64_t lda, int64_t stride_a, const T *b, int64_t ldb,
                int64_t stride_b, T beta, T *c, int64_t ldc, int64_t stride_c)
{
    CFG cf;
    int64_t rsa, csa, rsb, csb, i, t;
    int nt, err = FN(check_args)(trans_a, trans_b, m, n, k, lda, ldb, ldc);
    if (err) return err;
    if (batch < 0 || stride_a < 0 || stride_b < 0 || stride_c < 0) return MG_EINVAL;
    if (batch == 0 || m == 0 || n == 0) return MG_OK;
    if (!mg_mul_ok(batch - 1, stride_a, &t) || !mg_mul_ok(batch - 1, stride_b, &t) ||
        !mg_mul_ok(batch - 1, stride_c, &t) || !mg_mul_ok(batch, m * n * k, &t))
        return MG_EOVERFLOW;
    CFG_GET(mg_simd_level(), &cf);
    rsa = trans_a ? 1 : lda;
    csa = trans_a ? lda : 1;
    rsb = trans_b ? 1 : ldb;
    csb = trans_b ? ldb : 1;
    nt = mg_get_num_threads();
    if (stride_c == 0) {
        /* Reduction over the batch: strictly in batch order, each product itself threaded. */
        for (i = 0; i < batch && !err; i++)
            err = FN(gemm_run)(&cf, nt, m, n, k, alpha, a + i * stride_a, rsa, csa,
                               b + i * stride_b, rsb, csb, i == 0 ? beta : (T)1, c, ldc);
        return err;
    }
    if (nt > 1 && batch >= nt && m * n * k <= ((int64_t)1 << 21) &&
        batch * m * n * k >= ((int64_t)1 << 17)) {
        /* Many small products: one product per thread at a time. */
        int64_t bi;
        MG_PARALLEL_FOR(bi, batch, {
            int e = FN(gemm_run)(&cf, 1, m, n, k, alpha, a + bi * stride_a, rsa, csa,
                                 b + bi * stride_b, rsb, csb, beta, c + bi * stride_c, ldc);
            if (e) err = e;
        });
        return err;
    }
    for (i = 0; i < batch && !err; i++)
        err = FN(gemm_run)(&cf, nt, m, n, k, alpha, a + i * stride_a, rsa, csa, b + i * stride_b,
                           rsb, csb, beta, c + i * stride_c, ldc);
    return err;
}

#undef FN
#undef MG_CAT
#undef MG_CAT_
