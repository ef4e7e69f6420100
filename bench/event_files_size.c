/*
 * pdb_event_files: bytes per event and decode time of the event file formats (issue #6,
 * point 1: "compressed"), on one generated purchase type.
 *
 *   pdb_event_files [PROFILES] [REPEATS]      (defaults 1,000,000 and 5)
 *
 * Data: the distribution of bench_events.c (30% of profiles never buy, the rest Pareto-like,
 * about 20 purchases per profile, two years back, denser recently; amounts long-tailed with
 * cents; 20 skewed categories; 3 channels), seed 61. Prints, for version 1 (plain arrays, one
 * file), version 2 as one file, and version 2 as monthly partitions: the bytes, bytes per
 * event, and the median decode time (for the partitions: decoding every file plus
 * concatenating them into the in-memory type, what opening a database does).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "events/event_partition.h"
#include "events/event_store.h"

#define NOW_S 1793491200LL /* 2026-11-01T00:00:00Z */

static const char *const schema_text = "id int\n"
                                       "event purchase retention 730d\n"
                                       "  amount float\n  category category\n  channel category\n";
static const char *const categories[] = {"shoes", "bags", "hats", "shirts", "pants", "socks",
                                         "coats", "dresses", "toys", "books", "games", "tools",
                                         "garden", "kitchen", "beauty", "sports", "music",
                                         "phones", "laptops", "watches"};
static const char *const channels[] = {"web", "app", "store"};

static uint64_t rng_state = 61;
static double unit(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof *values, compare_doubles);
    return values[count / 2];
}

static void fail(const char *what, const struct pdb_error *error)
{
    fprintf(stderr, "pdb_event_files: %s: %s\n", what, error ? error->message : "");
    exit(1);
}

int main(int argc, char **argv)
{
    uint64_t profiles = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000u;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (repeats < 1 || repeats > 64) repeats = 5;
    struct pdb_error error = {0};
    struct schema schema;
    if (schema_parse(schema_text, strlen(schema_text), "bench", &schema, &error) != PDB_OK) fail("schema", &error);
    const struct event_type *declared = &schema.events.types[0];
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    uint64_t events = 0;
    for (uint64_t r = 0; r < profiles; r++) {
        double u = unit();
        uint32_t n = u < 0.3 ? 0 : (uint32_t)(8.0 / pow(1.0 - unit(), 0.75));
        if (n > 2000) n = 2000;
        for (uint32_t i = 0; i < n; i++) {
            double age_days = 730.0 * pow(unit(), 1.4);
            int64_t ts = NOW_S - (int64_t)(age_days * 86400.0);
            if (unit() < 0.1) ts -= (ts / 86400 + 60) % 365 * 3600;
            double amount = floor(exp(3.0 + 1.1 * (unit() + unit() + unit() - 1.5)) * 100.0) / 100.0;
            const char *category = categories[(uint32_t)(pow(unit(), 2.0) * 20)];
            const char *channel = channels[(uint32_t)(unit() * 3)];
            struct event_value values[3] = {{.number = amount},
                                            {.string = category, .string_size = (uint32_t)strlen(category)},
                                            {.string = channel, .string_size = (uint32_t)strlen(channel)}};
            if (event_store_builder_append(builder, 0, (uint32_t)r, ts, values, &error) != PDB_OK)
                fail("append", &error);
            events++;
        }
    }
    struct event_store *store;
    if (event_store_builder_finish(builder, &store, &error) != PDB_OK) fail("finish", &error);
    const struct event_type_store *type = &store->types[0];
    printf("profiles %llu, events %llu\n", (unsigned long long)profiles, (unsigned long long)events);

    struct buffer v1, v2;
    buffer_init(&v1);
    buffer_init(&v2);
    double started = now_ms();
    if (event_file_encode_v1(type, &v1) != 0) fail("encode v1", NULL);
    double encode_v1_ms = now_ms() - started;
    started = now_ms();
    if (event_file_encode(type, INT64_MIN, INT64_MAX, &v2) != 0) fail("encode v2", NULL);
    double encode_v2_ms = now_ms() - started;

    /* Monthly partitions: the files an ingest of all of it writes. */
    struct event_partition_count *counts;
    uint32_t partition_count;
    if (event_partition_counts(type, &counts, &partition_count) != 0) fail("counts", NULL);
    struct buffer *files = calloc(partition_count, sizeof *files);
    uint64_t partition_bytes = 0;
    started = now_ms();
    for (uint32_t k = 0; k < partition_count; k++) {
        int64_t first, last;
        event_partition_span(counts[k].key, &first, &last);
        struct event_type_store slice;
        if (event_type_store_slice(type, first, last, true, &slice, &error) != PDB_OK) fail("slice", &error);
        buffer_init(&files[k]);
        if (event_file_encode(&slice, first, last, &files[k]) != 0) fail("encode partition", NULL);
        partition_bytes += files[k].size;
        event_type_store_deinit(&slice);
    }
    double encode_partitions_ms = now_ms() - started;

    double times[4][64];
    for (int i = 0; i < repeats; i++) {
        struct event_type_store decoded;
        started = now_ms();
        if (event_file_decode("v1", v1.data, v1.size, declared, &decoded, NULL, NULL, &error) != PDB_OK)
            fail("decode v1", &error);
        times[0][i] = now_ms() - started;
        event_type_store_deinit(&decoded);
        started = now_ms();
        if (event_file_decode("v2", v2.data, v2.size, declared, &decoded, NULL, NULL, &error) != PDB_OK)
            fail("decode v2", &error);
        times[1][i] = now_ms() - started;
        event_type_store_deinit(&decoded);
        struct event_type_store *parts = calloc(partition_count, sizeof *parts);
        started = now_ms();
        for (uint32_t k = 0; k < partition_count; k++)
            if (event_file_decode("part", files[k].data, files[k].size, declared, &parts[k], NULL, NULL,
                                  &error) != PDB_OK)
                fail("decode partition", &error);
        times[3][i] = now_ms() - started;
        if (event_type_store_concat(parts, partition_count, "purchase", &decoded, &error) != PDB_OK)
            fail("concat", &error);
        times[2][i] = now_ms() - started;
        if (decoded.event_count != events) fail("concat lost events", NULL);
        event_type_store_deinit(&decoded);
        free(parts);
    }
    printf("%-28s %12s %10s %12s %12s\n", "format", "bytes", "B/event", "encode ms", "decode ms");
    printf("%-28s %12zu %10.2f %12.0f %12.0f\n", "v1 plain, one file", v1.size, (double)v1.size / events,
           encode_v1_ms, median(times[0], repeats));
    printf("%-28s %12zu %10.2f %12.0f %12.0f\n", "v2 compressed, one file", v2.size,
           (double)v2.size / events, encode_v2_ms, median(times[1], repeats));
    printf("%-28s %12llu %10.2f %12.0f %12.0f\n", "v2 monthly partitions", (unsigned long long)partition_bytes,
           (double)partition_bytes / events, encode_partitions_ms, median(times[2], repeats));
    printf("partitions: %u (decode = every file + concatenation; median of %d); decoding the files alone: %.0f ms\n",
           partition_count, repeats, median(times[3], repeats));
    for (uint32_t k = 0; k < partition_count; k++) buffer_deinit(&files[k]);
    free(files);
    mem_free(counts);
    buffer_deinit(&v1);
    buffer_deinit(&v2);
    event_store_destroy(store);
    schema_deinit(&schema);
    return 0;
}
