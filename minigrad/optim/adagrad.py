"""Adagrad (Duchi et al.): per-coordinate step sizes from the running sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import _foreach
from .optimizer import (
    Optimizer,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _scalar_state,
    _step_with_closure,
    _to_float,
)

__all__ = ["Adagrad"]


def _adagrad_kernel(d, g, s, clr, weight_decay, eps, maximize):
    """One Adagrad update of ``d`` and its squared-gradient sum ``s``, in place."""
    if maximize:
        g = np.negative(g)
    if weight_decay != 0:
        t = np.multiply(d, weight_decay)
        np.add(g, t, out=t)
        g = t
    tmp = np.multiply(g, g)
    s += tmp
    np.sqrt(s, out=tmp)
    tmp += eps
    np.divide(g, tmp, out=tmp)
    tmp *= -clr
    d += tmp


class Adagrad(Optimizer):
    """Adagrad.

    Per parameter (step count ``t``)::

        g = -g if maximize;  g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                      (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    As in PyTorch, the state is created for every parameter at construction.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        _check_eps(eps)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _scalar_state(0.0)
                state["sum"] = Tensor._from_array(np.full_like(p._data, initial_accumulator_value))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            lr_decay = group["lr_decay"]
            weight_decay = group["weight_decay"]
            eps = group["eps"]
            maximize = group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    # a group added after construction: PyTorch reads the optimizer default here
                    state["step"] = _scalar_state(0.0)
                    state["sum"] = Tensor._from_array(
                        np.full_like(p._data, self.defaults["initial_accumulator_value"])
                    )
                step_t = state["step"]._data
                step_t += 1
                clr = lr / (1 + (float(step_t) - 1) * lr_decay)
                tasks.append(
                    (
                        _adagrad_kernel,
                        (p._data, p.grad._data, state["sum"]._data),
                        (clr, weight_decay, eps, maximize),
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
