/*
 * input_stream (see input_stream.h for the contract).
 *
 * Blocks: `reads_in_flight` buffers of `block_size` bytes used as a ring in file order.
 * `head` is the block being copied out; every other block is either in flight or ready,
 * holding the bytes at block->offset. A block is ready when its read returned a full block,
 * or reached the end of the file (a short read is continued at offset + bytes until the
 * block is full or a read returns 0, so blocks always tile the file without gaps). Once the
 * head is consumed it is queued again at `next_offset`, the first byte no block covers yet.
 * A pipe has one block and reads at the file position (offset -1); every read is final.
 *
 * Completions may arrive in any order; the tag of a read is its block's index.
 */
#include "ingest/input_stream.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/io_ring.h"
#include "base/limits.h"
#include "base/status.h"

#define INPUT_BLOCK_ALIGNMENT 4096u

enum block_state {
    BLOCK_IDLE,      /* not queued (before the first read, or after the end of the input) */
    BLOCK_IN_FLIGHT, /* a read into it is queued or in the kernel */
    BLOCK_READY      /* holds `size` bytes at `offset` */
};

struct input_block {
    char *data;
    enum block_state state;
    uint64_t offset;   /* file offset of data[0] */
    uint32_t size;     /* bytes valid */
    uint32_t consumed; /* bytes already copied out (head only) */
    bool is_last;      /* the input ends after these bytes */
};

struct input_stream {
    char *source;
    int fd;
    bool is_regular_file;
    bool is_failed;
    bool is_ended;      /* every byte of the input was delivered */
    bool has_delivered; /* some byte was delivered (no more falling back) */
    enum input_method method;
    struct pdb_error failure; /* the error every call repeats once is_failed */
    struct io_ring *ring;
    uint32_t block_size;
    uint32_t block_count;
    struct input_block *blocks;
    uint32_t head;
    uint64_t next_offset; /* regular files: first byte not covered by a queued/ready block */
    char fallback_reason[INPUT_STREAM_FALLBACK_REASON_SIZE];
};

static const char *method_from_environment(enum input_method *method)
{
    const char *text = getenv(INPUT_STREAM_ENV_VARIABLE);
    if (text != NULL && strcmp(text, "read") == 0) *method = INPUT_METHOD_READ;
    return text;
}

enum pdb_status input_stream_create(int fd, const char *source, struct input_stream **stream_out,
                                    struct pdb_error *error)
{
    struct input_stream_options options = {PDB_INPUT_BLOCK_SIZE, PDB_INPUT_READS_IN_FLIGHT,
                                            INPUT_METHOD_IO_URING};
    (void)method_from_environment(&options.method);
    return input_stream_create_with(fd, source, &options, stream_out, error);
}

enum pdb_status input_stream_create_with(int fd, const char *source,
                                         const struct input_stream_options *options,
                                         struct input_stream **stream_out,
                                         struct pdb_error *error)
{
    if (options->block_size == 0 || options->block_size > PDB_INPUT_BLOCK_SIZE ||
        options->reads_in_flight == 0 || options->reads_in_flight > PDB_INPUT_READS_IN_FLIGHT)
        return error_set(error, PDB_ERR_USAGE, "%s: invalid input stream options", source);
    struct input_stream *stream = mem_calloc(1, sizeof *stream);
    if (stream == NULL) goto no_memory;
    stream->fd = fd;
    stream->source = mem_strdup(source);
    if (stream->source == NULL) goto no_memory;
    struct stat file_stat;
    stream->is_regular_file = fstat(fd, &file_stat) == 0 && S_ISREG(file_stat.st_mode);
    stream->block_size = options->block_size;
    stream->block_count = stream->is_regular_file ? options->reads_in_flight : 1u;
    stream->method = options->method;
    if (stream->is_regular_file) {
        off_t position = lseek(fd, 0, SEEK_CUR);
        stream->next_offset = position > 0 ? (uint64_t)position : 0u;
    }
    stream->blocks = mem_calloc(stream->block_count, sizeof *stream->blocks);
    if (stream->blocks == NULL) goto no_memory;
    for (uint32_t i = 0; i < stream->block_count; i++) {
        stream->blocks[i].data = mem_alloc_aligned(INPUT_BLOCK_ALIGNMENT, stream->block_size);
        if (stream->blocks[i].data == NULL) goto no_memory;
    }
    if (stream->method == INPUT_METHOD_IO_URING) {
        int result = io_ring_create(stream->block_count, &stream->ring);
        if (result == -ENOMEM) goto no_memory;
        if (result < 0) {
            stream->method = INPUT_METHOD_READ;
            snprintf(stream->fallback_reason, sizeof stream->fallback_reason,
                     "io_uring unavailable: %s", strerror(-result));
        }
    }
    *stream_out = stream;
    return PDB_OK;
no_memory:
    input_stream_destroy(stream);
    return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory for the input buffers", source);
}

void input_stream_destroy(struct input_stream *stream)
{
    if (stream == NULL) return;
    io_ring_destroy(stream->ring); /* waits for reads in flight before the buffers go */
    if (stream->blocks != NULL) {
        for (uint32_t i = 0; i < stream->block_count; i++) mem_free(stream->blocks[i].data);
    }
    mem_free(stream->blocks);
    mem_free(stream->source);
    mem_free(stream);
}

enum input_method input_stream_method(const struct input_stream *stream)
{
    return stream->method;
}

const char *input_stream_fallback_reason(const struct input_stream *stream)
{
    return stream->fallback_reason[0] != '\0' ? stream->fallback_reason : NULL;
}

const char *input_method_name(enum input_method method)
{
    return method == INPUT_METHOD_IO_URING ? "io_uring" : "read";
}

/* ---- Failing ------------------------------------------------------------------------- */

static enum pdb_status stream_fail(struct input_stream *stream, struct pdb_error *error,
                                   int errno_value, uint64_t offset)
{
    stream->is_failed = true;
    error_set_errno(&stream->failure, PDB_ERR_IO, errno_value, "%s: read failed at byte %llu",
                    stream->source, (unsigned long long)offset);
    if (error != NULL) *error = stream->failure;
    return PDB_ERR_IO;
}

/* ---- read(2) ------------------------------------------------------------------------- */

static enum pdb_status read_plain(struct input_stream *stream, char *destination, size_t size,
                                  size_t *got_out, struct pdb_error *error)
{
    size_t wanted = size < stream->block_size ? size : stream->block_size;
    ssize_t result;
    do {
        result = read(stream->fd, destination, wanted);
    } while (result < 0 && errno == EINTR);
    if (result < 0) return stream_fail(stream, error, errno, stream->next_offset);
    stream->next_offset += (uint64_t)result;
    if (result == 0) stream->is_ended = true;
    *got_out = (size_t)result;
    return PDB_OK;
}

/* ---- io_uring ------------------------------------------------------------------------ */

/* Queues the read that fills block `index` from block->offset + block->size on. */
static int block_queue(struct input_stream *stream, uint32_t index)
{
    struct input_block *block = &stream->blocks[index];
    int64_t offset = stream->is_regular_file ? (int64_t)(block->offset + block->size) : -1;
    int result = io_ring_read_prepare(stream->ring, stream->fd, block->data + block->size,
                                      stream->block_size - block->size, offset, index);
    if (result == 0) block->state = BLOCK_IN_FLIGHT;
    return result;
}

/* Starts block `index` at next_offset. */
static int block_start(struct input_stream *stream, uint32_t index)
{
    struct input_block *block = &stream->blocks[index];
    block->offset = stream->next_offset;
    block->size = 0;
    block->consumed = 0;
    block->is_last = false;
    if (stream->is_regular_file) stream->next_offset += stream->block_size;
    return block_queue(stream, index);
}

/* Falls back to read(2) after io_uring refused the first read; nothing was delivered, and
 * io_uring reads at explicit offsets never moved the file position. */
static void fall_back(struct input_stream *stream, int errno_value)
{
    io_ring_destroy(stream->ring);
    stream->ring = NULL;
    stream->method = INPUT_METHOD_READ;
    stream->next_offset = stream->blocks[stream->head].offset;
    for (uint32_t i = 0; i < stream->block_count; i++) stream->blocks[i].state = BLOCK_IDLE;
    snprintf(stream->fallback_reason, sizeof stream->fallback_reason,
             "io_uring read refused: %s", strerror(errno_value));
}

/* Handles one completion. Returns 0, or the errno that fails the stream (*offset_out: where),
 * or -1 when the stream fell back to read(2). */
static int complete_one(struct input_stream *stream, uint64_t *offset_out)
{
    uint64_t tag;
    int32_t result;
    int status = io_ring_wait(stream->ring, &tag, &result);
    if (status == -EINTR) return 0;
    if (status < 0) {
        *offset_out = stream->blocks[stream->head].offset;
        return -status;
    }
    struct input_block *block = &stream->blocks[tag];
    if (result == -EINTR || result == -EAGAIN) { /* try the same read again */
        int queued = block_queue(stream, (uint32_t)tag);
        if (queued < 0) return -queued;
        int submitted = io_ring_submit(stream->ring);
        return submitted < 0 ? -submitted : 0;
    }
    if (result < 0) {
        if (!stream->has_delivered && (result == -EINVAL || result == -EOPNOTSUPP)) {
            while (io_ring_in_flight(stream->ring) > 0) { /* drain before the buffers are reused */
                uint64_t ignored_tag;
                int32_t ignored;
                if (io_ring_wait(stream->ring, &ignored_tag, &ignored) < 0) break;
            }
            fall_back(stream, -result);
            return -1;
        }
        *offset_out = block->offset + block->size;
        return -result;
    }
    block->size += (uint32_t)result;
    if (result == 0 || !stream->is_regular_file) {
        block->is_last = result == 0;
        block->state = BLOCK_READY;
    } else if (block->size == stream->block_size) {
        block->state = BLOCK_READY;
    } else { /* short read inside a regular file: continue this block */
        int queued = block_queue(stream, (uint32_t)tag);
        if (queued < 0) return -queued;
        int submitted = io_ring_submit(stream->ring);
        if (submitted < 0) return -submitted;
    }
    return 0;
}

static enum pdb_status read_ring(struct input_stream *stream, char *destination, size_t size,
                                 size_t *got_out, struct pdb_error *error)
{
    struct input_block *head = &stream->blocks[stream->head];
    if (head->state == BLOCK_IDLE) { /* the first read: queue every block */
        for (uint32_t i = 0; i < stream->block_count; i++) {
            int result = block_start(stream, (stream->head + i) % stream->block_count);
            if (result < 0) return stream_fail(stream, error, -result, stream->next_offset);
        }
    }
    int submitted = io_ring_submit(stream->ring);
    if (submitted < 0) return stream_fail(stream, error, -submitted, head->offset);
    while (head->state != BLOCK_READY) {
        uint64_t offset = 0;
        int result = complete_one(stream, &offset);
        if (result == -1) return read_plain(stream, destination, size, got_out, error);
        if (result > 0) return stream_fail(stream, error, result, offset);
    }
    uint32_t available = head->size - head->consumed;
    size_t copied = size < available ? size : available;
    memcpy(destination, head->data + head->consumed, copied);
    head->consumed += (uint32_t)copied;
    if (head->consumed == head->size) {
        if (head->is_last) {
            stream->is_ended = true;
            head->state = BLOCK_IDLE;
        } else if (!stream->is_regular_file || head->size == stream->block_size) {
            int result = block_start(stream, stream->head);
            if (result < 0) return stream_fail(stream, error, -result, stream->next_offset);
            stream->head = (stream->head + 1u) % stream->block_count;
        }
    }
    *got_out = copied;
    return PDB_OK;
}

enum pdb_status input_stream_read(struct input_stream *stream, char *destination, size_t size,
                                  size_t *got_out, struct pdb_error *error)
{
    if (stream->is_failed) {
        if (error != NULL) *error = stream->failure;
        return stream->failure.status;
    }
    if (stream->is_ended || size == 0) {
        *got_out = 0;
        return PDB_OK;
    }
    enum pdb_status status = stream->method == INPUT_METHOD_IO_URING
                                 ? read_ring(stream, destination, size, got_out, error)
                                 : read_plain(stream, destination, size, got_out, error);
    if (status == PDB_OK && *got_out > 0) stream->has_delivered = true;
    return status;
}
