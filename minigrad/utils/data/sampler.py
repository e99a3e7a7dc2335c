"""Samplers: which indices a DataLoader visits, in which order, as ``torch.utils.data``.

Randomness is drawn from ``minigrad.random.get_rng(generator)`` when iteration starts, so every
epoch is a new order and ``minigrad.manual_seed`` makes the sequence of epochs reproducible.
The built-in samplers also have ``_index_array()`` (the epoch's indices as one int64 array, drawn
exactly as ``__iter__`` would) so the DataLoader can batch without a Python loop per index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from minigrad.tensor import Tensor

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


def _rng(generator):
    from minigrad.random import get_rng

    return get_rng(generator)


def _is_positive_int(n) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0


class Sampler:
    """Base class: an iterable of indices (or of lists of indices, for batch samplers)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the dataset's indices; a fresh one every epoch.

    Without replacement each index appears once per ``len(data_source)`` samples
    (``num_samples`` larger than the dataset repeats whole permutations); with replacement
    ``num_samples`` indices are drawn uniformly.
    """

    def __init__(
        self,
        data_source,
        replacement: bool = False,
        num_samples: int | None = None,
        generator=None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
            )
        if not _is_positive_int(self.num_samples):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        # The dataset may change size between epochs: read its length each time.
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _index_array(self) -> np.ndarray:
        n = len(self.data_source)
        m = int(self.num_samples)
        rng = _rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=m, dtype=np.int64)
        parts = [rng.permutation(n) for _ in range(m // n)]
        if m % n:
            parts.append(rng.permutation(n)[: m % n])
        return (
            np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, np.int64)
        )

    def __iter__(self) -> Iterator[int]:
        yield from self._index_array().tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (a fresh one every epoch), without replacement."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        perm = _rng(self.generator).permutation(len(self.indices))
        idx = self.indices._data if isinstance(self.indices, Tensor) else self.indices
        return np.asarray(idx, dtype=np.int64).reshape(-1)[perm]

    def __iter__(self) -> Iterator[int]:
        for i in _rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (1-D)."""

    def __init__(
        self,
        weights: Sequence[float] | Tensor,
        num_samples: int,
        replacement: bool = True,
        generator=None,
    ) -> None:
        if not _is_positive_int(num_samples):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        w = weights._data if isinstance(weights, Tensor) else weights
        w = np.array(w, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}"
            )
        self.weights = Tensor._from_array(w)
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def _index_array(self) -> np.ndarray:
        w = self.weights._data
        # Same checks (and exception type) as torch.multinomial.
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        total = w.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
            )
        return (
            _rng(self.generator)
            .choice(len(w), size=self.num_samples, replace=self.replacement, p=w / total)
            .astype(np.int64, copy=False)
        )

    def __iter__(self) -> Iterator[int]:
        yield from self._index_array().tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last may be short).

    sampler: any iterable of indices. drop_last: drop a last batch shorter than batch_size.
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _is_positive_int(batch_size):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(  # noqa: TRY004 - PyTorch raises ValueError here
                f"drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _iter_index_arrays(self) -> Iterator[np.ndarray]:
        """The batches as int64 arrays; one vectorised draw when the sampler is a built-in one."""
        get = getattr(self.sampler, "_index_array", None)
        if get is None or type(self.sampler).__iter__ not in _VECTORISED_ITERS:
            for batch in self:
                yield np.asarray(batch, dtype=np.int64)
            return
        idx = get()
        bs = self.batch_size
        stop = (len(idx) // bs) * bs if self.drop_last else len(idx)
        for start in range(0, stop, bs):
            yield idx[start : start + bs]

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


# Samplers whose ``_index_array`` is exactly what their ``__iter__`` yields (a subclass that
# overrides ``__iter__`` falls back to the generic path).
_VECTORISED_ITERS = {
    SequentialSampler.__iter__,
    RandomSampler.__iter__,
    SubsetRandomSampler.__iter__,
    WeightedRandomSampler.__iter__,
}
