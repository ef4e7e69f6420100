/*
 * Creating, opening and closing databases; schema and attribute accessors; the handle's
 * settings (now(), thread count) and its lazily created thread pool.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "base/timestamp.h"
#include "db/db_internal.h"
#include "query/segment.h"
#include "storage/file_io.h"

static enum pdb_status ensure_empty_directory(const char *path, struct pdb_error *error)
{
    if (mkdir(path, 0755) == 0) return PDB_OK;
    if (errno != EEXIST) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create directory", path);
    DIR *directory = opendir(path);
    if (directory == NULL) {
        return error_set_errno(error, errno == ENOTDIR ? PDB_ERR_EXISTS : PDB_ERR_IO, errno,
                               "%s: exists and cannot be used as a database directory", path);
    }
    struct dirent *entry;
    bool empty = true;
    while ((entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) empty = false;
    }
    closedir(directory);
    if (!empty) return error_set(error, PDB_ERR_EXISTS, "%s: already exists and is not empty", path);
    return PDB_OK;
}

static enum pdb_status create_empty_file(const char *directory, const char *name, struct pdb_error *error)
{
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, directory, name, error);
    if (status != PDB_OK) return status;
    return file_write_durable(path, "", 0, error);
}

enum pdb_status pdb_db_create(const char *path, const char *schema_path, struct pdb_error *error)
{
    if (path == NULL || schema_path == NULL || strlen(path) + 64 >= PDB_PATH_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "a database path and a schema path are required");
    struct schema schema;
    enum pdb_status status = schema_load_file(schema_path, &schema, error);
    if (status != PDB_OK) return status;
    if ((status = segment_computed_check(&schema, schema_path, error)) != PDB_OK) {
        schema_deinit(&schema);
        return status;
    }
    struct buffer text;
    buffer_init(&text);
    struct manifest manifest = {0};
    if (schema_render(&schema, &text) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    if ((status = ensure_empty_directory(path, error)) != PDB_OK) goto done;
    char schema_file[PDB_PATH_SIZE_MAX];
    if ((status = path_join(schema_file, path, DB_SCHEMA_FILE, error)) != PDB_OK ||
        (status = file_write_durable(schema_file, text.data, text.size, error)) != PDB_OK ||
        (status = create_empty_file(path, DB_LOCK_FILE, error)) != PDB_OK ||
        (status = create_empty_file(path, DB_READERS_FILE, error)) != PDB_OK)
        goto done;
    if (manifest_init(&manifest, schema.attribute_count, checksum_bytes(text.data, text.size)) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    status = manifest_store(path, &manifest, NULL, error);
done:
    manifest_deinit(&manifest);
    buffer_deinit(&text);
    schema_deinit(&schema);
    return status;
}

/* PROFILEDB_THREADS when it holds a number (0 = processors), else the processors. */
static uint32_t default_thread_count(void)
{
    const char *text = getenv("PROFILEDB_THREADS");
    if (text != NULL && text[0] >= '0' && text[0] <= '9') {
        char *end;
        unsigned long long value = strtoull(text, &end, 10);
        if (*end == '\0' && value > 0)
            return value > PDB_THREADS_MAX ? PDB_THREADS_MAX : (uint32_t)value;
    }
    return thread_pool_cpu_count();
}

enum pdb_status pdb_db_open(const char *path, struct pdb_db **db_out, struct pdb_error *error)
{
    if (path == NULL || strlen(path) + 64 >= PDB_PATH_SIZE_MAX)
        return error_set(error, PDB_ERR_USAGE, "a database path is required");
    struct pdb_db *db = mem_calloc(1, sizeof *db);
    if (db == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    db->readers_fd = -1;
    db->thread_count = default_thread_count();
    memcpy(db->path, path, strlen(path) + 1);
    uint8_t *schema_text = NULL;
    size_t schema_size = 0;
    char file[PDB_PATH_SIZE_MAX];
    struct stat info;
    enum pdb_status status;
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode)) {
        status = error_set(error, PDB_ERR_NOT_FOUND, "%s: no such database directory (create one "
                           "with 'profiledb init')", path);
        goto fail;
    }
    if ((status = path_join(file, path, DB_SCHEMA_FILE, error)) != PDB_OK) goto fail;
    status = file_read_all(file, PDB_SCHEMA_FILE_SIZE_MAX, &schema_text, &schema_size, error);
    if (status == PDB_ERR_NOT_FOUND) {
        status = error_set(error, PDB_ERR_NOT_FOUND, "%s: not a profiledb database (no schema file)", path);
    }
    if (status != PDB_OK) goto fail;
    if ((status = schema_parse((const char *)schema_text, schema_size, file, &db->schema, error)) != PDB_OK ||
        (status = segment_computed_check(&db->schema, file, error)) != PDB_OK)
        goto fail;
    if ((status = manifest_load(path, &db->manifest, error)) != PDB_OK) goto fail;
    if (db->manifest.schema_checksum != checksum_bytes(schema_text, schema_size) ||
        db->manifest.attribute_count != db->schema.attribute_count) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: the schema file does not match the "
                           "manifest (checksum or attribute count differs)", file);
        goto fail;
    }
    if ((status = path_join(file, path, DB_READERS_FILE, error)) != PDB_OK) goto fail;
    db->readers_fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (db->readers_fd < 0 || flock(db->readers_fd, LOCK_SH) != 0) {
        status = error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot lock", file);
        goto fail;
    }
    if ((status = db_reset_snapshot(db, error)) != PDB_OK) goto fail;
    if ((status = db_stream_replay(db, error)) != PDB_OK) goto fail;
    mem_free(schema_text);
    *db_out = db;
    return PDB_OK;
fail:
    mem_free(schema_text);
    pdb_db_close(db);
    return status;
}

void pdb_db_close(struct pdb_db *db)
{
    if (db == NULL) return;
    db_stream_close(db);
    thread_pool_destroy(db->pool);
    db_identifier_indexes_destroy(db);
    segment_computed_values_destroy(db->computed);
    saved_segments_deinit(&db->saved);
    db_release_snapshot(db);
    manifest_deinit(&db->manifest);
    schema_deinit(&db->schema);
    if (db->readers_fd >= 0) close(db->readers_fd);
    mem_free(db);
}

uint64_t pdb_db_row_count(const struct pdb_db *db)
{
    return db->table.row_count;
}

uint32_t pdb_db_attribute_count(const struct pdb_db *db)
{
    return db->schema.attribute_count + db->schema.computed.count;
}

enum pdb_status pdb_db_attribute(const struct pdb_db *db, uint32_t attribute_index,
                                 struct pdb_attribute_info *info)
{
    if (attribute_index >= db->schema.attribute_count) {
        uint32_t computed_index = attribute_index - db->schema.attribute_count;
        if (computed_index >= db->schema.computed.count) return PDB_ERR_NOT_FOUND;
        const struct computed_attribute *computed = &db->schema.computed.attributes[computed_index];
        info->name = computed->name;
        info->type = computed->type;
        info->flags = PDB_FLAG_COMPUTED;
        return PDB_OK;
    }
    const struct attribute *attribute = &db->schema.attributes[attribute_index];
    info->name = attribute->name;
    info->type = attribute->type;
    info->flags = attribute->flags;
    return PDB_OK;
}

const char *pdb_db_attribute_definition(const struct pdb_db *db, uint32_t attribute_index)
{
    if (attribute_index < db->schema.attribute_count) return NULL;
    uint32_t computed_index = attribute_index - db->schema.attribute_count;
    if (computed_index >= db->schema.computed.count) return NULL;
    return db->schema.computed.attributes[computed_index].definition;
}

const char *pdb_db_attribute_rules(const struct pdb_db *db, uint32_t attribute_index)
{
    if (attribute_index >= db->schema.attribute_count)
        return attribute_index < pdb_db_attribute_count(db) ? "" : NULL;
    const struct attribute_rules *rules = db->schema.attributes[attribute_index].rules;
    return rules != NULL ? rules->canonical : "";
}

size_t pdb_db_schema_text(const struct pdb_db *db, char *buffer, size_t buffer_size)
{
    struct buffer text;
    buffer_init(&text);
    if (schema_render(&db->schema, &text) != 0) {
        buffer_deinit(&text);
        if (buffer_size) buffer[0] = '\0';
        return 0;
    }
    size_t size = text.size;
    if (buffer_size > 0) {
        size_t copied = size < buffer_size - 1 ? size : buffer_size - 1;
        memcpy(buffer, text.data, copied);
        buffer[copied] = '\0';
    }
    buffer_deinit(&text);
    return size;
}

void pdb_db_set_now(struct pdb_db *db, int64_t now_s)
{
    db->now_s = now_s;
}

int64_t db_now(const struct pdb_db *db)
{
    return db->now_s != 0 ? db->now_s : timestamp_now();
}

void pdb_db_set_threads(struct pdb_db *db, uint32_t thread_count)
{
    if (thread_count == 0) thread_count = thread_pool_cpu_count();
    if (thread_count > PDB_THREADS_MAX) thread_count = PDB_THREADS_MAX;
    if (thread_count == db->thread_count) return;
    thread_pool_destroy(db->pool);
    db->pool = NULL;
    db->thread_count = thread_count;
}

uint32_t pdb_db_thread_count(const struct pdb_db *db)
{
    return db->thread_count;
}

struct thread_pool *db_thread_pool(struct pdb_db *db)
{
    if (db->thread_count <= 1) return NULL;
    if (db->pool == NULL) db->pool = thread_pool_create(db->thread_count);
    return db->pool;
}
