/*
 * The append step of the loader (loader_internal.h): one set's staged rows -> the loader's
 * columns, and its rejects -> the reject file, both in file order. It is the only step that
 * touches the columns (and their growing dictionaries) and the reject file, and it runs on
 * one thread at a time. Each time the columns' chunk fills, the chunk is moved (not copied)
 * into fresh columns of a loader_chunk that the write step hands to the sink. With a primary
 * identifier, a row whose key exists goes to the upsert log instead (ingest/upsert.h).
 */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "catalog/rules.h"
#include "ingest/csv_reader.h"
#include "ingest/loader_internal.h"
#include "ingest/upsert.h"

void loader_chunk_destroy(const struct loader *loader, struct loader_chunk *chunk)
{
    if (chunk->columns != NULL) {
        for (uint32_t a = 0; a < loader->schema->attribute_count; a++) column_destroy(chunk->columns[a]);
    }
    mem_free(chunk->columns);
    chunk->columns = NULL;
}

static enum pdb_status write_reject(struct loader *loader, const struct loader_reject_list *list,
                                    uint32_t entry, struct pdb_error *error)
{
    const char *path = loader->options->rejects_path;
    if (path == NULL) { /* counted only (a replay, whose rejects were reported before) */
        loader->counts->rows_rejected++;
        return PDB_OK;
    }
    if (loader->rejects == NULL) {
        loader->rejects = fopen(path, "w");
        if (loader->rejects == NULL)
            return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create reject file", path);
        fputs("file,line,column,attribute,reason,record\n", loader->rejects);
    }
    const struct loader_reject *reject = &list->entries[entry];
    if (fwrite(list->text.data + reject->offset, 1, reject->size, loader->rejects) != reject->size)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: write failed", path);
    loader->counts->rows_rejected++;
    if (reject->rule_slot >= 0) loader->counts->rule_rejected[reject->rule_slot]++;
    return PDB_OK;
}

/* Moves the full chunk of the columns into a new loader_chunk of the set. */
static enum pdb_status detach_chunk(struct loader *loader, struct loader_set *set,
                                    struct pdb_error *error)
{
    uint32_t attributes = loader->schema->attribute_count;
    if (set->chunk_count == set->chunk_capacity) {
        void *grown = set->chunks;
        size_t capacity = set->chunk_capacity;
        if (mem_grow(&grown, &capacity, set->chunk_count + 1u, sizeof *set->chunks) != 0) goto no_memory;
        set->chunks = grown;
        set->chunk_capacity = (uint32_t)capacity;
    }
    struct loader_chunk chunk = {.ordinal = loader->next_ordinal};
    chunk.columns = mem_calloc(attributes, sizeof *chunk.columns);
    if (chunk.columns == NULL) goto no_memory;
    for (uint32_t a = 0; a < attributes; a++) {
        chunk.columns[a] = column_create(&loader->schema->attributes[a]);
        if (chunk.columns[a] == NULL) {
            loader_chunk_destroy(loader, &chunk);
            goto no_memory;
        }
    }
    for (uint32_t a = 0; a < attributes; a++) column_move_chunks(chunk.columns[a], loader->columns[a]);
    set->chunks[set->chunk_count++] = chunk;
    loader->next_ordinal++;
    return PDB_OK;
no_memory:
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory handing over a full chunk");
}

static uint32_t take_u32(const uint8_t **cursor)
{
    uint32_t value;
    memcpy(&value, *cursor, sizeof value);
    *cursor += sizeof value;
    return value;
}

enum pdb_status loader_append_staged_value(struct column *column, const uint8_t **cursor,
                                          const char **tag_scratch, uint32_t *tag_size_scratch,
                                          struct pdb_error *error)
{
    const uint8_t *at = *cursor;
    enum pdb_status status;
    enum staged_kind kind = (enum staged_kind)*at++;
    switch (kind) {
    case STAGED_NULL: status = column_append_null(column, error); break;
    case STAGED_BOOL: status = column_append_bool(column, *at++ != 0, error); break;
    case STAGED_INT: {
        int64_t value;
        memcpy(&value, at, sizeof value);
        at += sizeof value;
        status = column_append_int(column, value, error);
        break;
    }
    case STAGED_FLOAT: {
        double value;
        memcpy(&value, at, sizeof value);
        at += sizeof value;
        status = column_append_float(column, value, error);
        break;
    }
    case STAGED_STRING: {
        uint32_t size = take_u32(&at);
        status = column_append_string(column, (const char *)at, size, error);
        at += size;
        break;
    }
    case STAGED_TAGS: {
        uint32_t count = take_u32(&at);
        for (uint32_t t = 0; t < count; t++) {
            tag_size_scratch[t] = take_u32(&at);
            tag_scratch[t] = (const char *)at;
            at += tag_size_scratch[t];
        }
        status = column_append_tags(column, tag_scratch, tag_size_scratch, count, error);
        break;
    }
    default: status = error_set(error, PDB_ERR_USAGE, "bad staged value kind %d", (int)kind);
    }
    *cursor = at;
    return status;
}

const uint8_t *loader_staged_skip(const uint8_t *at)
{
    enum staged_kind kind = (enum staged_kind)*at++;
    switch (kind) {
    case STAGED_NULL: return at;
    case STAGED_BOOL: return at + 1;
    case STAGED_INT:
    case STAGED_FLOAT: return at + 8;
    case STAGED_STRING: {
        uint32_t size = take_u32(&at);
        return at + size;
    }
    case STAGED_TAGS: {
        uint32_t count = take_u32(&at);
        for (uint32_t t = 0; t < count; t++) {
            uint32_t size = take_u32(&at);
            at += size;
        }
        return at;
    }
    }
    return at;
}

/* Whether the staged row at `row` gives attribute `attribute` (a value or an explicit NULL). */
static bool staged_row_gives(const uint8_t *row, uint32_t attribute)
{
    for (const uint8_t *at = row;;) {
        uint16_t a;
        memcpy(&a, at, sizeof a);
        if (a == LOADER_STAGED_END) return false;
        if (a == attribute) return true;
        at = loader_staged_skip(at + sizeof a);
    }
}

/* The first required attribute the staged row at `row` does not give, or -1. */
static int32_t staged_missing_required(const struct loader *loader, const uint8_t *row)
{
    for (uint32_t a = 0; a < loader->schema->attribute_count; a++)
        if (loader->is_required[a] && !staged_row_gives(row, a)) return (int32_t)a;
    return -1;
}

/* The staged row after the one at `row`. */
static const uint8_t *staged_row_skip(const uint8_t *row)
{
    for (const uint8_t *at = row;;) {
        uint16_t a;
        memcpy(&a, at, sizeof a);
        at += sizeof a;
        if (a == LOADER_STAGED_END) return at;
        at = loader_staged_skip(at);
    }
}

/* Rejects well-formed record `record` of the batch, which would create a profile without the
 * required attribute `attribute`: at column 1 of a CSV record (the file has no such column),
 * at the end of an NDJSON object (where the stage step reports a missing member). */
static enum pdb_status reject_missing_required(struct loader *loader, const struct loader_batch *batch,
                                               uint32_t record, uint32_t attribute,
                                               struct pdb_error *error)
{
    const struct loader_record_span *span = &batch->record_spans[record];
    const char *raw = (const char *)batch->raw.data + span->offset;
    uint32_t column = loader->options->format == LOADER_FORMAT_NDJSON ? span->size : 1u;
    struct loader_reject_list list = {0};
    if (loader_reject_add(&list, record, csv_reader_source(loader->reader), batch->record_lines[record],
                          column, loader->schema->attributes[attribute].name,
                          RULES_REQUIRED_REASON, raw, span->size) != 0) {
        loader_reject_list_deinit(&list);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing a reject");
    }
    if (loader->counts->rule_slot_count != 0)
        list.entries[0].rule_slot = (int32_t)(attribute * RULE_KIND_COUNT + (uint32_t)RULE_REQUIRED);
    enum pdb_status status = write_reject(loader, &list, 0, error);
    loader_reject_list_deinit(&list);
    return status;
}

/* Appends the staged row at *cursor (advanced past it). */
static enum pdb_status append_row(struct loader *loader, const uint8_t **cursor,
                                  struct pdb_error *error)
{
    const uint8_t *at = *cursor;
    enum pdb_status status = PDB_OK;
    uint64_t stamp = loader->counts->rows_loaded + 1u;
    for (;;) {
        uint16_t a;
        memcpy(&a, at, sizeof a);
        at += sizeof a;
        if (a == LOADER_STAGED_END) break;
        loader->row_stamps[a] = stamp;
        status = loader_append_staged_value(loader->columns[a], &at, loader->tag_scratch,
                                            loader->tag_size_scratch, error);
        if (status != PDB_OK) return status;
    }
    for (uint32_t a = 0; a < loader->schema->attribute_count && status == PDB_OK; a++)
        if (loader->row_stamps[a] != stamp) status = column_append_null(loader->columns[a], error);
    *cursor = at;
    return status;
}

enum pdb_status loader_set_append(struct loader *loader, struct loader_set *set,
                                  struct pdb_error *error)
{
    enum pdb_status status = PDB_OK;
    struct column *first = loader->columns[0];
    for (uint32_t b = 0; b < set->batch_count && status == PDB_OK; b++) {
        struct loader_batch *batch = &set->batches[b];
        const struct loader_reject_list *structural = &batch->structural, *values = &batch->values;
        const uint8_t *cursor = batch->staged.data;
        uint32_t s = 0, v = 0;
        for (uint32_t w = 0; w <= batch->record_count && status == PDB_OK; w++) {
            while (s < structural->count && structural->entries[s].before_record <= w && status == PDB_OK)
                status = write_reject(loader, structural, s++, error);
            if (w == batch->record_count || status != PDB_OK) break;
            if (v < values->count && values->entries[v].before_record == w) {
                status = write_reject(loader, values, v++, error);
                continue;
            }
            if (loader->options->upsert != NULL) {
                int32_t missing = loader->required_count != 0 ? staged_missing_required(loader, cursor) : -1;
                enum upsert_route route;
                status = upsert_route(loader->options->upsert, &cursor, missing < 0, &route, error);
                if (status != PDB_OK) break;
                if (route == UPSERT_ROUTE_UPDATE) {
                    loader->counts->rows_updated++;
                    continue;
                }
                if (route == UPSERT_ROUTE_REFUSED) {
                    status = reject_missing_required(loader, batch, w, (uint32_t)missing, error);
                    cursor = staged_row_skip(cursor);
                    continue;
                }
            }
            status = append_row(loader, &cursor, error);
            if (status != PDB_OK) break;
            loader->counts->rows_loaded++;
            if (first->chunks[first->chunk_count - 1].row_count == PDB_CHUNK_ROWS)
                status = detach_chunk(loader, set, error);
        }
        for (uint32_t slot = 0; batch->rule_changed != NULL && slot < loader->counts->rule_slot_count; slot++)
            loader->counts->rule_changed[slot] += batch->rule_changed[slot];
        loader->counts->rows_read += batch->rows_read;
        loader->counts->bytes_read = batch->bytes_end;
    }
    return status;
}
