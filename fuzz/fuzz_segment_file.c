/*
 * libFuzzer target for the saved-segments file decoder (engine/storage/segment_file.c).
 *
 * The input is a whole SEGMENTS file, and a second time the same bytes with a correct
 * checksum appended over all but their last 8 bytes, so the entry decoding behind the
 * checksum is reached too. Whatever decodes must satisfy the file's invariants (valid names
 * in strictly ascending order, each found by its own name). Any failure aborts. Built and
 * run by fuzz/build.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/checksum.h"
#include "storage/segment_file.h"

#define FUZZ_CHECK(condition)                                                                 \
    do {                                                                                       \
        if (!(condition)) abort();                                                             \
    } while (0)

static void check_set(const struct saved_segments *set)
{
    for (uint32_t i = 0; i < set->count; i++) {
        const char *name = set->entries[i].name;
        FUZZ_CHECK(segment_name_check(name, strlen(name)) == NULL);
        FUZZ_CHECK(saved_segments_find(set, name, strlen(name)) == (int32_t)i);
        if (i > 0) FUZZ_CHECK(strcmp(set->entries[i - 1].name, name) < 0);
    }
}

static void decode_one(const uint8_t *data, size_t size)
{
    struct saved_segments set;
    struct pdb_error error;
    if (segment_file_decode("fuzz", data, size, &set, &error) != PDB_OK) return;
    check_set(&set);
    saved_segments_deinit(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_one(data, size);
    if (size >= 8) {
        uint8_t *copy = malloc(size);
        if (copy == NULL) return 0;
        memcpy(copy, data, size);
        uint64_t checksum = checksum_bytes(copy, size - 8);
        for (int i = 0; i < 8; i++) copy[size - 8 + i] = (uint8_t)(checksum >> (8 * i));
        decode_one(copy, size);
        free(copy);
    }
    return 0;
}
