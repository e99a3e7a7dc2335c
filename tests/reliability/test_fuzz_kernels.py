"""Fuzzing the kernel table (minigrad.backend) directly: the C kernels against their NumPy twins.

Hostile arrays (int/float16/mixed dtypes, 0-4 dims, zero-size dims, NaN/inf, transposed,
step-sliced, flipped and stride-0 views, read-only outputs) and hostile geometry (zero,
negative and 2**62 kernel sizes, strides, paddings, dilations; indices outside their plane).
Contract: the C kernel returns what the twin returns, or both raise a documented exception.
Out-of-bounds writes are what the sanitizer run (scripts/sanitize.sh) catches on these tests.
Under MINIGRAD_BACKEND=numpy (or without the compiled module) only the twin's contract runs.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad import backend
from minigrad.backend import reference
from tests.reliability.fuzz import (
    ALLOWED,
    FUZZ,
    HUGE,
    assert_matches,
    check,
    hostile_ints,
    run,
    shapes,
)

C = backend.impl if backend.name == "C" else None

KERNEL_DTYPES = (np.float32, np.float64, np.float32, np.float64, np.int64, np.float16)
VIEWS = ("contiguous", "transposed", "stepped", "flipped", "expanded")


def _data(rng, shape, dtype, special: bool) -> np.ndarray:
    data = np.asarray(rng.standard_normal(shape))
    if special and data.size:
        data.flat[rng.integers(0, data.size)] = rng.choice([np.nan, np.inf, -np.inf])
    return data.astype(dtype)


@st.composite
def arrays(draw, shape=None, min_dims: int = 0, max_dims: int = 4, dtypes=KERNEL_DTYPES):
    """A hostile array: its dtype, shape, memory layout and NaN/inf content are all drawn."""
    if shape is None:
        shape = draw(shapes(min_dims, max_dims, max_side=5))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    view = draw(st.sampled_from(VIEWS))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    special = dtype.kind == "f" and draw(st.booleans())
    n = len(shape)
    if view == "transposed" and n >= 2:
        rev = tuple(reversed(range(n)))
        return _data(rng, tuple(reversed(shape)), dtype, special).transpose(rev)
    if view == "stepped":
        return _data(rng, tuple(2 * s for s in shape), dtype, special)[(slice(None, None, 2),) * n]
    if view == "flipped":
        return np.flip(_data(rng, shape, dtype, special))
    if view == "expanded":
        small = tuple(1 if draw(st.booleans()) else s for s in shape)
        return np.broadcast_to(_data(rng, small, dtype, special), shape)
    return _data(rng, shape, dtype, special)


geometry = st.one_of(hostile_ints(), st.tuples(hostile_ints(), hostile_ints()),
                     st.sampled_from([(), (1, 2, 3), "2", 1.5, None, True]))
small_geometry = st.one_of(st.integers(-1, 3), st.tuples(st.integers(0, 3), st.integers(1, 3)))


def compare(name: str, *args, **kwargs) -> None:
    """Run kernel ``name`` on the twin and (when active) on C; apply the contract."""
    ref = run(getattr(reference, name), *_copies(args), **kwargs)
    if C is None:
        return
    ours = run(getattr(C, name), *_copies(args), **kwargs)
    what = f"backend.{name}{tuple(_desc(a) for a in args)} {kwargs}"
    if ref.raised:
        assert ours.raised, f"{what}: C returned, the NumPy twin raised {ref.error!r}"
        assert type(ours.error) is type(ref.error) or isinstance(ours.error, MemoryError), (
            f"{what}: C raised {ours.error!r}, the twin {ref.error!r}")
        return
    check(ours, ref, what, must_succeed=True, atol=_atol(args))


def _copies(args):
    """Fresh copies of writable arrays (in-place kernels would otherwise see each other's
    output); read-only views are passed as they are, to test that they are refused."""
    return tuple(a.copy() if isinstance(a, np.ndarray) and a.flags.writeable and a.base is None
                 else a for a in args)


def _desc(a):
    if isinstance(a, np.ndarray):
        return f"array{a.shape}:{a.dtype}:{a.strides}"
    return a


def _atol(args) -> float:
    """Sums of products in float32: tolerance relative to the magnitudes involved."""
    big = 1.0
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size:
            finite = np.abs(a[np.isfinite(a)].astype(np.float64))
            big = max(big, float(finite.max(initial=0.0)))
    return 1e-4 * big * big * 8


@FUZZ
@given(a=arrays(max_dims=4), b=arrays(max_dims=4))
def test_matmul(a, b):
    compare("matmul", a, b)


@FUZZ
@given(data=st.data())
def test_gemm(data):
    """gemm with transposes, alpha/beta, and an output c that may be missing, misshapen,
    strided or read-only (an expanded view: many elements at one address)."""
    m, k, n = (data.draw(st.integers(0, 4)) for _ in range(3))
    trans_a, trans_b = data.draw(st.booleans()), data.draw(st.booleans())
    fits = data.draw(st.booleans())
    a = data.draw(arrays(shape=(k, m) if trans_a else (m, k)) if fits else arrays(max_dims=3))
    b = data.draw(arrays(shape=(n, k) if trans_b else (k, n)) if fits else arrays(max_dims=3))
    c = data.draw(st.one_of(st.none(), arrays(shape=(m, n)), arrays(max_dims=3)))
    alpha = data.draw(st.sampled_from([1.0, 0.0, -2.5, np.nan]))
    beta = data.draw(st.sampled_from([0.0, 1.0, 0.5]))
    compare("gemm", a, b, c, alpha=alpha, beta=beta, trans_a=trans_a, trans_b=trans_b)


@FUZZ
@given(a=arrays(min_dims=2, max_dims=4), b=arrays(min_dims=2, max_dims=4))
def test_matmul_sum(a, b):
    compare("matmul_sum", a, b)


@FUZZ
@given(x=arrays(max_dims=5), k=geometry, s=small_geometry, p=small_geometry, d=small_geometry)
def test_im2col(x, k, s, p, d):
    compare("im2col", x, k, s, p, d)


@FUZZ
@given(data=st.data())
def test_im2col_huge_geometry(data):
    """Kernel sizes, paddings and dilations near 2**62: the output size computation would
    overflow int64 in C; the call must raise, not allocate or write out of bounds."""
    x = data.draw(arrays(shape=(1, 1, 3, 3), dtypes=(np.float32,)))
    args = [data.draw(st.sampled_from(HUGE + (1, 2))) for _ in range(4)]
    compare("im2col", x, *args)


@FUZZ
@given(data=st.data())
def test_col2im(data):
    cols = data.draw(arrays(max_dims=4))
    size = data.draw(st.one_of(small_geometry, st.tuples(st.integers(0, 6), st.integers(0, 6)),
                               st.sampled_from(HUGE)))
    compare("col2im", cols, size, data.draw(geometry), data.draw(small_geometry),
            data.draw(small_geometry), data.draw(small_geometry))


@FUZZ
@given(data=st.data())
def test_conv2d_backward(data):
    """The one-call conv backward: x, grad_output and weight that fit each other (any output
    size, as the kernel allows) or not, hostile strides, paddings, dilations and groups, any
    output mask."""
    if not data.draw(st.booleans(), label="hostile"):
        n, groups, cg, og = (data.draw(st.integers(0 if i == 0 else 1, 2)) for i in range(4))
        hw, k, out = ((data.draw(st.integers(lo, 5)), data.draw(st.integers(lo, 5)))
                      for lo in (0, 1, 0))
        dtypes = (data.draw(st.sampled_from([np.float32, np.float64])),)
        x = data.draw(arrays(shape=(n, groups * cg) + hw, dtypes=dtypes))
        weight = data.draw(arrays(shape=(groups * og, cg) + k, dtypes=dtypes))
        gy = data.draw(arrays(shape=(n, groups * og) + out, dtypes=dtypes))
        s, p, d = (data.draw(st.integers(lo, 3)) for lo in (1, 0, 1))
    else:
        groups = data.draw(st.sampled_from([1, 2, 0, -1]))
        x, weight, gy = (data.draw(arrays(max_dims=4)) for _ in range(3))
        s, p, d = (data.draw(small_geometry) for _ in range(3))
    mask = data.draw(st.tuples(st.booleans(), st.booleans(), st.booleans()))
    compare("conv2d_backward", gy, x, weight, s, p, d, groups, mask)


@FUZZ
@given(x=arrays(max_dims=4), k=geometry, s=st.one_of(st.none(), small_geometry),
       p=small_geometry, d=small_geometry, ceil=st.booleans())
def test_max_pool2d(x, k, s, p, d, ceil):
    compare("max_pool2d", x, k, s, p, d, ceil)


@FUZZ
@given(x=arrays(max_dims=4), k=geometry, s=st.one_of(st.none(), small_geometry),
       p=small_geometry, ceil=st.booleans(), include=st.booleans(),
       divisor=st.sampled_from([None, 0, -1, 3]))
def test_avg_pool2d(x, k, s, p, ceil, include, divisor):
    compare("avg_pool2d", x, k, s, p, ceil, include, divisor)


@FUZZ
@given(data=st.data())
def test_pool_backwards(data):
    """Backward kernels with indices outside the plane, shapes that do not match the
    geometry, integer gradients and huge input sizes."""
    g = data.draw(arrays(max_dims=4))
    idx_high = data.draw(st.sampled_from([1, 9, 30, 2 ** 40]))
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    indices = rng.integers(-1 if data.draw(st.booleans()) else 0, idx_high, size=g.shape)
    if data.draw(st.booleans()):
        indices = indices.astype(data.draw(st.sampled_from([np.int32, np.float64, np.uint8])))
    size = data.draw(st.one_of(st.tuples(st.integers(0, 6), st.integers(0, 6)),
                               st.sampled_from(HUGE), small_geometry))
    compare("max_pool2d_backward", g, indices, size)
    compare("index_gather2d", data.draw(arrays(max_dims=4)), indices)
    compare("avg_pool2d_backward", g, size, data.draw(geometry), data.draw(
        st.one_of(st.none(), small_geometry)), data.draw(small_geometry))
    compare("adaptive_avg_pool2d_backward", g, size)


@FUZZ
@given(x=arrays(max_dims=4), size=st.one_of(geometry, st.tuples(st.none(), st.integers(1, 3))))
def test_adaptive_pools(x, size):
    compare("adaptive_avg_pool2d", x, size)
    compare("adaptive_max_pool2d", x, size)


@pytest.mark.parametrize("n", [0, -1, 2 ** 62, 1.5, "2", None])
def test_set_num_threads_hostile(n):
    """Invalid thread counts raise (ValueError/TypeError/RuntimeError) and leave the
    setting unchanged."""
    before = backend.get_num_threads()
    with pytest.raises(ALLOWED):
        backend.set_num_threads(n)
    assert backend.get_num_threads() == before


def test_readonly_output_is_refused():
    """gemm never writes through a read-only (e.g. broadcast) output array."""
    a = np.ones((2, 3), np.float32)
    b = np.ones((3, 2), np.float32)
    c = np.broadcast_to(np.zeros((1, 2), np.float32), (2, 2))
    for impl in filter(None, (reference, C)):
        with pytest.raises(ValueError):
            impl.gemm(a, b, c)
    assert_matches(c, np.zeros((2, 2)), "c untouched")
