/*
 * Query arena: the bump allocator that owns everything a compiled segment holds.
 *
 * The parser's AST, the bound tree, its leaves and their literals are allocated here and
 * freed together by query_arena_deinit when the segment is destroyed. Blocks are chained;
 * a request larger than the block size gets a block of its own. Allocations are zeroed and
 * 16-byte aligned. Not thread-safe: used only while compiling.
 */
#ifndef PDB_QUERY_ARENA_H
#define PDB_QUERY_ARENA_H

#include <stddef.h>

#define QUERY_ARENA_BLOCK_SIZE (32u * 1024u) /* bytes per ordinary block */

struct query_arena_block;

struct query_arena {
    struct query_arena_block *blocks; /* newest first */
    size_t bytes_allocated;           /* statistics for tests */
};

void query_arena_init(struct query_arena *arena);
void query_arena_deinit(struct query_arena *arena);

/* Zeroed, 16-byte aligned memory owned by the arena; NULL when out of memory. */
void *query_arena_alloc(struct query_arena *arena, size_t size);
/* A copy of data[0..size) followed by a NUL byte; NULL when out of memory. */
char *query_arena_copy(struct query_arena *arena, const void *data, size_t size);

#endif
