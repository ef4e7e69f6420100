/*
 * profiledb overlap DB 'SEG1' 'SEG2' ...: the matrix of how many profiles each pair of
 * segments shares (pdb_segment_overlap), the diagonal being each segment's count.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "base/timestamp.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb overlap DB 'SEGMENT' 'SEGMENT' ... [options]\n"
                 "       profiledb overlap --connect HOST:PORT [--token T] 'SEGMENT' 'SEGMENT' ... [options]\n\n"
                 "Prints, for 1 to %u segments of DB, how many profiles are in both of each pair\n"
                 "(row i, column j); the diagonal is each segment's own count. All segments are\n"
                 "evaluated in one pass, e.g.\n"
                 "  profiledb overlap shop \"country = 'US'\" \"interests HAS 'yoga'\" \"age < 30\"\n\n"
                 "Options:\n"
                 "  --format F    table (default: the matrix, segments numbered from 1, then a\n"
                 "                legend), csv (a header row, then one row per segment) or json\n"
                 "  --timing      print the time to open the database and to run the query on stderr\n"
                 "  --now TS      evaluate now() as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 CLI_THREADS_HELP
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n", PDB_OVERLAP_SEGMENTS_MAX);
}

static void print_matrix(char **segments, uint32_t n, const uint64_t *matrix, enum cli_format format)
{
    switch (format) {
    case CLI_FORMAT_TABLE:
        printf("%8s", "");
        for (uint32_t j = 0; j < n; j++) printf(" %12u", j + 1);
        printf("\n");
        for (uint32_t i = 0; i < n; i++) {
            printf("%8u", i + 1);
            for (uint32_t j = 0; j < n; j++) printf(" %12llu", (unsigned long long)matrix[i * n + j]);
            printf("\n");
        }
        for (uint32_t i = 0; i < n; i++) printf("%u: %s\n", i + 1, segments[i]);
        break;
    case CLI_FORMAT_CSV:
        printf("segment");
        for (uint32_t j = 0; j < n; j++) {
            printf(",");
            cli_print_csv_field(stdout, segments[j], strlen(segments[j]));
        }
        printf("\n");
        for (uint32_t i = 0; i < n; i++) {
            cli_print_csv_field(stdout, segments[i], strlen(segments[i]));
            for (uint32_t j = 0; j < n; j++) printf(",%llu", (unsigned long long)matrix[i * n + j]);
            printf("\n");
        }
        break;
    case CLI_FORMAT_JSON:
        printf("{\"segments\": [");
        for (uint32_t i = 0; i < n; i++) {
            if (i) printf(", ");
            cli_print_json_string(stdout, segments[i], strlen(segments[i]));
        }
        printf("], \"matrix\": [");
        for (uint32_t i = 0; i < n; i++) {
            printf("%s[", i ? ", " : "");
            for (uint32_t j = 0; j < n; j++) printf("%s%llu", j ? ", " : "", (unsigned long long)matrix[i * n + j]);
            printf("]");
        }
        printf("]}\n");
        break;
    }
}

static int overlap_remote(const char *address, const char *token, char **segments, uint32_t n,
                          int64_t now_s, enum cli_format format, bool timing)
{
    struct pdb_client *client;
    double started_s = cli_now_s();
    int early = cli_connect("overlap", address, token, &client);
    if (early >= 0) return early;
    double connected_s = cli_now_s();
    uint64_t matrix[PDB_OVERLAP_SEGMENTS_MAX * PDB_OVERLAP_SEGMENTS_MAX];
    struct pdb_error error = {0};
    enum pdb_status status =
        pdb_client_overlap(client, (const char *const *)segments, n, now_s, matrix, &error);
    double done_s = cli_now_s();
    pdb_client_close(client);
    if (status != PDB_OK) return cli_report("overlap", &error);
    print_matrix(segments, n, matrix, format);
    if (timing) cli_print_remote_timing("overlap", connected_s - started_s, done_s - connected_s);
    return CLI_EXIT_OK;
}

int cmd_overlap(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"timing", no_argument, NULL, 't'},
        {"now", required_argument, NULL, 'n'},    {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {"connect", required_argument, NULL, 'c'},
        {"token", required_argument, NULL, 'T'},  {0, 0, 0, 0}};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *connect = NULL, *token = NULL;
    bool timing = false, has_threads = false;
    int64_t now_s = 0;
    uint32_t threads = 0;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:tn:j:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &format))
                return cli_usage_error("overlap", "unknown format '%s' (expected table, csv or json)", optarg);
            break;
        case 't': timing = true; break;
        case 'n': {
            const char *problem = timestamp_parse(optarg, strlen(optarg), &now_s);
            if (problem != NULL) return cli_usage_error("overlap", "--now '%s': %s", optarg, problem);
            if (now_s == 0) now_s = 1;
            break;
        }
        case 'j':
            if (!cli_parse_threads(optarg, &threads))
                return cli_usage_error("overlap", "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            has_threads = true;
            break;
        case 'c': connect = optarg; break;
        case 'T': token = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("overlap", "invalid option");
        }
    }
    if (connect != NULL) {
        if (has_threads) return cli_usage_error("overlap", "--threads is for embedded mode, not --connect");
        int remote_count = argc - optind;
        if (remote_count < 1) return cli_usage_error("overlap", "with --connect, expected at least one segment and no database path");
        if (remote_count > (int)PDB_OVERLAP_SEGMENTS_MAX)
            return cli_usage_error("overlap", "at most %u segments, not %d", PDB_OVERLAP_SEGMENTS_MAX, remote_count);
        return overlap_remote(connect, token, argv + optind, (uint32_t)remote_count, now_s, format, timing);
    }
    if (token != NULL) return cli_usage_error("overlap", "--token needs --connect");
    int segment_count = argc - optind - 1;
    if (segment_count < 1) return cli_usage_error("overlap", "expected a database path and at least one segment");
    if (segment_count > (int)PDB_OVERLAP_SEGMENTS_MAX)
        return cli_usage_error("overlap", "at most %u segments, not %d", PDB_OVERLAP_SEGMENTS_MAX, segment_count);
    const char *db_path = argv[optind];
    char **segments = argv + optind + 1;
    uint32_t n = (uint32_t)segment_count;
    uint64_t matrix[PDB_OVERLAP_SEGMENTS_MAX * PDB_OVERLAP_SEGMENTS_MAX];
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(db_path, &db, &error) != PDB_OK) return cli_report("overlap", &error);
    if (now_s) pdb_db_set_now(db, now_s);
    if (has_threads) pdb_db_set_threads(db, threads);
    double opened_s = cli_now_s();
    enum pdb_status status = pdb_segment_overlap(db, (const char *const *)segments, n, matrix, &error);
    double done_s = cli_now_s();
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("overlap", &error);
    }
    print_matrix(segments, n, matrix, format);
    if (timing) cli_print_timing("overlap", opened_s - started_s, done_s - opened_s);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
