/*
 * Event files: the on-disk form of one time partition of one event type (issue #6, point 1:
 * "stored in columns partitioned by time, compressed, durable"), encoded and decoded in
 * memory; the db layer (db/db_event_files.c) writes them durably and names them in the
 * manifest, one per (type, partition: a calendar month, events/event_partition.h).
 *
 * Little-endian; every length is checked against the bytes left before it is used.
 *
 * Version 2 (written now). A header section, then one section per profile chunk with events;
 * each section ends with the XXH3-64 (base/checksum.h) of its own bytes and is checked
 * before anything in it is read, so a torn or flipped byte is reported with the file name,
 * the byte offset of the section and the chunk it holds.
 *
 *   offset  size  field
 *   0       8     magic "PDBEVT01"
 *   8       4     format version (2)
 *   12      4     property_count P (<= PDB_EVENT_PROPERTIES_MAX)
 *   16      4     stored chunk count C (chunks with events)
 *   20      4     0
 *   24      8     event_count (sum over the chunks)
 *   32      8     first_s: every timestamp is >= first_s (i64) ...
 *   40      8     last_s:  ... and <= last_s (the partition's span)
 *   48      P     property types (enum pdb_type, one byte each)
 *   ...           dictionaries: per property u32 value count V, then V x (u32 size, bytes),
 *                 bytewise ascending and unique (category/text: the values this file's
 *                 events use; V = 0 for the other types)
 *   ...     8     XXH3-64 of the header section (bytes 0 up to here)
 *   ...           C chunk sections, ascending chunk_index:
 *     0     4       chunk_index
 *     4     4       event_count E (> 0)
 *     8     8       section size S: the bytes after this field, checksum included
 *     16    ..      FRAME(65,536) of the per-row event counts (u32 fields; they sum to E)
 *     ..            ceil(E / 65,536) event blocks of n = min(65,536, events left) events:
 *                     u8 timestamp form: 0 = FRAME(n) of the timestamps (frame of reference);
 *                       1 = u64 block minimum m, then FRAME(n) of deltas: for an event that
 *                       starts its row in the block, timestamp - m, else timestamp - the
 *                       previous event's (rows are ascending); the encoder keeps the narrower
 *                     per property: a column block (column/encoding.h) of the n values, as
 *                       block_encode chose: int/timestamp FOR bit-packed or constant, bool
 *                       bitmaps, float decimal or plain, category/text dictionary codes
 *                       bit-packed (type CATEGORY), NULLs in the nulls section
 *     S+8   8       XXH3-64 of the section's bytes before it
 *   FRAME is column/encoding.h's: u64 base, u32 width, ceil(n * width / 64) u64 words.
 *
 * Version 1 (still decoded: databases written before version 2 open unchanged; one file for
 * a whole type, named by an `events` line of the manifest):
 *   0       8     magic "PDBEVT01"
 *   8       4     format version (1)
 *   12      4     property_count P;  16  4  stored chunk count C;  20  4  0
 *   24      8     event_count
 *   32      P     property types, then the dictionaries as in version 2
 *   ...           C chunks, ascending chunk_index:
 *                   u32 chunk_index, u32 event_count E,
 *                   65,537 x u32 offsets (CSR: offsets[0] = 0, ascending, offsets[65536] = E),
 *                   E x i64 timestamps (ascending within each row),
 *                   per property: u8 has_nulls, [ceil(E / 64) x u64 null words], E x u64 values
 *                   (int, timestamp, bool 0/1, dictionary codes < V as i64; float as IEEE bits)
 *   size-8  8     XXH3-64 of bytes [0, size - 8)
 */
#ifndef PDB_EVENTS_EVENT_FILE_H
#define PDB_EVENTS_EVENT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "catalog/event_types.h"
#include "events/event_store.h"

#define EVENT_FILE_MAGIC "PDBEVT01"
#define EVENT_FILE_VERSION 2u       /* written */
#define EVENT_FILE_VERSION_PLAIN 1u /* still decoded */

/* Appends the version-2 file of `type`, whose every timestamp must be in [first_s, last_s]
 * (a partition: event_type_store_slice cuts one, with compact dictionaries). Returns 0, or
 * -1 when out of memory (out is then as it was). */
int event_file_encode(const struct event_type_store *type, int64_t first_s, int64_t last_s,
                      struct buffer *out);

/* Appends the version-1 file of `type` (tests of the compatibility of older databases). */
int event_file_encode_v1(const struct event_type_store *type, struct buffer *out);

/* Decodes data[0..size), an event file of either version for the event type `declared` (its
 * property types in order); `name` is the file's name for messages. The span of a version-2
 * file goes to *first_s_out / *last_s_out (INT64_MIN / INT64_MAX for version 1; either may
 * be NULL). On success *type_out is filled (release with event_type_store_deinit). Errors:
 * PDB_ERR_CORRUPT with the name, the byte offset and the reason (a section's checksum,
 * magic, version, truncation, an invariant broken, a timestamp outside the span, a property
 * type that differs from the declaration), PDB_ERR_NO_MEMORY. */
enum pdb_status event_file_decode(const char *name, const uint8_t *data, size_t size,
                                  const struct event_type *declared,
                                  struct event_type_store *type_out, int64_t *first_s_out,
                                  int64_t *last_s_out, struct pdb_error *error);

#endif
