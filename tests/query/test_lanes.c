/*
 * Segments over narrow lanes (column/column.h; query/predicate_numeric.c and the category
 * path of predicate_string.c) against the naive evaluator: int chunks whose range needs
 * exactly 1, 2, 4 or 8 bytes, on both sides of each boundary (2^8 - 1, 2^8, 2^16 - 1, 2^16,
 * 2^32 - 1, 2^32, INT64_MIN..INT64_MAX), at bases 0, negative, INT64_MIN and just below
 * INT64_MAX, sealed and in the building form; IN lists longer than a lane set; chunks of
 * different widths in one column; category codes in 1-, 2- and 4-byte lanes. The kernels are
 * the active SIMD level's: run the program under PROFILEDB_SIMD=scalar|avx2|avx512.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "column/column.h"
#include "query_test_support.h"

static struct tlit I(int64_t value)
{
    return (struct tlit){.kind = TL_INT, .i = value};
}

static struct tlit N(void)
{
    return (struct tlit){.kind = TL_NULL};
}

static void check(struct model *model, uint32_t attribute, enum top op, bool negated,
                  uint32_t count, const struct tlit *literals)
{
    struct texpr expr = {.kind = TX_PRED, .attribute = attribute, .op = op, .negated = negated,
                         .literal_count = count};
    for (uint32_t i = 0; i < count; i++) expr.literals[i] = literals[i];
    struct buffer text;
    buffer_init(&text);
    texpr_render(&expr, &model->schema, &text);
    check_against_model(model, &expr, (const char *)text.data, text.size);
    buffer_deinit(&text);
}

/* value = base + offset in uint64 (wrapping into int64 as the lanes do). */
static int64_t at(int64_t base, uint64_t offset)
{
    return (int64_t)((uint64_t)base + offset);
}

/* The spans of the lane-width boundaries and the width each needs. */
static const struct {
    uint64_t span;
    uint32_t width;
} spans[] = {
    {0, 1}, {1, 1}, {254, 1}, {255, 1}, {256, 2}, {65535, 2}, {65536, 4},
    {UINT32_MAX, 4}, {(uint64_t)UINT32_MAX + 1u, 8}, {UINT64_MAX, 8},
};

/* `age` of `rows` rows spans [base, base + span] exactly (rows 0 and 1 hold the ends),
 * 10% NULL. */
static void span_model(struct model *model, uint32_t rows, int64_t base, uint64_t span,
                       uint64_t seed)
{
    model_init_random(model, rows, (uint32_t)seed, 10);
    uint64_t state = seed * 7919u + 1u;
    for (uint32_t row = 0; row < rows; row++) {
        struct model_value *value = model_at(model, row, A_AGE);
        uint64_t random = test_random(&state);
        uint64_t offset = row == 0 ? 0 : row == 1 ? span : span == UINT64_MAX ? random
                                                                               : random % (span + 1u);
        value->is_null = row > 1 && test_random(&state) % 10u == 0;
        value->i = at(base, offset);
    }
}

static void check_span_predicates(struct model *model, int64_t base, uint64_t span)
{
    int64_t low = base, high = at(base, span), middle = at(base, span / 2u);
    struct tlit inside[] = {I(low), I(middle), I(high)};
    check(model, A_AGE, OP_EQ, false, 1, &inside[0]);
    check(model, A_AGE, OP_EQ, false, 1, &inside[2]);
    check(model, A_AGE, OP_NE, false, 1, &inside[1]);
    check(model, A_AGE, OP_LT, false, 1, &inside[1]);
    check(model, A_AGE, OP_LE, false, 1, &inside[0]);
    check(model, A_AGE, OP_GT, false, 1, &inside[1]);
    check(model, A_AGE, OP_GE, false, 1, &inside[2]);
    check(model, A_AGE, OP_BETWEEN, false, 2, (struct tlit[]){I(low), I(high)});
    check(model, A_AGE, OP_BETWEEN, false, 2, (struct tlit[]){I(middle), I(high)});
    check(model, A_AGE, OP_BETWEEN, true, 2, (struct tlit[]){I(low), I(middle)});
    if (span >= 2u)
        check(model, A_AGE, OP_BETWEEN, false, 2, (struct tlit[]){I(at(low, 1)), I(at(high, UINT64_MAX))});
    check(model, A_AGE, OP_IN, false, 3, inside);
    check(model, A_AGE, OP_IN, true, 3, inside);
    check(model, A_AGE, OP_IN, false, 4, (struct tlit[]){I(low), I(middle), I(high), N()});
    /* Values outside the chunk's range are dropped from the lane set. */
    if (base > INT64_MIN + 10 && high < INT64_MAX - 10) {
        struct tlit outside[] = {I(base - 3), I(middle), I(at(high, 3))};
        check(model, A_AGE, OP_IN, false, 3, outside);
        check(model, A_AGE, OP_LT, false, 1, &outside[2]);
        check(model, A_AGE, OP_GT, false, 1, &outside[0]);
        check(model, A_AGE, OP_BETWEEN, false, 2, (struct tlit[]){I(base - 3), I(middle)});
    }
}

Test(lanes, int_predicates_at_every_lane_width_and_base)
{
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        uint64_t span = spans[s].span;
        int64_t bases[] = {0, -1000, INT64_MIN, at(INT64_MAX, 0u - span)};
        for (size_t b = 0; b < 4; b++) {
            if (span == UINT64_MAX && b != 2) continue; /* only INT64_MIN..INT64_MAX */
            for (int sealed = 0; sealed < 2; sealed++) {
                char context[128];
                snprintf(context, sizeof context, "span %llu base %lld %s",
                         (unsigned long long)span, (long long)bases[b],
                         sealed ? "sealed" : "building");
                test_set_context(context);
                struct model model;
                span_model(&model, 300, bases[b], span, s * 16u + b);
                if (sealed)
                    model_build_table(&model);
                else
                    model_build_table_unsealed(&model);
                const struct column_chunk *chunk = &model.table.columns[A_AGE]->chunks[0];
                if (sealed) {
                    cr_assert_eq(chunk->lane_width_bytes, spans[s].width, "%s", context);
                    cr_assert_eq(chunk->lane_base, bases[b], "%s", context);
                } else {
                    cr_assert_eq(chunk->lane_width_bytes, 8u, "%s", context);
                }
                check_span_predicates(&model, bases[b], span);
                model_deinit(&model);
            }
        }
    }
    test_set_context("");
}

static uint64_t count_of(struct model *model, const char *text)
{
    bool *matches = run_segment(model, text, strlen(text));
    uint64_t count = 0;
    for (uint32_t row = 0; row < model->row_count; row++) count += matches[row];
    free(matches);
    return count;
}

Test(lanes, long_in_lists_and_chunks_of_different_widths)
{
    /* Chunk 0: ages 0..60000 (2-byte lanes); chunk 1: 1000..1255 (1 byte, base 1000). */
    struct model model;
    uint32_t rows = PDB_CHUNK_ROWS + 700u;
    model_init_random(&model, rows, 77, 5);
    uint64_t state = 99;
    for (uint32_t row = 0; row < rows; row++) {
        struct model_value *value = model_at(&model, row, A_AGE);
        value->i = row < PDB_CHUNK_ROWS ? (int64_t)(test_random(&state) % 60001u)
                                        : 1000 + (int64_t)(test_random(&state) % 256u);
    }
    model_at(&model, PDB_CHUNK_ROWS, A_AGE)->is_null = false;
    model_at(&model, PDB_CHUNK_ROWS, A_AGE)->i = 1000;
    model_at(&model, PDB_CHUNK_ROWS + 1, A_AGE)->is_null = false;
    model_at(&model, PDB_CHUNK_ROWS + 1, A_AGE)->i = 1255;
    model_build_table(&model);
    const struct column *age = model.table.columns[A_AGE];
    cr_assert_eq(age->chunk_count, 2u);
    cr_assert_eq(age->chunks[0].lane_width_bytes, 2u);
    cr_assert_eq(age->chunks[1].lane_width_bytes, 1u);
    cr_assert_eq(age->chunks[1].lane_base, 1000);

    check(&model, A_AGE, OP_BETWEEN, false, 2, (struct tlit[]){I(1100), I(1200)});
    check(&model, A_AGE, OP_IN, false, 3, (struct tlit[]){I(5), I(1000), I(1255)});
    check(&model, A_AGE, OP_GE, false, 1, (struct tlit[]){I(1255)});

    /* IN lists of 3,000 values: longer than a lane set (PDB_IN_LANE_SET_SIZE_MAX), tested on
     * widened blocks; and 300 values inside chunk 1's range, a lane set there. */
    const uint32_t lengths[] = {3000, 300};
    const uint32_t steps[] = {2, 1};
    const int64_t starts[] = {0, 1000};
    for (int k = 0; k < 2; k++) {
        struct buffer text;
        buffer_init(&text);
        cr_assert_eq(buffer_append(&text, "age IN (", 8), 0);
        for (uint32_t i = 0; i < lengths[k]; i++) {
            char number[32];
            int size = snprintf(number, sizeof number, "%s%lld", i ? ", " : "",
                                (long long)(starts[k] + (int64_t)(i * steps[k])));
            cr_assert_eq(buffer_append(&text, number, (size_t)size), 0);
        }
        cr_assert_eq(buffer_append(&text, ")", 2), 0);
        uint64_t expected = 0;
        for (uint32_t row = 0; row < rows; row++) {
            const struct model_value *value = model_at(&model, row, A_AGE);
            int64_t offset = value->i - starts[k];
            expected += !value->is_null && offset >= 0 && offset % steps[k] == 0 &&
                        offset / steps[k] < lengths[k];
        }
        cr_assert_eq(count_of(&model, (const char *)text.data), expected, "IN of %u values",
                     lengths[k]);
        buffer_deinit(&text);
    }
    model_deinit(&model);
}

Test(lanes, category_codes_in_one_two_and_four_byte_lanes)
{
    /* 65,536 + 300 distinct countries: chunk 0 holds codes 0..65535 (2-byte lanes), chunk 1
     * codes above 65535 (4 bytes); 300 genders need 2 bytes in both chunks once sealed. */
    uint32_t rows = PDB_CHUNK_ROWS + 300u;
    char *names = malloc((size_t)rows * 8u);
    cr_assert_not_null(names);
    for (int sealed = 0; sealed < 2; sealed++) {
        struct model model;
        model_init_random(&model, rows, 5, 5);
        for (uint32_t row = 0; row < rows; row++) {
            char *name = names + (size_t)row * 8u;
            int size = snprintf(name, 8, "v%u", row);
            struct model_value *value = model_at(&model, row, A_COUNTRY);
            value->is_null = false;
            value->s = name;
            value->size = (uint32_t)size;
            /* Gender: 300 distinct values, repeated, so codes need 2 bytes. */
            struct model_value *gender = model_at(&model, row, A_GENDER);
            gender->is_null = false;
            gender->s = names + (size_t)(row % 300u) * 8u;
            gender->size = (uint32_t)strlen(gender->s);
        }
        if (sealed)
            model_build_table(&model);
        else
            model_build_table_unsealed(&model);
        const struct column *country = model.table.columns[A_COUNTRY];
        const struct column *gender = model.table.columns[A_GENDER];
        cr_assert_eq(country->chunk_count, 2u);
        cr_assert_eq(country->chunks[0].lane_width_bytes, 2u);
        cr_assert_eq(country->chunks[1].lane_width_bytes, 4u);
        cr_assert_eq(gender->chunks[0].lane_width_bytes, 2u);
        cr_assert_eq(gender->chunks[1].lane_width_bytes, sealed ? 2u : 4u);
        const char *segments[] = {
            "country = 'v5'",            /* one code, in chunk 0 only */
            "country = 'v65600'",        /* one code above 65535, in chunk 1 only */
            "country IN ('v7', 'v300', 'v65537', 'v65835')",
            "country STARTS WITH 'v6553'", /* codes on both sides of 2^16 */
            "NOT (country IN ('v1', 'v65536'))",
            "gender = 'v299'",
            "gender IN ('v0', 'v255', 'v256')",
            "gender ENDS WITH '9' AND country STARTS WITH 'v655'",
        };
        for (size_t i = 0; i < sizeof segments / sizeof segments[0]; i++) {
            uint64_t expected = 0;
            bool *matches = run_segment(&model, segments[i], strlen(segments[i]));
            /* The naive twin: the same tests spelled out over the model's strings. */
            for (uint32_t row = 0; row < rows; row++) {
                const struct model_value *c = model_at(&model, row, A_COUNTRY);
                const struct model_value *g = model_at(&model, row, A_GENDER);
                const char *cs = c->is_null ? NULL : c->s, *gs = g->is_null ? NULL : g->s;
                bool match = false;
                switch (i) {
                case 0: match = cs && strcmp(cs, "v5") == 0; break;
                case 1: match = cs && strcmp(cs, "v65600") == 0; break;
                case 2:
                    match = cs && (!strcmp(cs, "v7") || !strcmp(cs, "v300") ||
                                   !strcmp(cs, "v65537") || !strcmp(cs, "v65835"));
                    break;
                case 3: match = cs && strncmp(cs, "v6553", 5) == 0; break;
                case 4: match = cs && strcmp(cs, "v1") != 0 && strcmp(cs, "v65536") != 0; break;
                case 5: match = gs && strcmp(gs, "v299") == 0; break;
                case 6:
                    match = gs && (!strcmp(gs, "v0") || !strcmp(gs, "v255") || !strcmp(gs, "v256"));
                    break;
                case 7:
                    match = gs && cs && gs[strlen(gs) - 1] == '9' && strncmp(cs, "v655", 4) == 0;
                    break;
                }
                cr_assert_eq(matches[row], match, "%s: row %u (%s)", segments[i], row,
                             sealed ? "sealed" : "building");
                expected += match;
            }
            cr_assert_gt(expected, 0u, "%s matches some rows", segments[i]);
            free(matches);
        }
        model_deinit(&model);
    }
    free(names);
}
