/*
 * Helpers shared by the CSV reader tests: copy every record of a reader into owned memory
 * (struct parsed), compare two parses exactly, render a parse as compact text for expected
 * values, and a deliberately naive byte-at-a-time reference parser of the same dialect
 * (csv_model_parse) to compare the fast reader with.
 *
 * Render format, one line per record: fields as [unquoted] or <quoted>, or
 * !problem@line:column for a malformed record; bytes \n \r \0 \\ appear escaped.
 */
#ifndef PDB_TESTS_INGEST_TEST_CSV_HELPERS_H
#define PDB_TESTS_INGEST_TEST_CSV_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/csv_reader.h"

struct parsed_field {
    char *data;
    uint32_t size;
    bool is_quoted;
    uint64_t line;
    uint32_t column;
};

struct parsed_record {
    uint32_t field_count;
    struct parsed_field *fields;
    uint64_t line;
    uint64_t line_count;
    char *raw;
    size_t raw_size;
    bool is_raw_truncated;
    const char *problem;
    uint64_t problem_line;
    uint32_t problem_column;
};

struct parsed {
    size_t record_count;
    struct parsed_record *records;
    uint64_t bytes_read;
};

/* Reads every record (asserting no error) and closes the reader. */
struct parsed parsed_collect(struct csv_reader *reader);
/* Steps two readers in lockstep asserting identical records (without copying them), copies
 * records from index keep_from on into *kept, closes both; returns the record count. */
size_t readers_compare(struct csv_reader *a, struct csv_reader *b, size_t keep_from,
                       struct parsed *kept);
/* Parses memory in place (read_size 0) or streamed in reads of read_size bytes, with the
 * default record size limit (record_size_max 0) or a lowered one. */
struct parsed parsed_from_memory(const char *data, size_t size, size_t read_size,
                                 size_t record_size_max);
void parsed_free(struct parsed *parsed);
/* NULL when equal, else a static description of the first difference. */
const char *parsed_difference(const struct parsed *a, const struct parsed *b);
/* Malloc'd render (see above). */
char *parsed_render(const struct parsed *parsed);

/* The reference parser: same dialect, problems and resynchronisation, but no size limits. */
struct parsed csv_model_parse(const char *data, size_t size);

/* A growable NUL-terminated byte string (data may be NULL while empty). */
struct text {
    char *data;
    size_t size, capacity;
};
void text_append(struct text *text, const char *data, size_t size);
/* Appends with \n \r \0 and \\ escaped, as in renders. */
void text_append_escaped(struct text *text, const char *data, size_t size);

/* Parses `data` in place and streamed with several read sizes (all must agree exactly),
 * then asserts the render equals `expected`. */
void check_csv_render(const char *data, size_t size, const char *expected);
#define CHECK_CSV(literal, expected) check_csv_render((literal), sizeof(literal) - 1, (expected))

/* Writes bytes to a fresh file under a temp directory; returns a malloc'd path. */
char *temp_file_write(const char *data, size_t size);
void temp_file_remove(char *path);

/* Deterministic PRNG (splitmix64); the seed comes from PDB_TEST_SEED when set. */
uint64_t test_seed(uint64_t default_seed);
uint64_t random_next(uint64_t *state);
static inline uint64_t random_below(uint64_t *state, uint64_t bound)
{
    return random_next(state) % bound;
}

#endif
