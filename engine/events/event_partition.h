/*
 * Time partitions of an event type, and the operations on a type store they need.
 *
 * A partition is one calendar month (UTC) of an event type's events; its key is the number
 * of months since 1970-01 (negative before), its span [first_s, last_s] the month's seconds.
 * Why a month: retention is declared in days (`retention 730d`), so a partly expired
 * partition is at most one month of the type (1/24 of it at 730d) and is the only file
 * compaction rewrites; an ingest of the last day's events rewrites one or two months; a
 * month is readable in file names and a type keeps 12 files a year. A fixed span would
 * behave the same; a day would make thousands of small files, a year would make each
 * ingest and each expiry rewrite a twelfth of the type instead of a small slice.
 *
 * Partitions are a storage unit only. In memory a type stays one CSR per profile chunk
 * (event_store.h), because the executor reads the events of a row in time order as one
 * run: partitions are disjoint and ascending in time, so loading concatenates each row's
 * runs (event_type_store_concat) without sorting, and a window already skips the events
 * outside it by two binary searches per row and whole chunks by their time_min/time_max.
 */
#ifndef PDB_EVENTS_EVENT_PARTITION_H
#define PDB_EVENTS_EVENT_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "events/event_store.h"

/* The key of the partition holding `timestamp_s`. */
int64_t event_partition_key(int64_t timestamp_s);
/* The first and last second of partition `key` (saturated at the int64 range). */
void event_partition_span(int64_t key, int64_t *first_s_out, int64_t *last_s_out);

struct event_partition_count {
    int64_t key;
    uint64_t event_count;
};

/* The partitions `type` has events in, ascending by key, with their event counts. On
 * success *counts_out is owned (mem_free) and *count_out set (0: no events, *counts_out may
 * be NULL). -1 when out of memory (nothing written). */
int event_partition_counts(const struct event_type_store *type,
                           struct event_partition_count **counts_out, uint32_t *count_out);
/* The event count of partition `key` in counts[0..count) (0 when absent). */
uint64_t event_partition_count_of(const struct event_partition_count *counts, uint32_t count,
                                  int64_t key);

/* A copy of the events of `type` with first_s <= timestamp <= last_s, same rows and order.
 * With compact_dictionaries each dictionary keeps only the values those events use (codes
 * renumbered, order kept), as a partition file stores them; otherwise the dictionaries are
 * copied whole. On success *out is filled (event_type_store_deinit). PDB_ERR_NO_MEMORY. */
enum pdb_status event_type_store_slice(const struct event_type_store *type, int64_t first_s,
                                       int64_t last_s, bool compact_dictionaries,
                                       struct event_type_store *out, struct pdb_error *error);

/* One type from parts[0..part_count) of the same declaration whose events are in disjoint
 * time ranges, ascending by part: each row's events are the parts' runs in part order, the
 * dictionaries are merged (sorted union) and codes renumbered. The parts are consumed
 * (deinit) in every case; on success *out is filled. `name` names the type in messages.
 * Errors: PDB_ERR_CORRUPT (a row whose events of one part are not all before the next
 * part's: the partitions overlap), PDB_ERR_NO_MEMORY. */
enum pdb_status event_type_store_concat(struct event_type_store *parts, uint32_t part_count,
                                        const char *name, struct event_type_store *out,
                                        struct pdb_error *error);

#endif
