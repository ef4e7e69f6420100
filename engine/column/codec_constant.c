/*
 * CONSTANT codec for bool, int, timestamp, float and category chunks: NULLS, then one u64
 * holding the value of every non-NULL row (layout in encoding.h).
 *
 * A chunk of one repeated value (a flag nobody has set yet, a default tier, a column that
 * is entirely NULL in this chunk) costs the header plus eight bytes, and decoding is a fill.
 * Float values are compared bit for bit, so 0.0 and -0.0 are different values. With no
 * non-NULL row the value must be 0. Lane types (column.h) are judged by their exact zone map
 * and decode sealed: an int chunk as one-byte lanes of 0 under the value as lane_base.
 */
#include <math.h>
#include <string.h>

#include "base/bitset.h"
#include "base/status.h"
#include "column/codec_common.h"

static inline bool is_null_row(const struct column_chunk *chunk, uint32_t row)
{
    return (chunk->nulls[row >> 6] >> (row & 63u)) & 1u;
}

/* The row's value as the u64 the payload stores (bool and float; lanes use the zone map). */
static uint64_t row_value(const struct column_chunk *chunk, enum pdb_type type, uint32_t row)
{
    switch (type) {
    case PDB_TYPE_BOOL: return bitset_test(chunk->bools, row);
    case PDB_TYPE_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &chunk->floats[row], sizeof bits);
        return bits;
    }
    default: return 0;
    }
}

static enum codec_encode_result constant_encode(const struct column_chunk *chunk,
                                                enum pdb_type type, struct buffer *out)
{
    bool seen = false;
    uint64_t value = 0;
    if (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP || type == PDB_TYPE_CATEGORY) {
        /* Lanes: the exact zone map says it at once (column.h). */
        bool has_values = chunk->null_count < chunk->row_count;
        if (has_values && chunk->min_int != chunk->max_int) return CODEC_NOT_APPLICABLE;
        value = has_values ? (uint64_t)chunk->min_int : 0;
        if (codec_nulls_append(chunk, out) != 0 || buffer_append_u64(out, value) != 0)
            return CODEC_NO_MEMORY;
        return CODEC_ENCODED;
    }
    for (uint32_t row = 0; row < chunk->row_count; row++) {
        if (chunk->null_count > 0 && is_null_row(chunk, row)) continue;
        uint64_t this_value = row_value(chunk, type, row);
        if (seen && this_value != value) return CODEC_NOT_APPLICABLE;
        value = this_value;
        seen = true;
    }
    if (codec_nulls_append(chunk, out) != 0 || buffer_append_u64(out, value) != 0)
        return CODEC_NO_MEMORY;
    return CODEC_ENCODED;
}

static enum pdb_status constant_decode(const uint8_t *payload, size_t size,
                                       const struct codec_block *block, struct column_chunk *chunk,
                                       struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    uint64_t value;
    if (!codec_read_u64(&reader, &value))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for its constant");
    if (reader.left != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%zu bytes follow the constant", reader.left);
    uint32_t rows = block->row_count;
    if (block->null_count == rows && value != 0)
        return error_set(error, PDB_ERR_CORRUPT, "all-NULL constant block holds a value");
    switch (block->type) {
    case PDB_TYPE_BOOL:
        if (value > 1) return error_set(error, PDB_ERR_CORRUPT, "bool constant is %llu", (unsigned long long)value);
        if (value) {
            bitset_fill(chunk->bools, rows);
            bitset_andnot_inplace(chunk->bools, chunk->nulls);
        } else {
            bitset_zero(chunk->bools);
        }
        return PDB_OK;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        /* Sealed at once: base the value, every lane 0. */
        if (column_chunk_lanes_allocate(chunk, 1) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding a constant");
        chunk->lane_base = (int64_t)value;
        if (rows > 0) memset(chunk->lanes_u8, 0, rows);
        return PDB_OK;
    case PDB_TYPE_FLOAT: {
        double number;
        memcpy(&number, &value, sizeof number);
        if (!isfinite(number)) return error_set(error, PDB_ERR_CORRUPT, "float constant is NaN or infinite");
        for (uint32_t row = 0; row < rows; row++) chunk->floats[row] = number;
        if (block->null_count > 0) codec_zero_null_rows_f64(chunk->nulls, rows, chunk->floats);
        return PDB_OK;
    }
    case PDB_TYPE_CATEGORY:
        if (block->null_count < rows && value >= block->dictionary_entry_count) {
            return error_set(error, PDB_ERR_CORRUPT, "category constant %llu is beyond the %u-entry "
                             "dictionary", (unsigned long long)value, block->dictionary_entry_count);
        }
        if (column_chunk_lanes_allocate(chunk, column_lane_width_for(value)) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding a constant");
        chunk->lane_base = 0;
        for (uint32_t row = 0; row < rows; row++) column_chunk_lane_store(chunk, row, value);
        if (block->null_count > 0) codec_zero_null_lanes(chunk);
        return PDB_OK;
    default: return error_set(error, PDB_ERR_CORRUPT, "constant block of an unsupported type");
    }
}

const struct codec codec_constant = {
    .id = BLOCK_ENCODING_CONSTANT,
    .name = "constant",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_BOOL) | CODEC_TYPE_BIT(PDB_TYPE_INT) |
                 CODEC_TYPE_BIT(PDB_TYPE_TIMESTAMP) | CODEC_TYPE_BIT(PDB_TYPE_FLOAT) |
                 CODEC_TYPE_BIT(PDB_TYPE_CATEGORY),
    .encode = constant_encode,
    .decode = constant_decode,
};
