"""Portability: the portable C kernels (what a CPU without AVX2 runs) give the same results as
the SIMD ones, up to rounding.

``MINIGRAD_SIMD=generic`` forces the fallback path at import; a subprocess computes GEMMs,
convolutions and pools with it (and with each other level the CPU supports) and the results
are compared with this process's. The compiler matrix (gcc/clang, with/without OpenMP,
-Wall -Wextra -Werror) is scripts/build_matrix.sh.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad import backend

pytestmark = pytest.mark.skipif(backend.name != "C", reason="SIMD paths exist in the C backend")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Shapes around the micro-kernel tile sizes (edges, tails) and a transposed operand.
WORKLOAD = r"""
import sys
import numpy as np
import minigrad
import minigrad.nn.functional as F
from minigrad import backend

out = {"simd": np.array(backend.config()["simd"])}
rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    tag = np.dtype(dt).name
    for m, n, k in ((1, 1, 1), (5, 7, 3), (17, 33, 65), (64, 48, 300), (129, 31, 40)):
        a = rng.standard_normal((m, k)).astype(dt)
        b = rng.standard_normal((n, k)).astype(dt)
        out[f"gemm_{tag}_{m}_{n}_{k}"] = backend.gemm(a, b, trans_b=True)
        out[f"matmul_{tag}_{m}_{n}_{k}"] = backend.matmul(a, b.T.copy())
    x = minigrad.tensor(rng.standard_normal((2, 3, 11, 9)).astype(dt), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((5, 3, 3, 3)).astype(dt), requires_grad=True)
    y = F.conv2d(x, w, stride=2, padding=1)
    p = F.max_pool2d(y, 2, ceil_mode=True) + F.avg_pool2d(y, 2, ceil_mode=True)
    p.sum().backward()
    out[f"conv_{tag}"] = y._data
    out[f"pool_{tag}"] = p._data
    out[f"xgrad_{tag}"] = x.grad._data
    out[f"wgrad_{tag}"] = w.grad._data
    # 16 channels, 8 samples of 10x9: the Winograd path with all four tile kinds (its 8-tile
    # AVX2 kernels or the portable lanes)
    x = minigrad.tensor(rng.standard_normal((8, 16, 10, 9)).astype(dt), requires_grad=True)
    w = minigrad.tensor((rng.standard_normal((16, 16, 3, 3)) / 12).astype(dt), requires_grad=True)
    gy = minigrad.tensor(rng.standard_normal((8, 16, 10, 9)).astype(dt))
    y = F.conv2d(x, w, padding=1)
    (y * gy).sum().backward()
    out[f"wino_{tag}"] = y._data
    out[f"wino_xgrad_{tag}"] = x.grad._data
    out[f"wino_wgrad_{tag}"] = w.grad._data
np.savez(sys.argv[1], **out)
"""


def _run(tmp_path, simd: str | None) -> dict:
    """The workload's results in a fresh interpreter, with MINIGRAD_SIMD=simd (None: unset)."""
    path = tmp_path / f"{simd or 'default'}.npz"
    env = dict(os.environ)
    env.pop("MINIGRAD_BACKEND", None)
    if simd is None:
        env.pop("MINIGRAD_SIMD", None)
    else:
        env["MINIGRAD_SIMD"] = simd
    result = subprocess.run([sys.executable, "-c", WORKLOAD, str(path)], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _levels() -> list:
    order = ["generic", "avx2", "avx512"]
    best = backend.config()["simd_supported"]
    return order[:order.index(best) + 1] if best in order else ["generic"]


@pytest.fixture(scope="module")
def default(tmp_path_factory) -> dict:
    return _run(tmp_path_factory.mktemp("simd"), None)


@pytest.mark.parametrize("level", _levels())
def test_forced_simd_level_matches_default(tmp_path, default, level):
    """Each SIMD level the CPU supports (generic = the no-AVX2 fallback) gives the default
    path's results within float rounding, and reports itself in config()."""
    forced = _run(tmp_path, level)
    assert str(forced["simd"]) == level
    assert str(default["simd"]) == backend.config()["simd_supported"]
    for key, expected in default.items():
        if key == "simd":
            continue
        got = forced[key]
        assert got.shape == expected.shape and got.dtype == expected.dtype, key
        rtol, atol = (1e-5, 1e-5) if got.dtype == np.float32 else (1e-12, 1e-12)
        if key.startswith("wino") and got.dtype == np.float32:
            # Winograd's float32 error is bounded relative to the largest value, not per
            # element (as in tests/backend/test_backend_winograd.py)
            atol = 5e-5 * float(np.abs(expected).max())
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=key)


def test_unknown_simd_level_warns_and_falls_back(tmp_path):
    """A bogus MINIGRAD_SIMD warns and keeps a working default path (no crash at import)."""
    env = dict(os.environ, MINIGRAD_SIMD="avx9000")
    env.pop("MINIGRAD_BACKEND", None)
    code = ("import warnings, minigrad; from minigrad import backend; "
            "print(backend.config()['simd']); print(float((minigrad.ones(3, 4) @ "
            "minigrad.ones(4, 2)).sum()))")
    result = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    simd, total = result.stdout.split()
    assert simd == backend.config()["simd_supported"]
    assert float(total) == 24.0
    assert "MINIGRAD_SIMD ignored" in result.stderr


def test_build_flags_are_portable():
    """The build never ties the binary to the build machine nor relaxes IEEE semantics."""
    spec = importlib.util.spec_from_file_location("_mg_csrc_build",
                                                  os.path.join(REPO, "csrc", "build.py"))
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    cflags, _ = build.compile_flags()
    assert "-march=native" not in cflags and "-ffast-math" not in cflags
    assert {"-Wall", "-Wextra"} <= set(cflags)
    assert minigrad.backend.config()["simd_supported"] in ("generic", "avx2", "avx512")
