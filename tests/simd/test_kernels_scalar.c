/*
 * Tests for engine/simd/kernels_scalar.c, the reference the SIMD levels are held to, against
 * a model written another way: the expected bits are set one at a time from a per-value test,
 * and the word after the last must be left alone.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simd_test_support.h"

static const uint32_t counts[] = {0, 1, 2, 63, 64, 65, 128, 1000, 4097};
#define COUNT_CASES (sizeof counts / sizeof counts[0])
#define VALUES_MAX 4097u

static uint64_t model[VALUES_MAX / 64 + 2], out[VALUES_MAX / 64 + 2];

/* Sets model bit i from MATCH (an expression of i), runs CALL (writing `out`), compares. */
#define EXPECT_MODEL(count, what, MATCH, CALL)                                                     \
    do {                                                                                           \
        memset(model, 0, sizeof model);                                                            \
        for (uint32_t i = 0; i < (count); i++)                                                     \
            if (MATCH) model[i / 64] |= 1ull << (i % 64);                                          \
        words_poison(out, ((count) + 63) / 64);                                                    \
        CALL;                                                                                      \
        words_expect(out, model, (count), simd_test_scalar(), what);                               \
    } while (0)

/* suffix, type, a low and high bound to test with */
#define RANGE_CASES(X)                                                                             \
    X(i8, int8_t, -3, 7)                                                                           \
    X(i16, int16_t, INT16_MIN, -1)                                                                 \
    X(i32, int32_t, 0, INT32_MAX)                                                                  \
    X(i64, int64_t, INT64_MIN + 1, INT64_MAX)                                                      \
    X(u8, uint8_t, 200, 255)                                                                       \
    X(u16, uint16_t, 0, 0)                                                                         \
    X(u32, uint32_t, 5, 1u << 31)                                                                  \
    X(u64, uint64_t, 1, UINT64_MAX - 1)                                                            \
    X(f32, float, -0.0f, 1e30f)                                                                    \
    X(f64, double, -INFINITY, 0.5)

/* Values spread over the type with many near zero and near the extremes. */
#define DEFINE_VALUES(S, T, ...)                                                                   \
    static void fill_##S(T *values, uint64_t *state)                                               \
    {                                                                                              \
        for (uint32_t i = 0; i < VALUES_MAX; i++) {                                                \
            uint64_t r = simd_test_random(state);                                                  \
            values[i] = r % 3 == 0 ? (T)(r >> 60) - (T)8 : r % 3 == 1 ? (T)(r >> 8) : (T)r;        \
        }                                                                                          \
    }
RANGE_CASES(DEFINE_VALUES)

#define DEFINE_RANGE_TEST(S, T, LOW, HIGH)                                                         \
    Test(kernels_scalar, range_##S##_matches_the_model)                                            \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        static T values[VALUES_MAX];                                                               \
        fill_##S(values, &state);                                                                  \
        T low = LOW, high = HIGH;                                                                  \
        for (uint32_t c = 0; c < COUNT_CASES; c++)                                                 \
            EXPECT_MODEL(counts[c], "range_" #S, values[i] >= low && !(values[i] > high),          \
                         simd_test_scalar()->range_##S(values, counts[c], low, high, out));        \
    }
RANGE_CASES(DEFINE_RANGE_TEST)

/* IN: the model searches the set linearly. */
#define IN_CASES(X)                                                                                \
    X(u8, uint8_t)                                                                                 \
    X(u16, uint16_t)                                                                               \
    X(u32, uint32_t)                                                                               \
    X(i64, int64_t)                                                                                \
    X(f64, double)

#define DEFINE_IN_TEST(S, T)                                                                       \
    static bool linear_member_##S(const T *set, uint32_t set_count, T value)                       \
    {                                                                                              \
        for (uint32_t k = 0; k < set_count; k++)                                                   \
            if (set[k] == value) return true;                                                      \
        return false;                                                                              \
    }                                                                                              \
    Test(kernels_scalar, in_##S##_matches_the_model)                                               \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        static T values[VALUES_MAX];                                                               \
        for (uint32_t i = 0; i < VALUES_MAX; i++)                                                  \
            values[i] = (T)simd_test_below(&state, 40);                                            \
        for (uint32_t set_count = 1; set_count <= 20; set_count++) {                               \
            T set[20];                                                                             \
            for (uint32_t k = 0; k < set_count; k++)                                               \
                set[k] = (T)(k * 2 + 1); /* odd values */                                          \
            for (uint32_t c = 0; c < COUNT_CASES; c++)                                             \
                EXPECT_MODEL(counts[c], "in_" #S, linear_member_##S(set, set_count, values[i]),    \
                             simd_test_scalar()->in_##S(values, counts[c], set, set_count, out));  \
        }                                                                                          \
    }
IN_CASES(DEFINE_IN_TEST)

#define LOOKUP_CASES(X)                                                                            \
    X(u8, uint8_t)                                                                                 \
    X(u16, uint16_t)                                                                               \
    X(u32, uint32_t)

#define DEFINE_LOOKUP_TEST(S, T)                                                                   \
    Test(kernels_scalar, lookup_##S##_matches_the_model)                                           \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        static T values[VALUES_MAX];                                                               \
        uint8_t table[256];                                                                        \
        for (uint32_t i = 0; i < 256; i++)                                                         \
            table[i] = (uint8_t)(simd_test_random(&state) % 3);                                    \
        for (uint32_t i = 0; i < VALUES_MAX; i++)                                                  \
            values[i] = (T)simd_test_below(&state, 256);                                           \
        for (uint32_t c = 0; c < COUNT_CASES; c++)                                                 \
            EXPECT_MODEL(counts[c], "lookup_" #S, table[values[i]] > 0,                            \
                         simd_test_scalar()->lookup_##S(values, counts[c], table, out));           \
    }
LOOKUP_CASES(DEFINE_LOOKUP_TEST)
