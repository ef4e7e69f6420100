/*
 * Tests for the generated events (datasets/retail_events.c through retail_gen.h):
 * determinism (seed, thread count, prefix of a larger run), the shape of every row, the
 * distributions promised in datasets/README.md ("Events") on 50,000 profiles, the files
 * retail_gen_write writes or removes, the limit on events per profile, and that every
 * generated file ingests into a database from the generated schema with zero rejects and
 * answers event segments as counted from the CSV here (an independent oracle).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timestamp.h"
#include "profiledb/profiledb.h"
#include "retail_gen.h"

#define TYPES RETAIL_GEN_EVENT_TYPES
#define PURCHASE 0
#define ADD_TO_CART 1
#define PAGE_VIEW 2
#define DAY_S 86400
#define SPAN_S (730 * DAY_S)
#define STATS_PROFILES 50000u

struct run {
    char *profiles;
    size_t profiles_size;
    char *events[TYPES];
    size_t event_sizes[TYPES];
    struct retail_gen_totals totals;
};

static struct run generate(uint64_t count, uint64_t seed, unsigned threads,
                           uint64_t events_per_profile)
{
    struct run run = {0};
    FILE *profiles = open_memstream(&run.profiles, &run.profiles_size);
    FILE *events[TYPES];
    for (unsigned t = 0; t < TYPES; t++)
        events[t] = open_memstream(&run.events[t], &run.event_sizes[t]);
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = count;
    options.seed = seed;
    options.thread_count = threads;
    options.events_per_profile = events_per_profile;
    struct pdb_error error = {0};
    enum pdb_status status =
        retail_gen_write_streams(profiles, events, &options, &run.totals, &error);
    cr_assert_eq(status, PDB_OK, "retail_gen_write_streams: %s", error.message);
    fclose(profiles);
    for (unsigned t = 0; t < TYPES; t++)
        fclose(events[t]);
    return run;
}

static void run_free(struct run *run)
{
    free(run->profiles);
    for (unsigned t = 0; t < TYPES; t++)
        free(run->events[t]);
}

static bool same_bytes(const char *a, size_t a_size, const char *b, size_t b_size)
{
    return a_size == b_size && memcmp(a, b, a_size) == 0;
}

/* The 1-based profile number of "C000001234" at line. */
static uint64_t customer_number(const char *line)
{
    cr_assert_eq(line[0], 'C', "line: %.60s", line);
    char *end = NULL;
    uint64_t number = strtoull(line + 1, &end, 10);
    cr_assert_eq(end - line, 10, "line: %.60s", line);
    return number;
}

static int64_t time_at(const char *text)
{
    int64_t seconds = 0;
    cr_assert_null(timestamp_parse(text, 20, &seconds), "time: %.20s", text);
    return seconds;
}

/* Per profile and type: count, and for checks the last time seen. */
struct tally {
    uint32_t *counts[TYPES];
    uint32_t *recent_purchases; /* in the 30 days before now */
    int64_t *last_view_s;
    uint64_t month_counts[TYPES][12];
    uint64_t weekday_counts[TYPES][7];
    double *amounts;
    uint64_t amount_count;
    uint64_t category_counts[16];
    char category_names[16][16];
    uint32_t category_kinds;
};

static void tally_init(struct tally *tally, uint64_t profiles)
{
    memset(tally, 0, sizeof *tally);
    for (unsigned t = 0; t < TYPES; t++)
        tally->counts[t] = calloc(profiles + 1, sizeof(uint32_t));
    tally->recent_purchases = calloc(profiles + 1, sizeof(uint32_t));
    tally->last_view_s = calloc(profiles + 1, sizeof(int64_t));
}

static void tally_free(struct tally *tally)
{
    for (unsigned t = 0; t < TYPES; t++)
        free(tally->counts[t]);
    free(tally->recent_purchases);
    free(tally->last_view_s);
    free(tally->amounts);
}

static const char *const headers[TYPES] = {
    "customer_id,at,amount,category,channel",
    "customer_id,at,sku,price",
    "customer_id,at,url",
};

/* Reads one event CSV, checking every row's shape, order and window. */
static void tally_type(struct tally *tally, unsigned type, const char *data, size_t size,
                       uint64_t profiles, int64_t now_s)
{
    const char *line = data;
    const char *end = data + size;
    const char *newline = memchr(line, '\n', (size_t)(end - line));
    cr_assert_not_null(newline);
    cr_assert_eq((size_t)(newline - line), strlen(headers[type]));
    cr_assert(memcmp(line, headers[type], strlen(headers[type])) == 0);
    line = newline + 1;
    uint64_t previous_number = 0;
    int64_t previous_s = 0;
    if (type == PURCHASE) tally->amounts = malloc(sizeof(double) * (size / 20 + 1));
    while (line < end) {
        newline = memchr(line, '\n', (size_t)(end - line));
        cr_assert_not_null(newline, "the last row ends in a line feed");
        uint64_t number = customer_number(line);
        cr_assert(number >= 1 && number <= profiles);
        cr_assert_geq(number, previous_number, "rows are grouped by profile, in order");
        cr_assert_eq(line[10], ',');
        int64_t at_s = time_at(line + 11);
        cr_assert(line[31] == ',', "line: %.60s", line);
        if (number == previous_number) cr_assert_geq(at_s, previous_s, "sorted by time");
        cr_assert(at_s >= now_s - SPAN_S && at_s <= now_s, "inside the two years");
        previous_number = number;
        previous_s = at_s;
        tally->counts[type][number]++;
        int64_t days = at_s / DAY_S;
        tally->weekday_counts[type][(days + 4) % 7]++;
        int month = (line[16] - '0') * 10 + (line[17] - '0');
        cr_assert(month >= 1 && month <= 12);
        tally->month_counts[type][month - 1]++;
        const char *fields = line + 32;
        size_t fields_size = (size_t)(newline - fields);
        cr_assert_null(memchr(fields, '"', fields_size), "nothing needs quotes");
        if (type == PURCHASE) {
            char *after = NULL;
            double amount = strtod(fields, &after);
            cr_assert(amount >= 1.0 && after[0] == ',' && after[-3] == '.', "%.40s", fields);
            tally->amounts[tally->amount_count++] = amount;
            const char *category = after + 1;
            const char *comma = memchr(category, ',', (size_t)(newline - category));
            cr_assert_not_null(comma);
            size_t category_size = (size_t)(comma - category);
            cr_assert(category_size > 0 && category_size < 16);
            uint32_t k = 0;
            for (; k < tally->category_kinds; k++)
                if (strlen(tally->category_names[k]) == category_size &&
                    memcmp(tally->category_names[k], category, category_size) == 0)
                    break;
            if (k == tally->category_kinds) {
                cr_assert_lt(k, 16);
                memcpy(tally->category_names[k], category, category_size);
                tally->category_kinds++;
            }
            tally->category_counts[k]++;
            size_t channel_size = (size_t)(newline - comma - 1);
            cr_assert(channel_size == 3 || channel_size == 5);
            if (at_s >= now_s - 30 * DAY_S) tally->recent_purchases[number]++;
        } else if (type == ADD_TO_CART) {
            cr_assert(fields_size > 10 && memcmp(fields, "SKU", 3) == 0 && fields[9] == ',',
                      "%.40s", fields);
            cr_assert(memcmp(newline - 3, ".99", 3) == 0);
        } else {
            cr_assert(fields_size > 0 && fields[0] == '/', "%.40s", fields);
            tally->last_view_s[number] = at_s;
        }
        line = newline + 1;
    }
}

static void tally_run(struct tally *tally, const struct run *run, uint64_t profiles)
{
    tally_init(tally, profiles);
    for (unsigned t = 0; t < TYPES; t++)
        tally_type(tally, t, run->events[t], run->event_sizes[t], profiles,
                   RETAIL_GEN_DEFAULT_NOW);
}

/* ---- Determinism ------------------------------------------------------------------ */

Test(retail_events, same_seed_same_bytes_whatever_the_threads)
{
    struct run one = generate(9000, 42, 1, 20);
    struct run two = generate(9000, 42, 2, 20);
    struct run four = generate(9000, 42, 4, 20);
    for (unsigned t = 0; t < TYPES; t++) {
        cr_assert(one.event_sizes[t] > 1000);
        cr_assert(same_bytes(one.events[t], one.event_sizes[t], two.events[t], two.event_sizes[t]),
                  "type %u differs between 1 and 2 threads", t);
        cr_assert(
            same_bytes(one.events[t], one.event_sizes[t], four.events[t], four.event_sizes[t]));
    }
    cr_assert_eq(one.totals.events_written, two.totals.events_written);
    run_free(&one);
    run_free(&two);
    run_free(&four);
}

Test(retail_events, other_seed_other_events)
{
    struct run a = generate(3000, 1, 1, 20);
    struct run b = generate(3000, 2, 1, 20);
    for (unsigned t = 0; t < TYPES; t++)
        cr_assert(!same_bytes(a.events[t], a.event_sizes[t], b.events[t], b.event_sizes[t]));
    run_free(&a);
    run_free(&b);
}

Test(retail_events, a_small_run_is_the_prefix_of_a_larger_one)
{
    struct run small = generate(3000, 9, 2, 20);
    struct run large = generate(7000, 9, 2, 20);
    for (unsigned t = 0; t < TYPES; t++) {
        cr_assert_lt(small.event_sizes[t], large.event_sizes[t]);
        cr_assert(memcmp(small.events[t], large.events[t], small.event_sizes[t]) == 0);
        /* The next row of the large run belongs to a later profile. */
        cr_assert_gt(customer_number(large.events[t] + small.event_sizes[t]), 3000);
    }
    run_free(&small);
    run_free(&large);
}

Test(retail_events, profiles_do_not_depend_on_events)
{
    struct run with = generate(4000, 5, 2, 20);
    struct run without = generate(4000, 5, 2, 0);
    cr_assert(same_bytes(with.profiles, with.profiles_size, without.profiles,
                         without.profiles_size));
    cr_assert_eq(without.totals.events_written, 0);
    for (unsigned t = 0; t < TYPES; t++)
        cr_assert_eq(without.event_sizes[t], 0, "no event stream is written");
    run_free(&with);
    run_free(&without);
}

/* ---- Distributions ------------------------------------------------------------------ */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int compare_u32_descending(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x < y) - (x > y);
}

Test(retail_events, distributions_on_50000_profiles)
{
    struct run run = generate(STATS_PROFILES, 42, 0, 20);
    struct tally tally;
    tally_run(&tally, &run, STATS_PROFILES);

    /* Mean events per profile near the target; the totals agree with the files. */
    uint64_t totals[TYPES] = {0};
    for (unsigned t = 0; t < TYPES; t++) {
        for (uint64_t p = 1; p <= STATS_PROFILES; p++)
            totals[t] += tally.counts[t][p];
        cr_assert_eq(totals[t], run.totals.event_counts[t]);
    }
    double mean = (double)(totals[0] + totals[1] + totals[2]) / STATS_PROFILES;
    cr_assert(mean > 19.0 && mean < 21.0, "mean events per profile %.2f", mean);
    double purchase_mean = (double)totals[PURCHASE] / STATS_PROFILES;
    cr_assert(purchase_mean > 1.9 && purchase_mean < 2.9, "purchases per profile %.2f",
              purchase_mean);
    cr_assert_gt(totals[PAGE_VIEW], 3 * totals[ADD_TO_CART]);
    cr_assert_gt(totals[ADD_TO_CART], totals[PURCHASE]);

    /* Many never buy; among buyers most buy rarely, a few often (top 10% > 40%). */
    uint64_t without_purchase = 0;
    for (uint64_t p = 1; p <= STATS_PROFILES; p++)
        without_purchase += tally.counts[PURCHASE][p] == 0;
    double share = (double)without_purchase / STATS_PROFILES;
    cr_assert(share > 0.35 && share < 0.65, "share without purchases %.3f", share);
    uint32_t *sorted = malloc(sizeof(uint32_t) * STATS_PROFILES);
    memcpy(sorted, tally.counts[PURCHASE] + 1, sizeof(uint32_t) * STATS_PROFILES);
    qsort(sorted, STATS_PROFILES, sizeof *sorted, compare_u32_descending);
    uint64_t top = 0;
    for (uint32_t i = 0; i < STATS_PROFILES / 10; i++)
        top += sorted[i];
    cr_assert_gt((double)top / (double)totals[PURCHASE], 0.40, "top decile share");
    cr_assert_gt(sorted[0], 20 * purchase_mean, "a heavy tail: max %u", sorted[0]);
    uint64_t ones = 0, buyers = STATS_PROFILES - without_purchase;
    for (uint32_t i = 0; i < STATS_PROFILES; i++)
        ones += sorted[i] == 1;
    cr_assert_gt(ones * 6, buyers, "one purchase is common among buyers");
    free(sorted);

    /* Yearly seasonality: November and December above the monthly average; weekly: Sunday
     * above Tuesday. */
    for (unsigned t = 0; t < TYPES; t++) {
        double average = (double)totals[t] / 12.0;
        double holidays = (double)(tally.month_counts[t][10] + tally.month_counts[t][11]) / 2.0;
        double february = (double)tally.month_counts[t][1];
        cr_assert_gt(holidays, 1.2 * average, "type %u: Nov/Dec %.0f vs %.0f", t, holidays,
                     average);
        cr_assert_lt(february, average, "type %u", t);
        cr_assert_gt(tally.weekday_counts[t][0], tally.weekday_counts[t][2], "type %u", t);
    }

    /* Long-tailed amounts: median 25-70, p99 at least 5x the median. */
    qsort(tally.amounts, tally.amount_count, sizeof(double), compare_doubles);
    double median = tally.amounts[tally.amount_count / 2];
    double p99 = tally.amounts[tally.amount_count * 99 / 100];
    cr_assert(median > 25.0 && median < 70.0, "median amount %.2f", median);
    cr_assert_gt(p99, 5.0 * median, "p99 %.2f, median %.2f", p99, median);

    /* Skewed categories: the most frequent at least 5x the least. */
    cr_assert_geq(tally.category_kinds, 10);
    uint64_t most = 0, least = UINT64_MAX;
    for (uint32_t k = 0; k < tally.category_kinds; k++) {
        if (tally.category_counts[k] > most) most = tally.category_counts[k];
        if (tally.category_counts[k] < least) least = tally.category_counts[k];
    }
    cr_assert_gt(most, 5 * least, "most %llu, least %llu", (unsigned long long)most,
                 (unsigned long long)least);
    tally_free(&tally);
    run_free(&run);
}

Test(retail_events, the_target_scales_the_mean)
{
    struct run run = generate(20000, 3, 0, 5);
    double mean = (double)run.totals.events_written / 20000.0;
    cr_assert(mean > 4.6 && mean < 5.4, "mean %.2f for a target of 5", mean);
    run_free(&run);
}

/* Events start no earlier than the sign-up; the last page view is at last_seen_at. */
Test(retail_events, events_follow_the_profile)
{
    const uint64_t profiles = 4000;
    struct run run = generate(profiles, 11, 1, 20);
    struct tally tally;
    tally_run(&tally, &run, profiles);
    int64_t *signup_s = calloc(profiles + 1, sizeof(int64_t));
    int64_t *last_seen_s = calloc(profiles + 1, sizeof(int64_t));
    const char *line = strchr(run.profiles, '\n') + 1;
    for (uint64_t p = 1; p <= profiles; p++) {
        /* Fields 11 and 12 (signup_at, last_seen_at); no quoted field has a comma before. */
        const char *field = line;
        for (int commas = 0; commas < 10; commas++) {
            if (*field == '"') field = strchr(field + 1, '"') + 1;
            field = strchr(field, ',') + 1;
        }
        signup_s[p] = time_at(field);
        if (field[21] != ',') last_seen_s[p] = time_at(field + 21);
        line = strchr(line, '\n') + 1;
    }
    uint64_t checked = 0;
    for (uint64_t p = 1; p <= profiles; p++) {
        if (tally.counts[PAGE_VIEW][p] > 0 && last_seen_s[p] != 0) {
            cr_assert_eq(tally.last_view_s[p], last_seen_s[p], "profile %llu",
                         (unsigned long long)p);
            checked++;
        }
    }
    cr_assert_gt(checked, profiles / 2);
    /* No event before the sign-up: check the first purchase line of each profile. */
    line = strchr(run.events[PURCHASE], '\n') + 1;
    const char *end = run.events[PURCHASE] + run.event_sizes[PURCHASE];
    while (line < end) {
        uint64_t number = customer_number(line);
        cr_assert_geq(time_at(line + 11), signup_s[number]);
        line = strchr(line, '\n') + 1;
    }
    free(signup_s);
    free(last_seen_s);
    tally_free(&tally);
    run_free(&run);
}

Test(retail_events, too_many_events_per_profile_is_a_usage_error)
{
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    cr_assert_eq(options.events_per_profile, RETAIL_GEN_DEFAULT_EVENTS_PER_PROFILE);
    options.profile_count = 1;
    options.events_per_profile = RETAIL_GEN_EVENTS_PER_PROFILE_MAX + 1;
    struct pdb_error error = {0};
    struct retail_gen_totals totals;
    cr_assert_eq(retail_gen_write_streams(stdout, NULL, &options, &totals, &error),
                 PDB_ERR_USAGE);
    cr_assert_not_null(strstr(error.message, "events per profile"), "%s", error.message);
}

/* ---- Files and ingest -------------------------------------------------------------- */

static char *read_whole(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s", path);
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = malloc((size_t)length + 1);
    cr_assert_eq(fread(data, 1, (size_t)length, file), (size_t)length);
    data[length] = '\0';
    fclose(file);
    *size = (size_t)length;
    return data;
}

/* count(purchase, 30d) >= 2, last(page_view) > now() - 7d, NOT exists(purchase, 180d), as
 * counted from the CSV. */
static uint64_t oracle_count(const struct tally *tally, uint64_t profiles, int which,
                             const char *purchases, size_t purchases_size)
{
    uint64_t count = 0;
    if (which == 0) {
        for (uint64_t p = 1; p <= profiles; p++)
            count += tally->recent_purchases[p] >= 2;
    } else if (which == 1) {
        for (uint64_t p = 1; p <= profiles; p++)
            count += tally->counts[PAGE_VIEW][p] > 0 &&
                     tally->last_view_s[p] > RETAIL_GEN_DEFAULT_NOW - 7 * DAY_S;
    } else {
        bool *recent = calloc(profiles + 1, sizeof(bool));
        const char *line = strchr(purchases, '\n') + 1;
        const char *end = purchases + purchases_size;
        while (line < end) {
            if (time_at(line + 11) >= RETAIL_GEN_DEFAULT_NOW - 180 * DAY_S)
                recent[customer_number(line)] = true;
            line = strchr(line, '\n') + 1;
        }
        for (uint64_t p = 1; p <= profiles; p++)
            count += !recent[p];
        free(recent);
    }
    return count;
}

Test(retail_events, every_generated_file_ingests_with_zero_rejects)
{
    char root[] = "/tmp/test_retail_events_XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    char dir[256], db_path[256], path[320], schema_path[320];
    snprintf(dir, sizeof dir, "%s/gen", root);
    snprintf(db_path, sizeof db_path, "%s/db", root);
    const uint64_t profiles = 70000; /* two chunks */

    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = profiles;
    options.seed = 7;
    struct retail_gen_totals totals;
    options.totals = &totals;
    struct pdb_error error = {0};
    cr_assert_eq(retail_gen_write(dir, &options, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(totals.profile_count, profiles);

    /* The files hold what the streams give for the same options. */
    struct run run = generate(profiles, 7, 1, RETAIL_GEN_DEFAULT_EVENTS_PER_PROFILE);
    for (unsigned t = 0; t < TYPES; t++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, retail_gen_event_type_name(t));
        size_t size = 0;
        char *data = read_whole(path, &size);
        cr_assert(same_bytes(data, size, run.events[t], run.event_sizes[t]), "%s", path);
        cr_assert_eq(totals.event_counts[t], run.totals.event_counts[t]);
        free(data);
    }

    snprintf(schema_path, sizeof schema_path, "%s/retail.schema", dir);
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    snprintf(path, sizeof path, "%s/profiles.csv", dir);
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(result.rows_rejected, 0);
    for (unsigned t = 0; t < TYPES; t++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, retail_gen_event_type_name(t));
        cr_assert_eq(pdb_db_ingest_events(db, retail_gen_event_type_name(t), path, NULL,
                                          &result, &error),
                     PDB_OK, "%s: %s", path, error.message);
        cr_assert_eq(result.rows_rejected, 0, "%s", path);
        cr_assert_eq(result.rows_loaded, totals.event_counts[t], "%s", path);
    }

    /* Event segments agree with counts made from the CSV. */
    struct tally tally;
    tally_run(&tally, &run, profiles);
    pdb_db_set_now(db, RETAIL_GEN_DEFAULT_NOW);
    static const char *const segments[] = {
        "count(purchase, 30d) >= 2",
        "last(page_view) > now() - 7d",
        "NOT exists(purchase, 180d)",
    };
    for (int s = 0; s < 3; s++) {
        uint64_t count = 0;
        cr_assert_eq(pdb_segment_count(db, segments[s], &count, &error), PDB_OK, "%s",
                     error.message);
        uint64_t expected = oracle_count(&tally, profiles, s, run.events[PURCHASE],
                                         run.event_sizes[PURCHASE]);
        cr_assert_eq(count, expected, "%s: %llu, expected %llu", segments[s],
                     (unsigned long long)count, (unsigned long long)expected);
        cr_assert(count > 0 && count < profiles, "%s", segments[s]);
    }
    pdb_db_close(db);
    tally_free(&tally);

    /* Writing again without events removes the event files of the first run. */
    options.events_per_profile = 0;
    cr_assert_eq(retail_gen_write(dir, &options, &error), PDB_OK, "%s", error.message);
    struct stat info;
    for (unsigned t = 0; t < TYPES; t++) {
        snprintf(path, sizeof path, "%s/%s.csv", dir, retail_gen_event_type_name(t));
        cr_assert_neq(stat(path, &info), 0, "%s was removed", path);
    }
    run_free(&run);
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    cr_assert_eq(system(command), 0);
}
