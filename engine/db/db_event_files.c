/*
 * Event files through the database: the handle's event store loaded from the files the
 * manifest names, and the writing of an event type's changed partitions for a commit (an
 * event ingest, db_events.c, or a compaction, db_compact.c).
 *
 * Files. One version-2 event file (events/event_file.h) per (event type, calendar month
 * with events) (events/event_partition.h), named events-<type>-m<month>-g<generation>.pde
 * and listed by `event_partition` lines of the manifest; a database written before
 * partitions holds one version-1 file per type (an `events` line), read as it is and
 * rewritten as partitions by the type's next commit.
 *
 * Loading is lazy (the first compiled segment with an event aggregate) and follows the
 * handle's generation: moving to another generation (db_release_snapshot) drops the store.
 * A type's partitions are decoded one by one and concatenated (each row's runs in month
 * order) into the one CSR per profile chunk the executor reads. A type without event files
 * has no events (so manifests written before events existed open unchanged).
 *
 * Writing: a partition is rewritten only when its events changed (new events fall in it,
 * or retention removed some of them); one whose every event expired is dropped from the
 * manifest (its file is collected after the commit). Nothing here is visible before the
 * caller's manifest commit.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "events/event_file.h"
#include "events/event_partition.h"
#include "storage/file_io.h"

#define EVENT_FILE_SIZE_MAX ((size_t)1 << 40)
#define DB_EVENT_PARTITIONS_MAX 4096u /* months per event type (over 300 years) */

/* ---- Loading ---------------------------------------------------------------------------- */

static enum pdb_status empty_store(const struct pdb_db *db, struct event_store **store_out,
                                   struct pdb_error *error)
{
    struct event_store_builder *builder = event_store_builder_create(&db->schema.events);
    if (builder == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    return event_store_builder_finish(builder, store_out, error);
}

/* Reads and decodes one event file of type `type_index` into *type_out; a version-2 file
 * must hold the span of its partition. */
static enum pdb_status read_file(const struct pdb_db *db, const struct manifest_event_file *entry,
                                 struct event_type_store *type_out, struct pdb_error *error)
{
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db->path, entry->file.name, error);
    if (status != PDB_OK) return status;
    uint8_t *data;
    size_t size;
    if ((status = file_read_all(path, EVENT_FILE_SIZE_MAX, &data, &size, error)) != PDB_OK) return status;
    /* Decoded first: its per-section checksums say where a damaged byte is. */
    int64_t first_s, last_s;
    status = event_file_decode(path, data, size, &db->schema.events.types[entry->type_index], type_out,
                               &first_s, &last_s, error);
    if (status == PDB_OK && (size != entry->file.size_bytes || checksum_bytes(data, size) != entry->file.checksum)) {
        event_type_store_deinit(type_out);
        status = error_set(error, PDB_ERR_CORRUPT, "%s: size or checksum differs from the manifest's", path);
    } else if (status == PDB_OK && entry->partition_key != MANIFEST_EVENT_WHOLE) {
        int64_t want_first, want_last;
        event_partition_span(entry->partition_key, &want_first, &want_last);
        if (first_s != want_first || last_s != want_last) {
            event_type_store_deinit(type_out);
            status = error_set(error, PDB_ERR_CORRUPT, "%s: the file's span is not partition %lld's",
                               path, (long long)entry->partition_key);
        }
    }
    mem_free(data);
    return status;
}

/* The type of entries[0..count) (all of one type, ascending) into *type_out. */
static enum pdb_status load_type(const struct pdb_db *db, const struct manifest_event_file *entries,
                                 uint32_t count, struct event_type_store *type_out,
                                 struct pdb_error *error)
{
    struct event_type_store *parts = mem_calloc(count, sizeof *parts);
    if (parts == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory loading events");
    enum pdb_status status = PDB_OK;
    uint32_t loaded = 0;
    for (; loaded < count && status == PDB_OK; loaded++)
        status = read_file(db, &entries[loaded], &parts[loaded], error);
    if (status == PDB_OK)
        status = event_type_store_concat(parts, count, db->schema.events.types[entries[0].type_index].name,
                                         type_out, error);
    else
        for (uint32_t k = 0; k < loaded; k++) event_type_store_deinit(&parts[k]);
    mem_free(parts);
    return status;
}

static enum pdb_status load_store(const struct pdb_db *db, const struct manifest *manifest,
                                  struct event_store **store_out, struct pdb_error *error)
{
    struct event_store *store;
    enum pdb_status status = empty_store(db, &store, error);
    if (status != PDB_OK) return status;
    for (uint32_t i = 0; i < manifest->event_file_count;) {
        uint32_t t = manifest->event_files[i].type_index, end = i;
        while (end < manifest->event_file_count && manifest->event_files[end].type_index == t) end++;
        if (t >= store->type_count) {
            event_store_destroy(store);
            return error_set(error, PDB_ERR_CORRUPT, "%s/MANIFEST: events of type %u, but the "
                             "schema declares %u event types", db->path, t, store->type_count);
        }
        struct event_type_store loaded;
        if ((status = load_type(db, &manifest->event_files[i], end - i, &loaded, error)) != PDB_OK) {
            event_store_destroy(store);
            return status;
        }
        event_type_store_deinit(&store->types[t]);
        store->types[t] = loaded;
        i = end;
    }
    *store_out = store;
    return PDB_OK;
}

enum pdb_status db_events(struct pdb_db *db, const struct event_store **store_out,
                          struct pdb_error *error)
{
    if (db->events == NULL) {
        if (db->schema.events.type_count == 0) {
            *store_out = NULL;
            return PDB_OK;
        }
        enum pdb_status status = load_store(db, &db->manifest, &db->events, error);
        if (status != PDB_OK) return status;
    }
    *store_out = db->events;
    return PDB_OK;
}

void db_events_release(struct pdb_db *db)
{
    event_store_destroy(db->events);
    db->events = NULL;
}

/* ---- Writing ---------------------------------------------------------------------------- */

/* Encodes partition `key` of `type` as its file for `generation`, fsynced; fills *entry. */
static enum pdb_status write_partition(const struct pdb_db *db, uint32_t type_index, int64_t key,
                                       uint64_t generation, const struct event_type_store *type,
                                       struct manifest_file *entry, struct pdb_error *error)
{
    int64_t first_s, last_s;
    event_partition_span(key, &first_s, &last_s);
    struct event_type_store slice;
    enum pdb_status status = event_type_store_slice(type, first_s, last_s, true, &slice, error);
    if (status != PDB_OK) return status;
    struct buffer encoded;
    buffer_init(&encoded);
    int failed = event_file_encode(&slice, first_s, last_s, &encoded);
    event_type_store_deinit(&slice);
    if (failed) {
        buffer_deinit(&encoded);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory encoding events");
    }
    char name[MANIFEST_NAME_SIZE], path[PDB_PATH_SIZE_MAX];
    snprintf(name, sizeof name, "events-%02u-m%lld-g%llu.pde", type_index, (long long)key,
             (unsigned long long)generation);
    status = path_join(path, db->path, name, error);
    if (status == PDB_OK) status = file_write_durable(path, encoded.data, encoded.size, error);
    if (status == PDB_OK) {
        snprintf(entry->name, sizeof entry->name, "%s", name);
        entry->size_bytes = encoded.size;
        entry->checksum = checksum_bytes(encoded.data, encoded.size);
    }
    buffer_deinit(&encoded);
    return status;
}

static bool expires_any(const struct event_type_store *type, int64_t cut_s)
{
    for (uint32_t c = 0; c < type->chunk_count; c++)
        if (type->chunks[c].event_count > 0 && type->chunks[c].time_min < cut_s) return true;
    return false;
}

enum pdb_status db_event_files_commit_type(struct pdb_db *db, uint32_t type_index,
                                           const struct event_type_store *before,
                                           struct event_type_store *merged, int64_t now_s,
                                           uint64_t generation, struct manifest *next,
                                           struct db_event_commit_counts *counts,
                                           struct pdb_error *error)
{
    const struct event_type *declared = &db->schema.events.types[type_index];
    int64_t cut_s = INT64_MIN; /* events before it are expired */
    if (declared->retention_s > 0 && __builtin_sub_overflow(now_s, declared->retention_s, &cut_s))
        cut_s = INT64_MIN;
    struct event_type_store kept = {0};
    bool has_kept = false;
    struct event_partition_count *before_counts = NULL, *merged_counts = NULL, *kept_counts = NULL;
    uint32_t before_count = 0, merged_count = 0, kept_count = 0;
    struct db_event_commit_counts done = {0};
    enum pdb_status status = PDB_OK;
    if (event_partition_counts(before, &before_counts, &before_count) != 0 ||
        event_partition_counts(merged, &merged_counts, &merged_count) != 0)
        goto no_memory;
    const struct event_type_store *after = merged;
    if (cut_s > INT64_MIN && expires_any(merged, cut_s)) {
        if ((status = event_type_store_slice(merged, cut_s, INT64_MAX, false, &kept, error)) != PDB_OK) goto fail;
        has_kept = true;
        after = &kept;
        if (event_partition_counts(after, &kept_counts, &kept_count) != 0) goto no_memory;
        done.events_removed = merged->event_count - kept.event_count;
    }
    const struct event_partition_count *final_counts = has_kept ? kept_counts : merged_counts;
    uint32_t final_count = has_kept ? kept_count : merged_count;
    if (final_count > DB_EVENT_PARTITIONS_MAX) {
        status = error_set(error, PDB_ERR_LIMIT, "event type '%s': events in %u calendar months, "
                           "more than the %u a type may hold", declared->name, final_count,
                           DB_EVENT_PARTITIONS_MAX);
        goto fail;
    }
    bool was_whole = false;
    for (uint32_t i = 0; i < next->event_file_count; i++)
        was_whole |= next->event_files[i].type_index == type_index &&
                     next->event_files[i].partition_key == MANIFEST_EVENT_WHOLE;
    if (was_whole) manifest_event_file_remove(next, type_index, MANIFEST_EVENT_WHOLE);
    /* Partitions that no longer have events. */
    for (uint32_t i = 0; i < next->event_file_count;) {
        const struct manifest_event_file *entry = &next->event_files[i];
        if (entry->type_index == type_index &&
            event_partition_count_of(final_counts, final_count, entry->partition_key) == 0) {
            manifest_event_file_remove(next, type_index, entry->partition_key);
            done.partitions_dropped++;
            continue;
        }
        i++;
    }
    if (was_whole) done.partitions_dropped = 1; /* the version-1 file */
    for (uint32_t k = 0; k < final_count; k++) {
        int64_t key = final_counts[k].key;
        uint64_t in_before = event_partition_count_of(before_counts, before_count, key);
        uint64_t in_merged = event_partition_count_of(merged_counts, merged_count, key);
        if (!was_whole && in_before == in_merged && final_counts[k].event_count == in_merged) continue;
        struct manifest_file file;
        if ((status = write_partition(db, type_index, key, generation, after, &file, error)) != PDB_OK) goto fail;
        if (manifest_event_file_set(next, type_index, key, &file) != 0) goto no_memory;
        done.partitions_written++;
    }
    if (has_kept) {
        event_type_store_deinit(merged);
        *merged = kept;
    }
    mem_free(before_counts);
    mem_free(merged_counts);
    mem_free(kept_counts);
    if (counts != NULL) *counts = done;
    return PDB_OK;
no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing event partitions");
fail:
    if (has_kept) event_type_store_deinit(&kept);
    mem_free(before_counts);
    mem_free(merged_counts);
    mem_free(kept_counts);
    return status;
}
