/*
 * Tests for column/codec_dict.c (DICT_BITPACK, category): codes pack at the width of their
 * range, NULL rows decode as code 0, and hostile frames are corrupt: a width above 32, a
 * base that does not fit 32 bits, codes at or beyond the dictionary size (naming the row).
 */
#include <criterion/criterion.h>

#include "base/bitset.h"
#include "test_codec_support.h"

Test(codec_dict, packs_codes_at_the_width_of_their_range)
{
    struct column_chunk chunk;
    cr_assert_eq(column_chunk_init(&chunk, PDB_TYPE_CATEGORY), 0);
    cr_assert_eq(column_chunk_lanes_widen(&chunk, PDB_TYPE_CATEGORY), 0);
    chunk.row_count = 1000;
    uint64_t state = 1;
    for (uint32_t row = 0; row < 1000; row++)
        column_chunk_lane_store(&chunk, row, 300 + codec_test_random(&state) % 40); /* 6 bits */
    column_chunk_lane_store(&chunk, 0, 300);
    column_chunk_lane_store(&chunk, 1, 339);
    column_chunk_lane_store(&chunk, 10, 0);
    bitset_set(chunk.nulls, 10);
    column_chunk_refresh_summary(&chunk, PDB_TYPE_CATEGORY);
    cr_assert_eq(chunk.null_count, 1u);
    cr_assert_eq(chunk.min_int, 300);
    cr_assert_eq(chunk.max_int, 339);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(&chunk, PDB_TYPE_CATEGORY, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_DICT_BITPACK);
    /* NULLS form 1 with one index (6 bytes), base 300, width 6, ceil(6000 / 64) words. */
    cr_assert_eq(block.size, 24u + 6u + 12u + 94u * 8u);
    cr_assert_eq(load_u64(block.data + 30), 300u);
    cr_assert_eq(load_u32(block.data + 38), 6u);
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_CATEGORY, BLOCK_ENCODING_DICT_BITPACK, 340, "codes", NULL));
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
}

static void frame_block(struct buffer *block, uint32_t rows, uint64_t base, uint32_t width,
                        uint64_t first_word)
{
    struct buffer payload;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, base), 0);
    cr_assert_eq(buffer_append_u32(&payload, width), 0);
    uint64_t words = ((uint64_t)rows * width + 63) / 64;
    for (uint64_t w = 0; w < words; w++) cr_assert_eq(buffer_append_u64(&payload, w ? 0 : first_word), 0);
    codec_test_block_make(block, PDB_TYPE_CATEGORY, BLOCK_ENCODING_DICT_BITPACK, rows, 0,
                          payload.data, payload.size);
    buffer_deinit(&payload);
}

Test(codec_dict, hostile_frames_are_corrupt)
{
    struct buffer block;
    frame_block(&block, 4, 0, 33, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_CATEGORY, 100, "width 33", "width 33");
    buffer_deinit(&block);
    frame_block(&block, 4, 1ull << 32, 0, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_CATEGORY, 100, "32 bits", "base above 32 bits");
    buffer_deinit(&block);
    /* codes 0, 1, 2, 3 from a 2-bit frame; a 3-entry dictionary lacks code 3 (row 3) */
    frame_block(&block, 4, 0, 2, 0xe4);
    codec_test_expect_corrupt_decoded(&block, PDB_TYPE_CATEGORY, 3, "row 3", "code 3 of 3 entries");
    buffer_deinit(&block);
    frame_block(&block, 4, 5, 0, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_CATEGORY, 5, "row 0", "constant code == size");
    buffer_deinit(&block);
    /* The same frame is fine with 4 entries. */
    frame_block(&block, 4, 0, 2, 0xe4);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_CATEGORY, 4, NULL), PDB_OK);
    buffer_deinit(&block);
}
