"""What the benchmark ran on: CPU, cores, SIMD path, OpenMP, threads and library versions."""
from __future__ import annotations

import os
import platform


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def numpy_blas() -> str:
    import numpy as np

    try:
        info = np.show_config(mode="dicts")
        blas = info["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except (TypeError, KeyError, AttributeError):  # older NumPy: no dict mode
        return "unknown BLAS"


def describe(threads: int) -> dict:
    import numpy as np

    import minigrad

    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "python": platform.python_version(),
        "minigrad": minigrad.__version__,
        "minigrad_backend": minigrad.backend.config(),
        "numpy": f"{np.__version__} ({numpy_blas()})",
        # What each library was told: minigrad and torch report their own count; NumPy's BLAS
        # reads OPENBLAS_NUM_THREADS / MKL_NUM_THREADS when it loads.
        "threads_used": {"minigrad": minigrad.get_num_threads(),
                         "BLAS": os.environ.get("OPENBLAS_NUM_THREADS")},
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["threads_used"]["torch"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = "not installed"
    return info
