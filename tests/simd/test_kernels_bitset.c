/*
 * Tests for the bitset kernels and the sum (kernels_scalar.c and the SIMD levels through
 * kernels_template.h): the scalar level against per-word loops, every SIMD level against the
 * scalar level, for word counts that are and are not multiples of a vector, densities from
 * empty to full, on buffers that end at a guard page.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "simd_test_support.h"

static const uint32_t word_counts[] = {0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1000, 1023, 1024};
#define DENSITIES 5

static const struct simd_kernels *all_levels[SIMD_LEVEL_COUNT];
static uint32_t all_level_count;

/* The scalar level first, then every SIMD level. */
static void kernels_bitset_setup(void)
{
    all_levels[0] = simd_test_scalar();
    all_level_count = 1 + simd_test_levels(all_levels + 1);
}

TestSuite(kernels_bitset, .init = kernels_bitset_setup);

/* Density 0: empty, 1: full, 2: random, 3: sparse, 4: dense. */
static uint64_t random_word(uint64_t *state, uint32_t density)
{
    uint64_t r = simd_test_random(state);
    switch (density) {
    case 0:
        return 0;
    case 1:
        return UINT64_MAX;
    case 3:
        return r & simd_test_random(state) & simd_test_random(state);
    case 4:
        return r | simd_test_random(state) | simd_test_random(state);
    default:
        return r;
    }
}

static uint64_t *random_words(uint64_t *state, uint32_t words, uint32_t density)
{
    uint64_t *out = guarded_alloc(words * sizeof(uint64_t));
    for (uint32_t i = 0; i < words; i++)
        out[i] = random_word(state, density);
    return out;
}

static uint64_t popcount_model(const uint64_t *a, const uint64_t *b, uint32_t words)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < words; i++) {
        uint64_t word = b != NULL ? a[i] & b[i] : a[i];
        for (uint32_t bit = 0; bit < 64; bit++)
            total += (word >> bit) & 1u;
    }
    return total;
}

enum bitset_op { OP_AND, OP_OR, OP_ANDNOT, OP_COUNT };

static void op_apply(const struct simd_kernels *kernels, enum bitset_op op, uint64_t *target,
                     const uint64_t *other, uint32_t words)
{
    if (op == OP_AND) kernels->bitset_and(target, other, words);
    if (op == OP_OR) kernels->bitset_or(target, other, words);
    if (op == OP_ANDNOT) kernels->bitset_andnot(target, other, words);
}

static uint64_t op_model(enum bitset_op op, uint64_t a, uint64_t b)
{
    return op == OP_AND ? a & b : op == OP_OR ? a | b : a & ~b;
}

/* Calls check(a, b, words) for every word count and every pair of densities, on guarded
 * random words. */
static void for_each_pair(uint64_t seed,
                          void (*check)(const uint64_t *a, const uint64_t *b, uint32_t words))
{
    uint64_t state = simd_test_seed(seed);
    for (size_t n = 0; n < sizeof word_counts / sizeof word_counts[0]; n++) {
        uint32_t words = word_counts[n];
        for (uint32_t density = 0; density < DENSITIES * DENSITIES; density++) {
            uint64_t *a = random_words(&state, words, density / DENSITIES);
            uint64_t *b = random_words(&state, words, density % DENSITIES);
            check(a, b, words);
            guarded_free(a, words * sizeof(uint64_t));
            guarded_free(b, words * sizeof(uint64_t));
        }
    }
}

static void check_ops(const uint64_t *a, const uint64_t *b, uint32_t words)
{
    uint64_t *target = guarded_alloc(words * sizeof(uint64_t));
    for (enum bitset_op op = OP_AND; op < OP_COUNT; op++) {
        for (uint32_t level = 0; level < all_level_count; level++) {
            if (words) memcpy(target, a, words * sizeof(uint64_t));
            op_apply(all_levels[level], op, target, b, words);
            for (uint32_t i = 0; i < words; i++)
                cr_assert_eq(target[i], op_model(op, a[i], b[i]), "op %d at %s, %u words: word %u",
                             op, simd_level_name(all_levels[level]->level), words, i);
        }
    }
    guarded_free(target, words * sizeof(uint64_t));
}

static void check_counts(const uint64_t *a, const uint64_t *b, uint32_t words)
{
    uint64_t count_a = popcount_model(a, NULL, words);
    uint64_t count_ab = popcount_model(a, b, words);
    for (uint32_t level = 0; level < all_level_count; level++) {
        const struct simd_kernels *kernels = all_levels[level];
        cr_assert_eq(kernels->bitset_count(a, words), count_a, "count at %s, %u words",
                     simd_level_name(kernels->level), words);
        cr_assert_eq(kernels->bitset_and_count(a, b, words), count_ab, "and_count at %s, %u words",
                     simd_level_name(kernels->level), words);
    }
}

Test(kernels_bitset, and_or_andnot_match_a_word_loop)
{
    for_each_pair(11, check_ops);
}

Test(kernels_bitset, counts_match_a_bit_loop)
{
    for_each_pair(12, check_counts);
}

Test(kernels_bitset, and_count_writes_nothing)
{
    uint64_t state = simd_test_seed(13);
    uint64_t *a = random_words(&state, 1024, 2), *b = random_words(&state, 1024, 2);
    uint64_t *a_copy = guarded_copy(a, 1024 * sizeof(uint64_t));
    uint64_t *b_copy = guarded_copy(b, 1024 * sizeof(uint64_t));
    for (uint32_t level = 0; level < all_level_count; level++) {
        all_levels[level]->bitset_and_count(a, b, 1024);
        cr_assert_eq(memcmp(a, a_copy, 1024 * sizeof(uint64_t)), 0);
        cr_assert_eq(memcmp(b, b_copy, 1024 * sizeof(uint64_t)), 0);
    }
    guarded_free(a, 1024 * sizeof(uint64_t));
    guarded_free(b, 1024 * sizeof(uint64_t));
    guarded_free(a_copy, 1024 * sizeof(uint64_t));
    guarded_free(b_copy, 1024 * sizeof(uint64_t));
}

/* Sums of every length up to 300 and a few long ones, from every alignment mod 64 bytes. */
Test(kernels_bitset, sum_matches_a_loop_at_every_alignment)
{
    uint64_t state = simd_test_seed(14);
    static const size_t long_counts[] = {1000, 4099, (1u << 20) + 3};
    for (size_t k = 0; k < 301 + 3; k++) {
        size_t count = k < 301 ? k : long_counts[k - 301];
        uint64_t *buffer = guarded_alloc((count + 7) * sizeof(uint64_t));
        for (size_t i = 0; i < count + 7; i++)
            buffer[i] = simd_test_random(&state);
        for (size_t offset = 0; offset < 8; offset++) {
            const uint64_t *v = buffer + 7 - offset; /* ends at the guard page */
            uint64_t expected = 0;
            for (size_t i = 0; i < count; i++)
                expected += v[i];
            for (uint32_t level = 0; level < all_level_count; level++)
                cr_assert_eq(all_levels[level]->sum_u64(v, count), expected,
                             "sum at %s, %zu values, offset %zu",
                             simd_level_name(all_levels[level]->level), count, offset);
        }
        guarded_free(buffer, (count + 7) * sizeof(uint64_t));
    }
}
