/*
 * Tests for base/thread_pool.c and the parallel whole-table loops of query/segment.c
 * (segment_count_parallel, segment_ids_parallel): every task runs once, on a worker index
 * below the thread count; 0 tasks, more threads than tasks, a pool of 1 running inline in
 * order, reuse over many runs; and counts and id lists (limits 0, 1, 100, a callback that
 * stops early) identical to the one-thread loops for 1, 2, 3, 4 and 7 threads on a table of
 * six chunks, with ids delivered on the calling thread only.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/thread_pool.h"
#include "query_test_support.h"

static const uint32_t thread_counts[] = {1, 2, 3, 4, 7};
#define THREAD_COUNT_CASES (sizeof thread_counts / sizeof thread_counts[0])

/* ---- thread_pool ---------------------------------------------------------------------- */

#define TASKS_MAX 5000u

struct task_log {
    _Atomic uint32_t runs[TASKS_MAX];
    _Atomic uint32_t bad_worker;
    uint32_t thread_count;
};

static void log_task(void *context, uint32_t task_index, uint32_t worker_index)
{
    struct task_log *log = context;
    cr_assert_lt(task_index, TASKS_MAX);
    if (worker_index >= log->thread_count) atomic_fetch_add(&log->bad_worker, 1);
    atomic_fetch_add(&log->runs[task_index], 1);
}

static void check_run(struct thread_pool *pool, struct task_log *log, uint32_t task_count)
{
    memset(log, 0, sizeof *log);
    log->thread_count = thread_pool_thread_count(pool);
    thread_pool_run(pool, task_count, log_task, log);
    for (uint32_t i = 0; i < TASKS_MAX; i++)
        cr_assert_eq(atomic_load(&log->runs[i]), i < task_count ? 1u : 0u,
                     "task %u of %u ran %u times", i, task_count, atomic_load(&log->runs[i]));
    cr_assert_eq(atomic_load(&log->bad_worker), 0);
}

Test(thread_pool, runs_every_task_exactly_once)
{
    static struct task_log log;
    static const uint32_t task_counts[] = {1, 2, 3, 5, 6, 7, 8, 100, 4999};
    for (uint32_t t = 0; t < THREAD_COUNT_CASES; t++) {
        struct thread_pool *pool = thread_pool_create(thread_counts[t]);
        cr_assert_not_null(pool);
        cr_assert_eq(thread_pool_thread_count(pool), thread_counts[t]);
        for (uint32_t c = 0; c < sizeof task_counts / sizeof task_counts[0]; c++)
            check_run(pool, &log, task_counts[c]);
        thread_pool_destroy(pool);
    }
}

static void must_not_run(void *context, uint32_t task_index, uint32_t worker_index)
{
    (void)context;
    cr_assert_fail("task %u ran on worker %u of a run of 0 tasks", task_index, worker_index);
}

Test(thread_pool, zero_tasks_return_at_once)
{
    struct thread_pool *pool = thread_pool_create(4);
    cr_assert_not_null(pool);
    thread_pool_run(pool, 0, must_not_run, NULL);
    static struct task_log log;
    check_run(pool, &log, 3); /* still usable */
    thread_pool_destroy(pool);
}

Test(thread_pool, more_threads_than_tasks)
{
    struct thread_pool *pool = thread_pool_create(7);
    cr_assert_not_null(pool);
    static struct task_log log;
    for (uint32_t tasks = 1; tasks <= 7; tasks++)
        check_run(pool, &log, tasks);
    thread_pool_destroy(pool);
}

struct order_log {
    pthread_t caller;
    uint32_t order[16];
    uint32_t count;
    bool off_thread;
};

static void record_order(void *context, uint32_t task_index, uint32_t worker_index)
{
    struct order_log *log = context;
    if (!pthread_equal(pthread_self(), log->caller) || worker_index != 0) log->off_thread = true;
    log->order[log->count++] = task_index;
}

Test(thread_pool, pool_of_one_runs_inline_in_order)
{
    struct thread_pool *pool = thread_pool_create(1);
    cr_assert_not_null(pool);
    cr_assert_eq(thread_pool_thread_count(pool), 1);
    struct order_log log = {.caller = pthread_self()};
    thread_pool_run(pool, 16, record_order, &log);
    cr_assert_eq(log.count, 16);
    cr_assert(!log.off_thread);
    for (uint32_t i = 0; i < 16; i++)
        cr_assert_eq(log.order[i], i);
    thread_pool_destroy(pool);
    /* A single task runs inline whatever the pool size. */
    pool = thread_pool_create(4);
    log = (struct order_log){.caller = pthread_self()};
    thread_pool_run(pool, 1, record_order, &log);
    cr_assert_eq(log.count, 1);
    cr_assert(!log.off_thread);
    thread_pool_destroy(pool);
}

Test(thread_pool, thread_count_is_clamped)
{
    struct thread_pool *pool = thread_pool_create(0);
    cr_assert_not_null(pool);
    cr_assert_eq(thread_pool_thread_count(pool), 1);
    thread_pool_destroy(pool);
    pool = thread_pool_create(PDB_THREADS_MAX + 100);
    cr_assert_not_null(pool);
    cr_assert_leq(thread_pool_thread_count(pool), PDB_THREADS_MAX);
    cr_assert_geq(thread_pool_thread_count(pool), 1);
    static struct task_log log;
    check_run(pool, &log, 1000);
    thread_pool_destroy(pool);
    uint32_t cpus = thread_pool_cpu_count();
    cr_assert_geq(cpus, 1);
    cr_assert_eq(cpus, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
}

static void add_index(void *context, uint32_t task_index, uint32_t worker_index)
{
    (void)worker_index;
    atomic_fetch_add((_Atomic uint64_t *)context, task_index + 1u);
}

Test(thread_pool, is_reused_across_many_runs)
{
    struct thread_pool *pool = thread_pool_create(4);
    cr_assert_not_null(pool);
    uint64_t allocations = mem_allocation_count();
    for (uint32_t run = 0; run < 3000; run++) {
        _Atomic uint64_t sum = 0;
        uint32_t tasks = run % 13;
        thread_pool_run(pool, tasks, add_index, &sum);
        cr_assert_eq(atomic_load(&sum), (uint64_t)tasks * (tasks + 1) / 2, "run %u", run);
    }
    cr_assert_eq(mem_allocation_count(), allocations, "a run allocated");
    thread_pool_destroy(pool);
}

/* Task 0 waits for task 1 to start: only possible if two threads really run at once. */
struct rendezvous {
    _Atomic int started;
    bool met;
};

static void meet(void *context, uint32_t task_index, uint32_t worker_index)
{
    (void)worker_index;
    struct rendezvous *rendezvous = context;
    if (task_index == 1) {
        atomic_store(&rendezvous->started, 1);
        return;
    }
    time_t deadline = time(NULL) + 20;
    while (!atomic_load(&rendezvous->started) && time(NULL) < deadline)
        sched_yield();
    rendezvous->met = atomic_load(&rendezvous->started) != 0;
}

Test(thread_pool, tasks_run_concurrently)
{
    struct thread_pool *pool = thread_pool_create(2);
    cr_assert_not_null(pool);
    cr_assert_eq(thread_pool_thread_count(pool), 2);
    struct rendezvous rendezvous = {0};
    thread_pool_run(pool, 2, meet, &rendezvous);
    cr_assert(rendezvous.met, "task 1 never started while task 0 ran");
    thread_pool_destroy(pool);
}

/* ---- segment_count_parallel, segment_ids_parallel ------------------------------------ */

#define SIX_CHUNK_ROWS (5u * PDB_CHUNK_ROWS + 4321u)

static const char *const fixed_segments[] = {
    "age BETWEEN 25 AND 40",
    "country IN ('US', 'CA', 'DE')",
    "age >= 30 AND country IN ('US', 'FR') AND is_vip AND total_spend > 10",
    "email CONTAINS 'a'",
    "first_name ICONTAINS 'É'",
    "interests HAS ANY ('running', 'yoga') OR consent_sms",
    "NOT (order_count < 3) OR age IS NULL",
    "last_seen_at > now() - 30d",
    "true",
    "false",
    "customer_id = 'nobody at all'",
};
#define FIXED_SEGMENTS (sizeof fixed_segments / sizeof fixed_segments[0])
#define RANDOM_SEGMENTS 8u

struct id_list {
    uint32_t *ids;
    uint64_t count, capacity;
    uint64_t stop_after; /* 0: never stop */
    pthread_t caller;
    bool off_thread;
};

static bool collect(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    if (!pthread_equal(pthread_self(), list->caller)) list->off_thread = true;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? 2 * list->capacity : 1024;
        list->ids = realloc(list->ids, list->capacity * sizeof *list->ids);
        cr_assert_not_null(list->ids);
    }
    list->ids[list->count++] = row_id;
    return list->stop_after == 0 || list->count < list->stop_after;
}

static struct id_list list_ids(struct segment *segment, struct table *table,
                               const struct segment_exec *exec, uint64_t limit, uint64_t stop_after)
{
    struct id_list list = {.stop_after = stop_after, .caller = pthread_self()};
    struct pdb_error error = {0};
    enum pdb_status status =
        exec == NULL ? segment_ids(segment, table, limit, collect, &list, &error)
                     : segment_ids_parallel(segment, table, exec, limit, collect, &list, &error);
    cr_assert_eq(status, PDB_OK, "%s", error.message);
    cr_assert(!list.off_thread, "on_id was called from a worker thread");
    return list;
}

static void expect_prefix(const struct id_list *got, const struct id_list *all, uint64_t expected,
                          const char *text, uint32_t threads, const char *what)
{
    cr_assert_eq(got->count, expected, "%s, %u threads, %s: %llu ids, expected %llu", text, threads,
                 what, (unsigned long long)got->count, (unsigned long long)expected);
    if (expected > 0)
        cr_assert_arr_eq(got->ids, all->ids, expected * sizeof all->ids[0], "%s, %u threads, %s",
                         text, threads, what);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Every loop variant at every thread count against the one-thread loops. */
static void check_segment_sized(struct model *model, struct thread_pool **pools, const char *text,
                                size_t size)
{
    struct segment *segment;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, size, &model->schema, TEST_NOW, &segment, &error), PDB_OK,
                 "%s: %s", text, error.message);
    uint64_t expected_count;
    cr_assert_eq(segment_count(segment, &model->table, &expected_count, &error), PDB_OK);
    struct id_list all = list_ids(segment, &model->table, NULL, 0, 0);
    cr_assert_eq(all.count, expected_count, "%s", text);
    for (uint64_t i = 1; i < all.count; i++)
        cr_assert_lt(all.ids[i - 1], all.ids[i]);
    /* Stop inside a later chunk too: half-way through the matches. */
    uint64_t stops[] = {1, 5, all.count / 2 + 1};
    for (uint32_t t = 0; t < THREAD_COUNT_CASES; t++) {
        uint32_t threads = thread_counts[t];
        for (int prepared = 0; prepared < (threads == 4 ? 2 : 1); prepared++) {
            struct segment_exec exec = {.pool = pools[t], .is_prepared = prepared != 0};
            if (prepared) cr_assert_eq(segment_prepare(segment, &model->table, &error), PDB_OK);
            uint64_t count = UINT64_MAX;
            cr_assert_eq(segment_count_parallel(segment, &model->table, &exec, &count, &error),
                         PDB_OK);
            cr_assert_eq(count, expected_count, "%s, %u threads: count %llu, expected %llu", text,
                         threads, (unsigned long long)count, (unsigned long long)expected_count);
        }
        struct segment_exec exec = {.pool = pools[t]};
        uint64_t limits[] = {0, 1, 100};
        for (uint32_t l = 0; l < 3; l++) {
            struct id_list got = list_ids(segment, &model->table, &exec, limits[l], 0);
            uint64_t expected = limits[l] ? min_u64(limits[l], all.count) : all.count;
            expect_prefix(&got, &all, expected, text, threads, "limit");
            free(got.ids);
        }
        for (uint32_t s = 0; s < 3; s++) {
            struct id_list got = list_ids(segment, &model->table, &exec, 0, stops[s]);
            expect_prefix(&got, &all, min_u64(stops[s], all.count), text, threads, "early stop");
            free(got.ids);
        }
    }
    free(all.ids);
    segment_destroy(segment);
}

static void check_segment(struct model *model, struct thread_pool **pools, const char *text)
{
    check_segment_sized(model, pools, text, strlen(text));
}

static void create_pools(struct thread_pool **pools)
{
    for (uint32_t t = 0; t < THREAD_COUNT_CASES; t++) {
        pools[t] = thread_pool_create(thread_counts[t]);
        cr_assert_not_null(pools[t]);
    }
}

static void destroy_pools(struct thread_pool **pools)
{
    for (uint32_t t = 0; t < THREAD_COUNT_CASES; t++)
        thread_pool_destroy(pools[t]);
}

Test(segment_parallel, counts_and_ids_match_one_thread_for_any_thread_count)
{
    struct model model;
    model_init_random(&model, SIX_CHUNK_ROWS, 77, 10);
    model_build_table(&model);
    cr_assert_eq(model.table.chunk_count, 6);
    struct thread_pool *pools[THREAD_COUNT_CASES];
    create_pools(pools);
    for (uint32_t i = 0; i < FIXED_SEGMENTS; i++)
        check_segment(&model, pools, fixed_segments[i]);
    uint64_t state = 2024;
    for (uint32_t i = 0; i < RANDOM_SEGMENTS; i++) {
        struct texpr *expr = texpr_random(&state, 3);
        struct buffer text;
        buffer_init(&text);
        texpr_render(expr, &model.schema, &text);
        check_segment_sized(&model, pools, (const char *)text.data, text.size);
        buffer_deinit(&text);
        texpr_free(expr);
    }
    destroy_pools(pools);
    model_deinit(&model);
}

Test(segment_parallel, small_and_empty_tables)
{
    struct thread_pool *pools[THREAD_COUNT_CASES];
    create_pools(pools);
    static const uint32_t row_counts[] = {0, 1, 1000, PDB_CHUNK_ROWS, PDB_CHUNK_ROWS + 1};
    for (uint32_t r = 0; r < sizeof row_counts / sizeof row_counts[0]; r++) {
        struct model model;
        model_init_random(&model, row_counts[r], 5 + r, 10);
        model_build_table(&model);
        check_segment(&model, pools, "age < 50 OR email IS NULL");
        check_segment(&model, pools, "true");
        model_deinit(&model);
    }
    destroy_pools(pools);
}

Test(segment_parallel, out_of_memory_is_reported_and_leaks_nothing)
{
    struct model model;
    model_init_random(&model, 3u * PDB_CHUNK_ROWS, 9, 10);
    model_build_table(&model);
    const char *text = "country = 'US' AND first_name ICONTAINS 'a'";
    struct segment *segment;
    cr_assert_eq(segment_compile(text, strlen(text), &model.schema, TEST_NOW, &segment, NULL),
                 PDB_OK);
    uint64_t expected;
    cr_assert_eq(segment_count(segment, &model.table, &expected, NULL), PDB_OK);
    struct thread_pool *pool = thread_pool_create(4);
    struct segment_exec exec = {.pool = pool};
    bool succeeded = false;
    for (uint64_t n = 0; n < 200 && !succeeded; n++) {
        struct pdb_error error = {0};
        uint64_t count = 12345;
        mem_fail_after(n);
        enum pdb_status status =
            segment_count_parallel(segment, &model.table, &exec, &count, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(count, expected);
            succeeded = true;
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "n=%llu: %s", (unsigned long long)n,
                         error.message);
            cr_assert_eq(count, 12345, "out-parameter touched on failure");
        }
    }
    cr_assert(succeeded);
    succeeded = false;
    for (uint64_t n = 0; n < 200 && !succeeded; n++) {
        struct id_list list = {.caller = pthread_self()};
        mem_fail_after(n);
        enum pdb_status status =
            segment_ids_parallel(segment, &model.table, &exec, 0, collect, &list, NULL);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(list.count, expected);
            succeeded = true;
        } else {
            cr_assert_eq(status, PDB_ERR_NO_MEMORY);
            cr_assert_eq(list.count, 0, "ids delivered before a failure");
        }
        free(list.ids);
    }
    cr_assert(succeeded);
    thread_pool_destroy(pool);
    segment_destroy(segment);
    model_deinit(&model);
}
