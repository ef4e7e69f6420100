/*
 * Columns in memory: one attribute's values for every row, in chunks of PDB_CHUNK_ROWS.
 *
 * This is the scan-friendly form the query executor reads; column/encoding.c turns a chunk
 * into the compact on-disk block and back. Per chunk and per type:
 *
 *   type       values                                          a NULL row holds
 *   bool       bools: bitset, PDB_CHUNK_WORDS words             bit 0
 *   int        ints: int64_t[PDB_CHUNK_ROWS]                    0
 *   timestamp  ints: int64_t[PDB_CHUNK_ROWS] (epoch seconds)    0
 *   float      floats: double[PDB_CHUNK_ROWS] (no NaN/inf)      0.0
 *   category   codes: uint32_t[PDB_CHUNK_ROWS] into dictionary  0 (meaningless)
 *   text       offsets: uint32_t[row_count + 1] into bytes      an empty string
 *   tags       offsets: uint32_t[row_count + 1] into codes;     an empty set
 *              codes sorted ascending, unique within a row
 *
 * Invariants: every chunk but the last holds exactly PDB_CHUNK_ROWS rows; `nulls` always has
 * PDB_CHUNK_WORDS words with bits only below row_count; null_count == popcount(nulls);
 * fixed-width arrays have PDB_CHUNK_ROWS capacity so appends never reallocate them; the zone
 * map (min/max over non-null values) is exact for int, timestamp and float chunks.
 *
 * A text chunk may also carry its case-folded form (`fold`), which case-insensitive tests scan
 * instead of the values: the fold of row i is fold.bytes[fold.offsets[i] .. fold.offsets[i +
 * 1]). query/text_fold.c builds it on the first such test and the chunk owns it from then on;
 * appending a row drops it. fold.offsets is the chunk's own `offsets` when folding kept every
 * value's size (an all-ASCII chunk), else an array of row_count + 1 entries.
 */
#ifndef PDB_COLUMN_COLUMN_H
#define PDB_COLUMN_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "catalog/schema.h"
#include "column/dictionary.h"

/* A text chunk's case-folded values (see above); offsets == NULL: not built. */
struct column_text_fold {
    uint32_t *offsets;
    char *bytes; /* NULL when every folded value is empty */
    size_t bytes_size;
};

struct column_chunk {
    uint32_t row_count;
    uint32_t null_count;
    uint64_t *nulls; /* bit set = NULL */
    union {
        uint64_t *bools;
        int64_t *ints;
        double *floats;
        uint32_t *codes;
    };
    /* text: offsets into text_bytes; tags: offsets into codes (the union's `codes`). */
    uint32_t *offsets;
    char *text_bytes;
    size_t text_bytes_size;
    size_t text_bytes_capacity;
    size_t tag_codes_capacity;
    struct column_text_fold fold; /* text: see above */
    /* Zone map over non-null values; meaningful when null_count < row_count. */
    int64_t min_int, max_int;
    double min_float, max_float;
};

struct column {
    struct attribute attribute; /* a copy: name, type, flags */
    struct dictionary dictionary; /* category and tags */
    uint32_t chunk_count;
    uint32_t chunk_capacity;
    struct column_chunk *chunks;
};

/* ---- Life cycle ---------------------------------------------------------------------- */

/* An empty column (no chunks). Owned: release with column_destroy. NULL when out of memory. */
struct column *column_create(const struct attribute *attribute);
void column_destroy(struct column *column);
uint64_t column_row_count(const struct column *column);

/* ---- Appending one row's value (ingest and tests) -------------------------------------
 * Each adds one row to the last chunk, starting a new chunk when it is full. The value's C
 * type must match the column's type (asserted). Errors: out of memory, limits. */
enum pdb_status column_append_null(struct column *column, struct pdb_error *error);
enum pdb_status column_append_bool(struct column *column, bool value, struct pdb_error *error);
/* INT and TIMESTAMP. */
enum pdb_status column_append_int(struct column *column, int64_t value, struct pdb_error *error);
enum pdb_status column_append_float(struct column *column, double value, struct pdb_error *error);
/* CATEGORY (interned into the dictionary) and TEXT. */
enum pdb_status column_append_string(struct column *column, const char *data, size_t size,
                                     struct pdb_error *error);
/* TAGS: `count` strings; duplicates are dropped, order is not kept. */
enum pdb_status column_append_tags(struct column *column, const char *const *data,
                                   const uint32_t *sizes, uint32_t count,
                                   struct pdb_error *error);

/* ---- Reading one value ---------------------------------------------------------------- */

static inline bool column_chunk_is_null(const struct column_chunk *chunk, uint32_t row)
{
    return (chunk->nulls[row >> 6] >> (row & 63u)) & 1u;
}

/* Text of row `row` of a TEXT chunk (not NUL-terminated). */
static inline const char *column_chunk_text(const struct column_chunk *chunk, uint32_t row,
                                            uint32_t *size_out)
{
    *size_out = chunk->offsets[row + 1] - chunk->offsets[row];
    return chunk->text_bytes + chunk->offsets[row];
}

/* ---- Chunks (used by encoding and storage) --------------------------------------------- */

/* Allocates the arrays of an empty chunk of `type`; 0 or -1 (out of memory). */
int column_chunk_init(struct column_chunk *chunk, enum pdb_type type);
void column_chunk_deinit(struct column_chunk *chunk);
/* Frees every chunk, keeping the dictionary: the column then holds no rows. Ingest uses it
 * after handing a full chunk to storage. */
void column_clear_chunks(struct column *column);
/* Moves every chunk of `from` into `to` (an empty column of the same type) without copying a
 * value; `from` keeps its dictionary and holds no rows afterwards. The ingest loader uses it
 * to hand a full chunk to a writer thread while it appends on. */
void column_move_chunks(struct column *to, struct column *from);
/* Adds an initialised empty chunk at the end of the column; returns it or NULL. */
struct column_chunk *column_add_chunk(struct column *column);
/* Frees the chunk's case-folded form, if any (it is rebuilt on the next case-insensitive test). */
void column_chunk_fold_release(struct column_chunk *chunk);
/* Recomputes the zone map and null_count from the values (after decoding). */
void column_chunk_refresh_summary(struct column_chunk *chunk, enum pdb_type type);
/* Bytes the chunk's in-memory arrays hold for its rows (not capacity): for statistics. */
uint64_t column_chunk_memory_size(const struct column_chunk *chunk, enum pdb_type type);
/* Checks the invariants above against `type` (and the dictionary size for codes). */
int column_chunk_validate(const struct column_chunk *chunk, enum pdb_type type,
                          uint32_t dictionary_entry_count);
int column_validate(const struct column *column);

#endif
