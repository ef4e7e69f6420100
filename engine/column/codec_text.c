/*
 * TEXT_LZ4 codec for text chunks: NULLS, FRAME(row_count) of the byte lengths, u64 total,
 * u32 form, then the bytes raw or LZ4-compressed (layout in encoding.h).
 *
 * Offsets cost 4 bytes a row in PLAIN although they are only a running sum of lengths, and
 * lengths are narrow (a 10-character id: width 0; names: 4 bits). The bytes are compressed
 * with LZ4 when that is smaller (repeated names, e-mail domains, id prefixes) and stored
 * raw otherwise. Decoding unpacks the lengths into the offsets array, sums them in place
 * with every bound checked (a value <= PDB_TEXT_VALUE_SIZE_MAX, a chunk <=
 * PDB_CHUNK_TEXT_BYTES_MAX, the sum equal to the stored total, which the compressed size
 * must be able to expand to) and only then allocates the bytes.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "column/codec_common.h"

enum text_form {
    TEXT_FORM_RAW = 0,
    TEXT_FORM_LZ4 = 1,
};

static enum codec_encode_result text_encode(const struct column_chunk *chunk, enum pdb_type type,
                                            struct buffer *out)
{
    (void)type;
    uint32_t rows = chunk->row_count;
    uint32_t *lengths = mem_alloc(((size_t)rows + 1) * sizeof *lengths);
    if (lengths == NULL) return CODEC_NO_MEMORY;
    for (uint32_t row = 0; row < rows; row++)
        lengths[row] = chunk->offsets[row + 1] - chunk->offsets[row];
    const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
    uint64_t total = chunk->offsets[rows];
    int failed = codec_nulls_append(chunk, out) != 0 ||
                 codec_frame_append_u32(out, lengths, nulls, rows) != 0 ||
                 buffer_append_u64(out, total) != 0;
    mem_free(lengths);
    if (failed) return CODEC_NO_MEMORY;
    size_t form_at = out->size;
    if (buffer_append_u32(out, TEXT_FORM_LZ4) != 0) return CODEC_NO_MEMORY;
    enum codec_encode_result result = codec_lz4_append(out, chunk->text_bytes, (size_t)total);
    if (result == CODEC_NO_MEMORY) return result;
    if (result == CODEC_ENCODED && out->size - form_at - 4u < total) return CODEC_ENCODED;
    out->size = form_at; /* LZ4 does not help: raw bytes */
    if (buffer_append_u32(out, TEXT_FORM_RAW) != 0 ||
        buffer_append(out, chunk->text_bytes, (size_t)total) != 0)
        return CODEC_NO_MEMORY;
    return CODEC_ENCODED;
}

/* Turns offsets[1..rows] holding lengths into running offsets; the sum must be `total`. */
static enum pdb_status sum_lengths(uint32_t *offsets, uint32_t rows, uint64_t total,
                                   struct pdb_error *error)
{
    uint64_t sum = 0;
    offsets[0] = 0;
    for (uint32_t row = 0; row < rows; row++) {
        uint32_t length = offsets[row + 1];
        if (length > PDB_TEXT_VALUE_SIZE_MAX) {
            return error_set(error, PDB_ERR_CORRUPT, "text length %u at row %u is above %u",
                             length, row, PDB_TEXT_VALUE_SIZE_MAX);
        }
        sum += length;
        if (sum > PDB_CHUNK_TEXT_BYTES_MAX) {
            return error_set(error, PDB_ERR_CORRUPT, "text lengths add up to more than %u bytes",
                             PDB_CHUNK_TEXT_BYTES_MAX);
        }
        offsets[row + 1] = (uint32_t)sum;
    }
    if (sum != total) {
        return error_set(error, PDB_ERR_CORRUPT, "text lengths add up to %llu bytes, the block "
                         "says %llu", (unsigned long long)sum, (unsigned long long)total);
    }
    return PDB_OK;
}

static enum pdb_status text_decode(const uint8_t *payload, size_t size,
                                   const struct codec_block *block, struct column_chunk *chunk,
                                   struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    uint32_t rows = block->row_count;
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    struct codec_frame lengths;
    status = codec_frame_read(&reader, rows, 32u, "text length", &lengths, error);
    if (status != PDB_OK) return status;
    uint64_t total;
    uint32_t form;
    if (!codec_read_u64(&reader, &total) || !codec_read_u32(&reader, &form))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for its text size and form");
    if (form != TEXT_FORM_RAW && form != TEXT_FORM_LZ4)
        return error_set(error, PDB_ERR_CORRUPT, "unknown text form %u", form);
    if (form == TEXT_FORM_RAW && reader.left != total) {
        return error_set(error, PDB_ERR_CORRUPT, "raw text of %llu bytes, the block holds %zu",
                         (unsigned long long)total, reader.left);
    }
    if (form == TEXT_FORM_LZ4 && !codec_lz4_size_is_possible(reader.left, total)) {
        return error_set(error, PDB_ERR_CORRUPT, "%zu LZ4 bytes cannot hold %llu text bytes",
                         reader.left, (unsigned long long)total);
    }
    codec_frame_unpack_u32(&lengths, 0, rows, chunk->offsets + 1);
    if (block->null_count > 0) codec_zero_null_rows_u32(chunk->nulls, rows, chunk->offsets + 1);
    status = sum_lengths(chunk->offsets, rows, total, error);
    if (status != PDB_OK) return status;
    if (total == 0) {
        if (form == TEXT_FORM_LZ4)
            return codec_lz4_decompress(reader.next, reader.left, NULL, 0, "text bytes", error);
        return PDB_OK;
    }
    char *bytes = mem_alloc((size_t)total);
    if (bytes == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decoding text");
    if (form == TEXT_FORM_RAW) {
        memcpy(bytes, reader.next, (size_t)total);
    } else {
        status = codec_lz4_decompress(reader.next, reader.left, (uint8_t *)bytes, (size_t)total,
                                      "text bytes", error);
        if (status != PDB_OK) {
            mem_free(bytes);
            return status;
        }
    }
    chunk->text_bytes = bytes;
    chunk->text_bytes_size = (size_t)total;
    chunk->text_bytes_capacity = (size_t)total;
    return PDB_OK;
}

const struct codec codec_text_lz4 = {
    .id = BLOCK_ENCODING_TEXT_LZ4,
    .name = "text_lz4",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_TEXT),
    .encode = text_encode,
    .decode = text_decode,
};
