/*
 * profiledb compact DB [--now TS]: removes from storage the events older than their type's
 * retention (pdb_db_compact).
 */
#include <stdio.h>
#include <string.h>

#include "base/timestamp.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb compact DB [--now TS]\n\n"
                 "Removes from the files of database DB every event older than now minus its\n"
                 "type's retention (`event purchase retention 730d` in the schema): a month whose\n"
                 "every event expired is dropped and its file deleted, a partly expired month is\n"
                 "rewritten without them. Segments never saw those events; this frees the disk.\n"
                 "One atomic commit under the writer lock (exits 4 if another process writes).\n"
                 "An event ingest does the same for its type at its end.\n\n"
                 "Options:\n"
                 "  --now TS      take now as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 "  -h, --help    show this help\n");
}

int cmd_compact(int argc, char **argv)
{
    const char *db_path = NULL;
    int64_t now_s = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--now") == 0) {
            if (i + 1 >= argc) return cli_usage_error("compact", "--now needs a timestamp");
            const char *text = argv[++i];
            const char *problem = timestamp_parse(text, strlen(text), &now_s);
            if (problem != NULL) return cli_usage_error("compact", "--now '%s': %s", text, problem);
            if (now_s == 0) now_s = 1; /* 0 means "wall clock" to the engine */
        } else if (argv[i][0] == '-') {
            return cli_usage_error("compact", "unknown option '%s'", argv[i]);
        } else if (db_path == NULL) {
            db_path = argv[i];
        } else {
            return cli_usage_error("compact", "unexpected argument '%s'", argv[i]);
        }
    }
    if (db_path == NULL) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(db_path, &db, &error) != PDB_OK) return cli_report("compact", &error);
    if (now_s) pdb_db_set_now(db, now_s);
    struct pdb_compact_result result;
    enum pdb_status status = pdb_db_compact(db, &result, &error);
    pdb_db_close(db);
    if (status != PDB_OK) return cli_report("compact", &error);
    printf("events removed       %llu\nevent types          %u\nmonths rewritten     %u\n"
           "months dropped       %u\nelapsed              %.3f s\n",
           (unsigned long long)result.events_removed, result.types_compacted,
           result.partitions_rewritten, result.partitions_dropped, result.elapsed_s);
    return CLI_EXIT_OK;
}
