"""Functions that create tensors: ``tensor``, ``zeros``, ``randn``, ``arange``, ...

Every factory takes its size as varargs (``zeros(2, 3)``), a tuple, a list, a ``Size`` or
``size=``, plus ``dtype=`` and ``requires_grad=``, as in PyTorch.
"""
from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from minigrad import dtypes as _dtype
from minigrad.random import get_rng
from minigrad.tensor import Tensor, _check_device

__all__ = [
    "arange",
    "as_tensor",
    "asarray",
    "bernoulli",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "multinomial",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "scalar_tensor",
    "tensor",
    "zeros",
    "zeros_like",
]


def _np_dtype(dtype, default=None) -> np.dtype:
    if dtype is None:
        dtype = default or _dtype.get_default_dtype()
    return _dtype.to_numpy(dtype)


def _size(size: tuple, kwargs_size=None) -> tuple:
    """Normalise ``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or ``size=`` to a tuple of ints."""
    if kwargs_size is not None:
        size = (kwargs_size,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for n in size:
        if isinstance(n, Tensor):
            n = n.item()
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"size must be a tuple of ints, but got {type(n).__name__} {n!r}")
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(size)}")
        out.append(int(n))
    _check_allocation(out)
    return tuple(out)


def _check_allocation(shape) -> None:
    """PyTorch's RuntimeError (not NumPy's ValueError) for sizes no allocator can satisfy.

    8 bytes per element bounds every dtype, so the check needs no dtype. Empty shapes count
    their other dimensions too: NumPy's strides must still fit in an index.
    """
    nbytes = math.prod(max(n, 1) for n in shape) * 8
    if nbytes > sys.maxsize:
        raise RuntimeError(f"DefaultCPUAllocator: not enough memory: you tried to allocate "
                           f"{nbytes} bytes (shape {list(shape)}).")


def _finish(array: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        _check_device(device)
    t = Tensor._from_array(array)
    if requires_grad:
        t.requires_grad = True  # validates the dtype
    return t


def _array_from_data(data: Any, dtype=None) -> np.ndarray:
    """A fresh ndarray from Python data, NumPy data or Tensors, with PyTorch's dtype inference:
    Python floats give the default dtype, ints int64, bools bool; NumPy arrays, NumPy scalars
    and tensors (also inside lists) keep their dtype, promoted as PyTorch promotes."""
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
        _dtype.from_numpy(array.dtype)  # TypeError for unsupported NumPy dtypes
    elif isinstance(data, (bool, int, float)):
        if type(data) is int and not -2**63 <= data < 2**63:
            raise RuntimeError("Overflow when unpacking long")
        array = np.array(data, dtype=_scalar_dtype(type(data)) if dtype is None else None)
    elif isinstance(data, (list, tuple, range)):
        array = _array_from_sequence(data, infer=dtype is None)
    elif isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    else:  # PyTorch's exception type for unknown data
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")  # noqa: TRY004
    if dtype is not None:
        target = _dtype.to_numpy(dtype)
        if array.dtype != target:
            if array.dtype.kind == "f" and target.kind in "iub" and array.size \
                    and not np.all(np.isfinite(array)):
                raise RuntimeError(f"value cannot be converted to type {target} without "
                                   "overflow")
            array = array.astype(target)
    return array


def _scalar_dtype(py_type: type) -> np.dtype:
    if py_type is float:
        return _dtype.get_default_dtype().numpy
    return np.dtype(np.bool_) if py_type is bool else np.dtype(np.int64)


def _array_from_sequence(data, infer: bool = True) -> np.ndarray:
    """Nested lists/tuples of numbers (and NumPy scalars, arrays, one-element tensors).

    With ``infer=False`` (a dtype was given) the values keep NumPy's widest type for the caller
    to cast, so ``tensor([0.1], dtype=float64)`` is not rounded through float32.
    """
    py_types, other_dtypes, has_tensors = _leaf_types(data)
    if has_tensors:
        data = _tensors_to_scalars(data)
    try:
        array = np.array(data)
    except (ValueError, TypeError):
        _raise_ragged(data)
        raise
    if array.dtype.kind not in "biuf":
        _raise_ragged(data)
        if py_types == {int}:  # Python ints beyond int64 make NumPy fall back to objects
            raise RuntimeError("Overflow when unpacking long")
        bad = next((t for t in py_types if t not in (bool, int, float)), type(None))
        raise RuntimeError(f"Could not infer dtype of {bad.__name__}")
    if not infer:
        return array
    candidates = [_scalar_dtype(t) for t in py_types] + list(other_dtypes)
    if not candidates:  # an empty list
        return array.astype(_dtype.get_default_dtype().numpy)
    with np.errstate(over="ignore"):  # 1e40 becomes inf in float32, silently as in PyTorch
        return array.astype(_promote_dtypes(candidates), copy=False)


def _leaf_types(data) -> tuple[set, set, bool]:
    """(Python leaf types, NumPy/tensor leaf dtypes, whether tensors occur) of nested data.

    ``set(map(type, level))`` keeps the common case (lists of Python numbers) at C speed.
    """
    py_types: set = set()
    other: set = set()
    has_tensors = False
    stack = [data]
    while stack:
        level = stack.pop()
        types = set(map(type, level))
        if types <= {float, int, bool}:
            py_types |= types
            continue
        for x in level:
            t = type(x)
            if t in (float, int, bool):
                py_types.add(t)
            elif t in (list, tuple, range):
                stack.append(x)
            elif isinstance(x, Tensor):
                has_tensors = True
                other.add(x._data.dtype)
            elif isinstance(x, (np.ndarray, np.generic)):
                other.add(x.dtype)
            else:
                py_types.add(t)
    return py_types, other, has_tensors


def _tensors_to_scalars(data):
    """Tensors inside a list are read as scalars (one element each), as PyTorch does."""
    if isinstance(data, Tensor):
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data._data.reshape(())
    if isinstance(data, (list, tuple)):
        return [_tensors_to_scalars(x) for x in data]
    return data


def _raise_ragged(data) -> None:
    """PyTorch's message for nested sequences of unequal lengths (if that is the problem)."""
    def shape_of(x, dim):
        if isinstance(x, (list, tuple)):
            return [len(x)] + (shape_of(x[0], dim + 1) if len(x) else [])
        return []

    expected = shape_of(data, 0)

    def check(x, dim):
        if dim >= len(expected):
            if isinstance(x, (list, tuple)):
                raise ValueError(f"expected sequence of length {len(x)} at dim {dim} (got "
                                 f"{len(x)})")
            return
        if not isinstance(x, (list, tuple)):
            raise TypeError("not a sequence")
        if len(x) != expected[dim]:
            raise ValueError(f"expected sequence of length {expected[dim]} at dim {dim} "
                             f"(got {len(x)})")
        for item in x:
            check(item, dim + 1)

    check(data, 0)


def _promote_dtypes(dtypes: list) -> np.dtype:
    """PyTorch's promotion of several dtypes: the highest category (bool < int < float) wins,
    then NumPy's promotion within it (int64 with float32 gives float32, not float64)."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    top = max(rank[d.kind] for d in dtypes)
    result = None
    for d in dtypes:
        if rank[d.kind] == top:
            result = d if result is None else np.promote_types(result, d)
    return result


def tensor(data: Any, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors)."""
    return _finish(_array_from_data(data, dtype), requires_grad, device)


def scalar_tensor(value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.array(value, dtype=_np_dtype(dtype)), requires_grad, device)


def as_tensor(data: Any, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a Tensor or ndarray when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dtype.to_numpy(dtype)):
        _dtype.from_numpy(data.dtype)
        return _finish(data, False, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy(array.dtype)
    return Tensor._from_array(array)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, **kw) -> Tensor:
    return _finish(np.zeros(_size(size, kw.get("size")), _np_dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, **kw) -> Tensor:
    return _finish(np.ones(_size(size, kw.get("size")), _np_dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, **kw) -> Tensor:
    return _finish(np.empty(_size(size, kw.get("size")), _np_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of shape ``size`` (a sequence) filled with ``fill_value``; the dtype follows the
    value (bool, int64 or the default float) unless given."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    if dtype is None:
        fill = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
        dtype = (_dtype.bool_ if isinstance(fill, bool) else
                 _dtype.int64 if isinstance(fill, (int, np.integer)) else None)
    return _finish(np.full(_size((size,)), fill_value, _np_dtype(dtype)), requires_grad, device)


def _like_dtype(input: Tensor, dtype):
    return dtype if dtype is not None else input.dtype


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    return zeros(input.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    return ones(input.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    return empty(input.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad=False,
              **kw) -> Tensor:
    return full(input.shape, fill_value, dtype=_like_dtype(input, dtype),
                requires_grad=requires_grad)


def _float_dtype(dtype, kernel: str) -> np.dtype:
    np_dtype = _np_dtype(dtype)
    if np_dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_dtype.scalar_type_name(np_dtype)}'")
    return np_dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Uniform samples on [0, 1)."""
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    array = get_rng(generator).random(_size(size, kw.get("size")), dtype=np.float64)
    return _finish(array.astype(np_dtype, copy=False), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw) -> Tensor:
    """Standard normal samples."""
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    array = get_rng(generator).standard_normal(_size(size, kw.get("size")))
    return _finish(array.astype(np_dtype, copy=False), requires_grad, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    array = get_rng(generator).integers(low, high, _size((size,)))
    return _finish(array.astype(_np_dtype(dtype, _dtype.int64)), requires_grad, device)


def randperm(n: int, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got {n}")
    _check_allocation((n,))
    array = get_rng(generator).permutation(int(n))
    return _finish(array.astype(_np_dtype(dtype, _dtype.int64)), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False,
           device=None) -> Tensor:
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or floats with ``size``."""
    mean_a = mean._data if isinstance(mean, Tensor) else mean
    std_a = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(std_a) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if size is None:
        size = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
    tensor_dtype = next((t.dtype for t in (mean, std) if isinstance(t, Tensor)), None)
    np_dtype = _float_dtype(dtype or tensor_dtype, "normal_kernel_cpu")
    array = get_rng(generator).normal(mean_a, std_a, _size((size,)))
    return _finish(np.asarray(array).astype(np_dtype, copy=False), requires_grad, device)


def _is_float(*values) -> bool:
    return any(isinstance(v, (float, np.floating)) for v in values)


def arange(start=0, end=None, step=1, *, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``: ``arange(5)``, ``arange(1, 4)``,
    ``arange(0, 1, 0.25)``; int64 unless a float is given (then the default float dtype)."""
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    floating = _is_float(start, end, step)
    if dtype is None:
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    n = max(0, math.ceil((end - start) / step))
    array = (start + step * np.arange(n, dtype=np.float64)) if floating \
        else np.arange(start, end, step)
    return _finish(array.astype(_np_dtype(dtype)), requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Computed as PyTorch does (the first half counted up from ``start``, the second half down
    from ``end``, each value rounded once), so the results are bit-for-bit PyTorch's.
    """
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    np_dtype = _np_dtype(dtype)
    compute = np_dtype if np_dtype.kind == "f" else np.dtype(np.float64)
    s, e = compute.type(start), compute.type(end)
    if steps <= 1:
        array = np.full(steps, s, dtype=compute)
    else:
        step = (e - s) / compute.type(steps - 1)
        # One rounding per value (as PyTorch's fused multiply-add): compute wider, round once.
        wide = np.longdouble if compute == np.float64 else np.float64
        idx = np.arange(steps)
        up = wide(s) + wide(step) * idx
        down = wide(e) - wide(step) * (steps - 1 - idx)
        array = np.where(idx < steps // 2, up, down).astype(compute)
    return _finish(array.astype(np_dtype), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    array = np.power(base, np.linspace(float(start), float(end), int(steps)))
    return _finish(array.astype(_np_dtype(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The ``(n, m)`` identity matrix (``m`` defaults to ``n``)."""
    for k in (n, m):
        if k is not None and k < 0:
            raise RuntimeError(f"n must be greater or equal to 0, got {k}")
    _check_allocation((n, n if m is None else m))
    return _finish(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad, device)


def rand_like(input: Tensor, dtype=None, requires_grad=False, **kw) -> Tensor:
    return rand(input.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad)


def randn_like(input: Tensor, dtype=None, requires_grad=False, **kw) -> Tensor:
    return randn(input.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad)


def randint_like(input: Tensor, low, high=None, dtype=None, requires_grad=False) -> Tensor:
    return randint(low, high, input.shape, dtype=_like_dtype(input, dtype),
                   requires_grad=requires_grad)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or the scalar ``p``), same dtype as input."""
    probs = input._data if p is None else np.full(input.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    draws = get_rng(generator).random(input.shape) < probs
    return Tensor._from_array(draws.astype(input._data.dtype))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Indices drawn from the rows of ``input`` (non-negative weights): (R, num_samples)."""
    weights = np.atleast_2d(input._data).astype(np.float64)
    if np.any(weights < 0) or np.any(weights.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid probability distribution (negative or zero sum)")
    if not replacement and num_samples > weights.shape[1]:
        raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           "without replacement")
    rng = get_rng(generator)
    rows = [rng.choice(weights.shape[1], size=num_samples, replace=replacement,
                       p=w / w.sum()) for w in weights]
    out = np.array(rows, dtype=np.int64)
    return Tensor._from_array(out if input.ndim == 2 else out[0])
