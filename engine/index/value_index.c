/*
 * Building value indexes and reading them per chunk (value_index.h).
 *
 * The build makes one pass over the column's chunks. Per chunk it groups the row positions by
 * code -- rows come out ascending within each code -- and appends one finished container per
 * code present to that code's bitmap; the NULL bits become the null bitmap's container as
 * they are. Nothing is ever inserted in the middle of a bitmap or converted afterwards.
 *
 * Grouping has two forms. A small dictionary (<= INDEX_BUCKETED_CODES_MAX codes, the common
 * case: countries, tiers, interests) gets a fixed bucket of PDB_CHUNK_ROWS positions per code
 * and is grouped in a single pass. A larger one uses a counting sort (count, then place) that
 * remembers which codes the chunk touched, so codes absent from a chunk cost nothing. Tuned for
 * 10^7..10^8 rows; the scratch is allocated once per build, never per row.
 */
#include "index/value_index.h"
#include "index/value_index_internal.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/limits.h"
#include "base/status.h"

/* Dictionaries up to this many codes are grouped in one pass into per-code buckets of
 * PDB_CHUNK_ROWS positions: 128 KiB of scratch per code, 8 MiB at most. (A code appears at
 * most once per row, also in a tag set, so a bucket never overflows.) */
#define INDEX_BUCKETED_CODES_MAX 64u

/* Scratch of one build. */
struct index_builder {
    bool is_bucketed;
    uint32_t entry_count;
    uint32_t *counts;  /* [entry_count] rows per code in the current chunk, else 0 */
    uint32_t *next;    /* [entry_count] end of the code's positions once grouped */
    uint32_t *touched; /* [entry_count] codes with counts > 0 */
    uint32_t touched_count;
    uint16_t *positions; /* row positions grouped by code */
    size_t positions_capacity;
    uint16_t *row_starts; /* tags: per tag code slot, how many rows start there */
    size_t row_starts_capacity;
};

static int builder_init(struct index_builder *builder, uint32_t entry_count);
static void builder_deinit(struct index_builder *builder);
static int group_chunk(struct index_builder *builder, enum pdb_type type,
                       const struct column_chunk *chunk);
static void count_category_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void count_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void group_category_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void group_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void bucket_category_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void bucket_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk);
static void bucket_finish(struct index_builder *builder);
static int mark_row_starts(struct index_builder *builder, const struct column_chunk *chunk);
static int append_chunk(struct value_index *index, struct index_builder *builder,
                        uint32_t chunk_index);

/* ---- Life cycle ----------------------------------------------------------------------------- */

enum pdb_status value_index_build(const struct column *column, struct value_index **index_out,
                                  struct pdb_error *error)
{
    enum pdb_type type = column->attribute.type;
    if (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_TAGS) {
        return error_set(error, PDB_ERR_USAGE,
                         "'%s' is not a category or tags column: it has no value index",
                         column->attribute.name);
    }
    uint32_t entry_count = column->dictionary.entry_count;
    struct value_index *index = NULL;
    enum pdb_status status =
        value_index_allocate(type, entry_count, column_row_count(column), &index, error);
    if (status != PDB_OK) return status;

    struct index_builder builder;
    if (builder_init(&builder, entry_count) != 0) goto fail_memory;

    for (uint32_t chunk_index = 0; chunk_index < column->chunk_count; chunk_index++) {
        const struct column_chunk *chunk = &column->chunks[chunk_index];
        if (group_chunk(&builder, type, chunk) != 0) goto fail_builder;
        if (append_chunk(index, &builder, chunk_index) != 0) goto fail_builder;
        if (chunk->null_count > 0) {
            if (index->nulls == NULL && (index->nulls = index_bitmap_create()) == NULL)
                goto fail_builder;
            if (index_bitmap_append_words(index->nulls, chunk_index, chunk->nulls) != 0)
                goto fail_builder;
            index->null_count += chunk->null_count;
        }
    }
    builder_deinit(&builder);
    *index_out = index;
    return PDB_OK;

fail_builder:
    builder_deinit(&builder);
fail_memory:
    value_index_destroy(index);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory building the index of '%s'",
                     column->attribute.name);
}

void value_index_destroy(struct value_index *index)
{
    if (index == NULL) return;
    if (index->bitmaps != NULL) {
        for (uint32_t code = 0; code < index->bitmap_count; code++)
            index_bitmap_destroy(index->bitmaps[code]);
    }
    index_bitmap_destroy(index->nulls);
    mem_free(index->cardinalities);
    mem_free(index->bitmaps);
    mem_free(index);
}

/* ---- Estimates ------------------------------------------------------------------------------ */

uint64_t value_index_cardinality(const struct value_index *index, uint32_t code)
{
    return code < index->bitmap_count ? index->cardinalities[code] : 0;
}

uint64_t value_index_null_count(const struct value_index *index)
{
    return index->null_count;
}

double value_index_selectivity(const struct value_index *index, const uint32_t *codes,
                               uint32_t count)
{
    if (index->row_count == 0) return 0.0;
    uint64_t rows = 0;
    for (uint32_t i = 0; i < count; i++)
        rows += value_index_cardinality(index, codes[i]);
    if (rows >= index->row_count) return 1.0;
    return (double)rows / (double)index->row_count;
}

/* ---- Chunk bitsets -------------------------------------------------------------------------- */

const struct index_bitmap *value_index_bitmap(const struct value_index *index, uint32_t code)
{
    return code < index->bitmap_count ? index->bitmaps[code] : NULL;
}

void value_index_union_chunk(const struct value_index *index, const uint32_t *codes, uint32_t count,
                             uint32_t chunk_index, uint64_t *out_words)
{
    bool written = false;
    for (uint32_t i = 0; i < count; i++) {
        const struct index_bitmap *bitmap = value_index_bitmap(index, codes[i]);
        if (bitmap == NULL) continue;
        if (!written) {
            index_chunk_bitset(bitmap, chunk_index, out_words); /* copies a bitset container */
            written = true;
        } else {
            index_chunk_bitset_or(bitmap, chunk_index, out_words);
        }
    }
    if (!written) bitset_zero(out_words);
}

void value_index_intersect_chunk(const struct value_index *index, const uint32_t *codes,
                                 uint32_t count, uint32_t chunk_index, uint64_t *out_words,
                                 uint64_t *temp_words)
{
    assert(count >= 1);
    for (uint32_t i = 0; i < count; i++) {
        const struct index_bitmap *bitmap = value_index_bitmap(index, codes[i]);
        if (index_chunk_cardinality(bitmap, chunk_index) == 0) {
            bitset_zero(out_words);
            return;
        }
    }
    index_chunk_bitset(value_index_bitmap(index, codes[0]), chunk_index, out_words);
    for (uint32_t i = 1; i < count; i++) {
        index_chunk_bitset(value_index_bitmap(index, codes[i]), chunk_index, temp_words);
        for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) out_words[w] &= temp_words[w];
    }
}

void value_index_null_chunk(const struct value_index *index, uint32_t chunk_index,
                            uint64_t *out_words)
{
    index_chunk_bitset(index->nulls, chunk_index, out_words);
}

/* ---- Helpers -------------------------------------------------------------------------------- */

enum pdb_status value_index_allocate(enum pdb_type type, uint32_t bitmap_count, uint64_t row_count,
                                     struct value_index **index_out, struct pdb_error *error)
{
    struct value_index *index = mem_calloc(1, sizeof *index);
    if (index == NULL) goto fail;
    index->type = type;
    index->row_count = row_count;
    index->bitmap_count = bitmap_count;
    /* calloc of 0 elements may return NULL: allocate at least one. */
    size_t slots = bitmap_count > 0 ? bitmap_count : 1u;
    index->bitmaps = mem_calloc(slots, sizeof index->bitmaps[0]);
    index->cardinalities = mem_calloc(slots, sizeof index->cardinalities[0]);
    if (index->bitmaps == NULL || index->cardinalities == NULL) goto fail;
    *index_out = index;
    return PDB_OK;

fail:
    value_index_destroy(index);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory allocating an index of %u values",
                     bitmap_count);
}

static int builder_init(struct index_builder *builder, uint32_t entry_count)
{
    memset(builder, 0, sizeof *builder);
    builder->entry_count = entry_count;
    size_t slots = entry_count > 0 ? entry_count : 1u;
    builder->counts = mem_calloc(slots, sizeof(uint32_t));
    builder->next = mem_alloc(slots * sizeof(uint32_t));
    builder->touched = mem_alloc(slots * sizeof(uint32_t));
    if (builder->counts == NULL || builder->next == NULL || builder->touched == NULL) goto fail;
    if (entry_count > 0 && entry_count <= INDEX_BUCKETED_CODES_MAX) {
        builder->is_bucketed = true;
        builder->positions_capacity = (size_t)entry_count * PDB_CHUNK_ROWS;
        builder->positions = mem_alloc(builder->positions_capacity * sizeof(uint16_t));
        if (builder->positions == NULL) goto fail;
    }
    return 0;

fail:
    builder_deinit(builder);
    return -1;
}

static void builder_deinit(struct index_builder *builder)
{
    mem_free(builder->row_starts);
    mem_free(builder->positions);
    mem_free(builder->touched);
    mem_free(builder->next);
    mem_free(builder->counts);
    memset(builder, 0, sizeof *builder);
}

/* Groups the chunk's row positions by code: afterwards touched[0 .. touched_count) lists the
 * codes present, and code c's positions end at positions[next[c]] and number counts[c].
 * Returns 0, or -1 when the scratch cannot grow. */
static int group_chunk(struct index_builder *builder, enum pdb_type type,
                       const struct column_chunk *chunk)
{
    builder->touched_count = 0;
    if (type == PDB_TYPE_TAGS && mark_row_starts(builder, chunk) != 0) return -1;
    if (builder->is_bucketed) {
        if (type == PDB_TYPE_CATEGORY)
            bucket_category_chunk(builder, chunk);
        else
            bucket_tags_chunk(builder, chunk);
        bucket_finish(builder);
        return 0;
    }
    size_t needed = type == PDB_TYPE_CATEGORY
                        ? chunk->row_count
                        : chunk->offsets[chunk->row_count] - chunk->offsets[0];
    void *grown = builder->positions;
    if (mem_grow(&grown, &builder->positions_capacity, needed > 0 ? needed : 1u,
                 sizeof(uint16_t)) != 0)
        return -1;
    builder->positions = grown;
    if (type == PDB_TYPE_CATEGORY) {
        count_category_chunk(builder, chunk);
        group_category_chunk(builder, chunk);
    } else {
        count_tags_chunk(builder, chunk);
        group_tags_chunk(builder, chunk);
    }
    return 0;
}

static inline void count_code(struct index_builder *builder, uint32_t code)
{
    if (builder->counts[code]++ == 0) builder->touched[builder->touched_count++] = code;
}

/* Counts the non-NULL rows of each code. */
static void count_category_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    uint32_t rows = chunk->row_count;
    if (chunk->null_count == 0) {
        for (uint32_t row = 0; row < rows; row++)
            count_code(builder, column_chunk_code(chunk, row));
        return;
    }
    for (uint32_t row = 0; row < rows; row++)
        if (!column_chunk_is_null(chunk, row)) count_code(builder, column_chunk_code(chunk, row));
}

/* Counts the rows holding each tag. A NULL row holds an empty set, so it adds nothing. */
static void count_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    const uint32_t *codes = chunk->tag_codes;
    uint32_t end = chunk->offsets[chunk->row_count];
    for (uint32_t i = chunk->offsets[0]; i < end; i++)
        count_code(builder, codes[i]);
}

/* Start offsets in `positions` for each touched code, in touched order. */
static void assign_slots(struct index_builder *builder)
{
    uint32_t offset = 0;
    for (uint32_t i = 0; i < builder->touched_count; i++) {
        uint32_t code = builder->touched[i];
        builder->next[code] = offset;
        offset += builder->counts[code];
    }
}

static void group_category_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    assign_slots(builder);
    uint32_t *next = builder->next;
    uint16_t *positions = builder->positions;
    uint32_t rows = chunk->row_count;
    if (chunk->null_count == 0) {
        for (uint32_t row = 0; row < rows; row++)
            positions[next[column_chunk_code(chunk, row)]++] = (uint16_t)row;
        return;
    }
    for (uint32_t row = 0; row < rows; row++)
        if (!column_chunk_is_null(chunk, row))
            positions[next[column_chunk_code(chunk, row)]++] = (uint16_t)row;
}

static void group_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    assign_slots(builder);
    uint32_t pair_count = chunk->offsets[chunk->row_count] - chunk->offsets[0];
    if (pair_count == 0) return; /* chunk->tag_codes may be NULL */
    const uint32_t *codes = chunk->tag_codes + chunk->offsets[0];
    const uint16_t *row_starts = builder->row_starts;
    uint32_t *next = builder->next;
    uint16_t *positions = builder->positions;
    uint32_t row = 0;
    for (uint32_t i = 0; i < pair_count; i++) {
        row += row_starts[i];
        positions[next[codes[i]]++] = (uint16_t)row;
    }
}

/* Bucketed grouping: code c's positions go to positions[c * PDB_CHUNK_ROWS ...], counted in
 * counts[c]; one pass, no per-row branch on first sight. */
static void bucket_category_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    uint32_t *counts = builder->counts;
    uint16_t *positions = builder->positions;
    uint32_t rows = chunk->row_count;
    if (chunk->null_count == 0) {
        for (uint32_t row = 0; row < rows; row++) {
            uint32_t code = column_chunk_code(chunk, row);
            positions[(size_t)code * PDB_CHUNK_ROWS + counts[code]++] = (uint16_t)row;
        }
        return;
    }
    for (uint32_t row = 0; row < rows; row++) {
        if (column_chunk_is_null(chunk, row)) continue;
        uint32_t code = column_chunk_code(chunk, row);
        positions[(size_t)code * PDB_CHUNK_ROWS + counts[code]++] = (uint16_t)row;
    }
}

static void bucket_tags_chunk(struct index_builder *builder, const struct column_chunk *chunk)
{
    uint32_t pair_count = chunk->offsets[chunk->row_count] - chunk->offsets[0];
    if (pair_count == 0) return; /* chunk->tag_codes may be NULL */
    const uint32_t *codes = chunk->tag_codes + chunk->offsets[0];
    const uint16_t *row_starts = builder->row_starts;
    uint32_t *counts = builder->counts;
    uint16_t *positions = builder->positions;
    uint32_t row = 0;
    for (uint32_t i = 0; i < pair_count; i++) {
        row += row_starts[i];
        uint32_t code = codes[i];
        positions[(size_t)code * PDB_CHUNK_ROWS + counts[code]++] = (uint16_t)row;
    }
}

/* Tags: the row of each (row, tag) pair without a loop per row, whose 0-5 iterations the
 * branch predictor cannot guess: row_starts[i] counts the rows r >= 1 whose tags begin at
 * pair i, so the running sum of row_starts[0 .. i] is the row of pair i (empty sets add
 * several starts to one slot; at most 65,535 in all, so uint16_t holds any slot). */
static int mark_row_starts(struct index_builder *builder, const struct column_chunk *chunk)
{
    const uint32_t *offsets = chunk->offsets;
    uint32_t pair_count = offsets[chunk->row_count] - offsets[0];
    void *grown = builder->row_starts;
    if (mem_grow(&grown, &builder->row_starts_capacity, (size_t)pair_count + 1u,
                 sizeof(uint16_t)) != 0)
        return -1;
    builder->row_starts = grown;
    uint16_t *row_starts = builder->row_starts;
    memset(row_starts, 0, ((size_t)pair_count + 1u) * sizeof(uint16_t));
    for (uint32_t row = 1; row < chunk->row_count; row++)
        row_starts[offsets[row] - offsets[0]]++;
    return 0;
}

/* Lists the codes present and where their positions end, as append_chunk expects. */
static void bucket_finish(struct index_builder *builder)
{
    for (uint32_t code = 0; code < builder->entry_count; code++) {
        if (builder->counts[code] == 0) continue;
        builder->touched[builder->touched_count++] = code;
        builder->next[code] = code * PDB_CHUNK_ROWS + builder->counts[code];
    }
}

/* Appends each touched code's positions as the chunk's container of its bitmap and resets the
 * counts for the next chunk (also on failure, so the builder stays consistent). */
static int append_chunk(struct value_index *index, struct index_builder *builder,
                        uint32_t chunk_index)
{
    int result = 0;
    for (uint32_t i = 0; i < builder->touched_count; i++) {
        uint32_t code = builder->touched[i];
        uint32_t count = builder->counts[code];
        builder->counts[code] = 0;
        if (result != 0) continue;
        assert(code < index->bitmap_count);
        /* After grouping, next[code] is the end of the code's positions. */
        const uint16_t *positions = builder->positions + (builder->next[code] - count);
        if (index->bitmaps[code] == NULL &&
            (index->bitmaps[code] = index_bitmap_create()) == NULL) {
            result = -1;
            continue;
        }
        if (index_bitmap_append_positions(index->bitmaps[code], chunk_index, positions, count) !=
            0) {
            result = -1;
            continue;
        }
        index->cardinalities[code] += count;
    }
    builder->touched_count = 0;
    return result;
}
