/*
 * Breakdown: the rows of a segment counted by the values of one category, bool or tags
 * column (segment.h). Each chunk is evaluated into its worker's bitset, then counted under it
 * by count_chunk_values, the one function that reads the column's codes (column_chunk_code,
 * tag_codes) and bools: NULL rows by an and-count with the null bitmap, bools by an and-count
 * with the value bitmap, codes by walking the set bits. Each worker adds into its own counts array (no per-row allocation, no
 * sharing); the arrays are summed at the end.
 */
#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "query/query_internal.h"
#include "query/segment_loop.h"
#include "simd/simd.h"

struct breakdown_worker {
    _Alignas(64) uint64_t segment_count;
    uint64_t null_count;
    uint64_t *counts;
    struct segment_scratch *scratch;
};

struct breakdown_run {
    const struct segment *segment;
    const struct table *table;
    const struct column *column;
    struct breakdown_worker *workers;
};

/* Adds the chunk's rows under `words` to the worker's counts. */
static void count_chunk_values(const struct column *column, uint32_t chunk_index,
                               const uint64_t *words, struct breakdown_worker *worker)
{
    const struct simd_kernels *kernels = simd_kernels();
    const struct column_chunk *chunk = &column->chunks[chunk_index];
    uint64_t in_segment = kernels->bitset_count(words, PDB_CHUNK_WORDS);
    if (in_segment == 0) return;
    uint64_t nulls = chunk->null_count ? kernels->bitset_and_count(words, chunk->nulls, PDB_CHUNK_WORDS) : 0;
    worker->segment_count += in_segment;
    worker->null_count += nulls;
    if (column->attribute.type == PDB_TYPE_BOOL) {
        /* A NULL row's value bit is 0 (column.h), so this counts TRUE rows only. */
        uint64_t trues = kernels->bitset_and_count(words, chunk->bools, PDB_CHUNK_WORDS);
        worker->counts[1] += trues;
        worker->counts[0] += in_segment - nulls - trues;
        return;
    }
    bool is_tags = column->attribute.type == PDB_TYPE_TAGS;
    for (uint32_t w = 0; w < PDB_CHUNK_WORDS; w++) {
        uint64_t bits = words[w] & ~chunk->nulls[w];
        while (bits != 0) {
            uint32_t row = w * 64u + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (!is_tags) {
                worker->counts[column_chunk_code(chunk, row)]++;
                continue;
            }
            for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++)
                worker->counts[chunk->tag_codes[i]]++;
        }
    }
}

static void breakdown_chunk(void *context, uint32_t chunk_index, uint32_t worker_index)
{
    struct breakdown_run *run = context;
    struct breakdown_worker *worker = &run->workers[worker_index];
    uint64_t *words = scratch_result(worker->scratch);
    segment_eval_chunk(run->segment, run->table, chunk_index, worker->scratch, words);
    count_chunk_values(run->column, chunk_index, words, worker);
}

static void workers_destroy(struct breakdown_worker *workers, uint32_t count)
{
    if (workers == NULL) return;
    for (uint32_t i = 0; i < count; i++) {
        segment_scratch_destroy(workers[i].scratch);
        mem_free(workers[i].counts);
    }
    mem_free(workers);
}

enum pdb_status segment_breakdown_parallel(struct segment *segment, struct table *table,
                                           uint32_t attribute_index,
                                           const struct segment_exec *exec,
                                           struct segment_breakdown_counts *counts_out,
                                           struct pdb_error *error)
{
    enum pdb_status status = PDB_OK;
    if (exec == NULL || !exec->is_prepared) status = segment_prepare(segment, table, error);
    if (status != PDB_OK) return status;
    const struct column *column;
    if ((status = table_column(table, attribute_index, &column, error)) != PDB_OK) return status;
    enum pdb_type type = column->attribute.type;
    if (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_BOOL && type != PDB_TYPE_TAGS) {
        return error_set(error, PDB_ERR_USAGE, "cannot break down by '%s': it is %s (a "
                         "breakdown needs a category, bool or tags attribute)",
                         column->attribute.name, pdb_type_name(type));
    }
    uint32_t value_count = type == PDB_TYPE_BOOL ? 2u : column->dictionary.entry_count;
    if (value_count > PDB_BREAKDOWN_VALUES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "cannot break down by '%s': %u values (limit %u)",
                         column->attribute.name, value_count, PDB_BREAKDOWN_VALUES_MAX);
    }
    uint32_t threads = segment_loop_thread_count(exec);
    uint32_t worker_count = table->chunk_count < threads ? table->chunk_count : threads;
    if (worker_count == 0) worker_count = 1;
    struct breakdown_worker *workers =
        mem_alloc_aligned(64, (size_t)worker_count * sizeof *workers);
    uint64_t *totals = mem_calloc(value_count ? value_count : 1, sizeof *totals);
    if (workers != NULL) memset(workers, 0, (size_t)worker_count * sizeof *workers);
    bool is_ready = workers != NULL && totals != NULL;
    for (uint32_t i = 0; i < worker_count && is_ready; i++) {
        workers[i].scratch = segment_scratch_create(segment);
        workers[i].counts = mem_calloc(value_count ? value_count : 1, sizeof(uint64_t));
        is_ready = workers[i].scratch != NULL && workers[i].counts != NULL;
    }
    if (!is_ready) {
        workers_destroy(workers, workers ? worker_count : 0);
        mem_free(totals);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory breaking down a segment");
    }
    struct breakdown_run run = {segment, table, column, workers};
    segment_loop_run(exec, table->chunk_count, breakdown_chunk, &run);
    struct segment_breakdown_counts result = {0, 0, value_count, totals};
    for (uint32_t i = 0; i < worker_count; i++) {
        result.segment_count += workers[i].segment_count;
        result.null_count += workers[i].null_count;
        for (uint32_t v = 0; v < value_count; v++) totals[v] += workers[i].counts[v];
    }
    workers_destroy(workers, worker_count);
    *counts_out = result;
    return PDB_OK;
}
