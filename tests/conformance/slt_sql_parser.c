/*
 * SQL queries for the conformance harness: SELECT <column> FROM <table> [WHERE <expression>]
 * parsed into a small AST (struct slt_ast, nodes addressed by index).
 *
 * The expression grammar follows SQLite's precedence, lowest first: OR; AND; NOT; the
 * equality level (= == != <> IS, [NOT] IN, [NOT] BETWEEN, [NOT] LIKE/GLOB/MATCH/REGEXP, ISNULL,
 * NOTNULL); < <= > >=; & | << >>; + -; * / %; ||; unary - + ~; COLLATE. Constructs the segment
 * language cannot express are still parsed, as far as needed to classify them: subqueries,
 * function calls and CASE are skipped by balanced parentheses or keywords and become single
 * nodes. Parentheses around a node are counted on it (paren_count), so a translation can
 * reproduce the query's own grouping. Nesting is bounded by SLT_SQL_DEPTH_MAX.
 */
#include "slt.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

struct parser {
    const struct slt_tokens *tokens;
    size_t position;
    struct slt_ast *ast;
    uint32_t depth;
    bool has_failed;
    char *detail;
    size_t detail_size;
};

/* Words that end an expression or belong to a clause; never column names. */
static const char *const reserved_words[] = {
    "AND",      "OR",    "NOT",    "WHERE",  "FROM",   "SELECT",    "ORDER",  "GROUP",   "BY",
    "HAVING",   "LIMIT", "OFFSET", "UNION",  "EXCEPT", "INTERSECT", "IN",     "IS",      "BETWEEN",
    "LIKE",     "GLOB",  "MATCH",  "REGEXP", "ESCAPE", "THEN",      "ELSE",   "END",     "WHEN",
    "ON",       "JOIN",  "AS",     "ASC",    "DESC",   "COLLATE",   "ISNULL", "NOTNULL", "ALL",
    "DISTINCT", "CASE",  "CAST",   "EXISTS", "NULL",
};

/* ---- Helpers ---------------------------------------------------------------------------- */

static const struct slt_token *peek(const struct parser *parser)
{
    return &parser->tokens->items[parser->position];
}

static const struct slt_token *peek_at(const struct parser *parser, size_t ahead)
{
    size_t index = parser->position + ahead;
    if (index >= parser->tokens->count) index = parser->tokens->count - 1; /* END */
    return &parser->tokens->items[index];
}

static const struct slt_token *advance(struct parser *parser)
{
    const struct slt_token *token = peek(parser);
    if (token->kind != SLT_TOKEN_END) parser->position++;
    return token;
}

static bool token_is_operator(const struct slt_token *token, const char *text)
{
    size_t size = strlen(text);
    return token->kind == SLT_TOKEN_OPERATOR && token->size == size &&
           memcmp(token->text, text, size) == 0;
}

static bool token_is_reserved(const struct slt_token *token)
{
    for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
        if (slt_token_is(token, reserved_words[i])) return true;
    return false;
}

static uint32_t fail(struct parser *parser, const char *why)
{
    if (!parser->has_failed) {
        const struct slt_token *token = peek(parser);
        if (token->kind == SLT_TOKEN_END)
            snprintf(parser->detail, parser->detail_size, "%s at the end", why);
        else
            snprintf(parser->detail, parser->detail_size, "%s at offset %u ('%.*s')", why,
                     token->offset, (int)(token->size > 40 ? 40 : token->size), token->text);
    }
    parser->has_failed = true;
    return SLT_NODE_NONE;
}

static uint32_t node_new(struct parser *parser, enum slt_node_kind kind,
                         const struct slt_token *token)
{
    struct slt_ast *ast = parser->ast;
    if (ast->count >= UINT32_MAX - 1 ||
        mem_grow((void **)&ast->nodes, &ast->capacity, ast->count + 1, sizeof *ast->nodes) != 0)
        return fail(parser, "out of memory");
    struct slt_node *node = &ast->nodes[ast->count];
    memset(node, 0, sizeof *node);
    node->kind = kind;
    if (token != NULL) node->token = *token;
    node->qualifier.kind = SLT_TOKEN_END;
    node->children[0] = node->children[1] = node->children[2] = SLT_NODE_NONE;
    node->next_item = SLT_NODE_NONE;
    return (uint32_t)ast->count++;
}

static uint32_t node_binary(struct parser *parser, enum slt_node_kind kind,
                            const struct slt_token *token, uint32_t left, uint32_t right)
{
    if (left == SLT_NODE_NONE || right == SLT_NODE_NONE) return SLT_NODE_NONE;
    uint32_t index = node_new(parser, kind, token);
    if (index == SLT_NODE_NONE) return index;
    parser->ast->nodes[index].children[0] = left;
    parser->ast->nodes[index].children[1] = right;
    return index;
}

static uint32_t node_other(struct parser *parser, const char *what, const struct slt_token *token,
                           uint32_t child)
{
    uint32_t index = node_new(parser, SLT_NODE_OTHER, token);
    if (index == SLT_NODE_NONE) return index;
    parser->ast->nodes[index].what = what;
    parser->ast->nodes[index].children[0] = child;
    return index;
}

/* Skips from an opening '(' to just past its matching ')'. */
static bool skip_parenthesized(struct parser *parser)
{
    if (!token_is_operator(peek(parser), "(")) {
        fail(parser, "expected '('");
        return false;
    }
    uint32_t depth = 0;
    do {
        const struct slt_token *token = advance(parser);
        if (token->kind == SLT_TOKEN_END) {
            fail(parser, "unbalanced parentheses");
            return false;
        }
        if (token_is_operator(token, "(")) depth++;
        if (token_is_operator(token, ")")) depth--;
    } while (depth > 0);
    return true;
}

static bool enter(struct parser *parser)
{
    if (++parser->depth > SLT_SQL_DEPTH_MAX) {
        fail(parser, "nesting deeper than SLT_SQL_DEPTH_MAX");
        return false;
    }
    return true;
}

/* ---- Expressions, lowest precedence first ------------------------------------------------ */

static uint32_t parse_or(struct parser *parser);
static uint32_t parse_unary(struct parser *parser);

static uint32_t parse_primary(struct parser *parser)
{
    const struct slt_token *token = peek(parser);
    if (token_is_operator(token, "(")) {
        if (slt_token_is(peek_at(parser, 1), "SELECT")) {
            uint32_t index = node_new(parser, SLT_NODE_SUBQUERY, token);
            return skip_parenthesized(parser) ? index : SLT_NODE_NONE;
        }
        advance(parser);
        uint32_t inner = parse_or(parser);
        if (inner == SLT_NODE_NONE) return inner;
        if (!token_is_operator(peek(parser), ")")) return fail(parser, "expected ')'");
        advance(parser);
        parser->ast->nodes[inner].paren_count++;
        return inner;
    }
    if (token->kind == SLT_TOKEN_INTEGER || token->kind == SLT_TOKEN_FLOAT ||
        token->kind == SLT_TOKEN_STRING)
        return node_new(parser, SLT_NODE_LITERAL, advance(parser));
    if (token->kind != SLT_TOKEN_IDENT) return fail(parser, "expected an operand");
    if (slt_token_is(token, "NULL") || slt_token_is(token, "TRUE") || slt_token_is(token, "FALSE"))
        return node_new(parser, SLT_NODE_LITERAL, advance(parser));
    if (slt_token_is(token, "EXISTS")) {
        uint32_t index = node_new(parser, SLT_NODE_SUBQUERY, advance(parser));
        return skip_parenthesized(parser) ? index : SLT_NODE_NONE;
    }
    if (slt_token_is(token, "CASE")) {
        uint32_t index = node_other(parser, "CASE", advance(parser), SLT_NODE_NONE);
        for (uint32_t open = 1; open > 0;) {
            const struct slt_token *next = advance(parser);
            if (next->kind == SLT_TOKEN_END) return fail(parser, "CASE without END");
            if (slt_token_is(next, "CASE")) open++;
            if (slt_token_is(next, "END")) open--;
        }
        return index;
    }
    if (token_is_operator(peek_at(parser, 1), "(")) {
        uint32_t index = node_new(parser, SLT_NODE_FUNCTION, advance(parser));
        return skip_parenthesized(parser) ? index : SLT_NODE_NONE;
    }
    if (token_is_reserved(token)) return fail(parser, "unexpected keyword");
    advance(parser);
    if (token_is_operator(peek(parser), ".")) {
        advance(parser);
        const struct slt_token *column = peek(parser);
        if (column->kind != SLT_TOKEN_IDENT || token_is_reserved(column))
            return fail(parser, "expected a column after '.'");
        uint32_t index = node_new(parser, SLT_NODE_COLUMN, advance(parser));
        if (index != SLT_NODE_NONE) parser->ast->nodes[index].qualifier = *token;
        return index;
    }
    return node_new(parser, SLT_NODE_COLUMN, token);
}

static uint32_t parse_postfix(struct parser *parser)
{
    uint32_t operand = parse_primary(parser);
    while (operand != SLT_NODE_NONE && slt_token_is(peek(parser), "COLLATE")) {
        const struct slt_token *collate = advance(parser);
        if (peek(parser)->kind != SLT_TOKEN_IDENT) return fail(parser, "expected a collation");
        advance(parser);
        operand = node_other(parser, "COLLATE", collate, operand);
    }
    return operand;
}

static uint32_t parse_unary(struct parser *parser)
{
    if (!enter(parser)) return SLT_NODE_NONE;
    const struct slt_token *token = peek(parser);
    uint32_t result;
    if (token_is_operator(token, "-") || token_is_operator(token, "~")) {
        advance(parser);
        uint32_t operand = parse_unary(parser);
        result =
            operand == SLT_NODE_NONE
                ? operand
                : node_new(parser,
                           token_is_operator(token, "-") ? SLT_NODE_NEGATE : SLT_NODE_ARITHMETIC,
                           token);
        if (result != SLT_NODE_NONE) parser->ast->nodes[result].children[0] = operand;
    } else if (token_is_operator(token, "+")) {
        advance(parser); /* unary plus changes nothing in SQLite */
        result = parse_unary(parser);
    } else {
        result = parse_postfix(parser);
    }
    parser->depth--;
    return result;
}

/* One left-associative level of binary operators; `operators` ends with NULL. */
static uint32_t parse_binary_level(struct parser *parser, uint32_t (*next)(struct parser *),
                                   const char *const *operators, enum slt_node_kind kind)
{
    uint32_t left = next(parser);
    while (left != SLT_NODE_NONE) {
        const struct slt_token *token = peek(parser);
        bool matched = false;
        for (const char *const *op = operators; *op != NULL; op++)
            if (token_is_operator(token, *op)) matched = true;
        if (!matched) break;
        advance(parser);
        left = node_binary(parser, kind, token, left, next(parser));
    }
    return left;
}

static uint32_t parse_concat(struct parser *parser)
{
    static const char *const operators[] = {"||", NULL};
    return parse_binary_level(parser, parse_unary, operators, SLT_NODE_ARITHMETIC);
}

static uint32_t parse_multiplicative(struct parser *parser)
{
    static const char *const operators[] = {"*", "/", "%", NULL};
    return parse_binary_level(parser, parse_concat, operators, SLT_NODE_ARITHMETIC);
}

static uint32_t parse_additive(struct parser *parser)
{
    static const char *const operators[] = {"+", "-", NULL};
    return parse_binary_level(parser, parse_multiplicative, operators, SLT_NODE_ARITHMETIC);
}

static uint32_t parse_bitwise(struct parser *parser)
{
    static const char *const operators[] = {"&", "|", "<<", ">>", NULL};
    return parse_binary_level(parser, parse_additive, operators, SLT_NODE_ARITHMETIC);
}

static uint32_t parse_relational(struct parser *parser)
{
    static const char *const operators[] = {"<", "<=", ">", ">=", NULL};
    return parse_binary_level(parser, parse_bitwise, operators, SLT_NODE_COMPARE);
}

static uint32_t parse_in(struct parser *parser, uint32_t operand, const struct slt_token *in,
                         bool is_negated)
{
    if (!token_is_operator(peek(parser), "(")) return node_other(parser, "IN <table>", in, operand);
    if (slt_token_is(peek_at(parser, 1), "SELECT")) {
        uint32_t index = node_new(parser, SLT_NODE_SUBQUERY, in);
        if (index != SLT_NODE_NONE) parser->ast->nodes[index].children[0] = operand;
        return skip_parenthesized(parser) ? index : SLT_NODE_NONE;
    }
    advance(parser);
    if (token_is_operator(peek(parser), ")")) {
        advance(parser);
        return node_other(parser, "empty IN list", in, operand);
    }
    uint32_t index = node_new(parser, SLT_NODE_IN_LIST, in);
    if (index == SLT_NODE_NONE) return index;
    uint32_t last = SLT_NODE_NONE;
    for (;;) {
        uint32_t item = parse_or(parser);
        if (item == SLT_NODE_NONE) return item;
        if (last == SLT_NODE_NONE)
            parser->ast->nodes[index].children[1] = item;
        else
            parser->ast->nodes[last].next_item = item;
        last = item;
        if (token_is_operator(peek(parser), ",")) {
            advance(parser);
            continue;
        }
        if (!token_is_operator(peek(parser), ")")) return fail(parser, "expected ',' or ')'");
        advance(parser);
        break;
    }
    parser->ast->nodes[index].children[0] = operand;
    parser->ast->nodes[index].is_negated = is_negated;
    return index;
}

static uint32_t parse_equality(struct parser *parser)
{
    uint32_t left = parse_relational(parser);
    while (left != SLT_NODE_NONE) {
        const struct slt_token *token = peek(parser);
        if (token_is_operator(token, "=") || token_is_operator(token, "==") ||
            token_is_operator(token, "!=") || token_is_operator(token, "<>")) {
            advance(parser);
            left = node_binary(parser, SLT_NODE_COMPARE, token, left, parse_relational(parser));
            continue;
        }
        if (slt_token_is(token, "ISNULL") || slt_token_is(token, "NOTNULL") ||
            (slt_token_is(token, "NOT") && slt_token_is(peek_at(parser, 1), "NULL"))) {
            bool is_negated = !slt_token_is(token, "ISNULL");
            advance(parser);
            if (slt_token_is(token, "NOT")) advance(parser);
            uint32_t index = node_new(parser, SLT_NODE_IS_NULL, token);
            if (index == SLT_NODE_NONE) return index;
            parser->ast->nodes[index].children[0] = left;
            parser->ast->nodes[index].is_negated = is_negated;
            left = index;
            continue;
        }
        if (slt_token_is(token, "IS")) {
            advance(parser);
            bool is_negated = false;
            if (slt_token_is(peek(parser), "NOT")) {
                advance(parser);
                is_negated = true;
            }
            if (slt_token_is(peek(parser), "NULL")) {
                advance(parser);
                uint32_t index = node_new(parser, SLT_NODE_IS_NULL, token);
                if (index == SLT_NODE_NONE) return index;
                parser->ast->nodes[index].children[0] = left;
                parser->ast->nodes[index].is_negated = is_negated;
                left = index;
            } else {
                uint32_t right = parse_relational(parser);
                left =
                    right == SLT_NODE_NONE ? right : node_other(parser, "IS <value>", token, left);
            }
            continue;
        }
        bool is_negated = false;
        const struct slt_token *op = token;
        if (slt_token_is(token, "NOT")) {
            op = peek_at(parser, 1);
            if (!slt_token_is(op, "IN") && !slt_token_is(op, "BETWEEN") &&
                !slt_token_is(op, "LIKE") && !slt_token_is(op, "GLOB") &&
                !slt_token_is(op, "MATCH") && !slt_token_is(op, "REGEXP"))
                break;
            advance(parser);
            is_negated = true;
        }
        if (slt_token_is(op, "BETWEEN")) {
            advance(parser);
            uint32_t low = parse_relational(parser);
            if (low == SLT_NODE_NONE) return low;
            if (!slt_token_is(peek(parser), "AND")) return fail(parser, "expected AND");
            advance(parser);
            uint32_t high = parse_relational(parser);
            if (high == SLT_NODE_NONE) return high;
            uint32_t index = node_new(parser, SLT_NODE_BETWEEN, op);
            if (index == SLT_NODE_NONE) return index;
            struct slt_node *node = &parser->ast->nodes[index];
            node->children[0] = left;
            node->children[1] = low;
            node->children[2] = high;
            node->is_negated = is_negated;
            left = index;
        } else if (slt_token_is(op, "IN")) {
            advance(parser);
            left = parse_in(parser, left, op, is_negated);
        } else if (slt_token_is(op, "LIKE") || slt_token_is(op, "GLOB") ||
                   slt_token_is(op, "MATCH") || slt_token_is(op, "REGEXP")) {
            advance(parser);
            uint32_t pattern = parse_relational(parser);
            if (pattern == SLT_NODE_NONE) return pattern;
            if (slt_token_is(peek(parser), "ESCAPE")) {
                advance(parser);
                if (parse_relational(parser) == SLT_NODE_NONE) return SLT_NODE_NONE;
            }
            left = node_other(parser, "LIKE/GLOB/MATCH/REGEXP", op, left);
        } else {
            break;
        }
    }
    return left;
}

static uint32_t parse_not(struct parser *parser)
{
    if (!enter(parser)) return SLT_NODE_NONE;
    uint32_t result;
    const struct slt_token *token = peek(parser);
    if (slt_token_is(token, "NOT")) {
        advance(parser);
        uint32_t operand = parse_not(parser);
        result = operand == SLT_NODE_NONE ? operand : node_new(parser, SLT_NODE_NOT, token);
        if (result != SLT_NODE_NONE) parser->ast->nodes[result].children[0] = operand;
    } else {
        result = parse_equality(parser);
    }
    parser->depth--;
    return result;
}

static uint32_t parse_and(struct parser *parser)
{
    uint32_t left = parse_not(parser);
    while (left != SLT_NODE_NONE && slt_token_is(peek(parser), "AND")) {
        const struct slt_token *token = advance(parser);
        left = node_binary(parser, SLT_NODE_AND, token, left, parse_not(parser));
    }
    return left;
}

static uint32_t parse_or(struct parser *parser)
{
    uint32_t left = parse_and(parser);
    while (left != SLT_NODE_NONE && slt_token_is(peek(parser), "OR")) {
        const struct slt_token *token = advance(parser);
        left = node_binary(parser, SLT_NODE_OR, token, left, parse_and(parser));
    }
    return left;
}

/* ---- Queries ------------------------------------------------------------------------------ */

enum slt_parse_outcome slt_select_parse(const struct slt_tokens *tokens, struct slt_ast *ast,
                                        struct slt_select *select, char *detail, size_t detail_size)
{
    ast->count = 0;
    struct parser parser = {
        .tokens = tokens, .ast = ast, .detail = detail, .detail_size = detail_size};
    detail[0] = '\0';
    if (!slt_token_is(peek(&parser), "SELECT")) return SLT_PARSE_SELECT_SHAPE;
    advance(&parser);
    if (slt_token_is(peek(&parser), "ALL")) advance(&parser);
    const struct slt_token *column = peek(&parser);
    if (column->kind != SLT_TOKEN_IDENT || token_is_reserved(column) ||
        !slt_token_is(peek_at(&parser, 1), "FROM"))
        return SLT_PARSE_SELECT_SHAPE;
    advance(&parser);
    advance(&parser);
    const struct slt_token *table = peek(&parser);
    if (table->kind != SLT_TOKEN_IDENT || token_is_reserved(table)) return SLT_PARSE_SELECT_SHAPE;
    advance(&parser);
    struct slt_select result = {.column = *column, .table = *table, .where_root = SLT_NODE_NONE};
    if (slt_token_is(peek(&parser), "WHERE")) {
        advance(&parser);
        result.where_root = parse_or(&parser);
        if (result.where_root == SLT_NODE_NONE) return SLT_PARSE_UNPARSED;
    }
    const struct slt_token *rest = peek(&parser);
    if (rest->kind != SLT_TOKEN_END) {
        if (rest->kind == SLT_TOKEN_IDENT || token_is_operator(rest, ",")) {
            return SLT_PARSE_SELECT_SHAPE; /* ORDER BY, LIMIT, joins, aliases, ... */
        }
        fail(&parser, "unexpected text after the query");
        return SLT_PARSE_UNPARSED;
    }
    *select = result;
    return SLT_PARSE_OK;
}

void slt_ast_deinit(struct slt_ast *ast)
{
    mem_free(ast->nodes);
    memset(ast, 0, sizeof *ast);
}
