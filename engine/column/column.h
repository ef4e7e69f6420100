/*
 * Columns in memory: one attribute's values for every row, in chunks of PDB_CHUNK_ROWS.
 *
 * This is the scan-friendly form the query executor reads; column/encoding.c turns a chunk
 * into the compact on-disk block and back. Per chunk and per type:
 *
 *   type       values                                          a NULL row holds
 *   bool       bools: bitset, PDB_CHUNK_WORDS words             bit 0
 *   int        lanes: lane_width_bytes (1, 2, 4, 8) per row;    lane 0
 *              value = lane_base + lane (mod 2^64)
 *   timestamp  lanes, as int (epoch seconds)                    lane 0
 *   float      floats: double[PDB_CHUNK_ROWS] (no NaN/inf)      0.0
 *   category   lanes: dictionary codes, 1, 2 or 4 bytes each;   lane 0 (meaningless)
 *              lane_base 0
 *   text       offsets: uint32_t[row_count + 1] into bytes      an empty string
 *   tags       offsets: uint32_t[row_count + 1] into tag_codes; an empty set
 *              tag codes sorted ascending, unique within a row
 *
 * Lanes (int, timestamp, category) are frame-of-reference offsets, unsigned and as narrow
 * as the chunk allows, so a scan of ages reads one byte per row. A chunk's lanes are in one
 * of two forms:
 *   sealed    int/timestamp: lane_base = min_int and the width is the narrowest holding
 *             max_int - min_int (taken in uint64, so INT64_MIN..INT64_MAX needs 8 bytes);
 *             category: the narrowest width holding the largest code (1, 2 or 4 bytes).
 *             With no non-NULL row: lane_base 0, width 1.
 *   building  int/timestamp: 8-byte lanes with lane_base INT64_MIN (any value fits);
 *             category: 4-byte lanes. Appends use it; column_chunk_seal narrows it.
 * Decoded chunks are sealed; appending a value that the sealed lanes hold keeps a chunk
 * sealed, any other turns it into the building form; a chunk is sealed when the next chunk
 * starts, and column_seal seals the last one. A freshly initialised chunk has no lane array
 * (lanes NULL, lane_width_bytes 0) until its first append or decode.
 *
 * Invariants: every chunk but the last holds exactly PDB_CHUNK_ROWS rows and is sealed;
 * `nulls` always has PDB_CHUNK_WORDS words with bits only below row_count; null_count ==
 * popcount(nulls); fixed-width arrays (lanes at their width included) have PDB_CHUNK_ROWS
 * capacity so appends never reallocate them; the zone map (min/max over non-null values)
 * bounds the values of int, timestamp and float chunks, and for category chunks the codes:
 * min <= every non-null value <= max. It is exact after appends, decoding and sealing; an
 * in-place update (column_update.c) only widens it, so an overwritten extreme may leave it
 * wider than the values (every user treats it as a bound: pruning, estimates, lane widths,
 * codec choice). lane_base <= every non-null value, so lanes order rows as their values do.
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
    union { /* fixed-size arrays: blocks (base/alloc.h, mem_alloc_block), like nulls and offsets */
        uint64_t *bools;
        double *floats;
        void *lanes;         /* int, timestamp, category: one typed view per width */
        uint8_t *lanes_u8;
        uint16_t *lanes_u16;
        uint32_t *lanes_u32;
        uint64_t *lanes_u64;
    };
    uint32_t lane_width_bytes; /* 1, 2, 4 or 8; 0 while `lanes` is NULL */
    int64_t lane_base;         /* int/timestamp: value = lane_base + lane; category: 0 */
    /* text: offsets into text_bytes; tags: offsets into tag_codes. */
    uint32_t *offsets;
    uint32_t *tag_codes; /* tags: sorted codes per row, grown with the values (mem_alloc) */
    char *text_bytes;
    size_t text_bytes_size;
    size_t text_bytes_capacity;
    size_t tag_codes_capacity;
    struct column_text_fold fold; /* text: see above */
    /* Zone map over non-null values; meaningful when null_count < row_count. Category chunks
     * keep their smallest and largest code in min_int/max_int. */
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

/* CATEGORY: a code of the column's dictionary (< entry_count), appended without a lookup. */
enum pdb_status column_append_code(struct column *column, uint32_t code, struct pdb_error *error);
/* TAGS: codes[0 .. count) of the column's dictionary, ascending and unique. */
enum pdb_status column_append_tag_codes(struct column *column, const uint32_t *codes,
                                        uint32_t count, struct pdb_error *error);

/* ---- Reading one value ---------------------------------------------------------------- */

static inline bool column_chunk_is_null(const struct column_chunk *chunk, uint32_t row)
{
    return (chunk->nulls[row >> 6] >> (row & 63u)) & 1u;
}

/* The raw lane of row `row` of an int, timestamp or category chunk. */
static inline uint64_t column_chunk_lane(const struct column_chunk *chunk, uint32_t row)
{
    switch (chunk->lane_width_bytes) {
    case 1: return chunk->lanes_u8[row];
    case 2: return chunk->lanes_u16[row];
    case 4: return chunk->lanes_u32[row];
    default: return chunk->lanes_u64[row];
    }
}

/* Value of row `row` of an INT or TIMESTAMP chunk (lane_base for a NULL row). */
static inline int64_t column_chunk_int(const struct column_chunk *chunk, uint32_t row)
{
    return (int64_t)((uint64_t)chunk->lane_base + column_chunk_lane(chunk, row));
}

/* Dictionary code of row `row` of a CATEGORY chunk (0 for a NULL row). */
static inline uint32_t column_chunk_code(const struct column_chunk *chunk, uint32_t row)
{
    return (uint32_t)column_chunk_lane(chunk, row);
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

/* ---- Lanes (int, timestamp, category) ------------------------------------------------------
 * Decoders allocate the lanes at the width they decode to; tests and appends write values
 * with the store functions below, which need the value to fit the current lanes. */

/* Bytes per lane that hold every offset up to `span` (1, 2, 4 or 8). */
static inline uint32_t column_lane_width_for(uint64_t span)
{
    return span <= UINT8_MAX ? 1u : span <= UINT16_MAX ? 2u : span <= UINT32_MAX ? 4u : 8u;
}

/* The largest lane a width holds. */
static inline uint64_t column_lane_max(uint32_t width_bytes)
{
    return width_bytes >= 8u ? UINT64_MAX : (1ull << (8u * width_bytes)) - 1u;
}

/* Replaces the chunk's lanes with an uninitialised array of PDB_CHUNK_ROWS lanes of
 * `width_bytes` (lane_base is left as it is). 0, or -1 when out of memory (chunk unchanged). */
int column_chunk_lanes_allocate(struct column_chunk *chunk, uint32_t width_bytes);
/* Puts the chunk's lanes in the building form (allocating them if there are none), keeping
 * every row's value. 0, or -1 when out of memory (chunk unchanged). */
int column_chunk_lanes_widen(struct column_chunk *chunk, enum pdb_type type);
/* Narrows the lanes to the sealed form (needs the exact zone map and null_count, as appends
 * and column_chunk_refresh_summary leave them); a sealed chunk is left as it is. 0, or -1
 * when out of memory (chunk unchanged). */
int column_chunk_seal(struct column_chunk *chunk, enum pdb_type type);
/* The smallest and largest lane of the non-NULL rows (null_count must be exact); false, with
 * nothing written, when the chunk has no non-NULL row. */
bool column_chunk_lanes_range(const struct column_chunk *chunk, uint64_t *min_out,
                              uint64_t *max_out);
/* Whether the lanes are in the sealed form (O(1), from the zone map); true for types
 * without lanes. */
bool column_chunk_is_sealed(const struct column_chunk *chunk, enum pdb_type type);
/* Seals the column's last chunk (every other is sealed already); see column_chunk_seal. */
enum pdb_status column_seal(struct column *column, struct pdb_error *error);

/* Writes the lane of row `row`; the caller guarantees it fits lane_width_bytes. */
static inline void column_chunk_lane_store(struct column_chunk *chunk, uint32_t row, uint64_t lane)
{
    switch (chunk->lane_width_bytes) {
    case 1: chunk->lanes_u8[row] = (uint8_t)lane; break;
    case 2: chunk->lanes_u16[row] = (uint16_t)lane; break;
    case 4: chunk->lanes_u32[row] = (uint32_t)lane; break;
    default: chunk->lanes_u64[row] = lane; break;
    }
}

/* Writes `value` into row `row` of an int/timestamp chunk: value >= lane_base and value -
 * lane_base fits the width (always true in the building form). */
static inline void column_chunk_int_store(struct column_chunk *chunk, uint32_t row, int64_t value)
{
    column_chunk_lane_store(chunk, row, (uint64_t)value - (uint64_t)chunk->lane_base);
}
/* ---- Updating rows in place (column_update.c; streamed updates) ---------------------------
 * Each writes row `row` (< row_count) of a chunk, keeping null bits, null_count and a zone map
 * that bounds the values (widened, never narrowed). */

/* BOOL, INT, TIMESTAMP, FLOAT, CATEGORY: the row becomes NULL. */
void column_chunk_set_null(struct column_chunk *chunk, enum pdb_type type, uint32_t row);
void column_chunk_set_bool(struct column_chunk *chunk, uint32_t row, bool value);
void column_chunk_set_float(struct column_chunk *chunk, uint32_t row, double value);
/* INT, TIMESTAMP: in place when the value fits the lanes above lane_base, else the chunk is
 * first put in the building form (column_chunk_reseal seals it again). 0, or -1 when out of
 * memory (chunk unchanged). */
int column_chunk_set_int(struct column_chunk *chunk, enum pdb_type type, uint32_t row,
                         int64_t value);
/* CATEGORY: the same for a dictionary code. */
int column_chunk_set_code(struct column_chunk *chunk, uint32_t row, uint32_t code);
/* After a chunk's updates: a chunk left in the building form gets its exact zone map and is
 * sealed; a sealed one is left as it is. 0, or -1 when out of memory. */
int column_chunk_reseal(struct column_chunk *chunk, enum pdb_type type);

/* A new value of one row of a TEXT or TAGS chunk: NULL, or `size` bytes (text) or `size`
 * codes (tags: uint32_t, ascending, unique) at `data` (borrowed for the call). */
struct column_replacement {
    uint32_t row;
    bool is_null;
    uint32_t size;
    const void *data;
};
/* Writes replacements[0 .. count) (rows ascending, each once) into a TEXT or TAGS chunk: those
 * of the row's own size in place, the others by one copy of the chunk; drops the case-folded
 * form. Errors: PDB_ERR_NO_MEMORY, PDB_ERR_LIMIT (chunk
 * unchanged). */
enum pdb_status column_chunk_replace_values(struct column_chunk *chunk, enum pdb_type type,
                                            const struct column_replacement *replacements,
                                            uint32_t count, struct pdb_error *error);

/* Bytes the chunk's in-memory arrays hold for its rows (not capacity): for statistics. */
uint64_t column_chunk_memory_size(const struct column_chunk *chunk, enum pdb_type type);
/* Checks the invariants above against `type` (and the dictionary size for codes). */
int column_chunk_validate(const struct column_chunk *chunk, enum pdb_type type,
                          uint32_t dictionary_entry_count);
/* The same for a chunk whose zone map column_chunk_refresh_summary has just taken from its
 * values (block_decode): category codes are checked through the exact zone map, not by a
 * second pass over the rows. */
int column_chunk_validate_summarised(const struct column_chunk *chunk, enum pdb_type type,
                                     uint32_t dictionary_entry_count);
int column_validate(const struct column *column);

#endif
