/*
 * Differential test of event aggregates (issue #6, point 5): random segments mixing event
 * aggregates (count, exists, sum, min, max, first, last, distinct; windows relative to now,
 * BETWEEN two dates or none; filters over properties with comparisons, IN, IS NULL,
 * AND/OR/NOT) with attribute predicates, answered three ways on the same data:
 *   - the engine: segment_compile + segment_set_events over an in-memory table and event
 *     store, counted on a 2-thread pool and listed on one thread;
 *   - a naive evaluator written here, row by row, straight from docs/SEGMENTS.md;
 *   - SQLite: profiles and one table per event type, each aggregate a correlated subquery
 *     (COUNT / TOTAL / MIN / MAX / COUNT(DISTINCT) / EXISTS over the events in the window
 *     whose filter is TRUE).
 * The data has empty histories, profiles with hundreds of events, events exactly at the
 * window edges (now() - 30d, one second either side, now() itself, the future), equal
 * timestamps, NULL properties, and purchases older than the type's retention (400d), which
 * no aggregate may see. Amounts are multiples of 1/4, so float sums are exact in any order.
 * The first row chunk is full and the second partial, chunk 1 also holds no page views.
 * Computed attributes: each run declares a few random aggregates in the schema
 * (`c0 = sum(purchase.qty, 30d, ...)`), and about a third of the aggregates of the segments
 * are written as those names (the naive evaluator and SQLite see the definition itself).
 *
 * PROFILEDB_TEST_SEED=N replays a run; PROFILEDB_DIFF_SEGMENTS (default 200, 100 under the
 * sanitizers) and PROFILEDB_DIFF_ROWS (default 70,000) resize it.
 * This program may use engine internals (it is not a subsystem's test); the evaluators it
 * checks against include none.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/thread_pool.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "events/event_store.h"
#include "query/segment.h"

#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)
#define RETENTION_DAYS 400

static const char *const base_schema_text =
    "age int\n"
    "country category\n"
    "event purchase retention 400d\n"
    "    amount float\n"
    "    category category\n"
    "    qty int\n"
    "event page_view\n"
    "    url text\n";

static const char *const countries[] = {"US", "CA", "DE", "fr", ""};
static const char *const categories[] = {"shoes", "bags", "hats", "Shoes", "\xc3\xa9t\xc3\xa9"};
static const char *const urls[] = {"/a", "/b", "/home", "/a/b"};
#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Random numbers ------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_u64() % n); }
static bool percent(uint32_t p) { return below(100) < p; }

static uint32_t env_u32(const char *name, uint32_t fallback)
{
    const char *text = getenv(name);
    return text && *text ? (uint32_t)strtoul(text, NULL, 10) : fallback;
}

/* ---- Data ------------------------------------------------------------------------------ */

struct profile {
    bool age_null;
    int64_t age;
    int country; /* -1: NULL */
};

struct event {
    uint32_t type; /* 0 purchase, 1 page_view */
    uint32_t row;
    int64_t ts;
    bool amount_null, qty_null;
    double amount;
    int64_t qty;
    int category; /* -1: NULL */
    int url;      /* -1: NULL */
};

struct data {
    uint32_t rows;
    struct profile *profiles;
    struct event *events; /* sorted by row */
    uint32_t event_count;
    uint32_t *offsets; /* [rows + 1] */
};

/* Timestamps at and around the edges of the windows the segments use. */
static int64_t random_time(void)
{
    static const int64_t days[] = {0, 1, 7, 29, 30, 31, 90, 180, 365, 399, 400, 401, 800};
    int64_t base = NOW - days[below(COUNTOF(days))] * DAY;
    switch (below(6)) {
    case 0: return base - 1;
    case 1: return base + 1;
    case 2: return base;
    case 3: return NOW + (percent(50) ? 1 : 3600); /* the future */
    default: return base - (int64_t)below((uint32_t)DAY);
    }
}

static int compare_events(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    return (x->row > y->row) - (x->row < y->row);
}

static void data_generate(struct data *data, uint32_t rows)
{
    data->rows = rows;
    data->profiles = calloc(rows, sizeof *data->profiles);
    size_t capacity = 1024, count = 0;
    data->events = malloc(capacity * sizeof *data->events);
    for (uint32_t r = 0; r < rows; r++) {
        struct profile *p = &data->profiles[r];
        p->age_null = percent(10);
        p->age = 18 + below(60);
        p->country = percent(10) ? -1 : (int)below(COUNTOF(countries));
        uint32_t n = 0, kind = below(100);
        if (kind < 40) n = 0;
        else if (kind < 90) n = 1 + below(5);
        else if (kind < 99) n = 6 + below(25);
        else n = 100 + below(200);
        for (uint32_t i = 0; i < n; i++) {
            if (count == capacity) data->events = realloc(data->events, (capacity *= 2) * sizeof *data->events);
            struct event *e = &data->events[count++];
            memset(e, 0, sizeof *e);
            e->row = r;
            /* No page views in chunk 1: an event type may be absent from a chunk. */
            e->type = r >= 65536 ? 0 : (percent(60) ? 0 : 1);
            e->ts = i > 0 && percent(15) ? data->events[count - 2].ts : random_time();
            e->amount_null = percent(10);
            e->amount = (double)((int64_t)below(400) - 40) / 4.0;
            e->qty_null = percent(10);
            e->qty = below(6);
            e->category = percent(10) ? -1 : (int)below(COUNTOF(categories));
            e->url = percent(10) ? -1 : (int)below(COUNTOF(urls));
        }
    }
    qsort(data->events, count, sizeof *data->events, compare_events); /* not stable: fine */
    data->event_count = (uint32_t)count;
    data->offsets = calloc(rows + 1, sizeof *data->offsets);
    for (uint32_t i = 0; i < count; i++) data->offsets[data->events[i].row + 1]++;
    for (uint32_t r = 0; r < rows; r++) data->offsets[r + 1] += data->offsets[r];
}

static void data_free(struct data *data)
{
    free(data->profiles);
    free(data->events);
    free(data->offsets);
}

/* ---- Segment trees ------------------------------------------------------------------ */

enum tv { F, T, U };
static enum tv tv_not(enum tv a) { return a == U ? U : a == T ? F : T; }
static enum tv tv_and(enum tv a, enum tv b) { return a == F || b == F ? F : a == T && b == T ? T : U; }
static enum tv tv_or(enum tv a, enum tv b) { return a == T || b == T ? T : a == F && b == F ? F : U; }

enum node_kind { N_AND, N_OR, N_NOT, N_AGE, N_COUNTRY, N_AGGREGATE,
                 N_AMOUNT, N_QTY, N_CATEGORY, N_URL /* filter leaves */ };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_BETWEEN, OP_IN, OP_IS_NULL, OP_NOT_NULL,
          OP_BARE, OP_NOT_BARE };
enum function { FN_COUNT, FN_EXISTS, FN_SUM, FN_MIN, FN_MAX, FN_FIRST, FN_LAST, FN_DISTINCT };
enum property { P_NONE, P_AMOUNT, P_QTY, P_CATEGORY, P_URL };
enum window { W_ALL, W_RECENT, W_BETWEEN };

struct node {
    enum node_kind kind;
    struct node *children[3];
    uint32_t child_count;
    enum op op;
    double values[4]; /* numeric literals (ints as doubles); BETWEEN: [0], [1] */
    int strings[4];   /* string literal indexes; -1 is NULL in an IN list */
    uint32_t value_count;
    bool is_time;     /* first/last: literals are timestamps */
    /* N_AGGREGATE */
    int computed; /* the engine's text names computed attribute c<computed>; -1: written out */
    enum function function;
    uint32_t type;
    enum property property;
    enum window window;
    int64_t window_s, between_low, between_high;
    struct node *filter;
};

static const char *const function_names[] = {"count", "exists", "sum", "min", "max", "first",
                                             "last", "distinct"};
static const char *const window_units[] = {"1s", "12h", "1d", "7d", "30d", "90d", "180d", "365d",
                                           "1000d", "2w"};
static const int64_t window_seconds[] = {1, 12 * 3600, DAY, 7 * DAY, 30 * DAY, 90 * DAY,
                                         180 * DAY, 365 * DAY, 1000 * DAY, 14 * DAY};

static struct node *new_node(enum node_kind kind)
{
    struct node *node = calloc(1, sizeof *node);
    node->kind = kind;
    node->computed = -1;
    return node;
}

static void free_node(struct node *node)
{
    if (node == NULL) return;
    for (uint32_t i = 0; i < node->child_count; i++) free_node(node->children[i]);
    free_node(node->filter);
    free(node);
}

static enum op random_compare(void)
{
    return (enum op)below(6);
}

/* A numeric predicate's operator and literals (values drawn from `pick`). */
static void random_numeric(struct node *node, double (*pick)(void), bool nullable)
{
    uint32_t choice = below(10);
    if (choice < 6) {
        node->op = random_compare();
        node->values[0] = pick();
        node->value_count = 1;
    } else if (choice < 8) {
        node->op = OP_BETWEEN;
        node->values[0] = pick();
        node->values[1] = pick();
        node->value_count = 2;
    } else if (choice < 9 || !nullable) {
        node->op = OP_IN;
        node->value_count = 1 + below(3);
        for (uint32_t i = 0; i < node->value_count; i++) node->values[i] = pick();
    } else {
        node->op = percent(50) ? OP_IS_NULL : OP_NOT_NULL;
    }
}

static double pick_age(void) { return 17 + below(65); }
static double pick_amount(void) { return (double)((int64_t)below(440) - 60) / 4.0; }
static double pick_qty(void) { return below(8); }
static double pick_small(void) { return below(7); }
static double pick_sum_amount(void) { return (double)((int64_t)below(800) - 100) / 4.0; }
static double pick_sum_qty(void) { return below(30); }
static double pick_time(void) { return (double)random_time(); }

static void random_strings(struct node *node, uint32_t pool)
{
    uint32_t choice = below(10);
    if (choice < 5) {
        node->op = percent(70) ? OP_EQ : random_compare();
        node->strings[0] = (int)below(pool + 1); /* pool: a value no event has */
        node->value_count = 1;
    } else if (choice < 8) {
        node->op = OP_IN;
        node->value_count = 1 + below(3);
        for (uint32_t i = 0; i < node->value_count; i++)
            node->strings[i] = percent(15) ? -1 : (int)below(pool + 1);
    } else {
        node->op = percent(50) ? OP_IS_NULL : OP_NOT_NULL;
    }
}

static struct node *random_filter(uint32_t type, uint32_t depth)
{
    if (depth < 2 && percent(35)) {
        struct node *node = new_node(percent(20) ? N_NOT : percent(50) ? N_AND : N_OR);
        node->child_count = node->kind == N_NOT ? 1 : 2;
        for (uint32_t i = 0; i < node->child_count; i++)
            node->children[i] = random_filter(type, depth + 1);
        return node;
    }
    if (type == 1) {
        struct node *node = new_node(N_URL);
        random_strings(node, COUNTOF(urls));
        return node;
    }
    switch (below(3)) {
    case 0: {
        struct node *node = new_node(N_AMOUNT);
        random_numeric(node, pick_amount, true);
        return node;
    }
    case 1: {
        struct node *node = new_node(N_QTY);
        random_numeric(node, pick_qty, true);
        return node;
    }
    default: {
        struct node *node = new_node(N_CATEGORY);
        random_strings(node, COUNTOF(categories));
        return node;
    }
    }
}

static void random_aggregate_test(struct node *node);

static struct node *random_aggregate(void)
{
    struct node *node = new_node(N_AGGREGATE);
    node->type = percent(65) ? 0 : 1;
    node->function = (enum function)below(8);
    if (node->type == 1 && (node->function == FN_SUM || node->function == FN_MIN ||
                            node->function == FN_MAX))
        node->function = FN_COUNT; /* page_view has only a text property */
    switch (node->function) {
    case FN_SUM: case FN_MIN: case FN_MAX:
        node->property = percent(50) ? P_AMOUNT : P_QTY;
        break;
    case FN_DISTINCT:
        node->property = node->type == 1 ? P_URL : (enum property)(1 + below(3));
        break;
    default:
        node->property = P_NONE;
        break;
    }
    uint32_t window = below(10);
    if (window < 3) {
        node->window = W_ALL;
    } else if (window < 8) {
        node->window = W_RECENT;
        uint32_t unit = below(COUNTOF(window_units));
        node->window_s = unit; /* index, resolved when rendering/evaluating */
    } else {
        node->window = W_BETWEEN;
        node->between_low = random_time();
        node->between_high = percent(85) ? random_time() : node->between_low;
        if (node->between_low > node->between_high && percent(80)) {
            int64_t swap = node->between_low;
            node->between_low = node->between_high;
            node->between_high = swap;
        }
    }
    if (percent(45)) node->filter = random_filter(node->type, 0);
    random_aggregate_test(node);
    return node;
}

/* The comparison of an aggregate's value: operator and literals fit for its function. */
static void random_aggregate_test(struct node *node)
{
    switch (node->function) {
    case FN_EXISTS:
        node->op = percent(50) ? OP_BARE : OP_NOT_BARE;
        break;
    case FN_COUNT:
    case FN_DISTINCT:
        random_numeric(node, pick_small, false);
        break;
    case FN_SUM:
        random_numeric(node, node->property == P_AMOUNT ? pick_sum_amount : pick_sum_qty, false);
        break;
    case FN_MIN:
    case FN_MAX:
        random_numeric(node, node->property == P_AMOUNT ? pick_amount : pick_qty, true);
        break;
    default:
        node->is_time = true;
        random_numeric(node, pick_time, true);
        break;
    }
}

/* ---- Computed attributes --------------------------------------------------------------- */

#define COMPUTED_MAX 8u
static struct node *computed_definitions[COMPUTED_MAX];
static uint32_t computed_count;
static uint32_t computed_uses; /* aggregates written as a computed name, over the run */

static struct node *clone_node(const struct node *node)
{
    if (node == NULL) return NULL;
    struct node *copy = malloc(sizeof *copy);
    *copy = *node;
    for (uint32_t i = 0; i < node->child_count; i++) copy->children[i] = clone_node(node->children[i]);
    copy->filter = clone_node(node->filter);
    return copy;
}

/* An aggregate over computed attribute `index`: its definition, a fresh comparison. */
static struct node *random_computed(void)
{
    uint32_t index = below(computed_count);
    struct node *node = clone_node(computed_definitions[index]);
    node->computed = (int)index;
    computed_uses++;
    memset(node->values, 0, sizeof node->values);
    node->value_count = 0;
    random_aggregate_test(node);
    return node;
}

static struct node *random_tree(uint32_t depth)
{
    if (depth < 3 && percent(depth == 0 ? 70 : 35)) {
        struct node *node = new_node(percent(20) ? N_NOT : percent(50) ? N_AND : N_OR);
        node->child_count = node->kind == N_NOT ? 1 : 2 + below(2);
        for (uint32_t i = 0; i < node->child_count; i++) node->children[i] = random_tree(depth + 1);
        return node;
    }
    uint32_t choice = below(10);
    if (choice < 2) {
        struct node *node = new_node(N_AGE);
        random_numeric(node, pick_age, true);
        return node;
    }
    if (choice < 3) {
        struct node *node = new_node(N_COUNTRY);
        random_strings(node, COUNTOF(countries));
        return node;
    }
    if (computed_count > 0 && percent(35)) return random_computed();
    return random_aggregate();
}

static int64_t window_low(const struct node *node)
{
    int64_t low = INT64_MIN;
    if (node->window == W_RECENT) low = NOW - window_seconds[node->window_s];
    if (node->window == W_BETWEEN) low = node->between_low;
    if (node->type == 0 && low < NOW - RETENTION_DAYS * DAY) low = NOW - RETENTION_DAYS * DAY;
    return low;
}

static int64_t window_high(const struct node *node)
{
    if (node->window == W_RECENT) return NOW;
    if (node->window == W_BETWEEN) return node->between_high;
    return INT64_MAX;
}

/* ---- Rendering: segment text and SQL ------------------------------------------------------ */

struct text {
    char *data;
    size_t size, capacity;
};

static void put(struct text *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *text, const char *format, ...)
{
    va_list args;
    if (text->data == NULL) {
        text->capacity = 256;
        text->data = malloc(text->capacity);
        text->data[0] = '\0';
    }
    for (;;) {
        va_start(args, format);
        size_t room = text->capacity - text->size;
        int n = vsnprintf(text->data + text->size, room, format, args);
        va_end(args);
        if ((size_t)n < room) {
            text->size += (size_t)n;
            return;
        }
        text->capacity = (text->capacity + (size_t)n + 1) * 2;
        text->data = realloc(text->data, text->capacity);
    }
}

static const char *const op_text[] = {"=", "!=", "<", "<=", ">", ">="};

static const char *string_at(enum node_kind kind, int index)
{
    const char *const *pool = kind == N_COUNTRY ? countries : kind == N_CATEGORY ? categories : urls;
    uint32_t size = kind == N_COUNTRY ? COUNTOF(countries) : kind == N_CATEGORY ? COUNTOF(categories)
                                                                                : COUNTOF(urls);
    return (uint32_t)index < size ? pool[index] : "zz-none";
}

/* A literal: numbers with %.17g (quarters print exactly); timestamps in one of three forms
 * for the engine (epoch, ISO, now() - d when it is one), epoch for SQL. */
static void put_value(struct text *text, const struct node *node, double value, bool is_sql)
{
    if (!node->is_time) {
        put(text, "%.17g", value);
        return;
    }
    int64_t seconds = (int64_t)value;
    if (is_sql) {
        put(text, "%" PRId64, seconds);
        return;
    }
    uint32_t form = (uint32_t)(seconds % 3 + 3) % 3;
    if (form == 0) {
        put(text, "%" PRId64, seconds);
    } else if (form == 1 && seconds <= NOW && (NOW - seconds) % 1 == 0) {
        put(text, "now() - %" PRId64 "s", NOW - seconds);
    } else {
        time_t t = (time_t)seconds;
        struct tm tm;
        gmtime_r(&t, &tm);
        char buffer[40];
        strftime(buffer, sizeof buffer, "'%Y-%m-%dT%H:%M:%SZ'", &tm);
        put(text, "%s", buffer);
    }
}

static void put_string_literal(struct text *text, enum node_kind kind, int index)
{
    if (index < 0) {
        put(text, "NULL");
        return;
    }
    put(text, "'%s'", string_at(kind, index));
}

static void put_subject(struct text *text, const struct node *node, bool is_sql);

static void put_tail(struct text *text, const struct node *node, bool is_sql)
{
    bool is_string = node->kind == N_COUNTRY || node->kind == N_CATEGORY || node->kind == N_URL;
    switch (node->op) {
    case OP_BETWEEN:
        put(text, " BETWEEN ");
        put_value(text, node, node->values[0], is_sql);
        put(text, " AND ");
        put_value(text, node, node->values[1], is_sql);
        return;
    case OP_IN:
        put(text, " IN (");
        for (uint32_t i = 0; i < node->value_count; i++) {
            if (i) put(text, ", ");
            if (is_string) put_string_literal(text, node->kind, node->strings[i]);
            else put_value(text, node, node->values[i], is_sql);
        }
        put(text, ")");
        return;
    case OP_IS_NULL:
        put(text, " IS NULL");
        return;
    case OP_NOT_NULL:
        put(text, " IS NOT NULL");
        return;
    case OP_BARE:
    case OP_NOT_BARE:
        return;
    default:
        put(text, " %s ", op_text[node->op]);
        if (is_string) put_string_literal(text, node->kind, node->strings[0]);
        else put_value(text, node, node->values[0], is_sql);
        return;
    }
}

static void put_tree(struct text *text, const struct node *node, bool is_sql);

static void put_aggregate_sql(struct text *text, const struct node *node)
{
    const char *table = node->type == 0 ? "purchase" : "page_view";
    const char *property = node->property == P_AMOUNT ? "amount" : node->property == P_QTY ? "qty"
                           : node->property == P_CATEGORY ? "category" : "url";
    switch (node->function) {
    case FN_COUNT: put(text, "(SELECT COUNT(*)"); break;
    case FN_EXISTS: put(text, "EXISTS(SELECT 1"); break;
    case FN_SUM:
        if (node->property == P_AMOUNT) put(text, "(SELECT TOTAL(e.amount)");
        else put(text, "(SELECT COALESCE(SUM(e.qty), 0)");
        break;
    case FN_MIN: put(text, "(SELECT MIN(e.%s)", property); break;
    case FN_MAX: put(text, "(SELECT MAX(e.%s)", property); break;
    case FN_FIRST: put(text, "(SELECT MIN(e.ts)"); break;
    case FN_LAST: put(text, "(SELECT MAX(e.ts)"); break;
    case FN_DISTINCT: put(text, "(SELECT COUNT(DISTINCT e.%s)", property); break;
    }
    put(text, " FROM %s e WHERE e.row = p.row", table);
    int64_t low = window_low(node), high = window_high(node);
    if (low != INT64_MIN) put(text, " AND e.ts >= %" PRId64, low);
    if (high != INT64_MAX) put(text, " AND e.ts <= %" PRId64, high);
    if (node->filter != NULL) {
        put(text, " AND (");
        put_tree(text, node->filter, true);
        put(text, ")");
    }
    put(text, ")");
}

static void put_subject(struct text *text, const struct node *node, bool is_sql)
{
    switch (node->kind) {
    case N_AGE: put(text, is_sql ? "p.age" : "age"); return;
    case N_COUNTRY: put(text, is_sql ? "p.country" : "country"); return;
    case N_AMOUNT: put(text, is_sql ? "e.amount" : "amount"); return;
    case N_QTY: put(text, is_sql ? "e.qty" : "qty"); return;
    case N_CATEGORY: put(text, is_sql ? "e.category" : "category"); return;
    case N_URL: put(text, is_sql ? "e.url" : "url"); return;
    default: break;
    }
    if (is_sql) {
        put_aggregate_sql(text, node);
        return;
    }
    if (node->computed >= 0) {
        put(text, "c%d", node->computed);
        return;
    }
    put(text, "%s(%s", function_names[node->function], node->type == 0 ? "purchase" : "page_view");
    if (node->property != P_NONE)
        put(text, ".%s", node->property == P_AMOUNT ? "amount" : node->property == P_QTY ? "qty"
                         : node->property == P_CATEGORY ? "category" : "url");
    if (node->window == W_RECENT) put(text, ", %s", window_units[node->window_s]);
    if (node->window == W_BETWEEN) {
        struct node as_time = {.is_time = true};
        put(text, ", BETWEEN ");
        put_value(text, &as_time, (double)node->between_low, false);
        put(text, " AND ");
        put_value(text, &as_time, (double)node->between_high, false);
    }
    if (node->filter != NULL) {
        put(text, ", ");
        put_tree(text, node->filter, false);
    }
    put(text, ")");
}

static void put_tree(struct text *text, const struct node *node, bool is_sql)
{
    switch (node->kind) {
    case N_AND:
    case N_OR:
        put(text, "(");
        for (uint32_t i = 0; i < node->child_count; i++) {
            if (i) put(text, node->kind == N_AND ? " AND " : " OR ");
            put_tree(text, node->children[i], is_sql);
        }
        put(text, ")");
        return;
    case N_NOT:
        put(text, "NOT (");
        put_tree(text, node->children[0], is_sql);
        put(text, ")");
        return;
    default:
        break;
    }
    if (node->op == OP_NOT_BARE) put(text, "NOT ");
    bool literal_first = !is_sql && node->op <= OP_GE && node->kind == N_AGGREGATE && percent(10);
    if (literal_first) { /* 2 < count(...) is count(...) > 2 */
        static const char *const flipped[] = {"=", "!=", ">", ">=", "<", "<="};
        put_value(text, node, node->values[0], false);
        put(text, " %s ", flipped[node->op]);
        put_subject(text, node, false);
        return;
    }
    put_subject(text, node, is_sql);
    put_tail(text, node, is_sql);
}

/* ---- Naive evaluation -------------------------------------------------------------------- */

struct value {
    bool is_null;
    bool is_string;
    double number; /* ints are small here: exact as doubles */
    int string;
};

static int compare_strings(enum node_kind kind, int a, int b)
{
    const char *x = string_at(kind, a), *y = string_at(kind, b);
    size_t xs = strlen(x), ys = strlen(y), common = xs < ys ? xs : ys;
    int order = memcmp(x, y, common);
    if (order != 0) return order < 0 ? -1 : 1;
    return (xs > ys) - (xs < ys);
}

static enum tv compare_value(const struct node *node, struct value value)
{
    if (node->op == OP_IS_NULL) return value.is_null ? T : F;
    if (node->op == OP_NOT_NULL) return value.is_null ? F : T;
    if (node->op == OP_BARE) return value.number != 0 ? T : F;
    if (node->op == OP_NOT_BARE) return value.number != 0 ? F : T;
    if (value.is_null) return U;
    if (node->op == OP_IN) {
        enum tv result = F;
        for (uint32_t i = 0; i < node->value_count; i++) {
            if (value.is_string && node->strings[i] < 0) {
                if (result == F) result = U;
                continue;
            }
            bool equal = value.is_string ? compare_strings(node->kind, value.string, node->strings[i]) == 0
                                         : value.number == node->values[i];
            if (equal) return T;
        }
        return result;
    }
    if (node->op == OP_BETWEEN)
        return value.number >= node->values[0] && value.number <= node->values[1] ? T : F;
    int order = value.is_string ? compare_strings(node->kind, value.string, node->strings[0])
                                : (value.number > node->values[0]) - (value.number < node->values[0]);
    bool result = false;
    switch (node->op) {
    case OP_EQ: result = order == 0; break;
    case OP_NE: result = order != 0; break;
    case OP_LT: result = order < 0; break;
    case OP_LE: result = order <= 0; break;
    case OP_GT: result = order > 0; break;
    default: result = order >= 0; break;
    }
    return result ? T : F;
}

static enum tv eval_tree(const struct node *node, const struct data *data, uint32_t row,
                         const struct event *event);

static struct value aggregate_value(const struct node *node, const struct data *data, uint32_t row)
{
    int64_t low = window_low(node), high = window_high(node);
    double count = 0, sum = 0, best = 0;
    bool has_best = false;
    double seen[512];
    uint32_t seen_count = 0;
    for (uint32_t i = data->offsets[row]; i < data->offsets[row + 1]; i++) {
        const struct event *e = &data->events[i];
        if (e->type != node->type || e->ts < low || e->ts > high) continue;
        if (node->filter != NULL && eval_tree(node->filter, data, row, e) != T) continue;
        bool is_null = false;
        double v = (double)e->ts;
        switch (node->property) {
        case P_AMOUNT: is_null = e->amount_null; v = e->amount; break;
        case P_QTY: is_null = e->qty_null; v = (double)e->qty; break;
        case P_CATEGORY: is_null = e->category < 0; v = e->category; break;
        case P_URL: is_null = e->url < 0; v = e->url; break;
        default: break;
        }
        if (is_null) continue;
        count++;
        sum += v;
        bool better = node->function == FN_MIN || node->function == FN_FIRST ? v < best : v > best;
        if (!has_best || better) best = v;
        has_best = true;
        bool duplicate = false;
        for (uint32_t s = 0; s < seen_count; s++) duplicate |= seen[s] == v;
        if (!duplicate) seen[seen_count++] = v;
    }
    struct value value = {0};
    switch (node->function) {
    case FN_COUNT: value.number = count; break;
    case FN_EXISTS: value.number = count > 0; break;
    case FN_SUM: value.number = sum; break;
    case FN_DISTINCT: value.number = seen_count; break;
    default:
        value.is_null = !has_best;
        value.number = best;
        break;
    }
    return value;
}

static enum tv eval_tree(const struct node *node, const struct data *data, uint32_t row,
                         const struct event *event)
{
    struct value value = {0};
    switch (node->kind) {
    case N_AND: {
        enum tv result = T;
        for (uint32_t i = 0; i < node->child_count; i++)
            result = tv_and(result, eval_tree(node->children[i], data, row, event));
        return result;
    }
    case N_OR: {
        enum tv result = F;
        for (uint32_t i = 0; i < node->child_count; i++)
            result = tv_or(result, eval_tree(node->children[i], data, row, event));
        return result;
    }
    case N_NOT:
        return tv_not(eval_tree(node->children[0], data, row, event));
    case N_AGE:
        value = (struct value){data->profiles[row].age_null, false, (double)data->profiles[row].age, 0};
        break;
    case N_COUNTRY:
        value = (struct value){data->profiles[row].country < 0, true, 0, data->profiles[row].country};
        break;
    case N_AMOUNT:
        value = (struct value){event->amount_null, false, event->amount, 0};
        break;
    case N_QTY:
        value = (struct value){event->qty_null, false, (double)event->qty, 0};
        break;
    case N_CATEGORY:
        value = (struct value){event->category < 0, true, 0, event->category};
        break;
    case N_URL:
        value = (struct value){event->url < 0, true, 0, event->url};
        break;
    case N_AGGREGATE:
        value = aggregate_value(node, data, row);
        break;
    }
    return compare_value(node, value);
}

/* ---- The engine and SQLite ------------------------------------------------------------- */

struct fixture {
    struct data data;
    struct schema schema;
    struct table table;
    struct event_store *store;
    struct thread_pool *pool;
    sqlite3 *db;
};

static void build_engine(struct fixture *f)
{
    struct pdb_error error = {0};
    struct text schema_text = {0};
    put(&schema_text, "%s", base_schema_text);
    for (uint32_t c = 0; c < computed_count; c++) {
        put(&schema_text, "c%u = ", c);
        put_subject(&schema_text, computed_definitions[c], false);
        put(&schema_text, "\n");
    }
    cr_assert_eq(schema_parse(schema_text.data, schema_text.size, "t", &f->schema, &error), PDB_OK,
                 "%s\n%s", error.message, schema_text.data);
    cr_assert_eq(segment_computed_check(&f->schema, "t", &error), PDB_OK, "%s\n%s", error.message,
                 schema_text.data);
    free(schema_text.data);
    struct column *columns[2] = {column_create(&f->schema.attributes[0]),
                                 column_create(&f->schema.attributes[1])};
    for (uint32_t r = 0; r < f->data.rows; r++) {
        const struct profile *p = &f->data.profiles[r];
        enum pdb_status status = p->age_null ? column_append_null(columns[0], &error)
                                             : column_append_int(columns[0], p->age, &error);
        cr_assert_eq(status, PDB_OK);
        status = p->country < 0 ? column_append_null(columns[1], &error)
                                : column_append_string(columns[1], countries[p->country],
                                                       (uint32_t)strlen(countries[p->country]), &error);
        cr_assert_eq(status, PDB_OK);
    }
    for (int c = 0; c < 2; c++) cr_assert_eq(column_seal(columns[c], &error), PDB_OK);
    cr_assert_eq(table_init(&f->table, &f->schema), 0);
    cr_assert_eq(table_adopt_columns(&f->table, columns, &error), PDB_OK, "%s", error.message);
    struct event_store_builder *builder = event_store_builder_create(&f->schema.events);
    cr_assert_not_null(builder);
    /* Appended in a shuffled order: the store sorts. */
    uint32_t n = f->data.event_count;
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    for (uint32_t i = 0; i < n; i++) order[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = below(i), swap = order[i - 1];
        order[i - 1] = order[j];
        order[j] = swap;
    }
    for (uint32_t k = 0; k < n; k++) {
        const struct event *e = &f->data.events[order[k]];
        struct event_value values[3];
        memset(values, 0, sizeof values);
        if (e->type == 0) {
            values[0] = (struct event_value){.is_null = e->amount_null, .number = e->amount};
            if (e->category < 0) values[1].is_null = true;
            else values[1] = (struct event_value){.string = categories[e->category],
                                                  .string_size = (uint32_t)strlen(categories[e->category])};
            values[2] = (struct event_value){.is_null = e->qty_null, .integer = e->qty};
        } else if (e->url < 0) {
            values[0].is_null = true;
        } else {
            values[0] = (struct event_value){.string = urls[e->url],
                                             .string_size = (uint32_t)strlen(urls[e->url])};
        }
        cr_assert_eq(event_store_builder_append(builder, e->type, e->row, e->ts, values, &error),
                     PDB_OK, "%s", error.message);
    }
    free(order);
    cr_assert_eq(event_store_builder_finish(builder, &f->store, &error), PDB_OK);
    cr_assert_eq(event_store_validate(f->store), 0);
    f->pool = thread_pool_create(2);
    cr_assert_not_null(f->pool);
}

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &message), SQLITE_OK, "%s: %s", sql, message);
}

static void build_sqlite(struct fixture *f)
{
    cr_assert_eq(sqlite3_open(":memory:", &f->db), SQLITE_OK);
    exec_sql(f->db, "CREATE TABLE p(row INTEGER PRIMARY KEY, age INTEGER, country TEXT);"
                    "CREATE TABLE purchase(row INTEGER, ts INTEGER, amount REAL, category TEXT, qty INTEGER);"
                    "CREATE TABLE page_view(row INTEGER, ts INTEGER, url TEXT);"
                    "BEGIN");
    sqlite3_stmt *profile, *purchase, *view;
    sqlite3_prepare_v2(f->db, "INSERT INTO p VALUES(?,?,?)", -1, &profile, NULL);
    sqlite3_prepare_v2(f->db, "INSERT INTO purchase VALUES(?,?,?,?,?)", -1, &purchase, NULL);
    sqlite3_prepare_v2(f->db, "INSERT INTO page_view VALUES(?,?,?)", -1, &view, NULL);
    for (uint32_t r = 0; r < f->data.rows; r++) {
        const struct profile *p = &f->data.profiles[r];
        sqlite3_bind_int64(profile, 1, r);
        if (p->age_null) sqlite3_bind_null(profile, 2); else sqlite3_bind_int64(profile, 2, p->age);
        if (p->country < 0) sqlite3_bind_null(profile, 3);
        else sqlite3_bind_text(profile, 3, countries[p->country], -1, SQLITE_STATIC);
        cr_assert_eq(sqlite3_step(profile), SQLITE_DONE);
        sqlite3_reset(profile);
    }
    for (uint32_t i = 0; i < f->data.event_count; i++) {
        const struct event *e = &f->data.events[i];
        sqlite3_stmt *s = e->type == 0 ? purchase : view;
        sqlite3_bind_int64(s, 1, e->row);
        sqlite3_bind_int64(s, 2, e->ts);
        if (e->type == 0) {
            if (e->amount_null) sqlite3_bind_null(s, 3); else sqlite3_bind_double(s, 3, e->amount);
            if (e->category < 0) sqlite3_bind_null(s, 4);
            else sqlite3_bind_text(s, 4, categories[e->category], -1, SQLITE_STATIC);
            if (e->qty_null) sqlite3_bind_null(s, 5); else sqlite3_bind_int64(s, 5, e->qty);
        } else {
            if (e->url < 0) sqlite3_bind_null(s, 3);
            else sqlite3_bind_text(s, 3, urls[e->url], -1, SQLITE_STATIC);
        }
        cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(profile);
    sqlite3_finalize(purchase);
    sqlite3_finalize(view);
    exec_sql(f->db, "COMMIT; CREATE INDEX purchase_row ON purchase(row, ts);"
                    "CREATE INDEX page_view_row ON page_view(row, ts)");
}

static void fixture_init(struct fixture *f, uint32_t rows)
{
    memset(f, 0, sizeof *f);
    data_generate(&f->data, rows);
    build_engine(f);
    build_sqlite(f);
}

static void fixture_deinit(struct fixture *f)
{
    sqlite3_close(f->db);
    thread_pool_destroy(f->pool);
    event_store_destroy(f->store);
    table_deinit(&f->table);
    schema_deinit(&f->schema);
    data_free(&f->data);
}

struct id_list {
    uint32_t *ids;
    uint64_t count;
};

static bool collect_id(void *context, uint32_t row)
{
    struct id_list *list = context;
    list->ids[list->count++] = row;
    return true;
}

/* Checks one segment three ways; returns false (after a report) on a mismatch. */
static bool check_segment(struct fixture *f, const struct node *tree, uint32_t index)
{
    struct text text = {0}, sql = {0};
    put_tree(&text, tree, false);
    put(&sql, "SELECT row FROM p WHERE ");
    put_tree(&sql, tree, true);
    put(&sql, " ORDER BY row");

    uint8_t *expected = calloc(f->data.rows, 1);
    uint64_t expected_count = 0;
    for (uint32_t r = 0; r < f->data.rows; r++) {
        expected[r] = eval_tree(tree, &f->data, r, NULL) == T;
        expected_count += expected[r];
    }

    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status = segment_compile(text.data, text.size, &f->schema, NOW, &segment, &error);
    cr_assert_eq(status, PDB_OK, "segment %u does not compile: %s\n%s", index, error.message, text.data);
    cr_assert_eq(segment_validate(segment), 0);
    segment_set_events(segment, f->store);
    uint64_t engine_count = 0;
    struct segment_exec exec = {f->pool, false};
    cr_assert_eq(segment_count_parallel(segment, &f->table, &exec, &engine_count, &error), PDB_OK,
                 "%s", error.message);
    struct id_list ids = {malloc(f->data.rows * sizeof(uint32_t)), 0};
    cr_assert_eq(segment_ids(segment, &f->table, 0, collect_id, &ids, &error), PDB_OK);

    bool ok = engine_count == expected_count && ids.count == expected_count;
    uint32_t first_bad = UINT32_MAX;
    for (uint64_t i = 0; ok && i < ids.count; i++)
        if (!expected[ids.ids[i]]) ok = false, first_bad = ids.ids[i];

    sqlite3_stmt *statement = NULL;
    cr_assert_eq(sqlite3_prepare_v2(f->db, sql.data, -1, &statement, NULL), SQLITE_OK, "%s\n%s",
                 sqlite3_errmsg(f->db), sql.data);
    uint64_t sqlite_count = 0;
    bool sqlite_ok = true;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        uint32_t row = (uint32_t)sqlite3_column_int64(statement, 0);
        if (!expected[row]) sqlite_ok = false, first_bad = row;
        sqlite_count++;
    }
    sqlite3_finalize(statement);
    sqlite_ok = sqlite_ok && sqlite_count == expected_count;
    if (!ok || !sqlite_ok) {
        if (first_bad == UINT32_MAX) { /* a row the naive evaluator has and another lacks */
            for (uint32_t r = 0, k = 0; r < f->data.rows; r++) {
                bool in_engine = k < ids.count && ids.ids[k] == r;
                if (in_engine) k++;
                if (in_engine != (bool)expected[r]) { first_bad = r; break; }
            }
        }
        struct buffer plan = {0};
        segment_explain(segment, &plan);
        fprintf(stderr, "event differential mismatch, segment %u (generator state %" PRIu64 "):\n  %s\n"
                "  naive %" PRIu64 ", engine %" PRIu64 " (ids %" PRIu64 "), sqlite %" PRIu64 "\n"
                "  sql: %s\n  plan:\n%.*s  row %u has %u events\n",
                index, rng_state, text.data, expected_count, engine_count, ids.count, sqlite_count,
                sql.data, (int)plan.size, (const char *)plan.data, first_bad,
                first_bad < f->data.rows ? f->data.offsets[first_bad + 1] - f->data.offsets[first_bad] : 0);
        if (first_bad < f->data.rows) {
            for (uint32_t i = f->data.offsets[first_bad]; i < f->data.offsets[first_bad + 1] && i < f->data.offsets[first_bad] + 40; i++) {
                const struct event *e = &f->data.events[i];
                fprintf(stderr, "    type %u ts now%+" PRId64 " amount %s%.2f cat %d qty %s%" PRId64 " url %d\n",
                        e->type, e->ts - NOW, e->amount_null ? "NULL/" : "", e->amount, e->category,
                        e->qty_null ? "NULL/" : "", e->qty, e->url);
            }
        }
        buffer_deinit(&plan);
    }
    free(ids.ids);
    free(expected);
    segment_destroy(segment);
    free(text.data);
    free(sql.data);
    return ok && sqlite_ok;
}

/* GET's values of the computed attributes (segment_computed_value, one row's events) against
 * the naive evaluator's aggregate, for a sample of rows (every row with many events too). */
static uint32_t check_computed_values(struct fixture *f)
{
    uint32_t failures = 0;
    struct pdb_error error = {0};
    for (uint32_t r = 0; r < f->data.rows && failures < 3; r++) {
        bool is_long = f->data.offsets[r + 1] - f->data.offsets[r] >= 100;
        if (!is_long && r % 37 != 0) continue;
        for (uint32_t c = 0; c < computed_count; c++) {
            struct value expected = aggregate_value(computed_definitions[c], &f->data, r);
            struct pdb_value value;
            cr_assert_eq(segment_computed_value(&f->schema, c, f->store, NOW, r, &value, &error),
                         PDB_OK, "%s", error.message);
            double number = value.type == PDB_TYPE_FLOAT ? value.float_value
                            : value.type == PDB_TYPE_BOOL ? (double)value.bool_value
                                                          : (double)value.int_value;
            if (value.is_null == expected.is_null && (value.is_null || number == expected.number))
                continue;
            struct text text = {0};
            put_subject(&text, computed_definitions[c], false);
            fprintf(stderr, "computed value mismatch: row %u, c%u = %s: naive %s%.17g, engine %s%.17g\n",
                    r, c, text.data, expected.is_null ? "NULL/" : "", expected.number,
                    value.is_null ? "NULL/" : "", number);
            free(text.data);
            failures++;
        }
    }
    return failures;
}

Test(event_differential, random_event_segments_agree_with_naive_and_sqlite)
{
    uint64_t seed = env_u32("PROFILEDB_TEST_SEED", (uint32_t)time(NULL));
    fprintf(stderr, "event differential: seed=%" PRIu64 "\n", seed);
    rng_state = seed;
    uint32_t rows = env_u32("PROFILEDB_DIFF_ROWS", 70000u);
    computed_count = 3 + below(COMPUTED_MAX - 2);
    for (uint32_t c = 0; c < computed_count; c++) computed_definitions[c] = random_aggregate();
    /* Under the sanitizers (scripts/test.sh sets PROFILEDB_TEST_SANITIZER) half as many. */
    uint32_t segments = env_u32("PROFILEDB_DIFF_SEGMENTS", getenv("PROFILEDB_TEST_SANITIZER") ? 100u : 200u);
    struct fixture f;
    fixture_init(&f, rows);
    uint32_t failures = 0;
    for (uint32_t i = 0; i < segments && failures < 3; i++) {
        struct node *tree = random_tree(0);
        if (!check_segment(&f, tree, i)) failures++;
        free_node(tree);
    }
    failures += check_computed_values(&f);
    fixture_deinit(&f);
    fprintf(stderr, "event differential: %u computed attributes, named %u times in %u segments\n",
            computed_count, computed_uses, segments);
    cr_assert_gt(computed_uses, 0u);
    for (uint32_t c = 0; c < computed_count; c++) free_node(computed_definitions[c]);
    cr_assert_eq(failures, 0, "%u segments disagree (seed %" PRIu64 ")", failures, seed);
}
