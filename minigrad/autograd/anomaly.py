"""Anomaly detection switch (``set_detect_anomaly``); the checks themselves live in the engine."""
from __future__ import annotations

_enabled = False


def is_anomaly_enabled() -> bool:
    return _enabled


def check_gradients(node, grads) -> None:
    """Raise if a Function returned NaN gradients (only called in anomaly mode)."""
    import numpy as np

    for i, g in enumerate(grads):
        if g is not None and np.isnan(g._data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


class set_detect_anomaly:
    """Turn anomaly detection on or off; usable as a context manager."""

    def __init__(self, mode: bool, check_nan: bool = True):
        global _enabled
        self._prev = _enabled
        _enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self._prev
        return False


class detect_anomaly(set_detect_anomaly):
    """Context manager that enables anomaly detection inside it."""

    def __init__(self, check_nan: bool = True):
        super().__init__(True, check_nan)
