/*
 * What the two event file versions share (event_file.c: version 2 and the entry points;
 * event_file_v1.c: version 1): a bounds-checked reader whose errors name the file and the
 * byte offset, and the dictionary section, which both versions write alike.
 */
#ifndef PDB_EVENTS_EVENT_FILE_INTERNAL_H
#define PDB_EVENTS_EVENT_FILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "catalog/schema.h"
#include "events/event_file.h"

struct event_file_reader {
    const char *name;
    const uint8_t *data;
    size_t size; /* the bytes that may be read (without a trailing checksum) */
    size_t offset;
    struct pdb_error *error;
};

static inline bool event_file_is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT;
}

static inline bool event_file_has(const struct event_file_reader *reader, size_t bytes)
{
    return bytes <= reader->size - reader->offset;
}

static inline bool event_file_read_u32(struct event_file_reader *reader, uint32_t *value)
{
    if (!event_file_has(reader, 4)) return false;
    *value = load_u32(reader->data + reader->offset);
    reader->offset += 4;
    return true;
}

static inline bool event_file_read_u64(struct event_file_reader *reader, uint64_t *value)
{
    if (!event_file_has(reader, 8)) return false;
    *value = load_u64(reader->data + reader->offset);
    reader->offset += 8;
    return true;
}

/* PDB_ERR_CORRUPT: "<name>: corrupt event file at byte <offset>: <reason>". */
enum pdb_status event_file_corrupt(struct event_file_reader *reader, const char *reason);
enum pdb_status event_file_no_memory(struct event_file_reader *reader);

/* Per property: u32 value count V, then V x (u32 size, bytes), bytewise ascending, unique. */
int event_file_append_dictionaries(const struct event_type_store *type, struct buffer *out);
/* Reads one property's dictionary section (a non-string property must have V = 0). */
enum pdb_status event_file_read_dictionary(struct event_file_reader *reader,
                                           struct event_dictionary *dictionary, bool is_string);

/* The property section both versions share: P property types (one byte each, which must
 * be `declared`'s) then P dictionaries, into type->property_types and type->dictionaries
 * (allocated here; the caller's event_type_store_deinit frees them on any outcome). */
struct event_type;
enum pdb_status event_file_read_properties(struct event_file_reader *reader,
                                           const struct event_type *declared,
                                           uint32_t property_count, struct event_type_store *type);

/* Version 1 (event_file_v1.c); data[0..size) has the magic and version 1. */
enum pdb_status event_file_decode_v1(const char *name, const uint8_t *data, size_t size,
                                     const struct event_type *declared,
                                     struct event_type_store *type_out, struct pdb_error *error);

#endif
