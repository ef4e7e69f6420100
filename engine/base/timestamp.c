/*
 * Timestamp parsing and formatting (see timestamp.h). The civil-date arithmetic is the
 * well-known days-from-civil algorithm on 400-year eras; no libc time zone state is used.
 */
#include "base/timestamp.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

int64_t timestamp_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    unsigned year_of_era = (unsigned)(year - era * 400);
    unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + (int64_t)day_of_era - 719468;
}

static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned day_of_era = (unsigned)(days - era * 146097);
    unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t y = (int64_t)year_of_era + era * 400;
    unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    unsigned mp = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (*month <= 2);
}

static bool is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned days_in_month(int64_t year, unsigned month)
{
    static const unsigned lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : lengths[month - 1];
}

/* Reads exactly `digits` decimal digits at *cursor. */
static bool read_digits(const char **cursor, const char *end, int digits, unsigned *value)
{
    unsigned result = 0;
    for (int i = 0; i < digits; i++) {
        if (*cursor >= end || **cursor < '0' || **cursor > '9') return false;
        result = result * 10 + (unsigned)(**cursor - '0');
        (*cursor)++;
    }
    *value = result;
    return true;
}

static const char *parse_epoch(const char *text, size_t size, int64_t *seconds_out)
{
    size_t i = 0;
    bool negative = false;
    if (text[0] == '-' || text[0] == '+') {
        negative = text[0] == '-';
        i = 1;
    }
    if (i == size) return "expected digits after the sign";
    uint64_t magnitude = 0;
    for (; i < size; i++) {
        if (text[i] < '0' || text[i] > '9') return "not a timestamp (expected YYYY-MM-DD[THH:MM:SS][Z|+HH:MM] or epoch seconds)";
        unsigned digit = (unsigned)(text[i] - '0');
        if (magnitude > (UINT64_C(9223372036854775807) - digit) / 10) return "epoch seconds out of range";
        magnitude = magnitude * 10 + digit;
    }
    *seconds_out = negative ? -(int64_t)magnitude : (int64_t)magnitude;
    return NULL;
}

const char *timestamp_parse(const char *text, size_t size, int64_t *seconds_out)
{
    if (size == 0) return "empty timestamp";
    /* Epoch seconds: all digits (the date form always has '-' at offset 4). */
    if (size < 5 || text[4] != '-') return parse_epoch(text, size, seconds_out);

    const char *cursor = text;
    const char *end = text + size;
    unsigned year, month, day, hour = 0, minute = 0, second = 0;
    if (!read_digits(&cursor, end, 4, &year) || cursor >= end || *cursor++ != '-' ||
        !read_digits(&cursor, end, 2, &month) || cursor >= end || *cursor++ != '-' ||
        !read_digits(&cursor, end, 2, &day))
        return "not a timestamp (expected YYYY-MM-DD[THH:MM:SS][Z|+HH:MM] or epoch seconds)";
    if (year < 1) return "year out of range (0001..9999)";
    if (month < 1 || month > 12) return "month out of range (01..12)";
    if (day < 1 || day > days_in_month(year, month)) return "day out of range for that month";

    int64_t offset_s = 0;
    if (cursor < end && (*cursor == 'T' || *cursor == 't' || *cursor == ' ')) {
        cursor++;
        if (!read_digits(&cursor, end, 2, &hour) || cursor >= end || *cursor++ != ':' ||
            !read_digits(&cursor, end, 2, &minute))
            return "bad time of day (expected HH:MM[:SS])";
        if (cursor < end && *cursor == ':') {
            cursor++;
            if (!read_digits(&cursor, end, 2, &second)) return "bad seconds (expected SS)";
            if (cursor < end && (*cursor == '.' || *cursor == ',')) {
                cursor++;
                const char *fraction = cursor;
                while (cursor < end && *cursor >= '0' && *cursor <= '9') cursor++;
                if (cursor == fraction) return "expected digits after the decimal point";
            }
        }
        if (hour > 23) return "hour out of range (00..23)";
        if (minute > 59) return "minute out of range (00..59)";
        if (second > 60) return "second out of range (00..60)";
        if (cursor < end) {
            char sign = *cursor;
            if (sign == 'Z' || sign == 'z') {
                cursor++;
            } else if (sign == '+' || sign == '-') {
                cursor++;
                unsigned offset_hours, offset_minutes = 0;
                if (!read_digits(&cursor, end, 2, &offset_hours)) return "bad UTC offset (expected +HH:MM)";
                if (cursor < end && *cursor == ':') cursor++;
                if (cursor < end && !read_digits(&cursor, end, 2, &offset_minutes))
                    return "bad UTC offset (expected +HH:MM)";
                if (offset_hours > 23 || offset_minutes > 59) return "UTC offset out of range";
                offset_s = (int64_t)(offset_hours * 3600 + offset_minutes * 60);
                if (sign == '+') offset_s = -offset_s;
            }
        }
    }
    if (cursor != end) return "unexpected characters after the timestamp";

    int64_t days = timestamp_days_from_civil(year, month, day);
    *seconds_out = days * 86400 + hour * 3600 + minute * 60 + second + offset_s;
    return NULL;
}

void timestamp_format(int64_t seconds, char *buffer)
{
    int64_t days = seconds / 86400;
    int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days -= 1;
    }
    int64_t year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 1 || year > 9999) {
        snprintf(buffer, TIMESTAMP_TEXT_SIZE, "%lld", (long long)seconds);
        return;
    }
    snprintf(buffer, TIMESTAMP_TEXT_SIZE, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)year,
             month, day, (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60),
             (unsigned)(rest % 60));
}

int64_t timestamp_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec;
}
