/*
 * DICT_BITPACK codec for category chunks: NULLS, then FRAME(row_count) of the dictionary
 * codes (layout in encoding.h).
 *
 * Dictionaries are usually small (a country: 40 entries, 6 bits; a tier: 5 entries, 3
 * bits), so codes pack at the width of (max - min) over the chunk's non-NULL codes; taking
 * the minimum as the base also makes a chunk of one value cost nothing per row, and keeps
 * codes narrow when later chunks use only recently added entries. NULL rows decode as code
 * 0. block_decode checks the codes against the dictionary size and names a wrong row.
 */
#include "base/status.h"
#include "column/codec_common.h"

static enum codec_encode_result dict_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out)
{
    (void)type;
    const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
    if (codec_nulls_append(chunk, out) != 0 ||
        codec_frame_append_u32(out, chunk->codes, nulls, chunk->row_count) != 0)
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
    codec_frame_unpack_u32(&frame, 0, block->row_count, chunk->codes);
    if (block->null_count > 0) codec_zero_null_rows_u32(chunk->nulls, block->row_count, chunk->codes);
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
