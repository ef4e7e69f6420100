/*
 * Tests for event aggregates in segments (query/parser.c, binder.c, predicate_event.c,
 * explain.c): every parser and binder error with its position and did-you-mean, the explain
 * text, and small hand-built histories pinning the documented semantics: windows include
 * both edges (exactly now() - 30d and now()), the future is outside a relative window, the
 * retention hides older events (its edge included), empty histories (count 0, min/first
 * NULL so comparisons are UNKNOWN) and a store that is not attached at all.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "events/event_store.h"
#include "query/segment.h"

#define NOW ((int64_t)1750000000)
#define DAY ((int64_t)86400)

static const char *const schema_text = "age int\n"
                                       "event purchase retention 100d\n"
                                       "  amount float\n"
                                       "  category category\n"
                                       "  qty int\n"
                                       "event page_view\n"
                                       "  url text\n";

static struct schema parse_schema(const char *text)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(text, strlen(text), "t", &schema, &error), PDB_OK, "%s", error.message);
    return schema;
}

static void expect_error(const char *segment_text, enum pdb_status expected, const char *message)
{
    struct schema schema = parse_schema(schema_text);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    enum pdb_status status =
        segment_compile(segment_text, strlen(segment_text), &schema, NOW, &segment, &error);
    cr_assert_eq(status, expected, "status %d for %s: %s", status, segment_text, error.message);
    cr_assert_str_eq(error.message, message, "for %s: got %s", segment_text, error.message);
    cr_assert_null(segment);
    schema_deinit(&schema);
}

Test(event_segments, errors_have_positions_and_suggestions)
{
    expect_error("count(purchse) > 1", PDB_ERR_SEGMENT,
                 "segment:1:7: unknown event type 'purchse' (did you mean 'purchase'?)");
    expect_error("sum(purchase.amout) > 1", PDB_ERR_SEGMENT,
                 "segment:1:14: unknown property 'amout' of event 'purchase' (did you mean 'amount'?)");
    expect_error("count(purchase, 30d, categry = 'x') > 0", PDB_ERR_SEGMENT,
                 "segment:1:22: unknown property 'categry' of event 'purchase' (did you mean "
                 "'category'?)");
    expect_error("age > 3 AND sum(purchase) > 1", PDB_ERR_SEGMENT,
                 "segment:1:17: sum needs a property of the event, as in sum(purchase.<property>)");
    expect_error("count(purchase.amount) > 1", PDB_ERR_SEGMENT,
                 "segment:1:16: count takes an event type, not a property (as in count(purchase))");
    expect_error("sum(purchase.category) > 1", PDB_ERR_SEGMENT,
                 "segment:1:14: type mismatch: purchase.category is category, sum needs an int or "
                 "float property");
    expect_error("min(page_view.url) > 'a'", PDB_ERR_SEGMENT,
                 "segment:1:15: type mismatch: page_view.url is text, min needs an int, float or "
                 "timestamp property");
    expect_error("count(purchase) > 'x'", PDB_ERR_SEGMENT,
                 "segment:1:19: type mismatch: count(purchase) is int, cannot compare with string 'x'");
    expect_error("first(purchase) < 5.5", PDB_ERR_SEGMENT,
                 "segment:1:19: type mismatch: first(purchase) is timestamp, cannot compare with "
                 "float 5.5");
    expect_error("count(purchase, 7d)", PDB_ERR_SEGMENT,
                 "segment:1:1: type mismatch: count(purchase) is int, only a bool (exists) can "
                 "stand alone as a condition");
    expect_error("exists(purchase) > 1", PDB_ERR_SEGMENT,
                 "segment:1:18: exists(...) is a condition by itself (use exists(...) or NOT "
                 "exists(...)), operator '>' does not apply");
    expect_error("count(purchase, 30x) > 1", PDB_ERR_SEGMENT,
                 "segment:1:17: syntax error: bad duration unit in '30x' (expected s, m, h, d or w, "
                 "as in 30d)");
    expect_error("count(purchase, BETWEEN 'x' AND now()) > 1", PDB_ERR_SEGMENT,
                 "segment:1:25: a window bound must be a timestamp, string 'x' is not (not a "
                 "timestamp (expected YYYY-MM-DD[THH:MM:SS][Z|+HH:MM] or epoch seconds))");
    expect_error("count(purchase, BETWEEN 1.5 AND now()) > 1", PDB_ERR_SEGMENT,
                 "segment:1:25: a window bound must be a timestamp (a string such as "
                 "'2025-01-01', epoch seconds or now() - 7d), found float 1.5");
    expect_error("count(purchase, 30d, count(purchase) > 1) > 1", PDB_ERR_SEGMENT,
                 "segment:1:22: an event filter cannot hold an aggregate");
    expect_error("count(purchase, segment('a')) > 1", PDB_ERR_SEGMENT,
                 "segment:1:17: an event filter cannot use a saved segment");
    expect_error("count(purchase, 30d, age > 3) > 1", PDB_ERR_SEGMENT,
                 "segment:1:22: unknown property 'age' of event 'purchase'");
    expect_error("count(purchase 30d) > 1", PDB_ERR_SEGMENT,
                 "segment:1:16: syntax error: expected ',' (then a window such as 30d, or a "
                 "filter) or ')' but found '30d'");
    expect_error("count(purchase, 30d qty > 1) > 1", PDB_ERR_SEGMENT,
                 "segment:1:21: syntax error: expected ')' to close the aggregate but found 'qty'");
    expect_error("count(, 30d) > 1", PDB_ERR_SEGMENT,
                 "segment:1:7: syntax error: expected an event type, as in count(purchase) but "
                 "found ','");
    expect_error("sum(purchase.) > 1", PDB_ERR_SEGMENT,
                 "segment:1:13: syntax error: unexpected character '.'");
    expect_error("count(purchase, BETWEEN '2025-01-01' now()) > 1", PDB_ERR_SEGMENT,
                 "segment:1:38: syntax error: expected AND (BETWEEN start AND end) but found 'now'");
    expect_error("count(purchase) > 1 AND (amount > 3)", PDB_ERR_SEGMENT,
                 "segment:1:26: unknown attribute 'amount'");

    struct schema bare = parse_schema("age int\n");
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile("count(x) > 1", 12, &bare, NOW, &segment, &error), PDB_ERR_SEGMENT);
    cr_assert_str_eq(error.message,
                     "segment:1:7: unknown event type 'x' (the schema declares no event types)");
    schema_deinit(&bare);
}

static void expect_explain(const char *segment_text, const char *expected)
{
    struct schema schema = parse_schema(schema_text);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(segment_text, strlen(segment_text), &schema, NOW, &segment, &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(segment_validate(segment), 0);
    struct buffer out = {0};
    cr_assert_eq(segment_explain(segment, &out), PDB_OK);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    cr_assert_str_eq((const char *)out.data, expected);
    buffer_deinit(&out);
    segment_destroy(segment);
    schema_deinit(&schema);
}

Test(event_segments, explain_writes_the_aggregate_back)
{
    expect_explain("count(purchase, 30d, category = 'shoes' AND NOT qty IN (1, 2)) >= 2 AND "
                   "NOT exists(page_view, 7d) AND age < 30.5",
                   "AND\n"
                   "  count(purchase, 30d, category = 'shoes' AND qty NOT IN (1, 2)) >= 2\n"
                   "  NOT exists(page_view, 1w)\n"
                   "  age <= 30\n");
    expect_explain("2 < sum(purchase.amount, BETWEEN '2025-01-01' AND '2025-02-01')",
                   "sum(purchase.amount, BETWEEN '2025-03-07T15:06:40Z' AND "
                   "'2025-02-01T00:00:00Z') > 2\n");
    expect_explain("NOT (last(page_view) > now() - 7d) OR distinct(purchase.category) IS NULL",
                   "OR\n"
                   "  last(page_view) <= '2025-06-08T15:06:40Z'\n"
                   "  distinct(purchase.category) IS NULL\n");
}

/* ---- Semantics on hand-built histories ----------------------------------------------------- */

struct history {
    uint32_t row;
    int64_t ts;
    double amount; /* NAN: NULL */
};

struct fixture {
    struct schema schema;
    struct table table;
    struct event_store *store;
};

/* quantities: the qty of each event (NULL: 1 each). */
static void fixture_init_with(struct fixture *f, uint32_t rows, const struct history *events,
                              uint32_t count, const int64_t *quantities)
{
    struct pdb_error error = {0};
    f->schema = parse_schema(schema_text);
    struct column *column = column_create(&f->schema.attributes[0]);
    for (uint32_t r = 0; r < rows; r++) cr_assert_eq(column_append_int(column, r, &error), PDB_OK);
    cr_assert_eq(column_seal(column, &error), PDB_OK);
    cr_assert_eq(table_init(&f->table, &f->schema), 0);
    cr_assert_eq(table_adopt_columns(&f->table, &column, &error), PDB_OK);
    struct event_store_builder *builder = event_store_builder_create(&f->schema.events);
    for (uint32_t i = 0; i < count; i++) {
        struct event_value values[3] = {{.is_null = events[i].amount != events[i].amount,
                                         .number = events[i].amount},
                                        {.string = "shoes", .string_size = 5},
                                        {.integer = quantities ? quantities[i] : 1}};
        cr_assert_eq(event_store_builder_append(builder, 0, events[i].row, events[i].ts, values,
                                                &error), PDB_OK);
    }
    cr_assert_eq(event_store_builder_finish(builder, &f->store, &error), PDB_OK);
}

static void fixture_init(struct fixture *f, uint32_t rows, const struct history *events, uint32_t count)
{
    fixture_init_with(f, rows, events, count, NULL);
}

static void fixture_deinit(struct fixture *f)
{
    event_store_destroy(f->store);
    table_deinit(&f->table);
    schema_deinit(&f->schema);
}

static bool collect(void *context, uint32_t row)
{
    struct buffer *out = context;
    return buffer_printf(out, "%u,", row) == 0;
}

/* The ids matching segment_text, as "0,2," (with the store attached unless detached). */
static void expect_ids(struct fixture *f, const char *segment_text, const char *expected,
                       bool is_attached)
{
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile(segment_text, strlen(segment_text), &f->schema, NOW, &segment,
                                 &error), PDB_OK, "%s", error.message);
    if (is_attached) segment_set_events(segment, f->store);
    struct buffer ids = {0};
    cr_assert_eq(buffer_append(&ids, "", 0), 0);
    cr_assert_eq(segment_ids(segment, &f->table, 0, collect, &ids, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(buffer_append(&ids, "", 1), 0);
    cr_assert_str_eq((const char *)ids.data, expected, "for %s", segment_text);
    buffer_deinit(&ids);
    segment_destroy(segment);
}

Test(event_segments, windows_include_both_edges_and_exclude_the_future)
{
    const struct history events[] = {
        {0, NOW - 30 * DAY, 1}, /* exactly at the edge: in */
        {1, NOW - 30 * DAY - 1, 1},
        {2, NOW, 1},            /* now() itself: in */
        {3, NOW + 1, 1},        /* the future: outside every relative window */
        {4, NOW - 100 * DAY, 1}, /* exactly the retention: kept */
        {5, NOW - 100 * DAY - 1, 1}, /* older than the retention: never seen */
    };
    struct fixture f;
    fixture_init(&f, 7, events, 6);
    expect_ids(&f, "count(purchase, 30d) >= 1", "0,2,", true);
    expect_ids(&f, "exists(purchase, 30d)", "0,2,", true);
    expect_ids(&f, "exists(purchase)", "0,1,2,3,4,", true);
    expect_ids(&f, "NOT exists(purchase)", "5,6,", true);
    expect_ids(&f, "count(purchase, 1000d) = 1", "0,1,2,4,", true);
    expect_ids(&f, "count(purchase, BETWEEN now() - 30d AND now() + 1s) = 1", "0,2,3,", true);
    expect_ids(&f, "first(purchase) < '2025-04-01'", "4,", true);
    /* Empty histories: min/first/last NULL, so neither a comparison nor its NOT holds. */
    expect_ids(&f, "last(purchase, 30d) > 0 OR NOT (last(purchase, 30d) > 0)", "0,2,", true);
    expect_ids(&f, "last(purchase, 30d) IS NULL", "1,3,4,5,6,", true);
    expect_ids(&f, "count(purchase, 30d) = 0", "1,3,4,5,6,", true);
    expect_ids(&f, "sum(purchase.amount, 30d) = 0", "1,3,4,5,6,", true);
    /* Without a store every history is empty. */
    expect_ids(&f, "count(purchase) = 0 AND NOT exists(purchase)", "0,1,2,3,4,5,6,", false);
    fixture_deinit(&f);
}

Test(event_segments, null_properties_and_equal_timestamps)
{
    const struct history events[] = {
        {0, NOW - DAY, 1}, {0, NOW - DAY, 1}, {0, NOW - DAY, 2.5}, {0, NOW - DAY, 0.0 / 0.0},
        {1, NOW - DAY, 0.0 / 0.0}, {2, NOW - 2 * DAY, -0.25}, {2, NOW - DAY, 4},
    };
    struct fixture f;
    fixture_init(&f, 3, events, 7);
    expect_ids(&f, "count(purchase) = 4", "0,", true);
    expect_ids(&f, "sum(purchase.amount) = 4.5", "0,", true);
    expect_ids(&f, "distinct(purchase.amount) = 2", "0,2,", true);
    expect_ids(&f, "min(purchase.amount) IS NULL", "1,", true);       /* only a NULL amount */
    expect_ids(&f, "count(purchase, amount IS NULL) = 1", "0,1,", true);
    expect_ids(&f, "count(purchase, NOT amount > 1) = 1", "2,", true); /* NULL is not counted */
    expect_ids(&f, "max(purchase.amount, amount < 3) = 2.5", "0,", true);
    expect_ids(&f, "first(purchase) = now() - 2d", "2,", true);
    expect_ids(&f, "count(purchase, category IN ('shoes', NULL)) = 4", "0,", true);
    expect_ids(&f, "count(purchase, category NOT IN ('bags', NULL)) = 0", "0,1,2,", true);
    fixture_deinit(&f);
}

Test(event_segments, int_sums_saturate_at_the_int64_range)
{
    const struct history events[] = {
        {0, NOW - DAY, 1}, {0, NOW - DAY, 1}, /* saturates high */
        {1, NOW - DAY, 1}, {1, NOW - DAY, 1}, /* saturates low */
        {2, NOW - DAY, 1}, {2, NOW - DAY, 1}, /* fits */
    };
    const int64_t quantities[] = {INT64_MAX, 5, INT64_MIN, -5, INT64_MAX, -2};
    struct fixture f;
    fixture_init_with(&f, 3, events, 6, quantities);
    expect_ids(&f, "sum(purchase.qty) = 9223372036854775807", "0,", true);
    expect_ids(&f, "sum(purchase.qty) = -9223372036854775808", "1,", true);
    expect_ids(&f, "sum(purchase.qty) = 9223372036854775805", "2,", true);
    fixture_deinit(&f);
}
