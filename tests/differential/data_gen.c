/*
 * Random profile rows for the differential test, kept as plain structs (struct diff_cell).
 *
 * The schema (diff_attrs) covers every type, with null rates of 0%, 10% and 50% and one
 * attribute (m1) that is declared but absent from the CSV. Values mix a few heavy hitters
 * (so equality and IN are selective but non-empty) with edges: INT64_MIN/MAX, 2^53 + 1,
 * -0.0, 2^63 as a float, DBL_MAX, denormals, timestamps exactly at now() - 30d and one second
 * either side, epoch 0 and negative epochs, '' and non-ASCII strings, strings that are prefixes
 * of each other, 'ß' and decomposed accents for case folding, empty and NULL tag sets.
 * Integer and category columns land in every lane width (1, 2, 4 and 8 bytes, chunks of one
 * column at different widths and bases), with the ends of each chunk's span likely present.
 * Everything is a function of the seed; now() is drawn from it too.
 */
#include "diff.h"

#include <criterion/criterion.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct diff_attr_spec diff_attrs[DIFF_ATTR_COUNT] = {
    [DIFF_I1] = {"i1", PDB_TYPE_INT, "", 10, true},
    [DIFF_I2] = {"i2", PDB_TYPE_INT, "indexed", 0, true},
    [DIFF_F1] = {"f1", PDB_TYPE_FLOAT, "", 10, true},
    [DIFF_F2] = {"f2", PDB_TYPE_FLOAT, "", 50, true},
    [DIFF_TS1] = {"ts1", PDB_TYPE_TIMESTAMP, "", 10, true},
    [DIFF_B1] = {"b1", PDB_TYPE_BOOL, "", 50, true},
    [DIFF_C1] = {"c1", PDB_TYPE_CATEGORY, "indexed", 10, true},
    [DIFF_C2] = {"c2", PDB_TYPE_CATEGORY, "", 0, true},
    [DIFF_T1] = {"t1", PDB_TYPE_TEXT, "", 10, true},
    [DIFF_G1] = {"g1", PDB_TYPE_TAGS, "indexed", 10, true},
    [DIFF_I3] = {"i3", PDB_TYPE_INT, "", 10, true},
    [DIFF_I4] = {"i4", PDB_TYPE_INT, "", 0, true},
    [DIFF_C3] = {"c3", PDB_TYPE_CATEGORY, "", 5, true},
    [DIFF_M1] = {"m1", PDB_TYPE_INT, "", 100, false},
};

const char *const diff_tags[DIFF_TAG_COUNT] = {
    "vip", "VIP", "churn risk", "a,b", "\xc3\x9cn\xc3\xaf" /* Ünï */, "new", "o'k", "q\"t",
};

static const char *const category_c1_values[] = {
    "",
    "red",
    "Red",
    "blue",
    "\xc3\x9cn\xc3\xaf"
    "code",
    "\xc3\xbcn\xc3\xaf"
    "code",
    "stra\xc3\x9f"
    "e",
    "STRASSE",
};

static const char *const category_c2_values[] = {"a", "ab", "abc", "b"};

/* Pieces of t1 values: quotes, commas, CR/LF, 'ß' vs 'SS', composed and decomposed 'é', 'İ'
 * (folds to two code points), the 'ﬃ' ligature, the three sigmas, CJK. */
static const char *const text_fragments[] = {
    "alice",
    "Bob",
    "O'Brien",
    "smith",
    ", ",
    "\"",
    "\n",
    "\r\n",
    " ",
    "\xc3\x9f",
    "SS",
    "stra\xc3\x9f"
    "e",
    "\xc3\x9cn\xc3\xaf"
    "code",
    "\xc3\xa9",
    "e\xcc\x81",
    "\xc4\xb0",
    "\xef\xac\x83",
    "\xce\xa3",
    "\xcf\x82",
    "\xcf\x83",
    "abc",
    "ABC",
    "x",
    "@example.com",
    "42",
    "NULL",
    "\t",
    "\xe6\x97\xa5\xe6\x9c\xac",
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

int diff_tag_index(const char *tag, size_t size)
{
    for (uint32_t i = 0; i < DIFF_TAG_COUNT; i++) {
        if (strlen(diff_tags[i]) == size && memcmp(diff_tags[i], tag, size) == 0) return (int)i;
    }
    return -1;
}

/* ---- Per-type value generators ----------------------------------------------------------- */

static int64_t random_i1(struct diff_rng *rng)
{
    static const int64_t edges[] = {
        INT64_MIN,
        INT64_MAX,
        INT64_MIN + 1,
        INT64_MAX - 1,
        0,
        -1,
        1,
        INT64_C(9007199254740993),
        INT64_C(-9007199254740993),
        INT64_C(9007199254740992),
    };
    uint64_t pick = diff_rng_below(rng, 100);
    if (pick < 10) return edges[diff_rng_below(rng, COUNT_OF(edges))];
    if (pick < 55) return diff_rng_range(rng, -1000, 1000);
    if (pick < 85) return diff_rng_range(rng, -1000000000, 1000000000);
    return (int64_t)diff_rng_next(rng);
}

static double random_f1(struct diff_rng *rng)
{
    static const double edges[] = {
        0.0,
        -0.0,
        1e300,
        -1e300,
        DBL_MAX,
        -DBL_MAX,
        9223372036854775808.0,
        -9223372036854775808.0,
        9007199254740992.0,
        9007199254740994.0,
        0.1,
        4.9406564584124654e-324,
        2.2250738585072014e-308,
        0.5,
        -2.5,
    };
    uint64_t pick = diff_rng_below(rng, 100);
    if (pick < 12) return edges[diff_rng_below(rng, COUNT_OF(edges))];
    if (pick < 55) return (double)diff_rng_range(rng, -800, 800) / 8.0;
    /* Full-precision values over a wide range of magnitudes. */
    double magnitude = 1.0;
    for (int64_t e = diff_rng_range(rng, -5, 12); e > 0; e--)
        magnitude *= 10.0;
    for (int64_t e = diff_rng_range(rng, -5, 0); e < 0; e++)
        magnitude /= 10.0;
    return (diff_rng_unit(rng) - 0.5) * magnitude;
}

static int64_t random_timestamp(struct diff_rng *rng, int64_t now_s)
{
    const int64_t day = 86400;
    const int64_t window = now_s - 30 * day;
    const int64_t edges[] = {
        window,
        window - 1,
        window + 1,
        now_s,
        now_s - 1,
        now_s + 1,
        now_s + 7200,
        now_s - 3600,
        0,
        -1,
        -day,
        INT64_C(-62135596800) /* 0001-01-01 */,
        INT64_C(253402300799) /* 9999-12-31T23:59:59 */,
        now_s - 14 * day,
        now_s - (now_s % day) /* today's midnight */,
        now_s - 90 * 60,
    };
    uint64_t pick = diff_rng_below(rng, 100);
    if (pick < 15) return edges[diff_rng_below(rng, COUNT_OF(edges))];
    if (pick < 65) return now_s - diff_rng_range(rng, 0, 60 * day);
    if (pick < 70) return (now_s - diff_rng_range(rng, 0, 60)) / day * day; /* midnights */
    return diff_rng_range(rng, -100000000, 2000000000);
}

static void random_text(struct diff_rng *rng, struct diff_text *out)
{
    diff_text_clear(out);
    if (diff_rng_percent(rng, 10)) {
        /* Printable ASCII noise, comma and quote included. */
        uint64_t size = diff_rng_below(rng, 13);
        for (uint64_t i = 0; i < size; i++) {
            char byte = (char)diff_rng_range(rng, 0x20, 0x7e);
            diff_text_append(out, &byte, 1);
        }
        return;
    }
    /* One value in 2,000 is long (a few KB), for buffers sized by the longest value. */
    uint64_t pieces =
        diff_rng_below(rng, 2000) == 0 ? 200 + diff_rng_below(rng, 1000) : diff_rng_below(rng, 5);
    for (uint64_t i = 0; i < pieces; i++) {
        /* The first few fragments are common, so CONTAINS patterns hit many rows. */
        uint64_t index = diff_rng_percent(rng, 50) ? diff_rng_below(rng, 6)
                                                   : diff_rng_below(rng, COUNT_OF(text_fragments));
        diff_text_puts(out, text_fragments[index]);
    }
}

static void set_string(struct diff_data *data, struct diff_cell *cell, const char *bytes,
                       size_t size)
{
    cell->string_data = diff_arena_copy(&data->arena, bytes, size);
    cell->string_size = (uint32_t)size;
    diff_fold(&data->arena, cell->string_data, cell->string_size, &cell->folded_data,
              &cell->folded_size);
}

/* i3: chunk 0 over 0..65535 (2-byte lanes), later chunks over 1000..1255 (1 byte above base
 * 1000); the ends are drawn often so the spans are exact. */
static int64_t random_i3(struct diff_rng *rng, uint32_t row)
{
    int64_t low = row < DIFF_CHUNK_ROWS ? 0 : 1000, high = row < DIFF_CHUNK_ROWS ? 65535 : 1255;
    uint64_t pick = diff_rng_below(rng, 100);
    if (pick < 5) return low;
    if (pick < 10) return high;
    if (pick < 40) return low + diff_rng_range(rng, 0, 9); /* heavy hitters */
    return diff_rng_range(rng, low, high);
}

/* i4: chunk 0 over INT32_MIN..INT32_MAX (a span of exactly 2^32 - 1: 4-byte lanes), later
 * chunks over -32768..32768 (2^16: just too wide for 2 bytes). */
static int64_t random_i4(struct diff_rng *rng, uint32_t row)
{
    int64_t low = row < DIFF_CHUNK_ROWS ? INT32_MIN : -32768;
    int64_t high = row < DIFF_CHUNK_ROWS ? INT32_MAX : 32768;
    uint64_t pick = diff_rng_below(rng, 100);
    if (pick < 5) return low;
    if (pick < 10) return high;
    if (pick < 40) return diff_rng_range(rng, -20, 20);
    return diff_rng_range(rng, low, high);
}

static const char *const category_c3_prefixes[] = {"k", "K", "k\xc3\xa9"};

/* ---- Rows ------------------------------------------------------------------------------- */

void diff_data_generate(struct diff_data *data, uint64_t seed, uint32_t row_count)
{
    memset(data, 0, sizeof *data);
    data->seed = seed;
    data->row_count = row_count;
    struct diff_rng rng;
    diff_rng_init(&rng, seed, 1);
    data->now_s = diff_rng_range(&rng, 1600000000, 1900000000);
    data->cells = calloc((size_t)row_count * DIFF_ATTR_COUNT, sizeof *data->cells);
    cr_assert_not_null(data->cells, "out of memory");

    struct diff_text scratch = {0};
    for (uint32_t row = 0; row < row_count; row++) {
        for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++) {
            struct diff_cell *cell =
                (struct diff_cell *)diff_cell_at(data, row, (enum diff_attr_id)attr);
            if (diff_rng_percent(&rng, diff_attrs[attr].null_percent)) {
                cell->is_null = true;
                continue;
            }
            switch ((enum diff_attr_id)attr) {
            case DIFF_I1:
                cell->int_value = random_i1(&rng);
                break;
            case DIFF_I2:
                cell->int_value = diff_rng_range(&rng, -5, 20);
                break;
            case DIFF_F1:
                cell->float_value = random_f1(&rng);
                break;
            case DIFF_F2:
                cell->float_value = (double)diff_rng_range(&rng, -40, 40) / 4.0;
                break;
            case DIFF_TS1:
                cell->int_value = random_timestamp(&rng, data->now_s);
                break;
            case DIFF_B1:
                cell->int_value = diff_rng_percent(&rng, 50);
                break;
            case DIFF_C1: {
                const char *value =
                    category_c1_values[diff_rng_below(&rng, COUNT_OF(category_c1_values))];
                set_string(data, cell, value, strlen(value));
                break;
            }
            case DIFF_C2: {
                const char *value =
                    category_c2_values[diff_rng_below(&rng, COUNT_OF(category_c2_values))];
                set_string(data, cell, value, strlen(value));
                break;
            }
            case DIFF_T1:
                random_text(&rng, &scratch);
                set_string(data, cell, scratch.data ? scratch.data : "", scratch.size);
                break;
            case DIFF_I3:
                cell->int_value = random_i3(&rng, row);
                break;
            case DIFF_I4:
                cell->int_value = random_i4(&rng, row);
                break;
            case DIFF_C3: {
                /* 300 values: a few heavy hitters, the rest uniform. */
                uint64_t index = diff_rng_percent(&rng, 40) ? diff_rng_below(&rng, 4)
                                                             : diff_rng_below(&rng, 300);
                char value[16];
                int size = snprintf(value, sizeof value, "%s%u",
                                    category_c3_prefixes[index % COUNT_OF(category_c3_prefixes)],
                                    (unsigned)index);
                set_string(data, cell, value, (size_t)size);
                break;
            }
            case DIFF_G1:
                if (!diff_rng_percent(&rng, 17)) {
                    uint64_t tags = 1 + diff_rng_below(&rng, 4);
                    for (uint64_t i = 0; i < tags; i++) {
                        /* Skewed: low tags are common, so HAS ALL finds rows. */
                        uint64_t tag = diff_rng_percent(&rng, 60)
                                           ? diff_rng_below(&rng, 3)
                                           : diff_rng_below(&rng, DIFF_TAG_COUNT);
                        cell->tag_mask |= 1u << tag;
                    }
                }
                break;
            case DIFF_M1:
            case DIFF_ATTR_COUNT:
                cr_assert_fail("m1 is always null");
                break;
            }
        }
    }
    diff_text_deinit(&scratch);
}

void diff_data_deinit(struct diff_data *data)
{
    free(data->cells);
    diff_arena_deinit(&data->arena);
    memset(data, 0, sizeof *data);
}

/* ---- Timestamps as text ----------------------------------------------------------------- */

static int64_t floor_divide(int64_t value, int64_t divisor)
{
    int64_t quotient = value / divisor;
    if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) quotient--;
    return quotient;
}

void diff_timestamp_spell(struct diff_rng *rng, int64_t seconds, struct diff_text *out)
{
    static const int64_t offsets_s[] = {7200, -19800, 20700, -3600, 0, 50400, -43200};
    uint64_t form = diff_rng_below(rng, 7);
    int64_t offset_s =
        form == 4 || form == 5 ? offsets_s[diff_rng_below(rng, COUNT_OF(offsets_s))] : 0;
    int64_t local = seconds + offset_s;
    int64_t days = floor_divide(local, 86400);
    int64_t second_of_day = local - days * 86400;
    int64_t year, month, day;
    diff_civil_from_days(days, &year, &month, &day);
    if (year < 1 || year > 9999) {
        diff_text_printf(out, "%lld", (long long)seconds);
        return;
    }
    int hour = (int)(second_of_day / 3600), minute = (int)(second_of_day / 60 % 60),
        second = (int)(second_of_day % 60);
    diff_text_printf(out, "%04lld-%02lld-%02lld", (long long)year, (long long)month,
                     (long long)day);
    if (form == 0 && second_of_day == 0) return; /* date only */
    if (form == 3 && second == 0) {
        diff_text_printf(out, "T%02d:%02d", hour, minute);
        return;
    }
    diff_text_printf(out, "%c%02d:%02d:%02d", form == 2 || form == 5 ? ' ' : 'T', hour, minute,
                     second);
    if (form == 6) {
        /* A fraction is truncated, so any digits denote the same second. */
        diff_text_printf(out, ".%0*llu", (int)(1 + diff_rng_below(rng, 6)),
                         (unsigned long long)diff_rng_below(rng, 10));
        diff_text_puts(out, "Z");
        return;
    }
    if (form == 4 || form == 5) {
        int64_t magnitude = offset_s < 0 ? -offset_s : offset_s;
        bool colon = diff_rng_percent(rng, 70);
        diff_text_printf(out, "%c%02d%s%02d", offset_s < 0 ? '-' : '+', (int)(magnitude / 3600),
                         colon ? ":" : "", (int)(magnitude / 60 % 60));
        return;
    }
    if (form != 2) diff_text_puts(out, "Z");
}

/* ---- Reports ---------------------------------------------------------------------------- */

void diff_row_describe(const struct diff_data *data, uint32_t row, struct diff_text *out)
{
    diff_text_printf(out, "row %u:", row);
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++) {
        const struct diff_cell *cell = diff_cell_at(data, row, (enum diff_attr_id)attr);
        diff_text_printf(out, " %s=", diff_attrs[attr].name);
        if (cell->is_null) {
            diff_text_puts(out, "NULL");
            continue;
        }
        switch (diff_attrs[attr].type) {
        case PDB_TYPE_BOOL:
            diff_text_puts(out, cell->int_value ? "true" : "false");
            break;
        case PDB_TYPE_INT:
            diff_text_printf(out, "%lld", (long long)cell->int_value);
            break;
        case PDB_TYPE_FLOAT:
            diff_text_printf(out, "%.17g", cell->float_value);
            break;
        case PDB_TYPE_TIMESTAMP: {
            int64_t days = floor_divide(cell->int_value, 86400), year, month, day;
            int64_t second_of_day = cell->int_value - days * 86400;
            diff_civil_from_days(days, &year, &month, &day);
            diff_text_printf(out, "%lld(%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ)",
                             (long long)cell->int_value, (long long)year, (long long)month,
                             (long long)day, (long long)(second_of_day / 3600),
                             (long long)(second_of_day / 60 % 60), (long long)(second_of_day % 60));
            break;
        }
        case PDB_TYPE_CATEGORY:
        case PDB_TYPE_TEXT:
            diff_text_append_escaped(out, cell->string_data, cell->string_size);
            break;
        case PDB_TYPE_TAGS: {
            diff_text_puts(out, "{");
            bool first = true;
            for (uint32_t tag = 0; tag < DIFF_TAG_COUNT; tag++) {
                if (!(cell->tag_mask & (1u << tag))) continue;
                if (!first) diff_text_puts(out, ",");
                diff_text_append_escaped(out, diff_tags[tag], strlen(diff_tags[tag]));
                first = false;
            }
            diff_text_puts(out, "}");
            break;
        }
        case PDB_TYPE_COUNT:
            break;
        }
    }
}
