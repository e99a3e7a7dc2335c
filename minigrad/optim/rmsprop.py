"""RMSprop (Hinton): divide the gradient by a running RMS, optionally centered and with momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _foreach
from .optimizer import (
    Optimizer,
    _check_eps,
    _check_lr,
    _check_weight_decay,
    _lerp_,
    _scalar_state,
    _step_with_closure,
    _to_float,
    _zeros_state,
)

__all__ = ["RMSprop"]


def _rmsprop_kernel(d, g, v, a, b, lr, alpha, eps, weight_decay, momentum, maximize):
    """One RMSprop update of ``d``; ``a`` (grad average, centered) and ``b`` (momentum) may be None."""
    if maximize:
        g = np.negative(g)
    if weight_decay != 0:
        t = np.multiply(d, weight_decay)
        np.add(g, t, out=t)
        g = t
    tmp = np.multiply(g, 1 - alpha)
    tmp *= g
    v *= alpha
    v += tmp
    if a is not None:
        _lerp_(a, g, 1 - alpha, tmp)
        # addcmul(value=-1): v + (-1) * a * a
        np.multiply(a, a, out=tmp)
        np.subtract(v, tmp, out=tmp)
        np.sqrt(tmp, out=tmp)
    else:
        np.sqrt(v, out=tmp)
    tmp += eps
    np.divide(g, tmp, out=tmp)
    if momentum > 0:
        b *= momentum
        b += tmp
        np.multiply(b, -lr, out=tmp)
    else:
        tmp *= -lr
    d += tmp


class RMSprop(Optimizer):
    """RMSprop.

    Per parameter::

        g = -g if maximize;  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - a * a) if centered (a = lerp(a, g, 1 - alpha)) else sqrt(v);  avg += eps
        b = momentum * b + g / avg;  p = p - lr * b      (momentum > 0)
        p = p - lr * g / avg                            (otherwise)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_lr(lr)
        _check_eps(eps)
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        _check_weight_decay(weight_decay)
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)

    @_step_with_closure
    def step(self) -> None:
        tasks, touched = [], []
        for group in self.param_groups:
            lr = _to_float(group["lr"])
            momentum = group["momentum"]
            centered = group["centered"]
            args = (
                lr,
                group["alpha"],
                group["eps"],
                group["weight_decay"],
                momentum,
                group["maximize"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_state(0.0)
                    state["square_avg"] = _zeros_state(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _zeros_state(p)
                    if centered:
                        state["grad_avg"] = _zeros_state(p)
                step_t = state["step"]._data
                step_t += 1
                a = state["grad_avg"]._data if centered else None
                b = state["momentum_buffer"]._data if momentum > 0 else None
                tasks.append(
                    (
                        _rmsprop_kernel,
                        (p._data, p.grad._data, state["square_avg"]._data, a, b),
                        args,
                    )
                )
                touched.append(p)
        _foreach.run(tasks)
        for p in touched:
            p._bump_version()
