/*
 * Tests for index/roaring_wrapper.c (index_bitmap.h): building containers of every kind from
 * positions and from chunk bitsets, extracting chunk bitsets (compared with a naive model),
 * the NULL-is-empty convention, cardinalities, and the portable form: round trips, every
 * truncation, byte flips, and hand-made portable bitmaps that parse but break an invariant.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/bitset.h"
#include "base/buffer.h"
#include "base/limits.h"
#include "index/index_bitmap.h"
#include "index_test_support.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static uint64_t model[PDB_CHUNK_WORDS], got[PDB_CHUNK_WORDS];
static uint16_t positions[PDB_CHUNK_ROWS];

/* Positions of the set bits of words, ascending; returns their count. */
static uint32_t positions_of(const uint64_t *words)
{
    uint32_t count = 0;
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++)
        if (bitset_test(words, row)) positions[count++] = (uint16_t)row;
    return count;
}

static void random_words(uint64_t *words, uint64_t *state, uint32_t percent)
{
    bitset_zero(words);
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++)
        if (support_random(state) % 100u < percent) bitset_set(words, row);
}

static void set_range(uint64_t *words, uint32_t begin, uint32_t end)
{
    for (uint32_t row = begin; row < end; row++)
        bitset_set(words, row);
}

/* Checks chunk `chunk_index` of bitmap against `expected` through every read function. */
static void check_chunk(const struct index_bitmap *bitmap, uint32_t chunk_index,
                        const uint64_t *expected)
{
    memset(got, 0xA5, sizeof got); /* garbage: index_chunk_bitset must write every word */
    index_chunk_bitset(bitmap, chunk_index, got);
    cr_assert_arr_eq(got, expected, sizeof got, "chunk %u", chunk_index);
    cr_assert_eq(index_chunk_cardinality(bitmap, chunk_index), bitset_count(expected));
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row += 61) {
        cr_assert_eq(index_bitmap_contains(bitmap, chunk_index * PDB_CHUNK_ROWS + row),
                     bitset_test(expected, row), "row %u of chunk %u", row, chunk_index);
    }
    cr_assert_eq(index_bitmap_contains(bitmap, chunk_index * PDB_CHUNK_ROWS + 65535u),
                 bitset_test(expected, 65535u));
}

/* ---- Building and extracting ------------------------------------------------------------ */

Test(roaring_wrapper, append_positions_picks_each_container_kind)
{
    static uint64_t chunks[6][PDB_CHUNK_WORDS];
    uint64_t state = 42;
    memset(chunks, 0, sizeof chunks);
    random_words(chunks[0], &state, 1);  /* ~655 rows: array */
    random_words(chunks[1], &state, 30); /* ~19,660 rows: bitset */
    set_range(chunks[2], 0, 30000);      /* two runs */
    set_range(chunks[2], 40000, 40010);
    bitset_set(chunks[5], 65535u); /* one row at the very end */

    struct index_bitmap *bitmap = index_bitmap_create();
    cr_assert_not_null(bitmap);
    uint64_t total = 0;
    for (uint32_t chunk_index = 0; chunk_index < 6; chunk_index++) {
        uint32_t count = positions_of(chunks[chunk_index]);
        total += count;
        if (count > 0)
            cr_assert_eq(index_bitmap_append_positions(bitmap, chunk_index, positions, count), 0);
    }
    struct index_bitmap_statistics statistics;
    index_bitmap_statistics(bitmap, &statistics);
    cr_assert_eq(statistics.array_containers, 2u);
    cr_assert_eq(statistics.bitset_containers, 1u);
    cr_assert_eq(statistics.run_containers, 1u);
    cr_assert_eq(statistics.chunk_count, 4u);
    cr_assert_eq(statistics.cardinality, total);
    cr_assert_eq(index_bitmap_cardinality(bitmap), total);
    cr_assert_eq(statistics.serialized_size, index_bitmap_serialized_size(bitmap));
    for (uint32_t chunk_index = 0; chunk_index < 6; chunk_index++)
        check_chunk(bitmap, chunk_index, chunks[chunk_index]);
    cr_assert_eq(index_bitmap_validate(bitmap, 6u * PDB_CHUNK_ROWS), 0);
    cr_assert_eq(index_bitmap_validate(bitmap, 5u * PDB_CHUNK_ROWS + 65535u), -1,
                 "row 5 * 65536 + 65535 is beyond that row count");
    index_bitmap_destroy(bitmap);
}

Test(roaring_wrapper, append_words_round_trips_edge_patterns)
{
    static uint64_t patterns[12][PDB_CHUNK_WORDS];
    uint64_t state = 7;
    memset(patterns, 0, sizeof patterns);
    bitset_fill(patterns[0], PDB_CHUNK_ROWS); /* every row: one run */
    for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++)
        patterns[1][w] = 0x5555555555555555ull;
    bitset_set(patterns[2], 0);      /* first row only */
    bitset_set(patterns[3], 65535u); /* last row only */
    set_range(patterns[4], 63, 65);  /* across a word boundary */
    set_range(patterns[4], 127, 192);
    set_range(patterns[4], 65000, 65536); /* run to the end */
    random_words(patterns[5], &state, 1);
    random_words(patterns[6], &state, 50);
    /* patterns[7]: empty, appends nothing. */
    for (uint32_t row = 0; row < 4096; row++)
        bitset_set(patterns[8], row * 16u); /* 4096 */
    for (uint32_t row = 0; row < 4097; row++)
        bitset_set(patterns[9], row * 15u); /* 4097 */
    for (uint32_t run = 0; run < 2047; run++)
        set_range(patterns[10], run * 32u, run * 32u + 9u);
    for (uint32_t run = 0; run < 2048; run++)
        set_range(patterns[11], run * 32u, run * 32u + 9u);

    struct index_bitmap *bitmap = index_bitmap_create();
    cr_assert_not_null(bitmap);
    for (uint32_t i = 0; i < 12; i++)
        cr_assert_eq(index_bitmap_append_words(bitmap, i, patterns[i]), 0);
    struct index_bitmap_statistics statistics;
    index_bitmap_statistics(bitmap, &statistics);
    cr_assert_eq(statistics.chunk_count, 11u, "the empty chunk has no container");
    cr_assert(statistics.array_containers > 0 && statistics.bitset_containers > 0 &&
              statistics.run_containers > 0);
    for (uint32_t i = 0; i < 12; i++)
        check_chunk(bitmap, i, patterns[i]);
    cr_assert_eq(index_bitmap_validate(bitmap, 12u * PDB_CHUNK_ROWS), 0);

    /* The same sets through append_positions give the same bitsets. */
    struct index_bitmap *other = index_bitmap_create();
    cr_assert_not_null(other);
    for (uint32_t i = 0; i < 12; i++) {
        uint32_t count = positions_of(patterns[i]);
        if (count > 0) cr_assert_eq(index_bitmap_append_positions(other, i, positions, count), 0);
    }
    for (uint32_t i = 0; i < 12; i++)
        check_chunk(other, i, patterns[i]);
    cr_assert_eq(index_bitmap_serialized_size(other), index_bitmap_serialized_size(bitmap));
    index_bitmap_destroy(other);
    index_bitmap_destroy(bitmap);
}

Test(roaring_wrapper, chunk_bitset_or_keeps_existing_bits)
{
    static uint64_t a[PDB_CHUNK_WORDS], b[PDB_CHUNK_WORDS], expected[PDB_CHUNK_WORDS];
    uint64_t state = 99;
    struct index_bitmap *bitmaps[3];
    uint32_t percents[3] = {1, 40, 0};
    for (uint32_t i = 0; i < 3; i++) {
        bitmaps[i] = index_bitmap_create();
        cr_assert_not_null(bitmaps[i]);
        random_words(a, &state, percents[i]);
        if (i == 2) set_range(a, 100, 20000); /* a run container */
        cr_assert_eq(index_bitmap_append_words(bitmaps[i], 3, a), 0);
    }
    random_words(b, &state, 5);
    memcpy(expected, b, sizeof b);
    for (uint32_t i = 0; i < 3; i++) {
        index_chunk_bitset(bitmaps[i], 3, a);
        bitset_or_inplace(expected, a);
        index_chunk_bitset_or(bitmaps[i], 3, b);
        index_chunk_bitset_or(bitmaps[i], 2, b); /* a chunk without container: no change */
    }
    cr_assert_arr_eq(b, expected, sizeof b);
    for (uint32_t i = 0; i < 3; i++)
        index_bitmap_destroy(bitmaps[i]);
}

Test(roaring_wrapper, null_handle_is_the_empty_set)
{
    memset(got, 0xFF, sizeof got);
    index_chunk_bitset(NULL, 0, got);
    bitset_zero(model);
    cr_assert_arr_eq(got, model, sizeof got);
    index_chunk_bitset_or(NULL, 0, got);
    cr_assert_arr_eq(got, model, sizeof got);
    cr_assert_eq(index_bitmap_cardinality(NULL), 0u);
    cr_assert_not(index_bitmap_contains(NULL, 0));
    cr_assert_eq(index_chunk_cardinality(NULL, 0), 0u);
    cr_assert_eq(index_bitmap_serialized_size(NULL), 0u);
    cr_assert_eq(index_bitmap_validate(NULL, 0), 0);
    cr_assert_eq(index_bitmap_and_cardinality(NULL, NULL), 0u);
    struct index_bitmap_statistics statistics;
    index_bitmap_statistics(NULL, &statistics);
    cr_assert_eq(statistics.cardinality + statistics.chunk_count, 0u);
    index_bitmap_destroy(NULL);
}

Test(roaring_wrapper, chunks_beyond_the_keys_are_empty)
{
    struct index_bitmap *bitmap = index_bitmap_create();
    cr_assert_not_null(bitmap);
    bitset_fill(model, PDB_CHUNK_ROWS);
    cr_assert_eq(index_bitmap_append_words(bitmap, 65535u, model), 0); /* the last key */
    check_chunk(bitmap, 65535u, model);
    bitset_zero(model);
    check_chunk(bitmap, 0, model);
    memset(got, 0xFF, sizeof got);
    index_chunk_bitset(bitmap, 65536u, got);
    cr_assert_arr_eq(got, model, sizeof got);
    index_chunk_bitset(bitmap, UINT32_MAX, got);
    cr_assert_arr_eq(got, model, sizeof got);
    cr_assert(index_bitmap_contains(bitmap, UINT32_MAX));
    cr_assert_eq(index_bitmap_cardinality(bitmap), PDB_CHUNK_ROWS);
    index_bitmap_destroy(bitmap);
}

Test(roaring_wrapper, and_cardinality_matches_chunk_bitsets)
{
    static uint64_t a[PDB_CHUNK_WORDS], b[PDB_CHUNK_WORDS];
    uint64_t state = 5;
    struct index_bitmap *left = index_bitmap_create(), *right = index_bitmap_create();
    cr_assert(left != NULL && right != NULL);
    uint32_t left_percent[4] = {1, 50, 100, 0}, right_percent[4] = {50, 50, 3, 20};
    for (uint32_t chunk_index = 0; chunk_index < 4; chunk_index++) {
        random_words(a, &state, left_percent[chunk_index]);
        random_words(b, &state, right_percent[chunk_index]);
        cr_assert_eq(index_bitmap_append_words(left, chunk_index, a), 0);
        cr_assert_eq(index_bitmap_append_words(right, chunk_index, b), 0);
    }
    uint64_t expected = 0;
    for (uint32_t chunk_index = 0; chunk_index < 4; chunk_index++) {
        index_chunk_bitset(left, chunk_index, a);
        index_chunk_bitset(right, chunk_index, b);
        bitset_and_inplace(a, b);
        expected += bitset_count(a);
    }
    cr_assert_eq(index_bitmap_and_cardinality(left, right), expected);
    index_bitmap_destroy(left);
    index_bitmap_destroy(right);
}

/* ---- Portable form ---------------------------------------------------------------------- */

/* A bitmap over 3 chunks + 17 rows with an array, a bitset and a run container. */
static struct index_bitmap *mixed_bitmap(void)
{
    static uint64_t words[PDB_CHUNK_WORDS];
    uint64_t state = 11;
    struct index_bitmap *bitmap = index_bitmap_create();
    cr_assert_not_null(bitmap);
    random_words(words, &state, 1);
    cr_assert_eq(index_bitmap_append_words(bitmap, 0, words), 0);
    random_words(words, &state, 20);
    cr_assert_eq(index_bitmap_append_words(bitmap, 1, words), 0);
    bitset_zero(words);
    set_range(words, 5, 40000);
    cr_assert_eq(index_bitmap_append_words(bitmap, 2, words), 0);
    bitset_zero(words);
    set_range(words, 3, 9);
    bitset_set(words, 16);
    cr_assert_eq(index_bitmap_append_words(bitmap, 3, words), 0);
    return bitmap;
}

static void check_same_chunks(const struct index_bitmap *a, const struct index_bitmap *b)
{
    static uint64_t words_a[PDB_CHUNK_WORDS], words_b[PDB_CHUNK_WORDS];
    for (uint32_t chunk_index = 0; chunk_index < 5; chunk_index++) {
        index_chunk_bitset(a, chunk_index, words_a);
        index_chunk_bitset(b, chunk_index, words_b);
        cr_assert_arr_eq(words_a, words_b, sizeof words_a, "chunk %u", chunk_index);
    }
}

Test(roaring_wrapper, portable_form_round_trips)
{
    struct index_bitmap *bitmap = mixed_bitmap();
    size_t size = index_bitmap_serialized_size(bitmap);
    uint8_t *bytes = malloc(size);
    cr_assert_not_null(bytes);
    index_bitmap_serialize(bitmap, bytes);

    struct index_bitmap *copy = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(index_bitmap_deserialize(bytes, size, SUPPORT_ROWS, &copy, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_not_null(copy);
    check_same_chunks(bitmap, copy);
    cr_assert_eq(index_bitmap_cardinality(copy), index_bitmap_cardinality(bitmap));
    cr_assert_eq(index_bitmap_serialized_size(copy), size);
    uint8_t *again = malloc(size);
    cr_assert_not_null(again);
    index_bitmap_serialize(copy, again);
    cr_assert_arr_eq(again, bytes, size);

    /* The highest row is 3 * 65536 + 16: a row count of exactly that is one too few. */
    struct index_bitmap *untouched = (struct index_bitmap *)&error;
    cr_assert_eq(index_bitmap_deserialize(bytes, size, SUPPORT_ROWS - 1u, &untouched, &error),
                 PDB_ERR_CORRUPT);
    cr_assert_eq(untouched, (struct index_bitmap *)&error, "out-parameter untouched on failure");
    cr_assert_eq(error.status, PDB_ERR_CORRUPT);

    free(again);
    free(bytes);
    index_bitmap_destroy(copy);
    index_bitmap_destroy(bitmap);
}

Test(roaring_wrapper, empty_bytes_are_the_empty_set)
{
    struct index_bitmap *bitmap = (struct index_bitmap *)&bitmap;
    cr_assert_eq(index_bitmap_deserialize((const uint8_t *)"", 0, 0, &bitmap, NULL), PDB_OK);
    cr_assert_null(bitmap);

    /* An empty bitmap written by CRoaring is 8 bytes and reads back empty. */
    struct index_bitmap *empty = index_bitmap_create();
    cr_assert_not_null(empty);
    uint8_t bytes[64];
    size_t size = index_bitmap_serialized_size(empty);
    cr_assert_leq(size, sizeof bytes);
    index_bitmap_serialize(empty, bytes);
    cr_assert_eq(index_bitmap_deserialize(bytes, size, 0, &bitmap, NULL), PDB_OK);
    cr_assert_not_null(bitmap);
    cr_assert_eq(index_bitmap_cardinality(bitmap), 0u);
    index_bitmap_destroy(bitmap);
    index_bitmap_destroy(empty);
}

Test(roaring_wrapper, every_truncation_and_extension_is_corrupt)
{
    struct index_bitmap *bitmap = mixed_bitmap();
    size_t size = index_bitmap_serialized_size(bitmap);
    uint8_t *bytes = malloc(size + 1);
    cr_assert_not_null(bytes);
    index_bitmap_serialize(bitmap, bytes);
    bytes[size] = 0;
    for (size_t cut = 1; cut < size; cut++) {
        /* An exact-size copy, so that a read past the end is outside the allocation (visible
         * to ASan's interceptors and to valgrind, which also sees CRoaring's own loads). */
        uint8_t *exact = malloc(cut);
        cr_assert_not_null(exact);
        memcpy(exact, bytes, cut);
        struct index_bitmap *out = NULL;
        struct pdb_error error = {0};
        cr_assert_eq(index_bitmap_deserialize(exact, cut, SUPPORT_ROWS, &out, &error),
                     PDB_ERR_CORRUPT, "cut at %zu of %zu", cut, size);
        cr_assert_null(out);
        free(exact);
    }
    struct index_bitmap *out = NULL;
    cr_assert_eq(index_bitmap_deserialize(bytes, size + 1, SUPPORT_ROWS, &out, NULL),
                 PDB_ERR_CORRUPT, "a trailing byte");
    free(bytes);
    index_bitmap_destroy(bitmap);
}

Test(roaring_wrapper, byte_flips_are_corrupt_or_valid)
{
    struct index_bitmap *bitmap = mixed_bitmap();
    size_t size = index_bitmap_serialized_size(bitmap);
    uint8_t *bytes = malloc(size);
    cr_assert_not_null(bytes);
    index_bitmap_serialize(bitmap, bytes);
    static const uint8_t masks[] = {0x01, 0x80, 0xFF, 0x10};
    uint32_t corrupt = 0, valid = 0;
    for (size_t at = 0; at < size; at++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            bytes[at] ^= masks[m];
            struct index_bitmap *out = NULL;
            enum pdb_status status =
                index_bitmap_deserialize(bytes, size, SUPPORT_ROWS, &out, NULL);
            bytes[at] ^= masks[m];
            if (status == PDB_OK) {
                /* A flip inside a bitset's bits or an array's values can stay valid: then
                 * every read must still work. */
                cr_assert_eq(index_bitmap_validate(out, SUPPORT_ROWS), 0);
                for (uint32_t chunk_index = 0; chunk_index < 5; chunk_index++) {
                    index_chunk_bitset(out, chunk_index, got);
                    cr_assert_eq(bitset_count(got), index_chunk_cardinality(out, chunk_index));
                }
                valid++;
            } else {
                cr_assert_eq(status, PDB_ERR_CORRUPT, "flip %#x at %zu", masks[m], at);
                corrupt++;
            }
            index_bitmap_destroy(out);
        }
    }
    cr_assert_gt(corrupt, 0u);
    cr_assert_gt(valid, 0u);
    free(bytes);
    index_bitmap_destroy(bitmap);
}

/* ---- Hand-made portable bitmaps (RoaringFormatSpec) that parse but break an invariant ---- */

enum { COOKIE_NO_RUNS = 12346, COOKIE_RUNS = 12347 };

static void put16(struct buffer *buffer, uint16_t value)
{
    uint8_t bytes[2] = {(uint8_t)value, (uint8_t)(value >> 8)};
    cr_assert_eq(buffer_append(buffer, bytes, 2), 0);
}

/* An array-only bitmap: containers (key, values) with 32-bit offsets. */
static void array_bitmap(struct buffer *out, const uint16_t *keys, const uint16_t *const *values,
                         const uint16_t *counts, uint32_t container_count)
{
    buffer_reset(out);
    cr_assert_eq(buffer_append_u32(out, COOKIE_NO_RUNS), 0);
    cr_assert_eq(buffer_append_u32(out, container_count), 0);
    for (uint32_t i = 0; i < container_count; i++) {
        put16(out, keys[i]);
        put16(out, (uint16_t)(counts[i] - 1u));
    }
    uint32_t offset = 8u + 8u * container_count;
    for (uint32_t i = 0; i < container_count; i++) {
        cr_assert_eq(buffer_append_u32(out, offset), 0);
        offset += 2u * counts[i];
    }
    for (uint32_t i = 0; i < container_count; i++)
        for (uint32_t j = 0; j < counts[i]; j++)
            put16(out, values[i][j]);
}

/* One run container at key 0 with the given (start, length - 1) pairs. */
static void run_bitmap(struct buffer *out, const uint16_t *pairs, uint16_t run_count,
                       uint16_t stated_cardinality)
{
    buffer_reset(out);
    cr_assert_eq(buffer_append_u32(out, COOKIE_RUNS), 0); /* (1 container - 1) << 16 */
    uint8_t run_flags = 1;
    cr_assert_eq(buffer_append(out, &run_flags, 1), 0);
    put16(out, 0);
    put16(out, (uint16_t)(stated_cardinality - 1u));
    put16(out, run_count);
    for (uint32_t i = 0; i < 2u * run_count; i++)
        put16(out, pairs[i]);
}

static enum pdb_status read_bytes(const struct buffer *bytes, uint64_t row_count)
{
    struct index_bitmap *bitmap = NULL;
    enum pdb_status status =
        index_bitmap_deserialize(bytes->data, bytes->size, row_count, &bitmap, NULL);
    index_bitmap_destroy(bitmap);
    return status;
}

Test(roaring_wrapper, hand_made_bitmaps_are_checked)
{
    struct buffer bytes;
    buffer_init(&bytes);

    uint16_t keys[2] = {0, 1};
    uint16_t sorted[3] = {3, 5, 9}, unsorted[3] = {5, 3, 9}, repeated[3] = {3, 3, 9};
    uint16_t counts[2] = {3, 3};
    const uint16_t *values[2] = {sorted, sorted};
    array_bitmap(&bytes, keys, values, counts, 2);
    cr_assert_eq(read_bytes(&bytes, 2u * PDB_CHUNK_ROWS), PDB_OK, "the well-formed control");
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS + 9u), PDB_ERR_CORRUPT, "row 65545 too high");
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "key 1 too high");

    values[0] = unsorted;
    array_bitmap(&bytes, keys, values, counts, 2);
    cr_assert_eq(read_bytes(&bytes, 2u * PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "unsorted array");
    values[0] = repeated;
    array_bitmap(&bytes, keys, values, counts, 2);
    cr_assert_eq(read_bytes(&bytes, 2u * PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "repeated value");
    values[0] = sorted;
    keys[0] = 1;
    keys[1] = 0;
    array_bitmap(&bytes, keys, values, counts, 2);
    cr_assert_eq(read_bytes(&bytes, 2u * PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "keys descend");
    keys[0] = 0;
    array_bitmap(&bytes, keys, values, counts, 2);
    cr_assert_eq(read_bytes(&bytes, 2u * PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "keys repeat");

    uint16_t good_runs[4] = {0, 10, 20, 5};
    run_bitmap(&bytes, good_runs, 2, 17);
    cr_assert_eq(read_bytes(&bytes, 26), PDB_OK, "runs [0, 10] and [20, 25]");
    cr_assert_eq(read_bytes(&bytes, 25), PDB_ERR_CORRUPT, "row 25 too high");
    uint16_t overlapping[4] = {0, 10, 5, 2};
    run_bitmap(&bytes, overlapping, 2, 14);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "overlapping runs");
    uint16_t descending[4] = {20, 1, 0, 1};
    run_bitmap(&bytes, descending, 2, 4);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "runs out of order");
    uint16_t overflowing[2] = {65530, 10};
    run_bitmap(&bytes, overflowing, 1, 11);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "run past the chunk");
    run_bitmap(&bytes, NULL, 0, 1);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "no runs");

    /* A bitset container (cardinality > 4096) whose stated cardinality is not its popcount. */
    buffer_reset(&bytes);
    cr_assert_eq(buffer_append_u32(&bytes, COOKIE_NO_RUNS), 0);
    cr_assert_eq(buffer_append_u32(&bytes, 1), 0);
    put16(&bytes, 0);
    put16(&bytes, 5000 - 1);
    cr_assert_eq(buffer_append_u32(&bytes, 16), 0);
    size_t bits_at = bytes.size;
    cr_assert_eq(buffer_append_zeros(&bytes, PDB_CHUNK_WORDS * 8u), 0);
    for (uint32_t row = 0; row < 5000; row++)
        bytes.data[bits_at + row / 8u] |= 1u << (row % 8u);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_OK, "5000 rows, stated 5000");
    bytes.data[bits_at + 5000 / 8u] |= 1u << (5000 % 8u);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "5001 rows, stated 5000");
    bytes.data[bits_at] = 0;
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "4993 rows, stated 5000");

    /* A cookie that is neither format. */
    buffer_reset(&bytes);
    cr_assert_eq(buffer_append_u32(&bytes, 12345), 0);
    cr_assert_eq(buffer_append_u32(&bytes, 0), 0);
    cr_assert_eq(read_bytes(&bytes, PDB_CHUNK_ROWS), PDB_ERR_CORRUPT, "bad cookie");
    buffer_deinit(&bytes);
}
