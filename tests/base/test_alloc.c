/*
 * Tests for base/alloc.c's mem_alloc_huge_pages: big sizes come 2 MiB-aligned and writable to
 * their last byte, small ones are plain allocations, and both count as allocations that
 * failure injection (mem_fail_after) can refuse.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"

Test(alloc, huge_pages_are_aligned_and_whole)
{
    size_t size = MEM_HUGE_PAGE_SIZE_BYTES * 3u + 8u;
    uint8_t *data = mem_alloc_huge_pages(size);
    cr_assert_not_null(data);
    cr_assert_eq((uintptr_t)data % MEM_HUGE_PAGE_SIZE_BYTES, 0u);
    memset(data, 0xA5, size);
    cr_assert_eq(data[size - 1u], 0xA5);
    mem_free(data);
    uint8_t *small = mem_alloc_huge_pages(4096);
    cr_assert_not_null(small);
    memset(small, 1, 4096);
    mem_free(small);
}

Test(alloc, huge_pages_go_through_failure_injection)
{
    uint64_t before = mem_allocation_count();
    mem_fail_after(0);
    void *big = mem_alloc_huge_pages(MEM_HUGE_PAGE_SIZE_BYTES * 2u);
    void *small = mem_alloc_huge_pages(64);
    mem_fail_after(UINT64_MAX);
    cr_assert_null(big);
    cr_assert_null(small);
    cr_assert_null(mem_alloc_huge_pages(SIZE_MAX - 1u), "a size that cannot be rounded up");
    void *counted = mem_alloc_huge_pages(MEM_HUGE_PAGE_SIZE_BYTES);
    cr_assert_not_null(counted);
    cr_assert_gt(mem_allocation_count(), before);
    mem_free(counted);
}
