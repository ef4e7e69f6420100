/*
 * Bit packing and unpacking (see codec_bitpack.h).
 *
 * Packing keeps a 64-bit accumulator and flushes whole words. Unpacking is the hot path of
 * loading a column: for each width there is a specialised copy (a switch over constant
 * widths) that handles fields one at a time until the field index is a multiple of 8, then
 * eight fields per step. Eight fields of width w span exactly w bytes from a byte boundary,
 * so each field is one unaligned 8-byte load at a constant offset, a constant shift (< 8)
 * and a mask (plus one more byte for some fields of widths above 56). Fields near the end
 * of the packed bytes use the two-word extractor, which reads only whole words inside the
 * packed bytes. Assumes a little-endian host, like the PLAIN codec.
 */
#include "column/codec_bitpack.h"

#include <assert.h>
#include <string.h>

static inline uint64_t load_word(const uint8_t *bytes)
{
    uint64_t word;
    memcpy(&word, bytes, sizeof word);
    return word;
}

static inline void store_word(uint8_t *bytes, uint64_t word)
{
    memcpy(bytes, &word, sizeof word);
}

static inline uint64_t width_mask(uint32_t width)
{
    return width >= 64u ? ~0ull : (1ull << width) - 1u;
}

/* Field at stream bit `bit` of `width` (1..64) bits; reads only the one or two words that
 * hold it, which the caller's size check guarantees are inside the packed bytes. */
static inline uint64_t field_at(const uint8_t *packed, uint64_t bit, uint32_t width)
{
    const uint8_t *word = packed + (bit >> 6) * 8u;
    uint32_t shift = (uint32_t)(bit & 63u);
    uint64_t value = load_word(word) >> shift;
    if (shift + width > 64u) value |= load_word(word + 8) << (64u - shift);
    return value & width_mask(width);
}

/* ---- Packing ----------------------------------------------------------------------------- */

#define DEFINE_BITPACK_APPEND(name, value_type)                                                   \
    int name(struct buffer *out, const value_type *values, const uint64_t *nulls,               \
             uint32_t count, value_type base, uint32_t width)                                   \
    {                                                                                            \
        assert(width <= sizeof(value_type) * 8u);                                                \
        uint64_t size = bitpack_size_bytes(count, width);                                        \
        if (size == 0) return 0;                                                                 \
        if (buffer_reserve(out, (size_t)size) != 0) return -1;                                   \
        uint8_t *next = out->data + out->size;                                                   \
        uint64_t accumulator = 0;                                                                \
        uint32_t filled = 0;                                                                     \
        for (uint32_t i = 0; i < count; i++) {                                                   \
            uint64_t field = (value_type)(values[i] - base);                                     \
            if (nulls != NULL && ((nulls[i >> 6] >> (i & 63u)) & 1u)) field = 0;                 \
            assert(width == 64u || (field >> width) == 0);                                       \
            accumulator |= field << filled;                                                      \
            filled += width;                                                                     \
            if (filled >= 64u) {                                                                 \
                store_word(next, accumulator);                                                   \
                next += 8;                                                                       \
                filled -= 64u;                                                                   \
                accumulator = filled ? field >> (width - filled) : 0;                            \
            }                                                                                    \
        }                                                                                        \
        if (filled > 0) {                                                                        \
            store_word(next, accumulator);                                                       \
            next += 8;                                                                           \
        }                                                                                        \
        assert((uint64_t)(next - (out->data + out->size)) == size);                              \
        out->size += (size_t)size;                                                               \
        return 0;                                                                                \
    }

DEFINE_BITPACK_APPEND(bitpack_append_u64, uint64_t)
DEFINE_BITPACK_APPEND(bitpack_append_u32, uint32_t)
DEFINE_BITPACK_APPEND(bitpack_append_u16, uint16_t)
DEFINE_BITPACK_APPEND(bitpack_append_u8, uint8_t)

/* ---- Unpacking --------------------------------------------------------------------------- */

/* Field k (0..7) of an eight-field group starting at byte `group`: one unaligned load at a
 * constant offset and shift; widths above 56 may need one more byte (a constant condition). */
#define GROUP_FIELD(group, k, width, mask)                                                        \
    ((((load_word((group) + ((k) * (width) >> 3)) >> (((k) * (width)) & 7u)) |                   \
       ((((k) * (width)) & 7u) + (width) > 64u                                                   \
            ? (uint64_t)(group)[((k) * (width) >> 3) + 8u] << ((64u - (((k) * (width)) & 7u)) & 63u) \
            : 0u)) &                                                                             \
      (mask)))

/* One width's unpacker; `width` is a constant at every call site so the compiler folds the
 * masks, offsets and shifts of the eight-field step. The step reads bytes [0, width + 8) of
 * its group, so it runs while that many remain; the rest goes through field_at. */
#define DEFINE_UNPACK_WIDTH(name, value_type)                                                     \
    static inline __attribute__((always_inline)) void name(                                      \
        const uint8_t *packed, size_t packed_size, uint64_t first, uint32_t count,               \
        const uint32_t width, value_type base, value_type *out)                                  \
    {                                                                                            \
        if (width == 0) {                                                                        \
            for (uint32_t i = 0; i < count; i++) out[i] = base;                                  \
            return;                                                                              \
        }                                                                                        \
        const uint64_t mask = width_mask(width);                                                 \
        uint32_t i = 0;                                                                          \
        for (; i < count && ((first + i) & 7u) != 0; i++)                                        \
            out[i] = (value_type)(base + field_at(packed, (first + i) * width, width));          \
        if (count - i >= 8u) {                                                                   \
            const uint8_t *group = packed + (((first + i) * width) >> 3);                        \
            size_t left = packed_size - (size_t)(group - packed);                                \
            while (count - i >= 8u && left >= width + 8u) {                                      \
                out[i + 0] = (value_type)(base + GROUP_FIELD(group, 0u, width, mask));           \
                out[i + 1] = (value_type)(base + GROUP_FIELD(group, 1u, width, mask));           \
                out[i + 2] = (value_type)(base + GROUP_FIELD(group, 2u, width, mask));           \
                out[i + 3] = (value_type)(base + GROUP_FIELD(group, 3u, width, mask));           \
                out[i + 4] = (value_type)(base + GROUP_FIELD(group, 4u, width, mask));           \
                out[i + 5] = (value_type)(base + GROUP_FIELD(group, 5u, width, mask));           \
                out[i + 6] = (value_type)(base + GROUP_FIELD(group, 6u, width, mask));           \
                out[i + 7] = (value_type)(base + GROUP_FIELD(group, 7u, width, mask));           \
                group += width;                                                                  \
                left -= width;                                                                   \
                i += 8u;                                                                         \
            }                                                                                    \
        }                                                                                        \
        for (; i < count; i++)                                                                   \
            out[i] = (value_type)(base + field_at(packed, (first + i) * width, width));          \
    }

DEFINE_UNPACK_WIDTH(unpack_u64_width, uint64_t)
DEFINE_UNPACK_WIDTH(unpack_u32_width, uint32_t)
DEFINE_UNPACK_WIDTH(unpack_u16_width, uint16_t)
DEFINE_UNPACK_WIDTH(unpack_u8_width, uint8_t)

#define UNPACK_CASE(function, w)                                                                  \
    case w: function(packed, packed_size, first, count, w, base, out); return;
#define UNPACK_CASES8(function, w)                                                                \
    UNPACK_CASE(function, w + 0) UNPACK_CASE(function, w + 1) UNPACK_CASE(function, w + 2)      \
    UNPACK_CASE(function, w + 3) UNPACK_CASE(function, w + 4) UNPACK_CASE(function, w + 5)      \
    UNPACK_CASE(function, w + 6) UNPACK_CASE(function, w + 7)

void bitpack_unpack_u64(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint64_t base, uint64_t *out)
{
    assert(width <= 64u && packed_size % 8u == 0);
    assert(bitpack_size_bytes(first + count, width) <= packed_size);
    switch (width) {
        UNPACK_CASES8(unpack_u64_width, 0)
        UNPACK_CASES8(unpack_u64_width, 8)
        UNPACK_CASES8(unpack_u64_width, 16)
        UNPACK_CASES8(unpack_u64_width, 24)
        UNPACK_CASES8(unpack_u64_width, 32)
        UNPACK_CASES8(unpack_u64_width, 40)
        UNPACK_CASES8(unpack_u64_width, 48)
        UNPACK_CASES8(unpack_u64_width, 56)
        UNPACK_CASE(unpack_u64_width, 64)
    default: assert(!"bit width above 64");
    }
}

void bitpack_unpack_u32(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint32_t base, uint32_t *out)
{
    assert(width <= 32u && packed_size % 8u == 0);
    assert(bitpack_size_bytes(first + count, width) <= packed_size);
    switch (width) {
        UNPACK_CASES8(unpack_u32_width, 0)
        UNPACK_CASES8(unpack_u32_width, 8)
        UNPACK_CASES8(unpack_u32_width, 16)
        UNPACK_CASES8(unpack_u32_width, 24)
        UNPACK_CASE(unpack_u32_width, 32)
    default: assert(!"bit width above 32");
    }
}

void bitpack_unpack_u16(const uint8_t *packed, size_t packed_size, uint64_t first,
                        uint32_t count, uint32_t width, uint16_t base, uint16_t *out)
{
    assert(width <= 16u && packed_size % 8u == 0);
    assert(bitpack_size_bytes(first + count, width) <= packed_size);
    switch (width) {
        UNPACK_CASES8(unpack_u16_width, 0)
        UNPACK_CASES8(unpack_u16_width, 8)
        UNPACK_CASE(unpack_u16_width, 16)
    default: assert(!"bit width above 16");
    }
}

void bitpack_unpack_u8(const uint8_t *packed, size_t packed_size, uint64_t first,
                       uint32_t count, uint32_t width, uint8_t base, uint8_t *out)
{
    assert(width <= 8u && packed_size % 8u == 0);
    assert(bitpack_size_bytes(first + count, width) <= packed_size);
    switch (width) {
        UNPACK_CASES8(unpack_u8_width, 0)
        UNPACK_CASE(unpack_u8_width, 8)
    default: assert(!"bit width above 8");
    }
}
