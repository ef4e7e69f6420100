/*
 * Frame-of-reference sections (FRAME in encoding.h): u64 base, u32 width, packed fields.
 *
 * The integer, dictionary, decimal, text-length and tag codecs all store their numbers this
 * way. The base is the minimum non-NULL value and the width the bits of (max - min) taken in
 * uint64 arithmetic, so the full int64 range (max - min up to 2^64 - 1) packs at width 64.
 * Reading checks the width, that a 32-bit target's base fits, and that exactly the packed
 * bytes for `count` fields are present, before anything is unpacked. Int, timestamp and
 * category chunks are packed from their lanes and unpacked into them at the lane width
 * (codec_frame_append_lanes, codec_frame_unpack_lanes): no int64 copy in between.
 */
#include <assert.h>
#include <stdbool.h>

#include "base/status.h"
#include "column/codec_bitpack.h"
#include "column/codec_common.h"

static inline bool is_null_row(const uint64_t *nulls, uint32_t row)
{
    return nulls != NULL && ((nulls[row >> 6] >> (row & 63u)) & 1u);
}

int codec_frame_append_i64(struct buffer *out, const int64_t *values, const uint64_t *nulls,
                           uint32_t count)
{
    bool seen = false;
    int64_t min = 0, max = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (is_null_row(nulls, i)) continue;
        if (!seen || values[i] < min) min = values[i];
        if (!seen || values[i] > max) max = values[i];
        seen = true;
    }
    uint64_t base = (uint64_t)min;
    uint32_t width = bitpack_width((uint64_t)max - (uint64_t)min);
    if (buffer_append_u64(out, base) != 0 || buffer_append_u32(out, width) != 0) return -1;
    /* int64 and uint64 may alias: the fields are the uint64 differences. */
    return bitpack_append_u64(out, (const uint64_t *)values, nulls, count, base, width);
}

int codec_frame_append_u32(struct buffer *out, const uint32_t *values, const uint64_t *nulls,
                           uint32_t count)
{
    bool seen = false;
    uint32_t min = 0, max = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (is_null_row(nulls, i)) continue;
        if (!seen || values[i] < min) min = values[i];
        if (!seen || values[i] > max) max = values[i];
        seen = true;
    }
    uint32_t width = bitpack_width(max - min);
    if (buffer_append_u64(out, min) != 0 || buffer_append_u32(out, width) != 0) return -1;
    return bitpack_append_u32(out, values, nulls, count, min, width);
}

int codec_frame_append_lanes(struct buffer *out, const struct column_chunk *chunk)
{
    const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
    uint32_t count = chunk->row_count;
    bool has_values = chunk->null_count < count;
    /* The zone map is exact (column.h): the frame base is the minimum, as if scanned. */
    uint64_t base = has_values ? (uint64_t)chunk->min_int : 0;
    uint32_t width = has_values ? bitpack_width((uint64_t)chunk->max_int - base) : 0;
    if (buffer_append_u64(out, base) != 0 || buffer_append_u32(out, width) != 0) return -1;
    /* field = value - base = lane - (base - lane_base), which fits the lane type. */
    uint64_t shift = has_values ? base - (uint64_t)chunk->lane_base : 0;
    switch (chunk->lane_width_bytes) {
    case 0: assert(count == 0); return 0; /* no lanes yet */
    case 1: return bitpack_append_u8(out, chunk->lanes_u8, nulls, count, (uint8_t)shift, width);
    case 2: return bitpack_append_u16(out, chunk->lanes_u16, nulls, count, (uint16_t)shift, width);
    case 4: return bitpack_append_u32(out, chunk->lanes_u32, nulls, count, (uint32_t)shift, width);
    default: return bitpack_append_u64(out, chunk->lanes_u64, nulls, count, shift, width);
    }
}

enum pdb_status codec_frame_read(struct codec_reader *reader, uint64_t count, uint32_t width_max,
                                 const char *what, struct codec_frame *frame,
                                 struct pdb_error *error)
{
    uint64_t base;
    uint32_t width;
    if (!codec_read_u64(reader, &base) || !codec_read_u32(reader, &width))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for the %s frame", what);
    if (width > width_max) {
        return error_set(error, PDB_ERR_CORRUPT, "%s frame has width %u (at most %u)", what,
                         width, width_max);
    }
    if (width_max <= 32u && base > UINT32_MAX) {
        return error_set(error, PDB_ERR_CORRUPT, "%s frame base %llu does not fit 32 bits", what,
                         (unsigned long long)base);
    }
    uint64_t packed_size = bitpack_size_bytes(count, width);
    const uint8_t *packed = codec_read_bytes(reader, packed_size);
    if (packed == NULL) {
        return error_set(error, PDB_ERR_CORRUPT, "%s frame needs %llu packed bytes for %llu "
                         "fields of %u bits, %zu are left", what,
                         (unsigned long long)packed_size, (unsigned long long)count, width,
                         reader->left);
    }
    frame->base = base;
    frame->width = width;
    frame->count = count;
    frame->packed = packed;
    frame->packed_size = (size_t)packed_size;
    return PDB_OK;
}

void codec_frame_unpack_u64(const struct codec_frame *frame, uint64_t first, uint32_t count,
                            uint64_t *out)
{
    bitpack_unpack_u64(frame->packed, frame->packed_size, first, count, frame->width,
                       frame->base, out);
}

void codec_frame_unpack_u32(const struct codec_frame *frame, uint64_t first, uint32_t count,
                            uint32_t *out)
{
    bitpack_unpack_u32(frame->packed, frame->packed_size, first, count, frame->width,
                       (uint32_t)frame->base, out);
}

void codec_frame_unpack_lanes(const struct codec_frame *frame, uint64_t lane_offset,
                              struct column_chunk *chunk)
{
    uint32_t count = (uint32_t)frame->count;
    const uint8_t *packed = frame->packed;
    size_t size = frame->packed_size;
    switch (chunk->lane_width_bytes) {
    case 1:
        bitpack_unpack_u8(packed, size, 0, count, frame->width, (uint8_t)lane_offset,
                          chunk->lanes_u8);
        break;
    case 2:
        bitpack_unpack_u16(packed, size, 0, count, frame->width, (uint16_t)lane_offset,
                           chunk->lanes_u16);
        break;
    case 4:
        bitpack_unpack_u32(packed, size, 0, count, frame->width, (uint32_t)lane_offset,
                           chunk->lanes_u32);
        break;
    default:
        bitpack_unpack_u64(packed, size, 0, count, frame->width, lane_offset, chunk->lanes_u64);
        break;
    }
}
