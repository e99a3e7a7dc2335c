"""Shared pieces of the kernel tests (imported as tests.backend.common).

ACTIVE is the backend selected for this run; C is the C backend module when it is the active one
(under MINIGRAD_BACKEND=numpy the C-vs-twin comparisons skip and the twin is checked against
direct NumPy math and the loop oracles in naive.py instead)."""
import numpy as np
import pytest

from minigrad import backend

ACTIVE = backend.impl
C = backend.impl if backend.name == "C" else None
needs_c = pytest.mark.skipif(C is None, reason="C backend not active")

DTYPES = [np.float32, np.float64]


def tol(dtype, k: int = 1):
    """(rtol, atol) for sums of k products of O(1) numbers."""
    if np.dtype(dtype) == np.float32:
        return 1e-4, 1e-5 * (k ** 0.5 + 1)
    return 1e-10, 1e-12 * (k ** 0.5 + 1)
