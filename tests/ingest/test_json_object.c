/*
 * Tests for ingest/json_object.c: members of every value kind, escapes (all of RFC 8259's,
 * \u with surrogate pairs), whitespace, empty objects and arrays, and every rejected form with
 * its exact 1-based column: not an object, unterminated strings/arrays/objects, bad numbers,
 * bad escapes, lone surrogates, \u0000, raw control bytes, invalid UTF-8, nested objects and
 * arrays, text after the object. Also a random round trip against a renderer.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/json_object.h"

static struct json_object_parser parser;

static void setup(void)
{
    json_object_parser_init(&parser);
}

static void teardown(void)
{
    json_object_parser_deinit(&parser);
}

TestSuite(json_object, .init = setup, .fini = teardown);

static void parse_ok(const char *line)
{
    uint32_t column = 0;
    const char *reason = json_object_parse(&parser, line, strlen(line), &column);
    cr_assert_null(reason, "%s: %s at column %u", line, reason, column);
}

static void parse_fails(const char *line, const char *reason_part, uint32_t expected_column)
{
    uint32_t column = 0;
    const char *reason = json_object_parse(&parser, line, strlen(line), &column);
    cr_assert_not_null(reason, "%s should not parse", line);
    cr_assert(strstr(reason, reason_part) != NULL, "%s: reason '%s', expected '%s'", line, reason,
              reason_part);
    cr_assert_eq(column, expected_column, "%s: column %u, expected %u (%s)", line, column,
                 expected_column, reason);
}

static void assert_text(const char *text, uint32_t size, const char *expected)
{
    cr_assert_eq(size, strlen(expected), "size %u, expected '%s'", size, expected);
    cr_assert(memcmp(text, expected, size) == 0, "'%.*s' != '%s'", (int)size, text, expected);
}

Test(json_object, reads_every_kind_of_member)
{
    parse_ok(" { \"s\" : \"x\", \"n\":-1.5e+3,\"t\":true,\"f\":false,\"z\":null,\"a\":[\"p\", 2, null] } ");
    cr_assert_eq(parser.member_count, 6u);
    const struct json_member *m = parser.members;
    assert_text(m[0].key, m[0].key_size, "s");
    cr_assert_eq(m[0].key_column, 4u);
    cr_assert_eq(m[0].value.kind, JSON_STRING);
    assert_text(m[0].value.text, m[0].value.size, "x");
    cr_assert_eq(m[0].value.column, 10u);
    cr_assert_eq(m[1].value.kind, JSON_NUMBER);
    assert_text(m[1].value.text, m[1].value.size, "-1.5e+3");
    cr_assert(m[2].value.kind == JSON_BOOL && m[2].value.bool_value);
    cr_assert(m[3].value.kind == JSON_BOOL && !m[3].value.bool_value);
    cr_assert_eq(m[4].value.kind, JSON_NULL);
    cr_assert_eq(m[5].value.kind, JSON_ARRAY);
    cr_assert_eq(m[5].element_count, 3u);
    const struct json_scalar *e = &parser.elements[m[5].element_first];
    cr_assert_eq(e[0].kind, JSON_STRING);
    assert_text(e[0].text, e[0].size, "p");
    cr_assert_eq(e[1].kind, JSON_NUMBER);
    cr_assert_eq(e[2].kind, JSON_NULL);
}

Test(json_object, empty_object_and_empty_array)
{
    parse_ok("{}");
    cr_assert_eq(parser.member_count, 0u);
    parse_ok("{\"a\":[]}");
    cr_assert_eq(parser.members[0].value.kind, JSON_ARRAY);
    cr_assert_eq(parser.members[0].element_count, 0u);
}

Test(json_object, unescapes_strings_and_keys)
{
    parse_ok("{\"k\\u0065y\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9 \\u20ac \\ud83d\\ude00\"}");
    assert_text(parser.members[0].key, parser.members[0].key_size, "key");
    assert_text(parser.members[0].value.text, parser.members[0].value.size,
                "\"\\/\b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

Test(json_object, keeps_utf8_as_it_is)
{
    parse_ok("{\"name\":\"J\xc3\xb6rg \xe6\x97\xa5\"}");
    assert_text(parser.members[0].value.text, parser.members[0].value.size, "J\xc3\xb6rg \xe6\x97\xa5");
}

Test(json_object, numbers_follow_the_grammar)
{
    const char *good[] = {"0", "-0", "12", "-3.25", "1e5", "1E-5", "2.5e+10", "123456789012345678901"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"n\":%s}", good[i]);
        parse_ok(line);
        assert_text(parser.members[0].value.text, parser.members[0].value.size, good[i]);
    }
    parse_fails("{\"n\":01}", "expected ',' or '}'", 7);
    parse_fails("{\"n\":1.}", "digits must follow '.'", 8);
    parse_fails("{\"n\":.5}", "expected a value", 6);
    parse_fails("{\"n\":1e}", "digits must follow the exponent", 8);
    parse_fails("{\"n\":-}", "bad number", 6);
    parse_fails("{\"n\":+1}", "expected a value", 6);
}

Test(json_object, rejects_what_is_not_one_flat_object)
{
    parse_fails("", "expected a JSON object", 1);
    parse_fails("[1]", "expected a JSON object", 1);
    parse_fails("x", "expected a JSON object", 1);
    parse_fails("{\"a\":1} {}", "text after the object", 9);
    parse_fails("{\"a\":1", "unterminated object", 7);
    parse_fails("{\"a\" 1}", "expected ':'", 6);
    parse_fails("{a:1}", "member name in double quotes", 2);
    parse_fails("{\"a\":1,}", "member name in double quotes", 8);
    parse_fails("{\"a\":{\"b\":1}}", "objects are not supported", 6);
    parse_fails("{\"a\":[[1]]}", "arrays inside arrays", 7);
    parse_fails("{\"a\":[1,}", "expected a value", 9);
    parse_fails("{\"a\":[1", "unterminated array", 8);
    parse_fails("{\"a\":[1 2]}", "expected ',' or ']'", 9);
    parse_fails("{\"a\":tru}", "expected a value", 6);
    parse_fails("{\"a\":nul}", "expected a value", 6);
    parse_fails("{\"a\":}", "expected a value", 6);
}

Test(json_object, rejects_bad_strings_where_they_are)
{
    parse_fails("{\"a\":\"abc}", "unterminated string", 6);
    parse_fails("{\"a\":\"a\\qb\"}", "unknown escape", 8);
    parse_fails("{\"a\":\"\\u12g4\"}", "bad hex digit", 11);
    parse_fails("{\"a\":\"\\u12\"}", "bad hex digit", 11);
    parse_fails("{\"a\":\"\\ude00\"}", "lone low surrogate", 7);
    parse_fails("{\"a\":\"\\ud83d x\"}", "high surrogate without its low half", 7);
    parse_fails("{\"a\":\"\\ud83d\\u0041\"}", "high surrogate without its low half", 7);
    parse_fails("{\"a\":\"x\\u0000\"}", "NUL character", 8);
    parse_fails("{\"a\":\"tab\there\"}", "control character", 10);
    parse_fails("{\"a\":\"\xff\"}", "invalid UTF-8", 6);
    parse_fails("{\"a\":\"\\u00e9\xc3\"}", "invalid UTF-8", 6);
    parse_fails("{\"\xc3\":1}", "invalid UTF-8", 2);
}

Test(json_object, reuses_its_buffers_line_after_line)
{
    for (int i = 0; i < 1000; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"k%d\":\"v\\n%d\",\"t\":[\"a\",\"b\"]}", i, i);
        parse_ok(line);
        cr_assert_eq(parser.member_count, 2u);
        char expected[32];
        snprintf(expected, sizeof expected, "v\n%d", i);
        assert_text(parser.members[0].value.text, parser.members[0].value.size, expected);
        cr_assert_eq(parser.element_count, 2u);
    }
}

/* Random strings of every byte class rendered as JSON must come back byte for byte. */
Test(json_object, random_strings_round_trip)
{
    srand(7);
    for (int round = 0; round < 2000; round++) {
        char value[64];
        size_t size = (size_t)(rand() % 40);
        for (size_t i = 0; i < size; i++) {
            int pick = rand() % 6;
            value[i] = pick == 0 ? '"' : pick == 1 ? '\\' : pick == 2 ? (char)(1 + rand() % 31)
                                                               : (char)(' ' + rand() % 95);
        }
        char line[512];
        size_t used = (size_t)snprintf(line, sizeof line, "{\"v\":\"");
        for (size_t i = 0; i < size; i++) {
            unsigned char c = (unsigned char)value[i];
            if (c == '"' || c == '\\') used += (size_t)snprintf(line + used, sizeof line - used, "\\%c", c);
            else if (c < 0x20) used += (size_t)snprintf(line + used, sizeof line - used, "\\u%04x", c);
            else line[used++] = (char)c;
        }
        used += (size_t)snprintf(line + used, sizeof line - used, "\"}");
        uint32_t column;
        const char *reason = json_object_parse(&parser, line, used, &column);
        cr_assert_null(reason, "%s: %s", line, reason);
        cr_assert_eq(parser.members[0].value.size, size);
        cr_assert(memcmp(parser.members[0].value.text, value, size) == 0, "%s", line);
    }
}
