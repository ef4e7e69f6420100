/*
 * The write-ahead log: an append-only file of checksummed records, made durable with group
 * commit, replayed after a crash, trimmed after a checkpoint (issue #4).
 *
 * File DB/wal.log (little-endian):
 *   offset size  header (32 bytes)
 *   0      8     magic "PDBWAL\0\1"
 *   8      4     format version (1)
 *   12     4     header size (32)
 *   16     8     base LSN: the first record's LSN is base + 1
 *   24     8     xxh3 of bytes 0..23
 *   then records, each 8-byte aligned:
 *   0      4     payload size P (<= PDB_WAL_RECORD_SIZE_MAX)
 *   4      4     record type (the caller's; never 0)
 *   8      8     LSN: the previous record's + 1
 *   16     P     payload
 *   16+P   8     xxh3 of bytes 0..16+P-1 of the record
 *   then zero padding to a multiple of 8
 *
 * Group commit: wal_append only buffers a record in memory; wal_sync(lsn) makes it durable.
 * One syncing thread at a time writes everything buffered so far with one pwrite and
 * fdatasyncs it; callers whose records that covers just wait for it. So an acknowledgement
 * waits for at most two write+fdatasync rounds (the one in flight when it came, and the one
 * that carries its record), whatever the number of writers, and fdatasyncs are shared.
 *
 * Failure: an append beyond the limits is PDB_ERR_LIMIT; a failed write or fdatasync is
 * fatal for the log (STYLE: never retried): every later call fails with the first error, the
 * records it covered are not acknowledged, and the database must be reopened (replay then
 * decides from what reached the disk).
 *
 * Replay: records are checked one by one (header, size, LSN sequence, checksum). A bad or
 * incomplete record after which no valid record follows is a torn tail (a crash during the
 * last write; those records were never acknowledged): replay reports its offset and size
 * and the next append overwrites it. A bad record followed by a valid one is corruption:
 * PDB_ERR_CORRUPT naming the file and offset, never silently skipped.
 */
#ifndef PDB_STORAGE_WAL_H
#define PDB_STORAGE_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

#define WAL_FILE_NAME "wal.log"
#define WAL_HEADER_SIZE 32u
#define WAL_RECORD_OVERHEAD 24u /* record header + checksum */

struct wal;

/* Receives a record during replay; payload is borrowed for the call. A non-OK status stops
 * the replay and is returned by wal_replay. */
typedef enum pdb_status (*wal_record_fn)(void *context, uint64_t lsn, uint32_t type,
                                         const uint8_t *payload, uint32_t size,
                                         struct pdb_error *error);

struct wal_replay_report {
    uint64_t records;      /* intact records replayed */
    uint64_t last_lsn;     /* of the last intact record (the base LSN when there is none) */
    uint64_t torn_offset;  /* where a torn tail starts, 0 when there is none */
    uint64_t torn_bytes;   /* bytes of the torn tail */
    uint64_t base_lsn;     /* from the header: records before it were trimmed */
};

/* Opens DB/wal.log, creating it (durably, with base LSN `base_lsn`) when absent, and replays
 * it: on_record (may be NULL) gets every intact record in order. On success *wal_out is
 * owned (wal_close) and positioned to append after the last intact record. Errors: I/O,
 * PDB_ERR_CORRUPT (bad header, or a bad record before a valid one), the callback's status. */
enum pdb_status wal_open(const char *directory, uint64_t base_lsn, wal_record_fn on_record,
                         void *context, struct wal **wal_out, struct wal_replay_report *report,
                         struct pdb_error *error);

/* Replays DB/wal.log without changing it (a reader's view, while a writer may append): the
 * same checks and callbacks as wal_open; a torn tail is reported, not cut. A missing log is
 * an empty one (report all zero). */
enum pdb_status wal_read(const char *directory, wal_record_fn on_record, void *context,
                         struct wal_replay_report *report, struct pdb_error *error);

/* Closes the file. Records appended but not synced are lost (they were never acknowledged). */
void wal_close(struct wal *wal);

/* Buffers one record and gives it the next LSN. Thread-safe. Errors: PDB_ERR_USAGE (type 0),
 * PDB_ERR_LIMIT (payload or buffered bytes beyond the limits.h bounds), PDB_ERR_NO_MEMORY, or
 * the log's earlier failure. */
enum pdb_status wal_append(struct wal *wal, uint32_t type, const void *payload, uint32_t size,
                           uint64_t *lsn_out, struct pdb_error *error);

/* Returns once every record up to `lsn` is on disk (group commit, see above). Thread-safe. */
enum pdb_status wal_sync(struct wal *wal, uint64_t lsn, struct pdb_error *error);

/* Drops every record up to `lsn` (they are durable elsewhere, after a checkpoint): the log
 * is rewritten holding only the later records (already synced ones and buffered ones) and
 * replaced atomically. Not concurrent with appends or syncs. */
enum pdb_status wal_trim(struct wal *wal, uint64_t lsn, struct pdb_error *error);

uint64_t wal_last_lsn(const struct wal *wal);    /* of the last appended record */
uint64_t wal_durable_lsn(const struct wal *wal); /* of the last synced record */

/* Statistics for benchmarks: fdatasync calls made and records they covered. */
void wal_sync_counts(const struct wal *wal, uint64_t *syncs_out, uint64_t *records_out);

#endif
