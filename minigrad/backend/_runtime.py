"""Process-level settings that decide how fast the kernels run in a training loop: malloc
keeps freed array memory for reuse, and OpenMP worker threads spin only briefly.

Both are applied once, when ``minigrad.backend`` is imported, only when the user has not
configured the same thing, and ``MINIGRAD_RUNTIME_TUNING=0`` turns both off.

malloc (glibc only). A training step allocates and frees many arrays of several MiB
(activations, gradients, column buffers). glibc serves blocks that large with ``mmap`` and
gives them back with ``munmap``, or trims its heap top once more than twice the last freed
block sits free: the next step page-faults all of it in again and the kernel zeroes every page.
On the SimpleConvNet step that was ~4000 page faults and ~45% of the step's CPU time. ``mallopt``
raises two thresholds: blocks up to ``MMAP_THRESHOLD`` come from the heap and up to
``TRIM_THRESHOLD`` of free heap top is kept (PyTorch's caching allocators keep everything).
Skipped when ``MALLOC_*_`` variables or ``glibc.malloc`` tunables are set.

OpenMP (libgomp). Between two parallel regions libgomp's workers spin for ~300,000 iterations
(milliseconds) before sleeping. A training step runs Python and NumPy code between its kernels,
so on a machine whose cores are busy with other work the spinning workers take the CPU from the
thread doing the work: a 2-thread SimpleConvNet step once took 35-100 ms instead of 14-20 ms on
a loaded 2-core machine. Too short a spin costs the other way: a worker that has gone to sleep
takes 40-60 us (more on a busy host) to wake, and the region waits for it. In one-off
measurements on a 2-core EPYC VM, ``GOMP_SPINCOUNT=3000`` kept workers awake for ~30-100 us,
longer than the ~10 us of Python between two back-to-back kernel calls; with 1000 (~10-30 us)
the 2-thread 128x784 @ 784x256 product had a median of 560 us in some runs instead of 350 us
(``GOMP_SPINCOUNT=<n> python -m bench --threads 2 --filter "sgemm mlp"``). Next to a busy
process the 2-thread SimpleConvNet step took 16-20 ms with either value (the same command with
``--filter "SimpleConvNet batch 100"`` while ``python -c "while True: pass"`` runs).
Set before the compiled module loads libgomp. Skipped when ``OMP_WAIT_POLICY`` or
``GOMP_SPINCOUNT`` is set, and without effect if libgomp was loaded earlier.
"""
from __future__ import annotations

import os
import sys

MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic mmap threshold
TRIM_THRESHOLD = 64 << 20
SPIN_COUNT = "3000"

_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3

_state = {"malloc_tuned": False, "omp_spincount": None}


def _disabled() -> bool:
    return os.environ.get("MINIGRAD_RUNTIME_TUNING", "").strip().lower() in (
        "0", "false", "off", "no")


def _malloc_configured() -> bool:
    env = os.environ
    if any(k in env for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                              "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")):
        return True
    return "glibc.malloc" in env.get("GLIBC_TUNABLES", "")


def tune_malloc() -> bool:
    """Raises glibc malloc's mmap and trim thresholds once; True when they are in effect."""
    if _state["malloc_tuned"]:
        return True
    if not sys.platform.startswith("linux") or _disabled() or _malloc_configured():
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):  # musl and others: no such mallopt
            return False
        mallopt = libc.mallopt
        mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        mallopt.restype = ctypes.c_int
        # mallopt returns 1 on success; setting either fixes both (no dynamic threshold)
        ok = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
            mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return False
    _state["malloc_tuned"] = ok
    return ok


def tune_openmp() -> None:
    """Sets GOMP_SPINCOUNT before libgomp is loaded, unless the user chose a wait policy."""
    if _disabled() or "OMP_WAIT_POLICY" in os.environ or "GOMP_SPINCOUNT" in os.environ:
        _state["omp_spincount"] = os.environ.get("GOMP_SPINCOUNT")
        return
    os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    _state["omp_spincount"] = SPIN_COUNT


def info() -> dict:
    """{'malloc_tuned': bool, 'omp_spincount': str or None} for config()."""
    return dict(_state)
