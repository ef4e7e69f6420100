/*
 * Tests for index/value_index.c and value_index_validate.c: building category and tags
 * indexes over several chunks (every chunk bitset checked against the column row by row),
 * unions for IN / HAS ANY, cardinalities and selectivity, NULL and empty tag sets, columns
 * without rows or values, wrong column types, allocation failures, and value_index_validate
 * catching an index that no longer matches its column.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/limits.h"
#include "index/value_index.h"
#include "index_test_support.h"

static uint64_t got[PDB_CHUNK_WORDS], want[PDB_CHUNK_WORDS], part[PDB_CHUNK_WORDS];

static struct value_index *build(const struct column *column)
{
    struct value_index *index = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(value_index_build(column, &index, &error), PDB_OK, "%s", error.message);
    cr_assert_not_null(index);
    return index;
}

/* ---- Category --------------------------------------------------------------------------- */

Test(value_index, category_index_matches_the_column_in_every_chunk)
{
    struct column *column = support_category_fixture(SUPPORT_ROWS);
    cr_assert_eq(column->chunk_count, 4u);
    struct value_index *index = build(column);
    cr_assert_eq(index->type, PDB_TYPE_CATEGORY);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);

    uint32_t arrays, bitsets, runs;
    support_container_kinds(index, &arrays, &bitsets, &runs);
    cr_assert(arrays > 0 && bitsets > 0 && runs > 0, "%u arrays, %u bitsets, %u runs", arrays,
              bitsets, runs);
    /* The values that live in one chunk have one container. */
    struct index_bitmap_statistics statistics;
    index_bitmap_statistics(value_index_bitmap(index, support_code(column, "chunk1")), &statistics);
    cr_assert_eq(statistics.chunk_count, 1u);
    index_bitmap_statistics(value_index_bitmap(index, support_code(column, "tail")), &statistics);
    cr_assert_eq(statistics.chunk_count, 1u);
    cr_assert_eq(statistics.cardinality,
                 value_index_cardinality(index, support_code(column, "tail")));

    /* Disjoint, and with the NULLs they cover every row. */
    uint64_t total = value_index_null_count(index);
    for (uint32_t code = 0; code < index->bitmap_count; code++)
        total += value_index_cardinality(index, code);
    cr_assert_eq(total, SUPPORT_ROWS);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, union_chunk_matches_the_or_of_the_codes)
{
    struct column *column = support_category_fixture(SUPPORT_ROWS);
    struct value_index *index = build(column);
    uint64_t state = 3;
    for (uint32_t trial = 0; trial < 40; trial++) {
        uint32_t codes[12];
        uint32_t count = (uint32_t)(support_random(&state) % 6u);
        for (uint32_t i = 0; i < count; i++)
            codes[i] =
                (uint32_t)(support_random(&state) % (index->bitmap_count + 2u)); /* some unknown */
        uint32_t chunk_index = trial % 5u; /* chunk 4 does not exist */
        bitset_zero(want);
        for (uint32_t i = 0; i < count; i++) {
            support_model_chunk(column, codes[i], chunk_index, part);
            if (codes[i] < index->bitmap_count) bitset_or_inplace(want, part);
        }
        memset(got, 0x5A, sizeof got);
        value_index_union_chunk(index, codes, count, chunk_index, got);
        cr_assert_arr_eq(got, want, sizeof got, "trial %u", trial);
    }
    /* Every code at once is every non-NULL row. */
    uint32_t all[16];
    cr_assert_leq(index->bitmap_count, 16u);
    for (uint32_t code = 0; code < index->bitmap_count; code++)
        all[code] = code;
    for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
        value_index_union_chunk(index, all, index->bitmap_count, chunk_index, got);
        value_index_null_chunk(index, chunk_index, want);
        bitset_not_inplace(want, column->chunks[chunk_index].row_count);
        cr_assert_arr_eq(got, want, sizeof got, "chunk %u", chunk_index);
    }
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, selectivity_comes_from_cardinalities)
{
    struct column *column = support_column("tier", PDB_TYPE_CATEGORY);
    for (uint32_t row = 0; row < 1000; row++)
        support_append_category(column, row < 10    ? "gold"
                                        : row < 500 ? "silver"
                                        : row < 900 ? "bronze"
                                                    : NULL);
    struct value_index *index = build(column);
    uint32_t gold = support_code(column, "gold"), silver = support_code(column, "silver");
    uint32_t bronze = support_code(column, "bronze");
    cr_assert_eq(value_index_cardinality(index, gold), 10u);
    cr_assert_eq(value_index_cardinality(index, silver), 490u);
    cr_assert_eq(value_index_cardinality(index, bronze), 400u);
    cr_assert_eq(value_index_cardinality(index, 99u), 0u, "an unknown code has no rows");
    cr_assert_eq(value_index_null_count(index), 100u);
    uint32_t codes[3] = {gold, silver, bronze};
    cr_assert_float_eq(value_index_selectivity(index, codes, 1), 0.01, 1e-12);
    cr_assert_float_eq(value_index_selectivity(index, codes, 3), 0.9, 1e-12);
    cr_assert_float_eq(value_index_selectivity(index, codes, 0), 0.0, 1e-12);
    uint32_t twice[4] = {silver, silver, bronze, silver};
    cr_assert_float_eq(value_index_selectivity(index, twice, 4), 1.0, 1e-12, "capped at 1");
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, codes_without_rows_have_no_bitmap)
{
    struct column *column = support_column("city", PDB_TYPE_CATEGORY);
    support_append_category(column, "paris");
    uint32_t unused;
    cr_assert_eq(dictionary_intern(&column->dictionary, "lyon", 4, &unused, NULL), PDB_OK);
    support_append_category(column, NULL);
    struct value_index *index = build(column);
    cr_assert_eq(index->bitmap_count, 2u);
    cr_assert_null(value_index_bitmap(index, unused));
    cr_assert_null(value_index_bitmap(index, 7u));
    cr_assert_eq(value_index_cardinality(index, unused), 0u);
    memset(got, 0xFF, sizeof got);
    value_index_union_chunk(index, &unused, 1, 0, got);
    bitset_zero(want);
    cr_assert_arr_eq(got, want, sizeof got);
    value_index_null_chunk(index, 0, got);
    bitset_set(want, 1);
    cr_assert_arr_eq(got, want, sizeof got);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, columns_without_rows_or_values)
{
    /* No rows at all. */
    struct column *column = support_column("empty", PDB_TYPE_CATEGORY);
    struct value_index *index = build(column);
    cr_assert_eq(index->row_count, 0u);
    cr_assert_eq(index->bitmap_count, 0u);
    cr_assert_null(index->nulls);
    cr_assert_float_eq(value_index_selectivity(index, NULL, 0), 0.0, 1e-12);
    value_index_null_chunk(index, 0, got);
    cr_assert(bitset_is_empty(got));
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);

    /* Only NULLs, across a chunk boundary: the null bitmap is a run per chunk. */
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS + 5u; row++)
        support_append_category(column, NULL);
    index = build(column);
    cr_assert_eq(value_index_null_count(index), PDB_CHUNK_ROWS + 5u);
    struct index_bitmap_statistics statistics;
    index_bitmap_statistics(index->nulls, &statistics);
    cr_assert_eq(statistics.run_containers, 2u,
                 "5 rows in a row: 6 bytes as a run, 10 as an array");
    cr_assert_eq(statistics.array_containers + statistics.bitset_containers, 0u);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, other_column_types_have_no_index)
{
    enum pdb_type types[] = {PDB_TYPE_BOOL, PDB_TYPE_INT, PDB_TYPE_FLOAT, PDB_TYPE_TIMESTAMP,
                             PDB_TYPE_TEXT};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct column *column = support_column("other", types[i]);
        struct value_index *index = (struct value_index *)&i;
        struct pdb_error error = {0};
        cr_assert_eq(value_index_build(column, &index, &error), PDB_ERR_USAGE);
        cr_assert_eq(index, (struct value_index *)&i, "out-parameter untouched");
        cr_assert(strstr(error.message, "other") != NULL, "%s", error.message);
        column_destroy(column);
    }
}

/* More codes than the bucketed grouping takes: the counting sort path. */
static struct column *large_dictionary_fixture(enum pdb_type type, uint32_t row_count)
{
    struct column *column = support_column("large", type);
    uint64_t state = 1234;
    char names[8][16];
    for (uint32_t row = 0; row < row_count; row++) {
        uint64_t random = support_random(&state);
        /* 300 values, skewed: the low codes are common. */
        uint32_t count = type == PDB_TYPE_CATEGORY ? 1u : (uint32_t)(random % 5u);
        const char *values[8];
        for (uint32_t i = 0; i < count; i++) {
            uint32_t value = (uint32_t)((random >> (8 * i + 3)) % 300u);
            if ((random >> 50) % 2u == 0) value %= 7u;
            snprintf(names[i], sizeof names[i], "value%u", value);
            values[i] = names[i];
        }
        if (row % 37u == 0)
            support_append_category(column, NULL);
        else if (type == PDB_TYPE_CATEGORY)
            support_append_category(column, values[0]);
        else
            support_append_tags(column, values, count);
    }
    cr_assert_gt(column->dictionary.entry_count, 100u);
    return column;
}

Test(value_index, large_dictionaries_match_the_column)
{
    enum pdb_type types[2] = {PDB_TYPE_CATEGORY, PDB_TYPE_TAGS};
    for (uint32_t t = 0; t < 2; t++) {
        struct column *column = large_dictionary_fixture(types[t], 2u * PDB_CHUNK_ROWS + 9u);
        struct value_index *index = build(column);
        cr_assert_eq(value_index_validate(index, column), 0);
        /* A sample of codes against the model, chunk by chunk. */
        for (uint32_t code = 0; code < index->bitmap_count; code += 23u) {
            for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
                support_model_chunk(column, code, chunk_index, want);
                index_chunk_bitset(value_index_bitmap(index, code), chunk_index, got);
                cr_assert_arr_eq(got, want, sizeof got, "code %u, chunk %u", code, chunk_index);
            }
        }
        uint32_t codes[3] = {0, 1, index->bitmap_count - 1u};
        for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
            bitset_zero(want);
            for (uint32_t i = 0; i < 3; i++) {
                support_model_chunk(column, codes[i], chunk_index, part);
                bitset_or_inplace(want, part);
            }
            value_index_union_chunk(index, codes, 3, chunk_index, got);
            cr_assert_arr_eq(got, want, sizeof got);
        }
        value_index_destroy(index);
        column_destroy(column);
    }
}

/* ---- Tags ------------------------------------------------------------------------------- */

Test(value_index, tags_index_matches_the_column_in_every_chunk)
{
    struct column *column = support_tags_fixture(SUPPORT_ROWS);
    struct value_index *index = build(column);
    cr_assert_eq(index->type, PDB_TYPE_TAGS);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    uint32_t arrays, bitsets, runs;
    support_container_kinds(index, &arrays, &bitsets, &runs);
    cr_assert(arrays > 0 && bitsets > 0 && runs > 0, "%u arrays, %u bitsets, %u runs", arrays,
              bitsets, runs);

    /* HAS ANY of two tags is their OR; NULL sets are only in the null bitmap. */
    uint32_t codes[2] = {support_code(column, "half"), support_code(column, "t3")};
    for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
        support_model_chunk(column, codes[0], chunk_index, want);
        support_model_chunk(column, codes[1], chunk_index, part);
        bitset_or_inplace(want, part);
        value_index_union_chunk(index, codes, 2, chunk_index, got);
        cr_assert_arr_eq(got, want, sizeof got);
        value_index_null_chunk(index, chunk_index, part);
        bitset_and_inplace(part, got);
        cr_assert(bitset_is_empty(part), "a NULL set has no tag");
    }
    cr_assert_leq(value_index_selectivity(index, codes, 2), 1.0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, tag_sets_several_empty_and_null)
{
    struct column *column = support_column("interests", PDB_TYPE_TAGS);
    const char *three[] = {"run", "swim", "bike"};
    const char *one[] = {"swim"};
    support_append_tags(column, three, 3);         /* row 0: three bitmaps */
    support_append_tags(column, NULL, 0);          /* row 1: empty set, in none */
    support_append_tags(column, NULL, UINT32_MAX); /* row 2: NULL set, in the null bitmap */
    support_append_tags(column, one, 1);           /* row 3 */
    struct value_index *index = build(column);
    uint32_t run = support_code(column, "run"), swim = support_code(column, "swim");
    uint32_t bike = support_code(column, "bike");
    cr_assert_eq(value_index_cardinality(index, run), 1u);
    cr_assert_eq(value_index_cardinality(index, swim), 2u);
    cr_assert_eq(value_index_cardinality(index, bike), 1u);
    cr_assert_eq(value_index_null_count(index), 1u);
    cr_assert(index_bitmap_contains(value_index_bitmap(index, run), 0));
    cr_assert(index_bitmap_contains(value_index_bitmap(index, bike), 0));
    cr_assert(index_bitmap_contains(value_index_bitmap(index, swim), 3));
    for (uint32_t code = 0; code < index->bitmap_count; code++) {
        cr_assert_not(index_bitmap_contains(value_index_bitmap(index, code), 1));
        cr_assert_not(index_bitmap_contains(value_index_bitmap(index, code), 2));
    }
    cr_assert(index_bitmap_contains(index->nulls, 2));
    cr_assert_not(index_bitmap_contains(index->nulls, 1), "an empty set is not NULL");
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, tags_column_of_empty_and_null_sets)
{
    struct column *column = support_column("interests", PDB_TYPE_TAGS);
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS + 10u; row++)
        support_append_tags(column, NULL, row % 3u == 0 ? UINT32_MAX : 0);
    struct value_index *index = build(column);
    cr_assert_eq(index->bitmap_count, 0u);
    cr_assert_eq(value_index_null_count(index), (PDB_CHUNK_ROWS + 10u + 2u) / 3u);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

/* ---- Failures --------------------------------------------------------------------------- */

static void build_under_allocation_failures(const struct column *column)
{
    uint64_t fail_after = 0;
    for (;; fail_after++) {
        cr_assert_lt(fail_after, 64u, "the build never succeeds");
        struct value_index *index = (struct value_index *)&fail_after;
        struct pdb_error error = {0};
        mem_fail_after(fail_after);
        enum pdb_status status = value_index_build(column, &index, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            support_check_index(index, column);
            value_index_destroy(index);
            break;
        }
        cr_assert_eq(status, PDB_ERR_NO_MEMORY);
        cr_assert_eq(error.status, PDB_ERR_NO_MEMORY);
        cr_assert_eq(index, (struct value_index *)&fail_after, "out-parameter untouched");
    }
    cr_assert_geq(fail_after, 4u, "index, bitmaps, cardinalities and scratch are allocated");
}

Test(value_index, allocation_failures_leave_nothing_behind)
{
    struct column *column = support_category_fixture(2u * PDB_CHUNK_ROWS + 3u);
    build_under_allocation_failures(column);
    column_destroy(column);
    column = support_tags_fixture(PDB_CHUNK_ROWS + 3u);
    build_under_allocation_failures(column);
    column_destroy(column);
    column = large_dictionary_fixture(PDB_TYPE_TAGS, PDB_CHUNK_ROWS + 3u); /* counting sort */
    build_under_allocation_failures(column);
    column_destroy(column);
}

Test(value_index, validate_catches_an_index_that_no_longer_matches)
{
    struct column *column = support_category_fixture(PDB_CHUNK_ROWS + 100u);
    struct value_index *index = build(column);
    cr_assert_eq(value_index_validate(index, column), 0);

    /* A changed value: the row is now in the wrong bitmap. */
    struct column_chunk *last = &column->chunks[1];
    uint32_t saved = column_chunk_code(last, 50);
    cr_assert(!column_chunk_is_null(last, 50));
    cr_assert_eq(column_chunk_lanes_widen(last, PDB_TYPE_CATEGORY), 0); /* any code fits */
    column_chunk_lane_store(last, 50, (saved + 1u) % column->dictionary.entry_count);
    cr_assert_eq(value_index_validate(index, column), -1);
    column_chunk_lane_store(last, 50, saved);
    cr_assert_eq(value_index_validate(index, column), 0);

    /* A tampered cardinality, null count or type. */
    index->cardinalities[0]++;
    cr_assert_eq(value_index_validate(index, column), -1);
    index->cardinalities[0]--;
    index->null_count++;
    cr_assert_eq(value_index_validate(index, column), -1);
    index->null_count--;
    index->type = PDB_TYPE_TAGS;
    cr_assert_eq(value_index_validate(index, column), -1);
    index->type = PDB_TYPE_CATEGORY;

    /* A bitmap missing: its rows are covered by nobody. */
    struct index_bitmap *taken = index->bitmaps[0];
    uint64_t taken_cardinality = index->cardinalities[0];
    index->bitmaps[0] = NULL;
    index->cardinalities[0] = 0;
    cr_assert_eq(value_index_validate(index, column), -1);
    /* The same bitmap under two codes: they overlap. */
    index->bitmaps[0] = index->bitmaps[1];
    index->cardinalities[0] = index->cardinalities[1];
    cr_assert_eq(value_index_validate(index, column), -1);
    index->bitmaps[0] = taken;
    index->cardinalities[0] = taken_cardinality;
    cr_assert_eq(value_index_validate(index, column), 0);

    /* Rows appended after the build. */
    support_append_category(column, "even");
    cr_assert_eq(value_index_validate(index, column), -1);

    /* An index of another column. */
    struct column *tags = support_tags_fixture(100);
    cr_assert_eq(value_index_validate(index, tags), -1);
    column_destroy(tags);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index, destroy_accepts_null)
{
    value_index_destroy(NULL);
}
