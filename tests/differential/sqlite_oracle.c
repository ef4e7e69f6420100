/*
 * The SQLite oracle: the test's rows in an in-memory table p(id INTEGER PRIMARY KEY, i1, i2,
 * f1, f2, ts1, b1, c1, c2, t1, g1, m1), and segment trees rendered to SQL, so SQLite's own
 * three-valued logic (NOT AND OR IN BETWEEN, NULL comparisons) answers them independently.
 * Columns have no declared type, so no affinity converts anything: INTEGER for ints, epoch
 * seconds and bools, REAL for floats (INTEGER-vs-REAL comparison is exact), TEXT compared
 * with BINARY collation (memcmp order, as the spec wants). A tag set is '|t1|t2|' ('|' when
 * empty, NULL when NULL; tags never contain '|'), so HAS is instr(g1, '|x|') > 0 (a tags table
 * with IN subqueries was 3x slower). STARTS WITH is instr(CAST(x AS BLOB), ...) = 1, ENDS
 * WITH a substr on blobs behind a CASE (substr of an empty blob is NULL in SQLite), the
 * I-variants use fold() (registered below, utf8proc); float literals are bound as parameters
 * so SQLite's decimal parser cannot round them differently from strtod.
 */
#include "diff.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct diff_sqlite {
    sqlite3 *db;
    const struct diff_data *data;
    struct diff_text condition;
    struct diff_text params;
    struct diff_text query;
    double *param_values;
    uint32_t param_count;
    uint32_t param_capacity;
};

struct sql_render {
    struct diff_text *sql;
    struct diff_text *params; /* "?1=3.5 ?2=..." for reports */
    double **values;
    uint32_t *count;
    uint32_t *capacity;
    int64_t now_s;
};

static void exec_or_die(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &message);
    cr_assert(rc == SQLITE_OK, "sqlite: %s: %s", sql, message ? message : "?");
}

/* ---- fold(): the spec's case folding, NULL for NULL, a BLOB otherwise -------------------- */

static void sql_fold(sqlite3_context *context, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const unsigned char *bytes = sqlite3_value_type(argv[0]) == SQLITE_BLOB
                                     ? sqlite3_value_blob(argv[0])
                                     : sqlite3_value_text(argv[0]);
    int size = sqlite3_value_bytes(argv[0]);
    if (size == 0) {
        sqlite3_result_zeroblob(context, 0);
        return;
    }
    bool is_ascii = true;
    for (int i = 0; i < size && is_ascii; i++)
        is_ascii = bytes[i] < 0x80;
    if (is_ascii) {
        /* For ASCII, NFC is the identity and full case folding is exactly A-Z -> a-z. */
        unsigned char *lowered = malloc((size_t)size);
        cr_assert_not_null(lowered);
        for (int i = 0; i < size; i++)
            lowered[i] =
                bytes[i] >= 'A' && bytes[i] <= 'Z' ? (unsigned char)(bytes[i] + 32) : bytes[i];
        sqlite3_result_blob(context, lowered, size, free);
        return;
    }
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t mapped_size =
        utf8proc_map(bytes, size, &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (mapped_size < 0) {
        unsigned char *lowered = malloc((size_t)size);
        cr_assert_not_null(lowered);
        for (int i = 0; i < size; i++)
            lowered[i] = (unsigned char)tolower(bytes[i]);
        sqlite3_result_blob(context, lowered, size, free);
        return;
    }
    if (mapped_size == 0)
        sqlite3_result_zeroblob(context, 0);
    else
        sqlite3_result_blob(context, mapped, (int)mapped_size, SQLITE_TRANSIENT);
    free(mapped);
}

/* ---- Loading ---------------------------------------------------------------------------- */

struct diff_sqlite *diff_sqlite_create(const struct diff_data *data)
{
    struct diff_sqlite *sqlite = calloc(1, sizeof *sqlite);
    cr_assert_not_null(sqlite);
    sqlite->data = data;
    cr_assert_eq(sqlite3_open_v2(":memory:", &sqlite->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_create_function(sqlite->db, "fold", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                         NULL, sql_fold, NULL, NULL),
                 SQLITE_OK);
    /* The oracle relies on exact INTEGER-vs-REAL comparison (SQLite >= 3.30 with a 64-bit
     * mantissa long double). Valgrind's long double emulation breaks it: refuse to run. */
    sqlite3_stmt *probe = NULL;
    cr_assert_eq(sqlite3_prepare_v2(sqlite->db,
                                    "SELECT 9007199254740993 > 9007199254740992.0 AND "
                                    "9223372036854775807 < 9223372036854775808.0",
                                    -1, &probe, NULL),
                 SQLITE_OK);
    cr_assert_eq(sqlite3_step(probe), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(probe, 0), 1,
                 "this SQLite does not compare integers with floats exactly (running under "
                 "valgrind?); the differential oracle cannot be trusted here");
    sqlite3_finalize(probe);
    exec_or_die(
        sqlite->db,
        "CREATE TABLE p(id INTEGER PRIMARY KEY, i1, i2, f1, f2, ts1, b1, c1, c2, t1, g1, i3, i4, "
        "c3, m1);"
        "BEGIN;");
    sqlite3_stmt *insert_row = NULL;
    cr_assert_eq(sqlite3_prepare_v2(sqlite->db, "INSERT INTO p VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                                    &insert_row, NULL),
                 SQLITE_OK);
    struct diff_text tag_list = {0};
    /* Column order of p after id. */
    static const enum diff_attr_id columns[] = {DIFF_I1,  DIFF_I2, DIFF_F1, DIFF_F2,
                                                DIFF_TS1, DIFF_B1, DIFF_C1, DIFF_C2,
                                                DIFF_T1,  DIFF_G1, DIFF_I3, DIFF_I4,
                                                DIFF_C3,  DIFF_M1};
    for (uint32_t row = 0; row < data->row_count; row++) {
        sqlite3_bind_int64(insert_row, 1, row);
        for (int i = 0; i < (int)(sizeof columns / sizeof columns[0]); i++) {
            const struct diff_cell *cell = diff_cell_at(data, row, columns[i]);
            int slot = i + 2;
            if (cell->is_null) {
                sqlite3_bind_null(insert_row, slot);
                continue;
            }
            switch (diff_attrs[columns[i]].type) {
            case PDB_TYPE_BOOL:
            case PDB_TYPE_INT:
            case PDB_TYPE_TIMESTAMP:
                sqlite3_bind_int64(insert_row, slot, cell->int_value);
                break;
            case PDB_TYPE_FLOAT:
                sqlite3_bind_double(insert_row, slot, cell->float_value);
                break;
            case PDB_TYPE_CATEGORY:
            case PDB_TYPE_TEXT:
                sqlite3_bind_text(insert_row, slot, cell->string_data, (int)cell->string_size,
                                  SQLITE_STATIC);
                break;
            case PDB_TYPE_TAGS:
                diff_text_clear(&tag_list);
                diff_text_puts(&tag_list, "|");
                for (uint32_t tag = 0; tag < DIFF_TAG_COUNT; tag++) {
                    if (cell->tag_mask & (1u << tag))
                        diff_text_printf(&tag_list, "%s|", diff_tags[tag]);
                }
                sqlite3_bind_text(insert_row, slot, tag_list.data, (int)tag_list.size,
                                  SQLITE_TRANSIENT);
                break;
            default:
                cr_assert_fail("unexpected column type");
            }
        }
        cr_assert_eq(sqlite3_step(insert_row), SQLITE_DONE, "%s", sqlite3_errmsg(sqlite->db));
        sqlite3_reset(insert_row);
    }
    sqlite3_finalize(insert_row);
    diff_text_deinit(&tag_list);
    exec_or_die(sqlite->db, "COMMIT;");
    return sqlite;
}

void diff_sqlite_destroy(struct diff_sqlite *sqlite)
{
    if (sqlite == NULL) return;
    sqlite3_close(sqlite->db);
    diff_text_deinit(&sqlite->condition);
    diff_text_deinit(&sqlite->params);
    diff_text_deinit(&sqlite->query);
    free(sqlite->param_values);
    free(sqlite);
}

/* ---- Rendering -------------------------------------------------------------------------- */

static void sql_string(struct diff_text *sql, const char *data, size_t size)
{
    diff_text_puts(sql, "'");
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\'') diff_text_puts(sql, "'");
        diff_text_append(sql, &data[i], 1);
    }
    diff_text_puts(sql, "'");
}

static void sql_literal(struct sql_render *r, const struct diff_literal *literal)
{
    switch (literal->kind) {
    case DIFF_LITERAL_NULL:
        diff_text_puts(r->sql, "NULL");
        break;
    case DIFF_LITERAL_INT:
    case DIFF_LITERAL_BOOL:
        /* SQLite reads -9223372036854775808 as -(2^63 as REAL); spell INT64_MIN as integers. */
        if (literal->int_value == INT64_MIN)
            diff_text_puts(r->sql, "(-9223372036854775807 - 1)");
        else
            diff_text_printf(r->sql, "%lld", (long long)literal->int_value);
        break;
    case DIFF_LITERAL_FLOAT:
        if (*r->count == *r->capacity) {
            *r->capacity = *r->capacity ? *r->capacity * 2 : 16;
            *r->values = realloc(*r->values, *r->capacity * sizeof **r->values);
            cr_assert_not_null(*r->values);
        }
        (*r->values)[(*r->count)++] = literal->float_value;
        diff_text_printf(r->sql, "?%u", *r->count);
        diff_text_printf(r->params, "%s?%u=%.17g", r->params->size ? " " : "", *r->count,
                         literal->float_value);
        break;
    case DIFF_LITERAL_STRING:
        sql_string(r->sql, literal->string_data, literal->string_size);
        break;
    case DIFF_LITERAL_TIME:
        if (literal->is_now)
            diff_text_printf(r->sql, "(%lld + %lld)", (long long)r->now_s,
                             (long long)literal->now_delta_s);
        else
            diff_text_printf(r->sql, "%lld", (long long)literal->int_value);
        break;
    }
}

static void sql_literal_list(struct sql_render *r, const struct diff_node *node)
{
    diff_text_puts(r->sql, "(");
    for (uint32_t i = 0; i < node->literal_count; i++) {
        if (i > 0) diff_text_puts(r->sql, ", ");
        sql_literal(r, &node->literals[i]);
    }
    diff_text_puts(r->sql, ")");
}

/* `x` as bytes: CAST(x AS BLOB) or fold(x). */
static void sql_bytes_of_column(struct sql_render *r, const char *column, bool is_folded)
{
    diff_text_printf(r->sql, is_folded ? "fold(%s)" : "CAST(%s AS BLOB)", column);
}

static void sql_bytes_of_literal(struct sql_render *r, const struct diff_literal *literal,
                                 bool is_folded)
{
    diff_text_puts(r->sql, is_folded ? "fold(" : "CAST(");
    sql_literal(r, literal);
    diff_text_puts(r->sql, is_folded ? ")" : " AS BLOB)");
}

static void sql_string_test(struct sql_render *r, const struct diff_node *node, const char *column)
{
    bool is_folded = node->op >= DIFF_OP_ISTARTS;
    const struct diff_literal *pattern = &node->literals[0];
    if (node->op == DIFF_OP_ENDS || node->op == DIFF_OP_IENDS) {
        diff_text_printf(r->sql, "(CASE WHEN %s IS NULL THEN NULL WHEN length(", column);
        sql_bytes_of_literal(r, pattern, is_folded);
        diff_text_puts(r->sql, ") = 0 THEN 1 WHEN length(");
        sql_bytes_of_column(r, column, is_folded);
        diff_text_puts(r->sql, ") < length(");
        sql_bytes_of_literal(r, pattern, is_folded);
        diff_text_puts(r->sql, ") THEN 0 ELSE substr(");
        sql_bytes_of_column(r, column, is_folded);
        diff_text_puts(r->sql, ", -length(");
        sql_bytes_of_literal(r, pattern, is_folded);
        diff_text_puts(r->sql, ")) = ");
        sql_bytes_of_literal(r, pattern, is_folded);
        diff_text_puts(r->sql, " END)");
        return;
    }
    diff_text_puts(r->sql, "(instr(");
    sql_bytes_of_column(r, column, is_folded);
    diff_text_puts(r->sql, ", ");
    sql_bytes_of_literal(r, pattern, is_folded);
    diff_text_puts(r->sql, node->op == DIFF_OP_CONTAINS || node->op == DIFF_OP_ICONTAINS
                               ? ") > 0)"
                               : ") = 1)");
}

/* instr(g1, '|' || tag || '|') > 0: NULL for a NULL set, FALSE for the empty set '|'. */
static void sql_tag_in_set(struct sql_render *r, const char *column, const struct diff_literal *tag)
{
    diff_text_printf(r->sql, "(instr(%s, '|' || ", column);
    sql_literal(r, tag);
    diff_text_puts(r->sql, " || '|') > 0)");
}

static void sql_has(struct sql_render *r, const struct diff_node *node, const char *column)
{
    diff_text_puts(r->sql, "(");
    for (uint32_t i = 0; i < node->literal_count; i++) {
        if (i > 0) diff_text_puts(r->sql, node->op == DIFF_OP_HAS_ALL ? " AND " : " OR ");
        sql_tag_in_set(r, column, &node->literals[i]);
    }
    diff_text_puts(r->sql, ")");
}

static const char *sql_comparison(enum diff_op op, bool is_angle_ne)
{
    switch (op) {
    case DIFF_OP_EQ:
        return "=";
    case DIFF_OP_NE:
        return is_angle_ne ? "<>" : "!=";
    case DIFF_OP_LT:
        return "<";
    case DIFF_OP_LE:
        return "<=";
    case DIFF_OP_GT:
        return ">";
    case DIFF_OP_GE:
        return ">=";
    default:
        return "?";
    }
}

static void sql_predicate(struct sql_render *r, const struct diff_node *node)
{
    const char *column = diff_attrs[node->attr].name;
    const char *not_ = node->is_negated ? "NOT " : "";
    switch (node->op) {
    case DIFF_OP_EQ:
    case DIFF_OP_NE:
    case DIFF_OP_LT:
    case DIFF_OP_LE:
    case DIFF_OP_GT:
    case DIFF_OP_GE:
        diff_text_puts(r->sql, "(");
        if (node->is_literal_left)
            sql_literal(r, &node->literals[0]);
        else
            diff_text_puts(r->sql, column);
        diff_text_printf(r->sql, " %s ", sql_comparison(node->op, node->is_angle_ne));
        if (node->is_literal_left)
            diff_text_puts(r->sql, column);
        else
            sql_literal(r, &node->literals[0]);
        diff_text_puts(r->sql, ")");
        return;
    case DIFF_OP_BETWEEN:
        diff_text_printf(r->sql, "(%s %sBETWEEN ", column, not_);
        sql_literal(r, &node->literals[0]);
        diff_text_puts(r->sql, " AND ");
        sql_literal(r, &node->literals[1]);
        diff_text_puts(r->sql, ")");
        return;
    case DIFF_OP_IN:
        diff_text_printf(r->sql, "(%s %sIN ", column, not_);
        sql_literal_list(r, node);
        diff_text_puts(r->sql, ")");
        return;
    case DIFF_OP_IS_NULL:
        diff_text_printf(r->sql, "(%s IS %sNULL)", column, not_);
        return;
    case DIFF_OP_BARE:
        diff_text_printf(r->sql, "(%s = 1)", column);
        return;
    default:
        break;
    }
    /* String tests and tag tests: SQL has no NOT form, so negate the whole test. */
    if (node->is_negated) diff_text_puts(r->sql, "(NOT ");
    if (node->op == DIFF_OP_HAS || node->op == DIFF_OP_HAS_ANY || node->op == DIFF_OP_HAS_ALL)
        sql_has(r, node, column);
    else
        sql_string_test(r, node, column);
    if (node->is_negated) diff_text_puts(r->sql, ")");
}

static void sql_node(struct sql_render *r, const struct diff_node *node)
{
    switch (node->kind) {
    case DIFF_NODE_AND:
    case DIFF_NODE_OR:
        diff_text_puts(r->sql, "(");
        sql_node(r, node->left);
        diff_text_puts(r->sql, node->kind == DIFF_NODE_AND ? " AND " : " OR ");
        sql_node(r, node->right);
        diff_text_puts(r->sql, ")");
        break;
    case DIFF_NODE_NOT:
        diff_text_puts(r->sql, "(NOT ");
        sql_node(r, node->left);
        diff_text_puts(r->sql, ")");
        break;
    case DIFF_NODE_TRUE:
        diff_text_puts(r->sql, "1");
        break;
    case DIFF_NODE_FALSE:
        diff_text_puts(r->sql, "0");
        break;
    case DIFF_NODE_PREDICATE:
        sql_predicate(r, node);
        break;
    }
}

static void render_into(struct diff_sqlite *sqlite, const struct diff_data *data,
                        const struct diff_node *root, struct diff_text *sql,
                        struct diff_text *params)
{
    sqlite->param_count = 0;
    diff_text_clear(sql);
    diff_text_clear(params);
    struct sql_render r = {
        .sql = sql,
        .params = params,
        .values = &sqlite->param_values,
        .count = &sqlite->param_count,
        .capacity = &sqlite->param_capacity,
        .now_s = data->now_s,
    };
    sql_node(&r, root);
}

/* ---- Queries ---------------------------------------------------------------------------- */

static sqlite3_stmt *prepare_bound(struct diff_sqlite *sqlite, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(sqlite->db, sql, -1, &statement, NULL);
    cr_assert(rc == SQLITE_OK, "seed=%llu: sqlite cannot prepare (%s): %s",
              (unsigned long long)sqlite->data->seed, sqlite3_errmsg(sqlite->db), sql);
    for (uint32_t i = 0; i < sqlite->param_count; i++)
        sqlite3_bind_double(statement, (int)i + 1, sqlite->param_values[i]);
    return statement;
}

uint32_t diff_sqlite_ids(struct diff_sqlite *sqlite, const struct diff_node *root, uint32_t *ids,
                         bool check_count, struct diff_text *sql_out)
{
    render_into(sqlite, sqlite->data, root, &sqlite->condition, &sqlite->params);
    diff_text_clear(&sqlite->query);
    diff_text_printf(&sqlite->query, "SELECT id FROM p WHERE %s ORDER BY id",
                     sqlite->condition.data);

    diff_text_clear(sql_out);
    diff_text_puts(sql_out, sqlite->query.data);
    if (sqlite->params.size) diff_text_printf(sql_out, "  -- params: %s", sqlite->params.data);

    sqlite3_stmt *statement = prepare_bound(sqlite, sqlite->query.data);
    uint32_t count = 0;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        cr_assert(count < sqlite->data->row_count);
        ids[count++] = (uint32_t)sqlite3_column_int64(statement, 0);
    }
    cr_assert(rc == SQLITE_DONE, "seed=%llu: sqlite step: %s: %s",
              (unsigned long long)sqlite->data->seed, sqlite3_errmsg(sqlite->db), sql_out->data);
    sqlite3_finalize(statement);

    if (check_count) {
        diff_text_clear(&sqlite->query);
        diff_text_printf(&sqlite->query, "SELECT COUNT(*) FROM p WHERE %s", sqlite->condition.data);
        statement = prepare_bound(sqlite, sqlite->query.data);
        cr_assert_eq(sqlite3_step(statement), SQLITE_ROW);
        int64_t counted = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
        cr_assert(counted == count, "seed=%llu: sqlite COUNT(*) %lld != %u ids for %s",
                  (unsigned long long)sqlite->data->seed, (long long)counted, count, sql_out->data);
    }
    return count;
}

uint32_t diff_sqlite_delete(struct diff_sqlite *sqlite, const struct diff_node *root)
{
    render_into(sqlite, sqlite->data, root, &sqlite->condition, &sqlite->params);
    diff_text_clear(&sqlite->query);
    diff_text_printf(&sqlite->query, "DELETE FROM p WHERE %s", sqlite->condition.data);
    sqlite3_stmt *statement = prepare_bound(sqlite, sqlite->query.data);
    int rc = sqlite3_step(statement);
    cr_assert(rc == SQLITE_DONE, "seed=%llu: sqlite delete: %s: %s",
              (unsigned long long)sqlite->data->seed, sqlite3_errmsg(sqlite->db),
              sqlite->query.data);
    sqlite3_finalize(statement);
    return (uint32_t)sqlite3_changes(sqlite->db);
}
