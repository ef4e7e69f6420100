/*
 * End to end in process: pdb_segment_count on a generated retail database, warm (the
 * referenced columns were loaded by a first count during setup), now() fixed at 2026-11-01.
 *
 * The database (PROFILEDB_BENCH_PROFILES rows, default 1,000,000, seed bench_seed()) is
 * generated and ingested once under PROFILEDB_BENCH_DIR (default <source>/out/bench/gbench)
 * and reused by later runs; a ".ready" file beside it marks a finished build.
 *
 *   BM_segment_count/<name>[/t<threads>]
 *
 * Items are the database's rows; bytes are the in-memory bytes of the columns the segment
 * references (pdb_db_stats), so bytes/s compares with the BM_memory_* yardstick. Timed by
 * the wall clock, since the engine evaluates chunks on its own threads. With the
 * engine's thread setting (pdb_db_set_threads) each segment runs on 1 thread and on all cores.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profiledb/profiledb.h"
#include "retail_gen.h"

#define SEGMENT_NOW_S 1793491200LL /* 2026-11-01T00:00:00Z */
#define SEGMENT_COLUMNS_MAX 6

struct segment_case {
    const char *name;
    const char *text;
    const char *columns[SEGMENT_COLUMNS_MAX];
    uint32_t thread_count; /* 0: leave the engine's default */
    uint64_t bytes;
};

static struct segment_case segment_cases[] = {
    {"country_in", "country IN ('US', 'CA', 'GB')", {"country"}, 0, 0},
    {"age_range", "age BETWEEN 25 AND 34", {"age"}, 0, 0},
    {"four_predicates",
     "country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND last_seen_at > now() - 30d "
     "AND total_spend > 100",
     {"country", "age", "last_seen_at", "total_spend"}, 0, 0},
    {"tags_any", "interests HAS ANY ('yoga', 'hiking', 'camping')", {"interests"}, 0, 0},
    {"email_contains", "email CONTAINS 'smith'", {"email"}, 0, 0},
};
#define SEGMENT_CASE_COUNT (sizeof segment_cases / sizeof segment_cases[0])

static struct segment_case threaded_cases[2 * SEGMENT_CASE_COUNT];

static struct pdb_db *shared_db; /* opened once, kept until exit */
static uint64_t shared_rows;
static struct pdb_stats shared_stats;

static uint64_t profile_count(void)
{
    const char *text = getenv("PROFILEDB_BENCH_PROFILES");
    if (text == NULL || *text == '\0') return 1000000;
    return strtoull(text, NULL, 10);
}

static int make_dirs(const char *path)
{
    char partial[4096];
    snprintf(partial, sizeof partial, "%s", path);
    for (char *slash = partial + 1; *slash != '\0'; slash++) {
        if (*slash != '/') continue;
        *slash = '\0';
        mkdir(partial, 0755);
        *slash = '/';
    }
    return mkdir(partial, 0755) == 0 || access(partial, F_OK) == 0 ? 0 : -1;
}

/* Generates and ingests the database unless a finished one is there. */
static int database_build(const char *db_path, const char *ready_path, const char *dir,
                          uint64_t profiles, char *error, size_t error_size)
{
    if (access(ready_path, F_OK) == 0) return 0;
    char command[8192];
    snprintf(command, sizeof command, "rm -rf '%s'", db_path);
    if (system(command) != 0) return -1;
    char gen_dir[4200];
    snprintf(gen_dir, sizeof gen_dir, "%s/gen-%llu-s%llu", dir, (unsigned long long)profiles,
             (unsigned long long)bench_seed());
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = profiles;
    options.seed = bench_seed();
    options.now_s = SEGMENT_NOW_S;
    options.events_per_profile = 0; /* the segment cases read attributes only */
    struct pdb_error pdb_error = {0};
    fprintf(stderr, "profiledb_bench: generating %llu profiles into %s\n",
            (unsigned long long)profiles, gen_dir);
    char csv_path[4300], schema_path[4300];
    snprintf(csv_path, sizeof csv_path, "%s/profiles.csv", gen_dir);
    snprintf(schema_path, sizeof schema_path, "%s/retail.schema", gen_dir);
    struct pdb_db *db = NULL;
    if (retail_gen_write(gen_dir, &options, &pdb_error) != PDB_OK ||
        pdb_db_create(db_path, schema_path, &pdb_error) != PDB_OK ||
        pdb_db_open(db_path, &db, &pdb_error) != PDB_OK) {
        snprintf(error, error_size, "building %s: %s", db_path, pdb_error.message);
        return -1;
    }
    struct pdb_ingest_result result;
    enum pdb_status status = pdb_db_ingest_csv(db, csv_path, NULL, &result, &pdb_error);
    pdb_db_close(db);
    if (status != PDB_OK) {
        snprintf(error, error_size, "ingesting %s: %s", csv_path, pdb_error.message);
        return -1;
    }
    remove(csv_path);
    FILE *ready = fopen(ready_path, "w");
    if (ready == NULL) return -1;
    fprintf(ready, "%llu rows\n", (unsigned long long)result.rows_loaded);
    fclose(ready);
    return 0;
}

static int database_open(char *error, size_t error_size)
{
    if (shared_db != NULL) return 0;
    char dir[4096];
    const char *configured = getenv("PROFILEDB_BENCH_DIR");
    if (configured != NULL && *configured != '\0')
        snprintf(dir, sizeof dir, "%s", configured);
    else
        snprintf(dir, sizeof dir, "%s/out/bench/gbench", bench_source_dir());
    if (make_dirs(dir) != 0) {
        snprintf(error, error_size, "cannot create %s", dir);
        return -1;
    }
    uint64_t profiles = profile_count();
    char db_path[4200], ready_path[4300];
    snprintf(db_path, sizeof db_path, "%s/db-%llu-s%llu", dir, (unsigned long long)profiles,
             (unsigned long long)bench_seed());
    snprintf(ready_path, sizeof ready_path, "%s.ready", db_path);
    if (database_build(db_path, ready_path, dir, profiles, error, error_size) != 0) {
        if (error[0] == '\0') snprintf(error, error_size, "could not build %s", db_path);
        return -1;
    }
    struct pdb_error pdb_error = {0};
    if (pdb_db_open(db_path, &shared_db, &pdb_error) != PDB_OK ||
        pdb_db_stats(shared_db, &shared_stats, &pdb_error) != PDB_OK) {
        snprintf(error, error_size, "%s: %s", db_path, pdb_error.message);
        if (shared_db != NULL) pdb_db_close(shared_db);
        shared_db = NULL;
        return -1;
    }
    pdb_db_set_now(shared_db, SEGMENT_NOW_S);
    shared_rows = pdb_db_row_count(shared_db);
    return 0;
}

struct pdb_db *bench_shared_database(char *error, size_t error_size)
{
    return database_open(error, error_size) == 0 ? shared_db : NULL;
}

static uint64_t column_bytes(const char *name)
{
    for (uint32_t i = 0; i < shared_stats.column_count; i++)
        if (strcmp(shared_stats.columns[i].name, name) == 0) return shared_stats.columns[i].bytes_in_memory;
    return 0;
}

static int segment_setup(void *context, char *error, size_t error_size)
{
    struct segment_case *segment = context;
    if (database_open(error, error_size) != 0) return -1;
#ifdef PDB_BENCH_HAVE_SET_THREADS
    if (segment->thread_count > 0) (void)pdb_db_set_threads(shared_db, segment->thread_count);
#endif
    segment->bytes = 0;
    for (int i = 0; i < SEGMENT_COLUMNS_MAX && segment->columns[i] != NULL; i++)
        segment->bytes += column_bytes(segment->columns[i]);
    uint64_t count;
    struct pdb_error pdb_error = {0};
    if (pdb_segment_count(shared_db, segment->text, &count, &pdb_error) != PDB_OK) {
        snprintf(error, error_size, "%s: %s", segment->text, pdb_error.message);
        return -1;
    }
    return 0;
}

static struct bench_result segment_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct segment_case *segment = context;
    uint64_t count = 0;
    struct pdb_error error = {0};
    if (pdb_segment_count(shared_db, segment->text, &count, &error) != PDB_OK) {
        fprintf(stderr, "profiledb_bench: %s: %s\n", segment->text, error.message);
        return (struct bench_result){0, 0, 0};
    }
    return (struct bench_result){shared_rows, segment->bytes, count};
}

static void add_case(struct segment_case *segment, const char *suffix)
{
    char name[BENCH_NAME_SIZE];
    snprintf(name, sizeof name, "BM_segment_count/%s%s", segment->name, suffix);
    struct bench_case *bench_case = bench_registry_add(name, segment_setup, segment_run, NULL, segment);
    if (bench_case == NULL) return;
    bench_case->uses_real_time = 1; /* the engine runs its own threads */
    snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu profiles=%llu",
             (unsigned long long)bench_seed(), (unsigned long long)profile_count());
}

void bench_segments_register(void)
{
#ifdef PDB_BENCH_HAVE_SET_THREADS
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t counts[2] = {1, cores > 1 ? (uint32_t)cores : 1};
    uint32_t next = 0;
    for (size_t i = 0; i < SEGMENT_CASE_COUNT; i++) {
        for (uint32_t c = 0; c < (counts[1] > 1 ? 2u : 1u); c++) {
            struct segment_case *segment = &threaded_cases[next++];
            *segment = segment_cases[i];
            segment->thread_count = counts[c];
            char suffix[32];
            snprintf(suffix, sizeof suffix, "/t%u", counts[c]);
            add_case(segment, suffix);
        }
    }
#else
    (void)threaded_cases;
    for (size_t i = 0; i < SEGMENT_CASE_COUNT; i++) add_case(&segment_cases[i], "");
#endif
}
