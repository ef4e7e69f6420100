/*
 * Tests for engine/query/lexer.c: every token kind, keyword case, positions (lines,
 * character columns over UTF-8), and every lexical error with its position.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "query/lexer.h"

struct expected_token {
    enum token_kind kind;
    const char *text;
    uint32_t line, column;
};

static void expect_tokens(const char *input, const struct expected_token *expected, size_t count)
{
    struct lexer lexer;
    lexer_init(&lexer, input, strlen(input));
    struct pdb_error error = {0};
    for (size_t i = 0; i < count; i++) {
        struct token token;
        cr_assert_eq(lexer_next(&lexer, &token, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(token.kind, expected[i].kind, "token %zu of '%s': %s, wanted %s", i, input,
                     token_kind_name(token.kind), token_kind_name(expected[i].kind));
        if (expected[i].text) {
            cr_assert_eq(token.size, strlen(expected[i].text), "token %zu of '%s'", i, input);
            cr_assert_eq(memcmp(token.text, expected[i].text, token.size), 0);
        }
        if (expected[i].line) {
            cr_assert_eq(token.line, expected[i].line, "token %zu line", i);
            cr_assert_eq(token.column, expected[i].column, "token %zu of '%s': column %u", i, input,
                         token.column);
        }
    }
}

static void expect_error(const char *input, const char *message)
{
    struct lexer lexer;
    lexer_init(&lexer, input, strlen(input));
    struct pdb_error error = {0};
    struct token token;
    enum pdb_status status;
    do {
        status = lexer_next(&lexer, &token, &error);
    } while (status == PDB_OK && token.kind != TOKEN_END);
    cr_assert_eq(status, PDB_ERR_SEGMENT, "expected an error for '%s'", input);
    cr_assert_str_eq(error.message, message);
}

Test(lexer, punctuation_and_operators)
{
    struct expected_token expected[] = {
        {TOKEN_LEFT_PAREN, "(", 1, 1}, {TOKEN_RIGHT_PAREN, ")", 1, 2},
        {TOKEN_COMMA, ",", 1, 3},      {TOKEN_PLUS, "+", 1, 4},
        {TOKEN_MINUS, "-", 1, 5},      {TOKEN_EQUAL, "=", 1, 6},
        {TOKEN_NOT_EQUAL, "!=", 1, 8}, {TOKEN_NOT_EQUAL, "<>", 1, 11},
        {TOKEN_LESS, "<", 1, 14},      {TOKEN_LESS_EQUAL, "<=", 1, 16},
        {TOKEN_GREATER, ">", 1, 19},   {TOKEN_GREATER_EQUAL, ">=", 1, 21},
        {TOKEN_END, "", 1, 23},
    };
    expect_tokens("(),+-= != <> < <= > >=", expected, sizeof expected / sizeof expected[0]);
}

Test(lexer, operators_without_spaces)
{
    struct expected_token expected[] = {
        {TOKEN_IDENTIFIER, "age", 1, 1}, {TOKEN_GREATER_EQUAL, ">=", 1, 4},
        {TOKEN_MINUS, "-", 1, 6},        {TOKEN_INTEGER, "5", 1, 7},
        {TOKEN_LESS, "<", 1, 8},         {TOKEN_GREATER, ">", 1, 9},
        {TOKEN_END, NULL, 0, 0},
    };
    expect_tokens("age>=-5<>", expected, 4);
    struct expected_token split[] = {
        {TOKEN_NOT_EQUAL, "<>", 1, 1},
        {TOKEN_EQUAL, "=", 1, 3},
        {TOKEN_END, NULL, 1, 4},
    };
    expect_tokens("<>=", split, 3);
}

Test(lexer, every_keyword_in_any_case)
{
    static const struct {
        const char *word;
        enum token_kind kind;
    } words[] = {
        {"AND", TOKEN_AND},
        {"or", TOKEN_OR},
        {"Not", TOKEN_NOT},
        {"between", TOKEN_BETWEEN},
        {"IN", TOKEN_IN},
        {"is", TOKEN_IS},
        {"NULL", TOKEN_NULL},
        {"True", TOKEN_TRUE},
        {"fALSE", TOKEN_FALSE},
        {"starts", TOKEN_STARTS},
        {"ENDS", TOKEN_ENDS},
        {"With", TOKEN_WITH},
        {"contains", TOKEN_CONTAINS},
        {"ISTARTS", TOKEN_ISTARTS},
        {"iends", TOKEN_IENDS},
        {"IContains", TOKEN_ICONTAINS},
        {"has", TOKEN_HAS},
        {"ANY", TOKEN_ANY},
        {"all", TOKEN_ALL},
        {"now", TOKEN_NOW},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        struct expected_token expected[] = {{words[i].kind, words[i].word, 1, 1},
                                            {TOKEN_END, NULL, 0, 0}};
        expect_tokens(words[i].word, expected, 2);
    }
}

Test(lexer, identifiers)
{
    struct expected_token expected[] = {
        {TOKEN_IDENTIFIER, "country", 1, 1},       {TOKEN_IDENTIFIER, "_x9", 1, 9},
        {TOKEN_IDENTIFIER, "Loyalty_Tier", 1, 13}, {TOKEN_IDENTIFIER, "nowx", 1, 26},
        {TOKEN_IDENTIFIER, "like", 1, 31},         {TOKEN_END, NULL, 1, 35},
    };
    expect_tokens("country _x9 Loyalty_Tier nowx like", expected, 6);
}

Test(lexer, numbers)
{
    struct expected_token expected[] = {
        {TOKEN_INTEGER, "0", 1, 1},
        {TOKEN_INTEGER, "007", 1, 3},
        {TOKEN_FLOAT, "30.5", 1, 7},
        {TOKEN_FLOAT, "1e5", 1, 12},
        {TOKEN_FLOAT, "2.5E-3", 1, 16},
        {TOKEN_FLOAT, "7e+2", 1, 23},
        {TOKEN_INTEGER, "99999999999999999999", 1, 28},
        {TOKEN_END, NULL, 0, 0},
    };
    expect_tokens("0 007 30.5 1e5 2.5E-3 7e+2 99999999999999999999", expected, 8);
}

Test(lexer, durations)
{
    struct expected_token expected[] = {
        {TOKEN_DURATION, "30s", 1, 1}, {TOKEN_DURATION, "90m", 1, 5},
        {TOKEN_DURATION, "12h", 1, 9}, {TOKEN_DURATION, "30d", 1, 13},
        {TOKEN_DURATION, "2w", 1, 17}, {TOKEN_END, NULL, 0, 0},
    };
    expect_tokens("30s 90m 12h 30d 2w", expected, 6);
    cr_assert_eq(lexer_duration_unit_seconds('w'), 604800);
    cr_assert_eq(lexer_duration_unit_seconds('d'), 86400);
    cr_assert_eq(lexer_duration_unit_seconds('x'), 0);
}

Test(lexer, strings_keep_their_quotes)
{
    struct expected_token expected[] = {
        {TOKEN_STRING, "'abc'", 1, 1},    {TOKEN_STRING, "''", 1, 7},
        {TOKEN_STRING, "'it''s'", 1, 10}, {TOKEN_STRING, "''''", 1, 18},
        {TOKEN_STRING, "'a\nb'", 1, 23},  {TOKEN_IDENTIFIER, "x", 2, 4},
        {TOKEN_END, NULL, 2, 5},
    };
    expect_tokens("'abc' '' 'it''s' '''' 'a\nb' x", expected, 7);
}

Test(lexer, positions_count_lines_and_characters)
{
    /* é (2 bytes) and 中 (3 bytes) are one column each; tabs and CR are one column. */
    struct expected_token expected[] = {
        {TOKEN_STRING, "'\xc3\xa9\xe4\xb8\xad'", 1, 1},
        {TOKEN_IDENTIFIER, "a", 1, 6},
        {TOKEN_IDENTIFIER, "b", 2, 1},
        {TOKEN_IDENTIFIER, "c", 2, 4},
        {TOKEN_IDENTIFIER, "d", 4, 3},
        {TOKEN_END, NULL, 4, 4},
    };
    expect_tokens("'\xc3\xa9\xe4\xb8\xad' a\nb\t\rc\n\n  d", expected, 6);
}

Test(lexer, end_repeats)
{
    struct lexer lexer;
    lexer_init(&lexer, "  ", 2);
    struct token token;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(lexer_next(&lexer, &token, NULL), PDB_OK);
        cr_assert_eq(token.kind, TOKEN_END);
        cr_assert_eq(token.column, 3);
    }
    lexer_init(&lexer, NULL, 0);
    cr_assert_eq(lexer_next(&lexer, &token, NULL), PDB_OK);
    cr_assert_eq(token.kind, TOKEN_END);
    cr_assert_eq(token.line, 1);
    cr_assert_eq(token.column, 1);
}

Test(lexer, errors_name_the_position)
{
    expect_error("name = 'abc",
                 "segment:1:8: syntax error: unterminated string (no closing quote)");
    expect_error("x = 'it''", "segment:1:5: syntax error: unterminated string (no closing quote)");
    expect_error("age > 30x", "segment:1:7: syntax error: bad duration unit in '30x' (expected s, "
                              "m, h, d or w, as in 30d)");
    expect_error("age > 30D", "segment:1:7: syntax error: bad duration unit in '30D' (expected s, "
                              "m, h, d or w, as in 30d)");
    expect_error("a > 5.",
                 "segment:1:5: syntax error: bad number '5.' (expected digits after '.')");
    expect_error("a > 5.x",
                 "segment:1:5: syntax error: bad number '5.x' (expected digits after '.')");
    expect_error("a > 1e",
                 "segment:1:5: syntax error: bad number '1e' (expected digits in the exponent)");
    expect_error("a > 30E)",
                 "segment:1:5: syntax error: bad number '30E' (expected digits in the exponent)");
    expect_error("a > 1e+",
                 "segment:1:5: syntax error: bad number '1e+' (expected digits in the exponent)");
    expect_error("a > 1.5e",
                 "segment:1:5: syntax error: bad number '1.5e' (expected digits in the exponent)");
    expect_error("a > 12abc", "segment:1:5: syntax error: bad number '12abc'");
    expect_error("a > 0x10", "segment:1:5: syntax error: bad number '0x10'");
    expect_error("a > 1.5s", "segment:1:5: syntax error: bad number '1.5s'");
    expect_error("a > 1.2.3", "segment:1:5: syntax error: bad number '1.2.3'");
    expect_error("a > 30ms", "segment:1:5: syntax error: bad number '30ms'");
    expect_error("a > 1_000", "segment:1:5: syntax error: bad number '1_000'");
    expect_error("a ! b",
                 "segment:1:3: syntax error: unexpected character '!' (did you mean '!='?)");
    expect_error("a @ b", "segment:1:3: syntax error: unexpected character '@'");
    expect_error("a = \"x\"", "segment:1:5: syntax error: unexpected character '\"'");
    expect_error("x;", "segment:1:2: syntax error: unexpected character ';'");
    expect_error("a = .5", "segment:1:5: syntax error: unexpected character '.'");
    expect_error("\n  \xc3\xa9", "segment:2:3: syntax error: unexpected character '\xc3\xa9'");
    expect_error("a \xff", "segment:1:3: syntax error: unexpected byte 0xFF");
    expect_error("a \x01", "segment:1:3: syntax error: unexpected byte 0x01");
}

Test(lexer, describes_tokens_for_messages)
{
    struct lexer lexer;
    const char *input = "'abc' AND 42";
    lexer_init(&lexer, input, strlen(input));
    struct token token;
    char text[96];
    lexer_next(&lexer, &token, NULL);
    token_describe(&token, text, sizeof text);
    cr_assert_str_eq(text, "string 'abc'");
    lexer_next(&lexer, &token, NULL);
    token_describe(&token, text, sizeof text);
    cr_assert_str_eq(text, "'AND'");
    lexer_next(&lexer, &token, NULL);
    lexer_next(&lexer, &token, NULL);
    token_describe(&token, text, sizeof text);
    cr_assert_str_eq(text, "end of segment");
    cr_assert_str_eq(token_kind_name(TOKEN_ICONTAINS), "ICONTAINS");
    cr_assert_str_eq(token_kind_name(TOKEN_KIND_COUNT), "unknown token");
}
