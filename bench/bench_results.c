/*
 * Segment results beyond a count, in process, on the generated retail database of
 * bench_segments.c (warm: setup runs each once, so the columns are loaded):
 *
 *   BM_segment_breakdown/<name>   pdb_segment_breakdown
 *   BM_segment_overlap/<name>     pdb_segment_overlap
 *
 * Items are the database's rows (each query passes over every chunk once). Timed by the wall
 * clock, since the engine evaluates chunks on its own threads (the engine's default count).
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "profiledb/profiledb.h"

#define OVERLAP_SEGMENTS_MAX 4

struct result_case {
    const char *name;
    const char *segment;   /* breakdown */
    const char *attribute; /* breakdown; NULL: an overlap of `segments` */
    const char *segments[OVERLAP_SEGMENTS_MAX];
    uint32_t segment_count;
};

static struct result_case result_cases[] = {
    {"country_of_age_range", "age BETWEEN 25 AND 40", "country", {0}, 0},
    {"interests_of_us", "country = 'US'", "interests", {0}, 0},
    {"tier_of_all", "TRUE", "loyalty_tier", {0}, 0},
    {"four_segments", NULL, NULL,
     {"country = 'US'", "interests HAS 'yoga'", "age < 30", "total_spend > 100"}, 4},
};
#define RESULT_CASE_COUNT (sizeof result_cases / sizeof result_cases[0])

static struct pdb_db *result_db;

static struct bench_result result_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct result_case *bench = context;
    struct pdb_error error = {0};
    uint64_t check = 0;
    enum pdb_status status;
    if (bench->attribute != NULL) {
        struct pdb_breakdown breakdown;
        status = pdb_segment_breakdown(result_db, bench->segment, bench->attribute, 0, &breakdown, &error);
        if (status == PDB_OK) {
            check = breakdown.segment_count + breakdown.entry_count;
            pdb_breakdown_deinit(&breakdown);
        }
    } else {
        uint64_t matrix[OVERLAP_SEGMENTS_MAX * OVERLAP_SEGMENTS_MAX];
        status = pdb_segment_overlap(result_db, bench->segments, bench->segment_count, matrix, &error);
        check = matrix[1];
    }
    if (status != PDB_OK) {
        fprintf(stderr, "profiledb_bench: %s: %s\n", bench->name, error.message);
        return (struct bench_result){0, 0, 0};
    }
    return (struct bench_result){pdb_db_row_count(result_db), 0, check};
}

static int result_setup(void *context, char *error, size_t error_size)
{
    result_db = bench_shared_database(error, error_size);
    if (result_db == NULL) return -1;
    struct bench_result first = result_run(context, 0, 1);
    if (first.rows == 0) {
        snprintf(error, error_size, "the first run failed (see stderr)");
        return -1;
    }
    return 0;
}

void bench_results_register(void)
{
    for (size_t i = 0; i < RESULT_CASE_COUNT; i++) {
        struct result_case *bench = &result_cases[i];
        char name[BENCH_NAME_SIZE];
        snprintf(name, sizeof name, "BM_segment_%s/%s", bench->attribute ? "breakdown" : "overlap", bench->name);
        struct bench_case *bench_case = bench_registry_add(name, result_setup, result_run, NULL, bench);
        if (bench_case == NULL) continue;
        bench_case->uses_real_time = 1;
        snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu", (unsigned long long)bench_seed());
    }
}
