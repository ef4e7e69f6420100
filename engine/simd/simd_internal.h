/*
 * What the files of engine/simd share: the three kernel tables and the macro that fills one.
 *
 * Each kernels_<level>.c defines static functions named exactly like the members of struct
 * simd_kernels (range_i8, ..., sum_u64) and one table with SIMD_KERNELS_TABLE; the text
 * kernels live in text_<level>.c as simd_text_<level>_starts/_ends/_contains, which the
 * macro's second argument names (SIMD_KERNELS_TABLE(SIMD_LEVEL_AVX2, simd_text_avx2)). Only cpu.c
 * hands the AVX2 and AVX-512 tables out, after checking the CPU: their functions execute
 * instructions an older CPU lacks.
 */
#ifndef PDB_SIMD_SIMD_INTERNAL_H
#define PDB_SIMD_SIMD_INTERNAL_H

#include "simd/simd.h"

extern const struct simd_kernels simd_kernels_scalar_table;
extern const struct simd_kernels simd_kernels_avx2_table;
extern const struct simd_kernels simd_kernels_avx512_table;

/* The text kernels of one level: PREFIX_starts, PREFIX_ends, PREFIX_contains. */
#define SIMD_TEXT_DECLARE(PREFIX)                                                                  \
    void PREFIX##_starts(const char *bytes, const uint32_t *offsets, uint32_t count,               \
                         const char *pattern, uint32_t pattern_size, uint64_t *out);               \
    void PREFIX##_ends(const char *bytes, const uint32_t *offsets, uint32_t count,                 \
                       const char *pattern, uint32_t pattern_size, uint64_t *out);                 \
    void PREFIX##_contains(const char *bytes, const uint32_t *offsets, uint32_t count,             \
                           const char *pattern, uint32_t pattern_size, uint64_t *out)

/* PREFIX##NAME after PREFIX is expanded (it may be a macro, as in kernels_template.h). */
#define SIMD_TEXT_NAME(PREFIX, NAME) SIMD_TEXT_NAME_(PREFIX, NAME)
#define SIMD_TEXT_NAME_(PREFIX, NAME) PREFIX##NAME

SIMD_TEXT_DECLARE(simd_text_scalar);
SIMD_TEXT_DECLARE(simd_text_avx2);
SIMD_TEXT_DECLARE(simd_text_avx512);

#define SIMD_KERNELS_TABLE(LEVEL, TEXT)                                                            \
    {                                                                                              \
        .level = (LEVEL), .range_i8 = range_i8, .range_i16 = range_i16, .range_i32 = range_i32,    \
        .range_i64 = range_i64, .range_u8 = range_u8, .range_u16 = range_u16,                      \
        .range_u32 = range_u32, .range_u64 = range_u64, .range_f32 = range_f32,                    \
        .range_f64 = range_f64, .in_u8 = in_u8, .in_u16 = in_u16, .in_u32 = in_u32,                \
        .in_i64 = in_i64, .in_f64 = in_f64, .lookup_u8 = lookup_u8, .lookup_u16 = lookup_u16,      \
        .lookup_u32 = lookup_u32, .bitset_and = bitset_and, .bitset_or = bitset_or,                \
        .bitset_andnot = bitset_andnot, .bitset_count = bitset_count,                              \
        .bitset_and_count = bitset_and_count, .text_starts = SIMD_TEXT_NAME(TEXT, _starts),        \
        .text_ends = SIMD_TEXT_NAME(TEXT, _ends),                                                  \
        .text_contains = SIMD_TEXT_NAME(TEXT, _contains), .sum_u64 = sum_u64,                      \
    }

#endif
