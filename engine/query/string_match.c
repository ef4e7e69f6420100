/*
 * String tests shared by text columns (evaluated per row) and category columns (evaluated
 * once per dictionary entry by segment_prepare): bytewise ranges and IN lists, STARTS WITH,
 * ENDS WITH and CONTAINS, and their case-insensitive forms on case-folded values.
 *
 * Order is memcmp order with a proper prefix first (SQLite's BINARY collation). Never
 * allocates: folding goes through the caller's buffer.
 */
#include <string.h>

#include "base/unicode.h"
#include "query/query_internal.h"

int query_bytes_compare(const char *a, uint32_t a_size, const char *b, uint32_t b_size)
{
    uint32_t common = a_size < b_size ? a_size : b_size;
    if (common) {
        int order = memcmp(a, b, common);
        if (order != 0) return order;
    }
    return (a_size > b_size) - (a_size < b_size);
}

static bool in_sorted(const struct bytes_view *values, uint32_t count, const char *value,
                      uint32_t size)
{
    uint32_t low = 0, high = count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        int order = query_bytes_compare(values[middle].data, values[middle].size, value, size);
        if (order == 0) return true;
        if (order < 0) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return false;
}

static bool contains(const char *haystack, size_t haystack_size, const char *needle,
                     size_t needle_size)
{
    if (needle_size == 0) return true;
    if (needle_size > haystack_size) return false;
    return memmem(haystack, haystack_size, needle, needle_size) != NULL;
}

bool string_test_match(const struct string_test *test, const char *value, uint32_t size,
                       int32_t *fold_buffer, size_t fold_capacity)
{
    switch (test->kind) {
    case STRING_TEST_RANGE:
        if (test->has_low) {
            int order = query_bytes_compare(value, size, test->low.data, test->low.size);
            if (order < 0 || (order == 0 && !test->low_inclusive)) return false;
        }
        if (test->has_high) {
            int order = query_bytes_compare(value, size, test->high.data, test->high.size);
            if (order > 0 || (order == 0 && !test->high_inclusive)) return false;
        }
        return true;
    case STRING_TEST_IN:
        return in_sorted(test->values, test->value_count, value, size);
    default:
        break;
    }
    const char *subject = value;
    size_t subject_size = size;
    if (test->case_insensitive) {
        subject = casefold_into(value, size, fold_buffer, fold_capacity, &subject_size);
    }
    const struct bytes_view *pattern = &test->pattern;
    if (pattern->size > subject_size) return false;
    if (pattern->size == 0) return true;
    switch (test->kind) {
    case STRING_TEST_STARTS:
        return memcmp(subject, pattern->data, pattern->size) == 0;
    case STRING_TEST_ENDS:
        return memcmp(subject + subject_size - pattern->size, pattern->data, pattern->size) == 0;
    case STRING_TEST_CONTAINS:
        return contains(subject, subject_size, pattern->data, pattern->size);
    default:
        return false;
    }
}
