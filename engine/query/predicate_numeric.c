/*
 * Numeric leaves on int, timestamp and float chunks: one inclusive range or a sorted IN set.
 *
 * The chunk's zone map (exact min/max of its non-null values) decides first: a chunk whose
 * values all lie outside the range (or outside [set minimum, set maximum]) matches nothing,
 * one whose values all lie inside a range matches every non-null row; only the rest is
 * scanned with the active SIMD kernels (simd/simd.h), whose words the executor then masks
 * with NULLs.
 */
#include "query/query_internal.h"
#include "simd/simd.h"

static_assert(PDB_CHUNK_ROWS <= SIMD_SCAN_COUNT_MAX, "a chunk is one kernel call");
static_assert(PDB_IN_LIST_SIZE_MAX <= SIMD_IN_SET_COUNT_MAX, "an IN list is one kernel set");

enum leaf_match predicate_numeric_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                        uint64_t *match_words)
{
    uint32_t rows = chunk->row_count;
    const struct simd_kernels *simd = simd_kernels();
    switch (leaf->kind) {
    case LEAF_INT_RANGE:
        if (chunk->max_int < leaf->int_low || chunk->min_int > leaf->int_high)
            return LEAF_MATCH_NONE;
        if (chunk->min_int >= leaf->int_low && chunk->max_int <= leaf->int_high)
            return LEAF_MATCH_ALL;
        simd->range_i64(chunk->ints, rows, leaf->int_low, leaf->int_high, match_words);
        break;
    case LEAF_INT_IN:
        if (chunk->max_int < leaf->int_values[0] ||
            chunk->min_int > leaf->int_values[leaf->value_count - 1])
            return LEAF_MATCH_NONE;
        simd->in_i64(chunk->ints, rows, leaf->int_values, leaf->value_count, match_words);
        break;
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
