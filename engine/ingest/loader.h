/*
 * The CSV loader: records from csv_reader -> typed values -> rows appended to columns.
 *
 * The first record is the header; each header name maps to an attribute (case-insensitive);
 * attributes absent from the header load as NULL. Every later record is parsed completely
 * into a staging row before anything is appended, so a bad record is rejected whole — it is
 * written to the reject file with its file, line, column, attribute and reason — and the
 * columns only ever receive complete rows. When the columns' current chunk reaches
 * PDB_CHUNK_ROWS rows the sink is called to persist it, and the chunk is dropped from memory:
 * memory stays bounded by one chunk whatever the file size.
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

/* Persists the columns' single chunk (chunk position 0, PDB_CHUNK_ROWS rows or, at the end,
 * fewer). Called with all columns holding exactly one chunk of equal row count. */
typedef enum pdb_status (*loader_chunk_fn)(void *context, struct column *const *columns,
                                           struct pdb_error *error);

struct loader_options {
    const char *rejects_path;         /* created on the first rejected row */
    bool ignore_unknown_columns;      /* else an unknown header name is an error */
    pdb_progress_fn progress;         /* optional, about ten times a second */
    void *progress_context;
    loader_chunk_fn chunk_full;       /* required */
    void *chunk_context;
};

struct loader_counts {
    uint64_t rows_read;
    uint64_t rows_loaded;
    uint64_t rows_rejected;
    uint64_t bytes_read;
};

/* Loads every record of `reader` into `columns` (one per schema attribute, each holding
 * zero chunks or one partial chunk, with equal row counts). Full chunks go to
 * options->chunk_full; the last partial chunk stays in the columns for the caller.
 * Errors: a malformed header, an unknown/duplicate column, I/O on the input or the reject
 * file, out of memory, or a sink error. */
enum pdb_status loader_load_csv(struct csv_reader *reader, const struct schema *schema,
                                struct column *const *columns,
                                const struct loader_options *options,
                                struct loader_counts *counts, struct pdb_error *error);

#endif
