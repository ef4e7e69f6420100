/*
 * Tests for ingest/value_parse.c against the CSV value conventions (notes/csv_conventions):
 * every accepted bool spelling, int64 bounds and overflow by one, floats without NaN,
 * infinities or hex (and -0.0 -> +0.0), timestamps in each form, UTF-8 checks with the bad
 * offset, '|'-separated tags with trimming, empty tags and the capacity, and value_trim.
 * Parsers do not trim: the loader trims first (value_trim), so untrimmed input is rejected.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "ingest/value_parse.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static const char *bool_of(const char *text, bool *value)
{
    return value_parse_bool(text, strlen(text), value);
}

static void int_is(const char *text, int64_t expected)
{
    int64_t value = 12345;
    const char *reason = value_parse_int(text, strlen(text), &value);
    cr_assert_null(reason, "'%s': %s", text, reason);
    cr_assert_eq(value, expected, "'%s'", text);
}

static void int_fails(const char *text, const char *expected_reason)
{
    int64_t value = 12345;
    const char *reason = value_parse_int(text, strlen(text), &value);
    cr_assert_not_null(reason, "'%s' was accepted as %lld", text, (long long)value);
    cr_assert_str_eq(reason, expected_reason, "'%s'", text);
    cr_assert_eq(value, 12345, "out-parameter untouched for '%s'", text);
}

static void float_is(const char *text, double expected)
{
    double value = 12345.0;
    const char *reason = value_parse_float(text, strlen(text), &value);
    cr_assert_null(reason, "'%s': %s", text, reason);
    cr_assert_eq(value, expected, "'%s' gave %.17g", text, value);
}

static void float_fails(const char *text)
{
    double value = 12345.0;
    const char *reason = value_parse_float(text, strlen(text), &value);
    cr_assert_not_null(reason, "'%s' was accepted as %.17g", text, value);
    cr_assert_eq(value, 12345.0, "out-parameter untouched for '%s'", text);
}

static void timestamp_is(const char *text, int64_t expected)
{
    int64_t value = 12345;
    const char *reason = value_parse_timestamp(text, strlen(text), &value);
    cr_assert_null(reason, "'%s': %s", text, reason);
    cr_assert_eq(value, expected, "'%s' gave %lld", text, (long long)value);
}

static void timestamp_fails(const char *text)
{
    int64_t value = 12345;
    cr_assert_not_null(value_parse_timestamp(text, strlen(text), &value), "'%s' accepted", text);
    cr_assert_eq(value, 12345);
}

/* Splits and renders the tags as "a|b|c" into out. */
static const char *split(const char *text, char *out, uint32_t *count_out)
{
    const char *tags[16];
    uint32_t sizes[16];
    uint32_t count = 999;
    const char *reason = value_split_tags(text, strlen(text), tags, sizes, 16, &count);
    if (reason != NULL) return reason;
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < count; i++) {
        if (i) out[used++] = '|';
        memcpy(out + used, tags[i], sizes[i]);
        used += sizes[i];
        out[used] = '\0';
    }
    *count_out = count;
    return NULL;
}

static void tags_are(const char *text, const char *expected, uint32_t expected_count)
{
    char out[256];
    uint32_t count = 0;
    const char *reason = split(text, out, &count);
    cr_assert_null(reason, "'%s': %s", text, reason);
    cr_assert_str_eq(out, expected, "'%s'", text);
    cr_assert_eq(count, expected_count, "'%s'", text);
}

/* ---- value_trim ------------------------------------------------------------------------- */

Test(value_parse, trim_strips_spaces_and_tabs_only)
{
    const char *data = " \t x y \t ";
    size_t size = strlen(data);
    value_trim(&data, &size);
    cr_assert_eq(size, 3u);
    cr_assert(memcmp(data, "x y", 3) == 0);

    data = " \t \t";
    size = strlen(data);
    value_trim(&data, &size);
    cr_assert_eq(size, 0u);

    data = "\r5\n";
    size = 3;
    value_trim(&data, &size);
    cr_assert_eq(size, 3u, "CR and LF are not trimmed");

    data = "";
    size = 0;
    value_trim(&data, &size);
    cr_assert_eq(size, 0u);
}

/* ---- bool -------------------------------------------------------------------------------- */

Test(value_parse, bool_accepts_every_spelling_in_any_case)
{
    const char *trues[] = {"true", "TRUE", "True", "tRuE", "t", "T",
                           "yes",  "YES",  "Yes",  "y",    "Y", "1"};
    const char *falses[] = {"false", "FALSE", "False", "f", "F", "no", "NO", "No", "n", "N", "0"};
    for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++) {
        bool value = false;
        cr_assert_null(bool_of(trues[i], &value), "'%s'", trues[i]);
        cr_assert(value, "'%s'", trues[i]);
    }
    for (size_t i = 0; i < sizeof falses / sizeof falses[0]; i++) {
        bool value = true;
        cr_assert_null(bool_of(falses[i], &value), "'%s'", falses[i]);
        cr_assert_not(value, "'%s'", falses[i]);
    }
}

Test(value_parse, bool_rejects_everything_else)
{
    const char *bad[] = {"",   "tru", "truee", "yess", "on",    "off",   "2",    "-1",
                         "01", "10",  "ye",    "fa",   " true", "true ", "nope", "\xc3\xbf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool value = true;
        const char *reason = bool_of(bad[i], &value);
        cr_assert_not_null(reason, "'%s' accepted", bad[i]);
        cr_assert(strstr(reason, "not a bool") != NULL);
        cr_assert(value, "out-parameter untouched");
    }
    /* Only `size` bytes count. */
    bool value = false;
    cr_assert_null(value_parse_bool("yesterday", 3, &value));
    cr_assert(value);
}

/* ---- int ---------------------------------------------------------------------------------- */

Test(value_parse, int_accepts_signs_zeros_and_both_bounds)
{
    int_is("0", 0);
    int_is("-0", 0);
    int_is("+0", 0);
    int_is("7", 7);
    int_is("+42", 42);
    int_is("-42", -42);
    int_is("000000000000000000000000000000123", 123);
    int_is("9223372036854775807", INT64_MAX);
    int_is("+9223372036854775807", INT64_MAX);
    int_is("-9223372036854775808", INT64_MIN);
    int_is("-9223372036854775807", INT64_MIN + 1);
    int_is("0009223372036854775807", INT64_MAX);
}

Test(value_parse, int_rejects_overflow_by_one)
{
    int_fails("9223372036854775808", "integer out of int64 range");
    int_fails("+9223372036854775808", "integer out of int64 range");
    int_fails("-9223372036854775809", "integer out of int64 range");
    int_fails("18446744073709551616", "integer out of int64 range");
    int_fails("99999999999999999999999", "integer out of int64 range");
    int_fails("-99999999999999999999999", "integer out of int64 range");
    int_fails("92233720368547758070", "integer out of int64 range");
}

Test(value_parse, int_rejects_non_integers)
{
    const char *bad[] = {"",      "-",   "+",    "1.0",   "1.",          ".1", "1e3",
                         "12abc", "abc", "0x10", "1_000", "1,000",       " 1", "1 ",
                         "--1",   "+-1", "1-",   "١",     "\xef\xbc\x91" /* fullwidth 1 */};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        int_fails(bad[i], "not an integer");
    int64_t value = 0;
    cr_assert_null(value_parse_int("12abc", 2, &value), "only size bytes count");
    cr_assert_eq(value, 12);
}

/* ---- float -------------------------------------------------------------------------------- */

Test(value_parse, float_accepts_decimal_forms)
{
    float_is("12", 12.0);
    float_is("-3.5", -3.5);
    float_is("+2.25", 2.25);
    float_is("1e-3", 1e-3);
    float_is("1E3", 1000.0);
    float_is("1e+2", 100.0);
    float_is(".5", 0.5);
    float_is("5.", 5.0);
    float_is("0", 0.0);
    float_is("1.7976931348623157e308", 1.7976931348623157e308);
    float_is("-1.7976931348623157e308", -1.7976931348623157e308);
    float_is("4.9e-324", 4.9e-324);
    float_is("0.1", 0.1);
    float_is("123456789012345678901234567890", 123456789012345678901234567890.0);
}

Test(value_parse, float_negative_zero_becomes_positive_zero)
{
    const char *zeros[] = {"-0.0", "-0", "-0e5", "-.0", "0.0", "+0"};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) {
        double value = 1.0;
        cr_assert_null(value_parse_float(zeros[i], strlen(zeros[i]), &value), "'%s'", zeros[i]);
        cr_assert_eq(value, 0.0);
        cr_assert_not(signbit(value), "'%s' must give +0.0", zeros[i]);
    }
}

Test(value_parse, float_rejects_infinities_nan_hex_and_junk)
{
    const char *bad[] = {
        "1e309", "-1e309", "1e999999", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "INF",
        "0x1p3", "0x10",   "",         ".",   "-",   "+",    "e5",  "1e",   "1e+",      "--1",
        "1-",    "1.2.3",  "1,5",      " 1",  "1 ",  "1f",   "1d",  "one",  "\xc2\xb9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        float_fails(bad[i]);
    double value = 0;
    const char *reason = value_parse_float("1e309", 5, &value);
    cr_assert(strstr(reason, "finite") != NULL, "%s", reason);
}

Test(value_parse, float_length_limit)
{
    char text[200];
    memset(text, '0', sizeof text);
    text[0] = '1';
    text[1] = '.';
    double value = 0;
    cr_assert_null(value_parse_float(text, 127, &value), "127 bytes fit");
    cr_assert_eq(value, 1.0);
    const char *reason = value_parse_float(text, 128, &value);
    cr_assert_not_null(reason);
    cr_assert(strstr(reason, "too long") != NULL, "%s", reason);
}

/* ---- timestamp --------------------------------------------------------------------------- */

Test(value_parse, timestamp_accepts_each_form)
{
    timestamp_is("1970-01-01", 0);
    timestamp_is("2024-01-15", 1705276800);
    timestamp_is("2024-01-15T10:30", 1705314600);
    timestamp_is("2024-01-15 10:30", 1705314600);
    timestamp_is("2024-01-15t10:30:00", 1705314600);
    timestamp_is("2024-01-15T10:30:00Z", 1705314600);
    timestamp_is("2024-01-15T10:30:00.999Z", 1705314600);
    timestamp_is("2024-01-15T10:30:00+01:00", 1705311000);
    timestamp_is("2024-01-15T10:30:00-02:30", 1705323600);
    timestamp_is("2024-01-15T10:30:00+0100", 1705311000);
    timestamp_is("2024-02-29", 1709164800);
    timestamp_is("1705276800", 1705276800);
    timestamp_is("-86400", -86400);
    timestamp_is("0", 0);
}

Test(value_parse, timestamp_rejects_bad_dates_and_times)
{
    const char *bad[] = {"",
                         "2024-13-01",
                         "2024-00-10",
                         "2023-02-29",
                         "2024-04-31",
                         "2024-01-15T25:00",
                         "2024-01-15T10:60",
                         "2024-01-15T10",
                         "2024-1-5",
                         "2024/01/15",
                         "yesterday",
                         "2024-01-15T10:30:00+",
                         "12abc",
                         "0000-01-01",
                         "2024-01-15T10:30:00.Z",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        timestamp_fails(bad[i]);
}

/* ---- strings ------------------------------------------------------------------------------- */

Test(value_parse, check_string_accepts_utf8_and_reports_the_bad_byte)
{
    size_t bad = 999;
    cr_assert_null(value_check_string("", 0, &bad));
    cr_assert_null(value_check_string("plain ascii", 11, &bad));
    cr_assert_null(value_check_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, &bad));
    cr_assert_null(value_check_string("nul\0inside", 10, &bad), "NUL bytes are valid UTF-8");
    cr_assert_eq(bad, 999u);
    const char *reason = value_check_string("ab\xff"
                                            "cd",
                                            5, &bad);
    cr_assert_str_eq(reason, "invalid UTF-8");
    cr_assert_eq(bad, 2u);
    cr_assert_not_null(value_check_string("x\xc0\xaf", 3, &bad), "overlong");
    cr_assert_eq(bad, 1u);
    cr_assert_not_null(value_check_string("\xed\xa0\x80", 3, &bad), "surrogate");
    cr_assert_not_null(value_check_string("abc\xe2\x82", 5, &bad), "truncated sequence");
    cr_assert_eq(bad, 3u);
    cr_assert_null(value_check_string("x\xff", 1, NULL), "only size bytes count");
}

Test(value_parse, check_string_size_limit)
{
    size_t size = PDB_TEXT_VALUE_SIZE_MAX + 1;
    char *text = malloc(size);
    memset(text, 'a', size);
    cr_assert_null(value_check_string(text, size - 1, NULL), "exactly the limit");
    const char *reason = value_check_string(text, size, NULL);
    cr_assert_not_null(reason);
    cr_assert(strstr(reason, "1 MiB") != NULL, "%s", reason);
    free(text);
}

/* ---- tags ---------------------------------------------------------------------------------- */

Test(value_parse, tags_split_trim_and_drop_empties)
{
    tags_are("a|b|c", "a|b|c", 3);
    tags_are("vip", "vip", 1);
    tags_are(" a | b ", "a|b", 2);
    tags_are("\ta\t|\tb", "a|b", 2);
    tags_are("new york|los angeles", "new york|los angeles", 2);
    tags_are("a||b", "a|b", 2);
    tags_are("|a|", "a", 1);
    tags_are("||", "", 0);
    tags_are("|", "", 0);
    tags_are("", "", 0);
    tags_are("   ", "", 0);
    tags_are(" | \t | ", "", 0);
    tags_are("a, b|c", "a, b|c", 2);
    tags_are("caf\xc3\xa9|\xe2\x82\xac", "caf\xc3\xa9|\xe2\x82\xac", 2);
}

Test(value_parse, tags_keep_duplicates_for_the_column_to_collapse)
{
    /* The split keeps every tag; column_append_tags deduplicates (tested in test_column). */
    tags_are("a|b|a", "a|b|a", 3);
    tags_are("x | x", "x|x", 2);
    tags_are("A|a", "A|a", 2);
}

Test(value_parse, tags_reject_invalid_utf8)
{
    char out[256];
    uint32_t count = 0;
    const char *reason = split("ok|bad\xff|fine", out, &count);
    cr_assert_not_null(reason);
    cr_assert(strstr(reason, "UTF-8") != NULL, "%s", reason);
}

Test(value_parse, tags_respect_the_capacity_exactly)
{
    enum { CAPACITY = 4 };
    const char *tags[CAPACITY];
    uint32_t sizes[CAPACITY];
    uint32_t count = 77;
    cr_assert_null(value_split_tags("a|b|c|d", 7, tags, sizes, CAPACITY, &count));
    cr_assert_eq(count, 4u);
    cr_assert_null(value_split_tags("a|b||c|d|", 9, tags, sizes, CAPACITY, &count),
                   "empties do not count");
    cr_assert_eq(count, 4u);
    count = 77;
    const char *reason = value_split_tags("a|b|c|d|e", 9, tags, sizes, CAPACITY, &count);
    cr_assert_not_null(reason);
    cr_assert(strstr(reason, "too many tags") != NULL, "%s", reason);
    cr_assert_eq(count, 77u, "out-parameter untouched on failure");

    /* The real limit. */
    size_t size = PDB_TAGS_PER_VALUE_MAX * 2 + 2;
    char *text = malloc(size);
    for (size_t i = 0; i < size; i += 2) {
        text[i] = 'x';
        text[i + 1] = '|';
    }
    static const char *many[PDB_TAGS_PER_VALUE_MAX];
    static uint32_t many_sizes[PDB_TAGS_PER_VALUE_MAX];
    cr_assert_null(
        value_split_tags(text, size - 2, many, many_sizes, PDB_TAGS_PER_VALUE_MAX, &count));
    cr_assert_eq(count, PDB_TAGS_PER_VALUE_MAX);
    cr_assert_not_null(
        value_split_tags(text, size, many, many_sizes, PDB_TAGS_PER_VALUE_MAX, &count));
    free(text);
}

Test(value_parse, int_junk_after_many_digits_is_not_an_integer)
{
    int_fails("123456789012345678901234x", "not an integer");
    int_fails("-99999999999999999999999.5", "not an integer");
}
