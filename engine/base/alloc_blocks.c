/*
 * Blocks: the fixed-size arrays of column chunks (null bitmaps, lanes, floats, offsets), on
 * transparent huge pages (alloc.h, mem_alloc_block).
 *
 * Why: a GET reads one or two cache lines from each attribute's chunk arrays, and a scan
 * streams them. From malloc every such array sits on its own 4 KiB pages, so a GET of a row
 * nothing touched recently pays a TLB miss (a page walk) per attribute on top of the cache
 * miss. Here the arrays of one size are carved from regions of BLOCK_REGION_BYTES that are
 * aligned to their size and advised MADV_HUGEPAGE: 1,000,000 profiles' lanes fit in a few
 * dozen 2 MiB pages, which the TLB holds.
 *
 * Layout. A region serves one block size (a "class": the sizes in use are few and exact, so
 * nothing is rounded): a 64-byte header at its base (magic and class), then blocks back to
 * back, 64-byte aligned. Because regions are aligned to their size, mem_free_block finds a
 * block's region, hence its class, by masking the pointer. A freed block goes on its class's
 * free list (its first 8 bytes link it) and is handed out again before any new block is cut;
 * regions are never unmapped, so memory freed here is reused for blocks of the same size but
 * not returned to the system.
 *
 * Threads: one mutex per class (column decoding allocates on every pool thread); the class
 * table only grows, under its own mutex, and is read without it through an atomic count.
 * Under AddressSanitizer blocks are plain aligned allocations (the size in a 64-byte prefix,
 * for the counts of mem_block_stats), so ASan checks their bounds and leaks.
 */
#include "base/alloc.h"
#include "base/alloc_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define BLOCKS_FROM_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLOCKS_FROM_MALLOC 1
#endif
#endif

#define BLOCK_HEADER_BYTES 64u
#define BLOCK_MAGIC 0x50444242u /* "PDBB" */
#define BLOCK_CLASSES_MAX 32u

#ifndef BLOCKS_FROM_MALLOC
struct block_region_header {
    uint32_t magic;
    uint32_t class_index;
};

struct block_class {
    _Atomic size_t size;
    pthread_mutex_t mutex;
    void *free_list;            /* freed blocks, linked through their first 8 bytes */
    uint8_t *cut, *cut_end;     /* the part of the newest region no block was cut from */
    uint64_t regions, blocks_in_use;
};

static struct block_class classes[BLOCK_CLASSES_MAX];
static _Atomic uint32_t class_count;
static pthread_mutex_t classes_mutex = PTHREAD_MUTEX_INITIALIZER;

static size_t round_up(size_t value, size_t to)
{
    return (value + to - 1u) & ~(to - 1u);
}

/* The class of blocks of `size` bytes, made when new; NULL when the table is full. */
static struct block_class *class_of(size_t size)
{
    uint32_t count = atomic_load_explicit(&class_count, memory_order_acquire);
    for (uint32_t c = 0; c < count; c++)
        if (atomic_load_explicit(&classes[c].size, memory_order_relaxed) == size) return &classes[c];
    pthread_mutex_lock(&classes_mutex);
    struct block_class *found = NULL;
    count = atomic_load_explicit(&class_count, memory_order_relaxed);
    for (uint32_t c = 0; c < count && found == NULL; c++)
        if (atomic_load_explicit(&classes[c].size, memory_order_relaxed) == size) found = &classes[c];
    if (found == NULL && count < BLOCK_CLASSES_MAX) {
        found = &classes[count];
        pthread_mutex_init(&found->mutex, NULL);
        atomic_store_explicit(&found->size, size, memory_order_relaxed);
        atomic_store_explicit(&class_count, count + 1u, memory_order_release);
    }
    pthread_mutex_unlock(&classes_mutex);
    return found;
}

/* Maps a new region for `class` (mutex held); false when the system has no memory. */
static bool class_add_region(struct block_class *class)
{
    size_t size = MEM_BLOCK_REGION_BYTES;
    uint8_t *mapped = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return false;
    uint8_t *base = (uint8_t *)round_up((uintptr_t)mapped, size);
    if (base > mapped) munmap(mapped, (size_t)(base - mapped));
    uint8_t *end = mapped + 2 * size;
    if (end > base + size) munmap(base + size, (size_t)(end - (base + size)));
#ifdef MADV_HUGEPAGE
    (void)madvise(base, size, MADV_HUGEPAGE); /* advice only: 4 KiB pages are correct too */
#endif
    struct block_region_header *header = (struct block_region_header *)base;
    header->magic = BLOCK_MAGIC;
    header->class_index = (uint32_t)(class - classes);
    class->cut = base + BLOCK_HEADER_BYTES;
    class->cut_end = base + size;
    class->regions++;
    return true;
}

#endif

#ifdef BLOCKS_FROM_MALLOC
/* Under ASan: an aligned allocation with the block's size in a 64-byte prefix, counted. */
static _Atomic uint64_t malloc_blocks, malloc_block_bytes;
#endif

void *mem_alloc_block(size_t size)
{
#ifdef BLOCKS_FROM_MALLOC
    if (size > MEM_BLOCK_SIZE_MAX) return NULL;
    uint8_t *prefix = mem_alloc_aligned(64, BLOCK_HEADER_BYTES + size);
    if (prefix == NULL) return NULL;
    memcpy(prefix, &size, sizeof size);
    atomic_fetch_add(&malloc_blocks, 1);
    atomic_fetch_add(&malloc_block_bytes, size);
    return prefix + BLOCK_HEADER_BYTES;
#else
    if (size > MEM_BLOCK_SIZE_MAX) return NULL;
    if (!mem_allocation_allowed()) return NULL;
    size = round_up(size == 0 ? 1u : size, 64u);
    struct block_class *class = class_of(size);
    if (class == NULL) return NULL;
    pthread_mutex_lock(&class->mutex);
    void *block = class->free_list;
    if (block != NULL) {
        memcpy(&class->free_list, block, sizeof(void *));
    } else if ((size_t)(class->cut_end - class->cut) >= size || class_add_region(class)) {
        block = class->cut;
        class->cut += size;
    }
    if (block != NULL) class->blocks_in_use++;
    pthread_mutex_unlock(&class->mutex);
    return block;
#endif
}

void *mem_calloc_block(size_t size)
{
    void *block = mem_alloc_block(size);
    if (block != NULL) memset(block, 0, size);
    return block;
}

void mem_free_block(void *pointer)
{
    if (pointer == NULL) return;
#ifdef BLOCKS_FROM_MALLOC
    uint8_t *prefix = (uint8_t *)pointer - BLOCK_HEADER_BYTES;
    size_t size;
    memcpy(&size, prefix, sizeof size);
    atomic_fetch_sub(&malloc_blocks, 1);
    atomic_fetch_sub(&malloc_block_bytes, size);
    mem_free(prefix);
#else
    const struct block_region_header *header =
        (const struct block_region_header *)((uintptr_t)pointer & ~(uintptr_t)(MEM_BLOCK_REGION_BYTES - 1u));
    struct block_class *class = &classes[header->class_index];
    pthread_mutex_lock(&class->mutex);
    memcpy(pointer, &class->free_list, sizeof(void *));
    class->free_list = pointer;
    class->blocks_in_use--;
    pthread_mutex_unlock(&class->mutex);
#endif
}

void mem_block_stats(struct mem_block_stats *stats)
{
    memset(stats, 0, sizeof *stats);
#ifdef BLOCKS_FROM_MALLOC
    stats->blocks_in_use = atomic_load(&malloc_blocks);
    stats->bytes_in_use = atomic_load(&malloc_block_bytes);
#else
    uint32_t count = atomic_load_explicit(&class_count, memory_order_acquire);
    for (uint32_t c = 0; c < count; c++) {
        struct block_class *class = &classes[c];
        pthread_mutex_lock(&class->mutex);
        stats->region_bytes += class->regions * MEM_BLOCK_REGION_BYTES;
        stats->bytes_in_use += class->blocks_in_use * atomic_load_explicit(&class->size, memory_order_relaxed);
        stats->blocks_in_use += class->blocks_in_use;
        pthread_mutex_unlock(&class->mutex);
    }
    stats->class_count = count;
#endif
}
