/*
 * Fixtures and the row-by-row model for the index tests (index_test_support.h).
 */
#include "index_test_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/bitset.h"
#include "base/limits.h"

uint64_t support_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

struct column *support_column(const char *name, enum pdb_type type)
{
    struct attribute attribute = {.type = type};
    strncpy(attribute.name, name, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    return column;
}

void support_append_category(struct column *column, const char *value)
{
    enum pdb_status status = value == NULL
                                 ? column_append_null(column, NULL)
                                 : column_append_string(column, value, strlen(value), NULL);
    cr_assert_eq(status, PDB_OK);
}

void support_append_tags(struct column *column, const char *const *tags, uint32_t count)
{
    if (count == UINT32_MAX) {
        cr_assert_eq(column_append_null(column, NULL), PDB_OK);
        return;
    }
    uint32_t sizes[16];
    cr_assert_leq(count, 16u);
    for (uint32_t i = 0; i < count; i++)
        sizes[i] = (uint32_t)strlen(tags[i]);
    cr_assert_eq(column_append_tags(column, tags, sizes, count, NULL), PDB_OK);
}

uint32_t support_code(const struct column *column, const char *value)
{
    uint32_t code = dictionary_find(&column->dictionary, value, strlen(value));
    cr_assert_neq(code, DICTIONARY_NO_CODE, "no code for '%s'", value);
    return code;
}

static const char *category_value(uint32_t row)
{
    static const char *const mixed[] = {"a", "b", "c", "d", "e"};
    uint32_t chunk = row / PDB_CHUNK_ROWS, position = row % PDB_CHUNK_ROWS;
    if ((position >= 1000 && position < 1100) || row % 97u == 5u) return NULL;
    if (row % 100u == 3u) return "sparse";
    if (position >= 20000 && position < 30000) return "run";
    if (chunk == 1 && position % 7u == 1u) return "chunk1";
    if (row >= 3u * PDB_CHUNK_ROWS) return "tail";
    if (row % 2u == 0) return "even";
    return mixed[((row * 2654435761u) >> 7) % 5u];
}

struct column *support_category_fixture(uint32_t row_count)
{
    struct column *column = support_column("country", PDB_TYPE_CATEGORY);
    for (uint32_t row = 0; row < row_count; row++)
        support_append_category(column, category_value(row));
    cr_assert_eq(column_validate(column), 0);
    return column;
}

struct column *support_tags_fixture(uint32_t row_count)
{
    static const char *const names[] = {"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"};
    struct column *column = support_column("interests", PDB_TYPE_TAGS);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (uint32_t row = 0; row < row_count; row++) {
        uint32_t position = row % PDB_CHUNK_ROWS;
        uint64_t random = support_random(&state);
        if (row % 53u == 7u) {
            support_append_tags(column, NULL, UINT32_MAX);
            continue;
        }
        if (row % 11u == 4u) {
            support_append_tags(column, NULL, 0);
            continue;
        }
        const char *tags[8];
        uint32_t count = 0;
        if (row % 2u == 0) tags[count++] = "half";
        if (position >= 30000 && position < 40000) tags[count++] = "block";
        uint32_t extra = (uint32_t)(random % 4u);
        for (uint32_t i = 0; i < extra; i++)
            tags[count++] = names[(random >> (8 + 4 * i)) % 10u];
        if (extra > 0 && random % 3u == 0) { /* a duplicate, which the column drops */
            tags[count] = tags[count - 1];
            count++;
        }
        support_append_tags(column, tags, count);
    }
    cr_assert_eq(column_validate(column), 0);
    return column;
}

void support_model_chunk(const struct column *column, uint32_t code, uint32_t chunk_index,
                         uint64_t *out_words)
{
    bitset_zero(out_words);
    if (chunk_index >= column->chunk_count) return;
    const struct column_chunk *chunk = &column->chunks[chunk_index];
    for (uint32_t row = 0; row < chunk->row_count; row++) {
        bool is_null = column_chunk_is_null(chunk, row);
        bool match = false;
        if (code == UINT32_MAX) {
            match = is_null;
        } else if (!is_null && column->attribute.type == PDB_TYPE_CATEGORY) {
            match = column_chunk_code(chunk, row) == code;
        } else if (!is_null) {
            for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++)
                match = match || chunk->tag_codes[i] == code;
        }
        if (match) bitset_set(out_words, row);
    }
}

void support_check_index(const struct value_index *index, const struct column *column)
{
    static uint64_t got[PDB_CHUNK_WORDS], want[PDB_CHUNK_WORDS];
    cr_assert_eq(index->row_count, column_row_count(column));
    cr_assert_eq(index->bitmap_count, column->dictionary.entry_count);
    uint64_t null_count = 0;
    /* One chunk past the end: must be empty everywhere. */
    for (uint32_t chunk_index = 0; chunk_index <= column->chunk_count; chunk_index++) {
        value_index_null_chunk(index, chunk_index, got);
        support_model_chunk(column, UINT32_MAX, chunk_index, want);
        cr_assert_arr_eq(got, want, sizeof got, "nulls of chunk %u", chunk_index);
        null_count += bitset_count(want);
        for (uint32_t code = 0; code < index->bitmap_count; code++) {
            index_chunk_bitset(value_index_bitmap(index, code), chunk_index, got);
            support_model_chunk(column, code, chunk_index, want);
            cr_assert_arr_eq(got, want, sizeof got, "code %u, chunk %u", code, chunk_index);
            cr_assert_eq(index_chunk_cardinality(value_index_bitmap(index, code), chunk_index),
                         bitset_count(want));
        }
    }
    cr_assert_eq(value_index_null_count(index), null_count);
    for (uint32_t code = 0; code < index->bitmap_count; code++) {
        uint64_t rows = 0;
        for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
            support_model_chunk(column, code, chunk_index, want);
            rows += bitset_count(want);
        }
        cr_assert_eq(value_index_cardinality(index, code), rows, "code %u", code);
        cr_assert_eq(index_bitmap_cardinality(value_index_bitmap(index, code)), rows);
    }
}

void support_container_kinds(const struct value_index *index, uint32_t *array_out,
                             uint32_t *bitset_out, uint32_t *run_out)
{
    *array_out = *bitset_out = *run_out = 0;
    for (uint32_t code = 0; code <= index->bitmap_count; code++) {
        struct index_bitmap_statistics statistics;
        index_bitmap_statistics(code == index->bitmap_count ? index->nulls : index->bitmaps[code],
                                &statistics);
        *array_out += statistics.array_containers;
        *bitset_out += statistics.bitset_containers;
        *run_out += statistics.run_containers;
    }
}
