/*
 * Event ingest through the database (pdb_db_ingest_events); loading and writing the event
 * files is db_event_files.c's part.
 *
 * One event ingest is one transaction, like a profile ingest (db_ingest.c): under DB/LOCK the
 * type's stored events and the input's accepted events are merged, the type's retention is
 * applied (compaction, db_event_files.c), and only the partitions (calendar months) whose
 * events changed are written as new files events-<type>-m<month>-g<new generation>.pde
 * (fsynced), the directory is fsynced, then the manifest naming them replaces the old one
 * atomically: that rename is the commit point. Any failure before it leaves the database
 * exactly as it was (the new files are unreferenced and collected).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "events/event_file.h"
#include "index/identifier_index.h"
#include "index/index_bitmap.h"
#include "ingest/event_load.h"
#include "ingest/value_parse.h"
#include "storage/file_io.h"


static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- Ingest ---------------------------------------------------------------------------- */

struct key_finder {
    struct pdb_db *db;
    const struct attribute *attribute;
    const struct identifier_index *index;
    const struct column *column;
};

static uint32_t find_key(void *context, const char *key, size_t size, const char **reason_out)
{
    struct key_finder *finder = context;
    if (finder->index == NULL) {
        *reason_out = "no profile has this key (the database is empty)";
        return UINT32_MAX;
    }
    unsigned char int_key[IDENTIFIER_KEY_INT_SIZE];
    const void *bytes = key;
    size_t bytes_size = size;
    char *normalised = NULL;
    if (finder->attribute->type == PDB_TYPE_INT) {
        int64_t value;
        if (value_parse_int(key, size, &value) != NULL) {
            *reason_out = "the key is not an integer";
            return UINT32_MAX;
        }
        bytes = identifier_key_int(value, int_key);
        bytes_size = IDENTIFIER_KEY_INT_SIZE;
    } else if (finder->attribute->rules != NULL) {
        /* The key as the attribute's rules stored it (trim, lower, ...). */
        char *copy = mem_alloc(size + 1);
        if (copy == NULL) {
            *reason_out = "out of memory normalising the key";
            return UINT32_MAX;
        }
        memcpy(copy, key, size);
        copy[size] = '\0';
        struct pdb_error ignored;
        enum pdb_status status = db_rules_normalise_key(finder->attribute, copy, &normalised, &ignored);
        mem_free(copy);
        if (status != PDB_OK) {
            *reason_out = "the key breaks the primary attribute's rules";
            return UINT32_MAX;
        }
        if (normalised != NULL) {
            bytes = normalised;
            bytes_size = strlen(normalised);
        }
    }
    uint32_t row = identifier_index_find(finder->index, finder->column, bytes, bytes_size);
    mem_free(normalised);
    if (row == IDENTIFIER_INDEX_NO_ROW) {
        *reason_out = "no profile has this key";
        return UINT32_MAX;
    }
    if (index_bitmap_contains(finder->db->table.deleted, row)) {
        *reason_out = "the profile with this key was deleted";
        return UINT32_MAX;
    }
    return row;
}

static enum pdb_status write_rejects(const char *path, const struct loader_reject_list *rejects,
                                     struct pdb_error *error)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create reject file", path);
    fputs("file,line,column,attribute,reason,record\n", file);
    size_t written = fwrite(rejects->text.data, 1, rejects->text.size, file);
    int closed = fclose(file);
    if (written != rejects->text.size || closed != 0)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: write failed", path);
    return PDB_OK;
}

static enum pdb_status rejects_path_for(const struct pdb_db *db, const char *input,
                                        const char *type_name, uint64_t generation,
                                        const struct pdb_ingest_options *options, char *out,
                                        struct pdb_error *error)
{
    if (options != NULL && options->rejects_path != NULL) {
        snprintf(out, PDB_PATH_SIZE_MAX, "%s", options->rejects_path);
        return PDB_OK;
    }
    char directory[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(directory, db->path, DB_REJECTS_DIRECTORY, error);
    if (status != PDB_OK) return status;
    if (mkdir(directory, 0755) != 0 && errno != EEXIST)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create", directory);
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    if (strcmp(input, "-") == 0) base = "stdin";
    int used = snprintf(out, PDB_PATH_SIZE_MAX, "%s/%.100s.%s.g%llu.rejects.csv", directory, base,
                        type_name, (unsigned long long)generation);
    if (used < 0 || used >= (int)PDB_PATH_SIZE_MAX)
        return error_set(error, PDB_ERR_LIMIT, "%s: reject file path is too long", db->path);
    return PDB_OK;
}

enum pdb_status pdb_db_ingest_events(struct pdb_db *db, const char *event_type, const char *path,
                                     const struct pdb_ingest_options *options,
                                     struct pdb_ingest_result *result, struct pdb_error *error)
{
    if (db == NULL || event_type == NULL || path == NULL)
        return error_set(error, PDB_ERR_USAGE, "database, event type and input path are required");
    if (options != NULL && options->format == PDB_INPUT_NDJSON)
        return error_set(error, PDB_ERR_USAGE, "events are read from CSV only (NDJSON is not "
                         "supported yet)");
    int32_t type_index = event_catalog_find(&db->schema.events, event_type, strlen(event_type));
    if (type_index < 0) {
        const char *suggestion = event_catalog_suggest(&db->schema.events, event_type, strlen(event_type));
        return error_set(error, PDB_ERR_NOT_FOUND, "unknown event type '%s'%s%s%s", event_type,
                         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
                         suggestion ? "'?)" : "");
    }
    int32_t primary = schema_primary(&db->schema);
    if (primary < 0)
        return error_set(error, PDB_ERR_USAGE, "events are keyed by the primary identifier, and "
                         "the schema declares none");
    double started_s = monotonic_s();
    int lock_fd = -1;
    struct csv_reader *reader = NULL;
    struct event_store_builder *builder = NULL;
    struct event_store *merged = NULL;
    struct loader_reject_list rejects = {0};
    buffer_init(&rejects.text);
    struct event_load_counts counts = {0};
    struct manifest next = {0};
    bool has_next = false, is_published = false;
    char rejects_path[PDB_PATH_SIZE_MAX] = "";
    const struct event_store *current;
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    if ((status = db_refresh(db, error)) != PDB_OK) goto done;
    if ((status = db_stream_fold(db, error)) != PDB_OK) goto done;
    db_collect_garbage(db);
    if ((status = db_events(db, &current, error)) != PDB_OK) goto done;

    struct key_finder finder = {db, &db->schema.attributes[primary], NULL, NULL};
    if (db->table.row_count > 0 &&
        (status = db_identifier_index(db, (uint32_t)primary, &finder.index, &finder.column, error)) != PDB_OK)
        goto done;
    builder = event_store_builder_create(&db->schema.events);
    if (builder == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    status = event_store_builder_append_type(builder, (uint32_t)type_index,
                                             &current->types[type_index], error);
    if (status != PDB_OK) goto done;
    if ((status = csv_reader_open(path, &reader, error)) != PDB_OK) goto done;
    struct event_load load = {
        .type = &db->schema.events.types[type_index],
        .type_index = (uint32_t)type_index,
        .key_name = db->schema.attributes[primary].name,
        .find = find_key,
        .find_context = &finder,
        .ignore_unknown_columns = options ? options->ignore_unknown_columns : false,
    };
    if ((status = event_load_csv(reader, &load, builder, &rejects, &counts, error)) != PDB_OK) goto done;
    uint64_t generation = db->manifest.generation + 1;
    if (counts.events_rejected > 0) {
        status = rejects_path_for(db, path, load.type->name, generation, options, rejects_path, error);
        if (status == PDB_OK) status = write_rejects(rejects_path, &rejects, error);
        if (status != PDB_OK) goto done;
    }
    if (counts.events_loaded == 0) goto done; /* nothing to commit */

    status = event_store_builder_finish(builder, &merged, error);
    builder = NULL;
    if (status != PDB_OK) goto done;
    if (manifest_copy(&next, &db->manifest) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    has_next = true;
    next.generation = generation;
    next.bytes_ingested += counts.bytes_read;
    /* The partitions the new events fall in, and what retention expires (compaction). */
    status = db_event_files_commit_type(db, (uint32_t)type_index, &current->types[type_index],
                                        &merged->types[type_index], db_now(db), generation, &next,
                                        NULL, error);
    if (status != PDB_OK) goto done;
    if ((status = file_sync_directory(db->path, error)) != PDB_OK) goto done;
    status = manifest_store(db->path, &next, &is_published, error);
    if (status != PDB_OK && !is_published) goto done;
    /* Committed. The chunk files are unchanged, so the table snapshot stays; the store moves
     * the other types over from the current one (nothing below allocates). */
    for (uint32_t t = 0; t < merged->type_count; t++) {
        if (t == (uint32_t)type_index) continue;
        event_type_store_deinit(&merged->types[t]);
        merged->types[t] = db->events->types[t];
        memset(&db->events->types[t], 0, sizeof db->events->types[t]);
    }
    db_events_release(db);
    db->events = merged;
    merged = NULL;
    manifest_deinit(&db->manifest);
    db->manifest = next;
    has_next = false;
    if (status != PDB_OK) {
        status = db_fail_after_commit(db, "event ingest", status, error);
        goto done;
    }
    db_collect_garbage(db);

done:
    if (status != PDB_OK && !is_published) db_collect_garbage(db);
    if (status == PDB_OK && result != NULL) {
        memset(result, 0, sizeof *result);
        result->rows_read = counts.records_read;
        result->rows_loaded = counts.events_loaded;
        result->rows_inserted = counts.events_loaded;
        result->rows_rejected = counts.events_rejected;
        result->bytes_read = counts.bytes_read;
        result->elapsed_s = monotonic_s() - started_s;
        if (counts.events_rejected > 0)
            snprintf(result->rejects_path, sizeof result->rejects_path, "%s", rejects_path);
        snprintf(result->input_method, sizeof result->input_method, "%s",
                 reader ? csv_reader_input_method(reader) : "read");
    }
    csv_reader_close(reader);
    event_store_builder_destroy(builder);
    event_store_destroy(merged);
    loader_reject_list_deinit(&rejects);
    if (has_next) manifest_deinit(&next);
    if (lock_fd >= 0) close(lock_fd);
    return status;
}
