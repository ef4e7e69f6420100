/*
 * Shared fixtures for the index tests: columns built with column_create + column_append_*
 * whose value patterns make every roaring container kind appear (sparse values -> array
 * containers, dense ones -> bitset containers, long stretches -> run containers), and a naive
 * model (row by row from the column) that every chunk bitset is compared with.
 */
#ifndef PDB_TESTS_INDEX_TEST_SUPPORT_H
#define PDB_TESTS_INDEX_TEST_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "column/column.h"
#include "index/value_index.h"

/* Rows of the multi-chunk fixtures: three full chunks and a partial one. */
#define SUPPORT_ROWS (3u * 65536u + 17u)

/* A deterministic xorshift64* generator (tests must be reproducible). */
uint64_t support_random(uint64_t *state);

struct column *support_column(const char *name, enum pdb_type type);
/* Appends a category value (NULL appends a NULL row). */
void support_append_category(struct column *column, const char *value);
/* Appends a tag set of `count` strings; count == UINT32_MAX appends a NULL set. */
void support_append_tags(struct column *column, const char *const *tags, uint32_t count);
/* The code of `value` in the column's dictionary (asserts it exists). */
uint32_t support_code(const struct column *column, const char *value);

/* A category column of `row_count` rows: NULL stretches and scattered NULLs, a 1% value,
 * a ~50% value, long runs, five ~8% values, a value only in chunk 1 and one only in the last
 * chunk when row_count reaches it. */
struct column *support_category_fixture(uint32_t row_count);
/* A tags column of `row_count` rows: 0-5 tags of 12, a tag on half the rows, a tag on long
 * runs of rows, empty sets and NULL sets. */
struct column *support_tags_fixture(uint32_t row_count);

/* The model chunk bitset of `code` (rows having it) or, for code == UINT32_MAX, of the NULL
 * rows, computed row by row from the column. */
void support_model_chunk(const struct column *column, uint32_t code, uint32_t chunk_index,
                         uint64_t *out_words);

/* Compares every chunk bitset of every code and of the nulls, every cardinality and the null
 * count of `index` with the model of `column` (criterion asserts). */
void support_check_index(const struct value_index *index, const struct column *column);

/* Sums the container kinds over the index's bitmaps (nulls included). */
void support_container_kinds(const struct value_index *index, uint32_t *array_out,
                             uint32_t *bitset_out, uint32_t *run_out);

#endif
