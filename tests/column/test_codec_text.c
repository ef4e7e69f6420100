/*
 * Tests for column/codec_text.c (TEXT_LZ4): byte lengths bit-packed in place of offsets,
 * bytes LZ4-compressed when that is smaller and raw otherwise; hostile blocks are corrupt
 * before any allocation when sizes cannot be right (an unknown form, lengths that do not add
 * up to the total, a value above PDB_TEXT_VALUE_SIZE_MAX, a total the LZ4 bytes cannot
 * expand to) and after decompression when the LZ4 data is damaged.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "test_codec_support.h"

static struct column *text_column(uint32_t rows, bool random_bytes)
{
    struct attribute attribute = {.name = "t", .type = PDB_TYPE_TEXT};
    struct column *column = column_create(&attribute);
    uint64_t state = 11;
    for (uint32_t row = 0; row < rows; row++) {
        char text[16];
        for (int i = 0; i < 16; i++)
            text[i] = random_bytes ? (char)codec_test_random(&state) : "customer-0000000"[i];
        if (!random_bytes) text[15] = (char)('0' + row % 10);
        cr_assert_eq(column_append_string(column, text, 16, NULL), PDB_OK);
    }
    return column;
}

/* Offset of the form field in a TEXT_LZ4 payload without NULLs and with a width-0 length
 * frame: frame 12 bytes, total 8. */
#define FORM_AT (BLOCK_HEADER_SIZE + 12u + 8u)

Test(codec_text, compresses_repetitive_text_and_stores_random_bytes_raw)
{
    struct column *column = text_column(5000, false);
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(&column->chunks[0], PDB_TYPE_TEXT, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_TEXT_LZ4);
    cr_assert_eq(load_u32(block.data + BLOCK_HEADER_SIZE + 8), 0u, "all lengths 16: width 0");
    cr_assert_eq(load_u64(block.data + BLOCK_HEADER_SIZE + 12), 5000u * 16u);
    cr_assert_eq(load_u32(block.data + FORM_AT), 1u, "LZ4 form");
    cr_assert_lt(block.size, 5000u * 16u / 4u);
    cr_assert(codec_test_round_trip(&column->chunks[0], PDB_TYPE_TEXT, BLOCK_ENCODING_TEXT_LZ4, 0, "text", NULL));
    buffer_deinit(&block);
    column_destroy(column);

    column = text_column(5000, true);
    buffer_init(&block);
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_TEXT, BLOCK_ENCODING_TEXT_LZ4, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + FORM_AT), 0u, "raw form");
    cr_assert_eq(block.size, FORM_AT + 4u + 5000u * 16u);
    cr_assert(codec_test_round_trip(&column->chunks[0], PDB_TYPE_TEXT, BLOCK_ENCODING_TEXT_LZ4, 0, "random", NULL));
    buffer_deinit(&block);
    column_destroy(column);
}

/* A TEXT_LZ4 payload: no NULLs, lengths frame (base, width 0), total, form, data. */
static void text_block(struct buffer *block, uint32_t rows, uint64_t length, uint64_t total,
                       uint32_t form, const void *data, size_t data_size)
{
    struct buffer payload;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, length), 0);
    cr_assert_eq(buffer_append_u32(&payload, 0), 0);
    cr_assert_eq(buffer_append_u64(&payload, total), 0);
    cr_assert_eq(buffer_append_u32(&payload, form), 0);
    cr_assert_eq(buffer_append(&payload, data, data_size), 0);
    codec_test_block_make(block, PDB_TYPE_TEXT, BLOCK_ENCODING_TEXT_LZ4, rows, 0, payload.data, payload.size);
    buffer_deinit(&payload);
}

Test(codec_text, hostile_blocks_are_corrupt)
{
    static uint8_t junk[8192];
    memset(junk, 0x11, sizeof junk);
    struct buffer block;
    text_block(&block, 2, 3, 6, 2, "abcdef", 6);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "unknown text form", "form 2");
    buffer_deinit(&block);
    text_block(&block, 2, 3, 6, 0, "abcde", 5);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "raw text", "raw bytes short");
    buffer_deinit(&block);
    text_block(&block, 2, 3, 7, 0, "abcdefg", 7);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "add up to 6", "lengths 6, total 7");
    buffer_deinit(&block);
    /* A value above PDB_TEXT_VALUE_SIZE_MAX, checked before decompressing. */
    text_block(&block, 1, PDB_TEXT_VALUE_SIZE_MAX + 1u, PDB_TEXT_VALUE_SIZE_MAX + 1u, 1, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "above", "one value of 1 MiB + 1");
    buffer_deinit(&block);
    /* A bomb: 65,536 values of 65,535 bytes (4 GiB) claimed by 100 LZ4 bytes. */
    text_block(&block, PDB_CHUNK_ROWS, 65535, (uint64_t)PDB_CHUNK_ROWS * 65535u, 1, junk, 100);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, "cannot hold", "4 GiB bomb");
    buffer_deinit(&block);
    /* Lengths adding up beyond PDB_CHUNK_TEXT_BYTES_MAX. */
    text_block(&block, PDB_CHUNK_ROWS, PDB_TEXT_VALUE_SIZE_MAX, (uint64_t)PDB_CHUNK_ROWS * PDB_TEXT_VALUE_SIZE_MAX,
               1, junk, sizeof junk);
    codec_test_expect_corrupt(&block, PDB_TYPE_TEXT, 0, NULL, "64 GiB of text");
    buffer_deinit(&block);
    /* Plausible sizes, damaged LZ4 data: corrupt after the (small) allocation. */
    text_block(&block, 4, 100, 400, 1, junk, 64);
    struct pdb_error error = {0};
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_TEXT, 0, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "LZ4") != NULL, "%s", error.message);
    buffer_deinit(&block);
}
