/*
 * Event file encoding and decoding (format: event_file.h). The decoder trusts nothing: the
 * checksum is checked before anything else is read, then every read is bounds-checked and
 * every invariant of the store (event_store_validate) is checked on the decoded form.
 */
#include "events/event_file.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "catalog/schema.h"

static bool is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT;
}

/* ---- Encode --------------------------------------------------------------------------- */

int event_file_encode(const struct event_type_store *type, struct buffer *out)
{
    size_t start = out->size;
    uint32_t stored = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++) stored += type->chunks[c].event_count > 0;
    int failed = buffer_append(out, EVENT_FILE_MAGIC, 8) | buffer_append_u32(out, EVENT_FILE_VERSION) |
                 buffer_append_u32(out, type->property_count) | buffer_append_u32(out, stored) |
                 buffer_append_u32(out, 0) | buffer_append_u64(out, type->event_count);
    for (uint32_t p = 0; p < type->property_count && !failed; p++) {
        uint8_t property_type = (uint8_t)type->property_types[p];
        failed |= buffer_append(out, &property_type, 1);
    }
    for (uint32_t p = 0; p < type->property_count && !failed; p++) {
        const struct event_dictionary *dictionary = &type->dictionaries[p];
        failed |= buffer_append_u32(out, dictionary->count);
        for (uint32_t v = 0; v < dictionary->count && !failed; v++)
            failed |= buffer_append_u32(out, dictionary->values[v].size) |
                      buffer_append(out, dictionary->values[v].data, dictionary->values[v].size);
    }
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

struct reader {
    const char *name;
    const uint8_t *data;
    size_t size; /* without the checksum */
    size_t offset;
    struct pdb_error *error;
};

static enum pdb_status corrupt(struct reader *reader, const char *reason)
{
    return error_set(reader->error, PDB_ERR_CORRUPT, "%s: corrupt event file at byte %zu: %s",
                     reader->name, reader->offset, reason);
}

static bool has(const struct reader *reader, size_t bytes)
{
    return bytes <= reader->size - reader->offset;
}

static bool read_u32(struct reader *reader, uint32_t *value)
{
    if (!has(reader, 4)) return false;
    *value = load_u32(reader->data + reader->offset);
    reader->offset += 4;
    return true;
}

static bool read_u64(struct reader *reader, uint64_t *value)
{
    if (!has(reader, 8)) return false;
    *value = load_u64(reader->data + reader->offset);
    reader->offset += 8;
    return true;
}

static int compare_strings(const struct event_string *x, const struct event_string *y)
{
    uint32_t common = x->size < y->size ? x->size : y->size;
    int order = common ? memcmp(x->data, y->data, common) : 0;
    if (order != 0) return order;
    return (x->size > y->size) - (x->size < y->size);
}

static enum pdb_status no_memory(struct reader *reader)
{
    return error_set(reader->error, PDB_ERR_NO_MEMORY, "out of memory reading %s", reader->name);
}

static enum pdb_status read_dictionary(struct reader *reader, struct event_dictionary *dictionary,
                                       bool is_string)
{
    uint32_t count;
    if (!read_u32(reader, &count)) return corrupt(reader, "truncated dictionary");
    if (!is_string && count != 0) return corrupt(reader, "a dictionary for a property that has none");
    if (count > reader->size / 4) return corrupt(reader, "dictionary count beyond the file");
    size_t begin = reader->offset, bytes = 0;
    for (uint32_t v = 0; v < count; v++) { /* sizes first, to allocate once */
        uint32_t size = 0;
        if (!read_u32(reader, &size) || !has(reader, size))
            return corrupt(reader, "truncated dictionary value");
        reader->offset += size;
        bytes += size;
    }
    reader->offset = begin;
    dictionary->values = mem_alloc((count ? count : 1) * sizeof *dictionary->values);
    dictionary->bytes = mem_alloc(bytes ? bytes : 1);
    if (dictionary->values == NULL || dictionary->bytes == NULL) return no_memory(reader);
    size_t at = 0;
    for (uint32_t v = 0; v < count; v++) {
        uint32_t size = 0;
        read_u32(reader, &size);
        memcpy(dictionary->bytes + at, reader->data + reader->offset, size);
        dictionary->values[v] = (struct event_string){dictionary->bytes + at, size};
        reader->offset += size;
        at += size;
        dictionary->count = v + 1;
        if (v > 0 && compare_strings(&dictionary->values[v - 1], &dictionary->values[v]) >= 0)
            return corrupt(reader, "dictionary values not ascending and unique");
    }
    return PDB_OK;
}

static enum pdb_status read_chunk(struct reader *reader, struct event_type_store *type,
                                  struct event_chunk *chunk, uint32_t chunk_index)
{
    uint32_t events;
    if (!read_u32(reader, &events)) return corrupt(reader, "truncated chunk header");
    if (events == 0) return corrupt(reader, "a stored chunk without events");
    if (!has(reader, (size_t)(PDB_CHUNK_ROWS + 1) * 4 + (size_t)events * 8))
        return corrupt(reader, "truncated chunk");
    chunk->event_count = events;
    chunk->offsets = mem_alloc((PDB_CHUNK_ROWS + 1) * sizeof(uint32_t));
    chunk->timestamps = mem_alloc((size_t)events * sizeof(int64_t));
    chunk->columns = mem_calloc(type->property_count ? type->property_count : 1, sizeof *chunk->columns);
    if (chunk->offsets == NULL || chunk->timestamps == NULL || chunk->columns == NULL)
        return no_memory(reader);
    uint32_t per_row_max = 0, rows_with_events = 0;
    for (uint32_t r = 0; r <= PDB_CHUNK_ROWS; r++) {
        read_u32(reader, &chunk->offsets[r]);
        if (r == 0 && chunk->offsets[0] != 0) return corrupt(reader, "offsets do not start at 0");
        if (r > 0) {
            if (chunk->offsets[r] < chunk->offsets[r - 1] || chunk->offsets[r] > events)
                return corrupt(reader, "offsets not ascending within the chunk's events");
            uint32_t n = chunk->offsets[r] - chunk->offsets[r - 1];
            if (n > per_row_max) per_row_max = n;
            rows_with_events += n != 0;
        }
    }
    if (chunk->offsets[PDB_CHUNK_ROWS] != events) return corrupt(reader, "offsets do not end at the event count");
    chunk->events_per_row_max = per_row_max;
    chunk->rows_with_events = rows_with_events;
    chunk->time_min = INT64_MAX;
    chunk->time_max = INT64_MIN;
    for (uint32_t i = 0; i < events; i++) {
        uint64_t bits = 0;
        read_u64(reader, &bits);
        chunk->timestamps[i] = (int64_t)bits;
        if (chunk->timestamps[i] < chunk->time_min) chunk->time_min = chunk->timestamps[i];
        if (chunk->timestamps[i] > chunk->time_max) chunk->time_max = chunk->timestamps[i];
    }
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++)
        for (uint32_t i = chunk->offsets[r] + 1; i < chunk->offsets[r + 1]; i++)
            if (chunk->timestamps[i - 1] > chunk->timestamps[i])
                return corrupt(reader, "timestamps not ascending within a row");
    size_t words = (events + 63u) / 64u;
    for (uint32_t p = 0; p < type->property_count; p++) {
        struct event_column *column = &chunk->columns[p];
        enum pdb_type property_type = type->property_types[p];
        if (!has(reader, 1)) return corrupt(reader, "truncated property");
        uint8_t has_nulls = reader->data[reader->offset++];
        if (has_nulls > 1) return corrupt(reader, "bad null flag");
        if (!has(reader, (has_nulls ? words * 8 : 0) + (size_t)events * 8))
            return corrupt(reader, "truncated property values");
        if (has_nulls) {
            column->nulls = mem_alloc(words * sizeof(uint64_t));
            if (column->nulls == NULL) return no_memory(reader);
            for (size_t w = 0; w < words; w++) read_u64(reader, &column->nulls[w]);
            if (events % 64u) column->nulls[words - 1] &= (1ull << (events % 64u)) - 1u;
        }
        if (property_type == PDB_TYPE_FLOAT) column->numbers = mem_alloc((size_t)events * sizeof(double));
        else column->integers = mem_alloc((size_t)events * sizeof(int64_t));
        if (column->numbers == NULL && column->integers == NULL) return no_memory(reader);
        uint32_t codes = type->dictionaries[p].count;
        for (uint32_t i = 0; i < events; i++) {
            uint64_t bits = 0;
            read_u64(reader, &bits);
            bool is_null = has_nulls && (column->nulls[i / 64u] >> (i % 64u) & 1u);
            if (property_type == PDB_TYPE_FLOAT) {
                memcpy(&column->numbers[i], &bits, sizeof bits);
                if (!isfinite(column->numbers[i])) return corrupt(reader, "a float that is not finite");
            } else {
                column->integers[i] = (int64_t)bits;
                if (!is_null && is_string_type(property_type) && bits >= codes)
                    return corrupt(reader, "a code beyond the dictionary");
                if (!is_null && property_type == PDB_TYPE_BOOL && bits > 1)
                    return corrupt(reader, "a bool that is neither 0 nor 1");
            }
        }
    }
    (void)chunk_index;
    return PDB_OK;
}

enum pdb_status event_file_decode(const char *name, const uint8_t *data, size_t size,
                                  const struct event_type *declared,
                                  struct event_type_store *type_out, struct pdb_error *error)
{
    struct reader reader = {name, data, size >= 8 ? size - 8 : 0, 0, error};
    if (size < 40) return corrupt(&reader, "shorter than the header");
    if (load_u64(data + size - 8) != checksum_bytes(data, size - 8)) {
        reader.offset = size - 8;
        return corrupt(&reader, "checksum mismatch");
    }
    if (memcmp(data, EVENT_FILE_MAGIC, 8) != 0) return corrupt(&reader, "not an event file (bad magic)");
    reader.offset = 8;
    uint32_t version, property_count, stored, zero;
    uint64_t event_count;
    read_u32(&reader, &version);
    read_u32(&reader, &property_count);
    read_u32(&reader, &stored);
    read_u32(&reader, &zero);
    read_u64(&reader, &event_count);
    if (version != EVENT_FILE_VERSION) return corrupt(&reader, "unknown format version");
    if (property_count != declared->property_count)
        return corrupt(&reader, "property count differs from the schema's event type");
    if (zero != 0) return corrupt(&reader, "reserved field not 0");
    struct event_type_store type = {0};
    enum pdb_status status = PDB_OK;
    type.property_count = property_count;
    type.property_types = mem_alloc((property_count ? property_count : 1) * sizeof *type.property_types);
    type.dictionaries = mem_calloc(property_count ? property_count : 1, sizeof *type.dictionaries);
    if (type.property_types == NULL || type.dictionaries == NULL) {
        status = no_memory(&reader);
        goto fail;
    }
    if (!has(&reader, property_count)) {
        status = corrupt(&reader, "truncated property types");
        goto fail;
    }
    for (uint32_t p = 0; p < property_count; p++) {
        type.property_types[p] = (enum pdb_type)reader.data[reader.offset++];
        if (type.property_types[p] != declared->properties[p].type) {
            reader.offset--;
            status = corrupt(&reader, "property type differs from the schema's event type");
            goto fail;
        }
    }
    for (uint32_t p = 0; p < property_count && status == PDB_OK; p++)
        status = read_dictionary(&reader, &type.dictionaries[p], is_string_type(type.property_types[p]));
    if (status != PDB_OK) goto fail;
    if (stored > PDB_CHUNKS_MAX || stored > reader.size / ((PDB_CHUNK_ROWS + 1) * 4u)) {
        status = corrupt(&reader, "chunk count beyond the file");
        goto fail;
    }
    /* Chunks come in ascending index order; the array grows to the highest. */
    uint64_t total = 0;
    int64_t previous = -1;
    for (uint32_t k = 0; k < stored; k++) {
        uint32_t chunk_index;
        if (!read_u32(&reader, &chunk_index)) {
            status = corrupt(&reader, "truncated chunk index");
            goto fail;
        }
        if ((int64_t)chunk_index <= previous || chunk_index >= PDB_CHUNKS_MAX) {
            reader.offset -= 4;
            status = corrupt(&reader, "chunk indexes not ascending");
            goto fail;
        }
        previous = chunk_index;
        if (chunk_index >= type.chunk_count) {
            struct event_chunk *grown = mem_realloc(type.chunks, ((size_t)chunk_index + 1) * sizeof *grown);
            if (grown == NULL) {
                status = no_memory(&reader);
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
        status = corrupt(&reader, "event count differs from the chunks'");
        goto fail;
    }
    if (reader.offset != reader.size) {
        status = corrupt(&reader, "bytes after the last chunk");
        goto fail;
    }
    type.event_count = event_count;
    *type_out = type;
    return PDB_OK;
fail:
    event_type_store_deinit(&type);
    return status;
}
