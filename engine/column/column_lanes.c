/*
 * Lanes of int, timestamp and category chunks (the sealed and building forms are described
 * in column.h): allocation, conversion between widths and bases, sealing, and the lane
 * min/max scan column_chunk_refresh_summary takes the zone map from.
 *
 * Converting copies every row once into a new array at the target width (new lane = old lane
 * + old base - new base, NULL rows 0), so the chunk is unchanged when the allocation fails;
 * sealing never widens, since the sealed width is the narrowest that holds the values. The
 * min/max scan is branch-free within a 64-row word so that it vectorises at every width.
 */
#include <assert.h>

#include "base/alloc.h"
#include "base/status.h"
#include "column/column.h"

int column_chunk_lanes_allocate(struct column_chunk *chunk, uint32_t width_bytes)
{
    assert(width_bytes == 1 || width_bytes == 2 || width_bytes == 4 || width_bytes == 8);
    void *lanes = mem_alloc_block((size_t)PDB_CHUNK_ROWS * width_bytes);
    if (lanes == NULL) return -1;
    mem_free_block(chunk->lanes);
    chunk->lanes = lanes;
    chunk->lane_width_bytes = width_bytes;
    return 0;
}

#define RELANE_ROWS(lane_type)                                                                     \
    do {                                                                                           \
        lane_type *out_ = lanes;                                                                   \
        for (uint32_t row = 0; row < rows; row++)                                                  \
            out_[row] = (lane_type)(column_chunk_lane(chunk, row) + shift);                        \
        for (uint32_t word = 0; word * 64u < rows; word++) {                                       \
            for (uint64_t bits = chunk->nulls[word]; bits; bits &= bits - 1u)                      \
                out_[word * 64u + (uint32_t)__builtin_ctzll(bits)] = 0;                            \
        }                                                                                          \
    } while (0)

/* Rewrites the lanes at `width_bytes` against `base`; every row keeps its value, which the
 * caller guarantees the new lanes hold. 0, or -1 when out of memory (chunk unchanged). */
static int relane(struct column_chunk *chunk, uint32_t width_bytes, int64_t base)
{
    void *lanes = mem_alloc_block((size_t)PDB_CHUNK_ROWS * width_bytes);
    if (lanes == NULL) return -1;
    uint32_t rows = chunk->lanes != NULL ? chunk->row_count : 0;
    uint64_t shift = (uint64_t)chunk->lane_base - (uint64_t)base;
    switch (width_bytes) {
    case 1: RELANE_ROWS(uint8_t); break;
    case 2: RELANE_ROWS(uint16_t); break;
    case 4: RELANE_ROWS(uint32_t); break;
    default: RELANE_ROWS(uint64_t); break;
    }
    mem_free_block(chunk->lanes);
    chunk->lanes = lanes;
    chunk->lane_width_bytes = width_bytes;
    chunk->lane_base = base;
    return 0;
}

int column_chunk_lanes_widen(struct column_chunk *chunk, enum pdb_type type)
{
    uint32_t width = type == PDB_TYPE_CATEGORY ? 4u : 8u;
    int64_t base = type == PDB_TYPE_CATEGORY ? 0 : INT64_MIN;
    if (chunk->lanes != NULL && chunk->lane_width_bytes == width && chunk->lane_base == base)
        return 0;
    assert(chunk->lanes != NULL || chunk->row_count == 0);
    return relane(chunk, width, base);
}

/* The sealed width and base for the chunk's zone map. */
static void sealed_form(const struct column_chunk *chunk, enum pdb_type type, uint32_t *width_out,
                        int64_t *base_out)
{
    if (chunk->null_count == chunk->row_count) {
        *width_out = 1;
        *base_out = 0;
    } else if (type == PDB_TYPE_CATEGORY) {
        *width_out = column_lane_width_for((uint64_t)chunk->max_int);
        *base_out = 0;
    } else {
        /* max - min in uint64: INT64_MIN..INT64_MAX is 2^64 - 1, which needs 8 bytes. */
        *width_out = column_lane_width_for((uint64_t)chunk->max_int - (uint64_t)chunk->min_int);
        *base_out = chunk->min_int;
    }
}

bool column_chunk_is_sealed(const struct column_chunk *chunk, enum pdb_type type)
{
    if (type != PDB_TYPE_INT && type != PDB_TYPE_TIMESTAMP && type != PDB_TYPE_CATEGORY)
        return true; /* no lanes */
    if (chunk->lanes == NULL) return chunk->row_count == 0;
    uint32_t width;
    int64_t base;
    sealed_form(chunk, type, &width, &base);
    return chunk->lane_width_bytes == width && chunk->lane_base == base;
}

int column_chunk_seal(struct column_chunk *chunk, enum pdb_type type)
{
    if (column_chunk_is_sealed(chunk, type)) return 0;
    uint32_t width;
    int64_t base;
    sealed_form(chunk, type, &width, &base);
    assert(width <= chunk->lane_width_bytes);
    return relane(chunk, width, base);
}

enum pdb_status column_seal(struct column *column, struct pdb_error *error)
{
    enum pdb_type type = column->attribute.type;
    if (column->chunk_count == 0) return PDB_OK;
    if (column_chunk_seal(&column->chunks[column->chunk_count - 1], type) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory sealing a chunk of '%s'",
                         column->attribute.name);
    return PDB_OK;
}

/* ---- Lane min/max ------------------------------------------------------------------------ */

/* A NULL row's lane is masked to the type's maximum for the minimum and to 0 for the maximum,
 * so the words with NULLs need no branch per row either. */
#define DEFINE_LANES_RANGE(name, lane_type)                                                        \
    static void name(const lane_type *lanes, const uint64_t *nulls, uint32_t rows,                 \
                     uint64_t *min_out, uint64_t *max_out)                                         \
    {                                                                                              \
        lane_type low = (lane_type)~(lane_type)0, high = 0;                                        \
        for (uint32_t start = 0; start < rows; start += 64u) {                                     \
            const lane_type *word_lanes = lanes + start;                                           \
            uint32_t end = rows - start < 64u ? rows - start : 64u;                                \
            uint64_t bits = nulls[start / 64u];                                                    \
            if (bits == 0 && end == 64u) { /* a constant trip count the compiler unrolls */        \
                for (uint32_t i = 0; i < 64u; i++) {                                               \
                    lane_type lane = word_lanes[i];                                                \
                    low = lane < low ? lane : low;                                                 \
                    high = lane > high ? lane : high;                                              \
                }                                                                                  \
                continue;                                                                          \
            }                                                                                      \
            if (bits == 0) {                                                                       \
                for (uint32_t i = 0; i < end; i++) {                                               \
                    lane_type lane = word_lanes[i];                                                \
                    low = lane < low ? lane : low;                                                 \
                    high = lane > high ? lane : high;                                              \
                }                                                                                  \
                continue;                                                                          \
            }                                                                                      \
            for (uint32_t i = 0; i < end; i++) {                                                   \
                lane_type mask = (lane_type)(0u - (lane_type)((bits >> i) & 1u));                  \
                lane_type for_low = (lane_type)(word_lanes[i] | mask);                             \
                lane_type for_high = (lane_type)(word_lanes[i] & (lane_type)~mask);                \
                low = for_low < low ? for_low : low;                                               \
                high = for_high > high ? for_high : high;                                          \
            }                                                                                      \
        }                                                                                          \
        *min_out = low;                                                                            \
        *max_out = high;                                                                           \
    }

DEFINE_LANES_RANGE(lanes_range_u8, uint8_t)
DEFINE_LANES_RANGE(lanes_range_u16, uint16_t)
DEFINE_LANES_RANGE(lanes_range_u32, uint32_t)
DEFINE_LANES_RANGE(lanes_range_u64, uint64_t)

bool column_chunk_lanes_range(const struct column_chunk *chunk, uint64_t *min_out,
                              uint64_t *max_out)
{
    uint32_t rows = chunk->row_count;
    if (chunk->lanes == NULL || chunk->null_count == rows) return false;
    switch (chunk->lane_width_bytes) {
    case 1: lanes_range_u8(chunk->lanes_u8, chunk->nulls, rows, min_out, max_out); break;
    case 2: lanes_range_u16(chunk->lanes_u16, chunk->nulls, rows, min_out, max_out); break;
    case 4: lanes_range_u32(chunk->lanes_u32, chunk->nulls, rows, min_out, max_out); break;
    default: lanes_range_u64(chunk->lanes_u64, chunk->nulls, rows, min_out, max_out); break;
    }
    return true;
}
