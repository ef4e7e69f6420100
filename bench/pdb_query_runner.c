/*
 * pdb_query_runner: times a suite of segments in process for bench/compare.
 *
 *   pdb_query_runner DB QUERIES.tsv [--runs R] [--now TS] [--threads T]
 *   pdb_query_runner DB --stats
 *
 * QUERIES.tsv holds one "name<TAB>segment[<TAB>columns]" per line. The database is opened once, now() is
 * fixed (--now, default 2026-11-01T00:00:00Z), the thread count is set when the engine has
 * pdb_db_set_threads; each segment is counted once to warm (loading its columns, timed as
 * first_ms), then R times (default 5). Prints one JSON object on stdout: per segment the
 * count, every run, the median and the minimum in milliseconds. A count that changes between
 * runs is an error (exit 1). A line that names the columns its segment scans (comma-separated)
 * also gets the bandwidth yardstick on those same bytes (column_yardstick.h), timed just
 * before each run: "yardstick" gives its bytes, median and minimum. --stats prints pdb_db_stats as JSON instead (bytes per column
 * on disk and in memory; loads every column).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/timestamp.h"
#include "column_yardstick.h"
#include "profiledb/profiledb.h"
#ifdef PDB_BENCH_HAVE_SIMD
#include "simd/simd.h"
#endif

#define RUNNER_RUNS_MAX 1000u
#define RUNNER_QUERIES_MAX 256u
#define RUNNER_LINE_SIZE_MAX (1u << 20)

struct query {
    char *name;
    char *text;
    char *columns; /* NULL: no yardstick */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *values, uint32_t count)
{
    double sorted[RUNNER_RUNS_MAX];
    memcpy(sorted, values, count * sizeof(double));
    qsort(sorted, count, sizeof(double), compare_doubles);
    return count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
}

/* Reads "name<TAB>text" lines; returns the count or -1. */
static int queries_read(const char *path, struct query *queries)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "pdb_query_runner: cannot open %s\n", path);
        return -1;
    }
    char *line = mem_alloc(RUNNER_LINE_SIZE_MAX);
    int count = 0;
    while (line != NULL && fgets(line, RUNNER_LINE_SIZE_MAX, file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (tab == NULL || count == (int)RUNNER_QUERIES_MAX) {
            fprintf(stderr, "pdb_query_runner: %s: bad line '%s'\n", path, line);
            count = -1;
            break;
        }
        *tab = '\0';
        char *columns = strchr(tab + 1, '\t');
        if (columns != NULL) *columns++ = '\0';
        queries[count].name = mem_strdup(line);
        queries[count].text = mem_strdup(tab + 1);
        queries[count].columns = columns != NULL && columns[0] != '\0' ? mem_strdup(columns) : NULL;
        count++;
        if (queries[count - 1].name == NULL || queries[count - 1].text == NULL ||
            (columns != NULL && columns[0] != '\0' && queries[count - 1].columns == NULL)) {
            fprintf(stderr, "pdb_query_runner: out of memory\n");
            count = -1;
            break;
        }
    }
    mem_free(line);
    fclose(file);
    return count;
}

static int print_stats(struct pdb_db *db)
{
    struct pdb_stats stats;
    struct pdb_error error = {0};
    if (pdb_db_stats(db, &stats, &error) != PDB_OK) {
        fprintf(stderr, "pdb_query_runner: stats: %s\n", error.message);
        return 1;
    }
    printf("{\"rows\": %llu, \"bytes_on_disk\": %llu, \"bytes_ingested\": %llu, \"columns\": [",
           (unsigned long long)stats.row_count, (unsigned long long)stats.bytes_on_disk,
           (unsigned long long)stats.bytes_ingested);
    for (uint32_t i = 0; i < stats.column_count; i++) {
        const struct pdb_column_stats *column = &stats.columns[i];
        printf("%s{\"name\": ", i ? ", " : "");
        print_json_string(column->name);
        printf(", \"type\": \"%s\", \"bytes_on_disk\": %llu, \"bytes_in_memory\": %llu}",
               pdb_type_name(column->type), (unsigned long long)column->bytes_on_disk,
               (unsigned long long)column->bytes_in_memory);
    }
    printf("]}\n");
    pdb_stats_deinit(&stats);
    return 0;
}

static const char *simd_level_text(void)
{
#ifdef PDB_BENCH_HAVE_SIMD
    return simd_level_name(simd_kernels()->level);
#else
    return "none";
#endif
}

int main(int argc, char **argv)
{
    const char *db_path = NULL, *queries_path = NULL, *now_text = "2026-11-01T00:00:00Z";
    unsigned runs = 5, threads = 0;
    int want_stats = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
            now_text = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--stats") == 0)
            want_stats = 1;
        else if (db_path == NULL)
            db_path = argv[i];
        else if (queries_path == NULL)
            queries_path = argv[i];
        else {
            fprintf(stderr, "pdb_query_runner: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (db_path == NULL || (queries_path == NULL && !want_stats) || runs == 0 || runs > RUNNER_RUNS_MAX) {
        fprintf(stderr, "usage: pdb_query_runner DB QUERIES.tsv [--runs R] [--now TS] [--threads T]\n"
                        "       pdb_query_runner DB --stats\n");
        return 2;
    }
    int64_t now_s;
    const char *problem = timestamp_parse(now_text, strlen(now_text), &now_s);
    if (problem != NULL) {
        fprintf(stderr, "pdb_query_runner: --now '%s': %s\n", now_text, problem);
        return 2;
    }

    struct pdb_error error = {0};
    struct pdb_db *db;
    double open_started = now_ms();
    if (pdb_db_open(db_path, &db, &error) != PDB_OK) {
        fprintf(stderr, "pdb_query_runner: %s\n", error.message);
        return 1;
    }
    double open_ms = now_ms() - open_started;
    if (want_stats) {
        int status = print_stats(db);
        pdb_db_close(db);
        return status;
    }
    pdb_db_set_now(db, now_s);
    int threads_applied = 0;
#ifdef PDB_BENCH_HAVE_SET_THREADS
    if (threads > 0) {
        (void)pdb_db_set_threads(db, threads);
        threads_applied = 1;
    }
#endif
    static struct query queries[RUNNER_QUERIES_MAX];
    int query_count = queries_read(queries_path, queries);
    if (query_count < 0) return 2;

    int exit_code = 0;
    printf("{\"engine\": \"profiledb\", \"rows\": %llu, \"open_ms\": %.3f, \"threads\": %u, "
           "\"threads_applied\": %s, \"simd_level\": \"%s\", \"runs\": %u, \"queries\": [",
           (unsigned long long)pdb_db_row_count(db), open_ms, threads,
           threads_applied ? "true" : "false", simd_level_text(), runs);
    for (int q = 0; q < query_count && exit_code == 0; q++) {
        uint64_t count = 0, again;
        double started = now_ms();
        if (pdb_segment_count(db, queries[q].text, &count, &error) != PDB_OK) {
            fprintf(stderr, "pdb_query_runner: %s: %s\n", queries[q].name, error.message);
            exit_code = 1;
            break;
        }
        double first_ms = now_ms() - started;
        struct column_yardstick *yardstick = NULL;
        if (queries[q].columns != NULL) {
            char problem[256];
            yardstick = column_yardstick_create(db, queries[q].columns, pdb_db_thread_count(db),
                                                problem, sizeof problem);
            if (yardstick == NULL) {
                fprintf(stderr, "pdb_query_runner: %s: yardstick: %s\n", queries[q].name, problem);
                exit_code = 1;
                break;
            }
        }
        double times[RUNNER_RUNS_MAX], yardstick_times[RUNNER_RUNS_MAX];
        for (unsigned r = 0; r < runs; r++) {
            if (yardstick != NULL) yardstick_times[r] = column_yardstick_run_ms(yardstick);
            started = now_ms();
            enum pdb_status status = pdb_segment_count(db, queries[q].text, &again, &error);
            times[r] = now_ms() - started;
            if (status != PDB_OK || again != count) {
                fprintf(stderr, "pdb_query_runner: %s: run %u gave %s%llu (first %llu)\n",
                        queries[q].name, r, status != PDB_OK ? error.message : "",
                        (unsigned long long)again, (unsigned long long)count);
                exit_code = 1;
                break;
            }
        }
        double min_ms = times[0];
        for (unsigned r = 1; r < runs; r++) min_ms = times[r] < min_ms ? times[r] : min_ms;
        printf("%s\n  {\"name\": ", q ? "," : "");
        print_json_string(queries[q].name);
        printf(", \"count\": %llu, \"first_ms\": %.4f, \"median_ms\": %.4f, \"min_ms\": %.4f, \"runs_ms\": [",
               (unsigned long long)count, first_ms, median_of(times, runs), min_ms);
        for (unsigned r = 0; r < runs; r++) printf("%s%.4f", r ? ", " : "", times[r]);
        printf("]");
        if (yardstick != NULL) {
            double yardstick_min = yardstick_times[0];
            for (unsigned r = 1; r < runs; r++)
                yardstick_min = yardstick_times[r] < yardstick_min ? yardstick_times[r] : yardstick_min;
            printf(", \"yardstick\": {\"columns\": ");
            print_json_string(queries[q].columns);
            printf(", \"bytes\": %llu, \"median_ms\": %.4f, \"min_ms\": %.4f}",
                   (unsigned long long)column_yardstick_bytes(yardstick),
                   median_of(yardstick_times, runs), yardstick_min);
            column_yardstick_destroy(yardstick);
        }
        printf("}");
        fflush(stdout);
    }
    printf("\n]}\n");
    for (int q = 0; q < query_count; q++) {
        mem_free(queries[q].name);
        mem_free(queries[q].text);
        mem_free(queries[q].columns);
    }
    pdb_db_close(db);
    return exit_code;
}
