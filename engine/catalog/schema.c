/*
 * Schema parsing, rendering and name lookup (see schema.h).
 */
#include "catalog/schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/status.h"

static const char *const type_names[PDB_TYPE_COUNT] = {
    [PDB_TYPE_BOOL] = "bool",         [PDB_TYPE_INT] = "int",
    [PDB_TYPE_FLOAT] = "float",       [PDB_TYPE_TIMESTAMP] = "timestamp",
    [PDB_TYPE_CATEGORY] = "category", [PDB_TYPE_TEXT] = "text",
    [PDB_TYPE_TAGS] = "tags",
};

static const struct {
    const char *name;
    uint32_t flag;
} flag_names[] = {
    {"identifier", PDB_FLAG_IDENTIFIER},
    {"pii", PDB_FLAG_PII},
    {"indexed", PDB_FLAG_INDEXED},
    {"primary", PDB_FLAG_PRIMARY},
};

/* Words the segment parser treats as keywords; an attribute may not be named after one. */
static const char *const reserved_words[] = {
    "and",    "or",       "not",  "in",     "is",      "null",      "between",
    "true",   "false",    "has",  "any",    "all",     "starts",    "ends",
    "with",   "contains", "istarts", "iends", "icontains", "now", "like",
};

const char *pdb_type_name(enum pdb_type type)
{
    if ((unsigned)type >= PDB_TYPE_COUNT) return "unknown";
    return type_names[type];
}

int type_parse(const char *name, size_t size, enum pdb_type *type_out)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        if (strlen(type_names[type]) == size && strncasecmp(type_names[type], name, size) == 0) {
            *type_out = (enum pdb_type)type;
            return 0;
        }
    }
    return -1;
}

int catalog_is_reserved_word(const char *word, size_t size)
{
    for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++) {
        if (strlen(reserved_words[i]) == size && strncasecmp(reserved_words[i], word, size) == 0)
            return 1;
    }
    return 0;
}

uint32_t catalog_edit_distance(const char *a, size_t a_size, const char *b, size_t b_size,
                               uint32_t cap)
{
    if (a_size > 64 || b_size > 64) return cap;
    uint32_t row[65];
    for (size_t j = 0; j <= b_size; j++) row[j] = (uint32_t)j;
    for (size_t i = 1; i <= a_size; i++) {
        uint32_t diagonal = row[0];
        row[0] = (uint32_t)i;
        uint32_t row_min = row[0];
        for (size_t j = 1; j <= b_size; j++) {
            uint32_t above = row[j];
            uint32_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            uint32_t best = diagonal + cost;
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
            if (best < row_min) row_min = best;
        }
        if (row_min >= cap) return cap;
    }
    return row[b_size] < cap ? row[b_size] : cap;
}

int32_t schema_find(const struct schema *schema, const char *name, size_t size)
{
    for (uint32_t i = 0; i < schema->attribute_count; i++) {
        const char *candidate = schema->attributes[i].name;
        if (strlen(candidate) == size && strncasecmp(candidate, name, size) == 0) return (int32_t)i;
    }
    return -1;
}

int32_t schema_primary(const struct schema *schema)
{
    for (uint32_t i = 0; i < schema->attribute_count; i++)
        if (schema->attributes[i].flags & PDB_FLAG_PRIMARY) return (int32_t)i;
    return -1;
}

const char *catalog_closest(const char *name, size_t size, catalog_candidate_fn candidate_at,
                            const void *context, uint32_t count)
{
    uint32_t cap = size <= 3 ? 2 : size <= 6 ? 3 : 4;
    const char *best = NULL;
    uint32_t best_distance = cap;
    for (uint32_t i = 0; i < count; i++) {
        const char *candidate = candidate_at(context, i);
        uint32_t distance = catalog_edit_distance(name, size, candidate, strlen(candidate), cap);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

/* Stored attributes first, then computed ones. */
static const char *attribute_name_at(const void *context, uint32_t index)
{
    const struct schema *schema = context;
    if (index < schema->attribute_count) return schema->attributes[index].name;
    return schema->computed.attributes[index - schema->attribute_count].name;
}

const char *schema_suggest(const struct schema *schema, const char *name, size_t size)
{
    return catalog_closest(name, size, attribute_name_at, schema,
                           schema->attribute_count + schema->computed.count);
}

/* ---- Parsing ------------------------------------------------------------------------ */

struct word {
    const char *text;
    size_t size;
    size_t column; /* 1-based */
};

/* End of the word at line[i]: the next space, tab or '#' outside a rule's "(...)" and outside
 * double quotes (an unterminated one runs to the end of the line, for rules.c to report). */
static size_t word_end(const char *line, size_t size, size_t i)
{
    unsigned depth = 0;
    bool is_quoted = false;
    for (; i < size; i++) {
        char c = line[i];
        if (is_quoted) {
            if (c == '"') is_quoted = false; /* "" re-opens at once */
        } else if (c == '"') {
            is_quoted = true;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth > 0) depth--;
        } else if (depth == 0 && (c == ' ' || c == '\t' || c == '#')) {
            break;
        }
    }
    return i;
}

static enum pdb_status parse_line(struct schema *schema, const char *line, size_t size,
                                  const char *source, unsigned line_number,
                                  struct pdb_error *error)
{
    struct word words[16]; /* a name, a type, 3 flags and 11 rules fit */
    size_t word_count = 0;
    size_t i = 0;
    while (i < size) {
        while (i < size && (line[i] == ' ' || line[i] == '\t')) i++;
        if (i >= size || line[i] == '#') break;
        size_t start = i;
        i = word_end(line, size, i);
        if (word_count == sizeof words / sizeof words[0]) {
            return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: too many words on one line",
                             source, line_number, start + 1);
        }
        words[word_count++] = (struct word){line + start, i - start, start + 1};
    }
    if (word_count == 0) return PDB_OK;

    struct word name = words[0];
    if (word_count < 2) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: attribute '%.*s' has no type (expected '<name> <type> "
                         "[flags]')",
                         source, line_number, name.size + name.column, (int)name.size, name.text);
    }
    if (name.size > PDB_ATTRIBUTE_NAME_SIZE_MAX) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: attribute name is %zu bytes long (limit %u)", source,
                         line_number, name.column, name.size, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    }
    for (size_t k = 0; k < name.size; k++) {
        char c = name.text[k];
        bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (k > 0 && c >= '0' && c <= '9');
        if (!ok) {
            return error_set(error, PDB_ERR_SCHEMA,
                             "%s:%u:%zu: invalid character '%c' in attribute name '%.*s' "
                             "(names are letters, digits and '_', not starting with a digit)",
                             source, line_number, name.column + k, c, (int)name.size, name.text);
        }
    }
    if (catalog_is_reserved_word(name.text, name.size)) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: '%.*s' is a reserved word of the segment language and "
                         "cannot name an attribute",
                         source, line_number, name.column, (int)name.size, name.text);
    }
    if (name.size == 5 && strncasecmp(name.text, "event", 5) == 0) { /* only when indented */
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: 'event' starts an event declaration and cannot name an "
                         "attribute", source, line_number, name.column);
    }
    int32_t existing = schema_find(schema, name.text, name.size);
    if (existing >= 0) {
        return error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: duplicate attribute '%.*s'", source,
                         line_number, name.column, (int)name.size, name.text);
    }
    int32_t computed = computed_catalog_find(&schema->computed, name.text, name.size);
    if (computed >= 0) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: duplicate attribute '%.*s' (line %u defines a computed "
                         "attribute of that name)", source, line_number, name.column,
                         (int)name.size, name.text, schema->computed.attributes[computed].line);
    }
    if (schema->attribute_count == PDB_ATTRIBUTES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s:%u:%zu: more than %u attributes", source,
                         line_number, name.column, PDB_ATTRIBUTES_MAX);
    }

    struct attribute attribute = {0};
    for (size_t k = 0; k < name.size; k++) attribute.name[k] = (char)tolower((unsigned char)name.text[k]);

    struct word type = words[1];
    if (type_parse(type.text, type.size, &attribute.type) != 0) {
        return error_set(error, PDB_ERR_SCHEMA,
                         "%s:%u:%zu: unknown type '%.*s' (expected one of bool, int, float, "
                         "timestamp, category, text, tags)",
                         source, line_number, type.column, (int)type.size, type.text);
    }
    size_t primary_column = 0;
    enum pdb_status status = PDB_OK;
    for (size_t w = 2; w < word_count; w++) {
        struct word flag = words[w];
        uint32_t bit = 0;
        for (size_t f = 0; f < sizeof flag_names / sizeof flag_names[0]; f++) {
            if (strlen(flag_names[f].name) == flag.size &&
                strncasecmp(flag_names[f].name, flag.text, flag.size) == 0)
                bit = flag_names[f].flag;
        }
        if (bit == 0 && rules_is_rule_word(flag.text, flag.size)) {
            status = rules_parse_word(&attribute.rules, attribute.type, flag.text, flag.size, source,
                                      line_number, flag.column, error);
            if (status != PDB_OK) goto fail;
            continue;
        }
        if (bit == 0) {
            status = error_set(error, PDB_ERR_SCHEMA,
                               "%s:%u:%zu: unknown flag '%.*s' (expected identifier, pii, "
                               "indexed or primary, or a rule: trim nfc lower upper casefold "
                               "map(..) phone email range(..) allowed(..) required)",
                               source, line_number, flag.column, (int)flag.size, flag.text);
            goto fail;
        }
        if (attribute.flags & bit) {
            status = error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: flag '%.*s' given twice", source,
                               line_number, flag.column, (int)flag.size, flag.text);
            goto fail;
        }
        attribute.flags |= bit;
        if (bit == PDB_FLAG_PRIMARY) primary_column = flag.column;
    }
    if (attribute.flags & PDB_FLAG_PRIMARY) {
        int32_t primary = schema_primary(schema);
        if (primary >= 0) {
            status = error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: a schema has at most one "
                               "primary identifier ('%s' is one already)", source, line_number,
                               primary_column, schema->attributes[primary].name);
            goto fail;
        }
        if (attribute.type != PDB_TYPE_TEXT && attribute.type != PDB_TYPE_INT) {
            status = error_set(error, PDB_ERR_SCHEMA, "%s:%u:%zu: flag 'primary' needs a text or "
                               "int attribute, not %s", source, line_number, words[1].column,
                               pdb_type_name(attribute.type));
            goto fail;
        }
        attribute.flags |= PDB_FLAG_IDENTIFIER; /* implied */
    }
    if ((attribute.flags & PDB_FLAG_IDENTIFIER) &&
        (attribute.type == PDB_TYPE_BOOL || attribute.type == PDB_TYPE_FLOAT ||
         attribute.type == PDB_TYPE_TAGS || attribute.type == PDB_TYPE_TIMESTAMP)) {
        status = error_set(error, PDB_ERR_SCHEMA,
                           "%s:%u:%zu: flag 'identifier' needs a text, category or int attribute, "
                           "not %s",
                           source, line_number, words[1].column, pdb_type_name(attribute.type));
        goto fail;
    }
    status = rules_check(attribute.rules, attribute.type, source, line_number, type.column, error);
    if (status != PDB_OK) goto fail;

    struct attribute *grown =
        mem_realloc(schema->attributes, (schema->attribute_count + 1) * sizeof *grown);
    if (grown == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading schema");
        goto fail;
    }
    schema->attributes = grown;
    schema->attributes[schema->attribute_count++] = attribute;
    return PDB_OK;
fail:
    rules_destroy(attribute.rules);
    return status;
}

/* A computed attribute line: computed.c parses it; its name must not be an attribute's. */
static enum pdb_status parse_computed_line(struct schema *schema, const char *line, size_t size,
                                           const char *source, unsigned line_number,
                                           struct pdb_error *error)
{
    enum pdb_status status = computed_catalog_parse_line(&schema->computed, line, size, source,
                                                         line_number, error);
    if (status != PDB_OK) return status;
    const struct computed_attribute *added =
        &schema->computed.attributes[schema->computed.count - 1];
    int32_t existing = schema_find(schema, added->name, strlen(added->name));
    if (existing >= 0) {
        size_t column = 1;
        while (line[column - 1] == ' ' || line[column - 1] == '\t') column++;
        status = error_set(error, PDB_ERR_SCHEMA,
                           "%s:%u:%zu: computed attribute '%s' has the name of an attribute "
                           "(names are unique among attributes and computed attributes)",
                           source, line_number, column, added->name);
    }
    return status;
}

enum pdb_status schema_parse(const char *text, size_t size, const char *source_name,
                             struct schema *schema, struct pdb_error *error)
{
    struct schema parsed = {0};
    const char *source = source_name ? source_name : "schema";
    if (size > PDB_SCHEMA_FILE_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s: schema is %zu bytes (limit %u)", source, size,
                         PDB_SCHEMA_FILE_SIZE_MAX);
    }
    size_t start = 0;
    unsigned line_number = 1;
    while (start < size) {
        size_t end = start;
        while (end < size && text[end] != '\n') end++;
        size_t line_size = end - start;
        if (line_size > 0 && text[start + line_size - 1] == '\r') line_size--;
        if (line_size > PDB_SCHEMA_LINE_SIZE_MAX) {
            schema_deinit(&parsed);
            return error_set(error, PDB_ERR_LIMIT, "%s:%u: line is %zu bytes long (limit %u)",
                             source, line_number, line_size, PDB_SCHEMA_LINE_SIZE_MAX);
        }
        if (memchr(text + start, '\0', line_size) != NULL) {
            schema_deinit(&parsed);
            return error_set(error, PDB_ERR_SCHEMA, "%s:%u: NUL byte in schema", source,
                             line_number);
        }
        bool is_event_line = false;
        enum pdb_status status = event_catalog_parse_line(&parsed.events, text + start, line_size,
                                                          source, line_number, &is_event_line,
                                                          error);
        if (status == PDB_OK && !is_event_line && computed_is_line(text + start, line_size))
            status = parse_computed_line(&parsed, text + start, line_size, source, line_number,
                                         error);
        else if (status == PDB_OK && !is_event_line)
            status = parse_line(&parsed, text + start, line_size, source, line_number, error);
        if (status != PDB_OK) {
            schema_deinit(&parsed);
            return status;
        }
        start = end + 1;
        line_number++;
    }
    parsed.events.is_open = false;
    if (parsed.attribute_count == 0) {
        schema_deinit(&parsed);
        return error_set(error, PDB_ERR_SCHEMA, "%s: the schema declares no attributes", source);
    }
    *schema = parsed;
    return PDB_OK;
}

enum pdb_status schema_load_file(const char *path, struct schema *schema, struct pdb_error *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return error_set_errno(error, errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, errno,
                               "%s: cannot open schema", path);
    }
    char *text = mem_alloc(PDB_SCHEMA_FILE_SIZE_MAX + 1);
    if (text == NULL) {
        fclose(file);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading %s", path);
    }
    size_t size = fread(text, 1, PDB_SCHEMA_FILE_SIZE_MAX + 1, file);
    int read_failed = ferror(file);
    fclose(file);
    enum pdb_status status;
    if (read_failed) {
        status = error_set(error, PDB_ERR_IO, "%s: read error", path);
    } else {
        status = schema_parse(text, size, path, schema, error);
    }
    mem_free(text);
    return status;
}

void schema_deinit(struct schema *schema)
{
    for (uint32_t i = 0; schema->attributes != NULL && i < schema->attribute_count; i++)
        rules_destroy(schema->attributes[i].rules);
    mem_free(schema->attributes);
    schema->attributes = NULL;
    schema->attribute_count = 0;
    event_catalog_deinit(&schema->events);
    computed_catalog_deinit(&schema->computed);
}

int schema_render(const struct schema *schema, struct buffer *out)
{
    for (uint32_t i = 0; i < schema->attribute_count; i++) {
        const struct attribute *attribute = &schema->attributes[i];
        if (buffer_printf(out, "%-24s %-9s", attribute->name, pdb_type_name(attribute->type)) != 0)
            return -1;
        for (size_t f = 0; f < sizeof flag_names / sizeof flag_names[0]; f++) {
            if ((attribute->flags & flag_names[f].flag) &&
                buffer_printf(out, " %s", flag_names[f].name) != 0)
                return -1;
        }
        if (rules_render(attribute->rules, attribute->type, out) != 0) return -1;
        /* Trim the padding of a flag-less line. */
        while (out->size > 0 && out->data[out->size - 1] == ' ') out->size--;
        if (buffer_append(out, "\n", 1) != 0) return -1;
    }
    if (event_catalog_render(&schema->events, out) != 0) return -1;
    return computed_catalog_render(&schema->computed, out);
}
