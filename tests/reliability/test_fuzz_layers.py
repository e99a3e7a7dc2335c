"""Fuzzing the nn layers and losses (contract in tests/reliability/fuzz.py).

Each layer is built from hostile constructor arguments (zero, negative and huge sizes, kernel
sizes, strides, paddings, dilations, wrong types) and called on hostile inputs (wrong ranks,
channels and dtypes, empty batches, zero-size spatial dims, NaN/inf, strided views). The
reference is PyTorch when it is installed (same arguments, same weights): where PyTorch
raises, minigrad must raise a documented exception; where PyTorch returns, minigrad returns the
same values (or, for inputs PyTorch accepts but that are not float32, a documented error).
Without PyTorch only the contract (result or documented exception, no hang) is checked.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn as nn
from tests.reliability.fuzz import (
    FUZZ,
    check,
    params,
    reference,
    run,
    shapes,
    tensors,
)

try:
    import torch
except ImportError:  # the contract is still checked without the reference
    torch = None

# Huge sizes are so large that any product with a non-zero size cannot be allocated (never
# a few GB that overcommit would hand out and initialisation would then touch).
sizes = st.one_of(st.integers(-1, 4), st.sampled_from([2 ** 62, 2 ** 40]))
small = st.integers(-1, 3)
pairs = st.one_of(small, st.tuples(small, small), st.tuples(small))


def _copy_state(ours, theirs) -> None:
    """Give the torch layer minigrad's parameters and buffers."""
    with torch.no_grad():
        state = {k: torch.from_numpy(np.array(v._data)) for k, v in ours.state_dict().items()}
        theirs.load_state_dict(state, strict=False)


def _to_torch(a: np.ndarray):
    # A fresh C-ordered copy: torch.from_numpy refuses negative strides (flipped views), and
    # np.ascontiguousarray would turn a 0-d array into a 1-d one.
    return torch.from_numpy(np.array(a, order="C"))


# name -> (constructor kwargs strategy, function giving a plausible valid input shape)
def _conv_shape(kw, n):
    c = kw["in_channels"] if isinstance(kw["in_channels"], int) else 1
    return (2, max(c, 0)) + (5,) * n


LAYERS = {
    "Linear": (st.fixed_dictionaries({"in_features": sizes, "out_features": sizes,
                                      "bias": st.booleans()}),
               lambda kw: (2, kw["in_features"] if 0 <= kw["in_features"] < 9 else 3)),
    "Conv1d": (st.fixed_dictionaries({"in_channels": sizes, "out_channels": sizes,
                                      "kernel_size": small, "stride": small, "padding": small,
                                      "dilation": small, "groups": small}),
               lambda kw: _conv_shape(kw, 1)),
    "Conv2d": (st.fixed_dictionaries({"in_channels": sizes, "out_channels": sizes,
                                      "kernel_size": pairs, "stride": pairs,
                                      "padding": st.one_of(pairs, st.sampled_from(
                                          ["same", "valid", "full"])),
                                      "dilation": pairs, "groups": small,
                                      "padding_mode": st.sampled_from(
                                          ["zeros", "reflect", "circular", "bogus"])}),
               lambda kw: _conv_shape(kw, 2)),
    "ConvTranspose2d": (st.fixed_dictionaries({"in_channels": sizes, "out_channels": sizes,
                                               "kernel_size": pairs, "stride": pairs,
                                               "padding": pairs, "output_padding": small,
                                               "dilation": pairs}),
                        lambda kw: _conv_shape(kw, 2)),
    "MaxPool2d": (st.fixed_dictionaries({"kernel_size": pairs, "stride": st.one_of(
        st.none(), pairs), "padding": pairs, "dilation": pairs, "ceil_mode": st.booleans()}),
        lambda kw: (2, 3, 5, 5)),
    "AvgPool2d": (st.fixed_dictionaries({"kernel_size": pairs, "stride": st.one_of(
        st.none(), pairs), "padding": pairs, "ceil_mode": st.booleans(),
        "count_include_pad": st.booleans()}), lambda kw: (2, 3, 5, 5)),
    "MaxPool1d": (st.fixed_dictionaries({"kernel_size": small, "stride": st.one_of(
        st.none(), small), "padding": small}), lambda kw: (2, 3, 6)),
    "AvgPool1d": (st.fixed_dictionaries({"kernel_size": small, "stride": st.one_of(
        st.none(), small), "padding": small}), lambda kw: (2, 3, 6)),
    "AdaptiveAvgPool2d": (st.fixed_dictionaries({"output_size": pairs}),
                          lambda kw: (2, 3, 5, 5)),
    "AdaptiveMaxPool2d": (st.fixed_dictionaries({"output_size": pairs}),
                          lambda kw: (2, 3, 5, 5)),
    "BatchNorm1d": (st.fixed_dictionaries({"num_features": sizes}),
                    lambda kw: (3, kw["num_features"] if 0 <= kw["num_features"] < 9 else 2)),
    "BatchNorm2d": (st.fixed_dictionaries({"num_features": sizes}),
                    lambda kw: (2, kw["num_features"] if 0 <= kw["num_features"] < 9 else 2,
                                3, 3)),
    "LayerNorm": (st.fixed_dictionaries({"normalized_shape": st.one_of(
        sizes, st.tuples(small, small))}), lambda kw: (2, 3, 3)),
    "GroupNorm": (st.fixed_dictionaries({"num_groups": small, "num_channels": small}),
                  lambda kw: (2, max(kw["num_channels"], 0), 3)),
    "Embedding": (st.fixed_dictionaries({"num_embeddings": sizes, "embedding_dim": sizes,
                                         "padding_idx": st.one_of(st.none(), small)}),
                  None),
    "Dropout": (st.fixed_dictionaries({"p": st.sampled_from([0.0, 1.0, -0.1, 1.5, math.nan])}),
                lambda kw: (2, 3)),
    "Flatten": (st.fixed_dictionaries({"start_dim": small, "end_dim": small}),
                lambda kw: (2, 3, 2)),
    "Softmax": (st.fixed_dictionaries({"dim": st.integers(-4, 3)}), lambda kw: (2, 3)),
    "LogSoftmax": (st.fixed_dictionaries({"dim": st.integers(-4, 3)}), lambda kw: (2, 3)),
    "ZeroPad2d": (st.fixed_dictionaries({"padding": st.one_of(small, st.tuples(
        small, small, small, small))}), lambda kw: (1, 2, 3, 3)),
    "ReflectionPad2d": (st.fixed_dictionaries({"padding": st.one_of(st.integers(-1, 4))}),
                        lambda kw: (1, 2, 3, 3)),
    "Upsample": (st.fixed_dictionaries({"scale_factor": st.sampled_from([1, 2, 0, -1, 0.5]),
                                        "mode": st.sampled_from(["nearest", "bilinear",
                                                                 "bogus"])}),
                 lambda kw: (1, 2, 3, 3)),
}
# Layers with randomness in training mode are compared in eval mode.
EVAL = {"Dropout", "BatchNorm1d", "BatchNorm2d"}
# Exception types PyTorch's own constructors raise for these arguments.
PYTORCH_ALSO = {"Embedding": (AssertionError,), "GroupNorm": (ZeroDivisionError,)}


@pytest.mark.parametrize("name", params("layer", sorted(LAYERS)))
@FUZZ
@given(data=st.data())
def test_layer(name, data):
    """Construct with hostile arguments, then call on a plausible or a hostile input."""
    kwargs_strategy, valid_shape = LAYERS[name]
    kwargs = data.draw(kwargs_strategy)
    built = run(getattr(nn, name), also=PYTORCH_ALSO.get(name, ()), **kwargs)
    theirs_built = reference(getattr(torch.nn, name), **kwargs) if torch else None
    what = f"nn.{name}(**{kwargs})"
    if theirs_built is not None and theirs_built.raised:
        assert built.raised, f"{what} built, PyTorch raised {theirs_built.error!r}"
    if built.raised:
        return
    layer = built.value
    if name in EVAL:
        layer.eval()
    if valid_shape is None:  # Embedding: integer indices, in or out of range
        idx = np.asarray(data.draw(st.lists(st.integers(-2, 6), max_size=4)), dtype=np.int64)
        ours = run(layer, minigrad.tensor(idx))
        if theirs_built is not None and not theirs_built.raised:
            _copy_state(layer, theirs_built.value)
            ref = reference(lambda: theirs_built.value(torch.from_numpy(idx)).detach().numpy())
            check(ours, ref, f"{what}({idx})")
        elif not ours.raised:
            assert tuple(ours.value.shape) == idx.shape + (kwargs["embedding_dim"],)
        return
    shape = valid_shape(kwargs) if data.draw(st.booleans()) else data.draw(
        shapes(max_dims=5, max_side=4))
    # float64 input into a float32 layer is its own test (test_dtype_mismatch_raises).
    dtypes = (np.float32,) if data.draw(st.integers(0, 3)) else (np.float32, np.int64, np.bool_)
    case = data.draw(tensors(dtypes, shape=shape))
    ours = run(layer, case.tensor)
    if theirs_built is None or theirs_built.raised:
        if not ours.raised:
            assert isinstance(ours.value, minigrad.Tensor)
        return
    theirs = theirs_built.value
    if name in EVAL:
        theirs.eval()
    _copy_state(layer, theirs)
    ref = reference(lambda: theirs(_to_torch(case.array)).detach().numpy())
    what = f"{what}({case})"
    if ref.raised and not ours.raised and (
            case.array.size == 0 or case.array.dtype != np.float32 or _has_empty_param(layer)):
        # PyTorch refuses some inputs minigrad handles sensibly (empty channels, padding of
        # bool tensors); minigrad's result must at least be a tensor.
        assert isinstance(ours.value, minigrad.Tensor), what
        return
    check(ours, ref, what, must_succeed=case.array.dtype == np.float32,
          atol=_scale(case.array, layer))


def _has_empty_param(layer) -> bool:
    return any(p._data.size == 0 for p in layer.parameters())


def _scale(x: np.ndarray, layer) -> float:
    """Absolute tolerance for a layer output: float32 rounding of sums of products of the
    largest finite input and weight magnitudes (inputs hold values up to 1e30)."""
    finite = np.abs(x[np.isfinite(x)]).astype(np.float64)
    big_x = float(finite.max(initial=0.0))
    big_w = max([float(np.abs(p._data).max(initial=0.0)) for p in layer.parameters()] + [1.0])
    return 1e-4 * (1.0 + big_x) * big_w * 50


LOSSES = ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss",
          "SmoothL1Loss", "HuberLoss", "KLDivLoss"]
CLASS_TARGET = {"CrossEntropyLoss", "NLLLoss"}


@pytest.mark.parametrize("name", LOSSES)
@FUZZ
@given(data=st.data())
def test_loss(name, data):
    """Losses with mismatched shapes, out-of-range class indices, ignore_index, probabilities
    outside [0, 1], wrong target dtypes, empty batches and every reduction (and a bogus one)."""
    reduction = data.draw(st.sampled_from(["mean", "sum", "none", "bogus"]))
    kwargs = {"reduction": reduction}
    if name in CLASS_TARGET:
        kwargs["ignore_index"] = data.draw(st.sampled_from([-100, 0, 1]))
    n = data.draw(st.integers(0, 3))
    c = data.draw(st.integers(1, 4))
    inp = data.draw(tensors((np.float32,), shape=data.draw(st.sampled_from(
        [(n, c), (c,), (n, c, 2), (n,)]))))
    if name in CLASS_TARGET and data.draw(st.booleans()):
        tshape = inp.array.shape[:1] + inp.array.shape[2:] if inp.array.ndim > 1 else ()
        target_array = np.asarray(np.random.default_rng(n).integers(-1, c + 1, size=tshape),
                                  dtype=np.int64)
    else:
        target_case = data.draw(tensors((np.float32, np.int64), shape=data.draw(
            st.sampled_from([inp.array.shape, (n,), (c,)])), special=False))
        target_array = target_case.array
        if name == "BCELoss" and target_array.dtype == np.float32:
            target_array = np.clip(target_array, 0, 1)
    x = inp.array
    if name == "BCELoss" and data.draw(st.booleans()):
        with np.errstate(all="ignore"):
            x = 1 / (1 + np.exp(-x))  # mostly inside [0, 1] (NaN stays NaN)
    built = run(getattr(nn, name), **kwargs)
    what = f"nn.{name}(**{kwargs})(x{x.shape}, target{target_array.shape} {target_array.dtype})"
    if built.raised:
        assert reduction == "bogus", f"{what}: {built.error!r}"
        return
    ours = run(built.value, minigrad.tensor(x), minigrad.tensor(target_array))
    if torch is None:
        return
    theirs = reference(getattr(torch.nn, name), **kwargs)
    if theirs.raised:
        assert ours.raised, f"{what}: PyTorch raised {theirs.error!r} at construction"
        return
    ref = reference(lambda: theirs.value(_to_torch(x), _to_torch(target_array)).numpy())
    check(ours, ref, what, atol=1e-4)
