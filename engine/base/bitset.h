/*
 * Chunk bitsets: PDB_CHUNK_WORDS (1024) 64-bit words, one bit per row of a chunk, bit
 * (row % 64) of word (row / 64). This is the unit of segment evaluation: every predicate
 * writes one, AND/OR/NOT combine them word by word, and a count popcounts them.
 *
 * Invariant kept by every producer: bits at or beyond the chunk's row_count are zero, so
 * combinations never need re-masking except after a complement (bitset_not_inplace takes the
 * row count for that reason).
 */
#ifndef PDB_BASE_BITSET_H
#define PDB_BASE_BITSET_H

#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"

static inline bool bitset_test(const uint64_t *words, uint32_t bit)
{
    return (words[bit >> 6] >> (bit & 63u)) & 1u;
}

static inline void bitset_set(uint64_t *words, uint32_t bit)
{
    words[bit >> 6] |= 1ull << (bit & 63u);
}

static inline void bitset_clear_bit(uint64_t *words, uint32_t bit)
{
    words[bit >> 6] &= ~(1ull << (bit & 63u));
}

void bitset_zero(uint64_t *words);
/* Sets bits [0, row_count), clears the rest. */
void bitset_fill(uint64_t *words, uint32_t row_count);
void bitset_copy(uint64_t *destination, const uint64_t *source);
void bitset_and_inplace(uint64_t *target, const uint64_t *other);
void bitset_or_inplace(uint64_t *target, const uint64_t *other);
void bitset_andnot_inplace(uint64_t *target, const uint64_t *other); /* target &= ~other */
/* target = ~target restricted to rows [0, row_count). */
void bitset_not_inplace(uint64_t *target, uint32_t row_count);
uint64_t bitset_count(const uint64_t *words);
bool bitset_is_empty(const uint64_t *words);

#endif
