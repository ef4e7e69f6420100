/*
 * COUNT batches: the COUNT requests waiting at the head of the queue when a worker takes one
 * (up to options.count_batch_max, default PDB_SERVER_COUNT_BATCH_MAX) are answered from one
 * pdb_segment_overlap pass over the chunks, whose diagonal holds each segment's count.
 *
 * Why: a COUNT is bound by reading its columns (a 4-predicate segment at 10^7 profiles reads
 * about 130 MB); evaluated chunk by chunk together, the segments of a batch read each chunk's
 * columns once and from cache after the first (16 such segments: 3.7 ms each instead of
 * 13.5 ms, one thread). The answers are exactly pdb_segment_count's. Requests that do not
 * decode or whose segment does not compile (checked first: one bad segment would fail the
 * whole overlap), requests with another now_s than the first, and every request of a batch
 * whose pass fails (out of memory) run one by one instead, so each gets its own answer or
 * error.
 */
#include <string.h>

#include "base/alloc.h"
#include "server/server_internal.h"

void worker_run_count_batch(struct worker *worker, struct job **jobs, uint32_t job_count)
{
    const struct job *members[PDB_SERVER_COUNT_BATCH_MAX];
    char *segments[PDB_SERVER_COUNT_BATCH_MAX];
    uint32_t member_count = 0;
    int64_t now_s = 0;
    for (uint32_t i = 0; i < job_count; i++) {
        const struct job *job = jobs[i];
        if (!worker_job_is_live(worker, job)) continue;
        struct protocol_segment_request request;
        bool is_member = protocol_segment_request_decode(job->payload, job->payload_size, &request);
        if (is_member && member_count > 0 && request.now_s != now_s) is_member = false;
        char *segment = is_member ? worker_string_copy(request.segment) : NULL;
        /* A segment that does not compile would fail the whole pass: it runs alone, which
         * answers it with its error. */
        if (segment != NULL) {
            pdb_db_set_now(worker->db, request.now_s);
            if (pdb_segment_check(worker->db, segment, NULL) != PDB_OK) {
                mem_free(segment);
                segment = NULL;
            }
            pdb_db_set_now(worker->db, 0);
        }
        if (segment == NULL) {
            worker_run_count(worker, job); /* answers it, or says why not */
            continue;
        }
        if (member_count == 0) now_s = request.now_s;
        members[member_count] = job;
        segments[member_count++] = segment;
    }
    uint64_t *matrix = NULL;
    enum pdb_status status = PDB_ERR_NO_MEMORY;
    if (member_count > 1) {
        matrix = mem_alloc((size_t)member_count * member_count * sizeof *matrix);
        if (matrix != NULL) {
            pdb_db_set_now(worker->db, now_s);
            status = pdb_segment_overlap(worker->db, (const char *const *)segments, member_count,
                                         matrix, NULL);
            pdb_db_set_now(worker->db, 0);
        }
    }
    for (uint32_t i = 0; i < member_count; i++) {
        if (status == PDB_OK) {
            size_t start = worker_frame_begin(worker, members[i], PROTOCOL_OP_COUNT, 0);
            worker_respond_frame(
                worker, members[i], start,
                start == SIZE_MAX
                    ? -1
                    : protocol_put_u64(&worker->frame, matrix[(size_t)i * member_count + i]));
        } else {
            worker_run_count(worker, members[i]);
        }
        mem_free(segments[i]);
    }
    mem_free(matrix);
}
