/*
 * What the block codecs share (engine/column/codec_*.c; the byte layouts are in encoding.h).
 *
 * A codec turns one chunk into the payload of a block (everything after the 24-byte header)
 * and back. encoding.c owns the table of codecs, writes and checks the header, and chooses
 * the smallest payload. A codec's decode reads the whole payload, nulls included, into a
 * chunk freshly initialised by column_chunk_init whose row_count is already set; it checks
 * every size, count and width against the header before using it and reports
 * PDB_ERR_CORRUPT with what was wrong (PDB_ERR_NO_MEMORY only for a failed allocation).
 * block_decode then checks the null count and the chunk's invariants once more.
 *
 * The pieces several codecs use live here too: a bounds-checked payload reader, the null
 * section (codec_nulls.c), the frame-of-reference section (codec_frame.c) and the LZ4
 * wrapper (codec_lz4.c, the only file that includes <lz4.h>).
 */
#ifndef PDB_COLUMN_CODEC_COMMON_H
#define PDB_COLUMN_CODEC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "column/column.h"
#include "column/encoding.h"

/* What the block header says (already checked by block_peek) plus the dictionary size. */
struct codec_block {
    enum pdb_type type;
    uint32_t row_count;
    uint32_t null_count;
    uint32_t dictionary_entry_count;
};

enum codec_encode_result {
    CODEC_ENCODED,
    CODEC_NOT_APPLICABLE, /* this chunk cannot be written this way (e.g. floats not decimal) */
    CODEC_NO_MEMORY,
};

/* Appends the payload of `chunk` to `out`; on anything but CODEC_ENCODED `out` may hold a
 * partial payload (the caller discards it). */
typedef enum codec_encode_result (*codec_encode_fn)(const struct column_chunk *chunk,
                                                    enum pdb_type type, struct buffer *out);
/* Decodes payload[0..size) into `chunk` (see above). */
typedef enum pdb_status (*codec_decode_fn)(const uint8_t *payload, size_t size,
                                           const struct codec_block *block,
                                           struct column_chunk *chunk, struct pdb_error *error);

struct codec {
    enum block_encoding id;
    const char *name;
    uint32_t type_mask; /* bit (1 << type) for every type the codec writes */
    codec_encode_fn encode;
    codec_decode_fn decode;
};

#define CODEC_TYPE_BIT(type) (1u << (type))
#define CODEC_ALL_TYPES ((1u << PDB_TYPE_COUNT) - 1u)

extern const struct codec codec_plain;
extern const struct codec codec_constant;
extern const struct codec codec_for_bitpack;
extern const struct codec codec_dict_bitpack;
extern const struct codec codec_decimal;
extern const struct codec codec_text_lz4;
extern const struct codec codec_tags_bitpack;
extern const struct codec codec_lz4;

/* ---- Reading a payload ------------------------------------------------------------------- */

struct codec_reader {
    const uint8_t *next;
    size_t left;
};

static inline bool codec_read_u32(struct codec_reader *reader, uint32_t *value)
{
    if (reader->left < 4) return false;
    *value = load_u32(reader->next);
    reader->next += 4;
    reader->left -= 4;
    return true;
}

static inline bool codec_read_u64(struct codec_reader *reader, uint64_t *value)
{
    if (reader->left < 8) return false;
    *value = load_u64(reader->next);
    reader->next += 8;
    reader->left -= 8;
    return true;
}

/* The next `size` bytes, or NULL when fewer are left. */
static inline const uint8_t *codec_read_bytes(struct codec_reader *reader, uint64_t size)
{
    if (size > reader->left) return NULL;
    const uint8_t *bytes = reader->next;
    reader->next += size;
    reader->left -= (size_t)size;
    return bytes;
}

/* Zeroes out[row] for every NULL row (decoded values of NULL rows hold the frame base). */
void codec_zero_null_rows_u64(const uint64_t *nulls, uint32_t row_count, uint64_t *out);
/* The same for the lanes of an int, timestamp or category chunk, at their width. */
void codec_zero_null_lanes(struct column_chunk *chunk);
void codec_zero_null_rows_u32(const uint64_t *nulls, uint32_t row_count, uint32_t *out);
void codec_zero_null_rows_f64(const uint64_t *nulls, uint32_t row_count, double *out);

/* ---- Null section (codec_nulls.c) ----------------------------------------------------------
 * Written by every codec but PLAIN and LZ4: nothing when the chunk has no NULL or only NULLs,
 * otherwise a u32 form and the bitset or a u16 position list (encoding.h). */
int codec_nulls_append(const struct column_chunk *chunk, struct buffer *out);
/* Reads the section into chunk->nulls (all PDB_CHUNK_WORDS words written). */
enum pdb_status codec_nulls_read(struct codec_reader *reader, const struct codec_block *block,
                                 struct column_chunk *chunk, struct pdb_error *error);

/* ---- Frame-of-reference section (codec_frame.c) --------------------------------------------
 * u64 base, u32 width, then `count` fields of `width` bits (codec_bitpack.h). The base is the
 * minimum of the non-NULL values; NULL rows (when `nulls` is given) are stored as the base;
 * with no non-NULL value the base is 0 and the width 0. */
int codec_frame_append_i64(struct buffer *out, const int64_t *values, const uint64_t *nulls,
                           uint32_t count);
int codec_frame_append_u32(struct buffer *out, const uint32_t *values, const uint64_t *nulls,
                           uint32_t count);
/* FRAME(row_count) of an int/timestamp chunk's values or a category chunk's codes, read
 * from its lanes (either form) with the base and width taken from the exact zone map. */
int codec_frame_append_lanes(struct buffer *out, const struct column_chunk *chunk);

struct codec_frame {
    uint64_t base;
    uint32_t width;
    uint64_t count;
    const uint8_t *packed;
    size_t packed_size; /* exactly bitpack_size_bytes(count, width) */
};

/* Reads a frame of `count` fields whose width may be at most width_max (64, or 32 for
 * uint32 targets, whose base must then also fit 32 bits). `what` names the frame in
 * messages ("category codes"). */
enum pdb_status codec_frame_read(struct codec_reader *reader, uint64_t count, uint32_t width_max,
                                 const char *what, struct codec_frame *frame,
                                 struct pdb_error *error);
/* Unpacks fields [first, first + count) of a frame that codec_frame_read accepted. */
void codec_frame_unpack_u64(const struct codec_frame *frame, uint64_t first, uint32_t count,
                            uint64_t *out);
void codec_frame_unpack_u32(const struct codec_frame *frame, uint64_t first, uint32_t count,
                            uint32_t *out);
/* Unpacks all frame->count fields into chunk's lanes (allocated, frame->count rows, a width
 * the fields plus lane_offset fit): lane = lane_offset + field, wrapping at the width. */
void codec_frame_unpack_lanes(const struct codec_frame *frame, uint64_t lane_offset,
                              struct column_chunk *chunk);

/* ---- LZ4 (codec_lz4.c) ---------------------------------------------------------------------
 * LZ4 block format. One compressed byte yields at most 255 output bytes, so a claimed size
 * above compressed_size * CODEC_LZ4_EXPANSION_MAX is refused before anything is allocated;
 * LZ4 itself takes at most CODEC_LZ4_INPUT_SIZE_MAX bytes (LZ4_MAX_INPUT_SIZE). */
#define CODEC_LZ4_EXPANSION_MAX 256u
#define CODEC_LZ4_INPUT_SIZE_MAX 0x7E000000u

/* Appends LZ4(data[0..size)) to `out`: CODEC_NOT_APPLICABLE when size is above
 * CODEC_LZ4_INPUT_SIZE_MAX. */
enum codec_encode_result codec_lz4_append(struct buffer *out, const void *data, size_t size);
/* Whether compressed_size bytes of LZ4 could decompress to `size` bytes. */
bool codec_lz4_size_is_possible(size_t compressed_size, uint64_t size);
/* Decompresses exactly `size` bytes into out[0..size) (which the caller allocated after
 * codec_lz4_size_is_possible); anything else is PDB_ERR_CORRUPT naming `what`. */
enum pdb_status codec_lz4_decompress(const uint8_t *compressed, size_t compressed_size,
                                     uint8_t *out, size_t size, const char *what,
                                     struct pdb_error *error);

#endif
