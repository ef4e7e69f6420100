/*
 * Leaf kernels: compare a column chunk's typed array with constants and write one bit per
 * value (bit i of word i/64 for value i). These are the inner loops of segment evaluation.
 *
 * Contract shared by every variant (scalar here; AVX2/AVX-512 twins later, which must give
 * identical words): (input, count, constants, output); write exactly (count + 63) / 64 words,
 * with the bits at and beyond `count` in the last word 0; never allocate, never fail.
 * Ranges are inclusive and need low <= high; IN sets are sorted ascending and non-empty.
 */
#ifndef PDB_QUERY_KERNELS_H
#define PDB_QUERY_KERNELS_H

#include <stdint.h>

/* low <= values[i] <= high */
void kernel_range_i64(const int64_t *values, uint32_t count, int64_t low, int64_t high,
                      uint64_t *out_words);
/* low <= values[i] <= high; low and high may be infinite. */
void kernel_range_f64(const double *values, uint32_t count, double low, double high,
                      uint64_t *out_words);
/* values[i] in set[0..set_count) */
void kernel_in_i64(const int64_t *values, uint32_t count, const int64_t *set, uint32_t set_count,
                   uint64_t *out_words);
void kernel_in_f64(const double *values, uint32_t count, const double *set, uint32_t set_count,
                   uint64_t *out_words);
/* codes[i] == code */
void kernel_eq_u32(const uint32_t *codes, uint32_t count, uint32_t code, uint64_t *out_words);
/* table[codes[i]] != 0 (the caller guarantees every code indexes the table) */
void kernel_lookup_u32(const uint32_t *codes, uint32_t count, const uint8_t *table,
                       uint64_t *out_words);

#endif
