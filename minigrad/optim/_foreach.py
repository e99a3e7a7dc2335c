"""Run the optimizers' per-parameter update kernels, splitting large parameters across threads.

An optimizer step builds one task per parameter: ``(kernel, arrays, args)`` where ``arrays`` are
same-shape ndarrays (the parameter's data, its gradient, its state; ``None`` for absent state)
and ``kernel(*arrays, *args)`` updates them in place with NumPy ufuncs. Every operation in a
kernel is elementwise, so running it on disjoint slices gives bit-for-bit the same result as
running it on the whole array. NumPy releases the GIL inside ufunc loops, so slices of a large
parameter run in parallel on a small thread pool (PyTorch's CPU kernels are multithreaded too;
a single-threaded NumPy step is about twice as slow as PyTorch's on 2 cores).

Scalars that change per step (step counts, bias corrections) are computed by the optimizer
before the tasks run, so kernels never touch shared Python state.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

# Slices smaller than this are not worth a thread hand-off (tens of microseconds on small VMs).
GRAIN = 1 << 16
_MAX_THREADS = 8


def _num_threads() -> int:
    n = None
    try:
        import minigrad

        get = getattr(minigrad, "get_num_threads", None)
        if get is not None:
            n = int(get())
    except Exception:  # noqa: BLE001  (the thread setting is advisory; use the core count)
        n = None
    if not n or n < 1:
        n = os.cpu_count() or 1
    return max(1, min(n, _MAX_THREADS))


class _Worker:
    """A daemon thread that runs one job per hand-off. Two locks instead of a queue: the
    hand-off costs one futex wake each way (about 20 us here, against about 70 us for a
    ``concurrent.futures`` submit/result pair)."""

    def __init__(self) -> None:
        self._go = threading.Lock()
        self._go.acquire()
        self._done = threading.Lock()
        self._done.acquire()
        self._job: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._loop, name="minigrad-optim", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            try:
                _run_bin(self._job)
            except BaseException as e:  # noqa: BLE001  (handed back to the caller by wait())
                self._error = e
            self._job = None
            self._done.release()

    def start(self, job: list) -> None:
        self._job = job
        self._error = None
        self._go.release()

    def wait(self) -> BaseException | None:
        self._done.acquire()
        return self._error


_workers: list = []
_dispatch = threading.Lock()  # one step at a time uses the workers; others run inline


def _reset_after_fork() -> None:
    # threads do not survive fork: a child process starts a fresh pool on demand
    global _workers, _dispatch
    _workers = []
    _dispatch = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _run_bin(pieces: list) -> None:
    for _, kernel, arrays, args in pieces:
        kernel(*arrays, *args)


def _splittable(arrays: Sequence[Any], shape: tuple) -> bool:
    return all(a is None or (a.shape == shape and a.flags.c_contiguous) for a in arrays)


def run(tasks: list, split: bool = True) -> None:
    """Run ``kernel(*arrays, *args)`` for every task, large ones split over the thread pool.

    ``split=False`` runs every task on the calling thread: for kernels made of the backend's
    fused C kernels, which split large arrays over OpenMP threads themselves (a Python thread
    hand-off costs more than such a pass over a slice)."""
    threads = _num_threads() if split else 1
    if threads == 1 or sum(arrays[0].size for _, arrays, _ in tasks) < 2 * GRAIN:
        for kernel, arrays, args in tasks:
            kernel(*arrays, *args)
        return

    pieces = []  # (size, kernel, arrays, args)
    for kernel, arrays, args in tasks:
        n = arrays[0].size
        parts = min(threads, n // GRAIN)
        if parts > 1 and _splittable(arrays, arrays[0].shape):
            flat = [None if a is None else a.reshape(-1) for a in arrays]
            bounds = [n * i // parts for i in range(parts + 1)]
            for lo, hi in zip(bounds[:-1], bounds[1:]):
                pieces.append(
                    (hi - lo, kernel, [None if f is None else f[lo:hi] for f in flat], args)
                )
        else:
            pieces.append((n, kernel, arrays, args))

    # longest piece first onto the least loaded thread; bin 0 runs on the calling thread
    loads = [0] * threads
    bins: list[list] = [[] for _ in range(threads)]
    for piece in sorted(pieces, key=lambda p: -p[0]):
        i = loads.index(min(loads))
        loads[i] += piece[0]
        bins[i].append(piece)
    others = [b for b in bins[1:] if b]
    if not others or not _dispatch.acquire(blocking=False):
        for b in bins:
            _run_bin(b)
        return
    try:
        while len(_workers) < len(others):
            _workers.append(_Worker())
        used = _workers[: len(others)]
        for worker, b in zip(used, others):
            worker.start(b)
        error = None
        try:
            _run_bin(bins[0])
        except BaseException as e:  # noqa: BLE001  (raised once every slice has finished)
            error = e
        for worker in used:
            e = worker.wait()
            if error is None and e is not None:
                error = e
    finally:
        _dispatch.release()
    if error is not None:
        raise error
