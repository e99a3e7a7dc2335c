"""RAdam: Adam with a rectified adaptive learning rate (Liu et al.)."""

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
    _adam_moments_,
    _scalar_state,
    _step_with_closure,
    _to_float,
    _zeros_state,
)

__all__ = ["RAdam"]


def _radam_kernel(
    d,
    g,
    m,
    v,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    decoupled,
    maximize,
    bias_correction1,
    bias_correction2,
    rect,
):
    """One RAdam update of ``d``, ``m``, ``v`` in place; ``rect`` is None for the
    un-rectified (SGD with momentum) branch."""
    _, tmp = _adam_moments_(d, g, m, v, lr, beta1, beta2, weight_decay, maximize, decoupled)
    # ((m / bc1) * lr) [* adaptive * rect], subtracted from p
    update = np.divide(m, bias_correction1)
    update *= lr
    if rect is not None:
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(bias_correction2**0.5, tmp, out=tmp)
        update *= tmp
        update *= rect
    d -= update


class RAdam(Optimizer):
    """RAdam.

    Per parameter (step count ``t``)::

        g = -g if maximize
        p = p * (1 - lr * wd) if decoupled_weight_decay else g = g + wd * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:  p -= m / (1 - beta1**t) * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t
        else:          p -= m / (1 - beta1**t) * lr
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
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
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
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
            group.setdefault("decoupled_weight_decay", False)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            beta1, beta2 = group["betas"]
            args = (
                lr,
                beta1,
                beta2,
                group["eps"],
                group["weight_decay"],
                group["decoupled_weight_decay"],
                group["maximize"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
                rect = None
                if rho_t > 5.0:
                    rect = (
                        (rho_t - 4)
                        * (rho_t - 2)
                        * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                    ) ** 0.5
                tasks.append(
                    (
                        _radam_kernel,
                        (p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data),
                        args + (bias_correction1, bias_correction2, rect),
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
