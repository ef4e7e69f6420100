/*
 * The retail profile generator behind `profiledb gen`: realistic, skewed, deterministic
 * customer profiles as CSV (datasets/README.md describes every column).
 *
 * Determinism: the output is a pure function of (profile_count, seed, now_s). Each row draws
 * from its own PRNG stream derived from (seed, row index), so the bytes do not depend on
 * thread_count, and the first N rows of a larger run equal a run of N rows.
 *
 * Events (unless disabled): purchases, add-to-cart and page views of each profile over the
 * two years before now, one CSV per event type in the format of `profiledb ingest --events`.
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

/* Events per profile on average (page views, carts and purchases together). */
#define RETAIL_GEN_DEFAULT_EVENTS_PER_PROFILE 20u
/* Event types written (purchase, add_to_cart, page_view; each to DIR/<type>.csv). */
#define RETAIL_GEN_EVENT_TYPES 3u
/* The largest accepted events_per_profile. */
#define RETAIL_GEN_EVENTS_PER_PROFILE_MAX 1000u

/* What a run wrote. Output 0 is the profiles, output 1 + t event type t. */
struct retail_gen_totals {
    uint64_t profile_count;
    uint64_t events_written;
    uint64_t event_counts[RETAIL_GEN_EVENT_TYPES];
    uint64_t bytes_written; /* all outputs */
    uint64_t bytes[1 + RETAIL_GEN_EVENT_TYPES];
    int failed_output; /* the output whose write failed, or -1 */
};

/* Called on the calling thread after each written block and once at the end with the
 * totals (rows_written == profile_count). */
typedef void (*retail_gen_progress_fn)(uint64_t rows_written, uint64_t bytes_written,
                                       void *context);

struct retail_gen_options {
    uint64_t profile_count;
    uint64_t seed;
    int64_t now_s;         /* reference "now" for every timestamp; 0 = RETAIL_GEN_DEFAULT_NOW */
    unsigned thread_count; /* 0 = number of cores; the OUTPUT does not depend on it */
    /* Average events per profile, 0 = no events, at most RETAIL_GEN_EVENTS_PER_PROFILE_MAX. */
    uint64_t events_per_profile;
    struct retail_gen_totals *totals; /* optional: filled by retail_gen_write */
    retail_gen_progress_fn on_progress; /* optional */
    void *progress_context;             /* passed to on_progress */
};

/* Fills options with the defaults above (no progress callback). */
void retail_gen_options_init(struct retail_gen_options *options);

/* Writes <out_dir>/profiles.csv, <out_dir>/retail.schema and, unless events_per_profile is
 * 0, <out_dir>/<type>.csv per event type (purchase, add_to_cart, page_view; removed when
 * events_per_profile is 0), creating out_dir (and its parents) if needed. PDB_ERR_IO names
 * the path and the reason (and the written files are removed); PDB_ERR_USAGE for a now_s or
 * events_per_profile out of range; PDB_ERR_LIMIT for a path longer than PDB_PATH_SIZE_MAX. */
enum pdb_status retail_gen_write(const char *out_dir, const struct retail_gen_options *options,
                                 struct pdb_error *error);

/* Streams the CSV (header + profile_count rows) to `out` (borrowed; flushed, not closed). */
enum pdb_status retail_gen_write_csv(FILE *out, const struct retail_gen_options *options,
                                     struct pdb_error *error);

/* Profiles to profiles_out and, when event_outs is not NULL and events_per_profile > 0, the
 * events of type t to event_outs[t] (all borrowed; flushed, not closed). *totals is filled
 * (failed_output names the stream of a failed write). */
enum pdb_status retail_gen_write_streams(FILE *profiles_out, FILE *const *event_outs,
                                         const struct retail_gen_options *options,
                                         struct retail_gen_totals *totals,
                                         struct pdb_error *error);

/* The event type of output 1 + type_index ("purchase", ...) and its CSV header line (without
 * the line feed). Static storage. */
const char *retail_gen_event_type_name(unsigned type_index);
const char *retail_gen_event_csv_header(unsigned type_index);

/* The schema file contents (identical to datasets/retail.schema). Static storage. */
const char *retail_gen_schema_text(void);

/* The CSV header line, without the line feed. Static storage. */
const char *retail_gen_csv_header(void);

#endif
