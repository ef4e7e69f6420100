/*
 * The worker pool: a bounded job queue and threads that run requests on their own pdb_db
 * handle, frame the responses and hand them to the event loop. COUNT, IDS (pages, or one
 * portable roaring bitmap), GET and STATS are here; BREAKDOWN, OVERLAP and the saved segments
 * in worker_analysis.c.
 *
 * Every handle is opened at start on the same database directory and checked to hold the same
 * rows, so all workers answer from one snapshot (saved segments are a separate file that every
 * handle re-reads when it changes). Jobs queue in lanes, one ring each (lane_of): the general
 * workers (options.worker_count, default 1, each handle with options.query_threads threads,
 * default processors / workers), the GET lane (one worker and handle for GETs only, so they
 * never wait behind COUNT batches) and, on a writable server, the write lane: one worker
 * owning the writer handle (server->writer), which runs UPSERT groups (worker_upsert.c),
 * SEGMENT_SAVE and SEGMENT_DROP. The other workers of a writable server read on their own
 * handles and, before each request, follow the writer (pdb_db_follow) up to the last
 * acknowledged log record and the newest one another reader has shown (follow_writer), so a
 * read sees every acknowledged UPSERT, whole batches only, never going back in time.
 * workers_stop checkpoints the writer after the drain.
 * IDS streams pages of at most page_rows ids, each its own frame with the MORE flag but the
 * last; a worker waits (up to the request's deadline) while the connection has more than
 * output_size_max (PDB_SERVER_OUTPUT_SIZE_MAX) bytes unwritten, so a slow reader holds back only
 * its own stream. The deadline is checked when a job starts and between pages; a COUNT cannot be
 * interrupted once it runs (the engine has no cancellation yet).
 */
#include "server/server_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"

static enum pdb_status index_identifiers(struct pdb_db *db, struct pdb_error *error);

/* ---- Queue ---------------------------------------------------------------------------- */

/* The lane a job queues on: a writable server's writes go to the write lane (the writer
 * handle's own worker), GETs to the GET lane when there is one, the rest to the workers. */
static enum lane lane_of(const struct server *server, const struct job *job)
{
    bool is_write = job->opcode == PROTOCOL_OP_UPSERT || job->opcode == PROTOCOL_OP_SEGMENT_SAVE ||
                    job->opcode == PROTOCOL_OP_SEGMENT_DROP;
    if (server->writer != NULL && is_write) return LANE_WRITE;
    if (server->has_get_lane && job->opcode == PROTOCOL_OP_GET) return LANE_GET;
    return LANE_GENERAL;
}

bool workers_submit(struct server *server, struct job *job)
{
    pthread_mutex_lock(&server->queue_mutex);
    struct job_ring *ring = &server->rings[lane_of(server, job)];
    bool is_queued = ring->size < PDB_SERVER_QUEUE_MAX && !server->workers_stop &&
                     server->queue_bytes + job->payload_size <= PDB_SERVER_QUEUE_BYTES_MAX;
    if (is_queued) {
        server->queue_bytes += job->payload_size;
        ring->jobs[(ring->head + ring->size) % PDB_SERVER_QUEUE_MAX] = job;
        ring->size++;
        pthread_cond_broadcast(&ring->nonempty); /* a group waiting for more, or a worker */
    }
    pthread_mutex_unlock(&server->queue_mutex);
    return is_queued;
}

/* With queue_mutex held: the ring's first job, removed. */
static struct job *ring_take(struct job_ring *ring)
{
    struct job *job = ring->jobs[ring->head];
    ring->head = (ring->head + 1) % PDB_SERVER_QUEUE_MAX;
    ring->size--;
    return job;
}

static struct job *next_job(struct server *server, struct job_ring *ring)
{
    pthread_mutex_lock(&server->queue_mutex);
    while (ring->size == 0 && !server->workers_stop)
        pthread_cond_wait(&ring->nonempty, &server->queue_mutex);
    struct job *job = ring->size > 0 ? ring_take(ring) : NULL;
    pthread_mutex_unlock(&server->queue_mutex);
    return job;
}

/* ---- Responses ------------------------------------------------------------------------ */

size_t worker_frame_begin(struct worker *worker, const struct job *job, uint8_t opcode,
                          uint16_t flags)
{
    buffer_reset(&worker->frame);
    return protocol_frame_begin(&worker->frame, opcode, PROTOCOL_FLAG_RESPONSE | flags,
                                job->request_id);
}

void worker_respond_error(struct worker *worker, const struct job *job, enum protocol_error code,
                          const char *format, ...)
{
    char message[PDB_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_ERROR, 0);
    if (start != SIZE_MAX && protocol_error_response_encode(&worker->frame, code, message) == 0 &&
        protocol_frame_end(&worker->frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) == 0)
        connection_append_frame(job->connection, &worker->frame);
    atomic_fetch_add(&worker->server->counter_errors, 1);
}

void worker_respond_status(struct worker *worker, const struct job *job,
                           const struct pdb_error *error)
{
    worker_respond_error(worker, job, protocol_error_for_status(error->status), "%s",
                  error->message[0] ? error->message : pdb_status_name(error->status));
}

/* Ends the frame begun in worker->frame and queues it; a payload that failed to encode
 * (encoded != 0) or a frame over the response limit becomes an error. */
void worker_respond_frame(struct worker *worker, const struct job *job, size_t start, int encoded)
{
    if (start == SIZE_MAX || encoded != 0) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory building the response");
        return;
    }
    if (protocol_frame_end(&worker->frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) != 0) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_LIMIT,
                      "the response is larger than the %u-byte frame limit",
                      PDB_RESPONSE_FRAME_SIZE_MAX);
        return;
    }
    connection_append_frame(job->connection, &worker->frame);
}

/* A NUL-terminated copy of a string from the payload; NULL when out of memory. */
char *worker_string_copy(struct protocol_string string)
{
    return mem_strndup(string.data, string.size);
}

/* ---- Requests ------------------------------------------------------------------------- */

void worker_run_count(struct worker *worker, const struct job *job)
{
    struct protocol_segment_request request;
    if (!protocol_segment_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                      "COUNT payload does not decode (i64 now_s, string segment)");
        return;
    }
    char *segment = worker_string_copy(request.segment);
    if (segment == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
        return;
    }
    pdb_db_set_now(worker->db, request.now_s);
    uint64_t count = 0;
    struct pdb_error error = {0};
    if (pdb_segment_count(worker->db, segment, &count, &error) != PDB_OK) {
        worker_respond_status(worker, job, &error);
    } else {
        size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_COUNT, 0);
        worker_respond_frame(worker, job, start, protocol_put_u64(&worker->frame, count));
    }
    pdb_db_set_now(worker->db, 0);
    mem_free(segment);
}

struct ids_stream {
    struct worker *worker;
    const struct job *job;
    uint32_t page_rows;
    uint32_t id_count; /* in the current page */
    bool is_stopped;
    enum protocol_error stop_code; /* NONE: the connection died */
};

/* Sends the current page; false when the stream must stop. */
static bool ids_page_send(struct ids_stream *stream, bool is_last)
{
    struct worker *worker = stream->worker;
    const struct job *job = stream->job;
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_IDS, is_last ? 0 : PROTOCOL_FLAG_MORE);
    int encoded = start == SIZE_MAX ? -1 : protocol_put_u32(&worker->frame, stream->id_count);
    for (uint32_t i = 0; i < stream->id_count && encoded == 0; i++)
        encoded = protocol_put_u32(&worker->frame, worker->page[i]);
    if (encoded != 0 ||
        protocol_frame_end(&worker->frame, start, PDB_RESPONSE_FRAME_SIZE_MAX) != 0) {
        stream->is_stopped = true;
        stream->stop_code = PROTOCOL_ERROR_NO_MEMORY;
        return false;
    }
    struct connection *connection = job->connection;
    struct timespec deadline = {.tv_sec = (time_t)(job->deadline_ms / 1000),
                                .tv_nsec = (long)(job->deadline_ms % 1000) * 1000000L};
    pthread_mutex_lock(&connection->mutex);
    bool has_timed_out = false;
    bool has_paused = false;
    while (!connection->is_dead && connection->output.size - connection->output_sent >=
                                       worker->server->options.output_size_max) {
        if (server_now_ms() >= job->deadline_ms) {
            has_timed_out = true;
            break;
        }
        if (!has_paused) atomic_fetch_add(&worker->server->counter_pauses, 1);
        has_paused = true;
        pthread_cond_timedwait(&connection->drained, &connection->mutex, &deadline);
    }
    bool is_dead = connection->is_dead;
    if (!is_dead && !has_timed_out &&
        buffer_append(&connection->output, worker->frame.data, worker->frame.size) != 0) {
        has_timed_out = true; /* out of memory: reported below as such */
        stream->stop_code = PROTOCOL_ERROR_NO_MEMORY;
    }
    pthread_mutex_unlock(&connection->mutex);
    server_slot_notify(worker->server, connection->slot);
    stream->id_count = 0;
    if (is_dead) {
        stream->is_stopped = true;
        stream->stop_code = PROTOCOL_ERROR_NONE;
        return false;
    }
    if (has_timed_out) {
        stream->is_stopped = true;
        if (stream->stop_code == PROTOCOL_ERROR_NONE) stream->stop_code = PROTOCOL_ERROR_DEADLINE;
        return false;
    }
    return true;
}

static bool ids_on_id(void *context, uint32_t row_id)
{
    struct ids_stream *stream = context;
    stream->worker->page[stream->id_count++] = row_id;
    if (stream->id_count < stream->page_rows) return true;
    if (server_now_ms() >= stream->job->deadline_ms) {
        stream->is_stopped = true;
        stream->stop_code = PROTOCOL_ERROR_DEADLINE;
        return false;
    }
    return ids_page_send(stream, false);
}

/* IDS form 1: one frame holding the whole result as a portable roaring bitmap. */
static void run_ids_bitmap(struct worker *worker, const struct job *job,
                           const struct protocol_ids_request *request, const char *segment)
{
    uint8_t *bytes = NULL;
    size_t size = 0;
    uint64_t cardinality = 0;
    struct pdb_error error = {0};
    pdb_db_set_now(worker->db, request->now_s);
    enum pdb_status status =
        pdb_segment_bitmap(worker->db, segment, request->limit, &bytes, &size, &cardinality,
                           &error);
    pdb_db_set_now(worker->db, 0);
    if (status != PDB_OK) {
        worker_respond_status(worker, job, &error);
        return;
    }
    if (size + 64 > PDB_RESPONSE_FRAME_SIZE_MAX) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_LIMIT,
                             "the bitmap of %llu ids takes %zu bytes, more than the %u-byte "
                             "response frame limit; use pages (form 0)",
                             (unsigned long long)cardinality, size, PDB_RESPONSE_FRAME_SIZE_MAX);
    } else {
        size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_IDS, 0);
        worker_respond_frame(
            worker, job, start,
            start == SIZE_MAX ? -1
                              : protocol_ids_bitmap_encode(&worker->frame, cardinality, bytes,
                                                           size));
    }
    pdb_bitmap_destroy(bytes);
}

static void run_ids(struct worker *worker, const struct job *job)
{
    struct protocol_ids_request request;
    if (!protocol_ids_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                      "IDS payload does not decode (i64 now_s, u64 limit, u32 page_rows, u8 form, "
                      "3 reserved zero bytes, string segment)");
        return;
    }
    char *segment = worker_string_copy(request.segment);
    if (segment == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
        return;
    }
    if (request.form == PROTOCOL_IDS_ROARING) {
        run_ids_bitmap(worker, job, &request, segment);
        mem_free(segment);
        return;
    }
    uint32_t page_rows = worker->server->options.page_rows;
    if (request.page_rows != 0 && request.page_rows < page_rows) page_rows = request.page_rows;
    struct ids_stream stream = {.worker = worker, .job = job, .page_rows = page_rows};
    struct pdb_error error = {0};
    pdb_db_set_now(worker->db, request.now_s);
    /* Check first so that a bad segment is one ERROR frame and no pages. */
    enum pdb_status status = pdb_segment_check(worker->db, segment, &error);
    if (status == PDB_OK)
        status = pdb_segment_ids(worker->db, segment, request.limit, ids_on_id, &stream, &error);
    pdb_db_set_now(worker->db, 0);
    mem_free(segment);
    if (status != PDB_OK) {
        worker_respond_status(worker, job, &error);
    } else if (stream.is_stopped) {
        if (stream.stop_code == PROTOCOL_ERROR_DEADLINE)
            worker_respond_error(worker, job, PROTOCOL_ERROR_DEADLINE,
                          "IDS stopped: the %u ms request deadline passed",
                          worker->server->options.deadline_ms);
        else if (stream.stop_code != PROTOCOL_ERROR_NONE)
            worker_respond_error(worker, job, stream.stop_code, "IDS stopped: out of memory");
    } else {
        ids_page_send(&stream, true);
    }
}

static void run_get(struct worker *worker, const struct job *job)
{
    struct protocol_get_request request;
    if (!protocol_get_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                      "GET payload does not decode (u8 by, 3 reserved zero bytes, then u32 row_id "
                      "or string attribute, string key)");
        return;
    }
    struct pdb_error error = {0};
    uint32_t row_id = request.row_id;
    enum pdb_status status = PDB_OK;
    if (request.by == PROTOCOL_GET_BY_KEY) {
        char *attribute = worker_string_copy(request.attribute);
        char *key = worker_string_copy(request.key);
        if (attribute == NULL || key == NULL)
            status = error_set(&error, PDB_ERR_NO_MEMORY, "out of memory");
        else
            status = pdb_profile_find(worker->db, attribute, key, &row_id, &error);
        mem_free(attribute);
        mem_free(key);
    }
    struct pdb_profile *profile = NULL;
    if (status == PDB_OK) status = pdb_profile_get(worker->db, row_id, &profile, &error);
    if (status != PDB_OK) {
        worker_respond_status(worker, job, &error);
        return;
    }
    uint32_t count = pdb_db_attribute_count(worker->db);
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_GET, 0);
    int encoded = start == SIZE_MAX ? -1 : 0;
    if (encoded == 0)
        encoded =
            protocol_put_u32(&worker->frame, row_id) | protocol_put_u32(&worker->frame, count);
    for (uint32_t a = 0; a < count && encoded == 0; a++) {
        struct pdb_attribute_info info;
        struct pdb_value value;
        pdb_db_attribute(worker->db, a, &info);
        pdb_profile_value(profile, a, &value);
        uint8_t state = PROTOCOL_VALUE_PRESENT;
        if ((info.flags & PDB_FLAG_PII) && !job->has_pii)
            state = PROTOCOL_VALUE_MASKED;
        else if (value.is_null)
            state = PROTOCOL_VALUE_NULL;
        encoded = protocol_value_encode(&worker->frame, &info, &value, state);
    }
    pdb_profile_destroy(profile);
    worker_respond_frame(worker, job, start, encoded);
}

static void run_stats(struct worker *worker, const struct job *job)
{
    if (job->payload_size != 0) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST, "STATS takes an empty payload");
        return;
    }
    struct pdb_stats stats;
    struct pdb_error error = {0};
    if (pdb_db_stats(worker->db, &stats, &error) != PDB_OK) {
        worker_respond_status(worker, job, &error);
        return;
    }
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_STATS, 0);
    worker_respond_frame(worker, job, start,
                  start == SIZE_MAX ? -1 : protocol_stats_encode(&worker->frame, &stats));
    pdb_stats_deinit(&stats);
}

static void run_job(struct worker *worker, const struct job *job)
{
    if (!worker_job_is_live(worker, job)) return;
    switch (job->opcode) {
    case PROTOCOL_OP_COUNT:
        worker_run_count(worker, job);
        break;
    case PROTOCOL_OP_IDS:
        run_ids(worker, job);
        break;
    case PROTOCOL_OP_GET:
        run_get(worker, job);
        break;
    case PROTOCOL_OP_STATS:
        run_stats(worker, job);
        break;
    case PROTOCOL_OP_BREAKDOWN:
        worker_run_breakdown(worker, job);
        break;
    case PROTOCOL_OP_OVERLAP:
        worker_run_overlap(worker, job);
        break;
    case PROTOCOL_OP_SEGMENT_SAVE:
        worker_run_segment_save(worker, job);
        break;
    case PROTOCOL_OP_SEGMENT_LIST:
        worker_run_segment_list(worker, job);
        break;
    case PROTOCOL_OP_SEGMENT_DROP:
        worker_run_segment_drop(worker, job);
        break;
    default:
        worker_respond_error(worker, job, PROTOCOL_ERROR_INTERNAL, "opcode 0x%02x reached a worker",
                      job->opcode);
    }
}

/* The COUNT jobs at the head of the queue, up to `max` (FIFO order is kept: the first job of
 * another kind ends the batch). */
static uint32_t take_counts(struct server *server, struct job **jobs, uint32_t max)
{
    struct job_ring *ring = &server->rings[LANE_GENERAL];
    uint32_t taken = 0;
    pthread_mutex_lock(&server->queue_mutex);
    while (taken < max && ring->size > 0 && ring->jobs[ring->head]->opcode == PROTOCOL_OP_COUNT)
        jobs[taken++] = ring_take(ring);
    pthread_mutex_unlock(&server->queue_mutex);
    return taken;
}

/* An UPSERT group (worker_upsert.c): the UPSERT jobs at the head of the write lane, up to
 * `max`; while the group is not full, no other kind of job is at the head and another
 * connection is open, it waits up to options.upsert_group_wait_us (from now) for more. */
static uint32_t take_upserts(struct server *server, struct job **jobs, uint32_t max)
{
    struct job_ring *ring = &server->rings[LANE_WRITE];
    uint32_t taken = 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    uint64_t wait_ns = (uint64_t)server->options.upsert_group_wait_us * 1000u;
    deadline.tv_sec += (time_t)(wait_ns / 1000000000u);
    deadline.tv_nsec += (long)(wait_ns % 1000000000u);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    bool may_wait = wait_ns > 0 && atomic_load(&server->counter_open) > 1;
    pthread_mutex_lock(&server->queue_mutex);
    while (taken < max) {
        if (ring->size > 0 && ring->jobs[ring->head]->opcode == PROTOCOL_OP_UPSERT) {
            jobs[taken++] = ring_take(ring);
            continue;
        }
        if (!may_wait || ring->size > 0 || server->workers_stop) break;
        if (pthread_cond_timedwait(&ring->nonempty, &server->queue_mutex, &deadline) != 0)
            may_wait = false; /* timed out: take what is there, then stop */
    }
    pthread_mutex_unlock(&server->queue_mutex);
    return taken;
}

static void finish_job(struct server *server, struct job *job)
{
    struct connection *connection = job->connection;
    uint32_t slot = connection->slot;
    pthread_mutex_lock(&connection->mutex);
    connection->in_flight--;
    pthread_mutex_unlock(&connection->mutex);
    pthread_mutex_lock(&server->queue_mutex);
    server->queue_bytes -= job->payload_size;
    pthread_mutex_unlock(&server->queue_mutex);
    /* From here the loop may free the connection: only its slot number is used. */
    server_slot_notify(server, slot);
    mem_free(job);
}

bool worker_job_is_live(struct worker *worker, const struct job *job)
{
    if (server_now_ms() >= job->deadline_ms) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_DEADLINE,
                             "the %u ms request deadline passed before a worker was free",
                             worker->server->options.deadline_ms);
        return false;
    }
    pthread_mutex_lock(&job->connection->mutex);
    bool is_dead = job->connection->is_dead;
    pthread_mutex_unlock(&job->connection->mutex);
    return !is_dead; /* nobody to answer */
}

/* A reading worker of a writable server, before a request: brings its handle up to every
 * acknowledged group (pdb_db_follow). False (the caller answers the jobs with
 * *error) when the handle could not follow. */
static bool follow_writer(struct worker *worker, struct pdb_error *error)
{
    struct server *server = worker->server;
    if (server->writer == NULL || worker->db == server->writer) return true;
    /* The newest record any reader has shown (a follow may apply a group whose fdatasync is
     * still running), or acknowledged: so reads never go back in time across workers. */
    uint64_t target = atomic_load(&server->acked_lsn);
    uint64_t shown = atomic_load(&server->shown_lsn);
    if (shown > target) target = shown;
    if (worker->followed_lsn >= target) return true;
    /* Identifier indexes that applying updates dropped are rebuilt by the engine on the
     * handle's next lookups (the GET lane's), not here: a COUNT worker needs none. */
    if (pdb_db_follow(worker->db, &worker->followed_lsn, error) != PDB_OK) {
        error_prefix(error, "serve: following the writer: ");
        server_log(server, "%s", error->message);
        return false;
    }
    uint64_t seen = atomic_load(&server->shown_lsn);
    while (seen < worker->followed_lsn &&
           !atomic_compare_exchange_weak(&server->shown_lsn, &seen, worker->followed_lsn)) {
    }
    return true;
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    struct server *server = worker->server;
    struct job_ring *ring = &server->rings[worker->lane];
    struct job *job;
    while ((job = next_job(server, ring)) != NULL) {
        struct job *batch[PDB_SERVER_UPSERT_GROUP_MAX];
        uint32_t batch_size = 1;
        batch[0] = job;
        if (worker->lane == LANE_WRITE && job->opcode == PROTOCOL_OP_UPSERT) {
            /* What queued while the previous group synced joins this one (group commit,
             * worker_upsert.c). */
            if (server->options.upsert_group_max > 1)
                batch_size += take_upserts(server, batch + 1, server->options.upsert_group_max - 1);
            worker_run_upsert_group(worker, batch, batch_size);
        } else {
            /* COUNTs waiting behind a COUNT are evaluated with it in one pass over the chunks
             * (worker_count_batch.c): each column is read once for all of them. */
            if (job->opcode == PROTOCOL_OP_COUNT && server->options.count_batch_max > 1)
                batch_size += take_counts(server, batch + 1, server->options.count_batch_max - 1);
            struct pdb_error error = {0};
            if (!follow_writer(worker, &error)) {
                for (uint32_t i = 0; i < batch_size; i++)
                    if (worker_job_is_live(worker, batch[i]))
                        worker_respond_status(worker, batch[i], &error);
            } else if (job->opcode == PROTOCOL_OP_UPSERT) {
                worker_run_upsert_group(worker, batch, 1); /* a read-only server: UNSUPPORTED */
            } else if (batch_size == 1) {
                run_job(worker, job);
            } else {
                worker_run_count_batch(worker, batch, batch_size);
            }
        }
        for (uint32_t i = 0; i < batch_size; i++) finish_job(server, batch[i]);
        /* Under a realtime policy (chrt -f) threads of one priority are not time-sliced: with
         * as many busy workers as processors, the event loop woken above would not run until
         * the queue is empty, and would then read and answer in bursts (a COUNT's p99 at 16
         * clients grew from the queue's length to twice it). Yielding puts this worker behind
         * the loop; under the default policy it costs one system call per request. */
        sched_yield();
    }
    return NULL;
}

/* ---- Pool ----------------------------------------------------------------------------- */

/* GET by identifier: builds each identifier's hash index now, not on a client's second
 * lookup (one per handle: each worker has its own). */
static enum pdb_status index_identifiers(struct pdb_db *db, struct pdb_error *error)
{
    for (uint32_t a = 0; a < pdb_db_attribute_count(db); a++) {
        struct pdb_attribute_info info;
        if (pdb_db_attribute(db, a, &info) != PDB_OK) continue;
        bool is_key_type = info.type == PDB_TYPE_TEXT || info.type == PDB_TYPE_CATEGORY ||
                           info.type == PDB_TYPE_INT;
        if (!(info.flags & PDB_FLAG_IDENTIFIER) || !is_key_type) continue;
        enum pdb_status status = pdb_profile_index(db, info.name, error);
        if (status != PDB_OK) {
            error_prefix(error, "serve: indexing identifier '%s': ", info.name);
            return status;
        }
    }
    return PDB_OK;
}

/* Opens a worker's handle (or, for the write lane, the writer: DB/LOCK and every column, now
 * rather than on the first UPSERT; an empty batch logs nothing). */
static enum pdb_status open_handle(struct server *server, struct worker *worker,
                                   uint32_t query_threads, struct pdb_error *error)
{
    enum pdb_status status = pdb_db_open(server->options.db_path, &worker->db, error);
    if (status != PDB_OK) return status;
    pdb_db_set_threads(worker->db, worker->lane == LANE_GET ? 1u : query_threads);
    if (worker->lane == LANE_WRITE) {
        struct pdb_upsert_result ignored;
        if ((status = pdb_db_upsert(worker->db, "", 0, &ignored, error)) != PDB_OK) {
            error_prefix(error, "serve --writable: ");
            return status;
        }
        server->writer = worker->db;
        return PDB_OK;
    }
    if (server->options.writable &&
        (status = pdb_db_follow(worker->db, &worker->followed_lsn, error)) != PDB_OK)
        return status;
    return index_identifiers(worker->db, error);
}

enum pdb_status workers_start(struct server *server, struct pdb_error *error)
{
    /* Defaults (measured, README "Server"): one worker whose queries use every processor,
     * plus the GET lane; COUNT batches then run on all cores one at a time. */
    uint32_t count = server->options.worker_count;
    if (count == 0) count = 1;
    if (count > PDB_SERVER_WORKERS_MAX) count = PDB_SERVER_WORKERS_MAX;
    long processors = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t query_threads = server->options.query_threads;
    if (query_threads == 0) {
        query_threads = processors > 0 ? (uint32_t)processors / count : 1;
        if (query_threads == 0) query_threads = 1;
    }
    server->has_get_lane = server->options.has_get_lane;
    /* The write lane first: its handle becomes the writer before the readers open. */
    uint32_t total = count + (server->has_get_lane ? 1u : 0u) + (server->options.writable ? 1u : 0u);
    server->workers = mem_calloc(total, sizeof *server->workers);
    if (server->workers == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "serve: out of memory");
    server->worker_count = total;
    for (uint32_t w = 0; w < total; w++) {
        struct worker *worker = &server->workers[w];
        worker->server = server;
        uint32_t general_from = server->options.writable ? 1u : 0u;
        worker->lane = w < general_from ? LANE_WRITE
                       : w < general_from + count ? LANE_GENERAL
                                                  : LANE_GET;
        buffer_init(&worker->frame);
        buffer_init(&worker->group_text);
        worker->group_members =
            mem_calloc(server->options.upsert_group_max, sizeof *worker->group_members);
        worker->page = mem_alloc((size_t)server->options.page_rows * sizeof *worker->page);
        if (worker->group_members == NULL || worker->page == NULL)
            return error_set(error, PDB_ERR_NO_MEMORY, "serve: out of memory");
        enum pdb_status status = open_handle(server, worker, query_threads, error);
        if (status != PDB_OK) return status;
        uint64_t rows = pdb_db_row_count(worker->db);
        if (w == 0)
            server->row_count = rows;
        else if (rows != server->row_count)
            return error_set(
                error, PDB_ERR_LOCKED,
                "serve: %s changed while the workers opened it (%llu rows, then %llu); "
                "do not ingest into a database while serving it",
                server->options.db_path, (unsigned long long)server->row_count,
                (unsigned long long)rows);
    }
    for (uint32_t w = 0; w < total; w++) {
        struct worker *worker = &server->workers[w];
        int failed = pthread_create(&worker->thread, NULL, worker_main, worker);
        if (failed != 0)
            return error_set_errno(error, PDB_ERR_NO_MEMORY, failed, "serve: starting worker %u",
                                   w);
        worker->is_started = true;
    }
    return PDB_OK;
}

void workers_stop(struct server *server)
{
    if (server->workers == NULL) return;
    pthread_mutex_lock(&server->queue_mutex);
    server->workers_stop = true;
    for (int l = 0; l < LANE_COUNT; l++) pthread_cond_broadcast(&server->rings[l].nonempty);
    pthread_mutex_unlock(&server->queue_mutex);
    for (uint32_t w = 0; w < server->worker_count; w++) {
        struct worker *worker = &server->workers[w];
        if (worker->is_started) pthread_join(worker->thread, NULL);
        if (worker->db != server->writer) pdb_db_close(worker->db);
        worker->db = NULL;
        buffer_deinit(&worker->frame);
        buffer_deinit(&worker->group_text);
        mem_free(worker->group_members);
        mem_free(worker->page);
    }
    if (server->writer != NULL) {
        server_log(server, "upserts: %llu requests in %llu log records (fdatasyncs)",
                   (unsigned long long)atomic_load(&server->counter_upsert_requests),
                   (unsigned long long)atomic_load(&server->counter_upsert_syncs));
        /* Drained: fold the log into the files before the lock goes. */
        struct pdb_error error = {0};
        if (pdb_db_checkpoint(server->writer, &error) != PDB_OK)
            server_log(server, "checkpoint at stop failed: %s (the log keeps every batch)",
                       error.message);
        else
            server_log(server, "checkpoint at stop: done");
        pdb_db_close(server->writer);
        server->writer = NULL;
    }
    mem_free(server->workers);
    server->workers = NULL;
    server->worker_count = 0;
}
