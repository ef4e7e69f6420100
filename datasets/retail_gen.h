/*
 * The retail profile generator behind `profiledb gen`: realistic, skewed, deterministic
 * customer profiles as CSV (datasets/README.md describes every column).
 *
 * Determinism: the output is a pure function of (profile_count, seed, now_s). Each row draws
 * from its own PRNG stream derived from (seed, row index), so the bytes do not depend on
 * thread_count, and the first N rows of a larger run equal a run of N rows.
 *
 * Throughput: worker threads fill fixed-size blocks of rows in memory, the calling thread
 * writes them in order; memory stays bounded (a few blocks per thread) whatever the count.
 */
#ifndef PDB_DATASETS_RETAIL_GEN_H
#define PDB_DATASETS_RETAIL_GEN_H

#include <stdint.h>
#include <stdio.h>

#include "profiledb/profiledb.h"

/* 2026-11-01T00:00:00Z: the default "now" every timestamp and age is relative to. */
#define RETAIL_GEN_DEFAULT_NOW 1793491200LL
#define RETAIL_GEN_DEFAULT_PROFILES 1000000ull
#define RETAIL_GEN_DEFAULT_SEED 42ull
/* Rows per block: the unit of work of one thread and of one write. */
#define RETAIL_GEN_BLOCK_ROWS 2048u
/* Upper bound on worker threads (thread_count is clamped to it). */
#define RETAIL_GEN_THREADS_MAX 64u
/* Accepted range of now_s: years 1990..9000, so birth years and sign-ups stay in 0001..9999. */
#define RETAIL_GEN_NOW_MIN 631152000LL    /* 1990-01-01T00:00:00Z */
#define RETAIL_GEN_NOW_MAX 221845392000LL /* 9000-01-01T00:00:00Z */

/* Called on the calling thread after each written block and once at the end with the
 * totals (rows_written == profile_count). */
typedef void (*retail_gen_progress_fn)(uint64_t rows_written, uint64_t bytes_written,
                                       void *context);

struct retail_gen_options {
    uint64_t profile_count;
    uint64_t seed;
    int64_t now_s;         /* reference "now" for every timestamp; 0 = RETAIL_GEN_DEFAULT_NOW */
    unsigned thread_count; /* 0 = number of cores; the OUTPUT does not depend on it */
    retail_gen_progress_fn on_progress; /* optional */
    void *progress_context;             /* passed to on_progress */
};

/* Fills options with the defaults above (no progress callback). */
void retail_gen_options_init(struct retail_gen_options *options);

/* Writes <out_dir>/profiles.csv and <out_dir>/retail.schema, creating out_dir (and its
 * parents) if needed. PDB_ERR_IO names the path and the reason; PDB_ERR_USAGE for a now_s
 * out of range; PDB_ERR_LIMIT for a path longer than PDB_PATH_SIZE_MAX. */
enum pdb_status retail_gen_write(const char *out_dir, const struct retail_gen_options *options,
                                 struct pdb_error *error);

/* Streams the CSV (header + profile_count rows) to `out` (borrowed; flushed, not closed). */
enum pdb_status retail_gen_write_csv(FILE *out, const struct retail_gen_options *options,
                                     struct pdb_error *error);

/* The schema file contents (identical to datasets/retail.schema). Static storage. */
const char *retail_gen_schema_text(void);

/* The CSV header line, without the line feed. Static storage. */
const char *retail_gen_csv_header(void);

#endif
