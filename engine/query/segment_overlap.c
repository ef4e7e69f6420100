/*
 * Overlap: the matrix of pairwise intersection counts of several segments (segment.h). One
 * pass over the chunks: a worker evaluates every segment's bitset of the chunk once into its
 * own bitsets, then adds popcount(b_i) to the diagonal and and_count(b_i, b_j) to the pairs
 * i < j of its own upper-triangle totals. The totals of the workers are summed and mirrored at
 * the end. Memory per worker: one scratch and one 8 KiB bitset per segment, plus the matrix.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "query/query_internal.h"
#include "query/segment_loop.h"
#include "simd/simd.h"

struct overlap_worker {
    struct segment_scratch **scratches; /* one per segment */
    uint64_t *bitsets;                  /* count * PDB_CHUNK_WORDS words */
    uint64_t *totals;                   /* count * count; only i <= j is used */
};

struct overlap_run {
    struct segment *const *segments;
    uint32_t count;
    const struct table *table;
    struct overlap_worker *workers;
};

static void overlap_chunk(void *context, uint32_t chunk_index, uint32_t worker_index)
{
    struct overlap_run *run = context;
    struct overlap_worker *worker = &run->workers[worker_index];
    const struct simd_kernels *kernels = simd_kernels();
    uint32_t n = run->count;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t *words = worker->bitsets + (size_t)i * PDB_CHUNK_WORDS;
        segment_eval_chunk(run->segments[i], run->table, chunk_index, worker->scratches[i], words);
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint64_t *a = worker->bitsets + (size_t)i * PDB_CHUNK_WORDS;
        uint64_t diagonal = kernels->bitset_count(a, PDB_CHUNK_WORDS);
        worker->totals[(size_t)i * n + i] += diagonal;
        if (diagonal == 0) continue; /* every pair with i is 0 */
        for (uint32_t j = i + 1; j < n; j++) {
            const uint64_t *b = worker->bitsets + (size_t)j * PDB_CHUNK_WORDS;
            worker->totals[(size_t)i * n + j] += kernels->bitset_and_count(a, b, PDB_CHUNK_WORDS);
        }
    }
}

static void workers_destroy(struct overlap_worker *workers, uint32_t worker_count, uint32_t n)
{
    if (workers == NULL) return;
    for (uint32_t w = 0; w < worker_count; w++) {
        if (workers[w].scratches != NULL) {
            for (uint32_t i = 0; i < n; i++) segment_scratch_destroy(workers[w].scratches[i]);
        }
        mem_free(workers[w].scratches);
        mem_free(workers[w].bitsets);
        mem_free(workers[w].totals);
    }
    mem_free(workers);
}

static bool worker_init(struct overlap_worker *worker, struct segment *const *segments, uint32_t n)
{
    worker->scratches = mem_calloc(n, sizeof *worker->scratches);
    worker->bitsets = mem_alloc_aligned(64, (size_t)n * PDB_CHUNK_WORDS * sizeof(uint64_t));
    worker->totals = mem_calloc((size_t)n * n, sizeof(uint64_t));
    if (worker->scratches == NULL || worker->bitsets == NULL || worker->totals == NULL) return false;
    for (uint32_t i = 0; i < n; i++) {
        worker->scratches[i] = segment_scratch_create(segments[i]);
        if (worker->scratches[i] == NULL) return false;
    }
    return true;
}

enum pdb_status segment_overlap_parallel(struct segment *const *segments, uint32_t count,
                                         struct table *table, const struct segment_exec *exec,
                                         uint64_t *matrix, struct pdb_error *error)
{
    if (count == 0 || count > PDB_OVERLAP_SEGMENTS_MAX) {
        return error_set(error, count == 0 ? PDB_ERR_USAGE : PDB_ERR_LIMIT,
                         "an overlap needs 1 to %u segments, not %u", PDB_OVERLAP_SEGMENTS_MAX, count);
    }
    for (uint32_t i = 0; i < count; i++) {
        enum pdb_status status = segment_prepare(segments[i], table, error);
        if (status != PDB_OK) return status;
    }
    uint32_t threads = segment_loop_thread_count(exec);
    uint32_t worker_count = table->chunk_count < threads ? table->chunk_count : threads;
    if (worker_count == 0) worker_count = 1;
    struct overlap_worker *workers = mem_calloc(worker_count, sizeof *workers);
    bool is_ready = workers != NULL;
    for (uint32_t w = 0; w < worker_count && is_ready; w++)
        is_ready = worker_init(&workers[w], segments, count);
    if (!is_ready) {
        workers_destroy(workers, workers ? worker_count : 0, count);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory computing an overlap of %u segments", count);
    }
    struct overlap_run run = {segments, count, table, workers};
    segment_loop_run(exec, table->chunk_count, overlap_chunk, &run);
    for (uint32_t i = 0; i < count; i++) {
        for (uint32_t j = i; j < count; j++) {
            uint64_t total = 0;
            for (uint32_t w = 0; w < worker_count; w++) total += workers[w].totals[(size_t)i * count + j];
            matrix[(size_t)i * count + j] = total;
            matrix[(size_t)j * count + i] = total;
        }
    }
    workers_destroy(workers, worker_count, count);
    return PDB_OK;
}
