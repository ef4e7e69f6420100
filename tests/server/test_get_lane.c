/*
 * Tests for the GET lane (engine/server/worker.c): on a read-only server GETs are answered by
 * a worker of their own, so a GET does not wait while the request workers are busy. The one
 * request worker is held here deterministically: the test takes the server's saved-segment
 * lock (server->change_mutex) and sends a SEGMENT_SAVE, which the worker takes and then waits
 * on, as a long COUNT batch would hold it. GETs must still be answered, and answered right.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "profiledb/client.h"
#include "server/server_internal.h"
#include "server_fixture.h"

TestSuite(server_get_lane, .fini = fixture_stop);

static bool has_lane = true;

static void one_worker(struct server_options *options)
{
    options->worker_count = 1;
    options->has_get_lane = has_lane;
}

static uint32_t queued(void)
{
    pthread_mutex_lock(&fixture.server->queue_mutex);
    uint32_t size = fixture.server->rings[LANE_GENERAL].size;
    pthread_mutex_unlock(&fixture.server->queue_mutex);
    return size;
}

/* Holds the request worker; returns the connection whose SEGMENT_SAVE it waits on. */
static int hold_the_worker(void)
{
    pthread_mutex_lock(&fixture.server->change_mutex);
    int fd = raw_connect();
    raw_hello(fd, TOKEN_ADMIN);
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_segment_save_request request = {.name = {"held", 4},
                                                    .segment = {"age > 3", 7}};
    cr_assert_eq(protocol_segment_save_request_encode(&payload, &request), 0);
    raw_send_frame(fd, PROTOCOL_OP_SEGMENT_SAVE, 7, payload.data, payload.size);
    buffer_deinit(&payload);
    struct server_counters counters;
    do { /* the frame reached the queue, then the worker took it */
        server_counters_get(fixture.server, &counters);
        usleep(1000);
    } while (counters.requests < 2 || queued() > 0);
    return fd;
}

/* GETs by key on another connection while the worker is held; false when one timed out. */
static bool gets_answered(void)
{
    struct pdb_client_options options = {.timeout_ms = 3000};
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, TOKEN_READER, &options, &client, &error),
                 PDB_OK, "%s", error.message);
    bool is_answered = true;
    for (uint32_t k = 1; k <= 50 && is_answered; k++) {
        char key[32];
        snprintf(key, sizeof key, "C%u", k * 17 % FIXTURE_ROWS);
        struct pdb_client_profile *profile = NULL;
        if (pdb_client_get_by_key(client, "customer_id", key, &profile, &error) != PDB_OK) {
            is_answered = false;
            break;
        }
        uint32_t expected = 0;
        cr_assert_eq(pdb_profile_find(fixture.db, "customer_id", key, &expected, &error), PDB_OK);
        cr_assert_eq(pdb_client_profile_row_id(profile), expected, "%s", key);
        pdb_client_profile_destroy(profile);
    }
    pdb_client_close(client);
    return is_answered;
}

static void release_the_worker(int fd)
{
    pthread_mutex_unlock(&fixture.server->change_mutex);
    struct buffer frame;
    buffer_init(&frame);
    struct frame_header header;
    cr_assert(raw_read_frame(fd, &frame, &header));
    cr_assert_eq(header.opcode, PROTOCOL_OP_SEGMENT_SAVE, "the held request completes");
    buffer_deinit(&frame);
    close(fd);
}

Test(server_get_lane, a_get_is_answered_while_the_request_worker_is_held)
{
    has_lane = true;
    fixture_start(one_worker);
    int fd = hold_the_worker();
    bool is_answered = gets_answered();
    release_the_worker(fd);
    cr_assert(is_answered, "a GET waited behind the held worker");
}

Test(server_get_lane, without_the_lane_a_get_waits_behind_the_held_worker)
{
    /* The control: the same hold, --no-get-lane. */
    has_lane = false;
    fixture_start(one_worker);
    int fd = hold_the_worker();
    bool is_answered = gets_answered();
    release_the_worker(fd);
    cr_assert_not(is_answered, "the hold did not hold: the other test proves nothing");
}
