/*
 * The bandwidth yardstick on the same bytes as a wide scan (column_yardstick.c): the SIMD sum
 * over the loaded lanes of named columns, on a given thread count. Used by pdb_query_runner.
 */
#ifndef PDB_BENCH_COLUMN_YARDSTICK_H
#define PDB_BENCH_COLUMN_YARDSTICK_H

#include <stddef.h>
#include <stdint.h>

struct pdb_db;
struct column_yardstick;

/* Collects the in-memory lanes of `columns` (comma-separated names, every one loaded, e.g. by
 * a first count of the segment) of db's snapshot. NULL with `problem` filled on failure. */
struct column_yardstick *column_yardstick_create(struct pdb_db *db, const char *columns,
                                                 uint32_t thread_count, char *problem,
                                                 size_t problem_size);
void column_yardstick_destroy(struct column_yardstick *yardstick);

/* Bytes one run reads. */
uint64_t column_yardstick_bytes(const struct column_yardstick *yardstick);

/* One timed read of every byte, milliseconds of wall time. */
double column_yardstick_run_ms(struct column_yardstick *yardstick);

#endif
