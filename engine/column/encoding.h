/*
 * Column block encodings: a column chunk (column.h) <-> a self-describing byte block.
 *
 * Every block starts with a 24-byte header; the encoding id selects the codec that wrote
 * the rest, through a table of function pointers so later codecs (frame-of-reference
 * bit-packing, LZ4) slot in beside PLAIN without touching callers.
 *
 *   offset  size  field
 *   0       4     type (enum pdb_type)
 *   4       4     encoding id (enum block_encoding)
 *   8       4     row_count (<= PDB_CHUNK_ROWS)
 *   12      4     null_count
 *   16      8     payload size in bytes (everything after this header)
 *   24      ...   payload: if null_count > 0, the null bitset as ceil(row_count/64) u64 words;
 *                 then the values as the codec writes them.
 *
 * PLAIN values: bool ceil(row_count/64) u64 words; int/timestamp row_count i64; float
 * row_count IEEE-754 f64; category row_count u32 codes; text (row_count+1) u32 offsets then
 * the bytes; tags (row_count+1) u32 offsets then the u32 codes. All little-endian.
 *
 * Blocks come from disk: block_decode checks every size, offset and value before use and
 * reports PDB_ERR_CORRUPT with what was wrong, never reading out of bounds.
 */
#ifndef PDB_COLUMN_ENCODING_H
#define PDB_COLUMN_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "column/column.h"

#define BLOCK_HEADER_SIZE 24u

enum block_encoding {
    BLOCK_ENCODING_PLAIN = 1,
};

/* Appends the encoded block of `chunk` (of `type`) to `out`. */
enum pdb_status block_encode(const struct column_chunk *chunk, enum pdb_type type,
                             struct buffer *out, struct pdb_error *error);

/* Decodes block[0..size) into `chunk`, which must be freshly initialised for `type`
 * (column_chunk_init). dictionary_entry_count bounds category/tag codes. */
enum pdb_status block_decode(const uint8_t *block, size_t size, enum pdb_type type,
                             uint32_t dictionary_entry_count, struct column_chunk *chunk,
                             struct pdb_error *error);

/* Reads only the header fields (for statistics); PDB_ERR_CORRUPT if malformed. */
enum pdb_status block_peek(const uint8_t *block, size_t size, enum pdb_type *type_out,
                           uint32_t *row_count_out, uint32_t *null_count_out,
                           struct pdb_error *error);

#endif
