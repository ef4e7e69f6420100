/*
 * Applying an attribute's rules to one value (see rules.h): the normalisers in order (trim,
 * nfc, lower/upper/casefold, map, phone), then the validators (email, range, allowed,
 * required). Runs on the loader's stage threads, one rules_scratch per thread; it allocates
 * only to grow that scratch to the largest value seen.
 */
#include "catalog/rules.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/unicode.h"

#define RULES_REASON_VALUE_SIZE_MAX 40 /* bytes of a value quoted in a reason */

void rules_scratch_init(struct rules_scratch *scratch)
{
    memset(scratch, 0, sizeof *scratch);
}

void rules_scratch_deinit(struct rules_scratch *scratch)
{
    mem_free(scratch->units);
    mem_free(scratch->bytes);
    memset(scratch, 0, sizeof *scratch);
}

static bool scratch_fit(struct rules_scratch *scratch, size_t size)
{
    size_t units = casefold_capacity(size);
    if (units > scratch->unit_capacity) {
        int32_t *grown = mem_realloc(scratch->units, units * sizeof *grown);
        if (grown == NULL) return false;
        scratch->units = grown;
        scratch->unit_capacity = units;
    }
    size_t bytes = 4 * units; /* a transform's output fits its unit buffer */
    if (bytes > scratch->byte_capacity) {
        char *grown = mem_realloc(scratch->bytes, bytes);
        if (grown == NULL) return false;
        scratch->bytes = grown;
        scratch->byte_capacity = bytes;
    }
    return true;
}

/* ---- Trim ------------------------------------------------------------------------------------ */

/* Size of the White_Space code point at text[0..size), or 0. */
static size_t space_at_start(const unsigned char *text, size_t size)
{
    unsigned char c = text[0];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (size >= 2 && c == 0xc2 && (text[1] == 0x85 || text[1] == 0xa0)) return 2;
    if (size < 3) return 0;
    uint32_t code = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(text[1] & 0x3f) << 6 | (text[2] & 0x3f);
    if ((c & 0xf0) != 0xe0) return 0;
    bool is_space = code == 0x1680 || (code >= 0x2000 && code <= 0x200a) || code == 0x2028 ||
                    code == 0x2029 || code == 0x202f || code == 0x205f || code == 0x3000;
    return is_space ? 3 : 0;
}

/* Size of the White_Space code point ending at text[size), or 0. */
static size_t space_at_end(const unsigned char *text, size_t size)
{
    unsigned char c = text[size - 1];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (size >= 2 && text[size - 2] == 0xc2 && (c == 0x85 || c == 0xa0)) return 2;
    if (size >= 3 && (text[size - 3] & 0xf0) == 0xe0) return space_at_start(text + size - 3, 3);
    return 0;
}

void rules_trim(const char **data, size_t *size)
{
    const unsigned char *text = (const unsigned char *)*data;
    size_t length = *size, step;
    while (length > 0 && (step = space_at_start(text, length)) > 0)
        text += step, length -= step;
    while (length > 0 && (step = space_at_end(text, length)) > 0)
        length -= step;
    *data = (const char *)text;
    *size = length;
}

/* ---- Normalisers ----------------------------------------------------------------------------- */

static const enum unicode_transform case_transforms[] = {
    [RULE_NFC] = UNICODE_NFC,
    [RULE_LOWER] = UNICODE_LOWER,
    [RULE_UPPER] = UNICODE_UPPER,
    [RULE_CASEFOLD] = UNICODE_CASEFOLD,
};

enum rules_outcome rules_normalise(const struct attribute_rules *rules, enum rule_kind limit,
                                   struct rules_scratch *scratch, const char **data, size_t *size,
                                   uint32_t *changed_kinds_out)
{
    const char *value = *data;
    size_t value_size = *size;
    uint32_t changed = 0;
    if (rules_has(rules, RULE_TRIM) && RULE_TRIM < limit) {
        rules_trim(&value, &value_size);
        if (value_size != *size) changed |= 1u << RULE_TRIM;
        if (value_size == 0) {
            *changed_kinds_out = changed;
            return RULES_NULL;
        }
    }
    for (int kind = RULE_NFC; kind <= RULE_CASEFOLD && kind < (int)limit; kind++) {
        if (!rules_has(rules, (enum rule_kind)kind)) continue;
        if (!scratch_fit(scratch, value_size)) return RULES_NO_MEMORY;
        const char *out;
        size_t out_size;
        if (!unicode_transform_into(case_transforms[kind], value, value_size, scratch->units,
                                    scratch->unit_capacity, &out, &out_size))
            continue; /* not UTF-8: the loader checked it is, so only a caller's test gets here */
        if (out_size == value_size && memcmp(out, value, value_size) == 0) continue;
        changed |= 1u << kind;
        memcpy(scratch->bytes, out, out_size);
        value = scratch->bytes;
        value_size = out_size;
    }
    if (rules_has(rules, RULE_MAP) && RULE_MAP < limit) {
        int32_t entry = rules_map_find(rules, value, value_size);
        if (entry >= 0) {
            const struct rule_string *to = &rules->map_to[entry];
            const char *target = (const char *)rules->text.data + to->offset;
            if (to->size != value_size || memcmp(target, value, value_size) != 0)
                changed |= 1u << RULE_MAP;
            value = target;
            value_size = to->size;
        }
    }
    *data = value;
    *size = value_size;
    *changed_kinds_out = changed;
    return RULES_OK;
}

/* ---- Validators ------------------------------------------------------------------------------ */

/* Length of value's prefix shown in a reason: at most RULES_REASON_VALUE_SIZE_MAX bytes, never
 * cutting a UTF-8 sequence. */
static int shown_size(const char *value, size_t size)
{
    if (size <= RULES_REASON_VALUE_SIZE_MAX) return (int)size;
    size_t cut = RULES_REASON_VALUE_SIZE_MAX;
    while (cut > 0 && ((unsigned char)value[cut] & 0xc0) == 0x80)
        cut--;
    return (int)cut;
}

static enum rules_outcome reject(enum rule_kind kind, enum rule_kind *broken_out, char *reason,
                                 size_t reason_size, const char *detail, const char *value,
                                 size_t size)
{
    *broken_out = kind;
    int shown = shown_size(value, size);
    switch (kind) {
    case RULE_PHONE:
        snprintf(reason, reason_size, "rule phone: '%.*s%s' is not a phone number (%s)", shown,
                 value, (size_t)shown < size ? "..." : "", detail);
        break;
    case RULE_EMAIL:
        snprintf(reason, reason_size, "rule email: '%.*s%s' is not an email address (%s)", shown,
                 value, (size_t)shown < size ? "..." : "", detail);
        break;
    case RULE_ALLOWED:
        snprintf(reason, reason_size, "rule allowed: '%.*s%s' is not one of the allowed values",
                 shown, value, (size_t)shown < size ? "..." : "");
        break;
    default:
        snprintf(reason, reason_size, "%s", RULES_REQUIRED_REASON);
        break;
    }
    return RULES_REJECTED;
}

enum rules_outcome rules_apply_string(const struct attribute_rules *rules,
                                      struct rules_scratch *scratch, const char **data,
                                      size_t *size, uint32_t *changed_kinds_out,
                                      enum rule_kind *broken_out, char *reason, size_t reason_size)
{
    const char *value = *data;
    size_t value_size = *size;
    uint32_t changed = 0;
    enum rules_outcome outcome =
        rules_normalise(rules, RULE_PHONE, scratch, &value, &value_size, &changed);
    if (outcome == RULES_NO_MEMORY) return outcome;
    if (outcome == RULES_NULL) {
        if (rules_has(rules, RULE_REQUIRED))
            return reject(RULE_REQUIRED, broken_out, reason, reason_size, "", "", 0);
        *changed_kinds_out = changed;
        return RULES_NULL;
    }
    if (rules_has(rules, RULE_PHONE)) {
        size_t phone_size = 0;
        const char *why = rules_phone_normalise(value, value_size, rules->phone_country,
                                                scratch->phone, &phone_size);
        if (why != NULL)
            return reject(RULE_PHONE, broken_out, reason, reason_size, why, value, value_size);
        if (phone_size != value_size || memcmp(scratch->phone, value, value_size) != 0)
            changed |= 1u << RULE_PHONE;
        value = scratch->phone;
        value_size = phone_size;
    }
    if (rules_has(rules, RULE_EMAIL)) {
        const char *why = rules_email_check(value, value_size);
        if (why != NULL)
            return reject(RULE_EMAIL, broken_out, reason, reason_size, why, value, value_size);
    }
    if (rules_has(rules, RULE_ALLOWED) && !rules_allowed_contains(rules, value, value_size))
        return reject(RULE_ALLOWED, broken_out, reason, reason_size, "", value, value_size);
    if (rules_has(rules, RULE_REQUIRED) && value_size == 0)
        return reject(RULE_REQUIRED, broken_out, reason, reason_size, "", "", 0);
    *data = value;
    *size = value_size;
    *changed_kinds_out = changed;
    return RULES_OK;
}

enum rules_outcome rules_check_int(const struct attribute_rules *rules, int64_t value,
                                   enum rule_kind *broken_out, char *reason, size_t reason_size)
{
    if (!rules_has(rules, RULE_RANGE)) return RULES_OK;
    if ((rules->has_range_min && value < rules->range_min_int) ||
        (rules->has_range_max && value > rules->range_max_int)) {
        *broken_out = RULE_RANGE;
        char low[24] = "", high[24] = "";
        if (rules->has_range_min)
            snprintf(low, sizeof low, "%lld", (long long)rules->range_min_int);
        if (rules->has_range_max)
            snprintf(high, sizeof high, "%lld", (long long)rules->range_max_int);
        snprintf(reason, reason_size, "rule range(%s,%s): %lld is out of range", low, high,
                 (long long)value);
        return RULES_REJECTED;
    }
    return RULES_OK;
}

enum rules_outcome rules_check_float(const struct attribute_rules *rules, double value,
                                     enum rule_kind *broken_out, char *reason, size_t reason_size)
{
    if (!rules_has(rules, RULE_RANGE)) return RULES_OK;
    if ((rules->has_range_min && value < rules->range_min_float) ||
        (rules->has_range_max && value > rules->range_max_float)) {
        *broken_out = RULE_RANGE;
        char low[40] = "", high[40] = "", shown[40];
        if (rules->has_range_min) rules_format_float(rules->range_min_float, low, sizeof low);
        if (rules->has_range_max) rules_format_float(rules->range_max_float, high, sizeof high);
        rules_format_float(value, shown, sizeof shown);
        snprintf(reason, reason_size, "rule range(%s,%s): %s is out of range", low, high, shown);
        return RULES_REJECTED;
    }
    return RULES_OK;
}
