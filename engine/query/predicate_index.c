/*
 * Leaves answered from a value index (ACCESS_INDEX, chosen by plan.c): category tests (=,
 * IN, and their negations, or any test whose matching dictionary codes the planner listed)
 * and tags HAS / HAS ANY / HAS ALL on `indexed` attributes.
 *
 * The match words of a chunk are the OR of the listed codes' containers for that chunk
 * (HAS ALL: their AND), written straight into the chunk bitset by engine/index; the column's
 * codes are never read. Index bitmaps hold non-NULL rows only, so the executor's NULL
 * masking, negation and IN-with-NULL rules apply unchanged and three-valued logic is exactly
 * that of the scan.
 */
#include "index/value_index.h"
#include "query/query_internal.h"

enum leaf_match predicate_index_match(const struct leaf *leaf, uint32_t chunk_index,
                                      uint64_t *match_words, uint64_t *temp_words)
{
    const struct leaf_plan *plan = &leaf->plan;
    if (plan->codes_all) {
        value_index_intersect_chunk(plan->index, plan->codes, plan->code_count, chunk_index,
                                    match_words, temp_words);
    } else {
        value_index_union_chunk(plan->index, plan->codes, plan->code_count, chunk_index,
                                match_words);
    }
    return LEAF_MATCH_BITS;
}
