/*
 * Bit packing: fields of 0..64 bits packed LSB-first into little-endian u64 words.
 *
 * Field i of width w occupies stream bits [i*w, i*w + w); stream bit k is bit (k % 64) of
 * word k / 64, so a field may straddle two words. `count` fields take exactly
 * bitpack_size_bytes(count, w) = ceil(count * w / 64) * 8 bytes; width 0 takes none.
 *
 * These are the inner loops of the integer, dictionary, decimal, text-length and tag codecs:
 * packing subtracts a base (frame of reference) and writes 0 for NULL rows; unpacking adds
 * the base back with uint64 (or uint32) wrapping arithmetic, so any int64 range works.
 * Unpacking is specialised per width and reads eight fields per step from byte-aligned
 * groups; it never reads outside packed[0..packed_size). Neither direction allocates,
 * except that the append functions grow the caller's buffer once.
 */
#ifndef PDB_COLUMN_CODEC_BITPACK_H
#define PDB_COLUMN_CODEC_BITPACK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"

#define BITPACK_WIDTH_MAX 64u

/* Bytes holding `count` fields of `width` bits (whole u64 words). */
static inline uint64_t bitpack_size_bytes(uint64_t count, uint32_t width)
{
    return (count * width + 63u) / 64u * 8u;
}

/* Bits needed to store `value` (0 for 0, 64 for values >= 2^63). */
static inline uint32_t bitpack_width(uint64_t value)
{
    return value == 0 ? 0u : 64u - (uint32_t)__builtin_clzll(value);
}

/* Appends the fields values[i] - base (uint64 wrapping) for i < count, each `width` bits;
 * rows whose bit is set in `nulls` (may be NULL) are stored as 0. Every non-null field must
 * fit in `width` bits (asserted in debug builds). 0, or -1 when out of memory (the buffer
 * is then unchanged). */
int bitpack_append_u64(struct buffer *out, const uint64_t *values, const uint64_t *nulls,
                       uint32_t count, uint64_t base, uint32_t width);
/* The same over uint32, uint16 and uint8 values (width at most the values' bits). */
int bitpack_append_u32(struct buffer *out, const uint32_t *values, const uint64_t *nulls,
                       uint32_t count, uint32_t base, uint32_t width);
int bitpack_append_u16(struct buffer *out, const uint16_t *values, const uint64_t *nulls,
                       uint32_t count, uint16_t base, uint32_t width);
int bitpack_append_u8(struct buffer *out, const uint8_t *values, const uint64_t *nulls,
                      uint32_t count, uint8_t base, uint32_t width);

/* out[i] = base + field (first + i), for i < count, with uint64 wrapping. The caller has
 * checked width <= 64 and packed_size >= bitpack_size_bytes(first + count, width), and that
 * packed_size is a multiple of 8. */
void bitpack_unpack_u64(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint64_t base, uint64_t *out);
/* The same into uint32, uint16 and uint8 (width at most the output's bits, wrapping at it):
 * the in-memory lanes of column.h are unpacked straight at their width. */
void bitpack_unpack_u32(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint32_t base, uint32_t *out);
void bitpack_unpack_u16(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint16_t base, uint16_t *out);
void bitpack_unpack_u8(const uint8_t *packed, size_t packed_size, uint64_t first,
                       uint32_t count, uint32_t width, uint8_t base, uint8_t *out);

#endif
