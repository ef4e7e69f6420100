/*
 * The scalar text kernels (simd.h: text_starts, text_ends, text_contains): the reference the
 * SIMD levels are tested against, and the level used without AVX2 or with
 * PROFILEDB_SIMD=scalar.
 *
 * Kept plain on purpose: each string is tested on its own with memcmp or memmem, so a match
 * can never span two strings and each bit is evidently right. The SIMD levels search the
 * whole blob at once (text_avx2.c, text_avx512.c).
 */
#include <string.h>

#include "simd/simd_internal.h"

/* out[w] = the bits of TEST (an expression of `value` and `size`, string i) for every word. */
#define TEXT_WORDS(bytes, offsets, count, out, TEST)                                               \
    do {                                                                                           \
        for (uint32_t word_ = 0; word_ * 64u < (count); word_++) {                                 \
            uint32_t end_ = word_ * 64u + 64u < (count) ? word_ * 64u + 64u : (count);             \
            uint64_t bits_ = 0;                                                                    \
            for (uint32_t i_ = word_ * 64u; i_ < end_; i_++) {                                     \
                const char *value = (bytes) + (offsets)[i_];                                       \
                uint32_t size = (offsets)[i_ + 1] - (offsets)[i_];                                 \
                bits_ |= (uint64_t)(TEST) << (i_ % 64u);                                           \
            }                                                                                      \
            (out)[word_] = bits_;                                                                  \
        }                                                                                          \
    } while (0)

static bool starts(const char *value, uint32_t size, const char *pattern, uint32_t pattern_size)
{
    return size >= pattern_size && (pattern_size == 0 || memcmp(value, pattern, pattern_size) == 0);
}

static bool ends(const char *value, uint32_t size, const char *pattern, uint32_t pattern_size)
{
    return size >= pattern_size &&
           (pattern_size == 0 || memcmp(value + size - pattern_size, pattern, pattern_size) == 0);
}

static bool contains(const char *value, uint32_t size, const char *pattern, uint32_t pattern_size)
{
    return pattern_size == 0 ||
           (size >= pattern_size && memmem(value, size, pattern, pattern_size) != NULL);
}

void simd_text_scalar_starts(const char *bytes, const uint32_t *offsets, uint32_t count,
                             const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    TEXT_WORDS(bytes, offsets, count, out, starts(value, size, pattern, pattern_size));
}

void simd_text_scalar_ends(const char *bytes, const uint32_t *offsets, uint32_t count,
                           const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    TEXT_WORDS(bytes, offsets, count, out, ends(value, size, pattern, pattern_size));
}

void simd_text_scalar_contains(const char *bytes, const uint32_t *offsets, uint32_t count,
                               const char *pattern, uint32_t pattern_size, uint64_t *out)
{
    TEXT_WORDS(bytes, offsets, count, out, contains(value, size, pattern, pattern_size));
}
