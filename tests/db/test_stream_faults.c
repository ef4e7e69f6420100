/*
 * Fault injection on streaming upserts (engine/db/db_stream.c): ENOSPC or EIO at the log's write
 * or fdatasync of a batch fails the call cleanly and the reopened database holds the batch
 * wholly or not at all (never part of it) and every earlier acknowledged batch; ENOSPC or EIO at
 * any write or fsync of a checkpoint fails it cleanly and loses nothing acknowledged: the
 * database, reopened (files plus the replayed log), is exactly every acknowledged batch.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"
#include "storage/file_io.h"
#include "support/test_files.h"

static char directory[256], db_path[300], schema_path[300];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "stream-faults");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    test_file_write(schema_path, "id text primary\nn int\nc category\n");
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(stream_faults, .init = setup, .fini = teardown);

/* Batch `index`: keys k<index*10000 .. +12000> (the first 2,000 exist from the batch before)
 * with n = index and a category value new to the batch. */
static char *batch_text(uint32_t index, size_t *size_out)
{
    char *text = malloc(12000u * 48u);
    size_t size = 0;
    for (uint32_t i = 0; i < 12000u; i++)
        size += (size_t)sprintf(text + size, "{\"id\":\"k%u\",\"n\":%u,\"c\":\"c%u\"}\n",
                                index * 10000u + i, index, index);
    *size_out = size;
    return text;
}

static void upsert_ok(struct pdb_db *db, uint32_t index)
{
    size_t size;
    char *text = batch_text(index, &size);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_upsert(db, text, size, NULL, &error), PDB_OK, "%s", error.message);
    free(text);
}

/* FNV-1a over every profile. */
static uint64_t digest(struct pdb_db *db)
{
    uint64_t hash = 1469598103934665603ull ^ pdb_db_row_count(db);
    struct pdb_error error = {0};
    for (uint32_t row = 0; row < pdb_db_row_count(db); row++) {
        struct pdb_profile *profile;
        cr_assert_eq(pdb_profile_get(db, row, &profile, &error), PDB_OK, "%s", error.message);
        char text[128];
        struct pdb_value id, n, c;
        pdb_profile_value(profile, 0, &id);
        pdb_profile_value(profile, 1, &n);
        pdb_profile_value(profile, 2, &c);
        int size = snprintf(text, sizeof text, "%.*s|%lld|%.*s", (int)id.string_size, id.string_data,
                            (long long)n.int_value, (int)c.string_size, c.string_data);
        for (int i = 0; i < size; i++) hash = (hash ^ (uint8_t)text[i]) * 1099511628211ull;
        pdb_profile_destroy(profile);
    }
    return hash;
}

static uint64_t digest_of_database(void)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopen: %s", error.message);
    uint64_t value = digest(db);
    pdb_db_close(db);
    return value;
}

/* A fresh database with batches 0..count-1 acknowledged (and checkpointed after the first
 * `checkpointed`); returns the streaming handle. */
static struct pdb_db *fresh(uint32_t count, uint32_t checkpointed)
{
    test_dir_remove(db_path);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    for (uint32_t b = 0; b < count; b++) {
        upsert_ok(db, b);
        if (b + 1 == checkpointed) cr_assert_eq(pdb_db_checkpoint(db, &error), PDB_OK, "%s", error.message);
    }
    return db;
}

Test(stream_faults, a_failed_log_write_or_sync_applies_a_batch_wholly_or_not_at_all)
{
    const enum file_fault_point points[] = {FILE_FAULT_WRITE, FILE_FAULT_SYNC};
    const int errnos[] = {ENOSPC, EIO};
    struct pdb_db *db = fresh(4, 2);
    pdb_db_close(db);
    uint64_t before = digest_of_database();
    db = fresh(5, 2);
    pdb_db_close(db);
    uint64_t after = digest_of_database();
    for (int p = 0; p < 2; p++) {
        for (int e = 0; e < 2; e++) {
            db = fresh(4, 2);
            size_t size;
            char *text = batch_text(4, &size);
            struct pdb_error error = {0};
            file_fault_inject(points[p], 0, errnos[e]);
            enum pdb_status status = pdb_db_upsert(db, text, size, NULL, &error);
            file_fault_inject(points[p], 0, 0);
            free(text);
            cr_assert_eq(status, PDB_ERR_IO, "%s", error.message);
            cr_assert(strstr(error.message, strerror(errnos[e])) != NULL, "%s", error.message);
            cr_assert(strstr(error.message, "wal.log") != NULL, "names the log: %s", error.message);
            cr_assert_eq(pdb_db_upsert(db, "{\"id\":\"z\"}\n", 11, NULL, &error), PDB_ERR_IO,
                         "the handle refuses further writes");
            uint64_t reopened = digest_of_database(); /* while the failed handle is still open */
            if (points[p] == FILE_FAULT_WRITE) cr_assert_eq(reopened, before, "nothing was written");
            else cr_assert(reopened == before || reopened == after, "a batch is never half-applied");
            pdb_db_close(db);
            uint64_t closed = digest_of_database();
            cr_assert_eq(closed, reopened);
        }
    }
}

Test(stream_faults, a_failed_checkpoint_loses_nothing_acknowledged)
{
    struct pdb_db *db = fresh(6, 2);
    pdb_db_close(db);
    uint64_t expected = digest_of_database();
    const enum file_fault_point points[] = {FILE_FAULT_WRITE, FILE_FAULT_SYNC};
    const int errnos[] = {ENOSPC, EIO};
    for (int p = 0; p < 2; p++) {
        uint32_t failures = 0;
        for (uint32_t after = 0;; after++) {
            db = fresh(6, 2);
            struct pdb_error error = {0};
            int errno_value = errnos[after % 2];
            file_fault_inject(points[p], after, errno_value);
            enum pdb_status status = pdb_db_checkpoint(db, &error);
            file_fault_inject(points[p], 0, 0);
            if (status == PDB_OK) {
                pdb_db_close(db);
                cr_assert_eq(digest_of_database(), expected);
                break;
            }
            failures++;
            cr_assert_eq(status, PDB_ERR_IO, "point %d after %u: %s", p, after, error.message);
            cr_assert(strstr(error.message, strerror(errno_value)) != NULL, "%s", error.message);
            cr_assert_eq(digest(db), expected, "the handle still sees every batch");
            cr_assert_eq(digest_of_database(), expected, "point %d after %u: reopened", p, after);
            pdb_db_close(db);
            cr_assert_eq(digest_of_database(), expected, "point %d after %u: after close", p, after);
        }
        cr_assert_geq(failures, 3u, "a checkpoint writes and syncs several files");
    }
}
