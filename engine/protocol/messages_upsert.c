/*
 * UPSERT (0x20) payloads: the request (NDJSON records, as `profiledb upsert` reads them) and
 * the response (counts, the WAL record, and each rejected record's index and reason).
 */
#include "protocol/protocol.h"

int protocol_upsert_request_encode(struct buffer *out, const char *records, size_t size)
{
    if (protocol_put_u32(out, 0) || protocol_put_string(out, records, size)) return -1;
    return 0;
}

bool protocol_upsert_request_decode(const void *payload, size_t size,
                                    struct protocol_string *records)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    uint32_t reserved = protocol_get_u32(&reader);
    *records = protocol_get_string(&reader, PDB_UPSERT_BATCH_SIZE_MAX);
    return reserved == 0 && protocol_reader_is_done(&reader);
}

int protocol_upsert_response_begin(struct buffer *out, const struct protocol_upsert_response *response)
{
    if (protocol_put_u32(out, response->inserted) || protocol_put_u32(out, response->updated) ||
        protocol_put_u32(out, response->rejected) || protocol_put_u32(out, 0) ||
        protocol_put_u64(out, response->lsn))
        return -1;
    return 0;
}

int protocol_upsert_reject_encode(struct buffer *out, uint32_t record_index, const char *message,
                                  size_t size)
{
    if (size > PROTOCOL_UPSERT_MESSAGE_SIZE_MAX) size = PROTOCOL_UPSERT_MESSAGE_SIZE_MAX;
    if (protocol_put_u32(out, record_index) || protocol_put_string(out, message, size)) return -1;
    return 0;
}

bool protocol_upsert_response_decode(struct protocol_reader *reader,
                                     struct protocol_upsert_response *response)
{
    response->inserted = protocol_get_u32(reader);
    response->updated = protocol_get_u32(reader);
    response->rejected = protocol_get_u32(reader);
    uint32_t reserved = protocol_get_u32(reader);
    response->lsn = protocol_get_u64(reader);
    return !reader->failed && reserved == 0;
}

bool protocol_upsert_reject_next(struct protocol_reader *reader, uint32_t *record_index,
                                 struct protocol_string *message)
{
    *record_index = protocol_get_u32(reader);
    *message = protocol_get_string(reader, PROTOCOL_UPSERT_MESSAGE_SIZE_MAX);
    return !reader->failed;
}
