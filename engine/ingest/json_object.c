/*
 * json_object (see json_object.h): a strict recursive-descent parser for the one flat JSON
 * object of an NDJSON line. The grammar is RFC 8259's; whitespace is space, tab, CR, LF.
 * String scanning runs 16 bytes at a time (SSE2, the x86-64 baseline) to the next '"', '\\'
 * or control byte; everything else is byte by byte, which is fine for keys and numbers.
 */
#include "ingest/json_object.h"

#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct cursor {
    const char *start, *p, *end;
    struct json_object_parser *parser;
    const char *problem;
    uint32_t problem_column;
};

static uint32_t column_at(const struct cursor *cursor, const char *at)
{
    return (uint32_t)(at - cursor->start) + 1u;
}

static bool fail(struct cursor *cursor, const char *at, const char *problem)
{
    if (cursor->problem == NULL) {
        cursor->problem = problem;
        cursor->problem_column = column_at(cursor, at);
    }
    return false;
}

static void skip_space(struct cursor *cursor)
{
    while (cursor->p < cursor->end) {
        char c = *cursor->p;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        cursor->p++;
    }
}

void json_object_parser_init(struct json_object_parser *parser)
{
    memset(parser, 0, sizeof *parser);
}

void json_object_parser_deinit(struct json_object_parser *parser)
{
    mem_free(parser->members);
    mem_free(parser->elements);
    mem_free(parser->scratch);
    memset(parser, 0, sizeof *parser);
}

/* ---- Strings ------------------------------------------------------------------------- */

/* First byte in [p, end) that is '"', '\\' or below 0x20, or end. */
static const char *scan_string(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)p);
        /* Unsigned bytes <= 0x1f: min(b, 0x1f) == b. */
        __m128i is_control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, control), bytes);
        __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote),
                                                 _mm_cmpeq_epi8(bytes, backslash)), is_control);
        int mask = _mm_movemask_epi8(hits);
        if (mask != 0) return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#endif
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20) return p;
    }
    return end;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(struct cursor *cursor, const char *at, uint32_t *value_out)
{
    if (cursor->end - at < 4) return fail(cursor, at, "truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(at[i]);
        if (digit < 0) return fail(cursor, at + i, "bad hex digit in \\u escape");
        value = value << 4 | (uint32_t)digit;
    }
    *value_out = value;
    return true;
}

static char *put_utf8(char *out, uint32_t code_point)
{
    if (code_point < 0x80) {
        *out++ = (char)code_point;
    } else if (code_point < 0x800) {
        *out++ = (char)(0xc0 | code_point >> 6);
        *out++ = (char)(0x80 | (code_point & 0x3f));
    } else if (code_point < 0x10000) {
        *out++ = (char)(0xe0 | code_point >> 12);
        *out++ = (char)(0x80 | (code_point >> 6 & 0x3f));
        *out++ = (char)(0x80 | (code_point & 0x3f));
    } else {
        *out++ = (char)(0xf0 | code_point >> 18);
        *out++ = (char)(0x80 | (code_point >> 12 & 0x3f));
        *out++ = (char)(0x80 | (code_point >> 6 & 0x3f));
        *out++ = (char)(0x80 | (code_point & 0x3f));
    }
    return out;
}

/* Parses the string at cursor->p (a '"'); its unescaped bytes go to the scratch (or stay in
 * the line when it holds no escape). */
static bool parse_string(struct cursor *cursor, const char **text_out, uint32_t *size_out)
{
    const char *open = cursor->p;
    const char *p = open + 1;
    const char *run = scan_string(p, cursor->end);
    if (run < cursor->end && *run == '"') { /* no escape: the bytes as they are */
        if (!utf8_validate(p, (size_t)(run - p), NULL)) return fail(cursor, open, "invalid UTF-8 in string");
        *text_out = p;
        *size_out = (uint32_t)(run - p);
        cursor->p = run + 1;
        return true;
    }
    struct json_object_parser *parser = cursor->parser;
    char *out_start = parser->scratch + parser->scratch_used, *out = out_start;
    for (;;) {
        run = scan_string(p, cursor->end);
        memcpy(out, p, (size_t)(run - p));
        out += run - p;
        if (run == cursor->end) return fail(cursor, open, "unterminated string");
        char c = *run;
        if (c == '"') {
            cursor->p = run + 1;
            break;
        }
        if (c != '\\') return fail(cursor, run, "control character in string (escape it)");
        if (run + 1 == cursor->end) return fail(cursor, open, "unterminated string");
        char escape = run[1];
        p = run + 2;
        switch (escape) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            uint32_t code_point;
            if (!read_hex4(cursor, p, &code_point)) return false;
            p += 4;
            if (code_point >= 0xdc00 && code_point <= 0xdfff)
                return fail(cursor, run, "lone low surrogate in \\u escape");
            if (code_point >= 0xd800 && code_point <= 0xdbff) {
                uint32_t low;
                if (cursor->end - p < 6 || p[0] != '\\' || p[1] != 'u')
                    return fail(cursor, run, "high surrogate without its low half");
                if (!read_hex4(cursor, p + 2, &low)) return false;
                if (low < 0xdc00 || low > 0xdfff)
                    return fail(cursor, run, "high surrogate without its low half");
                code_point = 0x10000 + ((code_point - 0xd800) << 10) + (low - 0xdc00);
                p += 6;
            }
            if (code_point == 0) return fail(cursor, run, "NUL character (\\u0000) in string");
            out = put_utf8(out, code_point);
            break;
        }
        default: return fail(cursor, run, "unknown escape in string");
        }
    }
    size_t size = (size_t)(out - out_start);
    if (!utf8_validate(out_start, size, NULL)) return fail(cursor, open, "invalid UTF-8 in string");
    parser->scratch_used += size;
    *text_out = out_start;
    *size_out = (uint32_t)size;
    return true;
}

/* ---- Scalars ------------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool parse_number(struct cursor *cursor, struct json_scalar *value)
{
    const char *p = cursor->p, *end = cursor->end, *start = p;
    if (p < end && *p == '-') p++;
    if (p == end || !is_digit(*p)) return fail(cursor, start, "bad number");
    if (*p == '0') {
        p++;
    } else {
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !is_digit(*p)) return fail(cursor, p, "bad number: digits must follow '.'");
        while (p < end && is_digit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p == end || !is_digit(*p)) return fail(cursor, p, "bad number: digits must follow the exponent");
        while (p < end && is_digit(*p)) p++;
    }
    value->kind = JSON_NUMBER;
    value->text = start;
    value->size = (uint32_t)(p - start);
    cursor->p = p;
    return true;
}

static bool parse_literal(struct cursor *cursor, const char *word, struct json_scalar *value,
                          enum json_kind kind, bool bool_value)
{
    size_t size = strlen(word);
    if ((size_t)(cursor->end - cursor->p) < size || memcmp(cursor->p, word, size) != 0)
        return fail(cursor, cursor->p, "expected a value (string, number, true, false, null or array)");
    value->kind = kind;
    value->bool_value = bool_value;
    value->text = cursor->p;
    value->size = (uint32_t)size;
    cursor->p += size;
    return true;
}

/* A scalar value: string, number, true, false, null (arrays and objects are the caller's). */
static bool parse_scalar(struct cursor *cursor, struct json_scalar *value)
{
    value->column = column_at(cursor, cursor->p);
    if (cursor->p == cursor->end) return fail(cursor, cursor->p, "expected a value");
    switch (*cursor->p) {
    case '"':
        value->kind = JSON_STRING;
        return parse_string(cursor, &value->text, &value->size);
    case 't': return parse_literal(cursor, "true", value, JSON_BOOL, true);
    case 'f': return parse_literal(cursor, "false", value, JSON_BOOL, false);
    case 'n': return parse_literal(cursor, "null", value, JSON_NULL, false);
    case '{': return fail(cursor, cursor->p, "objects are not supported as attribute values");
    case '[': return fail(cursor, cursor->p, "arrays inside arrays are not supported");
    default:
        if (*cursor->p == '-' || is_digit(*cursor->p)) return parse_number(cursor, value);
        return fail(cursor, cursor->p, "expected a value (string, number, true, false, null or array)");
    }
}

static bool grow(void **array, uint32_t *capacity, uint32_t needed, size_t element_size)
{
    if (needed <= *capacity) return true;
    size_t size = *capacity;
    if (mem_grow(array, &size, needed, element_size) != 0) return false;
    *capacity = (uint32_t)size;
    return true;
}

static bool parse_array(struct cursor *cursor, struct json_member *member)
{
    struct json_object_parser *parser = cursor->parser;
    member->value.kind = JSON_ARRAY;
    member->value.column = column_at(cursor, cursor->p);
    member->element_first = parser->element_count;
    member->element_count = 0;
    cursor->p++; /* '[' */
    skip_space(cursor);
    if (cursor->p < cursor->end && *cursor->p == ']') {
        cursor->p++;
        return true;
    }
    for (;;) {
        skip_space(cursor);
        if (!grow((void **)&parser->elements, &parser->element_capacity, parser->element_count + 1u,
                  sizeof *parser->elements))
            return fail(cursor, cursor->p, JSON_OUT_OF_MEMORY);
        struct json_scalar *element = &parser->elements[parser->element_count];
        memset(element, 0, sizeof *element);
        if (!parse_scalar(cursor, element)) return false;
        parser->element_count++;
        member->element_count++;
        skip_space(cursor);
        if (cursor->p == cursor->end) return fail(cursor, cursor->p, "unterminated array (expected ',' or ']')");
        if (*cursor->p == ']') {
            cursor->p++;
            return true;
        }
        if (*cursor->p != ',') return fail(cursor, cursor->p, "expected ',' or ']' in array");
        cursor->p++;
    }
}

/* ---- Object ---------------------------------------------------------------------------- */

static bool parse_object(struct cursor *cursor)
{
    struct json_object_parser *parser = cursor->parser;
    skip_space(cursor);
    if (cursor->p == cursor->end || *cursor->p != '{')
        return fail(cursor, cursor->p, "expected a JSON object ('{') on the line");
    cursor->p++;
    skip_space(cursor);
    if (cursor->p < cursor->end && *cursor->p == '}') {
        cursor->p++;
    } else {
        for (;;) {
            skip_space(cursor);
            if (cursor->p == cursor->end || *cursor->p != '"')
                return fail(cursor, cursor->p, "expected a member name in double quotes");
            if (!grow((void **)&parser->members, &parser->member_capacity, parser->member_count + 1u,
                      sizeof *parser->members))
                return fail(cursor, cursor->p, JSON_OUT_OF_MEMORY);
            struct json_member *member = &parser->members[parser->member_count];
            memset(member, 0, sizeof *member);
            member->key_column = column_at(cursor, cursor->p);
            if (!parse_string(cursor, &member->key, &member->key_size)) return false;
            skip_space(cursor);
            if (cursor->p == cursor->end || *cursor->p != ':')
                return fail(cursor, cursor->p, "expected ':' after the member name");
            cursor->p++;
            skip_space(cursor);
            if (cursor->p < cursor->end && *cursor->p == '[') {
                if (!parse_array(cursor, member)) return false;
            } else if (!parse_scalar(cursor, &member->value)) {
                return false;
            }
            parser->member_count++;
            skip_space(cursor);
            if (cursor->p == cursor->end) return fail(cursor, cursor->p, "unterminated object (expected ',' or '}')");
            if (*cursor->p == '}') {
                cursor->p++;
                break;
            }
            if (*cursor->p != ',') return fail(cursor, cursor->p, "expected ',' or '}' after a member");
            cursor->p++;
        }
    }
    skip_space(cursor);
    if (cursor->p != cursor->end) return fail(cursor, cursor->p, "text after the object (one object per line)");
    return true;
}

const char *json_object_parse(struct json_object_parser *parser, const char *line, size_t size,
                              uint32_t *column_out)
{
    parser->member_count = 0;
    parser->element_count = 0;
    parser->scratch_used = 0;
    if (size + 1 > parser->scratch_capacity) {
        char *grown = mem_realloc(parser->scratch, size + 1);
        if (grown == NULL) {
            *column_out = 1;
            return JSON_OUT_OF_MEMORY;
        }
        parser->scratch = grown;
        parser->scratch_capacity = size + 1;
    }
    struct cursor cursor = {.start = line, .p = line, .end = line + size, .parser = parser};
    if (parse_object(&cursor)) return NULL;
    *column_out = cursor.problem_column;
    return cursor.problem;
}
