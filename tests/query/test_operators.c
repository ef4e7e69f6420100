/*
 * Every operator on every type, exhaustively over the literal pools of query_test_support.c
 * (edge values: INT64_MIN/MAX, -0.0, 2^53 + 1, empty strings, prefixes, non-ASCII and
 * invalid UTF-8, NULL), each checked row by row against the naive evaluator, negated and not.
 */
#include <criterion/criterion.h>

#include "query_test_support.h"

#define POOL_MAX 80

static struct model model;

static void setup(void)
{
    model_init_random(&model, 800, 77, 15);
    model_build_table(&model);
}

static void teardown(void)
{
    model_deinit(&model);
}

static void check(struct texpr *expr)
{
    struct buffer text;
    buffer_init(&text);
    texpr_render(expr, &model.schema, &text);
    check_against_model(&model, expr, (const char *)text.data, text.size);
    buffer_deinit(&text);
}

static void check_both(struct texpr *expr)
{
    expr->negated = false;
    check(expr);
    expr->negated = true;
    check(expr);
}

static void all_operators(uint32_t attribute, const enum top *ops, size_t op_count)
{
    enum pdb_type type = model.schema.attributes[attribute].type;
    struct tlit pool[POOL_MAX];
    uint32_t count = test_literal_pool(type, pool, POOL_MAX);
    cr_assert_lt(count, POOL_MAX);
    for (size_t o = 0; o < op_count; o++) {
        struct texpr expr = {.kind = TX_PRED, .attribute = attribute, .op = ops[o]};
        switch (ops[o]) {
        case OP_BARE:
            check(&expr);
            break;
        case OP_IS_NULL:
            check_both(&expr);
            break;
        case OP_EQ:
        case OP_NE:
        case OP_LT:
        case OP_LE:
        case OP_GT:
        case OP_GE:
            expr.literal_count = 1;
            for (uint32_t i = 0; i < count; i++) {
                expr.literals[0] = pool[i];
                expr.literal_first = false;
                check(&expr);
                if (i % 5 == 0) {
                    expr.literal_first = true;
                    check(&expr);
                }
            }
            break;
        case OP_BETWEEN:
            expr.literal_count = 2;
            for (uint32_t i = 0; i < count; i += 3) {
                for (uint32_t j = 0; j < count; j += 3) {
                    expr.literals[0] = pool[i];
                    expr.literals[1] = pool[j];
                    check_both(&expr);
                }
            }
            break;
        case OP_IN:
        case OP_HAS_ANY:
        case OP_HAS_ALL:
            for (uint32_t width = 1; width <= 3; width++) {
                expr.literal_count = width;
                for (uint32_t i = ops[o] == OP_IN ? 0 : 1; i + width <= count; i++) {
                    for (uint32_t k = 0; k < width; k++)
                        expr.literals[k] = pool[i + k];
                    check_both(&expr);
                }
            }
            /* a duplicate inside the list */
            expr.literal_count = 3;
            expr.literals[0] = pool[1];
            expr.literals[1] = pool[2];
            expr.literals[2] = pool[1];
            check_both(&expr);
            break;
        default: /* string tests and HAS: non-NULL strings */
            expr.literal_count = 1;
            for (uint32_t i = 1; i < count; i++) {
                expr.literals[0] = pool[i];
                check_both(&expr);
            }
            break;
        }
    }
}

static const enum top comparison_ops[] = {OP_EQ, OP_NE,      OP_LT, OP_LE,     OP_GT,
                                          OP_GE, OP_BETWEEN, OP_IN, OP_IS_NULL};
static const enum top string_ops[] = {OP_EQ,   OP_NE,       OP_LT,      OP_LE,      OP_GT,
                                      OP_GE,   OP_BETWEEN,  OP_IN,      OP_IS_NULL, OP_STARTS,
                                      OP_ENDS, OP_CONTAINS, OP_ISTARTS, OP_IENDS,   OP_ICONTAINS};

TestSuite(operators, .init = setup, .fini = teardown);

Test(operators, bool_attribute)
{
    static const enum top ops[] = {OP_BARE, OP_EQ, OP_NE, OP_IN, OP_IS_NULL};
    all_operators(A_IS_VIP, ops, sizeof ops / sizeof ops[0]);
}

Test(operators, int_attribute)
{
    all_operators(A_AGE, comparison_ops, sizeof comparison_ops / sizeof comparison_ops[0]);
}

Test(operators, float_attribute)
{
    all_operators(A_TOTAL_SPEND, comparison_ops, sizeof comparison_ops / sizeof comparison_ops[0]);
}

Test(operators, timestamp_attribute)
{
    all_operators(A_SIGNUP_AT, comparison_ops, sizeof comparison_ops / sizeof comparison_ops[0]);
}

Test(operators, category_attribute)
{
    all_operators(A_COUNTRY, string_ops, sizeof string_ops / sizeof string_ops[0]);
}

Test(operators, text_attribute)
{
    all_operators(A_EMAIL, string_ops, sizeof string_ops / sizeof string_ops[0]);
}

Test(operators, tags_attribute)
{
    static const enum top ops[] = {OP_HAS, OP_HAS_ANY, OP_HAS_ALL, OP_IS_NULL};
    all_operators(A_INTERESTS, ops, sizeof ops / sizeof ops[0]);
}
