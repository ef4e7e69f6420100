/*
 * The stage step of the loader (loader_internal.h): one batch's records (CSV, or NDJSON
 * lines), as the read step's field boundaries, -> typed values in the staged row format, on
 * any thread. A record is staged completely or not at all: the first field that does not
 * parse rolls the row back and becomes the record's reject, with the field's position in the
 * file (found by parsing that record again: loader_batch_field_position).
 * Allocates only per batch (the tag scratch) and per reject, never per
 * accepted row. Each
 * attribute's rules (catalog/rules.h) run here on its parsed value (stage_rules.c): a
 * normalised string is staged instead of the field's bytes, a broken rule rejects the record
 * like a bad value, and the normalisers that changed a value are counted once the record is
 * staged whole.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "ingest/json_object.h"
#include "ingest/loader_internal.h"
#include "ingest/stage_rules.h"
#include "ingest/value_parse.h"

struct stager {
    uint8_t *cursor; /* next byte of the staged buffer; room reserved per record */
    const char **tags;
    uint32_t *tag_sizes;
    struct json_object_parser json; /* NDJSON */
    uint32_t *seen; /* NDJSON: per attribute, 1 + the record index that last gave it */
    struct stage_rules rules;
    struct buffer *staged;  /* the batch's */
    size_t record_budget;   /* staged_size_max of the record being staged */
};

/* Most bytes a record of `raw_size` bytes and `field_count` fields stages to: a value stages
 * to at most its field's bytes plus a kind byte and a u32 size, and each tag (which takes at
 * least 2 bytes of the field with its '|') to its bytes plus a u32 size. */
static size_t staged_size_max(size_t raw_size, uint32_t field_count)
{
    return 3u * raw_size + 11u * (size_t)field_count + 16u;
}


static inline void put_kind(struct stager *stager, enum staged_kind kind)
{
    *stager->cursor++ = (uint8_t)kind;
}

static inline void put_u16(struct stager *stager, uint16_t value)
{
    memcpy(stager->cursor, &value, sizeof value);
    stager->cursor += sizeof value;
}

static inline void put_bytes(struct stager *stager, const void *data, size_t size)
{
    memcpy(stager->cursor, data, size);
    stager->cursor += size;
}

static inline void put_u32(struct stager *stager, uint32_t value)
{
    put_bytes(stager, &value, sizeof value);
}

static uint32_t attribute_index(const struct stager *stager, const struct attribute *attribute)
{
    return (uint32_t)(attribute - stager->rules.schema->attributes);
}

/* A NULL value (the `required` rule may reject it). */
static inline const char *stage_null(struct stager *stager, const struct attribute *attribute)
{
    if (attribute->rules != NULL) {
        const char *reason = stage_rules_null(&stager->rules, attribute_index(stager, attribute));
        if (reason != NULL) return reason;
    }
    put_kind(stager, STAGED_NULL);
    return NULL;
}

/* A text/category value (valid UTF-8), after its rules if it has any; a normalised value may
 * outgrow the record's reserved room, which then grows (keeping a whole record's budget). */
static inline const char *stage_string(struct stager *stager, const struct attribute *attribute,
                                       const char *data, size_t size, char *detail,
                                       size_t detail_size)
{
    if (attribute->rules != NULL) {
        bool is_null = false;
        const char *reason = stage_rules_string(&stager->rules, attribute_index(stager, attribute),
                                                &data, &size, &is_null, detail, detail_size);
        if (reason != NULL) return reason;
        if (is_null) {
            put_kind(stager, STAGED_NULL);
            return NULL;
        }
        size_t used = (size_t)(stager->cursor - stager->staged->data);
        if (buffer_reserve(stager->staged, used - stager->staged->size + size + stager->record_budget) != 0)
            return STAGE_OUT_OF_MEMORY;
        stager->cursor = stager->staged->data + used;
    }
    put_kind(stager, STAGED_STRING);
    put_u32(stager, (uint32_t)size);
    put_bytes(stager, data, size);
    return NULL;
}

/* Parses one field and appends its staged value; returns a reason or NULL. */
static const char *stage_field(struct stager *stager, const struct attribute *attribute,
                               const struct csv_field *field, char *detail, size_t detail_size)
{
    const char *data = field->data;
    size_t size = field->size;
    switch (attribute->type) {
    case PDB_TYPE_TEXT:
    case PDB_TYPE_CATEGORY: {
        if (size == 0 && !field->is_quoted) return stage_null(stager, attribute);
        size_t bad = 0;
        const char *reason = value_check_string(data, size, &bad);
        if (reason != NULL) {
            if (size > PDB_TEXT_VALUE_SIZE_MAX) return reason; /* no bad byte to point at */
            snprintf(detail, detail_size, "%s at byte %zu of the value", reason, bad + 1);
            return detail;
        }
        return stage_string(stager, attribute, data, size, detail, detail_size);
    }
    case PDB_TYPE_TAGS: {
        if (size == 0 && !field->is_quoted) return stage_null(stager, attribute);
        uint32_t count = 0;
        const char *reason = value_split_tags(data, size, stager->tags, stager->tag_sizes,
                                              PDB_TAGS_PER_VALUE_MAX, &count);
        if (reason != NULL) return reason;
        if (count == 0 && attribute->rules != NULL &&
            (reason = stage_rules_null(&stager->rules, attribute_index(stager, attribute))) != NULL)
            return reason;
        put_kind(stager, STAGED_TAGS);
        put_u32(stager, count);
        for (uint32_t t = 0; t < count; t++) {
            put_u32(stager, stager->tag_sizes[t]);
            put_bytes(stager, stager->tags[t], stager->tag_sizes[t]);
        }
        break;
    }
    default: {
        value_trim(&data, &size);
        if (size == 0) return stage_null(stager, attribute); /* empty (quoted or not) is NULL */
        const char *reason = NULL;
        bool bool_value = false;
        int64_t int_value = 0;
        double float_value = 0;
        switch (attribute->type) {
        case PDB_TYPE_BOOL:
            reason = value_parse_bool(data, size, &bool_value);
            if (reason == NULL) {
                put_kind(stager, STAGED_BOOL);
                *stager->cursor++ = bool_value;
            }
            break;
        case PDB_TYPE_INT:
        case PDB_TYPE_TIMESTAMP:
            reason = attribute->type == PDB_TYPE_INT ? value_parse_int(data, size, &int_value)
                                                     : value_parse_timestamp(data, size, &int_value);
            if (reason == NULL && attribute->type == PDB_TYPE_INT &&
                attribute->rules != NULL &&
                (reason = stage_rules_int(&stager->rules, attribute_index(stager, attribute),
                                          int_value, detail, detail_size)) != NULL)
                return reason;
            if (reason == NULL) {
                put_kind(stager, STAGED_INT);
                put_bytes(stager, &int_value, sizeof int_value);
            }
            break;
        case PDB_TYPE_FLOAT:
            reason = value_parse_float(data, size, &float_value);
            if (reason == NULL && attribute->rules != NULL &&
                (reason = stage_rules_float(&stager->rules, attribute_index(stager, attribute),
                                            float_value, detail, detail_size)) != NULL)
                return reason;
            if (reason == NULL) {
                put_kind(stager, STAGED_FLOAT);
                put_bytes(stager, &float_value, sizeof float_value);
            }
            break;
        default: break;
        }
        if (reason != NULL) {
            int shown = size > LOADER_REASON_VALUE_SIZE_MAX ? LOADER_REASON_VALUE_SIZE_MAX : (int)size;
            snprintf(detail, detail_size, "%s value '%.*s%s': %s", pdb_type_name(attribute->type),
                     shown, data, (int)size > shown ? "..." : "", reason);
            return detail;
        }
    }
    }
    return NULL;
}

/* The reason of a record without a value for the primary identifier. */
static const char *primary_missing(const struct loader *loader, char *detail, size_t detail_size)
{
    snprintf(detail, detail_size, "no value for the primary identifier '%s' (every record must "
             "name its profile)", loader->schema->attributes[loader->primary].name);
    return detail;
}

/* A field from the read step's boundaries: its bytes are in the record's raw bytes or in the
 * batch's unescaped ones (line and column are left 0: a reject finds its position with
 * loader_batch_field_position). */
static inline void field_from(struct csv_field *field, const struct loader_field *ref,
                              const char *raw, const char *unescaped)
{
    uint32_t flags = ref->size_flags;
    field->data = ((flags & LOADER_FIELD_ESCAPED) ? unescaped : raw) + ref->offset;
    field->size = flags & LOADER_FIELD_SIZE_MASK;
    field->is_quoted = (flags & LOADER_FIELD_QUOTED) != 0;
}

/* Stages record `index` of the batch, its fields in header order (the first bad field is the
 * one reported); false when memory ran out (or batch->status says what else failed). */
static bool stage_record(const struct loader *loader, struct loader_batch *batch,
                         struct stager *stager, uint32_t index)
{
    const struct schema *schema = loader->schema;
    const struct loader_record_span *span = &batch->record_spans[index];
    const char *raw = (const char *)batch->raw.data + span->offset;
    const char *unescaped = (const char *)batch->unescaped.data;
    const struct loader_field *refs = &batch->fields[(size_t)index * batch->fields_per_record];
    stager->record_budget = staged_size_max(span->size, batch->fields_per_record);
    if (buffer_reserve(&batch->staged, stager->record_budget) != 0) return false;
    stager->cursor = batch->staged.data + batch->staged.size;
    if (stager->rules.slot_count != 0) stage_rules_record_begin(&stager->rules);
    char detail[256];
    for (uint32_t f = 0; f < loader->field_count; f++) {
        int32_t a = loader->field_attribute[f];
        if (a < 0) continue;
        struct csv_field field;
        field_from(&field, &refs[f], raw, unescaped);
        put_u16(stager, (uint16_t)a);
        const uint8_t *kind_at = stager->cursor;
        const char *reason = stage_field(stager, &schema->attributes[a], &field, detail, sizeof detail);
        if (reason == NULL && a == loader->primary && *kind_at == STAGED_NULL)
            reason = primary_missing(loader, detail, sizeof detail);
        if (reason == NULL) continue;
        if (reason == STAGE_OUT_OF_MEMORY) return false;
        /* Only now is the field's position needed: the record is parsed again for it. */
        uint64_t line = 0;
        uint32_t column = 0;
        batch->status = loader_batch_field_position(loader, batch, index, f, &line, &column, &batch->error);
        if (batch->status != PDB_OK) return false;
        return stage_rules_reject(&stager->rules, &batch->values, index, csv_reader_source(loader->reader),
                                  line, column, schema->attributes[a].name, reason, raw, span->size);
    }
    put_u16(stager, LOADER_STAGED_END);
    batch->staged.size = (size_t)(stager->cursor - batch->staged.data);
    batch->staged_count++;
    if (stager->rules.slot_count != 0) stage_rules_record_commit(&stager->rules);
    return true;
}

/* ---- NDJSON ------------------------------------------------------------------------------ */

static const char *json_kind_name(enum json_kind kind)
{
    switch (kind) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "a boolean";
    case JSON_NUMBER: return "a number";
    case JSON_STRING: return "a string";
    case JSON_ARRAY: return "an array";
    }
    return "a value";
}

/* Stages one JSON value for `attribute`; returns a reason or NULL (*column_out: where). */
static const char *stage_json_value(struct stager *stager, const struct attribute *attribute,
                                    const struct json_member *member, char *detail,
                                    size_t detail_size, uint32_t *column_out)
{
    const struct json_scalar *value = &member->value;
    *column_out = value->column;
    if (value->kind == JSON_NULL) return stage_null(stager, attribute);
    enum pdb_type type = attribute->type;
    if (type == PDB_TYPE_TEXT || type == PDB_TYPE_CATEGORY) {
        if (value->kind != JSON_STRING) {
            snprintf(detail, detail_size, "expected a string, found %s", json_kind_name(value->kind));
            return detail;
        }
        const char *reason = value_check_string(value->text, value->size, NULL);
        if (reason != NULL) return reason;
        return stage_string(stager, attribute, value->text, value->size, detail, detail_size);
    }
    if (type == PDB_TYPE_TAGS) {
        uint32_t count = 0;
        if (value->kind == JSON_STRING) { /* the CSV form: 'a|b' */
            const char *reason = value_split_tags(value->text, value->size, stager->tags,
                                                  stager->tag_sizes, PDB_TAGS_PER_VALUE_MAX, &count);
            if (reason != NULL) return reason;
        } else if (value->kind == JSON_ARRAY) {
            for (uint32_t e = 0; e < member->element_count; e++) {
                const struct json_scalar *element = &stager->json.elements[member->element_first + e];
                *column_out = element->column;
                if (element->kind != JSON_STRING) {
                    snprintf(detail, detail_size, "tags must be strings, found %s",
                             json_kind_name(element->kind));
                    return detail;
                }
                const char *tag = element->text;
                size_t size = element->size;
                value_trim(&tag, &size);
                if (size == 0) continue; /* as in CSV: empty tags are dropped */
                if (size > PDB_TEXT_VALUE_SIZE_MAX) return "tag is longer than 1 MiB";
                if (count == PDB_TAGS_PER_VALUE_MAX) return "more than 1024 tags";
                stager->tags[count] = tag;
                stager->tag_sizes[count++] = (uint32_t)size;
            }
        } else {
            snprintf(detail, detail_size, "expected an array of strings, found %s",
                     json_kind_name(value->kind));
            return detail;
        }
        const char *required = count == 0 && attribute->rules != NULL
                                   ? stage_rules_null(&stager->rules, attribute_index(stager, attribute))
                                   : NULL;
        if (required != NULL) return required;
        put_kind(stager, STAGED_TAGS);
        put_u32(stager, count);
        for (uint32_t t = 0; t < count; t++) {
            put_u32(stager, stager->tag_sizes[t]);
            put_bytes(stager, stager->tags[t], stager->tag_sizes[t]);
        }
        return NULL;
    }
    /* bool, int, float, timestamp: a JSON boolean or number, or a string read as in CSV. */
    if (type == PDB_TYPE_BOOL && value->kind == JSON_BOOL) {
        put_kind(stager, STAGED_BOOL);
        *stager->cursor++ = value->bool_value;
        return NULL;
    }
    bool fits = value->kind == JSON_STRING || (value->kind == JSON_NUMBER && type != PDB_TYPE_BOOL);
    if (!fits) {
        snprintf(detail, detail_size, "expected %s, found %s",
                 type == PDB_TYPE_BOOL ? "true or false" : type == PDB_TYPE_TIMESTAMP
                                                            ? "a date string or epoch seconds"
                                                            : "a number",
                 json_kind_name(value->kind));
        return detail;
    }
    struct csv_field field = {.data = value->text, .size = value->size, .is_quoted = true};
    return stage_field(stager, attribute, &field, detail, detail_size);
}

/* Stages NDJSON record `index` (one line holding one object); false when memory ran out. */
static bool stage_ndjson_record(const struct loader *loader, struct loader_batch *batch,
                                struct stager *stager, uint32_t index)
{
    const struct schema *schema = loader->schema;
    const char *source = csv_reader_source(loader->reader);
    uint64_t line = batch->record_lines[index];
    const struct loader_record_span *span = &batch->record_spans[index];
    const char *raw = (const char *)batch->raw.data + span->offset;
    struct csv_field line_field; /* the whole line */
    field_from(&line_field, &batch->fields[index], raw, (const char *)batch->unescaped.data);
    const char *text = line_field.data;
    size_t size = line_field.size;
    uint32_t column = 1;
    const char *reason = json_object_parse(&stager->json, text, size, &column);
    const char *attribute_name = "";
    char detail[256];
    if (reason != NULL) {
        if (strcmp(reason, JSON_OUT_OF_MEMORY) == 0) return false;
        goto reject;
    }
    stager->record_budget = staged_size_max(size, 1);
    if (buffer_reserve(&batch->staged, stager->record_budget) != 0) return false;
    stager->cursor = batch->staged.data + batch->staged.size;
    if (stager->rules.slot_count != 0) stage_rules_record_begin(&stager->rules);
    for (uint32_t m = 0; m < stager->json.member_count; m++) {
        const struct json_member *member = &stager->json.members[m];
        int32_t a = schema_find(schema, member->key, member->key_size);
        column = member->key_column;
        attribute_name = "";
        if (a < 0) {
            if (loader->options->ignore_unknown_columns) continue;
            const char *suggestion = schema_suggest(schema, member->key, member->key_size);
            int shown = member->key_size > 64 ? 64 : (int)member->key_size;
            if (computed_catalog_find(&schema->computed, member->key, member->key_size) >= 0) {
                snprintf(detail, sizeof detail, "'%.*s' is a computed attribute (its value is "
                         "an event aggregate and cannot be ingested; use "
                         "--ignore-unknown-columns to skip it)", shown, member->key);
                reason = detail;
                goto reject;
            }
            snprintf(detail, sizeof detail, "unknown attribute '%.*s'%s%s%s (use "
                     "--ignore-unknown-columns to skip it)", shown, member->key,
                     suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
                     suggestion ? "'?)" : "");
            reason = detail;
            goto reject;
        }
        attribute_name = schema->attributes[a].name;
        if (stager->seen[a] == index + 1u) {
            reason = "the attribute appears twice in the object";
            goto reject;
        }
        stager->seen[a] = index + 1u;
        put_u16(stager, (uint16_t)a);
        const uint8_t *kind_at = stager->cursor;
        reason = stage_json_value(stager, &schema->attributes[a], member, detail, sizeof detail, &column);
        if (reason == STAGE_OUT_OF_MEMORY) return false;
        if (reason == NULL && a == loader->primary && *kind_at == STAGED_NULL)
            reason = primary_missing(loader, detail, sizeof detail);
        if (reason != NULL) goto reject;
    }
    if (loader->primary >= 0 && stager->seen[loader->primary] != index + 1u) {
        column = 1;
        attribute_name = schema->attributes[loader->primary].name;
        reason = primary_missing(loader, detail, sizeof detail);
        goto reject;
    }
    /* A required attribute the object does not name: reported at the object's end (with
     * upserts on the append step, and only when the record would create a profile). */
    int32_t missing = loader->options->upsert != NULL
                          ? -1 : stage_rules_missing_required(&stager->rules, stager->seen, index);
    if (missing >= 0) {
        attribute_name = schema->attributes[missing].name;
        column = (uint32_t)size;
        reason = RULES_REQUIRED_REASON;
        goto reject;
    }
    put_u16(stager, LOADER_STAGED_END);
    batch->staged.size = (size_t)(stager->cursor - batch->staged.data);
    batch->staged_count++;
    if (stager->rules.slot_count != 0) stage_rules_record_commit(&stager->rules);
    return true;
reject:
    return stage_rules_reject(&stager->rules, &batch->values, index, source, line, column, attribute_name,
                              reason, raw, span->size);
}

void loader_batch_stage(const struct loader *loader, struct loader_batch *batch)
{
    const char *source = csv_reader_source(loader->reader);
    struct stager stager = {0};
    bool is_ndjson = loader->options->format == LOADER_FORMAT_NDJSON;
    json_object_parser_init(&stager.json);
    stager.staged = &batch->staged;
    if (!stage_rules_begin(&stager.rules, loader->schema, batch)) goto no_memory;
    stager.tags = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *stager.tags);
    stager.tag_sizes = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof *stager.tag_sizes);
    if (is_ndjson) stager.seen = mem_calloc(loader->schema->attribute_count + 1u, sizeof(uint32_t));
    if (stager.tags == NULL || stager.tag_sizes == NULL || (is_ndjson && stager.seen == NULL)) goto no_memory;
    /* About the size of the raw text: most values stage to fewer bytes than their CSV. */
    if (buffer_reserve(&batch->staged, batch->raw.size + 64u * batch->record_count) != 0) goto no_memory;
    for (uint32_t index = 0; index < batch->record_count; index++) {
        bool staged = is_ndjson ? stage_ndjson_record(loader, batch, &stager, index)
                                : stage_record(loader, batch, &stager, index);
        if (!staged) {
            if (batch->status != PDB_OK) goto done; /* set by the step that failed */
            goto no_memory;
        }
    }
    goto done;
no_memory:
    batch->status = error_set(&batch->error, PDB_ERR_NO_MEMORY, "%s: out of memory parsing values",
                              source);
done:
    /* The boundaries are spent: free them now rather than keep them for the batch's next
     * read (only the sets being read and staged hold any, which bounds memory). */
    mem_free(batch->fields);
    batch->fields = NULL;
    batch->field_capacity = 0;
    json_object_parser_deinit(&stager.json);
    stage_rules_end(&stager.rules);
    mem_free(stager.seen);
    mem_free(stager.tags);
    mem_free(stager.tag_sizes);
}
