/*
 * The scalar kernels: the reference every SIMD level is tested against, and the level used
 * when the CPU has no AVX2 (or PROFILEDB_SIMD=scalar).
 *
 * Kept plain on purpose: each bit is its predicate written the obvious way ((low <= v) & (v <=
 * high), a binary search, table[v] != 0), and each word is built from its 64 bits. Speed is
 * the SIMD files' business; this file's is being evidently right (it is itself tested against
 * per-value models in tests/simd/test_kernels_scalar.c), without branches that would make
 * the scalar level needlessly slow on CPUs that have nothing better.
 */
#include "simd/simd_internal.h"

/* out[w] = the bits PREDICATE (an expression of the value index `i`, evaluated without
 * branches) gives for the values [64 w, 64 w + 64) below count. WORD_BITS builds one word of
 * `bits` values from `first` on; full words have a constant 64, which compilers unroll. */
#define WORD_BITS(first, bits, PREDICATE, word_out)                                                \
    do {                                                                                           \
        uint64_t bits_ = 0;                                                                        \
        for (uint32_t bit_ = 0; bit_ < (bits); bit_++) {                                           \
            uint32_t i = (first) + bit_;                                                           \
            bits_ |= (uint64_t)(PREDICATE) << bit_;                                                \
        }                                                                                          \
        (word_out) = bits_;                                                                        \
    } while (0)

#define SCALAR_WORDS(count, out, PREDICATE)                                                        \
    do {                                                                                           \
        uint32_t full_ = (count) / 64u;                                                            \
        for (uint32_t word_ = 0; word_ < full_; word_++)                                           \
            WORD_BITS(word_ * 64u, 64u, PREDICATE, (out)[word_]);                                  \
        if ((count) % 64u) WORD_BITS(full_ * 64u, (count) % 64u, PREDICATE, (out)[full_]);         \
    } while (0)

/* ---- Ranges ------------------------------------------------------------------------------ */

#define DEFINE_RANGE(name, TYPE)                                                                   \
    static void name(const TYPE *v, uint32_t count, TYPE low, TYPE high, uint64_t *out)            \
    {                                                                                              \
        SCALAR_WORDS(count, out, (low <= v[i]) & (v[i] <= high));                                  \
    }

DEFINE_RANGE(range_i8, int8_t)
DEFINE_RANGE(range_i16, int16_t)
DEFINE_RANGE(range_i32, int32_t)
DEFINE_RANGE(range_i64, int64_t)
DEFINE_RANGE(range_u8, uint8_t)
DEFINE_RANGE(range_u16, uint16_t)
DEFINE_RANGE(range_u32, uint32_t)
DEFINE_RANGE(range_u64, uint64_t)
DEFINE_RANGE(range_f32, float)
DEFINE_RANGE(range_f64, double)

/* ---- IN sets: a binary search per value ------------------------------------------------------ */

/* set[base] is the last element <= value (or set[0]): each step halves the candidates [base,
 * base + size), keeping the upper half when its first element is <= value. Branch-free, so
 * the steps cost the same whatever the values. */
#define DEFINE_IN(name, TYPE)                                                                      \
    static bool name##_member(const TYPE *set, uint32_t set_count, TYPE value)                     \
    {                                                                                              \
        uint32_t base = 0;                                                                         \
        for (uint32_t size = set_count; size > 1u; size -= size / 2u)                              \
            base = set[base + size / 2u] <= value ? base + size / 2u : base;                       \
        return set[base] == value;                                                                 \
    }                                                                                              \
    static void name(const TYPE *v, uint32_t count, const TYPE *set, uint32_t set_count,           \
                     uint64_t *out)                                                                \
    {                                                                                              \
        SCALAR_WORDS(count, out, name##_member(set, set_count, v[i]));                             \
    }

DEFINE_IN(in_u8, uint8_t)
DEFINE_IN(in_u16, uint16_t)
DEFINE_IN(in_u32, uint32_t)
DEFINE_IN(in_i64, int64_t)
DEFINE_IN(in_f64, double)

/* ---- Lookups ------------------------------------------------------------------------------ */

#define DEFINE_LOOKUP(name, TYPE)                                                                  \
    static void name(const TYPE *v, uint32_t count, const uint8_t *table, uint64_t *out)           \
    {                                                                                              \
        SCALAR_WORDS(count, out, table[v[i]] != 0);                                                \
    }

DEFINE_LOOKUP(lookup_u8, uint8_t)
DEFINE_LOOKUP(lookup_u16, uint16_t)
DEFINE_LOOKUP(lookup_u32, uint32_t)

/* ---- Bitsets and the sum ------------------------------------------------------------------ */

static void bitset_and(uint64_t *target, const uint64_t *other, uint32_t words)
{
    for (uint32_t i = 0; i < words; i++)
        target[i] &= other[i];
}

static void bitset_or(uint64_t *target, const uint64_t *other, uint32_t words)
{
    for (uint32_t i = 0; i < words; i++)
        target[i] |= other[i];
}

static void bitset_andnot(uint64_t *target, const uint64_t *other, uint32_t words)
{
    for (uint32_t i = 0; i < words; i++)
        target[i] &= ~other[i];
}

static uint64_t bitset_count(const uint64_t *words_in, uint32_t words)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < words; i++)
        total += (uint64_t)__builtin_popcountll(words_in[i]);
    return total;
}

static uint64_t bitset_and_count(const uint64_t *a, const uint64_t *b, uint32_t words)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < words; i++)
        total += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    return total;
}

static uint64_t sum_u64(const uint64_t *v, size_t count)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += v[i];
    return total;
}

const struct simd_kernels simd_kernels_scalar_table = SIMD_KERNELS_TABLE(SIMD_LEVEL_SCALAR, simd_text_scalar);
