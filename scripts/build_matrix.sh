#!/usr/bin/env bash
# Portability check of the C core: compile every csrc/*.c standalone and link a shared
# library with each compiler (gcc, clang), with and without OpenMP, with and without the x86
# SIMD kernels (-DMG_PORTABLE_ONLY builds only the portable C kernels, as on a CPU or
# compiler without AVX2 support), all with -Wall -Wextra -Werror.
#
#   bash scripts/build_matrix.sh            # every available compiler
#   CCS="gcc" bash scripts/build_matrix.sh  # a chosen list
#
# A compiler that is not installed is reported as skipped; clang's OpenMP uses libomp when it
# is installed, else GCC's runtime (-fopenmp=libgomp). Exit status 1 if any build fails.
set -uo pipefail
cd "$(dirname "$0")/.."

CCS="${CCS:-gcc clang}"
BASE_FLAGS=(-std=c11 -O3 -fPIC -Wall -Wextra -Werror -ffp-contract=off -Icsrc)
out="$(mktemp -d "${TMPDIR:-/tmp}/mg_build_matrix.XXXXXX")"
trap 'rm -rf "$out"' EXIT
failed=0

openmp_flag() {  # the OpenMP flag that compiles and links with compiler $1, or nothing
    local cc=$1 flag
    for flag in -fopenmp -fopenmp=libgomp; do
        if printf '#include <omp.h>\nint main(void){return omp_get_max_threads()>0?0:1;}\n' |
            "$cc" "$flag" -x c - -o "$out/omp_probe" 2>/dev/null; then
            echo "$flag"
            return 0
        fi
    done
    return 1
}

for cc in $CCS; do
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "SKIP $cc: not installed"
        continue
    fi
    omp="$(openmp_flag "$cc")" || omp=""
    for with_omp in yes no; do
        if [ "$with_omp" = yes ] && [ -z "$omp" ]; then
            echo "SKIP $cc openmp: no OpenMP runtime"
            continue
        fi
        for simd in dispatch portable; do
            flags=("${BASE_FLAGS[@]}")
            [ "$with_omp" = yes ] && flags+=("$omp")
            [ "$simd" = portable ] && flags+=(-DMG_PORTABLE_ONLY)
            name="$cc openmp=$with_omp simd=$simd"
            dir="$out/${cc}_${with_omp}_${simd}"
            mkdir -p "$dir"
            ok=1
            for src in csrc/*.c; do
                if ! "$cc" "${flags[@]}" -c "$src" -o "$dir/$(basename "$src" .c).o" \
                    2>"$dir/log"; then
                    ok=0
                    echo "FAIL $name: $src"
                    sed 's/^/    /' "$dir/log" | head -n 30
                fi
            done
            if [ "$ok" = 1 ]; then
                # --no-undefined: every symbol the kernels use is resolved (libm, OpenMP).
                if ! "$cc" -shared "${flags[@]}" "$dir"/*.o -lm -Wl,--no-undefined \
                    -o "$dir/libminigrad.so" 2>"$dir/log"; then
                    ok=0
                    echo "FAIL $name: link"
                    sed 's/^/    /' "$dir/log" | head -n 30
                fi
            fi
            if [ "$ok" = 1 ]; then
                echo "OK   $name ${flags[*]:8} ($("$cc" --version | head -n 1))"
            else
                failed=1
            fi
        done
    done
done
exit "$failed"
