/*
 * Tests for the server's analysis requests over loopback (engine/server/worker_analysis.c and
 * IDS form 1 in worker.c), driven through the network client: BREAKDOWN, OVERLAP and the IDS
 * bitmap equal the embedded engine's answers on the same database (the bitmap byte for byte,
 * and its decoded rows equal the id list); saved segments saved on one connection are usable
 * on others (other workers) inside other segments, a reader may list but not save or drop,
 * and every engine error arrives with the embedded status and message. Malformed payloads
 * get BAD_REQUEST and the connection stays open.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/index_bitmap.h"
#include "server/server_internal.h"
#include "profiledb/client.h"
#include "server_fixture.h"

TestSuite(server_analysis, .fini = fixture_stop, .timeout = 300);

static struct pdb_client *client_open(const char *token)
{
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_connect(fixture.address, token, NULL, &client, &error), PDB_OK, "%s",
                 error.message);
    return client;
}

static void assert_breakdowns_equal(const struct pdb_breakdown *remote,
                                    const struct pdb_breakdown *local, const char *what)
{
    cr_assert_eq(remote->segment_count, local->segment_count, "%s", what);
    cr_assert_eq(remote->null_count, local->null_count, "%s", what);
    cr_assert_eq(remote->value_count, local->value_count, "%s", what);
    cr_assert_eq(remote->entry_count, local->entry_count, "%s", what);
    for (uint32_t i = 0; i < local->entry_count; i++) {
        cr_assert_eq(remote->entries[i].count, local->entries[i].count, "%s [%u]", what, i);
        cr_assert_eq(remote->entries[i].value_size, local->entries[i].value_size, "%s", what);
        cr_assert_eq(memcmp(remote->entries[i].value, local->entries[i].value,
                            local->entries[i].value_size),
                     0, "%s [%u]", what, i);
    }
}

Test(server_analysis, breakdown_equals_the_embedded_engine)
{
    fixture_start(NULL);
    struct pdb_client *client = client_open(TOKEN_READER);
    static const char *const segments[] = {"true", "false", "age > 40", "interests HAS 'yoga'"};
    static const char *const attributes[] = {"country", "interests"};
    static const uint32_t limits[] = {0, 1, 3};
    for (size_t s = 0; s < 4; s++)
        for (size_t a = 0; a < 2; a++)
            for (size_t l = 0; l < 3; l++) {
                struct pdb_error error = {0};
                struct pdb_breakdown remote, local;
                cr_assert_eq(pdb_client_breakdown(client, segments[s], attributes[a], 0,
                                                  limits[l], &remote, &error),
                             PDB_OK, "%s", error.message);
                cr_assert_eq(pdb_segment_breakdown(fixture.db, segments[s], attributes[a],
                                                   limits[l], &local, &error),
                             PDB_OK);
                assert_breakdowns_equal(&remote, &local, segments[s]);
                pdb_client_breakdown_deinit(&remote);
                pdb_breakdown_deinit(&local);
            }
    /* Errors: the embedded status and message. */
    struct pdb_breakdown breakdown;
    struct pdb_error remote_error = {0}, local_error = {0};
    cr_assert_eq(pdb_client_breakdown(client, "true", "contry", 0, 0, &breakdown, &remote_error),
                 PDB_ERR_NOT_FOUND);
    cr_assert_eq(pdb_segment_breakdown(fixture.db, "true", "contry", 0, &breakdown, &local_error),
                 PDB_ERR_NOT_FOUND);
    cr_assert_str_eq(remote_error.message, local_error.message);
    cr_assert_eq(pdb_client_breakdown(client, "true", "age", 0, 0, &breakdown, &remote_error),
                 PDB_ERR_USAGE);
    cr_assert_eq(pdb_client_breakdown(client, "age >", "country", 0, 0, &breakdown, &remote_error),
                 PDB_ERR_SEGMENT);
    cr_assert_eq(pdb_client_ping(client, &remote_error), PDB_OK, "the connection survives");
    pdb_client_close(client);
}

Test(server_analysis, overlap_equals_the_embedded_engine)
{
    fixture_start(NULL);
    struct pdb_client *client = client_open(TOKEN_READER);
    static const char *const segments[] = {"country = 'US'", "age > 40", "interests HAS 'run'",
                                           "true", "false"};
    for (uint32_t n = 1; n <= 5; n++) {
        uint64_t remote[25], local[25];
        struct pdb_error error = {0};
        cr_assert_eq(pdb_client_overlap(client, segments, n, 0, remote, &error), PDB_OK, "%s",
                     error.message);
        cr_assert_eq(pdb_segment_overlap(fixture.db, segments, n, local, &error), PDB_OK);
        cr_assert_eq(memcmp(remote, local, n * n * sizeof *local), 0, "n = %u", n);
    }
    /* The largest request: 64 segments. */
    static const char *many[PDB_OVERLAP_SEGMENTS_MAX];
    for (uint32_t i = 0; i < PDB_OVERLAP_SEGMENTS_MAX; i++) many[i] = segments[i % 5];
    static uint64_t remote_many[64 * 64], local_many[64 * 64];
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_overlap(client, many, 64, 0, remote_many, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(pdb_segment_overlap(fixture.db, many, 64, local_many, &error), PDB_OK);
    cr_assert_eq(memcmp(remote_many, local_many, sizeof local_many), 0);
    /* Errors. */
    uint64_t untouched[4] = {7, 7, 7, 7};
    static const char *const bad[] = {"true", "age >"};
    struct pdb_error local_error = {0};
    cr_assert_eq(pdb_client_overlap(client, bad, 2, 0, untouched, &error), PDB_ERR_SEGMENT);
    cr_assert_eq(pdb_segment_overlap(fixture.db, bad, 2, untouched, &local_error),
                 PDB_ERR_SEGMENT);
    cr_assert_str_eq(error.message, local_error.message);
    cr_assert(strstr(error.message, "segment 2: ") == error.message, "%s", error.message);
    cr_assert_eq(untouched[0], 7u, "the matrix is written only on success");
    cr_assert_eq(pdb_client_overlap(client, bad, 0, 0, untouched, &error), PDB_ERR_LIMIT);
    cr_assert_eq(pdb_client_overlap(client, many, 65, 0, untouched, &error), PDB_ERR_LIMIT);
    cr_assert_eq(pdb_client_ping(client, &error), PDB_OK);
    pdb_client_close(client);
}

struct id_list {
    uint32_t ids[FIXTURE_ROWS];
    uint32_t count;
};

static bool collect(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    list->ids[list->count++] = row_id;
    return true;
}

Test(server_analysis, ids_bitmap_is_the_embedded_bitmap_and_holds_the_ids)
{
    fixture_start(NULL);
    struct pdb_client *client = client_open(TOKEN_READER);
    static const char *const segments[] = {"true", "false", "country IN ('US', 'CA')",
                                           "age IS NULL", "interests HAS 'run'"};
    static const uint64_t limits[] = {0, 1, 10};
    for (size_t s = 0; s < 5; s++)
        for (size_t l = 0; l < 3; l++) {
            struct pdb_error error = {0};
            uint8_t *remote, *local;
            size_t remote_size, local_size;
            uint64_t remote_count, local_count;
            cr_assert_eq(pdb_client_ids_bitmap(client, segments[s], 0, limits[l], &remote,
                                               &remote_size, &remote_count, &error),
                         PDB_OK, "%s", error.message);
            cr_assert_eq(pdb_segment_bitmap(fixture.db, segments[s], limits[l], &local,
                                            &local_size, &local_count, &error),
                         PDB_OK);
            cr_assert_eq(remote_count, local_count);
            cr_assert_eq(remote_size, local_size);
            cr_assert_eq(memcmp(remote, local, local_size), 0, "%s: the same bytes", segments[s]);
            /* The bitmap holds exactly the ids the engine lists. */
            static struct id_list ids;
            ids.count = 0;
            cr_assert_eq(pdb_segment_ids(fixture.db, segments[s], limits[l], collect, &ids,
                                         &error),
                         PDB_OK);
            struct index_bitmap *bitmap = NULL;
            cr_assert_eq(index_bitmap_deserialize(remote, remote_size, FIXTURE_ROWS, &bitmap,
                                                  &error),
                         PDB_OK, "%s", error.message);
            cr_assert_eq(index_bitmap_cardinality(bitmap), ids.count);
            cr_assert_eq(remote_count, ids.count);
            for (uint32_t i = 0; i < ids.count; i++)
                cr_assert(index_bitmap_contains(bitmap, ids.ids[i]));
            index_bitmap_destroy(bitmap);
            pdb_client_bitmap_destroy(remote);
            pdb_bitmap_destroy(local);
        }
    uint8_t *bytes;
    size_t size;
    uint64_t count;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_ids_bitmap(client, "contry = 'US'", 0, 0, &bytes, &size, &count,
                                       &error),
                 PDB_ERR_SEGMENT);
    cr_assert(strstr(error.message, "did you mean 'country'") != NULL, "%s", error.message);
    cr_assert_eq(pdb_client_ping(client, &error), PDB_OK);
    pdb_client_close(client);
}

struct saved_list {
    char names[8][80];
    char texts[8][200];
    uint32_t count;
};

static bool collect_saved(void *context, const char *name, const char *segment)
{
    struct saved_list *list = context;
    cr_assert_lt(list->count, 8u);
    snprintf(list->names[list->count], sizeof list->names[0], "%s", name);
    snprintf(list->texts[list->count], sizeof list->texts[0], "%s", segment);
    list->count++;
    return true;
}

static uint64_t local_count(const char *segment)
{
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(fixture.db, segment, &count, &error), PDB_OK, "%s",
                 error.message);
    return count;
}

Test(server_analysis, saved_segments_are_shared_by_every_connection_and_guarded_by_role)
{
    fixture_start(NULL);
    struct pdb_client *writer = client_open(TOKEN_WRITER);
    struct pdb_client *reader = client_open(TOKEN_READER);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_segment_save(writer, "us", "country = 'US'", &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(pdb_client_segment_save(writer, "us_old", "segment('us') AND age > 40", &error),
                 PDB_OK, "%s", error.message);
    /* Used inside other segments, on other connections (each request may run on either of
     * the two workers): the counts the embedded engine gives for the same saved set. */
    for (int round = 0; round < 6; round++) {
        uint64_t count = 0;
        cr_assert_eq(pdb_client_count(reader, "segment('us_old') OR country = 'DE'", 0, &count,
                                      &error),
                     PDB_OK, "%s", error.message);
        cr_assert_eq(count, local_count("segment('us_old') OR country = 'DE'"));
        cr_assert_neq(count, local_count("country = 'DE'"), "the saved segment adds profiles");
    }
    struct pdb_breakdown breakdown;
    cr_assert_eq(pdb_client_breakdown(reader, "segment('us')", "country", 0, 0, &breakdown,
                                      &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(breakdown.entry_count, 1u);
    cr_assert_eq(memcmp(breakdown.entries[0].value, "US", 2), 0);
    pdb_client_breakdown_deinit(&breakdown);
    /* A reader lists, but may not save or drop. */
    static struct saved_list list;
    list.count = 0;
    cr_assert_eq(pdb_client_segment_list(reader, collect_saved, &list, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(list.count, 2u);
    cr_assert_str_eq(list.names[0], "us");
    cr_assert_str_eq(list.texts[0], "country = 'US'");
    cr_assert_str_eq(list.names[1], "us_old");
    cr_assert_str_eq(list.texts[1], "segment('us') AND age > 40");
    cr_assert_eq(pdb_client_segment_save(reader, "mine", "true", &error), PDB_ERR_DENIED);
    cr_assert(strstr(error.message, "role reader may not send SEGMENT_SAVE") != NULL, "%s",
              error.message);
    cr_assert_eq(pdb_client_segment_drop(reader, "us", &error), PDB_ERR_DENIED);
    list.count = 0;
    cr_assert_eq(pdb_client_segment_list(reader, collect_saved, &list, &error), PDB_OK);
    cr_assert_eq(list.count, 2u, "nothing changed");
    /* Engine errors, as the embedded calls give them. */
    cr_assert_eq(pdb_client_segment_save(writer, "us", "segment('us_old')", &error),
                 PDB_ERR_SEGMENT, "a cycle");
    cr_assert(strstr(error.message, "cycle") != NULL, "%s", error.message);
    cr_assert_eq(pdb_client_segment_save(writer, "no spaces", "true", &error), PDB_ERR_USAGE);
    cr_assert_eq(pdb_client_segment_save(writer, "x", "age >", &error), PDB_ERR_SEGMENT);
    cr_assert_eq(pdb_client_segment_drop(writer, "uss", &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "did you mean 'us'") != NULL, "%s", error.message);
    /* Drop: segments using it fail from then on, on every connection. */
    cr_assert_eq(pdb_client_segment_drop(writer, "us", &error), PDB_OK, "%s", error.message);
    for (int round = 0; round < 4; round++) {
        uint64_t count;
        cr_assert_eq(pdb_client_count(reader, "segment('us_old')", 0, &count, &error),
                     PDB_ERR_SEGMENT);
        cr_assert(strstr(error.message, "unknown saved segment 'us'") != NULL, "%s",
                  error.message);
    }
    list.count = 0;
    cr_assert_eq(pdb_client_segment_list(reader, collect_saved, &list, &error), PDB_OK);
    cr_assert_eq(list.count, 1u);
    cr_assert_str_eq(list.names[0], "us_old");
    /* The admin may change them too, and the embedded handle sees the same file. */
    struct pdb_client *admin = client_open(TOKEN_ADMIN);
    cr_assert_eq(pdb_client_segment_drop(admin, "us_old", &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_segment_check(fixture.db, "segment('us_old')", &error), PDB_ERR_SEGMENT);
    pdb_client_close(admin);
    pdb_client_close(reader);
    pdb_client_close(writer);
}

static void writers_race(struct pdb_client *client, const char *prefix)
{
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s%d", prefix, i);
        struct pdb_error error = {0};
        cr_assert_eq(pdb_client_segment_save(client, name, "age > 30", &error), PDB_OK,
                     "%s: %s", name, error.message);
    }
}

Test(server_analysis, pipelined_saves_on_two_workers_never_refuse_each_other)
{
    fixture_start(NULL);
    /* Pipelined on one connection: both workers take saves at once. */
    int fd = raw_connect();
    raw_hello(fd, TOKEN_WRITER);
    struct buffer payload, frame;
    buffer_init(&payload);
    buffer_init(&frame);
    for (uint64_t i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%u", (unsigned)i);
        struct protocol_segment_save_request request = {{name, (uint32_t)strlen(name)},
                                                        {"country = 'FR'", 14}};
        buffer_reset(&payload);
        protocol_segment_save_request_encode(&payload, &request);
        raw_send_frame(fd, PROTOCOL_OP_SEGMENT_SAVE, 100 + i, payload.data, payload.size);
    }
    for (int i = 0; i < 16; i++) {
        struct frame_header header;
        cr_assert(raw_read_frame(fd, &frame, &header));
        cr_assert_eq(header.opcode, PROTOCOL_OP_SEGMENT_SAVE, "request %llu answered 0x%02x",
                     (unsigned long long)header.request_id, header.opcode);
        cr_assert_eq(header.frame_size, PDB_FRAME_SIZE_MIN, "an empty payload");
    }
    close(fd);
    struct pdb_client *a = client_open(TOKEN_WRITER);
    writers_race(a, "q");
    pdb_client_close(a);
    struct pdb_client *reader = client_open(TOKEN_READER);
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_count(reader, "segment('p15') AND segment('q19')", 0, &count, &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(count, local_count("country = 'FR' AND age > 30"));
    pdb_client_close(reader);
    buffer_deinit(&payload);
    buffer_deinit(&frame);
}

Test(server_analysis, malformed_payloads_are_bad_requests_and_keep_the_connection)
{
    fixture_start(NULL);
    int fd = raw_connect();
    raw_hello(fd, TOKEN_WRITER);
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_breakdown_request breakdown = {.segment = {"true", 4},
                                                   .attribute = {"country", 7}};
    protocol_breakdown_request_encode(&payload, &breakdown);
    payload.data[12] = 1; /* the reserved u32 */
    raw_send_frame(fd, PROTOCOL_OP_BREAKDOWN, 2, payload.data, payload.size);
    raw_expect_error(fd, 2, PROTOCOL_ERROR_BAD_REQUEST);
    raw_send_frame(fd, PROTOCOL_OP_BREAKDOWN, 3, NULL, 0);
    raw_expect_error(fd, 3, PROTOCOL_ERROR_BAD_REQUEST);
    /* OVERLAP with 0 and with 65 segments. */
    buffer_reset(&payload);
    protocol_put_u64(&payload, 0);
    protocol_put_u32(&payload, 0);
    raw_send_frame(fd, PROTOCOL_OP_OVERLAP, 4, payload.data, payload.size);
    raw_expect_error(fd, 4, PROTOCOL_ERROR_BAD_REQUEST);
    buffer_reset(&payload);
    protocol_put_u64(&payload, 0);
    protocol_put_u32(&payload, PDB_OVERLAP_SEGMENTS_MAX + 1);
    for (uint32_t i = 0; i <= PDB_OVERLAP_SEGMENTS_MAX; i++) protocol_put_string(&payload, "true", 4);
    raw_send_frame(fd, PROTOCOL_OP_OVERLAP, 5, payload.data, payload.size);
    raw_expect_error(fd, 5, PROTOCOL_ERROR_BAD_REQUEST);
    /* OVERLAP announcing 2 segments with 1 present. */
    buffer_reset(&payload);
    protocol_put_u64(&payload, 0);
    protocol_put_u32(&payload, 2);
    protocol_put_string(&payload, "true", 4);
    raw_send_frame(fd, PROTOCOL_OP_OVERLAP, 6, payload.data, payload.size);
    raw_expect_error(fd, 6, PROTOCOL_ERROR_BAD_REQUEST);
    raw_send_frame(fd, PROTOCOL_OP_SEGMENT_LIST, 7, "x", 1);
    raw_expect_error(fd, 7, PROTOCOL_ERROR_BAD_REQUEST);
    /* A name over 64 bytes, and a save with no segment. */
    buffer_reset(&payload);
    char long_name[80];
    memset(long_name, 'a', sizeof long_name);
    protocol_put_string(&payload, long_name, sizeof long_name);
    raw_send_frame(fd, PROTOCOL_OP_SEGMENT_DROP, 8, payload.data, payload.size);
    raw_expect_error(fd, 8, PROTOCOL_ERROR_BAD_REQUEST);
    buffer_reset(&payload);
    protocol_put_string(&payload, "ok", 2);
    raw_send_frame(fd, PROTOCOL_OP_SEGMENT_SAVE, 9, payload.data, payload.size);
    raw_expect_error(fd, 9, PROTOCOL_ERROR_BAD_REQUEST);
    /* A valid DROP of an unknown name is NOT_FOUND. */
    raw_send_frame(fd, PROTOCOL_OP_SEGMENT_DROP, 10, payload.data, payload.size);
    raw_expect_error(fd, 10, PROTOCOL_ERROR_NOT_FOUND);
    raw_send_frame(fd, PROTOCOL_OP_PING, 11, "alive", 5);
    struct frame_header header;
    cr_assert(raw_read_frame(fd, &payload, &header));
    cr_assert_eq(header.opcode, PROTOCOL_OP_PING);
    buffer_deinit(&payload);
    close(fd);
}

/* The batch path itself (worker_count_batch.c), driven directly on a worker with the
 * fixture's embedded handle and a connection nobody reads: 16 COUNT jobs, among them bad
 * segments, a malformed payload and another now_s, answered from one pass. Every answer must
 * be its own request's, as pdb_segment_count gives it. */
Test(server_analysis, a_count_batch_gives_every_request_its_own_answer)
{
    fixture_start(NULL);
    static const char *const segments[] = {"country = 'US'", "age > 40", "age >", "true",
                                           "interests HAS 'run' AND age < 30", "contry = 'x'",
                                           "false", "country IN ('DE', 'FR')"};
    enum { SEGMENTS = sizeof segments / sizeof segments[0], JOBS = PDB_SERVER_COUNT_BATCH_MAX };
    static struct server server;
    server.options.deadline_ms = 30000;
    struct connection connection = {.fd = -1};
    pthread_mutex_init(&connection.mutex, NULL);
    buffer_init(&connection.output);
    struct worker worker = {.server = &server, .db = fixture.db};
    buffer_init(&worker.frame);
    struct job *jobs[JOBS];
    struct buffer payload;
    buffer_init(&payload);
    for (uint32_t i = 0; i < JOBS; i++) {
        buffer_reset(&payload);
        if (i == 13) {
            buffer_append(&payload, "\1\2\3", 3); /* malformed */
        } else {
            const char *segment = segments[i % SEGMENTS];
            struct protocol_segment_request request = {i == 9 ? 1700000000 : 0,
                                                       {segment, (uint32_t)strlen(segment)}};
            protocol_segment_request_encode(&payload, &request);
        }
        jobs[i] = calloc(1, sizeof *jobs[i] + payload.size);
        *jobs[i] = (struct job){.connection = &connection,
                                .request_id = 1000 + i,
                                .deadline_ms = UINT64_MAX,
                                .opcode = PROTOCOL_OP_COUNT,
                                .role = PROTOCOL_ROLE_READER,
                                .payload_size = (uint32_t)payload.size};
        memcpy(jobs[i]->payload, payload.data, payload.size);
    }
    worker_run_count_batch(&worker, jobs, JOBS);
    bool is_answered[JOBS] = {false};
    size_t offset = 0;
    for (int r = 0; r < JOBS; r++) {
        struct frame_header header;
        enum protocol_error code;
        const char *why;
        cr_assert_eq(protocol_frame_check(connection.output.data + offset,
                                          connection.output.size - offset,
                                          PDB_RESPONSE_FRAME_SIZE_MAX, true, &header, &code, &why),
                     FRAME_READY, "answer %d", r);
        const uint8_t *body = connection.output.data + offset + PDB_FRAME_HEADER_SIZE;
        uint32_t body_size = header.frame_size - PDB_FRAME_SIZE_MIN;
        offset += header.frame_size;
        uint64_t i = header.request_id - 1000;
        cr_assert_lt(i, (uint64_t)JOBS);
        cr_assert_not(is_answered[i], "request %llu answered twice", (unsigned long long)i);
        is_answered[i] = true;
        const char *segment = segments[i % SEGMENTS];
        uint64_t local = 0;
        enum pdb_status status = pdb_segment_count(fixture.db, segment, &local, NULL);
        struct protocol_error_response error;
        if (i == 13 || status != PDB_OK) {
            cr_assert_eq(header.opcode, PROTOCOL_OP_ERROR, "%s", segment);
            cr_assert(protocol_error_response_decode(body, body_size, &error));
            cr_assert_eq(error.code, i == 13 ? PROTOCOL_ERROR_BAD_REQUEST : PROTOCOL_ERROR_SEGMENT,
                         "request %llu", (unsigned long long)i);
        } else {
            cr_assert_eq(header.opcode, PROTOCOL_OP_COUNT, "%s", segment);
            uint64_t remote;
            cr_assert(protocol_count_response_decode(body, body_size, &remote));
            cr_assert_eq(remote, local, "request %llu: %s", (unsigned long long)i, segment);
        }
    }
    cr_assert_eq(offset, connection.output.size, "one answer each, nothing more");
    for (uint32_t i = 0; i < JOBS; i++) free(jobs[i]);
    buffer_deinit(&payload);
    buffer_deinit(&worker.frame);
    buffer_deinit(&connection.output);
    pthread_mutex_destroy(&connection.mutex);
}

/* Over the network: pipelined COUNTs (batched whenever they wait together) still get their
 * own answers. */
Test(server_analysis, pipelined_counts_get_their_own_answers)
{
    fixture_start(NULL);
    int fd = raw_connect();
    raw_hello(fd, TOKEN_READER);
    static const char *const segments[] = {"country = 'US'", "age > 40", "age >", "true",
                                           "false", "country IN ('DE', 'FR')"};
    enum { REQUESTS = 60 };
    struct buffer frames, frame;
    buffer_init(&frames);
    buffer_init(&frame);
    for (uint64_t i = 0; i < REQUESTS; i++) {
        const char *segment = segments[i % 6];
        size_t start = protocol_frame_begin(&frames, PROTOCOL_OP_COUNT, 0, 1000 + i);
        struct protocol_segment_request request = {0, {segment, (uint32_t)strlen(segment)}};
        protocol_segment_request_encode(&frames, &request);
        cr_assert_eq(protocol_frame_end(&frames, start, PDB_REQUEST_FRAME_SIZE_DEFAULT), 0);
    }
    raw_send(fd, frames.data, frames.size);
    for (int r = 0; r < REQUESTS; r++) {
        struct frame_header header;
        cr_assert(raw_read_frame(fd, &frame, &header));
        uint64_t i = header.request_id - 1000;
        uint64_t local = 0;
        if (pdb_segment_count(fixture.db, segments[i % 6], &local, NULL) != PDB_OK) {
            cr_assert_eq(header.opcode, PROTOCOL_OP_ERROR);
            continue;
        }
        uint64_t remote;
        cr_assert_eq(header.opcode, PROTOCOL_OP_COUNT);
        cr_assert(protocol_count_response_decode(frame.data + 16, frame.size - 20, &remote));
        cr_assert_eq(remote, local);
    }
    buffer_deinit(&frames);
    buffer_deinit(&frame);
    close(fd);
}

static void no_batches(struct server_options *options)
{
    options->worker_count = 1;
    options->count_batch_max = 1;
}

Test(server_analysis, count_batches_can_be_turned_off)
{
    fixture_start(no_batches);
    struct pdb_client *client = client_open(TOKEN_READER);
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_client_count(client, "country = 'US'", 0, &count, &error), PDB_OK);
    cr_assert_eq(count, local_count("country = 'US'"));
    pdb_client_close(client);
    struct server_options options;
    server_options_init(&options);
    options.db_path = fixture.db_path;
    options.listen_address = "127.0.0.1:0";
    options.count_batch_max = PDB_SERVER_COUNT_BATCH_MAX + 1;
    struct server *server = NULL;
    cr_assert_eq(server_create(&options, &server, &error), PDB_ERR_USAGE);
    cr_assert(strstr(error.message, "count batch must be 1..16") != NULL, "%s", error.message);
}
