/*
 * Helpers for the CSV reader tests (see test_csv_helpers.h), including the naive reference
 * parser. The model walks the input one byte at a time through an explicit state machine and
 * shares no code with the reader, so the two only agree if both follow the documented
 * dialect.
 */
#include "test_csv_helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"

/* ---- Collecting ---------------------------------------------------------------------- */

static void *checked_malloc(size_t size)
{
    void *pointer = malloc(size == 0 ? 1 : size);
    cr_assert_not_null(pointer);
    return pointer;
}

static char *copy_bytes(const char *data, size_t size)
{
    char *copy = checked_malloc(size + 1);
    if (size > 0) memcpy(copy, data, size);
    copy[size] = '\0';
    return copy;
}

static void parsed_push(struct parsed *parsed, size_t *capacity, struct parsed_record record)
{
    if (parsed->record_count == *capacity) {
        *capacity = *capacity == 0 ? 16 : *capacity * 2;
        parsed->records = realloc(parsed->records, *capacity * sizeof *parsed->records);
        cr_assert_not_null(parsed->records);
    }
    parsed->records[parsed->record_count++] = record;
}

static bool same_problem(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return a == b;
    return strcmp(a, b) == 0;
}

static struct parsed_record record_copy(const struct csv_record *record)
{
    struct parsed_record copy = {
        .field_count = record->field_count,
        .line = record->line,
        .line_count = record->line_count,
        .raw = copy_bytes(record->raw, record->raw_size),
        .raw_size = record->raw_size,
        .is_raw_truncated = record->is_raw_truncated,
        .problem = record->problem,
        .problem_line = record->problem_line,
        .problem_column = record->problem_column,
    };
    if (record->problem != NULL) cr_assert_eq(record->field_count, 0);
    copy.fields = checked_malloc(record->field_count * sizeof *copy.fields);
    for (uint32_t i = 0; i < record->field_count; i++) {
        const struct csv_field *field = &record->fields[i];
        copy.fields[i] = (struct parsed_field){
            .data = copy_bytes(field->data, field->size),
            .size = field->size,
            .is_quoted = field->is_quoted,
            .line = field->line,
            .column = field->column,
        };
    }
    return copy;
}

static bool reader_next_checked(struct csv_reader *reader, struct csv_record *record)
{
    bool has_record = false;
    struct pdb_error error = {0};
    enum pdb_status status = csv_reader_next(reader, record, &has_record, &error);
    cr_assert_eq(status, PDB_OK, "csv_reader_next: %s", error.message);
    return has_record;
}

struct parsed parsed_collect(struct csv_reader *reader)
{
    struct parsed parsed = {0};
    size_t capacity = 0;
    struct csv_record record;
    while (reader_next_checked(reader, &record)) {
        parsed_push(&parsed, &capacity, record_copy(&record));
    }
    parsed.bytes_read = csv_reader_bytes_read(reader);
    csv_reader_close(reader);
    return parsed;
}

size_t readers_compare(struct csv_reader *a, struct csv_reader *b, size_t keep_from,
                       struct parsed *kept)
{
    size_t count = 0, capacity = 0;
    *kept = (struct parsed){0};
    for (;; count++) {
        struct csv_record x, y;
        bool has_x = reader_next_checked(a, &x), has_y = reader_next_checked(b, &y);
        cr_assert_eq(has_x, has_y, "record %zu exists in only one", count);
        if (!has_x) break;
        cr_assert(x.line == y.line && x.line_count == y.line_count, "record %zu lines", count);
        cr_assert(x.raw_size == y.raw_size && memcmp(x.raw, y.raw, x.raw_size) == 0 &&
                      x.is_raw_truncated == y.is_raw_truncated,
                  "record %zu raw", count);
        cr_assert(same_problem(x.problem, y.problem) && x.problem_line == y.problem_line &&
                      x.problem_column == y.problem_column,
                  "record %zu problem", count);
        cr_assert_eq(x.field_count, y.field_count, "record %zu field count", count);
        for (uint32_t i = 0; i < x.field_count; i++) {
            const struct csv_field *f = &x.fields[i], *g = &y.fields[i];
            cr_assert(f->size == g->size && memcmp(f->data, g->data, f->size) == 0 &&
                          f->is_quoted == g->is_quoted && f->line == g->line &&
                          f->column == g->column,
                      "record %zu field %u", count, i);
        }
        if (count >= keep_from) parsed_push(kept, &capacity, record_copy(&x));
    }
    kept->bytes_read = csv_reader_bytes_read(a);
    cr_assert_eq(kept->bytes_read, csv_reader_bytes_read(b));
    csv_reader_close(a);
    csv_reader_close(b);
    return count;
}

struct parsed parsed_from_memory(const char *data, size_t size, size_t read_size,
                                 size_t record_size_max)
{
    struct csv_reader *reader = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(csv_reader_open_memory(data, size, "test.csv", &reader, &error), PDB_OK, "%s",
                 error.message);
    if (read_size > 0) csv_reader_set_read_size(reader, read_size);
    if (record_size_max > 0) csv_reader_set_record_size_max(reader, record_size_max);
    struct parsed parsed = parsed_collect(reader);
    cr_assert_eq(parsed.bytes_read, size, "consumed %llu of %zu bytes",
                 (unsigned long long)parsed.bytes_read, size);
    return parsed;
}

void parsed_free(struct parsed *parsed)
{
    for (size_t r = 0; r < parsed->record_count; r++) {
        struct parsed_record *record = &parsed->records[r];
        for (uint32_t i = 0; i < record->field_count; i++) free(record->fields[i].data);
        free(record->fields);
        free(record->raw);
    }
    free(parsed->records);
    *parsed = (struct parsed){0};
}

const char *parsed_difference(const struct parsed *a, const struct parsed *b)
{
    static char description[256];
    if (a->record_count != b->record_count) {
        snprintf(description, sizeof description, "record count %zu != %zu", a->record_count,
                 b->record_count);
        return description;
    }
    for (size_t r = 0; r < a->record_count; r++) {
        const struct parsed_record *x = &a->records[r], *y = &b->records[r];
        const char *what = NULL;
        if (x->line != y->line) what = "line";
        else if (x->line_count != y->line_count) what = "line_count";
        else if (x->raw_size != y->raw_size || memcmp(x->raw, y->raw, x->raw_size) != 0)
            what = "raw";
        else if (x->is_raw_truncated != y->is_raw_truncated) what = "is_raw_truncated";
        else if (!same_problem(x->problem, y->problem)) what = "problem";
        else if (x->problem_line != y->problem_line || x->problem_column != y->problem_column)
            what = "problem position";
        else if (x->field_count != y->field_count) what = "field_count";
        for (uint32_t i = 0; what == NULL && i < x->field_count; i++) {
            const struct parsed_field *f = &x->fields[i], *g = &y->fields[i];
            if (f->size != g->size || memcmp(f->data, g->data, f->size) != 0) what = "field data";
            else if (f->is_quoted != g->is_quoted) what = "field is_quoted";
            else if (f->line != g->line || f->column != g->column) what = "field position";
            if (what != NULL) {
                snprintf(description, sizeof description, "record %zu (line %llu) field %u: %s",
                         r, (unsigned long long)x->line, i, what);
                return description;
            }
        }
        if (what != NULL) {
            snprintf(description, sizeof description, "record %zu (line %llu vs %llu): %s", r,
                     (unsigned long long)x->line, (unsigned long long)y->line, what);
            return description;
        }
    }
    return NULL;
}

/* ---- Rendering ----------------------------------------------------------------------- */

void text_append(struct text *text, const char *data, size_t size)
{
    if (text->size + size + 1 > text->capacity) {
        text->capacity = (text->size + size + 1) * 2;
        text->data = realloc(text->data, text->capacity);
        cr_assert_not_null(text->data);
    }
    memcpy(text->data + text->size, data, size);
    text->size += size;
    text->data[text->size] = '\0';
}

void text_append_escaped(struct text *text, const char *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        switch (data[i]) {
        case '\n': text_append(text, "\\n", 2); break;
        case '\r': text_append(text, "\\r", 2); break;
        case '\0': text_append(text, "\\0", 2); break;
        case '\\': text_append(text, "\\\\", 2); break;
        default: text_append(text, &data[i], 1);
        }
    }
}

char *parsed_render(const struct parsed *parsed)
{
    struct text text = {0};
    text_append(&text, "", 0);
    for (size_t r = 0; r < parsed->record_count; r++) {
        const struct parsed_record *record = &parsed->records[r];
        if (record->problem != NULL) {
            char position[96];
            int used = snprintf(position, sizeof position, "!%s@%llu:%u", record->problem,
                                (unsigned long long)record->problem_line,
                                record->problem_column);
            text_append(&text, position, (size_t)used);
        }
        for (uint32_t i = 0; i < record->field_count; i++) {
            const struct parsed_field *field = &record->fields[i];
            text_append(&text, field->is_quoted ? "<" : "[", 1);
            text_append_escaped(&text, field->data, field->size);
            text_append(&text, field->is_quoted ? ">" : "]", 1);
        }
        text_append(&text, "\n", 1);
    }
    return text.data;
}

void check_csv_render(const char *data, size_t size, const char *expected)
{
    struct parsed in_place = parsed_from_memory(data, size, 0, 0);
    static const size_t read_sizes[] = {1, 2, 3, 5, 16, 4096};
    for (size_t i = 0; i < sizeof read_sizes / sizeof read_sizes[0]; i++) {
        struct parsed streamed = parsed_from_memory(data, size, read_sizes[i], 0);
        const char *difference = parsed_difference(&in_place, &streamed);
        cr_assert_null(difference, "read size %zu: %s", read_sizes[i], difference);
        parsed_free(&streamed);
    }
    struct parsed model = csv_model_parse(data, size);
    const char *difference = parsed_difference(&in_place, &model);
    cr_assert_null(difference, "reader vs model: %s", difference);
    parsed_free(&model);
    char *render = parsed_render(&in_place);
    cr_assert_str_eq(render, expected);
    free(render);
    parsed_free(&in_place);
}

/* ---- The naive reference parser ------------------------------------------------------ */

enum model_state { MODEL_FIELD_START, MODEL_UNQUOTED, MODEL_QUOTED, MODEL_AFTER_QUOTE };

struct model_record {
    struct parsed_record record;
    uint32_t field_capacity;
    struct text content; /* the current field's bytes */
};

static void model_field_begin(struct model_record *model, uint64_t line, uint32_t column)
{
    struct parsed_record *record = &model->record;
    if (record->field_count == model->field_capacity) {
        model->field_capacity = model->field_capacity == 0 ? 8 : model->field_capacity * 2;
        record->fields = realloc(record->fields, model->field_capacity * sizeof *record->fields);
        cr_assert_not_null(record->fields);
    }
    record->fields[record->field_count++] =
        (struct parsed_field){.line = line, .column = column};
    model->content.size = 0;
}

static void model_field_end(struct model_record *model)
{
    struct parsed_field *field = &model->record.fields[model->record.field_count - 1];
    field->data = copy_bytes(model->content.data ? model->content.data : "", model->content.size);
    field->size = (uint32_t)model->content.size;
}

struct parsed csv_model_parse(const char *data, size_t size)
{
    struct parsed parsed = {0};
    size_t capacity = 0;
    size_t i = 0;
    uint64_t line = 1;
    if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) i = 3;
    for (;;) {
        /* Blank lines. */
        while (i < size) {
            if (data[i] == '\n') {
                i++;
                line++;
            } else if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n') {
                i += 2;
                line++;
            } else {
                break;
            }
        }
        if (i == size) break;

        struct model_record model = {.record = {.line = line}};
        size_t start = i, line_start = i, raw_end = 0, next = 0;
        uint64_t current_line = line;
        uint64_t open_line = 0;
        uint32_t open_column = 0;
        const char *soft = NULL, *hard = NULL;
        uint64_t soft_line = 0, hard_line = 0;
        uint32_t soft_column = 0, hard_column = 0;
        bool is_too_wide = false, is_skipping = false;
        enum model_state state = MODEL_FIELD_START;
#define COLUMN_AT(index) ((uint32_t)((index) - line_start + 1))
        for (;;) {
            if (state == MODEL_FIELD_START) {
                if (model.record.field_count > 0 && !is_too_wide) model_field_end(&model);
                if (model.record.field_count == PDB_CSV_FIELDS_MAX) {
                    if (soft == NULL) {
                        soft = CSV_PROBLEM_FIELD_COUNT;
                        soft_line = current_line;
                        soft_column = COLUMN_AT(i);
                    }
                    is_too_wide = true;
                }
                if (!is_too_wide) model_field_begin(&model, current_line, COLUMN_AT(i));
                model.content.size = 0;
                if (i < size && data[i] == '"') {
                    if (!is_too_wide) model.record.fields[model.record.field_count - 1].is_quoted = true;
                    open_line = current_line;
                    open_column = COLUMN_AT(i);
                    state = MODEL_QUOTED;
                    i++;
                } else {
                    state = MODEL_UNQUOTED;
                }
                continue;
            }
            if (i == size) {
                if (state == MODEL_QUOTED) {
                    hard = CSV_PROBLEM_UNTERMINATED;
                    hard_line = open_line;
                    hard_column = open_column;
                }
                raw_end = next = size;
                break;
            }
            char c = data[i];
            if (state == MODEL_UNQUOTED) {
                if (c == ',') {
                    state = MODEL_FIELD_START;
                    i++;
                } else if (c == '\n') {
                    raw_end = i;
                    next = i + 1;
                    if (model.content.size > 0 && model.content.data[model.content.size - 1] == '\r') {
                        model.content.size--;
                        raw_end--;
                    }
                    break;
                } else if (c == '"') {
                    hard = CSV_PROBLEM_BARE_QUOTE;
                    hard_line = current_line;
                    hard_column = COLUMN_AT(i);
                    is_skipping = true;
                    break;
                } else {
                    if (c == '\0' && soft == NULL) {
                        soft = CSV_PROBLEM_NUL;
                        soft_line = current_line;
                        soft_column = COLUMN_AT(i);
                    }
                    text_append(&model.content, &c, 1);
                    i++;
                }
            } else if (state == MODEL_QUOTED) {
                if (c == '"') {
                    state = MODEL_AFTER_QUOTE;
                } else {
                    if (c == '\0' && soft == NULL) {
                        soft = CSV_PROBLEM_NUL;
                        soft_line = current_line;
                        soft_column = COLUMN_AT(i);
                    }
                    text_append(&model.content, &c, 1);
                    if (c == '\n') {
                        current_line++;
                        line_start = i + 1;
                    }
                }
                i++;
            } else { /* MODEL_AFTER_QUOTE: the byte after a quote inside a quoted field */
                if (c == '"') {
                    text_append(&model.content, &c, 1);
                    state = MODEL_QUOTED;
                    i++;
                } else if (c == ',') {
                    state = MODEL_FIELD_START;
                    i++;
                } else if (c == '\n') {
                    raw_end = i;
                    next = i + 1;
                    break;
                } else if (c == '\r' && i + 1 < size && data[i + 1] == '\n') {
                    raw_end = i;
                    next = i + 2;
                    break;
                } else {
                    hard = CSV_PROBLEM_AFTER_QUOTE;
                    hard_line = current_line;
                    hard_column = COLUMN_AT(i);
                    is_skipping = true;
                    break;
                }
            }
        }
#undef COLUMN_AT
        if (is_skipping) {
            while (i < size && data[i] != '\n') i++;
            if (i == size) {
                raw_end = next = size;
            } else {
                raw_end = data[i - 1] == '\r' ? i - 1 : i;
                next = i + 1;
            }
        } else if (model.record.field_count > 0 && !is_too_wide) {
            model_field_end(&model);
        }
        struct parsed_record *record = &model.record;
        record->line_count = current_line - line + 1;
        record->raw = copy_bytes(data + start, raw_end - start);
        record->raw_size = raw_end - start;
        record->problem = hard != NULL ? hard : soft;
        record->problem_line = hard != NULL ? hard_line : soft_line;
        record->problem_column = hard != NULL ? hard_column : soft_column;
        if (record->problem != NULL) {
            for (uint32_t f = 0; f < record->field_count; f++) free(record->fields[f].data);
            record->field_count = 0;
        }
        free(model.content.data);
        parsed_push(&parsed, &capacity, *record);
        line += record->line_count;
        i = next;
    }
    parsed.bytes_read = size;
    return parsed;
}

/* ---- Files and randomness ------------------------------------------------------------ */

char *temp_file_write(const char *data, size_t size)
{
    char directory[] = "/tmp/pdb_csv_test_XXXXXX";
    cr_assert_not_null(mkdtemp(directory));
    size_t path_size = strlen(directory) + 16;
    char *path = checked_malloc(path_size);
    snprintf(path, path_size, "%s/input.csv", directory);
    FILE *file = fopen(path, "wb");
    cr_assert_not_null(file);
    cr_assert_eq(fwrite(data, 1, size, file), size);
    cr_assert_eq(fclose(file), 0);
    return path;
}

void temp_file_remove(char *path)
{
    unlink(path);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    rmdir(path);
    free(path);
}

uint64_t test_seed(uint64_t default_seed)
{
    const char *text = getenv("PDB_TEST_SEED");
    uint64_t seed = text != NULL ? strtoull(text, NULL, 0) : default_seed;
    cr_log_info("seed %llu (set PDB_TEST_SEED to replay)", (unsigned long long)seed);
    fprintf(stderr, "csv test seed %llu (set PDB_TEST_SEED to replay)\n",
            (unsigned long long)seed);
    return seed;
}

uint64_t random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
