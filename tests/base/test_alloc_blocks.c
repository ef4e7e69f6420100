/*
 * Tests for base/alloc_blocks.c (mem_alloc_block): blocks are 64-byte aligned, writable to
 * their last byte and never overlap, within a region and across many regions; a freed block
 * is handed out again for its size (zeroed by mem_calloc_block); sizes have classes of their
 * own; failure injection refuses blocks like any allocation; and threads allocating and
 * freeing at once never get the same block twice. (Under AddressSanitizer blocks are plain
 * aligned allocations: the reuse checks, which are about the pool, are skipped there.)
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static bool is_pooled(void)
{
    return getenv("PROFILEDB_TEST_SANITIZER") == NULL;
}

static int compare_pointers(const void *left, const void *right)
{
    uintptr_t a = *(const uintptr_t *)left, b = *(const uintptr_t *)right;
    return a < b ? -1 : a > b;
}

Test(alloc_blocks, blocks_are_aligned_whole_and_disjoint_across_regions)
{
    const size_t size = 262148; /* 65,537 offsets: not a power of two */
    const uint32_t count = 400;  /* about 100 MiB: several regions */
    uint8_t **blocks = calloc(count, sizeof *blocks);
    for (uint32_t i = 0; i < count; i++) {
        blocks[i] = mem_alloc_block(size);
        cr_assert_not_null(blocks[i]);
        cr_assert_eq((uintptr_t)blocks[i] % 64u, 0u);
        memset(blocks[i], (int)(i & 0xff), size);
    }
    for (uint32_t i = 0; i < count; i++) {
        cr_assert_eq(blocks[i][0], (uint8_t)i);
        cr_assert_eq(blocks[i][size - 1u], (uint8_t)i, "block %u was overwritten", i);
    }
    uintptr_t *sorted = calloc(count, sizeof *sorted);
    for (uint32_t i = 0; i < count; i++) sorted[i] = (uintptr_t)blocks[i];
    qsort(sorted, count, sizeof *sorted, compare_pointers);
    for (uint32_t i = 1; i < count; i++) cr_assert_geq(sorted[i] - sorted[i - 1], size);
    for (uint32_t i = 0; i < count; i++) mem_free_block(blocks[i]);
    mem_free_block(NULL);
    free(sorted);
    free(blocks);
}

Test(alloc_blocks, a_freed_block_is_reused_for_its_size_and_calloc_zeroes_it)
{
    if (!is_pooled()) cr_skip_test("blocks are plain allocations under AddressSanitizer");
    struct mem_block_stats before, after;
    mem_block_stats(&before);
    uint8_t *a = mem_alloc_block(65536);
    uint8_t *b = mem_alloc_block(8192);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    memset(a, 0xEE, 65536);
    mem_block_stats(&after);
    cr_assert_eq(after.blocks_in_use, before.blocks_in_use + 2u);
    cr_assert_eq(after.bytes_in_use, before.bytes_in_use + 65536u + 8192u);
    mem_free_block(a);
    uint8_t *other_size = mem_alloc_block(131072);
    cr_assert_neq(other_size, a, "a block of another size never takes a freed one");
    uint8_t *again = mem_calloc_block(65536);
    cr_assert_eq(again, a, "the freed block comes back first");
    for (size_t i = 0; i < 65536; i++) cr_assert_eq(again[i], 0, "byte %zu not zeroed", i);
    mem_free_block(again);
    mem_free_block(b);
    mem_free_block(other_size);
    mem_block_stats(&after);
    cr_assert_eq(after.blocks_in_use, before.blocks_in_use);
    cr_assert_geq(after.class_count, 3u);
    cr_assert_eq(after.region_bytes % MEM_BLOCK_REGION_BYTES, 0u);
}

Test(alloc_blocks, blocks_go_through_failure_injection_and_refuse_huge_sizes)
{
    uint64_t before = mem_allocation_count();
    mem_fail_after(0);
    cr_assert_null(mem_alloc_block(4096));
    cr_assert_null(mem_calloc_block(4096));
    mem_fail_after(UINT64_MAX);
    void *block = mem_alloc_block(4096);
    cr_assert_not_null(block);
    cr_assert_eq(mem_allocation_count(), before + 1u);
    mem_free_block(block);
    if (is_pooled()) cr_assert_null(mem_alloc_block(MEM_BLOCK_SIZE_MAX + 1u));
}

#define THREADS 4
#define ROUNDS 2000
#define LIVE 32

/* Each thread keeps LIVE blocks stamped with its id and round, frees and reallocates them in
 * turn, and checks its stamps are intact: two threads given one block would overwrite. */
static void *churn(void *argument)
{
    uintptr_t id = (uintptr_t)argument;
    uint64_t *live[LIVE] = {0};
    const size_t size = id % 2 ? 8192 : 24576;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        uint32_t slot = round % LIVE;
        if (live[slot] != NULL) {
            for (size_t w = 0; w < size / 8; w += 97)
                if (live[slot][w] != (id << 32 | (round - LIVE))) return (void *)1;
            mem_free_block(live[slot]);
        }
        live[slot] = mem_alloc_block(size);
        if (live[slot] == NULL) return (void *)2;
        for (size_t w = 0; w < size / 8; w++) live[slot][w] = id << 32 | round;
    }
    for (uint32_t slot = 0; slot < LIVE; slot++) mem_free_block(live[slot]);
    return NULL;
}

Test(alloc_blocks, threads_never_share_a_block)
{
    pthread_t threads[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++) cr_assert_eq(pthread_create(&threads[t], NULL, churn, (void *)t), 0);
    for (int t = 0; t < THREADS; t++) {
        void *result = (void *)3;
        pthread_join(threads[t], &result);
        cr_assert_null(result, "thread %d: %s", t, result == (void *)1 ? "a block was shared" : "no memory");
    }
}
