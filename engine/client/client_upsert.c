/*
 * The network client's UPSERT call (pdb_client_upsert, include/profiledb/client.h): one
 * request with the NDJSON records, one response with the counts and the rejected records.
 * A response that does not decode breaks the client (PDB_ERR_PROTOCOL).
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "client/client_internal.h"

enum pdb_status pdb_client_upsert(struct pdb_client *client, const char *ndjson, size_t size,
                                  struct pdb_upsert_result *result, pdb_upsert_reject_fn on_reject,
                                  void *context, struct pdb_error *error)
{
    if (client == NULL || (ndjson == NULL && size > 0))
        return error_set(error, PDB_ERR_USAGE, "a client and records are required");
    if (size > PDB_UPSERT_BATCH_SIZE_MAX)
        return error_set(error, PDB_ERR_LIMIT, "an upsert batch of %zu bytes is larger than %u",
                         size, PDB_UPSERT_BATCH_SIZE_MAX);
    size_t start = client_frame_begin(client, PROTOCOL_OP_UPSERT);
    enum pdb_status status = client_frame_send(
        client, start, protocol_upsert_request_encode(&client->output, ndjson ? ndjson : "", size),
        error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_UPSERT, &frame, error);
    if (status != PDB_OK) return status;
    /* Check the whole response first, so that a malformed one delivers nothing. */
    struct protocol_reader reader;
    protocol_reader_init(&reader, frame.payload, frame.payload_size);
    struct protocol_upsert_response response;
    bool is_malformed = !protocol_upsert_response_decode(&reader, &response);
    size_t checked = reader.offset;
    for (uint32_t i = 0; i < response.rejected && !is_malformed; i++) {
        uint32_t index;
        struct protocol_string message;
        is_malformed = !protocol_upsert_reject_next(&reader, &index, &message);
    }
    if (is_malformed || !protocol_reader_is_done(&reader))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed UPSERT response");
    if (result != NULL) {
        memset(result, 0, sizeof *result);
        result->rows_inserted = response.inserted;
        result->rows_updated = response.updated;
        result->rows_rejected = response.rejected;
        result->rows_read = (uint64_t)response.inserted + response.updated + response.rejected;
        result->lsn = response.lsn;
    }
    if (on_reject != NULL) {
        reader.offset = checked;
        char message[PROTOCOL_UPSERT_MESSAGE_SIZE_MAX + 1];
        for (uint32_t i = 0; i < response.rejected; i++) {
            uint32_t index;
            struct protocol_string text;
            protocol_upsert_reject_next(&reader, &index, &text);
            memcpy(message, text.data, text.size);
            message[text.size] = '\0';
            on_reject(context, index, message);
        }
    }
    return PDB_OK;
}
