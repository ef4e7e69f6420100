/*
 * The one allocation wrapper. Every heap allocation in the engine goes through mem_*, so
 * tests can count allocations and make the Nth one fail (mem_fail_after). Functions return
 * NULL on failure like their libc twins; callers turn that into PDB_ERR_NO_MEMORY.
 */
#ifndef PDB_BASE_ALLOC_H
#define PDB_BASE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *pointer, size_t size);
/* Aligned to `alignment` (a power of two >= sizeof(void*)); free with mem_free. */
void *mem_alloc_aligned(size_t alignment, size_t size);
/* For a big, long-lived, randomly probed array (a hash table): from `size` of
 * MEM_HUGE_PAGE_SIZE_BYTES up, 2 MiB-aligned, rounded up to whole 2 MiB pages and advised
 * MADV_HUGEPAGE (transparent huge pages in `madvise` mode), so a probe costs no 4 KiB TLB
 * miss; smaller sizes are a plain mem_alloc. Free with mem_free. */
#define MEM_HUGE_PAGE_SIZE_BYTES ((size_t)2 << 20)
void *mem_alloc_huge_pages(size_t size);
/* Blocks (alloc_blocks.c): for the fixed-size arrays of column chunks. 64-byte aligned, from
 * regions of MEM_BLOCK_REGION_BYTES on transparent huge pages that serve one size each;
 * `size` at most MEM_BLOCK_SIZE_MAX. Free only with mem_free_block (never mem_free), which
 * keeps the memory for the next block of that size. mem_calloc_block zeroes. Under
 * AddressSanitizer they are plain aligned allocations (so ASan checks their bounds and leaks;
 * mem_block_stats then counts blocks and bytes in use, not regions or classes). */
#define MEM_BLOCK_REGION_BYTES ((size_t)32 << 20)
#define MEM_BLOCK_SIZE_MAX ((size_t)4 << 20)
void *mem_alloc_block(size_t size);
void *mem_calloc_block(size_t size);
void mem_free_block(void *pointer); /* NULL accepted */

struct mem_block_stats {
    uint64_t region_bytes;  /* mapped for blocks */
    uint64_t bytes_in_use;  /* in blocks not freed */
    uint64_t blocks_in_use;
    uint32_t class_count;   /* distinct block sizes */
};
void mem_block_stats(struct mem_block_stats *stats);

char *mem_strdup(const char *text);
char *mem_strndup(const char *text, size_t size);
void mem_free(void *pointer);

/* Grows *array (of element_size bytes each) to hold at least `needed` elements, doubling.
 * Returns 0 on success, -1 when out of memory (the array is then unchanged). */
int mem_grow(void **array, size_t *capacity, size_t needed, size_t element_size);

/* Test hooks: after `count` more successful allocations, every allocation fails until
 * mem_fail_after(UINT64_MAX) is called. */
void mem_fail_after(uint64_t count);
uint64_t mem_allocation_count(void);

#endif
