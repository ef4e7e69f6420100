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

#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

/* Writes data to `path` (created or truncated, mode 0644), fsyncs it, closes it. */
enum pdb_status file_write_durable(const char *path, const void *data, size_t size,
                                   struct pdb_error *error);

/* Writes to "<path>.tmp", fsyncs, renames to `path`, fsyncs the directory. */
enum pdb_status file_replace_atomic(const char *path, const void *data, size_t size,
                                    struct pdb_error *error);

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

/* snprintf into a PDB_PATH_SIZE_MAX buffer; PDB_ERR_LIMIT if the path does not fit. */
enum pdb_status path_join(char *out, const char *directory, const char *name,
                          struct pdb_error *error);

#endif
