/*
 * profiledb schema DB: prints the schema (as a schema file, CSV or JSON).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb schema DB [--format table|csv|json]\n\n"
                 "Prints the attributes of database DB. 'table' (the default) prints the schema in\n"
                 "schema-file syntax, usable with 'profiledb init --schema'.\n\n"
                 "Options:\n"
                 "  --format F   table (default), csv or json\n"
                 "  -h, --help   show this help\n");
}

static void print_flags(FILE *out, uint32_t flags, const char *separator, bool quoted)
{
    static const struct { uint32_t flag; const char *name; } names[] = {
        {PDB_FLAG_IDENTIFIER, "identifier"}, {PDB_FLAG_PII, "pii"}, {PDB_FLAG_INDEXED, "indexed"},
        {PDB_FLAG_PRIMARY, "primary"}, {PDB_FLAG_COMPUTED, "computed"}};
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].flag)) continue;
        fprintf(out, "%s%s%s%s", first ? "" : separator, quoted ? "\"" : "", names[i].name, quoted ? "\"" : "");
        first = false;
    }
}

int cmd_schema(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    enum cli_format format = CLI_FORMAT_TABLE;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &format)) return cli_usage_error("schema", "unknown format '%s'", optarg);
            break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("schema", "invalid option");
        }
    }
    if (optind + 1 != argc) return cli_usage_error("schema", "expected exactly one database path");
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(argv[optind], &db, &error) != PDB_OK) return cli_report("schema", &error);
    uint32_t count = pdb_db_attribute_count(db);
    if (format == CLI_FORMAT_TABLE) {
        size_t size = pdb_db_schema_text(db, NULL, 0);
        char *text = malloc(size + 1);
        if (text == NULL) {
            pdb_db_close(db);
            return CLI_EXIT_INTERNAL;
        }
        pdb_db_schema_text(db, text, size + 1);
        fputs(text, stdout);
        free(text);
    } else if (format == CLI_FORMAT_CSV) {
        printf("name,type,flags\n");
        for (uint32_t i = 0; i < count; i++) {
            struct pdb_attribute_info info;
            pdb_db_attribute(db, i, &info);
            printf("%s,%s,", info.name, pdb_type_name(info.type));
            print_flags(stdout, info.flags, " ", false);
            printf("\n");
        }
    } else {
        printf("[");
        for (uint32_t i = 0; i < count; i++) {
            struct pdb_attribute_info info;
            pdb_db_attribute(db, i, &info);
            printf("%s\n  {\"name\": \"%s\", \"type\": \"%s\", \"flags\": [", i ? "," : "", info.name,
                   pdb_type_name(info.type));
            print_flags(stdout, info.flags, ", ", true);
            const char *rules = pdb_db_attribute_rules(db, i);
            printf("], \"rules\": ");
            cli_print_json_string(stdout, rules, strlen(rules));
            const char *definition = pdb_db_attribute_definition(db, i);
            if (definition != NULL) {
                printf(", \"definition\": ");
                cli_print_json_string(stdout, definition, strlen(definition));
            }
            printf("}");
        }
        printf("\n]\n");
    }
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
