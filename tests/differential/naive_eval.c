/*
 * The naive reference evaluator: walks the test's own expression tree for every row of the
 * test's own row structs, in SQL three-valued logic written out longhand
 * (notes/segment_spec.md). No indexes, no vectors, no shortcuts, no engine code: the point
 * is to be obviously right and unlike the engine. Only the case folding (utf8proc, which the
 * spec names) is shared in spirit with the engine; the folded forms are precomputed per cell.
 */
#include "diff.h"

#include <string.h>

enum truth { FALSE_, TRUE_, UNKNOWN_ };

static enum truth truth_of(bool value)
{
    return value ? TRUE_ : FALSE_;
}

static enum truth truth_not(enum truth value)
{
    if (value == UNKNOWN_) return UNKNOWN_;
    return value == TRUE_ ? FALSE_ : TRUE_;
}

static enum truth truth_and(enum truth left, enum truth right)
{
    if (left == FALSE_ || right == FALSE_) return FALSE_;
    if (left == UNKNOWN_ || right == UNKNOWN_) return UNKNOWN_;
    return TRUE_;
}

static enum truth truth_or(enum truth left, enum truth right)
{
    if (left == TRUE_ || right == TRUE_) return TRUE_;
    if (left == UNKNOWN_ || right == UNKNOWN_) return UNKNOWN_;
    return FALSE_;
}

/* Three-way order of a non-null cell against a non-null literal of a matching family. */
static int order_cell_literal(enum diff_attr_id attr, const struct diff_cell *cell,
                              const struct diff_literal *literal)
{
    switch (diff_attrs[attr].type) {
    case PDB_TYPE_BOOL:
    case PDB_TYPE_TIMESTAMP:
        return cell->int_value < literal->int_value ? -1 : cell->int_value > literal->int_value;
    case PDB_TYPE_INT:
        if (literal->kind == DIFF_LITERAL_FLOAT)
            return diff_compare_int_double(cell->int_value, literal->float_value);
        return cell->int_value < literal->int_value ? -1 : cell->int_value > literal->int_value;
    case PDB_TYPE_FLOAT:
        if (literal->kind == DIFF_LITERAL_INT)
            return -diff_compare_int_double(literal->int_value, cell->float_value);
        if (cell->float_value < literal->float_value) return -1;
        if (cell->float_value > literal->float_value) return 1;
        return 0;
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        return diff_compare_bytes(cell->string_data, cell->string_size, literal->string_data,
                                  literal->string_size);
    default:
        return 0;
    }
}

/* `left op right` for an order of left against right. */
static bool order_satisfies(enum diff_op op, int order)
{
    switch (op) {
    case DIFF_OP_EQ:
        return order == 0;
    case DIFF_OP_NE:
        return order != 0;
    case DIFF_OP_LT:
        return order < 0;
    case DIFF_OP_LE:
        return order <= 0;
    case DIFF_OP_GT:
        return order > 0;
    case DIFF_OP_GE:
        return order >= 0;
    default:
        return false;
    }
}

/* cell op literal (or literal op cell when literal_left). */
static enum truth compare(enum diff_attr_id attr, const struct diff_cell *cell, enum diff_op op,
                          const struct diff_literal *literal, bool literal_left)
{
    if (cell->is_null || literal->kind == DIFF_LITERAL_NULL) return UNKNOWN_;
    int order = order_cell_literal(attr, cell, literal);
    if (literal_left) order = -order;
    return truth_of(order_satisfies(op, order));
}

static bool bytes_start_with(const char *data, uint32_t size, const char *prefix,
                             uint32_t prefix_size)
{
    return prefix_size <= size && memcmp(data, prefix, prefix_size) == 0;
}

static bool bytes_end_with(const char *data, uint32_t size, const char *suffix,
                           uint32_t suffix_size)
{
    return suffix_size <= size && memcmp(data + size - suffix_size, suffix, suffix_size) == 0;
}

static bool bytes_contain(const char *data, uint32_t size, const char *needle, uint32_t needle_size)
{
    if (needle_size == 0) return true;
    for (uint32_t start = 0; start + needle_size <= size; start++) {
        if (memcmp(data + start, needle, needle_size) == 0) return true;
    }
    return false;
}

static bool set_has(const struct diff_cell *cell, const struct diff_literal *tag)
{
    int index = diff_tag_index(tag->string_data, tag->string_size);
    return index >= 0 && (cell->tag_mask & (1u << index));
}

static enum truth predicate(const struct diff_data *data, uint32_t row,
                            const struct diff_node *node)
{
    const struct diff_cell *cell = diff_cell_at(data, row, node->attr);
    const struct diff_literal *literals = node->literals;
    enum truth result = UNKNOWN_;
    switch (node->op) {
    case DIFF_OP_EQ:
    case DIFF_OP_NE:
    case DIFF_OP_LT:
    case DIFF_OP_LE:
    case DIFF_OP_GT:
    case DIFF_OP_GE:
        return compare(node->attr, cell, node->op, &literals[0], node->is_literal_left);
    case DIFF_OP_BETWEEN:
        result = truth_and(compare(node->attr, cell, DIFF_OP_GE, &literals[0], false),
                           compare(node->attr, cell, DIFF_OP_LE, &literals[1], false));
        break;
    case DIFF_OP_IN: {
        bool found = false, saw_null = false;
        for (uint32_t i = 0; i < node->literal_count; i++) {
            if (literals[i].kind == DIFF_LITERAL_NULL)
                saw_null = true;
            else if (compare(node->attr, cell, DIFF_OP_EQ, &literals[i], false) == TRUE_)
                found = true;
        }
        if (found)
            result = TRUE_;
        else if (cell->is_null || saw_null)
            result = UNKNOWN_;
        else
            result = FALSE_;
        break;
    }
    case DIFF_OP_IS_NULL:
        result = truth_of(cell->is_null);
        break;
    case DIFF_OP_STARTS:
    case DIFF_OP_ENDS:
    case DIFF_OP_CONTAINS:
    case DIFF_OP_ISTARTS:
    case DIFF_OP_IENDS:
    case DIFF_OP_ICONTAINS: {
        if (cell->is_null) break;
        bool is_folded = node->op >= DIFF_OP_ISTARTS;
        const char *value = is_folded ? cell->folded_data : cell->string_data;
        uint32_t value_size = is_folded ? cell->folded_size : cell->string_size;
        const char *pattern = is_folded ? literals[0].folded_data : literals[0].string_data;
        uint32_t pattern_size = is_folded ? literals[0].folded_size : literals[0].string_size;
        if (node->op == DIFF_OP_STARTS || node->op == DIFF_OP_ISTARTS)
            result = truth_of(bytes_start_with(value, value_size, pattern, pattern_size));
        else if (node->op == DIFF_OP_ENDS || node->op == DIFF_OP_IENDS)
            result = truth_of(bytes_end_with(value, value_size, pattern, pattern_size));
        else
            result = truth_of(bytes_contain(value, value_size, pattern, pattern_size));
        break;
    }
    case DIFF_OP_HAS:
    case DIFF_OP_HAS_ANY:
    case DIFF_OP_HAS_ALL: {
        if (cell->is_null) break;
        bool any = false, all = true;
        for (uint32_t i = 0; i < node->literal_count; i++) {
            if (set_has(cell, &literals[i]))
                any = true;
            else
                all = false;
        }
        result = truth_of(node->op == DIFF_OP_HAS_ALL ? all : any);
        break;
    }
    case DIFF_OP_BARE:
        if (!cell->is_null) result = truth_of(cell->int_value == 1);
        break;
    case DIFF_OP_COUNT:
        break;
    }
    return node->is_negated ? truth_not(result) : result;
}

static enum truth evaluate(const struct diff_data *data, uint32_t row, const struct diff_node *node)
{
    switch (node->kind) {
    /* FALSE AND x is FALSE and TRUE OR x is TRUE whatever x is: skip x (only for speed). */
    case DIFF_NODE_AND: {
        enum truth left = evaluate(data, row, node->left);
        return left == FALSE_ ? FALSE_ : truth_and(left, evaluate(data, row, node->right));
    }
    case DIFF_NODE_OR: {
        enum truth left = evaluate(data, row, node->left);
        return left == TRUE_ ? TRUE_ : truth_or(left, evaluate(data, row, node->right));
    }
    case DIFF_NODE_NOT:
        return truth_not(evaluate(data, row, node->left));
    case DIFF_NODE_TRUE:
        return TRUE_;
    case DIFF_NODE_FALSE:
        return FALSE_;
    case DIFF_NODE_PREDICATE:
        return predicate(data, row, node);
    }
    return UNKNOWN_;
}

uint32_t diff_naive_ids(const struct diff_data *data, const struct diff_node *root, uint32_t *ids)
{
    uint32_t count = 0;
    for (uint32_t row = 0; row < data->row_count; row++) {
        if (evaluate(data, row, root) == TRUE_) ids[count++] = row;
    }
    return count;
}
