"""SGD: stochastic gradient descent with optional (Nesterov) momentum, PyTorch's algorithm."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from . import _foreach
from .optimizer import (
    Optimizer,
    _check_lr,
    _check_weight_decay,
    _step_with_closure,
    _to_float,
)

__all__ = ["SGD"]


def _sgd_kernel(d, g, b, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """One SGD update of ``d`` (param) from ``g`` (grad) and ``b`` (momentum buffer or None).

    The momentum update ``b = momentum * b + (1 - dampening) * g`` and the step
    ``d += -lr * g`` are single fused passes (``backend.axpby`` / ``backend.axpy``) with the
    same rounding as the NumPy expressions they replace, so results are bit-identical."""
    owned = False  # g is our own temporary and may be overwritten
    if maximize:
        g = np.negative(g)
        owned = True
    if weight_decay != 0:
        t = np.multiply(d, weight_decay)
        if owned:
            g += t
        else:
            np.add(g, t, out=t)
            g, owned = t, True
    if b is not None:
        if first:
            np.copyto(b, g)
        else:
            backend.axpby(1 - dampening, g, momentum, b)
        if nesterov:
            t = np.multiply(b, momentum)
            if owned:
                g += t
            else:
                np.add(g, t, out=t)
                g, owned = t, True
        else:
            g = b
    backend.axpy(-lr, g, d)


class SGD(Optimizer):
    """Stochastic gradient descent.

    Per parameter ``p`` with gradient ``g`` (PyTorch's single-tensor algorithm)::

        g = -g if maximize;  g = g + weight_decay * p
        b = g (first step) or momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b        (when momentum != 0)
        p = p - lr * g
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_weight_decay(weight_decay)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            momentum = group["momentum"]
            args_tail = (
                group["dampening"],
                _to_float(group["weight_decay"]),
                group["nesterov"],
                group["maximize"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                b, first = None, False
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._from_array(np.empty_like(p._data))
                        state["momentum_buffer"] = buf
                        first = True
                    b = buf._data
                tasks.append(
                    (_sgd_kernel, (p._data, p.grad._data, b), (lr, momentum) + args_tail + (first,))
                )
                touched.append(p)
        # with the C backend the fused kernels thread themselves (see _foreach.run)
        _foreach.run(tasks, split=backend.name != "C")
        for p in touched:
            p._bump_version()
