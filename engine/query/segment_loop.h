/*
 * How the whole-table result loops outside segment.c (breakdown, overlap) spread chunks over
 * the pool of a struct segment_exec: one task per chunk, with the worker index choosing the
 * caller's per-thread state. Same rules as segment_count_parallel: no pool (or a pool of one)
 * runs the tasks in order on the calling thread.
 */
#ifndef PDB_QUERY_SEGMENT_LOOP_H
#define PDB_QUERY_SEGMENT_LOOP_H

#include "base/thread_pool.h"
#include "query/segment.h"

/* Threads a loop may use: the pool's, or 1. */
static inline uint32_t segment_loop_thread_count(const struct segment_exec *exec)
{
    return exec != NULL && exec->pool != NULL ? thread_pool_thread_count(exec->pool) : 1u;
}

/* Runs task(context, i, worker) for i in [0, task_count), worker < segment_loop_thread_count. */
static inline void segment_loop_run(const struct segment_exec *exec, uint32_t task_count,
                                    thread_pool_task_fn task, void *context)
{
    if (exec != NULL && exec->pool != NULL) {
        thread_pool_run(exec->pool, task_count, task, context);
        return;
    }
    for (uint32_t i = 0; i < task_count; i++) task(context, i, 0);
}

#endif
