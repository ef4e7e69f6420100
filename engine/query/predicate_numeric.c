/*
 * Numeric leaves on int, timestamp and float chunks: one inclusive range or a sorted IN set.
 *
 * The chunk's zone map (exact min/max of its non-null values) decides first: a chunk whose
 * values all lie outside the range (or outside [set minimum, set maximum]) matches nothing,
 * one whose values all lie inside a range matches every non-null row; only the rest is
 * scanned with the active SIMD kernels (simd/simd.h), whose words the executor then masks
 * with NULLs.
 *
 * Int and timestamp chunks hold lanes, offsets from lane_base at 1, 2, 4 or 8 bytes
 * (column/column.h), so a range is clamped to [min, max] and translated into the lane domain
 * (value - lane_base, never negative and within the width) and the u8..u64 range kernels
 * scan the lanes as they are. An IN set keeps the values inside [min, max], translated the
 * same way, for the u8/u16/u32 IN kernels (or in_i64 over 8-byte lanes, in the lanes' signed
 * order); a list longer than PDB_IN_LANE_SET_SIZE_MAX is tested on widened blocks of values.
 */
#include <string.h>

#include "query/query_internal.h"
#include "simd/simd.h"

static_assert(PDB_CHUNK_ROWS <= SIMD_SCAN_COUNT_MAX, "a chunk is one kernel call");
static_assert(PDB_IN_LIST_SIZE_MAX <= SIMD_IN_SET_COUNT_MAX, "an IN list is one kernel set");
static_assert(PDB_IN_LANE_SET_SIZE_MAX <= PDB_IN_LIST_SIZE_MAX, "lane sets are IN lists");

/* Rows widened at a time when an IN list is too long for a lane set (whole words). */
#define WIDEN_BLOCK_ROWS 256u

/* values[first .. first + count): the sorted values inside [min, max] (count may be 0). */
static uint32_t values_inside(const int64_t *values, uint32_t value_count, int64_t min,
                              int64_t max, uint32_t *first_out)
{
    uint32_t low = 0, high = value_count; /* first index with values[i] >= min */
    while (low < high) {
        uint32_t middle = low + (high - low) / 2u;
        if (values[middle] < min)
            low = middle + 1u;
        else
            high = middle;
    }
    uint32_t first = low;
    high = value_count; /* first index with values[i] > max */
    while (low < high) {
        uint32_t middle = low + (high - low) / 2u;
        if (values[middle] <= max)
            low = middle + 1u;
        else
            high = middle;
    }
    *first_out = first;
    return low - first;
}

/* value in values[0 .. count) over widened blocks of the chunk's values: any list length. */
static void in_widened(const struct simd_kernels *simd, const struct column_chunk *chunk,
                       const int64_t *values, uint32_t count, uint64_t *match_words)
{
    int64_t block[WIDEN_BLOCK_ROWS];
    uint32_t rows = chunk->row_count;
    for (uint32_t start = 0; start < rows; start += WIDEN_BLOCK_ROWS) {
        uint32_t block_rows = rows - start < WIDEN_BLOCK_ROWS ? rows - start : WIDEN_BLOCK_ROWS;
        for (uint32_t i = 0; i < block_rows; i++) block[i] = column_chunk_int(chunk, start + i);
        simd->in_i64(block, block_rows, values, count, match_words + start / 64u);
    }
}

#define TRANSLATE_SET(lane_type, set)                                                              \
    for (uint32_t i_ = 0; i_ < count; i_++)                                                        \
        (set)[i_] = (lane_type)((uint64_t)values[i_] - (uint64_t)chunk->lane_base)

/* The translated set over the lanes at their width; the values lie in [min, max]. */
static void in_lanes(const struct simd_kernels *simd, const struct column_chunk *chunk,
                     const int64_t *values, uint32_t count, uint64_t *match_words)
{
    uint32_t rows = chunk->row_count;
    switch (chunk->lane_width_bytes) {
    case 1: {
        uint8_t set[PDB_IN_LANE_SET_SIZE_MAX];
        TRANSLATE_SET(uint8_t, set);
        simd->in_u8(chunk->lanes_u8, rows, set, count, match_words);
        return;
    }
    case 2: {
        uint16_t set[PDB_IN_LANE_SET_SIZE_MAX];
        TRANSLATE_SET(uint16_t, set);
        simd->in_u16(chunk->lanes_u16, rows, set, count, match_words);
        return;
    }
    case 4: {
        uint32_t set[PDB_IN_LANE_SET_SIZE_MAX];
        TRANSLATE_SET(uint32_t, set);
        simd->in_u32(chunk->lanes_u32, rows, set, count, match_words);
        return;
    }
    default: {
        /* No u64 IN kernel: in_i64 over the lanes read as int64. Lanes at or above 2^63 sort
         * first in that order, so the translated set (ascending as uint64) is rotated. */
        int64_t set[PDB_IN_LANE_SET_SIZE_MAX];
        uint64_t base = (uint64_t)chunk->lane_base;
        uint32_t below = 0; /* translated values below 2^63 */
        while (below < count && (uint64_t)values[below] - base <= (uint64_t)INT64_MAX) below++;
        for (uint32_t i = below; i < count; i++) set[i - below] = (int64_t)((uint64_t)values[i] - base);
        for (uint32_t i = 0; i < below; i++)
            set[count - below + i] = (int64_t)((uint64_t)values[i] - base);
        simd->in_i64((const int64_t *)chunk->lanes_u64, rows, set, count, match_words);
        return;
    }
    }
}

/* low <= lane <= high over the chunk's lanes at their width (high fits the width). */
void predicate_lanes_range(const struct simd_kernels *simd, const struct column_chunk *chunk,
                           uint64_t low, uint64_t high, uint64_t *match_words)
{
    uint32_t rows = chunk->row_count;
    switch (chunk->lane_width_bytes) {
    case 1: simd->range_u8(chunk->lanes_u8, rows, (uint8_t)low, (uint8_t)high, match_words); break;
    case 2:
        simd->range_u16(chunk->lanes_u16, rows, (uint16_t)low, (uint16_t)high, match_words);
        break;
    case 4:
        simd->range_u32(chunk->lanes_u32, rows, (uint32_t)low, (uint32_t)high, match_words);
        break;
    default: simd->range_u64(chunk->lanes_u64, rows, low, high, match_words); break;
    }
}

/* Matching codes of a 2-byte category chunk that in_u16 compares by broadcast (no gather). */
#define LOOKUP_SET_U16_MAX 16u

/* table[lane] != 0 over a category chunk's codes at their width (table padded, simd.h). One-
 * byte codes go through in_u8 instead, with the matching codes up to the chunk's largest as
 * its set: a shuffle per 64 rows where the lookup kernel gathers every code; two-byte codes
 * likewise through in_u16 when at most LOOKUP_SET_U16_MAX codes of the chunk's range match. */
void predicate_lanes_lookup(const struct simd_kernels *simd, const struct column_chunk *chunk,
                            const uint8_t *table, uint64_t *match_words)
{
    uint32_t rows = chunk->row_count;
    switch (chunk->lane_width_bytes) {
    case 1: {
        uint8_t set[256];
        uint32_t count = 0;
        uint32_t largest = chunk->null_count < rows ? (uint32_t)chunk->max_int : 0;
        for (uint32_t code = 0; code <= largest && code <= UINT8_MAX; code++)
            if (table[code]) set[count++] = (uint8_t)code;
        if (count > 0)
            simd->in_u8(chunk->lanes_u8, rows, set, count, match_words);
        else
            memset(match_words, 0, (rows + 63u) / 64u * sizeof(uint64_t));
        break;
    }
    case 2: {
        uint16_t set[LOOKUP_SET_U16_MAX];
        uint32_t count = 0;
        uint32_t smallest = chunk->null_count < rows ? (uint32_t)chunk->min_int : 0;
        uint32_t largest = chunk->null_count < rows ? (uint32_t)chunk->max_int : 0;
        for (uint32_t code = smallest; code <= largest && count <= LOOKUP_SET_U16_MAX; code++) {
            if (!table[code]) continue;
            if (count < LOOKUP_SET_U16_MAX) set[count] = (uint16_t)code;
            count++;
        }
        if (count > LOOKUP_SET_U16_MAX)
            simd->lookup_u16(chunk->lanes_u16, rows, table, match_words);
        else if (count > 0)
            simd->in_u16(chunk->lanes_u16, rows, set, count, match_words);
        else
            memset(match_words, 0, (rows + 63u) / 64u * sizeof(uint64_t));
        break;
    }
    default: simd->lookup_u32(chunk->lanes_u32, rows, table, match_words); break;
    }
}

enum leaf_match predicate_numeric_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                        uint64_t *match_words)
{
    uint32_t rows = chunk->row_count;
    const struct simd_kernels *simd = simd_kernels();
    switch (leaf->kind) {
    case LEAF_INT_RANGE: {
        if (chunk->max_int < leaf->int_low || chunk->min_int > leaf->int_high)
            return LEAF_MATCH_NONE;
        if (chunk->min_int >= leaf->int_low && chunk->max_int <= leaf->int_high)
            return LEAF_MATCH_ALL;
        /* Clamped to the chunk's values, the bounds are offsets the lanes can hold. */
        int64_t low = leaf->int_low > chunk->min_int ? leaf->int_low : chunk->min_int;
        int64_t high = leaf->int_high < chunk->max_int ? leaf->int_high : chunk->max_int;
        uint64_t base = (uint64_t)chunk->lane_base;
        predicate_lanes_range(simd, chunk, (uint64_t)low - base, (uint64_t)high - base, match_words);
        break;
    }
    case LEAF_INT_IN: {
        if (chunk->max_int < leaf->int_values[0] ||
            chunk->min_int > leaf->int_values[leaf->value_count - 1])
            return LEAF_MATCH_NONE;
        uint32_t first;
        uint32_t count = values_inside(leaf->int_values, leaf->value_count, chunk->min_int,
                                       chunk->max_int, &first);
        if (count == 0) return LEAF_MATCH_NONE;
        if (count <= PDB_IN_LANE_SET_SIZE_MAX)
            in_lanes(simd, chunk, leaf->int_values + first, count, match_words);
        else
            in_widened(simd, chunk, leaf->int_values + first, count, match_words);
        break;
    }
    case LEAF_FLOAT_RANGE:
        if (chunk->max_float < leaf->float_low || chunk->min_float > leaf->float_high)
            return LEAF_MATCH_NONE;
        if (chunk->min_float >= leaf->float_low && chunk->max_float <= leaf->float_high)
            return LEAF_MATCH_ALL;
        simd->range_f64(chunk->floats, rows, leaf->float_low, leaf->float_high, match_words);
        break;
    case LEAF_FLOAT_IN:
        if (chunk->max_float < leaf->float_values[0] ||
            chunk->min_float > leaf->float_values[leaf->value_count - 1])
            return LEAF_MATCH_NONE;
        simd->in_f64(chunk->floats, rows, leaf->float_values, leaf->value_count, match_words);
        break;
    default:
        return LEAF_MATCH_NONE;
    }
    query_bitset_clear_tail(match_words, rows);
    return LEAF_MATCH_BITS;
}
