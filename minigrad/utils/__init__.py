"""``minigrad.utils``: helpers outside the tensor core (``minigrad.utils.data``)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
