"""Shared machinery of the fuzz tests (imported as ``tests.reliability.fuzz``).

The contract every fuzzed call must keep: it returns what the reference (NumPy, or the NumPy
twin of a kernel) returns, or it raises one of the documented exception types (``ALLOWED``),
within ``CALL_SECONDS``. Anything else (another exception type, a hang, a crash) fails the test.

``tensors()`` draws a tensor together with the identical NumPy array: any of four dtypes, any
rank up to 4 including zero-size dimensions, values sprinkled with NaN, ±inf, ±0, huge and
subnormal numbers, and laid out contiguously, transposed, step-sliced, flipped or expanded
(stride-0 dimensions: many elements share one memory location).
"""
from __future__ import annotations

import contextlib
import faulthandler
import math
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

import minigrad

# The exceptions PyTorch raises for bad input; NotImplementedError is a RuntimeError.
ALLOWED = (TypeError, ValueError, RuntimeError, IndexError, MemoryError)

# A single fuzzed call taking longer than CALL_SECONDS is a hang; PROCESS_SECONDS is the last
# resort when C never returns (dump every stack and exit). Slow runners (valgrind) scale both
# with MINIGRAD_FUZZ_SLOWDOWN.
_SLOWDOWN = float(os.environ.get("MINIGRAD_FUZZ_SLOWDOWN", "1"))
CALL_SECONDS = 5.0 * _SLOWDOWN
PROCESS_SECONDS = int(120 * _SLOWDOWN)

# Small example counts: the suite runs twice in CI (C and NumPy backends).
# derandomize: the same examples on every run (CI stays reproducible); no example database,
# no explain phase (it re-runs failing examples many times).
FUZZ = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

FLOAT_DTYPES = (np.float32, np.float64)
ALL_DTYPES = (np.float32, np.float64, np.int64, np.bool_)
LAYOUTS = ("contiguous", "transposed", "stepped", "flipped", "expanded")
SPECIALS = (math.nan, math.inf, -math.inf, 0.0, -0.0, 1e30, -1e30, 1e-40, 3.0, -2.5)
HUGE = (2 ** 62, 2 ** 50, 2 ** 40 + 3, sys.maxsize)


# Open bugs in other modules that these tests found (file:line, minimal repro and fix in the
# reason). Non-strict xfail: a fix turns the case into an XPASS; then delete its entry.
KNOWN_BUGS: dict = {}  # "family:name" -> reason, for bugs not fixed yet (xfail)


def params(family: str, names) -> list:
    """``names`` as pytest params, those with an entry in KNOWN_BUGS marked xfail."""
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_BUGS[f"{family}:{n}"],
                                                    strict=False))
            if f"{family}:{n}" in KNOWN_BUGS else n for n in names]


class FuzzTimeout(BaseException):
    """Raised in the main thread when a fuzzed call overruns ``CALL_SECONDS``; a BaseException
    so that the code under test cannot swallow it with ``except Exception``."""


@contextlib.contextmanager
def time_limit(seconds: float = CALL_SECONDS):
    """Interrupt Python code that runs longer than ``seconds`` (SIGALRM, main thread only).

    C code is only interrupted when it returns to Python, so a watchdog additionally dumps
    every thread's stack and ends the process if the call never comes back.
    """
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if not main:
        yield
        return

    def expire(signum, frame):
        raise FuzzTimeout(f"call did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(PROCESS_SECONDS, exit=True)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    """What a call did: ``value`` when it returned, ``error`` when it raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def raised(self) -> bool:
        return self.error is not None


def run(fn: Callable, *args, also: tuple = (), **kwargs) -> Outcome:
    """Call ``fn`` under the time limit. A documented exception becomes an Outcome; any other
    exception type fails the test, with the offending call in the message. ``also`` admits
    further types where PyTorch itself raises them (AssertionError for a bad padding_idx)."""
    try:
        with time_limit():
            with np.errstate(all="ignore"):
                return Outcome(value=fn(*args, **kwargs))
    except ALLOWED + tuple(also) as e:
        if not str(e).strip():
            raise AssertionError(f"{describe(fn, args, kwargs)} raised {type(e).__name__} "
                                 "with an empty message") from e
        return Outcome(error=e)
    except FuzzTimeout as e:
        raise AssertionError(f"{describe(fn, args, kwargs)} hung: {e}") from None
    except Exception as e:
        raise AssertionError(
            f"{describe(fn, args, kwargs)} raised an undocumented {type(e).__name__}: {e}\n"
            + "".join(traceback.format_exception(type(e), e, e.__traceback__)[-6:])
        ) from e


def reference(fn: Callable, *args, **kwargs) -> Outcome:
    """Run a NumPy reference; any exception means "this input has no valid result"."""
    try:
        with np.errstate(all="ignore"):
            return Outcome(value=fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001  (NumPy's own types vary: AxisError, ...)
        return Outcome(error=e)


def describe(fn, args, kwargs) -> str:
    name = getattr(fn, "__qualname__", repr(fn))
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _short(x) -> str:
    if isinstance(x, minigrad.Tensor):
        a = x._data
        return f"Tensor(shape={tuple(a.shape)}, dtype={a.dtype}, strides={a.strides})"
    if isinstance(x, np.ndarray):
        return f"ndarray(shape={x.shape}, dtype={x.dtype}, strides={x.strides})"
    if isinstance(x, (list, tuple)) and len(x) > 6:
        return f"{type(x).__name__}(len={len(x)})"
    return repr(x)


def to_numpy(x) -> Any:
    """Tensors (possibly nested in tuples/lists) as arrays; other values unchanged."""
    if isinstance(x, minigrad.Tensor):
        return x.detach()._data
    if isinstance(x, (tuple, list)):
        return type(x)(to_numpy(v) for v in x) if not hasattr(x, "_fields") else tuple(
            to_numpy(v) for v in x)
    return x


def tolerance(*arrays) -> tuple[float, float]:
    """(rtol, atol): float32 anywhere means float32 rounding (the op and NumPy may order or
    fuse operations differently); otherwise float64."""
    if any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in arrays):
        return 2e-4, 1e-5
    return 1e-9, 1e-12


def assert_matches(ours, ref, what: str, rtol: float | None = None,
                   atol: float | None = None) -> None:
    """Equal shapes and values (NaN where NaN, inf where inf); tuples compared item by item."""
    ours = to_numpy(ours)
    if isinstance(ref, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(ref), (
            f"{what}: got {type(ours).__name__}, expected {len(ref)} items")
        for i, (o, r) in enumerate(zip(ours, ref)):
            assert_matches(o, r, f"{what}[{i}]", rtol, atol)
        return
    a, e = np.asarray(ours), np.asarray(ref)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != reference {e.shape}"
    if a.size == 0:
        return
    if e.dtype.kind in "biu" and a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=what)
        return
    r, t = tolerance(a, e)
    np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64),
                               rtol=rtol if rtol is not None else r,
                               atol=atol if atol is not None else t,
                               equal_nan=True, err_msg=what)


def check(ours: Outcome, ref: Outcome, what: str, must_succeed: bool = False,
          **tolerances) -> None:
    """The fuzz contract for one call compared with its reference.

    - The reference fails: the call must have raised (a documented type; ``run`` checked that).
    - The reference succeeds: the call returns the same values, or, unless ``must_succeed``
      (valid input by construction), raises a documented exception: minigrad may be stricter
      than NumPy where PyTorch is (negative slice steps, float indices, ...).
    """
    if ref.raised:
        assert ours.raised, (f"{what}: returned {_short(ours.value)} but the reference raised "
                             f"{type(ref.error).__name__}: {ref.error}")
        return
    if ours.raised:
        assert not must_succeed, (f"{what}: valid input raised {type(ours.error).__name__}: "
                                  f"{ours.error}")
        return
    assert_matches(ours.value, ref.value, what, **tolerances)


# ---- strategies ------------------------------------------------------------------------------

@dataclass
class Case:
    """The same data as a NumPy array and as a minigrad tensor with the same layout."""

    array: np.ndarray
    tensor: Any
    layout: str

    def __repr__(self) -> str:
        a = self.array
        return f"Case({self.layout}, shape={a.shape}, dtype={a.dtype}, values={a.ravel()[:6]})"


def _values(rng: np.random.Generator, shape: tuple, dtype, special: bool) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.kind in "iu":
        return np.asarray(rng.integers(-5, 6, size=shape), dtype=dtype)
    data = np.asarray(rng.standard_normal(shape) * 3)
    if special and data.size:
        mask = rng.random(shape) < 0.25
        picks = rng.integers(0, len(SPECIALS), size=shape)
        data = np.where(mask, np.asarray(SPECIALS)[picks], data)
    with np.errstate(all="ignore"):
        return np.asarray(data, dtype=dtype)


def layout(t, a: np.ndarray, kind: str):
    """Apply the view ``kind`` to a tensor and to the matching array (same semantics)."""
    n = a.ndim
    if kind == "transposed" and n >= 2:
        dims = tuple(reversed(range(n)))
        return t.permute(*dims), a.transpose(dims)
    if kind == "stepped" and n >= 1:
        idx = (slice(None, None, 2),) * n
        return t[idx], a[idx]
    if kind == "flipped" and n >= 1:
        return t.flip(tuple(range(n))), np.flip(a, tuple(range(n)))
    return t, a


def base_shape(shape: tuple, kind: str, expand_mask: tuple) -> tuple:
    if kind == "transposed" and len(shape) >= 2:
        return tuple(reversed(shape))
    if kind == "stepped":
        return tuple(2 * n for n in shape)
    if kind == "expanded":
        return tuple(1 if m else n for n, m in zip(shape, expand_mask))
    return tuple(shape)


def shapes(min_dims: int = 0, max_dims: int = 4, max_side: int = 4, allow_empty: bool = True):
    low = 0 if allow_empty else 1
    return st.lists(st.integers(low, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def tensors(draw, dtypes=FLOAT_DTYPES, shape=None, min_dims: int = 0, max_dims: int = 4,
            max_side: int = 4, allow_empty: bool = True, special: bool = True,
            layouts=LAYOUTS, requires_grad: bool = False) -> Case:
    """A tensor and the equal NumPy array (see the module docstring)."""
    if shape is None:
        shape = draw(shapes(min_dims, max_dims, max_side, allow_empty))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    kind = draw(st.sampled_from(layouts))
    mask = tuple(draw(st.booleans()) for _ in shape)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    base = _values(rng, base_shape(shape, kind, mask), dtype, special)
    t = minigrad.tensor(base, requires_grad=requires_grad and dtype.kind == "f")
    if kind == "expanded":
        return Case(np.broadcast_to(base, shape), t.expand(*shape), kind)
    t, a = layout(t, base, kind)
    return Case(a, t, kind)


def hostile_ints():
    """Integer arguments where sizes, dims, strides and kernel sizes go: small, zero,
    negative, and far too large."""
    return st.one_of(st.integers(-3, 5), st.sampled_from(HUGE + (-(2 ** 62),)))


def hostile_scalars():
    """Non-tensor arguments of the wrong kind."""
    return st.sampled_from([None, "a", 1.5, math.nan, math.inf, (2, 3), [1, -1], True, object()])
