/*
 * Tests for catalog/schema.c: schema text parsing (types, flags, names, comments, line ends),
 * every error with its exact "<source>:<line>:<column>" position, the limits, the
 * render -> parse round trip, case-insensitive lookup, did-you-mean suggestions, reserved
 * words and the edit distance behind them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/limits.h"
#include "catalog/schema.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static struct schema parse_ok(const char *text)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    enum pdb_status status = schema_parse(text, strlen(text), "s.schema", &schema, &error);
    cr_assert_eq(status, PDB_OK, "schema_parse failed: %s\n--- text ---\n%s", error.message, text);
    return schema;
}

/* Parses text expecting `expected_status` and a message starting with `prefix`; also checks
 * that the out-parameter is left untouched. */
static void parse_fails(const char *text, size_t size, enum pdb_status expected_status,
                        const char *prefix)
{
    struct attribute sentinel_attribute;
    struct schema schema = {.attribute_count = 77, .attributes = &sentinel_attribute};
    struct pdb_error error = {0};
    enum pdb_status status = schema_parse(text, size, "s.schema", &schema, &error);
    cr_assert_eq(status, expected_status, "status %d (expected %d) for:\n%.*s\nmessage: %s", status,
                 expected_status, (int)size, text, error.message);
    cr_assert_eq(error.status, expected_status);
    cr_assert(strncmp(error.message, prefix, strlen(prefix)) == 0,
              "message '%s' does not start with '%s'", error.message, prefix);
    cr_assert_eq(schema.attribute_count, 77u, "out-parameter modified on failure");
    cr_assert_eq(schema.attributes, &sentinel_attribute, "out-parameter modified on failure");
}

#define PARSE_FAILS(text, status, prefix) parse_fails((text), strlen(text), (status), (prefix))

/* ---- Valid schemas ---------------------------------------------------------------------- */

Test(schema, parses_every_type)
{
    struct schema schema = parse_ok("a bool\n"
                                    "b int\n"
                                    "c float\n"
                                    "d timestamp\n"
                                    "e category\n"
                                    "f text\n"
                                    "g tags\n");
    cr_assert_eq(schema.attribute_count, 7u);
    enum pdb_type expected[] = {PDB_TYPE_BOOL,      PDB_TYPE_INT,      PDB_TYPE_FLOAT,
                                PDB_TYPE_TIMESTAMP, PDB_TYPE_CATEGORY, PDB_TYPE_TEXT,
                                PDB_TYPE_TAGS};
    for (uint32_t i = 0; i < 7; i++) {
        char name[2] = {(char)('a' + i), 0};
        cr_assert_str_eq(schema.attributes[i].name, name);
        cr_assert_eq(schema.attributes[i].type, expected[i], "attribute %u", i);
        cr_assert_eq(schema.attributes[i].flags, 0u);
    }
    schema_deinit(&schema);
    cr_assert_eq(schema.attribute_count, 0u);
    cr_assert_null(schema.attributes);
}

Test(schema, types_and_flags_are_case_insensitive)
{
    struct schema schema = parse_ok("email TEXT Identifier PII\n"
                                    "country CaTeGoRy INDEXED\n"
                                    "seen TimeStamp\n");
    cr_assert_eq(schema.attributes[0].type, PDB_TYPE_TEXT);
    cr_assert_eq(schema.attributes[0].flags, PDB_FLAG_IDENTIFIER | PDB_FLAG_PII);
    cr_assert_eq(schema.attributes[1].type, PDB_TYPE_CATEGORY);
    cr_assert_eq(schema.attributes[1].flags, (uint32_t)PDB_FLAG_INDEXED);
    cr_assert_eq(schema.attributes[2].type, PDB_TYPE_TIMESTAMP);
    schema_deinit(&schema);
}

Test(schema, names_are_stored_lower_case)
{
    struct schema schema = parse_ok("Customer_ID int identifier\nEMAIL text\n");
    cr_assert_str_eq(schema.attributes[0].name, "customer_id");
    cr_assert_str_eq(schema.attributes[1].name, "email");
    schema_deinit(&schema);
}

Test(schema, every_flag_combination_parses)
{
    const char *flag_words[] = {"identifier", "pii", "indexed"};
    uint32_t flag_bits[] = {PDB_FLAG_IDENTIFIER, PDB_FLAG_PII, PDB_FLAG_INDEXED};
    for (uint32_t mask = 0; mask < 8; mask++) {
        char text[128];
        int used = snprintf(text, sizeof text, "x text");
        for (int f = 2; f >= 0; f--) /* reverse order: flags may come in any order */
            if (mask & (1u << f))
                used += snprintf(text + used, sizeof text - (size_t)used, " %s", flag_words[f]);
        struct schema schema = parse_ok(text);
        uint32_t expected = 0;
        for (int f = 0; f < 3; f++)
            if (mask & (1u << f)) expected |= flag_bits[f];
        cr_assert_eq(schema.attributes[0].flags, expected, "text '%s'", text);
        schema_deinit(&schema);
    }
}

Test(schema, skips_comments_blank_lines_and_whitespace)
{
    struct schema schema = parse_ok("# leading comment\n"
                                    "\n"
                                    "   \t  \n"
                                    "  \t age   int\t# trailing comment\n"
                                    "name text#comment right after the type\n"
                                    "   # indented comment\n"
                                    "last bool");
    cr_assert_eq(schema.attribute_count, 3u);
    cr_assert_str_eq(schema.attributes[0].name, "age");
    cr_assert_eq(schema.attributes[0].type, PDB_TYPE_INT);
    cr_assert_str_eq(schema.attributes[1].name, "name");
    cr_assert_eq(schema.attributes[1].type, PDB_TYPE_TEXT);
    cr_assert_str_eq(schema.attributes[2].name, "last", "a last line without LF is parsed");
    schema_deinit(&schema);
}

Test(schema, accepts_crlf_line_ends)
{
    struct schema schema = parse_ok("a int\r\nb text pii\r\n# c\r\n\r\n");
    cr_assert_eq(schema.attribute_count, 2u);
    cr_assert_eq(schema.attributes[1].type, PDB_TYPE_TEXT);
    cr_assert_eq(schema.attributes[1].flags, (uint32_t)PDB_FLAG_PII);
    schema_deinit(&schema);
}

Test(schema, identifier_is_allowed_on_text_category_and_int)
{
    struct schema schema = parse_ok("a text identifier\nb category identifier\nc int identifier\n");
    for (uint32_t i = 0; i < 3; i++)
        cr_assert_eq(schema.attributes[i].flags, (uint32_t)PDB_FLAG_IDENTIFIER);
    schema_deinit(&schema);
}

Test(schema, name_of_exactly_64_bytes_is_accepted)
{
    char text[128];
    memset(text, 'n', PDB_ATTRIBUTE_NAME_SIZE_MAX);
    strcpy(text + PDB_ATTRIBUTE_NAME_SIZE_MAX, " int\n");
    struct schema schema = parse_ok(text);
    cr_assert_eq(strlen(schema.attributes[0].name), PDB_ATTRIBUTE_NAME_SIZE_MAX);
    schema_deinit(&schema);
}

Test(schema, names_may_hold_digits_and_underscores)
{
    struct schema schema = parse_ok("_x int\na1_b2 int\n__ int\n");
    cr_assert_eq(schema.attribute_count, 3u);
    cr_assert_str_eq(schema.attributes[2].name, "__");
    schema_deinit(&schema);
}

Test(schema, accepts_exactly_the_attribute_limit)
{
    struct buffer text;
    buffer_init(&text);
    for (uint32_t i = 0; i < PDB_ATTRIBUTES_MAX; i++)
        cr_assert_eq(buffer_printf(&text, "a%u int\n", i), 0);
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse((const char *)text.data, text.size, "big", &schema, &error), PDB_OK,
                 "%s", error.message);
    cr_assert_eq(schema.attribute_count, PDB_ATTRIBUTES_MAX);
    schema_deinit(&schema);

    /* One more is a limit error at the line of the extra attribute. */
    cr_assert_eq(buffer_printf(&text, "extra int\n"), 0);
    memset(&error, 0, sizeof error);
    cr_assert_eq(schema_parse((const char *)text.data, text.size, "big", &schema, &error),
                 PDB_ERR_LIMIT);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "big:%u:1: more than %u attributes", PDB_ATTRIBUTES_MAX + 1,
             PDB_ATTRIBUTES_MAX);
    cr_assert_str_eq(error.message, prefix);
    buffer_deinit(&text);
}

/* ---- Errors, each at an exact position --------------------------------------------------- */

Test(schema, reports_missing_type_after_the_name)
{
    PARSE_FAILS("a int\n  age\n", PDB_ERR_SCHEMA, "s.schema:2:6: attribute 'age' has no type");
    PARSE_FAILS("age # int\n", PDB_ERR_SCHEMA, "s.schema:1:4: attribute 'age' has no type");
}

Test(schema, reports_unknown_type_with_its_column)
{
    PARSE_FAILS("a int\nb  integer\n", PDB_ERR_SCHEMA, "s.schema:2:4: unknown type 'integer'");
    PARSE_FAILS("b string pii\n", PDB_ERR_SCHEMA, "s.schema:1:3: unknown type 'string'");
}

Test(schema, reports_unknown_and_repeated_flags)
{
    PARSE_FAILS("x text pii secret\n", PDB_ERR_SCHEMA, "s.schema:1:12: unknown flag 'secret'");
    PARSE_FAILS("x text pii PII\n", PDB_ERR_SCHEMA, "s.schema:1:12: flag 'PII' given twice");
    PARSE_FAILS("x text indexed\n\ty int indexed indexed\n", PDB_ERR_SCHEMA,
                "s.schema:2:16: flag 'indexed' given twice");
}

Test(schema, reports_the_exact_bad_character_in_a_name)
{
    PARSE_FAILS("first-name text\n", PDB_ERR_SCHEMA,
                "s.schema:1:6: invalid character '-' in attribute name 'first-name'");
    PARSE_FAILS("\n  1abc int\n", PDB_ERR_SCHEMA,
                "s.schema:2:3: invalid character '1' in attribute name '1abc'");
    PARSE_FAILS("caf\xc3\xa9 text\n", PDB_ERR_SCHEMA, "s.schema:1:4: invalid character");
    PARSE_FAILS("a.b int\n", PDB_ERR_SCHEMA, "s.schema:1:2: invalid character '.'");
}

Test(schema, rejects_a_name_longer_than_64_bytes)
{
    char text[128];
    memset(text, 'n', PDB_ATTRIBUTE_NAME_SIZE_MAX + 1);
    strcpy(text + PDB_ATTRIBUTE_NAME_SIZE_MAX + 1, " int\n");
    PARSE_FAILS(text, PDB_ERR_SCHEMA, "s.schema:1:1: attribute name is 65 bytes long (limit 64)");
}

Test(schema, rejects_every_reserved_word_as_a_name)
{
    const char *words[] = {"and",  "or",       "not",     "in",    "is",        "null",   "between",
                           "true", "false",    "has",     "any",   "all",       "starts", "ends",
                           "with", "contains", "istarts", "iends", "icontains", "now",    "like"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        char text[64], upper[64];
        snprintf(text, sizeof text, " %s int\n", words[i]);
        PARSE_FAILS(text, PDB_ERR_SCHEMA, "s.schema:1:2: '");
        /* Reserved words are case-insensitive too. */
        size_t n = strlen(text);
        for (size_t k = 0; k <= n; k++)
            upper[k] = (char)(text[k] >= 'a' && text[k] <= 'z' ? text[k] - 32 : text[k]);
        PARSE_FAILS(upper, PDB_ERR_SCHEMA, "s.schema:1:2: '");
        struct pdb_error error = {0};
        struct schema schema = {0};
        schema_parse(text, strlen(text), "s.schema", &schema, &error);
        cr_assert(strstr(error.message, "reserved word") != NULL, "%s", error.message);
    }
}

Test(schema, rejects_duplicates_ignoring_case)
{
    PARSE_FAILS("email text\nage int\nEmail category\n", PDB_ERR_SCHEMA,
                "s.schema:3:1: duplicate attribute 'Email'");
}

Test(schema, identifier_needs_text_category_or_int)
{
    const char *types[] = {"bool", "float", "tags", "timestamp"};
    for (size_t i = 0; i < 4; i++) {
        char text[64];
        snprintf(text, sizeof text, "id  %s identifier\n", types[i]);
        PARSE_FAILS(text, PDB_ERR_SCHEMA,
                    "s.schema:1:5: flag 'identifier' needs a text, category or int");
    }
}

Test(schema, rejects_too_many_words_on_a_line)
{
    PARSE_FAILS("a text pii pii pii pii pii pii pii pii pii pii pii pii pii pii pii\n",
                PDB_ERR_SCHEMA, "s.schema:1:64: too many words on one line");
}

Test(schema, rejects_a_nul_byte)
{
    static const char text[] = "a int\nb te\0xt\n";
    parse_fails(text, sizeof text - 1, PDB_ERR_SCHEMA, "s.schema:2: NUL byte in schema");
}

Test(schema, rejects_a_schema_without_attributes)
{
    PARSE_FAILS("", PDB_ERR_SCHEMA, "s.schema: the schema declares no attributes");
    PARSE_FAILS("# only\n\n  # comments\n", PDB_ERR_SCHEMA,
                "s.schema: the schema declares no attributes");
}

Test(schema, rejects_a_schema_larger_than_the_limit)
{
    size_t size = PDB_SCHEMA_FILE_SIZE_MAX + 1;
    char *text = malloc(size);
    memset(text, '\n', size);
    memcpy(text, "a int", 5);
    parse_fails(text, size, PDB_ERR_LIMIT, "s.schema: schema is 1048577 bytes (limit 1048576)");
    /* Exactly the limit is fine. */
    struct schema schema = {0};
    cr_assert_eq(schema_parse(text, size - 1, "s.schema", &schema, NULL), PDB_OK);
    schema_deinit(&schema);
    free(text);
}

Test(schema, uses_a_default_source_name)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse("x", 1, NULL, &schema, &error), PDB_ERR_SCHEMA);
    cr_assert_str_eq(error.message, "schema:1:2: attribute 'x' has no type (expected '<name> "
                                    "<type> [flags]')");
}

Test(schema, accepts_a_null_error_report)
{
    struct schema schema = {0};
    cr_assert_eq(schema_parse("x bogus\n", 8, "s", &schema, NULL), PDB_ERR_SCHEMA);
}

Test(schema, releases_memory_when_a_later_line_fails)
{
    /* Many good lines then a bad one: the partial schema must be freed (ASan/LSan checks). */
    struct buffer text;
    buffer_init(&text);
    for (int i = 0; i < 50; i++)
        cr_assert_eq(buffer_printf(&text, "a%d int\n", i), 0);
    cr_assert_eq(buffer_printf(&text, "oops\n"), 0);
    parse_fails((const char *)text.data, text.size, PDB_ERR_SCHEMA, "s.schema:51:5:");
    buffer_deinit(&text);
}

Test(schema, reports_out_of_memory)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    mem_fail_after(0);
    enum pdb_status status = schema_parse("a int\n", 6, "s", &schema, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    cr_assert_eq(schema.attributes, NULL);
}

/* ---- Files ------------------------------------------------------------------------------ */

Test(schema, loads_a_file_and_names_it_in_errors)
{
    char directory[] = "/tmp/pdb-schema-XXXXXX";
    cr_assert_not_null(mkdtemp(directory));
    char path[256];
    snprintf(path, sizeof path, "%s/people.schema", directory);

    FILE *file = fopen(path, "w");
    fputs("email text identifier\nage int\n", file);
    fclose(file);
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_load_file(path, &schema, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(schema.attribute_count, 2u);
    schema_deinit(&schema);

    file = fopen(path, "w");
    fputs("email text\nage number\n", file);
    fclose(file);
    cr_assert_eq(schema_load_file(path, &schema, &error), PDB_ERR_SCHEMA);
    char expected[320];
    snprintf(expected, sizeof expected, "%s:2:5: unknown type 'number'", path);
    cr_assert(strncmp(error.message, expected, strlen(expected)) == 0, "%s", error.message);

    unlink(path);
    cr_assert_eq(schema_load_file(path, &schema, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert_eq(rmdir(directory), 0);
}

/* ---- Rendering -------------------------------------------------------------------------- */

Test(schema, render_is_canonical)
{
    struct schema schema = parse_ok("# c\nEmail TEXT pii identifier\nage int\ntags tags INDEXED\n");
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(schema_render(&schema, &out), 0);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    cr_assert_str_eq((const char *)out.data, "email                    text      identifier pii\n"
                                             "age                      int\n"
                                             "tags                     tags      indexed\n");
    buffer_deinit(&out);
    schema_deinit(&schema);
}

Test(schema, render_then_parse_round_trips)
{
    const char *texts[] = {
        "a bool\nb int identifier indexed\nc float pii\nd timestamp indexed pii\n"
        "e category identifier pii indexed\nf text pii identifier\ng tags indexed\n",
        "x text\n",
        "a_very_long_attribute_name_that_is_longer_than_the_padding_width int pii\n",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        struct schema first = parse_ok(texts[t]);
        struct buffer out;
        buffer_init(&out);
        cr_assert_eq(schema_render(&first, &out), 0);
        struct schema second = {0};
        struct pdb_error error = {0};
        cr_assert_eq(schema_parse((const char *)out.data, out.size, "rendered", &second, &error),
                     PDB_OK, "%s", error.message);
        cr_assert_eq(second.attribute_count, first.attribute_count);
        for (uint32_t i = 0; i < first.attribute_count; i++) {
            cr_assert_str_eq(second.attributes[i].name, first.attributes[i].name);
            cr_assert_eq(second.attributes[i].type, first.attributes[i].type);
            cr_assert_eq(second.attributes[i].flags, first.attributes[i].flags);
        }
        /* Rendering the re-parsed schema gives the same bytes. */
        struct buffer again;
        buffer_init(&again);
        cr_assert_eq(schema_render(&second, &again), 0);
        cr_assert_eq(again.size, out.size);
        cr_assert(memcmp(again.data, out.data, out.size) == 0);
        /* No line ends in a space. */
        for (size_t i = 1; i < out.size; i++)
            cr_assert_not(out.data[i] == '\n' && out.data[i - 1] == ' ');
        buffer_deinit(&again);
        buffer_deinit(&out);
        schema_deinit(&first);
        schema_deinit(&second);
    }
}

Test(schema, render_appends_after_existing_bytes)
{
    struct schema schema = parse_ok("a int\n");
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(buffer_append(&out, "# head\n", 7), 0);
    cr_assert_eq(schema_render(&schema, &out), 0);
    cr_assert_eq(out.size, 7 + strlen("a                        int\n"));
    cr_assert(memcmp(out.data, "# head\na ", 9) == 0);
    buffer_deinit(&out);
    schema_deinit(&schema);
}

/* ---- Lookup ------------------------------------------------------------------------------ */

Test(schema, find_ignores_case_and_needs_the_whole_name)
{
    struct schema schema = parse_ok("email text\ncountry category\nage int\n");
    cr_assert_eq(schema_find(&schema, "email", 5), 0);
    cr_assert_eq(schema_find(&schema, "EMAIL", 5), 0);
    cr_assert_eq(schema_find(&schema, "Country", 7), 1);
    cr_assert_eq(schema_find(&schema, "aGe", 3), 2);
    cr_assert_eq(schema_find(&schema, "ag", 2), -1);
    cr_assert_eq(schema_find(&schema, "ages", 4), -1);
    cr_assert_eq(schema_find(&schema, "", 0), -1);
    /* Only `size` bytes count: the text need not be NUL-terminated. */
    cr_assert_eq(schema_find(&schema, "agexyz", 3), 2);
    schema_deinit(&schema);
}

Test(schema, suggest_finds_a_close_name)
{
    struct schema schema = parse_ok("email text\ncountry category\nage int\nlast_seen timestamp\n");
    cr_assert_str_eq(schema_suggest(&schema, "contry", 6), "country");
    cr_assert_str_eq(schema_suggest(&schema, "COUNTRY", 7), "country");
    cr_assert_str_eq(schema_suggest(&schema, "emial", 5), "email");
    cr_assert_str_eq(schema_suggest(&schema, "lastseen", 8), "last_seen");
    cr_assert_str_eq(schema_suggest(&schema, "last_sene", 9), "last_seen");
    cr_assert_str_eq(schema_suggest(&schema, "agee", 4), "age");
    schema_deinit(&schema);
}

Test(schema, suggest_returns_null_when_nothing_is_close)
{
    struct schema schema = parse_ok("email text\ncountry category\nage int\n");
    cr_assert_null(schema_suggest(&schema, "zzz", 3));
    cr_assert_null(schema_suggest(&schema, "birthday", 8));
    cr_assert_null(schema_suggest(&schema, "x", 1), "1-byte names suggest nothing far");
    /* Short names allow only one edit: "ab" is 2 edits from "age". */
    cr_assert_null(schema_suggest(&schema, "bx", 2));
    schema_deinit(&schema);
}

Test(schema, suggest_picks_the_closest_of_several)
{
    struct schema schema = parse_ok("colour text\ncolor text\ncollar text\n");
    cr_assert_str_eq(schema_suggest(&schema, "colr", 4), "color");
    cr_assert_str_eq(schema_suggest(&schema, "colours", 7), "colour");
    schema_deinit(&schema);
}

Test(schema, reserved_words_are_case_insensitive_and_exact)
{
    cr_assert(catalog_is_reserved_word("and", 3));
    cr_assert(catalog_is_reserved_word("AND", 3));
    cr_assert(catalog_is_reserved_word("IContains", 9));
    cr_assert(catalog_is_reserved_word("nowhere", 3), "only size bytes count");
    cr_assert_not(catalog_is_reserved_word("nowhere", 7));
    cr_assert_not(catalog_is_reserved_word("an", 2));
    cr_assert_not(catalog_is_reserved_word("android", 7));
    cr_assert_not(catalog_is_reserved_word("", 0));
    cr_assert_not(catalog_is_reserved_word("email", 5));
}

Test(schema, type_parse_knows_every_type_name)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        const char *name = pdb_type_name((enum pdb_type)type);
        enum pdb_type parsed = PDB_TYPE_COUNT;
        cr_assert_eq(type_parse(name, strlen(name), &parsed), 0);
        cr_assert_eq(parsed, (enum pdb_type)type);
    }
    enum pdb_type untouched = PDB_TYPE_TAGS;
    cr_assert_eq(type_parse("integer", 7, &untouched), -1);
    cr_assert_eq(type_parse("in", 2, &untouched), -1);
    cr_assert_eq(type_parse("", 0, &untouched), -1);
    cr_assert_eq(untouched, PDB_TYPE_TAGS);
    cr_assert_str_eq(pdb_type_name(PDB_TYPE_COUNT), "unknown");
    cr_assert_str_eq(pdb_type_name((enum pdb_type) - 1), "unknown");
}

Test(schema, edit_distance_counts_edits_and_caps)
{
    cr_assert_eq(catalog_edit_distance("kitten", 6, "sitting", 7, 10), 3u);
    cr_assert_eq(catalog_edit_distance("abc", 3, "ABC", 3, 10), 0u);
    cr_assert_eq(catalog_edit_distance("", 0, "abc", 3, 10), 3u);
    cr_assert_eq(catalog_edit_distance("abc", 3, "", 0, 10), 3u);
    cr_assert_eq(catalog_edit_distance("abcdef", 6, "uvwxyz", 6, 2), 2u, "capped");
    cr_assert_eq(catalog_edit_distance("ab", 2, "ba", 2, 10), 2u);
    char long_name[70];
    memset(long_name, 'a', sizeof long_name);
    cr_assert_eq(catalog_edit_distance(long_name, 65, long_name, 65, 4), 4u,
                 "names longer than 64 bytes are never close");
    cr_assert_eq(catalog_edit_distance(long_name, 64, long_name, 64, 4), 0u);
}

Test(schema, rejects_lines_over_the_line_limit)
{
    size_t size = PDB_SCHEMA_LINE_SIZE_MAX + 10;
    char *text = malloc(size + 1);
    memset(text, ' ', size);
    memcpy(text, "name text", 9);
    text[size] = '\0';
    parse_fails(text, size, PDB_ERR_LIMIT, "s.schema:1: line is");
    free(text);
}

/* ---- The primary identifier ------------------------------------------------------------- */

Test(schema, primary_implies_identifier_and_is_found)
{
    struct schema schema = parse_ok("email text identifier\ncustomer_id text primary pii\nn int\n");
    cr_assert_eq(schema_primary(&schema), 1);
    cr_assert_eq(schema.attributes[1].flags, PDB_FLAG_PRIMARY | PDB_FLAG_IDENTIFIER | PDB_FLAG_PII);
    schema_deinit(&schema);
    schema = parse_ok("id int identifier primary\n");
    cr_assert_eq(schema_primary(&schema), 0);
    cr_assert_eq(schema.attributes[0].flags, PDB_FLAG_PRIMARY | PDB_FLAG_IDENTIFIER);
    schema_deinit(&schema);
    schema = parse_ok("a text identifier\nb int\n");
    cr_assert_eq(schema_primary(&schema), -1, "a schema without primary is append-only");
    schema_deinit(&schema);
}

Test(schema, primary_round_trips_through_render)
{
    struct schema schema = parse_ok("id text primary\nx int\n");
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(schema_render(&schema, &out), 0);
    cr_assert(strstr((const char *)out.data, "identifier primary\n") != NULL, "%.*s",
              (int)out.size, (const char *)out.data);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    struct schema again = parse_ok((const char *)out.data);
    cr_assert_eq(again.attributes[0].flags, schema.attributes[0].flags);
    cr_assert_eq(schema_primary(&again), 0);
    schema_deinit(&again);
    schema_deinit(&schema);
    buffer_deinit(&out);
}

Test(schema, rejects_a_second_primary_and_wrong_types)
{
    PARSE_FAILS("a text primary\nb  int  identifier primary\n", PDB_ERR_SCHEMA,
                "s.schema:2:20: a schema has at most one primary identifier ('a' is one already)");
    PARSE_FAILS("a category primary\n", PDB_ERR_SCHEMA,
                "s.schema:1:3: flag 'primary' needs a text or int attribute, not category");
    PARSE_FAILS("a float primary\n", PDB_ERR_SCHEMA,
                "s.schema:1:3: flag 'primary' needs a text or int attribute, not float");
    PARSE_FAILS("a float identifier primary\n", PDB_ERR_SCHEMA, "s.schema:1:3: flag 'primary' needs");
    PARSE_FAILS("a text primary primary\n", PDB_ERR_SCHEMA, "s.schema:1:16: flag 'primary' given twice");
    PARSE_FAILS("a text primry\n", PDB_ERR_SCHEMA,
                "s.schema:1:8: unknown flag 'primry' (expected identifier, pii, indexed or primary, or a rule: ");
}
