"""``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one flat vector."""
from __future__ import annotations

from collections.abc import Iterable

from minigrad.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened ``parameters`` into one 1-D tensor (differentiable)."""
    from minigrad import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Point each parameter's data at its slice of ``vec`` (in order; shares ``vec``'s storage,
    as PyTorch, so later writes to ``vec`` show in the parameters)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = Tensor._from_array(vec._data[pointer:pointer + n].reshape(param.shape))
        pointer += n
