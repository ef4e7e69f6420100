/*
 * Data-quality rules in schema text: parsing one rule word, checking an attribute's rules as
 * a whole, rendering them back in canonical form (see rules.h for the syntax).
 *
 * A rule word is `name` or `name(items)`; items are separated by ',' and each is one value
 * or, for map, `value=value`; a value is bare ([A-Za-z0-9_.+@/:-] and bytes >= 0x80) or
 * double-quoted with "" for a quote. Every error names the line and the column of the
 * offending byte. Canonical form: rules in enum rule_kind order, items in declaration order
 * separated by ',' without spaces, values quoted only when a bare word cannot hold them.
 */
#include "catalog/rules.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/status.h"

static const char *const kind_names[RULE_KIND_COUNT] = {
    [RULE_TRIM] = "trim",       [RULE_NFC] = "nfc",           [RULE_LOWER] = "lower",
    [RULE_UPPER] = "upper",     [RULE_CASEFOLD] = "casefold", [RULE_MAP] = "map",
    [RULE_PHONE] = "phone",     [RULE_EMAIL] = "email",       [RULE_RANGE] = "range",
    [RULE_ALLOWED] = "allowed", [RULE_REQUIRED] = "required",
};

#define RULE_ITEMS_MAX RULE_LIST_ENTRIES_MAX

const char *rule_kind_name(enum rule_kind kind)
{
    return (unsigned)kind < RULE_KIND_COUNT ? kind_names[kind] : "unknown";
}

static bool is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_TEXT || type == PDB_TYPE_CATEGORY;
}

static bool is_bare_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '+' || c == '-' || c == '@' || c == '/' || c == ':' || c >= 0x80;
}

static size_t name_length(const char *word, size_t size)
{
    size_t n = 0;
    while (n < size && ((word[n] >= 'a' && word[n] <= 'z') || (word[n] >= 'A' && word[n] <= 'Z')))
        n++;
    return n;
}

static int kind_of(const char *name, size_t size)
{
    for (int kind = 0; kind < RULE_KIND_COUNT; kind++)
        if (strlen(kind_names[kind]) == size && strncasecmp(kind_names[kind], name, size) == 0)
            return kind;
    return -1;
}

bool rules_is_rule_word(const char *word, size_t size)
{
    size_t n = name_length(word, size);
    return kind_of(word, n) >= 0 && (n == size || word[n] == '(');
}

/* ---- Items ------------------------------------------------------------------------------ */

struct item_value {
    size_t start, size; /* in the decoded buffer */
    size_t column;      /* 0-based offset of its first byte in the word */
    bool is_quoted;
};

struct item {
    struct item_value left, right;
    bool has_right;
};

struct item_list {
    struct item *items;
    uint32_t count;
    struct buffer decoded; /* the values, unquoted */
};

static void item_list_deinit(struct item_list *list)
{
    mem_free(list->items);
    buffer_deinit(&list->decoded);
}

struct cursor {
    const char *word;
    size_t size, at;
    const char *source;
    unsigned line_number;
    size_t column; /* of the word */
    struct pdb_error *error;
};

#define FAIL_AT(cursor, offset, ...) error_set_at((cursor), (offset), __VA_ARGS__)

static enum pdb_status error_set_at(const struct cursor *cursor, size_t offset, const char *format,
                                    ...) __attribute__((format(printf, 3, 4)));

static enum pdb_status error_set_at(const struct cursor *cursor, size_t offset, const char *format,
                                    ...)
{
    char reason[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(reason, sizeof reason, format, arguments);
    va_end(arguments);
    return error_set(cursor->error, PDB_ERR_SCHEMA, "%s:%u:%zu: %s", cursor->source,
                     cursor->line_number, cursor->column + offset, reason);
}

static void skip_spaces(struct cursor *cursor)
{
    while (cursor->at < cursor->size &&
           (cursor->word[cursor->at] == ' ' || cursor->word[cursor->at] == '\t'))
        cursor->at++;
}

static enum pdb_status parse_value(struct cursor *cursor, struct item_list *list,
                                   struct item_value *value)
{
    skip_spaces(cursor);
    value->column = cursor->at;
    value->start = list->decoded.size;
    value->is_quoted = false;
    const char *word = cursor->word;
    if (cursor->at < cursor->size && word[cursor->at] == '"') {
        value->is_quoted = true;
        cursor->at++;
        for (;;) {
            if (cursor->at >= cursor->size)
                return FAIL_AT(cursor, value->column, "unterminated quoted value");
            char c = word[cursor->at++];
            if (c == '"') {
                if (cursor->at < cursor->size && word[cursor->at] == '"') {
                    cursor->at++;
                } else {
                    break;
                }
            }
            if (buffer_append(&list->decoded, &c, 1) != 0)
                return error_set(cursor->error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        }
    } else {
        size_t start = cursor->at;
        while (cursor->at < cursor->size && is_bare_byte((unsigned char)word[cursor->at]))
            cursor->at++;
        if (buffer_append(&list->decoded, word + start, cursor->at - start) != 0)
            return error_set(cursor->error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    }
    value->size = list->decoded.size - value->start;
    skip_spaces(cursor);
    return PDB_OK;
}

/* Parses "(item, item, ...)" from cursor->at (at the '('), through the word's end. */
static enum pdb_status parse_items(struct cursor *cursor, bool allow_pairs, struct item_list *list)
{
    size_t open = cursor->at;
    cursor->at++; /* '(' */
    size_t capacity = 0;
    for (;;) {
        if (list->count == RULE_ITEMS_MAX)
            return FAIL_AT(cursor, cursor->at, "more than %u items in one rule", RULE_ITEMS_MAX);
        void *grown = list->items;
        if (mem_grow(&grown, &capacity, list->count + 1u, sizeof *list->items) != 0)
            return error_set(cursor->error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        list->items = grown;
        struct item *item = &list->items[list->count];
        *item = (struct item){0};
        enum pdb_status status = parse_value(cursor, list, &item->left);
        if (status != PDB_OK) return status;
        if (cursor->at < cursor->size && cursor->word[cursor->at] == '=') {
            if (!allow_pairs)
                return FAIL_AT(cursor, cursor->at, "unexpected '=' (only map takes pairs)");
            cursor->at++;
            item->has_right = true;
            if ((status = parse_value(cursor, list, &item->right)) != PDB_OK) return status;
        }
        list->count++;
        if (cursor->at >= cursor->size)
            return FAIL_AT(cursor, open, "unterminated '(': expected ')'");
        char c = cursor->word[cursor->at];
        if (c == ')') {
            cursor->at++;
            break;
        }
        if (c != ',') {
            return FAIL_AT(cursor, cursor->at,
                           "unexpected '%c' (quote a value holding spaces, commas, "
                           "parentheses, quotes or '=')",
                           c);
        }
        cursor->at++;
    }
    if (cursor->at != cursor->size) return FAIL_AT(cursor, cursor->at, "unexpected text after ')'");
    return PDB_OK;
}

/* ---- Rule words ----------------------------------------------------------------------------- */

static int add_string(struct attribute_rules *rules, const struct item_list *list,
                      const struct item_value *value, size_t word_column, struct rule_string *out)
{
    if (rules->text.size + value->size > UINT32_MAX) return -1;
    out->offset = (uint32_t)rules->text.size;
    out->size = (uint32_t)value->size;
    out->column = (uint32_t)(word_column + value->column);
    return buffer_append(&rules->text, list->decoded.data + value->start, value->size);
}

static enum pdb_status parse_number(const struct cursor *cursor, const struct item_list *list,
                                    const struct item_value *value, enum pdb_type type,
                                    int64_t *int_out, double *float_out)
{
    char text[64];
    if (value->size >= sizeof text || value->is_quoted)
        return FAIL_AT(cursor, value->column, "range bound is not a number");
    memcpy(text, list->decoded.data + value->start, value->size);
    text[value->size] = '\0';
    char *end = NULL;
    errno = 0;
    if (type == PDB_TYPE_INT) {
        long long parsed = strtoll(text, &end, 10);
        if (end == text || *end != '\0' || errno == ERANGE)
            return FAIL_AT(cursor, value->column, "range bound '%s' is not an int64 integer", text);
        *int_out = parsed;
    } else {
        double parsed = strtod(text, &end);
        if (end == text || *end != '\0' || !isfinite(parsed))
            return FAIL_AT(cursor, value->column, "range bound '%s' is not a finite number", text);
        *float_out = parsed;
    }
    return PDB_OK;
}

static enum pdb_status parse_range(const struct cursor *cursor, struct attribute_rules *rules,
                                   enum pdb_type type, const struct item_list *list)
{
    if (list->count != 2)
        return FAIL_AT(cursor, 0,
                       "range takes two bounds, range(min,max); leave one empty for "
                       "no bound");
    const struct item_value *low = &list->items[0].left, *high = &list->items[1].left;
    rules->has_range_min = low->size > 0;
    rules->has_range_max = high->size > 0;
    if (!rules->has_range_min && !rules->has_range_max)
        return FAIL_AT(cursor, 0, "range needs at least one bound");
    enum pdb_status status = PDB_OK;
    if (rules->has_range_min)
        status =
            parse_number(cursor, list, low, type, &rules->range_min_int, &rules->range_min_float);
    if (status == PDB_OK && rules->has_range_max)
        status =
            parse_number(cursor, list, high, type, &rules->range_max_int, &rules->range_max_float);
    if (status != PDB_OK) return status;
    if (rules->has_range_min && rules->has_range_max &&
        (type == PDB_TYPE_INT ? rules->range_min_int > rules->range_max_int
                              : rules->range_min_float > rules->range_max_float))
        return FAIL_AT(cursor, high->column, "range maximum is below its minimum");
    return PDB_OK;
}

static enum pdb_status parse_phone(const struct cursor *cursor, struct attribute_rules *rules,
                                   const struct item_list *list)
{
    const struct item_value *value = &list->items[0].left;
    const char *text = (const char *)list->decoded.data + value->start;
    bool ok = list->count == 1 && value->size >= 2 && value->size <= 4 && text[0] == '+' &&
              text[1] != '0';
    for (size_t i = 1; ok && i < value->size; i++)
        ok = text[i] >= '0' && text[i] <= '9';
    if (!ok)
        return FAIL_AT(cursor, value->column,
                       "phone takes one default country calling code, "
                       "'+' and 1 to 3 digits not starting with 0, as in phone(+44)");
    memcpy(rules->phone_country, text + 1, value->size - 1);
    rules->phone_country[value->size - 1] = '\0';
    return PDB_OK;
}

static enum pdb_status parse_list(const struct cursor *cursor, struct attribute_rules *rules,
                                  enum rule_kind kind, const struct item_list *list)
{
    uint32_t count = list->count;
    struct rule_string *left = mem_calloc(count, sizeof *left);
    struct rule_string *right = kind == RULE_MAP ? mem_calloc(count, sizeof *right) : NULL;
    enum pdb_status status = PDB_OK;
    if (left == NULL || (kind == RULE_MAP && right == NULL)) goto no_memory;
    for (uint32_t i = 0; i < count && status == PDB_OK; i++) {
        const struct item *item = &list->items[i];
        if (kind == RULE_MAP && !item->has_right) {
            status = FAIL_AT(cursor, item->left.column, "map items are FROM=TO pairs");
            break;
        }
        for (int side = 0; side < (kind == RULE_MAP ? 2 : 1); side++) {
            const struct item_value *value = side == 0 ? &item->left : &item->right;
            if (value->size == 0 && !value->is_quoted) {
                status =
                    FAIL_AT(cursor, value->column, "empty value (write \"\" for the empty string)");
                break;
            }
            if (add_string(rules, list, value, cursor->column, side == 0 ? &left[i] : &right[i]) !=
                0)
                goto no_memory;
        }
    }
    if (status != PDB_OK) {
        mem_free(left);
        mem_free(right);
        return status;
    }
    if (kind == RULE_MAP) {
        rules->map_from = left, rules->map_to = right, rules->map_count = count;
    } else {
        rules->allowed = left, rules->allowed_count = count;
    }
    return PDB_OK;
no_memory:
    mem_free(left);
    mem_free(right);
    return error_set(cursor->error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
}

static const char *types_of(enum rule_kind kind)
{
    if (kind == RULE_REQUIRED) return "every type";
    if (kind == RULE_RANGE) return "int and float attributes";
    return "text and category attributes";
}

static bool fits_type(enum rule_kind kind, enum pdb_type type)
{
    if (kind == RULE_REQUIRED) return true;
    if (kind == RULE_RANGE) return type == PDB_TYPE_INT || type == PDB_TYPE_FLOAT;
    return is_string_type(type);
}

enum pdb_status rules_parse_word(struct attribute_rules **rules_inout, enum pdb_type type,
                                 const char *word, size_t size, const char *source,
                                 unsigned line_number, size_t column, struct pdb_error *error)
{
    struct cursor cursor = {.word = word,
                            .size = size,
                            .source = source,
                            .line_number = line_number,
                            .column = column,
                            .error = error};
    size_t n = name_length(word, size);
    int found = kind_of(word, n);
    if (found < 0 || (n < size && word[n] != '('))
        return FAIL_AT(&cursor, 0, "unknown rule '%.*s'", (int)size, word);
    enum rule_kind kind = (enum rule_kind)found;
    if (!fits_type(kind, type))
        return FAIL_AT(&cursor, 0, "rule '%s' applies to %s, not %s", kind_names[kind],
                       types_of(kind), pdb_type_name(type));
    bool has_items = n < size;
    bool takes_items = kind == RULE_MAP || kind == RULE_ALLOWED || kind == RULE_RANGE;
    if (has_items && !takes_items && kind != RULE_PHONE)
        return FAIL_AT(&cursor, n, "rule '%s' takes no arguments", kind_names[kind]);
    if (!has_items && takes_items)
        return FAIL_AT(&cursor, n, "rule '%s' needs arguments: %s", kind_names[kind],
                       kind == RULE_MAP     ? "map(FROM=TO,...)"
                       : kind == RULE_RANGE ? "range(min,max)"
                                            : "allowed(value,...)");
    struct attribute_rules *rules = *rules_inout;
    if (rules != NULL && (rules->kinds & (1u << kind)))
        return FAIL_AT(&cursor, 0, "rule '%s' given twice", kind_names[kind]);

    struct item_list list = {0};
    enum pdb_status status = PDB_OK;
    if (has_items) {
        cursor.at = n;
        status = parse_items(&cursor, kind == RULE_MAP, &list);
    }
    if (status == PDB_OK && rules == NULL) {
        rules = mem_calloc(1, sizeof *rules);
        if (rules == NULL)
            status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        else
            *rules_inout = rules;
    }
    if (status == PDB_OK) {
        switch (kind) {
        case RULE_RANGE:
            status = parse_range(&cursor, rules, type, &list);
            break;
        case RULE_PHONE:
            if (has_items) status = parse_phone(&cursor, rules, &list);
            break;
        case RULE_MAP:
        case RULE_ALLOWED:
            status = parse_list(&cursor, rules, kind, &list);
            break;
        default:
            break;
        }
    }
    if (status == PDB_OK) rules->kinds |= 1u << kind;
    item_list_deinit(&list);
    return status;
}

/* ---- Whole-attribute checks ---------------------------------------------------------------- */

static int compare_bytes(const char *a, size_t a_size, const char *b, size_t b_size)
{
    int order = memcmp(a, b, a_size < b_size ? a_size : b_size);
    if (order != 0) return order;
    return a_size < b_size ? -1 : a_size > b_size;
}

struct sort_entry {
    const char *data;
    uint32_t size, index;
};

static int compare_entries(const void *a, const void *b)
{
    const struct sort_entry *x = a, *y = b;
    int order = compare_bytes(x->data, x->size, y->data, y->size);
    if (order != 0) return order;
    return x->index < y->index ? -1 : 1;
}

/* Sorted index over strings[0..count); a duplicate's column in *duplicate_column (else 0). */
static uint32_t *sorted_order(const struct attribute_rules *rules,
                              const struct rule_string *strings, uint32_t count,
                              uint32_t *duplicate_column)
{
    uint32_t *order = mem_alloc((count ? count : 1) * sizeof *order);
    struct sort_entry *entries = mem_alloc((count ? count : 1) * sizeof *entries);
    if (order == NULL || entries == NULL) {
        mem_free(order);
        mem_free(entries);
        return NULL;
    }
    const char *text = (const char *)rules->text.data;
    for (uint32_t i = 0; i < count; i++)
        entries[i] = (struct sort_entry){text + strings[i].offset, strings[i].size, i};
    qsort(entries, count, sizeof *entries, compare_entries);
    *duplicate_column = 0;
    for (uint32_t i = 0; i < count; i++) {
        order[i] = entries[i].index;
        if (i > 0 && *duplicate_column == 0 &&
            compare_bytes(entries[i - 1].data, entries[i - 1].size, entries[i].data,
                          entries[i].size) == 0)
            *duplicate_column = strings[entries[i].index].column;
    }
    mem_free(entries);
    return order;
}

static enum pdb_status check_fixed_point(const struct attribute_rules *rules, enum rule_kind limit,
                                         struct rules_scratch *scratch,
                                         const struct rule_string *entry, const char *what,
                                         const char *source, unsigned line_number,
                                         struct pdb_error *error)
{
    const char *text = (const char *)rules->text.data + entry->offset;
    const char *data = text;
    size_t size = entry->size;
    uint32_t changed = 0;
    enum rules_outcome outcome = rules_normalise(rules, limit, scratch, &data, &size, &changed);
    if (outcome == RULES_NO_MEMORY)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    if (outcome != RULES_OK || size != entry->size || memcmp(data, text, size) != 0) {
        int shown = entry->size > 40 ? 40 : (int)entry->size;
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%u: %s '%.*s' can never match: the rules "
                         "before it change every such value (write it as they leave it)",
                         source, line_number, entry->column, what, shown, text);
    }
    return PDB_OK;
}

static const struct rule_string *find_sorted(const struct attribute_rules *rules,
                                             const struct rule_string *strings,
                                             const uint32_t *order, uint32_t count,
                                             const char *data, size_t size);

enum pdb_status rules_check(struct attribute_rules *rules, enum pdb_type type, const char *source,
                            unsigned line_number, size_t column, struct pdb_error *error)
{
    if (rules == NULL) return PDB_OK;
    uint32_t cases = (rules->kinds >> RULE_LOWER) & 7u;
    if (cases != 0 && (cases & (cases - 1)) != 0)
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: lower, upper and casefold exclude "
                         "each other: give at most one",
                         source, line_number, column);
    if (rules_has(rules, RULE_PHONE) && rules_has(rules, RULE_EMAIL))
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: rules 'phone' and 'email' exclude each "
                         "other",
                         source, line_number, column);
    uint32_t duplicate = 0;
    if (rules_has(rules, RULE_MAP)) {
        rules->map_order = sorted_order(rules, rules->map_from, rules->map_count, &duplicate);
        if (rules->map_order == NULL)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        if (duplicate != 0)
            return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%u: map names this value twice", source,
                             line_number, duplicate);
    }
    if (rules_has(rules, RULE_ALLOWED)) {
        rules->allowed_order =
            sorted_order(rules, rules->allowed, rules->allowed_count, &duplicate);
        if (rules->allowed_order == NULL)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        if (duplicate != 0)
            return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%u: allowed names this value twice",
                             source, line_number, duplicate);
    }
    struct rules_scratch scratch;
    rules_scratch_init(&scratch);
    enum pdb_status status = PDB_OK;
    for (uint32_t i = 0; i < rules->map_count && status == PDB_OK; i++)
        status = check_fixed_point(rules, RULE_MAP, &scratch, &rules->map_from[i], "map key",
                                   source, line_number, error);
    /* An allowed value must survive the normalisers and the map (phone and email aside). */
    for (uint32_t i = 0; i < rules->allowed_count && status == PDB_OK; i++)
        status = check_fixed_point(rules, RULE_PHONE, &scratch, &rules->allowed[i], "allowed value",
                                   source, line_number, error);
    for (uint32_t i = 0; rules_has(rules, RULE_ALLOWED) && i < rules->map_count && status == PDB_OK;
         i++) {
        const struct rule_string *to = &rules->map_to[i];
        const char *text = (const char *)rules->text.data + to->offset;
        if (find_sorted(rules, rules->allowed, rules->allowed_order, rules->allowed_count, text,
                        to->size) == NULL) {
            int shown = to->size > 40 ? 40 : (int)to->size;
            status = error_set(error, PDB_ERR_SCHEMA,
                               "%s:%u:%u: map target '%.*s' is not in "
                               "allowed(...)",
                               source, line_number, to->column, shown, text);
        }
    }
    rules_scratch_deinit(&scratch);
    if (status != PDB_OK) return status;
    struct buffer canonical;
    buffer_init(&canonical);
    if (rules_render(rules, type, &canonical) != 0 || buffer_append(&canonical, "", 1) != 0) {
        buffer_deinit(&canonical);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    }
    memmove(canonical.data, canonical.data + 1, canonical.size - 1); /* drop the leading space */
    rules->canonical = (char *)canonical.data;
    return PDB_OK;
}

static const struct rule_string *find_sorted(const struct attribute_rules *rules,
                                             const struct rule_string *strings,
                                             const uint32_t *order, uint32_t count,
                                             const char *data, size_t size)
{
    const char *text = (const char *)rules->text.data;
    uint32_t low = 0, high = count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        const struct rule_string *entry = &strings[order[middle]];
        int cmp = compare_bytes(text + entry->offset, entry->size, data, size);
        if (cmp == 0) return entry;
        if (cmp < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

/* Index of the map entry whose key is data[0..size), or -1 (for rules_apply.c). */
int32_t rules_map_find(const struct attribute_rules *rules, const char *data, size_t size)
{
    const struct rule_string *entry =
        find_sorted(rules, rules->map_from, rules->map_order, rules->map_count, data, size);
    return entry == NULL ? -1 : (int32_t)(entry - rules->map_from);
}

bool rules_allowed_contains(const struct attribute_rules *rules, const char *data, size_t size)
{
    return find_sorted(rules, rules->allowed, rules->allowed_order, rules->allowed_count, data,
                       size) != NULL;
}

void rules_destroy(struct attribute_rules *rules)
{
    if (rules == NULL) return;
    mem_free(rules->map_from);
    mem_free(rules->map_to);
    mem_free(rules->map_order);
    mem_free(rules->allowed);
    mem_free(rules->allowed_order);
    buffer_deinit(&rules->text);
    mem_free(rules->canonical);
    mem_free(rules);
}

/* ---- Rendering ------------------------------------------------------------------------------ */

static int render_value(const struct attribute_rules *rules, const struct rule_string *value,
                        struct buffer *out)
{
    const char *text = (const char *)rules->text.data + value->offset;
    bool is_bare = value->size > 0;
    for (uint32_t i = 0; i < value->size && is_bare; i++)
        is_bare = is_bare_byte((unsigned char)text[i]);
    if (is_bare) return buffer_append(out, text, value->size);
    if (buffer_append(out, "\"", 1) != 0) return -1;
    for (uint32_t i = 0; i < value->size; i++) {
        if (text[i] == '"' && buffer_append(out, "\"", 1) != 0) return -1;
        if (buffer_append(out, text + i, 1) != 0) return -1;
    }
    return buffer_append(out, "\"", 1);
}

void rules_format_float(double value, char *out, size_t out_size)
{
    if (value == (double)(int64_t)value && value > -1e15 && value < 1e15) {
        snprintf(out, out_size, "%lld", (long long)value);
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, out_size, "%.*g", digits, value);
        if (strtod(out, NULL) == value) return;
    }
}

static int render_float(double value, struct buffer *out)
{
    char text[40];
    rules_format_float(value, text, sizeof text);
    return buffer_printf(out, "%s", text);
}

static int render_bound(const struct attribute_rules *rules, enum pdb_type type, bool is_max,
                        struct buffer *out)
{
    if (!(is_max ? rules->has_range_max : rules->has_range_min)) return 0;
    if (type == PDB_TYPE_INT)
        return buffer_printf(out, "%lld",
                             (long long)(is_max ? rules->range_max_int : rules->range_min_int));
    return render_float(is_max ? rules->range_max_float : rules->range_min_float, out);
}

int rules_render(const struct attribute_rules *rules, enum pdb_type type, struct buffer *out)
{
    if (rules == NULL) return 0;
    for (int kind = 0; kind < RULE_KIND_COUNT; kind++) {
        if (!(rules->kinds & (1u << kind))) continue;
        if (buffer_printf(out, " %s", kind_names[kind]) != 0) return -1;
        if (kind == RULE_PHONE && rules->phone_country[0] != '\0' &&
            buffer_printf(out, "(+%s)", rules->phone_country) != 0)
            return -1;
        if (kind == RULE_RANGE) {
            if (buffer_append(out, "(", 1) != 0 || render_bound(rules, type, false, out) != 0 ||
                buffer_append(out, ",", 1) != 0 || render_bound(rules, type, true, out) != 0 ||
                buffer_append(out, ")", 1) != 0)
                return -1;
        }
        if (kind == RULE_MAP || kind == RULE_ALLOWED) {
            uint32_t count = kind == RULE_MAP ? rules->map_count : rules->allowed_count;
            const struct rule_string *left = kind == RULE_MAP ? rules->map_from : rules->allowed;
            if (buffer_append(out, "(", 1) != 0) return -1;
            for (uint32_t i = 0; i < count; i++) {
                if (i > 0 && buffer_append(out, ",", 1) != 0) return -1;
                if (render_value(rules, &left[i], out) != 0) return -1;
                if (kind == RULE_MAP && (buffer_append(out, "=", 1) != 0 ||
                                         render_value(rules, &rules->map_to[i], out) != 0))
                    return -1;
            }
            if (buffer_append(out, ")", 1) != 0) return -1;
        }
    }
    return 0;
}
