/*
 * json_object: parses one line of NDJSON, which must be exactly one JSON object (RFC 8259),
 * into its members, for the NDJSON loader (loader_stage.c).
 *
 * Values may be null, true, false, numbers (kept as their literal text, checked against the
 * RFC grammar), strings (unescaped: \" \\ \/ \b \f \n \r \t and \uXXXX with surrogate pairs,
 * then checked to be UTF-8 without NUL) and arrays of such scalars (for tags). A nested
 * object or an array inside an array is reported: attribute values are flat. Keys are
 * unescaped like strings. Duplicate keys are the caller's business.
 *
 * Memory: a parser owns growable member, element and scratch arrays reused line after line;
 * unescaped strings live in the scratch, which is sized to the line before parsing (an
 * unescaped string is never longer than its JSON text), so pointers stay valid until the
 * next parse. Nothing else is allocated per line.
 */
#ifndef PDB_INGEST_JSON_OBJECT_H
#define PDB_INGEST_JSON_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_kind {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY
};

/* A scalar: a member's value or an array element. */
struct json_scalar {
    enum json_kind kind; /* not JSON_ARRAY for elements */
    bool bool_value;
    const char *text; /* NUMBER: the literal; STRING: the unescaped bytes (not NUL-terminated) */
    uint32_t size;
    uint32_t column; /* 1-based byte column of the value in the line */
};

struct json_member {
    const char *key; /* unescaped, not NUL-terminated */
    uint32_t key_size;
    uint32_t key_column;
    struct json_scalar value;        /* value.kind == JSON_ARRAY: elements below */
    uint32_t element_first, element_count;
};

struct json_object_parser {
    struct json_member *members;
    uint32_t member_count, member_capacity;
    struct json_scalar *elements;
    uint32_t element_count, element_capacity;
    char *scratch;
    size_t scratch_used, scratch_capacity;
};

void json_object_parser_init(struct json_object_parser *parser);
void json_object_parser_deinit(struct json_object_parser *parser);

#define JSON_OUT_OF_MEMORY "out of memory" /* the one reason that is not about the input */

/* Parses line[0, size). Returns NULL (members filled) or a reason with *column_out set to the
 * 1-based byte column where the problem is; the reason is a static string. */
const char *json_object_parse(struct json_object_parser *parser, const char *line, size_t size,
                              uint32_t *column_out);

#endif
