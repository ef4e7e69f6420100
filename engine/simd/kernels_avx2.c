/*
 * AVX2 kernels: the vector primitives kernels_template.h builds every kernel from. Compiled
 * with the AVX2 flags (CMakeLists.txt); cpu.c hands this table out only when the CPU and OS
 * support it.
 *
 * AVX2 compares are signed and give lane-wide masks: an unsigned x <= w on 8/16/32-bit lanes is
 * min_epu(x, w) == x; on 64-bit lanes, where there is no unsigned min, it is the signed compare
 * of both sides with the sign bit flipped. Masks become bits with movemask (bytes, floats,
 * doubles); 16-bit masks are first packed to bytes. Lookups, large IN sets and the u16 bitmap
 * use gathers.
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/simd_internal.h"

/* IN sets up to this many elements use broadcast compares (kernels_template.h); measured on
 * Zen 4, where gathers are slow, this is about where the binary search starts to win. */
#define SIMD_IN_BROADCAST_MAX_32 64u
#define SIMD_VECTOR_BYTES 32u
#define SIMD_VECTOR __m256i
#define SIMD_PREFIX _mm256_
#define SIMD_SUFFIX si256
#define SIMD_TEMPLATE_LEVEL SIMD_LEVEL_AVX2
#define SIMD_TEMPLATE_TABLE simd_kernels_avx2_table
#define SIMD_TEMPLATE_TEXT simd_text_avx2

/* ---- Lane masks into bits -------------------------------------------------------------------- */

static inline uint64_t bits_of_bytes(__m256i mask)
{
    return (uint32_t)_mm256_movemask_epi8(mask);
}

/* Packing to bytes interleaves the 128-bit halves; the permute puts lanes 0-7, 8-15 in order. */
static inline uint64_t bits_of_u16(__m256i mask)
{
    __m256i packed = _mm256_packs_epi16(mask, _mm256_setzero_si256());
    return (uint32_t)_mm256_movemask_epi8(_mm256_permute4x64_epi64(packed, 0xD8)) & 0xFFFFu;
}

static inline uint64_t bits_of_u32(__m256i mask)
{
    return (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(mask));
}

static inline uint64_t bits_of_u64(__m256i mask)
{
    return (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(mask));
}

static inline __m256i load(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* ---- Ranges: (v - base) <= width, unsigned -------------------------------------------------- */

static inline uint64_t range8_group(const uint8_t *p, uint8_t base, uint8_t width)
{
    __m256i d = _mm256_sub_epi8(load(p), _mm256_set1_epi8((char)base));
    return bits_of_bytes(_mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8((char)width)), d));
}

static inline uint64_t range16_group(const uint16_t *p, uint16_t base, uint16_t width)
{
    __m256i d = _mm256_sub_epi16(load(p), _mm256_set1_epi16((short)base));
    return bits_of_u16(_mm256_cmpeq_epi16(_mm256_min_epu16(d, _mm256_set1_epi16((short)width)), d));
}

static inline uint64_t range32_group(const uint32_t *p, uint32_t base, uint32_t width)
{
    __m256i d = _mm256_sub_epi32(load(p), _mm256_set1_epi32((int)base));
    return bits_of_u32(_mm256_cmpeq_epi32(_mm256_min_epu32(d, _mm256_set1_epi32((int)width)), d));
}

static inline uint64_t range64_group(const uint64_t *p, uint64_t base, uint64_t width)
{
    const __m256i sign = _mm256_set1_epi64x(INT64_MIN);
    __m256i d =
        _mm256_xor_si256(_mm256_sub_epi64(load(p), _mm256_set1_epi64x((long long)base)), sign);
    __m256i above =
        _mm256_cmpgt_epi64(d, _mm256_xor_si256(_mm256_set1_epi64x((long long)width), sign));
    return ~bits_of_u64(above) & 0xFu;
}

/* Ordered compares: false for NaN. */
static inline uint64_t range_f32_group(const float *p, float low, float high)
{
    __m256 x = _mm256_loadu_ps(p);
    __m256 inside = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_set1_ps(low), _CMP_GE_OQ),
                                  _mm256_cmp_ps(x, _mm256_set1_ps(high), _CMP_LE_OQ));
    return (uint32_t)_mm256_movemask_ps(inside);
}

static inline uint64_t range_f64_group(const double *p, double low, double high)
{
    __m256d x = _mm256_loadu_pd(p);
    __m256d inside = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(low), _CMP_GE_OQ),
                                   _mm256_cmp_pd(x, _mm256_set1_pd(high), _CMP_LE_OQ));
    return (uint32_t)_mm256_movemask_pd(inside);
}

/* ---- Small IN sets: one broadcast compare per element ---------------------------------------- */

/* Lane masks of probe <= x and of probe == x. */
static inline __m256i at_most_i64(__m256i probe, __m256i x)
{
    return _mm256_xor_si256(_mm256_cmpgt_epi64(probe, x), _mm256_set1_epi64x(-1));
}
static inline __m256i at_most_f64(__m256d probe, __m256d x)
{
    return _mm256_castpd_si256(_mm256_cmp_pd(probe, x, _CMP_LE_OQ));
}
static inline __m256i equal_f64(__m256d probe, __m256d x)
{
    return _mm256_castpd_si256(_mm256_cmp_pd(probe, x, _CMP_EQ_OQ));
}

/* The lanes of one vector equal to some set element, collected as a lane mask. */
#define DEFINE_EQ_GROUP(name, TYPE, LOAD, SET1, LANE, EQUAL, BITS)                                 \
    static inline uint64_t name(const TYPE *p, const TYPE *set, uint32_t set_count)                \
    {                                                                                              \
        __m256i hits = _mm256_setzero_si256();                                                     \
        for (uint32_t i = 0; i < set_count; i++)                                                   \
            hits = _mm256_or_si256(hits, EQUAL(LOAD(p), SET1((LANE)set[i])));                      \
        return BITS(hits);                                                                         \
    }

DEFINE_EQ_GROUP(eq16_group, uint16_t, load, _mm256_set1_epi16, short, _mm256_cmpeq_epi16,
                bits_of_u16)
DEFINE_EQ_GROUP(eq32_group, uint32_t, load, _mm256_set1_epi32, int, _mm256_cmpeq_epi32, bits_of_u32)
DEFINE_EQ_GROUP(eq_i64_group, int64_t, load, _mm256_set1_epi64x, long long, _mm256_cmpeq_epi64,
                bits_of_u64)
DEFINE_EQ_GROUP(eq_f64_group, double, _mm256_loadu_pd, _mm256_set1_pd, double, equal_f64,
                bits_of_u64)

/* ---- Large IN sets: binary search steps (kernels_template.h runs them) ----------------------- */

typedef __m256i search_u32_values;
typedef __m256i search_u32_indexes;

static inline __m256i search_u32_step(__m256i x, __m256i index, uint32_t half, const uint32_t *set)
{
    const __m256i sign = _mm256_set1_epi32(INT32_MIN);
    __m256i probe_index = _mm256_add_epi32(index, _mm256_set1_epi32((int)half));
    __m256i probe = _mm256_i32gather_epi32((const int *)set, probe_index, 4);
    __m256i above = _mm256_cmpgt_epi32(_mm256_xor_si256(probe, sign), _mm256_xor_si256(x, sign));
    return _mm256_blendv_epi8(probe_index, index, above);
}
static inline uint64_t search_u32_found(__m256i x, __m256i index, const uint32_t *set)
{
    __m256i found = _mm256_i32gather_epi32((const int *)set, index, 4);
    return bits_of_u32(_mm256_cmpeq_epi32(found, x));
}

/* i64 and f64 lanes keep 64-bit indexes, so the compare masks select indexes directly;
 * VALUES, GATHER and the compares name the type's intrinsics. */
#define DEFINE_SEARCH_64(S, TYPE, VALUES, GATHER, GATHER_TYPE, AT_MOST, EQUAL)                     \
    typedef VALUES search_##S##_values;                                                            \
    typedef __m256i search_##S##_indexes;                                                          \
    static inline __m256i search_##S##_step(VALUES x, __m256i index, uint32_t half,                \
                                            const TYPE *set)                                       \
    {                                                                                              \
        __m256i probe_index = _mm256_add_epi64(index, _mm256_set1_epi64x(half));                   \
        VALUES probe = GATHER((const GATHER_TYPE *)set, probe_index, 8);                           \
        return _mm256_blendv_epi8(index, probe_index, AT_MOST(probe, x));                          \
    }                                                                                              \
    static inline uint64_t search_##S##_found(VALUES x, __m256i index, const TYPE *set)            \
    {                                                                                              \
        VALUES found = GATHER((const GATHER_TYPE *)set, index, 8);                                 \
        return bits_of_u64(EQUAL(found, x));                                                       \
    }

DEFINE_SEARCH_64(i64, int64_t, __m256i, _mm256_i64gather_epi64, long long, at_most_i64,
                 _mm256_cmpeq_epi64)
DEFINE_SEARCH_64(f64, double, __m256d, _mm256_i64gather_pd, double, at_most_f64, equal_f64)

/* ---- Primitives of the template ------------------------------------------------------------- */

static inline __m256i vector_from_128(__m128i lane)
{
    return _mm256_broadcastsi128_si256(lane);
}

static inline __m256i vector_select_by_top_bit(__m256i selector, __m256i a, __m256i b)
{
    return _mm256_blendv_epi8(a, b, selector);
}

static inline uint64_t vector_nonzero_bytes(__m256i v)
{
    return ~bits_of_bytes(_mm256_cmpeq_epi8(v, _mm256_setzero_si256())) & 0xFFFFFFFFu;
}

static inline uint64_t vector_nonzero_u32(__m256i v)
{
    return ~bits_of_u32(_mm256_cmpeq_epi32(v, _mm256_setzero_si256())) & 0xFFu;
}

static inline __m256i widen_u8(const uint8_t *p)
{
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

static inline __m256i widen_u16(const uint16_t *p)
{
    return _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
}

static inline __m256i gather_u32(const void *base, __m256i offsets)
{
    return _mm256_i32gather_epi32(base, offsets, 1);
}

static inline uint64_t vector_sum64(__m256i v)
{
    __m128i pair = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return (uint64_t)_mm_cvtsi128_si64(pair) + (uint64_t)_mm_extract_epi64(pair, 1);
}

#include "simd/kernels_template.h"
