/*
 * Upserts of one load: routing records by their primary identifier, and merging the updates
 * into rewritten chunks.
 *
 * When a schema names a primary attribute (schema_primary), the loader's append step hands
 * every staged row to upsert_route before appending it. A row whose key is new (neither
 * committed before the load, as the caller's find function says, nor appended earlier in the
 * load) is appended and its key remembered with its row id; a row whose key exists becomes
 * an update: its staged bytes (loader_internal.h: only the attributes the record gives, an
 * explicit NULL among them) are kept in the log, in file order, and the row is not appended.
 *
 * After the load, the caller rewrites every chunk an update touches (copy-on-write: a new
 * chunk file of the new generation) with upsert_merge_chunk: each attribute of an updated row
 * takes the value of the last update that gives it, every other value is copied. Updates of
 * one row apply in file order, so several records with one key merge.
 *
 * Memory: the log holds the updates' staged bytes; the key map holds every key the load
 * appends (ingest/upsert_keys.h: its bytes, 5 bytes of header and 10.7-16 bytes of hash slots
 * per key, about 27-31 bytes a key for 10-byte keys; it was about 60).
 */
#ifndef PDB_INGEST_UPSERT_H
#define PDB_INGEST_UPSERT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "ingest/upsert_keys.h"

#define UPSERT_NO_ROW UINT32_MAX

/* The live row committed before the load whose primary key is key[0..size) (text: its bytes;
 * int: 8 bytes, identifier_key_int's form), or UPSERT_NO_ROW. Called on the append step (one
 * thread at a time, any thread of the pool). */
typedef uint32_t (*upsert_key_find_fn)(void *context, const void *key, size_t size);

/* One update: the staged row at staged[offset, offset + size) for row `row_id`. */
struct upsert_update {
    uint32_t row_id;
    uint32_t size;
    uint64_t offset;
    uint64_t sequence; /* file order among the load's updates */
};

struct upsert_log {
    uint32_t primary;        /* attribute index of the primary identifier */
    enum pdb_type key_type;  /* TEXT or INT */
    upsert_key_find_fn find; /* borrowed */
    void *find_context;
    uint64_t first_row_id;   /* id of the first row the load appends */
    /* Keys the load appended: key index i is row first_row_id + i. */
    struct upsert_keys keys;
    /* Updates in file order (sorted by row by upsert_log_sort). */
    struct upsert_update *updates;
    size_t update_capacity;
    uint64_t update_count;
    struct buffer staged;
    bool is_sorted;
};

/* Prepares a log for a load into a schema with a primary attribute. */
enum pdb_status upsert_log_init(struct upsert_log *log, const struct schema *schema,
                                uint64_t first_row_id, upsert_key_find_fn find,
                                void *find_context, struct pdb_error *error);
void upsert_log_deinit(struct upsert_log *log);

/* Where upsert_route sends a staged row. */
enum upsert_route {
    UPSERT_ROUTE_UPDATE,  /* its key exists: the row went to the log */
    UPSERT_ROUTE_APPEND,  /* a new key: the caller appends the row now, and the key is kept */
    UPSERT_ROUTE_REFUSED, /* a new key, but the caller said the row may not append: nothing kept */
};

/* The append step's question for the staged row at *cursor (which names the primary
 * attribute with a value: the stage step rejected others). UPDATE: the row went to the log
 * and *cursor moved past it. APPEND (only when `may_append`): the caller appends it now as
 * row first_row_id + (rows routed to append before it). REFUSED (a new key and not
 * `may_append`, e.g. a record that lacks a required attribute, which only an update may):
 * *cursor is unchanged and the key is not remembered. Errors: out of memory, limits. */
enum pdb_status upsert_route(struct upsert_log *log, const uint8_t **cursor, bool may_append,
                             enum upsert_route *route_out, struct pdb_error *error);

/* Sorts the updates by row id, file order within a row. */
void upsert_log_sort(struct upsert_log *log);

/* The updates [*first_out, *end_out) of the sorted log that touch chunk `chunk_index`,
 * searching from `from`; false when there are none left at or after `from`. */
bool upsert_next_chunk(const struct upsert_log *log, uint64_t from, uint32_t *chunk_index_out,
                       uint64_t *first_out, uint64_t *end_out);

/* Builds fresh[a] (created here, one chunk of row_count rows each; owned by the caller) for
 * chunk `chunk_index`: old[a] is that chunk of attribute a before the load's updates, with
 * category and tags codes of globals[a]'s dictionary (the load's growing dictionary, which new
 * values of the updates join; its codes never change). Updates [first, end) of the sorted log
 * are those of the chunk. On failure fresh[] holds NULLs. */
enum pdb_status upsert_merge_chunk(const struct upsert_log *log, const struct schema *schema,
                                   uint64_t first, uint64_t end, uint32_t chunk_index,
                                   uint32_t row_count, const struct column_chunk *const *old,
                                   struct column *const *globals, struct column **fresh,
                                   struct pdb_error *error);

/* Appends row `row` of `old` to `column`, whose dictionary is the one old's codes refer to; the
 * scratch arrays hold PDB_TAGS_PER_VALUE_MAX entries. */
enum pdb_status upsert_copy_value(struct column *column, const struct column_chunk *old,
                                  uint32_t row, const char **tags, uint32_t *tag_sizes,
                                  struct pdb_error *error);

#endif
