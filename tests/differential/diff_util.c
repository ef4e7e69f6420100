/*
 * Small helpers of the differential test: environment knobs, a seeded random generator,
 * a bump arena, a growable string, Unicode case folding and exact comparisons.
 *
 * Environment (read once per test process):
 *   PROFILEDB_TEST_SEED=N        replay a run (every test prints "differential: seed=N").
 *   PROFILEDB_DIFF_ROWS=N        rows of random data (default 70,000: two chunks, the second
 *                                partial). Only for shrinking slow sanitizer runs.
 *   PROFILEDB_DIFF_SEGMENTS=N    random segments per test (default 1,000).
 *   PROFILEDB_DIFF_VERBOSE=1     print every segment with its three answers' counts.
 *   PROFILEDB_DIFF_KEEP=1        keep /tmp/pdb-differential-* (schema, CSV, database).
 *
 * The random generator is splitmix64: tiny, fast and good enough for test data; streams are
 * separated by mixing the stream number into the seed.
 */
#include "diff.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#define DIFF_ARENA_BLOCK_SIZE (1u << 20)

/* ---- Environment ------------------------------------------------------------------------ */

static uint64_t env_number(const char *name, uint64_t fallback)
{
    const char *text = getenv(name);
    if (text == NULL || text[0] == '\0') return fallback;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    cr_assert(end != NULL && *end == '\0', "%s=%s is not a decimal number", name, text);
    return value;
}

uint64_t diff_env_seed(void)
{
    const char *text = getenv("PROFILEDB_TEST_SEED");
    if (text != NULL && text[0] != '\0') return env_number("PROFILEDB_TEST_SEED", 0);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* Six digits are easy to copy; the pid separates tests started in the same second. */
    return ((uint64_t)now.tv_sec * 1000003u + (uint64_t)now.tv_nsec / 1000u +
            (uint64_t)getpid() * 7919u) %
           1000000u;
}

uint32_t diff_env_rows(void)
{
    uint64_t rows = env_number("PROFILEDB_DIFF_ROWS", DIFF_ROWS_DEFAULT);
    cr_assert(rows >= 100 && rows <= 10000000, "PROFILEDB_DIFF_ROWS out of range");
    return (uint32_t)rows;
}

uint32_t diff_env_segments(void)
{
    uint64_t segments = env_number("PROFILEDB_DIFF_SEGMENTS", DIFF_SEGMENTS_DEFAULT);
    cr_assert(segments >= 1 && segments <= 10000000, "PROFILEDB_DIFF_SEGMENTS out of range");
    return (uint32_t)segments;
}

bool diff_env_verbose(void)
{
    return env_number("PROFILEDB_DIFF_VERBOSE", 0) != 0;
}

/* ---- Random numbers --------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void diff_rng_init(struct diff_rng *rng, uint64_t seed, uint64_t stream)
{
    uint64_t mix = seed ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    rng->state = splitmix64(&mix);
}

uint64_t diff_rng_next(struct diff_rng *rng)
{
    return splitmix64(&rng->state);
}

uint64_t diff_rng_below(struct diff_rng *rng, uint64_t bound)
{
    cr_assert(bound > 0);
    return diff_rng_next(rng) % bound; /* the bias is irrelevant for test data */
}

int64_t diff_rng_range(struct diff_rng *rng, int64_t low, int64_t high)
{
    uint64_t span = (uint64_t)high - (uint64_t)low;
    if (span == UINT64_MAX) return (int64_t)diff_rng_next(rng);
    return (int64_t)((uint64_t)low + diff_rng_below(rng, span + 1));
}

bool diff_rng_percent(struct diff_rng *rng, uint32_t percent)
{
    return diff_rng_below(rng, 100) < percent;
}

double diff_rng_unit(struct diff_rng *rng)
{
    return (double)(diff_rng_next(rng) >> 11) / 9007199254740992.0;
}

/* ---- Arena ------------------------------------------------------------------------------ */

struct diff_arena_block {
    struct diff_arena_block *next;
    size_t used;
    size_t capacity;
    _Alignas(16) unsigned char bytes[];
};

void *diff_arena_alloc(struct diff_arena *arena, size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    struct diff_arena_block *block = arena->head;
    if (block == NULL || block->capacity - block->used < size) {
        size_t capacity = size > DIFF_ARENA_BLOCK_SIZE ? size : DIFF_ARENA_BLOCK_SIZE;
        block = malloc(sizeof *block + capacity);
        cr_assert_not_null(block, "out of memory");
        block->next = arena->head;
        block->used = 0;
        block->capacity = capacity;
        arena->head = block;
    }
    void *result = block->bytes + block->used;
    block->used += size;
    return result;
}

char *diff_arena_copy(struct diff_arena *arena, const char *data, size_t size)
{
    char *copy = diff_arena_alloc(arena, size + 1);
    if (size > 0) memcpy(copy, data, size);
    copy[size] = '\0';
    return copy;
}

void diff_arena_deinit(struct diff_arena *arena)
{
    struct diff_arena_block *block = arena->head;
    while (block != NULL) {
        struct diff_arena_block *next = block->next;
        free(block);
        block = next;
    }
    arena->head = NULL;
}

/* ---- Text ------------------------------------------------------------------------------- */

static void text_reserve(struct diff_text *text, size_t extra)
{
    size_t needed = text->size + extra + 1;
    if (needed <= text->capacity) return;
    size_t capacity = text->capacity ? text->capacity : 256;
    while (capacity < needed)
        capacity *= 2;
    char *data = realloc(text->data, capacity);
    cr_assert_not_null(data, "out of memory");
    text->data = data;
    text->capacity = capacity;
}

void diff_text_append(struct diff_text *text, const char *data, size_t size)
{
    text_reserve(text, size);
    if (size > 0) memcpy(text->data + text->size, data, size);
    text->size += size;
    text->data[text->size] = '\0';
}

void diff_text_puts(struct diff_text *text, const char *string)
{
    diff_text_append(text, string, strlen(string));
}

void diff_text_printf(struct diff_text *text, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    va_list copy;
    va_copy(copy, arguments);
    int needed = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    cr_assert(needed >= 0);
    text_reserve(text, (size_t)needed);
    vsnprintf(text->data + text->size, (size_t)needed + 1, format, arguments);
    va_end(arguments);
    text->size += (size_t)needed;
}

void diff_text_clear(struct diff_text *text)
{
    text->size = 0;
    if (text->data) text->data[0] = '\0';
}

void diff_text_deinit(struct diff_text *text)
{
    free(text->data);
    text->data = NULL;
    text->size = text->capacity = 0;
}

void diff_text_append_escaped(struct diff_text *text, const char *data, size_t size)
{
    diff_text_puts(text, "\"");
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = (unsigned char)data[i];
        if (byte >= 0x20 && byte < 0x7f && byte != '"' && byte != '\\')
            diff_text_append(text, (const char *)&byte, 1);
        else
            diff_text_printf(text, "\\x%02x", byte);
    }
    diff_text_puts(text, "\"");
}

/* ---- Case folding ----------------------------------------------------------------------- */

void diff_fold(struct diff_arena *arena, const char *data, uint32_t size, const char **folded_out,
               uint32_t *folded_size_out)
{
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t mapped_size =
        size == 0 ? 0
                  : utf8proc_map((const utf8proc_uint8_t *)data, (utf8proc_ssize_t)size, &mapped,
                                 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    if (mapped_size < 0) {
        /* Not valid UTF-8: ASCII tolower byte by byte. */
        char *copy = diff_arena_copy(arena, data, size);
        for (uint32_t i = 0; i < size; i++)
            copy[i] = (char)tolower((unsigned char)copy[i]);
        *folded_out = copy;
        *folded_size_out = size;
        return;
    }
    *folded_out = diff_arena_copy(arena, (const char *)mapped, (size_t)mapped_size);
    *folded_size_out = (uint32_t)mapped_size;
    free(mapped);
}

/* ---- Exact comparisons ------------------------------------------------------------------ */

int diff_compare_int_double(int64_t left, double right)
{
    if (right >= 9223372036854775808.0) return -1; /* 2^63 and above exceed every int64 */
    if (right < -9223372036854775808.0) return 1;
    double whole = trunc(right); /* now exactly representable as an int64 */
    int64_t whole_int = (int64_t)whole;
    if (left < whole_int) return -1;
    if (left > whole_int) return 1;
    if (right > whole) return -1; /* left == whole: the fraction decides */
    if (right < whole) return 1;
    return 0;
}

int diff_compare_bytes(const char *left, size_t left_size, const char *right, size_t right_size)
{
    size_t common = left_size < right_size ? left_size : right_size;
    int order = common ? memcmp(left, right, common) : 0;
    if (order != 0) return order < 0 ? -1 : 1;
    if (left_size == right_size) return 0;
    return left_size < right_size ? -1 : 1;
}

/* ---- Civil dates ------------------------------------------------------------------------ */

/* Proleptic Gregorian calendar in 400-year eras of 146,097 days, with years starting on
 * March 1st so the leap day is the era's last. */
int64_t diff_days_from_civil(int64_t year, int64_t month, int64_t day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t month_index = month > 2 ? month - 3 : month + 9; /* March = 0 */
    int64_t day_of_year = (153 * month_index + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void diff_civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * month_index + 2) / 5 + 1;
    *month = month_index < 10 ? month_index + 3 : month_index - 9;
    *year = year_of_era + era * 400 + (*month <= 2);
}
