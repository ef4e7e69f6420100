/*
 * profiledb gen --out DIR [--profiles N] [--seed S] [--now TIME] [--threads N]
 * [--events-per-profile N]: writes DIR/profiles.csv (realistic retail profiles,
 * datasets/README.md), their events DIR/purchase.csv, DIR/add_to_cart.csv, DIR/page_view.csv
 * and DIR/retail.schema.
 *
 * The output depends only on (profiles, seed, now, events per profile). Progress goes to stderr, and only when
 * stderr is a terminal; the one-line summary (rows, bytes, seconds, rows/s) goes to stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/timestamp.h"
#include "cli.h"
#include "retail_gen.h"

#define COMMAND "gen"
/* Progress lines are redrawn at most this often. */
#define PROGRESS_INTERVAL_S 0.25

struct progress {
    bool is_shown; /* stderr is a terminal */
    double started_s;
    double last_drawn_s;
    uint64_t profile_count;
    uint64_t rows_written;
    uint64_t bytes_written;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: profiledb gen --out DIR [--profiles N] [--seed S] [--now TIME] "
            "[--threads N]\n"
            "                    [--events-per-profile N]\n\n"
            "Writes DIR/profiles.csv, N realistic retail customer profiles (21 columns: ids,\n"
            "names, country and city, age, sign-up and last-seen times, loyalty tier, spend,\n"
            "orders, interests, consents), their behavioural events over the two years\n"
            "before TIME in DIR/purchase.csv, DIR/add_to_cart.csv and DIR/page_view.csv\n"
            "(keyed by customer_id, for `profiledb ingest DB --events TYPE FILE`), and\n"
            "DIR/retail.schema, the schema to load them with. DIR and its parents are\n"
            "created if needed. The same N, seed, time and events per profile give the same\n"
            "bytes, whatever the number of threads. Columns: datasets/README.md.\n\n"
            "Options:\n"
            "  --out DIR        output directory (required)\n"
            "  --profiles N     number of profiles (default %llu)\n"
            "  --seed S         random seed, a non-negative integer (default %llu)\n"
            "  --now TIME       the reference time of ages and timestamps: YYYY-MM-DD,\n"
            "                   YYYY-MM-DDTHH:MM:SSZ or epoch seconds, years 1990-9000\n"
            "                   (default 2026-11-01)\n"
            "  --threads N      generator threads, 1-%u; 0 = one per core (default 0)\n"
            "  --events-per-profile N\n"
            "                   average events per profile, all types together, 0-%u;\n"
            "                   0 = no event files (default %u)\n"
            "  -h, --help       show this help\n",
            RETAIL_GEN_DEFAULT_PROFILES, RETAIL_GEN_DEFAULT_SEED, RETAIL_GEN_THREADS_MAX,
            RETAIL_GEN_EVENTS_PER_PROFILE_MAX, RETAIL_GEN_DEFAULT_EVENTS_PER_PROFILE);
}

static void progress_draw(struct progress *progress, double now_s)
{
    double percent = progress->profile_count == 0
                         ? 100.0
                         : 100.0 * (double)progress->rows_written / (double)progress->profile_count;
    fprintf(stderr, "\rprofiledb gen: %5.1f%%  %llu of %llu profiles, %.1f MB, %.1f s\033[K",
            percent, (unsigned long long)progress->rows_written,
            (unsigned long long)progress->profile_count, (double)progress->bytes_written / 1e6,
            now_s - progress->started_s);
    fflush(stderr);
    progress->last_drawn_s = now_s;
}

static void on_progress(uint64_t rows_written, uint64_t bytes_written, void *context)
{
    struct progress *progress = context;
    progress->rows_written = rows_written;
    progress->bytes_written = bytes_written;
    if (!progress->is_shown) return;
    double now_s = cli_now_s();
    if (now_s - progress->last_drawn_s >= PROGRESS_INTERVAL_S) progress_draw(progress, now_s);
}

/* "--name value" or "--name=value": the value of option `name` at argv[*index], or NULL if
 * argv[*index] is another option. *missing is set when the option has no value (it is last,
 * or followed by another option). */
static const char *option_value(int argc, char **argv, int *index, const char *name, bool *missing)
{
    const char *argument = argv[*index];
    size_t size = strlen(name);
    if (strncmp(argument, name, size) != 0) return NULL;
    if (argument[size] == '=') return argument + size + 1;
    if (argument[size] != '\0') return NULL;
    if (*index + 1 >= argc || strncmp(argv[*index + 1], "--", 2) == 0) {
        *missing = true;
        return NULL;
    }
    *index += 1;
    return argv[*index];
}

int cmd_gen(int argc, char **argv)
{
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    const char *out_dir = NULL;

    for (int i = 1; i < argc; i++) {
        const char *argument = argv[i];
        if (strcmp(argument, "-h") == 0 || strcmp(argument, "--help") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (argument[0] != '-' || argument[1] == '\0')
            return cli_usage_error(COMMAND, "unexpected argument '%s'", argument);

        static const char *const names[] = {"--out",     "--profiles", "--seed",
                                            "--now",     "--threads",  "--events-per-profile"};
        const char *name = NULL;
        const char *value = NULL;
        bool missing = false;
        for (size_t k = 0; k < sizeof names / sizeof names[0] && name == NULL; k++) {
            value = option_value(argc, argv, &i, names[k], &missing);
            if (value != NULL || missing) name = names[k];
        }
        if (name == NULL) return cli_usage_error(COMMAND, "unknown option '%s'", argument);
        if (missing) return cli_usage_error(COMMAND, "option %s needs a value", name);

        unsigned long long number = 0;
        if (strcmp(name, "--out") == 0) {
            if (value[0] == '\0') return cli_usage_error(COMMAND, "--out needs a directory");
            out_dir = value;
        } else if (strcmp(name, "--now") == 0) {
            int64_t now_s = 0;
            const char *problem = timestamp_parse(value, strlen(value), &now_s);
            if (problem != NULL)
                return cli_usage_error(COMMAND, "invalid --now '%s': %s", value, problem);
            if (now_s < RETAIL_GEN_NOW_MIN || now_s > RETAIL_GEN_NOW_MAX)
                return cli_usage_error(COMMAND, "--now '%s' is outside the years 1990-9000", value);
            options.now_s = now_s;
        } else if (!cli_parse_u64(value, &number)) {
            return cli_usage_error(COMMAND, "invalid %s '%s' (expected a non-negative integer)",
                                   name, value);
        } else if (strcmp(name, "--profiles") == 0) {
            options.profile_count = number;
        } else if (strcmp(name, "--seed") == 0) {
            options.seed = number;
        } else if (strcmp(name, "--events-per-profile") == 0) {
            if (number > RETAIL_GEN_EVENTS_PER_PROFILE_MAX)
                return cli_usage_error(COMMAND, "--events-per-profile %llu is more than %u", number,
                                       RETAIL_GEN_EVENTS_PER_PROFILE_MAX);
            options.events_per_profile = number;
        } else {
            if (number > RETAIL_GEN_THREADS_MAX)
                return cli_usage_error(COMMAND, "--threads %llu is more than %u", number,
                                       RETAIL_GEN_THREADS_MAX);
            options.thread_count = (unsigned)number;
        }
    }
    if (out_dir == NULL) return cli_usage_error(COMMAND, "--out DIR is required");

    struct progress progress = {
        .is_shown = isatty(STDERR_FILENO) == 1,
        .started_s = cli_now_s(),
        .profile_count = options.profile_count,
    };
    progress.last_drawn_s = progress.started_s;
    options.on_progress = on_progress;
    options.progress_context = &progress;
    struct retail_gen_totals totals = {0};
    options.totals = &totals;

    struct pdb_error error = {0};
    enum pdb_status status = retail_gen_write(out_dir, &options, &error);
    double elapsed_s = cli_now_s() - progress.started_s;
    if (progress.is_shown) fprintf(stderr, "\r\033[K");
    if (status != PDB_OK) return cli_report(COMMAND, &error);

    double rate = elapsed_s > 0 ? (double)options.profile_count / elapsed_s : 0.0;
    printf("wrote %llu profiles, %llu bytes in %.2f s (%.0f rows/s) to %s/profiles.csv, schema "
           "%s/retail.schema\n",
           (unsigned long long)options.profile_count, (unsigned long long)totals.bytes[0],
           elapsed_s, rate, out_dir, out_dir);
    if (totals.events_written > 0) {
        printf("wrote %llu events (%.1f per profile, %.0f events/s):",
               (unsigned long long)totals.events_written,
               options.profile_count > 0
                   ? (double)totals.events_written / (double)options.profile_count
                   : 0.0,
               elapsed_s > 0 ? (double)totals.events_written / elapsed_s : 0.0);
        for (unsigned type = 0; type < RETAIL_GEN_EVENT_TYPES; type++)
            printf("%s%llu in %s/%s.csv", type == 0 ? " " : ", ",
                   (unsigned long long)totals.event_counts[type], out_dir,
                   retail_gen_event_type_name(type));
        printf("\n");
    }
    printf("%llu bytes in all, %.1f MB/s\n", (unsigned long long)totals.bytes_written,
           elapsed_s > 0 ? (double)totals.bytes_written / 1e6 / elapsed_s : 0.0);
    return CLI_EXIT_OK;
}
