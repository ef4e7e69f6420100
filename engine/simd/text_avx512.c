/*
 * AVX-512 text kernels (simd.h: text_starts, text_ends, text_contains). Compiled with the
 * AVX-512 flags; cpu.c hands them out only when the CPU and OS support AVX-512.
 *
 * CONTAINS searches the chunk's whole blob 64 positions at a time (the approach of Muła's
 * "SIMD-friendly algorithms for substring searching"): one compare of the bytes at p .. p+63
 * with the pattern's first byte, one of the bytes at p+m-1 .. p+m+62 with its last byte; the
 * positions where both agree go to text_search_block (text_common.h), which verifies them and
 * maps them to rows. The last block uses masked loads, so no byte past the blob is read.
 *
 * STARTS/ENDS WITH test 8 rows per step: their start and end offsets are two vector loads, the
 * first and last 8 pattern bytes two masked 64-bit gathers at start (or end - m) for the rows
 * long enough; gather lanes are signed 32-bit, so a blob over INT32_MAX bytes takes the
 * scalar path of text_common.h (so do the few rows text_fixed_fast_rows excludes).
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/simd_internal.h"

static inline uint32_t row_of(const uint32_t *offsets, uint32_t from, uint32_t count,
                              uint64_t position);
#define TEXT_ROW_OF row_of
#include "simd/text_common.h"

/* Steps of 16 offsets row_of takes before it gallops. */
#define ROW_WALK_STEPS 4u

/* text_row_of's contract: 16 offsets per compare (monotonic offsets make the ones <= position
 * a prefix, so their count is the step to the row), then the gallop for long distances. */
static inline uint32_t row_of(const uint32_t *offsets, uint32_t from, uint32_t count,
                              uint64_t position)
{
    __m512i at = _mm512_set1_epi32((int)(uint32_t)position); /* position < offsets[count] */
    if (position < offsets[from + 1]) return from; /* the same or the next row: branches */
    if (from + 2u <= count && position < offsets[from + 2]) return from + 1u; /* predict well */
    uint32_t row = from;
    for (uint32_t step = 0; step < ROW_WALK_STEPS && row + 16u <= count; step++) {
        __m512i next = _mm512_loadu_si512((const void *)(offsets + row + 1));
        uint32_t below = (uint32_t)_mm512_cmple_epu32_mask(next, at);
        if (below != 0xFFFFu) return row + (uint32_t)__builtin_popcount(below);
        row += 16u;
    }
    return text_row_of(offsets, row, count, position);
}

/* Rows [first, first + 8) (all below the fast limit): a text_fixed_group_fn. */
static inline uint64_t fixed_group(const struct text_fixed *fixed, const char *bytes,
                                   const uint32_t *offsets, uint32_t first)
{
    __m256i starts = _mm256_loadu_si256((const __m256i *)(offsets + first));
    __m256i ends = _mm256_loadu_si256((const __m256i *)(offsets + first + 1));
    __m256i size = _mm256_set1_epi32((int)fixed->size);
    __mmask8 fits = _mm256_cmpge_epu32_mask(_mm256_sub_epi32(ends, starts), size);
    __m256i at = fixed->is_ends ? _mm256_sub_epi32(ends, size) : starts;
    __m512i mask = _mm512_set1_epi64((long long)fixed->mask);
    __m512i head = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), fits, at, bytes, 1);
    __mmask8 found = _mm512_mask_testn_epi64_mask(
        fits, _mm512_xor_si512(head, _mm512_set1_epi64((long long)fixed->head)), mask);
    if (fixed->size > 8u) { /* unconditional: a branch on `found` mispredicts */
        __m256i tail_at = _mm256_add_epi32(at, _mm256_set1_epi32((int)fixed->tail_offset));
        __m512i tail =
            _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), found, tail_at, bytes, 1);
        found = _mm512_mask_testn_epi64_mask(
            found, _mm512_xor_si512(tail, _mm512_set1_epi64((long long)fixed->tail)), mask);
    }
    return (uint64_t)found;
}


void simd_text_avx512_starts(const char *bytes, const uint32_t *offsets, uint32_t count,
                             const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    text_fixed_scan(bytes, offsets, count, pattern, pattern_size, false, fixed_group, 8u, out);
}

void simd_text_avx512_ends(const char *bytes, const uint32_t *offsets, uint32_t count,
                           const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    text_fixed_scan(bytes, offsets, count, pattern, pattern_size, true, fixed_group, 8u, out);
}

void simd_text_avx512_contains(const char *bytes, const uint32_t *offsets, uint32_t count,
                               const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    if (pattern_size == 0) {
        text_bits_all(count, out);
        return;
    }
    struct text_search search;
    if (!text_search_init(&search, bytes, offsets, count, pattern, pattern_size, out)) return;
    const __m512i first = _mm512_set1_epi8(pattern[0]);
    const __m512i last = _mm512_set1_epi8(pattern[pattern_size - 1u]);
    uint64_t last_position = offsets[count] - pattern_size; /* the last a match can start at */
    uint64_t position = offsets[0];
    while (position <= last_position) {
        uint64_t left = last_position - position + 1u;
        const char *at = bytes + position;
        uint64_t candidates;
        if (left >= 64u) {
            __m512i head = _mm512_loadu_si512((const void *)at);
            __m512i tail = _mm512_loadu_si512((const void *)(at + pattern_size - 1u));
            candidates = _mm512_cmpeq_epi8_mask(head, first) & _mm512_cmpeq_epi8_mask(tail, last);
        } else {
            __mmask64 valid = (1ull << left) - 1u;
            __m512i head = _mm512_maskz_loadu_epi8(valid, at);
            __m512i tail = _mm512_maskz_loadu_epi8(valid, at + pattern_size - 1u);
            candidates = _mm512_mask_cmpeq_epi8_mask(valid, head, first) &
                         _mm512_cmpeq_epi8_mask(tail, last);
        }
        position = candidates ? text_search_block(&search, position, candidates) : position + 64u;
    }
}
