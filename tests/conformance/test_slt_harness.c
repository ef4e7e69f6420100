/*
 * Tests of the conformance harness itself, independent of the peer suite: the .test reader
 * (records, comments, CRLF, conditions, hash lines), the WHERE -> segment translation and its
 * "unsupported" reasons, result rendering and MD5, and a whole small file run end to end
 * against profiledb (a pass, a deliberate mismatch and a subquery), so a harness that passes
 * everything, or skips everything, is caught here too.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "slt.h"

/* ---- Reader ------------------------------------------------------------------------------ */

static const char sample_file[] = "hash-threshold 8\r\n"
                                  "\r\n"
                                  "# a comment between records\r\n"
                                  "statement ok\r\n"
                                  "CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER,\r\n"
                                  "# a comment inside a record\r\n"
                                  "  col1 FLOAT, col2 TEXT)\r\n"
                                  "\r\n"
                                  "skipif profiledb\r\n"
                                  "query I rowsort\r\n"
                                  "SELECT pk FROM tab0\r\n"
                                  "\r\n"
                                  "onlyif mysql\r\n"
                                  "statement ok\r\n"
                                  "DROP TABLE tab0\r\n"
                                  "\r\n"
                                  "onlyif profiledb\r\n"
                                  "query I valuesort label-7\r\n"
                                  "SELECT pk FROM tab0 WHERE col0 > 5\r\n"
                                  "----\r\n"
                                  "1\r\n"
                                  "10 values hashing to 0123456789abcdef0123456789abcdef\r\n"
                                  "\r\n"
                                  "query IT nosort\r\n"
                                  "SELECT pk, col2 FROM tab0\r\n"
                                  "\r\n"
                                  "halt\r\n"
                                  "\r\n"
                                  "statement ok\r\n"
                                  "never read\r\n";

Test(slt_reader, reads_records_conditions_and_results)
{
    struct slt_reader reader;
    struct pdb_error error = {0};
    cr_assert_eq(slt_reader_open_text(&reader, "sample", sample_file, &error), PDB_OK);
    struct slt_record record;
    bool has_record = false;

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert(has_record);
    cr_assert_eq(record.kind, SLT_RECORD_HASH_THRESHOLD);
    cr_assert_eq(record.hash_threshold, 8);

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.kind, SLT_RECORD_STATEMENT);
    cr_assert_eq(record.line_number, 4);
    cr_assert_not(record.is_skipped);
    cr_assert_str_eq(record.sql, "CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER,\n"
                                 "  col1 FLOAT, col2 TEXT)");

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.kind, SLT_RECORD_QUERY);
    cr_assert(record.is_skipped, "skipif profiledb skips");
    cr_assert_not(record.has_results);
    cr_assert_eq(record.sort_mode, SLT_SORT_ROWS);

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.kind, SLT_RECORD_STATEMENT);
    cr_assert(record.is_skipped, "onlyif another engine skips");

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.kind, SLT_RECORD_QUERY);
    cr_assert_not(record.is_skipped, "onlyif profiledb runs");
    cr_assert_eq(record.sort_mode, SLT_SORT_VALUES);
    cr_assert_str_eq(record.label, "label-7");
    cr_assert_str_eq(record.type_string, "I");
    cr_assert_str_eq(record.sql, "SELECT pk FROM tab0 WHERE col0 > 5");
    cr_assert(record.has_results);
    cr_assert_eq(record.result_count, 2);
    cr_assert_str_eq(record.results[0], "1");
    cr_assert_str_eq(record.results[1], "10 values hashing to 0123456789abcdef0123456789abcdef");

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.sort_mode, SLT_SORT_NONE);
    cr_assert_str_eq(record.type_string, "IT");

    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_eq(record.kind, SLT_RECORD_HALT);
    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_not(has_record, "nothing is read after halt");
    slt_reader_close(&reader);
}

Test(slt_reader, rejects_unknown_records_with_their_line)
{
    const char *bad[] = {
        "statement maybe\nSELECT 1\n", "query X\nSELECT 1\n",         "frobnicate\n",
        "hash-threshold many\n",       "skipif\nquery I\nSELECT 1\n", "onlyif sqlite\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct slt_reader reader;
        struct pdb_error error = {0};
        cr_assert_eq(slt_reader_open_text(&reader, "bad", bad[i], &error), PDB_OK);
        struct slt_record record;
        memset(&record, 0x5a, sizeof record);
        bool has_record = false;
        cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_ERR_DATA,
                     "case %zu", i);
        cr_assert(strncmp(error.message, "bad:1:", 6) == 0, "case %zu: %s", i, error.message);
        cr_assert_eq(record.line_number, 0x5a5a5a5a, "out-parameter untouched");
        slt_reader_close(&reader);
    }
}

Test(slt_reader, empty_file_has_no_records)
{
    struct slt_reader reader;
    struct pdb_error error = {0};
    cr_assert_eq(slt_reader_open_text(&reader, "empty", "\n\n# only a comment\n", &error), PDB_OK);
    struct slt_record record;
    bool has_record = true;
    cr_assert_eq(slt_reader_next(&reader, &record, &has_record, &error), PDB_OK);
    cr_assert_not(has_record);
    slt_reader_close(&reader);
    cr_assert_eq(slt_reader_open(&reader, "/nonexistent/slt.test", &error), PDB_ERR_IO);
}

/* ---- Translation ----------------------------------------------------------------------------- */

static struct slt_tables translation_tables;

static void tables_setup(void)
{
    struct pdb_error error = {0};
    slt_tables_init(&translation_tables);
    cr_assert_eq(slt_tables_execute(&translation_tables,
                                    "CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER, "
                                    "col1 FLOAT, col2 TEXT, col3 VARCHAR(30) NOT NULL)",
                                    &error),
                 PDB_OK, "%s", error.message);
}

static void tables_teardown(void)
{
    slt_tables_deinit(&translation_tables);
}

/* Translates the WHERE clause of `sql`; returns the reason and fills `segment`. */
static enum slt_reason translate(const char *sql, char *segment, size_t segment_size)
{
    struct slt_tokens tokens = {0};
    struct slt_ast ast = {0};
    struct slt_select select;
    struct pdb_error error = {0};
    char detail[256];
    enum slt_reason reason = SLT_REASON_UNPARSED;
    segment[0] = '\0';
    if (slt_tokens_scan(&tokens, sql, &error) == PDB_OK) {
        enum slt_parse_outcome outcome =
            slt_select_parse(&tokens, &ast, &select, detail, sizeof detail);
        if (outcome == SLT_PARSE_SELECT_SHAPE) reason = SLT_REASON_SELECT_SHAPE;
        if (outcome == SLT_PARSE_OK) {
            struct buffer out;
            buffer_init(&out);
            const char *what = NULL;
            reason = slt_translate(&ast, select.where_root,
                                   slt_tables_find(&translation_tables, "tab0", 4), &out, &what);
            snprintf(segment, segment_size, "%s", out.data ? (const char *)out.data : "");
            buffer_deinit(&out);
        }
    }
    slt_tokens_deinit(&tokens);
    slt_ast_deinit(&ast);
    return reason;
}

Test(slt_translate, keeps_shared_syntax_and_grouping, .init = tables_setup, .fini = tables_teardown)
{
    struct {
        const char *where;
        const char *segment;
    } cases[] = {
        {"col0 > 5", "col0 > 5"},
        {"((col0 >= 1)) AND col3 IS NULL", "((col0 >= 1)) AND col3 IS NULL"},
        {"col0 < 6 OR col0 < 1 AND col0 BETWEEN 2 AND 7",
         "col0 < 6 OR col0 < 1 AND col0 BETWEEN 2 AND 7"},
        {"(col0 < 6 OR col1 < 1.5) AND NOT col0 IN (1,2,2)",
         "(col0 < 6 OR col1 < 1.5) AND NOT col0 IN (1, 2, 2)"},
        {"col0 NOT BETWEEN 9 AND 2 OR col1 NOT IN (.5, 1., 2.5e3, 1.e2)",
         "col0 NOT BETWEEN 9 AND 2 OR col1 NOT IN (0.5, 1.0, 2.5e3, 1.0e2)"},
        {"col0 == - 5 AND 3 < col0 AND col1 <> -(-2.5)", "col0 = -5 AND 3 < col0 AND col1 <> 2.5"},
        {"col0 ISNULL OR col1 NOTNULL OR col2 NOT NULL OR col0 IS NOT NULL",
         "col0 IS NULL OR col1 IS NOT NULL OR col2 IS NOT NULL OR col0 IS NOT NULL"},
        {"col2 = 'it''s' AND col3 IN ('a', NULL) AND col0 = NULL",
         "col2 = 'it''s' AND col3 IN ('a', NULL) AND col0 = NULL"},
        {"tab0.col0 = (7) AND +col0 > TRUE", "col0 = 7 AND col0 > 1"},
        {"col0 > 99999999999999999999", "col0 > 99999999999999999999.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sql[512], segment[512];
        snprintf(sql, sizeof sql, "SELECT pk FROM tab0 WHERE %s", cases[i].where);
        enum slt_reason reason = translate(sql, segment, sizeof segment);
        cr_assert_eq(reason, SLT_REASON_NONE, "%s: %s", cases[i].where, slt_reason_name(reason));
        cr_assert_str_eq(segment, cases[i].segment);
    }
    char segment[64];
    cr_assert_eq(translate("SELECT pk FROM tab0", segment, sizeof segment), SLT_REASON_NONE);
    cr_assert_str_eq(segment, "TRUE");
}

Test(slt_translate, names_why_a_query_is_unsupported, .init = tables_setup, .fini = tables_teardown)
{
    struct {
        const char *sql;
        enum slt_reason reason;
    } cases[] = {
        {"SELECT pk FROM tab0 WHERE col0 IN (SELECT col3 FROM tab0 WHERE col3 > 1)",
         SLT_REASON_SUBQUERY},
        {"SELECT pk FROM tab0 WHERE col0 > col1 AND col0 IN (SELECT 1)", SLT_REASON_SUBQUERY},
        {"SELECT pk FROM tab0 WHERE EXISTS (SELECT 1) OR col0 > 1", SLT_REASON_SUBQUERY},
        {"SELECT pk FROM tab0 WHERE col0 > (SELECT MAX(col0) FROM tab0)", SLT_REASON_SUBQUERY},
        {"SELECT pk FROM tab0 WHERE abs(col0) > 1", SLT_REASON_FUNCTION},
        {"SELECT pk FROM tab0 WHERE CAST(col1 AS INTEGER) > 1", SLT_REASON_FUNCTION},
        {"SELECT pk FROM tab0 WHERE col0 + 1 > 5", SLT_REASON_ARITHMETIC},
        {"SELECT pk FROM tab0 WHERE -col0 < 3", SLT_REASON_ARITHMETIC},
        {"SELECT pk FROM tab0 WHERE col0 > col1", SLT_REASON_COLUMN_VS_COLUMN},
        {"SELECT pk FROM tab0 WHERE col0 BETWEEN col1 AND 5", SLT_REASON_COLUMN_VS_COLUMN},
        {"SELECT pk FROM tab0 WHERE col0 IN (1, col1)", SLT_REASON_COLUMN_VS_COLUMN},
        {"SELECT pk FROM tab0 WHERE 1 = 1", SLT_REASON_CONSTANT},
        {"SELECT pk FROM tab0 WHERE NULL IS NULL", SLT_REASON_CONSTANT},
        {"SELECT pk FROM tab0 WHERE 1", SLT_REASON_CONSTANT},
        {"SELECT pk FROM tab0 WHERE 5 BETWEEN col0 AND 7", SLT_REASON_LITERAL_OPERAND},
        {"SELECT pk FROM tab0 WHERE 5 IN (col0, 1)", SLT_REASON_LITERAL_OPERAND},
        {"SELECT pk FROM tab0 WHERE col0 = 'abc'", SLT_REASON_MIXED_TYPES},
        {"SELECT pk FROM tab0 WHERE col2 < 5", SLT_REASON_MIXED_TYPES},
        {"SELECT pk FROM tab0 WHERE col2 LIKE 'a%'", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE col0 IS 5", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE col0", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE (col0 > 1) = 1", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE col9 > 1", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE col0 IN ()", SLT_REASON_OTHER_SQL},
        {"SELECT pk FROM tab0 WHERE CASE WHEN col0 > 1 THEN 1 END = 1", SLT_REASON_OTHER_SQL},
        {"SELECT pk, col0 FROM tab0", SLT_REASON_SELECT_SHAPE},
        {"SELECT * FROM tab0", SLT_REASON_SELECT_SHAPE},
        {"SELECT pk FROM tab0 WHERE col0 > 1 ORDER BY pk", SLT_REASON_SELECT_SHAPE},
        {"SELECT pk FROM tab0 WHERE col0 > ", SLT_REASON_UNPARSED},
        {"SELECT pk FROM tab0 WHERE (col0 > 1", SLT_REASON_UNPARSED},
        {"SELECT pk FROM tab0 WHERE col0 > 0x10", SLT_REASON_UNPARSED},
        {"SELECT pk FROM tab0 WHERE col0 BETWEEN 1 OR 2", SLT_REASON_UNPARSED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char segment[512];
        enum slt_reason reason = translate(cases[i].sql, segment, sizeof segment);
        cr_assert_eq(reason, cases[i].reason, "%s: got %s, expected %s", cases[i].sql,
                     slt_reason_name(reason), slt_reason_name(cases[i].reason));
    }
}

Test(slt_translate, deep_nesting_stops_at_the_parser_bound, .init = tables_setup,
     .fini = tables_teardown)
{
    size_t depth = SLT_SQL_DEPTH_MAX + 10;
    char *sql = malloc(2 * depth + 64);
    cr_assert_not_null(sql);
    size_t size = (size_t)sprintf(sql, "SELECT pk FROM tab0 WHERE ");
    for (size_t i = 0; i < depth; i++)
        sql[size++] = '(';
    size += (size_t)sprintf(sql + size, "col0 > 1");
    for (size_t i = 0; i < depth; i++)
        sql[size++] = ')';
    sql[size] = '\0';
    char segment[64];
    cr_assert_eq(translate(sql, segment, sizeof segment), SLT_REASON_UNPARSED);
    free(sql);
}

/* ---- Tables ------------------------------------------------------------------------------- */

Test(slt_table, models_inserts_and_shares_content_of_copies)
{
    struct slt_tables tables;
    struct pdb_error error = {0};
    slt_tables_init(&tables);
    const char *statements[] = {
        "CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT)",
        "INSERT INTO tab0 VALUES(0,6,5.6,'it''s'),(1,-3,.5,'')",
        "INSERT INTO tab0 (pk, col1) VALUES (2, 7)",
        "CREATE TABLE tab1(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT)",
        "CREATE UNIQUE INDEX idx_tab1_0 ON tab1 (col0 DESC)",
        "INSERT INTO tab1 SELECT * FROM tab0",
        "CREATE TABLE tab2(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT)",
        "INSERT INTO tab2 VALUES(0,6.0,5,'x')",
        "INSERT INTO tab2 SELECT * FROM tab0",
    };
    for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++)
        cr_assert_eq(slt_tables_execute(&tables, statements[i], &error), PDB_OK, "%s: %s",
                     statements[i], error.message);
    struct slt_table *tab0 = slt_tables_find(&tables, "TAB0", 4);
    struct slt_table *tab1 = slt_tables_find(&tables, "tab1", 4);
    struct slt_table *tab2 = slt_tables_find(&tables, "tab2", 4);
    cr_assert(tab0 && tab1 && tab2);
    cr_assert_eq(tab0->row_count, 3);
    cr_assert_eq(tab1->content_id, tab0->content_id, "a copy into an empty table shares");
    cr_assert_neq(tab2->content_id, tab0->content_id, "a copy into a filled table does not");
    cr_assert_eq(tab2->row_count, 4);
    cr_assert_eq(slt_table_value(tab0, 1, 1)->integer, -3);
    cr_assert_str_eq(slt_table_value(tab0, 1, 2)->text, "0.5");
    cr_assert_str_eq(slt_table_value(tab0, 0, 3)->text, "it's");
    cr_assert_eq(slt_table_value(tab0, 2, 1)->kind, SLT_VALUE_NULL);
    cr_assert_eq(slt_table_value(tab0, 2, 2)->kind, SLT_VALUE_FLOAT);
    cr_assert_eq(slt_table_value(tab2, 0, 1)->kind, SLT_VALUE_INTEGER, "6.0 into INTEGER is 6");
    cr_assert_eq(tables.indexes_ignored, 1);

    const char *unmodelled[] = {
        "DROP TABLE tab0",
        "UPDATE tab0 SET col0 = 1",
        "INSERT INTO tab0 VALUES(3,1.5,1,'x')",
        "INSERT INTO tab0 VALUES(3,'abc',1,'x')",
        "INSERT INTO nowhere VALUES(1)",
        "CREATE TABLE tab0(pk INTEGER)",
        "CREATE TABLE tab9(pk BLOB)",
    };
    for (size_t i = 0; i < sizeof unmodelled / sizeof unmodelled[0]; i++)
        cr_assert_eq(slt_tables_execute(&tables, unmodelled[i], &error), PDB_ERR_DATA, "%s",
                     unmodelled[i]);
    slt_tables_deinit(&tables);
}

/* ---- Results -------------------------------------------------------------------------------- */

Test(slt_result, renders_sorts_and_hashes_like_sqllogictest)
{
    struct slt_values values = {0};
    struct slt_value ten = {.kind = SLT_VALUE_INTEGER, .integer = 10};
    struct slt_value nine = {.kind = SLT_VALUE_INTEGER, .integer = 9};
    struct slt_value real = {.kind = SLT_VALUE_FLOAT, .real = 2.5};
    struct slt_value empty = {.kind = SLT_VALUE_TEXT, .text = ""};
    struct slt_value control = {.kind = SLT_VALUE_TEXT, .text = "a\tb"};
    struct slt_value null = {.kind = SLT_VALUE_NULL};
    cr_assert_eq(slt_values_append(&values, &nine, 'I'), 0);
    cr_assert_eq(slt_values_append(&values, &ten, 'I'), 0);
    slt_values_sort(&values);
    cr_assert_str_eq(values.items[0], "10", "rowsort compares strings: 10 before 9");
    cr_assert_str_eq(values.items[1], "9");
    char hash[33];
    slt_values_hash(&values, hash);
    /* md5("10\n9\n") */
    cr_assert_str_eq(hash, "46fa97b44667d2a8843039e9e66ad130");
    slt_values_clear(&values);
    slt_values_hash(&values, hash);
    cr_assert_str_eq(hash, "d41d8cd98f00b204e9800998ecf8427e", "md5 of nothing");
    slt_values_append(&values, &real, 'R');
    slt_values_append(&values, &real, 'I');
    slt_values_append(&values, &empty, 'T');
    slt_values_append(&values, &control, 'T');
    slt_values_append(&values, &null, 'I');
    cr_assert_str_eq(values.items[0], "2.500");
    cr_assert_str_eq(values.items[1], "2");
    cr_assert_str_eq(values.items[2], "(empty)");
    cr_assert_str_eq(values.items[3], "a@b");
    cr_assert_str_eq(values.items[4], "NULL");
    slt_values_deinit(&values);

    struct slt_md5 md5;
    slt_md5_init(&md5);
    slt_md5_update(&md5, "ab", 2);
    slt_md5_update(&md5, "c", 1);
    slt_md5_hex(&md5, hash);
    cr_assert_str_eq(hash, "900150983cd24fb0d6963f7d28e17f72", "RFC 1321: md5(\"abc\")");
}

/* ---- A whole file ---------------------------------------------------------------------------- */

static void file_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
}

Test(slt_runner, runs_a_small_file_against_profiledb)
{
    char directory[] = "/tmp/pdb-slt-unit-XXXXXX";
    cr_assert_not_null(mkdtemp(directory));
    char path[256];
    snprintf(path, sizeof path, "%s/deliberate_mismatch.test", directory);
    file_write(path,
               "hash-threshold 3\n\n"
               "statement ok\n"
               "CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT)\n\n"
               "statement ok\n"
               "INSERT INTO tab0 VALUES(0,5,1.5,'a'),(1,NULL,2.5,'b'),(2,9,NULL,'c'),"
               "(3,10,0.5,NULL),(4,1,1.25,'a\"b,c')\n\n"
               "statement ok\n"
               "CREATE TABLE tab1(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT, col2 TEXT)\n\n"
               "statement ok\n"
               "INSERT INTO tab1 SELECT * FROM tab0\n\n"
               "query I rowsort\n"
               "SELECT pk FROM tab1 WHERE col0 > 4 OR col1 IS NULL\n"
               "----\n0\n2\n3\n\n"
               "query T rowsort\n"
               "SELECT col2 FROM tab0 WHERE col0 NOT IN (5, NULL) OR col2 = 'a\"b,c'\n"
               "----\na\"b,c\n\n"
               "query I rowsort\n"
               "SELECT pk FROM tab0 WHERE col1 < 100\n"
               "----\n4 values hashing to 2b76ed18cce53d063e461627dc8cb061\n\n"
               "query I nosort\n"
               "SELECT pk FROM tab0 WHERE col0 BETWEEN 9 AND 5\n"
               "----\n\n"
               "query I rowsort\n"
               "SELECT pk FROM tab0 WHERE col0 IN (SELECT col0 FROM tab1)\n"
               "----\n0\n\n"
               "onlyif sqlite\n"
               "query I rowsort\n"
               "SELECT pk FROM tab0 WHERE col0 > 1\n"
               "----\n99\n\n"
               "query I rowsort\n"
               "SELECT pk FROM tab0 WHERE col0 = 10\n"
               "----\n2\n");
    struct slt_stats stats;
    memset(&stats, 0, sizeof stats);
    /* Its one failure is printed: the name says it is expected. */
    slt_directory_run(directory, "harness-self-test", &stats);
    char line[512];
    slt_stats_format(&stats, line, sizeof line);
    cr_assert_eq(stats.files, 1, "%s", line);
    cr_assert_eq(stats.queries, 7, "%s", line);
    cr_assert_eq(stats.passed, 4, "%s", line);
    cr_assert_eq(stats.failed, 1, "the deliberate mismatch (pk 3, not 2) is caught: %s", line);
    cr_assert_eq(stats.unsupported[SLT_REASON_SUBQUERY], 1, "%s", line);
    cr_assert_eq(stats.skipped, 1, "%s", line);
    cr_assert_eq(stats.databases, 1, "tab0 and tab1 share one database: %s", line);
    cr_assert(strstr(line, "conformance: files 1, queries 7, passed 4, failed 1, unsupported 1 "
                           "(subquery 1, column-vs-column 0)") == line,
              "%s", line);
    unlink(path);
    rmdir(directory);
}
