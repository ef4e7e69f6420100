/*
 * Tests for ingest/input_stream.c: io_uring read-ahead and read(2) deliver exactly the bytes
 * of the file, in order, for every block size, read-ahead depth and read size, around block
 * boundaries and at non-zero starting positions; pipes; the fallback to read(2) when
 * io_uring_setup is refused by a seccomp filter (EPERM, ENOSYS) with its reason; PROFILEDB_IO
 * =read; read errors reported with the source and offset, repeatedly.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "ingest/input_stream.h"
#include "support/io_uring_refusal.h"

/* A temporary file holding `size` pseudo-random bytes (seeded), open for reading. */
static int make_file(size_t size, unsigned seed, char **bytes_out)
{
    char path[] = "/tmp/pdb_input_stream_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    unlink(path);
    char *bytes = malloc(size + 1);
    cr_assert(bytes != NULL);
    srand(seed);
    for (size_t i = 0; i < size; i++) bytes[i] = (char)(rand() & 0xff);
    size_t written = 0;
    while (written < size) {
        ssize_t result = write(fd, bytes + written, size - written);
        cr_assert(result > 0);
        written += (size_t)result;
    }
    cr_assert(lseek(fd, 0, SEEK_SET) == 0);
    *bytes_out = bytes;
    return fd;
}

/* Reads the whole stream with reads of `read_size` bytes (0: varying sizes). */
static char *read_all(struct input_stream *stream, size_t expected_size, size_t read_size,
                      size_t *size_out)
{
    char *out = malloc(expected_size + 1);
    size_t size = 0;
    unsigned step = 1;
    for (;;) {
        size_t want = read_size ? read_size : (step = step * 7u % 9973u + 1u);
        char scratch[16384];
        if (want > sizeof scratch) want = sizeof scratch;
        size_t got = 0;
        struct pdb_error error = {0};
        cr_assert_eq(input_stream_read(stream, scratch, want, &got, &error), PDB_OK, "%s",
                     error.message);
        cr_assert(got <= want);
        if (got == 0) break;
        cr_assert(size + got <= expected_size, "more bytes than the file holds");
        memcpy(out + size, scratch, got);
        size += got;
    }
    *size_out = size;
    return out;
}

static void check_file(size_t file_size, uint32_t block_size, uint32_t in_flight,
                       enum input_method method, size_t read_size)
{
    char *bytes;
    int fd = make_file(file_size, (unsigned)(file_size + block_size), &bytes);
    struct input_stream_options options = {block_size, in_flight, method};
    struct input_stream *stream;
    struct pdb_error error = {0};
    cr_assert_eq(input_stream_create_with(fd, "test.csv", &options, &stream, &error), PDB_OK);
    cr_assert_eq(input_stream_method(stream), method);
    size_t size;
    char *got = read_all(stream, file_size, read_size, &size);
    cr_assert_eq(size, file_size, "file %zu block %u depth %u: got %zu bytes", file_size,
                 block_size, in_flight, size);
    cr_assert(memcmp(got, bytes, file_size) == 0, "bytes differ");
    size_t again = 1;
    char byte;
    cr_assert_eq(input_stream_read(stream, &byte, 1, &again, &error), PDB_OK);
    cr_assert_eq(again, 0, "the end stays the end");
    input_stream_destroy(stream);
    free(got);
    free(bytes);
    close(fd);
}

Test(input_stream, io_uring_delivers_every_byte_in_order)
{
    const size_t sizes[] = {0, 1, 4095, 4096, 4097, 65536, 65537, 200003};
    const uint32_t blocks[] = {1, 7, 4096, 65536};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            if (blocks[b] == 1 && sizes[s] > 5000) continue; /* a syscall per byte: slow */
            for (uint32_t depth = 1; depth <= PDB_INPUT_READS_IN_FLIGHT; depth++) {
                check_file(sizes[s], blocks[b], depth, INPUT_METHOD_IO_URING, 0);
                check_file(sizes[s], blocks[b], depth, INPUT_METHOD_IO_URING, 65536);
            }
        }
    }
}

Test(input_stream, read_method_delivers_every_byte_in_order)
{
    const size_t sizes[] = {0, 1, 4096, 65537, 200003};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        check_file(sizes[s], 4096, 1, INPUT_METHOD_READ, 0);
        check_file(sizes[s], 65536, 1, INPUT_METHOD_READ, 3);
    }
}

Test(input_stream, default_blocks_span_a_large_file)
{
    check_file(3u * PDB_INPUT_BLOCK_SIZE + 12345u, PDB_INPUT_BLOCK_SIZE,
               PDB_INPUT_READS_IN_FLIGHT, INPUT_METHOD_IO_URING, 16384);
}

Test(input_stream, starts_at_the_file_position)
{
    char *bytes;
    int fd = make_file(100000, 3, &bytes);
    cr_assert(lseek(fd, 777, SEEK_SET) == 777);
    struct input_stream_options options = {4096, 3, INPUT_METHOD_IO_URING};
    struct input_stream *stream;
    cr_assert_eq(input_stream_create_with(fd, "x", &options, &stream, NULL), PDB_OK);
    size_t size;
    char *got = read_all(stream, 100000, 0, &size);
    cr_assert_eq(size, 100000 - 777);
    cr_assert(memcmp(got, bytes + 777, size) == 0);
    input_stream_destroy(stream);
    free(got);
    free(bytes);
    close(fd);
}

Test(input_stream, reads_a_pipe)
{
    for (int m = 0; m < 2; m++) {
        int pipe_fds[2];
        cr_assert(pipe(pipe_fds) == 0);
        size_t total = 300001;
        pid_t child = fork();
        cr_assert(child >= 0);
        if (child == 0) {
            close(pipe_fds[0]);
            char block[1000];
            for (size_t i = 0; i < total;) {
                size_t n = total - i < sizeof block ? total - i : sizeof block;
                for (size_t k = 0; k < n; k++) block[k] = (char)((i + k) % 251);
                if (write(pipe_fds[1], block, n) != (ssize_t)n) _exit(1);
                i += n;
            }
            _exit(0);
        }
        close(pipe_fds[1]);
        struct input_stream_options options = {65536, 4, m ? INPUT_METHOD_READ : INPUT_METHOD_IO_URING};
        struct input_stream *stream;
        cr_assert_eq(input_stream_create_with(pipe_fds[0], "-", &options, &stream, NULL), PDB_OK);
        size_t size;
        char *got = read_all(stream, total, 0, &size);
        cr_assert_eq(size, total);
        for (size_t i = 0; i < total; i++) cr_assert_eq((unsigned char)got[i], i % 251);
        input_stream_destroy(stream);
        free(got);
        close(pipe_fds[0]);
        int child_status;
        cr_assert(waitpid(child, &child_status, 0) == child && child_status == 0);
    }
}

/* In a child: io_uring_setup refused with errno_value; the stream must fall back, say why,
 * and still deliver the file. Exit 0 when all of that holds. */
static int child_falls_back(int errno_value, const char *reason_part)
{
    if (io_uring_refusal_install(errno_value) != 0) return 10;
    char *bytes;
    int fd = make_file(70000, 5, &bytes);
    struct input_stream *stream;
    if (input_stream_create(fd, "f.csv", &stream, NULL) != PDB_OK) return 11;
    if (input_stream_method(stream) != INPUT_METHOD_READ) return 12;
    const char *reason = input_stream_fallback_reason(stream);
    if (reason == NULL || strstr(reason, reason_part) == NULL) return 13;
    size_t size;
    char *got = read_all(stream, 70000, 0, &size);
    if (size != 70000 || memcmp(got, bytes, size) != 0) return 14;
    input_stream_destroy(stream);
    return 0;
}

Test(input_stream, falls_back_to_read_when_seccomp_refuses_io_uring)
{
    const int errnos[] = {EPERM, ENOSYS};
    const char *reasons[] = {"io_uring unavailable: Operation not permitted",
                             "io_uring unavailable: Function not implemented"};
    for (int i = 0; i < 2; i++) {
        pid_t child = fork();
        cr_assert(child >= 0);
        if (child == 0) _exit(child_falls_back(errnos[i], reasons[i]));
        int status;
        cr_assert(waitpid(child, &status, 0) == child);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "case %d: child status %d", i,
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

Test(input_stream, environment_asks_for_read_without_a_warning)
{
    setenv(INPUT_STREAM_ENV_VARIABLE, "read", 1);
    char *bytes;
    int fd = make_file(5000, 9, &bytes);
    struct input_stream *stream;
    cr_assert_eq(input_stream_create(fd, "f", &stream, NULL), PDB_OK);
    cr_assert_eq(input_stream_method(stream), INPUT_METHOD_READ);
    cr_assert_null(input_stream_fallback_reason(stream));
    cr_assert_str_eq(input_method_name(input_stream_method(stream)), "read");
    input_stream_destroy(stream);
    unsetenv(INPUT_STREAM_ENV_VARIABLE);
    cr_assert_eq(input_stream_create(fd, "f", &stream, NULL), PDB_OK);
    cr_assert_eq(input_stream_method(stream), INPUT_METHOD_IO_URING);
    input_stream_destroy(stream);
    free(bytes);
    close(fd);
}

Test(input_stream, read_errors_name_the_source_and_offset_every_time)
{
    for (int m = 0; m < 2; m++) {
        int fd = open("/tmp", O_RDONLY | O_DIRECTORY);
        cr_assert(fd >= 0);
        struct input_stream_options options = {4096, 2, m ? INPUT_METHOD_READ : INPUT_METHOD_IO_URING};
        struct input_stream *stream;
        cr_assert_eq(input_stream_create_with(fd, "dir.csv", &options, &stream, NULL), PDB_OK);
        for (int attempt = 0; attempt < 2; attempt++) {
            char scratch[100];
            size_t got = 99;
            struct pdb_error error = {0};
            cr_assert_eq(input_stream_read(stream, scratch, sizeof scratch, &got, &error), PDB_ERR_IO);
            cr_assert_eq(got, 99, "out-parameter untouched on failure");
            cr_assert(strstr(error.message, "dir.csv: read failed at byte 0") == error.message,
                      "%s", error.message);
            cr_assert(strstr(error.message, "directory") != NULL, "%s", error.message);
        }
        input_stream_destroy(stream);
        close(fd);
    }
}

Test(input_stream, rejects_invalid_options_and_survives_allocation_failures)
{
    struct input_stream *stream = NULL;
    struct input_stream_options bad = {0, 1, INPUT_METHOD_READ};
    cr_assert_eq(input_stream_create_with(0, "x", &bad, &stream, NULL), PDB_ERR_USAGE);
    struct input_stream_options too_deep = {4096, PDB_INPUT_READS_IN_FLIGHT + 1, INPUT_METHOD_READ};
    cr_assert_eq(input_stream_create_with(0, "x", &too_deep, &stream, NULL), PDB_ERR_USAGE);
    char *bytes;
    int fd = make_file(10000, 1, &bytes);
    for (uint64_t n = 0; n < 8; n++) {
        struct input_stream_options options = {4096, 4, INPUT_METHOD_IO_URING};
        mem_fail_after(n);
        struct pdb_error error = {0};
        enum pdb_status status = input_stream_create_with(fd, "x", &options, &stream, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            size_t size;
            char *got = read_all(stream, 10000, 0, &size);
            cr_assert_eq(size, 10000);
            free(got);
            input_stream_destroy(stream);
            cr_assert(lseek(fd, 0, SEEK_SET) == 0);
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "%s", error.message);
        }
    }
    free(bytes);
    close(fd);
}
