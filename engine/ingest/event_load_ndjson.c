/*
 * Event records from NDJSON (see event_load.h): each line of a lines-mode reader is parsed
 * by the profile loader's JSON parser (json_object.h) and its members mapped, by name and
 * case-insensitively, to the key (the primary attribute's name), the time (`at` or
 * `timestamp`) and the event type's properties; then event_load_record checks and appends it
 * exactly as a CSV record. JSON strings and numbers are read as CSV would read the same text
 * quoted (value_parse.h), so an NDJSON file and a CSV file of the same events load the same.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/status.h"
#include "catalog/schema.h"
#include "ingest/event_load_internal.h"
#include "ingest/json_object.h"

#define ROLE_KEY (-1)
#define ROLE_TIME (-2)
#define ROLE_UNKNOWN (-3)

static const char *kind_name(enum json_kind kind)
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

static bool name_is(const struct json_member *member, const char *name)
{
    return member->key_size == strlen(name) && strncasecmp(member->key, name, member->key_size) == 0;
}

static int32_t member_role(const struct event_load *load, const struct json_member *member)
{
    if (name_is(member, load->key_name)) return ROLE_KEY;
    if (name_is(member, "at") || name_is(member, "timestamp")) return ROLE_TIME;
    int32_t property = event_type_find_property(load->type, member->key, member->key_size);
    return property >= 0 ? property : ROLE_UNKNOWN;
}

/* The key or time member's value as text (a string, or a number where it may be one). */
static void take_piece(const struct json_scalar *value, bool allows_number, const char *what,
                       char *detail, size_t detail_size, struct event_piece *piece)
{
    piece->reason = NULL;
    if (value->kind == JSON_STRING || (allows_number && value->kind == JSON_NUMBER)) {
        piece->data = value->text;
        piece->size = value->size;
        return;
    }
    if (value->kind == JSON_NULL) {
        snprintf(detail, detail_size, "the %s is null", what);
    } else {
        snprintf(detail, detail_size, "expected %s, found %s",
                 allows_number ? "a string or a number" : "a string", kind_name(value->kind));
    }
    piece->reason = detail;
}

/* Parses a property value; NULL or a reason (static, or in detail). */
static const char *take_value(const struct json_scalar *value, enum pdb_type type,
                              char *detail, size_t detail_size, struct event_value *out)
{
    *out = (struct event_value){.is_null = true};
    if (value->kind == JSON_NULL) return NULL;
    bool fits;
    const char *expected;
    switch (type) {
    case PDB_TYPE_TEXT:
    case PDB_TYPE_CATEGORY:
        fits = value->kind == JSON_STRING;
        expected = "a string";
        break;
    case PDB_TYPE_BOOL:
        if (value->kind == JSON_BOOL) {
            *out = (struct event_value){.integer = value->bool_value};
            return NULL;
        }
        fits = value->kind == JSON_STRING;
        expected = "true or false";
        break;
    case PDB_TYPE_TIMESTAMP:
        fits = value->kind == JSON_STRING || value->kind == JSON_NUMBER;
        expected = "a date string or epoch seconds";
        break;
    default:
        fits = value->kind == JSON_STRING || value->kind == JSON_NUMBER;
        expected = "a number";
        break;
    }
    if (!fits) {
        snprintf(detail, detail_size, "expected %s, found %s", expected, kind_name(value->kind));
        return detail;
    }
    struct csv_field field = {.data = value->text, .size = value->size, .is_quoted = true};
    return event_load_parse_value(&field, type, out);
}

enum pdb_status event_load_ndjson(struct csv_reader *reader, const struct event_load *load,
                                  struct event_store_builder *builder,
                                  struct loader_reject_list *rejects,
                                  struct event_load_counts *counts, struct pdb_error *error)
{
    const char *source = csv_reader_source(reader);
    struct json_object_parser parser;
    json_object_parser_init(&parser);
    struct event_value values[PDB_EVENT_PROPERTIES_MAX];
    bool seen[PDB_EVENT_PROPERTIES_MAX];
    char key_detail[128], time_detail[128], property_detail[256];
    enum pdb_status status;
    for (;;) {
        struct csv_record record;
        bool has_record;
        if ((status = csv_reader_next(reader, &record, &has_record, error)) != PDB_OK) break;
        if (!has_record) break;
        counts->records_read++;
        const char *raw = record.raw;
        size_t raw_size = record.raw_size;
        if (record.problem != NULL) {
            status = event_load_reject(rejects, source, raw, raw_size, record.problem_line,
                                       record.problem_column, "", record.problem, counts, error);
            if (status != PDB_OK) break;
            continue;
        }
        const struct csv_field *line = &record.fields[0];
        uint32_t offset = line->column - 1u; /* JSON columns count from the line's text */
        uint32_t column = 1;
        const char *problem = json_object_parse(&parser, line->data, line->size, &column);
        if (problem != NULL) {
            if (strcmp(problem, JSON_OUT_OF_MEMORY) == 0) {
                status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory parsing JSON", source);
                break;
            }
            status = event_load_reject(rejects, source, raw, raw_size, line->line, offset + column,
                                       "", problem, counts, error);
            if (status != PDB_OK) break;
            continue;
        }
        struct event_record event = {
            .key = {.line = line->line, .column = 1, .reason = NULL},
            .time = {.line = line->line, .column = 1, .reason = NULL},
            .values = values,
            .raw = raw,
            .raw_size = raw_size,
        };
        snprintf(key_detail, sizeof key_detail, "the record has no key '%s'", load->key_name);
        event.key.reason = key_detail;
        event.time.reason = "the record has no time ('at' or 'timestamp')";
        bool has_key = false, has_time = false;
        for (uint32_t p = 0; p < load->type->property_count; p++) {
            values[p] = (struct event_value){.is_null = true};
            seen[p] = false;
        }
        for (uint32_t m = 0; m < parser.member_count; m++) {
            const struct json_member *member = &parser.members[m];
            int32_t role = member_role(load, member);
            const char *reason = NULL;
            const char *name = "";
            uint32_t at_column = member->key_column;
            if (role == ROLE_KEY || role == ROLE_TIME) {
                bool *has = role == ROLE_KEY ? &has_key : &has_time;
                struct event_piece *piece = role == ROLE_KEY ? &event.key : &event.time;
                name = role == ROLE_KEY ? load->key_name : "at";
                if (*has) {
                    reason = role == ROLE_KEY ? "the key appears twice in the object"
                                              : "the time appears twice in the object ('at' or 'timestamp')";
                } else {
                    *has = true;
                    piece->column = offset + member->value.column;
                    if (role == ROLE_KEY) {
                        bool is_int = load->key_type == PDB_TYPE_INT;
                        take_piece(&member->value, is_int, "key", key_detail, sizeof key_detail, piece);
                    } else {
                        take_piece(&member->value, true, "time", time_detail, sizeof time_detail, piece);
                    }
                }
            } else if (event.property_reason != NULL) {
                continue; /* only the first problem is reported (and its detail kept) */
            } else if (role == ROLE_UNKNOWN) {
                if (load->ignore_unknown_columns) continue;
                int shown = member->key_size > 64 ? 64 : (int)member->key_size;
                snprintf(property_detail, sizeof property_detail,
                         "'%.*s' is not the key '%s', 'at', 'timestamp' or a property of event "
                         "'%s' (use --ignore-unknown-columns to skip it)",
                         shown, member->key, load->key_name, load->type->name);
                reason = property_detail;
            } else {
                name = load->type->properties[role].name;
                if (seen[role]) {
                    reason = "the property appears twice in the object";
                } else {
                    seen[role] = true;
                    at_column = member->value.column;
                    if (member->value.kind == JSON_ARRAY) {
                        snprintf(property_detail, sizeof property_detail,
                                 "expected a single value, found an array");
                        reason = property_detail;
                    } else {
                        reason = take_value(&member->value, load->type->properties[role].type,
                                            property_detail, sizeof property_detail, &values[role]);
                    }
                }
            }
            if (reason != NULL && event.property_reason == NULL) {
                event.property_reason = reason;
                event.property_name = name;
                event.property_line = line->line;
                event.property_column = offset + at_column;
            }
        }
        status = event_load_record(load, source, &event, builder, rejects, counts, error);
        if (status != PDB_OK) break;
    }
    counts->bytes_read = csv_reader_bytes_read(reader);
    json_object_parser_deinit(&parser);
    return status;
}
