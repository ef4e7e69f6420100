/*
 * profiledb: the command-line tool. Dispatches to one sub-command per file (cmd_*.c);
 * `profiledb --help` lists them, `profiledb <command> --help` explains one.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"gen", cmd_gen, "generate realistic retail profiles as CSV, with their schema"},
    {"init", cmd_init, "create an empty database from a schema file"},
    {"schema", cmd_schema, "print a database's schema"},
    {"ingest", cmd_ingest, "load CSV or NDJSON files into a database (upserts by the primary key), or events (--events)"},
    {"upsert", cmd_upsert, "stream NDJSON records through the write-ahead log, acknowledged per batch"},
    {"count", cmd_count, "count the profiles in a segment"},
    {"ids", cmd_ids, "list the ids of the profiles in a segment"},
    {"explain", cmd_explain, "show a segment's plan with estimated and actual rows per step"},
    {"delete", cmd_delete, "delete the profiles in a segment (tombstones)"},
    {"compact", cmd_compact, "remove events older than their type's retention from storage"},
    {"breakdown", cmd_breakdown, "count a segment's profiles by the values of an attribute"},
    {"overlap", cmd_overlap, "how many profiles each pair of segments shares"},
    {"segment", cmd_segment, "save, list or drop named segments (segment('name'))"},
    {"get", cmd_get, "show one profile, by id or by an identifier"},
    {"stats", cmd_stats, "rows, chunks, and bytes per column"},
    {"serve", cmd_serve, "serve a database over the network (docs/PROTOCOL.md)"},
};

static void print_help(FILE *out)
{
    fprintf(out, "profiledb %s — a columnar customer-profile database\n\n"
                 "Usage: profiledb <command> [options]\n\nCommands:\n", PDB_VERSION_STRING);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'profiledb <command> --help' for a command's options.\n"
                 "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad segment, 4 I/O or corrupt "
                 "database, 5 bad schema or data, 6 not found, 7 access denied (server).\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("profiledb %s\n", PDB_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "profiledb: unknown command '%s'\n", name);
    print_help(stderr);
    return CLI_EXIT_USAGE;
}
