/*
 * UPSERT (0x20) with group commit: the UPSERT requests waiting in the queue (from every
 * connection) are applied through the server's writer handle as ONE pdb_db_upsert call (one
 * WAL record, one fdatasync), and the outcome is split back per request.
 *
 * Forming a group (worker.c, take_upserts, on the write lane's worker, the writer handle's
 * only user): the worker that takes an UPSERT takes the UPSERTs that follow it at the head of
 * the write lane's queue, up to options.upsert_group_max
 * requests, and waits up to options.upsert_group_wait_us for more to arrive while the group is
 * not full and another connection is open (PDB_SERVER_UPSERT_GROUP_WAIT_US_DEFAULT: 1 ms). The
 * bound on an acknowledgement's wait is therefore: the write jobs queued before it, that wait,
 * plus one validation, pwrite, fdatasync and apply of the group's records.
 *
 * Combining: each member's records are appended to one text, each ending with a newline, so
 * member i's line k is line first_line[i] + k of the group. A member that does not decode, or
 * would take the group over PDB_UPSERT_BATCH_RECORDS_MAX lines or PDB_UPSERT_BATCH_SIZE_MAX
 * bytes, runs alone (it gets its own answer or error). When the group call fails without
 * having logged anything (the handle's writes still work) each member is retried alone, so
 * one request cannot fail the others; after a failed log write every member gets the error.
 *
 * Splitting: rejects are read back from the group's reject file
 * (DB/rejects/upsert-<lsn>.rejects.csv) and given to the member whose line range holds them,
 * renumbered from that member's first line. A member's accepted count is its records (lines
 * that are not blank) minus its rejects; its lsn is the group's when it had accepted records,
 * else 0. Inserted and updated are the member's own: when the group only inserted or only
 * updated that is its accepted count; a mixed group is resolved per record by
 * worker_upsert_keys.c (a new profile is counted as inserted by the first accepted record of
 * the group that names it, every other record as an update), which is exactly the engine's
 * rule as the group applied the records in member order.
 */
#include "server/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"


/* ---- Reading the reject file back ------------------------------------------------------- */

/* Reads one CSV field (RFC 4180 quoting) from *at into out (NUL-terminated, truncated to
 * out_size); returns false at the end of the line. */
static bool csv_field(const char **at, char *out, size_t out_size)
{
    const char *p = *at;
    size_t used = 0;
    bool quoted = *p == '"';
    if (quoted) p++;
    for (; *p != '\0'; p++) {
        if (quoted && *p == '"') {
            if (p[1] == '"') {
                p++;
            } else {
                quoted = false;
                continue;
            }
        } else if (!quoted && (*p == ',' || *p == '\n' || *p == '\r')) {
            break;
        }
        if (used + 1 < out_size) out[used++] = *p;
    }
    out[used] = '\0';
    bool more = *p == ',';
    *at = more ? p + 1 : p;
    return more;
}

/* The rejects of `path` (at most `expected`), in file order, into *rejects_out (mem_free it).
 * A reject file that cannot be read gives one reject with line UINT32_MAX naming it. Returns
 * the count, or -1 when out of memory. */
static int64_t rejects_read(const char *path, uint64_t expected, struct upsert_reject **rejects_out)
{
    size_t capacity = expected > 0 ? (size_t)expected : 1;
    struct upsert_reject *rejects = mem_alloc(capacity * sizeof *rejects);
    if (rejects == NULL) return -1;
    *rejects_out = rejects;
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        int used = snprintf(rejects[0].message, sizeof rejects[0].message,
                            "%s: cannot read the reject file", path);
        rejects[0].line = UINT32_MAX;
        rejects[0].size = used < 0 ? 0 : (uint32_t)used;
        return 1;
    }
    char *line = NULL;
    size_t line_capacity = 0;
    int64_t count = 0;
    bool is_header = true;
    while (getline(&line, &line_capacity, file) > 0 && (uint64_t)count < expected) {
        if (is_header) {
            is_header = false;
            continue;
        }
        /* file,line,column,attribute,reason,record */
        char source[64], line_text[32], column[32], attribute[128];
        char reason[PROTOCOL_UPSERT_MESSAGE_SIZE_MAX + 1];
        const char *at = line;
        if (!csv_field(&at, source, sizeof source) || !csv_field(&at, line_text, sizeof line_text) ||
            !csv_field(&at, column, sizeof column) || !csv_field(&at, attribute, sizeof attribute))
            continue;
        csv_field(&at, reason, sizeof reason);
        unsigned long long line_number = strtoull(line_text, NULL, 10);
        struct upsert_reject *reject = &rejects[count];
        int used = attribute[0] ? snprintf(reject->message, sizeof reject->message,
                                           "column %s: %s: %s", column, attribute, reason)
                                : snprintf(reject->message, sizeof reject->message,
                                           "column %s: %s", column, reason);
        if (used < 0) used = 0;
        if ((size_t)used >= sizeof reject->message) used = (int)sizeof reject->message - 1;
        reject->size = (uint32_t)used;
        reject->line = line_number >= 1 && line_number <= UINT32_MAX ? (uint32_t)(line_number - 1)
                                                                      : UINT32_MAX;
        count++;
    }
    free(line);
    fclose(file);
    return count;
}

/* ---- Combining -------------------------------------------------------------------------- */

/* Lines of a text (the last one may lack its newline), as pdb_db_upsert counts them, and
 * those of them that are records (not blank). */
static void count_lines(const char *text, size_t size, uint32_t *lines_out, uint32_t *records_out)
{
    uint32_t lines = 0, records = 0;
    for (const char *at = text, *end = text + size; at < end;) {
        const char *newline = memchr(at, '\n', (size_t)(end - at));
        const char *line_end = newline != NULL ? newline : end;
        lines++;
        for (const char *c = at; c < line_end; c++) {
            if (*c != ' ' && *c != '\t' && *c != '\r') {
                records++;
                break;
            }
        }
        if (newline == NULL) break;
        at = newline + 1;
    }
    *lines_out = lines;
    *records_out = records;
}

static void respond_rejected_decode(struct worker *worker, const struct job *job)
{
    worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                         "UPSERT payload does not decode (u32 reserved 0, string records of "
                         "at most %u bytes)", PDB_UPSERT_BATCH_SIZE_MAX);
}

/* Answers a member of a group that the engine accepted (member->rejected and the counts set;
 * an unreadable reject file is reported to every member). */
static void respond_member(struct worker *worker, const struct upsert_member *member,
                           const struct upsert_reject *rejects, int64_t reject_count,
                           uint64_t lsn)
{
    const struct job *job = member->job;
    bool is_unreadable = reject_count == 1 && rejects[0].line == UINT32_MAX;
    struct protocol_upsert_response response = {
        .inserted = member->inserted,
        .updated = member->updated,
        .rejected = is_unreadable ? 1 : member->rejected,
        .lsn = member->inserted + member->updated > 0 ? lsn : 0,
    };
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_UPSERT, 0);
    if (start == SIZE_MAX || protocol_upsert_response_begin(&worker->frame, &response)) {
        worker_respond_frame(worker, job, start, -1);
        return;
    }
    int encoded = 0;
    for (int64_t r = 0; r < reject_count && encoded == 0; r++) {
        uint32_t line = rejects[r].line;
        if (is_unreadable)
            encoded = protocol_upsert_reject_encode(&worker->frame, UINT32_MAX, rejects[r].message,
                                                    rejects[r].size);
        else if (line >= member->first_line && line - member->first_line < member->line_count)
            encoded = protocol_upsert_reject_encode(&worker->frame, line - member->first_line,
                                                    rejects[r].message, rejects[r].size);
    }
    worker_respond_frame(worker, job, start, encoded);
}

/* Runs `count` members as one pdb_db_upsert; false (nothing answered) when the call failed but
 * the handle can still write, so the caller retries them one by one. */
static bool run_group(struct worker *worker, struct upsert_member *members, uint32_t count)
{
    struct server *server = worker->server;
    struct buffer *text = &worker->group_text;
    buffer_reset(text);
    for (uint32_t m = 0; m < count; m++) {
        struct upsert_member *member = &members[m];
        if (buffer_append(text, member->records, member->size) != 0 ||
            (member->size > 0 && member->records[member->size - 1] != '\n' &&
             buffer_append(text, "\n", 1) != 0)) {
            for (uint32_t k = 0; k < count; k++)
                worker_respond_error(worker, members[k].job, PROTOCOL_ERROR_NO_MEMORY,
                                     "out of memory combining UPSERT requests");
            return true;
        }
    }
    uint64_t rows_before = pdb_db_row_count(server->writer);
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    if (pdb_db_upsert(server->writer, (const char *)text->data, text->size, &result, &error) !=
        PDB_OK) {
        if (count > 1 && error.status != PDB_ERR_IO) return false; /* nothing logged: retry alone */
        for (uint32_t m = 0; m < count; m++) worker_respond_status(worker, members[m].job, &error);
        return true;
    }
    atomic_fetch_add(&server->counter_upsert_requests, count);
    if (result.lsn != 0) {
        atomic_fetch_add(&server->counter_upsert_syncs, 1);
        /* Before any response is queued: a read that starts after one follows up to here. */
        atomic_store(&server->acked_lsn, result.lsn);
    }
    struct upsert_reject *rejects = NULL;
    int64_t reject_count = 0;
    if (result.rows_rejected > 0) {
        reject_count = rejects_read(result.rejects_path, result.rows_rejected, &rejects);
        if (reject_count < 0) {
            for (uint32_t m = 0; m < count; m++)
                worker_respond_error(worker, members[m].job, PROTOCOL_ERROR_NO_MEMORY,
                                     "out of memory reading the rejects back");
            return true;
        }
    }
    /* Each member's accepted records, then its inserted / updated split. */
    bool is_unreadable = reject_count == 1 && rejects[0].line == UINT32_MAX;
    uint64_t accepted_total = 0;
    for (uint32_t m = 0; m < count; m++) {
        struct upsert_member *member = &members[m];
        uint32_t own = 0;
        for (int64_t r = 0; r < reject_count; r++) {
            uint32_t line = rejects[r].line;
            if (line >= member->first_line && line - member->first_line < member->line_count)
                own++;
        }
        member->rejected = own;
        member->accepted = member->record_count >= own ? member->record_count - own : 0;
        accepted_total += member->accepted;
    }
    uint64_t inserted = result.rows_inserted, updated = result.rows_updated;
    bool is_split = !is_unreadable && accepted_total == inserted + updated;
    if (is_split && (updated == 0 || inserted == 0)) {
        for (uint32_t m = 0; m < count; m++) {
            members[m].inserted = updated == 0 ? members[m].accepted : 0;
            members[m].updated = updated == 0 ? 0 : members[m].accepted;
        }
    } else if (is_split) {
        is_split = worker_upsert_split(worker, members, count, (const char *)text->data,
                                       text->size, rejects, (uint64_t)reject_count, rows_before,
                                       inserted, updated);
    }
    if (!is_split) {
        /* Only when the engine and the server disagree on lines (or the reject file is
         * unreadable): the group's counts go to its first member, so that the sums stay true. */
        server_log(server, "UPSERT group of %u requests: could not split the counts per request "
                   "(%llu inserted, %llu updated); the first request carries them",
                   count, (unsigned long long)inserted, (unsigned long long)updated);
        for (uint32_t m = 0; m < count; m++) members[m].inserted = members[m].updated = 0;
        members[0].inserted = (uint32_t)inserted;
        members[0].updated = (uint32_t)updated;
    }
    for (uint32_t m = 0; m < count; m++)
        respond_member(worker, &members[m], rejects, reject_count, result.lsn);
    mem_free(rejects);
    return true;
}

static bool member_init(const struct job *job, struct upsert_member *member)
{
    memset(member, 0, sizeof *member);
    member->job = job;
    struct protocol_string records;
    if (!protocol_upsert_request_decode(job->payload, job->payload_size, &records)) return false;
    member->records = records.data;
    member->size = records.size;
    count_lines(records.data, records.size, &member->line_count, &member->record_count);
    return true;
}

void worker_run_upsert_group(struct worker *worker, struct job **jobs, uint32_t job_count)
{
    struct server *server = worker->server;
    if (server->writer == NULL) {
        for (uint32_t i = 0; i < job_count; i++) {
            if (!worker_job_is_live(worker, jobs[i])) continue;
            worker_respond_error(worker, jobs[i], PROTOCOL_ERROR_UNSUPPORTED,
                                 "this server is read-only: start 'profiledb serve --writable' "
                                 "to accept UPSERT");
        }
        return;
    }
    struct upsert_member *members = worker->group_members;
    uint32_t count = 0;
    uint64_t lines = 0, bytes = 0;
    for (uint32_t i = 0; i <= job_count; i++) {
        struct upsert_member candidate;
        bool is_end = i == job_count;
        bool is_live = !is_end && worker_job_is_live(worker, jobs[i]);
        if (!is_end && !is_live) continue;
        bool decodes = !is_end && member_init(jobs[i], &candidate);
        if (!is_end && !decodes) {
            respond_rejected_decode(worker, jobs[i]);
            continue;
        }
        uint64_t size = is_end ? 0 : candidate.size + 1u;
        bool fits = !is_end && lines + candidate.line_count <= PDB_UPSERT_BATCH_RECORDS_MAX &&
                    bytes + size <= PDB_UPSERT_BATCH_SIZE_MAX;
        if (fits) {
            candidate.first_line = (uint32_t)lines;
            members[count++] = candidate;
            lines += candidate.line_count;
            bytes += size;
            continue;
        }
        /* Flush the group formed so far; the candidate starts the next (or runs alone and
         * gets the engine's LIMIT error when it alone is over the limits). */
        if (count > 0 && !run_group(worker, members, count))
            for (uint32_t m = 0; m < count; m++) {
                members[m].first_line = 0;
                run_group(worker, &members[m], 1);
            }
        count = 0;
        lines = bytes = 0;
        if (is_end) break;
        candidate.first_line = 0;
        members[count++] = candidate;
        lines = candidate.line_count;
        bytes = size;
    }
}
