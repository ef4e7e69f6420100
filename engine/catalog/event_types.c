/*
 * Event type declarations of a schema: parsing, rendering, lookup (see event_types.h).
 *
 * schema.c hands every line to event_catalog_parse_line first; this file keeps the one bit
 * of state the block syntax needs (is a declaration open) inside the catalog while parsing.
 */
#include "catalog/event_types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "catalog/schema.h"

static_assert(PDB_ATTRIBUTE_NAME_SIZE_MAX + 1 == sizeof ((struct event_type *)0)->name,
              "event names are as long as attribute names");

struct word {
    const char *text;
    size_t size;
    size_t column; /* 1-based */
};

/* Splits a line into at most `capacity` words (a '#' ends it); returns the count, or
 * capacity + 1 when there are more. */
static size_t split_words(const char *line, size_t size, struct word *words, size_t capacity)
{
    size_t count = 0, i = 0;
    while (i < size) {
        while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
        if (i >= size || line[i] == '#') break;
        size_t start = i;
        while (i < size && line[i] != ' ' && line[i] != '\t' && line[i] != '#') i++;
        if (count == capacity) return capacity + 1;
        words[count++] = (struct word){line + start, i - start, start + 1};
    }
    return count;
}

static bool word_is(const struct word *word, const char *text)
{
    return strlen(text) == word->size && strncasecmp(text, word->text, word->size) == 0;
}

/* The attribute naming rules, for event and property names. */
static enum pdb_status check_name(const struct word *name, const char *what, const char *source,
                                  unsigned line_number, struct pdb_error *error)
{
    if (name->size > PDB_ATTRIBUTE_NAME_SIZE_MAX) {
        return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: %s name is %zu bytes long (limit %u)",
                         source, line_number, name->column, what, name->size,
                         PDB_ATTRIBUTE_NAME_SIZE_MAX);
    }
    for (size_t k = 0; k < name->size; k++) {
        char c = name->text[k];
        bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (k > 0 && c >= '0' && c <= '9');
        if (!ok) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: invalid character '%c' in %s name '%.*s' (names are "
                             "letters, digits and '_', not starting with a digit)",
                             source, line_number, name->column + k, c, what, (int)name->size,
                             name->text);
        }
    }
    if (catalog_is_reserved_word(name->text, name->size)) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: '%.*s' is a reserved word of the segment language and "
                         "cannot name %s",
                         source, line_number, name->column, (int)name->size, name->text,
                         strcmp(what, "event") == 0 ? "an event type" : "a property");
    }
    return PDB_OK;
}

static void copy_lower(char *out, const struct word *word)
{
    for (size_t k = 0; k < word->size; k++) out[k] = (char)tolower((unsigned char)word->text[k]);
    out[word->size] = '\0';
}

bool event_duration_parse(const char *text, size_t size, int64_t *seconds_out)
{
    if (size < 2) return false;
    int64_t unit;
    switch (text[size - 1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return false;
    }
    uint64_t count = 0;
    for (size_t i = 0; i + 1 < size; i++) {
        if (text[i] < '0' || text[i] > '9') return false;
        count = count * 10 + (uint64_t)(text[i] - '0');
        if (count > (uint64_t)INT64_MAX / (uint64_t)unit) return false;
    }
    *seconds_out = (int64_t)count * unit;
    return true;
}

void event_duration_format(int64_t seconds, char *buffer, size_t size)
{
    static const struct { int64_t seconds; char unit; } units[] = {
        {7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (seconds % units[i].seconds == 0 || units[i].seconds == 1) {
            snprintf(buffer, size, "%lld%c", (long long)(seconds / units[i].seconds), units[i].unit);
            return;
        }
    }
}

static enum pdb_status parse_event_line(struct event_catalog *catalog, const struct word *words,
                                        size_t count, const char *source, unsigned line_number,
                                        struct pdb_error *error)
{
    if (count < 2) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: 'event' needs a name (expected 'event <name> [retention "
                         "<duration>]')",
                         source, line_number, words[0].column + words[0].size);
    }
    const struct word *name = &words[1];
    enum pdb_status status = check_name(name, "event", source, line_number, error);
    if (status != PDB_OK) return status;
    if (event_catalog_find(catalog, name->text, name->size) >= 0) {
        return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: duplicate event type '%.*s'", source,
                         line_number, name->column, (int)name->size, name->text);
    }
    if (catalog->type_count == PDB_EVENT_TYPES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s:%u:%zu: more than %u event types", source,
                         line_number, name->column, PDB_EVENT_TYPES_MAX);
    }
    struct event_type type = {0};
    copy_lower(type.name, name);
    if (count >= 3) {
        if (!word_is(&words[2], "retention")) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: unexpected '%.*s' after the event name (expected "
                             "'retention <duration>' or the end of the line)",
                             source, line_number, words[2].column, (int)words[2].size,
                             words[2].text);
        }
        if (count < 4) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: 'retention' needs a duration such as 730d", source,
                             line_number, words[2].column + words[2].size);
        }
        if (!event_duration_parse(words[3].text, words[3].size, &type.retention_s) ||
            type.retention_s == 0) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: bad retention '%.*s' (expected a positive integer and "
                             "a unit s, m, h, d or w, as in 730d)",
                             source, line_number, words[3].column, (int)words[3].size,
                             words[3].text);
        }
        if (count > 4) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: unexpected '%.*s' after the retention", source,
                             line_number, words[4].column, (int)words[4].size, words[4].text);
        }
    }
    struct event_type *grown =
        mem_realloc(catalog->types, (catalog->type_count + 1) * sizeof *grown);
    if (grown == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    catalog->types = grown;
    catalog->types[catalog->type_count++] = type;
    catalog->is_open = true;
    return PDB_OK;
}

static enum pdb_status parse_property_line(struct event_type *type, const struct word *words,
                                           size_t count, const char *source,
                                           unsigned line_number, struct pdb_error *error)
{
    const struct word *name = &words[0];
    if (count < 2) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: property '%.*s' of event '%s' has no type (expected "
                         "'<property> <type>')",
                         source, line_number, name->column + name->size, (int)name->size,
                         name->text, type->name);
    }
    enum pdb_status status = check_name(name, "property", source, line_number, error);
    if (status != PDB_OK) return status;
    if (event_type_find_property(type, name->text, name->size) >= 0) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: duplicate property '%.*s' of event '%s'", source, line_number,
                         name->column, (int)name->size, name->text, type->name);
    }
    if (type->property_count == PDB_EVENT_PROPERTIES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s:%u:%zu: event '%s' has more than %u properties",
                         source, line_number, name->column, type->name, PDB_EVENT_PROPERTIES_MAX);
    }
    struct attribute property = {0};
    copy_lower(property.name, name);
    if (type_parse(words[1].text, words[1].size, &property.type) != 0 ||
        property.type == PDB_TYPE_TAGS) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: unknown property type '%.*s' (expected one of bool, int, "
                         "float, timestamp, category, text)",
                         source, line_number, words[1].column, (int)words[1].size, words[1].text);
    }
    if (count > 2) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: unexpected '%.*s': event properties take no flags", source,
                         line_number, words[2].column, (int)words[2].size, words[2].text);
    }
    struct attribute *grown =
        mem_realloc(type->properties, (type->property_count + 1) * sizeof *grown);
    if (grown == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    type->properties = grown;
    type->properties[type->property_count++] = property;
    return PDB_OK;
}

enum pdb_status event_catalog_parse_line(struct event_catalog *catalog, const char *line,
                                         size_t size, const char *source, unsigned line_number,
                                         bool *claimed_out, struct pdb_error *error)
{
    struct word words[8];
    size_t count = split_words(line, size, words, 8);
    *claimed_out = false;
    if (count == 0) return PDB_OK; /* blank or comment: keeps a declaration open */
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (count <= 8 && word_is(&words[0], "event") && !indented) {
        *claimed_out = true;
        return parse_event_line(catalog, words, count, source, line_number, error);
    }
    if (!indented || !catalog->is_open) {
        catalog->is_open = false;
        return PDB_OK;
    }
    *claimed_out = true;
    if (count > 8) {
        return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: too many words on one line", source,
                         line_number, words[0].column);
    }
    return parse_property_line(&catalog->types[catalog->type_count - 1], words, count, source,
                               line_number, error);
}

void event_catalog_deinit(struct event_catalog *catalog)
{
    for (uint32_t i = 0; i < catalog->type_count; i++) mem_free(catalog->types[i].properties);
    mem_free(catalog->types);
    catalog->types = NULL;
    catalog->type_count = 0;
    catalog->is_open = false;
}

int event_catalog_render(const struct event_catalog *catalog, struct buffer *out)
{
    for (uint32_t i = 0; i < catalog->type_count; i++) {
        const struct event_type *type = &catalog->types[i];
        if (buffer_printf(out, "\nevent %s", type->name) != 0) return -1;
        if (type->retention_s > 0) {
            char duration[32];
            event_duration_format(type->retention_s, duration, sizeof duration);
            if (buffer_printf(out, " retention %s", duration) != 0) return -1;
        }
        if (buffer_append(out, "\n", 1) != 0) return -1;
        for (uint32_t p = 0; p < type->property_count; p++) {
            const struct attribute *property = &type->properties[p];
            if (buffer_printf(out, "    %-20s %s\n", property->name,
                              pdb_type_name(property->type)) != 0)
                return -1;
        }
    }
    return 0;
}

int32_t event_catalog_find(const struct event_catalog *catalog, const char *name, size_t size)
{
    for (uint32_t i = 0; i < catalog->type_count; i++) {
        const char *candidate = catalog->types[i].name;
        if (strlen(candidate) == size && strncasecmp(candidate, name, size) == 0) return (int32_t)i;
    }
    return -1;
}

int32_t event_type_find_property(const struct event_type *type, const char *name, size_t size)
{
    for (uint32_t i = 0; i < type->property_count; i++) {
        const char *candidate = type->properties[i].name;
        if (strlen(candidate) == size && strncasecmp(candidate, name, size) == 0) return (int32_t)i;
    }
    return -1;
}

static const char *type_name_at(const void *context, uint32_t index)
{
    return ((const struct event_catalog *)context)->types[index].name;
}

static const char *property_name_at(const void *context, uint32_t index)
{
    return ((const struct event_type *)context)->properties[index].name;
}

const char *event_catalog_suggest(const struct event_catalog *catalog, const char *name,
                                  size_t size)
{
    return catalog_closest(name, size, type_name_at, catalog, catalog->type_count);
}

const char *event_type_suggest_property(const struct event_type *type, const char *name,
                                        size_t size)
{
    return catalog_closest(name, size, property_name_at, type, type->property_count);
}
