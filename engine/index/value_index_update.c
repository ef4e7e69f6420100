/*
 * Keeping a value index true while its column changes under a streaming writer (value_index.h):
 * rows appended after the build are added (value_index_extend), a row whose value changed in
 * place moves between bitmaps (value_index_update_row), and codes interned after the build get
 * empty bitmaps (value_index_cover_codes). Each is a few roaring adds and removes per row, so a
 * batch of updates costs the rows it changes, not a rebuild of the index.
 */
#include "index/value_index.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

int value_index_cover_codes(struct value_index *index, uint32_t entry_count)
{
    if (entry_count <= index->bitmap_count) return 0;
    struct index_bitmap **bitmaps = mem_realloc(index->bitmaps, entry_count * sizeof *bitmaps);
    if (bitmaps == NULL) return -1;
    index->bitmaps = bitmaps;
    uint64_t *cardinalities = mem_realloc(index->cardinalities, entry_count * sizeof *cardinalities);
    if (cardinalities == NULL) return -1;
    index->cardinalities = cardinalities;
    uint32_t added = entry_count - index->bitmap_count;
    memset(bitmaps + index->bitmap_count, 0, added * sizeof *bitmaps);
    memset(cardinalities + index->bitmap_count, 0, added * sizeof *cardinalities);
    index->bitmap_count = entry_count;
    return 0;
}

/* Adds `row` to *slot (created when NULL); *count grows when it was not there. */
static int add_row(struct index_bitmap **slot, uint64_t *count, uint32_t row)
{
    if (*slot == NULL && (*slot = index_bitmap_create()) == NULL) return -1;
    if (index_bitmap_add(*slot, row)) (*count)++;
    return 0;
}

static void remove_row(struct index_bitmap *bitmap, uint64_t *count, uint32_t row)
{
    if (index_bitmap_remove(bitmap, row)) (*count)--;
}

int value_index_update_row(struct value_index *index, uint32_t row, bool was_null,
                           const uint32_t *old_codes, uint32_t old_count, bool is_null,
                           const uint32_t *new_codes, uint32_t new_count)
{
    assert(row < index->row_count);
    if (was_null && !is_null) remove_row(index->nulls, &index->null_count, row);
    if (is_null && !was_null && add_row(&index->nulls, &index->null_count, row) != 0) return -1;
    if (was_null) old_count = 0;
    if (is_null) new_count = 0;
    /* Both lists ascend (a category value is one code): walk them as a merge. */
    uint32_t i = 0, j = 0;
    while (i < old_count || j < new_count) {
        if (j == new_count || (i < old_count && old_codes[i] < new_codes[j])) {
            uint32_t code = old_codes[i++];
            if (code < index->bitmap_count)
                remove_row(index->bitmaps[code], &index->cardinalities[code], row);
        } else if (i == old_count || new_codes[j] < old_codes[i]) {
            uint32_t code = new_codes[j++];
            if (code >= index->bitmap_count && value_index_cover_codes(index, code + 1u) != 0)
                return -1;
            if (add_row(&index->bitmaps[code], &index->cardinalities[code], row) != 0) return -1;
        } else {
            i++, j++; /* kept */
        }
    }
    return 0;
}

enum pdb_status value_index_extend(struct value_index *index, const struct column *column,
                                   struct pdb_error *error)
{
    uint64_t rows = column_row_count(column);
    assert(index->type == column->attribute.type && rows >= index->row_count);
    if (value_index_cover_codes(index, column->dictionary.entry_count) != 0) goto no_memory;
    for (uint64_t row_id = index->row_count; row_id < rows; row_id++) {
        const struct column_chunk *chunk = &column->chunks[row_id / PDB_CHUNK_ROWS];
        uint32_t row = (uint32_t)(row_id % PDB_CHUNK_ROWS);
        if (column_chunk_is_null(chunk, row)) {
            if (add_row(&index->nulls, &index->null_count, (uint32_t)row_id) != 0) goto no_memory;
            continue;
        }
        if (index->type == PDB_TYPE_CATEGORY) {
            uint32_t code = column_chunk_code(chunk, row);
            if (add_row(&index->bitmaps[code], &index->cardinalities[code], (uint32_t)row_id) != 0)
                goto no_memory;
            continue;
        }
        for (uint32_t t = chunk->offsets[row]; t < chunk->offsets[row + 1]; t++) {
            uint32_t code = chunk->tag_codes[t];
            if (add_row(&index->bitmaps[code], &index->cardinalities[code], (uint32_t)row_id) != 0)
                goto no_memory;
        }
    }
    index->row_count = rows;
    return PDB_OK;
no_memory:
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory extending the index of '%s'",
                     column->attribute.name);
}
