/*
 * Segment text for a diff_node tree, as a user might type it.
 *
 * The rendering varies everything the grammar leaves free (notes/segment_spec.md): keyword and
 * attribute case (and / AND / And), whitespace (spaces, tabs, CR, LF, none next to
 * punctuation), `!=` vs `<>`, redundant parentheses, and the literal on either side of a
 * comparison. Parentheses are added exactly where precedence needs them (NOT binds tighter
 * than AND, AND tighter than OR), so the text parses back to the same tree up to the
 * associativity of AND and OR, which does not change any answer.
 */
#include "diff.h"

#include <ctype.h>
#include <string.h>

enum precedence { PREC_OR = 1, PREC_AND = 2, PREC_NOT = 3, PREC_PRIMARY = 4 };

static void whitespace(struct diff_rng *rng, struct diff_text *out)
{
    static const char *const spaces[] = {"  ", "\n", "\t", "\r\n", "\n  ", " \t "};
    if (diff_rng_percent(rng, 88))
        diff_text_puts(out, " ");
    else
        diff_text_puts(out, spaces[diff_rng_below(rng, sizeof spaces / sizeof spaces[0])]);
}

/* Whitespace that may be left out (next to punctuation). */
static void whitespace_optional(struct diff_rng *rng, struct diff_text *out)
{
    if (!diff_rng_percent(rng, 30)) whitespace(rng, out);
}

static void word(struct diff_rng *rng, struct diff_text *out, const char *text)
{
    uint64_t style = diff_rng_below(rng, 10);
    for (const char *c = text; *c; c++) {
        char byte = *c;
        if (style >= 5 && style < 8)
            byte = (char)toupper((unsigned char)byte); /* AND */
        else if (style == 8 && c == text)
            byte = (char)toupper((unsigned char)byte); /* And */
        else if (style == 9 && diff_rng_percent(rng, 50))
            byte = (char)toupper((unsigned char)byte);
        diff_text_append(out, &byte, 1);
    }
}

static void quoted(struct diff_text *out, const char *data, size_t size)
{
    diff_text_puts(out, "'");
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\'') diff_text_puts(out, "'");
        diff_text_append(out, &data[i], 1);
    }
    diff_text_puts(out, "'");
}

static void literal(struct diff_rng *rng, struct diff_text *out, const struct diff_literal *value)
{
    switch (value->kind) {
    case DIFF_LITERAL_NULL:
        word(rng, out, "null");
        break;
    case DIFF_LITERAL_INT:
        if (value->spelling)
            diff_text_puts(out, value->spelling);
        else
            diff_text_printf(out, "%lld", (long long)value->int_value);
        break;
    case DIFF_LITERAL_FLOAT:
    case DIFF_LITERAL_TIME:
        diff_text_puts(out, value->spelling);
        break;
    case DIFF_LITERAL_STRING:
        quoted(out, value->string_data, value->string_size);
        break;
    case DIFF_LITERAL_BOOL:
        word(rng, out, value->int_value ? "true" : "false");
        break;
    }
}

static void literal_list(struct diff_rng *rng, struct diff_text *out, const struct diff_node *node)
{
    whitespace_optional(rng, out);
    diff_text_puts(out, "(");
    for (uint32_t i = 0; i < node->literal_count; i++) {
        if (i > 0) {
            whitespace_optional(rng, out);
            diff_text_puts(out, ",");
        }
        whitespace_optional(rng, out);
        literal(rng, out, &node->literals[i]);
    }
    whitespace_optional(rng, out);
    diff_text_puts(out, ")");
}

static const char *comparison_spelling(const struct diff_node *node)
{
    switch (node->op) {
    case DIFF_OP_EQ:
        return "=";
    case DIFF_OP_NE:
        return node->is_angle_ne ? "<>" : "!=";
    case DIFF_OP_LT:
        return "<";
    case DIFF_OP_LE:
        return "<=";
    case DIFF_OP_GT:
        return ">";
    case DIFF_OP_GE:
        return ">=";
    default:
        return "?";
    }
}

/* `NOT` between the attribute and the operator, when negated. */
static void negation(struct diff_rng *rng, struct diff_text *out, const struct diff_node *node)
{
    if (!node->is_negated) return;
    whitespace(rng, out);
    word(rng, out, "not");
}

static void predicate(struct diff_rng *rng, struct diff_text *out, const struct diff_node *node)
{
    const char *name = diff_attrs[node->attr].name;
    switch (node->op) {
    case DIFF_OP_EQ:
    case DIFF_OP_NE:
    case DIFF_OP_LT:
    case DIFF_OP_LE:
    case DIFF_OP_GT:
    case DIFF_OP_GE:
        if (node->is_literal_left)
            literal(rng, out, &node->literals[0]);
        else
            word(rng, out, name);
        whitespace_optional(rng, out);
        diff_text_puts(out, comparison_spelling(node));
        whitespace_optional(rng, out);
        if (node->is_literal_left)
            word(rng, out, name);
        else
            literal(rng, out, &node->literals[0]);
        break;
    case DIFF_OP_BETWEEN:
        word(rng, out, name);
        negation(rng, out, node);
        whitespace(rng, out);
        word(rng, out, "between");
        whitespace(rng, out);
        literal(rng, out, &node->literals[0]);
        whitespace(rng, out);
        word(rng, out, "and");
        whitespace(rng, out);
        literal(rng, out, &node->literals[1]);
        break;
    case DIFF_OP_IN:
        word(rng, out, name);
        negation(rng, out, node);
        whitespace(rng, out);
        word(rng, out, "in");
        literal_list(rng, out, node);
        break;
    case DIFF_OP_IS_NULL:
        word(rng, out, name);
        whitespace(rng, out);
        word(rng, out, "is");
        negation(rng, out, node);
        whitespace(rng, out);
        word(rng, out, "null");
        break;
    case DIFF_OP_STARTS:
    case DIFF_OP_ENDS:
    case DIFF_OP_CONTAINS:
    case DIFF_OP_ISTARTS:
    case DIFF_OP_IENDS:
    case DIFF_OP_ICONTAINS: {
        static const char *const keywords[] = {"starts",  "ends",  "contains",
                                               "istarts", "iends", "icontains"};
        word(rng, out, name);
        negation(rng, out, node);
        whitespace(rng, out);
        word(rng, out, keywords[node->op - DIFF_OP_STARTS]);
        if (node->op != DIFF_OP_CONTAINS && node->op != DIFF_OP_ICONTAINS) {
            whitespace(rng, out);
            word(rng, out, "with");
        }
        whitespace(rng, out);
        literal(rng, out, &node->literals[0]);
        break;
    }
    case DIFF_OP_HAS:
    case DIFF_OP_HAS_ANY:
    case DIFF_OP_HAS_ALL:
        word(rng, out, name);
        negation(rng, out, node);
        whitespace(rng, out);
        word(rng, out, "has");
        if (node->op == DIFF_OP_HAS) {
            whitespace(rng, out);
            literal(rng, out, &node->literals[0]);
        } else {
            whitespace(rng, out);
            word(rng, out, node->op == DIFF_OP_HAS_ANY ? "any" : "all");
            literal_list(rng, out, node);
        }
        break;
    case DIFF_OP_BARE:
        word(rng, out, name);
        break;
    case DIFF_OP_COUNT:
        break;
    }
}

static void render(const struct diff_node *node, enum precedence context, struct diff_rng *rng,
                   struct diff_text *out)
{
    enum precedence own = node->kind == DIFF_NODE_OR    ? PREC_OR
                          : node->kind == DIFF_NODE_AND ? PREC_AND
                          : node->kind == DIFF_NODE_NOT ? PREC_NOT
                                                        : PREC_PRIMARY;
    uint32_t parentheses = own < context ? 1 : 0;
    if (diff_rng_percent(rng, 6)) parentheses += 1 + (uint32_t)diff_rng_below(rng, 2);
    for (uint32_t i = 0; i < parentheses; i++) {
        diff_text_puts(out, "(");
        whitespace_optional(rng, out);
    }
    switch (node->kind) {
    case DIFF_NODE_AND:
    case DIFF_NODE_OR:
        render(node->left, own, rng, out);
        whitespace(rng, out);
        word(rng, out, node->kind == DIFF_NODE_AND ? "and" : "or");
        whitespace(rng, out);
        render(node->right, own, rng, out);
        break;
    case DIFF_NODE_NOT:
        word(rng, out, "not");
        whitespace(rng, out);
        render(node->left, PREC_NOT, rng, out);
        break;
    case DIFF_NODE_TRUE:
        word(rng, out, "true");
        break;
    case DIFF_NODE_FALSE:
        word(rng, out, "false");
        break;
    case DIFF_NODE_PREDICATE:
        predicate(rng, out, node);
        break;
    }
    for (uint32_t i = 0; i < parentheses; i++) {
        whitespace_optional(rng, out);
        diff_text_puts(out, ")");
    }
}

void diff_segment_render(const struct diff_node *root, struct diff_rng *rng, struct diff_text *out)
{
    diff_text_clear(out);
    if (diff_rng_percent(rng, 10)) whitespace(rng, out);
    render(root, PREC_OR, rng, out);
    if (diff_rng_percent(rng, 10)) whitespace(rng, out);
}
