/*
 * Tests for segment('name') in the segment language (parser.c, binder.c bind_saved): a
 * reference binds to exactly the tree of its text written inline (compared through
 * segment_explain), inside NOT, AND and OR and nested; errors with line:column for unknown
 * names (with did-you-mean), missing libraries, syntax errors in the call, errors inside a
 * saved text, cycles and the depth limit.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/limits.h"
#include "query/segment.h"
#include "query_test_support.h"

struct fake_entry {
    const char *name;
    const char *text;
};

static const struct fake_entry entries[] = {
    {"vip_us", "country = 'US' AND total_spend > 1000"},
    {"young", "age < 30"},
    {"young_vip", "segment('vip_us') AND segment('young')"},
    {"broken", "age <"},
    {"loop_a", "segment('loop_b') OR age > 1"},
    {"loop_b", "NOT segment('loop_a')"},
    {"deep0", "age > 1"},
    {"deep1", "segment('deep0')"}, {"deep2", "segment('deep1')"}, {"deep3", "segment('deep2')"},
    {"deep4", "segment('deep3')"}, {"deep5", "segment('deep4')"}, {"deep6", "segment('deep5')"},
    {"deep7", "segment('deep6')"}, {"deep8", "segment('deep7')"},
};
#define ENTRY_COUNT (sizeof entries / sizeof entries[0])

static const char *fake_lookup(void *context, const char *name, size_t size, size_t *text_size_out)
{
    (void)context;
    for (size_t i = 0; i < ENTRY_COUNT; i++) {
        if (strlen(entries[i].name) == size && memcmp(entries[i].name, name, size) == 0) {
            *text_size_out = strlen(entries[i].text);
            return entries[i].text;
        }
    }
    return NULL;
}

static const char *fake_suggest(void *context, const char *name, size_t size)
{
    (void)context;
    return size == 6 && memcmp(name, "vip_su", 6) == 0 ? "vip_us" : NULL;
}

static const struct segment_library library = {fake_lookup, fake_suggest, NULL};

static char *explain(const char *text, const struct segment_library *with)
{
    struct schema schema;
    test_schema_init(&schema);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile_library(text, strlen(text), &schema, with, TEST_NOW, &segment, &error),
                 PDB_OK, "%s: %s", text, error.message);
    cr_assert_eq(segment_validate(segment), 0);
    struct buffer out;
    buffer_init(&out);
    cr_assert_eq(segment_explain(segment, &out), PDB_OK);
    cr_assert_eq(buffer_append(&out, "", 1), 0);
    char *copy = strdup((const char *)out.data);
    buffer_deinit(&out);
    segment_destroy(segment);
    schema_deinit(&schema);
    return copy;
}

static void expect_same_tree(const char *with_reference, const char *inline_text)
{
    char *got = explain(with_reference, &library), *want = explain(inline_text, NULL);
    cr_assert_str_eq(got, want, "%s vs %s", with_reference, inline_text);
    free(got);
    free(want);
}

static void expect_error(const char *text, const struct segment_library *with, enum pdb_status status,
                         const char *message)
{
    struct schema schema;
    test_schema_init(&schema);
    struct segment *segment = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(segment_compile_library(text, strlen(text), &schema, with, TEST_NOW, &segment, &error),
                 status, "%s: %s", text, error.message);
    cr_assert_null(segment);
    cr_assert_str_eq(error.message, message, "%s -> %s", text, error.message);
    schema_deinit(&schema);
}

Test(saved_segments, a_reference_binds_to_its_text_inline)
{
    expect_same_tree("segment('young')", "age < 30");
    expect_same_tree("Segment('vip_us')", "country = 'US' AND total_spend > 1000");
    expect_same_tree("segment('young') AND gender = 'f'", "age < 30 AND gender = 'f'");
    expect_same_tree("NOT segment('vip_us') OR segment('young')",
                     "NOT (country = 'US' AND total_spend > 1000) OR age < 30");
    expect_same_tree("segment('young_vip')", "country = 'US' AND total_spend > 1000 AND age < 30");
    expect_same_tree("segment('deep7')", "age > 1");
    expect_same_tree("segment('young') AND FALSE", "FALSE");
}

Test(saved_segments, errors_point_at_the_reference)
{
    expect_error("age > 1 AND\n  segment('vip_su')", &library, PDB_ERR_SEGMENT,
                 "segment:2:11: unknown saved segment 'vip_su' (did you mean 'vip_us'?)");
    expect_error("segment('nothing')", &library, PDB_ERR_SEGMENT,
                 "segment:1:9: unknown saved segment 'nothing'");
    expect_error("segment('young')", NULL, PDB_ERR_SEGMENT,
                 "segment:1:9: unknown saved segment 'young'");
    expect_error("segment(young)", &library, PDB_ERR_SEGMENT,
                 "segment:1:9: syntax error: expected a saved segment's name as a string, e.g. "
                 "segment('vip_us') but found 'young'");
    expect_error("segment('young'", &library, PDB_ERR_SEGMENT,
                 "segment:1:16: syntax error: expected ')' after the segment name but found end of segment");
    expect_error("segment('broken')", &library, PDB_ERR_SEGMENT,
                 "segment:1:9: in saved segment 'broken': segment:1:6: syntax error: expected a "
                 "literal (number, string, TRUE, FALSE, NULL or now()) but found end of segment");
    expect_error("segment('loop_a')", &library, PDB_ERR_SEGMENT,
                 "segment:1:9: in saved segment 'loop_a': segment:1:9: in saved segment 'loop_b': "
                 "segment:1:13: saved segment 'loop_a' refers to itself (a cycle through 2 saved "
                 "segments)");
    expect_error("segment('deep8')", &library, PDB_ERR_LIMIT,
                 "segment:1:9: in saved segment 'deep8': segment:1:9: in saved segment 'deep7': "
                 "segment:1:9: in saved segment 'deep6': segment:1:9: in saved segment 'deep5': "
                 "segment:1:9: in saved segment 'deep4': segment:1:9: in saved segment 'deep3': "
                 "segment:1:9: in saved segment 'deep2': segment:1:9: in saved segment 'deep1': "
                 "segment:1:9: saved segment 'deep0' nests saved segments deeper than 8 (limit)");
}
