"""Adadelta (Zeiler): step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _foreach
from .optimizer import (
    Optimizer,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _scalar_state,
    _step_with_closure,
    _to_float,
    _zeros_state,
)

__all__ = ["Adadelta"]


def _adadelta_kernel(d, g, v, u, lr, rho, eps, weight_decay, maximize):
    """One Adadelta update of ``d``, ``v`` (square_avg) and ``u`` (acc_delta), in place."""
    if maximize:
        g = np.negative(g)
    if weight_decay != 0:
        t = np.multiply(d, weight_decay)
        np.add(g, t, out=t)
        g = t
    std = np.multiply(g, 1 - rho)
    std *= g
    v *= rho
    v += std
    np.add(v, eps, out=std)
    np.sqrt(std, out=std)
    delta = np.add(u, eps)
    np.sqrt(delta, out=delta)
    delta /= std
    delta *= g
    np.multiply(delta, 1 - rho, out=std)
    std *= delta
    u *= rho
    u += std
    delta *= -lr
    d += delta


class Adadelta(Optimizer):
    """Adadelta.

    Per parameter::

        g = -g if maximize;  g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_eps(eps)
        _check_weight_decay(weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            args = (
                _to_float(group["lr"]),
                group["rho"],
                group["eps"],
                group["weight_decay"],
                group["maximize"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["square_avg"] = _zeros_state(p)
                    state["acc_delta"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                tasks.append(
                    (
                        _adadelta_kernel,
                        (
                            p._data,
                            p.grad._data,
                            state["square_avg"]._data,
                            state["acc_delta"]._data,
                        ),
                        args,
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
