/*
 * String leaves: comparisons, BETWEEN, IN and STARTS/ENDS/CONTAINS (and their case-
 * insensitive forms) on text and category columns.
 *
 * Text: STARTS/ENDS WITH and CONTAINS run the SIMD text kernels over the whole chunk
 * (simd/simd.h: fixed-offset compares, a blob-wide substring search); their case-insensitive
 * forms run the same kernels over the chunk's case-folded copy (query/text_fold.c, built by
 * prepare the first time a column needs it, then kept with the loaded column) with the
 * pattern the binder folded. Comparisons, BETWEEN and IN are tested row by row on the
 * chunk's offsets/bytes (an equality test compares sizes first). Category is tested once per
 * dictionary entry by segment_prepare into a per-code match table; the chunk scan is then one
 * lookup per row code (or one compare when exactly one code matches), and a table with no or
 * every code set decides the chunk at once. Both scans are SIMD kernels (simd/simd.h); the
 * table is allocated with the SIMD_LOOKUP_TABLE_PADDING bytes their gathers read past the
 * last entry.
 */
#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/unicode.h"
#include "query/query_internal.h"
#include "query/text_fold.h"
#include "simd/simd.h"

/* Builds match_words from PREDICATE for rows [0, rows), with value/size bound per row. */
#define TEXT_ROWS(chunk, match_words, PREDICATE)                                                   \
    do {                                                                                           \
        const char *base_ = (chunk)->text_bytes ? (chunk)->text_bytes : "";                        \
        const uint32_t *offsets_ = (chunk)->offsets;                                               \
        uint32_t rows_ = (chunk)->row_count;                                                       \
        for (uint32_t word_ = 0; word_ * 64u < rows_; word_++) {                                   \
            uint32_t end_ = word_ * 64u + 64u < rows_ ? word_ * 64u + 64u : rows_;                 \
            uint64_t bits_ = 0;                                                                    \
            for (uint32_t row_ = word_ * 64u; row_ < end_; row_++) {                               \
                const char *value = base_ + offsets_[row_];                                        \
                uint32_t size = offsets_[row_ + 1] - offsets_[row_];                               \
                bits_ |= (uint64_t)(PREDICATE) << (row_ & 63u);                                    \
            }                                                                                      \
            (match_words)[word_] = bits_;                                                          \
        }                                                                                          \
    } while (0)

static bool is_equality(const struct string_test *test)
{
    return test->kind == STRING_TEST_RANGE && test->has_low && test->has_high &&
           test->low_inclusive && test->high_inclusive && test->low.size == test->high.size &&
           (test->low.size == 0 || memcmp(test->low.data, test->high.data, test->low.size) == 0);
}

static bool equals(const char *value, uint32_t size, const char *wanted, uint32_t wanted_size)
{
    return size == wanted_size && (size == 0 || memcmp(value, wanted, size) == 0);
}

static bool is_pattern_test(const struct string_test *test)
{
    return test->kind == STRING_TEST_STARTS || test->kind == STRING_TEST_ENDS ||
           test->kind == STRING_TEST_CONTAINS;
}

/* STARTS/ENDS WITH, CONTAINS and their I-forms: one kernel call over the chunk. */
static void text_pattern_match(const struct string_test *test, const struct column_chunk *chunk,
                               uint64_t *match_words)
{
    const char *bytes = chunk->text_bytes;
    const uint32_t *offsets = chunk->offsets;
    if (test->case_insensitive) {
        assert(chunk->fold.offsets != NULL); /* predicate_string_prepare built it */
        bytes = chunk->fold.bytes;
        offsets = chunk->fold.offsets;
    }
    const struct simd_kernels *kernels = simd_kernels();
    void (*kernel)(const char *, const uint32_t *, uint32_t, const char *, uint32_t, uint64_t *) =
        test->kind == STRING_TEST_STARTS ? kernels->text_starts
        : test->kind == STRING_TEST_ENDS ? kernels->text_ends
                                         : kernels->text_contains;
    kernel(bytes != NULL ? bytes : "", offsets, chunk->row_count, test->pattern.data,
           test->pattern.size, match_words);
}

static enum leaf_match text_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                  uint64_t *match_words)
{
    const struct string_test *test = &leaf->string;
    if (is_pattern_test(test)) {
        text_pattern_match(test, chunk, match_words);
    } else if (is_equality(test)) {
        const char *wanted = test->low.data;
        uint32_t wanted_size = test->low.size;
        TEXT_ROWS(chunk, match_words, equals(value, size, wanted, wanted_size));
    } else {
        assert(!test->case_insensitive); /* only pattern tests fold */
        TEXT_ROWS(chunk, match_words, string_test_match(test, value, size, NULL, 0));
    }
    query_bitset_clear_tail(match_words, chunk->row_count);
    return LEAF_MATCH_BITS;
}

static enum leaf_match category_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                      uint64_t *match_words)
{
    const struct leaf_prepared *prepared = &leaf->prepared;
    switch (prepared->summary) {
    case CODE_TABLE_NONE:
        return LEAF_MATCH_NONE;
    case CODE_TABLE_ALL:
        return LEAF_MATCH_ALL;
    case CODE_TABLE_ONE:
        /* Codes are lanes (column.h); one outside the chunk's code range is in no row. */
        if (prepared->single_code < chunk->min_int || prepared->single_code > chunk->max_int)
            return LEAF_MATCH_NONE;
        predicate_lanes_range(simd_kernels(), chunk, prepared->single_code,
                              prepared->single_code, match_words);
        break;
    case CODE_TABLE_SOME:
        predicate_lanes_lookup(simd_kernels(), chunk, prepared->code_table, match_words);
        break;
    }
    query_bitset_clear_tail(match_words, chunk->row_count);
    return LEAF_MATCH_BITS;
}

enum leaf_match predicate_string_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                       struct segment_scratch *scratch, uint64_t *match_words)
{
    if (leaf->type == PDB_TYPE_CATEGORY) return category_match(leaf, chunk, match_words);
    (void)scratch; /* text folds ahead of evaluation (text_fold.c) */
    return text_match(leaf, chunk, match_words);
}

void leaf_prepared_release(struct leaf *leaf)
{
    mem_free(leaf->prepared.code_table);
    memset(&leaf->prepared, 0, sizeof leaf->prepared);
}

/* Sets the summary from the table's contents. */
static void summarise(struct leaf_prepared *prepared)
{
    uint32_t matching = 0;
    for (uint32_t code = 0; code < prepared->code_count; code++) {
        if (prepared->code_table[code]) {
            if (matching == 0) prepared->single_code = code;
            matching++;
        }
    }
    prepared->summary = matching == 0                      ? CODE_TABLE_NONE
                        : matching == prepared->code_count ? CODE_TABLE_ALL
                        : matching == 1                    ? CODE_TABLE_ONE
                                                           : CODE_TABLE_SOME;
}

enum pdb_status predicate_string_prepare(struct leaf *leaf, struct column *column,
                                         struct pdb_error *error)
{
    leaf_prepared_release(leaf);
    struct leaf_prepared *prepared = &leaf->prepared;
    const struct string_test *test = &leaf->string;
    if (leaf->type == PDB_TYPE_TEXT)
        return test->case_insensitive ? text_fold_column(column, error) : PDB_OK;
    const struct dictionary *dictionary = &column->dictionary;
    uint32_t entries = dictionary->entry_count;
    static_assert(PDB_DICTIONARY_ENTRIES_MAX <= INT32_MAX, "codes index lookup tables");
    prepared->code_table = mem_calloc((entries ? entries : 1) + SIMD_LOOKUP_TABLE_PADDING, 1);
    if (prepared->code_table == NULL) goto no_memory;
    prepared->code_count = entries;
    if (is_equality(test) || test->kind == STRING_TEST_IN) {
        const struct bytes_view *values = test->kind == STRING_TEST_IN ? test->values : &test->low;
        uint32_t count = test->kind == STRING_TEST_IN ? test->value_count : 1;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t code = dictionary_find(dictionary, values[i].data, values[i].size);
            if (code != DICTIONARY_NO_CODE) prepared->code_table[code] = 1;
        }
    } else {
        int32_t *fold_buffer = NULL;
        size_t fold_capacity = 0;
        if (test->case_insensitive) {
            size_t longest = 0;
            for (uint32_t code = 0; code < entries; code++) {
                size_t size = dictionary->offsets[code + 1] - dictionary->offsets[code];
                longest = size > longest ? size : longest;
            }
            fold_capacity = casefold_capacity(longest);
            fold_buffer = mem_alloc(fold_capacity * sizeof fold_buffer[0]);
            if (fold_buffer == NULL) goto no_memory;
        }
        for (uint32_t code = 0; code < entries; code++) {
            uint32_t size = (uint32_t)(dictionary->offsets[code + 1] - dictionary->offsets[code]);
            const char *entry =
                dictionary->bytes ? dictionary->bytes + dictionary->offsets[code] : "";
            prepared->code_table[code] =
                string_test_match(test, entry, size, fold_buffer, fold_capacity);
        }
        mem_free(fold_buffer);
    }
    summarise(prepared);
    return PDB_OK;
no_memory:
    leaf_prepared_release(leaf);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory preparing a segment on '%s'",
                     leaf->attribute_name);
}
