/*
 * Tests for datasets/retail_gen.c (and retail_row.c, retail_tables.c): determinism across
 * seeds and thread counts, the CSV shape (read back with the ingest RFC 4180 reader), every
 * value valid for its schema type both by the strict format the generator promises and by
 * the ingest value parsers, null rates and skews on 50,000 rows, uniqueness of identifiers,
 * the schema file, and I/O errors (a path under a regular file, /dev/full).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/schema.h"
#include "ingest/csv_reader.h"
#include "ingest/value_parse.h"
#include "retail_gen.h"

#define COLUMN_COUNT 21
#define STATS_ROWS 50000u
#define DAY_S 86400

enum column {
    CUSTOMER_ID,
    EMAIL,
    PHONE,
    FIRST_NAME,
    LAST_NAME,
    COUNTRY,
    CITY,
    GENDER,
    BIRTH_YEAR,
    AGE,
    SIGNUP_AT,
    LAST_SEEN_AT,
    LOYALTY_TIER,
    TOTAL_SPEND,
    ORDER_COUNT,
    INTERESTS,
    CONSENT_EMAIL,
    CONSENT_SMS,
    CONSENT_ADS,
    CONSENT_ANALYTICS,
    IS_VIP,
};

static const char *const column_names[COLUMN_COUNT] = {
    "customer_id", "email",         "phone",        "first_name",  "last_name",
    "country",     "city",          "gender",       "birth_year",  "age",
    "signup_at",   "last_seen_at",  "loyalty_tier", "total_spend", "order_count",
    "interests",   "consent_email", "consent_sms",  "consent_ads", "consent_analytics",
    "is_vip",
};

static const char *const tier_names[5] = {"none", "bronze", "silver", "gold", "platinum"};

static const char *const interest_names[] = {
    "travel",      "cooking",    "fitness",   "fashion",  "electronics", "running",
    "outdoor",     "music",      "books",     "movies",   "beauty",      "yoga",
    "gaming",      "home_decor", "coffee",    "skincare", "pets",        "hiking",
    "photography", "sneakers",   "gardening", "cycling",  "wine",        "kids",
    "diy",         "camping",    "tennis",    "golf",     "swimming",    "art",
};
#define INTEREST_COUNT (sizeof interest_names / sizeof interest_names[0])

/* ---- Helpers ------------------------------------------------------------------------ */

struct output {
    char *data;
    size_t size;
};

static struct output generate_with(uint64_t count, uint64_t seed, unsigned threads, int64_t now_s)
{
    struct output output = {0};
    FILE *stream = open_memstream(&output.data, &output.size);
    cr_assert_not_null(stream);
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = count;
    options.seed = seed;
    options.thread_count = threads;
    options.now_s = now_s;
    struct pdb_error error = {0};
    enum pdb_status status = retail_gen_write_csv(stream, &options, &error);
    cr_assert_eq(status, PDB_OK, "retail_gen_write_csv: %s", error.message);
    cr_assert_eq(fclose(stream), 0);
    return output;
}

static struct output generate(uint64_t count, uint64_t seed, unsigned threads)
{
    return generate_with(count, seed, threads, RETAIL_GEN_DEFAULT_NOW);
}

static bool field_is(const struct csv_field *field, const char *text)
{
    return field->size == strlen(text) && memcmp(field->data, text, field->size) == 0;
}

static bool field_is_null(const struct csv_field *field)
{
    return field->size == 0 && !field->is_quoted;
}

static bool all_digits(const char *data, size_t size)
{
    if (size == 0) return false;
    for (size_t i = 0; i < size; i++)
        if (data[i] < '0' || data[i] > '9') return false;
    return true;
}

static uint64_t digits_value(const char *data, size_t size)
{
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++)
        value = value * 10 + (uint64_t)(data[i] - '0');
    return value;
}

static int64_t int_of(const struct csv_field *field)
{
    int64_t value = 0;
    const char *problem = value_parse_int(field->data, field->size, &value);
    cr_assert_null(problem, "'%.*s' is not an int: %s", (int)field->size, field->data, problem);
    return value;
}

/* Strictly "YYYY-MM-DDTHH:MM:SSZ", and accepted by the ingest parser. */
static int64_t timestamp_of(const struct csv_field *field)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    cr_assert_eq(field->size, sizeof shape - 1, "timestamp '%.*s'", (int)field->size, field->data);
    for (size_t i = 0; i < field->size; i++) {
        bool ok = shape[i] == 'd' ? field->data[i] >= '0' && field->data[i] <= '9'
                                  : field->data[i] == shape[i];
        cr_assert(ok, "timestamp '%.*s'", (int)field->size, field->data);
    }
    int64_t seconds = 0;
    const char *problem = value_parse_timestamp(field->data, field->size, &seconds);
    cr_assert_null(problem, "timestamp '%.*s': %s", (int)field->size, field->data, problem);
    return seconds;
}

/* -1 NULL, 0 false, 1 true; only "true"/"false" are written. */
static int bool_of(const struct csv_field *field)
{
    if (field_is_null(field)) return -1;
    bool value = false;
    cr_assert_null(value_parse_bool(field->data, field->size, &value));
    cr_assert(field_is(field, value ? "true" : "false"), "bool '%.*s'", (int)field->size,
              field->data);
    return value;
}

static void check_string(const struct csv_field *field)
{
    size_t bad_offset = 0;
    cr_assert(field->size > 0);
    cr_assert_null(value_check_string(field->data, field->size, &bad_offset),
                   "invalid UTF-8 in '%.*s'", (int)field->size, field->data);
}

static int interest_index(const char *data, size_t size)
{
    for (size_t i = 0; i < INTEREST_COUNT; i++)
        if (strlen(interest_names[i]) == size && memcmp(interest_names[i], data, size) == 0)
            return (int)i;
    return -1;
}

/* Calls on_row for every data row (after checking the header); returns the row count. */
typedef void (*row_fn)(const struct csv_field *fields, uint64_t row_index, void *context);

static uint64_t rows_read(const struct output *output, row_fn on_row, void *context)
{
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open_memory(output->data, output->size, "generated", &reader, &error),
                 PDB_OK, "%s", error.message);
    struct csv_record record;
    bool has_record = false;
    cr_assert_eq(csv_reader_next(reader, &record, &has_record, &error), PDB_OK);
    cr_assert(has_record, "no header");
    cr_assert_null(record.problem);
    cr_assert_eq(record.field_count, COLUMN_COUNT);
    for (int i = 0; i < COLUMN_COUNT; i++)
        cr_assert(field_is(&record.fields[i], column_names[i]), "header field %d", i);

    uint64_t row_index = 0;
    for (;;) {
        cr_assert_eq(csv_reader_next(reader, &record, &has_record, &error), PDB_OK);
        if (!has_record) break;
        cr_assert_null(record.problem, "row %llu: %s", (unsigned long long)row_index,
                       record.problem);
        cr_assert_eq(record.field_count, COLUMN_COUNT, "row %llu has %u fields",
                     (unsigned long long)row_index, record.field_count);
        cr_assert_eq(record.line_count, 1);
        if (on_row != NULL) on_row(record.fields, row_index, context);
        row_index++;
    }
    csv_reader_close(reader);
    return row_index;
}

/* ---- Determinism and shape ---------------------------------------------------------- */

Test(retail_gen, same_seed_gives_same_bytes_for_any_thread_count)
{
    /* 3 blocks and a partial one. */
    uint64_t count = 3 * RETAIL_GEN_BLOCK_ROWS + 77;
    struct output one = generate(count, 42, 1);
    for (unsigned threads = 0; threads <= 5; threads++) {
        struct output other = generate(count, 42, threads);
        cr_assert_eq(other.size, one.size, "threads %u", threads);
        cr_assert(memcmp(other.data, one.data, one.size) == 0, "threads %u", threads);
        free(other.data);
    }
    free(one.data);
}

Test(retail_gen, different_seeds_give_different_bytes)
{
    struct output a = generate(1000, 42, 0);
    struct output b = generate(1000, 43, 0);
    cr_assert(a.size != b.size || memcmp(a.data, b.data, a.size) != 0);
    /* Not only the size: most rows differ. */
    const char *a_second = strchr(a.data, '\n') + 1;
    const char *b_second = strchr(b.data, '\n') + 1;
    cr_assert(strncmp(a_second, b_second, 60) != 0);
    free(a.data);
    free(b.data);
}

Test(retail_gen, a_longer_run_starts_with_a_shorter_one)
{
    struct output short_run = generate(1000, 7, 0);
    struct output long_run = generate(RETAIL_GEN_BLOCK_ROWS + 500, 7, 2);
    cr_assert_gt(long_run.size, short_run.size);
    cr_assert(memcmp(long_run.data, short_run.data, short_run.size) == 0);
    free(short_run.data);
    free(long_run.data);
}

Test(retail_gen, writes_the_header_first)
{
    struct output output = generate(0, 42, 0);
    const char *header = retail_gen_csv_header();
    cr_assert_eq(output.size, strlen(header) + 1);
    cr_assert(memcmp(output.data, header, strlen(header)) == 0);
    cr_assert_eq(output.data[output.size - 1], '\n');
    cr_assert_str_eq(header, "customer_id,email,phone,first_name,last_name,country,city,"
                             "gender,birth_year,age,signup_at,last_seen_at,loyalty_tier,"
                             "total_spend,order_count,interests,consent_email,consent_sms,"
                             "consent_ads,consent_analytics,is_vip");
    free(output.data);
}

Test(retail_gen, writes_exactly_the_requested_rows)
{
    static const uint64_t counts[] = {
        0, 1, 2, RETAIL_GEN_BLOCK_ROWS - 1, RETAIL_GEN_BLOCK_ROWS, RETAIL_GEN_BLOCK_ROWS + 1};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct output output = generate(counts[i], 42, 0);
        uint64_t lines = 0;
        for (size_t k = 0; k < output.size; k++)
            lines += output.data[k] == '\n';
        cr_assert_eq(lines, counts[i] + 1, "count %llu", (unsigned long long)counts[i]);
        cr_assert_eq(rows_read(&output, NULL, NULL), counts[i]);
        free(output.data);
    }
}

/* ---- Values ------------------------------------------------------------------------- */

struct calling_code {
    const char *country;
    const char *prefix;
};
static const struct calling_code calling_codes[] = {
    {"US", "+1"},  {"CA", "+1"},  {"GB", "+44"},  {"DE", "+49"},
    {"FR", "+33"}, {"JP", "+81"}, {"IE", "+353"}, {"BR", "+55"},
};

struct validity {
    int64_t now_s;
    int64_t now_year;
    uint64_t quoted_fields;
    uint64_t non_ascii_names;
};

static void check_row(const struct csv_field *f, uint64_t row_index, void *context)
{
    struct validity *validity = context;

    /* customer_id: "C" + at least 9 digits = row index + 1. */
    cr_assert(f[CUSTOMER_ID].size >= 10 && f[CUSTOMER_ID].data[0] == 'C');
    cr_assert(all_digits(f[CUSTOMER_ID].data + 1, f[CUSTOMER_ID].size - 1));
    cr_assert_eq(digits_value(f[CUSTOMER_ID].data + 1, f[CUSTOMER_ID].size - 1), row_index + 1);

    /* email: <lower-case letters . _><row number>@<domain>. */
    if (!field_is_null(&f[EMAIL])) {
        const char *data = f[EMAIL].data;
        const char *at = memchr(data, '@', f[EMAIL].size);
        cr_assert_not_null(at, "email '%.*s'", (int)f[EMAIL].size, data);
        const char *digits = at;
        while (digits > data && digits[-1] >= '0' && digits[-1] <= '9')
            digits--;
        cr_assert(digits > data && all_digits(digits, (size_t)(at - digits)));
        cr_assert_eq(digits_value(digits, (size_t)(at - digits)), row_index + 1);
        for (const char *c = data; c < digits; c++)
            cr_assert((*c >= 'a' && *c <= 'z') || *c == '.' || *c == '_', "email '%.*s'",
                      (int)f[EMAIL].size, data);
        cr_assert(digits[-1] >= 'a' && digits[-1] <= 'z');
        const char *end = data + f[EMAIL].size;
        cr_assert(end - at > 4 && memchr(at, '.', (size_t)(end - at)) != NULL);
        for (const char *c = at + 1; c < end; c++)
            cr_assert((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                      *c == '-');
    }

    /* phone: E.164 "+" and 8..15 digits, with the country's calling code. */
    if (!field_is_null(&f[PHONE])) {
        cr_assert(f[PHONE].data[0] == '+' && f[PHONE].data[1] != '0');
        cr_assert(f[PHONE].size >= 9 && f[PHONE].size <= 16, "phone '%.*s'", (int)f[PHONE].size,
                  f[PHONE].data);
        cr_assert(all_digits(f[PHONE].data + 1, f[PHONE].size - 1));
        for (size_t i = 0; i < sizeof calling_codes / sizeof calling_codes[0]; i++) {
            if (!field_is(&f[COUNTRY], calling_codes[i].country)) continue;
            size_t size = strlen(calling_codes[i].prefix);
            cr_assert(memcmp(f[PHONE].data, calling_codes[i].prefix, size) == 0,
                      "phone '%.*s' in %s", (int)f[PHONE].size, f[PHONE].data,
                      calling_codes[i].country);
        }
    }

    for (int column = FIRST_NAME; column <= LAST_NAME; column++) {
        if (field_is_null(&f[column])) continue;
        check_string(&f[column]);
        for (uint32_t i = 0; i < f[column].size; i++)
            if ((unsigned char)f[column].data[i] >= 0x80) {
                validity->non_ascii_names++;
                break;
            }
    }
    for (int column = 0; column < COLUMN_COUNT; column++)
        validity->quoted_fields += f[column].is_quoted && f[column].size > 0;

    cr_assert_eq(f[COUNTRY].size, 2);
    cr_assert(f[COUNTRY].data[0] >= 'A' && f[COUNTRY].data[0] <= 'Z');
    cr_assert(f[COUNTRY].data[1] >= 'A' && f[COUNTRY].data[1] <= 'Z');
    if (!field_is_null(&f[CITY])) check_string(&f[CITY]);
    cr_assert(field_is_null(&f[GENDER]) || field_is(&f[GENDER], "f") || field_is(&f[GENDER], "m") ||
              field_is(&f[GENDER], "x"));

    /* birth_year and age: both NULL or age = year(now) - birth_year in 18..90. */
    cr_assert_eq(field_is_null(&f[BIRTH_YEAR]), field_is_null(&f[AGE]));
    if (!field_is_null(&f[BIRTH_YEAR])) {
        int64_t birth_year = int_of(&f[BIRTH_YEAR]);
        int64_t age = int_of(&f[AGE]);
        cr_assert_eq(age, validity->now_year - birth_year);
        cr_assert(age >= 18 && age <= 90, "age %lld", (long long)age);
    }

    /* signup within the last 8 years, last seen between signup and now. */
    int64_t signup_s = timestamp_of(&f[SIGNUP_AT]);
    cr_assert(signup_s < validity->now_s);
    cr_assert(signup_s >= validity->now_s - (int64_t)(8 * 366) * DAY_S);
    if (!field_is_null(&f[LAST_SEEN_AT])) {
        int64_t last_seen_s = timestamp_of(&f[LAST_SEEN_AT]);
        cr_assert(last_seen_s >= signup_s && last_seen_s <= validity->now_s);
    }

    bool tier_ok = false;
    for (int i = 0; i < 5; i++)
        tier_ok = tier_ok || field_is(&f[LOYALTY_TIER], tier_names[i]);
    cr_assert(tier_ok, "tier '%.*s'", (int)f[LOYALTY_TIER].size, f[LOYALTY_TIER].data);

    /* total_spend: digits "." two digits; 0.00 exactly when there are no orders. */
    const struct csv_field *spend = &f[TOTAL_SPEND];
    cr_assert(spend->size >= 4 && spend->data[spend->size - 3] == '.');
    cr_assert(all_digits(spend->data, spend->size - 3) &&
              all_digits(spend->data + spend->size - 2, 2));
    double spend_value = -1;
    cr_assert_null(value_parse_float(spend->data, spend->size, &spend_value));
    cr_assert(all_digits(f[ORDER_COUNT].data, f[ORDER_COUNT].size));
    int64_t orders = int_of(&f[ORDER_COUNT]);
    cr_assert_eq(orders == 0, field_is(spend, "0.00"));
    cr_assert(orders == 0 || spend_value >= (double)orders); /* at least 1.00 per order */

    /* interests: NULL, "" (the empty set) or 1..5 distinct known tags. */
    const struct csv_field *interests = &f[INTERESTS];
    if (interests->is_quoted) cr_assert_eq(interests->size, 0);
    if (interests->size > 0) {
        const char *tags[8];
        uint32_t sizes[8];
        uint32_t count = 0;
        cr_assert_null(value_split_tags(interests->data, interests->size, tags, sizes, 8, &count));
        cr_assert(count >= 1 && count <= 5);
        uint32_t seen = 0;
        for (uint32_t i = 0; i < count; i++) {
            int index = interest_index(tags[i], sizes[i]);
            cr_assert_geq(index, 0, "unknown interest '%.*s'", (int)sizes[i], tags[i]);
            cr_assert_eq(seen & (1u << index), 0, "duplicate interest");
            seen |= 1u << index;
        }
    }

    int consent_email = bool_of(&f[CONSENT_EMAIL]);
    int consent_sms = bool_of(&f[CONSENT_SMS]);
    bool_of(&f[CONSENT_ADS]);
    bool_of(&f[CONSENT_ANALYTICS]);
    cr_assert_neq(bool_of(&f[IS_VIP]), -1);
    if (field_is_null(&f[EMAIL])) cr_assert_neq(consent_email, 1);
    if (field_is_null(&f[PHONE])) cr_assert_neq(consent_sms, 1);
}

Test(retail_gen, every_value_is_valid_for_its_type, .timeout = 60)
{
    struct output output = generate(STATS_ROWS, 42, 0);
    struct validity validity = {.now_s = RETAIL_GEN_DEFAULT_NOW, .now_year = 2026};
    cr_assert_eq(rows_read(&output, check_row, &validity), STATS_ROWS);
    /* Quoting matters: names and cities with commas are written quoted. */
    cr_assert_gt(validity.quoted_fields, 10);
    cr_assert_gt(validity.non_ascii_names, STATS_ROWS / 100);
    free(output.data);
}

Test(retail_gen, now_moves_every_timestamp_and_age)
{
    int64_t now_s = 1577836800; /* 2020-01-01 */
    struct output output = generate_with(3000, 42, 0, now_s);
    struct validity validity = {.now_s = now_s, .now_year = 2020};
    cr_assert_eq(rows_read(&output, check_row, &validity), 3000);
    free(output.data);
}

/* ---- Distributions ------------------------------------------------------------------ */

#define CITY_SLOTS 64

struct stats {
    uint64_t rows;
    uint64_t nulls[COLUMN_COUNT];
    uint64_t empty_interests;
    uint64_t us, gb, de;
    char countries[64][2];
    uint32_t country_count;
    uint64_t gender[3];
    uint64_t tiers[5];
    uint64_t vip_by_tier[5];
    uint64_t zero_orders, orders_up_to_5, max_orders;
    double *spend; /* rows with orders */
    uint64_t spend_count;
    uint64_t signup_first_year, signup_last_year;
    uint64_t recent_30_days, last_seen_known;
    uint64_t age_25_44, age_65_plus;
    uint64_t interest_counts[INTEREST_COUNT];
    uint64_t consent_true[4];
    uint64_t gmail, emails;
    char top_city[64];
    uint64_t us_city_counts[CITY_SLOTS];
    char us_cities[CITY_SLOTS][64];
    uint32_t us_city_count;
    int64_t now_s;
};

static void count_row(const struct csv_field *f, uint64_t row_index, void *context)
{
    (void)row_index;
    struct stats *stats = context;
    stats->rows++;
    for (int i = 0; i < COLUMN_COUNT; i++)
        stats->nulls[i] += field_is_null(&f[i]);
    stats->empty_interests += f[INTERESTS].is_quoted && f[INTERESTS].size == 0;

    stats->us += field_is(&f[COUNTRY], "US");
    stats->gb += field_is(&f[COUNTRY], "GB");
    stats->de += field_is(&f[COUNTRY], "DE");
    bool known = false;
    for (uint32_t i = 0; i < stats->country_count; i++)
        known = known || memcmp(stats->countries[i], f[COUNTRY].data, 2) == 0;
    if (!known && stats->country_count < 64)
        memcpy(stats->countries[stats->country_count++], f[COUNTRY].data, 2);

    if (field_is(&f[COUNTRY], "US") && !field_is_null(&f[CITY])) {
        uint32_t slot = 0;
        while (slot < stats->us_city_count &&
               !(strlen(stats->us_cities[slot]) == f[CITY].size &&
                 memcmp(stats->us_cities[slot], f[CITY].data, f[CITY].size) == 0))
            slot++;
        if (slot == stats->us_city_count && slot < CITY_SLOTS) {
            memcpy(stats->us_cities[slot], f[CITY].data, f[CITY].size);
            stats->us_city_count++;
        }
        if (slot < CITY_SLOTS) stats->us_city_counts[slot]++;
    }

    if (field_is(&f[GENDER], "f")) stats->gender[0]++;
    if (field_is(&f[GENDER], "m")) stats->gender[1]++;
    if (field_is(&f[GENDER], "x")) stats->gender[2]++;

    for (int i = 0; i < 5; i++) {
        if (!field_is(&f[LOYALTY_TIER], tier_names[i])) continue;
        stats->tiers[i]++;
        stats->vip_by_tier[i] += field_is(&f[IS_VIP], "true");
    }

    int64_t orders = int_of(&f[ORDER_COUNT]);
    stats->zero_orders += orders == 0;
    stats->orders_up_to_5 += orders <= 5;
    if ((uint64_t)orders > stats->max_orders) stats->max_orders = (uint64_t)orders;
    if (orders > 0) {
        double spend = 0;
        value_parse_float(f[TOTAL_SPEND].data, f[TOTAL_SPEND].size, &spend);
        stats->spend[stats->spend_count++] = spend;
    }

    int64_t signup_s = timestamp_of(&f[SIGNUP_AT]);
    int64_t years_ago = (stats->now_s - signup_s) / (365 * DAY_S);
    stats->signup_last_year += years_ago == 0;
    stats->signup_first_year += years_ago == 7;
    if (!field_is_null(&f[LAST_SEEN_AT])) {
        stats->last_seen_known++;
        stats->recent_30_days += stats->now_s - timestamp_of(&f[LAST_SEEN_AT]) <= 30 * DAY_S;
    }
    if (!field_is_null(&f[AGE])) {
        int64_t age = int_of(&f[AGE]);
        stats->age_25_44 += age >= 25 && age <= 44;
        stats->age_65_plus += age >= 65;
    }
    if (f[INTERESTS].size > 0) {
        const char *tags[8];
        uint32_t sizes[8];
        uint32_t count = 0;
        value_split_tags(f[INTERESTS].data, f[INTERESTS].size, tags, sizes, 8, &count);
        for (uint32_t i = 0; i < count; i++)
            stats->interest_counts[interest_index(tags[i], sizes[i])]++;
    }
    for (int i = 0; i < 4; i++)
        stats->consent_true[i] += field_is(&f[CONSENT_EMAIL + i], "true");
    if (!field_is_null(&f[EMAIL])) {
        stats->emails++;
        static const char gmail[] = "@gmail.com";
        size_t size = sizeof gmail - 1;
        stats->gmail +=
            f[EMAIL].size > size && memcmp(f[EMAIL].data + f[EMAIL].size - size, gmail, size) == 0;
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void assert_share(uint64_t count, uint64_t total, double low, double high, const char *what)
{
    double share = (double)count / (double)total;
    cr_assert(share >= low && share <= high, "%s: %.4f not in [%.3f, %.3f]", what, share, low,
              high);
}

Test(retail_gen, null_rates_and_skews_are_realistic, .timeout = 60)
{
    struct output output = generate(STATS_ROWS, 42, 0);
    struct stats *stats = calloc(1, sizeof *stats);
    stats->spend = calloc(STATS_ROWS, sizeof *stats->spend);
    stats->now_s = RETAIL_GEN_DEFAULT_NOW;
    cr_assert_eq(rows_read(&output, count_row, stats), STATS_ROWS);
    uint64_t n = stats->rows;

    /* Null rates. */
    assert_share(stats->nulls[CUSTOMER_ID], n, 0, 0, "customer_id null");
    assert_share(stats->nulls[EMAIL], n, 0.02, 0.04, "email null");
    assert_share(stats->nulls[PHONE], n, 0.25, 0.35, "phone null");
    assert_share(stats->nulls[CITY], n, 0.04, 0.06, "city null");
    assert_share(stats->nulls[GENDER], n, 0.08, 0.12, "gender null");
    assert_share(stats->nulls[BIRTH_YEAR], n, 0.10, 0.14, "birth_year null");
    assert_share(stats->nulls[LAST_SEEN_AT], n, 0.01, 0.03, "last_seen_at null");
    assert_share(stats->nulls[INTERESTS], n, 0.17, 0.23, "interests null");
    assert_share(stats->empty_interests, n, 0.035, 0.065, "interests empty");
    for (int i = CONSENT_EMAIL; i <= CONSENT_ANALYTICS; i++)
        assert_share(stats->nulls[i], n, 0.04, 0.06, column_names[i]);
    for (int i = COUNTRY; i <= COUNTRY; i++)
        assert_share(stats->nulls[i], n, 0, 0, "country");
    assert_share(stats->nulls[LOYALTY_TIER] + stats->nulls[TOTAL_SPEND] +
                     stats->nulls[ORDER_COUNT] + stats->nulls[SIGNUP_AT] + stats->nulls[IS_VIP],
                 n, 0, 0, "never-null columns");

    /* Country skew: US dominant, a long tail. */
    assert_share(stats->us, n, 0.30, 0.50, "US share");
    assert_share(stats->gb, n, 0.05, 0.13, "GB share");
    assert_share(stats->de, n, 0.04, 0.12, "DE share");
    cr_assert_geq(stats->country_count, 35);

    /* Cities: Zipf-like within the US. */
    uint64_t top = 0, us_with_city = 0;
    for (uint32_t i = 0; i < stats->us_city_count; i++) {
        us_with_city += stats->us_city_counts[i];
        if (stats->us_city_counts[i] > top) top = stats->us_city_counts[i];
    }
    assert_share(top, us_with_city, 0.08, 0.30, "top US city share");
    cr_assert_geq(stats->us_city_count, 20);

    /* Gender among known values. */
    uint64_t genders = stats->gender[0] + stats->gender[1] + stats->gender[2];
    assert_share(stats->gender[0], genders, 0.45, 0.56, "female");
    assert_share(stats->gender[2], genders, 0.005, 0.03, "x");

    /* Tiers: a pyramid; VIP follows the tier. */
    for (int i = 1; i < 5; i++)
        cr_assert_gt(stats->tiers[i - 1], stats->tiers[i], "tier %d", i);
    assert_share(stats->tiers[0], n, 0.40, 0.60, "tier none");
    assert_share(stats->tiers[4], n, 0.01, 0.06, "tier platinum");
    assert_share(stats->vip_by_tier[4], stats->tiers[4], 0.4, 0.9, "vip among platinum");
    assert_share(stats->vip_by_tier[0], stats->tiers[0], 0, 0.01, "vip among none");

    /* Orders mostly 0-5 with a heavy tail; spend long-tailed. */
    assert_share(stats->zero_orders, n, 0.15, 0.30, "no orders");
    assert_share(stats->orders_up_to_5, n, 0.85, 0.98, "orders <= 5");
    cr_assert_geq(stats->max_orders, 30);
    qsort(stats->spend, stats->spend_count, sizeof *stats->spend, compare_doubles);
    double median = stats->spend[stats->spend_count / 2];
    double p99 = stats->spend[stats->spend_count * 99 / 100];
    cr_assert(median >= 20 && median <= 150, "median spend %.2f", median);
    cr_assert_gt(p99, 5 * median, "p99 %.2f median %.2f", p99, median);

    /* Sign-ups grow over time; activity is recent; ages skew young-middle. */
    cr_assert_gt(stats->signup_last_year, 2 * stats->signup_first_year);
    assert_share(stats->recent_30_days, stats->last_seen_known, 0.3, 0.8, "seen in 30 days");
    cr_assert_gt(stats->age_25_44, 4 * stats->age_65_plus);

    /* Interests: skewed popularity. */
    uint64_t most = 0, least = UINT64_MAX;
    for (size_t i = 0; i < INTEREST_COUNT; i++) {
        if (stats->interest_counts[i] > most) most = stats->interest_counts[i];
        if (stats->interest_counts[i] < least) least = stats->interest_counts[i];
    }
    cr_assert_gt(least, 0);
    cr_assert_gt(most, 3 * least);

    /* Consent rates differ: analytics > email > ads > sms. */
    cr_assert_gt(stats->consent_true[3], stats->consent_true[0]);
    cr_assert_gt(stats->consent_true[0], stats->consent_true[2]);
    cr_assert_gt(stats->consent_true[2], stats->consent_true[1]);

    assert_share(stats->gmail, stats->emails, 0.25, 0.50, "gmail share");

    free(stats->spend);
    free(stats);
    free(output.data);
}

/* ---- Uniqueness --------------------------------------------------------------------- */

struct identifiers {
    char **ids;
    char **emails;
    uint64_t id_count, email_count;
};

static void collect_identifiers(const struct csv_field *f, uint64_t row_index, void *context)
{
    (void)row_index;
    struct identifiers *identifiers = context;
    identifiers->ids[identifiers->id_count++] = strndup(f[CUSTOMER_ID].data, f[CUSTOMER_ID].size);
    if (!field_is_null(&f[EMAIL]))
        identifiers->emails[identifiers->email_count++] = strndup(f[EMAIL].data, f[EMAIL].size);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void assert_unique(char **values, uint64_t count, const char *what)
{
    qsort(values, count, sizeof *values, compare_strings);
    for (uint64_t i = 1; i < count; i++)
        cr_assert_str_neq(values[i - 1], values[i], "duplicate %s", what);
    for (uint64_t i = 0; i < count; i++)
        free(values[i]);
}

Test(retail_gen, customer_ids_and_emails_are_unique, .timeout = 60)
{
    struct output output = generate(STATS_ROWS, 42, 0);
    struct identifiers identifiers = {
        .ids = calloc(STATS_ROWS, sizeof(char *)),
        .emails = calloc(STATS_ROWS, sizeof(char *)),
    };
    rows_read(&output, collect_identifiers, &identifiers);
    cr_assert_eq(identifiers.id_count, STATS_ROWS);
    cr_assert_gt(identifiers.email_count, STATS_ROWS * 9 / 10);
    assert_unique(identifiers.ids, identifiers.id_count, "customer_id");
    assert_unique(identifiers.emails, identifiers.email_count, "email");
    free(identifiers.ids);
    free(identifiers.emails);
    free(output.data);
}

/* ---- Schema ------------------------------------------------------------------------- */

/* datasets/<name> in the source tree, found from this file's path. */
static void source_path(char *out, size_t size, const char *name)
{
    const char *self = __FILE__;
    const char *tail = strstr(self, "tests/datasets/");
    int prefix = tail != NULL ? (int)(tail - self) : 0;
    snprintf(out, size, "%.*sdatasets/%s", prefix, self, name);
}

Test(retail_gen, schema_file_matches_and_parses)
{
    char path[4096];
    source_path(path, sizeof path, "retail.schema");
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s: %s", path, strerror(errno));
    static char contents[8192];
    size_t size = fread(contents, 1, sizeof contents - 1, file);
    fclose(file);
    contents[size] = '\0';
    cr_assert_str_eq(contents, retail_gen_schema_text());

    struct schema schema = {0};
    struct pdb_error error = {0};
    const char *text = retail_gen_schema_text();
    cr_assert_eq(schema_parse(text, strlen(text), "retail.schema", &schema, &error), PDB_OK, "%s",
                 error.message);
    cr_assert_eq(schema.attribute_count, COLUMN_COUNT);
    static const struct {
        enum pdb_type type;
        uint32_t flags;
    } expected[COLUMN_COUNT] = {
        {PDB_TYPE_TEXT, PDB_FLAG_IDENTIFIER | PDB_FLAG_PRIMARY},
        {PDB_TYPE_TEXT, PDB_FLAG_IDENTIFIER | PDB_FLAG_PII},
        {PDB_TYPE_TEXT, PDB_FLAG_IDENTIFIER | PDB_FLAG_PII},
        {PDB_TYPE_TEXT, PDB_FLAG_PII},
        {PDB_TYPE_TEXT, PDB_FLAG_PII},
        {PDB_TYPE_CATEGORY, PDB_FLAG_INDEXED},
        {PDB_TYPE_CATEGORY, PDB_FLAG_INDEXED},
        {PDB_TYPE_CATEGORY, 0},
        {PDB_TYPE_INT, 0},
        {PDB_TYPE_INT, 0},
        {PDB_TYPE_TIMESTAMP, 0},
        {PDB_TYPE_TIMESTAMP, 0},
        {PDB_TYPE_CATEGORY, PDB_FLAG_INDEXED},
        {PDB_TYPE_FLOAT, 0},
        {PDB_TYPE_INT, 0},
        {PDB_TYPE_TAGS, PDB_FLAG_INDEXED},
        {PDB_TYPE_BOOL, 0},
        {PDB_TYPE_BOOL, 0},
        {PDB_TYPE_BOOL, 0},
        {PDB_TYPE_BOOL, 0},
        {PDB_TYPE_BOOL, 0},
    };
    for (int i = 0; i < COLUMN_COUNT; i++) {
        cr_assert_str_eq(schema.attributes[i].name, column_names[i]);
        cr_assert_eq(schema.attributes[i].type, expected[i].type, "%s", column_names[i]);
        cr_assert_eq(schema.attributes[i].flags, expected[i].flags, "%s", column_names[i]);
    }
    schema_deinit(&schema);
}

Test(retail_gen, sample_file_is_seed_42)
{
    char path[4096];
    source_path(path, sizeof path, "sample_profiles.csv");
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s: %s", path, strerror(errno));
    struct output expected = generate(1000, 42, 0);
    char *contents = malloc(expected.size + 1);
    size_t size = fread(contents, 1, expected.size + 1, file);
    fclose(file);
    cr_assert_eq(size, expected.size);
    cr_assert(memcmp(contents, expected.data, size) == 0);
    free(contents);
    free(expected.data);
}

/* ---- Files and errors --------------------------------------------------------------- */

static char *read_file(const char *path, size_t *size_out)
{
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s: %s", path, strerror(errno));
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = malloc((size_t)size + 1);
    cr_assert_eq(fread(data, 1, (size_t)size, file), (size_t)size);
    data[size] = '\0';
    fclose(file);
    *size_out = (size_t)size;
    return data;
}

struct progress_log {
    uint64_t calls, last_rows, last_bytes;
};

static void record_progress(uint64_t rows, uint64_t bytes, void *context)
{
    struct progress_log *log = context;
    cr_assert_geq(rows, log->last_rows);
    log->calls++;
    log->last_rows = rows;
    log->last_bytes = bytes;
}

Test(retail_gen, write_creates_the_directory_and_both_files)
{
    char root[] = "/tmp/test_retail_gen_XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/a/b", root);

    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = 5000;
    options.events_per_profile = 0; /* the events have their own tests (test_retail_events.c) */
    struct progress_log log = {0};
    options.on_progress = record_progress;
    options.progress_context = &log;
    struct pdb_error error = {0};
    cr_assert_eq(retail_gen_write(dir, &options, &error), PDB_OK, "%s", error.message);

    size_t size = 0;
    snprintf(path, sizeof path, "%s/retail.schema", dir);
    char *schema = read_file(path, &size);
    cr_assert_str_eq(schema, retail_gen_schema_text());
    free(schema);
    unlink(path);

    snprintf(path, sizeof path, "%s/profiles.csv", dir);
    char *csv = read_file(path, &size);
    struct output expected = generate(5000, 42, 1);
    cr_assert_eq(size, expected.size);
    cr_assert(memcmp(csv, expected.data, size) == 0);
    cr_assert_eq(log.last_rows, 5000);
    cr_assert_eq(log.last_bytes, size);
    cr_assert_geq(log.calls, 2);
    free(csv);
    free(expected.data);
    unlink(path);

    /* Writing again into the existing directory works too. */
    log = (struct progress_log){0};
    cr_assert_eq(retail_gen_write(dir, &options, &error), PDB_OK, "%s", error.message);
    unlink(path);
    snprintf(path, sizeof path, "%s/retail.schema", dir);
    unlink(path);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/a", root);
    rmdir(dir);
    rmdir(root);
}

Test(retail_gen, unwritable_directory_is_an_io_error_naming_the_path)
{
    char root[] = "/tmp/test_retail_gen_XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    char file_path[256], dir[300];
    snprintf(file_path, sizeof file_path, "%s/plain_file", root);
    FILE *file = fopen(file_path, "w");
    cr_assert_not_null(file);
    fclose(file);
    snprintf(dir, sizeof dir, "%s/sub", file_path);

    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = 10;
    struct pdb_error error = {0};
    cr_assert_eq(retail_gen_write(dir, &options, &error), PDB_ERR_IO);
    cr_assert_not_null(strstr(error.message, dir), "message: %s", error.message);
    cr_assert_not_null(strstr(error.message, "Not a directory"), "message: %s", error.message);

    /* The output directory itself is a regular file. */
    cr_assert_eq(retail_gen_write(file_path, &options, &error), PDB_ERR_IO);
    cr_assert_not_null(strstr(error.message, file_path), "message: %s", error.message);

    unlink(file_path);
    rmdir(root);
}

Test(retail_gen, full_disk_is_an_io_error)
{
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL) cr_skip_test("no /dev/full");
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = 3 * RETAIL_GEN_BLOCK_ROWS;
    options.thread_count = 2;
    struct pdb_error error = {0};
    cr_assert_eq(retail_gen_write_csv(full, &options, &error), PDB_ERR_IO);
    cr_assert_not_null(strstr(error.message, "No space left on device"), "message: %s",
                       error.message);
    fclose(full);

    /* Small output only fails at the final flush. */
    full = fopen("/dev/full", "w");
    options.profile_count = 1;
    options.thread_count = 1;
    cr_assert_eq(retail_gen_write_csv(full, &options, &error), PDB_ERR_IO);
    fclose(full);
}

Test(retail_gen, now_out_of_range_is_a_usage_error)
{
    struct retail_gen_options options;
    retail_gen_options_init(&options);
    options.profile_count = 1;
    struct pdb_error error = {0};
    options.now_s = RETAIL_GEN_NOW_MIN - 1;
    cr_assert_eq(retail_gen_write_csv(stdout, &options, &error), PDB_ERR_USAGE);
    options.now_s = RETAIL_GEN_NOW_MAX + 1;
    cr_assert_eq(retail_gen_write_csv(stdout, &options, &error), PDB_ERR_USAGE);
    cr_assert_eq(retail_gen_write("/tmp/never_created_retail_gen", &options, &error),
                 PDB_ERR_USAGE);
    struct stat info;
    cr_assert_neq(stat("/tmp/never_created_retail_gen", &info), 0);

    /* The boundaries themselves are accepted; 0 means the default. */
    struct output at_min = generate_with(10, 1, 1, RETAIL_GEN_NOW_MIN);
    struct output at_max = generate_with(10, 1, 1, RETAIL_GEN_NOW_MAX);
    struct output zero = generate_with(10, 1, 1, 0);
    struct output default_now = generate_with(10, 1, 1, RETAIL_GEN_DEFAULT_NOW);
    cr_assert_eq(zero.size, default_now.size);
    cr_assert(memcmp(zero.data, default_now.data, zero.size) == 0);
    free(at_min.data);
    free(at_max.data);
    free(zero.data);
    free(default_now.data);
}
