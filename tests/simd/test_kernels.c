/*
 * Tests for the SIMD scan kernels (kernels_avx2.c and kernels_avx512.c, built by
 * kernels_template.h): every level this CPU runs must write the scalar reference's words, on
 * random values mixed with extremes, for counts that are and are not multiples of any lane
 * count, reading inputs that end at a guard page (so no kernel reads past v[count - 1], past
 * the IN set, or past a lookup table's SIMD_LOOKUP_TABLE_PADDING).
 *
 * NaN: a NaN value never matches a range or an IN set, at every level (tested below).
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd_test_support.h"

static const uint32_t counts[] = {0, 1, 7, 63, 64, 65, 127, 1000, 65535, 65536};
#define COUNT_CASES (sizeof counts / sizeof counts[0])
#define VALUES_MAX SIMD_SCAN_COUNT_MAX

static uint64_t want[VALUES_MAX / 64 + 1], got[VALUES_MAX / 64 + 1];
static const struct simd_kernels *scalar;
static const struct simd_kernels *levels[SIMD_LEVEL_COUNT];
static uint32_t level_count;

static void kernels_setup(void)
{
    scalar = simd_test_scalar();
    level_count = simd_test_levels(levels);
}

TestSuite(kernels, .init = kernels_setup);

/* Runs CALL (an expression of `kernels` and `out`) at the scalar level into `want`, then at
 * every SIMD level into `got`, and compares. */
#define CHECK_LEVELS(count, what, CALL)                                                            \
    do {                                                                                           \
        uint32_t words_ = ((count) + 63u) / 64u;                                                   \
        const struct simd_kernels *kernels = scalar;                                               \
        uint64_t *out = want;                                                                      \
        words_poison(want, words_);                                                                \
        CALL;                                                                                      \
        cr_assert_eq(want[words_], SIMD_TEST_SENTINEL, "scalar %s wrote past its words", what);    \
        for (uint32_t level_ = 0; level_ < level_count; level_++) {                                \
            kernels = levels[level_];                                                              \
            out = got;                                                                             \
            words_poison(got, words_);                                                             \
            CALL;                                                                                  \
            words_expect(got, want, (count), kernels, what);                                       \
        }                                                                                          \
    } while (0)

/* ---- Values ---------------------------------------------------------------------------------- */

/* suffix, type, minimum, maximum */
#define INTEGER_TYPES(X)                                                                           \
    X(i8, int8_t, INT8_MIN, INT8_MAX)                                                              \
    X(i16, int16_t, INT16_MIN, INT16_MAX)                                                          \
    X(i32, int32_t, INT32_MIN, INT32_MAX)                                                          \
    X(i64, int64_t, INT64_MIN, INT64_MAX)                                                          \
    X(u8, uint8_t, 0, UINT8_MAX)                                                                   \
    X(u16, uint16_t, 0, UINT16_MAX)                                                                \
    X(u32, uint32_t, 0, UINT32_MAX)                                                                \
    X(u64, uint64_t, 0, UINT64_MAX)

/* suffix, type, smallest subnormal, smallest normal, largest finite */
#define FLOAT_TYPES(X)                                                                             \
    X(f32, float, FLT_TRUE_MIN, FLT_MIN, FLT_MAX)                                                  \
    X(f64, double, DBL_TRUE_MIN, DBL_MIN, DBL_MAX)

/* A quarter extremes, a quarter near zero, the rest any bit pattern. */
#define DEFINE_INTEGER_DRAW(S, T, MIN, MAX)                                                        \
    static T draw_##S(uint64_t *state)                                                             \
    {                                                                                              \
        const T extremes[] = {MIN, (T)(MIN + 1), (T)-1, 0, 1, (T)(MAX - 1), MAX};                  \
        uint64_t r = simd_test_random(state);                                                      \
        if (r % 4 == 0) return extremes[(r >> 8) % 7];                                             \
        if (r % 4 == 1) return (T)((int64_t)((r >> 8) % 21) - 10);                                 \
        return (T)(r >> 8);                                                                        \
    }
INTEGER_TYPES(DEFINE_INTEGER_DRAW)

/* Specials (signed zeros, infinities, NaN, subnormals, extremes), small values, any bits. */
#define DEFINE_FLOAT_DRAW(S, T, TRUE_MIN, NORMAL_MIN, MAX)                                         \
    static T draw_##S(uint64_t *state)                                                             \
    {                                                                                              \
        const T specials[] = {-0.0,        0.0,      INFINITY,  -INFINITY,                         \
                              NAN,         TRUE_MIN, -TRUE_MIN, NORMAL_MIN / 2,                    \
                              -NORMAL_MIN, MAX,      -MAX,      NORMAL_MIN};                       \
        uint64_t r = simd_test_random(state);                                                      \
        if (r % 8 == 0) return specials[(r >> 8) % 12];                                            \
        if (r % 8 == 1) {                                                                          \
            T bits;                                                                                \
            memcpy(&bits, &r, sizeof bits);                                                        \
            return bits;                                                                           \
        }                                                                                          \
        return (T)((double)((int64_t)((r >> 8) % 801) - 400) / 4.0);                               \
    }
FLOAT_TYPES(DEFINE_FLOAT_DRAW)

/* A non-NaN draw, for bounds and sets. */
#define DEFINE_FLOAT_DRAW_NUMBER(S, T, TRUE_MIN, NORMAL_MIN, MAX)                                  \
    static T draw_number_##S(uint64_t *state)                                                      \
    {                                                                                              \
        T value;                                                                                   \
        do                                                                                         \
            value = draw_##S(state);                                                               \
        while (isnan(value));                                                                      \
        return value;                                                                              \
    }
FLOAT_TYPES(DEFINE_FLOAT_DRAW_NUMBER)

#define DEFINE_FILL(S, T, ...)                                                                     \
    static T *values_##S(uint64_t *state)                                                          \
    {                                                                                              \
        T *values = malloc(VALUES_MAX * sizeof(T));                                                \
        cr_assert_not_null(values);                                                                \
        for (uint32_t i = 0; i < VALUES_MAX; i++)                                                  \
            values[i] = draw_##S(state);                                                           \
        return values;                                                                             \
    }
INTEGER_TYPES(DEFINE_FILL)
FLOAT_TYPES(DEFINE_FILL)

/* False only for NaN (a function, so that integer callers draw no self-compare warning). */
static bool is_number(long double value)
{
    return value == value;
}

/* ---- Ranges --------------------------------------------------------------------------------- */

#define BOUNDS_MAX 40

/* Runs every bound pair at every count over a guarded prefix of `values`. */
#define CHECK_RANGES(S, T, values, bounds, bound_count)                                            \
    do {                                                                                           \
        for (uint32_t c = 0; c < COUNT_CASES; c++) {                                               \
            uint32_t count = counts[c];                                                            \
            T *input = guarded_copy(values, count * sizeof(T));                                    \
            for (uint32_t b = 0; b < (bound_count); b++) {                                         \
                char what[96];                                                                     \
                snprintf(what, sizeof what, "range_" #S " [%.17Lg, %.17Lg]",                       \
                         (long double)bounds[b][0], (long double)bounds[b][1]);                    \
                CHECK_LEVELS(count, what,                                                          \
                             kernels->range_##S(input, count, bounds[b][0], bounds[b][1], out));   \
            }                                                                                      \
            guarded_free(input, count * sizeof(T));                                                \
        }                                                                                          \
    } while (0)

/* Adds `pairs` random bound pairs (sorted) and `singles` one-value ranges taken from values. */
#define ADD_RANDOM_BOUNDS(T, DRAW, bounds, bound_count, values, pairs, singles, state)             \
    do {                                                                                           \
        for (uint32_t p = 0; p < (pairs); p++) {                                                   \
            T a = DRAW(state), b = DRAW(state);                                                    \
            bounds[bound_count][0] = a < b ? a : b;                                                \
            bounds[bound_count++][1] = a < b ? b : a;                                              \
        }                                                                                          \
        for (uint32_t p = 0; p < (singles); p++) {                                                 \
            T single = values[simd_test_below(state, VALUES_MAX)];                                 \
            if (!is_number((long double)single)) continue;                                         \
            bounds[bound_count][0] = bounds[bound_count][1] = single;                              \
            bound_count++;                                                                         \
        }                                                                                          \
    } while (0)

#define DEFINE_INTEGER_RANGE_TEST(S, T, MIN, MAX)                                                  \
    Test(kernels, range_##S##_agrees_with_scalar)                                                  \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        T *values = values_##S(&state);                                                            \
        T bounds[BOUNDS_MAX][2] = {{MIN, MAX},     {MIN, MIN}, {MAX, MAX},         {0, 0},         \
                                   {MIN, 0},       {0, MAX},   {MIN + 1, MAX - 1}, {MAX - 1, MAX}, \
                                   {MIN, MIN + 1}, {1, 10}};                                       \
        uint32_t bound_count = 10;                                                                 \
        ADD_RANDOM_BOUNDS(T, draw_##S, bounds, bound_count, values, 8, 4, &state);                 \
        CHECK_RANGES(S, T, values, bounds, bound_count);                                           \
        free(values);                                                                              \
    }
INTEGER_TYPES(DEFINE_INTEGER_RANGE_TEST)

#define DEFINE_FLOAT_RANGE_TEST(S, T, TRUE_MIN, NORMAL_MIN, MAX)                                   \
    Test(kernels, range_##S##_agrees_with_scalar)                                                  \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        T *values = values_##S(&state);                                                            \
        T bounds[BOUNDS_MAX][2] = {{-INFINITY, INFINITY},                                          \
                                   {-0.0, 0.0},                                                    \
                                   {0.0, 0.0},                                                     \
                                   {-0.0, -0.0},                                                   \
                                   {0.0, -0.0},                                                    \
                                   {-INFINITY, -INFINITY},                                         \
                                   {INFINITY, INFINITY},                                           \
                                   {TRUE_MIN, TRUE_MIN},                                           \
                                   {-TRUE_MIN, TRUE_MIN},                                          \
                                   {-NORMAL_MIN, NORMAL_MIN},                                      \
                                   {-INFINITY, 0.0},                                               \
                                   {0.0, INFINITY},                                                \
                                   {-MAX, MAX},                                                    \
                                   {-10.25, 3.5}};                                                 \
        uint32_t bound_count = 14;                                                                 \
        ADD_RANDOM_BOUNDS(T, draw_number_##S, bounds, bound_count, values, 8, 4, &state);          \
        CHECK_RANGES(S, T, values, bounds, bound_count);                                           \
        free(values);                                                                              \
    }
FLOAT_TYPES(DEFINE_FLOAT_RANGE_TEST)

/* Every value 5: ranges that exclude it match nothing, [5, 5] matches every value. */
#define CHECK_EMPTY_AND_FULL(S, T, MIN, MAX)                                                       \
    do {                                                                                           \
        T *values = guarded_alloc(VALUES_MAX * sizeof(T));                                         \
        for (uint32_t i = 0; i < VALUES_MAX; i++)                                                  \
            values[i] = (T)5;                                                                      \
        const T bounds[3][2] = {{6, MAX}, {MIN, 4}, {5, 5}};                                       \
        for (uint32_t b = 0; b < 3; b++) {                                                         \
            CHECK_LEVELS(VALUES_MAX, "range_" #S " of constant values",                            \
                         kernels->range_##S(values, VALUES_MAX, bounds[b][0], bounds[b][1], out)); \
            for (uint32_t w = 0; w < VALUES_MAX / 64; w++)                                         \
                cr_assert_eq(want[w], b == 2 ? UINT64_MAX : 0, "range_" #S " bound %u", b);        \
        }                                                                                          \
        guarded_free(values, VALUES_MAX * sizeof(T));                                              \
    } while (0)

Test(kernels, ranges_give_empty_and_full_results)
{
#define CHECK_INTEGER_EMPTY_AND_FULL(S, T, MIN, MAX) CHECK_EMPTY_AND_FULL(S, T, MIN, MAX);
    INTEGER_TYPES(CHECK_INTEGER_EMPTY_AND_FULL)
#define CHECK_FLOAT_EMPTY_AND_FULL(S, T, TRUE_MIN, NORMAL_MIN, MAX)                                \
    CHECK_EMPTY_AND_FULL(S, T, -INFINITY, INFINITY);
    FLOAT_TYPES(CHECK_FLOAT_EMPTY_AND_FULL)
}

Test(kernels, nan_never_matches)
{
    float *floats = guarded_alloc(1000 * sizeof(float));
    double *doubles = guarded_alloc(1000 * sizeof(double));
    for (uint32_t i = 0; i < 1000; i++) {
        floats[i] = i % 2 ? NAN : -NAN;
        doubles[i] = i % 2 ? NAN : -NAN;
    }
    const double set[] = {-INFINITY, 0.0, INFINITY};
    for (int level = 0; level < SIMD_LEVEL_COUNT; level++) {
        const struct simd_kernels *kernels = simd_kernels_for((enum simd_level)level);
        if (kernels == NULL) continue;
        kernels->range_f32(floats, 1000, -INFINITY, INFINITY, got);
        for (uint32_t w = 0; w < 16; w++)
            cr_assert_eq(got[w], 0, "range_f32 NaN at level %d", level);
        kernels->range_f64(doubles, 1000, -INFINITY, INFINITY, got);
        for (uint32_t w = 0; w < 16; w++)
            cr_assert_eq(got[w], 0, "range_f64 NaN at level %d", level);
        kernels->in_f64(doubles, 1000, set, 3, got);
        for (uint32_t w = 0; w < 16; w++)
            cr_assert_eq(got[w], 0, "in_f64 NaN at level %d", level);
    }
    guarded_free(floats, 1000 * sizeof(float));
    guarded_free(doubles, 1000 * sizeof(double));
}

/* ---- IN sets -------------------------------------------------------------------------------- */

/* suffix, type, value draw (no NaN), distinct values of the type (0: more than any set), the
 * smallest and largest value */
#define IN_TYPES(X)                                                                                \
    X(u8, uint8_t, draw_u8, 256u, 0, UINT8_MAX)                                                    \
    X(u16, uint16_t, draw_u16, 65536u, 0, UINT16_MAX)                                              \
    X(u32, uint32_t, draw_u32, 0u, 0, UINT32_MAX)                                                  \
    X(i64, int64_t, draw_i64, 0u, INT64_MIN, INT64_MAX)                                            \
    X(f64, double, draw_number_f64, 0u, -INFINITY, INFINITY)

/* Around every algorithm switch: 16 (u16), 32, 64 and 128 (broadcast compares; see the levels). */
static const uint32_t set_sizes[] = {1,  2,   3,   8,   15,  16,  17,  31,  32,   33,   63,   64,
                                     65, 100, 127, 128, 129, 255, 256, 300, 1000, 4096, 65536};

/* Whether a set of `wanted` values is the whole type (distinct values, 0 for "too many"). */
static bool covers_type(uint32_t wanted, uint32_t distinct)
{
    return distinct != 0 && wanted >= distinct;
}

/* Sorts and removes duplicates (==, so -0.0 and +0.0 are one value); returns the new count. */
#define DEFINE_SET_UNIQUE(S, T, ...)                                                               \
    static int compare_##S(const void *a, const void *b)                                           \
    {                                                                                              \
        T x = *(const T *)a, y = *(const T *)b;                                                    \
        return (x > y) - (x < y);                                                                  \
    }                                                                                              \
    static uint32_t unique_##S(T *set, uint32_t count)                                             \
    {                                                                                              \
        qsort(set, count, sizeof(T), compare_##S);                                                 \
        uint32_t kept = 0;                                                                         \
        for (uint32_t i = 0; i < count; i++)                                                       \
            if (kept == 0 || set[kept - 1] != set[i]) set[kept++] = set[i];                        \
        return kept;                                                                               \
    }
IN_TYPES(DEFINE_SET_UNIQUE)

/* A sorted set of `wanted` values (every value of the type if it has no more): half drawn from
 * the values (hits), half at random (extremes included); an order-keeping random subset of the
 * candidates when there are more. Returns the set's size. */
#define DEFINE_SET_BUILD(S, T, DRAW, DISTINCT, ...)                                                \
    static uint32_t set_build_##S(T *set, uint32_t wanted, const T *values, uint64_t *state)       \
    {                                                                                              \
        uint32_t distinct = (DISTINCT);                                                            \
        if (covers_type(wanted, distinct)) {                                                       \
            for (uint32_t i = 0; i < distinct; i++)                                                \
                set[i] = (T)i;                                                                     \
            return distinct;                                                                       \
        }                                                                                          \
        uint32_t candidates = wanted * 2u + 16u;                                                   \
        T *pool = malloc(candidates * sizeof(T));                                                  \
        cr_assert_not_null(pool);                                                                  \
        for (uint32_t i = 0; i < candidates; i++) {                                                \
            T value = values[simd_test_below(state, VALUES_MAX)];                                  \
            pool[i] = i % 2 && is_number((long double)value) ? value : DRAW(state);                \
        }                                                                                          \
        uint32_t available = unique_##S(pool, candidates), size = 0;                               \
        for (uint32_t i = 0; i < available && size < wanted; i++)                                  \
            if (simd_test_below(state, available - i) < wanted - size) set[size++] = pool[i];      \
        free(pool);                                                                                \
        return size;                                                                               \
    }
IN_TYPES(DEFINE_SET_BUILD)

#define CHECK_IN(S, T, values, set, set_count)                                                     \
    do {                                                                                           \
        T *guarded_set = guarded_copy(set, (set_count) * sizeof(T));                               \
        for (uint32_t c = 0; c < COUNT_CASES; c++) {                                               \
            uint32_t count = counts[c];                                                            \
            T *input = guarded_copy(values, count * sizeof(T));                                    \
            char what[64];                                                                         \
            snprintf(what, sizeof what, "in_" #S " of %u values", (set_count));                    \
            CHECK_LEVELS(count, what,                                                              \
                         kernels->in_##S(input, count, guarded_set, (set_count), out));            \
            guarded_free(input, count * sizeof(T));                                                \
        }                                                                                          \
        guarded_free(guarded_set, (set_count) * sizeof(T));                                        \
    } while (0)

/* Random sets of every size in set_sizes, then {min}, {max} and {min, max}. */
#define DEFINE_IN_TEST(S, T, DRAW, DISTINCT, MIN, MAX)                                             \
    Test(kernels, in_##S##_agrees_with_scalar)                                                     \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        T *values = values_##S(&state);                                                            \
        T *set = malloc(SIMD_IN_SET_COUNT_MAX * sizeof(T));                                        \
        cr_assert_not_null(set);                                                                   \
        for (size_t k = 0; k < sizeof set_sizes / sizeof set_sizes[0]; k++) {                      \
            uint32_t set_count = set_build_##S(set, set_sizes[k], values, &state);                 \
            CHECK_IN(S, T, values, set, set_count);                                                \
        }                                                                                          \
        T extremes[2] = {MIN, MAX};                                                                \
        CHECK_IN(S, T, values, extremes, 1u);                                                      \
        CHECK_IN(S, T, values, extremes + 1, 1u);                                                  \
        CHECK_IN(S, T, values, extremes, 2u);                                                      \
        free(set);                                                                                 \
        free(values);                                                                              \
    }
IN_TYPES(DEFINE_IN_TEST)

/* ---- Lookups -------------------------------------------------------------------------------- */

static const uint32_t table_sizes[] = {1, 2, 3, 50, 255, 256, 1000, 65535, 65536, 100000};

/* suffix, type, entries the type can index */
#define LOOKUP_TYPES(X)                                                                            \
    X(u8, uint8_t, 256u)                                                                           \
    X(u16, uint16_t, 65536u)                                                                       \
    X(u32, uint32_t, 100000u)

/* Tables of random bytes (about a third 0) ending SIMD_LOOKUP_TABLE_PADDING bytes before a guard
 * page; the padding is 0xFF, which a kernel must ignore. Values index every part of the table. */
#define DEFINE_LOOKUP_TEST(S, T, INDEXABLE)                                                        \
    Test(kernels, lookup_##S##_agrees_with_scalar)                                                 \
    {                                                                                              \
        uint64_t state = simd_test_seed(__LINE__);                                                 \
        T *values = malloc(VALUES_MAX * sizeof(T));                                                \
        cr_assert_not_null(values);                                                                \
        for (size_t k = 0; k < sizeof table_sizes / sizeof table_sizes[0]; k++) {                  \
            uint32_t entries = table_sizes[k];                                                     \
            if (entries > (INDEXABLE)) continue;                                                   \
            size_t table_size = entries + SIMD_LOOKUP_TABLE_PADDING;                               \
            uint8_t *table = guarded_alloc(table_size);                                            \
            for (uint32_t i = 0; i < entries; i++) {                                               \
                uint64_t r = simd_test_random(&state);                                             \
                table[i] = r % 3 == 0 ? 0 : (uint8_t)(r >> 8);                                     \
            }                                                                                      \
            memset(table + entries, 0xFF, SIMD_LOOKUP_TABLE_PADDING);                              \
            for (uint32_t i = 0; i < VALUES_MAX; i++) {                                            \
                uint32_t r = simd_test_below(&state, entries + 2u);                                \
                values[i] = (T)(r >= entries ? (r == entries ? 0 : entries - 1) : r);              \
            }                                                                                      \
            for (uint32_t c = 0; c < COUNT_CASES; c++) {                                           \
                uint32_t count = counts[c];                                                        \
                T *input = guarded_copy(values, count * sizeof(T));                                \
                char what[64];                                                                     \
                snprintf(what, sizeof what, "lookup_" #S " in %u entries", entries);               \
                CHECK_LEVELS(count, what, kernels->lookup_##S(input, count, table, out));          \
                guarded_free(input, count * sizeof(T));                                            \
            }                                                                                      \
            guarded_free(table, table_size);                                                       \
        }                                                                                          \
        free(values);                                                                              \
    }
LOOKUP_TYPES(DEFINE_LOOKUP_TEST)
