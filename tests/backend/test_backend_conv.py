"""conv2d / conv2d_input_grad / conv2d_weight_grad / conv2d_backward kernels: loop oracle, C vs
twin, adjointness, cropped and extended output sizes, groups, strided inputs, threads, the direct
kernels for few input channels, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.backend import reference
from tests.backend import naive
from tests.backend.common import ACTIVE, DTYPES, C, needs_c, tol

pairs = st.tuples


@st.composite
def conv_case(draw):
    """Geometry with groups and an output size that is the formula's, smaller or larger."""
    g = draw(st.integers(1, 3))
    n, cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = draw(pairs(st.integers(1, 3), st.integers(1, 3)))
    s = draw(pairs(st.integers(1, 3), st.integers(1, 2)))
    p = draw(pairs(st.integers(0, 2), st.integers(0, 2)))
    d = draw(pairs(st.integers(1, 2), st.integers(1, 2)))
    full = ((h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1,
            (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1)
    ohw = (max(0, full[0] + draw(st.integers(-2, 1))), max(0, full[1] + draw(st.integers(-2, 1))))
    return (n, cg * g, h, w), (og * g, cg) + k, s, p, d, g, ohw


def _array(shape, dtype, layout, rng):
    """A C-ordered array, a transposed view or a strided view with the given shape."""
    if layout == "c":
        return rng.standard_normal(shape).astype(dtype)
    if layout == "transposed":
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    return rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dtype)[..., ::2]


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from(DTYPES),
       layout=st.sampled_from(["c", "transposed", "strided"]), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_conv2d_matches_oracle_and_twin(case, dtype, layout, bias, seed):
    xs, ws, s, p, d, g, ohw = case
    rng = np.random.default_rng(seed)
    x, w = _array(xs, dtype, layout, rng), _array(ws, dtype, layout, rng)
    b = rng.standard_normal(ws[0]).astype(dtype) if bias else None
    y = ACTIVE.conv2d(x, w, b, s, p, d, g, output_size=ohw)
    assert y.shape == (xs[0], ws[0]) + ohw and y.dtype == dtype
    want = naive.conv2d(x, w, s, p, d, g, ohw) + (0 if b is None else b.reshape(1, -1, 1, 1))
    np.testing.assert_allclose(y, want, *tol(dtype, ws[1] * ws[2] * ws[3]))
    if C is not None:
        np.testing.assert_allclose(y, reference.conv2d(x, w, b, s, p, d, g, ohw),
                                   *tol(dtype, ws[1] * ws[2] * ws[3]))


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from(DTYPES),
       layout=st.sampled_from(["c", "transposed", "strided"]), seed=st.integers(0, 2**16))
def test_gradients_are_the_adjoints(case, dtype, layout, seed):
    """<conv(x, w), gy> == <x, input_grad(gy, w)> == <w, weight_grad(x, gy)>."""
    xs, ws, s, p, d, g, ohw = case
    rng = np.random.default_rng(seed)
    x, w = _array(xs, dtype, layout, rng), _array(ws, dtype, layout, rng)
    gy = _array((xs[0], ws[0]) + ohw, dtype, layout, rng)
    gx = ACTIVE.conv2d_input_grad(gy, w, xs[2:], s, p, d, g)
    gw = ACTIVE.conv2d_weight_grad(x, gy, ws[2:], s, p, d, g)
    assert gx.shape == xs and gx.dtype == dtype
    assert gw.shape == ws and gw.dtype == dtype
    y64 = naive.conv2d(x.astype(np.float64), w.astype(np.float64), s, p, d, g, ohw)
    lhs = np.vdot(y64, gy.astype(np.float64))
    rt, at = tol(dtype, y64.size * ws[1] * ws[2] * ws[3])
    np.testing.assert_allclose(np.vdot(x.astype(np.float64), gx.astype(np.float64)), lhs, rt, at)
    np.testing.assert_allclose(np.vdot(w.astype(np.float64), gw.astype(np.float64)), lhs, rt, at)
    if C is not None:
        k = ws[1] * ws[2] * ws[3] + ws[0] * gy.shape[2] * gy.shape[3]
        np.testing.assert_allclose(gx, reference.conv2d_input_grad(gy, w, xs[2:], s, p, d, g),
                                   *tol(dtype, k))
        np.testing.assert_allclose(gw, reference.conv2d_weight_grad(x, gy, ws[2:], s, p, d, g),
                                   *tol(dtype, k * xs[0]))


@settings(max_examples=30, deadline=None)
@given(case=conv_case(), dtype=st.sampled_from(DTYPES),
       layout=st.sampled_from(["c", "transposed", "strided"]),
       mask=st.tuples(st.booleans(), st.booleans(), st.booleans()), seed=st.integers(0, 2**16))
def test_backward_is_the_three_gradients_at_once(case, dtype, layout, mask, seed):
    """conv2d_backward: grad input and grad weight with the bits of the separate kernels, grad
    bias the sum of grad_output over (N, OH, OW), None where the mask says so."""
    xs, ws, s, p, d, g, ohw = case
    rng = np.random.default_rng(seed)
    x, w = _array(xs, dtype, layout, rng), _array(ws, dtype, layout, rng)
    gy = _array((xs[0], ws[0]) + ohw, dtype, layout, rng)
    gx, gw, gb = ACTIVE.conv2d_backward(gy, x, w, s, p, d, g, mask)
    assert [a is not None for a in (gx, gw, gb)] == list(mask)
    if mask[0]:
        np.testing.assert_array_equal(gx, ACTIVE.conv2d_input_grad(gy, w, xs[2:], s, p, d, g))
    if mask[1]:
        np.testing.assert_array_equal(gw, ACTIVE.conv2d_weight_grad(x, gy, ws[2:], s, p, d, g))
    if mask[2]:
        assert gb.shape == (ws[0],) and gb.dtype == dtype
        np.testing.assert_allclose(gb, gy.astype(np.float64).sum((0, 2, 3)),
                                   *tol(dtype, xs[0] * ohw[0] * ohw[1]))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pointwise_and_kernel_equal_to_input(impl, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5)).astype(dtype)
    w = rng.standard_normal((4, 3, 1, 1)).astype(dtype)
    want = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x)
    np.testing.assert_allclose(impl.conv2d(x, w), want, *tol(dtype, 3))
    gy = rng.standard_normal((2, 4, 4, 5)).astype(dtype)
    np.testing.assert_allclose(impl.conv2d_input_grad(gy, w, (4, 5)),
                               np.einsum("oc,nohw->nchw", w[:, :, 0, 0], gy), *tol(dtype, 4))
    np.testing.assert_allclose(impl.conv2d_weight_grad(x, gy, 1)[:, :, 0, 0],
                               np.einsum("nohw,nchw->oc", gy, x), *tol(dtype, 40))
    full = rng.standard_normal((2, 3, 4, 5)).astype(dtype)  # kernel covers the whole input
    y = impl.conv2d(x, full[:1].repeat(2, 0))
    assert y.shape == (2, 2, 1, 1)
    np.testing.assert_allclose(y[:, 0, 0, 0], (x * full[0]).sum((1, 2, 3)), *tol(dtype, 60))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_empty_sizes(impl):
    x = np.ones((0, 2, 5, 5), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    assert impl.conv2d(x, w).shape == (0, 3, 3, 3)
    x = np.ones((2, 2, 5, 5), np.float32)
    assert impl.conv2d(x, w, output_size=(0, 4)).shape == (2, 3, 0, 4)
    gy = np.ones((2, 3, 0, 3), np.float32)
    np.testing.assert_array_equal(impl.conv2d_input_grad(gy, w, (5, 5)), np.zeros((2, 2, 5, 5)))
    np.testing.assert_array_equal(impl.conv2d_weight_grad(x, gy, 3), np.zeros((3, 2, 3, 3)))
    for got, want in zip(impl.conv2d_backward(gy, x, w), ((2, 2, 5, 5), (3, 2, 3, 3), (3,))):
        np.testing.assert_array_equal(got, np.zeros(want))
    gx, gw, gb = impl.conv2d_backward(np.ones((0, 3, 3, 3), np.float32), x[:0], w)
    assert gx.shape == (0, 2, 5, 5)
    np.testing.assert_array_equal(gw, np.zeros((3, 2, 3, 3)))
    np.testing.assert_array_equal(gb, np.zeros(3))


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_threads(threads, dtype):
    """Forward and input gradient: the same bits for any thread count. Weight gradient: the
    same bits for a fixed thread count, and close across counts (ranges summed in order)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 8, 12, 12)).astype(dtype)
    w = rng.standard_normal((16, 4, 3, 3)).astype(dtype)
    gy = rng.standard_normal((9, 16, 12, 12)).astype(dtype)
    out = {}
    for nt in (1, 2, 3):
        threads.set_num_threads(nt)
        out[nt] = (C.conv2d(x, w, None, 1, 1, 1, 2), C.conv2d_input_grad(gy, w, (12, 12), 1, 1,
                                                                          1, 2),
                   C.conv2d_weight_grad(x, gy, 3, 1, 1, 1, 2))
        np.testing.assert_array_equal(out[nt][2], C.conv2d_weight_grad(x, gy, 3, 1, 1, 1, 2))
    for nt in (2, 3):
        np.testing.assert_array_equal(out[nt][0], out[1][0])
        np.testing.assert_array_equal(out[nt][1], out[1][1])
        np.testing.assert_allclose(out[nt][2], out[1][2], *tol(dtype, 9 * 144))
    # one large sample: the GEMMs themselves are split over threads
    x1 = rng.standard_normal((1, 16, 40, 40)).astype(dtype)
    w1 = rng.standard_normal((32, 16, 3, 3)).astype(dtype)
    g1 = rng.standard_normal((1, 32, 40, 40)).astype(dtype)
    one = []
    for nt in (1, 3):
        threads.set_num_threads(nt)
        one.append((C.conv2d(x1, w1, None, 1, 1), C.conv2d_input_grad(g1, w1, (40, 40), 1, 1)))
    np.testing.assert_array_equal(one[0][0], one[1][0])
    np.testing.assert_array_equal(one[0][1], one[1][1])


# On AVX2, layers with few input channels -- R = (C/groups)*kh*kw <= 32, or <= 64 with at most 32
# output channels per group -- run on the register-tiled kernels of csrc/conv_direct_tmpl.h
# instead of the packed GEMM. These shapes take that path: 1-4 input channels, 1x1 / 3x3 / 5x5
# kernels, odd sizes (masked last columns, outputs narrower than a vector), padding 0-2, 1-32
# output channels (row blocks of 1-4), batch 1, groups; the last two are work enough for two
# threads.
FEW_CHANNELS = [
    # n, c, (h, w), o, k, padding, groups
    (1, 1, (28, 28), 32, 3, 1, 1),
    (3, 1, (7, 9), 5, 3, 0, 1),
    (2, 2, (13, 11), 7, 3, 2, 1),
    (2, 1, (9, 10), 6, 5, 2, 1),
    (2, 3, (3, 3), 5, 3, 0, 1),  # a single output pixel
    (4, 3, (6, 7), 9, 1, 0, 1),  # pointwise: the columns are the input itself
    (2, 1, (3, 4), 2, 1, 1, 1),  # 1x1 with padding
    (1, 1, (30, 30), 1, 5, 2, 1),
    (1, 2, (4, 3), 4, 5, 2, 1),  # kernel larger than the input
    (3, 4, (8, 8), 6, 3, 1, 2),  # two groups of two channels
    (16, 1, (28, 28), 32, 3, 1, 1),
    (12, 2, (17, 15), 24, 5, 1, 1),  # R = 50
]


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", FEW_CHANNELS, ids=str)
def test_few_input_channels(threads, case, dtype):
    """The direct kernels against the twin and against the GEMM path (which the generic SIMD
    level takes), at 1 and 2 threads, on strided and transposed inputs: forward and input
    gradient the same bits at both thread counts, the weight gradient the same bits on a
    rerun."""
    n, c, hw, o, k, p, g = case
    rng = np.random.default_rng(n * 10000 + c * 1000 + o * 10 + k)
    x = _array((n, c) + hw, dtype, "strided", rng)
    w = _array((o, c // g, k, k), dtype, "c", rng)
    b = rng.standard_normal(o).astype(dtype)
    ohw = tuple(s + 2 * p - k + 1 for s in hw)
    gy = _array((n, o) + ohw, dtype, "transposed", rng)

    def run(impl):
        return (impl.conv2d(x, w, b, 1, p, 1, g), impl.conv2d_input_grad(gy, w, hw, 1, p, 1, g),
                impl.conv2d_weight_grad(x, gy, k, 1, p, 1, g),
                impl.conv2d_backward(gy, x, w, 1, p, 1, g)[2])

    tols = (tol(dtype, c // g * k * k), tol(dtype, o // g * k * k),
            tol(dtype, n * ohw[0] * ohw[1]), tol(dtype, n * ohw[0] * ohw[1]))
    want = run(reference)
    out = {}
    for nt in (1, 2):
        threads.set_num_threads(nt)
        out[nt] = run(C)
        for got, ref, (rt, at) in zip(out[nt], want, tols):
            np.testing.assert_allclose(got, ref, rt, at)
        np.testing.assert_array_equal(C.conv2d_weight_grad(x, gy, k, 1, p, 1, g), out[nt][2])
        # the one-pass backward: the bits of the separate kernels, bias sums rerun alike
        for mask in ((True, True, True), (False, True, True), (True, False, True)):
            fused = C.conv2d_backward(gy, x, w, 1, p, 1, g, mask)
            for got, ref, wanted in zip(fused, out[nt][1:], mask):
                if wanted:
                    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(out[2][0], out[1][0])
    np.testing.assert_array_equal(out[2][1], out[1][1])
    simd = C.get_simd()
    try:
        C.set_simd("generic")
        gemm = run(C)
    finally:
        C.set_simd(simd)
    for got, ref, (rt, at) in zip(out[1], gemm, tols):
        np.testing.assert_allclose(got, ref, rt, at)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_few_input_channels_propagate_nan_and_inf(dtype):
    """The direct kernels form exactly the products the GEMM path does (zero padding included):
    NaN and inf land where the twin puts them."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 1, 6, 7)).astype(dtype)
    x[0, 0, 2, 3], x[1, 0, 0, 0] = np.nan, np.inf
    w = rng.standard_normal((5, 1, 3, 3)).astype(dtype)
    gy = rng.standard_normal((2, 5, 6, 7)).astype(dtype)
    gy[0, 1, 0, 0], gy[1, 4, 5, 6] = -np.inf, np.nan
    with np.errstate(invalid="ignore"):
        pairs = [(C.conv2d(x, w, None, 1, 1), reference.conv2d(x, w, None, 1, 1)),
                 (C.conv2d_input_grad(gy, w, (6, 7), 1, 1),
                  reference.conv2d_input_grad(gy, w, (6, 7), 1, 1)),
                 (C.conv2d_weight_grad(x, gy, 3, 1, 1),
                  reference.conv2d_weight_grad(x, gy, 3, 1, 1))]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_array_equal(np.isinf(ours), np.isinf(theirs))
        np.testing.assert_allclose(ours, theirs, *tol(dtype, 100))


@pytest.mark.parametrize("impl", [ACTIVE, reference], ids=lambda m: m.name)
def test_bad_input(impl):
    x = np.ones((1, 4, 5, 5), np.float32)
    w = np.ones((6, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match="input channels"):
        impl.conv2d(x, w)  # 4 channels, weight expects 2 * groups = 2
    with pytest.raises(ValueError, match="groups"):
        impl.conv2d(x, np.ones((3, 2, 3, 3), np.float32), groups=4)
    with pytest.raises(ValueError, match="groups"):
        impl.conv2d(x, w, groups=0)
    with pytest.raises(TypeError):
        impl.conv2d(x, w.astype(np.float64), groups=2)
    with pytest.raises(TypeError):
        impl.conv2d(x.astype(np.int64), w.astype(np.int64), groups=2)
    with pytest.raises(ValueError, match="bias"):
        impl.conv2d(x, w, np.ones(5, np.float32), groups=2)
    with pytest.raises(ValueError, match="4-D"):
        impl.conv2d(x[0], w, groups=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        impl.conv2d(x, np.ones((6, 2, 6, 6), np.float32), groups=2)
    with pytest.raises(ValueError, match="stride"):
        impl.conv2d(x, w, stride=0, groups=2)
    with pytest.raises(ValueError, match="padding"):
        impl.conv2d(x, w, padding=-1, groups=2)
    with pytest.raises(ValueError, match="output_size"):
        impl.conv2d(x, w, groups=2, output_size=(-1, 3))
    gy = np.ones((1, 6, 3, 3), np.float32)
    with pytest.raises(ValueError, match="does not match"):
        impl.conv2d_input_grad(gy, np.ones((5, 2, 3, 3), np.float32), (5, 5))
    with pytest.raises(ValueError, match="input_size"):
        impl.conv2d_input_grad(gy, w, (5, -5), groups=2)
    with pytest.raises(ValueError, match="batch size"):
        impl.conv2d_weight_grad(np.ones((2, 4, 5, 5), np.float32), gy, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size"):
        impl.conv2d_weight_grad(x, gy, 0, groups=2)
    with pytest.raises(ValueError, match="does not match"):
        impl.conv2d_backward(gy[:, :5], x, w, groups=2)
    with pytest.raises(ValueError, match="input channels"):
        impl.conv2d_backward(gy, x[:, :3], w, groups=2)
    with pytest.raises(ValueError, match="output_mask"):
        impl.conv2d_backward(gy, x, w, groups=2, output_mask=(True, True))
    with pytest.raises(TypeError):
        impl.conv2d_backward(gy.astype(np.float64), x, w, groups=2)


@needs_c
def test_c_checks_geometry_itself():
    from minigrad._C import ffi, lib
    null = ffi.NULL
    # channels that do not split into the groups, non-positive stride, and sizes whose
    # products overflow int64: rejected before any memory is touched
    assert lib.mg_conv2d_f32(null, null, null, null, 1, 3, 5, 5, 4, 2, 3, 3, 1, 1, 0, 0, 1, 1, 3,
                             3) == lib.MG_EINVAL
    assert lib.mg_conv2d_input_grad_f64(null, null, null, 1, 2, 5, 5, 4, 1, 3, 3, 0, 1, 0, 0, 1,
                                        1, 3, 3) == lib.MG_EINVAL
    big = 2**40
    assert lib.mg_conv2d_weight_grad_f32(null, null, null, big, big, 5, 5, 4, 1, 3, 3, 1, 1, 0,
                                         0, 1, 1, 3, 3) == lib.MG_EOVERFLOW
    assert lib.mg_conv2d_f64(null, null, null, null, 1, 1, 5, 5, 1, 1, 3, 3, big, 1, 0, 0, 1, 1,
                             big, 3) == lib.MG_EOVERFLOW
    assert lib.mg_conv2d_backward_f32(null, null, null, null, null, null, 1, 3, 5, 5, 4, 2, 3, 3,
                                      1, 1, 0, 0, 1, 1, 3, 3) == lib.MG_EINVAL
    assert lib.mg_conv2d_backward_f64(null, null, null, null, null, null, big, big, 5, 5, 4, 1, 3,
                                      3, 1, 1, 0, 0, 1, 1, 3, 3) == lib.MG_EOVERFLOW
