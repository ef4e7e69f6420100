/*
 * Scan kernels with run-time dispatch: the inner loops of segment evaluation, in three
 * versions (scalar, AVX2, AVX-512) that produce identical words.
 *
 * A scan kernel reads `count` (<= SIMD_SCAN_COUNT_MAX, one chunk) values of one lane type and
 * writes one bit per value, bit i of out[i / 64]: exactly (count + 63) / 64 words, the bits at
 * and beyond `count` in the last word 0, nothing after it. Bitset kernels combine or count
 * chunk bitsets of `words` (<= SIMD_BITSET_WORDS_MAX) 64-bit words. Kernels read only the
 * memory they are given (values[0 .. count), set[0 .. set_count), table[0 .. entries +
 * SIMD_LOOKUP_TABLE_PADDING), the text bytes below), never allocate and never fail; pointers
 * are borrowed for the call and need no alignment.
 *
 * Text kernels test the `count` strings of one text chunk: string i is bytes[offsets[i] ..
 * offsets[i + 1]) (offsets non-decreasing, so the strings are one contiguous blob), and bit i
 * says whether it starts with, ends with or contains pattern[0 .. pattern_size). A match never
 * spans two strings; an empty pattern matches every string, the empty one included. They read
 * only bytes[offsets[0] .. offsets[count]), offsets[0 .. count] and the pattern.
 *
 * simd_kernels() is the table the engine uses: the best level the CPU and OS support, chosen
 * once, or the level named by PROFILEDB_SIMD=scalar|avx2|avx512 (tests and benchmarks run every
 * level). The scalar table (kernels_scalar.c) is the reference every other level is tested
 * against; cpu.c detects the CPU and owns the selection.
 */
#ifndef PDB_SIMD_SIMD_H
#define PDB_SIMD_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of the kernel contracts (the engine's chunk is 65,536 rows = 1,024 words). */
#define SIMD_SCAN_COUNT_MAX 65536u   /* values per scan call */
#define SIMD_IN_SET_COUNT_MAX 65536u /* values in an IN set */
#define SIMD_BITSET_WORDS_MAX 1024u  /* words per bitset call */
/* Lookup tables must have this many readable bytes after their last entry (their values are
 * ignored): the SIMD levels gather 4 bytes at table + v[i] and keep the low byte. */
#define SIMD_LOOKUP_TABLE_PADDING 3u
/* The environment variable that forces a level. */
#define SIMD_ENV_VARIABLE "PROFILEDB_SIMD"

enum simd_level {
    SIMD_LEVEL_SCALAR = 0,
    SIMD_LEVEL_AVX2 = 1,
    SIMD_LEVEL_AVX512 = 2,
    SIMD_LEVEL_COUNT
};

struct simd_kernels {
    enum simd_level level;
    /* low <= v[i] <= high, inclusive; the caller guarantees low <= high. */
    void (*range_i8)(const int8_t *v, uint32_t count, int8_t low, int8_t high, uint64_t *out);
    void (*range_i16)(const int16_t *v, uint32_t count, int16_t low, int16_t high, uint64_t *out);
    void (*range_i32)(const int32_t *v, uint32_t count, int32_t low, int32_t high, uint64_t *out);
    void (*range_i64)(const int64_t *v, uint32_t count, int64_t low, int64_t high, uint64_t *out);
    void (*range_u8)(const uint8_t *v, uint32_t count, uint8_t low, uint8_t high, uint64_t *out);
    void (*range_u16)(const uint16_t *v, uint32_t count, uint16_t low, uint16_t high,
                      uint64_t *out);
    void (*range_u32)(const uint32_t *v, uint32_t count, uint32_t low, uint32_t high,
                      uint64_t *out);
    void (*range_u64)(const uint64_t *v, uint32_t count, uint64_t low, uint64_t high,
                      uint64_t *out);
    /* Floats: IEEE comparisons, so -0.0 == +0.0; low/high may be +-infinity (not NaN); a NaN
     * in v never matches. */
    void (*range_f32)(const float *v, uint32_t count, float low, float high, uint64_t *out);
    void (*range_f64)(const double *v, uint32_t count, double low, double high, uint64_t *out);
    /* v[i] in set[0 .. set_count): the set is sorted ascending without duplicates (floats: no
     * NaN, and -0.0 and +0.0 are one value), 1 <= set_count <= SIMD_IN_SET_COUNT_MAX. A NaN in
     * v never matches. */
    void (*in_u8)(const uint8_t *v, uint32_t count, const uint8_t *set, uint32_t set_count,
                  uint64_t *out);
    void (*in_u16)(const uint16_t *v, uint32_t count, const uint16_t *set, uint32_t set_count,
                   uint64_t *out);
    void (*in_u32)(const uint32_t *v, uint32_t count, const uint32_t *set, uint32_t set_count,
                   uint64_t *out);
    void (*in_i64)(const int64_t *v, uint32_t count, const int64_t *set, uint32_t set_count,
                   uint64_t *out);
    void (*in_f64)(const double *v, uint32_t count, const double *set, uint32_t set_count,
                   uint64_t *out);
    /* table[v[i]] != 0. The caller guarantees every v[i] < the table's entry count, that the
     * entry count is at most INT32_MAX, and that SIMD_LOOKUP_TABLE_PADDING bytes follow the
     * last entry. */
    void (*lookup_u8)(const uint8_t *v, uint32_t count, const uint8_t *table, uint64_t *out);
    void (*lookup_u16)(const uint16_t *v, uint32_t count, const uint8_t *table, uint64_t *out);
    void (*lookup_u32)(const uint32_t *v, uint32_t count, const uint8_t *table, uint64_t *out);
    /* Chunk bitsets of `words` words: */
    void (*bitset_and)(uint64_t *target, const uint64_t *other, uint32_t words);
    void (*bitset_or)(uint64_t *target, const uint64_t *other, uint32_t words);
    void (*bitset_andnot)(uint64_t *target, const uint64_t *other, uint32_t words); /* &= ~ */
    uint64_t (*bitset_count)(const uint64_t *words_in, uint32_t words);
    /* popcount(a & b), writing nothing. */
    uint64_t (*bitset_and_count)(const uint64_t *a, const uint64_t *b, uint32_t words);
    /* Text (see the top of this file): */
    void (*text_starts)(const char *bytes, const uint32_t *offsets, uint32_t count,
                        const char *pattern, uint32_t pattern_size, uint64_t *out);
    void (*text_ends)(const char *bytes, const uint32_t *offsets, uint32_t count,
                      const char *pattern, uint32_t pattern_size, uint64_t *out);
    void (*text_contains)(const char *bytes, const uint32_t *offsets, uint32_t count,
                          const char *pattern, uint32_t pattern_size, uint64_t *out);
    /* The memory-bandwidth yardstick for benchmarks: v[0] + ... + v[count - 1] modulo 2^64. */
    uint64_t (*sum_u64)(const uint64_t *v, size_t count);
};

/* "scalar", "avx2", "avx512" ("unknown" for anything else). */
const char *simd_level_name(enum simd_level level);
/* The level named `name` (exactly as simd_level_name spells it); false if none is. */
bool simd_level_parse(const char *name, enum simd_level *level_out);

/* The best level this CPU and OS support (cpuid for the instructions, XGETBV for the AVX and
 * AVX-512 register state); detected once. */
enum simd_level simd_level_supported(void);

/* The active kernels: chosen once (thread-safe) as simd_level_choose(getenv(PROFILEDB_SIMD),
 * simd_level_supported()), printing its warning, if any, as one line on stderr. Never NULL;
 * the table is static. */
const struct simd_kernels *simd_kernels(void);

/* The kernels of one level, or NULL if this CPU lacks it (or level is out of range). */
const struct simd_kernels *simd_kernels_for(enum simd_level level);

/* The selection rule of simd_kernels(), pure for tests: `request` is the variable's value
 * (NULL or "" when unset) and `supported` the best level available. A supported request is
 * honoured; a known but unsupported one gives `supported`; an unknown one gives `supported`.
 * The last two write a one-line warning (no newline) into warning[0 .. warning_size); else
 * warning[0] is set to '\0'. warning_size must be at least 1. */
enum simd_level simd_level_choose(const char *request, enum simd_level supported, char *warning,
                                  size_t warning_size);

#endif
