/*
 * Query arena (see arena.h): chained blocks, bump allocation, one free for everything.
 */
#include "query/arena.h"

#include <stdint.h>
#include <string.h>

#include "base/alloc.h"

struct query_arena_block {
    struct query_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
};

void query_arena_init(struct query_arena *arena)
{
    arena->blocks = NULL;
    arena->bytes_allocated = 0;
}

void query_arena_deinit(struct query_arena *arena)
{
    struct query_arena_block *block = arena->blocks;
    while (block != NULL) {
        struct query_arena_block *next = block->next;
        mem_free(block);
        block = next;
    }
    arena->blocks = NULL;
    arena->bytes_allocated = 0;
}

void *query_arena_alloc(struct query_arena *arena, size_t size)
{
    size_t rounded = (size + 15u) & ~(size_t)15u;
    if (rounded < size) return NULL; /* overflow */
    struct query_arena_block *block = arena->blocks;
    if (block == NULL || block->size - block->used < rounded) {
        size_t capacity = rounded > QUERY_ARENA_BLOCK_SIZE ? rounded : QUERY_ARENA_BLOCK_SIZE;
        if (capacity > SIZE_MAX - sizeof *block) return NULL;
        struct query_arena_block *fresh = mem_alloc(sizeof *fresh + capacity);
        if (fresh == NULL) return NULL;
        fresh->size = capacity;
        fresh->used = 0;
        if (block != NULL && rounded > QUERY_ARENA_BLOCK_SIZE) {
            /* A large request: keep bump-allocating from the current block afterwards. */
            fresh->next = block->next;
            block->next = fresh;
        } else {
            fresh->next = block;
            arena->blocks = fresh;
        }
        block = fresh;
    }
    void *result = block->data + block->used;
    block->used += rounded;
    arena->bytes_allocated += rounded;
    memset(result, 0, rounded);
    return result;
}

char *query_arena_copy(struct query_arena *arena, const void *data, size_t size)
{
    if (size == SIZE_MAX) return NULL;
    char *copy = query_arena_alloc(arena, size + 1);
    if (copy == NULL) return NULL;
    if (size) memcpy(copy, data, size);
    copy[size] = '\0';
    return copy;
}
