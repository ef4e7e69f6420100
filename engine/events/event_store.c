/*
 * The event store's builder, layout and checks (the layout and why: event_store.h).
 *
 * The builder appends events as they come (per type: rows, timestamps and one growable array
 * per property). finish() builds each category/text dictionary (sort, unique, code = rank),
 * sorts the events by (row, timestamp, append order) and cuts them into profile chunks.
 */
#include "events/event_store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "catalog/schema.h"

/* ---- Builder -------------------------------------------------------------------------- */

struct pending_property {
    enum pdb_type type;
    int64_t *integers; /* int, timestamp, bool; category/text: offset into string bytes */
    double *numbers;
    uint32_t *string_sizes;
    uint8_t *is_null;
    size_t capacity;
};

struct pending_type {
    uint32_t property_count;
    struct pending_property *properties;
    uint32_t *rows;
    int64_t *timestamps;
    size_t count, capacity;
};

struct event_store_builder {
    uint32_t type_count;
    struct pending_type *types;
    char *bytes; /* every appended string */
    size_t bytes_size, bytes_capacity;
};

static bool is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT;
}

struct event_store_builder *event_store_builder_create(const struct event_catalog *catalog)
{
    struct event_store_builder *builder = mem_calloc(1, sizeof *builder);
    if (builder == NULL) return NULL;
    builder->type_count = catalog->type_count;
    builder->types = mem_calloc(catalog->type_count ? catalog->type_count : 1, sizeof *builder->types);
    if (builder->types == NULL) goto fail;
    for (uint32_t t = 0; t < catalog->type_count; t++) {
        const struct event_type *type = &catalog->types[t];
        struct pending_type *pending = &builder->types[t];
        pending->property_count = type->property_count;
        pending->properties = mem_calloc(type->property_count ? type->property_count : 1,
                                         sizeof *pending->properties);
        if (pending->properties == NULL) goto fail;
        for (uint32_t p = 0; p < type->property_count; p++)
            pending->properties[p].type = type->properties[p].type;
    }
    return builder;
fail:
    event_store_builder_destroy(builder);
    return NULL;
}

static void pending_type_release(struct pending_type *pending)
{
    if (pending->properties != NULL) {
        for (uint32_t p = 0; p < pending->property_count; p++) {
            struct pending_property *property = &pending->properties[p];
            mem_free(property->integers);
            mem_free(property->numbers);
            mem_free(property->string_sizes);
            mem_free(property->is_null);
        }
    }
    mem_free(pending->properties);
    mem_free(pending->rows);
    mem_free(pending->timestamps);
}

void event_store_builder_destroy(struct event_store_builder *builder)
{
    if (builder == NULL) return;
    if (builder->types != NULL) {
        for (uint32_t t = 0; t < builder->type_count; t++) pending_type_release(&builder->types[t]);
    }
    mem_free(builder->types);
    mem_free(builder->bytes);
    mem_free(builder);
}

static bool grow_property(struct pending_property *property, size_t needed)
{
    if (needed <= property->capacity) return true;
    size_t capacity = property->capacity;
    size_t c1 = capacity, c2 = capacity, c3 = capacity;
    void *p;
    if (property->type == PDB_TYPE_FLOAT) {
        p = property->numbers;
        if (mem_grow(&p, &c1, needed, sizeof(double)) != 0) return false;
        property->numbers = p;
    } else {
        p = property->integers;
        if (mem_grow(&p, &c1, needed, sizeof(int64_t)) != 0) return false;
        property->integers = p;
    }
    if (is_string_type(property->type)) {
        p = property->string_sizes;
        c2 = capacity;
        if (mem_grow(&p, &c2, c1, sizeof(uint32_t)) != 0) return false;
        property->string_sizes = p;
    }
    p = property->is_null;
    c3 = capacity;
    if (mem_grow(&p, &c3, c1, 1) != 0) return false;
    property->is_null = p;
    property->capacity = c1;
    return true;
}

enum pdb_status event_store_builder_append(struct event_store_builder *builder,
                                           uint32_t type_index, uint32_t row, int64_t timestamp,
                                           const struct event_value *values,
                                           struct pdb_error *error)
{
    if (type_index >= builder->type_count)
        return error_set(error, PDB_ERR_USAGE, "event type %u does not exist", type_index);
    if (row > PDB_ROWS_MAX) return error_set(error, PDB_ERR_USAGE, "event row %u out of range", row);
    struct pending_type *pending = &builder->types[type_index];
    size_t strings = 0;
    for (uint32_t p = 0; p < pending->property_count; p++) {
        const struct event_value *value = &values[p];
        enum pdb_type type = pending->properties[p].type;
        if (value->is_null) continue;
        if (type == PDB_TYPE_FLOAT && !isfinite(value->number))
            return error_set(error, PDB_ERR_USAGE, "event property %u: float is not finite", p);
        if (is_string_type(type)) strings += value->string_size;
    }
    size_t needed = pending->count + 1;
    if (needed > pending->capacity) {
        size_t c1 = pending->capacity, c2 = pending->capacity;
        void *p1 = pending->rows, *p2 = pending->timestamps;
        if (mem_grow(&p1, &c1, needed, sizeof(uint32_t)) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory adding events");
        pending->rows = p1;
        if (mem_grow(&p2, &c2, c1, sizeof(int64_t)) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory adding events");
        pending->timestamps = p2;
        pending->capacity = c1;
    }
    for (uint32_t p = 0; p < pending->property_count; p++) {
        if (!grow_property(&pending->properties[p], needed))
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory adding events");
    }
    if (strings > 0) {
        void *bytes = builder->bytes;
        if (mem_grow(&bytes, &builder->bytes_capacity, builder->bytes_size + strings, 1) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory adding events");
        builder->bytes = bytes;
    }
    size_t i = pending->count;
    pending->rows[i] = row;
    pending->timestamps[i] = timestamp;
    for (uint32_t p = 0; p < pending->property_count; p++) {
        struct pending_property *property = &pending->properties[p];
        const struct event_value *value = &values[p];
        property->is_null[i] = value->is_null;
        if (property->type == PDB_TYPE_FLOAT) {
            property->numbers[i] = value->is_null ? 0.0 : value->number + 0.0;
        } else if (is_string_type(property->type)) {
            property->integers[i] = (int64_t)builder->bytes_size;
            property->string_sizes[i] = value->is_null ? 0 : value->string_size;
            if (!value->is_null && value->string_size > 0) {
                memcpy(builder->bytes + builder->bytes_size, value->string, value->string_size);
                builder->bytes_size += value->string_size;
            }
        } else if (property->type == PDB_TYPE_BOOL) {
            property->integers[i] = !value->is_null && value->integer != 0;
        } else {
            property->integers[i] = value->is_null ? 0 : value->integer;
        }
    }
    pending->count++;
    return PDB_OK;
}

/* ---- Finish --------------------------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
    const struct event_string *x = a, *y = b;
    uint32_t common = x->size < y->size ? x->size : y->size;
    int order = common ? memcmp(x->data, y->data, common) : 0;
    if (order != 0) return order;
    return (x->size > y->size) - (x->size < y->size);
}

uint32_t event_dictionary_lookup(const struct event_dictionary *dictionary, const char *value,
                                 uint32_t size, bool *found)
{
    struct event_string key = {value, size};
    uint32_t low = 0, high = dictionary->count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        int order = compare_strings(&dictionary->values[middle], &key);
        if (order < 0) {
            low = middle + 1;
        } else if (order > 0) {
            high = middle;
        } else {
            *found = true;
            return middle;
        }
    }
    *found = false;
    return low;
}

/* Builds the dictionary of a string property and rewrites its offsets into codes. */
static bool build_dictionary(const struct event_store_builder *builder,
                             struct pending_property *property, size_t count,
                             struct event_dictionary *dictionary)
{
    struct event_string *all = mem_alloc((count ? count : 1) * sizeof *all);
    if (all == NULL) return false;
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (property->is_null[i]) continue;
        all[n++] = (struct event_string){builder->bytes + property->integers[i],
                                         property->string_sizes[i]};
    }
    qsort(all, n, sizeof *all, compare_strings);
    size_t unique = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (unique == 0 || compare_strings(&all[unique - 1], &all[i]) != 0) {
            all[unique++] = all[i];
            bytes += all[i].size;
        }
    }
    dictionary->values = mem_alloc((unique ? unique : 1) * sizeof *dictionary->values);
    dictionary->bytes = mem_alloc(bytes ? bytes : 1);
    if (dictionary->values == NULL || dictionary->bytes == NULL) {
        mem_free(all);
        return false;
    }
    size_t at = 0;
    for (size_t i = 0; i < unique; i++) {
        if (all[i].size) memcpy(dictionary->bytes + at, all[i].data, all[i].size);
        dictionary->values[i] = (struct event_string){dictionary->bytes + at, all[i].size};
        at += all[i].size;
    }
    dictionary->count = (uint32_t)unique;
    mem_free(all);
    for (size_t i = 0; i < count; i++) {
        if (property->is_null[i]) {
            property->integers[i] = 0;
            continue;
        }
        bool found = false;
        property->integers[i] = event_dictionary_lookup(
            dictionary, builder->bytes + property->integers[i], property->string_sizes[i], &found);
    }
    return true;
}

struct sort_key {
    uint32_t row;
    uint32_t index; /* append order */
    int64_t timestamp;
};

static int compare_keys(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    if (x->timestamp != y->timestamp) return x->timestamp < y->timestamp ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

void event_chunk_deinit(struct event_chunk *chunk, uint32_t property_count)
{
    if (chunk->columns != NULL) {
        for (uint32_t p = 0; p < property_count; p++) {
            mem_free(chunk->columns[p].integers);
            mem_free(chunk->columns[p].numbers);
            mem_free(chunk->columns[p].nulls);
        }
    }
    mem_free(chunk->columns);
    mem_free(chunk->offsets);
    mem_free(chunk->timestamps);
    memset(chunk, 0, sizeof *chunk);
}

/* Lays out events keys[0..count) (sorted, all in chunk `chunk_index`) into *chunk. */
static bool build_chunk(const struct pending_type *pending, const struct sort_key *keys,
                        size_t count, uint32_t chunk_index, struct event_chunk *chunk)
{
    uint32_t properties = pending->property_count;
    chunk->event_count = (uint32_t)count;
    chunk->offsets = mem_calloc(PDB_CHUNK_ROWS + 1, sizeof(uint32_t));
    chunk->timestamps = mem_alloc(count * sizeof(int64_t));
    chunk->columns = mem_calloc(properties ? properties : 1, sizeof *chunk->columns);
    if (chunk->offsets == NULL || chunk->timestamps == NULL || chunk->columns == NULL) return false;
    size_t words = (count + 63) / 64;
    for (uint32_t p = 0; p < properties; p++) {
        const struct pending_property *property = &pending->properties[p];
        struct event_column *column = &chunk->columns[p];
        if (property->type == PDB_TYPE_FLOAT)
            column->numbers = mem_alloc(count * sizeof(double));
        else
            column->integers = mem_alloc(count * sizeof(int64_t));
        if (column->numbers == NULL && column->integers == NULL) return false;
        bool any_null = false;
        for (size_t i = 0; i < count && !any_null; i++) any_null = property->is_null[keys[i].index];
        if (any_null) {
            column->nulls = mem_calloc(words, sizeof(uint64_t));
            if (column->nulls == NULL) return false;
        }
    }
    uint32_t base = chunk_index * PDB_CHUNK_ROWS;
    chunk->time_min = INT64_MAX;
    chunk->time_max = INT64_MIN;
    for (size_t i = 0; i < count; i++) {
        const struct sort_key *key = &keys[i];
        chunk->offsets[key->row - base + 1]++;
        chunk->timestamps[i] = key->timestamp;
        if (key->timestamp < chunk->time_min) chunk->time_min = key->timestamp;
        if (key->timestamp > chunk->time_max) chunk->time_max = key->timestamp;
        for (uint32_t p = 0; p < properties; p++) {
            const struct pending_property *property = &pending->properties[p];
            struct event_column *column = &chunk->columns[p];
            if (property->type == PDB_TYPE_FLOAT)
                column->numbers[i] = property->numbers[key->index];
            else
                column->integers[i] = property->integers[key->index];
            if (property->is_null[key->index]) column->nulls[i / 64] |= 1ull << (i % 64);
        }
    }
    uint32_t per_row_max = 0, rows_with_events = 0;
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
        if (chunk->offsets[r + 1] > per_row_max) per_row_max = chunk->offsets[r + 1];
        rows_with_events += chunk->offsets[r + 1] != 0;
        chunk->offsets[r + 1] += chunk->offsets[r];
    }
    chunk->events_per_row_max = per_row_max;
    chunk->rows_with_events = rows_with_events;
    return true;
}

static bool build_type(const struct event_store_builder *builder, struct pending_type *pending,
                       struct event_type_store *type)
{
    type->property_count = pending->property_count;
    type->property_types = mem_alloc((pending->property_count ? pending->property_count : 1) *
                                     sizeof *type->property_types);
    type->dictionaries = mem_calloc(pending->property_count ? pending->property_count : 1,
                                    sizeof *type->dictionaries);
    if (type->property_types == NULL || type->dictionaries == NULL) return false;
    for (uint32_t p = 0; p < pending->property_count; p++) {
        type->property_types[p] = pending->properties[p].type;
        if (is_string_type(pending->properties[p].type) &&
            !build_dictionary(builder, &pending->properties[p], pending->count,
                              &type->dictionaries[p]))
            return false;
    }
    type->event_count = pending->count;
    if (pending->count == 0) return true;
    struct sort_key *keys = mem_alloc(pending->count * sizeof *keys);
    if (keys == NULL) return false;
    uint32_t row_max = 0;
    for (size_t i = 0; i < pending->count; i++) {
        keys[i] = (struct sort_key){pending->rows[i], (uint32_t)i, pending->timestamps[i]};
        if (pending->rows[i] > row_max) row_max = pending->rows[i];
    }
    qsort(keys, pending->count, sizeof *keys, compare_keys);
    type->chunk_count = row_max / PDB_CHUNK_ROWS + 1;
    type->chunks = mem_calloc(type->chunk_count, sizeof *type->chunks);
    if (type->chunks == NULL) {
        mem_free(keys);
        return false;
    }
    size_t start = 0;
    while (start < pending->count) {
        uint32_t chunk_index = keys[start].row / PDB_CHUNK_ROWS;
        size_t end = start;
        while (end < pending->count && keys[end].row / PDB_CHUNK_ROWS == chunk_index) end++;
        struct event_chunk *chunk = &type->chunks[chunk_index];
        if (!build_chunk(pending, keys + start, end - start, chunk_index, chunk)) {
            mem_free(keys);
            return false;
        }
        type->rows_with_events += chunk->rows_with_events;
        if (chunk->event_count > type->events_per_chunk_max)
            type->events_per_chunk_max = chunk->event_count;
        if (chunk->events_per_row_max > type->events_per_row_max)
            type->events_per_row_max = chunk->events_per_row_max;
        start = end;
    }
    mem_free(keys);
    return true;
}

enum pdb_status event_store_builder_finish(struct event_store_builder *builder,
                                           struct event_store **store_out,
                                           struct pdb_error *error)
{
    struct event_store *store = mem_calloc(1, sizeof *store);
    if (store == NULL) goto fail;
    store->type_count = builder->type_count;
    store->types = mem_calloc(builder->type_count ? builder->type_count : 1, sizeof *store->types);
    if (store->types == NULL) goto fail;
    for (uint32_t t = 0; t < builder->type_count; t++) {
        bool built = build_type(builder, &builder->types[t], &store->types[t]);
        /* The pending arrays of a built type are no longer needed: free them early. */
        pending_type_release(&builder->types[t]);
        memset(&builder->types[t], 0, sizeof builder->types[t]);
        if (!built) goto fail;
    }
    event_store_builder_destroy(builder);
    *store_out = store;
    return PDB_OK;
fail:
    event_store_builder_destroy(builder);
    event_store_destroy(store);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory building the event store");
}

void event_type_store_deinit(struct event_type_store *type)
{
    if (type->chunks != NULL) {
        for (uint32_t c = 0; c < type->chunk_count; c++)
            event_chunk_deinit(&type->chunks[c], type->property_count);
    }
    mem_free(type->chunks);
    if (type->dictionaries != NULL) {
        for (uint32_t p = 0; p < type->property_count; p++) {
            mem_free(type->dictionaries[p].values);
            mem_free(type->dictionaries[p].bytes);
        }
    }
    mem_free(type->dictionaries);
    mem_free(type->property_types);
    memset(type, 0, sizeof *type);
}

void event_store_destroy(struct event_store *store)
{
    if (store == NULL) return;
    if (store->types != NULL) {
        for (uint32_t t = 0; t < store->type_count; t++) event_type_store_deinit(&store->types[t]);
    }
    mem_free(store->types);
    mem_free(store);
}

/* ---- Validate ------------------------------------------------------------------------- */

int event_store_validate(const struct event_store *store)
{
    for (uint32_t t = 0; t < store->type_count; t++) {
        const struct event_type_store *type = &store->types[t];
        uint64_t total = 0;
        for (uint32_t p = 0; p < type->property_count; p++) {
            const struct event_dictionary *dictionary = &type->dictionaries[p];
            for (uint32_t i = 1; i < dictionary->count; i++)
                if (compare_strings(&dictionary->values[i - 1], &dictionary->values[i]) >= 0)
                    return -1;
        }
        for (uint32_t c = 0; c < type->chunk_count; c++) {
            const struct event_chunk *chunk = &type->chunks[c];
            if (chunk->event_count == 0) continue;
            total += chunk->event_count;
            if (chunk->offsets[0] != 0 || chunk->offsets[PDB_CHUNK_ROWS] != chunk->event_count)
                return -1;
            for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
                if (chunk->offsets[r] > chunk->offsets[r + 1]) return -1;
                for (uint32_t i = chunk->offsets[r]; i < chunk->offsets[r + 1]; i++) {
                    int64_t ts = chunk->timestamps[i];
                    if (i > chunk->offsets[r] && chunk->timestamps[i - 1] > ts) return -1;
                    if (ts < chunk->time_min || ts > chunk->time_max) return -1;
                }
            }
            for (uint32_t p = 0; p < type->property_count; p++) {
                if (!is_string_type(type->property_types[p])) continue;
                for (uint32_t i = 0; i < chunk->event_count; i++) {
                    const struct event_column *column = &chunk->columns[p];
                    bool is_null = column->nulls && (column->nulls[i / 64] >> (i % 64) & 1u);
                    if (!is_null && (uint64_t)column->integers[i] >= type->dictionaries[p].count)
                        return -1;
                }
            }
        }
        if (total != type->event_count) return -1;
    }
    return 0;
}

/* ---- Re-adding a built type (an ingest that merges new events into a stored type) ---- */

enum pdb_status event_store_builder_append_type(struct event_store_builder *builder,
                                                uint32_t type_index,
                                                const struct event_type_store *type,
                                                struct pdb_error *error)
{
    if (type_index >= builder->type_count)
        return error_set(error, PDB_ERR_USAGE, "event type %u does not exist", type_index);
    if (type->property_count != builder->types[type_index].property_count)
        return error_set(error, PDB_ERR_USAGE, "event type %u: property count differs", type_index);
    struct event_value values[PDB_EVENT_PROPERTIES_MAX];
    for (uint32_t k = 0; k < type->chunk_count; k++) {
        const struct event_chunk *chunk = &type->chunks[k];
        if (chunk->event_count == 0) continue;
        for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
            for (uint32_t i = chunk->offsets[r]; i < chunk->offsets[r + 1]; i++) {
                for (uint32_t p = 0; p < type->property_count; p++) {
                    const struct event_column *column = &chunk->columns[p];
                    struct event_value *value = &values[p];
                    memset(value, 0, sizeof *value);
                    value->is_null = column->nulls != NULL && (column->nulls[i / 64] >> (i % 64)) & 1u;
                    if (value->is_null) continue;
                    enum pdb_type property_type = type->property_types[p];
                    if (property_type == PDB_TYPE_FLOAT) {
                        value->number = column->numbers[i];
                    } else if (is_string_type(property_type)) {
                        const struct event_string *string =
                            &type->dictionaries[p].values[column->integers[i]];
                        value->string = string->data;
                        value->string_size = string->size;
                    } else {
                        value->integer = column->integers[i];
                    }
                }
                uint32_t row = k * PDB_CHUNK_ROWS + r;
                enum pdb_status status = event_store_builder_append(
                    builder, type_index, row, chunk->timestamps[i], values, error);
                if (status != PDB_OK) return status;
            }
        }
    }
    return PDB_OK;
}
