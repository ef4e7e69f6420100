/*
 * profiledb ids DB 'segment' [--limit N]: the ids of the profiles in a segment, ascending.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb ids DB 'SEGMENT' [options]\n\n"
                 "Lists the ids of the profiles of DB for which SEGMENT is true, in ascending\n"
                 "order (the segment language: docs/SEGMENTS.md).\n\n"
                 "Options:\n"
                 "  --limit N     at most N ids (default: all)\n"
                 "  --format F    table (default: one id per line), csv or json\n"
                 "  --timing      print the query time on stderr (load, evaluate and deliver)\n"
                 "  --now TS      evaluate now() as TS instead of the clock\n"
                 CLI_THREADS_HELP
                 "  -h, --help    show this help\n");
}

struct printer {
    enum cli_format format;
    uint64_t printed;
};

static bool print_id(void *context, uint32_t row_id)
{
    struct printer *printer = context;
    if (printer->format == CLI_FORMAT_JSON) printf("%s%u", printer->printed ? ", " : "", row_id);
    else printf("%u\n", row_id);
    printer->printed++;
    return true;
}

int cmd_ids(int argc, char **argv)
{
    struct cli_query_args args;
    int early = cli_parse_query_args("ids", argc, argv, true, usage, &args);
    if (early >= 0) return early;
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(args.db_path, &db, &error) != PDB_OK) return cli_report("ids", &error);
    if (args.now_s) pdb_db_set_now(db, args.now_s);
    if (args.has_threads) pdb_db_set_threads(db, args.threads);
    double opened_s = cli_now_s();
    /* Check the segment first so a bad one prints nothing on stdout. */
    if (pdb_segment_check(db, args.segment, &error) != PDB_OK) {
        pdb_db_close(db);
        return cli_report("ids", &error);
    }
    struct printer printer = {.format = args.format};
    if (args.format == CLI_FORMAT_CSV) printf("id\n");
    if (args.format == CLI_FORMAT_JSON) printf("{\"ids\": [");
    enum pdb_status status = pdb_segment_ids(db, args.segment, args.limit, print_id, &printer, &error);
    double done_s = cli_now_s();
    if (args.format == CLI_FORMAT_JSON) printf("], \"count\": %llu}\n", (unsigned long long)printer.printed);
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("ids", &error);
    }
    if (args.timing) cli_print_query_timing("ids", opened_s - started_s, done_s - opened_s, db);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
