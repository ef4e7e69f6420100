/*
 * The hand-rolled CSV value formatting the retail generator's row writers share (profiles in
 * retail_row.c, events in retail_events.c): digits by pairs, fixed-width and zero-padded
 * integers, money in cents, UTC dates and ISO 8601 timestamps. No printf, no allocation;
 * every function writes at `out` and returns the end of what it wrote.
 */
#ifndef PDB_DATASETS_RETAIL_FORMAT_H
#define PDB_DATASETS_RETAIL_FORMAT_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define RETAIL_SECONDS_PER_DAY 86400

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static inline char *put_bytes(char *out, const char *bytes, size_t size)
{
    memcpy(out, bytes, size);
    return out + size;
}

static inline char *put_u64(char *out, uint64_t value)
{
    char digits[20];
    size_t position = sizeof digits;
    while (value >= 100) {
        position -= 2;
        memcpy(digits + position, digit_pairs + (value % 100) * 2, 2);
        value /= 100;
    }
    if (value >= 10) {
        position -= 2;
        memcpy(digits + position, digit_pairs + value * 2, 2);
    } else {
        digits[--position] = (char)('0' + value);
    }
    return put_bytes(out, digits + position, sizeof digits - position);
}

/* Exactly `width` digits (value < 10^width). */
static inline char *put_fixed(char *out, uint64_t value, unsigned width)
{
    for (unsigned i = width; i > 0; i--) {
        out[i - 1] = (char)('0' + value % 10);
        value /= 10;
    }
    return out + width;
}

/* At least `width` digits, zero-padded. */
static inline char *put_padded(char *out, uint64_t value, unsigned width)
{
    unsigned digits = 1;
    for (uint64_t rest = value / 10; rest > 0; rest /= 10)
        digits++;
    return put_fixed(out, value, digits > width ? digits : width);
}

static inline void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned day_of_era = (unsigned)(days - era * 146097);
    unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned shifted_month = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    *month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    *year = (int64_t)year_of_era + era * 400 + (*month <= 2);
}

static inline int64_t floor_div(int64_t value, int64_t divisor)
{
    int64_t quotient = value / divisor;
    return quotient - ((value % divisor) < 0);
}

/* "YYYY-MM-DDTHH:MM:SSZ" for years 0001..9999 (the caller keeps timestamps in range). */
static inline char *put_timestamp(char *out, int64_t seconds)
{
    int64_t days = floor_div(seconds, RETAIL_SECONDS_PER_DAY);
    int64_t second_of_day = seconds - days * RETAIL_SECONDS_PER_DAY;
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    assert(year >= 1 && year <= 9999);
    out = put_fixed(out, (uint64_t)year, 4);
    *out++ = '-';
    out = put_bytes(out, digit_pairs + month * 2, 2);
    *out++ = '-';
    out = put_bytes(out, digit_pairs + day * 2, 2);
    *out++ = 'T';
    out = put_bytes(out, digit_pairs + (second_of_day / 3600) * 2, 2);
    *out++ = ':';
    out = put_bytes(out, digit_pairs + (second_of_day / 60 % 60) * 2, 2);
    *out++ = ':';
    out = put_bytes(out, digit_pairs + (second_of_day % 60) * 2, 2);
    *out++ = 'Z';
    return out;
}

/* cents / 100 with exactly two decimals. */
static inline char *put_money(char *out, uint64_t cents)
{
    out = put_u64(out, cents / 100);
    *out++ = '.';
    return put_bytes(out, digit_pairs + (cents % 100) * 2, 2);
}

#endif
