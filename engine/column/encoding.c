/*
 * Column block encode/decode (see encoding.h). The codec table maps an encoding id to its
 * functions; block_encode picks the codec (today always PLAIN) and writes the header.
 */
#include "column/encoding.h"

#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"

struct codec {
    enum block_encoding id;
    const char *name;
    int (*encode_values)(const struct column_chunk *chunk, enum pdb_type type,
                         struct buffer *out);
    /* Decodes values from payload[0..size); returns NULL or a static reason. */
    const char *(*decode_values)(const uint8_t *payload, size_t size, enum pdb_type type,
                                 struct column_chunk *chunk);
};

/* The one decode_values reason that is not corruption: block_decode maps it to
 * PDB_ERR_NO_MEMORY (compared by pointer). */
static const char decode_out_of_memory[] = "out of memory decoding a string block";

static uint32_t words_for(uint32_t row_count)
{
    return (row_count + 63u) / 64u;
}

/* ---- PLAIN codec --------------------------------------------------------------------- */

static int plain_encode(const struct column_chunk *chunk, enum pdb_type type, struct buffer *out)
{
    uint32_t rows = chunk->row_count;
    switch (type) {
    case PDB_TYPE_BOOL:
        return buffer_append(out, chunk->bools, words_for(rows) * sizeof(uint64_t));
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        return buffer_append(out, chunk->ints, (size_t)rows * sizeof(int64_t));
    case PDB_TYPE_FLOAT:
        return buffer_append(out, chunk->floats, (size_t)rows * sizeof(double));
    case PDB_TYPE_CATEGORY:
        return buffer_append(out, chunk->codes, (size_t)rows * sizeof(uint32_t));
    case PDB_TYPE_TEXT:
        if (buffer_append(out, chunk->offsets, ((size_t)rows + 1) * sizeof(uint32_t)) != 0)
            return -1;
        return buffer_append(out, chunk->text_bytes, chunk->offsets[rows]);
    case PDB_TYPE_TAGS:
        if (buffer_append(out, chunk->offsets, ((size_t)rows + 1) * sizeof(uint32_t)) != 0)
            return -1;
        return buffer_append(out, chunk->codes, (size_t)chunk->offsets[rows] * sizeof(uint32_t));
    default: return -1;
    }
}

static const char *plain_decode(const uint8_t *payload, size_t size, enum pdb_type type,
                                struct column_chunk *chunk)
{
    uint32_t rows = chunk->row_count;
    size_t fixed;
    switch (type) {
    case PDB_TYPE_BOOL:
        fixed = words_for(rows) * sizeof(uint64_t);
        if (size != fixed) return "bool block has the wrong size";
        memcpy(chunk->bools, payload, fixed);
        if (rows % 64u && (chunk->bools[rows / 64u] >> (rows % 64u)) != 0)
            return "bool block has bits set beyond its rows";
        return NULL;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        if (size != (size_t)rows * 8u) return "integer block has the wrong size";
        memcpy(chunk->ints, payload, size);
        return NULL;
    case PDB_TYPE_FLOAT:
        if (size != (size_t)rows * 8u) return "float block has the wrong size";
        memcpy(chunk->floats, payload, size);
        for (uint32_t row = 0; row < rows; row++)
            if (!isfinite(chunk->floats[row])) return "float block holds NaN or infinity";
        return NULL;
    case PDB_TYPE_CATEGORY:
        if (size != (size_t)rows * 4u) return "category block has the wrong size";
        memcpy(chunk->codes, payload, size);
        return NULL;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: {
        size_t offsets_size = ((size_t)rows + 1) * sizeof(uint32_t);
        if (size < offsets_size) return "string block is shorter than its offsets";
        memcpy(chunk->offsets, payload, offsets_size);
        if (chunk->offsets[0] != 0) return "string block offsets do not start at 0";
        for (uint32_t row = 0; row < rows; row++)
            if (chunk->offsets[row] > chunk->offsets[row + 1]) return "string block offsets decrease";
        size_t element = type == PDB_TYPE_TEXT ? 1u : sizeof(uint32_t);
        size_t values_size = (size_t)chunk->offsets[rows] * element;
        if (size - offsets_size != values_size) return "string block has the wrong size";
        if (values_size > 0) {
            void *values = mem_alloc(values_size);
            if (values == NULL) return decode_out_of_memory;
            memcpy(values, payload + offsets_size, values_size);
            if (type == PDB_TYPE_TEXT) {
                chunk->text_bytes = values;
                chunk->text_bytes_size = values_size;
                chunk->text_bytes_capacity = values_size;
            } else {
                chunk->codes = values;
                chunk->tag_codes_capacity = chunk->offsets[rows];
            }
        }
        return NULL;
    }
    default: return "unknown type";
    }
}

static const struct codec codecs[] = {
    {BLOCK_ENCODING_PLAIN, "plain", plain_encode, plain_decode},
};

static const struct codec *codec_find(uint32_t id)
{
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (codecs[i].id == id) return &codecs[i];
    return NULL;
}

/* ---- Blocks -------------------------------------------------------------------------- */

enum pdb_status block_encode(const struct column_chunk *chunk, enum pdb_type type,
                             struct buffer *out, struct pdb_error *error)
{
    const struct codec *codec = codec_find(BLOCK_ENCODING_PLAIN);
    size_t start = out->size;
    if (buffer_append_u32(out, (uint32_t)type) != 0 || buffer_append_u32(out, codec->id) != 0 ||
        buffer_append_u32(out, chunk->row_count) != 0 ||
        buffer_append_u32(out, chunk->null_count) != 0 || buffer_append_u64(out, 0) != 0)
        goto no_memory;
    if (chunk->null_count > 0 &&
        buffer_append(out, chunk->nulls, words_for(chunk->row_count) * sizeof(uint64_t)) != 0)
        goto no_memory;
    if (codec->encode_values(chunk, type, out) != 0) goto no_memory;
    store_u64(out->data + start + 16, out->size - start - BLOCK_HEADER_SIZE);
    return PDB_OK;
no_memory:
    out->size = start;
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory encoding a column block");
}

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
    const struct codec *codec = codec_find(load_u32(block + 4));
    if (codec == NULL) {
        return error_set(error, PDB_ERR_CORRUPT, "column block has unknown encoding %u",
                         load_u32(block + 4));
    }
    const uint8_t *payload = block + BLOCK_HEADER_SIZE;
    size_t payload_size = size - BLOCK_HEADER_SIZE;
    chunk->row_count = rows;
    if (nulls > 0) {
        size_t null_size = words_for(rows) * sizeof(uint64_t);
        if (payload_size < null_size) return error_set(error, PDB_ERR_CORRUPT, "column block is too short for its null bitset");
        memcpy(chunk->nulls, payload, null_size);
        payload += null_size;
        payload_size -= null_size;
    }
    const char *problem = codec->decode_values(payload, payload_size, type, chunk);
    if (problem == decode_out_of_memory) return error_set(error, PDB_ERR_NO_MEMORY, "%s", problem);
    if (problem != NULL) return error_set(error, PDB_ERR_CORRUPT, "%s", problem);
    uint32_t counted = (uint32_t)bitset_count(chunk->nulls);
    column_chunk_refresh_summary(chunk, type);
    if (counted != nulls || chunk->null_count != nulls) {
        return error_set(error, PDB_ERR_CORRUPT, "column block null bitset holds %u nulls, header "
                         "says %u", counted, nulls);
    }
    if (column_chunk_validate(chunk, type, dictionary_entry_count) != 0) {
        return error_set(error, PDB_ERR_CORRUPT, "column block values are inconsistent (bad "
                         "dictionary code, null row with a value, or bits beyond the rows)");
    }
    return PDB_OK;
}
