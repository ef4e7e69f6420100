/*
 * Value indexes: for one category or tags column, one index bitmap per dictionary code (the
 * rows whose value is, or whose tag set contains, that code) and one for the NULL rows.
 *
 * The query planner uses them to answer `attribute = 'x'`, `IN (...)`, `HAS ANY` and
 * `IS NULL` per chunk without scanning codes (value_index_union_chunk writes the chunk bitset
 * the executor combines), and to order predicates by estimated selectivity from exact
 * cardinalities. Built in one pass over a loaded column (value_index.c); persisted in a
 * checksummed portable form (value_index_serialize.c); checked against its column by
 * value_index_validate (value_index_validate.c).
 *
 * Invariants: bitmaps[c] holds exactly the non-NULL rows < row_count whose value has code c
 * (category: disjoint, and with `nulls` they cover every row; tags: a row with k tags is in k
 * bitmaps, an empty set in none, a NULL set only in `nulls`); cardinalities[c] is the size of
 * bitmaps[c]; a NULL bitmap pointer is the empty set. An index describes its column as it was
 * built or last maintained: codes interned later (>= bitmap_count) and rows appended later
 * (>= row_count) are not in it -- index_table.c extends it to the column before using it; a
 * writer that changes rows in place keeps it true with value_index_update_row.
 */
#ifndef PDB_INDEX_VALUE_INDEX_H
#define PDB_INDEX_VALUE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "column/column.h"
#include "index/index_bitmap.h"
#include "profiledb/profiledb.h"

struct value_index {
    enum pdb_type type;            /* PDB_TYPE_CATEGORY or PDB_TYPE_TAGS */
    uint32_t bitmap_count;         /* codes covered: [0, bitmap_count) */
    uint64_t row_count;            /* rows covered: [0, row_count) */
    struct index_bitmap **bitmaps; /* [bitmap_count], each owned; NULL = no row */
    uint64_t *cardinalities;       /* [bitmap_count] */
    struct index_bitmap *nulls;    /* owned; NULL = no NULL row */
    uint64_t null_count;
};

/* ---- Life cycle ---------------------------------------------------------------------------- */

/* Builds the index of a CATEGORY or TAGS column (borrowed for the call), in one pass over its
 * chunks. On success *index_out is owned by the caller (value_index_destroy). Errors:
 * PDB_ERR_USAGE for another column type, PDB_ERR_NO_MEMORY. On failure *index_out is
 * untouched and nothing is leaked. */
enum pdb_status value_index_build(const struct column *column, struct value_index **index_out,
                                  struct pdb_error *error);

void value_index_destroy(struct value_index *index); /* NULL is fine */

/* ---- Incremental maintenance (value_index_update.c) ---------------------------------------- */

/* Covers codes [0, entry_count) (the new ones with no row). 0, or -1 when out of memory. */
int value_index_cover_codes(struct value_index *index, uint32_t entry_count);
/* Row `row` (< row_count) changed in place from old_codes[0 .. old_count) (ascending; ignored
 * when was_null) to new_codes[0 .. new_count) (ignored when is_null); a category value is one
 * code. 0, or -1 when out of memory (the index is then partly moved: destroy it). */
int value_index_update_row(struct value_index *index, uint32_t row, bool was_null,
                           const uint32_t *old_codes, uint32_t old_count, bool is_null,
                           const uint32_t *new_codes, uint32_t new_count);
/* Adds the rows [row_count, rows of `column`) appended since the index was built or last
 * extended, and covers the column's new codes. PDB_ERR_NO_MEMORY: destroy the index. */
enum pdb_status value_index_extend(struct value_index *index, const struct column *column,
                                   struct pdb_error *error);

/* ---- Estimates ----------------------------------------------------------------------------- */

/* Rows with code `code`; 0 for a code >= bitmap_count (it had no row when the index was
 * built). O(1). */
uint64_t value_index_cardinality(const struct value_index *index, uint32_t code);
uint64_t value_index_null_count(const struct value_index *index);

/* Estimated fraction of rows, in [0, 1], matching any of codes[0 .. count) (distinct codes):
 * the sum of their cardinalities over row_count, capped at 1. Exact for a category column;
 * an upper bound for HAS ANY on tags (a row with several of the tags counts once). 0 for an
 * index of no rows. */
double value_index_selectivity(const struct value_index *index, const uint32_t *codes,
                               uint32_t count);

/* ---- Chunk bitsets ------------------------------------------------------------------------- */

/* The bitmap of `code` (borrowed until value_index_destroy; NULL when no row has it), for
 * index_chunk_bitset and friends in index_bitmap.h. */
const struct index_bitmap *value_index_bitmap(const struct value_index *index, uint32_t code);

/* Writes the chunk bitset (PDB_CHUNK_WORDS words) of the rows of chunk `chunk_index` whose
 * value is any of codes[0 .. count) (category: IN; tags: HAS ANY). Codes >= bitmap_count
 * match nothing; count may be 0 (all zero). Never allocates or fails. */
void value_index_union_chunk(const struct value_index *index, const uint32_t *codes, uint32_t count,
                             uint32_t chunk_index, uint64_t *out_words);

/* Writes the chunk bitset of the rows of chunk `chunk_index` whose value has every one of
 * codes[0 .. count) (tags: HAS ALL), count >= 1; `temp_words` (PDB_CHUNK_WORDS, the caller's)
 * is overwritten. Stops at the first code without a row in the chunk (all zero). Never
 * allocates or fails. */
void value_index_intersect_chunk(const struct value_index *index, const uint32_t *codes,
                                 uint32_t count, uint32_t chunk_index, uint64_t *out_words,
                                 uint64_t *temp_words);

/* Writes the chunk bitset of the NULL rows of chunk `chunk_index`. */
void value_index_null_chunk(const struct value_index *index, uint32_t chunk_index,
                            uint64_t *out_words);

/* ---- Persistence (value_index_serialize.c) ------------------------------------------------- */

/* Appends the portable form to `out` (a byte-offset table is in value_index_serialize.c).
 * Returns 0, or -1 when out of memory (out is then as it was). */
int value_index_serialize(const struct value_index *index, struct buffer *out);

/* Reads an index from `size` untrusted bytes (borrowed for the call). Anything malformed --
 * bad magic, version, type or checksum, a truncation, trailing bytes, a bitmap that does not
 * parse or fails index_bitmap_validate -- is PDB_ERR_CORRUPT; PDB_ERR_NO_MEMORY when out of
 * memory. On success *index_out is owned by the caller (value_index_destroy). */
enum pdb_status value_index_deserialize(const uint8_t *bytes, size_t size,
                                        struct value_index **index_out, struct pdb_error *error);

/* ---- Checks (value_index_validate.c) ------------------------------------------------------- */

/* Checks the invariants above against the column (borrowed) the index was built from: same
 * type and row count, bitmap_count <= the dictionary's entry count, the null bitmap equals the
 * column's null bits, every bit of every bitmap agrees with the column row by row, and no row
 * is missing (category: the bitmaps are disjoint and with the nulls cover all rows; tags: each
 * row is in exactly the bitmaps of its tags). Returns 0 when they hold, -1 otherwise. For
 * tests and debug builds: O(rows + chunks * non-empty containers * 1024). */
int value_index_validate(const struct value_index *index, const struct column *column);

#endif
