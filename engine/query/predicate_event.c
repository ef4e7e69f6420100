/*
 * Event leaves: an aggregate of one event type per profile, computed chunk by chunk from the
 * event store (events/event_store.h), then tested like a column value.
 *
 * For chunk k the leaf reads only the store's chunk k of its type: the events of each row
 * are contiguous and sorted by time, so the window is two binary searches per row; the
 * filter (if any) is evaluated first, column by column over every event of the chunk, into
 * a T/U bitset pair per level (the same three-valued encoding as rows, query_internal.h),
 * and an event counts iff the filter is TRUE for it. Without a filter count, exists, first
 * and last read nothing but timestamps. A chunk with no events of the type, or whose events
 * all lie outside the window, is decided from the value of an empty history alone.
 *
 * The value of an empty history: count, distinct, sum 0; exists FALSE; min, max, first,
 * last NULL (so comparisons are UNKNOWN). NULL property values never count for sum, min,
 * max or distinct. A sum of ints that leaves the int64 range stays at the bound it crossed;
 * sums of floats add in time order. Nothing here allocates during evaluation: the scratch
 * holds the filter bitsets and the buffer distinct sorts in, sized by predicate_event_prepare.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"
#include "events/event_store.h"
#include "base/unicode.h"
#include "query/query_internal.h"

#define DISTINCT_INSERTION_MAX 48u
#define EVENT_PREFETCH_ROWS 8u /* rows ahead whose newest timestamps are prefetched */
#define RECENT_SCAN_MAX 16u /* histories up to this long find the window's start from the end */
#define ROW_STACK_EVENTS 256u /* one row's value (GET): events whose scratch fits the stack */
static_assert(ROW_STACK_EVENTS % 64u == 0 && sizeof(double) == sizeof(int64_t),
              "the row scratch is whole words; distinct sorts doubles in int64 slots");

/* ---- Values against a leaf ------------------------------------------------------------ */

enum truth { TRUTH_FALSE, TRUTH_TRUE, TRUTH_UNKNOWN };

/* Whether `value` is in the sorted values[0..count) (a binary search). */
#define DEFINE_SORTED_CONTAINS(NAME, TYPE)                                                          \
    static bool NAME(const TYPE *values, uint32_t count, TYPE value)                               \
    {                                                                                              \
        uint32_t low = 0, high = count;                                                            \
        while (low < high) {                                                                       \
            uint32_t middle = low + (high - low) / 2;                                              \
            if (values[middle] < value) low = middle + 1;                                          \
            else high = middle;                                                                    \
        }                                                                                          \
        return low < count && values[low] == value;                                                \
    }

DEFINE_SORTED_CONTAINS(in_ints, int64_t)
DEFINE_SORTED_CONTAINS(in_doubles, double)

/* Whether a non-null value matches the leaf's test (before negation). */
static bool matches_int(const struct leaf *leaf, int64_t value)
{
    switch (leaf->kind) {
    case LEAF_CONSTANT:
        return leaf->constant_matches;
    case LEAF_BOOL:
        return (value != 0) == leaf->bool_value;
    case LEAF_INT_RANGE:
        return leaf->int_low <= value && value <= leaf->int_high;
    case LEAF_INT_IN:
        return in_ints(leaf->int_values, leaf->value_count, value);
    case LEAF_STRING: /* a dictionary code */
        return (uint64_t)value < leaf->prepared.code_count && leaf->prepared.code_table[value];
    default:
        return false;
    }
}

static bool matches_double(const struct leaf *leaf, double value)
{
    switch (leaf->kind) {
    case LEAF_CONSTANT:
        return leaf->constant_matches;
    case LEAF_FLOAT_RANGE:
        return leaf->float_low <= value && value <= leaf->float_high;
    case LEAF_FLOAT_IN:
        return in_doubles(leaf->float_values, leaf->value_count, value);
    default:
        return false;
    }
}

/* The three-valued result of the leaf for one value (is_null, or `match` for a non-null). */
static enum truth leaf_truth(const struct leaf *leaf, bool is_null, bool match)
{
    if (leaf->kind == LEAF_IS_NULL) return is_null != leaf->negated ? TRUTH_TRUE : TRUTH_FALSE;
    if (is_null) return TRUTH_UNKNOWN;
    if (!leaf->null_in_list) return match != leaf->negated ? TRUTH_TRUE : TRUTH_FALSE;
    if (!leaf->negated) return match ? TRUTH_TRUE : TRUTH_UNKNOWN;
    return match ? TRUTH_FALSE : TRUTH_UNKNOWN;
}

static inline void put_truth(uint64_t *t, uint64_t *u, uint32_t bit, enum truth truth)
{
    uint64_t mask = 1ull << (bit % 64u);
    if (truth == TRUTH_TRUE) t[bit / 64u] |= mask;
    if (truth != TRUTH_FALSE) u[bit / 64u] |= mask;
}

/* ---- Filter over a chunk's events -------------------------------------------------------- */

struct filter_scratch {
    uint64_t *words; /* 2 * levels bitsets of `words_per` words */
    uint32_t words_per;
};

static uint64_t *filter_t(const struct filter_scratch *scratch, uint32_t level)
{
    return scratch->words + (size_t)(2u * level) * scratch->words_per;
}
static uint64_t *filter_u(const struct filter_scratch *scratch, uint32_t level)
{
    return scratch->words + (size_t)(2u * level + 1u) * scratch->words_per;
}

static void filter_leaf(const struct leaf *leaf, const struct event_chunk *chunk, uint64_t *t,
                        uint64_t *u, uint32_t words)
{
    memset(t, 0, words * sizeof t[0]);
    memset(u, 0, words * sizeof u[0]);
    const struct event_column *column = &chunk->columns[leaf->attribute_index];
    bool is_float = leaf->type == PDB_TYPE_FLOAT;
    for (uint32_t i = 0; i < chunk->event_count; i++) {
        bool is_null = column->nulls != NULL && (column->nulls[i / 64u] >> (i % 64u) & 1u);
        bool match = false;
        if (!is_null && leaf->kind != LEAF_IS_NULL)
            match = is_float ? matches_double(leaf, column->numbers[i])
                             : matches_int(leaf, column->integers[i]);
        put_truth(t, u, i, leaf_truth(leaf, is_null, match));
    }
}

static void filter_node(const struct bound_node *node, const struct event_chunk *chunk,
                        const struct filter_scratch *scratch, uint32_t level, uint64_t *t,
                        uint64_t *u)
{
    uint32_t words = (chunk->event_count + 63u) / 64u;
    switch (node->kind) {
    case BOUND_TRUE:
        memset(t, 0xff, words * sizeof t[0]);
        memset(u, 0xff, words * sizeof u[0]);
        return;
    case BOUND_FALSE:
        memset(t, 0, words * sizeof t[0]);
        memset(u, 0, words * sizeof u[0]);
        return;
    case BOUND_UNKNOWN:
        memset(t, 0, words * sizeof t[0]);
        memset(u, 0xff, words * sizeof u[0]);
        return;
    case BOUND_LEAF:
        filter_leaf(node->leaf, chunk, t, u, words);
        return;
    case BOUND_NOT:
        filter_node(node->children[0], chunk, scratch, level, t, u);
        for (uint32_t w = 0; w < words; w++) {
            uint64_t old_t = t[w];
            t[w] = ~u[w];
            u[w] = ~old_t;
        }
        return;
    default:
        break;
    }
    bool is_and = node->kind == BOUND_AND;
    /* As in executor.c: the first child writes into (t, u), the others into this level's
     * pair and leave the levels below them to their own children. */
    uint64_t *child_t = filter_t(scratch, level), *child_u = filter_u(scratch, level);
    filter_node(node->children[0], chunk, scratch, level, t, u);
    for (uint32_t c = 1; c < node->child_count; c++) {
        filter_node(node->children[c], chunk, scratch, level + 1, child_t, child_u);
        for (uint32_t w = 0; w < words; w++) {
            t[w] = is_and ? t[w] & child_t[w] : t[w] | child_t[w];
            u[w] = is_and ? u[w] & child_u[w] : u[w] | child_u[w];
        }
    }
}

/* ---- Aggregates ---------------------------------------------------------------------- */

/* First index in [begin, end) whose timestamp is >= value (> value when `after`). */
static uint32_t search_time(const int64_t *timestamps, uint32_t begin, uint32_t end, int64_t value,
                            bool after)
{
    while (begin < end) {
        uint32_t middle = begin + (end - begin) / 2;
        bool left = after ? timestamps[middle] <= value : timestamps[middle] < value;
        if (left) begin = middle + 1;
        else end = middle;
    }
    return begin;
}

struct aggregate_value {
    bool is_null;
    bool is_double;
    int64_t integer;
    double number;
};

/* The distinct values among values[0..count), which it sorts: a history is usually short, so
 * insertion sort up to DISTINCT_INSERTION_MAX values, qsort beyond. */
#define DEFINE_COUNT_DISTINCT(NAME, TYPE, COMPARE)                                                  \
    static uint32_t NAME(TYPE *values, uint32_t count)                                             \
    {                                                                                              \
        if (count > DISTINCT_INSERTION_MAX) {                                                      \
            qsort(values, count, sizeof values[0], COMPARE);                                       \
        } else {                                                                                   \
            for (uint32_t i = 1; i < count; i++) {                                                 \
                TYPE v = values[i];                                                                \
                uint32_t j = i;                                                                    \
                for (; j > 0 && values[j - 1] > v; j--) values[j] = values[j - 1];                 \
                values[j] = v;                                                                     \
            }                                                                                      \
        }                                                                                          \
        uint32_t unique = 0;                                                                       \
        for (uint32_t i = 0; i < count; i++) unique += i == 0 || values[i] != values[i - 1];       \
        return unique;                                                                             \
    }

DEFINE_COUNT_DISTINCT(count_distinct_doubles, double, query_compare_double)
DEFINE_COUNT_DISTINCT(count_distinct_ints, int64_t, query_compare_int64)

static bool is_double_result(const struct event_aggregate *aggregate)
{
    return aggregate->property_type == PDB_TYPE_FLOAT &&
           (aggregate->function == AST_AGGREGATE_SUM || aggregate->function == AST_AGGREGATE_MIN ||
            aggregate->function == AST_AGGREGATE_MAX);
}

/* The value of an empty history. */
static struct aggregate_value empty_value(const struct event_aggregate *aggregate)
{
    struct aggregate_value value = {.is_double = is_double_result(aggregate)};
    switch (aggregate->function) {
    case AST_AGGREGATE_MIN:
    case AST_AGGREGATE_MAX:
    case AST_AGGREGATE_FIRST:
    case AST_AGGREGATE_LAST:
        value.is_null = true;
        break;
    default:
        break;
    }
    return value;
}

/* The aggregate over events [begin, end) of one row (already in the window); `passes`: the
 * filter's TRUE bits, bit i - passes_base for event i, or NULL. `buffer`: room for
 * end - begin values (distinct). */
static struct aggregate_value aggregate_row(const struct event_aggregate *aggregate,
                                            const struct event_chunk *chunk, uint32_t begin,
                                            uint32_t end, const uint64_t *passes,
                                            uint32_t passes_base, void *buffer)
{
    struct aggregate_value value = empty_value(aggregate);
    enum ast_aggregate_function function = aggregate->function;
    if (passes == NULL && (function == AST_AGGREGATE_COUNT || function == AST_AGGREGATE_EXISTS ||
                           function == AST_AGGREGATE_FIRST || function == AST_AGGREGATE_LAST)) {
        uint32_t count = end - begin;
        if (function == AST_AGGREGATE_COUNT) value.integer = count;
        if (function == AST_AGGREGATE_EXISTS) value.integer = count > 0;
        if (count > 0 && function == AST_AGGREGATE_FIRST) value.integer = chunk->timestamps[begin];
        if (count > 0 && function == AST_AGGREGATE_LAST) value.integer = chunk->timestamps[end - 1];
        if (count > 0) value.is_null = false;
        return value;
    }
    const struct event_column *column =
        aggregate->property_index >= 0 ? &chunk->columns[aggregate->property_index] : NULL;
    uint32_t taken = 0;
    bool overflowed_low = false, overflowed_high = false;
    for (uint32_t i = begin; i < end; i++) {
        if (passes != NULL &&
            !(passes[(i - passes_base) / 64u] >> ((i - passes_base) % 64u) & 1u))
            continue;
        if (column == NULL) { /* count, exists, first, last */
            if (taken == 0) value.integer = chunk->timestamps[i];
            if (function == AST_AGGREGATE_LAST) value.integer = chunk->timestamps[i];
            taken++;
            continue;
        }
        if (column->nulls != NULL && (column->nulls[i / 64u] >> (i % 64u) & 1u)) continue;
        bool is_float = aggregate->property_type == PDB_TYPE_FLOAT;
        int64_t integer = is_float ? 0 : column->integers[i];
        double number = is_float ? column->numbers[i] : 0.0;
        switch (function) {
        case AST_AGGREGATE_SUM:
            if (is_float) {
                value.number += number;
            } else if (!overflowed_low && !overflowed_high &&
                       __builtin_add_overflow(value.integer, integer, &value.integer)) {
                if (integer < 0) overflowed_low = true;
                else overflowed_high = true;
            }
            break;
        case AST_AGGREGATE_MIN:
            if (is_float ? (taken == 0 || number < value.number) : (taken == 0 || integer < value.integer)) {
                value.number = number;
                value.integer = integer;
            }
            break;
        case AST_AGGREGATE_MAX:
            if (is_float ? (taken == 0 || number > value.number) : (taken == 0 || integer > value.integer)) {
                value.number = number;
                value.integer = integer;
            }
            break;
        default: /* distinct */
            if (is_float)
                ((double *)buffer)[taken] = number;
            else
                ((int64_t *)buffer)[taken] = integer;
            break;
        }
        taken++;
    }
    switch (function) {
    case AST_AGGREGATE_COUNT:
        value.integer = taken;
        break;
    case AST_AGGREGATE_EXISTS:
        value.integer = taken > 0;
        break;
    case AST_AGGREGATE_SUM:
        if (overflowed_low) value.integer = INT64_MIN;
        if (overflowed_high) value.integer = INT64_MAX;
        break;
    case AST_AGGREGATE_DISTINCT: {
        value.integer = aggregate->property_type == PDB_TYPE_FLOAT
                            ? count_distinct_doubles(buffer, taken)
                            : count_distinct_ints(buffer, taken);
        break;
    }
    default:
        value.is_null = taken == 0 && value.is_null;
        break;
    }
    return value;
}

static enum truth value_truth(const struct leaf *leaf, const struct aggregate_value *value)
{
    bool match = false;
    if (!value->is_null && leaf->kind != LEAF_IS_NULL)
        match = value->is_double ? matches_double(leaf, value->number)
                                 : matches_int(leaf, value->integer);
    return leaf_truth(leaf, value->is_null, match);
}

static void fill_truth(uint64_t *t, uint64_t *u, uint32_t rows, enum truth truth)
{
    if (truth == TRUTH_TRUE) bitset_fill(t, rows);
    else bitset_zero(t);
    if (truth == TRUTH_FALSE) bitset_zero(u);
    else bitset_fill(u, rows);
}

/* The truth of an event leaf for row r of the chunk into (t, u): the row's events cut to
 * the window (only the edges inside the chunk's span need a search), then aggregated. */
static inline void eval_row(const struct leaf *leaf, const struct event_chunk *chunk,
                            const uint64_t *passes, bool cuts_low, bool cuts_high, uint32_t r,
                            struct segment_scratch *scratch, uint64_t *t, uint64_t *u)
{
    const struct event_aggregate *aggregate = leaf->event;
    const int64_t *timestamps = chunk->timestamps;
    uint32_t begin = chunk->offsets[r], end = chunk->offsets[r + 1];
    if (begin != end && cuts_high)
        end = search_time(timestamps, begin, end, aggregate->time_high, true);
    if (begin != end && cuts_low) {
        if (end - begin <= RECENT_SCAN_MAX) { /* recent windows hold the last few */
            uint32_t i = end;
            while (i > begin && timestamps[i - 1] >= aggregate->time_low) i--;
            begin = i;
        } else {
            begin = search_time(timestamps, begin, end, aggregate->time_low, false);
        }
    }
    struct aggregate_value value =
        aggregate_row(aggregate, chunk, begin, end, passes, 0, scratch->event_values);
    put_truth(t, u, r, value_truth(leaf, &value));
}

bool predicate_event_eval(const struct leaf *leaf, const struct event_store *store,
                          uint32_t chunk_index, uint32_t rows, const uint64_t *candidates,
                          struct segment_scratch *scratch, uint64_t *t, uint64_t *u,
                          bool *decided_out)
{
    const struct event_aggregate *aggregate = leaf->event;
    const struct event_chunk *chunk = event_store_chunk(store, aggregate->type_index, chunk_index);
    *decided_out = false;
    if (chunk == NULL || chunk->time_max < aggregate->time_low ||
        chunk->time_min > aggregate->time_high || aggregate->time_low > aggregate->time_high) {
        struct aggregate_value empty = empty_value(aggregate);
        fill_truth(t, u, rows, value_truth(leaf, &empty));
        *decided_out = true;
        return true;
    }
    assert(chunk->event_count <= scratch->event_events_max &&
           chunk->events_per_row_max <= scratch->event_row_events_max);
    bitset_zero(t);
    bitset_zero(u);
    if (candidates != NULL && bitset_is_empty(candidates)) return true; /* nothing matters */
    const uint64_t *passes = NULL;
    if (aggregate->filter != NULL) {
        struct filter_scratch filter = {scratch->event_words,
                                        (scratch->event_events_max + 63u) / 64u};
        filter_node(aggregate->filter, chunk, &filter, 1, filter_t(&filter, 0), filter_u(&filter, 0));
        passes = filter_t(&filter, 0);
    }
    const uint32_t *offsets = chunk->offsets;
    const int64_t *timestamps = chunk->timestamps;
    /* A window edge beyond the chunk's events cuts nothing: no search for it. */
    bool cuts_low = aggregate->time_low > chunk->time_min;
    bool cuts_high = aggregate->time_high < chunk->time_max;
    if (candidates == NULL) {
        for (uint32_t r = 0; r < rows; r++) {
            /* The newest events of a row a few rows ahead: where a recent window starts. */
            if (r + EVENT_PREFETCH_ROWS < rows) {
                uint32_t ahead = offsets[r + EVENT_PREFETCH_ROWS + 1];
                if (ahead > 0) __builtin_prefetch(&timestamps[ahead - 1]);
            }
            eval_row(leaf, chunk, passes, cuts_low, cuts_high, r, scratch, t, u);
        }
        return true;
    }
    for (uint32_t w = 0; w * 64u < rows; w++) { /* only the rows whose value matters */
        for (uint64_t bits = candidates[w]; bits != 0; bits &= bits - 1u) {
            uint32_t r = w * 64u + (uint32_t)__builtin_ctzll(bits);
            if (r >= rows) break;
            eval_row(leaf, chunk, passes, cuts_low, cuts_high, r, scratch, t, u);
        }
    }
    return true;
}

/* ---- One profile (GET of a computed attribute) ----------------------------------------- */

/* The filter's truth for event i alone. String tests compare the dictionary's bytes (the
 * code tables of predicate_event_prepare are not built for one row); false in *failed when
 * case folding needed memory it could not get. */
static enum truth filter_event_truth(const struct bound_node *node, const struct event_chunk *chunk,
                                     const struct event_type_store *type, uint32_t i, bool *failed)
{
    switch (node->kind) {
    case BOUND_TRUE: return TRUTH_TRUE;
    case BOUND_FALSE: return TRUTH_FALSE;
    case BOUND_UNKNOWN: return TRUTH_UNKNOWN;
    case BOUND_NOT: {
        enum truth child = filter_event_truth(node->children[0], chunk, type, i, failed);
        return child == TRUTH_UNKNOWN ? child : child == TRUTH_TRUE ? TRUTH_FALSE : TRUTH_TRUE;
    }
    case BOUND_AND:
    case BOUND_OR: {
        bool is_and = node->kind == BOUND_AND, has_unknown = false;
        for (uint32_t c = 0; c < node->child_count; c++) {
            enum truth child = filter_event_truth(node->children[c], chunk, type, i, failed);
            if (child == (is_and ? TRUTH_FALSE : TRUTH_TRUE)) return child;
            has_unknown |= child == TRUTH_UNKNOWN;
        }
        return has_unknown ? TRUTH_UNKNOWN : is_and ? TRUTH_TRUE : TRUTH_FALSE;
    }
    default:
        break;
    }
    const struct leaf *leaf = node->leaf;
    const struct event_column *column = &chunk->columns[leaf->attribute_index];
    bool is_null = column->nulls != NULL && (column->nulls[i / 64u] >> (i % 64u) & 1u);
    bool match = false;
    if (!is_null && leaf->kind == LEAF_STRING) {
        const struct event_string *string =
            &type->dictionaries[leaf->attribute_index].values[column->integers[i]];
        size_t capacity = leaf->string.case_insensitive ? casefold_capacity(string->size) : 0;
        int32_t *fold = capacity ? mem_alloc(capacity * sizeof fold[0]) : NULL;
        if (capacity && fold == NULL) *failed = true;
        match = fold != NULL || capacity == 0
                    ? string_test_match(&leaf->string, string->size ? string->data : "",
                                        string->size, fold, capacity)
                    : false;
        mem_free(fold);
    } else if (!is_null && leaf->kind != LEAF_IS_NULL) {
        match = leaf->type == PDB_TYPE_FLOAT ? matches_double(leaf, column->numbers[i])
                                             : matches_int(leaf, column->integers[i]);
    }
    return leaf_truth(leaf, is_null, match);
}

bool predicate_event_row_value(const struct event_aggregate *aggregate,
                               const struct event_store *store, uint32_t row_id,
                               struct event_row_value *value_out)
{
    const struct event_chunk *chunk =
        event_store_chunk(store, aggregate->type_index, row_id / PDB_CHUNK_ROWS);
    struct aggregate_value value = empty_value(aggregate);
    uint32_t row = row_id % PDB_CHUNK_ROWS;
    bool failed = false;
    if (chunk != NULL && aggregate->time_low <= aggregate->time_high &&
        chunk->offsets[row] != chunk->offsets[row + 1]) {
        const struct event_type_store *type = &store->types[aggregate->type_index];
        uint32_t begin = chunk->offsets[row], end = chunk->offsets[row + 1];
        end = search_time(chunk->timestamps, begin, end, aggregate->time_high, true);
        begin = search_time(chunk->timestamps, begin, end, aggregate->time_low, false);
        uint32_t count = end - begin;
        /* Short histories (most) use the stack; longer ones allocate. */
        uint64_t stack_passes[ROW_STACK_EVENTS / 64u];
        int64_t stack_values[ROW_STACK_EVENTS];
        bool is_short = count <= ROW_STACK_EVENTS;
        uint64_t *passes = NULL;
        void *buffer = NULL;
        if (count > 0 && aggregate->filter != NULL) {
            passes = is_short ? stack_passes : mem_alloc((count + 63u) / 64u * sizeof passes[0]);
            failed |= passes == NULL;
            if (passes != NULL) memset(passes, 0, (count + 63u) / 64u * sizeof passes[0]);
            for (uint32_t i = begin; i < end && passes != NULL; i++)
                if (filter_event_truth(aggregate->filter, chunk, type, i, &failed) == TRUTH_TRUE)
                    passes[(i - begin) / 64u] |= 1ull << ((i - begin) % 64u);
        }
        if (count > 0 && aggregate->function == AST_AGGREGATE_DISTINCT) {
            buffer = is_short ? (void *)stack_values : mem_alloc((size_t)count * sizeof(int64_t));
            failed |= buffer == NULL;
        }
        if (!failed) value = aggregate_row(aggregate, chunk, begin, end, passes, begin, buffer);
        if (!is_short) {
            mem_free(passes);
            mem_free(buffer);
        }
    }
    if (failed) return false;
    *value_out = (struct event_row_value){value.is_null, value.is_double, value.integer,
                                          value.number};
    return true;
}

/* ---- Prepare ----------------------------------------------------------------------------- */

/* A string leaf of a filter: which dictionary codes of the property match. */
static enum pdb_status prepare_string_leaf(struct leaf *leaf, const struct event_dictionary *dictionary,
                                           struct pdb_error *error)
{
    leaf_prepared_release(leaf);
    uint32_t count = dictionary != NULL ? dictionary->count : 0;
    leaf->prepared.code_table = mem_calloc(count ? count : 1, 1);
    if (leaf->prepared.code_table == NULL) goto no_memory;
    leaf->prepared.code_count = count;
    int32_t *fold_buffer = NULL;
    size_t fold_capacity = 0;
    if (leaf->string.case_insensitive) {
        size_t longest = 0;
        for (uint32_t code = 0; code < count; code++)
            if (dictionary->values[code].size > longest) longest = dictionary->values[code].size;
        fold_capacity = casefold_capacity(longest);
        fold_buffer = mem_alloc(fold_capacity * sizeof fold_buffer[0]);
        if (fold_buffer == NULL) goto no_memory;
    }
    for (uint32_t code = 0; code < count; code++) {
        const struct event_string *value = &dictionary->values[code];
        leaf->prepared.code_table[code] = string_test_match(
            &leaf->string, value->size ? value->data : "", value->size, fold_buffer, fold_capacity);
    }
    mem_free(fold_buffer);
    return PDB_OK;
no_memory:
    leaf_prepared_release(leaf);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory preparing an event filter");
}

enum pdb_status predicate_event_prepare(struct segment *segment, struct pdb_error *error)
{
    const struct event_store *store = segment->events;
    uint32_t events_max = 0, row_events_max = 0, levels_max = 0;
    for (uint32_t i = 0; i < segment->leaf_count; i++) {
        const struct leaf *leaf = segment->leaves[i];
        const struct event_aggregate *aggregate = leaf->event;
        if (aggregate == NULL) continue;
        const struct event_type_store *type =
            store != NULL && aggregate->type_index < store->type_count
                ? &store->types[aggregate->type_index]
                : NULL;
        if (type != NULL) {
            if (type->events_per_chunk_max > events_max) events_max = type->events_per_chunk_max;
            if (type->events_per_row_max > row_events_max) row_events_max = type->events_per_row_max;
        }
        if (aggregate->filter_level_count > levels_max) levels_max = aggregate->filter_level_count;
        for (uint32_t f = 0; f < aggregate->filter_leaf_count; f++) {
            struct leaf *filter_leaf = aggregate->filter_leaves[f];
            if (filter_leaf->kind != LEAF_STRING) continue;
            const struct event_dictionary *dictionary =
                type != NULL && filter_leaf->attribute_index < type->property_count
                    ? &type->dictionaries[filter_leaf->attribute_index]
                    : NULL;
            enum pdb_status status = prepare_string_leaf(filter_leaf, dictionary, error);
            if (status != PDB_OK) return status;
        }
    }
    segment->event_events_max = events_max;
    segment->event_row_events_max = row_events_max;
    /* The filter's result pair, then one pair per level below the root (filter_node). */
    segment->event_filter_levels = levels_max ? levels_max + 1u : 0;
    return PDB_OK;
}

void predicate_event_release(struct segment *segment)
{
    for (uint32_t i = 0; i < segment->leaf_count; i++) {
        const struct event_aggregate *aggregate = segment->leaves[i]->event;
        if (aggregate == NULL) continue;
        for (uint32_t f = 0; f < aggregate->filter_leaf_count; f++)
            leaf_prepared_release(aggregate->filter_leaves[f]);
    }
}
