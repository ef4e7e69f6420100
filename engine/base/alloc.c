/*
 * Allocation wrapper with a failure-injection counter for tests (see alloc.h).
 * The counters are process-wide atomics so that worker threads may allocate.
 */
#include "base/alloc.h"
#include "base/alloc_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static _Atomic uint64_t allocation_count;
static _Atomic uint64_t allocations_before_failure = UINT64_MAX;

int mem_allocation_allowed(void)
{
    uint64_t left = atomic_load_explicit(&allocations_before_failure, memory_order_relaxed);
    if (left != UINT64_MAX) {
        if (left == 0) return 0;
        atomic_fetch_sub_explicit(&allocations_before_failure, 1, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&allocation_count, 1, memory_order_relaxed);
    return 1;
}

void *mem_alloc(size_t size)
{
    if (!mem_allocation_allowed()) return NULL;
    return malloc(size == 0 ? 1 : size);
}

void *mem_calloc(size_t count, size_t size)
{
    if (!mem_allocation_allowed()) return NULL;
    if (count == 0 || size == 0) return calloc(1, 1);
    return calloc(count, size);
}

void *mem_realloc(void *pointer, size_t size)
{
    if (!mem_allocation_allowed()) return NULL;
    return realloc(pointer, size == 0 ? 1 : size);
}

void *mem_alloc_aligned(size_t alignment, size_t size)
{
    if (!mem_allocation_allowed()) return NULL;
    void *pointer = NULL;
    if (posix_memalign(&pointer, alignment, size == 0 ? alignment : size) != 0) return NULL;
    return pointer;
}

void *mem_alloc_huge_pages(size_t size)
{
    if (size < MEM_HUGE_PAGE_SIZE_BYTES) return mem_alloc(size);
    if (size > SIZE_MAX - MEM_HUGE_PAGE_SIZE_BYTES) return NULL;
    size_t rounded = (size + MEM_HUGE_PAGE_SIZE_BYTES - 1u) & ~(MEM_HUGE_PAGE_SIZE_BYTES - 1u);
    void *pointer = mem_alloc_aligned(MEM_HUGE_PAGE_SIZE_BYTES, rounded);
    if (pointer == NULL) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(pointer, rounded, MADV_HUGEPAGE); /* advice only: 4 KiB pages are correct too */
#endif
    return pointer;
}

char *mem_strndup(const char *text, size_t size)
{
    char *copy = mem_alloc(size + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, text, size);
    copy[size] = '\0';
    return copy;
}

char *mem_strdup(const char *text)
{
    return mem_strndup(text, strlen(text));
}

void mem_free(void *pointer)
{
    free(pointer);
}

int mem_grow(void **array, size_t *capacity, size_t needed, size_t element_size)
{
    if (needed <= *capacity) return 0;
    size_t next = *capacity < 16 ? 16 : *capacity;
    while (next < needed) {
        if (next > SIZE_MAX / 2) return -1;
        next *= 2;
    }
    if (next > SIZE_MAX / element_size) return -1;
    void *grown = mem_realloc(*array, next * element_size);
    if (grown == NULL) return -1;
    *array = grown;
    *capacity = next;
    return 0;
}

void mem_fail_after(uint64_t count)
{
    atomic_store(&allocations_before_failure, count);
}

uint64_t mem_allocation_count(void)
{
    return atomic_load(&allocation_count);
}
