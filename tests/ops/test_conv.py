"""conv1d / conv2d / conv_transpose1d / conv_transpose2d / unfold / fold: gradcheck and
gradgradcheck (float64), PyTorch parity (values, gradients, double backward), views and bad
input."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold
from tests.helpers import assert_close, torch_or_skip


def leaf(rng, *shape, dtype=minigrad.float64):
    return minigrad.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


def check(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# ---- gradcheck / gradgradcheck -----------------------------------------------------------------

CONV2D_CASES = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    dict(groups=2, padding=1),
    dict(groups=2, dilation=2, padding=2, stride=(1, 2)),
    dict(padding="same", dilation=(2, 1)),
    dict(padding="valid"),
]


@pytest.mark.parametrize("kw", CONV2D_CASES, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_gradcheck(kw, bias):
    rng = np.random.default_rng(0)
    x, w = leaf(rng, 1, 4, 5, 5), leaf(rng, 2, 4 // kw.get("groups", 1), 2, 3)
    args = (x, w, leaf(rng, 2)) if bias else (x, w)
    check(lambda *a: conv2d(*a, **kw) if bias else conv2d(a[0], a[1], **kw), *args)


@pytest.mark.parametrize("n, c, size", [(4, 16, 8), (8, 16, 8), (2, 1, 9)],
                         ids=["winograd", "winograd-bands", "direct"])
def test_conv2d_gradcheck_on_the_special_kernel_paths(n, c, size):
    """The C backend's Winograd path (16 channels, 16 tiles of 4x4; with 8 samples of 8x8, one
    6x6 tile and a band of 2-wide tiles along each side) and few-channel path (1 channel):
    a scalar of the output (one backward per check keeps the full Jacobians affordable)."""
    rng = np.random.default_rng(1)
    x, w, b = leaf(rng, n, c, size, size), leaf(rng, 16, c, 3, 3), leaf(rng, 16)
    r = minigrad.tensor(rng.standard_normal((n, 16, size, size)))
    assert gradcheck(lambda *a: (conv2d(*a, padding=1) * r).sum(), (x, w, b))


@pytest.mark.parametrize("c", [1, 16], ids=["direct", "winograd"])
@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_conv2d_backward_with_and_without_a_graph_agree(c, dtype):
    """Without create_graph, conv2d's backward is one backend call (conv2d_backward); with it,
    differentiable Functions. The input and weight gradients have the same bits, the bias
    gradient the same sum."""
    rng = np.random.default_rng(2)
    x, w, b = (leaf(rng, *shape, dtype=dtype) for shape in ((3, c, 7, 7), (16, c, 3, 3), (16,)))
    g = minigrad.tensor(rng.standard_normal((3, 16, 7, 7)), dtype=dtype)
    plain = minigrad.autograd.grad(conv2d(x, w, b, padding=1), (x, w, b), g)
    graph = minigrad.autograd.grad(conv2d(x, w, b, padding=1), (x, w, b), g, create_graph=True)
    for ours, theirs in zip(plain[:2], graph[:2]):
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    assert graph[0].requires_grad and not plain[0].requires_grad
    assert_close(plain[2], graph[2], 1e-5 if dtype == minigrad.float32 else 1e-12, 1e-5)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2, dilation=2, padding=1),
                                dict(stride=1, padding=1, output_padding=1, dilation=2),
                                dict(stride=(2, 1), output_padding=(1, 0), groups=2)], ids=str)
def test_conv_transpose2d_gradcheck(kw):
    rng = np.random.default_rng(1)
    x, w, b = leaf(rng, 1, 4, 3, 3), leaf(rng, 4, 3, 2, 3), leaf(rng, 3 * kw.get("groups", 1))
    check(lambda x, w, b: conv_transpose2d(x, w, b, **kw), x, w, b)


def test_conv1d_and_transpose1d_gradcheck():
    rng = np.random.default_rng(2)
    x, w, b = leaf(rng, 2, 4, 7), leaf(rng, 6, 2, 3), leaf(rng, 6)
    check(lambda x, w, b: conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2), x, w, b)
    check(lambda x, w: conv1d(x, w, padding="same"), x, leaf(rng, 3, 4, 4))
    wt = leaf(rng, 4, 3, 3)
    check(lambda x, w: conv_transpose1d(x, w, stride=2, padding=1, output_padding=1), x, wt)


def test_unfold_fold_gradcheck():
    rng = np.random.default_rng(3)
    x = leaf(rng, 2, 2, 4, 5)
    check(lambda x: unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), x)
    cols = leaf(rng, 2, 2 * 4, 9)
    check(lambda c: fold(c, (4, 4), 2, stride=1), cols)
    check(lambda c: fold(c, (5, 5), 2, dilation=2, padding=1, stride=2), leaf(rng, 1, 8, 9))


def test_unbatched_input():
    rng = np.random.default_rng(4)
    x, w = leaf(rng, 3, 5, 5), leaf(rng, 2, 3, 3, 3)
    out = conv2d(x, w, padding=1)
    assert out.shape == (2, 5, 5)
    assert_close(out, conv2d(x.unsqueeze(0), w, padding=1)[0])
    assert conv_transpose2d(x, leaf(rng, 3, 2, 3, 3)).shape == (2, 7, 7)
    assert conv1d(leaf(rng, 3, 6), leaf(rng, 4, 3, 2)).shape == (4, 5)
    assert unfold(x, 2).shape == (12, 16)
    assert fold(unfold(x, 2), (5, 5), 2).shape == (3, 5, 5)


def test_float32_stays_float32_and_views_work():
    rng = np.random.default_rng(5)
    base = minigrad.tensor(rng.standard_normal((2, 6, 6, 3)), dtype=minigrad.float32)
    x = base.permute(0, 3, 1, 2)  # a non-contiguous (N, C, H, W) view
    w = minigrad.tensor(rng.standard_normal((4, 3, 3, 3)), dtype=minigrad.float32,
                        requires_grad=True)
    out = conv2d(x, w, padding=1)
    assert out.dtype == minigrad.float32 and out.shape == (2, 4, 6, 6)
    expect = conv2d(minigrad.tensor(x.detach().numpy().copy()), w.detach(), padding=1)
    assert_close(out, expect, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    assert w.grad.dtype == minigrad.float32 and w.grad.shape == w.shape


# ---- PyTorch parity ----------------------------------------------------------------------------

def _torch_pair(torch, arrays):
    ours = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _parity(torch, ours_fn, theirs_fn, arrays, rtol, atol):
    ours, theirs = _torch_pair(torch, arrays)
    out, expect = ours_fn(*ours), theirs_fn(*theirs)
    assert_close(out, expect, rtol=rtol, atol=atol)
    seed = np.random.default_rng(9).standard_normal(tuple(expect.shape)).astype(arrays[0].dtype)
    out.backward(minigrad.tensor(seed))
    expect.backward(torch.tensor(seed))
    for o, t in zip(ours, theirs):
        assert_close(o.grad, t.grad, rtol=rtol, atol=atol)


@st.composite
def conv_params(draw):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    n = draw(st.integers(1, 2))
    return dict(n=n, cin=cin, cout=cout, k=k, s=s, d=d, p=p, h=h, w=w, groups=groups)


@settings(max_examples=25, deadline=None)
@given(c=conv_params(), dtype=st.sampled_from([np.float32, np.float64]), bias=st.booleans(),
       seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(c, dtype, bias, seed):
    torch = torch_or_skip()
    assume(c["h"] + 2 * c["p"][0] >= c["d"][0] * (c["k"][0] - 1) + 1)
    assume(c["w"] + 2 * c["p"][1] >= c["d"][1] * (c["k"][1] - 1) + 1)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((c["n"], c["cin"], c["h"], c["w"])).astype(dtype),
              rng.standard_normal((c["cout"], c["cin"] // c["groups"]) + c["k"]).astype(dtype)]
    if bias:
        arrays.append(rng.standard_normal(c["cout"]).astype(dtype))
    kw = dict(stride=c["s"], padding=c["p"], dilation=c["d"], groups=c["groups"])
    tol = (1e-4, 1e-4) if dtype == np.float32 else (1e-10, 1e-10)
    _parity(torch, lambda *a: conv2d(*a, **kw), lambda *a: torch.nn.functional.conv2d(*a, **kw),
            arrays, *tol)


@settings(max_examples=25, deadline=None)
@given(c=conv_params(), op=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_conv_transpose2d_matches_torch(c, op, dtype, seed):
    torch = torch_or_skip()
    op = tuple(min(op[i], max(c["s"][i], c["d"][i]) - 1) for i in range(2))
    oh = [(c[a] - 1) * c["s"][i] - 2 * c["p"][i] + c["d"][i] * (c["k"][i] - 1) + op[i] + 1
          for i, a in enumerate(("h", "w"))]
    assume(min(oh) >= 1)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((c["n"], c["cin"], c["h"], c["w"])).astype(dtype),
              rng.standard_normal((c["cin"], c["cout"] // c["groups"]) + c["k"]).astype(dtype),
              rng.standard_normal(c["cout"]).astype(dtype)]
    kw = dict(stride=c["s"], padding=c["p"], output_padding=op, groups=c["groups"],
              dilation=c["d"])
    tol = (1e-4, 1e-4) if dtype == np.float32 else (1e-10, 1e-10)
    _parity(torch, lambda *a: conv_transpose2d(*a, **kw),
            lambda *a: torch.nn.functional.conv_transpose2d(*a, **kw), arrays, *tol)


def test_conv_double_backward_matches_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 2, 3, 3))]
    (x, w), (tx, tw) = _torch_pair(torch, arrays)
    kw = dict(stride=2, padding=1, groups=2)
    gx, gw = minigrad.autograd.grad(conv2d(x, w, **kw).pow(2).sum(), (x, w), create_graph=True)
    tgx, tgw = torch.autograd.grad(torch.nn.functional.conv2d(tx, tw, **kw).pow(2).sum(),
                                   (tx, tw), create_graph=True)
    assert_close(gx, tgx, 1e-10, 1e-10)
    ((gx * gx).sum() + (gw * gw).sum()).backward()
    ((tgx * tgx).sum() + (tgw * tgw).sum()).backward()
    assert_close(x.grad, tx.grad, 1e-9, 1e-9)
    assert_close(w.grad, tw.grad, 1e-9, 1e-9)


def test_unfold_fold_match_torch():
    torch = torch_or_skip()
    rng = np.random.default_rng(7)
    F = torch.nn.functional
    kw = dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2))
    _parity(torch, lambda x: unfold(x, **kw), lambda x: F.unfold(x, **kw),
            [rng.standard_normal((2, 3, 6, 7))], 1e-12, 1e-12)
    _parity(torch, lambda c: fold(c, (6, 7), **kw), lambda c: F.fold(c, (6, 7), **kw),
            [rng.standard_normal((2, 18, 18))], 1e-12, 1e-12)


# ---- bad input -----------------------------------------------------------------------------------

def _expect_same_error(torch, ours, theirs, match=None):
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(type(expected.value), match=match):
        ours()


@pytest.mark.parametrize("case", [
    ("channels", (2, 4, 5, 5), (8, 3, 3, 3), {}, "expected input.*to have 3 channels"),
    ("kernel", (2, 3, 2, 2), (8, 3, 3, 3), {}, "Kernel size can't be greater"),
    ("stride", (2, 3, 5, 5), (8, 3, 3, 3), {"stride": 0}, "non-positive stride"),
    ("padding", (2, 3, 5, 5), (8, 3, 3, 3), {"padding": -1}, "negative padding"),
    ("dilation", (2, 3, 5, 5), (8, 3, 3, 3), {"dilation": 0}, "non-positive dilation"),
    ("rank", (5, 5), (8, 3, 3, 3), {}, "Expected 3D"),
    ("groups", (2, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, "divisible by 2"),
    ("groups0", (2, 4, 5, 5), (4, 2, 3, 3), {"groups": 0}, "non-positive groups"),
    ("same", (2, 3, 5, 5), (8, 3, 3, 3), {"padding": "same", "stride": 2}, "strided"),
    ("padstr", (2, 3, 5, 5), (8, 3, 3, 3), {"padding": "foo"}, "Invalid padding string"),
], ids=lambda c: c[0])
def test_conv2d_bad_input_like_torch(case):
    torch = torch_or_skip()
    _, xs, ws, kw, match = case
    x, w = np.ones(xs, np.float32), np.ones(ws, np.float32)
    _expect_same_error(torch, lambda: conv2d(minigrad.tensor(x), minigrad.tensor(w), **kw),
                       lambda: torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), **kw),
                       match)


def test_conv_bad_dtypes_and_bias():
    x32 = minigrad.ones(2, 3, 5, 5)
    w32 = minigrad.ones(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        conv2d(x32.double(), w32)
    with pytest.raises(RuntimeError, match="bias type"):
        conv2d(x32, w32, minigrad.ones(4, dtype=minigrad.float64))
    with pytest.raises(RuntimeError, match="bias to be 1-dimensional with 4 elements"):
        conv2d(x32, w32, minigrad.ones(3))
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        conv2d(x32.long(), w32.long())
    with pytest.raises(TypeError):
        conv2d(np.ones((2, 3, 5, 5)), w32)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        conv_transpose2d(x32, minigrad.ones(3, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="Given transposed=1"):
        conv_transpose2d(minigrad.ones(2, 4, 5, 5), minigrad.ones(3, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        conv1d(minigrad.ones(2, 3, 5), minigrad.ones(4, 3, 6))
    with pytest.raises(RuntimeError, match="sliding blocks"):
        fold(minigrad.ones(1, 12, 16), (6, 6), 2)
    with pytest.raises(RuntimeError, match="Only 3D or 4D"):
        unfold(minigrad.ones(5, 5), 2)
