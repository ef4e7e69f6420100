/*
 * Upserts inside an ingest transaction (db_ingest.c): finding the committed row of a primary
 * key, and rewriting every chunk an update touches, copy-on-write.
 *
 * Keys committed before the load are found through the identifier index of the primary
 * attribute (index/identifier_index.h, built or extended before the load starts, so the
 * loader's append step only reads it). The index gives the lowest row with the key; when that
 * row is deleted a later live row with the key (a profile appended after the delete) is
 * searched in the column.
 *
 * After the load, each touched chunk is read (its committed file, the file this load wrote
 * for it, or the partial last chunk still in the load's columns), merged with its updates
 * (ingest/upsert.h) and written as chunk-<index>-g<new generation>.pdc; the manifest to
 * publish names the new file, so the superseded one becomes garbage once the commit is
 * made, and until then the database is exactly as it was. A file this load wrote is replaced
 * under its own name: it is not published yet, so nothing can read it. Value indexes and zone
 * maps come from the decoded columns of the new snapshot; identifier indexes are dropped after
 * the commit (db_ingest.c), because existing rows changed.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "column/encoding.h"
#include "db/db_internal.h"
#include "index/identifier_index.h"
#include "index/index_bitmap.h"
#include "storage/file_io.h"

/* Whether row `row_id` of `column` holds key[0..size). */
static bool row_has_key(const struct column *column, uint64_t row_id, const void *key, size_t size)
{
    const struct column_chunk *chunk = &column->chunks[row_id / PDB_CHUNK_ROWS];
    uint32_t row = (uint32_t)(row_id % PDB_CHUNK_ROWS);
    if (column_chunk_is_null(chunk, row)) return false;
    if (column->attribute.type == PDB_TYPE_INT) {
        int64_t value;
        memcpy(&value, key, sizeof value);
        return size == sizeof value && column_chunk_int(chunk, row) == value;
    }
    uint32_t text_size;
    const char *text = column_chunk_text(chunk, row, &text_size);
    return text_size == size && memcmp(text, key, size) == 0;
}

uint32_t db_find_live_row(const struct pdb_db *db, const struct identifier_index *index,
                          const struct column *column, const void *key, size_t size)
{
    if (index == NULL) return UPSERT_NO_ROW;
    uint32_t row = identifier_index_find(index, column, key, size);
    if (row == IDENTIFIER_INDEX_NO_ROW) return UPSERT_NO_ROW;
    const struct index_bitmap *deleted = db->table.deleted;
    if (!index_bitmap_contains(deleted, row)) return row;
    uint64_t rows = column_row_count(column);
    for (uint64_t later = (uint64_t)row + 1u; later < rows; later++) {
        if (row_has_key(column, later, key, size) && !index_bitmap_contains(deleted, (uint32_t)later))
            return (uint32_t)later;
    }
    return UPSERT_NO_ROW; /* the profile was deleted: the record makes a new one */
}

static uint32_t find_committed(void *context, const void *key, size_t size)
{
    const struct db_upsert *upsert = context;
    return db_find_live_row(upsert->db, upsert->index, upsert->column, key, size);
}

enum pdb_status db_upsert_begin(struct pdb_db *db, struct db_upsert *upsert,
                                struct pdb_error *error)
{
    memset(upsert, 0, sizeof *upsert);
    upsert->db = db;
    int32_t primary = schema_primary(&db->schema);
    if (primary < 0) return PDB_OK;
    if (db->table.row_count > 0) {
        enum pdb_status status = db_identifier_index(db, (uint32_t)primary, &upsert->index,
                                                     &upsert->column, error);
        if (status != PDB_OK) return status;
    }
    enum pdb_status status = upsert_log_init(&upsert->log, &db->schema, db->table.row_count,
                                             find_committed, upsert, error);
    if (status != PDB_OK) return status;
    upsert->is_active = true;
    return PDB_OK;
}

void db_upsert_end(struct db_upsert *upsert)
{
    if (upsert->is_active) upsert_log_deinit(&upsert->log);
    upsert->is_active = false;
}

/* Decodes every column of the chunk file at `path` (described by `directory`) into old[],
 * each initialised here (the caller deinits them). */
static enum pdb_status decode_chunk(const struct pdb_db *db, const char *path,
                                    const struct chunk_directory *directory,
                                    struct column *const *columns, struct column_chunk *old,
                                    struct pdb_error *error)
{
    for (uint32_t a = 0; a < db->schema.attribute_count; a++) {
        enum pdb_type type = db->schema.attributes[a].type;
        if (column_chunk_init(&old[a], type) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading %s", path);
        uint8_t *block;
        enum pdb_status status = chunk_file_read_block(path, directory, a, &block, error);
        if (status != PDB_OK) return status;
        status = block_decode(block, directory->blocks[a].size, type,
                              columns[a]->dictionary.entry_count, &old[a], error);
        mem_free(block);
        if (status != PDB_OK) {
            error_prefix(error, "%s: column '%s': ", path, db->schema.attributes[a].name);
            return status;
        }
    }
    return PDB_OK;
}

static void destroy_columns(struct column **columns, uint32_t count)
{
    for (uint32_t a = 0; a < count; a++) {
        column_destroy(columns[a]);
        columns[a] = NULL;
    }
}

/* Rewrites chunk `chunk_index`, stored in a file (committed, or written by this load), with
 * updates [first, end) as a chunk file of `generation`, named in `next`. */
static enum pdb_status rewrite_file_chunk(struct db_upsert *upsert, uint64_t generation,
                                          uint32_t first_chunk_index, uint32_t chunk_index,
                                          uint64_t first, uint64_t end,
                                          struct column *const *columns, struct manifest *next,
                                          struct pdb_error *error)
{
    struct pdb_db *db = upsert->db;
    uint32_t attributes = db->schema.attribute_count;
    char old_path[PDB_PATH_SIZE_MAX], name[CHUNK_FILE_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
    chunk_file_name(name, chunk_index, generation);
    enum pdb_status status = path_join(path, db->path, name, error);
    if (status != PDB_OK) return status;
    bool is_committed = chunk_index < first_chunk_index;
    const char *old_name = is_committed ? db->manifest.chunks[chunk_index].name : name;
    if ((status = path_join(old_path, db->path, old_name, error)) != PDB_OK) return status;
    struct chunk_directory read = {0};
    const struct chunk_directory *directory = &read;
    struct column_chunk *old = mem_calloc(attributes, sizeof *old);
    const struct column_chunk **old_pointers = mem_calloc(attributes, sizeof *old_pointers);
    struct column **fresh = mem_calloc(attributes, sizeof *fresh);
    if (old == NULL || old_pointers == NULL || fresh == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory rewriting chunk %u", chunk_index);
        goto done;
    }
    status = is_committed ? db_chunk_directory(db, chunk_index, &directory, error)
                          : chunk_file_read_directory(old_path, &read, error);
    if (status != PDB_OK) goto done;
    if ((status = decode_chunk(db, old_path, directory, columns, old, error)) != PDB_OK) goto done;
    for (uint32_t a = 0; a < attributes; a++) old_pointers[a] = &old[a];
    status = upsert_merge_chunk(&upsert->log, &db->schema, first, end, chunk_index,
                                directory->row_count, old_pointers, columns, fresh, error);
    if (status != PDB_OK) goto done;
    struct chunk_directory written;
    status = chunk_file_write(path, chunk_index, generation, (const struct column *const *)fresh,
                              attributes, 0, &written, error);
    if (status != PDB_OK) goto done;
    struct manifest_file *entry = &next->chunks[chunk_index];
    snprintf(entry->name, sizeof entry->name, "%s", name);
    entry->size_bytes = written.file_size;
    entry->checksum = written.directory_checksum;
    chunk_directory_deinit(&written);
done:
    if (fresh != NULL) destroy_columns(fresh, attributes);
    if (old != NULL)
        for (uint32_t a = 0; a < attributes; a++) column_chunk_deinit(&old[a]);
    chunk_directory_deinit(&read);
    mem_free(old);
    mem_free(old_pointers);
    mem_free(fresh);
    return status;
}

/* Merges updates [first, end) into the partial last chunk the load's columns still hold. */
static enum pdb_status rewrite_memory_chunk(struct db_upsert *upsert, uint32_t chunk_index,
                                            uint64_t first, uint64_t end,
                                            struct column *const *columns, struct pdb_error *error)
{
    struct pdb_db *db = upsert->db;
    uint32_t attributes = db->schema.attribute_count;
    const struct column_chunk **old = mem_calloc(attributes, sizeof *old);
    struct column **fresh = mem_calloc(attributes, sizeof *fresh);
    enum pdb_status status = PDB_OK;
    if (old == NULL || fresh == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory rewriting chunk %u", chunk_index);
        goto done;
    }
    for (uint32_t a = 0; a < attributes; a++) old[a] = &columns[a]->chunks[0];
    status = upsert_merge_chunk(&upsert->log, &db->schema, first, end, chunk_index,
                                columns[0]->chunks[0].row_count, old, columns, fresh, error);
    if (status != PDB_OK) goto done;
    for (uint32_t a = 0; a < attributes; a++) {
        column_clear_chunks(columns[a]);
        column_move_chunks(columns[a], fresh[a]);
    }
done:
    if (fresh != NULL) destroy_columns(fresh, attributes);
    mem_free(old);
    mem_free(fresh);
    return status;
}

enum pdb_status db_upsert_rewrite(struct db_upsert *upsert, uint64_t generation,
                                  uint32_t first_chunk_index, uint32_t memory_chunk_index,
                                  struct column *const *columns, struct manifest *next,
                                  struct pdb_error *error)
{
    if (!upsert->is_active || upsert->log.update_count == 0) return PDB_OK;
    upsert_log_sort(&upsert->log);
    bool has_memory_chunk = columns[0]->chunk_count > 0 && columns[0]->chunks[0].row_count > 0;
    uint64_t from = 0, first, end;
    uint32_t chunk_index;
    while (upsert_next_chunk(&upsert->log, from, &chunk_index, &first, &end)) {
        from = end;
        enum pdb_status status;
        if (has_memory_chunk && chunk_index == memory_chunk_index) {
            status = rewrite_memory_chunk(upsert, chunk_index, first, end, columns, error);
        } else if (chunk_index < memory_chunk_index && chunk_index < next->chunk_count) {
            status = rewrite_file_chunk(upsert, generation, first_chunk_index, chunk_index, first,
                                        end, columns, next, error);
        } else {
            status = error_set(error, PDB_ERR_USAGE, "internal error: an update of row %u beyond "
                               "the load's rows", upsert->log.updates[first].row_id);
        }
        if (status != PDB_OK) return status;
    }
    return PDB_OK;
}
