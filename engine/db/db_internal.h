/*
 * The database handle behind the public API, shared by the files of engine/db.
 *
 * A database directory holds:
 *   schema        the canonical schema text (its checksum is in the manifest)
 *   MANIFEST      the live generation: rows, chunk files, dictionary files
 *   chunk-*.pdc   immutable chunk files (storage/chunk_file.h)
 *   dict-*.pdd    dictionary files of category and tags columns
 *   events-TT-gN.pde  the events of event type TT (events/event_file.h), if it has any
 *   deleted-gN.pdt  the tombstones (deleted profiles) of generation N, if any were deleted
 *   LOCK          flock()ed exclusively by the one writer (ingest)
 *   READERS       flock()ed shared by every open handle; a writer deletes superseded files
 *                 only while it can take it exclusively, so no reader loses a file it needs
 *   SEGMENTS      saved segments (storage/segment_file.h), replaced atomically under LOCK
 *   rejects/      reject files of past ingests
 * A handle sees the generation it opened (or last wrote) until it writes again.
 *
 * Threads: a handle is used by one thread at a time, but it owns a pool (db_thread_pool) that
 * segment evaluation and column loading spread their chunks over; those parallel steps touch
 * only per-chunk state (a chunk slot of the column being loaded, that chunk's entry of the
 * directory cache) and per-worker state.
 */
#ifndef PDB_DB_INTERNAL_H
#define PDB_DB_INTERNAL_H

#include <stdbool.h>

#include "base/limits.h"
#include "base/thread_pool.h"
#include "catalog/schema.h"
#include "column/table.h"
#include "ingest/loader.h"
#include "ingest/upsert.h"
#include "storage/chunk_file.h"
#include "storage/manifest.h"
#include "storage/segment_file.h"

struct db_stream;
struct wal;
struct identifier_index;
struct segment;
struct segment_library;
struct computed_values;

#define DB_SCHEMA_FILE "schema"
#define DB_LOCK_FILE "LOCK"
#define DB_READERS_FILE "READERS"
#define DB_REJECTS_DIRECTORY "rejects"

struct pdb_db {
    char path[PDB_PATH_SIZE_MAX];
    struct schema schema;
    struct manifest manifest;
    struct table table;
    struct chunk_directory *directories; /* per chunk; blocks == NULL until read */
    uint32_t directory_count;            /* entries of directories (the snapshot's chunks) */
    int readers_fd;                      /* holds a shared flock for the handle's life */
    int64_t now_s;                       /* 0: wall clock */
    uint32_t thread_count;               /* threads a query or column load uses, >= 1 */
    struct thread_pool *pool;            /* thread_count threads once created; NULL until the
                                            first parallel step, and for thread_count 1 */
    struct pdb_query_timing query_timing; /* of the last segment count or ids */
    bool is_write_failed; /* an fsync failed after a commit point: no more writes (STYLE) */
    struct db_stream *stream; /* streaming upserts and WAL replay (db_stream.c); NULL: none */
    /* Per attribute (schema.attribute_count entries; NULL until the first find on an
     * identifier): its hash index (index/identifier_index.h) once built, extended to the rows
     * an ingest appended on the next find, and how many finds it has served. */
    struct db_identifier {
        struct identifier_index *index;
        uint32_t find_count;
    } *identifiers;
    /* Saved segments as last read from SEGMENTS, and that file's identity then, so a change
     * by another handle is seen by the next compile. */
    struct saved_segments saved;
    /* Every event of the manifest's event files (db_events.c); NULL until the first segment
     * with an event aggregate needs it, and again after the handle moves to another generation. */
    struct event_store *events;
    /* Computed attributes bound for GET at one now() (query/segment.h); NULL until the first
     * GET of a schema with computed attributes, rebound when now() moves. */
    struct computed_values *computed;
    struct saved_segments_stamp {
        bool is_loaded;
        bool exists;
        uint64_t device, inode, size_bytes;
        int64_t modified_ns;
    } saved_stamp;
};

/* A snapshot's in-memory state: the lazily loaded table and the chunk directory cache. */
struct db_snapshot {
    struct table table;
    struct chunk_directory *directories;
    uint32_t directory_count;
};

/* Allocates an empty snapshot for `manifest` (nothing loaded yet). */
enum pdb_status db_snapshot_create(struct pdb_db *db, const struct manifest *manifest,
                                   struct db_snapshot *snapshot, struct pdb_error *error);
void db_snapshot_deinit(struct db_snapshot *snapshot);
/* Replaces the handle's snapshot with `snapshot` (taken) without allocating: used after a
 * commit point, where failing is no longer an option. */
void db_snapshot_install(struct pdb_db *db, struct db_snapshot *snapshot);

/* (Re)builds table and directory cache for db->manifest, dropping loaded columns. */
enum pdb_status db_reset_snapshot(struct pdb_db *db, struct pdb_error *error);
void db_release_snapshot(struct pdb_db *db);

/* The chunk's directory, read and checked against the manifest on first use. */
enum pdb_status db_chunk_directory(struct pdb_db *db, uint32_t chunk_index,
                                   const struct chunk_directory **directory_out,
                                   struct pdb_error *error);

/* Decodes column `attribute_index` of chunk `chunk_index` into a fresh chunk of `column`. */
enum pdb_status db_read_chunk_block(struct pdb_db *db, uint32_t chunk_index,
                                    uint32_t attribute_index, struct column *column,
                                    struct pdb_error *error);

/* Reads the dictionary of a category/tags attribute into column->dictionary (if any). */
enum pdb_status db_read_dictionary(struct pdb_db *db, uint32_t attribute_index,
                                   struct column *column, struct pdb_error *error);

/* Deletes chunk and dictionary files that the current manifest does not name: newer
 * generations always (failed writes), older ones only if no other handle is open. */
void db_collect_garbage(struct pdb_db *db);

/* Takes DB/LOCK exclusively (PDB_ERR_LOCKED if another process holds it); *fd_out is the
 * lock's descriptor, closed by the caller to release it. Every write takes it first, so it
 * is also where a handle marked by db_fail_after_commit refuses (PDB_ERR_IO). */
enum pdb_status db_lock_writer(struct pdb_db *db, int *fd_out, struct pdb_error *error);

/* After a commit point whose last fsync failed (manifest_store said the new manifest is
 * published): marks the handle so no write goes through it again (db_lock_writer refuses),
 * and says in the error that `what` ("ingest", "delete") is visible but may not survive a
 * crash. Returns error's status. */
enum pdb_status db_fail_after_commit(struct pdb_db *db, const char *what, enum pdb_status status,
                                     struct pdb_error *error);

/* Re-reads the manifest under the writer lock; if another writer committed, the handle moves
 * to that generation. */
enum pdb_status db_refresh(struct pdb_db *db, struct pdb_error *error);

/* The value of now() for the next query. */
int64_t db_now(const struct pdb_db *db);

/* The handle's pool, created on first use with db->thread_count threads (fewer if the system
 * refuses some). NULL when thread_count is 1 or the pool cannot be created (out of memory):
 * callers then work on the calling thread alone. Borrowed until the handle is closed or its
 * thread count changes. */
struct thread_pool *db_thread_pool(struct pdb_db *db);

/* pdb_profile_find answers the first finds on an identifier attribute by a scan and builds
 * the attribute's index at this many (one-shot lookups, like the CLI's, skip the build). */
#define DB_IDENTIFIER_INDEX_AFTER_FINDS 2u

/* The index of identifier attribute `attribute_index`, built or extended to every row of the
 * handle's snapshot; *column_out is the loaded column it reads keys from. Both borrowed until
 * the handle's snapshot or indexes change. */
enum pdb_status db_identifier_index(struct pdb_db *db, uint32_t attribute_index,
                                    const struct identifier_index **index_out,
                                    const struct column **column_out, struct pdb_error *error);

/* Frees every identifier index (pdb_db_close; a writer that rewrites existing rows). */
void db_identifier_indexes_destroy(struct pdb_db *db);
/* Frees the identifier index of one attribute, if built (its rows' values changed in place). */
void db_identifier_index_forget(struct pdb_db *db, uint32_t attribute_index);

/* An ingest's upserts (db_upsert.c): active when the schema has a primary identifier. */
struct db_upsert {
    struct pdb_db *db;
    const struct identifier_index *index; /* of the primary attribute; NULL: no rows yet */
    const struct column *column;          /* the loaded primary column the index reads */
    struct upsert_log log;
    bool is_active;
};

/* The live row (not deleted) of the snapshot whose primary key is key[0..size) (text: its
 * stored bytes; int: identifier_key_int's 8 bytes), or UPSERT_NO_ROW: the lowest row the
 * primary attribute's index (NULL: no rows) gives, or when that one is deleted a later live
 * row with the key (a profile made again after a delete). */
uint32_t db_find_live_row(const struct pdb_db *db, const struct identifier_index *index,
                          const struct column *column, const void *key, size_t size);

/* Prepares `upsert` for an ingest into db's current snapshot (under the writer lock): builds
 * the primary attribute's identifier index. Inactive (and nothing allocated) without a
 * primary identifier. Release with db_upsert_end. */
enum pdb_status db_upsert_begin(struct pdb_db *db, struct db_upsert *upsert,
                                struct pdb_error *error);
void db_upsert_end(struct db_upsert *upsert);

/* After the load, before the last partial chunk and the dictionaries are written: rewrites
 * every chunk the log's updates touch. Chunks below first_chunk_index are committed files,
 * chunks from there below memory_chunk_index files this load wrote as generation
 * `generation`, chunk memory_chunk_index the partial chunk in `columns` (the load's columns,
 * whose dictionaries the updates' new values join); `next` (the manifest to publish) names
 * the rewritten files. */
enum pdb_status db_upsert_rewrite(struct db_upsert *upsert, uint64_t generation,
                                  uint32_t first_chunk_index, uint32_t memory_chunk_index,
                                  struct column *const *columns, struct manifest *next,
                                  struct pdb_error *error);

/* ---- A profile ingest inside another write (db_ingest.c) ---- */

/* The loader format of `path` as pdb_db_ingest_file picks it: `format` if given, else by the
 * name (*.ndjson, *.jsonl: NDJSON; anything else, '-' included: CSV). */
enum loader_format db_input_format(const char *path, enum pdb_input_format format);

/* What a caller adds to a profile ingest's transaction (db_events.c: its event file). */
struct db_ingest_extension {
    bool is_required_exempt; /* loader_options.is_required_exempt */
    /* After the load, before the directory fsync and the commit point: writes the caller's
     * files (fsynced) and names them in `next`, the manifest to publish (generation
     * next->generation). `counts` are the load's, `first_row_id` the id of its first
     * appended row. An error aborts the ingest (nothing is committed). */
    enum pdb_status (*prepare)(void *context, const struct loader_counts *counts,
                               uint64_t first_row_id, struct manifest *next,
                               struct pdb_error *error);
    /* Right after the commit point, the handle on the new generation (db_snapshot_install has
     * run); cannot fail. Also called when only the fsync after the rename failed. */
    void (*committed)(void *context);
    void *context;
};

/* A profile ingest of `reader` (borrowed; lines mode for NDJSON) as one transaction, under
 * the writer lock the caller holds, after db_refresh and db_stream_fold (pdb_db_ingest_file
 * is this plus those). rejects_path NULL: rejects are counted only. With an extension the
 * transaction commits even when no row is accepted. result may be NULL. */
enum pdb_status db_ingest_locked(struct pdb_db *db, struct csv_reader *reader,
                                 enum loader_format format, const char *rejects_path,
                                 const struct pdb_ingest_options *options,
                                 const struct db_ingest_extension *extension,
                                 struct pdb_ingest_result *result, struct pdb_error *error);

/* ---- Profiles created by an event ingest (db_event_profiles.c) ---- */

struct db_event_profiles; /* opaque */

/* Under the writer lock, after db_refresh and db_stream_fold: resolves event keys against
 * db's snapshot (building the primary attribute's identifier index). PDB_ERR_USAGE without a
 * primary attribute. *profiles_out is owned: db_event_profiles_end. */
enum pdb_status db_event_profiles_begin(struct pdb_db *db, struct db_event_profiles **profiles_out,
                                        struct pdb_error *error);
void db_event_profiles_end(struct db_event_profiles *profiles); /* NULL accepted */
/* An event_key_find_fn and event_key_create_fn (ingest/event_load.h) for the context. */
uint32_t db_event_profiles_find(void *context, const char *key, size_t size, const char **reason_out);
enum pdb_status db_event_profiles_add(void *context, uint32_t *row_out, struct pdb_error *error);
/* Profiles added so far, and the row of the first. */
uint64_t db_event_profiles_count(const struct db_event_profiles *profiles);
uint64_t db_event_profiles_first_row_id(const struct db_event_profiles *profiles);
/* Appends the added profiles (at least one) as one transaction with `extension`'s files
 * (db_ingest_locked); the handle moves to the new generation when it commits. */
enum pdb_status db_event_profiles_commit(struct db_event_profiles *profiles,
                                         const struct db_ingest_extension *extension,
                                         struct pdb_error *error);

/* ---- The write-ahead log (db_stream.c) ----
 * db->table may hold more than db->manifest: batches streamed by this handle, or replayed from
 * DB/wal.log when it was opened, not yet checkpointed. Row counts come from db->table. */

/* The stream state of a handle (db_stream.c; checkpoints in db_checkpoint.c). */
struct db_stream {
    struct wal *wal;          /* open while this handle streams */
    int lock_fd;              /* DB/LOCK while streaming; -1 otherwise */
    uint64_t applied_lsn;     /* last WAL record in the table (>= manifest.wal_lsn) */
    uint64_t logged_bytes;    /* appended to the log since the last checkpoint */
    bool *dirty;              /* per chunk: differs from the manifest's file */
    uint32_t dirty_capacity;
    uint32_t *dictionary_entries; /* per attribute: entries of the manifest's dictionary */
    bool has_changes;
};

/* Under the writer lock: writes what the handle holds beyond the manifest into files and a new
 * manifest, then trims the log (db_checkpoint.c). Nothing to do: PDB_OK. */
enum pdb_status db_checkpoint_locked(struct pdb_db *db, struct pdb_error *error);

/* Applies the log's records after the handle's state (at open; under the writer lock before a
 * write). Retries when another handle's checkpoint moved the log under it. */
enum pdb_status db_stream_replay(struct pdb_db *db, struct pdb_error *error);
/* Under the writer lock, before an ingest or a delete: replays, then checkpoints whatever the
 * handle holds beyond the manifest, so the write starts from files that hold everything. */
enum pdb_status db_stream_fold(struct pdb_db *db, struct pdb_error *error);
/* Notes that chunk `chunk_index` of the table differs from its file (the next checkpoint
 * writes it). */
enum pdb_status db_stream_mark_dirty(struct db_stream *stream, uint32_t chunk_index,
                                     struct pdb_error *error);
struct upsert_log;
/* Applies the updates of a streamed batch to the handle's loaded table in place, keeping value
 * indexes and identifier indexes true and marking the touched chunks dirty
 * (db_stream_update.c). A failure (out of memory, a limit) leaves the table partly changed:
 * the caller stops the handle's writes. */
enum pdb_status db_stream_update_apply(struct pdb_db *db, struct upsert_log *log,
                                       struct pdb_error *error);
/* The snapshot changed (db_snapshot_install): the in-memory stream state is gone. */
void db_stream_forget(struct pdb_db *db);
/* pdb_db_close: checkpoints a streaming handle (best effort), closes the log, releases. */
void db_stream_close(struct pdb_db *db);
/* DB/LOCK's descriptor while the handle streams, else -1. */
int db_stream_lock_fd(const struct pdb_db *db);

/* Compiles `text` against the schema, the handle's now() and its saved segments (re-read
 * first if SEGMENTS changed since). *segment_out is owned. */
enum pdb_status db_segment_compile(struct pdb_db *db, const char *text,
                                   struct segment **segment_out, struct pdb_error *error);

/* The handle's event store, loaded from the manifest's event files on first use; NULL (and
 * PDB_OK) when the schema declares no event type. Borrowed until the handle's generation
 * changes. Errors: PDB_ERR_CORRUPT (a file that fails its checks), PDB_ERR_IO,
 * PDB_ERR_NO_MEMORY. */
struct event_store;
enum pdb_status db_events(struct pdb_db *db, const struct event_store **store_out,
                          struct pdb_error *error);
void db_events_release(struct pdb_db *db);

/* db_event_files.c. What one commit of an event type's files did. */
struct db_event_commit_counts {
    uint64_t events_removed;     /* older than now - retention */
    uint32_t partitions_written; /* new files */
    uint32_t partitions_dropped; /* files no longer named (every event expired) */
};
/* Prepares the commit of event type `type_index` whose stored events are `before` and whose
 * events are now `merged` (taken: on success it holds what is kept): removes the events
 * older than now_s - the type's retention (if it declares one), writes (durably) a new
 * file for every partition whose events differ from `before`'s (every partition when the
 * type was one version-1 file), and names them in `next`, dropping the partitions left
 * without events. The caller fsyncs the directory and stores `next`. counts may be NULL.
 * Errors: PDB_ERR_IO, PDB_ERR_LIMIT (more than DB_EVENT_PARTITIONS_MAX months),
 * PDB_ERR_NO_MEMORY; on failure `merged` is as it was. */
struct event_type_store;
struct manifest;
enum pdb_status db_event_files_commit_type(struct pdb_db *db, uint32_t type_index,
                                           const struct event_type_store *before,
                                           struct event_type_store *merged, int64_t now_s,
                                           uint64_t generation, struct manifest *next,
                                           struct db_event_commit_counts *counts,
                                           struct pdb_error *error);

/* Re-reads SEGMENTS if it changed since the handle last read it (a stat per call). */
enum pdb_status db_saved_segments_refresh(struct pdb_db *db, struct pdb_error *error);

/* db_rules.c. A lookup key as the attribute's rules would store it: *normalised_out is NULL
 * when the rules leave the key as it is (or there are none), else an owned copy (mem_free).
 * PDB_ERR_NOT_FOUND when a validator rejects the key (no stored value can equal it). */
enum pdb_status db_rules_normalise_key(const struct attribute *attribute, const char *key,
                                       char **normalised_out, struct pdb_error *error);
/* Fills result's rule tallies from a load's per-rule counts. */
struct loader_counts;
void db_ingest_result_set_rule_tallies(struct pdb_ingest_result *result, const struct schema *schema,
                                       const struct loader_counts *counts);

#endif
