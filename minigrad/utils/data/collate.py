"""``default_collate`` / ``default_convert``: samples -> batch, with ``torch.utils.data``'s rules.

- Tensors and NumPy arrays are stacked along a new first dimension (same dtype).
- Python floats -> float64 tensor, Python ints -> int64 tensor, bools -> bool tensor,
  NumPy scalars -> a tensor of their dtype.
- str / bytes: the list is returned unchanged.
- dicts (Mappings) are collated key by key, namedtuples field by field, and other sequences
  position by position; a tuple sample gives a *list* of batches (as PyTorch).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.dtypes import from_numpy
from minigrad.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_np_str_obj_array_pattern = re.compile(r"[SaUO]")
_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _wrap(arr: np.ndarray) -> Tensor:
    from_numpy(arr.dtype)  # TypeError naming the dtype when minigrad has no such type
    return Tensor._from_array(arr)


def _stack_arrays(arrays: Sequence[np.ndarray]) -> np.ndarray:
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(a.shape)} at entry {i}"
            )
    return np.stack(arrays, 0)


def _collate_tensors(batch: Sequence) -> Tensor:
    if not all(isinstance(t, Tensor) for t in batch):
        bad = next(type(t).__name__ for t in batch if not isinstance(t, Tensor))
        raise TypeError(f"expected Tensor as element of the batch, but got {bad}")
    if any(t.requires_grad for t in batch):
        import minigrad

        _stack_arrays([t._data for t in batch])  # same shape check and message
        return minigrad.stack(list(batch), 0)
    return Tensor._from_array(_stack_arrays([t._data for t in batch]))


def _collate_ints(batch: Sequence) -> Tensor:
    arr = np.array(batch)
    if arr.dtype.kind in "iu":
        return Tensor._from_array(arr.astype(np.int64, copy=False))
    if arr.dtype.kind == "b":
        return Tensor._from_array(arr)
    if arr.dtype.kind == "f":  # an int first, then floats: torch.tensor infers the default dtype
        from minigrad.dtypes import get_default_dtype

        return Tensor._from_array(arr.astype(get_default_dtype().numpy))
    raise TypeError(f"default_collate: cannot make a tensor of {[type(b).__name__ for b in batch]}")


def default_collate(batch: Sequence) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules).

    batch: a non-empty sequence of samples of the same structure. Each tensor/array leaf of
    shape S becomes one Tensor of shape (len(batch), *S).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, np.ndarray):
        if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
            raise TypeError(_err_msg_format.format(elem.dtype))
        arrays = [np.asarray(b) for b in batch]
        for a in arrays:
            if _np_str_obj_array_pattern.search(a.dtype.str) is not None:
                raise TypeError(_err_msg_format.format(a.dtype))
        return _wrap(_stack_arrays(arrays))
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        arr = np.array(batch)
        if arr.dtype.kind in "OSU":
            raise TypeError(_err_msg_format.format(arr.dtype))
        return _wrap(arr)
    if isinstance(elem, float):
        return Tensor._from_array(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return _collate_ints(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: default_collate([d[key] for d in batch]) for key in elem})
                return clone
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            # The mapping type cannot be built from a dict: fall back to a plain dict.
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_err_msg_format.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars inside ``data`` into Tensors; used when ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    elem_type = type(data)
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
