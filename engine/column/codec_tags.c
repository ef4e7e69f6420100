/*
 * TAGS_BITPACK codec for tags chunks: NULLS, FRAME(row_count) of the tag counts per row,
 * FRAME(sum of the counts) of the tag codes (layout in encoding.h).
 *
 * A tag set is a few codes of a small dictionary (30 interests: 5 bits a code) and its
 * count needs 2-3 bits, against 4 bytes an offset and 4 bytes a code in PLAIN. Decoding
 * rebuilds the offsets as a running sum of the counts and checks, before allocating the
 * codes, that no row holds more than PDB_TAGS_PER_VALUE_MAX tags, nor more than the frame's
 * width and the dictionary leave room for (codes are distinct within a row). That codes
 * ascend within each row and stay below the dictionary size is checked by block_decode
 * (column_chunk_validate), which names the row when it is not so.
 */
#include "base/alloc.h"
#include "base/status.h"
#include "column/codec_common.h"

static enum codec_encode_result tags_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out)
{
    (void)type;
    uint32_t rows = chunk->row_count;
    uint32_t *counts = mem_alloc(((size_t)rows + 1) * sizeof *counts);
    if (counts == NULL) return CODEC_NO_MEMORY;
    for (uint32_t row = 0; row < rows; row++)
        counts[row] = chunk->offsets[row + 1] - chunk->offsets[row];
    const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
    int failed = codec_nulls_append(chunk, out) != 0 ||
                 codec_frame_append_u32(out, counts, nulls, rows) != 0 ||
                 codec_frame_append_u32(out, chunk->tag_codes, NULL, chunk->offsets[rows]) != 0;
    mem_free(counts);
    return failed ? CODEC_NO_MEMORY : CODEC_ENCODED;
}

/* Turns offsets[1..rows] holding counts into running offsets; *largest_out = the largest
 * count. */
static enum pdb_status sum_counts(uint32_t *offsets, uint32_t rows, uint64_t *total_out,
                                  uint32_t *largest_out, struct pdb_error *error)
{
    uint64_t sum = 0;
    uint32_t largest = 0;
    offsets[0] = 0;
    for (uint32_t row = 0; row < rows; row++) {
        uint32_t count = offsets[row + 1];
        if (count > PDB_TAGS_PER_VALUE_MAX) {
            return error_set(error, PDB_ERR_CORRUPT, "row %u has %u tags (at most %u)", row, count,
                             PDB_TAGS_PER_VALUE_MAX);
        }
        largest = count > largest ? count : largest;
        sum += count;
        offsets[row + 1] = (uint32_t)sum; /* <= 65,536 * 1,024 */
    }
    *total_out = sum;
    *largest_out = largest;
    return PDB_OK;
}

static enum pdb_status tags_decode(const uint8_t *payload, size_t size,
                                   const struct codec_block *block, struct column_chunk *chunk,
                                   struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    uint32_t rows = block->row_count;
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    struct codec_frame counts, codes;
    status = codec_frame_read(&reader, rows, 32u, "tag count", &counts, error);
    if (status != PDB_OK) return status;
    codec_frame_unpack_u32(&counts, 0, rows, chunk->offsets + 1);
    if (block->null_count > 0) codec_zero_null_rows_u32(chunk->nulls, rows, chunk->offsets + 1);
    uint64_t total = 0;
    uint32_t largest = 0;
    status = sum_counts(chunk->offsets, rows, &total, &largest, error);
    if (status != PDB_OK) return status;
    status = codec_frame_read(&reader, total, 32u, "tag code", &codes, error);
    if (status != PDB_OK) return status;
    if (reader.left != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%zu bytes follow the tag code frame", reader.left);
    /* Codes within a row are distinct, so a row holds at most 2^width of them and at most
     * one per dictionary entry. This also bounds the allocation when the width is 0. */
    uint64_t room = codes.width >= 32u ? UINT64_MAX : 1ull << codes.width;
    if (largest > room || largest > block->dictionary_entry_count) {
        return error_set(error, PDB_ERR_CORRUPT, "a row has %u distinct tags, but codes span %llu "
                         "values and the dictionary %u", largest, (unsigned long long)room,
                         block->dictionary_entry_count);
    }
    if (total == 0) return PDB_OK;
    uint32_t *values = mem_alloc((size_t)total * sizeof *values);
    if (values == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding tags");
    chunk->tag_codes = values; /* owned by the chunk from here on */
    chunk->tag_codes_capacity = (size_t)total;
    codec_frame_unpack_u32(&codes, 0, (uint32_t)total, values);
    /* Order within rows and the dictionary bound: block_decode's column_chunk_validate. */
    return PDB_OK;
}

const struct codec codec_tags_bitpack = {
    .id = BLOCK_ENCODING_TAGS_BITPACK,
    .name = "tags_bitpack",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_TAGS),
    .encode = tags_encode,
    .decode = tags_decode,
};
