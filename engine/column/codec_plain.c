/*
 * PLAIN codec: the in-memory arrays as they are (layout in encoding.h).
 *
 * The format of every block written before the other codecs existed, so old databases keep
 * opening; the fallback for any chunk no other codec makes smaller; and the inner form of
 * the LZ4 codec, which calls codec_plain_encode/decode on the uncompressed payload.
 * Decoding is a few memcpys plus the checks no array can skip (offsets, finiteness); int,
 * timestamp and category values are written as i64 / u32 (NULL rows 0) from the lanes and
 * read back into sealed lanes (column.h) after one min/max pass over the payload.
 */
#include "column/codec_plain.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

static size_t words_for(uint32_t row_count)
{
    return ((size_t)row_count + 63u) / 64u;
}

static inline bool is_null_row(const uint64_t *nulls, uint32_t row)
{
    return (nulls[row >> 6] >> (row & 63u)) & 1u;
}

/* Appends every row's value as `element_size` (8: int64, 4: uint32 code) little-endian
 * bytes, NULL rows as 0. */
static int append_lane_values(const struct column_chunk *chunk, size_t element_size,
                              struct buffer *out)
{
    uint32_t rows = chunk->row_count;
    if (buffer_reserve(out, (size_t)rows * element_size) != 0) return -1;
    uint8_t *next = out->data + out->size;
    for (uint32_t row = 0; row < rows; row++) {
        uint64_t value = is_null_row(chunk->nulls, row)
                             ? 0
                             : (uint64_t)chunk->lane_base + column_chunk_lane(chunk, row);
        if (element_size == 8) {
            memcpy(next, &value, 8);
        } else {
            uint32_t code = (uint32_t)value;
            memcpy(next, &code, 4);
        }
        next += element_size;
    }
    out->size += (size_t)rows * element_size;
    return 0;
}

/* Decodes `rows` little-endian int64 values (is_code: uint32 codes) into sealed lanes. */
static enum pdb_status decode_lane_values(const uint8_t *payload, uint32_t rows, bool is_code,
                                          struct column_chunk *chunk, struct pdb_error *error)
{
    bool seen = false;
    int64_t min = 0, max = 0;
    for (uint32_t row = 0; row < rows; row++) {
        if (is_null_row(chunk->nulls, row)) continue;
        int64_t value;
        if (is_code) {
            uint32_t code;
            memcpy(&code, payload + (size_t)row * 4u, 4);
            value = code;
        } else {
            memcpy(&value, payload + (size_t)row * 8u, 8);
        }
        if (!seen || value < min) min = value;
        if (!seen || value > max) max = value;
        seen = true;
    }
    int64_t base = seen && !is_code ? min : 0;
    uint64_t span = seen ? (uint64_t)max - (uint64_t)base : 0;
    if (column_chunk_lanes_allocate(chunk, column_lane_width_for(span)) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding a plain block");
    chunk->lane_base = base;
    for (uint32_t row = 0; row < rows; row++) {
        uint64_t value;
        if (is_code) {
            uint32_t code;
            memcpy(&code, payload + (size_t)row * 4u, 4);
            value = code;
        } else {
            memcpy(&value, payload + (size_t)row * 8u, 8);
        }
        uint64_t lane = is_null_row(chunk->nulls, row) ? 0 : value - (uint64_t)base;
        column_chunk_lane_store(chunk, row, lane);
    }
    return PDB_OK;
}

enum codec_encode_result codec_plain_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out)
{
    uint32_t rows = chunk->row_count;
    int failed = 0;
    if (chunk->null_count > 0)
        failed |= buffer_append(out, chunk->nulls, words_for(rows) * sizeof(uint64_t));
    switch (type) {
    case PDB_TYPE_BOOL:
        failed |= buffer_append(out, chunk->bools, words_for(rows) * sizeof(uint64_t));
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        failed |= append_lane_values(chunk, sizeof(int64_t), out);
        break;
    case PDB_TYPE_FLOAT:
        failed |= buffer_append(out, chunk->floats, (size_t)rows * sizeof(double));
        break;
    case PDB_TYPE_CATEGORY:
        failed |= append_lane_values(chunk, sizeof(uint32_t), out);
        break;
    case PDB_TYPE_TEXT:
        failed |= buffer_append(out, chunk->offsets, ((size_t)rows + 1) * sizeof(uint32_t));
        if (!failed) failed |= buffer_append(out, chunk->text_bytes, chunk->offsets[rows]);
        break;
    case PDB_TYPE_TAGS:
        failed |= buffer_append(out, chunk->offsets, ((size_t)rows + 1) * sizeof(uint32_t));
        if (!failed)
            failed |= buffer_append(out, chunk->tag_codes, (size_t)chunk->offsets[rows] * sizeof(uint32_t));
        break;
    default: return CODEC_NOT_APPLICABLE;
    }
    return failed ? CODEC_NO_MEMORY : CODEC_ENCODED;
}

uint64_t codec_plain_fixed_size(const struct codec_block *block)
{
    uint64_t rows = block->row_count;
    uint64_t size = block->null_count > 0 ? words_for(block->row_count) * 8u : 0;
    switch (block->type) {
    case PDB_TYPE_BOOL: return size + words_for(block->row_count) * 8u;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_FLOAT: return size + rows * 8u;
    case PDB_TYPE_CATEGORY: return size + rows * 4u;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: return size + (rows + 1) * 4u;
    default: return 0;
    }
}

uint64_t codec_plain_size_max(const struct codec_block *block)
{
    uint64_t fixed = codec_plain_fixed_size(block);
    if (block->type == PDB_TYPE_TEXT) return fixed + PDB_CHUNK_TEXT_BYTES_MAX;
    if (block->type == PDB_TYPE_TAGS)
        return fixed + (uint64_t)block->row_count * PDB_TAGS_PER_VALUE_MAX * sizeof(uint32_t);
    return fixed;
}

/* Text bytes or tag codes: payload[0..size) after the offsets. */
static enum pdb_status decode_strings(const uint8_t *payload, size_t size,
                                      const struct codec_block *block, struct column_chunk *chunk,
                                      struct pdb_error *error)
{
    uint32_t rows = block->row_count;
    size_t offsets_size = ((size_t)rows + 1) * sizeof(uint32_t);
    if (size < offsets_size)
        return error_set(error, PDB_ERR_CORRUPT, "string block is shorter than its offsets");
    memcpy(chunk->offsets, payload, offsets_size);
    if (chunk->offsets[0] != 0)
        return error_set(error, PDB_ERR_CORRUPT, "string block offsets do not start at 0");
    for (uint32_t row = 0; row < rows; row++) {
        if (chunk->offsets[row] > chunk->offsets[row + 1])
            return error_set(error, PDB_ERR_CORRUPT, "string block offsets decrease at row %u", row);
    }
    size_t element = block->type == PDB_TYPE_TEXT ? 1u : sizeof(uint32_t);
    uint64_t values_size = (uint64_t)chunk->offsets[rows] * element;
    if (size - offsets_size != values_size) {
        return error_set(error, PDB_ERR_CORRUPT, "string block holds %zu value bytes, its offsets "
                         "say %llu", size - offsets_size, (unsigned long long)values_size);
    }
    if (values_size == 0) return PDB_OK;
    void *values = mem_alloc((size_t)values_size);
    if (values == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding a string block");
    memcpy(values, payload + offsets_size, (size_t)values_size);
    if (block->type == PDB_TYPE_TEXT) {
        chunk->text_bytes = values;
        chunk->text_bytes_size = (size_t)values_size;
        chunk->text_bytes_capacity = (size_t)values_size;
    } else {
        chunk->tag_codes = values;
        chunk->tag_codes_capacity = chunk->offsets[rows];
    }
    return PDB_OK;
}

enum pdb_status codec_plain_decode(const uint8_t *payload, size_t size,
                                   const struct codec_block *block, struct column_chunk *chunk,
                                   struct pdb_error *error)
{
    uint32_t rows = block->row_count;
    if (block->null_count > 0) {
        size_t null_size = words_for(rows) * sizeof(uint64_t);
        if (size < null_size)
            return error_set(error, PDB_ERR_CORRUPT, "block is too short for its null bitset");
        memcpy(chunk->nulls, payload, null_size);
        payload += null_size;
        size -= null_size;
    }
    switch (block->type) {
    case PDB_TYPE_BOOL: {
        size_t fixed = words_for(rows) * sizeof(uint64_t);
        if (size != fixed) return error_set(error, PDB_ERR_CORRUPT, "bool block has the wrong size");
        memcpy(chunk->bools, payload, fixed);
        if (rows % 64u && (chunk->bools[rows / 64u] >> (rows % 64u)) != 0)
            return error_set(error, PDB_ERR_CORRUPT, "bool block has bits set beyond its rows");
        return PDB_OK;
    }
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        if (size != (size_t)rows * 8u)
            return error_set(error, PDB_ERR_CORRUPT, "integer block has the wrong size");
        return decode_lane_values(payload, rows, false, chunk, error);
    case PDB_TYPE_FLOAT:
        if (size != (size_t)rows * 8u)
            return error_set(error, PDB_ERR_CORRUPT, "float block has the wrong size");
        memcpy(chunk->floats, payload, size);
        for (uint32_t row = 0; row < rows; row++) {
            if (!isfinite(chunk->floats[row]))
                return error_set(error, PDB_ERR_CORRUPT, "float block holds NaN or infinity at row %u", row);
        }
        return PDB_OK;
    case PDB_TYPE_CATEGORY:
        if (size != (size_t)rows * 4u)
            return error_set(error, PDB_ERR_CORRUPT, "category block has the wrong size");
        return decode_lane_values(payload, rows, true, chunk, error);
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: return decode_strings(payload, size, block, chunk, error);
    default: return error_set(error, PDB_ERR_CORRUPT, "unknown type");
    }
}

const struct codec codec_plain = {
    .id = BLOCK_ENCODING_PLAIN,
    .name = "plain",
    .type_mask = CODEC_ALL_TYPES,
    .encode = codec_plain_encode,
    .decode = codec_plain_decode,
};
