/*
 * libFuzzer target for the CSV reader (engine/ingest/csv_reader.c).
 *
 * The first input byte picks the configuration: bits 0-5 a read size for the streamed copy
 * (0 = PDB_CSV_READ_SIZE, else 1..63 bytes), bit 6 a record size limit of 40 bytes (else
 * the real one), bit 7 lines mode (NDJSON), so block boundaries and the oversized-record
 * skip are both reached in both modes. The
 * rest is the CSV text. Each input is read twice, in place and streamed, in lockstep; the
 * two must agree exactly (a differential oracle for all the buffering logic), and every
 * record must satisfy the documented invariants. Any failure aborts.
 *
 * Not wired into CMake yet; the build and run commands (from the repository root) follow.
 * A crash found here becomes a regression test in tests/ingest/test_csv_reader.c.
 */
// clang -g -O1 -fsanitize=fuzzer,address -I/work/main/engine -I/work/main/include fuzz/fuzz_csv_reader.c engine/ingest/csv_reader.c engine/base/*.c -lxxhash -o /tmp/fuzz_csv
// /tmp/fuzz_csv -max_total_time=30
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "ingest/csv_reader.h"

#define FUZZ_RECORD_SIZE_MAX 40u

#define FUZZ_CHECK(condition)                                                                 \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "fuzz_csv_reader: check failed: %s (line %d)\n", #condition,       \
                    __LINE__);                                                                 \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static struct csv_reader *open_configured(const char *data, size_t size, size_t read_size,
                                          size_t record_size_max, bool is_lines)
{
    struct csv_reader *reader = NULL;
    FUZZ_CHECK(csv_reader_open_memory(data, size, "fuzz", &reader, NULL) == PDB_OK);
    if (is_lines) csv_reader_set_lines_mode(reader);
    if (read_size > 0) csv_reader_set_read_size(reader, read_size);
    if (record_size_max > 0) csv_reader_set_record_size_max(reader, record_size_max);
    return reader;
}

static bool problem_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) return a == b;
    return strcmp(a, b) == 0;
}

/* Invariants of one record read in place from data[0, size). */
static void check_record(const struct csv_record *record, const char *data, size_t size,
                         uint64_t previous_line_end, size_t record_size_max, bool is_lines)
{
    FUZZ_CHECK(record->line >= previous_line_end);
    FUZZ_CHECK(record->line_count >= 1);
    FUZZ_CHECK(record->raw >= data && record->raw_size <= size &&
               (size_t)(record->raw - data) <= size - record->raw_size);
    FUZZ_CHECK(!record->is_raw_truncated || record->raw_size == CSV_OVERSIZED_RAW_SIZE_MAX);
    uint64_t last_line = record->line + record->line_count - 1;
    if (record->problem != NULL) {
        FUZZ_CHECK(record->field_count == 0);
        FUZZ_CHECK(record->problem_line >= record->line && record->problem_line <= last_line);
        FUZZ_CHECK(record->problem_column >= 1);
        return;
    }
    FUZZ_CHECK(record->raw_size <= record_size_max);
    if (is_lines) { /* one unquoted field: the whole line, never a LF or NUL */
        const struct csv_field *field = &record->fields[0];
        FUZZ_CHECK(record->field_count == 1 && record->line_count == 1 && !field->is_quoted);
        FUZZ_CHECK(field->data == record->raw && field->size == record->raw_size);
        FUZZ_CHECK(field->line == record->line && field->column == 1);
        FUZZ_CHECK(memchr(field->data, '\n', field->size) == NULL);
        FUZZ_CHECK(memchr(field->data, '\0', field->size) == NULL);
        return;
    }
    FUZZ_CHECK(record->field_count >= 1 && record->field_count <= PDB_CSV_FIELDS_MAX);
    size_t field_bytes = 0;
    uint64_t line = record->line;
    for (uint32_t i = 0; i < record->field_count; i++) {
        const struct csv_field *field = &record->fields[i];
        FUZZ_CHECK(field->line >= line && field->line <= last_line);
        FUZZ_CHECK(field->column >= 1);
        FUZZ_CHECK(field->size <= record->raw_size);
        FUZZ_CHECK(field->is_quoted || memchr(field->data, '"', field->size) == NULL);
        FUZZ_CHECK(memchr(field->data, '\0', field->size) == NULL);
        if (!field->is_quoted) {
            FUZZ_CHECK(memchr(field->data, ',', field->size) == NULL);
            FUZZ_CHECK(memchr(field->data, '\n', field->size) == NULL);
            /* Unquoted fields are never copied. */
            FUZZ_CHECK(field->data >= record->raw &&
                       field->data + field->size <= record->raw + record->raw_size);
        }
        field_bytes += field->size;
        line = field->line;
    }
    FUZZ_CHECK(field_bytes + record->field_count - 1 <= record->raw_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t input_size)
{
    if (input_size == 0) return 0;
    size_t read_size = input[0] & 63u;
    if (read_size == 0) read_size = PDB_CSV_READ_SIZE;
    size_t record_size_max = (input[0] & 64u) ? FUZZ_RECORD_SIZE_MAX : PDB_CSV_RECORD_SIZE_MAX;
    const char *data = (const char *)input + 1;
    size_t size = input_size - 1;

    bool is_lines = (input[0] & 128u) != 0;
    struct csv_reader *in_place = open_configured(data, size, 0, record_size_max, is_lines);
    struct csv_reader *streamed = open_configured(data, size, read_size, record_size_max, is_lines);
    uint64_t line_end = 1;
    for (;;) {
        struct csv_record x, y;
        bool has_x = false, has_y = false;
        FUZZ_CHECK(csv_reader_next(in_place, &x, &has_x, NULL) == PDB_OK);
        FUZZ_CHECK(csv_reader_next(streamed, &y, &has_y, NULL) == PDB_OK);
        FUZZ_CHECK(has_x == has_y);
        if (!has_x) break;
        check_record(&x, data, size, line_end, record_size_max, is_lines);
        line_end = x.line + x.line_count;
        FUZZ_CHECK(x.line == y.line && x.line_count == y.line_count);
        FUZZ_CHECK(x.raw_size == y.raw_size && memcmp(x.raw, y.raw, x.raw_size) == 0);
        FUZZ_CHECK(x.is_raw_truncated == y.is_raw_truncated);
        FUZZ_CHECK(problem_equal(x.problem, y.problem));
        FUZZ_CHECK(x.problem_line == y.problem_line && x.problem_column == y.problem_column);
        FUZZ_CHECK(x.field_count == y.field_count);
        for (uint32_t i = 0; i < x.field_count; i++) {
            const struct csv_field *f = &x.fields[i], *g = &y.fields[i];
            FUZZ_CHECK(f->size == g->size && memcmp(f->data, g->data, f->size) == 0);
            FUZZ_CHECK(f->is_quoted == g->is_quoted && f->line == g->line &&
                       f->column == g->column);
        }
        FUZZ_CHECK(csv_reader_bytes_read(in_place) == csv_reader_bytes_read(streamed));
    }
    FUZZ_CHECK(csv_reader_bytes_read(in_place) == size);
    FUZZ_CHECK(csv_reader_bytes_read(streamed) == size);
    csv_reader_close(in_place);
    csv_reader_close(streamed);
    return 0;
}
