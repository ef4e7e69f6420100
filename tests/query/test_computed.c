/*
 * Tests for computed attributes in the segment language (query/computed.c, binder.c,
 * predicate_event.c's one-row path): the schema check's errors at schema line:column and the
 * types it sets; a segment naming computed attributes returns exactly the ids of the same
 * segment with every name replaced by its definition (comparisons, BETWEEN, IN, IS NULL,
 * NOT, literal first, mixed with attributes), at several now() (the windows slide) and after
 * events were added (a new store); errors name the computed attribute; explain shows the
 * name; and the value segment_computed_value gives each row (GET) is the one the chunk
 * evaluation agrees with: the row is in `name = value` (or `name IS NULL`).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "events/event_store.h"
#include "query/segment.h"

#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)
#define ROWS 400u

static const char *const schema_text =
    "age int\n"
    "event purchase retention 100d\n"
    "  amount float\n"
    "  category category\n"
    "  qty int\n"
    "event page_view\n"
    "  url text\n"
    "orders_30d = count(purchase, 30d)\n"
    "shoes_spend = sum(purchase.amount, 90d, category = 'shoes')   # a comment\n"
    "qty_max = max(purchase.qty)\n"
    "qty_sum = sum(purchase.qty, 60d)\n"
    "first_buy = first(purchase)\n"
    "last_view = last(page_view, 7d)\n"
    "viewed = exists(page_view, 30d, url ISTARTS WITH 'HTTPS://')\n"
    "categories = distinct(purchase.category, 365d)\n"
    "recent = count(purchase, BETWEEN now() - 10d AND now())\n"
    "qty_min = min(purchase.qty, qty > 1 OR category IN ('bags', NULL))\n"
    "amount_min = min(purchase.amount, 45d)\n";

static struct schema checked_schema(void)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "t", &schema, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(segment_computed_check(&schema, "t", &error), PDB_OK, "%s", error.message);
    return schema;
}

/* ---- The schema check ------------------------------------------------------------------- */

static void expect_check_error(const char *definition, const char *message)
{
    char text[512];
    snprintf(text, sizeof text,
             "age int\nevent purchase\n  amount float\n  category category\nx =  %s\n",
             definition);
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(text, strlen(text), "s.schema", &schema, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(segment_computed_check(&schema, "s.schema", &error), PDB_ERR_SCHEMA, "for %s",
                 definition);
    cr_assert_str_eq(error.message, message, "for %s: got %s", definition, error.message);
    schema_deinit(&schema);
}

Test(computed, check_reports_schema_positions)
{
    expect_check_error("count(purchse, 30d)",
                       "s.schema:5:12: computed attribute 'x': unknown event type 'purchse' (did "
                       "you mean 'purchase'?)");
    expect_check_error("sum(purchase.amout)",
                       "s.schema:5:19: computed attribute 'x': unknown property 'amout' of event "
                       "'purchase' (did you mean 'amount'?)");
    expect_check_error("sum(purchase.category, 30d)",
                       "s.schema:5:19: computed attribute 'x': type mismatch: purchase.category "
                       "is category, sum needs an int or float property");
    expect_check_error("count(purchase, 30d, colour = 'red')",
                       "s.schema:5:27: computed attribute 'x': unknown property 'colour' of "
                       "event 'purchase'");
    expect_check_error("count(purchase, 30d) >= 2",
                       "s.schema:5:27: computed attribute 'x': the definition must be the "
                       "aggregate alone, without '>=' (compare the attribute in segments "
                       "instead: x >= ...)");
    expect_check_error("age",
                       "s.schema:5:6: computed attribute 'x': the definition must be one event "
                       "aggregate, such as count(purchase, 30d) or sum(purchase.amount, 90d) "
                       "(found an attribute)");
    expect_check_error("exists(purchase) OR exists(purchase, 1d)",
                       "s.schema:5:6: computed attribute 'x': the definition must be one event "
                       "aggregate, such as count(purchase, 30d) or sum(purchase.amount, 90d) "
                       "(found a combination of conditions)");
    expect_check_error("count(purchase",
                       "s.schema:5:20: computed attribute 'x': syntax error: expected ',' (then "
                       "a window such as 30d, or a filter) or ')' but found end of segment");
    /* A computed attribute cannot name another one: a filter names only properties. */
    expect_check_error("count(purchase, x > 1)",
                       "s.schema:5:22: computed attribute 'x': unknown property 'x' of event "
                       "'purchase'");
    expect_check_error("count(page_view)",
                       "s.schema:5:12: computed attribute 'x': unknown event type 'page_view'");
}

Test(computed, check_sets_the_type_of_the_aggregate)
{
    struct schema schema = checked_schema();
    static const struct {
        const char *name;
        enum pdb_type type;
    } expected[] = {{"orders_30d", PDB_TYPE_INT},     {"shoes_spend", PDB_TYPE_FLOAT},
                    {"qty_max", PDB_TYPE_INT},        {"qty_sum", PDB_TYPE_INT},
                    {"first_buy", PDB_TYPE_TIMESTAMP}, {"last_view", PDB_TYPE_TIMESTAMP},
                    {"viewed", PDB_TYPE_BOOL},        {"categories", PDB_TYPE_INT},
                    {"recent", PDB_TYPE_INT},         {"qty_min", PDB_TYPE_INT},
                    {"amount_min", PDB_TYPE_FLOAT}};
    cr_assert_eq(schema.computed.count, sizeof expected / sizeof expected[0]);
    for (uint32_t i = 0; i < schema.computed.count; i++) {
        cr_assert_str_eq(schema.computed.attributes[i].name, expected[i].name);
        cr_assert(schema.computed.attributes[i].is_checked);
        cr_assert_eq(schema.computed.attributes[i].type, expected[i].type, "%s", expected[i].name);
    }
    schema_deinit(&schema);
}

/* ---- Segments ---------------------------------------------------------------------------- */

struct fixture {
    struct schema schema;
    struct table table;
};

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_u64() % n); }

static void fixture_init(struct fixture *f)
{
    struct pdb_error error = {0};
    f->schema = checked_schema();
    struct column *column = column_create(&f->schema.attributes[0]);
    for (uint32_t r = 0; r < ROWS; r++)
        cr_assert_eq(column_append_int(column, r % 90, &error), PDB_OK);
    cr_assert_eq(column_seal(column, &error), PDB_OK);
    cr_assert_eq(table_init(&f->table, &f->schema), 0);
    cr_assert_eq(table_adopt_columns(&f->table, &column, &error), PDB_OK);
}

static void fixture_deinit(struct fixture *f)
{
    table_deinit(&f->table);
    schema_deinit(&f->schema);
}

/* Random histories: most rows have few events, some many; times within 200 days of NOW,
 * some exactly at window edges, a few in the future; NULL properties now and then. `seed`
 * and `extra` (events per row added on top) pick the store. */
static struct event_store *random_store(const struct schema *schema, uint64_t seed, uint32_t extra)
{
    static const char *const categories[] = {"shoes", "bags", "hats"};
    static const char *const urls[] = {"https://a.example", "HTTPS://B.example", "http://c", ""};
    static const int64_t edges[] = {30 * DAY, 90 * DAY, 7 * DAY, 10 * DAY, 100 * DAY, 0, -1};
    struct pdb_error error = {0};
    rng_state = seed;
    struct event_store_builder *builder = event_store_builder_create(&schema->events);
    for (uint32_t row = 0; row < ROWS; row++) {
        uint32_t count = row % 7 == 0 ? below(40) : below(4);
        count += extra * (row % 3 == 0);
        for (uint32_t i = 0; i < count; i++) {
            int64_t at = below(5) == 0 ? NOW - edges[below(7)] : NOW - (int64_t)below(200 * 86400);
            uint32_t type = below(3) == 0 ? 1 : 0;
            struct event_value values[3] = {{0}};
            if (type == 0) {
                values[0] = (struct event_value){.is_null = below(10) == 0,
                                                 .number = (double)below(2000) / 8.0};
                const char *category = categories[below(3)];
                values[1] = (struct event_value){.is_null = below(12) == 0, .string = category,
                                                 .string_size = (uint32_t)strlen(category)};
                values[2] = (struct event_value){.is_null = below(9) == 0,
                                                 .integer = (int64_t)below(6)};
            } else {
                const char *url = urls[below(4)];
                values[0] = (struct event_value){.is_null = below(8) == 0, .string = url,
                                                 .string_size = (uint32_t)strlen(url)};
            }
            cr_assert_eq(event_store_builder_append(builder, type, row, at, values, &error),
                         PDB_OK, "%s", error.message);
        }
    }
    struct event_store *store = NULL;
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
    return store;
}

/* The segment with each computed name replaced by (its definition). */
static void inline_computed(const struct schema *schema, const char *text, struct buffer *out)
{
    size_t i = 0, size = strlen(text);
    bool is_quoted = false;
    while (i < size) {
        char c = text[i];
        bool starts = !is_quoted && (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
        if (!starts) {
            if (c == '\'') is_quoted = !is_quoted;
            cr_assert_eq(buffer_append(out, &c, 1), 0);
            i++;
            continue;
        }
        size_t start = i;
        while (i < size && (text[i] == '_' || (text[i] >= 'a' && text[i] <= 'z') ||
                            (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9')))
            i++;
        int32_t computed = computed_catalog_find(&schema->computed, text + start, i - start);
        if (computed >= 0)
            cr_assert_eq(buffer_printf(out, "%s", schema->computed.attributes[computed].definition), 0);
        else
            cr_assert_eq(buffer_append(out, text + start, i - start), 0);
    }
    cr_assert_eq(buffer_append(out, "", 1), 0);
}

static bool collect(void *context, uint32_t row)
{
    return buffer_printf(context, "%u,", row) == 0;
}

static void ids_of(struct fixture *f, const struct event_store *store, const char *text,
                   int64_t now_s, struct buffer *out)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, strlen(text), &f->schema, now_s, &segment, &error), PDB_OK,
                 "%s: %s", text, error.message);
    cr_assert_eq(segment_validate(segment), 0);
    segment_set_events(segment, store);
    cr_assert_eq(buffer_append(out, "", 0), 0);
    cr_assert_eq(segment_ids(segment, &f->table, 0, collect, out, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(buffer_append(out, "", 1), 0);
    segment_destroy(segment);
}

static const char *const segments[] = {
    "orders_30d >= 2",
    "orders_30d BETWEEN 1 AND 3",
    "orders_30d NOT BETWEEN 1 AND 3 AND age > 20",
    "orders_30d IN (0, 2, 5)",
    "orders_30d IN (1, NULL)",
    "orders_30d IS NULL",
    "orders_30d IS NOT NULL",
    "NOT orders_30d = 1",
    "2 <= orders_30d",
    "orders_30d <> 0 OR age < 5",
    "shoes_spend > 100.5",
    "shoes_spend = 0",
    "qty_max IS NULL",
    "qty_max NOT IN (1, 3)",
    "qty_sum >= 5 AND qty_max = 5",
    "first_buy < now() - 20d",
    "first_buy BETWEEN '2025-03-01' AND '2025-05-01'",
    "last_view IS NOT NULL",
    "last_view > now() - 2d OR viewed",
    "viewed AND age > 10",
    "NOT viewed",
    "viewed = FALSE",
    "viewed IN (TRUE)",
    "categories >= 2",
    "categories = 3 AND NOT (orders_30d < 2)",
    "recent = 1 OR age < 5",
    "qty_min BETWEEN 2 AND 4",
    "qty_min IS NULL AND qty_max IS NOT NULL",
    "amount_min < 50",
    "amount_min IN (0, 0.125, 249.875)",
    "(orders_30d > 1 OR shoes_spend > 50) AND NOT (categories = 1 OR qty_min = 2)",
};

static void expect_same_as_inline(struct fixture *f, const struct event_store *store, int64_t now_s)
{
    for (size_t s = 0; s < sizeof segments / sizeof segments[0]; s++) {
        struct buffer inlined = {0}, named = {0}, expanded = {0};
        inline_computed(&f->schema, segments[s], &inlined);
        ids_of(f, store, segments[s], now_s, &named);
        ids_of(f, store, (const char *)inlined.data, now_s, &expanded);
        cr_assert_str_eq((const char *)named.data, (const char *)expanded.data,
                         "%s against %s at %" PRId64, segments[s], (const char *)inlined.data, now_s);
        buffer_deinit(&inlined);
        buffer_deinit(&named);
        buffer_deinit(&expanded);
    }
}

static uint64_t count_of(struct fixture *f, const struct event_store *store, const char *text,
                         int64_t now_s)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, strlen(text), &f->schema, now_s, &segment, &error), PDB_OK,
                 "%s", error.message);
    segment_set_events(segment, store);
    uint64_t count = 0;
    cr_assert_eq(segment_count(segment, &f->table, &count, &error), PDB_OK);
    segment_destroy(segment);
    return count;
}

Test(computed, segments_equal_the_inline_aggregate_as_now_slides)
{
    struct fixture f;
    fixture_init(&f);
    struct event_store *store = random_store(&f.schema, 42, 0);
    static const int64_t nows[] = {NOW, NOW + 5 * DAY, NOW + 29 * DAY, NOW + 40 * DAY, NOW - 50 * DAY};
    for (size_t n = 0; n < sizeof nows / sizeof nows[0]; n++) expect_same_as_inline(&f, store, nows[n]);
    /* The window slides with now(): recent orders leave orders_30d. */
    uint64_t now_count = count_of(&f, store, "orders_30d >= 1", NOW);
    uint64_t later_count = count_of(&f, store, "orders_30d >= 1", NOW + 15 * DAY);
    uint64_t much_later = count_of(&f, store, "orders_30d >= 1", NOW + 31 * DAY);
    cr_assert_gt(now_count, later_count);
    cr_assert_gt(later_count, much_later);
    cr_assert_eq(much_later, 0u); /* every event is at NOW or before, but for a few in the future */
    event_store_destroy(store);
    fixture_deinit(&f);
}

Test(computed, segments_follow_new_events)
{
    struct fixture f;
    fixture_init(&f);
    struct event_store *before = random_store(&f.schema, 7, 0);
    struct event_store *after = random_store(&f.schema, 7, 6); /* the same, then 6 more per 3rd row */
    expect_same_as_inline(&f, after, NOW);
    cr_assert_lt(count_of(&f, before, "categories >= 1", NOW), count_of(&f, after, "categories >= 1", NOW));
    cr_assert_neq(count_of(&f, before, "orders_30d >= 3", NOW), count_of(&f, after, "orders_30d >= 3", NOW));
    event_store_destroy(before);
    event_store_destroy(after);
    fixture_deinit(&f);
}

Test(computed, a_computed_exists_is_never_null)
{
    struct fixture f;
    fixture_init(&f);
    struct event_store *store = random_store(&f.schema, 3, 0);
    cr_assert_eq(count_of(&f, store, "viewed IS NULL", NOW), 0u);
    cr_assert_eq(count_of(&f, store, "viewed IS NOT NULL", NOW), ROWS);
    cr_assert_eq(count_of(&f, store, "viewed OR NOT viewed", NOW), ROWS);
    cr_assert_eq(count_of(&f, store, "orders_30d IS NULL OR shoes_spend IS NULL", NOW), 0u);
    event_store_destroy(store);
    fixture_deinit(&f);
}

static void expect_compile_error(struct fixture *f, const char *text, const char *message)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(text, strlen(text), &f->schema, NOW, &segment, &error),
                 PDB_ERR_SEGMENT, "%s", text);
    cr_assert_str_eq(error.message, message, "for %s: got %s", text, error.message);
}

Test(computed, errors_name_the_computed_attribute)
{
    struct fixture f;
    fixture_init(&f);
    expect_compile_error(&f, "orders_30d = 'x'",
                         "segment:1:14: type mismatch: orders_30d is int, cannot compare with "
                         "string 'x'");
    expect_compile_error(&f, "age > 1 AND first_buy > 1.5",
                         "segment:1:25: type mismatch: first_buy is timestamp, cannot compare "
                         "with float 1.5");
    expect_compile_error(&f, "orders_30d",
                         "segment:1:1: type mismatch: orders_30d is int, only a bool (exists) can "
                         "stand alone as a condition");
    expect_compile_error(&f, "viewed > 1",
                         "segment:1:8: type mismatch: viewed is bool, operator '>' does not apply "
                         "(bool takes the attribute alone, =, !=, <>, IN and IS NULL)");
    expect_compile_error(&f, "orders_3d > 1",
                         "segment:1:1: unknown attribute 'orders_3d' (did you mean 'orders_30d'?)");
    expect_compile_error(&f, "count(purchase, orders_30d > 1) > 0",
                         "segment:1:17: unknown property 'orders_30d' of event 'purchase'");
    fixture_deinit(&f);
}

Test(computed, explain_shows_the_name)
{
    struct fixture f;
    fixture_init(&f);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    const char *text = "orders_30d BETWEEN 1 AND 3 AND NOT viewed AND 2 < shoes_spend";
    cr_assert_eq(segment_compile(text, strlen(text), &f.schema, NOW, &segment, &error), PDB_OK);
    struct buffer out = {0};
    cr_assert_eq(segment_explain(segment, &out), PDB_OK);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    cr_assert_str_eq((const char *)out.data,
                     "AND\n  orders_30d BETWEEN 1 AND 3\n  NOT viewed\n  shoes_spend > 2\n");
    buffer_deinit(&out);
    segment_destroy(segment);
    fixture_deinit(&f);
}

/* ---- One row's value (GET) ------------------------------------------------------------- */

static bool has_row(const char *ids, uint32_t row)
{
    char needle[16];
    snprintf(needle, sizeof needle, "%u,", row);
    for (const char *at = ids; (at = strstr(at, needle)) != NULL; at++)
        if (at == ids || at[-1] == ',') return true;
    return false;
}

static void expect_values_agree(struct fixture *f, const struct event_store *store, int64_t now_s)
{
    struct pdb_error error = {0};
    for (uint32_t c = 0; c < f->schema.computed.count; c++) {
        const struct computed_attribute *computed = &f->schema.computed.attributes[c];
        for (uint32_t row = 0; row < ROWS; row += 3) {
            struct pdb_value value;
            cr_assert_eq(segment_computed_value(&f->schema, c, store, now_s, row, &value, &error),
                         PDB_OK, "%s", error.message);
            cr_assert_eq(value.type, computed->type);
            char text[160];
            if (value.is_null)
                snprintf(text, sizeof text, "%s IS NULL", computed->name);
            else if (value.type == PDB_TYPE_BOOL)
                snprintf(text, sizeof text, "%s%s", value.bool_value ? "" : "NOT ", computed->name);
            else if (value.type == PDB_TYPE_FLOAT)
                snprintf(text, sizeof text, "%s = %.17g", computed->name, value.float_value);
            else
                snprintf(text, sizeof text, "%s = %" PRId64, computed->name, value.int_value);
            struct buffer ids = {0};
            ids_of(f, store, text, now_s, &ids);
            cr_assert(has_row((const char *)ids.data, row), "row %u is not in %s", row, text);
            buffer_deinit(&ids);
        }
    }
}

Test(computed, row_values_agree_with_the_chunk_evaluation)
{
    struct fixture f;
    fixture_init(&f);
    struct event_store *store = random_store(&f.schema, 99, 0);
    expect_values_agree(&f, store, NOW);
    expect_values_agree(&f, store, NOW + 20 * DAY);
    expect_values_agree(&f, NULL, NOW); /* no store: every history is empty */
    event_store_destroy(store);
    fixture_deinit(&f);
}

Test(computed, row_values_by_hand)
{
    struct fixture f;
    fixture_init(&f);
    struct pdb_error error = {0};
    struct event_store_builder *builder = event_store_builder_create(&f.schema.events);
    struct event_value shoes[3] = {{.number = 10.5}, {.string = "shoes", .string_size = 5}, {.integer = 3}};
    struct event_value bags[3] = {{.number = 4}, {.string = "bags", .string_size = 4}, {.is_null = true}};
    cr_assert_eq(event_store_builder_append(builder, 0, 1, NOW - 30 * DAY, shoes, &error), PDB_OK);
    cr_assert_eq(event_store_builder_append(builder, 0, 1, NOW - 31 * DAY, shoes, &error), PDB_OK);
    cr_assert_eq(event_store_builder_append(builder, 0, 1, NOW - DAY, bags, &error), PDB_OK);
    struct event_store *store = NULL;
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
    struct pdb_value value;
    cr_assert_eq(segment_computed_value(&f.schema, 0, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert(!value.is_null);
    cr_assert_eq(value.int_value, 2); /* orders_30d: the edge (exactly 30 days) is in */
    cr_assert_eq(segment_computed_value(&f.schema, 0, store, NOW + 1, 1, &value, &error), PDB_OK);
    cr_assert_eq(value.int_value, 1); /* one second later it has left */
    cr_assert_eq(segment_computed_value(&f.schema, 1, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert_float_eq(value.float_value, 21.0, 0.0); /* shoes_spend */
    cr_assert_eq(segment_computed_value(&f.schema, 2, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert_eq(value.int_value, 3); /* qty_max ignores the NULL qty */
    cr_assert_eq(segment_computed_value(&f.schema, 4, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert_eq(value.int_value, NOW - 31 * DAY); /* first_buy */
    cr_assert_eq(segment_computed_value(&f.schema, 7, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert_eq(value.int_value, 2); /* categories */
    cr_assert_eq(segment_computed_value(&f.schema, 9, store, NOW, 1, &value, &error), PDB_OK);
    cr_assert_eq(value.int_value, 3); /* qty_min: qty > 1 */
    /* A profile without events: count 0, min/first NULL, exists FALSE. */
    cr_assert_eq(segment_computed_value(&f.schema, 0, store, NOW, 2, &value, &error), PDB_OK);
    cr_assert(!value.is_null && value.int_value == 0);
    cr_assert_eq(segment_computed_value(&f.schema, 4, store, NOW, 2, &value, &error), PDB_OK);
    cr_assert(value.is_null);
    cr_assert_eq(segment_computed_value(&f.schema, 6, store, NOW, 2, &value, &error), PDB_OK);
    cr_assert(!value.is_null && !value.bool_value);
    event_store_destroy(store);
    fixture_deinit(&f);
}
