/*
 * The leaf kernels under their first names, forwarding to the SIMD kernels (simd/simd.h),
 * which now own the loops: one bit per value (bit i of word i / 64), exactly (count + 63) / 64
 * words written, bits at and beyond `count` 0; never allocating, never failing. Ranges are
 * inclusive with low <= high; IN sets are sorted ascending, unique, non-empty.
 *
 * The predicates (predicate_*.c) call simd_kernels() themselves, once per leaf and chunk;
 * these wrappers keep tests/query/test_kernels.c, which tests the active level through them,
 * and PROFILEDB_SIMD picks the level there as everywhere.
 */
#ifndef PDB_QUERY_KERNELS_H
#define PDB_QUERY_KERNELS_H

#include <stdint.h>

#include "simd/simd.h"

/* low <= values[i] <= high */
static inline void kernel_range_i64(const int64_t *values, uint32_t count, int64_t low,
                                    int64_t high, uint64_t *out_words)
{
    simd_kernels()->range_i64(values, count, low, high, out_words);
}

/* low <= values[i] <= high; low and high may be infinite. */
static inline void kernel_range_f64(const double *values, uint32_t count, double low, double high,
                                    uint64_t *out_words)
{
    simd_kernels()->range_f64(values, count, low, high, out_words);
}

/* values[i] in set[0..set_count) */
static inline void kernel_in_i64(const int64_t *values, uint32_t count, const int64_t *set,
                                 uint32_t set_count, uint64_t *out_words)
{
    simd_kernels()->in_i64(values, count, set, set_count, out_words);
}

static inline void kernel_in_f64(const double *values, uint32_t count, const double *set,
                                 uint32_t set_count, uint64_t *out_words)
{
    simd_kernels()->in_f64(values, count, set, set_count, out_words);
}

/* codes[i] == code */
static inline void kernel_eq_u32(const uint32_t *codes, uint32_t count, uint32_t code,
                                 uint64_t *out_words)
{
    simd_kernels()->range_u32(codes, count, code, code, out_words);
}

/* table[codes[i]] != 0 (the caller guarantees every code indexes the table). This form asks
 * for no SIMD_LOOKUP_TABLE_PADDING after the table, so it runs the scalar kernel; the engine
 * pads its tables and calls simd_kernels()->lookup_u32. */
static inline void kernel_lookup_u32(const uint32_t *codes, uint32_t count, const uint8_t *table,
                                     uint64_t *out_words)
{
    simd_kernels_for(SIMD_LEVEL_SCALAR)->lookup_u32(codes, count, table, out_words);
}

#endif
