/*
 * Segments: the module API of the segment language (docs/SEGMENTS.md is the user's manual).
 *
 * A segment is compiled once (lexer -> parser -> AST -> binder with constant folding, all in
 * one arena owned by the segment), prepared against a table (columns loaded, dictionary match
 * tables built), then evaluated chunk by chunk into 1024-word bitsets, possibly from several
 * threads, each with its own segment_scratch. Results: bit r of a chunk's bitset is set iff
 * row (chunk_index * PDB_CHUNK_ROWS + r) satisfies the segment (evaluates to TRUE under SQL
 * three-valued logic).
 *
 * segment_count_parallel and segment_ids_parallel spread the chunks of one query over a
 * thread pool (base/thread_pool.h); their results equal the one-thread loops for any pool.
 *
 * Ownership: a segment is owned by the caller (segment_destroy); it borrows the schema given
 * to segment_compile only while compiling, and the table given to segment_prepare until it is
 * prepared again or destroyed. Errors are "segment:<line>:<column>: <reason>".
 */
#ifndef PDB_QUERY_SEGMENT_H
#define PDB_QUERY_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/table.h"
#include "profiledb/profiledb.h"

/* A parsed, type-checked segment: immutable after compile (apart from segment_prepare's
 * lookup state) and shareable across threads for evaluation. */
struct segment;

/* Parses and binds text[0..size) against schema; now_s is the value of now(). On success
 * *segment_out is owned (segment_destroy). Errors: PDB_ERR_SEGMENT (syntax, unknown attribute
 * with did-you-mean, type mismatch, literal out of range), PDB_ERR_LIMIT (text size, nesting
 * depth, node count, IN list length), PDB_ERR_NO_MEMORY. */
enum pdb_status segment_compile(const char *text, size_t size, const struct schema *schema,
                                int64_t now_s, struct segment **segment_out,
                                struct pdb_error *error);
void segment_destroy(struct segment *segment); /* NULL is accepted */

/* Saved segments, for segment('name') inside a segment: the db layer's named texts. */
struct segment_library {
    /* The text of the saved segment called name[0..size) (borrowed until the compile returns)
     * with its size in *text_size_out, or NULL when there is none. */
    const char *(*lookup)(void *context, const char *name, size_t size, size_t *text_size_out);
    /* The saved name closest to name[0..size), for "did you mean"; NULL when none is close.
     * May be NULL. */
    const char *(*suggest)(void *context, const char *name, size_t size);
    void *context;
};

/* segment_compile with segment('name') resolved through `library` (NULL: no saved segments):
 * each reference is replaced by its saved text, parsed and bound in place, so the result is
 * the segment with every reference written out. Further errors (PDB_ERR_SEGMENT): an unknown
 * name (with did-you-mean), a cycle, an error inside a saved text (prefixed with the
 * reference's position and name); PDB_ERR_LIMIT beyond PDB_SAVED_SEGMENT_DEPTH_MAX levels. */
enum pdb_status segment_compile_library(const char *text, size_t size, const struct schema *schema,
                                        const struct segment_library *library, int64_t now_s,
                                        struct segment **segment_out, struct pdb_error *error);

/* Event aggregates read `store` (borrowed until the segment is destroyed or given another
 * store; NULL, the default: every profile's history is empty). Call before segment_prepare;
 * the rows of the store are the table's rows. */
struct event_store;
void segment_set_events(struct segment *segment, const struct event_store *store);
/* Whether the compiled segment has an event aggregate left (after folding). */
bool segment_has_events(const struct segment *segment);

/* Loads (via table_column) every column the segment references and builds the per-query
 * lookup state (dictionary match tables, case-folding buffer sizes). Must be called before
 * segment_scratch_create and evaluation, and again whenever the table changed (a new
 * snapshot, appended rows); calling it again is harmless: it rebuilds the state from the
 * table it is given. Evaluation must use that same table, which stays borrowed until the
 * next prepare or segment_destroy. Scratches created before a prepare must be re-created. Errors:
 * whatever the table's loader reports, PDB_ERR_USAGE when the table's columns do not have the types
 * the segment was compiled for, PDB_ERR_NO_MEMORY. */
enum pdb_status segment_prepare(struct segment *segment, struct table *table,
                                struct pdb_error *error);

/* Per-thread working memory for segment_eval_chunk: two bitsets per level of the bound tree
 * and, when the segment has case-insensitive tests on text, a folding buffer sized by the
 * longest value seen by segment_prepare. Create it after segment_prepare. NULL on OOM. */
struct segment_scratch;
struct segment_scratch *segment_scratch_create(const struct segment *segment);
void segment_scratch_destroy(struct segment_scratch *scratch); /* NULL is accepted */

/* Evaluates chunk `chunk_index` (< table->chunk_count) of the prepared table: writes
 * PDB_CHUNK_WORDS words, bit r set iff row chunk_index * 65536 + r is TRUE; bits at or
 * beyond the chunk's row count are 0. Never allocates; thread-safe for distinct scratch. */
void segment_eval_chunk(const struct segment *segment, const struct table *table,
                        uint32_t chunk_index, struct segment_scratch *scratch,
                        uint64_t *result_words);

/* Prepares, then counts the matching rows over all chunks (popcount; no id list built), on
 * the calling thread. */
enum pdb_status segment_count(struct segment *segment, struct table *table, uint64_t *count_out,
                              struct pdb_error *error);

/* Prepares, then calls on_id for matching rows in ascending order, at most `limit` of them
 * (0 = all); stops early when on_id returns false. On the calling thread. */
enum pdb_status segment_ids(struct segment *segment, struct table *table, uint64_t limit,
                            pdb_id_fn on_id, void *context, struct pdb_error *error);

/* ---- Whole-table results over several threads ----------------------------------------
 * The same results as segment_count and segment_ids, for any pool size: chunks are
 * evaluated by the pool's threads, each with its own scratch. */

struct thread_pool;

/* segment_ids_parallel evaluates up to this many chunks per thread before delivering their
 * ids: enough to keep every thread busy between deliveries, and it bounds the memory of a
 * listing to 4 * threads * 8 KiB (8 MiB at PDB_THREADS_MAX). */
#define SEGMENT_IDS_BATCH_PER_THREAD 4u

/* How a whole-table loop runs (the caller's memory, read during the call only). */
struct segment_exec {
    struct thread_pool *pool; /* borrowed; NULL (or a pool of 1): the calling thread alone */
    /* The caller has just called segment_prepare(segment, table) (to time the column
     * loading apart, say): the loop does not prepare again. */
    bool is_prepared;
};

/* segment_count over the pool: every thread evaluates whole chunks into its own bitset and
 * sums popcounts into its own cache-line; the totals are added at the end. Allocates one
 * scratch per thread used. Errors: those of segment_prepare, PDB_ERR_NO_MEMORY. */
enum pdb_status segment_count_parallel(struct segment *segment, struct table *table,
                                       const struct segment_exec *exec, uint64_t *count_out,
                                       struct pdb_error *error);

/* segment_ids over the pool: chunks are evaluated in batches into one 8 KiB bitset each,
 * then on_id is called on the calling thread only, in ascending id order; no further batch
 * starts once `limit` ids were delivered or on_id returned false. The first batch holds one
 * chunk per thread, the next ones twice as many as the one before, up to
 * SEGMENT_IDS_BATCH_PER_THREAD per thread (one thread: one chunk at a time, as segment_ids).
 * Errors: as segment_count_parallel. */
enum pdb_status segment_ids_parallel(struct segment *segment, struct table *table,
                                     const struct segment_exec *exec, uint64_t limit,
                                     pdb_id_fn on_id, void *context, struct pdb_error *error);

/* ---- Breakdown and overlap (segment_breakdown.c, segment_overlap.c) --------------------
 * Whole-table loops like segment_count_parallel: each chunk is evaluated into a bitset once,
 * then counted under it; one task per chunk, per-thread totals added at the end. */

/* Counts of a breakdown: for a category or tags attribute counts[code] for every dictionary
 * code; for a bool attribute counts[0] (false) and counts[1] (true). */
struct segment_breakdown_counts {
    uint64_t segment_count; /* rows in the segment */
    uint64_t null_count;    /* of them, rows whose attribute is NULL */
    uint32_t value_count;   /* entries of counts */
    uint64_t *counts;       /* owned: mem_free */
};

/* Prepares the segment (unless exec->is_prepared) and loads attribute `attribute_index` (a
 * category, bool or tags column), then counts the segment's rows by value (tags: each tag of
 * a row; an empty set counts nowhere). Allocates one scratch and one counts array per thread.
 * Errors: those of segment_prepare and the loader, PDB_ERR_USAGE (another type),
 * PDB_ERR_LIMIT (more than PDB_BREAKDOWN_VALUES_MAX dictionary entries), PDB_ERR_NO_MEMORY. */
enum pdb_status segment_breakdown_parallel(struct segment *segment, struct table *table,
                                           uint32_t attribute_index,
                                           const struct segment_exec *exec,
                                           struct segment_breakdown_counts *counts_out,
                                           struct pdb_error *error);

/* Prepares every segment (1..PDB_OVERLAP_SEGMENTS_MAX of them) against `table`, then writes
 * matrix[i * count + j] = rows in both segments[i] and segments[j] (the diagonal: each
 * count), from one pass over the chunks: every segment's bitset of a chunk once, then
 * and-counts of the pairs. exec->is_prepared is ignored (each is prepared here). Errors: those
 * of segment_prepare, PDB_ERR_NO_MEMORY. */
enum pdb_status segment_overlap_parallel(struct segment *const *segments, uint32_t count,
                                         struct table *table, const struct segment_exec *exec,
                                         uint64_t *matrix, struct pdb_error *error);

/* Appends the bound, folded tree as indented text, one node per line (attribute, operator,
 * literal), e.g. "AND\n  country IN ('CA', 'US')\n  age BETWEEN 25 AND 40\n".
 * PDB_ERR_NO_MEMORY when the buffer cannot grow. */
enum pdb_status segment_explain(const struct segment *segment, struct buffer *out);

/* ---- Explain with measurements (profiledb explain) ------------------------------------ */

/* What one node of the plan did, summed over the chunks of one counted evaluation. */
struct segment_node_profile {
    uint64_t rows_true;      /* rows TRUE at the node, over the chunks where it ran */
    uint32_t chunks_run;     /* chunks where the node was evaluated */
    uint32_t chunks_decided; /* leaves: of those, decided without reading values (zone map,
                                every row NULL, nothing or everything in the dictionary) */
    uint32_t chunks_skipped; /* chunks where the parent AND/OR stopped before this node */
    uint64_t time_ns;        /* CLOCK_MONOTONIC time in the node, its children included */
};

struct segment_profile {
    uint32_t node_count;
    struct segment_node_profile *nodes; /* [node_count] by node_index, owned (deinit) */
    uint64_t row_count;     /* rows of the table */
    uint32_t chunk_count;
    uint64_t deleted_count; /* tombstoned rows removed from the result */
    uint64_t count;         /* the segment's count (deleted rows excluded) */
    double evaluate_s;
};

/* Prepares, evaluates every chunk once unmeasured (warm-up), then counts on the calling
 * thread with every node measured (a clock read before and after each node of each chunk:
 * slower than segment_count, which reads none).
 * On success *profile_out is owned (segment_profile_deinit). Errors: those of
 * segment_prepare, PDB_ERR_NO_MEMORY. */
enum pdb_status segment_profile_count(struct segment *segment, struct table *table,
                                      struct segment_profile *profile_out,
                                      struct pdb_error *error);
void segment_profile_deinit(struct segment_profile *profile);

enum segment_explain_format { SEGMENT_EXPLAIN_TEXT, SEGMENT_EXPLAIN_JSON };

/* Appends the prepared plan: per node its text (as segment_explain), access path, estimated
 * rows and, with a profile, the actual rows, chunks run/decided/skipped and time. TEXT is one
 * indented line per node; JSON one object {"count":..,"plan":{node}} with "children" arrays.
 * PDB_ERR_NO_MEMORY when the buffer cannot grow. */
enum pdb_status segment_explain_plan(const struct segment *segment,
                                     const struct segment_profile *profile,
                                     enum segment_explain_format format, struct buffer *out);

/* ---- Computed attributes (computed.c) ------------------------------------------------
 * A computed attribute (catalog/computed.h) is an event aggregate with a name: a segment
 * that names it binds its definition in its place, so it is as current as the events and
 * the clock. */

/* Parses and binds every computed attribute's definition against the schema (it must be one
 * event aggregate: `count(purchase, 30d)`, not a comparison) and sets its type: count and
 * distinct int, exists bool, first and last timestamp, sum/min/max the property's type.
 * Errors (PDB_ERR_SCHEMA): "<source>:<line>:<column>: computed attribute 'x': <reason>", the
 * column within the schema line. Call after schema_parse, before using the schema. */
enum pdb_status segment_computed_check(struct schema *schema, const char *source,
                                       struct pdb_error *error);

/* Every computed attribute of a schema bound once at one now(): what a GET evaluates for a
 * row without parsing or binding again. Owned (segment_computed_values_destroy); borrows the
 * schema until destroyed. Errors: those of binding a definition, PDB_ERR_NO_MEMORY. */
struct computed_values;
enum pdb_status segment_computed_values_create(const struct schema *schema, int64_t now_s,
                                               struct computed_values **values_out,
                                               struct pdb_error *error);
void segment_computed_values_destroy(struct computed_values *values); /* NULL is accepted */
int64_t segment_computed_values_now(const struct computed_values *values);
/* values_out[c] for every computed attribute c of the schema, for profile `row_id` of `store`
 * (borrowed; NULL: no events). PDB_ERR_NO_MEMORY (a filter's case folding, distinct). */
enum pdb_status segment_computed_values_row(const struct computed_values *values,
                                            const struct event_store *store, uint32_t row_id,
                                            struct pdb_value *values_out, struct pdb_error *error);

/* The value of computed attribute `computed_index` for profile `row_id` at now() = now_s,
 * from `store` (borrowed; NULL: no events): *value_out (type, is_null, bool/int/float value;
 * no pointers). count/distinct/sum/exists are never NULL; min/max/first/last of no event are.
 * Errors: those of binding the definition, PDB_ERR_NO_MEMORY. */
struct event_store;
enum pdb_status segment_computed_value(const struct schema *schema, uint32_t computed_index,
                                       const struct event_store *store, int64_t now_s,
                                       uint32_t row_id, struct pdb_value *value_out,
                                       struct pdb_error *error);

/* ---- Introspection (the db layer and tests) ------------------------------------------- */

/* Distinct attributes the folded segment reads, in ascending index order. */
uint32_t segment_attribute_count(const struct segment *segment);
uint32_t segment_attribute_index(const struct segment *segment, uint32_t position);

/* Checks the invariants of the bound tree (junction arity, leaf ranges and sorted unique
 * lists, buffer levels); returns 0 when they hold. For tests and debug builds. */
int segment_validate(const struct segment *segment);

#endif
