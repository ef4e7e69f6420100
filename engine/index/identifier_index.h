/*
 * Identifier indexes: an exact value -> lowest row id hash table for one identifier attribute
 * (text, category or int), so a service can find a profile by email, phone or customer id in
 * microseconds instead of scanning the column.
 *
 * Open addressing with linear probing over 8-byte slots {row_id, tag}: tag is the low 32 bits
 * of the key's 64-bit hash (base/checksum.h, xxh3) and picks the home slot (tag & mask). The
 * key itself is not stored: a probe compares the tag, then reads the candidate row's value
 * from the column it is given, so the table costs 8 bytes per slot. An extend sizes the table
 * for every new row to be a new key (identifiers are mostly distinct; a category column for
 * at most its dictionary): 11 to 21 MiB per million rows. NULL rows are not indexed.
 *
 * Keys: text and category values are their bytes; an int value is its int64_t in native byte
 * order (8 bytes), as identifier_key_int builds it.
 *
 * Rows are indexed in ascending order and a key already present is never replaced, so a key
 * maps to its lowest row id. identifier_index_extend indexes rows appended since the last
 * call. A writer that changes an indexed row's key in place (db/db_stream_update.c) calls
 * identifier_index_remove_row with the old key before the change and
 * identifier_index_insert_row after it; when the removed row was its key's lowest and the
 * index has ever left a row out as a duplicate, another row may hold that key unindexed, so
 * the writer destroys the index instead (identifier_index_has_duplicates).
 *
 * Ownership: the index is owned (identifier_index_destroy); the column passed to extend and
 * find is borrowed for the call only and must hold at least the rows already indexed.
 */
#ifndef PDB_INDEX_IDENTIFIER_INDEX_H
#define PDB_INDEX_IDENTIFIER_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column/column.h"
#include "profiledb/profiledb.h"

#define IDENTIFIER_INDEX_NO_ROW UINT32_MAX
/* Size of an int key (identifier_key_int). */
#define IDENTIFIER_KEY_INT_SIZE 8u

/* The hash of key[0..size): hash_bytes by default; tests pass a weak one to force collisions. */
typedef uint64_t (*identifier_hash_fn)(const void *data, size_t size);

struct identifier_index;

/* An empty index for a column of `type` (TEXT, CATEGORY or INT, else PDB_ERR_USAGE); `hash`
 * NULL selects hash_bytes. *index_out is owned. */
enum pdb_status identifier_index_create(enum pdb_type type, identifier_hash_fn hash,
                                        struct identifier_index **index_out,
                                        struct pdb_error *error);
void identifier_index_destroy(struct identifier_index *index); /* NULL is accepted */

/* Indexes rows [identifier_index_row_count(index), row_count) of `column` (which must have the
 * index's type and at least row_count rows). On failure (PDB_ERR_NO_MEMORY, PDB_ERR_LIMIT) the
 * index is unchanged apart from possibly holding some of the new rows; callers destroy it. */
enum pdb_status identifier_index_extend(struct identifier_index *index,
                                        const struct column *column, uint64_t row_count,
                                        struct pdb_error *error);

/* Row `row_id`'s key is about to change from key[0..size): forgets the row if the index names
 * it for that key. True when it did (the row was the key's lowest), false otherwise (a lower
 * row has the key, or the row is not indexed yet). */
bool identifier_index_remove_row(struct identifier_index *index, uint32_t row_id, const void *key,
                                 size_t size);
/* Row `row_id`'s key changed (the column holds the new value): indexes it, replacing a higher
 * row with the same key. Rows not indexed yet are left to identifier_index_extend. Errors:
 * PDB_ERR_NO_MEMORY, PDB_ERR_LIMIT (destroy the index). */
enum pdb_status identifier_index_insert_row(struct identifier_index *index,
                                            const struct column *column, uint32_t row_id,
                                            struct pdb_error *error);
/* Whether any indexed row was ever left out because a lower row had its key. */
bool identifier_index_has_duplicates(const struct identifier_index *index);

/* The lowest indexed row whose value equals key[0..size), or IDENTIFIER_INDEX_NO_ROW. Never
 * allocates; safe from several threads at once while nobody extends the index. */
uint32_t identifier_index_find(const struct identifier_index *index, const struct column *column,
                               const void *key, size_t size);

/* The bytes of an int key, in `buffer` (IDENTIFIER_KEY_INT_SIZE bytes); returns buffer. */
const void *identifier_key_int(int64_t value, unsigned char buffer[IDENTIFIER_KEY_INT_SIZE]);

uint64_t identifier_index_row_count(const struct identifier_index *index); /* rows indexed */
uint64_t identifier_index_key_count(const struct identifier_index *index); /* distinct keys */
uint64_t identifier_index_memory_size(const struct identifier_index *index); /* bytes */

/* Checks the load limit, that every slot's row is an indexed non-NULL row found by its own key
 * (so a key is stored once), and that every indexed non-NULL row's key finds a row at or below
 * it with the same value (so the lowest row wins). O(rows); for tests. 0 when all hold. */
int identifier_index_validate(const struct identifier_index *index, const struct column *column);

#endif
