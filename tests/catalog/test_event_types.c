/*
 * Tests for catalog/event_types.c: `event` declarations in schema files (names, retention,
 * indented property lines, blocks closed by the next attribute), every error with its exact
 * position, the render -> parse round trip and lookup with did-you-mean.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/schema.h"

static struct schema parse_ok(const char *text)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    enum pdb_status status = schema_parse(text, strlen(text), "s.schema", &schema, &error);
    cr_assert_eq(status, PDB_OK, "schema_parse failed: %s\n%s", error.message, text);
    return schema;
}

static void parse_fails(const char *text, enum pdb_status expected, const char *message)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    enum pdb_status status = schema_parse(text, strlen(text), "s.schema", &schema, &error);
    cr_assert_eq(status, expected, "status %d for:\n%s\nmessage: %s", status, text, error.message);
    cr_assert_str_eq(error.message, message);
    cr_assert_eq(schema.events.type_count, 0u);
}

static const char *const retail =
    "customer_id text identifier\n"
    "event purchase retention 730d\n"
    "    amount   float\n"
    "\n"
    "    # the product's category\n"
    "    category category\n"
    "\tchannel  category\n"
    "event page_view retention 90d\n"
    "  url text\n"
    "country category\n"
    "  age int\n"
    "event add_to_cart\n"
    "  sku text\n"
    "  price float\n"
    "event login\n";

Test(event_types, parses_declarations_and_their_properties)
{
    struct schema schema = parse_ok(retail);
    cr_assert_eq(schema.attribute_count, 3u); /* customer_id, country, age */
    cr_assert_str_eq(schema.attributes[2].name, "age");
    cr_assert_eq(schema.events.type_count, 4u);
    const struct event_type *purchase = &schema.events.types[0];
    cr_assert_str_eq(purchase->name, "purchase");
    cr_assert_eq(purchase->retention_s, 730 * 86400);
    cr_assert_eq(purchase->property_count, 3u);
    cr_assert_str_eq(purchase->properties[1].name, "category");
    cr_assert_eq(purchase->properties[1].type, PDB_TYPE_CATEGORY);
    cr_assert_eq(purchase->properties[0].type, PDB_TYPE_FLOAT);
    cr_assert_eq(schema.events.types[1].retention_s, 90 * 86400);
    cr_assert_eq(schema.events.types[1].property_count, 1u);
    cr_assert_eq(schema.events.types[2].retention_s, 0);
    cr_assert_eq(schema.events.types[2].property_count, 2u);
    cr_assert_eq(schema.events.types[3].property_count, 0u);
    schema_deinit(&schema);
}

Test(event_types, render_round_trips)
{
    struct schema first = parse_ok(retail);
    struct buffer text = {0};
    cr_assert_eq(schema_render(&first, &text), 0);
    struct schema second = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse((const char *)text.data, text.size, "r", &second, &error), PDB_OK, "%s\n%.*s",
                 error.message, (int)text.size, text.data);
    cr_assert_eq(second.attribute_count, first.attribute_count);
    cr_assert_eq(second.events.type_count, first.events.type_count);
    for (uint32_t i = 0; i < first.events.type_count; i++) {
        const struct event_type *a = &first.events.types[i], *b = &second.events.types[i];
        cr_assert_str_eq(a->name, b->name);
        cr_assert_eq(a->retention_s, b->retention_s);
        cr_assert_eq(a->property_count, b->property_count);
        for (uint32_t p = 0; p < a->property_count; p++) {
            cr_assert_str_eq(a->properties[p].name, b->properties[p].name);
            cr_assert_eq(a->properties[p].type, b->properties[p].type);
        }
    }
    struct buffer again = {0};
    cr_assert_eq(schema_render(&second, &again), 0);
    cr_assert_eq(again.size, text.size);
    cr_assert(memcmp(again.data, text.data, text.size) == 0);
    buffer_deinit(&text);
    buffer_deinit(&again);
    schema_deinit(&first);
    schema_deinit(&second);
}

Test(event_types, names_are_case_insensitive_and_suggested)
{
    struct schema schema = parse_ok("a int\nEVENT Purchase RETENTION 2w\n  Amount FLOAT\n");
    cr_assert_str_eq(schema.events.types[0].name, "purchase");
    cr_assert_eq(schema.events.types[0].retention_s, 14 * 86400);
    cr_assert_eq(event_catalog_find(&schema.events, "PURCHASE", 8), 0);
    cr_assert_eq(event_catalog_find(&schema.events, "purchases", 9), -1);
    cr_assert_str_eq(event_catalog_suggest(&schema.events, "purchse", 7), "purchase");
    cr_assert_eq(event_type_find_property(&schema.events.types[0], "amount", 6), 0);
    cr_assert_str_eq(event_type_suggest_property(&schema.events.types[0], "amout", 5), "amount");
    cr_assert_null(event_type_suggest_property(&schema.events.types[0], "zzzzzzzz", 8));
    schema_deinit(&schema);
}

Test(event_types, errors_name_line_and_column)
{
    parse_fails("a int\nevent\n", PDB_ERR_SCHEMA,
                "s.schema:2:6: 'event' needs a name (expected 'event <name> [retention <duration>]')");
    parse_fails("a int\nevent 9x\n", PDB_ERR_SCHEMA,
                "s.schema:2:7: invalid character '9' in event name '9x' (names are letters, digits "
                "and '_', not starting with a digit)");
    parse_fails("a int\nevent p\nevent P\n", PDB_ERR_SCHEMA, "s.schema:3:7: duplicate event type 'P'");
    parse_fails("a int\nevent p keep 3d\n", PDB_ERR_SCHEMA,
                "s.schema:2:9: unexpected 'keep' after the event name (expected 'retention "
                "<duration>' or the end of the line)");
    parse_fails("a int\nevent p retention\n", PDB_ERR_SCHEMA,
                "s.schema:2:18: 'retention' needs a duration such as 730d");
    parse_fails("a int\nevent p retention 30x\n", PDB_ERR_SCHEMA,
                "s.schema:2:19: bad retention '30x' (expected a positive integer and a unit s, m, "
                "h, d or w, as in 730d)");
    parse_fails("a int\nevent p retention 0d\n", PDB_ERR_SCHEMA,
                "s.schema:2:19: bad retention '0d' (expected a positive integer and a unit s, m, "
                "h, d or w, as in 730d)");
    parse_fails("a int\nevent p\n  amount\n", PDB_ERR_SCHEMA,
                "s.schema:3:9: property 'amount' of event 'p' has no type (expected '<property> "
                "<type>')");
    parse_fails("a int\nevent p\n  amount money\n", PDB_ERR_SCHEMA,
                "s.schema:3:10: unknown property type 'money' (expected one of bool, int, float, "
                "timestamp, category, text)");
    parse_fails("a int\nevent p\n  t tags\n", PDB_ERR_SCHEMA,
                "s.schema:3:5: unknown property type 'tags' (expected one of bool, int, float, "
                "timestamp, category, text)");
    parse_fails("a int\nevent p\n  x int\n  X float\n", PDB_ERR_SCHEMA,
                "s.schema:4:3: duplicate property 'X' of event 'p'");
    parse_fails("a int\nevent p\n  x int indexed\n", PDB_ERR_SCHEMA,
                "s.schema:3:9: unexpected 'indexed': event properties take no flags");
    parse_fails("a int\nevent p\n  in int\n", PDB_ERR_SCHEMA,
                "s.schema:3:3: 'in' is a reserved word of the segment language and cannot name a "
                "property");
    parse_fails("a int\nevent now\n", PDB_ERR_SCHEMA,
                "s.schema:2:7: 'now' is a reserved word of the segment language and cannot name "
                "an event type");
}

Test(event_types, a_schema_of_events_only_still_needs_an_attribute)
{
    parse_fails("event p\n  x int\n", PDB_ERR_SCHEMA, "s.schema: the schema declares no attributes");
}

Test(event_types, durations_format_in_their_largest_exact_unit)
{
    char text[32];
    event_duration_format(14 * 86400, text, sizeof text);
    cr_assert_str_eq(text, "2w");
    event_duration_format(36 * 3600, text, sizeof text);
    cr_assert_str_eq(text, "36h");
    event_duration_format(90, text, sizeof text);
    cr_assert_str_eq(text, "90s");
    int64_t seconds = 0;
    cr_assert(event_duration_parse("12h", 3, &seconds));
    cr_assert_eq(seconds, 12 * 3600);
    cr_assert_not(event_duration_parse("h", 1, &seconds));
    cr_assert_not(event_duration_parse("99999999999999999999d", 21, &seconds));
}
