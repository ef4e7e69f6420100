/*
 * One retail profile as one CSV row: the draws (who the customer is, how engaged, what they
 * bought, what they consented to) and the hand-rolled formatting of every field.
 *
 * A row is a pure function of (seed, now, row index): it seeds its own PRNG stream and
 * reads only the constant tables, so rows can be produced in any order on any thread. The
 * hot path never allocates and never calls printf; numbers, timestamps and money are
 * formatted with small digit loops. Distributions are documented in datasets/README.md;
 * the constants below are the single source of truth for them.
 *
 * Column order (the CSV header of retail_gen.c): customer_id email phone first_name
 * last_name country city gender birth_year age signup_at last_seen_at loyalty_tier
 * total_spend order_count interests consent_email consent_sms consent_ads consent_analytics
 * is_vip.
 */
#include "retail_gen_internal.h"
#include "retail_format.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/* Null rates, per mille. */
#define EMAIL_NULL_PER_MILLE 30
#define PHONE_NULL_PER_MILLE 300
#define FIRST_NAME_NULL_PER_MILLE 10
#define LAST_NAME_NULL_PER_MILLE 15
#define CITY_NULL_PER_MILLE 50
#define GENDER_NULL_PER_MILLE 100
#define BIRTH_YEAR_NULL_PER_MILLE 120
#define LAST_SEEN_NULL_PER_MILLE 20
#define INTERESTS_NULL_PER_MILLE 200
#define INTERESTS_EMPTY_PER_MILLE 50
#define CONSENT_NULL_PER_MILLE 50

/* Names: share drawn from a random region whatever the country (migration, mixed names). */
#define NAME_ANY_REGION_PER_MILLE 30
/* E-mail: share on a country's local provider when it has one. */
#define EMAIL_LOCAL_DOMAIN_PER_MILLE 300

#define SECONDS_PER_DAY 86400
/* Sign-ups cover the last 8 years, with a rate growing 5x from the first to the last day. */
#define SIGNUP_SPAN_S ((int64_t)(8 * 365.2425 * SECONDS_PER_DAY))
#define SIGNUP_GROWTH 5.0
/* Nobody signed up in the last minute before now. */
#define SIGNUP_LATEST_S 60

static const struct {
    uint8_t age_min, age_max;
    uint16_t weight; /* per mille of known ages */
} age_bands[] = {
    {18, 24, 140}, {25, 34, 260}, {35, 44, 230}, {45, 54, 170},
    {55, 64, 120}, {65, 74, 60},  {75, 90, 20},
};

/* Tag counts 1..5 of non-empty interest sets, per mille. */
static const uint16_t interest_count_weights[5] = {300, 280, 200, 130, 90};

/* Consent: chance of true among non-null values, per mille. */
#define CONSENT_EMAIL_TRUE_PER_MILLE 620
#define CONSENT_SMS_TRUE_PER_MILLE 280
#define CONSENT_ADS_TRUE_PER_MILLE 450
#define CONSENT_ANALYTICS_TRUE_PER_MILLE 740

enum tier { TIER_NONE, TIER_BRONZE, TIER_SILVER, TIER_GOLD, TIER_PLATINUM };
/* clang-format off */
static const struct {
    const char *name;
    uint8_t size;
    double score_min; /* the tier score is ~N(0, 1); thresholds give 50/25/14/8/3 % */
    uint16_t vip_per_mille;
} tiers[] = {
    [TIER_NONE] = {"none", 4, -INFINITY, 1},
    [TIER_BRONZE] = {"bronze", 6, 0.0, 5},
    [TIER_SILVER] = {"silver", 6, 0.6745, 40},
    [TIER_GOLD] = {"gold", 4, 1.2265, 200},
    [TIER_PLATINUM] = {"platinum", 8, 1.8808, 650},
};
/* clang-format on */

static const char gender_codes[3] = {'f', 'm', 'x'};

/* The e-mail local part before the number: first.last, jsmith, ... */
enum email_pattern {
    EMAIL_FIRST_DOT_LAST,
    EMAIL_FIRST_LAST,
    EMAIL_INITIAL_LAST,
    EMAIL_FIRST_UNDERSCORE_LAST,
    EMAIL_FIRST,
    EMAIL_LAST_DOT_FIRST,
    EMAIL_FIRST_INITIAL,
    EMAIL_LAST,
};
static const uint16_t email_pattern_weights[] = {300, 140, 140, 80, 100, 60, 80, 100};

/* ---- Formatting (the digit helpers are in retail_format.h) ---------------------- */

static char *put_entry(char *out, const struct retail_entry *entry)
{
    if (!entry->needs_quotes) return put_bytes(out, entry->text, entry->size);
    *out++ = '"';
    for (size_t i = 0; i < entry->size; i++) {
        if (entry->text[i] == '"') *out++ = '"';
        *out++ = entry->text[i];
    }
    *out++ = '"';
    return out;
}

int64_t retail_year_of(int64_t seconds)
{
    int64_t year;
    unsigned month, day;
    civil_from_days(floor_div(seconds, SECONDS_PER_DAY), &year, &month, &day);
    return year;
}

static char *put_bool(char *out, int value)
{
    if (value < 0) return out; /* NULL */
    return value ? put_bytes(out, "true", 4) : put_bytes(out, "false", 5);
}

/* ---- Draws -------------------------------------------------------------------------- */

static double rng_normal(struct retail_rng *rng)
{
    return retail_rng_normal(rng);
}

/* -1 (NULL), 0 or 1. */
static int draw_consent(struct retail_rng *rng, uint32_t true_per_mille)
{
    if (retail_rng_chance(rng, CONSENT_NULL_PER_MILLE)) return -1;
    return retail_rng_chance(rng, true_per_mille);
}

static uint32_t draw_weighted(struct retail_rng *rng, const uint16_t *weights, uint32_t count)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < count; i++)
        total += weights[i];
    uint32_t target = retail_rng_below(rng, total);
    for (uint32_t i = 0; i < count; i++) {
        if (target < weights[i]) return i;
        target -= weights[i];
    }
    return count - 1;
}

void retail_row_context_init(struct retail_row_context *context, uint64_t seed, int64_t now_s)
{
    context->tables = retail_tables_get();
    context->seed = seed;
    context->now_s = now_s;
    context->now_year = retail_year_of(now_s);
}

/* Every value of one row, drawn before anything is written. */
struct row {
    const struct retail_country *country;
    const struct retail_entry *first_name, *last_name, *city, *domain;
    enum retail_gender gender;
    bool has_gender, has_first_name, has_last_name, has_email, has_phone, has_last_seen;
    enum email_pattern email_pattern;
    const struct retail_entry *phone_prefix;
    int64_t birth_year; /* 0 = NULL */
    int64_t signup_s, last_seen_s;
    enum tier tier;
    double engagement; /* the latent score behind tier and orders, ~N(0, 1) */
    uint64_t order_count, spend_cents;
    int interest_state; /* -1 NULL, 0 empty set, 1 tags */
    uint32_t interest_mask;
    int consent_email, consent_sms, consent_ads, consent_analytics;
    bool is_vip;
};

static void row_draw(const struct retail_row_context *context, struct retail_rng *rng,
                     struct row *row)
{
    const struct retail_tables *tables = context->tables;

    /* Where they live and where their name comes from. */
    row->country = &tables->countries[retail_list_pick(&tables->country_pick, rng)];
    enum retail_region region = row->country->primary_region;
    uint32_t origin = retail_rng_below(rng, 1000);
    if (origin < NAME_ANY_REGION_PER_MILLE) {
        region = (enum retail_region)retail_rng_below(rng, RETAIL_REGION_COUNT);
    } else if (origin < NAME_ANY_REGION_PER_MILLE + row->country->secondary_per_mille) {
        region = row->country->secondary_region;
    }
    const struct retail_names *names = &tables->regions[region];

    /* Gender: f 50.5%, m 48%, x 1.5% (before the 10% who did not say). */
    uint32_t gender_draw = retail_rng_below(rng, 1000);
    row->gender = gender_draw < 505   ? RETAIL_GENDER_FEMALE
                  : gender_draw < 985 ? RETAIL_GENDER_MALE
                                      : RETAIL_GENDER_OTHER;
    row->has_gender = !retail_rng_chance(rng, GENDER_NULL_PER_MILLE);
    bool female_name = row->gender == RETAIL_GENDER_FEMALE ||
                       (row->gender == RETAIL_GENDER_OTHER && retail_rng_chance(rng, 500));
    const struct retail_list *first_names = female_name ? &names->female : &names->male;
    row->first_name = &first_names->entries[retail_list_pick(first_names, rng)];
    row->last_name = &names->last.entries[retail_list_pick(&names->last, rng)];
    row->has_first_name = !retail_rng_chance(rng, FIRST_NAME_NULL_PER_MILLE);
    row->has_last_name = !retail_rng_chance(rng, LAST_NAME_NULL_PER_MILLE);

    /* Age. */
    uint16_t band_weights[sizeof age_bands / sizeof age_bands[0]];
    for (size_t i = 0; i < sizeof age_bands / sizeof age_bands[0]; i++)
        band_weights[i] = age_bands[i].weight;
    uint32_t band = draw_weighted(rng, band_weights, sizeof age_bands / sizeof age_bands[0]);
    uint32_t age = age_bands[band].age_min +
                   retail_rng_below(rng, age_bands[band].age_max - age_bands[band].age_min + 1u);
    row->birth_year =
        retail_rng_chance(rng, BIRTH_YEAR_NULL_PER_MILLE) ? 0 : context->now_year - (int64_t)age;

    /* Sign-up: density growing exponentially over the span (inverse CDF). */
    double position = log1p((SIGNUP_GROWTH - 1.0) * retail_rng_unit(rng)) / log(SIGNUP_GROWTH);
    row->signup_s = context->now_s - SIGNUP_SPAN_S + (int64_t)(position * (double)SIGNUP_SPAN_S);
    if (row->signup_s > context->now_s - SIGNUP_LATEST_S)
        row->signup_s = context->now_s - SIGNUP_LATEST_S;
    int64_t tenure_s = context->now_s - row->signup_s;
    double tenure_years = (double)tenure_s / (365.2425 * SECONDS_PER_DAY);

    /* Engagement drives tier, orders and spend; each adds its own noise. */
    double engagement = rng_normal(rng);
    row->engagement = engagement;
    double tier_score = 0.92 * engagement + 0.39 * rng_normal(rng);
    double order_score = 0.8 * engagement + 0.6 * rng_normal(rng);
    double order_noise = rng_normal(rng);
    double basket_noise = rng_normal(rng);
    row->order_count = 0;
    row->spend_cents = 0;
    if (order_score >= -0.8) {
        double raw = exp(0.1 + 0.95 * order_score + 0.5 * order_noise);
        double tenure_factor = tenure_years >= 1.0 ? 1.0 : sqrt(tenure_years);
        row->order_count = 1 + (uint64_t)(raw * tenure_factor);
        double basket = exp(log(45.0) + 0.5 * basket_noise);
        double spend = (double)row->order_count * basket;
        uint64_t cents = (uint64_t)llround(spend * 100.0);
        row->spend_cents = cents < 100 * row->order_count ? 100 * row->order_count : cents;
    }
    row->tier = TIER_NONE;
    for (int tier = TIER_PLATINUM; tier > TIER_NONE; tier--) {
        if (tier_score >= tiers[tier].score_min) {
            row->tier = (enum tier)tier;
            break;
        }
    }
    if (row->order_count == 0 && row->tier > TIER_BRONZE) row->tier = TIER_BRONZE;
    row->is_vip = retail_rng_chance(rng, tiers[row->tier].vip_per_mille);

    /* Last seen: active customers recently (exponential, mean 12 days), the others at any
     * point of their tenure. */
    uint32_t active_per_mille =
        row->order_count == 0
            ? 250
            : (uint32_t)(row->order_count > 11 ? 900 : 450 + 40 * row->order_count);
    double recency_s;
    if (retail_rng_chance(rng, active_per_mille)) {
        recency_s = -log(1.0 - retail_rng_unit(rng)) * 12.0 * SECONDS_PER_DAY;
    } else {
        recency_s = retail_rng_unit(rng) * (double)tenure_s;
    }
    if (recency_s > (double)tenure_s) recency_s = (double)tenure_s;
    row->last_seen_s = context->now_s - (int64_t)recency_s;
    row->has_last_seen = !retail_rng_chance(rng, LAST_SEEN_NULL_PER_MILLE);

    /* Contact points. */
    row->has_email = !retail_rng_chance(rng, EMAIL_NULL_PER_MILLE);
    row->email_pattern = (enum email_pattern)draw_weighted(
        rng, email_pattern_weights, sizeof email_pattern_weights / sizeof email_pattern_weights[0]);
    const struct retail_list *domains = &tables->global_domains;
    if (row->country->local_domains.count > 0 &&
        retail_rng_chance(rng, EMAIL_LOCAL_DOMAIN_PER_MILLE))
        domains = &row->country->local_domains;
    row->domain = &domains->entries[retail_list_pick(domains, rng)];
    row->has_phone = !retail_rng_chance(rng, PHONE_NULL_PER_MILLE);
    const struct retail_list *prefixes = &row->country->phone_prefixes;
    row->phone_prefix = &prefixes->entries[retail_list_pick(prefixes, rng)];
    /* The phone digits are drawn while writing (see row_put). */

    /* City. */
    const struct retail_list *cities = &row->country->cities;
    row->city = retail_rng_chance(rng, CITY_NULL_PER_MILLE)
                    ? NULL
                    : &cities->entries[retail_list_pick(cities, rng)];

    /* Interests: distinct tags, popularity skewed by gender. */
    uint32_t interest_draw = retail_rng_below(rng, 1000);
    row->interest_mask = 0;
    if (interest_draw < INTERESTS_NULL_PER_MILLE) {
        row->interest_state = -1;
    } else if (interest_draw < INTERESTS_NULL_PER_MILLE + INTERESTS_EMPTY_PER_MILLE) {
        row->interest_state = 0;
    } else {
        row->interest_state = 1;
        uint32_t wanted = 1 + draw_weighted(rng, interest_count_weights, 5);
        const struct retail_list *interests =
            &tables->interests[row->has_gender ? row->gender : RETAIL_GENDER_OTHER];
        uint32_t count = 0;
        for (int attempt = 0; attempt < 32 && count < wanted; attempt++) {
            uint32_t bit = 1u << retail_list_pick(interests, rng);
            if (row->interest_mask & bit) continue;
            row->interest_mask |= bit;
            count++;
        }
    }

    /* Consent: no e-mail (or phone) on file means no e-mail (or SMS) consent. */
    row->consent_email = draw_consent(rng, CONSENT_EMAIL_TRUE_PER_MILLE);
    if (!row->has_email && row->consent_email > 0) row->consent_email = 0;
    row->consent_sms = draw_consent(rng, CONSENT_SMS_TRUE_PER_MILLE);
    if (!row->has_phone && row->consent_sms > 0) row->consent_sms = 0;
    row->consent_ads = draw_consent(rng, CONSENT_ADS_TRUE_PER_MILLE);
    row->consent_analytics = draw_consent(rng, CONSENT_ANALYTICS_TRUE_PER_MILLE);
}

static char *put_email(char *out, const struct row *row, uint64_t row_index)
{
    const struct retail_entry *first = row->first_name, *last = row->last_name;
    switch (row->email_pattern) {
    case EMAIL_FIRST_DOT_LAST:
        out = put_bytes(out, first->email_form, first->email_form_size);
        *out++ = '.';
        out = put_bytes(out, last->email_form, last->email_form_size);
        break;
    case EMAIL_FIRST_LAST:
        out = put_bytes(out, first->email_form, first->email_form_size);
        out = put_bytes(out, last->email_form, last->email_form_size);
        break;
    case EMAIL_INITIAL_LAST:
        *out++ = first->email_form[0];
        out = put_bytes(out, last->email_form, last->email_form_size);
        break;
    case EMAIL_FIRST_UNDERSCORE_LAST:
        out = put_bytes(out, first->email_form, first->email_form_size);
        *out++ = '_';
        out = put_bytes(out, last->email_form, last->email_form_size);
        break;
    case EMAIL_FIRST:
        out = put_bytes(out, first->email_form, first->email_form_size);
        break;
    case EMAIL_LAST_DOT_FIRST:
        out = put_bytes(out, last->email_form, last->email_form_size);
        *out++ = '.';
        out = put_bytes(out, first->email_form, first->email_form_size);
        break;
    case EMAIL_FIRST_INITIAL:
        out = put_bytes(out, first->email_form, first->email_form_size);
        *out++ = last->email_form[0];
        break;
    case EMAIL_LAST:
        out = put_bytes(out, last->email_form, last->email_form_size);
        break;
    }
    /* The local part ends in a letter, so "<letters><row number>" is unique per row. */
    out = put_u64(out, row_index + 1);
    *out++ = '@';
    return put_bytes(out, row->domain->text, row->domain->size);
}

static void facts_from_row(const struct row *row, struct retail_row_facts *facts)
{
    facts->signup_s = row->signup_s;
    facts->last_seen_s = row->last_seen_s;
    facts->engagement = row->engagement;
    facts->order_count = row->order_count;
}

void retail_row_facts_draw(const struct retail_row_context *context, uint64_t row_index,
                           struct retail_row_facts *facts)
{
    struct retail_rng rng;
    retail_rng_seed(&rng, context->seed, row_index);
    struct row row;
    row_draw(context, &rng, &row);
    facts_from_row(&row, facts);
}

size_t retail_row_write(const struct retail_row_context *context, uint64_t row_index, char *out,
                        struct retail_row_facts *facts)
{
    struct retail_rng rng;
    retail_rng_seed(&rng, context->seed, row_index);
    struct row row;
    row_draw(context, &rng, &row);
    if (facts != NULL) facts_from_row(&row, facts);

    char *cursor = out;
    *cursor++ = 'C';
    cursor = put_padded(cursor, row_index + 1, 9);
    *cursor++ = ',';
    if (row.has_email) cursor = put_email(cursor, &row, row_index);
    *cursor++ = ',';
    if (row.has_phone) {
        *cursor++ = '+';
        cursor = put_bytes(cursor, row.country->calling_code, row.country->calling_code_size);
        cursor = put_bytes(cursor, row.phone_prefix->text, row.phone_prefix->size);
        /* First digit 2-9 (no trunk prefixes inside the subscriber number). */
        *cursor++ = (char)('2' + retail_rng_below(&rng, 8));
        for (unsigned i = 1; i < row.country->phone_digits; i++)
            *cursor++ = (char)('0' + retail_rng_below(&rng, 10));
    }
    *cursor++ = ',';
    if (row.has_first_name) cursor = put_entry(cursor, row.first_name);
    *cursor++ = ',';
    if (row.has_last_name) cursor = put_entry(cursor, row.last_name);
    *cursor++ = ',';
    cursor = put_bytes(cursor, row.country->code, 2);
    *cursor++ = ',';
    if (row.city != NULL) cursor = put_entry(cursor, row.city);
    *cursor++ = ',';
    if (row.has_gender) *cursor++ = gender_codes[row.gender];
    *cursor++ = ',';
    if (row.birth_year != 0) {
        cursor = put_u64(cursor, (uint64_t)row.birth_year);
        *cursor++ = ',';
        cursor = put_u64(cursor, (uint64_t)(context->now_year - row.birth_year));
    } else {
        *cursor++ = ',';
    }
    *cursor++ = ',';
    cursor = put_timestamp(cursor, row.signup_s);
    *cursor++ = ',';
    if (row.has_last_seen) cursor = put_timestamp(cursor, row.last_seen_s);
    *cursor++ = ',';
    cursor = put_bytes(cursor, tiers[row.tier].name, tiers[row.tier].size);
    *cursor++ = ',';
    cursor = put_money(cursor, row.spend_cents);
    *cursor++ = ',';
    cursor = put_u64(cursor, row.order_count);
    *cursor++ = ',';
    if (row.interest_state == 0) {
        cursor = put_bytes(cursor, "\"\"", 2);
    } else if (row.interest_state > 0) {
        const struct retail_list *interests = &context->tables->interests[0];
        bool first = true;
        for (uint32_t mask = row.interest_mask; mask != 0; mask &= mask - 1) {
            const struct retail_entry *tag = &interests->entries[__builtin_ctz(mask)];
            if (!first) *cursor++ = '|';
            cursor = put_bytes(cursor, tag->text, tag->size);
            first = false;
        }
    }
    *cursor++ = ',';
    cursor = put_bool(cursor, row.consent_email);
    *cursor++ = ',';
    cursor = put_bool(cursor, row.consent_sms);
    *cursor++ = ',';
    cursor = put_bool(cursor, row.consent_ads);
    *cursor++ = ',';
    cursor = put_bool(cursor, row.consent_analytics);
    *cursor++ = ',';
    cursor = put_bool(cursor, row.is_vip);
    *cursor++ = '\n';

    size_t size = (size_t)(cursor - out);
    assert(size <= RETAIL_ROW_SIZE_MAX);
    return size;
}
