/*
 * segment_explain: the bound, folded tree as indented text, one node per line, two spaces
 * per level. Leaves are written back in segment syntax after folding, so the output shows
 * what will run: `age < 30.5` appears as `age <= 30`, `NOT age > 40` as `age <= 40`,
 * timestamps as ISO text, IN lists sorted and deduplicated. Lists and long strings are
 * shortened. A later issue appends estimated/actual rows and timings to each line.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"
#include "query/query_internal.h"

#define EXPLAIN_LIST_VALUES_MAX 16u   /* list values shown before "... (N values)" */
#define EXPLAIN_STRING_BYTES_MAX 120u /* string bytes shown before "..." */

static int put_string(struct buffer *out, struct bytes_view text)
{
    uint32_t shown = text.size > EXPLAIN_STRING_BYTES_MAX ? EXPLAIN_STRING_BYTES_MAX : text.size;
    int failed = buffer_append(out, "'", 1);
    for (uint32_t i = 0; i < shown && !failed; i++) {
        failed |= buffer_append(out, &text.data[i], 1);
        if (text.data[i] == '\'') failed |= buffer_append(out, "'", 1);
    }
    if (shown < text.size) failed |= buffer_printf(out, "...(%" PRIu32 " bytes)", text.size);
    return failed | buffer_append(out, "'", 1);
}

static int put_int(struct buffer *out, enum pdb_type type, int64_t value)
{
    if (type == PDB_TYPE_TIMESTAMP) {
        char text[TIMESTAMP_TEXT_SIZE];
        timestamp_format(value, text);
        return buffer_printf(out, "'%s'", text);
    }
    return buffer_printf(out, "%" PRId64, value);
}

/* The shortest text that reads back as `value`. */
static void float_text(double value, char *text, size_t size)
{
    char candidate[40];
    text[0] = '\0';
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(candidate, sizeof candidate, "%.*g", precision, value);
        if (strtod(candidate, NULL) == value &&
            (text[0] == '\0' || strlen(candidate) < strlen(text)))
            snprintf(text, size, "%s", candidate);
    }
}

static int put_float(struct buffer *out, double value)
{
    char text[40];
    float_text(value, text, sizeof text);
    return buffer_printf(out, "%s", text);
}

/* "name >= bound" or, when shorter, the equivalent strict form: x >= 100.00000000000001 is
 * printed as x > 100 (no double lies between them). */
static int put_float_bound(struct buffer *out, const char * not, const char *name, double bound,
                           bool is_low)
{
    char text[40], strict[40];
    float_text(bound, text, sizeof text);
    double neighbour = nextafter(bound, is_low ? -INFINITY : INFINITY) + 0.0; /* no -0 */
    float_text(neighbour, strict, sizeof strict);
    if (isfinite(neighbour) && strlen(strict) < strlen(text))
        return buffer_printf(out, "%s%s %s %s", not, name, is_low ? ">" : "<", strict);
    return buffer_printf(out, "%s%s %s %s", not, name, is_low ? ">=" : "<=", text);
}

/* "(v1, v2, ...[, NULL])" for the leaf's list. */
static int put_list(struct buffer *out, const struct leaf *leaf, uint32_t count)
{
    int failed = buffer_append(out, "(", 1);
    uint32_t shown = count > EXPLAIN_LIST_VALUES_MAX ? EXPLAIN_LIST_VALUES_MAX : count;
    for (uint32_t i = 0; i < shown && !failed; i++) {
        if (i) failed |= buffer_append(out, ", ", 2);
        switch (leaf->kind) {
        case LEAF_INT_IN:
            failed |= put_int(out, leaf->type, leaf->int_values[i]);
            break;
        case LEAF_FLOAT_IN:
            failed |= put_float(out, leaf->float_values[i]);
            break;
        case LEAF_TAGS:
            failed |= put_string(out, leaf->tags[i]);
            break;
        default:
            failed |= put_string(out, leaf->string.values[i]);
            break;
        }
    }
    if (shown < count) failed |= buffer_printf(out, ", ... (%" PRIu32 " values)", count);
    if (leaf->null_in_list) failed |= buffer_append(out, count ? ", NULL" : "NULL", count ? 6 : 4);
    return failed | buffer_append(out, ")", 1);
}

/* A single-value range with NULL in its IN list is written as the IN list it came from. */
static int put_point_in(struct buffer *out, const struct leaf *leaf, const char *name)
{
    int failed = buffer_printf(out, "%s %sIN (", name, leaf->negated ? "NOT " : "");
    switch (leaf->kind) {
    case LEAF_INT_RANGE:
        failed |= put_int(out, leaf->type, leaf->int_low);
        break;
    case LEAF_FLOAT_RANGE:
        failed |= put_float(out, leaf->float_low);
        break;
    case LEAF_BOOL:
        failed |= buffer_printf(out, "%s", leaf->bool_value ? "TRUE" : "FALSE");
        break;
    default:
        failed |= put_string(out, leaf->string.low);
        break;
    }
    return failed | buffer_printf(out, ", NULL)");
}

static int put_int_range(struct buffer *out, const struct leaf *leaf, const char *name)
{
    const char *not = leaf->negated ? "NOT " : "";
    if (leaf->int_low == leaf->int_high) {
        int failed = buffer_printf(out, "%s %s ", name, leaf->negated ? "!=" : "=");
        return failed | put_int(out, leaf->type, leaf->int_low);
    }
    if (leaf->int_low == INT64_MIN)
        return buffer_printf(out, "%s%s <= ", not, name) | put_int(out, leaf->type, leaf->int_high);
    if (leaf->int_high == INT64_MAX)
        return buffer_printf(out, "%s%s >= ", not, name) | put_int(out, leaf->type, leaf->int_low);
    return buffer_printf(out, "%s %sBETWEEN ", name, not ) |
           put_int(out, leaf->type, leaf->int_low) | buffer_printf(out, " AND ") |
           put_int(out, leaf->type, leaf->int_high);
}

static int put_float_range(struct buffer *out, const struct leaf *leaf, const char *name)
{
    const char *not = leaf->negated ? "NOT " : "";
    if (leaf->float_low == leaf->float_high)
        return buffer_printf(out, "%s %s ", name, leaf->negated ? "!=" : "=") |
               put_float(out, leaf->float_low);
    if (leaf->float_low == -INFINITY)
        return put_float_bound(out, not, name, leaf->float_high, false);
    if (leaf->float_high == INFINITY) return put_float_bound(out, not, name, leaf->float_low, true);
    return buffer_printf(out, "%s %sBETWEEN ", name, not ) | put_float(out, leaf->float_low) |
           buffer_printf(out, " AND ") | put_float(out, leaf->float_high);
}

static int put_string_test(struct buffer *out, const struct leaf *leaf, const char *name)
{
    const struct string_test *test = &leaf->string;
    const char *not = leaf->negated ? "NOT " : "";
    switch (test->kind) {
    case STRING_TEST_IN:
        return buffer_printf(out, "%s %sIN ", name, not ) | put_list(out, leaf, test->value_count);
    case STRING_TEST_STARTS:
    case STRING_TEST_ENDS:
    case STRING_TEST_CONTAINS: {
        const char *op = test->kind == STRING_TEST_STARTS ? "STARTS WITH"
                         : test->kind == STRING_TEST_ENDS ? "ENDS WITH"
                                                          : "CONTAINS";
        return buffer_printf(out, "%s %s%s%s ", name, not, test->case_insensitive ? "I" : "", op) |
               put_string(out, test->pattern);
    }
    case STRING_TEST_RANGE:
        break;
    }
    if (test->has_low && test->has_high && test->low_inclusive && test->high_inclusive) {
        if (query_bytes_compare(test->low.data, test->low.size, test->high.data, test->high.size) ==
            0)
            return buffer_printf(out, "%s %s ", name, leaf->negated ? "!=" : "=") |
                   put_string(out, test->low);
        return buffer_printf(out, "%s %sBETWEEN ", name, not ) | put_string(out, test->low) |
               buffer_printf(out, " AND ") | put_string(out, test->high);
    }
    int failed = buffer_printf(out, "%s", not );
    if (test->has_low)
        failed |= buffer_printf(out, "%s %s ", name, test->low_inclusive ? ">=" : ">") |
                  put_string(out, test->low);
    if (test->has_low && test->has_high) failed |= buffer_printf(out, " AND ");
    if (test->has_high)
        failed |= buffer_printf(out, "%s %s ", name, test->high_inclusive ? "<=" : "<") |
                  put_string(out, test->high);
    return failed;
}

static int put_leaf(struct buffer *out, const struct leaf *leaf)
{
    const char *name = leaf->attribute_name;
    const char *not = leaf->negated ? "NOT " : "";
    bool is_point = (leaf->kind == LEAF_INT_RANGE && leaf->int_low == leaf->int_high) ||
                    (leaf->kind == LEAF_FLOAT_RANGE && leaf->float_low == leaf->float_high) ||
                    leaf->kind == LEAF_BOOL ||
                    (leaf->kind == LEAF_STRING && leaf->string.kind == STRING_TEST_RANGE);
    if (leaf->null_in_list && is_point) return put_point_in(out, leaf, name);
    switch (leaf->kind) {
    case LEAF_IS_NULL:
        return buffer_printf(out, "%s IS %sNULL", name, not );
    case LEAF_CONSTANT:
        return buffer_printf(out, "%s: %s for every non-null value, UNKNOWN for NULL", name,
                             leaf->constant_matches ? "TRUE" : "FALSE");
    case LEAF_BOOL:
        return buffer_printf(out, "%s = %s", name, leaf->bool_value ? "TRUE" : "FALSE");
    case LEAF_INT_RANGE:
        return put_int_range(out, leaf, name);
    case LEAF_FLOAT_RANGE:
        return put_float_range(out, leaf, name);
    case LEAF_INT_IN:
    case LEAF_FLOAT_IN:
        return buffer_printf(out, "%s %sIN ", name, not ) | put_list(out, leaf, leaf->value_count);
    case LEAF_STRING:
        return put_string_test(out, leaf, name);
    case LEAF_TAGS:
        if (!leaf->tags_all && leaf->tag_count == 1)
            return buffer_printf(out, "%s %sHAS ", name, not ) | put_string(out, leaf->tags[0]);
        return buffer_printf(out, "%s %sHAS %s ", name, not, leaf->tags_all ? "ALL" : "ANY") |
               put_list(out, leaf, leaf->tag_count);
    default:
        return buffer_printf(out, "%s: ?", name);
    }
}

static int put_node(struct buffer *out, const struct bound_node *node, uint32_t indent)
{
    int failed = 0;
    for (uint32_t i = 0; i < indent; i++)
        failed |= buffer_append(out, "  ", 2);
    switch (node->kind) {
    case BOUND_TRUE:
        failed |= buffer_printf(out, "TRUE");
        break;
    case BOUND_FALSE:
        failed |= buffer_printf(out, "FALSE");
        break;
    case BOUND_UNKNOWN:
        failed |= buffer_printf(out, "UNKNOWN");
        break;
    case BOUND_AND:
        failed |= buffer_printf(out, "AND");
        break;
    case BOUND_OR:
        failed |= buffer_printf(out, "OR");
        break;
    case BOUND_NOT:
        failed |= buffer_printf(out, "NOT");
        break;
    case BOUND_LEAF:
        failed |= put_leaf(out, node->leaf);
        break;
    }
    failed |= buffer_append(out, "\n", 1);
    for (uint32_t i = 0; i < node->child_count && !failed; i++)
        failed |= put_node(out, node->children[i], indent + 1);
    return failed;
}

enum pdb_status segment_explain(const struct segment *segment, struct buffer *out)
{
    return put_node(out, segment->root, 0) ? PDB_ERR_NO_MEMORY : PDB_OK;
}
