/*
 * Single profiles by identifier, in process, on the generated retail database of
 * bench_segments.c (PROFILEDB_BENCH_PROFILES rows, seed bench_seed()):
 *
 *   BM_profile_find/email        pdb_profile_find through the identifier hash index
 *   BM_profile_find/email_scan   the same lookup as a segment `email = '...'` with limit 1
 *                                (what pdb_profile_find did before the index): the baseline
 *   BM_profile_get/email         find, then read every attribute (pdb_profile_get): a GET
 *
 * Keys are the emails of 65,536 rows spread over the table (row k * 2654435761 mod rows, or
 * the next row with an email), used in turn, so most probes miss the caches as a server's
 * would. Setup builds the index (pdb_profile_index) before timing. One item = one lookup.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"

#define KEY_COUNT 65536u
#define KEY_SIZE_MAX 128u
#define SEGMENT_SIZE_MAX (KEY_SIZE_MAX * 2 + 16)

enum profile_mode { MODE_FIND, MODE_SCAN, MODE_GET };

struct profile_case {
    enum profile_mode mode;
    struct pdb_db *db;
    uint32_t next;
    char (*keys)[KEY_SIZE_MAX];         /* KEY_COUNT, allocated by setup */
    char (*segments)[SEGMENT_SIZE_MAX]; /* KEY_COUNT */
};

static struct profile_case find_case = {.mode = MODE_FIND};
static struct profile_case scan_case = {.mode = MODE_SCAN};
static struct profile_case get_case = {.mode = MODE_GET};

static uint32_t email_attribute(struct pdb_db *db)
{
    for (uint32_t a = 0; a < pdb_db_attribute_count(db); a++) {
        struct pdb_attribute_info info;
        if (pdb_db_attribute(db, a, &info) == PDB_OK && strcmp(info.name, "email") == 0) return a;
    }
    return UINT32_MAX;
}

static bool remember(void *context, uint32_t row_id)
{
    *(uint32_t *)context = row_id;
    return false;
}

/* "email = '<key>'" with quotes doubled. */
static void segment_for(const char *key, char segment[SEGMENT_SIZE_MAX])
{
    size_t used = (size_t)sprintf(segment, "email = '");
    for (const char *c = key; *c; c++) {
        segment[used++] = *c;
        if (*c == '\'') segment[used++] = '\'';
    }
    segment[used++] = '\'';
    segment[used] = '\0';
}

/* The email of `row` into key ("" when NULL or too long). */
static enum pdb_status read_email(struct pdb_db *db, uint32_t row, uint32_t email,
                                  char key[KEY_SIZE_MAX], struct pdb_error *error)
{
    struct pdb_profile *profile;
    enum pdb_status status = pdb_profile_get(db, row, &profile, error);
    if (status != PDB_OK) return status;
    struct pdb_value value;
    pdb_profile_value(profile, email, &value);
    uint32_t size = value.is_null || value.string_size >= KEY_SIZE_MAX ? 0 : value.string_size;
    memcpy(key, value.string_data, size);
    key[size] = '\0';
    pdb_profile_destroy(profile);
    return PDB_OK;
}

static int profile_setup(void *context, char *error, size_t error_size)
{
    struct profile_case *bench = context;
    bench->db = bench_shared_database(error, error_size);
    if (bench->db == NULL) return -1;
    uint32_t email = email_attribute(bench->db);
    uint64_t rows = pdb_db_row_count(bench->db);
    if (email == UINT32_MAX || rows == 0) {
        snprintf(error, error_size, "the bench database has no email attribute or no rows");
        return -1;
    }
    bench->keys = malloc((size_t)KEY_COUNT * sizeof bench->keys[0]);
    bench->segments = malloc((size_t)KEY_COUNT * sizeof bench->segments[0]);
    if (bench->keys == NULL || bench->segments == NULL) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    struct pdb_error pdb_error = {0};
    for (uint32_t k = 0; k < KEY_COUNT; k++) {
        uint32_t row = (uint32_t)(((uint64_t)k * 2654435761u) % rows);
        /* A row whose email is NULL gives way to the next one. */
        for (uint32_t tries = 0; tries < 64; tries++, row = (uint32_t)((row + 1) % rows)) {
            if (read_email(bench->db, row, email, bench->keys[k], &pdb_error) != PDB_OK) {
                snprintf(error, error_size, "row %u: %s", row, pdb_error.message);
                return -1;
            }
            if (bench->keys[k][0] != '\0') break;
        }
        if (bench->keys[k][0] == '\0') {
            snprintf(error, error_size, "no email near row %u", row);
            return -1;
        }
        segment_for(bench->keys[k], bench->segments[k]);
    }
    if (pdb_profile_index(bench->db, "email", &pdb_error) != PDB_OK) {
        snprintf(error, error_size, "indexing email: %s", pdb_error.message);
        return -1;
    }
    bench->next = 0;
    return 0;
}

static struct bench_result profile_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct profile_case *bench = context;
    uint32_t k = bench->next++ % KEY_COUNT;
    struct pdb_error error = {0};
    uint32_t row = UINT32_MAX;
    enum pdb_status status;
    if (bench->mode == MODE_SCAN) {
        status = pdb_segment_ids(bench->db, bench->segments[k], 1, remember, &row, &error);
    } else {
        status = pdb_profile_find(bench->db, "email", bench->keys[k], &row, &error);
        if (status == PDB_OK && bench->mode == MODE_GET) {
            struct pdb_profile *profile;
            status = pdb_profile_get(bench->db, row, &profile, &error);
            if (status == PDB_OK) pdb_profile_destroy(profile);
        }
    }
    if (status != PDB_OK || row == UINT32_MAX) {
        fprintf(stderr, "profiledb_bench: email %s: %s\n", bench->keys[k], error.message);
        return (struct bench_result){0, 0, 0};
    }
    return (struct bench_result){1, 0, row};
}

static void profile_teardown(void *context)
{
    struct profile_case *bench = context;
    free(bench->keys);
    free(bench->segments);
    bench->keys = NULL;
    bench->segments = NULL;
}

static void add_case(const char *name, struct profile_case *bench)
{
    struct bench_case *bench_case =
        bench_registry_add(name, profile_setup, profile_run, profile_teardown, bench);
    if (bench_case == NULL) return;
    bench_case->uses_real_time = 1;
    snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu keys=%u",
             (unsigned long long)bench_seed(), KEY_COUNT);
}

void bench_profiles_register(void)
{
    add_case("BM_profile_find/email", &find_case);
    add_case("BM_profile_find/email_scan", &scan_case);
    add_case("BM_profile_get/email", &get_case);
}
