/*
 * libFuzzer target for column block decoding (engine/column/encoding.c and the codecs).
 *
 * Blocks come from disk, so block_decode must refuse any malformed bytes with
 * PDB_ERR_CORRUPT (or PDB_ERR_NO_MEMORY) and never read out of bounds. The first input byte
 * picks the schema type (mod PDB_TYPE_COUNT) and the second the dictionary size bound for
 * category/tags codes; the rest is the block. A block that decodes must pass
 * column_chunk_validate and re-encode to a block that decodes to the same chunk.
 *
 * Build and run from the repository root (not wired into CMake yet):
 */
// fuzz/build.sh --run 60   (builds every fuzz/fuzz_*.c with the right per-file SIMD flags)

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "column/column.h"
#include "column/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    enum pdb_type type = (enum pdb_type)(data[0] % PDB_TYPE_COUNT);
    uint32_t dictionary_entries = data[1];
    struct column_chunk chunk;
    if (column_chunk_init(&chunk, type) != 0) return 0;
    struct pdb_error error;
    enum pdb_status status = block_decode(data + 2, size - 2, type, dictionary_entries, &chunk, &error);
    if (status == PDB_OK) {
        if (column_chunk_validate(&chunk, type, dictionary_entries) != 0) abort();
        struct buffer again;
        buffer_init(&again);
        if (block_encode(&chunk, type, &again, &error) != PDB_OK) abort();
        struct column_chunk copy;
        if (column_chunk_init(&copy, type) != 0) abort();
        if (block_decode(again.data, again.size, type, dictionary_entries, &copy, &error) != PDB_OK) abort();
        if (copy.row_count != chunk.row_count || copy.null_count != chunk.null_count) abort();
        column_chunk_deinit(&copy);
        buffer_deinit(&again);
    } else if (status != PDB_ERR_CORRUPT && status != PDB_ERR_NO_MEMORY) {
        abort();
    }
    column_chunk_deinit(&chunk);
    return 0;
}
