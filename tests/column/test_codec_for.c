/*
 * Tests for column/codec_for.c (FOR_BITPACK, int and timestamp): the full int64 range at
 * width 64, widths chosen from the non-NULL range only, NULL rows decoding as 0 whatever the
 * base, and hostile frames: width above 64, packed words missing or extra.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "base/bitset.h"
#include "test_codec_support.h"

static void make_ints(struct column_chunk *chunk, const int64_t *values, const bool *nulls,
                      uint32_t rows)
{
    cr_assert_eq(column_chunk_init(chunk, PDB_TYPE_INT), 0);
    cr_assert_eq(column_chunk_lanes_widen(chunk, PDB_TYPE_INT), 0);
    chunk->row_count = rows;
    for (uint32_t row = 0; row < rows; row++) {
        if (nulls && nulls[row])
            column_chunk_lane_store(chunk, row, 0);
        else
            column_chunk_int_store(chunk, row, values[row]);
        if (nulls && nulls[row]) {
            bitset_set(chunk->nulls, row);
            chunk->null_count++;
        }
    }
    column_chunk_refresh_summary(chunk, PDB_TYPE_INT);
}

Test(codec_for, packs_int64_min_to_max_at_width_64)
{
    int64_t values[] = {INT64_MAX, INT64_MIN, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1};
    struct column_chunk chunk;
    make_ints(&chunk, values, NULL, 7);
    size_t size;
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 0, "full range", &size));
    cr_assert_eq(size, 24u + 12u + 7u * 8u);
    column_chunk_deinit(&chunk);
}

Test(codec_for, width_comes_from_non_null_values_and_nulls_decode_as_zero)
{
    int64_t values[] = {1000000, 0, 1000003, 1000001};
    bool nulls[] = {false, true, false, false};
    struct column_chunk chunk;
    make_ints(&chunk, values, nulls, 4);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode_as(&chunk, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, &block, NULL), PDB_OK);
    /* NULLS: form 1 (2 bytes of list beat 8 of bitset), then base 1000000 and width 2. */
    cr_assert_eq(load_u32(block.data + 24), 1u);
    cr_assert_eq(load_u64(block.data + 30), 1000000u);
    cr_assert_eq(load_u32(block.data + 38), 2u);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 0, "nulls", NULL));
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
}

Test(codec_for, hostile_frames_are_corrupt)
{
    struct buffer payload, block;
    /* width 65 */
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, 0), 0);
    cr_assert_eq(buffer_append_u32(&payload, 65), 0);
    cr_assert_eq(buffer_append_zeros(&payload, 8 * 65), 0);
    codec_test_block_make(&block, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 64, 0, payload.data, payload.size);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "width 65", "width 65");
    buffer_deinit(&block);
    buffer_deinit(&payload);

    /* width 64, 3 rows: needs 24 packed bytes */
    for (size_t packed = 0; packed <= 32; packed += 8) {
        if (packed == 24) continue;
        buffer_init(&payload);
        cr_assert_eq(buffer_append_u64(&payload, 0), 0);
        cr_assert_eq(buffer_append_u32(&payload, 64), 0);
        cr_assert_eq(buffer_append_zeros(&payload, packed), 0);
        codec_test_block_make(&block, PDB_TYPE_TIMESTAMP, BLOCK_ENCODING_FOR_BITPACK, 3, 0,
                              payload.data, payload.size);
        codec_test_expect_corrupt(&block, PDB_TYPE_TIMESTAMP, 0, NULL, "packed size");
        buffer_deinit(&block);
        buffer_deinit(&payload);
    }

    /* A frame shorter than its own header. */
    uint8_t short_frame[10] = {0};
    codec_test_block_make(&block, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 1, 0, short_frame, 10);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "too short", "short frame");
    buffer_deinit(&block);
}
