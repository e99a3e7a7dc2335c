"""Layers (nn.modules other than the losses): default initialisation, reprs, BatchNorm's
statistics, Dropout, Embedding, and for every layer PyTorch parity with weights copied through
state_dict (outputs, input and parameter gradients, float32 and float64) and a float64 gradcheck."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.autograd import gradcheck, gradgradcheck
from tests.helpers import assert_close, torch_or_skip

RNG = np.random.default_rng(7)


# -------------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------------
def _torch_dtype(torch, dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def check_parity(make, input_shapes, dtype, train=True, int_inputs=(), rtol=None, atol=None,
                 steps=1):
    """Build the same layer in both libraries (``make(lib)``), copy PyTorch's state_dict into
    ours as NumPy arrays, then compare outputs, input gradients, parameter gradients and the
    buffers after ``steps`` forward/backward passes."""
    torch = torch_or_skip()
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    tol.update({k: v for k, v in (("rtol", rtol), ("atol", atol)) if v is not None})
    ref = make(torch.nn).to(_torch_dtype(torch, dtype))
    ours = make(nn).to(minigrad.float64 if dtype == np.float64 else minigrad.float32)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    ref.train(train)
    ours.train(train)
    for _ in range(steps):
        arrays = [a if i in int_inputs else a.astype(dtype)
                  for i, a in enumerate(_inputs(input_shapes, int_inputs))]
        mine = [minigrad.tensor(a, requires_grad=i not in int_inputs) for i, a in enumerate(arrays)]
        theirs = [torch.tensor(a, requires_grad=i not in int_inputs)
                  for i, a in enumerate(arrays)]
        out, expected = ours(*mine), ref(*theirs)
        assert_close(out, expected, **tol)
        assert out.dtype == (minigrad.float64 if dtype == np.float64 else minigrad.float32)
        seed = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
        out.backward(minigrad.tensor(seed))
        expected.backward(torch.tensor(seed))
        for m, t in zip(mine, theirs):
            if t.grad is not None:
                assert_close(m.grad, t.grad, **tol)
    ref_params = dict(ref.named_parameters())
    for name, param in ours.named_parameters():
        if ref_params[name].grad is None:
            assert param.grad is None
        else:
            assert_close(param.grad, ref_params[name].grad, **tol)
    ref_buffers = dict(ref.named_buffers())
    for name, buf in ours.named_buffers():
        assert_close(buf, ref_buffers[name], **tol)
    return ours


def _inputs(shapes, int_inputs):
    out = []
    for i, shape in enumerate(shapes):
        if i in int_inputs:
            high, shape = shape
            out.append(RNG.integers(0, high, shape))
        else:
            out.append(RNG.standard_normal(shape) * 1.5)
    return out


def gradcheck_layer(layer, *shapes, double=True):
    """gradcheck (and gradgradcheck) of a float64 layer w.r.t. its inputs and parameters."""
    layer = layer.double()
    names = [n for n, _ in layer.named_parameters()]
    params = [p for _, p in layer.named_parameters()]
    inputs = [minigrad.tensor(RNG.standard_normal(s), dtype=minigrad.float64,
                              requires_grad=True) for s in shapes]
    n = len(inputs)

    def fn(*args):
        for name, value in zip(names, args[n:]):
            module, _, attr = name.rpartition(".")
            layer.get_submodule(module)._parameters[attr] = value
        return layer(*args[:n])

    assert gradcheck(fn, tuple(inputs) + tuple(params))
    if double:
        assert gradgradcheck(fn, tuple(inputs) + tuple(params))


# -------------------------------------------------------------------------------------------------
# linear
# -------------------------------------------------------------------------------------------------
def test_linear_default_init_bounds_and_repr():
    layer = nn.Linear(400, 30)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.shape == (30, 400) and b.shape == (30,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert repr(nn.Linear(4, 8)) == "Linear(in_features=4, out_features=8, bias=True)"
    assert repr(nn.Linear(4, 8, bias=False)) == "Linear(in_features=4, out_features=8, bias=False)"
    assert nn.Linear(4, 8, bias=False).bias is None
    assert nn.Linear(2, 3, dtype=minigrad.float64).weight.dtype == minigrad.float64


def test_linear_init_is_reproducible_with_manual_seed():
    minigrad.manual_seed(5)
    a = nn.Linear(3, 2).weight.detach().numpy().copy()
    minigrad.manual_seed(5)
    assert np.array_equal(nn.Linear(3, 2).weight.detach().numpy(), a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_and_bilinear_match_torch(dtype):
    check_parity(lambda lib: lib.Linear(4, 3), [(5, 4)], dtype)
    check_parity(lambda lib: lib.Linear(4, 3, bias=False), [(2, 5, 4)], dtype)
    check_parity(lambda lib: lib.Bilinear(2, 3, 4), [(5, 2), (5, 3)], dtype)


def test_linear_gradchecks_and_bad_input():
    gradcheck_layer(nn.Linear(3, 2), (2, 3))
    gradcheck_layer(nn.Bilinear(2, 3, 2), (2, 2), (2, 3))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(2x3 and 4x8\)"):
        nn.Linear(4, 8)(minigrad.randn(2, 3))


def test_linear_layer_used_twice_accumulates_both_gradients():
    layer = nn.Linear(2, 2)
    x = minigrad.randn(3, 2)
    layer(layer(x)).sum().backward()
    g_twice = layer.weight.grad.numpy().copy()
    layer.zero_grad()
    w = layer.weight.detach()
    h = x @ w.T + layer.bias.detach()
    expected = minigrad.ones(3, 2) @ w  # upstream gradient of the first use
    g_outer = minigrad.ones(3, 2).T @ h
    g_inner = expected.T @ x
    assert_close(g_twice, (g_outer + g_inner).numpy(), rtol=1e-5)


# -------------------------------------------------------------------------------------------------
# activations
# -------------------------------------------------------------------------------------------------
ACTIVATION_LAYERS = [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("PReLU", ()), ("PReLU", (3, 0.1)),
    ("ELU", (0.5,)), ("CELU", ()), ("SELU", ()), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()),
    ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()), ("Hardtanh", (-2.0, 2.0)),
    ("Softplus", (2.0, 5.0)), ("Softmax", (1,)), ("LogSoftmax", (1,)), ("Softmin", (1,)),
    ("Softsign", ()), ("Tanhshrink", ()), ("Hardsigmoid", ()), ("Hardswish", ()),
    ("LogSigmoid", ()), ("Hardshrink", ()), ("Softshrink", (0.3,)), ("GLU", (1,)),
    ("Threshold", (0.1, 20.0)),
]


@pytest.mark.parametrize("name,args", ACTIVATION_LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_layers_match_torch_repr_and_values(name, args, dtype):
    torch = torch_or_skip()
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    # PyTorch rounds CELU's 1 / alpha and Hardsigmoid's 1 / 6 to float32 even for doubles.
    tol = dict(rtol=1e-5, atol=1e-5) if name in ("CELU", "Hardsigmoid") else {}
    check_parity(lambda lib: getattr(lib, name)(*args), [(2, 4, 3) if name == "GLU" else (2, 3)],
                 dtype, **tol)


def test_inplace_activation_layer_reprs_and_behaviour():
    x = minigrad.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2, True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    torch = torch_or_skip()
    for name, args in [("ReLU", (True,)), ("LeakyReLU", (0.2, True)), ("ELU", (0.5, True)),
                       ("Hardtanh", (-2, 2, True)), ("SiLU", (True,)), ("ReLU6", (True,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_activation_layers_gradcheck():
    gradcheck_layer(nn.PReLU(3), (2, 3, 2))
    gradcheck_layer(nn.Sequential(nn.ELU(), nn.GELU(), nn.Softplus(), nn.LogSoftmax(1)), (2, 3))


# -------------------------------------------------------------------------------------------------
# batch norm and friends
# -------------------------------------------------------------------------------------------------
def test_batchnorm2d_training_normalises_and_tracks_unbiased_running_var():
    bn = nn.BatchNorm2d(2)
    assert bn.weight.tolist() == [1.0, 1.0] and bn.bias.tolist() == [0.0, 0.0]
    x = minigrad.tensor(RNG.standard_normal((4, 2, 3, 3)) * 3 + 1, dtype=minigrad.float32)
    y = bn(x).detach().numpy()
    assert_close(y.mean(axis=(0, 2, 3)), [0.0, 0.0], atol=1e-5)
    assert_close(y.var(axis=(0, 2, 3)), [1.0, 1.0], rtol=1e-3)  # biased variance, eps 1e-5
    a = x.numpy()
    assert_close(bn.running_mean, 0.1 * a.mean(axis=(0, 2, 3)), rtol=1e-5)
    assert_close(bn.running_var, 0.9 + 0.1 * a.var(axis=(0, 2, 3), ddof=1), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    y_eval = bn(x).detach().numpy()
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    assert_close(y_eval, (a - rm[None, :, None, None]) / np.sqrt(rv[None, :, None, None] + 1e-5),
                 rtol=1e-5, atol=1e-5)
    assert bn.num_batches_tracked.item() == 1


def test_batchnorm1d_on_a_batch_of_two_and_of_one():
    bn = nn.BatchNorm1d(3)
    out = bn(minigrad.tensor([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]))
    assert_close(np.abs(out.detach().numpy()), np.full((2, 3), 0.9999), atol=1e-4)
    assert_close(out.detach().numpy()[0], [-0.99999, -0.99999, -0.99999], atol=1e-4)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size \[1, 3\]"):
        bn(minigrad.randn(1, 3))
    bn.eval()
    assert bn(minigrad.randn(1, 3)).shape == (1, 3)


def test_batchnorm_momentum_none_is_a_cumulative_average_and_state_dict_keys():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [RNG.standard_normal((5, 2)) for _ in range(3)]
    for b in batches:
        bn(minigrad.tensor(b, dtype=minigrad.float32))
    assert_close(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-5)
    keys = list(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).state_dict())
    assert keys == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                    "1.running_var", "1.num_batches_tracked"]
    assert nn.BatchNorm1d(2).state_dict()["num_batches_tracked"].dtype == minigrad.int64


def test_batchnorm_without_affine_or_tracking():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert bn.weight is None and bn.running_mean is None
    bn.eval()  # no running stats: batch statistics even in eval
    out = bn(minigrad.randn(4, 3)).numpy()
    assert_close(out.mean(0), np.zeros(3), atol=1e-5)
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(minigrad.randn(3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(minigrad.randn(2, 3, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 2 elements not 3"):
        nn.BatchNorm1d(3)(minigrad.randn(4, 2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_norm_layers_match_torch(dtype):
    check_parity(lambda lib: lib.BatchNorm1d(3), [(4, 3)], dtype, steps=2)
    check_parity(lambda lib: lib.BatchNorm1d(3, momentum=None), [(4, 3, 2)], dtype, steps=2)
    check_parity(lambda lib: lib.BatchNorm2d(2, momentum=0.3), [(3, 2, 2, 3)], dtype, steps=2)
    check_parity(lambda lib: lib.BatchNorm2d(2), [(3, 2, 2, 3)], dtype, train=False)
    check_parity(lambda lib: lib.BatchNorm2d(2, affine=False), [(3, 2, 2, 2)], dtype)
    check_parity(lambda lib: lib.LayerNorm((3, 2)), [(2, 4, 3, 2)], dtype)
    check_parity(lambda lib: lib.LayerNorm(4, bias=False), [(3, 4)], dtype)
    check_parity(lambda lib: lib.GroupNorm(2, 4), [(2, 4, 3)], dtype)


def test_norm_layer_reprs_match_torch():
    torch = torch_or_skip()
    for name, args, kwargs in [("BatchNorm1d", (3,), {}), ("BatchNorm2d", (2,), {"eps": 1e-3}),
                               ("BatchNorm2d", (2,), {"affine": False, "momentum": None}),
                               ("LayerNorm", ((3, 2),), {}), ("LayerNorm", (4,), {"bias": False}),
                               ("GroupNorm", (2, 4), {"affine": False})]:
        assert repr(getattr(nn, name)(*args, **kwargs)) == \
            repr(getattr(torch.nn, name)(*args, **kwargs))


def test_norm_layers_gradcheck_in_training_mode():
    gradcheck_layer(nn.BatchNorm1d(2), (3, 2))
    gradcheck_layer(nn.BatchNorm2d(2), (2, 2, 2, 1))
    gradcheck_layer(nn.LayerNorm(3), (2, 3))
    gradcheck_layer(nn.GroupNorm(2, 4), (2, 4, 1))
    gradcheck_layer(nn.BatchNorm1d(2).eval(), (3, 2))


# -------------------------------------------------------------------------------------------------
# dropout
# -------------------------------------------------------------------------------------------------
def test_dropout_layer_scales_and_eval_is_identity():
    drop = nn.Dropout(p=0.4)
    assert repr(drop) == "Dropout(p=0.4, inplace=False)"
    x = minigrad.ones(2000)
    y = drop(x).numpy()
    assert_close(np.unique(y), np.array([0.0, 1 / 0.6], np.float32))
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(-0.1)


def test_dropout_layers_gradcheck_with_a_fixed_mask():
    for layer, shape in ((nn.Dropout(0.3), (3, 4)), (nn.Dropout2d(0.5), (2, 3, 2, 2))):
        def fn(a, layer=layer):
            minigrad.manual_seed(11)
            return layer(a)

        x = minigrad.tensor(RNG.standard_normal(shape), requires_grad=True)
        assert gradcheck(fn, (x,))


# -------------------------------------------------------------------------------------------------
# embedding
# -------------------------------------------------------------------------------------------------
def test_embedding_init_padding_idx_and_repr():
    emb = nn.Embedding(10, 3, padding_idx=2)
    assert emb.weight.detach().numpy()[2].tolist() == [0.0, 0.0, 0.0]
    out = emb(minigrad.tensor([[2, 1], [2, 4]]))
    assert out.shape == (2, 2, 3)
    out.sum().backward()
    assert emb.weight.grad.numpy()[2].tolist() == [0.0, 0.0, 0.0]
    assert emb.weight.grad.numpy()[1].tolist() == [1.0, 1.0, 1.0]
    assert repr(emb) == "Embedding(10, 3, padding_idx=2)"
    assert nn.Embedding(10, 3, padding_idx=-1).padding_idx == 9
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)


def test_embedding_from_pretrained_and_max_norm():
    weights = minigrad.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    emb = nn.Embedding.from_pretrained(weights)
    assert not emb.weight.requires_grad
    assert_close(emb(minigrad.tensor([1])), [[4.0, 5.1, 6.3]])
    assert nn.Embedding.from_pretrained(weights, freeze=False).weight.requires_grad
    capped = nn.Embedding(4, 3, max_norm=1.0)
    capped(minigrad.tensor([0, 1]))
    norms = np.linalg.norm(capped.weight.detach().numpy(), axis=1)
    assert np.all(norms[:2] <= 1.0 + 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_matches_torch(dtype):
    check_parity(lambda lib: lib.Embedding(6, 3, padding_idx=0), [(6, (2, 4))], dtype,
                 int_inputs=(0,))
    check_parity(lambda lib: lib.Embedding(6, 3, scale_grad_by_freq=True), [(6, (5,))], dtype,
                 int_inputs=(0,))


# -------------------------------------------------------------------------------------------------
# shape layers: flatten, padding, upsampling, distances
# -------------------------------------------------------------------------------------------------
def test_flatten_unflatten():
    x = minigrad.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-1, (-1, 4))(minigrad.randn(2, 12)).shape == (2, 3, 4)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (3, 20))) == "Unflatten(dim=1, unflattened_size=(3, 20))"
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, (3, 2.0))


SHAPE_LAYERS = [
    ("ZeroPad2d", (1,), (1, 2, 3, 3)), ("ZeroPad2d", ((1, 0, 2, 1),), (1, 2, 3, 3)),
    ("ConstantPad2d", ((1, 2, 0, 1), 3.5), (2, 3, 3)), ("ConstantPad1d", (2, -1.0), (1, 2, 3)),
    ("ReflectionPad2d", (1,), (1, 2, 3, 3)), ("ReflectionPad1d", ((2, 1),), (1, 2, 4)),
    ("ReplicationPad2d", ((1, 2, 0, 1),), (1, 1, 3, 3)), ("ReplicationPad1d", (2,), (2, 3)),
    ("CircularPad2d", (1,), (1, 1, 3, 3)),
    ("Upsample", (None, 2.0), (1, 2, 3, 3)), ("Upsample", ((5, 4), None, "bilinear"), (1, 2, 3, 3)),
    ("Upsample", (None, 2, "bilinear", True), (1, 1, 2, 3)),
    ("UpsamplingNearest2d", (None, 3), (1, 1, 2, 2)),
    ("UpsamplingBilinear2d", ((4, 5),), (1, 1, 2, 3)),
]


@pytest.mark.parametrize("name,args,shape", SHAPE_LAYERS)
def test_shape_layers_match_torch_and_repr(name, args, shape):
    torch = torch_or_skip()
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    check_parity(lambda lib: getattr(lib, name)(*args), [shape], np.float64)
    check_parity(lambda lib: getattr(lib, name)(*args), [shape], np.float32)


def test_distance_layers_gradcheck_and_match_torch():
    gradcheck_layer(nn.CosineSimilarity(), (2, 3), (2, 3))
    gradcheck_layer(nn.PairwiseDistance(), (2, 3), (2, 3))
    check_parity(lambda lib: lib.PairwiseDistance(), [(3, 4), (3, 4)], np.float64)
    check_parity(lambda lib: lib.PairwiseDistance(p=1.0, keepdim=True), [(3, 4), (3, 4)],
                 np.float32)
    check_parity(lambda lib: lib.CosineSimilarity(dim=0), [(3, 4), (3, 4)], np.float64)


def test_shape_layers_gradcheck():
    gradcheck_layer(nn.ReflectionPad2d(1), (1, 1, 2, 3))
    gradcheck_layer(nn.Upsample(scale_factor=2, mode="bilinear"), (1, 1, 2, 2))
    gradcheck_layer(nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 3))), (2, 6))


# -------------------------------------------------------------------------------------------------
# convolution and pooling
# -------------------------------------------------------------------------------------------------
CONV_LAYERS = [
    ("Conv2d", (1, 3, 3), {}, (2, 1, 5, 5)),
    ("Conv2d", (4, 6, (3, 2)), {"stride": 2, "padding": 1, "groups": 2}, (2, 4, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": "same", "dilation": 2, "bias": False}, (1, 2, 6, 5)),
    ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, (1, 2, 4, 4)),
    ("Conv2d", (2, 3, 3), {"padding": (1, 2), "padding_mode": "circular"}, (1, 2, 4, 4)),
    ("Conv2d", (2, 2, 2), {"padding": 1, "padding_mode": "replicate"}, (2, 3, 3)),
    ("Conv1d", (2, 4, 3), {"stride": 2, "padding": 1}, (2, 2, 7)),
    ("Conv1d", (2, 2, 3), {"padding": "same", "padding_mode": "reflect"}, (1, 2, 5)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 3, 4)),
    ("ConvTranspose2d", (4, 2, 2), {"groups": 2, "dilation": 2, "bias": False}, (1, 4, 3, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", CONV_LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_layers_match_torch_and_repr(name, args, kwargs, shape, dtype):
    torch = torch_or_skip()
    assert repr(getattr(nn, name)(*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))
    check_parity(lambda lib: getattr(lib, name)(*args, **kwargs), [shape], dtype)


def test_conv_default_init_bounds():
    conv = nn.Conv2d(3, 30, 5)
    bound = 1 / math.sqrt(3 * 5 * 5)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert w.shape == (30, 3, 5, 5)
    assert bound * 0.95 < np.abs(w).max() <= bound and np.abs(b).max() <= bound
    transposed = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert transposed.weight.shape == (4, 3, 3, 3)
    assert np.abs(transposed.bias.detach().numpy()).max() <= 1 / math.sqrt(3 * 9)


def test_conv_layers_gradcheck():
    gradcheck_layer(nn.Conv2d(2, 2, 2, stride=2, padding=1), (1, 2, 3, 3))
    gradcheck_layer(nn.Conv1d(2, 1, 2, padding=1, padding_mode="reflect"), (1, 2, 3))
    gradcheck_layer(nn.ConvTranspose2d(2, 1, 2, stride=2), (1, 2, 2, 2))


def test_conv_transpose_output_size_and_bad_input():
    up = nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1)
    x = minigrad.randn(1, 2, 4, 4)
    assert up(x).shape == (1, 1, 7, 7)
    assert up(x, output_size=[8, 8]).shape == (1, 1, 8, 8)
    assert up(x, output_size=(1, 1, 8, 8)).shape == (1, 1, 8, 8)
    with pytest.raises(ValueError, match=r"requested an output size of \[9, 9\], but valid sizes "
                                         r"range from \[7, 7\] to \[8, 8\]"):
        up(x, output_size=(9, 9))
    with pytest.raises(RuntimeError, match=r"expected input\[1, 2, 5, 5\] to have 3 channels, "
                                           r"but got 2 channels instead"):
        nn.Conv2d(3, 4, 3)(minigrad.randn(1, 2, 5, 5))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for '
                                         'ConvTranspose2d'):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")


POOL_LAYERS = [
    ("MaxPool2d", (2,), {}, (2, 3, 4, 4)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 2, 5, 6)),
    ("MaxPool1d", (2,), {"stride": 1}, (2, 3, 5)),
    ("AvgPool2d", (2,), {"padding": 1, "count_include_pad": False}, (1, 2, 4, 5)),
    ("AvgPool2d", ((2, 3),), {"stride": 1, "divisor_override": 4}, (1, 2, 4, 5)),
    ("AvgPool1d", (3,), {"stride": 2}, (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 3, 5, 7)),
    ("AdaptiveMaxPool2d", (2,), {}, (1, 2, 5, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", POOL_LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pool_layers_match_torch_and_repr(name, args, kwargs, shape, dtype):
    torch = torch_or_skip()
    assert repr(getattr(nn, name)(*args, **kwargs)) == \
        repr(getattr(torch.nn, name)(*args, **kwargs))
    check_parity(lambda lib: getattr(lib, name)(*args, **kwargs), [shape], dtype)


def test_max_pool_indices_and_unpool_match_torch():
    torch = torch_or_skip()
    x = RNG.standard_normal((1, 2, 4, 4))
    pool, ref_pool = nn.MaxPool2d(2, return_indices=True), torch.nn.MaxPool2d(2,
                                                                              return_indices=True)
    (out, idx), (ref_out, ref_idx) = pool(minigrad.tensor(x)), ref_pool(torch.tensor(x))
    assert_close(out, ref_out)
    assert idx.tolist() == ref_idx.tolist()
    unpool = nn.MaxUnpool2d(2)
    assert repr(unpool) == repr(torch.nn.MaxUnpool2d(2))
    assert_close(unpool(out, idx), torch.nn.MaxUnpool2d(2)(ref_out, ref_idx))


def test_pool_layers_gradcheck():
    gradcheck_layer(nn.MaxPool2d(2, stride=1), (1, 1, 3, 3))
    gradcheck_layer(nn.AvgPool2d(2, padding=1), (1, 1, 3, 3))
    gradcheck_layer(nn.AdaptiveAvgPool2d(2), (1, 1, 3, 3))
    gradcheck_layer(nn.AdaptiveMaxPool2d((1, 2)), (1, 1, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_simple_conv_net_matches_torch(dtype):
    """The main example's network (at a small batch): Conv2d -> ReLU -> MaxPool2d -> Flatten ->
    Linear -> ReLU -> Linear, and its cross-entropy loss and gradients."""
    torch = torch_or_skip()

    def make(lib):
        return lib.Sequential(lib.Conv2d(1, 30, 5), lib.ReLU(), lib.MaxPool2d(2, 2),
                              lib.Flatten(), lib.Linear(30 * 12 * 12, 100), lib.ReLU(),
                              lib.Linear(100, 10))

    net = check_parity(make, [(4, 1, 28, 28)], dtype, rtol=1e-4 if dtype == np.float32 else None)
    ref = make(torch.nn).to(_torch_dtype(torch, dtype))
    net.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = RNG.standard_normal((4, 1, 28, 28)).astype(dtype)
    y = np.array([3, 1, 4, 1])
    loss = nn.CrossEntropyLoss()(net(minigrad.tensor(x)), minigrad.tensor(y))
    ref_loss = torch.nn.CrossEntropyLoss()(ref(torch.tensor(x)), torch.tensor(y))
    assert_close(loss, ref_loss, rtol=1e-5 if dtype == np.float32 else 1e-10)
    net.zero_grad()
    loss.backward()
    ref_loss.backward()
    assert_close(net[0].weight.grad, ref[0].weight.grad,
                 rtol=1e-4 if dtype == np.float32 else 1e-9, atol=1e-6)
