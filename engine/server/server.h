/*
 * The profiledb server: one process serving one database over TCP (docs/PROTOCOL.md).
 *
 * An epoll event loop on the calling thread of server_run owns every socket: it accepts,
 * reads and checks frames, answers HELLO and PING itself, and queues other requests for a
 * fixed pool of worker threads in lanes (general, GET, and on a writable server the write lane
 * that owns the writer handle). Each worker owns its own pdb_db handle (handles are used by
 * one thread at a time), all opened on the same database generation at start, so every read
 * sees one consistent snapshot; on a writable server the reading handles follow the writer
 * before each request (worker.c). Responses are framed by the worker and handed back to the loop
 * to write; pipelined requests may complete out of order and carry their request id.
 */
#ifndef PDB_SERVER_SERVER_H
#define PDB_SERVER_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "profiledb/profiledb.h"

struct server_options {
    const char *db_path;
    const char *listen_address; /* "host:port"; port 0 picks a free port (server_port) */
    const char *tokens_path;    /* NULL: no tokens, every HELLO is admin with pii; only
                                   allowed on a loopback address */
    uint32_t worker_count;      /* request workers, one handle each (0: 1); at most
                                   PDB_SERVER_WORKERS_MAX */
    uint32_t query_threads;     /* threads of each worker's handle (pdb_db_set_threads);
                                   0: processors / workers, at least 1 */
    bool has_get_lane;          /* a read-only server answers GETs on one more worker (and
                                   handle) of their own, never behind COUNTs; default true */
    uint32_t count_batch_max;   /* queued COUNTs evaluated in one pass (1: never batch), at
                                   most PDB_SERVER_COUNT_BATCH_MAX */
    uint32_t upsert_group_max;  /* UPSERT requests combined into one log record and fdatasync
                                   (1: each alone), at most PDB_SERVER_UPSERT_GROUP_MAX */
    uint32_t upsert_group_wait_us; /* longest a group waits for more UPSERTs to join (0: none) */
    uint32_t connections_max;
    uint32_t idle_timeout_ms;
    uint32_t frame_timeout_ms;
    uint32_t deadline_ms;
    uint32_t page_rows;
    uint32_t frame_size_max;  /* largest request frame */
    uint32_t output_size_max; /* unwritten response bytes per connection before the server stops
                                 reading it and pauses its IDS streams (tests lower it) */
    bool writable;            /* UPSERT accepted: a writer handle (DB/LOCK) on the write lane;
                                 reads follow it on their own handles */
    bool handles_signals;     /* SIGTERM/SIGINT drain and stop, SIGHUP reloads the tokens */
    FILE *log;                /* one line per event worth knowing; NULL: silent */
};

/* Fills *options with the defaults of engine/base/limits.h. */
void server_options_init(struct server_options *options);

struct server;

/* Opens the database handles, reads the tokens, binds and listens. *server_out is owned:
 * release it with server_destroy. With handles_signals, blocks SIGTERM, SIGINT and SIGHUP in
 * the calling thread (call before starting other threads) and ignores SIGPIPE. */
enum pdb_status server_create(const struct server_options *options, struct server **server_out,
                              struct pdb_error *error);

/* The port actually bound. */
uint16_t server_port(const struct server *server);

/* Serves until server_stop (or SIGTERM/SIGINT), then drains: no new requests, in-flight ones
 * finish (up to PDB_SERVER_DRAIN_TIMEOUT_MS), their responses are flushed, sockets close. */
enum pdb_status server_run(struct server *server, struct pdb_error *error);

/* Asks server_run to drain and return. Callable from any thread. */
void server_stop(struct server *server);

/* Asks server_run to reread the tokens file (as SIGHUP does). Callable from any thread. */
void server_reload(struct server *server);

/* Counters for tests and logs; read from any thread (relaxed, approximate while running). */
struct server_counters {
    uint64_t connections_accepted;
    uint64_t connections_refused; /* over the connection limit */
    uint64_t connections_open;
    uint64_t requests; /* frames that passed the frame check */
    uint64_t errors_sent;
    uint64_t reloads;
    uint64_t stream_pauses; /* times an IDS stream waited for its reader */
    uint64_t upsert_requests; /* UPSERT requests the engine accepted, alone or in a group */
    uint64_t upsert_syncs;    /* WAL records (one fdatasync each) those groups wrote */
};
void server_counters_get(const struct server *server, struct server_counters *counters);

/* Closes the handles and frees the server (after server_run returned, or instead of it). */
void server_destroy(struct server *server);

#endif
