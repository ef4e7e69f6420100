/*
 * UPSERT (0x20): a writer's batch of NDJSON records applied through the server's writer
 * handle (pdb_db_upsert: validated, one WAL record, fdatasync, then applied), answered with
 * the counts and each rejected record's index and reason (read back from the batch's reject
 * file, DB/rejects/upsert-<lsn>.rejects.csv, which the engine keeps as embedded mode does).
 *
 * Runs with server->writer_mutex held (worker.c holds it around every job of a writable
 * server), so the acknowledgement is sent after the batch is durable and visible to every
 * later request on any connection.
 */
#include "server/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

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

/* Appends the rejects of `path` (header line first) as protocol rejects; returns how many, or
 * -1 when out of memory. A reject file that cannot be read gives one reject without index
 * (0xFFFFFFFF) naming it. */
static int64_t append_rejects(struct buffer *out, const char *path, uint64_t expected)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        char message[PROTOCOL_UPSERT_MESSAGE_SIZE_MAX + 1];
        int used = snprintf(message, sizeof message, "%s: cannot read the reject file", path);
        return protocol_upsert_reject_encode(out, UINT32_MAX, message, (size_t)used) ? -1 : 1;
    }
    char *line = NULL;
    size_t capacity = 0;
    int64_t count = 0;
    bool is_header = true;
    while (getline(&line, &capacity, file) > 0 && (uint64_t)count < expected) {
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
        char message[PROTOCOL_UPSERT_MESSAGE_SIZE_MAX + 1];
        int used = attribute[0] ? snprintf(message, sizeof message, "column %s: %s: %s", column,
                                           attribute, reason)
                                : snprintf(message, sizeof message, "column %s: %s", column, reason);
        if (used < 0) used = 0;
        if ((size_t)used >= sizeof message) used = (int)sizeof message - 1;
        uint32_t index = line_number >= 1 && line_number <= UINT32_MAX ? (uint32_t)(line_number - 1)
                                                                        : UINT32_MAX;
        if (protocol_upsert_reject_encode(out, index, message, (size_t)used)) {
            count = -1;
            break;
        }
        count++;
    }
    free(line);
    fclose(file);
    return count;
}

void worker_run_upsert(struct worker *worker, const struct job *job)
{
    struct server *server = worker->server;
    if (server->writer == NULL) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_UNSUPPORTED,
                             "this server is read-only: start 'profiledb serve --writable' to "
                             "accept UPSERT");
        return;
    }
    struct protocol_string records;
    if (!protocol_upsert_request_decode(job->payload, job->payload_size, &records)) {
        worker_respond_error(worker, job, PROTOCOL_ERROR_BAD_REQUEST,
                             "UPSERT payload does not decode (u32 reserved 0, string records of "
                             "at most %u bytes)", PDB_UPSERT_BATCH_SIZE_MAX);
        return;
    }
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    if (pdb_db_upsert(server->writer, records.data, records.size, &result, &error) != PDB_OK) {
        worker_respond_status(worker, job, &error);
        return;
    }
    struct protocol_upsert_response response = {
        .inserted = (uint32_t)result.rows_inserted,
        .updated = (uint32_t)result.rows_updated,
        .rejected = 0,
        .lsn = result.lsn,
    };
    size_t start = worker_frame_begin(worker, job, PROTOCOL_OP_UPSERT, 0);
    if (start == SIZE_MAX || protocol_upsert_response_begin(&worker->frame, &response)) {
        worker_respond_frame(worker, job, start, -1);
        return;
    }
    int encoded = 0;
    if (result.rows_rejected > 0) {
        int64_t rejects = append_rejects(&worker->frame, result.rejects_path, result.rows_rejected);
        if (rejects < 0) {
            encoded = -1;
        } else {
            /* Patch the rejected count: the first u32s of the payload follow the 16-byte header. */
            uint32_t value = (uint32_t)rejects;
            uint8_t *at = worker->frame.data + start + PDB_FRAME_HEADER_SIZE + 8;
            for (int b = 0; b < 4; b++) at[b] = (uint8_t)(value >> (8 * b));
        }
    }
    worker_respond_frame(worker, job, start, encoded);
}
