/*
 * Builds the case-folded form of text chunks (text_fold.h), once per loaded column, on the
 * first case-insensitive test that reads it; later tests scan it like plain text.
 *
 * An all-ASCII chunk (the common case: emails, most names) folds byte by byte with ASCII
 * tolower, the same as casefold_into does per value, and keeps the chunk's offsets. Any other
 * chunk folds each value with casefold_into: a first pass measures the folded sizes (and
 * whether they all stayed the same, when the offsets are shared again), a second writes them,
 * so nothing grows inside the row loops. Runs on the thread that prepares the segment; a
 * database handle is used by one thread at a time.
 */
#include "query/text_fold.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "query/casefold.h"

/* Eight bytes at a time: names and emails are short, chunks are long. */
static bool is_ascii(const char *bytes, size_t size)
{
    uint64_t any = 0;
    size_t i = 0;
    for (; i + 8u <= size; i += 8u) {
        uint64_t word;
        memcpy(&word, bytes + i, sizeof word);
        any |= word;
    }
    for (; i < size; i++)
        any |= (unsigned char)bytes[i];
    return (any & 0x8080808080808080ull) == 0;
}

static void ascii_lower(const char *bytes, size_t size, char *out)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)bytes[i];
        out[i] = (char)(c + ((unsigned)(c - 'A') < 26u ? 32 : 0));
    }
}

static uint32_t longest_value(const struct column_chunk *chunk)
{
    uint32_t longest = 0;
    for (uint32_t row = 0; row < chunk->row_count; row++) {
        uint32_t size = chunk->offsets[row + 1] - chunk->offsets[row];
        longest = size > longest ? size : longest;
    }
    return longest;
}

/* Row `row` folded into out (when not NULL); returns its folded size. ASCII rows skip
 * casefold_into's call and copy. */
static size_t fold_row(const struct column_chunk *chunk, uint32_t row, int32_t *buffer,
                       size_t capacity, char *out)
{
    const char *value = chunk->text_bytes + chunk->offsets[row];
    uint32_t value_size = chunk->offsets[row + 1] - chunk->offsets[row];
    if (is_ascii(value, value_size)) {
        if (out != NULL) ascii_lower(value, value_size, out);
        return value_size;
    }
    size_t size;
    const char *folded = casefold_into(value, value_size, buffer, capacity, &size);
    if (out != NULL && size) memcpy(out, folded, size);
    return size;
}

/* Folds every value of a chunk that is not all ASCII. */
static enum pdb_status fold_values(struct column_chunk *chunk, const char *attribute_name,
                                   struct pdb_error *error)
{
    uint32_t rows = chunk->row_count;
    const uint32_t *offsets = chunk->offsets;
    size_t capacity = casefold_capacity(longest_value(chunk));
    int32_t *buffer = mem_alloc(capacity * sizeof buffer[0]);
    uint32_t *folded_offsets = NULL;
    char *folded = NULL;
    if (buffer == NULL) goto no_memory;
    uint64_t total = 0;
    bool sizes_kept = true;
    for (uint32_t row = 0; row < rows; row++) {
        size_t size = fold_row(chunk, row, buffer, capacity, NULL);
        total += size;
        sizes_kept &= size == offsets[row + 1] - offsets[row];
    }
    if (total > PDB_CHUNK_TEXT_BYTES_MAX) {
        mem_free(buffer);
        return error_set(error, PDB_ERR_LIMIT,
                         "case-folded text of '%s' in one chunk exceeds %u bytes", attribute_name,
                         PDB_CHUNK_TEXT_BYTES_MAX);
    }
    folded = total ? mem_alloc((size_t)total) : NULL;
    if (total && folded == NULL) goto no_memory;
    if (!sizes_kept) {
        folded_offsets = mem_alloc(((size_t)rows + 1u) * sizeof folded_offsets[0]);
        if (folded_offsets == NULL) goto no_memory;
    }
    uint32_t at = 0;
    for (uint32_t row = 0; row < rows; row++) {
        if (folded_offsets != NULL) folded_offsets[row] = at;
        at += (uint32_t)fold_row(chunk, row, buffer, capacity, folded + at);
    }
    assert(at == total);
    if (folded_offsets != NULL) folded_offsets[rows] = at;
    mem_free(buffer);
    chunk->fold = (struct column_text_fold){
        folded_offsets != NULL ? folded_offsets : chunk->offsets, folded, (size_t)total};
    return PDB_OK;
no_memory:
    mem_free(buffer);
    mem_free(folded);
    mem_free(folded_offsets);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory case-folding '%s'", attribute_name);
}

static enum pdb_status fold_chunk(struct column_chunk *chunk, const char *attribute_name,
                                  struct pdb_error *error)
{
    size_t size = chunk->offsets[chunk->row_count];
    if (!is_ascii(chunk->text_bytes, size)) return fold_values(chunk, attribute_name, error);
    char *folded = NULL;
    if (size) {
        folded = mem_alloc(size);
        if (folded == NULL)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory case-folding '%s'",
                             attribute_name);
        ascii_lower(chunk->text_bytes, size, folded);
    }
    chunk->fold = (struct column_text_fold){chunk->offsets, folded, size};
    return PDB_OK;
}

enum pdb_status text_fold_column(struct column *column, struct pdb_error *error)
{
    assert(column->attribute.type == PDB_TYPE_TEXT);
    for (uint32_t i = 0; i < column->chunk_count; i++) {
        struct column_chunk *chunk = &column->chunks[i];
        if (chunk->fold.offsets != NULL) continue;
        enum pdb_status status = fold_chunk(chunk, column->attribute.name, error);
        if (status != PDB_OK) return status;
    }
    return PDB_OK;
}
