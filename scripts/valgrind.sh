#!/usr/bin/env bash
# Run a small subset of the kernel tests under valgrind memcheck (a few minutes).
#
#   bash scripts/valgrind.sh                       # the subset below
#   bash scripts/valgrind.sh tests/backend -k gemm # or any pytest arguments
#
# Uses the installed build of minigrad._C (install with `pip install -e .` first; a -g build
# gives line numbers: CFLAGS=-g pip install -e . --no-build-isolation). PYTHONMALLOC=malloc
# sends Python's allocations to malloc, where memcheck sees them; scripts/valgrind-python.supp
# silences CPython's and the dynamic loader's own noise and nothing else. Leak checking is off
# (CPython does not free everything at exit). Clean: exit status 0, "ERROR SUMMARY: 0 errors".
# Add --track-origins=yes to VALGRIND_ARGS to find where an uninitialised value came from.
set -uo pipefail
cd "$(dirname "$0")/.."

TESTS=(tests/backend/test_backend_gemm.py tests/backend/test_backend_im2col.py
       tests/backend/test_backend_pool.py tests/reliability/test_fuzz_kernels.py)
[ "$#" -gt 0 ] && TESTS=("$@")

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
# The real interpreter: valgrind must not trace a wrapper script (pyenv shims, venv links ok).
PY="$(python3 -c 'import sys, os; print(os.path.realpath(sys.executable))')"
log="$(mktemp "${TMPDIR:-/tmp}/mg_valgrind.XXXXXX.log")"

export PYTHONMALLOC=malloc
export MINIGRAD_EXPECT_BACKEND=C
export MINIGRAD_FUZZ_SLOWDOWN=40  # memcheck runs code ~40x slower: scale the hang timeouts
unset MINIGRAD_BACKEND
start=$SECONDS
# shellcheck disable=SC2086
valgrind --tool=memcheck --leak-check=no --error-exitcode=99 --num-callers=30 \
    --suppressions=scripts/valgrind-python.supp --log-file="$log" ${VALGRIND_ARGS:-} \
    "$PY" -m pytest -q -p no:cacheprovider "${TESTS[@]}"
status=$?
echo "== valgrind log: $log =="
grep -E "ERROR SUMMARY|Invalid|uninitialised|Mismatched|overlap" "$log" | sort | uniq -c | head -n 20
if [ "$status" -eq 99 ]; then
    echo "valgrind.sh: memcheck found errors; the first:" >&2
    grep -m1 -B2 -A30 -E "Invalid|uninitialised|Mismatched|overlap" "$log" >&2
fi
echo "== valgrind.sh: exit $status after $((SECONDS - start)) s =="
exit "$status"
