/*
 * Scalar leaf kernels (see kernels.h): the reference twins of the SIMD kernels.
 *
 * Each loop builds one 64-bit word from 64 branch-free comparisons, which compilers
 * vectorise; the last, partial word is built the same way over the remaining values. The
 * int64 range test is a single unsigned compare: low <= v <= high iff
 * (uint64)(v - low) <= (uint64)(high - low), computed in unsigned arithmetic.
 */
#include "query/kernels.h"

/* Builds out_words from PREDICATE(i) for i in [0, count). */
#define KERNEL_BITS(count, out_words, PREDICATE)                                                   \
    do {                                                                                           \
        uint32_t full_ = (count) / 64u;                                                            \
        for (uint32_t word_ = 0; word_ < full_; word_++) {                                         \
            uint32_t base_ = word_ * 64u;                                                          \
            uint64_t bits_ = 0;                                                                    \
            for (uint32_t bit_ = 0; bit_ < 64u; bit_++) {                                          \
                uint32_t i = base_ + bit_;                                                         \
                bits_ |= (uint64_t)(PREDICATE) << bit_;                                            \
            }                                                                                      \
            (out_words)[word_] = bits_;                                                            \
        }                                                                                          \
        uint32_t rest_ = (count) % 64u;                                                            \
        if (rest_) {                                                                               \
            uint32_t base_ = full_ * 64u;                                                          \
            uint64_t bits_ = 0;                                                                    \
            for (uint32_t bit_ = 0; bit_ < rest_; bit_++) {                                        \
                uint32_t i = base_ + bit_;                                                         \
                bits_ |= (uint64_t)(PREDICATE) << bit_;                                            \
            }                                                                                      \
            (out_words)[full_] = bits_;                                                            \
        }                                                                                          \
    } while (0)

void kernel_range_i64(const int64_t *values, uint32_t count, int64_t low, int64_t high,
                      uint64_t *out_words)
{
    uint64_t base = (uint64_t)low;
    uint64_t width = (uint64_t)high - (uint64_t)low;
    KERNEL_BITS(count, out_words, ((uint64_t)values[i] - base) <= width);
}

void kernel_range_f64(const double *values, uint32_t count, double low, double high,
                      uint64_t *out_words)
{
    KERNEL_BITS(count, out_words, (values[i] >= low) & (values[i] <= high));
}

/* Branch-free lower bound: the last element <= value (or set[0]). */
static inline int64_t floor_i64(const int64_t *set, uint32_t set_count, int64_t value)
{
    const int64_t *base = set;
    uint32_t size = set_count;
    while (size > 1) {
        uint32_t half = size / 2;
        base = base[half] <= value ? base + half : base;
        size -= half;
    }
    return *base;
}

static inline double floor_f64(const double *set, uint32_t set_count, double value)
{
    const double *base = set;
    uint32_t size = set_count;
    while (size > 1) {
        uint32_t half = size / 2;
        base = base[half] <= value ? base + half : base;
        size -= half;
    }
    return *base;
}

void kernel_in_i64(const int64_t *values, uint32_t count, const int64_t *set, uint32_t set_count,
                   uint64_t *out_words)
{
    KERNEL_BITS(count, out_words, floor_i64(set, set_count, values[i]) == values[i]);
}

void kernel_in_f64(const double *values, uint32_t count, const double *set, uint32_t set_count,
                   uint64_t *out_words)
{
    KERNEL_BITS(count, out_words, floor_f64(set, set_count, values[i]) == values[i]);
}

void kernel_eq_u32(const uint32_t *codes, uint32_t count, uint32_t code, uint64_t *out_words)
{
    KERNEL_BITS(count, out_words, codes[i] == code);
}

void kernel_lookup_u32(const uint32_t *codes, uint32_t count, const uint8_t *table,
                       uint64_t *out_words)
{
    KERNEL_BITS(count, out_words, table[codes[i]] != 0);
}
