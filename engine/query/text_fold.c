/*
 * Builds the case-folded form of text chunks (text_fold.h), once per loaded column, on the
 * first case-insensitive test that reads it; later tests scan it like plain text.
 *
 * An all-ASCII chunk (the common case: emails, most names) folds byte by byte with ASCII
 * tolower, the same as casefold_into does per value, and keeps the chunk's offsets. Any other
 * chunk folds each value with casefold_into: a first pass measures the folded sizes (and
 * whether they all stayed the same, when the offsets are shared again), a second writes them,
 * so nothing grows inside the row loops. Values repeat (names especially), so a small table
 * of the chunk's recent non-ASCII values (their hash picks the slot; a hit compares the bytes)
 * gives each distinct value one casefold_into per pass and copies its earlier fold after.
 * Runs on the thread that prepares the segment; a database handle is used by one thread at a
 * time.
 */
#include "query/text_fold.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/unicode.h"

/* Slots of the table of recent non-ASCII values (a power of two). */
#define FOLD_MEMO_SLOTS 4096u
#define FOLD_NOT_WRITTEN UINT32_MAX

/* A value seen in this chunk: its bytes (as offsets into the chunk), its folded size, and
 * where the second pass wrote its fold (FOLD_NOT_WRITTEN before). All UINT32_MAX: empty. */
struct fold_memo_entry {
    uint32_t source, source_size;
    uint32_t folded_size, folded_at;
};

struct fold_state {
    int32_t *buffer; /* casefold_into's */
    size_t capacity;
    struct fold_memo_entry *memo; /* FOLD_MEMO_SLOTS */
};

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

/* The folded size of row `row`; with `folded` (the second pass), also writes the fold at
 * folded + at. ASCII rows skip casefold_into; repeated values copy their earlier fold. */
static size_t fold_row(struct fold_state *state, const struct column_chunk *chunk, uint32_t row,
                       char *folded, uint32_t at)
{
    const char *value = chunk->text_bytes + chunk->offsets[row];
    uint32_t value_size = chunk->offsets[row + 1] - chunk->offsets[row];
    if (is_ascii(value, value_size)) {
        if (folded != NULL) ascii_lower(value, value_size, folded + at);
        return value_size;
    }
    struct fold_memo_entry *entry =
        &state->memo[hash_bytes(value, value_size) & (FOLD_MEMO_SLOTS - 1u)];
    bool is_known = entry->source_size == value_size &&
                    memcmp(chunk->text_bytes + entry->source, value, value_size) == 0;
    if (is_known && folded == NULL) return entry->folded_size;
    if (is_known && entry->folded_at != FOLD_NOT_WRITTEN) {
        memcpy(folded + at, folded + entry->folded_at, entry->folded_size);
        return entry->folded_size;
    }
    size_t size;
    const char *result = casefold_into(value, value_size, state->buffer, state->capacity, &size);
    if (folded != NULL && size) memcpy(folded + at, result, size);
    *entry = (struct fold_memo_entry){chunk->offsets[row], value_size, (uint32_t)size,
                                      folded != NULL ? at : FOLD_NOT_WRITTEN};
    return size;
}

/* Folds every value of a chunk that is not all ASCII. */
static enum pdb_status fold_values(struct column_chunk *chunk, const char *attribute_name,
                                   struct pdb_error *error)
{
    uint32_t rows = chunk->row_count;
    const uint32_t *offsets = chunk->offsets;
    struct fold_state state = {.capacity = casefold_capacity(longest_value(chunk))};
    state.buffer = mem_alloc(state.capacity * sizeof state.buffer[0]);
    state.memo = mem_alloc(FOLD_MEMO_SLOTS * sizeof state.memo[0]);
    uint32_t *folded_offsets = NULL;
    char *folded = NULL;
    if (state.buffer == NULL || state.memo == NULL) goto no_memory;
    memset(state.memo, 0xFF, FOLD_MEMO_SLOTS * sizeof state.memo[0]);
    uint64_t total = 0;
    bool sizes_kept = true;
    for (uint32_t row = 0; row < rows; row++) {
        size_t size = fold_row(&state, chunk, row, NULL, 0);
        total += size;
        sizes_kept &= size == offsets[row + 1] - offsets[row];
    }
    if (total > PDB_CHUNK_TEXT_BYTES_MAX) {
        mem_free(state.buffer);
        mem_free(state.memo);
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
        at += (uint32_t)fold_row(&state, chunk, row, folded, at);
    }
    assert(at == total);
    if (folded_offsets != NULL) folded_offsets[rows] = at;
    mem_free(state.buffer);
    mem_free(state.memo);
    chunk->fold = (struct column_text_fold){
        folded_offsets != NULL ? folded_offsets : chunk->offsets, folded, (size_t)total};
    return PDB_OK;
no_memory:
    mem_free(state.buffer);
    mem_free(state.memo);
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
