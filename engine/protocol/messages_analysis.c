/*
 * Payloads of the analysis and saved-segment messages: BREAKDOWN, OVERLAP, SEGMENT_SAVE,
 * SEGMENT_LIST, SEGMENT_DROP, and the bitmap form of IDS (byte layouts in docs/PROTOCOL.md).
 *
 * Like messages.c, every decoder reads a whole payload and rejects trailing bytes, nonzero
 * reserved bytes, strings over their limit and counts outside their range. Response decoders
 * (used by the client on bytes from the network) also check that counts agree with the bytes
 * that follow before they allocate anything.
 */
#include <string.h>

#include "base/alloc.h"
#include "protocol/protocol.h"

/* ---- BREAKDOWN ------------------------------------------------------------------------ */

int protocol_breakdown_request_encode(struct buffer *out,
                                      const struct protocol_breakdown_request *request)
{
    if (protocol_put_u64(out, (uint64_t)request->now_s) || protocol_put_u32(out, request->limit) ||
        protocol_put_u32(out, 0) ||
        protocol_put_string(out, request->segment.data, request->segment.size))
        return -1;
    return protocol_put_string(out, request->attribute.data, request->attribute.size);
}

bool protocol_breakdown_request_decode(const void *payload, size_t size,
                                       struct protocol_breakdown_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->now_s = (int64_t)protocol_get_u64(&reader);
    request->limit = protocol_get_u32(&reader);
    uint32_t reserved = protocol_get_u32(&reader);
    request->segment = protocol_get_string(&reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    request->attribute = protocol_get_string(&reader, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    return protocol_reader_is_done(&reader) && reserved == 0;
}

int protocol_breakdown_response_encode(struct buffer *out, const struct pdb_breakdown *breakdown)
{
    if (protocol_put_u64(out, breakdown->segment_count) ||
        protocol_put_u64(out, breakdown->null_count) ||
        protocol_put_u64(out, breakdown->value_count) ||
        protocol_put_u32(out, breakdown->entry_count))
        return -1;
    for (uint32_t i = 0; i < breakdown->entry_count; i++) {
        const struct pdb_breakdown_entry *entry = &breakdown->entries[i];
        if (protocol_put_string(out, entry->value, entry->value_size) ||
            protocol_put_u64(out, entry->count))
            return -1;
    }
    return 0;
}

bool protocol_breakdown_response_decode(const void *payload, size_t size,
                                        struct pdb_breakdown *breakdown)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    struct pdb_breakdown head = {0};
    head.segment_count = protocol_get_u64(&reader);
    head.null_count = protocol_get_u64(&reader);
    head.value_count = protocol_get_u64(&reader);
    head.entry_count = protocol_get_u32(&reader);
    /* Each entry takes at least 12 bytes: the count cannot exceed what is left. */
    if (reader.failed || head.entry_count > (size - reader.offset) / 12 ||
        head.entry_count > head.value_count)
        return false;
    size_t strings_size = size - reader.offset; /* values are shorter than the rest */
    head.entries = mem_alloc((size_t)head.entry_count * sizeof *head.entries + 1);
    head.strings = mem_alloc(strings_size + 1);
    if (head.entries == NULL || head.strings == NULL) goto fail;
    size_t used = 0;
    for (uint32_t i = 0; i < head.entry_count; i++) {
        struct protocol_string value = protocol_get_string(&reader, PDB_TEXT_VALUE_SIZE_MAX);
        uint64_t count = protocol_get_u64(&reader);
        if (reader.failed) goto fail;
        memcpy(head.strings + used, value.data, value.size);
        head.entries[i] = (struct pdb_breakdown_entry){head.strings + used, value.size, count};
        used += value.size;
    }
    if (!protocol_reader_is_done(&reader)) goto fail;
    *breakdown = head;
    return true;
fail:
    mem_free(head.entries);
    mem_free(head.strings);
    return false;
}

/* ---- OVERLAP -------------------------------------------------------------------------- */

int protocol_overlap_request_encode(struct buffer *out,
                                    const struct protocol_overlap_request *request)
{
    if (protocol_put_u64(out, (uint64_t)request->now_s) ||
        protocol_put_u32(out, request->segment_count))
        return -1;
    for (uint32_t i = 0; i < request->segment_count; i++)
        if (protocol_put_string(out, request->segments[i].data, request->segments[i].size) != 0)
            return -1;
    return 0;
}

bool protocol_overlap_request_decode(const void *payload, size_t size,
                                     struct protocol_overlap_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->now_s = (int64_t)protocol_get_u64(&reader);
    request->segment_count = protocol_get_u32(&reader);
    if (reader.failed || request->segment_count < 1 ||
        request->segment_count > PDB_OVERLAP_SEGMENTS_MAX)
        return false;
    for (uint32_t i = 0; i < request->segment_count; i++)
        request->segments[i] = protocol_get_string(&reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    return protocol_reader_is_done(&reader);
}

int protocol_overlap_response_encode(struct buffer *out, uint32_t segment_count,
                                     const uint64_t *matrix)
{
    if (protocol_put_u32(out, segment_count) != 0) return -1;
    for (uint32_t i = 0; i < segment_count * segment_count; i++)
        if (protocol_put_u64(out, matrix[i]) != 0) return -1;
    return 0;
}

bool protocol_overlap_response_decode(const void *payload, size_t size, uint32_t segment_count,
                                      uint64_t *matrix)
{
    if (segment_count < 1 || segment_count > PDB_OVERLAP_SEGMENTS_MAX) return false;
    size_t cells = (size_t)segment_count * segment_count;
    if (size != 4 + 8 * cells || load_u32(payload) != segment_count) return false;
    for (size_t i = 0; i < cells; i++)
        matrix[i] = load_u64((const uint8_t *)payload + 4 + 8 * i);
    return true;
}

/* ---- Saved segments ------------------------------------------------------------------- */

int protocol_segment_save_request_encode(struct buffer *out,
                                         const struct protocol_segment_save_request *request)
{
    if (protocol_put_string(out, request->name.data, request->name.size) != 0) return -1;
    return protocol_put_string(out, request->segment.data, request->segment.size);
}

bool protocol_segment_save_request_decode(const void *payload, size_t size,
                                          struct protocol_segment_save_request *request)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    request->name = protocol_get_string(&reader, PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
    request->segment = protocol_get_string(&reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    return protocol_reader_is_done(&reader);
}

bool protocol_segment_name_decode(const void *payload, size_t size, struct protocol_string *name)
{
    struct protocol_reader reader;
    protocol_reader_init(&reader, payload, size);
    *name = protocol_get_string(&reader, PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
    return protocol_reader_is_done(&reader);
}

bool protocol_segment_list_next(struct protocol_reader *reader, struct protocol_string *name,
                                struct protocol_string *segment)
{
    *name = protocol_get_string(reader, PDB_SAVED_SEGMENT_NAME_SIZE_MAX);
    *segment = protocol_get_string(reader, PDB_SEGMENT_TEXT_SIZE_MAX);
    return !reader->failed;
}

/* ---- IDS as a bitmap ------------------------------------------------------------------ */

int protocol_ids_bitmap_encode(struct buffer *out, uint64_t cardinality, const uint8_t *bytes,
                               size_t size)
{
    if (size > UINT32_MAX || protocol_put_u64(out, cardinality) ||
        protocol_put_u32(out, (uint32_t)size))
        return -1;
    return size == 0 ? 0 : buffer_append(out, bytes, size);
}

bool protocol_ids_bitmap_decode(const void *payload, size_t size, uint64_t *cardinality_out,
                                const uint8_t **bytes_out, uint32_t *bitmap_size_out)
{
    if (size < 12) return false;
    uint32_t bitmap_size = load_u32((const uint8_t *)payload + 8);
    if (bitmap_size != size - 12) return false;
    *cardinality_out = load_u64(payload);
    *bytes_out = (const uint8_t *)payload + 12;
    *bitmap_size_out = bitmap_size;
    return true;
}
