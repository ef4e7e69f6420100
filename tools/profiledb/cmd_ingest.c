/*
 * profiledb ingest DB FILE...: loads CSV or NDJSON files, each as one atomic step, showing
 * progress on a terminal and a summary per file; with --events TYPE the files hold events of
 * TYPE (and their unknown keys create profiles).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: profiledb ingest DB FILE [FILE ...] [options]\n\n"
            "Loads CSV files (RFC 4180, with a header row naming attributes) or NDJSON files\n"
            "(one JSON object per line; *.ndjson and *.jsonl, or --input ndjson) into database\n"
            "DB; '-' reads standard input. Each file is one atomic step: after an error nothing\n"
            "of that file is visible. Records that do not parse or do not fit their type are\n"
            "written to a reject file (file, line, column, attribute, reason, record) and counted,\n"
            "as are records that break a data-quality rule of the schema (counted per rule, with\n"
            "the values each normalising rule changed).\n\n"
            "With --events TYPE each FILE holds events of event type TYPE (declared in the\n"
            "schema), one CSV record or NDJSON object per event, as one atomic step each. The\n"
            "header columns (NDJSON: member names): the key, named like the schema's primary\n"
            "attribute; the time, named 'at' or 'timestamp' (ISO 8601 or epoch seconds); any of\n"
            "TYPE's properties (missing ones, and JSON null, are NULL). An event whose key no live\n"
            "profile has creates a profile holding only that key (one per key, in the same\n"
            "atomic step). A record whose key breaks the key's rules, or whose values do not\n"
            "fit, is rejected with its line, column and reason.\n\n"
            "Options:\n"
            "  --events TYPE              the files hold events of TYPE (see above)\n"
            "  --input csv|ndjson         the files' format (default: by name; CSV for '-')\n"
            "  --rejects PATH             reject file (default DB/rejects/<file>.g<generation>.rejects.csv)\n"
            "  --ignore-unknown-columns   skip header columns that name no attribute (default: error)\n"
            "  --format F                 summary as table (default), csv or json\n"
            "  --threads N                threads that parse values and encode chunks (default:\n"
            "                             one per processor; the result is the same for any N)\n"
            "  --quiet                    no progress display\n"
            "  --timing                   print the elapsed time\n"
            "  -h, --help                 show this help\n");
}

struct progress_state {
    bool enabled;
    bool printed;
};

static void show_progress(void *context, const struct pdb_ingest_progress *progress)
{
    struct progress_state *state = context;
    if (!state->enabled || progress->elapsed_s <= 0) return;
    double rows_per_s = (double)progress->rows_read / progress->elapsed_s;
    double megabytes_per_s = (double)progress->bytes_read / progress->elapsed_s / 1e6;
    char eta[32] = "";
    if (progress->bytes_total > 0 && progress->bytes_read > 0) {
        double left_s = progress->elapsed_s * ((double)progress->bytes_total / (double)progress->bytes_read - 1.0);
        snprintf(eta, sizeof eta, "  ETA %d:%02d", (int)(left_s / 60), (int)left_s % 60);
    }
    fprintf(stderr, "\r  %12llu rows  %9.0f rows/s  %7.1f MB/s  %llu rejected%s   ",
            (unsigned long long)progress->rows_read, rows_per_s, megabytes_per_s,
            (unsigned long long)progress->rows_rejected, eta);
    state->printed = true;
}

/* "  rejected by rule: range(age) 2, email(email) 1" and "  changed by rule: trim(name) 5". */
static void print_rule_tallies(const struct pdb_ingest_result *result)
{
    for (int pass = 0; pass < 2; pass++) {
        bool printed = false;
        for (uint32_t i = 0; i < result->rule_tally_count; i++) {
            const struct pdb_ingest_rule_tally *tally = &result->rule_tallies[i];
            uint64_t count = pass == 0 ? tally->rejected : tally->changed;
            if (count == 0) continue;
            printf("%s%s(%s) %llu", printed ? ", " : pass == 0 ? "  rejected by rule: " : "  changed by rule: ",
                   tally->rule, tally->attribute, (unsigned long long)count);
            printed = true;
        }
        if (printed) printf("%s\n", result->is_rule_tallies_truncated ? ", ..." : "");
    }
}

static void print_rule_tallies_json(const struct pdb_ingest_result *result)
{
    printf(", \"rules\": [");
    for (uint32_t i = 0; i < result->rule_tally_count; i++) {
        const struct pdb_ingest_rule_tally *tally = &result->rule_tallies[i];
        printf("%s{\"attribute\": ", i > 0 ? ", " : "");
        cli_print_json_string(stdout, tally->attribute, strlen(tally->attribute));
        printf(", \"rule\": ");
        cli_print_json_string(stdout, tally->rule, strlen(tally->rule));
        printf(", \"rejected\": %llu, \"changed\": %llu}", (unsigned long long)tally->rejected,
               (unsigned long long)tally->changed);
    }
    printf("], \"rules_truncated\": %s", result->is_rule_tallies_truncated ? "true" : "false");
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option options[] = {
        {"rejects", required_argument, NULL, 'r'},
        {"ignore-unknown-columns", no_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"timing", no_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'j'},
        {"input", required_argument, NULL, 'n'},
        {"events", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct pdb_ingest_options ingest_options = {0};
    enum cli_format format = CLI_FORMAT_TABLE;
    bool quiet = false, timing = false, has_threads = false;
    uint32_t threads = 0;
    const char *event_type = NULL;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "r:if:qtj:n:e:h", options, NULL)) != -1) {
        switch (option) {
        case 'e': event_type = optarg; break;
        case 'r': ingest_options.rejects_path = optarg; break;
        case 'i': ingest_options.ignore_unknown_columns = true; break;
        case 'f':
            if (!cli_parse_format(optarg, &format)) return cli_usage_error("ingest", "unknown format '%s'", optarg);
            break;
        case 'q': quiet = true; break;
        case 't': timing = true; break;
        case 'j':
            if (!cli_parse_threads(optarg, &threads))
                return cli_usage_error("ingest", "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            has_threads = true;
            break;
        case 'n':
            if (strcmp(optarg, "csv") == 0) ingest_options.format = PDB_INPUT_CSV;
            else if (strcmp(optarg, "ndjson") == 0) ingest_options.format = PDB_INPUT_NDJSON;
            else return cli_usage_error("ingest", "--input takes csv or ndjson, not '%s'", optarg);
            break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("ingest", "invalid option");
        }
    }
    if (argc - optind < 2) return cli_usage_error("ingest", "expected a database path and at least one CSV file");
    if (ingest_options.rejects_path != NULL && argc - optind > 2)
        return cli_usage_error("ingest", "--rejects names one file; give one CSV file with it");
    struct progress_state progress = {.enabled = !quiet && isatty(STDERR_FILENO)};
    ingest_options.progress = show_progress;
    ingest_options.progress_context = &progress;

    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(argv[optind], &db, &error) != PDB_OK) return cli_report("ingest", &error);
    if (has_threads) pdb_db_set_threads(db, threads);
    int exit_code = CLI_EXIT_OK;
    bool warned = false;
    if (format == CLI_FORMAT_CSV) printf("file,rows_read,rows_loaded,rows_rejected,bytes,seconds,rejects,rows_inserted,rows_updated\n");
    if (format == CLI_FORMAT_JSON) printf("[");
    for (int i = optind + 1; i < argc; i++) {
        struct pdb_ingest_result result;
        progress.printed = false;
        enum pdb_status status =
            event_type != NULL
                ? pdb_db_ingest_events(db, event_type, argv[i], &ingest_options, &result, &error)
                : pdb_db_ingest_file(db, argv[i], &ingest_options, &result, &error);
        if (progress.printed) fprintf(stderr, "\n");
        if (status != PDB_OK) {
            exit_code = cli_report("ingest", &error);
            break;
        }
        if (result.input_warning[0] != '\0' && !warned) { /* one line per process */
            fprintf(stderr, "profiledb: warning: %s: %s; reading with read(2)\n", argv[i],
                    result.input_warning);
            warned = true;
        }
        double rate = result.elapsed_s > 0 ? (double)result.rows_read / result.elapsed_s : 0;
        if (format == CLI_FORMAT_TABLE && event_type != NULL) {
            printf("%s: loaded %llu %s events of %llu records in %.2f s", argv[i],
                   (unsigned long long)result.rows_loaded, event_type,
                   (unsigned long long)result.rows_read, result.elapsed_s);
            if (result.profiles_created > 0)
                printf("; created %llu profiles (ids %llu..)", (unsigned long long)result.profiles_created,
                       (unsigned long long)result.first_row_id);
            if (result.rows_rejected > 0)
                printf("; %llu rejected, see %s", (unsigned long long)result.rows_rejected, result.rejects_path);
            printf("\n");
        } else if (format == CLI_FORMAT_TABLE) {
            printf("%s: loaded %llu rows (", argv[i], (unsigned long long)result.rows_loaded);
            if (result.rows_updated > 0)
                printf("%llu new, %llu updated; ", (unsigned long long)result.rows_inserted,
                       (unsigned long long)result.rows_updated);
            printf("ids %llu..) in %.2f s, %.0f rows/s, %.1f MB/s",
                   (unsigned long long)result.first_row_id, result.elapsed_s, rate,
                   result.elapsed_s > 0 ? (double)result.bytes_read / result.elapsed_s / 1e6 : 0);
            if (result.rows_rejected > 0)
                printf("; %llu rejected, see %s", (unsigned long long)result.rows_rejected, result.rejects_path);
            printf("\n");
            print_rule_tallies(&result);
        } else if (format == CLI_FORMAT_CSV) {
            cli_print_csv_field(stdout, argv[i], strlen(argv[i]));
            printf(",%llu,%llu,%llu,%llu,%.3f,", (unsigned long long)result.rows_read,
                   (unsigned long long)result.rows_loaded, (unsigned long long)result.rows_rejected,
                   (unsigned long long)result.bytes_read, result.elapsed_s);
            cli_print_csv_field(stdout, result.rejects_path, strlen(result.rejects_path));
            printf(",%llu,%llu\n", (unsigned long long)result.rows_inserted,
                   (unsigned long long)result.rows_updated);
        } else {
            printf("%s\n  {\"file\": ", i > optind + 1 ? "," : "");
            cli_print_json_string(stdout, argv[i], strlen(argv[i]));
            printf(", \"rows_read\": %llu, \"rows_loaded\": %llu, \"rows_inserted\": %llu, "
                   "\"rows_updated\": %llu, \"rows_rejected\": %llu, "
                   "\"bytes\": %llu, \"seconds\": %.3f, \"rejects\": ",
                   (unsigned long long)result.rows_read, (unsigned long long)result.rows_loaded,
                   (unsigned long long)result.rows_inserted, (unsigned long long)result.rows_updated,
                   (unsigned long long)result.rows_rejected, (unsigned long long)result.bytes_read,
                   result.elapsed_s);
            cli_print_json_string(stdout, result.rejects_path, strlen(result.rejects_path));
            printf(", \"input_method\": ");
            cli_print_json_string(stdout, result.input_method, strlen(result.input_method));
            if (event_type != NULL)
                printf(", \"profiles_created\": %llu", (unsigned long long)result.profiles_created);
            print_rule_tallies_json(&result);
            printf("}");
        }
    }
    if (format == CLI_FORMAT_JSON) printf("\n]\n");
    if (timing) fprintf(stderr, "time: ingest %.3f s\n", cli_now_s() - started_s);
    pdb_db_close(db);
    return exit_code;
}
