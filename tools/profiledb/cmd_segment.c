/*
 * profiledb segment save|list|drop DB ...: named segments stored in the database, usable
 * inside any segment as segment('name') (pdb_segment_save, pdb_segment_list,
 * pdb_segment_drop).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb segment save DB NAME 'SEGMENT'\n"
                 "       profiledb segment list DB [--format F]\n"
                 "       profiledb segment drop DB NAME\n\n"
                 "Saved segments are named segments stored in the database directory (the SEGMENTS\n"
                 "file); any segment can use one as segment('NAME'), e.g.\n"
                 "  profiledb segment save shop vip_us \"country = 'US' AND total_spend > 1000\"\n"
                 "  profiledb count shop \"segment('vip_us') AND age < 30\"\n"
                 "save checks that the segment compiles (the saved segments it uses included, no\n"
                 "cycles) and replaces an existing one of that name. NAME is 1-64 letters, digits,\n"
                 "'_', '.' or '-'.\n\n"
                 "Options:\n"
                 "  --format F    list output: table (default: name, then segment), csv or json\n"
                 "  -h, --help    show this help\n");
}

struct list_context {
    enum cli_format format;
    uint32_t count;
};

static bool print_saved(void *context, const char *name, const char *text)
{
    struct list_context *list = context;
    switch (list->format) {
    case CLI_FORMAT_TABLE: printf("%-24s %s\n", name, text); break;
    case CLI_FORMAT_CSV:
        cli_print_csv_field(stdout, name, strlen(name));
        printf(",");
        cli_print_csv_field(stdout, text, strlen(text));
        printf("\n");
        break;
    case CLI_FORMAT_JSON:
        printf("%s{\"name\": ", list->count ? ", " : "");
        cli_print_json_string(stdout, name, strlen(name));
        printf(", \"segment\": ");
        cli_print_json_string(stdout, text, strlen(text));
        printf("}");
        break;
    }
    list->count++;
    return true;
}

int cmd_segment(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    enum cli_format format = CLI_FORMAT_TABLE;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &format))
                return cli_usage_error("segment", "unknown format '%s' (expected table, csv or json)", optarg);
            break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("segment", "invalid option");
        }
    }
    if (argc - optind < 2) return cli_usage_error("segment", "expected save, list or drop, then a database path");
    const char *action = argv[optind++];
    char **operands = argv + optind;
    int operand_count = argc - optind;
    int expected = strcmp(action, "save") == 0 ? 3 : strcmp(action, "drop") == 0 ? 2
                   : strcmp(action, "list") == 0 ? 1 : -1;
    if (expected < 0) return cli_usage_error("segment", "unknown action '%s' (expected save, list or drop)", action);
    if (operand_count != expected) {
        return cli_usage_error("segment", "segment %s takes %s", action,
                               expected == 3 ? "DB NAME 'SEGMENT'" : expected == 2 ? "DB NAME" : "DB");
    }
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(operands[0], &db, &error) != PDB_OK) return cli_report("segment", &error);
    enum pdb_status status;
    if (expected == 3) {
        status = pdb_segment_save(db, operands[1], operands[2], &error);
        if (status == PDB_OK) printf("saved segment '%s'\n", operands[1]);
    } else if (expected == 2) {
        status = pdb_segment_drop(db, operands[1], &error);
        if (status == PDB_OK) printf("dropped segment '%s'\n", operands[1]);
    } else {
        struct list_context list = {format, 0};
        if (format == CLI_FORMAT_CSV) printf("name,segment\n");
        if (format == CLI_FORMAT_JSON) printf("[");
        status = pdb_segment_list(db, print_saved, &list, &error);
        if (format == CLI_FORMAT_JSON && status == PDB_OK) printf("]\n");
    }
    pdb_db_close(db);
    if (status != PDB_OK) return cli_report("segment", &error);
    return CLI_EXIT_OK;
}
