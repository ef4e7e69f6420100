/*
 * pdb_load: a load generator for `profiledb serve` (issue #5, point 6).
 *
 *   pdb_load --connect HOST:PORT [--token T] [--clients N] [--seconds S] [--mix C:G]
 *            [--segment TEXT]... [--key ATTRIBUTE=FORMAT] [--seed S] [--warmup S]
 *
 * N client threads (default 16), each with its own connection, send requests back to back for
 * S seconds (default 10) after a warm-up (default 1 s, not measured): COUNT with probability
 * C/(C+G), else GET (default mix 10:90). COUNT cycles through the --segment texts (default: a
 * 4-predicate segment on the retail data of `profiledb gen`). GET asks for a random row id in
 * [0, rows), or, with --key, for the identifier FORMAT with its one %u replaced by a random
 * number in [1, rows] (for `profiledb gen` data: --key customer_id=C%09u). Prints one JSON
 * object: throughput and p50/p99/p99.9/max latency per request kind, errors, the seed, the CPU
 * and the commit. Latency is measured per request on the client (send to last byte).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiledb/client.h"

#define LOAD_CLIENTS_MAX 1024u
#define LOAD_SEGMENTS_MAX 64u

enum kind { KIND_COUNT, KIND_GET, KIND_COUNT_OF };

struct options {
    const char *address;
    const char *token;
    uint32_t clients;
    double seconds, warmup_s;
    uint32_t mix_count, mix_get;
    const char *segments[LOAD_SEGMENTS_MAX];
    uint32_t segment_count;
    char key_attribute[128];
    const char *key_format;
    uint64_t seed;
    uint64_t rows;
};

struct samples {
    double *latency_us;
    size_t count, capacity;
};

struct thread_state {
    const struct options *options;
    pthread_t thread;
    uint64_t rng;
    struct samples samples[KIND_COUNT_OF];
    uint64_t errors;
    char first_error[PDB_ERROR_MESSAGE_SIZE];
};

static atomic_int phase; /* 0 warm-up, 1 measuring, 2 stop */

static double now_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void sample_add(struct samples *samples, double value)
{
    if (samples->count == samples->capacity) {
        size_t capacity = samples->capacity ? samples->capacity * 2 : 4096;
        double *grown = realloc(samples->latency_us, capacity * sizeof *grown);
        if (grown == NULL) return;
        samples->latency_us = grown;
        samples->capacity = capacity;
    }
    samples->latency_us[samples->count++] = value;
}

static void *client_main(void *argument)
{
    struct thread_state *state = argument;
    const struct options *options = state->options;
    struct pdb_client *client;
    struct pdb_error error = {0};
    if (pdb_client_connect(options->address, options->token, NULL, &client, &error) != PDB_OK) {
        state->errors++;
        snprintf(state->first_error, sizeof state->first_error, "%s", error.message);
        return NULL;
    }
    uint32_t segment_index = 0;
    char key[256];
    while (atomic_load(&phase) < 2) {
        uint64_t roll = next_random(&state->rng);
        enum kind kind = roll % (options->mix_count + options->mix_get) < options->mix_count
                             ? KIND_COUNT
                             : KIND_GET;
        double started = now_s();
        enum pdb_status status;
        if (kind == KIND_COUNT) {
            uint64_t count;
            status = pdb_client_count(client,
                                      options->segments[segment_index++ % options->segment_count],
                                      0, &count, &error);
        } else {
            struct pdb_client_profile *profile = NULL;
            uint64_t row = next_random(&state->rng) % (options->rows ? options->rows : 1);
            if (options->key_format) {
                snprintf(key, sizeof key, options->key_format, (unsigned)(row + 1));
                status =
                    pdb_client_get_by_key(client, options->key_attribute, key, &profile, &error);
            } else {
                status = pdb_client_get(client, (uint32_t)row, &profile, &error);
            }
            pdb_client_profile_destroy(profile);
        }
        double elapsed_us = (now_s() - started) * 1e6;
        if (atomic_load(&phase) != 1) continue;
        if (status != PDB_OK) {
            if (state->errors++ == 0)
                snprintf(state->first_error, sizeof state->first_error, "%s", error.message);
            if (status == PDB_ERR_NETWORK || status == PDB_ERR_PROTOCOL) break;
            continue;
        }
        sample_add(&state->samples[kind], elapsed_us);
    }
    pdb_client_close(client);
    return NULL;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const struct samples *samples, double fraction)
{
    if (samples->count == 0) return 0;
    size_t index = (size_t)(fraction * (double)(samples->count - 1) + 0.5);
    return samples->latency_us[index];
}

static void cpu_name(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *file = fopen("/proc/cpuinfo", "r");
    if (file == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *colon = strchr(line, ':');
        if (colon == NULL) break;
        colon += 2;
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(out, size, "%s", colon);
        break;
    }
    fclose(file);
}

static int usage(FILE *out, int code)
{
    fprintf(
        out,
        "Usage: pdb_load --connect HOST:PORT [--token T] [--clients N] [--seconds S] [--warmup S]\n"
        "                [--mix COUNT:GET] [--segment TEXT]... [--key ATTRIBUTE=FORMAT] [--seed "
        "S]\n"
        "(see the comment at the top of bench/pdb_load.c)\n");
    return code;
}

int main(int argc, char **argv)
{
    struct options options = {
        .clients = 16, .seconds = 10, .warmup_s = 1, .mix_count = 10, .mix_get = 90, .seed = 42};
    options.token = getenv("PROFILEDB_TOKEN");
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) return usage(stdout, 0);
        if (i + 1 >= argc) return usage(stderr, 2);
        const char *value = argv[++i];
        if (strcmp(name, "--connect") == 0)
            options.address = value;
        else if (strcmp(name, "--token") == 0)
            options.token = value;
        else if (strcmp(name, "--clients") == 0)
            options.clients = (uint32_t)strtoul(value, NULL, 10);
        else if (strcmp(name, "--seconds") == 0)
            options.seconds = strtod(value, NULL);
        else if (strcmp(name, "--warmup") == 0)
            options.warmup_s = strtod(value, NULL);
        else if (strcmp(name, "--seed") == 0)
            options.seed = strtoull(value, NULL, 10);
        else if (strcmp(name, "--mix") == 0) {
            if (sscanf(value, "%u:%u", &options.mix_count, &options.mix_get) != 2)
                return usage(stderr, 2);
        } else if (strcmp(name, "--segment") == 0) {
            if (options.segment_count == LOAD_SEGMENTS_MAX) return usage(stderr, 2);
            options.segments[options.segment_count++] = value;
        } else if (strcmp(name, "--key") == 0) {
            const char *equals = strchr(value, '=');
            if (equals == NULL || (size_t)(equals - value) >= sizeof options.key_attribute)
                return usage(stderr, 2);
            memcpy(options.key_attribute, value, (size_t)(equals - value));
            options.key_format = equals + 1;
            const char *percent = strstr(options.key_format, "%");
            if (percent == NULL || strchr(percent + 1, '%') != NULL) return usage(stderr, 2);
        } else {
            return usage(stderr, 2);
        }
    }
    if (options.address == NULL || options.clients == 0 || options.clients > LOAD_CLIENTS_MAX ||
        options.mix_count + options.mix_get == 0)
        return usage(stderr, 2);
    if (options.segment_count == 0)
        options.segments[options.segment_count++] =
            "country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND loyalty_tier = 'gold' AND "
            "consent_email";
    struct pdb_client *probe;
    struct pdb_error error = {0};
    if (pdb_client_connect(options.address, options.token, NULL, &probe, &error) != PDB_OK) {
        fprintf(stderr, "pdb_load: %s\n", error.message);
        return 1;
    }
    struct pdb_client_info info;
    pdb_client_info(probe, &info);
    options.rows = info.row_count;
    pdb_client_close(probe);

    struct thread_state *states = calloc(options.clients, sizeof *states);
    if (states == NULL) return 1;
    for (uint32_t c = 0; c < options.clients; c++) {
        states[c].options = &options;
        states[c].rng = options.seed * 0x9e3779b97f4a7c15ull + c + 1;
        if (pthread_create(&states[c].thread, NULL, client_main, &states[c]) != 0) {
            fprintf(stderr, "pdb_load: cannot start client thread %u\n", c);
            return 1;
        }
    }
    struct timespec pause = {
        .tv_sec = (time_t)options.warmup_s,
        .tv_nsec = (long)((options.warmup_s - (double)(time_t)options.warmup_s) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&phase, 1);
    double started = now_s();
    pause = (struct timespec){
        .tv_sec = (time_t)options.seconds,
        .tv_nsec = (long)((options.seconds - (double)(time_t)options.seconds) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&phase, 2);
    double measured_s = now_s() - started;
    struct samples all[KIND_COUNT_OF] = {0};
    uint64_t errors = 0;
    const char *first_error = "";
    for (uint32_t c = 0; c < options.clients; c++) {
        pthread_join(states[c].thread, NULL);
        errors += states[c].errors;
        if (states[c].errors && !first_error[0]) first_error = states[c].first_error;
        for (int k = 0; k < KIND_COUNT_OF; k++)
            for (size_t i = 0; i < states[c].samples[k].count; i++)
                sample_add(&all[k], states[c].samples[k].latency_us[i]);
    }
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    uint64_t total = all[KIND_COUNT].count + all[KIND_GET].count;
    printf("{\"address\": \"%s\", \"clients\": %u, \"seconds\": %.3f, \"rows\": %" PRIu64
           ", \"seed\": %" PRIu64
           ", \"mix\": \"%u:%u\", \"get_by\": \"%s\", \"cpu\": \"%s\", \"commit\": \"%s\",\n"
           " \"requests\": %" PRIu64 ", \"requests_per_s\": %.1f, \"errors\": %" PRIu64,
           options.address, options.clients, measured_s, options.rows, options.seed,
           options.mix_count, options.mix_get,
           options.key_format ? options.key_attribute : "row_id", cpu,
#ifdef PDB_BENCH_CONFIGURE_COMMIT
           PDB_BENCH_CONFIGURE_COMMIT,
#else
           "unknown",
#endif
           total, (double)total / measured_s, errors);
    static const char *const names[KIND_COUNT_OF] = {"count", "get"};
    for (int k = 0; k < KIND_COUNT_OF; k++) {
        qsort(all[k].latency_us, all[k].count, sizeof(double), compare_doubles);
        printf(
            ",\n \"%s\": {\"requests\": %zu, \"per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
            "\"p999_us\": %.1f, \"max_us\": %.1f}",
            names[k], all[k].count, (double)all[k].count / measured_s, percentile(&all[k], 0.5),
            percentile(&all[k], 0.99), percentile(&all[k], 0.999),
            all[k].count ? all[k].latency_us[all[k].count - 1] : 0.0);
    }
    printf("}\n");
    if (errors)
        fprintf(stderr, "pdb_load: %" PRIu64 " errors; the first: %s\n", errors, first_error);
    for (uint32_t c = 0; c < options.clients; c++)
        for (int k = 0; k < KIND_COUNT_OF; k++)
            free(states[c].samples[k].latency_us);
    for (int k = 0; k < KIND_COUNT_OF; k++)
        free(all[k].latency_us);
    free(states);
    return errors ? 1 : 0;
}
