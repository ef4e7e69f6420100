/*
 * The in-memory event store: every event of every event type, laid out for the segment
 * executor's chunk-at-a-time evaluation.
 *
 * Layout. Per event type and per profile chunk k (rows [k*65536, (k+1)*65536), the executor's
 * unit of work) one `struct event_chunk` in CSR form:
 *   offsets[r] .. offsets[r+1]   the events of row k*65536 + r (offsets has 65,537 entries)
 *   timestamps[i]                ascending within each row (ties keep the order of append)
 *   columns[p].integers/numbers  property p of event i, plus a null bit per event
 * Why: an aggregate is computed per profile, and a chunk task owns 65,536 profiles, so the
 * events it needs are one contiguous block, read front to back by one thread with no
 * synchronisation and no hashing. A window relative to now is two binary searches in the
 * row's sorted timestamps (and count, first and last need nothing else); the property
 * columns are plain arrays, so a filter is evaluated column by column over the whole block
 * into a bitset of events (query/event_filter.c), not event by event. time_min/time_max of
 * a chunk let a window that misses the chunk decide every row without reading it.
 * category and text properties are dictionary codes, and the dictionary of a property is
 * sorted bytewise: code order is string order, so = < IN on strings are code tests.
 * On disk a type is split into calendar-month partitions, compressed (event_file.h,
 * event_partition.h); loading concatenates the months of each row into this one run, so the
 * executor's interface (events of a row in time order) is unchanged. Not yet: narrow lanes
 * in memory (the arrays are 64-bit), and a 30d window reading only recent blocks (it binary
 * searches each row's timestamps and skips chunks by time_min/time_max instead).
 *
 * Built once from unsorted (type, profile row, timestamp, properties) events by a builder;
 * immutable afterwards and shared by any number of evaluating threads.
 * Ownership: the store owns everything it points to and borrows nothing.
 */
#ifndef PDB_EVENTS_EVENT_STORE_H
#define PDB_EVENTS_EVENT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/event_types.h"
#include "profiledb/profiledb.h"

/* One property value handed to the builder. */
struct event_value {
    bool is_null;
    int64_t integer;    /* int, timestamp, bool (0/1) */
    double number;      /* float (finite) */
    const char *string; /* category, text: bytes (copied) */
    uint32_t string_size;
};

/* A property of one chunk: integers for int, timestamp, bool (0/1) and category/text codes;
 * numbers for float. nulls: bit i set = event i is NULL; NULL pointer when no event is. */
struct event_column {
    int64_t *integers;
    double *numbers;
    uint64_t *nulls;
};

struct event_chunk {
    uint32_t event_count;         /* 0: offsets and the rest are NULL (no row has events) */
    uint32_t events_per_row_max;
    uint32_t rows_with_events;
    uint32_t *offsets;            /* [PDB_CHUNK_ROWS + 1] */
    int64_t *timestamps;          /* [event_count] */
    int64_t time_min, time_max;   /* over the chunk's events */
    struct event_column *columns; /* [property_count] */
};

struct event_string {
    const char *data;
    uint32_t size;
};

/* Sorted (bytewise, shorter prefix first), unique values of a category or text property. */
struct event_dictionary {
    uint32_t count;
    struct event_string *values;
    char *bytes;
};

struct event_type_store {
    uint32_t property_count;
    enum pdb_type *property_types;         /* [property_count] */
    uint32_t chunk_count;                  /* chunks up to the last row with an event */
    struct event_chunk *chunks;            /* [chunk_count] */
    struct event_dictionary *dictionaries; /* [property_count] (empty unless category/text) */
    uint64_t event_count;
    uint64_t rows_with_events;             /* profiles with at least one event of the type */
    uint32_t events_per_chunk_max;
    uint32_t events_per_row_max;
};

struct event_store {
    uint32_t type_count;
    struct event_type_store *types; /* [type_count], in the catalog's order */
};

struct event_store_builder;

/* A builder for the event types of `catalog` (read now; not kept). NULL when out of memory. */
struct event_store_builder *event_store_builder_create(const struct event_catalog *catalog);
void event_store_builder_destroy(struct event_store_builder *builder); /* NULL accepted */

/* Adds one event of type `type_index` for profile `row`; values[p] for each property of the
 * type (a string is copied). Errors: PDB_ERR_USAGE (bad type index, row over PDB_ROWS_MAX, a
 * float that is not finite, a string over 4 GiB), PDB_ERR_NO_MEMORY. */
enum pdb_status event_store_builder_append(struct event_store_builder *builder,
                                           uint32_t type_index, uint32_t row, int64_t timestamp,
                                           const struct event_value *values,
                                           struct pdb_error *error);

/* Adds every event of `type` (a built type of the same declaration, borrowed for the call)
 * to type `type_index`, with the same rows, timestamps and values: how an ingest merges new
 * events into the stored ones. Errors as event_store_builder_append. */
enum pdb_status event_store_builder_append_type(struct event_store_builder *builder,
                                                uint32_t type_index,
                                                const struct event_type_store *type,
                                                struct pdb_error *error);

/* Sorts and lays out every event; the builder is consumed (destroyed) in every case. On
 * success *store_out is owned (event_store_destroy). PDB_ERR_NO_MEMORY. */
enum pdb_status event_store_builder_finish(struct event_store_builder *builder,
                                           struct event_store **store_out,
                                           struct pdb_error *error);
void event_store_destroy(struct event_store *store); /* NULL accepted */
/* Frees what one type owns (every chunk, dictionary and array) and zeroes it. */
void event_type_store_deinit(struct event_type_store *type);
/* Frees the arrays of one chunk of a type with `property_count` properties and zeroes it. */
void event_chunk_deinit(struct event_chunk *chunk, uint32_t property_count);

/* The chunk of a type, or NULL when no row of that chunk has an event of the type. */
static inline const struct event_chunk *event_store_chunk(const struct event_store *store,
                                                          uint32_t type_index,
                                                          uint32_t chunk_index)
{
    if (store == NULL || type_index >= store->type_count) return 0;
    const struct event_type_store *type = &store->types[type_index];
    if (chunk_index >= type->chunk_count || type->chunks[chunk_index].event_count == 0) return 0;
    return &type->chunks[chunk_index];
}

/* The code of value[0..size) in a dictionary, or the number of values below it (insertion
 * point) with *found false. */
uint32_t event_dictionary_lookup(const struct event_dictionary *dictionary, const char *value,
                                 uint32_t size, bool *found);

/* Checks the invariants (offsets ascending and ending at event_count, timestamps sorted per
 * row, time_min/max, codes below the dictionary size, dictionaries sorted); 0 when they hold. */
int event_store_validate(const struct event_store *store);

#endif
