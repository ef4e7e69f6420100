/*
 * The null section of the compact codecs (NULLS in encoding.h).
 *
 * A chunk without NULLs or with only NULLs needs no bytes: the header's null_count says it
 * all. Otherwise the writer picks the smallest of the raw bitset (8 KiB for a full chunk),
 * the list of NULL rows (sparse NULLs) and the list of non-NULL rows (a mostly-NULL
 * attribute), as u16 row indexes. The reader rebuilds the bitset and checks that indexes
 * are in range and strictly ascending; block_decode checks the count afterwards.
 */
#include <string.h>

#include "base/bitset.h"
#include "base/status.h"
#include "column/codec_common.h"

enum null_form {
    NULL_FORM_BITSET = 0,
    NULL_FORM_NULL_ROWS = 1,
    NULL_FORM_PRESENT_ROWS = 2,
};

static uint32_t words_for(uint32_t row_count)
{
    return (row_count + 63u) / 64u;
}

/* Appends the u16 indexes of the rows whose null bit equals `null_bit`. */
static void write_rows(const uint64_t *nulls, uint32_t row_count, int null_bit, uint8_t *out)
{
    for (uint32_t word = 0; word < words_for(row_count); word++) {
        uint64_t bits = null_bit ? nulls[word] : ~nulls[word];
        if (word == row_count / 64u && row_count % 64u) bits &= (1ull << (row_count % 64u)) - 1u;
        while (bits) {
            uint32_t row = word * 64u + (uint32_t)__builtin_ctzll(bits);
            out[0] = (uint8_t)row;
            out[1] = (uint8_t)(row >> 8);
            out += 2;
            bits &= bits - 1u;
        }
    }
}

int codec_nulls_append(const struct column_chunk *chunk, struct buffer *out)
{
    uint32_t rows = chunk->row_count, nulls = chunk->null_count;
    if (nulls == 0 || nulls == rows) return 0;
    size_t bitset_size = (size_t)words_for(rows) * sizeof(uint64_t);
    size_t null_rows_size = (size_t)nulls * 2u;
    size_t present_rows_size = (size_t)(rows - nulls) * 2u;
    enum null_form form = NULL_FORM_BITSET;
    size_t size = bitset_size;
    if (null_rows_size < size) {
        form = NULL_FORM_NULL_ROWS;
        size = null_rows_size;
    }
    if (present_rows_size < size) {
        form = NULL_FORM_PRESENT_ROWS;
        size = present_rows_size;
    }
    if (buffer_reserve(out, 4 + size) != 0 || buffer_append_u32(out, form) != 0) return -1;
    uint8_t *data = out->data + out->size;
    switch (form) {
    case NULL_FORM_BITSET: memcpy(data, chunk->nulls, size); break;
    case NULL_FORM_NULL_ROWS: write_rows(chunk->nulls, rows, 1, data); break;
    case NULL_FORM_PRESENT_ROWS: write_rows(chunk->nulls, rows, 0, data); break;
    }
    out->size += size;
    return 0;
}

/* Reads `count` strictly ascending u16 row indexes below row_count and sets (or clears)
 * their bits. */
static enum pdb_status read_rows(struct codec_reader *reader, uint32_t count, uint32_t row_count,
                                 int set, uint64_t *nulls, struct pdb_error *error)
{
    const uint8_t *bytes = codec_read_bytes(reader, (uint64_t)count * 2u);
    if (bytes == NULL) {
        return error_set(error, PDB_ERR_CORRUPT, "null section is too short for %u row indexes",
                         count);
    }
    uint32_t previous = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = (uint32_t)bytes[2 * i] | (uint32_t)bytes[2 * i + 1] << 8;
        if (row >= row_count || (i > 0 && row <= previous)) {
            return error_set(error, PDB_ERR_CORRUPT, "null section row index %u (entry %u) is "
                             "out of order or beyond %u rows", row, i, row_count);
        }
        previous = row;
        if (set)
            bitset_set(nulls, row);
        else
            bitset_clear_bit(nulls, row);
    }
    return PDB_OK;
}

enum pdb_status codec_nulls_read(struct codec_reader *reader, const struct codec_block *block,
                                 struct column_chunk *chunk, struct pdb_error *error)
{
    uint32_t rows = block->row_count, nulls = block->null_count;
    if (nulls == 0) {
        bitset_zero(chunk->nulls);
        return PDB_OK;
    }
    if (nulls == rows) {
        bitset_fill(chunk->nulls, rows);
        return PDB_OK;
    }
    uint32_t form;
    if (!codec_read_u32(reader, &form))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for its null section");
    switch (form) {
    case NULL_FORM_BITSET: {
        size_t size = (size_t)words_for(rows) * sizeof(uint64_t);
        const uint8_t *bytes = codec_read_bytes(reader, size);
        if (bytes == NULL)
            return error_set(error, PDB_ERR_CORRUPT, "block is too short for its null bitset");
        bitset_zero(chunk->nulls);
        memcpy(chunk->nulls, bytes, size);
        if (rows % 64u && (chunk->nulls[rows / 64u] >> (rows % 64u)) != 0)
            return error_set(error, PDB_ERR_CORRUPT, "null bitset has bits set beyond %u rows", rows);
        /* Checked here too (block_decode checks every codec) so that it is refused before the
         * values are decoded and their lanes allocated. */
        uint32_t counted = (uint32_t)bitset_count(chunk->nulls);
        if (counted != nulls) {
            return error_set(error, PDB_ERR_CORRUPT, "null bitset holds %u nulls, header says %u",
                             counted, nulls);
        }
        return PDB_OK;
    }
    case NULL_FORM_NULL_ROWS:
        bitset_zero(chunk->nulls);
        return read_rows(reader, nulls, rows, 1, chunk->nulls, error);
    case NULL_FORM_PRESENT_ROWS:
        bitset_fill(chunk->nulls, rows);
        return read_rows(reader, rows - nulls, rows, 0, chunk->nulls, error);
    default:
        return error_set(error, PDB_ERR_CORRUPT, "null section has unknown form %u", form);
    }
}

void codec_zero_null_rows_u64(const uint64_t *nulls, uint32_t row_count, uint64_t *out)
{
    for (uint32_t word = 0; word < words_for(row_count); word++) {
        for (uint64_t bits = nulls[word]; bits; bits &= bits - 1u)
            out[word * 64u + (uint32_t)__builtin_ctzll(bits)] = 0;
    }
}

void codec_zero_null_rows_u32(const uint64_t *nulls, uint32_t row_count, uint32_t *out)
{
    for (uint32_t word = 0; word < words_for(row_count); word++) {
        for (uint64_t bits = nulls[word]; bits; bits &= bits - 1u)
            out[word * 64u + (uint32_t)__builtin_ctzll(bits)] = 0;
    }
}

void codec_zero_null_rows_f64(const uint64_t *nulls, uint32_t row_count, double *out)
{
    for (uint32_t word = 0; word < words_for(row_count); word++) {
        for (uint64_t bits = nulls[word]; bits; bits &= bits - 1u)
            out[word * 64u + (uint32_t)__builtin_ctzll(bits)] = 0.0;
    }
}

void codec_zero_null_lanes(struct column_chunk *chunk)
{
    for (uint32_t word = 0; word < words_for(chunk->row_count); word++) {
        for (uint64_t bits = chunk->nulls[word]; bits; bits &= bits - 1u)
            column_chunk_lane_store(chunk, word * 64u + (uint32_t)__builtin_ctzll(bits), 0);
    }
}
