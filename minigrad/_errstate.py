"""A cheap ``np.errstate(all="ignore")`` for the hot paths of elementwise ops."""
from __future__ import annotations

import numpy as np

__all__ = ["ignore_fp_errors"]


class ignore_fp_errors:
    """``with ignore_fp_errors():`` is ``np.errstate(all="ignore")`` (PyTorch never warns on
    ``x / 0`` or ``exp(1000)``) at a fraction of its cost: NumPy 2 keeps the error state in a
    context variable, and the "ignore everything" state is built once here instead of on every
    call (``np.errstate`` costs ~2 µs, more than a small elementwise op)."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _extobj_var.set(_IGNORE_ALL)

    def __exit__(self, *exc) -> bool:
        _extobj_var.reset(self._token)
        return False


try:
    from numpy._core._ufunc_config import _extobj_contextvar as _extobj_var
    from numpy._core._ufunc_config import _make_extobj

    _IGNORE_ALL = _make_extobj(all="ignore")
except (ImportError, TypeError):  # NumPy 1.x keeps no context variable: use the public API
    def ignore_fp_errors():  # type: ignore[no-redef]
        return np.errstate(all="ignore")
