/*
 * profiledb explain DB 'segment': the plan of a segment, run once and measured per step.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb explain DB 'SEGMENT' [options]\n\n"
                 "Counts SEGMENT once on one thread and prints its plan after constant folding\n"
                 "and reordering: one line per step with the access path (index, zone-pruned\n"
                 "scan, scan, null bitmap, none), the estimated rows, the actual rows (TRUE at\n"
                 "that step, over the chunks where it ran), chunks decided without a scan or\n"
                 "skipped by an early stop, and the time spent in the step (its children\n"
                 "included), then the count. AND steps run most selective and cheapest first,\n"
                 "OR steps most likely to match first.\n"
                 "  profiledb explain shop \"country = 'US' AND interests HAS 'running'\"\n\n"
                 "Options:\n"
                 "  --format F    table (default: indented text) or json (one object)\n"
                 "  --now TS      evaluate now() as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 "  -h, --help    show this help\n");
}

int cmd_explain(int argc, char **argv)
{
    struct cli_query_args args;
    int early = cli_parse_query_args("explain", argc, argv, false, usage, &args);
    if (early >= 0) return early;
    if (args.format == CLI_FORMAT_CSV)
        return cli_usage_error("explain", "explain prints table (text) or json, not csv");
    if (args.timing) return cli_usage_error("explain", "--timing is not an option of explain");
    if (args.has_threads) return cli_usage_error("explain", "explain runs on one thread");
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(args.db_path, &db, &error) != PDB_OK) return cli_report("explain", &error);
    if (args.now_s) pdb_db_set_now(db, args.now_s);
    char *text;
    enum pdb_explain_format format =
        args.format == CLI_FORMAT_JSON ? PDB_EXPLAIN_JSON : PDB_EXPLAIN_TEXT;
    enum pdb_status status = pdb_segment_explain(db, args.segment, format, &text, &error);
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("explain", &error);
    }
    fputs(text, stdout);
    pdb_text_destroy(text);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
