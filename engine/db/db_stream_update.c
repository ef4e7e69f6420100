/*
 * Applying a streamed batch's updates to the handle's in-memory table in place (db_stream.c
 * calls it after the batch is durable; the handle is used by one thread at a time).
 *
 * The batch's updates (ingest/upsert.h: staged records of rows that exist) are sorted by row
 * and taken chunk by chunk. For each updated row the last value each attribute is given wins
 * (file order), and is written into the table's chunk where it is (column/column_update.c):
 * bools, floats, ints, timestamps and category codes in place (a value that does not fit the
 * chunk's lanes re-lanes that chunk of that column once, sealed again after the chunk's rows);
 * text and tags rows of a chunk are collected and the chunk is rewritten once per column.
 * The primary identifier is never written (an update is found by it, so it is equal).
 *
 * Derived state is kept true, not dropped: the value index of a category or tags column
 * (index/value_index.h, if one is built) moves each changed row between its bitmaps; a text
 * chunk's case-folded form is dropped by the rewrite (rebuilt on the next case-insensitive
 * test); zone maps widen (column.h: a bound). The identifier index of the primary never
 * changes; that of another identifier attribute forgets a changed row under its old key before
 * the change and indexes its new key after the batch (index/identifier_index.h), unless the old
 * key may still belong to an unindexed duplicate row: then the index is dropped (rebuilt on its
 * next find).
 * Every touched chunk is marked dirty for the checkpoint, which writes it as a new file.
 *
 * Cost: per updated value a store (plus two roaring operations for an indexed column), per
 * touched chunk of a text or tags column one copy of that chunk; nothing per untouched chunk.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "index/identifier_index.h"
#include "index/index_table.h"
#include "index/value_index.h"
#include "ingest/loader_internal.h"
#include "ingest/upsert.h"

/* Per attribute while a batch applies. */
struct attribute_state {
    const uint8_t *latest; /* the row's last staged value of the attribute */
    uint32_t stamp;        /* row + 1 when `latest` belongs to the current row */
    struct value_index *index; /* maintained value index, or NULL */
    /* text and tags: the current chunk's new values, and their bytes/codes */
    struct column_replacement *replacements;
    size_t replacement_count, replacement_capacity;
    struct buffer payload;
    /* a non-primary identifier attribute's built index, kept true (see the top) */
    struct identifier_index *identifier;
    uint32_t *identifier_rows; /* rows whose key changed: indexed again after the batch */
    size_t identifier_row_count, identifier_row_capacity;
    bool is_identifier_lost; /* a key may have lost its row: drop the index */
};

struct update_context {
    struct pdb_db *db;
    struct attribute_state *states;
    uint32_t primary;
};

static uint32_t take_u32(const uint8_t **at)
{
    uint32_t value;
    memcpy(&value, *at, sizeof value);
    *at += sizeof value;
    return value;
}

static int compare_codes(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* ---- One value ----------------------------------------------------------------------------- */

/* Row `row_id` of an identifier attribute changes from key[0..size) (NULL: it was NULL): the
 * index forgets it now and indexes its new key after the batch. */
static int note_identifier_change(struct attribute_state *state, uint32_t row_id, const void *key,
                                  size_t size)
{
    if (state->identifier == NULL || state->is_identifier_lost) return 0;
    if (key != NULL && identifier_index_remove_row(state->identifier, row_id, key, size) &&
        identifier_index_has_duplicates(state->identifier))
        state->is_identifier_lost = true; /* another row may hold the key, unindexed */
    if (state->identifier_row_count == state->identifier_row_capacity) {
        void *grown = state->identifier_rows;
        if (mem_grow(&grown, &state->identifier_row_capacity, state->identifier_row_count + 1u,
                     sizeof *state->identifier_rows) != 0)
            return -1;
        state->identifier_rows = grown;
    }
    state->identifier_rows[state->identifier_row_count++] = row_id;
    return 0;
}

static enum pdb_status no_memory(struct pdb_error *error, const struct column *column)
{
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory updating '%s'", column->attribute.name);
}

/* Category: the staged string (or NULL) into row `row`. */
static enum pdb_status update_category(struct column *column, struct column_chunk *chunk,
                                       struct attribute_state *state, uint32_t row_id, uint32_t row,
                                       const uint8_t *at, struct pdb_error *error)
{
    bool was_null = column_chunk_is_null(chunk, row);
    uint32_t old_code = column_chunk_code(chunk, row);
    bool is_null = *at == STAGED_NULL;
    uint32_t code = 0;
    if (!is_null) {
        at++;
        uint32_t size = take_u32(&at);
        enum pdb_status status = dictionary_intern(&column->dictionary, (const char *)at, size, &code, error);
        if (status != PDB_OK) return status;
    }
    if (was_null == is_null && (is_null || code == old_code)) return PDB_OK; /* unchanged */
    uint32_t old_size = 0;
    const char *old_key = was_null ? NULL : dictionary_entry(&column->dictionary, old_code, &old_size);
    if (note_identifier_change(state, row_id, old_key, old_size) != 0) return no_memory(error, column);
    if (is_null) {
        column_chunk_set_null(chunk, PDB_TYPE_CATEGORY, row);
    } else if (column_chunk_set_code(chunk, row, code) != 0) {
        return no_memory(error, column);
    }
    if (state->index != NULL &&
        value_index_update_row(state->index, row_id, was_null, &old_code, 1, is_null, &code, 1) != 0)
        return no_memory(error, column);
    return PDB_OK;
}

/* Text: queues the staged value for the chunk's rewrite; notes a changed identifier. */
static enum pdb_status queue_text(struct column *column, struct column_chunk *chunk,
                                  struct attribute_state *state, uint32_t row_id, uint32_t row,
                                  const uint8_t *at, struct pdb_error *error)
{
    struct column_replacement replacement = {.row = row, .is_null = *at == STAGED_NULL};
    const char *text = NULL;
    if (!replacement.is_null) {
        at++;
        replacement.size = take_u32(&at);
        text = (const char *)at;
    }
    uint32_t old_size;
    const char *old = column_chunk_text(chunk, row, &old_size);
    bool was_null = column_chunk_is_null(chunk, row);
    if (was_null == replacement.is_null &&
        (was_null || (old_size == replacement.size && memcmp(old, text, old_size) == 0)))
        return PDB_OK; /* unchanged */
    if (note_identifier_change(state, row_id, was_null ? NULL : old, old_size) != 0)
        return no_memory(error, column);
    replacement.data = (const void *)(uintptr_t)state->payload.size; /* an offset until the rewrite */
    if (replacement.size > 0 && buffer_append(&state->payload, text, replacement.size) != 0)
        return no_memory(error, column);
    if (state->replacement_count == state->replacement_capacity) {
        void *grown = state->replacements;
        if (mem_grow(&grown, &state->replacement_capacity, state->replacement_count + 1u,
                     sizeof *state->replacements) != 0)
            return no_memory(error, column);
        state->replacements = grown;
    }
    state->replacements[state->replacement_count++] = replacement;
    return PDB_OK;
}

/* Tags: interns the staged set, queues it, and moves the row in the value index. */
static enum pdb_status queue_tags(struct column *column, struct column_chunk *chunk,
                                  struct attribute_state *state, uint32_t row_id, uint32_t row,
                                  const uint8_t *at, struct pdb_error *error)
{
    struct column_replacement replacement = {.row = row, .is_null = *at == STAGED_NULL};
    uint32_t codes[PDB_TAGS_PER_VALUE_MAX];
    uint32_t count = 0;
    if (!replacement.is_null) {
        at++;
        count = take_u32(&at);
        if (count > PDB_TAGS_PER_VALUE_MAX) {
            return error_set(error, PDB_ERR_LIMIT, "%u tags in one value of '%s' (limit %u)", count,
                             column->attribute.name, PDB_TAGS_PER_VALUE_MAX);
        }
        for (uint32_t t = 0; t < count; t++) {
            uint32_t size = take_u32(&at);
            enum pdb_status status = dictionary_intern(&column->dictionary, (const char *)at, size,
                                                       &codes[t], error);
            if (status != PDB_OK) return status;
            at += size;
        }
        qsort(codes, count, sizeof codes[0], compare_codes);
        uint32_t unique = 0;
        for (uint32_t t = 0; t < count; t++)
            if (unique == 0 || codes[unique - 1] != codes[t]) codes[unique++] = codes[t];
        count = unique;
    }
    replacement.size = count;
    bool was_null = column_chunk_is_null(chunk, row);
    const uint32_t *old = chunk->tag_codes + chunk->offsets[row];
    uint32_t old_count = chunk->offsets[row + 1] - chunk->offsets[row];
    if (was_null == replacement.is_null &&
        (was_null || (old_count == count && (count == 0 || memcmp(old, codes, count * sizeof *codes) == 0))))
        return PDB_OK; /* unchanged */
    if (state->index != NULL &&
        value_index_update_row(state->index, row_id, was_null, old, old_count, replacement.is_null,
                               codes, count) != 0)
        return no_memory(error, column);
    replacement.data = (const void *)(uintptr_t)state->payload.size;
    if (count > 0 && buffer_append(&state->payload, codes, count * sizeof *codes) != 0)
        return no_memory(error, column);
    if (state->replacement_count == state->replacement_capacity) {
        void *grown = state->replacements;
        if (mem_grow(&grown, &state->replacement_capacity, state->replacement_count + 1u,
                     sizeof *state->replacements) != 0)
            return no_memory(error, column);
        state->replacements = grown;
    }
    state->replacements[state->replacement_count++] = replacement;
    return PDB_OK;
}

/* Writes the staged value at `at` into row `row_id` of attribute `a`. */
static enum pdb_status update_value(struct update_context *context, uint32_t a, uint32_t row_id,
                                    const uint8_t *at, struct pdb_error *error)
{
    struct column *column = context->db->table.columns[a];
    struct column_chunk *chunk = &column->chunks[row_id / PDB_CHUNK_ROWS];
    struct attribute_state *state = &context->states[a];
    uint32_t row = row_id % PDB_CHUNK_ROWS;
    enum pdb_type type = column->attribute.type;
    bool is_null = *at == STAGED_NULL;
    const uint8_t *value = at + 1;
    switch (type) {
    case PDB_TYPE_TEXT: return queue_text(column, chunk, state, row_id, row, at, error);
    case PDB_TYPE_TAGS: return queue_tags(column, chunk, state, row_id, row, at, error);
    case PDB_TYPE_CATEGORY: return update_category(column, chunk, state, row_id, row, at, error);
    default: break;
    }
    unsigned char key[IDENTIFIER_KEY_INT_SIZE];
    bool was_null = column_chunk_is_null(chunk, row);
    const void *old_key = was_null || type != PDB_TYPE_INT
                              ? NULL : identifier_key_int(column_chunk_int(chunk, row), key);
    if (is_null) {
        if (!was_null) {
            if (note_identifier_change(state, row_id, old_key, sizeof key) != 0)
                return no_memory(error, column);
            column_chunk_set_null(chunk, type, row);
        }
        return PDB_OK;
    }
    switch (type) {
    case PDB_TYPE_BOOL: column_chunk_set_bool(chunk, row, *value != 0); return PDB_OK;
    case PDB_TYPE_FLOAT: {
        double number;
        memcpy(&number, value, sizeof number);
        column_chunk_set_float(chunk, row, number);
        return PDB_OK;
    }
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP: {
        int64_t number;
        memcpy(&number, value, sizeof number);
        bool is_same = !was_null && column_chunk_int(chunk, row) == number;
        if (is_same) return PDB_OK;
        if (note_identifier_change(state, row_id, old_key, sizeof key) != 0) return no_memory(error, column);
        if (column_chunk_set_int(chunk, type, row, number) != 0) return no_memory(error, column);
        return PDB_OK;
    }
    default: break;
    }
    return error_set(error, PDB_ERR_USAGE, "internal error: attribute '%s' of type %d",
                     column->attribute.name, (int)type);
}

/* ---- One chunk ----------------------------------------------------------------------------- */

/* After a chunk's rows: rewrites its text and tags columns once, reseals re-laned lanes. */
static enum pdb_status finish_chunk(struct update_context *context, uint32_t chunk_index,
                                    struct pdb_error *error)
{
    struct pdb_db *db = context->db;
    for (uint32_t a = 0; a < db->schema.attribute_count; a++) {
        struct column *column = db->table.columns[a];
        struct column_chunk *chunk = &column->chunks[chunk_index];
        struct attribute_state *state = &context->states[a];
        enum pdb_type type = column->attribute.type;
        if (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP || type == PDB_TYPE_CATEGORY) {
            if (column_chunk_reseal(chunk, type) != 0) return no_memory(error, column);
            continue;
        }
        if (state->replacement_count == 0) continue;
        for (size_t i = 0; i < state->replacement_count; i++) { /* offsets become pointers */
            struct column_replacement *replacement = &state->replacements[i];
            uintptr_t offset = (uintptr_t)replacement->data;
            replacement->data = replacement->size > 0 ? state->payload.data + offset : NULL;
        }
        enum pdb_status status = column_chunk_replace_values(chunk, type, state->replacements,
                                                             (uint32_t)state->replacement_count, error);
        state->replacement_count = 0;
        buffer_reset(&state->payload);
        if (status != PDB_OK) {
            error_prefix(error, "'%s', chunk %u: ", column->attribute.name, chunk_index);
            return status;
        }
    }
    return db_stream_mark_dirty(db->stream, chunk_index, error);
}

/* The updates [first, end) of one chunk (sorted by row, file order within a row). */
static enum pdb_status update_chunk(struct update_context *context, const struct upsert_log *log,
                                    uint64_t first, uint64_t end, struct pdb_error *error)
{
    uint32_t attributes = context->db->schema.attribute_count;
    enum pdb_status status = PDB_OK;
    for (uint64_t u = first; u < end && status == PDB_OK;) {
        uint32_t row_id = log->updates[u].row_id;
        uint32_t stamp = row_id % PDB_CHUNK_ROWS + 1u;
        for (; u < end && log->updates[u].row_id == row_id; u++) { /* the last value wins */
            const uint8_t *at = log->staged.data + log->updates[u].offset;
            for (;;) {
                uint16_t a;
                memcpy(&a, at, sizeof a);
                at += sizeof a;
                if (a == LOADER_STAGED_END) break;
                context->states[a].latest = at;
                context->states[a].stamp = stamp;
                at = loader_staged_skip(at);
            }
        }
        for (uint32_t a = 0; a < attributes && status == PDB_OK; a++) {
            struct attribute_state *state = &context->states[a];
            if (state->stamp != stamp || a == context->primary) continue;
            state->stamp = 0;
            status = update_value(context, a, row_id, state->latest, error);
        }
    }
    if (status != PDB_OK) return status;
    return finish_chunk(context, log->updates[first].row_id / PDB_CHUNK_ROWS, error);
}

/* ---- Entry point --------------------------------------------------------------------------- */

enum pdb_status db_stream_update_apply(struct pdb_db *db, struct upsert_log *log,
                                       struct pdb_error *error)
{
    uint32_t attributes = db->schema.attribute_count;
    if (log->update_count == 0) return PDB_OK;
    struct update_context context = {.db = db, .primary = log->primary};
    context.states = mem_calloc(attributes, sizeof *context.states);
    if (context.states == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory applying updates");
    for (uint32_t a = 0; a < attributes; a++) {
        buffer_init(&context.states[a].payload);
        enum pdb_type type = db->schema.attributes[a].type;
        if (type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TAGS)
            context.states[a].index = index_table_maintained(&db->table, a);
        if (db->identifiers != NULL && a != log->primary)
            context.states[a].identifier = db->identifiers[a].index;
    }
    upsert_log_sort(log);
    enum pdb_status status = PDB_OK;
    uint64_t from = 0, first, end;
    uint32_t chunk_index;
    while (status == PDB_OK && upsert_next_chunk(log, from, &chunk_index, &first, &end)) {
        from = end;
        status = update_chunk(&context, log, first, end, error);
    }
    for (uint32_t a = 0; a < attributes; a++) {
        struct attribute_state *state = &context.states[a];
        /* Changed keys are indexed again now that every column holds the batch. */
        bool is_kept = status == PDB_OK && !state->is_identifier_lost;
        for (size_t i = 0; is_kept && i < state->identifier_row_count; i++) {
            is_kept = identifier_index_insert_row(state->identifier, db->table.columns[a],
                                                  state->identifier_rows[i], NULL) == PDB_OK;
        }
        /* An index left half moved (a failure) or unsure is dropped: rebuilt on its next use. */
        if (status != PDB_OK && state->index != NULL) index_table_forget(&db->table, a);
        if (state->identifier != NULL && !is_kept) db_identifier_index_forget(db, a);
        mem_free(state->replacements);
        mem_free(state->identifier_rows);
        buffer_deinit(&state->payload);
    }
    mem_free(context.states);
    return status;
}
