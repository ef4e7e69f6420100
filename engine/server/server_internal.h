/*
 * What the files of engine/server share: the server, its connections and its jobs.
 *
 * Threads and ownership:
 *  - The event loop (server.c, connection.c) owns the sockets, each connection's input
 *    buffer, authentication state and timers. Only it closes a socket or frees a connection.
 *  - A connection's output buffer, in-flight count and is_dead flag are shared with the
 *    workers under connection->mutex. Workers append framed responses and then put the
 *    connection on the server's ready list and write wake_fd; the loop writes the bytes.
 *  - A connection is freed only when the loop has closed it (is_dead) and no job refers to it
 *    (in_flight == 0), so a worker never sees freed memory.
 */
#ifndef PDB_SERVER_SERVER_INTERNAL_H
#define PDB_SERVER_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "protocol/protocol.h"
#include "server/server.h"
#include "server/tokens.h"

struct connection {
    int fd;
    uint32_t slot;
    uint32_t generation; /* of the slot: stale epoll events are recognised and dropped */
    char peer[64];       /* "address:port" for logs */
    /* Event loop only. */
    struct buffer input;
    uint64_t last_activity_ms; /* last byte read or written */
    uint64_t frame_started_ms; /* first byte of an unfinished frame; 0: none */
    uint32_t epoll_events;     /* the mask currently registered */
    bool is_closing;           /* close once in-flight requests are answered and flushed */
    bool is_authenticated;
    uint8_t role;
    bool has_pii;
    uint8_t token[PDB_TOKEN_SIZE_MAX]; /* to re-check on reload */
    uint32_t token_size;
    /* Shared with workers, under mutex. */
    pthread_mutex_t mutex;
    pthread_cond_t drained; /* signalled when output shrinks or the connection dies */
    struct buffer output;
    size_t output_sent; /* bytes of output already written */
    uint32_t in_flight; /* queued or running jobs */
    bool is_dead;       /* the socket is closed: drop responses */
};

struct job {
    struct connection *connection;
    uint64_t request_id;
    uint64_t deadline_ms;
    uint8_t opcode;
    uint8_t role;
    bool has_pii;
    uint32_t payload_size;
    uint8_t payload[]; /* owned by the job */
};

/* One UPSERT request of a group commit (worker_upsert.c). */
struct upsert_member {
    const struct job *job;
    const char *records; /* borrowed from the job's payload */
    uint32_t size;
    uint32_t first_line;   /* of the group's text */
    uint32_t line_count;   /* lines of its records, as pdb_db_upsert counts them */
    uint32_t record_count; /* of those, the lines that are not blank */
    uint32_t rejected, accepted, inserted, updated;
};

struct upsert_reject {
    uint32_t line; /* 0-based line of the group's text; UINT32_MAX: the file could not be read */
    uint32_t size;
    char message[PROTOCOL_UPSERT_MESSAGE_SIZE_MAX + 1];
};

/* Which jobs a worker takes (worker.c, lane_of). */
enum lane {
    LANE_GENERAL, /* every request the other lanes do not take */
    LANE_GET,     /* GET, when server->has_get_lane */
    LANE_WRITE,   /* UPSERT, SEGMENT_SAVE, SEGMENT_DROP on a writable server */
    LANE_COUNT
};

struct job_ring {
    struct job **jobs; /* PDB_SERVER_QUEUE_MAX slots */
    uint32_t head, size;
    pthread_cond_t nonempty; /* CLOCK_MONOTONIC (an UPSERT group's timed wait) */
};

struct worker {
    struct server *server;
    pthread_t thread;
    bool is_started;
    struct pdb_db *db;   /* this worker's handle */
    struct buffer frame; /* scratch for building responses */
    uint32_t *page;      /* IDS page, page_rows entries */
    enum lane lane;
    uint64_t followed_lsn; /* a reading worker of a writable server: its handle's last record */
    struct buffer group_text;              /* an UPSERT group's records (writable server) */
    struct upsert_member *group_members;   /* upsert_group_max entries */
};

struct server {
    struct server_options options;
    int listen_fd;
    int epoll_fd;
    int wake_fd;   /* eventfd: workers, server_stop, server_reload */
    int signal_fd; /* -1 unless handles_signals */
    uint16_t port;
    uint64_t row_count; /* of the snapshot every handle opened */
    bool has_tokens;
    struct token_table tokens;
    bool is_accept_paused; /* out of descriptors: listener removed from epoll */
    bool is_draining;
    uint64_t drain_started_ms;
    atomic_bool stop_requested;
    atomic_bool reload_requested;

    struct connection **connections; /* connections_max slots, NULL when free */
    uint32_t connection_count;
    uint32_t *slot_generations;

    /* Job queues (one ring per lane) and ready list, under queue_mutex. */
    pthread_mutex_t queue_mutex;
    struct job_ring rings[LANE_COUNT];
    uint64_t queue_bytes; /* payload bytes of queued and running jobs (every lane) */
    bool has_get_lane;    /* options.has_get_lane: GETs have a worker and handle of their own */
    bool workers_stop;
    /* Saved-segment changes, one at a time: the handles would refuse each other's writer
     * lock (PDB_ERR_LOCKED) if two workers changed the SEGMENTS file at once. */
    pthread_mutex_t change_mutex;
    /* A writable server (options.writable): the writer handle, used only by the write lane's
     * worker (UPSERT groups, SEGMENT_SAVE, SEGMENT_DROP). Every other worker reads on its own
     * handle, which follows the writer (pdb_db_follow) up to acked_lsn before each request:
     * the last log record of an acknowledged group, stored before its responses are queued,
     * so a read that starts after an acknowledgement sees it (read-your-writes). */
    struct pdb_db *writer;
    _Atomic uint64_t acked_lsn;
    _Atomic uint64_t shown_lsn; /* the newest record a reading worker's handle holds */
    uint32_t *ready;     /* slots whose connection has news for the loop */
    bool *slot_is_ready; /* the slot is on `ready` */
    uint32_t ready_count;

    struct worker *workers;
    uint32_t worker_count;

    _Atomic uint64_t counter_accepted, counter_refused, counter_requests, counter_errors,
        counter_reloads, counter_open, counter_pauses;
    /* UPSERT requests answered by a group commit, and the groups that logged a record (each
     * one WAL append and fdatasync). */
    _Atomic uint64_t counter_upsert_requests, counter_upsert_syncs;
};

/* server.c */
uint64_t server_now_ms(void);
void server_log(struct server *server, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Called by a worker after appending output or finishing a job: the loop will look at the
 * connection in `slot`. Takes queue_mutex; touches no connection, so a worker may call it
 * after its job has released the connection (a stale slot only causes a harmless look). */
void server_slot_notify(struct server *server, uint32_t slot);

/* connection.c (event loop thread) */
void connection_on_readable(struct server *server, struct connection *connection);
void connection_flush(struct server *server, struct connection *connection);
/* Parses and dispatches complete frames while the pipeline and output have room. */
void connection_process_input(struct server *server, struct connection *connection);
/* Re-registers the epoll mask the connection's state calls for; closes it when done. */
void connection_update(struct server *server, struct connection *connection);
void connection_close(struct server *server, struct connection *connection, const char *why);
/* Appends an ERROR frame (request_id echoed) to the connection's output. */
void connection_send_error(struct server *server, struct connection *connection,
                           uint64_t request_id, enum protocol_error code, const char *format, ...)
    __attribute__((format(printf, 5, 6)));
/* True when the input holds the start of a frame that has not fully arrived. */
bool connection_has_partial_frame(struct server *server, struct connection *connection);
/* True when the loop may free the connection (closed, no job holds it). */
bool connection_is_releasable(struct connection *connection);
void connection_destroy(struct connection *connection);

/* worker.c */
enum pdb_status workers_start(struct server *server, struct pdb_error *error);
void workers_stop(struct server *server);
/* Queues a job; false when the queue is full (the caller answers BUSY). Takes the job. */
bool workers_submit(struct server *server, struct job *job);

/* Response helpers shared by the request files (worker.c, worker_analysis.c). A response is
 * built in worker->frame: worker_frame_begin, the payload, then worker_respond_frame. */
size_t worker_frame_begin(struct worker *worker, const struct job *job, uint8_t opcode,
                          uint16_t flags);
/* Ends the frame and queues it; `encoded` != 0 (the payload failed to encode) or a frame over
 * the response limit becomes an ERROR instead. */
void worker_respond_frame(struct worker *worker, const struct job *job, size_t start, int encoded);
void worker_respond_error(struct worker *worker, const struct job *job, enum protocol_error code,
                          const char *format, ...) __attribute__((format(printf, 4, 5)));
/* An ERROR for an engine failure, with the engine's message. */
void worker_respond_status(struct worker *worker, const struct job *job,
                           const struct pdb_error *error);
/* A NUL-terminated copy of a payload string (mem_free it); NULL when out of memory. */
char *worker_string_copy(struct protocol_string string);

/* worker.c: false (after answering DEADLINE, or for a closed connection) when the job must
 * not run. */
bool worker_job_is_live(struct worker *worker, const struct job *job);
void worker_run_count(struct worker *worker, const struct job *job);
/* worker_count_batch.c: 2..count_batch_max COUNT jobs answered from one overlap pass. */
void worker_run_count_batch(struct worker *worker, struct job **jobs, uint32_t job_count);

/* worker_analysis.c: BREAKDOWN, OVERLAP, SEGMENT_SAVE/LIST/DROP. */
void worker_run_breakdown(struct worker *worker, const struct job *job);
void worker_run_overlap(struct worker *worker, const struct job *job);
void worker_run_segment_save(struct worker *worker, const struct job *job);
void worker_run_segment_list(struct worker *worker, const struct job *job);
void worker_run_segment_drop(struct worker *worker, const struct job *job);
/* worker_upsert.c: 1..upsert_group_max UPSERT jobs applied as one pdb_db_upsert (one WAL
 * record and fdatasync), each answered with its own outcome. On the write lane's worker. */
void worker_run_upsert_group(struct worker *worker, struct job **jobs, uint32_t job_count);
/* worker_upsert_keys.c: a mixed group's inserted / updated per member; false when the split
 * does not add up to the engine's totals. */
bool worker_upsert_split(struct worker *worker, struct upsert_member *members, uint32_t count,
                         const char *text, size_t size, const struct upsert_reject *rejects,
                         uint64_t reject_count, uint64_t rows_before, uint64_t inserted,
                         uint64_t updated);

/* Appends a whole response frame to the connection's output under its mutex (dropped when
 * the connection is dead). Returns false when it was dropped. */
bool connection_append_frame(struct connection *connection, const struct buffer *frame);

#endif
