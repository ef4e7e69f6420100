/*
 * The tables of one sqllogictest file, as the harness models them.
 *
 * `statement ok` SQL is applied here: CREATE TABLE (column types by SQLite's affinity rules:
 * INT -> int, CHAR/CLOB/TEXT -> text, REAL/FLOA/DOUB -> float; others are not modelled),
 * CREATE [UNIQUE] INDEX (no effect on results, counted and ignored), INSERT INTO t [(cols)]
 * VALUES (...), ... and INSERT INTO t SELECT * FROM s. Values are converted as SQLite's column
 * affinity would (an integral float into an int column becomes an integer, an integer into a
 * float column a float); a conversion the harness does not model is an error, as is any other
 * statement, so a file is never run against tables that differ from the reference's.
 *
 * content_id: tables with the same id hold identical columns and rows, so one profiledb
 * database serves them all (slt_database.c). Every change gives a table a fresh id, except
 * INSERT ... SELECT * into an empty table with the same columns, which copies the source's.
 */
#include "slt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/status.h"

/* ---- Lookup ------------------------------------------------------------------------------- */

void slt_tables_init(struct slt_tables *tables)
{
    memset(tables, 0, sizeof *tables);
}

static void table_destroy(struct slt_table *table)
{
    if (table == NULL) return;
    size_t value_count = (size_t)table->row_count * table->column_count;
    for (size_t i = 0; i < value_count; i++)
        mem_free(table->values[i].text);
    mem_free(table->values);
    mem_free(table);
}

void slt_tables_deinit(struct slt_tables *tables)
{
    for (uint32_t i = 0; i < tables->count; i++)
        table_destroy(tables->items[i]);
    memset(tables, 0, sizeof *tables);
}

struct slt_table *slt_tables_find(const struct slt_tables *tables, const char *name,
                                  size_t name_size)
{
    for (uint32_t i = 0; i < tables->count; i++)
        if (strlen(tables->items[i]->name) == name_size &&
            strncasecmp(tables->items[i]->name, name, name_size) == 0)
            return tables->items[i];
    return NULL;
}

int slt_table_column_find(const struct slt_table *table, const char *name, size_t name_size)
{
    for (uint32_t i = 0; i < table->column_count; i++)
        if (strlen(table->columns[i].name) == name_size &&
            strncasecmp(table->columns[i].name, name, name_size) == 0)
            return (int)i;
    return -1;
}

const struct slt_value *slt_table_value(const struct slt_table *table, uint32_t row_index,
                                        uint32_t column_index)
{
    return &table->values[(size_t)row_index * table->column_count + column_index];
}

/* ---- Statement helpers ---------------------------------------------------------------------- */

struct statement {
    const struct slt_tokens *tokens;
    size_t position;
    const char *sql;
    struct pdb_error *error;
};

static const struct slt_token *statement_peek(const struct statement *statement)
{
    return &statement->tokens->items[statement->position];
}

static const struct slt_token *statement_next(struct statement *statement)
{
    const struct slt_token *token = statement_peek(statement);
    if (token->kind != SLT_TOKEN_END) statement->position++;
    return token;
}

static bool is_operator(const struct slt_token *token, char c)
{
    return token->kind == SLT_TOKEN_OPERATOR && token->size == 1 && token->text[0] == c;
}

static enum pdb_status statement_fail(struct statement *statement, const char *why)
{
    const struct slt_token *token = statement_peek(statement);
    return error_set(statement->error, PDB_ERR_DATA, "%s at offset %u of: %.200s", why,
                     token->offset, statement->sql);
}

static enum pdb_status statement_expect(struct statement *statement, const char *word)
{
    if (!slt_token_is(statement_peek(statement), word)) {
        char why[64];
        snprintf(why, sizeof why, "expected %s", word);
        return statement_fail(statement, why);
    }
    statement_next(statement);
    return PDB_OK;
}

static enum pdb_status statement_expect_operator(struct statement *statement, char c)
{
    if (!is_operator(statement_peek(statement), c)) {
        char why[32];
        snprintf(why, sizeof why, "expected '%c'", c);
        return statement_fail(statement, why);
    }
    statement_next(statement);
    return PDB_OK;
}

/* Copies a name token, lower-cased. */
static enum pdb_status name_copy(struct statement *statement, char name[SLT_NAME_SIZE_MAX + 1])
{
    const struct slt_token *token = statement_peek(statement);
    if (token->kind != SLT_TOKEN_IDENT) return statement_fail(statement, "expected a name");
    if (token->size == 0 || token->size > SLT_NAME_SIZE_MAX)
        return statement_fail(statement, "name too long");
    for (uint32_t i = 0; i < token->size; i++)
        name[i] = (char)tolower((unsigned char)token->text[i]);
    name[token->size] = '\0';
    statement_next(statement);
    return PDB_OK;
}

static uint64_t tables_new_content_id(struct slt_tables *tables)
{
    return ++tables->next_content_id;
}

/* ---- CREATE TABLE ------------------------------------------------------------------------- */

static bool is_constraint_word(const struct slt_token *token)
{
    static const char *const words[] = {"PRIMARY",    "NOT",       "NULL",    "UNIQUE",
                                        "CHECK",      "DEFAULT",   "COLLATE", "REFERENCES",
                                        "CONSTRAINT", "GENERATED", "AS",      "FOREIGN"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (slt_token_is(token, words[i])) return true;
    return false;
}

/* SQLite's affinity rules on the declared type (the words before any constraint). */
static enum pdb_status column_type_read(struct statement *statement, enum slt_column_type *type)
{
    char declared[128] = "";
    size_t size = 0;
    for (const struct slt_token *token = statement_peek(statement);
         token->kind == SLT_TOKEN_IDENT && !is_constraint_word(token);
         token = statement_peek(statement)) {
        for (uint32_t i = 0; i < token->size && size + 2 < sizeof declared; i++)
            declared[size++] = (char)toupper((unsigned char)token->text[i]);
        declared[size++] = ' ';
        declared[size] = '\0';
        statement_next(statement);
        if (is_operator(statement_peek(statement), '(')) { /* VARCHAR(30), DECIMAL(10,2) */
            while (!is_operator(statement_peek(statement), ')')) {
                if (statement_next(statement)->kind == SLT_TOKEN_END)
                    return statement_fail(statement, "unbalanced type arguments");
            }
            statement_next(statement);
        }
    }
    if (strstr(declared, "INT") != NULL)
        *type = SLT_COLUMN_INT;
    else if (strstr(declared, "CHAR") || strstr(declared, "CLOB") || strstr(declared, "TEXT"))
        *type = SLT_COLUMN_TEXT;
    else if (strstr(declared, "REAL") || strstr(declared, "FLOA") || strstr(declared, "DOUB"))
        *type = SLT_COLUMN_FLOAT;
    else
        return statement_fail(statement, "column type with BLOB or NUMERIC affinity");
    return PDB_OK;
}

/* Skips constraint words up to the ',' or ')' that ends a column definition. */
static enum pdb_status column_constraints_skip(struct statement *statement)
{
    uint32_t depth = 0;
    for (;;) {
        const struct slt_token *token = statement_peek(statement);
        if (token->kind == SLT_TOKEN_END) return statement_fail(statement, "unterminated table");
        if (depth == 0 && (is_operator(token, ',') || is_operator(token, ')'))) return PDB_OK;
        if (is_operator(token, '(')) depth++;
        if (is_operator(token, ')')) depth--;
        statement_next(statement);
    }
}

static enum pdb_status create_table(struct slt_tables *tables, struct statement *statement)
{
    if (tables->count == SLT_TABLES_MAX)
        return statement_fail(statement, "more tables than SLT_TABLES_MAX");
    struct slt_table *table = mem_calloc(1, sizeof *table);
    if (table == NULL) return error_set(statement->error, PDB_ERR_NO_MEMORY, "out of memory");
    enum pdb_status status = name_copy(statement, table->name);
    if (status == PDB_OK && slt_tables_find(tables, table->name, strlen(table->name)) != NULL)
        status = statement_fail(statement, "table exists");
    if (status == PDB_OK) status = statement_expect_operator(statement, '(');
    while (status == PDB_OK) {
        const struct slt_token *token = statement_peek(statement);
        if (slt_token_is(token, "PRIMARY") || slt_token_is(token, "UNIQUE") ||
            slt_token_is(token, "CHECK") || slt_token_is(token, "FOREIGN") ||
            slt_token_is(token, "CONSTRAINT")) {
            status = column_constraints_skip(statement); /* a table constraint */
        } else if (table->column_count == SLT_COLUMNS_MAX) {
            status = statement_fail(statement, "more columns than SLT_COLUMNS_MAX");
        } else {
            struct slt_column *column = &table->columns[table->column_count];
            status = name_copy(statement, column->name);
            if (status == PDB_OK &&
                slt_table_column_find(table, column->name, strlen(column->name)) >= 0)
                status = statement_fail(statement, "duplicate column");
            if (status == PDB_OK) status = column_type_read(statement, &column->type);
            if (status == PDB_OK) status = column_constraints_skip(statement);
            if (status == PDB_OK) table->column_count++;
        }
        if (status != PDB_OK) break;
        if (is_operator(statement_peek(statement), ')')) break;
        status = statement_expect_operator(statement, ',');
    }
    if (status == PDB_OK) status = statement_expect_operator(statement, ')');
    if (status == PDB_OK && statement_peek(statement)->kind != SLT_TOKEN_END)
        status = statement_fail(statement, "unexpected text after the table");
    if (status == PDB_OK && table->column_count == 0)
        status = statement_fail(statement, "a table without columns");
    if (status != PDB_OK) {
        table_destroy(table);
        return status;
    }
    table->content_id = tables_new_content_id(tables);
    tables->items[tables->count++] = table;
    return PDB_OK;
}

/* ---- INSERT ------------------------------------------------------------------------------- */

/* Room for one more row; the new row's values are zeroed (NULL). */
static enum pdb_status table_row_add(struct slt_table *table, struct slt_value **row_out,
                                     struct pdb_error *error)
{
    size_t needed = ((size_t)table->row_count + 1) * table->column_count;
    if (table->row_count == UINT32_MAX - 1 ||
        mem_grow((void **)&table->values, &table->value_capacity, needed, sizeof *table->values) !=
            0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    struct slt_value *row = &table->values[(size_t)table->row_count * table->column_count];
    memset(row, 0, table->column_count * sizeof *row);
    table->row_count++;
    *row_out = row;
    return PDB_OK;
}

/* "1." -> "1.0", ".5" -> "0.5", with an optional '-' in front; owned copy. */
static char *number_text(const struct slt_token *token, bool is_negative)
{
    char *text = mem_alloc(token->size + 4);
    if (text == NULL) return NULL;
    size_t size = 0;
    if (is_negative) text[size++] = '-';
    const char *dot = memchr(token->text, '.', token->size);
    if (dot == token->text) text[size++] = '0';
    for (uint32_t i = 0; i < token->size; i++) {
        text[size++] = token->text[i];
        bool is_last_of_mantissa =
            i + 1 == token->size || token->text[i + 1] == 'e' || token->text[i + 1] == 'E';
        if (token->text + i == dot && is_last_of_mantissa) text[size++] = '0';
    }
    text[size] = '\0';
    return text;
}

/* A string literal's value: quotes removed, '' made '. */
static char *string_text(const struct slt_token *token)
{
    char *text = mem_alloc(token->size);
    if (text == NULL) return NULL;
    size_t size = 0;
    for (uint32_t i = 1; i + 1 < token->size; i++) {
        text[size++] = token->text[i];
        if (token->text[i] == '\'') i++;
    }
    text[size] = '\0';
    return text;
}

/* Reads one literal of a VALUES tuple into *value, converted by the column's affinity. */
static enum pdb_status value_read(struct statement *statement, const struct slt_column *column,
                                  struct slt_value *value)
{
    bool is_negative = false;
    while (is_operator(statement_peek(statement), '-') ||
           is_operator(statement_peek(statement), '+'))
        if (statement_next(statement)->text[0] == '-') is_negative = !is_negative;
    const struct slt_token *token = statement_peek(statement);
    struct slt_value result = {.kind = SLT_VALUE_NULL};
    if (slt_token_is(token, "NULL") && !is_negative) {
        statement_next(statement);
        *value = result;
        return PDB_OK;
    }
    if (token->kind == SLT_TOKEN_STRING && !is_negative) {
        if (column->type != SLT_COLUMN_TEXT)
            return statement_fail(statement, "a string into a numeric column (not modelled)");
        result.kind = SLT_VALUE_TEXT;
        result.text = string_text(token);
    } else if (token->kind == SLT_TOKEN_INTEGER || token->kind == SLT_TOKEN_FLOAT) {
        if (column->type == SLT_COLUMN_TEXT)
            return statement_fail(statement, "a number into a text column (not modelled)");
        result.text = number_text(token, is_negative);
        if (result.text == NULL)
            return error_set(statement->error, PDB_ERR_NO_MEMORY, "out of memory");
        errno = 0;
        result.real = strtod(result.text, NULL);
        if (column->type == SLT_COLUMN_FLOAT) {
            result.kind = SLT_VALUE_FLOAT;
        } else if (token->kind == SLT_TOKEN_INTEGER) {
            result.kind = SLT_VALUE_INTEGER;
            result.integer = strtoll(result.text, NULL, 10);
            if (errno == ERANGE) {
                mem_free(result.text);
                return statement_fail(statement, "an integer out of the int64 range");
            }
        } else if (result.real == (double)(int64_t)result.real && result.real < 9.2e18 &&
                   result.real > -9.2e18) {
            result.kind = SLT_VALUE_INTEGER; /* INTEGER affinity keeps 5.0 as 5 */
            result.integer = (int64_t)result.real;
            mem_free(result.text);
            result.text = mem_alloc(24);
            if (result.text) snprintf(result.text, 24, "%lld", (long long)result.integer);
        } else {
            mem_free(result.text);
            return statement_fail(statement, "a fraction into an integer column (not modelled)");
        }
    } else {
        return statement_fail(statement, "expected a literal");
    }
    if (result.text == NULL) return error_set(statement->error, PDB_ERR_NO_MEMORY, "out of memory");
    statement_next(statement);
    *value = result;
    return PDB_OK;
}

static enum pdb_status insert_values(struct slt_table *table, struct statement *statement,
                                     const uint32_t *targets, uint32_t target_count)
{
    for (;;) {
        enum pdb_status status = statement_expect_operator(statement, '(');
        struct slt_value *row = NULL;
        if (status == PDB_OK) status = table_row_add(table, &row, statement->error);
        for (uint32_t i = 0; status == PDB_OK && i < target_count; i++) {
            if (i > 0) status = statement_expect_operator(statement, ',');
            if (status == PDB_OK)
                status = value_read(statement, &table->columns[targets[i]], &row[targets[i]]);
        }
        if (status == PDB_OK) status = statement_expect_operator(statement, ')');
        if (status != PDB_OK) return status;
        if (!is_operator(statement_peek(statement), ',')) break;
        statement_next(statement);
    }
    if (statement_peek(statement)->kind != SLT_TOKEN_END)
        return statement_fail(statement, "unexpected text after VALUES");
    return PDB_OK;
}

static enum pdb_status insert_select(struct slt_tables *tables, struct slt_table *table,
                                     struct statement *statement)
{
    enum pdb_status status = statement_expect(statement, "SELECT");
    if (status == PDB_OK) status = statement_expect_operator(statement, '*');
    if (status == PDB_OK) status = statement_expect(statement, "FROM");
    if (status != PDB_OK) return status;
    const struct slt_token *name = statement_next(statement);
    struct slt_table *source =
        name->kind == SLT_TOKEN_IDENT ? slt_tables_find(tables, name->text, name->size) : NULL;
    if (source == NULL) return statement_fail(statement, "unknown source table");
    if (statement_peek(statement)->kind != SLT_TOKEN_END)
        return statement_fail(statement, "INSERT ... SELECT other than SELECT * FROM t");
    if (source == table) return statement_fail(statement, "a table copied into itself");
    bool is_same_shape = source->column_count == table->column_count;
    for (uint32_t i = 0; is_same_shape && i < table->column_count; i++)
        is_same_shape = source->columns[i].type == table->columns[i].type &&
                        strcmp(source->columns[i].name, table->columns[i].name) == 0;
    for (uint32_t i = 0; i < source->column_count && i < table->column_count; i++)
        if (source->columns[i].type != table->columns[i].type)
            return statement_fail(statement, "a copy between column types (not modelled)");
    if (source->column_count != table->column_count)
        return statement_fail(statement, "a copy between tables of different widths");
    bool was_empty = table->row_count == 0;
    for (uint32_t row_index = 0; row_index < source->row_count; row_index++) {
        struct slt_value *row = NULL;
        enum pdb_status row_status = table_row_add(table, &row, statement->error);
        if (row_status != PDB_OK) return row_status;
        for (uint32_t i = 0; i < table->column_count; i++) {
            row[i] = *slt_table_value(source, row_index, i);
            if (row[i].text != NULL && (row[i].text = mem_strdup(row[i].text)) == NULL)
                return error_set(statement->error, PDB_ERR_NO_MEMORY, "out of memory");
        }
    }
    table->content_id =
        was_empty && is_same_shape ? source->content_id : tables_new_content_id(tables);
    return PDB_OK;
}

static enum pdb_status insert(struct slt_tables *tables, struct statement *statement)
{
    enum pdb_status status = statement_expect(statement, "INTO");
    if (status != PDB_OK) return status;
    const struct slt_token *name = statement_peek(statement);
    struct slt_table *table =
        name->kind == SLT_TOKEN_IDENT ? slt_tables_find(tables, name->text, name->size) : NULL;
    if (table == NULL) return statement_fail(statement, "unknown table");
    statement_next(statement);
    uint32_t targets[SLT_COLUMNS_MAX];
    uint32_t target_count = table->column_count;
    for (uint32_t i = 0; i < table->column_count; i++)
        targets[i] = i;
    if (is_operator(statement_peek(statement), '(')) {
        statement_next(statement);
        target_count = 0;
        for (;;) {
            const struct slt_token *column = statement_peek(statement);
            int index = column->kind == SLT_TOKEN_IDENT
                            ? slt_table_column_find(table, column->text, column->size)
                            : -1;
            if (index < 0 || target_count == SLT_COLUMNS_MAX)
                return statement_fail(statement, "unknown column");
            targets[target_count++] = (uint32_t)index;
            statement_next(statement);
            if (!is_operator(statement_peek(statement), ',')) break;
            statement_next(statement);
        }
        status = statement_expect_operator(statement, ')');
        if (status != PDB_OK) return status;
    }
    if (slt_token_is(statement_peek(statement), "SELECT")) {
        if (target_count != table->column_count)
            return statement_fail(statement, "INSERT (columns) SELECT (not modelled)");
        return insert_select(tables, table, statement);
    }
    status = statement_expect(statement, "VALUES");
    if (status == PDB_OK) status = insert_values(table, statement, targets, target_count);
    table->content_id = tables_new_content_id(tables); /* rows changed, even on a failure */
    return status;
}

/* ---- Entry point ---------------------------------------------------------------------------- */

enum pdb_status slt_tables_execute(struct slt_tables *tables, const char *sql,
                                   struct pdb_error *error)
{
    struct slt_tokens tokens = {0};
    enum pdb_status status = slt_tokens_scan(&tokens, sql, error);
    if (status != PDB_OK) {
        error_prefix(error, "statement %.200s: ", sql);
        slt_tokens_deinit(&tokens);
        return status;
    }
    struct statement statement = {.tokens = &tokens, .sql = sql, .error = error};
    const struct slt_token *first = statement_next(&statement);
    if (slt_token_is(first, "CREATE") && slt_token_is(statement_peek(&statement), "TABLE")) {
        statement_next(&statement);
        status = create_table(tables, &statement);
    } else if (slt_token_is(first, "CREATE") &&
               (slt_token_is(statement_peek(&statement), "INDEX") ||
                slt_token_is(statement_peek(&statement), "UNIQUE"))) {
        tables->indexes_ignored++;
    } else if (slt_token_is(first, "INSERT")) {
        status = insert(tables, &statement);
    } else {
        status = statement_fail(&statement, "a statement the harness does not model");
    }
    slt_tokens_deinit(&tokens);
    return status;
}
