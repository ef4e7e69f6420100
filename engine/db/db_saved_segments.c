/*
 * Saved segments: pdb_segment_save/list/drop and the library through which every compile on
 * the handle resolves segment('name') (query/segment.h).
 *
 * The set lives in DB/SEGMENTS (storage/segment_file.h). A change takes the writer LOCK (as an
 * ingest does), re-reads the file (another process may have changed it), applies itself to
 * that fresh copy, checks it, and replaces the file atomically; the handle then adopts the
 * copy. Readers re-read the file when its identity (device, inode, size, mtime) differs from
 * what they read last: one stat per compile, nothing more when it is unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "catalog/schema.h"
#include "db/db_internal.h"
#include "query/segment.h"
#include "storage/file_io.h"

/* ---- The library ------------------------------------------------------------------------ */

static const char *library_lookup(void *context, const char *name, size_t size,
                                  size_t *text_size_out)
{
    const struct saved_segments *set = context;
    int32_t index = saved_segments_find(set, name, size);
    if (index < 0) return NULL;
    *text_size_out = strlen(set->entries[index].text);
    return set->entries[index].text;
}

static const char *saved_name_at(const void *context, uint32_t index)
{
    return ((const struct saved_segments *)context)->entries[index].name;
}

static const char *library_suggest(void *context, const char *name, size_t size)
{
    const struct saved_segments *set = context;
    return catalog_closest(name, size, saved_name_at, set, set->count);
}

static enum pdb_status compile_with(struct pdb_db *db, const struct saved_segments *set,
                                    const char *text, struct segment **segment_out,
                                    struct pdb_error *error)
{
    struct segment_library library = {library_lookup, library_suggest, (void *)set};
    return segment_compile_library(text, strlen(text), &db->schema, &library, db_now(db),
                                   segment_out, error);
}

enum pdb_status db_segment_compile(struct pdb_db *db, const char *text,
                                   struct segment **segment_out, struct pdb_error *error)
{
    enum pdb_status status = db_saved_segments_refresh(db, error);
    if (status != PDB_OK) return status;
    struct segment *segment;
    if ((status = compile_with(db, &db->saved, text, &segment, error)) != PDB_OK) return status;
    if (segment_has_events(segment)) { /* the event files are read only when needed */
        const struct event_store *events;
        if ((status = db_events(db, &events, error)) != PDB_OK) {
            segment_destroy(segment);
            return status;
        }
        segment_set_events(segment, events);
    }
    *segment_out = segment;
    return PDB_OK;
}

/* ---- The file's identity ---------------------------------------------------------------- */

static enum pdb_status file_path(const struct pdb_db *db, char *path, struct pdb_error *error)
{
    return path_join(path, db->path, SEGMENT_FILE_NAME, error);
}

static enum pdb_status stamp_of(const char *path, struct saved_segments_stamp *stamp,
                                struct pdb_error *error)
{
    struct stat info;
    memset(stamp, 0, sizeof *stamp);
    stamp->is_loaded = true;
    if (stat(path, &info) != 0) {
        if (errno == ENOENT) return PDB_OK;
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot stat", path);
    }
    stamp->exists = true;
    stamp->device = (uint64_t)info.st_dev;
    stamp->inode = (uint64_t)info.st_ino;
    stamp->size_bytes = (uint64_t)info.st_size;
    stamp->modified_ns = (int64_t)info.st_mtim.tv_sec * 1000000000 + info.st_mtim.tv_nsec;
    return PDB_OK;
}

static bool stamps_equal(const struct saved_segments_stamp *a, const struct saved_segments_stamp *b)
{
    return a->is_loaded == b->is_loaded && a->exists == b->exists && a->device == b->device &&
           a->inode == b->inode && a->size_bytes == b->size_bytes && a->modified_ns == b->modified_ns;
}

static void adopt(struct pdb_db *db, struct saved_segments *set, const struct saved_segments_stamp *stamp)
{
    saved_segments_deinit(&db->saved);
    db->saved = *set;
    db->saved_stamp = *stamp;
    *set = (struct saved_segments){0, NULL};
}

enum pdb_status db_saved_segments_refresh(struct pdb_db *db, struct pdb_error *error)
{
    char path[PDB_PATH_SIZE_MAX];
    struct saved_segments_stamp stamp;
    enum pdb_status status = file_path(db, path, error);
    if (status == PDB_OK) status = stamp_of(path, &stamp, error);
    if (status != PDB_OK) return status;
    if (stamps_equal(&stamp, &db->saved_stamp)) return PDB_OK;
    struct saved_segments set;
    if ((status = segment_file_read(path, &set, error)) != PDB_OK) return status;
    adopt(db, &set, &stamp);
    return PDB_OK;
}

/* ---- Changes ---------------------------------------------------------------------------- */

/* Under the writer lock (which a handle marked by db_fail_after_commit cannot take): the
 * current file's set in *fresh (owned by the caller). */
static enum pdb_status begin_change(struct pdb_db *db, int *lock_fd_out, char *path,
                                    struct saved_segments *fresh, struct pdb_error *error)
{
    enum pdb_status status = file_path(db, path, error);
    if (status == PDB_OK) status = db_lock_writer(db, lock_fd_out, error);
    if (status != PDB_OK) return status;
    status = segment_file_read(path, fresh, error);
    if (status != PDB_OK) {
        close(*lock_fd_out);
        *lock_fd_out = -1;
    }
    return status;
}

/* Writes *fresh, adopts it, releases the lock; on failure the handle keeps its old set. A
 * failure after the rename (the directory fsync) leaves the new file visible but perhaps not
 * durable: db_fail_after_commit marks the handle, as after such a failure of an ingest; its
 * next compile reads whatever the file holds. */
static enum pdb_status commit_change(struct pdb_db *db, int lock_fd, const char *path,
                                     struct saved_segments *fresh, struct pdb_error *error)
{
    bool is_renamed = false;
    enum pdb_status status = segment_file_write(path, fresh, &is_renamed, error);
    if (status != PDB_OK && is_renamed)
        status = db_fail_after_commit(db, "saved-segment change", status, error);
    struct saved_segments_stamp stamp;
    if (status == PDB_OK) status = stamp_of(path, &stamp, error);
    if (status == PDB_OK) adopt(db, fresh, &stamp);
    saved_segments_deinit(fresh);
    close(lock_fd);
    return status;
}

static enum pdb_status check_name(const char *name, struct pdb_error *error)
{
    if (name == NULL) return error_set(error, PDB_ERR_USAGE, "a saved segment name is required");
    const char *problem = segment_name_check(name, strlen(name));
    if (problem != NULL) return error_set(error, PDB_ERR_USAGE, "saved segment '%.80s': %s", name, problem);
    return PDB_OK;
}

enum pdb_status pdb_segment_save(struct pdb_db *db, const char *name, const char *text,
                                 struct pdb_error *error)
{
    if (db == NULL || text == NULL) return error_set(error, PDB_ERR_USAGE, "database and segment are required");
    enum pdb_status status = check_name(name, error);
    if (status != PDB_OK) return status;
    size_t size = strlen(text);
    if (size > PDB_SEGMENT_TEXT_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "segment:1:1: segment is %zu bytes (limit %u)",
                         size, PDB_SEGMENT_TEXT_SIZE_MAX);
    }
    char path[PDB_PATH_SIZE_MAX];
    int lock_fd = -1;
    struct saved_segments fresh;
    if ((status = begin_change(db, &lock_fd, path, &fresh, error)) != PDB_OK) return status;
    status = saved_segments_put(&fresh, name, text, error);
    /* Compiling `name` through the new set checks the text, the names it uses and cycles. */
    struct segment *segment = NULL;
    char reference[PDB_SAVED_SEGMENT_NAME_SIZE_MAX + 16];
    snprintf(reference, sizeof reference, "segment('%s')", name);
    if (status == PDB_OK) status = compile_with(db, &fresh, reference, &segment, error);
    segment_destroy(segment);
    if (status != PDB_OK) {
        saved_segments_deinit(&fresh);
        close(lock_fd);
        return status;
    }
    return commit_change(db, lock_fd, path, &fresh, error);
}

enum pdb_status pdb_segment_drop(struct pdb_db *db, const char *name, struct pdb_error *error)
{
    if (db == NULL) return error_set(error, PDB_ERR_USAGE, "a database is required");
    enum pdb_status status = check_name(name, error);
    if (status != PDB_OK) return status;
    char path[PDB_PATH_SIZE_MAX];
    int lock_fd = -1;
    struct saved_segments fresh;
    if ((status = begin_change(db, &lock_fd, path, &fresh, error)) != PDB_OK) return status;
    int32_t index = saved_segments_find(&fresh, name, strlen(name));
    if (index < 0) {
        const char *suggestion = library_suggest(&fresh, name, strlen(name));
        status = error_set(error, PDB_ERR_NOT_FOUND, "no saved segment '%s'%s%s%s", name,
                           suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
                           suggestion ? "'?)" : "");
        saved_segments_deinit(&fresh);
        close(lock_fd);
        return status;
    }
    saved_segments_remove(&fresh, (uint32_t)index);
    return commit_change(db, lock_fd, path, &fresh, error);
}

enum pdb_status pdb_segment_list(struct pdb_db *db, pdb_saved_segment_fn on_segment, void *context,
                                 struct pdb_error *error)
{
    if (db == NULL || on_segment == NULL)
        return error_set(error, PDB_ERR_USAGE, "database and callback are required");
    enum pdb_status status = db_saved_segments_refresh(db, error);
    if (status != PDB_OK) return status;
    for (uint32_t i = 0; i < db->saved.count; i++) {
        if (!on_segment(context, db->saved.entries[i].name, db->saved.entries[i].text)) break;
    }
    return PDB_OK;
}
