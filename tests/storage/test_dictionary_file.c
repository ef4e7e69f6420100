/*
 * Tests for storage/dictionary_file.c: write -> read round trips (empty dictionaries, empty
 * and binary strings, many entries), the byte layout, the manifest checksum pin, and
 * corruption: a flipped byte anywhere, every truncation, and forged files whose checksum is
 * right but whose contents are not (bad version, sizes, offsets, repeated entries) are all
 * PDB_ERR_CORRUPT naming the file. Files live in a mkdtemp directory under /tmp.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "storage/dictionary_file.h"
#include "storage/file_io.h"
#include "support/test_files.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static char directory[64];
static char path[PDB_PATH_SIZE_MAX];

static void make_directory(void)
{
    test_dir_make(directory, sizeof directory, "dictionary-file");
    snprintf(path, sizeof path, "%s/dict-0002-g5.pdd", directory);
}

static void remove_directory(void)
{
    test_dir_remove(directory);
}

static void fill(struct dictionary *dictionary, uint32_t count)
{
    dictionary_init(dictionary);
    for (uint32_t i = 0; i < count; i++) {
        char text[32];
        int size = snprintf(text, sizeof text, "entry-%u", i * 13u);
        if (i == 1) size = 0; /* the empty string */
        if (i == 2) {
            memcpy(text, "a\0b\xff", 4); /* any bytes */
            size = 4;
        }
        uint32_t code;
        cr_assert_eq(dictionary_intern(dictionary, text, (size_t)size, &code, NULL), PDB_OK);
        cr_assert_eq(code, i);
    }
}

static void assert_same(const struct dictionary *a, const struct dictionary *b)
{
    cr_assert_eq(b->entry_count, a->entry_count);
    cr_assert_eq(b->bytes_size, a->bytes_size);
    for (uint32_t code = 0; code < a->entry_count; code++) {
        uint32_t a_size, b_size;
        const char *a_bytes = dictionary_entry(a, code, &a_size);
        const char *b_bytes = dictionary_entry(b, code, &b_size);
        cr_assert_eq(b_size, a_size, "entry %u", code);
        cr_assert(memcmp(a_bytes, b_bytes, a_size) == 0, "entry %u", code);
        cr_assert_eq(dictionary_find(b, a_bytes, a_size), code);
    }
    cr_assert_eq(dictionary_validate(b), 0);
}

static uint64_t write_dictionary(const struct dictionary *dictionary)
{
    uint64_t size = 0, checksum = 0;
    struct pdb_error error = {0};
    cr_assert_eq(dictionary_file_write(path, dictionary, &size, &checksum, &error), PDB_OK, "%s",
                 error.message);
    uint64_t on_disk = 0;
    cr_assert_eq(file_size(path, &on_disk, NULL), PDB_OK);
    cr_assert_eq(size, on_disk);
    return checksum;
}

/* Reads the file expecting `expected`; returns the error message in `error`. */
static enum pdb_status read_dictionary(uint64_t checksum, struct pdb_error *error)
{
    struct dictionary read;
    dictionary_init(&read);
    enum pdb_status status = dictionary_file_read(path, checksum, &read, error);
    dictionary_deinit(&read);
    return status;
}

/* Writes image with its trailing checksum recomputed; returns the checksum. */
static uint64_t write_forged(uint8_t *image, size_t size)
{
    uint64_t checksum = checksum_bytes(image, size - 8);
    store_u64(image + size - 8, checksum);
    cr_assert_eq(file_write_durable(path, image, size, NULL), PDB_OK);
    return checksum;
}

/* ---- Round trips ------------------------------------------------------------------------ */

Test(dictionary_file, names_files_by_attribute_and_generation)
{
    char name[DICTIONARY_FILE_NAME_SIZE];
    dictionary_file_name(name, 2, 5);
    cr_assert_str_eq(name, "dict-0002-g5.pdd");
    dictionary_file_name(name, 1023, 123456789012ull);
    cr_assert_str_eq(name, "dict-1023-g123456789012.pdd");
}

Test(dictionary_file, round_trips_small_empty_and_large_dictionaries)
{
    make_directory();
    uint32_t counts[] = {0, 1, 3, 1000, 50000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct dictionary written, read;
        fill(&written, counts[i]);
        uint64_t checksum = write_dictionary(&written);
        dictionary_init(&read);
        struct pdb_error error = {0};
        cr_assert_eq(dictionary_file_read(path, checksum, &read, &error), PDB_OK, "%u entries: %s",
                     counts[i], error.message);
        assert_same(&written, &read);
        /* Interning after a read continues with the next code. */
        uint32_t code;
        cr_assert_eq(dictionary_intern(&read, "brand new", 9, &code, NULL), PDB_OK);
        cr_assert_eq(code, counts[i]);
        dictionary_deinit(&read);
        dictionary_deinit(&written);
    }
    remove_directory();
}

Test(dictionary_file, writes_the_documented_layout)
{
    make_directory();
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    uint32_t code;
    cr_assert_eq(dictionary_intern(&dictionary, "fr", 2, &code, NULL), PDB_OK);
    cr_assert_eq(dictionary_intern(&dictionary, "de", 2, &code, NULL), PDB_OK);
    cr_assert_eq(dictionary_intern(&dictionary, "", 0, &code, NULL), PDB_OK);
    uint64_t size = 0, checksum = 0;
    cr_assert_eq(dictionary_file_write(path, &dictionary, &size, &checksum, NULL), PDB_OK);
    uint8_t *image;
    size_t image_size;
    cr_assert_eq(file_read_all(path, 1024, &image, &image_size, NULL), PDB_OK);
    cr_assert_eq(image_size, 24u + 8u * 4u + 4u + 8u);
    cr_assert_eq(size, image_size);
    cr_assert(memcmp(image, "PDBDICT1", 8) == 0);
    cr_assert_eq(load_u32(image + 8), 1u);
    cr_assert_eq(load_u32(image + 12), 3u);
    cr_assert_eq(load_u64(image + 16), 4u);
    uint64_t offsets[] = {0, 2, 4, 4};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(load_u64(image + 24 + 8 * i), offsets[i]);
    cr_assert(memcmp(image + 56, "frde", 4) == 0);
    cr_assert_eq(load_u64(image + 60), checksum);
    cr_assert_eq(checksum, checksum_bytes(image, 60));
    mem_free(image);
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, rejects_a_file_the_manifest_does_not_name)
{
    make_directory();
    struct dictionary dictionary;
    fill(&dictionary, 10);
    uint64_t checksum = write_dictionary(&dictionary);
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(checksum ^ 1, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert(strstr(error.message, "not the file the manifest names") != NULL, "%s",
              error.message);
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, missing_file_is_not_found)
{
    make_directory();
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(0, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, path) != NULL);
    remove_directory();
}

/* ---- Corruption ---------------------------------------------------------------------------- */

Test(dictionary_file, detects_a_flipped_byte_at_every_offset)
{
    make_directory();
    struct dictionary dictionary;
    fill(&dictionary, 12);
    uint64_t checksum = write_dictionary(&dictionary);
    uint8_t *image;
    size_t size;
    cr_assert_eq(file_read_all(path, 1u << 20, &image, &size, NULL), PDB_OK);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    for (size_t offset = 0; offset < size; offset++) {
        for (int bit = 0; bit < 8; bit += (offset < 24 || offset >= size - 8) ? 1 : 3) {
            uint8_t byte = image[offset] ^ (uint8_t)(1u << bit);
            cr_assert_eq(pwrite(fd, &byte, 1, (off_t)offset), 1);
            struct pdb_error error = {0};
            cr_assert_eq(read_dictionary(checksum, &error), PDB_ERR_CORRUPT, "offset %zu bit %d",
                         offset, bit);
            cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
            cr_assert_eq(pwrite(fd, &image[offset], 1, (off_t)offset), 1);
        }
    }
    close(fd);
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(checksum, &error), PDB_OK, "restored: %s", error.message);
    mem_free(image);
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, detects_every_truncation_and_extension)
{
    make_directory();
    struct dictionary dictionary;
    fill(&dictionary, 9);
    uint64_t checksum = write_dictionary(&dictionary);
    uint64_t size = 0;
    cr_assert_eq(file_size(path, &size, NULL), PDB_OK);
    FILE *file = fopen(path, "ab");
    fputc('x', file);
    fclose(file);
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(checksum, &error), PDB_ERR_CORRUPT, "one byte appended");
    for (uint64_t length = size; length-- > 0;) {
        cr_assert_eq(truncate(path, (off_t)length), 0);
        memset(&error, 0, sizeof error);
        cr_assert_eq(read_dictionary(checksum, &error), PDB_ERR_CORRUPT, "truncated to %llu",
                     (unsigned long long)length);
        cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
    }
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, rejects_forged_contents_with_a_valid_checksum)
{
    make_directory();
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    uint32_t code;
    cr_assert_eq(dictionary_intern(&dictionary, "aa", 2, &code, NULL), PDB_OK);
    cr_assert_eq(dictionary_intern(&dictionary, "bbb", 3, &code, NULL), PDB_OK);
    write_dictionary(&dictionary);
    uint8_t *image;
    size_t size;
    cr_assert_eq(file_read_all(path, 1024, &image, &size, NULL), PDB_OK);
    /* Layout: 24-byte header, offsets 0 2 5 at 24/32/40, bytes "aabbb" at 48, checksum at 53. */
    cr_assert_eq(size, 61u);
    struct {
        size_t offset;
        int width; /* 4 or 8 */
        uint64_t value;
        const char *message;
    } forgeries[] = {
        {8, 4, 2, "header sizes"},                                /* version */
        {12, 4, 3, "header sizes"},                               /* count */
        {12, 4, PDB_DICTIONARY_ENTRIES_MAX + 1u, "header sizes"}, /* count above the limit */
        {16, 8, 4, "header sizes"},                               /* byte count */
        {24, 8, 1, "entry 0 has bad offsets"},                    /* first offset != 0 */
        {32, 8, 6, "entry 0 has bad offsets"},                    /* end past the bytes */
        {40, 8, 4, "trailing string bytes"},                      /* last offset short */
    };
    for (size_t f = 0; f < sizeof forgeries / sizeof forgeries[0]; f++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, image, size);
        if (forgeries[f].width == 4)
            store_u32(copy + forgeries[f].offset, (uint32_t)forgeries[f].value);
        else
            store_u64(copy + forgeries[f].offset, forgeries[f].value);
        uint64_t checksum = write_forged(copy, size);
        struct pdb_error error = {0};
        enum pdb_status status = read_dictionary(checksum, &error);
        cr_assert_eq(status, PDB_ERR_CORRUPT, "forgery %zu", f);
        cr_assert(strstr(error.message, forgeries[f].message) != NULL, "forgery %zu: %s", f,
                  error.message);
        cr_assert(strstr(error.message, path) != NULL);
        free(copy);
    }
    /* A real repeat: bytes "aaaa" split as "aa" "aa". */
    uint8_t *copy = malloc(size);
    memcpy(copy, image, size);
    store_u64(copy + 16, 4);
    store_u64(copy + 32, 2);
    store_u64(copy + 40, 4);
    memcpy(copy + 48, "aaaa", 4);
    /* Shift the checksum one byte left: the file is one byte shorter. */
    uint64_t checksum = write_forged(copy, size - 1);
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(checksum, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "entry 1 repeats entry 0") != NULL, "%s", error.message);
    free(copy);
    mem_free(image);
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, a_failed_read_can_be_cleaned_up)
{
    /* A read that fails half way has interned some entries; deinit frees them (LSan). */
    make_directory();
    struct dictionary dictionary;
    fill(&dictionary, 100);
    write_dictionary(&dictionary);
    uint8_t *image;
    size_t size;
    cr_assert_eq(file_read_all(path, 1u << 20, &image, &size, NULL), PDB_OK);
    /* Make entry 50 repeat entry 49 by giving both the same bytes. */
    uint64_t start49 = load_u64(image + 24 + 8 * 49), start50 = load_u64(image + 24 + 8 * 50);
    uint64_t end50 = load_u64(image + 24 + 8 * 51);
    size_t bytes_at = 24 + 8 * 101;
    cr_assert_eq(end50 - start50, start50 - start49);
    memcpy(image + bytes_at + start50, image + bytes_at + start49, end50 - start50);
    uint64_t checksum = write_forged(image, size);
    struct dictionary read;
    dictionary_init(&read);
    struct pdb_error error = {0};
    cr_assert_eq(dictionary_file_read(path, checksum, &read, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "entry 50 repeats entry 49") != NULL, "%s", error.message);
    dictionary_deinit(&read);
    mem_free(image);
    dictionary_deinit(&dictionary);
    remove_directory();
}

Test(dictionary_file, write_failure_reports_the_path)
{
    make_directory();
    struct dictionary dictionary;
    fill(&dictionary, 3);
    char bad[PDB_PATH_SIZE_MAX];
    snprintf(bad, sizeof bad, "%s/missing/dict.pdd", directory);
    uint64_t size = 7, checksum = 7;
    struct pdb_error error = {0};
    cr_assert_eq(dictionary_file_write(bad, &dictionary, &size, &checksum, &error), PDB_ERR_IO);
    cr_assert(strstr(error.message, bad) != NULL);
    cr_assert_eq(size, 7u, "out-parameters untouched");
    cr_assert_eq(checksum, 7u);
    mem_fail_after(0);
    enum pdb_status status = dictionary_file_write(path, &dictionary, &size, &checksum, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    cr_assert_neq(access(path, F_OK), 0);
    dictionary_deinit(&dictionary);
    remove_directory();
}

/* A forged header whose byte count makes the size sum wrap around 2^64 must not lead the
 * reader past the end of the file (ASan would report the overread). */
Test(dictionary_file, rejects_a_byte_count_that_wraps_the_size_check)
{
    make_directory();
    uint8_t image[48] = {0};
    memcpy(image, "PDBDICT1", 8);
    store_u32(image + 8, 1);
    store_u32(image + 12, 2);              /* two entries: the offsets need 24 bytes */
    store_u64(image + 16, UINT64_MAX - 7); /* 24 + 24 + B + 8 == 48 (mod 2^64) */
    store_u64(image + 24, 0);
    store_u64(image + 32, 1000); /* entry 0: 1000 bytes "inside" the file */
    uint64_t checksum = write_forged(image, sizeof image);
    struct pdb_error error = {0};
    cr_assert_eq(read_dictionary(checksum, &error), PDB_ERR_CORRUPT, "%s", error.message);
    cr_assert(strstr(error.message, path) != NULL);
    remove_directory();
}
