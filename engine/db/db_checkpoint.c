/*
 * Checkpoints (pdb_db_checkpoint; automatic from db_stream.c past PDB_WAL_CHECKPOINT_SIZE of log,
 * and on close): the chunks a handle changed beyond its manifest (streamed or replayed batches,
 * db_stream.c) and the dictionaries that grew become files of a new generation, the manifest is
 * replaced atomically (write, fsync, rename, fsync the directory) naming the last applied WAL
 * record (wal_lsn), then the log is trimmed to the records after it.
 *
 * A crash or failure before the manifest's rename leaves the old manifest and the whole log
 * (the new files are garbage for the next writer); after it, replay skips the records the
 * manifest includes, whether the trim ran or not. The table stays as it is: it already is the
 * new generation's; only the directory cache entries of rewritten chunks are forgotten.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "storage/dictionary_file.h"
#include "storage/file_io.h"
#include "storage/wal.h"

/* Writes chunk `chunk_index` of the table as a file of `generation`, named in `next`. */
static enum pdb_status write_chunk(struct pdb_db *db, uint32_t chunk_index, uint64_t generation,
                                   struct manifest *next, struct pdb_error *error)
{
    char name[CHUNK_FILE_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
    chunk_file_name(name, chunk_index, generation);
    enum pdb_status status = path_join(path, db->path, name, error);
    if (status != PDB_OK) return status;
    struct chunk_directory written;
    status = chunk_file_write(path, chunk_index, generation,
                              (const struct column *const *)db->table.columns,
                              db->schema.attribute_count, chunk_index, &written, error);
    if (status != PDB_OK) return status;
    struct manifest_file *entry = &next->chunks[chunk_index];
    snprintf(entry->name, sizeof entry->name, "%s", name);
    entry->size_bytes = written.file_size;
    entry->checksum = written.directory_checksum;
    chunk_directory_deinit(&written);
    return PDB_OK;
}

/* Trims the log to the records after the manifest's wal_lsn. */
static enum pdb_status trim_log(struct pdb_db *db, struct db_stream *stream, struct pdb_error *error)
{
    if (stream->wal != NULL) return wal_trim(stream->wal, db->manifest.wal_lsn, error);
    struct wal *wal = NULL;
    enum pdb_status status = wal_open(db->path, db->manifest.wal_lsn, NULL, NULL, &wal, NULL, error);
    if (status == PDB_OK) status = wal_trim(wal, db->manifest.wal_lsn, error);
    wal_close(wal);
    return status;
}

/* Under the writer lock: the table's changes into files and a new manifest. */
enum pdb_status db_checkpoint_locked(struct pdb_db *db, struct pdb_error *error)
{
    struct db_stream *stream = db->stream;
    if (stream == NULL || !stream->has_changes) return PDB_OK;
    struct table *table = &db->table;
    uint64_t generation = db->manifest.generation + 1u;
    struct manifest next;
    struct chunk_directory *directories = NULL;
    bool is_published = false;
    if (manifest_copy(&next, &db->manifest) != 0) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    enum pdb_status status = PDB_OK;
    if (manifest_set_chunk_count(&next, table->chunk_count) != 0) goto no_memory;
    next.generation = generation;
    next.row_count = table->row_count;
    next.wal_lsn = stream->applied_lsn;
    directories = mem_calloc(table->chunk_count ? table->chunk_count : 1, sizeof *directories);
    if (directories == NULL) goto no_memory;
    db_collect_garbage(db);
    for (uint32_t c = 0; c < table->chunk_count && status == PDB_OK; c++)
        if (c < stream->dirty_capacity && stream->dirty[c]) status = write_chunk(db, c, generation, &next, error);
    for (uint32_t a = 0; a < db->schema.attribute_count && status == PDB_OK; a++) {
        const struct dictionary *dictionary = &table->columns[a]->dictionary;
        if (dictionary->entry_count == stream->dictionary_entries[a]) continue;
        char name[DICTIONARY_FILE_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
        dictionary_file_name(name, a, generation);
        struct manifest_file *entry = &next.dictionaries[a];
        if ((status = path_join(path, db->path, name, error)) != PDB_OK) break;
        status = dictionary_file_write(path, dictionary, &entry->size_bytes, &entry->checksum, error);
        if (status == PDB_OK) snprintf(entry->name, sizeof entry->name, "%s", name);
    }
    if (status == PDB_OK) status = file_sync_directory(db->path, error);
    if (status == PDB_OK) status = manifest_store(db->path, &next, &is_published, error);
    if (status != PDB_OK && !is_published) {
        manifest_deinit(&next);
        mem_free(directories);
        db_collect_garbage(db); /* the unpublished files */
        return status;
    }
    /* Committed: the table is the new generation's; keep the directories of chunks not
     * rewritten, forget the others (read again from their new files if ever needed). */
    for (uint32_t c = 0; c < db->directory_count; c++) {
        bool is_rewritten = c < stream->dirty_capacity && stream->dirty[c];
        if (is_rewritten || c >= table->chunk_count) chunk_directory_deinit(&db->directories[c]);
        else directories[c] = db->directories[c];
    }
    mem_free(db->directories);
    db->directories = directories;
    db->directory_count = table->chunk_count;
    manifest_deinit(&db->manifest);
    db->manifest = next;
    memset(stream->dirty, 0, stream->dirty_capacity * sizeof *stream->dirty);
    for (uint32_t a = 0; a < db->schema.attribute_count; a++)
        stream->dictionary_entries[a] = table->columns[a]->dictionary.entry_count;
    stream->has_changes = false;
    stream->logged_bytes = 0;
    if (status != PDB_OK) return db_fail_after_commit(db, "checkpoint", status, error);
    db_collect_garbage(db);
    status = trim_log(db, stream, error);
    if (status != PDB_OK) {
        /* The files hold everything; replay skips what the manifest names. But a failed
         * write or fsync stops the handle's writes (STYLE). */
        db->is_write_failed = true;
        error_prefix(error, "checkpoint written, trimming the log failed: ");
    }
    return status;
no_memory:
    manifest_deinit(&next);
    mem_free(directories);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing a checkpoint");
}

enum pdb_status db_stream_fold(struct pdb_db *db, struct pdb_error *error)
{
    enum pdb_status status = db_stream_replay(db, error);
    if (status != PDB_OK) return status;
    return db_checkpoint_locked(db, error);
}

enum pdb_status pdb_db_checkpoint(struct pdb_db *db, struct pdb_error *error)
{
    if (db == NULL) return error_set(error, PDB_ERR_USAGE, "a database is required");
    int lock_fd = -1;
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    if ((status = db_refresh(db, error)) == PDB_OK) status = db_stream_fold(db, error);
    close(lock_fd);
    return status;
}
