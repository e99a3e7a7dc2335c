"""Parameter updates on dicts of arrays: ``opt.update(params, grads)`` changes params in place."""
from __future__ import annotations

import numpy as np


class SGD:
    def __init__(self, lr: float = 0.01):
        self.lr = lr

    def update(self, params: dict, grads: dict) -> None:
        for key, p in params.items():
            p -= self.lr * grads[key]


class Momentum:
    """v <- momentum * v - lr * grad; p <- p + v (PyTorch's SGD(momentum=...) for a fixed lr)."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9):
        self.lr, self.momentum = lr, momentum
        self.v: dict = {}

    def update(self, params: dict, grads: dict) -> None:
        for key, p in params.items():
            v = self.v.get(key)
            if v is None:
                v = self.v[key] = np.zeros_like(p)
            v *= self.momentum
            v -= self.lr * grads[key]
            p += v


class Adam:
    """Adam with bias correction folded into the step size.

    The book divides by sqrt(v) + eps; PyTorch divides by sqrt(v / (1 - beta2^t)) + eps. Scaling
    eps by sqrt(1 - beta2^t) makes the two identical, so this baseline computes exactly what
    ``optim.Adam`` does, for the same number of array passes.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.iter = 0
        self.m: dict = {}
        self.v: dict = {}

    def update(self, params: dict, grads: dict) -> None:
        self.iter += 1
        correction2 = (1 - self.beta2 ** self.iter) ** 0.5
        lr_t = self.lr * correction2 / (1 - self.beta1 ** self.iter)
        eps_t = self.eps * correction2
        for key, p in params.items():
            g = grads[key]
            if key not in self.m:
                self.m[key], self.v[key] = np.zeros_like(p), np.zeros_like(p)
            m, v = self.m[key], self.v[key]
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g * g - v)
            p -= lr_t * m / (np.sqrt(v) + eps_t)
