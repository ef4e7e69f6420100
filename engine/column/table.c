/*
 * Table of lazily loaded columns (see table.h).
 */
#include "column/table.h"

#include <string.h>

#include "base/alloc.h"
#include "base/status.h"

int table_init(struct table *table, const struct schema *schema)
{
    memset(table, 0, sizeof *table);
    table->schema = schema;
    table->columns = mem_calloc(schema->attribute_count, sizeof *table->columns);
    return table->columns == NULL ? -1 : 0;
}

void table_deinit(struct table *table)
{
    if (table->release_attachments != NULL) table->release_attachments(table, true);
    table->release_attachments = NULL;
    if (table->columns != NULL) {
        for (uint32_t i = 0; i < table->schema->attribute_count; i++)
            column_destroy(table->columns[i]);
        mem_free(table->columns);
    }
    table->columns = NULL;
}

enum pdb_status table_column(struct table *table, uint32_t attribute_index,
                             const struct column **column_out, struct pdb_error *error)
{
    if (attribute_index >= table->schema->attribute_count) {
        return error_set(error, PDB_ERR_USAGE, "attribute index %u out of range",
                         attribute_index);
    }
    if (table->columns[attribute_index] == NULL) {
        if (table->load == NULL) {
            return error_set(error, PDB_ERR_NOT_FOUND, "column '%s' is not loaded",
                             table->schema->attributes[attribute_index].name);
        }
        enum pdb_status status = table->load(table, attribute_index, error);
        if (status != PDB_OK) return status;
    }
    *column_out = table->columns[attribute_index];
    return PDB_OK;
}

enum pdb_status table_adopt_columns(struct table *table, struct column **columns,
                                    struct pdb_error *error)
{
    uint32_t count = table->schema->attribute_count;
    uint64_t rows = count ? column_row_count(columns[0]) : 0;
    for (uint32_t i = 0; i < count; i++) {
        if (columns[i] == NULL || column_row_count(columns[i]) != rows) {
            return error_set(error, PDB_ERR_USAGE, "columns have different row counts");
        }
    }
    if (table->release_attachments != NULL) table->release_attachments(table, false);
    for (uint32_t i = 0; i < count; i++) {
        column_destroy(table->columns[i]);
        table->columns[i] = columns[i];
    }
    table->row_count = rows;
    table->chunk_count = (uint32_t)((rows + PDB_CHUNK_ROWS - 1) / PDB_CHUNK_ROWS);
    return PDB_OK;
}
