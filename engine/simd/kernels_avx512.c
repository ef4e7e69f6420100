/*
 * AVX-512 (F, BW, VL, DQ) kernels: the vector primitives kernels_template.h builds every
 * kernel from. Compiled with the AVX-512 flags (CMakeLists.txt); cpu.c hands this table out
 * only when the CPU and OS support it.
 *
 * Compares produce mask registers directly (one bit per lane, in lane order), so a group of
 * 64 bytes gives a whole word, 32 u16 lanes half of one, and so on. Unsigned compares are
 * native (cmp_epu*). Lookups, large IN sets and the u16 bitmap use gathers.
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/simd_internal.h"

/* IN sets up to this many elements use broadcast compares (kernels_template.h); measured on
 * Zen 4, where gathers are slow, this is about where the binary search starts to win. */
#define SIMD_IN_BROADCAST_MAX_32 128u
#define SIMD_VECTOR_BYTES 64u
#define SIMD_VECTOR __m512i
#define SIMD_PREFIX _mm512_
#define SIMD_SUFFIX si512
#define SIMD_TEMPLATE_LEVEL SIMD_LEVEL_AVX512
#define SIMD_TEMPLATE_TABLE simd_kernels_avx512_table
#define SIMD_TEMPLATE_TEXT simd_text_avx512

/* ---- Ranges: (v - base) <= width, unsigned --------------------------------------------------- */

static inline uint64_t range8_group(const uint8_t *p, uint8_t base, uint8_t width)
{
    __m512i d = _mm512_sub_epi8(_mm512_loadu_si512(p), _mm512_set1_epi8((char)base));
    return _mm512_cmple_epu8_mask(d, _mm512_set1_epi8((char)width));
}

static inline uint64_t range16_group(const uint16_t *p, uint16_t base, uint16_t width)
{
    __m512i d = _mm512_sub_epi16(_mm512_loadu_si512(p), _mm512_set1_epi16((short)base));
    return _mm512_cmple_epu16_mask(d, _mm512_set1_epi16((short)width));
}

static inline uint64_t range32_group(const uint32_t *p, uint32_t base, uint32_t width)
{
    __m512i d = _mm512_sub_epi32(_mm512_loadu_si512(p), _mm512_set1_epi32((int)base));
    return _mm512_cmple_epu32_mask(d, _mm512_set1_epi32((int)width));
}

static inline uint64_t range64_group(const uint64_t *p, uint64_t base, uint64_t width)
{
    __m512i d = _mm512_sub_epi64(_mm512_loadu_si512(p), _mm512_set1_epi64((long long)base));
    return _mm512_cmple_epu64_mask(d, _mm512_set1_epi64((long long)width));
}

/* Ordered compares: false for NaN. */
static inline uint64_t range_f32_group(const float *p, float low, float high)
{
    __m512 x = _mm512_loadu_ps(p);
    __mmask16 above = _mm512_cmp_ps_mask(x, _mm512_set1_ps(low), _CMP_GE_OQ);
    return _mm512_mask_cmp_ps_mask(above, x, _mm512_set1_ps(high), _CMP_LE_OQ);
}

static inline uint64_t range_f64_group(const double *p, double low, double high)
{
    __m512d x = _mm512_loadu_pd(p);
    __mmask8 above = _mm512_cmp_pd_mask(x, _mm512_set1_pd(low), _CMP_GE_OQ);
    return _mm512_mask_cmp_pd_mask(above, x, _mm512_set1_pd(high), _CMP_LE_OQ);
}

/* ---- Small IN sets: one broadcast compare per element ---------------------------------------- */

static inline __mmask8 at_most_f64(__m512d a, __m512d b)
{
    return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ);
}
static inline __mmask8 equal_f64(__m512d a, __m512d b)
{
    return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ);
}

/* The lanes of one vector equal to some set element, collected in a mask register (KOR). */
#define DEFINE_EQ_GROUP(name, TYPE, LOAD, SET1, LANE, EQUAL, MASK, KOR)                            \
    static inline uint64_t name(const TYPE *p, const TYPE *set, uint32_t set_count)                \
    {                                                                                              \
        MASK hits = 0;                                                                             \
        for (uint32_t i = 0; i < set_count; i++)                                                   \
            hits = KOR(hits, EQUAL(LOAD(p), SET1((LANE)set[i])));                                  \
        return hits;                                                                               \
    }

DEFINE_EQ_GROUP(eq16_group, uint16_t, _mm512_loadu_si512, _mm512_set1_epi16, short,
                _mm512_cmpeq_epi16_mask, __mmask32, _kor_mask32)
DEFINE_EQ_GROUP(eq32_group, uint32_t, _mm512_loadu_si512, _mm512_set1_epi32, int,
                _mm512_cmpeq_epi32_mask, __mmask16, _kor_mask16)
DEFINE_EQ_GROUP(eq_i64_group, int64_t, _mm512_loadu_si512, _mm512_set1_epi64, long long,
                _mm512_cmpeq_epi64_mask, __mmask8, _kor_mask8)
DEFINE_EQ_GROUP(eq_f64_group, double, _mm512_loadu_pd, _mm512_set1_pd, double, equal_f64, __mmask8,
                _kor_mask8)

/* ---- Large IN sets: binary search steps (kernels_template.h runs them) ----------------------- */

typedef __m512i search_u32_values;
typedef __m512i search_u32_indexes;

static inline __m512i search_u32_step(__m512i x, __m512i index, uint32_t half, const uint32_t *set)
{
    __m512i probe_index = _mm512_add_epi32(index, _mm512_set1_epi32((int)half));
    __m512i probe = _mm512_i32gather_epi32(probe_index, set, 4);
    return _mm512_mask_mov_epi32(index, _mm512_cmple_epu32_mask(probe, x), probe_index);
}
static inline uint64_t search_u32_found(__m512i x, __m512i index, const uint32_t *set)
{
    return _mm512_cmpeq_epi32_mask(_mm512_i32gather_epi32(index, set, 4), x);
}

/* i64 and f64 lanes: eight 32-bit indexes; VALUES, GATHER and the compares name the type's
 * intrinsics. */
#define DEFINE_SEARCH_64(S, TYPE, VALUES, GATHER, AT_MOST, EQUAL)                                  \
    typedef VALUES search_##S##_values;                                                            \
    typedef __m256i search_##S##_indexes;                                                          \
    static inline __m256i search_##S##_step(VALUES x, __m256i index, uint32_t half,                \
                                            const TYPE *set)                                       \
    {                                                                                              \
        __m256i probe_index = _mm256_add_epi32(index, _mm256_set1_epi32((int)half));               \
        return _mm256_mask_mov_epi32(index, AT_MOST(GATHER(probe_index, set, 8), x), probe_index); \
    }                                                                                              \
    static inline uint64_t search_##S##_found(VALUES x, __m256i index, const TYPE *set)            \
    {                                                                                              \
        return EQUAL(GATHER(index, set, 8), x);                                                    \
    }

DEFINE_SEARCH_64(i64, int64_t, __m512i, _mm512_i32gather_epi64, _mm512_cmple_epi64_mask,
                 _mm512_cmpeq_epi64_mask)
DEFINE_SEARCH_64(f64, double, __m512d, _mm512_i32gather_pd, at_most_f64, equal_f64)

/* ---- Primitives of the template ------------------------------------------------------------- */

static inline __m512i vector_from_128(__m128i lane)
{
    return _mm512_broadcast_i32x4(lane);
}

static inline __m512i vector_select_by_top_bit(__m512i selector, __m512i a, __m512i b)
{
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(selector), a, b);
}

static inline uint64_t vector_nonzero_bytes(__m512i v)
{
    return _mm512_test_epi8_mask(v, v);
}

static inline uint64_t vector_nonzero_u32(__m512i v)
{
    return _mm512_test_epi32_mask(v, v);
}

static inline __m512i widen_u8(const uint8_t *p)
{
    return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
}

static inline __m512i widen_u16(const uint16_t *p)
{
    return _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
}

static inline __m512i gather_u32(const void *base, __m512i offsets)
{
    return _mm512_i32gather_epi32(offsets, base, 1);
}

/* Not _mm512_reduce_add_epi64: its fallback code adds in signed long long, which overflows. */
static inline uint64_t vector_sum64(__m512i v)
{
    __m256i quad = _mm256_add_epi64(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    __m128i pair = _mm_add_epi64(_mm256_castsi256_si128(quad), _mm256_extracti128_si256(quad, 1));
    return (uint64_t)_mm_cvtsi128_si64(pair) + (uint64_t)_mm_extract_epi64(pair, 1);
}

#include "simd/kernels_template.h"
