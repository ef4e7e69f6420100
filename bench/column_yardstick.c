/*
 * The memory-bandwidth yardstick on the same bytes as a scan: the SIMD sum kernel over the
 * in-memory lanes (and null bitsets, where a chunk has NULLs) of the columns a segment reads,
 * on the same thread count: the chunks in a few contiguous shares per thread, handed out
 * dynamically like the scan's chunks (so a worker that wakes late does not stretch the run).
 *
 * pdb_query_runner times it beside every run of a wide segment, so "the scan reached X% of
 * the bandwidth the harness measures on the same bytes" compares two reads of one piece of
 * memory taken moments apart, not a segment against a separate buffer measured minutes
 * earlier (the machine is shared, and a 256 MiB buffer and a column sit differently in the
 * caches and in physical memory).
 *
 * Bench code: it reads the handle's loaded table through engine/db/db_internal.h.
 */
#include "column_yardstick.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/thread_pool.h"
#include "db/db_internal.h"
#include "simd/simd.h"

/* Tasks per thread of a run: enough that the threads finish together. */
#define YARDSTICK_SHARES_PER_THREAD 8u

/* One contiguous piece of memory the scan reads. */
struct region {
    const uint64_t *words;
    size_t word_count;
};

struct column_yardstick {
    struct region *regions;
    uint32_t region_count;
    uint64_t bytes;
    uint32_t thread_count;
    uint32_t share_count;      /* tasks of a run: contiguous runs of regions */
    struct thread_pool *pool;  /* NULL for one thread */
    volatile uint64_t sink[PDB_THREADS_MAX];
};

static int region_push(struct column_yardstick *yardstick, uint32_t *capacity, const void *words,
                       uint64_t bytes)
{
    if (words == NULL || bytes < 8) return 0;
    if (yardstick->region_count == *capacity) {
        uint32_t grown = *capacity ? *capacity * 2u : 256u;
        struct region *regions = mem_realloc(yardstick->regions, grown * sizeof *regions);
        if (regions == NULL) return -1;
        yardstick->regions = regions;
        *capacity = grown;
    }
    yardstick->regions[yardstick->region_count++] = (struct region){words, bytes / 8u};
    yardstick->bytes += bytes / 8u * 8u;
    return 0;
}

/* The bytes a scan of `chunk` reads: its lanes, and its null bitset when it has NULLs. */
static int chunk_regions(struct column_yardstick *yardstick, uint32_t *capacity,
                         const struct column_chunk *chunk, enum pdb_type type)
{
    uint64_t rows = chunk->row_count;
    if (chunk->null_count > 0 && region_push(yardstick, capacity, chunk->nulls, (rows + 7) / 8) != 0)
        return -1;
    switch (type) {
    case PDB_TYPE_BOOL: return region_push(yardstick, capacity, chunk->bools, (rows + 7) / 8);
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
    case PDB_TYPE_CATEGORY:
        return region_push(yardstick, capacity, chunk->lanes, rows * chunk->lane_width_bytes);
    case PDB_TYPE_FLOAT: return region_push(yardstick, capacity, chunk->floats, rows * 8);
    default: return 0; /* text and tags: not wide scans */
    }
}

struct column_yardstick *column_yardstick_create(struct pdb_db *db, const char *columns,
                                                 uint32_t thread_count, char *problem,
                                                 size_t problem_size)
{
    struct column_yardstick *yardstick = mem_calloc(1, sizeof *yardstick);
    if (yardstick == NULL) {
        snprintf(problem, problem_size, "out of memory");
        return NULL;
    }
    yardstick->thread_count = thread_count == 0 ? 1 : thread_count;
    const struct column *found[PDB_ATTRIBUTES_MAX];
    uint32_t found_count = 0;
    for (const char *name = columns; *name != '\0';) {
        size_t size = strcspn(name, ",");
        int32_t attribute = schema_find(&db->schema, name, size);
        const struct column *column = attribute < 0 ? NULL : db->table.columns[attribute];
        if (column == NULL || found_count == PDB_ATTRIBUTES_MAX) {
            snprintf(problem, problem_size, "column '%.*s' is %s", (int)size, name,
                     attribute < 0 ? "not in the schema" : "not loaded (count the segment first)");
            column_yardstick_destroy(yardstick);
            return NULL;
        }
        found[found_count++] = column;
        name += size;
        if (*name == ',') name++;
    }
    /* Chunk by chunk, each chunk's columns in turn, as the scan walks them (so equal shares of
     * the regions are about equal shares of the bytes). */
    uint32_t capacity = 0;
    for (uint32_t c = 0; c < db->table.chunk_count; c++) {
        for (uint32_t k = 0; k < found_count; k++) {
            if (c < found[k]->chunk_count &&
                chunk_regions(yardstick, &capacity, &found[k]->chunks[c],
                              found[k]->attribute.type) != 0) {
                snprintf(problem, problem_size, "out of memory");
                column_yardstick_destroy(yardstick);
                return NULL;
            }
        }
    }
    if (yardstick->thread_count > 1) {
        yardstick->pool = thread_pool_create(yardstick->thread_count);
        if (yardstick->pool != NULL) yardstick->thread_count = thread_pool_thread_count(yardstick->pool);
        else yardstick->thread_count = 1;
    }
    yardstick->share_count = yardstick->thread_count * YARDSTICK_SHARES_PER_THREAD;
    if (yardstick->share_count > yardstick->region_count)
        yardstick->share_count = yardstick->region_count > 0 ? yardstick->region_count : 1;
    return yardstick;
}

void column_yardstick_destroy(struct column_yardstick *yardstick)
{
    if (yardstick == NULL) return;
    thread_pool_destroy(yardstick->pool);
    mem_free(yardstick->regions);
    mem_free(yardstick);
}

uint64_t column_yardstick_bytes(const struct column_yardstick *yardstick)
{
    return yardstick->bytes;
}

/* Task t of share_count: the sum over regions [t * n / S, (t + 1) * n / S). */
static void sum_share(void *context, uint32_t task_index, uint32_t worker_index)
{
    struct column_yardstick *yardstick = context;
    const struct simd_kernels *simd = simd_kernels();
    uint64_t n = yardstick->region_count, t = yardstick->share_count;
    uint64_t begin = n * task_index / t, end = n * (task_index + 1) / t;
    uint64_t sum = 0;
    for (uint64_t r = begin; r < end; r++)
        sum += simd->sum_u64(yardstick->regions[r].words, yardstick->regions[r].word_count);
    yardstick->sink[worker_index] += sum;
}

double column_yardstick_run_ms(struct column_yardstick *yardstick)
{
    struct timespec started, ended;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (yardstick->pool != NULL) {
        thread_pool_run(yardstick->pool, yardstick->share_count, sum_share, yardstick);
    } else {
        for (uint32_t t = 0; t < yardstick->share_count; t++) sum_share(yardstick, t, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &ended);
    return (double)(ended.tv_sec - started.tv_sec) * 1e3 +
           (double)(ended.tv_nsec - started.tv_nsec) / 1e6;
}
