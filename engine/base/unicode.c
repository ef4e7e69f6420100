/*
 * Unicode transforms (see unicode.h). The only file of profiledb that includes utf8proc.h.
 *
 * Same steps as utf8proc_map without its allocation: utf8proc_decompose into the caller's
 * buffer (canonical decomposition, with full case folding for the fold), then
 * utf8proc_reencode, which composes (NFC) and writes UTF-8 over the same buffer. Lower and
 * upper decode the code points unchanged, map each, and re-encode without composing.
 */
#include "base/unicode.h"

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

bool unicode_transform_into(enum unicode_transform transform, const char *value, size_t size,
                            int32_t *buffer, size_t capacity, const char **out_data,
                            size_t *out_size)
{
    assert(capacity >= casefold_capacity(size));
    const unsigned char *bytes = (const unsigned char *)value;
    unsigned char *out = (unsigned char *)buffer;
    if (is_ascii(bytes, size)) { /* NFC is the identity on ASCII; the cases are ASCII's */
        for (size_t i = 0; i < size; i++) {
            unsigned char c = bytes[i];
            if (transform == UNICODE_LOWER || transform == UNICODE_CASEFOLD)
                c = (unsigned char)(c + (((unsigned)c - 'A' < 26u) ? 32 : 0));
            else if (transform == UNICODE_UPPER)
                c = (unsigned char)(c - (((unsigned)c - 'a' < 26u) ? 32 : 0));
            out[i] = c;
        }
        *out_data = (const char *)out;
        *out_size = size;
        return true;
    }
    int options = transform == UNICODE_CASEFOLD ? CASEFOLD_OPTIONS
                  : transform == UNICODE_NFC    ? NFC_OPTIONS
                                                : 0;
    utf8proc_ssize_t count = utf8proc_decompose(bytes, (utf8proc_ssize_t)size, buffer,
                                                (utf8proc_ssize_t)capacity - 1, options);
    if (count < 0) return false;
    assert((size_t)count < capacity); /* the 1.5 code points per byte bound */
    if (transform == UNICODE_LOWER || transform == UNICODE_UPPER) {
        for (utf8proc_ssize_t i = 0; i < count; i++)
            buffer[i] = transform == UNICODE_LOWER ? utf8proc_tolower(buffer[i])
                                                   : utf8proc_toupper(buffer[i]);
    }
    utf8proc_ssize_t encoded = utf8proc_reencode(buffer, count, options);
    assert(encoded >= 0);
    *out_data = (const char *)out;
    *out_size = (size_t)encoded;
    return true;
}
