/*
 * Worker requests beyond counting and reading: BREAKDOWN, OVERLAP and the saved segments
 * (SEGMENT_SAVE, SEGMENT_LIST, SEGMENT_DROP), each on the worker's own handle through the
 * public API (pdb_segment_breakdown, pdb_segment_overlap, pdb_segment_save/list/drop).
 *
 * Saved segments live in the database's SEGMENTS file; every handle re-reads it on its next
 * compile when the file changed, so a segment saved through one worker is usable at once in
 * requests any other worker runs. Changes are serialised by server->change_mutex (the handles
 * would otherwise refuse each other's writer lock). Roles are checked before a job is queued
 * (connection.c): a reader never gets here with SAVE or DROP.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "server/server_internal.h"

void worker_run_breakdown(struct worker *worker, const struct job *job)
{
    struct protocol_breakdown_request request;
    if (!protocol_breakdown_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "BREAKDOWN payload does not decode (i64 now_s, u32 limit, u32 "
                             "reserved zero, string segment, string attribute)");
        return;
    }
    char *segment = worker_string_copy(request.segment);
    char *attribute = worker_string_copy(request.attribute);
    if (segment == NULL || attribute == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
    } else {
        pdb_db_set_now(worker->db, request.now_s);
        struct pdb_breakdown breakdown;
        struct pdb_error error = {0};
        if (pdb_segment_breakdown(worker->db, segment, attribute, request.limit, &breakdown,
                                  &error) != PDB_OK) {
            worker_respond_status(worker, job, &error);
        } else {
            size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_BREAKDOWN, 0);
            worker_respond_frame(
                worker, job, start,
                start == SIZE_MAX ? -1
                                  : protocol_breakdown_response_encode(&worker->frame, &breakdown));
            pdb_breakdown_deinit(&breakdown);
        }
        pdb_db_set_now(worker->db, 0);
    }
    mem_free(segment);
    mem_free(attribute);
}

void worker_run_overlap(struct worker *worker, const struct job *job)
{
    struct protocol_overlap_request request;
    if (!protocol_overlap_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "OVERLAP payload does not decode (i64 now_s, u32 segment_count "
                             "1..%u, that many strings)",
                             PDB_OVERLAP_SEGMENTS_MAX);
        return;
    }
    uint32_t n = request.segment_count;
    char *segments[PDB_OVERLAP_SEGMENTS_MAX] = {0};
    uint64_t *matrix = mem_alloc((size_t)n * n * sizeof *matrix);
    bool has_memory = matrix != NULL;
    for (uint32_t i = 0; i < n && has_memory; i++)
        has_memory = (segments[i] = worker_string_copy(request.segments[i])) != NULL;
    if (!has_memory) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
    } else {
        pdb_db_set_now(worker->db, request.now_s);
        struct pdb_error error = {0};
        if (pdb_segment_overlap(worker->db, (const char *const *)segments, n, matrix, &error) !=
            PDB_OK) {
            worker_respond_status(worker, job, &error);
        } else {
            size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_OVERLAP, 0);
            worker_respond_frame(worker, job, start,
                                 start == SIZE_MAX
                                     ? -1
                                     : protocol_overlap_response_encode(&worker->frame, n, matrix));
        }
        pdb_db_set_now(worker->db, 0);
    }
    for (uint32_t i = 0; i < n; i++)
        mem_free(segments[i]);
    mem_free(matrix);
}

/* An empty response frame: the answer to a successful SAVE or DROP. */
static void respond_empty(struct worker *worker, const struct job *job)
{
    size_t start = worker_frame_begin(worker, job, job->opcode, 0);
    worker_respond_frame(worker, job, start, start == SIZE_MAX ? -1 : 0);
}

void worker_run_segment_save(struct worker *worker, const struct job *job)
{
    struct protocol_segment_save_request request;
    if (!protocol_segment_save_request_decode(job->payload, job->payload_size, &request)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "SEGMENT_SAVE payload does not decode (string name of at most %u "
                             "bytes, string segment)",
                             PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
        return;
    }
    char *name = worker_string_copy(request.name);
    char *segment = worker_string_copy(request.segment);
    if (name == NULL || segment == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
    } else {
        struct pdb_error error = {0};
        pthread_mutex_lock(&worker->server->change_mutex);
        enum pdb_status status = pdb_segment_save(worker->db, name, segment, &error);
        pthread_mutex_unlock(&worker->server->change_mutex);
        if (status != PDB_OK) {
            worker_respond_status(worker, job, &error);
        } else {
            server_log(worker->server, "saved segment '%s'", name);
            respond_empty(worker, job);
        }
    }
    mem_free(name);
    mem_free(segment);
}

void worker_run_segment_drop(struct worker *worker, const struct job *job)
{
    struct protocol_string name_string;
    if (!protocol_segment_name_decode(job->payload, job->payload_size, &name_string)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "SEGMENT_DROP payload does not decode (string name of at most %u "
                             "bytes)",
                             PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
        return;
    }
    char *name = worker_string_copy(name_string);
    if (name == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_NO_MEMORY, "out of memory");
        return;
    }
    struct pdb_error error = {0};
    pthread_mutex_lock(&worker->server->change_mutex);
    enum pdb_status status = pdb_segment_drop(worker->db, name, &error);
    pthread_mutex_unlock(&worker->server->change_mutex);
    if (status != PDB_OK) {
        worker_respond_status(worker, job, &error);
    } else {
        server_log(worker->server, "dropped segment '%s'", name);
        respond_empty(worker, job);
    }
    mem_free(name);
}

struct list_builder {
    struct buffer *frame;
    uint32_t count;
    bool has_failed;
};

static bool list_append(void *context, const char *name, const char *segment)
{
    struct list_builder *builder = context;
    if (protocol_put_string(builder->frame, name, strlen(name)) != 0 ||
        protocol_put_string(builder->frame, segment, strlen(segment)) != 0) {
        builder->has_failed = true;
        return false;
    }
    builder->count++;
    return true;
}

void worker_run_segment_list(struct worker *worker, const struct job *job)
{
    if (job->payload_size != 0) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "SEGMENT_LIST takes an empty payload");
        return;
    }
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_SEGMENT_LIST, 0);
    if (start == SIZE_MAX || protocol_put_u32(&worker->frame, 0) != 0) {
        worker_respond_frame(worker, job, start, -1);
        return;
    }
    size_t count_offset = worker->frame.size - 4;
    struct list_builder builder = {.frame = &worker->frame};
    struct pdb_error error = {0};
    if (pdb_segment_list(worker->db, list_append, &builder, &error) != PDB_OK) {
        worker_respond_status(worker, job, &error);
        return;
    }
    if (!builder.has_failed) store_u32(worker->frame.data + count_offset, builder.count);
    worker_respond_frame(worker, job, start, builder.has_failed ? -1 : 0);
}
