/*
 * profiledb stats DB: rows, chunks, bytes per column on disk and in memory, compression.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb stats DB [--format table|csv|json] [--threads N]\n"
                 "       profiledb stats --connect HOST:PORT [--token T] [--format F]\n\n"
                 "Prints rows, chunks and generation of DB, then per column: nulls, distinct values\n"
                 "(category/tags), bytes on disk, bytes of the plain in-memory form, and their\n"
                 "ratio; and the ratio of the whole database to the CSV bytes ingested.\n\n"
                 "Options:\n"
                 "  --format F    table (default), csv or json\n"
                 "  --threads N   threads decoding the columns (default: one per processor; 0 = the\n"
                 "                same)\n"
                 CLI_CONNECT_HELP
                 "  -h, --help    show this help\n");
}

static double ratio(uint64_t numerator, uint64_t denominator)
{
    return denominator ? (double)numerator / (double)denominator : 0.0;
}

static void print_stats(const struct pdb_stats *stats, enum cli_format format)
{
    uint64_t memory_total = 0;
    for (uint32_t c = 0; c < stats->column_count; c++) memory_total += stats->columns[c].bytes_in_memory;
    if (format == CLI_FORMAT_TABLE) {
        printf("rows            %llu\ndeleted         %llu\nchunks          %u\n"
               "generation      %llu\nbytes on disk   %llu\nbytes in memory %llu (decoded form)\n"
               "CSV ingested    %llu bytes (disk/CSV ratio %.3f)\n\n",
               (unsigned long long)stats->row_count, (unsigned long long)stats->deleted_count,
               stats->chunk_count, (unsigned long long)stats->generation,
               (unsigned long long)stats->bytes_on_disk, (unsigned long long)memory_total,
               (unsigned long long)stats->bytes_ingested, ratio(stats->bytes_on_disk, stats->bytes_ingested));
        printf("%-24s %-9s %12s %10s %14s %14s %8s\n", "column", "type", "nulls", "distinct",
               "disk bytes", "memory bytes", "disk/mem");
        for (uint32_t c = 0; c < stats->column_count; c++) {
            const struct pdb_column_stats *column = &stats->columns[c];
            printf("%-24s %-9s %12llu %10llu %14llu %14llu %8.3f\n", column->name,
                   pdb_type_name(column->type), (unsigned long long)column->null_count,
                   (unsigned long long)column->distinct_count,
                   (unsigned long long)column->bytes_on_disk,
                   (unsigned long long)column->bytes_in_memory,
                   ratio(column->bytes_on_disk, column->bytes_in_memory));
        }
    } else if (format == CLI_FORMAT_CSV) {
        printf("column,type,nulls,distinct,disk_bytes,memory_bytes\n");
        for (uint32_t c = 0; c < stats->column_count; c++) {
            const struct pdb_column_stats *column = &stats->columns[c];
            printf("%s,%s,%llu,%llu,%llu,%llu\n", column->name, pdb_type_name(column->type),
                   (unsigned long long)column->null_count, (unsigned long long)column->distinct_count,
                   (unsigned long long)column->bytes_on_disk, (unsigned long long)column->bytes_in_memory);
        }
    } else {
        printf("{\"rows\": %llu, \"deleted\": %llu, \"chunks\": %u, \"generation\": %llu, "
               "\"bytes_on_disk\": %llu, \"bytes_in_memory\": %llu, \"bytes_ingested\": %llu, "
               "\"columns\": [",
               (unsigned long long)stats->row_count, (unsigned long long)stats->deleted_count,
               stats->chunk_count,
               (unsigned long long)stats->generation, (unsigned long long)stats->bytes_on_disk,
               (unsigned long long)memory_total, (unsigned long long)stats->bytes_ingested);
        for (uint32_t c = 0; c < stats->column_count; c++) {
            const struct pdb_column_stats *column = &stats->columns[c];
            printf("%s\n  {\"name\": \"%s\", \"type\": \"%s\", \"nulls\": %llu, \"distinct\": %llu, "
                   "\"disk_bytes\": %llu, \"memory_bytes\": %llu}",
                   c ? "," : "", column->name, pdb_type_name(column->type),
                   (unsigned long long)column->null_count, (unsigned long long)column->distinct_count,
                   (unsigned long long)column->bytes_on_disk, (unsigned long long)column->bytes_in_memory);
        }
        printf("\n]}\n");
    }
}

int cmd_stats(int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {"connect", required_argument, NULL, 'c'},
        {"token", required_argument, NULL, 'T'},  {0, 0, 0, 0}};
    const char *connect = NULL, *token = NULL;
    enum cli_format format = CLI_FORMAT_TABLE;
    bool has_threads = false;
    uint32_t threads = 0;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:j:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &format)) return cli_usage_error("stats", "unknown format '%s'", optarg);
            break;
        case 'j':
            if (!cli_parse_threads(optarg, &threads))
                return cli_usage_error("stats", "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            has_threads = true;
            break;
        case 'c': connect = optarg; break;
        case 'T': token = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("stats", "invalid option");
        }
    }
    if (connect != NULL) {
        if (optind != argc) return cli_usage_error("stats", "with --connect, give no database path");
        if (has_threads) return cli_usage_error("stats", "--threads is for embedded mode, not --connect");
        struct pdb_client *client;
        int early = cli_connect("stats", connect, token, &client);
        if (early >= 0) return early;
        struct pdb_error error = {0};
        struct pdb_stats stats;
        enum pdb_status status = pdb_client_stats(client, &stats, &error);
        pdb_client_close(client);
        if (status != PDB_OK) return cli_report("stats", &error);
        print_stats(&stats, format);
        pdb_client_stats_deinit(&stats);
        return CLI_EXIT_OK;
    }
    if (token != NULL) return cli_usage_error("stats", "--token needs --connect");
    if (optind + 1 != argc) return cli_usage_error("stats", "expected exactly one database path");
    struct pdb_error error = {0};
    struct pdb_db *db;
    if (pdb_db_open(argv[optind], &db, &error) != PDB_OK) return cli_report("stats", &error);
    if (has_threads) pdb_db_set_threads(db, threads);
    struct pdb_stats stats;
    enum pdb_status status = pdb_db_stats(db, &stats, &error);
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("stats", &error);
    }
    print_stats(&stats, format);
    pdb_stats_deinit(&stats);
    pdb_db_close(db); /* column names are borrowed from the handle until here */
    return CLI_EXIT_OK;
}
