/*
 * Value indexes and tombstones attached to a table (index_table.h). The index array is
 * allocated on the first attach, one slot per schema attribute.
 */
#include "index/index_table.h"

#include "base/alloc.h"
#include "base/status.h"

static int ensure_indexes(struct table *table)
{
    table->release_attachments = index_table_release;
    if (table->indexes != NULL) return 0;
    uint32_t count = table->schema->attribute_count;
    table->indexes = mem_calloc(count ? count : 1, sizeof *table->indexes);
    return table->indexes == NULL ? -1 : 0;
}

enum pdb_status index_table_value_index(struct table *table, uint32_t attribute_index,
                                        const struct value_index **index_out,
                                        struct pdb_error *error)
{
    const struct column *column = table->columns[attribute_index];
    if (column == NULL)
        return error_set(error, PDB_ERR_USAGE, "indexing attribute %u: column not loaded",
                         attribute_index);
    if (ensure_indexes(table) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory indexing '%s'",
                         column->attribute.name);
    struct value_index *index = table->indexes[attribute_index];
    if (index != NULL && index->row_count != column_row_count(column)) {
        bool is_extended = index->row_count < column_row_count(column) &&
                           value_index_extend(index, column, NULL) == PDB_OK;
        if (!is_extended) { /* out of memory extending (or fewer rows): rebuild */
            value_index_destroy(index);
            table->indexes[attribute_index] = index = NULL;
        }
    }
    if (index == NULL) {
        enum pdb_status status = value_index_build(column, &index, error);
        if (status != PDB_OK) return status;
        table->indexes[attribute_index] = index;
    }
    *index_out = index;
    return PDB_OK;
}

const struct value_index *index_table_cached(const struct table *table, uint32_t attribute_index)
{
    return table->indexes != NULL ? table->indexes[attribute_index] : NULL;
}

struct value_index *index_table_maintained(struct table *table, uint32_t attribute_index)
{
    struct value_index *index = table->indexes != NULL ? table->indexes[attribute_index] : NULL;
    const struct column *column = table->columns[attribute_index];
    if (index == NULL || column == NULL) return NULL;
    if (index->row_count < column_row_count(column) &&
        value_index_extend(index, column, NULL) != PDB_OK) {
        index_table_forget(table, attribute_index);
        return NULL;
    }
    return index;
}

void index_table_forget(struct table *table, uint32_t attribute_index)
{
    if (table->indexes == NULL) return;
    value_index_destroy(table->indexes[attribute_index]);
    table->indexes[attribute_index] = NULL;
}

void index_table_set_deleted(struct table *table, struct index_bitmap *deleted)
{
    table->release_attachments = index_table_release;
    index_bitmap_destroy(table->deleted);
    table->deleted = deleted;
}

void index_table_release(struct table *table, bool with_deleted)
{
    if (table->indexes != NULL) {
        for (uint32_t i = 0; i < table->schema->attribute_count; i++)
            value_index_destroy(table->indexes[i]);
        mem_free(table->indexes);
        table->indexes = NULL;
    }
    if (with_deleted) {
        index_bitmap_destroy(table->deleted);
        table->deleted = NULL;
    }
}
