/*
 * WHERE clause -> segment text, for the conformance harness.
 *
 * The segment language shares SQL's predicate syntax for what it has: comparisons, BETWEEN,
 * IN lists, IS [NOT] NULL, NOT/AND/OR with the same precedence (NOT > AND > OR), parentheses.
 * So a translation is mostly a faithful re-print: every boolean node keeps the parentheses
 * written around it in the query, so the segment parser sees the query's own nesting. The
 * only rewrites are spellings: '==' becomes '=', a negated number literal is written "-5",
 * SQL's "1." / ".5" floats become "1.0" / "0.5", TRUE/FALSE become 1/0 (SQLite's values),
 * parentheses around a single column or literal are dropped, ISNULL/NOTNULL are spelled out.
 *
 * Anything the segment language cannot say is reported with a reason (enum slt_reason) instead
 * of being approximated: subqueries, functions, arithmetic, column-vs-column, predicates
 * without a column, a literal as the operand of BETWEEN/IN, SQLite's type conversions between
 * numbers and strings, and other SQL (LIKE, CASE, IS <value>, a truth value as an operand).
 * When several apply, the one first in enum slt_reason wins.
 */
#include "slt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The operand of a predicate: a column or a literal, classified. */
enum operand_kind { OPERAND_COLUMN, OPERAND_NUMBER, OPERAND_STRING, OPERAND_NULL };

struct translator {
    const struct slt_ast *ast;
    const struct slt_table *table;
    struct buffer *out;
    enum slt_reason reason; /* the highest-priority reason seen so far */
    const char *what;
};

static const char *const reason_names[SLT_REASON_COUNT] = {
    [SLT_REASON_NONE] = "none",
    [SLT_REASON_SUBQUERY] = "subquery",
    [SLT_REASON_FUNCTION] = "function",
    [SLT_REASON_ARITHMETIC] = "arithmetic",
    [SLT_REASON_COLUMN_VS_COLUMN] = "column-vs-column",
    [SLT_REASON_CONSTANT] = "constant predicate",
    [SLT_REASON_LITERAL_OPERAND] = "literal operand",
    [SLT_REASON_MIXED_TYPES] = "mixed types",
    [SLT_REASON_OTHER_SQL] = "other SQL",
    [SLT_REASON_SELECT_SHAPE] = "select shape",
    [SLT_REASON_UNPARSED] = "unparsed",
};

const char *slt_reason_name(enum slt_reason reason)
{
    return reason < SLT_REASON_COUNT ? reason_names[reason] : "?";
}

static void note(struct translator *translator, enum slt_reason reason, const char *what)
{
    if (translator->reason == SLT_REASON_NONE || reason < translator->reason) {
        translator->reason = reason;
        translator->what = what;
    }
}

static void emit(struct translator *translator, const char *text, size_t size)
{
    if (buffer_append(translator->out, text, size) != 0)
        note(translator, SLT_REASON_UNPARSED, "out of memory");
}

static void emit_text(struct translator *translator, const char *text)
{
    emit(translator, text, strlen(text));
}

static const struct slt_node *node_at(const struct translator *translator, uint32_t index)
{
    return &translator->ast->nodes[index];
}

/* ---- Operands ------------------------------------------------------------------------------ */

/* Scans a subtree for the reasons it holds (a subquery anywhere wins over everything). */
static void classify_value(struct translator *translator, uint32_t index)
{
    const struct slt_node *node = node_at(translator, index);
    switch (node->kind) {
    case SLT_NODE_SUBQUERY:
        note(translator, SLT_REASON_SUBQUERY, "subquery");
        break;
    case SLT_NODE_FUNCTION:
        note(translator, SLT_REASON_FUNCTION, "function call");
        break;
    case SLT_NODE_ARITHMETIC:
        note(translator, SLT_REASON_ARITHMETIC, "arithmetic");
        break;
    case SLT_NODE_NEGATE:
        note(translator, SLT_REASON_ARITHMETIC, "unary minus");
        break;
    case SLT_NODE_OTHER:
        note(translator, SLT_REASON_OTHER_SQL, node->what);
        break;
    case SLT_NODE_COLUMN:
    case SLT_NODE_LITERAL:
        break;
    default:
        note(translator, SLT_REASON_OTHER_SQL, "a truth value as an operand");
        break;
    }
    for (int i = 0; i < 3; i++)
        if (node->children[i] != SLT_NODE_NONE) classify_value(translator, node->children[i]);
    if (node->kind == SLT_NODE_IN_LIST)
        for (uint32_t item = node->children[1]; item != SLT_NODE_NONE;
             item = node_at(translator, item)->next_item)
            classify_value(translator, item);
}

/* Folds unary minus over number literals: returns the literal node and its sign, or
 * SLT_NODE_NONE when the operand is anything else. */
static uint32_t literal_with_sign(const struct translator *translator, uint32_t index,
                                  bool *is_negative)
{
    *is_negative = false;
    const struct slt_node *node = node_at(translator, index);
    while (node->kind == SLT_NODE_NEGATE) {
        *is_negative = !*is_negative;
        index = node->children[0];
        node = node_at(translator, index);
    }
    if (node->kind != SLT_NODE_LITERAL) return SLT_NODE_NONE;
    if (*is_negative && node->token.kind != SLT_TOKEN_INTEGER &&
        node->token.kind != SLT_TOKEN_FLOAT)
        return SLT_NODE_NONE; /* -'5', -NULL: arithmetic in SQL */
    return index;
}

/* Classifies a value operand without printing it. Returns false (with a reason noted) when it
 * is not a column of the table nor a literal. */
static bool operand_kind(struct translator *translator, uint32_t index, enum operand_kind *kind,
                         int *column_index)
{
    const struct slt_node *node = node_at(translator, index);
    *column_index = -1;
    if (node->kind == SLT_NODE_COLUMN) {
        if (node->qualifier.kind != SLT_TOKEN_END &&
            (node->qualifier.size != strlen(translator->table->name) ||
             strncasecmp(node->qualifier.text, translator->table->name, node->qualifier.size) !=
                 0)) {
            note(translator, SLT_REASON_OTHER_SQL, "a column of another table");
            return false;
        }
        *column_index =
            slt_table_column_find(translator->table, node->token.text, node->token.size);
        if (*column_index < 0) {
            note(translator, SLT_REASON_OTHER_SQL, "an unknown column");
            return false;
        }
        *kind = OPERAND_COLUMN;
        return true;
    }
    bool is_negative = false;
    uint32_t literal = literal_with_sign(translator, index, &is_negative);
    if (literal == SLT_NODE_NONE) {
        classify_value(translator, index);
        return false;
    }
    const struct slt_token *token = &node_at(translator, literal)->token;
    if (token->kind == SLT_TOKEN_STRING)
        *kind = OPERAND_STRING;
    else if (slt_token_is(token, "NULL"))
        *kind = OPERAND_NULL;
    else
        *kind = OPERAND_NUMBER; /* integers, floats, TRUE, FALSE */
    return true;
}

/* Prints a number literal the way the segment lexer reads it. */
static void emit_number(struct translator *translator, const struct slt_token *token,
                        bool is_negative)
{
    if (is_negative) emit_text(translator, "-");
    if (slt_token_is(token, "TRUE")) {
        emit_text(translator, "1");
        return;
    }
    if (slt_token_is(token, "FALSE")) {
        emit_text(translator, "0");
        return;
    }
    const char *text = token->text;
    const char *end = text + token->size;
    if (token->kind == SLT_TOKEN_INTEGER) {
        /* SQLite reads an integer literal past the int64 range as a float. */
        char digits[32];
        bool is_huge = token->size >= sizeof digits;
        if (!is_huge) {
            memcpy(digits, text, token->size);
            digits[token->size] = '\0';
            errno = 0;
            unsigned long long value = strtoull(digits, NULL, 10);
            uint64_t limit = is_negative ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
            is_huge = errno == ERANGE || value > limit;
        }
        emit(translator, text, token->size);
        if (is_huge) emit_text(translator, ".0");
        return;
    }
    /* FLOAT: digits? ['.' digits?] [exponent] with at least one digit before the exponent. */
    const char *dot = memchr(text, '.', token->size);
    const char *exponent = text;
    while (exponent < end && *exponent != 'e' && *exponent != 'E')
        exponent++;
    const char *mantissa_end = exponent;
    if (dot == NULL) {
        emit(translator, text, token->size); /* "1e5" */
        return;
    }
    if (dot == text) emit_text(translator, "0");
    emit(translator, text, (size_t)(dot - text) + 1);
    if (dot + 1 == mantissa_end)
        emit_text(translator, "0");
    else
        emit(translator, dot + 1, (size_t)(mantissa_end - dot - 1));
    emit(translator, exponent, (size_t)(end - exponent));
}

/* Prints a classified literal operand (a number, a string or NULL). */
static void emit_literal(struct translator *translator, uint32_t index, enum operand_kind kind)
{
    bool is_negative = false;
    uint32_t literal = literal_with_sign(translator, index, &is_negative);
    const struct slt_token *token = &node_at(translator, literal)->token;
    if (kind == OPERAND_NULL)
        emit_text(translator, "NULL");
    else if (kind == OPERAND_STRING)
        emit(translator, token->text, token->size); /* '...' with '' is segment syntax too */
    else
        emit_number(translator, token, is_negative);
}

/* Prints a classified operand of a comparison: a column or a literal. */
static void emit_operand(struct translator *translator, uint32_t index, enum operand_kind kind,
                         int column_index)
{
    if (kind == OPERAND_COLUMN)
        emit_text(translator, translator->table->columns[column_index].name);
    else
        emit_literal(translator, index, kind);
}

/* A literal compared with a column: SQLite would convert between numbers and strings by the
 * column's affinity; the segment language has no such conversion. */
static bool literal_fits_column(struct translator *translator, enum operand_kind literal,
                                int column_index)
{
    enum slt_column_type type = translator->table->columns[column_index].type;
    bool fits = literal == OPERAND_NULL ||
                (literal == OPERAND_STRING ? type == SLT_COLUMN_TEXT : type != SLT_COLUMN_TEXT);
    if (!fits) note(translator, SLT_REASON_MIXED_TYPES, "a literal of another type");
    return fits;
}

/* ---- Predicates -------------------------------------------------------------------------- */

static void translate_boolean(struct translator *translator, uint32_t index);

/* col op lit, lit op col. */
static void translate_compare(struct translator *translator, const struct slt_node *node)
{
    enum operand_kind left_kind, right_kind;
    int left_column, right_column;
    bool left_ok = operand_kind(translator, node->children[0], &left_kind, &left_column);
    bool right_ok = operand_kind(translator, node->children[1], &right_kind, &right_column);
    if (!left_ok || !right_ok) return;
    if (left_kind == OPERAND_COLUMN && right_kind == OPERAND_COLUMN) {
        note(translator, SLT_REASON_COLUMN_VS_COLUMN, "column compared with column");
        return;
    }
    if (left_kind != OPERAND_COLUMN && right_kind != OPERAND_COLUMN) {
        note(translator, SLT_REASON_CONSTANT, "literal compared with literal");
        return;
    }
    int column = left_kind == OPERAND_COLUMN ? left_column : right_column;
    if (!literal_fits_column(translator, left_kind == OPERAND_COLUMN ? right_kind : left_kind,
                             column))
        return;
    emit_operand(translator, node->children[0], left_kind, left_column);
    emit_text(translator, " ");
    if (node->token.size == 2 && memcmp(node->token.text, "==", 2) == 0)
        emit_text(translator, "=");
    else
        emit(translator, node->token.text, node->token.size);
    emit_text(translator, " ");
    emit_operand(translator, node->children[1], right_kind, right_column);
}

/* The operand of BETWEEN, IN and IS NULL must be a column; returns its index or -1. */
static int subject_column(struct translator *translator, const struct slt_node *node)
{
    enum operand_kind kind;
    int column;
    if (!operand_kind(translator, node->children[0], &kind, &column)) return -1;
    if (kind != OPERAND_COLUMN) {
        note(translator, SLT_REASON_LITERAL_OPERAND, "a literal as the operand");
        return -1;
    }
    return column;
}

/* A bound or list item: a literal of the column's type. */
static bool value_operand(struct translator *translator, uint32_t index, int column,
                          enum operand_kind *kind)
{
    int other_column;
    if (!operand_kind(translator, index, kind, &other_column)) return false;
    if (*kind == OPERAND_COLUMN) {
        note(translator, SLT_REASON_COLUMN_VS_COLUMN, "a column as a bound or list item");
        return false;
    }
    return literal_fits_column(translator, *kind, column);
}

static void translate_between(struct translator *translator, const struct slt_node *node)
{
    enum operand_kind low_kind, high_kind;
    int column = subject_column(translator, node);
    if (column < 0) {
        classify_value(translator, node->children[1]);
        classify_value(translator, node->children[2]);
        return;
    }
    bool low_ok = value_operand(translator, node->children[1], column, &low_kind);
    bool high_ok = value_operand(translator, node->children[2], column, &high_kind);
    if (!low_ok || !high_ok) return;
    emit_text(translator, translator->table->columns[column].name);
    emit_text(translator, node->is_negated ? " NOT BETWEEN " : " BETWEEN ");
    emit_literal(translator, node->children[1], low_kind);
    emit_text(translator, " AND ");
    emit_literal(translator, node->children[2], high_kind);
}

static void translate_in(struct translator *translator, const struct slt_node *node)
{
    int column = subject_column(translator, node);
    bool items_ok = column >= 0;
    for (uint32_t item = node->children[1]; item != SLT_NODE_NONE;
         item = node_at(translator, item)->next_item) {
        enum operand_kind kind;
        if (column < 0)
            classify_value(translator, item);
        else if (!value_operand(translator, item, column, &kind))
            items_ok = false;
    }
    if (!items_ok) return;
    emit_text(translator, translator->table->columns[column].name);
    emit_text(translator, node->is_negated ? " NOT IN (" : " IN (");
    for (uint32_t item = node->children[1]; item != SLT_NODE_NONE;
         item = node_at(translator, item)->next_item) {
        enum operand_kind kind;
        int unused;
        operand_kind(translator, item, &kind, &unused);
        emit_literal(translator, item, kind);
        if (node_at(translator, item)->next_item != SLT_NODE_NONE) emit_text(translator, ", ");
    }
    emit_text(translator, ")");
}

static void translate_is_null(struct translator *translator, const struct slt_node *node)
{
    enum operand_kind kind;
    int column;
    if (!operand_kind(translator, node->children[0], &kind, &column)) return;
    if (kind != OPERAND_COLUMN) {
        note(translator, SLT_REASON_CONSTANT, "IS NULL of a literal");
        return;
    }
    emit_text(translator, translator->table->columns[column].name);
    emit_text(translator, node->is_negated ? " IS NOT NULL" : " IS NULL");
}

static void translate_boolean(struct translator *translator, uint32_t index)
{
    const struct slt_node *node = node_at(translator, index);
    for (uint32_t i = 0; i < node->paren_count; i++)
        emit_text(translator, "(");
    switch (node->kind) {
    case SLT_NODE_OR:
    case SLT_NODE_AND:
        translate_boolean(translator, node->children[0]);
        emit_text(translator, node->kind == SLT_NODE_OR ? " OR " : " AND ");
        translate_boolean(translator, node->children[1]);
        break;
    case SLT_NODE_NOT:
        emit_text(translator, "NOT ");
        translate_boolean(translator, node->children[0]);
        break;
    case SLT_NODE_COMPARE:
        translate_compare(translator, node);
        break;
    case SLT_NODE_BETWEEN:
        translate_between(translator, node);
        break;
    case SLT_NODE_IN_LIST:
        translate_in(translator, node);
        break;
    case SLT_NODE_IS_NULL:
        translate_is_null(translator, node);
        break;
    case SLT_NODE_COLUMN:
        note(translator, SLT_REASON_OTHER_SQL, "a column as a truth value");
        break;
    case SLT_NODE_LITERAL:
        note(translator, SLT_REASON_CONSTANT, "a literal as a truth value");
        break;
    default:
        classify_value(translator, index);
        break;
    }
    for (uint32_t i = 0; i < node->paren_count; i++)
        emit_text(translator, ")");
}

enum slt_reason slt_translate(const struct slt_ast *ast, uint32_t root,
                              const struct slt_table *table, struct buffer *segment,
                              const char **what)
{
    struct translator translator = {.ast = ast, .table = table, .out = segment};
    if (root == SLT_NODE_NONE)
        emit_text(&translator, "TRUE");
    else
        translate_boolean(&translator, root);
    if (buffer_append(segment, "", 1) == 0)
        segment->size--; /* keep the text NUL-terminated for printing */
    else
        note(&translator, SLT_REASON_UNPARSED, "out of memory");
    *what = translator.what;
    return translator.reason;
}
