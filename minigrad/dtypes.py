"""Tensor element types: ``minigrad.float32`` and friends, with PyTorch's names."""
from __future__ import annotations

import numpy as np


class dtype:
    """An element type. Compares equal only to itself; ``repr`` is ``minigrad.float32``."""

    __slots__ = ("is_floating_point", "is_signed", "itemsize", "name", "numpy")

    def __init__(self, name: str, numpy_dtype: np.dtype):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.itemsize = self.numpy.itemsize

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"

    def __reduce__(self):
        return self.name


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)

# PyTorch's aliases.
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
bool = bool_

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_FROM_NUMPY = {d.numpy: d for d in ALL}

_default_float = float32


def from_numpy(np_dtype) -> dtype:
    """The minigrad dtype of a NumPy dtype; TypeError for types minigrad does not have."""
    d = _FROM_NUMPY.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        )
    return d


def to_numpy(d) -> np.dtype:
    """The NumPy dtype for a minigrad dtype (NumPy dtypes and Python types pass through)."""
    if isinstance(d, dtype):
        return d.numpy
    if d is builtins_float:
        return _default_float.numpy
    if d is builtins_int:
        return np.dtype(np.int64)
    if d is builtins_bool:
        return np.dtype(np.bool_)
    return from_numpy(d).numpy


_SCALAR_TYPE_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
    "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
}


def scalar_type_name(np_dtype) -> str:
    """PyTorch's C++ name of a dtype, used in its error messages: float32 -> ``Float``."""
    name = np.dtype(np_dtype).name
    return _SCALAR_TYPE_NAMES.get(name, name)


def get_default_dtype() -> dtype:
    """The dtype that Python floats and ``randn``/``zeros`` produce (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (float32 or float64), as ``torch.set_default_dtype``."""
    global _default_float
    if not isinstance(d, dtype) or d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


import builtins as _builtins

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool
