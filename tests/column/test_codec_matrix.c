/*
 * Every codec against every type it applies to, every NULL pattern, the row counts around
 * word and chunk boundaries (0, 1, 63, 64, 65, 65,536) and the value widths 0, 1, 7, 8, 31,
 * 32, 33, 63, 64 (int ranges up to INT64_MIN..INT64_MAX): each block decodes to exactly the
 * chunk that was encoded and re-encodes to the same bytes. For each chunk block_encode must
 * choose the smallest of those blocks, ties going to the first in the documented order.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "test_codec_support.h"

static int64_t base_for(enum pdb_type type, uint32_t width, size_t variant)
{
    uint64_t span = width >= 64 ? ~0ull : (1ull << width) - 1u;
    switch (type) {
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        if (width == 64) return INT64_MIN; /* INT64_MIN..INT64_MAX */
        switch (variant % 3) {
        case 0: return INT64_MIN;
        case 1: return -1000;
        default: return (int64_t)((uint64_t)INT64_MAX - span); /* the top of the range */
        }
    case PDB_TYPE_FLOAT: return variant % 2 ? -250000 : 1999;
    case PDB_TYPE_CATEGORY: return width >= 32 ? 0 : (int64_t)(variant % 4);
    default: return 0;
    }
}

/* Round-trips one chunk through every encoding and checks the chooser. Returns how many
 * encodings applied. */
static int check_chunk(const struct column_chunk *chunk, enum pdb_type type,
                       uint32_t dictionary_entry_count, const char *label)
{
    size_t best_size = SIZE_MAX;
    enum block_encoding best = BLOCK_ENCODING_PLAIN;
    int applied = 0;
    for (size_t e = 0; e < 8; e++) {
        size_t size;
        if (!codec_test_round_trip(chunk, type, codec_test_encodings[e], dictionary_entry_count,
                                   label, &size))
            continue;
        applied++;
        if (size < best_size) {
            best_size = size;
            best = codec_test_encodings[e];
        }
    }
    struct buffer block;
    buffer_init(&block);
    cr_assert_eq(block_encode(chunk, type, &block, NULL), PDB_OK);
    cr_assert_eq(block.size, best_size, "%s: chooser wrote %zu bytes, smallest is %zu", label,
                 block.size, best_size);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)best, "%s: chooser took %s, expected %s",
                 label, block_encoding_name(load_u32(block.data + 4)), block_encoding_name(best));
    buffer_deinit(&block);
    return applied;
}

static void run_type(enum pdb_type type, uint32_t width_max)
{
    size_t variant = 0;
    uint32_t previous_effective = UINT32_MAX;
    for (size_t w = 0; w < sizeof codec_test_widths / sizeof codec_test_widths[0]; w++) {
        uint32_t width = codec_test_widths[w];
        if (width > width_max) continue;
        /* Text lengths stop at 6 bits and tag dictionaries at 12: wider is the same chunk. */
        uint32_t effective = type == PDB_TYPE_TEXT ? (width < 6 ? width : 6)
                             : type == PDB_TYPE_TAGS ? (width < 12 ? width : 12)
                                                     : width;
        if (effective == previous_effective) continue;
        previous_effective = effective;
        for (size_t r = 0; r < 6; r++) {
            for (int nulls = 0; nulls < CODEC_TEST_NULLS_COUNT; nulls++) {
                uint32_t rows = codec_test_row_counts[r];
                int64_t base = base_for(type, width, variant++);
                char label[160];
                snprintf(label, sizeof label, "%s, width %u, base %lld, %u rows, %s",
                         pdb_type_name(type), width, (long long)base, rows,
                         codec_test_nulls_names[nulls]);
                struct column_chunk chunk;
                codec_test_chunk_make(&chunk, type, rows, (enum codec_test_nulls)nulls, width,
                                      base, variant);
                uint32_t dictionary = type == PDB_TYPE_TAGS ? codec_test_tags_dictionary_size(width)
                                                            : UINT32_MAX;
                cr_assert_geq(check_chunk(&chunk, type, dictionary, label), 2, "%s", label);
                column_chunk_deinit(&chunk);
            }
        }
    }
}

Test(codec_matrix, int_round_trips_every_codec_width_nulls_and_rows) { run_type(PDB_TYPE_INT, 64); }
Test(codec_matrix, timestamp_round_trips_every_codec_width_nulls_and_rows)
{
    run_type(PDB_TYPE_TIMESTAMP, 64);
}
Test(codec_matrix, float_round_trips_every_codec_width_nulls_and_rows) { run_type(PDB_TYPE_FLOAT, 64); }
Test(codec_matrix, category_round_trips_every_codec_width_nulls_and_rows)
{
    run_type(PDB_TYPE_CATEGORY, 32);
}
Test(codec_matrix, bool_round_trips_every_codec_nulls_and_rows) { run_type(PDB_TYPE_BOOL, 1); }
Test(codec_matrix, text_round_trips_every_codec_width_nulls_and_rows) { run_type(PDB_TYPE_TEXT, 64); }
Test(codec_matrix, tags_round_trips_every_codec_width_nulls_and_rows) { run_type(PDB_TYPE_TAGS, 64); }
