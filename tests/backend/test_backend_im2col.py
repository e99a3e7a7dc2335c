"""im2col / col2im (F.unfold / F.fold layout): loop oracle, C vs twin, adjointness, views,
reproducibility and bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minigrad.backend import reference
from tests.backend import naive
from tests.backend.common import ACTIVE, DTYPES, C, needs_c, tol

pairs = st.tuples


@st.composite
def conv_case(draw):
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    k = draw(pairs(st.integers(1, 4), st.integers(1, 4)))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    p = draw(pairs(st.integers(0, 2), st.integers(0, 2)))
    d = draw(pairs(st.integers(1, 2), st.integers(1, 2)))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    assume(oh >= 1 and ow >= 1)
    return (n, c, h, w), k, s, p, d


def _input(shape, dtype, layout, seed):
    rng = np.random.default_rng(seed)
    if layout == "c":
        return rng.standard_normal(shape).astype(dtype)
    if layout == "hw_swapped":  # a non-contiguous view: (N, C, W, H) storage, swapped
        n, c, h, w = shape
        return rng.standard_normal((n, c, w, h)).astype(dtype).transpose(0, 1, 3, 2)
    return rng.standard_normal(shape[:3] + (2 * shape[3],)).astype(dtype)[..., ::2]


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from(DTYPES),
       layout=st.sampled_from(["c", "hw_swapped", "strided"]), seed=st.integers(0, 2**16))
def test_im2col_matches_oracle_and_twin(case, dtype, layout, seed):
    shape, k, s, p, d = case
    x = _input(shape, dtype, layout, seed)
    cols = ACTIVE.im2col(x, k, s, p, d)
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, naive.im2col(x, k, s, p, d))
    # batch_last: the same entries as one (C*kh*kw, N*L) matrix
    merged = ACTIVE.im2col(x, k, s, p, d, batch_last=True)
    np.testing.assert_array_equal(merged, np.concatenate(list(cols), axis=1))
    if C is not None:
        np.testing.assert_array_equal(cols, reference.im2col(x, k, s, p, d))


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_col2im_is_the_adjoint(case, dtype, seed):
    """<im2col(x), y> == <x, col2im(y)> for all x, y: col2im sums overlapping entries."""
    shape, k, s, p, d = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    cols_shape = ACTIVE.im2col(x, k, s, p, d).shape
    y = rng.standard_normal(cols_shape).astype(dtype)
    back = ACTIVE.col2im(y, shape[2:], k, s, p, d)
    assert back.shape == shape and back.dtype == dtype
    lhs = np.vdot(naive.im2col(x.astype(np.float64), k, s, p, d), y.astype(np.float64))
    rhs = np.vdot(x.astype(np.float64), back.astype(np.float64))
    np.testing.assert_allclose(lhs, rhs, *tol(dtype, y.size))
    merged = np.concatenate(list(y), axis=1)
    np.testing.assert_allclose(ACTIVE.col2im(merged, shape[2:], k, s, p, d, batch_last=True),
                               back, *tol(dtype, 16))
    if C is not None:
        np.testing.assert_allclose(back, reference.col2im(y, shape[2:], k, s, p, d),
                                   *tol(dtype, 16))


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernel_equal_to_input_and_1x1(dtype):
    x = np.arange(2 * 3 * 4 * 5, dtype=dtype).reshape(2, 3, 4, 5)
    full = ACTIVE.im2col(x, (4, 5))
    assert full.shape == (2, 60, 1)
    np.testing.assert_array_equal(full[..., 0], x.reshape(2, 60))
    one = ACTIVE.im2col(x, 1)
    np.testing.assert_array_equal(one, x.reshape(2, 3, 20))
    np.testing.assert_array_equal(ACTIVE.col2im(one, (4, 5), 1), x)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_threads_do_not_change_bits(threads, dtype):
    x = np.random.default_rng(0).standard_normal((8, 16, 24, 24)).astype(dtype)
    threads.set_num_threads(2)
    c2 = C.im2col(x, 3, 1, 1)
    f2 = C.col2im(c2, (24, 24), 3, 1, 1)
    threads.set_num_threads(1)
    assert np.array_equal(c2, C.im2col(x, 3, 1, 1))
    assert np.array_equal(f2, C.col2im(c2, (24, 24), 3, 1, 1))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_bad_input(impl):
    x = np.ones((1, 2, 5, 5), np.float32)
    with pytest.raises(ValueError, match="larger than the padded input"):
        impl.im2col(x, 6)
    with pytest.raises(ValueError, match="stride"):
        impl.im2col(x, 3, stride=0)
    with pytest.raises(ValueError, match="dilation"):
        impl.im2col(x, 3, dilation=-1)
    with pytest.raises(ValueError, match="padding"):
        impl.im2col(x, 3, padding=-1)
    with pytest.raises(ValueError, match="4-D"):
        impl.im2col(x[0], 3)
    with pytest.raises(TypeError):
        impl.im2col(x.astype(np.int64), 3)
    with pytest.raises(TypeError):
        impl.im2col(x, 2.5)
    cols = impl.im2col(x, 3)
    with pytest.raises(ValueError, match="sliding blocks"):
        impl.col2im(cols, (6, 6), 3)
    with pytest.raises(ValueError, match="divisible"):
        impl.col2im(cols[:, :17], (5, 5), 3)
    with pytest.raises(ValueError, match="whole number of samples"):
        impl.col2im(np.ones((18, 10), np.float32), (5, 5), 3, batch_last=True)


@needs_c
def test_c_checks_geometry_itself():
    from minigrad._C import ffi, lib
    null = ffi.NULL
    # (oh, ow) inconsistent with the formula, and sizes whose products overflow int64
    assert lib.mg_im2col_f32(null, null, 1, 1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 4, 3, 0) == \
        lib.MG_EINVAL
    big = 2**40
    assert lib.mg_im2col_f64(null, null, big, big, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 3, 3, 1) == \
        lib.MG_EOVERFLOW
    assert lib.mg_col2im_f32(null, null, 1, 1, 3, 3, 1, 1, 0, 1, 0, 0, 1, 1, 3, 3, 0) == \
        lib.MG_EINVAL
