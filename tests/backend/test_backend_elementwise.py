"""Fused elementwise kernels: threshold_backward / relu (one-pass masks) and axpy / axpby (the
optimizer updates): C vs twin bit for bit, NumPy's own formulas, NaN, views, threads, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.backend import reference
from tests.backend.common import ACTIVE, DTYPES, C, needs_c

IMPLS = [ACTIVE, reference] if C is not None else [ACTIVE]


def _array(shape, dtype, layout, rng, specials=False):
    a = rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dtype)
    if specials:
        a.flat[::5] = 0
        a.flat[1::7] = np.nan
        a.flat[2::11] = -np.inf
        a.flat[3::13] = -0.0
    if layout == "strided":
        return a[..., ::2]
    if layout == "transposed":
        return np.ascontiguousarray(a[..., ::2]).T.copy().T
    return np.ascontiguousarray(a[..., ::2])


def _copy_like(a):
    """A writeable copy with a's memory layout (strided views stay strided)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a.copy(order="K")
    buf = np.empty(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    view = buf[..., ::2]
    view[...] = a
    return view


shapes = st.lists(st.integers(1, 6), min_size=1, max_size=3).map(tuple)
layouts = st.sampled_from(["c", "strided", "transposed"])


@settings(max_examples=30, deadline=None)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), la=layouts, lb=layouts,
       th=st.sampled_from([0.0, -0.5, 1.0]), seed=st.integers(0, 2**16))
def test_threshold_backward_and_relu(shape, dtype, la, lb, th, seed):
    rng = np.random.default_rng(seed)
    g = _array(shape, dtype, la, rng, specials=True)
    x = _array(shape, dtype, lb, rng, specials=True)
    want = g.copy()
    want[x <= th] = 0  # PyTorch's threshold_backward: NaN in x passes the gradient
    for impl in IMPLS:
        out = impl.threshold_backward(g, x, th)
        assert out.dtype == dtype and out.shape == shape
        np.testing.assert_array_equal(out, want)
        assert not np.signbit(out[x <= th]).any()  # +0, never -0 or NaN * 0
        r = impl.relu(x)
        np.testing.assert_array_equal(r, np.where(x <= 0, 0, x).astype(dtype))
        assert r.dtype == dtype and not np.signbit(r[x <= 0]).any()


@settings(max_examples=30, deadline=None)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), lx=layouts, ly=layouts,
       alpha=st.sampled_from([-0.01, 0.1, 1.0, -3.7]), beta=st.sampled_from([0.9, 1.0, 0.0]),
       seed=st.integers(0, 2**16))
def test_axpy_axpby_are_numpys_formulas_bit_for_bit(shape, dtype, lx, ly, alpha, beta, seed):
    """The optimizers rely on this: SGD's results stay those of the NumPy expressions."""
    rng = np.random.default_rng(seed)
    x = _array(shape, dtype, lx, rng)
    y0 = _array(shape, dtype, ly, rng)
    want = y0.copy()
    want += np.multiply(x, alpha)
    want_b = y0.copy()
    want_b *= beta
    want_b += np.multiply(x, alpha)
    for impl in IMPLS:
        y = _copy_like(y0)
        assert impl.axpy(alpha, x, y) is y
        np.testing.assert_array_equal(y, want)
        y = _copy_like(y0)
        assert impl.axpby(alpha, x, beta, y) is y
        np.testing.assert_array_equal(y, want_b)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_views_in_place_and_overlap(impl, dtype):
    base = np.arange(20, dtype=dtype)
    y = base[::2]  # a strided output is updated in place
    impl.axpy(2.0, np.ones(10, dtype), y)
    np.testing.assert_array_equal(base[::2], np.arange(0, 20, 2) + 2)
    np.testing.assert_array_equal(base[1::2], np.arange(1, 20, 2))
    z = np.arange(8, dtype=dtype)
    impl.axpy(1.0, z, z)  # x is y: every element read before it is written
    np.testing.assert_array_equal(z, 2 * np.arange(8))
    w = np.arange(9, dtype=dtype)
    want = w[1:] + 0.5 * w[:-1]
    impl.axpy(0.5, w[:-1], w[1:])  # partial overlap: NumPy's result (it buffers)
    np.testing.assert_array_equal(w[1:], want)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_do_not_change_bits(threads, dtype):
    rng = np.random.default_rng(0)
    n = 3 * 2**18 + 5  # above the per-thread minimum: split over threads
    g, x = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
    res = []
    for nt in (1, 2):
        threads.set_num_threads(nt)
        y = x.copy()
        C.axpby(0.9, g, 0.99, y)
        C.axpy(-0.01, g, y)
        res.append((C.threshold_backward(g, x), C.relu(g), y))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.name)
def test_bad_input(impl):
    a = np.ones(4, np.float32)
    with pytest.raises(TypeError):
        impl.axpy(1.0, a, a.astype(np.float64))
    with pytest.raises(TypeError):
        impl.threshold_backward(a.astype(np.int64), a.astype(np.int64))
    with pytest.raises(ValueError, match="differ"):
        impl.axpby(1.0, a, 1.0, np.ones(5, np.float32))
    with pytest.raises(ValueError, match="differ"):
        impl.threshold_backward(a, np.ones((4, 1), np.float32))
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        impl.axpy(1.0, a, ro)
    with pytest.raises(TypeError):
        impl.axpy(1.0, [1.0, 2.0], a)
