/*
 * Tests for catalog/computed.c and its place in schema.c: the shape of `<name> = <definition>`
 * lines (blanks, comments outside quoted strings, a line inside and after an event block),
 * name errors with their exact positions (bad, reserved, duplicate, clashing with a stored
 * attribute in either order, no definition, the limit) and the render -> parse round trip.
 * What a definition means is checked by query/computed.c (tests/query/test_computed.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
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
    cr_assert_eq(schema.computed.count, 0u);
}

static const char *const retail =
    "customer_id text identifier\n"
    "orders_30d = count(purchase, 30d)   # recent orders\n"
    "event purchase retention 730d\n"
    "    amount   float\n"
    "    channel  category\n"
    "Web_Spend\t=\tsum(purchase.amount, channel IN ('web', 'a#b', 'it''s'))\n"
    "  last_buy=last(purchase)\r   \r\n" /* a CR before the line end is a blank too */
    "country category\n";

Test(computed, parses_names_and_definitions_as_written)
{
    struct schema schema = parse_ok(retail);
    cr_assert_eq(schema.attribute_count, 2u); /* customer_id, country: nothing stores them */
    cr_assert_eq(schema.events.type_count, 1u);
    cr_assert_eq(schema.events.types[0].property_count, 2u); /* the line closed the block */
    cr_assert_eq(schema.computed.count, 3u);
    const struct computed_attribute *orders = &schema.computed.attributes[0];
    cr_assert_str_eq(orders->name, "orders_30d");
    cr_assert_str_eq(orders->definition, "count(purchase, 30d)"); /* comment and blanks gone */
    cr_assert_eq(orders->line, 2u);
    cr_assert_eq(orders->column, 14u);
    cr_assert_not(orders->is_checked); /* query/computed.c sets the type */
    const struct computed_attribute *web = &schema.computed.attributes[1];
    cr_assert_str_eq(web->name, "web_spend"); /* names are stored lower-case */
    cr_assert_str_eq(web->definition, "sum(purchase.amount, channel IN ('web', 'a#b', 'it''s'))");
    cr_assert_eq(web->column, 13u);
    cr_assert_str_eq(schema.computed.attributes[2].definition, "last(purchase)");
    cr_assert_eq(computed_catalog_find(&schema.computed, "WEB_SPEND", 9), 1);
    cr_assert_eq(computed_catalog_find(&schema.computed, "country", 7), -1);
    cr_assert_eq(schema_find(&schema, "orders_30d", 10), -1); /* not a stored attribute */
    cr_assert_str_eq(schema_suggest(&schema, "orders_3d", 9), "orders_30d");
    schema_deinit(&schema);
}

Test(computed, render_parses_back_to_the_same_schema)
{
    struct schema schema = parse_ok(retail);
    struct buffer first = {0}, second = {0};
    cr_assert_eq(schema_render(&schema, &first), 0);
    struct schema again = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse((const char *)first.data, first.size, "r", &again, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(again.computed.count, 3u);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_str_eq(again.computed.attributes[i].name, schema.computed.attributes[i].name);
        cr_assert_str_eq(again.computed.attributes[i].definition,
                         schema.computed.attributes[i].definition);
    }
    cr_assert_eq(schema_render(&again, &second), 0);
    cr_assert_eq(first.size, second.size);
    cr_assert_eq(memcmp(first.data, second.data, first.size), 0);
    cr_assert_eq(buffer_append(&first, "", 1), 0);
    cr_assert_not_null(strstr((const char *)first.data, "\norders_30d               = count(purchase, 30d)\n"));
    buffer_deinit(&first);
    buffer_deinit(&second);
    schema_deinit(&again);
    schema_deinit(&schema);
}

Test(computed, name_errors_have_positions)
{
    parse_fails("id int\n9lives = count(purchase)\n", PDB_ERR_SCHEMA,
                "s.schema:2:1: invalid character '9' in attribute name '9lives' (names are "
                "letters, digits and '_', not starting with a digit)");
    parse_fails("id int\n  between = count(purchase)\n", PDB_ERR_SCHEMA,
                "s.schema:2:3: 'between' is a reserved word of the segment language and cannot "
                "name an attribute");
    parse_fails("id int\nEvent= count(a)\n", PDB_ERR_SCHEMA,
                "s.schema:2:1: 'event' starts an event declaration and cannot name an attribute");
    /* Nor can an indented attribute line outside a declaration (it would render as one). */
    parse_fails("id int\n\tevent float\n", PDB_ERR_SCHEMA,
                "s.schema:2:2: 'event' starts an event declaration and cannot name an attribute");
    parse_fails("id int\nn = count(a)\nN = count(b)\n", PDB_ERR_SCHEMA,
                "s.schema:3:1: duplicate computed attribute 'N'");
    parse_fails("id int\n  id = count(a)\n", PDB_ERR_SCHEMA,
                "s.schema:2:3: computed attribute 'id' has the name of an attribute (names are "
                "unique among attributes and computed attributes)");
    parse_fails("n = count(a)\nid int\nn float\n", PDB_ERR_SCHEMA,
                "s.schema:3:1: duplicate attribute 'n' (line 1 defines a computed attribute of "
                "that name)");
    parse_fails("id int\nn =   # nothing\n", PDB_ERR_SCHEMA,
                "s.schema:2:4: computed attribute 'n' has no definition (expected '<name> = "
                "<event aggregate>', as in orders_30d = count(purchase, 30d))");
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    char text[200];
    snprintf(text, sizeof text, "id int\n%s = count(x)\n", long_name);
    parse_fails(text, PDB_ERR_SCHEMA,
                "s.schema:2:1: computed attribute name is 65 bytes long (limit 64)");
    /* Inside an event block an indented line is a property line, whatever it holds. */
    parse_fails("id int\nevent e\n  n = count(e)\n", PDB_ERR_SCHEMA,
                "s.schema:3:5: unknown property type '=' (expected one of bool, int, float, "
                "timestamp, category, text)");
    /* A schema of computed attributes alone still needs an attribute. */
    parse_fails("n = count(e)\n", PDB_ERR_SCHEMA, "s.schema: the schema declares no attributes");
}

Test(computed, at_most_the_limit)
{
    struct buffer text = {0};
    cr_assert_eq(buffer_printf(&text, "id int\n"), 0);
    for (uint32_t i = 0; i < PDB_COMPUTED_ATTRIBUTES_MAX; i++)
        cr_assert_eq(buffer_printf(&text, "c%u = count(e)\n", i), 0);
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse((const char *)text.data, text.size, "s", &schema, &error), PDB_OK);
    cr_assert_eq(schema.computed.count, PDB_COMPUTED_ATTRIBUTES_MAX);
    schema_deinit(&schema);
    cr_assert_eq(buffer_printf(&text, "one_more = count(e)\n"), 0);
    cr_assert_eq(schema_parse((const char *)text.data, text.size, "s", &schema, &error),
                 PDB_ERR_LIMIT);
    cr_assert_str_eq(error.message, "s:66:1: more than 64 computed attributes");
    buffer_deinit(&text);
}

Test(computed, a_definition_fits_a_rendered_line)
{
    static char text[PDB_SCHEMA_LINE_SIZE_MAX + 64];
    size_t prefix = (size_t)snprintf(text, sizeof text, "id int\nx=");
    size_t size = PDB_COMPUTED_DEFINITION_SIZE_MAX; /* the longest definition: accepted */
    memset(text + prefix, 'a', size);
    text[prefix + size] = '\n';
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(text, prefix + size + 1, "s", &schema, &error), PDB_OK, "%s", error.message);
    struct buffer rendered = {0};
    cr_assert_eq(schema_render(&schema, &rendered), 0);
    struct schema again = {0};
    cr_assert_eq(schema_parse((const char *)rendered.data, rendered.size, "r", &again, &error),
                 PDB_OK, "%s", error.message);
    schema_deinit(&again);
    schema_deinit(&schema);
    buffer_deinit(&rendered);
    text[prefix + size] = 'a'; /* one byte more */
    text[prefix + size + 1] = '\n';
    cr_assert_eq(schema_parse(text, prefix + size + 2, "s", &schema, &error), PDB_ERR_LIMIT);
    char expected[128];
    snprintf(expected, sizeof expected, "s:2:3: the definition of 'x' is %u bytes long (limit %u)",
             PDB_COMPUTED_DEFINITION_SIZE_MAX + 1, PDB_COMPUTED_DEFINITION_SIZE_MAX);
    cr_assert_str_eq(error.message, expected);
}
