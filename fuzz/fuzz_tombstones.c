/*
 * libFuzzer target for tombstone files (engine/index/tombstones.c) and the portable roaring
 * bitmaps inside them (index_bitmap_deserialize).
 *
 * A tombstone file comes from disk, so tombstones_deserialize must refuse malformed bytes with
 * PDB_ERR_CORRUPT (or PDB_ERR_NO_MEMORY) and never read out of bounds. The first 4 input
 * bytes are the database's row count; the rest is the file. A file that reads must pass
 * index_bitmap_validate and serialise back to bytes that read to the same set. Checksums would
 * stop almost every input early, so the target also re-seals the body with a fresh checksum.
 */
// fuzz/build.sh --run 60   (builds every fuzz/fuzz_*.c)

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/checksum.h"
#include "index/tombstones.h"

static void check(const uint8_t *bytes, size_t size, uint64_t row_count)
{
    struct index_bitmap *deleted = NULL;
    struct pdb_error error;
    if (tombstones_deserialize(bytes, size, row_count, &deleted, &error) != PDB_OK) return;
    if (index_bitmap_validate(deleted, row_count) != 0) abort();
    struct buffer again;
    buffer_init(&again);
    if (tombstones_serialize(deleted, row_count, &again) != 0) abort();
    struct index_bitmap *read = NULL;
    if (tombstones_deserialize(again.data, again.size, row_count, &read, &error) != PDB_OK) abort();
    if (index_bitmap_cardinality(read) != index_bitmap_cardinality(deleted) ||
        index_bitmap_and_cardinality(read, deleted) != index_bitmap_cardinality(deleted))
        abort();
    index_bitmap_destroy(read);
    buffer_deinit(&again);
    index_bitmap_destroy(deleted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    uint64_t row_count = load_u32(data) % (1u << 24);
    data += 4;
    size -= 4;
    check(data, size, row_count);
    if (size >= 8) { /* the same body with a valid checksum */
        uint8_t *sealed = malloc(size);
        if (sealed == NULL) return 0;
        memcpy(sealed, data, size);
        store_u64(sealed + size - 8, checksum_bytes(sealed, size - 8));
        check(sealed, size, row_count);
        free(sealed);
    }
    return 0;
}
