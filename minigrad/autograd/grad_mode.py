"""Grad mode: whether operations record the graph (``no_grad``, ``enable_grad``, ...).

Each is a context manager and a decorator, as in PyTorch; ``no_grad`` and ``enable_grad`` may
also decorate without parentheses (``@no_grad``).
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable


class _GradState(threading.local):
    """Grad mode is per thread, as in PyTorch; the class attribute is each thread's default."""

    enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when operations record the graph for backward."""
    return _state.enabled


def _set_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """A context manager that is also a decorator; ``_mode`` is the grad mode inside it."""

    _mode: bool
    _prev: bool = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc) -> bool:
        _state.enabled = self._prev
        return False

    def __call__(self, func: Callable) -> Callable:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.enabled
            _state.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper

    def clone(self) -> _GradMode:
        return self.__class__()


class _NoParamGradMode(_GradMode):
    """Also usable as a bare decorator: ``@no_grad`` is ``@no_grad()``."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamGradMode):
    """Disables graph recording: results of operations do not require grad."""

    _mode = False


class enable_grad(_NoParamGradMode):
    """Enables graph recording, e.g. inside ``no_grad``."""

    _mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(mode)`` sets grad mode at once (a plain call works); as a context
    manager it restores the previous mode on exit; as a decorator it applies ``mode`` to each
    call of the function only."""

    def __init__(self, mode: bool) -> None:
        self._prev = _state.enabled
        self._mode = bool(mode)
        _state.enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, func: Callable) -> Callable:
        _state.enabled = self._prev  # decorating must not leave the mode changed
        return super().__call__(func)

    def clone(self) -> set_grad_enabled:
        return self.__class__(self._mode)


class inference_mode(_GradMode):
    """Accepted for PyTorch compatibility: ``inference_mode()`` behaves as ``no_grad()``."""

    def __new__(cls, mode: Any = True):
        if callable(mode) and not isinstance(mode, bool):  # bare decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode
