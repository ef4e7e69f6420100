/*
 * A small fixed pool of worker threads for data-parallel loops (chunks of a segment, chunk
 * blocks of a column being loaded).
 *
 * A pool of N threads owns N - 1 workers; the thread calling thread_pool_run is the N-th and
 * works too. A run hands out task indexes 0..task_count-1 through one atomic counter, so fast
 * threads take more tasks (dynamic load balancing), and returns when every task is done. A
 * pool of 1 thread runs the tasks inline, in ascending order, on the calling thread.
 *
 * Invariants: 1 <= thread count <= PDB_THREADS_MAX; a run allocates nothing; one run at a
 * time per pool (a pool belongs to one database handle, used by one thread at a time), and a
 * task must not start a run on its own pool. Workers block on a condition variable between
 * runs, so an idle pool costs no CPU.
 */
#ifndef PDB_BASE_THREAD_POOL_H
#define PDB_BASE_THREAD_POOL_H

#include <stdint.h>

/* Most threads a pool (hence a query) uses: bounds per-worker state (scratch bitsets, error
 * slots) and keeps a mistyped --threads from creating thousands of threads. */
#define PDB_THREADS_MAX 256u

struct thread_pool;

/* One task of a run. worker_index < thread_pool_thread_count(pool) names the thread running
 * it (0 = the caller), for per-worker state; a worker runs one task at a time. */
typedef void (*thread_pool_task_fn)(void *context, uint32_t task_index, uint32_t worker_index);

/* Creates a pool of `thread_count` threads (clamped to 1..PDB_THREADS_MAX). When the system
 * refuses a thread, the pool keeps the ones it got (at worst the caller alone): check
 * thread_pool_thread_count. Owned: release with thread_pool_destroy. NULL when out of memory. */
struct thread_pool *thread_pool_create(uint32_t thread_count);

/* Joins every worker and frees the pool. NULL is accepted. */
void thread_pool_destroy(struct thread_pool *pool);

/* Threads that take part in a run (the caller included): >= 1. */
uint32_t thread_pool_thread_count(const struct thread_pool *pool);

/* Runs task(context, i, worker) for every i < task_count, each exactly once, and returns when
 * all are done; writes made by the tasks are then visible to the caller. 0 tasks return at
 * once. Never allocates. */
void thread_pool_run(struct thread_pool *pool, uint32_t task_count, thread_pool_task_fn task,
                     void *context);

/* Online processors (sysconf), clamped to 1..PDB_THREADS_MAX. */
uint32_t thread_pool_cpu_count(void);

#endif
