/*
 * Tests for storage/file_io.c: durable writes, atomic replacement (content replaced, no
 * ".tmp" left behind, failures clean up), whole-file and positioned reads with their limits
 * and truncation errors, file sizes and path joining. Every test works in its own mkdtemp
 * directory under /tmp and removes it.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "storage/file_io.h"
#include "support/test_files.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static char directory[64];

static void make_directory(void)
{
    test_dir_make(directory, sizeof directory, "file-io");
}

static void remove_directory(void)
{
    test_dir_remove(directory);
}

static int directory_entry_count(void)
{
    return (int)test_dir_count(directory, "") - 2; /* every entry but "." and ".." */
}

static void in_directory(char *out, const char *name)
{
    snprintf(out, PDB_PATH_SIZE_MAX, "%s/%s", directory, name);
}

static void assert_file_holds(const char *path, const char *expected, size_t expected_size)
{
    uint8_t *data = NULL;
    size_t size = 0;
    struct pdb_error error = {0};
    cr_assert_eq(file_read_all(path, 1u << 20, &data, &size, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(size, expected_size);
    cr_assert(memcmp(data, expected, size) == 0);
    cr_assert_eq(data[size], 0, "file_read_all NUL-terminates");
    mem_free(data);
}

/* ---- Writes ----------------------------------------------------------------------------- */

Test(file_io, write_durable_creates_and_truncates)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "data");
    cr_assert_eq(file_write_durable(path, "hello world", 11, NULL), PDB_OK);
    assert_file_holds(path, "hello world", 11);
    cr_assert_eq(file_write_durable(path, "bye", 3, NULL), PDB_OK);
    assert_file_holds(path, "bye", 3);
    cr_assert_eq(file_write_durable(path, NULL, 0, NULL), PDB_OK);
    assert_file_holds(path, "", 0);
    struct stat info;
    cr_assert_eq(stat(path, &info), 0);
    mode_t mask = umask(0);
    umask(mask);
    cr_assert_eq(info.st_mode & 0777, 0644 & ~mask);
    remove_directory();
}

Test(file_io, write_durable_reports_the_path_when_it_cannot_create)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "missing/data");
    struct pdb_error error = {0};
    cr_assert_eq(file_write_durable(path, "x", 1, &error), PDB_ERR_IO);
    cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
    cr_assert(strstr(error.message, "No such file") != NULL, "%s", error.message);
    remove_directory();
}

Test(file_io, write_durable_handles_large_data)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "big");
    size_t size = 3u << 20;
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i * 31u);
    cr_assert_eq(file_write_durable(path, data, size, NULL), PDB_OK);
    uint8_t *read = NULL;
    size_t read_size = 0;
    cr_assert_eq(file_read_all(path, size, &read, &read_size, NULL), PDB_OK);
    cr_assert_eq(read_size, size);
    cr_assert(memcmp(read, data, size) == 0);
    mem_free(read);
    free(data);
    remove_directory();
}

Test(file_io, replace_atomic_replaces_content_and_leaves_no_tmp)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX], tmp[PDB_PATH_SIZE_MAX];
    in_directory(path, "MANIFEST");
    in_directory(tmp, "MANIFEST.tmp");
    cr_assert_eq(file_replace_atomic(path, "one\n", 4, NULL, NULL), PDB_OK);
    assert_file_holds(path, "one\n", 4);
    cr_assert_neq(access(tmp, F_OK), 0, ".tmp must not remain");
    for (int i = 0; i < 5; i++) {
        char text[32];
        int size = snprintf(text, sizeof text, "generation %d\n", i);
        cr_assert_eq(file_replace_atomic(path, text, (size_t)size, NULL, NULL), PDB_OK);
        assert_file_holds(path, text, (size_t)size);
        cr_assert_neq(access(tmp, F_OK), 0);
    }
    cr_assert_eq(directory_entry_count(), 1, "only the target exists");
    remove_directory();
}

Test(file_io, replace_atomic_overwrites_a_stale_tmp)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX], tmp[PDB_PATH_SIZE_MAX];
    in_directory(path, "target");
    in_directory(tmp, "target.tmp");
    cr_assert_eq(file_write_durable(tmp, "stale leftover of a crash", 25, NULL), PDB_OK);
    cr_assert_eq(file_replace_atomic(path, "new", 3, NULL, NULL), PDB_OK);
    assert_file_holds(path, "new", 3);
    cr_assert_neq(access(tmp, F_OK), 0);
    remove_directory();
}

Test(file_io, replace_atomic_works_with_a_relative_path)
{
    make_directory();
    cr_assert_eq(chdir(directory), 0); /* each Criterion test runs in its own process */
    cr_assert_eq(file_replace_atomic("relative", "abc", 3, NULL, NULL), PDB_OK);
    assert_file_holds("relative", "abc", 3);
    cr_assert_neq(access("relative.tmp", F_OK), 0);
    cr_assert_eq(chdir("/"), 0);
    remove_directory();
}

Test(file_io, replace_atomic_failure_keeps_the_old_file_and_removes_the_tmp)
{
    make_directory();
    /* The target is a non-empty directory: the rename fails after the .tmp was written. */
    char target[PDB_PATH_SIZE_MAX], inside[PDB_PATH_SIZE_MAX], tmp[PDB_PATH_SIZE_MAX];
    in_directory(target, "target");
    cr_assert_eq(mkdir(target, 0755), 0);
    in_directory(inside, "target/keep");
    cr_assert_eq(file_write_durable(inside, "kept", 4, NULL), PDB_OK);
    in_directory(tmp, "target.tmp");
    struct pdb_error error = {0};
    cr_assert_eq(file_replace_atomic(target, "new", 3, NULL, &error), PDB_ERR_IO);
    cr_assert(strstr(error.message, target) != NULL, "%s", error.message);
    cr_assert_neq(access(tmp, F_OK), 0, "the .tmp is removed after a failed rename");
    assert_file_holds(inside, "kept", 4);
    cr_assert_eq(unlink(inside), 0);
    cr_assert_eq(rmdir(target), 0);

    /* A missing directory: nothing is created. */
    char missing[PDB_PATH_SIZE_MAX];
    in_directory(missing, "no/such/file");
    cr_assert_eq(file_replace_atomic(missing, "x", 1, NULL, &error), PDB_ERR_IO);
    cr_assert_eq(directory_entry_count(), 0);
    remove_directory();
}

Test(file_io, replace_atomic_rejects_a_path_too_long_for_its_tmp)
{
    char path[PDB_PATH_SIZE_MAX];
    memset(path, 'a', sizeof path);
    path[0] = '/';
    path[PDB_PATH_SIZE_MAX - 3] = '\0'; /* fits, but "<path>.tmp" does not */
    struct pdb_error error = {0};
    cr_assert_eq(file_replace_atomic(path, "x", 1, NULL, &error), PDB_ERR_LIMIT);
}

/* ---- Reads ------------------------------------------------------------------------------ */

Test(file_io, read_all_enforces_the_size_limit_exactly)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "ten");
    cr_assert_eq(file_write_durable(path, "0123456789", 10, NULL), PDB_OK);
    uint8_t *data = (uint8_t *)"sentinel";
    size_t size = 77;
    struct pdb_error error = {0};
    cr_assert_eq(file_read_all(path, 9, &data, &size, &error), PDB_ERR_LIMIT);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert_str_eq((const char *)data, "sentinel", "out-parameters untouched on failure");
    cr_assert_eq(size, 77u);
    cr_assert_eq(file_read_all(path, 10, &data, &size, &error), PDB_OK);
    cr_assert_eq(size, 10u);
    mem_free(data);
    remove_directory();
}

Test(file_io, read_all_of_an_empty_file)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "empty");
    cr_assert_eq(file_write_durable(path, "", 0, NULL), PDB_OK);
    assert_file_holds(path, "", 0);
    remove_directory();
}

Test(file_io, read_all_of_a_missing_file_is_not_found)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "absent");
    uint8_t *data = NULL;
    size_t size = 0;
    struct pdb_error error = {0};
    cr_assert_eq(file_read_all(path, 100, &data, &size, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert_null(data);
    /* A directory is not readable as a file. */
    cr_assert_eq(file_read_all(directory, 1u << 20, &data, &size, &error), PDB_ERR_IO);
    remove_directory();
}

Test(file_io, read_at_reports_a_short_file_as_corrupt)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "short");
    cr_assert_eq(file_write_durable(path, "abcdef", 6, NULL), PDB_OK);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    char buffer[8] = {0};
    cr_assert_eq(file_read_at(fd, path, 2, buffer, 4, NULL), PDB_OK);
    cr_assert(memcmp(buffer, "cdef", 4) == 0);
    cr_assert_eq(file_read_at(fd, path, 6, buffer, 0, NULL), PDB_OK, "zero bytes at the end");
    struct pdb_error error = {0};
    cr_assert_eq(file_read_at(fd, path, 3, buffer, 4, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
    cr_assert(strstr(error.message, "truncated") != NULL, "%s", error.message);
    cr_assert_eq(file_read_at(fd, path, 100, buffer, 1, &error), PDB_ERR_CORRUPT);
    close(fd);
    cr_assert_eq(file_read_at(-1, path, 0, buffer, 1, &error), PDB_ERR_IO);
    remove_directory();
}

Test(file_io, size_and_sync_directory)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "sized");
    cr_assert_eq(file_write_durable(path, "12345", 5, NULL), PDB_OK);
    uint64_t size = 99;
    cr_assert_eq(file_size(path, &size, NULL), PDB_OK);
    cr_assert_eq(size, 5u);
    in_directory(path, "nope");
    size = 99;
    cr_assert_eq(file_size(path, &size, NULL), PDB_ERR_NOT_FOUND);
    cr_assert_eq(size, 99u);
    cr_assert_eq(file_sync_directory(directory, NULL), PDB_OK);
    struct pdb_error error = {0};
    cr_assert_eq(file_sync_directory(path, &error), PDB_ERR_IO);
    cr_assert(strstr(error.message, path) != NULL);
    remove_directory();
}

Test(file_io, path_join_checks_the_limit)
{
    char out[PDB_PATH_SIZE_MAX];
    cr_assert_eq(path_join(out, "/db", "MANIFEST", NULL), PDB_OK);
    cr_assert_str_eq(out, "/db/MANIFEST");
    char long_name[PDB_PATH_SIZE_MAX];
    memset(long_name, 'x', sizeof long_name);
    long_name[PDB_PATH_SIZE_MAX - 5] = '\0'; /* "/db/" + name = 4095 bytes + NUL: fits */
    cr_assert_eq(path_join(out, "/db", long_name, NULL), PDB_OK);
    long_name[PDB_PATH_SIZE_MAX - 5] = 'x';
    long_name[PDB_PATH_SIZE_MAX - 4] = '\0'; /* one byte more: does not */
    struct pdb_error error = {0};
    cr_assert_eq(path_join(out, "/db", long_name, &error), PDB_ERR_LIMIT);
}
