"""Padding layers: constant (``ZeroPad*``, ``ConstantPad*``), ``ReflectionPad*``,
``ReplicationPad*`` and ``CircularPad*``, for 1, 2 or 3 trailing spatial dims.

``padding`` is an int (the same on every side) or PyTorch's tuple order: (left, right) for 1-D,
(left, right, top, bottom) for 2-D, then (front, back) for 3-D. Negative amounts crop.
"""
from __future__ import annotations

from typing import Sequence, Union

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = [
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]

Padding = Union[int, Sequence[int]]


def _expand(padding: Padding, n: int) -> tuple:
    """An int repeated ``n`` times; a sequence as a tuple."""
    if isinstance(padding, int):
        return (padding,) * n
    return tuple(padding)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _sides = 2

    def __init__(self, padding: Padding, value: float) -> None:
        super().__init__()
        self.padding = _expand(padding, self._sides)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: padding (left, right)."""

    _sides = 2


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: padding (left, right, top, bottom)."""

    _sides = 4


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: padding (left, right, top, bottom, front, back)."""

    _sides = 6


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros."""

    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _sides = 2
    _mode = "reflect"

    def __init__(self, padding: Padding) -> None:
        super().__init__()
        self.padding = _expand(padding, self._sides)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pad the last dim with its reflection (edge not repeated); amounts < the dim's size."""

    _sides, _mode = 2, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Pad the last two dims with their reflection."""

    _sides, _mode = 4, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Pad the last three dims with their reflection."""

    _sides, _mode = 6, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Pad the last dim by repeating its edge values."""

    _sides, _mode = 2, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Pad the last two dims by repeating their edge values."""

    _sides, _mode = 4, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Pad the last three dims by repeating their edge values."""

    _sides, _mode = 6, "replicate"


class CircularPad1d(_ModePadNd):
    """Pad the last dim by wrapping around (periodic boundary)."""

    _sides, _mode = 2, "circular"


class CircularPad2d(_ModePadNd):
    """Pad the last two dims by wrapping around."""

    _sides, _mode = 4, "circular"


class CircularPad3d(_ModePadNd):
    """Pad the last three dims by wrapping around."""

    _sides, _mode = 6, "circular"
