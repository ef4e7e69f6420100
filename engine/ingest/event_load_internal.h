/*
 * What the CSV and NDJSON event readers (event_load.c, event_load_ndjson.c) share: an event
 * record taken apart into its key, its time and its parsed properties, and the one function
 * that checks it in order (key, time, properties), resolves the key and appends the event or
 * rejects the record.
 */
#ifndef PDB_INGEST_EVENT_LOAD_INTERNAL_H
#define PDB_INGEST_EVENT_LOAD_INTERNAL_H

#include "ingest/event_load.h"

/* The key or the time of a record: its text (not trimmed yet) and where it is, or the
 * problem the format already found with it (reason != NULL: no text). */
struct event_piece {
    const char *data;
    size_t size;
    uint64_t line;
    uint32_t column;
    const char *reason;
};

struct event_record {
    struct event_piece key, time;
    /* The first property that did not parse (reason NULL: every one did). */
    const char *property_reason;
    const char *property_name; /* the reject's attribute column ("" for none) */
    uint64_t property_line;
    uint32_t property_column;
    struct event_value *values; /* [load->type->property_count], NULL where absent */
    const char *raw;            /* the record's text, for the reject line */
    size_t raw_size;
};

/* Checks `record` in order, resolves its key (load->find, then load->create for a new one)
 * and appends the event, or adds the reject line for its first problem. Errors: out of
 * memory, the builder's and the create function's. */
enum pdb_status event_load_record(const struct event_load *load, const char *source,
                                  const struct event_record *record,
                                  struct event_store_builder *builder,
                                  struct loader_reject_list *rejects,
                                  struct event_load_counts *counts, struct pdb_error *error);

/* Adds a reject line for a record that cannot be taken apart (malformed CSV or JSON). */
enum pdb_status event_load_reject(struct loader_reject_list *rejects, const char *source,
                                  const char *raw, size_t raw_size, uint64_t line,
                                  uint32_t column, const char *attribute, const char *reason,
                                  struct event_load_counts *counts, struct pdb_error *error);

/* Parses field (CSV text, or a JSON string or number as if quoted) into value for property
 * type `type`; NULL or a static reason. An empty unquoted field is NULL. */
const char *event_load_parse_value(const struct csv_field *field, enum pdb_type type,
                                   struct event_value *value);

#endif
