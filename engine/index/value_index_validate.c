/*
 * value_index_validate: checks a value index against its column, bit by bit (value_index.h).
 *
 * Each set bit (row, code) of a bitmap must be a non-NULL row whose value is (category) or
 * contains (tags) the code; and per chunk the bitmaps together must hold exactly as many bits
 * as the column has (row, code) pairs. Since a category row has one code and a tag set has
 * unique codes, the two together mean every pair is present exactly once: the category
 * bitmaps are disjoint and with the nulls cover every row, and no tag is missing. For tests
 * and debug builds; it allocates nothing (two chunk bitsets on the stack).
 */
#include "index/value_index.h"

#include <string.h>

#include "base/bitset.h"
#include "base/limits.h"

static bool row_has_code(const struct column_chunk *chunk, enum pdb_type type, uint32_t row,
                         uint32_t code);
static uint64_t chunk_pair_count(const struct column_chunk *chunk, enum pdb_type type);

int value_index_validate(const struct value_index *index, const struct column *column)
{
    enum pdb_type type = column->attribute.type;
    if (index->type != type || (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_TAGS)) return -1;
    if (index->row_count != column_row_count(column)) return -1;
    if (index->bitmap_count > column->dictionary.entry_count) return -1;

    if (index_bitmap_validate(index->nulls, index->row_count) != 0) return -1;
    if (index_bitmap_cardinality(index->nulls) != index->null_count) return -1;
    for (uint32_t code = 0; code < index->bitmap_count; code++) {
        if (index_bitmap_validate(index->bitmaps[code], index->row_count) != 0) return -1;
        if (index_bitmap_cardinality(index->bitmaps[code]) != index->cardinalities[code]) return -1;
    }

    uint64_t words[PDB_CHUNK_WORDS];
    uint64_t null_count = 0;
    for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
        const struct column_chunk *chunk = &column->chunks[chunk_index];
        value_index_null_chunk(index, chunk_index, words);
        if (memcmp(words, chunk->nulls, sizeof words) != 0) return -1;
        null_count += chunk->null_count;

        uint64_t pairs = 0;
        for (uint32_t code = 0; code < index->bitmap_count; code++) {
            const struct index_bitmap *bitmap = index->bitmaps[code];
            uint32_t expected = index_chunk_cardinality(bitmap, chunk_index);
            if (expected == 0) continue;
            index_chunk_bitset(bitmap, chunk_index, words);
            uint32_t seen = 0;
            for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
                for (uint64_t word = words[w]; word != 0; word &= word - 1) {
                    uint32_t row = w * 64u + (uint32_t)__builtin_ctzll(word);
                    if (row >= chunk->row_count || column_chunk_is_null(chunk, row)) return -1;
                    if (!row_has_code(chunk, type, row, code)) return -1;
                    seen++;
                }
            }
            if (seen != expected) return -1;
            pairs += seen;
        }
        if (pairs != chunk_pair_count(chunk, type)) return -1;
    }
    return null_count == index->null_count ? 0 : -1;
}

static bool row_has_code(const struct column_chunk *chunk, enum pdb_type type, uint32_t row,
                         uint32_t code)
{
    if (type == PDB_TYPE_CATEGORY) return column_chunk_code(chunk, row) == code;
    /* A row's tag codes are sorted ascending. */
    uint32_t low = chunk->offsets[row], high = chunk->offsets[row + 1];
    while (low < high) {
        uint32_t middle = low + (high - low) / 2u;
        if (chunk->tag_codes[middle] == code) return true;
        if (chunk->tag_codes[middle] < code)
            low = middle + 1u;
        else
            high = middle;
    }
    return false;
}

/* (row, code) pairs of a chunk: non-NULL rows for a category, tag codes for tags. */
static uint64_t chunk_pair_count(const struct column_chunk *chunk, enum pdb_type type)
{
    if (type == PDB_TYPE_CATEGORY) return (uint64_t)chunk->row_count - chunk->null_count;
    return (uint64_t)chunk->offsets[chunk->row_count] - chunk->offsets[0];
}
