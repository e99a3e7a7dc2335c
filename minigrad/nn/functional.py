"""``minigrad.nn.functional``: the stateless form of every layer and loss.

``import minigrad.nn.functional as F`` and call ``F.relu(x)``, ``F.cross_entropy(logits, y)``,
``F.conv2d(x, w)``... with PyTorch's argument names, defaults, shapes and errors. The heavy
lifting is in Functions under ``minigrad/ops`` (``nn_ops.py``, ``loss.py``, ``conv.py``,
``pool.py``); this module validates arguments and composes them.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Optional, Sequence, Union

import numpy as np

from minigrad.ops import elementwise as _ew
from minigrad.ops import inplace as _inplace
from minigrad.ops import loss as _loss
from minigrad.ops import nn_ops as _nn
from minigrad.ops import reduce as _red
from minigrad.ops._util import as_tensor_arg, broadcast_shapes, normalize_dim

# Convolution and pooling are differentiable ops of their own (ops/conv.py, ops/pool.py).
from minigrad.ops.conv import (  # noqa: F401
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    unfold,
)
from minigrad.ops.pool import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
    max_unpool1d,
    max_unpool2d,
)
from minigrad.random import get_rng
from minigrad.tensor import Tensor


def _type_name(t: Tensor) -> str:
    """PyTorch's scalar type name (``Float``, ``Long``...) used in its error messages."""
    return _ew.scalar_type_name(t._data.dtype)


def _require_float(input: Tensor, name: str) -> None:
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}" not implemented for \'{_type_name(input)}\'')


def _maybe_inplace(fn, input: Tensor, inplace: bool, *args) -> Tensor:
    """``fn(input, *args)``, written back into ``input`` when ``inplace`` (history rebased)."""
    if inplace:
        return _inplace.apply_inplace(input, fn, *args)
    return fn(input, *args)


# =================================================================================================
# Linear layers
# =================================================================================================
def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """``input @ weight.T + bias`` in one GEMM.

    input: (*, in_features), weight: (out_features, in_features), bias: (out_features,)
    -> (*, out_features).
    """
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.ndim}D and {weight.ndim}D")
    if weight.ndim != 2:
        out = input @ weight.t()
        return out if bias is None else out + bias
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_type_name(input)} "
                           f"and {_type_name(weight)}")
    if input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} "
                           f"and {weight.shape[1]}x{weight.shape[0]})")
    if bias is not None and (bias.shape != (weight.shape[0],)
                             or bias._data.dtype != input._data.dtype):
        return _nn.Linear.apply(input, weight, None) + bias
    return _nn.Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Optional[Tensor] = None) -> Tensor:
    """``y[..., o] = sum_ij x1[..., i] * weight[o, i, j] * x2[..., j] + bias[o]``.

    input1: (*, in1), input2: (*, in2), weight: (out, in1, in2), bias: (out,) -> (*, out).
    """
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for i, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: "
                               f"got {a} and {b}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.ndim}D")
    n_out, n_in1, n_in2 = weight.shape
    if input1.shape[-1] != n_in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {n_in1}")
    if input2.shape[-1] != n_in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {n_in2}")
    x1 = input1.reshape(-1, n_in1)
    x2 = input2.reshape(-1, n_in2)
    # One GEMM: (B, in1) @ (in1, out * in2), then contract in2 with x2.
    mixed = (x1 @ weight.permute(1, 0, 2).reshape(n_in1, n_out * n_in2)).reshape(-1, n_out, n_in2)
    out = (mixed * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(tuple(input1.shape[:-1]) + (n_out,))


# =================================================================================================
# Activations
# =================================================================================================
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x)."""
    return _maybe_inplace(_ew.relu, input, inplace)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def _threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return _nn.Threshold.apply(input, threshold, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _maybe_inplace(_threshold, input, inplace, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _maybe_inplace(_threshold, input, True, threshold, value)


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    return _nn.Hardtanh.apply(input, min_val, max_val)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """clip(x, min_val, max_val)."""
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu(input: Tensor, negative_slope: float) -> Tensor:
    _require_float(input, "leaky_relu_cpu")
    return _nn.LeakyRelu.apply(input, negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    return _maybe_inplace(_leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learnt slope: one for all channels or one per channel (dim 1)."""
    if input.ndim == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {weight.numel()} and channel size = {channels}.")
        weight = weight.reshape((1, channels) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    return _ew.where(input > 0, input, weight * input)


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    _require_float(input, "elu_cpu")
    return _nn.Elu.apply(input, alpha, scale, input_scale)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(_elu, input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0 / alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))))."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _require_float(input, "GeluKernelImpl")
    if approximate == "none":
        return input * (_ew.erf(input * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
    return input * (_ew.tanh(inner) + 1.0) * 0.5


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (swish)."""
    _require_float(input, "silu_cpu")
    return _maybe_inplace(lambda x: x * _ew.sigmoid(x), input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    _require_float(input, "mish_cpu")
    return _maybe_inplace(lambda x: x * _ew.tanh(_nn.Softplus.apply(x, 1.0, 20.0)), input,
                          inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta; linear where beta * x > threshold (for stability)."""
    _require_float(input, "softplus_cpu")
    return _nn.Softplus.apply(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for large |x|."""
    _require_float(input, "log_sigmoid_cpu")
    return _nn.LogSigmoid.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _ew.tanh(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - _ew.tanh(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1 / 2 in between."""
    _require_float(input, "hardsigmoid_cpu")
    return _maybe_inplace(lambda x: _nn.Hardtanh.apply(x / 6.0 + 0.5, 0.0, 1.0), input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x)."""
    _require_float(input, "hardswish_cpu")
    return _maybe_inplace(lambda x: x * _nn.Hardtanh.apply(x / 6.0 + 0.5, 0.0, 1.0), input,
                          inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return _ew.where(input.abs() > lambd, input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _ew.where(input > lambd, input - lambd, _ew.where(input < -lambd, input + lambd, 0.0))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim)
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    lead = (slice(None),) * d
    return input[lead + (slice(0, n // 2),)] * _ew.sigmoid(input[lead + (slice(n // 2, n),)])


def _implicit_dim_warning(name: str) -> None:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably."""
    if dim is None:
        _implicit_dim_warning("softmax")
    return _red.softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    if dim is None:
        _implicit_dim_warning("softmin")
    if dtype is not None:
        input = input.to(dtype)
    return _red.softmax(-input, dim)


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``, computed stably."""
    if dim is None:
        _implicit_dim_warning("log_softmax")
    return _red.log_softmax(input, dim, dtype=dtype)


# =================================================================================================
# Normalisation
# =================================================================================================
def _affine(x: Tensor, weight: Optional[Tensor], bias: Optional[Tensor], shape: tuple) -> Tensor:
    if weight is not None:
        x = x * weight.reshape(shape)
    if bias is not None:
        x = x + bias.reshape(shape)
    return x


def _verify_batch_size(shape: tuple) -> None:
    if math.prod(shape[:1] + shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{list(shape)}")


def batch_norm(input: Tensor, running_mean: Optional[Tensor], running_var: Optional[Tensor],
               weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of input: (N, C, *) over the batch and spatial dims.

    In training (or without running statistics) the batch's mean and biased variance are used
    and, when given, ``running_mean`` / ``running_var`` are updated in place with ``momentum``
    (the running variance takes the unbiased batch variance). Otherwise the running statistics
    are used.
    """
    if input.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")
    if training:
        _verify_batch_size(tuple(input.shape))
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training or running_mean is None or running_var is None:
        axes = (0,) + tuple(range(2, input.ndim))
        mean, var = _nn.moments(input._data, axes)
        if training and running_mean is not None and running_var is not None:
            n = input.numel() // channels
            _update_running(running_mean, mean.reshape(-1), momentum)
            _update_running(running_var, var.reshape(-1) * (n / max(n - 1, 1)), momentum)
        return _affine(_nn.Normalize.apply(input, axes, eps, mean, var), weight, bias, shape)
    # Evaluation: an affine map with constant statistics, folded into one scale and shift.
    dt = input._data.dtype
    rstd = Tensor._from_array((1.0 / np.sqrt(running_var._data + eps)).astype(dt))
    scale = rstd if weight is None else weight * rstd
    shift = -Tensor._from_array(running_mean._data.astype(dt)) * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def _update_running(stat: Tensor, batch_value: np.ndarray, momentum: float) -> None:
    """stat <- (1 - momentum) * stat + momentum * batch_value, in place, outside autograd."""
    data = stat._data
    data *= 1.0 - momentum
    data += (momentum * batch_value).astype(data.dtype)
    stat._bump_version()


def instance_norm(input: Tensor, running_mean: Optional[Tensor] = None,
                  running_var: Optional[Tensor] = None, weight: Optional[Tensor] = None,
                  bias: Optional[Tensor] = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) plane of input: (N, C, *) over its spatial dims."""
    if input.ndim < 3:
        raise ValueError(f"expected at least 3D input (got {input.ndim}D input)")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    axes = tuple(range(2, input.ndim))
    mean, var = _nn.moments(input._data, axes)
    if running_mean is not None and running_var is not None:
        n = math.prod(input.shape[2:])
        _update_running(running_mean, mean.mean(axis=0).reshape(-1), momentum)
        _update_running(running_var, (var * (n / max(n - 1, 1))).mean(axis=0).reshape(-1),
                        momentum)
    return _affine(_nn.Normalize.apply(input, axes, eps, mean, var), weight, bias, shape)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing dims ``normalized_shape`` of input: (*, *normalized_shape)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
        else tuple(normalized_shape)
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    axes = tuple(range(input.ndim - k, input.ndim))
    mean, var = _nn.moments(input._data, axes)
    return _affine(_nn.Normalize.apply(input, axes, eps, mean, var), weight, bias, shape)


def group_norm(input: Tensor, num_groups: int, weight: Optional[Tensor] = None,
               bias: Optional[Tensor] = None, eps: float = 1e-5) -> Tensor:
    """Normalise input: (N, C, *) over each group of C / num_groups channels (and space)."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, channels = input.shape[:2]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups="
                           f"{num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    grouped = input.reshape(n, num_groups, -1)
    mean, var = _nn.moments(grouped._data, (2,))
    out = _nn.Normalize.apply(grouped, (2,), eps, mean, var).reshape(input.shape)
    return _affine(out, weight, bias, (1, channels) + (1,) * (input.ndim - 2))


# =================================================================================================
# Dropout
# =================================================================================================
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _drop(input: Tensor, p: float, mask_shape: tuple, inplace: bool) -> Tensor:
    """Zero elements (or whole channels, via ``mask_shape``) with probability p and scale the
    rest by 1 / (1 - p), so the expected value is unchanged."""
    dt = input._data.dtype
    if p == 1.0:
        mask = np.zeros(mask_shape, dt)
    else:
        keep = get_rng().random(mask_shape) >= p
        mask = keep.astype(dt) * dt.type(1.0 / (1.0 - p))
    return _maybe_inplace(_ew.mul, input, inplace, Tensor._from_array(mask))


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """During training, zero each element with probability ``p`` and scale the others by
    1 / (1 - p); the identity when ``training`` is False."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _drop(input, p, tuple(input.shape), inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, L) or (C, L)."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an optional "
                           "batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0:
        return input
    return _drop(input, p, tuple(input.shape[:-1]) + (1,), inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: input (N, C, H, W) or (C, H, W)."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
            "will result in an error in a future release. To retain the behavior and silence "
            "this warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).", UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        return _drop(input, p, tuple(input.shape), inplace)
    return _drop(input, p, tuple(input.shape[:2]) + (1,) * (input.ndim - 2), inplace)


# =================================================================================================
# Sparse
# =================================================================================================
def embedding(input: Tensor, weight: Tensor, padding_idx: Optional[int] = None,
              max_norm: Optional[float] = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of weight: (num_embeddings, embedding_dim) at the indices input: (*) -> (*, dim).

    ``padding_idx``'s row gets no gradient; with ``max_norm`` the rows looked up are first
    renormalised in place to norm at most ``max_norm``.
    """
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype not in (np.int64, np.int32):
        type_name = input.type() if isinstance(input, Tensor) else str(indices.dtype)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {type_name} instead (while checking arguments for "
            "embedding)")
    num = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
            padding_idx = num + padding_idx
    if indices.size and (indices.min() < 0 or indices.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, indices, max_norm, norm_type)
    return _nn.Embedding.apply(weight, indices, padding_idx, scale_grad_by_freq)


def _embedding_renorm_(weight: Tensor, indices: np.ndarray, max_norm: float,
                       norm_type: float) -> None:
    """Scale the looked-up rows whose norm exceeds ``max_norm`` back to it (in place)."""
    rows = np.unique(indices)
    norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[rows] *= scale[:, None].astype(weight._data.dtype)
    weight._bump_version()


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: (*) -> (*, num_classes); ``-1`` infers max + 1."""
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and a.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._from_array((a[..., None] == np.arange(num_classes)).astype(np.int64))


# =================================================================================================
# Padding and resampling
# =================================================================================================
_PAD_COMBINATIONS = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: Optional[float] = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)`` starts with
    the last dim. Modes 'constant' (any dims; negative amounts crop), 'reflect', 'replicate' and
    'circular'."""
    amounts = tuple(int(p) for p in pad)
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n_dims = len(amounts) // 2
    if n_dims > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(amounts)} and input of "
                           f"dimension {input.ndim}")
    if mode == "constant":
        full = [(0, 0)] * input.ndim
        for i in range(n_dims):
            d = input.ndim - 1 - i
            before, after = amounts[2 * i], amounts[2 * i + 1]
            if input.shape[d] + before + after < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
            full[d] = (before, after)
        return _nn.ConstantPad.apply(input, tuple(full), 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if input.ndim not in (n_dims + 1, n_dims + 2) or n_dims not in (1, 2, 3):
        raise NotImplementedError(f"Padding size {len(amounts)} is not supported for "
                                  f"{input.ndim}D input tensor.\n{_PAD_COMBINATIONS}")
    out = input
    for i in range(n_dims):
        d = input.ndim - 1 - i
        before, after = amounts[2 * i], amounts[2 * i + 1]
        size = input.shape[d]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({before}, {after}) at "
                               f"dimension {d} of input {list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        positions = np.arange(-before, size + after)
        if mode == "reflect":
            positions = np.abs(positions)
            positions = np.where(positions > size - 1, 2 * (size - 1) - positions, positions)
        elif mode == "replicate":
            positions = np.clip(positions, 0, size - 1)
        else:
            positions = positions % size
        out = out[(slice(None),) * d + (positions,)]
    return out


_INTERP_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}


def interpolate(input: Tensor, size: Union[int, Sequence[int], None] = None,
                scale_factor: Union[float, Sequence[float], None] = None, mode: str = "nearest",
                align_corners: Optional[bool] = None,
                recompute_scale_factor: Optional[bool] = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of input: (N, C, d1, ...) to ``size`` or by ``scale_factor``.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D), 'trilinear' (5-D)
    with ``align_corners``, and 'area' (adaptive average pooling).
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    else:
        align_corners = bool(align_corners)
    if input.ndim not in (3, 4, 5) or mode not in _INTERP_MODES:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if mode in _LINEAR_MODES and input.ndim != _LINEAR_MODES[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_LINEAR_MODES[mode]}D input")
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode 'bicubic' is not implemented in minigrad")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in minigrad")
    n_spatial = input.ndim - 2
    in_sizes = tuple(input.shape[2:])
    out_sizes, scales = _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        if n_spatial != 2:
            raise NotImplementedError("interpolate: mode 'area' is implemented for 4D input only")
        return adaptive_avg_pool2d(input, out_sizes)
    dt = input._data.dtype
    out = input
    for i in range(n_spatial):
        d = 2 + i
        lead = (slice(None),) * d
        if mode in ("nearest", "nearest-exact"):
            src = _nearest_source(in_sizes[i], out_sizes[i], scales[i], mode == "nearest-exact")
            out = out[lead + (src,)]
            continue
        i0, i1, frac = _linear_source(in_sizes[i], out_sizes[i], scales[i], align_corners, dt)
        frac = Tensor._from_array(frac.reshape((-1,) + (1,) * (input.ndim - 1 - d)))
        out = out[lead + (i0,)] * (1 - frac) + out[lead + (i1,)] * frac
    return out


def _output_sizes(in_sizes: tuple, size, scale_factor, recompute_scale_factor) -> tuple:
    """Output sizes and the scale each dim's kernel uses (None: input / output sizes)."""
    n = len(in_sizes)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)] * n
        if len(sizes) != n:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {list(in_sizes)} and output size of {size}. "
                "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                "(o1, o2, ...,oK) format.")
        return tuple(sizes), (None,) * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = [float(s) for s in scale_factor] if isinstance(scale_factor, (list, tuple)) \
        else [float(scale_factor)] * n
    if len(factors) != n:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {list(in_sizes)} and scale_factor of shape "
            f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            "scale_factor in (s1, s2, ...,sK) format.")
    sizes = tuple(math.floor(s * f) for s, f in zip(in_sizes, factors))
    if any(n <= 0 for n in sizes):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"sizes {list(in_sizes)} and output sizes {list(sizes)}")
    if recompute_scale_factor:
        return sizes, (None,) * n
    return sizes, tuple(factors)


def _nearest_source(n_in: int, n_out: int, scale: Optional[float], exact: bool) -> np.ndarray:
    """Source index of each output position (PyTorch computes the ratio in float32)."""
    ratio = np.float32(1.0 / scale if scale else n_in / n_out)
    dst = np.arange(n_out, dtype=np.float32)
    if exact:
        dst = dst + np.float32(0.5)
    return np.minimum(np.floor(dst * ratio).astype(np.int64), n_in - 1)


def _linear_source(n_in: int, n_out: int, scale: Optional[float], align_corners: bool,
                   dt: np.dtype) -> tuple:
    """(lower index, upper index, weight of the upper) for each output position."""
    if n_in == n_out:
        idx = np.arange(n_out)
        return idx, idx, np.zeros(n_out, dt)
    if align_corners:
        ratio = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        src = np.arange(n_out, dtype=dt) * dt.type(ratio)
    else:
        ratio = 1.0 / scale if scale else n_in / n_out
        src = np.maximum(dt.type(ratio) * (np.arange(n_out, dtype=dt) + dt.type(0.5))
                         - dt.type(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
    frac = np.clip(src - i0, 0, 1).astype(dt)
    return i0, i1, frac


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: Optional[bool] = None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


# =================================================================================================
# Distances
# =================================================================================================
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Optional[Tensor] = None) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``."""
    d = normalize_dim(dim, input.ndim)
    denom = _ew.clamp(_red.norm(input, p, d, True), min=eps)
    result = input / denom
    if out is not None:
        return out.copy_(result)
    return result


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (inputs broadcast)."""
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(shape), x2.expand(shape)
    d = normalize_dim(dim, len(shape))
    n1 = _ew.clamp(_red.norm(x1, 2, d, True), min=eps)
    n2 = _ew.clamp(_red.norm(x2, 2, d, True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    diff = x1 - x2 + eps
    return _red.norm(diff, p, diff.ndim - 1, keepdim)


# =================================================================================================
# Losses
# =================================================================================================
def _legacy_reduction(size_average: Optional[bool], reduce: Optional[bool]) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{result}' instead.", stacklevel=3)
    return result


def _reduction(size_average: Optional[bool], reduce: Optional[bool], reduction: str,
               extra: tuple = ()) -> str:
    """The reduction to use, accepting PyTorch's deprecated ``size_average`` / ``reduce``."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum") + extra:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _pointwise_operands(input: Tensor, target, name: str) -> tuple:
    """input and target of a regression loss: warn about (and check) broadcasting, as PyTorch."""
    target = as_tensor_arg(target)
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        broadcast_shapes(tuple(input.shape), tuple(target.shape))
    if input._data.dtype.kind != "f" and target._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}" not implemented for \'{_type_name(input)}\'')
    return input, target


def _weighted_reduce(loss: Tensor, weight: Optional[Tensor], input: Tensor, reduction: str,
                     mean_over_weights: bool = True) -> Tensor:
    """Reduce ``loss * weight``; PyTorch's weighted ``mean`` divides by the sum of the weights
    (MSE, L1) or by the element count (Huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
             reduce: Optional[bool] = None, reduction: str = "mean",
             weight: Optional[Tensor] = None) -> Tensor:
    """(input - target)^2, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _pointwise_operands(input, target, "mse_cpu")
    diff = input - target
    return _weighted_reduce(diff * diff, weight, input, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
            reduce: Optional[bool] = None, reduction: str = "mean",
            weight: Optional[Tensor] = None) -> Tensor:
    """|input - target|, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _pointwise_operands(input, target, "abs_cpu")
    return _weighted_reduce((input - target).abs(), weight, input, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
                   reduce: Optional[bool] = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _pointwise_operands(input, target, "smooth_l1_cpu")
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    absolute = diff.abs()
    loss = _ew.where(absolute < beta, diff * diff * (0.5 / beta), absolute - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Optional[Tensor] = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _pointwise_operands(input, target, "huber_cpu")
    diff = input - target
    absolute = diff.abs()
    loss = _ew.where(absolute < delta, diff * diff * 0.5, (absolute - 0.5 * delta) * delta)
    return _weighted_reduce(loss, weight, input, reduction, mean_over_weights=False)


def _class_weight(weight: Optional[Tensor], n_classes: int, dt: np.dtype) -> Optional[np.ndarray]:
    if weight is None:
        return None
    if weight.numel() != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    return weight._data.reshape(-1).astype(dt, copy=False)


def _check_index_target(input: Tensor, target: Tensor, ignore_index: int) -> None:
    """Shape, dtype and range of class-index targets for an (N, C, d1, ...) input."""
    if target.ndim == 0 or target.shape[0] != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_type_name(target)}")
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= input.shape[1]))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")


def _batched(input: Tensor, target: Tensor) -> tuple:
    """An unbatched (C,) input gets a batch dim of one (and its target too)."""
    if input.ndim == 1:
        return input.unsqueeze(0), target.unsqueeze(0), True
    return input, target, False


def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                  size_average: Optional[bool] = None, ignore_index: int = -100,
                  reduce: Optional[bool] = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Log-softmax over the class dim and negative log-likelihood, fused in one stable node.

    input: (N, C, d1, ...) or (C,) logits; target: int64 class indices (N, d1, ...) / (), or
    class probabilities of the input's shape. ``weight``: (C,) class weights (the ``mean`` is
    weighted by them), ``ignore_index`` for index targets, ``label_smoothing`` in [0, 1].
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    target = as_tensor_arg(target)
    probabilities = target.shape == input.shape
    if probabilities:
        if target._data.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_type_name(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
    _require_float(input, "log_softmax_lastdim_kernel_impl")
    x, t, unbatched = _batched(input, target)
    if probabilities:
        t = t.to(x.dtype)
    else:
        _check_index_target(x, t, ignore_index)
    w = _class_weight(weight, x.shape[1], x._data.dtype)
    out = _loss.CrossEntropy.apply(x, t, w, ignore_index, reduction, label_smoothing)
    return out.reshape(()) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
             size_average: Optional[bool] = None, ignore_index: int = -100,
             reduce: Optional[bool] = None, reduction: str = "mean") -> Tensor:
    """-input[n, target[n]] (weighted), for log-probabilities input: (N, C, d1, ...) or (C,)."""
    reduction = _reduction(size_average, reduce, reduction)
    target = as_tensor_arg(target)
    _require_float(input, "nll_loss_out_frame")
    x, t, unbatched = _batched(input, target)
    _check_index_target(x, t, ignore_index)
    w = _class_weight(weight, x.shape[1], x._data.dtype)
    out = _loss.NllLoss.apply(x, t._data, w, ignore_index, reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]; logs clamped at -100."""
    reduction = _reduction(size_average, reduce, reduction)
    target = as_tensor_arg(target)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_type_name(target)} but expected {_type_name(input)}")
    _require_float(input, "binary_cross_entropy")
    a = input._data
    if not np.all((a >= 0) & (a <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _reduce(_loss.BinaryCrossEntropy.apply(input, target, weight), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Optional[Tensor] = None,
                                     size_average: Optional[bool] = None,
                                     reduce: Optional[bool] = None, reduction: str = "mean",
                                     pos_weight: Optional[Tensor] = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable expression:
    (1 - t) x - (1 + (pos_weight - 1) t) log(sigmoid(x)); finite for any logit."""
    reduction = _reduction(size_average, reduce, reduction)
    target = as_tensor_arg(target)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {_type_name(input)} can't be cast to the desired output "
                           f"type {_type_name(target)}")
    _require_float(input, "binary_cross_entropy_with_logits")
    log_sig = _nn.LogSigmoid.apply(input)
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    loss = (1 - target) * input - log_weight * log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
           reduce: Optional[bool] = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """target * (log(target) - input) for log-probabilities ``input`` (``log_target``: the
    target is given as log-probabilities too). ``reduction='batchmean'`` divides the sum by
    the batch size (the KL divergence's definition)."""
    reduction = _reduction(size_average, reduce, reduction, extra=("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    target = as_tensor_arg(target)
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = _ew.exp(target) * (target - input)
    else:
        loss = _ew.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce(_ew.relu(-target * (input1 - input2) + margin), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 and input2 must have the same shape, "
                           f"but got {list(input1.shape)} and {list(input2.shape)}")
    dim = input1.ndim - 1
    eps = 1e-12  # PyTorch's EPSILON: keeps the denominator away from zero
    dot = (input1 * input2).sum(dim)
    squared1 = (input1 * input1).sum(dim) + eps
    squared2 = (input2 * input2).sum(dim) + eps
    cos = dot / _ew.sqrt(squared1 * squared2)
    loss = _ew.where(target == 1, 1 - cos, 0.0) + _ew.where(target == -1,
                                                             _ew.relu(cos - margin), 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Optional[bool] = None,
                     reduce: Optional[bool] = None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce(-_nn.LogSigmoid.apply(target * input), reduction)
