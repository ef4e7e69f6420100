/*
 * Column life cycle, appends, lanes and validation (see column.h).
 *
 * Lanes are written by appends in place while the value fits; a value the sealed lanes
 * cannot hold moves the chunk to the building form once (one copy), and the chunk is sealed
 * (narrowed, one copy) when the next chunk starts or by column_seal. Ingest never pays for
 * sealing: it encodes each full chunk straight from the building form and drops it.
 */
#include "column/column.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"

int column_chunk_init(struct column_chunk *chunk, enum pdb_type type)
{
    memset(chunk, 0, sizeof *chunk);
    chunk->nulls = mem_calloc_block(PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (chunk->nulls == NULL) return -1;
    switch (type) {
    case PDB_TYPE_BOOL:
        chunk->bools = mem_calloc_block(PDB_CHUNK_WORDS * sizeof(uint64_t));
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_CATEGORY:
        return 0; /* lanes: allocated by the first append or by the decoder, at their width */
    case PDB_TYPE_FLOAT:
        chunk->floats = mem_alloc_block(PDB_CHUNK_ROWS * sizeof(double));
        break;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS:
        chunk->offsets = mem_calloc_block((PDB_CHUNK_ROWS + 1) * sizeof(uint32_t));
        if (chunk->offsets == NULL) goto fail;
        chunk->tag_codes = NULL; /* tags: grown on demand; text uses text_bytes */
        return 0;
    default:
        assert(!"unknown type");
    }
    if (chunk->bools == NULL) goto fail;
    return 0;
fail:
    column_chunk_deinit(chunk);
    return -1;
}

void column_chunk_fold_release(struct column_chunk *chunk)
{
    if (chunk->fold.offsets != chunk->offsets) mem_free(chunk->fold.offsets);
    mem_free(chunk->fold.bytes);
    memset(&chunk->fold, 0, sizeof chunk->fold);
}

void column_chunk_deinit(struct column_chunk *chunk)
{
    column_chunk_fold_release(chunk);
    mem_free_block(chunk->nulls);
    mem_free_block(chunk->bools); /* the union's one pointer */
    mem_free_block(chunk->offsets);
    mem_free(chunk->tag_codes);
    mem_free(chunk->text_bytes);
    memset(chunk, 0, sizeof *chunk);
}

struct column *column_create(const struct attribute *attribute)
{
    struct column *column = mem_calloc(1, sizeof *column);
    if (column == NULL) return NULL;
    column->attribute = *attribute;
    dictionary_init(&column->dictionary);
    return column;
}

void column_destroy(struct column *column)
{
    if (column == NULL) return;
    for (uint32_t i = 0; i < column->chunk_count; i++) column_chunk_deinit(&column->chunks[i]);
    mem_free(column->chunks);
    dictionary_deinit(&column->dictionary);
    mem_free(column);
}

uint64_t column_row_count(const struct column *column)
{
    if (column->chunk_count == 0) return 0;
    return (uint64_t)(column->chunk_count - 1) * PDB_CHUNK_ROWS +
           column->chunks[column->chunk_count - 1].row_count;
}

void column_clear_chunks(struct column *column)
{
    for (uint32_t i = 0; i < column->chunk_count; i++) column_chunk_deinit(&column->chunks[i]);
    column->chunk_count = 0;
}

void column_move_chunks(struct column *to, struct column *from)
{
    assert(to->chunk_count == 0 && to->attribute.type == from->attribute.type);
    mem_free(to->chunks);
    to->chunks = from->chunks;
    to->chunk_count = from->chunk_count;
    to->chunk_capacity = from->chunk_capacity;
    from->chunks = NULL;
    from->chunk_count = 0;
    from->chunk_capacity = 0;
}

struct column_chunk *column_add_chunk(struct column *column)
{
    if (column->chunk_count == PDB_CHUNKS_MAX) return NULL;
    if (column->chunk_count == column->chunk_capacity) {
        uint32_t capacity = column->chunk_capacity ? column->chunk_capacity * 2 : 4;
        struct column_chunk *grown = mem_realloc(column->chunks, capacity * sizeof *grown);
        if (grown == NULL) return NULL;
        column->chunks = grown;
        column->chunk_capacity = capacity;
    }
    struct column_chunk *chunk = &column->chunks[column->chunk_count];
    if (column_chunk_init(chunk, column->attribute.type) != 0) return NULL;
    column->chunk_count++;
    return chunk;
}

/* The chunk the next row goes into, or NULL when out of memory / rows. A full last chunk is
 * sealed before the next one starts. */
static struct column_chunk *append_target(struct column *column, struct pdb_error *error)
{
    if (column->chunk_count > 0) {
        struct column_chunk *last = &column->chunks[column->chunk_count - 1];
        if (last->row_count < PDB_CHUNK_ROWS) return last;
    }
    if (column_row_count(column) >= PDB_ROWS_MAX) {
        error_set(error, PDB_ERR_LIMIT, "column '%s' holds %u rows (limit)",
                  column->attribute.name, PDB_ROWS_MAX);
        return NULL;
    }
    if (column_seal(column, error) != PDB_OK) return NULL;
    struct column_chunk *chunk = column_add_chunk(column);
    if (chunk == NULL) error_set(error, PDB_ERR_NO_MEMORY, "out of memory adding a chunk");
    return chunk;
}

/* Varying-width types: close the row's offsets entry. */
static void finish_row(struct column *column, struct column_chunk *chunk, uint32_t end)
{
    if (column->attribute.type == PDB_TYPE_TEXT || column->attribute.type == PDB_TYPE_TAGS)
        chunk->offsets[chunk->row_count + 1] = end;
    if (chunk->fold.offsets != NULL) column_chunk_fold_release(chunk); /* now stale */
    chunk->row_count++;
}

static void widen_zone_int(struct column_chunk *chunk, int64_t value)
{
    if (chunk->null_count == chunk->row_count) {
        chunk->min_int = chunk->max_int = value;
    } else {
        if (value < chunk->min_int) chunk->min_int = value;
        if (value > chunk->max_int) chunk->max_int = value;
    }
}

/* Writes the lane of a non-NULL int/timestamp value or category code at the chunk's next row:
 * in place when the lanes hold it, otherwise after moving the chunk to the building form. A
 * chunk with no non-NULL row yet (all its lanes 0) takes the value as its base. 0, or -1 when
 * out of memory (chunk unchanged). */
static int store_lane_value(struct column_chunk *chunk, enum pdb_type type, int64_t value)
{
    if (chunk->lanes == NULL && column_chunk_lanes_widen(chunk, type) != 0) return -1;
    bool is_category = type == PDB_TYPE_CATEGORY;
    if (!is_category && chunk->null_count == chunk->row_count && chunk->lane_width_bytes < 8u)
        chunk->lane_base = value;
    uint64_t lane = (uint64_t)value - (uint64_t)chunk->lane_base;
    bool fits = value >= chunk->lane_base && lane <= column_lane_max(chunk->lane_width_bytes);
    if (!fits) {
        if (column_chunk_lanes_widen(chunk, type) != 0) return -1;
        lane = (uint64_t)value - (uint64_t)chunk->lane_base;
    }
    column_chunk_lane_store(chunk, chunk->row_count, lane);
    return 0;
}

static void widen_zone_float(struct column_chunk *chunk, double value)
{
    if (chunk->null_count == chunk->row_count) {
        chunk->min_float = chunk->max_float = value;
    } else {
        if (value < chunk->min_float) chunk->min_float = value;
        if (value > chunk->max_float) chunk->max_float = value;
    }
}

enum pdb_status column_append_null(struct column *column, struct pdb_error *error)
{
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    uint32_t row = chunk->row_count;
    uint32_t end = 0;
    switch (column->attribute.type) {
    case PDB_TYPE_BOOL: break; /* bit stays 0 */
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_CATEGORY:
        if (chunk->lanes == NULL && column_chunk_lanes_widen(chunk, column->attribute.type) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending to '%s'",
                             column->attribute.name);
        column_chunk_lane_store(chunk, row, 0);
        break;
    case PDB_TYPE_FLOAT: chunk->floats[row] = 0.0; break;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: end = chunk->offsets[row]; break;
    default: assert(!"unknown type");
    }
    bitset_set(chunk->nulls, row);
    chunk->null_count++;
    finish_row(column, chunk, end);
    return PDB_OK;
}

enum pdb_status column_append_bool(struct column *column, bool value, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_BOOL);
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    if (value) bitset_set(chunk->bools, chunk->row_count);
    finish_row(column, chunk, 0);
    return PDB_OK;
}

enum pdb_status column_append_int(struct column *column, int64_t value, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_INT || column->attribute.type == PDB_TYPE_TIMESTAMP);
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    if (store_lane_value(chunk, column->attribute.type, value) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending to '%s'",
                         column->attribute.name);
    widen_zone_int(chunk, value);
    finish_row(column, chunk, 0);
    return PDB_OK;
}

enum pdb_status column_append_float(struct column *column, double value, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_FLOAT);
    assert(isfinite(value));
    if (value == 0.0) value = 0.0; /* fold -0.0 into +0.0 */
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    chunk->floats[chunk->row_count] = value;
    widen_zone_float(chunk, value);
    finish_row(column, chunk, 0);
    return PDB_OK;
}

enum pdb_status column_append_string(struct column *column, const char *data, size_t size,
                                     struct pdb_error *error)
{
    enum pdb_type type = column->attribute.type;
    assert(type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT);
    if (size > PDB_TEXT_VALUE_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "value of '%s' is %zu bytes (limit %u)",
                         column->attribute.name, size, PDB_TEXT_VALUE_SIZE_MAX);
    }
    if (type == PDB_TYPE_CATEGORY) {
        uint32_t code;
        enum pdb_status status = dictionary_intern(&column->dictionary, data, size, &code, error);
        if (status != PDB_OK) return status;
        struct column_chunk *chunk = append_target(column, error);
        if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
        if (store_lane_value(chunk, type, code) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending to '%s'",
                             column->attribute.name);
        widen_zone_int(chunk, code);
        finish_row(column, chunk, 0);
        return PDB_OK;
    }
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    if (chunk->text_bytes_size + size > PDB_CHUNK_TEXT_BYTES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "text of '%s' in one chunk exceeds %u bytes",
                         column->attribute.name, PDB_CHUNK_TEXT_BYTES_MAX);
    }
    void *bytes = chunk->text_bytes;
    if (mem_grow(&bytes, &chunk->text_bytes_capacity, chunk->text_bytes_size + size, 1) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending text");
    chunk->text_bytes = bytes;
    if (size) memcpy(chunk->text_bytes + chunk->text_bytes_size, data, size);
    chunk->text_bytes_size += size;
    finish_row(column, chunk, (uint32_t)chunk->text_bytes_size);
    return PDB_OK;
}

static int compare_codes(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

enum pdb_status column_append_tags(struct column *column, const char *const *data,
                                   const uint32_t *sizes, uint32_t count, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_TAGS);
    if (count > PDB_TAGS_PER_VALUE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%u tags in one value of '%s' (limit %u)", count,
                         column->attribute.name, PDB_TAGS_PER_VALUE_MAX);
    }
    uint32_t codes[PDB_TAGS_PER_VALUE_MAX];
    for (uint32_t i = 0; i < count; i++) {
        if (sizes[i] > PDB_TEXT_VALUE_SIZE_MAX) {
            return error_set(error, PDB_ERR_LIMIT, "tag of '%s' is %u bytes (limit %u)",
                             column->attribute.name, sizes[i], PDB_TEXT_VALUE_SIZE_MAX);
        }
        enum pdb_status status =
            dictionary_intern(&column->dictionary, data[i], sizes[i], &codes[i], error);
        if (status != PDB_OK) return status;
    }
    qsort(codes, count, sizeof codes[0], compare_codes);
    uint32_t unique = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (unique == 0 || codes[unique - 1] != codes[i]) codes[unique++] = codes[i];
    }
    return column_append_tag_codes(column, codes, unique, error);
}

enum pdb_status column_append_code(struct column *column, uint32_t code, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_CATEGORY && code < column->dictionary.entry_count);
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    if (store_lane_value(chunk, PDB_TYPE_CATEGORY, code) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending to '%s'",
                         column->attribute.name);
    widen_zone_int(chunk, code);
    finish_row(column, chunk, 0);
    return PDB_OK;
}

enum pdb_status column_append_tag_codes(struct column *column, const uint32_t *codes,
                                        uint32_t unique, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_TAGS);
    struct column_chunk *chunk = append_target(column, error);
    if (chunk == NULL) return error ? error->status : PDB_ERR_NO_MEMORY;
    uint32_t start = chunk->offsets[chunk->row_count];
    if ((uint64_t)start + unique > PDB_CHUNK_TEXT_BYTES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "too many tags of '%s' in one chunk",
                         column->attribute.name);
    }
    void *grown = chunk->tag_codes;
    if (mem_grow(&grown, &chunk->tag_codes_capacity, (size_t)start + unique, sizeof(uint32_t)) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory appending tags");
    chunk->tag_codes = grown;
    /* An empty set may leave chunk->tag_codes NULL: memcpy must not see it. */
    if (unique > 0) memcpy(chunk->tag_codes + start, codes, unique * sizeof(uint32_t));
    finish_row(column, chunk, start + unique);
    return PDB_OK;
}

void column_chunk_refresh_summary(struct column_chunk *chunk, enum pdb_type type)
{
    uint32_t rows = chunk->row_count;
    uint32_t nulls = 0;
    for (uint32_t word = 0; word * 64u < rows; word++)
        nulls += (uint32_t)__builtin_popcountll(chunk->nulls[word]);
    chunk->null_count = nulls;
    if (nulls == rows) return;
    if (type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP || type == PDB_TYPE_CATEGORY) {
        uint64_t min_lane, max_lane;
        if (!column_chunk_lanes_range(chunk, &min_lane, &max_lane)) return;
        /* Wrapping: lanes that overflow int64 past the base show as max < min or min < base,
         * which column_chunk_validate refuses. */
        chunk->min_int = (int64_t)((uint64_t)chunk->lane_base + min_lane);
        chunk->max_int = (int64_t)((uint64_t)chunk->lane_base + max_lane);
        return;
    }
    if (type != PDB_TYPE_FLOAT) return;
    double min_float = INFINITY, max_float = -INFINITY;
    for (uint32_t word = 0; word * 64u < rows; word++) {
        uint64_t null_bits = chunk->nulls[word];
        uint32_t start = word * 64u;
        uint32_t end = rows - start < 64u ? rows - start : 64u;
        if (null_bits == 0) {
            /* The common case: a branch-free min/max the compiler vectorises. */
            for (uint32_t i = 0; i < end; i++) {
                double value = chunk->floats[start + i];
                min_float = value < min_float ? value : min_float;
                max_float = value > max_float ? value : max_float;
            }
            continue;
        }
        for (uint32_t i = 0; i < end; i++) {
            if ((null_bits >> i) & 1u) continue;
            double value = chunk->floats[start + i];
            min_float = value < min_float ? value : min_float;
            max_float = value > max_float ? value : max_float;
        }
    }
    chunk->min_float = min_float;
    chunk->max_float = max_float;
}

uint64_t column_chunk_memory_size(const struct column_chunk *chunk, enum pdb_type type)
{
    uint64_t rows = chunk->row_count;
    uint64_t null_bytes = (rows + 7) / 8;
    switch (type) {
    case PDB_TYPE_BOOL: return null_bytes + (rows + 7) / 8;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_CATEGORY: return null_bytes + rows * chunk->lane_width_bytes;
    case PDB_TYPE_FLOAT: return null_bytes + rows * 8;
    case PDB_TYPE_TEXT: return null_bytes + (rows + 1) * 4 + chunk->offsets[rows];
    case PDB_TYPE_TAGS: return null_bytes + (rows + 1) * 4 + (uint64_t)chunk->offsets[rows] * 4;
    default: return 0;
    }
}

/* The lane invariants of column.h that O(1) checks can see: a lane width the type allows,
 * the sealed or the building form, and a zone map the lanes can hold above the base. */
static int validate_lanes(const struct column_chunk *chunk, enum pdb_type type)
{
    bool is_category = type == PDB_TYPE_CATEGORY;
    uint32_t width = chunk->lane_width_bytes;
    if (chunk->lanes == NULL) return chunk->row_count == 0 && width == 0 ? 0 : -1;
    if (width != 1 && width != 2 && width != 4 && (width != 8 || is_category)) return -1;
    bool is_building = is_category ? width == 4 && chunk->lane_base == 0
                                   : width == 8 && chunk->lane_base == INT64_MIN;
    if (!is_building && !column_chunk_is_sealed(chunk, type)) return -1;
    if (chunk->null_count == chunk->row_count) return 0;
    if (chunk->lane_base > chunk->min_int || chunk->min_int > chunk->max_int) return -1;
    if ((uint64_t)chunk->max_int - (uint64_t)chunk->lane_base > column_lane_max(width)) return -1;
    return 0;
}

/* scan_codes: check every category code, not only the zone map. */
static int validate_chunk(const struct column_chunk *chunk, enum pdb_type type,
                          uint32_t dictionary_entry_count, bool scan_codes)
{
    uint32_t rows = chunk->row_count;
    if (rows > PDB_CHUNK_ROWS || chunk->nulls == NULL) return -1;
    uint32_t nulls = 0;
    for (uint32_t word = 0; word < PDB_CHUNK_WORDS; word++) {
        uint64_t bits = chunk->nulls[word];
        nulls += (uint32_t)__builtin_popcountll(bits);
        /* Bits at or beyond row_count must be clear. */
        uint32_t start = word * 64u;
        uint64_t valid = start >= rows ? 0 : rows - start >= 64u ? ~0ull : (1ull << (rows - start)) - 1u;
        if (bits & ~valid) return -1;
    }
    if (nulls != chunk->null_count) return -1;
    switch (type) {
    case PDB_TYPE_BOOL:
        for (uint32_t row = rows; row < PDB_CHUNK_ROWS; row++)
            if (bitset_test(chunk->bools, row)) return -1;
        break;
    case PDB_TYPE_FLOAT:
        for (uint32_t row = 0; row < rows; row++)
            if (!isfinite(chunk->floats[row])) return -1;
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        if (validate_lanes(chunk, type) != 0) return -1;
        break;
    case PDB_TYPE_CATEGORY:
        if (validate_lanes(chunk, type) != 0) return -1;
        if (nulls < rows &&
            (chunk->min_int < 0 || chunk->max_int >= (int64_t)dictionary_entry_count))
            return -1;
        /* Every non-NULL code, not just the zone map: one pass. */
        uint64_t low, high;
        if (scan_codes && column_chunk_lanes_range(chunk, &low, &high) &&
            high >= dictionary_entry_count)
            return -1;
        break;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS:
        if (chunk->offsets[0] != 0) return -1;
        for (uint32_t row = 0; row < rows; row++) {
            if (chunk->offsets[row] > chunk->offsets[row + 1]) return -1;
            if (column_chunk_is_null(chunk, row) && chunk->offsets[row] != chunk->offsets[row + 1])
                return -1;
            if (type == PDB_TYPE_TAGS) {
                for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++) {
                    if (chunk->tag_codes[i] >= dictionary_entry_count) return -1;
                    if (i > chunk->offsets[row] && chunk->tag_codes[i - 1] >= chunk->tag_codes[i]) return -1;
                }
            }
        }
        if (type == PDB_TYPE_TEXT && chunk->offsets[rows] != chunk->text_bytes_size) return -1;
        if (type == PDB_TYPE_TEXT && chunk->fold.offsets != NULL) {
            const uint32_t *folded = chunk->fold.offsets;
            if (folded[0] != 0 || folded[rows] != chunk->fold.bytes_size) return -1;
            for (uint32_t row = 0; row < rows; row++)
                if (folded[row] > folded[row + 1]) return -1;
        }
        break;
    default: break;
    }
    return 0;
}

int column_chunk_validate(const struct column_chunk *chunk, enum pdb_type type,
                          uint32_t dictionary_entry_count)
{
    return validate_chunk(chunk, type, dictionary_entry_count, true);
}

int column_chunk_validate_summarised(const struct column_chunk *chunk, enum pdb_type type,
                                     uint32_t dictionary_entry_count)
{
    return validate_chunk(chunk, type, dictionary_entry_count, false);
}

int column_validate(const struct column *column)
{
    if (dictionary_validate(&column->dictionary) != 0) return -1;
    for (uint32_t i = 0; i < column->chunk_count; i++) {
        const struct column_chunk *chunk = &column->chunks[i];
        if (i + 1 < column->chunk_count && chunk->row_count != PDB_CHUNK_ROWS) return -1;
        if (i + 1 < column->chunk_count && !column_chunk_is_sealed(chunk, column->attribute.type))
            return -1;
        if (column_chunk_validate(chunk, column->attribute.type, column->dictionary.entry_count))
            return -1;
    }
    return 0;
}
