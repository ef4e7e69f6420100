/*
 * Changing the values of rows a chunk already holds (streamed updates, db/db_stream_update.c).
 *
 * Fixed-width types are written in place: bools and floats always; a lane (int, timestamp,
 * category) when the value fits the chunk's lanes above lane_base, otherwise the chunk is put
 * in the building form first (one re-lane of this chunk of this column), and the caller seals
 * it once its rows are written (column_chunk_reseal). NULL rows keep the form column.h gives
 * them (lane 0, bit 0, 0.0). The zone map only widens here, so after an overwrite it is a
 * bound (min_int <= every non-NULL value <= max_int), not necessarily the exact range:
 * column.h states that; column_chunk_reseal makes it exact again for a chunk it re-lanes.
 *
 * Text and tags rows vary in size: a new value of the row's own size is written where the row
 * is, and a chunk with values of other sizes is rewritten once with all of them
 * (column_chunk_replace_values): at most one copy of the chunk per batch, not one per row.
 */
#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"
#include "column/column.h"

/* ---- Null bits and zone maps ------------------------------------------------------------- */

static void mark_null(struct column_chunk *chunk, uint32_t row, bool is_null)
{
    uint64_t bit = 1ull << (row & 63u);
    uint64_t *word = &chunk->nulls[row >> 6];
    bool was_null = (*word & bit) != 0;
    if (was_null == is_null) return;
    if (is_null) {
        *word |= bit;
        chunk->null_count++;
    } else {
        *word &= ~bit;
        chunk->null_count--;
    }
}

/* Widens the int zone map to hold `value`; had_values: the chunk had a non-NULL row before. */
static void widen_int(struct column_chunk *chunk, int64_t value, bool had_values)
{
    if (!had_values) {
        chunk->min_int = chunk->max_int = value;
        return;
    }
    if (value < chunk->min_int) chunk->min_int = value;
    if (value > chunk->max_int) chunk->max_int = value;
}

/* ---- Fixed-width values ------------------------------------------------------------------ */

void column_chunk_set_null(struct column_chunk *chunk, enum pdb_type type, uint32_t row)
{
    assert(row < chunk->row_count);
    switch (type) {
    case PDB_TYPE_BOOL: chunk->bools[row >> 6] &= ~(1ull << (row & 63u)); break;
    case PDB_TYPE_FLOAT: chunk->floats[row] = 0.0; break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_CATEGORY: column_chunk_lane_store(chunk, row, 0); break;
    default: assert(!"text and tags go through column_chunk_replace_values"); break;
    }
    mark_null(chunk, row, true);
}

void column_chunk_set_bool(struct column_chunk *chunk, uint32_t row, bool value)
{
    assert(row < chunk->row_count);
    uint64_t bit = 1ull << (row & 63u);
    if (value)
        chunk->bools[row >> 6] |= bit;
    else
        chunk->bools[row >> 6] &= ~bit;
    mark_null(chunk, row, false);
}

void column_chunk_set_float(struct column_chunk *chunk, uint32_t row, double value)
{
    assert(row < chunk->row_count);
    bool had_values = chunk->null_count < chunk->row_count;
    chunk->floats[row] = value;
    mark_null(chunk, row, false);
    if (!had_values) {
        chunk->min_float = chunk->max_float = value;
    } else {
        if (value < chunk->min_float) chunk->min_float = value;
        if (value > chunk->max_float) chunk->max_float = value;
    }
}

int column_chunk_set_int(struct column_chunk *chunk, enum pdb_type type, uint32_t row,
                         int64_t value)
{
    assert(row < chunk->row_count && (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP));
    bool had_values = chunk->null_count < chunk->row_count;
    uint64_t lane = (uint64_t)value - (uint64_t)chunk->lane_base;
    /* A chunk without values has the NULL form (base 0): its first value re-lanes it. */
    bool fits = had_values && chunk->lanes != NULL && value >= chunk->lane_base &&
                lane <= column_lane_max(chunk->lane_width_bytes);
    if (!fits && column_chunk_lanes_widen(chunk, type) != 0) return -1; /* re-lane this chunk */
    column_chunk_int_store(chunk, row, value);
    mark_null(chunk, row, false);
    widen_int(chunk, value, had_values);
    return 0;
}

int column_chunk_set_code(struct column_chunk *chunk, uint32_t row, uint32_t code)
{
    assert(row < chunk->row_count);
    bool had_values = chunk->null_count < chunk->row_count;
    bool fits = chunk->lanes != NULL && code <= column_lane_max(chunk->lane_width_bytes);
    if (!fits && column_chunk_lanes_widen(chunk, PDB_TYPE_CATEGORY) != 0) return -1;
    column_chunk_lane_store(chunk, row, code);
    mark_null(chunk, row, false);
    widen_int(chunk, (int64_t)code, had_values);
    return 0;
}

int column_chunk_reseal(struct column_chunk *chunk, enum pdb_type type)
{
    if (column_chunk_is_sealed(chunk, type)) return 0;
    column_chunk_refresh_summary(chunk, type); /* exact again: the narrowest lanes */
    return column_chunk_seal(chunk, type);
}

/* ---- Text and tags ----------------------------------------------------------------------- */

enum pdb_status column_chunk_replace_values(struct column_chunk *chunk, enum pdb_type type,
                                            const struct column_replacement *replacements,
                                            uint32_t count, struct pdb_error *error)
{
    assert(type == PDB_TYPE_TEXT || type == PDB_TYPE_TAGS);
    if (count == 0) return PDB_OK;
    size_t unit = type == PDB_TYPE_TEXT ? 1u : sizeof(uint32_t);
    uint32_t rows = chunk->row_count;
    uint8_t *values = type == PDB_TYPE_TEXT ? (uint8_t *)chunk->text_bytes : (uint8_t *)chunk->tag_codes;
    /* The new size: the old one, minus each replaced row's, plus its replacement's; the
     * replacements of a row's own size (a tag set of as many tags, a text of as many bytes,
     * the common case) are written where the row is. */
    uint64_t total = chunk->offsets[rows];
    uint32_t resized_count = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = replacements[i].row;
        assert(row < rows && (i == 0 || replacements[i - 1].row < row));
        uint32_t old_size = chunk->offsets[row + 1] - chunk->offsets[row];
        uint32_t size = replacements[i].is_null ? 0u : replacements[i].size;
        total += (uint64_t)size - old_size;
        resized_count += size != old_size;
    }
    if (total > PDB_CHUNK_TEXT_BYTES_MAX)
        return error_set(error, PDB_ERR_LIMIT, "a chunk's %s would exceed %u entries",
                         type == PDB_TYPE_TEXT ? "text bytes" : "tag codes", PDB_CHUNK_TEXT_BYTES_MAX);
    uint8_t *fresh = resized_count > 0 ? mem_alloc(total > 0 ? total * unit : 1u) : NULL;
    const struct column_replacement **resized =
        resized_count > 0 ? mem_alloc(resized_count * sizeof *resized) : NULL;
    if (resized_count > 0 && (fresh == NULL || resized == NULL)) {
        mem_free(fresh);
        mem_free(resized);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory rewriting a chunk");
    }
    uint32_t next = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct column_replacement *replacement = &replacements[i];
        uint32_t row = replacement->row;
        uint32_t size = replacement->is_null ? 0u : replacement->size;
        if (size != chunk->offsets[row + 1] - chunk->offsets[row]) {
            resized[next++] = replacement;
            continue;
        }
        if (size > 0) memcpy(values + (size_t)chunk->offsets[row] * unit, replacement->data, (size_t)size * unit);
        mark_null(chunk, row, replacement->is_null);
    }
    if (type == PDB_TYPE_TEXT) column_chunk_fold_release(chunk); /* the case-folded form is stale */
    if (resized_count == 0) return PDB_OK;
    /* The others: one copy of the chunk, runs of unchanged rows whole; an offset is read
     * before it is rewritten. */
    const uint8_t *old = values;
    uint32_t written = 0, run_start = 0;
    uint32_t old_start = chunk->offsets[0];
    for (uint32_t i = 0; i <= resized_count; i++) {
        uint32_t row = i < resized_count ? resized[i]->row : rows;
        /* Unchanged rows [run_start, row): one memcpy, offsets shifted by one delta. Only
         * offsets[run_start] may already hold a new offset, so an empty run ends where it starts. */
        uint32_t old_end = row == run_start ? old_start : chunk->offsets[row];
        if (old_end > old_start)
            memcpy(fresh + (size_t)written * unit, old + (size_t)old_start * unit,
                   (size_t)(old_end - old_start) * unit);
        int64_t delta = (int64_t)written - (int64_t)old_start;
        for (uint32_t r = run_start; r < row; r++)
            chunk->offsets[r + 1] = (uint32_t)((int64_t)chunk->offsets[r + 1] + delta);
        written += old_end - old_start;
        if (i == resized_count) break;
        const struct column_replacement *replacement = resized[i];
        uint32_t size = replacement->is_null ? 0u : replacement->size;
        if (size > 0) memcpy(fresh + (size_t)written * unit, replacement->data, (size_t)size * unit);
        old_start = chunk->offsets[row + 1];
        written += size;
        chunk->offsets[row + 1] = written;
        mark_null(chunk, row, replacement->is_null);
        run_start = row + 1;
    }
    assert(written == total);
    mem_free(resized);
    if (type == PDB_TYPE_TEXT) {
        mem_free(chunk->text_bytes);
        chunk->text_bytes = (char *)fresh;
        chunk->text_bytes_size = total;
        chunk->text_bytes_capacity = total > 0 ? total : 1u;
    } else {
        mem_free(chunk->tag_codes);
        chunk->tag_codes = (uint32_t *)fresh;
        chunk->tag_codes_capacity = total > 0 ? total : 1u;
    }
    return PDB_OK;
}
