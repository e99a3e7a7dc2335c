"""``Flatten`` merges a range of dims into one; ``Unflatten`` splits one dim into several."""
from __future__ import annotations

from typing import Sequence

from minigrad.nn.module import Module
from minigrad.ops._util import normalize_dim
from minigrad.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """(N, C, H, W) -> (N, C * H * W) with the defaults: dims ``start_dim..end_dim`` merge."""

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1):
    (N, 12) -> (N, 3, 4) with ``Unflatten(1, (3, 4))``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, n in enumerate(unflattened_size):
            if not isinstance(n, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element of "
                                f"type {type(n).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        d = normalize_dim(self.dim, input.ndim)
        sizes = tuple(self.unflattened_size)
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        if -1 in sizes:
            sizes = tuple(input.shape[d] // known if n == -1 else n for n in sizes)
        elif known != input.shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({input.shape[d]}) in "
                               f"the input tensor")
        return input.reshape(tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
