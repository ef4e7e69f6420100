/*
 * The network client's analysis and saved-segment calls (include/profiledb/client.h): IDS as
 * one portable roaring bitmap, BREAKDOWN, OVERLAP, SEGMENT_SAVE, SEGMENT_LIST, SEGMENT_DROP.
 *
 * Each call is one request and one response frame, decoded by engine/protocol; a response
 * that does not decode breaks the client (PDB_ERR_PROTOCOL), an ERROR frame becomes the
 * status the embedded call would have returned, with the server's message.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "client/client_internal.h"

static struct protocol_string string_of(const char *text)
{
    return (struct protocol_string){text ? text : "", text ? (uint32_t)strlen(text) : 0};
}

enum pdb_status pdb_client_ids_bitmap(struct pdb_client *client, const char *segment, int64_t now_s,
                                      uint64_t limit, uint8_t **bytes_out, size_t *size_out,
                                      uint64_t *cardinality_out, struct pdb_error *error)
{
    if (segment == NULL || bytes_out == NULL || size_out == NULL || cardinality_out == NULL)
        return error_set(error, PDB_ERR_USAGE, "segment and output pointers are required");
    struct protocol_ids_request request = {.now_s = now_s,
                                           .limit = limit,
                                           .form = PROTOCOL_IDS_ROARING,
                                           .segment = string_of(segment)};
    size_t start = client_frame_begin(client, PROTOCOL_OP_IDS);
    enum pdb_status status = client_frame_send(
        client, start, protocol_ids_request_encode(&client->output, &request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_IDS, &frame, error);
    if (status != PDB_OK) return status;
    uint64_t cardinality;
    const uint8_t *bytes;
    uint32_t size;
    if ((frame.header.flags & PROTOCOL_FLAG_MORE) ||
        !protocol_ids_bitmap_decode(frame.payload, frame.payload_size, &cardinality, &bytes, &size))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed IDS bitmap response");
    uint8_t *copy = mem_alloc(size ? size : 1);
    if (copy == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", client->address);
    memcpy(copy, bytes, size);
    *bytes_out = copy;
    *size_out = size;
    *cardinality_out = cardinality;
    return PDB_OK;
}

void pdb_client_bitmap_destroy(uint8_t *bytes)
{
    mem_free(bytes);
}

enum pdb_status pdb_client_breakdown(struct pdb_client *client, const char *segment,
                                     const char *attribute, int64_t now_s, uint32_t limit,
                                     struct pdb_breakdown *breakdown, struct pdb_error *error)
{
    if (segment == NULL || attribute == NULL || breakdown == NULL)
        return error_set(error, PDB_ERR_USAGE, "segment, attribute and breakdown are required");
    if (strlen(attribute) > PDB_ATTRIBUTE_NAME_SIZE_MAX)
        return error_set(error, PDB_ERR_NOT_FOUND, "unknown attribute '%.80s'", attribute);
    struct protocol_breakdown_request request = {.now_s = now_s,
                                                 .limit = limit,
                                                 .segment = string_of(segment),
                                                 .attribute = string_of(attribute)};
    size_t start = client_frame_begin(client, PROTOCOL_OP_BREAKDOWN);
    enum pdb_status status = client_frame_send(
        client, start, protocol_breakdown_request_encode(&client->output, &request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_BREAKDOWN, &frame, error);
    if (status != PDB_OK) return status;
    if (!protocol_breakdown_response_decode(frame.payload, frame.payload_size, breakdown))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed BREAKDOWN response");
    return PDB_OK;
}

void pdb_client_breakdown_deinit(struct pdb_breakdown *breakdown)
{
    if (breakdown == NULL) return;
    mem_free(breakdown->entries);
    mem_free(breakdown->strings);
    memset(breakdown, 0, sizeof *breakdown);
}

enum pdb_status pdb_client_overlap(struct pdb_client *client, const char *const *segments,
                                   uint32_t segment_count, int64_t now_s, uint64_t *matrix,
                                   struct pdb_error *error)
{
    if (segments == NULL || matrix == NULL)
        return error_set(error, PDB_ERR_USAGE, "segments and matrix are required");
    if (segment_count < 1 || segment_count > PDB_OVERLAP_SEGMENTS_MAX)
        return error_set(error, PDB_ERR_LIMIT, "an overlap takes 1 to %u segments, not %u",
                         PDB_OVERLAP_SEGMENTS_MAX, segment_count);
    static struct protocol_overlap_request zero;
    struct protocol_overlap_request request = zero;
    request.now_s = now_s;
    request.segment_count = segment_count;
    for (uint32_t i = 0; i < segment_count; i++) {
        if (segments[i] == NULL)
            return error_set(error, PDB_ERR_USAGE, "segment %u is NULL", i + 1);
        request.segments[i] = string_of(segments[i]);
    }
    size_t start = client_frame_begin(client, PROTOCOL_OP_OVERLAP);
    enum pdb_status status = client_frame_send(
        client, start, protocol_overlap_request_encode(&client->output, &request), error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_OVERLAP, &frame, error);
    if (status != PDB_OK) return status;
    uint64_t *received = mem_alloc((size_t)segment_count * segment_count * sizeof *received);
    if (received == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", client->address);
    if (!protocol_overlap_response_decode(frame.payload, frame.payload_size, segment_count,
                                          received)) {
        mem_free(received);
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed OVERLAP response");
    }
    memcpy(matrix, received, (size_t)segment_count * segment_count * sizeof *matrix);
    mem_free(received);
    return PDB_OK;
}

/* Sends a request whose successful answer is an empty frame (SAVE, DROP). */
static enum pdb_status empty_answer(struct pdb_client *client, uint8_t opcode, size_t start,
                                    int encoded, struct pdb_error *error)
{
    enum pdb_status status = client_frame_send(client, start, encoded, error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, opcode, &frame, error);
    if (status == PDB_OK && frame.payload_size != 0)
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed SEGMENT response");
    return status;
}

enum pdb_status pdb_client_segment_save(struct pdb_client *client, const char *name,
                                        const char *segment, struct pdb_error *error)
{
    if (name == NULL || segment == NULL)
        return error_set(error, PDB_ERR_USAGE, "a name and a segment are required");
    if (strlen(name) > PDB_SAVED_SEGMENT_NAME_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "saved segment '%.80s': longer than %u bytes", name,
                         PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
    struct protocol_segment_save_request request = {string_of(name), string_of(segment)};
    size_t start = client_frame_begin(client, PROTOCOL_OP_SEGMENT_SAVE);
    return empty_answer(client, PROTOCOL_OP_SEGMENT_SAVE, start,
                        protocol_segment_save_request_encode(&client->output, &request), error);
}

enum pdb_status pdb_client_segment_drop(struct pdb_client *client, const char *name,
                                        struct pdb_error *error)
{
    if (name == NULL) return error_set(error, PDB_ERR_USAGE, "a name is required");
    if (strlen(name) > PDB_SAVED_SEGMENT_NAME_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "saved segment '%.80s': longer than %u bytes", name,
                         PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
    size_t start = client_frame_begin(client, PROTOCOL_OP_SEGMENT_DROP);
    return empty_answer(client, PROTOCOL_OP_SEGMENT_DROP, start,
                        protocol_put_string(&client->output, name, strlen(name)), error);
}

enum pdb_status pdb_client_segment_list(struct pdb_client *client, pdb_saved_segment_fn on_segment,
                                        void *context, struct pdb_error *error)
{
    if (on_segment == NULL) return error_set(error, PDB_ERR_USAGE, "a callback is required");
    size_t start = client_frame_begin(client, PROTOCOL_OP_SEGMENT_LIST);
    enum pdb_status status = client_frame_send(client, start, 0, error);
    struct client_frame frame;
    if (status == PDB_OK) status = client_expect(client, PROTOCOL_OP_SEGMENT_LIST, &frame, error);
    if (status != PDB_OK) return status;
    /* Check the whole response first, so that a malformed one delivers nothing. */
    struct protocol_reader reader;
    protocol_reader_init(&reader, frame.payload, frame.payload_size);
    uint32_t count = protocol_get_u32(&reader);
    size_t text_size_max = 0;
    bool is_malformed = count > PDB_SAVED_SEGMENTS_MAX;
    for (uint32_t i = 0; i < count && !is_malformed; i++) {
        struct protocol_string name, segment;
        is_malformed = !protocol_segment_list_next(&reader, &name, &segment) || name.size == 0;
        if (segment.size > text_size_max) text_size_max = segment.size;
    }
    if (is_malformed || !protocol_reader_is_done(&reader))
        return client_fail(client, error, PDB_ERR_PROTOCOL, "malformed SEGMENT_LIST response");
    char name_text[PDB_SAVED_SEGMENT_NAME_SIZE_MAX + 1];
    char *segment_text = mem_alloc(text_size_max + 1);
    if (segment_text == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", client->address);
    protocol_reader_init(&reader, frame.payload, frame.payload_size);
    (void)protocol_get_u32(&reader);
    for (uint32_t i = 0; i < count; i++) {
        struct protocol_string name, segment;
        protocol_segment_list_next(&reader, &name, &segment);
        memcpy(name_text, name.data, name.size);
        name_text[name.size] = '\0';
        memcpy(segment_text, segment.data, segment.size);
        segment_text[segment.size] = '\0';
        if (!on_segment(context, name_text, segment_text)) break;
    }
    mem_free(segment_text);
    return PDB_OK;
}
