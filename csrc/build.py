"""cffi builder for minigrad._C (out-of-line API mode, compiled at install time).

setup.py points at ``ffibuilder`` (``cffi_modules=["csrc/build.py:ffibuilder"]``). The cdef is
the marked section of ``minigrad.h``, so the header stays the single source of truth.

Compiler flags are portable: ``-O3 -std=c11 -Wall -Wextra`` and nothing tied to the build
machine (no ``-march=native``, no ``-ffast-math``: NaN/inf semantics matter). Speed comes from
micro-kernels compiled with per-function target attributes and chosen at run time.
``-ffp-contract=off`` keeps the compiler from fusing a*b+c on its own, so the arithmetic of each
path is exactly what the source says. ``-fno-math-errno`` lets ``sqrt`` compile to the vector
instruction (no kernel reads errno, and the square root is correctly rounded either way).
OpenMP is added when a test program compiles and links with ``-fopenmp``
(``MINIGRAD_NO_OPENMP=1`` skips it). ``MINIGRAD_SANITIZE=1`` adds AddressSanitizer + UBSan;
``MINIGRAD_PORTABLE_ONLY=1`` builds without any x86 SIMD code.

Rebuild in place after editing csrc/: ``pip install -e . --no-build-isolation``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ["config.c", "elementwise.c", "gemm.c", "gemm_kernels.c", "im2col.c", "pool.c"]


def read_cdef() -> str:
    with open(os.path.join(HERE, "minigrad.h")) as f:
        text = f.read()
    m = re.search(r"/\* MG_CDEF_BEGIN \*/(.*)/\* MG_CDEF_END \*/", text, re.S)
    if m is None:
        raise RuntimeError("minigrad.h: MG_CDEF_BEGIN/MG_CDEF_END markers not found")
    return m.group(1)


def _compiler() -> list[str]:
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    return cc.split()


def _is_msvc() -> bool:
    return sys.platform == "win32" and not os.environ.get("CC")


def _compiles_with(flags: list[str]) -> bool:
    """True when a tiny OpenMP program compiles and links with `flags` under the build's CC."""
    src = (
        "#include <omp.h>\n"
        "int main(void) { int s = 0;\n"
        "#pragma omp parallel for reduction(+:s)\n"
        "for (int i = 0; i < 8; i++) s += i;\n"
        "return s == 28 && omp_get_max_threads() > 0 ? 0 : 1; }\n"
    )
    cc = _compiler()
    if shutil.which(cc[0]) is None:
        return False
    tmp = tempfile.mkdtemp(prefix="mg_omp_")
    try:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as f:
            f.write(src)
        out = os.path.join(tmp, "t.out")
        r = subprocess.run(cc + flags + [path, "-o", out], capture_output=True)
        return r.returncode == 0
    except OSError:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compile_flags() -> tuple[list[str], list[str]]:
    """(extra_compile_args, extra_link_args) for this compiler."""
    if _is_msvc():
        return ["/O2", "/openmp"], []
    cflags = ["-O3", "-std=c11", "-Wall", "-Wextra", "-ffp-contract=off", "-fno-math-errno"]
    ldflags: list[str] = []
    if os.environ.get("MINIGRAD_NO_OPENMP") != "1" and _compiles_with(["-fopenmp"]):
        cflags.append("-fopenmp")
        ldflags.append("-fopenmp")
    if os.environ.get("MINIGRAD_PORTABLE_ONLY") == "1":
        cflags.append("-DMG_PORTABLE_ONLY")  # no x86 SIMD code at all (portability checks)
    if os.environ.get("MINIGRAD_SANITIZE") == "1":
        san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"]
        cflags += san
        ldflags += san
    return cflags, ldflags


ffibuilder = FFI()
ffibuilder.cdef(read_cdef())
_cflags, _ldflags = compile_flags()
ffibuilder.set_source(
    "minigrad._C",
    '#include "minigrad.h"\n',
    sources=[os.path.relpath(os.path.join(HERE, s)) for s in SOURCES],
    include_dirs=[os.path.relpath(HERE)],
    depends=[os.path.relpath(os.path.join(HERE, h)) for h in os.listdir(HERE) if h.endswith(".h")],
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
)
