/*
 * Upserts of one load (see upsert.h): the key map of the keys a load appends, the log of
 * updates, and the merge of a chunk's updates into fresh columns.
 *
 * The key map is the set of ingest/upsert_keys.h (key -> index of the appended row); keys are
 * never removed during a load.
 */
#include "ingest/upsert.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "ingest/loader_internal.h"

enum pdb_status upsert_log_init(struct upsert_log *log, const struct schema *schema,
                                uint64_t first_row_id, upsert_key_find_fn find,
                                void *find_context, struct pdb_error *error)
{
    int32_t primary = schema_primary(schema);
    if (primary < 0) return error_set(error, PDB_ERR_USAGE, "the schema has no primary identifier");
    memset(log, 0, sizeof *log);
    log->primary = (uint32_t)primary;
    log->key_type = schema->attributes[primary].type;
    log->find = find;
    log->find_context = find_context;
    log->first_row_id = first_row_id;
    buffer_init(&log->staged);
    if (upsert_keys_init(&log->keys, NULL) != 0) {
        upsert_log_deinit(log);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory starting an upsert");
    }
    return PDB_OK;
}

void upsert_log_deinit(struct upsert_log *log)
{
    buffer_deinit(&log->staged);
    upsert_keys_deinit(&log->keys);
    mem_free(log->updates);
    memset(log, 0, sizeof *log);
}

/* ---- Key map ------------------------------------------------------------------------------ */

/* Remembers key[0..size) as the load's next appended row. */
static enum pdb_status map_add(struct upsert_log *log, const void *key, size_t size, uint64_t hash,
                               struct pdb_error *error)
{
    if (log->keys.key_count >= UPSERT_KEYS_COUNT_MAX)
        return error_set(error, PDB_ERR_LIMIT, "more than %u profiles in one load", UPSERT_KEYS_COUNT_MAX);
    if (upsert_keys_add(&log->keys, key, size, hash) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory remembering the keys of an upsert");
    return PDB_OK;
}

/* The row the load appended with this key, or UPSERT_NO_ROW. */
static uint32_t map_find(const struct upsert_log *log, const void *key, size_t size, uint64_t hash)
{
    uint32_t index = upsert_keys_find(&log->keys, key, size, hash);
    return index == UPSERT_KEYS_NONE ? UPSERT_NO_ROW : (uint32_t)(log->first_row_id + index);
}

/* ---- Routing ------------------------------------------------------------------------------ */

/* The primary key of the staged row at `row` (*key_out, *size_out) and the row's size. */
static size_t staged_row_key(const struct upsert_log *log, const uint8_t *row, const void **key_out,
                             size_t *size_out)
{
    const uint8_t *at = row;
    *key_out = NULL;
    *size_out = 0;
    for (;;) {
        uint16_t a;
        memcpy(&a, at, sizeof a);
        at += sizeof a;
        if (a == LOADER_STAGED_END) break;
        if (a == log->primary) {
            if (at[0] == STAGED_STRING) {
                uint32_t size;
                memcpy(&size, at + 1, sizeof size);
                *key_out = at + 1 + sizeof size;
                *size_out = size;
            } else if (at[0] == STAGED_INT) {
                *key_out = at + 1; /* native int64_t: identifier_key_int's form */
                *size_out = sizeof(int64_t);
            }
        }
        at = loader_staged_skip(at);
    }
    return (size_t)(at - row);
}

enum pdb_status upsert_route(struct upsert_log *log, const uint8_t **cursor, bool may_append,
                             enum upsert_route *route_out, struct pdb_error *error)
{
    const void *key;
    size_t key_size;
    size_t row_size = staged_row_key(log, *cursor, &key, &key_size);
    if (key == NULL) /* the stage step rejects such rows */
        return error_set(error, PDB_ERR_USAGE, "internal error: a staged row without its primary key");
    uint64_t hash = upsert_keys_hash(&log->keys, key, key_size);
    uint32_t row_id = map_find(log, key, key_size, hash);
    if (row_id == UPSERT_NO_ROW && log->find != NULL) row_id = log->find(log->find_context, key, key_size);
    if (row_id == UPSERT_NO_ROW) {
        *route_out = may_append ? UPSERT_ROUTE_APPEND : UPSERT_ROUTE_REFUSED;
        return may_append ? map_add(log, key, key_size, hash, error) : PDB_OK;
    }
    if (row_size > UINT32_MAX) return error_set(error, PDB_ERR_LIMIT, "a staged record over 4 GiB");
    if (log->update_count == log->update_capacity) {
        void *grown = log->updates;
        size_t capacity = log->update_capacity;
        if (mem_grow(&grown, &capacity, log->update_count + 1u, sizeof *log->updates) != 0) goto no_memory;
        log->updates = grown;
        log->update_capacity = capacity;
    }
    uint64_t offset = log->staged.size;
    if (buffer_append(&log->staged, *cursor, row_size) != 0) goto no_memory;
    log->updates[log->update_count] = (struct upsert_update){
        .row_id = row_id, .size = (uint32_t)row_size, .offset = offset,
        .sequence = log->update_count};
    log->update_count++;
    log->is_sorted = false;
    *cursor += row_size;
    *route_out = UPSERT_ROUTE_UPDATE;
    return PDB_OK;
no_memory:
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory keeping the updates of an upsert");
}

static int compare_updates(const void *left, const void *right)
{
    const struct upsert_update *a = left, *b = right;
    if (a->row_id != b->row_id) return a->row_id < b->row_id ? -1 : 1;
    return a->sequence < b->sequence ? -1 : a->sequence > b->sequence;
}

void upsert_log_sort(struct upsert_log *log)
{
    if (!log->is_sorted && log->update_count > 1)
        qsort(log->updates, log->update_count, sizeof *log->updates, compare_updates);
    log->is_sorted = true;
}

bool upsert_next_chunk(const struct upsert_log *log, uint64_t from, uint32_t *chunk_index_out,
                       uint64_t *first_out, uint64_t *end_out)
{
    if (from >= log->update_count) return false;
    uint32_t chunk_index = log->updates[from].row_id / PDB_CHUNK_ROWS;
    uint64_t end = from;
    while (end < log->update_count && log->updates[end].row_id / PDB_CHUNK_ROWS == chunk_index) end++;
    *chunk_index_out = chunk_index;
    *first_out = from;
    *end_out = end;
    return true;
}

/* ---- Merging ------------------------------------------------------------------------------ */

enum pdb_status upsert_copy_value(struct column *column, const struct column_chunk *old,
                                  uint32_t row, const char **tags, uint32_t *tag_sizes,
                                  struct pdb_error *error)
{
    (void)tags, (void)tag_sizes; /* codes are copied as they are */
    if (column_chunk_is_null(old, row)) return column_append_null(column, error);
    uint32_t size;
    switch (column->attribute.type) {
    case PDB_TYPE_BOOL: return column_append_bool(column, (old->bools[row >> 6] >> (row & 63u)) & 1u, error);
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP: return column_append_int(column, column_chunk_int(old, row), error);
    case PDB_TYPE_FLOAT: return column_append_float(column, old->floats[row], error);
    case PDB_TYPE_TEXT: {
        const char *text = column_chunk_text(old, row, &size);
        return column_append_string(column, text, size, error);
    }
    case PDB_TYPE_CATEGORY: /* the codes are the column's own: no lookup */
        return column_append_code(column, column_chunk_code(old, row), error);
    case PDB_TYPE_TAGS:
        return column_append_tag_codes(column, old->tag_codes + old->offsets[row],
                                       old->offsets[row + 1] - old->offsets[row], error);
    default: break;
    }
    return error_set(error, PDB_ERR_USAGE, "unknown attribute type %d", (int)column->attribute.type);
}

static void swap_dictionaries(struct column *a, struct column *b)
{
    struct dictionary held = a->dictionary;
    a->dictionary = b->dictionary;
    b->dictionary = held;
}

enum pdb_status upsert_merge_chunk(const struct upsert_log *log, const struct schema *schema,
                                   uint64_t first, uint64_t end, uint32_t chunk_index,
                                   uint32_t row_count, const struct column_chunk *const *old,
                                   struct column *const *globals, struct column **fresh,
                                   struct pdb_error *error)
{
    uint32_t attributes = schema->attribute_count;
    enum pdb_status status = PDB_OK;
    const uint8_t **latest = mem_calloc(attributes, sizeof *latest);
    uint32_t *latest_stamps = mem_calloc(attributes, sizeof *latest_stamps);
    const char **tags = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *tags);
    uint32_t *tag_sizes = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *tag_sizes);
    for (uint32_t a = 0; a < attributes; a++) fresh[a] = NULL;
    bool is_swapped = false;
    if (latest == NULL || latest_stamps == NULL || tags == NULL || tag_sizes == NULL) goto no_memory;
    for (uint32_t a = 0; a < attributes; a++) {
        fresh[a] = column_create(&schema->attributes[a]);
        if (fresh[a] == NULL) goto no_memory;
    }
    /* The fresh columns intern into the load's dictionaries while they build. */
    for (uint32_t a = 0; a < attributes; a++) swap_dictionaries(fresh[a], globals[a]);
    is_swapped = true;
    uint64_t base = (uint64_t)chunk_index * PDB_CHUNK_ROWS;
    uint64_t u = first;
    for (uint32_t row = 0; row < row_count && status == PDB_OK; row++) {
        /* Every update of this row, in file order: the last value of each attribute wins. */
        while (u < end && log->updates[u].row_id == base + row) {
            const uint8_t *at = log->staged.data + log->updates[u].offset;
            for (;;) {
                uint16_t a;
                memcpy(&a, at, sizeof a);
                at += sizeof a;
                if (a == LOADER_STAGED_END) break;
                latest[a] = at;
                latest_stamps[a] = row + 1u;
                at = loader_staged_skip(at);
            }
            u++;
        }
        for (uint32_t a = 0; a < attributes && status == PDB_OK; a++) {
            if (latest_stamps[a] == row + 1u) {
                const uint8_t *at = latest[a];
                status = loader_append_staged_value(fresh[a], &at, tags, tag_sizes, error);
            } else {
                status = upsert_copy_value(fresh[a], old[a], row, tags, tag_sizes, error);
            }
        }
    }
    if (status == PDB_OK && u != end)
        status = error_set(error, PDB_ERR_USAGE, "internal error: an update beyond chunk %u's rows",
                           chunk_index);
    goto done;
no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory rewriting chunk %u", chunk_index);
done:
    if (is_swapped)
        for (uint32_t a = 0; a < attributes; a++) swap_dictionaries(fresh[a], globals[a]);
    if (status != PDB_OK) {
        for (uint32_t a = 0; a < attributes; a++) {
            column_destroy(fresh[a]);
            fresh[a] = NULL;
        }
    }
    mem_free(latest);
    mem_free(latest_stamps);
    mem_free(tags);
    mem_free(tag_sizes);
    return status;
}
