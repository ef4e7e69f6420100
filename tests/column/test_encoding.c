/*
 * Tests for column/encoding.c: block_encode -> block_decode round trips for every type, with
 * and without NULLs, at the row counts around word and chunk boundaries (0, 1, 63, 64, 65,
 * 65,536); the header layout and the documented payload layouts; the choice of codec; PLAIN
 * blocks as written before codecs existed; and decoding of hostile blocks: every truncation,
 * header bit flips, hand-made inconsistent payloads and random byte flips must give
 * PDB_ERR_CORRUPT (or a valid chunk) and never read out of bounds (run under ASan to be
 * sure). Per-codec tests are in test_codec_*.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/buffer.h"
#include "column/encoding.h"
#include "test_codec_support.h"

enum null_mode { NULLS_NONE, NULLS_SOME, NULLS_ALL };

static const uint32_t row_counts[] = {0, 1, 63, 64, 65, PDB_CHUNK_ROWS};

/* ---- Building columns ------------------------------------------------------------------- */

static bool row_is_null(enum null_mode mode, uint32_t row)
{
    return mode == NULLS_ALL || (mode == NULLS_SOME && (row % 3 == 0 || row == 64));
}

static void append_value(struct column *column, uint32_t row)
{
    enum pdb_type type = column->attribute.type;
    enum pdb_status status = PDB_OK;
    switch (type) {
    case PDB_TYPE_BOOL:
        status = column_append_bool(column, (row * 7u) % 3u == 1u, NULL);
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP: {
        int64_t value = (int64_t)((uint64_t)row * 0x9E3779B97F4A7C15ull);
        if (row == 1) value = INT64_MIN;
        if (row == 2) value = INT64_MAX;
        status = column_append_int(column, value, NULL);
        break;
    }
    case PDB_TYPE_FLOAT: {
        double value = (double)row * 0.25 - 1000.0;
        if (row == 1) value = -1.7e308;
        if (row == 2) value = 4.9e-324;
        status = column_append_float(column, value, NULL);
        break;
    }
    case PDB_TYPE_CATEGORY: {
        char text[16];
        int size = snprintf(text, sizeof text, "c%u", row % 10);
        status = column_append_string(column, text, (size_t)(row % 11 == 0 ? 0 : size), NULL);
        break;
    }
    case PDB_TYPE_TEXT: {
        char text[32];
        uint32_t size = row % 17;
        for (uint32_t i = 0; i < size; i++)
            text[i] = (char)('a' + (row + i) % 26);
        status = column_append_string(column, text, size, NULL);
        break;
    }
    case PDB_TYPE_TAGS: {
        static const char *const names[] = {"d", "b", "a", "c"};
        const char *tags[8];
        uint32_t sizes[8], count = 0;
        for (uint32_t bit = 0; bit < 4; bit++) {
            if ((row >> bit) & 1u) {
                tags[count] = names[bit];
                sizes[count++] = 1;
                if (bit == 2) { /* a duplicate */
                    tags[count] = names[bit];
                    sizes[count++] = 1;
                }
            }
        }
        status = column_append_tags(column, tags, sizes, count, NULL);
        break;
    }
    default:
        cr_assert_fail("unknown type");
    }
    cr_assert_eq(status, PDB_OK);
}

static struct column *build_column(enum pdb_type type, uint32_t rows, enum null_mode mode)
{
    struct attribute attribute = {.name = "c", .type = type};
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    for (uint32_t row = 0; row < rows; row++) {
        if (row_is_null(mode, row))
            cr_assert_eq(column_append_null(column, NULL), PDB_OK);
        else
            append_value(column, row);
    }
    if (rows == 0) cr_assert_not_null(column_add_chunk(column));
    cr_assert_eq(column->chunk_count, 1u);
    cr_assert_eq(column_validate(column), 0);
    return column;
}

static void encode(const struct column *column, struct buffer *out)
{
    buffer_init(out);
    struct pdb_error error = {0};
    cr_assert_eq(block_encode(&column->chunks[0], column->attribute.type, out, &error), PDB_OK,
                 "%s", error.message);
}

/* Decodes into a fresh chunk; the caller deinits it. */
static enum pdb_status decode(const uint8_t *block, size_t size, enum pdb_type type,
                              uint32_t dictionary_entry_count, struct column_chunk *chunk,
                              struct pdb_error *error)
{
    cr_assert_eq(column_chunk_init(chunk, type), 0);
    return block_decode(block, size, type, dictionary_entry_count, chunk, error);
}

static void assert_chunks_equal(const struct column_chunk *a, const struct column_chunk *b,
                                enum pdb_type type, const char *label)
{
    uint32_t rows = a->row_count;
    cr_assert_eq(b->row_count, rows, "%s", label);
    cr_assert_eq(b->null_count, a->null_count, "%s", label);
    cr_assert(memcmp(a->nulls, b->nulls, PDB_CHUNK_WORDS * sizeof(uint64_t)) == 0, "%s nulls",
              label);
    bool has_values = a->null_count < rows;
    switch (type) {
    case PDB_TYPE_BOOL:
        cr_assert(memcmp(a->bools, b->bools, PDB_CHUNK_WORDS * sizeof(uint64_t)) == 0, "%s", label);
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        for (uint32_t row = 0; row < rows; row++) {
            if (column_chunk_is_null(a, row)) {
                cr_assert_eq(column_chunk_lane(a, row), 0u, "%s row %u: NULL lane", label, row);
                cr_assert_eq(column_chunk_lane(b, row), 0u, "%s row %u: NULL lane", label, row);
            } else {
                cr_assert_eq(column_chunk_int(b, row), column_chunk_int(a, row), "%s row %u",
                             label, row);
            }
        }
        if (has_values) {
            cr_assert_eq(b->min_int, a->min_int, "%s", label);
            cr_assert_eq(b->max_int, a->max_int, "%s", label);
        }
        break;
    case PDB_TYPE_FLOAT:
        cr_assert(rows == 0 || memcmp(a->floats, b->floats, rows * sizeof(double)) == 0, "%s",
                  label);
        if (has_values) {
            cr_assert_eq(b->min_float, a->min_float, "%s", label);
            cr_assert_eq(b->max_float, a->max_float, "%s", label);
        }
        break;
    case PDB_TYPE_CATEGORY:
        for (uint32_t row = 0; row < rows; row++)
            if (!column_chunk_is_null(a, row))
                cr_assert_eq(column_chunk_code(b, row), column_chunk_code(a, row), "%s row %u",
                             label, row);
        break;
    case PDB_TYPE_TEXT:
        cr_assert(memcmp(a->offsets, b->offsets, (rows + 1) * sizeof(uint32_t)) == 0, "%s", label);
        cr_assert_eq(b->text_bytes_size, a->text_bytes_size, "%s", label);
        cr_assert(a->text_bytes_size == 0 ||
                      memcmp(a->text_bytes, b->text_bytes, a->text_bytes_size) == 0,
                  "%s", label);
        break;
    case PDB_TYPE_TAGS:
        cr_assert(memcmp(a->offsets, b->offsets, (rows + 1) * sizeof(uint32_t)) == 0, "%s", label);
        cr_assert(a->offsets[rows] == 0 ||
                      memcmp(a->tag_codes, b->tag_codes, a->offsets[rows] * sizeof(uint32_t)) == 0,
                  "%s", label);
        break;
    default:
        break;
    }
}

/* ---- Round trips -------------------------------------------------------------------------- */

Test(encoding, round_trips_every_type_row_count_and_null_mode)
{
    static const char *const mode_names[] = {"no nulls", "some nulls", "all nulls"};
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        for (size_t r = 0; r < sizeof row_counts / sizeof row_counts[0]; r++) {
            for (int mode = NULLS_NONE; mode <= NULLS_ALL; mode++) {
                char label[96];
                snprintf(label, sizeof label, "%s, %u rows, %s", pdb_type_name((enum pdb_type)type),
                         row_counts[r], mode_names[mode]);
                struct column *column =
                    build_column((enum pdb_type)type, row_counts[r], (enum null_mode)mode);
                struct buffer block;
                encode(column, &block);

                /* Header. */
                cr_assert_geq(block.size, BLOCK_HEADER_SIZE);
                cr_assert_eq(load_u32(block.data), (uint32_t)type, "%s", label);
                cr_assert_str_neq(block_encoding_name(load_u32(block.data + 4)), "unknown", "%s",
                                  label);
                cr_assert_eq(load_u32(block.data + 8), row_counts[r], "%s", label);
                cr_assert_eq(load_u32(block.data + 12), column->chunks[0].null_count, "%s", label);
                cr_assert_eq(load_u64(block.data + 16), block.size - BLOCK_HEADER_SIZE, "%s",
                             label);
                enum pdb_type peek_type;
                uint32_t peek_rows, peek_nulls;
                cr_assert_eq(
                    block_peek(block.data, block.size, &peek_type, &peek_rows, &peek_nulls, NULL),
                    PDB_OK);
                cr_assert_eq(peek_type, (enum pdb_type)type);
                cr_assert_eq(peek_rows, row_counts[r]);
                cr_assert_eq(peek_nulls, column->chunks[0].null_count);

                struct column_chunk decoded;
                struct pdb_error error = {0};
                cr_assert_eq(decode(block.data, block.size, (enum pdb_type)type,
                                    column->dictionary.entry_count, &decoded, &error),
                             PDB_OK, "%s: %s", label, error.message);
                assert_chunks_equal(&column->chunks[0], &decoded, (enum pdb_type)type, label);
                cr_assert_eq(column_chunk_validate(&decoded, (enum pdb_type)type,
                                                   column->dictionary.entry_count),
                             0, "%s", label);

                /* Re-encoding the decoded chunk gives the same bytes. */
                struct buffer again;
                buffer_init(&again);
                cr_assert_eq(block_encode(&decoded, (enum pdb_type)type, &again, NULL), PDB_OK);
                cr_assert_eq(again.size, block.size, "%s", label);
                cr_assert(memcmp(again.data, block.data, block.size) == 0, "%s", label);

                buffer_deinit(&again);
                column_chunk_deinit(&decoded);
                buffer_deinit(&block);
                column_destroy(column);
            }
        }
    }
}

static void encode_plain(const struct column *column, struct buffer *out)
{
    buffer_init(out);
    cr_assert_eq(block_encode_as(&column->chunks[0], column->attribute.type, BLOCK_ENCODING_PLAIN,
                                 out, NULL),
                 PDB_OK);
}

Test(encoding, plain_block_sizes_follow_the_documented_layout)
{
    struct column *column = build_column(PDB_TYPE_INT, 65, NULLS_NONE);
    struct buffer block;
    encode_plain(column, &block);
    cr_assert_eq(block.size, 24u + 65u * 8u, "no null bitset when there are no nulls");
    buffer_deinit(&block);
    column_destroy(column);

    column = build_column(PDB_TYPE_INT, 65, NULLS_SOME);
    encode_plain(column, &block);
    cr_assert_eq(block.size, 24u + 2u * 8u + 65u * 8u, "two bitset words for 65 rows");
    buffer_deinit(&block);
    column_destroy(column);

    column = build_column(PDB_TYPE_BOOL, 64, NULLS_NONE);
    encode_plain(column, &block);
    cr_assert_eq(block.size, 24u + 8u);
    buffer_deinit(&block);
    column_destroy(column);

    column = build_column(PDB_TYPE_CATEGORY, 3, NULLS_NONE);
    encode_plain(column, &block);
    cr_assert_eq(block.size, 24u + 12u);
    buffer_deinit(&block);
    column_destroy(column);

    column = build_column(PDB_TYPE_TEXT, 3, NULLS_NONE); /* sizes 0, 1, 2 */
    encode_plain(column, &block);
    cr_assert_eq(block.size, 24u + 16u + 3u);
    buffer_deinit(&block);
    column_destroy(column);
}

/* A small int column with values 10 + row: FOR_BITPACK at width 7, byte by byte. */
Test(encoding, for_bitpack_block_follows_the_documented_layout)
{
    struct attribute attribute = {.name = "n", .type = PDB_TYPE_INT};
    struct column *column = column_create(&attribute);
    for (int64_t row = 0; row < 65; row++) cr_assert_eq(column_append_int(column, 10 + row, NULL), PDB_OK);
    struct buffer block;
    encode(column, &block);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)BLOCK_ENCODING_FOR_BITPACK);
    /* payload: u64 base 10, u32 width 7 (64 = max - min), ceil(65 * 7 / 64) = 8 words */
    cr_assert_eq(block.size, 24u + 8u + 4u + 8u * 8u);
    cr_assert_eq(load_u64(block.data + 24), 10u);
    cr_assert_eq(load_u32(block.data + 32), 7u);
    const uint8_t *packed = block.data + 36;
    cr_assert_eq(load_u64(packed) & 0x7f, 0u, "row 0: 10 - 10");
    cr_assert_eq((load_u64(packed) >> 7) & 0x7f, 1u, "row 1 LSB-first after row 0");
    cr_assert_eq((load_u64(packed) >> 63) | ((load_u64(packed + 8) & 0x3f) << 1), 9u,
                 "row 9 straddles words 0 and 1");
    buffer_deinit(&block);

    /* NULL every 1000th row of 65,536: the null section lists the 66 NULL rows (u16 each). */
    column_clear_chunks(column);
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++) {
        if (row % 1000 == 0)
            cr_assert_eq(column_append_null(column, NULL), PDB_OK);
        else
            cr_assert_eq(column_append_int(column, 5, NULL), PDB_OK);
    }
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK,
                                 &block, NULL),
                 PDB_OK);
    cr_assert_eq(block.size, 24u + 4u + 66u * 2u + 12u, "null rows, then a width-0 frame");
    cr_assert_eq(load_u32(block.data + 24), 1u, "form 1: NULL rows");
    cr_assert_eq(load_u32(block.data + 28) & 0xffff, 0u);
    cr_assert_eq(load_u32(block.data + 28) >> 16, 1000u);
    buffer_deinit(&block);
    column_destroy(column);
}

/* One value repeated, or nothing but NULLs: a few bytes whatever the row count. */
Test(encoding, constant_chunks_cost_a_few_bytes)
{
    static const enum pdb_type types[] = {PDB_TYPE_BOOL, PDB_TYPE_INT, PDB_TYPE_TIMESTAMP,
                                          PDB_TYPE_FLOAT, PDB_TYPE_CATEGORY, PDB_TYPE_TEXT,
                                          PDB_TYPE_TAGS};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        for (int all_null = 0; all_null <= 1; all_null++) {
            struct attribute attribute = {.name = "c", .type = types[t]};
            struct column *column = column_create(&attribute);
            const char *tag = "vip";
            uint32_t tag_size = 3;
            for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++) {
                enum pdb_status status = PDB_OK;
                if (all_null) {
                    status = column_append_null(column, NULL);
                } else {
                    switch (types[t]) {
                    case PDB_TYPE_BOOL: status = column_append_bool(column, true, NULL); break;
                    case PDB_TYPE_INT:
                    case PDB_TYPE_TIMESTAMP: status = column_append_int(column, 1700000000, NULL); break;
                    case PDB_TYPE_FLOAT: status = column_append_float(column, 3.14159, NULL); break;
                    case PDB_TYPE_CATEGORY:
                    case PDB_TYPE_TEXT: status = column_append_string(column, "gold", 4, NULL); break;
                    case PDB_TYPE_TAGS: status = column_append_tags(column, &tag, &tag_size, 1, NULL); break;
                    default: break;
                    }
                }
                cr_assert_eq(status, PDB_OK);
            }
            struct buffer block;
            encode(column, &block);
            /* Fixed-width types: header + 8 bytes; text and tags carry their frames (and
             * text the LZ4 of "gold" * 65,536). */
            size_t limit = types[t] == PDB_TYPE_TEXT ? 24u + 1200u : types[t] == PDB_TYPE_TAGS ? 24u + 24u : 24u + 8u;
            cr_assert_leq(block.size, limit, "%s%s: %zu bytes (%s)", pdb_type_name(types[t]),
                          all_null ? ", all NULL" : "", block.size,
                          block_encoding_name(load_u32(block.data + 4)));
            struct column_chunk chunk;
            cr_assert_eq(decode(block.data, block.size, types[t], column->dictionary.entry_count, &chunk, NULL), PDB_OK);
            assert_chunks_equal(&column->chunks[0], &chunk, types[t], pdb_type_name(types[t]));
            column_chunk_deinit(&chunk);
            buffer_deinit(&block);
            column_destroy(column);
        }
    }
}

/* Blocks written before codecs existed are PLAIN blocks: they still decode, whatever the
 * chooser would pick today. */
Test(encoding, plain_blocks_still_decode)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        for (int mode = NULLS_NONE; mode <= NULLS_ALL; mode++) {
            struct column *column = build_column((enum pdb_type)type, 200, (enum null_mode)mode);
            struct buffer block;
            encode_plain(column, &block);
            cr_assert_eq(load_u32(block.data + 4), 1u);
            struct column_chunk chunk;
            struct pdb_error error = {0};
            cr_assert_eq(decode(block.data, block.size, (enum pdb_type)type,
                                column->dictionary.entry_count, &chunk, &error),
                         PDB_OK, "%s", error.message);
            assert_chunks_equal(&column->chunks[0], &chunk, (enum pdb_type)type, "plain");
            column_chunk_deinit(&chunk);
            buffer_deinit(&block);
            column_destroy(column);
        }
    }
}

Test(encoding, encode_as_refuses_encodings_that_do_not_apply)
{
    struct column *column = build_column(PDB_TYPE_TEXT, 5, NULLS_NONE);
    struct buffer block;
    buffer_init(&block);
    struct pdb_error error = {0};
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_TEXT, BLOCK_ENCODING_FOR_BITPACK,
                                 &block, &error),
                 PDB_ERR_USAGE);
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_TEXT, (enum block_encoding)99,
                                 &block, &error),
                 PDB_ERR_USAGE);
    cr_assert_eq(block.size, 0u);
    column_destroy(column);

    column = build_column(PDB_TYPE_FLOAT, 5, NULLS_NONE); /* row 2 is 4.9e-324: not decimal */
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_FLOAT, BLOCK_ENCODING_DECIMAL,
                                 &block, &error),
                 PDB_ERR_USAGE);
    cr_assert_eq(block_encode_as(&column->chunks[0], PDB_TYPE_FLOAT, BLOCK_ENCODING_CONSTANT,
                                 &block, &error),
                 PDB_ERR_USAGE);
    cr_assert_eq(block.size, 0u);
    buffer_deinit(&block);
    column_destroy(column);
    cr_assert_str_eq(block_encoding_name(BLOCK_ENCODING_FOR_BITPACK), "for_bitpack");
    cr_assert_str_eq(block_encoding_name(0), "unknown");
}

Test(encoding, appends_after_existing_bytes)
{
    struct column *first = build_column(PDB_TYPE_TEXT, 10, NULLS_SOME);
    struct column *second = build_column(PDB_TYPE_FLOAT, 7, NULLS_NONE);
    struct buffer image;
    buffer_init(&image);
    cr_assert_eq(buffer_append(&image, "xyz", 3), 0);
    cr_assert_eq(block_encode(&first->chunks[0], PDB_TYPE_TEXT, &image, NULL), PDB_OK);
    size_t second_start = image.size;
    cr_assert_eq(block_encode(&second->chunks[0], PDB_TYPE_FLOAT, &image, NULL), PDB_OK);
    struct column_chunk chunk;
    cr_assert_eq(decode(image.data + 3, second_start - 3, PDB_TYPE_TEXT, 0, &chunk, NULL), PDB_OK);
    assert_chunks_equal(&first->chunks[0], &chunk, PDB_TYPE_TEXT, "first");
    column_chunk_deinit(&chunk);
    cr_assert_eq(decode(image.data + second_start, image.size - second_start, PDB_TYPE_FLOAT, 0,
                        &chunk, NULL),
                 PDB_OK);
    assert_chunks_equal(&second->chunks[0], &chunk, PDB_TYPE_FLOAT, "second");
    column_chunk_deinit(&chunk);
    buffer_deinit(&image);
    column_destroy(first);
    column_destroy(second);
}

Test(encoding, encode_out_of_memory_leaves_the_buffer_unchanged)
{
    struct column *column = build_column(PDB_TYPE_TEXT, 100, NULLS_SOME);
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(buffer_append(&out, "abc", 3), 0);
    size_t capacity = out.capacity;
    cr_assert_lt(capacity, 200u);
    struct pdb_error error = {0};
    mem_fail_after(0);
    enum pdb_status status = block_encode(&column->chunks[0], PDB_TYPE_TEXT, &out, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    cr_assert_eq(out.size, 3u);
    cr_assert(memcmp(out.data, "abc", 3) == 0);
    buffer_deinit(&out);
    column_destroy(column);
}

/* Every encoding that allocates while decoding (text bytes, tag codes, the LZ4 scratch)
 * reports a failed allocation as PDB_ERR_NO_MEMORY, never as corruption. */
Test(encoding, decode_out_of_memory_is_not_reported_as_corruption)
{
    static const struct {
        enum pdb_type type;
        enum block_encoding encoding;
    } cases[] = {
        {PDB_TYPE_TEXT, BLOCK_ENCODING_PLAIN},     {PDB_TYPE_TEXT, BLOCK_ENCODING_TEXT_LZ4},
        {PDB_TYPE_TEXT, BLOCK_ENCODING_LZ4},       {PDB_TYPE_TAGS, BLOCK_ENCODING_PLAIN},
        {PDB_TYPE_TAGS, BLOCK_ENCODING_TAGS_BITPACK}, {PDB_TYPE_TAGS, BLOCK_ENCODING_LZ4},
        {PDB_TYPE_INT, BLOCK_ENCODING_LZ4},        {PDB_TYPE_FLOAT, BLOCK_ENCODING_LZ4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct column *column = build_column(cases[i].type, 20, NULLS_NONE);
        struct buffer block;
        buffer_init(&block);
        cr_assert_eq(block_encode_as(&column->chunks[0], cases[i].type, cases[i].encoding, &block,
                                     NULL),
                     PDB_OK);
        struct column_chunk chunk;
        cr_assert_eq(column_chunk_init(&chunk, cases[i].type), 0);
        struct pdb_error error = {0};
        mem_fail_after(0);
        enum pdb_status status = block_decode(block.data, block.size, cases[i].type,
                                              column->dictionary.entry_count, &chunk, &error);
        mem_fail_after(UINT64_MAX);
        cr_assert_eq(status, PDB_ERR_NO_MEMORY, "%s/%s: status %d: %s",
                     pdb_type_name(cases[i].type), block_encoding_name(cases[i].encoding), status,
                     error.message);
        column_chunk_deinit(&chunk);
        buffer_deinit(&block);
        column_destroy(column);
    }
}

/* ---- Hostile blocks ------------------------------------------------------------------------ */

Test(encoding, rejects_a_block_of_another_type)
{
    struct column *column = build_column(PDB_TYPE_INT, 4, NULLS_NONE);
    struct buffer block;
    encode(column, &block);
    struct column_chunk chunk;
    struct pdb_error error = {0};
    cr_assert_eq(decode(block.data, block.size, PDB_TYPE_TIMESTAMP, 0, &chunk, &error),
                 PDB_ERR_CORRUPT);
    cr_assert_str_eq(error.message, "column block holds int values, schema says timestamp");
    column_chunk_deinit(&chunk);
    buffer_deinit(&block);
    column_destroy(column);
}

Test(encoding, every_truncation_and_extension_is_corrupt)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        for (int mode = NULLS_NONE; mode <= NULLS_SOME; mode++) {
            struct column *column = build_column((enum pdb_type)type, 7, (enum null_mode)mode);
            struct buffer block;
            encode(column, &block);
            for (size_t size = 0; size < block.size; size++) {
                /* An exact-size heap copy so ASan sees any read past the end. */
                uint8_t *copy = malloc(size ? size : 1);
                memcpy(copy, block.data, size);
                struct column_chunk chunk;
                struct pdb_error error = {0};
                enum pdb_status status = decode(copy, size, (enum pdb_type)type,
                                                column->dictionary.entry_count, &chunk, &error);
                cr_assert_eq(status, PDB_ERR_CORRUPT, "%s truncated to %zu of %zu bytes",
                             pdb_type_name((enum pdb_type)type), size, block.size);
                cr_assert_eq(error.status, PDB_ERR_CORRUPT);
                cr_assert_neq(error.message[0], '\0');
                column_chunk_deinit(&chunk);
                free(copy);
            }
            cr_assert_eq(buffer_append(&block, "", 1), 0);
            struct column_chunk chunk;
            cr_assert_eq(decode(block.data, block.size, (enum pdb_type)type,
                                column->dictionary.entry_count, &chunk, NULL),
                         PDB_ERR_CORRUPT, "one trailing byte");
            column_chunk_deinit(&chunk);
            buffer_deinit(&block);
            column_destroy(column);
        }
    }
}

/* Every bit of the header fields, for blocks of every encoding: type, encoding, row count,
 * null count, payload size. A flip must be reported as corrupt, with one exception the
 * format cannot always see: a row or null count that moves without changing the payload's
 * size (a bool block's last bitset word, a bit-packed frame's last word, a NULL list that
 * still parses) may decode to a chunk that passes validation. Only the chunk file's block
 * checksum detects that; the test checks the decoded chunk is valid. */
Test(encoding, header_bit_flips_are_corrupt)
{
    uint32_t rows_list[] = {5, 100};
    int valid_flips = 0, flips = 0;
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        for (size_t r = 0; r < 2; r++) {
            for (int mode = NULLS_NONE; mode <= NULLS_SOME; mode++) {
                struct column *column =
                    build_column((enum pdb_type)type, rows_list[r], (enum null_mode)mode);
                for (uint32_t encoding = 1; encoding <= BLOCK_ENCODING_ID_MAX; encoding++) {
                    struct buffer block;
                    buffer_init(&block);
                    if (block_encode_as(&column->chunks[0], (enum pdb_type)type,
                                        (enum block_encoding)encoding, &block, NULL) != PDB_OK) {
                        buffer_deinit(&block);
                        continue;
                    }
                    for (uint32_t bit = 0; bit < BLOCK_HEADER_SIZE * 8; bit++) {
                        block.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                        struct pdb_error error = {0};
                        enum pdb_status status =
                            codec_test_decode_copy(block.data, block.size, (enum pdb_type)type,
                                                   column->dictionary.entry_count, &error);
                        block.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                        flips++;
                        bool counts = bit / 8 >= 8 && bit / 8 < 16;
                        if (status == PDB_OK && counts) {
                            valid_flips++;
                            continue;
                        }
                        cr_assert_eq(status, PDB_ERR_CORRUPT, "%s, %u rows, mode %d, %s: header "
                                     "bit %u flipped", pdb_type_name((enum pdb_type)type),
                                     rows_list[r], mode, block_encoding_name(encoding), bit);
                    }
                    buffer_deinit(&block);
                }
                column_destroy(column);
            }
        }
    }
    cr_log_info("header flips: %d, decoded to a valid chunk: %d", flips, valid_flips);
    cr_assert_lt(valid_flips * 20, flips, "count flips that decode stay rare");
}

/* Random single- and multi-byte corruption anywhere: decode either fails with CORRUPT or
 * yields a chunk that passes validation. Never crashes (ASan). */
Test(encoding, random_corruption_never_crashes)
{
    uint64_t state = 0x5eed;
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        struct column *column = build_column((enum pdb_type)type, 70, NULLS_SOME);
        struct buffer block;
        encode(column, &block);
        for (int trial = 0; trial < 600; trial++) {
            uint8_t *copy = malloc(block.size);
            memcpy(copy, block.data, block.size);
            int flips = 1 + trial % 3;
            for (int f = 0; f < flips; f++) {
                state = state * 6364136223846793005ull + 1442695040888963407ull;
                size_t offset = (size_t)(state >> 33) % block.size;
                copy[offset] ^= (uint8_t)(1u + (state >> 20) % 255u);
            }
            struct column_chunk chunk;
            struct pdb_error error = {0};
            enum pdb_status status = decode(copy, block.size, (enum pdb_type)type,
                                            column->dictionary.entry_count, &chunk, &error);
            if (status == PDB_OK) {
                cr_assert_eq(column_chunk_validate(&chunk, (enum pdb_type)type,
                                                   column->dictionary.entry_count),
                             0);
            } else {
                cr_assert_eq(status, PDB_ERR_CORRUPT, "%s", error.message);
            }
            column_chunk_deinit(&chunk);
            free(copy);
        }
        buffer_deinit(&block);
        column_destroy(column);
    }
}

/* A header that claims `rows`/`nulls` over an arbitrary payload. */
static void make_block(struct buffer *out, enum pdb_type type, uint32_t rows, uint32_t nulls,
                       const void *payload, size_t payload_size)
{
    buffer_init(out);
    cr_assert_eq(buffer_append_u32(out, (uint32_t)type), 0);
    cr_assert_eq(buffer_append_u32(out, BLOCK_ENCODING_PLAIN), 0);
    cr_assert_eq(buffer_append_u32(out, rows), 0);
    cr_assert_eq(buffer_append_u32(out, nulls), 0);
    cr_assert_eq(buffer_append_u64(out, payload_size), 0);
    cr_assert_eq(buffer_append(out, payload, payload_size), 0);
}

static void expect_corrupt(const struct buffer *block, enum pdb_type type,
                           uint32_t dictionary_entry_count, const char *what)
{
    struct column_chunk chunk;
    struct pdb_error error = {0};
    enum pdb_status status =
        decode(block->data, block->size, type, dictionary_entry_count, &chunk, &error);
    cr_assert_eq(status, PDB_ERR_CORRUPT, "%s: status %d", what, status);
    cr_assert_neq(error.message[0], '\0');
    column_chunk_deinit(&chunk);
}

Test(encoding, rejects_inconsistent_payloads)
{
    struct buffer block;

    uint64_t bool_word = 1ull << 5; /* bit beyond 3 rows */
    make_block(&block, PDB_TYPE_BOOL, 3, 0, &bool_word, 8);
    expect_corrupt(&block, PDB_TYPE_BOOL, 0, "bool bit beyond the rows");
    buffer_deinit(&block);

    double nan_value = NAN, inf_value = INFINITY;
    make_block(&block, PDB_TYPE_FLOAT, 1, 0, &nan_value, 8);
    expect_corrupt(&block, PDB_TYPE_FLOAT, 0, "NaN");
    buffer_deinit(&block);
    make_block(&block, PDB_TYPE_FLOAT, 1, 0, &inf_value, 8);
    expect_corrupt(&block, PDB_TYPE_FLOAT, 0, "infinity");
    buffer_deinit(&block);

    uint32_t codes[2] = {0, 5};
    make_block(&block, PDB_TYPE_CATEGORY, 2, 0, codes, 8);
    expect_corrupt(&block, PDB_TYPE_CATEGORY, 5, "category code == dictionary size");
    buffer_deinit(&block);

    /* text: offsets not starting at 0, decreasing, or not matching the byte count. */
    uint8_t text[4 * 3 + 3];
    uint32_t offsets[3] = {1, 2, 3};
    memcpy(text, offsets, 12);
    memcpy(text + 12, "abc", 3);
    make_block(&block, PDB_TYPE_TEXT, 2, 0, text, 14);
    expect_corrupt(&block, PDB_TYPE_TEXT, 0, "offsets start at 1");
    buffer_deinit(&block);
    uint32_t decreasing[3] = {0, 3, 2};
    memcpy(text, decreasing, 12);
    make_block(&block, PDB_TYPE_TEXT, 2, 0, text, 14);
    expect_corrupt(&block, PDB_TYPE_TEXT, 0, "offsets decrease");
    buffer_deinit(&block);
    uint32_t too_far[3] = {0, 1, 4};
    memcpy(text, too_far, 12);
    make_block(&block, PDB_TYPE_TEXT, 2, 0, text, 15);
    expect_corrupt(&block, PDB_TYPE_TEXT, 0, "offset past the bytes");
    buffer_deinit(&block);
    uint32_t huge[3] = {0, 1, UINT32_MAX};
    memcpy(text, huge, 12);
    make_block(&block, PDB_TYPE_TEXT, 2, 0, text, 15);
    expect_corrupt(&block, PDB_TYPE_TEXT, 0, "huge last offset");
    buffer_deinit(&block);

    /* text: a NULL row that has bytes. */
    uint8_t with_nulls[8 + 12 + 3] = {0};
    with_nulls[0] = 1; /* row 0 is NULL */
    uint32_t null_offsets[3] = {0, 1, 3};
    memcpy(with_nulls + 8, null_offsets, 12);
    memcpy(with_nulls + 20, "abc", 3);
    make_block(&block, PDB_TYPE_TEXT, 2, 1, with_nulls, sizeof with_nulls);
    expect_corrupt(&block, PDB_TYPE_TEXT, 0, "NULL row with bytes");
    buffer_deinit(&block);

    /* null bitset: bit beyond rows; count differs from header. */
    uint8_t ints[8 + 16] = {0};
    ints[0] = 0x4; /* row 2 of 2 */
    make_block(&block, PDB_TYPE_INT, 2, 1, ints, sizeof ints);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "null bit beyond the rows");
    buffer_deinit(&block);
    ints[0] = 0x3;
    make_block(&block, PDB_TYPE_INT, 2, 1, ints, sizeof ints);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "two null bits, header says one");
    buffer_deinit(&block);
    ints[0] = 0x0;
    make_block(&block, PDB_TYPE_INT, 2, 1, ints, sizeof ints);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "no null bits, header says one");
    buffer_deinit(&block);

    /* tags: unsorted, repeated, out-of-dictionary codes. */
    uint8_t tags[8 + 8] = {0};
    uint32_t tag_offsets[2] = {0, 2};
    memcpy(tags, tag_offsets, 8);
    uint32_t unsorted[2] = {1, 0}, repeated[2] = {1, 1}, outside[2] = {0, 2};
    memcpy(tags + 8, unsorted, 8);
    make_block(&block, PDB_TYPE_TAGS, 1, 0, tags, sizeof tags);
    expect_corrupt(&block, PDB_TYPE_TAGS, 2, "unsorted tags");
    buffer_deinit(&block);
    memcpy(tags + 8, repeated, 8);
    make_block(&block, PDB_TYPE_TAGS, 1, 0, tags, sizeof tags);
    expect_corrupt(&block, PDB_TYPE_TAGS, 2, "repeated tag");
    buffer_deinit(&block);
    memcpy(tags + 8, outside, 8);
    make_block(&block, PDB_TYPE_TAGS, 1, 0, tags, sizeof tags);
    expect_corrupt(&block, PDB_TYPE_TAGS, 2, "tag code outside the dictionary");
    buffer_deinit(&block);

    /* Header: rows above a chunk, more nulls than rows, unknown type/encoding. */
    make_block(&block, PDB_TYPE_BOOL, PDB_CHUNK_ROWS + 1, 0, NULL, 0);
    expect_corrupt(&block, PDB_TYPE_BOOL, 0, "rows above a chunk");
    buffer_deinit(&block);
    make_block(&block, PDB_TYPE_INT, 0, 1, NULL, 0);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "more nulls than rows");
    buffer_deinit(&block);
    make_block(&block, PDB_TYPE_COUNT, 0, 0, NULL, 0);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "unknown type");
    buffer_deinit(&block);
    make_block(&block, PDB_TYPE_INT, 0, 0, NULL, 0);
    store_u32(block.data + 4, 0);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "encoding 0");
    store_u32(block.data + 4, BLOCK_ENCODING_ID_MAX + 1);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "unknown encoding");
    store_u32(block.data + 4, BLOCK_ENCODING_TEXT_LZ4);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "an encoding of another type");
    buffer_deinit(&block);
    make_block(&block, PDB_TYPE_INT, 0, 0, NULL, 0);
    store_u64(block.data + 16, UINT64_MAX);
    expect_corrupt(&block, PDB_TYPE_INT, 0, "huge payload size");
    buffer_deinit(&block);
}

Test(encoding, rejects_codes_beyond_a_smaller_dictionary)
{
    struct column *column = build_column(PDB_TYPE_CATEGORY, 50, NULLS_NONE);
    struct buffer block;
    encode(column, &block);
    uint32_t entries = column->dictionary.entry_count;
    struct column_chunk chunk;
    cr_assert_eq(decode(block.data, block.size, PDB_TYPE_CATEGORY, entries, &chunk, NULL), PDB_OK);
    column_chunk_deinit(&chunk);
    cr_assert_eq(decode(block.data, block.size, PDB_TYPE_CATEGORY, entries - 1, &chunk, NULL),
                 PDB_ERR_CORRUPT);
    column_chunk_deinit(&chunk);
    buffer_deinit(&block);
    column_destroy(column);

    column = build_column(PDB_TYPE_TAGS, 50, NULLS_NONE);
    encode(column, &block);
    entries = column->dictionary.entry_count;
    cr_assert_eq(entries, 4u);
    cr_assert_eq(decode(block.data, block.size, PDB_TYPE_TAGS, entries, &chunk, NULL), PDB_OK);
    column_chunk_deinit(&chunk);
    cr_assert_eq(decode(block.data, block.size, PDB_TYPE_TAGS, entries - 1, &chunk, NULL),
                 PDB_ERR_CORRUPT);
    column_chunk_deinit(&chunk);
    buffer_deinit(&block);
    column_destroy(column);
}

Test(encoding, peek_reads_only_the_header)
{
    struct column *column = build_column(PDB_TYPE_TAGS, 65, NULLS_SOME);
    struct buffer block;
    encode(column, &block);
    enum pdb_type type = PDB_TYPE_BOOL;
    uint32_t rows = 1, nulls = 1;
    cr_assert_eq(block_peek(block.data, BLOCK_HEADER_SIZE - 1, &type, &rows, &nulls, NULL),
                 PDB_ERR_CORRUPT);
    cr_assert_eq(type, PDB_TYPE_BOOL, "out-parameters untouched on failure");
    cr_assert_eq(rows, 1u);
    cr_assert_eq(block_peek(block.data, block.size, &type, &rows, &nulls, NULL), PDB_OK);
    cr_assert_eq(type, PDB_TYPE_TAGS);
    cr_assert_eq(rows, 65u);
    cr_assert_eq(nulls, column->chunks[0].null_count);
    buffer_deinit(&block);
    column_destroy(column);
}
