/*
 * Case folding for ISTARTS WITH, IENDS WITH and ICONTAINS.
 *
 * The fold of a byte string is, when it is valid UTF-8, exactly what
 *   utf8proc_map(s, len, &out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)
 * returns (NFC + full case folding: 'ß' -> "ss"); otherwise every byte is folded with ASCII
 * tolower. ASCII-only input takes a fast path (tolower is the same fold there).
 * casefold_into never allocates: it decomposes into the caller's int32 buffer and re-encodes
 * in place. A code point folds to at most 1.5 code points per UTF-8 byte it occupies (checked
 * over all of Unicode by tests/query/test_casefold.c), so casefold_capacity(size) units hold
 * any value of `size` bytes.
 */
#ifndef PDB_QUERY_CASEFOLD_H
#define PDB_QUERY_CASEFOLD_H

#include <stddef.h>
#include <stdint.h>

#define CASEFOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

/* int32 units of buffer needed to fold any value of `size` bytes. */
static inline size_t casefold_capacity(size_t size)
{
    return 2 * size + 8;
}

/* Folds value[0..size) into buffer (capacity >= casefold_capacity(size) int32 units).
 * Returns a pointer to the folded bytes (inside buffer) and their count in *folded_size. */
const char *casefold_into(const char *value, size_t size, int32_t *buffer, size_t capacity,
                          size_t *folded_size);

#endif
