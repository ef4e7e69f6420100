/*
 * Tests for engine/query/parser.c: precedence and nesting (checked on a printed AST), every
 * predicate form and literal, literal-first comparisons, syntax errors with exact
 * line:column, literal range errors, and the limits (depth, nodes, list length, text size).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "query/ast.h"
#include "query_test_support.h"

static void print_literal(struct buffer *out, const struct ast_literal *literal)
{
    switch (literal->kind) {
    case AST_LITERAL_INTEGER:
        buffer_printf(out, "%lld", (long long)literal->integer);
        break;
    case AST_LITERAL_FLOAT:
        buffer_printf(out, "%.17gf", literal->number);
        break;
    case AST_LITERAL_STRING:
        buffer_printf(out, "'");
        buffer_append(out, literal->string, literal->string_size);
        buffer_printf(out, "'");
        break;
    case AST_LITERAL_TRUE:
        buffer_printf(out, "TRUE");
        break;
    case AST_LITERAL_FALSE:
        buffer_printf(out, "FALSE");
        break;
    case AST_LITERAL_NULL:
        buffer_printf(out, "NULL");
        break;
    case AST_LITERAL_TIME:
        buffer_printf(out, "@%lld", (long long)literal->integer);
        break;
    }
}

static void print_node(struct buffer *out, const struct ast_node *node)
{
    switch (node->kind) {
    case AST_TRUE:
        buffer_printf(out, "TRUE");
        return;
    case AST_FALSE:
        buffer_printf(out, "FALSE");
        return;
    case AST_PREDICATE:
        buffer_printf(out, "[%.*s %s%s", (int)node->attribute_size, node->attribute,
                      node->negated ? "NOT " : "", ast_operator_name(node->op));
        for (uint32_t i = 0; i < node->literal_count; i++) {
            buffer_printf(out, i ? "," : " ");
            print_literal(out, &node->literals[i]);
        }
        buffer_printf(out, "]");
        return;
    default:
        break;
    }
    buffer_printf(out, "(%s", node->kind == AST_AND ? "AND" : node->kind == AST_OR ? "OR" : "NOT");
    for (const struct ast_node *child = node->first_child; child; child = child->next_sibling) {
        buffer_printf(out, " ");
        print_node(out, child);
    }
    buffer_printf(out, ")");
}

/* Parses (asserting success) and returns the printed AST (owned). */
static char *parse_print(const char *text)
{
    struct query_arena arena;
    query_arena_init(&arena);
    struct ast ast;
    struct pdb_error error = {0};
    enum pdb_status status = parser_parse(text, strlen(text), TEST_NOW, &arena, &ast, &error);
    cr_assert_eq(status, PDB_OK, "%s: %s", text, error.message);
    struct buffer out;
    buffer_init(&out);
    print_node(&out, ast.root);
    buffer_append(&out, "", 1);
    char *result = strdup((char *)out.data);
    buffer_deinit(&out);
    query_arena_deinit(&arena);
    return result;
}

static void expect_ast(const char *text, const char *printed)
{
    char *got = parse_print(text);
    cr_assert_str_eq(got, printed, "for %s", text);
    free(got);
}

static enum pdb_status parse_error(const char *text, size_t size, char *message,
                                   size_t message_size)
{
    struct query_arena arena;
    query_arena_init(&arena);
    struct ast ast = {0};
    struct pdb_error error = {0};
    enum pdb_status status = parser_parse(text, size, TEST_NOW, &arena, &ast, &error);
    cr_assert_neq(status, PDB_OK, "expected an error for %.80s", text);
    cr_assert_null(ast.root);
    snprintf(message, message_size, "%s", error.message);
    query_arena_deinit(&arena);
    return status;
}

static void expect_syntax_error(const char *text, const char *message)
{
    char got[PDB_ERROR_MESSAGE_SIZE];
    cr_assert_eq(parse_error(text, strlen(text), got, sizeof got), PDB_ERR_SEGMENT, "%s", text);
    cr_assert_str_eq(got, message, "for %s", text);
}

/* ---- Structure ------------------------------------------------------------------------ */

Test(parser, not_binds_tighter_than_and_tighter_than_or)
{
    expect_ast("a OR b AND c",
               "(OR [a (bare attribute)] (AND [b (bare attribute)] [c (bare attribute)]))");
    expect_ast("a AND b OR c AND d", "(OR (AND [a (bare attribute)] [b (bare attribute)]) (AND [c "
                                     "(bare attribute)] [d (bare attribute)]))");
    expect_ast("NOT a AND b", "(AND (NOT [a (bare attribute)]) [b (bare attribute)])");
    expect_ast("NOT a OR NOT b", "(OR (NOT [a (bare attribute)]) (NOT [b (bare attribute)]))");
    expect_ast("(a OR b) AND c",
               "(AND (OR [a (bare attribute)] [b (bare attribute)]) [c (bare attribute)])");
    expect_ast("NOT (a OR b)", "(NOT (OR [a (bare attribute)] [b (bare attribute)]))");
    expect_ast("NOT NOT a", "(NOT (NOT [a (bare attribute)]))");
}

Test(parser, chains_are_n_ary_and_parentheses_vanish)
{
    expect_ast("a AND b AND c",
               "(AND [a (bare attribute)] [b (bare attribute)] [c (bare attribute)])");
    expect_ast(
        "a or b Or c OR d",
        "(OR [a (bare attribute)] [b (bare attribute)] [c (bare attribute)] [d (bare attribute)])");
    expect_ast("((a))", "[a (bare attribute)]");
    expect_ast("(a AND b) AND c",
               "(AND (AND [a (bare attribute)] [b (bare attribute)]) [c (bare attribute)])");
    expect_ast("TRUE", "TRUE");
    expect_ast("false OR (TRUE)", "(OR FALSE TRUE)");
}

Test(parser, every_predicate_form)
{
    expect_ast("age = 30", "[age = 30]");
    expect_ast("age != 30", "[age != 30]");
    expect_ast("age <> 30", "[age != 30]");
    expect_ast("age < -30", "[age < -30]");
    expect_ast("age <= 30.5", "[age <= 30.5f]");
    expect_ast("age > 1e3", "[age > 1000f]");
    expect_ast("age >= -2.5E-1", "[age >= -0.25f]");
    expect_ast("age BETWEEN 25 AND 40", "[age BETWEEN 25,40]");
    expect_ast("age NOT BETWEEN 25 AND 40", "[age NOT BETWEEN 25,40]");
    expect_ast("country IN ('US', 'CA', NULL)", "[country IN 'US','CA',NULL]");
    expect_ast("country NOT IN ('US')", "[country NOT IN 'US']");
    expect_ast("email IS NULL", "[email IS NULL]");
    expect_ast("email IS NOT NULL", "[email NOT IS NULL]");
    expect_ast("email STARTS WITH 'a'", "[email STARTS WITH 'a']");
    expect_ast("email NOT ENDS WITH '.com'", "[email NOT ENDS WITH '.com']");
    expect_ast("email CONTAINS '@'", "[email CONTAINS '@']");
    expect_ast("email not istarts with 'A'", "[email NOT ISTARTS WITH 'A']");
    expect_ast("email IENDS WITH 'X'", "[email IENDS WITH 'X']");
    expect_ast("email ICONTAINS 'ß'", "[email ICONTAINS 'ß']");
    expect_ast("interests HAS 'running'", "[interests HAS 'running']");
    expect_ast("interests NOT HAS ANY ('a', 'b')", "[interests NOT HAS ANY 'a','b']");
    expect_ast("interests HAS ALL ('a')", "[interests HAS ALL 'a']");
    expect_ast("is_vip", "[is_vip (bare attribute)]");
    expect_ast("is_vip = TRUE", "[is_vip = TRUE]");
    expect_ast("is_vip IN (TRUE, FALSE, NULL)", "[is_vip IN TRUE,FALSE,NULL]");
    expect_ast("age = NULL", "[age = NULL]");
}

Test(parser, literal_first_comparisons_are_flipped)
{
    expect_ast("30 < age", "[age > 30]");
    expect_ast("30 <= age", "[age >= 30]");
    expect_ast("30 > age", "[age < 30]");
    expect_ast("30 >= age", "[age <= 30]");
    expect_ast("'US' = country", "[country = 'US']");
    expect_ast("'US' <> country", "[country != 'US']");
    expect_ast("TRUE = is_vip", "[is_vip = TRUE]");
    expect_ast("NULL = age", "[age = NULL]");
    expect_ast("-5 >= age", "[age <= -5]");
    expect_ast("now() - 1d <= signup_at", "[signup_at >= @1699913600]");
}

Test(parser, literals_are_converted)
{
    expect_ast("a = 9223372036854775807", "[a = 9223372036854775807]");
    expect_ast("a = -9223372036854775808", "[a = -9223372036854775808]");
    expect_ast("a = 007", "[a = 7]");
    expect_ast("a = -0.0", "[a = -0f]");
    expect_ast("a = 'it''s'", "[a = 'it's']");
    expect_ast("a = ''''", "[a = ''']");
    expect_ast("a = ''", "[a = '']");
    expect_ast("a = now()", "[a = @1700000000]");
    expect_ast("a = NOW ( )", "[a = @1700000000]");
    expect_ast("a = now()+30s", "[a = @1700000030]");
    expect_ast("a = now() - 90m", "[a = @1699994600]");
    expect_ast("a = now() + 12h", "[a = @1700043200]");
    expect_ast("a = now() - 30d", "[a = @1697408000]");
    expect_ast("a = now() + 2w", "[a = @1701209600]");
    expect_ast("a = now() - 9223372036854775807s", "[a = @-9223372035154775807]");
    expect_ast("a = 1e-400", "[a = 0f]");
}

Test(parser, keeps_positions_and_source_text)
{
    struct query_arena arena;
    query_arena_init(&arena);
    struct ast ast;
    const char *text = "age > 5 AND\n  30 < order_count";
    cr_assert_eq(parser_parse(text, strlen(text), TEST_NOW, &arena, &ast, NULL), PDB_OK);
    cr_assert_eq(ast.node_count, 3);
    const struct ast_node *second = ast.root->first_child->next_sibling;
    cr_assert_eq(second->attribute_position.line, 2);
    cr_assert_eq(second->attribute_position.column, 8);
    cr_assert_eq(second->operator_position.column, 6);
    cr_assert_eq(second->literals[0].position.line, 2);
    cr_assert_eq(second->literals[0].position.column, 3);
    cr_assert_eq(second->literals[0].source_size, 2);
    query_arena_deinit(&arena);
}

/* ---- Errors --------------------------------------------------------------------------- */

Test(parser, syntax_errors_say_what_was_expected_and_found)
{
    expect_syntax_error("", "segment:1:1: syntax error: expected a condition (an attribute, TRUE, "
                            "FALSE, NOT or '(') but found end of segment");
    expect_syntax_error("(age > 30",
                        "segment:1:10: syntax error: expected ')' but found end of segment");
    expect_syntax_error("(country = 'US'",
                        "segment:1:16: syntax error: expected ')' but found end of segment");
    expect_syntax_error("age >", "segment:1:6: syntax error: expected a literal (number, string, "
                                 "TRUE, FALSE, NULL or now()) but found end of segment");
    expect_syntax_error(
        "age > 30 country",
        "segment:1:10: syntax error: expected AND, OR or end of segment but found 'country'");
    expect_syntax_error(
        "age > 30)", "segment:1:9: syntax error: expected AND, OR or end of segment but found ')'");
    expect_syntax_error(
        "age BETWEEN 1 OR 2",
        "segment:1:15: syntax error: expected AND (BETWEEN low AND high) but found 'OR'");
    expect_syntax_error("country IN ()", "segment:1:13: syntax error: expected a literal (number, "
                                         "string, TRUE, FALSE, NULL or now()) but found ')'");
    expect_syntax_error("country IN ('a' 'b')",
                        "segment:1:17: syntax error: expected ',' or ')' but found string 'b'");
    expect_syntax_error("country IN ('a',)",
                        "segment:1:17: syntax error: expected a literal (number, string, TRUE, "
                        "FALSE, NULL or now()) but found ')'");
    expect_syntax_error(
        "country IN 'a'",
        "segment:1:12: syntax error: expected '(' to open the list but found string 'a'");
    expect_syntax_error(
        "interests HAS ANY 'a'",
        "segment:1:19: syntax error: expected '(' to open the list but found string 'a'");
    expect_syntax_error(
        "email STARTS 'a'",
        "segment:1:14: syntax error: expected WITH after STARTS but found string 'a'");
    expect_syntax_error(
        "email iends 'a'",
        "segment:1:13: syntax error: expected WITH after IENDS but found string 'a'");
    expect_syntax_error(
        "x IS 5", "segment:1:6: syntax error: expected NULL or NOT NULL after IS but found '5'");
    expect_syntax_error("x IS NOT 5",
                        "segment:1:10: syntax error: expected NULL after IS NOT but found '5'");
    expect_syntax_error(
        "x NOT = 5",
        "segment:1:7: syntax error: expected BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, "
        "ISTARTS WITH, IENDS WITH, ICONTAINS or HAS after NOT but found '='");
    expect_syntax_error(
        "x NOT IS NULL",
        "segment:1:7: syntax error: expected BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, "
        "ISTARTS WITH, IENDS WITH, ICONTAINS or HAS after NOT but found 'IS'");
    expect_syntax_error("AND", "segment:1:1: syntax error: expected a condition (an attribute, "
                               "TRUE, FALSE, NOT or '(') but found 'AND'");
    expect_syntax_error("a AND", "segment:1:6: syntax error: expected a condition (an attribute, "
                                 "TRUE, FALSE, NOT or '(') but found end of segment");
    expect_syntax_error("a AND OR b", "segment:1:7: syntax error: expected a condition (an "
                                      "attribute, TRUE, FALSE, NOT or '(') but found 'OR'");
    expect_syntax_error("NOT", "segment:1:4: syntax error: expected a condition (an attribute, "
                               "TRUE, FALSE, NOT or '(') but found end of segment");
    expect_syntax_error("()", "segment:1:2: syntax error: expected a condition (an attribute, "
                              "TRUE, FALSE, NOT or '(') but found ')'");
    expect_syntax_error("5 5", "segment:1:3: syntax error: expected a comparison operator (= != <> "
                               "< <= > >=) after the literal but found '5'");
    expect_syntax_error("5 IN (age)", "segment:1:3: syntax error: expected a comparison operator "
                                      "(= != <> < <= > >=) after the literal but found 'IN'");
    expect_syntax_error("5 < 6", "segment:1:5: syntax error: expected an attribute (a literal can "
                                 "only be compared with an attribute) but found '6'");
    expect_syntax_error("TRUE = FALSE",
                        "segment:1:8: syntax error: expected an attribute (a literal can only be "
                        "compared with an attribute) but found 'FALSE'");
    expect_syntax_error("age > x", "segment:1:7: syntax error: expected a literal (number, string, "
                                   "TRUE, FALSE, NULL or now()) but found 'x'");
    expect_syntax_error(
        "age > - 5",
        "segment:1:9: syntax error: expected a number directly after '-' but found '5'");
    expect_syntax_error(
        "age > -x",
        "segment:1:8: syntax error: expected a number directly after '-' but found 'x'");
    expect_syntax_error("age > +5", "segment:1:7: syntax error: expected a literal (number, "
                                    "string, TRUE, FALSE, NULL or now()) but found '+'");
    expect_syntax_error("signup_at > 30d", "segment:1:13: syntax error: a duration such as '30d' "
                                           "is only allowed after now() + or now() -");
    expect_syntax_error(
        "signup_at > -30d",
        "segment:1:14: syntax error: expected a number directly after '-' but found '30d'");
    expect_syntax_error(
        "signup_at > now",
        "segment:1:16: syntax error: expected '(' after now but found end of segment");
    expect_syntax_error(
        "signup_at > now(1)",
        "segment:1:17: syntax error: expected ')' (now() takes no arguments) but found '1'");
    expect_syntax_error(
        "signup_at > now() + 30",
        "segment:1:21: syntax error: expected a duration such as 30d after '+' but found '30'");
    expect_syntax_error(
        "signup_at > now() - x",
        "segment:1:21: syntax error: expected a duration such as 30d after '-' but found 'x'");
    expect_syntax_error("age > 30 AND\n(country = 'US'\n",
                        "segment:3:1: syntax error: expected ')' but found end of segment");
    expect_syntax_error(
        "age > 30\n  AND country = 'US' OR\n\t is_vip = 'x' is_vip",
        "segment:3:16: syntax error: expected AND, OR or end of segment but found 'is_vip'");
    expect_syntax_error("email = 'abc",
                        "segment:1:9: syntax error: unterminated string (no closing quote)");
    expect_syntax_error("age > 30x", "segment:1:7: syntax error: bad duration unit in '30x' "
                                     "(expected s, m, h, d or w, as in 30d)");
}

Test(parser, unknown_functions)
{
    expect_syntax_error("today() > 5",
                        "segment:1:1: unknown function 'today' (the functions are now(), segment('name') and the event aggregates count, exists, sum, min, max, first, last, distinct)");
    expect_syntax_error("signup_at > today()",
                        "segment:1:13: unknown function 'today' (the functions are now(), segment('name') and the event aggregates count, exists, sum, min, max, first, last, distinct)");
    expect_syntax_error("signup_at IN (now(), yesterday())",
                        "segment:1:22: unknown function 'yesterday' (the functions are now(), segment('name') and the event aggregates count, exists, sum, min, max, first, last, distinct)");
    expect_syntax_error("lower(email) = 'x'",
                        "segment:1:1: unknown function 'lower' (the functions are now(), segment('name') and the event aggregates count, exists, sum, min, max, first, last, distinct)");
}

Test(parser, literals_out_of_range)
{
    expect_syntax_error(
        "a = 9223372036854775808",
        "segment:1:5: integer literal '9223372036854775808' is out of the int64 range");
    expect_syntax_error(
        "a = -9223372036854775809",
        "segment:1:5: integer literal '-9223372036854775809' is out of the int64 range");
    expect_syntax_error(
        "a IN (1, 99999999999999999999999)",
        "segment:1:10: integer literal '99999999999999999999999' is out of the int64 range");
    expect_syntax_error("a = 1e309", "segment:1:5: float literal '1e309' is out of range");
    expect_syntax_error("a = -1.5e400", "segment:1:5: float literal '-1.5e400' is out of range");
    expect_syntax_error("a > now() - 99999999999999999999d",
                        "segment:1:13: duration '99999999999999999999d' is out of range");
    expect_syntax_error("a > now() - 200000000000000d",
                        "segment:1:13: duration '200000000000000d' is out of range");
    expect_syntax_error("a > now() + 9223372036854775807s",
                        "segment:1:5: now() + 9223372036854775807s is out of the timestamp range");
}

/* ---- Limits --------------------------------------------------------------------------- */

static char *repeat(const char *prefix, const char *unit, size_t count, const char *suffix_unit,
                    size_t suffix_count)
{
    size_t size = strlen(prefix) + strlen(unit) * count + strlen(suffix_unit) * suffix_count + 16;
    char *text = malloc(size);
    char *cursor = text;
    cursor += sprintf(cursor, "%s", "");
    for (size_t i = 0; i < count; i++)
        cursor += sprintf(cursor, "%s", unit);
    cursor += sprintf(cursor, "%s", prefix);
    for (size_t i = 0; i < suffix_count; i++)
        cursor += sprintf(cursor, "%s", suffix_unit);
    return text;
}

Test(parser, nesting_up_to_the_limit_parses)
{
    char *text = repeat("is_vip", "(", PDB_SEGMENT_DEPTH_MAX, ")", PDB_SEGMENT_DEPTH_MAX);
    free(parse_print(text));
    free(text);
    text = repeat("is_vip", "NOT ", PDB_SEGMENT_DEPTH_MAX, "", 0);
    free(parse_print(text));
    free(text);
    text = repeat("is_vip", "NOT (", PDB_SEGMENT_DEPTH_MAX / 2, ")", PDB_SEGMENT_DEPTH_MAX / 2);
    free(parse_print(text));
    free(text);
}

Test(parser, nesting_beyond_the_limit_is_a_limit_error)
{
    char message[PDB_ERROR_MESSAGE_SIZE];
    char *text = repeat("is_vip", "(", PDB_SEGMENT_DEPTH_MAX + 1, ")", PDB_SEGMENT_DEPTH_MAX + 1);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message,
                     "segment:1:129: parentheses and NOT nest deeper than 128 levels (limit)");
    free(text);
    text = repeat("is_vip", "NOT ", PDB_SEGMENT_DEPTH_MAX + 1, "", 0);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message,
                     "segment:1:513: parentheses and NOT nest deeper than 128 levels (limit)");
    free(text);
    text = repeat("is_vip", "NOT (", 65, ")", 65);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message,
                     "segment:1:321: parentheses and NOT nest deeper than 128 levels (limit)");
    free(text);
}

Test(parser, hundred_thousand_parentheses_fail_cleanly)
{
    char message[PDB_ERROR_MESSAGE_SIZE];
    char *text = repeat("", "(", 100000, "", 0);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message,
                     "segment:1:129: parentheses and NOT nest deeper than 128 levels (limit)");
    free(text);
    text = repeat("", "\n(", 100000, "", 0);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message,
                     "segment:130:1: parentheses and NOT nest deeper than 128 levels (limit)");
    free(text);
}

Test(parser, node_count_limit)
{
    /* k predicates joined by OR are 2k - 1 nodes. */
    uint32_t k = (PDB_SEGMENT_NODES_MAX + 1) / 2;
    char *text = repeat("is_vip", "is_vip OR ", k - 1, "", 0);
    free(parse_print(text));
    free(text);
    char message[PDB_ERROR_MESSAGE_SIZE];
    text = repeat("is_vip", "is_vip OR ", k, "", 0);
    cr_assert_eq(parse_error(text, strlen(text), message, sizeof message), PDB_ERR_LIMIT);
    char expected[200];
    snprintf(expected, sizeof expected,
             "segment:1:%u: segment has more than 65536 nodes (predicates, constants, NOT, AND, "
             "OR; limit)",
             k * 10 + 1);
    cr_assert_str_eq(message, expected);
    free(text);
}

Test(parser, list_length_limit)
{
    char *text = repeat("1)", "1,", PDB_IN_LIST_SIZE_MAX - 1, "", 0);
    char *full = malloc(strlen(text) + 16);
    sprintf(full, "age IN (%s", text);
    free(parse_print(full));
    free(full);
    free(text);
    text = repeat("1)", "1,", PDB_IN_LIST_SIZE_MAX, "", 0);
    full = malloc(strlen(text) + 16);
    sprintf(full, "age IN (%s", text);
    char message[PDB_ERROR_MESSAGE_SIZE];
    cr_assert_eq(parse_error(full, strlen(full), message, sizeof message), PDB_ERR_LIMIT);
    char expected[100];
    snprintf(expected, sizeof expected, "segment:1:%u: list has more than 65536 values (limit)",
             9 + 2 * PDB_IN_LIST_SIZE_MAX);
    cr_assert_str_eq(message, expected);
    free(full);
    free(text);
}

Test(parser, text_size_limit)
{
    size_t size = PDB_SEGMENT_TEXT_SIZE_MAX;
    char *text = malloc(size + 1);
    memset(text, ' ', size + 1);
    memcpy(text, "is_vip", 6);
    struct query_arena arena;
    query_arena_init(&arena);
    struct ast ast;
    cr_assert_eq(parser_parse(text, size, TEST_NOW, &arena, &ast, NULL), PDB_OK);
    query_arena_deinit(&arena);
    char message[PDB_ERROR_MESSAGE_SIZE];
    cr_assert_eq(parse_error(text, size + 1, message, sizeof message), PDB_ERR_LIMIT);
    cr_assert_str_eq(message, "segment:1:1: segment is 1048577 bytes (limit 1048576)");
    free(text);
}

Test(parser, operator_names)
{
    cr_assert_str_eq(ast_operator_name(AST_OP_HAS_ALL), "HAS ALL");
    cr_assert_str_eq(ast_operator_name(AST_OP_ISTARTS_WITH), "ISTARTS WITH");
    cr_assert_str_eq(ast_operator_name(AST_OP_COUNT), "?");
}

/* ---- Robustness ------------------------------------------------------------------------- */

/* Every outcome is success or an error whose position lies inside (or just past) the text. */
static void check_outcome(const struct schema *schema, const char *text, size_t size)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status = segment_compile(text, size, schema, TEST_NOW, &segment, &error);
    if (status == PDB_OK) {
        cr_assert_eq(segment_validate(segment), 0, "%.*s", (int)size, text);
        struct buffer out;
        buffer_init(&out);
        cr_assert_eq(segment_explain(segment, &out), PDB_OK);
        buffer_deinit(&out);
        segment_destroy(segment);
        return;
    }
    cr_assert(status == PDB_ERR_SEGMENT || status == PDB_ERR_LIMIT, "status %d", status);
    cr_assert_null(segment);
    unsigned line = 0, column = 0;
    cr_assert_eq(sscanf(error.message, "segment:%u:%u: ", &line, &column), 2, "%s", error.message);
    uint32_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    cr_assert(line >= 1 && line <= lines && column >= 1 && column <= size + 1, "%s", error.message);
}

Test(parser, random_inputs_fail_cleanly)
{
    static const char *const vocabulary[] = {
        "age",         "country",   "email",   "interests", "is_vip",  "signup_at",
        "total_spend", "AND",       "OR",      "NOT",       "(",       ")",
        ",",           "=",         "!=",      "<>",        "<",       "<=",
        ">",           ">=",        "BETWEEN", "IN",        "IS",      "NULL",
        "TRUE",        "FALSE",     "STARTS",  "ENDS",      "WITH",    "CONTAINS",
        "ISTARTS",     "ICONTAINS", "HAS",     "ANY",       "ALL",     "now()",
        "now",         "-",         "+",       "30d",       "5",       "-5",
        "2.5",         "1e3",       "'x'",     "''",        "'it''s'", "'2024-01-01'",
        "\n",          "\t",        "'",       "@",         "1.",      "9999999999999999999999",
    };
    struct schema schema;
    test_schema_init(&schema);
    uint64_t state = 4242;
    char text[512];
    for (int round = 0; round < 20000; round++) {
        size_t size = 0;
        uint32_t tokens = (uint32_t)(test_random(&state) % 12);
        for (uint32_t i = 0; i < tokens; i++) {
            if (test_random(&state) % 10 == 0) {
                text[size++] = (char)(test_random(&state) & 0xff); /* any byte */
            } else {
                const char *word =
                    vocabulary[test_random(&state) % (sizeof vocabulary / sizeof vocabulary[0])];
                size += (size_t)sprintf(text + size, "%s", word);
            }
            if (test_random(&state) % 3) text[size++] = ' ';
        }
        check_outcome(&schema, text, size);
    }
    schema_deinit(&schema);
}

Test(parser, mutated_segments_fail_cleanly)
{
    static const char *const seeds[] = {
        "country IN ('US', 'CA') AND age BETWEEN 25 AND 40",
        "NOT (email ICONTAINS 'stra\xc3\x9f"
        "e' OR interests HAS ALL ('a', 'b'))",
        "signup_at > now() - 30d AND total_spend >= 1.5e2 OR is_vip",
    };
    struct schema schema;
    test_schema_init(&schema);
    uint64_t state = 777;
    char text[256];
    for (int round = 0; round < 20000; round++) {
        const char *seed = seeds[round % 3];
        size_t size = strlen(seed);
        memcpy(text, seed, size);
        uint32_t edits = 1 + (uint32_t)(test_random(&state) % 4);
        for (uint32_t e = 0; e < edits && size > 0; e++) {
            size_t at = test_random(&state) % size;
            switch (test_random(&state) % 3) {
            case 0:
                memmove(text + at, text + at + 1, size - at - 1);
                size--;
                break;
            case 1:
                memmove(text + at + 1, text + at, size - at);
                text[at] = "()',-= NA0e\n"[test_random(&state) % 12];
                size++;
                break;
            default:
                text[at] = (char)(test_random(&state) & 0xff);
                break;
            }
        }
        check_outcome(&schema, text, size);
    }
    schema_deinit(&schema);
}
