/*
 * profiledb segment save|list|drop DB ...: named segments stored in the database, usable
 * inside any segment as segment('name') (pdb_segment_save, pdb_segment_list,
 * pdb_segment_drop), or with --connect the same on a server (pdb_client_segment_*).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb segment save DB NAME 'SEGMENT'\n"
                 "       profiledb segment list DB [--format F]\n"
                 "       profiledb segment drop DB NAME\n"
                 "       profiledb segment save|list|drop --connect HOST:PORT [--token T] ...\n"
                 "                (the same, without DB, on a server; save and drop need a writer token)\n\n"
                 "Saved segments are named segments stored in the database directory (the SEGMENTS\n"
                 "file); any segment can use one as segment('NAME'), e.g.\n"
                 "  profiledb segment save shop vip_us \"country = 'US' AND total_spend > 1000\"\n"
                 "  profiledb count shop \"segment('vip_us') AND age < 30\"\n"
                 "save checks that the segment compiles (the saved segments it uses included, no\n"
                 "cycles) and replaces an existing one of that name. NAME is 1-64 letters, digits,\n"
                 "'_', '.' or '-'.\n\n"
                 "Options:\n"
                 "  --format F    list output: table (default: name, then segment), csv or json\n"
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n");
}

/* Where the action runs: a database opened here, or a server. */
struct target {
    struct pdb_db *db;
    struct pdb_client *client;
};

struct list_context {
    enum cli_format format;
    uint32_t count;
    bool is_remote;       /* print the csv/json head before the first entry */
    bool has_printed_head;
};

static void print_list_head(struct list_context *list)
{
    if (!list->is_remote || list->has_printed_head) return;
    list->has_printed_head = true;
    if (list->format == CLI_FORMAT_CSV) printf("name,segment\n");
    if (list->format == CLI_FORMAT_JSON) printf("[");
}

static bool print_saved(void *context, const char *name, const char *text)
{
    struct list_context *list = context;
    print_list_head(list);
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
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {"connect", required_argument, NULL, 'c'}, {"token", required_argument, NULL, 'T'},
        {0, 0, 0, 0}};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *connect = NULL, *token = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &format))
                return cli_usage_error("segment", "unknown format '%s' (expected table, csv or json)", optarg);
            break;
        case 'c': connect = optarg; break;
        case 'T': token = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("segment", "invalid option");
        }
    }
    if (token != NULL && connect == NULL) return cli_usage_error("segment", "--token needs --connect");
    int has_db = connect == NULL ? 1 : 0; /* operands start with DB unless --connect */
    if (argc - optind < 1 + has_db)
        return cli_usage_error("segment", "expected save, list or drop, then %s", has_db ? "a database path" : "its operands");
    const char *action = argv[optind++];
    char **operands = argv + optind;
    int operand_count = argc - optind;
    int expected = strcmp(action, "save") == 0 ? 3 : strcmp(action, "drop") == 0 ? 2
                   : strcmp(action, "list") == 0 ? 1 : -1;
    if (expected < 0) return cli_usage_error("segment", "unknown action '%s' (expected save, list or drop)", action);
    if (operand_count != expected - 1 + has_db) {
        return cli_usage_error("segment", "segment %s takes %s%s", action, has_db ? "DB " : "",
                               expected == 3 ? "NAME 'SEGMENT'" : expected == 2 ? "NAME" : "no other operand");
    }
    struct target target = {NULL, NULL};
    struct pdb_error error = {0};
    if (connect != NULL) {
        int early = cli_connect("segment", connect, token, &target.client);
        if (early >= 0) return early;
    } else {
        if (pdb_db_open(operands[0], &target.db, &error) != PDB_OK) return cli_report("segment", &error);
        operands++;
    }
    enum pdb_status status;
    if (expected == 3) {
        status = target.db ? pdb_segment_save(target.db, operands[0], operands[1], &error)
                           : pdb_client_segment_save(target.client, operands[0], operands[1], &error);
        if (status == PDB_OK) printf("saved segment '%s'\n", operands[0]);
    } else if (expected == 2) {
        status = target.db ? pdb_segment_drop(target.db, operands[0], &error)
                           : pdb_client_segment_drop(target.client, operands[0], &error);
        if (status == PDB_OK) printf("dropped segment '%s'\n", operands[0]);
    } else {
        struct list_context list = {.format = format};
        /* Remote: the head is printed after the answer arrived, so an error prints nothing on
         * stdout either way (the embedded list fails only on I/O, before any line). */
        if (target.db) {
            if (format == CLI_FORMAT_CSV) printf("name,segment\n");
            if (format == CLI_FORMAT_JSON) printf("[");
            status = pdb_segment_list(target.db, print_saved, &list, &error);
        } else {
            list.is_remote = true;
            status = pdb_client_segment_list(target.client, print_saved, &list, &error);
            if (status == PDB_OK) print_list_head(&list);
        }
        if (format == CLI_FORMAT_JSON && status == PDB_OK) printf("]\n");
    }
    pdb_db_close(target.db);
    pdb_client_close(target.client);
    if (status != PDB_OK) return cli_report("segment", &error);
    return CLI_EXIT_OK;
}
