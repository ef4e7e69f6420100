/*
 * libFuzzer target for schema text with data-quality rules (engine/catalog/schema.c,
 * rules.c, rules_apply.c, rules_formats.c).
 *
 * The input's first line is a value, the rest schema text. When the schema parses, its
 * render must parse again and render to the same bytes (the canonical-form oracle), and the
 * value (when valid UTF-8) is put through every text/category attribute's rules: the result
 * must be valid UTF-8, a rejection must name a rule the attribute has, and a normalised value
 * put through the normalisers again must come out unchanged unless the rules hold a map
 * (trim, nfc, the case rules and phone are idempotent). When it does not parse, the message
 * must be "<source>:<line>...".
 * fuzz/build.sh builds it; a crash found here becomes a test in tests/catalog/test_rules.c.
 */
// fuzz-sources: engine/base/*.c engine/catalog/*.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/utf8.h"
#include "catalog/rules.h"
#include "catalog/schema.h"

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            fprintf(stderr, "fuzz_schema: check failed: %s\n", #condition);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_value(const struct attribute *attribute, const char *value, size_t size)
{
    const struct attribute_rules *rules = attribute->rules;
    struct rules_scratch scratch;
    rules_scratch_init(&scratch);
    const char *data = value;
    size_t data_size = size;
    uint32_t changed = 0;
    enum rule_kind broken = RULE_KIND_COUNT;
    char reason[256];
    enum rules_outcome outcome = rules_apply_string(rules, &scratch, &data, &data_size, &changed,
                                                    &broken, reason, sizeof reason);
    if (outcome == RULES_REJECTED) {
        FUZZ_CHECK(rules_has(rules, broken));
        FUZZ_CHECK(utf8_validate(reason, strlen(reason), NULL));
    } else if (outcome == RULES_OK) {
        FUZZ_CHECK(utf8_validate(data, data_size, NULL));
        char *copy = malloc(data_size + 1);
        memcpy(copy, data, data_size);
        const char *again = copy;
        size_t again_size = data_size;
        uint32_t changed_again = 0;
        enum rules_outcome second = rules_apply_string(
            rules, &scratch, &again, &again_size, &changed_again, &broken, reason, sizeof reason);
        if (!rules_has(rules, RULE_MAP)) {
            FUZZ_CHECK(second == RULES_OK);
            FUZZ_CHECK(again_size == data_size && memcmp(again, copy, data_size) == 0);
        }
        free(copy);
    }
    rules_scratch_deinit(&scratch);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    const char *newline = memchr(text, '\n', size);
    size_t value_size = newline ? (size_t)(newline - text) : size;
    const char *schema_text = newline ? newline + 1 : text + size;
    size_t schema_size = size - (size_t)(schema_text - text);
    struct schema schema;
    struct pdb_error error = {0};
    if (schema_parse(schema_text, schema_size, "f", &schema, &error) != PDB_OK) {
        FUZZ_CHECK(strncmp(error.message, "f:", 2) == 0 ||
                   strncmp(error.message, "out of memory", 13) == 0);
        return 0;
    }
    struct buffer first, second;
    buffer_init(&first);
    buffer_init(&second);
    FUZZ_CHECK(schema_render(&schema, &first) == 0);
    struct schema again;
    FUZZ_CHECK(schema_parse((const char *)first.data, first.size, "render", &again, &error) ==
               PDB_OK);
    FUZZ_CHECK(schema_render(&again, &second) == 0);
    FUZZ_CHECK(first.size == second.size && memcmp(first.data, second.data, first.size) == 0);
    bool is_utf8 = utf8_validate(text, value_size, NULL);
    for (uint32_t a = 0; is_utf8 && a < schema.attribute_count; a++) {
        const struct attribute *attribute = &schema.attributes[a];
        if (attribute->rules != NULL &&
            (attribute->type == PDB_TYPE_TEXT || attribute->type == PDB_TYPE_CATEGORY))
            check_value(attribute, text, value_size);
    }
    schema_deinit(&again);
    schema_deinit(&schema);
    buffer_deinit(&first);
    buffer_deinit(&second);
    return 0;
}
