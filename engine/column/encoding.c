/*
 * Column blocks (see encoding.h): the codec table, the header, and the choice of codec.
 *
 * block_encode encodes the chunk with every codec that applies to its type, each into a
 * scratch buffer, and keeps the smallest payload; the table is ordered by decode speed so
 * that a tie goes to the cheaper decoder. block_decode checks the header, dispatches on the
 * encoding id and re-checks the decoded chunk (null count, zone map, invariants), so a codec
 * can never hand the executor a chunk that breaks column.h. Codecs decode int, timestamp and
 * category values straight into lanes; the few blocks whose frame is wider than their values
 * (never written by this encoder but for category frames that straddle a lane width) are
 * sealed here, so every decoded chunk is sealed.
 */
#include "column/encoding.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"
#include "column/codec_common.h"

/* Decode speed order: on equal sizes the earlier codec wins. */
static const struct codec *const codecs[] = {
    &codec_plain,   &codec_constant,     &codec_for_bitpack, &codec_dict_bitpack,
    &codec_decimal, &codec_tags_bitpack, &codec_text_lz4,    &codec_lz4,
};
#define CODEC_COUNT (sizeof codecs / sizeof codecs[0])

static const struct codec *codec_find(uint32_t id)
{
    for (size_t i = 0; i < CODEC_COUNT; i++)
        if ((uint32_t)codecs[i]->id == id) return codecs[i];
    return NULL;
}

static bool codec_applies(const struct codec *codec, enum pdb_type type)
{
    return (codec->type_mask & CODEC_TYPE_BIT(type)) != 0;
}

static bool has_lanes(enum pdb_type type)
{
    return type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP || type == PDB_TYPE_CATEGORY;
}

const char *block_encoding_name(uint32_t encoding)
{
    const struct codec *codec = codec_find(encoding);
    return codec ? codec->name : "unknown";
}

/* ---- Encoding -------------------------------------------------------------------------- */

/* Appends the header and `payload` to `out` (unchanged on failure). */
static enum pdb_status append_block(const struct column_chunk *chunk, enum pdb_type type,
                                    const struct codec *codec, const struct buffer *payload,
                                    struct buffer *out, struct pdb_error *error)
{
    size_t start = out->size;
    if (buffer_reserve(out, BLOCK_HEADER_SIZE + payload->size) != 0 ||
        buffer_append_u32(out, (uint32_t)type) != 0 || buffer_append_u32(out, codec->id) != 0 ||
        buffer_append_u32(out, chunk->row_count) != 0 ||
        buffer_append_u32(out, chunk->null_count) != 0 ||
        buffer_append_u64(out, payload->size) != 0 ||
        buffer_append(out, payload->data, payload->size) != 0) {
        out->size = start;
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory encoding a column block");
    }
    return PDB_OK;
}

enum pdb_status block_encode(const struct column_chunk *chunk, enum pdb_type type,
                             struct buffer *out, struct pdb_error *error)
{
    struct buffer best, candidate;
    buffer_init(&best);
    buffer_init(&candidate);
    const struct codec *chosen = NULL;
    enum pdb_status status = PDB_OK;
    for (size_t i = 0; i < CODEC_COUNT; i++) {
        if (!codec_applies(codecs[i], type)) continue;
        buffer_reset(&candidate);
        enum codec_encode_result result = codecs[i]->encode(chunk, type, &candidate);
        if (result == CODEC_NO_MEMORY) {
            status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory encoding a column "
                               "block (%s)", codecs[i]->name);
            goto done;
        }
        if (result != CODEC_ENCODED) continue;
        if (chosen == NULL || candidate.size < best.size) {
            struct buffer swap = best;
            best = candidate;
            candidate = swap;
            chosen = codecs[i];
        }
    }
    assert(chosen != NULL); /* PLAIN applies to every type and chunk */
    status = append_block(chunk, type, chosen, &best, out, error);
done:
    buffer_deinit(&candidate);
    buffer_deinit(&best);
    return status;
}

enum pdb_status block_encode_as(const struct column_chunk *chunk, enum pdb_type type,
                                enum block_encoding encoding, struct buffer *out,
                                struct pdb_error *error)
{
    const struct codec *codec = codec_find(encoding);
    if (codec == NULL || !codec_applies(codec, type)) {
        return error_set(error, PDB_ERR_USAGE, "encoding %u does not apply to %s values",
                         (unsigned)encoding, pdb_type_name(type));
    }
    struct buffer payload;
    buffer_init(&payload);
    enum pdb_status status = PDB_OK;
    switch (codec->encode(chunk, type, &payload)) {
    case CODEC_ENCODED: status = append_block(chunk, type, codec, &payload, out, error); break;
    case CODEC_NOT_APPLICABLE:
        status = error_set(error, PDB_ERR_USAGE, "encoding %s cannot represent this %s chunk",
                           codec->name, pdb_type_name(type));
        break;
    case CODEC_NO_MEMORY:
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory encoding a column block");
        break;
    }
    buffer_deinit(&payload);
    return status;
}

/* ---- Decoding -------------------------------------------------------------------------- */

enum pdb_status block_peek(const uint8_t *block, size_t size, enum pdb_type *type_out,
                           uint32_t *row_count_out, uint32_t *null_count_out,
                           struct pdb_error *error)
{
    if (size < BLOCK_HEADER_SIZE) {
        return error_set(error, PDB_ERR_CORRUPT, "column block of %zu bytes is shorter than "
                         "its %u-byte header", size, BLOCK_HEADER_SIZE);
    }
    uint32_t type = load_u32(block);
    uint32_t row_count = load_u32(block + 8);
    uint32_t null_count = load_u32(block + 12);
    uint64_t payload_size = load_u64(block + 16);
    if (type >= PDB_TYPE_COUNT) return error_set(error, PDB_ERR_CORRUPT, "column block has unknown type %u", type);
    if (row_count > PDB_CHUNK_ROWS || null_count > row_count) {
        return error_set(error, PDB_ERR_CORRUPT, "column block claims %u rows and %u nulls",
                         row_count, null_count);
    }
    if (payload_size != size - BLOCK_HEADER_SIZE) {
        return error_set(error, PDB_ERR_CORRUPT, "column block payload is %zu bytes, header says %llu",
                         size - BLOCK_HEADER_SIZE, (unsigned long long)payload_size);
    }
    *type_out = (enum pdb_type)type;
    *row_count_out = row_count;
    *null_count_out = null_count;
    return PDB_OK;
}

/* Only on the failure path: finds the first value column_chunk_validate objects to and
 * says which (the success path runs the one validation pass and nothing else). */
static enum pdb_status describe_invalid(const struct column_chunk *chunk, enum pdb_type type,
                                        uint32_t dictionary_entry_count, const char *codec_name,
                                        struct pdb_error *error)
{
    uint32_t rows = chunk->row_count;
    for (uint32_t row = 0; row < rows; row++) {
        bool is_null = column_chunk_is_null(chunk, row);
        if (type == PDB_TYPE_CATEGORY && !is_null &&
            column_chunk_code(chunk, row) >= dictionary_entry_count) {
            return error_set(error, PDB_ERR_CORRUPT, "column block (%s): category code %u at row "
                             "%u is beyond the %u-entry dictionary", codec_name,
                             column_chunk_code(chunk, row), row, dictionary_entry_count);
        }
        if (type != PDB_TYPE_TEXT && type != PDB_TYPE_TAGS) continue;
        uint32_t start = chunk->offsets[row], end = chunk->offsets[row + 1];
        if (start > end) {
            return error_set(error, PDB_ERR_CORRUPT, "column block (%s): offsets decrease at row "
                             "%u", codec_name, row);
        }
        if (is_null && start != end) {
            return error_set(error, PDB_ERR_CORRUPT, "column block (%s): NULL row %u has a value",
                             codec_name, row);
        }
        for (uint32_t i = start; type == PDB_TYPE_TAGS && i < end; i++) {
            if (chunk->tag_codes[i] >= dictionary_entry_count) {
                return error_set(error, PDB_ERR_CORRUPT, "column block (%s): tag code %u at row %u "
                                 "is beyond the %u-entry dictionary", codec_name, chunk->tag_codes[i],
                                 row, dictionary_entry_count);
            }
            if (i > start && chunk->tag_codes[i - 1] >= chunk->tag_codes[i]) {
                return error_set(error, PDB_ERR_CORRUPT, "column block (%s): tag codes of row %u "
                                 "are out of order or repeated", codec_name, row);
            }
        }
    }
    if (has_lanes(type) && chunk->null_count < rows &&
        (chunk->lane_base > chunk->min_int || chunk->min_int > chunk->max_int)) {
        return error_set(error, PDB_ERR_CORRUPT, "column block (%s): values overflow int64 (frame "
                         "base %lld plus a field beyond INT64_MAX)", codec_name,
                         (long long)chunk->lane_base);
    }
    return error_set(error, PDB_ERR_CORRUPT, "column block (%s) values are inconsistent (bits "
                     "beyond the rows, offsets not starting at 0, or NaN/infinity)", codec_name);
}

/* Whether the decoded lanes hold their zone map above the base (else validation reports). */
static bool lanes_hold_values(const struct column_chunk *chunk)
{
    if (chunk->null_count == chunk->row_count) return true;
    return chunk->lane_base <= chunk->min_int && chunk->min_int <= chunk->max_int &&
           (uint64_t)chunk->max_int - (uint64_t)chunk->lane_base <=
               column_lane_max(chunk->lane_width_bytes);
}

enum pdb_status block_decode(const uint8_t *block, size_t size, enum pdb_type type,
                             uint32_t dictionary_entry_count, struct column_chunk *chunk,
                             struct pdb_error *error)
{
    enum pdb_type block_type;
    uint32_t rows, nulls;
    enum pdb_status status = block_peek(block, size, &block_type, &rows, &nulls, error);
    if (status != PDB_OK) return status;
    if (block_type != type) {
        return error_set(error, PDB_ERR_CORRUPT, "column block holds %s values, schema says %s",
                         pdb_type_name(block_type), pdb_type_name(type));
    }
    uint32_t encoding = load_u32(block + 4);
    const struct codec *codec = codec_find(encoding);
    if (codec == NULL) {
        return error_set(error, PDB_ERR_CORRUPT, "column block has unknown encoding %u", encoding);
    }
    if (!codec_applies(codec, type)) {
        return error_set(error, PDB_ERR_CORRUPT, "column block of %s values has encoding %s, "
                         "which does not apply to them", pdb_type_name(type), codec->name);
    }
    struct codec_block header = {
        .type = type, .row_count = rows, .null_count = nulls,
        .dictionary_entry_count = dictionary_entry_count,
    };
    chunk->row_count = rows;
    status = codec->decode(block + BLOCK_HEADER_SIZE, size - BLOCK_HEADER_SIZE, &header, chunk,
                           error);
    if (status != PDB_OK) {
        error_prefix(error, "column block (%s): ", codec->name);
        return status;
    }
    uint32_t counted = (uint32_t)bitset_count(chunk->nulls);
    column_chunk_refresh_summary(chunk, type);
    if (counted != nulls || chunk->null_count != nulls) {
        return error_set(error, PDB_ERR_CORRUPT, "column block (%s) null bitset holds %u nulls, "
                         "header says %u", codec->name, counted, nulls);
    }
    if (has_lanes(type) && chunk->lanes != NULL && !column_chunk_is_sealed(chunk, type) &&
        lanes_hold_values(chunk) && column_chunk_seal(chunk, type) != 0) {
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory narrowing a decoded %s chunk",
                         pdb_type_name(type));
    }
    if (column_chunk_validate_summarised(chunk, type, dictionary_entry_count) != 0)
        return describe_invalid(chunk, type, dictionary_entry_count, codec->name, error);
    return PDB_OK;
}
