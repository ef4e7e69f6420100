/*
 * Fault injection on an upsert ingest (test_faults.c does the same for appends): a write or an
 * fsync failing with ENOSPC or EIO at any point of an ingest that updates profiles in a
 * committed chunk file and in the partial last chunk, and appends new ones, gives a clean
 * PDB_ERR_IO and leaves the database exactly as it was (every profile's values compared by a
 * digest, before and after reopening, and no file of the failed generation left); the one
 * fsync after the commit point leaves the upsert visible and the handle refusing writes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"
#include "storage/file_io.h"

static char directory[256], db_path[300], schema_path[300], csv_a[300], upsert_path[300];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "upsert-faults");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(csv_a, sizeof csv_a, "%s/a.csv", directory);
    snprintf(upsert_path, sizeof upsert_path, "%s/u.csv", directory);
    test_file_write(schema_path, "id text primary\nn int\nc category\nt tags\n");
    FILE *file = fopen(csv_a, "w");
    fputs("id,n,c,t\n", file);
    for (uint32_t i = 0; i < 70000; i++) /* a full chunk and a partial one */
        fprintf(file, "K%u,%u,c%u,t%u|u%u\n", i, i % 1000, i % 13, i % 3, i % 5);
    fclose(file);
    file = fopen(upsert_path, "w"); /* updates in both chunks (new category values), new keys */
    fputs("id,c,n\n", file);
    for (uint32_t i = 0; i < 73000; i += 7) fprintf(file, "K%u,new%u,%u\n", i, i % 3, i + 100000);
    for (uint32_t i = 3; i < 70000; i += 501) fprintf(file, "K%u,,\n", i); /* nulls clear */
    fclose(file);
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(upsert_faults, .init = setup, .fini = teardown);

/* FNV-1a over every profile's values. */
static uint64_t digest(struct pdb_db *db)
{
    uint64_t hash = 1469598103934665603ull;
    struct pdb_error error = {0};
    for (uint32_t row = 0; row < pdb_db_row_count(db); row++) {
        struct pdb_profile *profile;
        cr_assert_eq(pdb_profile_get(db, row, &profile, &error), PDB_OK, "%s", error.message);
        for (uint32_t a = 0; a < 4; a++) {
            struct pdb_value value;
            pdb_profile_value(profile, a, &value);
            char text[256];
            int size = value.is_null ? snprintf(text, sizeof text, "|N")
                       : a == 1 ? snprintf(text, sizeof text, "|%lld", (long long)value.int_value)
                       : a == 3 ? snprintf(text, sizeof text, "|%u", value.tag_count)
                                : snprintf(text, sizeof text, "|%.*s", (int)value.string_size, value.string_data);
            for (int i = 0; i < size; i++) hash = (hash ^ (uint8_t)text[i]) * 1099511628211ull;
        }
        pdb_profile_destroy(profile);
    }
    return hash ^ pdb_db_row_count(db);
}

static uint32_t file_count(void)
{
    return test_dir_count(db_path, "chunk-") + test_dir_count(db_path, "dict-");
}

static void fresh_database(void)
{
    test_dir_remove(db_path);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_db_ingest_csv(db, csv_a, NULL, NULL, &error), PDB_OK, "%s", error.message);
    pdb_db_close(db);
}

/* The digest of the database after a successful upsert of u.csv. */
static uint64_t digest_after_upsert(void)
{
    fresh_database();
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, upsert_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, 429); /* K70000..K72999 in steps of 7 */
    cr_assert_eq(result.rows_updated, 10000 + 140);
    uint64_t value = digest(db);
    pdb_db_close(db);
    fresh_database();
    return value;
}

static void every_fault_point(enum file_fault_point point, int errno_value)
{
    uint64_t after_upsert = digest_after_upsert();
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t before = digest(db);
    pdb_db_close(db);
    cr_assert_neq(before, after_upsert);
    uint32_t failures = 0, published = 0;
    for (uint32_t after = 0;; after++) {
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
        uint32_t files_before = file_count();
        file_fault_inject(point, after, errno_value);
        enum pdb_status status = pdb_db_ingest_csv(db, upsert_path, NULL, NULL, &error);
        file_fault_inject(point, 0, 0);
        if (status == PDB_OK) {
            cr_assert_eq(digest(db), after_upsert);
            pdb_db_close(db);
            break;
        }
        failures++;
        cr_assert_eq(status, PDB_ERR_IO, "point %d after %u: %s", point, after, error.message);
        cr_assert(strstr(error.message, strerror(errno_value)) != NULL, "%s", error.message);
        bool is_published = strstr(error.message, "visible but may not survive a crash") != NULL;
        uint64_t expected = is_published ? after_upsert : before;
        cr_assert_eq(digest(db), expected, "point %d after %u: the handle", point, after);
        pdb_db_close(db);
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopened: %s", error.message);
        cr_assert_eq(digest(db), expected, "point %d after %u: reopened", point, after);
        pdb_db_close(db);
        if (is_published) {
            published++;
            fresh_database();
        } else {
            cr_assert_eq(file_count(), files_before, "no file of the failed upsert is left");
        }
    }
    cr_assert_geq(failures, 4u, "an upsert writes and syncs several files");
    cr_assert_eq(published, point == FILE_FAULT_SYNC ? 1u : 0u);
}

Test(upsert_faults, enospc_on_any_write_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_WRITE, ENOSPC);
}

Test(upsert_faults, eio_on_any_fsync_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_SYNC, EIO);
}
