/*
 * Random-expression tests: random well-typed segments over random tables (values drawn
 * from pools of edge cases, with NULLs), checked row by row against the naive evaluator in
 * query_test_support.c. Seeds are printed on failure (and fixed, so runs are deterministic;
 * set PDB_QUERY_SEED to explore others).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "query_test_support.h"

static void run_random(uint32_t rows, uint32_t table_seed, uint64_t expression_seed,
                       uint32_t expressions, uint32_t depth, int null_percent)
{
    /* PDB_QUERY_SEED=<n> explores other seeds (the defaults keep runs deterministic). */
    const char *override = getenv("PDB_QUERY_SEED");
    if (override != NULL) {
        uint64_t extra = strtoull(override, NULL, 10);
        table_seed += (uint32_t)extra;
        expression_seed += extra * 7919u;
    }
    struct model model;
    model_init_random(&model, rows, table_seed, null_percent);
    model_build_table(&model);
    uint64_t state = expression_seed;
    for (uint32_t i = 0; i < expressions; i++) {
        uint64_t seed = state;
        struct texpr *expr = texpr_random(&state, depth);
        struct buffer text;
        buffer_init(&text);
        texpr_render(expr, &model.schema, &text);
        char context[128];
        snprintf(context, sizeof context, "[expression seed %llu, table seed %u]",
                 (unsigned long long)seed, table_seed);
        test_set_context(context);
        cr_log_info("%s %s", context, (char *)text.data);
        check_against_model(&model, expr, (const char *)text.data, text.size);
        buffer_deinit(&text);
        texpr_free(expr);
    }
    model_deinit(&model);
}

Test(random_segments, single_predicates_match_the_naive_evaluator)
{
    run_random(1500, 11, 1001, 1500, 0, 15);
}

Test(random_segments, nested_expressions_match_the_naive_evaluator)
{
    run_random(1200, 12, 2002, 500, 4, 20);
}

Test(random_segments, tables_without_nulls_match_the_naive_evaluator)
{
    run_random(1000, 13, 3003, 400, 3, 0);
}

Test(random_segments, mostly_null_tables_match_the_naive_evaluator)
{
    run_random(700, 14, 4004, 300, 3, 85);
}

Test(random_segments, several_chunks_match_the_naive_evaluator)
{
    run_random(PDB_CHUNK_ROWS + 1000, 15, 5005, 25, 3, 10);
}
