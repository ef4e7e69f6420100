/*
 * profiledb ids DB 'segment' [--limit N]: the ids of the profiles in a segment, ascending, or
 * with --bitmap FILE as one portable roaring bitmap written to FILE.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb ids DB 'SEGMENT' [options]\n"
                 "       profiledb ids --connect HOST:PORT [--token T] 'SEGMENT' [options]\n\n"
                 "Lists the ids of the profiles of DB for which SEGMENT is true, in ascending\n"
                 "order (the segment language: docs/SEGMENTS.md).\n\n"
                 "Options:\n"
                 "  --limit N     at most N ids (default: all)\n"
                 "  --format F    table (default: one id per line), csv or json\n"
                 "  --timing      print the query time on stderr (load, evaluate and deliver)\n"
                 "  --now TS      evaluate now() as TS instead of the clock\n"
                 "  --bitmap FILE write the ids to FILE as one portable roaring bitmap (CRoaring's\n"
                 "                portable format, readable by the Java/Go/Rust libraries) instead\n"
                 "                of printing them; print the number of ids written\n"
                 CLI_THREADS_HELP
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n");
}

struct printer {
    enum cli_format format;
    uint64_t printed;
    bool has_header; /* the csv/json head is printed */
};

/* The head is printed before the first id, so that a failure before any id prints nothing
 * on stdout (a server reports a bad segment only after the request is sent). */
static void print_head(struct printer *printer)
{
    if (printer->has_header) return;
    printer->has_header = true;
    if (printer->format == CLI_FORMAT_CSV) printf("id\n");
    if (printer->format == CLI_FORMAT_JSON) printf("{\"ids\": [");
}

static void print_tail(struct printer *printer)
{
    if (printer->format == CLI_FORMAT_JSON) printf("], \"count\": %llu}\n", (unsigned long long)printer->printed);
}

static bool print_id(void *context, uint32_t row_id)
{
    struct printer *printer = context;
    print_head(printer);
    if (printer->format == CLI_FORMAT_JSON) printf("%s%u", printer->printed ? ", " : "", row_id);
    else printf("%u\n", row_id);
    printer->printed++;
    return true;
}

/* ids --bitmap FILE: writes the bytes and prints the number of ids. */
static int write_bitmap(const char *path, const uint8_t *bytes, size_t size, uint64_t cardinality)
{
    FILE *file = fopen(path, "wb");
    bool is_written = file != NULL && fwrite(bytes, 1, size, file) == size;
    if (file != NULL && fclose(file) != 0) is_written = false;
    if (!is_written) {
        struct pdb_error error = {PDB_ERR_IO, ""};
        snprintf(error.message, sizeof error.message, "%s: cannot write the bitmap", path);
        return cli_report("ids", &error);
    }
    printf("%llu\n", (unsigned long long)cardinality);
    return CLI_EXIT_OK;
}

static int ids_remote(const struct cli_query_args *args)
{
    struct pdb_client *client;
    double started_s = cli_now_s();
    int early = cli_connect("ids", args->connect, args->token, &client);
    if (early >= 0) return early;
    double connected_s = cli_now_s();
    struct pdb_error error = {0};
    if (args->bitmap_path != NULL) {
        uint8_t *bytes;
        size_t size;
        uint64_t cardinality;
        enum pdb_status status = pdb_client_ids_bitmap(client, args->segment, args->now_s, args->limit,
                                                       &bytes, &size, &cardinality, &error);
        double done_s = cli_now_s();
        pdb_client_close(client);
        if (status != PDB_OK) return cli_report("ids", &error);
        int code = write_bitmap(args->bitmap_path, bytes, size, cardinality);
        pdb_client_bitmap_destroy(bytes);
        if (code == CLI_EXIT_OK && args->timing)
            cli_print_remote_timing("ids", connected_s - started_s, done_s - connected_s);
        return code;
    }
    struct printer printer = {.format = args->format};
    enum pdb_status status = pdb_client_ids(client, args->segment, args->now_s, args->limit, print_id,
                                            &printer, &error);
    double done_s = cli_now_s();
    pdb_client_close(client);
    if (status == PDB_OK) print_head(&printer);
    if (printer.has_header) print_tail(&printer);
    if (status != PDB_OK) return cli_report("ids", &error);
    if (args->timing) cli_print_remote_timing("ids", connected_s - started_s, done_s - connected_s);
    return CLI_EXIT_OK;
}

int cmd_ids(int argc, char **argv)
{
    struct cli_query_args args;
    int early = cli_parse_query_args("ids", argc, argv, true, usage, &args);
    if (early >= 0) return early;
    if (args.bitmap_path != NULL && args.format != CLI_FORMAT_TABLE)
        return cli_usage_error("ids", "--bitmap prints only the number of ids: no --format");
    if (args.connect != NULL) return ids_remote(&args);
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(args.db_path, &db, &error) != PDB_OK) return cli_report("ids", &error);
    if (args.now_s) pdb_db_set_now(db, args.now_s);
    if (args.has_threads) pdb_db_set_threads(db, args.threads);
    double opened_s = cli_now_s();
    if (args.bitmap_path != NULL) {
        uint8_t *bytes;
        size_t size;
        uint64_t cardinality;
        enum pdb_status status = pdb_segment_bitmap(db, args.segment, args.limit, &bytes, &size,
                                                    &cardinality, &error);
        double done_s = cli_now_s();
        if (status != PDB_OK) {
            pdb_db_close(db);
            return cli_report("ids", &error);
        }
        int code = write_bitmap(args.bitmap_path, bytes, size, cardinality);
        pdb_bitmap_destroy(bytes);
        if (code == CLI_EXIT_OK && args.timing)
            cli_print_query_timing("ids", opened_s - started_s, done_s - opened_s, db);
        pdb_db_close(db);
        return code;
    }
    /* Check the segment first so a bad one prints nothing on stdout. */
    if (pdb_segment_check(db, args.segment, &error) != PDB_OK) {
        pdb_db_close(db);
        return cli_report("ids", &error);
    }
    struct printer printer = {.format = args.format};
    print_head(&printer);
    enum pdb_status status = pdb_segment_ids(db, args.segment, args.limit, print_id, &printer, &error);
    double done_s = cli_now_s();
    print_tail(&printer);
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("ids", &error);
    }
    if (args.timing) cli_print_query_timing("ids", opened_s - started_s, done_s - opened_s, db);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
