"""dtype objects, NumPy mapping and PyTorch's type promotion."""
import pickle

import numpy as np
import pytest

import minigrad
from minigrad import dtypes
from minigrad.ops._util import promote, result_dtype
from tests.helpers import torch_or_skip

ALL = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def test_names_aliases_and_reprs():
    assert minigrad.float is minigrad.float32 and minigrad.double is minigrad.float64
    assert minigrad.long is minigrad.int64 and minigrad.int is minigrad.int32
    assert minigrad.half is minigrad.float16 and minigrad.short is minigrad.int16
    assert repr(minigrad.float32) == "minigrad.float32" and repr(minigrad.bool) == "minigrad.bool"
    assert isinstance(minigrad.float32, minigrad.dtype)
    assert minigrad.float32 != minigrad.float64 and minigrad.float32 == minigrad.float32


@pytest.mark.parametrize("name", ALL)
def test_numpy_round_trip_and_properties(name):
    d = getattr(minigrad, name)
    np_dtype = dtypes.to_numpy(d)
    assert np_dtype == np.dtype(name if name != "bool" else np.bool_)
    assert dtypes.from_numpy(np_dtype) is d
    assert d.is_floating_point == (np_dtype.kind == "f")
    assert d.itemsize == np_dtype.itemsize and not d.is_complex
    assert pickle.loads(pickle.dumps(d)) is d
    assert minigrad.zeros(1, dtype=d).dtype is d


def test_properties_match_pytorch():
    torch = torch_or_skip()
    for name in ALL:
        ours, theirs = getattr(minigrad, name), getattr(torch, name)
        assert ours.is_floating_point == theirs.is_floating_point
        assert ours.is_signed == theirs.is_signed and ours.itemsize == theirs.itemsize


def test_python_types_map_like_pytorch():
    assert dtypes.to_numpy(float) == np.float32 and dtypes.to_numpy(int) == np.int64
    assert dtypes.to_numpy(bool) == np.bool_
    assert minigrad.zeros(1, dtype=float).dtype is minigrad.float32


def test_unsupported_numpy_types():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        dtypes.from_numpy(np.complex64)
    with pytest.raises(TypeError):
        minigrad.from_numpy(np.array(["a"]))


def test_scalar_type_names_in_messages():
    assert dtypes.scalar_type_name(np.float32) == "Float"
    assert dtypes.scalar_type_name(np.int64) == "Long"
    assert dtypes.scalar_type_name(np.uint8) == "Byte"


def test_promotion_matches_pytorch():
    torch = torch_or_skip()
    operands = [minigrad.zeros(2, dtype=getattr(minigrad, n)) for n in ALL]
    operands += [minigrad.zeros((), dtype=getattr(minigrad, n)) for n in ALL]
    operands += [1, 1.5, True]
    for a in operands:
        for b in operands:
            if not isinstance(a, minigrad.Tensor) and not isinstance(b, minigrad.Tensor):
                continue
            ta = torch.zeros(a.shape, dtype=getattr(torch, str(a.dtype).split(".")[1])) \
                if isinstance(a, minigrad.Tensor) else a
            tb = torch.zeros(b.shape, dtype=getattr(torch, str(b.dtype).split(".")[1])) \
                if isinstance(b, minigrad.Tensor) else b
            expected = torch.result_type(ta, tb)
            assert str(result_dtype(a, b)) == str(expected).split(".")[1], (a, b)


def test_promote_converts_python_numbers_and_keeps_tensors():
    x = minigrad.ones(2)
    a, b = promote(x, 2)
    assert a is x and b.dtype is minigrad.float32 and b.item() == 2.0
    i = minigrad.ones(2, dtype=minigrad.int32)
    a, b = promote(i, 2.5)
    assert a.dtype is minigrad.float32 and b.dtype is minigrad.float32
    a, b, c = promote(i, x, minigrad.ones(2, dtype=minigrad.float64))
    assert a.dtype is b.dtype is c.dtype is minigrad.float64
    with pytest.raises(TypeError):
        promote(x, "a")


def test_dims_of_zero_dim_tensors():
    from minigrad.ops._util import normalize_dim, normalize_dims

    assert normalize_dims(0, 0) == () and normalize_dims(-1, 0) == ()
    assert normalize_dims([0], 0) == ()
    assert normalize_dims(None, 0) == () and normalize_dims(-1, 3) == (2,)
    assert normalize_dims((0, -1), 2) == (0, 1)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1"):
        normalize_dims(1, 0)
    with pytest.raises(RuntimeError, match="appears multiple times"):
        normalize_dims((0, -2), 2)
    assert normalize_dim(-2, 2) == 0
    with pytest.raises(TypeError):
        normalize_dim(1.0, 2)
    s = minigrad.tensor(2.5)
    assert s.sum(0).item() == 2.5 and s.sum(-1, keepdim=True).shape == ()


def test_no_silent_float64_promotion():
    x = minigrad.ones(2)
    for y in (x * 2.5, x + np.float64(1.0), x / 3, x - minigrad.tensor(1.0, dtype=minigrad.float64),
              minigrad.tensor(2.0) ** x):
        assert y.dtype is minigrad.float32
