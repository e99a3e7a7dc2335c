"""docs/errors.md is a test: every row of its tables runs, and raises what the row says.

A row is ``| bad input | `code` | ExceptionType | `message fragment` |``. The code runs with
``torch`` = minigrad (plus ``nn``, ``F``, ``np``); it must raise exactly that type with the
fragment in its message. With PyTorch installed, the same code must raise the same type in
PyTorch too (rows using ``torch.backend``, minigrad's kernel table, have no PyTorch twin).
"""
from __future__ import annotations

import builtins
import os
import re
import warnings

import numpy as np
import pytest

import minigrad

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "docs", "errors.md")
ROW = re.compile(r"^\|\s*(?P<what>[^|]+?)\s*\|\s*`(?P<code>[^`]+)`\s*\|\s*(?P<exc>\w+)\s*\|"
                 r"\s*`(?P<fragment>[^`]+)`\s*\|\s*$")


def catalogue() -> list:
    """(what, code, exception name, fragment) for every table row of docs/errors.md's
    sections (from the first ``##`` heading on)."""
    with open(DOC, encoding="utf-8") as f:
        lines = f.read().splitlines()
    first_section = next(i for i, ln in enumerate(lines) if ln.startswith("## "))
    lines = lines[first_section:]  # the introduction's tables are not catalogue rows
    rows = [m.groupdict() for m in map(ROW.match, lines) if m]
    table_lines = [ln for ln in lines if ln.startswith("| ") and not ln.startswith("| Bad input")]
    assert len(rows) == len(table_lines), "a table row of docs/errors.md does not parse"
    return rows


ROWS = catalogue()


def _run(code: str, lib: str) -> BaseException | None:
    if lib == "minigrad":
        import minigrad.nn as nn
        import minigrad.nn.functional as F
        torch = minigrad
    else:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    namespace = {"torch": torch, "nn": nn, "F": F, "np": np}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, namespace)
    except Exception as e:  # noqa: BLE001  (the row says which type it must be)
        return e
    finally:
        torch.autograd.set_detect_anomaly(False)
    return None


def test_catalogue_is_not_empty():
    assert len(ROWS) >= 60
    assert len({r["code"] for r in ROWS}) == len(ROWS), "duplicate rows"


@pytest.mark.parametrize("row", ROWS, ids=[r["what"] for r in ROWS])
def test_row(row):
    expected = getattr(builtins, row["exc"])
    error = _run(row["code"], "minigrad")
    assert error is not None, f"{row['code']} did not raise"
    assert type(error) is expected, f"{row['code']} raised {type(error).__name__}: {error}"
    assert row["fragment"] in str(error), f"message {str(error)!r} lacks {row['fragment']!r}"


@pytest.mark.parametrize("row", [r for r in ROWS if "torch.backend" not in r["code"]],
                         ids=[r["what"] for r in ROWS if "torch.backend" not in r["code"]])
def test_row_is_pytorchs_exception(row):
    pytest.importorskip("torch")
    error = _run(row["code"], "torch")
    assert error is not None, f"PyTorch does not raise for {row['code']}"
    assert type(error).__name__ == row["exc"], f"PyTorch raises {type(error).__name__}: {error}"
