/*
 * Events through the public API (engine/db/db_events.c): pdb_db_ingest_events from CSV files
 * and the segments that read them. A differential test ingests random event files (known
 * keys, unknown keys, bad times and values, NULL and quoted properties, equal timestamps,
 * events at window edges) in several transactions and compares pdb_segment_count for a fixed
 * set of event segments with a naive evaluator over the accepted events (kept here, straight
 * from docs/SEGMENTS.md), after every ingest and after reopening. Focused cases: a failed
 * ingest (bad header, missing file, unknown type) changes nothing, rejects name
 * file:line:column and a reason, a schema with event types and no event file answers 0.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/profiledb.h"
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "events/event_partition.h"
#include "storage/manifest.h"
#include "storage/file_io.h"

#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)
#define PROFILES 300
#define EVENTS_MAX 20000

static char directory[256], db_path[300], schema_path[300], input_path[300];

static void make_workspace(void)
{
    snprintf(directory, sizeof directory, "/tmp/pdb_test_events_XXXXXX");
    cr_assert_not_null(mkdtemp(directory));
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(input_path, sizeof input_path, "%s/events.csv", directory);
    FILE *file = fopen(schema_path, "w");
    fputs("id text identifier primary\ncountry category\n"
          "event purchase retention 400d\n    amount float\n    channel category\n"
          "event login\n",
          file);
    fclose(file);
}

static void remove_workspace(void)
{
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    cr_assert_eq(system(command), 0);
}

TestSuite(events_ingest, .init = make_workspace, .fini = remove_workspace);

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_u64() % n); }

static const char *const channels[] = {"web", "app", "store"};

struct event {
    uint32_t profile;
    int64_t at;
    bool amount_null;
    double amount;
    int channel; /* -1: NULL */
};

static struct event accepted[EVENTS_MAX];
static uint32_t accepted_count;

static void create_profiles(struct pdb_db **db_out)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    char path[320];
    snprintf(path, sizeof path, "%s/profiles.csv", directory);
    FILE *file = fopen(path, "w");
    fputs("id,country\n", file);
    for (uint32_t p = 0; p < PROFILES; p++) fprintf(file, "k%u,%s\n", p, p % 3 ? "US" : "DE");
    fclose(file);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_loaded, PROFILES);
    pdb_db_set_now(db, NOW);
    *db_out = db;
}

static int64_t random_time(void)
{
    static const int64_t edges[] = {30 * DAY, 30 * DAY + 1, 30 * DAY - 1, 0, 400 * DAY + 5, 7 * DAY};
    if (below(4) == 0) return NOW - edges[below(6)];
    return NOW - (int64_t)below(500) * DAY - (int64_t)below(DAY);
}

/* Writes a random event file; the events it should accept are added to `accepted`.
 * Returns the number of records that must be rejected. */
static uint32_t write_event_file(uint32_t records)
{
    FILE *file = fopen(input_path, "w");
    bool is_reordered = below(2) == 0;
    fputs(is_reordered ? "channel,timestamp,id,amount\n" : "id,at,amount,channel\n", file);
    uint32_t rejected = 0;
    for (uint32_t i = 0; i < records; i++) {
        struct event event = {.profile = below(PROFILES), .at = random_time()};
        event.amount_null = below(8) == 0;
        event.amount = (double)((int64_t)below(400) - 40) / 4.0;
        event.channel = below(6) == 0 ? -1 : (int)below(3);
        char key[32], at[32], amount[32], channel[32];
        snprintf(key, sizeof key, "k%u", event.profile);
        snprintf(at, sizeof at, "%" PRId64, event.at);
        if (event.amount_null) amount[0] = '\0';
        else snprintf(amount, sizeof amount, "%.2f", event.amount);
        bool is_quoted = event.channel >= 0 && below(2) == 0;
        snprintf(channel, sizeof channel, "%s%s%s", is_quoted ? "\"" : "",
                 event.channel >= 0 ? channels[event.channel] : "", is_quoted ? "\"" : "");
        uint32_t fault = below(12);
        bool is_bad = true;
        if (fault == 0) snprintf(key, sizeof key, "nobody%u", i);
        else if (fault == 1) snprintf(at, sizeof at, "yesterday");
        else if (fault == 2) snprintf(amount, sizeof amount, "12x");
        else if (fault == 3) key[0] = '\0';
        else is_bad = false;
        if (is_reordered) fprintf(file, "%s,%s,%s,%s\n", channel, at, key, amount);
        else fprintf(file, "%s,%s,%s,%s\n", key, at, amount, channel);
        if (is_bad) {
            rejected++;
        } else {
            cr_assert_lt(accepted_count, EVENTS_MAX);
            accepted[accepted_count++] = event;
        }
    }
    fclose(file);
    return rejected;
}

/* ---- The naive evaluator ------------------------------------------------------------------ */

enum query { Q_COUNT30_GE2, Q_EXISTS, Q_SUM_WEB_90, Q_MAX_365, Q_DISTINCT, Q_NOT_EXISTS_7,
             Q_NULL_CHANNEL, Q_LAST, Q_COUNT };
static const char *const query_text[Q_COUNT] = {
    "count(purchase, 30d) >= 2",
    "exists(purchase)",
    "sum(purchase.amount, 90d, channel = 'web') > 20",
    "max(purchase.amount, 365d) BETWEEN 10 AND 60",
    "distinct(purchase.channel) >= 2",
    "country = 'US' AND NOT exists(purchase, 7d)",
    "count(purchase, channel IS NULL) >= 1",
    "last(purchase) > now() - 30d",
};

static uint64_t naive_count(enum query query)
{
    uint64_t matched = 0;
    for (uint32_t p = 0; p < PROFILES; p++) {
        uint64_t count = 0;
        double sum = 0, max = 0;
        bool has_max = false;
        bool channels_seen[3] = {false};
        int64_t last = INT64_MIN;
        for (uint32_t i = 0; i < accepted_count; i++) {
            const struct event *event = &accepted[i];
            if (event->profile != p) continue;
            if (event->at < NOW - 400 * DAY || event->at > NOW) continue; /* retention; future */
            int64_t age = NOW - event->at;
            switch (query) {
            case Q_COUNT30_GE2: count += age <= 30 * DAY; break;
            case Q_EXISTS: count++; break;
            case Q_SUM_WEB_90:
                if (age <= 90 * DAY && event->channel == 0 && !event->amount_null) sum += event->amount;
                break;
            case Q_MAX_365:
                if (age <= 365 * DAY && !event->amount_null && (!has_max || event->amount > max)) {
                    max = event->amount;
                    has_max = true;
                }
                break;
            case Q_DISTINCT:
                if (event->channel >= 0) channels_seen[event->channel] = true;
                break;
            case Q_NOT_EXISTS_7: count += age <= 7 * DAY; break;
            case Q_NULL_CHANNEL: count += event->channel < 0; break;
            case Q_LAST: if (event->at > last) last = event->at; break;
            default: break;
            }
        }
        bool is_match = false;
        switch (query) {
        case Q_COUNT30_GE2: is_match = count >= 2; break;
        case Q_EXISTS: is_match = count > 0; break;
        case Q_SUM_WEB_90: is_match = sum > 20; break;
        case Q_MAX_365: is_match = has_max && max >= 10 && max <= 60; break;
        case Q_DISTINCT: is_match = channels_seen[0] + channels_seen[1] + channels_seen[2] >= 2; break;
        case Q_NOT_EXISTS_7: is_match = p % 3 != 0 && count == 0; break;
        case Q_NULL_CHANNEL: is_match = count >= 1; break;
        case Q_LAST: is_match = last != INT64_MIN && last > NOW - 30 * DAY; break;
        default: break;
        }
        matched += is_match;
    }
    return matched;
}

static void check_segments(struct pdb_db *db, const char *when)
{
    for (int q = 0; q < Q_COUNT; q++) {
        uint64_t count = 0;
        struct pdb_error error = {0};
        cr_assert_eq(pdb_segment_count(db, query_text[q], &count, &error), PDB_OK, "%s: %s",
                     query_text[q], error.message);
        cr_assert_eq(count, naive_count((enum query)q), "%s: '%s' counted %" PRIu64 ", naive %" PRIu64
                     " (seed %" PRIu64 ")", when, query_text[q], count, naive_count((enum query)q),
                     rng_state);
    }
}

Test(events_ingest, differential_against_naive_evaluator_and_reopen)
{
    const char *seed_text = getenv("PROFILEDB_TEST_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : 20261203u;
    rng_state = seed;
    accepted_count = 0;
    struct pdb_db *db;
    create_profiles(&db);
    check_segments(db, "before any event");
    struct pdb_error error = {0};
    for (int round = 0; round < 4; round++) {
        uint32_t records = 200 + below(1500);
        uint32_t rejected = write_event_file(records);
        struct pdb_ingest_result result;
        cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                     "%s", error.message);
        cr_assert_eq(result.rows_read, records);
        cr_assert_eq(result.rows_rejected, rejected, "seed %" PRIu64, seed);
        cr_assert_eq(result.rows_loaded, records - rejected);
        check_segments(db, "after an ingest");
    }
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    check_segments(db, "after reopening");
    /* Another handle's ingest is seen by this one after it writes or reopens; a profile
     * ingest keeps the events (its manifest copies the events lines). */
    char path[320];
    snprintf(path, sizeof path, "%s/more.csv", directory);
    FILE *file = fopen(path, "w");
    fputs("id,country\nk1,FR\nnew1,US\n", file);
    fclose(file);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, &result, &error), PDB_OK, "%s", error.message);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "exists(purchase)", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, naive_count(Q_EXISTS));
    pdb_db_close(db);
}

static char *read_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    static char text[1 << 16];
    size_t size = fread(text, 1, sizeof text - 1, file);
    text[size] = '\0';
    fclose(file);
    return text;
}

Test(events_ingest, failed_ingest_changes_nothing)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    FILE *file = fopen(input_path, "w");
    fputs("id,at,amount\nk1,1749990000,5\nk2,1749990000,7\n", file);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    char manifest_path[320];
    snprintf(manifest_path, sizeof manifest_path, "%s/MANIFEST", db_path);
    char *before = strdup(read_text(manifest_path));

    file = fopen(input_path, "w"); /* an unknown column: the header is an error */
    fputs("id,at,amount,colour\nk3,1749990000,5,red\n", file);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "events.csv:1:14: column 'colour'") != NULL, "%s", error.message);
    file = fopen(input_path, "w"); /* no time column */
    fputs("id,amount\nk3,5\n", file);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "no time column") != NULL, "%s", error.message);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", "/nonexistent/x.csv", NULL, &result, &error),
                 PDB_ERR_NOT_FOUND);
    cr_assert_eq(pdb_db_ingest_events(db, "purchse", input_path, NULL, &result, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "did you mean 'purchase'") != NULL, "%s", error.message);
    cr_assert_str_eq(read_text(manifest_path), before);
    free(before);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "count(purchase) >= 1", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 2);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    cr_assert_eq(pdb_segment_count(db, "sum(purchase.amount) = 7", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 1);
    pdb_db_close(db);
}

Test(events_ingest, rejects_name_line_column_and_reason)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    FILE *file = fopen(input_path, "w");
    fputs("id,at,amount,channel\nk1,1749990000,5,web\nghost,1749990000,1,web\n"
          "k2,soon,1,web\nk2,1749990000,1.5.1,web\nk2,1749990000\n",
          file);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(result.rows_loaded, 1);
    cr_assert_eq(result.rows_rejected, 4);
    const char *text = read_text(result.rejects_path);
    cr_assert_not_null(text);
    cr_assert(strstr(text, "events.csv,3,1,id,no profile has this key,") != NULL, "%s", text);
    cr_assert(strstr(text, "events.csv,4,4,at,not a timestamp") != NULL, "%s", text);
    cr_assert(strstr(text, "events.csv,5,15,amount,") != NULL, "%s", text);
    cr_assert(strstr(text, "events.csv,6,1,,fewer fields than the header") != NULL, "%s", text);
    /* login has no properties; an empty file of it changes nothing and an event type with no
     * file answers 0. */
    uint64_t count = 1;
    cr_assert_eq(pdb_segment_count(db, "exists(login)", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 0);
    pdb_db_close(db);
}

Test(events_ingest, a_damaged_event_file_is_corrupt_not_silently_empty)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    FILE *file = fopen(input_path, "w");
    fputs("id,at,amount\nk1,1749990000,5\n", file);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    pdb_db_close(db);
    char path[400];
    /* 1749990000 is 2025-06-15: partition (2025 - 1970) * 12 + 5 = 665. */
    snprintf(path, sizeof path, "%s/events-00-m665-g2.pde", db_path);
    file = fopen(path, "r+b");
    cr_assert_not_null(file, "%s", path);
    fseek(file, 40, SEEK_SET);
    int byte = fgetc(file);
    fseek(file, 40, SEEK_SET);
    fputc(byte ^ 0x10, file);
    fclose(file);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "exists(purchase)", &count, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "events-00-m665-g2.pde: corrupt event file at byte") != NULL, "%s",
              error.message);
    /* Segments without an event aggregate do not read the event files. */
    cr_assert_eq(pdb_segment_count(db, "country = 'US'", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 200);
    pdb_db_close(db);
}

/* The events every event file of type 0 in the manifest holds (decoded from the files, not
 * through a segment, so retention is not applied on the way). */
static uint64_t events_in_files(uint32_t *files_out, uint64_t *generations)
{
    struct manifest manifest;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_load(db_path, &manifest, &error), PDB_OK, "%s", error.message);
    struct schema schema;
    char text[512];
    FILE *file = fopen(schema_path, "r");
    size_t size = fread(text, 1, sizeof text, file);
    fclose(file);
    cr_assert_eq(schema_parse(text, size, "s", &schema, &error), PDB_OK, "%s", error.message);
    uint64_t total = 0;
    *files_out = 0;
    for (uint32_t i = 0; i < manifest.event_file_count; i++) {
        const struct manifest_event_file *entry = &manifest.event_files[i];
        if (entry->type_index != 0) continue;
        char path[400];
        snprintf(path, sizeof path, "%s/%s", db_path, entry->file.name);
        uint8_t *data;
        size_t data_size;
        cr_assert_eq(file_read_all(path, 1u << 30, &data, &data_size, &error), PDB_OK, "%s", error.message);
        struct event_type_store type;
        cr_assert_eq(event_file_decode(path, data, data_size, &schema.events.types[0], &type, NULL, NULL, &error),
                     PDB_OK, "%s", error.message);
        total += type.event_count;
        const char *marker = strstr(entry->file.name, "-g");
        generations[*files_out] = strtoull(marker + 2, NULL, 10);
        (*files_out)++;
        event_type_store_deinit(&type);
        mem_free(data);
    }
    schema_deinit(&schema);
    manifest_deinit(&manifest);
    return total;
}

/* Partitions and retention in the files: an ingest writes only the months its events fall
 * in (the other files keep their generation), events older than the retention (400d) are
 * not in any file after the ingest that brought them, and a later ingest whose clock moved
 * on removes the events that expired since (compaction at the end of the ingest); counts
 * inside the retention are unchanged. */
Test(events_ingest, ingest_rewrites_only_its_partitions_and_retention_removes_events_from_files)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    struct pdb_ingest_result result;
    FILE *file = fopen(input_path, "w");
    fprintf(file, "id,at,amount\nk1,%lld,1\nk1,%lld,2\nk2,%lld,3\nk3,%lld,4\n", (long long)(NOW - 450 * DAY),
            (long long)(NOW - 390 * DAY), (long long)(NOW - 100 * DAY), (long long)(NOW - 10 * DAY));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(result.rows_loaded, 4);
    uint32_t files;
    uint64_t generations[16];
    cr_assert_eq(events_in_files(&files, generations), 3, "the 450-day-old event is not stored");
    cr_assert_eq(files, 3);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "exists(purchase)", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 3);

    /* One more event in the newest month: only that file is rewritten. */
    file = fopen(input_path, "w");
    fprintf(file, "id,at,amount\nk4,%lld,5\n", (long long)(NOW - 10 * DAY + 60));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    uint64_t after[16];
    cr_assert_eq(events_in_files(&files, after), 4);
    cr_assert_eq(files, 3);
    cr_assert_eq(after[0], generations[0]);
    cr_assert_eq(after[1], generations[1]);
    cr_assert_gt(after[2], generations[2]);

    /* Twenty days later the 390-day-old event has expired: the next ingest drops its month. */
    pdb_db_set_now(db, NOW + 20 * DAY);
    cr_assert_eq(pdb_segment_count(db, "count(purchase, 400d) >= 1", &count, &error), PDB_OK);
    cr_assert_eq(count, 3);
    file = fopen(input_path, "w");
    fprintf(file, "id,at,amount\nk5,%lld,6\n", (long long)(NOW + 19 * DAY));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(events_in_files(&files, after), 4, "the expired event is gone from the files");
    cr_assert_eq(pdb_segment_count(db, "count(purchase, 400d) >= 1", &count, &error), PDB_OK);
    cr_assert_eq(count, 4);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW + 20 * DAY);
    cr_assert_eq(pdb_segment_count(db, "exists(purchase)", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 4);
    pdb_db_close(db);
}

/* A database written before partitions: one version-1 file per type, named by an `events`
 * manifest line. It opens and answers the same counts; the type's next ingest rewrites it as
 * monthly version-2 files and drops the old one. */
Test(events_ingest, a_version_1_event_file_still_opens_and_is_rewritten_as_months)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    FILE *file = fopen(input_path, "w");
    fputs("id,at,amount,channel\n", file);
    for (uint32_t i = 0; i < 500; i++)
        fprintf(file, "k%u,%lld,%u,%s\n", i % PROFILES, (long long)(NOW - (int64_t)(i % 300) * DAY - i), i,
                channels[i % 3]);
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    static const char *const segments[] = {"count(purchase, 30d) >= 1", "sum(purchase.amount, 200d) > 300",
                                           "exists(purchase, 400d, channel = 'app')"};
    uint64_t expected[3];
    for (int s = 0; s < 3; s++)
        cr_assert_eq(pdb_segment_count(db, segments[s], &expected[s], &error), PDB_OK, "%s", error.message);
    pdb_db_close(db);

    /* Rewrite the type as one version-1 file, as an older profiledb wrote it. */
    struct manifest manifest;
    cr_assert_eq(manifest_load(db_path, &manifest, &error), PDB_OK, "%s", error.message);
    struct schema schema;
    char text[512];
    file = fopen(schema_path, "r");
    size_t size = fread(text, 1, sizeof text, file);
    fclose(file);
    cr_assert_eq(schema_parse(text, size, "s", &schema, &error), PDB_OK, "%s", error.message);
    struct event_type_store parts[64];
    uint32_t part_count = 0;
    for (uint32_t i = 0; i < manifest.event_file_count; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", db_path, manifest.event_files[i].file.name);
        uint8_t *data;
        size_t data_size;
        cr_assert_eq(file_read_all(path, 1u << 30, &data, &data_size, &error), PDB_OK);
        cr_assert_eq(event_file_decode(path, data, data_size, &schema.events.types[0], &parts[part_count++], NULL,
                                       NULL, &error), PDB_OK, "%s", error.message);
        mem_free(data);
    }
    cr_assert_gt(part_count, 5u);
    struct event_type_store whole;
    cr_assert_eq(event_type_store_concat(parts, part_count, "purchase", &whole, &error), PDB_OK, "%s", error.message);
    struct buffer encoded;
    buffer_init(&encoded);
    cr_assert_eq(event_file_encode_v1(&whole, &encoded), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/events-00-g%llu.pde", db_path, (unsigned long long)manifest.generation);
    cr_assert_eq(file_write_durable(path, encoded.data, encoded.size, &error), PDB_OK, "%s", error.message);
    struct manifest_file entry = {.size_bytes = encoded.size, .checksum = checksum_bytes(encoded.data, encoded.size)};
    snprintf(entry.name, sizeof entry.name, "events-00-g%llu.pde", (unsigned long long)manifest.generation);
    manifest.event_file_count = 0;
    cr_assert_eq(manifest_event_file_set(&manifest, 0, MANIFEST_EVENT_WHOLE, &entry), 0);
    cr_assert_eq(manifest_store(db_path, &manifest, NULL, &error), PDB_OK, "%s", error.message);
    buffer_deinit(&encoded);
    event_type_store_deinit(&whole);
    manifest_deinit(&manifest);
    schema_deinit(&schema);

    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    for (int s = 0; s < 3; s++) {
        uint64_t count = 0;
        cr_assert_eq(pdb_segment_count(db, segments[s], &count, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(count, expected[s], "%s from the version-1 file", segments[s]);
    }
    file = fopen(input_path, "w");
    fprintf(file, "id,at,amount,channel\nk7,%lld,5000,app\n", (long long)(NOW - 2 * DAY));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(manifest_load(db_path, &manifest, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(manifest.event_file_count, part_count, "the whole file became its months again");
    for (uint32_t i = 0; i < manifest.event_file_count; i++)
        cr_assert_neq(manifest.event_files[i].partition_key, MANIFEST_EVENT_WHOLE);
    manifest_deinit(&manifest);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "count(purchase) >= 0", &count, &error), PDB_OK);
    cr_assert_eq(pdb_segment_count(db, "sum(purchase.amount, 30d) >= 5000", &count, &error), PDB_OK);
    cr_assert_eq(count, 1);
    pdb_db_close(db);
    cr_assert_eq(access(path, F_OK), -1, "the version-1 file is collected");
}

/* More calendar months than a type may hold (DB_EVENT_PARTITIONS_MAX, 4,096): the ingest is
 * refused with the reason and changes nothing. */
Test(events_ingest, too_many_months_is_a_limit_error_and_changes_nothing)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    FILE *file = fopen(input_path, "w");
    fputs("id,at\n", file);
    for (uint32_t i = 0; i < 5000; i++) fprintf(file, "k%u,%lld\n", i % PROFILES, (long long)(NOW - (int64_t)i * 30 * DAY));
    fclose(file);
    cr_assert_eq(pdb_db_ingest_events(db, "login", input_path, NULL, NULL, &error), PDB_ERR_LIMIT);
    cr_assert(strstr(error.message, "calendar months") != NULL, "%s", error.message);
    uint64_t count = 1;
    cr_assert_eq(pdb_segment_count(db, "exists(login)", &count, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(count, 0);
    pdb_db_close(db);
}
