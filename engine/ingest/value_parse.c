/*
 * Field parsers for ingest (see value_parse.h).
 */
#include "ingest/value_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "base/timestamp.h"
#include "base/utf8.h"

void value_trim(const char **data, size_t *size)
{
    const char *start = *data;
    size_t length = *size;
    while (length > 0 && (start[0] == ' ' || start[0] == '\t')) start++, length--;
    while (length > 0 && (start[length - 1] == ' ' || start[length - 1] == '\t')) length--;
    *data = start;
    *size = length;
}

static bool word_is(const char *data, size_t size, const char *word)
{
    return strlen(word) == size && strncasecmp(data, word, size) == 0;
}

const char *value_parse_bool(const char *data, size_t size, bool *value_out)
{
    static const char *const true_words[] = {"true", "t", "yes", "y", "1"};
    static const char *const false_words[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < 5; i++) {
        if (word_is(data, size, true_words[i])) {
            *value_out = true;
            return NULL;
        }
        if (word_is(data, size, false_words[i])) {
            *value_out = false;
            return NULL;
        }
    }
    return "not a bool (expected true/false, t/f, yes/no, y/n or 1/0)";
}

const char *value_parse_int(const char *data, size_t size, int64_t *value_out)
{
    size_t i = 0;
    bool negative = false;
    if (size > 0 && (data[0] == '-' || data[0] == '+')) {
        negative = data[0] == '-';
        i = 1;
    }
    if (i == size) return "not an integer";
    for (size_t k = i; k < size; k++)
        if (data[k] < '0' || data[k] > '9') return "not an integer";
    uint64_t magnitude = 0;
    const uint64_t limit = negative ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; i < size; i++) {
        uint64_t digit = (uint64_t)(data[i] - '0');
        if (magnitude > (limit - digit) / 10u) return "integer out of int64 range";
        magnitude = magnitude * 10u + digit;
    }
    *value_out = negative ? (int64_t)(0u - magnitude) : (int64_t)magnitude;
    return NULL;
}

const char *value_parse_float(const char *data, size_t size, double *value_out)
{
    char text[128];
    if (size == 0) return "not a number";
    if (size >= sizeof text) return "number is too long";
    bool seen_digit = false;
    for (size_t i = 0; i < size; i++) {
        char c = data[i];
        if (c >= '0' && c <= '9') {
            seen_digit = true;
        } else if (!(c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
            return "not a number";
        }
    }
    if (!seen_digit) return "not a number";
    memcpy(text, data, size);
    text[size] = '\0';
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (end != text + size) return "not a number";
    if (!isfinite(value)) return "number out of range (not finite)";
    *value_out = value == 0.0 ? 0.0 : value;
    return NULL;
}

const char *value_parse_timestamp(const char *data, size_t size, int64_t *value_out)
{
    return timestamp_parse(data, size, value_out);
}

const char *value_check_string(const char *data, size_t size, size_t *bad_offset_out)
{
    if (size > PDB_TEXT_VALUE_SIZE_MAX) return "value is longer than 1 MiB";
    if (!utf8_validate(data, size, bad_offset_out)) return "invalid UTF-8";
    return NULL;
}

const char *value_split_tags(const char *data, size_t size, const char **tags, uint32_t *sizes,
                             uint32_t capacity, uint32_t *count_out)
{
    uint32_t count = 0;
    size_t start = 0;
    while (start <= size) {
        const char *bar = memchr(data + start, '|', size - start);
        size_t end = bar ? (size_t)(bar - data) : size;
        const char *tag = data + start;
        size_t tag_size = end - start;
        value_trim(&tag, &tag_size);
        if (tag_size > 0) {
            if (count == capacity) return "too many tags (limit 1024)";
            if (value_check_string(tag, tag_size, NULL) != NULL) return "tag is invalid UTF-8 or too long";
            tags[count] = tag;
            sizes[count] = (uint32_t)tag_size;
            count++;
        }
        start = end + 1;
    }
    *count_out = count;
    return NULL;
}
