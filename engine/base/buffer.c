/*
 * Growable byte buffer (see buffer.h).
 */
#include "base/buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

void buffer_init(struct buffer *buffer)
{
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

void buffer_deinit(struct buffer *buffer)
{
    mem_free(buffer->data);
    buffer_init(buffer);
}

void buffer_reset(struct buffer *buffer)
{
    buffer->size = 0;
}

int buffer_reserve(struct buffer *buffer, size_t extra)
{
    if (extra > SIZE_MAX - buffer->size) return -1;
    void *data = buffer->data;
    if (mem_grow(&data, &buffer->capacity, buffer->size + extra, 1) != 0) return -1;
    buffer->data = data;
    return 0;
}

int buffer_append(struct buffer *buffer, const void *data, size_t size)
{
    if (size == 0) return 0;
    if (buffer_reserve(buffer, size) != 0) return -1;
    memcpy(buffer->data + buffer->size, data, size);
    buffer->size += size;
    return 0;
}

int buffer_append_u32(struct buffer *buffer, uint32_t value)
{
    uint8_t bytes[4];
    store_u32(bytes, value);
    return buffer_append(buffer, bytes, sizeof bytes);
}

int buffer_append_u64(struct buffer *buffer, uint64_t value)
{
    uint8_t bytes[8];
    store_u64(bytes, value);
    return buffer_append(buffer, bytes, sizeof bytes);
}

int buffer_append_zeros(struct buffer *buffer, size_t size)
{
    if (buffer_reserve(buffer, size) != 0) return -1;
    memset(buffer->data + buffer->size, 0, size);
    buffer->size += size;
    return 0;
}

int buffer_printf(struct buffer *buffer, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (needed < 0 || buffer_reserve(buffer, (size_t)needed + 1) != 0) {
        va_end(args);
        return -1;
    }
    vsnprintf((char *)buffer->data + buffer->size, (size_t)needed + 1, format, args);
    va_end(args);
    buffer->size += (size_t)needed;
    return 0;
}
