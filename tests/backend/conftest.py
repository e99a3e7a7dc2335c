"""Fixtures of the kernel tests (shared constants live in tests/backend/common.py)."""
import pytest

from minigrad import backend


@pytest.fixture
def threads():
    """Restores the thread count after a test that changes it."""
    n = backend.get_num_threads()
    yield backend
    backend.set_num_threads(n)
