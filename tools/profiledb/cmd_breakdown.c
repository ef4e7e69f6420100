/*
 * profiledb breakdown DB 'SEGMENT' --by ATTRIBUTE [--limit N]: the profiles of a segment
 * counted by each value of a category, bool or tags attribute (pdb_segment_breakdown).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/timestamp.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb breakdown DB 'SEGMENT' --by ATTRIBUTE [options]\n"
                 "       profiledb breakdown --connect HOST:PORT [--token T] 'SEGMENT' --by ATTRIBUTE [options]\n\n"
                 "Counts the profiles of DB in SEGMENT by each value of ATTRIBUTE (a category,\n"
                 "bool or tags attribute; for tags, a profile counts under each of its tags), most\n"
                 "frequent first (ties by value), with the profiles whose ATTRIBUTE is NULL last,\n"
                 "e.g.\n"
                 "  profiledb breakdown shop \"age BETWEEN 25 AND 40\" --by country --limit 10\n\n"
                 "Options:\n"
                 "  --by A        the attribute to break down by (required)\n"
                 "  --limit N     print at most N values (default: all; NULL is always printed)\n"
                 "  --format F    table (default: value and count columns), csv or json\n"
                 "  --timing      print the time to open the database and to run the query on stderr\n"
                 "  --now TS      evaluate now() as TS (e.g. 2026-11-01T00:00:00Z) instead of the clock\n"
                 CLI_THREADS_HELP
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n");
}

static void print_value(enum cli_format format, const char *data, size_t size)
{
    if (format == CLI_FORMAT_JSON) cli_print_json_string(stdout, data, size);
    else if (format == CLI_FORMAT_CSV) cli_print_csv_field(stdout, data, size);
    else fwrite(data, 1, size, stdout);
}

static void print_breakdown(const char *attribute, const struct pdb_breakdown *breakdown,
                            enum cli_format format)
{
    switch (format) {
    case CLI_FORMAT_TABLE: {
        size_t width = strlen(attribute) > 4 ? strlen(attribute) : 4;
        for (uint32_t i = 0; i < breakdown->entry_count; i++)
            if (breakdown->entries[i].value_size > width) width = breakdown->entries[i].value_size;
        if (width > 60) width = 60;
        printf("%-*s  %s\n", (int)width, attribute, "count");
        for (uint32_t i = 0; i < breakdown->entry_count; i++) {
            const struct pdb_breakdown_entry *entry = &breakdown->entries[i];
            fwrite(entry->value, 1, entry->value_size, stdout);
            printf("%*s  %llu\n", entry->value_size < width ? (int)(width - entry->value_size) : 0, "",
                   (unsigned long long)entry->count);
        }
        if (breakdown->null_count) printf("%-*s  %llu\n", (int)width, "NULL", (unsigned long long)breakdown->null_count);
        printf("(%llu profiles in the segment, %llu distinct values%s)\n",
               (unsigned long long)breakdown->segment_count, (unsigned long long)breakdown->value_count,
               breakdown->entry_count < breakdown->value_count ? ", limited" : "");
        break;
    }
    case CLI_FORMAT_CSV:
        printf("value,count\n");
        for (uint32_t i = 0; i < breakdown->entry_count; i++) {
            print_value(format, breakdown->entries[i].value, breakdown->entries[i].value_size);
            printf(",%llu\n", (unsigned long long)breakdown->entries[i].count);
        }
        if (breakdown->null_count) printf(",%llu\n", (unsigned long long)breakdown->null_count);
        break;
    case CLI_FORMAT_JSON:
        printf("{\"attribute\": ");
        cli_print_json_string(stdout, attribute, strlen(attribute));
        printf(", \"segment_count\": %llu, \"null_count\": %llu, \"value_count\": %llu, \"values\": [",
               (unsigned long long)breakdown->segment_count, (unsigned long long)breakdown->null_count,
               (unsigned long long)breakdown->value_count);
        for (uint32_t i = 0; i < breakdown->entry_count; i++) {
            printf("%s{\"value\": ", i ? ", " : "");
            print_value(format, breakdown->entries[i].value, breakdown->entries[i].value_size);
            printf(", \"count\": %llu}", (unsigned long long)breakdown->entries[i].count);
        }
        printf("]}\n");
        break;
    }
}

static int breakdown_remote(const char *address, const char *token, const char *segment,
                            const char *by, uint32_t limit, int64_t now_s, enum cli_format format,
                            bool timing)
{
    struct pdb_client *client;
    double started_s = cli_now_s();
    int early = cli_connect("breakdown", address, token, &client);
    if (early >= 0) return early;
    double connected_s = cli_now_s();
    struct pdb_error error = {0};
    struct pdb_breakdown breakdown;
    enum pdb_status status = pdb_client_breakdown(client, segment, by, now_s, limit, &breakdown, &error);
    double done_s = cli_now_s();
    pdb_client_close(client);
    if (status != PDB_OK) return cli_report("breakdown", &error);
    print_breakdown(by, &breakdown, format);
    pdb_client_breakdown_deinit(&breakdown);
    if (timing) cli_print_remote_timing("breakdown", connected_s - started_s, done_s - connected_s);
    return CLI_EXIT_OK;
}

int cmd_breakdown(int argc, char **argv)
{
    static const struct option options[] = {
        {"by", required_argument, NULL, 'b'},     {"limit", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'}, {"timing", no_argument, NULL, 't'},
        {"now", required_argument, NULL, 'n'},    {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {"connect", required_argument, NULL, 'c'},
        {"token", required_argument, NULL, 'T'},  {0, 0, 0, 0}};
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *by = NULL, *connect = NULL, *token = NULL;
    unsigned long long limit = 0;
    bool timing = false, has_threads = false;
    int64_t now_s = 0;
    uint32_t threads = 0;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "b:l:f:tn:j:h", options, NULL)) != -1) {
        switch (option) {
        case 'b': by = optarg; break;
        case 'l':
            if (!cli_parse_u64(optarg, &limit) || limit > UINT32_MAX)
                return cli_usage_error("breakdown", "--limit takes a non-negative integer, not '%s'", optarg);
            break;
        case 'f':
            if (!cli_parse_format(optarg, &format))
                return cli_usage_error("breakdown", "unknown format '%s' (expected table, csv or json)", optarg);
            break;
        case 't': timing = true; break;
        case 'n': {
            const char *problem = timestamp_parse(optarg, strlen(optarg), &now_s);
            if (problem != NULL) return cli_usage_error("breakdown", "--now '%s': %s", optarg, problem);
            if (now_s == 0) now_s = 1;
            break;
        }
        case 'j':
            if (!cli_parse_threads(optarg, &threads))
                return cli_usage_error("breakdown", "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            has_threads = true;
            break;
        case 'c': connect = optarg; break;
        case 'T': token = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("breakdown", "invalid option");
        }
    }
    if (connect != NULL) {
        if (has_threads) return cli_usage_error("breakdown", "--threads is for embedded mode, not --connect");
        if (argc - optind != 1) return cli_usage_error("breakdown", "with --connect, expected one segment and no database path");
        if (by == NULL) return cli_usage_error("breakdown", "--by ATTRIBUTE is required");
        return breakdown_remote(connect, token, argv[optind], by, (uint32_t)limit, now_s, format, timing);
    }
    if (token != NULL) return cli_usage_error("breakdown", "--token needs --connect");
    if (argc - optind != 2) return cli_usage_error("breakdown", "expected a database path and one segment");
    if (by == NULL) return cli_usage_error("breakdown", "--by ATTRIBUTE is required");
    const char *db_path = argv[optind], *segment = argv[optind + 1];
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(db_path, &db, &error) != PDB_OK) return cli_report("breakdown", &error);
    if (now_s) pdb_db_set_now(db, now_s);
    if (has_threads) pdb_db_set_threads(db, threads);
    double opened_s = cli_now_s();
    struct pdb_breakdown breakdown;
    enum pdb_status status = pdb_segment_breakdown(db, segment, by, (uint32_t)limit, &breakdown, &error);
    double done_s = cli_now_s();
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("breakdown", &error);
    }
    print_breakdown(by, &breakdown, format);
    pdb_breakdown_deinit(&breakdown);
    if (timing) cli_print_timing("breakdown", opened_s - started_s, done_s - opened_s);
    pdb_db_close(db);
    return CLI_EXIT_OK;
}
