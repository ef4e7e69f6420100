/*
 * Computed attributes: the `<name> = <aggregate>` lines of a schema file.
 *
 * Syntax (README.md, "Computed attributes"), one per line, outside an event declaration:
 *     orders_30d = count(purchase, 30d)
 *     spend_90d  = sum(purchase.amount, 90d, channel = 'web')   # comments as elsewhere
 * The name follows the attribute rules (letters, digits, '_', not starting with a digit, at
 * most 64 bytes, not a reserved word, stored lower-case) and is unique among attributes and
 * computed attributes. The definition is the rest of the line up to a '#' outside a quoted
 * string, kept as written (trimmed): it is segment-language text, and only the segment parser
 * reads it. This file checks the line's shape and the names; query/computed.c parses and binds
 * every definition against the whole schema (event types, properties, "one aggregate") and
 * sets its type, because the catalog sits below the segment language. A computed attribute
 * is stored nowhere: segments bind it to its aggregate, GET computes it.
 * Errors are "<source>:<line>:<column>: <reason>", like every schema error.
 */
#ifndef PDB_CATALOG_COMPUTED_H
#define PDB_CATALOG_COMPUTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "profiledb/profiledb.h"

struct computed_attribute {
    char name[PDB_ATTRIBUTE_NAME_SIZE_MAX + 1];
    char *definition;          /* owned, NUL-terminated: the aggregate as written */
    uint32_t definition_size;
    unsigned line;             /* where the definition starts in the schema source (1-based) */
    uint32_t column;
    enum pdb_type type;        /* set by query/computed.c (segment_computed_check) */
    bool is_checked;           /* type is valid */
};

struct computed_catalog {
    uint32_t count;
    struct computed_attribute *attributes; /* owned */
};

/* Whether line[0..size) is a computed line: a name, optional blanks, then '='. */
bool computed_is_line(const char *line, size_t size);

/* Parses one computed line (computed_is_line holds). Errors: PDB_ERR_SCHEMA (bad or reserved
 * name, duplicate computed name, empty definition), PDB_ERR_LIMIT (more than
 * PDB_COMPUTED_ATTRIBUTES_MAX, a definition over PDB_COMPUTED_DEFINITION_SIZE_MAX bytes),
 * PDB_ERR_NO_MEMORY. A clash with a stored attribute is checked
 * by schema.c, which knows both lists. */
enum pdb_status computed_catalog_parse_line(struct computed_catalog *catalog, const char *line,
                                            size_t size, const char *source,
                                            unsigned line_number, struct pdb_error *error);
void computed_catalog_deinit(struct computed_catalog *catalog);

/* Appends "name = definition" lines (parseable again). Returns 0 or -1 (memory). */
int computed_catalog_render(const struct computed_catalog *catalog, struct buffer *out);

/* Index of the computed attribute named name[0..size) (case-insensitive), or -1. */
int32_t computed_catalog_find(const struct computed_catalog *catalog, const char *name,
                              size_t size);

#endif
