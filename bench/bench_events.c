/*
 * Event aggregates in process (issue #6, point 6, small): segments over an in-memory table
 * and event store, counted on a pool of all cores, the store and table built once.
 *
 *   BM_event_segment/<name>
 *
 * Data (seed bench_seed()): PROFILEDB_BENCH_EVENT_PROFILES profiles (default 1,000,000) with
 * age and country, and about 20 purchases per profile on average, spread like real buyers:
 * 30% never buy, most buy a few times, a few buy very often (a Pareto-like share), times over
 * two years with more events recently and a December peak; amounts long-tailed (log-normal
 * like), 20 categories with skewed popularity. Items are profiles; bytes are the bytes of the
 * timestamps, the property read and the row offsets of the event type (a yardstick for how
 * much of the store a segment touches, not what it read).
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/thread_pool.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "events/event_store.h"
#include "query/segment.h"

#define EVENT_NOW_S 1793491200LL /* 2026-11-01T00:00:00Z */

static const char *const event_schema_text = "age int\n"
                                             "country category\n"
                                             "event purchase retention 730d\n"
                                             "  amount float\n"
                                             "  category category\n"
                                             "  channel category\n";

static const char *const countries[] = {"US", "CA", "GB", "DE", "FR", "ES", "IT", "NL"};
static const char *const categories[] = {"shoes", "bags", "hats", "shirts", "pants", "socks",
                                         "coats", "dresses", "toys", "books", "games", "tools",
                                         "garden", "kitchen", "beauty", "sports", "music",
                                         "phones", "laptops", "watches"};
static const char *const channels[] = {"web", "app", "store"};

struct event_case {
    const char *name;
    const char *text;
};

static const struct event_case event_cases[] = {
    {"count_30d", "count(purchase, 30d) >= 2"},
    {"sum_90d_filter", "sum(purchase.amount, 90d, category = 'shoes') > 100"},
    {"last_7d", "last(purchase) > now() - 7d"},
    {"distinct_365d", "distinct(purchase.category, 365d) >= 3"},
    {"not_exists_180d", "NOT exists(purchase, 180d)"},
    {"mixed", "country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND count(purchase, 30d) >= 2 "
              "AND sum(purchase.amount, 365d) > 500"},
};
#define EVENT_CASE_COUNT (sizeof event_cases / sizeof event_cases[0])

static struct {
    int is_built;
    struct schema schema;
    struct table table;
    struct event_store *store;
    struct thread_pool *pool;
    uint64_t rows, events, bytes;
} shared;

struct event_bench {
    const struct event_case *spec;
    struct segment *segment;
};

static struct event_bench benches[EVENT_CASE_COUNT];

static uint64_t env_profiles(void)
{
    const char *text = getenv("PROFILEDB_BENCH_EVENT_PROFILES");
    return text && *text ? strtoull(text, NULL, 10) : 1000000u;
}

static int build_shared(char *error_text, size_t error_size)
{
    if (shared.is_built) return 0;
    struct pdb_error error = {0};
    if (schema_parse(event_schema_text, strlen(event_schema_text), "bench", &shared.schema, &error) != PDB_OK)
        goto fail;
    struct bench_rng rng;
    bench_rng_init(&rng, bench_seed(), 61);
    uint64_t rows = env_profiles();
    struct column *columns[2] = {column_create(&shared.schema.attributes[0]),
                                 column_create(&shared.schema.attributes[1])};
    struct event_store_builder *builder = event_store_builder_create(&shared.schema.events);
    if (columns[0] == NULL || columns[1] == NULL || builder == NULL) goto fail;
    uint64_t events = 0;
    for (uint64_t r = 0; r < rows; r++) {
        if (column_append_int(columns[0], 18 + (int64_t)(bench_rng_unit(&rng) * 60), &error) != PDB_OK)
            goto fail;
        const char *country = countries[(uint32_t)(bench_rng_unit(&rng) * bench_rng_unit(&rng) * 8)];
        if (column_append_string(columns[1], country, (uint32_t)strlen(country), &error) != PDB_OK)
            goto fail;
        /* Buyers: 30% never; the rest Pareto-like, mean about 28 for buyers -> 20 overall. */
        double u = bench_rng_unit(&rng);
        uint32_t n = u < 0.3 ? 0 : (uint32_t)(8.0 / pow(1.0 - bench_rng_unit(&rng), 0.75));
        if (n > 2000) n = 2000;
        for (uint32_t i = 0; i < n; i++) {
            /* Two years back, denser recently, a December peak. */
            double age_days = 730.0 * pow(bench_rng_unit(&rng), 1.4);
            int64_t ts = EVENT_NOW_S - (int64_t)(age_days * 86400.0);
            if (bench_rng_unit(&rng) < 0.1) ts -= (ts / 86400 + 60) % 365 * 3600;
            double amount = floor(exp(3.0 + 1.1 * (bench_rng_unit(&rng) + bench_rng_unit(&rng) +
                                                   bench_rng_unit(&rng) - 1.5)) * 100.0) / 100.0;
            const char *category = categories[(uint32_t)(pow(bench_rng_unit(&rng), 2.0) * 20)];
            const char *channel = channels[(uint32_t)(bench_rng_unit(&rng) * 3)];
            struct event_value values[3] = {
                {.number = amount},
                {.string = category, .string_size = (uint32_t)strlen(category)},
                {.string = channel, .string_size = (uint32_t)strlen(channel)}};
            if (event_store_builder_append(builder, 0, (uint32_t)r, ts, values, &error) != PDB_OK)
                goto fail;
            events++;
        }
    }
    for (int c = 0; c < 2; c++)
        if (column_seal(columns[c], &error) != PDB_OK) goto fail;
    if (table_init(&shared.table, &shared.schema) != 0) goto fail;
    if (table_adopt_columns(&shared.table, columns, &error) != PDB_OK) goto fail;
    if (event_store_builder_finish(builder, &shared.store, &error) != PDB_OK) goto fail;
    shared.pool = thread_pool_create((uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
    if (shared.pool == NULL) goto fail;
    shared.rows = rows;
    shared.events = events;
    shared.bytes = events * 16u + (rows / 65536u + 1u) * 65537u * 4u;
    shared.is_built = 1;
    fprintf(stderr, "bench events: %llu profiles, %llu purchases\n", (unsigned long long)rows,
            (unsigned long long)events);
    return 0;
fail:
    snprintf(error_text, error_size, "building the event data: %s", error.message);
    return -1;
}

static int event_setup(void *context, char *error_text, size_t error_size)
{
    struct event_bench *bench = context;
    if (build_shared(error_text, error_size) != 0) return -1;
    struct pdb_error error = {0};
    if (segment_compile(bench->spec->text, strlen(bench->spec->text), &shared.schema, EVENT_NOW_S,
                        &bench->segment, &error) != PDB_OK) {
        snprintf(error_text, error_size, "%s", error.message);
        return -1;
    }
    segment_set_events(bench->segment, shared.store);
    return 0;
}

static void event_teardown(void *context)
{
    struct event_bench *bench = context;
    segment_destroy(bench->segment);
    bench->segment = NULL;
}

static struct bench_result event_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct event_bench *bench = context;
    struct segment_exec exec = {shared.pool, false};
    struct pdb_error error = {0};
    uint64_t count = 0;
    segment_count_parallel(bench->segment, &shared.table, &exec, &count, &error);
    return (struct bench_result){shared.rows, shared.bytes, count};
}

void bench_events_register(void)
{
    for (uint32_t i = 0; i < EVENT_CASE_COUNT; i++) {
        benches[i].spec = &event_cases[i];
        char name[BENCH_NAME_SIZE];
        snprintf(name, sizeof name, "BM_event_segment/%s", event_cases[i].name);
        struct bench_case *bench_case =
            bench_registry_add(name, event_setup, event_run, event_teardown, &benches[i]);
        if (bench_case != NULL) {
            bench_case->uses_real_time = 1;
            snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu",
                     (unsigned long long)bench_seed());
        }
    }
}
