/*
 * Query results as sqllogictest prints them, for the conformance harness.
 *
 * A value of a column of type 'I' prints as "%lld", 'R' as "%.3f", 'T' as the text, with
 * "(empty)" for the empty string and '@' for every control or non-printable character; NULL
 * prints as "NULL" whatever the type. rowsort and valuesort sort these strings bytewise
 * (strcmp: "9" sorts after "10"); with one result column both are the same. A hashed result
 * is the MD5 of the values in that order, each followed by "\n".
 */
#include "slt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

void slt_values_clear(struct slt_values *values)
{
    for (size_t i = 0; i < values->count; i++)
        mem_free(values->items[i]);
    values->count = 0;
}

void slt_values_deinit(struct slt_values *values)
{
    slt_values_clear(values);
    mem_free(values->items);
    memset(values, 0, sizeof *values);
}

static char *text_render(const char *text)
{
    if (text[0] == '\0') return mem_strdup("(empty)");
    char *copy = mem_strdup(text);
    if (copy == NULL) return NULL;
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '@';
    return copy;
}

int slt_values_append(struct slt_values *values, const struct slt_value *value, char type_char)
{
    if (mem_grow((void **)&values->items, &values->capacity, values->count + 1,
                 sizeof *values->items) != 0)
        return -1;
    char number[64];
    char *rendered = NULL;
    if (value->kind == SLT_VALUE_NULL) {
        rendered = mem_strdup("NULL");
    } else if (type_char == 'T') {
        rendered = text_render(value->text);
    } else {
        double real = value->kind == SLT_VALUE_INTEGER ? (double)value->integer : value->real;
        if (value->kind == SLT_VALUE_TEXT) real = strtod(value->text, NULL);
        if (type_char == 'R')
            snprintf(number, sizeof number, "%.3f", real);
        else if (value->kind == SLT_VALUE_INTEGER)
            snprintf(number, sizeof number, "%lld", (long long)value->integer);
        else if (real > -9.2e18 && real < 9.2e18)
            snprintf(number, sizeof number, "%lld", (long long)real);
        else
            snprintf(number, sizeof number, "%s",
                     real < 0 ? "-9223372036854775808" : "9223372036854775807");
        rendered = mem_strdup(number);
    }
    if (rendered == NULL) return -1;
    values->items[values->count++] = rendered;
    return 0;
}

static int compare_strings(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

void slt_values_sort(struct slt_values *values)
{
    if (values->count > 1)
        qsort(values->items, values->count, sizeof *values->items, compare_strings);
}

void slt_values_hash(const struct slt_values *values, char hash[33])
{
    struct slt_md5 md5;
    slt_md5_init(&md5);
    for (size_t i = 0; i < values->count; i++) {
        slt_md5_update(&md5, values->items[i], strlen(values->items[i]));
        slt_md5_update(&md5, "\n", 1);
    }
    slt_md5_hex(&md5, hash);
}
