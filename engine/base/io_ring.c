/*
 * io_ring over liburing (see io_ring.h for the contract). Thin on purpose: one submission
 * queue entry per read, the caller's tag carried in user_data, completions consumed one at a
 * time. `in_flight` counts reads prepared but not yet returned by io_ring_wait, so destroy
 * can drain them and prepare can refuse more than the ring was sized for.
 */
#include "base/io_ring.h"

#include <errno.h>
#include <liburing.h>

#include "base/alloc.h"
#include "base/limits.h"

struct io_ring {
    struct io_uring uring;
    uint32_t depth;
    uint32_t in_flight;
};

int io_ring_create(uint32_t depth, struct io_ring **ring_out)
{
    if (depth == 0 || depth > PDB_IO_RING_DEPTH_MAX) return -EINVAL;
    struct io_ring *ring = mem_calloc(1, sizeof *ring);
    if (ring == NULL) return -ENOMEM;
    int result = io_uring_queue_init(depth, &ring->uring, 0);
    if (result < 0) {
        mem_free(ring);
        return result;
    }
    ring->depth = depth;
    *ring_out = ring;
    return 0;
}

void io_ring_destroy(struct io_ring *ring)
{
    if (ring == NULL) return;
    if (io_ring_submit(ring) < 0) {
        /* Reads that never reached the kernel will never complete. */
        ring->in_flight -= io_uring_sq_ready(&ring->uring);
    }
    while (ring->in_flight > 0) {
        uint64_t tag;
        int32_t result;
        int status = io_ring_wait(ring, &tag, &result);
        if (status < 0 && status != -EINTR) break;
    }
    io_uring_queue_exit(&ring->uring);
    mem_free(ring);
}

int io_ring_read_prepare(struct io_ring *ring, int fd, void *buffer, uint32_t size,
                         int64_t offset, uint64_t tag)
{
    if (ring->in_flight >= ring->depth) return -EBUSY;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring->uring);
    if (sqe == NULL) return -EBUSY;
    io_uring_prep_read(sqe, fd, buffer, size, (uint64_t)offset);
    io_uring_sqe_set_data64(sqe, tag);
    ring->in_flight++;
    return 0;
}

int io_ring_submit(struct io_ring *ring)
{
    if (io_uring_sq_ready(&ring->uring) == 0) return 0;
    int result;
    do {
        result = io_uring_submit(&ring->uring);
    } while (result == -EINTR);
    return result;
}

int io_ring_wait(struct io_ring *ring, uint64_t *tag_out, int32_t *result_out)
{
    if (ring->in_flight == 0) return -EINVAL;
    struct io_uring_cqe *cqe = NULL;
    int result = io_uring_wait_cqe(&ring->uring, &cqe);
    if (result < 0) return result;
    *tag_out = io_uring_cqe_get_data64(cqe);
    *result_out = cqe->res;
    io_uring_cqe_seen(&ring->uring, cqe);
    ring->in_flight--;
    return 0;
}

uint32_t io_ring_in_flight(const struct io_ring *ring)
{
    return ring->in_flight;
}
