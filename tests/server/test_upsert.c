/*
 * Tests for UPSERT over loopback (engine/server/worker_upsert.c, engine/client/client_upsert.c)
 * on a writable server (`serve --writable`): an acknowledged batch is seen by the next COUNT
 * and GET on any connection (whichever worker's handle answers: each follows the writer); a
 * reader is refused
 * (FORBIDDEN -> PDB_ERR_DENIED); each rejected record comes back with its index in its own
 * request, also when several clients upsert at once; stopping the server checkpoints, and a
 * handle opened afterwards sees every acknowledged record from the files alone (the log is
 * trimmed).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "profiledb/client.h"
#include "server_fixture.h"

TestSuite(server_upsert, .fini = fixture_stop, .timeout = 300);

static void writable(struct server_options *options) { options->writable = true; }

static struct pdb_client *client_open(const char *token)
{
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, token, NULL, &client, &error), PDB_OK, "%s",
                 error.message);
    return client;
}

static uint64_t remote_count(struct pdb_client *client, const char *segment)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_count(client, segment, 0, &count, &error), PDB_OK, "%s: %s", segment,
                 error.message);
    return count;
}

struct rejects {
    uint32_t count;
    uint32_t indexes[64];
    char messages[64][256];
};

static void collect_reject(void *context, uint32_t record_index, const char *message)
{
    struct rejects *rejects = context;
    if (rejects->count < 64) {
        rejects->indexes[rejects->count] = record_index;
        snprintf(rejects->messages[rejects->count], sizeof rejects->messages[0], "%s", message);
    }
    rejects->count++;
}

static void upsert(struct pdb_client *client, const char *ndjson, struct pdb_upsert_result *result,
                   struct rejects *rejects)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_upsert(client, ndjson, strlen(ndjson), result, collect_reject,
                                   rejects, &error),
                 PDB_OK, "%s", error.message);
}

Test(server_upsert, an_acknowledged_batch_is_seen_by_counts_and_gets_on_other_connections)
{
    fixture_start_keyed(true, writable);
    struct pdb_client *writer = client_open(TOKEN_WRITER);
    struct pdb_client *readers[3] = {client_open(TOKEN_READER), client_open(TOKEN_READER),
                                     client_open(TOKEN_ADMIN)};
    cr_assert_eq(remote_count(readers[0], "country = 'JP'"), 0u);
    struct pdb_upsert_result result;
    struct rejects rejects = {0};
    upsert(writer,
           "{\"customer_id\": \"N1\", \"email\": \"n1@example.com\", \"country\": \"JP\", \"age\": 33}\n"
           "{\"customer_id\": \"C1\", \"age\": 99}\n",
           &result, &rejects);
    cr_assert_eq(result.rows_inserted, 1u);
    cr_assert_eq(result.rows_updated, 1u);
    cr_assert_eq(result.rows_rejected, 0u);
    cr_assert_eq(rejects.count, 0u);
    cr_assert_gt(result.lsn, 0u);
    /* Every later request, on any connection and whichever worker runs it. */
    for (int round = 0; round < 4; round++) {
        for (int r = 0; r < 3; r++) {
            cr_assert_eq(remote_count(readers[r], "true"), FIXTURE_ROWS + 1u);
            cr_assert_eq(remote_count(readers[r], "country = 'JP'"), 1u);
            cr_assert_eq(remote_count(readers[r], "age = 99"), 1u, "the update");
            cr_assert_eq(remote_count(readers[r], "customer_id = 'C1' AND country = 'DE'"), 1u,
                         "an update keeps the attributes it does not name");
        }
    }
    struct pdb_client_profile *profile = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_get_by_key(readers[1], "customer_id", "N1", &profile, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(pdb_client_profile_row_id(profile), FIXTURE_ROWS, "the new profile's row");
    struct pdb_value value;
    pdb_client_profile_value(profile, 3, &value); /* age */
    cr_assert_eq(value.type, PDB_TYPE_INT);
    cr_assert_eq(value.int_value, 33);
    pdb_client_profile_destroy(profile);
    cr_assert_eq(pdb_client_get_by_key(readers[2], "customer_id", "C1", &profile, &error), PDB_OK,
                 "%s", error.message);
    pdb_client_profile_value(profile, 3, &value);
    cr_assert_eq(value.int_value, 99);
    pdb_client_profile_destroy(profile);
    for (int r = 0; r < 3; r++) pdb_client_close(readers[r]);
    pdb_client_close(writer);
}

Test(server_upsert, a_reader_is_refused_and_changes_nothing)
{
    fixture_start_keyed(true, writable);
    struct pdb_client *reader = client_open(TOKEN_READER);
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    const char *record = "{\"customer_id\": \"R1\", \"country\": \"JP\"}\n";
    cr_assert_eq(pdb_client_upsert(reader, record, strlen(record), &result, NULL, NULL, &error),
                 PDB_ERR_DENIED);
    cr_assert(strstr(error.message, "role reader may not send UPSERT") != NULL, "%s", error.message);
    cr_assert_eq(remote_count(reader, "true"), FIXTURE_ROWS, "the connection stays usable");
    cr_assert_eq(remote_count(reader, "country = 'JP'"), 0u);
    pdb_client_close(reader);
}

Test(server_upsert, a_read_only_server_answers_unsupported)
{
    fixture_start(NULL);
    struct pdb_client *writer = client_open(TOKEN_WRITER);
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    const char *record = "{\"customer_id\": \"R1\"}\n";
    cr_assert_eq(pdb_client_upsert(writer, record, strlen(record), &result, NULL, NULL, &error),
                 PDB_ERR_UNSUPPORTED);
    cr_assert(strstr(error.message, "--writable") != NULL, "%s", error.message);
    pdb_client_close(writer);
}

Test(server_upsert, each_rejected_record_is_reported_with_its_index_and_reason)
{
    fixture_start_keyed(true, writable);
    struct pdb_client *writer = client_open(TOKEN_ADMIN);
    struct pdb_upsert_result result;
    struct rejects rejects = {0};
    upsert(writer,
           "{\"customer_id\": \"G0\", \"age\": 1}\n"
           "{\"customer_id\": \"G1\", \"age\": \"old\"}\n"
           "{\"customer_id\": \"G2\", \"age\": 2}\n"
           "{\"customer_id\": \"G3\", \"shoe_size\": 44}\n"
           "not json\n"
           "{\"customer_id\": \"G5\", \"age\": 5}\n",
           &result, &rejects);
    cr_assert_eq(result.rows_inserted, 3u);
    cr_assert_eq(result.rows_rejected, 3u);
    cr_assert_eq(rejects.count, 3u);
    cr_assert_eq(rejects.indexes[0], 1u);
    cr_assert(strstr(rejects.messages[0], "age") != NULL, "%s", rejects.messages[0]);
    cr_assert_eq(rejects.indexes[1], 3u);
    cr_assert(strstr(rejects.messages[1], "shoe_size") != NULL, "%s", rejects.messages[1]);
    cr_assert_eq(rejects.indexes[2], 4u);
    cr_assert_eq(remote_count(writer, "customer_id IN ('G0', 'G2', 'G5')"), 3u);
    cr_assert_eq(remote_count(writer, "customer_id IN ('G1', 'G3')"), 0u);
    /* A batch that is wholly rejected logs nothing. */
    rejects.count = 0;
    upsert(writer, "{\"age\": \"x\"}\n", &result, &rejects);
    cr_assert_eq(result.lsn, 0u);
    cr_assert_eq(rejects.count, 1u);
    cr_assert_eq(rejects.indexes[0], 0u);
    pdb_client_close(writer);
}

#define WRITERS 4
#define BATCHES 20
#define RECORDS 10

struct writer_run {
    int number;
    uint32_t rejected_ok; /* batches whose one reject came back with index 7 */
    uint64_t inserted;
};

static void *write_batches(void *argument)
{
    struct writer_run *run = argument;
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    if (pdb_client_connect(fixture.address, TOKEN_WRITER, NULL, &client, &error) != PDB_OK)
        return NULL;
    char text[4096];
    for (int b = 0; b < BATCHES; b++) {
        size_t used = 0;
        for (int r = 0; r < RECORDS; r++) {
            if (r == 7) /* one bad record per batch, at an index that differs from the others' */
                used += (size_t)snprintf(text + used, sizeof text - used,
                                         "{\"customer_id\": \"W%d-%d-%d\", \"age\": \"bad\"}\n",
                                         run->number, b, r);
            else
                used += (size_t)snprintf(text + used, sizeof text - used,
                                         "{\"customer_id\": \"W%d-%d-%d\", \"country\": \"W%d\"}\n",
                                         run->number, b, r, run->number);
        }
        struct pdb_upsert_result result;
        struct rejects rejects = {0};
        if (pdb_client_upsert(client, text, used, &result, collect_reject, &rejects, &error) !=
            PDB_OK)
            break;
        run->inserted += result.rows_inserted;
        if (rejects.count == 1 && rejects.indexes[0] == 7 && result.rows_rejected == 1)
            run->rejected_ok++;
    }
    pdb_client_close(client);
    return NULL;
}

Test(server_upsert, concurrent_upserts_from_several_clients_are_all_present)
{
    fixture_start_keyed(true, writable);
    pthread_t threads[WRITERS];
    struct writer_run runs[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        runs[w] = (struct writer_run){.number = w};
        cr_assert_eq(pthread_create(&threads[w], NULL, write_batches, &runs[w]), 0);
    }
    for (int w = 0; w < WRITERS; w++) pthread_join(threads[w], NULL);
    struct pdb_client *reader = client_open(TOKEN_READER);
    for (int w = 0; w < WRITERS; w++) {
        cr_assert_eq(runs[w].inserted, (uint64_t)BATCHES * (RECORDS - 1), "writer %d", w);
        cr_assert_eq(runs[w].rejected_ok, (uint32_t)BATCHES, "writer %d: its own rejects", w);
        char segment[64];
        snprintf(segment, sizeof segment, "country = 'W%d'", w);
        cr_assert_eq(remote_count(reader, segment), (uint64_t)BATCHES * (RECORDS - 1), "%s",
                     segment);
    }
    cr_assert_eq(remote_count(reader, "true"),
                 FIXTURE_ROWS + (uint64_t)WRITERS * BATCHES * (RECORDS - 1));
    pdb_client_close(reader);
}

Test(server_upsert, stopping_checkpoints_and_a_reopened_handle_sees_every_record)
{
    fixture_start_keyed(true, writable);
    struct pdb_client *writer = client_open(TOKEN_WRITER);
    struct pdb_upsert_result result;
    struct rejects rejects = {0};
    upsert(writer, "{\"customer_id\": \"S1\", \"country\": \"JP\"}\n", &result, &rejects);
    upsert(writer, "{\"customer_id\": \"C2\", \"country\": \"JP\"}\n", &result, &rejects);
    cr_assert_eq(result.rows_updated, 1u);
    pdb_client_close(writer);
    /* What SIGTERM does (server.c): drain, then stop the workers, which checkpoints. */
    server_stop(fixture.server);
    fixture_join_server();
    server_destroy(fixture.server);
    fixture.server = NULL;
    char wal[256];
    snprintf(wal, sizeof wal, "%s/wal.log", fixture.db_path);
    struct stat info;
    cr_assert(stat(wal, &info) != 0 || info.st_size <= 64, "the log is trimmed (%lld bytes)",
              (long long)info.st_size);
    struct pdb_db *db;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(fixture.db_path, &db, &error), PDB_OK, "%s", error.message);
    uint64_t count = 0;
    cr_assert_eq(pdb_segment_count(db, "country = 'JP'", &count, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(count, 2u);
    cr_assert_eq(pdb_db_row_count(db), FIXTURE_ROWS + 1u);
    pdb_db_close(db);
}

Test(server_upsert, saved_segments_still_work_on_a_writable_server_and_see_upserts)
{
    fixture_start_keyed(true, writable);
    struct pdb_client *writer = client_open(TOKEN_WRITER);
    struct pdb_client *reader = client_open(TOKEN_READER);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_segment_save(writer, "jp", "country = 'JP'", &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(remote_count(reader, "segment('jp')"), 0u);
    struct pdb_upsert_result result;
    struct rejects rejects = {0};
    upsert(writer, "{\"customer_id\": \"J1\", \"country\": \"JP\"}\n", &result, &rejects);
    cr_assert_eq(remote_count(reader, "segment('jp')"), 1u);
    cr_assert_eq(pdb_client_segment_save(writer, "jp_or_de", "segment('jp') OR country = 'DE'",
                                         &error),
                 PDB_OK, "%s", error.message);
    upsert(writer, "{\"customer_id\": \"J2\", \"country\": \"JP\"}\n", &result, &rejects);
    cr_assert_eq(remote_count(reader, "segment('jp_or_de')"), 2u + FIXTURE_ROWS / 4);
    struct pdb_stats stats;
    cr_assert_eq(pdb_client_stats(reader, &stats, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(stats.row_count, FIXTURE_ROWS + 2u);
    pdb_client_stats_deinit(&stats);
    pdb_client_close(reader);
    pdb_client_close(writer);
}
