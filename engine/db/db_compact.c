/*
 * pdb_db_compact: retention by compaction (issue #6, point 4: "older events are removed from
 * storage (not only hidden) by compaction, and aggregates never see them").
 *
 * Under DB/LOCK, for each event type with a retention, the events at or after now -
 * retention are kept (event_type_store_slice) and db_event_files_commit_type writes the
 * partitions that changed (the month holding the cut) and drops the months left empty;
 * then one manifest commit names the result, exactly like an event ingest (db_events.c):
 * new files fsynced, the directory fsynced, the manifest replaced atomically (the commit
 * point), the dropped files collected afterwards. A failure before the commit leaves every
 * file the old manifest names untouched; the in-memory store changes only after it.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "events/event_partition.h"
#include "events/event_store.h"
#include "storage/file_io.h"

static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* The first second a type's retention keeps at now_s (INT64_MIN: keeps everything). */
static int64_t retention_cut_s(const struct event_type *type, int64_t now_s)
{
    int64_t cut_s;
    if (type->retention_s <= 0 || __builtin_sub_overflow(now_s, type->retention_s, &cut_s)) return INT64_MIN;
    return cut_s;
}

static bool has_events_before(const struct event_type_store *type, int64_t cut_s)
{
    for (uint32_t c = 0; c < type->chunk_count; c++)
        if (type->chunks[c].event_count > 0 && type->chunks[c].time_min < cut_s) return true;
    return false;
}

enum pdb_status pdb_db_compact(struct pdb_db *db, struct pdb_compact_result *result,
                               struct pdb_error *error)
{
    if (db == NULL) return error_set(error, PDB_ERR_USAGE, "a database is required");
    double started_s = monotonic_s();
    struct pdb_compact_result done = {0};
    uint32_t type_count = db->schema.events.type_count;
    struct event_type_store *kept = NULL;
    bool *is_kept = NULL;
    struct manifest next = {0};
    bool has_next = false, is_published = false;
    int lock_fd = -1;
    const struct event_store *current;
    enum pdb_status status = db_lock_writer(db, &lock_fd, error);
    if (status != PDB_OK) return status;
    if ((status = db_refresh(db, error)) != PDB_OK) goto done;
    if ((status = db_stream_fold(db, error)) != PDB_OK) goto done;
    db_collect_garbage(db);
    if (type_count == 0) goto done;
    if ((status = db_events(db, &current, error)) != PDB_OK) goto done;
    kept = mem_calloc(type_count, sizeof *kept);
    is_kept = mem_calloc(type_count, sizeof *is_kept);
    if (kept == NULL || is_kept == NULL || manifest_copy(&next, &db->manifest) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        goto done;
    }
    has_next = true;
    next.generation = db->manifest.generation + 1;
    int64_t now_s = db_now(db);
    for (uint32_t t = 0; t < type_count; t++) {
        int64_t cut_s = retention_cut_s(&db->schema.events.types[t], now_s);
        const struct event_type_store *before = &current->types[t];
        if (cut_s == INT64_MIN || !has_events_before(before, cut_s)) continue;
        if ((status = event_type_store_slice(before, cut_s, INT64_MAX, false, &kept[t], error)) != PDB_OK)
            goto done;
        is_kept[t] = true;
        struct db_event_commit_counts counts;
        uint64_t removed = before->event_count - kept[t].event_count;
        status = db_event_files_commit_type(db, t, before, &kept[t], now_s, next.generation, &next,
                                            &counts, error);
        if (status != PDB_OK) goto done;
        done.events_removed += removed;
        done.types_compacted++;
        done.partitions_rewritten += counts.partitions_written;
        done.partitions_dropped += counts.partitions_dropped;
    }
    if (done.types_compacted == 0) goto done; /* nothing expired: nothing to commit */
    if ((status = file_sync_directory(db->path, error)) != PDB_OK) goto done;
    status = manifest_store(db->path, &next, &is_published, error);
    if (status != PDB_OK && !is_published) goto done;
    /* Committed: the handle's store takes the kept events (nothing below allocates). */
    for (uint32_t t = 0; t < type_count; t++) {
        if (!is_kept[t]) continue;
        event_type_store_deinit(&db->events->types[t]);
        db->events->types[t] = kept[t];
        is_kept[t] = false;
    }
    manifest_deinit(&db->manifest);
    db->manifest = next;
    has_next = false;
    if (status != PDB_OK) {
        status = db_fail_after_commit(db, "compaction", status, error);
        goto done;
    }
    db_collect_garbage(db);

done:
    if (status != PDB_OK && !is_published) db_collect_garbage(db);
    if (status == PDB_OK && result != NULL) {
        done.elapsed_s = monotonic_s() - started_s;
        *result = done;
    }
    for (uint32_t t = 0; kept != NULL && is_kept != NULL && t < type_count; t++)
        if (is_kept[t]) event_type_store_deinit(&kept[t]);
    mem_free(kept);
    mem_free(is_kept);
    if (has_next) manifest_deinit(&next);
    if (lock_fd >= 0) close(lock_fd);
    return status;
}
