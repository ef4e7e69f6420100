/*
 * The server's life cycle and event loop (design in server.h, sharing rules in
 * server_internal.h).
 *
 * server_run waits in epoll_wait with a PDB_SERVER_TICK_MS timeout and handles, per wake-up:
 * the listener (accept until EAGAIN; over the connection limit a BUSY frame and close), the
 * eventfd (connections on the ready list: flush, resume reading, free the dead), signals
 * (SIGTERM/SIGINT drain, SIGHUP reload), socket events, and on each tick the idle, frame and
 * drain timers. Draining: the listener closes, complete frames still buffered are answered
 * SHUTTING_DOWN, idle connections get one SHUTTING_DOWN frame, and the loop returns when every
 * connection has closed or PDB_SERVER_DRAIN_TIMEOUT_MS has passed.
 */
#include "server/server_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "base/alloc.h"
#include "base/status.h"
#include "protocol/protocol_address.h"

#define EVENT_LISTEN UINT64_MAX
#define EVENT_WAKE (UINT64_MAX - 1)
#define EVENT_SIGNAL (UINT64_MAX - 2)
#define EPOLL_BATCH 256

static uint64_t event_key(const struct connection *connection)
{
    return (uint64_t)connection->generation << 32 | connection->slot;
}

void server_options_init(struct server_options *options)
{
    memset(options, 0, sizeof *options);
    options->listen_address = "127.0.0.1:7878";
    options->query_threads = 0;
    options->has_get_lane = true;
    options->count_batch_max = PDB_SERVER_COUNT_BATCH_MAX;
    options->upsert_group_max = PDB_SERVER_UPSERT_GROUP_DEFAULT;
    options->upsert_group_wait_us = PDB_SERVER_UPSERT_GROUP_WAIT_US_DEFAULT;
    options->connections_max = PDB_SERVER_CONNECTIONS_DEFAULT;
    options->idle_timeout_ms = PDB_SERVER_IDLE_TIMEOUT_MS_DEFAULT;
    options->frame_timeout_ms = PDB_SERVER_FRAME_TIMEOUT_MS_DEFAULT;
    options->deadline_ms = PDB_SERVER_DEADLINE_MS_DEFAULT;
    options->page_rows = PDB_SERVER_PAGE_ROWS_DEFAULT;
    options->frame_size_max = PDB_REQUEST_FRAME_SIZE_DEFAULT;
    options->output_size_max = PDB_SERVER_OUTPUT_SIZE_MAX;
}

uint64_t server_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

void server_log(struct server *server, const char *format, ...)
{
    if (server->options.log == NULL) return;
    char line[1200];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(server->options.log, "profiledb serve: %s\n", line);
    fflush(server->options.log);
}

static void wake(struct server *server)
{
    uint64_t one = 1;
    ssize_t written = write(server->wake_fd, &one, sizeof one);
    (void)written; /* EAGAIN: the counter is already nonzero, the loop will wake */
}

void server_slot_notify(struct server *server, uint32_t slot)
{
    pthread_mutex_lock(&server->queue_mutex);
    if (!server->slot_is_ready[slot]) {
        server->slot_is_ready[slot] = true;
        server->ready[server->ready_count++] = slot;
    }
    pthread_mutex_unlock(&server->queue_mutex);
    wake(server);
}

void server_stop(struct server *server)
{
    atomic_store(&server->stop_requested, true);
    wake(server);
}

void server_reload(struct server *server)
{
    atomic_store(&server->reload_requested, true);
    wake(server);
}

uint16_t server_port(const struct server *server)
{
    return server->port;
}

void server_counters_get(const struct server *server, struct server_counters *counters)
{
    counters->connections_accepted = atomic_load(&server->counter_accepted);
    counters->connections_refused = atomic_load(&server->counter_refused);
    counters->connections_open = atomic_load(&server->counter_open);
    counters->requests = atomic_load(&server->counter_requests);
    counters->errors_sent = atomic_load(&server->counter_errors);
    counters->reloads = atomic_load(&server->counter_reloads);
    counters->stream_pauses = atomic_load(&server->counter_pauses);
    counters->upsert_requests = atomic_load(&server->counter_upsert_requests);
    counters->upsert_syncs = atomic_load(&server->counter_upsert_syncs);
}

/* ---- Creation ------------------------------------------------------------------------- */

static enum pdb_status check_options(const struct server_options *options, struct pdb_error *error)
{
    if (options->db_path == NULL) return error_set(error, PDB_ERR_USAGE, "serve: no database path");
    if (options->connections_max == 0 || options->connections_max > PDB_SERVER_CONNECTIONS_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: connections must be 1..%u",
                         PDB_SERVER_CONNECTIONS_MAX);
    if (options->worker_count > PDB_SERVER_WORKERS_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: workers must be 0..%u",
                         PDB_SERVER_WORKERS_MAX);
    if (options->count_batch_max == 0 || options->count_batch_max > PDB_SERVER_COUNT_BATCH_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: count batch must be 1..%u",
                         PDB_SERVER_COUNT_BATCH_MAX);
    if (options->upsert_group_max == 0 || options->upsert_group_max > PDB_SERVER_UPSERT_GROUP_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: upsert group must be 1..%u",
                         PDB_SERVER_UPSERT_GROUP_MAX);
    if (options->upsert_group_wait_us > PDB_SERVER_UPSERT_GROUP_WAIT_US_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: upsert group wait must be 0..%u us",
                         PDB_SERVER_UPSERT_GROUP_WAIT_US_MAX);
    if (options->page_rows == 0 || options->page_rows > PDB_SERVER_PAGE_ROWS_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: page rows must be 1..%u",
                         PDB_SERVER_PAGE_ROWS_MAX);
    if (options->frame_size_max < 4096 || options->frame_size_max > PDB_REQUEST_FRAME_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: frame size max must be 4096..%u",
                         PDB_REQUEST_FRAME_SIZE_MAX);
    if (options->output_size_max == 0 || options->output_size_max > PDB_SERVER_OUTPUT_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "serve: output size max must be 1..%u",
                         PDB_SERVER_OUTPUT_SIZE_MAX);
    uint32_t timeouts[3] = {options->idle_timeout_ms, options->frame_timeout_ms,
                            options->deadline_ms};
    for (int i = 0; i < 3; i++)
        if (timeouts[i] == 0 || timeouts[i] > PDB_SERVER_TIMEOUT_MS_MAX)
            return error_set(error, PDB_ERR_USAGE, "serve: timeouts must be 1..%u ms",
                             PDB_SERVER_TIMEOUT_MS_MAX);
    return PDB_OK;
}

static enum pdb_status open_listener(struct server *server, struct pdb_error *error)
{
    char host[256];
    uint16_t port;
    const char *address = server->options.listen_address;
    if (!protocol_address_split(address, host, sizeof host, &port))
        return error_set(error, PDB_ERR_USAGE, "serve: --listen '%s' is not host:port", address);
    if (!server->has_tokens && !protocol_host_is_loopback(host))
        return error_set(error, PDB_ERR_USAGE,
                         "serve: listening on '%s' needs --tokens FILE (only loopback addresses "
                         "may run without access control)",
                         address);
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *found = NULL;
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%u", port);
    int gai = getaddrinfo(host, port_text, &hints, &found);
    if (gai != 0)
        return error_set(error, PDB_ERR_NETWORK, "serve: cannot resolve '%s': %s", host,
                         gai_strerror(gai));
    int fd = -1, saved = 0;
    for (struct addrinfo *a = found; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int yes = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1024) == 0) break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0)
        return error_set_errno(error, PDB_ERR_NETWORK, saved, "serve: cannot listen on %s",
                               address);
    struct sockaddr_storage bound;
    socklen_t bound_size = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bound_size);
    server->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                     : ((struct sockaddr_in *)&bound)->sin_port);
    server->listen_fd = fd;
    return PDB_OK;
}

static int epoll_add(struct server *server, int fd, uint32_t events, uint64_t key)
{
    struct epoll_event event = {.events = events, .data.u64 = key};
    return epoll_ctl(server->epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

enum pdb_status server_create(const struct server_options *options, struct server **server_out,
                              struct pdb_error *error)
{
    enum pdb_status status = check_options(options, error);
    if (status != PDB_OK) return status;
    struct server *server = mem_calloc(1, sizeof *server);
    if (server == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "serve: out of memory");
    server->options = *options;
    server->listen_fd = server->epoll_fd = server->wake_fd = server->signal_fd = -1;
    pthread_mutex_init(&server->queue_mutex, NULL);
    pthread_mutex_init(&server->change_mutex, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    bool has_rings = true;
    for (int l = 0; l < LANE_COUNT; l++) {
        pthread_cond_init(&server->rings[l].nonempty, &monotonic);
        server->rings[l].jobs = mem_calloc(PDB_SERVER_QUEUE_MAX, sizeof *server->rings[l].jobs);
        has_rings = has_rings && server->rings[l].jobs != NULL;
    }
    pthread_condattr_destroy(&monotonic);
    uint32_t slots = options->connections_max;
    server->connections = mem_calloc(slots, sizeof *server->connections);
    server->slot_generations = mem_calloc(slots, sizeof *server->slot_generations);
    server->ready = mem_calloc(slots, sizeof *server->ready);
    server->slot_is_ready = mem_calloc(slots, sizeof *server->slot_is_ready);
    if (!server->connections || !server->slot_generations || !server->ready ||
        !server->slot_is_ready || !has_rings) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "serve: out of memory");
        goto fail;
    }
    if (options->tokens_path != NULL) {
        status = token_table_load(options->tokens_path, &server->tokens, error);
        if (status != PDB_OK) goto fail;
        server->has_tokens = true;
    }
    if (options->handles_signals) {
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &signals, NULL);
        signal(SIGPIPE, SIG_IGN);
        server->signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
        if (server->signal_fd < 0) {
            status = error_set_errno(error, PDB_ERR_IO, errno, "serve: signalfd");
            goto fail;
        }
    }
    status = open_listener(server, error);
    if (status != PDB_OK) goto fail;
    server->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    server->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (server->epoll_fd < 0 || server->wake_fd < 0 ||
        epoll_add(server, server->listen_fd, EPOLLIN, EVENT_LISTEN) != 0 ||
        epoll_add(server, server->wake_fd, EPOLLIN, EVENT_WAKE) != 0 ||
        (server->signal_fd >= 0 &&
         epoll_add(server, server->signal_fd, EPOLLIN, EVENT_SIGNAL) != 0)) {
        status = error_set_errno(error, PDB_ERR_IO, errno, "serve: epoll setup");
        goto fail;
    }
    status = workers_start(server, error);
    if (status != PDB_OK) goto fail;
    *server_out = server;
    return PDB_OK;
fail:
    server_destroy(server);
    return status;
}

void server_destroy(struct server *server)
{
    if (server == NULL) return;
    workers_stop(server);
    if (server->connections) {
        for (uint32_t s = 0; s < server->options.connections_max; s++) {
            struct connection *connection = server->connections[s];
            if (connection == NULL) continue;
            if (!connection->is_dead) close(connection->fd);
            connection_destroy(connection);
        }
    }
    if (server->listen_fd >= 0) close(server->listen_fd);
    if (server->epoll_fd >= 0) close(server->epoll_fd);
    if (server->wake_fd >= 0) close(server->wake_fd);
    if (server->signal_fd >= 0) close(server->signal_fd);
    for (int l = 0; l < LANE_COUNT; l++) {
        struct job_ring *ring = &server->rings[l];
        for (uint32_t i = ring->size; i-- > 0;)
            mem_free(ring->jobs[(ring->head + i) % PDB_SERVER_QUEUE_MAX]);
        mem_free(ring->jobs);
        pthread_cond_destroy(&ring->nonempty);
    }
    token_table_deinit(&server->tokens);
    mem_free(server->connections);
    mem_free(server->slot_generations);
    mem_free(server->ready);
    mem_free(server->slot_is_ready);
    pthread_mutex_destroy(&server->queue_mutex);
    pthread_mutex_destroy(&server->change_mutex);
    mem_free(server);
}

/* ---- Accepting ------------------------------------------------------------------------ */

/* Refuses a connection over the limit: one BUSY frame, written directly, then close. */
static void refuse(struct server *server, int fd)
{
    atomic_fetch_add(&server->counter_refused, 1); /* before the peer can see the refusal */
    atomic_fetch_add(&server->counter_errors, 1);
    struct buffer frame;
    buffer_init(&frame);
    size_t start = protocol_frame_begin(&frame, PROTOCOL_OP_ERROR, PROTOCOL_FLAG_RESPONSE, 0);
    char message[128];
    snprintf(message, sizeof message, "the server has its maximum of %u connections; retry later",
             server->options.connections_max);
    if (start != SIZE_MAX &&
        protocol_error_response_encode(&frame, PROTOCOL_ERROR_BUSY, message) == 0 &&
        protocol_frame_end(&frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) == 0) {
        ssize_t sent = send(fd, frame.data, frame.size, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent;
    }
    buffer_deinit(&frame);
    close(fd);
}

static void accept_all(struct server *server)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peer_size = sizeof peer;
        int fd = accept4(server->listen_fd, (struct sockaddr *)&peer, &peer_size,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors: stop watching the listener until a connection closes. */
                epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, server->listen_fd, NULL);
                server->is_accept_paused = true;
                server_log(server, "accept: %s; pausing new connections", strerror(errno));
            }
            return;
        }
        if (server->connection_count >= server->options.connections_max) {
            refuse(server, fd);
            continue;
        }
        uint32_t slot = 0;
        while (server->connections[slot] != NULL)
            slot++;
        struct connection *connection = mem_calloc(1, sizeof *connection);
        if (connection == NULL) {
            close(fd);
            continue;
        }
        int yes = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        connection->fd = fd;
        connection->slot = slot;
        connection->generation = ++server->slot_generations[slot];
        if (peer.ss_family == AF_INET) {
            struct sockaddr_in *in = (struct sockaddr_in *)&peer;
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            snprintf(connection->peer, sizeof connection->peer, "%s:%u", text, ntohs(in->sin_port));
        } else if (peer.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&peer;
            char text[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
            snprintf(connection->peer, sizeof connection->peer, "[%s]:%u", text,
                     ntohs(in6->sin6_port));
        }
        buffer_init(&connection->input);
        buffer_init(&connection->output);
        pthread_mutex_init(&connection->mutex, NULL);
        pthread_condattr_t attributes; /* deadlines are CLOCK_MONOTONIC (server_now_ms) */
        pthread_condattr_init(&attributes);
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
        pthread_cond_init(&connection->drained, &attributes);
        pthread_condattr_destroy(&attributes);
        connection->last_activity_ms = server_now_ms();
        connection->epoll_events = EPOLLIN;
        if (epoll_add(server, fd, EPOLLIN, event_key(connection)) != 0) {
            close(fd);
            connection_destroy(connection);
            continue;
        }
        server->connections[slot] = connection;
        server->connection_count++;
        atomic_fetch_add(&server->counter_accepted, 1);
        atomic_fetch_add(&server->counter_open, 1);
    }
}

/* Frees a closed connection once no job refers to it; resumes accepting if paused. */
static void release_if_done(struct server *server, struct connection *connection)
{
    if (!connection_is_releasable(connection)) return;
    server->connections[connection->slot] = NULL;
    server->connection_count--;
    atomic_fetch_sub(&server->counter_open, 1);
    connection_destroy(connection);
    if (server->is_accept_paused && !server->is_draining &&
        epoll_add(server, server->listen_fd, EPOLLIN, EVENT_LISTEN) == 0)
        server->is_accept_paused = false;
}

/* ---- Ready list, signals, timers ------------------------------------------------------ */

static void handle_ready(struct server *server)
{
    uint64_t counter;
    ssize_t got = read(server->wake_fd, &counter, sizeof counter);
    (void)got;
    for (;;) {
        pthread_mutex_lock(&server->queue_mutex);
        if (server->ready_count == 0) {
            pthread_mutex_unlock(&server->queue_mutex);
            break;
        }
        uint32_t slot = server->ready[--server->ready_count];
        server->slot_is_ready[slot] = false;
        pthread_mutex_unlock(&server->queue_mutex);
        struct connection *connection = server->connections[slot];
        if (connection == NULL) continue;
        if (connection->is_dead) {
            release_if_done(server, connection);
            continue;
        }
        connection_flush(server, connection);
        if (!connection->is_dead) connection_process_input(server, connection);
        if (!connection->is_dead) connection_update(server, connection);
        if (connection->is_dead) release_if_done(server, connection);
    }
}

static void reload_tokens(struct server *server)
{
    if (!server->has_tokens) {
        server_log(server, "SIGHUP: no tokens file to reload");
        return;
    }
    struct token_table fresh;
    struct pdb_error error = {0};
    if (token_table_load(server->options.tokens_path, &fresh, &error) != PDB_OK) {
        server_log(server, "reload failed, keeping the previous tokens: %s", error.message);
        return;
    }
    token_table_deinit(&server->tokens);
    server->tokens = fresh;
    atomic_fetch_add(&server->counter_reloads, 1);
    uint32_t revoked = 0;
    for (uint32_t s = 0; s < server->options.connections_max; s++) {
        struct connection *connection = server->connections[s];
        if (connection == NULL || connection->is_dead || !connection->is_authenticated) continue;
        uint8_t role;
        bool has_pii;
        if (token_table_find(&server->tokens, connection->token, connection->token_size, &role,
                             &has_pii)) {
            connection->role = role;
            connection->has_pii = has_pii;
            continue;
        }
        revoked++;
        connection_send_error(server, connection, 0, PROTOCOL_ERROR_AUTH_FAILED,
                              "the token of this connection was revoked");
        connection->is_closing = true;
        connection_flush(server, connection);
        if (!connection->is_dead) connection_update(server, connection);
    }
    server_log(server, "reloaded %u tokens from %s; closed %u connections with revoked tokens",
               server->tokens.count, server->options.tokens_path, revoked);
}

static void handle_signals(struct server *server)
{
    struct signalfd_siginfo info;
    while (read(server->signal_fd, &info, sizeof info) == (ssize_t)sizeof info) {
        if (info.ssi_signo == SIGHUP) {
            atomic_store(&server->reload_requested, true);
        } else {
            server_log(server, "%s: draining", info.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
            atomic_store(&server->stop_requested, true);
        }
    }
}

static void start_draining(struct server *server)
{
    server->is_draining = true;
    server->drain_started_ms = server_now_ms();
    if (!server->is_accept_paused)
        epoll_ctl(server->epoll_fd, EPOLL_CTL_DEL, server->listen_fd, NULL);
    close(server->listen_fd);
    server->listen_fd = -1;
    for (uint32_t s = 0; s < server->options.connections_max; s++) {
        struct connection *connection = server->connections[s];
        if (connection == NULL || connection->is_dead) continue;
        connection_process_input(server, connection); /* answers buffered frames SHUTTING_DOWN */
        pthread_mutex_lock(&connection->mutex);
        uint32_t in_flight = connection->in_flight;
        pthread_mutex_unlock(&connection->mutex);
        if (in_flight == 0)
            connection_send_error(server, connection, 0, PROTOCOL_ERROR_SHUTTING_DOWN,
                                  "the server is shutting down");
        connection->is_closing = true;
        connection_flush(server, connection);
        if (!connection->is_dead) connection_update(server, connection);
        if (connection->is_dead) release_if_done(server, connection);
    }
}

static void check_timers(struct server *server, uint64_t now_ms)
{
    const struct server_options *options = &server->options;
    bool drain_expired =
        server->is_draining && now_ms - server->drain_started_ms > PDB_SERVER_DRAIN_TIMEOUT_MS;
    for (uint32_t s = 0; s < options->connections_max; s++) {
        struct connection *connection = server->connections[s];
        if (connection == NULL) continue;
        if (connection->is_dead) {
            release_if_done(server, connection);
            continue;
        }
        if (drain_expired) {
            connection_close(server, connection, "drain timeout");
            release_if_done(server, connection);
            continue;
        }
        pthread_mutex_lock(&connection->mutex);
        uint32_t in_flight = connection->in_flight;
        pthread_mutex_unlock(&connection->mutex);
        if (connection->frame_started_ms != 0 && connection_has_partial_frame(server, connection) &&
            now_ms - connection->frame_started_ms > options->frame_timeout_ms) {
            connection_send_error(server, connection, 0, PROTOCOL_ERROR_TIMEOUT,
                                  "a request frame was not completed within %u ms",
                                  options->frame_timeout_ms);
        } else if (in_flight == 0 &&
                   now_ms - connection->last_activity_ms > options->idle_timeout_ms) {
            connection_send_error(server, connection, 0, PROTOCOL_ERROR_TIMEOUT,
                                  "idle for more than %u ms", options->idle_timeout_ms);
        } else {
            continue;
        }
        connection->is_closing = true;
        connection->input.size = 0;
        connection->frame_started_ms = 0;
        connection_flush(server, connection);
        /* Whatever was not written now will not be: the peer is not keeping up. */
        if (!connection->is_dead) connection_close(server, connection, "timeout");
        release_if_done(server, connection);
    }
}

/* ---- The loop ------------------------------------------------------------------------- */

enum pdb_status server_run(struct server *server, struct pdb_error *error)
{
    (void)error;
    struct epoll_event events[EPOLL_BATCH];
    uint64_t last_tick_ms = server_now_ms();
    server_log(server, "listening on %s port %u (%u workers, database %s, %s)",
               server->options.listen_address, server->port, server->worker_count,
               server->options.db_path, server->has_tokens ? "tokens required" : "no tokens");
    for (;;) {
        if (atomic_exchange(&server->reload_requested, false)) reload_tokens(server);
        if (atomic_load(&server->stop_requested) && !server->is_draining) start_draining(server);
        if (server->is_draining && server->connection_count == 0) break;
        int ready = epoll_wait(server->epoll_fd, events, EPOLL_BATCH, (int)PDB_SERVER_TICK_MS);
        if (ready < 0 && errno != EINTR) {
            server_log(server, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < ready; i++) {
            uint64_t key = events[i].data.u64;
            if (key == EVENT_LISTEN) {
                if (!server->is_draining) accept_all(server);
                continue;
            }
            if (key == EVENT_WAKE) {
                handle_ready(server);
                continue;
            }
            if (key == EVENT_SIGNAL) {
                handle_signals(server);
                continue;
            }
            uint32_t slot = (uint32_t)key;
            struct connection *connection = server->connections[slot];
            if (connection == NULL || connection->generation != (uint32_t)(key >> 32) ||
                connection->is_dead)
                continue;
            if (events[i].events & (EPOLLERR | EPOLLHUP) && !(events[i].events & EPOLLIN)) {
                connection_close(server, connection, "socket error");
            } else {
                if (events[i].events & EPOLLOUT) connection_flush(server, connection);
                if (!connection->is_dead && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                    connection_on_readable(server, connection);
                if (!connection->is_dead) connection_update(server, connection);
            }
            if (connection->is_dead) release_if_done(server, connection);
        }
        uint64_t now_ms = server_now_ms();
        if (now_ms - last_tick_ms >= PDB_SERVER_TICK_MS) {
            last_tick_ms = now_ms;
            check_timers(server, now_ms);
        }
    }
    /* Connections are closed; stop the workers once their jobs (for dead connections) end. */
    workers_stop(server);
    for (uint32_t s = 0; s < server->options.connections_max; s++)
        if (server->connections[s]) release_if_done(server, server->connections[s]);
    server_log(server, "stopped");
    return PDB_OK;
}
