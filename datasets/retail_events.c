/*
 * Behavioural events of one generated profile (retail_events.h; distributions in
 * datasets/README.md, "Events"; the constants below are their single source of truth).
 *
 * Model: a profile's events fall in its window [max(sign-up, now - 730 d), last seen]. Its
 * activity is log-normal (mean 1, heavy tail) and correlated with the profile's engagement;
 * page views and carts are Poisson with a mean proportional to activity x window share,
 * purchases Poisson with a mean proportional to order_count x window share (customers without
 * orders never buy). Both are scaled so that the mean over all profiles is the requested
 * events per profile (the scale comes from a fixed calibration sample, so it does not depend
 * on the seed). Times follow a day table (yearly and weekly seasonality, Black Friday to Cyber
 * Monday, Christmas) and an hour-of-day curve; the last page view is at last_seen_at.
 *
 * Hot path: no allocation, no printf; dates come from a per-day table of "YYYY-MM-DDT".
 */
#include "retail_events.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "retail_format.h"

#define DAY_S RETAIL_SECONDS_PER_DAY
#define SPAN_S ((int64_t)RETAIL_EVENT_SPAN_DAYS * DAY_S)
/* A profile's stream is the row's stream under seed ^ EVENT_SEED_SALT. */
#define EVENT_SEED_SALT 0xE7E47A11C0FFEE01ull
/* The calibration sample: these rows under this seed (whatever the run's seed). */
#define CALIBRATION_SEED 1ull
#define CALIBRATION_ROWS 32768u

/* Activity = exp(SIGMA * (RHO * engagement + sqrt(1 - RHO^2) * noise) - SIGMA^2 / 2). */
#define ACTIVITY_SIGMA 1.1
#define ACTIVITY_RHO 0.6

/* Shares of the events, per mille (sum 1000). */
#define PURCHASE_PER_MILLE 120
#define ADD_TO_CART_PER_MILLE 180
#define PAGE_VIEW_PER_MILLE 700

/* Products: SKU000000..SKU099999, Zipf(1) popularity, one fixed price each. */
#define SKU_COUNT 100000u
#define SKU_STRIDE 7919u /* coprime with SKU_COUNT: popularity rank -> SKU number */
#define SKU_OFFSET 4242u
#define SKU_ZIPF_OFFSET 10.0 /* the most popular SKU is about 1% of product events */
#define SKU_PRICE_MEDIAN_CENTS 1500.0
#define SKU_PRICE_SIGMA 0.9
#define CATALOG_SEED 0xCA7A1060ull

/* Purchases: per-profile basket factor and per-purchase noise (log-normal). */
#define BASKET_PROFILE_SIGMA 0.35
#define BASKET_SIGMA 0.7
#define AMOUNT_MIN_CENTS 100
#define AMOUNT_MAX_CENTS 5000000
#define FAVORITE_CATEGORY_PER_MILLE 450
#define FAVORITE_CHANNEL_PER_MILLE 650

enum season_group { SEASON_BROWSE, SEASON_BUY };

/* clang-format off */
static const struct {
    const char *name;
    uint8_t size;
    uint16_t weight;           /* per mille of purchases (before favorites) */
    uint32_t median_cents;     /* median purchase amount */
} categories[] = {
    {"apparel", 7, 220, 4000},  {"shoes", 5, 130, 6500},   {"electronics", 11, 110, 12000},
    {"beauty", 6, 100, 2500},   {"home", 4, 90, 4500},     {"sports", 6, 80, 5000},
    {"books", 5, 60, 1600},     {"toys", 4, 50, 3000},     {"grocery", 7, 50, 2200},
    {"garden", 6, 40, 3500},    {"pets", 4, 40, 2800},     {"jewelry", 7, 30, 9000},
};
#define CATEGORY_COUNT (sizeof categories / sizeof categories[0])

static const struct {
    const char *name;
    uint8_t size;
    uint16_t weight;
} channels[] = {{"web", 3, 550}, {"app", 3, 330}, {"store", 5, 120}};
#define CHANNEL_COUNT (sizeof channels / sizeof channels[0])

/* Seasonality: month (January first) and weekday (Sunday first) weights, per group. */
static const uint16_t month_weights[2][12] = {
    [SEASON_BROWSE] = {92, 88, 93, 93, 95, 94, 98, 96, 93, 100, 125, 135},
    [SEASON_BUY] = {82, 76, 86, 88, 92, 90, 96, 92, 86, 96, 140, 165},
};
static const uint16_t weekday_weights[2][7] = {
    [SEASON_BROWSE] = {112, 98, 96, 96, 98, 100, 106},
    [SEASON_BUY] = {116, 96, 92, 93, 97, 104, 112},
};
/* Percent multipliers: Thanksgiving to Cyber Monday, Christmas Eve, Christmas, New Year. */
static const uint16_t black_friday_percent[2] = {160, 220};
static const uint16_t christmas_eve_percent[2] = {80, 70};
static const uint16_t christmas_percent[2] = {70, 40};
static const uint16_t new_year_percent[2] = {80, 60};
/* Hour of day (UTC), 0 to 23. */
static const uint16_t hour_weights[24] = {22, 13, 8,  6,  5,  6,  12, 24, 38,  50, 58, 64,
                                          70, 67, 63, 61, 63, 69, 80, 93, 100, 94, 72, 44};
/* clang-format on */

static const char *const type_names[RETAIL_EVENT_TYPE_COUNT] = {
    [RETAIL_EVENT_PURCHASE] = "purchase",
    [RETAIL_EVENT_ADD_TO_CART] = "add_to_cart",
    [RETAIL_EVENT_PAGE_VIEW] = "page_view",
};
static const char *const csv_headers[RETAIL_EVENT_TYPE_COUNT] = {
    [RETAIL_EVENT_PURCHASE] = "customer_id,at,amount,category,channel",
    [RETAIL_EVENT_ADD_TO_CART] = "customer_id,at,sku,price",
    [RETAIL_EVENT_PAGE_VIEW] = "customer_id,at,url",
};

/* ---- The product catalog (fixed, built once) ---------------------------------------- */

static uint32_t sku_price_cents[SKU_COUNT];
static pthread_once_t catalog_once = PTHREAD_ONCE_INIT;

static void catalog_build(void)
{
    for (uint32_t sku = 0; sku < SKU_COUNT; sku++) {
        struct retail_rng rng;
        retail_rng_seed(&rng, CATALOG_SEED, sku);
        double cents = SKU_PRICE_MEDIAN_CENTS * exp(SKU_PRICE_SIGMA * retail_rng_normal(&rng));
        if (cents < 199.0) cents = 199.0;
        if (cents > 999999.0) cents = 999999.0;
        /* Prices end in .99. */
        sku_price_cents[sku] = (uint32_t)cents / 100u * 100u + 99u;
    }
}

/* A SKU number by Zipf-Mandelbrot popularity: rank k from 0 with density ~ 1/(k + OFFSET)
 * (continuous inverse CDF), then scattered over the SKU numbers. */
static uint32_t draw_sku(struct retail_rng *rng)
{
    double span = log(((double)SKU_COUNT + SKU_ZIPF_OFFSET) / SKU_ZIPF_OFFSET);
    double rank = SKU_ZIPF_OFFSET * exp(retail_rng_unit(rng) * span) - SKU_ZIPF_OFFSET;
    uint32_t index = (uint32_t)rank;
    if (index >= SKU_COUNT) index = SKU_COUNT - 1u;
    return (uint32_t)(((uint64_t)index * SKU_STRIDE + SKU_OFFSET) % SKU_COUNT);
}

/* ---- Draws -------------------------------------------------------------------------- */

static uint32_t draw_weighted_u16(struct retail_rng *rng, const uint16_t *weights, size_t stride,
                                  uint32_t count)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < count; i++)
        total += *(const uint16_t *)((const char *)weights + i * stride);
    uint32_t target = retail_rng_below(rng, total);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t weight = *(const uint16_t *)((const char *)weights + i * stride);
        if (target < weight) return i;
        target -= weight;
    }
    return count - 1;
}

static uint32_t draw_category(struct retail_rng *rng)
{
    return draw_weighted_u16(rng, &categories[0].weight, sizeof categories[0], CATEGORY_COUNT);
}

static uint32_t draw_channel(struct retail_rng *rng)
{
    return draw_weighted_u16(rng, &channels[0].weight, sizeof channels[0], CHANNEL_COUNT);
}

/* Poisson(mean): inversion by products for small means, the normal approximation above. */
static uint32_t draw_poisson(struct retail_rng *rng, double mean)
{
    if (!(mean > 0.0)) return 0;
    double count;
    if (mean < 30.0) {
        double limit = exp(-mean);
        double product = retail_rng_unit(rng);
        uint32_t k = 0;
        while (product > limit && k < RETAIL_EVENTS_PER_TYPE_MAX) {
            k++;
            product *= retail_rng_unit(rng);
        }
        return k;
    }
    count = floor(mean + sqrt(mean) * retail_rng_normal(rng) + 0.5);
    if (count < 0.0) return 0;
    if (count > (double)RETAIL_EVENTS_PER_TYPE_MAX) return RETAIL_EVENTS_PER_TYPE_MAX;
    return (uint32_t)count;
}

/* Uniform in [0, bound) for 64-bit bounds. */
static uint64_t rng_below_u64(struct retail_rng *rng, uint64_t bound)
{
    return (uint64_t)(((unsigned __int128)retail_rng_next(rng) * bound) >> 64);
}

static uint32_t hour_pick(struct retail_rng *rng)
{
    return draw_weighted_u16(rng, hour_weights, sizeof hour_weights[0], 24);
}

/* A time in [start_s, end_s] by the day table of `group` and the hour curve. */
static int64_t draw_time(const struct retail_event_context *context, struct retail_rng *rng,
                         enum season_group group, int64_t start_s, int64_t end_s)
{
    int64_t first = floor_div(start_s, DAY_S) - context->first_day;
    int64_t last = floor_div(end_s, DAY_S) - context->first_day;
    if (first < 0) first = 0;
    if (last > (int64_t)context->day_count - 1) last = (int64_t)context->day_count - 1;
    const uint64_t *cumulative = context->day_cumulative[group];
    if (first <= last) {
        uint64_t low = cumulative[first], range = cumulative[last + 1] - low;
        for (int attempt = 0; attempt < 16; attempt++) {
            uint64_t target = low + rng_below_u64(rng, range);
            uint32_t lo = (uint32_t)first, hi = (uint32_t)last;
            while (lo < hi) { /* the day d with cumulative[d] <= target < cumulative[d + 1] */
                uint32_t middle = (lo + hi + 1) / 2;
                if (cumulative[middle] <= target)
                    lo = middle;
                else
                    hi = middle - 1;
            }
            int64_t time_s = (context->first_day + lo) * DAY_S + (int64_t)hour_pick(rng) * 3600 +
                             retail_rng_below(rng, 3600);
            if (time_s >= start_s && time_s <= end_s) return time_s;
        }
    }
    /* A window of a few hours at the edge of a day: uniform inside it. */
    return start_s + (int64_t)rng_below_u64(rng, (uint64_t)(end_s - start_s) + 1);
}

static int compare_times(const void *left, const void *right)
{
    int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;
    return (a > b) - (a < b);
}

static void sort_times(int64_t *times, uint32_t count)
{
    if (count > 32) {
        qsort(times, count, sizeof *times, compare_times);
        return;
    }
    for (uint32_t i = 1; i < count; i++) {
        int64_t value = times[i];
        uint32_t j = i;
        for (; j > 0 && times[j - 1] > value; j--)
            times[j] = times[j - 1];
        times[j] = value;
    }
}

/* ---- Context ------------------------------------------------------------------------ */

const char *retail_event_type_name(enum retail_event_type type)
{
    assert(type < RETAIL_EVENT_TYPE_COUNT);
    return type_names[type];
}

const char *retail_event_csv_header(enum retail_event_type type)
{
    assert(type < RETAIL_EVENT_TYPE_COUNT);
    return csv_headers[type];
}

/* Percent multiplier of a day for the holidays (Thanksgiving, the fourth Thursday of
 * November, to Cyber Monday four days later; December 24 and 25; January 1). */
static uint32_t holiday_percent(enum season_group group, unsigned month, unsigned day,
                                unsigned weekday)
{
    if (month == 11 || (month == 12 && day <= 2)) {
        /* Weekday of November 22, then the fourth Thursday (weekday 4) from it. */
        int days_after_nov22 = month == 11 ? (int)day - 22 : 8 + (int)day;
        unsigned nov22 = (unsigned)(((int)weekday - days_after_nov22) % 7 + 7) % 7;
        int thanksgiving = 22 + (int)((4u - nov22 + 7u) % 7u);
        int offset = days_after_nov22 + 22 - thanksgiving;
        if (offset >= 0 && offset <= 4) return black_friday_percent[group];
    }
    if (month == 12 && day == 24) return christmas_eve_percent[group];
    if (month == 12 && day == 25) return christmas_percent[group];
    if (month == 1 && day == 1) return new_year_percent[group];
    return 100;
}

static void day_tables_build(struct retail_event_context *context)
{
    context->first_day = floor_div(context->now_s - SPAN_S, DAY_S);
    context->day_count = (uint32_t)(floor_div(context->now_s, DAY_S) - context->first_day + 1);
    assert(context->day_count <= RETAIL_EVENT_SPAN_DAYS + 2);
    for (int group = 0; group < 2; group++)
        context->day_cumulative[group][0] = 0;
    for (uint32_t d = 0; d < context->day_count; d++) {
        int64_t day_number = context->first_day + d;
        int64_t year;
        unsigned month, day;
        civil_from_days(day_number, &year, &month, &day);
        unsigned weekday = (unsigned)((day_number % 7 + 7 + 4) % 7); /* 1970-01-01: Thursday */
        for (int group = 0; group < 2; group++) {
            uint64_t weight = (uint64_t)month_weights[group][month - 1] *
                              weekday_weights[group][weekday] *
                              holiday_percent((enum season_group)group, month, day, weekday);
            context->day_cumulative[group][d + 1] = context->day_cumulative[group][d] + weight;
        }
        char *text = context->day_text[d];
        put_fixed(text, (uint64_t)year, 4);
        text[4] = '-';
        memcpy(text + 5, digit_pairs + month * 2, 2);
        text[7] = '-';
        memcpy(text + 8, digit_pairs + day * 2, 2);
        text[10] = 'T';
    }
}

/* The window [start, end] of a profile's events; false when it is empty. */
static bool window_of(int64_t now_s, const struct retail_row_facts *facts, int64_t *start_s,
                      int64_t *end_s)
{
    int64_t start = facts->signup_s > now_s - SPAN_S ? facts->signup_s : now_s - SPAN_S;
    int64_t end = facts->last_seen_s < now_s ? facts->last_seen_s : now_s;
    *start_s = start;
    *end_s = end;
    return end > start;
}

/* E[activity | engagement]. */
static double expected_activity(double engagement)
{
    double sigma = ACTIVITY_SIGMA * ACTIVITY_RHO;
    return exp(sigma * engagement - sigma * sigma / 2.0);
}

void retail_event_context_init(struct retail_event_context *context,
                               const struct retail_row_context *rows, uint32_t events_per_profile)
{
    pthread_once(&catalog_once, catalog_build);
    memset(context, 0, sizeof *context);
    context->rows = rows;
    context->seed = rows->seed;
    context->now_s = rows->now_s;
    context->events_per_profile = events_per_profile;
    day_tables_build(context);

    /* Calibration: the means of activity x share and order_count x share on fixed rows. */
    struct retail_row_context sample = *rows;
    sample.seed = CALIBRATION_SEED;
    double browse_sum = 0.0, purchase_sum = 0.0;
    for (uint32_t row = 0; row < CALIBRATION_ROWS; row++) {
        struct retail_row_facts facts;
        retail_row_facts_draw(&sample, row, &facts);
        int64_t start_s, end_s;
        if (!window_of(sample.now_s, &facts, &start_s, &end_s)) continue;
        double share = (double)(end_s - start_s) / (double)SPAN_S;
        browse_sum += share * expected_activity(facts.engagement);
        purchase_sum += share * (double)facts.order_count;
    }
    context->browse_scale = browse_sum > 0.0 ? CALIBRATION_ROWS / browse_sum : 0.0;
    context->purchase_scale = purchase_sum > 0.0 ? CALIBRATION_ROWS / purchase_sum : 0.0;
}

/* ---- Plans and rows ----------------------------------------------------------------- */

void retail_events_plan(const struct retail_event_context *context, uint64_t row_index,
                        const struct retail_row_facts *facts, struct retail_event_plan *plan)
{
    retail_rng_seed(&plan->rng, context->seed ^ EVENT_SEED_SALT, row_index);
    plan->row_index = row_index;
    struct retail_rng *rng = &plan->rng;
    double noise = retail_rng_normal(rng);
    double activity =
        exp(ACTIVITY_SIGMA * (ACTIVITY_RHO * facts->engagement +
                              sqrt(1.0 - ACTIVITY_RHO * ACTIVITY_RHO) * noise) -
            ACTIVITY_SIGMA * ACTIVITY_SIGMA / 2.0);
    plan->favorite_category = draw_category(rng);
    plan->favorite_channel = draw_channel(rng);
    plan->basket_factor = exp(BASKET_PROFILE_SIGMA * retail_rng_normal(rng));
    memset(plan->counts, 0, sizeof plan->counts);
    if (!window_of(context->now_s, facts, &plan->start_s, &plan->end_s)) return;
    double share = (double)(plan->end_s - plan->start_s) / (double)SPAN_S;
    double target = (double)context->events_per_profile / 1000.0;
    double browse = target * activity * share * context->browse_scale;
    double purchase = target * (double)facts->order_count * share * context->purchase_scale;
    plan->counts[RETAIL_EVENT_PURCHASE] = draw_poisson(rng, purchase * PURCHASE_PER_MILLE);
    plan->counts[RETAIL_EVENT_ADD_TO_CART] = draw_poisson(rng, browse * ADD_TO_CART_PER_MILLE);
    plan->counts[RETAIL_EVENT_PAGE_VIEW] = draw_poisson(rng, browse * PAGE_VIEW_PER_MILLE);
}

static char *put_time_of_day(char *out, int64_t second_of_day)
{
    memcpy(out, digit_pairs + (second_of_day / 3600) * 2, 2);
    out[2] = ':';
    memcpy(out + 3, digit_pairs + (second_of_day / 60 % 60) * 2, 2);
    out[5] = ':';
    memcpy(out + 6, digit_pairs + (second_of_day % 60) * 2, 2);
    out[8] = 'Z';
    return out + 9;
}

static char *put_sku(char *out, uint32_t sku)
{
    memcpy(out, "SKU", 3);
    return put_fixed(out + 3, sku, 6);
}

static char *put_purchase(struct retail_event_plan *plan, char *out)
{
    struct retail_rng *rng = &plan->rng;
    uint32_t category = retail_rng_chance(rng, FAVORITE_CATEGORY_PER_MILLE)
                            ? plan->favorite_category
                            : draw_category(rng);
    uint32_t channel = retail_rng_chance(rng, FAVORITE_CHANNEL_PER_MILLE) ? plan->favorite_channel
                                                                          : draw_channel(rng);
    double cents = (double)categories[category].median_cents * plan->basket_factor *
                   exp(BASKET_SIGMA * retail_rng_normal(rng));
    uint64_t amount = cents < AMOUNT_MIN_CENTS   ? AMOUNT_MIN_CENTS
                      : cents > AMOUNT_MAX_CENTS ? AMOUNT_MAX_CENTS
                                                 : (uint64_t)llround(cents);
    out = put_money(out, amount);
    *out++ = ',';
    out = put_bytes(out, categories[category].name, categories[category].size);
    *out++ = ',';
    return put_bytes(out, channels[channel].name, channels[channel].size);
}

static char *put_add_to_cart(struct retail_event_plan *plan, char *out)
{
    uint32_t sku = draw_sku(&plan->rng);
    out = put_sku(out, sku);
    *out++ = ',';
    return put_money(out, sku_price_cents[sku]);
}

static char *put_page_view(struct retail_event_plan *plan, char *out)
{
    struct retail_rng *rng = &plan->rng;
    uint32_t kind = retail_rng_below(rng, 100);
    if (kind < 55) return put_sku(put_bytes(out, "/p/", 3), draw_sku(rng));
    if (kind < 85) {
        uint32_t category = retail_rng_chance(rng, FAVORITE_CATEGORY_PER_MILLE)
                                ? plan->favorite_category
                                : draw_category(rng);
        out = put_bytes(out, kind < 75 ? "/c/" : "/search?q=", kind < 75 ? 3 : 10);
        return put_bytes(out, categories[category].name, categories[category].size);
    }
    if (kind < 93) return put_bytes(out, "/", 1);
    if (kind < 98) return put_bytes(out, "/cart", 5);
    return put_bytes(out, "/account", 8);
}

size_t retail_events_write(const struct retail_event_context *context,
                           struct retail_event_plan *plan, enum retail_event_type type, char *out)
{
    uint32_t count = plan->counts[type];
    if (count == 0) return 0;
    static _Thread_local int64_t times[RETAIL_EVENTS_PER_TYPE_MAX];
    enum season_group group = type == RETAIL_EVENT_PAGE_VIEW ? SEASON_BROWSE : SEASON_BUY;
    for (uint32_t i = 0; i < count; i++)
        times[i] = draw_time(context, &plan->rng, group, plan->start_s, plan->end_s);
    sort_times(times, count);
    /* The last page view is when the customer was last seen. */
    if (type == RETAIL_EVENT_PAGE_VIEW) times[count - 1] = plan->end_s;

    char id[16];
    id[0] = 'C';
    size_t id_size = (size_t)(put_padded(id + 1, plan->row_index + 1, 9) - id);
    id[id_size++] = ',';

    char *cursor = out;
    for (uint32_t i = 0; i < count; i++) {
        char *row = cursor;
        cursor = put_bytes(cursor, id, id_size);
        int64_t day = floor_div(times[i], DAY_S);
        cursor = put_bytes(cursor, context->day_text[day - context->first_day], 11);
        cursor = put_time_of_day(cursor, times[i] - day * DAY_S);
        *cursor++ = ',';
        switch (type) {
        case RETAIL_EVENT_PURCHASE: cursor = put_purchase(plan, cursor); break;
        case RETAIL_EVENT_ADD_TO_CART: cursor = put_add_to_cart(plan, cursor); break;
        case RETAIL_EVENT_PAGE_VIEW: cursor = put_page_view(plan, cursor); break;
        default: assert(false);
        }
        *cursor++ = '\n';
        assert((size_t)(cursor - row) <= RETAIL_EVENT_ROW_SIZE_MAX);
    }
    return (size_t)(cursor - out);
}
