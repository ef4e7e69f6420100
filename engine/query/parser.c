/*
 * Segment parser: recursive descent over the lexer's tokens into the AST (ast.h).
 *
 *   segment   := or_expr END            or_expr  := and_expr (OR and_expr)*
 *   and_expr  := not_expr (AND not_expr)*  not_expr := NOT not_expr | primary
 *   primary   := '(' or_expr ')' | TRUE | FALSE | saved | predicate
 *   saved     := SEGMENT '(' string ')'    (the identifier `segment`, any case)
 *
 * AND/OR chains are loops, so only parentheses and NOT recurse; both count toward the depth
 * limit (PDB_SEGMENT_DEPTH_MAX), checked before recursing, so 100,000 '(' end in a clean
 * limit error. The parser looks at most one token ahead (TRUE = x vs TRUE alone, name( vs
 * name). Literals are converted here: integer range, float overflow, durations and now().
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "query/ast.h"
#include "query/lexer.h"

struct parser {
    struct lexer lexer;
    struct token current;
    struct token lookahead;
    bool has_lookahead;
    size_t previous_end; /* byte offset just past the last consumed token */
    struct query_arena *arena;
    int64_t now_s;
    uint32_t depth;
    uint32_t node_count;
    struct pdb_error *error;
    struct ast_literal *list; /* scratch for literal lists, copied into the arena */
    size_t list_capacity;
};

static const char *const operator_names[AST_OP_COUNT] = {
    [AST_OP_BARE] = "(bare attribute)",
    [AST_OP_EQUAL] = "=",
    [AST_OP_NOT_EQUAL] = "!=",
    [AST_OP_LESS] = "<",
    [AST_OP_LESS_EQUAL] = "<=",
    [AST_OP_GREATER] = ">",
    [AST_OP_GREATER_EQUAL] = ">=",
    [AST_OP_BETWEEN] = "BETWEEN",
    [AST_OP_IN] = "IN",
    [AST_OP_IS_NULL] = "IS NULL",
    [AST_OP_STARTS_WITH] = "STARTS WITH",
    [AST_OP_ENDS_WITH] = "ENDS WITH",
    [AST_OP_CONTAINS] = "CONTAINS",
    [AST_OP_ISTARTS_WITH] = "ISTARTS WITH",
    [AST_OP_IENDS_WITH] = "IENDS WITH",
    [AST_OP_ICONTAINS] = "ICONTAINS",
    [AST_OP_HAS] = "HAS",
    [AST_OP_HAS_ANY] = "HAS ANY",
    [AST_OP_HAS_ALL] = "HAS ALL",
};

static const char *const aggregate_names[AST_AGGREGATE_FUNCTION_COUNT] = {
    [AST_AGGREGATE_COUNT] = "count", [AST_AGGREGATE_EXISTS] = "exists",
    [AST_AGGREGATE_SUM] = "sum",     [AST_AGGREGATE_MIN] = "min",
    [AST_AGGREGATE_MAX] = "max",     [AST_AGGREGATE_FIRST] = "first",
    [AST_AGGREGATE_LAST] = "last",   [AST_AGGREGATE_DISTINCT] = "distinct",
};

const char *ast_aggregate_function_name(enum ast_aggregate_function function)
{
    if ((unsigned)function >= AST_AGGREGATE_FUNCTION_COUNT) return "?";
    return aggregate_names[function];
}

/* The aggregate function a name( calls, or -1. */
static int aggregate_function_of(const struct token *name)
{
    for (int f = 0; f < AST_AGGREGATE_FUNCTION_COUNT; f++) {
        if (strlen(aggregate_names[f]) == name->size &&
            strncasecmp(aggregate_names[f], name->text, name->size) == 0)
            return f;
    }
    return -1;
}

const char *ast_operator_name(enum ast_operator op)
{
    if ((unsigned)op >= AST_OP_COUNT) return "?";
    return operator_names[op];
}

/* ---- Tokens ------------------------------------------------------------------------- */

static struct ast_position position_of(const struct token *token)
{
    return (struct ast_position){token->line, token->column};
}

static enum pdb_status advance(struct parser *parser)
{
    parser->previous_end = parser->current.offset + parser->current.size;
    if (parser->has_lookahead) {
        parser->current = parser->lookahead;
        parser->has_lookahead = false;
        return PDB_OK;
    }
    return lexer_next(&parser->lexer, &parser->current, parser->error);
}

static enum pdb_status peek(struct parser *parser, const struct token **token_out)
{
    if (!parser->has_lookahead) {
        enum pdb_status status = lexer_next(&parser->lexer, &parser->lookahead, parser->error);
        if (status != PDB_OK) return status;
        parser->has_lookahead = true;
    }
    *token_out = &parser->lookahead;
    return PDB_OK;
}

static enum pdb_status fail_at(struct parser *parser, const struct token *token,
                               enum pdb_status status, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static enum pdb_status fail_at(struct parser *parser, const struct token *token,
                               enum pdb_status status, const char *format, ...)
{
    char reason[PDB_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    return error_set(parser->error, status, "segment:%u:%u: %s", token->line, token->column,
                     reason);
}

/* "syntax error: expected <what> but found <current token>". */
static enum pdb_status expected(struct parser *parser, const char *what)
{
    char found[96];
    token_describe(&parser->current, found, sizeof found);
    return fail_at(parser, &parser->current, PDB_ERR_SEGMENT,
                   "syntax error: expected %s but found %s", what, found);
}

static enum pdb_status expect(struct parser *parser, enum token_kind kind, const char *what)
{
    if (parser->current.kind != kind) return expected(parser, what);
    return advance(parser);
}

static bool is_comparison(enum token_kind kind)
{
    return kind >= TOKEN_EQUAL && kind <= TOKEN_GREATER_EQUAL;
}

static enum ast_operator comparison_operator(enum token_kind kind, bool flipped)
{
    switch (kind) {
    case TOKEN_EQUAL:
        return AST_OP_EQUAL;
    case TOKEN_NOT_EQUAL:
        return AST_OP_NOT_EQUAL;
    case TOKEN_LESS:
        return flipped ? AST_OP_GREATER : AST_OP_LESS;
    case TOKEN_LESS_EQUAL:
        return flipped ? AST_OP_GREATER_EQUAL : AST_OP_LESS_EQUAL;
    case TOKEN_GREATER:
        return flipped ? AST_OP_LESS : AST_OP_GREATER;
    case TOKEN_GREATER_EQUAL:
        return flipped ? AST_OP_LESS_EQUAL : AST_OP_GREATER_EQUAL;
    default:
        assert(!"not a comparison");
        return AST_OP_EQUAL;
    }
}

/* ---- Nodes -------------------------------------------------------------------------- */

static enum pdb_status count_node(struct parser *parser, const struct token *token)
{
    if (parser->node_count >= PDB_SEGMENT_NODES_MAX) {
        return fail_at(parser, token, PDB_ERR_LIMIT,
                       "segment has more than %u nodes (predicates, constants, NOT, AND, OR; "
                       "limit)",
                       PDB_SEGMENT_NODES_MAX);
    }
    parser->node_count++;
    return PDB_OK;
}

static enum pdb_status enter(struct parser *parser, const struct token *token)
{
    if (parser->depth >= PDB_SEGMENT_DEPTH_MAX) {
        return fail_at(parser, token, PDB_ERR_LIMIT,
                       "parentheses and NOT nest deeper than %u levels (limit)",
                       PDB_SEGMENT_DEPTH_MAX);
    }
    parser->depth++;
    return PDB_OK;
}

static struct ast_node *new_node(struct parser *parser, enum ast_kind kind,
                                 struct ast_position position)
{
    struct ast_node *node = query_arena_alloc(parser->arena, sizeof *node);
    if (node == NULL) {
        error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory parsing a segment");
        return NULL;
    }
    node->kind = kind;
    node->position = position;
    return node;
}

static void append_child(struct ast_node *parent, struct ast_node **last, struct ast_node *child)
{
    if (*last == NULL) {
        parent->first_child = child;
    } else {
        (*last)->next_sibling = child;
    }
    *last = child;
    parent->child_count++;
}

/* ---- Literals ----------------------------------------------------------------------- */

/* Decimal digits to a magnitude; false on overflow of uint64. */
static bool digits_value(const char *text, size_t size, uint64_t *value_out)
{
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++) {
        uint64_t digit = (uint64_t)(text[i] - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
    }
    *value_out = value;
    return true;
}

static enum pdb_status convert_integer(struct parser *parser, const struct token *start,
                                       const struct token *digits, bool negative,
                                       struct ast_literal *literal)
{
    uint64_t magnitude;
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    if (!digits_value(digits->text, digits->size, &magnitude) || magnitude > limit) {
        int shown = digits->size > 40 ? 40 : (int)digits->size;
        return fail_at(parser, start, PDB_ERR_SEGMENT,
                       "integer literal '%s%.*s%s' is out of the int64 range", negative ? "-" : "",
                       shown, digits->text, digits->size > 40 ? "..." : "");
    }
    literal->kind = AST_LITERAL_INTEGER;
    literal->integer = negative ? (int64_t)(0u - magnitude) : (int64_t)magnitude;
    return PDB_OK;
}

static enum pdb_status convert_float(struct parser *parser, const struct token *start,
                                     const struct token *digits, bool negative,
                                     struct ast_literal *literal)
{
    char *copy = query_arena_copy(parser->arena, digits->text, digits->size);
    if (copy == NULL) return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory");
    errno = 0;
    double value = strtod(copy, NULL);
    if (!isfinite(value) || (errno == ERANGE && fabs(value) > 1.0)) {
        int shown = digits->size > 40 ? 40 : (int)digits->size;
        return fail_at(parser, start, PDB_ERR_SEGMENT, "float literal '%s%.*s%s' is out of range",
                       negative ? "-" : "", shown, digits->text, digits->size > 40 ? "..." : "");
    }
    literal->kind = AST_LITERAL_FLOAT;
    literal->number = negative ? -value : value;
    return PDB_OK;
}

/* The seconds of a duration token ("30d"). */
static enum pdb_status convert_duration(struct parser *parser, const struct token *token,
                                        int64_t *seconds_out)
{
    uint64_t count;
    int64_t unit = lexer_duration_unit_seconds(token->text[token->size - 1]);
    assert(unit > 0);
    if (!digits_value(token->text, token->size - 1, &count) ||
        count > (uint64_t)INT64_MAX / (uint64_t)unit) {
        int shown = token->size > 40 ? 40 : (int)token->size;
        return fail_at(parser, token, PDB_ERR_SEGMENT, "duration '%.*s%s' is out of range", shown,
                       token->text, token->size > 40 ? "..." : "");
    }
    *seconds_out = (int64_t)count * unit;
    return PDB_OK;
}

static enum pdb_status decode_string(struct parser *parser, const struct token *token,
                                     struct ast_literal *literal)
{
    const char *inner = token->text + 1;
    size_t inner_size = token->size - 2;
    char *decoded = query_arena_alloc(parser->arena, inner_size + 1);
    if (decoded == NULL) return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory");
    size_t size = 0;
    for (size_t i = 0; i < inner_size; i++) {
        decoded[size++] = inner[i];
        if (inner[i] == '\'') i++; /* '' stands for one quote */
    }
    decoded[size] = '\0';
    literal->kind = AST_LITERAL_STRING;
    literal->string = decoded;
    literal->string_size = (uint32_t)size;
    return PDB_OK;
}

static enum pdb_status unknown_function(struct parser *parser, const struct token *name)
{
    int shown = name->size > 64 ? 64 : (int)name->size;
    return fail_at(parser, name, PDB_ERR_SEGMENT,
                   "unknown function '%.*s' (the functions are now(), segment('name') and the "
                   "event aggregates count, exists, sum, min, max, first, last, distinct)",
                   shown, name->text);
}

static bool is_segment_function(const struct token *name)
{
    return name->size == 7 && strncasecmp(name->text, "segment", 7) == 0;
}

/* segment('name'), with `current` at the identifier and '(' next. */
static enum pdb_status parse_saved_segment(struct parser *parser, struct ast_node **node_out)
{
    struct token start = parser->current;
    enum pdb_status status = count_node(parser, &start);
    if (status == PDB_OK) status = advance(parser); /* segment */
    if (status == PDB_OK) status = advance(parser); /* ( */
    if (status != PDB_OK) return status;
    if (parser->current.kind != TOKEN_STRING)
        return expected(parser, "a saved segment's name as a string, e.g. segment('vip_us')");
    struct ast_node *node = new_node(parser, AST_SEGMENT, position_of(&start));
    struct ast_literal *name = query_arena_alloc(parser->arena, sizeof *name);
    if (node == NULL || name == NULL)
        return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory parsing a segment");
    memset(name, 0, sizeof *name);
    name->position = position_of(&parser->current);
    name->source = parser->current.text;
    name->source_size = (uint32_t)parser->current.size;
    status = decode_string(parser, &parser->current, name);
    if (status == PDB_OK) status = advance(parser);
    if (status == PDB_OK) status = expect(parser, TOKEN_RIGHT_PAREN, "')' after the segment name");
    if (status != PDB_OK) return status;
    node->literals = name;
    node->literal_count = 1;
    *node_out = node;
    return PDB_OK;
}

/* now() [ (+|-) duration ], with `current` at NOW. */
static enum pdb_status parse_now(struct parser *parser, struct ast_literal *literal)
{
    struct token now_token = parser->current;
    enum pdb_status status = advance(parser);
    if (status == PDB_OK) status = expect(parser, TOKEN_LEFT_PAREN, "'(' after now");
    if (status == PDB_OK)
        status = expect(parser, TOKEN_RIGHT_PAREN, "')' (now() takes no arguments)");
    if (status != PDB_OK) return status;
    int64_t value = parser->now_s;
    if (parser->current.kind == TOKEN_PLUS || parser->current.kind == TOKEN_MINUS) {
        bool minus = parser->current.kind == TOKEN_MINUS;
        status = advance(parser);
        if (status != PDB_OK) return status;
        if (parser->current.kind != TOKEN_DURATION) {
            return expected(parser, minus ? "a duration such as 30d after '-'"
                                          : "a duration such as 30d after '+'");
        }
        int64_t seconds = 0;
        status = convert_duration(parser, &parser->current, &seconds);
        if (status != PDB_OK) return status;
        bool overflow = minus ? __builtin_sub_overflow(value, seconds, &value)
                              : __builtin_add_overflow(value, seconds, &value);
        if (overflow) {
            return fail_at(parser, &now_token, PDB_ERR_SEGMENT,
                           "now() %c %.*s is out of the timestamp range", minus ? '-' : '+',
                           (int)(parser->current.size > 40 ? 40 : parser->current.size),
                           parser->current.text);
        }
        status = advance(parser);
        if (status != PDB_OK) return status;
    }
    literal->kind = AST_LITERAL_TIME;
    literal->integer = value;
    return PDB_OK;
}

static enum pdb_status parse_literal(struct parser *parser, struct ast_literal *literal)
{
    memset(literal, 0, sizeof *literal);
    struct token start = parser->current;
    literal->position = position_of(&start);
    enum pdb_status status = PDB_OK;
    const struct token *next;
    switch (start.kind) {
    case TOKEN_INTEGER:
        status = convert_integer(parser, &start, &start, false, literal);
        break;
    case TOKEN_FLOAT:
        status = convert_float(parser, &start, &start, false, literal);
        break;
    case TOKEN_MINUS:
        status = peek(parser, &next);
        if (status != PDB_OK) return status;
        if ((next->kind != TOKEN_INTEGER && next->kind != TOKEN_FLOAT) ||
            next->offset != start.offset + 1) {
            char found[96];
            token_describe(next, found, sizeof found);
            return fail_at(parser, next, PDB_ERR_SEGMENT,
                           "syntax error: expected a number directly after '-' but found %s",
                           found);
        }
        status = advance(parser);
        if (status != PDB_OK) return status;
        status = parser->current.kind == TOKEN_INTEGER
                     ? convert_integer(parser, &start, &parser->current, true, literal)
                     : convert_float(parser, &start, &parser->current, true, literal);
        break;
    case TOKEN_STRING:
        status = decode_string(parser, &start, literal);
        break;
    case TOKEN_TRUE:
        literal->kind = AST_LITERAL_TRUE;
        break;
    case TOKEN_FALSE:
        literal->kind = AST_LITERAL_FALSE;
        break;
    case TOKEN_NULL:
        literal->kind = AST_LITERAL_NULL;
        break;
    case TOKEN_NOW:
        status = parse_now(parser, literal);
        if (status != PDB_OK) return status;
        literal->source = start.text;
        literal->source_size = (uint32_t)(parser->previous_end - start.offset);
        return PDB_OK;
    case TOKEN_DURATION:
        return fail_at(parser, &start, PDB_ERR_SEGMENT,
                       "syntax error: a duration such as '%.*s' is only allowed after now() + "
                       "or now() -",
                       (int)(start.size > 40 ? 40 : start.size), start.text);
    case TOKEN_IDENTIFIER:
        status = peek(parser, &next);
        if (status != PDB_OK) return status;
        if (next->kind == TOKEN_LEFT_PAREN) return unknown_function(parser, &start);
        return expected(parser, "a literal (number, string, TRUE, FALSE, NULL or now())");
    default:
        return expected(parser, "a literal (number, string, TRUE, FALSE, NULL or now())");
    }
    if (status != PDB_OK) return status;
    status = advance(parser);
    if (status != PDB_OK) return status;
    literal->source = start.text;
    literal->source_size = (uint32_t)(parser->previous_end - start.offset);
    return PDB_OK;
}

/* '(' literal (',' literal)* ')' into node->literals. */
static enum pdb_status parse_list(struct parser *parser, struct ast_node *node)
{
    enum pdb_status status = expect(parser, TOKEN_LEFT_PAREN, "'(' to open the list");
    if (status != PDB_OK) return status;
    size_t count = 0;
    for (;;) {
        if (count == PDB_IN_LIST_SIZE_MAX) {
            return fail_at(parser, &parser->current, PDB_ERR_LIMIT,
                           "list has more than %u values (limit)", PDB_IN_LIST_SIZE_MAX);
        }
        void *list = parser->list;
        if (mem_grow(&list, &parser->list_capacity, count + 1, sizeof parser->list[0]) != 0)
            return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory parsing a list");
        parser->list = list;
        status = parse_literal(parser, &parser->list[count]);
        if (status != PDB_OK) return status;
        count++;
        if (parser->current.kind == TOKEN_COMMA) {
            status = advance(parser);
            if (status != PDB_OK) return status;
            continue;
        }
        if (parser->current.kind != TOKEN_RIGHT_PAREN) return expected(parser, "',' or ')'");
        status = advance(parser);
        if (status != PDB_OK) return status;
        break;
    }
    node->literals = query_arena_alloc(parser->arena, count * sizeof node->literals[0]);
    if (node->literals == NULL) return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory");
    memcpy(node->literals, parser->list, count * sizeof node->literals[0]);
    node->literal_count = (uint32_t)count;
    return PDB_OK;
}

static enum pdb_status single_literal(struct parser *parser, struct ast_node *node)
{
    node->literals = query_arena_alloc(parser->arena, sizeof node->literals[0]);
    if (node->literals == NULL) return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory");
    node->literal_count = 1;
    return parse_literal(parser, &node->literals[0]);
}

/* ---- Event aggregates --------------------------------------------------------------- */

static enum pdb_status parse_or(struct parser *parser, struct ast_node **node_out);
static enum pdb_status parse_predicate_tail(struct parser *parser, struct ast_node *node);

/* The window after "event[.property] ,": a duration or BETWEEN literal AND literal. */
static enum pdb_status parse_window(struct parser *parser, struct ast_aggregate *aggregate)
{
    enum pdb_status status;
    if (parser->current.kind == TOKEN_DURATION) {
        aggregate->window = AST_WINDOW_RECENT;
        status = convert_duration(parser, &parser->current, &aggregate->window_s);
        if (status == PDB_OK) status = advance(parser);
        return status;
    }
    aggregate->window = AST_WINDOW_BETWEEN;
    status = advance(parser); /* BETWEEN */
    if (status == PDB_OK) status = parse_literal(parser, &aggregate->bounds[0]);
    if (status == PDB_OK) status = expect(parser, TOKEN_AND, "AND (BETWEEN start AND end)");
    if (status == PDB_OK) status = parse_literal(parser, &aggregate->bounds[1]);
    return status;
}

/* function '(' event [ '.' property ] [ ',' window ] [ ',' filter ] ')', with `current` at
 * the function name and '(' next; the predicate's tail follows. */
static enum pdb_status parse_aggregate_call(struct parser *parser, int function,
                                            struct ast_node *node)
{
    struct token name = parser->current;
    struct ast_aggregate *aggregate = query_arena_alloc(parser->arena, sizeof *aggregate);
    if (aggregate == NULL)
        return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory parsing a segment");
    memset(aggregate, 0, sizeof *aggregate);
    aggregate->function = (enum ast_aggregate_function)function;
    aggregate->position = position_of(&name);
    node->aggregate = aggregate;
    node->attribute = name.text;
    node->attribute_size = (uint32_t)name.size;
    node->attribute_position = position_of(&name);
    enum pdb_status status = advance(parser); /* name */
    if (status == PDB_OK) status = advance(parser); /* ( */
    if (status != PDB_OK) return status;
    if (parser->current.kind != TOKEN_IDENTIFIER) {
        char what[96];
        snprintf(what, sizeof what, "an event type, as in %s(purchase%s", aggregate_names[function],
                 function == AST_AGGREGATE_SUM || function == AST_AGGREGATE_MIN ||
                         function == AST_AGGREGATE_MAX || function == AST_AGGREGATE_DISTINCT
                     ? ".amount)" : ")");
        return expected(parser, what);
    }
    aggregate->event = parser->current.text;
    aggregate->event_size = (uint32_t)parser->current.size;
    aggregate->event_position = position_of(&parser->current);
    status = advance(parser);
    if (status != PDB_OK) return status;
    if (parser->current.kind == TOKEN_DOT) {
        status = advance(parser);
        if (status != PDB_OK) return status;
        if (parser->current.kind != TOKEN_IDENTIFIER)
            return expected(parser, "a property name after '.'");
        aggregate->property = parser->current.text;
        aggregate->property_size = (uint32_t)parser->current.size;
        aggregate->property_position = position_of(&parser->current);
        status = advance(parser);
        if (status != PDB_OK) return status;
    }
    if (parser->current.kind == TOKEN_COMMA) {
        status = advance(parser);
        if (status != PDB_OK) return status;
        bool filter_next = true;
        if (parser->current.kind == TOKEN_DURATION || parser->current.kind == TOKEN_BETWEEN) {
            status = parse_window(parser, aggregate);
            if (status != PDB_OK) return status;
            filter_next = false;
            if (parser->current.kind == TOKEN_COMMA) {
                status = advance(parser);
                if (status != PDB_OK) return status;
                filter_next = true;
            }
        }
        if (filter_next) {
            status = parse_or(parser, &aggregate->filter);
            if (status != PDB_OK) return status;
        }
    }
    if (parser->current.kind != TOKEN_RIGHT_PAREN)
        return expected(parser, aggregate->filter != NULL || aggregate->window != AST_WINDOW_ALL
                                    ? "')' to close the aggregate"
                                    : "',' (then a window such as 30d, or a filter) or ')'");
    return advance(parser);
}

static enum pdb_status parse_aggregate(struct parser *parser, int function,
                                       struct ast_node **node_out)
{
    struct token name = parser->current;
    enum pdb_status status = count_node(parser, &name);
    if (status != PDB_OK) return status;
    struct ast_node *node = new_node(parser, AST_PREDICATE, position_of(&name));
    if (node == NULL) return PDB_ERR_NO_MEMORY;
    status = parse_aggregate_call(parser, function, node);
    if (status == PDB_OK) status = parse_predicate_tail(parser, node);
    if (status != PDB_OK) return status;
    *node_out = node;
    return PDB_OK;
}

/* ---- Predicates --------------------------------------------------------------------- */

static void set_operator(struct parser *parser, struct ast_node *node, enum ast_operator op,
                         const struct token *first)
{
    node->op = op;
    node->operator_position = position_of(first);
    node->operator_text = first->text;
    node->operator_text_size =
        (uint32_t)(parser->current.offset + parser->current.size - first->offset);
}

/* Everything after the attribute name; `current` is the token after it. */
static enum pdb_status parse_predicate_tail(struct parser *parser, struct ast_node *node)
{
    enum pdb_status status = PDB_OK;
    struct token first = parser->current;
    if (first.kind == TOKEN_NOT) {
        node->negated = true;
        status = advance(parser);
        if (status != PDB_OK) return status;
        switch (parser->current.kind) {
        case TOKEN_BETWEEN:
        case TOKEN_IN:
        case TOKEN_STARTS:
        case TOKEN_ENDS:
        case TOKEN_CONTAINS:
        case TOKEN_ISTARTS:
        case TOKEN_IENDS:
        case TOKEN_ICONTAINS:
        case TOKEN_HAS:
            break;
        default:
            return expected(parser, "BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, ISTARTS WITH, "
                                    "IENDS WITH, ICONTAINS or HAS after NOT");
        }
    }
    enum token_kind kind = parser->current.kind;
    if (is_comparison(kind)) {
        set_operator(parser, node, comparison_operator(kind, false), &first);
        status = advance(parser);
        if (status == PDB_OK) status = single_literal(parser, node);
        return status;
    }
    switch (kind) {
    case TOKEN_BETWEEN:
        set_operator(parser, node, AST_OP_BETWEEN, &first);
        node->literals = query_arena_alloc(parser->arena, 2 * sizeof node->literals[0]);
        if (node->literals == NULL)
            return error_set(parser->error, PDB_ERR_NO_MEMORY, "out of memory");
        node->literal_count = 2;
        status = advance(parser);
        if (status == PDB_OK) status = parse_literal(parser, &node->literals[0]);
        if (status == PDB_OK) status = expect(parser, TOKEN_AND, "AND (BETWEEN low AND high)");
        if (status == PDB_OK) status = parse_literal(parser, &node->literals[1]);
        return status;
    case TOKEN_IN:
        set_operator(parser, node, AST_OP_IN, &first);
        status = advance(parser);
        if (status == PDB_OK) status = parse_list(parser, node);
        return status;
    case TOKEN_IS:
        status = advance(parser);
        if (status != PDB_OK) return status;
        if (parser->current.kind == TOKEN_NOT) {
            node->negated = true;
            status = advance(parser);
            if (status != PDB_OK) return status;
        }
        if (parser->current.kind != TOKEN_NULL)
            return expected(parser,
                            node->negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
        set_operator(parser, node, AST_OP_IS_NULL, &first);
        return advance(parser);
    case TOKEN_STARTS:
    case TOKEN_ENDS:
    case TOKEN_ISTARTS:
    case TOKEN_IENDS: {
        enum ast_operator op = kind == TOKEN_STARTS    ? AST_OP_STARTS_WITH
                               : kind == TOKEN_ENDS    ? AST_OP_ENDS_WITH
                               : kind == TOKEN_ISTARTS ? AST_OP_ISTARTS_WITH
                                                       : AST_OP_IENDS_WITH;
        status = advance(parser);
        if (status != PDB_OK) return status;
        if (parser->current.kind != TOKEN_WITH) {
            char what[48];
            snprintf(what, sizeof what, "WITH after %s", token_kind_name(kind));
            return expected(parser, what);
        }
        set_operator(parser, node, op, &first);
        status = advance(parser);
        if (status == PDB_OK) status = single_literal(parser, node);
        return status;
    }
    case TOKEN_CONTAINS:
    case TOKEN_ICONTAINS:
        set_operator(parser, node, kind == TOKEN_CONTAINS ? AST_OP_CONTAINS : AST_OP_ICONTAINS,
                     &first);
        status = advance(parser);
        if (status == PDB_OK) status = single_literal(parser, node);
        return status;
    case TOKEN_HAS:
        status = advance(parser);
        if (status != PDB_OK) return status;
        if (parser->current.kind == TOKEN_ANY || parser->current.kind == TOKEN_ALL) {
            set_operator(parser, node,
                         parser->current.kind == TOKEN_ANY ? AST_OP_HAS_ANY : AST_OP_HAS_ALL,
                         &first);
            status = advance(parser);
            if (status == PDB_OK) status = parse_list(parser, node);
            return status;
        }
        node->op = AST_OP_HAS;
        node->operator_position = position_of(&first);
        node->operator_text = first.text;
        node->operator_text_size = (uint32_t)(parser->previous_end - first.offset);
        return single_literal(parser, node);
    default:
        node->op = AST_OP_BARE;
        node->operator_position = node->attribute_position;
        return PDB_OK;
    }
}

static enum pdb_status parse_predicate(struct parser *parser, struct ast_node **node_out)
{
    struct token name = parser->current;
    enum pdb_status status = count_node(parser, &name);
    if (status != PDB_OK) return status;
    struct ast_node *node = new_node(parser, AST_PREDICATE, position_of(&name));
    if (node == NULL) return PDB_ERR_NO_MEMORY;
    node->attribute = name.text;
    node->attribute_size = (uint32_t)name.size;
    node->attribute_position = position_of(&name);
    status = advance(parser);
    if (status == PDB_OK) status = parse_predicate_tail(parser, node);
    if (status != PDB_OK) return status;
    *node_out = node;
    return PDB_OK;
}

/* literal cmp attr, stored as attr cmp' literal. */
static enum pdb_status parse_literal_first(struct parser *parser, struct ast_node **node_out)
{
    struct token start = parser->current;
    enum pdb_status status = count_node(parser, &start);
    if (status != PDB_OK) return status;
    struct ast_node *node = new_node(parser, AST_PREDICATE, position_of(&start));
    if (node == NULL) return PDB_ERR_NO_MEMORY;
    status = single_literal(parser, node);
    if (status != PDB_OK) return status;
    if (!is_comparison(parser->current.kind))
        return expected(parser, "a comparison operator (= != <> < <= > >=) after the literal");
    struct token op = parser->current;
    node->op = comparison_operator(op.kind, true);
    node->operator_position = position_of(&op);
    node->operator_text = op.text;
    node->operator_text_size = (uint32_t)op.size;
    status = advance(parser);
    if (status != PDB_OK) return status;
    if (parser->current.kind != TOKEN_IDENTIFIER)
        return expected(parser, "an attribute (a literal can only be compared with an attribute)");
    const struct token *next;
    status = peek(parser, &next);
    if (status != PDB_OK) return status;
    int function = next->kind == TOKEN_LEFT_PAREN ? aggregate_function_of(&parser->current) : -1;
    if (function >= 0) {
        status = parse_aggregate_call(parser, function, node);
        if (status != PDB_OK) return status;
        *node_out = node;
        return PDB_OK;
    }
    node->attribute = parser->current.text;
    node->attribute_size = (uint32_t)parser->current.size;
    node->attribute_position = position_of(&parser->current);
    status = advance(parser);
    if (status != PDB_OK) return status;
    *node_out = node;
    return PDB_OK;
}

/* ---- Expressions -------------------------------------------------------------------- */

static enum pdb_status parse_or(struct parser *parser, struct ast_node **node_out);

static enum pdb_status parse_primary(struct parser *parser, struct ast_node **node_out)
{
    struct token start = parser->current;
    const struct token *next;
    enum pdb_status status;
    switch (start.kind) {
    case TOKEN_LEFT_PAREN:
        status = enter(parser, &start);
        if (status != PDB_OK) return status;
        status = advance(parser);
        if (status == PDB_OK) status = parse_or(parser, node_out);
        if (status == PDB_OK) status = expect(parser, TOKEN_RIGHT_PAREN, "')'");
        parser->depth--;
        return status;
    case TOKEN_TRUE:
    case TOKEN_FALSE:
        status = peek(parser, &next);
        if (status != PDB_OK) return status;
        if (is_comparison(next->kind)) return parse_literal_first(parser, node_out);
        status = count_node(parser, &start);
        if (status != PDB_OK) return status;
        *node_out =
            new_node(parser, start.kind == TOKEN_TRUE ? AST_TRUE : AST_FALSE, position_of(&start));
        if (*node_out == NULL) return PDB_ERR_NO_MEMORY;
        return advance(parser);
    case TOKEN_IDENTIFIER:
        status = peek(parser, &next);
        if (status != PDB_OK) return status;
        if (next->kind == TOKEN_LEFT_PAREN) {
            if (is_segment_function(&start)) return parse_saved_segment(parser, node_out);
            int function = aggregate_function_of(&start);
            if (function >= 0) return parse_aggregate(parser, function, node_out);
            return unknown_function(parser, &start);
        }
        return parse_predicate(parser, node_out);
    case TOKEN_INTEGER:
    case TOKEN_FLOAT:
    case TOKEN_STRING:
    case TOKEN_NULL:
    case TOKEN_NOW:
    case TOKEN_MINUS:
    case TOKEN_DURATION:
        return parse_literal_first(parser, node_out);
    default:
        return expected(parser, "a condition (an attribute, TRUE, FALSE, NOT or '(')");
    }
}

static enum pdb_status parse_not(struct parser *parser, struct ast_node **node_out)
{
    if (parser->current.kind != TOKEN_NOT) return parse_primary(parser, node_out);
    struct token not_token = parser->current;
    enum pdb_status status = count_node(parser, &not_token);
    if (status == PDB_OK) status = enter(parser, &not_token);
    if (status != PDB_OK) return status;
    struct ast_node *node = new_node(parser, AST_NOT, position_of(&not_token));
    if (node == NULL) return PDB_ERR_NO_MEMORY;
    struct ast_node *child = NULL;
    status = advance(parser);
    if (status == PDB_OK) status = parse_not(parser, &child);
    parser->depth--;
    if (status != PDB_OK) return status;
    struct ast_node *last = NULL;
    append_child(node, &last, child);
    *node_out = node;
    return PDB_OK;
}

/* operand (KEYWORD operand)* as one n-ary node; a single operand is returned as is. */
static enum pdb_status parse_chain(struct parser *parser, enum token_kind keyword,
                                   enum ast_kind kind, struct ast_node **node_out)
{
    struct ast_node *first = NULL;
    enum pdb_status status = keyword == TOKEN_OR ? parse_chain(parser, TOKEN_AND, AST_AND, &first)
                                                 : parse_not(parser, &first);
    if (status != PDB_OK) return status;
    if (parser->current.kind != keyword) {
        *node_out = first;
        return PDB_OK;
    }
    struct ast_node *node = new_node(parser, kind, first->position);
    if (node == NULL) return PDB_ERR_NO_MEMORY;
    struct ast_node *last = NULL;
    append_child(node, &last, first);
    while (parser->current.kind == keyword) {
        status = count_node(parser, &parser->current);
        if (status == PDB_OK) status = advance(parser);
        struct ast_node *child = NULL;
        if (status == PDB_OK) {
            status = keyword == TOKEN_OR ? parse_chain(parser, TOKEN_AND, AST_AND, &child)
                                         : parse_not(parser, &child);
        }
        if (status != PDB_OK) return status;
        append_child(node, &last, child);
    }
    *node_out = node;
    return PDB_OK;
}

static enum pdb_status parse_or(struct parser *parser, struct ast_node **node_out)
{
    return parse_chain(parser, TOKEN_OR, AST_OR, node_out);
}

enum pdb_status parser_parse(const char *text, size_t size, int64_t now_s,
                             struct query_arena *arena, struct ast *ast, struct pdb_error *error)
{
    if (size > PDB_SEGMENT_TEXT_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "segment:1:1: segment is %zu bytes (limit %u)", size,
                         PDB_SEGMENT_TEXT_SIZE_MAX);
    }
    struct parser parser = {.arena = arena, .now_s = now_s, .error = error};
    lexer_init(&parser.lexer, text, size);
    struct ast_node *root = NULL;
    enum pdb_status status = lexer_next(&parser.lexer, &parser.current, error);
    if (status == PDB_OK) status = parse_or(&parser, &root);
    if (status == PDB_OK && parser.current.kind != TOKEN_END)
        status = expected(&parser, "AND, OR or end of segment");
    mem_free(parser.list);
    if (status != PDB_OK) return status;
    ast->root = root;
    ast->node_count = parser.node_count;
    return PDB_OK;
}
