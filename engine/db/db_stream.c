/*
 * Streaming upserts through the write-ahead log (pdb_db_upsert) and replay when a database is
 * opened (checkpoints: db_checkpoint.c).
 *
 * A batch of NDJSON lines goes through the ingest loader into empty staging columns that
 * share the table's dictionaries (so codes agree), with the upsert log of ingest/upsert.h
 * (known keys become updates): that validates and stages it without touching the table. The
 * batch's text is then appended to DB/wal.log as one record of type DB_WAL_UPSERT_BATCH and
 * fdatasynced; only then is it applied to the handle's fully loaded table: staged rows are
 * appended to the table's columns, and updates are written into the rows in place
 * (db_stream_update.c: grouped by chunk, value indexes kept true row by row, the primary's
 * identifier index kept, a text or tags chunk rewritten once per batch); the touched chunks
 * are marked dirty. Value indexes are extended over appended rows, never rebuilt.
 *
 * Replay applies records after the manifest's wal_lsn the same way (rejected lines are
 * rejected again, deterministically, and only counted): so a handle opened after a crash, or
 * while a writer streams, sees every acknowledged batch, each wholly or not at all.
 *
 * Checkpoints (writing the dirty chunks into files and trimming the log) are db_checkpoint.c.
 *
 * A streaming handle keeps DB/LOCK from its first batch to pdb_db_close; ingest, delete and
 * saved segments on it share that lock (db_lock_writer duplicates it) and first fold the
 * streamed state into files (db_stream_fold), so every write sees one consistent history.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "ingest/csv_reader.h"
#include "ingest/loader.h"
#include "storage/file_io.h"
#include "storage/wal.h"

#define DB_WAL_UPSERT_BATCH 1u /* record type: NDJSON lines */
#define DB_REPLAY_ATTEMPTS 8u  /* a checkpoint of another handle may move the log under a reader */


/* ---- State ------------------------------------------------------------------------------- */

static enum pdb_status stream_of(struct pdb_db *db, struct db_stream **stream_out,
                                 struct pdb_error *error)
{
    if (db->stream == NULL) {
        db->stream = mem_calloc(1, sizeof *db->stream);
        if (db->stream == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        db->stream->lock_fd = -1;
        db->stream->applied_lsn = db->manifest.wal_lsn;
    }
    *stream_out = db->stream;
    return PDB_OK;
}

void db_stream_forget(struct pdb_db *db)
{
    struct db_stream *stream = db->stream;
    if (stream == NULL) return;
    mem_free(stream->dirty);
    mem_free(stream->dictionary_entries);
    stream->dirty = NULL;
    stream->dirty_capacity = 0;
    stream->dictionary_entries = NULL;
    stream->has_changes = false;
    stream->applied_lsn = db->manifest.wal_lsn;
}

int db_stream_lock_fd(const struct pdb_db *db)
{
    return db->stream != NULL ? db->stream->lock_fd : -1;
}

/* Loads every column and remembers the dictionaries' committed sizes (first change only). */
static enum pdb_status load_table(struct pdb_db *db, struct db_stream *stream,
                                  struct pdb_error *error)
{
    for (uint32_t a = 0; a < db->schema.attribute_count; a++) {
        const struct column *column;
        enum pdb_status status = table_column(&db->table, a, &column, error);
        if (status != PDB_OK) return status;
    }
    if (stream->dictionary_entries == NULL) {
        stream->dictionary_entries = mem_calloc(db->schema.attribute_count, sizeof(uint32_t));
        if (stream->dictionary_entries == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        for (uint32_t a = 0; a < db->schema.attribute_count; a++)
            stream->dictionary_entries[a] = db->table.columns[a]->dictionary.entry_count;
    }
    return PDB_OK;
}

enum pdb_status db_stream_mark_dirty(struct db_stream *stream, uint32_t chunk_index,
                                     struct pdb_error *error)
{
    if (chunk_index >= stream->dirty_capacity) {
        uint32_t capacity = chunk_index + 64u;
        bool *grown = mem_realloc(stream->dirty, capacity * sizeof *grown);
        if (grown == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        memset(grown + stream->dirty_capacity, 0, (capacity - stream->dirty_capacity) * sizeof *grown);
        stream->dirty = grown;
        stream->dirty_capacity = capacity;
    }
    stream->dirty[chunk_index] = true;
    stream->has_changes = true;
    return PDB_OK;
}

/* ---- Staging and applying a batch -------------------------------------------------------- */

struct staged_batch {
    struct column **columns; /* staging columns: one partial chunk each, table dictionaries' codes */
    struct db_upsert upsert;
    struct loader_counts counts;
    char input_method[16];
};

static void staged_batch_deinit(struct pdb_db *db, struct staged_batch *batch)
{
    if (batch->columns != NULL) {
        for (uint32_t a = 0; a < db->schema.attribute_count; a++) column_destroy(batch->columns[a]);
        mem_free(batch->columns);
    }
    db_upsert_end(&batch->upsert);
    loader_counts_deinit(&batch->counts); /* the per-rule tallies of a schema with rules */
    memset(batch, 0, sizeof *batch);
}

static enum pdb_status refuse_chunk(void *context, uint32_t ordinal, struct column *const *columns,
                                    struct loader_chunk_receipt *receipt, struct pdb_error *error)
{
    (void)context, (void)ordinal, (void)columns, (void)receipt;
    return error_set(error, PDB_ERR_USAGE, "internal error: an upsert batch filled a chunk");
}

static void swap_dictionaries(struct column *a, struct column *b)
{
    struct dictionary held = a->dictionary;
    a->dictionary = b->dictionary;
    b->dictionary = held;
}

/* Validates and stages `text` against the table (which must be loaded). */
static enum pdb_status stage_batch(struct pdb_db *db, const char *text, size_t size,
                                   const char *source, const char *rejects_path,
                                   struct staged_batch *batch, struct pdb_error *error)
{
    uint32_t attributes = db->schema.attribute_count;
    memset(batch, 0, sizeof *batch);
    batch->columns = mem_calloc(attributes, sizeof *batch->columns);
    if (batch->columns == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    for (uint32_t a = 0; a < attributes; a++) {
        batch->columns[a] = column_create(&db->schema.attributes[a]);
        if (batch->columns[a] == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    enum pdb_status status = db_upsert_begin(db, &batch->upsert, error);
    if (status != PDB_OK) return status;
    struct csv_reader *reader = NULL;
    if ((status = csv_reader_open_memory(text, size, source, &reader, error)) != PDB_OK) return status;
    csv_reader_set_lines_mode(reader);
    struct loader_options options = {
        .format = LOADER_FORMAT_NDJSON,
        .rejects_path = rejects_path,
        .chunk_write = refuse_chunk,
        .pool = db_thread_pool(db),
        .upsert = batch->upsert.is_active ? &batch->upsert.log : NULL,
    };
    for (uint32_t a = 0; a < attributes; a++) swap_dictionaries(batch->columns[a], db->table.columns[a]);
    status = loader_load_csv(reader, &db->schema, batch->columns, &options, &batch->counts, error);
    for (uint32_t a = 0; a < attributes; a++) swap_dictionaries(batch->columns[a], db->table.columns[a]);
    csv_reader_close(reader);
    return status;
}

/* Seals chunk `chunk_index` of every table column (appends and merges leave building lanes). */
static enum pdb_status seal_chunk(struct pdb_db *db, uint32_t chunk_index, struct pdb_error *error)
{
    for (uint32_t a = 0; a < db->schema.attribute_count; a++) {
        struct column *column = db->table.columns[a];
        if (column_chunk_seal(&column->chunks[chunk_index], column->attribute.type) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory sealing chunk %u", chunk_index);
    }
    return PDB_OK;
}

/* Applies a staged batch to the table: appends, then updates in file order. A failure here
 * (out of memory) leaves the table partly changed: the caller stops the handle's writes. */
static enum pdb_status apply_batch(struct pdb_db *db, struct db_stream *stream,
                                   struct staged_batch *batch, struct pdb_error *error)
{
    uint32_t attributes = db->schema.attribute_count;
    struct table *table = &db->table;
    enum pdb_status status = PDB_OK;
    const char **tags = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *tags);
    uint32_t *tag_sizes = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *tag_sizes);
    if (tags == NULL || tag_sizes == NULL) goto no_memory;
    uint64_t appended = batch->counts.rows_loaded;
    uint64_t first_row = table->row_count;
    for (uint64_t row = 0; row < appended && status == PDB_OK; row++) {
        for (uint32_t a = 0; a < attributes && status == PDB_OK; a++) {
            status = upsert_copy_value(table->columns[a], &batch->columns[a]->chunks[0],
                                       (uint32_t)row, tags, tag_sizes, error);
        }
    }
    if (status != PDB_OK) goto done;
    table->row_count += appended;
    table->chunk_count = table->columns[0]->chunk_count;
    if (appended > 0) {
        for (uint64_t c = first_row / PDB_CHUNK_ROWS; c < table->chunk_count && status == PDB_OK; c++) {
            status = db_stream_mark_dirty(stream, (uint32_t)c, error);
            if (status == PDB_OK) status = seal_chunk(db, (uint32_t)c, error);
        }
        if (status != PDB_OK) goto done;
    }
    /* Value indexes cover the appended rows before updates move rows between bitmaps. */
    if (batch->upsert.is_active && batch->upsert.log.update_count > 0)
        status = db_stream_update_apply(db, &batch->upsert.log, error);
    goto done;
no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory applying an upsert batch");
done:
    mem_free(tags);
    mem_free(tag_sizes);
    return status;
}

/* ---- Replay ------------------------------------------------------------------------------ */

struct replay_context {
    struct pdb_db *db;
    bool is_gap; /* the log's records do not follow the handle's state (stale manifest) */
};

static enum pdb_status replay_record(void *context, uint64_t lsn, uint32_t type,
                                     const uint8_t *payload, uint32_t size, struct pdb_error *error)
{
    struct replay_context *replay = context;
    struct pdb_db *db = replay->db;
    struct db_stream *stream = db->stream;
    if (lsn <= stream->applied_lsn) return PDB_OK; /* in the files already */
    if (lsn != stream->applied_lsn + 1u) {
        replay->is_gap = true;
        return error_set(error, PDB_ERR_CORRUPT, "%s/%s: record %llu follows %llu (the log and "
                         "the manifest disagree)", db->path, WAL_FILE_NAME,
                         (unsigned long long)lsn, (unsigned long long)stream->applied_lsn);
    }
    if (type != DB_WAL_UPSERT_BATCH) {
        return error_set(error, PDB_ERR_CORRUPT, "%s/%s: record %llu has unknown type %u",
                         db->path, WAL_FILE_NAME, (unsigned long long)lsn, type);
    }
    enum pdb_status status = load_table(db, stream, error);
    if (status != PDB_OK) return status;
    struct staged_batch batch;
    char source[64];
    snprintf(source, sizeof source, "%s@%llu", WAL_FILE_NAME, (unsigned long long)lsn);
    status = stage_batch(db, (const char *)payload, size, source, NULL, &batch, error);
    if (status == PDB_OK) status = apply_batch(db, stream, &batch, error);
    staged_batch_deinit(db, &batch);
    if (status != PDB_OK) {
        error_prefix(error, "replaying %s/%s record %llu: ", db->path, WAL_FILE_NAME,
                     (unsigned long long)lsn);
        return status;
    }
    stream->applied_lsn = lsn;
    return PDB_OK;
}

/* Moves the handle to the manifest on disk (another handle checkpointed meanwhile). */
static enum pdb_status reload_manifest(struct pdb_db *db, struct pdb_error *error)
{
    struct manifest current;
    enum pdb_status status = manifest_load(db->path, &current, error);
    if (status != PDB_OK) return status;
    struct db_snapshot snapshot;
    status = db_snapshot_create(db, &current, &snapshot, error);
    if (status != PDB_OK) {
        manifest_deinit(&current);
        return status;
    }
    db_identifier_indexes_destroy(db);
    manifest_deinit(&db->manifest);
    db->manifest = current;
    db_snapshot_install(db, &snapshot); /* forgets the stream's state */
    return PDB_OK;
}

enum pdb_status db_stream_replay(struct pdb_db *db, struct pdb_error *error)
{
    struct db_stream *stream = NULL;
    enum pdb_status status = stream_of(db, &stream, error);
    if (status != PDB_OK) return status;
    for (uint32_t attempt = 0;; attempt++) {
        struct replay_context context = {.db = db};
        struct wal_replay_report report;
        struct pdb_error local = {0};
        status = wal_read(db->path, replay_record, &context, &report, &local);
        bool is_stale = context.is_gap || (status == PDB_OK && report.base_lsn > stream->applied_lsn);
        if (!is_stale) {
            if (status != PDB_OK && error != NULL) *error = local;
            return status;
        }
        if (attempt + 1u == DB_REPLAY_ATTEMPTS) {
            if (error != NULL) *error = local;
            return status != PDB_OK ? status
                                    : error_set(error, PDB_ERR_CORRUPT, "%s/%s: starts after "
                                                "LSN %llu, which the manifest names",
                                                db->path, WAL_FILE_NAME,
                                                (unsigned long long)stream->applied_lsn);
        }
        if ((status = reload_manifest(db, error)) != PDB_OK) return status;
    }
}

/* ---- Streaming ------------------------------------------------------------------------------ */

/* Makes the handle the database's streaming writer (DB/LOCK kept, log open, table loaded). */
static enum pdb_status start_streaming(struct pdb_db *db, struct db_stream *stream,
                                       struct pdb_error *error)
{
    int lock_fd = -1;
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    struct wal *wal = NULL;
    struct wal_replay_report report;
    if ((status = db_refresh(db, error)) != PDB_OK) goto fail;
    if ((status = db_stream_replay(db, error)) != PDB_OK) goto fail;
    if ((status = load_table(db, stream, error)) != PDB_OK) goto fail;
    status = wal_open(db->path, db->manifest.wal_lsn, NULL, NULL, &wal, &report, error);
    if (status != PDB_OK) goto fail;
    if (report.last_lsn > stream->applied_lsn) { /* replay under the lock applied them all */
        status = error_set(error, PDB_ERR_CORRUPT, "%s/%s: ends at LSN %llu, the database at %llu",
                           db->path, WAL_FILE_NAME, (unsigned long long)report.last_lsn,
                           (unsigned long long)stream->applied_lsn);
        goto fail;
    }
    if (report.last_lsn < stream->applied_lsn) {
        /* The log ends before what the manifest holds (a log lost, or trimmed to nothing,
         * with an older base): every record it has is in the files, so start it again after
         * the manifest's LSN, or new records would get LSNs that replay skips. */
        wal_close(wal);
        wal = NULL;
        char path[PDB_PATH_SIZE_MAX];
        if ((status = path_join(path, db->path, WAL_FILE_NAME, error)) != PDB_OK) goto fail;
        unlink(path);
        status = wal_open(db->path, stream->applied_lsn, NULL, NULL, &wal, &report, error);
        if (status != PDB_OK) goto fail;
    }
    stream->wal = wal;
    stream->lock_fd = lock_fd;
    return PDB_OK;
fail:
    wal_close(wal);
    close(lock_fd);
    return status;
}

/* Lines of a batch (the last one may lack its newline). */
static uint64_t line_count(const char *text, size_t size)
{
    uint64_t lines = 0;
    for (const char *at = text, *end = text + size; at < end;) {
        const char *newline = memchr(at, '\n', (size_t)(end - at));
        lines++;
        if (newline == NULL) break;
        at = newline + 1;
    }
    return lines;
}

enum pdb_status pdb_db_upsert(struct pdb_db *db, const char *ndjson, size_t size,
                              struct pdb_upsert_result *result, struct pdb_error *error)
{
    if (db == NULL || (ndjson == NULL && size > 0))
        return error_set(error, PDB_ERR_USAGE, "database and records are required");
    if (size > PDB_UPSERT_BATCH_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "an upsert batch of %zu bytes is larger than %u",
                         size, PDB_UPSERT_BATCH_SIZE_MAX);
    }
    uint64_t lines = line_count(ndjson, size);
    if (lines > PDB_UPSERT_BATCH_RECORDS_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "an upsert batch of %llu lines holds more than %u",
                         (unsigned long long)lines, PDB_UPSERT_BATCH_RECORDS_MAX);
    }
    if (db->is_write_failed) {
        return error_set(error, PDB_ERR_IO, "%s: an earlier write failed on this handle; reopen "
                         "the database before writing again", db->path);
    }
    struct db_stream *stream = NULL;
    enum pdb_status status = stream_of(db, &stream, error);
    if (status != PDB_OK) return status;
    if (stream->lock_fd < 0 && (status = start_streaming(db, stream, error)) != PDB_OK) return status;
    if ((status = load_table(db, stream, error)) != PDB_OK) return status;

    uint64_t lsn = wal_last_lsn(stream->wal) + 1u; /* the handle is the log's only writer */
    char directory[PDB_PATH_SIZE_MAX], rejects_path[PDB_PATH_SIZE_MAX], source[64];
    snprintf(source, sizeof source, "upsert@%llu", (unsigned long long)lsn);
    if ((status = path_join(directory, db->path, DB_REJECTS_DIRECTORY, error)) != PDB_OK) return status;
    if (mkdir(directory, 0755) != 0 && errno != EEXIST)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create", directory);
    int used = snprintf(rejects_path, sizeof rejects_path, "%s/upsert-%llu.rejects.csv", directory,
                        (unsigned long long)lsn);
    if (used < 0 || used >= (int)sizeof rejects_path)
        return error_set(error, PDB_ERR_LIMIT, "%s: reject file path is too long", db->path);

    struct staged_batch batch;
    status = stage_batch(db, ndjson != NULL ? ndjson : "", size, source, rejects_path, &batch, error);
    uint64_t accepted = batch.counts.rows_loaded + batch.counts.rows_updated;
    uint64_t logged_lsn = 0;
    if (status == PDB_OK && accepted > 0) {
        status = wal_append(stream->wal, DB_WAL_UPSERT_BATCH, ndjson, (uint32_t)size, &logged_lsn, error);
        if (status == PDB_OK) status = wal_sync(stream->wal, logged_lsn, error);
        if (status != PDB_OK) {
            db->is_write_failed = true; /* the log is failed (wal.h); replay decides */
        } else {
            /* Acknowledged (durable): now visible on the handle. */
            status = apply_batch(db, stream, &batch, error);
            if (status != PDB_OK) {
                db->is_write_failed = true;
                error_prefix(error, "the batch is durable but this handle could not apply it "
                             "(reopen the database to see it): ");
            } else {
                stream->applied_lsn = logged_lsn;
                stream->logged_bytes += size + 32u;
            }
        }
    }
    if (status == PDB_OK && result != NULL) {
        memset(result, 0, sizeof *result);
        result->rows_read = batch.counts.rows_read;
        result->rows_inserted = batch.counts.rows_loaded;
        result->rows_updated = batch.counts.rows_updated;
        result->rows_rejected = batch.counts.rows_rejected;
        result->lsn = logged_lsn;
        if (batch.counts.rows_rejected > 0)
            snprintf(result->rejects_path, sizeof result->rejects_path, "%s", rejects_path);
    }
    staged_batch_deinit(db, &batch);
    if (status == PDB_OK && stream->logged_bytes >= PDB_WAL_CHECKPOINT_SIZE)
        status = db_checkpoint_locked(db, error);
    return status;
}

void db_stream_close(struct pdb_db *db)
{
    struct db_stream *stream = db->stream;
    if (stream == NULL) return;
    if (stream->lock_fd >= 0 && !db->is_write_failed) {
        struct pdb_error ignored = {0};
        (void)db_checkpoint_locked(db, &ignored); /* best effort: the log keeps everything anyway */
    }
    wal_close(stream->wal);
    if (stream->lock_fd >= 0) close(stream->lock_fd);
    mem_free(stream->dirty);
    mem_free(stream->dictionary_entries);
    mem_free(stream);
    db->stream = NULL;
}
