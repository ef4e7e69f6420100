/*
 * LZ4: the one file that includes <lz4.h>, and the LZ4 codec (layout in encoding.h): a u64
 * size, then the LZ4 block-format compression of the chunk's PLAIN payload.
 *
 * The codec is the fallback compressor for every type: plain floats with repeated digits,
 * bitsets and offset arrays with runs, anything the specialised codecs do not shrink.
 * TEXT_LZ4 uses the helpers below for text bytes. Blocks come from disk, so only
 * LZ4_decompress_safe is used, and a claimed size is checked before anything is allocated:
 * against what the type allows (codec_plain_size_max), against what LZ4 can expand the
 * compressed bytes to (CODEC_LZ4_EXPANSION_MAX per byte), and LZ4 must then produce exactly
 * that many bytes. A decompression bomb therefore fails without a large allocation.
 */
#include <assert.h>
#include <limits.h>
#include <lz4.h>

#include "base/alloc.h"
#include "base/status.h"
#include "column/codec_common.h"
#include "column/codec_plain.h"

static_assert(CODEC_LZ4_INPUT_SIZE_MAX == LZ4_MAX_INPUT_SIZE, "LZ4's input limit");

/* ---- Helpers --------------------------------------------------------------------------- */

enum codec_encode_result codec_lz4_append(struct buffer *out, const void *data, size_t size)
{
    static const char empty[1] = {0};
    if (size > CODEC_LZ4_INPUT_SIZE_MAX) return CODEC_NOT_APPLICABLE;
    int bound = LZ4_compressBound((int)size);
    if (bound <= 0) return CODEC_NOT_APPLICABLE;
    if (buffer_reserve(out, (size_t)bound) != 0) return CODEC_NO_MEMORY;
    int written = LZ4_compress_default(size ? data : empty, (char *)out->data + out->size,
                                       (int)size, bound);
    if (written <= 0) return CODEC_NOT_APPLICABLE;
    out->size += (size_t)written;
    return CODEC_ENCODED;
}

bool codec_lz4_size_is_possible(size_t compressed_size, uint64_t size)
{
    return compressed_size > 0 && compressed_size <= (size_t)INT_MAX &&
           size <= CODEC_LZ4_INPUT_SIZE_MAX &&
           size <= (uint64_t)compressed_size * CODEC_LZ4_EXPANSION_MAX;
}

enum pdb_status codec_lz4_decompress(const uint8_t *compressed, size_t compressed_size,
                                     uint8_t *out, size_t size, const char *what,
                                     struct pdb_error *error)
{
    char empty[1];
    if (!codec_lz4_size_is_possible(compressed_size, size)) {
        return error_set(error, PDB_ERR_CORRUPT, "%s: %zu LZ4 bytes cannot hold %zu bytes", what,
                         compressed_size, size);
    }
    int produced = LZ4_decompress_safe((const char *)compressed, size ? (char *)out : empty,
                                       (int)compressed_size, (int)size);
    if (produced < 0) {
        return error_set(error, PDB_ERR_CORRUPT, "%s: LZ4 data is damaged or longer than the "
                         "%zu bytes expected", what, size);
    }
    if ((size_t)produced != size) {
        return error_set(error, PDB_ERR_CORRUPT, "%s: LZ4 data holds %d bytes, expected %zu",
                         what, produced, size);
    }
    return PDB_OK;
}

/* ---- The LZ4 codec --------------------------------------------------------------------- */

static enum codec_encode_result lz4_encode(const struct column_chunk *chunk, enum pdb_type type,
                                           struct buffer *out)
{
    struct buffer plain;
    buffer_init(&plain);
    enum codec_encode_result result = codec_plain_encode(chunk, type, &plain);
    if (result == CODEC_ENCODED) {
        if (buffer_append_u64(out, plain.size) != 0)
            result = CODEC_NO_MEMORY;
        else
            result = codec_lz4_append(out, plain.data, plain.size);
    }
    buffer_deinit(&plain);
    return result;
}

static enum pdb_status lz4_decode(const uint8_t *payload, size_t size,
                                  const struct codec_block *block, struct column_chunk *chunk,
                                  struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    uint64_t plain_size;
    if (!codec_read_u64(&reader, &plain_size))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for its plain size");
    uint64_t smallest = codec_plain_fixed_size(block), largest = codec_plain_size_max(block);
    if (plain_size < smallest || plain_size > largest) {
        return error_set(error, PDB_ERR_CORRUPT, "plain size %llu is outside %llu..%llu for %u "
                         "%s rows", (unsigned long long)plain_size, (unsigned long long)smallest,
                         (unsigned long long)largest, block->row_count, pdb_type_name(block->type));
    }
    if (!codec_lz4_size_is_possible(reader.left, plain_size)) {
        return error_set(error, PDB_ERR_CORRUPT, "%zu LZ4 bytes cannot hold a plain size of %llu",
                         reader.left, (unsigned long long)plain_size);
    }
    uint8_t *plain = mem_alloc(plain_size ? (size_t)plain_size : 1u);
    if (plain == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory decompressing a column block");
    enum pdb_status status = codec_lz4_decompress(reader.next, reader.left, plain,
                                                  (size_t)plain_size, "plain payload", error);
    if (status == PDB_OK) status = codec_plain_decode(plain, (size_t)plain_size, block, chunk, error);
    mem_free(plain);
    return status;
}

const struct codec codec_lz4 = {
    .id = BLOCK_ENCODING_LZ4,
    .name = "lz4",
    .type_mask = CODEC_ALL_TYPES,
    .encode = lz4_encode,
    .decode = lz4_decode,
};
