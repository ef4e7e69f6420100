/*
 * Scalar chunk-bitset operations (see bitset.h). The loops are simple enough for the
 * compiler to vectorise; issue 3's SIMD dispatch replaces the hot ones.
 */
#include "base/bitset.h"

#include <string.h>

void bitset_zero(uint64_t *words)
{
    memset(words, 0, PDB_CHUNK_WORDS * sizeof(uint64_t));
}

void bitset_fill(uint64_t *words, uint32_t row_count)
{
    uint32_t full = row_count / 64u;
    memset(words, 0xff, full * sizeof(uint64_t));
    memset(words + full, 0, (PDB_CHUNK_WORDS - full) * sizeof(uint64_t));
    if (row_count % 64u) words[full] = (1ull << (row_count % 64u)) - 1u;
}

void bitset_copy(uint64_t *destination, const uint64_t *source)
{
    memcpy(destination, source, PDB_CHUNK_WORDS * sizeof(uint64_t));
}

void bitset_and_inplace(uint64_t *target, const uint64_t *other)
{
    for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) target[i] &= other[i];
}

void bitset_or_inplace(uint64_t *target, const uint64_t *other)
{
    for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) target[i] |= other[i];
}

void bitset_andnot_inplace(uint64_t *target, const uint64_t *other)
{
    for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) target[i] &= ~other[i];
}

void bitset_not_inplace(uint64_t *target, uint32_t row_count)
{
    uint32_t full = row_count / 64u;
    for (uint32_t i = 0; i < full; i++) target[i] = ~target[i];
    if (row_count % 64u) {
        target[full] = ~target[full] & ((1ull << (row_count % 64u)) - 1u);
        full++;
    }
    for (uint32_t i = full; i < PDB_CHUNK_WORDS; i++) target[i] = 0;
}

uint64_t bitset_count(const uint64_t *words)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) total += (uint64_t)__builtin_popcountll(words[i]);
    return total;
}

bool bitset_is_empty(const uint64_t *words)
{
    uint64_t any = 0;
    for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) any |= words[i];
    return any == 0;
}
