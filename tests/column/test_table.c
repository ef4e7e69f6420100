/*
 * Tests for column/table.c: adopting in-memory columns, chunk row counts at the chunk
 * boundary, lazy loading through the loader callback, and the error cases (index out of
 * range, no loader, unequal row counts, a failing loader).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/status.h"
#include "column/table.h"

static struct schema two_attribute_schema(void)
{
    struct schema schema = {0};
    const char *text = "age int\nname text\n";
    cr_assert_eq(schema_parse(text, strlen(text), "t", &schema, NULL), PDB_OK);
    return schema;
}

static struct column *int_column(const struct schema *schema, uint32_t attribute, uint64_t rows)
{
    struct column *column = column_create(&schema->attributes[attribute]);
    cr_assert_not_null(column);
    for (uint64_t i = 0; i < rows; i++)
        cr_assert_eq(column_append_int(column, (int64_t)i, NULL), PDB_OK);
    return column;
}

static struct column *text_column(const struct schema *schema, uint32_t attribute, uint64_t rows)
{
    struct column *column = column_create(&schema->attributes[attribute]);
    cr_assert_not_null(column);
    for (uint64_t i = 0; i < rows; i++)
        cr_assert_eq(column_append_string(column, "x", 1, NULL), PDB_OK);
    return column;
}

Test(table, adopts_columns_and_counts_chunks)
{
    struct schema schema = two_attribute_schema();
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    uint64_t rows = PDB_CHUNK_ROWS + 5;
    struct column *columns[2] = {int_column(&schema, 0, rows), text_column(&schema, 1, rows)};
    cr_assert_eq(table_adopt_columns(&table, columns, NULL), PDB_OK);
    cr_assert_eq(table.row_count, rows);
    cr_assert_eq(table.chunk_count, 2u);
    cr_assert_eq(table_chunk_row_count(&table, 0), PDB_CHUNK_ROWS);
    cr_assert_eq(table_chunk_row_count(&table, 1), 5u);
    const struct column *column = NULL;
    cr_assert_eq(table_column(&table, 1, &column, NULL), PDB_OK);
    cr_assert_eq(column, columns[1]);
    table_deinit(&table);
    table_deinit(&table); /* idempotent */
    schema_deinit(&schema);
}

Test(table, chunk_count_at_the_exact_boundary)
{
    struct schema schema = two_attribute_schema();
    uint64_t sizes[] = {0, 1, PDB_CHUNK_ROWS, PDB_CHUNK_ROWS + 1};
    uint32_t chunks[] = {0, 1, 1, 2};
    for (int i = 0; i < 4; i++) {
        struct table table;
        cr_assert_eq(table_init(&table, &schema), 0);
        struct column *columns[2] = {int_column(&schema, 0, sizes[i]),
                                     text_column(&schema, 1, sizes[i])};
        cr_assert_eq(table_adopt_columns(&table, columns, NULL), PDB_OK);
        cr_assert_eq(table.chunk_count, chunks[i], "rows %llu", (unsigned long long)sizes[i]);
        if (chunks[i]) {
            uint32_t last = table_chunk_row_count(&table, chunks[i] - 1);
            cr_assert_eq(last, sizes[i] == PDB_CHUNK_ROWS ? PDB_CHUNK_ROWS
                                                          : (uint32_t)(sizes[i] % PDB_CHUNK_ROWS));
        }
        table_deinit(&table);
    }
    schema_deinit(&schema);
}

Test(table, rejects_unequal_row_counts_without_taking_the_columns)
{
    struct schema schema = two_attribute_schema();
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    struct column *columns[2] = {int_column(&schema, 0, 3), text_column(&schema, 1, 4)};
    struct pdb_error error = {0};
    cr_assert_eq(table_adopt_columns(&table, columns, &error), PDB_ERR_USAGE);
    cr_assert_eq(table.row_count, 0u);
    cr_assert_null(table.columns[0]);
    column_destroy(columns[0]);
    column_destroy(columns[1]);
    struct column *with_null[2] = {int_column(&schema, 0, 3), NULL};
    cr_assert_eq(table_adopt_columns(&table, with_null, &error), PDB_ERR_USAGE);
    column_destroy(with_null[0]);
    table_deinit(&table);
    schema_deinit(&schema);
}

Test(table, column_out_of_range_and_unloaded)
{
    struct schema schema = two_attribute_schema();
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    const struct column *column = (const struct column *)&table; /* sentinel */
    struct pdb_error error = {0};
    cr_assert_eq(table_column(&table, 2, &column, &error), PDB_ERR_USAGE);
    cr_assert_eq(table_column(&table, 0, &column, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, "'age'") != NULL, "%s", error.message);
    cr_assert_eq(column, (const struct column *)&table, "out-parameter untouched");
    table_deinit(&table);
    schema_deinit(&schema);
}

static int load_calls;

static enum pdb_status load_int_column(struct table *table, uint32_t attribute_index,
                                       struct pdb_error *error)
{
    load_calls++;
    if (attribute_index == 1) return error_set(error, PDB_ERR_CORRUPT, "chunk file is broken");
    table->columns[attribute_index] = int_column(table->schema, attribute_index, table->row_count);
    return PDB_OK;
}

Test(table, loads_columns_lazily_once)
{
    struct schema schema = two_attribute_schema();
    struct table table;
    cr_assert_eq(table_init(&table, &schema), 0);
    table.load = load_int_column;
    table.row_count = 10;
    table.chunk_count = 1;
    load_calls = 0;
    const struct column *column = NULL;
    cr_assert_eq(table_column(&table, 0, &column, NULL), PDB_OK);
    cr_assert_not_null(column);
    cr_assert_eq(column_row_count(column), 10u);
    const struct column *again = NULL;
    cr_assert_eq(table_column(&table, 0, &again, NULL), PDB_OK);
    cr_assert_eq(again, column);
    cr_assert_eq(load_calls, 1, "a loaded column is not loaded again");
    struct pdb_error error = {0};
    const struct column *failed = (const struct column *)&table;
    cr_assert_eq(table_column(&table, 1, &failed, &error), PDB_ERR_CORRUPT);
    cr_assert_str_eq(error.message, "chunk file is broken");
    cr_assert_eq(failed, (const struct column *)&table);
    table_deinit(&table);
    schema_deinit(&schema);
}
