/*
 * Retention by compaction through the public API (engine/db/db_compact.c): pdb_db_compact
 * removes the events older than now - retention from the event files (checked by decoding
 * the files, not through a segment), drops months whose every event expired and rewrites
 * the month holding the cut; counts of windows inside the retention are unchanged, before
 * and after reopening; a second compaction writes nothing. Every write, sync and
 * allocation failure during a compaction leaves the database as it was (or, after the
 * commit point, as compacted), and the next compaction succeeds.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "profiledb/profiledb.h"
#include "storage/file_io.h"
#include "storage/manifest.h"
#include "support/test_files.h"

#define NOW ((int64_t)1750000000) /* 2025-06-15 */
#define DAY ((int64_t)86400)
#define PROFILES 400
#define EVENTS 6000
#define LATER (NOW + 200 * DAY)   /* when compaction runs: the cut is LATER - 365d */

static char directory[256], db_path[300], schema_path[300], input_path[300];
static int64_t times[EVENTS];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "compact");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(input_path, sizeof input_path, "%s/events.csv", directory);
    test_file_write(schema_path, "id text identifier primary\nevent purchase retention 365d\n    amount float\n"
          "    channel category\nevent login\n");
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(compact, .init = setup, .fini = teardown);

/* A database of PROFILES profiles and EVENTS purchases within 365 days of NOW (ingested at
 * NOW, so all kept), plus logins (no retention). */
static void fresh_database(void)
{
    test_dir_remove(db_path);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    char path[320];
    snprintf(path, sizeof path, "%s/profiles.csv", directory);
    FILE *file = fopen(path, "w");
    fputs("id\n", file);
    for (uint32_t p = 0; p < PROFILES; p++) fprintf(file, "k%u\n", p);
    fclose(file);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    file = fopen(input_path, "w");
    fputs("id,at,amount,channel\n", file);
    uint64_t state = 7;
    for (uint32_t i = 0; i < EVENTS; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        times[i] = NOW - (int64_t)((state >> 20) % (365 * DAY));
        if (i % 50 == 0) times[i] = LATER - 365 * DAY + (int64_t)(i % 3) - 1; /* at the cut */
        fprintf(file, "k%u,%lld,%u.5,%s\n", (uint32_t)(state >> 40) % PROFILES, (long long)times[i], i % 90,
                i % 3 ? "web" : "app");
    }
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    file = fopen(input_path, "w");
    fprintf(file, "id,at\nk1,%lld\nk2,%lld\n", (long long)(NOW - 3000 * DAY), (long long)(NOW - DAY));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "login", input_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    pdb_db_close(db);
}

/* Events in the files of type `type` (decoded), and how many files. */
static uint64_t events_in_files(uint32_t type, uint32_t *files_out)
{
    struct manifest manifest;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_load(db_path, &manifest, &error), PDB_OK, "%s", error.message);
    struct schema schema;
    char text[512];
    FILE *file = fopen(schema_path, "r");
    size_t size = fread(text, 1, sizeof text, file);
    fclose(file);
    cr_assert_eq(schema_parse(text, size, "s", &schema, &error), PDB_OK, "%s", error.message);
    uint64_t total = 0;
    uint32_t files = 0;
    for (uint32_t i = 0; i < manifest.event_file_count; i++) {
        const struct manifest_event_file *entry = &manifest.event_files[i];
        if (entry->type_index != type) continue;
        char path[400];
        snprintf(path, sizeof path, "%s/%s", db_path, entry->file.name);
        uint8_t *data;
        size_t data_size;
        cr_assert_eq(file_read_all(path, 1u << 30, &data, &data_size, &error), PDB_OK, "%s", error.message);
        struct event_type_store decoded;
        cr_assert_eq(event_file_decode(path, data, data_size, &schema.events.types[type], &decoded, NULL, NULL,
                                       &error), PDB_OK, "%s", error.message);
        total += decoded.event_count;
        files++;
        event_type_store_deinit(&decoded);
        mem_free(data);
    }
    schema_deinit(&schema);
    manifest_deinit(&manifest);
    *files_out = files;
    return total;
}

static uint64_t manifest_generation(void)
{
    struct manifest manifest;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_load(db_path, &manifest, &error), PDB_OK, "%s", error.message);
    uint64_t generation = manifest.generation;
    manifest_deinit(&manifest);
    return generation;
}

static uint64_t kept_naive(void)
{
    uint64_t kept = 0;
    for (uint32_t i = 0; i < EVENTS; i++) kept += times[i] >= LATER - 365 * DAY;
    return kept;
}

static const char *const windows[] = {"count(purchase, 30d) >= 1", "count(purchase, 165d) >= 2",
                                      "count(purchase, 365d) >= 3", "sum(purchase.amount, 300d) > 100",
                                      "exists(purchase)", "exists(login)", "first(purchase) < now() - 150d"};
#define WINDOW_COUNT (sizeof windows / sizeof windows[0])

static void counts_at_later(struct pdb_db *db, uint64_t *out)
{
    struct pdb_error error = {0};
    pdb_db_set_now(db, LATER);
    for (size_t w = 0; w < WINDOW_COUNT; w++)
        cr_assert_eq(pdb_segment_count(db, windows[w], &out[w], &error), PDB_OK, "%s", error.message);
}

Test(compact, removes_expired_events_from_the_files_and_keeps_every_count)
{
    fresh_database();
    uint32_t files_before, files_after, login_files;
    cr_assert_eq(events_in_files(0, &files_before), EVENTS);
    struct pdb_db *db;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t before[WINDOW_COUNT], after[WINDOW_COUNT];
    counts_at_later(db, before);
    struct pdb_compact_result result;
    cr_assert_eq(pdb_db_compact(db, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.events_removed, EVENTS - kept_naive());
    cr_assert_gt(result.events_removed, 0);
    cr_assert_eq(result.types_compacted, 1);
    cr_assert_eq(result.partitions_rewritten, 1, "only the month of the cut is rewritten");
    cr_assert_geq(result.partitions_dropped, 5);
    cr_assert_eq(events_in_files(0, &files_after), kept_naive(), "gone from the files, not hidden");
    cr_assert_eq(files_after, files_before - result.partitions_dropped);
    cr_assert_eq(events_in_files(1, &login_files), 2, "a type without retention keeps everything");
    counts_at_later(db, after);
    for (size_t w = 0; w < WINDOW_COUNT; w++) cr_assert_eq(after[w], before[w], "%s", windows[w]);
    /* Nothing left to expire: nothing is written. */
    uint64_t generation = manifest_generation();
    cr_assert_eq(pdb_db_compact(db, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.events_removed, 0);
    cr_assert_eq(manifest_generation(), generation);
    pdb_db_close(db);
    /* The dropped months' files are deleted. */
    DIR *dir = opendir(db_path);
    uint32_t on_disk = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) on_disk += strncmp(entry->d_name, "events-00-", 10) == 0;
    closedir(dir);
    cr_assert_eq(on_disk, files_after);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    counts_at_later(db, after);
    for (size_t w = 0; w < WINDOW_COUNT; w++) cr_assert_eq(after[w], before[w], "reopened: %s", windows[w]);
    pdb_db_close(db);
}

/* One compaction with a fault at the `after`-th write or sync (point < FILE_FAULT_POINT_COUNT)
 * or allocation; false when the compaction succeeded (the fault lay beyond it). */
static bool compact_with_fault(int point, uint32_t after, const uint64_t *expected_counts)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, LATER);
    uint64_t counts[WINDOW_COUNT];
    counts_at_later(db, counts); /* loads the store before the fault */
    if (point < FILE_FAULT_POINT_COUNT) file_fault_inject((enum file_fault_point)point, after, EIO);
    else mem_fail_after(after);
    struct pdb_compact_result result;
    enum pdb_status status = pdb_db_compact(db, &result, &error);
    file_fault_inject(FILE_FAULT_WRITE, 0, 0);
    file_fault_inject(FILE_FAULT_SYNC, 0, 0);
    mem_fail_after(UINT64_MAX);
    uint32_t files;
    if (status == PDB_OK) {
        cr_assert_eq(events_in_files(0, &files), kept_naive());
        pdb_db_close(db);
        return false;
    }
    cr_assert(status == PDB_ERR_IO || status == PDB_ERR_NO_MEMORY, "%d: %s", status, error.message);
    bool is_published = strstr(error.message, "visible but may not survive a crash") != NULL;
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "reopened: %s", error.message);
    counts_at_later(db, counts);
    for (size_t w = 0; w < WINDOW_COUNT; w++) cr_assert_eq(counts[w], expected_counts[w], "%s", windows[w]);
    pdb_db_close(db);
    cr_assert_eq(events_in_files(0, &files), is_published ? kept_naive() : EVENTS);
    if (is_published) fresh_database();
    return true;
}

Test(compact, a_failure_at_any_point_leaves_the_database_consistent)
{
    fresh_database();
    struct pdb_error error = {0};
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t expected[WINDOW_COUNT];
    counts_at_later(db, expected);
    pdb_db_close(db);
    for (int point = 0; point <= FILE_FAULT_POINT_COUNT; point++) {
        uint32_t failures = 0;
        for (uint32_t after = 0; compact_with_fault(point, after, expected); after++) failures++;
        cr_assert_geq(failures, 1u, "point %d", point);
        fresh_database();
    }
}
