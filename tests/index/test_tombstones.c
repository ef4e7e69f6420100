/*
 * Tombstone files (index/tombstones.c): merging deletions chunk by chunk, the round trip of
 * the file form, and that every truncation, byte flip and header change is PDB_ERR_CORRUPT.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "index/tombstones.h"

#define ROWS (2u * PDB_CHUNK_ROWS + 100u)

/* Chunk 0: every 3rd row; chunk 1: nothing; chunk 2: rows 0..99 (all of it). */
static struct index_bitmap *sample(uint64_t *added_out)
{
    struct index_bitmap *previous = index_bitmap_create();
    struct index_bitmap *next = index_bitmap_create();
    cr_assert(previous != NULL && next != NULL);
    uint16_t positions[3] = {0, 1, 2};
    cr_assert_eq(index_bitmap_append_positions(previous, 0, positions, 3), 0); /* rows 0..2 */
    static uint64_t added[PDB_CHUNK_WORDS], temp[PDB_CHUNK_WORDS];
    uint64_t total = 0;
    for (uint32_t chunk = 0; chunk < 3; chunk++) {
        memset(added, 0, sizeof added);
        uint32_t rows = chunk == 2 ? 100u : PDB_CHUNK_ROWS;
        for (uint32_t r = 0; r < rows; r++)
            if ((chunk == 0 && r % 3 == 0) || chunk == 2) added[r / 64] |= 1ull << (r % 64);
        int64_t chunk_added = tombstones_merge_chunk(next, previous, chunk, added, temp);
        cr_assert(chunk_added >= 0);
        total += (uint64_t)chunk_added;
    }
    index_bitmap_destroy(previous);
    *added_out = total;
    return next;
}

Test(tombstones, merge_adds_only_new_rows)
{
    uint64_t added = 0;
    struct index_bitmap *deleted = sample(&added);
    uint64_t chunk0 = (PDB_CHUNK_ROWS + 2) / 3; /* rows 0, 3, 6, ... */
    cr_assert_eq(added, chunk0 - 1 + 100, "row 0 was already deleted");
    cr_assert_eq(index_bitmap_cardinality(deleted), chunk0 + 2 + 100);
    cr_assert(index_bitmap_contains(deleted, 1) && index_bitmap_contains(deleted, 3));
    cr_assert(!index_bitmap_contains(deleted, 4));
    cr_assert_eq(index_chunk_cardinality(deleted, 1), 0);
    cr_assert(index_bitmap_contains(deleted, 2 * PDB_CHUNK_ROWS + 99));
    index_bitmap_destroy(deleted);
}

Test(tombstones, file_round_trips_and_rejects_damage)
{
    uint64_t added = 0;
    struct index_bitmap *deleted = sample(&added);
    struct buffer bytes;
    buffer_init(&bytes);
    cr_assert_eq(tombstones_serialize(deleted, ROWS, &bytes), 0);
    struct pdb_error error = {0};
    struct index_bitmap *read = NULL;
    cr_assert_eq(tombstones_deserialize(bytes.data, bytes.size, ROWS, &read, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(index_bitmap_cardinality(read), index_bitmap_cardinality(deleted));
    cr_assert_eq(index_bitmap_and_cardinality(read, deleted), index_bitmap_cardinality(deleted));
    index_bitmap_destroy(read);
    /* Rows appended after the file was written are fine; fewer rows than it covers are not. */
    cr_assert_eq(tombstones_deserialize(bytes.data, bytes.size, ROWS + 5, &read, &error), PDB_OK);
    index_bitmap_destroy(read);
    cr_assert_eq(tombstones_deserialize(bytes.data, bytes.size, ROWS - 1, &read, &error),
                 PDB_ERR_CORRUPT);
    for (size_t size = 0; size < bytes.size; size++)
        cr_assert_eq(tombstones_deserialize(bytes.data, size, ROWS, &read, &error),
                     PDB_ERR_CORRUPT, "truncated to %zu", size);
    for (size_t i = 0; i < bytes.size; i += 7) {
        bytes.data[i] ^= 0x04;
        cr_assert_eq(tombstones_deserialize(bytes.data, bytes.size, ROWS, &read, &error),
                     PDB_ERR_CORRUPT, "flip at %zu", i);
        bytes.data[i] ^= 0x04;
    }
    buffer_deinit(&bytes);
    index_bitmap_destroy(deleted);
}

Test(tombstones, empty_set_round_trips)
{
    struct buffer bytes;
    buffer_init(&bytes);
    cr_assert_eq(tombstones_serialize(NULL, 10, &bytes), 0);
    struct index_bitmap *read = (struct index_bitmap *)1;
    struct pdb_error error = {0};
    cr_assert_eq(tombstones_deserialize(bytes.data, bytes.size, 10, &read, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(index_bitmap_cardinality(read), 0);
    index_bitmap_destroy(read);
    buffer_deinit(&bytes);
}
