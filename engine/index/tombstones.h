/*
 * Tombstones: the set of deleted profiles of a database, one index bitmap, and its file form.
 *
 * A deleted row keeps its id (ids are never reused) and its values until a later physical
 * purge; every count, id list, get and find excludes it. The db layer keeps the set on the
 * table (table->deleted) and in a checksummed file named by the manifest, replaced by a new
 * file on each delete. The file is written here as bytes; storage/file_io.h makes it durable.
 */
#ifndef PDB_INDEX_TOMBSTONES_H
#define PDB_INDEX_TOMBSTONES_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "index/index_bitmap.h"
#include "profiledb/profiledb.h"

/* Appends the file form of `deleted` (NULL = empty) covering `row_count` rows to `out`.
 * Returns 0, or -1 when out of memory (out is then as it was). */
int tombstones_serialize(const struct index_bitmap *deleted, uint64_t row_count,
                         struct buffer *out);

/* Reads a tombstone file of `size` untrusted bytes written for `row_count` rows. A bad
 * magic, version, checksum, row count or bitmap is PDB_ERR_CORRUPT. On success
 * *deleted_out is owned (index_bitmap_destroy). */
enum pdb_status tombstones_deserialize(const uint8_t *bytes, size_t size, uint64_t row_count,
                                       struct index_bitmap **deleted_out,
                                       struct pdb_error *error);

/* Appends to `next` (being built chunk by chunk, ascending) the rows of chunk `chunk_index`
 * that are in `previous` or set in `added_words` (PDB_CHUNK_WORDS, may be NULL); writes the
 * union into temp_words and returns how many of added_words' rows were not yet in `previous`,
 * or -1 when out of memory. */
int64_t tombstones_merge_chunk(struct index_bitmap *next, const struct index_bitmap *previous,
                               uint32_t chunk_index, const uint64_t *added_words,
                               uint64_t *temp_words);

#endif
