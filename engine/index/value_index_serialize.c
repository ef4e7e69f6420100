/*
 * The persistent form of a value index: a small header, the NULL bitmap and one bitmap per
 * code in CRoaring's portable format (RoaringFormatSpec), and a checksum over everything.
 *
 *   offset  size  field
 *   0       8     magic "PDBVIDX1"
 *   8       4     format version (1)
 *   12      4     attribute type (enum pdb_type: PDB_TYPE_CATEGORY or PDB_TYPE_TAGS)
 *   16      8     row count R (<= PDB_ROWS_MAX)
 *   24      4     bitmap count B (<= PDB_DICTIONARY_ENTRIES_MAX)
 *   28      4     reserved, 0
 *   32      ...   B + 1 bitmaps, the NULL bitmap first, then codes 0 .. B-1; each is
 *                 u32 size S, then S bytes of a portable roaring bitmap (S = 0: empty set)
 *   end-8   8     xxh3 (checksum_bytes) of bytes [0, end-8)
 *
 * All integers little-endian. Reading trusts nothing: the checksum is checked first, then
 * every field and every bitmap (index_bitmap_deserialize: exact size, structure, rows < R).
 * What the checksum alone vouches for: a structurally valid category index whose bitmaps
 * overlap, or whose cardinalities disagree with a column, cannot be told from a good one
 * without the column (value_index_validate does that).
 */
#include "index/value_index.h"

#include <string.h>

#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "index/value_index_internal.h"

#define VALUE_INDEX_MAGIC "PDBVIDX1"
#define VALUE_INDEX_MAGIC_SIZE 8u
#define VALUE_INDEX_VERSION 1u
#define VALUE_INDEX_HEADER_SIZE 32u
#define VALUE_INDEX_CHECKSUM_SIZE 8u
#define VALUE_INDEX_BITMAP_SIZE_FIELD 4u

static size_t bitmap_record_size(const struct index_bitmap *bitmap);
static void bitmap_record_write(const struct index_bitmap *bitmap, uint8_t *out);

int value_index_serialize(const struct value_index *index, struct buffer *out)
{
    /* Size first, so the buffer grows once and a failure leaves it as it was. */
    uint64_t total = VALUE_INDEX_HEADER_SIZE + VALUE_INDEX_CHECKSUM_SIZE;
    total += bitmap_record_size(index->nulls);
    for (uint32_t code = 0; code < index->bitmap_count; code++)
        total += bitmap_record_size(index->bitmaps[code]);
    if (buffer_reserve(out, (size_t)total) != 0) return -1;

    uint8_t *start = out->data + out->size;
    memcpy(start, VALUE_INDEX_MAGIC, VALUE_INDEX_MAGIC_SIZE);
    store_u32(start + 8, VALUE_INDEX_VERSION);
    store_u32(start + 12, (uint32_t)index->type);
    store_u64(start + 16, index->row_count);
    store_u32(start + 24, index->bitmap_count);
    store_u32(start + 28, 0);
    uint8_t *cursor = start + VALUE_INDEX_HEADER_SIZE;
    bitmap_record_write(index->nulls, cursor);
    cursor += bitmap_record_size(index->nulls);
    for (uint32_t code = 0; code < index->bitmap_count; code++) {
        bitmap_record_write(index->bitmaps[code], cursor);
        cursor += bitmap_record_size(index->bitmaps[code]);
    }
    store_u64(cursor, checksum_bytes(start, (size_t)(cursor - start)));
    out->size += (size_t)total;
    return 0;
}

enum pdb_status value_index_deserialize(const uint8_t *bytes, size_t size,
                                        struct value_index **index_out, struct pdb_error *error)
{
    if (size < VALUE_INDEX_HEADER_SIZE + VALUE_INDEX_CHECKSUM_SIZE) {
        return error_set(error, PDB_ERR_CORRUPT, "value index of %zu bytes is truncated", size);
    }
    size_t body_size = size - VALUE_INDEX_CHECKSUM_SIZE;
    if (checksum_bytes(bytes, body_size) != load_u64(bytes + body_size)) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: checksum mismatch");
    }
    if (memcmp(bytes, VALUE_INDEX_MAGIC, VALUE_INDEX_MAGIC_SIZE) != 0) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: bad magic");
    }
    uint32_t version = load_u32(bytes + 8);
    if (version != VALUE_INDEX_VERSION) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: unknown format version %u", version);
    }
    uint32_t type = load_u32(bytes + 12);
    if (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_TAGS) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: attribute type %u has no index",
                         type);
    }
    uint64_t row_count = load_u64(bytes + 16);
    uint32_t bitmap_count = load_u32(bytes + 24);
    if (row_count > PDB_ROWS_MAX || bitmap_count > PDB_DICTIONARY_ENTRIES_MAX ||
        load_u32(bytes + 28) != 0) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: bad header (%llu rows, %u bitmaps)",
                         (unsigned long long)row_count, bitmap_count);
    }
    /* Every bitmap needs its size field: reject a count the bytes cannot hold before
     * allocating for it. */
    size_t offset = VALUE_INDEX_HEADER_SIZE;
    if (((uint64_t)bitmap_count + 1u) * VALUE_INDEX_BITMAP_SIZE_FIELD > body_size - offset) {
        return error_set(error, PDB_ERR_CORRUPT, "value index: %u bitmaps do not fit in %zu bytes",
                         bitmap_count, size);
    }

    struct value_index *index = NULL;
    enum pdb_status status =
        value_index_allocate((enum pdb_type)type, bitmap_count, row_count, &index, error);
    if (status != PDB_OK) return status;

    for (uint64_t i = 0; i <= bitmap_count; i++) {
        if (body_size - offset < VALUE_INDEX_BITMAP_SIZE_FIELD) {
            status = error_set(error, PDB_ERR_CORRUPT, "value index: truncated at bitmap %llu",
                               (unsigned long long)i);
            goto fail;
        }
        uint32_t bitmap_size = load_u32(bytes + offset);
        offset += VALUE_INDEX_BITMAP_SIZE_FIELD;
        if (bitmap_size > body_size - offset) {
            status = error_set(error, PDB_ERR_CORRUPT,
                               "value index: bitmap %llu of %u bytes overruns the data",
                               (unsigned long long)i, bitmap_size);
            goto fail;
        }
        struct index_bitmap *bitmap = NULL;
        status = index_bitmap_deserialize(bytes + offset, bitmap_size, row_count, &bitmap, error);
        if (status != PDB_OK) {
            error_prefix(error, "value index, bitmap %llu at offset %zu: ", (unsigned long long)i,
                         offset);
            goto fail;
        }
        offset += bitmap_size;
        uint64_t cardinality = index_bitmap_cardinality(bitmap);
        if (i == 0) {
            index->nulls = bitmap;
            index->null_count = cardinality;
        } else {
            index->bitmaps[i - 1] = bitmap;
            index->cardinalities[i - 1] = cardinality;
        }
    }
    if (offset != body_size) {
        status = error_set(error, PDB_ERR_CORRUPT, "value index: %zu bytes after the last bitmap",
                           body_size - offset);
        goto fail;
    }
    *index_out = index;
    return PDB_OK;

fail:
    value_index_destroy(index);
    return status;
}

static size_t bitmap_record_size(const struct index_bitmap *bitmap)
{
    return VALUE_INDEX_BITMAP_SIZE_FIELD + index_bitmap_serialized_size(bitmap);
}

static void bitmap_record_write(const struct index_bitmap *bitmap, uint8_t *out)
{
    size_t size = index_bitmap_serialized_size(bitmap);
    store_u32(out, (uint32_t)size);
    index_bitmap_serialize(bitmap, out + VALUE_INDEX_BITMAP_SIZE_FIELD);
}
