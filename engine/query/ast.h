/*
 * The segment AST: what the parser produces and the binder consumes.
 *
 * Nodes live in the segment's query arena. AND and OR are n-ary (their operands are a
 * sibling list, in source order); NOT has one child; a predicate holds the attribute name
 * as written (resolved later by the binder), the operator, whether it was negated
 * (`x NOT IN ...`, `x IS NOT NULL`) and its literals, already converted to values (integers
 * with their sign, floats, decoded strings, now() +- duration folded to seconds). Every part
 * keeps its 1-based line:column so that binder errors point at the offending token.
 * A literal-first comparison (`30 < age`) is stored flipped (`age > 30`).
 */
#ifndef PDB_QUERY_AST_H
#define PDB_QUERY_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"
#include "query/arena.h"

/* AST_SEGMENT is segment('name'): literals[0] is the name (a STRING literal); the binder
 * replaces it by the saved segment's bound text. */
enum ast_kind { AST_OR, AST_AND, AST_NOT, AST_TRUE, AST_FALSE, AST_PREDICATE, AST_SEGMENT };

enum ast_operator {
    AST_OP_BARE, /* a bool attribute alone: attr = TRUE */
    AST_OP_EQUAL,
    AST_OP_NOT_EQUAL,
    AST_OP_LESS,
    AST_OP_LESS_EQUAL,
    AST_OP_GREATER,
    AST_OP_GREATER_EQUAL,
    AST_OP_BETWEEN, /* literals[0] AND literals[1] */
    AST_OP_IN,      /* literals[0..literal_count) */
    AST_OP_IS_NULL, /* negated: IS NOT NULL */
    AST_OP_STARTS_WITH,
    AST_OP_ENDS_WITH,
    AST_OP_CONTAINS,
    AST_OP_ISTARTS_WITH,
    AST_OP_IENDS_WITH,
    AST_OP_ICONTAINS,
    AST_OP_HAS,
    AST_OP_HAS_ANY,
    AST_OP_HAS_ALL,
    AST_OP_COUNT
};

enum ast_literal_kind {
    AST_LITERAL_INTEGER,
    AST_LITERAL_FLOAT,
    AST_LITERAL_STRING,
    AST_LITERAL_TRUE,
    AST_LITERAL_FALSE,
    AST_LITERAL_NULL,
    AST_LITERAL_TIME /* now() [+- duration], folded */
};

struct ast_position {
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in characters */
};

struct ast_literal {
    enum ast_literal_kind kind;
    struct ast_position position;
    int64_t integer;    /* INTEGER; TIME: seconds since the epoch */
    double number;      /* FLOAT (finite) */
    const char *string; /* STRING: decoded bytes (NUL-terminated copy in the arena) */
    uint32_t string_size;
    const char *source; /* the literal as written, for messages */
    uint32_t source_size;
};

/* An event aggregate such as sum(purchase.amount, 90d, category = 'shoes'): the subject of a
 * predicate in place of an attribute (docs/SEGMENTS.md, "Event aggregates"). */
enum ast_aggregate_function {
    AST_AGGREGATE_COUNT,
    AST_AGGREGATE_EXISTS,
    AST_AGGREGATE_SUM,
    AST_AGGREGATE_MIN,
    AST_AGGREGATE_MAX,
    AST_AGGREGATE_FIRST,
    AST_AGGREGATE_LAST,
    AST_AGGREGATE_DISTINCT,
    AST_AGGREGATE_FUNCTION_COUNT
};

enum ast_window_kind {
    AST_WINDOW_ALL,     /* no window: every event the retention keeps */
    AST_WINDOW_RECENT,  /* 30d: now() - 30d <= t <= now() */
    AST_WINDOW_BETWEEN  /* BETWEEN a AND b: a <= t <= b */
};

struct ast_aggregate {
    enum ast_aggregate_function function;
    struct ast_position position; /* of the function name */
    const char *event;            /* as written */
    uint32_t event_size;
    struct ast_position event_position;
    const char *property; /* NULL when none */
    uint32_t property_size;
    struct ast_position property_position;
    enum ast_window_kind window;
    int64_t window_s; /* RECENT */
    struct ast_literal bounds[2]; /* BETWEEN */
    struct ast_node *filter; /* NULL: every event */
};

struct ast_node {
    enum ast_kind kind;
    struct ast_position position; /* of the node's first token */
    /* AND, OR, NOT: children in source order. */
    uint32_t child_count;
    struct ast_node *first_child;
    struct ast_node *next_sibling;
    /* PREDICATE. */
    const char *attribute; /* as written, not NUL-terminated */
    uint32_t attribute_size;
    struct ast_position attribute_position;
    enum ast_operator op;
    bool negated;
    const char *operator_text; /* as written ("<>", "not in" ...) */
    uint32_t operator_text_size;
    struct ast_position operator_position;
    struct ast_literal *literals;
    uint32_t literal_count;
    /* PREDICATE over an event aggregate instead of an attribute (attribute then names the
     * function, for messages). */
    struct ast_aggregate *aggregate;
};

struct ast {
    struct ast_node *root;
    uint32_t node_count; /* predicates, constants, NOTs and AND/OR keywords */
};

/* Parses text[0..size) into *ast (nodes allocated in `arena`). now_s is the value of now().
 * Errors (message "segment:<line>:<column>: ..."): PDB_ERR_SEGMENT for syntax errors,
 * unknown functions and literals out of range; PDB_ERR_LIMIT when the text is longer than
 * PDB_SEGMENT_TEXT_SIZE_MAX, parentheses and NOTs nest deeper than PDB_SEGMENT_DEPTH_MAX,
 * there are more than PDB_SEGMENT_NODES_MAX nodes or a list has more than
 * PDB_IN_LIST_SIZE_MAX values; PDB_ERR_NO_MEMORY. */
enum pdb_status parser_parse(const char *text, size_t size, int64_t now_s,
                             struct query_arena *arena, struct ast *ast, struct pdb_error *error);

/* Name of an aggregate function: "count", "sum", ... */
const char *ast_aggregate_function_name(enum ast_aggregate_function function);

/* Canonical spelling of an operator: "=", "!=", "BETWEEN", "IS NULL", "HAS ANY", ... */
const char *ast_operator_name(enum ast_operator op);

#endif
