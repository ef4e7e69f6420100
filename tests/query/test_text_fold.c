/*
 * Tests for engine/query/text_fold.c and the text path of predicate_string.c: the case-folded
 * form of a text chunk holds casefold_into of every value (all-ASCII chunks share the offsets,
 * chunks whose folded sizes all stayed share them too, others get their own), appending drops
 * it, a failed allocation while folding is reported and a retry succeeds; and STARTS/ENDS/
 * CONTAINS and their I-forms over a table whose chunks take each path count exactly what a
 * per-row reference (casefold_into, then a byte loop) counts.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "column/column.h"
#include "base/unicode.h"
#include "query/text_fold.h"
#include "query_test_support.h"

static const char *const ascii_values[] = {
    "Anderson", "SMITH", "mar", "", "MARTINEZ", "o'Mara", "anna@Example.COM", "x", "Damarcus",
};
static const char *const unicode_values[] = {
    "Stra\xc3\x9f"
    "e",
    "STRASSE",
    "\xc4\xb0stanbul",
    "CAF\xc3\x89",
    "cafe\xcc\x81",
    "\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3",
    "\xff\xfe MAR", /* not UTF-8: ASCII fold */
    "M\xc3\xbcller",
    "",
    "\xef\xac\x83",
    "Mar\xc3\xadn",
};
/* Fold to different bytes of the same size (É -> é, Ñ -> ñ), plus ASCII. */
static const char *const same_size_values[] = {"\xc3\x89mar",
                                               "\xc3\x91"
                                               "and\xc3\xba",
                                               "abc", "MAR"};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

static struct column *text_column(void)
{
    struct attribute attribute = {.name = "last_name", .type = PDB_TYPE_TEXT};
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    return column;
}

static void append(struct column *column, const char *value)
{
    struct pdb_error error;
    cr_assert_eq(column_append_string(column, value, strlen(value), &error), PDB_OK);
}

/* Every row's fold equals casefold_into of its value. */
static void expect_folds(const struct column *column)
{
    int32_t buffer[256];
    for (uint32_t c = 0; c < column->chunk_count; c++) {
        const struct column_chunk *chunk = &column->chunks[c];
        cr_assert_not_null(chunk->fold.offsets, "chunk %u not folded", c);
        for (uint32_t row = 0; row < chunk->row_count; row++) {
            uint32_t size;
            const char *value = column_chunk_text(chunk, row, &size);
            size_t want_size;
            const char *want = casefold_into(value, size, buffer, 256, &want_size);
            uint32_t got_size = chunk->fold.offsets[row + 1] - chunk->fold.offsets[row];
            cr_assert_eq(got_size, want_size, "chunk %u row %u", c, row);
            if (want_size)
                cr_assert_eq(memcmp(chunk->fold.bytes + chunk->fold.offsets[row], want, want_size),
                             0, "chunk %u row %u", c, row);
        }
    }
    cr_assert_eq(column_validate(column), 0);
}

static void fold(struct column *column)
{
    struct pdb_error error;
    cr_assert_eq(text_fold_column(column, &error), PDB_OK, "%s", error.message);
    expect_folds(column);
}

Test(text_fold, ascii_chunks_share_their_offsets)
{
    struct column *column = text_column();
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS + 100; row++)
        append(column, ascii_values[row % COUNT_OF(ascii_values)]);
    fold(column);
    for (uint32_t c = 0; c < column->chunk_count; c++)
        cr_assert_eq(column->chunks[c].fold.offsets, column->chunks[c].offsets);
    cr_assert_eq(memcmp(column->chunks[0].fold.bytes, "andersonsmithmar", 16), 0);
    column_destroy(column);
}

Test(text_fold, other_chunks_fold_each_value)
{
    struct column *column = text_column();
    for (uint32_t row = 0; row < 3000; row++)
        append(column, unicode_values[row % COUNT_OF(unicode_values)]);
    fold(column);
    cr_assert_neq(column->chunks[0].fold.offsets, column->chunks[0].offsets, "ß -> ss grows");
    column_destroy(column);

    column = text_column();
    for (uint32_t row = 0; row < 3000; row++)
        append(column, same_size_values[row % COUNT_OF(same_size_values)]);
    fold(column);
    cr_assert_eq(column->chunks[0].fold.offsets, column->chunks[0].offsets, "sizes kept");
    cr_assert_eq(memcmp(column->chunks[0].fold.bytes, "\xc3\xa9mar", 5), 0);
    column_destroy(column);
}

Test(text_fold, empty_and_null_only_chunks)
{
    struct column *column = text_column();
    struct pdb_error error;
    for (uint32_t row = 0; row < 100; row++)
        cr_assert_eq(column_append_null(column, &error), PDB_OK);
    append(column, "");
    fold(column);
    cr_assert_null(column->chunks[0].fold.bytes);
    cr_assert_eq(column->chunks[0].fold.bytes_size, 0);
    column_destroy(column);
}

Test(text_fold, appending_drops_the_fold)
{
    struct column *column = text_column();
    append(column, "Stra\xc3\x9f"
                   "e");
    fold(column);
    append(column, "MAR");
    cr_assert_null(column->chunks[0].fold.offsets);
    fold(column); /* rebuilt with both rows */
    cr_assert_eq(column->chunks[0].fold.offsets[2], strlen("strasse") + 3);
    column_destroy(column);
}

/* ---- Through segments --------------------------------------------------------------------- */

/* Chunk 0 all ASCII, chunk 1 mixed, chunk 2 same-size folds; about 10% NULL. */
static void three_chunk_model(struct model *model)
{
    uint32_t rows = 2 * PDB_CHUNK_ROWS + 5000;
    model_init_random(model, rows, 17, 0);
    for (uint32_t row = 0; row < rows; row++) {
        struct model_value *value = model_at(model, row, A_LAST_NAME);
        const char *const *pool = row < PDB_CHUNK_ROWS       ? ascii_values
                                  : row < 2 * PDB_CHUNK_ROWS ? unicode_values
                                                             : same_size_values;
        uint32_t pool_size = row < PDB_CHUNK_ROWS       ? COUNT_OF(ascii_values)
                             : row < 2 * PDB_CHUNK_ROWS ? COUNT_OF(unicode_values)
                                                        : COUNT_OF(same_size_values);
        value->is_null = row % 10 == 3;
        value->s = pool[(row * 7u + row / 13u) % pool_size];
        value->size = (uint32_t)strlen(value->s);
    }
    model_build_table(model);
}

static bool reference_match(const char *op, const struct model_value *value, const char *pattern)
{
    if (value->is_null) return false;
    bool folds = op[0] == 'I';
    int32_t value_buffer[256], pattern_buffer[256];
    size_t size = value->size, pattern_size = strlen(pattern);
    const char *subject = value->s;
    if (folds) {
        subject = casefold_into(value->s, value->size, value_buffer, 256, &size);
        pattern = casefold_into(pattern, pattern_size, pattern_buffer, 256, &pattern_size);
    }
    const char *kind = folds ? op + 1 : op;
    for (size_t start = 0; start + pattern_size <= size; start++) {
        if (kind[0] == 'S' && start > 0) break;
        if (kind[0] == 'E' && start + pattern_size != size) continue;
        if (pattern_size == 0 || memcmp(subject + start, pattern, pattern_size) == 0) return true;
    }
    return false;
}

static uint64_t count_of(struct model *model, const char *text)
{
    struct segment *segment;
    struct pdb_error error;
    cr_assert_eq(segment_compile(text, strlen(text), &model->schema, TEST_NOW, &segment, &error),
                 PDB_OK, "%s: %s", text, error.message);
    uint64_t count = 0;
    cr_assert_eq(segment_count(segment, &model->table, &count, &error), PDB_OK, "%s",
                 error.message);
    segment_destroy(segment);
    return count;
}

Test(text_fold, pattern_tests_count_as_the_row_by_row_reference)
{
    static const char *const ops[] = {"STARTS WITH",  "ENDS WITH",  "CONTAINS",
                                      "ISTARTS WITH", "IENDS WITH", "ICONTAINS"};
    static const char *const patterns[] = {
        "",
        "mar",
        "MAR",
        "a",
        "ss",
        "SS",
        "stra\xc3\x9f"
        "e",
        "\xc3\x89",
        "\xc3\xa9",
        "caf\xc3\xa9",
        "i\xcc\x87",
        "\xcf\x83",
        "ffi",
        "Anderson",
        "@example.com",
        "son",
        "n",
        "nd\xc3\xba",
        "\xff",
        "rtinez",
        "verylongpatternthatneveroccurs",
    };
    struct model model;
    three_chunk_model(&model);
    for (size_t o = 0; o < COUNT_OF(ops); o++) {
        for (size_t p = 0; p < COUNT_OF(patterns); p++) {
            uint64_t want = 0;
            for (uint32_t row = 0; row < model.row_count; row++)
                want += reference_match(ops[o], model_at(&model, row, A_LAST_NAME), patterns[p]);
            char text[160];
            snprintf(text, sizeof text, "last_name %s '%s'", ops[o], patterns[p]);
            cr_assert_eq(count_of(&model, text), want, "%s", text);
        }
    }
    model_deinit(&model);
}

Test(text_fold, failed_allocations_while_folding_are_reported)
{
    const char *text = "last_name ICONTAINS 'stra\xc3\x9f"
                       "e'";
    struct model reference;
    three_chunk_model(&reference);
    uint64_t expected = count_of(&reference, text);
    model_deinit(&reference);
    cr_assert_gt(expected, 0);
    uint32_t failures = 0;
    for (uint64_t allowed = 0; allowed < 40; allowed++) {
        struct model model;
        three_chunk_model(&model);
        struct segment *segment;
        struct pdb_error error = {0};
        cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, &error),
                     PDB_OK);
        uint64_t count = 0;
        mem_fail_after(allowed);
        enum pdb_status status = segment_count(segment, &model.table, &count, &error);
        mem_fail_after(UINT64_MAX);
        if (status != PDB_OK) {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "%s", error.message);
            failures++;
            status = segment_count(segment, &model.table, &count, &error); /* folds the rest */
        }
        cr_assert_eq(status, PDB_OK, "%s", error.message);
        cr_assert_eq(count, expected, "after %llu allocations", (unsigned long long)allowed);
        segment_destroy(segment);
        model_deinit(&model);
    }
    cr_assert_gt(failures, 3);
}
