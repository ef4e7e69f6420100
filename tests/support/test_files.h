/*
 * Test helper: the scratch files of a test. A fresh directory under /tmp, removing it with
 * everything below it, writing and reading small files, and counting or finding the files of
 * a database directory by name prefix ("chunk-", "dict-", "deleted-", ...). Header-only; every
 * failure is a Criterion assertion, so a test never runs on a half-made workspace.
 */
#ifndef PDB_TESTS_SUPPORT_TEST_FILES_H
#define PDB_TESTS_SUPPORT_TEST_FILES_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes /tmp/pdb-<name>-XXXXXX (out receives its path). */
static inline void test_dir_make(char *out, size_t size, const char *name)
{
    int written = snprintf(out, size, "/tmp/pdb-%s-XXXXXX", name);
    cr_assert(written > 0 && (size_t)written < size, "scratch path too long for %s", name);
    cr_assert_not_null(mkdtemp(out), "mkdtemp %s: %s", out, strerror(errno));
}

static inline int test_dir_remove_entry(const char *path, const struct stat *status, int kind,
                                        struct FTW *walk)
{
    (void)status, (void)kind, (void)walk;
    return remove(path) == 0 ? 0 : -1;
}

/* Removes `path` and everything below it (a missing path is fine). */
static inline void test_dir_remove(const char *path)
{
    if (access(path, F_OK) != 0) return;
    cr_assert_eq(nftw(path, test_dir_remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0, "removing %s: %s",
                 path, strerror(errno));
}

static inline void test_file_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file, "%s: %s", path, strerror(errno));
    cr_assert_eq(fputs(text, file) >= 0 && fclose(file) == 0, 1, "writing %s", path);
}

/* The whole file, NUL-terminated; owned by the caller (free). */
static inline char *test_file_read(const char *path)
{
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s: %s", path, strerror(errno));
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    cr_assert_not_null(text);
    for (size_t got; (got = fread(text + size, 1, capacity - size - 1, file)) > 0;) {
        size += got;
        if (capacity - size - 1 == 0) {
            capacity *= 2;
            text = realloc(text, capacity);
            cr_assert_not_null(text);
        }
    }
    fclose(file);
    text[size] = '\0';
    return text;
}

/* How many entries of `directory` have a name starting with `prefix`. */
static inline uint32_t test_dir_count(const char *directory, const char *prefix)
{
    DIR *handle = opendir(directory);
    cr_assert_not_null(handle, "%s: %s", directory, strerror(errno));
    uint32_t count = 0;
    for (struct dirent *entry; (entry = readdir(handle)) != NULL;)
        count += strncmp(entry->d_name, prefix, strlen(prefix)) == 0;
    closedir(handle);
    return count;
}

/* The name of an entry of `directory` starting with `prefix` (the last readdir gives), into
 * name_out; asserts that there is one. */
static inline void test_dir_find(const char *directory, const char *prefix, char *name_out,
                                 size_t name_size)
{
    DIR *handle = opendir(directory);
    cr_assert_not_null(handle, "%s: %s", directory, strerror(errno));
    name_out[0] = '\0';
    for (struct dirent *entry; (entry = readdir(handle)) != NULL;)
        if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0)
            snprintf(name_out, name_size, "%s", entry->d_name);
    closedir(handle);
    cr_assert_neq(name_out[0], '\0', "no %s* in %s", prefix, directory);
}

#endif
