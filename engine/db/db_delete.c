/*
 * pdb_segment_delete: tombstoning the profiles of a segment, as one transaction.
 *
 *  1. Take the writer lock and re-read the manifest (as ingest does).
 *  2. Evaluate the segment chunk by chunk on the current generation (rows already deleted
 *     are not in its result) and merge each chunk's result into a new tombstone bitmap.
 *  3. Write deleted-g<new generation>.pdt (tombstones.h) durably, fsync the directory, then
 *     replace the manifest atomically naming it: that rename is the commit point.
 * The handle keeps its loaded columns: only the table's tombstone set is swapped. Rows keep
 * their ids and values (ids are never reused); physically removing them is a later purge.
 * Deleting nothing new writes nothing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "index/index_table.h"
#include "index/tombstones.h"
#include "query/segment.h"
#include "storage/file_io.h"

/* Step 2: *next_out holds the old tombstones plus the segment's rows. */
static enum pdb_status collect_rows(struct pdb_db *db, struct segment *segment,
                                    struct index_bitmap **next_out, uint64_t *added_out,
                                    struct pdb_error *error)
{
    struct table *table = &db->table;
    enum pdb_status status = segment_prepare(segment, table, error);
    if (status != PDB_OK) return status;
    struct index_bitmap *next = index_bitmap_create();
    struct segment_scratch *scratch = segment_scratch_create(segment);
    uint64_t *words = mem_alloc_aligned(64, 2u * PDB_CHUNK_WORDS * sizeof(uint64_t));
    uint64_t added = 0;
    if (next == NULL || scratch == NULL || words == NULL) goto no_memory;
    for (uint32_t chunk = 0; chunk < table->chunk_count; chunk++) {
        segment_eval_chunk(segment, table, chunk, scratch, words);
        int64_t chunk_added = tombstones_merge_chunk(next, table->deleted, chunk, words,
                                                     words + PDB_CHUNK_WORDS);
        if (chunk_added < 0) goto no_memory;
        added += (uint64_t)chunk_added;
    }
    mem_free(words);
    segment_scratch_destroy(scratch);
    *next_out = next;
    *added_out = added;
    return PDB_OK;
no_memory:
    mem_free(words);
    segment_scratch_destroy(scratch);
    index_bitmap_destroy(next);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory collecting the rows to delete");
}

/* Step 3 up to the commit: writes the file and publishes the manifest naming it. */
static enum pdb_status commit(struct pdb_db *db, const struct index_bitmap *next,
                              uint64_t added, struct manifest *manifest_out,
                              bool *is_published_out, struct pdb_error *error)
{
    struct manifest manifest;
    if (manifest_copy(&manifest, &db->manifest) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    manifest.generation = db->manifest.generation + 1;
    manifest.deleted_count = db->manifest.deleted_count + added;
    struct buffer bytes;
    buffer_init(&bytes);
    enum pdb_status status;
    if (tombstones_serialize(next, manifest.row_count, &bytes) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing the tombstones");
        goto fail;
    }
    snprintf(manifest.deleted.name, sizeof manifest.deleted.name, "deleted-g%llu.pdt",
             (unsigned long long)manifest.generation);
    manifest.deleted.size_bytes = bytes.size;
    manifest.deleted.checksum = checksum_bytes(bytes.data, bytes.size);
    char path[PDB_PATH_SIZE_MAX];
    if ((status = path_join(path, db->path, manifest.deleted.name, error)) != PDB_OK) goto fail;
    if ((status = file_write_durable(path, bytes.data, bytes.size, error)) != PDB_OK) goto fail;
    if ((status = file_sync_directory(db->path, error)) != PDB_OK) goto fail;
    status = manifest_store(db->path, &manifest, is_published_out, error);
    if (status != PDB_OK && !*is_published_out) goto fail;
    buffer_deinit(&bytes);
    *manifest_out = manifest; /* published, even when only the directory fsync failed */
    return status;
fail:
    buffer_deinit(&bytes);
    manifest_deinit(&manifest);
    return status;
}

enum pdb_status pdb_segment_delete(struct pdb_db *db, const char *text, uint64_t *deleted_count_out,
                                   struct pdb_error *error)
{
    if (db == NULL || text == NULL)
        return error_set(error, PDB_ERR_USAGE, "database and segment are required");
    int lock_fd = -1;
    struct segment *segment = NULL;
    struct index_bitmap *next = NULL;
    uint64_t added = 0;
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    if ((status = db_refresh(db, error)) != PDB_OK) goto done;
    if ((status = db_stream_fold(db, error)) != PDB_OK) goto done;
    db_collect_garbage(db);
    status = db_segment_compile(db, text, &segment, error);
    if (status != PDB_OK) goto done;
    if ((status = collect_rows(db, segment, &next, &added, error)) != PDB_OK) goto done;
    if (added > 0) {
        struct manifest manifest;
        bool is_published = false;
        status = commit(db, next, added, &manifest, &is_published, error);
        if (status != PDB_OK && !is_published) {
            db_collect_garbage(db); /* the unpublished file */
            goto done;
        }
        /* Committed: the handle moves to the new generation; nothing below can fail. */
        manifest_deinit(&db->manifest);
        db->manifest = manifest;
        index_table_set_deleted(&db->table, next);
        next = NULL;
        if (status != PDB_OK) {
            /* Only the directory fsync after the rename failed (see db_ingest.c): keep every
             * file and write nothing more through this handle. */
            status = db_fail_after_commit(db, "delete", status, error);
            goto done;
        }
        db_collect_garbage(db);
    }
    *deleted_count_out = added;
done:
    index_bitmap_destroy(next);
    segment_destroy(segment);
    if (lock_fd >= 0) close(lock_fd);
    return status;
}
