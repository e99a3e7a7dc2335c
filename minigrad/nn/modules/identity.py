"""``Identity``: a placeholder layer that returns its input unchanged."""
from __future__ import annotations

from typing import Any

from minigrad.nn.module import Module

__all__ = ["Identity"]


class Identity(Module):
    """``forward(x)`` returns ``x``; accepts and ignores any constructor arguments (as PyTorch),
    so it can stand in for a configurable layer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
