/*
 * The planner, run at the end of segment_prepare on the folded tree and the prepared table.
 *
 * Per leaf it picks an access path (query_internal.h): an `indexed` category or tags leaf is
 * answered from the value index (built from the loaded column on first use and cached on
 * the table, engine/index/index_table.h) when that reads fewer bytes than scanning the codes;
 * numeric leaves are zone-map-pruned scans; IS NULL reads the null bitmap. It estimates the
 * fraction of rows each node makes TRUE -- exact cardinalities from the index; for numeric
 * and bool leaves the zone map plus an exact count on a few sampled chunks (the leaf's own
 * kernel); fixed guesses for text -- and the bytes evaluating it reads,
 * then orders the children of each AND by cost / (1 - selectivity) (cheap and selective
 * first, so that the chunk empties early) and of each OR by cost / selectivity (the child
 * most likely to fill the chunk first). Order never changes a result: AND and OR are
 * commutative in three-valued logic. Estimates assume independent predicates.
 *
 * PROFILEDB_PLAN=index|scan (read at every prepare) overrides the cost choice for indexed
 * leaves, so that tests and benchmarks can run both paths on the same data.
 */
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "events/event_store.h"
#include "index/index_table.h"
#include "query/query_internal.h"
#include "simd/simd.h"

/* The cost unit is bytes read per chunk evaluation. */
#define PLAN_CODE_BYTES 4.0          /* a category code lane */
#define PLAN_VALUE_BYTES 8.0         /* an int, timestamp or float lane */
#define PLAN_TAGS_ROW_BYTES 12.0     /* tags: an offset and the per-row loop, no SIMD */
#define PLAN_BITSET_BYTES 8192.0     /* a chunk bitset written, or a bitset container read */
#define PLAN_ARRAY_ROW_BYTES 4.0     /* an array container: 2-byte position, scattered store */
#define PLAN_ARRAY_ROWS_MAX 4096.0   /* beyond this a container is a bitset */
#define PLAN_TEXT_EQUAL_GUESS 0.01   /* text = 'x': per listed value */
#define PLAN_STRING_GUESS 0.25       /* other string tests without statistics */
#define PLAN_TAG_GUESS 0.1           /* one tag of a set, without an index */
#define PLAN_SAMPLE_CHUNKS 4u       /* chunks a scanned leaf is counted on, at most... */
#define PLAN_SAMPLE_SHARE 16u       /* ...and at most one per this many undecided chunks */
#define PLAN_EPSILON 1e-12

enum plan_force { PLAN_FORCE_NONE, PLAN_FORCE_INDEX, PLAN_FORCE_SCAN };

struct planner {
    struct table *table;
    struct query_arena *arena;
    double rows;
    double chunks;
    enum plan_force force;
    uint64_t *sample_words; /* PDB_CHUNK_WORDS (arena), for sampled chunks; NULL: no sampling */
    const struct event_store *events; /* the segment's event store, or NULL */
};

const char *plan_access_name(enum access_path access)
{
    static const char *const names[ACCESS_PATH_COUNT] = {
        [ACCESS_SCAN] = "scan",
        [ACCESS_ZONE_SCAN] = "zone-pruned scan",
        [ACCESS_INDEX] = "index",
        [ACCESS_NULL_BITMAP] = "null bitmap",
        [ACCESS_NONE] = "none",
        [ACCESS_EVENTS] = "events",
    };
    return access < ACCESS_PATH_COUNT ? names[access] : "?";
}

static double clamp_unit(double value)
{
    return value < 0.0 ? 0.0 : value > 1.0 ? 1.0 : value;
}

static double null_rows(const struct column *column)
{
    double nulls = 0;
    for (uint32_t c = 0; c < column->chunk_count; c++) nulls += column->chunks[c].null_count;
    return nulls;
}

/* ---- Numeric and bool leaves: zone maps and sampled chunks ------------------------------ */

/* Whether the zone map decides the chunk: *rows_out is then its matching rows. */
static bool zone_decides(const struct leaf *leaf, const struct column_chunk *chunk,
                         double *rows_out)
{
    double present = (double)chunk->row_count - chunk->null_count;
    *rows_out = 0;
    if (present <= 0) return true;
    bool is_int = leaf->kind == LEAF_INT_RANGE || leaf->kind == LEAF_INT_IN;
    double min = is_int ? (double)chunk->min_int : chunk->min_float;
    double max = is_int ? (double)chunk->max_int : chunk->max_float;
    double low, high;
    switch (leaf->kind) {
    case LEAF_INT_RANGE: low = (double)leaf->int_low, high = (double)leaf->int_high; break;
    case LEAF_FLOAT_RANGE: low = leaf->float_low, high = leaf->float_high; break;
    case LEAF_INT_IN:
        low = (double)leaf->int_values[0], high = (double)leaf->int_values[leaf->value_count - 1];
        break;
    default:
        low = leaf->float_values[0], high = leaf->float_values[leaf->value_count - 1];
        break;
    }
    if (max < low || min > high) return true;
    bool is_range = leaf->kind == LEAF_INT_RANGE || leaf->kind == LEAF_FLOAT_RANGE;
    if (is_range && min >= low && max <= high) {
        *rows_out = present;
        return true;
    }
    return false;
}

/* Matching non-NULL rows of one chunk, by the leaf's own kernel (predicate_*.c). */
static double sample_chunk(struct planner *planner, const struct leaf *leaf,
                           const struct column_chunk *chunk)
{
    uint64_t *words = planner->sample_words;
    enum leaf_match match = leaf->kind == LEAF_BOOL ? predicate_bool_match(leaf, chunk, words)
                                                    : predicate_numeric_match(leaf, chunk, words);
    double present = (double)chunk->row_count - chunk->null_count;
    if (match == LEAF_MATCH_NONE) return 0;
    if (match == LEAF_MATCH_ALL) return present;
    const struct simd_kernels *simd = simd_kernels();
    simd->bitset_andnot(words, chunk->nulls, PDB_CHUNK_WORDS);
    return (double)simd->bitset_count(words, PDB_CHUNK_WORDS);
}

/* Chunks the zone map cannot decide are counted exactly on a few of them (one per
 * PLAN_SAMPLE_SHARE, at least one, at most PLAN_SAMPLE_CHUNKS), evenly spaced, and the rest
 * extrapolated by rows (skewed data defeats a uniform guess between min and max). Without
 * `is_sampled` (a leaf whose estimate orders nothing) undecided chunks count as half matching.
 * Cost: the values of every undecided chunk. */
static void plan_scanned(struct planner *planner, const struct leaf *leaf,
                         const struct column *column, double value_bytes, bool is_sampled,
                         double *matched, double *cost)
{
    double decided_rows = 0, undecided_rows = 0, sampled_rows = 0, sampled_matches = 0;
    uint32_t undecided = 0;
    for (uint32_t c = 0; c < column->chunk_count; c++) {
        double rows;
        if (leaf->kind != LEAF_BOOL && zone_decides(leaf, &column->chunks[c], &rows)) {
            decided_rows += rows;
            continue;
        }
        undecided++;
        undecided_rows += column->chunks[c].row_count;
    }
    *cost += undecided_rows * value_bytes;
    uint32_t samples = undecided / PLAN_SAMPLE_SHARE;
    samples = samples < 1 ? 1 : samples > PLAN_SAMPLE_CHUNKS ? PLAN_SAMPLE_CHUNKS : samples;
    uint32_t stride = (undecided + samples - 1) / (samples ? samples : 1), seen = 0;
    if (stride == 0) stride = 1;
    if (!is_sampled || planner->sample_words == NULL) {
        *matched = planner->rows > 0 ? clamp_unit((decided_rows + 0.5 * undecided_rows) /
                                                  planner->rows)
                                     : 0;
        return;
    }
    for (uint32_t c = 0; c < column->chunk_count; c++) {
        double rows;
        if (leaf->kind != LEAF_BOOL && zone_decides(leaf, &column->chunks[c], &rows)) continue;
        if (seen++ % stride != 0) continue;
        sampled_rows += column->chunks[c].row_count;
        sampled_matches += sample_chunk(planner, leaf, &column->chunks[c]);
    }
    double estimated = decided_rows;
    if (sampled_rows > 0) estimated += undecided_rows * sampled_matches / sampled_rows;
    *matched = planner->rows > 0 ? clamp_unit(estimated / planner->rows) : 0;
}

/* ---- Category and tags leaves: index or scan --------------------------------------------- */

/* Bytes the index path reads per chunk for a code of `cardinality` rows. */
static double index_code_cost(const struct planner *planner, uint64_t cardinality)
{
    double per_chunk = planner->chunks > 0 ? (double)cardinality / planner->chunks : 0;
    return per_chunk <= PLAN_ARRAY_ROWS_MAX ? per_chunk * PLAN_ARRAY_ROW_BYTES : PLAN_BITSET_BYTES;
}

/* The matching codes into plan->codes: a category's match table, or the listed tags present
 * in the dictionary. Returns their number, or -1 when out of memory. */
static int64_t gather_codes(const struct planner *planner, struct leaf *leaf,
                            const struct column *column)
{
    struct leaf_plan *plan = &leaf->plan;
    uint32_t wanted = leaf->kind == LEAF_TAGS ? leaf->tag_count : 0;
    if (leaf->kind != LEAF_TAGS) {
        for (uint32_t code = 0; code < leaf->prepared.code_count; code++)
            wanted += leaf->prepared.code_table[code];
    }
    if (wanted > plan->code_capacity) {
        plan->codes = query_arena_alloc(planner->arena, (size_t)wanted * sizeof(uint32_t));
        if (plan->codes == NULL) return -1;
        plan->code_capacity = wanted;
    }
    uint32_t count = 0;
    if (leaf->kind == LEAF_TAGS) {
        for (uint32_t i = 0; i < leaf->tag_count; i++) {
            uint32_t code =
                dictionary_find(&column->dictionary, leaf->tags[i].data, leaf->tags[i].size);
            if (code != DICTIONARY_NO_CODE) plan->codes[count++] = code;
        }
    } else {
        for (uint32_t code = 0; code < leaf->prepared.code_count; code++)
            if (leaf->prepared.code_table[code]) plan->codes[count++] = code;
    }
    return count;
}

static enum pdb_status plan_codes(struct planner *planner, struct leaf *leaf,
                                  const struct column *column, double present, double *matched,
                                  double *cost, struct pdb_error *error)
{
    struct leaf_plan *plan = &leaf->plan;
    enum code_table_summary summary = leaf->prepared.summary;
    if (summary == CODE_TABLE_NONE || summary == CODE_TABLE_ALL) {
        plan->access = ACCESS_NONE; /* the dictionary decided: no value is read */
        *matched = summary == CODE_TABLE_ALL ? present : 0;
        return PDB_OK;
    }
    int64_t count = gather_codes(planner, leaf, column);
    if (count < 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory planning '%s'",
                         leaf->attribute_name);
    bool is_tags = leaf->kind == LEAF_TAGS;
    double scan_cost = planner->rows * (is_tags ? PLAN_TAGS_ROW_BYTES : PLAN_CODE_BYTES);
    if (is_tags) {
        for (uint32_t c = 0; c < column->chunk_count; c++)
            scan_cost += PLAN_CODE_BYTES * column->chunks[c].offsets[column->chunks[c].row_count];
    }
    plan->access = ACCESS_SCAN;
    plan->code_count = (uint32_t)count;
    plan->codes_all = is_tags && leaf->tags_all;
    *cost = scan_cost;
    double share = planner->rows > 0 ? present / planner->rows : 0;
    if (!(column->attribute.flags & PDB_FLAG_INDEXED) || count == 0) {
        double guess = is_tags ? PLAN_TAG_GUESS : 1.0 / (column->dictionary.entry_count + 1.0);
        double fraction = 1.0;
        for (int64_t i = 0; i < count; i++)
            fraction = plan->codes_all ? fraction * guess : fraction + guess;
        *matched = share * clamp_unit(plan->codes_all ? fraction : fraction - 1.0);
        return PDB_OK;
    }
    const struct value_index *index;
    enum pdb_status status =
        index_table_value_index(planner->table, leaf->attribute_index, &index, error);
    if (status != PDB_OK) return status;
    double index_cost = 0;
    double any = 0, all = planner->rows > 0 ? 1.0 : 0.0;
    for (uint32_t i = 0; i < plan->code_count; i++) {
        uint64_t cardinality = value_index_cardinality(index, plan->codes[i]);
        index_cost += planner->chunks * index_code_cost(planner, cardinality);
        if (plan->codes_all) index_cost += planner->chunks * PLAN_BITSET_BYTES; /* the AND */
        any += (double)cardinality;
        if (planner->rows > 0 && present > 0) all *= (double)cardinality / present;
    }
    *matched = plan->codes_all ? share * clamp_unit(all)
                               : clamp_unit(planner->rows > 0 ? any / planner->rows : 0);
    if (*matched > share) *matched = share;
    bool use_index = planner->force == PLAN_FORCE_NONE ? index_cost < scan_cost
                                                       : planner->force == PLAN_FORCE_INDEX;
    if (use_index) {
        plan->access = ACCESS_INDEX;
        plan->index = index;
        *cost = index_cost;
    }
    return PDB_OK;
}

/* ---- Leaves and nodes ------------------------------------------------------------------- */

/* An event aggregate: it reads about 16 bytes per event of its type in the window's chunks
 * (a timestamp and a property), so it runs after cheaper siblings. The estimate is a guess
 * (no sample yet): half of the profiles that have events of the type, plus every profile
 * without when an empty history matches (count = 0, NOT exists). */
static enum pdb_status plan_event_leaf(struct planner *planner, struct bound_node *node)
{
    struct leaf *leaf = node->leaf;
    const struct event_aggregate *aggregate = leaf->event;
    leaf->plan.access = ACCESS_EVENTS;
    const struct event_store *store = planner->events;
    double events = 0, with = 0;
    if (store != NULL && aggregate->type_index < store->type_count) {
        events = (double)store->types[aggregate->type_index].event_count;
        with = (double)store->types[aggregate->type_index].rows_with_events;
    }
    double rows = planner->rows > 0 ? planner->rows : 1;
    double share = clamp_unit(with / rows);
    bool empty_matches = false;
    if (leaf->kind == LEAF_INT_RANGE && (aggregate->function == AST_AGGREGATE_COUNT ||
                                         aggregate->function == AST_AGGREGATE_DISTINCT ||
                                         aggregate->function == AST_AGGREGATE_SUM))
        empty_matches = (leaf->int_low <= 0 && 0 <= leaf->int_high) != leaf->negated;
    if (leaf->kind == LEAF_BOOL) empty_matches = !leaf->bool_value;
    node->estimate = clamp_unit(0.5 * share + (empty_matches ? 1.0 - share : 0.0));
    node->cost_bytes = events * 16.0 + planner->chunks * PLAN_BITSET_BYTES;
    return PDB_OK;
}

/* `is_sampled`: the estimate orders siblings (or is shown by explain): worth a sample. */
static enum pdb_status plan_leaf(struct planner *planner, struct bound_node *node,
                                 bool is_sampled, struct pdb_error *error)
{
    struct leaf *leaf = node->leaf;
    struct leaf_plan *plan = &leaf->plan;
    uint32_t *codes = plan->codes, capacity = plan->code_capacity;
    memset(plan, 0, sizeof *plan);
    plan->codes = codes;
    plan->code_capacity = capacity;
    if (leaf->event != NULL) return plan_event_leaf(planner, node);
    const struct column *column = planner->table->columns[leaf->attribute_index];
    double rows = planner->rows;
    double nulls = null_rows(column);
    double present = rows - nulls;
    double matched = 0, cost = 0; /* matched: fraction of rows, non-NULL and matching */
    enum pdb_status status = PDB_OK;
    switch (leaf->kind) {
    case LEAF_IS_NULL:
        plan->access = ACCESS_NULL_BITMAP;
        node->estimate = rows > 0 ? (leaf->negated ? present : nulls) / rows : 0;
        node->cost_bytes = planner->chunks * PLAN_BITSET_BYTES;
        return PDB_OK;
    case LEAF_CONSTANT:
        plan->access = ACCESS_NONE;
        matched = leaf->constant_matches && rows > 0 ? present / rows : 0;
        break;
    case LEAF_BOOL:
        plan->access = ACCESS_SCAN;
        plan_scanned(planner, leaf, column, 1.0 / 8.0, is_sampled, &matched, &cost);
        break;
    case LEAF_INT_RANGE:
    case LEAF_INT_IN:
    case LEAF_FLOAT_RANGE:
    case LEAF_FLOAT_IN:
        plan->access = ACCESS_ZONE_SCAN;
        plan_scanned(planner, leaf, column, PLAN_VALUE_BYTES, is_sampled, &matched, &cost);
        break;
    case LEAF_STRING:
        if (leaf->type == PDB_TYPE_CATEGORY) {
            status = plan_codes(planner, leaf, column, present, &matched, &cost, error);
        } else {
            plan->access = ACCESS_SCAN;
            const struct string_test *test = &leaf->string;
            bool is_point = test->kind == STRING_TEST_IN ||
                            (test->kind == STRING_TEST_RANGE && test->has_low && test->has_high &&
                             test->low.size == test->high.size &&
                             memcmp(test->low.data, test->high.data, test->low.size) == 0);
            double guess = is_point ? PLAN_TEXT_EQUAL_GUESS *
                                          (test->kind == STRING_TEST_IN ? test->value_count : 1)
                                    : PLAN_STRING_GUESS;
            matched = rows > 0 ? clamp_unit(guess) * present / rows : 0;
            cost = rows * PLAN_CODE_BYTES;
            for (uint32_t c = 0; c < column->chunk_count; c++)
                cost += (double)column->chunks[c].text_bytes_size;
        }
        break;
    case LEAF_TAGS:
        status = plan_codes(planner, leaf, column, present, &matched, &cost, error);
        break;
    default:
        break;
    }
    if (status != PDB_OK) return status;
    double share = rows > 0 ? present / rows : 0;
    if (leaf->null_in_list)
        node->estimate = leaf->negated ? 0 : matched;
    else
        node->estimate = leaf->negated ? share - matched : matched;
    node->estimate = clamp_unit(node->estimate);
    node->cost_bytes = cost + planner->chunks * PLAN_BITSET_BYTES;
    return PDB_OK;
}

/* The order key of a child: lower runs first. */
static double child_rank(const struct bound_node *child, bool is_and)
{
    double chance = is_and ? 1.0 - child->estimate : child->estimate; /* of stopping early */
    return child->cost_bytes / (chance > PLAN_EPSILON ? chance : PLAN_EPSILON);
}

struct ranked_child {
    double rank;
    uint32_t position; /* in the current order: ties keep it, so plans are deterministic */
    struct bound_node *child;
};

static int compare_ranked(const void *a, const void *b)
{
    const struct ranked_child *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return (x->position > y->position) - (x->position < y->position);
}

/* Sorts the children by rank (a junction may have up to PDB_SEGMENT_NODES_MAX children:
 * qsort on keys computed once, in arena scratch). */
static enum pdb_status order_children(struct planner *planner, struct bound_node *node,
                                      bool is_and, struct pdb_error *error)
{
    struct ranked_child *ranked =
        query_arena_alloc(planner->arena, (size_t)node->child_count * sizeof *ranked);
    if (ranked == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory planning");
    for (uint32_t i = 0; i < node->child_count; i++)
        ranked[i] = (struct ranked_child){child_rank(node->children[i], is_and), i,
                                          node->children[i]};
    qsort(ranked, node->child_count, sizeof *ranked, compare_ranked);
    for (uint32_t i = 0; i < node->child_count; i++) node->children[i] = ranked[i].child;
    return PDB_OK;
}

static enum pdb_status plan_node(struct planner *planner, struct bound_node *node,
                                 bool is_sampled, struct pdb_error *error)
{
    node->cost_bytes = 0;
    switch (node->kind) {
    case BOUND_TRUE:
        node->estimate = 1.0;
        return PDB_OK;
    case BOUND_FALSE:
    case BOUND_UNKNOWN:
        node->estimate = 0.0;
        return PDB_OK;
    case BOUND_LEAF:
        return plan_leaf(planner, node, is_sampled, error);
    default:
        break;
    }
    /* Children of a junction are ordered by their estimates; NOT passes its own need on. */
    bool children_sampled = node->kind == BOUND_NOT ? is_sampled : true;
    for (uint32_t i = 0; i < node->child_count; i++) {
        enum pdb_status status = plan_node(planner, node->children[i], children_sampled, error);
        if (status != PDB_OK) return status;
        node->cost_bytes += node->children[i]->cost_bytes;
    }
    if (node->kind == BOUND_NOT) {
        node->estimate = clamp_unit(1.0 - node->children[0]->estimate);
        return PDB_OK;
    }
    bool is_and = node->kind == BOUND_AND;
    double product = 1.0;
    for (uint32_t i = 0; i < node->child_count; i++)
        product *= is_and ? node->children[i]->estimate : 1.0 - node->children[i]->estimate;
    node->estimate = clamp_unit(is_and ? product : 1.0 - product);
    return order_children(planner, node, is_and, error);
}

enum pdb_status plan_prepare(struct segment *segment, struct table *table,
                             struct pdb_error *error)
{
    const char *force = getenv("PROFILEDB_PLAN");
    struct planner planner = {table, &segment->arena, (double)table->row_count,
                              (double)table->chunk_count, PLAN_FORCE_NONE, NULL, segment->events};
    /* Allocated once per segment; out of memory here only costs the sampled estimates. */
    if (segment->plan_words == NULL)
        segment->plan_words = query_arena_alloc(&segment->arena, PDB_CHUNK_WORDS * sizeof(uint64_t));
    planner.sample_words = segment->plan_words;
    if (force != NULL && strcmp(force, "index") == 0) planner.force = PLAN_FORCE_INDEX;
    if (force != NULL && strcmp(force, "scan") == 0) planner.force = PLAN_FORCE_SCAN;
    return plan_node(&planner, segment->root, segment->is_explained, error);
}
