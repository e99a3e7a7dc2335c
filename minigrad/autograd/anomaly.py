"""Anomaly detection (``set_detect_anomaly`` / ``detect_anomaly``), as in PyTorch.

In anomaly mode every node records the user's stack at the forward call that created it
(``grad_fn.metadata['traceback_']``). When a backward fails, the engine shows that stack in a
UserWarning; with ``check_nan`` a backward that returns NaN raises
``RuntimeError: Function 'LogBackward0' returned nan values in its 0th output.``
Outside anomaly mode nothing is recorded or checked (the engine reads one flag per backward).
"""
from __future__ import annotations

import os
import traceback
import warnings

import numpy as np

_enabled = False
_check_nan = True

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` / after ``set_detect_anomaly(True)``."""
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode raises on NaN gradients (``check_nan``)."""
    return _check_nan


def _set(mode: bool, check_nan: bool) -> None:
    global _enabled, _check_nan
    _enabled, _check_nan = bool(mode), bool(check_nan)


def creation_stack() -> list[str]:
    """The formatted frames of the current stack outside minigrad (PyTorch's ``traceback_``)."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)]
    return traceback.format_list(frames)


def warn_with_forward_stack(node) -> None:
    """The UserWarning PyTorch prints before re-raising an error from a node's backward."""
    stack = node.metadata.get("traceback_")
    if stack is None:  # the node was made before anomaly mode was switched on
        trace = ("No forward pass information available. Enable detect anomaly during forward "
                 "pass for more information.")
    else:
        trace = "Traceback of forward call that caused the error:\n" + "".join(stack)
    warnings.warn(f"Error detected in {node.name()}. {trace}", UserWarning, stacklevel=4)


def check_gradients(node, grads) -> None:
    """Raise if a Function returned NaN gradients; ``grads[i]`` is for the node's input ``i``
    (None where there is none)."""
    if not _check_nan:
        return
    for i, g in enumerate(grads):
        a = getattr(g, "_data", g)  # a backward may return an ndarray; the engine wraps it later
        if a is not None and np.asarray(a).dtype.kind == "f" and np.isnan(a).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)`` switches anomaly mode at once; used with
    ``with``, the previous setting comes back on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (_enabled, _check_nan)
        _set(mode, check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc) -> bool:
        _set(*self._prev)
        return False


class detect_anomaly:
    """Context manager enabling anomaly mode inside it (warns that it slows things down)."""

    def __init__(self, check_nan: bool = True) -> None:
        self._check_nan = check_nan
        self._prev = (_enabled, _check_nan)
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self._prev = (_enabled, _check_nan)
        _set(True, self._check_nan)

    def __exit__(self, *exc) -> bool:
        _set(*self._prev)
        return False
