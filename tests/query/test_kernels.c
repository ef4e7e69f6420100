/*
 * Tests for the query leaf kernels (engine/query/kernels.h, dispatching to engine/simd at the
 * active level) against per-value loops: exact word counts (the
 * word after the last is never written), zero bits past `count`, extreme bounds.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "query/kernels.h"
#include "query_test_support.h"

#define SENTINEL 0xA5A5A5A5A5A5A5A5ull

static const uint32_t counts[] = {0, 1, 2, 63, 64, 65, 127, 128, 1000, 4097, PDB_CHUNK_ROWS};

static int64_t values_i64[PDB_CHUNK_ROWS];
static double values_f64[PDB_CHUNK_ROWS];
static uint32_t values_u32[PDB_CHUNK_ROWS];
static uint64_t out[PDB_CHUNK_WORDS + 1];

static void check_bits(uint32_t count, bool (*expected)(uint32_t index, const void *context),
                       const void *context)
{
    uint32_t words = (count + 63) / 64;
    cr_assert_eq(out[words], SENTINEL, "kernel wrote past word %u", words);
    for (uint32_t i = 0; i < words * 64; i++) {
        bool bit = (out[i / 64] >> (i % 64)) & 1u;
        bool want = i < count && expected(i, context);
        cr_assert_eq(bit, want, "value %u of %u", i, count);
    }
}

static void fill(uint64_t *state)
{
    static const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
    for (uint32_t i = 0; i < PDB_CHUNK_ROWS; i++) {
        uint64_t r = test_random(state);
        values_i64[i] = r % 4 == 0 ? edges[r % 7] : (int64_t)(r % 200) - 100;
        values_f64[i] = r % 5 == 0 ? (r % 2 ? -0.0 : 1e308) : ((double)(r % 400) - 200.0) / 4.0;
        values_u32[i] = (uint32_t)(r % 50);
    }
}

struct range_i64 {
    int64_t low, high;
};
static bool in_range_i64(uint32_t i, const void *context)
{
    const struct range_i64 *range = context;
    return values_i64[i] >= range->low && values_i64[i] <= range->high;
}

Test(kernels, range_i64_matches_a_loop)
{
    uint64_t state = 1;
    fill(&state);
    const struct range_i64 ranges[] = {{-10, 10},
                                       {0, 0},
                                       {INT64_MIN, INT64_MAX},
                                       {INT64_MIN, -1},
                                       {1, INT64_MAX},
                                       {INT64_MAX, INT64_MAX},
                                       {INT64_MIN, INT64_MIN},
                                       {-100, 99},
                                       {50, 51}};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
                out[w] = SENTINEL;
            kernel_range_i64(values_i64, counts[c], ranges[r].low, ranges[r].high, out);
            check_bits(counts[c], in_range_i64, &ranges[r]);
        }
    }
}

struct range_f64 {
    double low, high;
};
static bool in_range_f64(uint32_t i, const void *context)
{
    const struct range_f64 *range = context;
    return values_f64[i] >= range->low && values_f64[i] <= range->high;
}

Test(kernels, range_f64_matches_a_loop)
{
    uint64_t state = 2;
    fill(&state);
    const struct range_f64 ranges[] = {
        {-10.0, 10.0},        {0.0, 0.0},         {-0.0, -0.0},   {-INFINITY, INFINITY},
        {-INFINITY, -5e-324}, {5e-324, INFINITY}, {1e308, 1e308}, {2.25, 2.5}};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
                out[w] = SENTINEL;
            kernel_range_f64(values_f64, counts[c], ranges[r].low, ranges[r].high, out);
            check_bits(counts[c], in_range_f64, &ranges[r]);
        }
    }
}

struct set_i64 {
    const int64_t *set;
    uint32_t count;
};
static bool in_set_i64(uint32_t i, const void *context)
{
    const struct set_i64 *set = context;
    for (uint32_t k = 0; k < set->count; k++)
        if (set->set[k] == values_i64[i]) return true;
    return false;
}

struct set_f64 {
    const double *set;
    uint32_t count;
};
static bool in_set_f64(uint32_t i, const void *context)
{
    const struct set_f64 *set = context;
    for (uint32_t k = 0; k < set->count; k++)
        if (set->set[k] == values_f64[i]) return true;
    return false;
}

Test(kernels, in_sets_match_a_loop)
{
    uint64_t state = 3;
    fill(&state);
    static const int64_t one[] = {0};
    static const int64_t two[] = {INT64_MIN, INT64_MAX};
    static const int64_t seven[] = {-100, -7, -1, 3, 5, 50, 99};
    int64_t many[100];
    for (int i = 0; i < 100; i++)
        many[i] = 2 * i - 100;
    const struct set_i64 sets[] = {{one, 1}, {two, 2}, {seven, 7}, {many, 100}};
    static const double fone[] = {0.0};
    static const double fthree[] = {-50.0, 0.25, 1e308};
    double fmany[64];
    for (int i = 0; i < 64; i++)
        fmany[i] = i * 0.75 - 20.0;
    const struct set_f64 fsets[] = {{fone, 1}, {fthree, 3}, {fmany, 64}};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
                out[w] = SENTINEL;
            kernel_in_i64(values_i64, counts[c], sets[s].set, sets[s].count, out);
            check_bits(counts[c], in_set_i64, &sets[s]);
        }
        for (size_t s = 0; s < sizeof fsets / sizeof fsets[0]; s++) {
            for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
                out[w] = SENTINEL;
            kernel_in_f64(values_f64, counts[c], fsets[s].set, fsets[s].count, out);
            check_bits(counts[c], in_set_f64, &fsets[s]);
        }
    }
}

static bool equals_code(uint32_t i, const void *context)
{
    return values_u32[i] == *(const uint32_t *)context;
}

static bool looked_up(uint32_t i, const void *context)
{
    return ((const uint8_t *)context)[values_u32[i]] != 0;
}

Test(kernels, code_compare_and_lookup_match_a_loop)
{
    uint64_t state = 4;
    fill(&state);
    uint8_t table[50];
    for (int i = 0; i < 50; i++)
        table[i] = (uint8_t)(i % 3 == 0);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        uint32_t codes[] = {0, 7, 49, 50};
        for (size_t k = 0; k < 4; k++) {
            for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
                out[w] = SENTINEL;
            kernel_eq_u32(values_u32, counts[c], codes[k], out);
            check_bits(counts[c], equals_code, &codes[k]);
        }
        for (size_t w = 0; w <= PDB_CHUNK_WORDS; w++)
            out[w] = SENTINEL;
        kernel_lookup_u32(values_u32, counts[c], table, out);
        check_bits(counts[c], looked_up, table);
    }
}
