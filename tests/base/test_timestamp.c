/*
 * Tests for base/timestamp.c: every accepted form, every rejection, and round trips.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/timestamp.h"

static int64_t parse_ok(const char *text)
{
    int64_t seconds = 0;
    const char *problem = timestamp_parse(text, strlen(text), &seconds);
    cr_assert_null(problem, "'%s' rejected: %s", text, problem ? problem : "");
    return seconds;
}

static void parse_fails(const char *text)
{
    int64_t seconds = 12345;
    cr_assert_not_null(timestamp_parse(text, strlen(text), &seconds), "'%s' accepted", text);
    cr_assert_eq(seconds, 12345, "out-parameter touched on failure");
}

Test(timestamp, parses_dates_and_times)
{
    cr_assert_eq(parse_ok("1970-01-01"), 0);
    cr_assert_eq(parse_ok("2024-02-29"), 1709164800);
    cr_assert_eq(parse_ok("2024-02-29T12:34:56Z"), 1709164800 + 45296);
    cr_assert_eq(parse_ok("2024-02-29 12:34:56"), 1709164800 + 45296);
    cr_assert_eq(parse_ok("2024-02-29T12:34"), 1709164800 + 45240);
    cr_assert_eq(parse_ok("2024-02-29T12:34:56.999Z"), 1709164800 + 45296);
    cr_assert_eq(parse_ok("2024-02-29T12:34:56+02:00"), 1709164800 + 45296 - 7200);
    cr_assert_eq(parse_ok("2024-02-29T12:34:56-0130"), 1709164800 + 45296 + 5400);
    cr_assert_eq(parse_ok("1969-12-31T23:59:59Z"), -1);
    cr_assert_eq(parse_ok("0001-01-01"), -62135596800LL);
    cr_assert_eq(parse_ok("9999-12-31T23:59:59Z"), 253402300799LL);
}

Test(timestamp, parses_epoch_seconds)
{
    cr_assert_eq(parse_ok("0"), 0);
    cr_assert_eq(parse_ok("1700000000"), 1700000000);
    cr_assert_eq(parse_ok("-86400"), -86400);
    cr_assert_eq(parse_ok("+5"), 5);
}

Test(timestamp, rejects_malformed)
{
    parse_fails("");
    parse_fails("2023-02-29");
    parse_fails("2024-13-01");
    parse_fails("2024-00-10");
    parse_fails("2024-01-32");
    parse_fails("2024-1-5");
    parse_fails("2024-01-01T24:00:00");
    parse_fails("2024-01-01T12:60");
    parse_fails("2024-01-01T12:00:00 UTC");
    parse_fails("2024-01-01T12:00:00+25:00");
    parse_fails("2024-01-01x");
    parse_fails("0000-01-01");
    parse_fails("12a");
    parse_fails("-");
    parse_fails("99999999999999999999");
}

Test(timestamp, formats_and_round_trips)
{
    char text[TIMESTAMP_TEXT_SIZE];
    timestamp_format(0, text);
    cr_assert_str_eq(text, "1970-01-01T00:00:00Z");
    timestamp_format(-1, text);
    cr_assert_str_eq(text, "1969-12-31T23:59:59Z");
    for (int64_t seconds = -5000000000LL; seconds < 5000000000LL; seconds += 86399 * 37) {
        timestamp_format(seconds, text);
        cr_assert_eq(parse_ok(text), seconds, "%s", text);
    }
}
