/*
 * Fault injection on ingest (issue #4, point 5): a write or an fsync that fails with ENOSPC
 * or EIO at any point of an ingest gives a clean PDB_ERR_IO naming the file, and leaves the
 * database exactly as it was: the same rows before and after reopening, no files of the
 * failed generation left behind, and the next ingest succeeds. Every write and sync point of
 * an ingest is tried (file_fault_inject in storage/file_io.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"
#include "storage/file_io.h"

static char directory[256], db_path[300], schema_path[300], csv_a[300], csv_b[300];
static uint32_t published_count; /* faults that came after the commit point */

static void write_csv(const char *path, uint32_t first, uint32_t count)
{
    FILE *file = fopen(path, "w");
    fputs("id,n,c,t\n", file);
    for (uint32_t i = first; i < first + count; i++)
        fprintf(file, "K%u,%u,c%u,t%u|u%u\n", i, i % 1000, i % 13, i % 3, i % 5);
    fclose(file);
}

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "faults");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(csv_a, sizeof csv_a, "%s/a.csv", directory);
    snprintf(csv_b, sizeof csv_b, "%s/b.csv", directory);
    test_file_write(schema_path, "id text identifier\nn int\nc category\nt tags\n");
    write_csv(csv_a, 0, 70000);  /* a full chunk and a partial one */
    write_csv(csv_b, 70000, 70000);
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(faults, .init = setup, .fini = teardown);

static uint64_t count_all(struct pdb_db *db)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, "n >= 0 OR n IS NULL", &count, &error), PDB_OK, "%s", error.message);
    return count;
}

static uint32_t file_count(void)
{
    return test_dir_count(db_path, "chunk-") + test_dir_count(db_path, "dict-");
}

/* (Re)creates the database holding a.csv's 70,000 rows: where every case starts. */
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

/* Ingests b.csv into a database holding a.csv with a fault at the `after`-th call of `point`;
 * returns false when the ingest made fewer calls than that (nothing failed). */
static bool ingest_with_fault(enum file_fault_point point, uint32_t after, int errno_value)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t before = count_all(db);
    uint32_t files_before = file_count();
    file_fault_inject(point, after, errno_value);
    struct pdb_ingest_result result;
    enum pdb_status status = pdb_db_ingest_csv(db, csv_b, NULL, &result, &error);
    file_fault_inject(point, 0, 0);
    if (status == PDB_OK) { /* the fault point lies beyond this ingest: undo nothing, stop */
        pdb_db_close(db);
        return false;
    }
    cr_assert_eq(status, PDB_ERR_IO, "point %d after %u: %s", point, after, error.message);
    cr_assert(strstr(error.message, strerror(errno_value)) != NULL, "%s", error.message);
    cr_assert(strstr(error.message, db_path) != NULL, "names the file: %s", error.message);
    /* Only the fsync of the directory after the manifest's rename comes after the commit
     * point: the ingest is then visible (the error says it may not survive a crash), and the
     * handle refuses further writes. Any earlier fault leaves everything as it was. */
    bool is_published = strstr(error.message, "visible but may not survive a crash") != NULL;
    uint64_t expected = is_published ? before + 70000 : before;
    cr_assert_eq(count_all(db), expected, "the handle sees %s rows", is_published ? "the new" : "the old");
    if (is_published) {
        published_count++;
        cr_assert_eq(point, FILE_FAULT_SYNC, "only a sync fails after the commit point");
        cr_assert_eq(pdb_db_ingest_csv(db, csv_b, NULL, NULL, &error), PDB_ERR_IO);
        cr_assert(strstr(error.message, "reopen the database before writing again") != NULL, "%s", error.message);
    }
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopened: %s", error.message);
    cr_assert_eq(count_all(db), expected, "reopened");
    if (is_published) {
        cr_assert_geq(file_count(), files_before, "the files of both generations are kept");
        pdb_db_close(db);
        fresh_database(); /* back to the state the next attempt starts from */
        return true;
    }
    cr_assert_eq(file_count(), files_before, "no file of the failed ingest is left");
    pdb_db_close(db);
    return true;
}

static void every_fault_point(enum file_fault_point point, int errno_value)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    fresh_database();
    uint32_t failures = 0;
    published_count = 0;
    for (uint32_t after = 0; ingest_with_fault(point, after, errno_value); after++) failures++;
    cr_assert_geq(failures, 3u, "an ingest writes and syncs several files");
    if (point == FILE_FAULT_SYNC) cr_assert_eq(published_count, 1u, "one sync comes after the commit point");
    else cr_assert_eq(published_count, 0u, "no write comes after the commit point");
    /* Nothing failed any more: the last attempt committed. */
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count_all(db), 140000u);
    cr_assert_eq(pdb_segment_count(db, "id = 'K139999'", &(uint64_t){0}, &error), PDB_OK);
    pdb_db_close(db);
}

Test(faults, enospc_on_any_write_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_WRITE, ENOSPC);
}

Test(faults, eio_on_any_write_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_WRITE, EIO);
}

Test(faults, eio_on_any_fsync_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_SYNC, EIO);
}

Test(faults, enospc_on_any_fsync_leaves_the_database_intact)
{
    every_fault_point(FILE_FAULT_SYNC, ENOSPC);
}

/* ---- Deletes -------------------------------------------------------------------------- */

/* A delete of 1/13 of the rows with a fault at the `after`-th call of `point`: false when it
 * succeeded (the point lies beyond it). */
static bool delete_with_fault(enum file_fault_point point, uint32_t after, int errno_value)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t before = count_all(db);
    file_fault_inject(point, after, errno_value);
    uint64_t deleted = 0;
    enum pdb_status status = pdb_segment_delete(db, "c = 'c3'", &deleted, &error);
    file_fault_inject(point, 0, 0);
    if (status == PDB_OK) {
        pdb_db_close(db);
        return false;
    }
    cr_assert_eq(status, PDB_ERR_IO, "%s", error.message);
    cr_assert(strstr(error.message, strerror(errno_value)) != NULL, "%s", error.message);
    bool is_published = strstr(error.message, "visible but may not survive a crash") != NULL;
    uint64_t expected = is_published ? before - 70000u / 13u - 1u : before;
    cr_assert_eq(count_all(db), expected);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopened: %s", error.message);
    cr_assert_eq(count_all(db), expected, "reopened");
    pdb_db_close(db);
    if (is_published) { /* undo for the next attempt: start again from a.csv */
        published_count++;
        fresh_database();
    }
    return true;
}

Test(faults, eio_or_enospc_at_any_point_of_a_delete_leaves_the_database_intact)
{
    fresh_database();
    const enum file_fault_point points[] = {FILE_FAULT_WRITE, FILE_FAULT_SYNC};
    const int errnos[] = {ENOSPC, EIO};
    for (int p = 0; p < 2; p++) {
        for (int e = 0; e < 2; e++) {
            published_count = 0;
            uint32_t failures = 0;
            for (uint32_t after = 0; delete_with_fault(points[p], after, errnos[e]); after++) failures++;
            cr_assert_geq(failures, 2u);
            cr_assert_eq(published_count, points[p] == FILE_FAULT_SYNC ? 1u : 0u);
            fresh_database(); /* the last attempt deleted: restore the rows for the next case */
        }
    }
}
