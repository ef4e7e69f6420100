/*
 * The tombstone file and merging deletions into the tombstone set (tombstones.h).
 *
 *   offset  size  field
 *   0       8     magic "PDBTOMB1"
 *   8       4     format version (1)
 *   12      4     reserved, 0
 *   16      8     row count R the set was written for (rows of the database then)
 *   24      8     cardinality (deleted rows)
 *   32      S     one portable roaring bitmap (S = 0: nothing deleted)
 *   end-8   8     xxh3 (checksum_bytes) of bytes [0, end-8)
 *
 * All integers little-endian. Reading checks the checksum first, then the header, then the
 * bitmap (index_bitmap_deserialize: exact size, structure, rows < R) and its cardinality.
 */
#include "index/tombstones.h"

#include <string.h>

#include "base/bitset.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"

#define TOMBSTONES_MAGIC "PDBTOMB1"
#define TOMBSTONES_VERSION 1u
#define TOMBSTONES_HEADER_SIZE 32u
#define TOMBSTONES_CHECKSUM_SIZE 8u

int tombstones_serialize(const struct index_bitmap *deleted, uint64_t row_count,
                         struct buffer *out)
{
    size_t bitmap_size = index_bitmap_serialized_size(deleted);
    size_t total = TOMBSTONES_HEADER_SIZE + bitmap_size + TOMBSTONES_CHECKSUM_SIZE;
    if (buffer_reserve(out, total) != 0) return -1;
    uint8_t *start = out->data + out->size;
    memcpy(start, TOMBSTONES_MAGIC, 8);
    store_u32(start + 8, TOMBSTONES_VERSION);
    store_u32(start + 12, 0);
    store_u64(start + 16, row_count);
    store_u64(start + 24, index_bitmap_cardinality(deleted));
    if (bitmap_size > 0) index_bitmap_serialize(deleted, start + TOMBSTONES_HEADER_SIZE);
    uint8_t *end = start + TOMBSTONES_HEADER_SIZE + bitmap_size;
    store_u64(end, checksum_bytes(start, (size_t)(end - start)));
    out->size += total;
    return 0;
}

enum pdb_status tombstones_deserialize(const uint8_t *bytes, size_t size, uint64_t row_count,
                                       struct index_bitmap **deleted_out,
                                       struct pdb_error *error)
{
    if (size < TOMBSTONES_HEADER_SIZE + TOMBSTONES_CHECKSUM_SIZE)
        return error_set(error, PDB_ERR_CORRUPT, "tombstones of %zu bytes are truncated", size);
    size_t body_size = size - TOMBSTONES_CHECKSUM_SIZE;
    if (checksum_bytes(bytes, body_size) != load_u64(bytes + body_size))
        return error_set(error, PDB_ERR_CORRUPT, "tombstones: checksum mismatch");
    if (memcmp(bytes, TOMBSTONES_MAGIC, 8) != 0)
        return error_set(error, PDB_ERR_CORRUPT, "tombstones: bad magic");
    if (load_u32(bytes + 8) != TOMBSTONES_VERSION || load_u32(bytes + 12) != 0)
        return error_set(error, PDB_ERR_CORRUPT, "tombstones: unknown format version %u",
                         load_u32(bytes + 8));
    uint64_t written_rows = load_u64(bytes + 16);
    uint64_t cardinality = load_u64(bytes + 24);
    if (written_rows > row_count || written_rows > PDB_ROWS_MAX || cardinality > written_rows) {
        return error_set(error, PDB_ERR_CORRUPT,
                         "tombstones: written for %llu rows, the database has %llu",
                         (unsigned long long)written_rows, (unsigned long long)row_count);
    }
    struct index_bitmap *deleted = NULL;
    size_t bitmap_size = body_size - TOMBSTONES_HEADER_SIZE;
    if (bitmap_size > 0) {
        enum pdb_status status = index_bitmap_deserialize(bytes + TOMBSTONES_HEADER_SIZE,
                                                          bitmap_size, written_rows, &deleted,
                                                          error);
        if (status != PDB_OK) {
            error_prefix(error, "tombstones: ");
            return status;
        }
    }
    uint64_t stored = index_bitmap_cardinality(deleted);
    if (stored != cardinality) {
        index_bitmap_destroy(deleted);
        return error_set(error, PDB_ERR_CORRUPT, "tombstones: %llu rows stored, header says %llu",
                         (unsigned long long)stored, (unsigned long long)cardinality);
    }
    *deleted_out = deleted;
    return PDB_OK;
}

int64_t tombstones_merge_chunk(struct index_bitmap *next, const struct index_bitmap *previous,
                               uint32_t chunk_index, const uint64_t *added_words,
                               uint64_t *temp_words)
{
    index_chunk_bitset(previous, chunk_index, temp_words);
    int64_t added = 0;
    if (added_words != NULL) {
        for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
            added += __builtin_popcountll(added_words[w] & ~temp_words[w]);
            temp_words[w] |= added_words[w];
        }
    }
    if (index_bitmap_append_words(next, chunk_index, temp_words) != 0) return -1;
    return added;
}
