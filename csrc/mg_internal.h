/* mg_internal.h -- helpers shared by the kernel sources (not part of the Python-visible table). */
#ifndef MG_INTERNAL_H
#define MG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minigrad.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* x86-64 SIMD micro-kernels are compiled with per-function target attributes, which only GCC and
 * Clang understand; every other compiler/architecture builds the portable path only.
 * MG_PORTABLE_ONLY (MINIGRAD_PORTABLE_ONLY=1 at build time) forces the portable build. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(MG_PORTABLE_ONLY)
#define MG_X86_SIMD 1
#define MG_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define MG_TARGET_AVX512 __attribute__((target("avx512f")))
#else
#define MG_X86_SIMD 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MG_RESTRICT __restrict__
#define MG_UNUSED __attribute__((unused))
#elif defined(_MSC_VER)
#define MG_RESTRICT __restrict
#define MG_UNUSED
#else
#define MG_RESTRICT
#define MG_UNUSED
#endif

/* A body compiled into both a baseline and an AVX2 function must be inlined into each. */
#if defined(__GNUC__) || defined(__clang__)
#define MG_INLINE inline __attribute__((always_inline))
#else
#define MG_INLINE inline
#endif

/* for (var = 0; var < count; var++) { body } split statically over nt threads. With nt == 1
 * no OpenMP region is entered at all: even an if(0) region costs a runtime call and locking.
 * The thread-count variable must be named nt. */
#ifdef _OPENMP
#define MG_PARALLEL_FOR(var, count, ...)                                                        \
    do {                                                                                        \
        if (nt > 1) {                                                                           \
            _Pragma("omp parallel for num_threads(nt) schedule(static)")                        \
            for (var = 0; var < (count); var++) { __VA_ARGS__ }                                 \
        } else {                                                                                \
            for (var = 0; var < (count); var++) { __VA_ARGS__ }                                 \
        }                                                                                       \
    } while (0)
#else
#define MG_PARALLEL_FOR(var, count, ...)                                                        \
    do {                                                                                        \
        (void)nt;                                                                               \
        for (var = 0; var < (count); var++) { __VA_ARGS__ }                                     \
    } while (0)
#endif

/* Returns *counter and adds step to it, atomically when threads share the counter: how the
 * threads of a region claim chunks of work one after another. */
static inline int64_t mg_claim(int64_t *counter, int64_t step)
{
    int64_t got;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
    { got = *counter; *counter += step; }
    return got;
}

/* Memory-bound kernels split work only when each thread gets at least this many elements
 * (tens of microseconds): waking a thread team costs microseconds, more on a busy machine.
 * Small enough that a 512x512 weight's optimizer step is split over 2 threads (a four times
 * larger minimum kept it on one; compare `python -m bench --threads 1,2 --filter optimizer`). */
#define MG_MIN_ITEMS_PER_THREAD ((int64_t)1 << 16)

/* Thread count and SIMD level: the only global mutable state (see config.c). */
int mg_threads_for(int64_t work_items, int64_t min_items_per_thread);
int mg_simd_level(void);

/* out = a * b for non-negative a, b; returns 0 on overflow. */
static inline int mg_mul_ok(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0) return 0;
    if (a != 0 && b > INT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}

static inline int mg_add_ok(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0) return 0;
    if (b > INT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* Product of up to 4 non-negative sizes; returns 0 on overflow. */
static inline int mg_prod4_ok(int64_t a, int64_t b, int64_t c, int64_t d, int64_t *out)
{
    int64_t t;
    if (!mg_mul_ok(a, b, &t)) return 0;
    if (!mg_mul_ok(t, c, &t)) return 0;
    if (!mg_mul_ok(t, d, &t)) return 0;
    *out = t;
    return 1;
}

/* 64-byte aligned scratch memory (portable: over-allocate and keep the raw pointer before the
 * aligned block). */
static inline void *mg_aligned_alloc(size_t bytes)
{
    void *raw = malloc(bytes + 64 + sizeof(void *));
    uintptr_t p;
    if (!raw) return NULL;
    p = ((uintptr_t)raw + sizeof(void *) + 63) & ~(uintptr_t)63;
    ((void **)p)[-1] = raw;
    return (void *)p;
}

static inline void mg_aligned_free(void *p)
{
    if (p) free(((void **)p)[-1]);
}

#endif /* MG_INTERNAL_H */
