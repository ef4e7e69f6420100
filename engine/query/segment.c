/*
 * Segment life cycle: compile (parse, bind, fold, collect the leaves), prepare against a
 * table (load columns, build per-leaf lookup state), and the whole-table loops segment_count
 * and segment_ids, which run segment_eval_chunk over every chunk, one chunk per task of an
 * optional thread pool (each thread with its own scratch; ids are delivered in order on the
 * calling thread, batch by batch).
 *
 * segment_prepare ends with the planner (plan.c): access paths, estimates, child order.
 * segment_profile_count is the explain run: one thread, every node timed and counted.
 *
 * A compiled segment owns one query arena (AST + bound tree) and the heap tables built by
 * prepare. segment_prepare rebuilds the leaf state on every call (it costs one pass over
 * each referenced dictionary; a case-insensitive test on a text column folds the column's
 * chunks the first time only, query/text_fold.c), so it can never describe an older table
 * than the one given.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "index/index_bitmap.h"
#include "query/ast.h"
#include "query/query_internal.h"
#include "simd/simd.h"

/* ---- Compile -------------------------------------------------------------------------- */

static void walk(struct bound_node *node, uint32_t depth, uint32_t *depth_max,
                 struct leaf **leaves, uint32_t *leaf_count, uint32_t *node_count)
{
    if (depth > *depth_max) *depth_max = depth;
    node->node_index = (*node_count)++;
    if (node->kind == BOUND_LEAF) {
        if (leaves != NULL) leaves[*leaf_count] = node->leaf;
        (*leaf_count)++;
        return;
    }
    for (uint32_t i = 0; i < node->child_count; i++)
        walk(node->children[i], depth + 1, depth_max, leaves, leaf_count, node_count);
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static enum pdb_status collect(struct segment *segment, struct pdb_error *error)
{
    uint32_t depth_max = 0, count = 0, node_count = 0;
    walk(segment->root, 0, &depth_max, NULL, &count, &node_count);
    segment->level_count = depth_max + 1;
    segment->leaves =
        query_arena_alloc(&segment->arena, (count ? count : 1) * sizeof(struct leaf *));
    segment->attributes =
        query_arena_alloc(&segment->arena, (count ? count : 1) * sizeof(uint32_t));
    if (segment->leaves == NULL || segment->attributes == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory compiling a segment");
    segment->leaf_count = 0;
    node_count = 0;
    walk(segment->root, 0, &depth_max, segment->leaves, &segment->leaf_count, &node_count);
    segment->node_count = node_count;
    uint32_t column_leaves = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (segment->leaves[i]->event == NULL)
            segment->attributes[column_leaves++] = segment->leaves[i]->attribute_index;
        else
            segment->event_leaf_count++;
    }
    count = column_leaves;
    qsort(segment->attributes, count, sizeof(uint32_t), compare_u32);
    uint32_t unique = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (unique == 0 || segment->attributes[unique - 1] != segment->attributes[i])
            segment->attributes[unique++] = segment->attributes[i];
    }
    segment->attribute_count = unique;
    return PDB_OK;
}

enum pdb_status segment_compile(const char *text, size_t size, const struct schema *schema,
                                int64_t now_s, struct segment **segment_out,
                                struct pdb_error *error)
{
    return segment_compile_library(text, size, schema, NULL, now_s, segment_out, error);
}

enum pdb_status segment_compile_library(const char *text, size_t size, const struct schema *schema,
                                        const struct segment_library *library, int64_t now_s,
                                        struct segment **segment_out, struct pdb_error *error)
{
    struct segment *segment = mem_calloc(1, sizeof *segment);
    if (segment == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory compiling a segment");
    query_arena_init(&segment->arena);
    struct ast ast;
    enum pdb_status status = parser_parse(text, size, now_s, &segment->arena, &ast, error);
    if (status == PDB_OK)
        status = binder_bind_library(&ast, schema, library, now_s, &segment->arena,
                                     &segment->root, error);
    if (status == PDB_OK) status = collect(segment, error);
    if (status != PDB_OK) {
        segment_destroy(segment);
        return status;
    }
    *segment_out = segment;
    return PDB_OK;
}

void segment_destroy(struct segment *segment)
{
    if (segment == NULL) return;
    for (uint32_t i = 0; i < segment->leaf_count; i++)
        leaf_prepared_release(segment->leaves[i]);
    predicate_event_release(segment);
    query_arena_deinit(&segment->arena);
    mem_free(segment);
}

uint32_t segment_attribute_count(const struct segment *segment)
{
    return segment->attribute_count;
}

uint32_t segment_attribute_index(const struct segment *segment, uint32_t position)
{
    assert(position < segment->attribute_count);
    return segment->attributes[position];
}

/* ---- Validation ----------------------------------------------------------------------- */

static int validate_leaf(const struct leaf *leaf)
{
    if (leaf->kind >= LEAF_KIND_COUNT || leaf->attribute_name == NULL) return -1;
    switch (leaf->kind) {
    case LEAF_INT_RANGE:
        return leaf->int_low <= leaf->int_high ? 0 : -1;
    case LEAF_FLOAT_RANGE:
        return leaf->float_low <= leaf->float_high ? 0 : -1;
    case LEAF_INT_IN:
        if (leaf->value_count < 2) return -1;
        for (uint32_t i = 1; i < leaf->value_count; i++)
            if (leaf->int_values[i - 1] >= leaf->int_values[i]) return -1;
        return 0;
    case LEAF_FLOAT_IN:
        if (leaf->value_count < 2) return -1;
        for (uint32_t i = 1; i < leaf->value_count; i++)
            if (!(leaf->float_values[i - 1] < leaf->float_values[i])) return -1;
        return 0;
    case LEAF_STRING:
        if (leaf->type != PDB_TYPE_TEXT && leaf->type != PDB_TYPE_CATEGORY) return -1;
        if (leaf->string.kind == STRING_TEST_IN) {
            const struct bytes_view *values = leaf->string.values;
            if (leaf->string.value_count < 2) return -1;
            for (uint32_t i = 1; i < leaf->string.value_count; i++)
                if (query_bytes_compare(values[i - 1].data, values[i - 1].size, values[i].data,
                                        values[i].size) >= 0)
                    return -1;
        }
        return 0;
    case LEAF_TAGS:
        if (leaf->type != PDB_TYPE_TAGS || leaf->tag_count == 0) return -1;
        for (uint32_t i = 1; i < leaf->tag_count; i++)
            if (query_bytes_compare(leaf->tags[i - 1].data, leaf->tags[i - 1].size,
                                    leaf->tags[i].data, leaf->tags[i].size) >= 0)
                return -1;
        return 0;
    case LEAF_BOOL:
        return leaf->type == PDB_TYPE_BOOL ? 0 : -1;
    default:
        return 0;
    }
}

static int validate_node(const struct bound_node *node, uint32_t depth, uint32_t level_count)
{
    if (depth >= level_count) return -1;
    switch (node->kind) {
    case BOUND_TRUE:
    case BOUND_FALSE:
    case BOUND_UNKNOWN:
        return node->child_count == 0 ? 0 : -1;
    case BOUND_LEAF:
        return node->leaf != NULL ? validate_leaf(node->leaf) : -1;
    case BOUND_NOT:
        if (node->child_count != 1) return -1;
        break;
    case BOUND_AND:
    case BOUND_OR:
        if (node->child_count < 2) return -1;
        break;
    default:
        return -1;
    }
    for (uint32_t i = 0; i < node->child_count; i++) {
        const struct bound_node *child = node->children[i];
        if (child->kind == node->kind && node->kind != BOUND_NOT) return -1; /* not flattened */
        if (node->kind != BOUND_NOT && (child->kind == BOUND_TRUE || child->kind == BOUND_FALSE))
            return -1; /* not folded */
        if (validate_node(child, depth + 1, level_count) != 0) return -1;
    }
    return 0;
}

int segment_validate(const struct segment *segment)
{
    if (segment->root == NULL || segment->level_count == 0) return -1;
    for (uint32_t i = 1; i < segment->attribute_count; i++)
        if (segment->attributes[i - 1] >= segment->attributes[i]) return -1;
    return validate_node(segment->root, 0, segment->level_count);
}

/* ---- Prepare -------------------------------------------------------------------------- */

bool segment_has_events(const struct segment *segment)
{
    return segment->event_leaf_count > 0;
}

void segment_set_events(struct segment *segment, const struct event_store *store)
{
    segment->events = store;
    segment->prepared_table = NULL;
}

enum pdb_status segment_prepare(struct segment *segment, struct table *table,
                                struct pdb_error *error)
{
    for (uint32_t i = 0; i < segment->attribute_count; i++) {
        const struct column *column;
        enum pdb_status status = table_column(table, segment->attributes[i], &column, error);
        if (status != PDB_OK) return status;
        if (column->chunk_count != table->chunk_count) {
            return error_set(error, PDB_ERR_USAGE, "column '%s' has %u chunks, the table %u",
                             column->attribute.name, column->chunk_count, table->chunk_count);
        }
    }
    for (uint32_t i = 0; i < segment->leaf_count; i++) {
        struct leaf *leaf = segment->leaves[i];
        if (leaf->event != NULL) continue; /* predicate_event_prepare, below */
        struct column *column = table->columns[leaf->attribute_index];
        if (column->attribute.type != leaf->type) {
            segment->prepared_table = NULL;
            return error_set(error, PDB_ERR_USAGE,
                             "column '%s' is %s but the segment was compiled for %s",
                             column->attribute.name, pdb_type_name(column->attribute.type),
                             pdb_type_name(leaf->type));
        }
        enum pdb_status status = PDB_OK;
        if (leaf->kind == LEAF_STRING) status = predicate_string_prepare(leaf, column, error);
        if (leaf->kind == LEAF_TAGS) status = predicate_tags_prepare(leaf, column, error);
        if (status != PDB_OK) {
            segment->prepared_table = NULL;
            return status;
        }
    }
    enum pdb_status status = predicate_event_prepare(segment, error);
    if (status == PDB_OK) status = plan_prepare(segment, table, error);
    if (status != PDB_OK) {
        segment->prepared_table = NULL;
        return status;
    }
    segment->prepared_table = table;
    return PDB_OK;
}

/* ---- Whole-table results -------------------------------------------------------------- */

/* Per-thread state of a whole-table loop, one cache line apart so that the running totals of
 * two threads never share a line. */
struct worker_slot {
    _Alignas(64) uint64_t total;
    struct segment_scratch *scratch;
};

static uint32_t exec_thread_count(const struct segment_exec *exec)
{
    return exec != NULL && exec->pool != NULL ? thread_pool_thread_count(exec->pool) : 1u;
}

/* Prepares unless the caller did; then one scratch for each of the first `slot_count`
 * threads. On failure nothing is left allocated. */
static enum pdb_status start_loop(struct segment *segment, struct table *table,
                                  const struct segment_exec *exec, uint32_t slot_count,
                                  struct worker_slot **slots_out, struct pdb_error *error)
{
    if (exec != NULL && exec->is_prepared) {
        assert(segment->prepared_table == table);
    } else {
        enum pdb_status status = segment_prepare(segment, table, error);
        if (status != PDB_OK) return status;
    }
    struct worker_slot *slots = mem_alloc_aligned(64, (size_t)slot_count * sizeof *slots);
    if (slots == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory evaluating a segment");
    memset(slots, 0, (size_t)slot_count * sizeof *slots);
    for (uint32_t i = 0; i < slot_count; i++) {
        slots[i].scratch = segment_scratch_create(segment);
        if (slots[i].scratch == NULL) {
            for (uint32_t j = 0; j < i; j++) segment_scratch_destroy(slots[j].scratch);
            mem_free(slots);
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory evaluating a segment");
        }
    }
    *slots_out = slots;
    return PDB_OK;
}

static void finish_loop(struct worker_slot *slots, uint32_t slot_count)
{
    for (uint32_t i = 0; i < slot_count; i++) segment_scratch_destroy(slots[i].scratch);
    mem_free(slots);
}

/* Runs `task_count` tasks over the pool, or inline in order without one. */
static void run_tasks(const struct segment_exec *exec, uint32_t task_count,
                      thread_pool_task_fn task, void *context)
{
    if (exec != NULL && exec->pool != NULL) {
        thread_pool_run(exec->pool, task_count, task, context);
        return;
    }
    for (uint32_t i = 0; i < task_count; i++) task(context, i, 0);
}

struct count_run {
    const struct segment *segment;
    const struct table *table;
    struct worker_slot *slots;
};

static void count_chunk(void *context, uint32_t chunk_index, uint32_t worker_index)
{
    struct count_run *run = context;
    struct worker_slot *slot = &run->slots[worker_index];
    uint64_t *words = scratch_result(slot->scratch);
    segment_eval_chunk(run->segment, run->table, chunk_index, slot->scratch, words);
    slot->total += simd_kernels()->bitset_count(words, PDB_CHUNK_WORDS);
}

enum pdb_status segment_count_parallel(struct segment *segment, struct table *table,
                                       const struct segment_exec *exec, uint64_t *count_out,
                                       struct pdb_error *error)
{
    uint32_t threads = exec_thread_count(exec);
    uint32_t slot_count = table->chunk_count < threads ? table->chunk_count : threads;
    if (slot_count == 0) slot_count = 1;
    struct worker_slot *slots;
    enum pdb_status status = start_loop(segment, table, exec, slot_count, &slots, error);
    if (status != PDB_OK) return status;
    struct count_run run = {segment, table, slots};
    run_tasks(exec, table->chunk_count, count_chunk, &run);
    uint64_t total = 0;
    for (uint32_t i = 0; i < slot_count; i++) total += slots[i].total;
    finish_loop(slots, slot_count);
    *count_out = total;
    return PDB_OK;
}

struct ids_run {
    const struct segment *segment;
    const struct table *table;
    struct worker_slot *slots;
    uint64_t *results;    /* batch bitsets of PDB_CHUNK_WORDS words, one per chunk */
    uint32_t first_chunk; /* of the current batch */
};

static void ids_chunk(void *context, uint32_t task_index, uint32_t worker_index)
{
    struct ids_run *run = context;
    segment_eval_chunk(run->segment, run->table, run->first_chunk + task_index,
                       run->slots[worker_index].scratch,
                       run->results + (size_t)task_index * PDB_CHUNK_WORDS);
}

enum pdb_status segment_ids_parallel(struct segment *segment, struct table *table,
                                     const struct segment_exec *exec, uint64_t limit,
                                     pdb_id_fn on_id, void *context, struct pdb_error *error)
{
    uint32_t threads = exec_thread_count(exec);
    /* Batches start at one chunk per thread (a small limit is met soon) and double up to
     * SEGMENT_IDS_BATCH_PER_THREAD chunks per thread. */
    uint32_t batch_max = threads * SEGMENT_IDS_BATCH_PER_THREAD;
    if (threads == 1) batch_max = 1;
    if (batch_max > table->chunk_count) batch_max = table->chunk_count ? table->chunk_count : 1u;
    uint32_t batch = threads < batch_max ? threads : batch_max;
    uint32_t slot_count = batch;
    struct worker_slot *slots;
    enum pdb_status status = start_loop(segment, table, exec, slot_count, &slots, error);
    if (status != PDB_OK) return status;
    uint64_t *results =
        mem_alloc_aligned(64, (size_t)batch_max * PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (results == NULL) {
        finish_loop(slots, slot_count);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory listing a segment");
    }
    struct ids_run run = {segment, table, slots, results, 0};
    uint64_t delivered = 0;
    bool stop = false;
    while (run.first_chunk < table->chunk_count && !stop) {
        uint32_t left = table->chunk_count - run.first_chunk;
        uint32_t chunks = left < batch ? left : batch;
        run_tasks(exec, chunks, ids_chunk, &run);
        for (uint32_t c = 0; c < chunks && !stop; c++) {
            const uint64_t *words = results + (size_t)c * PDB_CHUNK_WORDS;
            uint32_t base = (run.first_chunk + c) * PDB_CHUNK_ROWS;
            for (uint32_t w = 0; w < PDB_CHUNK_WORDS && !stop; w++) {
                uint64_t bits = words[w];
                while (bits != 0) {
                    uint32_t bit = (uint32_t)__builtin_ctzll(bits);
                    bits &= bits - 1;
                    if (!on_id(context, base + w * 64u + bit) || (limit && ++delivered == limit)) {
                        stop = true;
                        break;
                    }
                }
            }
        }
        run.first_chunk += chunks;
        batch = batch * 2 < batch_max ? batch * 2 : batch_max;
    }
    mem_free(results);
    finish_loop(slots, slot_count);
    return PDB_OK;
}

enum pdb_status segment_count(struct segment *segment, struct table *table, uint64_t *count_out,
                              struct pdb_error *error)
{
    return segment_count_parallel(segment, table, NULL, count_out, error);
}

enum pdb_status segment_ids(struct segment *segment, struct table *table, uint64_t limit,
                            pdb_id_fn on_id, void *context, struct pdb_error *error)
{
    return segment_ids_parallel(segment, table, NULL, limit, on_id, context, error);
}

/* ---- Explain run ---------------------------------------------------------------------- */

static double clock_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

enum pdb_status segment_profile_count(struct segment *segment, struct table *table,
                                      struct segment_profile *profile_out,
                                      struct pdb_error *error)
{
    segment->is_explained = true;
    enum pdb_status status = segment_prepare(segment, table, error);
    segment->is_explained = false;
    if (status != PDB_OK) return status;
    struct segment_profile profile = {.node_count = segment->node_count,
                                      .row_count = table->row_count,
                                      .chunk_count = table->chunk_count};
    profile.nodes = mem_calloc(segment->node_count, sizeof *profile.nodes);
    struct segment_scratch *scratch = segment_scratch_create(segment);
    if (profile.nodes == NULL || scratch == NULL) {
        mem_free(profile.nodes);
        segment_scratch_destroy(scratch);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory explaining a segment");
    }
    const struct simd_kernels *simd = simd_kernels();
    uint64_t *words = scratch_result(scratch);
    /* One unmeasured pass first, so that the measured one sees warm caches and pages. */
    for (uint32_t chunk = 0; chunk < table->chunk_count; chunk++)
        segment_eval_chunk(segment, table, chunk, scratch, words);
    scratch->profile = profile.nodes;
    double started_s = clock_s();
    for (uint32_t chunk = 0; chunk < table->chunk_count; chunk++) {
        segment_eval_chunk(segment, table, chunk, scratch, words);
        profile.count += simd->bitset_count(words, PDB_CHUNK_WORDS);
    }
    profile.evaluate_s = clock_s() - started_s;
    profile.deleted_count = index_bitmap_cardinality(table->deleted);
    segment_scratch_destroy(scratch);
    *profile_out = profile;
    return PDB_OK;
}

void segment_profile_deinit(struct segment_profile *profile)
{
    mem_free(profile->nodes);
    profile->nodes = NULL;
    profile->node_count = 0;
}
