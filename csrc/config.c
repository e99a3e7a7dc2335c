/* config.c -- thread count and run-time SIMD dispatch level. */
#include "mg_internal.h"

#if !defined(_WIN32)
#include <unistd.h>
#endif

/* The only mutable globals of the library. Written by Python (set_num_threads, MINIGRAD_SIMD),
 * read by kernels; a racy read sees either the old or the new value, both valid. */
static int g_num_threads = 0; /* 0: not set yet -> number of cores */
static int g_simd = -1;       /* -1: not chosen yet -> best supported */

static int mg_query_cores(void);

static int g_num_cores = 0;  /* cached: omp_get_num_procs() may be a system call */

int mg_num_cores(void)
{
    if (g_num_cores <= 0) g_num_cores = mg_query_cores();
    return g_num_cores;
}

static int mg_query_cores(void)
{
#ifdef _OPENMP
    int n = omp_get_num_procs();
#elif defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#else
    int n = 1;
#endif
    return n > 0 ? (int)n : 1;
}

int mg_get_num_threads(void)
{
    int n = g_num_threads;
    return n > 0 ? n : mg_num_cores();
}

int mg_set_num_threads(int n)
{
    if (n < 1) return MG_EINVAL;
    g_num_threads = n;
    return MG_OK;
}

int mg_has_openmp(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

/* Threads worth using for work_items independent items when each thread should get at least
 * min_items_per_thread of them (so tiny problems stay single-threaded). */
int mg_threads_for(int64_t work_items, int64_t min_items_per_thread)
{
#ifdef _OPENMP
    int64_t nt = mg_get_num_threads();
    int64_t cap;
    if (min_items_per_thread < 1) min_items_per_thread = 1;
    cap = work_items / min_items_per_thread;
    if (cap < nt) nt = cap;
    return nt < 1 ? 1 : (int)nt;
#else
    (void)work_items;
    (void)min_items_per_thread;
    return 1;
#endif
}

int mg_simd_supported(void)
{
#if MG_X86_SIMD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return MG_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return MG_SIMD_AVX2;
#endif
    return MG_SIMD_GENERIC;
}

int mg_get_simd(void)
{
    int s = g_simd;
    if (s < 0) {
        s = mg_simd_supported();
        g_simd = s;
    }
    return s;
}

int mg_simd_level(void) { return mg_get_simd(); }

int mg_set_simd(int level)
{
    if (level < MG_SIMD_GENERIC || level > mg_simd_supported()) return MG_EINVAL;
    g_simd = level;
    return MG_OK;
}

const char *mg_simd_name(int level)
{
    switch (level) {
    case MG_SIMD_AVX2: return "avx2";
    case MG_SIMD_AVX512: return "avx512";
    case MG_SIMD_GENERIC: return "generic";
    default: return "unknown";
    }
}
