/*
 * Case folding (see casefold.h). The only file of the query module that includes utf8proc.h.
 *
 * Same steps as utf8proc_map without its allocation: utf8proc_decompose into the caller's
 * buffer (full case folding + canonical decomposition), then utf8proc_reencode, which
 * composes (NFC) and writes UTF-8 over the same buffer.
 */
#include "query/casefold.h"

#include <assert.h>
#include <stdbool.h>
#include <utf8proc.h>

static bool is_ascii(const unsigned char *bytes, size_t size)
{
    unsigned char any = 0;
    for (size_t i = 0; i < size; i++)
        any |= bytes[i];
    return (any & 0x80u) == 0;
}

static void ascii_lower(const unsigned char *bytes, size_t size, unsigned char *out)
{
    for (size_t i = 0; i < size; i++) {
        unsigned char c = bytes[i];
        out[i] = (unsigned char)(c + (((unsigned)c - 'A' < 26u) ? 32 : 0));
    }
}

const char *casefold_into(const char *value, size_t size, int32_t *buffer, size_t capacity,
                          size_t *folded_size)
{
    assert(capacity >= casefold_capacity(size));
    const unsigned char *bytes = (const unsigned char *)value;
    unsigned char *out = (unsigned char *)buffer;
    if (size == 0) {
        *folded_size = 0;
        return (const char *)out;
    }
    if (is_ascii(bytes, size)) {
        ascii_lower(bytes, size, out);
        *folded_size = size;
        return (const char *)out;
    }
    utf8proc_ssize_t count = utf8proc_decompose(bytes, (utf8proc_ssize_t)size, buffer,
                                                (utf8proc_ssize_t)capacity - 1, CASEFOLD_OPTIONS);
    if (count < 0) { /* not valid UTF-8: byte-wise ASCII fold */
        ascii_lower(bytes, size, out);
        *folded_size = size;
        return (const char *)out;
    }
    assert((size_t)count < capacity); /* the 1.5 code points per byte bound */
    utf8proc_ssize_t encoded = utf8proc_reencode(buffer, count, CASEFOLD_OPTIONS);
    assert(encoded >= 0);
    *folded_size = (size_t)encoded;
    return (const char *)out;
}
