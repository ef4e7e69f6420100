/*
 * Random segment expression trees for the differential test.
 *
 * A tree is AND / OR / NOT over predicates, up to five levels deep. Every operator of the
 * segment language is generated for every type it applies to (notes/segment_spec.md):
 * comparisons with the literal on either side, [NOT] BETWEEN with ordered, reversed and NULL
 * bounds, [NOT] IN with 1-10 literals, duplicates and NULLs, IS [NOT] NULL, comparisons with
 * the NULL literal, int attributes against float literals and float attributes against
 * integer literals beyond 2^53, the six string tests and their negations, HAS / HAS ANY /
 * HAS ALL with tags no row has, bare bools, TRUE / FALSE, and timestamps as epoch integers,
 * ISO strings in several spellings and now() +- durations.
 * Half of the literals come from the data (so predicates select some rows, not all or none),
 * half are edges or random. Segment `index` of stream `stream` depends on nothing else.
 */
#include "diff.h"

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))
#define GEN_DEPTH_MAX 5u
#define GEN_LEAVES_MAX 12 /* predicates and constants per tree: keeps the oracles' time bounded */
#define GEN_IN_LIST_SIZE_MAX 10u
#define GEN_IN_LIST_LONG_MIN 50u
#define GEN_TAG_LIST_SIZE_MAX 5u

struct generator {
    struct diff_rng rng;
    const struct diff_data *data;
    struct diff_arena *arena;
    int32_t leaf_budget; /* leaves still allowed in this tree (may overshoot by the depth) */
};

/* ---- Literals --------------------------------------------------------------------------- */

static struct diff_literal *literals_create(struct generator *g, uint32_t count)
{
    struct diff_literal *literals = diff_arena_alloc(g->arena, count * sizeof *literals);
    memset(literals, 0, count * sizeof *literals);
    return literals;
}

static void literal_int(struct diff_literal *literal, int64_t value)
{
    literal->kind = DIFF_LITERAL_INT;
    literal->int_value = value;
    literal->spelling = NULL; /* "%lld", or "-0" for a few zeros (see numeric_literal) */
}

/* Rewrites the decimal number in `text` ("-1.25e+19", "0.0005", "3.5") in another notation of
 * the grammar denoting the same decimal value (so strtod gives the same double): integer
 * mantissa with exponent ("125e17", "5e-4"), scientific with 'E' ("3.5E0"), or positional
 * ("0.0005", "12500000000000000000.0"). Leaves text alone if anything looks unusual. */
static void float_respell(struct generator *g, char *text, size_t capacity)
{
    const char *cursor = text;
    bool is_negative = *cursor == '-';
    if (is_negative) cursor++;
    char digits[40];
    size_t digit_count = 0;
    long exponent = 0;
    bool seen_point = false;
    for (; *cursor && *cursor != 'e'; cursor++) {
        if (*cursor == '.') {
            seen_point = true;
            continue;
        }
        if (*cursor < '0' || *cursor > '9' || digit_count + 1 >= sizeof digits) return;
        digits[digit_count++] = *cursor;
        if (seen_point) exponent--;
    }
    if (*cursor == 'e') exponent += strtol(cursor + 1, NULL, 10);
    digits[digit_count] = '\0';
    size_t leading = 0; /* value = digits * 10^exponent; trim zeros on both ends */
    while (leading + 1 < digit_count && digits[leading] == '0')
        leading++;
    memmove(digits, digits + leading, digit_count - leading + 1);
    digit_count -= leading;
    while (digit_count > 1 && digits[digit_count - 1] == '0') {
        digits[--digit_count] = '\0';
        exponent++;
    }
    char out[128];
    const char *sign = is_negative ? "-" : "";
    uint64_t form = diff_rng_below(&g->rng, 3);
    if (form == 0) {
        snprintf(out, sizeof out, "%s%s%s%s%ld", sign, digits,
                 diff_rng_percent(&g->rng, 50) ? "e" : "E",
                 exponent > 0 && diff_rng_percent(&g->rng, 50) ? "+" : "", exponent);
    } else if (form == 1) {
        snprintf(out, sizeof out, "%s%c.%sE%ld", sign, digits[0],
                 digit_count > 1 ? digits + 1 : "0", exponent + (long)digit_count - 1);
    } else if (exponent >= 0 && exponent < 25) {
        snprintf(out, sizeof out, "%s%s%.*s.0", sign, digits, (int)exponent,
                 "0000000000000000000000000");
    } else if (exponent < 0 && exponent > -25) {
        long point = (long)digit_count + exponent; /* digits before the point */
        if (point > 0)
            snprintf(out, sizeof out, "%s%.*s.%s", sign, (int)point, digits, digits + point);
        else
            snprintf(out, sizeof out, "%s0.%.*s%s", sign, (int)-point, "0000000000000000000000000",
                     digits);
    } else {
        return;
    }
    if (strlen(out) < capacity && strtod(out, NULL) == strtod(text, NULL)) strcpy(text, out);
}

/* Spells a double as text that reads back exactly, with a '.' or an exponent so it is a float
 * literal ("2" becomes "2.0", "-0" becomes "-0.0"), sometimes in another notation. */
static void literal_float(struct generator *g, struct diff_literal *literal, double value)
{
    char buffer[128];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buffer, sizeof buffer, "%.*g", digits, value);
        if (strtod(buffer, NULL) == value) break;
    }
    if (strpbrk(buffer, ".eE") == NULL) strcat(buffer, ".0");
    if (diff_rng_percent(&g->rng, 30)) float_respell(g, buffer, sizeof buffer);
    literal->kind = DIFF_LITERAL_FLOAT;
    literal->float_value = value;
    literal->spelling = diff_arena_copy(g->arena, buffer, strlen(buffer));
}

static void literal_string(struct generator *g, struct diff_literal *literal, const char *data,
                           size_t size)
{
    literal->kind = DIFF_LITERAL_STRING;
    literal->string_data = diff_arena_copy(g->arena, data, size);
    literal->string_size = (uint32_t)size;
    diff_fold(g->arena, literal->string_data, literal->string_size, &literal->folded_data,
              &literal->folded_size);
}

static void literal_bool(struct diff_literal *literal, bool value)
{
    literal->kind = DIFF_LITERAL_BOOL;
    literal->int_value = value;
}

static const struct {
    const char *unit;
    int64_t seconds;
} duration_units[] = {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}};

/* now() [+- amount unit], spelled with random case and spacing. */
static void literal_now(struct generator *g, struct diff_literal *literal, int64_t amount,
                        uint32_t unit_index, bool is_minus, bool has_duration)
{
    struct diff_text text = {0};
    static const char *const now_spellings[] = {"now()", "NOW()", "Now()", "now ( )", "now( )"};
    diff_text_puts(&text, now_spellings[diff_rng_below(&g->rng, COUNT_OF(now_spellings))]);
    int64_t delta = 0;
    if (has_duration) {
        const char *space = diff_rng_percent(&g->rng, 85) ? " " : "";
        diff_text_printf(&text, "%s%c%s%lld%s", space, is_minus ? '-' : '+', space,
                         (long long)amount, duration_units[unit_index].unit);
        delta = amount * duration_units[unit_index].seconds * (is_minus ? -1 : 1);
    }
    literal->kind = DIFF_LITERAL_TIME;
    literal->is_now = true;
    literal->now_delta_s = delta;
    literal->int_value = g->data->now_s + delta;
    literal->spelling = diff_arena_copy(g->arena, text.data, text.size);
    diff_text_deinit(&text);
}

/* A timestamp value spelled as epoch seconds, a quoted ISO string or now() - Ns. */
static void literal_time_value(struct generator *g, struct diff_literal *literal, int64_t value)
{
    struct diff_text text = {0};
    uint64_t form = diff_rng_below(&g->rng, 10);
    int64_t delta = value - g->data->now_s;
    if (form < 2 && delta > -1000000000 && delta < 1000000000) {
        literal_now(g, literal, delta < 0 ? -delta : delta, 0, delta < 0, true);
        return;
    }
    if (form < 5) {
        diff_text_printf(&text, "%lld", (long long)value);
    } else {
        diff_text_puts(&text, "'");
        diff_timestamp_spell(&g->rng, value, &text);
        diff_text_puts(&text, "'");
        if (text.size < 12 || text.data[5] != '-') {
            /* Out of the ISO year range: diff_timestamp_spell wrote digits; use the integer. */
            diff_text_clear(&text);
            diff_text_printf(&text, "%lld", (long long)value);
        }
    }
    literal->kind = DIFF_LITERAL_TIME;
    literal->int_value = value;
    literal->spelling = diff_arena_copy(g->arena, text.data, text.size);
    diff_text_deinit(&text);
}

/* A random non-null cell of attr, or NULL when a few tries find only nulls. */
static const struct diff_cell *random_cell(struct generator *g, enum diff_attr_id attr)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        const struct diff_cell *cell =
            diff_cell_at(g->data, (uint32_t)diff_rng_below(&g->rng, g->data->row_count), attr);
        if (!cell->is_null) return cell;
    }
    return NULL;
}

static void numeric_literal(struct generator *g, enum diff_attr_id attr,
                            struct diff_literal *literal)
{
    bool is_float_attr = diff_attrs[attr].type == PDB_TYPE_FLOAT;
    const struct diff_cell *cell = diff_rng_percent(&g->rng, 55) ? random_cell(g, attr) : NULL;
    if (cell != NULL && !is_float_attr) {
        int64_t value = cell->int_value;
        uint64_t variant = diff_rng_below(&g->rng, 10);
        if (variant < 6) {
            literal_int(literal, value);
        } else if (variant < 8) {
            bool up = diff_rng_percent(&g->rng, 50);
            if (up && value < INT64_MAX)
                value++;
            else if (!up && value > INT64_MIN)
                value--;
            literal_int(literal, value);
        } else {
            literal_float(g, literal, (double)value + (diff_rng_percent(&g->rng, 50) ? 0.5 : -0.5));
        }
        return;
    }
    if (cell != NULL && is_float_attr) {
        double value = cell->float_value;
        uint64_t variant = diff_rng_below(&g->rng, 10);
        if (variant < 6) {
            literal_float(g, literal, value);
        } else if (variant < 8 && value == trunc(value) && fabs(value) < 9.2e18) {
            literal_int(literal, (int64_t)value);
        } else {
            literal_float(g, literal,
                          nextafter(value, diff_rng_percent(&g->rng, 50) ? INFINITY : -INFINITY));
            if (isinf(literal->float_value)) literal_float(g, literal, value);
        }
        return;
    }
    static const int64_t int_edges[] = {
        INT64_MIN,
        INT64_MAX,
        0,
        -1,
        1,
        INT64_C(9007199254740993),
        INT64_C(-9007199254740993),
        INT64_C(9007199254740992),
        20,
        -5,
    };
    static const double float_edges[] = {
        3.5,
        -0.5,
        1e19,
        -1e19,
        9223372036854775807.0,
        -9223372036854775808.0,
        2.0,
        1e-300,
        20.25,
        0.0,
        -0.0,
        1e300,
        -1e300,
        DBL_MAX,
        -DBL_MAX,
        9007199254740992.0,
        0.1,
        4.9406564584124654e-324,
    };
    uint64_t pick = diff_rng_below(&g->rng, 10);
    if (pick < 3) {
        literal_int(literal, int_edges[diff_rng_below(&g->rng, COUNT_OF(int_edges))]);
        if (literal->int_value == 0 && diff_rng_percent(&g->rng, 40)) literal->spelling = "-0";
    } else if (pick < 6)
        literal_float(g, literal, float_edges[diff_rng_below(&g->rng, COUNT_OF(float_edges))]);
    else if (pick < 8)
        literal_int(literal, diff_rng_range(&g->rng, -1000, 1000));
    else
        literal_float(g, literal, (double)diff_rng_range(&g->rng, -800, 800) / 8.0);
}

static void time_literal(struct generator *g, struct diff_literal *literal)
{
    const struct diff_cell *cell = diff_rng_percent(&g->rng, 50) ? random_cell(g, DIFF_TS1) : NULL;
    if (cell != NULL) {
        int64_t value = cell->int_value;
        if (diff_rng_percent(&g->rng, 20)) value += diff_rng_percent(&g->rng, 50) ? 1 : -1;
        literal_time_value(g, literal, value);
        return;
    }
    static const struct {
        int64_t amount;
        uint32_t unit;
    } common[] = {{30, 3}, {1, 3}, {2, 2}, {90, 1}, {2, 4},
                  {0, 0},  {1, 0}, {7, 3}, {60, 3}, {720, 2}};
    uint64_t pick = diff_rng_below(&g->rng, 10);
    if (pick < 5) {
        uint64_t which = diff_rng_below(&g->rng, COUNT_OF(common));
        bool has_duration = diff_rng_percent(&g->rng, 85);
        literal_now(g, literal, common[which].amount, common[which].unit,
                    diff_rng_percent(&g->rng, 80), has_duration);
    } else if (pick < 6) {
        literal_now(g, literal, diff_rng_range(&g->rng, 0, 100),
                    (uint32_t)diff_rng_below(&g->rng, COUNT_OF(duration_units)),
                    diff_rng_percent(&g->rng, 70), true);
    } else if (pick < 8) {
        static const int64_t edges[] = {
            0, -1, -86400, 1, INT64_C(253402300799), INT64_C(-62135596800)};
        literal_time_value(g, literal, edges[diff_rng_below(&g->rng, COUNT_OF(edges))]);
    } else {
        literal_time_value(g, literal, diff_rng_range(&g->rng, -100000000, 2000000000));
    }
}

/* Start offsets of the UTF-8 characters of data[0..size), plus size. */
static uint32_t char_boundaries(const char *data, uint32_t size, uint32_t *offsets, uint32_t max)
{
    uint32_t count = 0;
    for (uint32_t i = 0; i < size && count + 1 < max; i++) {
        if (((unsigned char)data[i] & 0xC0) != 0x80) offsets[count++] = i;
    }
    offsets[count++] = size;
    return count;
}

static void flip_ascii_case(struct generator *g, char *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        char c = data[i];
        if (!diff_rng_percent(&g->rng, 60)) continue;
        if (c >= 'a' && c <= 'z')
            data[i] = (char)(c - 'a' + 'A');
        else if (c >= 'A' && c <= 'Z')
            data[i] = (char)(c - 'A' + 'a');
    }
}

/* A substring of a value present in the data, cut at character boundaries. */
static bool data_substring(struct generator *g, enum diff_attr_id attr, bool flip_case,
                           struct diff_literal *literal)
{
    const struct diff_cell *cell = random_cell(g, attr);
    if (cell == NULL) return false;
    uint32_t offsets[256];
    uint32_t count = char_boundaries(cell->string_data, cell->string_size, offsets, 256);
    uint32_t begin = (uint32_t)diff_rng_below(&g->rng, count);
    uint32_t end = begin + (uint32_t)diff_rng_below(&g->rng, count - begin);
    uint64_t shape = diff_rng_below(&g->rng, 4);
    if (shape == 0) begin = 0;       /* a prefix */
    if (shape == 1) end = count - 1; /* a suffix */
    if (end < begin) end = begin;
    size_t size = offsets[end] - offsets[begin];
    char *copy = diff_arena_copy(g->arena, cell->string_data + offsets[begin], size);
    if (flip_case) flip_ascii_case(g, copy, size);
    literal_string(g, literal, copy, size);
    return true;
}

static void string_literal(struct generator *g, enum diff_attr_id attr,
                           struct diff_literal *literal)
{
    if (diff_rng_percent(&g->rng, 55)) {
        const struct diff_cell *cell = random_cell(g, attr);
        if (cell != NULL) {
            uint64_t variant = diff_rng_below(&g->rng, 10);
            if (variant < 6) {
                literal_string(g, literal, cell->string_data, cell->string_size);
            } else if (variant < 8) {
                struct diff_text text = {0};
                diff_text_append(&text, cell->string_data, cell->string_size);
                diff_text_puts(&text, diff_rng_percent(&g->rng, 50) ? "x" : "\x01");
                literal_string(g, literal, text.data, text.size);
                diff_text_deinit(&text);
            } else if (!data_substring(g, attr, diff_rng_percent(&g->rng, 50), literal)) {
                literal_string(g, literal, "", 0);
            }
            return;
        }
    }
    static const char *const edges[] = {
        "",
        "a",
        "ab",
        "abc",
        "b",
        "zzz",
        "\x7f",
        "\xf4\x8f\xbf\xbf",
        "\xc3\x9c",
        "\xc3\x9f",
        "SS",
        "red",
        "RED",
        "O'Brien",
        "alice",
        "\n",
        "'",
        "NULL",
        "A",
        "\xc3\x9cn\xc3\xaf"
        "code",
        "stra\xc3\x9f"
        "e",
        " ",
        "Bob",
    };
    const char *edge = edges[diff_rng_below(&g->rng, COUNT_OF(edges))];
    literal_string(g, literal, edge, strlen(edge));
}

static void pattern_literal(struct generator *g, enum diff_attr_id attr,
                            struct diff_literal *literal)
{
    if (diff_rng_percent(&g->rng, 60) &&
        data_substring(g, attr, diff_rng_percent(&g->rng, 30), literal))
        return;
    static const char *const patterns[] = {
        "",
        "ss",
        "SS",
        "\xc3\x9f",
        "STRASSE",
        "stra\xc3\x9f"
        "e",
        "\xc3\xbcn\xc3\xaf",
        "\xc3\x9c"
        "N\xc3\x8f",
        "\xc3\xa9",
        "\xc3\x89",
        "e\xcc\x81",
        "\xcf\x83",
        "\xce\xa3",
        "\xcf\x82",
        "ffi",
        "\xef\xac\x83",
        "i\xcc\x87",
        "\xc4\xb0",
        "a",
        "b",
        "abc",
        "ALICE",
        "smith",
        ",",
        "\"",
        "'",
        "\n",
        "x",
        "@EXAMPLE.com",
        "\xe6\x97\xa5",
        "R",
        "ed",
        "code",
    };
    const char *pattern = patterns[diff_rng_below(&g->rng, COUNT_OF(patterns))];
    literal_string(g, literal, pattern, strlen(pattern));
}

static void tag_literal(struct generator *g, struct diff_literal *literal)
{
    static const char *const absent[] = {"nope", "", "vi", "Vip", "vip ", "a", "CHURN RISK", "b"};
    const char *tag =
        diff_rng_percent(&g->rng, 78)
            ? diff_tags[diff_rng_percent(&g->rng, 50) ? diff_rng_below(&g->rng, 3)
                                                      : diff_rng_below(&g->rng, DIFF_TAG_COUNT)]
            : absent[diff_rng_below(&g->rng, COUNT_OF(absent))];
    literal_string(g, literal, tag, strlen(tag));
}

/* A literal of the family attr compares with (never NULL). */
static void value_literal(struct generator *g, enum diff_attr_id attr, struct diff_literal *literal)
{
    switch (diff_attrs[attr].type) {
    case PDB_TYPE_BOOL:
        literal_bool(literal, diff_rng_percent(&g->rng, 50));
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
        numeric_literal(g, attr, literal);
        break;
    case PDB_TYPE_TIMESTAMP:
        time_literal(g, literal);
        break;
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        string_literal(g, attr, literal);
        break;
    case PDB_TYPE_TAGS:
        tag_literal(g, literal);
        break;
    case PDB_TYPE_COUNT:
        break;
    }
}

/* Order of two non-null literals of one family, for making BETWEEN bounds ascending. */
static int literal_order(const struct diff_literal *a, const struct diff_literal *b)
{
    if (a->kind == DIFF_LITERAL_STRING)
        return diff_compare_bytes(a->string_data, a->string_size, b->string_data, b->string_size);
    if (a->kind == DIFF_LITERAL_FLOAT && b->kind == DIFF_LITERAL_FLOAT)
        return a->float_value < b->float_value ? -1 : a->float_value > b->float_value;
    if (a->kind == DIFF_LITERAL_FLOAT)
        return -diff_compare_int_double(b->int_value, a->float_value);
    if (b->kind == DIFF_LITERAL_FLOAT) return diff_compare_int_double(a->int_value, b->float_value);
    return a->int_value < b->int_value ? -1 : a->int_value > b->int_value;
}

static struct diff_node *node_create(struct diff_arena *arena, enum diff_node_kind kind)
{
    struct diff_node *node = diff_arena_alloc(arena, sizeof *node);
    memset(node, 0, sizeof *node);
    node->kind = kind;
    return node;
}

/* ---- Predicates ------------------------------------------------------------------------- */

static enum diff_attr_id random_attr(struct generator *g)
{
    static const uint32_t weights[DIFF_ATTR_COUNT] = {
        [DIFF_I1] = 12,  [DIFF_I2] = 10, [DIFF_F1] = 10, [DIFF_F2] = 8,
        [DIFF_TS1] = 12, [DIFF_B1] = 8,  [DIFF_C1] = 10, [DIFF_C2] = 8,
        [DIFF_T1] = 14,  [DIFF_G1] = 12, [DIFF_I3] = 8, [DIFF_I4] = 8,
        [DIFF_C3] = 8,   [DIFF_M1] = 2,
    };
    uint32_t total = 0;
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++)
        total += weights[attr];
    uint32_t pick = (uint32_t)diff_rng_below(&g->rng, total);
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++) {
        if (pick < weights[attr]) return (enum diff_attr_id)attr;
        pick -= weights[attr];
    }
    return DIFF_I1;
}

static void set_comparison(struct generator *g, struct diff_node *node, bool is_bool)
{
    static const enum diff_op ops[] = {DIFF_OP_EQ, DIFF_OP_NE, DIFF_OP_LT,
                                       DIFF_OP_LE, DIFF_OP_GT, DIFF_OP_GE};
    node->op = ops[diff_rng_below(&g->rng, is_bool ? 2 : COUNT_OF(ops))];
    node->is_angle_ne = diff_rng_percent(&g->rng, 50);
    node->is_literal_left = diff_rng_percent(&g->rng, 25);
    node->literal_count = 1;
    node->literals = literals_create(g, 1);
    if (!diff_rng_percent(&g->rng, 4)) value_literal(g, node->attr, &node->literals[0]);
}

static void set_between(struct generator *g, struct diff_node *node)
{
    node->op = DIFF_OP_BETWEEN;
    node->is_negated = diff_rng_percent(&g->rng, 30);
    node->literal_count = 2;
    node->literals = literals_create(g, 2);
    for (int i = 0; i < 2; i++) {
        if (!diff_rng_percent(&g->rng, 5)) value_literal(g, node->attr, &node->literals[i]);
    }
    struct diff_literal *low = &node->literals[0], *high = &node->literals[1];
    if (low->kind != DIFF_LITERAL_NULL && high->kind != DIFF_LITERAL_NULL &&
        diff_rng_percent(&g->rng, 70) && literal_order(low, high) > 0) {
        struct diff_literal swap = *low;
        *low = *high;
        *high = swap;
    }
}

static void set_in_list(struct generator *g, struct diff_node *node)
{
    node->op = DIFF_OP_IN;
    node->is_negated = diff_rng_percent(&g->rng, 30);
    /* 1-10 literals; rarely a long list, in case the engine switches to a hash set. */
    uint32_t count =
        diff_rng_percent(&g->rng, 3)
            ? GEN_IN_LIST_LONG_MIN + (uint32_t)diff_rng_below(&g->rng, GEN_IN_LIST_LONG_MIN * 4)
            : 1 + (uint32_t)diff_rng_below(&g->rng, GEN_IN_LIST_SIZE_MAX);
    node->literal_count = count;
    node->literals = literals_create(g, count);
    for (uint32_t i = 0; i < count; i++) {
        if (i > 0 && diff_rng_percent(&g->rng, 12))
            node->literals[i] = node->literals[diff_rng_below(&g->rng, i)]; /* a duplicate */
        else if (node->attr == DIFF_B1 && diff_rng_percent(&g->rng, 20))
            node->literals[i].kind = DIFF_LITERAL_NULL;
        else
            value_literal(g, node->attr, &node->literals[i]);
    }
    if (diff_rng_percent(&g->rng, 12)) /* a NULL somewhere in the list */
        memset(&node->literals[diff_rng_below(&g->rng, count)], 0, sizeof(struct diff_literal));
}

static void set_is_null(struct generator *g, struct diff_node *node)
{
    node->op = DIFF_OP_IS_NULL;
    node->is_negated = diff_rng_percent(&g->rng, 50);
}

static void set_string_test(struct generator *g, struct diff_node *node)
{
    static const enum diff_op ops[] = {DIFF_OP_STARTS,  DIFF_OP_ENDS,  DIFF_OP_CONTAINS,
                                       DIFF_OP_ISTARTS, DIFF_OP_IENDS, DIFF_OP_ICONTAINS};
    node->op = ops[diff_rng_below(&g->rng, COUNT_OF(ops))];
    node->is_negated = diff_rng_percent(&g->rng, 25);
    node->literal_count = 1;
    node->literals = literals_create(g, 1);
    pattern_literal(g, node->attr, &node->literals[0]);
}

static void set_has(struct generator *g, struct diff_node *node)
{
    uint64_t pick = diff_rng_below(&g->rng, 3);
    node->op = pick == 0 ? DIFF_OP_HAS : pick == 1 ? DIFF_OP_HAS_ANY : DIFF_OP_HAS_ALL;
    node->is_negated = diff_rng_percent(&g->rng, 25);
    uint32_t count =
        node->op == DIFF_OP_HAS ? 1 : 1 + (uint32_t)diff_rng_below(&g->rng, GEN_TAG_LIST_SIZE_MAX);
    node->literal_count = count;
    node->literals = literals_create(g, count);
    for (uint32_t i = 0; i < count; i++) {
        if (i > 0 && diff_rng_percent(&g->rng, 15))
            node->literals[i] = node->literals[diff_rng_below(&g->rng, i)];
        else
            tag_literal(g, &node->literals[i]);
    }
}

static struct diff_node *predicate_create(struct generator *g)
{
    struct diff_node *node = node_create(g->arena, DIFF_NODE_PREDICATE);
    node->attr = random_attr(g);
    uint64_t pick = diff_rng_below(&g->rng, 100);
    switch (diff_attrs[node->attr].type) {
    case PDB_TYPE_BOOL:
        if (pick < 35)
            node->op = DIFF_OP_BARE;
        else if (pick < 70)
            set_comparison(g, node, true);
        else if (pick < 85)
            set_in_list(g, node);
        else
            set_is_null(g, node);
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_FLOAT:
    case PDB_TYPE_TIMESTAMP:
        if (pick < 45)
            set_comparison(g, node, false);
        else if (pick < 65)
            set_between(g, node);
        else if (pick < 87)
            set_in_list(g, node);
        else
            set_is_null(g, node);
        break;
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        if (pick < 20)
            set_comparison(g, node, false);
        else if (pick < 30)
            set_between(g, node);
        else if (pick < 45)
            set_in_list(g, node);
        else if (pick < 52)
            set_is_null(g, node);
        else
            set_string_test(g, node);
        break;
    case PDB_TYPE_TAGS:
        if (pick < 82)
            set_has(g, node);
        else
            set_is_null(g, node);
        break;
    case PDB_TYPE_COUNT:
        break;
    }
    return node;
}

/* ---- Trees ------------------------------------------------------------------------------ */

static struct diff_node *tree_create(struct generator *g, uint32_t depth, uint32_t depth_max)
{
    bool is_leaf =
        depth >= depth_max || (depth > 0 && diff_rng_percent(&g->rng, 30)) || g->leaf_budget <= 1;
    if (is_leaf) {
        g->leaf_budget--;
        uint64_t pick = diff_rng_below(&g->rng, 100);
        if (pick < 2) return node_create(g->arena, DIFF_NODE_TRUE);
        if (pick < 4) return node_create(g->arena, DIFF_NODE_FALSE);
        return predicate_create(g);
    }
    uint64_t pick = diff_rng_below(&g->rng, 100);
    if (pick < 16) {
        struct diff_node *node = node_create(g->arena, DIFF_NODE_NOT);
        node->left = tree_create(g, depth + 1, depth_max);
        return node;
    }
    struct diff_node *node = node_create(g->arena, pick < 56 ? DIFF_NODE_OR : DIFF_NODE_AND);
    node->left = tree_create(g, depth + 1, depth_max);
    node->right = tree_create(g, depth + 1, depth_max);
    return node;
}

void diff_segment_generate(struct diff_segment *segment, const struct diff_data *data,
                           uint64_t stream, uint32_t index)
{
    memset(segment, 0, sizeof *segment);
    struct generator g = {.data = data, .arena = &segment->arena, .leaf_budget = GEN_LEAVES_MAX};
    diff_rng_init(&g.rng, data->seed ^ (stream << 40), 1000 + (uint64_t)index);
    static const uint32_t depth_weights[GEN_DEPTH_MAX + 1] = {25, 25, 20, 15, 10, 5};
    uint32_t pick = (uint32_t)diff_rng_below(&g.rng, 100), depth_max = 0;
    while (depth_max < GEN_DEPTH_MAX && pick >= depth_weights[depth_max])
        pick -= depth_weights[depth_max++];
    segment->root = tree_create(&g, 0, depth_max);
}

void diff_segment_deinit(struct diff_segment *segment)
{
    diff_arena_deinit(&segment->arena);
    segment->root = NULL;
}
