/*
 * FOR_BITPACK codec for int and timestamp chunks: NULLS, then FRAME(row_count) of the values
 * (layout in encoding.h).
 *
 * Frame of reference against the chunk minimum, then bit-packing at the width of the range:
 * ages take 7 bits, epoch seconds over two years 26, a constant chunk 0. The range is taken
 * in uint64 arithmetic so INT64_MIN..INT64_MAX packs (at width 64). NULL rows are packed as
 * the base and decoded as 0, the in-memory NULL value. Decoding unpacks straight into the
 * chunk's int64 array at several values per nanosecond (codec_bitpack.c).
 */
#include "base/status.h"
#include "column/codec_common.h"

static enum codec_encode_result for_encode(const struct column_chunk *chunk, enum pdb_type type,
                                           struct buffer *out)
{
    (void)type;
    const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
    if (codec_nulls_append(chunk, out) != 0 ||
        codec_frame_append_i64(out, chunk->ints, nulls, chunk->row_count) != 0)
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
    uint64_t *values = (uint64_t *)chunk->ints; /* int64 and uint64 may alias */
    codec_frame_unpack_u64(&frame, 0, block->row_count, values);
    if (block->null_count > 0) codec_zero_null_rows_u64(chunk->nulls, block->row_count, values);
    return PDB_OK;
}

const struct codec codec_for_bitpack = {
    .id = BLOCK_ENCODING_FOR_BITPACK,
    .name = "for_bitpack",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_INT) | CODEC_TYPE_BIT(PDB_TYPE_TIMESTAMP),
    .encode = for_encode,
    .decode = for_decode,
};
