"""Datasets: map-style (``Dataset``) and iterable (``IterableDataset``), as ``torch.utils.data``.

Map-style datasets may also define ``_fetch_batch(indices)``: given an int64 array of indices it
returns the batch exactly as ``default_collate`` would build it from the samples, or
``NotImplemented``. The DataLoader uses it (with the default collate only) so that a batch of a
``TensorDataset`` costs one fancy index per tensor instead of ``batch_size`` ``__getitem__`` calls.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from minigrad.tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``."""

    def __getitem__(self, index) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__``. ``a + b`` chains two streams."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


def _num_rows(t) -> int:
    shape = getattr(t, "shape", None)
    if shape is None:
        return len(t)
    if len(shape) == 0:
        raise IndexError("TensorDataset: a 0-d tensor has no first dimension to index")
    return int(shape[0])


class TensorDataset(Dataset):
    """Samples are rows of tensors: ``ds[i] == (t0[i], t1[i], ...)``; all share their size(0).

    tensors: each (N, ...). A DataLoader batch of it is ``[t0[idx], t1[idx], ...]``, cut with one
    fancy index per tensor.
    """

    def __init__(self, *tensors: Tensor) -> None:
        n = _num_rows(tensors[0]) if tensors else 0
        assert all(n == _num_rows(t) for t in tensors), "Size mismatch between tensors"
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_take(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return _num_rows(self.tensors[0])

    def _fetch_batch(self, indices: np.ndarray):
        # A subclass that changes __getitem__ changes what a sample is: collate sample by sample.
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return NotImplemented
        out = []
        for t in self.tensors:
            if not isinstance(t, Tensor) or t.requires_grad:
                return NotImplemented  # keep autograd history / exotic types on the slow path
            out.append(Tensor._from_array(t._data[indices]))
        return out


def _take(t, index):
    """``t[index]``, without going through autograd for the common untracked int-index case."""
    if (
        isinstance(t, Tensor)
        and not t.requires_grad
        and isinstance(index, (int, np.integer))
        and not isinstance(index, bool)
    ):
        # ``[i, ...]`` keeps a 0-d ndarray (a view) instead of a NumPy scalar for 1-D data.
        return Tensor._from_array(t._data[index, ...])
    return t[index]


class StackDataset(Dataset):
    """Zips datasets of equal length: ``StackDataset(a, b)[i] == (a[i], b[i])``, or a dict with kwargs."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError(
                    "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                    "input/output, but both types are given."
                )
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets: Any = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = len(tmp[0])
            if any(self._length != len(d) for d in tmp):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Several map-style datasets end to end; ``cumulative_sizes[i]`` is the end of dataset i."""

    @staticmethod
    def cumsum(sequence: Sequence) -> list[int]:
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        assert len(self.datasets) > 0, "datasets should not be an empty iterable"
        for d in self.datasets:
            assert not isinstance(d, IterableDataset), (
                "ConcatDataset does not support IterableDataset"
            )
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        if dataset_idx == 0:
            sample_idx = idx
        else:
            sample_idx = idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other (``a + b`` of two IterableDatasets)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            assert isinstance(d, IterableDataset), "ChainDataset only supports IterableDataset"
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order).

    The batched path reads ``indices`` once into an array; assign a new sequence to
    ``subset.indices`` (rather than mutating the list in place) to change it.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self) -> Sequence[int]:
        return self._indices

    @indices.setter
    def indices(self, value: Sequence[int]) -> None:
        self._indices = value
        self._index_array = None

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _fetch_batch(self, indices: np.ndarray):
        if type(self).__getitem__ is not Subset.__getitem__:
            return NotImplemented
        fetch = getattr(self.dataset, "_fetch_batch", None)
        if fetch is None:
            return NotImplemented
        if self._index_array is None:
            idx = self._indices
            idx = idx._data if isinstance(idx, Tensor) else idx
            self._index_array = np.asarray(idx, dtype=np.int64).reshape(-1)
        return fetch(self._index_array[indices])


def random_split(dataset: Dataset, lengths: Sequence, generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    lengths: ints summing to ``len(dataset)``, or fractions summing to 1 (the floor of each share,
    then the remainder handed out one by one from the first split). The permutation is drawn from
    ``generator`` (default: the global generator, seeded by ``minigrad.manual_seed``).
    """
    from minigrad.random import get_rng

    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(n * frac))
        remainder = n - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset."
                )
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = get_rng(generator).permutation(sum(lengths)).tolist()
    return [
        Subset(dataset, indices[offset - length : offset])
        for offset, length in zip(itertools.accumulate(lengths), lengths)
    ]
