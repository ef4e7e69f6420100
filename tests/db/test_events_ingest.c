/*
 * Events through the public API (engine/db/db_events.c): pdb_db_ingest_events from CSV and
 * NDJSON files and the segments that read them. A differential test ingests random event
 * files (CSV or NDJSON; known keys, unknown keys that create profiles, bad times and values,
 * NULL, missing and quoted properties, equal timestamps, events at window edges) in several
 * transactions and compares pdb_segment_count for a fixed set of event segments, and the
 * profile count, with a naive evaluator over the accepted events (kept here, straight from
 * docs/SEGMENTS.md), after every ingest and after reopening. Focused cases: the same events
 * in CSV and NDJSON load the same, a failed ingest (bad header, missing file, unknown type)
 * changes nothing, rejects name file:line:column and a reason in both formats, unknown keys
 * create one profile each (through the key's rules, exempt from `required`), a deleted key
 * gets a new profile, a streaming handle's profiles are seen, and a schema with event types
 * and no event file answers 0.
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
#include "support/test_files.h"

#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)
#define PROFILES 300
#define EVENTS_MAX 20000

static char directory[256], db_path[300], schema_path[300], input_path[300], ndjson_path[300];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "events");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(input_path, sizeof input_path, "%s/events.csv", directory);
    snprintf(ndjson_path, sizeof ndjson_path, "%s/events.ndjson", directory);
    test_file_write(schema_path, "id text identifier primary\ncountry category\n"
          "event purchase retention 400d\n    amount float\n    channel category\n"
          "event login\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
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

/* Profiles the events create: new key n%u (n below NEW_KEYS) is profile PROFILES + its
 * position in new_order (the order of first acceptance, as the engine gives row ids). */
#define NEW_KEYS 40
static int32_t new_position[NEW_KEYS]; /* -1: not created yet */
static uint32_t new_count;

static void reset_model(void)
{
    accepted_count = 0;
    new_count = 0;
    for (uint32_t n = 0; n < NEW_KEYS; n++) new_position[n] = -1;
}

static void create_profiles_at(const char *path_of_db, struct pdb_db **db_out)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(path_of_db, schema_path, &error), PDB_OK, "%s", error.message);
    char path[320];
    snprintf(path, sizeof path, "%s/profiles.csv", directory);
    FILE *file = fopen(path, "w");
    fputs("id,country\n", file);
    for (uint32_t p = 0; p < PROFILES; p++) fprintf(file, "k%u,%s\n", p, p % 3 ? "US" : "DE");
    fclose(file);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(path_of_db, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_loaded, PROFILES);
    pdb_db_set_now(db, NOW);
    *db_out = db;
}

static void create_profiles(struct pdb_db **db_out)
{
    create_profiles_at(db_path, db_out);
}

static int64_t random_time(void)
{
    static const int64_t edges[] = {30 * DAY, 30 * DAY + 1, 30 * DAY - 1, 0, 400 * DAY + 5, 7 * DAY};
    if (below(4) == 0) return NOW - edges[below(6)];
    return NOW - (int64_t)below(500) * DAY - (int64_t)below(DAY);
}

/* Writes a random event file, CSV at input_path or NDJSON at ndjson_path (the same events
 * either way); the events it should accept are added to `accepted` (profiles they create to
 * the model). Returns the number of records that must be rejected. */
static uint32_t write_event_file(uint32_t records, bool is_ndjson)
{
    FILE *file = fopen(is_ndjson ? ndjson_path : input_path, "w");
    bool is_reordered = below(2) == 0;
    if (!is_ndjson) fputs(is_reordered ? "channel,timestamp,id,amount\n" : "id,at,amount,channel\n", file);
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
        int32_t new_key = -1;
        if (fault == 0) {
            new_key = (int32_t)below(NEW_KEYS); /* no profile has it: the event creates one */
            snprintf(key, sizeof key, "n%d", new_key);
            is_bad = false;
        } else if (fault == 1) {
            snprintf(at, sizeof at, "yesterday");
        } else if (fault == 2) {
            snprintf(amount, sizeof amount, "12x");
        } else if (fault == 3) {
            key[0] = '\0';
        } else {
            is_bad = false;
        }
        if (is_ndjson) { /* members in a random order; a NULL is null or left out */
            fprintf(file, fault == 1 ? "{\"id\": \"%s\", \"%s\": \"%s\"" : "{\"id\": \"%s\", \"%s\": %s",
                    key, is_reordered ? "timestamp" : "at", at);
            if (amount[0] != '\0') fprintf(file, fault == 2 ? ", \"amount\": \"%s\"" : ", \"amount\": %s", amount);
            else if (i % 2 == 0) fprintf(file, ", \"amount\": null");
            if (event.channel >= 0) fprintf(file, ", \"channel\": \"%s\"", channels[event.channel]);
            else if (i % 3 == 0) fprintf(file, ", \"channel\": null");
            fprintf(file, "}\n");
        } else if (is_reordered) {
            fprintf(file, "%s,%s,%s,%s\n", channel, at, key, amount);
        } else {
            fprintf(file, "%s,%s,%s,%s\n", key, at, amount, channel);
        }
        if (is_bad) {
            rejected++;
        } else {
            if (new_key >= 0) {
                if (new_position[new_key] < 0) new_position[new_key] = (int32_t)new_count++;
                event.profile = PROFILES + (uint32_t)new_position[new_key];
            }
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
    for (uint32_t p = 0; p < PROFILES + new_count; p++) {
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
        case Q_NOT_EXISTS_7: is_match = p < PROFILES && p % 3 != 0 && count == 0; break; /* new: no country */
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
    reset_model();
    struct pdb_db *db;
    create_profiles(&db);
    check_segments(db, "before any event");
    struct pdb_error error = {0};
    for (int round = 0; round < 6; round++) {
        uint32_t records = 200 + below(1500);
        bool is_ndjson = round % 2 == 1;
        uint32_t profiles_before = new_count;
        uint32_t rejected = write_event_file(records, is_ndjson);
        struct pdb_ingest_result result;
        cr_assert_eq(pdb_db_ingest_events(db, "purchase", is_ndjson ? ndjson_path : input_path,
                                          NULL, &result, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(result.rows_read, records);
        cr_assert_eq(result.rows_rejected, rejected, "seed %" PRIu64, seed);
        cr_assert_eq(result.rows_loaded, records - rejected);
        cr_assert_eq(result.profiles_created, new_count - profiles_before, "seed %" PRIu64, seed);
        cr_assert_eq(pdb_db_row_count(db), PROFILES + new_count);
        check_segments(db, "after an ingest");
    }
    cr_assert_gt(new_count, 0u);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    check_segments(db, "after reopening");
    cr_assert_eq(pdb_db_row_count(db), PROFILES + new_count);
    /* Another handle's ingest is seen by this one after it writes or reopens; a profile
     * ingest keeps the events (its manifest copies the events lines). */
    char path[320];
    snprintf(path, sizeof path, "%s/more.csv", directory);
    test_file_write(path, "id,country\nk1,FR\nnew1,US\n");
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
    test_file_write(input_path, "id,at,amount\nk1,1749990000,5\nk2,1749990000,7\n");
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    char manifest_path[320];
    snprintf(manifest_path, sizeof manifest_path, "%s/MANIFEST", db_path);
    char *before = strdup(read_text(manifest_path));

    FILE *file = fopen(input_path, "w"); /* an unknown column: the header is an error */
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
    test_file_write(input_path, "id,at,amount,channel\nk1,1749990000,5,web\nghost,1749990000,1,web\n"
          "k2,soon,1,web\nk2,1749990000,1.5.1,web\nk2,1749990000\n");
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(result.rows_loaded, 2, "ghost's event creates its profile");
    cr_assert_eq(result.rows_rejected, 3);
    cr_assert_eq(result.profiles_created, 1);
    const char *text = read_text(result.rejects_path);
    cr_assert_not_null(text);
    cr_assert(strstr(text, "ghost") == NULL, "%s", text);
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
    test_file_write(input_path, "id,at,amount\nk1,1749990000,5\n");
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, NULL, &result, &error), PDB_OK,
                 "%s", error.message);
    pdb_db_close(db);
    char path[400];
    /* 1749990000 is 2025-06-15: partition (2025 - 1970) * 12 + 5 = 665. */
    snprintf(path, sizeof path, "%s/events-00-m665-g2.pde", db_path);
    FILE *file = fopen(path, "r+b");
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

/* ---- NDJSON ------------------------------------------------------------------------------ */

static uint64_t count_of(struct pdb_db *db, const char *segment)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, segment, &count, &error), PDB_OK, "%s: %s", segment, error.message);
    return count;
}

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
}

static void ingest_events_ok(struct pdb_db *db, const char *type, const char *path,
                             struct pdb_ingest_result *result)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_events(db, type, path, NULL, result, &error), PDB_OK, "%s: %s",
                 path, error.message);
}

Test(events_ingest, the_same_events_in_csv_and_ndjson_load_the_same)
{
    char other_path[320];
    snprintf(other_path, sizeof other_path, "%s/db2", directory);
    struct pdb_db *from_csv, *from_ndjson;
    create_profiles_at(db_path, &from_csv);
    create_profiles_at(other_path, &from_ndjson);
    for (int round = 0; round < 3; round++) {
        uint64_t seed = 777u + (uint64_t)round;
        reset_model(); /* the model is not used: the two databases are compared */
        rng_state = seed;
        uint32_t rejected = write_event_file(1500, false);
        rng_state = seed;
        cr_assert_eq(write_event_file(1500, true), rejected);
        struct pdb_ingest_result csv_result, ndjson_result;
        ingest_events_ok(from_csv, "purchase", input_path, &csv_result);
        ingest_events_ok(from_ndjson, "purchase", ndjson_path, &ndjson_result);
        cr_assert_eq(csv_result.rows_read, ndjson_result.rows_read);
        cr_assert_eq(csv_result.rows_loaded, ndjson_result.rows_loaded);
        cr_assert_eq(csv_result.rows_rejected, ndjson_result.rows_rejected);
        cr_assert_eq(csv_result.rows_rejected, rejected);
        cr_assert_eq(csv_result.profiles_created, ndjson_result.profiles_created);
        cr_assert_eq(pdb_db_row_count(from_csv), pdb_db_row_count(from_ndjson));
        for (int q = 0; q < Q_COUNT; q++)
            cr_assert_eq(count_of(from_csv, query_text[q]), count_of(from_ndjson, query_text[q]), "%s",
                         query_text[q]);
        static const char *const more[] = {
            "count(purchase) = 1", "count(purchase) = 3", "count(purchase) >= 8",
            "sum(purchase.amount) > 100", "min(purchase.amount) < 0", "first(purchase) < now() - 300d",
            "count(purchase, channel = 'app') >= 2", "count(purchase, amount IS NULL) >= 1",
            "exists(purchase) AND country IS NULL",
        };
        for (size_t q = 0; q < sizeof more / sizeof more[0]; q++)
            cr_assert_eq(count_of(from_csv, more[q]), count_of(from_ndjson, more[q]), "%s", more[q]);
    }
    pdb_db_close(from_csv);
    pdb_db_close(from_ndjson);
}

Test(events_ingest, ndjson_rejects_name_line_column_and_reason)
{
    struct pdb_db *db;
    create_profiles(&db);
    write_text(ndjson_path,
               "{\"id\": \"k1\", \"at\": \"2025-06-01\", \"amount\": 5, \"channel\": \"web\"}\n"
               "{\"id\": \"k2\", \"at\": \"soon\"}\n"
               "{\"id\": \"k2\", \"at\": 1749990000, \"amount\": \"1.5.1\"}\n"
               "{\"at\": 1749990000}\n"
               "{\"id\": 7, \"at\": 1749990000}\n"
               "{\"id\": \"k3\", \"at\": 1749990000, \"colour\": \"red\"}\n"
               "{\"id\": \"k3\", \"at\": 1749990000, \"amount\": true}\n"
               "{\"id\": \"k3\", \"at\": 1749990000, \"amount\": 1, \"AMOUNT\": 2}\n"
               "[1, 2]\n"
               "\n"
               "{\"id\": \"k4\", \"TimeStamp\": 1749990000, \"amount\": null, \"channel\": null}\n");
    struct pdb_ingest_result result;
    ingest_events_ok(db, "purchase", ndjson_path, &result);
    cr_assert_eq(result.rows_read, 10);
    cr_assert_eq(result.rows_loaded, 2);
    cr_assert_eq(result.rows_rejected, 8);
    cr_assert_eq(result.profiles_created, 0);
    const char *text = read_text(result.rejects_path);
    cr_assert_not_null(text);
    cr_assert(strstr(text, "file,line,column,attribute,reason,record\n") == text, "%s", text);
    cr_assert(strstr(text, "events.ndjson,2,20,at,not a timestamp") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,3,42,amount,not a number") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,4,1,id,the record has no key 'id',") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,5,8,id,\"expected a string, found a number\"") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,6,32,,\"'colour' is not the key 'id'") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,7,42,amount,\"expected a number, found a boolean\"") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,8,45,amount,the property appears twice in the object") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,9,1,,expected a JSON object") != NULL, "%s", text);
    cr_assert_eq(count_of(db, "exists(purchase)"), 2);
    cr_assert_eq(count_of(db, "count(purchase, amount IS NULL AND channel IS NULL) = 1"), 1);
    /* Unknown members are skipped with ignore_unknown_columns, as CSV columns are. */
    write_text(ndjson_path, "{\"id\": \"k3\", \"at\": 1749990000, \"colour\": \"red\", \"amount\": 4}\n");
    struct pdb_ingest_options options = {.ignore_unknown_columns = true};
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", ndjson_path, &options, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(result.rows_loaded, 1);
    cr_assert_eq(count_of(db, "sum(purchase.amount) = 4"), 1);
    /* --input: a file named .csv read as NDJSON, and a file named .ndjson read as CSV. */
    write_text(input_path, "{\"id\": \"k5\", \"at\": 1749990000}\n");
    options = (struct pdb_ingest_options){.format = PDB_INPUT_NDJSON};
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", input_path, &options, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(result.rows_loaded, 1);
    write_text(ndjson_path, "id,at\nk6,1749990000\n");
    options = (struct pdb_ingest_options){.format = PDB_INPUT_CSV};
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", ndjson_path, &options, &result, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(result.rows_loaded, 1);
    options = (struct pdb_ingest_options){.format = (enum pdb_input_format)9};
    cr_assert_eq(pdb_db_ingest_events(db, "purchase", ndjson_path, &options, &result, &error), PDB_ERR_USAGE);
    cr_assert_eq(count_of(db, "exists(purchase)"), 5);
    pdb_db_close(db);
}

/* ---- Profiles created by events ---------------------------------------------------------- */

Test(events_ingest, unknown_keys_create_one_profile_each_through_the_keys_rules)
{
    write_text(schema_path, "email text identifier primary trim lower email\n"
                            "name text required\n"
                            "tier category\n"
                            "event purchase\n    amount float\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    char profiles[320];
    snprintf(profiles, sizeof profiles, "%s/profiles.csv", directory);
    write_text(profiles, "email,name,tier\na@x.io,Ann,gold\n");
    cr_assert_eq(pdb_db_ingest_csv(db, profiles, NULL, NULL, &error), PDB_OK, "%s", error.message);
    write_text(input_path, "email,at,amount\n"
                           "A@X.IO,1749990000,1\n"          /* the existing profile */
                           " New@X.io ,1749990000,2\n"      /* creates new@x.io */
                           "new@x.io,1749990001,3\n"        /* the same new profile */
                           "only@x.io,1749990002,bad\n"     /* rejected: creates nothing */
                           "not-an-email,1749990000,1\n"    /* the key breaks a rule */
                           "   ,1749990000,1\n"                /* empty */
                           "\"Q+x@y.io\",1749990000,4\n");   /* quoted */
    struct pdb_ingest_result result;
    ingest_events_ok(db, "purchase", input_path, &result);
    cr_assert_eq(result.rows_loaded, 4, "%s", read_text(result.rejects_path));
    cr_assert_eq(result.rows_rejected, 3);
    cr_assert_eq(result.profiles_created, 2, "`required` on name does not apply to them");
    cr_assert_eq(result.first_row_id, 1);
    const char *text = read_text(result.rejects_path);
    cr_assert(strstr(text, "events.csv,5,") != NULL && strstr(text, "only@x.io") != NULL, "%s", text);
    cr_assert(strstr(text, "events.csv,6,1,email,rule email") != NULL, "%s", text);
    cr_assert(strstr(text, "events.csv,7,1,email,the key is empty") != NULL, "%s", text);
    for (int pass = 0; pass < 2; pass++) {
        cr_assert_eq(pdb_db_row_count(db), 3);
        cr_assert_eq(count_of(db, "email = 'new@x.io' AND name IS NULL AND tier IS NULL"), 1);
        cr_assert_eq(count_of(db, "email = 'q+x@y.io' AND sum(purchase.amount) = 4"), 1);
        cr_assert_eq(count_of(db, "email = 'only@x.io'"), 0);
        cr_assert_eq(count_of(db, "count(purchase) = 2 AND sum(purchase.amount) = 5"), 1);
        cr_assert_eq(count_of(db, "exists(purchase)"), 3);
        uint32_t row = 0;
        cr_assert_eq(pdb_profile_find(db, "email", " NEW@x.io", &row, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(row, 1);
        struct pdb_profile *profile;
        cr_assert_eq(pdb_profile_get(db, row, &profile, &error), PDB_OK, "%s", error.message);
        struct pdb_value value;
        pdb_profile_value(profile, 1, &value);
        cr_assert(value.is_null);
        pdb_profile_destroy(profile);
        pdb_db_close(db);
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
        pdb_db_set_now(db, NOW);
    }
    /* A later profile record of that key updates the created profile (no third one); its
     * `required` attribute applies to that record as to any. */
    write_text(profiles, "email,name\nnew@x.io,Neu\nb@x.io,\n");
    cr_assert_eq(pdb_db_ingest_csv(db, profiles, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_updated, 1);
    cr_assert_eq(result.rows_rejected, 1);
    cr_assert_eq(pdb_db_row_count(db), 3);
    cr_assert_eq(count_of(db, "name = 'Neu' AND count(purchase) = 2"), 1);
    /* Events of a created profile in a later file find it. */
    write_text(ndjson_path, "{\"email\": \"NEW@X.IO\", \"at\": 1749990003}\n");
    ingest_events_ok(db, "purchase", ndjson_path, &result);
    cr_assert_eq(result.profiles_created, 0);
    cr_assert_eq(count_of(db, "name = 'Neu' AND count(purchase) = 3"), 1);
    pdb_db_close(db);
}

Test(events_ingest, int_keys_create_profiles_within_their_range)
{
    write_text(schema_path, "cid int primary range(1, 1000)\nevent login\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    /* An empty database: every key is new. */
    write_text(ndjson_path, "{\"cid\": 5, \"at\": 1749990000}\n{\"cid\": \"5\", \"at\": 1749990001}\n"
                            "{\"cid\": 0, \"at\": 1749990000}\n{\"cid\": \"x\", \"at\": 1749990000}\n"
                            "{\"cid\": 1000, \"at\": 1749990000}\n");
    struct pdb_ingest_result result;
    ingest_events_ok(db, "login", ndjson_path, &result);
    cr_assert_eq(result.rows_loaded, 3);
    cr_assert_eq(result.profiles_created, 2);
    cr_assert_eq(result.first_row_id, 0);
    const char *text = read_text(result.rejects_path);
    cr_assert(strstr(text, "events.ndjson,3,9,cid,\"rule range(1,1000): 0 is out of range\"") != NULL, "%s", text);
    cr_assert(strstr(text, "events.ndjson,4,9,cid,the key is not an integer") != NULL, "%s", text);
    cr_assert_eq(pdb_db_row_count(db), 2);
    cr_assert_eq(count_of(db, "cid = 5 AND count(login) = 2"), 1);
    cr_assert_eq(count_of(db, "cid = 1000 AND count(login) = 1"), 1);
    pdb_db_close(db);
}

Test(events_ingest, an_event_for_a_deleted_key_creates_a_new_profile_as_an_upsert_would)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    uint64_t deleted = 0;
    cr_assert_eq(pdb_segment_delete(db, "id = 'k1'", &deleted, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(deleted, 1);
    write_text(input_path, "id,at,amount\nk1,1749990000,5\nk1,1749990001,6\nk2,1749990000,7\n"
                           "\"a,\"\"b\nc\",1749990000,8\n"); /* a key with a comma, a quote, a line end */
    struct pdb_ingest_result result;
    ingest_events_ok(db, "purchase", input_path, &result);
    cr_assert_eq(result.rows_loaded, 4);
    cr_assert_eq(result.profiles_created, 2);
    cr_assert_eq(pdb_db_row_count(db), PROFILES + 2);
    uint32_t row = 0;
    cr_assert_eq(pdb_profile_find(db, "id", "a,\"b\nc", &row, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(row, PROFILES + 1);
    cr_assert_eq(count_of(db, "sum(purchase.amount) = 8"), 1);
    cr_assert_eq(count_of(db, "id = 'k1'"), 1, "the deleted row stays deleted");
    cr_assert_eq(count_of(db, "id = 'k1' AND country IS NULL AND count(purchase) = 2"), 1);
    /* A profile record of k1 now updates the new profile, and more events find it. */
    char path[320];
    snprintf(path, sizeof path, "%s/more.csv", directory);
    write_text(path, "id,country\nk1,FR\n");
    cr_assert_eq(pdb_db_ingest_csv(db, path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_updated, 1);
    write_text(input_path, "id,at\nk1,1749990002\n");
    ingest_events_ok(db, "purchase", input_path, &result);
    cr_assert_eq(result.profiles_created, 0);
    cr_assert_eq(pdb_db_row_count(db), PROFILES + 2);
    cr_assert_eq(count_of(db, "country = 'FR' AND count(purchase) = 3"), 1);
    pdb_db_close(db);
}

Test(events_ingest, a_streaming_handle_sees_and_keeps_the_profiles_events_create)
{
    struct pdb_db *db;
    create_profiles(&db);
    struct pdb_error error = {0};
    struct pdb_upsert_result upserted;
    const char *batch = "{\"id\": \"s1\", \"country\": \"US\"}\n";
    cr_assert_eq(pdb_db_upsert(db, batch, strlen(batch), &upserted, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(upserted.rows_inserted, 1);
    /* s1 lives in the write-ahead log only; the ingest folds it first, so its events go to it. */
    write_text(ndjson_path, "{\"id\": \"s1\", \"at\": 1749990000}\n{\"id\": \"s2\", \"at\": 1749990000}\n");
    struct pdb_ingest_result result;
    ingest_events_ok(db, "purchase", ndjson_path, &result);
    cr_assert_eq(result.profiles_created, 1);
    cr_assert_eq(result.first_row_id, PROFILES + 1);
    cr_assert_eq(pdb_db_row_count(db), PROFILES + 2);
    cr_assert_eq(count_of(db, "exists(purchase) AND country = 'US'"), 1);
    batch = "{\"id\": \"s3\"}\n{\"id\": \"s2\", \"country\": \"DE\"}\n";
    cr_assert_eq(pdb_db_upsert(db, batch, strlen(batch), &upserted, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(upserted.rows_inserted, 1);
    cr_assert_eq(upserted.rows_updated, 1);
    cr_assert_eq(count_of(db, "exists(purchase) AND country = 'DE'"), 1);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_now(db, NOW);
    cr_assert_eq(pdb_db_row_count(db), PROFILES + 3);
    cr_assert_eq(count_of(db, "exists(purchase)"), 2);
    cr_assert_eq(count_of(db, "exists(purchase) AND country IN ('US', 'DE')"), 2);
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
