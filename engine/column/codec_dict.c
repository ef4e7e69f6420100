/*
 * DICT_BITPACK codec for category chunks: NULLS, then FRAME(row_count) of the dictionary
 * codes (layout in encoding.h).
 *
 * Dictionaries are usually small (a country: 40 entries, 6 bits; a tier: 5 entries, 3
 * bits), so codes pack at the width of (max - min) over the chunk's non-NULL codes; taking
 * the minimum as the base also makes a chunk of one value cost nothing per row, and keeps
 * codes narrow when later chunks use only recently added entries. NULL rows decode as code
 * 0. Decoding unpacks base + field straight into lanes (column.h) of the width that holds the
 * frame's largest possible code; when the frame straddles a width (codes 200..250 packed at 6
 * bits could reach 263) block_decode narrows the chunk to its real largest code. block_decode
 * checks the codes against the dictionary size and names a wrong row.
 */
#include "base/status.h"
#include "column/codec_common.h"

static enum codec_encode_result dict_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out)
{
    (void)type;
    if (codec_nulls_append(chunk, out) != 0 || codec_frame_append_lanes(out, chunk) != 0)
        return CODEC_NO_MEMORY;
    return CODEC_ENCODED;
}

static enum pdb_status dict_decode(const uint8_t *payload, size_t size,
                                   const struct codec_block *block, struct column_chunk *chunk,
                                   struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    struct codec_frame frame;
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    status = codec_frame_read(&reader, block->row_count, 32u, "category code", &frame, error);
    if (status != PDB_OK) return status;
    if (reader.left != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%zu bytes follow the category code frame", reader.left);
    /* The base is the smallest code: at or beyond the dictionary, every row's code is. */
    if (block->null_count < block->row_count && frame.base >= block->dictionary_entry_count) {
        uint32_t row = 0;
        while (row < block->row_count && ((chunk->nulls[row >> 6] >> (row & 63u)) & 1u)) row++;
        return error_set(error, PDB_ERR_CORRUPT, "category code %llu at row %u is beyond the "
                         "%u-entry dictionary", (unsigned long long)frame.base, row,
                         block->dictionary_entry_count);
    }
    /* Largest possible code: base + 2^width - 1 (base < 2^32, width <= 32: no overflow). */
    uint64_t largest = frame.base + (frame.width == 0 ? 0 : (1ull << frame.width) - 1u);
    uint32_t lane_width = column_lane_width_for(largest);
    if (lane_width > 4u) lane_width = 4u; /* codes wrap at 32 bits; validation refuses them */
    if (column_chunk_lanes_allocate(chunk, lane_width) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding category codes");
    chunk->lane_base = 0;
    codec_frame_unpack_lanes(&frame, frame.base, chunk);
    if (block->null_count > 0) codec_zero_null_lanes(chunk);
    /* Codes against the dictionary: block_decode's column_chunk_validate. */
    return PDB_OK;
}

const struct codec codec_dict_bitpack = {
    .id = BLOCK_ENCODING_DICT_BITPACK,
    .name = "dict_bitpack",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_CATEGORY),
    .encode = dict_encode,
    .decode = dict_decode,
};
