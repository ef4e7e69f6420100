/*
 * Tests for the thread count of a database handle, through the public API: the default
 * (processors, or PROFILEDB_THREADS) and its bounds; counts, id lists, statistics and
 * profiles identical for 1, 2, 3, 4 and 7 threads on a five-chunk database, each loaded by a
 * fresh handle so that column loading runs in parallel too; a corrupted block reported once,
 * naming its file, the same way for every thread count; allocation failures during a
 * parallel load reported and leaking nothing; the load/evaluate split of pdb_db_query_timing.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "profiledb/profiledb.h"
#include "support/test_files.h"

static char directory[256];
static char db_path[300];
static char schema_path[300];
static char csv_path[300];

#define FIVE_CHUNK_ROWS (4u * 65536u + 1000u)
#define THREAD_CASES 5
static const uint32_t thread_counts[THREAD_CASES] = {1, 2, 3, 4, 7};

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "threads");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(csv_path, sizeof csv_path, "%s/rows.csv", directory);
    test_file_write(schema_path, "id text identifier\nn int\nx float\nc category\nt tags\nb bool\nwhen timestamp\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(db_threads, .init = make_workspace, .fini = remove_workspace);

/* A database of FIVE_CHUNK_ROWS deterministic rows (NULLs, empty tag sets, many values). */
static void build_database(void)
{
    FILE *file = fopen(csv_path, "w");
    cr_assert_not_null(file);
    fputs("id,n,x,c,t,b,when\n", file);
    for (uint64_t i = 0; i < FIVE_CHUNK_ROWS; i++) {
        fprintf(file, "K%llu,", (unsigned long long)i);
        if (i % 7 != 0) fprintf(file, "%llu", (unsigned long long)((i * 2654435761u) % 1000));
        fprintf(file, ",%.2f,c%llu,", (double)(i % 100) / 4.0, (unsigned long long)(i % 13));
        if (i % 5 == 0)
            fputs("\"\"", file);
        else
            fprintf(file, "t%llu|t%llu", (unsigned long long)(i % 3), (unsigned long long)(i % 4));
        fprintf(file, ",%s,%llu\n", i % 3 ? "true" : "false", (unsigned long long)(1700000000 + i));
    }
    fclose(file);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(result.rows_loaded, FIVE_CHUNK_ROWS);
    pdb_db_close(db);
}

static struct pdb_db *open_with_threads(uint32_t threads)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_threads(db, threads);
    cr_assert_eq(pdb_db_thread_count(db), threads);
    return db;
}

Test(db_threads, default_is_the_processor_count_within_bounds)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    uint32_t processors = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    unsetenv("PROFILEDB_THREADS");
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_db_thread_count(db), processors);
    pdb_db_set_threads(db, 3);
    cr_assert_eq(pdb_db_thread_count(db), 3);
    pdb_db_set_threads(db, 0);
    cr_assert_eq(pdb_db_thread_count(db), processors);
    pdb_db_set_threads(db, 100000);
    cr_assert_eq(pdb_db_thread_count(db), 256);
    uint64_t count = 99;
    cr_assert_eq(pdb_segment_count(db, "n > 1", &count, &error), PDB_OK, "empty database");
    cr_assert_eq(count, 0);
    pdb_db_close(db);
    const char *values[] = {"3", "0", "junk", "", "999"};
    uint32_t expected[] = {3, processors, processors, processors, 256};
    for (int i = 0; i < 5; i++) {
        setenv("PROFILEDB_THREADS", values[i], 1);
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(pdb_db_thread_count(db), expected[i], "PROFILEDB_THREADS='%s'", values[i]);
        pdb_db_close(db);
    }
    unsetenv("PROFILEDB_THREADS");
}

struct id_list {
    uint32_t ids[4096];
    uint64_t count;
    uint64_t stop_after;
};

static bool take_id(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    if (list->count < 4096) list->ids[list->count] = row_id;
    list->count++;
    return list->stop_after == 0 || list->count < list->stop_after;
}

static const char *const segments[] = {
    "n BETWEEN 100 AND 300",
    "c IN ('c1', 'c5', 'c12')",
    "n > 10 AND c IN ('c1', 'c2', 'c3') AND b AND x < 20",
    "id CONTAINS '77'",
    "t HAS ALL ('t1', 't2') OR n IS NULL",
    "when > '2023-11-16' AND NOT b",
};
#define SEGMENT_CASES (sizeof segments / sizeof segments[0])

/* What one handle answers: per segment the count, the first ids under several limits and
 * stops, and a digest of every id. */
struct answers {
    uint64_t counts[SEGMENT_CASES];
    uint64_t digests[SEGMENT_CASES];
    struct id_list limited[SEGMENT_CASES][4];
    uint64_t null_counts[7];
    uint64_t memory_bytes[7];
    uint64_t profile_ints[3];
};

static bool digest_id(void *context, uint32_t row_id)
{
    uint64_t *digest = context;
    *digest = *digest * 1099511628211ull + row_id + 1;
    return true;
}

static void collect_answers(struct pdb_db *db, struct answers *answers)
{
    struct pdb_error error = {0};
    for (uint32_t s = 0; s < SEGMENT_CASES; s++) {
        cr_assert_eq(pdb_segment_count(db, segments[s], &answers->counts[s], &error), PDB_OK,
                     "%s: %s", segments[s], error.message);
        answers->digests[s] = 0;
        cr_assert_eq(pdb_segment_ids(db, segments[s], 0, digest_id, &answers->digests[s], &error),
                     PDB_OK);
        uint64_t limits[4] = {1, 100, 0, 0};
        uint64_t stops[4] = {0, 0, 3, answers->counts[s] / 2 + 1};
        for (int l = 0; l < 4; l++) {
            struct id_list *list = &answers->limited[s][l];
            memset(list, 0, sizeof *list);
            list->stop_after = stops[l];
            cr_assert_eq(pdb_segment_ids(db, segments[s], limits[l], take_id, list, &error),
                         PDB_OK);
        }
    }
    struct pdb_stats stats;
    cr_assert_eq(pdb_db_stats(db, &stats, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(stats.column_count, 7);
    for (uint32_t c = 0; c < 7; c++) {
        answers->null_counts[c] = stats.columns[c].null_count;
        answers->memory_bytes[c] = stats.columns[c].bytes_in_memory;
    }
    pdb_stats_deinit(&stats);
    uint32_t rows[3] = {0, 65536 * 2 + 17, FIVE_CHUNK_ROWS - 1};
    for (int r = 0; r < 3; r++) {
        struct pdb_profile *profile;
        cr_assert_eq(pdb_profile_get(db, rows[r], &profile, &error), PDB_OK, "%s", error.message);
        struct pdb_value value;
        pdb_profile_value(profile, 6, &value);
        answers->profile_ints[r] = (uint64_t)value.int_value;
        pdb_profile_destroy(profile);
    }
}

Test(db_threads, results_are_identical_for_any_thread_count)
{
    build_database();
    static struct answers reference, answers;
    for (int t = 0; t < THREAD_CASES; t++) {
        struct pdb_db *db = open_with_threads(thread_counts[t]);
        struct pdb_query_timing timing;
        pdb_db_query_timing(db, &timing);
        cr_assert(timing.compile_s == 0 && timing.load_s == 0 && timing.evaluate_s == 0);
        struct answers *target = t == 0 ? &reference : &answers;
        memset(target, 0, sizeof *target);
        collect_answers(db, target);
        pdb_db_query_timing(db, &timing);
        cr_assert(timing.compile_s >= 0 && timing.load_s >= 0 && timing.evaluate_s >= 0);
        pdb_db_close(db);
        if (t == 0) {
            /* The reference itself is right: limits and stops cut the full list. */
            for (uint32_t s = 0; s < SEGMENT_CASES; s++) {
                cr_assert_gt(reference.counts[s], 0, "%s", segments[s]);
                cr_assert_eq(reference.limited[s][0].count, 1);
                cr_assert_eq(reference.limited[s][1].count,
                             reference.counts[s] < 100 ? reference.counts[s] : 100);
                cr_assert_eq(reference.limited[s][3].count, reference.counts[s] / 2 + 1);
            }
            cr_assert_eq(reference.profile_ints[2], 1700000000ull + FIVE_CHUNK_ROWS - 1);
            continue;
        }
        for (uint32_t s = 0; s < SEGMENT_CASES; s++) {
            cr_assert_eq(answers.counts[s], reference.counts[s], "%s with %u threads", segments[s],
                         thread_counts[t]);
            cr_assert_eq(answers.digests[s], reference.digests[s], "%s with %u threads",
                         segments[s], thread_counts[t]);
            for (int l = 0; l < 4; l++) {
                const struct id_list *got = &answers.limited[s][l],
                                     *want = &reference.limited[s][l];
                cr_assert_eq(got->count, want->count, "%s, case %d, %u threads", segments[s], l,
                             thread_counts[t]);
                uint64_t kept = want->count < 4096 ? want->count : 4096;
                cr_assert_arr_eq(got->ids, want->ids, kept * sizeof got->ids[0]);
            }
        }
        cr_assert_arr_eq(answers.null_counts, reference.null_counts, sizeof reference.null_counts);
        cr_assert_arr_eq(answers.memory_bytes, reference.memory_bytes,
                         sizeof reference.memory_bytes);
        cr_assert_arr_eq(answers.profile_ints, reference.profile_ints,
                         sizeof reference.profile_ints);
    }
}

static uint64_t read_u64(int fd, uint64_t offset)
{
    uint8_t bytes[8];
    cr_assert_eq(pread(fd, bytes, 8, (off_t)offset), 8);
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = value << 8 | bytes[i];
    return value;
}

/* Flips a byte in the middle of column `column`'s block of chunk `chunk` (its checksum then
 * fails); returns the file's name. */
static void corrupt_block(uint32_t chunk, uint32_t column, char *name_out, size_t name_size)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "chunk-%08u-", chunk);
    test_dir_find(db_path, prefix, name_out, name_size);
    char path[700];
    snprintf(path, sizeof path, "%s/%s", db_path, name_out);
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    off_t size = lseek(fd, 0, SEEK_END);
    uint64_t directory_offset = read_u64(fd, (uint64_t)size - 40);
    uint64_t block_offset = read_u64(fd, directory_offset + 24ull * column);
    uint64_t block_size = read_u64(fd, directory_offset + 24ull * column + 8);
    uint8_t byte;
    uint64_t target = block_offset + block_size / 2;
    cr_assert_eq(pread(fd, &byte, 1, (off_t)target), 1);
    byte ^= 0x5a;
    cr_assert_eq(pwrite(fd, &byte, 1, (off_t)target), 1);
    close(fd);
}

static int occurrences(const char *text, const char *needle)
{
    int found = 0;
    for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle))
        found++;
    return found;
}

Test(db_threads, corrupt_block_is_reported_once_naming_its_file)
{
    build_database();
    char first[256], second[256];
    corrupt_block(3, 1, second, sizeof second); /* column n of chunks 1 and 3 */
    corrupt_block(1, 1, first, sizeof first);
    char reference[PDB_ERROR_MESSAGE_SIZE] = "";
    for (int t = 0; t < THREAD_CASES; t++) {
        struct pdb_db *db = open_with_threads(thread_counts[t]);
        struct pdb_error error = {0};
        uint64_t count = 4242;
        for (int attempt = 0; attempt < 2; attempt++) { /* a failed load is not cached */
            cr_assert_eq(pdb_segment_count(db, "n > 3", &count, &error), PDB_ERR_CORRUPT, "%s",
                         error.message);
            cr_assert_eq(count, 4242);
            cr_assert_eq(occurrences(error.message, first), 1, "%u threads: %s", thread_counts[t],
                         error.message);
            cr_assert_eq(occurrences(error.message, second), 0, "%u threads: %s", thread_counts[t],
                         error.message);
            cr_assert_eq(occurrences(error.message, "checksum"), 1, "%s", error.message);
            if (reference[0] == '\0') memcpy(reference, error.message, sizeof reference);
            cr_assert_str_eq(error.message, reference, "the message depends on the thread count");
        }
        cr_assert_eq(pdb_segment_count(db, "x >= 12.5 AND c = 'c3'", &count, &error), PDB_OK,
                     "other columns still load: %s", error.message);
        cr_assert_gt(count, 0);
        struct pdb_stats stats;
        cr_assert_eq(pdb_db_stats(db, &stats, &error), PDB_ERR_CORRUPT);
        cr_assert_eq(occurrences(error.message, first), 1, "%s", error.message);
        pdb_db_close(db);
    }
}

Test(db_threads, allocation_failures_while_loading_leak_nothing)
{
    build_database();
    struct pdb_db *db = open_with_threads(1);
    const char *segment = "c IN ('c3', 'c4') AND id ENDS WITH '7' AND t HAS 't1'";
    uint64_t expected;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, segment, &expected, &error), PDB_OK, "%s", error.message);
    cr_assert_gt(expected, 0);
    pdb_db_close(db);
    bool succeeded = false;
    uint32_t failures = 0;
    for (uint64_t n = 0; n < 400 && !succeeded; n += 2) {
        db = open_with_threads(4);
        uint64_t count = 777;
        mem_fail_after(n);
        enum pdb_status status = pdb_segment_count(db, segment, &count, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(count, expected);
            succeeded = true;
        } else {
            failures++;
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n,
                         error.message);
            cr_assert_eq(count, 777);
            cr_assert_eq(pdb_segment_count(db, segment, &count, &error), PDB_OK, "%s",
                         error.message);
            cr_assert_eq(count, expected, "the handle recovers after a failed load");
        }
        pdb_db_close(db);
    }
    cr_assert(succeeded, "the query never succeeded");
    cr_assert_gt(failures, 10);
}
