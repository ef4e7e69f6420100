/*
 * Tests for column/codec_lz4.c: the LZ4 codec wins on repetitive data and loses to PLAIN on
 * random data; decompression bombs (a claimed plain size far above what the type allows or
 * what the compressed bytes can expand to) are refused without allocating; damaged LZ4 data
 * or data that decompresses to a different size is corrupt; the size bound helper.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "column/codec_common.h"
#include "test_codec_support.h"

static void make_floats(struct column_chunk *chunk, uint32_t rows, bool random_bits)
{
    cr_assert_eq(column_chunk_init(chunk, PDB_TYPE_FLOAT), 0);
    chunk->row_count = rows;
    uint64_t state = 17;
    for (uint32_t row = 0; row < rows; row++) {
        chunk->floats[row] = random_bits ? (double)codec_test_random(&state) / 3.0
                                         : (double)(row % 16) / 3.0;
    }
    column_chunk_refresh_summary(chunk, PDB_TYPE_FLOAT);
}

Test(codec_lz4, wins_on_repetitive_floats_and_loses_on_random_ones)
{
    struct column_chunk chunk;
    make_floats(&chunk, 4096, false);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(&chunk, PDB_TYPE_FLOAT, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_LZ4);
    cr_assert_eq(load_u64(block.data + BLOCK_HEADER_SIZE), 4096u * 8u, "plain size");
    cr_assert(codec_test_round_trip(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_LZ4, 0, "lz4", NULL));
    column_chunk_deinit(&chunk);
    buffer_reset(&block);
    make_floats(&chunk, 4096, true);
    cr_assert_eq(block_encode(&chunk, PDB_TYPE_FLOAT, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_PLAIN);
    column_chunk_deinit(&chunk);
    buffer_deinit(&block);
}

Test(codec_lz4, size_bound)
{
    cr_assert(codec_lz4_size_is_possible(1, 0));
    cr_assert(codec_lz4_size_is_possible(1, 256));
    cr_assert_not(codec_lz4_size_is_possible(1, 257));
    cr_assert_not(codec_lz4_size_is_possible(0, 0));
    cr_assert(codec_lz4_size_is_possible(4096, 1u << 20));
    cr_assert_not(codec_lz4_size_is_possible(SIZE_MAX / 2, (uint64_t)CODEC_LZ4_INPUT_SIZE_MAX + 1));
}

/* An LZ4 block: the claimed plain size, then `data` as the compressed bytes. */
static void lz4_block(struct buffer *block, enum pdb_type type, uint32_t rows, uint64_t plain_size,
                      const void *data, size_t size)
{
    struct buffer payload;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, plain_size), 0);
    cr_assert_eq(buffer_append(&payload, data, size), 0);
    codec_test_block_make(block, type, BLOCK_ENCODING_LZ4, rows, 0, payload.data, payload.size);
    buffer_deinit(&payload);
}

Test(codec_lz4, decompression_bombs_are_refused_without_allocating)
{
    static uint8_t junk[100];
    memset(junk, 0x1f, sizeof junk);
    struct buffer block;
    /* 1 TiB claimed. */
    lz4_block(&block, PDB_TYPE_TEXT, 10, 1ull << 40, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "outside", "1 TiB text");
    buffer_deinit(&block);
    /* 3 GiB of text: allowed for the type, but 100 LZ4 bytes expand to at most 25,600. */
    lz4_block(&block, PDB_TYPE_TEXT, PDB_CHUNK_ROWS, 3ull << 30, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "cannot hold", "3 GiB text");
    buffer_deinit(&block);
    /* A full int chunk is exactly 512 KiB of plain payload: not from 100 bytes either. */
    lz4_block(&block, PDB_TYPE_INT, PDB_CHUNK_ROWS, PDB_CHUNK_ROWS * 8u, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "cannot hold", "512 KiB ints");
    buffer_deinit(&block);
    /* Fixed-width types: any other plain size is wrong. */
    lz4_block(&block, PDB_TYPE_INT, 10, 81, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_INT, 0, "outside", "81 bytes for 10 ints");
    buffer_deinit(&block);
    /* Tags: more than 1,024 codes a row. */
    lz4_block(&block, PDB_TYPE_TAGS, 1, 8u + 4u * 1025u, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_TAGS, 0, "outside", "1,025 tag codes");
    buffer_deinit(&block);
}

Test(codec_lz4, damaged_or_short_data_is_corrupt)
{
    struct column_chunk chunk;
    make_floats(&chunk, 2000, false);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode_as(&chunk, PDB_TYPE_FLOAT, BLOCK_ENCODING_LZ4, &block, NULL), PDB_OK);
    /* Claim half the rows: the data decompresses to more than expected. */
    struct buffer half;
    buffer_init(&half);
    cr_assert_eq(buffer_append(&half, block.data, block.size), 0);
    store_u32(half.data + 8, 1000);
    store_u64(half.data + BLOCK_HEADER_SIZE, 8000);
    struct pdb_error error = {0};
    cr_assert_eq(codec_test_decode_copy(half.data, half.size, PDB_TYPE_FLOAT, 0, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "LZ4") != NULL, "%s", error.message);
    /* Compress 80 bytes, claim the 160 of 20 floats: the data holds fewer bytes. */
    uint8_t plain[80] = {0};
    struct buffer compressed;
    buffer_init(&compressed);
    cr_assert_eq(codec_lz4_append(&compressed, plain, sizeof plain), CODEC_ENCODED);
    struct buffer short_block;
    lz4_block(&short_block, PDB_TYPE_FLOAT, 20, 160, compressed.data, compressed.size);
    cr_assert_eq(codec_test_decode_copy(short_block.data, short_block.size, PDB_TYPE_FLOAT, 0, &error),
                 PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "holds 80 bytes, expected 160") != NULL, "%s", error.message);
    buffer_deinit(&short_block);
    buffer_deinit(&compressed);
    buffer_deinit(&half);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
}
