/*
 * Bool leaves: `flag`, `flag = TRUE|FALSE`, `flag IN (...)`. The chunk's value bitset is the
 * match (or its complement for FALSE); NULL rows hold 0 and are masked by the executor.
 */
#include "base/bitset.h"
#include "query/query_internal.h"

enum leaf_match predicate_bool_match(const struct leaf *leaf, const struct column_chunk *chunk,
                                     uint64_t *match_words)
{
    bitset_copy(match_words, chunk->bools);
    if (!leaf->bool_value) bitset_not_inplace(match_words, chunk->row_count);
    return LEAF_MATCH_BITS;
}
