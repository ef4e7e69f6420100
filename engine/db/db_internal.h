/*
 * The database handle behind the public API, shared by the files of engine/db.
 *
 * A database directory holds:
 *   schema        the canonical schema text (its checksum is in the manifest)
 *   MANIFEST      the live generation: rows, chunk files, dictionary files
 *   chunk-*.pdc   immutable chunk files (storage/chunk_file.h)
 *   dict-*.pdd    dictionary files of category and tags columns
 *   LOCK          flock()ed exclusively by the one writer (ingest)
 *   READERS       flock()ed shared by every open handle; a writer deletes superseded files
 *                 only while it can take it exclusively, so no reader loses a file it needs
 *   rejects/      reject files of past ingests
 * A handle sees the generation it opened (or last wrote) until it writes again.
 */
#ifndef PDB_DB_INTERNAL_H
#define PDB_DB_INTERNAL_H

#include "base/limits.h"
#include "catalog/schema.h"
#include "column/table.h"
#include "storage/chunk_file.h"
#include "storage/manifest.h"

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

/* The value of now() for the next query. */
int64_t db_now(const struct pdb_db *db);

#endif
