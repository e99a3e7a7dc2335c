"""adam_step, the fused Adam / AdamW update: C vs the NumPy twin bit for bit over every flag
combination, sizes, dtypes, specials, threads and SIMD paths; views; bad input."""
import itertools

import numpy as np
import pytest

from minigrad.backend import reference
from tests.backend.common import ACTIVE, DTYPES, C, needs_c

IMPLS = [ACTIVE, reference] if C is not None else [ACTIVE]
SIZES = [0, 1, 7, 1001, 2**17 + 3]  # odd sizes: vector loops plus a scalar tail
# (amsgrad, maximize, weight_decay, decoupled, beta1): beta1 = 0.3 takes lerp's other branch
FLAGS = list(itertools.product([False, True], [False, True], [0.0, 0.1], [False, True],
                               [0.9, 0.3]))


def _state(n, dtype, rng, specials=False):
    """param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq as a mid-training state."""
    p, g, m = (rng.standard_normal(n).astype(dtype) for _ in range(3))
    v = np.abs(rng.standard_normal(n)).astype(dtype) * dtype(0.1)
    vmax = v + np.abs(rng.standard_normal(n)).astype(dtype) * dtype(0.01)
    if specials:
        g[::7] = np.nan
        g[1::11] = np.inf
        p[2::13] = -np.inf
        g[3::5] = -0.0
        p[4::9] = 0.0
        vmax[5::17] = np.nan
        v[6::19] = np.inf
    return [p, g, m, v, vmax]


def _step(impl, arrays, amsgrad, maximize, wd, decoupled, beta1, t=3):
    p, g, m, v, vmax = arrays
    lr, beta2 = 1e-3, 0.999
    with np.errstate(all="ignore"):  # NaN/inf in the special-value states
        impl.adam_step(p, g, m, v, vmax if amsgrad else None, lr, beta1, beta2, 1e-8, wd,
                       lr / (1 - beta1**t), (1 - beta2**t) ** 0.5, maximize, decoupled)


def _run(impl, state, flags):
    arrays = [a.copy() for a in state]
    _step(impl, arrays, *flags)
    return arrays


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("flags", FLAGS,
                         ids=lambda f: "ams{:d}-max{:d}-wd{:g}-dec{:d}-b{:g}".format(*f))
def test_c_and_twin_agree_bit_for_bit(dtype, flags):
    rng = np.random.default_rng(0)
    for n in SIZES:
        state = _state(n, dtype, rng, specials=n > 1)
        results = [_run(impl, state, flags) for impl in IMPLS]
        for got in results[1:]:
            for a, b, name in zip(results[0], got, ["param", "grad", "exp_avg", "exp_avg_sq",
                                                    "max_exp_avg_sq"]):
                np.testing.assert_array_equal(a, b, err_msg=f"{name}, n={n}")
        for a in results[0]:
            assert a.dtype == dtype
        np.testing.assert_array_equal(results[0][1], state[1])  # grad is only read


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.name)
def test_matches_adams_formula(impl):
    """The twin against the textbook formula in float64 (one step, amsgrad and L2 decay)."""
    rng = np.random.default_rng(1)
    p, g, m, v, vmax = _state(101, np.float64, rng)
    lr, b1, b2, eps, wd, t = 1e-2, 0.9, 0.99, 1e-8, 0.05, 4
    gg = g + wd * p
    m2 = b1 * m + (1 - b1) * gg
    v2 = b2 * v + (1 - b2) * gg * gg
    vmax2 = np.maximum(vmax, v2)
    p2 = p - lr / (1 - b1**t) * m2 / (np.sqrt(vmax2) / np.sqrt(1 - b2**t) + eps)
    arrays = [p.copy(), g, m.copy(), v.copy(), vmax.copy()]
    impl.adam_step(*arrays, lr, b1, b2, eps, wd, lr / (1 - b1**t), (1 - b2**t) ** 0.5)
    for got, want in zip(arrays, [p2, g, m2, v2, vmax2]):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


@needs_c
@pytest.mark.parametrize("dtype", DTYPES)
def test_large_arrays_threads_and_simd_paths_agree(threads, dtype):
    """Above 1M elements (split over threads by the C kernel), 1 and 2 threads, every SIMD
    path the CPU has: the twin's bits."""
    rng = np.random.default_rng(2)
    state = _state(2**20 + 77, dtype, rng, specials=True)
    flags = (True, False, 0.1, True, 0.9)
    want = _run(reference, state, flags)
    simd = C.get_simd()
    try:
        for level, nt in itertools.product(["generic", simd], [1, 2]):
            C.set_simd(level)
            threads.set_num_threads(nt)
            for a, b in zip(_run(C, state, flags), want):
                np.testing.assert_array_equal(a, b, err_msg=f"{level}, {nt} threads")
    finally:
        C.set_simd(simd)


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.name)
@pytest.mark.parametrize("dtype", DTYPES)
def test_views_and_read_only_grad(impl, dtype):
    """Strided (and transposed) arrays are updated in place, with the contiguous result; a
    read-only grad is fine."""
    rng = np.random.default_rng(3)
    state = [a.reshape(6, 7) for a in _state(42, dtype, rng)]
    flags = (True, True, 0.1, False, 0.9)
    want = _run(reference, state, flags)
    bufs = [np.zeros((7, 12), dtype) for _ in state]
    views = [buf[:, ::2].T for buf in bufs]  # (6, 7), neither C- nor F-contiguous
    for view, a in zip(views, state):
        view[...] = a
    views[1].flags.writeable = False
    _step(impl, views, *flags)
    for view, buf, w in zip(views, bufs, want):
        np.testing.assert_array_equal(view, w)
        assert not buf[:, 1::2].any()  # the skipped columns are untouched


@pytest.mark.parametrize("impl", IMPLS, ids=lambda m: m.name)
def test_bad_input(impl):
    def call(p, g, m, v, vmax=None):
        impl.adam_step(p, g, m, v, vmax, 1e-3, 0.9, 0.999, 1e-8, 0.0, 1e-3, 0.1)

    def arrays(dtype=np.float32, n=4):
        return [np.ones(n, dtype) for _ in range(5)]

    p, g, m, v, vmax = arrays()
    with pytest.raises(TypeError, match="same dtype"):
        call(p, g.astype(np.float64), m, v)
    with pytest.raises(TypeError, match="float32 or float64"):
        call(*[a.astype(np.int32) for a in (p, g, m, v)])
    with pytest.raises(TypeError, match="exp_avg: expected a numpy.ndarray"):
        call(p, g, [1.0] * 4, v)
    with pytest.raises(ValueError, match="exp_avg_sq has shape"):
        call(p, g, m, np.ones(5, np.float32))
    with pytest.raises(ValueError, match="max_exp_avg_sq has shape"):
        call(p, g, m, v, np.ones((4, 1), np.float32))
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="exp_avg is read-only"):
        call(p, g, ro, v)
    with pytest.raises(ValueError, match="param and exp_avg overlap"):
        call(p, g, p, v)
    buf = np.ones(6, np.float32)
    with pytest.raises(ValueError, match="exp_avg_sq and max_exp_avg_sq overlap"):
        call(p, g, m, buf[:4], buf[2:])
    for a, b in zip((p, g, m, v, vmax), arrays()):
        np.testing.assert_array_equal(a, b)  # nothing was written before the errors


@needs_c
def test_kernel_rejects_bad_arguments():
    """The C entry point validates on its own: never a write on bad sizes or flags."""
    ffi, lib = C.ffi, C.lib
    a = [np.ones(4, np.float32) for _ in range(4)]
    ptrs = [ffi.from_buffer("float[]", x) for x in a]
    scalars = (1e-3, 0.9, 0.999, 1e-8, 0.0, 1e-3, 0.1)
    assert lib.mg_adam_f32(-1, *ptrs, ffi.NULL, *scalars, 0) == lib.MG_EINVAL
    assert lib.mg_adam_f32(4, *ptrs, ffi.NULL, *scalars, 4) == lib.MG_EINVAL
    assert lib.mg_adam_f32(4, ptrs[0], ffi.NULL, *ptrs[2:], ffi.NULL, *scalars,
                           0) == lib.MG_EINVAL
    assert lib.mg_adam_f32(0, *[ffi.NULL] * 5, *scalars, 0) == lib.MG_OK
    for x in a:
        np.testing.assert_array_equal(x, 1)
