"""Convolutions on the backend's conv2d kernels (im2col + GEMM per sample), and unfold/fold:
conv1d, conv2d, conv_transpose1d/2d, unfold, fold (PyTorch signatures and errors).

Four Functions, each linear in every tensor argument, whose backwards are one another:

    Conv2dFn(x, w)            y = conv(x, w)             backend.conv2d
    ConvTranspose2dFn(x, w)   y = conv^T(x, w)           backend.conv2d_input_grad
    ConvWeightGrad(x, gy)     dW = sum_n gy[n] im2col(x[n])^T   backend.conv2d_weight_grad
    Unfold / Fold             im2col / col2im

conv's input gradient is conv^T, its weight gradient ConvWeightGrad; conv^T's are conv and
ConvWeightGrad with the roles swapped; ConvWeightGrad's are conv^T and conv. Since every backward
is made of these Functions, gradients of any order exist (gradgradcheck passes).

Layouts: x (N, C, H, W); conv weight (O, C/groups, kh, kw); transposed-conv weight
(C_in, C_out/groups, kh, kw); bias (O,). Unbatched (C, H, W) input is accepted like PyTorch.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from minigrad import backend
from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function
from minigrad.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_CTYPE = {"float32": "float", "float64": "double"}

IntOrPair = Union[int, Sequence[int]]


# ---- ndarray kernels -------------------------------------------------------------------------

def _conv_out(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1

# All three run in the backend (C: per-sample im2col into a cache-resident buffer feeding the
# packed GEMM, register-tiled kernels when there are few input channels, or Winograd (tiles of
# 4x4, or of 6x6 with bands of 2- or 4-wide tiles from 8 samples) for 3x3 stride-1 layers with
# many; outputs written in NCHW, no batch-wide column matrix and no transposing copies).

def conv2d_array(x: np.ndarray, w: np.ndarray, s, p, d, groups: int,
                 out_hw: Optional[Tuple[int, int]] = None,
                 bias: Optional[np.ndarray] = None) -> np.ndarray:
    """y (N, O, OH, OW) = conv(x (N, C, H, W), w (O, C/g, kh, kw)) + bias; out_hw crops the
    output to its first rows/columns (the adjoint of a transposed conv with output_padding)."""
    return backend.conv2d(x, w, bias, s, p, d, groups, out_hw)


def conv_transpose2d_array(x: np.ndarray, w: np.ndarray, s, p, d, groups: int,
                           out_hw: Tuple[int, int]) -> np.ndarray:
    """y (N, C_out, OH, OW) = conv^T(x (N, C_in, H, W), w (C_in, C_out/g, kh, kw)), the adjoint
    of conv2d from an (OH, OW) input: each input pixel scatters w into the output (what lands
    outside [0, OH) x [0, OW) is dropped)."""
    return backend.conv2d_input_grad(x, w, out_hw, s, p, d, groups)


def conv_weight_grad_array(x: np.ndarray, gy: np.ndarray, s, p, d, groups: int,
                           k) -> np.ndarray:
    """dW (O, C/g, kh, kw) = sum_n gy[n] @ im2col(x[n])^T per group; gy (N, O, OH', OW') may
    cover only the first OH' x OW' of the conv's output positions."""
    return backend.conv2d_weight_grad(x, gy, k, s, p, d, groups)


# ---- differentiable Functions ----------------------------------------------------------------

def _bias_grad(grad: Tensor) -> Tensor:
    """Sum over (N, H, W); a plain ndarray reduction unless a graph is being built."""
    if grad_mode.is_grad_enabled():
        return grad.sum((0, 2, 3))
    return Tensor._from_array(np.einsum("nchw->c", grad._data))


class Conv2dFn(Function):
    """x (N, C, H, W), w (O, C/g, kh, kw), b (O,) or None -> (N, O, OH, OW)."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, out_hw=None):
        ctx.conf = (stride, padding, dilation, groups)
        ctx.x_hw = tuple(x._data.shape[2:])
        ctx.k_hw = tuple(w._data.shape[2:])
        ctx.save_for_backward(x, w)  # both: the fused backward needs their shapes
        return conv2d_array(x._data, w._data, stride, padding, dilation, groups, out_hw,
                            None if b is None else b._data)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        s, p, d, g = ctx.conf
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if not grad_mode.is_grad_enabled():
            # No graph to record: one backend call, which reads grad once for all three
            # gradients on the few-input-channel path.
            grads = backend.conv2d_backward(grad._data, x._data, w._data, s, p, d, g,
                                            (need_x, need_w, need_b))
            return tuple(None if a is None else Tensor._from_array(a) for a in grads) + \
                (None,) * (len(ctx.needs_input_grad) - 3)
        gx = ConvTranspose2dFn.apply(grad, w, None, s, p, d, g, ctx.x_hw) if need_x else None
        gw = None
        if need_w:
            gw = ConvWeightGrad.apply(x, grad, s, p, d, g, ctx.k_hw)
        gb = _bias_grad(grad) if need_b else None
        return (gx, gw, gb) + (None,) * (len(ctx.needs_input_grad) - 3)


class ConvTranspose2dFn(Function):
    """x (N, C_in, H, W), w (C_in, C_out/g, kh, kw), b (C_out,) or None -> (N, C_out, OH, OW),
    with (OH, OW) = out_hw given by the caller."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, out_hw):
        ctx.conf = (stride, padding, dilation, groups)
        ctx.x_hw = tuple(x._data.shape[2:])
        ctx.k_hw = tuple(w._data.shape[2:])
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              w if ctx.needs_input_grad[0] else None)
        y = conv_transpose2d_array(x._data, w._data, stride, padding, dilation, groups,
                                   tuple(out_hw))
        if b is not None:
            y += b._data.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        s, p, d, g = ctx.conf
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = Conv2dFn.apply(grad, w, None, s, p, d, g, ctx.x_hw) if need_x else None
        gw = ConvWeightGrad.apply(grad, x, s, p, d, g, ctx.k_hw) if need_w else None
        gb = _bias_grad(grad) if need_b else None
        return (gx, gw, gb) + (None,) * (len(ctx.needs_input_grad) - 3)


class ConvWeightGrad(Function):
    """(x (N, C, H, W), gy (N, O, OH', OW')) -> dW (O, C/g, kh, kw): the weight gradient of
    conv2d, bilinear in x and gy."""

    @staticmethod
    def forward(ctx, x, gy, stride, padding, dilation, groups, k_hw):
        ctx.conf = (stride, padding, dilation, groups)
        ctx.x_hw = tuple(x._data.shape[2:])
        ctx.gy_hw = tuple(gy._data.shape[2:])
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              gy if ctx.needs_input_grad[0] else None)
        return conv_weight_grad_array(x._data, gy._data, stride, padding, dilation, groups,
                                      k_hw)

    @staticmethod
    def backward(ctx, ggw):
        x, gy = ctx.saved_tensors
        s, p, d, g = ctx.conf
        need_x, need_gy = ctx.needs_input_grad[:2]
        gx = ConvTranspose2dFn.apply(gy, ggw, None, s, p, d, g, ctx.x_hw) if need_x else None
        ggy = Conv2dFn.apply(x, ggw, None, s, p, d, g, ctx.gy_hw) if need_gy else None
        return (gx, ggy) + (None,) * (len(ctx.needs_input_grad) - 2)


class Unfold(Function):
    """F.unfold: (N, C, H, W) -> (N, C*kh*kw, L); backward is Fold."""

    @staticmethod
    def forward(ctx, x, kernel_size, dilation, padding, stride):
        ctx.conf = (tuple(x._data.shape[2:]), kernel_size, dilation, padding, stride)
        return backend.im2col(x._data, kernel_size, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        hw, k, d, p, s = ctx.conf
        return Fold.apply(grad, hw, k, d, p, s), None, None, None, None


class Fold(Function):
    """F.fold: (N, C*kh*kw, L) -> (N, C, H, W), overlaps summed; backward is Unfold."""

    @staticmethod
    def forward(ctx, cols, output_size, kernel_size, dilation, padding, stride):
        ctx.conf = (kernel_size, dilation, padding, stride)
        return backend.col2im(cols._data, output_size, kernel_size, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        k, d, p, s = ctx.conf
        return Unfold.apply(grad, k, d, p, s), None, None, None, None, None


# ---- argument checking (PyTorch's messages) ---------------------------------------------------

def _tuple(v, n: int, name: str) -> Tuple[int, ...]:
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, but got {v!r}")
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    if isinstance(v, Tensor):
        v = v.tolist()
    try:
        items = tuple(v)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, but got {v!r}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n or not all(isinstance(i, (int, np.integer)) and
                                  not isinstance(i, bool) for i in items):
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got {name}="
                           f"{list(items)}")
    return tuple(int(i) for i in items)


def _dims(shape) -> str:
    return ", ".join(str(s) for s in shape)


def _check_tensor(t, name: str, fn: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 1) must be Tensor, not "
                        f"{type(t).__name__}")
    return t


def _check_float(t: Tensor, fn: str) -> None:
    if t._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f'"{fn}" not implemented for \'{_SCALAR.get(t.dtype.name, t.dtype.name)}'
                           f"'")


def _check_conv_args(fn: str, input: Tensor, weight: Tensor, bias: Optional[Tensor], nd: int,
                     stride, padding, dilation, groups, transposed: bool):
    _check_tensor(input, "input", fn)
    _check_tensor(weight, "weight", fn)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, "
                           f"but got input of size: [{_dims(input.shape)}]")
    _check_float(input, fn)
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR[input.dtype.name]} but found "
                           f"{_SCALAR.get(weight.dtype.name, weight.dtype.name)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"weight should have {nd + 2} dimensions for {fn}, but got weight of "
                           f"size [{_dims(weight.shape)}]")
    if bias is not None:
        _check_tensor(bias, "bias", fn)
        if bias._data.dtype != input._data.dtype:
            raise RuntimeError(f"Input type ({_CTYPE[input.dtype.name]}) and bias type "
                               f"({_CTYPE.get(bias.dtype.name, bias.dtype.name)}) should be the "
                               "same")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an int, but got {groups!r}")
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    s = _tuple(stride, nd, "stride")
    d = _tuple(dilation, nd, "dilation")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("non-positive dilation is not supported")
    batched = input.ndim == nd + 2
    in_shape = tuple(input.shape) if batched else (1,) + tuple(input.shape)
    c_in = in_shape[1]
    wshape = tuple(weight.shape)
    if transposed:
        if wshape[0] != c_in:
            raise RuntimeError(f"Given transposed=1, weight of size [{_dims(wshape)}], expected "
                               f"input[{_dims(input.shape)}] to have {wshape[0]} channels, but "
                               f"got {c_in} channels instead")
        if c_in % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"[{_dims(wshape)}] instead")
        c_out = wshape[1] * groups
    else:
        if wshape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"[[{_dims(wshape)}]] instead")
        if wshape[1] * groups != c_in:
            raise RuntimeError(f"Given groups={groups}, weight of size [{_dims(wshape)}], "
                               f"expected input[{_dims(input.shape)}] to have "
                               f"{wshape[1] * groups} channels, but got {c_in} channels instead")
        c_out = wshape[0]
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise RuntimeError(f"Given weight of size [{_dims(wshape)}], expected bias to be "
                           f"1-dimensional with {c_out} elements, but got bias of size "
                           f"[{_dims(bias.shape)}] instead")
    return s, d, groups, batched


def _padding(padding, nd: int, k, d, s) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """(symmetric padding, extra right padding) for int/tuple/'valid'/'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding == "same":
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d[i] * (k[i] - 1) for i in range(nd)]
            left = tuple(t // 2 for t in total)
            return left, tuple(t - t // 2 * 2 for t in total)
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return p, (0,) * nd


def _pad_right(x: Tensor, extra: Tuple[int, int]) -> Tensor:
    """Zero-pads the last two dims on the bottom/right (differentiably): 'same' padding of an
    even-sized kernel is asymmetric, as in PyTorch."""
    from minigrad.ops.nn_ops import ConstantPad

    pads = ((0, 0),) * (x.ndim - 2) + ((0, extra[0]), (0, extra[1]))
    return ConstantPad.apply(x, pads, 0)


# ---- public API --------------------------------------------------------------------------------

def conv2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrPair = 1,
           padding: Union[IntOrPair, str] = 0, dilation: IntOrPair = 1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation). input: (N, C, H, W) or (C, H, W);
    weight: (O, C/groups, kh, kw); bias: (O,) -> (N, O, OH, OW) with
    OH = (H + 2*padding - dilation*(kh-1) - 1) // stride + 1."""
    s, d, groups, batched = _check_conv_args("conv2d", input, weight, bias, 2, stride, padding,
                                             dilation, groups, transposed=False)
    k = tuple(weight.shape[2:])
    p, extra = _padding(padding, 2, k, d, s)
    x = input if batched else input.unsqueeze(0)
    if any(extra):
        x = _pad_right(x, extra)
    h, w = x.shape[2:]
    if h + 2 * p[0] < d[0] * (k[0] - 1) + 1 or w + 2 * p[1] < d[1] * (k[1] - 1) + 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({h + 2 * p[0]} x "
                           f"{w + 2 * p[1]}). Kernel size: ({d[0] * (k[0] - 1) + 1} x "
                           f"{d[1] * (k[1] - 1) + 1}). Kernel size can't be greater than actual "
                           "input size")
    out = Conv2dFn.apply(x, weight, bias, s, p, d, groups)
    return out if batched else out.squeeze(0)


def conv1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
           padding: Union[int, Sequence[int], str] = 0, dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution. input: (N, C, L) or (C, L); weight: (O, C/groups, k) -> (N, O, OL).
    Runs as conv2d over a (1, L) plane."""
    s, d, groups, batched = _check_conv_args("conv1d", input, weight, bias, 1, stride, padding,
                                             dilation, groups, transposed=False)
    k = tuple(weight.shape[2:])
    p, extra = _padding(padding, 1, k, d, s)
    x = input if batched else input.unsqueeze(0)
    if extra[0]:
        x = _pad_right(x.unsqueeze(2), (0, extra[0])).squeeze(2)
    length = x.shape[2]
    if length + 2 * p[0] < d[0] * (k[0] - 1) + 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({length + 2 * p[0]}). "
                           f"Kernel size: ({d[0] * (k[0] - 1) + 1}). Kernel size can't be "
                           "greater than actual input size")
    out = Conv2dFn.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s[0]), (0, p[0]),
                         (1, d[0]), groups).squeeze(2)
    return out if batched else out.squeeze(0)


def _transpose_out(size: int, k: int, s: int, p: int, op: int, d: int) -> int:
    return (size - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None,
                     stride: IntOrPair = 1, padding: IntOrPair = 0,
                     output_padding: IntOrPair = 0, groups: int = 1,
                     dilation: IntOrPair = 1) -> Tensor:
    """Transposed 2-D convolution (the adjoint of conv2d). input: (N, C_in, H, W) or
    (C_in, H, W); weight: (C_in, C_out/groups, kh, kw); bias: (C_out,) -> (N, C_out, OH, OW)
    with OH = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1."""
    s, d, groups, batched = _check_conv_args("conv_transpose2d", input, weight, bias, 2, stride,
                                             padding, dilation, groups, transposed=True)
    p, _ = _padding(padding if not isinstance(padding, str) else -1, 2, (1, 1), d, s)
    op = _tuple(output_padding, 2, "output_padding")
    if any(v < 0 for v in op):
        raise RuntimeError("negative output_padding is not supported")
    if any(op[i] >= s[i] and op[i] >= d[i] for i in range(2)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: "
            f"{s[0]} stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}")
    x = input if batched else input.unsqueeze(0)
    k = tuple(weight.shape[2:])
    oh = _transpose_out(x.shape[2], k[0], s[0], p[0], op[0], d[0])
    ow = _transpose_out(x.shape[3], k[1], s[1], p[1], op[1], d[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input size per channel: ({x.shape[2]} x {x.shape[3]}). "
                           f"Calculated output size per channel: ({oh} x {ow}). Output size is "
                           "too small")
    out = ConvTranspose2dFn.apply(x, weight, bias, s, p, d, groups, (oh, ow))
    return out if batched else out.squeeze(0)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 1-D convolution. input: (N, C_in, L) or (C_in, L); weight:
    (C_in, C_out/groups, k) -> (N, C_out, OL)."""
    s, d, groups, batched = _check_conv_args("conv_transpose1d", input, weight, bias, 1, stride,
                                             padding, dilation, groups, transposed=True)
    p = _tuple(padding, 1, "padding")
    op = _tuple(output_padding, 1, "output_padding")
    x = input if batched else input.unsqueeze(0)
    out = conv_transpose2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s[0]), (0, p[0]),
                           (0, op[0]), groups, (1, d[0])).squeeze(2)
    return out if batched else out.squeeze(0)


def unfold(input: Tensor, kernel_size: IntOrPair, dilation: IntOrPair = 1,
           padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """F.unfold (im2col): (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L)."""
    _check_tensor(input, "input", "unfold")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                           f"{input.ndim}D)")
    _check_float(input, "im2col")
    k, d, p, s = _unfold_params(kernel_size, dilation, padding, stride)
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    h, w = x.shape[2:]
    oh, ow = _conv_out(h, k[0], s[0], p[0], d[0]), _conv_out(w, k[1], s[1], p[1], d[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of sliding "
                           f"blocks as ({oh}, {ow}), but its components must be at least one.")
    out = Unfold.apply(x, k, d, p, s)
    return out if batched else out.squeeze(0)


def _unfold_params(kernel_size, dilation, padding, stride):
    k = _tuple(kernel_size, 2, "kernel_size")
    d = _tuple(dilation, 2, "dilation")
    p = _tuple(padding, 2, "padding")
    s = _tuple(stride, 2, "stride")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{k[0]} kernel_width: {k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]} dilation_width: {d[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    return k, d, p, s


def fold(input: Tensor, output_size: IntOrPair, kernel_size: IntOrPair,
         dilation: IntOrPair = 1, padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """F.fold (col2im, overlaps summed): (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or
    (C, H, W) with (H, W) = output_size."""
    _check_tensor(input, "input", "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {input.ndim}D)")
    _check_float(input, "col2im")
    k, d, p, s = _unfold_params(kernel_size, dilation, padding, stride)
    out_hw = _tuple(output_size, 2, "output_size")
    batched = input.ndim == 3
    x = input if batched else input.unsqueeze(0)
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={k}")
    oh = _conv_out(out_hw[0], k[0], s[0], p[0], d[0])
    ow = _conv_out(out_hw[1], k[1], s[1], p[1], d[1])
    if oh < 1 or ow < 1 or oh * ow != x.shape[2]:
        raise RuntimeError(f"Given output_size={out_hw}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {oh} * {ow} = "
                           f"{oh * ow}, but got input.size(2)={x.shape[2]}.")
    out = Fold.apply(x, out_hw, k, d, p, s)
    return out if batched else out.squeeze(0)
