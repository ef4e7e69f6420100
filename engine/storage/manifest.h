/*
 * The manifest: the one file that says which files make up the database now.
 *
 * DB/MANIFEST is a small text file, replaced atomically (storage/file_io.h) on every commit,
 * so a reader always sees one complete generation. Format, one item per line:
 *     profiledb-manifest 1
 *     generation <n>            increases by one per commit
 *     rows <n>                  profiles, ids 0..rows-1
 *     attributes <n>            must equal the schema's attribute count
 *     schema <xxh3 hex>         checksum of DB/schema
 *     bytes_ingested <n>        source bytes of every ingested file (for statistics)
 *     chunk <index> <file> <size> <directory xxh3 hex>          one per chunk, in order
 *     dictionary <attribute> <file> <size> <file xxh3 hex>      category/tags columns
 *     deleted <rows> <file> <size> <file xxh3 hex>   tombstones (at most one; none when
 *                                                    nothing was ever deleted)
 *     event_partition <type> <month> <file> <size> <file xxh3 hex>   the event file
 *                               (events/event_file.h, version 2) of partition <month> (months
 *                               since 1970-01, signed: events/event_partition.h) of event type
 *                               <type> (schema order); ascending by (type, month), one per
 *                               partition with events, none for a type without events
 *     events <type> <file> <size> <file xxh3 hex>   a whole type in one file (written before
 *                               partitions: version 1); never beside event_partition lines of
 *                               the same type. Older manifests have neither line.
 *     wal_lsn <n>               the last write-ahead log record these files hold (a
 *                               checkpoint's; replay skips records up to it); absent = 0
 *     checksum <xxh3 hex>       of every byte before this line
 * Anything else, a missing line, or a checksum mismatch is PDB_ERR_CORRUPT with the line.
 */
#ifndef PDB_STORAGE_MANIFEST_H
#define PDB_STORAGE_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "profiledb/profiledb.h"

#define MANIFEST_NAME_SIZE 64u

struct manifest_file {
    char name[MANIFEST_NAME_SIZE]; /* empty: none */
    uint64_t size_bytes;
    uint64_t checksum;
};

/* An event file: one partition of one event type, or (MANIFEST_EVENT_WHOLE) a whole type. */
#define MANIFEST_EVENT_WHOLE INT64_MIN
struct manifest_event_file {
    uint32_t type_index;
    int64_t partition_key;
    struct manifest_file file;
};

struct manifest {
    uint64_t generation;
    uint64_t row_count;
    uint32_t attribute_count;
    uint32_t chunk_count;
    uint64_t schema_checksum;
    uint64_t bytes_ingested;
    struct manifest_file *chunks;       /* chunk_count entries, owned */
    struct manifest_file *dictionaries; /* attribute_count entries, owned */
    struct manifest_file deleted;       /* tombstone file; name empty: nothing deleted */
    uint64_t deleted_count;             /* rows in it */
    uint64_t wal_lsn;                   /* last WAL record the files include (0: none) */
    uint32_t event_file_count;
    struct manifest_event_file *event_files; /* owned; ascending by (type_index, partition_key) */
};

/* An empty generation-0 manifest for `attribute_count` attributes. 0 or -1 (memory). */
int manifest_init(struct manifest *manifest, uint32_t attribute_count, uint64_t schema_checksum);
void manifest_deinit(struct manifest *manifest);
/* Deep copy; 0 or -1. */
int manifest_copy(struct manifest *destination, const struct manifest *source);
/* Makes room for chunk_count chunks (new entries empty); 0 or -1. */
int manifest_set_chunk_count(struct manifest *manifest, uint32_t chunk_count);

/* Names `file` as the event file of (type_index, partition_key), replacing the one there
 * was; 0 or -1 (memory, nothing changed). */
int manifest_event_file_set(struct manifest *manifest, uint32_t type_index, int64_t partition_key,
                            const struct manifest_file *file);
/* Drops the event file of (type_index, partition_key), if any. */
void manifest_event_file_remove(struct manifest *manifest, uint32_t type_index, int64_t partition_key);

int manifest_render(const struct manifest *manifest, struct buffer *out);
enum pdb_status manifest_parse(const char *text, size_t size, const char *path,
                               struct manifest *manifest, struct pdb_error *error);

/* DB/MANIFEST: read and parse; write atomically (file_replace_atomic). On failure,
 * *is_published_out (may be NULL) says whether the new manifest already replaced the old one
 * (only the directory fsync failed): it is then the live manifest for every reader, and the
 * files it names must be kept. */
enum pdb_status manifest_load(const char *db_path, struct manifest *manifest,
                              struct pdb_error *error);
enum pdb_status manifest_store(const char *db_path, const struct manifest *manifest,
                               bool *is_published_out, struct pdb_error *error);

#endif
