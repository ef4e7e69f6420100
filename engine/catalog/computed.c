/*
 * Computed attribute lines of a schema: shape, names, rendering, lookup (see computed.h).
 *
 * schema.c offers every line that is neither an event line nor a property line to
 * computed_is_line first; the definition itself is only stored here, never interpreted.
 */
#include "catalog/computed.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/status.h"
#include "catalog/schema.h"

static_assert(PDB_ATTRIBUTE_NAME_SIZE_MAX + 1 == sizeof ((struct computed_attribute *)0)->name,
              "computed names are as long as attribute names");

static bool is_name_byte(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool computed_is_line(const char *line, size_t size)
{
    size_t i = 0;
    while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t start = i;
    while (i < size && is_name_byte(line[i])) i++;
    if (i == start) return false;
    while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
    return i < size && line[i] == '=';
}

enum pdb_status computed_catalog_parse_line(struct computed_catalog *catalog, const char *line,
                                            size_t size, const char *source,
                                            unsigned line_number, struct pdb_error *error)
{
    size_t i = 0;
    while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t name_start = i;
    while (i < size && is_name_byte(line[i])) i++;
    const char *name = line + name_start;
    size_t name_size = i - name_start, column = name_start + 1;
    if (name_size > PDB_ATTRIBUTE_NAME_SIZE_MAX) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: computed attribute name is %zu bytes long (limit %u)", source,
                         line_number, column, name_size, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    }
    if (name[0] >= '0' && name[0] <= '9') {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: invalid character '%c' in attribute name '%.*s' (names are "
                         "letters, digits and '_', not starting with a digit)",
                         source, line_number, column, name[0], (int)name_size, name);
    }
    if (catalog_is_reserved_word(name, name_size)) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: '%.*s' is a reserved word of the segment language and "
                         "cannot name an attribute",
                         source, line_number, column, (int)name_size, name);
    }
    if (name_size == 5 && strncasecmp(name, "event", 5) == 0) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: 'event' starts an event declaration and cannot name an "
                         "attribute", source, line_number, column);
    }
    if (computed_catalog_find(catalog, name, name_size) >= 0) {
        return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: duplicate computed attribute '%.*s'",
                         source, line_number, column, (int)name_size, name);
    }
    if (catalog->count == PDB_COMPUTED_ATTRIBUTES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s:%u:%zu: more than %u computed attributes",
                         source, line_number, column, PDB_COMPUTED_ATTRIBUTES_MAX);
    }
    while (i < size && line[i] != '=') i++; /* blanks (computed_is_line holds) */
    size_t equals_column = i + 1;
    i++;
    while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t start = i, end = i;
    bool is_quoted = false;
    for (; end < size; end++) { /* a '#' outside a segment string starts a comment */
        if (line[end] == '\'') is_quoted = !is_quoted; /* '' re-opens at once */
        else if (line[end] == '#' && !is_quoted) break;
    }
    /* Blanks end it, and so does a CR: the rendered line ends there, and CR LF is a line end. */
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
        end--;
    if (end == start) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: computed attribute '%.*s' has no definition (expected "
                         "'<name> = <event aggregate>', as in orders_30d = count(purchase, 30d))",
                         source, line_number, equals_column + 1, (int)name_size, name);
    }
    if (end - start > PDB_COMPUTED_DEFINITION_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT,
                         "%s:%u:%zu: the definition of '%.*s' is %zu bytes long (limit %u)",
                         source, line_number, start + 1, (int)name_size, name, end - start,
                         PDB_COMPUTED_DEFINITION_SIZE_MAX);
    }
    struct computed_attribute attribute = {0};
    for (size_t k = 0; k < name_size; k++)
        attribute.name[k] = (char)tolower((unsigned char)name[k]);
    attribute.definition = mem_alloc(end - start + 1);
    if (attribute.definition == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    memcpy(attribute.definition, line + start, end - start);
    attribute.definition[end - start] = '\0';
    attribute.definition_size = (uint32_t)(end - start);
    attribute.line = line_number;
    attribute.column = (uint32_t)(start + 1);
    attribute.type = PDB_TYPE_COUNT;
    struct computed_attribute *grown =
        mem_realloc(catalog->attributes, (catalog->count + 1) * sizeof *grown);
    if (grown == NULL) {
        mem_free(attribute.definition);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
    }
    catalog->attributes = grown;
    catalog->attributes[catalog->count++] = attribute;
    return PDB_OK;
}

void computed_catalog_deinit(struct computed_catalog *catalog)
{
    for (uint32_t i = 0; i < catalog->count; i++) mem_free(catalog->attributes[i].definition);
    mem_free(catalog->attributes);
    catalog->attributes = NULL;
    catalog->count = 0;
}

int computed_catalog_render(const struct computed_catalog *catalog, struct buffer *out)
{
    if (catalog->count > 0 && buffer_append(out, "\n", 1) != 0) return -1;
    for (uint32_t i = 0; i < catalog->count; i++) {
        const struct computed_attribute *attribute = &catalog->attributes[i];
        if (buffer_printf(out, "%-24s = %s\n", attribute->name, attribute->definition) != 0)
            return -1;
    }
    return 0;
}

int32_t computed_catalog_find(const struct computed_catalog *catalog, const char *name,
                              size_t size)
{
    for (uint32_t i = 0; i < catalog->count; i++) {
        const char *candidate = catalog->attributes[i].name;
        if (strlen(candidate) == size && strncasecmp(candidate, name, size) == 0) return (int32_t)i;
    }
    return -1;
}
