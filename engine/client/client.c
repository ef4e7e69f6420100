/*
 * The network client (include/profiledb/client.h): one blocking TCP connection, one request
 * at a time, every wait bounded by the client's timeout through poll().
 *
 * Responses are read into `input` and checked frame by frame (size, version, flags, CRC)
 * exactly like the server checks requests. A response must carry the request id just sent;
 * an ERROR frame with request id 0 is the server speaking about the connection (BUSY at the
 * limit, TIMEOUT, SHUTTING_DOWN, a revoked token) and fails the current call.
 */
#include "profiledb/client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "base/alloc.h"
#include "base/status.h"
#include "client/client_internal.h"
#include "protocol/protocol_address.h"

#define READ_SIZE 65536u

static uint64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

enum pdb_status client_fail(struct pdb_client *client, struct pdb_error *error,
                                   enum pdb_status status, const char *what)
{
    client->is_broken = true;
    return error_set(error, status, "%s: %s", client->address, what);
}

/* Waits until fd is ready for `events` or the deadline passes. */
static enum pdb_status wait_for(struct pdb_client *client, short events, uint64_t deadline_ms,
                                struct pdb_error *error)
{
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline_ms)
            return client_fail(client, error, PDB_ERR_NETWORK, "timed out waiting for the server");
        struct pollfd poll_fd = {.fd = client->fd, .events = events};
        int ready = poll(&poll_fd, 1, (int)(deadline_ms - now));
        if (ready > 0) return PDB_OK;
        if (ready < 0 && errno != EINTR)
            return client_fail(client, error, PDB_ERR_NETWORK, strerror(errno));
    }
}

enum pdb_status client_send(struct pdb_client *client, const struct buffer *frame,
                            struct pdb_error *error)
{
    if (client->is_broken)
        return error_set(error, PDB_ERR_NETWORK, "%s: the connection is broken", client->address);
    uint64_t deadline = now_ms() + client->timeout_ms;
    size_t sent = 0;
    while (sent < frame->size) {
        ssize_t n =
            send(client->fd, frame->data + sent, frame->size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            enum pdb_status status = wait_for(client, POLLOUT, deadline, error);
            if (status != PDB_OK) return status;
            continue;
        }
        return client_fail(client, error, PDB_ERR_NETWORK, n < 0 ? strerror(errno) : "send failed");
    }
    return PDB_OK;
}

enum pdb_status client_receive(struct pdb_client *client, struct client_frame *frame,
                               struct pdb_error *error)
{
    if (client->is_broken)
        return error_set(error, PDB_ERR_NETWORK, "%s: the connection is broken", client->address);
    struct buffer *input = &client->input;
    if (client->consumed > 0) {
        memmove(input->data, input->data + client->consumed, input->size - client->consumed);
        input->size -= client->consumed;
        client->consumed = 0;
    }
    uint64_t deadline = now_ms() + client->timeout_ms;
    for (;;) {
        struct frame_header header;
        enum protocol_error code;
        const char *why;
        enum frame_check check = protocol_frame_check(
            input->data, input->size, PDB_RESPONSE_FRAME_SIZE_MAX, true, &header, &code, &why);
        if (check == FRAME_READY) {
            frame->header = header;
            frame->payload = input->data + PDB_FRAME_HEADER_SIZE;
            frame->payload_size = header.frame_size - PDB_FRAME_SIZE_MIN;
            client->consumed = header.frame_size;
            return PDB_OK;
        }
        if (check == FRAME_INVALID) {
            char what[160];
            snprintf(what, sizeof what, "malformed response frame: %s", why);
            return client_fail(client, error, PDB_ERR_PROTOCOL, what);
        }
        if (buffer_reserve(input, READ_SIZE) != 0)
            return client_fail(client, error, PDB_ERR_NO_MEMORY, "out of memory");
        ssize_t got = recv(client->fd, input->data + input->size, READ_SIZE, MSG_DONTWAIT);
        if (got > 0) {
            input->size += (size_t)got;
            continue;
        }
        if (got == 0)
            return client_fail(client, error, PDB_ERR_NETWORK, "the server closed the connection");
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return client_fail(client, error, PDB_ERR_NETWORK, strerror(errno));
        enum pdb_status status = wait_for(client, POLLIN, deadline, error);
        if (status != PDB_OK) return status;
    }
}

enum pdb_status client_expect(struct pdb_client *client, uint8_t opcode, struct client_frame *frame,
                              struct pdb_error *error)
{
    enum pdb_status status = client_receive(client, frame, error);
    if (status != PDB_OK) return status;
    const struct frame_header *header = &frame->header;
    if (header->opcode == PROTOCOL_OP_ERROR &&
        (header->request_id == client->request_id || header->request_id == 0)) {
        struct protocol_error_response response;
        if (!protocol_error_response_decode(frame->payload, frame->payload_size, &response))
            return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed ERROR frame");
        enum protocol_error code = (enum protocol_error)response.code;
        /* Connection-level errors and those after which the server closes end the client. */
        if (header->request_id == 0 || code == PROTOCOL_ERROR_BAD_FRAME ||
            code == PROTOCOL_ERROR_BAD_VERSION || code == PROTOCOL_ERROR_AUTH_FAILED ||
            code == PROTOCOL_ERROR_TIMEOUT)
            client->is_broken = true;
        return error_set(error, protocol_error_status(code), "%.*s", (int)response.message.size,
                         response.message.data);
    }
    if (header->request_id != client->request_id || header->opcode != opcode)
        return client_fail(client, error, PDB_ERR_PROTOCOL, "response to another request");
    return PDB_OK;
}

size_t client_frame_begin(struct pdb_client *client, uint8_t opcode)
{
    buffer_reset(&client->output);
    client->request_id++;
    return protocol_frame_begin(&client->output, opcode, 0, client->request_id);
}

enum pdb_status client_frame_send(struct pdb_client *client, size_t start, int encoded,
                                  struct pdb_error *error)
{
    if (start == SIZE_MAX || encoded != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory building a request",
                         client->address);
    if (protocol_frame_end(&client->output, start, client->info.request_frame_size_max) != 0)
        return error_set(error, PDB_ERR_LIMIT,
                         "%s: the request is larger than the server's %u-byte frame limit",
                         client->address, client->info.request_frame_size_max);
    return client_send(client, &client->output, error);
}

/* ---- Connecting ----------------------------------------------------------------------- */

static enum pdb_status open_socket(struct pdb_client *client, const char *host, uint16_t port,
                                   struct pdb_error *error)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%u", port);
    int gai = getaddrinfo(host, port_text, &hints, &found);
    if (gai != 0)
        return error_set(error, PDB_ERR_NETWORK, "%s: cannot resolve '%s': %s", client->address,
                         host, gai_strerror(gai));
    int saved = ECONNREFUSED;
    uint64_t deadline = now_ms() + client->timeout_ms;
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            saved = errno;
            close(fd);
            continue;
        }
        client->fd = fd;
        uint64_t now = now_ms();
        struct pollfd poll_fd = {.fd = fd, .events = POLLOUT};
        int ready = now < deadline ? poll(&poll_fd, 1, (int)(deadline - now)) : 0;
        int socket_error = ready > 0 ? 0 : ETIMEDOUT;
        socklen_t size = sizeof socket_error;
        if (ready > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &size);
        if (socket_error == 0) {
            int yes = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
            freeaddrinfo(found);
            return PDB_OK;
        }
        saved = socket_error;
        close(fd);
        client->fd = -1;
    }
    freeaddrinfo(found);
    return error_set_errno(error, PDB_ERR_NETWORK, saved, "%s: cannot connect", client->address);
}

static enum pdb_status hello(struct pdb_client *client, const char *token, const char *name,
                             struct pdb_error *error)
{
    struct protocol_hello_request request = {
        .token = {token ? token : "", token ? (uint32_t)strlen(token) : 0},
        .client_name = {name, (uint32_t)strlen(name)},
    };
    if (request.token.size > PDB_TOKEN_SIZE_MAX)
        return error_set(error, PDB_ERR_AUTH, "%s: a token has at most %u characters",
                         client->address, PDB_TOKEN_SIZE_MAX);
    size_t start = client_frame_begin(client, PROTOCOL_OP_HELLO);
    enum pdb_status status = client_frame_send(
        client, start, protocol_hello_request_encode(&client->output, &request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_HELLO, &frame, error);
    if (status != PDB_OK) {
        if (error && status != PDB_ERR_NETWORK && status != PDB_ERR_PROTOCOL)
            error_prefix(error, "%s: ", client->address);
        return status;
    }
    struct protocol_hello_response response;
    if (!protocol_hello_response_decode(frame.payload, frame.payload_size, &response))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed HELLO response");
    memcpy(client->server_version, response.server_version.data, response.server_version.size);
    client->server_version[response.server_version.size] = '\0';
    client->info = (struct pdb_client_info){
        .role = (enum pdb_role)response.role,
        .has_pii = response.has_pii != 0,
        .row_count = response.row_count,
        .request_frame_size_max = response.request_frame_size_max,
        .page_rows_max = response.page_rows_max,
        .deadline_ms = response.deadline_ms,
        .idle_timeout_ms = response.idle_timeout_ms,
        .server_version = client->server_version,
    };
    return PDB_OK;
}

enum pdb_status pdb_client_connect(const char *address, const char *token,
                                   const struct pdb_client_options *options,
                                   struct pdb_client **client_out, struct pdb_error *error)
{
    char host[256];
    uint16_t port;
    if (address == NULL || !protocol_address_split(address, host, sizeof host, &port) || port == 0)
        return error_set(error, PDB_ERR_USAGE, "'%s' is not host:port",
                         address ? address : "(null)");
    struct pdb_client *client = mem_calloc(1, sizeof *client);
    if (client == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", address);
    client->fd = -1;
    snprintf(client->address, sizeof client->address, "%s", address);
    client->timeout_ms =
        options && options->timeout_ms ? options->timeout_ms : PDB_CLIENT_TIMEOUT_MS_DEFAULT;
    client->info.request_frame_size_max =
        PDB_FRAME_SIZE_MIN + PDB_TOKEN_SIZE_MAX + PDB_CLIENT_NAME_SIZE_MAX + 64;
    buffer_init(&client->input);
    buffer_init(&client->output);
    const char *name = options && options->client_name ? options->client_name : "libprofiledb";
    if (strlen(name) > PDB_CLIENT_NAME_SIZE_MAX) name = "libprofiledb";
    enum pdb_status status = open_socket(client, host, port, error);
    if (status == PDB_OK) status = hello(client, token, name, error);
    if (status != PDB_OK) {
        pdb_client_close(client);
        return status;
    }
    *client_out = client;
    return PDB_OK;
}

void pdb_client_close(struct pdb_client *client)
{
    if (client == NULL) return;
    if (client->fd >= 0) close(client->fd);
    buffer_deinit(&client->input);
    buffer_deinit(&client->output);
    mem_free(client);
}

void pdb_client_info(const struct pdb_client *client, struct pdb_client_info *info)
{
    *info = client->info;
}

enum pdb_status pdb_client_ping(struct pdb_client *client, struct pdb_error *error)
{
    size_t start = client_frame_begin(client, PROTOCOL_OP_PING);
    enum pdb_status status = client_frame_send(
        client, start, protocol_put_u64(&client->output, client->request_id), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_PING, &frame, error);
    if (status == PDB_OK &&
        (frame.payload_size != 8 || load_u64(frame.payload) != client->request_id))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "PING echo differs");
    return status;
}

enum pdb_status pdb_client_count(struct pdb_client *client, const char *segment, int64_t now_s,
                                 uint64_t *count_out, struct pdb_error *error)
{
    struct protocol_segment_request request = {.now_s = now_s,
                                               .segment = {segment, (uint32_t)strlen(segment)}};
    size_t start = client_frame_begin(client, PROTOCOL_OP_COUNT);
    enum pdb_status status = client_frame_send(
        client, start, protocol_segment_request_encode(&client->output, &request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_COUNT, &frame, error);
    if (status != PDB_OK) return status;
    uint64_t count;
    if (!protocol_count_response_decode(frame.payload, frame.payload_size, &count))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed COUNT response");
    *count_out = count;
    return PDB_OK;
}

enum pdb_status pdb_client_ids(struct pdb_client *client, const char *segment, int64_t now_s,
                               uint64_t limit, pdb_id_fn on_id, void *context,
                               struct pdb_error *error)
{
    struct protocol_ids_request request = {.now_s = now_s,
                                           .limit = limit,
                                           .form = PROTOCOL_IDS_PAGES,
                                           .segment = {segment, (uint32_t)strlen(segment)}};
    size_t start = client_frame_begin(client, PROTOCOL_OP_IDS);
    enum pdb_status status = client_frame_send(
        client, start, protocol_ids_request_encode(&client->output, &request), error);
    bool is_wanted = true;
    while (status == PDB_OK) {
        struct client_frame frame;
        status = client_expect(client, PROTOCOL_OP_IDS, &frame, error);
        if (status != PDB_OK) break;
        uint32_t id_count;
        if (!protocol_ids_page_decode(frame.payload, frame.payload_size, &id_count))
            return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed IDS page");
        for (uint32_t i = 0; i < id_count && is_wanted; i++)
            is_wanted = on_id(context, protocol_ids_page_id(frame.payload, i));
        if (!(frame.header.flags & PROTOCOL_FLAG_MORE)) break;
    }
    return status;
}

enum pdb_status pdb_client_stats(struct pdb_client *client, struct pdb_stats *stats,
                                 struct pdb_error *error)
{
    size_t start = client_frame_begin(client, PROTOCOL_OP_STATS);
    enum pdb_status status = client_frame_send(client, start, 0, error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_STATS, &frame, error);
    if (status != PDB_OK) return status;
    if (!protocol_stats_decode(frame.payload, frame.payload_size, stats))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed STATS response");
    return PDB_OK;
}

void pdb_client_stats_deinit(struct pdb_stats *stats)
{
    mem_free(stats->columns);
    stats->columns = NULL;
}
