/*
 * A growable byte buffer (owned bytes, size, capacity). Used for building file images,
 * CSV fields and rendered text. Appends return 0, or -1 when out of memory (the buffer is
 * then unchanged). init/deinit: the struct is the caller's, the bytes are the buffer's.
 */
#ifndef PDB_BASE_BUFFER_H
#define PDB_BASE_BUFFER_H

#include <stddef.h>
#include <stdint.h>

struct buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
};

void buffer_init(struct buffer *buffer);
void buffer_deinit(struct buffer *buffer);
void buffer_reset(struct buffer *buffer); /* size = 0, keeps capacity */
int buffer_reserve(struct buffer *buffer, size_t extra);
int buffer_append(struct buffer *buffer, const void *data, size_t size);
int buffer_append_u32(struct buffer *buffer, uint32_t value); /* little-endian */
int buffer_append_u64(struct buffer *buffer, uint64_t value); /* little-endian */
int buffer_append_zeros(struct buffer *buffer, size_t size);
int buffer_printf(struct buffer *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Little-endian loads for decoding file images. */
static inline uint32_t load_u32(const uint8_t *bytes)
{
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

static inline uint64_t load_u64(const uint8_t *bytes)
{
    return (uint64_t)load_u32(bytes) | (uint64_t)load_u32(bytes + 4) << 32;
}

static inline void store_u32(uint8_t *bytes, uint32_t value)
{
    for (int i = 0; i < 4; i++) bytes[i] = (uint8_t)(value >> (8 * i));
}

static inline void store_u64(uint8_t *bytes, uint64_t value)
{
    for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(value >> (8 * i));
}

#endif
