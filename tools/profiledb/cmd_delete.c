/*
 * profiledb delete DB 'segment': tombstones the profiles of a segment.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb delete DB 'SEGMENT' [options]\n\n"
                 "Deletes the profiles of database DB for which SEGMENT is true and prints how\n"
                 "many were newly deleted. From then on no count, ids, get or find returns them.\n"
                 "Ids are never reused; the rows stay on disk (marked deleted) until a later\n"
                 "purge. Takes the writer lock like ingest: exits 4 if another process writes.\n"
                 "  profiledb delete shop \"email = 'ann@example.com'\"\n\n"
                 "Options:\n"
                 "  --format F    table (default: the number alone), csv or json\n"
                 "  --now TS      evaluate now() as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 CLI_THREADS_HELP
                 "  -h, --help    show this help\n");
}

int cmd_delete(int argc, char **argv)
{
    struct cli_query_args args;
    int early = cli_parse_query_args("delete", argc, argv, false, usage, &args);
    if (early >= 0) return early;
    if (args.timing) return cli_usage_error("delete", "--timing is not an option of delete");
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(args.db_path, &db, &error) != PDB_OK) return cli_report("delete", &error);
    if (args.now_s) pdb_db_set_now(db, args.now_s);
    if (args.has_threads) pdb_db_set_threads(db, args.threads);
    uint64_t deleted;
    enum pdb_status status = pdb_segment_delete(db, args.segment, &deleted, &error);
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("delete", &error);
    }
    switch (args.format) {
    case CLI_FORMAT_TABLE: printf("%llu\n", (unsigned long long)deleted); break;
    case CLI_FORMAT_CSV:
        printf("segment,deleted\n");
        cli_print_csv_field(stdout, args.segment, strlen(args.segment));
        printf(",%llu\n", (unsigned long long)deleted);
        break;
    case CLI_FORMAT_JSON:
        printf("{\"segment\": ");
        cli_print_json_string(stdout, args.segment, strlen(args.segment));
        printf(", \"deleted\": %llu}\n", (unsigned long long)deleted);
        break;
    }
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
