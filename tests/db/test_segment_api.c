/*
 * Tests for the engine-side APIs of the server (issue #5) through the public header:
 * pdb_profile_find through the identifier hash index and pdb_profile_index (lowest id for
 * duplicates, NOT_FOUND, int keys, consistency after an append on the same handle and across
 * chunks; the index agrees with the segment scan), pdb_segment_breakdown (category, bool,
 * tags, NULLs, order, limit, against counts of the equivalent segments, every thread count),
 * pdb_segment_overlap (against counts of the AND of each pair), saved segments (same count as
 * the inline text, nesting, cycles, dropped-then-used, persistence across reopen, another
 * handle's change seen, a damaged SEGMENTS file detected), deleted profiles left out of all
 * of them, allocation failures in each of them, and I/O failures of a save.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "profiledb/profiledb.h"
#include "storage/file_io.h"
#include "support/test_files.h"

static char directory[256];
static char db_path[300];
static char schema_path[300];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "api");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    test_file_write(schema_path, "id text identifier\nnum int identifier\nc category identifier\nt tags\nb bool\n"
          "n int\nplain text\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(segment_api, .init = make_workspace, .fini = remove_workspace, .timeout = 120);

/* Row i: id "K<i % 5000>" (duplicates from row 5000 on), num i - 100 (NULL when i % 9 == 0),
 * c "c<i % 7>" (NULL when i % 10 == 3), t tags {t<i%3>, t<i%4>} (NULL when i % 6 == 5, empty
 * when i % 8 == 1), b (i % 3 == 0; NULL when i % 17 == 2), n = i % 100, plain "P<i>". */
static void write_rows(const char *path, uint64_t first, uint64_t count)
{
    FILE *file = fopen(path, "w");
    fputs("id,num,c,t,b,n,plain\n", file);
    for (uint64_t i = first; i < first + count; i++) {
        fprintf(file, "K%llu,", (unsigned long long)(i % 5000));
        if (i % 9 != 0) fprintf(file, "%lld", (long long)i - 100);
        fputc(',', file);
        if (i % 10 != 3) fprintf(file, "c%llu", (unsigned long long)(i % 7));
        fputc(',', file);
        if (i % 8 == 1) fputs("\"\"", file);
        else if (i % 6 != 5) fprintf(file, "t%llu|t%llu", (unsigned long long)(i % 3), (unsigned long long)(i % 4));
        fputc(',', file);
        if (i % 17 != 2) fputs(i % 3 == 0 ? "true" : "false", file);
        fprintf(file, ",%llu,P%llu\n", (unsigned long long)(i % 100), (unsigned long long)i);
    }
    fclose(file);
}

static struct pdb_db *open_db(void)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    return db;
}

static struct pdb_db *create_with_rows(uint64_t rows)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = open_db();
    char csv[320];
    snprintf(csv, sizeof csv, "%s/rows.csv", directory);
    write_rows(csv, 0, rows);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_loaded, rows);
    return db;
}

static uint64_t count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

static uint32_t find(struct pdb_db *db, const char *attribute, const char *key)
{
    struct pdb_error error = {0};
    uint32_t row = UINT32_MAX;
    cr_assert_eq(pdb_profile_find(db, attribute, key, &row, &error), PDB_OK, "%s=%s: %s", attribute, key, error.message);
    return row;
}

static bool first_id(void *context, uint32_t row_id)
{
    *(uint32_t *)context = row_id;
    return false;
}

/* ---- Identifier lookup ------------------------------------------------------------------- */

Test(segment_api, find_by_identifier_returns_the_lowest_id)
{
    struct pdb_db *db = create_with_rows(70000); /* two chunks */
    cr_assert_eq(find(db, "id", "K42"), 42u); /* the first find scans, the next ones probe */
    cr_assert_eq(find(db, "id", "K42"), 42u);
    cr_assert_eq(find(db, "id", "K4999"), 4999u);
    cr_assert_eq(find(db, "num", "-99"), 1u);
    cr_assert_eq(find(db, "num", "69899"), 69999u); /* in the second chunk */
    cr_assert_eq(find(db, "num", "+5"), 105u, "int keys are parsed, not compared as text");
    cr_assert_eq(find(db, "c", "c6"), 6u);
    cr_assert_eq(find(db, "c", "c3"), 10u, "row 3 is NULL; row 10 is the first c3");
    struct pdb_error error = {0};
    uint32_t row = 7;
    cr_assert_eq(pdb_profile_find(db, "id", "K5000", &row, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "no profile has id = 'K5000'") != NULL, "%s", error.message);
    cr_assert_eq(pdb_profile_find(db, "num", "-100", &row, &error), PDB_ERR_NOT_FOUND, "row 0 is NULL");
    cr_assert_eq(pdb_profile_find(db, "num", "1x", &row, &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_profile_find(db, "t", "t1", &row, &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_profile_find(db, "ix", "K1", &row, &error), PDB_ERR_NOT_FOUND);
    cr_assert_eq(row, 7u, "out-parameter untouched on failure");
    /* Non-identifier attributes are still found (by a scan). */
    cr_assert_eq(find(db, "n", "17"), 17u);
    cr_assert_eq(find(db, "plain", "P69998"), 69998u);
    /* The index agrees with the segment scan for a sample of keys. */
    for (uint32_t k = 0; k < 5000; k += 97) {
        char key[32], segment[64];
        snprintf(key, sizeof key, "K%u", k);
        snprintf(segment, sizeof segment, "id = 'K%u'", k);
        uint32_t scanned = UINT32_MAX;
        cr_assert_eq(pdb_segment_ids(db, segment, 1, first_id, &scanned, &error), PDB_OK);
        cr_assert_eq(find(db, "id", key), scanned, "%s", key);
    }
    pdb_db_close(db);
}

Test(segment_api, find_sees_rows_appended_on_the_same_handle)
{
    struct pdb_db *db = create_with_rows(3000);
    struct pdb_error error = {0};
    uint32_t row;
    cr_assert_eq(pdb_profile_index(db, "id", &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_profile_index(db, "num", &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_profile_index(db, "n", &error), PDB_ERR_USAGE, "not an identifier");
    cr_assert_eq(pdb_profile_index(db, "t", &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_profile_index(db, "idd", &error), PDB_ERR_NOT_FOUND);
    cr_assert_eq(find(db, "id", "K10"), 10u);
    cr_assert_eq(pdb_profile_find(db, "id", "K4000", &row, &error), PDB_ERR_NOT_FOUND);
    cr_assert_eq(pdb_profile_find(db, "plain", "P66000", &row, &error), PDB_ERR_NOT_FOUND);
    char csv[320];
    snprintf(csv, sizeof csv, "%s/more.csv", directory);
    write_rows(csv, 3000, 64000); /* ends past the first chunk */
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(find(db, "id", "K4000"), 4000u);
    cr_assert_eq(find(db, "id", "K10"), 10u, "a later duplicate does not replace the first");
    cr_assert_eq(find(db, "num", "66899"), 66999u);
    cr_assert_eq(find(db, "plain", "P66000"), 66000u);
    pdb_db_close(db);
    db = open_db(); /* a fresh handle builds it from the files */
    cr_assert_eq(find(db, "id", "K4000"), 4000u);
    pdb_db_close(db);
}

/* ---- Breakdown --------------------------------------------------------------------------- */

static void check_breakdown_against_counts(struct pdb_db *db, const char *segment, const char *attribute)
{
    struct pdb_error error = {0};
    struct pdb_breakdown breakdown;
    cr_assert_eq(pdb_segment_breakdown(db, segment, attribute, 0, &breakdown, &error), PDB_OK, "%s", error.message);
    char text[512];
    cr_assert_eq(breakdown.segment_count, count(db, segment));
    snprintf(text, sizeof text, "(%s) AND %s IS NULL", segment, attribute);
    cr_assert_eq(breakdown.null_count, count(db, text));
    cr_assert_eq(breakdown.entry_count, breakdown.value_count);
    for (uint32_t i = 0; i < breakdown.entry_count; i++) {
        const struct pdb_breakdown_entry *entry = &breakdown.entries[i];
        cr_assert_gt(entry->count, 0);
        if (i > 0) {
            const struct pdb_breakdown_entry *previous = &breakdown.entries[i - 1];
            cr_assert(previous->count > entry->count ||
                      (previous->count == entry->count &&
                       memcmp(previous->value, entry->value, previous->value_size) < 0),
                      "sorted by count, then value");
        }
        const char *op = strcmp(attribute, "t") == 0 ? "HAS" : "=";
        if (strcmp(attribute, "b") == 0)
            snprintf(text, sizeof text, "(%s) AND b = %.*s", segment, (int)entry->value_size, entry->value);
        else
            snprintf(text, sizeof text, "(%s) AND %s %s '%.*s'", segment, attribute, op, (int)entry->value_size, entry->value);
        cr_assert_eq(entry->count, count(db, text), "%s", text);
    }
    pdb_breakdown_deinit(&breakdown);
}

Test(segment_api, breakdown_matches_the_counts_of_each_value)
{
    struct pdb_db *db = create_with_rows(140000);
    for (uint32_t threads = 1; threads <= 3; threads += 2) {
        pdb_db_set_threads(db, threads);
        check_breakdown_against_counts(db, "n < 60", "c");
        check_breakdown_against_counts(db, "n < 60", "b");
        check_breakdown_against_counts(db, "n >= 10 OR c = 'c2'", "t");
        check_breakdown_against_counts(db, "FALSE", "c");
    }
    struct pdb_error error = {0};
    struct pdb_breakdown breakdown;
    cr_assert_eq(pdb_segment_breakdown(db, "TRUE", "c", 2, &breakdown, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(breakdown.entry_count, 2u);
    cr_assert_eq(breakdown.value_count, 7u);
    cr_assert_eq(breakdown.segment_count, 140000u);
    pdb_breakdown_deinit(&breakdown);
    cr_assert_eq(pdb_segment_breakdown(db, "TRUE", "n", 0, &breakdown, &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_segment_breakdown(db, "TRUE", "cc", 0, &breakdown, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "did you mean 'c'") != NULL, "%s", error.message);
    cr_assert_eq(pdb_segment_breakdown(db, "n <", "c", 0, &breakdown, &error), PDB_ERR_SEGMENT);
    pdb_breakdown_deinit(NULL);
    pdb_db_close(db);
}

/* ---- Overlap ------------------------------------------------------------------------------ */

Test(segment_api, overlap_matrix_matches_the_pairwise_counts)
{
    struct pdb_db *db = create_with_rows(140000);
    const char *segments[] = {"n < 30", "c IN ('c1', 'c2')", "t HAS 't0'", "b", "FALSE"};
    uint32_t n = 5;
    uint64_t matrix[25];
    struct pdb_error error = {0};
    for (uint32_t threads = 1; threads <= 2; threads++) {
        pdb_db_set_threads(db, threads);
        memset(matrix, 0xff, sizeof matrix);
        cr_assert_eq(pdb_segment_overlap(db, segments, n, matrix, &error), PDB_OK, "%s", error.message);
        for (uint32_t i = 0; i < n; i++) {
            for (uint32_t j = 0; j < n; j++) {
                char text[256];
                snprintf(text, sizeof text, "(%s) AND (%s)", segments[i], segments[j]);
                cr_assert_eq(matrix[i * n + j], count(db, text), "%s", text);
            }
        }
    }
    const char *bad[] = {"n < 30", "n <"};
    cr_assert_eq(pdb_segment_overlap(db, bad, 2, matrix, &error), PDB_ERR_SEGMENT);
    cr_assert(strncmp(error.message, "segment 2: ", 11) == 0, "%s", error.message);
    cr_assert_eq(pdb_segment_overlap(db, segments, 0, matrix, &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_segment_overlap(db, segments, 65, matrix, &error), PDB_ERR_LIMIT);
    pdb_db_close(db);
}

/* ---- Saved segments ------------------------------------------------------------------------ */

struct listing {
    char text[2048];
};

static bool list_one(void *context, const char *name, const char *segment)
{
    struct listing *listing = context;
    size_t used = strlen(listing->text);
    snprintf(listing->text + used, sizeof listing->text - used, "%s=%s;", name, segment);
    return true;
}

static void save(struct pdb_db *db, const char *name, const char *text)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_save(db, name, text, &error), PDB_OK, "%s: %s", name, error.message);
}

Test(segment_api, saved_segments_count_as_their_text_and_nest)
{
    struct pdb_db *db = create_with_rows(70000);
    save(db, "low_n", "n < 30");
    save(db, "low_c2", "segment('low_n') AND c = 'c2'");
    cr_assert_eq(count(db, "segment('low_n')"), count(db, "n < 30"));
    cr_assert_eq(count(db, "SEGMENT('low_c2') OR b"), count(db, "(n < 30 AND c = 'c2') OR b"));
    cr_assert_eq(count(db, "NOT segment('low_c2')"), count(db, "NOT (n < 30 AND c = 'c2')"));
    uint64_t matrix[4];
    const char *pair[] = {"segment('low_n')", "segment('low_c2')"};
    cr_assert_eq(pdb_segment_overlap(db, pair, 2, matrix, NULL), PDB_OK);
    cr_assert_eq(matrix[1], count(db, "n < 30 AND c = 'c2'"));
    /* Replacing a saved segment changes every segment that uses it. */
    save(db, "low_n", "n < 10");
    cr_assert_eq(count(db, "segment('low_c2')"), count(db, "n < 10 AND c = 'c2'"));
    struct listing listing = {""};
    cr_assert_eq(pdb_segment_list(db, list_one, &listing, NULL), PDB_OK);
    cr_assert_str_eq(listing.text, "low_c2=segment('low_n') AND c = 'c2';low_n=n < 10;");
    pdb_db_close(db);
}

Test(segment_api, saved_segment_errors)
{
    struct pdb_db *db = create_with_rows(100);
    struct pdb_error error = {0};
    uint64_t result;
    save(db, "vip_us", "n > 90");
    cr_assert_eq(pdb_segment_count(db, "n > 1 AND segment('vip_su')", &result, &error), PDB_ERR_SEGMENT);
    cr_assert_str_eq(error.message, "segment:1:19: unknown saved segment 'vip_su' (did you mean 'vip_us'?)");
    cr_assert_eq(pdb_segment_count(db, "segment(vip_us)", &result, &error), PDB_ERR_SEGMENT);
    cr_assert(strstr(error.message, "segment:1:9: syntax error") != NULL, "%s", error.message);
    cr_assert_eq(pdb_segment_save(db, "bad name", "n > 1", &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_segment_save(db, "", "n > 1", &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_segment_save(db, "x", "n >", &error), PDB_ERR_SEGMENT);
    cr_assert_eq(pdb_segment_save(db, "x", "segment('nope')", &error), PDB_ERR_SEGMENT);
    /* Cycles: directly and through another segment; the failed save changes nothing. */
    cr_assert_eq(pdb_segment_save(db, "self", "segment('self')", &error), PDB_ERR_SEGMENT);
    cr_assert(strstr(error.message, "refers to itself") != NULL, "%s", error.message);
    save(db, "outer", "segment('vip_us') AND n < 95");
    cr_assert_eq(pdb_segment_save(db, "vip_us", "segment('outer')", &error), PDB_ERR_SEGMENT);
    cr_assert(strstr(error.message, "refers to itself") != NULL, "%s", error.message);
    cr_assert_eq(count(db, "segment('outer')"), count(db, "n > 90 AND n < 95"));
    /* Nesting deeper than the limit. */
    save(db, "d0", "n > 1");
    char name[16], text[64];
    for (int i = 1; i <= 7; i++) {
        snprintf(name, sizeof name, "d%d", i);
        snprintf(text, sizeof text, "segment('d%d')", i - 1);
        save(db, name, text);
    }
    cr_assert_eq(count(db, "segment('d7')"), count(db, "n > 1"));
    cr_assert_eq(pdb_segment_save(db, "d8", "segment('d7')", &error), PDB_ERR_LIMIT, "%s", error.message);
    /* Dropped, then used. */
    cr_assert_eq(pdb_segment_drop(db, "vip_us", &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_segment_count(db, "segment('outer')", &result, &error), PDB_ERR_SEGMENT);
    cr_assert(strstr(error.message, "in saved segment 'outer': segment:1:9: unknown saved segment 'vip_us'") != NULL,
              "%s", error.message);
    cr_assert_eq(pdb_segment_drop(db, "vip_us", &error), PDB_ERR_NOT_FOUND);
    pdb_db_close(db);
}

Test(segment_api, saved_segments_persist_and_damage_is_detected)
{
    struct pdb_db *db = create_with_rows(100);
    save(db, "a", "n < 50");
    struct pdb_db *other = open_db();
    cr_assert_eq(count(other, "segment('a')"), 50u);
    save(other, "b", "n >= 50"); /* seen by the first handle's next compile */
    cr_assert_eq(count(db, "segment('a') OR segment('b')"), 100u);
    pdb_db_close(other);
    pdb_db_close(db);
    db = open_db();
    cr_assert_eq(count(db, "segment('b')"), 50u);
    pdb_db_close(db);
    /* Flip one byte of the file: every compile and list reports it. */
    char path[400];
    snprintf(path, sizeof path, "%s/SEGMENTS", db_path);
    FILE *file = fopen(path, "r+b");
    cr_assert_not_null(file);
    fseek(file, 20, SEEK_SET);
    int byte = fgetc(file);
    fseek(file, 20, SEEK_SET);
    fputc(byte ^ 0x20, file);
    fclose(file);
    db = open_db();
    struct pdb_error error = {0};
    uint64_t result;
    cr_assert_eq(pdb_segment_count(db, "n < 5", &result, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "checksum") != NULL, "%s", error.message);
    struct listing listing = {""};
    cr_assert_eq(pdb_segment_list(db, list_one, &listing, &error), PDB_ERR_CORRUPT);
    cr_assert_eq(pdb_segment_save(db, "c", "n < 1", &error), PDB_ERR_CORRUPT);
    /* A truncated file too. */
    cr_assert_eq(truncate(path, 10), 0);
    cr_assert_eq(pdb_segment_count(db, "n < 5", &result, &error), PDB_ERR_CORRUPT);
    pdb_db_close(db);
}

/* ---- Allocation failures ------------------------------------------------------------------- */

Test(segment_api, allocation_failures_fail_cleanly_and_change_nothing)
{
    struct pdb_db *db = create_with_rows(2000);
    save(db, "base", "n < 50");
    uint64_t expected_breakdown_total = count(db, "n < 50 AND c IS NOT NULL");
    bool saved = false, broken_down = false, overlapped = false, found = false;
    for (uint64_t n = 0; n < 300 && !(saved && broken_down && overlapped && found); n++) {
        struct pdb_error error = {0};
        if (!saved) {
            mem_fail_after(n);
            enum pdb_status status = pdb_segment_save(db, "nested", "segment('base') AND b", &error);
            mem_fail_after(UINT64_MAX);
            cr_assert(status == PDB_OK || status == PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n, error.message);
            saved = status == PDB_OK;
            if (!saved) {
                struct pdb_error check = {0};
                uint64_t result;
                cr_assert_eq(pdb_segment_count(db, "segment('nested')", &result, &check), PDB_ERR_SEGMENT,
                             "a failed save leaves no segment");
            }
        }
        if (!broken_down) {
            struct pdb_breakdown breakdown;
            mem_fail_after(n);
            enum pdb_status status = pdb_segment_breakdown(db, "segment('base')", "c", 0, &breakdown, &error);
            mem_fail_after(UINT64_MAX);
            cr_assert(status == PDB_OK || status == PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n, error.message);
            if (status == PDB_OK) {
                uint64_t total = 0;
                for (uint32_t i = 0; i < breakdown.entry_count; i++) total += breakdown.entries[i].count;
                cr_assert_eq(total, expected_breakdown_total);
                pdb_breakdown_deinit(&breakdown);
                broken_down = true;
            }
        }
        if (!overlapped) {
            const char *segments[] = {"segment('base')", "b", "t HAS 't1'"};
            uint64_t matrix[9] = {0};
            mem_fail_after(n);
            enum pdb_status status = pdb_segment_overlap(db, segments, 3, matrix, &error);
            mem_fail_after(UINT64_MAX);
            cr_assert(status == PDB_OK || status == PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n, error.message);
            if (status == PDB_OK) {
                cr_assert_eq(matrix[1], count(db, "n < 50 AND b"));
                overlapped = true;
            } else {
                cr_assert_eq(matrix[0], 0u, "the matrix is written only on success");
            }
        }
        if (!found) {
            uint32_t row = 12345;
            mem_fail_after(n);
            enum pdb_status status = pdb_profile_index(db, "id", &error);
            if (status == PDB_OK) status = pdb_profile_find(db, "id", "K77", &row, &error);
            mem_fail_after(UINT64_MAX);
            cr_assert(status == PDB_OK || status == PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n, error.message);
            if (status == PDB_OK) {
                cr_assert_eq(row, 77u);
                found = true;
            }
        }
    }
    cr_assert(saved && broken_down && overlapped && found, "some call never succeeded");
    cr_assert_eq(count(db, "segment('nested')"), count(db, "n < 50 AND b"));
    pdb_db_close(db);
}

/* ---- I/O failures ---------------------------------------------------------------------------- */

Test(segment_api, failed_writes_of_a_save_are_reported_and_leave_a_known_state)
{
    struct pdb_db *db = create_with_rows(10);
    save(db, "kept", "n < 5");
    struct pdb_error error = {0};
    /* The temp file's write, then its fsync: nothing changes and the handle writes on. */
    struct { enum file_fault_point point; uint32_t after; } before_rename[] = {
        {FILE_FAULT_WRITE, 0}, {FILE_FAULT_SYNC, 0}};
    for (size_t i = 0; i < 2; i++) {
        file_fault_inject(before_rename[i].point, before_rename[i].after, ENOSPC);
        enum pdb_status status = pdb_segment_save(db, "new", "n > 5", &error);
        file_fault_inject(before_rename[i].point, 0, 0);
        cr_assert_eq(status, PDB_ERR_IO, "fault %zu: %s", i, error.message);
        uint64_t result;
        cr_assert_eq(pdb_segment_count(db, "segment('new')", &result, NULL), PDB_ERR_SEGMENT);
        cr_assert_eq(count(db, "segment('kept')"), 5u);
    }
    /* The directory fsync after the rename: visible, reported, and the handle stops writing. */
    file_fault_inject(FILE_FAULT_SYNC, 1, EIO);
    enum pdb_status status = pdb_segment_save(db, "new", "n > 5", &error);
    file_fault_inject(FILE_FAULT_SYNC, 0, 0);
    cr_assert_eq(status, PDB_ERR_IO);
    cr_assert(strstr(error.message, "may not survive a crash") != NULL, "%s", error.message);
    cr_assert_eq(count(db, "segment('new')"), 4u, "readers see the renamed file");
    cr_assert_eq(pdb_segment_drop(db, "new", &error), PDB_ERR_IO, "no more writes on this handle");
    pdb_db_close(db);
    db = open_db();
    cr_assert_eq(count(db, "segment('new')"), 4u);
    save(db, "other", "TRUE"); /* a new handle writes again */
    pdb_db_close(db);
}
