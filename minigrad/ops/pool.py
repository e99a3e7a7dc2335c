"""Pooling: max_pool1d/2d (return_indices), avg_pool1d/2d, adaptive_avg_pool1d/2d,
adaptive_max_pool1d/2d, max_unpool1d/2d (PyTorch signatures and errors).

Every pooling backward is itself a Function with a backward, so gradients of any order exist:

    max pools        gradient = IndexScatter2d(grad, indices)   (scatter-add into the plane)
    IndexScatter2d   gradient = IndexGather2d(grad, indices)    (read the plane at indices)
    IndexGather2d    gradient = IndexScatter2d(grad, indices)
    AvgPool2d        gradient = AvgPool2dBackward(grad)         and back: AvgPool2d(grad)
    AdaptiveAvgPool2d <-> AdaptiveAvgPool2dBackward

Shapes: input (N, C, H, W) or unbatched (C, H, W) for the 2-D ops, (N, C, L) or (C, L) for 1-D
ones (run as 2-D over a (1, L) plane). Indices are flat positions ih*W + iw in the input plane.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from minigrad import backend
from minigrad.autograd.function import Function
from minigrad.backend import _common as cm
from minigrad.tensor import Tensor

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d",
    "adaptive_max_pool1d_with_indices",
]

_SCALAR = {"float16": "Half", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
           "uint8": "Byte", "bool": "Bool"}

IntOrPair = Union[int, Sequence[int]]


# ---- Functions -------------------------------------------------------------------------------

class IndexScatter2d(Function):
    """g (..., OH, OW) -> (..., H, W): out[..., i] += g at each flat index i (indices: an int64
    ndarray of g's shape). Backward of max pooling; forward of max_unpool."""

    @staticmethod
    def forward(ctx, g, indices, size):
        ctx.indices = indices
        return backend.max_pool2d_backward(g._data, indices, size)

    @staticmethod
    def backward(ctx, grad):
        return IndexGather2d.apply(grad, ctx.indices), None, None


class IndexGather2d(Function):
    """x (..., H, W) -> (..., OH, OW): x read at the flat indices; the adjoint of the scatter."""

    @staticmethod
    def forward(ctx, x, indices):
        ctx.indices = indices
        ctx.size = tuple(x._data.shape[-2:])
        return backend.index_gather2d(x._data, indices)

    @staticmethod
    def backward(ctx, grad):
        return IndexScatter2d.apply(grad, ctx.indices, ctx.size), None


class MaxPool2d(Function):
    """x (..., H, W) -> (values, indices) (..., OH, OW)."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, ceil_mode):
        out, idx = backend.max_pool2d(x._data, kernel_size, stride, padding, dilation, ceil_mode)
        ctx.indices = idx
        ctx.size = tuple(x._data.shape[-2:])
        return out, idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        return IndexScatter2d.apply(grad, ctx.indices, ctx.size), None, None, None, None, None


class AdaptiveMaxPool2d(Function):
    """x (..., H, W) -> (values, indices) (..., OH, OW)."""

    @staticmethod
    def forward(ctx, x, output_size):
        out, idx = backend.adaptive_max_pool2d(x._data, output_size)
        ctx.indices = idx
        ctx.size = tuple(x._data.shape[-2:])
        return out, idx

    @staticmethod
    def backward(ctx, grad, _grad_indices=None):
        return IndexScatter2d.apply(grad, ctx.indices, ctx.size), None


class AvgPool2d(Function):
    """x (..., H, W) -> (..., OH, OW); params = (kernel, stride, padding, ceil_mode,
    count_include_pad, divisor_override)."""

    @staticmethod
    def forward(ctx, x, params):
        ctx.params = params
        ctx.size = tuple(x._data.shape[-2:])
        return backend.avg_pool2d(x._data, *params)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2dBackward.apply(grad, ctx.size, ctx.params), None


class AvgPool2dBackward(Function):
    """The adjoint of AvgPool2d: g (..., OH, OW) -> (..., H, W)."""

    @staticmethod
    def forward(ctx, g, size, params):
        ctx.params = params
        return backend.avg_pool2d_backward(g._data, size, *params)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2d.apply(grad, ctx.params), None, None


class AdaptiveAvgPool2d(Function):
    @staticmethod
    def forward(ctx, x, output_size):
        ctx.size = tuple(x._data.shape[-2:])
        ctx.output_size = output_size
        return backend.adaptive_avg_pool2d(x._data, output_size)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2dBackward.apply(grad, ctx.size, ctx.output_size), None


class AdaptiveAvgPool2dBackward(Function):
    @staticmethod
    def forward(ctx, g, size, output_size):
        ctx.output_size = output_size
        return backend.adaptive_avg_pool2d_backward(g._data, size)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2d.apply(grad, ctx.output_size), None, None


# ---- argument checking -------------------------------------------------------------------------

def _check_input(input, fn: str, nd: int, allow_int: bool = False) -> bool:
    """Validates rank and dtype; returns True when the input is batched."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2) or input.numel() == 0 and input.ndim == nd + 1:
        if nd == 2:
            raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got "
                               f"{list(input.shape)}")
        raise RuntimeError(f"{fn}(): Expected 2D or 3D input tensor, but got "
                           f"{list(input.shape)}")
    if input._data.dtype not in (np.float32, np.float64) and not allow_int:
        name = _SCALAR.get(input.dtype.name, input.dtype.name)
        raise RuntimeError(f'"{fn}" not implemented for \'{name}\'')
    return input.ndim == nd + 2


def _ints(v, n: int, name: str, fn: str) -> Tuple[int, ...]:
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not bool")
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    try:
        items = tuple(v)
    except TypeError:
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not "
                        f"{type(v).__name__}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n:
        raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {n} ints")
    for i in items:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, but found "
                            f"element of type {type(i).__name__}")
    return tuple(int(i) for i in items)


def _pool_params(fn, shape, kernel_size, stride, padding, dilation, ceil_mode, nd=2):
    """PyTorch's checks and output size; returns (k, s, p, d) as 2-tuples over (H, W)."""
    k = _ints(kernel_size, nd, "kernel_size", fn)
    if stride is None or (not isinstance(stride, (int, np.integer)) and len(stride) == 0):
        s = k
    else:
        s = _ints(stride, nd, "stride", fn)
    p = _ints(padding, nd, "padding", fn)
    d = _ints(dilation, nd, "dilation", fn)
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: "
                           f"{k[-1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError("stride should not be zero" if 0 in s else
                           f"stride should be greater than zero, but got dH: {s[0]} dW: {s[-1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} "
                           f"dilationW: {d[-1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    for i in range(nd):
        if p[i] > k[i] // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[i]}, kernel_size={k[i]} and dilation={d[i]}")
    sizes = shape[-nd:]
    outs = [cm.pool_out_size(sizes[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd)]
    if any(o < 1 for o in outs):
        lead = shape[-nd - 1] if len(shape) > nd else 1
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (lead,) + tuple(sizes)))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, (lead,) + tuple(outs)))}). Output size is too "
                           "small")
    if nd == 1:
        return (1, k[0]), (1, s[0]), (0, p[0]), (1, d[0])
    return k, s, p, d


def _as_2d(x: Tensor, nd: int) -> Tensor:
    return x.unsqueeze(-2) if nd == 1 else x


def _from_2d(x: Tensor, nd: int) -> Tensor:
    return x.squeeze(-2) if nd == 1 else x


# ---- max pooling -------------------------------------------------------------------------------

def _max_pool(fn, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input(input, fn, nd)
    k, s, p, d = _pool_params(fn, tuple(input.shape), kernel_size, stride, padding, dilation,
                              ceil_mode, nd)
    out, idx = MaxPool2d.apply(_as_2d(input, nd), k, s, p, d, bool(ceil_mode))
    out = _from_2d(out, nd)
    if return_indices:
        return out, _from_2d(idx, nd)
    return out


def max_pool2d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, dilation: IntOrPair = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max pooling over (H, W): (N, C, H, W) or (C, H, W) -> (..., OH, OW) (and int64 indices
    ih*W + iw). Padding acts as -inf; ceil_mode keeps a last window that starts inside the input
    or the left padding."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, dilation: IntOrPair = 1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max pooling over L: (N, C, L) or (C, L) -> (..., OL) (and indices into L)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _adaptive_size(output_size, shape, nd, fn) -> Tuple[int, int]:
    if nd == 1:
        o = output_size
        if isinstance(o, (tuple, list)):
            if len(o) != 1:
                raise RuntimeError(f"{fn}: output_size must be 1")
            o = o[0]
        o = _ints(o, 1, "output_size", fn)[0]
        sizes = (1, o)
    else:
        if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
            sizes = (int(output_size),) * 2
        else:
            items = tuple(output_size)
            if len(items) != 2:
                raise RuntimeError(f"{fn}: output_size must be 2")
            sizes = tuple(shape[-2 + i] if items[i] is None else int(items[i]) for i in range(2))
    if any(v < 0 for v in sizes):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 "
                           f"but received {sizes if nd == 2 else sizes[1:]}")
    return sizes  # type: ignore[return-value]


def _adaptive_max(fn, nd, input, output_size, return_indices):
    _check_input(input, fn, nd)
    size = _adaptive_size(output_size, tuple(input.shape), nd, fn)
    x = _as_2d(input, nd)
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(input.shape)}")
    out, idx = AdaptiveMaxPool2d.apply(x, size)
    out = _from_2d(out, nd)
    return (out, _from_2d(idx, nd)) if return_indices else out


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """(N, C, H, W) or (C, H, W) -> (..., OH, OW); window i spans
    [floor(i*H/OH), ceil((i+1)*H/OH)). output_size: int or (int|None, int|None)."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """(N, C, L) or (C, L) -> (..., OL)."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


# ---- average pooling ---------------------------------------------------------------------------

def avg_pool2d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Optional[int] = None) -> Tensor:
    """Average pooling over (H, W): (N, C, H, W) or (C, H, W) -> (..., OH, OW). The divisor
    is the window size inside the padded input (count_include_pad) or inside the input, unless
    divisor_override is given."""
    _check_input(input, "avg_pool2d", 2)
    k, s, p, _ = _pool_params("avg_pool2d", tuple(input.shape), kernel_size, stride, padding, 1,
                              ceil_mode)
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    params = (k, s, p, bool(ceil_mode), bool(count_include_pad),
              None if divisor_override is None else int(divisor_override))
    return AvgPool2d.apply(input, params)


def avg_pool1d(input: Tensor, kernel_size: IntOrPair, stride: Optional[IntOrPair] = None,
               padding: IntOrPair = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Average pooling over L: (N, C, L) or (C, L) -> (..., OL)."""
    _check_input(input, "avg_pool1d", 1)
    k, s, p, _ = _pool_params("avg_pool1d", tuple(input.shape), kernel_size, stride, padding, 1,
                              ceil_mode, nd=1)
    params = (k, s, p, bool(ceil_mode), bool(count_include_pad), None)
    return AvgPool2d.apply(input.unsqueeze(-2), params).squeeze(-2)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """(N, C, H, W) or (C, H, W) -> (..., OH, OW); window i spans
    [floor(i*H/OH), ceil((i+1)*H/OH)). output_size: int or (int|None, int|None)."""
    _check_input(input, "adaptive_avg_pool2d", 2)
    size = _adaptive_size(output_size, tuple(input.shape), 2, "adaptive_avg_pool2d")
    return AdaptiveAvgPool2d.apply(input, size)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """(N, C, L) or (C, L) -> (..., OL)."""
    _check_input(input, "adaptive_avg_pool1d", 1)
    size = _adaptive_size(output_size, tuple(input.shape), 1, "adaptive_avg_pool1d")
    return AdaptiveAvgPool2d.apply(input.unsqueeze(-2), size).squeeze(-2)


# ---- unpooling ---------------------------------------------------------------------------------

def _unpool(fn, nd, input, indices, kernel_size, stride, padding, output_size):
    _check_input(input, fn, nd)
    if not isinstance(indices, Tensor) or indices._data.dtype != np.int64:
        raise RuntimeError(f"{fn}(): Expected indices to be an int64 Tensor")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    k = _ints(kernel_size, nd, "kernel_size", fn)
    s = k if stride is None else _ints(stride, nd, "stride", fn)
    p = _ints(padding, nd, "padding", fn)
    sizes = tuple(input.shape[-nd:])
    default = tuple((sizes[i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(nd))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in (output_size.tolist() if isinstance(output_size, Tensor)
                                     else output_size))
        if len(out) == len(input.shape):
            out = out[-nd:]
        if len(out) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(out)}'")
        for i in range(nd):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < out[i] < hi:
                raise ValueError(f'invalid output_size "{out}" (dim {i} must be between {lo} '
                                 f'and {hi})')
    hw = (1, out[0]) if nd == 1 else out
    idx = indices._data if nd == 2 else indices._data[..., None, :]
    plane = hw[0] * hw[1]
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = idx[(idx < 0) | (idx >= plane)].ravel()[0]
        raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                           f"{'x'.join(map(str, out))})")
    y = IndexScatter2d.apply(_as_2d(input, nd), np.ascontiguousarray(idx), hw)
    return _from_2d(y, nd)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: IntOrPair,
                 stride: Optional[IntOrPair] = None, padding: IntOrPair = 0,
                 output_size: Optional[Sequence[int]] = None) -> Tensor:
    """Partial inverse of max_pool2d: input (N, C, OH, OW) placed at the flat indices of an
    (H, W) plane of zeros, H = (OH-1)*stride - 2*padding + kernel (or output_size).
    Indices that repeat (overlapping windows) add up."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: IntOrPair,
                 stride: Optional[IntOrPair] = None, padding: IntOrPair = 0,
                 output_size: Optional[Sequence[int]] = None) -> Tensor:
    """Partial inverse of max_pool1d: (N, C, OL) -> (N, C, L)."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size) -> Tuple[Tensor, Tensor]:
    """``torch.adaptive_max_pool1d`` (top level) returns (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)
