/*
 * Tests for engine/db/db_rules.c through the public API: a database keeps its schema's rules
 * (reopened, the schema text still has them and a second ingest still applies them), an
 * ingest result carries the per-rule tallies, and pdb_profile_find normalises its key with
 * the attribute's rules (scan and hash-index paths alike) and names the rule a key breaks.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"

static char directory[256];
static char db_path[300];
static char schema_path[300];
static char csv_path[300];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "db-rules");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(csv_path, sizeof csv_path, "%s/people.csv", directory);
    test_file_write(schema_path, "id int required\n"
          "email text identifier trim lower email\n"
          "phone text identifier phone(+44)\n"
          "country category allowed(GB, US) map(UK=GB) upper trim\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(db_rules, .init = make_workspace, .fini = remove_workspace);

static const struct pdb_ingest_rule_tally *tally(const struct pdb_ingest_result *result,
                                                 const char *attribute, const char *rule)
{
    for (uint32_t i = 0; i < result->rule_tally_count; i++)
        if (strcmp(result->rule_tallies[i].attribute, attribute) == 0 &&
            strcmp(result->rule_tallies[i].rule, rule) == 0)
            return &result->rule_tallies[i];
    return NULL;
}

Test(db_rules, rules_persist_and_results_carry_tallies)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    char text[1024];
    pdb_db_schema_text(db, text, sizeof text);
    cr_assert(
        strstr(text, "country                  category  trim upper map(UK=GB) allowed(GB,US)\n") !=
            NULL,
        "%s", text);
    cr_assert_str_eq(pdb_db_attribute_rules(db, 1), "trim lower email");
    cr_assert_str_eq(pdb_db_attribute_rules(db, 0), "required");
    cr_assert_null(pdb_db_attribute_rules(db, 4));
    pdb_db_close(db);

    test_file_write(csv_path, "id,email,phone,country\n"
                         "1, Ann@Example.COM ,020 7946 0958,uk\n"
                         "2,nope,,us\n"
                         "3,b@c.de,,fr\n"
                         "4,d@e.fr,+33 1 23 45 67 89,GB\n");
    for (int pass = 0; pass < 2;
         pass++) { /* reopened each time: the rules come from the database */
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
        struct pdb_ingest_result result;
        cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, &result, &error), PDB_OK, "%s",
                     error.message);
        cr_assert_eq(result.rows_loaded, 2u);
        cr_assert_eq(result.rows_rejected, 2u);
        cr_assert_not(result.is_rule_tallies_truncated);
        cr_assert_eq(result.rule_tally_count, 7u);
        cr_assert_eq(tally(&result, "email", "email")->rejected, 1u);
        cr_assert_eq(tally(&result, "country", "allowed")->rejected, 1u);
        cr_assert_eq(tally(&result, "email", "trim")->changed, 1u);
        cr_assert_eq(tally(&result, "email", "lower")->changed, 1u);
        cr_assert_eq(tally(&result, "phone", "phone")->changed, 2u);
        cr_assert_eq(tally(&result, "country", "upper")->changed, 1u);
        cr_assert_eq(tally(&result, "country", "map")->changed, 1u);
        cr_assert_null(tally(&result, "id", "required"));
        /* the tallies come in schema order, then rule order */
        cr_assert_str_eq(result.rule_tallies[0].attribute, "email");
        cr_assert_str_eq(result.rule_tallies[0].rule, "trim");
        cr_assert_str_eq(result.rule_tallies[6].rule, "allowed");
        pdb_db_close(db);
    }
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(
                     db, "email = 'ann@example.com' AND phone = '+442079460958' AND country = 'GB'",
                     &count, &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(count, 2u);
    pdb_db_close(db);
}

Test(db_rules, find_normalises_the_key_on_both_paths)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    test_file_write(csv_path, "id,email,phone\n1,a@b.co,\n2, Ann@Example.COM,020 7946 0958\n");
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    for (int round = 0; round < 3; round++) { /* the first find scans, later ones use the index */
        uint32_t row = 99;
        cr_assert_eq(pdb_profile_find(db, "email", "ANN@example.com  ", &row, &error), PDB_OK, "%s",
                     error.message);
        cr_assert_eq(row, 1u);
        row = 99;
        cr_assert_eq(pdb_profile_find(db, "phone", "+44 (20) 7946-0958", &row, &error), PDB_OK,
                     "%s", error.message);
        cr_assert_eq(row, 1u);
        cr_assert_eq(pdb_profile_find(db, "phone", "07946 0958", &row, &error), PDB_ERR_NOT_FOUND);
        cr_assert_eq(pdb_profile_find(db, "email", "ann@", &row, &error), PDB_ERR_NOT_FOUND);
        cr_assert_str_eq(error.message,
                         "no profile has email = 'ann@': rule email: 'ann@' is not an email "
                         "address (nothing after '@')");
        cr_assert_eq(pdb_profile_find(db, "email", "   ", &row, &error), PDB_ERR_NOT_FOUND);
    }
    pdb_db_close(db);
}

/* With a primary identifier, `required` binds the records that create a profile: a file
 * that only updates may leave a required column out (CSV header, NDJSON member, streamed
 * batch alike), a record in it with a new key is rejected with the rule, and an explicit
 * NULL for a required attribute is rejected even in an update (it would clear the value). */
Test(db_rules, required_binds_creations_not_updates)
{
    test_file_write(schema_path, "id int identifier primary\n"
                            "name text required\n"
                            "age int\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    test_file_write(csv_path, "id,name,age\n1,Ann,30\n2,Bob,40\n3,Cy,50\n");
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, 3u);

    /* CSV without the required column: updates load, the new key 9 is rejected. */
    char rejects[400];
    snprintf(rejects, sizeof rejects, "%s/r1.csv", directory);
    struct pdb_ingest_options options = {.rejects_path = rejects};
    test_file_write(csv_path, "id,age\n1,31\n9,99\n2,41\n");
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, &options, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_updated, 2u);
    cr_assert_eq(result.rows_inserted, 0u);
    cr_assert_eq(result.rows_rejected, 1u);
    cr_assert_eq(tally(&result, "name", "required")->rejected, 1u);
    char expected[1400];
    snprintf(expected, sizeof expected,
             "file,line,column,attribute,reason,record\n"
             "%s,3,1,name,rule required: the value is missing,\"9,99\"\n", csv_path);
    {
        char *text = test_file_read(rejects);
        cr_assert_str_eq(text, expected);
        free(text);
    }

    /* NDJSON: a missing member is fine in an update, an explicit null is not. */
    char ndjson_path[400];
    snprintf(ndjson_path, sizeof ndjson_path, "%s/u.ndjson", directory);
    snprintf(rejects, sizeof rejects, "%s/r2.csv", directory);
    test_file_write(ndjson_path, "{\"id\": 3, \"age\": 51}\n"
                            "{\"id\": 8, \"age\": 88}\n"
                            "{\"id\": 2, \"name\": null}\n"
                            "{\"id\": 7, \"name\": \"Di\"}\n");
    options.format = PDB_INPUT_NDJSON;
    cr_assert_eq(pdb_db_ingest_file(db, ndjson_path, &options, &result, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(result.rows_updated, 1u);
    cr_assert_eq(result.rows_inserted, 1u);
    cr_assert_eq(result.rows_rejected, 2u);
    snprintf(expected, sizeof expected,
             "file,line,column,attribute,reason,record\n"
             "%s,2,20,name,rule required: the value is missing,\"{\"\"id\"\": 8, \"\"age\"\": 88}\"\n"
             "%s,3,19,name,rule required: the value is missing,\"{\"\"id\"\": 2, \"\"name\"\": null}\"\n",
             ndjson_path, ndjson_path);
    {
        char *text = test_file_read(rejects);
        cr_assert_str_eq(text, expected);
        free(text);
    }

    /* Streamed through the write-ahead log: the same rule. */
    struct pdb_upsert_result upsert;
    const char *batch = "{\"id\": 1, \"age\": 32}\n{\"id\": 6, \"age\": 66}\n";
    cr_assert_eq(pdb_db_upsert(db, batch, strlen(batch), &upsert, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(upsert.rows_updated, 1u);
    cr_assert_eq(upsert.rows_inserted, 0u);
    cr_assert_eq(upsert.rows_rejected, 1u);

    const char *checks[][2] = {
        {"id = 1 AND age = 32 AND name = 'Ann'", "1"}, {"id = 2 AND age = 41 AND name = 'Bob'", "1"},
        {"id = 3 AND age = 51 AND name = 'Cy'", "1"},  {"id = 7 AND name = 'Di' AND age IS NULL", "1"},
        {"id IN (6, 8, 9)", "0"},                      {"name IS NULL", "0"},
    };
    for (int pass = 0; pass < 2; pass++) { /* and the same after a reopen (replay) */
        for (size_t c = 0; c < sizeof checks / sizeof checks[0]; c++) {
            uint64_t count = 99;
            cr_assert_eq(pdb_segment_count(db, checks[c][0], &count, &error), PDB_OK, "%s", error.message);
            cr_assert_eq(count, strtoull(checks[c][1], NULL, 10), "%s: %llu", checks[c][0],
                         (unsigned long long)count);
        }
        pdb_db_close(db);
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    }
    pdb_db_close(db);
}
