/*
 * Fault injection on an event ingest that creates profiles (db_events.c with
 * db_event_profiles.c): the new profiles and the events are one transaction. A write or an
 * fsync failing (ENOSPC, EIO) at any point, or any of a spread of allocations failing, leaves
 * the database exactly as it was (the same MANIFEST, profiles, events and files, before and
 * after reopening), except the one fsync after the commit point, which leaves both the
 * profiles and the events visible; and once nothing fails the ingest commits both.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "profiledb/profiledb.h"
#include "storage/file_io.h"
#include "support/test_files.h"

#define PROFILES 70000u /* a full chunk and a partial one */
#define NEW_KEYS 3000u

static char directory[256], db_path[300], schema_path[300], profiles_path[300], events_path[300];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "event-faults");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(profiles_path, sizeof profiles_path, "%s/p.csv", directory);
    snprintf(events_path, sizeof events_path, "%s/e.ndjson", directory);
    test_file_write(schema_path, "id text identifier primary\nc category required\nevent purchase\n    amount float\n"
          "    channel category\nevent login\n");
    FILE *file = fopen(profiles_path, "w");
    fputs("id,c\n", file);
    for (uint32_t i = 0; i < PROFILES; i++) fprintf(file, "K%u,c%u\n", i, i % 7);
    fclose(file);
    file = fopen(events_path, "w"); /* known keys in both chunks, and new keys twice each */
    for (uint32_t i = 0; i < PROFILES; i += 97)
        fprintf(file, "{\"id\": \"K%u\", \"at\": %u, \"amount\": 1, \"channel\": \"web\"}\n", i, 1749000000u + i);
    for (uint32_t i = 0; i < 2 * NEW_KEYS; i++)
        fprintf(file, "{\"id\": \"N%u\", \"at\": %u, \"amount\": 2}\n", i % NEW_KEYS, 1749000000u + i);
    fclose(file);
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(events_ingest_faults, .init = setup, .fini = teardown);

static uint64_t count_of(struct pdb_db *db, const char *segment)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, segment, &count, &error), PDB_OK, "%s: %s", segment, error.message);
    return count;
}

static char *read_manifest(void)
{
    char path[320];
    snprintf(path, sizeof path, "%s/MANIFEST", db_path);
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file);
    static char text[1 << 16];
    size_t size = fread(text, 1, sizeof text - 1, file);
    text[size] = '\0';
    fclose(file);
    return strdup(text);
}

static uint32_t data_file_count(void)
{
    DIR *dir = opendir(db_path);
    cr_assert_not_null(dir);
    uint32_t count = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;)
        if (strncmp(entry->d_name, "chunk-", 6) == 0 || strncmp(entry->d_name, "dict-", 5) == 0 ||
            strncmp(entry->d_name, "events-", 7) == 0)
            count++;
    closedir(dir);
    return count;
}

/* The database with the profiles and one login event (so another type's events exist). */
static void fresh_database(void)
{
    test_dir_remove(db_path);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_db_ingest_csv(db, profiles_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    char path[320];
    snprintf(path, sizeof path, "%s/login.csv", directory);
    test_file_write(path, "id,at\nK5,1749000000\n");
    cr_assert_eq(pdb_db_ingest_events(db, "login", path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    pdb_db_close(db);
}

/* The state before: PROFILES profiles, no purchase; after: both the profiles and the events. */
static void check_state(struct pdb_db *db, bool is_committed, const char *when)
{
    uint64_t rows = is_committed ? PROFILES + NEW_KEYS : PROFILES;
    cr_assert_eq(pdb_db_row_count(db), rows, "%s", when);
    cr_assert_eq(count_of(db, "true"), rows, "%s", when);
    cr_assert_eq(count_of(db, "exists(login)"), 1, "%s", when);
    cr_assert_eq(count_of(db, "count(purchase) = 2 AND c IS NULL"), is_committed ? NEW_KEYS : 0, "%s", when);
    cr_assert_eq(count_of(db, "sum(purchase.amount) = 1"), is_committed ? (PROFILES + 96) / 97 : 0, "%s", when);
}

enum fault_kind { FAULT_WRITE, FAULT_SYNC, FAULT_ALLOCATION };

/* The event ingest with fault number `after` of `kind`; false when nothing failed. */
static bool ingest_with_fault(enum fault_kind kind, uint64_t after, int errno_value,
                              uint32_t *published_count)
{
    struct pdb_error error = {0};
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, 1750000000);
    check_state(db, false, "before");
    char *manifest_before = read_manifest();
    uint32_t files_before = data_file_count();
    if (kind == FAULT_ALLOCATION) mem_fail_after(after);
    else file_fault_inject(kind == FAULT_WRITE ? FILE_FAULT_WRITE : FILE_FAULT_SYNC, (uint32_t)after, errno_value);
    struct pdb_ingest_result result;
    enum pdb_status status = pdb_db_ingest_events(db, "purchase", events_path, NULL, &result, &error);
    if (kind == FAULT_ALLOCATION) mem_fail_after(UINT64_MAX);
    else file_fault_inject(kind == FAULT_WRITE ? FILE_FAULT_WRITE : FILE_FAULT_SYNC, 0, 0);
    if (status == PDB_OK) {
        cr_assert_eq(result.profiles_created, NEW_KEYS);
        cr_assert_eq(result.rows_loaded, (PROFILES + 96) / 97 + 2 * NEW_KEYS);
        check_state(db, true, "committed");
        pdb_db_close(db);
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
        pdb_db_set_now(db, 1750000000);
        check_state(db, true, "committed, reopened");
        pdb_db_close(db);
        free(manifest_before);
        return false;
    }
    if (kind == FAULT_ALLOCATION) {
        cr_assert_eq(status, PDB_ERR_NO_MEMORY, "allocation %llu: %s", (unsigned long long)after, error.message);
    } else {
        cr_assert_eq(status, PDB_ERR_IO, "fault %llu: %s", (unsigned long long)after, error.message);
        cr_assert(strstr(error.message, strerror(errno_value)) != NULL, "%s", error.message);
    }
    bool is_published = strstr(error.message, "visible but may not survive a crash") != NULL;
    if (is_published) {
        (*published_count)++;
        cr_assert_eq(kind, FAULT_SYNC, "only a sync fails after the commit point");
    }
    check_state(db, is_published, "after the failure");
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopened: %s", error.message);
    pdb_db_set_now(db, 1750000000);
    check_state(db, is_published, "after the failure, reopened");
    pdb_db_close(db);
    if (is_published) {
        fresh_database();
    } else {
        char *manifest_after = read_manifest();
        cr_assert_str_eq(manifest_after, manifest_before, "the manifest is unchanged");
        cr_assert_eq(data_file_count(), files_before, "no file of the failed ingest is left");
        free(manifest_after);
    }
    free(manifest_before);
    return true;
}

Test(events_ingest_faults, write_or_fsync_failures_at_any_point_commit_nothing_or_everything)
{
    const enum fault_kind kinds[] = {FAULT_WRITE, FAULT_SYNC};
    const int errnos[] = {ENOSPC, EIO};
    for (int k = 0; k < 2; k++) {
        fresh_database();
        uint32_t failures = 0, published = 0;
        for (uint64_t after = 0; ingest_with_fault(kinds[k], after, errnos[k], &published); after++) failures++;
        cr_assert_geq(failures, 3u, "the ingest writes and syncs the chunk, event and manifest files (%u failures, kind %d)", failures, k);
        cr_assert_eq(published, kinds[k] == FAULT_SYNC ? 1u : 0u);
    }
}

Test(events_ingest_faults, allocation_failures_commit_nothing)
{
    fresh_database();
    /* How many allocations a whole ingest makes, then a spread of failure points over them. */
    struct pdb_error error = {0};
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t before = mem_allocation_count();
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", events_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    uint64_t total = mem_allocation_count() - before;
    pdb_db_close(db);
    fresh_database();
    uint64_t step = total / 120u + 1u;
    uint32_t failures = 0, published = 0;
    bool is_committed = false;
    for (uint64_t after = 0; after < total + step && !is_committed; after += after < 40 ? 1 : step) {
        is_committed = !ingest_with_fault(FAULT_ALLOCATION, after, 0, &published);
        failures += !is_committed;
    }
    cr_assert(is_committed, "the ingest never succeeded");
    cr_assert_eq(published, 0u);
    cr_assert_geq(failures, 40u, "of %llu allocations", (unsigned long long)total);
}
