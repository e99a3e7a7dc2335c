"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

import numpy as np

from minigrad.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A leaf Tensor that ``Module.__setattr__`` registers in ``_parameters``.

    ``Parameter(data)`` shares ``data``'s storage but is always a graph leaf (even when ``data``
    is the result of an operation, e.g. ``Parameter(randn(3, 4) * 0.01)``), and requires grad
    by default. ``Parameter()`` is an empty float tensor.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from minigrad.factories import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}"
            )
        param = cls._from_array(data._data)
        # Same storage and version counter as ``data.detach()``: in-place writes are shared.
        param._version_counter = data._version_counter
        param.requires_grad = requires_grad  # raises for integer dtypes, as PyTorch
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        # Everything happens in __new__; Tensor.__init__ (the legacy constructor) must not run.
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._from_array(data), requires_grad)
