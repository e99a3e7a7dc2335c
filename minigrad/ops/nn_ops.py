"""Differentiable Functions behind ``nn.functional``: linear, activations with their own backward,
normalisation, embedding lookup and constant padding.

Where a backward is on the training hot path (``Linear``, ``Normalize``) it has two branches:
with grad mode off (``backward()`` without ``create_graph``) it works on ndarrays directly;
otherwise it is written with differentiable ops so double backward works. Elsewhere the
backward is always written with ops (one path, differentiable any number of times).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad import backend
from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function
from minigrad.ops.elementwise import clamp, exp, sigmoid, where
from minigrad.ops.index import IndexAddInto
from minigrad.tensor import Tensor
from minigrad._errstate import ignore_fp_errors


def _const(array: np.ndarray) -> Tensor:
    """An ndarray as a constant Tensor (no grad) for use inside backward formulas."""
    return Tensor._from_array(array)


# -- linear --------------------------------------------------------------------------------------
class Linear(Function):
    """x: (*, in), weight: (out, in), bias: (out,) or None -> (*, out) = x @ weight.T + bias.

    One GEMM with the weight read transposed in place (no copy of ``weight.T``)."""

    _node_name = "AddmmBackward0"  # PyTorch's name for F.linear's node

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None,
                              weight if ctx.needs_input_grad[0] else None)
        ctx.x_shape = x._data.shape
        x2 = x._data.reshape(math.prod(x._data.shape[:-1]), x._data.shape[-1])
        out = backend.gemm(x2, weight._data, trans_b=True)
        if bias is not None:
            out += bias._data
        return out.reshape(x._data.shape[:-1] + (weight._data.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n_out, n_in = grad.shape[-1], ctx.x_shape[-1]
        if not grad_mode.is_grad_enabled():
            rows = math.prod(ctx.x_shape[:-1])
            g2 = grad._data.reshape(rows, n_out)
            gx = backend.gemm(g2, weight._data).reshape(ctx.x_shape) if need_x else None
            gw = backend.gemm(g2, x._data.reshape(rows, n_in), trans_a=True) if need_w else None
            gb = g2.sum(axis=0) if need_b else None
            return gx, gw, gb
        g2 = grad.reshape(-1, n_out)
        gx = grad @ weight if need_x else None
        gw = g2.mT @ x.reshape(-1, n_in) if need_w else None
        gb = g2.sum(0) if need_b else None
        return gx, gw, gb


# -- activations -----------------------------------------------------------------------------------
class Hardtanh(Function):
    """clip(x, min_val, max_val); the gradient passes strictly inside the interval (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x._data, min_val, max_val)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = (x._data > lo) & (x._data < hi)
        return grad * _const(inside.astype(grad._data.dtype))


class Threshold(Function):
    """x where x > threshold, else value (ReLU is threshold(0, 0))."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x._data > threshold, x._data, np.asarray(value, x._data.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _const((x._data > ctx.threshold).astype(grad._data.dtype))


class LeakyRelu(Function):
    """x for x > 0, negative_slope * x otherwise."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        a = x._data
        return np.where(a > 0, a, a * np.asarray(negative_slope, a.dtype))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dt = grad._data.dtype
        factor = np.where(x._data > 0, np.ones((), dt), np.asarray(ctx.slope, dt))
        return grad * _const(factor)


class Elu(Function):
    """scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1)): ELU, SELU and CELU."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.params = (alpha, scale, input_scale)
        a = x._data
        with ignore_fp_errors():
            neg = alpha * np.expm1(np.minimum(a, 0) * input_scale)
        return (scale * np.where(a > 0, a, neg)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        # exp of min(x, 0): the branch not taken stays finite, so double backward has no 0 * inf.
        negative_slope = exp(clamp(x, max=0) * input_scale) * (alpha * scale * input_scale)
        factor = where(_const(x._data > 0), scale, negative_slope)
        return grad * factor


class Softplus(Function):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.params = (beta, threshold)
        scaled = x._data * beta
        soft = np.logaddexp(0, scaled) / beta
        return np.where(scaled > threshold, x._data, soft).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.params
        linear = _const(x._data * beta > threshold)
        return grad * where(linear, 1.0, sigmoid(x * beta))


class LogSigmoid(Function):
    """log(sigmoid(x)) = -log(1 + exp(-x)), computed without overflow for any x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -np.logaddexp(0, -x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sigmoid(-x)


# -- normalisation -------------------------------------------------------------------------------
def moments(a: np.ndarray, axes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of ``a`` over ``axes`` (keepdims), in ``a``'s dtype."""
    mean = a.mean(axis=axes, keepdims=True)
    centered = a - mean
    return mean, np.mean(centered * centered, axis=axes, keepdims=True)


class Normalize(Function):
    """(x - mean) / sqrt(var + eps), the statistics taken over ``axes`` (biased variance).

    ``mean`` and ``var`` (keepdims ndarrays) are those of ``x``; the caller computes them once
    because batch norm also needs them for its running statistics. The input, not the output,
    is saved, so an in-place op on the result (``ReLU(inplace=True)``) is safe.
    """

    @staticmethod
    def forward(ctx, x, axes, eps, mean, var):
        rstd = 1.0 / np.sqrt(var + eps)
        ctx.save_for_backward(x)
        ctx.axes, ctx.eps, ctx.mean, ctx.rstd = axes, eps, mean, rstd
        return (x._data - mean) * rstd

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axes = ctx.axes
        if not grad_mode.is_grad_enabled():
            xhat = (x._data - ctx.mean) * ctx.rstd
            g = grad._data
            return ctx.rstd * (g - g.mean(axis=axes, keepdims=True)
                               - xhat * (g * xhat).mean(axis=axes, keepdims=True))
        centered = x - x.mean(axes, keepdim=True)
        rstd = ((centered * centered).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        xhat = centered * rstd
        return rstd * (grad - grad.mean(axes, keepdim=True)
                       - xhat * (grad * xhat).mean(axes, keepdim=True))


# -- embedding -------------------------------------------------------------------------------------
class Embedding(Function):
    """weight: (V, D), indices: int ndarray (*) -> (*, D) rows of ``weight``.

    Backward adds each output row's gradient into its weight row; the ``padding_idx`` row gets
    none, and with ``scale_grad_by_freq`` each row's gradient is divided by its count in the
    batch. The scatter's own backward is a gather, so this differentiates twice.
    """

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.weight_shape = weight._data.shape
        ctx.indices = indices
        factor = None
        if padding_idx is not None:
            factor = (indices != padding_idx).astype(weight._data.dtype)
        if scale_grad_by_freq:
            _, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
            freq = (1.0 / counts[inverse.reshape(indices.shape)]).astype(weight._data.dtype)
            factor = freq if factor is None else factor * freq
        ctx.factor = None if factor is None else factor[..., None]
        return weight._data[indices]

    @staticmethod
    def backward(ctx, grad):
        if ctx.factor is not None:
            grad = grad * _const(ctx.factor)
        return IndexAddInto.apply(grad, ctx.weight_shape, ctx.indices, False)


# -- padding ---------------------------------------------------------------------------------------
class ConstantPad(Function):
    """Pad every dim by ``pads[d] = (before, after)`` with ``value``; negative amounts crop.

    The backward of padding by p is padding the gradient by -p with zeros (crop what was padded,
    zero-fill what was cropped), so this Function is its own adjoint.
    """

    _node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        ctx.pads = pads
        a = x._data
        crop = tuple(slice(max(-b, 0), n - max(-e, 0)) for n, (b, e) in zip(a.shape, pads))
        a = a[crop]
        shape = tuple(n + max(b, 0) + max(e, 0) for n, (b, e) in zip(a.shape, pads))
        out = np.full(shape, value, dtype=a.dtype)
        out[tuple(slice(max(b, 0), max(b, 0) + n) for n, (b, _) in zip(a.shape, pads))] = a
        return out

    @staticmethod
    def backward(ctx, grad):
        return ConstantPad.apply(grad, tuple((-b, -e) for b, e in ctx.pads), 0)
