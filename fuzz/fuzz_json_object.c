/*
 * libFuzzer target for the NDJSON object parser (engine/ingest/json_object.c).
 *
 * The input is one line. When it parses, every member is rendered back to JSON (strings
 * re-escaped) and parsed again: the second parse must succeed and give the same keys, kinds
 * and bytes (a round-trip oracle); every string must be valid UTF-8 without NUL and every
 * column inside the line. When it does not parse, the column must lie within the line + 1.
 * fuzz/build.sh builds it; a crash found here becomes a test in tests/ingest/test_json_object.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/utf8.h"
#include "ingest/json_object.h"

#define FUZZ_CHECK(condition)                                                                 \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "fuzz_json_object: check failed: %s\n", #condition);              \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static void render_string(struct buffer *out, const char *text, uint32_t size)
{
    buffer_append(out, "\"", 1);
    for (uint32_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') buffer_printf(out, "\\%c", c);
        else if (c < 0x20) buffer_printf(out, "\\u%04x", c);
        else buffer_append(out, &text[i], 1);
    }
    buffer_append(out, "\"", 1);
}

static void render_scalar(struct buffer *out, const struct json_scalar *value)
{
    switch (value->kind) {
    case JSON_NULL: buffer_printf(out, "null"); break;
    case JSON_BOOL: buffer_printf(out, value->bool_value ? "true" : "false"); break;
    case JSON_NUMBER: buffer_append(out, value->text, value->size); break;
    case JSON_STRING: render_string(out, value->text, value->size); break;
    case JSON_ARRAY: FUZZ_CHECK(!"arrays are not scalars"); break;
    }
}

static void check_string(const char *text, uint32_t size)
{
    FUZZ_CHECK(utf8_validate(text, size, NULL));
    FUZZ_CHECK(memchr(text, '\0', size) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object_parser first, second;
    json_object_parser_init(&first);
    json_object_parser_init(&second);
    uint32_t column = 0;
    const char *reason = json_object_parse(&first, (const char *)data, size, &column);
    if (reason != NULL) {
        FUZZ_CHECK(column >= 1 && column <= size + 1);
        goto done;
    }
    struct buffer out;
    buffer_init(&out);
    buffer_append(&out, "{", 1);
    for (uint32_t m = 0; m < first.member_count; m++) {
        const struct json_member *member = &first.members[m];
        check_string(member->key, member->key_size);
        FUZZ_CHECK(member->key_column >= 1 && member->key_column <= size);
        if (m) buffer_append(&out, ",", 1);
        render_string(&out, member->key, member->key_size);
        buffer_append(&out, ":", 1);
        if (member->value.kind == JSON_ARRAY) {
            buffer_append(&out, "[", 1);
            for (uint32_t e = 0; e < member->element_count; e++) {
                const struct json_scalar *element = &first.elements[member->element_first + e];
                if (element->kind == JSON_STRING) check_string(element->text, element->size);
                if (e) buffer_append(&out, ",", 1);
                render_scalar(&out, element);
            }
            buffer_append(&out, "]", 1);
        } else {
            if (member->value.kind == JSON_STRING) check_string(member->value.text, member->value.size);
            render_scalar(&out, &member->value);
        }
    }
    buffer_append(&out, "}", 1);
    reason = json_object_parse(&second, (const char *)out.data, out.size, &column);
    FUZZ_CHECK(reason == NULL);
    FUZZ_CHECK(second.member_count == first.member_count);
    for (uint32_t m = 0; m < first.member_count; m++) {
        const struct json_member *a = &first.members[m], *b = &second.members[m];
        FUZZ_CHECK(a->key_size == b->key_size && memcmp(a->key, b->key, a->key_size) == 0);
        FUZZ_CHECK(a->value.kind == b->value.kind && a->element_count == b->element_count);
        if (a->value.kind == JSON_STRING || a->value.kind == JSON_NUMBER)
            FUZZ_CHECK(a->value.size == b->value.size &&
                       memcmp(a->value.text, b->value.text, a->value.size) == 0);
    }
    buffer_deinit(&out);
done:
    json_object_parser_deinit(&first);
    json_object_parser_deinit(&second);
    return 0;
}
