/*
 * One client connection, on the event-loop thread: reading, frame checks, authentication,
 * dispatch to the workers, writing, and closing.
 *
 * Reading is bounded: the input buffer grows only to the frame size the header announced
 * (itself checked against frame_size_max), and a connection is read only while it has
 * room in its pipeline (PDB_SERVER_PIPELINE_DEPTH_MAX requests in flight) and in its output
 * (output_size_max, default PDB_SERVER_OUTPUT_SIZE_MAX, bytes not yet written); otherwise its bytes
 * wait in the kernel, which pushes back on the client. A broken frame (size, version, flags, CRC)
 * gets one ERROR frame and the connection closes after it, since the stream cannot be
 * resynchronised.
 */
#include "server/server_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"

#define READ_SIZE_MIN 16384u

/* ---- Output --------------------------------------------------------------------------- */

bool connection_append_frame(struct connection *connection, const struct buffer *frame)
{
    pthread_mutex_lock(&connection->mutex);
    bool is_appended =
        !connection->is_dead && buffer_append(&connection->output, frame->data, frame->size) == 0;
    pthread_mutex_unlock(&connection->mutex);
    return is_appended;
}

void connection_send_error(struct server *server, struct connection *connection,
                           uint64_t request_id, enum protocol_error code, const char *format, ...)
{
    char message[PDB_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    struct buffer frame;
    buffer_init(&frame);
    size_t start =
        protocol_frame_begin(&frame, PROTOCOL_OP_ERROR, PROTOCOL_FLAG_RESPONSE, request_id);
    if (start != SIZE_MAX && protocol_error_response_encode(&frame, code, message) == 0 &&
        protocol_frame_end(&frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) == 0)
        connection_append_frame(connection, &frame);
    buffer_deinit(&frame);
    atomic_fetch_add(&server->counter_errors, 1);
}

void connection_flush(struct server *server, struct connection *connection)
{
    bool has_failed = false;
    pthread_mutex_lock(&connection->mutex);
    while (connection->output_sent < connection->output.size) {
        ssize_t sent =
            send(connection->fd, connection->output.data + connection->output_sent,
                 connection->output.size - connection->output_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) {
            connection->output_sent += (size_t)sent;
            connection->last_activity_ms = server_now_ms();
            continue;
        }
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        has_failed = true;
        break;
    }
    if (connection->output_sent == connection->output.size) {
        buffer_reset(&connection->output);
        connection->output_sent = 0;
    } else if (connection->output_sent > (1u << 20) &&
               connection->output_sent * 2 > connection->output.size) {
        size_t rest = connection->output.size - connection->output_sent;
        memmove(connection->output.data, connection->output.data + connection->output_sent, rest);
        connection->output.size = rest;
        connection->output_sent = 0;
    }
    pthread_cond_broadcast(&connection->drained);
    pthread_mutex_unlock(&connection->mutex);
    if (has_failed) connection_close(server, connection, "write failed");
}

/* ---- Closing -------------------------------------------------------------------------- */

void connection_close(struct server *server, struct connection *connection, const char *why)
{
    (void)why;
    if (connection->is_dead) return;
    epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, connection->fd, NULL);
    close(connection->fd);
    pthread_mutex_lock(&connection->mutex);
    connection->is_dead = true;
    pthread_cond_broadcast(&connection->drained);
    pthread_mutex_unlock(&connection->mutex);
    buffer_deinit(&connection->input);
    memset(connection->token, 0, sizeof connection->token);
}

bool connection_is_releasable(struct connection *connection)
{
    pthread_mutex_lock(&connection->mutex);
    bool is_releasable = connection->is_dead && connection->in_flight == 0;
    pthread_mutex_unlock(&connection->mutex);
    return is_releasable;
}

void connection_destroy(struct connection *connection)
{
    buffer_deinit(&connection->input);
    buffer_deinit(&connection->output);
    pthread_mutex_destroy(&connection->mutex);
    pthread_cond_destroy(&connection->drained);
    mem_free(connection);
}

/* ---- Requests handled on the loop ----------------------------------------------------- */

static void send_frame(struct server *server, struct connection *connection, uint8_t opcode,
                       uint64_t request_id, const struct buffer *payload)
{
    struct buffer frame;
    buffer_init(&frame);
    size_t start = protocol_frame_begin(&frame, opcode, PROTOCOL_FLAG_RESPONSE, request_id);
    if (start != SIZE_MAX && buffer_append(&frame, payload->data, payload->size) == 0 &&
        protocol_frame_end(&frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) == 0)
        connection_append_frame(connection, &frame);
    else
        connection_send_error(server, connection, request_id, PROTOCOL_ERROR_NO_MEMORY,
                              "out of memory building a response");
    buffer_deinit(&frame);
}

static void handle_hello(struct server *server, struct connection *connection, uint64_t request_id,
                         const uint8_t *payload, uint32_t size)
{
    struct protocol_hello_request request;
    if (!protocol_hello_request_decode(payload, size, &request)) {
        connection_send_error(server, connection, request_id, PROTOCOL_ERROR_BAD_REQUEST,
                              "HELLO payload does not decode (token, client name)");
        return;
    }
    if (connection->is_authenticated) {
        connection_send_error(server, connection, request_id, PROTOCOL_ERROR_BAD_REQUEST,
                              "this connection has already said HELLO");
        return;
    }
    uint8_t role = PROTOCOL_ROLE_ADMIN;
    bool has_pii = true;
    if (server->has_tokens && !token_table_find(&server->tokens, request.token.data,
                                                request.token.size, &role, &has_pii)) {
        server_log(server, "%s: HELLO with an unknown token", connection->peer);
        connection_send_error(server, connection, request_id, PROTOCOL_ERROR_AUTH_FAILED,
                              request.token.size ? "the token is not accepted"
                                                 : "this server requires a token");
        connection->is_closing = true;
        return;
    }
    connection->is_authenticated = true;
    connection->role = role;
    connection->has_pii = has_pii;
    memcpy(connection->token, request.token.data, request.token.size);
    connection->token_size = request.token.size;
    struct protocol_hello_response response = {
        .role = role,
        .has_pii = has_pii ? 1 : 0,
        .request_frame_size_max = server->options.frame_size_max,
        .page_rows_max = server->options.page_rows,
        .pipeline_depth_max = PDB_SERVER_PIPELINE_DEPTH_MAX,
        .deadline_ms = server->options.deadline_ms,
        .idle_timeout_ms = server->options.idle_timeout_ms,
        .row_count = server->row_count,
        .server_version = {"profiledb " PDB_VERSION_STRING,
                           sizeof("profiledb " PDB_VERSION_STRING) - 1},
    };
    struct buffer payload_out;
    buffer_init(&payload_out);
    if (protocol_hello_response_encode(&payload_out, &response) == 0)
        send_frame(server, connection, PROTOCOL_OP_HELLO, request_id, &payload_out);
    buffer_deinit(&payload_out);
}

/* The least role an opcode needs; 0 for opcodes that are not requests. */
static uint8_t role_needed(uint8_t opcode)
{
    switch (opcode) {
    case PROTOCOL_OP_COUNT:
    case PROTOCOL_OP_IDS:
    case PROTOCOL_OP_GET:
    case PROTOCOL_OP_STATS:
    case PROTOCOL_OP_BREAKDOWN:
    case PROTOCOL_OP_OVERLAP:
    case PROTOCOL_OP_SEGMENT_LIST:
        return PROTOCOL_ROLE_READER;
    case PROTOCOL_OP_UPSERT:
    case PROTOCOL_OP_SEGMENT_SAVE:
    case PROTOCOL_OP_SEGMENT_DROP:
        return PROTOCOL_ROLE_WRITER;
    default:
        return 0;
    }
}

static bool is_supported(uint8_t opcode)
{
    (void)opcode; /* every opcode with a role (UPSERT on a read-only server: the worker says so) */
    return true;
}

static const char *role_name(uint8_t role)
{
    return role == PROTOCOL_ROLE_ADMIN    ? "admin"
           : role == PROTOCOL_ROLE_WRITER ? "writer"
                                          : "reader";
}

static void dispatch(struct server *server, struct connection *connection,
                     const struct frame_header *header, const uint8_t *payload, uint32_t size)
{
    atomic_fetch_add(&server->counter_requests, 1);
    uint64_t id = header->request_id;
    uint8_t opcode = header->opcode;
    if (server->is_draining) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_SHUTTING_DOWN,
                              "the server is shutting down");
        return;
    }
    if (opcode == PROTOCOL_OP_PING) {
        struct buffer echo = {(uint8_t *)payload, size, size};
        send_frame(server, connection, PROTOCOL_OP_PING, id, &echo);
        return;
    }
    if (opcode == PROTOCOL_OP_HELLO) {
        handle_hello(server, connection, id, payload, size);
        return;
    }
    uint8_t needed = role_needed(opcode);
    if (needed == 0) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_UNKNOWN_OPCODE,
                              "unknown opcode 0x%02x", opcode);
        return;
    }
    if (!connection->is_authenticated) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_AUTH_REQUIRED,
                              "%s before HELLO: say HELLO with a token first",
                              protocol_opcode_name(opcode));
        return;
    }
    if (connection->role < needed) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_FORBIDDEN,
                              "role %s may not send %s (needs %s)", role_name(connection->role),
                              protocol_opcode_name(opcode), role_name(needed));
        return;
    }
    if (!is_supported(opcode)) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_UNSUPPORTED,
                              "%s is specified (docs/PROTOCOL.md) but not supported by this server "
                              "version (profiledb %s)",
                              protocol_opcode_name(opcode), PDB_VERSION_STRING);
        return;
    }
    struct job *job = mem_alloc(sizeof *job + size);
    if (job == NULL) {
        connection_send_error(server, connection, id, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
        return;
    }
    job->connection = connection;
    job->request_id = id;
    job->deadline_ms = server_now_ms() + server->options.deadline_ms;
    job->opcode = opcode;
    job->role = connection->role;
    job->has_pii = connection->has_pii;
    job->payload_size = size;
    if (size) memcpy(job->payload, payload, size);
    pthread_mutex_lock(&connection->mutex);
    connection->in_flight++;
    pthread_mutex_unlock(&connection->mutex);
    if (!workers_submit(server, job)) {
        pthread_mutex_lock(&connection->mutex);
        connection->in_flight--;
        pthread_mutex_unlock(&connection->mutex);
        mem_free(job);
        connection_send_error(server, connection, id, PROTOCOL_ERROR_BUSY,
                              "the request queue is full (%u requests or %u MiB); retry later",
                              PDB_SERVER_QUEUE_MAX, PDB_SERVER_QUEUE_BYTES_MAX >> 20);
    }
}

/* ---- Input ---------------------------------------------------------------------------- */

static bool has_room(struct server *server, struct connection *connection)
{
    pthread_mutex_lock(&connection->mutex);
    bool has_room =
        connection->in_flight < PDB_SERVER_PIPELINE_DEPTH_MAX &&
        connection->output.size - connection->output_sent < server->options.output_size_max;
    pthread_mutex_unlock(&connection->mutex);
    return has_room;
}

void connection_process_input(struct server *server, struct connection *connection)
{
    size_t consumed = 0;
    struct buffer *input = &connection->input;
    while (!connection->is_closing && has_room(server, connection)) {
        struct frame_header header;
        enum protocol_error code;
        const char *why;
        enum frame_check check =
            protocol_frame_check(input->data + consumed, input->size - consumed,
                                 server->options.frame_size_max, false, &header, &code, &why);
        if (check == FRAME_NEED_MORE) break;
        if (check == FRAME_INVALID) {
            if (code == PROTOCOL_ERROR_BAD_FRAME &&
                header.frame_size > server->options.frame_size_max)
                connection_send_error(server, connection, header.request_id, code,
                                      "%s: %u bytes, the limit is %u", why, header.frame_size,
                                      server->options.frame_size_max);
            else if (code == PROTOCOL_ERROR_BAD_VERSION)
                connection_send_error(server, connection, header.request_id, code,
                                      "%s %u (this server speaks version %u)", why, header.version,
                                      PDB_PROTOCOL_VERSION);
            else
                connection_send_error(server, connection, header.request_id, code, "%s", why);
            connection->is_closing = true;
            consumed = input->size;
            break;
        }
        dispatch(server, connection, &header, input->data + consumed + PDB_FRAME_HEADER_SIZE,
                 header.frame_size - PDB_FRAME_SIZE_MIN);
        consumed += header.frame_size;
    }
    if (consumed > 0) {
        memmove(input->data, input->data + consumed, input->size - consumed);
        input->size -= consumed;
        connection->frame_started_ms = input->size ? server_now_ms() : 0;
    }
    if (connection->is_closing) {
        input->size = 0;
        connection->frame_started_ms = 0;
    }
}

void connection_on_readable(struct server *server, struct connection *connection)
{
    struct buffer *input = &connection->input;
    for (;;) {
        /* Room for the frame being received (its size is known after 4 bytes), at least
         * READ_SIZE_MIN, never more than one maximal frame plus READ_SIZE_MIN. */
        size_t want = READ_SIZE_MIN;
        if (input->size >= 4) {
            uint32_t announced = load_u32(input->data);
            if (announced <= server->options.frame_size_max && announced > input->size)
                want = announced - input->size;
        }
        if (input->size + want > (size_t)server->options.frame_size_max + READ_SIZE_MIN)
            want = (size_t)server->options.frame_size_max + READ_SIZE_MIN - input->size;
        if (want == 0) break;
        if (buffer_reserve(input, want) != 0) {
            connection_close(server, connection, "out of memory");
            return;
        }
        ssize_t got = recv(connection->fd, input->data + input->size, want, MSG_DONTWAIT);
        if (got > 0) {
            if (input->size == 0) connection->frame_started_ms = server_now_ms();
            input->size += (size_t)got;
            connection->last_activity_ms = server_now_ms();
            connection_process_input(server, connection);
            if (connection->is_closing || !has_room(server, connection)) break;
            continue;
        }
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got == 0) {
            /* The peer finished sending: answer what is in flight, then close. */
            connection->is_closing = true;
            input->size = 0;
            connection->frame_started_ms = 0;
            break;
        }
        connection_close(server, connection, "read failed");
        return;
    }
    connection_flush(server, connection);
}

bool connection_has_partial_frame(struct server *server, struct connection *connection)
{
    if (connection->is_dead || connection->input.size == 0) return false;
    struct frame_header header;
    enum protocol_error code;
    const char *why;
    return protocol_frame_check(connection->input.data, connection->input.size,
                                server->options.frame_size_max, false, &header, &code,
                                &why) == FRAME_NEED_MORE;
}

void connection_update(struct server *server, struct connection *connection)
{
    if (connection->is_dead) return;
    pthread_mutex_lock(&connection->mutex);
    uint32_t in_flight = connection->in_flight;
    size_t pending = connection->output.size - connection->output_sent;
    pthread_mutex_unlock(&connection->mutex);
    if (connection->is_closing && in_flight == 0 && pending == 0) {
        connection_close(server, connection, "closed");
        return;
    }
    uint32_t events = 0;
    if (!connection->is_closing && in_flight < PDB_SERVER_PIPELINE_DEPTH_MAX &&
        pending < server->options.output_size_max)
        events |= EPOLLIN;
    if (pending > 0) events |= EPOLLOUT;
    if (events == connection->epoll_events) return;
    struct epoll_event event = {
        .events = events, .data.u64 = (uint64_t)connection->generation << 32 | connection->slot};
    if (epoll_ctl(server->epoll_fd, EPOLL_CTL_MOD, connection->fd, &event) == 0)
        connection->epoll_events = events;
}
