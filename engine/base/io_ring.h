/*
 * io_ring: the one wrapper around liburing (the only file that includes liburing.h is
 * io_ring.c). It offers what the engine needs of io_uring and nothing more: queue reads
 * tagged with a caller's number, submit them, and wait for completions in any order.
 *
 * Error convention: the kernel's. Every function returns 0 (or a count) on success and a
 * negative errno on failure, as liburing does; callers turn that into a pdb_status with the
 * path and offset they know. io_ring_create answers -ENOSYS (kernel without io_uring),
 * -EPERM (a seccomp policy or io_uring_disabled sysctl refuses it) or -ENOMEM; callers then
 * fall back to plain read(2).
 *
 * A ring is used by one thread at a time. Buffers of queued reads must stay valid until
 * their completion has been returned by io_ring_wait: io_ring_destroy waits for every read
 * still in flight before it releases the ring, so destroying never leaves the kernel writing
 * into freed memory.
 */
#ifndef PDB_BASE_IO_RING_H
#define PDB_BASE_IO_RING_H

#include <stdint.h>

struct io_ring;

/* A ring with room for `depth` (1..PDB_IO_RING_DEPTH_MAX) reads in flight. On success
 * *ring_out is owned (io_ring_destroy). */
int io_ring_create(uint32_t depth, struct io_ring **ring_out);

/* Waits for every read still in flight, then frees the ring. NULL is accepted. */
void io_ring_destroy(struct io_ring *ring);

/* Queues a read of `size` bytes from `fd` at byte `offset` (-1: at the file position, for
 * pipes) into `buffer`, tagged `tag`. Not sent until io_ring_submit. -EBUSY when `depth`
 * reads are already queued or in flight. */
int io_ring_read_prepare(struct io_ring *ring, int fd, void *buffer, uint32_t size,
                         int64_t offset, uint64_t tag);

/* Sends every queued read to the kernel: the number sent, or -errno. */
int io_ring_submit(struct io_ring *ring);

/* Waits for one completion and returns its tag and result (bytes read, 0 at end of file, or
 * -errno of the read). The function itself returns 0, -EINTR (interrupted: call again) or
 * -EINVAL when nothing is in flight. */
int io_ring_wait(struct io_ring *ring, uint64_t *tag_out, int32_t *result_out);

/* Reads queued or in flight. */
uint32_t io_ring_in_flight(const struct io_ring *ring);

#endif
