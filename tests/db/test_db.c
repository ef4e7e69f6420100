/*
 * Tests for engine/db through the public API: creating and opening databases, ingest as one
 * atomic step (failures and allocation failures leave the database as it was), appends that
 * cross the 65,536-row chunk boundary, reopening, the writer lock, corruption detection,
 * profiles by id and key, statistics, and removal of superseded files.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "profiledb/profiledb.h"
#include "support/test_files.h"
#include "support/io_uring_refusal.h"

static char directory[256];
static char db_path[300];
static char schema_path[300];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "db");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    test_file_write(schema_path, "id text identifier\nn int\nx float\nc category\nt tags\nb bool\nwhen timestamp\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(db, .init = make_workspace, .fini = remove_workspace);

/* Writes rows [first, first + count) of a deterministic table as CSV. */
static void write_rows(const char *path, uint64_t first, uint64_t count)
{
    FILE *file = fopen(path, "w");
    fputs("id,n,x,c,t,b,when\n", file);
    for (uint64_t i = first; i < first + count; i++) {
        fprintf(file, "K%llu,", (unsigned long long)i);
        if (i % 7 != 0) fprintf(file, "%llu", (unsigned long long)(i % 1000));
        fprintf(file, ",%.2f,c%llu,", (double)(i % 100) / 4.0, (unsigned long long)(i % 13));
        if (i % 5 == 0) fputs("\"\"", file);
        else fprintf(file, "t%llu|t%llu", (unsigned long long)(i % 3), (unsigned long long)(i % 4));
        fprintf(file, ",%s,%llu\n", i % 2 ? "true" : "false", (unsigned long long)(1700000000 + i));
    }
    fclose(file);
}

static struct pdb_db *create_and_open(void)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    return db;
}

static uint64_t count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

static void ingest(struct pdb_db *db, const char *csv, uint64_t expected_rows)
{
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_loaded, expected_rows);
}

Test(db, create_refuses_non_empty_directory_and_bad_schema)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK);
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_ERR_EXISTS);
    char other[320];
    snprintf(other, sizeof other, "%s/other", directory);
    cr_assert_eq(pdb_db_create(other, "/nonexistent.schema", &error), PDB_ERR_NOT_FOUND);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(other, &db, &error), PDB_ERR_NOT_FOUND);
    cr_assert_null(db);
}

Test(db, appends_across_the_chunk_boundary_and_survive_reopen)
{
    struct pdb_db *db = create_and_open();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 65000);
    ingest(db, csv, 65000);
    write_rows(csv, 65000, 1000); /* fills chunk 0 and starts chunk 1 */
    ingest(db, csv, 1000);
    write_rows(csv, 66000, 70000); /* completes chunk 1, starts chunk 2 */
    ingest(db, csv, 70000);
    cr_assert_eq(pdb_db_row_count(db), 136000);
    uint64_t expected_nulls = 0, expected_small = 0;
    for (uint64_t i = 0; i < 136000; i++) {
        expected_nulls += i % 7 == 0;
        expected_small += i % 7 != 0 && i % 1000 < 10;
    }
    cr_assert_eq(count(db, "n IS NULL"), expected_nulls);
    cr_assert_eq(count(db, "n < 10"), expected_small);
    const char *segments[] = {"c = 'c3'", "t HAS 't2'", "b", "x >= 12.5", "when > '2023-11-15'",
                              "id = 'K65536'", "NOT (t HAS ANY ('t0', 't1')) OR n IS NULL"};
    uint64_t before[7];
    for (int i = 0; i < 7; i++) before[i] = count(db, segments[i]);
    pdb_db_close(db);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    for (int i = 0; i < 7; i++) cr_assert_eq(count(db, segments[i]), before[i], "%s", segments[i]);
    uint32_t row = 0;
    cr_assert_eq(pdb_profile_find(db, "id", "K65536", &row, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(row, 65536);
    struct pdb_profile *profile = NULL;
    cr_assert_eq(pdb_profile_get(db, 135999, &profile, &error), PDB_OK);
    struct pdb_value value;
    pdb_profile_value(profile, 0, &value);
    cr_assert_eq(value.string_size, 7);
    cr_assert(memcmp(value.string_data, "K135999", 7) == 0);
    pdb_profile_value(profile, 6, &value);
    cr_assert_eq(value.int_value, 1700000000 + 135999);
    pdb_profile_destroy(profile);
    pdb_db_close(db);
}

Test(db, failed_ingest_changes_nothing)
{
    struct pdb_db *db = create_and_open();
    char csv[320], bad[320];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    snprintf(bad, sizeof bad, "%s/bad.csv", directory);
    write_rows(csv, 0, 100);
    ingest(db, csv, 100);
    test_file_write(bad, "id,nonsense\nK1,2\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_csv(db, bad, NULL, NULL, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "unknown column 'nonsense'") != NULL, "%s", error.message);
    cr_assert_eq(pdb_db_row_count(db), 100);
    cr_assert_eq(count(db, "true"), 100);
    pdb_db_close(db);
}

Test(db, allocation_failures_leave_the_database_intact, .timeout = 120)
{
    struct pdb_db *db = create_and_open();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 300);
    ingest(db, csv, 300);
    write_rows(csv, 300, 200);
    /* Fail the Nth allocation of an ingest for many N: each attempt must either succeed
     * completely or leave exactly the 300 committed rows. */
    bool succeeded = false;
    for (uint64_t n = 0; n < 400 && !succeeded; n += 3) {
        struct pdb_error error = {0};
        mem_fail_after(n);
        enum pdb_status status = pdb_db_ingest_csv(db, csv, NULL, NULL, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            succeeded = true;
            cr_assert_eq(pdb_db_row_count(db), 500);
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n, error.message);
            pdb_db_close(db);
            cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
            cr_assert_eq(pdb_db_row_count(db), 300);
            cr_assert_eq(count(db, "true"), 300);
        }
    }
    cr_assert(succeeded, "the ingest never succeeded");
    cr_assert_eq(count(db, "n IS NOT NULL"), 500 - (500 + 6) / 7);
    pdb_db_close(db);
}

Test(db, second_writer_is_refused_while_the_lock_is_held)
{
    struct pdb_db *db = create_and_open();
    char lock[320], csv[320];
    snprintf(lock, sizeof lock, "%s/LOCK", db_path);
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 10);
    int fd = open(lock, O_RDWR);
    cr_assert(fd >= 0);
    /* flock locks belong to the open file description: a second open conflicts. */
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, NULL, &error), PDB_ERR_LOCKED);
    close(fd);
    ingest(db, csv, 10);
    pdb_db_close(db);
}

Test(db, superseded_and_orphaned_files_are_removed)
{
    struct pdb_db *db = create_and_open();
    char csv[320], orphan[400];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 10);
    ingest(db, csv, 10);
    ingest(db, csv, 10); /* rewrites the partial chunk 0 under generation 2 */
    cr_assert_eq(test_dir_count(db_path, "chunk-"), 1);
    /* A crash mid-ingest leaves files of a generation no manifest names. */
    snprintf(orphan, sizeof orphan, "%s/chunk-00000005-g9.pdc", db_path);
    test_file_write(orphan, "partial");
    ingest(db, csv, 10);
    cr_assert_eq(access(orphan, F_OK), -1, "orphan survived");
    cr_assert_eq(test_dir_count(db_path, "chunk-"), 1);
    cr_assert_eq(count(db, "true"), 30);
    pdb_db_close(db);
}

Test(db, corrupted_dictionary_is_reported_not_used)
{
    struct pdb_db *db = create_and_open();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 50);
    ingest(db, csv, 50);
    pdb_db_close(db);
    char name[256], victim[600];
    test_dir_find(db_path, "dict-0003", name, sizeof name);
    snprintf(victim, sizeof victim, "%s/%s", db_path, name);
    int fd = open(victim, O_RDWR);
    cr_assert_eq(pwrite(fd, "Z", 1, 40), 1);
    close(fd);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK);
    uint64_t result;
    cr_assert_eq(pdb_segment_count(db, "n > 3", &result, &error), PDB_OK, "unrelated columns still work");
    cr_assert_eq(pdb_segment_count(db, "c = 'c1'", &result, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "dict-0003") != NULL, "%s", error.message);
    pdb_db_close(db);
}

Test(db, profiles_by_key_and_statistics)
{
    struct pdb_db *db = create_and_open();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    test_file_write(csv, "id,n,c,t\nO'Brien,5,x,a|b|a\nplain,,\"\",\n");
    ingest(db, csv, 2);
    struct pdb_error error = {0};
    uint32_t row = 99;
    cr_assert_eq(pdb_profile_find(db, "id", "O'Brien", &row, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(row, 0);
    cr_assert_eq(pdb_profile_find(db, "n", "5", &row, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_profile_find(db, "n", "five", &row, &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_profile_find(db, "idd", "x", &row, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "did you mean 'id'") != NULL, "%s", error.message);
    cr_assert_eq(pdb_profile_find(db, "id", "nobody", &row, &error), PDB_ERR_NOT_FOUND);
    struct pdb_profile *profile;
    cr_assert_eq(pdb_profile_get(db, 0, &profile, &error), PDB_OK);
    struct pdb_value value;
    pdb_profile_value(profile, 4, &value);
    cr_assert_eq(value.tag_count, 2, "tags are a set");
    pdb_profile_destroy(profile);
    cr_assert_eq(pdb_profile_get(db, 1, &profile, &error), PDB_OK);
    pdb_profile_value(profile, 1, &value);
    cr_assert(value.is_null);
    pdb_profile_value(profile, 3, &value);
    cr_assert(!value.is_null && value.string_size == 0, "quoted empty category is ''");
    pdb_profile_destroy(profile);
    cr_assert_eq(pdb_profile_get(db, 2, &profile, &error), PDB_ERR_NOT_FOUND);
    struct pdb_stats stats;
    cr_assert_eq(pdb_db_stats(db, &stats, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(stats.row_count, 2);
    cr_assert_eq(stats.chunk_count, 1);
    cr_assert_eq(stats.columns[1].null_count, 1);
    cr_assert_eq(stats.columns[3].distinct_count, 2);
    cr_assert_eq(stats.columns[4].distinct_count, 2);
    cr_assert_gt(stats.bytes_on_disk, 0);
    pdb_stats_deinit(&stats);
    pdb_db_close(db);
}

/* ---- How input files are read (io_uring, or read(2) when io_uring is refused) ---------- */

Test(db, ingest_reads_files_through_io_uring)
{
    struct pdb_db *db = create_and_open();
    char csv[400];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 70000);
    struct pdb_ingest_result result;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_str_eq(result.input_method, "io_uring");
    cr_assert_str_empty(result.input_warning);
    pdb_db_close(db);
}

/* In a child whose io_uring_setup is refused (as under a restrictive seccomp profile): the
 * ingest must still load every row, through read(2), and report why. */
static int child_ingests_without_io_uring(void)
{
    if (io_uring_refusal_install(EPERM) != 0) return 10;
    struct pdb_db *db = NULL;
    if (pdb_db_open(db_path, &db, NULL) != PDB_OK) return 11;
    char csv[400];
    snprintf(csv, sizeof csv, "%s/b.csv", directory);
    struct pdb_ingest_result result;
    if (pdb_db_ingest_csv(db, csv, NULL, &result, NULL) != PDB_OK) return 12;
    if (result.rows_loaded != 70000 || strcmp(result.input_method, "read") != 0) return 13;
    if (strcmp(result.input_warning, "io_uring unavailable: Operation not permitted") != 0) return 14;
    uint64_t total = 0;
    if (pdb_segment_count(db, "n >= 0 OR n IS NULL", &total, NULL) != PDB_OK || total != 140000) return 15;
    pdb_db_close(db);
    return 0;
}

Test(db, ingest_falls_back_to_read_when_io_uring_is_refused)
{
    struct pdb_db *db = create_and_open();
    char csv[400];
    snprintf(csv, sizeof csv, "%s/a.csv", directory);
    write_rows(csv, 0, 70000);
    ingest(db, csv, 70000);
    pdb_db_close(db);
    snprintf(csv, sizeof csv, "%s/b.csv", directory);
    write_rows(csv, 70000, 70000);
    pid_t child = fork();
    cr_assert(child >= 0);
    if (child == 0) _exit(child_ingests_without_io_uring());
    int status;
    cr_assert(waitpid(child, &status, 0) == child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count(db, "n >= 0 OR n IS NULL"), 140000);
    cr_assert_eq(count(db, "id = 'K139999'"), 1);
    pdb_db_close(db);
}
