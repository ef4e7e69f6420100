/*
 * segment_explain: the bound, folded tree as indented text, one node per line, two spaces
 * per level. Leaves are written back in segment syntax after folding, so the output shows
 * what will run: `age < 30.5` appears as `age <= 30`, `NOT age > 40` as `age <= 40`,
 * timestamps as ISO text, IN lists sorted and deduplicated. Lists and long strings are
 * shortened. segment_explain_plan adds, per node, the access path and estimated rows the
 * planner chose (plan.c) and, after an explain run (segment_profile_count), the actual rows,
 * chunks and time; as text or as one JSON object.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"
#include "query/query_internal.h"
#include "query/segment.h"

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

static int put_leaf(struct buffer *out, const struct leaf *leaf);
static int put_label(struct buffer *out, const struct bound_node *node);
static int put_aggregate(struct buffer *out, const struct event_aggregate *aggregate);

static int put_leaf_named(struct buffer *out, const struct leaf *leaf, const char *name);

/* An event leaf: the aggregate written out (window, filter), or the computed attribute's
 * name, then the test of its value. */
static int put_event_leaf(struct buffer *out, const struct leaf *leaf)
{
    struct buffer name;
    buffer_init(&name);
    /* A computed attribute is shown by its name, as the segment wrote it. */
    int failed = leaf->event->computed_name != NULL
                     ? buffer_printf(&name, "%s", leaf->event->computed_name)
                     : put_aggregate(&name, leaf->event);
    failed |= buffer_append(&name, "", 1);
    if (!failed && leaf->kind == LEAF_BOOL) {
        failed = buffer_printf(out, "%s%s", leaf->bool_value ? "" : "NOT ", (const char *)name.data);
    } else if (!failed) {
        failed = put_leaf_named(out, leaf, (const char *)name.data);
    }
    buffer_deinit(&name);
    return failed;
}

/* A filter tree on one line: junctions in parentheses. */
static int put_inline(struct buffer *out, const struct bound_node *node, bool is_nested)
{
    switch (node->kind) {
    case BOUND_NOT:
        return buffer_printf(out, "NOT ") | put_inline(out, node->children[0], true);
    case BOUND_AND:
    case BOUND_OR:
        break;
    default: /* constants and leaves read the same inline as on a line of their own */
        return put_label(out, node);
    }
    int failed = is_nested ? buffer_append(out, "(", 1) : 0;
    for (uint32_t i = 0; i < node->child_count && !failed; i++) {
        if (i) failed |= buffer_printf(out, node->kind == BOUND_AND ? " AND " : " OR ");
        failed |= put_inline(out, node->children[i], true);
    }
    return failed | (is_nested ? buffer_append(out, ")", 1) : 0);
}

static int put_aggregate(struct buffer *out, const struct event_aggregate *aggregate)
{
    int failed = buffer_printf(out, "%s(%s%s%s", ast_aggregate_function_name(aggregate->function),
                               aggregate->event_name, aggregate->property_name ? "." : "",
                               aggregate->property_name ? aggregate->property_name : "");
    if (aggregate->window == AST_WINDOW_RECENT) {
        char duration[32];
        event_duration_format(aggregate->window_s, duration, sizeof duration);
        failed |= buffer_printf(out, ", %s", duration);
    } else if (aggregate->window == AST_WINDOW_BETWEEN) {
        failed |= buffer_printf(out, ", BETWEEN ") |
                  put_int(out, PDB_TYPE_TIMESTAMP, aggregate->time_low) |
                  buffer_printf(out, " AND ") |
                  put_int(out, PDB_TYPE_TIMESTAMP, aggregate->time_high);
    }
    if (aggregate->filter != NULL)
        failed |= buffer_printf(out, ", ") | put_inline(out, aggregate->filter, false);
    return failed | buffer_append(out, ")", 1);
}

static int put_leaf(struct buffer *out, const struct leaf *leaf)
{
    if (leaf->event != NULL) return put_event_leaf(out, leaf);
    return put_leaf_named(out, leaf, leaf->attribute_name);
}

static int put_leaf_named(struct buffer *out, const struct leaf *leaf, const char *name)
{
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

static int put_label(struct buffer *out, const struct bound_node *node)
{
    switch (node->kind) {
    case BOUND_TRUE:
        return buffer_printf(out, "TRUE");
    case BOUND_FALSE:
        return buffer_printf(out, "FALSE");
    case BOUND_UNKNOWN:
        return buffer_printf(out, "UNKNOWN");
    case BOUND_AND:
        return buffer_printf(out, "AND");
    case BOUND_OR:
        return buffer_printf(out, "OR");
    case BOUND_NOT:
        return buffer_printf(out, "NOT");
    case BOUND_LEAF:
        return put_leaf(out, node->leaf);
    }
    return buffer_printf(out, "?");
}

static int put_node(struct buffer *out, const struct bound_node *node, uint32_t indent)
{
    int failed = 0;
    for (uint32_t i = 0; i < indent; i++)
        failed |= buffer_append(out, "  ", 2);
    failed |= put_label(out, node);
    failed |= buffer_append(out, "\n", 1);
    for (uint32_t i = 0; i < node->child_count && !failed; i++)
        failed |= put_node(out, node->children[i], indent + 1);
    return failed;
}

enum pdb_status segment_explain(const struct segment *segment, struct buffer *out)
{
    return put_node(out, segment->root, 0) ? PDB_ERR_NO_MEMORY : PDB_OK;
}

/* ---- The plan with estimates and measurements (segment_explain_plan) ------------------- */

struct plan_render {
    const struct segment_profile *profile; /* NULL: estimates only */
    double row_count;
    struct buffer label; /* scratch for one node's label (JSON escaping) */
};

static uint64_t estimated_rows(const struct plan_render *render, const struct bound_node *node)
{
    return (uint64_t)llround(node->estimate * render->row_count);
}

static int put_plan_text(struct buffer *out, struct plan_render *render,
                         const struct bound_node *node, uint32_t indent)
{
    int failed = 0;
    for (uint32_t i = 0; i < indent; i++)
        failed |= buffer_append(out, "  ", 2);
    failed |= put_label(out, node);
    failed |= buffer_printf(out, "  [");
    if (node->kind == BOUND_LEAF)
        failed |= buffer_printf(out, "%s, ", plan_access_name(node->leaf->plan.access));
    failed |= buffer_printf(out, "est %" PRIu64 " rows", estimated_rows(render, node));
    if (render->profile != NULL) {
        const struct segment_node_profile *p = &render->profile->nodes[node->node_index];
        failed |= buffer_printf(out, ", actual %" PRIu64 " rows in %" PRIu32 " chunks", p->rows_true,
                                p->chunks_run);
        bool is_zone = node->kind == BOUND_LEAF && node->leaf->plan.access == ACCESS_ZONE_SCAN;
        if (p->chunks_decided)
            failed |= buffer_printf(out, " (%" PRIu32 " decided %s)", p->chunks_decided,
                                    is_zone ? "by the zone map" : "without a scan");
        if (p->chunks_skipped)
            failed |= buffer_printf(out, ", %" PRIu32 " chunks skipped (early stop)", p->chunks_skipped);
        failed |= buffer_printf(out, ", %.3f ms", (double)p->time_ns / 1e6);
    }
    failed |= buffer_printf(out, "]\n");
    for (uint32_t i = 0; i < node->child_count && !failed; i++)
        failed |= put_plan_text(out, render, node->children[i], indent + 1);
    return failed;
}

static int put_json_string(struct buffer *out, const char *data, size_t size)
{
    int failed = buffer_append(out, "\"", 1);
    for (size_t i = 0; i < size && !failed; i++) {
        unsigned char byte = (unsigned char)data[i];
        if (byte == '"' || byte == '\\')
            failed |= buffer_printf(out, "\\%c", byte);
        else if (byte < 0x20)
            failed |= buffer_printf(out, "\\u%04x", byte);
        else
            failed |= buffer_append(out, &data[i], 1);
    }
    return failed | buffer_append(out, "\"", 1);
}

static const char *node_kind_name(enum bound_kind kind)
{
    static const char *const names[] = {
        [BOUND_TRUE] = "true", [BOUND_FALSE] = "false", [BOUND_UNKNOWN] = "unknown",
        [BOUND_AND] = "and",   [BOUND_OR] = "or",       [BOUND_NOT] = "not",
        [BOUND_LEAF] = "leaf",
    };
    return names[kind];
}

static int put_plan_json(struct buffer *out, struct plan_render *render,
                         const struct bound_node *node)
{
    buffer_reset(&render->label);
    int failed = put_label(&render->label, node);
    failed |= buffer_printf(out, "{\"node\":\"%s\",\"text\":", node_kind_name(node->kind));
    failed |= put_json_string(out, (const char *)render->label.data, render->label.size);
    if (node->kind == BOUND_LEAF)
        failed |= buffer_printf(out, ",\"attribute\":") |
                  put_json_string(out, node->leaf->attribute_name,
                                  strlen(node->leaf->attribute_name)) |
                  buffer_printf(out, ",\"access\":\"%s\"",
                                plan_access_name(node->leaf->plan.access));
    failed |= buffer_printf(out, ",\"estimated_rows\":%" PRIu64 ",\"estimated_bytes\":%.0f",
                            estimated_rows(render, node), node->cost_bytes);
    if (render->profile != NULL) {
        const struct segment_node_profile *p = &render->profile->nodes[node->node_index];
        failed |= buffer_printf(out,
                                ",\"actual_rows\":%" PRIu64 ",\"chunks_run\":%" PRIu32
                                ",\"chunks_decided\":%" PRIu32 ",\"chunks_skipped\":%" PRIu32
                                ",\"time_ms\":%.3f",
                                p->rows_true, p->chunks_run, p->chunks_decided, p->chunks_skipped,
                                (double)p->time_ns / 1e6);
    }
    if (node->child_count > 0) {
        failed |= buffer_printf(out, ",\"children\":[");
        for (uint32_t i = 0; i < node->child_count && !failed; i++) {
            if (i > 0) failed |= buffer_append(out, ",", 1);
            failed |= put_plan_json(out, render, node->children[i]);
        }
        failed |= buffer_append(out, "]", 1);
    }
    return failed | buffer_append(out, "}", 1);
}

enum pdb_status segment_explain_plan(const struct segment *segment,
                                     const struct segment_profile *profile,
                                     enum segment_explain_format format, struct buffer *out)
{
    struct plan_render render = {.profile = profile};
    const struct table *table = segment->prepared_table;
    render.row_count = table != NULL ? (double)table->row_count : 0;
    buffer_init(&render.label);
    int failed = 0;
    if (format == SEGMENT_EXPLAIN_JSON) {
        failed |= buffer_printf(out, "{\"rows\":%.0f", render.row_count);
        if (profile != NULL)
            failed |= buffer_printf(out,
                                    ",\"count\":%" PRIu64 ",\"chunks\":%" PRIu32
                                    ",\"deleted_rows\":%" PRIu64 ",\"evaluate_ms\":%.3f",
                                    profile->count, profile->chunk_count, profile->deleted_count,
                                    profile->evaluate_s * 1e3);
        failed |= buffer_printf(out, ",\"plan\":") | put_plan_json(out, &render, segment->root);
        failed |= buffer_printf(out, "}\n");
    } else {
        failed |= put_plan_text(out, &render, segment->root, 0);
        if (profile != NULL)
            failed |= buffer_printf(out,
                                    "count %" PRIu64 " of %" PRIu64 " rows in %" PRIu32
                                    " chunks (%" PRIu64 " deleted rows excluded), %.3f ms "
                                    "on one thread\n",
                                    profile->count, profile->row_count, profile->chunk_count,
                                    profile->deleted_count, profile->evaluate_s * 1e3);
    }
    buffer_deinit(&render.label);
    return failed ? PDB_ERR_NO_MEMORY : PDB_OK;
}
