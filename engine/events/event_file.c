/*
 * Event files of format version 2 (layout in event_file.h) and the decoding entry point
 * for both versions.
 *
 * Encoding cuts each profile chunk's events into blocks of up to 65,536 events and stores
 * every property block with column/encoding.c's block_encode (the column codecs choose the
 * smallest form: FOR bit-packing, dictionary codes, decimal floats, constants, nulls), the
 * per-row counts and the timestamps as bit-packed frames (codec_frame.c). Decoding checks
 * each section's checksum before reading it, then every size, count and value (the column
 * block decoder checks its own), the row counts against the event count, timestamps
 * ascending per row and inside the file's span, and unpacks straight into the CSR arrays.
 */
#include "events/event_file_internal.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "column/codec_bitpack.h"
#include "column/codec_common.h"
#include "column/column.h"
#include "column/encoding.h"

#define EVENT_BLOCK_EVENTS PDB_CHUNK_ROWS /* events per block: one column chunk's rows */
#define HEADER_FIXED_SIZE 48u
#define SECTION_HEADER_SIZE 16u

enum timestamp_form { TIMESTAMP_FOR = 0, TIMESTAMP_ROW_DELTA = 1 };

/* ---- Shared with version 1 -------------------------------------------------------------- */

enum pdb_status event_file_corrupt(struct event_file_reader *reader, const char *reason)
{
    return error_set(reader->error, PDB_ERR_CORRUPT, "%s: corrupt event file at byte %zu: %s",
                     reader->name, reader->offset, reason);
}

enum pdb_status event_file_no_memory(struct event_file_reader *reader)
{
    return error_set(reader->error, PDB_ERR_NO_MEMORY, "out of memory reading %s", reader->name);
}

int event_file_append_dictionaries(const struct event_type_store *type, struct buffer *out)
{
    int failed = 0;
    for (uint32_t p = 0; p < type->property_count && !failed; p++) {
        const struct event_dictionary *dictionary = &type->dictionaries[p];
        failed |= buffer_append_u32(out, dictionary->count);
        for (uint32_t v = 0; v < dictionary->count && !failed; v++)
            failed |= buffer_append_u32(out, dictionary->values[v].size) |
                      buffer_append(out, dictionary->values[v].data, dictionary->values[v].size);
    }
    return failed ? -1 : 0;
}

static int compare_strings(const struct event_string *x, const struct event_string *y)
{
    uint32_t common = x->size < y->size ? x->size : y->size;
    int order = common ? memcmp(x->data, y->data, common) : 0;
    if (order != 0) return order;
    return (x->size > y->size) - (x->size < y->size);
}

enum pdb_status event_file_read_dictionary(struct event_file_reader *reader,
                                           struct event_dictionary *dictionary, bool is_string)
{
    uint32_t count;
    if (!event_file_read_u32(reader, &count)) return event_file_corrupt(reader, "truncated dictionary");
    if (!is_string && count != 0) return event_file_corrupt(reader, "a dictionary for a property that has none");
    if (count > reader->size / 4) return event_file_corrupt(reader, "dictionary count beyond the file");
    size_t begin = reader->offset, bytes = 0;
    for (uint32_t v = 0; v < count; v++) { /* sizes first, to allocate once */
        uint32_t size = 0;
        if (!event_file_read_u32(reader, &size) || !event_file_has(reader, size))
            return event_file_corrupt(reader, "truncated dictionary value");
        reader->offset += size;
        bytes += size;
    }
    reader->offset = begin;
    dictionary->values = mem_alloc((count ? count : 1) * sizeof *dictionary->values);
    dictionary->bytes = mem_alloc(bytes ? bytes : 1);
    if (dictionary->values == NULL || dictionary->bytes == NULL) return event_file_no_memory(reader);
    size_t at = 0;
    for (uint32_t v = 0; v < count; v++) {
        uint32_t size = 0;
        event_file_read_u32(reader, &size);
        if (size) memcpy(dictionary->bytes + at, reader->data + reader->offset, size);
        dictionary->values[v] = (struct event_string){dictionary->bytes + at, size};
        reader->offset += size;
        at += size;
        dictionary->count = v + 1;
        if (v > 0 && compare_strings(&dictionary->values[v - 1], &dictionary->values[v]) >= 0)
            return event_file_corrupt(reader, "dictionary values not ascending and unique");
    }
    return PDB_OK;
}

enum pdb_status event_file_read_properties(struct event_file_reader *reader,
                                           const struct event_type *declared,
                                           uint32_t property_count, struct event_type_store *type)
{
    type->property_count = property_count;
    type->property_types = mem_alloc((property_count ? property_count : 1) * sizeof *type->property_types);
    type->dictionaries = mem_calloc(property_count ? property_count : 1, sizeof *type->dictionaries);
    if (type->property_types == NULL || type->dictionaries == NULL) return event_file_no_memory(reader);
    if (!event_file_has(reader, property_count)) return event_file_corrupt(reader, "truncated property types");
    for (uint32_t p = 0; p < property_count; p++) {
        type->property_types[p] = (enum pdb_type)reader->data[reader->offset++];
        if (type->property_types[p] != declared->properties[p].type) {
            reader->offset--;
            return event_file_corrupt(reader, "property type differs from the schema's event type");
        }
    }
    enum pdb_status status = PDB_OK;
    for (uint32_t p = 0; p < property_count && status == PDB_OK; p++)
        status = event_file_read_dictionary(reader, &type->dictionaries[p],
                                            event_file_is_string_type(type->property_types[p]));
    return status;
}

/* ---- Encode --------------------------------------------------------------------------- */

static enum pdb_type block_type_of(enum pdb_type type)
{
    return event_file_is_string_type(type) ? PDB_TYPE_CATEGORY : type;
}

static bool is_null_event(const struct event_column *column, uint32_t i)
{
    return column->nulls != NULL && (column->nulls[i / 64u] >> (i % 64u) & 1u);
}

/* Appends the column block of events [first, first + n) of one property. */
static int append_property_block(const struct event_column *column, enum pdb_type type,
                                 uint32_t first, uint32_t n, struct buffer *out)
{
    enum pdb_type block_type = block_type_of(type);
    struct column_chunk chunk;
    if (column_chunk_init(&chunk, block_type) != 0) return -1;
    int failed = 0;
    chunk.row_count = n;
    for (uint32_t i = 0; i < n; i++)
        if (is_null_event(column, first + i)) chunk.nulls[i / 64u] |= 1ull << (i % 64u);
    switch (block_type) {
    case PDB_TYPE_BOOL:
        for (uint32_t i = 0; i < n; i++)
            if (!is_null_event(column, first + i) && column->integers[first + i] != 0)
                chunk.bools[i / 64u] |= 1ull << (i % 64u);
        break;
    case PDB_TYPE_FLOAT:
        for (uint32_t i = 0; i < n; i++)
            chunk.floats[i] = is_null_event(column, first + i) ? 0.0 : column->numbers[first + i];
        break;
    case PDB_TYPE_CATEGORY: /* the building form: 4-byte codes */
        if (column_chunk_lanes_allocate(&chunk, 4) != 0) {
            failed = -1;
            break;
        }
        chunk.lane_base = 0;
        for (uint32_t i = 0; i < n; i++)
            chunk.lanes_u32[i] = is_null_event(column, first + i) ? 0u : (uint32_t)column->integers[first + i];
        break;
    default: /* int, timestamp: the building form, 8-byte lanes over INT64_MIN */
        if (column_chunk_lanes_allocate(&chunk, 8) != 0) {
            failed = -1;
            break;
        }
        chunk.lane_base = INT64_MIN;
        for (uint32_t i = 0; i < n; i++)
            chunk.lanes_u64[i] = is_null_event(column, first + i)
                                     ? 0u
                                     : (uint64_t)column->integers[first + i] - (uint64_t)INT64_MIN;
        break;
    }
    if (!failed) {
        column_chunk_refresh_summary(&chunk, block_type);
        failed = column_chunk_seal(&chunk, block_type);
    }
    struct pdb_error ignored;
    if (!failed && block_encode(&chunk, block_type, out, &ignored) != PDB_OK) failed = -1;
    column_chunk_deinit(&chunk);
    return failed;
}

/* Appends the timestamps of events [first, first + n) of `chunk` in the narrower form. */
static int append_timestamps(const struct event_chunk *chunk, uint32_t first, uint32_t n,
                             int64_t *deltas, struct buffer *out)
{
    const int64_t *timestamps = chunk->timestamps + first;
    int64_t min = timestamps[0], max = timestamps[0];
    for (uint32_t i = 1; i < n; i++) {
        if (timestamps[i] < min) min = timestamps[i];
        if (timestamps[i] > max) max = timestamps[i];
    }
    uint64_t delta_max = 0;
    uint32_t row = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t event = first + i;
        while (chunk->offsets[row + 1] <= event) row++;
        bool starts_row = i == 0 || chunk->offsets[row] == event;
        uint64_t delta = starts_row ? (uint64_t)timestamps[i] - (uint64_t)min
                                    : (uint64_t)timestamps[i] - (uint64_t)timestamps[i - 1];
        deltas[i] = (int64_t)delta;
        if (delta > delta_max) delta_max = delta;
    }
    bool use_deltas = bitpack_width(delta_max) < bitpack_width((uint64_t)max - (uint64_t)min);
    uint8_t form = use_deltas ? TIMESTAMP_ROW_DELTA : TIMESTAMP_FOR;
    if (buffer_append(out, &form, 1) != 0) return -1;
    if (!use_deltas) return codec_frame_append_i64(out, timestamps, NULL, n);
    /* The deltas are unsigned: a frame over them as int64 would take INT64_MIN.. as base. */
    if (buffer_append_u64(out, (uint64_t)min) != 0 || buffer_append_u64(out, 0) != 0 ||
        buffer_append_u32(out, bitpack_width(delta_max)) != 0)
        return -1;
    return bitpack_append_u64(out, (const uint64_t *)deltas, NULL, n, 0, bitpack_width(delta_max));
}

static int append_section(const struct event_type_store *type, uint32_t chunk_index,
                          uint32_t *counts, int64_t *deltas, struct buffer *out)
{
    const struct event_chunk *chunk = &type->chunks[chunk_index];
    size_t start = out->size;
    if (buffer_append_u32(out, chunk_index) != 0 || buffer_append_u32(out, chunk->event_count) != 0 ||
        buffer_append_u64(out, 0) != 0)
        return -1;
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) counts[r] = chunk->offsets[r + 1] - chunk->offsets[r];
    if (codec_frame_append_u32(out, counts, NULL, PDB_CHUNK_ROWS) != 0) return -1;
    for (uint32_t first = 0; first < chunk->event_count; first += EVENT_BLOCK_EVENTS) {
        uint32_t n = chunk->event_count - first < EVENT_BLOCK_EVENTS ? chunk->event_count - first
                                                                     : EVENT_BLOCK_EVENTS;
        if (append_timestamps(chunk, first, n, deltas, out) != 0) return -1;
        for (uint32_t p = 0; p < type->property_count; p++)
            if (append_property_block(&chunk->columns[p], type->property_types[p], first, n, out) != 0)
                return -1;
    }
    uint64_t size = out->size - start - SECTION_HEADER_SIZE + 8u;
    store_u64(out->data + start + 8, size);
    return buffer_append_u64(out, checksum_bytes(out->data + start, out->size - start));
}

int event_file_encode(const struct event_type_store *type, int64_t first_s, int64_t last_s,
                      struct buffer *out)
{
    size_t start = out->size;
    uint32_t stored = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++) stored += type->chunks[c].event_count > 0;
    int failed = buffer_append(out, EVENT_FILE_MAGIC, 8) | buffer_append_u32(out, EVENT_FILE_VERSION) |
                 buffer_append_u32(out, type->property_count) | buffer_append_u32(out, stored) |
                 buffer_append_u32(out, 0) | buffer_append_u64(out, type->event_count) |
                 buffer_append_u64(out, (uint64_t)first_s) | buffer_append_u64(out, (uint64_t)last_s);
    for (uint32_t p = 0; p < type->property_count && !failed; p++) {
        uint8_t property_type = (uint8_t)type->property_types[p];
        failed |= buffer_append(out, &property_type, 1);
    }
    if (!failed) failed |= event_file_append_dictionaries(type, out);
    if (!failed) failed |= buffer_append_u64(out, checksum_bytes(out->data + start, out->size - start));
    uint32_t *counts = failed ? NULL : mem_alloc(PDB_CHUNK_ROWS * sizeof *counts);
    int64_t *deltas = failed ? NULL : mem_alloc(EVENT_BLOCK_EVENTS * sizeof *deltas);
    if (counts == NULL || deltas == NULL) failed = -1;
    for (uint32_t c = 0; c < type->chunk_count && !failed; c++)
        if (type->chunks[c].event_count > 0) failed |= append_section(type, c, counts, deltas, out);
    mem_free(counts);
    mem_free(deltas);
    if (failed) out->size = start;
    return failed ? -1 : 0;
}

/* ---- Decode --------------------------------------------------------------------------- */

/* A failure inside a section: the reason from below, with the file, offset and chunk. */
static enum pdb_status section_corrupt(struct event_file_reader *reader, size_t offset,
                                       uint32_t chunk_index, const struct pdb_error *inner)
{
    if (inner->status == PDB_ERR_NO_MEMORY) return event_file_no_memory(reader);
    return error_set(reader->error, PDB_ERR_CORRUPT, "%s: corrupt event file at byte %zu "
                     "(section of profile chunk %u): %s", reader->name, offset, chunk_index,
                     inner->message);
}

/* Unpacks a column block of n events of property p into the chunk's column from `first`. */
static enum pdb_status read_property_block(struct codec_reader *codec, enum pdb_type type,
                                           uint32_t dictionary_count, struct event_chunk *chunk,
                                           struct event_column *column, uint32_t first, uint32_t n,
                                           struct pdb_error *error)
{
    enum pdb_type block_type = block_type_of(type);
    if (codec->left < BLOCK_HEADER_SIZE) return error_set(error, PDB_ERR_CORRUPT, "truncated column block");
    uint64_t payload = load_u64(codec->next + 16);
    if (payload > codec->left - BLOCK_HEADER_SIZE)
        return error_set(error, PDB_ERR_CORRUPT, "column block beyond the section");
    const uint8_t *block = codec_read_bytes(codec, BLOCK_HEADER_SIZE + payload);
    struct column_chunk values;
    if (column_chunk_init(&values, block_type) != 0) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    enum pdb_status status = block_decode(block, (size_t)(BLOCK_HEADER_SIZE + payload), block_type,
                                          dictionary_count, &values, error);
    if (status == PDB_OK && values.row_count != n)
        status = error_set(error, PDB_ERR_CORRUPT, "column block of %u values, expected %u",
                           values.row_count, n);
    if (status == PDB_OK && values.null_count > 0 && column->nulls == NULL) {
        column->nulls = mem_calloc((chunk->event_count + 63u) / 64u, sizeof(uint64_t));
        if (column->nulls == NULL) status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    if (status != PDB_OK) {
        column_chunk_deinit(&values);
        return status;
    }
    if (values.null_count > 0)
        for (uint32_t i = 0; i < n; i++)
            if (column_chunk_is_null(&values, i))
                column->nulls[(first + i) / 64u] |= 1ull << ((first + i) % 64u);
    int64_t *integers = column->integers + first;
    switch (block_type) {
    case PDB_TYPE_BOOL:
        for (uint32_t i = 0; i < n; i++) integers[i] = (int64_t)(values.bools[i / 64u] >> (i % 64u) & 1u);
        break;
    case PDB_TYPE_FLOAT:
        memcpy(column->numbers + first, values.floats, (size_t)n * sizeof(double));
        break;
    default: {
        uint64_t base = (uint64_t)values.lane_base;
        switch (values.lane_width_bytes) {
        case 1: for (uint32_t i = 0; i < n; i++) integers[i] = (int64_t)(base + values.lanes_u8[i]); break;
        case 2: for (uint32_t i = 0; i < n; i++) integers[i] = (int64_t)(base + values.lanes_u16[i]); break;
        case 4: for (uint32_t i = 0; i < n; i++) integers[i] = (int64_t)(base + values.lanes_u32[i]); break;
        default: for (uint32_t i = 0; i < n; i++) integers[i] = (int64_t)(base + values.lanes_u64[i]); break;
        }
        if (values.null_count > 0) /* the store holds 0 for a NULL */
            for (uint32_t i = 0; i < n; i++)
                if (column_chunk_is_null(&values, i)) integers[i] = 0;
    }
    }
    column_chunk_deinit(&values);
    return PDB_OK;
}

static enum pdb_status read_timestamps(struct codec_reader *codec, struct event_chunk *chunk,
                                       uint32_t first, uint32_t n, struct pdb_error *error)
{
    const uint8_t *form = codec_read_bytes(codec, 1);
    if (form == NULL || *form > TIMESTAMP_ROW_DELTA)
        return error_set(error, PDB_ERR_CORRUPT, "missing or unknown timestamp form");
    uint64_t minimum = 0;
    if (*form == TIMESTAMP_ROW_DELTA && !codec_read_u64(codec, &minimum))
        return error_set(error, PDB_ERR_CORRUPT, "truncated timestamp minimum");
    struct codec_frame frame;
    enum pdb_status status = codec_frame_read(codec, n, 64, "timestamps", &frame, error);
    if (status != PDB_OK) return status;
    uint64_t *out = (uint64_t *)(chunk->timestamps + first);
    codec_frame_unpack_u64(&frame, 0, n, out);
    if (*form == TIMESTAMP_FOR) return PDB_OK;
    uint32_t row = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t event = first + i;
        while (chunk->offsets[row + 1] <= event) row++;
        bool starts_row = i == 0 || chunk->offsets[row] == event;
        out[i] += starts_row ? minimum : out[i - 1];
    }
    return PDB_OK;
}

static enum pdb_status read_section(struct event_file_reader *reader, struct event_type_store *type,
                                    int64_t first_s, int64_t last_s, uint32_t *counts,
                                    uint32_t *chunk_index_out)
{
    size_t start = reader->offset;
    uint32_t chunk_index, events;
    uint64_t size;
    if (!event_file_read_u32(reader, &chunk_index) || !event_file_read_u32(reader, &events) ||
        !event_file_read_u64(reader, &size) || size < 8 || !event_file_has(reader, size)) {
        reader->offset = start;
        return event_file_corrupt(reader, "truncated chunk section");
    }
    size_t end = reader->offset + (size_t)size;
    if (load_u64(reader->data + end - 8) != checksum_bytes(reader->data + start, end - 8 - start)) {
        char reason[128];
        snprintf(reason, sizeof reason, "checksum mismatch in the section of profile chunk %u "
                 "(bytes %zu..%zu)", chunk_index, start, end - 1);
        reader->offset = start;
        return event_file_corrupt(reader, reason);
    }
    if (chunk_index >= PDB_CHUNKS_MAX || (type->chunk_count > 0 && chunk_index < type->chunk_count) ||
        events == 0) {
        reader->offset = start;
        return event_file_corrupt(reader, "chunk indexes not ascending, or a section without events");
    }
    struct event_chunk *grown = mem_realloc(type->chunks, ((size_t)chunk_index + 1) * sizeof *grown);
    if (grown == NULL) return event_file_no_memory(reader);
    memset(grown + type->chunk_count, 0, ((size_t)chunk_index + 1 - type->chunk_count) * sizeof *grown);
    type->chunks = grown;
    type->chunk_count = chunk_index + 1;
    struct event_chunk *chunk = &type->chunks[chunk_index];
    chunk->event_count = events;
    chunk->offsets = mem_alloc((PDB_CHUNK_ROWS + 1) * sizeof(uint32_t));
    chunk->timestamps = mem_alloc((size_t)events * sizeof(int64_t));
    chunk->columns = mem_calloc(type->property_count ? type->property_count : 1, sizeof *chunk->columns);
    if (chunk->offsets == NULL || chunk->timestamps == NULL || chunk->columns == NULL)
        return event_file_no_memory(reader);
    for (uint32_t p = 0; p < type->property_count; p++) {
        struct event_column *column = &chunk->columns[p];
        if (type->property_types[p] == PDB_TYPE_FLOAT) column->numbers = mem_alloc((size_t)events * sizeof(double));
        else column->integers = mem_alloc((size_t)events * sizeof(int64_t));
        if (column->numbers == NULL && column->integers == NULL) return event_file_no_memory(reader);
    }
    struct codec_reader codec = {reader->data + reader->offset, end - 8 - reader->offset};
    struct pdb_error inner = {0};
    struct codec_frame frame;
    size_t piece = reader->offset;
    if (codec_frame_read(&codec, PDB_CHUNK_ROWS, 32, "row counts", &frame, &inner) != PDB_OK)
        return section_corrupt(reader, piece, chunk_index, &inner);
    codec_frame_unpack_u32(&frame, 0, PDB_CHUNK_ROWS, counts);
    uint64_t total = 0;
    uint32_t per_row_max = 0, rows_with_events = 0;
    chunk->offsets[0] = 0;
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
        total += counts[r];
        if (total > events) break;
        chunk->offsets[r + 1] = (uint32_t)total;
        if (counts[r] > per_row_max) per_row_max = counts[r];
        rows_with_events += counts[r] != 0;
    }
    if (total != events) {
        inner = (struct pdb_error){PDB_ERR_CORRUPT, "the row counts do not add up to the event count"};
        return section_corrupt(reader, piece, chunk_index, &inner);
    }
    chunk->events_per_row_max = per_row_max;
    chunk->rows_with_events = rows_with_events;
    for (uint32_t first = 0; first < events; first += EVENT_BLOCK_EVENTS) {
        uint32_t n = events - first < EVENT_BLOCK_EVENTS ? events - first : EVENT_BLOCK_EVENTS;
        piece = (size_t)(codec.next - reader->data);
        if (read_timestamps(&codec, chunk, first, n, &inner) != PDB_OK)
            return section_corrupt(reader, piece, chunk_index, &inner);
        for (uint32_t p = 0; p < type->property_count; p++) {
            piece = (size_t)(codec.next - reader->data);
            if (read_property_block(&codec, type->property_types[p], type->dictionaries[p].count, chunk,
                                    &chunk->columns[p], first, n, &inner) != PDB_OK)
                return section_corrupt(reader, piece, chunk_index, &inner);
        }
    }
    piece = (size_t)(codec.next - reader->data);
    if (codec.left != 0) {
        inner = (struct pdb_error){PDB_ERR_CORRUPT, "bytes after the last event block"};
        return section_corrupt(reader, piece, chunk_index, &inner);
    }
    chunk->time_min = INT64_MAX;
    chunk->time_max = INT64_MIN;
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
        uint32_t begin = chunk->offsets[r], stop = chunk->offsets[r + 1];
        if (begin == stop) continue;
        for (uint32_t i = begin + 1; i < stop; i++)
            if (chunk->timestamps[i - 1] > chunk->timestamps[i]) {
                inner = (struct pdb_error){PDB_ERR_CORRUPT, "timestamps not ascending within a row"};
                return section_corrupt(reader, start, chunk_index, &inner);
            }
        if (chunk->timestamps[begin] < chunk->time_min) chunk->time_min = chunk->timestamps[begin];
        if (chunk->timestamps[stop - 1] > chunk->time_max) chunk->time_max = chunk->timestamps[stop - 1];
    }
    if (chunk->time_min < first_s || chunk->time_max > last_s) {
        inner = (struct pdb_error){PDB_ERR_CORRUPT, "a timestamp outside the file's span"};
        return section_corrupt(reader, start, chunk_index, &inner);
    }
    reader->offset = end;
    *chunk_index_out = chunk_index;
    return PDB_OK;
}

/* The end of the header section (where its checksum is) found from the sizes alone, or 0
 * when they do not fit the file. */
static size_t header_extent(const uint8_t *data, size_t size)
{
    uint32_t property_count = load_u32(data + 12);
    if (property_count > PDB_EVENT_PROPERTIES_MAX) return 0;
    size_t at = HEADER_FIXED_SIZE + property_count;
    for (uint32_t p = 0; p < property_count; p++) {
        if (at > size || size - at < 4) return 0;
        uint32_t values = load_u32(data + at);
        at += 4;
        for (uint32_t v = 0; v < values; v++) {
            if (at > size || size - at < 4) return 0;
            uint32_t bytes = load_u32(data + at);
            at += 4;
            if (bytes > size - at) return 0;
            at += bytes;
        }
    }
    return at <= size && size - at >= 8 ? at : 0;
}

static enum pdb_status decode_v2(const char *name, const uint8_t *data, size_t size,
                                 const struct event_type *declared, struct event_type_store *type_out,
                                 int64_t *first_s_out, int64_t *last_s_out, struct pdb_error *error)
{
    struct event_file_reader reader = {name, data, size, 0, error};
    size_t header_end = header_extent(data, size);
    if (header_end == 0 || load_u64(data + header_end) != checksum_bytes(data, header_end))
        return event_file_corrupt(&reader, "checksum mismatch in the header section (or truncated)");
    reader.offset = 12;
    uint32_t property_count = 0, stored = 0, zero = 0;
    uint64_t event_count = 0, first_bits = 0, last_bits = 0;
    event_file_read_u32(&reader, &property_count);
    event_file_read_u32(&reader, &stored);
    event_file_read_u32(&reader, &zero);
    event_file_read_u64(&reader, &event_count);
    event_file_read_u64(&reader, &first_bits);
    event_file_read_u64(&reader, &last_bits);
    int64_t first_s = (int64_t)first_bits, last_s = (int64_t)last_bits;
    if (property_count != declared->property_count)
        return event_file_corrupt(&reader, "property count differs from the schema's event type");
    if (zero != 0) return event_file_corrupt(&reader, "reserved field not 0");
    if (first_s > last_s) return event_file_corrupt(&reader, "span ends before it starts");
    struct event_type_store type = {0};
    enum pdb_status status = PDB_OK;
    uint32_t *counts = mem_alloc(PDB_CHUNK_ROWS * sizeof *counts);
    if (counts == NULL) {
        status = event_file_no_memory(&reader);
        goto fail;
    }
    status = event_file_read_properties(&reader, declared, property_count, &type);
    if (status != PDB_OK) goto fail;
    reader.offset = header_end + 8; /* the checksum, checked first */
    if (stored > PDB_CHUNKS_MAX) {
        status = event_file_corrupt(&reader, "chunk count beyond the limit");
        goto fail;
    }
    for (uint32_t k = 0; k < stored; k++) {
        uint32_t chunk_index = 0;
        if ((status = read_section(&reader, &type, first_s, last_s, counts, &chunk_index)) != PDB_OK) goto fail;
        const struct event_chunk *chunk = &type.chunks[chunk_index];
        type.event_count += chunk->event_count;
        type.rows_with_events += chunk->rows_with_events;
        if (chunk->event_count > type.events_per_chunk_max) type.events_per_chunk_max = chunk->event_count;
        if (chunk->events_per_row_max > type.events_per_row_max) type.events_per_row_max = chunk->events_per_row_max;
    }
    if (type.event_count != event_count) {
        status = event_file_corrupt(&reader, "event count differs from the sections'");
        goto fail;
    }
    if (reader.offset != reader.size) {
        status = event_file_corrupt(&reader, "bytes after the last section");
        goto fail;
    }
    mem_free(counts);
    *type_out = type;
    if (first_s_out != NULL) *first_s_out = first_s;
    if (last_s_out != NULL) *last_s_out = last_s;
    return PDB_OK;
fail:
    mem_free(counts);
    event_type_store_deinit(&type);
    return status;
}

enum pdb_status event_file_decode(const char *name, const uint8_t *data, size_t size,
                                  const struct event_type *declared,
                                  struct event_type_store *type_out, int64_t *first_s_out,
                                  int64_t *last_s_out, struct pdb_error *error)
{
    struct event_file_reader reader = {name, data, size, 0, error};
    if (size < 12) return event_file_corrupt(&reader, "shorter than the header");
    if (memcmp(data, EVENT_FILE_MAGIC, 8) != 0) return event_file_corrupt(&reader, "not an event file (bad magic)");
    uint32_t version = load_u32(data + 8);
    if (version == EVENT_FILE_VERSION && size < HEADER_FIXED_SIZE + 8u)
        return event_file_corrupt(&reader, "shorter than the header");
    if (version == EVENT_FILE_VERSION)
        return decode_v2(name, data, size, declared, type_out, first_s_out, last_s_out, error);
    if (version != EVENT_FILE_VERSION_PLAIN) {
        reader.offset = 8;
        return event_file_corrupt(&reader, "unknown format version");
    }
    enum pdb_status status = event_file_decode_v1(name, data, size, declared, type_out, error);
    if (status == PDB_OK && first_s_out != NULL) *first_s_out = INT64_MIN;
    if (status == PDB_OK && last_s_out != NULL) *last_s_out = INT64_MAX;
    return status;
}
