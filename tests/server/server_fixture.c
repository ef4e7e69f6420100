/*
 * The server test fixture (see server_fixture.h).
 */
#include "server_fixture.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>

struct fixture fixture;
static pthread_t server_thread;

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
}

static void *run_server(void *argument)
{
    (void)argument;
    struct pdb_error error = {0};
    server_run(fixture.server, &error);
    return NULL;
}

void fixture_start(void (*adjust)(struct server_options *options))
{
    fixture_start_keyed(false, adjust);
}

void fixture_start_keyed(bool has_primary, void (*adjust)(struct server_options *options))
{
    memset(&fixture, 0, sizeof fixture);
    snprintf(fixture.directory, sizeof fixture.directory, "/tmp/pdb_test_server_XXXXXX");
    cr_assert_not_null(mkdtemp(fixture.directory));
    char schema_path[200], csv_path[200];
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", fixture.directory);
    snprintf(csv_path, sizeof csv_path, "%s/p.csv", fixture.directory);
    snprintf(fixture.db_path, sizeof fixture.db_path, "%s/db", fixture.directory);
    snprintf(fixture.tokens_path, sizeof fixture.tokens_path, "%s/tokens", fixture.directory);
    write_text(schema_path, has_primary ? "customer_id text identifier primary\n"
                                          "email text identifier pii\n"
                                          "country category indexed\nage int\ninterests tags\n"
                                        : "customer_id text identifier\nemail text identifier pii\n"
                            "country category indexed\nage int\ninterests tags\n");
    FILE *csv = fopen(csv_path, "w");
    fputs("customer_id,email,country,age,interests\n", csv);
    static const char *const countries[] = {"US", "DE", "FR", "CA"};
    for (uint32_t i = 0; i < FIXTURE_ROWS; i++) {
        fprintf(csv, "C%u,user%u@example.com,%s,", i, i, countries[i % 4]);
        if (i % 9 != 0) fprintf(csv, "%u", 18 + i % 60);
        fprintf(csv, ",%s\n", i % 3 ? "run|yoga" : "\"\"");
    }
    fclose(csv);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(fixture.db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db;
    cr_assert_eq(pdb_db_open(fixture.db_path, &db, &error), PDB_OK, "%s", error.message);
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, &result, &error), PDB_OK, "%s",
                 error.message);
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(fixture.db_path, &fixture.db, &error), PDB_OK, "%s", error.message);
    write_text(fixture.tokens_path,
               TOKEN_READER " reader\n" TOKEN_WRITER " writer\n" TOKEN_ADMIN " admin pii\n");

    struct server_options options;
    server_options_init(&options);
    options.db_path = fixture.db_path;
    options.listen_address = "127.0.0.1:0";
    options.tokens_path = fixture.tokens_path;
    options.worker_count = 2;
    options.page_rows = 7;
    if (adjust) adjust(&options);
    cr_assert_eq(server_create(&options, &fixture.server, &error), PDB_OK, "%s", error.message);
    snprintf(fixture.address, sizeof fixture.address, "127.0.0.1:%u", server_port(fixture.server));
    cr_assert_eq(pthread_create(&server_thread, NULL, run_server, NULL), 0);
    fixture.is_running = true;
}

void fixture_join_server(void)
{
    if (!fixture.is_running) return;
    pthread_join(server_thread, NULL);
    fixture.is_running = false;
}

void fixture_stop(void)
{
    if (fixture.is_running) {
        server_stop(fixture.server);
        pthread_join(server_thread, NULL);
    }
    server_destroy(fixture.server);
    pdb_db_close(fixture.db);
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", fixture.directory);
    cr_assert_eq(system(command), 0);
}

int raw_connect(void) { return raw_connect_buffered(0); }

int raw_connect_buffered(int receive_buffer_size)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    if (receive_buffer_size > 0) /* before connect, so the window is small from the start */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_size, sizeof receive_buffer_size);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons(server_port(fixture.server))};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&address, sizeof address), 0, "connect: %s",
                 strerror(errno));
    struct timeval timeout = {.tv_sec = RECEIVE_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    return fd;
}

void raw_send(int fd, const void *bytes, size_t size)
{
    const uint8_t *p = bytes;
    while (size > 0) {
        ssize_t sent = send(fd, p, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return; /* the server may have closed already: tests read what follows */
        p += sent;
        size -= (size_t)sent;
    }
}

void raw_send_frame(int fd, uint8_t opcode, uint64_t request_id, const void *payload, size_t size)
{
    struct buffer frame;
    buffer_init(&frame);
    size_t start = protocol_frame_begin(&frame, opcode, 0, request_id);
    if (size) buffer_append(&frame, payload, size);
    cr_assert_eq(protocol_frame_end(&frame, start, PDB_RESPONSE_FRAME_SIZE_MAX), 0);
    raw_send(fd, frame.data, frame.size);
    buffer_deinit(&frame);
}

/* Reads exactly size bytes; false on EOF, reset or timeout. */
static bool read_exact(int fd, uint8_t *bytes, size_t size)
{
    while (size > 0) {
        ssize_t got = recv(fd, bytes, size, 0);
        if (got < 0 && errno == EINTR) continue;
        cr_assert(!(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)),
                  "no answer from the server within %d s", RECEIVE_TIMEOUT_S);
        if (got <= 0) return false;
        bytes += got;
        size -= (size_t)got;
    }
    return true;
}

bool raw_read_frame(int fd, struct buffer *frame, struct frame_header *header)
{
    buffer_reset(frame);
    buffer_reserve(frame, 4);
    if (!read_exact(fd, frame->data, 4)) return false;
    uint32_t size = load_u32(frame->data);
    cr_assert(size >= PDB_FRAME_SIZE_MIN && size <= PDB_RESPONSE_FRAME_SIZE_MAX, "frame size %u",
              size);
    cr_assert_eq(buffer_reserve(frame, size), 0);
    if (!read_exact(fd, frame->data + 4, size - 4)) return false;
    frame->size = size;
    enum protocol_error code;
    const char *why = "";
    cr_assert_eq(protocol_frame_check(frame->data, frame->size, PDB_RESPONSE_FRAME_SIZE_MAX, true,
                                      header, &code, &why),
                 FRAME_READY, "server frame invalid: %s", why);
    return true;
}

bool raw_reads_eof(int fd)
{
    uint8_t byte;
    for (;;) {
        ssize_t got = recv(fd, &byte, 1, 0);
        if (got < 0 && errno == EINTR) continue;
        cr_assert(!(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)),
                  "the server did not close within %d s", RECEIVE_TIMEOUT_S);
        return got <= 0;
    }
}

void raw_expect_error(int fd, uint64_t request_id, enum protocol_error code)
{
    struct buffer frame;
    buffer_init(&frame);
    struct frame_header header;
    cr_assert(raw_read_frame(fd, &frame, &header), "expected an ERROR frame, got EOF");
    cr_assert_eq(header.opcode, PROTOCOL_OP_ERROR, "opcode 0x%02x", header.opcode);
    cr_assert_eq(header.request_id, request_id);
    struct protocol_error_response response;
    cr_assert(protocol_error_response_decode(frame.data + 16, frame.size - 20, &response));
    cr_assert_eq(response.code, code, "error %s (%.*s), expected %s",
                 protocol_error_name(response.code), (int)response.message.size,
                 response.message.data, protocol_error_name(code));
    buffer_deinit(&frame);
}

void raw_hello(int fd, const char *token)
{
    struct buffer payload;
    buffer_init(&payload);
    struct protocol_hello_request request = {{token, (uint32_t)strlen(token)}, {"test", 4}};
    protocol_hello_request_encode(&payload, &request);
    raw_send_frame(fd, PROTOCOL_OP_HELLO, 1, payload.data, payload.size);
    struct frame_header header;
    cr_assert(raw_read_frame(fd, &payload, &header));
    cr_assert_eq(header.opcode, PROTOCOL_OP_HELLO, "HELLO answered with 0x%02x", header.opcode);
    buffer_deinit(&payload);
}
