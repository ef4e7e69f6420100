/*
 * Tests for index/value_index_update.c: an index extended over appended rows (new codes
 * included) and kept true while rows change in place (category codes and NULLs, tag sets,
 * codes interned after the build), compared after each step with the naive model of the
 * column (support_check_index) and value_index_validate; index_table_value_index extends the
 * cached index instead of rebuilding it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "column/table.h"
#include "index/index_table.h"
#include "index/value_index.h"
#include "index_test_support.h"

static struct value_index *build(const struct column *column)
{
    struct value_index *index = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(value_index_build(column, &index, &error), PDB_OK, "%s", error.message);
    return index;
}

static void intern(struct column *column, const char *value, uint32_t *code_out)
{
    struct pdb_error error = {0};
    cr_assert_eq(dictionary_intern(&column->dictionary, value, strlen(value), code_out, &error), PDB_OK);
}

Test(value_index_update, category_rows_appended_and_changed_in_place)
{
    uint64_t state = 7;
    struct column *column = support_category_fixture(2u * 65536u + 100u);
    struct value_index *index = build(column);
    struct pdb_error error = {0};
    /* Appends (some with a new value) fill the partial chunk and start another. */
    for (uint32_t i = 0; i < 70000; i++) {
        char value[16];
        snprintf(value, sizeof value, "late%u", (uint32_t)(support_random(&state) % 40));
        support_append_category(column, i % 9 == 0 ? NULL : value);
    }
    cr_assert_eq(value_index_extend(index, column, &error), PDB_OK);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    /* In-place changes: codes old and new (interned after the build), NULL set and cleared. */
    uint64_t rows = column_row_count(column);
    for (uint32_t u = 0; u < 20000; u++) {
        uint32_t row_id = (uint32_t)(support_random(&state) % rows);
        struct column_chunk *chunk = &column->chunks[row_id / 65536u];
        uint32_t row = row_id % 65536u;
        bool was_null = column_chunk_is_null(chunk, row);
        uint32_t old = column_chunk_code(chunk, row), code = 0;
        bool is_null = support_random(&state) % 7 == 0;
        if (!is_null) {
            char value[16];
            snprintf(value, sizeof value, "new%u", (uint32_t)(support_random(&state) % 300));
            if (support_random(&state) % 2) intern(column, value, &code);
            else code = (uint32_t)(support_random(&state) % column->dictionary.entry_count);
        }
        if (is_null) column_chunk_set_null(chunk, PDB_TYPE_CATEGORY, row);
        else cr_assert_eq(column_chunk_set_code(chunk, row, code), 0);
        cr_assert_eq(value_index_update_row(index, row_id, was_null, &old, 1, is_null, &code, 1), 0);
    }
    for (uint32_t c = 0; c < column->chunk_count; c++)
        cr_assert_eq(column_chunk_reseal(&column->chunks[c], PDB_TYPE_CATEGORY), 0);
    cr_assert_eq(value_index_cover_codes(index, column->dictionary.entry_count), 0);
    support_check_index(index, column);
    cr_assert_eq(value_index_validate(index, column), 0);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index_update, tag_sets_changed_in_place)
{
    uint64_t state = 11;
    struct column *column = support_tags_fixture(65536u + 500u);
    struct value_index *index = build(column);
    struct pdb_error error = {0};
    uint32_t extra;
    intern(column, "brand-new", &extra);
    for (uint32_t round = 0; round < 5; round++) {
        for (uint32_t c = 0; c < column->chunk_count; c++) {
            struct column_chunk *chunk = &column->chunks[c];
            static struct column_replacement replacements[65536];
            static uint32_t codes[65536][4];
            uint32_t count = 0;
            for (uint32_t row = 0; row < chunk->row_count; row++) {
                if (support_random(&state) % 13 != 0) continue;
                uint32_t n = 0, entries = column->dictionary.entry_count;
                for (uint32_t code = 0; code < entries && n < 4; code++)
                    if (support_random(&state) % 5 == 0) codes[row][n++] = code; /* ascending */
                bool is_null = support_random(&state) % 6 == 0;
                bool was_null = column_chunk_is_null(chunk, row);
                const uint32_t *old = chunk->tag_codes + chunk->offsets[row];
                uint32_t old_count = chunk->offsets[row + 1] - chunk->offsets[row];
                uint32_t row_id = c * 65536u + row;
                cr_assert_eq(value_index_update_row(index, row_id, was_null, old, old_count, is_null,
                                                    codes[row], n), 0);
                replacements[count++] = (struct column_replacement){
                    .row = row, .is_null = is_null, .size = is_null ? 0 : n, .data = codes[row]};
            }
            cr_assert_eq(column_chunk_replace_values(chunk, PDB_TYPE_TAGS, replacements, count, &error), PDB_OK);
        }
        support_check_index(index, column);
        cr_assert_eq(value_index_validate(index, column), 0);
    }
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index_update, the_cached_index_is_extended_not_rebuilt)
{
    struct column *column = support_category_fixture(1000);
    struct attribute attribute = column->attribute;
    struct schema schema = {.attribute_count = 1, .attributes = &attribute};
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    struct pdb_error error = {0};
    struct column *columns[1] = {column};
    cr_assert_eq(table_adopt_columns(&table, columns, &error), PDB_OK);
    const struct value_index *first = NULL, *again = NULL;
    cr_assert_eq(index_table_value_index(&table, 0, &first, &error), PDB_OK);
    for (uint32_t i = 0; i < 300; i++) support_append_category(column, i % 2 ? "x" : NULL);
    table.row_count = column_row_count(column);
    cr_assert_eq(index_table_value_index(&table, 0, &again, &error), PDB_OK);
    cr_assert_eq(again, first, "extended in place");
    cr_assert_eq(again->row_count, 1300u);
    support_check_index(again, column);
    table_deinit(&table);
}
