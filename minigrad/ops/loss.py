"""Loss Functions with a fused forward and a direct backward: cross-entropy, NLL and binary
cross-entropy.

Cross-entropy and NLL are written with one "target coefficient" array ``T`` of the input's
shape: the per-sample loss is ``-sum_c T[n, c] * logp[n, c]`` where ``logp`` is the log-softmax
(cross-entropy) or the input itself (NLL). Class indices, class weights, ``ignore_index``,
label smoothing and class probabilities all only change ``T`` and the ``mean`` denominator, so
one forward and one backward cover every case. The class dim is 1: input (N, C, d1, ...).
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function
from minigrad.ops.elementwise import clamp, log
from minigrad.ops.reduce import log_softmax, softmax
from minigrad.tensor import Tensor
from minigrad._errstate import ignore_fp_errors


def index_coefficients(target: np.ndarray, input_shape: tuple, dtype: np.dtype,
                       weight: np.ndarray | None, ignore_index: int,
                       label_smoothing: float) -> tuple[np.ndarray, float]:
    """``(T, denominator)`` for class-index targets (N, d1, ...) of an (N, C, d1, ...) input.

    ``T`` puts ``(1 - ls) * w[y]`` at the target class plus ``ls / C * w[c]`` on every class,
    zero for ignored samples; the denominator of ``mean`` is ``sum of w[y]`` over kept samples
    (PyTorch's weighted mean, also used for the smoothing term).
    """
    n_classes = input_shape[1]
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    w_target = keep.astype(dtype) if weight is None else np.where(keep, weight[safe], 0)
    classes = np.arange(n_classes).reshape((1, n_classes) + (1,) * (len(input_shape) - 2))
    coeff = (safe[:, None] == classes) * ((1.0 - label_smoothing) * w_target)[:, None]
    coeff = coeff.astype(dtype, copy=False)
    if label_smoothing > 0:
        per_class = np.ones(n_classes, dtype) if weight is None else weight
        per_class = per_class.reshape((1, n_classes) + (1,) * (len(input_shape) - 2))
        coeff += (label_smoothing / n_classes) * per_class * keep[:, None].astype(dtype)
    return coeff, float(w_target.sum())


def _grad_scale(grad: Tensor, reduction: str, denominator: float) -> Tensor:
    """The upstream gradient of each sample, shaped to broadcast against (N, C, d1, ...)."""
    if reduction == "none":
        return grad.unsqueeze(1)
    if reduction == "mean":
        return grad / denominator if denominator else grad * float("nan")
    return grad


def _reduce(per_sample: np.ndarray, reduction: str, denominator: float) -> np.ndarray:
    if reduction == "none":
        return per_sample
    total = per_sample.sum()
    if reduction == "sum":
        return total
    with ignore_fp_errors():
        return np.asarray(total / per_sample.dtype.type(denominator), dtype=per_sample.dtype)


def _weighted_sum(coeff: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``sum_c coeff * values`` where zero coefficients contribute 0 even against -inf."""
    with ignore_fp_errors():  # inf logits give nan losses silently, as in PyTorch
        return np.where(coeff != 0, coeff * values, 0).sum(axis=1)


class CrossEntropy(Function):
    """Stable log-softmax + NLL in one node. x: (N, C, d1, ...); target: int64 class indices
    (N, d1, ...) or float class probabilities (N, C, d1, ...).

    Backward is ``g * (softmax(x) * sum_c T - T)``, i.e. ``softmax - onehot`` in the plain case.
    With ``create_graph`` it is built from ``softmax`` and ops, so it differentiates again
    (also with respect to probability targets).
    """

    _node_name = "NllLossBackward0"  # what PyTorch's cross_entropy result shows

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        a = x._data
        shift = a.max(axis=1, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0)
        shifted = a - shift
        with ignore_fp_errors():
            logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n_classes = a.shape[1]
        w = None if weight is None else weight.reshape((1, n_classes) + (1,) * (a.ndim - 2))
        if target._data.dtype.kind == "f":
            smoothed = target._data
            if label_smoothing > 0:
                smoothed = smoothed * (1.0 - label_smoothing) + label_smoothing / n_classes
            coeff = smoothed if w is None else smoothed * w
            denominator = float(a.size // n_classes)
            ctx.save_for_backward(x, target)
        else:
            coeff, denominator = index_coefficients(target._data, a.shape, a.dtype, weight,
                                                    ignore_index, label_smoothing)
            ctx.save_for_backward(x, None)
        ctx.coeff, ctx.logp, ctx.w = coeff, logp, w
        ctx.reduction, ctx.denominator, ctx.label_smoothing = (reduction, denominator,
                                                               label_smoothing)
        return _reduce(-_weighted_sum(coeff, logp), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        scale = _grad_scale(grad, ctx.reduction, ctx.denominator)
        need_x = ctx.needs_input_grad[0]
        need_target = ctx.needs_input_grad[1]
        if not grad_mode.is_grad_enabled():
            s, coeff = scale._data, ctx.coeff
            gx = gt = None
            if need_x:
                total = coeff.sum(axis=1, keepdims=True)
                gx = s * (np.exp(ctx.logp) * total - coeff)
            if need_target:
                gt = -s * ctx.logp * (1.0 - ctx.label_smoothing)
                if ctx.w is not None:
                    gt = gt * ctx.w
            return gx, gt
        w = None if ctx.w is None else Tensor._from_array(ctx.w)
        if target is None:
            coeff = Tensor._from_array(ctx.coeff)
        else:
            n_classes = x.shape[1]
            coeff = target * (1.0 - ctx.label_smoothing) + ctx.label_smoothing / n_classes \
                if ctx.label_smoothing > 0 else target
            if w is not None:
                coeff = coeff * w
        gx = gt = None
        if need_x:
            gx = scale * (softmax(x, 1) * coeff.sum(1, keepdim=True) - coeff)
        if need_target:
            gt = -scale * log_softmax(x, 1) * (1.0 - ctx.label_smoothing)
            if w is not None:
                gt = gt * w
        return gx, gt


class NllLoss(Function):
    """Negative log-likelihood of log-probabilities x: (N, C, d1, ...) at class indices
    (N, d1, ...). Linear in x: the backward is ``-T`` times the upstream gradient."""

    _node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        coeff, denominator = index_coefficients(target, x._data.shape, x._data.dtype, weight,
                                                ignore_index, 0.0)
        ctx.coeff, ctx.reduction, ctx.denominator = coeff, reduction, denominator
        return _reduce(-_weighted_sum(coeff, x._data), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        scale = _grad_scale(grad, ctx.reduction, ctx.denominator)
        return scale * Tensor._from_array(-ctx.coeff)


class BinaryCrossEntropy(Function):
    """Elementwise ``-w * (t * log(x) + (1 - t) * log(1 - x))`` with each log clamped at -100.

    The input gradient is PyTorch's ``w * (x - t) / max(x * (1 - x), 1e-12)``: finite even where
    a saturated sigmoid gives exactly 0 or 1. The target gradient is the derivative of the
    clamped forward, ``w * (log(1 - x) - log(x))`` with both logs clamped, so it stays finite
    at x = 0 or 1 (PyTorch's is infinite there).
    """

    @staticmethod
    def forward(ctx, x, t, weight):
        ctx.save_for_backward(x, t, weight)
        a, b = x._data, t._data
        with ignore_fp_errors():
            log_x = np.maximum(np.log(a), -100)
            log_1mx = np.maximum(np.log1p(-a), -100)
        loss = -(b * log_x + (1 - b) * log_1mx)
        return loss if weight is None else loss * weight._data

    @staticmethod
    def backward(ctx, grad):
        x, t, weight = ctx.saved_tensors
        if weight is not None:
            grad = grad * weight
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - t) / clamp((1 - x) * x, min=1e-12)
        if ctx.needs_input_grad[1]:
            gt = grad * (clamp(log(1 - x), min=-100) - clamp(log(x), min=-100))
        return gx, gt, None
