"""pytest configuration: a fixed seed per test, and the backend name in the header."""
import numpy as np
import pytest

import minigrad


def pytest_report_header(config):
    return f"minigrad backend: {minigrad.backend.name}"


@pytest.fixture(autouse=True)
def _seed():
    minigrad.manual_seed(0)
    np.random.seed(0)
    yield
