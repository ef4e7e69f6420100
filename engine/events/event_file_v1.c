/*
 * Event files of format version 1 (plain arrays; layout in event_file.h): the encoder, kept
 * for tests and for the compatibility of databases written before version 2, and the
 * decoder. The decoder trusts nothing: the file checksum is checked before anything else is
 * read, then every read is bounds-checked and every invariant of the store is checked.
 */
#include "events/event_file_internal.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "catalog/schema.h"

/* ---- Encode --------------------------------------------------------------------------- */

int event_file_encode_v1(const struct event_type_store *type, struct buffer *out)
{
    size_t start = out->size;
    uint32_t stored = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++) stored += type->chunks[c].event_count > 0;
    int failed = buffer_append(out, EVENT_FILE_MAGIC, 8) | buffer_append_u32(out, EVENT_FILE_VERSION_PLAIN) |
                 buffer_append_u32(out, type->property_count) | buffer_append_u32(out, stored) |
                 buffer_append_u32(out, 0) | buffer_append_u64(out, type->event_count);
    for (uint32_t p = 0; p < type->property_count && !failed; p++) {
        uint8_t property_type = (uint8_t)type->property_types[p];
        failed |= buffer_append(out, &property_type, 1);
    }
    if (!failed) failed |= event_file_append_dictionaries(type, out);
    for (uint32_t c = 0; c < type->chunk_count && !failed; c++) {
        const struct event_chunk *chunk = &type->chunks[c];
        if (chunk->event_count == 0) continue;
        uint32_t events = chunk->event_count;
        failed |= buffer_append_u32(out, c) | buffer_append_u32(out, events);
        for (uint32_t r = 0; r <= PDB_CHUNK_ROWS && !failed; r++)
            failed |= buffer_append_u32(out, chunk->offsets[r]);
        for (uint32_t i = 0; i < events && !failed; i++)
            failed |= buffer_append_u64(out, (uint64_t)chunk->timestamps[i]);
        for (uint32_t p = 0; p < type->property_count && !failed; p++) {
            const struct event_column *column = &chunk->columns[p];
            uint8_t has_nulls = column->nulls != NULL;
            failed |= buffer_append(out, &has_nulls, 1);
            for (uint32_t w = 0; has_nulls && w < (events + 63u) / 64u && !failed; w++)
                failed |= buffer_append_u64(out, column->nulls[w]);
            for (uint32_t i = 0; i < events && !failed; i++) {
                uint64_t bits;
                if (column->numbers != NULL) memcpy(&bits, &column->numbers[i], sizeof bits);
                else bits = (uint64_t)column->integers[i];
                failed |= buffer_append_u64(out, bits);
            }
        }
    }
    if (!failed) failed |= buffer_append_u64(out, checksum_bytes(out->data + start, out->size - start));
    if (failed) out->size = start;
    return failed ? -1 : 0;
}

/* ---- Decode --------------------------------------------------------------------------- */

static enum pdb_status read_chunk(struct event_file_reader *reader, struct event_type_store *type,
                                  struct event_chunk *chunk, uint32_t chunk_index)
{
    uint32_t events;
    if (!event_file_read_u32(reader, &events)) return event_file_corrupt(reader, "truncated chunk header");
    if (events == 0) return event_file_corrupt(reader, "a stored chunk without events");
    if (!event_file_has(reader, (size_t)(PDB_CHUNK_ROWS + 1) * 4 + (size_t)events * 8))
        return event_file_corrupt(reader, "truncated chunk");
    chunk->event_count = events;
    chunk->offsets = mem_alloc((PDB_CHUNK_ROWS + 1) * sizeof(uint32_t));
    chunk->timestamps = mem_alloc((size_t)events * sizeof(int64_t));
    chunk->columns = mem_calloc(type->property_count ? type->property_count : 1, sizeof *chunk->columns);
    if (chunk->offsets == NULL || chunk->timestamps == NULL || chunk->columns == NULL)
        return event_file_no_memory(reader);
    uint32_t per_row_max = 0, rows_with_events = 0;
    for (uint32_t r = 0; r <= PDB_CHUNK_ROWS; r++) {
        event_file_read_u32(reader, &chunk->offsets[r]);
        if (r == 0 && chunk->offsets[0] != 0) return event_file_corrupt(reader, "offsets do not start at 0");
        if (r > 0) {
            if (chunk->offsets[r] < chunk->offsets[r - 1] || chunk->offsets[r] > events)
                return event_file_corrupt(reader, "offsets not ascending within the chunk's events");
            uint32_t n = chunk->offsets[r] - chunk->offsets[r - 1];
            if (n > per_row_max) per_row_max = n;
            rows_with_events += n != 0;
        }
    }
    if (chunk->offsets[PDB_CHUNK_ROWS] != events) return event_file_corrupt(reader, "offsets do not end at the event count");
    chunk->events_per_row_max = per_row_max;
    chunk->rows_with_events = rows_with_events;
    chunk->time_min = INT64_MAX;
    chunk->time_max = INT64_MIN;
    for (uint32_t i = 0; i < events; i++) {
        uint64_t bits = 0;
        event_file_read_u64(reader, &bits);
        chunk->timestamps[i] = (int64_t)bits;
        if (chunk->timestamps[i] < chunk->time_min) chunk->time_min = chunk->timestamps[i];
        if (chunk->timestamps[i] > chunk->time_max) chunk->time_max = chunk->timestamps[i];
    }
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++)
        for (uint32_t i = chunk->offsets[r] + 1; i < chunk->offsets[r + 1]; i++)
            if (chunk->timestamps[i - 1] > chunk->timestamps[i])
                return event_file_corrupt(reader, "timestamps not ascending within a row");
    size_t words = (events + 63u) / 64u;
    for (uint32_t p = 0; p < type->property_count; p++) {
        struct event_column *column = &chunk->columns[p];
        enum pdb_type property_type = type->property_types[p];
        if (!event_file_has(reader, 1)) return event_file_corrupt(reader, "truncated property");
        uint8_t has_nulls = reader->data[reader->offset++];
        if (has_nulls > 1) return event_file_corrupt(reader, "bad null flag");
        if (!event_file_has(reader, (has_nulls ? words * 8 : 0) + (size_t)events * 8))
            return event_file_corrupt(reader, "truncated property values");
        if (has_nulls) {
            column->nulls = mem_alloc(words * sizeof(uint64_t));
            if (column->nulls == NULL) return event_file_no_memory(reader);
            for (size_t w = 0; w < words; w++) event_file_read_u64(reader, &column->nulls[w]);
            if (events % 64u) column->nulls[words - 1] &= (1ull << (events % 64u)) - 1u;
        }
        if (property_type == PDB_TYPE_FLOAT) column->numbers = mem_alloc((size_t)events * sizeof(double));
        else column->integers = mem_alloc((size_t)events * sizeof(int64_t));
        if (column->numbers == NULL && column->integers == NULL) return event_file_no_memory(reader);
        uint32_t codes = type->dictionaries[p].count;
        for (uint32_t i = 0; i < events; i++) {
            uint64_t bits = 0;
            event_file_read_u64(reader, &bits);
            bool is_null = has_nulls && (column->nulls[i / 64u] >> (i % 64u) & 1u);
            if (property_type == PDB_TYPE_FLOAT) {
                memcpy(&column->numbers[i], &bits, sizeof bits);
                if (!isfinite(column->numbers[i])) return event_file_corrupt(reader, "a float that is not finite");
            } else {
                column->integers[i] = (int64_t)bits;
                if (!is_null && event_file_is_string_type(property_type) && bits >= codes)
                    return event_file_corrupt(reader, "a code beyond the dictionary");
                if (!is_null && property_type == PDB_TYPE_BOOL && bits > 1)
                    return event_file_corrupt(reader, "a bool that is neither 0 nor 1");
            }
        }
    }
    (void)chunk_index;
    return PDB_OK;
}

enum pdb_status event_file_decode_v1(const char *name, const uint8_t *data, size_t size,
                                     const struct event_type *declared,
                                     struct event_type_store *type_out, struct pdb_error *error)
{
    struct event_file_reader reader = {name, data, size >= 8 ? size - 8 : 0, 0, error};
    if (size < 40) return event_file_corrupt(&reader, "shorter than the header");
    if (load_u64(data + size - 8) != checksum_bytes(data, size - 8)) {
        reader.offset = size - 8;
        return event_file_corrupt(&reader, "checksum mismatch");
    }
    if (memcmp(data, EVENT_FILE_MAGIC, 8) != 0) return event_file_corrupt(&reader, "not an event file (bad magic)");
    reader.offset = 8;
    uint32_t version = 0, property_count = 0, stored = 0, zero = 0;
    uint64_t event_count = 0;
    event_file_read_u32(&reader, &version);
    event_file_read_u32(&reader, &property_count);
    event_file_read_u32(&reader, &stored);
    event_file_read_u32(&reader, &zero);
    event_file_read_u64(&reader, &event_count);
    if (version != EVENT_FILE_VERSION_PLAIN) return event_file_corrupt(&reader, "unknown format version");
    if (property_count != declared->property_count)
        return event_file_corrupt(&reader, "property count differs from the schema's event type");
    if (zero != 0) return event_file_corrupt(&reader, "reserved field not 0");
    struct event_type_store type = {0};
    enum pdb_status status = PDB_OK;
    status = event_file_read_properties(&reader, declared, property_count, &type);
    if (status != PDB_OK) goto fail;
    if (stored > PDB_CHUNKS_MAX || stored > reader.size / ((PDB_CHUNK_ROWS + 1) * 4u)) {
        status = event_file_corrupt(&reader, "chunk count beyond the file");
        goto fail;
    }
    /* Chunks come in ascending index order; the array grows to the highest. */
    uint64_t total = 0;
    int64_t previous = -1;
    for (uint32_t k = 0; k < stored; k++) {
        uint32_t chunk_index;
        if (!event_file_read_u32(&reader, &chunk_index)) {
            status = event_file_corrupt(&reader, "truncated chunk index");
            goto fail;
        }
        if ((int64_t)chunk_index <= previous || chunk_index >= PDB_CHUNKS_MAX) {
            reader.offset -= 4;
            status = event_file_corrupt(&reader, "chunk indexes not ascending");
            goto fail;
        }
        previous = chunk_index;
        if (chunk_index >= type.chunk_count) {
            struct event_chunk *grown = mem_realloc(type.chunks, ((size_t)chunk_index + 1) * sizeof *grown);
            if (grown == NULL) {
                status = event_file_no_memory(&reader);
                goto fail;
            }
            memset(grown + type.chunk_count, 0, ((size_t)chunk_index + 1 - type.chunk_count) * sizeof *grown);
            type.chunks = grown;
            type.chunk_count = chunk_index + 1;
        }
        struct event_chunk *chunk = &type.chunks[chunk_index];
        status = read_chunk(&reader, &type, chunk, chunk_index);
        if (status != PDB_OK) goto fail;
        total += chunk->event_count;
        type.rows_with_events += chunk->rows_with_events;
        if (chunk->event_count > type.events_per_chunk_max) type.events_per_chunk_max = chunk->event_count;
        if (chunk->events_per_row_max > type.events_per_row_max) type.events_per_row_max = chunk->events_per_row_max;
    }
    if (total != event_count) {
        status = event_file_corrupt(&reader, "event count differs from the chunks'");
        goto fail;
    }
    if (reader.offset != reader.size) {
        status = event_file_corrupt(&reader, "bytes after the last chunk");
        goto fail;
    }
    type.event_count = event_count;
    *type_out = type;
    return PDB_OK;
fail:
    event_type_store_deinit(&type);
    return status;
}
