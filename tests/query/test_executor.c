/*
 * Tests for engine/query/executor.c and segment.c: three-valued logic truth tables, IN and
 * NOT IN with NULL, BETWEEN, IS NULL, zone-map shortcuts (chunks entirely inside or outside
 * a range) against the naive evaluator over several chunks, chunk bits past the row count,
 * ids order/limit/early stop, empty and all-NULL tables, prepare (lazy loading, errors,
 * idempotence) and evaluation from several threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"
#include "query_test_support.h"

/* ---- Helpers --------------------------------------------------------------------------- */

static struct tlit I(int64_t value) {
    return (struct tlit){.kind = TL_INT, .i = value};
} static struct tlit F(double value) {
    return (struct tlit){.kind = TL_FLOAT, .f = value};
} static struct tlit S(const char *text) {
    return (struct tlit){.kind = TL_STRING, .s = text, .size = (uint32_t)strlen(text)};
} static struct tlit N(void) {
    return (struct tlit){.kind = TL_NULL};
}

static struct texpr
pred(uint32_t attribute, enum top op, bool negated, uint32_t count, const struct tlit *literals)
{
    struct texpr expr = {.kind = TX_PRED,
                         .attribute = attribute,
                         .op = op,
                         .negated = negated,
                         .literal_count = count};
    for (uint32_t i = 0; i < count; i++)
        expr.literals[i] = literals[i];
    return expr;
}

static void check_expr(struct model *model, const struct texpr *expr)
{
    struct buffer text;
    buffer_init(&text);
    texpr_render(expr, &model->schema, &text);
    check_against_model(model, expr, (const char *)text.data, text.size);
    buffer_deinit(&text);
}

/* Three-valued result of `text` on every row: TRUE rows of E, FALSE rows of NOT (E). */
static void truth(struct model *model, const char *text, char *out)
{
    char negated[512];
    snprintf(negated, sizeof negated, "NOT (%s)", text);
    bool *is_true = run_segment(model, text, strlen(text));
    bool *is_false = run_segment(model, negated, strlen(negated));
    for (uint32_t row = 0; row < model->row_count; row++) {
        cr_assert(!(is_true[row] && is_false[row]), "row %u both TRUE and FALSE", row);
        out[row] = is_true[row] ? 'T' : is_false[row] ? 'F' : 'U';
    }
    out[model->row_count] = '\0';
    free(is_true);
    free(is_false);
}

static void expect_truth(struct model *model, const char *text, const char *expected)
{
    char got[64];
    truth(model, text, got);
    cr_assert_str_eq(got, expected, "for %s", text);
}

/* ---- Three-valued logic ------------------------------------------------------------------ */

/* Rows 0..8: (consent_email, consent_sms) = (a, b) with a = row / 3, b = row % 3, each
 * 0 = FALSE, 1 = TRUE, 2 = NULL. age: 1, 2, NULL repeating. */
static void three_valued_model(struct model *model)
{
    model_init_random(model, 9, 5, 0);
    for (uint32_t row = 0; row < 9; row++) {
        struct model_value *a = model_at(model, row, A_CONSENT_EMAIL);
        struct model_value *b = model_at(model, row, A_CONSENT_SMS);
        struct model_value *age = model_at(model, row, A_AGE);
        a->is_null = row / 3 == 2;
        a->b = row / 3 == 1;
        b->is_null = row % 3 == 2;
        b->b = row % 3 == 1;
        age->is_null = row % 3 == 2;
        age->i = row % 3 + 1;
        model_at(model, row, A_EMAIL)->is_null = row % 2 == 0;
    }
    model_build_table(model);
}

Test(executor, kleene_truth_tables)
{
    struct model model;
    three_valued_model(&model);
    /*                    a: F F F T T T U U U
     *                    b: F T U F T U F T U */
    expect_truth(&model, "consent_email", "FFFTTTUUU");
    expect_truth(&model, "consent_sms", "FTUFTUFTU");
    expect_truth(&model, "NOT consent_email", "TTTFFFUUU");
    expect_truth(&model, "consent_email AND consent_sms", "FFFFTUFUU");
    expect_truth(&model, "consent_email OR consent_sms", "FTUTTTUTU");
    expect_truth(&model, "NOT (consent_email AND consent_sms)", "TTTTFUTUU");
    expect_truth(&model, "NOT consent_email OR NOT consent_sms", "TTTTFUTUU");
    expect_truth(&model, "NOT (consent_email OR consent_sms)", "TFUFFFUFU");
    expect_truth(&model, "consent_email AND NOT consent_email", "FFFFFFUUU");
    expect_truth(&model, "consent_email OR NOT consent_email", "TTTTTTUUU");
    expect_truth(&model, "consent_email AND TRUE", "FFFTTTUUU");
    expect_truth(&model, "consent_email OR FALSE", "FFFTTTUUU");
    expect_truth(&model, "consent_email AND age = NULL", "FFFUUUUUU");
    expect_truth(&model, "consent_email OR age = NULL", "UUUTTTUUU");
    expect_truth(&model, "(consent_email OR consent_sms) AND NOT (consent_email AND consent_sms)",
                 "FTUTFUUUU");
    model_deinit(&model);
}

Test(executor, in_not_in_and_between_with_null)
{
    struct model model;
    three_valued_model(&model); /* age per row: 1 2 N 1 2 N 1 2 N */
    expect_truth(&model, "age IN (1, 3)", "TFUTFUTFU");
    expect_truth(&model, "age IN (1, NULL)", "TUUTUUTUU");
    expect_truth(&model, "age NOT IN (1, NULL)", "FUUFUUFUU");
    expect_truth(&model, "age NOT IN (1)", "FTUFTUFTU");
    expect_truth(&model, "age NOT IN (3, NULL)", "UUUUUUUUU");
    expect_truth(&model, "age IN (NULL)", "UUUUUUUUU");
    expect_truth(&model, "age = NULL", "UUUUUUUUU");
    expect_truth(&model, "age BETWEEN 1 AND 2", "TTUTTUTTU");
    expect_truth(&model, "age BETWEEN 2 AND 1", "FFUFFUFFU");
    expect_truth(&model, "age NOT BETWEEN 2 AND 1", "TTUTTUTTU");
    expect_truth(&model, "age BETWEEN NULL AND 1", "UFUUFUUFU");
    expect_truth(&model, "age BETWEEN 2 AND NULL", "FUUFUUFUU");
    expect_truth(&model, "age NOT BETWEEN NULL AND 1", "UTUUTUUTU");
    expect_truth(&model, "age = 1.5", "FFUFFUFFU");
    expect_truth(&model, "age != 1.5", "TTUTTUTTU");
    expect_truth(&model, "email IS NULL", "TFTFTFTFT");
    expect_truth(&model, "email IS NOT NULL", "FTFTFTFTF");
    expect_truth(&model, "consent_email IN (TRUE, NULL)", "UUUTTTUUU");
    expect_truth(&model, "consent_email NOT IN (TRUE, NULL)", "UUUFFFUUU");
    expect_truth(&model, "consent_email IN (TRUE, FALSE)", "TTTTTTUUU");
    model_deinit(&model);
}

Test(executor, category_and_tags_edge_cases)
{
    struct model model;
    model_init_random(&model, 6, 9, 0);
    static const char *const countries[] = {"US", "CA", "", "US", NULL, "DE"};
    static const char *const tags[][3] = {{"a", "b", NULL}, {NULL},      {"b", NULL},
                                          {"a", NULL},      {"c", NULL}, {NULL}};
    for (uint32_t row = 0; row < 6; row++) {
        struct model_value *country = model_at(&model, row, A_COUNTRY);
        country->is_null = countries[row] == NULL;
        country->s = countries[row];
        country->size = countries[row] ? (uint32_t)strlen(countries[row]) : 0;
        struct model_value *interests = model_at(&model, row, A_INTERESTS);
        interests->tag_count = 0;
        interests->is_null = row == 5;
        for (uint32_t t = 0; tags[row][t]; t++) {
            interests->tags[t] = tags[row][t];
            interests->tag_sizes[t] = 1;
            interests->tag_count++;
        }
    }
    model_build_table(&model);
    expect_truth(&model, "country IN ('FR', 'JP')", "FFFFUF");
    expect_truth(&model, "country NOT IN ('FR', 'JP')", "TTTTUT");
    expect_truth(&model, "country = ''", "FFTFUF");
    expect_truth(&model, "country < 'D'", "FTTFUF");
    expect_truth(&model, "country ICONTAINS 's'", "TFFTUF");
    expect_truth(&model, "country STARTS WITH ''", "TTTTUT");
    expect_truth(&model, "interests HAS 'a'", "TFFTFU");
    expect_truth(&model, "interests HAS ANY ('b', 'zz')", "TFTFFU");
    expect_truth(&model, "interests HAS ALL ('a', 'b')", "TFFFFU");
    expect_truth(&model, "interests HAS ALL ('a', 'b', 'a')", "TFFFFU");
    expect_truth(&model, "interests HAS ALL ('a', 'zz')", "FFFFFU");
    expect_truth(&model, "interests NOT HAS ALL ('a', 'zz')", "TTTTTU");
    expect_truth(&model, "interests HAS ANY ('zz')", "FFFFFU");
    expect_truth(&model, "interests IS NULL", "FFFFFT");
    model_deinit(&model);
}

/* ---- Zone maps over several chunks -------------------------------------------------------- */

#define ZONE_ROWS (2u * PDB_CHUNK_ROWS + 500u)

/* Chunk 0: age 0..100, no NULLs; chunk 1: age 1000..2000 with NULLs; chunk 2: age NULL.
 * total_spend and signup_at follow the same shape. */
static void zone_model(struct model *model)
{
    model_init_random(model, ZONE_ROWS, 21, 5);
    for (uint32_t row = 0; row < ZONE_ROWS; row++) {
        uint32_t chunk = row / PDB_CHUNK_ROWS;
        struct model_value *age = model_at(model, row, A_AGE);
        struct model_value *spend = model_at(model, row, A_TOTAL_SPEND);
        struct model_value *signup = model_at(model, row, A_SIGNUP_AT);
        age->is_null = chunk == 2 || (chunk == 1 && row % 7 == 0);
        spend->is_null = chunk == 1 && row % 5 == 0;
        signup->is_null = chunk == 2;
        age->i = chunk == 0 ? row % 101 : 1000 + row % 1001;
        spend->f = chunk == 0   ? (row % 1000) / 100.0
                   : chunk == 1 ? 100.0 + (row % 400) / 4.0
                                : -1.0 * (row % 3);
        signup->i = TEST_NOW - (chunk == 0 ? 86400 * 100 : 0) + row % 1000;
    }
    model_build_table(model);
}

Test(executor, zone_map_shortcuts_match_the_scan)
{
    struct model model;
    zone_model(&model);
    const struct {
        uint32_t attribute;
        enum top op;
        bool negated;
        uint32_t count;
        struct tlit literals[3];
    } cases[] = {
        {A_AGE, OP_LT, false, 1, {I(500)}},
        {A_AGE, OP_GE, false, 1, {I(500)}},
        {A_AGE, OP_LE, false, 1, {I(100)}},
        {A_AGE, OP_GT, false, 1, {I(2000)}},
        {A_AGE, OP_BETWEEN, false, 2, {I(0), I(100)}},
        {A_AGE, OP_BETWEEN, true, 2, {I(0), I(100)}},
        {A_AGE, OP_BETWEEN, false, 2, {I(50), I(1500)}},
        {A_AGE, OP_BETWEEN, false, 2, {I(-5), I(5000)}},
        {A_AGE, OP_IN, false, 2, {I(5), I(1500)}},
        {A_AGE, OP_IN, false, 2, {I(5000), I(6000)}},
        {A_AGE, OP_IN, true, 3, {I(5), I(1500), N()}},
        {A_AGE, OP_NE, false, 1, {I(7)}},
        {A_AGE, OP_EQ, false, 1, {F(100.0)}},
        {A_AGE, OP_LT, false, 1, {F(100.5)}},
        {A_TOTAL_SPEND, OP_LT, false, 1, {F(50.0)}},
        {A_TOTAL_SPEND, OP_GE, false, 1, {I(100)}},
        {A_TOTAL_SPEND, OP_IN, false, 2, {F(1.5), F(150.25)}},
        {A_TOTAL_SPEND, OP_BETWEEN, false, 2, {F(-0.0), F(9.99)}},
        {A_TOTAL_SPEND, OP_LE, false, 1, {F(-0.0)}},
        {A_SIGNUP_AT, OP_LT, false, 1, {{.kind = TL_NOW, .i = -86400}}},
        {A_SIGNUP_AT, OP_GE, false, 1, {{.kind = TL_NOW}}},
        {A_SIGNUP_AT, OP_BETWEEN, false, 2, {S("2023-01-01"), S("2024-01-01")}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct texpr expr = pred(cases[i].attribute, cases[i].op, cases[i].negated, cases[i].count,
                                 cases[i].literals);
        check_expr(&model, &expr);
    }
    /* Combinations that stop early on chunks where the AND is empty. */
    const char *combined[] = {
        "age < 500 AND total_spend >= 100",
        "age > 1500 AND age < 1000 AND is_vip",
        "NOT (age < 500) OR age IS NULL",
        "(age > 1500 OR total_spend < 1) AND NOT consent_email",
    };
    for (size_t i = 0; i < sizeof combined / sizeof combined[0]; i++) {
        bool *matches = run_segment(&model, combined[i], strlen(combined[i]));
        free(matches);
    }
    struct texpr left = pred(A_AGE, OP_LT, false, 1, (struct tlit[]){I(500)});
    struct texpr right = pred(A_TOTAL_SPEND, OP_GE, false, 1, (struct tlit[]){I(100)});
    struct texpr both = {.kind = TX_AND, .child_count = 2, .children = {&left, &right}};
    check_expr(&model, &both);
    struct texpr either = {.kind = TX_OR, .child_count = 2, .children = {&left, &right}};
    check_expr(&model, &either);
    model_deinit(&model);
}

static uint64_t count_of(struct model *model, const char *text)
{
    struct segment *segment;
    struct pdb_error error;
    cr_assert_eq(segment_compile(text, strlen(text), &model->schema, TEST_NOW, &segment, &error),
                 PDB_OK, "%s", error.message);
    uint64_t count = 0;
    cr_assert_eq(segment_count(segment, &model->table, &count, &error), PDB_OK, "%s",
                 error.message);
    segment_destroy(segment);
    return count;
}

Test(executor, zone_maps_decide_chunks_without_scanning)
{
    /* Make chunk 1's zone map claim every age is 5000: the executor must trust it (skip or
     * take whole chunks) instead of scanning, which shows the shortcut is taken. */
    struct model model;
    zone_model(&model);
    struct column_chunk *chunk = &model.table.columns[A_AGE]->chunks[1];
    uint64_t chunk_non_null = PDB_CHUNK_ROWS - chunk->null_count;
    uint64_t honest_inside = count_of(&model, "age BETWEEN 1000 AND 2000");
    cr_assert_eq(honest_inside, chunk_non_null);
    chunk->min_int = chunk->max_int = 5000;
    cr_assert_eq(count_of(&model, "age = 5000"), chunk_non_null);   /* all in */
    cr_assert_eq(count_of(&model, "age BETWEEN 1000 AND 2000"), 0); /* all out */
    cr_assert_eq(count_of(&model, "age IN (1500, 1600)"), 0);       /* all out */
    chunk->min_int = 1000;
    chunk->max_int = 2000;
    cr_assert_eq(count_of(&model, "age BETWEEN 1000 AND 2000"), honest_inside);
    model_deinit(&model);
}

/* ---- Chunks, ids and counts ------------------------------------------------------------- */

Test(executor, bits_past_the_last_row_stay_zero)
{
    struct model model;
    model_init_random(&model, PDB_CHUNK_ROWS + 77, 31, 20);
    model_build_table(&model);
    const char *texts[] = {"TRUE",
                           "NOT is_vip",
                           "age NOT IN (1, 2)",
                           "NOT (age > 5 AND is_vip)",
                           "email IS NOT NULL",
                           "age IN (1, NULL) OR NOT is_vip",
                           "NOT (age = NULL) OR age != 3",
                           "total_spend NOT BETWEEN 1 AND 2",
                           "interests NOT HAS ANY ('yoga')",
                           "country NOT ICONTAINS 'a'"};
    static uint64_t words[PDB_CHUNK_WORDS];
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct segment *segment;
        cr_assert_eq(
            segment_compile(texts[i], strlen(texts[i]), &model.schema, TEST_NOW, &segment, NULL),
            PDB_OK);
        cr_assert_eq(segment_prepare(segment, &model.table, NULL), PDB_OK);
        struct segment_scratch *scratch = segment_scratch_create(segment);
        cr_assert_not_null(scratch);
        memset(words, 0xff, sizeof words);
        segment_eval_chunk(segment, &model.table, 1, scratch, words);
        for (uint32_t bit = 77; bit < PDB_CHUNK_ROWS; bit++)
            cr_assert_not(bitset_test(words, bit), "%s: bit %u", texts[i], bit);
        segment_scratch_destroy(scratch);
        segment_destroy(segment);
    }
    segment_scratch_destroy(NULL);
    model_deinit(&model);
}

struct id_list {
    uint32_t ids[64];
    uint32_t count;
    uint32_t stop_after;
};

static bool take_id(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    if (list->count < 64) list->ids[list->count] = row_id;
    list->count++;
    return list->stop_after == 0 || list->count < list->stop_after;
}

Test(executor, ids_ascend_and_respect_limit_and_stop)
{
    struct model model;
    model_init_random(&model, PDB_CHUNK_ROWS + 1000, 41, 10);
    model_build_table(&model);
    const char *text = "is_vip OR age < 0";
    bool *matches = run_segment(&model, text, strlen(text));
    uint32_t expected[64], found = 0;
    for (uint32_t row = 0; row < model.row_count && found < 64; row++)
        if (matches[row]) expected[found++] = row;
    cr_assert_eq(found, 64);
    struct segment *segment;
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, NULL),
                 PDB_OK);
    struct id_list list = {.stop_after = 0};
    cr_assert_eq(segment_ids(segment, &model.table, 10, take_id, &list, NULL), PDB_OK);
    cr_assert_eq(list.count, 10);
    cr_assert_arr_eq(list.ids, expected, 10 * sizeof expected[0]);
    list = (struct id_list){.stop_after = 7};
    cr_assert_eq(segment_ids(segment, &model.table, 0, take_id, &list, NULL), PDB_OK);
    cr_assert_eq(list.count, 7);
    cr_assert_arr_eq(list.ids, expected, 7 * sizeof expected[0]);
    list = (struct id_list){.stop_after = 0};
    cr_assert_eq(segment_ids(segment, &model.table, 1, take_id, &list, NULL), PDB_OK);
    cr_assert_eq(list.count, 1);
    cr_assert_eq(list.ids[0], expected[0]);
    uint64_t count;
    cr_assert_eq(segment_count(segment, &model.table, &count, NULL), PDB_OK);
    list = (struct id_list){.stop_after = 0};
    cr_assert_eq(segment_ids(segment, &model.table, count + 5, take_id, &list, NULL), PDB_OK);
    cr_assert_eq(list.count, count);
    /* ids in the second chunk are offset by the chunk size */
    const char *second = "age IS NULL AND email IS NULL";
    bool *second_matches = run_segment(&model, second, strlen(second));
    uint32_t last = 0;
    for (uint32_t row = 0; row < model.row_count; row++)
        if (second_matches[row]) last = row;
    cr_assert_gt(last, PDB_CHUNK_ROWS);
    free(second_matches);
    free(matches);
    segment_destroy(segment);
    model_deinit(&model);
}

Test(executor, empty_and_all_null_tables)
{
    struct model empty;
    model_init_random(&empty, 0, 1, 0);
    model_build_table(&empty);
    cr_assert_eq(empty.table.chunk_count, 0);
    cr_assert_eq(count_of(&empty, "TRUE"), 0);
    cr_assert_eq(count_of(&empty, "age > 5 OR email ICONTAINS 'x'"), 0);
    model_deinit(&empty);

    struct model nulls;
    model_init_empty(&nulls, 1000);
    model_build_table(&nulls);
    cr_assert_eq(count_of(&nulls, "age > 5"), 0);
    cr_assert_eq(count_of(&nulls, "NOT age > 5"), 0);
    cr_assert_eq(count_of(&nulls, "age IS NULL"), 1000);
    cr_assert_eq(count_of(&nulls, "age IS NOT NULL"), 0);
    cr_assert_eq(count_of(&nulls, "country IN ('US')"), 0);
    cr_assert_eq(count_of(&nulls, "NOT interests HAS 'a'"), 0);
    cr_assert_eq(count_of(&nulls, "NOT email ICONTAINS 'a' OR TRUE"), 1000);
    cr_assert_eq(count_of(&nulls, "TRUE"), 1000);
    cr_assert_eq(count_of(&nulls, "FALSE"), 0);
    cr_assert_eq(count_of(&nulls, "age = NULL"), 0);
    model_deinit(&nulls);
}

/* ---- Prepare ----------------------------------------------------------------------------- */

struct lazy {
    struct column *held[A_COUNT];
    uint32_t loads;
};

static enum pdb_status load_column(struct table *table, uint32_t attribute_index,
                                   struct pdb_error *error)
{
    struct lazy *lazy = table->loader_context;
    if (attribute_index == A_PHONE) return error_set(error, PDB_ERR_IO, "phone: disk on fire");
    table->columns[attribute_index] = lazy->held[attribute_index];
    lazy->held[attribute_index] = NULL;
    lazy->loads++;
    return PDB_OK;
}

Test(executor, prepare_loads_only_referenced_columns)
{
    struct model model;
    model_init_random(&model, 3000, 51, 10);
    model_build_table(&model);
    const char *text = "age > 30 AND (country = 'US' OR email ICONTAINS 'a') AND phone = NULL";
    bool *expected = run_segment(&model, text, strlen(text));
    uint64_t expected_count = 0;
    for (uint32_t row = 0; row < model.row_count; row++)
        expected_count += expected[row];
    /* Move every column into a lazy loader. */
    struct lazy lazy = {.loads = 0};
    for (uint32_t a = 0; a < A_COUNT; a++) {
        lazy.held[a] = model.table.columns[a];
        model.table.columns[a] = NULL;
    }
    model.table.load = load_column;
    model.table.loader_context = &lazy;
    struct segment *segment;
    struct pdb_error error;
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, &error),
                 PDB_OK);
    uint64_t count = 0;
    cr_assert_eq(segment_count(segment, &model.table, &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, expected_count);
    cr_assert_eq(lazy.loads, 3); /* age, country, email; phone = NULL folded away */
    cr_assert_eq(segment_prepare(segment, &model.table, &error), PDB_OK);
    cr_assert_eq(segment_prepare(segment, &model.table, &error), PDB_OK);
    cr_assert_eq(segment_count(segment, &model.table, &count, &error), PDB_OK);
    cr_assert_eq(count, expected_count);
    cr_assert_eq(lazy.loads, 3);
    segment_destroy(segment);
    /* A loader error is passed through. */
    const char *phone = "phone = '1'";
    cr_assert_eq(segment_compile(phone, strlen(phone), &model.schema, TEST_NOW, &segment, &error),
                 PDB_OK);
    count = 12345;
    cr_assert_eq(segment_count(segment, &model.table, &count, &error), PDB_ERR_IO);
    cr_assert_str_eq(error.message, "phone: disk on fire");
    cr_assert_eq(count, 12345, "out-parameter untouched on failure");
    segment_destroy(segment);
    for (uint32_t a = 0; a < A_COUNT; a++)
        column_destroy(lazy.held[a]);
    free(expected);
    model_deinit(&model);
}

Test(executor, prepare_rejects_unloaded_or_mistyped_columns)
{
    struct schema schema;
    test_schema_init(&schema);
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    struct segment *segment;
    struct pdb_error error;
    cr_assert_eq(segment_compile("age > 1", 7, &schema, TEST_NOW, &segment, NULL), PDB_OK);
    cr_assert_eq(segment_prepare(segment, &table, &error), PDB_ERR_NOT_FOUND);
    cr_assert_str_eq(error.message, "column 'age' is not loaded");
    segment_destroy(segment);
    table_deinit(&table);

    /* Compiled against a schema where age is int, prepared on a table where it is float. */
    struct schema other;
    const char *text = "age float\n";
    cr_assert_eq(schema_parse(text, strlen(text), "other", &other, NULL), PDB_OK);
    cr_assert_eq(table_init(&table, &other), 0);
    struct column *column = column_create(&other.attributes[0]);
    cr_assert_eq(column_append_float(column, 1.5, NULL), PDB_OK);
    struct column *columns[1] = {column};
    cr_assert_eq(table_adopt_columns(&table, columns, NULL), PDB_OK);
    struct schema small;
    const char *int_text = "age int\n";
    cr_assert_eq(schema_parse(int_text, strlen(int_text), "small", &small, NULL), PDB_OK);
    cr_assert_eq(segment_compile("age > 1", 7, &small, TEST_NOW, &segment, NULL), PDB_OK);
    cr_assert_eq(segment_prepare(segment, &table, &error), PDB_ERR_USAGE);
    cr_assert_str_eq(error.message, "column 'age' is float but the segment was compiled for int");
    segment_destroy(segment);
    table_deinit(&table);
    schema_deinit(&small);
    schema_deinit(&other);
    schema_deinit(&schema);
}

/* ---- Threads ---------------------------------------------------------------------------- */

struct worker {
    const struct segment *segment;
    const struct table *table;
    uint32_t first_chunk;
    uint64_t count;
};

static void *work(void *argument)
{
    struct worker *worker = argument;
    struct segment_scratch *scratch = segment_scratch_create(worker->segment);
    uint64_t *words = aligned_alloc(64, PDB_CHUNK_WORDS * sizeof(uint64_t));
    for (uint32_t repeat = 0; repeat < 4; repeat++) {
        for (uint32_t chunk = worker->first_chunk; chunk < worker->table->chunk_count; chunk += 2) {
            segment_eval_chunk(worker->segment, worker->table, chunk, scratch, words);
            if (repeat == 0) worker->count += bitset_count(words);
        }
    }
    free(words);
    segment_scratch_destroy(scratch);
    return NULL;
}

Test(executor, threads_with_their_own_scratch_agree)
{
    struct model model;
    model_init_random(&model, 3 * PDB_CHUNK_ROWS + 10, 61, 10);
    model_build_table(&model);
    const char *text = "(age > 10 OR email ICONTAINS 'stra') AND NOT country IN ('US', NULL) "
                       "OR interests HAS ALL ('yoga', 'books')";
    uint64_t expected = count_of(&model, text);
    struct segment *segment;
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, NULL),
                 PDB_OK);
    cr_assert_eq(segment_prepare(segment, &model.table, NULL), PDB_OK);
    struct worker workers[2] = {{segment, &model.table, 0, 0}, {segment, &model.table, 1, 0}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(workers[0].count + workers[1].count, expected);
    segment_destroy(segment);
    model_deinit(&model);
}

/* ---- Out of memory ------------------------------------------------------------------------ */

Test(executor, every_failed_allocation_is_reported_cleanly)
{
    struct model model;
    model_init_random(&model, 2000, 71, 10);
    model_build_table(&model);
    const char *text = "(age IN (1, 2, 3) OR email ICONTAINS 'Stra\xc3\x9f"
                       "e') AND country NOT IN "
                       "('US', 'CA') AND interests HAS ALL ('yoga', 'books') OR NOT "
                       "(signup_at > now() - 30d AND total_spend BETWEEN 1 AND 2)";
    uint64_t expected = count_of(&model, text);
    uint32_t successes = 0;
    for (uint64_t allowed = 0; allowed < 400; allowed++) {
        struct segment *segment = NULL;
        struct pdb_error error = {0};
        uint64_t count = 0;
        mem_fail_after(allowed);
        enum pdb_status status =
            segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, &error);
        if (status == PDB_OK) status = segment_count(segment, &model.table, &count, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(count, expected);
            successes++;
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "after %llu allocations: %s",
                         (unsigned long long)allowed, error.message);
        }
        segment_destroy(segment);
    }
    cr_assert_gt(successes, 0);
    model_deinit(&model);
}
