/*
 * sqlite_runner: the SQLite side of bench/compare.
 *
 *   sqlite_runner load DB.sqlite SCHEMA CSV      typed table `profiles` + indexes, one transaction
 *   sqlite_runner query DB.sqlite QUERIES.tsv [--runs R]
 *
 * load: one column per schema attribute (bool, int and timestamp as INTEGER, timestamps in
 * epoch seconds; float REAL; category and text TEXT; tags TEXT with the tags joined by '|'
 * after the engine's own splitting, "" for the empty set), values parsed with the engine's
 * CSV reader and value parsers so both stores hold exactly the same values; an empty unquoted
 * field is NULL, as in profiledb. Rows go in through one prepared INSERT inside one
 * transaction, then an index is built on every `indexed` attribute that is not tags. Prints
 * {"rows", "rejected", "insert_s", "index_s", "load_s"} as JSON.
 *
 * query: QUERIES.tsv holds "name<TAB>WHERE-condition" lines; each runs as
 * SELECT count(*) FROM profiles WHERE ... once to warm, then R times (default 5). Prints the
 * counts, runs, median and minimum in milliseconds as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "catalog/schema.h"
#include "ingest/csv_reader.h"
#include "ingest/value_parse.h"

#define RUNNER_RUNS_MAX 1000u
#define RUNNER_QUERIES_MAX 256u
#define RUNNER_LINE_SIZE_MAX (1u << 20)
#define RUNNER_SQL_SIZE_MAX (1u << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "sqlite_runner: %s: %s\n", sql, message != NULL ? message : "?");
        sqlite3_free(message);
        return -1;
    }
    return 0;
}

static const char *sql_type(enum pdb_type type)
{
    switch (type) {
    case PDB_TYPE_FLOAT: return "REAL";
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: return "TEXT";
    default: return "INTEGER";
    }
}

/* Binds one CSV field as the attribute's value; returns a reason when it does not parse. */
static const char *bind_field(sqlite3_stmt *insert, int slot, const struct attribute *attribute,
                              const struct csv_field *field, struct buffer *scratch)
{
    if (field->size == 0 && (!field->is_quoted || (attribute->type != PDB_TYPE_TEXT &&
                                                   attribute->type != PDB_TYPE_CATEGORY &&
                                                   attribute->type != PDB_TYPE_TAGS))) {
        sqlite3_bind_null(insert, slot);
        return NULL;
    }
    const char *problem = NULL;
    switch (attribute->type) {
    case PDB_TYPE_BOOL: {
        bool value;
        problem = value_parse_bool(field->data, field->size, &value);
        if (problem == NULL) sqlite3_bind_int(insert, slot, value ? 1 : 0);
        return problem;
    }
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP: {
        int64_t value;
        problem = attribute->type == PDB_TYPE_INT ? value_parse_int(field->data, field->size, &value)
                                                  : value_parse_timestamp(field->data, field->size, &value);
        if (problem == NULL) sqlite3_bind_int64(insert, slot, value);
        return problem;
    }
    case PDB_TYPE_FLOAT: {
        double value;
        problem = value_parse_float(field->data, field->size, &value);
        if (problem == NULL) sqlite3_bind_double(insert, slot, value);
        return problem;
    }
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        sqlite3_bind_text(insert, slot, field->data, (int)field->size, SQLITE_TRANSIENT);
        return NULL;
    case PDB_TYPE_TAGS: {
        static const char *tags[PDB_TAGS_PER_VALUE_MAX];
        static uint32_t sizes[PDB_TAGS_PER_VALUE_MAX];
        uint32_t count;
        problem = value_split_tags(field->data, field->size, tags, sizes, PDB_TAGS_PER_VALUE_MAX, &count);
        if (problem != NULL) return problem;
        buffer_reset(scratch);
        for (uint32_t i = 0; i < count; i++) {
            if ((i > 0 && buffer_append(scratch, "|", 1) != 0) || buffer_append(scratch, tags[i], sizes[i]) != 0)
                return "out of memory";
        }
        sqlite3_bind_text(insert, slot, scratch->size ? (const char *)scratch->data : "",
                          (int)scratch->size, SQLITE_TRANSIENT);
        return NULL;
    }
    default: return "unknown type";
    }
}

static int command_load(const char *db_path, const char *schema_path, const char *csv_path)
{
    struct pdb_error error = {0};
    struct schema schema;
    if (schema_load_file(schema_path, &schema, &error) != PDB_OK) {
        fprintf(stderr, "sqlite_runner: %s\n", error.message);
        return 1;
    }
    remove(db_path);
    sqlite3 *db;
    if (sqlite3_open(db_path, &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite_runner: cannot open %s: %s\n", db_path, sqlite3_errmsg(db));
        return 1;
    }
    struct buffer sql;
    buffer_init(&sql);
    buffer_printf(&sql, "CREATE TABLE profiles (");
    for (uint32_t i = 0; i < schema.attribute_count; i++)
        buffer_printf(&sql, "%s%s %s", i ? ", " : "", schema.attributes[i].name, sql_type(schema.attributes[i].type));
    buffer_printf(&sql, ")");
    buffer_append(&sql, "", 1);
    double started = now_s();
    if (exec_sql(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;") != 0 ||
        exec_sql(db, (const char *)sql.data) != 0 || exec_sql(db, "BEGIN") != 0)
        return 1;

    struct csv_reader *reader;
    if (csv_reader_open(csv_path, &reader, &error) != PDB_OK) {
        fprintf(stderr, "sqlite_runner: %s\n", error.message);
        return 1;
    }
    struct csv_record record;
    bool has_record;
    if (csv_reader_next(reader, &record, &has_record, &error) != PDB_OK || !has_record || record.problem != NULL) {
        fprintf(stderr, "sqlite_runner: %s: no header\n", csv_path);
        return 1;
    }
    uint32_t field_count = record.field_count;
    int32_t *attribute_of = mem_calloc(field_count, sizeof(int32_t));
    buffer_reset(&sql);
    buffer_printf(&sql, "INSERT INTO profiles (");
    for (uint32_t f = 0; f < field_count; f++) {
        attribute_of[f] = schema_find(&schema, record.fields[f].data, record.fields[f].size);
        if (attribute_of[f] < 0) {
            fprintf(stderr, "sqlite_runner: %s: column %.*s is not in the schema\n", csv_path,
                    (int)record.fields[f].size, record.fields[f].data);
            return 1;
        }
        buffer_printf(&sql, "%s%s", f ? ", " : "", schema.attributes[attribute_of[f]].name);
    }
    buffer_printf(&sql, ") VALUES (");
    for (uint32_t f = 0; f < field_count; f++) buffer_printf(&sql, "%s?", f ? ", " : "");
    buffer_printf(&sql, ")");
    buffer_append(&sql, "", 1);
    sqlite3_stmt *insert;
    if (sqlite3_prepare_v2(db, (const char *)sql.data, -1, &insert, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_runner: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    struct buffer scratch;
    buffer_init(&scratch);
    uint64_t rows = 0, rejected = 0;
    for (;;) {
        if (csv_reader_next(reader, &record, &has_record, &error) != PDB_OK) {
            fprintf(stderr, "sqlite_runner: %s\n", error.message);
            return 1;
        }
        if (!has_record) break;
        const char *problem = record.problem;
        if (problem == NULL && record.field_count != field_count) problem = "wrong number of fields";
        for (uint32_t f = 0; problem == NULL && f < field_count; f++)
            problem = bind_field(insert, (int)f + 1, &schema.attributes[attribute_of[f]], &record.fields[f], &scratch);
        if (problem != NULL) {
            if (rejected++ < 10) fprintf(stderr, "sqlite_runner: line %llu: %s\n", (unsigned long long)record.line, problem);
            sqlite3_reset(insert);
            continue;
        }
        if (sqlite3_step(insert) != SQLITE_DONE) {
            fprintf(stderr, "sqlite_runner: insert: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(insert);
        rows++;
    }
    sqlite3_finalize(insert);
    csv_reader_close(reader);
    if (exec_sql(db, "COMMIT") != 0) return 1;
    double inserted = now_s();
    for (uint32_t i = 0; i < schema.attribute_count; i++) {
        const struct attribute *attribute = &schema.attributes[i];
        if (!(attribute->flags & PDB_FLAG_INDEXED) || attribute->type == PDB_TYPE_TAGS) continue;
        buffer_reset(&sql);
        buffer_printf(&sql, "CREATE INDEX profiles_%s ON profiles (%s)", attribute->name, attribute->name);
        buffer_append(&sql, "", 1);
        if (exec_sql(db, (const char *)sql.data) != 0) return 1;
    }
    double indexed = now_s();
    sqlite3_close(db);
    printf("{\"engine\": \"sqlite\", \"version\": \"%s\", \"rows\": %llu, \"rejected\": %llu, "
           "\"insert_s\": %.3f, \"index_s\": %.3f, \"load_s\": %.3f}\n",
           sqlite3_libversion(), (unsigned long long)rows, (unsigned long long)rejected,
           inserted - started, indexed - inserted, indexed - started);
    buffer_deinit(&sql);
    buffer_deinit(&scratch);
    mem_free(attribute_of);
    schema_deinit(&schema);
    return rejected > 0 ? 1 : 0;
}

/* ---- Queries -------------------------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

static int count_rows(sqlite3_stmt *statement, int64_t *count_out)
{
    sqlite3_reset(statement);
    if (sqlite3_step(statement) != SQLITE_ROW) return -1;
    *count_out = sqlite3_column_int64(statement, 0);
    sqlite3_reset(statement);
    return 0;
}

static int command_query(const char *db_path, const char *queries_path, unsigned runs)
{
    sqlite3 *db;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_runner: cannot open %s\n", db_path);
        return 1;
    }
    if (exec_sql(db, "PRAGMA cache_size = -4000000; PRAGMA mmap_size = 2147418112;") != 0) return 1;
    FILE *file = fopen(queries_path, "r");
    if (file == NULL) {
        fprintf(stderr, "sqlite_runner: cannot open %s\n", queries_path);
        return 1;
    }
    char *line = mem_alloc(RUNNER_LINE_SIZE_MAX);
    char *sql = mem_alloc(RUNNER_SQL_SIZE_MAX);
    printf("{\"engine\": \"sqlite\", \"version\": \"%s\", \"runs\": %u, \"queries\": [",
           sqlite3_libversion(), runs);
    int exit_code = 0, index = 0;
    while (exit_code == 0 && fgets(line, RUNNER_LINE_SIZE_MAX, file) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') continue;
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            fprintf(stderr, "sqlite_runner: bad line '%s'\n", line);
            exit_code = 2;
            break;
        }
        *tab = '\0';
        snprintf(sql, RUNNER_SQL_SIZE_MAX, "SELECT count(*) FROM profiles WHERE %s", tab + 1);
        sqlite3_stmt *statement;
        if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
            fprintf(stderr, "sqlite_runner: %s: %s\n", sql, sqlite3_errmsg(db));
            exit_code = 1;
            break;
        }
        int64_t count, again;
        double started = now_s();
        if (count_rows(statement, &count) != 0) exit_code = 1;
        double first_ms = (now_s() - started) * 1e3;
        double times[RUNNER_RUNS_MAX];
        for (unsigned r = 0; exit_code == 0 && r < runs; r++) {
            started = now_s();
            if (count_rows(statement, &again) != 0 || again != count) exit_code = 1;
            times[r] = (now_s() - started) * 1e3;
        }
        sqlite3_finalize(statement);
        if (exit_code != 0) {
            fprintf(stderr, "sqlite_runner: %s failed or changed its count\n", line);
            break;
        }
        double sorted[RUNNER_RUNS_MAX];
        memcpy(sorted, times, runs * sizeof(double));
        qsort(sorted, runs, sizeof(double), compare_doubles);
        double median = runs % 2 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        printf("%s\n  {\"name\": ", index++ ? "," : "");
        print_json_string(line);
        printf(", \"count\": %lld, \"first_ms\": %.4f, \"median_ms\": %.4f, \"min_ms\": %.4f, \"runs_ms\": [",
               (long long)count, first_ms, median, sorted[0]);
        for (unsigned r = 0; r < runs; r++) printf("%s%.4f", r ? ", " : "", times[r]);
        printf("]}");
        fflush(stdout);
    }
    printf("\n]}\n");
    fclose(file);
    mem_free(line);
    mem_free(sql);
    sqlite3_close(db);
    return exit_code;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "load") == 0) return command_load(argv[2], argv[3], argv[4]);
    if ((argc == 4 || argc == 6) && strcmp(argv[1], "query") == 0) {
        unsigned runs = 5;
        if (argc == 6) {
            if (strcmp(argv[4], "--runs") != 0) goto usage;
            runs = (unsigned)strtoul(argv[5], NULL, 10);
        }
        if (runs == 0 || runs > RUNNER_RUNS_MAX) goto usage;
        return command_query(argv[2], argv[3], runs);
    }
usage:
    fprintf(stderr, "usage: sqlite_runner load DB.sqlite SCHEMA CSV\n"
                    "       sqlite_runner query DB.sqlite QUERIES.tsv [--runs R]\n");
    return 2;
}
