/*
 * pdb_db_ingest_csv and pdb_db_ingest_file (CSV or NDJSON): one ingest is one transaction.
 *
 *  1. Take the writer lock (DB/LOCK) and re-read the manifest (another process may have
 *     committed since this handle opened it).
 *  2. Start append columns: the dictionaries of category/tags columns, plus the rows of the
 *     last chunk if it is partial (it will be rewritten under the new generation).
 *  3. Stream the CSV through the loader (on the handle's thread pool); every full chunk is
 *     written and fsynced as chunk-<index>-g<new generation>.pdc right away (several at once
 *     on different threads), so memory stays at a few chunks. With a primary identifier, a
 *     record whose key exists is kept as an update instead of appended (db_upsert.c).
 *  4. Rewrite every chunk the updates touch as a new file (copy-on-write, db_upsert.c).
 *     Write the last partial chunk and the grown dictionaries, fsync the directory, then
 *     replace the manifest atomically: that rename is the commit point.
 * Any failure before the rename deletes the new files and leaves the database exactly as it
 * was; a crash leaves only unreferenced newer-generation files, removed by the next writer.
 *
 * Steps 2-4 are db_ingest_locked, which another write can run inside its own transaction
 * (the event ingest, db_events.c, appending the profiles its unknown keys create): that
 * caller's files join the same manifest, so one rename commits both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "ingest/csv_reader.h"
#include "ingest/loader.h"
#include "storage/dictionary_file.h"
#include "storage/file_io.h"

struct ingest_transaction {
    struct pdb_db *db;
    uint64_t generation;       /* being written */
    uint32_t first_chunk_index; /* index of the first chunk this ingest writes */
    uint32_t next_chunk_index;  /* index the next recorded chunk gets */
    uint64_t rows_before;      /* rows committed before this ingest */
    struct manifest next;      /* the manifest to publish */
    struct column **columns;   /* append columns, one per attribute */
    uint32_t *dictionary_entries_before; /* per attribute, to see which dictionaries grew */
    struct db_upsert upsert;   /* with a primary identifier: updates of existing profiles */
};

static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Encodes and writes chunk `index` (the columns' one chunk) as a chunk file of the new
 * generation, fsynced; touches nothing shared, so chunk writes run in parallel. */
static enum pdb_status write_chunk_file(const struct ingest_transaction *transaction,
                                        uint32_t index, struct column *const *columns,
                                        struct loader_chunk_receipt *receipt,
                                        struct pdb_error *error)
{
    const struct pdb_db *db = transaction->db;
    uint64_t rows_after = (uint64_t)index * PDB_CHUNK_ROWS + columns[0]->chunks[0].row_count;
    if (rows_after > PDB_ROWS_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "the database would hold more than %u profiles",
                         PDB_ROWS_MAX);
    }
    char name[CHUNK_FILE_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
    chunk_file_name(name, index, transaction->generation);
    enum pdb_status status = path_join(path, db->path, name, error);
    if (status != PDB_OK) return status;
    struct chunk_directory directory;
    status = chunk_file_write(path, index, transaction->generation,
                              (const struct column *const *)columns, db->schema.attribute_count,
                              0, &directory, error);
    if (status != PDB_OK) return status;
    receipt->size_bytes = directory.file_size;
    receipt->checksum = directory.directory_checksum;
    chunk_directory_deinit(&directory);
    return PDB_OK;
}

/* Names a written chunk file in the manifest to publish (in chunk order). */
static enum pdb_status record_chunk(struct ingest_transaction *transaction, uint32_t index,
                                    uint32_t row_count, const struct loader_chunk_receipt *receipt,
                                    struct pdb_error *error)
{
    if (manifest_set_chunk_count(&transaction->next, index + 1) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    struct manifest_file *entry = &transaction->next.chunks[index];
    char name[CHUNK_FILE_NAME_SIZE];
    chunk_file_name(name, index, transaction->generation);
    snprintf(entry->name, sizeof entry->name, "%s", name);
    entry->size_bytes = receipt->size_bytes;
    entry->checksum = receipt->checksum;
    transaction->next.row_count = (uint64_t)index * PDB_CHUNK_ROWS + row_count;
    transaction->next_chunk_index = index + 1;
    return PDB_OK;
}

/* The loader's sink: full chunks, `ordinal` counted from the first chunk this ingest fills. */
static enum pdb_status on_chunk_write(void *context, uint32_t ordinal,
                                      struct column *const *columns,
                                      struct loader_chunk_receipt *receipt, struct pdb_error *error)
{
    const struct ingest_transaction *transaction = context;
    return write_chunk_file(transaction, transaction->first_chunk_index + ordinal, columns,
                            receipt, error);
}

static enum pdb_status on_chunk_commit(void *context, uint32_t ordinal,
                                       const struct loader_chunk_receipt *receipt,
                                       struct pdb_error *error)
{
    struct ingest_transaction *transaction = context;
    return record_chunk(transaction, transaction->first_chunk_index + ordinal, PDB_CHUNK_ROWS,
                        receipt, error);
}

/* Step 2: dictionaries and the rows of a partial last chunk. */
static enum pdb_status start_columns(struct ingest_transaction *transaction, struct pdb_error *error)
{
    struct pdb_db *db = transaction->db;
    uint32_t attributes = db->schema.attribute_count;
    transaction->columns = mem_calloc(attributes, sizeof *transaction->columns);
    transaction->dictionary_entries_before = mem_calloc(attributes, sizeof(uint32_t));
    if (transaction->columns == NULL || transaction->dictionary_entries_before == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    bool last_is_partial = db->manifest.row_count % PDB_CHUNK_ROWS != 0;
    for (uint32_t a = 0; a < attributes; a++) {
        transaction->columns[a] = column_create(&db->schema.attributes[a]);
        if (transaction->columns[a] == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        enum pdb_status status = db_read_dictionary(db, a, transaction->columns[a], error);
        if (status != PDB_OK) return status;
        transaction->dictionary_entries_before[a] = transaction->columns[a]->dictionary.entry_count;
        if (last_is_partial) {
            status = db_read_chunk_block(db, db->manifest.chunk_count - 1, a,
                                         transaction->columns[a], error);
            if (status != PDB_OK) return status;
        }
    }
    transaction->next_chunk_index = (uint32_t)(db->manifest.row_count / PDB_CHUNK_ROWS);
    transaction->first_chunk_index = transaction->next_chunk_index;
    return PDB_OK;
}

/* Step 4 (before the commit point): the last partial chunk and grown dictionaries. */
static enum pdb_status finish_files(struct ingest_transaction *transaction, struct pdb_error *error)
{
    struct pdb_db *db = transaction->db;
    struct column **columns = transaction->columns;
    if (columns[0]->chunk_count > 0 && columns[0]->chunks[0].row_count > 0) {
        uint32_t index = transaction->next_chunk_index;
        struct loader_chunk_receipt receipt;
        enum pdb_status status = write_chunk_file(transaction, index, columns, &receipt, error);
        if (status == PDB_OK)
            status = record_chunk(transaction, index, columns[0]->chunks[0].row_count, &receipt, error);
        if (status != PDB_OK) return status;
    }
    for (uint32_t a = 0; a < db->schema.attribute_count; a++) {
        enum pdb_type type = db->schema.attributes[a].type;
        if (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_TAGS) continue;
        const struct dictionary *dictionary = &columns[a]->dictionary;
        struct manifest_file *entry = &transaction->next.dictionaries[a];
        /* Rewritten only when it grew; an empty dictionary needs no file. */
        if (dictionary->entry_count == transaction->dictionary_entries_before[a]) continue;
        char name[DICTIONARY_FILE_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
        dictionary_file_name(name, a, transaction->generation);
        enum pdb_status status = path_join(path, db->path, name, error);
        if (status != PDB_OK) return status;
        status = dictionary_file_write(path, dictionary, &entry->size_bytes, &entry->checksum, error);
        if (status != PDB_OK) return status;
        snprintf(entry->name, sizeof entry->name, "%s", name);
    }
    return file_sync_directory(db->path, error);
}

static enum pdb_status default_rejects_path(const struct pdb_db *db, const char *csv_path,
                                            uint64_t generation, char *out,
                                            struct pdb_error *error)
{
    const char *base = strrchr(csv_path, '/');
    base = base ? base + 1 : csv_path;
    if (strcmp(csv_path, "-") == 0) base = "stdin";
    int used = snprintf(out, PDB_PATH_SIZE_MAX, "%s/%s/%.200s.g%llu.rejects.csv", db->path,
                        DB_REJECTS_DIRECTORY, base, (unsigned long long)generation);
    if (used < 0 || used >= (int)PDB_PATH_SIZE_MAX)
        return error_set(error, PDB_ERR_LIMIT, "%s: reject file path is too long", db->path);
    return PDB_OK;
}

enum pdb_status db_fail_after_commit(struct pdb_db *db, const char *what, enum pdb_status status,
                                     struct pdb_error *error)
{
    db->is_write_failed = true;
    error_prefix(error, "the %s is visible but may not survive a crash (reopen the database "
                 "before writing again): ", what);
    return status;
}

enum pdb_status db_lock_writer(struct pdb_db *db, int *fd_out, struct pdb_error *error)
{
    if (db->is_write_failed) {
        return error_set(error, PDB_ERR_IO, "%s: an earlier fsync failed on this handle; reopen "
                         "the database before writing again", db->path);
    }
    int streaming_fd = db_stream_lock_fd(db);
    if (streaming_fd >= 0) { /* the handle streams and holds the lock: share it */
        int fd = dup(streaming_fd);
        if (fd < 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot share the lock", db->path);
        *fd_out = fd;
        return PDB_OK;
    }
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db->path, DB_LOCK_FILE, error);
    if (status != PDB_OK) return status;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot open", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK) {
            return error_set(error, PDB_ERR_LOCKED, "%s: another process is writing to this "
                             "database", db->path);
        }
        return error_set_errno(error, PDB_ERR_IO, saved, "%s: cannot lock", path);
    }
    *fd_out = fd;
    return PDB_OK;
}

enum pdb_status db_refresh(struct pdb_db *db, struct pdb_error *error)
{
    struct manifest current;
    enum pdb_status status = manifest_load(db->path, &current, error);
    if (status != PDB_OK) return status;
    if (current.generation == db->manifest.generation) {
        manifest_deinit(&current);
        return PDB_OK;
    }
    struct db_snapshot snapshot;
    status = db_snapshot_create(db, &current, &snapshot, error);
    if (status != PDB_OK) {
        manifest_deinit(&current);
        return status;
    }
    manifest_deinit(&db->manifest);
    db->manifest = current;
    db_snapshot_install(db, &snapshot);
    return PDB_OK;
}

static void remove_new_files(struct ingest_transaction *transaction)
{
    /* Everything of the new generation is unreferenced: garbage collection removes it. */
    db_collect_garbage(transaction->db);
}

static bool has_suffix(const char *text, const char *suffix)
{
    size_t size = strlen(text), suffix_size = strlen(suffix);
    return size >= suffix_size && strcasecmp(text + size - suffix_size, suffix) == 0;
}

enum loader_format db_input_format(const char *path, enum pdb_input_format format)
{
    if (format == PDB_INPUT_NDJSON) return LOADER_FORMAT_NDJSON;
    if (format == PDB_INPUT_CSV) return LOADER_FORMAT_CSV;
    return has_suffix(path, ".ndjson") || has_suffix(path, ".jsonl") ? LOADER_FORMAT_NDJSON
                                                                     : LOADER_FORMAT_CSV;
}

static enum pdb_status ingest(struct pdb_db *db, const char *csv_path, enum loader_format format,
                              const struct pdb_ingest_options *options,
                              struct pdb_ingest_result *result, struct pdb_error *error);

enum pdb_status pdb_db_ingest_csv(struct pdb_db *db, const char *csv_path,
                                  const struct pdb_ingest_options *options,
                                  struct pdb_ingest_result *result, struct pdb_error *error)
{
    return ingest(db, csv_path, LOADER_FORMAT_CSV, options, result, error);
}

enum pdb_status pdb_db_ingest_file(struct pdb_db *db, const char *path,
                                   const struct pdb_ingest_options *options,
                                   struct pdb_ingest_result *result, struct pdb_error *error)
{
    if (path == NULL) return error_set(error, PDB_ERR_USAGE, "database and input path are required");
    if (options != NULL && (unsigned)options->format > PDB_INPUT_NDJSON)
        return error_set(error, PDB_ERR_USAGE, "unknown input format %d", (int)options->format);
    return ingest(db, path, db_input_format(path, options ? options->format : PDB_INPUT_AUTO), options,
                  result, error);
}

static enum pdb_status ingest(struct pdb_db *db, const char *csv_path, enum loader_format format,
                              const struct pdb_ingest_options *options,
                              struct pdb_ingest_result *result, struct pdb_error *error)
{
    if (db == NULL || csv_path == NULL) return error_set(error, PDB_ERR_USAGE, "database and input path are required");
    double started_s = monotonic_s();
    int lock_fd = -1;
    struct csv_reader *reader = NULL;
    char rejects_path[PDB_PATH_SIZE_MAX] = "";
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    if ((status = db_refresh(db, error)) != PDB_OK) goto done;
    if ((status = db_stream_fold(db, error)) != PDB_OK) goto done;
    db_collect_garbage(db);
    if (options != NULL && options->rejects_path != NULL) {
        snprintf(rejects_path, sizeof rejects_path, "%s", options->rejects_path);
    } else {
        char directory[PDB_PATH_SIZE_MAX];
        if ((status = path_join(directory, db->path, DB_REJECTS_DIRECTORY, error)) != PDB_OK) goto done;
        if (mkdir(directory, 0755) != 0 && errno != EEXIST) {
            status = error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create", directory);
            goto done;
        }
        status = default_rejects_path(db, csv_path, db->manifest.generation + 1, rejects_path, error);
        if (status != PDB_OK) goto done;
    }
    if ((status = csv_reader_open(csv_path, &reader, error)) != PDB_OK) goto done;
    if (format == LOADER_FORMAT_NDJSON) csv_reader_set_lines_mode(reader);
    status = db_ingest_locked(db, reader, format, rejects_path, options, NULL, result, error);
    if (status == PDB_OK && result != NULL) result->elapsed_s = monotonic_s() - started_s;
done:
    csv_reader_close(reader);
    if (lock_fd >= 0) close(lock_fd);
    return status;
}

enum pdb_status db_ingest_locked(struct pdb_db *db, struct csv_reader *reader,
                                 enum loader_format format, const char *rejects_path,
                                 const struct pdb_ingest_options *options,
                                 const struct db_ingest_extension *extension,
                                 struct pdb_ingest_result *result, struct pdb_error *error)
{
    double started_s = monotonic_s();
    struct ingest_transaction transaction = {.db = db};
    struct loader_counts counts = {0};
    bool is_published = false;
    enum pdb_status status = PDB_OK;
    transaction.generation = db->manifest.generation + 1;
    transaction.rows_before = db->manifest.row_count;
    if (manifest_copy(&transaction.next, &db->manifest) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    transaction.next.generation = transaction.generation;
    if ((status = start_columns(&transaction, error)) != PDB_OK) goto done;
    if ((status = db_upsert_begin(db, &transaction.upsert, error)) != PDB_OK) goto done;

    struct loader_options loader_options = {
        .format = format,
        .rejects_path = rejects_path,
        .progress = options ? options->progress : NULL,
        .progress_context = options ? options->progress_context : NULL,
        .ignore_unknown_columns = options ? options->ignore_unknown_columns : false,
        .is_required_exempt = extension ? extension->is_required_exempt : false,
        .chunk_write = on_chunk_write,
        .chunk_commit = on_chunk_commit,
        .chunk_context = &transaction,
        .pool = db_thread_pool(db),
        .upsert = transaction.upsert.is_active ? &transaction.upsert.log : NULL,
    };
    status = loader_load_csv(reader, &db->schema, transaction.columns, &loader_options, &counts, error);
    if (status != PDB_OK) goto done;

    if (counts.rows_loaded > 0 || counts.rows_updated > 0 || extension != NULL) {
        status = db_upsert_rewrite(&transaction.upsert, transaction.generation,
                                   transaction.first_chunk_index, transaction.next_chunk_index,
                                   transaction.columns, &transaction.next, error);
        if (status != PDB_OK) goto done;
        if (extension != NULL &&
            (status = extension->prepare(extension->context, &counts, transaction.rows_before,
                                         &transaction.next, error)) != PDB_OK)
            goto done;
        if ((status = finish_files(&transaction, error)) != PDB_OK) goto done;
        /* An extension's input is the caller's: its prepare counts those bytes. */
        if (extension == NULL) transaction.next.bytes_ingested += counts.bytes_read;
        /* Everything the handle needs after the commit is allocated before it. */
        struct db_snapshot snapshot;
        if ((status = db_snapshot_create(db, &transaction.next, &snapshot, error)) != PDB_OK) goto done;
        status = manifest_store(db->path, &transaction.next, &is_published, error);
        if (status != PDB_OK && !is_published) {
            db_snapshot_deinit(&snapshot);
            goto done;
        }
        /* Committed (readers see the new manifest). The handle moves to the new generation;
         * nothing below can fail. */
        manifest_deinit(&db->manifest);
        db->manifest = transaction.next;
        memset(&transaction.next, 0, sizeof transaction.next);
        db_snapshot_install(db, &snapshot);
        /* Updated rows invalidate the identifier indexes (they are rebuilt on demand). */
        if (counts.rows_updated > 0) db_identifier_indexes_destroy(db);
        if (extension != NULL) extension->committed(extension->context);
        if (status != PDB_OK) {
            /* Only the directory fsync after the rename failed: the new manifest is live but
             * may not survive a crash, in which case the old one comes back. Keep the files
             * of both generations and write nothing more through this handle. */
            status = db_fail_after_commit(db, "ingest", status, error);
            goto done;
        }
        db_collect_garbage(db);
    }

done:
    if (status != PDB_OK && !is_published) remove_new_files(&transaction);
    if (status == PDB_OK && result != NULL) {
        memset(result, 0, sizeof *result);
        result->rows_read = counts.rows_read;
        result->rows_loaded = counts.rows_loaded + counts.rows_updated;
        result->rows_inserted = counts.rows_loaded;
        result->rows_updated = counts.rows_updated;
        result->rows_rejected = counts.rows_rejected;
        result->bytes_read = counts.bytes_read;
        result->first_row_id = transaction.rows_before;
        result->elapsed_s = monotonic_s() - started_s;
        if (counts.rows_rejected > 0 && rejects_path != NULL)
            snprintf(result->rejects_path, sizeof result->rejects_path, "%s", rejects_path);
        snprintf(result->input_method, sizeof result->input_method, "%s", csv_reader_input_method(reader));
        const char *warning = csv_reader_input_warning(reader);
        if (warning != NULL) snprintf(result->input_warning, sizeof result->input_warning, "%s", warning);
        db_ingest_result_set_rule_tallies(result, &db->schema, &counts);
    }
    loader_counts_deinit(&counts);
    if (status != PDB_OK && counts.rows_rejected > 0 && rejects_path != NULL) {
        error_prefix(error, "(%llu rows were rejected before the failure; see %s) ",
                     (unsigned long long)counts.rows_rejected, rejects_path);
    }
    if (transaction.columns != NULL) {
        for (uint32_t a = 0; a < db->schema.attribute_count; a++) column_destroy(transaction.columns[a]);
        mem_free(transaction.columns);
    }
    mem_free(transaction.dictionary_entries_before);
    db_upsert_end(&transaction.upsert);
    manifest_deinit(&transaction.next);
    return status;
}
