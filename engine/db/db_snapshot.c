/*
 * The handle's snapshot of one generation: the lazily loaded table, the chunk directory
 * cache, reading blocks and dictionaries, and removing files no manifest needs.
 *
 * Loading a column reads its dictionary, then decodes the column's block of every chunk
 * file over the handle's thread pool, one task per chunk, into chunk slots allocated up
 * front. A task touches only its own slot and its own chunk's entry of the directory cache
 * (filled on first use), so neither needs a lock; failures are kept per worker and the one
 * of the lowest chunk is reported, as a sequential load would.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/status.h"
#include "column/encoding.h"
#include "db/db_internal.h"
#include "index/index_table.h"
#include "index/tombstones.h"
#include "storage/dictionary_file.h"
#include "storage/file_io.h"

static enum pdb_status load_column(struct table *table, uint32_t attribute_index,
                                   struct pdb_error *error);

/* Reads the manifest's tombstone file (if it names one) onto the snapshot's table, checked
 * against the manifest's size, checksum and row count. */
static enum pdb_status read_tombstones(struct pdb_db *db, const struct manifest *manifest,
                                       struct table *table, struct pdb_error *error)
{
    const struct manifest_file *file = &manifest->deleted;
    if (file->name[0] == '\0') return PDB_OK;
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db->path, file->name, error);
    if (status != PDB_OK) return status;
    uint8_t *bytes;
    size_t size;
    status = file_read_all(path, PDB_TOMBSTONE_FILE_SIZE_MAX, &bytes, &size, error);
    if (status == PDB_ERR_NOT_FOUND)
        return error_set(error, PDB_ERR_CORRUPT, "%s: named by the manifest but missing", path);
    if (status != PDB_OK) return status;
    if (size != file->size_bytes || checksum_bytes(bytes, size) != file->checksum) {
        mem_free(bytes);
        return error_set(error, PDB_ERR_CORRUPT, "%s: does not match the manifest (size or "
                         "checksum differ)", path);
    }
    struct index_bitmap *deleted = NULL;
    status = tombstones_deserialize(bytes, size, manifest->row_count, &deleted, error);
    mem_free(bytes);
    if (status != PDB_OK) {
        error_prefix(error, "%s: ", path);
        return status;
    }
    if (index_bitmap_cardinality(deleted) != manifest->deleted_count) {
        uint64_t stored = index_bitmap_cardinality(deleted);
        index_bitmap_destroy(deleted);
        return error_set(error, PDB_ERR_CORRUPT, "%s: holds %llu deleted rows, the manifest %llu",
                         path, (unsigned long long)stored,
                         (unsigned long long)manifest->deleted_count);
    }
    index_table_set_deleted(table, deleted);
    return PDB_OK;
}

void db_snapshot_deinit(struct db_snapshot *snapshot)
{
    table_deinit(&snapshot->table);
    if (snapshot->directories != NULL) {
        for (uint32_t i = 0; i < snapshot->directory_count; i++)
            chunk_directory_deinit(&snapshot->directories[i]);
        mem_free(snapshot->directories);
    }
    snapshot->directories = NULL;
    snapshot->directory_count = 0;
}

enum pdb_status db_snapshot_create(struct pdb_db *db, const struct manifest *manifest,
                                   struct db_snapshot *snapshot, struct pdb_error *error)
{
    memset(snapshot, 0, sizeof *snapshot);
    if (table_init(&snapshot->table, &db->schema) != 0) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    snapshot->table.row_count = manifest->row_count;
    snapshot->table.chunk_count = manifest->chunk_count;
    snapshot->table.load = load_column;
    snapshot->table.loader_context = db;
    snapshot->directories = mem_calloc(manifest->chunk_count ? manifest->chunk_count : 1,
                                       sizeof *snapshot->directories);
    if (snapshot->directories == NULL) {
        db_snapshot_deinit(snapshot);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    snapshot->directory_count = manifest->chunk_count;
    enum pdb_status status = read_tombstones(db, manifest, &snapshot->table, error);
    if (status != PDB_OK) {
        db_snapshot_deinit(snapshot);
        return status;
    }
    return PDB_OK;
}

void db_snapshot_install(struct pdb_db *db, struct db_snapshot *snapshot)
{
    db_release_snapshot(db);
    db->table = snapshot->table;
    db->directories = snapshot->directories;
    db->directory_count = snapshot->directory_count;
    memset(snapshot, 0, sizeof *snapshot);
    db_stream_forget(db);
}

void db_release_snapshot(struct pdb_db *db)
{
    db_events_release(db);
    struct db_snapshot current = {db->table, db->directories, db->directory_count};
    db_snapshot_deinit(&current);
    memset(&db->table, 0, sizeof db->table);
    db->directories = NULL;
    db->directory_count = 0;
}

enum pdb_status db_reset_snapshot(struct pdb_db *db, struct pdb_error *error)
{
    struct db_snapshot snapshot;
    enum pdb_status status = db_snapshot_create(db, &db->manifest, &snapshot, error);
    if (status != PDB_OK) return status;
    db_snapshot_install(db, &snapshot);
    return PDB_OK;
}

enum pdb_status db_chunk_directory(struct pdb_db *db, uint32_t chunk_index,
                                   const struct chunk_directory **directory_out,
                                   struct pdb_error *error)
{
    struct chunk_directory *directory = &db->directories[chunk_index];
    if (directory->blocks == NULL) {
        const struct manifest_file *file = &db->manifest.chunks[chunk_index];
        char path[PDB_PATH_SIZE_MAX];
        enum pdb_status status = path_join(path, db->path, file->name, error);
        if (status != PDB_OK) return status;
        struct chunk_directory read;
        status = chunk_file_read_directory(path, &read, error);
        if (status == PDB_ERR_NOT_FOUND) {
            return error_set(error, PDB_ERR_CORRUPT, "%s: named by the manifest but missing", path);
        }
        if (status != PDB_OK) return status;
        uint32_t expected_rows = table_chunk_row_count(&db->table, chunk_index);
        if (read.directory_checksum != file->checksum || read.file_size != file->size_bytes ||
            read.chunk_index != chunk_index || read.row_count != expected_rows ||
            read.column_count != db->schema.attribute_count) {
            chunk_directory_deinit(&read);
            return error_set(error, PDB_ERR_CORRUPT, "%s: does not match the manifest (size, "
                             "checksum, chunk index, rows or columns differ)", path);
        }
        *directory = read;
    }
    *directory_out = directory;
    return PDB_OK;
}

/* Reads and decodes column `attribute_index` of chunk `chunk_index` into `chunk`, freshly
 * initialised for the column's type. Touches only `chunk` and the chunk's directory entry,
 * so calls for distinct chunks may run at the same time. */
static enum pdb_status decode_chunk_block(struct pdb_db *db, uint32_t chunk_index,
                                          uint32_t attribute_index, const struct column *column,
                                          struct column_chunk *chunk, struct pdb_error *error)
{
    const struct chunk_directory *directory;
    enum pdb_status status = db_chunk_directory(db, chunk_index, &directory, error);
    if (status != PDB_OK) return status;
    char path[PDB_PATH_SIZE_MAX];
    if ((status = path_join(path, db->path, db->manifest.chunks[chunk_index].name, error)) != PDB_OK)
        return status;
    uint8_t *block;
    status = chunk_file_read_block(path, directory, attribute_index, &block, error);
    if (status != PDB_OK) return status;
    status = block_decode(block, directory->blocks[attribute_index].size, column->attribute.type,
                          column->dictionary.entry_count, chunk, error);
    mem_free(block);
    if (status != PDB_OK) {
        error_prefix(error, "%s: column '%s': ", path, column->attribute.name);
        return status;
    }
    return PDB_OK;
}

enum pdb_status db_read_chunk_block(struct pdb_db *db, uint32_t chunk_index,
                                    uint32_t attribute_index, struct column *column,
                                    struct pdb_error *error)
{
    struct column_chunk *chunk = column_add_chunk(column);
    if (chunk == NULL) {
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory loading chunk %u of column '%s'",
                         chunk_index, column->attribute.name);
    }
    return decode_chunk_block(db, chunk_index, attribute_index, column, chunk, error);
}

enum pdb_status db_read_dictionary(struct pdb_db *db, uint32_t attribute_index,
                                   struct column *column, struct pdb_error *error)
{
    const struct manifest_file *file = &db->manifest.dictionaries[attribute_index];
    if (file->name[0] == '\0') return PDB_OK;
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db->path, file->name, error);
    if (status != PDB_OK) return status;
    status = dictionary_file_read(path, file->checksum, &column->dictionary, error);
    if (status == PDB_ERR_NOT_FOUND)
        return error_set(error, PDB_ERR_CORRUPT, "%s: named by the manifest but missing", path);
    return status;
}

/* ---- Loading a column over the thread pool -------------------------------------------- */

/* The first failure one worker met (workers claim chunks in ascending order). */
struct load_failure {
    uint32_t chunk_index; /* UINT32_MAX: none */
    struct pdb_error error;
};

struct load_run {
    struct pdb_db *db;
    uint32_t attribute_index;
    struct column *column;         /* chunks[] sized up front, one slot per chunk */
    _Atomic uint32_t failed_chunk; /* lowest failed chunk so far, UINT32_MAX: none */
    struct load_failure *failures; /* one per worker */
};

static void load_chunk(void *context, uint32_t chunk_index, uint32_t worker_index)
{
    struct load_run *run = context;
    /* A lower chunk failed: its error is the one reported, this chunk is not needed. */
    if (chunk_index > atomic_load_explicit(&run->failed_chunk, memory_order_relaxed)) return;
    struct column_chunk *chunk = &run->column->chunks[chunk_index];
    struct pdb_error error;
    enum pdb_status status;
    if (column_chunk_init(chunk, run->column->attribute.type) != 0) {
        status = error_set(&error, PDB_ERR_NO_MEMORY,
                           "out of memory loading chunk %u of column '%s'", chunk_index,
                           run->column->attribute.name);
    } else {
        status = decode_chunk_block(run->db, chunk_index, run->attribute_index, run->column,
                                    chunk, &error);
    }
    if (status == PDB_OK) return;
    column_chunk_deinit(chunk); /* back to zeroes: column_destroy frees the rest */
    struct load_failure *failure = &run->failures[worker_index];
    if (chunk_index < failure->chunk_index) {
        failure->chunk_index = chunk_index;
        failure->error = error;
    }
    uint32_t lowest = atomic_load_explicit(&run->failed_chunk, memory_order_relaxed);
    while (chunk_index < lowest &&
           !atomic_compare_exchange_weak_explicit(&run->failed_chunk, &lowest, chunk_index,
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

/* The table's loader: the dictionary first (decoding needs its size), then every chunk's
 * block over the handle's pool, each into its own pre-allocated slot. On failure the error of
 * the lowest failing chunk is reported, whatever the thread count (the one a sequential load
 * meets first), after every started chunk has finished; nothing is kept. */
static enum pdb_status load_column(struct table *table, uint32_t attribute_index,
                                   struct pdb_error *error)
{
    struct pdb_db *db = table->loader_context;
    uint32_t chunk_count = db->manifest.chunk_count;
    struct thread_pool *pool = chunk_count > 1 ? db_thread_pool(db) : NULL;
    uint32_t workers = pool != NULL ? thread_pool_thread_count(pool) : 1u;
    struct load_failure *failures = NULL;
    struct column *column = column_create(&db->schema.attributes[attribute_index]);
    if (column == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    enum pdb_status status = db_read_dictionary(db, attribute_index, column, error);
    if (status != PDB_OK) goto fail;
    column->chunks = mem_calloc(chunk_count, sizeof *column->chunks);
    failures = mem_alloc(workers * sizeof *failures);
    if (column->chunks == NULL || failures == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory loading column '%s'",
                           column->attribute.name);
        goto fail;
    }
    column->chunk_capacity = chunk_count;
    column->chunk_count = chunk_count; /* zeroed slots: column_destroy accepts them */
    for (uint32_t i = 0; i < workers; i++) failures[i].chunk_index = UINT32_MAX;
    struct load_run run = {.db = db, .attribute_index = attribute_index, .column = column,
                           .failures = failures};
    atomic_init(&run.failed_chunk, UINT32_MAX);
    if (pool != NULL) {
        thread_pool_run(pool, chunk_count, load_chunk, &run);
    } else {
        for (uint32_t chunk = 0; chunk < chunk_count; chunk++) load_chunk(&run, chunk, 0);
    }
    const struct load_failure *first = NULL;
    for (uint32_t i = 0; i < workers; i++) {
        if (failures[i].chunk_index != UINT32_MAX &&
            (first == NULL || failures[i].chunk_index < first->chunk_index))
            first = &failures[i];
    }
    if (first != NULL) {
        status = error_set(error, first->error.status, "%s", first->error.message);
        goto fail;
    }
    mem_free(failures);
    table->columns[attribute_index] = column;
    return PDB_OK;
fail:
    mem_free(failures);
    column_destroy(column);
    return status;
}

/* ---- Garbage collection -------------------------------------------------------------- */

static bool named_by_manifest(const struct manifest *manifest, const char *name)
{
    for (uint32_t i = 0; i < manifest->chunk_count; i++)
        if (strcmp(manifest->chunks[i].name, name) == 0) return true;
    for (uint32_t i = 0; i < manifest->attribute_count; i++)
        if (strcmp(manifest->dictionaries[i].name, name) == 0) return true;
    for (uint32_t i = 0; i < manifest->event_file_count; i++)
        if (strcmp(manifest->event_files[i].file.name, name) == 0) return true;
    return strcmp(manifest->deleted.name, name) == 0;
}

/* Generation in "chunk-XXXXXXXX-gN.pdc" / "dict-XXXX-gN.pdd" / "deleted-gN.pdt" /
 * "events-XX-gN.pde", or 0 if not such a name. */
static uint64_t data_file_generation(const char *name)
{
    bool is_chunk = strncmp(name, "chunk-", 6) == 0;
    bool is_dictionary = strncmp(name, "dict-", 5) == 0;
    bool is_deleted = strncmp(name, "deleted-", 8) == 0;
    bool is_events = strncmp(name, "events-", 7) == 0;
    if (!is_chunk && !is_dictionary && !is_deleted && !is_events) return 0;
    const char *marker = strstr(name, "-g");
    if (marker == NULL) return 0;
    uint64_t generation = 0;
    const char *cursor = marker + 2;
    while (*cursor >= '0' && *cursor <= '9') generation = generation * 10 + (uint64_t)(*cursor++ - '0');
    const char *suffix = is_chunk ? ".pdc" : is_deleted ? ".pdt" : is_events ? ".pde" : ".pdd";
    const char *temporary = is_chunk     ? ".pdc.tmp"
                            : is_deleted ? ".pdt.tmp"
                            : is_events  ? ".pde.tmp"
                                         : ".pdd.tmp";
    if (strcmp(cursor, suffix) != 0 && strcmp(cursor, temporary) != 0) return 0;
    return generation;
}

void db_collect_garbage(struct pdb_db *db)
{
    /* Older generations may still be read by other handles: delete them only while no
     * other handle holds READERS (our own shared lock is converted and converted back). */
    bool exclusive = db->readers_fd >= 0 && flock(db->readers_fd, LOCK_EX | LOCK_NB) == 0;
    DIR *directory = opendir(db->path);
    if (directory != NULL) {
        struct dirent *entry;
        while ((entry = readdir(directory)) != NULL) {
            uint64_t generation = data_file_generation(entry->d_name);
            if (generation == 0 || named_by_manifest(&db->manifest, entry->d_name)) continue;
            if (generation > db->manifest.generation || exclusive) {
                char path[PDB_PATH_SIZE_MAX];
                if (path_join(path, db->path, entry->d_name, NULL) == PDB_OK) unlink(path);
            }
        }
        closedir(directory);
    }
    /* A failed conversion may have dropped the shared lock (flock(2)): always retake it. */
    if (db->readers_fd >= 0) flock(db->readers_fd, LOCK_SH);
}
