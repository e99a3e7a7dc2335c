"""default_collate / default_convert follow torch.utils.data's rules (dtypes included)."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import default_collate, default_convert

Point = namedtuple("Point", ["x", "y"])


def test_tensors_are_stacked():
    out = default_collate([minigrad.ones(2, 3), minigrad.zeros(2, 3)])
    assert isinstance(out, minigrad.Tensor)
    assert out.shape == (2, 2, 3) and out.dtype == minigrad.float32
    assert out[0].sum().item() == 6.0


def test_tensor_shape_mismatch_is_runtime_error():
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([minigrad.ones(2), minigrad.ones(3)])


def test_numpy_arrays_become_tensors_of_their_dtype():
    out = default_collate([np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)])
    assert (
        isinstance(out, minigrad.Tensor) and out.dtype == minigrad.uint8 and out.shape == (2, 2, 2)
    )


def test_numpy_string_arrays_refused():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_numbers():
    f = default_collate([1.5, 2.0])
    assert f.dtype == minigrad.float64 and f.tolist() == [1.5, 2.0]
    i = default_collate([1, 2, 3])
    assert i.dtype == minigrad.int64 and i.tolist() == [1, 2, 3]
    b = default_collate([True, False])
    assert b.dtype == minigrad.bool
    s = default_collate([np.float32(1.0), np.float32(2.0)])
    assert s.dtype == minigrad.float32


def test_strings_pass_through():
    assert default_collate(["a", "b"]) == ["a", "b"]


def test_tuples_become_lists_of_batches():
    batch = [(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 0)]
    x, y = out = default_collate(batch)
    assert isinstance(out, list)
    assert x.shape == (2, 3) and x.dtype == minigrad.float32
    assert y.tolist() == [1, 0] and y.dtype == minigrad.int64


def test_dicts_namedtuples_and_lists():
    out = default_collate([{"a": 1, "b": 2.0}, {"a": 3, "b": 4.0}])
    assert out["a"].tolist() == [1, 3] and out["b"].dtype == minigrad.float64
    od = default_collate([OrderedDict(z=1, a=2), OrderedDict(z=3, a=4)])
    assert isinstance(od, OrderedDict) and list(od) == ["z", "a"]
    p = default_collate([Point(1, 2), Point(3, 4)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    lst = default_collate([[1, 2], [3, 4]])
    assert isinstance(lst, list) and lst[0].tolist() == [1, 3]


def test_uneven_sequences_are_an_error():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])


def test_unsupported_type():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


def test_default_convert():
    out = default_convert((np.arange(3), {"k": np.float32(2.0)}, "s", 4))
    assert isinstance(out, list)
    assert isinstance(out[0], minigrad.Tensor) and out[0].tolist() == [0, 1, 2]
    assert isinstance(out[1]["k"], minigrad.Tensor) and out[1]["k"].dtype == minigrad.float32
    assert out[2] == "s" and out[3] == 4
