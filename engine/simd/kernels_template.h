/*
 * The kernels of one SIMD level, generated from that level's vector primitives. Included once
 * by kernels_avx2.c and once by kernels_avx512.c (so it is compiled only with their ISA
 * flags), after they define:
 *
 *   SIMD_VECTOR_BYTES (32 or 64), SIMD_VECTOR (the integer vector type) and SIMD_PREFIX,
 *   SIMD_SUFFIX (_mm256_ and si256, or _mm512_ and si512): the whole-vector operations
 *   below are those intrinsics by name;
 *   SIMD_TEMPLATE_LEVEL, SIMD_TEMPLATE_TABLE, SIMD_TEMPLATE_TEXT: the level, the name of its
 *   table and the prefix of its text kernels (text_<level>.c);
 *   SIMD_IN_BROADCAST_MAX_32: see below;
 *   vector_from_128 (a 128-bit value in every 128-bit lane), vector_sum64 (the sum of the
 *   64-bit lanes), vector_select_by_top_bit (per byte: b where the selector byte's top bit is
 *   set, else a), vector_nonzero_bytes and vector_nonzero_u32 (one bit per byte or 32-bit
 *   lane that is not 0), widen_u8 and widen_u16 (LANES_32 values into 32-bit lanes),
 *   gather_u32 (the 4 bytes at base + offset for every 32-bit lane of byte offsets);
 *   group functions: each tests one vector of the value type and returns one bit per value,
 *   value k of the group in bit k, nothing above the group's size (range*, eq*);
 *   binary search primitives per S in u32, i64, f64: the vector types search_S_values (one
 *   group of values) and search_S_indexes (their indexes into the set), search_S_step (one
 *   halving step: each lane moves to index + half if set[index + half] <= its value) and
 *   search_S_found (the bits of the lanes whose set[index] equals the value).
 *
 * This file turns groups into words (64 values), words into whole scans, and handles the
 * tail: the last count % 64 values are copied into a zeroed 64-value block, so no kernel
 * reads past v[count - 1] and the padding lanes are defined; their bits are masked off.
 * It also picks the algorithm per IN set.
 */
#ifndef SIMD_VECTOR_BYTES
#error "define the level's primitives before including kernels_template.h"
#endif

#include <string.h>

#include "simd/simd_internal.h"

/* IN sets up to SIMD_IN_BROADCAST_MAX_32 elements (32-bit lanes; half that for 64-bit lanes,
 * a fixed 16 for u16) compare each value with every element, one broadcast compare per element
 * and vector; larger sets use a bitmap (u8 always, u16) or the gathered binary search (u32,
 * i64, f64), which costs log2(set_count) gathers per vector. The level sets the threshold:
 * where the two meet depends on how fast its gathers are. */
#ifndef SIMD_IN_BROADCAST_MAX_32
#error "the level defines SIMD_IN_BROADCAST_MAX_32"
#endif
#define SIMD_IN_BROADCAST_MAX_16 16u

#define LANES_OF(TYPE) (SIMD_VECTOR_BYTES / sizeof(TYPE))
#define LANES_32 (SIMD_VECTOR_BYTES / 4u)
#define LANES_64 (SIMD_VECTOR_BYTES / 8u)
#define VECTOR_WORDS (SIMD_VECTOR_BYTES / 8u)

/* ---- Whole-vector operations ----------------------------------------------------------------- */

#define SIMD_PASTE(a, b) a##b
#define SIMD_CAT(a, b) SIMD_PASTE(a, b)
#define BITS_OP(name) SIMD_CAT(SIMD_CAT(SIMD_PREFIX, name), SIMD_SUFFIX) /* _mm512_and_si512 */
#define LANE_OP(name) SIMD_CAT(SIMD_PREFIX, name)                        /* _mm512_add_epi64 */

typedef SIMD_VECTOR simd_vector;

static inline simd_vector vector_load(const void *p)
{
    return BITS_OP(loadu_)(p);
}
static inline void vector_store(uint64_t *p, simd_vector v)
{
    BITS_OP(storeu_)((void *)p, v);
}
static inline simd_vector vector_and(simd_vector a, simd_vector b)
{
    return BITS_OP(and_)(a, b);
}
static inline simd_vector vector_or(simd_vector a, simd_vector b)
{
    return BITS_OP(or_)(a, b);
}
static inline simd_vector vector_andnot(simd_vector a, simd_vector b) /* a & ~b */
{
    return BITS_OP(andnot_)(b, a);
}
static inline simd_vector vector_zero(void)
{
    return BITS_OP(setzero_)();
}
static inline simd_vector vector_add64(simd_vector a, simd_vector b)
{
    return LANE_OP(add_epi64)(a, b);
}

/* The popcount of every byte from a 16-entry nibble table (vpshufb), summed per 64-bit lane
 * with vpsadbw: needs no popcount instruction. */
static inline simd_vector vector_popcount_add(simd_vector total, simd_vector v)
{
    const simd_vector nibble_counts =
        vector_from_128(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
    const simd_vector low_nibble = LANE_OP(set1_epi8)(0x0F);
    simd_vector low = LANE_OP(shuffle_epi8)(nibble_counts, vector_and(v, low_nibble));
    simd_vector high_nibbles = vector_and(LANE_OP(srli_epi16)(v, 4), low_nibble);
    simd_vector high = LANE_OP(shuffle_epi8)(nibble_counts, high_nibbles);
    return vector_add64(total, LANE_OP(sad_epu8)(LANE_OP(add_epi8)(low, high), vector_zero()));
}

/* Bytes against a 256-bit bitmap (bit x % 8 of byte x / 8): vpshufb looks up byte x / 8 in the
 * bitmap's low or high 16 bytes (chosen by bit 7 of x) and the bit 1 << (x % 8). */
static inline uint64_t bitmap8_group(const uint8_t *p, const uint8_t *bitmap, uint32_t unused)
{
    (void)unused;
    const simd_vector bits =
        vector_from_128(_mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128));
    simd_vector x = vector_load(p);
    simd_vector low = vector_from_128(_mm_loadu_si128((const __m128i *)bitmap));
    simd_vector high = vector_from_128(_mm_loadu_si128((const __m128i *)(bitmap + 16)));
    simd_vector byte_index = vector_and(LANE_OP(srli_epi16)(x, 3), LANE_OP(set1_epi8)(0x0F));
    simd_vector bytes = vector_select_by_top_bit(x, LANE_OP(shuffle_epi8)(low, byte_index),
                                                 LANE_OP(shuffle_epi8)(high, byte_index));
    simd_vector bit = LANE_OP(shuffle_epi8)(bits, vector_and(x, LANE_OP(set1_epi8)(7)));
    return vector_nonzero_bytes(vector_and(bytes, bit));
}

/* ---- Gathers: lookups and the u16 bitmap ----------------------------------------------------- */

/* table[index] != 0 per 32-bit lane: 4 bytes gathered at table + index, the low one kept. */
static inline uint64_t lookup_indexes(simd_vector indexes, const uint8_t *table)
{
    simd_vector bytes = gather_u32(table, indexes);
    return vector_nonzero_u32(vector_and(bytes, LANE_OP(set1_epi32)(0xFF)));
}

static inline uint64_t lookup8_group(const uint8_t *p, const uint8_t *table, uint32_t unused)
{
    (void)unused;
    return lookup_indexes(widen_u8(p), table);
}

static inline uint64_t lookup16_group(const uint16_t *p, const uint8_t *table, uint32_t unused)
{
    (void)unused;
    return lookup_indexes(widen_u16(p), table);
}

static inline uint64_t lookup32_group(const uint32_t *p, const uint8_t *table, uint32_t unused)
{
    (void)unused;
    return lookup_indexes(vector_load(p), table);
}

/* u16 values against a 65,536-bit bitmap of 32-bit words: word x / 32, bit x % 32. */
static inline uint64_t bitmap16_group(const uint16_t *p, const uint32_t *bitmap, uint32_t unused)
{
    (void)unused;
    simd_vector x = widen_u16(p);
    simd_vector words = gather_u32(bitmap, LANE_OP(slli_epi32)(LANE_OP(srli_epi32)(x, 5), 2));
    simd_vector bit_index = vector_and(x, LANE_OP(set1_epi32)(31));
    return vector_nonzero_u32(
        vector_and(words, LANE_OP(sllv_epi32)(LANE_OP(set1_epi32)(1), bit_index)));
}

/* ---- Groups into words, words into scans ---------------------------------------------------- */

/* static uint64_t name(const TYPE *block, A a, B b): the word of 64 values from 64 / SIZE
 * calls of GROUP(values, a, b). */
#define DEFINE_WORD(name, TYPE, A, B, GROUP, SIZE)                                                 \
    static inline uint64_t name(const TYPE *block, A a, B b)                                       \
    {                                                                                              \
        uint64_t word = 0;                                                                         \
        _Pragma("GCC unroll 16") for (uint32_t group = 0; group < 64u / (SIZE); group++)           \
        {                                                                                          \
            word |= GROUP(block + group * (SIZE), a, b) << (group * (SIZE));                       \
        }                                                                                          \
        return word;                                                                               \
    }

/* Scans prefetch this far ahead of the block they compare (every cache line of it). The
 * hardware prefetchers alone left the range kernels at 80-86% of the plain SIMD sum over the
 * same bytes; 2 KiB ahead brought them to 90-97% at 30,000,000 profiles, 1 and 2 threads
 * (1 and 4 KiB measured alike or worse). Prefetching past the end never faults. */
#define SCAN_PREFETCH_BYTES 2048

/* out[w] = WORD (an expression of `block`, 64 values) for every word of the scan. */
#define SCAN_WORDS(TYPE, values, count, out, WORD)                                                 \
    do {                                                                                           \
        uint32_t full_ = (count) / 64u, rest_ = (count) % 64u;                                     \
        for (uint32_t word_ = 0; word_ < full_; word_++) {                                         \
            const TYPE *block = (values) + (size_t)word_ * 64u;                                    \
            for (uint32_t line_ = 0; line_ < 64u * sizeof(TYPE); line_ += 64u)                      \
                __builtin_prefetch((const char *)block + SCAN_PREFETCH_BYTES + line_);             \
            (out)[word_] = (WORD);                                                                 \
        }                                                                                          \
        if (rest_) {                                                                               \
            _Alignas(64) TYPE tail_[64];                                                           \
            memset(tail_, 0, sizeof tail_);                                                        \
            memcpy(tail_, (values) + (size_t)full_ * 64u, rest_ * sizeof(TYPE));                   \
            const TYPE *block = tail_;                                                             \
            (out)[full_] = (WORD) & ((1ull << rest_) - 1u);                                        \
        }                                                                                          \
    } while (0)

DEFINE_WORD(range8_word, uint8_t, uint8_t, uint8_t, range8_group, LANES_OF(uint8_t))
DEFINE_WORD(range16_word, uint16_t, uint16_t, uint16_t, range16_group, LANES_OF(uint16_t))
DEFINE_WORD(range32_word, uint32_t, uint32_t, uint32_t, range32_group, LANES_OF(uint32_t))
DEFINE_WORD(range64_word, uint64_t, uint64_t, uint64_t, range64_group, LANES_OF(uint64_t))
DEFINE_WORD(range_f32_word, float, float, float, range_f32_group, LANES_OF(float))
DEFINE_WORD(range_f64_word, double, double, double, range_f64_group, LANES_OF(double))
DEFINE_WORD(eq16_word, uint16_t, const uint16_t *, uint32_t, eq16_group, LANES_OF(uint16_t))
DEFINE_WORD(eq32_word, uint32_t, const uint32_t *, uint32_t, eq32_group, LANES_OF(uint32_t))
DEFINE_WORD(eq_i64_word, int64_t, const int64_t *, uint32_t, eq_i64_group, LANES_OF(int64_t))
DEFINE_WORD(eq_f64_word, double, const double *, uint32_t, eq_f64_group, LANES_OF(double))
DEFINE_WORD(bitmap8_word, uint8_t, const uint8_t *, uint32_t, bitmap8_group, LANES_OF(uint8_t))
DEFINE_WORD(bitmap16_word, uint16_t, const uint32_t *, uint32_t, bitmap16_group, LANES_32)
DEFINE_WORD(lookup8_word, uint8_t, const uint8_t *, uint32_t, lookup8_group, LANES_32)
DEFINE_WORD(lookup16_word, uint16_t, const uint8_t *, uint32_t, lookup16_group, LANES_32)
DEFINE_WORD(lookup32_word, uint32_t, const uint8_t *, uint32_t, lookup32_group, LANES_32)

/* The branch-free binary search of a whole word: every lane keeps the index of the last
 * element known to be <= its value (or 0), and each step halves the candidates of all lanes at
 * once. The groups of the word take each step together, so their gathers overlap instead of
 * waiting on one another. */
#define DEFINE_SEARCH_WORD(S, TYPE, SIZE)                                                          \
    static inline uint64_t search_##S##_word(const TYPE *block, const TYPE *set,                   \
                                             uint32_t set_count)                                   \
    {                                                                                              \
        search_##S##_values values[64u / (SIZE)];                                                  \
        search_##S##_indexes indexes[64u / (SIZE)];                                                \
        memcpy(values, block, sizeof values); /* vector loads */                                   \
        memset(indexes, 0, sizeof indexes);                                                        \
        for (uint32_t size = set_count; size > 1u; size -= size / 2u) {                            \
            _Pragma("GCC unroll 16") for (uint32_t group = 0; group < 64u / (SIZE); group++)       \
                indexes[group] = search_##S##_step(values[group], indexes[group], size / 2u, set); \
        }                                                                                          \
        uint64_t word = 0;                                                                         \
        _Pragma("GCC unroll 16") for (uint32_t group = 0; group < 64u / (SIZE); group++)           \
        {                                                                                          \
            word |= search_##S##_found(values[group], indexes[group], set) << (group * (SIZE));    \
        }                                                                                          \
        return word;                                                                               \
    }

DEFINE_SEARCH_WORD(u32, uint32_t, LANES_32)
DEFINE_SEARCH_WORD(i64, int64_t, LANES_64)
DEFINE_SEARCH_WORD(f64, double, LANES_64)

/* ---- Ranges ---------------------------------------------------------------------------------
 * Integers: low <= v <= high iff (v - low) <= (high - low) in unsigned wrapping arithmetic of
 * the lane width, for signed and unsigned lanes alike, so one compare per vector. */

#define DEFINE_INT_RANGE(name, TYPE, LANE, WORD)                                                   \
    static void name(const TYPE *v, uint32_t count, TYPE low, TYPE high, uint64_t *out)            \
    {                                                                                              \
        LANE base = (LANE)low, width = (LANE)((LANE)high - (LANE)low);                             \
        SCAN_WORDS(LANE, (const LANE *)v, count, out, WORD(block, base, width));                   \
    }

DEFINE_INT_RANGE(range_i8, int8_t, uint8_t, range8_word)
DEFINE_INT_RANGE(range_i16, int16_t, uint16_t, range16_word)
DEFINE_INT_RANGE(range_i32, int32_t, uint32_t, range32_word)
DEFINE_INT_RANGE(range_i64, int64_t, uint64_t, range64_word)
DEFINE_INT_RANGE(range_u8, uint8_t, uint8_t, range8_word)
DEFINE_INT_RANGE(range_u16, uint16_t, uint16_t, range16_word)
DEFINE_INT_RANGE(range_u32, uint32_t, uint32_t, range32_word)
DEFINE_INT_RANGE(range_u64, uint64_t, uint64_t, range64_word)

static void range_f32(const float *v, uint32_t count, float low, float high, uint64_t *out)
{
    SCAN_WORDS(float, v, count, out, range_f32_word(block, low, high));
}

static void range_f64(const double *v, uint32_t count, double low, double high, uint64_t *out)
{
    SCAN_WORDS(double, v, count, out, range_f64_word(block, low, high));
}

/* ---- IN sets -------------------------------------------------------------------------------- */

static void in_u8(const uint8_t *v, uint32_t count, const uint8_t *set, uint32_t set_count,
                  uint64_t *out)
{
    _Alignas(16) uint8_t bitmap[32]; /* bit x % 8 of byte x / 8: x is in the set */
    memset(bitmap, 0, sizeof bitmap);
    for (uint32_t i = 0; i < set_count; i++)
        bitmap[set[i] >> 3] |= (uint8_t)(1u << (set[i] & 7u));
    SCAN_WORDS(uint8_t, v, count, out, bitmap8_word(block, bitmap, 0));
}

static void in_u16(const uint16_t *v, uint32_t count, const uint16_t *set, uint32_t set_count,
                   uint64_t *out)
{
    if (set_count <= SIMD_IN_BROADCAST_MAX_16) {
        SCAN_WORDS(uint16_t, v, count, out, eq16_word(block, set, set_count));
        return;
    }
    uint32_t bitmap[65536u / 32u]; /* 8 KiB: bit x % 32 of word x / 32 */
    memset(bitmap, 0, sizeof bitmap);
    for (uint32_t i = 0; i < set_count; i++)
        bitmap[set[i] >> 5] |= 1u << (set[i] & 31u);
    SCAN_WORDS(uint16_t, v, count, out, bitmap16_word(block, bitmap, 0));
}

#define DEFINE_IN_SEARCH(name, TYPE, EQ_WORD, SEARCH_WORD)                                         \
    static void name(const TYPE *v, uint32_t count, const TYPE *set, uint32_t set_count,           \
                     uint64_t *out)                                                                \
    {                                                                                              \
        if (set_count <= SIMD_IN_BROADCAST_MAX_32 * 4u / sizeof(TYPE))                             \
            SCAN_WORDS(TYPE, v, count, out, EQ_WORD(block, set, set_count));                       \
        else                                                                                       \
            SCAN_WORDS(TYPE, v, count, out, SEARCH_WORD(block, set, set_count));                   \
    }

DEFINE_IN_SEARCH(in_u32, uint32_t, eq32_word, search_u32_word)
DEFINE_IN_SEARCH(in_i64, int64_t, eq_i64_word, search_i64_word)
DEFINE_IN_SEARCH(in_f64, double, eq_f64_word, search_f64_word)

/* ---- Lookups -------------------------------------------------------------------------------- */

#define DEFINE_LOOKUP(name, TYPE, WORD)                                                            \
    static void name(const TYPE *v, uint32_t count, const uint8_t *table, uint64_t *out)           \
    {                                                                                              \
        SCAN_WORDS(TYPE, v, count, out, WORD(block, table, 0));                                    \
    }

DEFINE_LOOKUP(lookup_u8, uint8_t, lookup8_word)
DEFINE_LOOKUP(lookup_u16, uint16_t, lookup16_word)
DEFINE_LOOKUP(lookup_u32, uint32_t, lookup32_word)

/* ---- Bitsets and the sum: whole vectors, then the last words one by one ---------------------- */

#define DEFINE_BITSET_OP(name, VECTOR_OP, OPERATOR)                                                \
    static void name(uint64_t *target, const uint64_t *other, uint32_t words)                      \
    {                                                                                              \
        uint32_t i = 0;                                                                            \
        for (; i + VECTOR_WORDS <= words; i += VECTOR_WORDS)                                       \
            vector_store(target + i, VECTOR_OP(vector_load(target + i), vector_load(other + i)));  \
        for (; i < words; i++)                                                                     \
            target[i] = target[i] OPERATOR other[i];                                               \
    }

DEFINE_BITSET_OP(bitset_and, vector_and, &)
DEFINE_BITSET_OP(bitset_or, vector_or, |)
DEFINE_BITSET_OP(bitset_andnot, vector_andnot, &~)

static uint64_t bitset_and_count(const uint64_t *a, const uint64_t *b, uint32_t words)
{
    simd_vector total = vector_zero();
    uint32_t i = 0;
    for (; i + VECTOR_WORDS <= words; i += VECTOR_WORDS)
        total = vector_popcount_add(total, vector_and(vector_load(a + i), vector_load(b + i)));
    uint64_t sum = vector_sum64(total);
    for (; i < words; i++)
        sum += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    return sum;
}

static uint64_t bitset_count(const uint64_t *words_in, uint32_t words)
{
    simd_vector total = vector_zero();
    uint32_t i = 0;
    for (; i + VECTOR_WORDS <= words; i += VECTOR_WORDS)
        total = vector_popcount_add(total, vector_load(words_in + i));
    uint64_t sum = vector_sum64(total);
    for (; i < words; i++)
        sum += (uint64_t)__builtin_popcountll(words_in[i]);
    return sum;
}

/* Four independent accumulators keep enough loads in flight to saturate memory. */
static uint64_t sum_u64(const uint64_t *v, size_t count)
{
    simd_vector total[4] = {vector_zero(), vector_zero(), vector_zero(), vector_zero()};
    size_t i = 0;
    for (; i + 4u * VECTOR_WORDS <= count; i += 4u * VECTOR_WORDS) {
        for (uint32_t k = 0; k < 4u; k++)
            total[k] = vector_add64(total[k], vector_load(v + i + k * VECTOR_WORDS));
    }
    for (; i + VECTOR_WORDS <= count; i += VECTOR_WORDS)
        total[0] = vector_add64(total[0], vector_load(v + i));
    uint64_t sum = vector_sum64(
        vector_add64(vector_add64(total[0], total[1]), vector_add64(total[2], total[3])));
    for (; i < count; i++)
        sum += v[i];
    return sum;
}

const struct simd_kernels SIMD_TEMPLATE_TABLE =
    SIMD_KERNELS_TABLE(SIMD_TEMPLATE_LEVEL, SIMD_TEMPLATE_TEXT);
