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
  * exactly as it was (the new files are unreferenced and collected). When keys no live
  * profile has create profiles (db_event_profiles.c), those are appended by a profile load
  * inside the same transaction, whose manifest also names the event files.
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
#include "ingest/event_load.h"
#include "storage/file_io.h"


static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- Ingest ---------------------------------------------------------------------------- */

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

/* The event files' part of a transaction that also creates profiles (db_ingest_locked). */
struct events_commit {
    struct pdb_db *db;
    uint32_t type_index;
    const struct event_type_store *before; /* the type's stored events */
    struct event_store *merged;
    uint64_t bytes_read;
    bool is_installed;
};

static enum pdb_status events_prepare(void *context, const struct loader_counts *counts,
                                      uint64_t first_row_id, struct manifest *next,
                                      struct pdb_error *error)
{
    (void)counts;
    (void)first_row_id;
    struct events_commit *commit = context;
    next->bytes_ingested += commit->bytes_read;
    return db_event_files_commit_type(commit->db, commit->type_index, commit->before,
                                      &commit->merged->types[commit->type_index],
                                      db_now(commit->db), next->generation, next, NULL, error);
}

static void events_committed(void *context)
{
    struct events_commit *commit = context;
    db_events_release(commit->db);
    commit->db->events = commit->merged;
    commit->is_installed = true;
}

/* Moves every type but `type_index` from the handle's store into `merged` (which holds the
 * ingested type's new events): nothing allocates, so it cannot fail after a commit. */
static void take_other_types(struct pdb_db *db, struct event_store *merged, uint32_t type_index)
{
    for (uint32_t t = 0; t < merged->type_count; t++) {
        if (t == type_index) continue;
        event_type_store_deinit(&merged->types[t]);
        merged->types[t] = db->events->types[t];
        memset(&db->events->types[t], 0, sizeof db->events->types[t]);
    }
}

enum pdb_status pdb_db_ingest_events(struct pdb_db *db, const char *event_type, const char *path,
                                     const struct pdb_ingest_options *options,
                                     struct pdb_ingest_result *result, struct pdb_error *error)
{
    if (db == NULL || event_type == NULL || path == NULL)
        return error_set(error, PDB_ERR_USAGE, "database, event type and input path are required");
    if (options != NULL && (unsigned)options->format > PDB_INPUT_NDJSON)
        return error_set(error, PDB_ERR_USAGE, "unknown input format %d", (int)options->format);
    enum loader_format format = db_input_format(path, options ? options->format : PDB_INPUT_AUTO);
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
    struct db_event_profiles *profiles = NULL;
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

    if ((status = db_event_profiles_begin(db, &profiles, error)) != PDB_OK) goto done;
    builder = event_store_builder_create(&db->schema.events);
    if (builder == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    status = event_store_builder_append_type(builder, (uint32_t)type_index,
                                             &current->types[type_index], error);
    if (status != PDB_OK) goto done;
    if ((status = csv_reader_open(path, &reader, error)) != PDB_OK) goto done;
    if (format == LOADER_FORMAT_NDJSON) csv_reader_set_lines_mode(reader);
    struct event_load load = {
        .type = &db->schema.events.types[type_index],
        .type_index = (uint32_t)type_index,
        .key_name = db->schema.attributes[primary].name,
        .key_type = db->schema.attributes[primary].type,
        .find = db_event_profiles_find,
        .create = db_event_profiles_add,
        .find_context = profiles,
        .ignore_unknown_columns = options ? options->ignore_unknown_columns : false,
    };
    status = format == LOADER_FORMAT_NDJSON
                 ? event_load_ndjson(reader, &load, builder, &rejects, &counts, error)
                 : event_load_csv(reader, &load, builder, &rejects, &counts, error);
    if (status != PDB_OK) goto done;
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
    if (db_event_profiles_count(profiles) > 0) {
        /* The other types move to the store the handle gets after the commit now (nothing
         * allocates); if the commit fails, the handle's store is dropped (reloaded on use). */
        take_other_types(db, merged, (uint32_t)type_index);
        struct events_commit commit = {db, (uint32_t)type_index, &current->types[type_index], merged,
                                       counts.bytes_read, false};
        struct db_ingest_extension extension = {
            .prepare = events_prepare, .committed = events_committed, .context = &commit};
        status = db_event_profiles_commit(profiles, &extension, error);
        if (commit.is_installed) {
            merged = NULL;
            is_published = true;
        } else {
            db_events_release(db);
        }
        goto done;
    }
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
    take_other_types(db, merged, (uint32_t)type_index);
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
        result->profiles_created = db_event_profiles_count(profiles);
        result->first_row_id = db_event_profiles_first_row_id(profiles);
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
    db_event_profiles_end(profiles);
    loader_reject_list_deinit(&rejects);
    if (has_next) manifest_deinit(&next);
    if (lock_fd >= 0) close(lock_fd);
    return status;
}
