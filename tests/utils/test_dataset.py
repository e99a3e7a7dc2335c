"""Datasets: TensorDataset, Subset, ConcatDataset, StackDataset, ChainDataset, random_split."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self) -> int:
        return self.n


class Stream(IterableDataset):
    def __init__(self, items) -> None:
        self.items = list(items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def test_tensor_dataset_items_are_rows():
    x = minigrad.arange(12).reshape(4, 3)
    y = minigrad.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert xi.tolist() == [6, 7, 8] and int(yi) == 0
    assert yi.shape == () and yi.dtype == minigrad.int64
    assert ds[-1][0].tolist() == [9, 10, 11]
    assert ds.tensors[0] is x


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(minigrad.zeros(3, 2), minigrad.zeros(4))


def test_tensor_dataset_keeps_autograd():
    w = minigrad.ones(3, 2, requires_grad=True)
    (row,) = TensorDataset(w)[1]
    row.sum().backward()
    assert w.grad.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]


def test_subset_maps_indices():
    ds = Subset(Squares(10), [9, 2, 5])
    assert len(ds) == 3
    assert [ds[i] for i in range(3)] == [81, 4, 25]
    assert ds.__getitems__([0, 2]) == [81, 25]


def test_concat_dataset_indexing_and_add():
    a, b = Squares(3), Squares(2)
    ds = a + b
    assert isinstance(ds, ConcatDataset)
    assert len(ds) == 5 and ds.cumulative_sizes == [3, 5]
    assert [ds[i] for i in range(5)] == [0, 1, 4, 0, 1]
    assert ds[-1] == 1 and ds[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        ds[-6]
    with pytest.raises(AssertionError):
        ConcatDataset([])
    with pytest.raises(AssertionError):
        ConcatDataset([Stream([1])])


def test_stack_dataset():
    ds = StackDataset(Squares(3), Squares(3))
    assert ds[2] == (4, 4) and len(ds) == 3
    ds = StackDataset(a=Squares(2), b=Squares(2))
    assert ds[1] == {"a": 1, "b": 1}
    with pytest.raises(ValueError, match="Size mismatch"):
        StackDataset(Squares(2), Squares(3))
    with pytest.raises(ValueError):
        StackDataset()


def test_chain_dataset():
    ds = Stream([1, 2]) + Stream([3])
    assert isinstance(ds, ChainDataset)
    assert list(ds) == [1, 2, 3] and len(ds) == 3


def test_base_classes_are_abstract():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


def test_random_split_lengths_partition():
    parts = random_split(Squares(10), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    idx = sorted(parts[0].indices + parts[1].indices)
    assert idx == list(range(10))


def test_random_split_fractions():
    parts = random_split(Squares(10), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    # remainders go to the first splits, one by one (as PyTorch)
    parts = random_split(Squares(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]


def test_random_split_reproducible_with_generator():
    g1 = minigrad.Generator().manual_seed(42)
    g2 = minigrad.Generator().manual_seed(42)
    a = random_split(Squares(20), [10, 10], generator=g1)
    b = random_split(Squares(20), [10, 10], generator=g2)
    assert a[0].indices == b[0].indices
    minigrad.manual_seed(3)
    c = random_split(Squares(20), [10, 10])
    minigrad.manual_seed(3)
    d = random_split(Squares(20), [10, 10])
    assert c[1].indices == d[1].indices


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(Squares(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1"):
        random_split(Squares(10), [0.5, 1.5, -1.0])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(1), [0.9, 0.1])


def test_subset_fetch_batch_follows_reassigned_indices():
    ds = TensorDataset(minigrad.arange(10))
    sub = Subset(ds, [1, 2, 3])
    assert sub._fetch_batch(np.array([0, 2]))[0].tolist() == [1, 3]
    sub.indices = [7, 8]
    assert sub._fetch_batch(np.array([1]))[0].tolist() == [8]
