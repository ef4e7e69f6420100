/*
 * File primitives for storage: whole-file reads, positioned reads, durable writes.
 *
 * Durability protocol used by every writer: write the new file completely, fsync it, and
 * only then publish it (rename over the old name, or name it in a manifest), then fsync the
 * directory. A failed fsync is reported as PDB_ERR_IO and the caller abandons the write
 * (it is never retried and carried on). Every error names the path and the system's reason.
 */
#ifndef PDB_STORAGE_FILE_IO_H
#define PDB_STORAGE_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

/* Writes data to `path` (created or truncated, mode 0644), fsyncs it, closes it. */
enum pdb_status file_write_durable(const char *path, const void *data, size_t size,
                                   struct pdb_error *error);

/* Writes to "<path>.tmp", fsyncs, renames to `path`, fsyncs the directory. *is_renamed_out
 * (may be NULL) tells a failure after the rename (the directory fsync) from one before it:
 * readers then already see the new contents, which may or may not survive a crash, so the
 * caller must treat the write as published (keep what it names) and stop writing. */
enum pdb_status file_replace_atomic(const char *path, const void *data, size_t size,
                                    bool *is_renamed_out, struct pdb_error *error);

/* Reads the whole file (at most size_max bytes, else PDB_ERR_LIMIT). *data_out is owned:
 * mem_free it. */
enum pdb_status file_read_all(const char *path, size_t size_max, uint8_t **data_out,
                              size_t *size_out, struct pdb_error *error);

/* Reads exactly `size` bytes at `offset`; a short file is PDB_ERR_CORRUPT. */
enum pdb_status file_read_at(int fd, const char *path, uint64_t offset, void *data, size_t size,
                             struct pdb_error *error);

enum pdb_status file_sync_directory(const char *directory, struct pdb_error *error);

/* Size of the file at path, or PDB_ERR_NOT_FOUND / PDB_ERR_IO. */
enum pdb_status file_size(const char *path, uint64_t *size_out, struct pdb_error *error);

/* Writes all of data at `offset` of an open file (the WAL). */
enum pdb_status file_write_at(int fd, const char *path, uint64_t offset, const void *data,
                              size_t size, struct pdb_error *error);

/* fdatasync(2) of an open file. A failure is final for the file (never retried). */
enum pdb_status file_sync(int fd, const char *path, struct pdb_error *error);

/* ---- Fault injection (tests) -----------------------------------------------------------
 * Every write and every fsync/fdatasync of storage goes through this file, so tests can make
 * the (after + 1)-th one from now fail with errno_value (ENOSPC, EIO, ...), once, as a full or
 * failing disk would. errno_value 0 disarms. Process-wide; set it while no I/O runs. */
enum file_fault_point {
    FILE_FAULT_WRITE, /* write(2)/pwrite(2): the call writes nothing and fails */
    FILE_FAULT_SYNC,  /* fsync(2)/fdatasync(2) of a file or directory */
    FILE_FAULT_POINT_COUNT
};
void file_fault_inject(enum file_fault_point point, uint32_t after, int errno_value);
/* How many writes (or syncs) ran since the process started: to enumerate every fault point. */
uint64_t file_fault_count(enum file_fault_point point);

/* snprintf into a PDB_PATH_SIZE_MAX buffer; PDB_ERR_LIMIT if the path does not fit. */
enum pdb_status path_join(char *out, const char *directory, const char *name,
                          struct pdb_error *error);

#endif
