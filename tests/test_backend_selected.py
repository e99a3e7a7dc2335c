"""CI runs the suite once per backend; this proves the intended one is really in use."""
import os

import pytest

import minigrad


def test_expected_backend_is_active():
    expected = os.environ.get("MINIGRAD_EXPECT_BACKEND")
    if not expected:
        pytest.skip("MINIGRAD_EXPECT_BACKEND is not set (only CI sets it)")
    assert minigrad.backend.name == expected
