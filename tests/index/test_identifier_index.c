/*
 * Tests for index/identifier_index.c: text, category and int keys over several chunks; the
 * lowest row wins for duplicates; NULL rows are not indexed; missing keys; every key hashing
 * to the same value (a constant hash) still finds exactly its row; duplicates inside one
 * insert batch; appending rows and extending the index (growing the table); a category
 * index sized by its dictionary; wrong types; validate catching an
 * index that no longer matches its column.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "index/identifier_index.h"

static struct column *make_column(enum pdb_type type)
{
    struct attribute attribute = {.type = type};
    snprintf(attribute.name, sizeof attribute.name, "key");
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    return column;
}

/* Row r holds "k<r % modulus>" (NULL when r % 11 == 10). */
static void append_text_rows(struct column *column, uint32_t first, uint32_t count, uint32_t modulus)
{
    char key[32];
    for (uint32_t r = first; r < first + count; r++) {
        if (r % 11 == 10) {
            cr_assert_eq(column_append_null(column, NULL), PDB_OK);
            continue;
        }
        int size = snprintf(key, sizeof key, "k%u", r % modulus);
        cr_assert_eq(column_append_string(column, key, (size_t)size, NULL), PDB_OK);
    }
}

static struct identifier_index *build(const struct column *column, identifier_hash_fn hash)
{
    struct identifier_index *index = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(identifier_index_create(column->attribute.type, hash, &index, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(identifier_index_extend(index, column, column_row_count(column), &error), PDB_OK, "%s", error.message);
    return index;
}

static uint32_t find_text(const struct identifier_index *index, const struct column *column, const char *key)
{
    return identifier_index_find(index, column, key, strlen(key));
}

static uint64_t constant_hash(const void *data, size_t size)
{
    (void)data;
    (void)size;
    return 7;
}

Test(identifier_index, text_keys_find_the_lowest_row_across_chunks)
{
    uint32_t rows = PDB_CHUNK_ROWS * 2 + 500, modulus = 100000;
    struct column *column = make_column(PDB_TYPE_TEXT);
    append_text_rows(column, 0, rows, modulus);
    struct identifier_index *index = build(column, NULL);
    cr_assert_eq(identifier_index_validate(index, column), 0);
    cr_assert_eq(find_text(index, column, "k5"), 5u);
    cr_assert_eq(find_text(index, column, "k99999"), 99999u);
    /* k10 is NULL at row 10; the next row holding it is 100010. */
    cr_assert_eq(find_text(index, column, "k10"), 100010u);
    cr_assert_eq(find_text(index, column, "k5x"), IDENTIFIER_INDEX_NO_ROW);
    cr_assert_eq(find_text(index, column, ""), IDENTIFIER_INDEX_NO_ROW);
    cr_assert_eq(identifier_index_row_count(index), rows);
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, colliding_hashes_still_compare_the_keys)
{
    struct column *column = make_column(PDB_TYPE_TEXT);
    append_text_rows(column, 0, 3000, 700); /* 700 keys, all in one probe run */
    struct identifier_index *index = build(column, constant_hash);
    cr_assert_eq(identifier_index_validate(index, column), 0);
    cr_assert_eq(identifier_index_key_count(index), 700u);
    for (uint32_t k = 0; k < 700; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%u", k);
        uint32_t expected = k % 11 == 10 ? k + 700 : k;
        while (expected % 11 == 10) expected += 700;
        cr_assert_eq(find_text(index, column, key), expected, "%s", key);
    }
    cr_assert_eq(find_text(index, column, "k700"), IDENTIFIER_INDEX_NO_ROW);
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, extend_indexes_appended_rows_and_keeps_the_lowest)
{
    struct column *column = make_column(PDB_TYPE_TEXT);
    append_text_rows(column, 0, 1000, 1000000);
    struct identifier_index *index = build(column, NULL);
    cr_assert_eq(find_text(index, column, "k1500"), IDENTIFIER_INDEX_NO_ROW);
    append_text_rows(column, 1000, PDB_CHUNK_ROWS, 1000000); /* crosses into chunk 1 */
    const char *again = "k3"; /* a duplicate of row 3 appended later */
    cr_assert_eq(column_append_string(column, again, 2, NULL), PDB_OK);
    struct pdb_error error = {0};
    cr_assert_eq(identifier_index_extend(index, column, column_row_count(column), &error), PDB_OK, "%s", error.message);
    cr_assert_eq(find_text(index, column, "k1500"), 1500u);
    cr_assert_eq(find_text(index, column, "k3"), 3u);
    cr_assert_eq(identifier_index_validate(index, column), 0);
    /* Shrinking is refused. */
    cr_assert_eq(identifier_index_extend(index, column, 10, &error), PDB_ERR_USAGE);
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, int_and_category_keys)
{
    struct column *ints = make_column(PDB_TYPE_INT);
    struct column *categories = make_column(PDB_TYPE_CATEGORY);
    for (int64_t r = 0; r < 5000; r++) {
        cr_assert_eq(column_append_int(ints, (r % 2000) - 1000, NULL), PDB_OK);
        char value[16];
        int size = snprintf(value, sizeof value, "c%lld", (long long)(r % 37));
        cr_assert_eq(column_append_string(categories, value, (size_t)size, NULL), PDB_OK);
    }
    struct identifier_index *int_index = build(ints, NULL), *category_index = build(categories, NULL);
    unsigned char key[IDENTIFIER_KEY_INT_SIZE];
    cr_assert_eq(identifier_index_find(int_index, ints, identifier_key_int(-1000, key), sizeof key), 0u);
    cr_assert_eq(identifier_index_find(int_index, ints, identifier_key_int(999, key), sizeof key), 1999u);
    cr_assert_eq(identifier_index_find(int_index, ints, identifier_key_int(1000, key), sizeof key), IDENTIFIER_INDEX_NO_ROW);
    cr_assert_eq(find_text(category_index, categories, "c36"), 36u);
    cr_assert_eq(find_text(category_index, categories, "c37"), IDENTIFIER_INDEX_NO_ROW);
    cr_assert_eq(identifier_index_key_count(category_index), 37u);
    cr_assert_lt(identifier_index_memory_size(category_index), 16384u, "sized by the dictionary, not the rows");
    cr_assert_eq(identifier_index_validate(int_index, ints), 0);
    cr_assert_eq(identifier_index_validate(category_index, categories), 0);
    identifier_index_destroy(int_index);
    identifier_index_destroy(category_index);
    column_destroy(ints);
    column_destroy(categories);
}

Test(identifier_index, duplicates_inside_one_insert_batch_keep_the_first)
{
    struct column *column = make_column(PDB_TYPE_TEXT);
    for (uint32_t r = 0; r < 1000; r++) {
        char key[16];
        int size = snprintf(key, sizeof key, "d%u", r / 3); /* rows 3k, 3k+1, 3k+2 share a key */
        cr_assert_eq(column_append_string(column, key, (size_t)size, NULL), PDB_OK);
    }
    struct identifier_index *index = build(column, NULL);
    cr_assert_eq(identifier_index_key_count(index), 334u);
    for (uint32_t k = 0; k < 334; k++) {
        char key[16];
        snprintf(key, sizeof key, "d%u", k);
        cr_assert_eq(find_text(index, column, key), 3 * k, "%s", key);
    }
    cr_assert_eq(identifier_index_validate(index, column), 0);
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, wrong_types_are_refused)
{
    struct identifier_index *index = NULL;
    cr_assert_eq(identifier_index_create(PDB_TYPE_FLOAT, NULL, &index, NULL), PDB_ERR_USAGE);
    cr_assert_null(index);
    struct column *column = make_column(PDB_TYPE_INT);
    cr_assert_eq(column_append_int(column, 1, NULL), PDB_OK);
    cr_assert_eq(identifier_index_create(PDB_TYPE_TEXT, NULL, &index, NULL), PDB_OK);
    cr_assert_eq(identifier_index_extend(index, column, 1, NULL), PDB_ERR_USAGE);
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, validate_catches_a_changed_column)
{
    struct column *column = make_column(PDB_TYPE_TEXT);
    append_text_rows(column, 0, 100, 1000);
    struct identifier_index *index = build(column, NULL);
    cr_assert_eq(identifier_index_validate(index, column), 0);
    column->chunks[0].text_bytes[column->chunks[0].offsets[5] + 1] = 'X'; /* "k5" -> "kX" */
    cr_assert_neq(identifier_index_validate(index, column), 0);
    identifier_index_destroy(index);
    column_destroy(column);
}

/* A hash with few values: long probe runs that wrap, so deletions must shift slots back. */
static uint64_t weak_hash(const void *data, size_t size)
{
    uint64_t h = 0;
    for (size_t i = 0; i < size; i++) h = h * 31u + ((const unsigned char *)data)[i];
    return h % 61u + (h % 3u) * 0xfffffff0ull; /* tags near the top and bottom of the table */
}

/* Keys changed in place (remove_row before, insert_row after), checked by validate and by a
 * find of every old and new key; unique keys keep the index, a duplicate-holding one says so. */
static void change_keys_in_place(identifier_hash_fn hash, uint32_t modulus)
{
    struct column *column = make_column(PDB_TYPE_INT);
    const uint32_t rows = 3000;
    for (uint32_t r = 0; r < rows; r++) cr_assert_eq(column_append_int(column, r % modulus, NULL), PDB_OK);
    cr_assert_eq(column_seal(column, NULL), PDB_OK);
    struct identifier_index *index = build(column, hash);
    cr_assert_eq(identifier_index_has_duplicates(index), modulus < rows);
    uint64_t state = 99;
    for (uint32_t u = 0; u < 4000; u++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t row = (uint32_t)(state >> 33) % rows;
        struct column_chunk *chunk = &column->chunks[0];
        unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
        bool was_null = column_chunk_is_null(chunk, row);
        int64_t old = column_chunk_int(chunk, row);
        bool removed = !was_null && identifier_index_remove_row(index, row, identifier_key_int(old, buffer), 8);
        if (removed && identifier_index_has_duplicates(index)) { /* the writer drops the index */
            identifier_index_destroy(index);
            index = NULL;
            break;
        }
        int64_t value = modulus < rows ? (int64_t)((state >> 40) % modulus) : 100000 + u; /* new, unique */
        if ((state >> 20) % 9 == 0) column_chunk_set_null(chunk, PDB_TYPE_INT, row);
        else cr_assert_eq(column_chunk_set_int(chunk, PDB_TYPE_INT, row, value), 0);
        cr_assert_eq(identifier_index_insert_row(index, column, row, NULL), PDB_OK);
        if (u % 500 == 0) cr_assert_eq(identifier_index_validate(index, column), 0, "after %u changes", u);
    }
    if (modulus >= rows) {
        cr_assert_not_null(index, "unique keys never drop the index");
        cr_assert_eq(identifier_index_validate(index, column), 0);
        for (uint32_t r = 0; r < rows; r++) {
            const struct column_chunk *chunk = &column->chunks[0];
            unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
            if (column_chunk_is_null(chunk, r)) continue;
            cr_assert_eq(identifier_index_find(index, column, identifier_key_int(column_chunk_int(chunk, r), buffer), 8), r);
        }
        unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
        cr_assert_eq(identifier_index_find(index, column, identifier_key_int(-5, buffer), 8), IDENTIFIER_INDEX_NO_ROW);
    } else {
        cr_assert_null(index, "a removed lowest row with duplicates about drops the index");
    }
    identifier_index_destroy(index);
    column_destroy(column);
}

Test(identifier_index, unique_keys_changed_in_place_stay_indexed)
{
    change_keys_in_place(NULL, 1u << 30);
}

Test(identifier_index, unique_keys_changed_in_place_with_a_weak_hash)
{
    change_keys_in_place(weak_hash, 1u << 30);
}

Test(identifier_index, duplicate_keys_changed_in_place_report_a_possible_loss)
{
    change_keys_in_place(weak_hash, 700);
}
