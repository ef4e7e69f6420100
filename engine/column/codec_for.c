/*
 * FOR_BITPACK codec for int and timestamp chunks: NULLS, then FRAME(row_count) of the values
 * (layout in encoding.h).
 *
 * Frame of reference against the chunk minimum, then bit-packing at the width of the range:
 * ages take 7 bits, epoch seconds over two years 26, a constant chunk 0. The range is taken
 * in uint64 arithmetic so INT64_MIN..INT64_MAX packs (at width 64). NULL rows are packed as
 * the base. The in-memory lanes (column.h) are the same frame of reference, so decoding
 * unpacks the fields straight into lanes of the narrowest width that holds `width` bits,
 * with lane_base the frame base: a sealed chunk for every block this codec writes.
 */
#include "base/status.h"
#include "column/codec_common.h"

static enum codec_encode_result for_encode(const struct column_chunk *chunk, enum pdb_type type,
                                           struct buffer *out)
{
    (void)type;
    if (codec_nulls_append(chunk, out) != 0 ||
        codec_frame_append_lanes(out, chunk) != 0)
        return CODEC_NO_MEMORY;
    return CODEC_ENCODED;
}

static enum pdb_status for_decode(const uint8_t *payload, size_t size,
                                  const struct codec_block *block, struct column_chunk *chunk,
                                  struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    struct codec_frame frame;
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    status = codec_frame_read(&reader, block->row_count, 64u, "integer", &frame, error);
    if (status != PDB_OK) return status;
    if (reader.left != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%zu bytes follow the integer frame", reader.left);
    uint32_t lane_width = frame.width <= 8u    ? 1u
                          : frame.width <= 16u ? 2u
                          : frame.width <= 32u ? 4u
                                               : 8u;
    if (column_chunk_lanes_allocate(chunk, lane_width) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding integers");
    chunk->lane_base = (int64_t)frame.base;
    codec_frame_unpack_lanes(&frame, 0, chunk);
    if (block->null_count > 0) codec_zero_null_lanes(chunk);
    return PDB_OK;
}

const struct codec codec_for_bitpack = {
    .id = BLOCK_ENCODING_FOR_BITPACK,
    .name = "for_bitpack",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_INT) | CODEC_TYPE_BIT(PDB_TYPE_TIMESTAMP),
    .encode = for_encode,
    .decode = for_decode,
};
