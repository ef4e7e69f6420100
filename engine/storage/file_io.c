/*
 * File primitives (see file_io.h). All reads and writes loop on short transfers and EINTR.
 */
#include "storage/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"

enum pdb_status path_join(char *out, const char *directory, const char *name,
                          struct pdb_error *error)
{
    int used = snprintf(out, PDB_PATH_SIZE_MAX, "%s/%s", directory, name);
    if (used < 0 || (size_t)used >= PDB_PATH_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "path %s/%s is longer than %u bytes", directory,
                         name, PDB_PATH_SIZE_MAX);
    }
    return PDB_OK;
}

/* ---- Fault injection ------------------------------------------------------------------ */

struct fault {
    uint64_t calls;       /* since the process started */
    uint64_t fail_at;     /* calls value that fails; 0 = disarmed */
    int errno_value;
};

static struct fault faults[FILE_FAULT_POINT_COUNT];

void file_fault_inject(enum file_fault_point point, uint32_t after, int errno_value)
{
    faults[point].errno_value = errno_value;
    faults[point].fail_at = errno_value ? __atomic_load_n(&faults[point].calls, __ATOMIC_RELAXED) + after + 1u : 0;
}

uint64_t file_fault_count(enum file_fault_point point)
{
    return __atomic_load_n(&faults[point].calls, __ATOMIC_RELAXED);
}

/* Counts a call at `point`; returns the errno it must fail with, or 0. */
static int fault_check(enum file_fault_point point)
{
    uint64_t call = __atomic_add_fetch(&faults[point].calls, 1u, __ATOMIC_RELAXED);
    if (faults[point].fail_at == 0 || call != faults[point].fail_at) return 0;
    faults[point].fail_at = 0;
    return faults[point].errno_value;
}

static int sync_fd(int fd, bool data_only)
{
    int injected = fault_check(FILE_FAULT_SYNC);
    if (injected) {
        errno = injected;
        return -1;
    }
    return data_only ? fdatasync(fd) : fsync(fd);
}

/* ---- Writing ----------------------------------------------------------------------------- */

/* write(2) (offset < 0) or pwrite(2) of everything, looping on short writes and EINTR. */
static enum pdb_status write_all_at(int fd, const char *path, int64_t offset, const void *data,
                                    size_t size, struct pdb_error *error)
{
    int injected = fault_check(FILE_FAULT_WRITE);
    if (injected) return error_set_errno(error, PDB_ERR_IO, injected, "%s: write failed", path);
    const uint8_t *cursor = data;
    while (size > 0) {
        ssize_t written = offset < 0 ? write(fd, cursor, size) : pwrite(fd, cursor, size, offset);
        if (written < 0) {
            if (errno == EINTR) continue;
            return error_set_errno(error, PDB_ERR_IO, errno, "%s: write failed", path);
        }
        cursor += written;
        size -= (size_t)written;
        if (offset >= 0) offset += written;
    }
    return PDB_OK;
}

enum pdb_status file_write_at(int fd, const char *path, uint64_t offset, const void *data,
                              size_t size, struct pdb_error *error)
{
    return write_all_at(fd, path, (int64_t)offset, data, size, error);
}

enum pdb_status file_sync(int fd, const char *path, struct pdb_error *error)
{
    if (sync_fd(fd, true) != 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: fdatasync failed", path);
    return PDB_OK;
}

static enum pdb_status write_all(int fd, const char *path, const void *data, size_t size,
                                 struct pdb_error *error)
{
    return write_all_at(fd, path, -1, data, size, error);
}

enum pdb_status file_write_durable(const char *path, const void *data, size_t size,
                                   struct pdb_error *error)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create", path);
    enum pdb_status status = write_all(fd, path, data, size, error);
    if (status == PDB_OK && sync_fd(fd, false) != 0)
        status = error_set_errno(error, PDB_ERR_IO, errno, "%s: fsync failed", path);
    if (close(fd) != 0 && status == PDB_OK)
        status = error_set_errno(error, PDB_ERR_IO, errno, "%s: close failed", path);
    if (status != PDB_OK) unlink(path);
    return status;
}

enum pdb_status file_sync_directory(const char *directory, struct pdb_error *error)
{
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot open directory", directory);
    enum pdb_status status = PDB_OK;
    if (sync_fd(fd, false) != 0) status = error_set_errno(error, PDB_ERR_IO, errno, "%s: fsync of directory failed", directory);
    close(fd);
    return status;
}

enum pdb_status file_replace_atomic(const char *path, const void *data, size_t size,
                                    bool *is_renamed_out, struct pdb_error *error)
{
    if (is_renamed_out != NULL) *is_renamed_out = false;
    char temporary[PDB_PATH_SIZE_MAX];
    int used = snprintf(temporary, sizeof temporary, "%s.tmp", path);
    if (used < 0 || (size_t)used >= sizeof temporary)
        return error_set(error, PDB_ERR_LIMIT, "path %s is too long", path);
    enum pdb_status status = file_write_durable(temporary, data, size, error);
    if (status != PDB_OK) return status;
    if (rename(temporary, path) != 0) {
        int saved = errno;
        unlink(temporary);
        return error_set_errno(error, PDB_ERR_IO, saved, "%s: rename from %s failed", path, temporary);
    }
    if (is_renamed_out != NULL) *is_renamed_out = true;
    char directory[PDB_PATH_SIZE_MAX];
    memcpy(directory, path, strlen(path) + 1);
    char *slash = strrchr(directory, '/');
    if (slash == NULL) {
        directory[0] = '.';
        directory[1] = '\0';
    } else if (slash == directory) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    return file_sync_directory(directory, error);
}

enum pdb_status file_read_all(const char *path, size_t size_max, uint8_t **data_out,
                              size_t *size_out, struct pdb_error *error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return error_set_errno(error, errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, errno,
                               "%s: cannot open", path);
    }
    struct stat info;
    if (fstat(fd, &info) != 0) {
        int saved = errno;
        close(fd);
        return error_set_errno(error, PDB_ERR_IO, saved, "%s: cannot stat", path);
    }
    if ((uint64_t)info.st_size > size_max) {
        close(fd);
        return error_set(error, PDB_ERR_LIMIT, "%s: file is %lld bytes (limit %zu)", path,
                         (long long)info.st_size, size_max);
    }
    size_t size = (size_t)info.st_size;
    uint8_t *data = mem_alloc(size + 1);
    if (data == NULL) {
        close(fd);
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory reading %zu bytes", path, size);
    }
    enum pdb_status status = file_read_at(fd, path, 0, data, size, error);
    close(fd);
    if (status != PDB_OK) {
        mem_free(data);
        return status;
    }
    data[size] = 0;
    *data_out = data;
    *size_out = size;
    return PDB_OK;
}

enum pdb_status file_read_at(int fd, const char *path, uint64_t offset, void *data, size_t size,
                             struct pdb_error *error)
{
    uint8_t *cursor = data;
    while (size > 0) {
        ssize_t got = pread(fd, cursor, size, (off_t)offset);
        if (got < 0) {
            if (errno == EINTR) continue;
            return error_set_errno(error, PDB_ERR_IO, errno, "%s: read at offset %llu failed", path,
                                   (unsigned long long)offset);
        }
        if (got == 0) {
            return error_set(error, PDB_ERR_CORRUPT, "%s: file ends at offset %llu, %zu bytes "
                             "short (truncated?)", path, (unsigned long long)offset, size);
        }
        cursor += got;
        offset += (uint64_t)got;
        size -= (size_t)got;
    }
    return PDB_OK;
}

enum pdb_status file_size(const char *path, uint64_t *size_out, struct pdb_error *error)
{
    struct stat info;
    if (stat(path, &info) != 0) {
        return error_set_errno(error, errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, errno,
                               "%s: cannot stat", path);
    }
    *size_out = (uint64_t)info.st_size;
    return PDB_OK;
}
