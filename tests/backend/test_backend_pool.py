"""Pooling kernels: loop oracles, C vs twin, adjoint pairs (backward kernels), ties, ceil_mode,
reproducibility and bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minigrad.backend import _common as cm
from minigrad.backend import reference
from tests.backend import naive
from tests.backend.common import ACTIVE, DTYPES, C, needs_c, tol

pairs = st.tuples


@st.composite
def pool_case(draw, dilation=True):
    lead = draw(st.sampled_from([(1, 1), (2, 3), (3,), (1, 2)]))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    k = draw(pairs(st.integers(1, 4), st.integers(1, 4)))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    p = draw(pairs(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2)))
    d = draw(pairs(st.integers(1, 2), st.integers(1, 2))) if dilation else (1, 1)
    ceil_mode = draw(st.booleans())
    oh = cm.pool_out_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    ow = cm.pool_out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    assume(oh >= 1 and ow >= 1)
    return lead + (h, w), k, s, p, d, ceil_mode, (oh, ow)


def _values(rng, shape, dtype, ties):
    # Small integers make ties common, which pins down the first-maximum rule.
    if ties:
        return rng.integers(-2, 3, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride", [(1, 2), (2, 2), (3, 2)])
def test_max_pool2d_2x2_window_wider_than_a_one_column_input(dtype, stride):
    """ceil_mode lets a 2x2 window hang past a 1-wide input. The fast 2x2 path once counted
    such a window as whole and read column 1, which is the next plane's first value for the
    first plane: here a 100 that must not win."""
    x = np.array([[[[-1.0], [-2.0]], [[100.0], [100.0]]]], dtype)  # (1, 2, 2, 1)
    out, idx = ACTIVE.max_pool2d(x, (2, 2), stride, (0, 0), (1, 1), True)
    assert out.shape == (1, 2, 1, 1)
    np.testing.assert_array_equal(out.ravel(), [-1.0, 100.0])
    np.testing.assert_array_equal(idx.ravel(), [0, 0])


@settings(max_examples=30, deadline=None)
@given(case=pool_case(), dtype=st.sampled_from(DTYPES), ties=st.booleans(),
       seed=st.integers(0, 2**16))
def test_max_pool2d(case, dtype, ties, seed):
    shape, k, s, p, d, ceil_mode, (oh, ow) = case
    rng = np.random.default_rng(seed)
    x = _values(rng, shape, dtype, ties)
    oracle = naive.max_pool2d(x, k, s, p, d, oh, ow)
    assume(oracle is not None)
    out, idx = ACTIVE.max_pool2d(x, k, s, p, d, ceil_mode)
    assert out.dtype == dtype and idx.dtype == np.int64 and out.shape == shape[:-2] + (oh, ow)
    np.testing.assert_array_equal(out, oracle[0])
    np.testing.assert_array_equal(idx, oracle[1])
    # backward = scatter-add by index, the adjoint of the gather
    g = rng.standard_normal(out.shape).astype(dtype)
    gx = ACTIVE.max_pool2d_backward(g, idx, shape[-2:])
    y = rng.standard_normal(shape).astype(dtype)
    np.testing.assert_allclose(np.vdot(gx, y), np.vdot(g, ACTIVE.index_gather2d(y, idx)),
                               *tol(dtype, g.size))
    np.testing.assert_array_equal(ACTIVE.index_gather2d(x, idx), out)
    if C is not None:
        ro, ri = reference.max_pool2d(x, k, s, p, d, ceil_mode)
        np.testing.assert_array_equal(ri, idx)
        np.testing.assert_allclose(gx, reference.max_pool2d_backward(g, idx, shape[-2:]),
                                   *tol(dtype, 8))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_max_pool_nan_and_inf(impl):
    x = np.array([[[1.0, np.nan, 3.0, -np.inf], [0.0, 2.0, -np.inf, -np.inf]]], np.float32)
    out, idx = impl.max_pool2d(x, 2)
    assert np.isnan(out[0, 0, 0]) and idx[0, 0, 0] == 1
    assert out[0, 0, 1] == 3.0 and idx[0, 0, 1] == 2
    # all-(-inf) windows (with padding): -inf at the first valid element, as PyTorch
    out, idx = impl.max_pool2d(np.full((1, 2, 2), -np.inf, np.float64), 2, padding=1)
    assert (out == -np.inf).all() and idx.ravel().tolist() == [0, 1, 2, 3]


@settings(max_examples=30, deadline=None)
@given(case=pool_case(dilation=False), dtype=st.sampled_from(DTYPES),
       cip=st.booleans(), div=st.sampled_from([None, 1, 3]), seed=st.integers(0, 2**16))
def test_avg_pool2d(case, dtype, cip, div, seed):
    shape, k, s, p, _, ceil_mode, (oh, ow) = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    out = ACTIVE.avg_pool2d(x, k, s, p, ceil_mode, cip, div)
    assert out.dtype == dtype and out.shape == shape[:-2] + (oh, ow)
    np.testing.assert_allclose(out, naive.avg_pool2d(x, k, s, p, oh, ow, cip, div),
                               *tol(dtype, 16))
    g = rng.standard_normal(out.shape).astype(dtype)
    gx = ACTIVE.avg_pool2d_backward(g, shape[-2:], k, s, p, ceil_mode, cip, div)
    assert gx.shape == shape
    np.testing.assert_allclose(np.vdot(gx, x), np.vdot(g, out), *tol(dtype, g.size * 16))
    if C is not None:
        np.testing.assert_allclose(out, reference.avg_pool2d(x, k, s, p, ceil_mode, cip, div),
                                   *tol(dtype, 16))
        np.testing.assert_allclose(
            gx, reference.avg_pool2d_backward(g, shape[-2:], k, s, p, ceil_mode, cip, div),
            *tol(dtype, 16))


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 6), ow=st.integers(1, 6),
       dtype=st.sampled_from(DTYPES), ties=st.booleans(), seed=st.integers(0, 2**16))
def test_adaptive_pools(h, w, oh, ow, dtype, ties, seed):
    rng = np.random.default_rng(seed)
    x = _values(rng, (2, 3, h, w), dtype, ties)
    out = ACTIVE.adaptive_avg_pool2d(x, (oh, ow))
    np.testing.assert_allclose(out, naive.adaptive_avg_pool2d(x, oh, ow), *tol(dtype, 16))
    g = rng.standard_normal(out.shape).astype(dtype)
    gx = ACTIVE.adaptive_avg_pool2d_backward(g, (h, w))
    np.testing.assert_allclose(np.vdot(gx, x), np.vdot(g, out), *tol(dtype, g.size * 16))
    mo, mi = ACTIVE.adaptive_max_pool2d(x, (oh, ow))
    for oy in range(oh):
        y0, y1 = naive.adaptive_bounds(oy, h, oh)
        for ox in range(ow):
            x0, x1 = naive.adaptive_bounds(ox, w, ow)
            win = x[..., y0:y1, x0:x1].reshape(2, 3, -1)
            np.testing.assert_array_equal(mo[..., oy, ox], win.max(-1))
            first = win.argmax(-1)
            np.testing.assert_array_equal(mi[..., oy, ox],
                                          (y0 + first // (x1 - x0)) * w + x0 + first % (x1 - x0))
    if C is not None:
        np.testing.assert_allclose(out, reference.adaptive_avg_pool2d(x, (oh, ow)),
                                   *tol(dtype, 16))
        np.testing.assert_allclose(gx, reference.adaptive_avg_pool2d_backward(g, (h, w)),
                                   *tol(dtype, 16))
        ro, ri = reference.adaptive_max_pool2d(x, (oh, ow))
        np.testing.assert_array_equal(ri, mi)


@pytest.mark.parametrize("dtype", DTYPES)
def test_adaptive_none_keeps_size_and_kernel_equals_input(dtype):
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 4)).astype(dtype)
    assert ACTIVE.adaptive_avg_pool2d(x, (None, 2)).shape == (1, 2, 5, 2)
    out, idx = ACTIVE.max_pool2d(x, (5, 4))
    np.testing.assert_array_equal(out[..., 0, 0], x.reshape(1, 2, -1).max(-1))
    np.testing.assert_allclose(ACTIVE.avg_pool2d(x, (5, 4))[..., 0, 0], x.mean((-2, -1)),
                               *tol(dtype, 20))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_do_not_change_bits(threads, dtype):
    x = np.random.default_rng(0).standard_normal((16, 16, 40, 40)).astype(dtype)
    threads.set_num_threads(2)
    r2 = [C.max_pool2d(x, 3, 2, 1)[0], C.avg_pool2d(x, 3, 2, 1),
          C.max_pool2d_backward(x[..., :20, :20], C.max_pool2d(x, 2)[1], (40, 40))]
    threads.set_num_threads(1)
    r1 = [C.max_pool2d(x, 3, 2, 1)[0], C.avg_pool2d(x, 3, 2, 1),
          C.max_pool2d_backward(x[..., :20, :20], C.max_pool2d(x, 2)[1], (40, 40))]
    assert all(np.array_equal(a, b) for a, b in zip(r1, r2))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_bad_input(impl):
    x = np.ones((1, 2, 4, 4), np.float32)
    with pytest.raises(ValueError, match="pad should be at most half"):
        impl.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="Output size is too small"):
        impl.max_pool2d(x, 3, dilation=2)
    with pytest.raises(ValueError, match="stride"):
        impl.avg_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match="kernel_size"):
        impl.max_pool2d(x, 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        impl.max_pool2d(np.ones(3, np.float32), 1)
    with pytest.raises(TypeError):
        impl.max_pool2d(x.astype(np.int32), 2)
    with pytest.raises(ValueError, match="divisor"):
        impl.avg_pool2d(x, 2, divisor_override=0)
    _, idx = impl.max_pool2d(x, 2)
    g = np.ones(idx.shape, np.float32)
    with pytest.raises(ValueError, match="invalid max index"):
        impl.max_pool2d_backward(g, idx + 100, (4, 4))
    with pytest.raises(ValueError, match="must match"):
        impl.max_pool2d_backward(g[..., :1], idx, (4, 4))
    with pytest.raises(TypeError):
        impl.max_pool2d_backward(g, idx.astype(np.float32), (4, 4))
    with pytest.raises(ValueError, match="output_size"):
        impl.adaptive_avg_pool2d(x, -1)
    assert impl.adaptive_avg_pool2d(x, (0, 2)).shape == (1, 2, 0, 2)
    with pytest.raises(ValueError, match="expected"):
        impl.avg_pool2d_backward(g[..., :1], (4, 4), 2)
