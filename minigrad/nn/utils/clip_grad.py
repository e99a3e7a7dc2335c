"""Gradient clipping: ``clip_grad_norm_`` (rescale all gradients jointly) and
``clip_grad_value_`` (clamp each element).

Gradients are edited in place in their storage and no graph is recorded, as PyTorch does under
``no_grad``.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Union

import numpy as np

from minigrad.tensor import Tensor

_TensorOrTensors = Union[Tensor, Iterable[Tensor]]


def _as_list(tensors: _TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(x: np.ndarray, p: float) -> float:
    """``linalg.vector_norm(x, p)`` of a flat array (inf, -inf, 0 and any real p)."""
    a = np.abs(x.astype(np.float64, copy=False)).ravel()
    if p == math.inf:
        return float(a.max()) if a.size else 0.0
    if p == -math.inf:
        return float(a.min()) if a.size else math.inf
    if p == 0:
        return float(np.count_nonzero(a))
    if p == 1:
        return float(a.sum())
    if p == 2:
        return float(np.sqrt(np.dot(a, a)))
    return float(np.sum(a ** p) ** (1.0 / p))


def get_total_norm(tensors: _TensorOrTensors, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type`` norm of the per-tensor norms (= the norm of all elements together for
    p-norms and inf), as a 0-d tensor of the tensors' dtype."""
    from minigrad.factories import tensor as make_tensor

    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return make_tensor(0.0)
    norms = np.array([_vector_norm(t._data, norm_type) for t in tensors])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    dtype = tensors[0].dtype if tensors[0].is_floating_point() else None
    return make_tensor(total, dtype=dtype)


def clip_grads_with_norm_(parameters: _TensorOrTensors, max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale every ``.grad`` by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # inf * 0 -> nan, as PyTorch, without a warning
        for g in grads:
            np.multiply(g._data, coef, out=g._data, casting="unsafe")
            g._bump_version()


def clip_grad_norm_(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so their joint norm is at most
    ``max_norm``; returns the total norm before clipping (a 0-d tensor).

    A non-finite total norm raises RuntimeError when ``error_if_nonfinite`` (else the gradients
    become nan, as in PyTorch). ``foreach`` is accepted for compatibility.
    """
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _TensorOrTensors, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._bump_version()
