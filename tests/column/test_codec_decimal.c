/*
 * Tests for column/codec_decimal.c (DECIMAL, float): prices parsed from text ("12.34")
 * round-trip bit for bit as int64 cents, the smallest exponent is chosen, the chooser takes
 * DECIMAL for such chunks; values that are not short decimals (0.1 + 0.2, -0.0, 1e300, the
 * smallest subnormal) make the codec decline; a hostile exponent is corrupt.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/bitset.h"
#include "test_codec_support.h"

static void make_floats(struct column_chunk *chunk, const double *values, uint32_t rows)
{
    cr_assert_eq(column_chunk_init(chunk, PDB_TYPE_FLOAT), 0);
    chunk->row_count = rows;
    for (uint32_t row = 0; row < rows; row++) chunk->floats[row] = values[row];
    column_chunk_refresh_summary(chunk, PDB_TYPE_FLOAT);
}

/* The exponent of a DECIMAL block without NULLs (payload offset 0). */
static uint32_t exponent_of(const struct column_chunk *chunk)
{
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode_as(chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, &block, NULL), PDB_OK);
    uint32_t exponent = load_u32(block.data + BLOCK_HEADER_SIZE);
    buffer_deinit(&block);
    return exponent;
}

Test(codec_decimal, prices_parsed_from_text_round_trip_as_cents)
{
    enum { ROWS = 20000 };
    double *values = malloc(ROWS * sizeof *values);
    uint64_t state = 5;
    for (uint32_t row = 0; row < ROWS; row++) {
        long long cents = (long long)(codec_test_random(&state) % 2000000) - 1000000;
        char text[32];
        snprintf(text, sizeof text, "%s%lld.%02lld", cents < 0 ? "-" : "", llabs(cents) / 100,
                 llabs(cents) % 100);
        values[row] = strtod(text, NULL);
        if (values[row] == 0.0) values[row] = 0.0; /* ingest folds -0.0 */
    }
    struct column_chunk chunk;
    make_floats(&chunk, values, ROWS);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 0, "cents", NULL));
    cr_assert_eq(exponent_of(&chunk), 2u);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(&chunk, PDB_TYPE_FLOAT, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_DECIMAL);
    cr_assert_lt(block.size, (size_t)ROWS * 3u, "about 21 bits a price instead of 64");
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
    free(values);
}

Test(codec_decimal, chooses_the_smallest_exponent)
{
    double integers[] = {1.0, -7.0, 1e15, 0.0};
    double tenths[] = {1.5, 2.0, -0.1};
    double nine_digits[] = {0.123456789, 1.000000001};
    struct column_chunk chunk;
    make_floats(&chunk, integers, 4);
    cr_assert_eq(exponent_of(&chunk), 0u);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 0, "integers", NULL));
    column_chunk_deinit(&chunk);
    make_floats(&chunk, tenths, 3);
    cr_assert_eq(exponent_of(&chunk), 1u);
    column_chunk_deinit(&chunk);
    make_floats(&chunk, nine_digits, 2);
    cr_assert_eq(exponent_of(&chunk), 9u);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 0, "nine", NULL));
    column_chunk_deinit(&chunk);
}

Test(codec_decimal, declines_values_that_are_not_short_decimals)
{
    double cases[][2] = {{0.1 + 0.2, 1.0}, {-0.0, 1.0}, {1e300, 1.0}, {4.9e-324, 1.0},
                         {9007199254740993.0 * 4, 1.0}, {1.0 / 3.0, 1.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct column_chunk chunk;
        make_floats(&chunk, cases[i], 2);
        struct buffer block;
        buffer_init(&block);
        cr_assert_eq(block_encode_as(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, &block, NULL),
                     PDB_ERR_USAGE, "case %zu: %.17g", i, cases[i][0]);
        /* The chooser falls back to an exact codec. */
        cr_assert_eq(block_encode(&chunk, PDB_TYPE_FLOAT, &block, NULL), PDB_OK);
        cr_assert_neq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_DECIMAL);
        cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_FLOAT, 0, NULL), PDB_OK);
        buffer_deinit(&block);
        column_chunk_deinit(&chunk);
    }
}

Test(codec_decimal, null_rows_decode_as_zero)
{
    double values[] = {12.5, 0.0, 99.99};
    struct column_chunk chunk;
    make_floats(&chunk, values, 3);
    bitset_set(chunk.nulls, 1);
    column_chunk_refresh_summary(&chunk, PDB_TYPE_FLOAT);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 0, "nulls", NULL));
    column_chunk_deinit(&chunk);
}

Test(codec_decimal, hostile_exponent_is_corrupt)
{
    struct buffer payload, block;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u32(&payload, 10), 0);
    cr_assert_eq(buffer_append_u64(&payload, 0), 0);
    cr_assert_eq(buffer_append_u32(&payload, 0), 0);
    codec_test_block_make(&block, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 5, 0, payload.data, payload.size);
    codec_test_expect_corrupt(&block, PDB_TYPE_FLOAT, 0, "exponent 10", "exponent 10");
    buffer_deinit(&block);
    store_u32(payload.data, 9); /* fine: five zeros */
    codec_test_block_make(&block, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 5, 0, payload.data, payload.size);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_FLOAT, 0, NULL), PDB_OK);
    buffer_deinit(&block);
    /* Any int64 decodes to a finite value: the widest frame cannot produce NaN. */
    buffer_reset(&payload);
    cr_assert_eq(buffer_append_u32(&payload, 0), 0);
    cr_assert_eq(buffer_append_u64(&payload, (uint64_t)INT64_MIN), 0);
    cr_assert_eq(buffer_append_u32(&payload, 64), 0);
    cr_assert_eq(buffer_append_u64(&payload, UINT64_MAX), 0);
    codec_test_block_make(&block, PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL, 1, 0, payload.data, payload.size);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_FLOAT, 0, NULL), PDB_OK);
    buffer_deinit(&block);
    buffer_deinit(&payload);
}
