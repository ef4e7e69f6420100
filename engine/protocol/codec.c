/*
 * Payload primitives: little-endian appends onto a buffer and a bounds-checked reader.
 *
 * The reader is sticky: the first short read sets `failed`, and every later read returns 0
 * or an empty string, so a decoder can read all its fields and check once at the end
 * (protocol_reader_is_done). Strings are borrowed from the payload and must not hold NULs,
 * because the engine takes C strings.
 */
#include <string.h>

#include "protocol/protocol.h"

int protocol_put_u8(struct buffer *out, uint8_t value)
{
    return buffer_append(out, &value, 1);
}

int protocol_put_u16(struct buffer *out, uint16_t value)
{
    uint8_t bytes[2] = {(uint8_t)(value & 0xffu), (uint8_t)(value >> 8)};
    return buffer_append(out, bytes, 2);
}

int protocol_put_u32(struct buffer *out, uint32_t value)
{
    return buffer_append_u32(out, value);
}
int protocol_put_u64(struct buffer *out, uint64_t value)
{
    return buffer_append_u64(out, value);
}

int protocol_put_string(struct buffer *out, const char *data, size_t size)
{
    if (size > UINT32_MAX) return -1;
    if (buffer_reserve(out, 4 + size) != 0) return -1;
    buffer_append_u32(out, (uint32_t)size);
    return size ? buffer_append(out, data, size) : 0;
}

void protocol_reader_init(struct protocol_reader *reader, const void *data, size_t size)
{
    reader->data = data;
    reader->size = size;
    reader->offset = 0;
    reader->failed = false;
}

/* The next `size` bytes, or NULL (and failed) when fewer remain. */
static const uint8_t *take(struct protocol_reader *reader, size_t size)
{
    if (reader->failed || reader->size - reader->offset < size) {
        reader->failed = true;
        return NULL;
    }
    const uint8_t *bytes = reader->data + reader->offset;
    reader->offset += size;
    return bytes;
}

uint8_t protocol_get_u8(struct protocol_reader *reader)
{
    const uint8_t *bytes = take(reader, 1);
    return bytes ? bytes[0] : 0;
}

uint16_t protocol_get_u16(struct protocol_reader *reader)
{
    const uint8_t *bytes = take(reader, 2);
    return bytes ? (uint16_t)(bytes[0] | bytes[1] << 8) : 0;
}

uint32_t protocol_get_u32(struct protocol_reader *reader)
{
    const uint8_t *bytes = take(reader, 4);
    return bytes ? load_u32(bytes) : 0;
}

uint64_t protocol_get_u64(struct protocol_reader *reader)
{
    const uint8_t *bytes = take(reader, 8);
    return bytes ? load_u64(bytes) : 0;
}

struct protocol_string protocol_get_string(struct protocol_reader *reader, uint32_t size_max)
{
    struct protocol_string string = {"", 0};
    uint32_t size = protocol_get_u32(reader);
    if (reader->failed) return string;
    if (size > size_max) {
        reader->failed = true;
        return string;
    }
    const uint8_t *bytes = take(reader, size);
    if (bytes == NULL) return string;
    if (size && memchr(bytes, '\0', size) != NULL) {
        reader->failed = true;
        return string;
    }
    string.data = (const char *)bytes;
    string.size = size;
    return string;
}

bool protocol_reader_is_done(const struct protocol_reader *reader)
{
    return !reader->failed && reader->offset == reader->size;
}
