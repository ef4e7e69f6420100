/*
 * Tags leaves: HAS 'x', HAS ANY (...), HAS ALL (...) over each row's set of tag codes.
 *
 * segment_prepare looks the listed tags up in the column's dictionary once, into a per-code
 * table. HAS ANY matches a row when one of its codes is in the table; HAS ALL when the row
 * holds as many table codes as there are listed tags (codes are unique within a row). A
 * listed tag absent from the dictionary makes HAS ALL match nothing; HAS ANY ignores it.
 * An empty set matches nothing; a NULL set is masked by the executor (UNKNOWN).
 */
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "query/query_internal.h"

enum pdb_status predicate_tags_prepare(struct leaf *leaf, const struct column *column,
                                       struct pdb_error *error)
{
    leaf_prepared_release(leaf);
    struct leaf_prepared *prepared = &leaf->prepared;
    const struct dictionary *dictionary = &column->dictionary;
    uint32_t entries = dictionary->entry_count;
    prepared->code_table = mem_calloc(entries ? entries : 1, 1);
    if (prepared->code_table == NULL) {
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory preparing a segment on '%s'",
                         leaf->attribute_name);
    }
    prepared->code_count = entries;
    uint32_t present = 0;
    bool missing = false;
    for (uint32_t i = 0; i < leaf->tag_count; i++) {
        uint32_t code = dictionary_find(dictionary, leaf->tags[i].data, leaf->tags[i].size);
        if (code == DICTIONARY_NO_CODE) {
            missing = true;
        } else if (!prepared->code_table[code]) {
            prepared->code_table[code] = 1;
            present++;
        }
    }
    prepared->tags_needed = leaf->tags_all && missing ? UINT32_MAX : present;
    bool none = leaf->tags_all ? missing || present == 0 : present == 0;
    prepared->summary = none ? CODE_TABLE_NONE : CODE_TABLE_SOME;
    return PDB_OK;
}

enum leaf_match predicate_tags_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                     uint64_t *match_words)
{
    const struct leaf_prepared *prepared = &leaf->prepared;
    if (prepared->summary == CODE_TABLE_NONE) return LEAF_MATCH_NONE;
    const uint8_t *table = prepared->code_table;
    const uint32_t *codes = chunk->tag_codes;
    const uint32_t *offsets = chunk->offsets;
    uint32_t rows = chunk->row_count;
    uint32_t needed = prepared->tags_needed;
    bool all = leaf->tags_all;
    for (uint32_t word = 0; word * 64u < rows; word++) {
        uint32_t end = word * 64u + 64u < rows ? word * 64u + 64u : rows;
        uint64_t bits = 0;
        for (uint32_t row = word * 64u; row < end; row++) {
            uint32_t hits = 0;
            for (uint32_t i = offsets[row]; i < offsets[row + 1]; i++)
                hits += table[codes[i]];
            bool match = all ? hits == needed : hits > 0;
            bits |= (uint64_t)match << (row & 63u);
        }
        match_words[word] = bits;
    }
    query_bitset_clear_tail(match_words, rows);
    return LEAF_MATCH_BITS;
}
