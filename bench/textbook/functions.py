"""Activation functions, softmax and the central-difference gradient, on NumPy arrays."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Callable

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of x: (N, K). Subtracting the row maximum keeps exp() from overflowing."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log(softmax(x)) of x: (N, K), computed without forming softmax (no log(0))."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-4,
                       indices: Iterable[tuple] | None = None) -> np.ndarray:
    """d f / d x by central differences, (f(x + h) - f(x - h)) / 2h, one element at a time.

    f: a function of no arguments that reads x (e.g. a network's loss on a fixed batch).
    x is perturbed in place and restored. indices: only these elements (the rest stay 0), for
    spot checks; default all of them. Two evaluations of f per element is why this is ~10^4
    times slower than backpropagation on a real network.
    """
    grad = np.zeros_like(x)
    for idx in (np.ndindex(x.shape) if indices is None else indices):
        saved = x[idx]
        x[idx] = saved + h
        f_plus = f()
        x[idx] = saved - h
        f_minus = f()
        x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
