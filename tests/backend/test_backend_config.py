"""Backend selection, configuration, threads, forced SIMD paths, fork safety and the
process-level runtime tuning (malloc thresholds, OpenMP spin count)."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from minigrad import backend
from tests.backend.common import needs_c

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_py(code: str, **env) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=full_env, cwd=ROOT, timeout=120)


def test_config_reports_backend_simd_openmp_threads():
    cfg = backend.config()
    assert cfg["backend"] == backend.name in ("C", "NumPy")
    assert {"simd", "simd_supported", "openmp", "num_threads"} <= set(cfg)
    assert cfg["num_threads"] == backend.get_num_threads() >= 1
    if backend.name == "C":
        assert cfg["simd"] in ("generic", "avx2", "avx512")


def test_set_num_threads(threads):
    threads.set_num_threads(1)
    assert threads.get_num_threads() == 1
    threads.set_num_threads(3)
    assert threads.get_num_threads() == 3
    with pytest.raises(ValueError):
        threads.set_num_threads(0)


def test_numpy_backend_by_environment():
    r = run_py("import minigrad; print(minigrad.backend.name)", MINIGRAD_BACKEND="numpy")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "NumPy"


def test_missing_compiled_module_falls_back_and_warns_once():
    r = run_py("""
        import sys, warnings
        sys.modules["minigrad._C"] = None  # makes `import minigrad._C` fail
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            import minigrad
            from minigrad import backend
            import minigrad.backend
        msgs = [str(x.message) for x in w if "compiled kernels" in str(x.message)]
        print(minigrad.backend.name, len(msgs))
    """, MINIGRAD_BACKEND="")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["NumPy", "1"]


@needs_c
@pytest.mark.parametrize("level", ["generic", "avx2", "avx512"])
def test_forced_simd_levels_compute_the_same(level):
    """Every dispatch path the CPU supports gives correct results (the generic one is what
    other compilers/architectures build)."""
    supported = backend.config()["simd_supported"]
    order = ["generic", "avx2", "avx512"]
    if order.index(level) > order.index(supported):
        pytest.skip(f"{level} not supported here")
    r = run_py("""
        import numpy as np
        from minigrad import backend
        assert backend.config()["simd"] == LEVEL, backend.config()
        rng = np.random.default_rng(0)
        for dt, tol in ((np.float32, 1e-4), (np.float64, 1e-11)):
            for m, n, k in ((1, 1, 1), (7, 9, 5), (37, 45, 300), (130, 70, 64)):
                a = rng.standard_normal((m, k)).astype(dt)
                b = rng.standard_normal((n, k)).astype(dt).T
                err = np.abs(backend.matmul(a, b) - a.astype(np.float64) @ b).max()
                assert err < tol * (1 + k ** 0.5), (dt, m, n, k, err)
        print("ok")
    """.replace("LEVEL", repr(level)), MINIGRAD_SIMD=level)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


@needs_c
def test_unsupported_simd_request_warns():
    if backend.config()["simd_supported"] == "avx512":
        pytest.skip("every level is supported here")
    r = run_py("""
        import warnings
        warnings.simplefilter("always")
        from minigrad import backend
        print(backend.config()["simd"])
    """, MINIGRAD_SIMD="avx512")
    assert r.returncode == 0
    assert "MINIGRAD_SIMD ignored" in r.stderr
    assert r.stdout.strip() == backend.config()["simd_supported"]


@needs_c
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_runs_kernels(threads):
    """A forked child (DataLoader workers) must not hang in an OpenMP runtime inherited from
    the parent: kernels run single-threaded there."""
    r = run_py("""
        import os, numpy as np
        from minigrad import backend
        backend.set_num_threads(2)
        a = np.random.default_rng(0).standard_normal((300, 300)).astype(np.float32)
        backend.matmul(a, a)
        pid = os.fork()
        if pid == 0:
            ok = np.allclose(backend.matmul(a, a), a @ a, atol=1e-3)
            os._exit(0 if ok and backend.get_num_threads() == 1 else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status))
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"


_GLIBC = sys.platform.startswith("linux") and "glibc" in " ".join(platform.libc_ver())
_RUNTIME_PROBE = """
    import os
    from minigrad import backend
    cfg = backend.config()
    print(cfg["malloc_tuned"], os.environ.get("GOMP_SPINCOUNT"), cfg["omp_spincount"])
"""


def _clean_env(**extra) -> dict:
    """os.environ without the variables the runtime tuning looks at, plus `extra`."""
    keys = ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "MINIGRAD_RUNTIME_TUNING", "GLIBC_TUNABLES",
            "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    env = {k: v for k, v in os.environ.items() if k not in keys}
    env.update(extra, MINIGRAD_BACKEND=extra.get("MINIGRAD_BACKEND", "c"))
    return env


def _run_clean(**extra) -> list:
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(_RUNTIME_PROBE)],
                       capture_output=True, text=True, env=_clean_env(**extra), cwd=ROOT,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


@pytest.mark.skipif(not _GLIBC, reason="malloc tuning is glibc-only")
@pytest.mark.skipif("asan" in os.environ.get("LD_PRELOAD", ""),
                    reason="AddressSanitizer replaces malloc: mallopt has no effect")
@needs_c
def test_runtime_tuning_defaults():
    """Freed arrays are kept for reuse (mallopt) and OpenMP workers spin briefly."""
    assert _run_clean() == ["True", "3000", "3000"]


@needs_c
def test_runtime_tuning_respects_the_user():
    assert _run_clean(MINIGRAD_RUNTIME_TUNING="0") == ["False", "None", "None"]
    assert _run_clean(GOMP_SPINCOUNT="5")[1:] == ["5", "5"]
    assert _run_clean(OMP_WAIT_POLICY="active")[1:] == ["None", "None"]
    assert _run_clean(MALLOC_TRIM_THRESHOLD_="1000000")[0] == "False"


def test_config_reports_runtime_tuning():
    cfg = backend.config()
    assert isinstance(cfg["malloc_tuned"], bool)
    assert cfg["omp_spincount"] is None or isinstance(cfg["omp_spincount"], str)
