/*
 * Computed attributes through the public API (engine/db): pdb_db_create and pdb_db_open check
 * the definitions (errors at schema line:column); pdb_db_attribute lists computed attributes
 * after the stored ones with PDB_FLAG_COMPUTED, their type and definition; pdb_profile_get
 * returns their current values, which move when now() moves (pdb_db_set_now) and when events
 * are ingested, on the same handle and after reopening, and always agree with segments on
 * them; a profile file naming one is refused (unless ignore_unknown_columns); find and
 * breakdown by one are clear errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY ((int64_t)86400)

static char directory[256], db_path[300], schema_path[300], input_path[300];

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
}

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "computed");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(input_path, sizeof input_path, "%s/input.csv", directory);
    write_file(schema_path, "id text identifier primary\n"
                            "country category\n"
                            "event purchase\n"
                            "    amount float\n"
                            "    channel category\n"
                            "orders_30d = count(purchase, 30d)\n"
                            "web_spend = sum(purchase.amount, channel = 'web')\n"
                            "has_bought = exists(purchase)\n"
                            "last_buy = last(purchase)\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(db_computed, .init = make_workspace, .fini = remove_workspace);

static struct pdb_db *create_with_events(void)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    write_file(input_path, "id,country\na,US\nb,DE\nc,US\n");
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, input_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    write_file(input_path, "id,at,amount,channel\n"
                           "a,2025-12-02T00:00:00Z,10.5,web\n" /* exactly 30 days before NOW */
                           "a,2025-12-20,30,app\n"
                           "b,2025-11-01,5,web\n");
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    pdb_db_set_now(db, NOW);
    return db;
}

/* Attribute `name` of profile `key`. */
static struct pdb_value value_of(struct pdb_db *db, const char *key, const char *name,
                                 struct pdb_profile **profile_out)
{
    struct pdb_error error = {0};
    uint32_t row = 0;
    cr_assert_eq(pdb_profile_find(db, "id", key, &row, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_profile_get(db, row, profile_out, &error), PDB_OK, "%s", error.message);
    for (uint32_t a = 0; a < pdb_db_attribute_count(db); a++) {
        struct pdb_attribute_info info;
        cr_assert_eq(pdb_db_attribute(db, a, &info), PDB_OK);
        if (strcmp(info.name, name) != 0) continue;
        struct pdb_value value;
        pdb_profile_value(*profile_out, a, &value);
        return value;
    }
    cr_assert_fail("no attribute %s", name);
    return (struct pdb_value){0};
}

static int64_t orders_of(struct pdb_db *db, const char *key)
{
    struct pdb_profile *profile;
    struct pdb_value value = value_of(db, key, "orders_30d", &profile);
    cr_assert_eq(value.type, PDB_TYPE_INT);
    cr_assert(!value.is_null);
    pdb_profile_destroy(profile);
    return value.int_value;
}

static uint64_t count_of(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &count, &error), PDB_OK, "%s", error.message);
    return count;
}

Test(db_computed, attributes_list_computed_ones_after_the_stored_ones)
{
    struct pdb_db *db = create_with_events();
    cr_assert_eq(pdb_db_attribute_count(db), 6u);
    struct pdb_attribute_info info;
    cr_assert_eq(pdb_db_attribute(db, 1, &info), PDB_OK);
    cr_assert_str_eq(info.name, "country");
    cr_assert_null(pdb_db_attribute_definition(db, 1));
    static const struct { const char *name; enum pdb_type type; const char *definition; } computed[] = {
        {"orders_30d", PDB_TYPE_INT, "count(purchase, 30d)"},
        {"web_spend", PDB_TYPE_FLOAT, "sum(purchase.amount, channel = 'web')"},
        {"has_bought", PDB_TYPE_BOOL, "exists(purchase)"},
        {"last_buy", PDB_TYPE_TIMESTAMP, "last(purchase)"}};
    for (uint32_t i = 0; i < 4; i++) {
        cr_assert_eq(pdb_db_attribute(db, 2 + i, &info), PDB_OK);
        cr_assert_str_eq(info.name, computed[i].name);
        cr_assert_eq(info.type, computed[i].type);
        cr_assert_eq(info.flags, PDB_FLAG_COMPUTED);
        cr_assert_str_eq(pdb_db_attribute_definition(db, 2 + i), computed[i].definition);
        cr_assert_str_eq(pdb_db_attribute_rules(db, 2 + i), "");
    }
    cr_assert_eq(pdb_db_attribute(db, 6, &info), PDB_ERR_NOT_FOUND);
    cr_assert_null(pdb_db_attribute_rules(db, 6));
    pdb_db_close(db);
}

Test(db_computed, get_returns_current_values)
{
    struct pdb_db *db = create_with_events();
    struct pdb_profile *profile;
    struct pdb_value value = value_of(db, "a", "web_spend", &profile);
    cr_assert_eq(value.type, PDB_TYPE_FLOAT);
    cr_assert_float_eq(value.float_value, 10.5, 0.0);
    pdb_profile_destroy(profile);
    value = value_of(db, "a", "last_buy", &profile);
    cr_assert_eq(value.int_value, NOW - 12 * DAY);
    pdb_profile_destroy(profile);
    value = value_of(db, "c", "last_buy", &profile);
    cr_assert(value.is_null); /* no purchase */
    pdb_profile_destroy(profile);
    value = value_of(db, "c", "has_bought", &profile);
    cr_assert(!value.is_null && !value.bool_value);
    pdb_profile_destroy(profile);
    value = value_of(db, "b", "country", &profile); /* stored ones are still there */
    cr_assert_eq(value.string_size, 2u);
    cr_assert_eq(memcmp(value.string_data, "DE", 2), 0);
    pdb_profile_destroy(profile);
    pdb_db_close(db);
}

Test(db_computed, values_slide_with_now_and_follow_new_events)
{
    struct pdb_db *db = create_with_events();
    cr_assert_eq(orders_of(db, "a"), 2); /* the 30-day edge is in */
    cr_assert_eq(count_of(db, "orders_30d >= 2"), 1u);
    pdb_db_set_now(db, NOW + 1);
    cr_assert_eq(orders_of(db, "a"), 1); /* one second later it left the window */
    cr_assert_eq(count_of(db, "orders_30d >= 2"), 0u);
    cr_assert_eq(count_of(db, "orders_30d = 1"), 1u);
    pdb_db_set_now(db, NOW + 20 * DAY);
    cr_assert_eq(orders_of(db, "a"), 0);
    cr_assert_eq(count_of(db, "orders_30d = 0"), 3u);
    /* New events, on the same handle. */
    pdb_db_set_now(db, NOW);
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    write_file(input_path, "id,at,amount,channel\nc,2025-12-31,7,web\nc,2025-12-30,1,web\na,2025-12-25,2,web\n");
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(orders_of(db, "a"), 3);
    cr_assert_eq(orders_of(db, "c"), 2);
    cr_assert_eq(count_of(db, "orders_30d >= 2"), 2u);
    cr_assert_eq(count_of(db, "web_spend BETWEEN 8 AND 13 AND country = 'US'"), 2u); /* a 12.5, c 8 */
    pdb_db_close(db);
    /* Reopened. */
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    cr_assert_eq(orders_of(db, "c"), 2);
    cr_assert_eq(count_of(db, "has_bought AND last_buy > now() - 2d"), 1u);
    cr_assert_eq(count_of(db, "last_buy IS NULL"), 0u);
    pdb_db_close(db);
}

Test(db_computed, not_ingestible_and_not_a_key)
{
    struct pdb_db *db = create_with_events();
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    write_file(input_path, "id,orders_30d\nd,3\n");
    cr_assert_eq(pdb_db_ingest_csv(db, input_path, NULL, &result, &error), PDB_ERR_DATA);
    cr_assert_not_null(strstr(error.message, "input.csv:1:4: column 'orders_30d' is a computed "
                                             "attribute (its value is an event aggregate and "
                                             "cannot be ingested"), "%s", error.message);
    struct pdb_ingest_options options = {.ignore_unknown_columns = true};
    cr_assert_eq(pdb_db_ingest_csv(db, input_path, &options, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(orders_of(db, "d"), 0);
    uint32_t row;
    cr_assert_eq(pdb_profile_find(db, "orders_30d", "2", &row, &error), PDB_ERR_USAGE);
    cr_assert_str_eq(error.message, "attribute 'orders_30d' is computed (an event aggregate); a "
                                    "key must be a stored text, category or int attribute");
    struct pdb_breakdown breakdown = {0};
    cr_assert_eq(pdb_segment_breakdown(db, "true", "has_bought", 0, &breakdown, &error), PDB_ERR_USAGE);
    cr_assert_str_eq(error.message, "cannot break down by 'has_bought': it is a computed bool "
                                    "attribute (exists(purchase)); a breakdown needs a stored "
                                    "category, bool or tags attribute (count its values with "
                                    "segments instead, e.g. '... AND NOT has_bought')");
    pdb_db_close(db);
}

Test(db_computed, create_checks_definitions)
{
    write_file(schema_path, "id int\nevent purchase\n    amount float\nspend = sum(purchase.amont, 30d)\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_ERR_SCHEMA);
    char expected[512];
    snprintf(expected, sizeof expected, "%s:4:22: computed attribute 'spend': unknown property "
             "'amont' of event 'purchase' (did you mean 'amount'?)", schema_path);
    cr_assert_str_eq(error.message, expected);
}
