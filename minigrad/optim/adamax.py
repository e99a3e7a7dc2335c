"""Adamax: the infinity-norm variant of Adam (Kingma & Ba, section 7)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _foreach
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _lerp_,
    _scalar_state,
    _step_with_closure,
    _to_float,
    _zeros_state,
)

__all__ = ["Adamax"]


def _adamax_kernel(d, g, m, u, beta1, beta2, eps, weight_decay, maximize, clr):
    """One Adamax update of ``d``, ``m`` (exp_avg) and ``u`` (exp_inf), in place."""
    if maximize:
        g = np.negative(g)
    if weight_decay != 0:
        t = np.multiply(d, weight_decay)
        np.add(g, t, out=t)
        g = t
    tmp = np.empty_like(d)
    _lerp_(m, g, 1 - beta1, tmp)
    u *= beta2
    np.abs(g, out=tmp)
    tmp += eps
    np.maximum(u, tmp, out=u)
    np.divide(m, u, out=tmp)
    tmp *= -clr
    d += tmp


class Adamax(Optimizer):
    """Adamax.

    Per parameter (step count ``t``)::

        g = -g if maximize;  g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
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
            lr = _to_float(group["lr"])
            beta1, beta2 = group["betas"]
            args = (beta1, beta2, group["eps"], group["weight_decay"], group["maximize"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_inf"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                clr = lr / (1 - beta1 ** float(step_t))
                tasks.append(
                    (
                        _adamax_kernel,
                        (p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data),
                        args + (clr,),
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
