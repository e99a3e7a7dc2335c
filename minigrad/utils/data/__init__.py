"""``minigrad.utils.data``: datasets, samplers and the DataLoader, as ``torch.utils.data``.

A ``DataLoader`` turns a dataset (anything with ``__getitem__`` and ``__len__``, or an
``IterableDataset``) into batches. Batches of a ``TensorDataset`` (or a ``Subset`` of one) and of
the MNIST datasets are cut with one fancy index per tensor instead of collating sample by sample.
``num_workers > 0`` loads batches in background threads (not processes) with prefetching.
"""

from __future__ import annotations

from .collate import default_collate, default_convert
from .dataloader import DataLoader, WorkerInfo, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
