/*
 * Crash test (issue #4, point 5): a writer process runs ingests and deletes, reporting each
 * acknowledgement (the call returned PDB_OK) over a pipe; it is killed with SIGKILL at a
 * random moment (during parsing, chunk writes and fsyncs, tombstone writes, the manifest
 * replacement or garbage collection), the database is reopened, and it must be exactly the
 * result of the acknowledged operations, or of those and the one in flight, and nothing
 * else. Each file's rows carry its number and each delete removes 1,000 rows of one file, so
 * a half-applied operation shows as a wrong count.
 *
 * 20 cycles by default (CI); PROFILEDB_CRASH_CYCLES=N runs N (scripts/crash-test.sh 500).
 * The seed is printed; PROFILEDB_CRASH_SEED replays the kill times.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiledb/profiledb.h"

#define CRASH_FILES 8u          /* files a writer gets per cycle (reused round robin) */
#define CRASH_ROWS_PER_FILE 40000u
#define CRASH_FILE_COUNT_MAX 100000u

static char directory[256], db_path[300], schema_path[300];

static void setup(void)
{
    snprintf(directory, sizeof directory, "/tmp/pdb_test_crash_XXXXXX");
    cr_assert_not_null(mkdtemp(directory));
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    FILE *file = fopen(schema_path, "w");
    fputs("id text identifier\nbatch int\nn int\nc category\nt tags\nnote text\n", file);
    fclose(file);
}

static void teardown(void)
{
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    cr_assert_eq(system(command), 0);
}

TestSuite(crash, .init = setup, .fini = teardown);

/* The input file of sequence number `sequence`: its rows carry batch = sequence. */
static void write_input(const char *path, uint32_t sequence)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs("id,batch,n,c,t,note\n", file);
    for (uint32_t i = 0; i < CRASH_ROWS_PER_FILE; i++)
        fprintf(file, "S%u-%u,%u,%u,c%u,t%u|u%u,note %u of %u\n", sequence, i, sequence, i, i % 17,
                i % 3, i % 7, i, sequence);
    cr_assert_eq(fclose(file), 0);
}

/* Operation j of the writer's sequence: every third one deletes the first 1,000 rows of
 * the batch ingested just before it; the others ingest the next batch. */
static bool op_is_delete(uint32_t j)
{
    return j % 3u == 2u;
}

static uint32_t op_batch(uint32_t j) /* the batch an operation ingests or deletes from */
{
    uint32_t ingests_before = j - j / 3u; /* operations before j that ingest */
    return op_is_delete(j) ? ingests_before - 1u : ingests_before;
}

/* The writer: runs operations first.. (ingesting the prepared files), acknowledging each on
 * `ack_fd` once its call returned PDB_OK, then waits to be killed. */
static void writer_main(uint32_t first, int ack_fd)
{
    struct pdb_db *db = NULL;
    if (pdb_db_open(db_path, &db, NULL) != PDB_OK) _exit(10);
    pdb_db_set_threads(db, 2);
    char input[400], segment[64];
    for (uint32_t j = first;; j++) {
        if (j >= first + CRASH_FILES && !op_is_delete(j)) pause();
        struct pdb_error error = {0};
        enum pdb_status status;
        if (op_is_delete(j)) {
            snprintf(segment, sizeof segment, "batch = %u AND n < 1000", op_batch(j));
            uint64_t deleted = 0;
            status = pdb_segment_delete(db, segment, &deleted, &error);
        } else {
            snprintf(input, sizeof input, "%s/input-%u.csv", directory, op_batch(j) % CRASH_FILES);
            status = pdb_db_ingest_csv(db, input, NULL, NULL, &error);
        }
        if (status != PDB_OK) {
            fprintf(stderr, "writer: %s\n", error.message);
            _exit(11);
        }
        if (write(ack_fd, &j, sizeof j) != sizeof j) _exit(12);
    }
}

/* Rows of batch b after operations [0, ops): 40,000, less 1,000 once its delete ran. */
static uint64_t expected_rows(uint32_t ops, uint32_t b)
{
    uint64_t rows = 0;
    for (uint32_t j = 0; j < ops; j++) {
        if (op_batch(j) != b) continue;
        rows = op_is_delete(j) ? rows - 1000u : CRASH_ROWS_PER_FILE;
    }
    return rows;
}

static uint64_t count(struct pdb_db *db, const char *segment)
{
    uint64_t result = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

static uint32_t cycles(void)
{
    const char *text = getenv("PROFILEDB_CRASH_CYCLES");
    return text ? (uint32_t)strtoul(text, NULL, 10) : 20u;
}

Test(crash, sigkill_at_random_moments_loses_no_acknowledged_ingest_and_half_applies_nothing)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    unsigned seed = getenv("PROFILEDB_CRASH_SEED") ? (unsigned)strtoul(getenv("PROFILEDB_CRASH_SEED"), NULL, 10)
                                                   : (unsigned)time(NULL);
    fprintf(stderr, "crash: seed %u, %u cycles (PROFILEDB_CRASH_SEED replays)\n", seed, cycles());
    srand(seed);
    uint32_t next_op = 0; /* the first operation not known to be committed */
    uint32_t unacknowledged_commits = 0;
    for (uint32_t cycle = 0; cycle < cycles(); cycle++) {
        char input[400];
        for (uint32_t j = next_op; j < next_op + CRASH_FILES + CRASH_FILES / 2u; j++) {
            if (op_is_delete(j)) continue; /* inputs are written outside the kill window */
            snprintf(input, sizeof input, "%s/input-%u.csv", directory, op_batch(j) % CRASH_FILES);
            write_input(input, op_batch(j));
        }
        int pipe_fds[2];
        cr_assert_eq(pipe(pipe_fds), 0);
        pid_t child = fork();
        cr_assert(child >= 0);
        if (child == 0) {
            close(pipe_fds[0]);
            writer_main(next_op, pipe_fds[1]);
        }
        close(pipe_fds[1]);
        /* Let it run 0-500 ms (its operations take about that), then kill it wherever it is. */
        struct timespec delay = {0, (long)(rand() % 500) * 1000000L};
        nanosleep(&delay, NULL);
        kill(child, SIGKILL);
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFSIGNALED(status), "cycle %u: the writer exited by itself (status %d)", cycle,
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        uint32_t acked = next_op, op;
        while (read(pipe_fds[0], &op, sizeof op) == sizeof op) {
            cr_assert_eq(op, acked, "acknowledgements come in order");
            acked++;
        }
        close(pipe_fds[0]);

        /* The database must be the result of the acknowledged operations, or of those and
         * the one in flight: compare every batch the two could differ in, and the total. */
        struct pdb_db *db = NULL;
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "cycle %u: reopen: %s", cycle, error.message);
        uint32_t batches = op_batch(acked + 1u) + 1u;
        bool matches[2] = {true, true};
        char segment[64];
        for (uint32_t b = batches > 4 ? batches - 4u : 0u; b <= batches; b++) {
            snprintf(segment, sizeof segment, "batch = %u", b);
            uint64_t rows = count(db, segment);
            for (int k = 0; k < 2; k++) matches[k] &= rows == expected_rows(acked + (uint32_t)k, b);
        }
        uint64_t total = count(db, "true");
        for (int k = 0; k < 2; k++) {
            uint64_t expected_total = 0;
            for (uint32_t b = 0; b <= batches; b++) expected_total += expected_rows(acked + (uint32_t)k, b);
            matches[k] &= total == expected_total;
        }
        cr_assert(matches[0] || matches[1], "cycle %u: the database (%llu rows) is neither the "
                  "%u acknowledged operations nor those and the one in flight", cycle,
                  (unsigned long long)total, acked);
        if (!matches[0]) unacknowledged_commits++;
        pdb_db_close(db);
        next_op = matches[0] ? acked : acked + 1u;
        cr_assert_lt(next_op, CRASH_FILE_COUNT_MAX);
    }
    uint32_t next_sequence = next_op;
    uint32_t killed_mid_ingest = unacknowledged_commits;
    fprintf(stderr, "crash: %u cycles, %u operations committed (ingests and deletes), %u "
            "landed between the manifest rename and the acknowledgement\n", cycles(),
            next_sequence, killed_mid_ingest);
}

/* ---- Streaming upserts and checkpoints -----------------------------------------------------
 * A second writer streams upserts through the write-ahead log (pdb_db_upsert), checkpoints
 * every sixth operation and ingests an upsert CSV file every sixth (which folds the stream into
 * files first); it is killed at random moments (in staging, the log's write and fdatasync, the
 * apply, a checkpoint's chunk writes and manifest replacement, the log's trim, an ingest), and
 * the reopened database (files plus the replayed log) must hold exactly the acknowledged
 * operations, or those and the one in flight: every profile is compared with a model. */

#define STREAM_BASE_KEYS 5000u
#define STREAM_UPDATES_PER_OP 300u
#define STREAM_NEW_PER_OP 100u
#define STREAM_OPS_PER_CYCLE 12u

enum stream_op { STREAM_UPSERT, STREAM_CHECKPOINT, STREAM_INGEST };

static enum stream_op stream_op_kind(uint32_t j)
{
    if (j == 0) return STREAM_UPSERT;
    return j % 6u == 5u ? STREAM_CHECKPOINT : j % 6u == 3u ? STREAM_INGEST : STREAM_UPSERT;
}

/* A profile of the model: slot of "k<i>" is i, of "j<j>-<x>" STREAM_BASE_KEYS + j*NEW + x. */
struct stream_row {
    bool exists;
    int64_t v, batch, n; /* -1: NULL */
};

static uint32_t cycles(void);

/* Operations of a run: at most every operation of every cycle, plus the one in flight. */
static uint32_t stream_ops_max(void)
{
    return (cycles() + 1u) * STREAM_OPS_PER_CYCLE + 2u;
}

static uint32_t stream_slot_count(void)
{
    return STREAM_BASE_KEYS + stream_ops_max() * STREAM_NEW_PER_OP;
}

/* Calls `record` for every record of operation j, in order: (slot, is_new, gives_n_null). */
typedef void (*stream_record_fn)(void *context, uint32_t j, uint32_t slot, bool is_new, bool clears_n);

static void stream_op_records(uint32_t j, stream_record_fn record, void *context)
{
    if (j == 0) {
        for (uint32_t i = 0; i < STREAM_BASE_KEYS; i++) record(context, j, i, true, false);
        return;
    }
    for (uint32_t x = 0; x < STREAM_UPDATES_PER_OP; x++)
        record(context, j, (j * 131u + x * 7u) % STREAM_BASE_KEYS, false, x % 10u == 0u);
    for (uint32_t x = 0; x < STREAM_NEW_PER_OP; x++)
        record(context, j, STREAM_BASE_KEYS + j * STREAM_NEW_PER_OP + x, true, false);
}

static void stream_key(uint32_t slot, char *out, size_t size)
{
    if (slot < STREAM_BASE_KEYS) snprintf(out, size, "k%u", slot);
    else snprintf(out, size, "j%u-%u", (slot - STREAM_BASE_KEYS) / STREAM_NEW_PER_OP,
                  (slot - STREAM_BASE_KEYS) % STREAM_NEW_PER_OP);
}

static void model_record(void *context, uint32_t j, uint32_t slot, bool is_new, bool clears_n)
{
    struct stream_row *rows = context;
    struct stream_row *row = &rows[slot];
    bool is_csv = stream_op_kind(j) == STREAM_INGEST;
    if (is_new && !row->exists) {
        *row = (struct stream_row){.exists = true, .v = j, .batch = is_csv ? -1 : (int64_t)j,
                                   .n = is_csv ? -1 : (int64_t)slot};
        return;
    }
    row->v = j;
    if (clears_n && !is_csv) row->n = -1;
}

/* The model after operations [0, ops). */
static void stream_model(uint32_t ops, struct stream_row *rows)
{
    memset(rows, 0, stream_slot_count() * sizeof *rows);
    for (uint32_t j = 0; j < ops; j++)
        if (stream_op_kind(j) != STREAM_CHECKPOINT) stream_op_records(j, model_record, rows);
}

struct text_out {
    char *text;
    size_t size, capacity;
};

static void text_put(struct text_out *out, const char *line)
{
    size_t length = strlen(line);
    if (out->size + length + 1 > out->capacity) {
        out->capacity = 2 * (out->size + length + 1);
        out->text = realloc(out->text, out->capacity);
    }
    memcpy(out->text + out->size, line, length + 1);
    out->size += length;
}

static void ndjson_record(void *context, uint32_t j, uint32_t slot, bool is_new, bool clears_n)
{
    char key[32], line[128];
    stream_key(slot, key, sizeof key);
    if (is_new) snprintf(line, sizeof line, "{\"id\":\"%s\",\"v\":%u,\"batch\":%u,\"n\":%u}\n", key, j, j, slot);
    else if (clears_n) snprintf(line, sizeof line, "{\"id\":\"%s\",\"v\":%u,\"n\":null}\n", key, j);
    else snprintf(line, sizeof line, "{\"v\":%u,\"id\":\"%s\"}\n", j, key);
    text_put(context, line);
}

static void csv_record(void *context, uint32_t j, uint32_t slot, bool is_new, bool clears_n)
{
    (void)is_new, (void)clears_n;
    char key[32], line[128];
    stream_key(slot, key, sizeof key);
    snprintf(line, sizeof line, "%s,%u\n", key, j);
    text_put(context, line);
}

static void stream_input_path(char *out, size_t size, uint32_t j)
{
    snprintf(out, size, "%s/stream-%u.csv", directory, j % (2u * STREAM_OPS_PER_CYCLE));
}

static void stream_writer_main(uint32_t first, int ack_fd)
{
    struct pdb_db *db = NULL;
    if (pdb_db_open(db_path, &db, NULL) != PDB_OK) _exit(10);
    pdb_db_set_threads(db, 2);
    struct text_out batch = {0};
    for (uint32_t j = first;; j++) {
        if (j >= first + STREAM_OPS_PER_CYCLE) pause();
        struct pdb_error error = {0};
        enum pdb_status status;
        enum stream_op kind = stream_op_kind(j);
        if (kind == STREAM_CHECKPOINT) {
            status = pdb_db_checkpoint(db, &error);
        } else if (kind == STREAM_INGEST) {
            char input[400];
            stream_input_path(input, sizeof input, j);
            status = pdb_db_ingest_csv(db, input, NULL, NULL, &error);
        } else {
            batch.size = 0;
            stream_op_records(j, ndjson_record, &batch);
            status = pdb_db_upsert(db, batch.text, batch.size, NULL, &error);
        }
        if (status != PDB_OK) {
            fprintf(stderr, "stream writer, operation %u: %s\n", j, error.message);
            _exit(11);
        }
        if (write(ack_fd, &j, sizeof j) != sizeof j) _exit(12);
    }
}

/* Whether the database holds exactly the model. */
static bool stream_matches(struct pdb_db *db, const struct stream_row *rows)
{
    uint64_t expected_rows = 0;
    for (uint32_t s = 0; s < stream_slot_count(); s++) expected_rows += rows[s].exists;
    if (pdb_db_row_count(db) != expected_rows) return false;
    struct pdb_error error = {0};
    for (uint32_t row_id = 0; row_id < expected_rows; row_id++) {
        struct pdb_profile *profile;
        cr_assert_eq(pdb_profile_get(db, row_id, &profile, &error), PDB_OK, "%s", error.message);
        struct pdb_value key, v, batch, n;
        pdb_profile_value(profile, 0, &key);
        pdb_profile_value(profile, 1, &batch);
        pdb_profile_value(profile, 2, &n);
        pdb_profile_value(profile, 3, &v);
        char text[40];
        snprintf(text, sizeof text, "%.*s", (int)key.string_size, key.string_data);
        uint32_t slot, j, x;
        if (sscanf(text, "k%u", &slot) == 1) {
        } else if (sscanf(text, "j%u-%u", &j, &x) == 2) {
            slot = STREAM_BASE_KEYS + j * STREAM_NEW_PER_OP + x;
        } else {
            slot = UINT32_MAX;
        }
        bool same = slot < stream_slot_count() && rows[slot].exists && !v.is_null &&
                    v.int_value == rows[slot].v &&
                    (batch.is_null ? -1 : batch.int_value) == rows[slot].batch &&
                    (n.is_null ? -1 : n.int_value) == rows[slot].n;
        pdb_profile_destroy(profile);
        if (!same) return false;
    }
    return true;
}

Test(crash, sigkill_during_streaming_upserts_and_checkpoints_keeps_every_acknowledged_batch)
{
    FILE *file = fopen(schema_path, "w");
    fputs("id text primary\nbatch int\nn int\nv int\n", file);
    fclose(file);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    unsigned seed = getenv("PROFILEDB_CRASH_SEED") ? (unsigned)strtoul(getenv("PROFILEDB_CRASH_SEED"), NULL, 10)
                                                   : (unsigned)time(NULL);
    fprintf(stderr, "crash (streaming): seed %u, %u cycles (PROFILEDB_CRASH_SEED replays)\n", seed, cycles());
    srand(seed);
    struct stream_row *models[2] = {malloc(stream_slot_count() * sizeof(struct stream_row)),
                                    malloc(stream_slot_count() * sizeof(struct stream_row))};
    uint32_t next_op = 0, in_flight_commits = 0;
    for (uint32_t cycle = 0; cycle < cycles(); cycle++) {
        for (uint32_t j = next_op; j < next_op + STREAM_OPS_PER_CYCLE + 1u; j++) {
            if (stream_op_kind(j) != STREAM_INGEST) continue; /* written outside the kill window */
            struct text_out csv = {0};
            text_put(&csv, "id,v\n");
            stream_op_records(j, csv_record, &csv);
            char input[400];
            stream_input_path(input, sizeof input, j);
            FILE *out = fopen(input, "w");
            cr_assert_not_null(out);
            fwrite(csv.text, 1, csv.size, out);
            cr_assert_eq(fclose(out), 0);
            free(csv.text);
        }
        int pipe_fds[2];
        cr_assert_eq(pipe(pipe_fds), 0);
        fflush(NULL);
        pid_t child = fork();
        cr_assert(child >= 0);
        if (child == 0) {
            close(pipe_fds[0]);
            stream_writer_main(next_op, pipe_fds[1]);
        }
        close(pipe_fds[1]);
        struct timespec delay = {0, (long)(rand() % 400) * 1000000L};
        nanosleep(&delay, NULL);
        kill(child, SIGKILL);
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFSIGNALED(status), "cycle %u: the writer exited by itself (status %d)", cycle,
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        uint32_t acked = next_op, op;
        while (read(pipe_fds[0], &op, sizeof op) == sizeof op) {
            cr_assert_eq(op, acked, "acknowledgements come in order");
            acked++;
        }
        close(pipe_fds[0]);
        struct pdb_db *db = NULL;
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "cycle %u: reopen: %s", cycle, error.message);
        bool matches[2];
        for (int k = 0; k < 2; k++) {
            stream_model(acked + (uint32_t)k, models[k]);
            matches[k] = stream_matches(db, models[k]);
        }
        cr_assert(matches[0] || matches[1], "cycle %u: the database (%llu rows) is neither the %u "
                  "acknowledged operations nor those and the one in flight", cycle,
                  (unsigned long long)pdb_db_row_count(db), acked);
        pdb_db_close(db);
        if (!matches[0]) in_flight_commits++;
        next_op = matches[0] ? acked : acked + 1u;
        cr_assert_lt(next_op + STREAM_OPS_PER_CYCLE + 1u, stream_ops_max());
    }
    fprintf(stderr, "crash (streaming): %u cycles, %u operations acknowledged or committed "
            "(upserts, checkpoints, ingests), %u durable before their acknowledgement\n",
            cycles(), next_op, in_flight_commits);
    free(models[0]);
    free(models[1]);
}
