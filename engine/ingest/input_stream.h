/*
 * input_stream: the bytes of an input file or pipe, read ahead of the parser.
 *
 * A regular file is read through io_uring (base/io_ring.h) with PDB_INPUT_READS_IN_FLIGHT
 * reads of PDB_INPUT_BLOCK_SIZE bytes queued at increasing offsets, so the disk works while
 * the caller parses the block before; a consumed block is queued again for the next offset.
 * A pipe (standard input) has one read in flight at a time at the file position. Callers see
 * plain read(2) semantics: input_stream_read copies up to `size` bytes in file order and
 * returns 0 bytes only at the end of the input.
 *
 * Where io_uring is not available (ENOSYS: an old kernel; EPERM: a seccomp profile or the
 * io_uring_disabled sysctl; EINVAL/EOPNOTSUPP on the first read) the stream falls back to
 * read(2) before any byte was delivered and says why (input_stream_fallback_reason), so the
 * caller can print one warning line. PROFILEDB_IO=read asks for read(2) without a warning.
 */
#ifndef PDB_INGEST_INPUT_STREAM_H
#define PDB_INGEST_INPUT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

#define INPUT_STREAM_ENV_VARIABLE "PROFILEDB_IO" /* "read" or "io_uring" (the default) */
#define INPUT_STREAM_FALLBACK_REASON_SIZE 160u

enum input_method {
    INPUT_METHOD_IO_URING,
    INPUT_METHOD_READ
};

struct input_stream;

/* How a stream reads; input_stream_create uses the limits.h defaults and the environment. */
struct input_stream_options {
    uint32_t block_size;      /* bytes per read, 1..PDB_INPUT_BLOCK_SIZE */
    uint32_t reads_in_flight; /* for regular files, 1..PDB_INPUT_READS_IN_FLIGHT */
    enum input_method method; /* INPUT_METHOD_READ: never try io_uring */
};

/* A stream over `fd` (borrowed: never closed here; its file position must not be used by
 * anyone else while the stream lives). `source` (copied) names the input in messages.
 * On success *stream_out is owned (input_stream_destroy). Errors: PDB_ERR_NO_MEMORY. */
enum pdb_status input_stream_create(int fd, const char *source, struct input_stream **stream_out,
                                    struct pdb_error *error);
enum pdb_status input_stream_create_with(int fd, const char *source,
                                         const struct input_stream_options *options,
                                         struct input_stream **stream_out,
                                         struct pdb_error *error);

/* Copies up to `size` (>= 1) bytes of the input, in order, into destination; *got_out = 0
 * only at the end of the input. Errors: PDB_ERR_IO "<source>: read failed at byte N: ..."
 * (and every later call fails the same way), PDB_ERR_NO_MEMORY. */
enum pdb_status input_stream_read(struct input_stream *stream, char *destination, size_t size,
                                  size_t *got_out, struct pdb_error *error);

enum input_method input_stream_method(const struct input_stream *stream);
/* Why io_uring was wanted but not used ("io_uring unavailable: Operation not permitted"),
 * or NULL. Borrowed until input_stream_destroy. */
const char *input_stream_fallback_reason(const struct input_stream *stream);
const char *input_method_name(enum input_method method); /* "io_uring" or "read" */

/* Waits for reads still in flight and frees the stream. NULL is accepted. */
void input_stream_destroy(struct input_stream *stream);

#endif
