/*
 * Schemas: the attributes of a database, their types and flags.
 *
 * Schema file syntax (documented in README.md), one attribute per line:
 *     # comment
 *     <name> <type> [flag or rule ...]
 * name: [a-z_][a-z0-9_]*, at most 64 bytes, unique, not a reserved word of the segment
 * language; type: bool int float timestamp category text tags; flags: identifier pii indexed
 * primary (at most one attribute, text or int; implies identifier); rules (data quality:
 * trim, email, range(0,120), ...): catalog/rules.h. Words are separated by spaces or tabs,
 * except inside a rule's parentheses or a double-quoted value; '#' outside them starts a
 * comment.
 * Types and flags are case-insensitive; names are stored lower-case, and lookups ignore case.
 * Errors are reported as "<source>:<line>:<column>: <reason>".
 * `event` lines and their indented property lines belong to catalog/event_types.c, computed
 * attribute lines (`<name> = <event aggregate>`) to catalog/computed.c; a computed attribute
 * shares the attributes' name space but is not one of `attributes` (nothing stores it).
 */
#ifndef PDB_CATALOG_SCHEMA_H
#define PDB_CATALOG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "catalog/computed.h"
#include "catalog/event_types.h"
#include "catalog/rules.h"
#include "profiledb/profiledb.h"

struct attribute {
    char name[PDB_ATTRIBUTE_NAME_SIZE_MAX + 1];
    enum pdb_type type;
    uint32_t flags; /* enum pdb_attribute_flag */
    struct attribute_rules *rules; /* owned by the schema (schema_deinit); NULL: no rules */
};

struct schema {
    uint32_t attribute_count;
    struct attribute *attributes; /* owned */
    struct event_catalog events;  /* `event` declarations (catalog/event_types.h) */
    struct computed_catalog computed; /* `name = aggregate` lines (catalog/computed.h) */
};

/* Parses schema text. On success *schema is filled (release with schema_deinit). */
enum pdb_status schema_parse(const char *text, size_t size, const char *source_name,
                             struct schema *schema, struct pdb_error *error);
enum pdb_status schema_load_file(const char *path, struct schema *schema,
                                 struct pdb_error *error);
void schema_deinit(struct schema *schema);

/* Appends the canonical schema text (parseable by schema_parse). Returns 0 or -1 (memory). */
int schema_render(const struct schema *schema, struct buffer *out);

/* Index of the attribute named name[0..size) (case-insensitive), or -1. */
int32_t schema_find(const struct schema *schema, const char *name, size_t size);

/* Index of the attribute flagged primary, or -1 (an append-only schema). */
int32_t schema_primary(const struct schema *schema);

/* Name of the attribute (stored or computed) closest to name[0..size) by edit distance, or
 * NULL when nothing is reasonably close. For "unknown attribute 'contry' (did you mean
 * 'country'?)". */
const char *schema_suggest(const struct schema *schema, const char *name, size_t size);

/* Parses a type name (case-insensitive). Returns 0 on success, -1 if unknown. */
int type_parse(const char *name, size_t size, enum pdb_type *type_out);

/* True if word[0..size) is a reserved word of the segment language (case-insensitive). */
int catalog_is_reserved_word(const char *word, size_t size);

/* The candidate closest to name[0..size) by edit distance, or NULL when none is reasonably
 * close (the cap grows with the name's length): every "did you mean" of profiledb. Candidate
 * i is candidate_at(context, i), a NUL-terminated name, for i < count. */
typedef const char *(*catalog_candidate_fn)(const void *context, uint32_t index);
const char *catalog_closest(const char *name, size_t size, catalog_candidate_fn candidate_at,
                            const void *context, uint32_t count);

/* Edit distance between two byte strings, case-insensitive, capped at `cap` (returns cap
 * when the true distance is >= cap). Shared by every "did you mean" message. */
uint32_t catalog_edit_distance(const char *a, size_t a_size, const char *b, size_t b_size,
                               uint32_t cap);

#endif
