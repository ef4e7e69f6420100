/*
 * Reading event records (CSV with a header line) into an event store builder, for
 * pdb_db_ingest_events (README.md, "Ingesting events").
 *
 * The header names the columns: the key (named like the schema's primary attribute), the
 * time (`at` or `timestamp`), and properties of the event type (any subset, any order;
 * a property without a column is NULL). Each record is one event; a record that does not
 * fit (malformed CSV, a missing or unknown key, a bad time or property value) becomes a
 * reject line "file,line,column,attribute,reason,record" in the reject list, like the
 * profile loader's. The header itself is checked strictly: an error, not a reject.
 */
#ifndef PDB_INGEST_EVENT_LOAD_H
#define PDB_INGEST_EVENT_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/event_types.h"
#include "events/event_store.h"
#include "ingest/csv_reader.h"
#include "ingest/loader_internal.h"

/* The row of the profile whose key is key[0..size) (trimmed field text), or UINT32_MAX with
 * *reason_out set to a static reason ("no profile has this key", ...). */
typedef uint32_t (*event_key_find_fn)(void *context, const char *key, size_t size,
                                      const char **reason_out);

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
    event_key_find_fn find;
    void *find_context;
    bool ignore_unknown_columns;
};

/* Reads every record of `reader` into `builder` (type load->type_index); rejects are added to
 * `rejects`. Errors (nothing is meant to be kept then): PDB_ERR_DATA for a bad header
 * (with file:line:column), PDB_ERR_IO, PDB_ERR_NO_MEMORY. */
enum pdb_status event_load_csv(struct csv_reader *reader, const struct event_load *load,
                               struct event_store_builder *builder,
                               struct loader_reject_list *rejects,
                               struct event_load_counts *counts, struct pdb_error *error);

#endif
