/*
 * stream_bench: streaming upserts from one client with group commit (issue #4, point 6).
 *
 *   stream_bench --db DIR [--records N] [--batch-records B] [--update-percent U] [--seed S]
 *                [--out FILE]
 *
 * DIR is a database loaded from `profiledb gen` data (keys C%09u for rows 1..rows; it is
 * changed: pass a copy). N records (default 400,000) are cut into batches of B (default 2,000),
 * each built before timing starts: U% (default 90) update a random existing profile
 * (last_seen_at, total_spend, order_count, loyalty_tier, consent_email, and every 8th record
 * interests), the rest add a new profile. Each batch is one pdb_db_upsert call: one WAL append
 * and one fdatasync shared by all its records (the group commit of one client), then the
 * batch is applied to the handle. The call's duration is the batch's acknowledgement latency.
 *
 * Visibility: the last record of every batch sets order_count of its profile to a value no
 * other profile holds (10^9 + batch number); right after the acknowledgement the bench times
 * pdb_segment_count("order_count = <that value>") and fails unless it counts exactly 1: the
 * time from acknowledgement to visible in a count. Every batch also times a count over the
 * value indexes ("loyalty_tier = 'gold' AND interests HAS 'yoga'"), which a rebuilt index
 * would make slow. Automatic checkpoints (64 MiB of log) happen inside the calls they end and
 * are counted in the latencies. Prints a Markdown report (and writes it to --out).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiledb/profiledb.h"

#ifndef PDB_BENCH_CONFIGURE_COMMIT
#define PDB_BENCH_CONFIGURE_COMMIT "unknown"
#endif

struct text {
    char *data;
    size_t size, capacity;
};

static void put(struct text *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *text, const char *format, ...)
{
    for (;;) {
        va_list args;
        va_start(args, format);
        size_t room = text->capacity - text->size;
        int used = vsnprintf(text->data + text->size, room, format, args);
        va_end(args);
        if (used >= 0 && (size_t)used < room) {
            text->size += (size_t)used;
            return;
        }
        text->capacity = text->capacity * 2 + (size_t)used + 4096;
        text->data = realloc(text->data, text->capacity);
        if (text->data == NULL) abort();
    }
}

static uint64_t rng_state = 42;
static uint64_t next_random(void)
{
    uint64_t x = rng_state += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_random() % n); }

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t count, double p)
{
    size_t index = (size_t)(p * (double)(count - 1) + 0.5);
    return sorted[index < count ? index : count - 1];
}

static const char *const TIERS[] = {"none", "silver", "gold", "platinum"};
static const char *const INTERESTS[] = {"music", "cycling", "books", "running", "yoga", "travel"};

/* One batch of `records` lines; the last updates `marker_key` to order_count `marker`. */
static void make_batch(struct text *batch, uint32_t records, uint32_t update_percent,
                       uint64_t *rows, uint64_t marker, uint64_t existing)
{
    batch->size = 0;
    for (uint32_t i = 0; i < records; i++) {
        bool is_last = i + 1 == records;
        if (is_last || below(100) < update_percent) {
            uint64_t key = 1 + next_random() % existing;
            put(batch, "{\"customer_id\":\"C%09" PRIu64 "\",\"last_seen_at\":%u,\"total_spend\":%u.%02u,"
                "\"order_count\":%" PRIu64 ",\"loyalty_tier\":\"%s\",\"consent_email\":%s",
                key, 1790000000u + below(1000000), below(2000), below(100),
                is_last ? marker : below(300), TIERS[below(4)], below(2) ? "true" : "false");
            if (i % 8 == 0)
                put(batch, ",\"interests\":[\"%s\",\"%s\"]", INTERESTS[below(6)], INTERESTS[below(6)]);
            put(batch, "}\n");
        } else {
            uint64_t key = ++*rows;
            put(batch, "{\"customer_id\":\"C%09" PRIu64 "\",\"email\":\"new%" PRIu64 "@example.com\","
                "\"country\":\"US\",\"city\":\"Boston\",\"age\":%u,\"signup_at\":1790000000,"
                "\"last_seen_at\":1790000000,\"loyalty_tier\":\"%s\",\"total_spend\":1.5,"
                "\"order_count\":1,\"interests\":[\"%s\"],\"consent_email\":true}\n",
                key, key, 18 + below(70), TIERS[below(4)], INTERESTS[below(6)]);
        }
    }
}

static void fail(const char *what, const struct pdb_error *error)
{
    fprintf(stderr, "stream_bench: %s: %s\n", what, error->message);
    exit(1);
}

static void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) return;
    char line[256];
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *colon = strchr(line, ':');
        if (colon != NULL) snprintf(out, size, "%s", colon + 2);
        out[strcspn(out, "\n")] = '\0';
        break;
    }
    fclose(file);
}

int main(int argc, char **argv)
{
    const char *db_path = NULL, *out_path = NULL;
    uint32_t records = 400000, batch_records = 2000, update_percent = 90;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--db") == 0 && value) db_path = argv[++i];
        else if (strcmp(argv[i], "--records") == 0 && value) records = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--batch-records") == 0 && value) batch_records = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--update-percent") == 0 && value) update_percent = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && value) rng_state = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--out") == 0 && value) out_path = argv[++i];
        else {
            fprintf(stderr, "usage: stream_bench --db DIR [--records N] [--batch-records B] "
                            "[--update-percent U] [--seed S] [--out FILE]\n");
            return 2;
        }
    }
    if (db_path == NULL || batch_records == 0 || records < batch_records || update_percent > 100) {
        fprintf(stderr, "stream_bench: --db is required; --batch-records 1..--records; --update-percent 0..100\n");
        return 2;
    }
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    if (pdb_db_open(db_path, &db, &error) != PDB_OK) fail("open", &error);
    uint64_t existing = pdb_db_row_count(db), rows = existing;
    uint32_t batch_count = records / batch_records;
    struct text *batches = calloc(batch_count, sizeof *batches);
    double *ack = calloc(batch_count, sizeof *ack), *visible = calloc(batch_count, sizeof *visible);
    double *indexed = calloc(batch_count, sizeof *indexed);
    char (*markers)[96] = calloc(batch_count, sizeof *markers);
    if (batches == NULL || ack == NULL || visible == NULL || indexed == NULL || markers == NULL) abort();
    for (uint32_t b = 0; b < batch_count; b++) {
        uint64_t marker = 1000000000ull + b;
        make_batch(&batches[b], batch_records, update_percent, &rows, marker, existing);
        snprintf(markers[b], sizeof markers[b], "order_count = %" PRIu64, marker);
    }
    /* Warm-up (not measured): the first call takes the lock and loads every column; the first
     * counts build the value indexes. */
    uint64_t counted = 0;
    struct pdb_upsert_result result;
    double load_start = now_ms();
    if (pdb_db_upsert(db, "", 0, &result, &error) != PDB_OK) fail("first upsert", &error);
    const char *indexed_segment = "loyalty_tier = 'gold' AND interests HAS 'yoga'";
    if (pdb_segment_count(db, indexed_segment, &counted, &error) != PDB_OK) fail("count", &error);
    double load_ms = now_ms() - load_start;

    uint64_t inserted = 0, updated = 0;
    double upsert_total_ms = 0, start = now_ms();
    for (uint32_t b = 0; b < batch_count; b++) {
        double t0 = now_ms();
        if (pdb_db_upsert(db, batches[b].data, batches[b].size, &result, &error) != PDB_OK)
            fail("upsert", &error);
        double t1 = now_ms();
        if (pdb_segment_count(db, markers[b], &counted, &error) != PDB_OK) fail("count", &error);
        double t2 = now_ms();
        if (counted != 1) {
            fprintf(stderr, "stream_bench: batch %u: '%s' counts %" PRIu64 ", not 1\n", b, markers[b], counted);
            return 1;
        }
        if (pdb_segment_count(db, indexed_segment, &counted, &error) != PDB_OK) fail("count", &error);
        double t3 = now_ms();
        ack[b] = t1 - t0;
        visible[b] = t2 - t1;
        indexed[b] = t3 - t2;
        upsert_total_ms += ack[b];
        inserted += result.rows_inserted;
        updated += result.rows_updated;
        if (result.rows_rejected != 0) {
            fprintf(stderr, "stream_bench: batch %u: %" PRIu64 " rejected\n", b, result.rows_rejected);
            return 1;
        }
    }
    double wall_ms = now_ms() - start;
    double close_start = now_ms();
    pdb_db_close(db);
    double close_ms = now_ms() - close_start;

    qsort(ack, batch_count, sizeof *ack, compare_doubles);
    qsort(visible, batch_count, sizeof *visible, compare_doubles);
    qsort(indexed, batch_count, sizeof *indexed, compare_doubles);
    char cpu[128];
    cpu_model(cpu, sizeof cpu);
    struct text report = {0};
    uint64_t streamed = (uint64_t)batch_count * batch_records;
    put(&report, "# Streaming upserts, %" PRIu64 " profiles\n\n", existing);
    put(&report, "`stream_bench --db DIR --records %u --batch-records %u --update-percent %u` "
                 "(bench/stream_bench.c), commit %s, %s.\n\n",
        records, batch_records, update_percent, PDB_BENCH_CONFIGURE_COMMIT, cpu);
    put(&report, "One client, %u batches of %u NDJSON records (%" PRIu64 " updates of random existing "
                 "profiles, %" PRIu64 " new profiles), each batch one WAL append + one fdatasync.\n\n",
        batch_count, batch_records, updated, inserted);
    put(&report, "| measure | value | target |\n|---|---:|---:|\n");
    put(&report, "| rows/s (records / time in pdb_db_upsert) | %.0f | >= 200,000 |\n",
        (double)streamed / (upsert_total_ms / 1e3));
    put(&report, "| rows/s (wall, with the two counts after each batch) | %.0f | |\n",
        (double)streamed / (wall_ms / 1e3));
    put(&report, "| ack latency p50 / p99 / p99.9 / max, ms | %.2f / %.2f / %.2f / %.2f | p99 <= 10 |\n",
        percentile(ack, batch_count, 0.5), percentile(ack, batch_count, 0.99),
        percentile(ack, batch_count, 0.999), ack[batch_count - 1]);
    put(&report, "| ack -> visible in a count p50 / p99 / max, ms | %.2f / %.2f / %.2f | <= 10 |\n",
        percentile(visible, batch_count, 0.5), percentile(visible, batch_count, 0.99),
        visible[batch_count - 1]);
    put(&report, "| indexed count after a batch p50 / p99, ms | %.2f / %.2f | |\n",
        percentile(indexed, batch_count, 0.5), percentile(indexed, batch_count, 0.99));
    put(&report, "| first call (lock, load every column, build indexes), ms | %.0f | |\n", load_ms);
    put(&report, "| close (checkpoint), ms | %.0f | |\n", close_ms);
    fwrite(report.data, 1, report.size, stdout);
    if (out_path != NULL) {
        FILE *file = fopen(out_path, "w");
        if (file == NULL || fwrite(report.data, 1, report.size, file) != report.size || fclose(file) != 0) {
            fprintf(stderr, "stream_bench: cannot write %s\n", out_path);
            return 1;
        }
    }
    for (uint32_t b = 0; b < batch_count; b++) free(batches[b].data);
    free(batches), free(ack), free(visible), free(indexed), free(markers), free(report.data);
    return 0;
}
