/*
 * The sqllogictest conformance harness: shared types of the test program test_conformance.
 *
 * SQLite's engine-neutral sqllogictest files (shared/peer/sqllogictest/index/...) create small
 * tables, fill them and run thousands of "SELECT pk FROM tabN WHERE <predicate>" queries with
 * their expected rows. This harness reads that format (slt_reader.c), models the tables
 * (slt_table.c), loads each distinct table content into a profiledb database
 * (slt_database.c), translates each WHERE clause into a segment (slt_sql_lexer.c,
 * slt_sql_parser.c, slt_translate.c), runs it through the public API and compares the rows
 * with the expected values or their MD5 hash (slt_result.c, slt_md5.c). slt_runner.c drives a
 * file and a directory and keeps the counts; test_conformance.c holds the Criterion tests.
 *
 * Nothing here is copied from the sqllogictest harness; only its documented format is used.
 */
#ifndef PDB_TESTS_CONFORMANCE_SLT_H
#define PDB_TESTS_CONFORMANCE_SLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "profiledb/profiledb.h"

/* ---- Limits of the harness ------------------------------------------------------------- */

#define SLT_FILE_SIZE_MAX (256u << 20) /* one .test file, bytes */
#define SLT_TABLES_MAX 64u             /* tables one file may create */
#define SLT_COLUMNS_MAX 64u            /* columns of one table */
#define SLT_NAME_SIZE_MAX 64u          /* table and column names, bytes (profiledb's bound) */
#define SLT_SQL_DEPTH_MAX 500u         /* nesting the SQL expression parser follows */
#define SLT_FAILURE_REPORTS_MAX 10u    /* failures printed in full per directory */
#define SLT_UNPARSED_REPORTS_MAX 5u    /* unparsed queries printed per directory */
#define SLT_DIFF_VALUES_MAX 8u         /* missing/extra values shown per failure */
#define SLT_NODE_NONE UINT32_MAX

/* ---- Reading .test files (slt_reader.c) ------------------------------------------------- */

enum slt_record_kind {
    SLT_RECORD_STATEMENT,
    SLT_RECORD_QUERY,
    SLT_RECORD_HASH_THRESHOLD,
    SLT_RECORD_HALT,
};

enum slt_sort_mode { SLT_SORT_NONE, SLT_SORT_ROWS, SLT_SORT_VALUES };

/* One record. Strings are borrowed from the reader until the next slt_reader_next call. */
struct slt_record {
    enum slt_record_kind kind;
    uint32_t line_number;    /* 1-based line of the statement/query/control line */
    bool is_skipped;         /* a skipif/onlyif prefix excludes it for engine "profiledb" */
    bool expects_error;      /* statement error */
    const char *sql;         /* lines joined by '\n', comment lines removed */
    const char *type_string; /* query: "I", "IT", ... */
    enum slt_sort_mode sort_mode;
    const char *label;          /* query: "" when absent */
    bool has_results;           /* query: a "----" line was present */
    const char *const *results; /* query: expected lines after "----" */
    uint32_t result_count;
    uint64_t hash_threshold; /* hash-threshold records */
};

struct slt_reader {
    char *text;   /* the whole file, owned; lines are cut in place */
    char **lines; /* line_count lines, NUL-terminated, CR removed */
    uint32_t line_count;
    uint32_t line_index; /* next line to read */
    struct buffer sql;
    const char **results;
    size_t results_capacity;
    char path[4096];
};

/* Reads the file at `path` into the reader. */
enum pdb_status slt_reader_open(struct slt_reader *reader, const char *path,
                                struct pdb_error *error);
/* Reads a file image held in memory (copied), for unit tests; `name` appears in messages. */
enum pdb_status slt_reader_open_text(struct slt_reader *reader, const char *name, const char *text,
                                     struct pdb_error *error);
void slt_reader_close(struct slt_reader *reader);
/* Fills *record with the next record; *has_record is false at the end of the file. A record
 * the harness cannot read (unknown first line) is an error naming the line. */
enum pdb_status slt_reader_next(struct slt_reader *reader, struct slt_record *record,
                                bool *has_record, struct pdb_error *error);

/* ---- SQL tokens (slt_sql_lexer.c) ------------------------------------------------------ */

enum slt_token_kind {
    SLT_TOKEN_END,
    SLT_TOKEN_IDENT,    /* a name or keyword; quoted identifiers lose their quotes */
    SLT_TOKEN_INTEGER,  /* digits */
    SLT_TOKEN_FLOAT,    /* digits with '.' and/or an exponent, as written ("1.", ".5") */
    SLT_TOKEN_STRING,   /* '...' as written, quotes included */
    SLT_TOKEN_OPERATOR, /* ( ) , = == != <> < <= > >= + - * / % || & | << >> ~ . ; */
};

struct slt_token {
    enum slt_token_kind kind;
    const char *text; /* borrowed from the SQL text */
    uint32_t size;
    uint32_t offset;
};

struct slt_tokens {
    struct slt_token *items; /* count tokens, the last one SLT_TOKEN_END */
    size_t count;
    size_t capacity;
};

/* Splits `sql` into tokens. A character SQL does not allow (or a hex literal, which the
 * harness does not model) is PDB_ERR_DATA with the offset. */
enum pdb_status slt_tokens_scan(struct slt_tokens *tokens, const char *sql,
                                struct pdb_error *error);
void slt_tokens_deinit(struct slt_tokens *tokens);
/* True when the token is the identifier `word`, ignoring case. */
bool slt_token_is(const struct slt_token *token, const char *word);

/* ---- SQL expressions (slt_sql_parser.c) ------------------------------------------------ */

enum slt_node_kind {
    SLT_NODE_OR,         /* children[0] OR children[1] */
    SLT_NODE_AND,        /* children[0] AND children[1] */
    SLT_NODE_NOT,        /* NOT children[0] */
    SLT_NODE_COMPARE,    /* children[0] token children[1]; token is = == != <> < <= > >= */
    SLT_NODE_BETWEEN,    /* children[0] [NOT] BETWEEN children[1] AND children[2] */
    SLT_NODE_IN_LIST,    /* children[0] [NOT] IN (children[1], its next_item, ...) */
    SLT_NODE_IS_NULL,    /* children[0] IS [NOT] NULL, ISNULL, NOTNULL */
    SLT_NODE_COLUMN,     /* token, optionally qualified by `qualifier` */
    SLT_NODE_LITERAL,    /* token: INTEGER, FLOAT, STRING, or IDENT NULL/TRUE/FALSE */
    SLT_NODE_NEGATE,     /* -children[0] (unary plus is dropped by the parser) */
    SLT_NODE_ARITHMETIC, /* children[0] token children[1], or ~children[0] */
    SLT_NODE_FUNCTION,   /* name(...), CAST(...) */
    SLT_NODE_SUBQUERY,   /* (SELECT ...), [NOT] IN (SELECT ...), EXISTS (...) */
    SLT_NODE_OTHER,      /* LIKE, GLOB, CASE, COLLATE, IS <value>, ...: `what` names it */
};

struct slt_node {
    enum slt_node_kind kind;
    uint32_t paren_count; /* parentheses written around this node */
    bool is_negated;      /* NOT BETWEEN, NOT IN, IS NOT NULL */
    struct slt_token token;
    struct slt_token qualifier; /* COLUMN: "tab0" of tab0.col0; kind END when absent */
    uint32_t children[3];       /* node indices or SLT_NODE_NONE */
    uint32_t next_item;         /* IN list: the next item, SLT_NODE_NONE at the end */
    const char *what;           /* OTHER: the construct, for reports */
};

struct slt_ast {
    struct slt_node *nodes;
    size_t count;
    size_t capacity;
};

/* A query the harness can read: SELECT <column> FROM <table> [WHERE <expression>]. */
struct slt_select {
    struct slt_token column;
    struct slt_token table;
    uint32_t where_root; /* SLT_NODE_NONE without WHERE */
};

enum slt_parse_outcome {
    SLT_PARSE_OK,
    SLT_PARSE_SELECT_SHAPE, /* another SELECT form (several columns, ORDER BY, joins, ...) */
    SLT_PARSE_UNPARSED,     /* the expression does not parse; *detail says where */
};

/* Parses a whole query. The AST is reset first; tokens must outlive it. */
enum slt_parse_outcome slt_select_parse(const struct slt_tokens *tokens, struct slt_ast *ast,
                                        struct slt_select *select, char *detail,
                                        size_t detail_size);
void slt_ast_deinit(struct slt_ast *ast);

/* ---- Tables (slt_table.c) -------------------------------------------------------------- */

enum slt_column_type { SLT_COLUMN_INT, SLT_COLUMN_FLOAT, SLT_COLUMN_TEXT };

enum slt_value_kind { SLT_VALUE_NULL, SLT_VALUE_INTEGER, SLT_VALUE_FLOAT, SLT_VALUE_TEXT };

/* A stored value. `text` is owned: the string for TEXT, the literal as written for numbers
 * (so the CSV carries exactly the digits the SQL had), NULL for NULL. */
struct slt_value {
    enum slt_value_kind kind;
    int64_t integer;
    double real;
    char *text;
};

struct slt_column {
    char name[SLT_NAME_SIZE_MAX + 1]; /* lower-case */
    enum slt_column_type type;
};

struct slt_table {
    char name[SLT_NAME_SIZE_MAX + 1]; /* lower-case */
    struct slt_column columns[SLT_COLUMNS_MAX];
    uint32_t column_count;
    struct slt_value *values; /* row-major: row_count * column_count */
    uint32_t row_count;
    size_t value_capacity;
    /* Tables with equal content_id hold identical columns and rows (an INSERT ... SELECT *
     * into an empty table with the same columns copies the source's id). */
    uint64_t content_id;
};

struct slt_tables {
    struct slt_table *items[SLT_TABLES_MAX];
    uint32_t count;
    uint64_t next_content_id;
    uint32_t indexes_ignored; /* CREATE INDEX statements: no effect on results */
};

void slt_tables_init(struct slt_tables *tables);
void slt_tables_deinit(struct slt_tables *tables);
struct slt_table *slt_tables_find(const struct slt_tables *tables, const char *name,
                                  size_t name_size);
/* Applies a `statement ok` SQL: CREATE TABLE, CREATE [UNIQUE] INDEX (ignored), INSERT INTO t
 * VALUES (...), ..., INSERT INTO t SELECT * FROM s. Anything else is PDB_ERR_DATA: the harness
 * could not model the tables any more. */
enum pdb_status slt_tables_execute(struct slt_tables *tables, const char *sql,
                                   struct pdb_error *error);
/* Index of column `name` (ignoring case), or -1. */
int slt_table_column_find(const struct slt_table *table, const char *name, size_t name_size);
const struct slt_value *slt_table_value(const struct slt_table *table, uint32_t row_index,
                                        uint32_t column_index);

/* ---- Segments from WHERE clauses (slt_translate.c) ------------------------------------- */

/* Why a query is not run. The order is the priority when several apply. */
enum slt_reason {
    SLT_REASON_NONE = 0,
    SLT_REASON_SUBQUERY,         /* IN (SELECT ...), EXISTS, scalar subquery */
    SLT_REASON_FUNCTION,         /* abs(x), CAST(...), ... */
    SLT_REASON_ARITHMETIC,       /* col0 + 1 > 5, -col0 < 3, ... */
    SLT_REASON_COLUMN_VS_COLUMN, /* col0 > col3, col0 BETWEEN col3 AND 5, col0 IN (col3) */
    SLT_REASON_CONSTANT,         /* a predicate without a column: 1 = 1, NULL IS NULL */
    SLT_REASON_LITERAL_OPERAND,  /* 5 BETWEEN col0 AND 7, 5 IN (col0, ...) */
    SLT_REASON_MIXED_TYPES,      /* col0 = 'abc', col2 < 5: SQLite converts by affinity */
    SLT_REASON_OTHER_SQL,        /* LIKE, GLOB, CASE, COLLATE, IS <value>, truth values */
    SLT_REASON_SELECT_SHAPE,     /* not SELECT <column> FROM <table> [WHERE ...] */
    SLT_REASON_UNPARSED,         /* the harness's SQL reader gave up */
    SLT_REASON_COUNT
};

/* Short name for reports ("subquery", "column-vs-column", ...). */
const char *slt_reason_name(enum slt_reason reason);

/* Renders the expression rooted at `root` as a segment over `table`'s columns into `segment`
 * (appended) and returns SLT_REASON_NONE, or returns why it cannot (then `segment` holds a
 * partial text and *what names the construct). root SLT_NODE_NONE renders "TRUE". */
enum slt_reason slt_translate(const struct slt_ast *ast, uint32_t root,
                              const struct slt_table *table, struct buffer *segment,
                              const char **what);

/* ---- Databases (slt_database.c) -------------------------------------------------------- */

struct slt_database {
    uint64_t content_id;
    struct pdb_db *db;
    char path[4096];
};

struct slt_databases {
    char root[4096]; /* mkdtemp directory holding every database of one .test file */
    struct slt_database items[SLT_TABLES_MAX];
    uint32_t count;
};

enum pdb_status slt_databases_init(struct slt_databases *databases, struct pdb_error *error);
/* Closes every database and removes the directory (kept if PROFILEDB_SLT_KEEP is set). */
void slt_databases_deinit(struct slt_databases *databases);
/* The database holding `table`'s current content, built on first use: schema from the
 * columns, rows as CSV, pdb_db_create/open/ingest_csv, then every row checked back. The
 * returned pointer is borrowed until slt_databases_deinit. */
enum pdb_status slt_databases_get(struct slt_databases *databases, const struct slt_table *table,
                                  struct pdb_db **db_out, struct pdb_error *error);

/* ---- Results (slt_result.c, slt_md5.c) ------------------------------------------------- */

/* A query's rendered values. */
struct slt_values {
    char **items; /* owned strings */
    size_t count;
    size_t capacity;
};

void slt_values_deinit(struct slt_values *values);
void slt_values_clear(struct slt_values *values);
/* Renders value `value` as sqllogictest prints a column of type `type_char` ('I', 'R', 'T'):
 * "%lld", "%.3f", the text ("(empty)" for "", control characters as '@'); NULL is "NULL". */
int slt_values_append(struct slt_values *values, const struct slt_value *value, char type_char);
/* Sorts the values bytewise (strcmp), as rowsort and valuesort do for one column. */
void slt_values_sort(struct slt_values *values);
/* MD5 of the values, each followed by "\n", as 32 lower-case hex digits plus NUL. */
void slt_values_hash(const struct slt_values *values, char hash[33]);

/* MD5 of `size` bytes in pieces (nettle wrapper). */
struct slt_md5 {
    uint64_t state[16]; /* room for nettle's struct md5_ctx (checked in slt_md5.c) */
};
void slt_md5_init(struct slt_md5 *md5);
void slt_md5_update(struct slt_md5 *md5, const void *data, size_t size);
void slt_md5_hex(struct slt_md5 *md5, char hex[33]);

/* ---- Running files and directories (slt_runner.c) -------------------------------------- */

struct slt_stats {
    uint32_t files;
    uint64_t queries; /* every query record seen */
    uint64_t passed;
    uint64_t failed;
    uint64_t skipped; /* skipif/onlyif excluded them for engine "profiledb" */
    uint64_t unsupported[SLT_REASON_COUNT];
    uint64_t statements;
    uint32_t databases; /* profiledb databases built */
    uint32_t failure_reports;
    uint32_t unparsed_reports;
};

uint64_t slt_stats_unsupported(const struct slt_stats *stats);
/* "conformance: files F, queries Q, passed P, failed X, unsupported U (subquery a, ...)" */
void slt_stats_format(const struct slt_stats *stats, char *text, size_t text_size);

/* Runs one .test file, adding to *stats. Mismatches are counted and printed (the first
 * SLT_FAILURE_REPORTS_MAX in full); a harness problem (unreadable file, a statement it cannot
 * model, a database that does not build) counts as one failure and ends the file. */
void slt_file_run(const char *path, const char *display_name, struct slt_stats *stats);
/* Runs every *.test file of `directory` in name order; `display_name` prefixes file names in
 * reports. A directory without .test files adds nothing (stats->files stays as it was). */
void slt_directory_run(const char *directory, const char *display_name, struct slt_stats *stats);

#endif
