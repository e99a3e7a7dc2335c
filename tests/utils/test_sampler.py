"""Samplers: orders, lengths, randomness and PyTorch's argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad
from minigrad.utils.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

DATA = list(range(10))


def test_sequential():
    s = SequentialSampler(DATA)
    assert list(s) == DATA and len(s) == 10


def test_random_is_a_permutation_and_reshuffles():
    s = RandomSampler(DATA)
    first, second = list(s), list(s)
    assert sorted(first) == DATA and sorted(second) == DATA
    assert first != second


def test_random_num_samples_without_replacement_repeats_permutations():
    s = RandomSampler(DATA, num_samples=25)
    out = list(s)
    assert len(out) == 25 == len(s)
    assert sorted(out[:10]) == DATA and sorted(out[10:20]) == DATA
    assert len(set(out[20:])) == 5


def test_random_with_replacement():
    out = list(RandomSampler(DATA, replacement=True, num_samples=200))
    assert len(out) == 200 and set(out) <= set(DATA)
    assert len(set(out)) == 10  # 200 draws of 10 values hit them all


def test_random_generator_reproducible():
    a = list(RandomSampler(DATA, generator=minigrad.Generator().manual_seed(1)))
    b = list(RandomSampler(DATA, generator=minigrad.Generator().manual_seed(1)))
    assert a == b
    minigrad.manual_seed(5)
    c = list(RandomSampler(DATA))
    minigrad.manual_seed(5)
    assert list(RandomSampler(DATA)) == c


def test_random_sampler_index_array_matches_iter():
    s = RandomSampler(DATA, generator=minigrad.Generator().manual_seed(7))
    s2 = RandomSampler(DATA, generator=minigrad.Generator().manual_seed(7))
    assert s._index_array().tolist() == list(s2)


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(DATA, replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(DATA, num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random():
    s = SubsetRandomSampler([5, 7, 9])
    out = list(s)
    assert sorted(out) == [5, 7, 9] and len(s) == 3
    assert sorted(s._index_array().tolist()) == [5, 7, 9]


def test_weighted_random():
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], num_samples=400)
    out = np.array(list(s))
    assert len(out) == 400 and set(out.tolist()) == {1, 3}
    assert 0.65 < (out == 3).mean() < 0.85
    assert isinstance(s.weights, minigrad.Tensor) and s.weights.dtype == minigrad.float64


def test_weighted_without_replacement():
    out = list(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(out) == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="cannot sample"):
        list(WeightedRandomSampler([1, 0, 1], 3, replacement=False))


def test_weighted_errors():
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 1)
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([1.0, -1.0], 2))
    with pytest.raises(RuntimeError):
        list(WeightedRandomSampler([0.0, 0.0], 2))


def test_batch_sampler():
    s = BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False)
    assert list(s) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(s) == 3
    s = BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=True)
    assert list(s) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(s) == 2
    # any iterable works as the sampler
    assert list(BatchSampler([3, 1, 2], 2, False)) == [[3, 1], [2]]


def test_batch_sampler_index_arrays_match_lists():
    s = BatchSampler(SequentialSampler(range(10)), 3, False)
    assert [a.tolist() for a in s._iter_index_arrays()] == list(s)
    s = BatchSampler(list(range(5)), 2, True)
    assert [a.tolist() for a in s._iter_index_arrays()] == [[0, 1], [2, 3]]


@pytest.mark.parametrize("bs", [0, -1, 2.5, True, None])
def test_batch_sampler_bad_batch_size(bs):
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(DATA, bs, False)


def test_batch_sampler_bad_drop_last():
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(DATA, 2, 1)
