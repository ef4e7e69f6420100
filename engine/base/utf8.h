/*
 * UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
 * Text entering the database is checked here once, so later stages may assume it is valid.
 */
#ifndef PDB_BASE_UTF8_H
#define PDB_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if text[0..size) is valid UTF-8. Otherwise false and *bad_offset_out (if not NULL)
 * receives the offset of the first byte of the first invalid sequence. */
bool utf8_validate(const char *text, size_t size, size_t *bad_offset_out);

#endif
