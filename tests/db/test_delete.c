/*
 * pdb_segment_delete through the public API: deleted profiles leave every count, id list,
 * get and find; the tombstones survive reopening and later ingests, are checked against
 * the manifest (a flipped byte or a missing file is corruption), take the writer lock, and
 * superseded tombstone files are removed, and a failed allocation anywhere in a delete leaves
 * the database as it was. Every expected count is a naive recount of the
 * generated rows below, with the deleted rows taken out here.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/alloc.h"
#include "profiledb/profiledb.h"
#include "support/test_files.h"

#define FIRST_ROWS 100000u /* two chunks */

static char workspace[256];
static char db_path[300];
static char schema_path[300];

static void make_workspace(void)
{
    test_dir_make(workspace, sizeof workspace, "delete");
    snprintf(db_path, sizeof db_path, "%s/db", workspace);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", workspace);
    test_file_write(schema_path, "id text identifier\nn int\nc category indexed\nt tags indexed\n");
}

static void remove_workspace(void)
{
    test_dir_remove(workspace);
}

TestSuite(delete, .init = make_workspace, .fini = remove_workspace);

/* Row i: id K<i>; n = i % 1000, NULL when i % 7 == 0; c = c<i % 13>;
 * t = {t<i % 3>, t<i % 4>}, the empty set when i % 5 == 0. */
static void write_rows(const char *path, uint64_t first, uint64_t count)
{
    FILE *file = fopen(path, "w");
    fputs("id,n,c,t\n", file);
    for (uint64_t i = first; i < first + count; i++) {
        fprintf(file, "K%llu,", (unsigned long long)i);
        if (i % 7 != 0) fprintf(file, "%llu", (unsigned long long)(i % 1000));
        fprintf(file, ",c%llu,", (unsigned long long)(i % 13));
        if (i % 5 == 0) fputs("\"\"", file);
        else fprintf(file, "t%llu|t%llu", (unsigned long long)(i % 3), (unsigned long long)(i % 4));
        fputc('\n', file);
    }
    fclose(file);
}

static bool row_c3(uint64_t i) { return i % 13 == 3; }
static bool row_has_t1(uint64_t i) { return i % 5 != 0 && (i % 3 == 1 || i % 4 == 1); }
static bool row_n_known(uint64_t i) { return i % 7 != 0; }

/* Rows < rows for which `selected` holds and that are not deleted (c3, and t1 if asked). */
static uint64_t naive(uint64_t rows, bool (*selected)(uint64_t), bool t1_deleted)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < rows; i++) {
        bool deleted = i < FIRST_ROWS && (row_c3(i) || (t1_deleted && row_has_t1(i)));
        total += !deleted && (selected == NULL || selected(i));
    }
    return total;
}

static struct pdb_db *open_db(void)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    return db;
}

static struct pdb_db *create_with_rows(void)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = open_db();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/a.csv", workspace);
    write_rows(csv, 0, FIRST_ROWS);
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, NULL, &error), PDB_OK, "%s", error.message);
    return db;
}

static uint64_t count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment,
                 error.message);
    return result;
}

static uint64_t delete_segment(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t deleted = UINT64_MAX;
    cr_assert_eq(pdb_segment_delete(db, segment, &deleted, &error), PDB_OK, "%s: %s", segment,
                 error.message);
    return deleted;
}

struct id_check {
    uint64_t seen;
    bool saw_deleted;
};

static bool check_id(void *context, uint32_t row_id)
{
    struct id_check *check = context;
    check->seen++;
    if (row_c3(row_id)) check->saw_deleted = true;
    return true;
}

static uint64_t deleted_in_stats(struct pdb_db *db, uint64_t *generation_out)
{
    struct pdb_stats stats;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_stats(db, &stats, &error), PDB_OK, "%s", error.message);
    uint64_t deleted = stats.deleted_count;
    if (generation_out != NULL) *generation_out = stats.generation;
    pdb_stats_deinit(&stats);
    return deleted;
}

Test(delete, deleted_profiles_leave_every_result)
{
    struct pdb_db *db = create_with_rows();
    uint64_t all = FIRST_ROWS;
    cr_assert_eq(delete_segment(db, "c = 'c3'"), all - naive(all, NULL, false));
    cr_assert_eq(count(db, "c = 'c3'"), 0);
    cr_assert_eq(count(db, "true"), naive(all, NULL, false));
    cr_assert_eq(count(db, "n IS NOT NULL"), naive(all, row_n_known, false));
    cr_assert_eq(count(db, "t HAS 't1'"), naive(all, row_has_t1, false));
    cr_assert_eq(count(db, "NOT (c = 'c3')"), naive(all, NULL, false));

    struct id_check check = {0};
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_ids(db, "n >= 0 OR n IS NULL", 0, check_id, &check, &error), PDB_OK);
    cr_assert_eq(check.seen, naive(all, NULL, false));
    cr_assert(!check.saw_deleted);

    struct pdb_profile *profile = NULL;
    cr_assert_eq(pdb_profile_get(db, 3, &profile, &error), PDB_ERR_NOT_FOUND); /* row 3: c3 */
    cr_assert_null(profile);
    cr_assert_eq(pdb_profile_get(db, 4, &profile, &error), PDB_OK, "%s", error.message);
    pdb_profile_destroy(profile);
    uint32_t row = 0;
    cr_assert_eq(pdb_profile_find(db, "id", "K3", &row, &error), PDB_ERR_NOT_FOUND);
    cr_assert_eq(pdb_profile_find(db, "id", "K4", &row, &error), PDB_OK);
    cr_assert_eq(row, 4);
    cr_assert_eq(pdb_db_row_count(db), all, "ids are kept: the row count does not shrink");

    uint64_t generation = 0, again = 0;
    cr_assert_eq(deleted_in_stats(db, &generation), all - naive(all, NULL, false));
    cr_assert_eq(delete_segment(db, "c = 'c3'"), 0, "nothing new to delete");
    cr_assert_eq(deleted_in_stats(db, &again), all - naive(all, NULL, false));
    cr_assert_eq(again, generation, "deleting nothing new writes no generation");

    /* A second delete overlapping the first adds only the rows not yet deleted. */
    cr_assert_eq(delete_segment(db, "t HAS 't1'"), naive(all, NULL, false) - naive(all, NULL, true));
    cr_assert_eq(count(db, "true"), naive(all, NULL, true));
    cr_assert_eq(count(db, "t HAS 't1'"), 0);
    cr_assert_eq(count(db, "n IS NOT NULL"), naive(all, row_n_known, true));
    cr_assert_eq(test_dir_count(db_path, "deleted-"), 1, "the superseded tombstone file was removed");
    pdb_db_close(db);
}

Test(delete, deletions_survive_reopen_and_later_ingests)
{
    struct pdb_db *db = create_with_rows();
    uint64_t deleted = delete_segment(db, "c = 'c3'");
    pdb_db_close(db);

    db = open_db();
    cr_assert_eq(count(db, "true"), FIRST_ROWS - deleted);
    cr_assert_eq(deleted_in_stats(db, NULL), deleted);
    char csv[320];
    snprintf(csv, sizeof csv, "%s/b.csv", workspace);
    write_rows(csv, FIRST_ROWS, 1000); /* appended rows are not deleted, even with c3 */
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, NULL, &error), PDB_OK, "%s", error.message);
    uint64_t rows = FIRST_ROWS + 1000;
    cr_assert_eq(count(db, "true"), naive(rows, NULL, false));
    cr_assert_eq(count(db, "c = 'c3'"), naive(rows, row_c3, false));
    pdb_db_close(db);

    db = open_db();
    cr_assert_eq(count(db, "c = 'c3'"), naive(rows, row_c3, false));
    cr_assert_eq(count(db, "n IS NOT NULL"), naive(rows, row_n_known, false));
    pdb_db_close(db);
}

static void tombstone_path(char *out, size_t size)
{
    char name[256];
    test_dir_find(db_path, "deleted-", name, sizeof name);
    snprintf(out, size, "%s/%s", db_path, name);
}

Test(delete, corrupted_or_missing_tombstones_are_reported)
{
    struct pdb_db *db = create_with_rows();
    delete_segment(db, "c = 'c3'");
    pdb_db_close(db);
    char path[600];
    tombstone_path(path, sizeof path);

    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    unsigned char byte;
    cr_assert_eq(pread(fd, &byte, 1, 40), 1);
    byte ^= 0x10;
    cr_assert_eq(pwrite(fd, &byte, 1, 40), 1);
    struct pdb_error error = {0};
    struct pdb_db *broken = NULL;
    cr_assert_eq(pdb_db_open(db_path, &broken, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "deleted-") != NULL, "%s", error.message);
    cr_assert_null(broken);
    byte ^= 0x10;
    cr_assert_eq(pwrite(fd, &byte, 1, 40), 1);
    close(fd);
    db = open_db(); /* repaired */
    pdb_db_close(db);

    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(pdb_db_open(db_path, &broken, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "missing") != NULL, "%s", error.message);
}

Test(delete, takes_the_writer_lock_and_rejects_bad_segments)
{
    struct pdb_db *db = create_with_rows();
    char lock[320];
    snprintf(lock, sizeof lock, "%s/LOCK", db_path);
    int fd = open(lock, O_RDWR);
    cr_assert(fd >= 0);
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    struct pdb_error error = {0};
    uint64_t deleted = 7;
    cr_assert_eq(pdb_segment_delete(db, "true", &deleted, &error), PDB_ERR_LOCKED);
    cr_assert_eq(deleted, 7, "untouched on failure");
    close(fd);
    cr_assert_eq(pdb_segment_delete(db, "c = ", &deleted, &error), PDB_ERR_SEGMENT);
    cr_assert_eq(pdb_segment_delete(db, "nope = 1", &deleted, &error), PDB_ERR_SEGMENT);
    cr_assert_eq(deleted, 7);
    cr_assert_eq(test_dir_count(db_path, "deleted-"), 0);
    cr_assert_eq(count(db, "true"), FIRST_ROWS);
    pdb_db_close(db);
}

Test(delete, explain_reports_the_plan_and_the_deleted_rows)
{
    struct pdb_db *db = create_with_rows();
    uint64_t deleted = delete_segment(db, "c = 'c3'");
    struct pdb_error error = {0};
    char *text = NULL;
    cr_assert_eq(pdb_segment_explain(db, "c IN ('c1', 'c3') AND n > 10", PDB_EXPLAIN_TEXT, &text,
                                     &error),
                 PDB_OK, "%s", error.message);
    char expected[128];
    snprintf(expected, sizeof expected, "(%llu deleted rows excluded)",
             (unsigned long long)deleted);
    cr_assert(strstr(text, expected) != NULL, "%s", text);
    cr_assert(strstr(text, "[index,") != NULL, "%s", text);
    cr_assert(strstr(text, "[zone-pruned scan,") != NULL, "%s", text);
    pdb_text_destroy(text);
    cr_assert_eq(pdb_segment_explain(db, "t HAS 't1'", PDB_EXPLAIN_JSON, &text, &error), PDB_OK);
    snprintf(expected, sizeof expected, "\"count\":%llu,", (unsigned long long)count(db, "t HAS 't1'"));
    cr_assert(strstr(text, expected) != NULL, "%s", text);
    pdb_text_destroy(text);
    cr_assert_eq(pdb_segment_explain(db, "c =", PDB_EXPLAIN_TEXT, &text, &error), PDB_ERR_SEGMENT);
    pdb_db_close(db);
}

Test(delete, allocation_failures_leave_the_database_intact, .timeout = 120)
{
    struct pdb_db *db = create_with_rows();
    uint64_t first = delete_segment(db, "c = 'c3'");
    uint64_t expected_new = naive(FIRST_ROWS, NULL, false) - naive(FIRST_ROWS, NULL, true);
    /* Fail the Nth allocation of a delete for many N (with a fresh handle each time, so the
     * column loads and the index build are inside the delete): each attempt either deletes
     * completely or leaves exactly the first delete. */
    bool succeeded = false;
    for (uint64_t n = 0; n < 4000 && !succeeded; n += n < 200 ? 7 : 97) {
        pdb_db_close(db);
        db = open_db();
        struct pdb_error error = {0};
        uint64_t deleted = 0;
        mem_fail_after(n);
        enum pdb_status status = pdb_segment_delete(db, "t HAS 't1'", &deleted, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            succeeded = true;
            cr_assert_eq(deleted, expected_new);
            cr_assert(n > 0, "a delete allocates");
            cr_log_info("the delete succeeded with its allocation %llu failing",
                        (unsigned long long)n);
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n,
                         error.message);
            pdb_db_close(db);
            db = open_db();
            cr_assert_eq(deleted_in_stats(db, NULL), first);
            cr_assert_eq(count(db, "true"), FIRST_ROWS - first);
        }
    }
    cr_assert(succeeded, "the delete never succeeded");
    pdb_db_close(db);
    db = open_db();
    cr_assert_eq(count(db, "true"), naive(FIRST_ROWS, NULL, true));
    cr_assert_eq(test_dir_count(db_path, "deleted-"), 1);
    pdb_db_close(db);
}
