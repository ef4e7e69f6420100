/*
 * Tests for column/codec_nulls.c, the null section of the compact codecs: the writer picks
 * the smallest form (bitset, NULL rows, non-NULL rows; none for no or all NULLs) and every
 * form decodes to the same bitset; hostile sections (unknown form, indexes out of order or
 * beyond the rows, bits beyond the rows, a count that differs from the header) are corrupt.
 * Blocks are built with FOR_BITPACK over int chunks, whose payload opens with the section.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "test_codec_support.h"

/* Encodes an int chunk of `rows` rows, NULL where is_null(row), as FOR_BITPACK. */
static void encode_with_nulls(uint32_t rows, bool (*is_null)(uint32_t), struct buffer *block,
                              struct column_chunk *chunk)
{
    cr_assert_eq(column_chunk_init(chunk, PDB_TYPE_INT), 0);
    cr_assert_eq(column_chunk_lanes_widen(chunk, PDB_TYPE_INT), 0);
    chunk->row_count = rows;
    for (uint32_t row = 0; row < rows; row++) {
        column_chunk_lane_store(chunk, row, 0);
        if (is_null(row)) {
            chunk->nulls[row / 64] |= 1ull << (row % 64);
            chunk->null_count++;
        } else {
            column_chunk_int_store(chunk, row, 7);
        }
    }
    column_chunk_refresh_summary(chunk, PDB_TYPE_INT);
    buffer_init(block);
    cr_assert_eq(block_encode_as(chunk, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, block, NULL), PDB_OK);
    struct column_chunk decoded;
    cr_assert_eq(column_chunk_init(&decoded, PDB_TYPE_INT), 0);
    struct pdb_error error = {0};
    cr_assert_eq(block_decode(block->data, block->size, PDB_TYPE_INT, 0, &decoded, &error), PDB_OK,
                 "%s", error.message);
    codec_test_assert_chunks_equal(chunk, &decoded, PDB_TYPE_INT, "nulls");
    column_chunk_deinit(&decoded);
}

static bool none(uint32_t row) { (void)row; return false; }
static bool all(uint32_t row) { (void)row; return true; }
static bool half(uint32_t row) { return row % 2 == 0; }
static bool sparse(uint32_t row) { return row % 1000 == 999; }
static bool dense(uint32_t row) { return row % 1000 != 999; }
static bool first_four(uint32_t row) { return row < 4; }

/* Payload size of the null section (the frame after it is 12 bytes: width 0). */
static size_t section_size(const struct buffer *block)
{
    return block->size - BLOCK_HEADER_SIZE - 12u;
}

Test(codec_nulls, writer_picks_the_smallest_form)
{
    struct buffer block;
    struct column_chunk chunk;
    encode_with_nulls(PDB_CHUNK_ROWS, none, &block, &chunk);
    cr_assert_eq(section_size(&block), 0u, "no NULL: no section");
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);

    encode_with_nulls(PDB_CHUNK_ROWS, all, &block, &chunk);
    cr_assert_eq(section_size(&block), 0u, "all NULL: no section");
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);

    encode_with_nulls(PDB_CHUNK_ROWS, half, &block, &chunk);
    cr_assert_eq(load_u32(block.data + 24), 0u, "half NULL: bitset");
    cr_assert_eq(section_size(&block), 4u + 8192u);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);

    encode_with_nulls(PDB_CHUNK_ROWS, sparse, &block, &chunk);
    cr_assert_eq(load_u32(block.data + 24), 1u, "sparse NULLs: NULL rows");
    cr_assert_eq(section_size(&block), 4u + 65u * 2u);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);

    encode_with_nulls(PDB_CHUNK_ROWS, dense, &block, &chunk);
    cr_assert_eq(load_u32(block.data + 24), 2u, "mostly NULL: non-NULL rows");
    cr_assert_eq(section_size(&block), 4u + 65u * 2u);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);

    /* 64 rows, 4 NULLs: 8 bytes of list or 8 of bitset; ties go to the bitset. */
    encode_with_nulls(64, first_four, &block, &chunk);
    cr_assert_eq(load_u32(block.data + 24), 0u, "a tie: bitset");
    cr_assert_eq(section_size(&block), 4u + 8u);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
}

/* FOR_BITPACK int block over `rows` rows with `nulls` NULLs: the section given, then a
 * width-0 frame with base 0. */
static void hand_block(struct buffer *block, uint32_t rows, uint32_t nulls, const void *section,
                       size_t section_bytes)
{
    struct buffer payload;
    buffer_init(&payload);
    cr_assert_eq(buffer_append(&payload, section, section_bytes), 0);
    cr_assert_eq(buffer_append_u64(&payload, 0), 0);
    cr_assert_eq(buffer_append_u32(&payload, 0), 0);
    codec_test_block_make(block, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, rows, nulls,
                          payload.data, payload.size);
    buffer_deinit(&payload);
}

Test(codec_nulls, hostile_sections_are_corrupt)
{
    struct buffer block;
    uint8_t section[4 + 16] = {0};

    section[0] = 3;
    hand_block(&block, 10, 2, section, 8);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "unknown form", "form 3");
    buffer_deinit(&block);

    /* NULL rows: out of order, repeated, beyond the rows, too few bytes. */
    uint8_t rows_list[4 + 6] = {1, 0, 0, 0, 5, 0, 3, 0};
    hand_block(&block, 10, 2, rows_list, 8);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "out of order", "descending");
    buffer_deinit(&block);
    rows_list[6] = 5;
    hand_block(&block, 10, 2, rows_list, 8);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "out of order", "repeated");
    buffer_deinit(&block);
    rows_list[6] = 10;
    hand_block(&block, 10, 2, rows_list, 8);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "beyond", "row 10 of 10");
    buffer_deinit(&block);
    hand_block(&block, 10, 3, rows_list, 8);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, NULL, "three NULLs, two indexes");
    buffer_deinit(&block);

    /* Non-NULL rows (form 2): a beyond-the-rows index. */
    uint8_t present[4 + 2] = {2, 0, 0, 0, 40, 0};
    hand_block(&block, 10, 9, present, 6);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "beyond", "present row 40 of 10");
    buffer_deinit(&block);

    /* Bitset (form 0): a bit beyond the rows; a popcount that differs from the header. */
    uint8_t bits[4 + 8] = {0, 0, 0, 0, 0x01, 0x04};
    hand_block(&block, 10, 2, bits, 12);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "beyond", "bit 10 of 10 rows");
    buffer_deinit(&block);
    bits[5] = 0x02;
    hand_block(&block, 10, 3, bits, 12);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "header says 3", "two bits, header 3");
    buffer_deinit(&block);
    hand_block(&block, 10, 2, bits, 10);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "too short", "bitset cut short");
    buffer_deinit(&block);
}
