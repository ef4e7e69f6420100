/*
 * UTF-8 validator (see utf8.h). ASCII runs are skipped eight bytes at a time.
 */
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

bool utf8_validate(const char *text, size_t size, size_t *bad_offset_out)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < size) {
        if (i + 8 <= size) {
            uint64_t word;
            memcpy(&word, bytes + i, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned char lead = bytes[i];
        if (lead < 0x80) {
            i++;
            continue;
        }
        size_t length;
        uint32_t minimum, code_point;
        if ((lead & 0xe0) == 0xc0) {
            length = 2, minimum = 0x80, code_point = lead & 0x1f;
        } else if ((lead & 0xf0) == 0xe0) {
            length = 3, minimum = 0x800, code_point = lead & 0x0f;
        } else if ((lead & 0xf8) == 0xf0) {
            length = 4, minimum = 0x10000, code_point = lead & 0x07;
        } else {
            goto invalid;
        }
        if (i + length > size) goto invalid;
        for (size_t k = 1; k < length; k++) {
            if ((bytes[i + k] & 0xc0) != 0x80) goto invalid;
            code_point = (code_point << 6) | (bytes[i + k] & 0x3f);
        }
        if (code_point < minimum || code_point > 0x10ffff ||
            (code_point >= 0xd800 && code_point <= 0xdfff))
            goto invalid;
        i += length;
    }
    return true;
invalid:
    if (bad_offset_out != NULL) *bad_offset_out = i;
    return false;
}
