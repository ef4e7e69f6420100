/*
 * Helpers shared by the query tests (see query_test_support.h). The naive evaluator here
 * is deliberately written apart from engine/query: exact numeric comparisons go through
 * long double (64-bit mantissa on x86-64, so int64 and double convert exactly), case
 * folding through utf8proc_map, tags through string comparison, one row at a time.
 */
#include "query_test_support.h"

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/status.h"
#include "base/timestamp.h"

static_assert(LDBL_MANT_DIG >= 64, "exact int64/double comparisons need a 64-bit mantissa");

static const char retail_schema[] = "customer_id text identifier\n"
                                    "email text pii\n"
                                    "phone text pii\n"
                                    "first_name text\n"
                                    "last_name text\n"
                                    "country category indexed\n"
                                    "city category indexed\n"
                                    "gender category\n"
                                    "loyalty_tier category indexed\n"
                                    "birth_year int\n"
                                    "age int\n"
                                    "order_count int\n"
                                    "total_spend float\n"
                                    "signup_at timestamp\n"
                                    "last_seen_at timestamp\n"
                                    "interests tags indexed\n"
                                    "consent_email bool\n"
                                    "consent_sms bool\n"
                                    "consent_ads bool\n"
                                    "consent_analytics bool\n"
                                    "is_vip bool\n";

void test_schema_init(struct schema *schema)
{
    struct pdb_error error;
    enum pdb_status status =
        schema_parse(retail_schema, sizeof retail_schema - 1, "retail", schema, &error);
    cr_assert_eq(status, PDB_OK, "%s", error.message);
    cr_assert_eq(schema->attribute_count, A_COUNT);
}

uint64_t test_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t pick(uint64_t *state, uint32_t count)
{
    return (uint32_t)(test_random(state) % count);
}

/* ---- Value pools ---------------------------------------------------------------------- */

struct pooled_string {
    const char *data;
    uint32_t size;
};

#define S(literal)                                                                                 \
    {                                                                                              \
        literal, sizeof literal - 1                                                                \
    }
static const struct pooled_string string_pool[] = {
    S(""),
    S("a"),
    S("ab"),
    S("abc"),
    S("abd"),
    S("b"),
    S("Abc"),
    S("ABC"),
    S("aBc"),
    S("stra\xc3\x9f"
      "e"), /* straße */
    S("STRASSE"),
    S("Strasse"),
    S("caf\xc3\xa9"),  /* café, composed */
    S("CAFE\xcc\x81"), /* CAFÉ, decomposed */
    S("\xff\xfe"),     /* invalid UTF-8 */
    S("ab\xff"),
    S("AB\xff"),
    S("\xc4\xb0stanbul"), /* İstanbul */
    S("x'y"),
    S("US"),
    S("CA"),
    S("DE"),
    S("a b"),
    S("zzz"),
    S("\xc3"),                     /* truncated sequence */
    S("\xce\xa3\xce\x8a\xce\xa3"), /* ΣΊΣ */
    S("n\0ul"),                    /* embedded NUL */
};
static const struct pooled_string tag_pool[] = {
    S("running"), S("yoga"), S("Running"), S(""), S("\xc3\x9f"), S("books"), S("x'y"),
};
static const struct pooled_string extra_strings[] = {
    S("zz"),
    S("A"),
    S("STRA"),
    S("SSE"),
    S("CAF\xc3\x89"),
    S("\xc3\x89"),
    S("ss"),
    S("\xff"),
    S("\xc3\x9f"),
    S("ISTANBUL"),
    S("i\xcc\x87stanbul"),
    S("\xcf\x83\xce\xaf\xcf\x83"),
    S("'"),
    S("b "),
    S("nope"),
};
#undef S

static const int64_t int_pool[] = {
    INT64_MIN,
    INT64_MIN + 1,
    INT64_MAX,
    INT64_MAX - 1,
    0,
    -1,
    1,
    29,
    30,
    31,
    100,
    -100,
    9007199254740993LL,
    -9007199254740993LL,
    9007199254740992LL,
};
static const double float_pool[] = {
    0.0,
    -0.0,
    0.5,
    -0.5,
    30.5,
    30.0,
    1e300,
    -1e300,
    5e-324,
    -5e-324,
    9007199254740992.0,
    9007199254740994.0,
    DBL_MAX,
    -DBL_MAX,
    2.5,
    -7.75,
};
static const int64_t time_offsets[] = {
    -86400 * 30, -86400 * 30 - 1, -86400 * 30 + 1, -1, 0, 1, 86400 * 7, -3600,
};

static int64_t random_int_value(uint64_t *state)
{
    if (pick(state, 3) == 0) return int_pool[pick(state, sizeof int_pool / sizeof int_pool[0])];
    return (int64_t)pick(state, 201) - 50;
}

static double random_float_value(uint64_t *state)
{
    if (pick(state, 3) == 0)
        return float_pool[pick(state, sizeof float_pool / sizeof float_pool[0])];
    return ((double)pick(state, 4001) - 2000.0) / 8.0;
}

static int64_t random_time_value(uint64_t *state)
{
    switch (pick(state, 4)) {
    case 0:
        return TEST_NOW + time_offsets[pick(state, sizeof time_offsets / sizeof time_offsets[0])];
    case 1:
        return (int64_t)pick(state, 3) - 1 + (pick(state, 2) ? INT64_MIN + 1 : 0);
    default:
        return TEST_NOW - 86400 * 60 + (int64_t)pick(state, 86400 * 90);
    }
}

static struct pooled_string random_string_value(uint64_t *state)
{
    return string_pool[pick(state, sizeof string_pool / sizeof string_pool[0])];
}

/* ---- Models --------------------------------------------------------------------------- */

void model_init_random(struct model *model, uint32_t rows, uint32_t seed, int null_percent)
{
    memset(model, 0, sizeof *model);
    test_schema_init(&model->schema);
    model->row_count = rows;
    model->values = calloc((size_t)rows * A_COUNT + 1, sizeof model->values[0]);
    cr_assert_not_null(model->values);
    uint64_t state = seed;
    for (uint32_t row = 0; row < rows; row++) {
        for (uint32_t a = 0; a < A_COUNT; a++) {
            struct model_value *value = model_at(model, row, a);
            if ((int)pick(&state, 100) < null_percent) {
                value->is_null = true;
                continue;
            }
            switch (model->schema.attributes[a].type) {
            case PDB_TYPE_BOOL:
                value->b = pick(&state, 2);
                break;
            case PDB_TYPE_INT:
                value->i = random_int_value(&state);
                break;
            case PDB_TYPE_FLOAT:
                value->f = random_float_value(&state) + 0.0;
                break;
            case PDB_TYPE_TIMESTAMP:
                value->i = random_time_value(&state);
                break;
            case PDB_TYPE_CATEGORY:
            case PDB_TYPE_TEXT: {
                struct pooled_string s = random_string_value(&state);
                value->s = s.data;
                value->size = s.size;
                break;
            }
            case PDB_TYPE_TAGS: {
                uint32_t count = pick(&state, 4);
                for (uint32_t t = 0; t < count; t++) {
                    struct pooled_string s =
                        tag_pool[pick(&state, sizeof tag_pool / sizeof tag_pool[0])];
                    bool duplicate = false;
                    for (uint32_t k = 0; k < value->tag_count; k++)
                        duplicate |= value->tag_sizes[k] == s.size &&
                                     memcmp(value->tags[k], s.data, s.size) == 0;
                    if (duplicate) continue;
                    value->tags[value->tag_count] = s.data;
                    value->tag_sizes[value->tag_count++] = s.size;
                }
                break;
            }
            default:
                break;
            }
        }
    }
}

void model_init_empty(struct model *model, uint32_t rows)
{
    model_init_random(model, rows, 1, 100);
}

/* seal: leave every chunk sealed, as decoded columns are; else the last chunk of each lane
 * column stays in the building form appends leave it in (column.h). */
static void build_table(struct model *model, bool seal)
{
    struct pdb_error error;
    struct column *columns[A_COUNT];
    for (uint32_t a = 0; a < A_COUNT; a++) {
        const struct attribute *attribute = &model->schema.attributes[a];
        columns[a] = column_create(attribute);
        cr_assert_not_null(columns[a]);
        for (uint32_t row = 0; row < model->row_count; row++) {
            const struct model_value *value = model_at(model, row, a);
            enum pdb_status status;
            if (value->is_null) {
                status = column_append_null(columns[a], &error);
            } else {
                switch (attribute->type) {
                case PDB_TYPE_BOOL:
                    status = column_append_bool(columns[a], value->b, &error);
                    break;
                case PDB_TYPE_INT:
                case PDB_TYPE_TIMESTAMP:
                    status = column_append_int(columns[a], value->i, &error);
                    break;
                case PDB_TYPE_FLOAT:
                    status = column_append_float(columns[a], value->f, &error);
                    break;
                case PDB_TYPE_TAGS:
                    status = column_append_tags(columns[a], value->tags, value->tag_sizes,
                                                value->tag_count, &error);
                    break;
                default:
                    status = column_append_string(columns[a], value->s, value->size, &error);
                    break;
                }
            }
            cr_assert_eq(status, PDB_OK, "%s", error.message);
        }
        if (seal) cr_assert_eq(column_seal(columns[a], &error), PDB_OK, "%s", error.message);
        cr_assert_eq(column_validate(columns[a]), 0);
    }
    cr_assert_eq(table_init(&model->table, &model->schema), 0);
    cr_assert_eq(table_adopt_columns(&model->table, columns, &error), PDB_OK, "%s", error.message);
}

void model_build_table(struct model *model)
{
    build_table(model, true);
}

void model_build_table_unsealed(struct model *model)
{
    build_table(model, false);
}

void model_deinit(struct model *model)
{
    if (model->table.columns) table_deinit(&model->table);
    free(model->values);
    schema_deinit(&model->schema);
    memset(model, 0, sizeof *model);
}

/* ---- Naive evaluation ------------------------------------------------------------------ */

static enum tv tv_not(enum tv a)
{
    return a == TV_UNKNOWN ? TV_UNKNOWN : a == TV_TRUE ? TV_FALSE : TV_TRUE;
}

static enum tv tv_and(enum tv a, enum tv b)
{
    if (a == TV_FALSE || b == TV_FALSE) return TV_FALSE;
    if (a == TV_TRUE && b == TV_TRUE) return TV_TRUE;
    return TV_UNKNOWN;
}

static enum tv tv_or(enum tv a, enum tv b)
{
    if (a == TV_TRUE || b == TV_TRUE) return TV_TRUE;
    if (a == TV_FALSE && b == TV_FALSE) return TV_FALSE;
    return TV_UNKNOWN;
}

static enum tv tv_of(bool value)
{
    return value ? TV_TRUE : TV_FALSE;
}

static int sign_of_ld(long double a, long double b)
{
    return (a > b) - (a < b);
}

static int compare_bytes(const char *a, uint32_t a_size, const char *b, uint32_t b_size)
{
    for (uint32_t i = 0; i < a_size && i < b_size; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y) return x < y ? -1 : 1;
    }
    return (a_size > b_size) - (a_size < b_size);
}

static int64_t literal_time(const struct tlit *literal)
{
    if (literal->kind == TL_NOW) return TEST_NOW + literal->i;
    if (literal->kind == TL_INT) return literal->i;
    int64_t seconds = 0;
    const char *reason = timestamp_parse(literal->s, literal->size, &seconds);
    cr_assert_null(reason, "test literal is not a timestamp");
    return seconds;
}

/* value <=> literal, both non-null and well typed. */
static int compare_value(enum pdb_type type, const struct model_value *value,
                         const struct tlit *literal)
{
    switch (type) {
    case PDB_TYPE_BOOL:
        return (value->b ? 1 : 0) - (literal->kind == TL_TRUE ? 1 : 0);
    case PDB_TYPE_INT:
        if (literal->kind == TL_FLOAT)
            return sign_of_ld((long double)value->i, (long double)literal->f);
        return (value->i > literal->i) - (value->i < literal->i);
    case PDB_TYPE_FLOAT:
        if (literal->kind == TL_INT)
            return sign_of_ld((long double)value->f, (long double)literal->i);
        return (value->f > literal->f) - (value->f < literal->f);
    case PDB_TYPE_TIMESTAMP: {
        int64_t t = literal_time(literal);
        return (value->i > t) - (value->i < t);
    }
    default:
        return compare_bytes(value->s, value->size, literal->s, literal->size);
    }
}

static enum tv compare_op(enum top op, enum pdb_type type, const struct model_value *value,
                          const struct tlit *literal)
{
    if (literal->kind == TL_NULL || value->is_null) return TV_UNKNOWN;
    int order = compare_value(type, value, literal);
    switch (op) {
    case OP_EQ:
        return tv_of(order == 0);
    case OP_NE:
        return tv_of(order != 0);
    case OP_LT:
        return tv_of(order < 0);
    case OP_LE:
        return tv_of(order <= 0);
    case OP_GT:
        return tv_of(order > 0);
    case OP_GE:
        return tv_of(order >= 0);
    default:
        cr_assert_fail("not a comparison");
        return TV_UNKNOWN;
    }
}

/* Case fold with utf8proc_map; ASCII tolower when not valid UTF-8. Owned result. */
static char *fold(const char *data, uint32_t size, uint32_t *size_out)
{
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t length = utf8proc_map((const utf8proc_uint8_t *)data, size, &out,
                                           UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (length < 0) {
        char *copy = malloc(size + 1);
        for (uint32_t i = 0; i < size; i++)
            copy[i] = (data[i] >= 'A' && data[i] <= 'Z') ? (char)(data[i] + 32) : data[i];
        *size_out = size;
        return copy;
    }
    *size_out = (uint32_t)length;
    return (char *)out;
}

static bool naive_contains(const char *h, uint32_t h_size, const char *n, uint32_t n_size)
{
    for (uint32_t start = 0; start + n_size <= h_size; start++)
        if (n_size == 0 || memcmp(h + start, n, n_size) == 0) return true;
    return false;
}

static bool string_test(enum top op, const char *value, uint32_t size, const struct tlit *literal)
{
    const char *pattern = literal->s;
    uint32_t pattern_size = literal->size;
    char *folded_value = NULL, *folded_pattern = NULL;
    if (op == OP_ISTARTS || op == OP_IENDS || op == OP_ICONTAINS) {
        folded_value = fold(value, size, &size);
        folded_pattern = fold(pattern, pattern_size, &pattern_size);
        value = folded_value;
        pattern = folded_pattern;
    }
    bool result;
    switch (op) {
    case OP_STARTS:
    case OP_ISTARTS:
        result = pattern_size <= size && memcmp(value, pattern, pattern_size) == 0;
        break;
    case OP_ENDS:
    case OP_IENDS:
        result =
            pattern_size <= size && memcmp(value + size - pattern_size, pattern, pattern_size) == 0;
        break;
    default:
        result = naive_contains(value, size, pattern, pattern_size);
        break;
    }
    free(folded_value);
    free(folded_pattern);
    return result;
}

static bool has_tag(const struct model_value *value, const struct tlit *literal)
{
    for (uint32_t i = 0; i < value->tag_count; i++)
        if (compare_bytes(value->tags[i], value->tag_sizes[i], literal->s, literal->size) == 0)
            return true;
    return false;
}

static enum tv eval_predicate(const struct texpr *expr, struct model *model, uint32_t row)
{
    const struct model_value *value = model_at(model, row, expr->attribute);
    enum pdb_type type = model->schema.attributes[expr->attribute].type;
    const struct tlit *literals = expr->literals;
    enum tv result = TV_UNKNOWN;
    switch (expr->op) {
    case OP_BARE:
        result = value->is_null ? TV_UNKNOWN : tv_of(value->b);
        break;
    case OP_IS_NULL:
        result = tv_of(value->is_null);
        break;
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE:
        result = compare_op(expr->op, type, value, &literals[0]);
        break;
    case OP_BETWEEN:
        result = tv_and(compare_op(OP_GE, type, value, &literals[0]),
                        compare_op(OP_LE, type, value, &literals[1]));
        break;
    case OP_IN: {
        bool found = false, has_null = false;
        for (uint32_t i = 0; i < expr->literal_count; i++) {
            if (literals[i].kind == TL_NULL) {
                has_null = true;
            } else if (!value->is_null && compare_value(type, value, &literals[i]) == 0) {
                found = true;
            }
        }
        result = found ? TV_TRUE : (value->is_null || has_null) ? TV_UNKNOWN : TV_FALSE;
        break;
    }
    case OP_HAS:
    case OP_HAS_ANY:
    case OP_HAS_ALL: {
        if (value->is_null) break;
        bool any = false, all = true;
        for (uint32_t i = 0; i < expr->literal_count; i++) {
            bool has = has_tag(value, &literals[i]);
            any |= has;
            all &= has;
        }
        result = tv_of(expr->op == OP_HAS_ALL ? all : any);
        break;
    }
    default:
        if (value->is_null) break;
        result = tv_of(string_test(expr->op, value->s, value->size, &literals[0]));
        break;
    }
    return expr->negated ? tv_not(result) : result;
}

enum tv texpr_eval(const struct texpr *expr, struct model *model, uint32_t row)
{
    switch (expr->kind) {
    case TX_TRUE:
        return TV_TRUE;
    case TX_FALSE:
        return TV_FALSE;
    case TX_NOT:
        return tv_not(texpr_eval(expr->children[0], model, row));
    case TX_AND:
    case TX_OR: {
        enum tv result = texpr_eval(expr->children[0], model, row);
        for (uint32_t i = 1; i < expr->child_count; i++) {
            enum tv next = texpr_eval(expr->children[i], model, row);
            result = expr->kind == TX_AND ? tv_and(result, next) : tv_or(result, next);
        }
        return result;
    }
    default:
        return eval_predicate(expr, model, row);
    }
}

/* ---- Rendering ------------------------------------------------------------------------- */

static void put(struct buffer *out, const char *text)
{
    cr_assert_eq(buffer_append(out, text, strlen(text)), 0);
}

static void put_literal(struct buffer *out, const struct tlit *literal)
{
    char text[64];
    switch (literal->kind) {
    case TL_INT:
        snprintf(text, sizeof text, "%lld", (long long)literal->i);
        put(out, text);
        break;
    case TL_FLOAT:
        snprintf(text, sizeof text, "%.17g", literal->f);
        if (!strpbrk(text, ".e")) strcat(text, ".0");
        put(out, text);
        break;
    case TL_TRUE:
        put(out, "TRUE");
        break;
    case TL_FALSE:
        put(out, "false");
        break;
    case TL_NULL:
        put(out, "Null");
        break;
    case TL_NOW:
        if (literal->i == 0) {
            put(out, "now()");
        } else {
            int64_t magnitude = literal->i < 0 ? -literal->i : literal->i;
            const char *unit = magnitude % 86400 == 0 ? "d" : magnitude % 3600 == 0 ? "h" : "s";
            int64_t divisor = unit[0] == 'd' ? 86400 : unit[0] == 'h' ? 3600 : 1;
            snprintf(text, sizeof text, "NOW() %c %lld%s", literal->i < 0 ? '-' : '+',
                     (long long)(magnitude / divisor), unit);
            put(out, text);
        }
        break;
    case TL_STRING:
        put(out, "'");
        for (uint32_t i = 0; i < literal->size; i++) {
            cr_assert_eq(buffer_append(out, &literal->s[i], 1), 0);
            if (literal->s[i] == '\'') put(out, "'");
        }
        put(out, "'");
        break;
    }
}

static const char *const op_text[OP_COUNT] = {
    [OP_BARE] = "",
    [OP_EQ] = "=",
    [OP_NE] = "!=",
    [OP_LT] = "<",
    [OP_LE] = "<=",
    [OP_GT] = ">",
    [OP_GE] = ">=",
    [OP_BETWEEN] = "BETWEEN",
    [OP_IN] = "IN",
    [OP_IS_NULL] = "IS",
    [OP_STARTS] = "STARTS WITH",
    [OP_ENDS] = "ends with",
    [OP_CONTAINS] = "CONTAINS",
    [OP_ISTARTS] = "ISTARTS WITH",
    [OP_IENDS] = "IENDS  WITH",
    [OP_ICONTAINS] = "icontains",
    [OP_HAS] = "HAS",
    [OP_HAS_ANY] = "HAS ANY",
    [OP_HAS_ALL] = "has all",
};

static enum top flipped(enum top op)
{
    switch (op) {
    case OP_LT:
        return OP_GT;
    case OP_LE:
        return OP_GE;
    case OP_GT:
        return OP_LT;
    case OP_GE:
        return OP_LE;
    default:
        return op;
    }
}

void texpr_render(const struct texpr *expr, const struct schema *schema, struct buffer *out)
{
    switch (expr->kind) {
    case TX_TRUE:
        put(out, "TRUE");
        break;
    case TX_FALSE:
        put(out, "FALSE");
        break;
    case TX_NOT:
        put(out, "NOT ");
        texpr_render(expr->children[0], schema, out);
        break;
    case TX_AND:
    case TX_OR:
        put(out, "(");
        for (uint32_t i = 0; i < expr->child_count; i++) {
            if (i)
                put(out, expr->kind == TX_AND ? (i % 2 ? " AND " : "\n and\t")
                                              : (i % 2 ? " OR " : " or "));
            texpr_render(expr->children[i], schema, out);
        }
        put(out, ")");
        break;
    case TX_PRED: {
        const char *name = schema->attributes[expr->attribute].name;
        if (expr->literal_first) {
            put(out, "(");
            put_literal(out, &expr->literals[0]);
            put(out, " ");
            put(out, op_text[flipped(expr->op)]);
            put(out, " ");
            put(out, name);
            put(out, ")");
            break;
        }
        put(out, "(");
        put(out, name);
        if (expr->op == OP_BARE) {
            put(out, ")");
            break;
        }
        if (expr->op == OP_IS_NULL) {
            put(out, expr->negated ? " IS NOT NULL)" : " IS NULL)");
            break;
        }
        put(out, expr->negated ? " NOT " : " ");
        put(out, op_text[expr->op]);
        put(out, " ");
        if (expr->op == OP_BETWEEN) {
            put_literal(out, &expr->literals[0]);
            put(out, " AND ");
            put_literal(out, &expr->literals[1]);
        } else if (expr->op == OP_IN || expr->op == OP_HAS_ANY || expr->op == OP_HAS_ALL) {
            put(out, "(");
            for (uint32_t i = 0; i < expr->literal_count; i++) {
                if (i) put(out, ", ");
                put_literal(out, &expr->literals[i]);
            }
            put(out, ")");
        } else {
            put_literal(out, &expr->literals[0]);
        }
        put(out, ")");
        break;
    }
    }
    cr_assert_eq(buffer_append(out, "", 1), 0);
    out->size--; /* keep it NUL-terminated without counting the NUL */
}

/* ---- Random expressions ---------------------------------------------------------------- */

static struct tlit random_string_literal(uint64_t *state)
{
    struct pooled_string s =
        pick(state, 3) == 0
            ? extra_strings[pick(state, sizeof extra_strings / sizeof extra_strings[0])]
            : random_string_value(state);
    return (struct tlit){.kind = TL_STRING, .s = s.data, .size = s.size};
}

static struct tlit random_literal(uint64_t *state, enum pdb_type type, bool allow_null)
{
    if (allow_null && pick(state, 12) == 0) return (struct tlit){.kind = TL_NULL};
    struct tlit literal = {0};
    switch (type) {
    case PDB_TYPE_BOOL:
        literal.kind = pick(state, 2) ? TL_TRUE : TL_FALSE;
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
        if (pick(state, 2)) {
            literal.kind = TL_INT;
            literal.i = random_int_value(state);
        } else {
            static const double extra[] = {
                30.5, 29.999, 1e19,  -1e19, 9223372036854775808.0, -9223372036854775808.0,
                0.25, -0.0,   1e-300};
            literal.kind = TL_FLOAT;
            literal.f = pick(state, 2) ? random_float_value(state)
                                       : extra[pick(state, sizeof extra / sizeof extra[0])];
        }
        break;
    case PDB_TYPE_TIMESTAMP:
        switch (pick(state, 3)) {
        case 0:
            literal.kind = TL_INT;
            literal.i = random_time_value(state);
            break;
        case 1:
            literal.kind = TL_NOW;
            literal.i = time_offsets[pick(state, sizeof time_offsets / sizeof time_offsets[0])];
            break;
        default: {
            static const char *const texts[] = {"2023-11-14T22:13:20Z", "2023-11-14 23:13:20+01:00",
                                                "2023-10-15",           "2023-11-14T22:13:19.999Z",
                                                "1970-01-01",           "2023-11-14T22:13"};
            literal.kind = TL_STRING;
            literal.s = texts[pick(state, sizeof texts / sizeof texts[0])];
            literal.size = (uint32_t)strlen(literal.s);
            break;
        }
        }
        break;
    default:
        literal = random_string_literal(state);
        break;
    }
    return literal;
}

static const enum pdb_type attribute_types[A_COUNT] = {
    PDB_TYPE_TEXT,     PDB_TYPE_TEXT,     PDB_TYPE_TEXT,     PDB_TYPE_TEXT,      PDB_TYPE_TEXT,
    PDB_TYPE_CATEGORY, PDB_TYPE_CATEGORY, PDB_TYPE_CATEGORY, PDB_TYPE_CATEGORY,  PDB_TYPE_INT,
    PDB_TYPE_INT,      PDB_TYPE_INT,      PDB_TYPE_FLOAT,    PDB_TYPE_TIMESTAMP, PDB_TYPE_TIMESTAMP,
    PDB_TYPE_TAGS,     PDB_TYPE_BOOL,     PDB_TYPE_BOOL,     PDB_TYPE_BOOL,      PDB_TYPE_BOOL,
    PDB_TYPE_BOOL,
};

static void random_predicate(uint64_t *state, struct texpr *expr)
{
    expr->kind = TX_PRED;
    expr->attribute = pick(state, A_COUNT);
    enum pdb_type type = attribute_types[expr->attribute];
    static const enum top bool_ops[] = {OP_BARE, OP_EQ, OP_NE, OP_IN, OP_IS_NULL};
    static const enum top number_ops[] = {OP_EQ, OP_NE,      OP_LT, OP_LE,     OP_GT,
                                          OP_GE, OP_BETWEEN, OP_IN, OP_IS_NULL};
    static const enum top string_ops[] = {
        OP_EQ,      OP_NE,     OP_LT,   OP_LE,       OP_GT,      OP_GE,    OP_BETWEEN,  OP_IN,
        OP_IS_NULL, OP_STARTS, OP_ENDS, OP_CONTAINS, OP_ISTARTS, OP_IENDS, OP_ICONTAINS};
    static const enum top tag_ops[] = {OP_HAS, OP_HAS_ANY, OP_HAS_ALL, OP_IS_NULL};
    switch (type) {
    case PDB_TYPE_BOOL:
        expr->op = bool_ops[pick(state, 5)];
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
    case PDB_TYPE_TIMESTAMP:
        expr->op = number_ops[pick(state, 9)];
        break;
    case PDB_TYPE_TAGS:
        expr->op = tag_ops[pick(state, 4)];
        break;
    default:
        expr->op = string_ops[pick(state, 15)];
        break;
    }
    switch (expr->op) {
    case OP_BARE:
        break;
    case OP_IS_NULL:
        expr->negated = pick(state, 2);
        break;
    case OP_BETWEEN:
        expr->negated = pick(state, 3) == 0;
        expr->literal_count = 2;
        expr->literals[0] = random_literal(state, type, true);
        expr->literals[1] = random_literal(state, type, true);
        break;
    case OP_IN:
        expr->negated = pick(state, 3) == 0;
        expr->literal_count = 1 + pick(state, TEXPR_LITERALS_MAX);
        for (uint32_t i = 0; i < expr->literal_count; i++)
            expr->literals[i] = random_literal(state, type, true);
        break;
    case OP_HAS:
    case OP_HAS_ANY:
    case OP_HAS_ALL:
        expr->negated = pick(state, 3) == 0;
        expr->literal_count = expr->op == OP_HAS ? 1 : 1 + pick(state, 4);
        for (uint32_t i = 0; i < expr->literal_count; i++) {
            struct pooled_string s =
                pick(state, 4) == 0
                    ? extra_strings[pick(state, sizeof extra_strings / sizeof extra_strings[0])]
                    : tag_pool[pick(state, sizeof tag_pool / sizeof tag_pool[0])];
            expr->literals[i] = (struct tlit){.kind = TL_STRING, .s = s.data, .size = s.size};
        }
        break;
    case OP_STARTS:
    case OP_ENDS:
    case OP_CONTAINS:
    case OP_ISTARTS:
    case OP_IENDS:
    case OP_ICONTAINS:
        expr->negated = pick(state, 3) == 0;
        expr->literal_count = 1;
        expr->literals[0] = random_string_literal(state);
        break;
    default:
        expr->literal_count = 1;
        expr->literals[0] = random_literal(state, type, true);
        expr->literal_first = pick(state, 5) == 0;
        break;
    }
}

struct texpr *texpr_random(uint64_t *state, uint32_t depth)
{
    struct texpr *expr = calloc(1, sizeof *expr);
    cr_assert_not_null(expr);
    uint32_t roll = pick(state, 20);
    if (depth == 0 || roll < 8) {
        if (roll == 0) {
            expr->kind = pick(state, 2) ? TX_TRUE : TX_FALSE;
        } else {
            random_predicate(state, expr);
        }
    } else if (roll < 17) {
        expr->kind = roll < 13 ? TX_AND : TX_OR;
        expr->child_count = 2 + pick(state, TEXPR_CHILDREN_MAX - 1);
        for (uint32_t i = 0; i < expr->child_count; i++)
            expr->children[i] = texpr_random(state, depth - 1);
    } else {
        expr->kind = TX_NOT;
        expr->child_count = 1;
        expr->children[0] = texpr_random(state, depth - 1);
    }
    return expr;
}

void texpr_free(struct texpr *expr)
{
    if (expr == NULL) return;
    for (uint32_t i = 0; i < expr->child_count; i++)
        texpr_free(expr->children[i]);
    free(expr);
}

uint32_t test_literal_pool(enum pdb_type type, struct tlit *out, uint32_t capacity)
{
    uint32_t count = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (count < capacity) out[count++] = (struct tlit){__VA_ARGS__};                           \
    } while (0)
    ADD(.kind = TL_NULL);
    switch (type) {
    case PDB_TYPE_BOOL:
        ADD(.kind = TL_TRUE);
        ADD(.kind = TL_FALSE);
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT: {
        static const double extra[] = {
            30.5, 29.999, 1e19,   -1e19, 9223372036854775808.0, -9223372036854775808.0,
            0.25, -0.0,   1e-300, -50.5};
        for (size_t i = 0; i < sizeof int_pool / sizeof int_pool[0]; i++)
            ADD(.kind = TL_INT, .i = int_pool[i]);
        for (size_t i = 0; i < sizeof float_pool / sizeof float_pool[0]; i++)
            ADD(.kind = TL_FLOAT, .f = float_pool[i]);
        for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
            ADD(.kind = TL_FLOAT, .f = extra[i]);
        for (int64_t v = -3; v <= 3; v++)
            ADD(.kind = TL_INT, .i = v * 17);
        break;
    }
    case PDB_TYPE_TIMESTAMP: {
        static const char *const texts[] = {"2023-11-14T22:13:20Z", "2023-11-14 23:13:20+01:00",
                                            "2023-10-15", "2023-11-14T22:13:19.999Z"};
        for (size_t i = 0; i < sizeof time_offsets / sizeof time_offsets[0]; i++) {
            ADD(.kind = TL_NOW, .i = time_offsets[i]);
            ADD(.kind = TL_INT, .i = TEST_NOW + time_offsets[i]);
        }
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            ADD(.kind = TL_STRING, .s = texts[i], .size = (uint32_t)strlen(texts[i]));
        ADD(.kind = TL_INT, .i = INT64_MIN);
        ADD(.kind = TL_INT, .i = INT64_MIN + 1);
        ADD(.kind = TL_INT, .i = INT64_MAX);
        break;
    }
    case PDB_TYPE_TAGS:
        for (size_t i = 0; i < sizeof tag_pool / sizeof tag_pool[0]; i++)
            ADD(.kind = TL_STRING, .s = tag_pool[i].data, .size = tag_pool[i].size);
        for (size_t i = 0; i < 4; i++)
            ADD(.kind = TL_STRING, .s = extra_strings[i].data, .size = extra_strings[i].size);
        break;
    default:
        for (size_t i = 0; i < sizeof string_pool / sizeof string_pool[0]; i++)
            ADD(.kind = TL_STRING, .s = string_pool[i].data, .size = string_pool[i].size);
        for (size_t i = 0; i < sizeof extra_strings / sizeof extra_strings[0]; i++)
            ADD(.kind = TL_STRING, .s = extra_strings[i].data, .size = extra_strings[i].size);
        break;
    }
#undef ADD
    return count;
}

/* ---- Running segments ------------------------------------------------------------------ */

struct id_collector {
    bool *matches;
    uint32_t row_count;
    int64_t last;
    uint64_t count;
};

static bool collect_id(void *context, uint32_t row_id)
{
    struct id_collector *collector = context;
    cr_assert_lt(row_id, collector->row_count);
    cr_assert_gt((int64_t)row_id, collector->last, "ids must ascend");
    collector->last = row_id;
    collector->matches[row_id] = true;
    collector->count++;
    return true;
}

bool *run_segment(struct model *model, const char *text, size_t size)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status =
        segment_compile(text, size, &model->schema, TEST_NOW, &segment, &error);
    cr_assert_eq(status, PDB_OK, "compile %s: %s", text, error.message);
    cr_assert_eq(segment_validate(segment), 0, "invalid bound tree for %s", text);
    uint64_t count = 0;
    status = segment_count(segment, &model->table, &count, &error);
    cr_assert_eq(status, PDB_OK, "%s", error.message);
    struct id_collector collector = {calloc(model->row_count + 1, 1), model->row_count, -1, 0};
    status = segment_ids(segment, &model->table, 0, collect_id, &collector, &error);
    cr_assert_eq(status, PDB_OK, "%s", error.message);
    cr_assert_eq(collector.count, count, "count %llu but %llu ids for %s",
                 (unsigned long long)count, (unsigned long long)collector.count, text);
    /* Both access paths of the indexed attributes (country, city, loyalty_tier, interests),
     * forced, count what the planner's choice counted. */
    static const char *const forced_paths[] = {"index", "scan"};
    for (uint32_t i = 0; i < 2; i++) {
        setenv("PROFILEDB_PLAN", forced_paths[i], 1);
        uint64_t forced = 0;
        status = segment_count(segment, &model->table, &forced, &error);
        unsetenv("PROFILEDB_PLAN");
        cr_assert_eq(status, PDB_OK, "%s", error.message);
        cr_assert_eq(forced, count, "PROFILEDB_PLAN=%s counts %llu, the planner %llu for %s",
                     forced_paths[i], (unsigned long long)forced, (unsigned long long)count, text);
    }
    segment_destroy(segment);
    return collector.matches;
}

static char test_context[256];

void test_set_context(const char *context)
{
    snprintf(test_context, sizeof test_context, "%s", context);
}

void check_against_model(struct model *model, const struct texpr *expr, const char *text,
                         size_t size)
{
    bool *matches = run_segment(model, text, size);
    for (uint32_t row = 0; row < model->row_count; row++) {
        bool expected = texpr_eval(expr, model, row) == TV_TRUE;
        if (matches[row] != expected) {
            char *plan = explain_text(text);
            cr_assert_fail("%s row %u: expected %d, got %d for\n%s\nplan:\n%s", test_context, row,
                           expected, matches[row], text, plan);
        }
    }
    free(matches);
}

enum pdb_status compile_error(const char *text, char *message, size_t message_size)
{
    struct schema schema;
    test_schema_init(&schema);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status =
        segment_compile(text, strlen(text), &schema, TEST_NOW, &segment, &error);
    cr_assert_neq(status, PDB_OK, "expected an error for %s", text);
    cr_assert_null(segment, "out-parameter must stay untouched");
    cr_assert_eq(error.status, status);
    snprintf(message, message_size, "%s", error.message);
    schema_deinit(&schema);
    return status;
}

char *explain_text(const char *text)
{
    struct schema schema;
    test_schema_init(&schema);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status =
        segment_compile(text, strlen(text), &schema, TEST_NOW, &segment, &error);
    cr_assert_eq(status, PDB_OK, "compile %s: %s", text, error.message);
    cr_assert_eq(segment_validate(segment), 0, "invalid bound tree for %s", text);
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(segment_explain(segment, &out), PDB_OK);
    char *result = strndup((const char *)out.data, out.size);
    buffer_deinit(&out);
    segment_destroy(segment);
    schema_deinit(&schema);
    return result;
}
