/*
 * profiledb count DB 'segment': the number of profiles in a segment.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb count DB 'SEGMENT' [options]\n"
                 "       profiledb count --connect HOST:PORT [--token T] 'SEGMENT' [options]\n\n"
                 "Counts the profiles of database DB for which SEGMENT is true (the segment\n"
                 "language: docs/SEGMENTS.md), e.g.\n"
                 "  profiledb count shop \"country IN ('US','CA') AND age BETWEEN 25 AND 40\"\n\n"
                 "Options:\n"
                 "  --format F    table (default: the number alone), csv or json\n"
                 "  --timing      print on stderr the query time, split into loading the columns and\n"
                 "                evaluating the segment, and the time to open the database\n"
                 "  --now TS      evaluate now() as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 CLI_THREADS_HELP
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n");
}

static void print_count(const struct cli_query_args *args, uint64_t count, double query_s)
{
    switch (args->format) {
    case CLI_FORMAT_TABLE: printf("%llu\n", (unsigned long long)count); break;
    case CLI_FORMAT_CSV:
        printf("segment,count\n");
        cli_print_csv_field(stdout, args->segment, strlen(args->segment));
        printf(",%llu\n", (unsigned long long)count);
        break;
    case CLI_FORMAT_JSON:
        printf("{\"segment\": ");
        cli_print_json_string(stdout, args->segment, strlen(args->segment));
        printf(", \"count\": %llu, \"query_ms\": %.3f}\n", (unsigned long long)count, query_s * 1e3);
        break;
    }
}

static int count_remote(const struct cli_query_args *args)
{
    struct pdb_client *client;
    double started_s = cli_now_s();
    int early = cli_connect("count", args->connect, args->token, &client);
    if (early >= 0) return early;
    double connected_s = cli_now_s();
    struct pdb_error error = {0};
    uint64_t count;
    enum pdb_status status = pdb_client_count(client, args->segment, args->now_s, &count, &error);
    double done_s = cli_now_s();
    pdb_client_close(client);
    if (status != PDB_OK) return cli_report("count", &error);
    print_count(args, count, done_s - connected_s);
    if (args->timing) cli_print_remote_timing("count", connected_s - started_s, done_s - connected_s);
    return CLI_EXIT_OK;
}

int cmd_count(int argc, char **argv)
{
    struct cli_query_args args;
    int early = cli_parse_query_args("count", argc, argv, false, usage, &args);
    if (early >= 0) return early;
    if (args.connect != NULL) return count_remote(&args);
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(args.db_path, &db, &error) != PDB_OK) return cli_report("count", &error);
    if (args.now_s) pdb_db_set_now(db, args.now_s);
    if (args.has_threads) pdb_db_set_threads(db, args.threads);
    double opened_s = cli_now_s();
    uint64_t count;
    enum pdb_status status = pdb_segment_count(db, args.segment, &count, &error);
    double done_s = cli_now_s();
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("count", &error);
    }
    print_count(&args, count, done_s - opened_s);
    if (args.timing) cli_print_query_timing("count", opened_s - started_s, done_s - opened_s, db);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
