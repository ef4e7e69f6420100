/*
 * AVX2 text kernels (simd.h: text_starts, text_ends, text_contains). Compiled with the AVX2
 * flags; cpu.c hands them out only when the CPU and OS support AVX2.
 *
 * CONTAINS searches the chunk's whole blob as text_avx512.c does, 64 positions per step as two
 * 32-byte halves (first-byte and last-byte compares, movemask); the last positions, where a
 * 32-byte load would pass the blob's end, are compared byte by byte (text_search_tail).
 * STARTS/ENDS WITH use the unrolled 64-bit loads of text_common.h: with 4-lane gathers, AVX2
 * is no faster at them.
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/simd_internal.h"
#include "simd/text_common.h"

static void fixed_scan(const char *bytes, const uint32_t *offsets, uint32_t count,
                       const char *pattern, uint32_t pattern_size, bool is_ends, uint64_t *out)
{
    if (pattern_size == 0) {
        text_bits_all(count, out);
        return;
    }
    struct text_fixed fixed;
    text_fixed_init(&fixed, pattern, pattern_size, is_ends);
    uint32_t fast_rows = text_fixed_fast_rows(&fixed, offsets, count);
    for (uint32_t word = 0; word * 64u < count; word++) {
        uint32_t first = word * 64u;
        uint32_t rows = count - first < 64u ? count - first : 64u;
        out[word] = text_fixed_word(&fixed, bytes, offsets, first, rows, fast_rows);
    }
}

void simd_text_avx2_starts(const char *bytes, const uint32_t *offsets, uint32_t count,
                           const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    fixed_scan(bytes, offsets, count, pattern, pattern_size, false, out);
}

void simd_text_avx2_ends(const char *bytes, const uint32_t *offsets, uint32_t count,
                         const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    fixed_scan(bytes, offsets, count, pattern, pattern_size, true, out);
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
