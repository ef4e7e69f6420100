/*
 * Tests for column/column_lanes.c and the lane forms of column.h: sealing picks the narrowest
 * width and the minimum as base on both sides of every width boundary (spans 2^8 - 1, 2^8,
 * 2^16 - 1, 2^16, 2^32 - 1, 2^32, INT64_MIN..INT64_MAX, all equal, all NULL); appends keep a
 * sealed chunk sealed while values fit and widen it once otherwise; every int encoding
 * round-trips every width into sealed lanes of the same width; category codes take 1, 2 or 4
 * bytes by the largest code; decoding narrows frames wider than their values and refuses
 * frames whose values overflow int64; memory sizes count the lane bytes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/bitset.h"
#include "test_codec_support.h"

#define OK(expression) cr_assert_eq((expression), PDB_OK)

static struct column *int_column(void)
{
    struct attribute attribute = {.type = PDB_TYPE_INT};
    strcpy(attribute.name, "n");
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    return column;
}

static const struct {
    uint64_t span;
    uint32_t width;
} spans[] = {
    {0, 1}, {1, 1}, {255, 1}, {256, 2}, {65535, 2}, {65536, 4}, {UINT32_MAX, 4},
    {(uint64_t)UINT32_MAX + 1u, 8}, {UINT64_MAX, 8},
};

/* A column of `rows` values base + [0, span] (both ends present), every 5th row NULL. */
static struct column *span_column(int64_t base, uint64_t span, uint32_t rows)
{
    struct column *column = int_column();
    uint64_t state = span ^ (uint64_t)base;
    for (uint32_t row = 0; row < rows; row++) {
        if (row % 5 == 4) {
            OK(column_append_null(column, NULL));
            continue;
        }
        uint64_t offset = row == 0 ? 0 : row == 1 ? span : codec_test_random(&state);
        if (span != UINT64_MAX && row > 1) offset %= span + 1u;
        OK(column_append_int(column, (int64_t)((uint64_t)base + offset), NULL));
    }
    return column;
}

static void assert_sealed_form(const struct column_chunk *chunk, uint32_t width, int64_t base,
                               const char *label)
{
    cr_assert(column_chunk_is_sealed(chunk, PDB_TYPE_INT), "%s", label);
    cr_assert_eq(chunk->lane_width_bytes, width, "%s: width", label);
    cr_assert_eq(chunk->lane_base, base, "%s: base", label);
    cr_assert_eq(column_chunk_validate(chunk, PDB_TYPE_INT, 0), 0, "%s", label);
    cr_assert_eq(column_chunk_memory_size(chunk, PDB_TYPE_INT),
                 (chunk->row_count + 7u) / 8u + (uint64_t)chunk->row_count * width, "%s", label);
}

Test(column_lanes, seal_picks_the_narrowest_width_at_every_boundary)
{
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        uint64_t span = spans[s].span;
        int64_t bases[] = {0, -77, INT64_MIN, (int64_t)((uint64_t)INT64_MAX - span)};
        for (size_t b = 0; b < 4; b++) {
            if (span == UINT64_MAX && b != 2) continue; /* INT64_MIN..INT64_MAX only */
            char label[96];
            snprintf(label, sizeof label, "span %llu base %lld", (unsigned long long)span,
                     (long long)bases[b]);
            struct column *column = span_column(bases[b], span, 1000);
            struct column_chunk *chunk = &column->chunks[0];
            cr_assert_eq(chunk->lane_width_bytes, 8u, "%s: appends build wide", label);
            cr_assert_eq(chunk->lane_base, INT64_MIN, "%s", label);
            int64_t values[1000];
            for (uint32_t row = 0; row < 1000; row++) values[row] = column_chunk_int(chunk, row);
            OK(column_seal(column, NULL));
            assert_sealed_form(chunk, spans[s].width, bases[b], label);
            cr_assert_eq(chunk->min_int, bases[b], "%s", label);
            cr_assert_eq(chunk->max_int, (int64_t)((uint64_t)bases[b] + span), "%s", label);
            for (uint32_t row = 0; row < 1000; row++) {
                if (column_chunk_is_null(chunk, row)) {
                    cr_assert_eq(column_chunk_lane(chunk, row), 0u, "%s: NULL lane", label);
                    continue;
                }
                cr_assert_eq(column_chunk_int(chunk, row), values[row], "%s row %u", label, row);
            }
            /* Every int encoding that can write it decodes to the same sealed form. */
            for (size_t e = 0; e < 8; e++) {
                struct buffer block;
                buffer_init(&block);
                if (block_encode_as(chunk, PDB_TYPE_INT, codec_test_encodings[e], &block, NULL) !=
                    PDB_OK) {
                    buffer_deinit(&block);
                    continue;
                }
                struct column_chunk decoded;
                cr_assert_eq(column_chunk_init(&decoded, PDB_TYPE_INT), 0);
                struct pdb_error error = {0};
                cr_assert_eq(block_decode(block.data, block.size, PDB_TYPE_INT, 0, &decoded, &error),
                             PDB_OK, "%s: %s", label, error.message);
                assert_sealed_form(&decoded, spans[s].width, bases[b], label);
                codec_test_assert_chunks_equal(chunk, &decoded, PDB_TYPE_INT, label);
                column_chunk_deinit(&decoded);
                buffer_deinit(&block);
            }
            cr_assert_eq(column_validate(column), 0);
            column_destroy(column);
        }
    }
}

Test(column_lanes, all_equal_and_all_null_chunks_take_one_byte)
{
    struct column *column = int_column();
    for (int i = 0; i < 100; i++) OK(column_append_int(column, INT64_MAX, NULL));
    OK(column_seal(column, NULL));
    assert_sealed_form(&column->chunks[0], 1, INT64_MAX, "all INT64_MAX");
    column_destroy(column);

    column = int_column();
    for (int i = 0; i < 100; i++) OK(column_append_null(column, NULL));
    OK(column_seal(column, NULL));
    assert_sealed_form(&column->chunks[0], 1, 0, "all NULL");
    /* A value after only NULLs becomes the base: still sealed, nothing copied. */
    OK(column_append_int(column, -5, NULL));
    assert_sealed_form(&column->chunks[0], 1, -5, "first value after NULLs");
    cr_assert_eq(column_chunk_int(&column->chunks[0], 100), -5);
    column_destroy(column);
}

Test(column_lanes, appends_keep_a_sealed_chunk_sealed_until_a_value_does_not_fit)
{
    struct column *column = span_column(1000, 200, 300);
    OK(column_seal(column, NULL));
    struct column_chunk *chunk = &column->chunks[0];
    assert_sealed_form(chunk, 1, 1000, "sealed");
    OK(column_append_int(column, 1255, NULL)); /* fits the byte above the base */
    assert_sealed_form(chunk, 1, 1000, "1255 fits");
    OK(column_append_int(column, 999, NULL)); /* below the base: building form */
    cr_assert_not(column_chunk_is_sealed(chunk, PDB_TYPE_INT));
    cr_assert_eq(chunk->lane_width_bytes, 8u);
    cr_assert_eq(chunk->lane_base, INT64_MIN);
    cr_assert_eq(column_validate(column), 0, "the building form is valid in the last chunk");
    cr_assert_eq(column_chunk_int(chunk, 300), 1255);
    cr_assert_eq(column_chunk_int(chunk, 301), 999);
    OK(column_append_int(column, 70000, NULL));
    OK(column_seal(column, NULL));
    assert_sealed_form(chunk, 4, 999, "resealed");
    cr_assert_eq(column_chunk_int(chunk, 302), 70000);
    cr_assert_eq(column_chunk_int(chunk, 0), 1000);
    cr_assert_eq(column_chunk_int(chunk, 1), 1200);
    column_destroy(column);
}

Test(column_lanes, a_full_chunk_is_sealed_when_the_next_starts)
{
    struct column *column = int_column();
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++)
        OK(column_append_int(column, 1700000000 + (int64_t)(row % 1000u), NULL));
    cr_assert_eq(column->chunks[0].lane_width_bytes, 8u, "still building while last");
    OK(column_append_int(column, 5, NULL));
    assert_sealed_form(&column->chunks[0], 2, 1700000000, "chunk 0");
    cr_assert_eq(column->chunks[1].lane_width_bytes, 8u);
    cr_assert_eq(column_validate(column), 0);
    /* column_validate refuses a chunk before the last that is not sealed. */
    cr_assert_eq(column_chunk_lanes_widen(&column->chunks[0], PDB_TYPE_INT), 0);
    cr_assert_neq(column_validate(column), 0);
    column_destroy(column);
}

/* A category chunk of `rows` codes 0..largest (both present), row 3 NULL. */
static void code_chunk(struct column_chunk *chunk, uint32_t rows, uint32_t smallest,
                       uint32_t largest)
{
    cr_assert_eq(column_chunk_init(chunk, PDB_TYPE_CATEGORY), 0);
    cr_assert_eq(column_chunk_lanes_widen(chunk, PDB_TYPE_CATEGORY), 0);
    chunk->row_count = rows;
    uint64_t state = largest;
    for (uint32_t row = 0; row < rows; row++) {
        uint32_t code = row == 0   ? smallest
                        : row == 1 ? largest
                                   : smallest + (uint32_t)(codec_test_random(&state) %
                                                           ((uint64_t)largest - smallest + 1u));
        column_chunk_lane_store(chunk, row, row == 3 ? 0 : code);
    }
    bitset_set(chunk->nulls, 3);
    column_chunk_refresh_summary(chunk, PDB_TYPE_CATEGORY);
    cr_assert_eq(chunk->min_int, smallest);
    cr_assert_eq(chunk->max_int, largest);
}

Test(column_lanes, category_codes_take_the_width_of_the_largest_code)
{
    const struct {
        uint32_t smallest, largest, width;
    } cases[] = {
        {0, 0, 1}, {0, 255, 1}, {200, 255, 1}, {0, 256, 2}, {256, 300, 2},
        {0, 65535, 2}, {65530, 65536, 4}, {0, (1u << 30) - 1u, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct column_chunk chunk;
        code_chunk(&chunk, 1000, cases[i].smallest, cases[i].largest);
        uint32_t entries = cases[i].largest + 1u;
        cr_assert_eq(column_chunk_seal(&chunk, PDB_TYPE_CATEGORY), 0);
        cr_assert_eq(chunk.lane_width_bytes, cases[i].width, "case %zu", i);
        cr_assert_eq(chunk.lane_base, 0);
        cr_assert_eq(column_chunk_validate(&chunk, PDB_TYPE_CATEGORY, entries), 0);
        cr_assert_neq(column_chunk_validate(&chunk, PDB_TYPE_CATEGORY, cases[i].largest), 0,
                      "the largest code is checked against the dictionary");
        for (size_t e = 0; e < 8; e++) {
            char label[64];
            snprintf(label, sizeof label, "codes %u..%u", cases[i].smallest, cases[i].largest);
            if (!codec_test_round_trip(&chunk, PDB_TYPE_CATEGORY, codec_test_encodings[e], entries,
                                       label, NULL))
                continue;
        }
        struct buffer block;
        buffer_init(&block);
        OK(block_encode(&chunk, PDB_TYPE_CATEGORY, &block, NULL));
        struct column_chunk decoded;
        cr_assert_eq(column_chunk_init(&decoded, PDB_TYPE_CATEGORY), 0);
        OK(block_decode(block.data, block.size, PDB_TYPE_CATEGORY, entries, &decoded, NULL));
        cr_assert_eq(decoded.lane_width_bytes, cases[i].width, "decoded case %zu", i);
        cr_assert(column_chunk_is_sealed(&decoded, PDB_TYPE_CATEGORY));
        column_chunk_deinit(&decoded);
        buffer_deinit(&block);
        column_chunk_deinit(&chunk);
    }
}

Test(column_lanes, decoding_narrows_a_code_frame_that_straddles_a_width)
{
    /* Codes 200..250 pack at 6 bits, whose frame could reach 263: decoded into 2-byte lanes,
     * then sealed to 1 byte. */
    struct column_chunk chunk;
    code_chunk(&chunk, 500, 200, 250);
    struct buffer block;
    buffer_init(&block);
    OK(block_encode_as(&chunk, PDB_TYPE_CATEGORY, BLOCK_ENCODING_DICT_BITPACK, &block, NULL));
    struct column_chunk decoded;
    cr_assert_eq(column_chunk_init(&decoded, PDB_TYPE_CATEGORY), 0);
    OK(block_decode(block.data, block.size, PDB_TYPE_CATEGORY, 251, &decoded, NULL));
    cr_assert_eq(decoded.lane_width_bytes, 1u);
    codec_test_assert_chunks_equal(&chunk, &decoded, PDB_TYPE_CATEGORY, "straddling");
    column_chunk_deinit(&decoded);
    buffer_deinit(&block);
    column_chunk_deinit(&chunk);
}

Test(column_lanes, integer_frames_whose_values_overflow_int64_are_corrupt)
{
    /* base INT64_MAX, width 1, fields 0 and 1: the second value would wrap to INT64_MIN. */
    struct buffer payload, block;
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, (uint64_t)INT64_MAX), 0);
    cr_assert_eq(buffer_append_u32(&payload, 1), 0);
    cr_assert_eq(buffer_append_u64(&payload, 2u), 0);
    codec_test_block_make(&block, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 2, 0, payload.data,
                          payload.size);
    codec_test_expect_corrupt_decoded(&block, PDB_TYPE_INT, 0, "overflow", "wrapping frame");
    buffer_deinit(&block);
    buffer_deinit(&payload);
    /* The same frame with field 0 twice is fine: INT64_MAX, INT64_MAX. */
    buffer_init(&payload);
    cr_assert_eq(buffer_append_u64(&payload, (uint64_t)INT64_MAX), 0);
    cr_assert_eq(buffer_append_u32(&payload, 1), 0);
    cr_assert_eq(buffer_append_u64(&payload, 0u), 0);
    codec_test_block_make(&block, PDB_TYPE_INT, BLOCK_ENCODING_FOR_BITPACK, 2, 0, payload.data,
                          payload.size);
    cr_assert_eq(codec_test_decode_copy(block.data, block.size, PDB_TYPE_INT, 0, NULL), PDB_OK);
    buffer_deinit(&block);
    buffer_deinit(&payload);
}

Test(column_lanes, memory_size_counts_lane_bytes)
{
    struct column *column = span_column(18, 72, PDB_CHUNK_ROWS); /* ages */
    OK(column_seal(column, NULL));
    cr_assert_eq(column_chunk_memory_size(&column->chunks[0], PDB_TYPE_INT),
                 PDB_CHUNK_ROWS / 8u + PDB_CHUNK_ROWS * 1u);
    column_destroy(column);
}
