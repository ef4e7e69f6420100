/*
 * Event types: the `event` declarations of a schema file and their properties.
 *
 * Syntax (README.md, "Schema files"), read line by line beside the attribute lines:
 *     event <name> [retention <duration>]
 *         <property> <type>
 *         ...
 * An `event` line opens a declaration; the indented lines after it (blank and comment lines
 * may come between) are its properties; the first line that is not indented closes it.
 * Names follow the attribute rules (letters, digits, '_', not starting with a digit, at most
 * 64 bytes, not a reserved word, stored lower-case); event names are unique among events,
 * property names within their event. Property types: bool int float timestamp category text
 * (no tags). Durations: a positive integer and a unit s m h d w (`730d`).
 * Errors are "<source>:<line>:<column>: <reason>", like every schema error.
 * Properties are `struct attribute`s (flags 0), so the segment binder checks them with the
 * same rules as attributes.
 */
#ifndef PDB_CATALOG_EVENT_TYPES_H
#define PDB_CATALOG_EVENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "profiledb/profiledb.h"

struct attribute;

struct event_type {
    char name[65];
    int64_t retention_s;           /* 0: keep every event */
    uint32_t property_count;
    struct attribute *properties;  /* owned */
};

struct event_catalog {
    uint32_t type_count;
    struct event_type *types; /* owned */
    bool is_open;             /* parsing: the last declaration still takes property lines */
};

/* Offers one schema line (without its line end) to the event declarations. *claimed_out is
 * set when the line is an `event` line or a property line of the open declaration; the
 * caller parses it as an attribute otherwise. Errors: PDB_ERR_SCHEMA, PDB_ERR_LIMIT,
 * PDB_ERR_NO_MEMORY. */
enum pdb_status event_catalog_parse_line(struct event_catalog *catalog, const char *line,
                                         size_t size, const char *source, unsigned line_number,
                                         bool *claimed_out, struct pdb_error *error);
void event_catalog_deinit(struct event_catalog *catalog);

/* Appends the canonical declarations (parseable again). Returns 0 or -1 (memory). */
int event_catalog_render(const struct event_catalog *catalog, struct buffer *out);

/* Index of the event type / property named name[0..size) (case-insensitive), or -1. */
int32_t event_catalog_find(const struct event_catalog *catalog, const char *name, size_t size);
int32_t event_type_find_property(const struct event_type *type, const char *name, size_t size);

/* Closest names for "did you mean"; NULL when none is close. */
const char *event_catalog_suggest(const struct event_catalog *catalog, const char *name,
                                  size_t size);
const char *event_type_suggest_property(const struct event_type *type, const char *name,
                                        size_t size);

/* Seconds of a duration such as "30d" (digits, then one of s m h d w); false when it is not
 * one or does not fit int64. Shared by the schema's retention and the segment language. */
bool event_duration_parse(const char *text, size_t size, int64_t *seconds_out);
/* Writes the duration in its largest exact unit ("2w", "36h", "90s"). */
void event_duration_format(int64_t seconds, char *buffer, size_t size);

#endif
