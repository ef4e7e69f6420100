/*
 * CSV loader (see loader.h): header mapping, per-row staging and validation, the reject
 * file, progress reports and chunk hand-off.
 */
#include "ingest/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/status.h"
#include "ingest/value_parse.h"

#define LOADER_PROGRESS_ROWS 8192u /* rows between clock checks */
#define LOADER_PROGRESS_INTERVAL_S 0.1
#define LOADER_REASON_VALUE_SIZE_MAX 40 /* bytes of the bad value quoted in a reason */

enum staged_kind { STAGED_NULL, STAGED_BOOL, STAGED_INT, STAGED_FLOAT, STAGED_STRING, STAGED_TAGS };

struct staged_value {
    enum staged_kind kind;
    bool bool_value;
    int64_t int_value;
    double float_value;
    const char *data;
    uint32_t size;
    uint32_t tag_count;
    const char **tags; /* this attribute's slice of the tag scratch */
    uint32_t *tag_sizes;
};

struct loader {
    struct csv_reader *reader;
    const struct schema *schema;
    struct column *const *columns;
    const struct loader_options *options;
    struct loader_counts *counts;
    int32_t *field_attribute; /* per header field: attribute index or -1 (ignored) */
    uint32_t field_count;
    struct staged_value *staged; /* per attribute */
    const char **tag_scratch;
    uint32_t *tag_size_scratch;
    FILE *rejects;
    struct buffer line;
    double started_s;
    double last_progress_s;
};

static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- Reject file ----------------------------------------------------------------------- */

static int append_csv_field(struct buffer *line, const char *data, size_t size)
{
    bool needs_quotes = memchr(data, ',', size) || memchr(data, '"', size) ||
                        memchr(data, '\n', size) || memchr(data, '\r', size);
    if (!needs_quotes) return buffer_append(line, data, size);
    if (buffer_append(line, "\"", 1) != 0) return -1;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '"' && buffer_append(line, "\"", 1) != 0) return -1;
        if (buffer_append(line, &data[i], 1) != 0) return -1;
    }
    return buffer_append(line, "\"", 1);
}

static enum pdb_status write_reject(struct loader *loader, const struct csv_record *record,
                                    uint64_t line, uint32_t column, const char *attribute,
                                    const char *reason, struct pdb_error *error)
{
    const char *path = loader->options->rejects_path;
    if (loader->rejects == NULL) {
        loader->rejects = fopen(path, "w");
        if (loader->rejects == NULL)
            return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot create reject file", path);
        fputs("file,line,column,attribute,reason,record\n", loader->rejects);
    }
    struct buffer *out = &loader->line;
    buffer_reset(out);
    const char *source = csv_reader_source(loader->reader);
    char numbers[64];
    int used = snprintf(numbers, sizeof numbers, ",%llu,%u,", (unsigned long long)line, column);
    if (append_csv_field(out, source, strlen(source)) != 0 ||
        buffer_append(out, numbers, (size_t)used) != 0 ||
        append_csv_field(out, attribute, strlen(attribute)) != 0 || buffer_append(out, ",", 1) != 0 ||
        append_csv_field(out, reason, strlen(reason)) != 0 || buffer_append(out, ",", 1) != 0 ||
        append_csv_field(out, record->raw, record->raw_size) != 0 || buffer_append(out, "\n", 1) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing a reject");
    if (fwrite(out->data, 1, out->size, loader->rejects) != out->size)
        return error_set_errno(error, PDB_ERR_IO, errno, "%s: write failed", path);
    loader->counts->rows_rejected++;
    return PDB_OK;
}

/* ---- Header ---------------------------------------------------------------------------- */

static enum pdb_status map_header(struct loader *loader, const struct csv_record *header,
                                  struct pdb_error *error)
{
    const char *source = csv_reader_source(loader->reader);
    if (header->problem != NULL) {
        return error_set(error, PDB_ERR_DATA, "%s:%llu:%u: header row is malformed: %s", source,
                         (unsigned long long)header->problem_line, header->problem_column,
                         header->problem);
    }
    loader->field_count = header->field_count;
    loader->field_attribute = mem_alloc(header->field_count * sizeof(int32_t));
    if (loader->field_attribute == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    uint32_t attributes = loader->schema->attribute_count;
    int32_t *seen_at = mem_alloc(attributes * sizeof(int32_t));
    if (seen_at == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    for (uint32_t a = 0; a < attributes; a++) seen_at[a] = -1;
    enum pdb_status status = PDB_OK;
    for (uint32_t f = 0; f < header->field_count; f++) {
        const struct csv_field *field = &header->fields[f];
        const char *name = field->data;
        size_t size = field->size;
        value_trim(&name, &size);
        if (size == 0) {
            status = error_set(error, PDB_ERR_DATA, "%s:%llu:%u: header column %u has no name",
                               source, (unsigned long long)field->line, field->column, f + 1);
            break;
        }
        int32_t attribute = schema_find(loader->schema, name, size);
        if (attribute < 0) {
            if (loader->options->ignore_unknown_columns) {
                loader->field_attribute[f] = -1;
                continue;
            }
            const char *suggestion = schema_suggest(loader->schema, name, size);
            status = error_set(error, PDB_ERR_DATA,
                               "%s:%llu:%u: unknown column '%.*s'%s%s%s (not in the schema; "
                               "use --ignore-unknown-columns to skip it)",
                               source, (unsigned long long)field->line, field->column, (int)size,
                               name, suggestion ? " (did you mean '" : "",
                               suggestion ? suggestion : "", suggestion ? "'?)" : "");
            break;
        }
        if (seen_at[attribute] >= 0) {
            status = error_set(error, PDB_ERR_DATA, "%s:%llu:%u: column '%.*s' appears twice in "
                               "the header (first as column %d)", source,
                               (unsigned long long)field->line, field->column, (int)size, name,
                               seen_at[attribute] + 1);
            break;
        }
        seen_at[attribute] = (int32_t)f;
        loader->field_attribute[f] = attribute;
    }
    mem_free(seen_at);
    return status;
}

/* ---- Rows ------------------------------------------------------------------------------ */

/* Parses one field into the staged value of its attribute; returns a reason or NULL. */
static const char *stage_field(const struct attribute *attribute,
                               const struct csv_field *field, struct staged_value *staged,
                               char *detail, size_t detail_size)
{
    const char *data = field->data;
    size_t size = field->size;
    staged->kind = STAGED_NULL;
    switch (attribute->type) {
    case PDB_TYPE_TEXT:
    case PDB_TYPE_CATEGORY: {
        if (size == 0 && !field->is_quoted) return NULL;
        size_t bad = 0;
        const char *reason = value_check_string(data, size, &bad);
        if (reason != NULL) {
            if (size > PDB_TEXT_VALUE_SIZE_MAX) return reason; /* no bad byte to point at */
            snprintf(detail, detail_size, "%s at byte %zu of the value", reason, bad + 1);
            return detail;
        }
        staged->kind = STAGED_STRING;
        staged->data = data;
        staged->size = (uint32_t)size;
        return NULL;
    }
    case PDB_TYPE_TAGS: {
        if (size == 0 && !field->is_quoted) return NULL;
        const char *reason = value_split_tags(data, size, staged->tags, staged->tag_sizes,
                                              PDB_TAGS_PER_VALUE_MAX, &staged->tag_count);
        if (reason != NULL) return reason;
        staged->kind = STAGED_TAGS;
        return NULL;
    }
    default: break;
    }
    value_trim(&data, &size);
    if (size == 0) return NULL; /* empty (quoted or not) is NULL for non-string types */
    const char *reason = NULL;
    switch (attribute->type) {
    case PDB_TYPE_BOOL:
        reason = value_parse_bool(data, size, &staged->bool_value);
        staged->kind = STAGED_BOOL;
        break;
    case PDB_TYPE_INT:
        reason = value_parse_int(data, size, &staged->int_value);
        staged->kind = STAGED_INT;
        break;
    case PDB_TYPE_TIMESTAMP:
        reason = value_parse_timestamp(data, size, &staged->int_value);
        staged->kind = STAGED_INT;
        break;
    case PDB_TYPE_FLOAT:
        reason = value_parse_float(data, size, &staged->float_value);
        staged->kind = STAGED_FLOAT;
        break;
    default: break;
    }
    if (reason != NULL) {
        int shown = size > LOADER_REASON_VALUE_SIZE_MAX ? LOADER_REASON_VALUE_SIZE_MAX : (int)size;
        snprintf(detail, detail_size, "%s value '%.*s%s': %s", pdb_type_name(attribute->type),
                 shown, data, (int)size > shown ? "..." : "", reason);
        return detail;
    }
    return NULL;
}

static enum pdb_status append_row(struct loader *loader, struct pdb_error *error)
{
    for (uint32_t a = 0; a < loader->schema->attribute_count; a++) {
        struct column *column = loader->columns[a];
        const struct staged_value *staged = &loader->staged[a];
        enum pdb_status status;
        switch (staged->kind) {
        case STAGED_NULL: status = column_append_null(column, error); break;
        case STAGED_BOOL: status = column_append_bool(column, staged->bool_value, error); break;
        case STAGED_INT: status = column_append_int(column, staged->int_value, error); break;
        case STAGED_FLOAT: status = column_append_float(column, staged->float_value, error); break;
        case STAGED_STRING:
            status = column_append_string(column, staged->data, staged->size, error);
            break;
        case STAGED_TAGS:
            status = column_append_tags(column, staged->tags, staged->tag_sizes,
                                        staged->tag_count, error);
            break;
        default: status = error_set(error, PDB_ERR_USAGE, "bad staged value");
        }
        if (status != PDB_OK) return status;
    }
    loader->counts->rows_loaded++;
    struct column *first = loader->columns[0];
    if (first->chunks[first->chunk_count - 1].row_count == PDB_CHUNK_ROWS) {
        enum pdb_status status =
            loader->options->chunk_full(loader->options->chunk_context, loader->columns, error);
        if (status != PDB_OK) return status;
        for (uint32_t a = 0; a < loader->schema->attribute_count; a++)
            column_clear_chunks(loader->columns[a]);
    }
    return PDB_OK;
}

static enum pdb_status load_record(struct loader *loader, const struct csv_record *record,
                                   struct pdb_error *error)
{
    char detail[256];
    if (record->problem != NULL) {
        return write_reject(loader, record, record->problem_line, record->problem_column, "",
                            record->problem, error);
    }
    if (record->field_count != loader->field_count) {
        snprintf(detail, sizeof detail, "expected %u fields (as in the header), found %u",
                 loader->field_count, record->field_count);
        uint32_t column = record->field_count > loader->field_count
                              ? record->fields[loader->field_count].column
                              : record->fields[record->field_count - 1].column;
        uint64_t line = record->field_count > loader->field_count
                            ? record->fields[loader->field_count].line
                            : record->fields[record->field_count - 1].line;
        return write_reject(loader, record, line, column, "", detail, error);
    }
    for (uint32_t a = 0; a < loader->schema->attribute_count; a++) loader->staged[a].kind = STAGED_NULL;
    for (uint32_t f = 0; f < record->field_count; f++) {
        int32_t attribute_index = loader->field_attribute[f];
        if (attribute_index < 0) continue;
        const struct attribute *attribute = &loader->schema->attributes[attribute_index];
        const struct csv_field *field = &record->fields[f];
        const char *reason = stage_field(attribute, field, &loader->staged[attribute_index],
                                         detail, sizeof detail);
        if (reason != NULL) {
            return write_reject(loader, record, field->line, field->column, attribute->name,
                                reason, error);
        }
    }
    return append_row(loader, error);
}

static void report_progress(struct loader *loader, bool force)
{
    if (loader->options->progress == NULL) return;
    double now = monotonic_s();
    if (!force && now - loader->last_progress_s < LOADER_PROGRESS_INTERVAL_S) return;
    loader->last_progress_s = now;
    struct pdb_ingest_progress progress = {
        .rows_read = loader->counts->rows_read,
        .rows_rejected = loader->counts->rows_rejected,
        .bytes_read = csv_reader_bytes_read(loader->reader),
        .bytes_total = csv_reader_size_bytes(loader->reader),
        .elapsed_s = now - loader->started_s,
    };
    loader->options->progress(loader->options->progress_context, &progress);
}

enum pdb_status loader_load_csv(struct csv_reader *reader, const struct schema *schema,
                                struct column *const *columns,
                                const struct loader_options *options,
                                struct loader_counts *counts, struct pdb_error *error)
{
    struct loader loader = {
        .reader = reader, .schema = schema, .columns = columns, .options = options,
        .counts = counts,
    };
    memset(counts, 0, sizeof *counts);
    buffer_init(&loader.line);
    loader.started_s = loader.last_progress_s = monotonic_s();
    enum pdb_status status = PDB_OK;

    uint32_t attributes = schema->attribute_count;
    uint32_t tag_attributes = 0;
    for (uint32_t a = 0; a < attributes; a++) tag_attributes += schema->attributes[a].type == PDB_TYPE_TAGS;
    loader.staged = mem_calloc(attributes, sizeof *loader.staged);
    loader.tag_scratch = mem_alloc((size_t)(tag_attributes ? tag_attributes : 1) * PDB_TAGS_PER_VALUE_MAX * sizeof(char *));
    loader.tag_size_scratch = mem_alloc((size_t)(tag_attributes ? tag_attributes : 1) * PDB_TAGS_PER_VALUE_MAX * sizeof(uint32_t));
    if (loader.staged == NULL || loader.tag_scratch == NULL || loader.tag_size_scratch == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory starting a load");
        goto done;
    }
    for (uint32_t a = 0, slot = 0; a < attributes; a++) {
        if (schema->attributes[a].type != PDB_TYPE_TAGS) continue;
        loader.staged[a].tags = loader.tag_scratch + (size_t)slot * PDB_TAGS_PER_VALUE_MAX;
        loader.staged[a].tag_sizes = loader.tag_size_scratch + (size_t)slot * PDB_TAGS_PER_VALUE_MAX;
        slot++;
    }

    struct csv_record record;
    bool has_record;
    status = csv_reader_next(reader, &record, &has_record, error);
    if (status != PDB_OK) goto done;
    if (!has_record) {
        status = error_set(error, PDB_ERR_DATA, "%s: the file is empty (expected a header row "
                           "naming the columns)", csv_reader_source(reader));
        goto done;
    }
    status = map_header(&loader, &record, error);
    if (status != PDB_OK) goto done;

    for (;;) {
        status = csv_reader_next(reader, &record, &has_record, error);
        if (status != PDB_OK || !has_record) break;
        counts->rows_read++;
        status = load_record(&loader, &record, error);
        if (status != PDB_OK) break;
        if (counts->rows_read % LOADER_PROGRESS_ROWS == 0) report_progress(&loader, false);
    }
    if (status == PDB_OK) report_progress(&loader, true);

done:
    counts->bytes_read = csv_reader_bytes_read(reader);
    if (loader.rejects != NULL) {
        bool failed = fflush(loader.rejects) != 0 || ferror(loader.rejects);
        failed |= fclose(loader.rejects) != 0;
        if (failed && status == PDB_OK)
            status = error_set_errno(error, PDB_ERR_IO, errno, "%s: writing rejects failed",
                                     options->rejects_path);
    }
    buffer_deinit(&loader.line);
    mem_free(loader.field_attribute);
    mem_free(loader.staged);
    mem_free(loader.tag_scratch);
    mem_free(loader.tag_size_scratch);
    return status;
}
