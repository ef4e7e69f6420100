/*
 * The two oracles checked against each other, without the engine: the naive evaluator and
 * SQLite must agree on every random segment (oracles_agree). Two independent formulations
 * agreeing on thousands of segments is what lets either one judge the engine. Also pins the
 * exact helpers both oracles lean on (int/float order, civil dates, case folding).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "diff_driver.h"

/* Segment stream of this test (engine tests use others, so a run covers more segments). */
#define ORACLES_STREAM 1u
/* At least this share of random segments must select some but not all rows. */
#define PARTIAL_PERCENT_MIN 30u

Test(differential, oracles_agree, .timeout = 600)
{
    uint64_t seed = diff_env_seed();
    printf("differential: seed=%llu (oracles_agree)\n", (unsigned long long)seed);
    fflush(stdout);
    struct diff_data data;
    diff_data_generate(&data, seed, diff_env_rows());
    struct diff_sqlite *sqlite = diff_sqlite_create(&data);

    struct diff_run run = {
        .label = "oracles_agree",
        .data = &data,
        .sqlite = sqlite,
        .stream = ORACLES_STREAM,
        .segment_count = diff_env_segments(),
    };
    struct diff_run_stats stats;
    diff_run_segments(&run, &stats);
    uint32_t partial = stats.segment_count - stats.empty_count - stats.full_count;

    diff_sqlite_destroy(sqlite);
    diff_data_deinit(&data);
    cr_assert_eq(stats.mismatch_count, 0,
                 "seed=%llu: naive and SQLite disagree on %u of %u segments",
                 (unsigned long long)seed, stats.mismatch_count, stats.segment_count);
    cr_assert(partial * 100 >= stats.segment_count * PARTIAL_PERCENT_MIN,
              "seed=%llu: only %u of %u segments select some but not all rows",
              (unsigned long long)seed, partial, stats.segment_count);
}

Test(differential, oracle_helpers_are_exact)
{
    cr_assert_eq(diff_compare_int_double(INT64_MAX, 9223372036854775808.0), -1);
    cr_assert_eq(diff_compare_int_double(INT64_MIN, -9223372036854775808.0), 0);
    cr_assert_eq(diff_compare_int_double(INT64_MIN, -9223372036854777856.0), 1);
    cr_assert_eq(diff_compare_int_double(INT64_C(9007199254740993), 9007199254740992.0), 1);
    cr_assert_eq(diff_compare_int_double(3, 3.5), -1);
    cr_assert_eq(diff_compare_int_double(4, 3.5), 1);
    cr_assert_eq(diff_compare_int_double(-4, -3.5), -1);
    cr_assert_eq(diff_compare_int_double(-3, -3.5), 1);
    cr_assert_eq(diff_compare_int_double(0, -0.0), 0);
    cr_assert_eq(diff_compare_int_double(0, 4.9406564584124654e-324), -1);
    cr_assert_eq(diff_compare_int_double(INT64_MAX, -1e300), 1);

    cr_assert_eq(diff_compare_bytes("ab", 2, "abc", 3), -1);
    cr_assert_eq(diff_compare_bytes("b", 1, "abc", 3), 1);
    cr_assert_eq(diff_compare_bytes("\xc3\x9c", 2, "z", 1), 1); /* bytes, not code points */
    cr_assert_eq(diff_compare_bytes("", 0, "", 0), 0);

    cr_assert_eq(diff_days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(diff_days_from_civil(2024, 2, 29), 19782);
    cr_assert_eq(diff_days_from_civil(1969, 12, 31), -1);
    cr_assert_eq(diff_days_from_civil(1, 1, 1), -719162);
    cr_assert_eq(diff_days_from_civil(9999, 12, 31), 2932896);
    for (int64_t days = -800000; days < 3000000; days += 997) {
        int64_t year, month, day;
        diff_civil_from_days(days, &year, &month, &day);
        cr_assert_eq(diff_days_from_civil(year, month, day), days);
    }

    struct diff_arena arena = {0};
    const char *folded;
    uint32_t folded_size;
    diff_fold(&arena,
              "Stra\xc3\x9f"
              "e",
              7, &folded, &folded_size);
    cr_assert(folded_size == 7 && memcmp(folded, "strasse", 7) == 0);
    diff_fold(&arena, "e\xcc\x81", 3, &folded, &folded_size); /* NFC composes e + U+0301 */
    cr_assert(folded_size == 2 && memcmp(folded, "\xc3\xa9", 2) == 0);
    diff_fold(&arena, "\xef\xac\x83", 3, &folded, &folded_size); /* the ffi ligature */
    cr_assert(folded_size == 3 && memcmp(folded, "ffi", 3) == 0);
    diff_fold(&arena, "A\xff", 2, &folded, &folded_size); /* invalid UTF-8: ASCII tolower */
    cr_assert(folded_size == 2 && memcmp(folded, "a\xff", 2) == 0);
    diff_arena_deinit(&arena);

    /* Every spelling of a timestamp denotes the same second. */
    struct diff_rng rng;
    diff_rng_init(&rng, 7, 7);
    struct diff_text text = {0};
    diff_timestamp_spell(&rng, 0, &text);
    cr_assert(strncmp(text.data, "1970-01-01", 10) == 0 ||
                  strncmp(text.data, "1969-12-31", 10) == 0,
              "%s", text.data);
    diff_text_deinit(&text);
}
