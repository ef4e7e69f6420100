/*
 * profiledb init DB --schema FILE: creates an empty database directory.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb init DB --schema FILE\n\n"
                 "Creates the database directory DB (which must not exist, or be empty) with the\n"
                 "attributes declared in the schema file FILE (syntax: README.md, 'Schema files').\n\n"
                 "Options:\n"
                 "  --schema FILE   the schema file (required)\n"
                 "  -h, --help      show this help\n");
}

int cmd_init(int argc, char **argv)
{
    static const struct option options[] = {
        {"schema", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *schema_path = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "s:h", options, NULL)) != -1) {
        switch (option) {
        case 's': schema_path = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("init", "invalid option");
        }
    }
    if (optind + 1 != argc) return cli_usage_error("init", "expected exactly one database path");
    if (schema_path == NULL) return cli_usage_error("init", "--schema FILE is required");
    struct pdb_error error = {0};
    if (pdb_db_create(argv[optind], schema_path, &error) != PDB_OK) return cli_report("init", &error);
    printf("created database %s\n", argv[optind]);
    return CLI_EXIT_OK;
}
