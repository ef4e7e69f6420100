/*
 * Reading event records (CSV with a header line, or NDJSON) into an event store builder, for
 * pdb_db_ingest_events (README.md, "Ingesting events").
 *
 * CSV: the header names the columns: the key (named like the schema's primary attribute),
 * the time (`at` or `timestamp`), and properties of the event type (any subset, any order;
 * a property without a column is NULL). The header itself is checked strictly: an error, not
 * a reject. NDJSON (a lines-mode reader): each line is one JSON object whose members are
 * named the same way (case-insensitive); a property the object does not name, or names with
 * null, is NULL; JSON values fit properties as they fit profile attributes (README.md,
 * "NDJSON input"). Each record is one event; a record that does not fit (malformed CSV or
 * JSON, a missing key or one the caller refuses, a bad time or property value; in NDJSON
 * also an unknown or repeated member) becomes a reject line
 * "file,line,column,attribute,reason,record" in the reject list, like the profile loader's.
 * Checks run key, time, then properties, so a record is rejected for the first of those.
 *
 * A key no live profile has: the caller's find says so (EVENT_LOAD_NEW_PROFILE), and once
 * the whole record is accepted its create gives the row of the profile made for the key.
 */
#ifndef PDB_INGEST_EVENT_LOAD_H
#define PDB_INGEST_EVENT_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/event_types.h"
#include "events/event_store.h"
#include "ingest/csv_reader.h"
#include "ingest/loader_internal.h"

#define EVENT_LOAD_NEW_PROFILE (UINT32_MAX - 1u)
/* The reason find gives when it ran out of memory: an error, not a reject. */
#define EVENT_LOAD_NO_MEMORY "out of memory resolving the key"

/* The row of the live profile whose key is key[0..size) (trimmed text), EVENT_LOAD_NEW_PROFILE
 * when no live profile has it, or UINT32_MAX with *reason_out set (borrowed until the next
 * call) when it cannot be a key ("the key is not an integer", a rule it breaks, ...) or to
 * EVENT_LOAD_NO_MEMORY (the load then fails with PDB_ERR_NO_MEMORY). */
typedef uint32_t (*event_key_find_fn)(void *context, const char *key, size_t size,
                                      const char **reason_out);
/* The record whose key the last find answered EVENT_LOAD_NEW_PROFILE is accepted: *row_out is
 * the row of the profile created for that key (the same row for every event of the key).
 * Errors: PDB_ERR_NO_MEMORY, PDB_ERR_LIMIT. */
typedef enum pdb_status (*event_key_create_fn)(void *context, uint32_t *row_out,
                                               struct pdb_error *error);

struct event_load_counts {
    uint64_t records_read;
    uint64_t events_loaded;
    uint64_t events_rejected;
    uint64_t bytes_read;
};

struct event_load {
    const struct event_type *type;
    uint32_t type_index;
    const char *key_name; /* the primary attribute's name */
    enum pdb_type key_type; /* its type: TEXT (NDJSON: a string) or INT (a number or a string) */
    event_key_find_fn find;
    event_key_create_fn create;
    void *find_context; /* of find and create */
    bool ignore_unknown_columns;
};

/* Reads every record of `reader` into `builder` (type load->type_index); rejects are added to
 * `rejects`. Errors (nothing is meant to be kept then): PDB_ERR_DATA for a bad header
 * (with file:line:column), PDB_ERR_IO, PDB_ERR_NO_MEMORY, the create function's. */
enum pdb_status event_load_csv(struct csv_reader *reader, const struct event_load *load,
                               struct event_store_builder *builder,
                               struct loader_reject_list *rejects,
                               struct event_load_counts *counts, struct pdb_error *error);
/* The same for NDJSON: `reader` must be in lines mode (csv_reader_set_lines_mode). */
enum pdb_status event_load_ndjson(struct csv_reader *reader, const struct event_load *load,
                                  struct event_store_builder *builder,
                                  struct loader_reject_list *rejects,
                                  struct event_load_counts *counts, struct pdb_error *error);

#endif
