/*
 * What engine/index attaches to a table (column/table.h): the value index of each indexed
 * category/tags column, built from the loaded column the first time a query asks for it and
 * kept for the table's life (extended to rows appended since, kept true by a writer that
 * changes rows in place: db/db_stream_update.c), and the tombstone set.
 *
 * Ownership: both are owned by the table and freed by index_table_release, which the first
 * attach installs as table->release_attachments. Not thread-safe: attach from the thread
 * that prepares queries, before evaluation starts (evaluation only reads them).
 */
#ifndef PDB_INDEX_INDEX_TABLE_H
#define PDB_INDEX_INDEX_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "column/table.h"
#include "index/index_bitmap.h"
#include "index/value_index.h"

/* The value index of loaded column `attribute_index` (category or tags), built on the first
 * call and cached; borrowed until the table's columns change or it is deinitialised.
 * Errors: those of value_index_build, PDB_ERR_NO_MEMORY. */
enum pdb_status index_table_value_index(struct table *table, uint32_t attribute_index,
                                        const struct value_index **index_out,
                                        struct pdb_error *error);

/* The cached index if one is built (NULL otherwise); never builds. */
const struct value_index *index_table_cached(const struct table *table, uint32_t attribute_index);

/* For a writer that changes the column in place: the cached index (NULL if none is built),
 * first extended to rows appended since, for value_index_update_row. The writer calls
 * index_table_forget when it cannot keep the index true (out of memory). */
struct value_index *index_table_maintained(struct table *table, uint32_t attribute_index);
/* Destroys the cached index of one attribute (rebuilt on its next use). */
void index_table_forget(struct table *table, uint32_t attribute_index);

/* Replaces the table's tombstone set with `deleted` (taken; NULL = none), destroying the
 * previous one. Never fails (used after a commit point). */
void index_table_set_deleted(struct table *table, struct index_bitmap *deleted);

/* table->release_attachments: frees the indexes, and the tombstones when with_deleted. */
void index_table_release(struct table *table, bool with_deleted);

#endif
