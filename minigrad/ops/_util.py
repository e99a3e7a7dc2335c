"""Helpers shared by the op families: argument normalisation and PyTorch's type promotion."""
from __future__ import annotations

import numbers

import numpy as np

from minigrad import dtypes as _dtype
from minigrad._errstate import ignore_fp_errors  # noqa: F401  (for the op families)
from minigrad.tensor import Tensor

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _operand_info(x):
    """(category, priority, numpy dtype) for promotion: dimensioned tensors outrank 0-d tensors,
    which outrank Python scalars, within the same category (bool < int < float)."""
    if isinstance(x, Tensor):
        a = x._data
        return _CATEGORY[a.dtype.kind], 2 if a.ndim else 1, a.dtype
    if isinstance(x, np.ndarray):
        return _CATEGORY.get(x.dtype.kind, 2), 2 if x.ndim else 1, x.dtype
    if isinstance(x, (bool, np.bool_)):
        return 0, 0, np.dtype(np.bool_)
    if isinstance(x, (numbers.Integral,)):
        return 1, 0, np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return 2, 0, _dtype.get_default_dtype().numpy
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def result_dtype(*operands) -> np.dtype:
    """The NumPy dtype PyTorch gives the result of an elementwise op on ``operands``."""
    infos = [_operand_info(x) for x in operands]
    top = max(i[0] for i in infos)
    in_top = [i for i in infos if i[0] == top]
    best = max(i[1] for i in in_top)
    if best == 0:  # only Python scalars carry the top category
        return {0: np.dtype(np.bool_), 1: np.dtype(np.int64),
                2: _dtype.get_default_dtype().numpy}[top]
    result = None
    for cat, prio, dt in in_top:
        if prio == best:
            result = dt if result is None else np.promote_types(result, dt)
    return result


def as_tensor_arg(x, dtype: np.dtype | None = None) -> Tensor:
    """``x`` as a Tensor of NumPy dtype ``dtype`` (differentiable cast for tensors).

    Python integers wrap around in narrower integer dtypes (``uint8_tensor + 300``), as PyTorch.
    """
    if isinstance(x, Tensor):
        if dtype is None or x._data.dtype == dtype:
            return x
        from minigrad.ops.elementwise import cast

        return cast(x, _dtype.from_numpy(dtype))
    array = np.asarray(x)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    _dtype.from_numpy(array.dtype)
    return Tensor._from_array(array)


def _scalar_fits(x, kind: str) -> bool:
    """A Python number that becomes a tensor of dtype kind ``kind`` without changing it."""
    t = type(x)
    return (t is float and kind == "f") or (t is int and kind in "fiu")


def promote(*operands) -> list[Tensor]:
    """Operands as Tensors of their common (PyTorch-promoted) dtype."""
    first = operands[0]
    if len(operands) == 2:
        # Fast paths (every binary op comes here): same dtype, or a tensor and a Python number
        # that does not change its dtype.
        second = operands[1]
        if isinstance(first, Tensor):
            dt = first._data.dtype
            if isinstance(second, Tensor):
                if second._data.dtype == dt:
                    return [first, second]
            elif _scalar_fits(second, dt.kind):
                return [first, Tensor._from_array(np.array(second).astype(dt))]
        elif isinstance(second, Tensor) and _scalar_fits(first, second._data.dtype.kind):
            return [Tensor._from_array(np.array(first).astype(second._data.dtype)), second]
    elif isinstance(first, Tensor):
        dt = first._data.dtype
        if all(isinstance(x, Tensor) and x._data.dtype == dt for x in operands):
            return list(operands)
    dt = result_dtype(*operands)
    return [as_tensor_arg(x, dt) for x in operands]


def normalize_dim(dim: int, ndim: int) -> int:
    """A dimension index in ``[0, ndim)``; IndexError as PyTorch for out-of-range dims."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if dim < lo or dim > hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % max(ndim, 1)


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """``None`` means every dim; an int or a tuple/list of ints is normalised and checked.

    A 0-d tensor accepts dim 0 or -1 (as PyTorch) and has no axis to reduce: ``()``.
    """
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:
        for d in dim if isinstance(dim, (list, tuple)) else (dim,):
            normalize_dim(d, 0)
        return ()
    if isinstance(dim, (list, tuple)):
        dims = tuple(normalize_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
        return dims if dims or ndim == 0 else tuple(range(ndim))
    return (normalize_dim(dim, ndim),)


def dim_alias(dim, axis):
    """PyTorch accepts ``axis=`` as an alias of ``dim=``."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both 'dim' and its alias 'axis'")
        return axis
    return dim


def broadcast_shapes(*shapes) -> tuple:
    """NumPy broadcasting with PyTorch's error message."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        a, b = shapes[0], shapes[1] if len(shapes) > 1 else ()
        n = max(len(a), len(b))
        pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in range(n - 1, -1, -1):
            if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
                raise RuntimeError(
                    f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                    f"at non-singleton dimension {i}"
                ) from None
        raise RuntimeError(f"shapes {list(shapes)} cannot be broadcast together") from None
