/*
 * Hostile blocks for every codec: for each type and each encoding that applies, blocks of
 * several shapes (row counts, NULL patterns and widths that exercise each null-section form
 * and frame width) are cut at every length, cut at every payload length with the header
 * patched to match (so the codec itself must notice), extended with stray bytes, and hit
 * with single-bit flips (every payload bit of small blocks, a sample of large ones) and
 * random multi-byte damage. Each decode must report PDB_ERR_CORRUPT with a message, or
 * produce a chunk that passes column_chunk_validate (a flip in a value bit is only caught by
 * the chunk file's block checksum); decoding reads exact-size heap copies so ASan catches
 * any read out of bounds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_codec_support.h"

struct shape {
    uint32_t rows;
    enum codec_test_nulls nulls;
    uint32_t width;
};

static const struct shape shapes[] = {
    {70, CODEC_TEST_NULLS_SOME, 7},    {200, CODEC_TEST_NULLS_SPARSE, 33},
    {130, CODEC_TEST_NULLS_MOSTLY, 8}, {64, CODEC_TEST_NULLS_NONE, 1},
    {65, CODEC_TEST_NULLS_ALL, 0},     {1, CODEC_TEST_NULLS_NONE, 64},
    {300, CODEC_TEST_NULLS_NONE, 0},
};

/* Block-wide tally, printed at the end of each test. */
struct tally {
    uint64_t decodes;
    uint64_t valid;
};

static void expect_corrupt_or_valid(const struct buffer *block, enum pdb_type type,
                                    uint32_t dictionary, bool must_be_corrupt, struct tally *tally,
                                    const char *label, size_t detail)
{
    struct pdb_error error = {0};
    enum pdb_status status = codec_test_decode_copy(block->data, block->size, type, dictionary, &error);
    tally->decodes++;
    if (status == PDB_OK && !must_be_corrupt) {
        tally->valid++;
        return;
    }
    cr_assert_eq(status, PDB_ERR_CORRUPT, "%s (%zu): status %d: %s", label, detail, status,
                 error.message);
}

/* A copy of `block` with its payload cut (or padded with `extra` bytes) to `payload_size`,
 * and the header's payload size patched. */
static void resized(const struct buffer *block, size_t payload_size, struct buffer *out)
{
    buffer_init(out);
    size_t keep = BLOCK_HEADER_SIZE + payload_size;
    size_t have = block->size < keep ? block->size : keep;
    cr_assert_eq(buffer_append(out, block->data, have), 0);
    while (out->size < keep) cr_assert_eq(buffer_append(out, "\x5a", 1), 0);
    store_u64(out->data + 16, payload_size);
}

static void attack(enum pdb_type type, enum block_encoding encoding, struct tally *tally)
{
    uint64_t state = 0xc0ffee ^ (uint64_t)encoding << 8 ^ (uint64_t)type;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        uint32_t width = shapes[s].width;
        if (type == PDB_TYPE_CATEGORY && width > 32) width = 32;
        struct column_chunk chunk;
        codec_test_chunk_make(&chunk, type, shapes[s].rows, shapes[s].nulls, width, 3, s);
        uint32_t dictionary = type == PDB_TYPE_TAGS ? codec_test_tags_dictionary_size(width) : UINT32_MAX;
        struct buffer block;
        buffer_init(&block);
        if (block_encode_as(&chunk, type, encoding, &block, NULL) != PDB_OK) {
            buffer_deinit(&block);
            column_chunk_deinit(&chunk);
            continue;
        }
        char label[128];
        snprintf(label, sizeof label, "%s/%s, %u rows, %s, width %u", pdb_type_name(type),
                 block_encoding_name(encoding), shapes[s].rows, codec_test_nulls_names[shapes[s].nulls],
                 width);
        size_t payload = block.size - BLOCK_HEADER_SIZE;

        /* Every cut of the block as stored: the header's size no longer matches. */
        for (size_t size = 0; size < block.size; size++) {
            struct buffer cut = {block.data, size, size};
            expect_corrupt_or_valid(&cut, type, dictionary, true, tally, label, size);
        }
        /* Every cut of the payload with a consistent header, and stray trailing bytes:
         * the codec must notice on its own. */
        for (size_t size = 0; size < payload; size++) {
            struct buffer cut;
            resized(&block, size, &cut);
            expect_corrupt_or_valid(&cut, type, dictionary, true, tally, label, size);
            buffer_deinit(&cut);
        }
        for (size_t extra = 1; extra <= 9; extra += 4) {
            struct buffer longer;
            resized(&block, payload + extra, &longer);
            expect_corrupt_or_valid(&longer, type, dictionary, true, tally, label, extra);
            buffer_deinit(&longer);
        }
        /* Single-bit flips in the payload: all of them for small blocks, else a sample. */
        uint64_t bits = (uint64_t)payload * 8u;
        uint64_t trials = bits <= 4096 ? bits : 4096;
        for (uint64_t t = 0; t < trials; t++) {
            uint64_t bit = bits <= 4096 ? t : codec_test_random(&state) % bits;
            size_t at = BLOCK_HEADER_SIZE + (size_t)(bit / 8);
            block.data[at] ^= (uint8_t)(1u << (bit % 8));
            expect_corrupt_or_valid(&block, type, dictionary, false, tally, label, (size_t)bit);
            block.data[at] ^= (uint8_t)(1u << (bit % 8));
        }
        /* Random damage to several bytes anywhere, header included. */
        for (int trial = 0; trial < 300; trial++) {
            struct buffer damaged;
            buffer_init(&damaged);
            cr_assert_eq(buffer_append(&damaged, block.data, block.size), 0);
            for (int f = 0; f < 1 + trial % 4; f++) {
                size_t at = (size_t)(codec_test_random(&state) % block.size);
                damaged.data[at] ^= (uint8_t)(1u + codec_test_random(&state) % 255u);
            }
            expect_corrupt_or_valid(&damaged, type, dictionary, false, tally, label, (size_t)trial);
            buffer_deinit(&damaged);
        }
        buffer_deinit(&block);
        column_chunk_deinit(&chunk);
    }
}

static void attack_type(enum pdb_type type)
{
    struct tally tally = {0};
    for (size_t e = 0; e < 8; e++) attack(type, codec_test_encodings[e], &tally);
    cr_log_info("%s: %llu hostile decodes, %llu gave a valid chunk", pdb_type_name(type),
                (unsigned long long)tally.decodes, (unsigned long long)tally.valid);
    cr_assert_gt(tally.decodes, 1000u);
}

Test(codec_corruption, bool_blocks_of_every_codec) { attack_type(PDB_TYPE_BOOL); }
Test(codec_corruption, int_blocks_of_every_codec) { attack_type(PDB_TYPE_INT); }
Test(codec_corruption, float_blocks_of_every_codec) { attack_type(PDB_TYPE_FLOAT); }
Test(codec_corruption, timestamp_blocks_of_every_codec) { attack_type(PDB_TYPE_TIMESTAMP); }
Test(codec_corruption, category_blocks_of_every_codec) { attack_type(PDB_TYPE_CATEGORY); }
Test(codec_corruption, text_blocks_of_every_codec) { attack_type(PDB_TYPE_TEXT); }
Test(codec_corruption, tags_blocks_of_every_codec) { attack_type(PDB_TYPE_TAGS); }
