/*
 * Event files: the on-disk form of one event type of the event store (issue #6, point 1:
 * "stored durably"), encoded and decoded in memory; writing them durably and naming them in
 * the manifest is the db layer's part (not done yet).
 *
 * Little-endian. Every length is checked against the bytes left before it is used, and the
 * last 8 bytes are the XXH3-64 (base/checksum.h) of everything before them, checked first.
 *
 *   offset  size  field
 *   0       8     magic "PDBEVT01"
 *   8       4     format version (1)
 *   12      4     property_count P (<= PDB_EVENT_PROPERTIES_MAX)
 *   16      4     stored chunk count C (chunks with events)
 *   20      4     0
 *   24      8     event_count (sum over the chunks)
 *   32      P     property types (enum pdb_type, one byte each)
 *   ...           per property: u32 value count V, then V x (u32 size, bytes), bytewise
 *                 ascending and unique (category/text; V = 0 for the other types)
 *   ...           C chunks, ascending chunk_index:
 *                   u32 chunk_index, u32 event_count E,
 *                   65,537 x u32 offsets (CSR: offsets[0] = 0, ascending, offsets[65536] = E),
 *                   E x i64 timestamps (ascending within each row),
 *                   per property: u8 has_nulls, [ceil(E / 64) x u64 null words], E x u64 values
 *                   (int, timestamp, bool 0/1, dictionary codes < V as i64; float as IEEE bits,
 *                   finite)
 *   size-8  8     XXH3-64 of bytes [0, size - 8)
 *
 * Plain arrays, no compression yet (the codecs of column/ are the model for that); one file
 * holds a whole type, partitions by time are the next step.
 */
#ifndef PDB_EVENTS_EVENT_FILE_H
#define PDB_EVENTS_EVENT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "events/event_store.h"

#define EVENT_FILE_MAGIC "PDBEVT01"
#define EVENT_FILE_VERSION 1u

/* Appends the file form of `type` to out. Returns 0, or -1 when out cannot grow. */
int event_file_encode(const struct event_type_store *type, struct buffer *out);

/* Decodes data[0..size), which must be an event file of the event type `declared` (its
 * property types in order); `name` is the file's name for messages. On success *type_out is
 * filled (release with event_type_store_deinit). Errors: PDB_ERR_CORRUPT with the name, the
 * byte offset and the reason (checksum, magic, version, truncation, an invariant broken, a
 * property type that differs from the declaration), PDB_ERR_NO_MEMORY. */
enum pdb_status event_file_decode(const char *name, const uint8_t *data, size_t size,
                                  const struct event_type *declared,
                                  struct event_type_store *type_out, struct pdb_error *error);

#endif
