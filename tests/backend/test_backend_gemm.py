"""GEMM / matmul kernels: C vs the NumPy twin, the twin vs np.matmul, views without copies,
reproducibility and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.backend import reference
from tests.backend.common import ACTIVE, DTYPES, C, needs_c, tol

LAYOUTS = ["c", "f", "rows", "step", "neg"]


def make(rng, shape, dtype, layout):
    """An array of `shape` laid out as: c (C order), f (a transposed C array), rows (a slice of
    wider rows: leading dimension > columns), step (non-unit strides), neg (negative strides)."""
    r, c = shape[-2:]
    lead = shape[:-2]
    if layout == "c":
        return rng.standard_normal(shape).astype(dtype)
    if layout == "f":
        return np.swapaxes(rng.standard_normal(lead + (c, r)).astype(dtype), -1, -2)
    if layout == "rows":
        return rng.standard_normal(lead + (r, c + 3)).astype(dtype)[..., :, 1:c + 1]
    if layout == "step":
        return rng.standard_normal(lead + (2 * r, 2 * c)).astype(dtype)[..., ::2, ::2]
    return rng.standard_normal(shape).astype(dtype)[..., ::-1, :]


dims = st.integers(0, 40)


@settings(max_examples=30, deadline=None)
@given(m=dims, n=dims, k=dims, la=st.sampled_from(LAYOUTS), lb=st.sampled_from(LAYOUTS),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_matmul_2d_matches(m, n, k, la, lb, dtype, seed):
    rng = np.random.default_rng(seed)
    a = make(rng, (m, k), dtype, la)
    b = make(rng, (k, n), dtype, lb)
    got = ACTIVE.matmul(a, b)
    assert got.shape == (m, n) and got.dtype == dtype
    rtol, atol = tol(dtype, k)
    expect = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, expect, rtol=rtol, atol=atol)
    if C is not None:
        np.testing.assert_allclose(got, reference.matmul(a, b), rtol=rtol, atol=atol)


@settings(max_examples=25, deadline=None)
@given(batch_a=st.sampled_from([(), (1,), (3,), (2, 1), (2, 3)]),
       batch_b=st.sampled_from([(), (1,), (3,), (1, 3), (2, 3)]),
       m=st.integers(1, 9), n=st.integers(1, 9), k=st.integers(0, 9),
       la=st.sampled_from(LAYOUTS), lb=st.sampled_from(LAYOUTS),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_matmul_batched_broadcast(batch_a, batch_b, m, n, k, la, lb, dtype, seed):
    rng = np.random.default_rng(seed)
    a = make(rng, batch_a + (m, k), dtype, la)
    b = make(rng, batch_b + (k, n), dtype, lb)
    expect = np.matmul(a.astype(np.float64), b.astype(np.float64))
    got = ACTIVE.matmul(a, b)
    assert got.shape == expect.shape and got.dtype == dtype
    np.testing.assert_allclose(got, expect, *tol(dtype, k))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((5,), (5,)), ((5,), (5, 3)), ((2, 4, 5), (5,)),
                                    ((4,), (2, 4, 3))])
def test_matmul_vectors(shapes, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    got = ACTIVE.matmul(a, b)
    expect = np.matmul(a, b)
    assert isinstance(got, np.ndarray) and got.shape == np.shape(expect) and got.dtype == dtype
    np.testing.assert_allclose(got, expect, *tol(dtype, 5))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(50, 70, 300), (150, 200, 260), (7, 1000, 3), (300, 5, 40)])
def test_matmul_blocking_edges(m, n, k, dtype):
    """Sizes crossing the cache blocks (k > KC), partial register tiles and thread splits."""
    rng = np.random.default_rng(1)
    for la, lb in [("c", "c"), ("f", "rows")]:
        a, b = make(rng, (m, k), dtype, la), make(rng, (k, n), dtype, lb)
        np.testing.assert_allclose(ACTIVE.matmul(a, b), a.astype(np.float64) @ b, *tol(dtype, k))


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 12), k=st.integers(0, 12),
       ta=st.booleans(), tb=st.booleans(), alpha=st.sampled_from([1.0, -0.5, 2.0, 0.0]),
       beta=st.sampled_from([0.0, 1.0, 0.25]), batched=st.booleans(),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_gemm_alpha_beta_transposes(m, n, k, ta, tb, alpha, beta, batched, dtype, seed):
    rng = np.random.default_rng(seed)
    lead = (3,) if batched else ()
    a = rng.standard_normal(lead + ((k, m) if ta else (m, k))).astype(dtype)
    b = rng.standard_normal(lead + ((n, k) if tb else (k, n))).astype(dtype)
    c0 = rng.standard_normal(lead + (m, n)).astype(dtype)
    opa = np.swapaxes(a, -1, -2) if ta else a
    opb = np.swapaxes(b, -1, -2) if tb else b
    expect = alpha * np.matmul(opa.astype(np.float64), opb) + beta * c0
    c = c0.copy()
    out = ACTIVE.gemm(a, b, c, alpha=alpha, beta=beta, trans_a=ta, trans_b=tb)
    assert out is c
    np.testing.assert_allclose(c, expect, *tol(dtype, k + 1))
    fresh = ACTIVE.gemm(a, b, alpha=alpha, trans_a=ta, trans_b=tb)
    np.testing.assert_allclose(fresh, alpha * np.matmul(opa.astype(np.float64), opb),
                               *tol(dtype, k + 1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_beta_zero_ignores_nan_and_writes_strided_c(dtype):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((3, 5)).astype(dtype)
    big = np.full((4, 9), np.nan, dtype)
    c = big[:, 2:7]  # a view with leading dimension 9
    ACTIVE.gemm(a, b, c, beta=0.0)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b, *tol(dtype, 3))
    assert np.isnan(big[:, :2]).all() and np.isnan(big[:, 7:]).all()
    cs = np.ones((4, 4), dtype).T  # column-major c: computed aside and copied back
    ACTIVE.gemm(a, b.T[:4, :].T[:, :4], cs, beta=1.0)
    np.testing.assert_allclose(cs, 1 + a.astype(np.float64) @ b[:, :4], *tol(dtype, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_sum(dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((6, 5, 7)).astype(dtype)
    b = np.swapaxes(rng.standard_normal((6, 4, 7)).astype(dtype), -1, -2)
    expect = np.einsum("bmk,bkn->mn", a.astype(np.float64), b)
    np.testing.assert_allclose(ACTIVE.matmul_sum(a, b), expect, *tol(dtype, 42))
    np.testing.assert_allclose(reference.matmul_sum(a, b), expect, *tol(dtype, 42))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha,beta", [(1.0, 0.0), (-0.5, 0.25), (2.0, 1.0)])
def test_bottom_edge_rows_have_the_bits_of_full_tiles(dtype, alpha, beta):
    """Rows past the last multiple of 6 (the register tile's height) go through a short-tile
    kernel: every row comes out bit for bit as it does inside a full 6-row tile."""
    rng = np.random.default_rng(5)
    k, n = 300, 32  # two k slabs (the second accumulates into C); whole 16- or 8-wide tiles
    a = rng.standard_normal((12, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    c0 = rng.standard_normal((12, n)).astype(dtype)
    full = C.gemm(a, b, c0.copy(), alpha=alpha, beta=beta)
    for m in range(1, 12):
        part = C.gemm(a[:m], b, c0[:m].copy(), alpha=alpha, beta=beta)
        assert np.array_equal(part, full[:m]), m


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_bit_reproducible(threads, dtype):
    """Fixed thread count: identical bits on every call; the output partition never splits k,
    so 1 and 2 threads also agree bit for bit."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((200, 300)).astype(dtype)  # big enough to be split over 2 threads
    b = rng.standard_normal((300, 150)).astype(dtype)
    threads.set_num_threads(2)
    r1, r2 = C.matmul(a, b), C.matmul(a, b)
    threads.set_num_threads(1)
    r3 = C.matmul(a, b)
    assert np.array_equal(r1, r2) and np.array_equal(r1, r3)
    x = rng.standard_normal((8, 33, 40)).astype(dtype)
    threads.set_num_threads(2)
    s1 = C.matmul_sum(x, np.swapaxes(x, 1, 2))
    assert np.array_equal(s1, C.matmul_sum(x, np.swapaxes(x, 1, 2)))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,n,k", [(20, 1000, 300), (1001, 23, 600), (7, 300, 2000),
                                   (600, 9, 800)])
def test_threads_taking_chunks_get_the_bits_of_one_thread(threads, m, n, k, dtype):
    """When A (few rows) or B (few columns) is small, threads claim chunks of C as they come,
    column chunks or row chunks; 1, 2 and 3 threads give the same bits, with alpha, beta, a
    transposed operand and C a view with a wider leading dimension (a k past one slab, ragged
    tiles at the ends)."""
    rng = np.random.default_rng(6)
    a = make(rng, (m, k), dtype, "f")
    b = make(rng, (k, n), dtype, "rows")
    c0 = rng.standard_normal((m, n + 5)).astype(dtype)
    expect = -0.5 * (a.astype(np.float64) @ b) + 0.25 * c0[:, 2:n + 2]
    results = []
    for nt in (1, 2, 3):
        threads.set_num_threads(nt)
        c = c0.copy()
        C.gemm(a, b, c[:, 2:n + 2], alpha=-0.5, beta=0.25)
        assert np.array_equal(c[:, :2], c0[:, :2]) and np.array_equal(c[:, n + 2:], c0[:, n + 2:])
        results.append(c)
    np.testing.assert_allclose(results[0][:, 2:n + 2], expect, *tol(dtype, k))
    assert np.array_equal(results[0], results[1]) and np.array_equal(results[0], results[2])


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_bad_input(impl):
    f32 = np.ones((2, 3), np.float32)
    with pytest.raises(TypeError, match="same dtype"):
        impl.matmul(f32, np.ones((3, 2), np.float64))
    with pytest.raises(TypeError):
        impl.matmul(f32, np.ones((3, 2), np.int64))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        impl.matmul(f32, f32)
    with pytest.raises(ValueError, match="broadcast"):
        impl.matmul(np.ones((2, 2, 3), np.float32), np.ones((3, 3, 2), np.float32))
    with pytest.raises(TypeError):
        impl.matmul([[1.0]], f32)
    with pytest.raises(ValueError, match="shape"):
        impl.gemm(f32, f32.T, np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="read-only"):
        ro = np.ones((2, 2), np.float32)
        ro.flags.writeable = False
        impl.gemm(f32, f32.T, ro)
    ints = impl.matmul(np.ones((2, 3), np.int64), np.ones((3, 2), np.int64))
    assert ints.dtype == np.int64 and (ints == 3).all()


@needs_c
def test_c_rejects_bad_sizes_without_touching_memory():
    """C validates sizes itself: NULL buffers are never read when the arguments are bad."""
    from minigrad._C import ffi, lib
    null = ffi.NULL
    assert lib.mg_sgemm(0, 0, -1, 2, 2, 1.0, null, 2, null, 2, 0.0, null, 2) == lib.MG_EINVAL
    assert lib.mg_sgemm(0, 0, 4, 4, 4, 1.0, null, 3, null, 4, 0.0, null, 4) == lib.MG_EINVAL
    big = 2**62
    assert lib.mg_dgemm(0, 0, big, big, 2, 1.0, null, 2, null, big, 0.0, null, big) == \
        lib.MG_EOVERFLOW
    assert lib.mg_sgemm_batched(big, 0, 0, 2, 2, 2, 1.0, null, 2, 4, null, 2, 4, 0.0, null, 2,
                                big) == lib.MG_EOVERFLOW
    assert lib.mg_set_num_threads(0) == lib.MG_EINVAL
