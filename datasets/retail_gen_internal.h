/*
 * What the files of the retail generator share: the PRNG, the weighted lookup tables
 * (retail_tables.c) and the row writer (retail_row.c). retail_gen.c drives them.
 *
 * Determinism: every row draws from its own xoshiro256** stream seeded by splitmix64 from
 * (seed, row index), and the tables are built once from constant text with integer
 * arithmetic, so a row's bytes depend only on (seed, now, row index) — not on the thread or
 * block that produced it.
 *
 * Bounds: a table string is at most RETAIL_STRING_SIZE_MAX bytes and a list at most
 * RETAIL_LIST_ENTRIES_MAX entries (both checked when the tables are built); a CSV row is at
 * most RETAIL_ROW_SIZE_MAX bytes (asserted after every row).
 */
#ifndef PDB_DATASETS_RETAIL_GEN_INTERNAL_H
#define PDB_DATASETS_RETAIL_GEN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

/* Longest table string (a name, city, domain, interest), unquoted, in bytes. */
#define RETAIL_STRING_SIZE_MAX 40u
/* Entries in one weighted list (names of one region, cities of one country, ...). */
#define RETAIL_LIST_ENTRIES_MAX 48u
/* Longest CSV row including the line feed. The worst case of the columns is about 800
 * bytes (three table strings quoted with every byte doubled, a 200-byte email); rows are
 * about 200 bytes in practice. */
#define RETAIL_ROW_SIZE_MAX 1024u
/* Interests to pick tags from (a bit each in a uint32_t). */
#define RETAIL_INTERESTS_MAX 32u
/* Countries in the country table. */
#define RETAIL_COUNTRIES_MAX 48u

/* ---- PRNG: xoshiro256** seeded by splitmix64 ----------------------------------------- */

struct retail_rng {
    uint64_t state[4];
};

static inline uint64_t retail_mix64(uint64_t value)
{
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
    value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
    return value ^ (value >> 31);
}

/* The stream of row `row_index` under `seed`. */
static inline void retail_rng_seed(struct retail_rng *rng, uint64_t seed, uint64_t row_index)
{
    uint64_t splitmix = retail_mix64(seed ^ 0x5DEECE66Dull) + retail_mix64(row_index);
    for (int i = 0; i < 4; i++) {
        splitmix += 0x9E3779B97F4A7C15ull;
        rng->state[i] = retail_mix64(splitmix);
    }
}

static inline uint64_t retail_rotl(uint64_t value, int shift)
{
    return (value << shift) | (value >> (64 - shift));
}

static inline uint64_t retail_rng_next(struct retail_rng *rng)
{
    uint64_t *s = rng->state;
    uint64_t result = retail_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = retail_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, bound) (multiply-shift; the bias is below 2^-32 for our bounds). */
static inline uint32_t retail_rng_below(struct retail_rng *rng, uint32_t bound)
{
    return (uint32_t)(((retail_rng_next(rng) >> 32) * (uint64_t)bound) >> 32);
}

/* True with probability per_mille / 1000. */
static inline bool retail_rng_chance(struct retail_rng *rng, uint32_t per_mille)
{
    return retail_rng_below(rng, 1000) < per_mille;
}

/* Uniform in [0, 1). */
static inline double retail_rng_unit(struct retail_rng *rng)
{
    return (double)(retail_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Standard normal (Box-Muller, one of the pair). */
static inline double retail_rng_normal(struct retail_rng *rng)
{
    double u1 = (double)((retail_rng_next(rng) >> 11) + 1) * 0x1.0p-53; /* (0, 1] */
    double u2 = retail_rng_unit(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- Tables ------------------------------------------------------------------------- */

struct retail_entry {
    const char *text; /* UTF-8 bytes [0, size), not NUL-terminated; borrowed from constants */
    uint8_t size;
    bool needs_quotes;       /* has a comma, quote, CR or LF */
    uint8_t email_form_size; /* names only: lower-case ASCII letters for e-mail addresses */
    char email_form[RETAIL_STRING_SIZE_MAX];
};

/* A list with cumulative integer weights: entry i is drawn with weight
 * cumulative[i] - cumulative[i - 1]. */
struct retail_list {
    uint32_t count;
    uint32_t cumulative[RETAIL_LIST_ENTRIES_MAX];
    struct retail_entry entries[RETAIL_LIST_ENTRIES_MAX];
};

/* Draws an index of `list` by weight. */
static inline uint32_t retail_list_pick(const struct retail_list *list, struct retail_rng *rng)
{
    uint32_t target = retail_rng_below(rng, list->cumulative[list->count - 1]);
    uint32_t low = 0, high = list->count - 1;
    while (low < high) {
        uint32_t middle = (low + high) / 2;
        if (target < list->cumulative[middle])
            high = middle;
        else
            low = middle + 1;
    }
    return low;
}

enum retail_region {
    RETAIL_REGION_ENGLISH,
    RETAIL_REGION_GERMAN,
    RETAIL_REGION_FRENCH,
    RETAIL_REGION_SPANISH,
    RETAIL_REGION_PORTUGUESE,
    RETAIL_REGION_ITALIAN,
    RETAIL_REGION_DUTCH,
    RETAIL_REGION_NORDIC,
    RETAIL_REGION_CENTRAL_EUROPE,
    RETAIL_REGION_EAST_ASIA,
    RETAIL_REGION_SOUTH_ASIA,
    RETAIL_REGION_MIDDLE_EAST,
    RETAIL_REGION_COUNT
};

struct retail_names {
    struct retail_list female;
    struct retail_list male;
    struct retail_list last;
};

struct retail_country {
    char code[3];
    enum retail_region primary_region;
    enum retail_region secondary_region;
    uint32_t secondary_per_mille; /* share of names drawn from secondary_region */
    char calling_code[5];
    uint8_t calling_code_size;
    uint8_t phone_digits;              /* random digits after the prefix */
    struct retail_list phone_prefixes; /* uniform */
    struct retail_list cities;         /* Zipf */
    struct retail_list local_domains;  /* Zipf; count 0 when none */
};

enum retail_gender { RETAIL_GENDER_FEMALE, RETAIL_GENDER_MALE, RETAIL_GENDER_OTHER };

struct retail_tables {
    struct retail_names regions[RETAIL_REGION_COUNT];
    uint32_t country_count;
    struct retail_country countries[RETAIL_COUNTRIES_MAX];
    struct retail_list country_pick; /* weights of countries[] */
    struct retail_list global_domains;
    struct retail_list interests[3]; /* by enum retail_gender; same entries, own weights */
};

/* The tables, built on first use (thread-safe). Never fails: the sources are constants and
 * are checked while building (a bad table is a programmer error and asserts). */
const struct retail_tables *retail_tables_get(void);

/* ---- Rows --------------------------------------------------------------------------- */

struct retail_row_context {
    const struct retail_tables *tables;
    uint64_t seed;
    int64_t now_s;
    int64_t now_year;
};

void retail_row_context_init(struct retail_row_context *context, uint64_t seed, int64_t now_s);

/* What the event generator takes from the profile its events belong to. */
struct retail_row_facts {
    int64_t signup_s;
    int64_t last_seen_s; /* as drawn, also when the column is written as NULL */
    double engagement;   /* latent ~N(0, 1): drives tier, orders and activity */
    uint64_t order_count;
};

/* Writes row `row_index` (CSV, LF-terminated) at out, which has room for
 * RETAIL_ROW_SIZE_MAX bytes; returns its size in bytes. Fills *facts unless it is NULL. */
size_t retail_row_write(const struct retail_row_context *context, uint64_t row_index, char *out,
                        struct retail_row_facts *facts);

/* The facts of row `row_index` without writing it. */
void retail_row_facts_draw(const struct retail_row_context *context, uint64_t row_index,
                           struct retail_row_facts *facts);

/* Year of a timestamp (UTC). */
int64_t retail_year_of(int64_t seconds);

#endif
