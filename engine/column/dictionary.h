/*
 * String dictionaries for category and tags columns: code <-> string, codes dense from 0 in
 * first-seen order and never reassigned, so codes stored in chunk files stay valid as the
 * dictionary grows. Lookup is an open-addressing hash table of codes (linear probing).
 *
 * Invariants: entry_count <= PDB_DICTIONARY_ENTRIES_MAX; offsets[entry_count] == bytes_size;
 * entries are unique byte strings (may be empty, may contain any byte but are not NUL-ended).
 */
#ifndef PDB_COLUMN_DICTIONARY_H
#define PDB_COLUMN_DICTIONARY_H

#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

#define DICTIONARY_NO_CODE UINT32_MAX

struct dictionary {
    uint32_t entry_count;
    uint64_t *offsets; /* entry_count + 1 entries into bytes */
    size_t offsets_capacity;
    char *bytes;
    size_t bytes_size;
    size_t bytes_capacity;
    uint32_t *slots; /* code + 1 per slot, 0 = empty; slot_count is a power of two */
    uint32_t slot_count;
};

void dictionary_init(struct dictionary *dictionary);
void dictionary_deinit(struct dictionary *dictionary);

/* Returns the code of string[0..size), adding it if new. */
enum pdb_status dictionary_intern(struct dictionary *dictionary, const char *string, size_t size,
                                  uint32_t *code_out, struct pdb_error *error);

/* Code of string[0..size), or DICTIONARY_NO_CODE. */
uint32_t dictionary_find(const struct dictionary *dictionary, const char *string, size_t size);

/* Bytes of entry `code` (< entry_count); *size_out receives its length. Borrowed until the
 * dictionary next grows. */
static inline const char *dictionary_entry(const struct dictionary *dictionary, uint32_t code,
                                           uint32_t *size_out)
{
    *size_out = (uint32_t)(dictionary->offsets[code + 1] - dictionary->offsets[code]);
    return dictionary->bytes + dictionary->offsets[code];
}

/* Checks the invariants; returns 0 when they hold. For tests and after decoding. */
int dictionary_validate(const struct dictionary *dictionary);

#endif
