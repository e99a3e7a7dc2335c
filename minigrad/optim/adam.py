"""Adam (Kingma & Ba), with AMSGrad and decoupled weight decay options; PyTorch's algorithm."""

from __future__ import annotations

from typing import Any

from .. import backend
from . import _foreach
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _scalar_state,
    _step_with_closure,
    _to_float,
    _zeros_state,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam.

    Per parameter (step count ``t``)::

        g = -g if maximize
        p = p * (1 - lr * wd) if decoupled_weight_decay else g = g + wd * p
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v) (amsgrad)
        denom = sqrt(v or v_max) / sqrt(1 - beta2**t) + eps
        p = p - lr / (1 - beta1**t) * m / denom

    Each parameter is updated by ``backend.adam_step``: with the C backend one fused pass over
    its arrays. ``betas`` may be a tuple or a list (stored as a tuple, as PyTorch does).
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_weight_decay(weight_decay)
        betas = tuple(_to_float(b) for b in betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            beta1, beta2 = (_to_float(b) for b in group["betas"])
            eps = group["eps"]
            weight_decay = _to_float(group["weight_decay"])
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                bias_correction1 = 1 - beta1**step
                bias_correction2 = 1 - beta2**step
                vmax = state["max_exp_avg_sq"]._data if amsgrad else None
                tasks.append(
                    (
                        backend.adam_step,
                        (
                            p._data,
                            p.grad._data,
                            state["exp_avg"]._data,
                            state["exp_avg_sq"]._data,
                            vmax,
                        ),
                        (
                            lr,
                            beta1,
                            beta2,
                            eps,
                            weight_decay,
                            lr / bias_correction1,
                            bias_correction2**0.5,
                            maximize,
                            decoupled,
                        ),
                    )
                )
                touched.append(p)
        # with the C backend the fused kernel threads itself (see _foreach.run)
        _foreach.run(tasks, split=backend.name != "C")
        for p in touched:
            p._bump_version()
