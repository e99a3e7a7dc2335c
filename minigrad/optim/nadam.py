"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (Dozat)."""

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

__all__ = ["NAdam"]


def _nadam_kernel(
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
    bias_correction2,
    grad_coef,
    exp_avg_coef,
):
    """One NAdam update of ``d``, ``m`` (exp_avg) and ``v`` (exp_avg_sq), in place."""
    g, tmp = _adam_moments_(d, g, m, v, lr, beta1, beta2, weight_decay, maximize, decoupled)
    denom = np.divide(v, bias_correction2)
    np.sqrt(denom, out=denom)
    denom += eps
    np.divide(g, denom, out=tmp)
    tmp *= grad_coef
    d += tmp
    np.divide(m, denom, out=tmp)
    tmp *= exp_avg_coef
    d += tmp


class NAdam(Optimizer):
    """NAdam.

    Per parameter (step count ``t``, ``psi = momentum_decay``)::

        g = -g if maximize
        p = p * (1 - lr * wd) if decoupled_weight_decay else g = g + wd * p
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * psi));  mu_{t+1} likewise;  P = P * mu_t
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / denom - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / denom

    ``mu_product`` (``P``) is kept as a 0-d Tensor of the scalar dtype, as in PyTorch.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            beta1, beta2 = group["betas"]
            momentum_decay = group["momentum_decay"]
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
                    state["mu_product"] = _scalar_state(1.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                bias_correction2 = 1 - beta2**step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product_t = state["mu_product"]._data
                mu_product_t *= mu  # in the 0-d tensor's own dtype, as PyTorch
                mu_product = float(mu_product_t)
                mu_product_next = mu_product * mu_next
                grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product)
                exp_avg_coef = (-lr * mu_next) / (1.0 - mu_product_next)
                tasks.append(
                    (
                        _nadam_kernel,
                        (p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data),
                        args + (bias_correction2, grad_coef, exp_avg_coef),
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
