"""Hypothesis strategies for the op tests: random shapes and non-contiguous views of them.

A drawn ``View`` knows how to build the same view from a base array in NumPy, minigrad and
PyTorch, so one test can compare all three on permuted, step-sliced and expanded operands.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

KINDS = ("contiguous", "permuted", "stepped", "expanded")


@dataclass
class View:
    """A view of ``shape`` taken from a base array of ``base_shape`` (see ``apply``)."""

    kind: str
    shape: tuple
    base_shape: tuple

    def apply(self, t):
        """The view of ``t`` (a NumPy array, a minigrad tensor or a torch tensor)."""
        n = len(self.shape)
        if self.kind == "permuted":
            dims = tuple(reversed(range(n)))
            return t.transpose(dims) if isinstance(t, np.ndarray) else t.permute(*dims)
        if self.kind == "stepped":
            return t[(slice(None, None, 2),) * n]
        if self.kind == "expanded":
            return np.broadcast_to(t, self.shape) if isinstance(t, np.ndarray) else t.expand(
                *self.shape)
        return t


def view_of(shape: tuple, kind: str, draw) -> View:
    if kind == "permuted":
        base = tuple(reversed(shape))
    elif kind == "stepped":
        base = tuple(2 * n for n in shape)
    elif kind == "expanded":
        base = tuple(n if draw(st.booleans()) else 1 for n in shape)
    else:
        base = tuple(shape)
    return View(kind, tuple(shape), base)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@st.composite
def views(draw, shape_strategy=shapes) -> View:
    """A (possibly non-contiguous) view of a random shape."""
    shape = draw(shape_strategy)
    return view_of(shape, draw(st.sampled_from(KINDS)), draw)


@st.composite
def broadcast_pairs(draw) -> tuple[View, View]:
    """Views whose shapes broadcast together: the second is a suffix of the first with some
    dimensions set to 1 (or the other way round)."""
    shape = draw(shapes)
    k = draw(st.integers(1, len(shape)))
    other = tuple(1 if draw(st.booleans()) else n for n in shape[len(shape) - k:])
    first, second = (shape, other) if draw(st.booleans()) else (other, shape)
    return (view_of(first, draw(st.sampled_from(KINDS)), draw),
            view_of(second, draw(st.sampled_from(KINDS)), draw))


def base_array(view: View, seed: int, low: float | None = None) -> np.ndarray:
    """Random float64 data for ``view``'s base (values above ``low`` when given)."""
    data = np.random.default_rng(seed).standard_normal(view.base_shape)
    return low + 0.2 + np.abs(data) if low is not None else data
