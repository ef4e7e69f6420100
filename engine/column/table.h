/*
 * A table: the columns of one database snapshot, as the query executor sees them.
 *
 * Columns are loaded lazily: columns[i] is NULL until table_column() asks for attribute i,
 * which calls the loader (storage reads and decodes the chunk blocks). Every loaded column
 * has exactly row_count rows in chunk_count chunks. Queries call table_column() for each
 * attribute they reference before evaluating any chunk, then read columns[] directly.
 */
#ifndef PDB_COLUMN_TABLE_H
#define PDB_COLUMN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/schema.h"
#include "column/column.h"

struct table;
struct value_index;  /* engine/index: the table only holds and releases them */
struct index_bitmap; /* engine/index */

/* Loads attribute `attribute_index` into table->columns[attribute_index]. */
typedef enum pdb_status (*table_load_fn)(struct table *table, uint32_t attribute_index,
                                         struct pdb_error *error);

struct table {
    const struct schema *schema; /* borrowed */
    uint64_t row_count;
    uint32_t chunk_count;
    struct column **columns; /* schema->attribute_count entries, owned; NULL = not loaded */
    table_load_fn load;      /* NULL: every column is already present */
    void *loader_context;
    /* Attachments of higher modules (engine/index types this module only stores):
     *  indexes  per attribute, the value index built from the loaded column on first use
     *           (query/plan.c); NULL array or entry = not built. Derived from the columns,
     *           so table_adopt_columns drops them.
     *  deleted  the tombstoned rows, excluded from every result (set by engine/db);
     *           NULL = none.
     * Both are owned by the table and freed by release_attachments (set by whoever attaches
     * the first one) from table_deinit; release_attachments(table, false) frees the indexes
     * only. */
    struct value_index **indexes;
    struct index_bitmap *deleted;
    void (*release_attachments)(struct table *table, bool with_deleted);
};

/* Rows in chunk `chunk_index` (PDB_CHUNK_ROWS except possibly the last). */
static inline uint32_t table_chunk_row_count(const struct table *table, uint32_t chunk_index)
{
    uint64_t start = (uint64_t)chunk_index * PDB_CHUNK_ROWS;
    uint64_t left = table->row_count - start;
    return left < PDB_CHUNK_ROWS ? (uint32_t)left : PDB_CHUNK_ROWS;
}

/* Initialises an empty table for `schema` (no columns loaded, no loader). 0 or -1. */
int table_init(struct table *table, const struct schema *schema);
/* Frees every column. */
void table_deinit(struct table *table);

/* Returns the loaded column, loading it first if needed. */
enum pdb_status table_column(struct table *table, uint32_t attribute_index,
                             const struct column **column_out, struct pdb_error *error);

/* Builds a fully loaded in-memory table from columns the caller filled (tests, ingest).
 * On success takes ownership of every columns[i] (all non-NULL, equal row counts); on
 * failure (PDB_ERR_USAGE) the caller still owns them. */
enum pdb_status table_adopt_columns(struct table *table, struct column **columns,
                                    struct pdb_error *error);

#endif
