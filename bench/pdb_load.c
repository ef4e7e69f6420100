/*
 * pdb_load: a load generator for `profiledb serve` (issue #5, point 6).
 *
 *   pdb_load --connect HOST:PORT [--token T] [--clients N] [--pipeline D] [--seconds S]
 *            [--warmup S] [--mix C:G[:U]] [--segment TEXT]... [--now TS]
 *            [--key ATTRIBUTE=FORMAT] [--upsert-field NAME] [--seed S]
 *
 * N client threads (default 16), each with its own TCP connection, keep D requests in flight
 * (default 1: send, wait, send; D > 1 pipelines, as docs/PROTOCOL.md allows up to 64) for S
 * seconds (default 10) after a warm-up (default 1 s, not measured). Each request is a COUNT
 * with odds C, a GET with odds G, an UPSERT with odds U (default mix 10:90:0). COUNT cycles
 * through the --segment texts, client k starting at the k-th (default: the four_predicates
 * segment of bench/suite.mjs), with now() = --now (default: the server's clock). GET asks for a
 * random row id in [0, rows), or, with --key, for the identifier FORMAT with its one %u
 * replaced by a random number in [1, rows] (`profiledb gen` data: --key customer_id=C%09u).
 * UPSERT (needs --key, the schema's primary identifier) sets the int attribute --upsert-field
 * (default order_count) of that profile to a random value, one NDJSON record per request; a
 * server without upserts answers UNSUPPORTED, which is counted as an error of that kind.
 *
 * Latency is measured per request on the client, from the moment its frame is handed to the
 * socket to the moment its response frame is complete; only requests sent during the
 * measured seconds count. Prints one JSON object: throughput and p50/p99/p99.9/max latency per
 * request kind, errors, the options, the CPU and the commit. It speaks the protocol itself
 * (engine/protocol) rather than through the synchronous client, to pipeline.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buffer.h"
#include "base/timestamp.h"
#include "protocol/protocol.h"
#include "protocol/protocol_address.h"

#define LOAD_CLIENTS_MAX 1024u
#define LOAD_SEGMENTS_MAX 64u
#define LOAD_PIPELINE_MAX PDB_SERVER_PIPELINE_DEPTH_MAX
#define LOAD_READ_SIZE 65536u

enum kind { KIND_COUNT, KIND_GET, KIND_UPSERT, KIND_COUNT_OF };
static const char *const kind_names[KIND_COUNT_OF] = {"count", "get", "upsert"};

struct options {
    const char *address;
    const char *token;
    uint32_t clients, pipeline;
    double seconds, warmup_s;
    uint32_t mix[KIND_COUNT_OF];
    const char *segments[LOAD_SEGMENTS_MAX];
    uint32_t segment_count;
    int64_t now_s;
    char key_attribute[128];
    const char *key_format;
    const char *upsert_field;
    uint64_t seed;
    uint64_t rows;
    struct sockaddr_storage server;
    socklen_t server_size;
};

struct samples {
    double *latency_us;
    size_t count, capacity;
};

struct in_flight {
    enum kind kind;
    bool is_measured;
    double sent_s;
};

struct thread_state {
    const struct options *options;
    uint32_t index;
    pthread_t thread;
    uint64_t rng;
    uint32_t segment_next;
    struct samples samples[KIND_COUNT_OF];
    uint64_t errors[KIND_COUNT_OF];
    char first_error[PDB_ERROR_MESSAGE_SIZE];
    bool has_failed; /* the connection broke */
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

static void fail(struct thread_state *state, const char *format, const char *detail)
{
    if (!state->first_error[0])
        snprintf(state->first_error, sizeof state->first_error, format, detail);
    state->has_failed = true;
}

/* ---- Requests ------------------------------------------------------------------------- */

static enum kind pick_kind(struct thread_state *state)
{
    const uint32_t *mix = state->options->mix;
    uint64_t roll = next_random(&state->rng) % (mix[0] + mix[1] + mix[2]);
    if (roll < mix[0]) return KIND_COUNT;
    return roll < (uint64_t)mix[0] + mix[1] ? KIND_GET : KIND_UPSERT;
}

/* Appends one request frame for `kind` with `request_id` to `out`; 0 or -1. */
static int append_request(struct thread_state *state, struct buffer *out, enum kind kind,
                          uint64_t request_id)
{
    const struct options *options = state->options;
    static const uint8_t opcodes[KIND_COUNT_OF] = {PROTOCOL_OP_COUNT, PROTOCOL_OP_GET,
                                                   PROTOCOL_OP_UPSERT};
    size_t start = protocol_frame_begin(out, opcodes[kind], 0, request_id);
    if (start == SIZE_MAX) return -1;
    uint64_t row = next_random(&state->rng) % (options->rows ? options->rows : 1);
    char key[256];
    if (options->key_format) snprintf(key, sizeof key, options->key_format, (unsigned)(row + 1));
    struct protocol_string key_string = {key, options->key_format ? (uint32_t)strlen(key) : 0};
    struct protocol_string attribute = {options->key_attribute,
                                        (uint32_t)strlen(options->key_attribute)};
    int encoded;
    if (kind == KIND_COUNT) {
        const char *segment = options->segments[state->segment_next++ % options->segment_count];
        struct protocol_segment_request request = {options->now_s,
                                                   {segment, (uint32_t)strlen(segment)}};
        encoded = protocol_segment_request_encode(out, &request);
    } else if (kind == KIND_GET) {
        struct protocol_get_request request = {.by = options->key_format ? PROTOCOL_GET_BY_KEY
                                                                         : PROTOCOL_GET_BY_ROW_ID,
                                               .row_id = (uint32_t)row,
                                               .attribute = attribute,
                                               .key = key_string};
        encoded = protocol_get_request_encode(out, &request);
    } else {
        /* docs/PROTOCOL.md, UPSERT: one NDJSON record keyed by the primary identifier. */
        char record[512];
        int used = snprintf(record, sizeof record, "{\"%s\":\"%s\",\"%s\":%llu}\n",
                            options->key_attribute, key, options->upsert_field,
                            (unsigned long long)(next_random(&state->rng) % 1000));
        encoded = used < 0 || (size_t)used >= sizeof record
                      ? -1
                      : protocol_upsert_request_encode(out, record, (size_t)used);
    }
    if (encoded != 0) return -1;
    return protocol_frame_end(out, start, PDB_REQUEST_FRAME_SIZE_DEFAULT);
}

static bool send_all(int fd, const struct buffer *out)
{
    size_t sent = 0;
    while (sent < out->size) {
        ssize_t n = send(fd, out->data + sent, out->size - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += (size_t)n;
    }
    return true;
}

/* ---- A client ------------------------------------------------------------------------- */

static int open_connection(struct thread_state *state)
{
    const struct options *options = state->options;
    int fd = socket(options->server.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (connect(fd, (const struct sockaddr *)&options->server, options->server_size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads until one whole frame is at the start of `input`; its size, or 0 on failure. */
static uint32_t read_frame(struct thread_state *state, int fd, struct buffer *input,
                           struct frame_header *header)
{
    for (;;) {
        enum protocol_error code;
        const char *why;
        enum frame_check check = protocol_frame_check(
            input->data, input->size, PDB_RESPONSE_FRAME_SIZE_MAX, true, header, &code, &why);
        if (check == FRAME_READY) return header->frame_size;
        if (check == FRAME_INVALID) {
            fail(state, "malformed response frame: %s", why);
            return 0;
        }
        if (buffer_reserve(input, LOAD_READ_SIZE) != 0) return 0;
        ssize_t got = recv(fd, input->data + input->size, LOAD_READ_SIZE, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            fail(state, "%s", got == 0 ? "the server closed the connection" : strerror(errno));
            return 0;
        }
        input->size += (size_t)got;
    }
}

static void drop_frame(struct buffer *input, uint32_t size)
{
    memmove(input->data, input->data + size, input->size - size);
    input->size -= size;
}

/* HELLO; *rows_out (may be NULL) receives the server's row count. */
static bool hello(struct thread_state *state, int fd, struct buffer *input, struct buffer *out,
                  uint64_t *rows_out)
{
    const char *token = state->options->token ? state->options->token : "";
    struct protocol_hello_request request = {{token, (uint32_t)strlen(token)}, {"pdb_load", 8}};
    size_t start = protocol_frame_begin(out, PROTOCOL_OP_HELLO, 0, 1);
    if (start == SIZE_MAX || protocol_hello_request_encode(out, &request) != 0 ||
        protocol_frame_end(out, start, PDB_REQUEST_FRAME_SIZE_DEFAULT) != 0 || !send_all(fd, out))
        return false;
    buffer_reset(out);
    struct frame_header header;
    uint32_t size = read_frame(state, fd, input, &header);
    if (size == 0) return false;
    struct protocol_hello_response response;
    if (header.opcode != PROTOCOL_OP_HELLO ||
        !protocol_hello_response_decode(input->data + PDB_FRAME_HEADER_SIZE,
                                        size - PDB_FRAME_SIZE_MIN, &response)) {
        fail(state, "%s", "HELLO refused (check --token)");
        return false;
    }
    if (rows_out) *rows_out = response.row_count;
    drop_frame(input, size);
    return true;
}

static void on_response(struct thread_state *state, const struct frame_header *header,
                        const uint8_t *payload, uint32_t payload_size, struct in_flight *request)
{
    double elapsed_us = (now_s() - request->sent_s) * 1e6;
    if (header->opcode == PROTOCOL_OP_ERROR) {
        state->errors[request->kind]++;
        struct protocol_error_response error;
        if (!state->first_error[0] && protocol_error_response_decode(payload, payload_size, &error))
            snprintf(state->first_error, sizeof state->first_error, "%s: %s: %.*s",
                     kind_names[request->kind], protocol_error_name(error.code),
                     (int)error.message.size, error.message.data);
        return;
    }
    if (request->is_measured && atomic_load(&phase) == 1)
        sample_add(&state->samples[request->kind], elapsed_us);
}

static void *client_main(void *argument)
{
    struct thread_state *state = argument;
    const struct options *options = state->options;
    uint32_t depth = options->pipeline;
    struct in_flight slots[LOAD_PIPELINE_MAX];
    struct buffer input, out;
    buffer_init(&input);
    buffer_init(&out);
    int fd = open_connection(state);
    if (fd < 0) {
        fail(state, "cannot connect: %s", strerror(errno));
        return NULL;
    }
    if (!hello(state, fd, &input, &out, NULL)) goto done;
    /* Request ids: slot s sends s + 2, s + 2 + depth, ...: id % depth names the slot. */
    double started = now_s();
    for (uint32_t s = 0; s < depth; s++) {
        enum kind kind = pick_kind(state);
        slots[s] = (struct in_flight){kind, atomic_load(&phase) == 1, started};
        if (append_request(state, &out, kind, s + 2 + depth) != 0) goto done;
    }
    if (!send_all(fd, &out)) goto done;
    uint32_t outstanding = depth;
    while (outstanding > 0) {
        /* Answer every complete frame, then send their replacements in one write. */
        buffer_reset(&out);
        uint32_t refilled[LOAD_PIPELINE_MAX], refilled_count = 0;
        struct frame_header header;
        uint32_t size = read_frame(state, fd, &input, &header);
        if (size == 0) break;
        for (;;) {
            uint64_t id = header.request_id;
            if (id < 2 + depth) {
                fail(state, "%s", "a response to no request");
                goto done;
            }
            uint32_t slot = (uint32_t)((id - 2) % depth);
            bool is_last = !(header.flags & PROTOCOL_FLAG_MORE);
            if (is_last)
                on_response(state, &header, input.data + PDB_FRAME_HEADER_SIZE,
                            header.frame_size - PDB_FRAME_SIZE_MIN, &slots[slot]);
            drop_frame(&input, size);
            if (is_last && atomic_load(&phase) == 2) {
                outstanding--;
            } else if (is_last) {
                enum kind kind = pick_kind(state);
                slots[slot] = (struct in_flight){kind, atomic_load(&phase) == 1, 0};
                if (append_request(state, &out, kind, id + depth) != 0) goto done;
                refilled[refilled_count++] = slot;
            }
            /* Another whole frame already received? */
            if (input.size < 4 || input.size < load_u32(input.data)) break;
            if ((size = read_frame(state, fd, &input, &header)) == 0) goto done;
        }
        if (out.size && !send_all(fd, &out)) {
            fail(state, "send: %s", strerror(errno));
            break;
        }
        /* Sent once the bytes are in the socket: the latency counts from here. */
        double handed = now_s();
        for (uint32_t r = 0; r < refilled_count; r++)
            slots[refilled[r]].sent_s = handed;
    }
done:
    close(fd);
    buffer_deinit(&input);
    buffer_deinit(&out);
    return NULL;
}

/* ---- Report --------------------------------------------------------------------------- */

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

static void print_json_string(const char *text)
{
    putchar('"');
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar(*p);
    }
    putchar('"');
}

/* ---- Options -------------------------------------------------------------------------- */

static int usage(FILE *out, int code)
{
    fprintf(out, "Usage: pdb_load --connect HOST:PORT [--token T] [--clients N] [--pipeline D]\n"
                 "                [--seconds S] [--warmup S] [--mix COUNT:GET[:UPSERT]]\n"
                 "                [--segment TEXT]... [--now TS] [--key ATTRIBUTE=FORMAT]\n"
                 "                [--upsert-field NAME] [--seed S]\n"
                 "(bench/README.md; the comment at the top of bench/pdb_load.c)\n");
    return code;
}

static bool resolve(struct options *options)
{
    char host[256];
    uint16_t port;
    if (!protocol_address_split(options->address, host, sizeof host, &port) || port == 0)
        return false;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
    struct addrinfo *found = NULL;
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%u", port);
    if (getaddrinfo(host, port_text, &hints, &found) != 0 || found == NULL) return false;
    memcpy(&options->server, found->ai_addr, found->ai_addrlen);
    options->server_size = found->ai_addrlen;
    freeaddrinfo(found);
    return true;
}

static int parse_options(int argc, char **argv, struct options *options)
{
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) return usage(stdout, 0);
        if (i + 1 >= argc) return usage(stderr, 2);
        const char *value = argv[++i];
        if (strcmp(name, "--connect") == 0) {
            options->address = value;
        } else if (strcmp(name, "--token") == 0) {
            options->token = value;
        } else if (strcmp(name, "--clients") == 0) {
            options->clients = (uint32_t)strtoul(value, NULL, 10);
        } else if (strcmp(name, "--pipeline") == 0) {
            options->pipeline = (uint32_t)strtoul(value, NULL, 10);
        } else if (strcmp(name, "--seconds") == 0) {
            options->seconds = strtod(value, NULL);
        } else if (strcmp(name, "--warmup") == 0) {
            options->warmup_s = strtod(value, NULL);
        } else if (strcmp(name, "--seed") == 0) {
            options->seed = strtoull(value, NULL, 10);
        } else if (strcmp(name, "--mix") == 0) {
            options->mix[2] = 0;
            if (sscanf(value, "%u:%u:%u", &options->mix[0], &options->mix[1], &options->mix[2]) < 2)
                return usage(stderr, 2);
        } else if (strcmp(name, "--segment") == 0) {
            if (options->segment_count == LOAD_SEGMENTS_MAX) return usage(stderr, 2);
            options->segments[options->segment_count++] = value;
        } else if (strcmp(name, "--now") == 0) {
            const char *problem = timestamp_parse(value, strlen(value), &options->now_s);
            if (problem != NULL) {
                fprintf(stderr, "pdb_load: --now '%s': %s\n", value, problem);
                return 2;
            }
        } else if (strcmp(name, "--key") == 0) {
            const char *equals = strchr(value, '=');
            if (equals == NULL || (size_t)(equals - value) >= sizeof options->key_attribute)
                return usage(stderr, 2);
            memcpy(options->key_attribute, value, (size_t)(equals - value));
            options->key_format = equals + 1;
            const char *percent = strstr(options->key_format, "%");
            if (percent == NULL || strchr(percent + 1, '%') != NULL) return usage(stderr, 2);
        } else if (strcmp(name, "--upsert-field") == 0) {
            options->upsert_field = value;
        } else {
            return usage(stderr, 2);
        }
    }
    if (options->address == NULL || options->clients == 0 || options->clients > LOAD_CLIENTS_MAX ||
        options->pipeline == 0 || options->pipeline > LOAD_PIPELINE_MAX ||
        options->mix[0] + options->mix[1] + options->mix[2] == 0 ||
        (options->mix[2] && options->key_format == NULL))
        return usage(stderr, 2);
    if (!resolve(options)) {
        fprintf(stderr, "pdb_load: cannot resolve '%s' (HOST:PORT)\n", options->address);
        return 2;
    }
    return -1;
}

/* The server's row count, from HELLO. */
static bool probe_rows(struct options *options)
{
    struct thread_state probe = {.options = options};
    struct buffer input, out;
    buffer_init(&input);
    buffer_init(&out);
    int fd = open_connection(&probe);
    bool is_done = fd >= 0 && hello(&probe, fd, &input, &out, &options->rows);
    if (fd >= 0) close(fd);
    buffer_deinit(&input);
    buffer_deinit(&out);
    if (!is_done)
        fprintf(stderr, "pdb_load: %s\n",
                probe.first_error[0] ? probe.first_error : "cannot connect");
    return is_done;
}

static void sleep_s(double seconds)
{
    struct timespec pause = {.tv_sec = (time_t)seconds,
                             .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
}

int main(int argc, char **argv)
{
    static struct options options = {.clients = 16,
                                     .pipeline = 1,
                                     .seconds = 10,
                                     .warmup_s = 1,
                                     .mix = {10, 90, 0},
                                     .upsert_field = "order_count",
                                     .seed = 42};
    options.token = getenv("PROFILEDB_TOKEN");
    int early = parse_options(argc, argv, &options);
    if (early >= 0) return early;
    if (options.segment_count == 0)
        options.segments[options.segment_count++] =
            "country IN ('US', 'CA') AND age BETWEEN 25 AND 40 AND last_seen_at > now() - 30d "
            "AND total_spend > 100";
    if (!probe_rows(&options)) return 1;

    struct thread_state *states = calloc(options.clients, sizeof *states);
    if (states == NULL) return 1;
    for (uint32_t c = 0; c < options.clients; c++) {
        states[c].options = &options;
        states[c].index = c;
        states[c].segment_next = c;
        states[c].rng = options.seed * 0x9e3779b97f4a7c15ull + c + 1;
        if (pthread_create(&states[c].thread, NULL, client_main, &states[c]) != 0) {
            fprintf(stderr, "pdb_load: cannot start client thread %u\n", c);
            return 1;
        }
    }
    sleep_s(options.warmup_s);
    atomic_store(&phase, 1);
    double started = now_s();
    sleep_s(options.seconds);
    atomic_store(&phase, 2);
    double measured_s = now_s() - started;
    static struct samples all[KIND_COUNT_OF];
    uint64_t errors[KIND_COUNT_OF] = {0}, error_total = 0;
    const char *first_error = "";
    uint32_t failed_clients = 0;
    for (uint32_t c = 0; c < options.clients; c++) {
        pthread_join(states[c].thread, NULL);
        failed_clients += states[c].has_failed;
        for (int k = 0; k < KIND_COUNT_OF; k++) {
            errors[k] += states[c].errors[k];
            error_total += states[c].errors[k];
            for (size_t i = 0; i < states[c].samples[k].count; i++)
                sample_add(&all[k], states[c].samples[k].latency_us[i]);
        }
        if (states[c].first_error[0] && !first_error[0]) first_error = states[c].first_error;
    }
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    uint64_t total = all[KIND_COUNT].count + all[KIND_GET].count + all[KIND_UPSERT].count;
    printf("{\"address\": \"%s\", \"clients\": %u, \"pipeline\": %u, \"seconds\": %.3f, "
           "\"rows\": %" PRIu64 ", \"seed\": %" PRIu64
           ", \"mix\": \"%u:%u:%u\", \"now_s\": %" PRId64
           ", \"get_by\": \"%s\", \"segments\": %u, \"first_segment\": ",
           options.address, options.clients, options.pipeline, measured_s, options.rows,
           options.seed, options.mix[0], options.mix[1], options.mix[2], options.now_s,
           options.key_format ? options.key_attribute : "row_id", options.segment_count);
    print_json_string(options.segments[0]);
    printf(",\n \"cpu\": \"%s\", \"commit\": \"%s\", \"requests\": %" PRIu64
           ", \"requests_per_s\": %.1f, \"errors\": %" PRIu64 ", \"failed_clients\": %u",
           cpu,
#ifdef PDB_BENCH_CONFIGURE_COMMIT
           PDB_BENCH_CONFIGURE_COMMIT,
#else
           "unknown",
#endif
           total, (double)total / measured_s, error_total, failed_clients);
    for (int k = 0; k < KIND_COUNT_OF; k++) {
        qsort(all[k].latency_us, all[k].count, sizeof(double), compare_doubles);
        printf(",\n \"%s\": {\"requests\": %zu, \"per_s\": %.1f, \"errors\": %" PRIu64
               ", \"p50_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"max_us\": %.1f}",
               kind_names[k], all[k].count, (double)all[k].count / measured_s, errors[k],
               percentile(&all[k], 0.5), percentile(&all[k], 0.99), percentile(&all[k], 0.999),
               all[k].count ? all[k].latency_us[all[k].count - 1] : 0.0);
    }
    printf("}\n");
    if (first_error[0])
        fprintf(stderr, "pdb_load: %" PRIu64 " errors, %u clients failed; the first: %s\n",
                error_total, failed_clients, first_error);
    for (uint32_t c = 0; c < options.clients; c++)
        for (int k = 0; k < KIND_COUNT_OF; k++)
            free(states[c].samples[k].latency_us);
    for (int k = 0; k < KIND_COUNT_OF; k++)
        free(all[k].latency_us);
    free(states);
    return error_total || failed_clients ? 1 : 0;
}
