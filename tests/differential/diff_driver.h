/*
 * The differential loop (diff_driver.c): random segments through the naive evaluator, SQLite
 * and optionally the engine, with counts and id lists compared and mismatches reported.
 */
#ifndef PDB_TESTS_DIFFERENTIAL_DIFF_DRIVER_H
#define PDB_TESTS_DIFFERENTIAL_DIFF_DRIVER_H

#include "diff.h"

/* Answers `segment_text` into *answer (ids owned by the callee, valid until the next call;
 * count as the engine counted). Anything wrong that is not a wrong answer (an error status,
 * a limited id list that is not a prefix) goes into `problem`. */
typedef void (*diff_engine_fn)(void *context, const char *segment_text, struct diff_answer *answer,
                               struct diff_text *problem);

struct diff_run {
    const char *label; /* for reports: the test's name */
    const struct diff_data *data;
    struct diff_sqlite *sqlite;
    uint64_t stream; /* which segment stream (tests use different ones) */
    uint32_t segment_count;
    diff_engine_fn engine; /* NULL: naive vs SQLite only */
    void *engine_context;
    /* Rows deleted from the engine (pdb_segment_delete) and from SQLite's table
     * (diff_sqlite_delete): the naive evaluator drops them from its answers. NULL: none. */
    const bool *deleted;
};

struct diff_run_stats {
    uint32_t segment_count;
    uint32_t empty_count; /* no row matched */
    uint32_t full_count;  /* every row matched */
    uint32_t mismatch_count;
    double naive_s, sqlite_s, engine_s; /* time spent in each evaluator */
};

void diff_run_segments(const struct diff_run *run, struct diff_run_stats *stats);

/* Segment `index` of `stream`: its tree (release with diff_segment_deinit) and the exact text
 * diff_run_segments sends to the engine. */
void diff_segment_prepare(struct diff_segment *segment, const struct diff_data *data,
                          uint64_t stream, uint32_t index, struct diff_text *text);

#endif
