"""``DataLoader``: iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

Differences from PyTorch, by design:
- ``num_workers > 0`` uses background *threads*, not processes: batches are fetched ahead
  (``prefetch_factor * num_workers`` in flight) and delivered in order. NumPy releases the GIL
  in its heavy loops, and nothing has to be pickled. ``worker_init_fn(worker_id)`` runs in each
  worker thread and ``get_worker_info()`` answers inside it. Indices are drawn in the main
  thread when ``iter(loader)`` is called, so the batches are the same for every ``num_workers``.
  An ``IterableDataset`` is read by one background thread (``get_worker_info().num_workers == 1``).
- ``pin_memory``, ``pin_memory_device``, ``multiprocessing_context`` and ``in_order`` are accepted
  and have no effect (CPU only; batches always come in order).
- Fast path: with the default collate, a dataset that has ``_fetch_batch`` (``TensorDataset``, a
  ``Subset`` of one, the MNIST datasets), or a bare Tensor / ndarray used as the dataset, gives a
  whole batch from one fancy index per tensor, equal to collating the samples one by one.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as _FutureTimeout
from typing import Any, Callable

import numpy as np

from minigrad.dtypes import from_numpy
from minigrad.tensor import Tensor

from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "WorkerInfo", "get_worker_info"]


class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__keys)
        return f"WorkerInfo({items})"


_worker_local = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """The ``WorkerInfo`` of the calling DataLoader worker thread; None in the main thread."""
    return getattr(_worker_local, "info", None)


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: None forever (the dataset decides when to stop)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**63))


class DataLoader:
    """Batches of ``dataset``; see the module docstring for how workers and the fast path work.

    batch_size: samples per batch (None turns off batching: items come one by one through
    ``default_convert``). shuffle: a new random order every epoch (RandomSampler with
    ``generator``). sampler / batch_sampler: custom index order; exclusive with shuffle (and, for
    batch_sampler, with batch_size/drop_last). drop_last: drop the last short batch.
    collate_fn: list of samples -> batch (default ``default_collate``).
    """

    _frozen_attrs = (
        "batch_size",
        "batch_sampler",
        "sampler",
        "drop_last",
        "dataset",
        "persistent_workers",
    )

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        elif num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._executor: ThreadPoolExecutor | None = None
        self._initialized = True

    def __setattr__(self, attr: str, val: Any) -> None:
        if self.__dict__.get("_initialized", False) and attr in self._frozen_attrs:
            raise ValueError(
                f"{attr} attribute should not be set after {self.__class__.__name__} is initialized"
            )
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._is_iterable:
            length = len(self.dataset)  # TypeError when the stream has no length, as PyTorch
            if self.batch_size is not None:
                length = (
                    length // self.batch_size
                    if self.drop_last
                    else math.ceil(length / self.batch_size)
                )
            return length
        return len(self._index_sampler)

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            if self._is_iterable:
                return self._iter_iterable()
            return self._iter_map()
        if self._is_iterable:
            return _ThreadedIterableIter(self)
        return _ThreadedMapIter(self)

    # -- fetching -------------------------------------------------------------------------

    def _index_batches(self) -> Iterator:
        """Index batches (int64 arrays for the built-in BatchSampler, else what it yields)."""
        if self._auto_collation:
            if type(self.batch_sampler) is BatchSampler:
                return self.batch_sampler._iter_index_arrays()
            return iter(self.batch_sampler)
        return iter(self.sampler)

    def _make_fetch(self) -> Callable[[Any], Any]:
        dataset, collate_fn = self.dataset, self.collate_fn
        if not self._auto_collation:
            return lambda index: collate_fn(dataset[index])
        fast = _fast_fetch(dataset) if collate_fn is default_collate else None
        getitems = getattr(dataset, "__getitems__", None)
        getitems = getitems if callable(getitems) else None

        def fetch(indices):
            if fast is not None:
                idx = _as_index_array(indices)
                if idx is not None:
                    batch = fast(idx)
                    if batch is not NotImplemented:
                        return batch
            if isinstance(indices, np.ndarray):
                indices = indices.tolist()
            if getitems is not None:
                data = getitems(indices)
            else:
                data = [dataset[i] for i in indices]
            return collate_fn(data)

        return fetch

    def _iter_map(self) -> Iterator:
        fetch = self._make_fetch()
        for indices in self._index_batches():
            yield fetch(indices)

    def _iter_iterable(self) -> Iterator:
        it = iter(self.dataset)
        collate_fn = self.collate_fn
        if not self._auto_collation:
            for item in it:
                yield collate_fn(item)
            return
        bs = self.batch_size
        while True:
            batch: list[Any] = list(itertools.islice(it, bs))
            if not batch or (self.drop_last and len(batch) < bs):
                return
            yield collate_fn(batch)

    # -- worker threads -------------------------------------------------------------------

    def _new_executor(self) -> ThreadPoolExecutor:
        counter = itertools.count()
        lock = threading.Lock()
        base_seed = _fresh_seed()
        n, dataset, init_fn = self.num_workers, self.dataset, self.worker_init_fn

        def init() -> None:
            with lock:
                wid = next(counter)
            _worker_local.info = WorkerInfo(
                id=wid, num_workers=n, seed=base_seed + wid, dataset=dataset
            )
            if init_fn is not None:
                try:
                    init_fn(wid)
                except BaseException as e:  # noqa: BLE001 - re-raised by this worker's batches
                    _worker_local.init_error = e

        return ThreadPoolExecutor(
            max_workers=n, thread_name_prefix="minigrad-dataloader", initializer=init
        )

    def _get_executor(self) -> ThreadPoolExecutor:
        if not self.persistent_workers:
            return self._new_executor()
        if self._executor is None:
            self._executor = self._new_executor()
        return self._executor


def _fast_fetch(dataset: Any) -> Callable[[np.ndarray], Any] | None:
    """A whole-batch fetch equal to default_collate of the samples, when the dataset has one.

    Datasets opt in with ``_fetch_batch``; a bare Tensor or ndarray used as the dataset (rows are
    samples) gets one here.
    """
    fetch = getattr(dataset, "_fetch_batch", None)
    if fetch is not None:
        return fetch
    if isinstance(dataset, Tensor) and not dataset.requires_grad and dataset.ndim > 0:
        data = dataset._data
        return lambda idx: Tensor._from_array(data[idx])
    if isinstance(dataset, np.ndarray) and dataset.ndim > 0 and dataset.dtype.kind in "biuf":
        try:
            from_numpy(dataset.dtype)
        except TypeError:
            return None
        return lambda idx: Tensor._from_array(dataset[idx])
    return None


def _as_index_array(indices) -> np.ndarray | None:
    if isinstance(indices, np.ndarray):
        return indices if indices.dtype.kind in "iu" else None
    try:
        arr = np.asarray(indices)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or (arr.dtype.kind not in "iu" and arr.size):
        return None
    return arr.astype(np.int64, copy=False)


def _run_in_worker(fetch: Callable[[Any], Any], indices: Any) -> Any:
    error = getattr(_worker_local, "init_error", None)
    if error is not None:  # worker_init_fn failed in this thread: fail its batches with it
        raise error
    return fetch(indices)


def _timeout_error(timeout: float) -> RuntimeError:
    return RuntimeError(f"DataLoader timed out after {timeout} seconds")


class _ThreadedMapIter:
    """Map-style loading in worker threads: a window of futures, consumed in order."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._owns_executor = not loader.persistent_workers
        self._executor = loader._get_executor()
        self._fetch = loader._make_fetch()
        self._indices = loader._index_batches()  # drawn here, in the main thread
        self._pending: deque = deque()
        self._timeout = loader.timeout if loader.timeout > 0 else None
        self._done = False
        for _ in range(max(1, (loader.prefetch_factor or 2) * loader.num_workers)):
            if not self._submit():
                break

    def _submit(self) -> bool:
        try:
            idx = next(self._indices)
        except StopIteration:
            return False
        self._pending.append(self._executor.submit(_run_in_worker, self._fetch, idx))
        return True

    def __iter__(self) -> _ThreadedMapIter:
        return self

    def __next__(self) -> Any:
        if not self._pending:
            self._shutdown()
            raise StopIteration
        fut = self._pending.popleft()
        try:
            batch = fut.result(timeout=self._timeout)
        except _FutureTimeout:
            self._shutdown()
            raise _timeout_error(self._loader.timeout) from None
        except BaseException:
            self._shutdown()
            raise
        self._submit()
        return batch

    def __len__(self) -> int:
        return len(self._loader)

    def _shutdown(self) -> None:
        if self._done:
            return
        self._done = True
        for fut in self._pending:
            fut.cancel()
        self._pending.clear()
        if self._owns_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown: nothing left to clean
            pass


class _ThreadedIterableIter:
    """An IterableDataset read by one producer thread into a bounded queue."""

    _END = object()

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._queue: queue.Queue = queue.Queue(
            maxsize=max(1, (loader.prefetch_factor or 2) * loader.num_workers)
        )
        self._stop = threading.Event()
        self._timeout = loader.timeout if loader.timeout > 0 else None
        self._done = False
        self._thread = threading.Thread(
            target=self._produce, name="minigrad-dataloader-0", daemon=True
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        loader = self._loader
        try:
            _worker_local.info = WorkerInfo(
                id=0, num_workers=1, seed=_fresh_seed(), dataset=loader.dataset
            )
            if loader.worker_init_fn is not None:
                loader.worker_init_fn(0)
            for batch in loader._iter_iterable():
                if not self._put(("ok", batch)):
                    return
            self._put(("end", None))
        except BaseException as e:  # noqa: BLE001 - forwarded, re-raised in the main thread
            self._put(("err", e))

    def __iter__(self) -> _ThreadedIterableIter:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        try:
            kind, value = self._queue.get(timeout=self._timeout)
        except queue.Empty:
            self._shutdown()
            raise _timeout_error(self._loader.timeout) from None
        if kind == "ok":
            return value
        self._shutdown()
        if kind == "err":
            raise value
        raise StopIteration

    def _shutdown(self) -> None:
        self._done = True
        self._stop.set()

    def __del__(self) -> None:
        self._stop.set()
