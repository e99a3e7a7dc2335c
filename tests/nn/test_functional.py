"""nn.functional (everything but the losses): activations, linear, normalisation, dropout,
embedding, padding, interpolation, distances; values, gradients, double backward, PyTorch
parity and PyTorch's errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_close, torch_or_skip

RNG = np.random.default_rng(1234)


def _t(array, grad: bool = True) -> minigrad.Tensor:
    return minigrad.tensor(array, requires_grad=grad)


def _d(*shape, grad: bool = True, seed: int = 0) -> minigrad.Tensor:
    """A float64 leaf with values away from 0 (kinks of relu-like functions)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return minigrad.tensor(a, dtype=minigrad.float64, requires_grad=grad)


def _parity(ours, theirs, *arrays, rtol=1e-5, atol=1e-6, grad=True):
    """Run ``ours`` (minigrad) and ``theirs`` (torch) on copies of ``arrays``: values, dtype and
    the gradients of every float input for a random upstream gradient."""
    torch = torch_or_skip()
    mine = [minigrad.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ref = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out, expected = ours(*mine), theirs(*ref)
    assert_close(out, expected, rtol=rtol, atol=atol)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    if grad and expected.requires_grad:
        seed = RNG.standard_normal(tuple(expected.shape)).astype(np.asarray(out._data).dtype)
        out.backward(minigrad.tensor(seed))
        expected.backward(torch.tensor(seed))
        for m, r in zip(mine, ref):
            if r.grad is not None:
                assert_close(m.grad, r.grad, rtol=rtol, atol=atol)


# -------------------------------------------------------------------------------------------------
# activations
# -------------------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}),
    ("selu", {}), ("celu", {"alpha": 1.3}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
    ("silu", {}), ("mish", {}), ("hardtanh", {"min_val": -0.5, "max_val": 1.5}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}), ("logsigmoid", {}), ("softsign", {}),
    ("tanhshrink", {}), ("hardsigmoid", {}), ("hardswish", {}), ("sigmoid", {}), ("tanh", {}),
    ("threshold", {"threshold": 0.3, "value": -2.0}), ("hardshrink", {"lambd": 0.4}),
    ("softshrink", {"lambd": 0.4}),
]
IDS = [f"{n}-{'-'.join(map(str, k.values()))}" for n, k in ACTIVATIONS]


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_matches_torch(name, kwargs, dtype):
    torch = torch_or_skip()
    x = (RNG.standard_normal((3, 5)) * 3).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    if name in ("celu", "hardsigmoid"):  # PyTorch rounds 1 / alpha, 1 / 6 to float32
        tol = dict(rtol=1e-5, atol=1e-6)
    _parity(lambda a: getattr(F, name)(a, **kwargs),
            lambda a: getattr(torch.nn.functional, name)(a, **kwargs), x, **tol)


@pytest.mark.parametrize("name,kwargs", ACTIVATIONS, ids=IDS)
def test_activation_gradcheck_and_gradgradcheck(name, kwargs):
    x = _d(2, 3)

    def fn(a):
        return getattr(F, name)(a, **kwargs)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_prelu_per_channel_gradchecks_and_matches_torch():
    assert gradgradcheck(F.prelu, (_d(2, 3, 2), _d(3, seed=1)))
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        F.prelu(minigrad.randn(2, 4), minigrad.ones(3))
    torch = torch_or_skip()
    x = RNG.standard_normal((2, 3, 4))
    w = np.array([0.1, 0.25, -0.3])
    _parity(F.prelu, torch.nn.functional.prelu, x, w, rtol=1e-10, atol=1e-12)


def test_activations_are_stable_for_large_inputs():
    x = minigrad.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    y = F.logsigmoid(x)
    assert np.all(np.isfinite(y.detach().numpy()))
    assert_close(y, [-1e4, -50.0, -math.log(2), 0.0, 0.0], atol=1e-6)
    y.sum().backward()
    assert_close(x.grad, [1.0, 1.0, 0.5, 0.0, 0.0], atol=1e-6)
    assert_close(F.softplus(minigrad.tensor([1e4, -1e4])), [1e4, 0.0])
    assert np.all(np.isfinite(F.elu(minigrad.tensor([1e4, -1e4])).numpy()))


def test_softmax_reference_values_and_implicit_dim_warning():
    out = F.softmax(minigrad.tensor([1010.0, 1000.0, 990.0]), dim=0)
    assert_close(out, [9.99954600e-01, 4.53978686e-05, 2.06106005e-09], rtol=1e-5, atol=1e-12)
    x = minigrad.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
    assert_close(F.softmax(x, dim=0), [0.0212, 0.0177, 0.0202, 0.0202, 0.0638, 0.0287, 0.0185,
                                       0.0522, 0.0183, 0.7392], atol=1e-4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(minigrad.randn(2, 3))
    assert_close(F.softmin(x, 0), F.softmax(-x, 0))
    assert_close(F.log_softmax(x, 0).exp(), F.softmax(x, 0))


def test_gelu_rejects_unknown_approximation_and_integer_inputs():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(minigrad.randn(3), approximate="fast")
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.elu(minigrad.tensor([1, -2]))
    assert F.relu(minigrad.tensor([1, -2])).tolist() == [1, 0]


def test_glu_halves_the_dim():
    assert gradgradcheck(lambda a: F.glu(a, 0), (_d(4, 2),))
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(minigrad.randn(3, 3))
    torch = torch_or_skip()
    _parity(lambda a: F.glu(a, 1), lambda a: torch.nn.functional.glu(a, 1),
            RNG.standard_normal((2, 4, 3)), rtol=1e-10)


def test_inplace_activation_writes_into_input_and_stays_differentiable():
    x = _t(np.array([-1.0, 2.0, -3.0]))
    h = x * 2
    out = F.relu(h, inplace=True)
    assert out is h
    assert h.tolist() == [0.0, 4.0, 0.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu_(_t(np.array([1.0])))
    y = minigrad.tensor([-1.0, 1.0])
    F.leaky_relu_(y, 0.5)
    assert y.tolist() == [-0.5, 1.0]


# -------------------------------------------------------------------------------------------------
# linear
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
def test_linear_matches_torch(dtype, shape):
    torch = torch_or_skip()
    x = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal((5, 4)).astype(dtype)
    b = RNG.standard_normal(5).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    _parity(F.linear, torch.nn.functional.linear, x, w, b, **tol)
    _parity(F.linear, torch.nn.functional.linear, x, w, **tol)


def test_linear_gradcheck_gradgradcheck_and_errors():
    args = (_d(2, 3, 4), _d(5, 4, seed=1), _d(5, seed=2))
    assert gradcheck(F.linear, args)
    assert gradgradcheck(F.linear, args)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x8\)"):
        F.linear(minigrad.randn(2, 3), minigrad.randn(8, 4))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got "
                                           "Double and Float"):
        F.linear(minigrad.randn(2, 4, dtype=minigrad.float64), minigrad.randn(8, 4))
    with pytest.raises(RuntimeError, match="both arguments to linear need to be at least 1D"):
        F.linear(minigrad.tensor(1.0), minigrad.randn(8, 4))


def test_linear_gradient_of_non_contiguous_input():
    x = _d(4, 3).t()  # (3, 4), transposed strides
    w = _d(5, 4, seed=1)
    assert gradcheck(F.linear, (x, w))


def test_bilinear_gradchecks_and_matches_torch():
    assert gradgradcheck(F.bilinear, (_d(2, 2), _d(2, 3, seed=1), _d(2, 2, 3, seed=2),
                                      _d(2, seed=3)))
    with pytest.raises(RuntimeError, match="input2 size does not match weight size: got 4 but "
                                           "expected 3"):
        F.bilinear(minigrad.randn(5, 2), minigrad.randn(5, 4), minigrad.randn(4, 2, 3))
    torch = torch_or_skip()
    x1, x2 = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 4))
    w, b = RNG.standard_normal((5, 2, 4)), RNG.standard_normal(5)
    _parity(F.bilinear, torch.nn.functional.bilinear, x1, x2, w, b, rtol=1e-10, atol=1e-12)


# -------------------------------------------------------------------------------------------------
# normalisation
# -------------------------------------------------------------------------------------------------
def test_batch_norm_training_updates_running_stats_like_torch():
    torch = torch_or_skip()
    x = RNG.standard_normal((4, 3, 2, 2))
    rm, rv = np.zeros(3), np.ones(3)
    w, b = RNG.standard_normal(3), RNG.standard_normal(3)
    ours_rm, ours_rv = minigrad.tensor(rm), minigrad.tensor(rv)
    ref_rm, ref_rv = torch.tensor(rm), torch.tensor(rv)
    _parity(lambda a, c, d: F.batch_norm(a, ours_rm, ours_rv, c, d, training=True, momentum=0.3),
            lambda a, c, d: torch.nn.functional.batch_norm(a, ref_rm, ref_rv, c, d, training=True,
                                                           momentum=0.3),
            x, w, b, rtol=1e-9, atol=1e-10)
    assert_close(ours_rm, ref_rm, rtol=1e-12)
    assert_close(ours_rv, ref_rv, rtol=1e-12)
    _parity(lambda a: F.batch_norm(a, ours_rm, ours_rv, training=False),
            lambda a: torch.nn.functional.batch_norm(a, ref_rm, ref_rv, training=False),
            x, rtol=1e-10, atol=1e-12)


def test_batch_norm_gradchecks_in_training_and_eval():
    w, b = _d(3, seed=1), _d(3, seed=2)

    def train(a, c, d):
        return F.batch_norm(a, None, None, c, d, training=True)

    assert gradcheck(train, (_d(4, 3), w, b))
    assert gradgradcheck(train, (_d(3, 3, 2), w, b))
    rm, rv = minigrad.tensor([0.1, -0.2, 0.3], dtype=minigrad.float64), \
        minigrad.tensor([1.5, 0.5, 2.0], dtype=minigrad.float64)

    def evaluate(a, c, d):
        return F.batch_norm(a, rm, rv, c, d)

    assert gradgradcheck(evaluate, (_d(2, 3, 2), w, b))


def test_batch_norm_output_can_be_modified_in_place():
    x = _d(4, 3)
    y = F.batch_norm(x, None, None, training=True)
    F.relu(y, inplace=True)
    y.sum().backward()
    assert x.grad is not None and np.all(np.isfinite(x.grad.numpy()))


def test_layer_norm_and_group_norm_gradcheck_and_match_torch():
    assert gradgradcheck(lambda a, c, d: F.layer_norm(a, 3, c, d),
                         (_d(2, 3), _d(3, seed=1), _d(3, seed=2)))
    assert gradgradcheck(lambda a, c, d: F.group_norm(a, 2, c, d),
                         (_d(2, 4, 2), _d(4, seed=1), _d(4, seed=2)))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        F.layer_norm(minigrad.randn(2, 3), [4])
    torch = torch_or_skip()
    x = RNG.standard_normal((2, 4, 3))
    w, b = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    _parity(lambda a, c, d: F.layer_norm(a, (4, 3), c, d),
            lambda a, c, d: torch.nn.functional.layer_norm(a, (4, 3), c, d), x, w, b,
            rtol=1e-9, atol=1e-10)
    gw, gb = RNG.standard_normal(4), RNG.standard_normal(4)
    _parity(lambda a, c, d: F.group_norm(a, 2, c, d),
            lambda a, c, d: torch.nn.functional.group_norm(a, 2, c, d), x, gw, gb,
            rtol=1e-9, atol=1e-10)


def test_instance_norm_matches_torch():
    torch = torch_or_skip()
    x = RNG.standard_normal((2, 3, 4))
    _parity(lambda a: F.instance_norm(a), lambda a: torch.nn.functional.instance_norm(a), x,
            rtol=1e-9, atol=1e-10)


# -------------------------------------------------------------------------------------------------
# dropout
# -------------------------------------------------------------------------------------------------
def test_dropout_scales_kept_elements_and_is_identity_in_eval():
    x = minigrad.ones(1000)
    y = F.dropout(x, p=0.4, training=True).numpy()
    kept = y[y != 0]
    assert_close(kept, np.full(kept.shape, 1 / 0.6, np.float32))
    assert 0.5 < kept.size / 1000 < 0.7
    assert F.dropout(x, p=0.4, training=False) is x
    assert F.dropout(x, p=1.0).numpy().sum() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got "
                                         "1.5"):
        F.dropout(x, p=1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = _d(4, 5)
    y = F.dropout(x, p=0.5)
    y.backward(minigrad.ones_like(y))
    assert_close(x.grad, (y.detach() / x.detach()).numpy())

    def fixed_mask(a):
        minigrad.manual_seed(3)
        return F.dropout(a, p=0.3)

    assert gradcheck(fixed_mask, (_d(3, 4),))
    assert gradgradcheck(fixed_mask, (_d(3, 4),))


def test_dropout2d_zeroes_whole_channels():
    y = F.dropout2d(minigrad.ones(8, 16, 3, 3), p=0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(minigrad.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(minigrad.ones(2, 3, 4, 5))


# -------------------------------------------------------------------------------------------------
# embedding, one_hot
# -------------------------------------------------------------------------------------------------
def test_embedding_padding_idx_gets_no_gradient_and_matches_torch():
    weight = _d(4, 3)
    F.embedding(minigrad.tensor([0, 2, 2]), weight, padding_idx=2).sum().backward()
    assert weight.grad.numpy()[2].tolist() == [0.0, 0.0, 0.0]
    assert weight.grad.numpy()[0].tolist() == [1.0, 1.0, 1.0]
    assert gradgradcheck(lambda a: F.embedding(minigrad.tensor([[0, 1], [1, 3]]), a, 1),
                         (_d(4, 2),))
    torch = torch_or_skip()
    idx = np.array([[0, 2, 1], [2, 2, 3]])
    w = RNG.standard_normal((4, 3))
    for kwargs in ({}, {"padding_idx": 2}, {"scale_grad_by_freq": True}):
        _parity(lambda i, a, kw=kwargs: F.embedding(i, a, **kw),
                lambda i, a, kw=kwargs: torch.nn.functional.embedding(i, a, **kw), idx, w,
                rtol=1e-12)


def test_embedding_max_norm_renormalises_in_place():
    torch = torch_or_skip()
    w = RNG.standard_normal((5, 3)) * 3
    ours, ref = minigrad.tensor(w), torch.tensor(w)
    idx = [1, 3, 3]
    out = F.embedding(minigrad.tensor(idx), ours, max_norm=1.5)
    expected = torch.nn.functional.embedding(torch.tensor(idx), ref, max_norm=1.5)
    assert_close(out, expected, rtol=1e-6)
    assert_close(ours, ref, rtol=1e-6)
    assert np.linalg.norm(ours.numpy()[1]) <= 1.5 + 1e-6


def test_embedding_errors():
    w = minigrad.randn(5, 3)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(minigrad.tensor([1, 5]), w)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: "
                                           "Long, Int"):
        F.embedding(minigrad.tensor([1.0, 2.0]), w)


def test_one_hot():
    out = F.one_hot(minigrad.tensor([0, 2]))
    assert out.dtype == minigrad.int64 and out.tolist() == [[1, 0, 0], [0, 0, 1]]
    assert F.one_hot(minigrad.tensor([[1]]), 3).tolist() == [[[0, 1, 0]]]
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(minigrad.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(minigrad.tensor([0.0]))


# -------------------------------------------------------------------------------------------------
# pad, interpolate
# -------------------------------------------------------------------------------------------------
PADS = [
    ("constant", (1, 2), (2, 3, 4)), ("constant", (1, 0, 2, 1), (2, 3, 4)),
    ("constant", (-1, 2, 0, -1), (1, 3, 4)), ("constant", (1, 1, 1, 1, 1, 1), (2, 2, 2)),
    ("reflect", (2, 1), (1, 2, 4)), ("reflect", (1, 2, 2, 0), (1, 2, 3, 4)),
    ("reflect", (-1, 2), (1, 1, 5)), ("replicate", (3, 1), (2, 4)),
    ("replicate", (1, 2, 3, 1), (1, 1, 3, 3)), ("replicate", (1, 1, 1, 1, 1, 1), (1, 1, 2, 2, 2)),
    ("circular", (2, 1), (1, 1, 4)), ("circular", (1, 2, 2, 1), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("mode,pad,shape", PADS)
def test_pad_gradchecks_and_matches_torch(mode, pad, shape):
    assert gradgradcheck(lambda a: F.pad(a, pad, mode), (_d(*shape),))
    torch = torch_or_skip()
    x = RNG.standard_normal(shape)
    _parity(lambda a: F.pad(a, pad, mode), lambda a: torch.nn.functional.pad(a, pad, mode), x,
            rtol=1e-12)


def test_pad_value_and_errors():
    assert F.pad(minigrad.zeros(1, 2), (1, 1), value=7.0).tolist() == [[7.0, 0.0, 0.0, 7.0]]
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(minigrad.zeros(2, 3), (1,))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding "
                                           "input dimension"):
        F.pad(minigrad.zeros(1, 2, 3), (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(minigrad.zeros(1, 2, 3), (1, 1), mode="foo")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input"):
        F.pad(minigrad.zeros(3), (1, 1), mode="reflect")


INTERPOLATIONS = [
    ((1, 2, 3, 4), {"scale_factor": 2}), ((1, 2, 3, 4), {"size": (5, 7)}),
    ((1, 2, 5, 4), {"size": (3, 2)}), ((1, 2, 3, 4), {"size": (5, 7), "mode": "nearest-exact"}),
    ((1, 2, 3, 4), {"size": (5, 7), "mode": "bilinear"}),
    ((1, 2, 3, 4), {"size": (5, 7), "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 4), {"scale_factor": 0.5, "mode": "bilinear"}),
    ((2, 1, 3, 3), {"scale_factor": 1.7, "mode": "bilinear"}),
    ((2, 1, 3, 3), {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}),
    ((1, 2, 4), {"size": 7, "mode": "linear"}), ((1, 2, 4), {"scale_factor": 3}),
    ((1, 1, 2, 3, 2), {"scale_factor": 2, "mode": "trilinear", "align_corners": True}),
]


@pytest.mark.parametrize("shape,kwargs", INTERPOLATIONS)
def test_interpolate_matches_torch(shape, kwargs):
    torch = torch_or_skip()
    x = RNG.standard_normal(shape)
    _parity(lambda a: F.interpolate(a, **kwargs),
            lambda a: torch.nn.functional.interpolate(a, **kwargs), x, rtol=1e-10, atol=1e-12)
    _parity(lambda a: F.interpolate(a, **kwargs),
            lambda a: torch.nn.functional.interpolate(a, **kwargs), x.astype(np.float32),
            rtol=1e-5, atol=1e-6)


def test_interpolate_gradchecks_and_errors():
    def fn(a):
        return F.interpolate(a, size=(3, 4), mode="bilinear")

    assert gradgradcheck(fn, (_d(1, 1, 2, 3),))
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=2), (_d(1, 1, 2, 2),))
    x = minigrad.randn(1, 1, 2, 2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D"):
        F.interpolate(minigrad.randn(1, 2, 2), size=3, mode="bilinear")


# -------------------------------------------------------------------------------------------------
# distances
# -------------------------------------------------------------------------------------------------
def test_normalize_cosine_similarity_pairwise_distance_match_torch():
    torch = torch_or_skip()
    tf = torch.nn.functional
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    tol = dict(rtol=1e-10, atol=1e-12)
    _parity(lambda x: F.normalize(x), lambda x: tf.normalize(x), a, **tol)
    _parity(lambda x: F.normalize(x, p=1, dim=0), lambda x: tf.normalize(x, p=1, dim=0), a, **tol)
    _parity(F.cosine_similarity, tf.cosine_similarity, a, b, **tol)
    _parity(lambda x, y: F.cosine_similarity(x, y, 0), lambda x, y: tf.cosine_similarity(x, y, 0),
            a, b[:1], **tol)
    _parity(F.pairwise_distance, tf.pairwise_distance, a, b, **tol)
    _parity(lambda x, y: F.pairwise_distance(x, y, 3.0, keepdim=True),
            lambda x, y: tf.pairwise_distance(x, y, 3.0, keepdim=True), a, b, **tol)


def test_normalize_of_zero_vector_has_finite_gradient_and_distances_gradcheck():
    x = minigrad.zeros(2, 3, dtype=minigrad.float64, requires_grad=True)
    F.normalize(x).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    assert gradgradcheck(F.cosine_similarity, (_d(2, 3), _d(2, 3, seed=1)))
    assert gradgradcheck(F.pairwise_distance, (_d(2, 3), _d(2, 3, seed=1)))
    assert gradgradcheck(F.normalize, (_d(2, 3),))
