/*
 * Tests for storage/segment_file.c: the saved-segments set (sorted insert, replace, find,
 * remove), the file round trip, a missing file read as an empty set, and every damage the
 * decoder must refuse: each single flipped byte, truncation at every length, a correct
 * checksum over bad contents (names out of order, a bad name, a NUL in a text, sizes past the
 * end, trailing bytes, a wrong version).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "storage/file_io.h"
#include "storage/segment_file.h"
#include "support/test_files.h"

static char directory[128];
static char path[256];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "segfile");
    snprintf(path, sizeof path, "%s/SEGMENTS", directory);
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(segment_file, .init = make_workspace, .fini = remove_workspace);

static void put(struct saved_segments *set, const char *name, const char *text)
{
    struct pdb_error error = {0};
    cr_assert_eq(saved_segments_put(set, name, text, &error), PDB_OK, "%s", error.message);
}

Test(segment_file, set_stays_sorted_and_round_trips)
{
    struct saved_segments set = {0, NULL};
    put(&set, "m", "age > 1");
    put(&set, "a", "TRUE");
    put(&set, "z.z-9_", "segment('a') AND segment('m')");
    put(&set, "m", "age > 2"); /* replaces */
    cr_assert_eq(set.count, 3u);
    cr_assert_str_eq(set.entries[0].name, "a");
    cr_assert_str_eq(set.entries[1].text, "age > 2");
    cr_assert_eq(saved_segments_find(&set, "z.z-9_", 6), 2);
    cr_assert_eq(saved_segments_find(&set, "b", 1), -1);
    struct pdb_error error = {0};
    cr_assert_eq(segment_file_write(path, &set, NULL, &error), PDB_OK, "%s", error.message);
    struct saved_segments read;
    cr_assert_eq(segment_file_read(path, &read, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(read.count, 3u);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_str_eq(read.entries[i].name, set.entries[i].name);
        cr_assert_str_eq(read.entries[i].text, set.entries[i].text);
    }
    saved_segments_remove(&read, 0);
    cr_assert_eq(read.count, 2u);
    cr_assert_str_eq(read.entries[0].name, "m");
    saved_segments_deinit(&read);
    saved_segments_deinit(&set);
}

Test(segment_file, missing_file_is_an_empty_set)
{
    struct saved_segments set = {1, NULL};
    cr_assert_eq(segment_file_read(path, &set, NULL), PDB_OK);
    cr_assert_eq(set.count, 0u);
    cr_assert_eq(segment_name_check("", 0) != NULL, true);
    cr_assert_eq(segment_name_check("a b", 3) != NULL, true);
    cr_assert_null(segment_name_check("Vip_us.2-x", 10));
}

/* A well-formed file's bytes for {"ab": "x = 1", "cd": "y"}. */
static size_t sample(uint8_t *out)
{
    struct saved_segments set = {0, NULL};
    put(&set, "ab", "x = 1");
    put(&set, "cd", "y");
    cr_assert_eq(segment_file_write(path, &set, NULL, NULL), PDB_OK);
    saved_segments_deinit(&set);
    uint8_t *data;
    size_t size;
    cr_assert_eq(file_read_all(path, 1 << 20, &data, &size, NULL), PDB_OK);
    memcpy(out, data, size);
    mem_free(data);
    return size;
}

static void reseal(uint8_t *data, size_t size)
{
    uint64_t checksum = checksum_bytes(data, size - 8);
    for (int i = 0; i < 8; i++) data[size - 8 + i] = (uint8_t)(checksum >> (8 * i));
}

static enum pdb_status decode(const uint8_t *data, size_t size)
{
    struct saved_segments set;
    struct pdb_error error = {0};
    enum pdb_status status = segment_file_decode("SEGMENTS", data, size, &set, &error);
    if (status == PDB_OK) saved_segments_deinit(&set);
    return status;
}

Test(segment_file, every_flipped_byte_and_truncation_is_refused)
{
    uint8_t data[256];
    size_t size = sample(data);
    cr_assert_eq(size, 16u + 8 + 2 + 5 + 8 + 2 + 1 + 8);
    cr_assert_eq(decode(data, size), PDB_OK);
    for (size_t i = 0; i < size; i++) {
        data[i] ^= 0x01;
        cr_assert_eq(decode(data, size), PDB_ERR_CORRUPT, "byte %zu", i);
        data[i] ^= 0x01;
    }
    for (size_t cut = 0; cut < size; cut++) cr_assert_eq(decode(data, cut), PDB_ERR_CORRUPT, "%zu bytes", cut);
}

Test(segment_file, bad_contents_behind_a_good_checksum_are_refused)
{
    uint8_t data[256], copy[256];
    size_t size = sample(data);
    /* Names out of order: "cd" before "ab" (swap the first name's bytes). */
    memcpy(copy, data, size);
    memcpy(copy + 24, "zz", 2);
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* A bad name. */
    memcpy(copy, data, size);
    copy[24] = ' ';
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* A NUL in a text. */
    memcpy(copy, data, size);
    copy[27] = '\0';
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* A text size past the end. */
    memcpy(copy, data, size);
    copy[20] = 200;
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* One entry fewer than the bytes hold: trailing bytes. */
    memcpy(copy, data, size);
    copy[12] = 1;
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* A count larger than the bytes hold. */
    memcpy(copy, data, size);
    copy[12] = 3;
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* Another version. */
    memcpy(copy, data, size);
    copy[8] = 2;
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_ERR_CORRUPT);
    /* The resealed original still decodes. */
    memcpy(copy, data, size);
    reseal(copy, size);
    cr_assert_eq(decode(copy, size), PDB_OK);
}
