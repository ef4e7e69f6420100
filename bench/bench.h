/*
 * The google-benchmark harness (profiledb_bench): a registry of benchmark cases written in C
 * and run by a thin C++ main (bench_main.cc), which only turns each case into a registered
 * benchmark and reports rows/s (items) and bytes/s.
 *
 * A case has a name ("BM_simd_range_i64/avx512/mem"), a lazy setup (allocates and fills its
 * data the first time the case runs, freeing the data of the case set up before it, so at
 * most one case's data is alive) and a run function that does one iteration and says how
 * many rows and bytes it went through. Threaded cases (threads > 1) split their data by the
 * thread index. Every case is deterministic: the data comes from bench_seed().
 *
 * Environment: PROFILEDB_BENCH_SEED (default 42), PROFILEDB_BENCH_PROFILES (rows of the
 * end-to-end database, default 1,000,000), PROFILEDB_BENCH_DIR (where that database is built,
 * default <source>/out/bench/gbench).
 */
#ifndef PDB_BENCH_BENCH_H
#define PDB_BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of the "bigger than every cache" data sets (the L3 is 32 MiB here). */
#define BENCH_MEMORY_BYTES (256u << 20)
#define BENCH_NAME_SIZE 128u
#define BENCH_LABEL_SIZE 160u
#define BENCH_CASES_MAX 512u

/* What one iteration went through. `check` is folded into a sink so nothing is optimised
 * away. */
struct bench_result {
    uint64_t rows;
    uint64_t bytes;
    uint64_t check;
};

typedef int (*bench_setup_fn)(void *context, char *error, size_t error_size);
typedef struct bench_result (*bench_run_fn)(void *context, uint32_t thread_index,
                                            uint32_t thread_count);
typedef void (*bench_teardown_fn)(void *context);

struct bench_case {
    char name[BENCH_NAME_SIZE];
    char label[BENCH_LABEL_SIZE]; /* printed beside the numbers: seed, density, ... */
    uint32_t thread_count;        /* 1, or run on that many threads (real time) */
    int uses_real_time;           /* time by the wall clock (the case starts threads itself) */
    bench_setup_fn setup;         /* may be NULL */
    bench_run_fn run;
    bench_teardown_fn teardown;   /* frees what setup made; may be NULL */
    void *context;                /* owned by the registry */
    int is_set_up;
};

/* Builds every case (once). Returns the number of cases. */
uint32_t bench_registry_build(void);
struct bench_case *bench_registry_case(uint32_t index);
/* Runs the case's setup if it has not run yet, tearing down the previously set-up case.
 * Returns 0, or -1 with a message in `error`. Not thread-safe: call from thread 0 only. */
int bench_case_prepare(struct bench_case *bench_case, char *error, size_t error_size);
/* Adds a case; returns NULL when the registry is full. */
struct bench_case *bench_registry_add(const char *name, bench_setup_fn setup, bench_run_fn run,
                                      bench_teardown_fn teardown, void *context);

/* ---- Context for the output ----------------------------------------------------------- */

uint64_t bench_seed(void);
/* The git commit of the source tree ("<sha>" or "<sha>-dirty"), read at run time, falling
 * back to the commit seen at configure time. Static storage. */
const char *bench_commit(void);
/* The SIMD levels this CPU supports, best first ("avx512,avx2,scalar"), or "none" when
 * the engine has no SIMD kernels yet. Static storage. */
const char *bench_simd_levels(void);
/* The source directory (for out/bench). */
const char *bench_source_dir(void);

/* ---- Helpers for the case files ------------------------------------------------------- */

/* xoshiro256** seeded from (seed, stream) through splitmix64. */
struct bench_rng {
    uint64_t state[4];
};
void bench_rng_init(struct bench_rng *rng, uint64_t seed, uint64_t stream);
uint64_t bench_rng_next(struct bench_rng *rng);
/* Uniform in [0, 1). */
double bench_rng_unit(struct bench_rng *rng);

/* 64-byte aligned, through mem_alloc_aligned; NULL when out of memory. */
void *bench_alloc(size_t size);
void bench_free(void *pointer);

/* The part [begin, end) of `count` items that thread `thread_index` of `thread_count` takes,
 * rounded to multiples of `granule`. */
void bench_slice(uint64_t count, uint64_t granule, uint32_t thread_index, uint32_t thread_count,
                 uint64_t *begin_out, uint64_t *end_out);

/* Each case file registers its cases. */
void bench_kernels_register(void);
void bench_memory_register(void);
void bench_bitmaps_register(void);
void bench_decode_register(void);
void bench_segments_register(void);
void bench_text_register(void);
void bench_profiles_register(void);
void bench_results_register(void);
void bench_events_register(void);

/* The generated end-to-end database of bench_segments.c (built on first use, now() fixed at
 * 2026-11-01, kept open until exit), or NULL with a message in `error`. */
struct pdb_db;
struct pdb_db *bench_shared_database(char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
