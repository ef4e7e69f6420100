/*
 * Tests for engine/query/binder.c and fold.c: every type x operator combination accepted or
 * rejected with the right message, literal type errors, did-you-mean, and the folding rules
 * (checked through segment_explain, which prints the bound tree).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_test_support.h"

static void expect_error(const char *text, enum pdb_status status, const char *message)
{
    char got[PDB_ERROR_MESSAGE_SIZE];
    cr_assert_eq(compile_error(text, got, sizeof got), status, "%s", text);
    cr_assert_str_eq(got, message, "for %s", text);
}

static void expect_plan(const char *text, const char *plan)
{
    char *got = explain_text(text);
    cr_assert_str_eq(got, plan, "for %s", text);
    free(got);
}

/* ---- Type x operator matrix ------------------------------------------------------------- */

struct typed_attribute {
    const char *name;
    const char *type;
    const char *literal; /* a literal of the attribute's own type */
    const char *accepts;
};

static const struct typed_attribute typed[] = {
    {"is_vip", "bool", "TRUE", "bool takes the attribute alone, =, !=, <>, IN and IS NULL"},
    {"age", "int", "5", "it takes = != <> < <= > >=, BETWEEN, IN and IS NULL"},
    {"total_spend", "float", "5.5", "it takes = != <> < <= > >=, BETWEEN, IN and IS NULL"},
    {"signup_at", "timestamp", "'2024-01-01'",
     "it takes = != <> < <= > >=, BETWEEN, IN and IS NULL"},
    {"country", "category", "'US'",
     "it takes = != <> < <= > >=, BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, ISTARTS WITH, "
     "IENDS WITH, ICONTAINS and IS NULL"},
    {"email", "text", "'a'",
     "it takes = != <> < <= > >=, BETWEEN, IN, STARTS WITH, ENDS WITH, CONTAINS, ISTARTS WITH, "
     "IENDS WITH, ICONTAINS and IS NULL"},
    {"interests", "tags", "'x'", "tags take HAS, HAS ANY, HAS ALL and IS NULL"},
};

struct operator_form {
    const char *format;   /* %1$s attribute, %2$s literal */
    const char *name;     /* in the error message */
    const char *accepted; /* one letter per type: b i f t c x g (tags) */
};

static const struct operator_form forms[] = {
    {"%s = %s", "=", "bifctx"},
    {"%s != %s", "!=", "bifctx"},
    {"%s <> %s", "!=", "bifctx"},
    {"%s < %s", "<", "ifctx"},
    {"%s <= %s", "<=", "ifctx"},
    {"%s > %s", ">", "ifctx"},
    {"%s >= %s", ">=", "ifctx"},
    {"%s BETWEEN %s AND %s", "BETWEEN", "ifctx"},
    {"%s NOT BETWEEN %s AND %s", "NOT BETWEEN", "ifctx"},
    {"%s IN (%s)", "IN", "bifctx"},
    {"%s NOT IN (%s, NULL)", "NOT IN", "bifctx"},
    {"%s IS NULL", "", "bifctxg"},
    {"%s IS NOT NULL", "", "bifctxg"},
    {"%s STARTS WITH 'a'", "STARTS WITH", "cx"},
    {"%s NOT ENDS WITH 'a'", "NOT ENDS WITH", "cx"},
    {"%s CONTAINS 'a'", "CONTAINS", "cx"},
    {"%s ISTARTS WITH 'a'", "ISTARTS WITH", "cx"},
    {"%s IENDS WITH 'a'", "IENDS WITH", "cx"},
    {"%s NOT ICONTAINS 'a'", "NOT ICONTAINS", "cx"},
    {"%s HAS 'a'", "HAS", "g"},
    {"%s NOT HAS ANY ('a', 'b')", "NOT HAS ANY", "g"},
    {"%s HAS ALL ('a')", "HAS ALL", "g"},
};

Test(binder, every_type_and_operator_is_accepted_or_rejected)
{
    static const char letters[] = "biftcxg";
    struct schema schema;
    test_schema_init(&schema);
    for (size_t t = 0; t < sizeof typed / sizeof typed[0]; t++) {
        for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
            char text[200];
            snprintf(text, sizeof text, forms[f].format, typed[t].name, typed[t].literal,
                     typed[t].literal);
            bool accepted = strchr(forms[f].accepted, letters[t]) != NULL;
            struct segment *segment = NULL;
            struct pdb_error error = {0};
            enum pdb_status status =
                segment_compile(text, strlen(text), &schema, TEST_NOW, &segment, &error);
            if (accepted) {
                cr_assert_eq(status, PDB_OK, "%s: %s", text, error.message);
                segment_destroy(segment);
                continue;
            }
            cr_assert_eq(status, PDB_ERR_SEGMENT, "%s should be rejected", text);
            char expected[PDB_ERROR_MESSAGE_SIZE];
            snprintf(expected, sizeof expected,
                     "segment:1:%zu: type mismatch: %s is %s, operator '%s' does not apply (%s)",
                     strlen(typed[t].name) + 2, typed[t].name, typed[t].type, forms[f].name,
                     typed[t].accepts);
            cr_assert_str_eq(error.message, expected);
        }
    }
    schema_deinit(&schema);
}

Test(binder, only_bool_attributes_stand_alone)
{
    char *plan = explain_text("is_vip");
    cr_assert_str_eq(plan, "is_vip = TRUE\n");
    free(plan);
    expect_error("age", PDB_ERR_SEGMENT,
                 "segment:1:1: type mismatch: age is int, only a bool attribute can stand alone as "
                 "a condition");
    expect_error("is_vip AND\n  email", PDB_ERR_SEGMENT,
                 "segment:2:3: type mismatch: email is text, only a bool attribute can stand alone "
                 "as a condition");
    expect_error("NOT interests", PDB_ERR_SEGMENT,
                 "segment:1:5: type mismatch: interests is tags, only a bool attribute can stand "
                 "alone as a condition");
}

Test(binder, literal_types_are_checked)
{
    expect_error("age = 'abc'", PDB_ERR_SEGMENT,
                 "segment:1:7: type mismatch: age is int, cannot compare with string 'abc'");
    expect_error("age > TRUE", PDB_ERR_SEGMENT,
                 "segment:1:7: type mismatch: age is int, cannot compare with TRUE");
    expect_error("age < now()", PDB_ERR_SEGMENT,
                 "segment:1:7: type mismatch: age is int, cannot compare with now()");
    expect_error("age IN (1, 2, 'x')", PDB_ERR_SEGMENT,
                 "segment:1:15: type mismatch: age is int, cannot compare with string 'x'");
    expect_error("age BETWEEN NULL AND 'x'", PDB_ERR_SEGMENT,
                 "segment:1:22: type mismatch: age is int, cannot compare with string 'x'");
    expect_error(
        "total_spend >= 'x'", PDB_ERR_SEGMENT,
        "segment:1:16: type mismatch: total_spend is float, cannot compare with string 'x'");
    expect_error("total_spend = FALSE", PDB_ERR_SEGMENT,
                 "segment:1:15: type mismatch: total_spend is float, cannot compare with FALSE");
    expect_error(
        "total_spend = now() - 1d", PDB_ERR_SEGMENT,
        "segment:1:15: type mismatch: total_spend is float, cannot compare with now() - 1d");
    expect_error("is_vip = 1", PDB_ERR_SEGMENT,
                 "segment:1:10: type mismatch: is_vip is bool, cannot compare with integer 1");
    expect_error("is_vip = 'true'", PDB_ERR_SEGMENT,
                 "segment:1:10: type mismatch: is_vip is bool, cannot compare with string 'true'");
    expect_error("is_vip IN (TRUE, 0.5)", PDB_ERR_SEGMENT,
                 "segment:1:18: type mismatch: is_vip is bool, cannot compare with float 0.5");
    expect_error("country = 5", PDB_ERR_SEGMENT,
                 "segment:1:11: type mismatch: country is category, cannot compare with integer 5");
    expect_error("email = -5.5", PDB_ERR_SEGMENT,
                 "segment:1:9: type mismatch: email is text, cannot compare with float -5.5");
    expect_error("email < now()", PDB_ERR_SEGMENT,
                 "segment:1:9: type mismatch: email is text, cannot compare with now()");
    expect_error("country IN ('US', TRUE)", PDB_ERR_SEGMENT,
                 "segment:1:19: type mismatch: country is category, cannot compare with TRUE");
    expect_error(
        "signup_at > 1.5", PDB_ERR_SEGMENT,
        "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with float 1.5");
    expect_error("signup_at = TRUE", PDB_ERR_SEGMENT,
                 "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with TRUE");
    expect_error("'x' < age", PDB_ERR_SEGMENT,
                 "segment:1:1: type mismatch: age is int, cannot compare with string 'x'");
}

Test(binder, timestamp_strings_must_parse)
{
    expect_error("signup_at > '2024-13-01'", PDB_ERR_SEGMENT,
                 "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with string "
                 "'2024-13-01' (not a timestamp: month out of range (01..12))");
    expect_error("signup_at > 'yesterday'", PDB_ERR_SEGMENT,
                 "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with string "
                 "'yesterday' (not a timestamp: not a timestamp (expected "
                 "YYYY-MM-DD[THH:MM:SS][Z|+HH:MM] or epoch seconds))");
    expect_error("signup_at BETWEEN '2024-01-01' AND '2024-02-30'", PDB_ERR_SEGMENT,
                 "segment:1:36: type mismatch: signup_at is timestamp, cannot compare with string "
                 "'2024-02-30' (not a timestamp: day out of range for that month)");
    expect_error("signup_at = ''", PDB_ERR_SEGMENT,
                 "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with string "
                 "'' (not a timestamp: empty timestamp)");
}

Test(binder, string_operators_need_strings)
{
    expect_error(
        "email STARTS WITH 5", PDB_ERR_SEGMENT,
        "segment:1:19: type mismatch: email is text, STARTS WITH needs a string, found integer 5");
    expect_error(
        "email ICONTAINS NULL", PDB_ERR_SEGMENT,
        "segment:1:17: type mismatch: email is text, ICONTAINS needs a string, found NULL");
    expect_error(
        "country NOT ENDS WITH TRUE", PDB_ERR_SEGMENT,
        "segment:1:23: type mismatch: country is category, ENDS WITH needs a string, found TRUE");
    expect_error(
        "interests HAS 1", PDB_ERR_SEGMENT,
        "segment:1:15: type mismatch: interests is tags, HAS needs a string, found integer 1");
    expect_error(
        "interests HAS ANY ('a', 5)", PDB_ERR_SEGMENT,
        "segment:1:25: type mismatch: interests is tags, HAS ANY needs strings, found integer 5");
    expect_error(
        "interests HAS ALL (NULL)", PDB_ERR_SEGMENT,
        "segment:1:20: type mismatch: interests is tags, HAS ALL needs strings, found NULL");
}

Test(binder, unknown_attributes_suggest_the_closest_name)
{
    expect_error("contry = 'US'", PDB_ERR_SEGMENT,
                 "segment:1:1: unknown attribute 'contry' (did you mean 'country'?)");
    expect_error("age > 5 AND\n  totl_spend > 1", PDB_ERR_SEGMENT,
                 "segment:2:3: unknown attribute 'totl_spend' (did you mean 'total_spend'?)");
    expect_error("5 < agee", PDB_ERR_SEGMENT,
                 "segment:1:5: unknown attribute 'agee' (did you mean 'age'?)");
    expect_error("xyzzy_plugh = 1", PDB_ERR_SEGMENT,
                 "segment:1:1: unknown attribute 'xyzzy_plugh'");
    expect_error("like = 1", PDB_ERR_SEGMENT, "segment:1:1: unknown attribute 'like'");
    char *plan = explain_text("COUNTRY = 'US' AND Age > 1");
    cr_assert_str_eq(plan, "AND\n  country = 'US'\n  age >= 2\n");
    free(plan);
}

Test(binder, the_first_error_in_the_text_wins)
{
    expect_error("contry = 'US' AND age = 'x'", PDB_ERR_SEGMENT,
                 "segment:1:1: unknown attribute 'contry' (did you mean 'country'?)");
    expect_error("age = 'x' AND contry = 'US'", PDB_ERR_SEGMENT,
                 "segment:1:7: type mismatch: age is int, cannot compare with string 'x'");
    /* Syntax errors are found before names and types are checked. */
    expect_error("contry = 'US' AND (", PDB_ERR_SEGMENT,
                 "segment:1:20: syntax error: expected a condition (an attribute, TRUE, FALSE, NOT "
                 "or '(') but found end of segment");
    /* A predicate folded away by FALSE is still checked. */
    expect_error("FALSE AND age = 'x'", PDB_ERR_SEGMENT,
                 "segment:1:17: type mismatch: age is int, cannot compare with string 'x'");
}

/* ---- Folding ---------------------------------------------------------------------------- */

Test(binder, int_attribute_against_float_literals_is_exact)
{
    expect_plan("age < 30.5", "age <= 30\n");
    expect_plan("age <= 30.5", "age <= 30\n");
    expect_plan("age > 30.5", "age >= 31\n");
    expect_plan("age >= 30.5", "age >= 31\n");
    expect_plan("age = 30.0", "age = 30\n");
    expect_plan("age < 30.0", "age <= 29\n");
    expect_plan("age > -0.5", "age >= 0\n");
    expect_plan("age = 30.5", "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age != 30.5", "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age < 1e30", "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age > 1e30", "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age >= -1e30", "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age < 9223372036854775808.0",
                "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age >= -9223372036854775808.0",
                "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age < -9223372036854775808.0",
                "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age <= -9223372036854775808.0", "age = -9223372036854775808\n");
    expect_plan("age IN (30.5, 31, 31.0)", "age = 31\n");
    expect_plan("age BETWEEN 29.5 AND 40.5", "age BETWEEN 30 AND 40\n");
    expect_plan("age BETWEEN 30.2 AND 30.8",
                "age: FALSE for every non-null value, UNKNOWN for NULL\n");
}

Test(binder, int_bounds_at_the_extremes)
{
    expect_plan("age < -9223372036854775808",
                "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age >= -9223372036854775808",
                "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age > 9223372036854775807",
                "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age <= 9223372036854775807",
                "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age > 9223372036854775806", "age = 9223372036854775807\n");
    expect_plan("NOT age >= 9223372036854775807", "age <= 9223372036854775806\n");
    expect_plan("NOT age <= -9223372036854775808", "age >= -9223372036854775807\n");
}

Test(binder, float_attribute_against_integer_literals_is_exact)
{
    expect_plan("total_spend < 9007199254740993", "total_spend <= 9007199254740992\n");
    expect_plan("total_spend > 9007199254740993", "total_spend >= 9007199254740994\n");
    expect_plan("total_spend = 9007199254740993",
                "total_spend: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("total_spend = 1", "total_spend = 1\n");
    expect_plan("total_spend > 0", "total_spend > 0\n");
    expect_plan("total_spend < 0", "total_spend < 0\n");
    expect_plan("total_spend = -0.0", "total_spend = 0\n");
    expect_plan("total_spend IN (1, 9007199254740993, 2.5)", "total_spend IN (1, 2.5)\n");
    expect_plan("total_spend > 1.7976931348623157e308",
                "total_spend: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("NOT total_spend <= 1.7976931348623157e308",
                "total_spend: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("NOT total_spend > 2.5", "total_spend <= 2.5\n");
    expect_plan("total_spend NOT BETWEEN 1 AND 2", "total_spend NOT BETWEEN 1 AND 2\n");
    expect_plan("total_spend > 100", "total_spend > 100\n");
    expect_plan("total_spend < 0.1", "total_spend < 0.1\n");
    expect_plan("NOT total_spend <= 99.99", "total_spend > 99.99\n");
}

Test(binder, null_literals_fold_to_unknown)
{
    expect_plan("age = NULL", "UNKNOWN\n");
    expect_plan("age != NULL", "UNKNOWN\n");
    expect_plan("NULL < age", "UNKNOWN\n");
    expect_plan("email >= NULL", "UNKNOWN\n");
    expect_plan("is_vip = NULL", "UNKNOWN\n");
    expect_plan("age IN (NULL)", "UNKNOWN\n");
    expect_plan("age NOT IN (NULL, NULL)", "UNKNOWN\n");
    expect_plan("age IN (30.5, NULL)", "UNKNOWN\n");
    expect_plan("age BETWEEN NULL AND NULL", "UNKNOWN\n");
    expect_plan("age BETWEEN NULL AND 40", "AND\n  UNKNOWN\n  age <= 40\n");
    expect_plan("age NOT BETWEEN 20 AND NULL", "NOT\n  AND\n    age >= 20\n    UNKNOWN\n");
    expect_plan("age > NULL OR is_vip", "OR\n  UNKNOWN\n  is_vip = TRUE\n");
    expect_plan("age = NULL AND email = NULL", "UNKNOWN\n");
    expect_plan("age IN (1, NULL)", "age IN (1, NULL)\n");
    expect_plan("age NOT IN (2, 1, NULL)", "age NOT IN (1, 2, NULL)\n");
    expect_plan("is_vip IN (TRUE, NULL)", "is_vip IN (TRUE, NULL)\n");
    expect_plan("is_vip IN (TRUE, FALSE, NULL)",
                "is_vip: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("is_vip NOT IN (TRUE, FALSE, NULL)",
                "is_vip: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("country IN ('US', NULL)", "country IN ('US', NULL)\n");
}

Test(binder, between_is_one_range)
{
    expect_plan("age BETWEEN 25 AND 40", "age BETWEEN 25 AND 40\n");
    expect_plan("age NOT BETWEEN 25 AND 40", "age NOT BETWEEN 25 AND 40\n");
    expect_plan("age BETWEEN 40 AND 25", "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age NOT BETWEEN 40 AND 25",
                "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age BETWEEN 30 AND 30", "age = 30\n");
    expect_plan("email BETWEEN 'a' AND 'b'", "email BETWEEN 'a' AND 'b'\n");
    expect_plan("email BETWEEN 'b' AND 'a'",
                "email: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("email BETWEEN 'ab' AND 'a'",
                "email: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("total_spend BETWEEN 2.5 AND 1",
                "total_spend: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("signup_at BETWEEN '2024-01-01' AND 1704153600",
                "signup_at BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-02T00:00:00Z'\n");
    expect_plan("age BETWEEN -1e30 AND 5", "age <= 5\n");
    expect_plan("age BETWEEN 5 AND 1e30", "age >= 5\n");
}

Test(binder, time_literals_fold_to_constants)
{
    expect_plan("signup_at > now() - 30d", "signup_at >= '2023-10-15T22:13:21Z'\n");
    expect_plan("signup_at <= now()", "signup_at <= '2023-11-14T22:13:20Z'\n");
    expect_plan("now() + 1h < signup_at", "signup_at >= '2023-11-14T23:13:21Z'\n");
    expect_plan("signup_at = '2024-01-31'", "signup_at = '2024-01-31T00:00:00Z'\n");
    expect_plan("signup_at = '2024-01-31T10:00:00Z'", "signup_at = '2024-01-31T10:00:00Z'\n");
    expect_plan("signup_at > '2024-01-31 10:00:00+02:00'", "signup_at >= '2024-01-31T08:00:01Z'\n");
    expect_plan("signup_at = '2024-01-31T10:00:00.9Z'", "signup_at = '2024-01-31T10:00:00Z'\n");
    expect_plan("signup_at = 0", "signup_at = '1970-01-01T00:00:00Z'\n");
    expect_plan("signup_at IN (now(), 0, '1970-01-01')",
                "signup_at IN ('1970-01-01T00:00:00Z', '2023-11-14T22:13:20Z')\n");
}

Test(binder, boolean_constants_fold_through_and_or_not)
{
    expect_plan("TRUE", "TRUE\n");
    expect_plan("NOT TRUE", "FALSE\n");
    expect_plan("NOT FALSE", "TRUE\n");
    expect_plan("is_vip AND TRUE", "is_vip = TRUE\n");
    expect_plan("is_vip AND FALSE", "FALSE\n");
    expect_plan("is_vip OR TRUE", "TRUE\n");
    expect_plan("is_vip OR FALSE", "is_vip = TRUE\n");
    expect_plan("TRUE AND TRUE", "TRUE\n");
    expect_plan("FALSE OR FALSE", "FALSE\n");
    expect_plan("NOT (TRUE AND NOT FALSE)", "FALSE\n");
    expect_plan("(is_vip OR FALSE) AND (TRUE OR age > 5)", "is_vip = TRUE\n");
    expect_plan("age = NULL OR TRUE", "TRUE\n");
    expect_plan("age = NULL AND FALSE", "FALSE\n");
    expect_plan("NOT (age = NULL)", "UNKNOWN\n");
}

Test(binder, not_is_pushed_into_leaves)
{
    expect_plan("NOT is_vip", "is_vip = FALSE\n");
    expect_plan("NOT NOT is_vip", "is_vip = TRUE\n");
    expect_plan("is_vip != TRUE", "is_vip = FALSE\n");
    expect_plan("is_vip <> FALSE", "is_vip = TRUE\n");
    expect_plan("NOT (age > 5)", "age <= 5\n");
    expect_plan("NOT age = 5", "age != 5\n");
    expect_plan("NOT (email < 'b')", "email >= 'b'\n");
    expect_plan("NOT (email >= 'b')", "email < 'b'\n");
    expect_plan("NOT email IS NULL", "email IS NOT NULL\n");
    expect_plan("NOT (email NOT STARTS WITH 'x')", "email STARTS WITH 'x'\n");
    expect_plan("NOT (is_vip AND age > 5)", "NOT\n  AND\n    is_vip = TRUE\n    age >= 6\n");
    expect_plan("NOT NOT (is_vip AND age > 5)", "AND\n  is_vip = TRUE\n  age >= 6\n");
}

Test(binder, junctions_are_flattened)
{
    expect_plan("is_vip AND (consent_sms AND (consent_ads AND consent_email))",
                "AND\n  is_vip = TRUE\n  consent_sms = TRUE\n  consent_ads = TRUE\n  consent_email "
                "= TRUE\n");
    expect_plan("(is_vip OR consent_sms) OR (consent_ads OR (consent_email AND is_vip))",
                "OR\n  is_vip = TRUE\n  consent_sms = TRUE\n  consent_ads = TRUE\n  AND\n    "
                "consent_email = TRUE\n    is_vip = TRUE\n");
}

Test(binder, lists_are_sorted_and_deduplicated)
{
    expect_plan("age IN (3, 1, 3, 2)", "age IN (1, 2, 3)\n");
    expect_plan("age IN (7)", "age = 7\n");
    expect_plan("age IN (30.5)", "age: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("age NOT IN (30.5)", "age: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("country IN ('US', 'CA', 'US')", "country IN ('CA', 'US')\n");
    expect_plan("country IN ('ab', 'a', 'b', '')", "country IN ('', 'a', 'ab', 'b')\n");
    expect_plan("country NOT IN ('it''s')", "country != 'it''s'\n");
    expect_plan("is_vip IN (FALSE, FALSE)", "is_vip = FALSE\n");
    expect_plan("is_vip NOT IN (FALSE)", "is_vip = TRUE\n");
    expect_plan("interests HAS ALL ('a', 'a')", "interests HAS 'a'\n");
    expect_plan("interests HAS ANY ('b', 'a', 'b')", "interests HAS ANY ('a', 'b')\n");
    expect_plan("interests NOT HAS ALL ('b', 'a')", "interests NOT HAS ALL ('a', 'b')\n");
}

Test(binder, string_tests_fold_their_pattern)
{
    expect_plan("email STARTS WITH ''", "email: TRUE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("email NOT CONTAINS ''",
                "email: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("email ICONTAINS 'STRASSE'", "email ICONTAINS 'strasse'\n");
    expect_plan("email ICONTAINS 'Stra\xc3\x9f"
                "e'",
                "email ICONTAINS 'strasse'\n");
    expect_plan("email IENDS WITH 'CAFE\xcc\x81'", "email IENDS WITH 'caf\xc3\xa9'\n");
    expect_plan("email ISTARTS WITH 'AB\xff'", "email ISTARTS WITH 'ab\xff'\n");
    expect_plan("email < ''", "email: FALSE for every non-null value, UNKNOWN for NULL\n");
    expect_plan("email >= ''", "email >= ''\n");
    expect_plan("email > 'a'", "email > 'a'\n");
}

Test(binder, explain_shortens_long_lists_and_strings)
{
    char text[4000] = "age IN (";
    for (int i = 0; i < 40; i++)
        sprintf(text + strlen(text), "%d,", i);
    strcat(text, "40)");
    char *plan = explain_text(text);
    cr_assert_str_eq(
        plan, "age IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, ... (41 values))\n");
    free(plan);
    strcpy(text, "email = '");
    for (int i = 0; i < 200; i++)
        strcat(text, "x");
    strcat(text, "'");
    plan = explain_text(text);
    cr_assert(strstr(plan, "...(200 bytes)'") != NULL, "%s", plan);
    free(plan);
}

Test(binder, attributes_read_are_listed)
{
    struct schema schema;
    test_schema_init(&schema);
    struct segment *segment;
    const char *text = "is_vip AND (age > 5 OR email = 'x' OR age < 2) AND country = NULL";
    cr_assert_eq(segment_compile(text, strlen(text), &schema, TEST_NOW, &segment, NULL), PDB_OK);
    cr_assert_eq(segment_attribute_count(segment), 3);
    cr_assert_eq(segment_attribute_index(segment, 0), A_EMAIL);
    cr_assert_eq(segment_attribute_index(segment, 1), A_AGE);
    cr_assert_eq(segment_attribute_index(segment, 2), A_IS_VIP);
    segment_destroy(segment);
    segment_destroy(NULL);
    schema_deinit(&schema);
}

Test(binder, documented_examples_give_the_documented_messages)
{
    /* The error table of docs/SEGMENTS.md. */
    expect_error("contry = 'US'", PDB_ERR_SEGMENT,
                 "segment:1:1: unknown attribute 'contry' (did you mean 'country'?)");
    expect_error("age = 'abc'", PDB_ERR_SEGMENT,
                 "segment:1:7: type mismatch: age is int, cannot compare with string 'abc'");
    expect_error("signup_at > '2024-13-01'", PDB_ERR_SEGMENT,
                 "segment:1:13: type mismatch: signup_at is timestamp, cannot compare with string "
                 "'2024-13-01' (not a timestamp: month out of range (01..12))");
    expect_error("is_vip < TRUE", PDB_ERR_SEGMENT,
                 "segment:1:8: type mismatch: is_vip is bool, operator '<' does not apply (bool "
                 "takes the attribute alone, =, !=, <>, IN and IS NULL)");
    expect_error("interests = 'yoga'", PDB_ERR_SEGMENT,
                 "segment:1:11: type mismatch: interests is tags, operator '=' does not apply "
                 "(tags take HAS, HAS ANY, HAS ALL and IS NULL)");
    expect_error(
        "email STARTS WITH 5", PDB_ERR_SEGMENT,
        "segment:1:19: type mismatch: email is text, STARTS WITH needs a string, found integer 5");
    expect_error("age", PDB_ERR_SEGMENT,
                 "segment:1:1: type mismatch: age is int, only a bool attribute can stand alone as "
                 "a condition");
    expect_error("(age > 30", PDB_ERR_SEGMENT,
                 "segment:1:10: syntax error: expected ')' but found end of segment");
    expect_error(
        "age > 30 country = 'US'", PDB_ERR_SEGMENT,
        "segment:1:10: syntax error: expected AND, OR or end of segment but found 'country'");
    expect_error("email = 'abc", PDB_ERR_SEGMENT,
                 "segment:1:9: syntax error: unterminated string (no closing quote)");
    expect_error("last_seen_at > now() - 30x", PDB_ERR_SEGMENT,
                 "segment:1:24: syntax error: bad duration unit in '30x' (expected s, m, h, d or "
                 "w, as in 30d)");
    expect_error("age > 1.5.2", PDB_ERR_SEGMENT, "segment:1:7: syntax error: bad number '1.5.2'");
    expect_error("signup_at > today()", PDB_ERR_SEGMENT,
                 "segment:1:13: unknown function 'today' (the functions are now(), segment('name') and the event aggregates count, exists, sum, min, max, first, last, distinct)");
    expect_error("age = 9223372036854775808", PDB_ERR_SEGMENT,
                 "segment:1:7: integer literal '9223372036854775808' is out of the int64 range");
    expect_error("total_spend > 1e999", PDB_ERR_SEGMENT,
                 "segment:1:15: float literal '1e999' is out of range");
    expect_plan(
        "NOT (age < 30.5) AND (country IN ('US','CA','US') OR signup_at > now() - 30d) AND TRUE",
        "AND\n  age >= 31\n  OR\n    country IN ('CA', 'US')\n    signup_at >= "
        "'2023-10-15T22:13:21Z'\n");
    expect_plan("age = 30.5", "age: FALSE for every non-null value, UNKNOWN for NULL\n");
}
