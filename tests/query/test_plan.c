/*
 * The planner (query/plan.c), index-driven leaves (query/predicate_index.c), the explain run
 * (segment_profile_count, segment_explain_plan) and tombstones in evaluation, on a hand-made
 * two-chunk table whose counts are computed here by plain loops.
 *
 * Table (ROWS rows): country 'US' on rows % 10 == 0, else 'CA', NULL on rows % 7 == 0
 * (indexed); gender 'a'/'b' alternating (not indexed); interests {running} on rows % 3 == 0,
 * {running, yoga} on rows % 5 == 0, {} otherwise, NULL on rows % 11 == 0 (indexed);
 * age = row % 100; is_vip on rows % 50 == 0; phone NULL on odd rows.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/index_bitmap.h"
#include "index/index_table.h"
#include "query_test_support.h"

#define ROWS (PDB_CHUNK_ROWS + 4464u) /* two chunks */

static struct model model;

static bool country_null(uint32_t row) { return row % 7 == 0; }
static bool is_us(uint32_t row) { return row % 10 == 0; }
static bool interests_null(uint32_t row) { return row % 11 == 0; }
static bool has_running(uint32_t row) { return row % 3 == 0 || row % 5 == 0; }
static bool has_yoga(uint32_t row) { return row % 5 == 0; }

static void build(void)
{
    model_init_empty(&model, ROWS);
    for (uint32_t row = 0; row < ROWS; row++) {
        struct model_value *country = model_at(&model, row, A_COUNTRY);
        country->is_null = country_null(row);
        country->s = is_us(row) ? "US" : "CA";
        country->size = 2;
        struct model_value *gender = model_at(&model, row, A_GENDER);
        gender->is_null = false;
        gender->s = row % 2 ? "b" : "a";
        gender->size = 1;
        struct model_value *interests = model_at(&model, row, A_INTERESTS);
        interests->is_null = interests_null(row);
        if (has_running(row)) interests->tags[interests->tag_count++] = "running";
        if (has_yoga(row)) interests->tags[interests->tag_count++] = "yoga";
        for (uint32_t t = 0; t < interests->tag_count; t++)
            interests->tag_sizes[t] = (uint32_t)strlen(interests->tags[t]);
        struct model_value *age = model_at(&model, row, A_AGE);
        age->is_null = false;
        age->i = row % 100;
        struct model_value *vip = model_at(&model, row, A_IS_VIP);
        vip->is_null = false;
        vip->b = row % 50 == 0;
        struct model_value *phone = model_at(&model, row, A_PHONE);
        phone->is_null = row % 2 == 1;
        phone->s = "p";
        phone->size = 1;
    }
    model_build_table(&model);
}

static void destroy(void)
{
    model_deinit(&model);
}

TestSuite(plan, .init = build, .fini = destroy);

static uint64_t count_with(const char *text, const char *forced)
{
    if (forced != NULL) setenv("PROFILEDB_PLAN", forced, 1);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, &error),
                 PDB_OK, "%s: %s", text, error.message);
    uint64_t count = 0;
    cr_assert_eq(segment_count(segment, &model.table, &count, &error), PDB_OK, "%s", error.message);
    segment_destroy(segment);
    unsetenv("PROFILEDB_PLAN");
    return count;
}

/* The explain run's rendering (owned: free); *count_out gets the profile's count. */
static char *plan_of(const char *text, enum segment_explain_format format, uint64_t *count_out)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, &error),
                 PDB_OK, "%s: %s", text, error.message);
    struct segment_profile profile;
    cr_assert_eq(segment_profile_count(segment, &model.table, &profile, &error), PDB_OK, "%s",
                 error.message);
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(segment_explain_plan(segment, &profile, format, &out), PDB_OK);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    if (count_out != NULL) *count_out = profile.count;
    segment_profile_deinit(&profile);
    segment_destroy(segment);
    return (char *)out.data;
}

/* Line `line` (0-based) of text, in a static buffer. */
static const char *line_of(const char *text, uint32_t line)
{
    static char copy[1024];
    for (uint32_t i = 0; i < line && text != NULL; i++) {
        text = strchr(text, '\n');
        if (text != NULL) text++;
    }
    cr_assert_not_null(text);
    size_t length = strcspn(text, "\n");
    snprintf(copy, sizeof copy, "%.*s", (int)length, text);
    return copy;
}

static uint64_t naive(bool (*predicate)(uint32_t row))
{
    uint64_t count = 0;
    for (uint32_t row = 0; row < ROWS; row++) count += predicate(row);
    return count;
}

static bool country_ne_us(uint32_t row) { return !country_null(row) && !is_us(row); }
static bool country_is_us(uint32_t row) { return !country_null(row) && is_us(row); }
static bool lacks_yoga(uint32_t row) { return !interests_null(row) && !has_yoga(row); }
static bool running_and_yoga(uint32_t row) { return !interests_null(row) && has_yoga(row); }
static bool running(uint32_t row) { return !interests_null(row) && has_running(row); }
static bool country_null_row(uint32_t row) { return country_null(row); }
static bool lacks_running_or_null(uint32_t row)
{
    return !interests_null(row) && !has_running(row);
}

Test(plan, index_and_scan_paths_keep_three_valued_logic)
{
    struct {
        const char *text;
        uint64_t expected;
    } cases[] = {
        {"country = 'US'", naive(country_is_us)},
        {"country != 'US'", naive(country_ne_us)},
        {"NOT (country = 'US')", naive(country_ne_us)},
        {"country IN ('US', NULL)", naive(country_is_us)},
        {"country NOT IN ('US', NULL)", 0},
        {"country NOT IN ('US', 'FR')", naive(country_ne_us)},
        {"country IS NULL", naive(country_null_row)},
        {"interests HAS 'running'", naive(running)},
        {"NOT interests HAS 'running'", naive(lacks_running_or_null)},
        {"NOT (interests HAS 'yoga')", naive(lacks_yoga)},
        {"interests HAS ALL ('running', 'yoga')", naive(running_and_yoga)},
        {"interests HAS ALL ('running', 'absent')", 0},
        {"interests HAS ANY ('yoga', 'absent', 'running')", naive(running)},
        {"interests HAS ANY ('absent')", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *paths[] = {NULL, "index", "scan"};
        for (size_t p = 0; p < 3; p++) {
            uint64_t count = count_with(cases[i].text, paths[p]);
            cr_assert_eq(count, cases[i].expected, "%s (PROFILEDB_PLAN=%s): %llu, expected %llu",
                         cases[i].text, paths[p] ? paths[p] : "cost",
                         (unsigned long long)count, (unsigned long long)cases[i].expected);
        }
    }
}

Test(plan, chooses_an_access_path_per_leaf)
{
    struct {
        const char *text, *path;
    } cases[] = {
        {"country = 'US'", "[index,"},
        {"interests HAS 'running'", "[index,"},
        {"interests HAS ALL ('running', 'yoga')", "[index,"},
        {"gender = 'a'", "[scan,"},          /* not indexed */
        {"age > 50", "[zone-pruned scan,"},  /* numeric */
        {"phone IS NULL", "[null bitmap,"},
        {"country = 'FR'", "[none,"},        /* absent from the dictionary */
    };
    char *decided = plan_of("country = 'FR'", SEGMENT_EXPLAIN_TEXT, NULL);
    cr_assert(strstr(decided, "(2 decided without a scan)") != NULL, "%s", decided);
    free(decided);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *plan = plan_of(cases[i].text, SEGMENT_EXPLAIN_TEXT, NULL);
        cr_assert(strstr(line_of(plan, 0), cases[i].path) != NULL, "%s:\n%s", cases[i].text, plan);
        free(plan);
    }
    setenv("PROFILEDB_PLAN", "scan", 1);
    char *plan = plan_of("country = 'US'", SEGMENT_EXPLAIN_TEXT, NULL);
    unsetenv("PROFILEDB_PLAN");
    cr_assert(strstr(plan, "[scan,") != NULL, "%s", plan);
    free(plan);
}

Test(plan, index_estimates_are_exact)
{
    char expected[128];
    uint64_t count = 0;
    char *plan = plan_of("interests HAS 'running'", SEGMENT_EXPLAIN_TEXT, &count);
    snprintf(expected, sizeof expected, "est %llu rows, actual %llu rows in 2 chunks",
             (unsigned long long)naive(running), (unsigned long long)naive(running));
    cr_assert(strstr(plan, expected) != NULL, "%s\nexpected '%s'", plan, expected);
    cr_assert_eq(count, naive(running));
    free(plan);
}

Test(plan, and_runs_selective_and_cheap_children_first)
{
    /* is_vip: 2% of rows, a bitset; country = 'CA': 77%; age >= 0: every row. */
    char *plan = plan_of("age >= 0 AND country = 'CA' AND is_vip", SEGMENT_EXPLAIN_TEXT, NULL);
    cr_assert(strncmp(line_of(plan, 0), "AND", 3) == 0, "%s", plan);
    cr_assert(strstr(line_of(plan, 1), "is_vip") != NULL, "%s", plan);
    cr_assert(strstr(line_of(plan, 2), "country") != NULL, "%s", plan);
    cr_assert(strstr(line_of(plan, 3), "age") != NULL, "%s", plan);
    free(plan);
}

Test(plan, or_runs_the_child_most_likely_to_match_first)
{
    char *plan = plan_of("is_vip OR country = 'CA'", SEGMENT_EXPLAIN_TEXT, NULL);
    cr_assert(strstr(line_of(plan, 1), "country") != NULL, "%s", plan);
    cr_assert(strstr(line_of(plan, 2), "is_vip") != NULL, "%s", plan);
    free(plan);
}

Test(plan, explain_counts_zone_decisions_and_early_stops)
{
    /* age > 1000: the zone map rules out both chunks; the AND then skips country. */
    uint64_t count = 1;
    char *plan = plan_of("country = 'CA' AND age > 1000", SEGMENT_EXPLAIN_TEXT, &count);
    cr_assert_eq(count, 0);
    cr_assert(strstr(line_of(plan, 1), "age") != NULL, "%s", plan);
    cr_assert(strstr(line_of(plan, 1), "actual 0 rows in 2 chunks (2 decided by the zone map)"),
              "%s", plan);
    cr_assert(strstr(line_of(plan, 2), "2 chunks skipped (early stop)"), "%s", plan);
    free(plan);
}

Test(plan, explain_json_is_one_object_with_nested_children)
{
    uint64_t count = 0;
    char *json = plan_of("country = 'US' OR interests HAS 'yoga'", SEGMENT_EXPLAIN_JSON, &count);
    cr_assert(strncmp(json, "{\"rows\":", 8) == 0, "%s", json);
    cr_assert(strstr(json, "\"plan\":{\"node\":\"or\"") != NULL, "%s", json);
    cr_assert(strstr(json, "\"children\":[{") != NULL, "%s", json);
    cr_assert(strstr(json, "\"access\":\"index\"") != NULL, "%s", json);
    cr_assert(strstr(json, "\"text\":\"country = 'US'\"") != NULL, "%s", json);
    cr_assert(strstr(json, "\"time_ms\":") != NULL, "%s", json);
    int braces = 0, brackets = 0;
    for (const char *c = json; *c; c++) {
        braces += (*c == '{') - (*c == '}');
        brackets += (*c == '[') - (*c == ']');
    }
    cr_assert(braces == 0 && brackets == 0, "%s", json);
    free(json);
}

Test(plan, tombstoned_rows_are_never_counted)
{
    /* Delete rows 0..99 of chunk 0 and every 3rd row of chunk 1. */
    struct index_bitmap *deleted = index_bitmap_create();
    cr_assert_not_null(deleted);
    static uint16_t positions[PDB_CHUNK_ROWS];
    for (uint32_t i = 0; i < 100; i++) positions[i] = (uint16_t)i;
    cr_assert_eq(index_bitmap_append_positions(deleted, 0, positions, 100), 0);
    uint32_t second = 0;
    for (uint32_t r = 0; r < ROWS - PDB_CHUNK_ROWS; r += 3) positions[second++] = (uint16_t)r;
    cr_assert_eq(index_bitmap_append_positions(deleted, 1, positions, second), 0);
    index_table_set_deleted(&model.table, deleted);
    uint64_t removed_us = 0;
    for (uint32_t row = 0; row < ROWS; row++) {
        bool is_deleted = row < 100 || (row >= PDB_CHUNK_ROWS && (row - PDB_CHUNK_ROWS) % 3 == 0);
        removed_us += is_deleted && country_is_us(row);
    }
    cr_assert_eq(count_with("age >= 0", NULL), ROWS - 100 - second);
    cr_assert_eq(count_with("country = 'US'", "index"), naive(country_is_us) - removed_us);
    cr_assert_eq(count_with("country = 'US'", "scan"), naive(country_is_us) - removed_us);
    uint64_t count = 0;
    char *plan = plan_of("age >= 0", SEGMENT_EXPLAIN_TEXT, &count);
    cr_assert_eq(count, ROWS - 100 - second);
    char expected[96];
    snprintf(expected, sizeof expected, "(%u deleted rows excluded)", 100 + second);
    cr_assert(strstr(plan, expected) != NULL, "%s", plan);
    free(plan);
}
