/*
 * Tests for column/codec_constant.c: one value for every non-NULL row of bool, int,
 * timestamp, float and category chunks; the codec declines mixed chunks (0.0 and -0.0 are
 * different); hostile constants are corrupt: a bool other than 0/1, NaN or infinite floats,
 * codes beyond the dictionary, a value in an all-NULL block.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "base/bitset.h"
#include "test_codec_support.h"

Test(codec_constant, round_trips_one_value_with_and_without_nulls)
{
    static const enum pdb_type types[] = {PDB_TYPE_BOOL, PDB_TYPE_INT, PDB_TYPE_TIMESTAMP,
                                          PDB_TYPE_FLOAT, PDB_TYPE_CATEGORY};
    for (size_t t = 0; t < 5; t++) {
        for (int nulls = 0; nulls < CODEC_TEST_NULLS_COUNT; nulls++) {
            struct column_chunk chunk;
            codec_test_chunk_make(&chunk, types[t], 1000, (enum codec_test_nulls)nulls, 0, 42, 1);
            size_t size;
            cr_assert(codec_test_round_trip(&chunk, types[t], BLOCK_ENCODING_CONSTANT, 100,
                                            pdb_type_name(types[t]), &size));
            if (nulls == CODEC_TEST_NULLS_NONE || nulls == CODEC_TEST_NULLS_ALL)
                cr_assert_eq(size, 24u + 8u);
            column_chunk_deinit(&chunk);
        }
    }
}

Test(codec_constant, declines_chunks_of_two_values)
{
    struct column_chunk chunk;
    cr_assert_eq(column_chunk_init(&chunk, PDB_TYPE_FLOAT), 0);
    chunk.row_count = 2;
    chunk.floats[0] = 0.0;
    chunk.floats[1] = -0.0;
    column_chunk_refresh_summary(&chunk, PDB_TYPE_FLOAT);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode_as(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_CONSTANT, &block, NULL),
                 PDB_ERR_USAGE, "0.0 and -0.0 differ");
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_PLAIN, 0, "-0.0", NULL));
    column_chunk_deinit(&chunk);
    buffer_deinit(&block);
}

static void constant_block(struct buffer *block, enum pdb_type type, uint32_t rows,
                           uint32_t nulls, uint64_t value)
{
    uint8_t payload[8];
    store_u64(payload, value);
    codec_test_block_make(block, type, BLOCK_ENCODING_CONSTANT, rows, nulls, payload, 8);
}

Test(codec_constant, hostile_constants_are_corrupt)
{
    struct buffer block;
    constant_block(&block, PDB_TYPE_BOOL, 10, 0, 2);
    codec_test_expect_corrupt(&block, PDB_TYPE_BOOL, 0, "bool constant", "bool 2");
    buffer_deinit(&block);
    double nan_value = NAN, inf_value = -INFINITY;
    uint64_t bits;
    memcpy(&bits, &nan_value, 8);
    constant_block(&block, PDB_TYPE_FLOAT, 10, 0, bits);
    codec_test_expect_corrupt(&block, PDB_TYPE_FLOAT, 0, "NaN", "NaN");
    buffer_deinit(&block);
    memcpy(&bits, &inf_value, 8);
    constant_block(&block, PDB_TYPE_FLOAT, 10, 0, bits);
    codec_test_expect_corrupt(&block, PDB_TYPE_FLOAT, 0, "infinite", "-inf");
    buffer_deinit(&block);
    constant_block(&block, PDB_TYPE_CATEGORY, 10, 0, 7);
    codec_test_expect_corrupt(&block, PDB_TYPE_CATEGORY, 7, "dictionary", "code 7 of 7");
    buffer_deinit(&block);
    constant_block(&block, PDB_TYPE_CATEGORY, 10, 0, 1ull << 32);
    codec_test_expect_corrupt(&block, PDB_TYPE_CATEGORY, UINT32_MAX, "dictionary", "code 2^32");
    buffer_deinit(&block);
    constant_block(&block, PDB_TYPE_INT, 10, 10, 5);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "all-NULL", "all NULL with a value");
    buffer_deinit(&block);
    uint8_t short_payload[7] = {0};
    codec_test_block_make(&block, PDB_TYPE_INT, BLOCK_ENCODING_CONSTANT, 3, 0, short_payload, 7);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "too short", "7 bytes");
    buffer_deinit(&block);
    constant_block(&block, PDB_TYPE_TEXT, 3, 0, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "does not apply", "text constant");
    buffer_deinit(&block);
}
