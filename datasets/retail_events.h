/*
 * The behavioural events of one generated profile (datasets/README.md, "Events"): purchases,
 * add-to-cart and page views over the two years before `now`, as CSV rows for
 * `profiledb ingest --events`.
 *
 * Determinism: a profile's events depend only on (seed, now, events_per_profile, row index)
 * and the profile's own facts: each profile draws from its own PRNG stream (the row's stream
 * under a different seed), so thread count and block size do not matter.
 *
 * Use: retail_events_plan() draws how many events of each type the profile has; the caller
 * makes room for count * RETAIL_EVENT_ROW_SIZE_MAX bytes and calls retail_events_write() for
 * every type in enum order (the types share the plan's PRNG stream).
 */
#ifndef PDB_DATASETS_RETAIL_EVENTS_H
#define PDB_DATASETS_RETAIL_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "retail_gen_internal.h"

/* Longest event CSV row, line feed included (rows are 40-70 bytes in practice). */
#define RETAIL_EVENT_ROW_SIZE_MAX 128u
/* Events of one type for one profile, at most (the heavy tail is cut there). */
#define RETAIL_EVENTS_PER_TYPE_MAX 16384u
/* Events are spread over the span before now: 730 days. */
#define RETAIL_EVENT_SPAN_DAYS 730
/* The largest accepted --events-per-profile. */
#define RETAIL_EVENTS_PER_PROFILE_MAX 1000u

enum retail_event_type {
    RETAIL_EVENT_PURCHASE,
    RETAIL_EVENT_ADD_TO_CART,
    RETAIL_EVENT_PAGE_VIEW,
    RETAIL_EVENT_TYPE_COUNT
};

struct retail_event_context {
    const struct retail_row_context *rows; /* borrowed */
    uint64_t seed;
    int64_t now_s;
    uint32_t events_per_profile;
    int64_t first_day; /* day number (since 1970-01-01) of now - span */
    uint32_t day_count;
    /* Seasonality: cumulative day weights for browsing (views) and buying (carts, purchases). */
    uint64_t day_cumulative[2][RETAIL_EVENT_SPAN_DAYS + 3];
    char day_text[RETAIL_EVENT_SPAN_DAYS + 2][11]; /* "YYYY-MM-DDT" */
    /* Expected events per unit of (activity x window share), from the calibration sample. */
    double browse_scale, purchase_scale;
};

struct retail_event_plan {
    struct retail_rng rng;
    uint64_t row_index;
    int64_t start_s, end_s; /* the profile's event window */
    uint32_t counts[RETAIL_EVENT_TYPE_COUNT];
    uint32_t favorite_category, favorite_channel;
    double basket_factor;
};

/* File names (without ".csv"), event type names and CSV headers, by type. Static storage. */
const char *retail_event_type_name(enum retail_event_type type);
const char *retail_event_csv_header(enum retail_event_type type);

/* Builds the tables and calibrates the rates (about 10 ms). `rows` is borrowed. */
void retail_event_context_init(struct retail_event_context *context,
                               const struct retail_row_context *rows, uint32_t events_per_profile);

void retail_events_plan(const struct retail_event_context *context, uint64_t row_index,
                        const struct retail_row_facts *facts, struct retail_event_plan *plan);

/* Writes the plan's events of `type` (sorted by time) at out, which has room for
 * plan->counts[type] * RETAIL_EVENT_ROW_SIZE_MAX bytes; returns the size in bytes. */
size_t retail_events_write(const struct retail_event_context *context,
                           struct retail_event_plan *plan, enum retail_event_type type, char *out);

#endif
