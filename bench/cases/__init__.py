"""The benchmark cases. Each module registers ``Case``s with ``@case``; a case builds, for one
size, the callables to time (minigrad, NumPy, PyTorch when importable) and a check that
minigrad's result agrees with the NumPy baseline. Every run executes the checks and exits with
status 1 when one disagrees; ``--quick`` runs them on tiny sizes (CI's smoke test)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from bench.report import fmt_time


class Skip(Exception):
    """Raised by a case's build when it cannot run here (no data set, no compiled kernels)."""


@dataclass
class Impl:
    """What one case provides for one size: zero-argument callables and an agreement check.

    scale: multiplies a library's measured time (a case that times a fixed sample of a long
    computation and extrapolates says so in ``note``). extra: more callables to time, reported
    in the note (e.g. the NumPy backprop next to the numerical gradient). note: text under the
    table, or a function of the finished result entry that returns it.
    """

    minigrad: Callable[[], object]
    numpy: Callable[[], object]
    torch: Callable[[], object] | None = None
    check: Callable[[], None] | None = None  # raises AssertionError when results disagree
    scale: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Callable[[], object]] = field(default_factory=dict)
    note: str | Callable[[dict], str] | None = None


@dataclass
class Target:
    """A speed goal from an issue: minigrad at least ``min_speedup`` times as fast as ``lib``
    (speedup = lib's time / minigrad's time), or, with ``lib=None``, minigrad's time at most
    ``max_seconds``."""

    source: str  # e.g. "issue 3"
    lib: str | None = None
    min_speedup: float = 1.0
    max_seconds: float | None = None
    strict: bool = False  # "faster than": the speedup must exceed min_speedup

    def describe(self) -> str:
        if self.lib is None:
            return f"minigrad < {fmt_time(self.max_seconds)}"
        lib = {"numpy": "NumPy", "torch": "PyTorch"}[self.lib]
        if self.min_speedup == 1.0 and self.strict:
            return f"faster than {lib}"
        if self.min_speedup == 1.0:
            return f"no slower than {lib}"
        if self.min_speedup < 1.0:
            return f">= {self.min_speedup:g}x {lib}'s speed"
        return f">= {self.min_speedup:g}x faster than {lib}"

    def evaluate(self, entry: dict) -> tuple | None:
        """(measured text, met) for a result entry, or None when it cannot be judged here."""
        ours = entry.get("minigrad")
        if not ours:
            return None
        if self.lib is None:
            return fmt_time(ours), ours <= self.max_seconds
        other = entry.get(self.lib)
        if not other:
            return None
        speedup = other / ours
        met = speedup > self.min_speedup if self.strict else speedup >= self.min_speedup
        return f"{speedup:.2f}x", met


@dataclass
class Case:
    group: str
    name: str
    build: Callable[[bool], Impl]  # build(quick) -> Impl
    targets: list[Target] = field(default_factory=list)


REGISTRY: list[Case] = []


def case(group: str, name: str, targets: list[Target] | None = None):
    """Register ``build(quick) -> Impl`` as a benchmark case."""

    def register(build):
        REGISTRY.append(Case(group, name, build, list(targets or ())))
        return build

    return register


# Group order in the report: from kernels up to whole training steps.
MODULES = ("matmul", "elementwise", "softmax", "conv", "pool", "batchnorm", "overhead",
           "optimizer", "training", "data", "gradient")


def load_all() -> list[Case]:
    """Import every case module (they register themselves) and return the registry."""
    import importlib
    import pkgutil

    names = [info.name for info in pkgutil.iter_modules(__path__)
             if not info.name.startswith("_")]  # _helpers are not case modules
    names.sort(key=lambda n: (MODULES.index(n) if n in MODULES else len(MODULES), n))
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
    return REGISTRY


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def assert_close(actual, expected, rtol: float, atol: float, what: str = "") -> None:
    """np.testing.assert_allclose on Tensors, torch tensors or arrays."""
    np.testing.assert_allclose(to_numpy(actual), to_numpy(expected), rtol=rtol, atol=atol,
                               err_msg=what)


def to_numpy(x) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):  # minigrad or torch tensor
        x = x.detach()
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def tolerance(dtype) -> tuple:
    """(rtol, atol) for comparing minigrad's result with NumPy's computed in ``dtype``."""
    return (1e-4, 1e-5) if np.dtype(dtype) == np.float32 else (1e-9, 1e-11)
