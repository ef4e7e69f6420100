/*
 * What the files of the allocation wrapper share (alloc.c, alloc_blocks.c): the failure
 * injection counter's one check, so blocks fail exactly like every other allocation.
 */
#ifndef PDB_BASE_ALLOC_INTERNAL_H
#define PDB_BASE_ALLOC_INTERNAL_H

/* 1 when the next allocation may succeed (and counts it), 0 when mem_fail_after says fail. */
int mem_allocation_allowed(void);

#endif
