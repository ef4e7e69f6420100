/*
 * What the files of engine/query share: the bound tree, its leaves, the compiled segment
 * and the per-thread scratch. Nothing here is visible outside the module.
 *
 * The bound tree is the folded, type-checked form of a segment: AND/OR (n-ary, flattened),
 * NOT, the constants TRUE/FALSE/UNKNOWN and typed leaves, each leaf reading one column.
 * A leaf states which non-null values match (`match`), whether the result is negated, and
 * whether its IN list held NULL; the executor turns that into the chunk's two bitsets:
 *   T = rows where the node is TRUE,  U = rows where it is not FALSE (TRUE or UNKNOWN),
 * so UNKNOWN = U & ~T and FALSE = rows & ~U. With that encoding AND is (T1&T2, U1&U2),
 * OR is (T1|T2, U1|U2) and NOT is (rows&~U, rows&~T). A node whose chunk cannot be UNKNOWN
 * (no NULLs in the column chunk, IS NULL, constants) leaves U unwritten and reports U == T.
 */
#ifndef PDB_QUERY_QUERY_INTERNAL_H
#define PDB_QUERY_QUERY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "query/arena.h"
#include "query/ast.h"
#include "query/segment.h"

/* ---- Bound tree --------------------------------------------------------------------- */

enum bound_kind {
    BOUND_TRUE,
    BOUND_FALSE,
    BOUND_UNKNOWN, /* UNKNOWN for every row (x = NULL) */
    BOUND_AND,
    BOUND_OR,
    BOUND_NOT,
    BOUND_LEAF
};

enum leaf_kind {
    LEAF_IS_NULL,     /* T = NULL rows (negated: non-NULL rows); never UNKNOWN */
    LEAF_CONSTANT,    /* every non-null value matches (constant_matches) or none does */
    LEAF_BOOL,        /* value == bool_value */
    LEAF_INT_RANGE,   /* int_low <= value <= int_high (int and timestamp), low <= high */
    LEAF_INT_IN,      /* value in int_values (sorted, unique, >= 2 values) */
    LEAF_FLOAT_RANGE, /* float_low <= value <= float_high (bounds may be infinite) */
    LEAF_FLOAT_IN,    /* value in float_values (sorted, unique, >= 2 values) */
    LEAF_STRING,      /* string test: per row on text, per dictionary code on category */
    LEAF_TAGS,        /* HAS ANY / HAS ALL over the row's tag set */
    LEAF_KIND_COUNT
};

struct bytes_view {
    const char *data; /* never NULL (arena or dictionary) */
    uint32_t size;
};

enum string_test_kind {
    STRING_TEST_RANGE, /* bytewise (memcmp, shorter prefix first) bounds */
    STRING_TEST_IN,    /* one of values (sorted bytewise, unique) */
    STRING_TEST_STARTS,
    STRING_TEST_ENDS,
    STRING_TEST_CONTAINS
};

struct string_test {
    enum string_test_kind kind;
    bool case_insensitive; /* STARTS/ENDS/CONTAINS on case-folded values; pattern pre-folded */
    bool has_low, low_inclusive, has_high, high_inclusive;
    struct bytes_view low, high;
    struct bytes_view *values;
    uint32_t value_count;
    struct bytes_view pattern;
};

enum code_table_summary {
    CODE_TABLE_NONE, /* no dictionary entry matches */
    CODE_TABLE_ONE,  /* exactly single_code matches */
    CODE_TABLE_SOME,
    CODE_TABLE_ALL
};

/* Per-query state built by segment_prepare. */
struct leaf_prepared {
    uint8_t *code_table; /* category/tags: 1 per matching code; >= 1 entry; mem_* owned */
    uint32_t code_count; /* dictionary entries when prepared */
    enum code_table_summary summary;
    uint32_t single_code;
    uint32_t tags_needed; /* HAS ALL: listed tags (all present), or UINT32_MAX if one is absent */
};

/* How a leaf reads its chunks (chosen by plan.c at prepare time). */
enum access_path {
    ACCESS_SCAN,        /* the column chunk's values, by the predicate_*.c kernels */
    ACCESS_ZONE_SCAN,   /* numeric: zone map first, the values only where it cannot decide */
    ACCESS_INDEX,       /* the value index: OR (or AND) of the matching codes' containers */
    ACCESS_NULL_BITMAP, /* IS NULL: the chunk's null bitmap */
    ACCESS_NONE,        /* decided without reading values (constant, nothing/everything matches) */
    ACCESS_EVENTS,      /* an event aggregate computed from the event store, per profile */
    ACCESS_PATH_COUNT
};

struct value_index;
struct bound_node;

/* An event aggregate, the subject of an event leaf (binder.c binds it, predicate_event.c
 * computes it per chunk from the event store). Its value per profile is of the leaf's type:
 * count/distinct int, exists bool, sum/min/max the property's type, first/last timestamp. */
struct event_aggregate {
    enum ast_aggregate_function function;
    uint32_t type_index;          /* in schema->events */
    int32_t property_index;       /* -1: none (count, exists, first, last) */
    enum pdb_type property_type;
    enum ast_window_kind window;  /* as written, for explain */
    int64_t window_s;             /* RECENT */
    int64_t time_low, time_high;  /* events with time_low <= t <= time_high (retention applied) */
    const char *event_name;       /* arena copies */
    const char *property_name;
    const char *computed_name;    /* the computed attribute it stands for, or NULL */
    struct bound_node *filter;    /* over the type's properties; NULL: every event */
    uint32_t filter_level_count;  /* bitset pairs the filter's evaluation needs */
    struct leaf **filter_leaves;  /* every leaf of the filter (attribute_index = property) */
    uint32_t filter_leaf_count;
};

/* The planner's choice for one leaf (plan.c); rebuilt by every segment_prepare. */
struct leaf_plan {
    enum access_path access;
    const struct value_index *index; /* ACCESS_INDEX: borrowed from the prepared table */
    uint32_t *codes;                 /* ACCESS_INDEX: matching codes, ascending (arena) */
    uint32_t code_count;             /* >= 1 for ACCESS_INDEX */
    uint32_t code_capacity;          /* entries codes can hold (kept across prepares) */
    bool codes_all;                  /* rows holding every code (HAS ALL), else any code */
};

struct leaf {
    enum leaf_kind kind;
    uint32_t attribute_index;
    enum pdb_type type;
    const char *attribute_name; /* arena copy */
    bool negated;
    bool null_in_list; /* IN list held NULL: rows that do not match are UNKNOWN, not FALSE */
    bool constant_matches;
    bool bool_value;
    bool tags_all; /* TAGS: HAS ALL (else HAS ANY / HAS) */
    int64_t int_low, int_high;
    double float_low, float_high;
    int64_t *int_values;
    double *float_values;
    uint32_t value_count;
    struct string_test string;
    struct bytes_view *tags; /* TAGS: unique */
    uint32_t tag_count;
    struct leaf_prepared prepared;
    struct leaf_plan plan;
    /* An event leaf: the value tested is this aggregate, not a column (attribute_index is
     * then UINT32_MAX). Inside an aggregate's filter, leaves test properties of an event
     * (attribute_index is the property's index, event stays NULL). */
    struct event_aggregate *event;
};

struct bound_node {
    enum bound_kind kind;
    uint32_t child_count; /* AND, OR: >= 2; NOT: 1 */
    struct bound_node **children;
    struct leaf *leaf;   /* BOUND_LEAF */
    uint32_t node_index; /* 0 .. segment->node_count-1, preorder of the compiled tree */
    /* plan.c, at prepare: estimated fraction of the table's rows that are TRUE here, and
     * estimated bytes read to evaluate the node over the whole table. */
    double estimate;
    double cost_bytes;
};

/* ---- Segment and scratch ------------------------------------------------------------ */

struct segment {
    struct query_arena arena; /* AST, bound tree, leaves, literals */
    struct bound_node *root;
    uint32_t level_count; /* bitset pairs a scratch needs */
    struct leaf **leaves; /* every leaf of the folded tree */
    uint32_t leaf_count;
    uint32_t node_count;  /* nodes of the folded tree (node_index range) */
    uint32_t *attributes; /* distinct attribute indexes read, ascending */
    uint32_t attribute_count;
    /* segment_prepare */
    const struct table *prepared_table; /* the table evaluation must use */
    /* Event aggregates: the store (borrowed, segment_set_events; NULL: every history is
     * empty) and, from predicate_event_prepare, what a scratch must hold for them. */
    const struct event_store *events;
    uint32_t event_leaf_count;      /* leaves with an aggregate (collect) */
    uint32_t event_events_max;      /* events of one type in one chunk */
    uint32_t event_row_events_max;  /* events of one type of one row */
    uint32_t event_filter_levels;   /* bitset pairs of event_events_max bits */
    uint64_t *plan_words;               /* plan.c: one chunk bitset for sampling (arena) */
    bool is_explained;                  /* segment_profile_count: estimate every leaf */
};

struct segment_node_profile;

struct segment_scratch {
    uint32_t level_count;
    uint64_t *words; /* (3 * level_count + 3) bitsets of PDB_CHUNK_WORDS */
    /* Explain mode only (segment_profile_count): per node_index counters and times; NULL
     * on the normal path, which then never reads a clock. */
    struct segment_node_profile *profile;
    /* Event aggregates (predicate_event.c): filter bitsets, the values distinct sorts. */
    uint64_t *event_words;
    void *event_values;
    uint32_t event_events_max;
    uint32_t event_row_events_max;
};

/* qsort comparators of the binder's IN lists and the event aggregates' DISTINCT. */
static inline int query_compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static inline int query_compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Layout of scratch->words: level_count (T, U) pairs for the children of AND/OR nodes
 * beyond the first, then the root's U, then a result bitset for segment_count/ids, then a
 * temporary one for leaves (HAS ALL from the index) and the tombstone mask. */
static inline uint64_t *scratch_t(struct segment_scratch *scratch, uint32_t level)
{
    return scratch->words + (size_t)(2u * level) * PDB_CHUNK_WORDS;
}
static inline uint64_t *scratch_u(struct segment_scratch *scratch, uint32_t level)
{
    return scratch->words + (size_t)(2u * level + 1u) * PDB_CHUNK_WORDS;
}
static inline uint64_t *scratch_root_u(struct segment_scratch *scratch)
{
    return scratch->words + (size_t)(2u * scratch->level_count) * PDB_CHUNK_WORDS;
}
static inline uint64_t *scratch_result(struct segment_scratch *scratch)
{
    return scratch->words + (size_t)(2u * scratch->level_count + 1u) * PDB_CHUNK_WORDS;
}

static inline uint64_t *scratch_temp(struct segment_scratch *scratch)
{
    return scratch->words + (size_t)(2u * scratch->level_count + 2u) * PDB_CHUNK_WORDS;
}
/* Then level_count candidate sets: the rows a child of an AND/OR at `level` must compute
 * (executor.c). */
static inline uint64_t *scratch_candidates(struct segment_scratch *scratch, uint32_t level)
{
    return scratch->words + (size_t)(2u * scratch->level_count + 3u + level) * PDB_CHUNK_WORDS;
}

/* ---- Binder and folding (binder.c, fold.c, literal_bounds.c) ------------------------- */

struct ast;
enum pdb_status binder_bind(const struct ast *ast, const struct schema *schema,
                            struct query_arena *arena, struct bound_node **root_out,
                            struct pdb_error *error);
/* binder_bind that expands segment('name') from `library` (NULL: every name is unknown),
 * parsing saved texts with now() = now_s. */
struct segment_library;
enum pdb_status binder_bind_library(const struct ast *ast, const struct schema *schema,
                                    const struct segment_library *library, int64_t now_s,
                                    struct query_arena *arena, struct bound_node **root_out,
                                    struct pdb_error *error);

/* Binds one aggregate call alone (no predicate around it) against schema with now() = now_s:
 * *aggregate_out (in `arena`) and the type of its value. Errors as the binder's. */
enum pdb_status binder_bind_aggregate(const struct ast_aggregate *call, const struct schema *schema,
                                      int64_t now_s, struct query_arena *arena,
                                      struct event_aggregate **aggregate_out,
                                      enum pdb_type *type_out, struct pdb_error *error);

/* computed.c: parses the definition of a computed attribute (one event aggregate, nothing
 * around it) into `arena` with now() = now_s. Errors "segment:1:<column>: ..." (columns of
 * the definition), PDB_ERR_SEGMENT when it is not one bare aggregate. */
struct computed_attribute;
enum pdb_status computed_definition_parse(const struct computed_attribute *computed, int64_t now_s,
                                          struct query_arena *arena,
                                          const struct ast_aggregate **call_out,
                                          struct pdb_error *error);

/* Node constructors that fold as they build (NULL only when out of memory). */
struct bound_node *fold_constant(struct query_arena *arena, enum bound_kind kind);
/* Wraps a leaf, normalising it: negation folded into bounds/values where exact, empty or
 * full ranges become LEAF_CONSTANT, constant IN-with-NULL becomes UNKNOWN, ... */
struct bound_node *fold_leaf(struct query_arena *arena, struct leaf *leaf);
struct bound_node *fold_not(struct query_arena *arena, struct bound_node *child);
/* AND/OR of `count` children: flattens nested same-kind nodes, drops identities, stops at
 * absorbing constants, keeps one UNKNOWN, returns the single child when one is left. */
struct bound_node *fold_junction(struct query_arena *arena, enum bound_kind kind,
                                 struct bound_node **children, uint32_t count);

/* Exact ranges for `x op literal` on int64 values (int, timestamp) and doubles (float).
 * op is one of = < <= > >= (callers negate = for !=). A range is [low, high], inclusive;
 * *is_empty reports that no value satisfies the comparison. */
void bounds_int_from_integer(int op, int64_t value, int64_t *low, int64_t *high, bool *is_empty);
void bounds_int_from_double(int op, double value, int64_t *low, int64_t *high, bool *is_empty);
void bounds_float_from_double(int op, double value, double *low, double *high, bool *is_empty);
void bounds_float_from_integer(int op, int64_t value, double *low, double *high, bool *is_empty);
/* Exact conversions for IN lists; false when the value has no exact twin. */
bool bounds_double_to_int64(double value, int64_t *out);
bool bounds_int64_to_double(int64_t value, double *out);

/* ---- Strings (string_match.c) --------------------------------------------------------- */

/* memcmp order with a proper prefix first (SQLite's BINARY collation). */
int query_bytes_compare(const char *a, uint32_t a_size, const char *b, uint32_t b_size);

/* Whether value[0..size) satisfies the test; case-insensitive tests fold the value into
 * fold_buffer (capacity >= casefold_capacity(size)). Never allocates. */
bool string_test_match(const struct string_test *test, const char *value, uint32_t size,
                       int32_t *fold_buffer, size_t fold_capacity);

/* ---- Evaluation (executor.c, predicate_*.c) ------------------------------------------ */

/* What the type-specific part of a leaf found for one chunk. */
enum leaf_match {
    LEAF_MATCH_NONE, /* no non-null row matches (match words not written) */
    LEAF_MATCH_ALL,  /* every non-null row matches (match words not written) */
    LEAF_MATCH_BITS  /* match words hold one bit per row, 0 at and beyond row_count */
};

enum leaf_match predicate_bool_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                     uint64_t *match_words);
enum leaf_match predicate_numeric_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                        uint64_t *match_words);
enum leaf_match predicate_string_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                       struct segment_scratch *scratch, uint64_t *match_words);
enum leaf_match predicate_tags_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                     uint64_t *match_words);
/* Lane scans (predicate_numeric.c) of int, timestamp and category chunks at their lane width
 * (column.h), one bit per row as the kernels write: low <= lane <= high (high fits the
 * width), and table[lane] != 0 (a category code table padded as simd.h asks). */
struct simd_kernels;
void predicate_lanes_range(const struct simd_kernels *simd, const struct column_chunk *chunk,
                           uint64_t low, uint64_t high, uint64_t *match_words);
void predicate_lanes_lookup(const struct simd_kernels *simd, const struct column_chunk *chunk,
                            const uint8_t *table, uint64_t *match_words);

/* ACCESS_INDEX leaves: the match words of chunk `chunk_index` from the value index
 * (non-NULL rows only); temp_words is overwritten. */
enum leaf_match predicate_index_match(const struct leaf *leaf, uint32_t chunk_index,
                                      uint64_t *match_words, uint64_t *temp_words);

/* ---- Planning (plan.c) ---------------------------------------------------------------- */

/* After the leaves are prepared against `table`: builds the value indexes indexed leaves
 * need (cached on the table), chooses each leaf's access path, estimates every node and
 * orders the children of AND (most selective and cheapest first) and OR (most likely to
 * fill the chunk first). Errors: those of building an index, PDB_ERR_NO_MEMORY. */
enum pdb_status plan_prepare(struct segment *segment, struct table *table,
                             struct pdb_error *error);
const char *plan_access_name(enum access_path access);

/* segment_prepare's per-leaf work; the previous state is released first. A case-insensitive
 * test on text builds the column's case-folded form (text_fold.h), kept with the column. */
enum pdb_status predicate_string_prepare(struct leaf *leaf, struct column *column,
                                         struct pdb_error *error);
enum pdb_status predicate_tags_prepare(struct leaf *leaf, const struct column *column,
                                       struct pdb_error *error);
void leaf_prepared_release(struct leaf *leaf);

/* ---- Event leaves (predicate_event.c) ------------------------------------------------------ */

struct event_store;
/* At prepare: the filters' dictionary code tables and the scratch sizes (segment->event_*). */
enum pdb_status predicate_event_prepare(struct segment *segment, struct pdb_error *error);
void predicate_event_release(struct segment *segment);
/* T and U of an event leaf for one chunk (always writes U); *decided_out when the chunk was
 * decided from an empty history without reading events. `candidates` (NULL: every row) are
 * the rows whose value matters (executor.c): only they are computed, every other row is
 * left FALSE. */
bool predicate_event_eval(const struct leaf *leaf, const struct event_store *store,
                          uint32_t chunk_index, uint32_t rows, const uint64_t *candidates,
                          struct segment_scratch *scratch, uint64_t *t, uint64_t *u,
                          bool *decided_out);

/* The value of an aggregate for one profile (row_id of the store), read from that row's
 * events alone (GET of a computed attribute). May allocate (distinct, case folding): false
 * when out of memory. */
struct event_row_value {
    bool is_null;
    bool is_double;
    int64_t integer;
    double number;
};
bool predicate_event_row_value(const struct event_aggregate *aggregate,
                               const struct event_store *store, uint32_t row_id,
                               struct event_row_value *value_out);

/* Zeroes the words of a bitset from the one holding bit row_count (rounded up) onward. */
void query_bitset_clear_tail(uint64_t *words, uint32_t row_count);

#endif
