/*
 * Chunk-at-a-time evaluation of a prepared segment (the three-valued encoding is described
 * in query_internal.h: T = TRUE rows, U = not-FALSE rows).
 *
 * Each node writes its T (and U, unless it reports that the chunk cannot be UNKNOWN there)
 * into the two bitsets its parent hands it. An AND or OR evaluates its first child into its
 * own bitsets and every further child into the next buffer level, then combines word by
 * word; an AND stops as soon as U (hence T) is empty, an OR as soon as T holds every row.
 * Leaves read one column chunk: the type-specific part (predicate_*.c) reports which rows
 * match, and this file masks NULLs, applies negation and IN-with-NULL.
 * Leaves the planner sent to the value index (ACCESS_INDEX) take their match words from
 * predicate_index.c instead; event leaves (an aggregate, not a column) come whole from
 * predicate_event.c. Tombstoned rows are removed from the root's result.
 * In explain mode (scratch->profile set) every node is timed and counted; the normal path
 * only tests that pointer once per node.
 * Bitsets are combined and counted by the active SIMD kernels (simd/simd.h), fetched once
 * per chunk evaluation. Nothing here allocates; a scratch holds every buffer and is owned by
 * one thread.
 */
#include <assert.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "index/index_bitmap.h"
#include "query/query_internal.h"
#include "query/segment.h"
#include "simd/simd.h"

static_assert(PDB_CHUNK_WORDS <= SIMD_BITSET_WORDS_MAX, "a chunk bitset is one kernel call");

void query_bitset_clear_tail(uint64_t *words, uint32_t row_count)
{
    uint32_t used = (row_count + 63u) / 64u;
    if (used < PDB_CHUNK_WORDS) memset(words + used, 0, (PDB_CHUNK_WORDS - used) * sizeof words[0]);
}

/* ---- Scratch -------------------------------------------------------------------------- */

struct segment_scratch *segment_scratch_create(const struct segment *segment)
{
    struct segment_scratch *scratch = mem_calloc(1, sizeof *scratch);
    if (scratch == NULL) return NULL;
    scratch->level_count = segment->level_count;
    size_t bitsets = 3u * (size_t)scratch->level_count + 3u;
    scratch->words = mem_alloc_aligned(64, bitsets * PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (scratch->words == NULL) goto fail;
    if (segment->event_leaf_count > 0) { /* predicate_event.c */
        size_t event_words = (segment->event_events_max + 63u) / 64u;
        scratch->event_events_max = segment->event_events_max;
        scratch->event_row_events_max = segment->event_row_events_max;
        scratch->event_words = mem_alloc_aligned(
            64, (2u * (size_t)segment->event_filter_levels * event_words + 1u) * sizeof(uint64_t));
        scratch->event_values =
            mem_alloc(((size_t)segment->event_row_events_max + 1u) * sizeof(int64_t));
        if (scratch->event_words == NULL || scratch->event_values == NULL) goto fail;
    }
    return scratch;
fail:
    segment_scratch_destroy(scratch);
    return NULL;
}

void segment_scratch_destroy(struct segment_scratch *scratch)
{
    if (scratch == NULL) return;
    mem_free(scratch->words);
    mem_free(scratch->event_words);
    mem_free(scratch->event_values);
    mem_free(scratch);
}

/* What every node of one chunk's evaluation reads. */
struct evaluation {
    const struct table *table;
    uint32_t chunk_index;
    uint32_t rows;
    struct segment_scratch *scratch;
    const struct simd_kernels *simd;
    struct segment_node_profile *profile; /* explain mode, else NULL */
    const struct event_store *events;     /* event leaves (NULL: empty histories) */
};

/* ---- Leaves --------------------------------------------------------------------------- */

/* The match words of a leaf from the column chunk's values (every path but the index). */
static enum leaf_match match_from_values(const struct evaluation *evaluation,
                                         const struct leaf *leaf,
                                         const struct column_chunk *chunk, uint64_t *t)
{
    enum leaf_match match;
    switch (leaf->kind) {
    case LEAF_CONSTANT:
        match = leaf->constant_matches ? LEAF_MATCH_ALL : LEAF_MATCH_NONE;
        break;
    case LEAF_BOOL:
        match = predicate_bool_match(leaf, chunk, t);
        break;
    case LEAF_INT_RANGE:
    case LEAF_INT_IN:
    case LEAF_FLOAT_RANGE:
    case LEAF_FLOAT_IN:
        match = predicate_numeric_match(leaf, chunk, t);
        break;
    case LEAF_STRING:
        match = predicate_string_match(leaf, chunk, evaluation->scratch, t);
        break;
    case LEAF_TAGS:
        match = predicate_tags_match(leaf, chunk, t);
        break;
    default:
        assert(!"unknown leaf kind");
        match = LEAF_MATCH_NONE;
        break;
    }
    return match;
}

/* T and U of a leaf for one chunk; returns whether U was written (else U == T). */
static bool eval_leaf(const struct evaluation *evaluation, const struct bound_node *node,
                      const uint64_t *candidates, uint64_t *t, uint64_t *u)
{
    const struct leaf *leaf = node->leaf;
    if (leaf->event != NULL) {
        bool decided = false;
        bool has_u = predicate_event_eval(leaf, evaluation->events, evaluation->chunk_index,
                                          evaluation->rows, candidates, evaluation->scratch, t,
                                          u, &decided);
        if (decided && evaluation->profile != NULL)
            evaluation->profile[node->node_index].chunks_decided++;
        return has_u;
    }
    const struct table *table = evaluation->table;
    uint32_t chunk_index = evaluation->chunk_index;
    uint32_t rows = evaluation->rows;
    const struct simd_kernels *simd = evaluation->simd;
    const struct column *column = table->columns[leaf->attribute_index];
    const struct column_chunk *chunk = &column->chunks[chunk_index];
    const uint64_t *nulls = chunk->nulls;
    if (leaf->kind == LEAF_IS_NULL) {
        bitset_copy(t, nulls);
        if (leaf->negated) bitset_not_inplace(t, rows);
        return false;
    }
    if (chunk->null_count == rows) { /* every row NULL: every row UNKNOWN */
        if (evaluation->profile != NULL) evaluation->profile[node->node_index].chunks_decided++;
        bitset_zero(t);
        bitset_fill(u, rows);
        return true;
    }
    enum leaf_match match;
    if (leaf->plan.access == ACCESS_INDEX) {
        match = predicate_index_match(leaf, chunk_index, t, scratch_temp(evaluation->scratch));
    } else {
        match = match_from_values(evaluation, leaf, chunk, t);
    }
    if (evaluation->profile != NULL && match != LEAF_MATCH_BITS)
        evaluation->profile[node->node_index].chunks_decided++;
    if (match == LEAF_MATCH_NONE) bitset_zero(t);
    if (match == LEAF_MATCH_ALL) bitset_fill(t, rows);
    if (!leaf->null_in_list) {
        if (leaf->negated) bitset_not_inplace(t, rows);
        if (chunk->null_count == 0) return false;
        bitset_copy(u, t); /* U = T | NULL, T = T & ~NULL */
        simd->bitset_or(u, nulls, PDB_CHUNK_WORDS);
        simd->bitset_andnot(t, nulls, PDB_CHUNK_WORDS);
        return true;
    }
    /* IN list with NULL: matching non-null rows are TRUE, every other row UNKNOWN. */
    simd->bitset_andnot(t, nulls, PDB_CHUNK_WORDS);
    if (!leaf->negated) {
        bitset_fill(u, rows);
    } else { /* NOT: no row TRUE; matching rows FALSE; the rest UNKNOWN */
        bitset_copy(u, t);
        bitset_not_inplace(u, rows);
        bitset_zero(t);
    }
    return true;
}

/* ---- Tree ----------------------------------------------------------------------------- */

/* A SIMD kernel that combines `other` into `target`: bitset_and or bitset_or. */
typedef void (*bitset_combine_fn)(uint64_t *target, const uint64_t *other, uint32_t words);

static bool is_full(const struct evaluation *evaluation, const uint64_t *words)
{
    return evaluation->simd->bitset_count(words, PDB_CHUNK_WORDS) == evaluation->rows;
}

static bool eval_node(const struct evaluation *evaluation, const struct bound_node *node,
                      uint32_t level, const uint64_t *candidates, uint64_t *t, uint64_t *u);

/* Whether the subtree has an event leaf: the only leaves whose cost a candidate set cuts
 * (the others compute a whole chunk with a SIMD kernel or from an index). */
static bool has_event_leaf(const struct bound_node *node)
{
    if (node->kind == BOUND_LEAF) return node->leaf->event != NULL;
    for (uint32_t c = 0; c < node->child_count; c++)
        if (has_event_leaf(node->children[c])) return true;
    return false;
}

/* Explain mode: children of an AND/OR that stopped early were skipped in this chunk. */
static void note_skipped(const struct evaluation *evaluation, const struct bound_node *node,
                         uint32_t first_skipped)
{
    if (evaluation->profile == NULL) return;
    for (uint32_t c = first_skipped; c < node->child_count; c++)
        evaluation->profile[node->children[c]->node_index].chunks_skipped++;
}

/* Evaluates `node` into (t, u); `level` is the first free buffer level for its children
 * beyond the first. Returns whether u was written.
 *
 * Candidates. (t, u) must be exact on the rows of `candidates` (NULL: every row); on the
 * others the caller ignores them. An AND hands a later child only the candidate rows not
 * yet FALSE (a FALSE row stays FALSE whatever the child says: T and U are both cleared by
 * the AND's combine), an OR only those not yet TRUE (both set, kept by the OR's); NOT hands
 * its own through. So `count(purchase, 30d) >= 2 AND country = 'DE'` computes the aggregate
 * for the profiles in DE only, once the planner has put the cheap leaf first. By induction
 * every node is exact on its candidates, and the root (every row) is exact everywhere. */
static bool eval_node_body(const struct evaluation *evaluation, const struct bound_node *node,
                           uint32_t level, const uint64_t *candidates, uint64_t *t, uint64_t *u)
{
    uint32_t rows = evaluation->rows;
    switch (node->kind) {
    case BOUND_TRUE:
        bitset_fill(t, rows);
        return false;
    case BOUND_FALSE:
        bitset_zero(t);
        return false;
    case BOUND_UNKNOWN:
        bitset_zero(t);
        bitset_fill(u, rows);
        return true;
    case BOUND_LEAF:
        return eval_leaf(evaluation, node, candidates, t, u);
    case BOUND_NOT: {
        bool has_u = eval_node(evaluation, node->children[0], level, candidates, t, u);
        if (!has_u) {
            bitset_not_inplace(t, rows);
            return false;
        }
        /* (T, U) -> (rows & ~U, rows & ~T) */
        for (uint32_t i = 0; i < PDB_CHUNK_WORDS; i++) {
            uint64_t old_t = t[i];
            t[i] = ~u[i];
            u[i] = ~old_t;
        }
        query_bitset_clear_tail(t, rows);
        query_bitset_clear_tail(u, rows);
        if (rows % 64u) {
            uint64_t mask = (1ull << (rows % 64u)) - 1u;
            t[rows / 64u] &= mask;
            u[rows / 64u] &= mask;
        }
        return true;
    }
    default:
        break;
    }
    bool is_and = node->kind == BOUND_AND;
    bitset_combine_fn combine = is_and ? evaluation->simd->bitset_and : evaluation->simd->bitset_or;
    uint64_t *child_t = scratch_t(evaluation->scratch, level);
    uint64_t *child_u = scratch_u(evaluation->scratch, level);
    bool has_u = eval_node(evaluation, node->children[0], level, candidates, t, u);
    for (uint32_t c = 1; c < node->child_count; c++) {
        if (is_and ? bitset_is_empty(has_u ? u : t) : is_full(evaluation, t)) {
            note_skipped(evaluation, node, c);
            break;
        }
        const uint64_t *child_candidates = NULL;
        if (has_event_leaf(node->children[c])) { /* rows still undecided (see above) */
            uint64_t *undecided = scratch_candidates(evaluation->scratch, level);
            if (is_and) {
                bitset_copy(undecided, has_u ? u : t);
            } else {
                bitset_copy(undecided, t);
                bitset_not_inplace(undecided, rows);
            }
            if (candidates != NULL) evaluation->simd->bitset_and(undecided, candidates, PDB_CHUNK_WORDS);
            child_candidates = undecided;
        }
        bool child_has_u =
            eval_node(evaluation, node->children[c], level + 1, child_candidates, child_t, child_u);
        /* U op= child U and T op= child T, where a U not written equals its T. */
        if (has_u || child_has_u) {
            if (!has_u) bitset_copy(u, t);
            combine(u, child_has_u ? child_u : child_t, PDB_CHUNK_WORDS);
        }
        combine(t, child_t, PDB_CHUNK_WORDS);
        has_u = has_u || child_has_u;
    }
    return has_u;
}

static uint64_t clock_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Explain mode: eval_node_body, timed and counted. */
static bool eval_node_profiled(const struct evaluation *evaluation, const struct bound_node *node,
                               uint32_t level, const uint64_t *candidates, uint64_t *t, uint64_t *u)
{
    struct segment_node_profile *profile = &evaluation->profile[node->node_index];
    uint64_t started_ns = clock_ns();
    bool has_u = eval_node_body(evaluation, node, level, candidates, t, u);
    profile->time_ns += clock_ns() - started_ns;
    profile->chunks_run++;
    profile->rows_true += evaluation->simd->bitset_count(t, PDB_CHUNK_WORDS);
    return has_u;
}

static bool eval_node(const struct evaluation *evaluation, const struct bound_node *node,
                      uint32_t level, const uint64_t *candidates, uint64_t *t, uint64_t *u)
{
    if (evaluation->profile != NULL)
        return eval_node_profiled(evaluation, node, level, candidates, t, u);
    return eval_node_body(evaluation, node, level, candidates, t, u);
}

void segment_eval_chunk(const struct segment *segment, const struct table *table,
                        uint32_t chunk_index, struct segment_scratch *scratch,
                        uint64_t *result_words)
{
    assert(table == segment->prepared_table && chunk_index < table->chunk_count);
    assert(scratch->level_count >= segment->level_count);
    struct evaluation evaluation = {table, chunk_index, table_chunk_row_count(table, chunk_index),
                                    scratch, simd_kernels(), scratch->profile, segment->events};
    eval_node(&evaluation, segment->root, 0, NULL, result_words, scratch_root_u(scratch));
    /* Tombstoned rows are never part of a result. */
    if (table->deleted != NULL && index_chunk_cardinality(table->deleted, chunk_index) != 0) {
        uint64_t *deleted = scratch_temp(scratch);
        index_chunk_bitset(table->deleted, chunk_index, deleted);
        evaluation.simd->bitset_andnot(result_words, deleted, PDB_CHUNK_WORDS);
    }
}
