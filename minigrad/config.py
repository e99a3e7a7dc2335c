"""Run-time configuration: the backend in use, its SIMD path, OpenMP and the thread count."""
from __future__ import annotations

from minigrad import backend


def set_num_threads(n: int) -> None:
    """Threads used by the C kernels (as ``torch.set_num_threads``)."""
    if not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n!r}")
    backend.set_num_threads(n)


def get_num_threads() -> int:
    return backend.get_num_threads()


def show_config() -> str:
    """Print and return the backend (C or NumPy), SIMD path, OpenMP and threads."""
    import numpy as np

    import minigrad

    info = backend.config()
    lines = [f"minigrad {minigrad.__version__} (NumPy {np.__version__})"]
    lines += [f"  {key}: {value}" for key, value in info.items()]
    text = "\n".join(lines)
    print(text)
    return text
