/*
 * The read step of the loader (loader_internal.h): records from the csv_reader into a
 * batch's raw bytes, and the reject lists every step shares.
 *
 * A well-formed record is copied byte for byte with its line end, and the reader's field
 * boundaries with it (offsets into the copy; the unescaped bytes of fields that held "" go to
 * `unescaped`), so the stage step parses no CSV. The raw bytes start with "\n" and every
 * record ends with its line end, so a record's bytes, preceded by that "\n", parse again
 * alone exactly as in the file (loader_batch_field_position, for a reject's position): an
 * empty line produces no record, and a record never sits at byte 0, where a UTF-8 BOM would be
 * skipped. Malformed records are not copied: they become rejects placed before the next
 * well-formed record.
 */
#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "ingest/loader_internal.h"

void loader_reject_list_deinit(struct loader_reject_list *list)
{
    mem_free(list->entries);
    buffer_deinit(&list->text);
    memset(list, 0, sizeof *list);
}

void loader_batch_deinit(struct loader_batch *batch)
{
    buffer_deinit(&batch->raw);
    mem_free(batch->record_lines);
    mem_free(batch->record_spans);
    mem_free(batch->fields);
    buffer_deinit(&batch->unescaped);
    loader_reject_list_deinit(&batch->structural);
    buffer_deinit(&batch->staged);
    loader_reject_list_deinit(&batch->values);
    mem_free(batch->rule_changed);
    memset(batch, 0, sizeof *batch);
}

void loader_batch_reset(struct loader_batch *batch)
{
    buffer_reset(&batch->raw);
    buffer_reset(&batch->unescaped);
    batch->record_count = 0;
    batch->rows_read = 0;
    batch->structural.count = 0;
    buffer_reset(&batch->structural.text);
    buffer_reset(&batch->staged);
    batch->staged_count = 0;
    batch->values.count = 0;
    buffer_reset(&batch->values.text);
    batch->status = PDB_OK;
    batch->error.status = PDB_OK;
    batch->error.message[0] = '\0';
}

/* ---- Reject lines ------------------------------------------------------------------- */

static int append_csv_field(struct buffer *line, const char *data, size_t size)
{
    bool needs_quotes = memchr(data, ',', size) || memchr(data, '"', size) ||
                        memchr(data, '\n', size) || memchr(data, '\r', size);
    if (!needs_quotes) return buffer_append(line, data, size);
    if (buffer_append(line, "\"", 1) != 0) return -1;
    const char *rest = data;
    size_t left = size;
    while (left > 0) { /* runs between quotes in one append each */
        const char *quote = memchr(rest, '"', left);
        size_t run = quote ? (size_t)(quote - rest) + 1 : left;
        if (buffer_append(line, rest, run) != 0) return -1;
        if (quote && buffer_append(line, "\"", 1) != 0) return -1;
        rest += run;
        left -= run;
    }
    return buffer_append(line, "\"", 1);
}

int loader_reject_add(struct loader_reject_list *list, uint32_t before_record, const char *source,
                      uint64_t line, uint32_t column, const char *attribute, const char *reason,
                      const char *raw, size_t raw_size)
{
    if (list->count == list->capacity) {
        void *grown = list->entries;
        size_t capacity = list->capacity;
        if (mem_grow(&grown, &capacity, list->count + 1u, sizeof *list->entries) != 0) return -1;
        list->entries = grown;
        list->capacity = (uint32_t)capacity;
    }
    struct buffer *out = &list->text;
    size_t start = out->size;
    char numbers[64];
    int used = snprintf(numbers, sizeof numbers, ",%llu,%u,", (unsigned long long)line, column);
    if (append_csv_field(out, source, strlen(source)) != 0 ||
        buffer_append(out, numbers, (size_t)used) != 0 ||
        append_csv_field(out, attribute, strlen(attribute)) != 0 || buffer_append(out, ",", 1) != 0 ||
        append_csv_field(out, reason, strlen(reason)) != 0 || buffer_append(out, ",", 1) != 0 ||
        append_csv_field(out, raw, raw_size) != 0 || buffer_append(out, "\n", 1) != 0 ||
        out->size - start > UINT32_MAX || out->size > UINT32_MAX) {
        out->size = start;
        return -1;
    }
    list->entries[list->count++] = (struct loader_reject){
        .before_record = before_record, .offset = (uint32_t)start,
        .size = (uint32_t)(out->size - start), .rule_slot = -1};
    return 0;
}

/* ---- Read step ----------------------------------------------------------------------- */

static int add_record(struct loader_batch *batch, const struct csv_record *record)
{
    uint32_t index = batch->record_count, per_record = batch->fields_per_record;
    if (index == batch->record_capacity) {
        void *grown = batch->record_lines;
        size_t capacity = batch->record_capacity;
        if (mem_grow(&grown, &capacity, index + 1u, sizeof(uint64_t)) != 0) return -1;
        batch->record_lines = grown;
        batch->record_capacity = (uint32_t)capacity;
    }
    if (index == batch->record_span_capacity) {
        void *grown = batch->record_spans;
        size_t capacity = batch->record_span_capacity;
        if (mem_grow(&grown, &capacity, index + 1u, sizeof *batch->record_spans) != 0) return -1;
        batch->record_spans = grown;
        batch->record_span_capacity = (uint32_t)capacity;
    }
    if ((size_t)(index + 1u) * per_record > batch->field_capacity) {
        void *grown = batch->fields;
        if (mem_grow(&grown, &batch->field_capacity, (size_t)(index + 1u) * per_record, sizeof *batch->fields) != 0)
            return -1;
        batch->fields = grown;
    }
    size_t offset = batch->raw.size, unescaped_size = batch->unescaped.size;
    if (offset + record->raw_size > UINT32_MAX ||
        buffer_append(&batch->raw, record->raw, record->raw_size + record->line_end_size) != 0)
        return -1;
    assert(record->field_count == per_record);
    struct loader_field *fields = &batch->fields[(size_t)index * per_record];
    const struct csv_field *in = record->fields;
    uintptr_t raw = (uintptr_t)record->raw;
    size_t raw_size = record->raw_size;
    for (uint32_t f = 0; f < per_record; f++) {
        const struct csv_field *field = &in[f];
        uint32_t size = field->size;
        uint32_t flags = size | ((uint32_t)field->is_quoted << 31);
        uintptr_t at = (uintptr_t)field->data - raw; /* wraps when before raw */
        if (at <= raw_size && size <= raw_size - at) { /* inside the record's bytes */
            fields[f] = (struct loader_field){(uint32_t)at, flags};
            continue;
        }
        if (batch->unescaped.size + field->size > UINT32_MAX ||
            buffer_append(&batch->unescaped, field->data, field->size) != 0) {
            batch->raw.size = offset;
            batch->unescaped.size = unescaped_size;
            return -1;
        }
        fields[f] = (struct loader_field){(uint32_t)(batch->unescaped.size - field->size),
                                          flags | LOADER_FIELD_ESCAPED};
    }
    batch->record_spans[index] = (struct loader_record_span){(uint32_t)offset, (uint32_t)record->raw_size};
    batch->record_lines[index] = record->line;
    batch->record_count++;
    return 0;
}

enum pdb_status loader_batch_field_position(const struct loader *loader,
                                            const struct loader_batch *batch,
                                            uint32_t record_index, uint32_t field_index,
                                            uint64_t *line_out, uint32_t *column_out,
                                            struct pdb_error *error)
{
    const char *source = csv_reader_source(loader->reader);
    const struct loader_record_span *span = &batch->record_spans[record_index];
    const char *start = (const char *)batch->raw.data + span->offset - 1;
    assert(*start == '\n'); /* the batch's first byte, or the line end of the record before */
    /* Well-formed records lie back to back: this one, with its line end, ends where the next
     * starts. */
    size_t end = record_index + 1u < batch->record_count ? batch->record_spans[record_index + 1u].offset
                                                         : batch->raw.size;
    struct csv_reader *reader = NULL;
    enum pdb_status status = csv_reader_open_memory(start, end - span->offset + 1u, source, &reader, error);
    if (status != PDB_OK) return status;
    if (loader->options->format == LOADER_FORMAT_NDJSON) csv_reader_set_lines_mode(reader);
    struct csv_record record;
    bool has_record = false;
    status = csv_reader_next(reader, &record, &has_record, error);
    if (status == PDB_OK && (!has_record || record.problem != NULL || field_index >= record.field_count)) {
        status = error_set(error, PDB_ERR_USAGE, "%s:%llu: internal error: a buffered record did "
                           "not parse again", source, (unsigned long long)batch->record_lines[record_index]);
    }
    if (status == PDB_OK) {
        /* The record is on line 2 of the copy, after its leading "\n". */
        *line_out = batch->record_lines[record_index] + (record.fields[field_index].line - 2u);
        *column_out = record.fields[field_index].column;
    }
    csv_reader_close(reader);
    return status;
}

enum pdb_status loader_batch_read(struct loader *loader, struct loader_batch *batch,
                                  struct pdb_error *error)
{
    const char *source = csv_reader_source(loader->reader);
    loader_batch_reset(batch);
    batch->fields_per_record = loader->options->format == LOADER_FORMAT_NDJSON ? 1u : loader->field_count;
    /* Room for a full batch's boundaries at once (the stage step freed the last ones), unless
     * records are so wide that the byte bound will end the batch early: then they grow. */
    size_t full = (size_t)LOADER_BATCH_RECORDS * batch->fields_per_record;
    if (batch->fields == NULL && full * sizeof *batch->fields <= LOADER_FIELDS_RESERVE_SIZE_MAX) {
        batch->fields = mem_alloc(full * sizeof *batch->fields);
        if (batch->fields == NULL) goto no_memory;
        batch->field_capacity = full;
    }
    if (buffer_append(&batch->raw, "\n", 1) != 0) goto no_memory;
    while (batch->rows_read < LOADER_BATCH_RECORDS && batch->raw.size < LOADER_BATCH_BYTES_MAX) {
        struct csv_record record;
        bool has_record;
        enum pdb_status status = csv_reader_next(loader->reader, &record, &has_record, error);
        if (status != PDB_OK) return status;
        if (!has_record) {
            loader->is_input_ended = true;
            break;
        }
        batch->rows_read++;
        if (record.problem != NULL) {
            if (loader_reject_add(&batch->structural, batch->record_count, source,
                                  record.problem_line, record.problem_column, "", record.problem,
                                  record.raw, record.raw_size) != 0)
                goto no_memory;
            continue;
        }
        if (loader->options->format == LOADER_FORMAT_CSV && record.field_count != loader->field_count) {
            char detail[128];
            snprintf(detail, sizeof detail, "expected %u fields (as in the header), found %u",
                     loader->field_count, record.field_count);
            const struct csv_field *at = record.field_count > loader->field_count
                                             ? &record.fields[loader->field_count]
                                             : &record.fields[record.field_count - 1];
            if (loader_reject_add(&batch->structural, batch->record_count, source, at->line,
                                  at->column, "", detail, record.raw, record.raw_size) != 0)
                goto no_memory;
            continue;
        }
        if (add_record(batch, &record) != 0) goto no_memory;
    }
    batch->bytes_end = csv_reader_bytes_read(loader->reader);
    return PDB_OK;
no_memory:
    return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory buffering CSV records", source);
}
