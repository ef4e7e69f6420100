/*
 * Parsing one CSV field into a typed value, following the CSV value conventions in
 * README.md ("CSV input"): trimmed bool/int/float/timestamp text, exact UTF-8 strings,
 * '|'-separated tags. Each parser returns NULL on success or a short static reason
 * ("not an integer", "out of int64 range", ...) that the loader puts in the reject file.
 */
#ifndef PDB_INGEST_VALUE_PARSE_H
#define PDB_INGEST_VALUE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strips spaces and tabs from both ends of [*data, *data + *size). */
void value_trim(const char **data, size_t *size);

const char *value_parse_bool(const char *data, size_t size, bool *value_out);
const char *value_parse_int(const char *data, size_t size, int64_t *value_out);
const char *value_parse_float(const char *data, size_t size, double *value_out);
const char *value_parse_timestamp(const char *data, size_t size, int64_t *value_out);
/* Checks a text/category value; *bad_offset_out locates an invalid UTF-8 byte. */
const char *value_check_string(const char *data, size_t size, size_t *bad_offset_out);

/* Splits a tags field on '|', trimming each tag and dropping empty ones. Fills up to
 * `capacity` (data, size) pairs; *count_out gets the number found. Returns a reason when a
 * tag is invalid UTF-8 or there are more than `capacity` tags. */
const char *value_split_tags(const char *data, size_t size, const char **tags, uint32_t *sizes,
                             uint32_t capacity, uint32_t *count_out);

#endif
