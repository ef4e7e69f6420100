/*
 * Tests for catalog/rules.c, rules_apply.c and rules_formats.c: rule words in schema text
 * (every rule, arguments, quoting, any order), every error with its exact line:column, the
 * canonical render and its round trip, and each rule applied to values: trim (Unicode white
 * space), nfc, lower/upper/casefold, map, phone (E.164 table), email (accept/reject table),
 * range (int and float, open bounds), allowed, required, and the order they run in.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/rules.h"
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

static void parse_fails(const char *text, const char *expected_message)
{
    struct schema schema = {0};
    struct pdb_error error = {0};
    enum pdb_status status = schema_parse(text, strlen(text), "s.schema", &schema, &error);
    cr_assert_eq(status, PDB_ERR_SCHEMA, "status %d for: %s (message: %s)", status, text,
                 error.message);
    cr_assert(strncmp(error.message, expected_message, strlen(expected_message)) == 0,
              "message '%s' does not start with '%s'", error.message, expected_message);
}

static char *render(const struct schema *schema)
{
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(schema_render(schema, &out), 0);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    char *text = strdup((const char *)out.data);
    buffer_deinit(&out);
    return text;
}

/* Renders the one-attribute schema `line` and checks the rules part equals `canonical`, and
 * that parsing the render renders the same again. */
static void expect_canonical(const char *line, const char *canonical)
{
    struct schema schema = parse_ok(line);
    char *text = render(&schema);
    const char *rules = text;
    /* skip "<name> <type>" and the padding */
    for (int word = 0; word < 2; word++) {
        while (*rules == ' ')
            rules++;
        while (*rules != ' ' && *rules != '\n')
            rules++;
    }
    while (*rules == ' ')
        rules++;
    char expected[1024];
    snprintf(expected, sizeof expected, "%s\n", canonical);
    cr_assert_str_eq(rules, expected, "render of '%s'", line);
    struct schema again = parse_ok(text);
    char *text_again = render(&again);
    cr_assert_str_eq(text_again, text, "round trip of '%s'", line);
    free(text_again);
    free(text);
    schema_deinit(&again);
    schema_deinit(&schema);
}

/* Applies the rules of the first attribute of `line` to `value`; returns the outcome, with
 * the result value or reason in `out`. */
static enum rules_outcome apply(const char *line, const char *value, char *out, size_t out_size,
                                enum rule_kind *broken, uint32_t *changed)
{
    struct schema schema = parse_ok(line);
    struct rules_scratch scratch;
    rules_scratch_init(&scratch);
    const char *data = value;
    size_t size = strlen(value);
    char reason[256] = "";
    *changed = 0;
    enum rules_outcome outcome = rules_apply_string(schema.attributes[0].rules, &scratch, &data,
                                                    &size, changed, broken, reason, sizeof reason);
    if (outcome == RULES_OK) {
        cr_assert_lt(size, out_size);
        memcpy(out, data, size);
        out[size] = '\0';
    } else {
        snprintf(out, out_size, "%s", reason);
    }
    rules_scratch_deinit(&scratch);
    schema_deinit(&schema);
    return outcome;
}

static void expect_value(const char *line, const char *value, const char *expected)
{
    char out[512];
    enum rule_kind broken;
    uint32_t changed;
    enum rules_outcome outcome = apply(line, value, out, sizeof out, &broken, &changed);
    cr_assert_eq(outcome, RULES_OK, "'%s' under '%s': %s", value, line, out);
    cr_assert_str_eq(out, expected, "'%s' under '%s'", value, line);
    cr_assert_eq(changed != 0, strcmp(value, expected) != 0, "changed bits of '%s'", value);
}

static void expect_reject(const char *line, const char *value, enum rule_kind rule,
                          const char *reason)
{
    char out[512];
    enum rule_kind broken = RULE_KIND_COUNT;
    uint32_t changed;
    enum rules_outcome outcome = apply(line, value, out, sizeof out, &broken, &changed);
    cr_assert_eq(outcome, RULES_REJECTED, "'%s' under '%s' gave '%s'", value, line, out);
    cr_assert_eq(broken, rule, "'%s' broke rule %s", value, rule_kind_name(broken));
    cr_assert_str_eq(out, reason);
}

/* ---- Parsing and rendering ---------------------------------------------------------------- */

Test(rules, parses_every_rule_and_sets_its_bit)
{
    struct schema schema = parse_ok("email text identifier pii trim nfc lower email required\n"
                                    "phone text pii phone(+44)\n"
                                    "country category indexed upper map(UK=GB) allowed(GB,US)\n"
                                    "age int range(0,120)\n"
                                    "score float range(-1.5,)\n"
                                    "name text casefold\n"
                                    "active bool required\n"
                                    "plain text\n");
    const struct attribute_rules *email = schema.attributes[0].rules;
    cr_assert(rules_has(email, RULE_TRIM) && rules_has(email, RULE_NFC) &&
              rules_has(email, RULE_LOWER));
    cr_assert(rules_has(email, RULE_EMAIL) && rules_has(email, RULE_REQUIRED));
    cr_assert_not(rules_has(email, RULE_UPPER));
    cr_assert_eq(schema.attributes[0].flags, PDB_FLAG_IDENTIFIER | PDB_FLAG_PII);
    cr_assert_str_eq(schema.attributes[1].rules->phone_country, "44");
    cr_assert_eq(schema.attributes[2].rules->map_count, 1u);
    cr_assert_eq(schema.attributes[2].rules->allowed_count, 2u);
    const struct attribute_rules *age = schema.attributes[3].rules;
    cr_assert(age->has_range_min && age->has_range_max);
    cr_assert_eq(age->range_min_int, 0);
    cr_assert_eq(age->range_max_int, 120);
    const struct attribute_rules *score = schema.attributes[4].rules;
    cr_assert(score->has_range_min && !score->has_range_max);
    cr_assert_float_eq(score->range_min_float, -1.5, 0);
    cr_assert(rules_has(schema.attributes[5].rules, RULE_CASEFOLD));
    cr_assert_str_eq(email->canonical, "trim nfc lower email required");
    cr_assert_str_eq(schema.attributes[2].rules->canonical, "upper map(UK=GB) allowed(GB,US)");
    cr_assert_str_eq(score->canonical, "range(-1.5,)");
    cr_assert(rules_has(schema.attributes[6].rules, RULE_REQUIRED));
    cr_assert_null(schema.attributes[7].rules);
    schema_deinit(&schema);
}

Test(rules, renders_canonically_in_application_order_and_round_trips)
{
    expect_canonical("e text email lower trim", "trim lower email");
    expect_canonical("e text REQUIRED Trim", "trim required");
    expect_canonical("c category indexed allowed( US , GB ) map( UK = GB ) upper",
                     "indexed upper map(UK=GB) allowed(US,GB)");
    expect_canonical(
        "c category map(\"Deutschland\"=DE, \"New York\"=NY, \"a \"\"q\"\"\"=\"x,y\") ",
        "map(Deutschland=DE,\"New York\"=NY,\"a \"\"q\"\"\"=\"x,y\")");
    expect_canonical("a int range(,120)", "range(,120)");
    expect_canonical("a int range(-5,)", "range(-5,)");
    expect_canonical("f float range(0.1,2.5e3)", "range(0.1,2500)");
    expect_canonical("p text phone", "phone");
    expect_canonical("p text phone(+1)", "phone(+1)");
    expect_canonical("s text allowed(\"\",a)", "allowed(\"\",a)");
    expect_canonical("s text allowed(caf\xc3\xa9,x@y.z,a/b:c)", "allowed(caf\xc3\xa9,x@y.z,a/b:c)");
}

Test(rules, a_comment_after_rules_and_hash_inside_quotes)
{
    struct schema schema = parse_ok("c category allowed(\"#1\",b) # the comment\n");
    cr_assert_eq(schema.attributes[0].rules->allowed_count, 2u);
    char *text = render(&schema);
    cr_assert(strstr(text, "allowed(\"#1\",b)\n") != NULL, "%s", text);
    free(text);
    schema_deinit(&schema);
}

Test(rules, errors_name_line_and_column)
{
    parse_fails("a int\nb int trimm\n", "s.schema:2:7: unknown flag 'trimm'");
    parse_fails("a int trim\n",
                "s.schema:1:7: rule 'trim' applies to text and category attributes, not int");
    parse_fails("a text range(1,2)\n",
                "s.schema:1:8: rule 'range' applies to int and float attributes, not text");
    parse_fails("a tags lower\n",
                "s.schema:1:8: rule 'lower' applies to text and category attributes, not tags");
    parse_fails("a bool email\n",
                "s.schema:1:8: rule 'email' applies to text and category attributes");
    parse_fails("a text trim trim\n", "s.schema:1:13: rule 'trim' given twice");
    parse_fails("a text trim(x)\n", "s.schema:1:12: rule 'trim' takes no arguments");
    parse_fails("a text map\n", "s.schema:1:11: rule 'map' needs arguments: map(FROM=TO,...)");
    parse_fails("a text allowed\n", "s.schema:1:15: rule 'allowed' needs arguments");
    parse_fails("a int range\n", "s.schema:1:12: rule 'range' needs arguments: range(min,max)");
    parse_fails("a text map(a=b\n", "s.schema:1:11: unterminated '(': expected ')'");
    parse_fails("a text map(a=\"b)\n", "s.schema:1:14: unterminated quoted value");
    parse_fails("a text map(a b=c)\n", "s.schema:1:14: unexpected 'b'");
    parse_fails("a text map(a=b)x\n", "s.schema:1:16: unexpected text after ')'");
    parse_fails("a text map(a)\n", "s.schema:1:12: map items are FROM=TO pairs");
    parse_fails("a text map(a=)\n", "s.schema:1:14: empty value");
    parse_fails("a text allowed(a,,b)\n", "s.schema:1:18: empty value");
    parse_fails("a text allowed(a=b)\n", "s.schema:1:17: unexpected '=' (only map takes pairs)");
    parse_fails("a text allowed(a, b, a)\n", "s.schema:1:22: allowed names this value twice");
    parse_fails("a text map(x=1,y=2,x=3)\n", "s.schema:1:20: map names this value twice");
    parse_fails("a int range(1)\n", "s.schema:1:7: range takes two bounds");
    parse_fails("a int range(,)\n", "s.schema:1:7: range needs at least one bound");
    parse_fails("a int range(1.5,2)\n", "s.schema:1:13: range bound '1.5' is not an int64 integer");
    parse_fails("a int range(0,99999999999999999999)\n",
                "s.schema:1:15: range bound '99999999999999999999' is not an int64");
    parse_fails("a float range(0,inf)\n",
                "s.schema:1:17: range bound 'inf' is not a finite number");
    parse_fails("a int range(10,1)\n", "s.schema:1:16: range maximum is below its minimum");
    parse_fails("a text phone(44)\n",
                "s.schema:1:14: phone takes one default country calling code");
    parse_fails("a text phone(+0)\n",
                "s.schema:1:14: phone takes one default country calling code");
    parse_fails("a text phone(+1234)\n",
                "s.schema:1:14: phone takes one default country calling code");
    parse_fails("a text lower upper\n",
                "s.schema:1:3: lower, upper and casefold exclude each other");
    parse_fails("a text email phone\n",
                "s.schema:1:3: rules 'phone' and 'email' exclude each other");
    parse_fails("a text upper map(uk=GB)\n", "s.schema:1:18: map key 'uk' can never match");
    parse_fails("a text trim map(\" x\"=y)\n", "s.schema:1:17: map key ' x' can never match");
    parse_fails("a text lower allowed(us,GB)\n",
                "s.schema:1:25: allowed value 'GB' can never match");
    parse_fails("a text map(UK=GB) allowed(UK,GB)\n",
                "s.schema:1:27: allowed value 'UK' can never match");
    parse_fails("a text map(UK=GBR) allowed(GB)\n",
                "s.schema:1:15: map target 'GBR' is not in allowed(...)");
}

/* ---- Normalisers -------------------------------------------------------------------------- */

Test(rules, trim_strips_unicode_white_space_only)
{
    expect_value("a text trim", "  a b \t", "a b");
    expect_value("a text trim", "\xc2\xa0x\xe3\x80\x80", "x");         /* NBSP, ideographic */
    expect_value("a text trim", "\xe2\x80\x83x\xe2\x80\xa8\r\n", "x"); /* em space, LS */
    expect_value("a text trim", "\xe2\x80\x8bx", "\xe2\x80\x8bx");     /* ZWSP is not White_Space */
    expect_value("a text trim", "x", "x");
    char out[64];
    enum rule_kind broken;
    uint32_t changed;
    cr_assert_eq(apply("a text trim", " \t\xc2\xa0", out, sizeof out, &broken, &changed),
                 RULES_NULL);
    cr_assert_eq(changed, 1u << RULE_TRIM);
    expect_reject("a text trim required", "   ", RULE_REQUIRED, RULES_REQUIRED_REASON);
}

Test(rules, nfc_and_case_rules)
{
    expect_value("a text nfc", "Cafe\xcc\x81", "Caf\xc3\xa9");
    expect_value("a text lower", "Ann@EXAMPLE.com", "ann@example.com");
    expect_value("a text upper", "gb", "GB");
    expect_value("a text upper", "\xc3\xa9t\xc3\xa9", "\xc3\x89T\xc3\x89");
    expect_value("a text casefold",
                 "STRASSE Stra\xc3\x9f"
                 "e",
                 "strasse strasse");
    expect_value("a text nfc lower", "CAFE\xcc\x81", "caf\xc3\xa9");
}

Test(rules, map_applies_after_the_other_normalisers_on_exact_values)
{
    const char *line = "c category trim upper map(UK=GB,\"GREAT BRITAIN\"=GB,DEUTSCHLAND=DE)";
    expect_value(line, " uk ", "GB");
    expect_value(line, "Great Britain", "GB");
    expect_value(line, "deutschland", "DE");
    expect_value(line, "ukraine", "UKRAINE"); /* whole values only */
    expect_value(line, "GB", "GB");
    char out[64];
    enum rule_kind broken;
    uint32_t changed;
    cr_assert_eq(apply(line, "uk", out, sizeof out, &broken, &changed), RULES_OK);
    cr_assert_eq(changed, (1u << RULE_UPPER) | (1u << RULE_MAP));
    cr_assert_eq(apply(line, "UK", out, sizeof out, &broken, &changed), RULES_OK);
    cr_assert_eq(changed, 1u << RULE_MAP);
}

/* A map of many entries finds every key (binary search over the sorted order). */
Test(rules, large_map_finds_every_key)
{
    struct buffer line;
    buffer_init(&line);
    cr_assert_eq(buffer_printf(&line, "c text map("), 0);
    for (int i = 0; i < 300; i++)
        cr_assert_eq(buffer_printf(&line, "%sk%d=v%d", i ? "," : "", (i * 7919) % 300, i), 0);
    cr_assert_eq(buffer_printf(&line, ")\n"), 0);
    cr_assert_eq(buffer_append(&line, "", 1), 0);
    for (int i = 0; i < 300; i += 7) {
        char key[16], expected[16];
        snprintf(key, sizeof key, "k%d", (i * 7919) % 300);
        snprintf(expected, sizeof expected, "v%d", i);
        expect_value((const char *)line.data, key, expected);
    }
    expect_value((const char *)line.data, "k300", "k300");
    buffer_deinit(&line);
}

/* ---- Phone -------------------------------------------------------------------------------- */

Test(rules, phone_normalises_to_e164)
{
    static const struct {
        const char *rule, *in, *out;
    } cases[] = {
        {"phone(+1)", "(555) 123-4567", "+15551234567"},
        {"phone(+1)", "1-800-555-0100", "+18005550100"}, /* NANP trunk 1 */
        {"phone(+1)", "+1 800 555 0100", "+18005550100"},
        {"phone(+44)", "020 7946 0958", "+442079460958"}, /* trunk 0 dropped */
        {"phone(+44)", "+44 20 7946 0958", "+442079460958"},
        {"phone(+44)", "0044 20 7946 0958", "+442079460958"},
        {"phone(+49)", "030/1234567", "+49301234567"},
        {"phone", "+49.30.1234567", "+49301234567"},
        {"phone", "00 33 1 23 45 67 89", "+33123456789"},
        {"phone", "+12345678", "+12345678"},               /* 8 digits */
        {"phone", "+123456789012345", "+123456789012345"}, /* 15 digits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "p text %s", cases[i].rule);
        expect_value(line, cases[i].in, cases[i].out);
    }
}

Test(rules, phone_rejects_what_is_not_a_number)
{
    expect_reject(
        "p text phone(+1)", "12", RULE_PHONE,
        "rule phone: '12' is not a phone number (fewer than 8 digits with the country code)");
    expect_reject(
        "p text phone", "+1234567", RULE_PHONE,
        "rule phone: '+1234567' is not a phone number (fewer than 8 digits with the country code)");
    expect_reject(
        "p text phone", "+1234567890123456", RULE_PHONE,
        "rule phone: '+1234567890123456' is not a phone number (more than 15 digits with the "
        "country code)");
    expect_reject(
        "p text phone", "020 7946 0958", RULE_PHONE,
        "rule phone: '020 7946 0958' is not a phone number (no country code: write +<code> or "
        "00<code>, or declare phone(+<code>))");
    expect_reject("p text phone(+1)", "555-1234 ext 5", RULE_PHONE,
                  "rule phone: '555-1234 ext 5' is not a phone number (only digits, a leading '+', "
                  "spaces, '-', '.', '/' and parentheses may appear)");
    expect_reject("p text phone(+1)", "555+1234567", RULE_PHONE,
                  "rule phone: '555+1234567' is not a phone number ('+' after the start)");
    expect_reject(
        "p text phone", "+0123456789", RULE_PHONE,
        "rule phone: '+0123456789' is not a phone number (the country code starts with 0)");
    expect_reject("p text phone(+1)", "- ( )", RULE_PHONE,
                  "rule phone: '- ( )' is not a phone number (no digits)");
    /* 1000 digits: counted, never stored past the buffer */
    char *long_number = malloc(1001);
    memset(long_number, '9', 1000);
    long_number[1000] = '\0';
    char out[512];
    enum rule_kind broken;
    uint32_t changed;
    cr_assert_eq(apply("p text phone(+1)", long_number, out, sizeof out, &broken, &changed),
                 RULES_REJECTED);
    cr_assert(strstr(out, "...' is not a phone number (more than 15 digits") != NULL, "%s", out);
    free(long_number);
}

/* ---- Email -------------------------------------------------------------------------------- */

Test(rules, email_accepts_practical_addresses)
{
    static const char *const good[] = {
        "a@b.co",
        "first.last@example.com",
        "x+tag@sub.example.org",
        "o'neil@example.ie",
        "user_name-1@ex-ample.com",
        "!#$%&'*+/=?^_`{|}~-@example.com",
        "j\xc3\xb6rg@m\xc3\xbcller.de",
        "a@123.example.com",
        "a@xn--bcher-kva.example",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        expect_value("e text email", good[i], good[i]);
}

Test(rules, email_rejects_with_the_reason)
{
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"plainaddress", "no '@'"},
        {"a@b@c.com", "more than one '@'"},
        {"@example.com", "nothing before '@'"},
        {"foo@", "nothing after '@'"},
        {".a@example.com", "a '.' at the start or end of the local part, or two in a row"},
        {"a.@example.com", "a '.' at the start or end of the local part, or two in a row"},
        {"a..b@example.com", "a '.' at the start or end of the local part, or two in a row"},
        {"a b@example.com", "a character not allowed before '@'"},
        {"a\"b@example.com", "a character not allowed before '@'"},
        {"a@example", "the domain has no '.'"},
        {"a@example.", "an empty domain label (a '.' at an end, or two in a row)"},
        {"a@.example.com", "an empty domain label (a '.' at an end, or two in a row)"},
        {"a@ex..com", "an empty domain label (a '.' at an end, or two in a row)"},
        {"a@-ex.com", "a domain label starts or ends with '-'"},
        {"a@ex-.com", "a domain label starts or ends with '-'"},
        {"a@ex_ample.com", "a character not allowed in the domain"},
        {"a@[127.0.0.1]", "a character not allowed in the domain"},
        {"a@example.c", "the top-level domain is shorter than 2 or all digits"},
        {"a@1.2.3.4", "the top-level domain is shorter than 2 or all digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char reason[256];
        snprintf(reason, sizeof reason, "rule email: '%s' is not an email address (%s)", bad[i].in,
                 bad[i].why);
        expect_reject("e text email", bad[i].in, RULE_EMAIL, reason);
    }
}

Test(rules, email_length_limits)
{
    char address[400];
    memset(address, 'a', 64);
    strcpy(address + 64, "@example.com");
    expect_value("e text email", address, address);
    memset(address, 'a', 65);
    strcpy(address + 65, "@example.com");
    cr_assert_str_eq(rules_email_check(address, strlen(address)), "more than 64 bytes before '@'");
    /* a 64-byte label is too long; 63 is fine */
    strcpy(address, "a@");
    memset(address + 2, 'b', 63);
    strcpy(address + 65, ".com");
    cr_assert_null(rules_email_check(address, strlen(address)));
    memset(address + 2, 'b', 64);
    strcpy(address + 66, ".com");
    cr_assert_str_eq(rules_email_check(address, strlen(address)),
                     "a domain label longer than 63 bytes");
    /* 255 bytes in all */
    strcpy(address, "a@");
    size_t at = 2;
    while (at < 251) {
        memset(address + at, 'c', 9);
        address[at + 9] = '.';
        at += 10;
    }
    strcpy(address + at, "com");
    cr_assert_gt(strlen(address), 254u);
    cr_assert_str_eq(rules_email_check(address, strlen(address)), "longer than 254 bytes");
}

/* ---- Validators of numbers, allowed, required, and the order of it all -------------------- */

Test(rules, range_checks_int_and_float_with_open_bounds)
{
    struct schema schema =
        parse_ok("age int range(0,120)\nfloor int range(18,)\nscore float range(,1.5)\n");
    char reason[256];
    enum rule_kind broken = RULE_KIND_COUNT;
    const struct attribute_rules *age = schema.attributes[0].rules,
                                 *floor = schema.attributes[1].rules,
                                 *score = schema.attributes[2].rules;
    cr_assert_eq(rules_check_int(age, 0, &broken, reason, sizeof reason), RULES_OK);
    cr_assert_eq(rules_check_int(age, 120, &broken, reason, sizeof reason), RULES_OK);
    cr_assert_eq(rules_check_int(age, 121, &broken, reason, sizeof reason), RULES_REJECTED);
    cr_assert_eq(broken, RULE_RANGE);
    cr_assert_str_eq(reason, "rule range(0,120): 121 is out of range");
    cr_assert_eq(rules_check_int(age, -1, &broken, reason, sizeof reason), RULES_REJECTED);
    cr_assert_eq(rules_check_int(floor, INT64_MAX, &broken, reason, sizeof reason), RULES_OK);
    cr_assert_eq(rules_check_int(floor, 17, &broken, reason, sizeof reason), RULES_REJECTED);
    cr_assert_str_eq(reason, "rule range(18,): 17 is out of range");
    cr_assert_eq(rules_check_float(score, -1e300, &broken, reason, sizeof reason), RULES_OK);
    cr_assert_eq(rules_check_float(score, 1.5, &broken, reason, sizeof reason), RULES_OK);
    cr_assert_eq(rules_check_float(score, 1.5000001, &broken, reason, sizeof reason),
                 RULES_REJECTED);
    cr_assert_str_eq(reason, "rule range(,1.5): 1.5000001 is out of range");
    cr_assert_eq(rules_check_int(NULL, 5, &broken, reason, sizeof reason), RULES_OK);
    schema_deinit(&schema);
}

Test(rules, allowed_and_required)
{
    const char *line = "c category upper allowed(US,GB,\"\")";
    expect_value(line, "us", "US");
    expect_value(line, "", ""); /* the empty string is allowed here (not with trim: see below) */
    expect_reject(line, "fr", RULE_ALLOWED, "rule allowed: 'FR' is not one of the allowed values");
    parse_fails("c category trim allowed(US,\"\")\n",
                "s.schema:1:28: allowed value '' can never match");
    expect_reject("c text required", "", RULE_REQUIRED, RULES_REQUIRED_REASON);
    expect_value("c text required", "x", "x");
}

Test(rules, validators_see_the_normalised_value)
{
    /* lower runs before email, map before allowed, phone before allowed */
    expect_value("e text trim lower email", "  Ann@Example.COM ", "ann@example.com");
    expect_value("c text map(Deutschland=DE) allowed(DE)", "Deutschland", "DE");
    expect_value("p text phone(+1) allowed(+15551234567)", "555 123 4567", "+15551234567");
    expect_reject(
        "e text email", " a@b.co", RULE_EMAIL,
        "rule email: ' a@b.co' is not an email address (a character not allowed before '@')");
}

Test(rules, long_values_are_shortened_in_reasons_on_a_character_boundary)
{
    char value[128];
    memset(value, 'x', 39);
    strcpy(value + 39, "\xc3\xa9\xc3\xa9\xc3\xa9 more text");
    char out[512];
    enum rule_kind broken;
    uint32_t changed;
    cr_assert_eq(apply("c text allowed(a)", value, out, sizeof out, &broken, &changed),
                 RULES_REJECTED);
    char expected[256];
    snprintf(expected, sizeof expected, "rule allowed: '%.39s...' is not one of the allowed values",
             value);
    cr_assert_str_eq(out, expected);
}
