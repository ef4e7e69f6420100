/*
 * The CSV loader: records from csv_reader -> typed values -> rows appended to columns.
 *
 * CSV: the first record is the header; each header name maps to an attribute
 * (case-insensitive); attributes absent from the header load as NULL. NDJSON: each line is
 * one JSON object whose member names map to attributes the same way; attributes a record
 * does not name load as NULL (json_object.h and loader_stage.c say which JSON values fit
 * which type). Every later record is parsed completely
 * into typed values, and each attribute's rules (catalog/rules.h) applied, before anything is
 * appended, so a bad record is rejected whole — it is
 * written to the reject file with its file, line, column, attribute and reason — and the
 * columns only ever receive complete rows, in file order. When the columns' current chunk
 * reaches PDB_CHUNK_ROWS rows it is detached and handed to the sink, which persists it:
 * memory stays bounded by a few chunks whatever the file size.
 *
 * With a thread pool the work is spread over all its threads (loader_internal.h describes
 * the pipeline): value parsing and chunk writing run in parallel, reading records and
 * appending rows run one at a time each, overlapped with the rest. Results (columns, chunk
 * order and contents, rejects and their order, counts) are identical for every pool size.
 *
 * With a primary identifier (options->upsert), a record must give the key (else it is a reject);
 * a record whose key exists is kept in the upsert log instead of appended (ingest/upsert.h).
 *
 * The loader never commits anything itself: the sink writes chunk files and the caller
 * publishes them (or throws them away on error), which keeps an ingest atomic.
 */
#ifndef PDB_INGEST_LOADER_H
#define PDB_INGEST_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/schema.h"
#include "column/column.h"
#include "ingest/csv_reader.h"

struct thread_pool;
struct upsert_log;

/* What a sink's chunk_write tells its chunk_commit about the chunk it wrote. */
struct loader_chunk_receipt {
    uint64_t size_bytes;
    uint64_t checksum;
};

/* Persists one full chunk: `columns` (one per attribute, each holding exactly one chunk of
 * PDB_CHUNK_ROWS rows) are the loader's, valid during the call only; their dictionaries are
 * empty (codes refer to the loader's columns' dictionaries, which only grow). `ordinal`
 * counts the chunks of this load from 0 in file order. Called on any thread of the pool,
 * concurrently for distinct chunks. */
typedef enum pdb_status (*loader_chunk_write_fn)(void *context, uint32_t ordinal,
                                                 struct column *const *columns,
                                                 struct loader_chunk_receipt *receipt,
                                                 struct pdb_error *error);
/* Records a written chunk: called on the loader's calling thread, in ordinal order, after
 * that chunk's chunk_write succeeded. */
typedef enum pdb_status (*loader_chunk_commit_fn)(void *context, uint32_t ordinal,
                                                  const struct loader_chunk_receipt *receipt,
                                                  struct pdb_error *error);

enum loader_format {
    LOADER_FORMAT_CSV,    /* RFC 4180 with a header row */
    LOADER_FORMAT_NDJSON  /* one JSON object per line; the reader must be in lines mode */
};

struct loader_options {
    enum loader_format format;
    const char *rejects_path;         /* created on the first rejected row; NULL: count only */
    bool ignore_unknown_columns;      /* else an unknown header name is an error */
    /* The CSV header need not name the `required` attributes (the profiles an event ingest
     * creates hold only their key: README.md, "Ingesting events"); values it gives are still
     * checked. */
    bool is_required_exempt;
    pdb_progress_fn progress;         /* optional, about ten times a second, calling thread */
    void *progress_context;
    loader_chunk_write_fn chunk_write;   /* required */
    loader_chunk_commit_fn chunk_commit; /* optional */
    void *chunk_context;
    struct thread_pool *pool; /* borrowed; NULL: everything on the calling thread */
    /* Borrowed; non-NULL when the schema has a primary identifier: rows whose key exists go
     * to it as updates instead of being appended (ingest/upsert.h). */
    struct upsert_log *upsert;
};

struct loader_counts {
    uint64_t rows_read;
    uint64_t rows_loaded;  /* appended to the columns */
    uint64_t rows_updated; /* went to the upsert log (their key existed) */
    uint64_t rows_rejected;
    uint64_t bytes_read;
    /* Per rule slot (attribute index * RULE_KIND_COUNT + enum rule_kind), NULL when the schema
     * declares no rules; owned, release with loader_counts_deinit: */
    uint32_t rule_slot_count;
    uint64_t *rule_rejected; /* records rejected for breaking the rule */
    uint64_t *rule_changed;  /* values of loaded records the normaliser changed */
};

/* Frees the per-rule counts (the struct is the caller's). */
void loader_counts_deinit(struct loader_counts *counts);

/* Loads every record of `reader` (CSV, or NDJSON through a lines-mode reader) into `columns`
 * (one per schema attribute, each holding zero chunks or one partial chunk, with equal row
 * counts). Full chunks go to the sink; the last partial chunk stays in the columns for the
 * caller. *counts is filled from zero (call loader_counts_deinit after, whatever the status).
 * Errors: a malformed header, an unknown/duplicate column, a CSV header without a column for
 * a `required` attribute, I/O on the input or the reject file, out of memory, a limit, or a
 * sink error (the first in file order). A value that breaks a rule rejects its record, like a value that does not
 * parse: the reason names the rule and counts->rule_rejected counts it. */
enum pdb_status loader_load_csv(struct csv_reader *reader, const struct schema *schema,
                                struct column *const *columns,
                                const struct loader_options *options,
                                struct loader_counts *counts, struct pdb_error *error);

#endif
