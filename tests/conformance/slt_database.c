/*
 * profiledb databases for the tables of one sqllogictest file.
 *
 * All databases of a file live under one mkdtemp directory (/tmp/pdb-slt-XXXXXX), removed by
 * slt_databases_deinit unless PROFILEDB_SLT_KEEP is set. A database is built per distinct
 * table content (struct slt_table.content_id), on first use:
 *   schema<k>.txt  one "<column> <int|float|text>" line per column, in table order
 *   rows<k>.csv    a header naming the columns, then the rows (RFC 4180: text always quoted,
 *                  '"' doubled; numbers as the SQL wrote them; NULL an empty unquoted field)
 *   db<k>/         pdb_db_create + pdb_db_open + pdb_db_ingest_csv
 * and then every value of every row is read back with pdb_profile_get and compared, so the
 * row id -> row mapping the runner relies on (ids in load order) is checked, not assumed.
 */
#include "slt.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

static const char *const column_type_names[] = {
    [SLT_COLUMN_INT] = "int",
    [SLT_COLUMN_FLOAT] = "float",
    [SLT_COLUMN_TEXT] = "text",
};

enum pdb_status slt_databases_init(struct slt_databases *databases, struct pdb_error *error)
{
    memset(databases, 0, sizeof *databases);
    snprintf(databases->root, sizeof databases->root, "/tmp/pdb-slt-XXXXXX");
    if (mkdtemp(databases->root) == NULL) {
        int saved = errno;
        databases->root[0] = '\0';
        return error_set_errno(error, PDB_ERR_IO, saved, "mkdtemp /tmp/pdb-slt-XXXXXX");
    }
    return PDB_OK;
}

static int remove_entry(const char *path, const struct stat *status, int flag, struct FTW *walk)
{
    (void)status;
    (void)flag;
    (void)walk;
    return remove(path);
}

void slt_databases_deinit(struct slt_databases *databases)
{
    for (uint32_t i = 0; i < databases->count; i++)
        pdb_db_close(databases->items[i].db);
    if (databases->root[0] != '\0') {
        if (getenv("PROFILEDB_SLT_KEEP") == NULL)
            nftw(databases->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        else
            fprintf(stderr, "conformance: kept %s\n", databases->root);
    }
    memset(databases, 0, sizeof *databases);
}

/* ---- Files -------------------------------------------------------------------------------- */

static enum pdb_status schema_write(const struct slt_table *table, const char *path,
                                    struct pdb_error *error)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s", path);
    fprintf(file, "# sqllogictest table %s\n", table->name);
    for (uint32_t i = 0; i < table->column_count; i++)
        fprintf(file, "%s %s\n", table->columns[i].name, column_type_names[table->columns[i].type]);
    if (fclose(file) != 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s", path);
    return PDB_OK;
}

static void csv_field_write(FILE *file, const struct slt_value *value)
{
    if (value->kind == SLT_VALUE_NULL) return; /* empty unquoted: NULL */
    if (value->kind != SLT_VALUE_TEXT) {
        fputs(value->text, file);
        return;
    }
    fputc('"', file);
    for (const char *c = value->text; *c; c++) {
        if (*c == '"') fputc('"', file);
        fputc(*c, file);
    }
    fputc('"', file);
}

static enum pdb_status csv_write(const struct slt_table *table, const char *path,
                                 struct pdb_error *error)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s", path);
    for (uint32_t i = 0; i < table->column_count; i++)
        fprintf(file, "%s%s", i ? "," : "", table->columns[i].name);
    fputc('\n', file);
    for (uint32_t row = 0; row < table->row_count; row++) {
        for (uint32_t i = 0; i < table->column_count; i++) {
            if (i > 0) fputc(',', file);
            csv_field_write(file, slt_table_value(table, row, i));
        }
        fputc('\n', file);
    }
    if (fclose(file) != 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s", path);
    return PDB_OK;
}

/* ---- Checking what loaded -------------------------------------------------------------------- */

static bool value_matches(const struct slt_value *expected, const struct pdb_value *actual)
{
    if (expected->kind == SLT_VALUE_NULL || actual->is_null)
        return expected->kind == SLT_VALUE_NULL && actual->is_null;
    switch (expected->kind) {
    case SLT_VALUE_INTEGER:
        return actual->type == PDB_TYPE_INT && actual->int_value == expected->integer;
    case SLT_VALUE_FLOAT:
        return actual->type == PDB_TYPE_FLOAT && actual->float_value == expected->real;
    case SLT_VALUE_TEXT:
        return actual->type == PDB_TYPE_TEXT && actual->string_size == strlen(expected->text) &&
               memcmp(actual->string_data, expected->text, actual->string_size) == 0;
    default:
        return false;
    }
}

static enum pdb_status rows_check(struct pdb_db *db, const struct slt_table *table,
                                  struct pdb_error *error)
{
    if (pdb_db_row_count(db) != table->row_count)
        return error_set(error, PDB_ERR_DATA, "table %s: %llu rows loaded, %u expected",
                         table->name, (unsigned long long)pdb_db_row_count(db), table->row_count);
    for (uint32_t row = 0; row < table->row_count; row++) {
        struct pdb_profile *profile = NULL;
        enum pdb_status status = pdb_profile_get(db, row, &profile, error);
        if (status != PDB_OK) return status;
        for (uint32_t i = 0; i < table->column_count; i++) {
            struct pdb_value value;
            pdb_profile_value(profile, i, &value);
            const struct slt_value *expected = slt_table_value(table, row, i);
            if (!value_matches(expected, &value)) {
                pdb_profile_destroy(profile);
                return error_set(error, PDB_ERR_DATA,
                                 "table %s: row id %u, column %s: expected '%s', read back "
                                 "something else",
                                 table->name, row, table->columns[i].name,
                                 expected->text ? expected->text : "NULL");
            }
        }
        pdb_profile_destroy(profile);
    }
    return PDB_OK;
}

/* ---- Building ---------------------------------------------------------------------------- */

static enum pdb_status database_build(struct slt_databases *databases,
                                      const struct slt_table *table, struct slt_database *out,
                                      struct pdb_error *error)
{
    uint32_t k = databases->count;
    char schema_path[4200], csv_path[4200];
    struct slt_database database = {.content_id = table->content_id};
    snprintf(schema_path, sizeof schema_path, "%s/schema%u.txt", databases->root, k);
    snprintf(csv_path, sizeof csv_path, "%s/rows%u.csv", databases->root, k);
    int written = snprintf(database.path, sizeof database.path, "%s/db%u", databases->root, k);
    if (written < 0 || (size_t)written >= sizeof database.path)
        return error_set(error, PDB_ERR_LIMIT, "database path too long");
    enum pdb_status status = schema_write(table, schema_path, error);
    if (status == PDB_OK) status = csv_write(table, csv_path, error);
    if (status == PDB_OK) status = pdb_db_create(database.path, schema_path, error);
    if (status == PDB_OK) status = pdb_db_open(database.path, &database.db, error);
    if (status != PDB_OK) return status;
    if (table->row_count > 0) {
        struct pdb_ingest_result result;
        memset(&result, 0, sizeof result);
        status = pdb_db_ingest_csv(database.db, csv_path, NULL, &result, error);
        if (status == PDB_OK && result.rows_rejected != 0)
            status =
                error_set(error, PDB_ERR_DATA, "table %s: %llu rows rejected (see %s)", table->name,
                          (unsigned long long)result.rows_rejected, result.rejects_path);
    }
    if (status == PDB_OK) status = rows_check(database.db, table, error);
    if (status != PDB_OK) {
        pdb_db_close(database.db);
        return status;
    }
    *out = database;
    return PDB_OK;
}

enum pdb_status slt_databases_get(struct slt_databases *databases, const struct slt_table *table,
                                  struct pdb_db **db_out, struct pdb_error *error)
{
    for (uint32_t i = 0; i < databases->count; i++) {
        if (databases->items[i].content_id == table->content_id) {
            *db_out = databases->items[i].db;
            return PDB_OK;
        }
    }
    if (databases->count == SLT_TABLES_MAX)
        return error_set(error, PDB_ERR_LIMIT, "more than %u table contents in one file",
                         SLT_TABLES_MAX);
    struct slt_database database;
    enum pdb_status status = database_build(databases, table, &database, error);
    if (status != PDB_OK) {
        error_prefix(error, "building the database of table %s: ", table->name);
        return status;
    }
    databases->items[databases->count++] = database;
    *db_out = database.db;
    return PDB_OK;
}
