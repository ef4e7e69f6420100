/*
 * Tests for column/codec_tags.c (TAGS_BITPACK): counts and codes packed in two frames;
 * hostile blocks are corrupt, the impossible ones before any allocation: more than
 * PDB_TAGS_PER_VALUE_MAX tags in a row, more distinct tags than the code frame's width or
 * the dictionary allow (which also stops a width-0 frame from claiming millions of codes),
 * codes beyond the dictionary or out of order within a row.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "test_codec_support.h"

Test(codec_tags, packs_counts_and_codes)
{
    struct attribute attribute = {.name = "tags", .type = PDB_TYPE_TAGS};
    struct column *column = column_create(&attribute);
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    uint32_t sizes[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    uint64_t state = 3;
    for (uint32_t row = 0; row < 1000; row++) {
        const char *picked[3];
        uint32_t count = (uint32_t)(codec_test_random(&state) % 4);
        for (uint32_t i = 0; i < count; i++) picked[i] = names[codec_test_random(&state) % 8];
        cr_assert_eq(column_append_tags(column, picked, sizes, count, NULL), PDB_OK);
    }
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(&column->chunks[0], PDB_TYPE_TAGS, &block, NULL), PDB_OK);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_TAGS_BITPACK);
    cr_assert_eq(load_u32(block.data + BLOCK_HEADER_SIZE + 8), 2u, "counts 0..3: 2 bits");
    uint32_t total = column->chunks[0].offsets[1000];
    size_t codes_at = BLOCK_HEADER_SIZE + 12u + (1000u * 2u + 63u) / 64u * 8u;
    cr_assert_eq(load_u32(block.data + codes_at + 8), 3u, "8 tags: 3 bits");
    cr_assert_eq(block.size, codes_at + 12u + ((size_t)total * 3u + 63u) / 64u * 8u);
    cr_assert(codec_test_round_trip(&column->chunks[0], PDB_TYPE_TAGS, BLOCK_ENCODING_TAGS_BITPACK,
                                    column->dictionary.entry_count, "tags", NULL));
    buffer_deinit(&block);
    column_destroy(column);
}

/* counts frame (base, width 0) for `rows` rows, then a codes frame (base, width, words). */
static void tags_block(struct buffer *block, uint32_t rows, uint64_t count, uint64_t code_base,
                       uint32_t code_width, const uint64_t *words, size_t word_count)
{
    struct buffer payload;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, count), 0);
    cr_assert_eq(buffer_append_u32(&payload, 0), 0);
    cr_assert_eq(buffer_append_u64(&payload, code_base), 0);
    cr_assert_eq(buffer_append_u32(&payload, code_width), 0);
    for (size_t i = 0; i < word_count; i++) cr_assert_eq(buffer_append_u64(&payload, words[i]), 0);
    codec_test_block_make(block, PDB_TYPE_TAGS, BLOCK_ENCODING_TAGS_BITPACK, rows, 0, payload.data,
                          payload.size);
    buffer_deinit(&payload);
}

Test(codec_tags, hostile_blocks_are_corrupt)
{
    struct buffer block;
    uint64_t words[4] = {0};
    tags_block(&block, 1, PDB_TAGS_PER_VALUE_MAX + 1u, 0, 11, words, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_TAGS, 5000, "tags (at most", "1,025 tags");
    buffer_deinit(&block);
    /* 65,536 rows x 1,024 tags from a width-0 code frame: 64 M codes claimed by 24 bytes. */
    tags_block(&block, PDB_CHUNK_ROWS, PDB_TAGS_PER_VALUE_MAX, 0, 0, words, 0);
    codec_test_expect_corrupt(&block, PDB_TYPE_TAGS, 5000, "distinct tags", "width-0 bomb");
    buffer_deinit(&block);
    /* The same with width 10: the packed codes are simply missing. */
    tags_block(&block, PDB_CHUNK_ROWS, PDB_TAGS_PER_VALUE_MAX, 0, 10, words, 4);
    codec_test_expect_corrupt(&block, PDB_TYPE_TAGS, 5000, "packed bytes", "missing codes");
    buffer_deinit(&block);
    /* Two tags a row with a 1-entry dictionary. */
    tags_block(&block, 1, 2, 0, 1, (uint64_t[]){0x2}, 1);
    codec_test_expect_corrupt(&block, PDB_TYPE_TAGS, 1, "distinct tags", "2 tags, 1 entry");
    buffer_deinit(&block);
    /* Codes 1, 0 in one row: out of order; codes 0, 2 with 2 entries: beyond. Both are
     * found after the codes are unpacked (into a small allocation). */
    struct pdb_error error = {0};
    tags_block(&block, 1, 2, 0, 2, (uint64_t[]){0x1}, 1);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_TAGS, 4, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "out of order") != NULL, "%s", error.message);
    buffer_deinit(&block);
    tags_block(&block, 1, 2, 0, 2, (uint64_t[]){0x8}, 1);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_TAGS, 2, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "beyond") != NULL, "%s", error.message);
    buffer_deinit(&block);
    /* Codes 0, 2: fine with 3 entries. */
    tags_block(&block, 1, 2, 0, 2, (uint64_t[]){0x8}, 1);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_TAGS, 3, NULL), PDB_OK);
    buffer_deinit(&block);
}
