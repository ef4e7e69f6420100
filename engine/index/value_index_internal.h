/*
 * What the value index files share and nobody else uses: the allocation of an empty index,
 * used by the builder (value_index.c) and the deserialiser (value_index_serialize.c).
 */
#ifndef PDB_INDEX_VALUE_INDEX_INTERNAL_H
#define PDB_INDEX_VALUE_INDEX_INTERNAL_H

#include "index/value_index.h"

/* An index of `row_count` rows whose bitmap_count bitmaps are all empty (NULL), no nulls.
 * Owned by the caller (value_index_destroy). PDB_ERR_NO_MEMORY on failure. */
enum pdb_status value_index_allocate(enum pdb_type type, uint32_t bitmap_count, uint64_t row_count,
                                     struct value_index **index_out, struct pdb_error *error);

#endif
