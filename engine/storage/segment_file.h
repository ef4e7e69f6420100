/*
 * The saved-segments file (DB/SEGMENTS): every named segment of a database, in one file that
 * is checksummed and replaced atomically (file_replace_atomic) on every change.
 *
 * Layout, little-endian:
 *   offset  size  field
 *   0       8     magic "PDBSEGS1"
 *   8       4     version (1)
 *   12      4     count: entries that follow (<= PDB_SAVED_SEGMENTS_MAX)
 *   16      ...   count entries: u32 name_size, u32 text_size, name bytes, text bytes
 *   end-8   8     XXH3-64 (checksum_bytes) of every byte before it
 * Invariants, checked on read and before a write: names are valid (segment_name_check) and in
 * strictly ascending byte order; texts hold no NUL byte and are at most
 * PDB_SEGMENT_TEXT_SIZE_MAX bytes; the file is at most PDB_SEGMENTS_FILE_SIZE_MAX bytes.
 * A missing file is an empty set.
 */
#ifndef PDB_STORAGE_SEGMENT_FILE_H
#define PDB_STORAGE_SEGMENT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

#define SEGMENT_FILE_NAME "SEGMENTS"

struct saved_segment {
    char *name; /* NUL-terminated, owned by the set */
    char *text; /* NUL-terminated, owned by the set */
};

/* Named segments sorted by name. Owned: saved_segments_deinit. */
struct saved_segments {
    uint32_t count;
    struct saved_segment *entries;
};

void saved_segments_deinit(struct saved_segments *set);

/* Index of the entry called name[0..size), or -1. */
int32_t saved_segments_find(const struct saved_segments *set, const char *name, size_t size);

/* Adds or replaces `name` (copied). PDB_ERR_LIMIT beyond PDB_SAVED_SEGMENTS_MAX entries,
 * PDB_ERR_NO_MEMORY. The set is unchanged on failure. */
enum pdb_status saved_segments_put(struct saved_segments *set, const char *name, const char *text,
                                   struct pdb_error *error);

/* Removes entry `index` (< count). */
void saved_segments_remove(struct saved_segments *set, uint32_t index);

/* NULL when name[0..size) is a valid saved segment name (1..PDB_SAVED_SEGMENT_NAME_SIZE_MAX
 * bytes of A-Z a-z 0-9 _ . -), else the reason. */
const char *segment_name_check(const char *name, size_t size);

/* Reads and checks `path` into *set_out (owned). A missing file gives an empty set. Errors:
 * PDB_ERR_CORRUPT (checksum, magic, version, sizes, names), PDB_ERR_IO, PDB_ERR_LIMIT. */
enum pdb_status segment_file_read(const char *path, struct saved_segments *set_out,
                                  struct pdb_error *error);

/* Checks and decodes a whole file's bytes data[0..size) (named `path` in messages) into
 * *set_out (owned). The reader behind segment_file_read; a fuzz target's entry point. */
enum pdb_status segment_file_decode(const char *path, const uint8_t *data, size_t size,
                                    struct saved_segments *set_out, struct pdb_error *error);

/* Writes `set` to `path` atomically and durably (temp file, fsync, rename, fsync dir).
 * *is_renamed_out (may be NULL) is set when a failure came after the rename (see
 * file_replace_atomic): the new file is then what readers see. */
enum pdb_status segment_file_write(const char *path, const struct saved_segments *set,
                                   bool *is_renamed_out, struct pdb_error *error);

#endif
