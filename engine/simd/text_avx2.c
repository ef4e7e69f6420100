/*
 * AVX2 text kernels (simd.h: text_starts, text_ends, text_contains). Compiled with the AVX2
 * flags; cpu.c hands them out only when the CPU and OS support AVX2.
 *
 * CONTAINS searches the chunk's whole blob as text_avx512.c does, 64 positions per step as two
 * 32-byte halves (first-byte and last-byte compares, movemask); the last positions, where a
 * 32-byte load would pass the blob's end, are compared byte by byte (text_search_tail).
 * STARTS/ENDS WITH gather the first and last 8 pattern bytes of 4 rows per step, as
 * text_avx512.c does for 8 (about 2.5x faster than text_common.h's unrolled 64-bit loads on
 * emails); lanes are signed 32-bit, so a blob over INT32_MAX bytes and the rows
 * text_fixed_fast_rows excludes take text_common.h's path.
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/simd_internal.h"

static inline uint32_t row_of(const uint32_t *offsets, uint32_t from, uint32_t count,
                              uint64_t position);
#define TEXT_ROW_OF row_of
#include "simd/text_common.h"

/* Steps of 8 offsets row_of takes before it gallops. */
#define ROW_WALK_STEPS 8u

/* text_row_of's contract: 8 offsets per compare (x <= position as max(x, position) ==
 * position; monotonic offsets make those a prefix, so their count is the step to the row),
 * then the gallop for long distances. */
static inline uint32_t row_of(const uint32_t *offsets, uint32_t from, uint32_t count,
                              uint64_t position)
{
    __m256i at = _mm256_set1_epi32((int)(uint32_t)position); /* position < offsets[count] */
    if (position < offsets[from + 1]) return from; /* the same or the next row: branches */
    if (from + 2u <= count && position < offsets[from + 2]) return from + 1u; /* predict well */
    uint32_t row = from;
    for (uint32_t step = 0; step < ROW_WALK_STEPS && row + 8u <= count; step++) {
        __m256i next = _mm256_loadu_si256((const __m256i *)(offsets + row + 1));
        __m256i below_lanes = _mm256_cmpeq_epi32(_mm256_max_epu32(next, at), at);
        uint32_t below = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(below_lanes));
        if (below != 0xFFu) return row + (uint32_t)__builtin_popcount(below);
        row += 8u;
    }
    return text_row_of(offsets, row, count, position);
}

/* 4 rows: which of the 64-bit lanes gathered at `at` (where `fits`) equal `want` in `mask`. */
static inline uint32_t fixed_quad(const char *bytes, __m128i at, __m256i fits, __m256i want,
                                  __m256i mask)
{
    __m256i got =
        _mm256_mask_i32gather_epi64(_mm256_setzero_si256(), (const long long *)bytes, at, fits, 1);
    __m256i differ = _mm256_and_si256(_mm256_xor_si256(got, want), mask);
    __m256i same = _mm256_and_si256(_mm256_cmpeq_epi64(differ, _mm256_setzero_si256()), fits);
    return (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(same));
}

/* Rows [first, first + 4) (all below the fast limit): a text_fixed_group_fn. */
static inline uint64_t fixed_group(const struct text_fixed *fixed, const char *bytes,
                                   const uint32_t *offsets, uint32_t first)
{
    __m128i starts = _mm_loadu_si128((const __m128i *)(offsets + first));
    __m128i ends = _mm_loadu_si128((const __m128i *)(offsets + first + 1));
    __m128i size = _mm_set1_epi32((int)fixed->size);
    __m128i sizes = _mm_sub_epi32(ends, starts);
    __m128i fits32 = _mm_cmpeq_epi32(_mm_max_epu32(sizes, size), sizes); /* sizes >= size */
    __m256i fits = _mm256_cvtepi32_epi64(fits32);
    __m128i at = fixed->is_ends ? _mm_sub_epi32(ends, size) : starts;
    __m256i mask = _mm256_set1_epi64x((long long)fixed->mask);
    uint32_t found = fixed_quad(bytes, at, fits, _mm256_set1_epi64x((long long)fixed->head), mask);
    if (fixed->size > 8u) { /* unconditional: a branch on `found` mispredicts */
        __m128i tail_at = _mm_add_epi32(at, _mm_set1_epi32((int)fixed->tail_offset));
        found &= fixed_quad(bytes, tail_at, fits, _mm256_set1_epi64x((long long)fixed->tail), mask);
    }
    return found;
}


void simd_text_avx2_starts(const char *bytes, const uint32_t *offsets, uint32_t count,
                           const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    text_fixed_scan(bytes, offsets, count, pattern, pattern_size, false, fixed_group, 4u, out);
}

void simd_text_avx2_ends(const char *bytes, const uint32_t *offsets, uint32_t count,
                         const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    text_fixed_scan(bytes, offsets, count, pattern, pattern_size, true, fixed_group, 4u, out);
}

static inline uint32_t half_candidates(const char *at, uint32_t pattern_size, __m256i first,
                                       __m256i last)
{
    __m256i head = _mm256_loadu_si256((const __m256i *)at);
    __m256i tail = _mm256_loadu_si256((const __m256i *)(at + pattern_size - 1u));
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(head, first)) &
           (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(tail, last));
}

void simd_text_avx2_contains(const char *bytes, const uint32_t *offsets, uint32_t count,
                             const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    if (pattern_size == 0) {
        text_bits_all(count, out);
        return;
    }
    struct text_search search;
    if (!text_search_init(&search, bytes, offsets, count, pattern, pattern_size, out)) return;
    const __m256i first = _mm256_set1_epi8(pattern[0]);
    const __m256i last = _mm256_set1_epi8(pattern[pattern_size - 1u]);
    uint64_t last_position = offsets[count] - pattern_size; /* the last a match can start at */
    uint64_t position = offsets[0];
    while (position <= last_position) {
        uint64_t left = last_position - position + 1u;
        const char *at = bytes + position;
        uint64_t candidates;
        if (left >= 64u) {
            candidates = half_candidates(at, pattern_size, first, last) |
                         (uint64_t)half_candidates(at + 32, pattern_size, first, last) << 32;
        } else {
            candidates = text_search_tail(&search, position, left);
        }
        position = candidates ? text_search_block(&search, position, candidates) : position + 64u;
    }
}
