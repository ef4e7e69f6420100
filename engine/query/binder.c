/*
 * Binder: resolves the AST's attribute names and types against the schema, type-checks
 * every operator and literal, and builds the folded bound tree (query_internal.h).
 *
 * What each type accepts is the table in docs/SEGMENTS.md ("Types and operators"). Literals
 * become exact bounds here (literal_bounds.c): an int attribute against a float literal,
 * a float attribute against an integer without a double twin, timestamps from strings,
 * integers and now(). Comparisons with the NULL literal are UNKNOWN; BETWEEN is the range
 * [low, high] (x >= low AND x <= high); IN lists are sorted and deduplicated.
 * Errors name the position of the offending token (the attribute, the operator or the
 * literal) and are reported in source order: the first bad predicate wins.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/timestamp.h"
#include "query/ast.h"
#include "base/unicode.h"
#include "query/query_internal.h"
#include "query/segment.h"

struct binder {
    const struct schema *schema;
    struct query_arena *arena;
    struct pdb_error *error;
    /* segment('name'): where saved texts come from (NULL: none), now() for their parse, and
     * the names being expanded, outermost first, for cycle detection. */
    const struct segment_library *library;
    int64_t now_s;
    uint32_t depth;
    struct bytes_view expanding[PDB_SAVED_SEGMENT_DEPTH_MAX];
    /* Binding the filter of an event aggregate: names are this type's properties. */
    const struct event_type *event_type;
};

/* What a predicate is about while it is being bound: an attribute, an event's property (in
 * a filter), or an event aggregate (aggregate set; attribute is then a stand-in naming the
 * aggregate, of its result type). */
struct subject {
    const struct ast_node *node;
    uint32_t attribute_index;
    const struct attribute *attribute;
    struct event_aggregate *aggregate;
    struct attribute stand_in;
};

static enum pdb_status no_memory(struct binder *binder)
{
    return error_set(binder->error, PDB_ERR_NO_MEMORY, "out of memory binding a segment");
}

/* ---- Messages ----------------------------------------------------------------------- */

static void describe_literal(const struct ast_literal *literal, char *buffer, size_t size)
{
    const char *prefix = "";
    switch (literal->kind) {
    case AST_LITERAL_INTEGER:
        prefix = "integer ";
        break;
    case AST_LITERAL_FLOAT:
        prefix = "float ";
        break;
    case AST_LITERAL_STRING:
        prefix = "string ";
        break;
    case AST_LITERAL_TRUE:
        snprintf(buffer, size, "TRUE");
        return;
    case AST_LITERAL_FALSE:
        snprintf(buffer, size, "FALSE");
        return;
    case AST_LITERAL_NULL:
        snprintf(buffer, size, "NULL");
        return;
    case AST_LITERAL_TIME:
        break;
    }
    uint32_t shown = literal->source_size > 48 ? 48 : literal->source_size;
    snprintf(buffer, size, "%s%.*s%s", prefix, (int)shown, literal->source,
             literal->source_size > 48 ? "..." : "");
}

static const char *accepted_operators(enum pdb_type type)
{
    switch (type) {
    case PDB_TYPE_BOOL:
        return "bool takes the attribute alone, =, !=, <>, IN and IS NULL";
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
    case PDB_TYPE_TIMESTAMP:
        return "it takes = != <> < <= > >=, BETWEEN, IN and IS NULL";
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        return "it takes = != <> < <= > >=, BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, "
               "ISTARTS WITH, IENDS WITH, ICONTAINS and IS NULL";
    case PDB_TYPE_TAGS:
        return "tags take HAS, HAS ANY, HAS ALL and IS NULL";
    default:
        return "";
    }
}

static enum pdb_status operator_error(struct binder *binder, const struct subject *subject)
{
    const struct ast_node *node = subject->node;
    return error_set(binder->error, PDB_ERR_SEGMENT,
                     "segment:%u:%u: type mismatch: %s is %s, operator '%s%s' does not apply "
                     "(%s)",
                     node->operator_position.line, node->operator_position.column,
                     subject->attribute->name, pdb_type_name(subject->attribute->type),
                     node->negated ? "NOT " : "", ast_operator_name(node->op),
                     accepted_operators(subject->attribute->type));
}

static enum pdb_status literal_error(struct binder *binder, const struct subject *subject,
                                     const struct ast_literal *literal, const char *detail)
{
    char described[96];
    describe_literal(literal, described, sizeof described);
    return error_set(binder->error, PDB_ERR_SEGMENT,
                     "segment:%u:%u: type mismatch: %s is %s, cannot compare with %s%s",
                     literal->position.line, literal->position.column, subject->attribute->name,
                     pdb_type_name(subject->attribute->type), described, detail ? detail : "");
}

static enum pdb_status string_needed_error(struct binder *binder, const struct subject *subject,
                                           const struct ast_literal *literal)
{
    char described[96];
    describe_literal(literal, described, sizeof described);
    bool list = subject->node->op == AST_OP_HAS_ANY || subject->node->op == AST_OP_HAS_ALL;
    return error_set(binder->error, PDB_ERR_SEGMENT,
                     "segment:%u:%u: type mismatch: %s is %s, %s needs %s, found %s",
                     literal->position.line, literal->position.column, subject->attribute->name,
                     pdb_type_name(subject->attribute->type), ast_operator_name(subject->node->op),
                     list ? "strings" : "a string", described);
}

/* ---- Leaves ------------------------------------------------------------------------- */

static struct leaf *new_leaf(struct binder *binder, const struct subject *subject,
                             enum leaf_kind kind)
{
    struct leaf *leaf = query_arena_alloc(binder->arena, sizeof *leaf);
    if (leaf == NULL) return NULL;
    leaf->kind = kind;
    leaf->attribute_index = subject->attribute_index;
    leaf->type = subject->attribute->type;
    leaf->event = subject->aggregate;
    leaf->attribute_name =
        query_arena_copy(binder->arena, subject->attribute->name, strlen(subject->attribute->name));
    if (leaf->attribute_name == NULL) return NULL;
    return leaf;
}

static struct bound_node *leaf_node(struct binder *binder, struct leaf *leaf)
{
    if (leaf == NULL) return NULL;
    return fold_leaf(binder->arena, leaf);
}

/* An exact numeric literal value. */
struct numeric {
    bool is_double;
    int64_t integer;
    double number;
};

static bool is_numeric_type(enum pdb_type type)
{
    return type == PDB_TYPE_INT || type == PDB_TYPE_FLOAT || type == PDB_TYPE_TIMESTAMP;
}

static bool is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT;
}

/* Checks a non-NULL literal against the subject's type; numeric types get *value. */
static enum pdb_status check_literal(struct binder *binder, const struct subject *subject,
                                     const struct ast_literal *literal, struct numeric *value)
{
    enum pdb_type type = subject->attribute->type;
    enum ast_literal_kind kind = literal->kind;
    switch (type) {
    case PDB_TYPE_BOOL:
        if (kind == AST_LITERAL_TRUE || kind == AST_LITERAL_FALSE) return PDB_OK;
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
        if (kind == AST_LITERAL_INTEGER || kind == AST_LITERAL_FLOAT) {
            value->is_double = kind == AST_LITERAL_FLOAT;
            value->integer = literal->integer;
            value->number = literal->number;
            return PDB_OK;
        }
        break;
    case PDB_TYPE_TIMESTAMP:
        if (kind == AST_LITERAL_INTEGER || kind == AST_LITERAL_TIME) {
            value->is_double = false;
            value->integer = literal->integer;
            return PDB_OK;
        }
        if (kind == AST_LITERAL_STRING) {
            int64_t seconds = 0;
            const char *reason = timestamp_parse(literal->string, literal->string_size, &seconds);
            if (reason != NULL) {
                char detail[160];
                snprintf(detail, sizeof detail, " (not a timestamp: %s)", reason);
                return literal_error(binder, subject, literal, detail);
            }
            value->is_double = false;
            value->integer = seconds;
            return PDB_OK;
        }
        break;
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        if (kind == AST_LITERAL_STRING) return PDB_OK;
        break;
    default:
        break;
    }
    return literal_error(binder, subject, literal, NULL);
}

static struct bytes_view string_of(const struct ast_literal *literal)
{
    return (struct bytes_view){literal->string, literal->string_size};
}

/* `x op literal` for a non-NULL, checked literal; op is = < <= > >= (negate for !=). */
static struct bound_node *comparison_leaf(struct binder *binder, const struct subject *subject,
                                          int op, const struct ast_literal *literal,
                                          const struct numeric *value, bool negated)
{
    enum pdb_type type = subject->attribute->type;
    struct leaf *leaf = NULL;
    bool is_empty = false;
    if (type == PDB_TYPE_BOOL) {
        leaf = new_leaf(binder, subject, LEAF_BOOL);
        if (leaf) leaf->bool_value = literal->kind == AST_LITERAL_TRUE;
    } else if (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP) {
        leaf = new_leaf(binder, subject, LEAF_INT_RANGE);
        if (leaf && value->is_double) {
            bounds_int_from_double(op, value->number, &leaf->int_low, &leaf->int_high, &is_empty);
        } else if (leaf) {
            bounds_int_from_integer(op, value->integer, &leaf->int_low, &leaf->int_high, &is_empty);
        }
    } else if (type == PDB_TYPE_FLOAT) {
        leaf = new_leaf(binder, subject, LEAF_FLOAT_RANGE);
        if (leaf && value->is_double) {
            bounds_float_from_double(op, value->number, &leaf->float_low, &leaf->float_high,
                                     &is_empty);
        } else if (leaf) {
            bounds_float_from_integer(op, value->integer, &leaf->float_low, &leaf->float_high,
                                      &is_empty);
        }
    } else {
        leaf = new_leaf(binder, subject, LEAF_STRING);
        if (leaf) {
            struct string_test *test = &leaf->string;
            test->kind = STRING_TEST_RANGE;
            struct bytes_view bytes = string_of(literal);
            if (op == AST_OP_EQUAL || op == AST_OP_GREATER || op == AST_OP_GREATER_EQUAL) {
                test->has_low = true;
                test->low = bytes;
                test->low_inclusive = op != AST_OP_GREATER;
            }
            if (op == AST_OP_EQUAL || op == AST_OP_LESS || op == AST_OP_LESS_EQUAL) {
                test->has_high = true;
                test->high = bytes;
                test->high_inclusive = op != AST_OP_LESS;
            }
            is_empty = op == AST_OP_LESS && bytes.size == 0; /* nothing sorts before '' */
        }
    }
    if (leaf == NULL) return NULL;
    if (is_empty) leaf->kind = LEAF_CONSTANT;
    leaf->negated = negated;
    return leaf_node(binder, leaf);
}

static enum pdb_status finish(struct binder *binder, struct bound_node *node,
                              struct bound_node **out)
{
    if (node == NULL) return no_memory(binder);
    *out = node;
    return PDB_OK;
}

/* ---- Predicates --------------------------------------------------------------------- */

static bool operator_applies(enum pdb_type type, enum ast_operator op)
{
    switch (op) {
    case AST_OP_IS_NULL:
        return true;
    case AST_OP_BARE:
        return type == PDB_TYPE_BOOL;
    case AST_OP_EQUAL:
    case AST_OP_NOT_EQUAL:
    case AST_OP_IN:
        return type != PDB_TYPE_TAGS;
    case AST_OP_LESS:
    case AST_OP_LESS_EQUAL:
    case AST_OP_GREATER:
    case AST_OP_GREATER_EQUAL:
    case AST_OP_BETWEEN:
        return is_numeric_type(type) || is_string_type(type);
    case AST_OP_STARTS_WITH:
    case AST_OP_ENDS_WITH:
    case AST_OP_CONTAINS:
    case AST_OP_ISTARTS_WITH:
    case AST_OP_IENDS_WITH:
    case AST_OP_ICONTAINS:
        return is_string_type(type);
    case AST_OP_HAS:
    case AST_OP_HAS_ANY:
    case AST_OP_HAS_ALL:
        return type == PDB_TYPE_TAGS;
    default:
        return false;
    }
}

static enum pdb_status bind_comparison(struct binder *binder, const struct subject *subject,
                                       struct bound_node **out)
{
    const struct ast_literal *literal = &subject->node->literals[0];
    if (literal->kind == AST_LITERAL_NULL)
        return finish(binder, fold_constant(binder->arena, BOUND_UNKNOWN), out);
    struct numeric value = {0};
    enum pdb_status status = check_literal(binder, subject, literal, &value);
    if (status != PDB_OK) return status;
    int op = subject->node->op;
    bool negated = op == AST_OP_NOT_EQUAL;
    if (negated) op = AST_OP_EQUAL;
    return finish(binder, comparison_leaf(binder, subject, op, literal, &value, negated), out);
}

/* AND of the two halves of a BETWEEN, merged into one range leaf when both are leaves. */
static struct bound_node *merge_between(struct binder *binder, struct bound_node *low,
                                        struct bound_node *high)
{
    if (low->kind == BOUND_LEAF && high->kind == BOUND_LEAF) {
        struct leaf *a = low->leaf, *b = high->leaf;
        if (a->kind == LEAF_CONSTANT) return a->constant_matches ? high : low;
        if (b->kind == LEAF_CONSTANT) return b->constant_matches ? low : high;
        if (a->kind == LEAF_INT_RANGE && b->kind == LEAF_INT_RANGE) {
            a->int_high = b->int_high;
            if (a->int_low > a->int_high) a->kind = LEAF_CONSTANT;
            return fold_leaf(binder->arena, a);
        }
        if (a->kind == LEAF_FLOAT_RANGE && b->kind == LEAF_FLOAT_RANGE) {
            a->float_high = b->float_high;
            if (a->float_low > a->float_high) a->kind = LEAF_CONSTANT;
            return fold_leaf(binder->arena, a);
        }
        if (a->kind == LEAF_STRING && b->kind == LEAF_STRING) {
            struct string_test *test = &a->string;
            test->has_high = true;
            test->high = b->string.high;
            test->high_inclusive = true;
            if (test->has_low && query_bytes_compare(test->low.data, test->low.size,
                                                     test->high.data, test->high.size) > 0)
                a->kind = LEAF_CONSTANT;
            return fold_leaf(binder->arena, a);
        }
    }
    struct bound_node *both[2] = {low, high};
    return fold_junction(binder->arena, BOUND_AND, both, 2);
}

static enum pdb_status bind_between(struct binder *binder, const struct subject *subject,
                                    struct bound_node **out)
{
    struct bound_node *halves[2];
    static const int ops[2] = {AST_OP_GREATER_EQUAL, AST_OP_LESS_EQUAL};
    for (int i = 0; i < 2; i++) {
        const struct ast_literal *literal = &subject->node->literals[i];
        if (literal->kind == AST_LITERAL_NULL) {
            halves[i] = fold_constant(binder->arena, BOUND_UNKNOWN);
        } else {
            struct numeric value = {0};
            enum pdb_status status = check_literal(binder, subject, literal, &value);
            if (status != PDB_OK) return status;
            halves[i] = comparison_leaf(binder, subject, ops[i], literal, &value, false);
        }
        if (halves[i] == NULL) return no_memory(binder);
    }
    struct bound_node *node = merge_between(binder, halves[0], halves[1]);
    if (node != NULL && subject->node->negated) node = fold_not(binder->arena, node);
    return finish(binder, node, out);
}


static int compare_views(const void *a, const void *b)
{
    const struct bytes_view *x = a, *y = b;
    return query_bytes_compare(x->data, x->size, y->data, y->size);
}

/* Sorts and removes duplicates; returns the new count. */
static uint32_t sort_unique(void *items, uint32_t count, size_t size,
                            int (*compare)(const void *, const void *))
{
    if (count == 0) return 0;
    qsort(items, count, size, compare);
    char *bytes = items;
    uint32_t kept = 1;
    for (uint32_t i = 1; i < count; i++) {
        if (compare(bytes + (size_t)(kept - 1) * size, bytes + (size_t)i * size) != 0) {
            if (kept != i) memcpy(bytes + (size_t)kept * size, bytes + (size_t)i * size, size);
            kept++;
        }
    }
    return kept;
}

static enum pdb_status bind_in(struct binder *binder, const struct subject *subject,
                               struct bound_node **out)
{
    const struct ast_node *node = subject->node;
    enum pdb_type type = subject->attribute->type;
    uint32_t count = node->literal_count;
    bool has_null = false, has_true = false, has_false = false;
    int64_t *ints = NULL;
    double *floats = NULL;
    struct bytes_view *strings = NULL;
    if (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP)
        ints = query_arena_alloc(binder->arena, count * sizeof ints[0]);
    else if (type == PDB_TYPE_FLOAT)
        floats = query_arena_alloc(binder->arena, count * sizeof floats[0]);
    else if (is_string_type(type))
        strings = query_arena_alloc(binder->arena, count * sizeof strings[0]);
    if (type != PDB_TYPE_BOOL && ints == NULL && floats == NULL && strings == NULL)
        return no_memory(binder);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct ast_literal *literal = &node->literals[i];
        if (literal->kind == AST_LITERAL_NULL) {
            has_null = true;
            continue;
        }
        struct numeric value = {0};
        enum pdb_status status = check_literal(binder, subject, literal, &value);
        if (status != PDB_OK) return status;
        if (type == PDB_TYPE_BOOL) {
            has_true |= literal->kind == AST_LITERAL_TRUE;
            has_false |= literal->kind == AST_LITERAL_FALSE;
        } else if (ints != NULL) {
            /* A float literal with no int64 twin can never be equal: dropped. */
            if (!value.is_double)
                ints[kept++] = value.integer;
            else if (bounds_double_to_int64(value.number, &ints[kept]))
                kept++;
        } else if (floats != NULL) {
            if (value.is_double)
                floats[kept++] = value.number + 0.0;
            else if (bounds_int64_to_double(value.integer, &floats[kept]))
                kept++;
        } else {
            strings[kept++] = string_of(literal);
        }
    }
    struct leaf *leaf;
    if (type == PDB_TYPE_BOOL) {
        leaf = new_leaf(binder, subject, LEAF_BOOL);
        if (leaf == NULL) return no_memory(binder);
        leaf->bool_value = has_true;
        if (has_true == has_false) { /* both, or neither */
            leaf->kind = LEAF_CONSTANT;
            leaf->constant_matches = has_true;
        }
    } else if (ints != NULL) {
        kept = sort_unique(ints, kept, sizeof ints[0], query_compare_int64);
        leaf = new_leaf(binder, subject, kept > 1 ? LEAF_INT_IN : LEAF_INT_RANGE);
        if (leaf == NULL) return no_memory(binder);
        if (kept == 0) leaf->kind = LEAF_CONSTANT;
        if (kept == 1) leaf->int_low = leaf->int_high = ints[0];
        leaf->int_values = ints;
        leaf->value_count = kept;
    } else if (floats != NULL) {
        kept = sort_unique(floats, kept, sizeof floats[0], query_compare_double);
        leaf = new_leaf(binder, subject, kept > 1 ? LEAF_FLOAT_IN : LEAF_FLOAT_RANGE);
        if (leaf == NULL) return no_memory(binder);
        if (kept == 0) leaf->kind = LEAF_CONSTANT;
        if (kept == 1) leaf->float_low = leaf->float_high = floats[0];
        leaf->float_values = floats;
        leaf->value_count = kept;
    } else {
        kept = sort_unique(strings, kept, sizeof strings[0], compare_views);
        leaf = new_leaf(binder, subject, LEAF_STRING);
        if (leaf == NULL) return no_memory(binder);
        struct string_test *test = &leaf->string;
        if (kept == 0) leaf->kind = LEAF_CONSTANT;
        if (kept == 1) {
            test->kind = STRING_TEST_RANGE;
            test->has_low = test->has_high = test->low_inclusive = test->high_inclusive = true;
            test->low = test->high = strings[0];
        } else {
            test->kind = STRING_TEST_IN;
            test->values = strings;
            test->value_count = kept;
        }
    }
    leaf->null_in_list = has_null;
    leaf->negated = node->negated;
    return finish(binder, leaf_node(binder, leaf), out);
}

static enum pdb_status bind_string_test(struct binder *binder, const struct subject *subject,
                                        struct bound_node **out)
{
    const struct ast_node *node = subject->node;
    const struct ast_literal *literal = &node->literals[0];
    if (literal->kind != AST_LITERAL_STRING) return string_needed_error(binder, subject, literal);
    struct leaf *leaf = new_leaf(binder, subject, LEAF_STRING);
    if (leaf == NULL) return no_memory(binder);
    struct string_test *test = &leaf->string;
    switch (node->op) {
    case AST_OP_STARTS_WITH:
    case AST_OP_ISTARTS_WITH:
        test->kind = STRING_TEST_STARTS;
        break;
    case AST_OP_ENDS_WITH:
    case AST_OP_IENDS_WITH:
        test->kind = STRING_TEST_ENDS;
        break;
    default:
        test->kind = STRING_TEST_CONTAINS;
        break;
    }
    test->case_insensitive = node->op == AST_OP_ISTARTS_WITH || node->op == AST_OP_IENDS_WITH ||
                             node->op == AST_OP_ICONTAINS;
    test->pattern = string_of(literal);
    if (test->case_insensitive && test->pattern.size > 0) {
        size_t capacity = casefold_capacity(test->pattern.size);
        int32_t *buffer = mem_alloc(capacity * sizeof buffer[0]);
        if (buffer == NULL) return no_memory(binder);
        size_t folded_size;
        const char *folded =
            casefold_into(test->pattern.data, test->pattern.size, buffer, capacity, &folded_size);
        char *copy = query_arena_copy(binder->arena, folded, folded_size);
        mem_free(buffer);
        if (copy == NULL) return no_memory(binder);
        test->pattern = (struct bytes_view){copy, (uint32_t)folded_size};
    }
    if (test->pattern.size == 0) { /* an empty pattern matches every non-null value */
        leaf->kind = LEAF_CONSTANT;
        leaf->constant_matches = true;
    }
    leaf->negated = node->negated;
    return finish(binder, leaf_node(binder, leaf), out);
}

static enum pdb_status bind_has(struct binder *binder, const struct subject *subject,
                                struct bound_node **out)
{
    const struct ast_node *node = subject->node;
    struct bytes_view *tags =
        query_arena_alloc(binder->arena, node->literal_count * sizeof tags[0]);
    if (tags == NULL) return no_memory(binder);
    for (uint32_t i = 0; i < node->literal_count; i++) {
        const struct ast_literal *literal = &node->literals[i];
        if (literal->kind != AST_LITERAL_STRING)
            return string_needed_error(binder, subject, literal);
        tags[i] = string_of(literal);
    }
    uint32_t count = sort_unique(tags, node->literal_count, sizeof tags[0], compare_views);
    struct leaf *leaf = new_leaf(binder, subject, LEAF_TAGS);
    if (leaf == NULL) return no_memory(binder);
    leaf->tags = tags;
    leaf->tag_count = count;
    leaf->tags_all = node->op == AST_OP_HAS_ALL && count > 1;
    leaf->negated = node->negated;
    return finish(binder, leaf_node(binder, leaf), out);
}

static enum pdb_status bind_subject(struct binder *binder, struct subject *subject,
                                    struct bound_node **out);
static enum pdb_status bind_aggregate(struct binder *binder, const struct ast_node *node,
                                      struct bound_node **out);
static enum pdb_status bind_computed(struct binder *binder, const struct ast_node *node,
                                     uint32_t computed_index, struct bound_node **out);

/* A property name inside an aggregate's filter. */
static enum pdb_status bind_property(struct binder *binder, const struct ast_node *node,
                                     struct bound_node **out)
{
    const struct event_type *type = binder->event_type;
    int32_t index = event_type_find_property(type, node->attribute, node->attribute_size);
    if (index < 0) {
        const char *suggestion =
            event_type_suggest_property(type, node->attribute, node->attribute_size);
        int shown = node->attribute_size > 64 ? 64 : (int)node->attribute_size;
        return error_set(binder->error, PDB_ERR_SEGMENT,
                         "segment:%u:%u: unknown property '%.*s' of event '%s'%s%s%s",
                         node->attribute_position.line, node->attribute_position.column, shown,
                         node->attribute, type->name, suggestion ? " (did you mean '" : "",
                         suggestion ? suggestion : "", suggestion ? "'?)" : "");
    }
    struct subject subject = {node, (uint32_t)index, &type->properties[index], NULL, {.name = {0}}};
    return bind_subject(binder, &subject, out);
}

static enum pdb_status bind_predicate(struct binder *binder, const struct ast_node *node,
                                      struct bound_node **out)
{
    if (node->aggregate != NULL) {
        if (binder->event_type != NULL) {
            return error_set(binder->error, PDB_ERR_SEGMENT,
                             "segment:%u:%u: an event filter cannot hold an aggregate",
                             node->position.line, node->position.column);
        }
        return bind_aggregate(binder, node, out);
    }
    if (binder->event_type != NULL) return bind_property(binder, node, out);
    int32_t index = binder->schema == NULL
                        ? -1
                        : schema_find(binder->schema, node->attribute, node->attribute_size);
    if (index < 0 && binder->schema != NULL) {
        int32_t computed = computed_catalog_find(&binder->schema->computed, node->attribute,
                                                 node->attribute_size);
        if (computed >= 0) return bind_computed(binder, node, (uint32_t)computed, out);
    }
    if (index < 0) {
        const char *suggestion =
            binder->schema == NULL
                ? NULL
                : schema_suggest(binder->schema, node->attribute, node->attribute_size);
        int shown = node->attribute_size > 64 ? 64 : (int)node->attribute_size;
        if (suggestion != NULL) {
            return error_set(binder->error, PDB_ERR_SEGMENT,
                             "segment:%u:%u: unknown attribute '%.*s%s' (did you mean '%s'?)",
                             node->attribute_position.line, node->attribute_position.column, shown,
                             node->attribute, node->attribute_size > 64 ? "..." : "", suggestion);
        }
        return error_set(binder->error, PDB_ERR_SEGMENT,
                         "segment:%u:%u: unknown attribute '%.*s%s'", node->attribute_position.line,
                         node->attribute_position.column, shown, node->attribute,
                         node->attribute_size > 64 ? "..." : "");
    }
    struct subject subject = {node, (uint32_t)index, &binder->schema->attributes[index], NULL,
                              {.name = {0}}};
    return bind_subject(binder, &subject, out);
}

/* The operator and literals of a predicate whose subject is resolved. */
static enum pdb_status bind_subject(struct binder *binder, struct subject *subject,
                                    struct bound_node **out)
{
    const struct ast_node *node = subject->node;
    enum pdb_type type = subject->attribute->type;
    if (!operator_applies(type, node->op)) {
        if (node->op == AST_OP_BARE) {
            return error_set(binder->error, PDB_ERR_SEGMENT,
                             "segment:%u:%u: type mismatch: %s is %s, only a bool %s can "
                             "stand alone as a condition",
                             node->attribute_position.line, node->attribute_position.column,
                             subject->attribute->name, pdb_type_name(type),
                             subject->aggregate ? "(exists)" : binder->event_type ? "property"
                                                                                   : "attribute");
        }
        return operator_error(binder, subject);
    }
    struct leaf *leaf;
    switch (node->op) {
    case AST_OP_BARE:
        leaf = new_leaf(binder, subject, LEAF_BOOL);
        if (leaf == NULL) return no_memory(binder);
        leaf->bool_value = true;
        return finish(binder, leaf_node(binder, leaf), out);
    case AST_OP_IS_NULL:
        leaf = new_leaf(binder, subject, LEAF_IS_NULL);
        if (leaf == NULL) return no_memory(binder);
        leaf->negated = node->negated;
        return finish(binder, leaf_node(binder, leaf), out);
    case AST_OP_EQUAL:
    case AST_OP_NOT_EQUAL:
    case AST_OP_LESS:
    case AST_OP_LESS_EQUAL:
    case AST_OP_GREATER:
    case AST_OP_GREATER_EQUAL:
        return bind_comparison(binder, subject, out);
    case AST_OP_BETWEEN:
        return bind_between(binder, subject, out);
    case AST_OP_IN:
        return bind_in(binder, subject, out);
    case AST_OP_HAS:
    case AST_OP_HAS_ANY:
    case AST_OP_HAS_ALL:
        return bind_has(binder, subject, out);
    default:
        return bind_string_test(binder, subject, out);
    }
}

/* ---- Event aggregates ---------------------------------------------------------------- */

static enum pdb_status bind_node(struct binder *binder, const struct ast_node *node,
                                 struct bound_node **out);

static enum pdb_status aggregate_error(struct binder *binder, struct ast_position at,
                                       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static enum pdb_status aggregate_error(struct binder *binder, struct ast_position at,
                                       const char *format, ...)
{
    char reason[PDB_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    return error_set(binder->error, PDB_ERR_SEGMENT, "segment:%u:%u: %s", at.line, at.column,
                     reason);
}

/* A BETWEEN bound of a window: a timestamp string, epoch seconds or now() +- duration. */
static enum pdb_status window_bound(struct binder *binder, const struct ast_literal *literal,
                                    int64_t *seconds_out)
{
    char described[96];
    switch (literal->kind) {
    case AST_LITERAL_INTEGER:
    case AST_LITERAL_TIME:
        *seconds_out = literal->integer;
        return PDB_OK;
    case AST_LITERAL_STRING: {
        const char *reason = timestamp_parse(literal->string, literal->string_size, seconds_out);
        if (reason == NULL) return PDB_OK;
        describe_literal(literal, described, sizeof described);
        return aggregate_error(binder, literal->position,
                               "a window bound must be a timestamp, %s is not (%s)", described,
                               reason);
    }
    default:
        describe_literal(literal, described, sizeof described);
        return aggregate_error(binder, literal->position,
                               "a window bound must be a timestamp (a string such as "
                               "'2025-01-01', epoch seconds or now() - 7d), found %s",
                               described);
    }
}

static bool property_fits(enum ast_aggregate_function function, enum pdb_type type)
{
    switch (function) {
    case AST_AGGREGATE_SUM:
        return type == PDB_TYPE_INT || type == PDB_TYPE_FLOAT;
    case AST_AGGREGATE_MIN:
    case AST_AGGREGATE_MAX:
        return type == PDB_TYPE_INT || type == PDB_TYPE_FLOAT || type == PDB_TYPE_TIMESTAMP;
    default:
        return true;
    }
}

static void collect_filter_leaves(struct bound_node *node, struct leaf **leaves, uint32_t *count,
                                  uint32_t depth, uint32_t *depth_max)
{
    if (depth > *depth_max) *depth_max = depth;
    if (node->kind == BOUND_LEAF) {
        if (leaves != NULL) leaves[*count] = node->leaf;
        (*count)++;
        return;
    }
    for (uint32_t i = 0; i < node->child_count; i++)
        collect_filter_leaves(node->children[i], leaves, count, depth + 1, depth_max);
}

/* Binds the aggregate call into a new event_aggregate; *type_out is the type of its value
 * (count/distinct int, exists bool, first/last timestamp, sum/min/max the property's). */
static enum pdb_status bind_aggregate_call(struct binder *binder, const struct ast_aggregate *call,
                                           struct event_aggregate **aggregate_out,
                                           enum pdb_type *type_out)
{
    const char *function_name = ast_aggregate_function_name(call->function);
    const struct event_catalog *catalog = binder->schema ? &binder->schema->events : NULL;
    int shown = call->event_size > 64 ? 64 : (int)call->event_size;
    int32_t type_index =
        catalog ? event_catalog_find(catalog, call->event, call->event_size) : -1;
    if (type_index < 0) {
        if (catalog == NULL || catalog->type_count == 0)
            return aggregate_error(binder, call->event_position,
                                   "unknown event type '%.*s' (the schema declares no event "
                                   "types)", shown, call->event);
        const char *suggestion = event_catalog_suggest(catalog, call->event, call->event_size);
        return aggregate_error(binder, call->event_position, "unknown event type '%.*s'%s%s%s",
                               shown, call->event, suggestion ? " (did you mean '" : "",
                               suggestion ? suggestion : "", suggestion ? "'?)" : "");
    }
    const struct event_type *type = &catalog->types[type_index];
    bool takes_property = call->function == AST_AGGREGATE_SUM ||
                          call->function == AST_AGGREGATE_MIN ||
                          call->function == AST_AGGREGATE_MAX ||
                          call->function == AST_AGGREGATE_DISTINCT;
    int32_t property_index = -1;
    if (call->property != NULL) {
        int pshown = call->property_size > 64 ? 64 : (int)call->property_size;
        if (!takes_property)
            return aggregate_error(binder, call->property_position,
                                   "%s takes an event type, not a property (as in %s(%s))",
                                   function_name, function_name, type->name);
        property_index = event_type_find_property(type, call->property, call->property_size);
        if (property_index < 0) {
            const char *suggestion =
                event_type_suggest_property(type, call->property, call->property_size);
            return aggregate_error(binder, call->property_position,
                                   "unknown property '%.*s' of event '%s'%s%s%s", pshown,
                                   call->property, type->name,
                                   suggestion ? " (did you mean '" : "",
                                   suggestion ? suggestion : "", suggestion ? "'?)" : "");
        }
        const struct attribute *property = &type->properties[property_index];
        if (!property_fits(call->function, property->type))
            return aggregate_error(binder, call->property_position,
                                   "type mismatch: %s.%s is %s, %s needs %s", type->name,
                                   property->name, pdb_type_name(property->type), function_name,
                                   call->function == AST_AGGREGATE_SUM
                                       ? "an int or float property"
                                       : "an int, float or timestamp property");
    } else if (takes_property) {
        return aggregate_error(binder, call->event_position,
                               "%s needs a property of the event, as in %s(%s.<property>)",
                               function_name, function_name, type->name);
    }

    struct event_aggregate *aggregate = query_arena_alloc(binder->arena, sizeof *aggregate);
    if (aggregate == NULL) return no_memory(binder);
    memset(aggregate, 0, sizeof *aggregate);
    aggregate->function = call->function;
    aggregate->type_index = (uint32_t)type_index;
    aggregate->property_index = property_index;
    aggregate->property_type =
        property_index >= 0 ? type->properties[property_index].type : PDB_TYPE_TIMESTAMP;
    aggregate->window = call->window;
    aggregate->window_s = call->window_s;
    aggregate->event_name = query_arena_copy(binder->arena, type->name, strlen(type->name));
    aggregate->property_name =
        property_index >= 0 ? query_arena_copy(binder->arena, type->properties[property_index].name,
                                               strlen(type->properties[property_index].name))
                            : NULL;
    if (aggregate->event_name == NULL || (property_index >= 0 && aggregate->property_name == NULL))
        return no_memory(binder);
    int64_t low = INT64_MIN, high = INT64_MAX;
    if (call->window == AST_WINDOW_RECENT) {
        high = binder->now_s;
        if (__builtin_sub_overflow(binder->now_s, call->window_s, &low)) low = INT64_MIN;
    } else if (call->window == AST_WINDOW_BETWEEN) {
        enum pdb_status status = window_bound(binder, &call->bounds[0], &low);
        if (status == PDB_OK) status = window_bound(binder, &call->bounds[1], &high);
        if (status != PDB_OK) return status;
    }
    if (type->retention_s > 0) { /* events older than the retention are never seen */
        int64_t kept_from;
        if (__builtin_sub_overflow(binder->now_s, type->retention_s, &kept_from))
            kept_from = INT64_MIN;
        if (kept_from > low) low = kept_from;
    }
    aggregate->time_low = low;
    aggregate->time_high = high;

    if (call->filter != NULL) {
        struct bound_node *filter = NULL;
        binder->event_type = type;
        enum pdb_status status = bind_node(binder, call->filter, &filter);
        binder->event_type = NULL;
        if (status != PDB_OK) return status;
        if (filter->kind != BOUND_TRUE) {
            uint32_t count = 0, depth_max = 0;
            collect_filter_leaves(filter, NULL, &count, 0, &depth_max);
            aggregate->filter_leaves =
                query_arena_alloc(binder->arena, (count ? count : 1) * sizeof(struct leaf *));
            if (aggregate->filter_leaves == NULL) return no_memory(binder);
            collect_filter_leaves(filter, aggregate->filter_leaves, &aggregate->filter_leaf_count,
                                  0, &depth_max);
            aggregate->filter = filter;
            aggregate->filter_level_count = depth_max + 1;
        }
    }

    switch (call->function) {
    case AST_AGGREGATE_COUNT:
    case AST_AGGREGATE_DISTINCT:
        *type_out = PDB_TYPE_INT;
        break;
    case AST_AGGREGATE_EXISTS:
        *type_out = PDB_TYPE_BOOL;
        break;
    case AST_AGGREGATE_FIRST:
    case AST_AGGREGATE_LAST:
        *type_out = PDB_TYPE_TIMESTAMP;
        break;
    default:
        *type_out = aggregate->property_type;
        break;
    }
    *aggregate_out = aggregate;
    return PDB_OK;
}

/* The predicate over a bound aggregate: `computed` names the computed attribute standing in
 * the node's place (messages then name it), or is NULL for an aggregate written out. */
static enum pdb_status bind_aggregate_predicate(struct binder *binder, const struct ast_node *node,
                                                struct event_aggregate *aggregate,
                                                enum pdb_type type, const char *computed,
                                                struct bound_node **out)
{
    struct subject subject = {node, UINT32_MAX, NULL, aggregate, {.name = {0}}};
    subject.stand_in.type = type;
    if (computed != NULL) {
        aggregate->computed_name = query_arena_copy(binder->arena, computed, strlen(computed));
        if (aggregate->computed_name == NULL) return no_memory(binder);
        snprintf(subject.stand_in.name, sizeof subject.stand_in.name, "%s", computed);
    } else {
        snprintf(subject.stand_in.name, sizeof subject.stand_in.name, "%s(%s%s%s)",
                 ast_aggregate_function_name(aggregate->function), aggregate->event_name,
                 aggregate->property_name ? "." : "",
                 aggregate->property_name ? aggregate->property_name : "");
    }
    subject.attribute = &subject.stand_in;
    if (computed == NULL && aggregate->function == AST_AGGREGATE_EXISTS &&
        node->op != AST_OP_BARE && node->op != AST_OP_EQUAL && node->op != AST_OP_NOT_EQUAL &&
        node->op != AST_OP_IN) {
        return aggregate_error(binder, node->operator_position,
                               "exists(...) is a condition by itself (use exists(...) or NOT "
                               "exists(...)), operator '%s%s' does not apply",
                               node->negated ? "NOT " : "", ast_operator_name(node->op));
    }
    return bind_subject(binder, &subject, out);
}

static enum pdb_status bind_aggregate(struct binder *binder, const struct ast_node *node,
                                      struct bound_node **out)
{
    struct event_aggregate *aggregate = NULL;
    enum pdb_type type = PDB_TYPE_INT;
    enum pdb_status status = bind_aggregate_call(binder, node->aggregate, &aggregate, &type);
    if (status != PDB_OK) return status;
    return bind_aggregate_predicate(binder, node, aggregate, type, NULL, out);
}

/* A computed attribute named by a predicate: its definition, parsed into the segment's arena
 * with the segment's now(), is bound in the attribute's place, so the predicate is exactly the
 * aggregate written out (always up to date with the events and the clock). The definition
 * was checked when the schema was loaded (segment_computed_check); should it still fail, the
 * error names the attribute and the definition's own position. */
static enum pdb_status bind_computed(struct binder *binder, const struct ast_node *node,
                                     uint32_t computed_index, struct bound_node **out)
{
    const struct computed_attribute *computed =
        &binder->schema->computed.attributes[computed_index];
    const struct ast_aggregate *call = NULL;
    struct event_aggregate *aggregate = NULL;
    enum pdb_type type = PDB_TYPE_INT;
    struct pdb_error inner = {0};
    struct pdb_error *outer = binder->error;
    binder->error = &inner;
    enum pdb_status status =
        computed_definition_parse(computed, binder->now_s, binder->arena, &call, &inner);
    if (status == PDB_OK) status = bind_aggregate_call(binder, call, &aggregate, &type);
    binder->error = outer;
    if (status != PDB_OK) {
        return error_set(binder->error, status,
                         "segment:%u:%u: computed attribute '%s' (schema line %u): %s",
                         node->attribute_position.line, node->attribute_position.column,
                         computed->name, computed->line, inner.message);
    }
    return bind_aggregate_predicate(binder, node, aggregate, type, computed->name, out);
}

enum pdb_status binder_bind_aggregate(const struct ast_aggregate *call, const struct schema *schema,
                                      int64_t now_s, struct query_arena *arena,
                                      struct event_aggregate **aggregate_out,
                                      enum pdb_type *type_out, struct pdb_error *error)
{
    struct binder binder = {.schema = schema, .arena = arena, .error = error, .now_s = now_s};
    return bind_aggregate_call(&binder, call, aggregate_out, type_out);
}

/* ---- Saved segments ------------------------------------------------------------------ */

static enum pdb_status bind_node(struct binder *binder, const struct ast_node *node,
                                 struct bound_node **out);

/* segment('name'): parses the saved text into the same arena and binds it in place, so the
 * bound tree (and everything after the binder) never sees a reference. Errors inside the
 * saved text are reported as "segment:L:C: in saved segment 'name': <its own error>". */
static enum pdb_status bind_saved(struct binder *binder, const struct ast_node *node,
                                  struct bound_node **out)
{
    const struct ast_literal *name = &node->literals[0];
    struct ast_position at = name->position;
    int shown = name->string_size > PDB_SAVED_SEGMENT_NAME_SIZE_MAX ? (int)PDB_SAVED_SEGMENT_NAME_SIZE_MAX
                                                                     : (int)name->string_size;
    size_t text_size = 0;
    const char *text = binder->library == NULL ? NULL
                       : binder->library->lookup(binder->library->context, name->string,
                                                 name->string_size, &text_size);
    if (text == NULL) {
        const char *suggestion = binder->library == NULL || binder->library->suggest == NULL
                                     ? NULL
                                     : binder->library->suggest(binder->library->context,
                                                                name->string, name->string_size);
        return error_set(binder->error, PDB_ERR_SEGMENT,
                         "segment:%u:%u: unknown saved segment '%.*s'%s%s%s", at.line, at.column,
                         shown, name->string, suggestion ? " (did you mean '" : "",
                         suggestion ? suggestion : "", suggestion ? "'?)" : "");
    }
    for (uint32_t i = 0; i < binder->depth; i++) {
        const struct bytes_view *outer = &binder->expanding[i];
        if (outer->size == name->string_size && memcmp(outer->data, name->string, outer->size) == 0) {
            return error_set(binder->error, PDB_ERR_SEGMENT,
                             "segment:%u:%u: saved segment '%.*s' refers to itself (a cycle "
                             "through %u saved segment%s)", at.line, at.column, shown,
                             name->string, binder->depth - i, binder->depth - i == 1 ? "" : "s");
        }
    }
    if (binder->depth == PDB_SAVED_SEGMENT_DEPTH_MAX) {
        return error_set(binder->error, PDB_ERR_LIMIT,
                         "segment:%u:%u: saved segment '%.*s' nests saved segments deeper than "
                         "%u (limit)", at.line, at.column, shown, name->string,
                         PDB_SAVED_SEGMENT_DEPTH_MAX);
    }
    struct pdb_error inner = {0};
    struct ast ast;
    enum pdb_status status = parser_parse(text, text_size, binder->now_s, binder->arena, &ast, &inner);
    if (status == PDB_OK) {
        struct pdb_error *outer_error = binder->error;
        binder->error = &inner;
        binder->expanding[binder->depth++] = (struct bytes_view){name->string, name->string_size};
        status = bind_node(binder, ast.root, out);
        binder->depth--;
        binder->error = outer_error;
    }
    if (status != PDB_OK) {
        return error_set(binder->error, status, "segment:%u:%u: in saved segment '%.*s': %s",
                         at.line, at.column, shown, name->string, inner.message);
    }
    return PDB_OK;
}

/* ---- Tree --------------------------------------------------------------------------- */

static enum pdb_status bind_node(struct binder *binder, const struct ast_node *node,
                                 struct bound_node **out)
{
    enum pdb_status status;
    switch (node->kind) {
    case AST_TRUE:
        return finish(binder, fold_constant(binder->arena, BOUND_TRUE), out);
    case AST_FALSE:
        return finish(binder, fold_constant(binder->arena, BOUND_FALSE), out);
    case AST_PREDICATE:
        return bind_predicate(binder, node, out);
    case AST_SEGMENT:
        if (binder->event_type != NULL)
            return error_set(binder->error, PDB_ERR_SEGMENT,
                             "segment:%u:%u: an event filter cannot use a saved segment",
                             node->position.line, node->position.column);
        return bind_saved(binder, node, out);
    case AST_NOT: {
        struct bound_node *child;
        status = bind_node(binder, node->first_child, &child);
        if (status != PDB_OK) return status;
        return finish(binder, fold_not(binder->arena, child), out);
    }
    case AST_AND:
    case AST_OR: {
        struct bound_node **children =
            query_arena_alloc(binder->arena, node->child_count * sizeof children[0]);
        if (children == NULL) return no_memory(binder);
        uint32_t i = 0;
        for (const struct ast_node *child = node->first_child; child; child = child->next_sibling) {
            status = bind_node(binder, child, &children[i++]);
            if (status != PDB_OK) return status;
        }
        return finish(binder,
                      fold_junction(binder->arena, node->kind == AST_AND ? BOUND_AND : BOUND_OR,
                                    children, node->child_count),
                      out);
    }
    }
    return no_memory(binder);
}

enum pdb_status binder_bind(const struct ast *ast, const struct schema *schema,
                            struct query_arena *arena, struct bound_node **root_out,
                            struct pdb_error *error)
{
    return binder_bind_library(ast, schema, NULL, 0, arena, root_out, error);
}

enum pdb_status binder_bind_library(const struct ast *ast, const struct schema *schema,
                                    const struct segment_library *library, int64_t now_s,
                                    struct query_arena *arena, struct bound_node **root_out,
                                    struct pdb_error *error)
{
    struct binder binder = {.schema = schema, .arena = arena, .error = error,
                            .library = library, .now_s = now_s};
    return bind_node(&binder, ast->root, root_out);
}
