/*
 * Event records from CSV into an event store builder (see event_load.h): header mapping,
 * then one record at a time; and what both formats share (event_load_internal.h): checking a
 * record key, time, properties, resolving its key (the caller's find, and create for a key
 * no live profile has), appending it or writing its reject line.
 */
#include "ingest/event_load.h"

#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "base/timestamp.h"
#include "catalog/schema.h"
#include "ingest/event_load_internal.h"
#include "ingest/value_parse.h"

#define COLUMN_IGNORED (-1)
#define COLUMN_KEY (-2)
#define COLUMN_TIME (-3)

struct header {
    int32_t *roles; /* per field: property index, or COLUMN_* */
    uint32_t field_count;
    int32_t key_field, time_field;
};

static bool names_equal(const struct csv_field *field, const char *name)
{
    const char *data = field->data;
    size_t size = field->size;
    value_trim(&data, &size);
    return size == strlen(name) && strncasecmp(data, name, size) == 0;
}

static enum pdb_status read_header(const struct csv_record *record, const char *source,
                                   const struct event_load *load, struct header *header,
                                   struct pdb_error *error)
{
    header->field_count = record->field_count;
    header->key_field = header->time_field = -1;
    header->roles = mem_calloc(record->field_count ? record->field_count : 1, sizeof *header->roles);
    if (header->roles == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    bool seen[PDB_EVENT_PROPERTIES_MAX] = {false};
    for (uint32_t f = 0; f < record->field_count; f++) {
        const struct csv_field *field = &record->fields[f];
        const char *data = field->data;
        size_t size = field->size;
        value_trim(&data, &size);
        int32_t role;
        if (names_equal(field, load->key_name)) {
            role = COLUMN_KEY;
            if (header->key_field >= 0) goto repeated;
            header->key_field = (int32_t)f;
        } else if (names_equal(field, "at") || names_equal(field, "timestamp")) {
            role = COLUMN_TIME;
            if (header->time_field >= 0) goto repeated;
            header->time_field = (int32_t)f;
        } else {
            role = event_type_find_property(load->type, data, size);
            if (role < 0) {
                if (!load->ignore_unknown_columns) {
                    return error_set(error, PDB_ERR_DATA,
                                     "%s:%llu:%u: column '%.*s' is not the key '%s', 'at', "
                                     "'timestamp' or a property of event '%s'",
                                     source, (unsigned long long)field->line, field->column,
                                     (int)(size > 64 ? 64 : size), data, load->key_name,
                                     load->type->name);
                }
                role = COLUMN_IGNORED;
            } else {
                if (seen[role]) goto repeated;
                seen[role] = true;
            }
        }
        header->roles[f] = role;
        continue;
    repeated:
        return error_set(error, PDB_ERR_DATA, "%s:%llu:%u: column '%.*s' appears twice", source,
                         (unsigned long long)field->line, field->column,
                         (int)(size > 64 ? 64 : size), data);
    }
    if (header->key_field < 0)
        return error_set(error, PDB_ERR_DATA, "%s:%llu:1: the header has no key column '%s'",
                         source, (unsigned long long)record->line, load->key_name);
    if (header->time_field < 0)
        return error_set(error, PDB_ERR_DATA,
                         "%s:%llu:1: the header has no time column ('at' or 'timestamp')",
                         source, (unsigned long long)record->line);
    return PDB_OK;
}

const char *event_load_parse_value(const struct csv_field *field, enum pdb_type type,
                                   struct event_value *value)
{
    memset(value, 0, sizeof *value);
    const char *data = field->data;
    size_t size = field->size;
    if (size == 0 && !field->is_quoted) {
        value->is_null = true;
        return NULL;
    }
    size_t bad_offset;
    switch (type) {
    case PDB_TYPE_BOOL: {
        bool flag;
        const char *reason = value_parse_bool(data, size, &flag);
        value->integer = flag;
        return reason;
    }
    case PDB_TYPE_INT: return value_parse_int(data, size, &value->integer);
    case PDB_TYPE_FLOAT: return value_parse_float(data, size, &value->number);
    case PDB_TYPE_TIMESTAMP: return value_parse_timestamp(data, size, &value->integer);
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT: {
        const char *reason = value_check_string(data, size, &bad_offset);
        if (reason == NULL && size > UINT32_MAX) reason = "value too long";
        value->string = data;
        value->string_size = (uint32_t)size;
        return reason;
    }
    default: return "unsupported property type";
    }
}

enum pdb_status event_load_reject(struct loader_reject_list *rejects, const char *source,
                                  const char *raw, size_t raw_size, uint64_t line,
                                  uint32_t column, const char *attribute, const char *reason,
                                  struct event_load_counts *counts, struct pdb_error *error)
{
    counts->events_rejected++;
    if (loader_reject_add(rejects, 0, source, line, column, attribute, reason, raw ? raw : "",
                          raw ? raw_size : 0) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory recording a reject");
    return PDB_OK;
}

enum pdb_status event_load_record(const struct event_load *load, const char *source,
                                  const struct event_record *record,
                                  struct event_store_builder *builder,
                                  struct loader_reject_list *rejects,
                                  struct event_load_counts *counts, struct pdb_error *error)
{
    const struct event_piece *key = &record->key, *time = &record->time;
    const char *reason = key->reason;
    uint32_t row = UINT32_MAX;
    if (reason == NULL) {
        const char *key_data = key->data;
        size_t key_size = key->size;
        value_trim(&key_data, &key_size);
        if (key_size == 0) reason = "the key is empty";
        else row = load->find(load->find_context, key_data, key_size, &reason);
        if (row == UINT32_MAX && reason == NULL) reason = "no profile has this key";
        if (reason != NULL && strcmp(reason, EVENT_LOAD_NO_MEMORY) == 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "%s:%llu: out of memory resolving the key",
                             source, (unsigned long long)key->line);
    }
    if (reason != NULL)
        return event_load_reject(rejects, source, record->raw, record->raw_size, key->line,
                                 key->column, load->key_name, reason, counts, error);
    int64_t at = 0;
    reason = time->reason;
    if (reason == NULL)
        reason = time->size == 0 ? "the time is empty" : value_parse_timestamp(time->data, time->size, &at);
    if (reason != NULL)
        return event_load_reject(rejects, source, record->raw, record->raw_size, time->line,
                                 time->column, "at", reason, counts, error);
    if (record->property_reason != NULL)
        return event_load_reject(rejects, source, record->raw, record->raw_size,
                                 record->property_line, record->property_column,
                                 record->property_name, record->property_reason, counts, error);
    enum pdb_status status;
    if (row == EVENT_LOAD_NEW_PROFILE &&
        (status = load->create(load->find_context, &row, error)) != PDB_OK)
        return status;
    status = event_store_builder_append(builder, load->type_index, row, at, record->values, error);
    if (status != PDB_OK) return status;
    counts->events_loaded++;
    return PDB_OK;
}

enum pdb_status event_load_csv(struct csv_reader *reader, const struct event_load *load,
                               struct event_store_builder *builder,
                               struct loader_reject_list *rejects,
                               struct event_load_counts *counts, struct pdb_error *error)
{
    const char *source = csv_reader_source(reader);
    struct header header = {0};
    struct csv_record record;
    bool has_record;
    enum pdb_status status = csv_reader_next(reader, &record, &has_record, error);
    if (status != PDB_OK) goto done;
    if (!has_record) {
        status = error_set(error, PDB_ERR_DATA, "%s: empty input (expected a header line)", source);
        goto done;
    }
    if (record.problem != NULL) {
        status = error_set(error, PDB_ERR_DATA, "%s:%llu:%u: header: %s", source,
                           (unsigned long long)record.problem_line, record.problem_column,
                           record.problem);
        goto done;
    }
    if ((status = read_header(&record, source, load, &header, error)) != PDB_OK) goto done;
    struct event_value values[PDB_EVENT_PROPERTIES_MAX];
    for (;;) {
        if ((status = csv_reader_next(reader, &record, &has_record, error)) != PDB_OK) goto done;
        if (!has_record) break;
        counts->records_read++;
        const char *raw = record.raw;
        size_t raw_size = record.raw_size;
        if (record.problem != NULL) {
            status = event_load_reject(rejects, source, raw, raw_size, record.problem_line,
                                       record.problem_column, "", record.problem, counts, error);
            if (status != PDB_OK) goto done;
            continue;
        }
        if (record.field_count != header.field_count) {
            status = event_load_reject(rejects, source, raw, raw_size, record.line, 1, "",
                                       record.field_count < header.field_count
                                           ? "fewer fields than the header"
                                           : "more fields than the header",
                                       counts, error);
            if (status != PDB_OK) goto done;
            continue;
        }
        const struct csv_field *key = &record.fields[header.key_field];
        const struct csv_field *time = &record.fields[header.time_field];
        struct event_record event = {
            .key = {key->data, key->size, key->line, key->column, NULL},
            .time = {time->data, time->size, time->line, time->column, NULL},
            .values = values,
            .raw = raw,
            .raw_size = raw_size,
        };
        for (uint32_t p = 0; p < load->type->property_count; p++) values[p] = (struct event_value){.is_null = true};
        for (uint32_t f = 0; event.property_reason == NULL && f < header.field_count; f++) {
            int32_t role = header.roles[f];
            if (role < 0) continue;
            const struct csv_field *field = &record.fields[f];
            event.property_reason = event_load_parse_value(field, load->type->properties[role].type,
                                                           &values[role]);
            event.property_name = load->type->properties[role].name;
            event.property_line = field->line;
            event.property_column = field->column;
        }
        status = event_load_record(load, source, &event, builder, rejects, counts, error);
        if (status != PDB_OK) goto done;
    }
done:
    counts->bytes_read = csv_reader_bytes_read(reader);
    mem_free(header.roles);
    return status;
}
