#!/usr/bin/env bash
# Run the kernel tests against a C core built with AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   bash scripts/sanitize.sh                 # the kernel tests (below)
#   bash scripts/sanitize.sh tests/nn -x     # or any pytest arguments
#
# How: the tree is copied to a scratch directory (your checkout and its build stay untouched),
# installed there into a scratch venv with `MINIGRAD_SANITIZE=1 pip install -e .` (csrc/build.py
# then adds -fsanitize=address,undefined -fno-omit-frame-pointer -g), and pytest runs with
# libasan preloaded: the Python executable is not instrumented, so the ASan runtime must be
# loaded first. Leak detection is off (CPython keeps its interned objects alive at exit, which
# LeakSanitizer would report). Any ASan/UBSan report aborts the run and is printed: clean
# means exit status 0 and no report. PyTorch is hidden (it aborts under a preloaded ASan), so
# the parity tests skip.
#
# Needs gcc (or CC=clang) with the sanitizer runtimes; numpy, pytest, hypothesis (and torch,
# optionally) come from the system site-packages.
set -euo pipefail
cd "$(dirname "$0")/.."

KERNEL_TESTS=(tests/backend tests/ops/test_conv.py tests/ops/test_pool.py
              tests/reliability/test_fuzz_kernels.py)
[ "$#" -gt 0 ] && KERNEL_TESTS=("$@")

CC_BIN="${CC:-gcc}"
if "$CC_BIN" --version | grep -q clang; then
    # clang's runtime (it also holds the UBSan handlers); clang would find GCC's libasan too.
    ASAN_LIB="$("$CC_BIN" -print-file-name="libclang_rt.asan-$(uname -m).so")"
else
    ASAN_LIB="$("$CC_BIN" -print-file-name=libasan.so)"
fi
[ -e "$ASAN_LIB" ] || { echo "sanitize.sh: no ASan runtime for $CC_BIN" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mg_sanitize.XXXXXX")"
[ -n "${MG_SANITIZE_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT  # MG_SANITIZE_KEEP=1 keeps it
tar --exclude=./.ci/venv --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.so' \
    --exclude=__pycache__ --exclude=./.hypothesis -cf - . | tar -xf - -C "$work"

# --without-pip: the system pip and setuptools (a venv would bring an old setuptools of its own)
python3 -m venv --system-site-packages --without-pip "$work/venv"
echo "== building the sanitized C core ($CC_BIN) =="
(cd "$work" && MINIGRAD_SANITIZE=1 CC="$CC_BIN" "$work/venv/bin/python" -m pip install \
    --quiet --no-build-isolation --no-deps -e . 2>&1 | tail -n 20)
so="$(ls "$work"/minigrad/_C*.so)"
if ! nm -D --undefined-only "$so" | grep -q __asan_; then
    echo "sanitize.sh: $so is not instrumented (no __asan_ references)" >&2
    exit 2
fi

echo "== running ${KERNEL_TESTS[*]} under ASan + UBSan =="
cd "$work"
export LD_PRELOAD="$ASAN_LIB"
# allocator_may_return_null: the fuzz tests request absurd sizes on purpose; malloc must return
# NULL (NumPy raises MemoryError) instead of ASan aborting. Reports go to $work/asan.<pid>
# too, since pytest captures the stderr of a test that aborts.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=1:log_path=$work/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$work/ubsan"
# PyTorch aborts under a preloaded ASan runtime (its C++ exceptions): hide it, so that the
# parity tests skip (tests.helpers.torch_or_skip) and the rest exercises minigrad's kernels.
mkdir -p "$work/_no_torch/torch"
echo 'raise ModuleNotFoundError("torch is hidden under the sanitizer run", name="torch")' \
    > "$work/_no_torch/torch/__init__.py"
export PYTHONPATH="$work/_no_torch${PYTHONPATH:+:$PYTHONPATH}"
# The tests would quietly run on the NumPy twins if the instrumented module failed to load.
if ! "$work/venv/bin/python" -W error::RuntimeWarning -c \
    "import sys, minigrad; sys.exit(minigrad.backend.name != 'C')"; then
    echo "sanitize.sh: the sanitized minigrad._C does not load under $ASAN_LIB" >&2
    exit 2
fi
start=$SECONDS
set +e
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider "${KERNEL_TESTS[@]}" 2>&1 |
    tee "$work/log.txt" | tail -n 25
status=${PIPESTATUS[0]}
set -e
# Reports (of child processes of the tests too) land in $work/asan.<pid> / ubsan.<pid>, next
# to mere warnings ("failed to allocate" for the absurd sizes the fuzz tests request).
reports="$(grep -lE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: ' \
    "$work"/asan.* "$work"/ubsan.* 2>/dev/null || true)"
if [ -n "$reports" ]; then
    echo "== sanitizer report ==" >&2
    # shellcheck disable=SC2086
    head -n 80 $reports >&2
    status=1
fi
echo "== sanitize.sh: exit $status after $((SECONDS - start)) s of tests =="
exit "$status"
