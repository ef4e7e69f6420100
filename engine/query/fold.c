/*
 * Constant folding of the bound tree, applied as the binder builds it.
 *
 * Rules (each exact under SQL three-valued logic):
 *  - NOT TRUE = FALSE, NOT FALSE = TRUE, NOT UNKNOWN = UNKNOWN, NOT NOT x = x.
 *  - NOT of a leaf flips the leaf's `negated`; for a leaf without NULL in its IN list the
 *    flip is folded further into the leaf: bool value, one-sided ranges of numbers and
 *    strings (for non-null values NOT x <= 30 is x >= 31), constant leaves.
 *  - AND/OR flatten nested nodes of the same kind; TRUE is dropped from AND and FALSE from
 *    OR; FALSE absorbs an AND and TRUE an OR; several UNKNOWN constants become one; an empty
 *    AND is TRUE, an empty OR FALSE, a single child stands alone.
 *  - A leaf matching no non-null value but with NULL in its IN list is UNKNOWN everywhere.
 */
#include <math.h>
#include <string.h>

#include "query/query_internal.h"

struct bound_node *fold_constant(struct query_arena *arena, enum bound_kind kind)
{
    struct bound_node *node = query_arena_alloc(arena, sizeof *node);
    if (node != NULL) node->kind = kind;
    return node;
}

static void make_constant(struct leaf *leaf, bool matches)
{
    leaf->kind = LEAF_CONSTANT;
    leaf->constant_matches = matches;
}

/* Folds `negated` (and NULL-in-list constants) into the leaf where that is exact. Returns
 * BOUND_LEAF, or BOUND_UNKNOWN when the leaf is UNKNOWN for every row. */
static enum bound_kind normalise(struct leaf *leaf)
{
    switch (leaf->kind) {
    case LEAF_INT_RANGE:
        if (leaf->int_low == INT64_MIN && leaf->int_high == INT64_MAX) make_constant(leaf, true);
        break;
    case LEAF_FLOAT_RANGE:
        if (leaf->float_low == -INFINITY && leaf->float_high == INFINITY) make_constant(leaf, true);
        break;
    case LEAF_STRING:
        if (leaf->string.kind == STRING_TEST_RANGE && !leaf->string.has_low &&
            !leaf->string.has_high)
            make_constant(leaf, true);
        break;
    default:
        break;
    }
    if (leaf->null_in_list) {
        if (leaf->kind != LEAF_CONSTANT) return BOUND_LEAF;
        /* x IN (no matching value, NULL): UNKNOWN for every row, negated or not.
         * x IN (every value, NULL): TRUE for non-null rows, like the plain constant. */
        if (!leaf->constant_matches) return BOUND_UNKNOWN;
        leaf->null_in_list = false;
    }
    if (!leaf->negated) return BOUND_LEAF;
    switch (leaf->kind) {
    case LEAF_CONSTANT:
        leaf->constant_matches = !leaf->constant_matches;
        leaf->negated = false;
        break;
    case LEAF_BOOL:
        leaf->bool_value = !leaf->bool_value;
        leaf->negated = false;
        break;
    case LEAF_INT_RANGE:
        if (leaf->int_low == INT64_MIN) { /* NOT x <= h  is  x >= h + 1 (h < MAX here) */
            leaf->int_low = leaf->int_high + 1;
            leaf->int_high = INT64_MAX;
            leaf->negated = false;
        } else if (leaf->int_high == INT64_MAX) {
            leaf->int_high = leaf->int_low - 1;
            leaf->int_low = INT64_MIN;
            leaf->negated = false;
        }
        break;
    case LEAF_FLOAT_RANGE:
        if (leaf->float_low == -INFINITY) {
            double low = nextafter(leaf->float_high, INFINITY);
            leaf->negated = false;
            if (low == INFINITY) {
                make_constant(leaf, false);
            } else {
                leaf->float_low = low;
                leaf->float_high = INFINITY;
            }
        } else if (leaf->float_high == INFINITY) {
            double high = nextafter(leaf->float_low, -INFINITY);
            leaf->negated = false;
            if (high == -INFINITY) {
                make_constant(leaf, false);
            } else {
                leaf->float_high = high;
                leaf->float_low = -INFINITY;
            }
        }
        break;
    case LEAF_STRING: {
        struct string_test *test = &leaf->string;
        if (test->kind != STRING_TEST_RANGE || test->has_low == test->has_high) break;
        /* NOT x < 'b' is x >= 'b' (and so on) for non-null values. */
        if (test->has_high) {
            test->low = test->high;
            test->low_inclusive = !test->high_inclusive;
        } else {
            test->high = test->low;
            test->high_inclusive = !test->low_inclusive;
        }
        test->has_low = !test->has_low;
        test->has_high = !test->has_high;
        leaf->negated = false;
        break;
    }
    default:
        break;
    }
    return BOUND_LEAF;
}

struct bound_node *fold_leaf(struct query_arena *arena, struct leaf *leaf)
{
    enum bound_kind kind = normalise(leaf);
    if (kind != BOUND_LEAF) return fold_constant(arena, kind);
    struct bound_node *node = fold_constant(arena, BOUND_LEAF);
    if (node != NULL) node->leaf = leaf;
    return node;
}

struct bound_node *fold_not(struct query_arena *arena, struct bound_node *child)
{
    switch (child->kind) {
    case BOUND_TRUE:
        return fold_constant(arena, BOUND_FALSE);
    case BOUND_FALSE:
        return fold_constant(arena, BOUND_TRUE);
    case BOUND_UNKNOWN:
        return child;
    case BOUND_NOT:
        return child->children[0];
    case BOUND_LEAF:
        child->leaf->negated = !child->leaf->negated;
        return fold_leaf(arena, child->leaf);
    default:
        break;
    }
    struct bound_node *node = fold_constant(arena, BOUND_NOT);
    if (node == NULL) return NULL;
    node->children = query_arena_alloc(arena, sizeof node->children[0]);
    if (node->children == NULL) return NULL;
    node->children[0] = child;
    node->child_count = 1;
    return node;
}

struct bound_node *fold_junction(struct query_arena *arena, enum bound_kind kind,
                                 struct bound_node **children, uint32_t count)
{
    enum bound_kind absorbing = kind == BOUND_AND ? BOUND_FALSE : BOUND_TRUE;
    enum bound_kind identity = kind == BOUND_AND ? BOUND_TRUE : BOUND_FALSE;
    size_t flat = 0;
    for (uint32_t i = 0; i < count; i++)
        flat += children[i]->kind == kind ? children[i]->child_count : 1;
    struct bound_node **kept = query_arena_alloc(arena, (flat ? flat : 1) * sizeof kept[0]);
    if (kept == NULL) return NULL;
    uint32_t kept_count = 0;
    bool has_unknown = false;
    for (uint32_t i = 0; i < count; i++) {
        struct bound_node *child = children[i];
        uint32_t parts = child->kind == kind ? child->child_count : 1;
        for (uint32_t j = 0; j < parts; j++) {
            struct bound_node *part = child->kind == kind ? child->children[j] : child;
            if (part->kind == absorbing) return fold_constant(arena, absorbing);
            if (part->kind == identity) continue;
            if (part->kind == BOUND_UNKNOWN) {
                if (has_unknown) continue;
                has_unknown = true;
            }
            kept[kept_count++] = part;
        }
    }
    if (kept_count == 0) return fold_constant(arena, identity);
    if (kept_count == 1) return kept[0];
    struct bound_node *node = fold_constant(arena, kind);
    if (node == NULL) return NULL;
    node->children = kept;
    node->child_count = kept_count;
    return node;
}
