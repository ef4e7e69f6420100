/*
 * Column block encodings: a column chunk (column.h) <-> a self-describing byte block.
 *
 * Every block starts with a 24-byte header; the encoding id selects the codec that wrote
 * the payload, through a table of codecs (encoding.c, one codec per codec_*.c file).
 * block_encode tries every codec that applies to the type and keeps the smallest payload;
 * ties go to the faster decoder, in the order PLAIN, CONSTANT, FOR_BITPACK, DICT_BITPACK,
 * DECIMAL, TAGS_BITPACK, TEXT_LZ4, LZ4. Decoding always yields the in-memory form of
 * column.h, whatever the encoding, with int, timestamp and category lanes sealed (narrowest
 * width; FOR and DICT frames unpack straight into it).
 *
 *   offset  size  field
 *   0       4     type (enum pdb_type)
 *   4       4     encoding id (enum block_encoding)
 *   8       4     row_count (<= PDB_CHUNK_ROWS)
 *   12      4     null_count
 *   16      8     payload size in bytes (everything after this header)
 *   24      ...   payload, as the encoding writes it
 *
 * Payloads. Integers are little-endian; nothing is padded or aligned inside a payload.
 *
 * PLAIN (1), every type; the layout of every block written before other codecs existed:
 *   if null_count > 0, the null bitset as ceil(row_count/64) u64 words (bit set = NULL);
 *   then bool ceil(row_count/64) u64 words; int/timestamp row_count i64; float row_count
 *   IEEE-754 f64; category row_count u32 codes; text (row_count+1) u32 offsets then the
 *   bytes; tags (row_count+1) u32 offsets then the u32 codes.
 *
 * NULLS, the null section that opens CONSTANT, FOR_BITPACK, DICT_BITPACK, DECIMAL,
 * TEXT_LZ4 and TAGS_BITPACK payloads. Absent when null_count is 0 or row_count (all NULL);
 * otherwise, with the smallest form chosen (ties to the bitset):
 *   0   4   form: 0 bitset, 1 NULL rows, 2 non-NULL rows
 *   4   ..  form 0: ceil(row_count/64) u64 words; form 1: null_count u16 row indexes;
 *           form 2: (row_count - null_count) u16 row indexes. Indexes strictly ascending.
 *
 * FRAME(n), a frame-of-reference bit-packed run of n unsigned fields:
 *   0   8   base: the minimum of the non-NULL values (int64 as two's complement)
 *   8   4   width in bits: 0..64 (0..32 when the values are u32)
 *   12  ..  ceil(n * width / 64) u64 words; field i = value - base (mod 2^64) at stream
 *           bits [i*width, (i+1)*width), stream bit k being bit k%64 of word k/64.
 *           NULL rows hold field 0 and decode to the in-memory NULL value (lane 0, 0.0, "").
 *
 * FOR_BITPACK (2), int and timestamp: NULLS, FRAME(row_count) of the values.
 * DICT_BITPACK (3), category: NULLS, FRAME(row_count) of the dictionary codes.
 * LZ4 (4), every type: u64 size of the PLAIN payload, then LZ4 (block format) of the PLAIN
 *   payload up to the end of the block.
 * CONSTANT (5), bool int timestamp float category: NULLS, then one u64 holding the value of
 *   every non-NULL row (bool 0 or 1, int64, f64 bits, category code).
 * DECIMAL (6), float: NULLS, u32 exponent e (0..9), FRAME(row_count) of the int64 values
 *   v * 10^e; a value decodes as (double)int64 / 10^e, written only when that gives back
 *   the exact bits of every non-NULL value (prices in cents: e = 2).
 * TEXT_LZ4 (7), text: NULLS, FRAME(row_count) of the byte lengths, u64 total byte count,
 *   u32 form (0 raw, 1 LZ4), then the bytes: raw, exactly the total; or LZ4 of them up to
 *   the end of the block.
 * TAGS_BITPACK (8), tags: NULLS, FRAME(row_count) of the number of tags per row,
 *   FRAME(sum of those) of the tag codes, row by row.
 *
 * Blocks come from disk: block_decode checks every size, width, count, offset and value
 * before use (codes < dictionary size, offsets monotone, floats finite, LZ4 output exactly
 * the expected size, claimed sizes bounded by the type, PDB_CHUNK_ROWS and what the
 * compressed bytes can expand to) and reports PDB_ERR_CORRUPT with what was wrong, never
 * reading out of bounds or allocating more than the type allows.
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
    BLOCK_ENCODING_FOR_BITPACK = 2,
    BLOCK_ENCODING_DICT_BITPACK = 3,
    BLOCK_ENCODING_LZ4 = 4,
    BLOCK_ENCODING_CONSTANT = 5,
    BLOCK_ENCODING_DECIMAL = 6,
    BLOCK_ENCODING_TEXT_LZ4 = 7,
    BLOCK_ENCODING_TAGS_BITPACK = 8,
};
#define BLOCK_ENCODING_ID_MAX 8u

/* Appends the smallest encoded block of `chunk` (of `type`) to `out`. On failure (out of
 * memory) `out` is unchanged. */
enum pdb_status block_encode(const struct column_chunk *chunk, enum pdb_type type,
                             struct buffer *out, struct pdb_error *error);

/* Like block_encode with one given encoding (tests and benchmarks): PDB_ERR_USAGE when that
 * encoding does not apply to the type or cannot represent this chunk. */
enum pdb_status block_encode_as(const struct column_chunk *chunk, enum pdb_type type,
                                enum block_encoding encoding, struct buffer *out,
                                struct pdb_error *error);

/* Decodes block[0..size) into `chunk`, which must be freshly initialised for `type`
 * (column_chunk_init). dictionary_entry_count bounds category/tag codes. On failure the
 * chunk may hold partial values; the caller deinits it either way. */
enum pdb_status block_decode(const uint8_t *block, size_t size, enum pdb_type type,
                             uint32_t dictionary_entry_count, struct column_chunk *chunk,
                             struct pdb_error *error);

/* Reads only the header fields (for statistics); PDB_ERR_CORRUPT if malformed. */
enum pdb_status block_peek(const uint8_t *block, size_t size, enum pdb_type *type_out,
                           uint32_t *row_count_out, uint32_t *null_count_out,
                           struct pdb_error *error);

/* "plain", "for_bitpack", ...; "unknown" for an id no codec has. */
const char *block_encoding_name(uint32_t encoding);

#endif
