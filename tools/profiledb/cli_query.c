/*
 * Argument parsing shared by the segment commands (count, ids): DB (or --connect and
 * --token), the segment text, and --format, --timing, --now, --limit, --threads; the --threads value (also used by get and
 * stats) and the --timing line of the segment commands.
 */
#include <getopt.h>
#include <string.h>

#include "base/timestamp.h"
#include "cli.h"

int cli_parse_query_args(const char *command, int argc, char **argv, bool accepts_limit,
                         void (*usage)(FILE *out), struct cli_query_args *args)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"timing", no_argument, NULL, 't'},
        {"now", required_argument, NULL, 'n'},    {"limit", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"connect", required_argument, NULL, 'c'}, {"token", required_argument, NULL, 'T'},
        {"bitmap", required_argument, NULL, 'b'}, {0, 0, 0, 0}};
    memset(args, 0, sizeof *args);
    args->format = CLI_FORMAT_TABLE;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "f:tn:l:j:h", options, NULL)) != -1) {
        switch (option) {
        case 'f':
            if (!cli_parse_format(optarg, &args->format))
                return cli_usage_error(command, "unknown format '%s' (expected table, csv or json)", optarg);
            break;
        case 't': args->timing = true; break;
        case 'n': {
            const char *problem = timestamp_parse(optarg, strlen(optarg), &args->now_s);
            if (problem != NULL) return cli_usage_error(command, "--now '%s': %s", optarg, problem);
            if (args->now_s == 0) args->now_s = 1; /* 0 means "wall clock" to the engine */
            break;
        }
        case 'l':
            if (!accepts_limit) return cli_usage_error(command, "--limit is not an option of %s", command);
            if (!cli_parse_u64(optarg, &args->limit))
                return cli_usage_error(command, "--limit takes a non-negative integer, not '%s'", optarg);
            break;
        case 'j':
            if (!cli_parse_threads(optarg, &args->threads))
                return cli_usage_error(command, "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            args->has_threads = true;
            break;
        case 'c': args->connect = optarg; break;
        case 'T': args->token = optarg; break;
        case 'b':
            if (!accepts_limit) return cli_usage_error(command, "--bitmap is not an option of %s", command);
            args->bitmap_path = optarg;
            break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error(command, "invalid option");
        }
    }
    if (args->connect != NULL) {
        if (args->has_threads) return cli_usage_error(command, "--threads is for embedded mode, not --connect");
        if (argc - optind != 1) return cli_usage_error(command, "with --connect, expected one segment and no database path");
        args->segment = argv[optind];
        return -1;
    }
    if (args->token != NULL) return cli_usage_error(command, "--token needs --connect");
    if (argc - optind != 2) return cli_usage_error(command, "expected a database path and one segment");
    args->db_path = argv[optind];
    args->segment = argv[optind + 1];
    return -1;
}

bool cli_parse_threads(const char *text, uint32_t *threads_out)
{
    unsigned long long value;
    if (!cli_parse_u64(text, &value) || value > 256) return false;
    *threads_out = (uint32_t)value;
    return true;
}

void cli_print_query_timing(const char *what, double open_s, double query_s,
                            const struct pdb_db *db)
{
    struct pdb_query_timing timing;
    pdb_db_query_timing(db, &timing);
    uint32_t threads = pdb_db_thread_count(db);
    fprintf(stderr, "time: %s %.3f ms (open %.3f ms, load %.3f ms, evaluate %.3f ms, %u thread%s)\n",
            what, query_s * 1e3, open_s * 1e3, timing.load_s * 1e3, timing.evaluate_s * 1e3, threads,
            threads == 1 ? "" : "s");
}
