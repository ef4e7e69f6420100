/*
 * profiledb upsert DB [FILE|-]: streams NDJSON records into a database through its
 * write-ahead log (pdb_db_upsert), acknowledging each batch once it is durable.
 *
 * Records are read as they arrive and grouped into batches: a batch is sent when it holds
 * --batch-records records, when --batch-ms milliseconds passed since its first record arrived,
 * or at the end of the input. So a record is acknowledged at most batch-ms plus one write and
 * fdatasync of the log (and the time to apply the batch) after it was read. One line per batch
 * goes to standard output once it is durable and visible. The database is checkpointed when
 * the command ends (and by the engine whenever the log passes 64 MiB).
 *
 * With --connect HOST:PORT the batches go to a `serve --writable` server as UPSERT requests
 * (pdb_client_upsert) instead: the same acknowledgement lines, each rejected record on
 * standard error with its line in the input (the reject file is the server's), and the server
 * checkpoints when it stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define UPSERT_READ_SIZE (1u << 16)
#define UPSERT_BATCH_RECORDS_DEFAULT 1000u
#define UPSERT_BATCH_MS_DEFAULT 10

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: profiledb upsert DB [FILE|-] [options]\n"
            "       profiledb upsert --connect HOST:PORT [--token T] [FILE|-] [options]\n\n"
            "Streams NDJSON records (one JSON object per line; standard input when FILE is '-' or\n"
            "missing) into database DB through its write-ahead log. With a primary identifier in\n"
            "the schema a record whose key exists updates that profile (only the members it\n"
            "names; null clears), a new key appends one. Records are sent in batches; each batch\n"
            "is acknowledged with one line on standard output once it is durable (written and\n"
            "fdatasynced to DB/wal.log) and visible. A record waits at most --batch-ms plus one\n"
            "write and fdatasync of the log. Rejected records go to DB/rejects/upsert-<lsn>.rejects.csv.\n"
            "The database is checkpointed at the end.\n\n"
            "Options:\n"
            "  --batch-records N   records per batch, 1..16384 (default 1000)\n"
            "  --batch-ms MS       longest a batch stays open after its first record (default 10)\n"
            "  --format F          acknowledgements as table (default) or json (one object a line)\n"
            "  --connect A         send the batches to the server at A (HOST:PORT, started with\n"
            "                      'profiledb serve --writable'; a writer or admin token)\n"
            "  --token T           the access token for --connect (default: $PROFILEDB_TOKEN)\n"
            "  -h, --help          show this help\n");
}

struct batcher {
    struct pdb_db *db;
    struct pdb_client *client; /* --connect: instead of db */
    uint64_t first_line;       /* of the batch, 1-based in the input */
    enum cli_format format;
    char *text;
    size_t size, capacity;
    uint32_t records;
    uint64_t batches, acknowledged, rejected;
};

static double now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec * 1e-6;
}

/* --connect: the server's reject file is on its disk; each reject is told here instead. */
static void print_reject(void *context, uint32_t record_index, const char *message)
{
    const struct batcher *batcher = context;
    if (record_index == UINT32_MAX)
        fprintf(stderr, "profiledb upsert: rejected: %s\n", message);
    else
        fprintf(stderr, "profiledb upsert: line %llu: rejected: %s\n",
                (unsigned long long)(batcher->first_line + record_index), message);
}

static int flush_batch(struct batcher *batcher)
{
    if (batcher->records == 0) return CLI_EXIT_OK;
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    enum pdb_status status =
        batcher->client != NULL
            ? pdb_client_upsert(batcher->client, batcher->text, batcher->size, &result,
                                print_reject, batcher, &error)
            : pdb_db_upsert(batcher->db, batcher->text, batcher->size, &result, &error);
    if (status != PDB_OK) return cli_report("upsert", &error);
    batcher->batches++;
    batcher->acknowledged += result.rows_inserted + result.rows_updated;
    batcher->rejected += result.rows_rejected;
    if (batcher->format == CLI_FORMAT_JSON) {
        printf("{\"lsn\": %llu, \"records\": %llu, \"inserted\": %llu, \"updated\": %llu, "
               "\"rejected\": %llu, \"rejects\": ", (unsigned long long)result.lsn,
               (unsigned long long)result.rows_read, (unsigned long long)result.rows_inserted,
               (unsigned long long)result.rows_updated, (unsigned long long)result.rows_rejected);
        cli_print_json_string(stdout, result.rejects_path, strlen(result.rejects_path));
        printf("}\n");
    } else {
        printf("ack lsn %llu: %llu records, %llu new, %llu updated, %llu rejected%s%s\n",
               (unsigned long long)result.lsn, (unsigned long long)result.rows_read,
               (unsigned long long)result.rows_inserted, (unsigned long long)result.rows_updated,
               (unsigned long long)result.rows_rejected, result.rejects_path[0] ? ", see " : "",
               result.rejects_path);
    }
    fflush(stdout);
    batcher->first_line += batcher->records;
    batcher->size = 0;
    batcher->records = 0;
    return CLI_EXIT_OK;
}

static int add_line(struct batcher *batcher, const char *line, size_t size)
{
    if (batcher->size + size + 1 > batcher->capacity) {
        size_t capacity = 2 * (batcher->size + size + 1);
        char *grown = realloc(batcher->text, capacity);
        if (grown == NULL) {
            fprintf(stderr, "profiledb upsert: out of memory\n");
            return CLI_EXIT_INTERNAL;
        }
        batcher->text = grown;
        batcher->capacity = capacity;
    }
    memcpy(batcher->text + batcher->size, line, size);
    batcher->size += size;
    batcher->text[batcher->size++] = '\n';
    batcher->records++;
    return CLI_EXIT_OK;
}

int cmd_upsert(int argc, char **argv)
{
    static const struct option options[] = {
        {"batch-records", required_argument, NULL, 'r'}, {"batch-ms", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},        {"help", no_argument, NULL, 'h'},
        {"connect", required_argument, NULL, 'c'},       {"token", required_argument, NULL, 't'},
        {0, 0, 0, 0}};
    struct batcher batcher = {.format = CLI_FORMAT_TABLE, .first_line = 1};
    const char *connect = NULL, *token = NULL;
    long batch_records = UPSERT_BATCH_RECORDS_DEFAULT, batch_ms = UPSERT_BATCH_MS_DEFAULT;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "r:m:f:h", options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'r':
            batch_records = strtol(optarg, &end, 10);
            if (*end != '\0' || batch_records < 1 || batch_records > 16384)
                return cli_usage_error("upsert", "--batch-records must be 1..16384");
            break;
        case 'm':
            batch_ms = strtol(optarg, &end, 10);
            if (*end != '\0' || batch_ms < 0 || batch_ms > 60000)
                return cli_usage_error("upsert", "--batch-ms must be 0..60000");
            break;
        case 'f':
            if (!cli_parse_format(optarg, &batcher.format) || batcher.format == CLI_FORMAT_CSV)
                return cli_usage_error("upsert", "unknown format '%s'", optarg);
            break;
        case 'c': connect = optarg; break;
        case 't': token = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: usage(stderr); return CLI_EXIT_USAGE;
        }
    }
    int positional = connect != NULL ? 1 : 2; /* --connect: no DB */
    if ((connect == NULL && optind >= argc) || argc - optind > positional)
        return cli_usage_error("upsert", connect != NULL ? "expected [FILE|-] with --connect (no "
                                                           "database path)"
                                                         : "expected DB [FILE|-]");
    const char *input = argc - optind == positional ? argv[argc - 1] : "-";
    int fd = strcmp(input, "-") == 0 ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "profiledb upsert: %s: %s\n", input, strerror(errno));
        return errno == ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_IO;
    }
    struct pdb_error error = {0};
    if (connect != NULL) {
        int early = cli_connect("upsert", connect, token, &batcher.client);
        if (early >= 0) {
            if (fd != STDIN_FILENO) close(fd);
            return early;
        }
    } else if (pdb_db_open(argv[optind], &batcher.db, &error) != PDB_OK) {
        if (fd != STDIN_FILENO) close(fd);
        return cli_report("upsert", &error);
    }
    char *pending = malloc(UPSERT_READ_SIZE);
    size_t pending_size = 0, pending_capacity = UPSERT_READ_SIZE;
    int exit_code = pending == NULL ? CLI_EXIT_INTERNAL : CLI_EXIT_OK;
    double batch_started_ms = 0;
    bool is_ended = false;
    while (exit_code == CLI_EXIT_OK && !is_ended) {
        int timeout_ms = -1;
        if (batcher.records > 0) {
            double left = (double)batch_ms - (now_ms() - batch_started_ms);
            timeout_ms = left > 0 ? (int)left + 1 : 0;
        }
        struct pollfd poll_fd = {.fd = fd, .events = POLLIN};
        int ready = poll(&poll_fd, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) { /* the batch's time is up */
            exit_code = flush_batch(&batcher);
            continue;
        }
        if (pending_size == pending_capacity) {
            char *grown = realloc(pending, pending_capacity * 2);
            if (grown == NULL) {
                exit_code = CLI_EXIT_INTERNAL;
                break;
            }
            pending = grown;
            pending_capacity *= 2;
        }
        ssize_t got = read(fd, pending + pending_size, pending_capacity - pending_size);
        if (got < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "profiledb upsert: %s: %s\n", input, strerror(errno));
            exit_code = CLI_EXIT_IO;
            break;
        }
        if (got == 0) is_ended = true;
        pending_size += (size_t)got;
        size_t start = 0;
        for (;;) {
            char *newline = memchr(pending + start, '\n', pending_size - start);
            if (newline == NULL && !(is_ended && start < pending_size)) break;
            size_t line_size = newline ? (size_t)(newline - (pending + start)) : pending_size - start;
            if (batcher.records == 0) batch_started_ms = now_ms();
            if ((exit_code = add_line(&batcher, pending + start, line_size)) != CLI_EXIT_OK) break;
            start += line_size + (newline ? 1 : 0);
            if (batcher.records >= (uint32_t)batch_records ||
                batcher.size + UPSERT_READ_SIZE > (16u << 20)) {
                if ((exit_code = flush_batch(&batcher)) != CLI_EXIT_OK) break;
            }
            if (newline == NULL) break;
        }
        memmove(pending, pending + start, pending_size - start);
        pending_size -= start;
        if (exit_code == CLI_EXIT_OK && batch_ms == 0) exit_code = flush_batch(&batcher);
    }
    if (exit_code == CLI_EXIT_OK) exit_code = flush_batch(&batcher);
    if (exit_code == CLI_EXIT_OK && batcher.db != NULL && pdb_db_checkpoint(batcher.db, &error) != PDB_OK)
        exit_code = cli_report("upsert", &error);
    if (exit_code == CLI_EXIT_OK)
        fprintf(stderr, "profiledb upsert: %llu records acknowledged in %llu batches, %llu rejected\n",
                (unsigned long long)batcher.acknowledged, (unsigned long long)batcher.batches,
                (unsigned long long)batcher.rejected);
    free(pending);
    free(batcher.text);
    pdb_db_close(batcher.db);
    pdb_client_close(batcher.client);
    if (fd != STDIN_FILENO) close(fd);
    return exit_code;
}
