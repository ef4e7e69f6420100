/*
 * Unicode text transforms: the one wrapper around utf8proc.
 *
 * Case folding (ISTARTS WITH, IENDS WITH, ICONTAINS and the `casefold` schema rule): the fold
 * of a byte string is, when it is valid UTF-8, exactly what
 *   utf8proc_map(s, len, &out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)
 * returns (NFC + full case folding: 'ß' -> "ss"); otherwise every byte is folded with ASCII
 * tolower. ASCII-only input takes a fast path (tolower is the same fold there).
 *
 * unicode_transform_into (the `nfc`, `lower` and `upper` schema rules): NFC (canonical
 * composition), or the simple one-code-point-to-one lower/upper case mapping of
 * utf8proc_tolower / utf8proc_toupper ('É' <-> 'é'; no "ß" -> "SS"), on valid UTF-8.
 *
 * Neither allocates: they decompose into the caller's int32 buffer and re-encode in place. A
 * code point decomposes (with or without folding) to at most 1.5 code points per UTF-8 byte
 * it occupies (checked over all of Unicode by tests/base/test_unicode.c), so
 * casefold_capacity(size) units hold any value of `size` bytes for every transform here.
 */
#ifndef PDB_BASE_UNICODE_H
#define PDB_BASE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CASEFOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)
#define NFC_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE)

/* int32 units of buffer needed to transform any value of `size` bytes. */
static inline size_t casefold_capacity(size_t size)
{
    return 2 * size + 8;
}

/* Folds value[0..size) into buffer (capacity >= casefold_capacity(size) int32 units).
 * Returns a pointer to the folded bytes (inside buffer) and their count in *folded_size. */
const char *casefold_into(const char *value, size_t size, int32_t *buffer, size_t capacity,
                          size_t *folded_size);

enum unicode_transform { UNICODE_NFC, UNICODE_LOWER, UNICODE_UPPER, UNICODE_CASEFOLD };

/* Applies `transform` to value[0..size), which must be valid UTF-8 (returns false, leaving
 * the outputs untouched, if it is not), into buffer (capacity >= casefold_capacity(size) int32
 * units): *out_data points into buffer, *out_size is the result's byte count. */
bool unicode_transform_into(enum unicode_transform transform, const char *value, size_t size,
                            int32_t *buffer, size_t capacity, const char **out_data,
                            size_t *out_size);

#endif
