/*
 * pdb_segment_bitmap: the ids of a segment as one portable roaring bitmap (CRoaring's portable
 * serialisation, the RoaringFormatSpec read by the Java, Go and Rust libraries), for callers
 * that ship or store a result set rather than walk it (the server's IDS form 1).
 *
 * The ids arrive ascending from pdb_segment_ids; the positions of one chunk are gathered and
 * appended as that chunk's container (index_bitmap_append_positions picks array, bitset or
 * runs), so the bitmap is built in one pass with one 128 KiB scratch array.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "index/index_bitmap.h"

struct bitmap_builder {
    struct index_bitmap *bitmap;
    uint16_t *positions; /* PDB_CHUNK_ROWS entries */
    uint32_t chunk_index;
    uint32_t position_count;
    bool has_failed;
};

static bool flush_chunk(struct bitmap_builder *builder)
{
    if (builder->position_count == 0) return true;
    if (index_bitmap_append_positions(builder->bitmap, builder->chunk_index, builder->positions,
                                      builder->position_count) != 0) {
        builder->has_failed = true;
        return false;
    }
    builder->position_count = 0;
    return true;
}

static bool on_id(void *context, uint32_t row_id)
{
    struct bitmap_builder *builder = context;
    uint32_t chunk_index = row_id / PDB_CHUNK_ROWS;
    if (chunk_index != builder->chunk_index) {
        if (!flush_chunk(builder)) return false;
        builder->chunk_index = chunk_index;
    }
    builder->positions[builder->position_count++] = (uint16_t)(row_id % PDB_CHUNK_ROWS);
    return true;
}

enum pdb_status pdb_segment_bitmap(struct pdb_db *db, const char *segment, uint64_t limit,
                                   uint8_t **bytes_out, size_t *size_out, uint64_t *cardinality_out,
                                   struct pdb_error *error)
{
    if (bytes_out == NULL || size_out == NULL || cardinality_out == NULL)
        return error_set(error, PDB_ERR_USAGE, "output pointers are required");
    struct bitmap_builder builder = {0};
    builder.bitmap = index_bitmap_create();
    builder.positions = mem_alloc(PDB_CHUNK_ROWS * sizeof *builder.positions);
    enum pdb_status status = PDB_OK;
    uint8_t *bytes = NULL;
    if (builder.bitmap == NULL || builder.positions == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory building a bitmap");
        goto fail;
    }
    status = pdb_segment_ids(db, segment, limit, on_id, &builder, error);
    if (status != PDB_OK) goto fail;
    if (builder.has_failed || !flush_chunk(&builder)) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory building a bitmap");
        goto fail;
    }
    size_t size = index_bitmap_serialized_size(builder.bitmap);
    bytes = mem_alloc(size ? size : 1);
    if (bytes == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory serialising a bitmap");
        goto fail;
    }
    index_bitmap_serialize(builder.bitmap, bytes);
    *cardinality_out = index_bitmap_cardinality(builder.bitmap);
    *bytes_out = bytes;
    *size_out = size;
    bytes = NULL;
fail:
    mem_free(bytes);
    mem_free(builder.positions);
    index_bitmap_destroy(builder.bitmap);
    return status;
}

void pdb_bitmap_destroy(uint8_t *bytes)
{
    mem_free(bytes);
}
