/*
 * Tests for index/value_index_serialize.c: round trips of category, tags and empty indexes;
 * the checksum catching every truncation and a byte flip anywhere; and, with the checksum
 * recomputed ("resealed") so the parser itself is exercised, every truncation, byte flips
 * and hand-edited header fields. A result is always PDB_ERR_CORRUPT or an index whose
 * bitmaps pass index_bitmap_validate; never a crash (run under ASan too). Allocation
 * failures while writing and reading.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "index/value_index.h"
#include "index_test_support.h"

#define HEADER_SIZE 32u
#define CHECKSUM_SIZE 8u

static uint64_t words[PDB_CHUNK_WORDS];

static struct value_index *build(const struct column *column)
{
    struct value_index *index = NULL;
    cr_assert_eq(value_index_build(column, &index, NULL), PDB_OK);
    return index;
}

static void serialize(const struct value_index *index, struct buffer *out)
{
    buffer_init(out);
    cr_assert_eq(value_index_serialize(index, out), 0);
}

/* Rewrites the trailing checksum of bytes[0 .. size). */
static void reseal(uint8_t *bytes, size_t size)
{
    store_u64(bytes + size - CHECKSUM_SIZE, checksum_bytes(bytes, size - CHECKSUM_SIZE));
}

/* Deserialises; on success checks what can be checked without the column and reads every
 * chunk of every bitmap. Returns the status. */
static enum pdb_status read_checked(const uint8_t *bytes, size_t size)
{
    struct value_index *index = NULL;
    struct pdb_error error = {0};
    enum pdb_status status = value_index_deserialize(bytes, size, &index, &error);
    if (status != PDB_OK) {
        cr_assert_eq(status, PDB_ERR_CORRUPT, "status %d: %s", status, error.message);
        cr_assert_null(index);
        cr_assert_neq(error.message[0], '\0');
        return status;
    }
    cr_assert_eq(index_bitmap_validate(index->nulls, index->row_count), 0);
    uint32_t chunk_count = (uint32_t)((index->row_count + PDB_CHUNK_ROWS - 1u) / PDB_CHUNK_ROWS);
    for (uint32_t code = 0; code < index->bitmap_count; code++) {
        const struct index_bitmap *bitmap = value_index_bitmap(index, code);
        cr_assert_eq(index_bitmap_validate(bitmap, index->row_count), 0);
        cr_assert_eq(index_bitmap_cardinality(bitmap), value_index_cardinality(index, code));
        for (uint32_t chunk_index = 0; chunk_index < chunk_count; chunk_index++) {
            index_chunk_bitset(bitmap, chunk_index, words);
            cr_assert_eq(bitset_count(words), index_chunk_cardinality(bitmap, chunk_index));
        }
    }
    value_index_destroy(index);
    return status;
}

/* A small category index with every container kind: 65536 + 17 rows, ~10 KB serialised. */
static struct column *small_fixture(void)
{
    struct column *column = support_column("tier", PDB_TYPE_CATEGORY);
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS + 17u; row++) {
        const char *value = row % 9u == 0     ? NULL
                            : row < 6000u     ? "dense"  /* bitset: ~5,300 rows */
                            : row < 20000u    ? "run"    /* runs broken by NULLs */
                            : row % 50u == 1u ? "sparse" /* array */
                                              : "rest";
        support_append_category(column, value);
    }
    return column;
}

/* ---- Round trips -------------------------------------------------------------------------- */

static void check_round_trip(const struct column *column)
{
    struct value_index *index = build(column);
    struct buffer bytes;
    serialize(index, &bytes);
    struct value_index *copy = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(value_index_deserialize(bytes.data, bytes.size, &copy, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(copy->type, index->type);
    cr_assert_eq(copy->row_count, index->row_count);
    cr_assert_eq(copy->bitmap_count, index->bitmap_count);
    cr_assert_eq(copy->null_count, index->null_count);
    support_check_index(copy, column);
    cr_assert_eq(value_index_validate(copy, column), 0);
    struct buffer again;
    serialize(copy, &again);
    cr_assert_eq(again.size, bytes.size);
    cr_assert_arr_eq(again.data, bytes.data, bytes.size);
    buffer_deinit(&again);
    buffer_deinit(&bytes);
    value_index_destroy(copy);
    value_index_destroy(index);
}

Test(value_index_serialize, category_round_trips)
{
    struct column *column = support_category_fixture(SUPPORT_ROWS);
    check_round_trip(column);
    column_destroy(column);
}

Test(value_index_serialize, tags_round_trip)
{
    struct column *column = support_tags_fixture(SUPPORT_ROWS);
    check_round_trip(column);
    column_destroy(column);
}

Test(value_index_serialize, empty_and_sparse_indexes_round_trip)
{
    struct column *column = support_column("empty", PDB_TYPE_TAGS);
    check_round_trip(column); /* no rows: header, one empty null bitmap, checksum */
    struct value_index *index = build(column);
    struct buffer bytes;
    serialize(index, &bytes);
    cr_assert_eq(bytes.size, HEADER_SIZE + 4u + CHECKSUM_SIZE);
    buffer_deinit(&bytes);
    value_index_destroy(index);

    uint32_t unused;
    cr_assert_eq(dictionary_intern(&column->dictionary, "never", 5, &unused, NULL), PDB_OK);
    support_append_tags(column, NULL, UINT32_MAX);
    check_round_trip(column); /* a code without rows: an empty record */
    column_destroy(column);
}

Test(value_index_serialize, appends_after_existing_bytes)
{
    struct column *column = small_fixture();
    struct value_index *index = build(column);
    struct buffer bytes;
    buffer_init(&bytes);
    cr_assert_eq(buffer_append(&bytes, "prefix", 6), 0);
    cr_assert_eq(value_index_serialize(index, &bytes), 0);
    cr_assert_arr_eq(bytes.data, "prefix", 6);
    struct value_index *copy = NULL;
    cr_assert_eq(value_index_deserialize(bytes.data + 6, bytes.size - 6, &copy, NULL), PDB_OK);
    cr_assert_eq(value_index_validate(copy, column), 0);
    value_index_destroy(copy);
    buffer_deinit(&bytes);
    value_index_destroy(index);
    column_destroy(column);
}

/* ---- Corruption ----------------------------------------------------------------------------- */

Test(value_index_serialize, every_truncation_is_corrupt)
{
    struct column *column = small_fixture();
    struct value_index *index = build(column);
    struct buffer bytes;
    serialize(index, &bytes);
    for (size_t cut = 0; cut < bytes.size; cut++) {
        /* As is: the checksum (or the size check) catches it. */
        cr_assert_eq(read_checked(bytes.data, cut), PDB_ERR_CORRUPT, "cut at %zu", cut);
        /* Resealed: the parser must catch it on its own. An exact-size copy, so a read past
         * the end leaves the allocation. */
        if (cut >= HEADER_SIZE + CHECKSUM_SIZE) {
            uint8_t *exact = malloc(cut);
            cr_assert_not_null(exact);
            memcpy(exact, bytes.data, cut);
            reseal(exact, cut);
            cr_assert_eq(read_checked(exact, cut), PDB_ERR_CORRUPT, "resealed cut at %zu", cut);
            free(exact);
        }
    }
    buffer_deinit(&bytes);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index_serialize, byte_flips_are_corrupt_or_valid)
{
    struct column *column = small_fixture();
    struct value_index *index = build(column);
    struct buffer bytes;
    serialize(index, &bytes);
    uint64_t state = 17;
    uint32_t resealed_valid = 0, resealed_corrupt = 0;
    for (size_t at = 0; at < bytes.size; at++) {
        uint8_t mask = (uint8_t)(1u + support_random(&state) % 255u);
        bytes.data[at] ^= mask;
        cr_assert_eq(read_checked(bytes.data, bytes.size), PDB_ERR_CORRUPT, "flip at %zu", at);
        /* Resealed, on a sample of positions (every header byte, then every 3rd). */
        if (at < HEADER_SIZE + 64u || at % 3u == 0) {
            if (at < bytes.size - CHECKSUM_SIZE) {
                reseal(bytes.data, bytes.size);
                if (read_checked(bytes.data, bytes.size) == PDB_OK)
                    resealed_valid++;
                else
                    resealed_corrupt++;
            }
        }
        bytes.data[at] ^= mask;
        reseal(bytes.data, bytes.size);
    }
    cr_assert_gt(resealed_corrupt, 0u);
    cr_assert_gt(resealed_valid, 0u, "flips inside bitset words stay structurally valid");
    cr_assert_eq(read_checked(bytes.data, bytes.size), PDB_OK);
    buffer_deinit(&bytes);
    value_index_destroy(index);
    column_destroy(column);
}

Test(value_index_serialize, header_fields_are_checked)
{
    struct column *column = small_fixture();
    struct value_index *index = build(column);
    struct buffer bytes;
    serialize(index, &bytes);
    uint8_t *edit = malloc(bytes.size + 16);
    cr_assert_not_null(edit);
    struct {
        size_t offset;
        uint32_t width;
        uint64_t value;
        const char *what;
    } edits[] = {
        {0, 4, 0x58444956u, "magic"},
        {8, 4, 2, "version"},
        {12, 4, PDB_TYPE_TEXT, "type"},
        {12, 4, 77, "type out of range"},
        {16, 8, (uint64_t)PDB_ROWS_MAX + 1u, "row count over the limit"},
        {16, 8, PDB_CHUNK_ROWS, "row count below the rows present"},
        {24, 4, 0xFFFFFFFFu, "bitmap count over the limit"},
        {24, 4, 1u << 29, "bitmap count the bytes cannot hold"},
        {24, 4, 3, "bitmap count one too few: trailing bytes"},
        {24, 4, 5, "bitmap count one too many"},
        {28, 4, 1, "reserved"},
        {HEADER_SIZE, 4, 0xFFFFFFF0u, "null bitmap size overruns"},
    };
    cr_assert_eq(index->bitmap_count, 4u);
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(edit, bytes.data, bytes.size);
        if (edits[i].width == 4)
            store_u32(edit + edits[i].offset, (uint32_t)edits[i].value);
        else
            store_u64(edit + edits[i].offset, edits[i].value);
        reseal(edit, bytes.size);
        cr_assert_eq(read_checked(edit, bytes.size), PDB_ERR_CORRUPT, "%s", edits[i].what);
    }
    /* Trailing bytes after a resealed image. */
    memcpy(edit, bytes.data, bytes.size - CHECKSUM_SIZE);
    memset(edit + bytes.size - CHECKSUM_SIZE, 0, 4);
    reseal(edit, bytes.size + 4);
    cr_assert_eq(read_checked(edit, bytes.size + 4), PDB_ERR_CORRUPT, "trailing bytes");
    /* A larger row count is structurally fine. */
    memcpy(edit, bytes.data, bytes.size);
    store_u64(edit + 16, 10u * PDB_CHUNK_ROWS);
    reseal(edit, bytes.size);
    cr_assert_eq(read_checked(edit, bytes.size), PDB_OK);
    free(edit);
    buffer_deinit(&bytes);
    value_index_destroy(index);
    column_destroy(column);
}

/* ---- Allocation failures -------------------------------------------------------------------- */

Test(value_index_serialize, allocation_failures)
{
    struct column *column = small_fixture();
    struct value_index *index = build(column);

    struct buffer bytes;
    buffer_init(&bytes);
    cr_assert_eq(buffer_append(&bytes, "x", 1), 0);
    mem_fail_after(0);
    int result = value_index_serialize(index, &bytes);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(result, -1);
    cr_assert_eq(bytes.size, 1u, "the buffer is as it was");
    buffer_reset(&bytes);
    cr_assert_eq(value_index_serialize(index, &bytes), 0);

    uint64_t fail_after = 0;
    for (;; fail_after++) {
        cr_assert_lt(fail_after, 16u);
        struct value_index *copy = (struct value_index *)&fail_after;
        struct pdb_error error = {0};
        mem_fail_after(fail_after);
        enum pdb_status status = value_index_deserialize(bytes.data, bytes.size, &copy, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(value_index_validate(copy, column), 0);
            value_index_destroy(copy);
            break;
        }
        cr_assert_eq(status, PDB_ERR_NO_MEMORY, "%s", error.message);
        cr_assert_eq(copy, (struct value_index *)&fail_after, "out-parameter untouched");
    }
    cr_assert_geq(fail_after, 3u, "index, bitmaps and cardinalities are allocated");
    buffer_deinit(&bytes);
    value_index_destroy(index);
    column_destroy(column);
}
