"""Pooling ops: gradcheck and gradgradcheck (float64), PyTorch parity for values, indices and
gradients, unbatched input, max_unpool and bad input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.backend import _common as cm
from minigrad.ops import pool as P
from tests.helpers import assert_close, torch_or_skip


def leaf(rng, *shape, dtype=minigrad.float64):
    return minigrad.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


CASES = [
    ("max_pool2d", dict(kernel_size=2)),
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ("avg_pool2d", dict(kernel_size=2, stride=1, divisor_override=3)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 2))),
    ("adaptive_max_pool2d", dict(output_size=(2, None))),
    ("max_pool1d", dict(kernel_size=3, stride=2, padding=1, dilation=1)),
    ("avg_pool1d", dict(kernel_size=2, ceil_mode=True)),
    ("adaptive_avg_pool1d", dict(output_size=3)),
    ("adaptive_max_pool1d", dict(output_size=4)),
]


@pytest.mark.parametrize("name,kw", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_gradcheck(name, kw):
    rng = np.random.default_rng(0)
    shape = (1, 2, 6, 5) if name.endswith("2d") else (2, 2, 7)
    check(lambda x: getattr(P, name)(x, **kw), leaf(rng, *shape))


def test_max_unpool_gradcheck():
    rng = np.random.default_rng(1)
    _, idx = P.max_pool2d(minigrad.tensor(rng.standard_normal((1, 2, 6, 6))), 2,
                          return_indices=True)
    check(lambda v: P.max_unpool2d(v, idx, 2), leaf(rng, 1, 2, 3, 3))
    _, idx1 = P.max_pool1d(minigrad.tensor(rng.standard_normal((2, 6))), 2, return_indices=True)
    check(lambda v: P.max_unpool1d(v, idx1, 2), leaf(rng, 2, 3))


def test_indices_do_not_require_grad_and_scatter_has_a_backward():
    rng = np.random.default_rng(2)
    x = leaf(rng, 1, 1, 4, 4)
    out, idx = P.max_pool2d(x, 2, return_indices=True)
    assert idx.dtype == minigrad.int64 and not idx.requires_grad
    (g,) = minigrad.autograd.grad(out.pow(2).sum(), (x,), create_graph=True)
    assert g.requires_grad  # the scatter of 2*out depends on x again
    assert_close(g.sum(), 2 * out.sum(), 1e-12, 1e-12)
    assert int((g != 0).sum()) == 4  # one entry per window: its maximum


@pytest.mark.parametrize("name,kw", CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_matches_torch(name, kw):
    torch = torch_or_skip()
    rng = np.random.default_rng(3)
    shape = (2, 3, 7, 6) if name.endswith("2d") else (2, 3, 9)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal(shape).astype(dtype)
        x, tx = minigrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, expect = getattr(P, name)(x, **kw), getattr(torch.nn.functional, name)(tx, **kw)
        assert_close(out, expect, rtol=1e-6, atol=1e-6, check_dtype=False)
        assert out.dtype == x.dtype
        g = rng.standard_normal(tuple(expect.shape)).astype(dtype)
        out.backward(minigrad.tensor(g))
        expect.backward(torch.tensor(g))
        assert_close(x.grad, tx.grad, rtol=1e-6, atol=1e-6)
        if "max" in name:
            _, idx = getattr(P, name)(x, return_indices=True, **kw)
            _, tidx = getattr(torch.nn.functional, name)(tx, return_indices=True, **kw)
            np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@st.composite
def pool2d_case(draw):
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    ceil_mode = draw(st.booleans())
    outs = [cm.pool_out_size((h, w)[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(2)]
    assume(min(outs) >= 1)
    return (h, w), k, s, p, d, ceil_mode


@settings(max_examples=25, deadline=None)
@given(case=pool2d_case(), ties=st.booleans(), seed=st.integers(0, 2**16))
def test_max_pool2d_property_vs_torch(case, ties, seed):
    torch = torch_or_skip()
    (h, w), k, s, p, d, ceil_mode = case
    rng = np.random.default_rng(seed)
    a = rng.integers(-2, 3, (2, 2, h, w)).astype(np.float32) if ties else \
        rng.standard_normal((2, 2, h, w)).astype(np.float32)
    out, idx = P.max_pool2d(minigrad.tensor(a), k, s, p, d, ceil_mode, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), k, s, p, d, ceil_mode,
                                                return_indices=True)
    assume(not np.isinf(tout.numpy()).any())  # windows entirely in the padding
    assert_close(out, tout, 0, 0)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    avg = P.avg_pool2d(minigrad.tensor(a), k, s, p, ceil_mode, count_include_pad=ties)
    tavg = torch.nn.functional.avg_pool2d(torch.tensor(a), k, s, p, ceil_mode,
                                          count_include_pad=ties)
    assert_close(avg, tavg, 1e-6, 1e-6)


def test_unbatched_and_unpool_match_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 6, 6))
    out, idx = P.max_pool2d(minigrad.tensor(a), 2, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), 2, return_indices=True)
    assert out.shape == (3, 3, 3)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    up = P.max_unpool2d(out, idx, 2, output_size=(7, 7))
    tup = torch.nn.functional.max_unpool2d(tout, tidx, 2, output_size=(7, 7))
    assert_close(up, tup, 0, 0)
    assert_close(P.adaptive_avg_pool2d(minigrad.tensor(a), 4),
                 torch.nn.functional.adaptive_avg_pool2d(torch.tensor(a), 4), 1e-12, 1e-12)
    assert minigrad.max_pool1d_with_indices(minigrad.tensor(a), 2)[1].dtype == minigrad.int64


@pytest.mark.parametrize("fn,args,kw,exc,match", [
    ("max_pool2d", ((2, 3, 5, 5), 2), {"padding": 2}, RuntimeError, "at most half"),
    ("max_pool2d", ((2, 3, 1, 1), 3), {"stride": 1, "padding": 1, "dilation": 2}, RuntimeError,
     "Output size is too small"),
    ("max_pool2d", ((5,), 2), {}, RuntimeError, "Expected 3D or 4D"),
    ("max_pool2d", ((2, 3, 5, 5), 2), {"stride": 0}, RuntimeError, "stride should not be zero"),
    ("avg_pool2d", ((2, 3, 5, 5), 2), {"divisor_override": 0}, RuntimeError, "divisor"),
    ("avg_pool2d", ((2, 3, 5, 5), 2), {"padding": 2}, RuntimeError, "at most half"),
    ("adaptive_avg_pool2d", ((5, 5), 2), {}, RuntimeError, "Expected 3D or 4D"),
    ("max_pool1d", ((2, 3, 5), 0), {}, RuntimeError, "greater than zero"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_input(fn, args, kw, exc, match):
    x = minigrad.ones(*args[0])
    with pytest.raises(exc, match=match):
        getattr(P, fn)(x, *args[1:], **kw)


def test_bad_dtype_and_indices():
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        P.max_pool2d(minigrad.ones(1, 1, 4, 4, dtype=minigrad.int64), 2)
    v = minigrad.ones(1, 1, 2, 2)
    bad = minigrad.tensor([[[[0, 1], [2, 50]]]])
    with pytest.raises(RuntimeError, match="invalid max index: 50"):
        P.max_unpool2d(v, bad, 2)
    with pytest.raises(RuntimeError, match="int64"):
        P.max_unpool2d(v, bad.float(), 2)
    with pytest.raises(TypeError):
        P.avg_pool2d(np.ones((1, 1, 4, 4)), 2)
