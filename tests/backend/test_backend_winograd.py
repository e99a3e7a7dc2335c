"""The Winograd path of the C convolution kernels (csrc/winograd_tmpl.h), taken for 3x3
stride-1 convolutions with at least 16 input and output channels and 16 tiles of 4x4: tiles of
4x4 (F(4x4, 3x3)) and, from 8 samples, of 6x6 (F(6x6, 3x3)) with bands of 2- or 4-wide tiles
for the remainders. Against the im2col twin on odd sizes, every padding, cropped and extended
outputs, in both dtypes and at 1 and 2 threads; and its rounding error in float32, bounded."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.backend import reference
from tests.backend.common import C, needs_c

pytestmark = needs_c

# Relative to the largest reference value: float64 is exact to rounding; float32 carries the
# transforms' growth (the F(4, 3) matrices scale values by up to 8 and back), measured at about
# 1e-5 on unit-variance data with 32-64 channels.
TOL = {np.float32: 5e-5, np.float64: 1e-12}


def _tiles(n, ohw):
    return n * -(-ohw[0] // 4) * -(-ohw[1] // 4)


@st.composite
def winograd_case(draw):
    c, o = draw(st.integers(16, 20)), draw(st.integers(16, 20))
    h, w = draw(st.integers(2, 17)), draw(st.integers(2, 17))
    p = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    full = (h + 2 * p[0] - 2, w + 2 * p[1] - 2)
    # outputs smaller than 4 go to the GEMM path; cropped and extended outputs stay here
    ohw = tuple(max(4, f + draw(st.integers(-2, 1))) for f in full)
    n = draw(st.sampled_from([1, 2, 3, 8]))  # from 8 samples, 2-wide bands take remainders
    n = max(n, -(-16 // _tiles(1, ohw)))  # at least 16 tiles
    return (n, c, h, w), o, p, ohw


def _close(actual, expected, dtype):
    scale = max(float(np.abs(expected).max()), 1e-30)
    assert np.abs(actual - expected).max() <= TOL[dtype] * scale


@settings(max_examples=25, deadline=None)
@given(case=winograd_case(), dtype=st.sampled_from([np.float32, np.float64]),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_matches_the_im2col_twin(case, dtype, bias, seed):
    (n, c, h, w), o, p, ohw = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = (rng.standard_normal((o, c, 3, 3)) / np.sqrt(9 * c)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    gy = rng.standard_normal((n, o) + ohw).astype(dtype)
    _close(C.conv2d(x, wt, b, 1, p, output_size=ohw),
           reference.conv2d(x, wt, b, 1, p, 1, 1, ohw), dtype)
    _close(C.conv2d_input_grad(gy, wt, (h, w), 1, p),
           reference.conv2d_input_grad(gy, wt, (h, w), 1, p), dtype)
    _close(C.conv2d_weight_grad(x, gy, (3, 3), 1, p),
           reference.conv2d_weight_grad(x, gy, (3, 3), 1, p), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, 8])
@pytest.mark.parametrize("ohw", [(8, 14), (9, 10), (10, 9), (10, 8), (8, 10), (11, 13),
                                 (12, 17)], ids=str)
def test_every_tile_kind(dtype, n, ohw):
    """From 8 samples, tiles are 6 wide and an output side's remainder of 1-2 or 3-4 is a band
    of 2- or 4-wide tiles (5: a cropped 6-wide tile); below, every tile is 4x4. These sides
    leave every remainder and pair every band with every other (rows x columns: 6, 4 or 2 by
    6, 4 or 2), so every kind of tile matches the twin, with bias, in all three passes."""
    oh, ow = ohw
    rng = np.random.default_rng(oh * ow)
    x = rng.standard_normal((n, 16, oh, ow)).astype(dtype)
    wt = (rng.standard_normal((17, 16, 3, 3)) / 12).astype(dtype)
    b = rng.standard_normal(17).astype(dtype)
    gy = rng.standard_normal((n, 17, oh, ow)).astype(dtype)
    _close(C.conv2d(x, wt, b, 1, 1), reference.conv2d(x, wt, b, 1, 1), dtype)
    _close(C.conv2d_input_grad(gy, wt, (oh, ow), 1, 1),
           reference.conv2d_input_grad(gy, wt, (oh, ow), 1, 1), dtype)
    _close(C.conv2d_weight_grad(x, gy, (3, 3), 1, 1),
           reference.conv2d_weight_grad(x, gy, (3, 3), 1, 1), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nt", [1, 2])
def test_blocks_that_cut_samples(threads, dtype, nt):
    """Samples of 18x10 = 180 tiles, more than a block holds: blocks start and end mid-sample,
    off a multiple of 8 tiles, so a block's 8-tile groups and the planes it prefetches span two
    samples."""
    threads.set_num_threads(nt)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 16, 70, 37)).astype(dtype)
    wt = (rng.standard_normal((16, 16, 3, 3)) / 12).astype(dtype)
    gy = rng.standard_normal((3, 16, 70, 37)).astype(dtype)
    _close(C.conv2d(x, wt, None, 1, 1), reference.conv2d(x, wt, None, 1, 1), dtype)
    _close(C.conv2d_input_grad(gy, wt, (70, 37), 1, 1),
           reference.conv2d_input_grad(gy, wt, (70, 37), 1, 1), dtype)
    _close(C.conv2d_weight_grad(x, gy, (3, 3), 1, 1),
           reference.conv2d_weight_grad(x, gy, (3, 3), 1, 1), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_give_the_same_bits(threads, dtype):
    """The forward and the input gradient give the same bits at any thread count; the weight
    gradient sums per-thread ranges, so it agrees to rounding."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 16, 13, 11)).astype(dtype)
    wt = rng.standard_normal((24, 16, 3, 3)).astype(dtype)
    gy = rng.standard_normal((5, 24, 13, 11)).astype(dtype)
    assert _tiles(5, (13, 11)) >= 16
    results = []
    for nt in (1, 2, 3):
        threads.set_num_threads(nt)
        results.append((C.conv2d(x, wt, None, 1, 1), C.conv2d_input_grad(gy, wt, (13, 11), 1, 1),
                        C.conv2d_weight_grad(x, gy, (3, 3), 1, 1)))
    for y, gx, gw in results[1:]:
        np.testing.assert_array_equal(y, results[0][0])
        np.testing.assert_array_equal(gx, results[0][1])
        _close(gw, results[0][2], dtype)


def test_float32_error_on_the_benchmark_layer():
    """8x32x14x14 -> 64 channels (the benchmark's second layer, with its 6x6 tiles and bands):
    within 2e-5 of the largest value of a float64 reference (one-off measurements gave at most
    9e-6, about ten times the direct float32 convolution's error)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 32, 14, 14))
    wt = rng.standard_normal((64, 32, 3, 3)) / np.sqrt(288)
    gy = rng.standard_normal((8, 64, 14, 14))
    pairs = [
        (C.conv2d(*(a.astype(np.float32) for a in (x, wt)), None, 1, 1),
         reference.conv2d(x, wt, None, 1, 1)),
        (C.conv2d_input_grad(gy.astype(np.float32), wt.astype(np.float32), (14, 14), 1, 1),
         reference.conv2d_input_grad(gy, wt, (14, 14), 1, 1)),
        (C.conv2d_weight_grad(x.astype(np.float32), gy.astype(np.float32), (3, 3), 1, 1),
         reference.conv2d_weight_grad(x, gy, (3, 3), 1, 1)),
    ]
    for ours, exact in pairs:
        assert np.abs(ours - exact).max() <= 2e-5 * np.abs(exact).max()


@pytest.mark.parametrize("n, c", [(2, 15), (2, 16), (1, 16), (2, 17)])
def test_around_the_thresholds(n, c):
    """15 channels or 9 tiles (one 9x9 sample) take the GEMM path, 16 channels and 18 tiles
    the Winograd path: all match the twin."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, 9, 9))
    wt = rng.standard_normal((16, c, 3, 3))
    _close(C.conv2d(x, wt, None, 1, 1), reference.conv2d(x, wt, None, 1, 1), np.float64)
