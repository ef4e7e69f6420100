/*
 * The fixed thread pool (see thread_pool.h).
 *
 * One mutex guards the description of the current run (task, context, task count, how many
 * workers take part) and a generation number that a new run increments; workers sleep on
 * `work_ready` until the generation moves, copy the run under the mutex, then claim task
 * indexes from the atomic `next_task` without locking. The last worker to finish signals
 * `work_done`. Only the first min(workers, task_count - 1) workers take part in a run, so a
 * run of few tasks does not pay for threads that would find nothing to do. The caller is
 * worker 0 and claims tasks like the others.
 */
#include "base/thread_pool.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "base/alloc.h"

struct worker {
    struct thread_pool *pool;
    pthread_t thread;
    uint32_t index; /* 1..thread_count-1 */
};

struct thread_pool {
    pthread_mutex_t mutex;
    pthread_cond_t work_ready; /* a run started, or the pool is shutting down */
    pthread_cond_t work_done;  /* the last helper of the run finished */
    uint32_t thread_count;     /* started workers + the caller */
    struct worker *workers;    /* thread_count - 1 started workers */
    /* The current run; written under the mutex. */
    uint64_t generation;
    uint32_t helper_count; /* workers 1..helper_count take part */
    uint32_t helpers_busy; /* of those, the ones not finished yet */
    bool is_running;
    bool is_shutting_down;
    thread_pool_task_fn task;
    void *context;
    uint32_t task_count;
    _Atomic uint64_t next_task; /* 64 bits: every thread may overshoot task_count once */
};

/* Claims and runs tasks until none is left. */
static void run_tasks(struct thread_pool *pool, thread_pool_task_fn task, void *context,
                      uint32_t task_count, uint32_t worker_index)
{
    for (;;) {
        uint64_t index = atomic_fetch_add_explicit(&pool->next_task, 1, memory_order_relaxed);
        if (index >= task_count) return;
        task(context, (uint32_t)index, worker_index);
    }
}

static void *worker_main(void *argument)
{
    struct worker *worker = argument;
    struct thread_pool *pool = worker->pool;
    /* Generation 0 is "no run yet": a worker that starts late still sees the first run. */
    uint64_t seen = 0;
    pthread_mutex_lock(&pool->mutex);
    for (;;) {
        while (!pool->is_shutting_down && pool->generation == seen)
            pthread_cond_wait(&pool->work_ready, &pool->mutex);
        if (pool->is_shutting_down) break;
        seen = pool->generation;
        if (worker->index > pool->helper_count) continue; /* not needed for this run */
        thread_pool_task_fn task = pool->task;
        void *context = pool->context;
        uint32_t task_count = pool->task_count;
        pthread_mutex_unlock(&pool->mutex);
        run_tasks(pool, task, context, task_count, worker->index);
        pthread_mutex_lock(&pool->mutex);
        assert(pool->helpers_busy > 0);
        if (--pool->helpers_busy == 0) pthread_cond_signal(&pool->work_done);
    }
    pthread_mutex_unlock(&pool->mutex);
    return NULL;
}

struct thread_pool *thread_pool_create(uint32_t thread_count)
{
    if (thread_count == 0) thread_count = 1;
    if (thread_count > PDB_THREADS_MAX) thread_count = PDB_THREADS_MAX;
    struct thread_pool *pool = mem_calloc(1, sizeof *pool);
    if (pool == NULL) return NULL;
    pool->workers = mem_calloc(thread_count, sizeof *pool->workers);
    if (pool->workers == NULL) goto fail_pool;
    if (pthread_mutex_init(&pool->mutex, NULL) != 0) goto fail_workers;
    if (pthread_cond_init(&pool->work_ready, NULL) != 0) goto fail_mutex;
    if (pthread_cond_init(&pool->work_done, NULL) != 0) goto fail_ready;
    atomic_init(&pool->next_task, 0);
    pool->thread_count = 1;
    for (uint32_t i = 1; i < thread_count; i++) {
        struct worker *worker = &pool->workers[i - 1];
        worker->pool = pool;
        worker->index = i;
        /* A refused thread (EAGAIN: process or memory limits) leaves a smaller pool. */
        if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) break;
        pool->thread_count++;
    }
    return pool;
fail_ready:
    pthread_cond_destroy(&pool->work_ready);
fail_mutex:
    pthread_mutex_destroy(&pool->mutex);
fail_workers:
    mem_free(pool->workers);
fail_pool:
    mem_free(pool);
    return NULL;
}

void thread_pool_destroy(struct thread_pool *pool)
{
    if (pool == NULL) return;
    pthread_mutex_lock(&pool->mutex);
    assert(!pool->is_running);
    pool->is_shutting_down = true;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
    for (uint32_t i = 0; i + 1 < pool->thread_count; i++)
        pthread_join(pool->workers[i].thread, NULL);
    pthread_cond_destroy(&pool->work_done);
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->mutex);
    mem_free(pool->workers);
    mem_free(pool);
}

uint32_t thread_pool_thread_count(const struct thread_pool *pool)
{
    return pool->thread_count;
}

void thread_pool_run(struct thread_pool *pool, uint32_t task_count, thread_pool_task_fn task,
                     void *context)
{
    if (task_count == 0) return;
    uint32_t helpers = pool->thread_count - 1;
    if (helpers > task_count - 1) helpers = task_count - 1;
    if (helpers == 0) { /* one thread or one task: inline, in order */
        for (uint32_t i = 0; i < task_count; i++)
            task(context, i, 0);
        return;
    }
    pthread_mutex_lock(&pool->mutex);
    assert(!pool->is_running && "thread_pool_run is not reentrant");
    pool->is_running = true;
    pool->task = task;
    pool->context = context;
    pool->task_count = task_count;
    atomic_store_explicit(&pool->next_task, 0, memory_order_relaxed);
    pool->helper_count = helpers;
    pool->helpers_busy = helpers;
    pool->generation++;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
    run_tasks(pool, task, context, task_count, 0);
    pthread_mutex_lock(&pool->mutex);
    while (pool->helpers_busy > 0)
        pthread_cond_wait(&pool->work_done, &pool->mutex);
    pool->is_running = false;
    pthread_mutex_unlock(&pool->mutex);
}

uint32_t thread_pool_cpu_count(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (online < 1) return 1;
    if ((unsigned long)online > PDB_THREADS_MAX) return PDB_THREADS_MAX;
    return (uint32_t)online;
}
