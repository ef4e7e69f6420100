/*
 * Payloads of the protocol's messages (byte layouts in docs/PROTOCOL.md, section Messages).
 *
 * Every decoder reads a whole payload and rejects trailing bytes, nonzero reserved bytes,
 * strings longer than their limit and unknown enum values, so that what the server acts on
 * is exactly what the document describes.
 */
#include <string.h>

#include "base/alloc.h"
#include "protocol/protocol.h"

#define SERVER_VERSION_SIZE_MAX 256u

/* ---- HELLO ---------------------------------------------------------------------------- */

int protocol_hello_request_encode(struct buffer *out, const struct protocol_hello_request *request)
{
    if (protocol_put_string(out, request->token.data, request->token.size) != 0) return -1;
    return protocol_put_string(out, request->client_name.data, request->client_name.size);
}

bool protocol_hello_request_decode(const void *payload, size_t size,
                                   struct protocol_hello_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->token = protocol_get_string(&reader, PDB_TOKEN_SIZE_MAX);
    request->client_name = protocol_get_string(&reader, PDB_CLIENT_NAME_SIZE_MAX);
    return protocol_reader_is_done(&reader);
}

int protocol_hello_response_encode(struct buffer *out,
                                   const struct protocol_hello_response *response)
{
    if (protocol_put_u8(out, response->role) || protocol_put_u8(out, response->has_pii) ||
        protocol_put_u16(out, 0) || protocol_put_u32(out, response->request_frame_size_max) ||
        protocol_put_u32(out, response->page_rows_max) ||
        protocol_put_u32(out, response->pipeline_depth_max) ||
        protocol_put_u32(out, response->deadline_ms) ||
        protocol_put_u32(out, response->idle_timeout_ms) ||
        protocol_put_u64(out, response->row_count))
        return -1;
    return protocol_put_string(out, response->server_version.data, response->server_version.size);
}

bool protocol_hello_response_decode(const void *payload, size_t size,
                                    struct protocol_hello_response *response)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    response->role = protocol_get_u8(&reader);
    response->has_pii = protocol_get_u8(&reader);
    uint16_t reserved = protocol_get_u16(&reader);
    response->request_frame_size_max = protocol_get_u32(&reader);
    response->page_rows_max = protocol_get_u32(&reader);
    response->pipeline_depth_max = protocol_get_u32(&reader);
    response->deadline_ms = protocol_get_u32(&reader);
    response->idle_timeout_ms = protocol_get_u32(&reader);
    response->row_count = protocol_get_u64(&reader);
    response->server_version = protocol_get_string(&reader, SERVER_VERSION_SIZE_MAX);
    return protocol_reader_is_done(&reader) && reserved == 0 &&
           response->role >= PROTOCOL_ROLE_READER && response->role <= PROTOCOL_ROLE_ADMIN &&
           response->has_pii <= 1;
}

/* ---- COUNT and IDS -------------------------------------------------------------------- */

int protocol_segment_request_encode(struct buffer *out,
                                    const struct protocol_segment_request *request)
{
    if (protocol_put_u64(out, (uint64_t)request->now_s) != 0) return -1;
    return protocol_put_string(out, request->segment.data, request->segment.size);
}

bool protocol_segment_request_decode(const void *payload, size_t size,
                                     struct protocol_segment_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->now_s = (int64_t)protocol_get_u64(&reader);
    request->segment = protocol_get_string(&reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    return protocol_reader_is_done(&reader);
}

bool protocol_count_response_decode(const void *payload, size_t size, uint64_t *count_out)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    *count_out = protocol_get_u64(&reader);
    return protocol_reader_is_done(&reader);
}

int protocol_ids_request_encode(struct buffer *out, const struct protocol_ids_request *request)
{
    if (protocol_put_u64(out, (uint64_t)request->now_s) || protocol_put_u64(out, request->limit) ||
        protocol_put_u32(out, request->page_rows) || protocol_put_u8(out, request->form) ||
        protocol_put_u8(out, 0) || protocol_put_u16(out, 0))
        return -1;
    return protocol_put_string(out, request->segment.data, request->segment.size);
}

bool protocol_ids_request_decode(const void *payload, size_t size,
                                 struct protocol_ids_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->now_s = (int64_t)protocol_get_u64(&reader);
    request->limit = protocol_get_u64(&reader);
    request->page_rows = protocol_get_u32(&reader);
    request->form = protocol_get_u8(&reader);
    uint8_t reserved8 = protocol_get_u8(&reader);
    uint16_t reserved16 = protocol_get_u16(&reader);
    request->segment = protocol_get_string(&reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    return protocol_reader_is_done(&reader) && reserved8 == 0 && reserved16 == 0 &&
           request->form <= PROTOCOL_IDS_ROARING;
}

bool protocol_ids_page_decode(const void *payload, size_t size, uint32_t *id_count_out)
{
    if (size < 4) return false;
    uint32_t count = load_u32(payload);
    if ((size - 4) / 4 != count || (size - 4) % 4 != 0) return false;
    *id_count_out = count;
    return true;
}

/* ---- GET ------------------------------------------------------------------------------ */

int protocol_get_request_encode(struct buffer *out, const struct protocol_get_request *request)
{
    if (protocol_put_u8(out, request->by) || protocol_put_u8(out, 0) || protocol_put_u16(out, 0))
        return -1;
    if (request->by == PROTOCOL_GET_BY_ROW_ID) return protocol_put_u32(out, request->row_id);
    if (protocol_put_string(out, request->attribute.data, request->attribute.size) != 0) return -1;
    return protocol_put_string(out, request->key.data, request->key.size);
}

bool protocol_get_request_decode(const void *payload, size_t size,
                                 struct protocol_get_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    memset(request, 0, sizeof *request);
    request->by = protocol_get_u8(&reader);
    uint8_t reserved8 = protocol_get_u8(&reader);
    uint16_t reserved16 = protocol_get_u16(&reader);
    if (reserved8 != 0 || reserved16 != 0) return false;
    if (request->by == PROTOCOL_GET_BY_ROW_ID) {
        request->row_id = protocol_get_u32(&reader);
    } else if (request->by == PROTOCOL_GET_BY_KEY) {
        request->attribute = protocol_get_string(&reader, PDB_ATTRIBUTE_NAME_SIZE_MAX);
        request->key = protocol_get_string(&reader, PDB_TEXT_VALUE_SIZE_MAX);
    } else {
        return false;
    }
    return protocol_reader_is_done(&reader);
}

int protocol_value_encode(struct buffer *out, const struct pdb_attribute_info *info,
                          const struct pdb_value *value, uint8_t state)
{
    if (protocol_put_string(out, info->name, strlen(info->name)) ||
        protocol_put_u8(out, (uint8_t)info->type) || protocol_put_u8(out, (uint8_t)info->flags) ||
        protocol_put_u8(out, state) || protocol_put_u8(out, 0))
        return -1;
    if (state != PROTOCOL_VALUE_PRESENT) return 0;
    switch (info->type) {
    case PDB_TYPE_BOOL:
        return protocol_put_u8(out, value->bool_value ? 1 : 0);
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        return protocol_put_u64(out, (uint64_t)value->int_value);
    case PDB_TYPE_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &value->float_value, sizeof bits);
        return protocol_put_u64(out, bits);
    }
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        return protocol_put_string(out, value->string_data, value->string_size);
    case PDB_TYPE_TAGS:
        if (protocol_put_u32(out, value->tag_count) != 0) return -1;
        for (uint32_t i = 0; i < value->tag_count; i++)
            if (protocol_put_string(out, value->tag_data[i], value->tag_sizes[i]) != 0) return -1;
        return 0;
    default:
        return -1;
    }
}

bool protocol_value_decode(struct protocol_reader *reader, struct protocol_value *value)
{
    memset(value, 0, sizeof *value);
    value->name = protocol_get_string(reader, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    value->type = protocol_get_u8(reader);
    value->flags = protocol_get_u8(reader);
    value->state = protocol_get_u8(reader);
    uint8_t reserved = protocol_get_u8(reader);
    if (reader->failed || reserved != 0 || value->type >= PDB_TYPE_COUNT ||
        value->state > PROTOCOL_VALUE_MASKED || value->name.size == 0)
        return false;
    if (value->state != PROTOCOL_VALUE_PRESENT) return true;
    switch ((enum pdb_type)value->type) {
    case PDB_TYPE_BOOL: {
        uint8_t byte = protocol_get_u8(reader);
        if (byte > 1) return false;
        value->bool_value = byte == 1;
        break;
    }
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        value->int_value = (int64_t)protocol_get_u64(reader);
        break;
    case PDB_TYPE_FLOAT: {
        uint64_t bits = protocol_get_u64(reader);
        memcpy(&value->float_value, &bits, sizeof bits);
        break;
    }
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        value->string = protocol_get_string(reader, PDB_TEXT_VALUE_SIZE_MAX);
        break;
    case PDB_TYPE_TAGS:
        value->tag_count = protocol_get_u32(reader);
        if (value->tag_count > PDB_TAGS_PER_VALUE_MAX) return false;
        value->tags_offset = reader->offset;
        for (uint32_t i = 0; i < value->tag_count && !reader->failed; i++)
            protocol_get_string(reader, PDB_TEXT_VALUE_SIZE_MAX);
        break;
    default:
        return false;
    }
    return !reader->failed;
}

/* ---- STATS ---------------------------------------------------------------------------- */

int protocol_stats_encode(struct buffer *out, const struct pdb_stats *stats)
{
    if (protocol_put_u64(out, stats->row_count) || protocol_put_u64(out, stats->deleted_count) ||
        protocol_put_u32(out, stats->chunk_count) || protocol_put_u32(out, stats->column_count) ||
        protocol_put_u64(out, stats->generation) || protocol_put_u64(out, stats->bytes_on_disk) ||
        protocol_put_u64(out, stats->bytes_ingested))
        return -1;
    for (uint32_t c = 0; c < stats->column_count; c++) {
        const struct pdb_column_stats *column = &stats->columns[c];
        if (protocol_put_string(out, column->name, strlen(column->name)) ||
            protocol_put_u8(out, (uint8_t)column->type) || protocol_put_u8(out, 0) ||
            protocol_put_u16(out, 0) || protocol_put_u64(out, column->null_count) ||
            protocol_put_u64(out, column->distinct_count) ||
            protocol_put_u64(out, column->bytes_on_disk) ||
            protocol_put_u64(out, column->bytes_in_memory))
            return -1;
    }
    return 0;
}

bool protocol_stats_decode(const void *payload, size_t size, struct pdb_stats *stats)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    struct pdb_stats head = {0};
    head.row_count = protocol_get_u64(&reader);
    head.deleted_count = protocol_get_u64(&reader);
    head.chunk_count = protocol_get_u32(&reader);
    head.column_count = protocol_get_u32(&reader);
    head.generation = protocol_get_u64(&reader);
    head.bytes_on_disk = protocol_get_u64(&reader);
    head.bytes_ingested = protocol_get_u64(&reader);
    if (reader.failed || head.column_count > PDB_ATTRIBUTES_MAX) return false;
    /* One block: the column array, then each name with a NUL. */
    size_t names_size = size; /* names are shorter than the payload */
    size_t array_size = (size_t)head.column_count * sizeof(struct pdb_column_stats);
    uint8_t *block = mem_alloc(array_size + names_size + 1);
    if (block == NULL) return false;
    struct pdb_column_stats *columns = (struct pdb_column_stats *)block;
    char *names = (char *)block + array_size;
    size_t names_used = 0;
    for (uint32_t c = 0; c < head.column_count; c++) {
        struct protocol_string name = protocol_get_string(&reader, PDB_ATTRIBUTE_NAME_SIZE_MAX);
        uint8_t type = protocol_get_u8(&reader);
        uint8_t reserved8 = protocol_get_u8(&reader);
        uint16_t reserved16 = protocol_get_u16(&reader);
        columns[c].null_count = protocol_get_u64(&reader);
        columns[c].distinct_count = protocol_get_u64(&reader);
        columns[c].bytes_on_disk = protocol_get_u64(&reader);
        columns[c].bytes_in_memory = protocol_get_u64(&reader);
        if (reader.failed || type >= PDB_TYPE_COUNT || reserved8 || reserved16) {
            mem_free(block);
            return false;
        }
        memcpy(names + names_used, name.data, name.size);
        names[names_used + name.size] = '\0';
        columns[c].name = names + names_used;
        columns[c].type = (enum pdb_type)type;
        names_used += name.size + 1;
    }
    if (!protocol_reader_is_done(&reader)) {
        mem_free(block);
        return false;
    }
    head.columns = columns;
    *stats = head;
    return true;
}

/* ---- ERROR ---------------------------------------------------------------------------- */

int protocol_error_response_encode(struct buffer *out, enum protocol_error code,
                                   const char *message)
{
    size_t size = strlen(message);
    if (size >= PDB_ERROR_MESSAGE_SIZE) size = PDB_ERROR_MESSAGE_SIZE - 1;
    if (protocol_put_u16(out, (uint16_t)code) || protocol_put_u16(out, 0)) return -1;
    return protocol_put_string(out, message, size);
}

bool protocol_error_response_decode(const void *payload, size_t size,
                                    struct protocol_error_response *response)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    response->code = protocol_get_u16(&reader);
    uint16_t reserved = protocol_get_u16(&reader);
    response->message = protocol_get_string(&reader, PDB_ERROR_MESSAGE_SIZE - 1);
    return protocol_reader_is_done(&reader) && reserved == 0;
}
