/*
 * Tests for group commit on a writable server (engine/server/worker_upsert.c,
 * worker_upsert_keys.c): UPSERTs from several concurrent connections written as one log
 * record each still get their own outcome (inserted / updated / rejected with indexes
 * relative to their own records), a key new to the database that two requests of one group
 * name is inserted once; and reads on other connections, while writes proceed, see whole
 * batches only and every batch acknowledged before they started (read-your-writes).
 *
 * The server runs one worker with a long group wait (the group closes when it is full), so the
 * requests of concurrent clients do meet in groups; the oracle is the record texts
 * themselves (what each client sent) and COUNTs over the result.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profiledb/client.h"
#include "server_fixture.h"

TestSuite(server_upsert_group, .fini = fixture_stop);

#define CLIENTS 6
#define ROUNDS 5

static void grouping(struct server_options *options)
{
    options->writable = true;
    options->worker_count = 1;
    options->upsert_group_max = CLIENTS;
    options->upsert_group_wait_us = 100000; /* the group closes when it is full */
}

struct rejects {
    uint32_t count;
    uint32_t indexes[16];
};

static void collect_reject(void *context, uint32_t record_index, const char *message)
{
    (void)message;
    struct rejects *rejects = context;
    if (rejects->count < 16) rejects->indexes[rejects->count] = record_index;
    rejects->count++;
}

struct client_run {
    int number;
    uint32_t rounds_ok;      /* rounds whose outcome was exactly the expected one */
    uint32_t shared_inserts; /* rounds in which this client's record created SHARED-<round> */
    char failure[1200];
};

static pthread_barrier_t barrier;

/* Round r of client i: a new profile N<i>-<r>, an update of existing C<i+1>, a record naming
 * SHARED-<r> (new to the database, named by every client of the round), and one bad record at
 * index 1 + (i % 3) of the four. */
static void *client_main(void *argument)
{
    struct client_run *run = argument;
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    if (pdb_client_connect(fixture.address, TOKEN_WRITER, NULL, &client, &error) != PDB_OK) {
        snprintf(run->failure, sizeof run->failure, "connect: %s", error.message);
        pthread_barrier_wait(&barrier);
        return NULL;
    }
    for (int r = 0; r < ROUNDS; r++) {
        char good[3][160];
        snprintf(good[0], sizeof good[0], "{\"customer_id\": \"N%d-%d\", \"country\": \"Q%d\"}",
                 run->number, r, run->number);
        snprintf(good[1], sizeof good[1], "{\"customer_id\": \"C%d\", \"age\": %d}",
                 run->number + 1, 60 + r);
        snprintf(good[2], sizeof good[2], "{\"customer_id\": \"SHARED-%d\", \"country\": \"S\"}", r);
        uint32_t bad_index = 1u + (uint32_t)(run->number % 3);
        char text[1024];
        size_t used = 0;
        for (uint32_t line = 0, g = 0; line < 4; line++) {
            if (line == bad_index)
                used += (size_t)snprintf(text + used, sizeof text - used,
                                         "{\"customer_id\": \"B%d\", \"age\": \"old\"}\n", run->number);
            else
                used += (size_t)snprintf(text + used, sizeof text - used, "%s\n", good[g++]);
        }
        pthread_barrier_wait(&barrier); /* every client sends its round at once */
        struct pdb_upsert_result result;
        struct rejects rejects = {0};
        if (pdb_client_upsert(client, text, used, &result, collect_reject, &rejects, &error) !=
            PDB_OK) {
            snprintf(run->failure, sizeof run->failure, "round %d: %s", r, error.message);
            for (int rest = r + 1; rest < ROUNDS; rest++) pthread_barrier_wait(&barrier);
            break;
        }
        bool is_shared_insert = result.rows_inserted == 2;
        bool is_ok = result.rows_rejected == 1 && rejects.count == 1 &&
                     rejects.indexes[0] == bad_index && result.lsn > 0 &&
                     result.rows_inserted + result.rows_updated == 3 &&
                     (result.rows_inserted == 1 || result.rows_inserted == 2);
        if (is_ok) run->rounds_ok++;
        else if (run->failure[0] == '\0')
            snprintf(run->failure, sizeof run->failure,
                     "round %d: inserted %llu updated %llu rejected %llu (reject index %u, "
                     "expected %u)", r, (unsigned long long)result.rows_inserted,
                     (unsigned long long)result.rows_updated,
                     (unsigned long long)result.rows_rejected,
                     rejects.count ? rejects.indexes[0] : 99u, bad_index);
        if (is_shared_insert) run->shared_inserts |= 1u << r;
    }
    pdb_client_close(client);
    return NULL;
}

static uint64_t remote_count(struct pdb_client *client, const char *segment)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_count(client, segment, 0, &count, &error), PDB_OK, "%s: %s", segment,
                 error.message);
    return count;
}

Test(server_upsert_group, concurrent_requests_share_log_records_and_keep_their_own_outcome)
{
    fixture_start_keyed(true, grouping);
    pthread_barrier_init(&barrier, NULL, CLIENTS);
    pthread_t threads[CLIENTS];
    struct client_run runs[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
        runs[c] = (struct client_run){.number = c};
        cr_assert_eq(pthread_create(&threads[c], NULL, client_main, &runs[c]), 0);
    }
    for (int c = 0; c < CLIENTS; c++) pthread_join(threads[c], NULL);
    pthread_barrier_destroy(&barrier);
    uint32_t shared_inserts[ROUNDS] = {0};
    for (int c = 0; c < CLIENTS; c++) {
        cr_assert_eq(runs[c].failure[0], '\0', "client %d: %s", c, runs[c].failure);
        cr_assert_eq(runs[c].rounds_ok, (uint32_t)ROUNDS, "client %d", c);
        for (int r = 0; r < ROUNDS; r++) shared_inserts[r] += runs[c].shared_inserts >> r & 1u;
    }
    for (int r = 0; r < ROUNDS; r++)
        cr_assert_eq(shared_inserts[r], 1u, "round %d: SHARED-%d is inserted by exactly one "
                     "request, updated by the others", r, r);
    struct server_counters counters;
    server_counters_get(fixture.server, &counters);
    cr_assert_eq(counters.upsert_requests, (uint64_t)CLIENTS * ROUNDS);
    cr_assert_lt(counters.upsert_syncs, counters.upsert_requests,
                 "requests were grouped: %llu log records for %llu requests",
                 (unsigned long long)counters.upsert_syncs,
                 (unsigned long long)counters.upsert_requests);
    /* The data: what each client's accepted records say. */
    struct pdb_client *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, TOKEN_READER, NULL, &reader, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(remote_count(reader, "true"), FIXTURE_ROWS + (uint64_t)CLIENTS * ROUNDS + ROUNDS);
    for (int c = 0; c < CLIENTS; c++) {
        char segment[96];
        snprintf(segment, sizeof segment, "country = 'Q%d'", c);
        cr_assert_eq(remote_count(reader, segment), (uint64_t)ROUNDS, "%s", segment);
        snprintf(segment, sizeof segment, "customer_id = 'C%d' AND age = %d", c + 1, 60 + ROUNDS - 1);
        cr_assert_eq(remote_count(reader, segment), 1u, "%s: the last round's update", segment);
    }
    cr_assert_eq(remote_count(reader, "country = 'S'"), (uint64_t)ROUNDS);
    cr_assert_eq(remote_count(reader, "customer_id IN ('B0', 'B1', 'B2')"), 0u, "rejects");
    pdb_client_close(reader);
}

/* ---- Reads while writes proceed --------------------------------------------------------- */

#define WRITE_BATCHES 40
#define BATCH_RECORDS 10

static atomic_uint_fast64_t acknowledged; /* records of batches acknowledged so far */
static atomic_bool writes_done;

static void *writer_main(void *argument)
{
    (void)argument;
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    if (pdb_client_connect(fixture.address, TOKEN_WRITER, NULL, &client, &error) != PDB_OK) {
        atomic_store(&writes_done, true);
        return NULL;
    }
    for (int b = 0; b < WRITE_BATCHES; b++) {
        char text[2048];
        size_t used = 0;
        for (int r = 0; r < BATCH_RECORDS; r++)
            used += (size_t)snprintf(text + used, sizeof text - used,
                                     "{\"customer_id\": \"RW%d-%d\", \"country\": \"RW\"}\n", b, r);
        struct pdb_upsert_result result;
        if (pdb_client_upsert(client, text, used, &result, NULL, NULL, &error) != PDB_OK) break;
        atomic_fetch_add(&acknowledged, result.rows_inserted);
    }
    pdb_client_close(client);
    atomic_store(&writes_done, true);
    return NULL;
}

static void readable_writes(struct server_options *options)
{
    options->writable = true;
    options->worker_count = 2;
}

Test(server_upsert_group, reads_during_writes_see_whole_batches_and_every_acknowledged_one)
{
    fixture_start_keyed(true, readable_writes);
    atomic_store(&acknowledged, 0);
    atomic_store(&writes_done, false);
    pthread_t writer;
    cr_assert_eq(pthread_create(&writer, NULL, writer_main, NULL), 0);
    struct pdb_client *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, TOKEN_READER, NULL, &reader, &error), PDB_OK,
                 "%s", error.message);
    uint64_t previous = 0, reads = 0;
    while (!atomic_load(&writes_done) || reads == 0) {
        uint64_t seen_before = atomic_load(&acknowledged); /* acknowledged before the read */
        uint64_t count = remote_count(reader, "country = 'RW'");
        cr_assert_geq(count, seen_before, "a read misses an acknowledged write");
        cr_assert_eq(count % BATCH_RECORDS, 0u, "a read saw part of a batch (%llu)",
                     (unsigned long long)count);
        cr_assert_geq(count, previous, "reads went back in time");
        previous = count;
        reads++;
    }
    pthread_join(writer, NULL);
    cr_assert_eq(atomic_load(&acknowledged), (uint64_t)WRITE_BATCHES * BATCH_RECORDS);
    cr_assert_eq(remote_count(reader, "country = 'RW'"), (uint64_t)WRITE_BATCHES * BATCH_RECORDS);
    pdb_client_close(reader);
}

/* ---- A group never exceeds one batch's limits ------------------------------------------- */

#define LARGE_RECORDS 9000 /* two such requests are more lines than one batch may hold */

struct large_run {
    int number;
    struct pdb_upsert_result result;
    struct rejects rejects;
    enum pdb_status status;
    char message[1200];
};

static void *large_main(void *argument)
{
    struct large_run *run = argument;
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    run->status = pdb_client_connect(fixture.address, TOKEN_WRITER, NULL, &client, &error);
    pthread_barrier_wait(&barrier);
    if (run->status != PDB_OK) {
        snprintf(run->message, sizeof run->message, "%s", error.message);
        return NULL;
    }
    size_t capacity = (size_t)LARGE_RECORDS * 64, used = 0;
    char *text = malloc(capacity);
    for (int r = 0; r < LARGE_RECORDS; r++) {
        if (r == LARGE_RECORDS - 1)
            used += (size_t)snprintf(text + used, capacity - used, "{\"age\": \"none\"}\n");
        else
            used += (size_t)snprintf(text + used, capacity - used,
                                     "{\"customer_id\": \"L%d-%d\", \"country\": \"L%d\"}\n",
                                     run->number, r, run->number);
    }
    run->status = pdb_client_upsert(client, text, used, &run->result, collect_reject,
                                    &run->rejects, &error);
    if (run->status != PDB_OK) snprintf(run->message, sizeof run->message, "%s", error.message);
    free(text);
    pdb_client_close(client);
    return NULL;
}

Test(server_upsert_group, requests_that_would_overflow_a_batch_go_to_the_next_group)
{
    fixture_start_keyed(true, grouping);
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_t threads[2];
    struct large_run runs[2];
    for (int c = 0; c < 2; c++) {
        memset(&runs[c], 0, sizeof runs[c]);
        runs[c].number = c;
        cr_assert_eq(pthread_create(&threads[c], NULL, large_main, &runs[c]), 0);
    }
    for (int c = 0; c < 2; c++) pthread_join(threads[c], NULL);
    pthread_barrier_destroy(&barrier);
    struct pdb_client *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, TOKEN_READER, NULL, &reader, &error), PDB_OK,
                 "%s", error.message);
    for (int c = 0; c < 2; c++) {
        cr_assert_eq(runs[c].status, PDB_OK, "client %d: %s", c, runs[c].message);
        cr_assert_eq(runs[c].result.rows_inserted, LARGE_RECORDS - 1u, "client %d", c);
        cr_assert_eq(runs[c].result.rows_rejected, 1u);
        cr_assert_eq(runs[c].rejects.count, 1u);
        cr_assert_eq(runs[c].rejects.indexes[0], LARGE_RECORDS - 1u, "its own index");
        char segment[32];
        snprintf(segment, sizeof segment, "country = 'L%d'", c);
        cr_assert_eq(remote_count(reader, segment), LARGE_RECORDS - 1u, "%s", segment);
    }
    struct server_counters counters;
    server_counters_get(fixture.server, &counters);
    cr_assert_eq(counters.upsert_syncs, 2u, "two log records: the requests did not fit one");
    pdb_client_close(reader);
}
