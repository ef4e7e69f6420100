/*
 * What the files of engine/simd share: the three kernel tables and the macro that fills one.
 *
 * Each kernels_<level>.c defines static functions named exactly like the members of struct
 * simd_kernels (range_i8, ..., sum_u64) and one table with SIMD_KERNELS_TABLE. Only cpu.c
 * hands the AVX2 and AVX-512 tables out, after checking the CPU: their functions execute
 * instructions an older CPU lacks.
 */
#ifndef PDB_SIMD_SIMD_INTERNAL_H
#define PDB_SIMD_SIMD_INTERNAL_H

#include "simd/simd.h"

extern const struct simd_kernels simd_kernels_scalar_table;
extern const struct simd_kernels simd_kernels_avx2_table;
extern const struct simd_kernels simd_kernels_avx512_table;

#define SIMD_KERNELS_TABLE(LEVEL)                                                                  \
    {                                                                                              \
        .level = (LEVEL), .range_i8 = range_i8, .range_i16 = range_i16, .range_i32 = range_i32,    \
        .range_i64 = range_i64, .range_u8 = range_u8, .range_u16 = range_u16,                      \
        .range_u32 = range_u32, .range_u64 = range_u64, .range_f32 = range_f32,                    \
        .range_f64 = range_f64, .in_u8 = in_u8, .in_u16 = in_u16, .in_u32 = in_u32,                \
        .in_i64 = in_i64, .in_f64 = in_f64, .lookup_u8 = lookup_u8, .lookup_u16 = lookup_u16,      \
        .lookup_u32 = lookup_u32, .bitset_and = bitset_and, .bitset_or = bitset_or,                \
        .bitset_andnot = bitset_andnot, .bitset_count = bitset_count,                              \
        .bitset_and_count = bitset_and_count, .sum_u64 = sum_u64,                                  \
    }

#endif
