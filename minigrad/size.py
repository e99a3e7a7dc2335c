"""``minigrad.Size``: the type of ``Tensor.shape``, a tuple of ints as ``torch.Size``."""
from __future__ import annotations

import math
import operator


class Size(tuple):
    """A tuple of dimension sizes. ``Size([2, 3]).numel() == 6``; slicing, ``+`` and ``*``
    give Sizes again; ``repr`` is ``minigrad.Size([2, 3])``."""

    def __new__(cls, sizes=()):
        items = []
        for i, n in enumerate(sizes):
            try:
                items.append(operator.index(n))  # ints, NumPy ints, one-element int tensors
            except TypeError:
                raise TypeError(f"minigrad.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(n).__name__}')") from None
        return super().__new__(cls, items)

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for ``Size([])``)."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return Size(result) if isinstance(item, slice) else result

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
