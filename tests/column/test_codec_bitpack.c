/*
 * Tests for column/codec_bitpack.c: packing and unpacking at every width 0..64 against a
 * naive bit-by-bit model, from every start position modulo 8 (the unpacker's group
 * alignment) and with counts that end inside a group; the byte size formula; NULL rows
 * stored as 0; uint64 wrapping around the base; and that unpacking never reads past the
 * packed bytes (exact-size heap copies under ASan).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "column/codec_bitpack.h"
#include "test_codec_support.h"

/* Field i of a packed stream, one bit at a time: the reference. */
static uint64_t naive_field(const uint8_t *packed, uint64_t index, uint32_t width)
{
    uint64_t value = 0;
    for (uint32_t b = 0; b < width; b++) {
        uint64_t bit = index * width + b;
        value |= (uint64_t)((packed[bit / 8] >> (bit % 8)) & 1u) << b;
    }
    return value;
}

static uint64_t mask_of(uint32_t width)
{
    return width >= 64 ? ~0ull : (1ull << width) - 1u;
}

Test(codec_bitpack, width_and_size_formulas)
{
    cr_assert_eq(bitpack_width(0), 0u);
    cr_assert_eq(bitpack_width(1), 1u);
    cr_assert_eq(bitpack_width(127), 7u);
    cr_assert_eq(bitpack_width(128), 8u);
    cr_assert_eq(bitpack_width(UINT64_MAX), 64u);
    cr_assert_eq(bitpack_width(1ull << 63), 64u);
    cr_assert_eq(bitpack_size_bytes(0, 64), 0u);
    cr_assert_eq(bitpack_size_bytes(65536, 0), 0u);
    cr_assert_eq(bitpack_size_bytes(1, 1), 8u);
    cr_assert_eq(bitpack_size_bytes(64, 1), 8u);
    cr_assert_eq(bitpack_size_bytes(65, 1), 16u);
    cr_assert_eq(bitpack_size_bytes(65, 7), 64u);
    cr_assert_eq(bitpack_size_bytes(65536, 64), 524288u);
}

Test(codec_bitpack, packs_lsb_first_and_matches_the_model_at_every_width)
{
    enum { COUNT = 203 };
    uint64_t values[COUNT], out[COUNT];
    uint32_t values32[COUNT], out32[COUNT];
    uint64_t state = 7;
    for (uint32_t width = 0; width <= 64; width++) {
        uint64_t base = codec_test_random(&state);
        for (uint32_t i = 0; i < COUNT; i++) {
            uint64_t field = i == 1 ? mask_of(width) : codec_test_random(&state) & mask_of(width);
            values[i] = base + field; /* wraps: the field is what comes back */
        }
        struct buffer packed;
        buffer_init(&packed);
        cr_assert_eq(bitpack_append_u64(&packed, values, NULL, COUNT, base, width), 0);
        cr_assert_eq(packed.size, bitpack_size_bytes(COUNT, width), "width %u", width);
        for (uint32_t i = 0; i < COUNT; i++)
            cr_assert_eq(naive_field(packed.data, i, width), values[i] - base, "width %u field %u", width, i);
        /* Unpack every [first, first + count) window from an exact-size copy. */
        uint8_t *copy = malloc(packed.size ? packed.size : 1);
        if (packed.size) memcpy(copy, packed.data, packed.size);
        for (uint32_t first = 0; first < 20; first++) {
            for (uint32_t count = 0; first + count <= COUNT; count += 1 + count / 3) {
                memset(out, 0xa5, sizeof out);
                bitpack_unpack_u64(copy, packed.size, first, count, width, base, out);
                for (uint32_t i = 0; i < count; i++)
                    cr_assert_eq(out[i], values[first + i], "width %u first %u count %u i %u", width, first, count, i);
                cr_assert_eq(out[count], 0xa5a5a5a5a5a5a5a5ull, "writes nothing past count");
            }
        }
        free(copy);
        buffer_deinit(&packed);

        if (width > 32) continue;
        uint32_t base32 = (uint32_t)base;
        for (uint32_t i = 0; i < COUNT; i++) values32[i] = base32 + (uint32_t)(values[i] - base);
        buffer_init(&packed);
        cr_assert_eq(bitpack_append_u32(&packed, values32, NULL, COUNT, base32, width), 0);
        cr_assert_eq(packed.size, bitpack_size_bytes(COUNT, width));
        copy = malloc(packed.size ? packed.size : 1);
        if (packed.size) memcpy(copy, packed.data, packed.size);
        for (uint32_t first = 0; first < 17; first += 3) {
            uint32_t count = COUNT - first;
            bitpack_unpack_u32(copy, packed.size, first, count, width, base32, out32);
            for (uint32_t i = 0; i < count; i++)
                cr_assert_eq(out32[i], values32[first + i], "u32 width %u first %u i %u", width, first, i);
        }
        free(copy);
        buffer_deinit(&packed);
    }
}

Test(codec_bitpack, full_chunk_at_every_width)
{
    uint64_t *values = malloc(PDB_CHUNK_ROWS * sizeof *values);
    uint64_t *out = malloc(PDB_CHUNK_ROWS * sizeof *out);
    uint64_t state = 99;
    for (uint32_t width = 0; width <= 64; width++) {
        for (uint32_t i = 0; i < PDB_CHUNK_ROWS; i++) values[i] = codec_test_random(&state) & mask_of(width);
        struct buffer packed;
        buffer_init(&packed);
        cr_assert_eq(bitpack_append_u64(&packed, values, NULL, PDB_CHUNK_ROWS, 0, width), 0);
        uint8_t *copy = malloc(packed.size ? packed.size : 1);
        if (packed.size) memcpy(copy, packed.data, packed.size);
        bitpack_unpack_u64(copy, packed.size, 0, PDB_CHUNK_ROWS, width, 0, out);
        cr_assert(memcmp(out, values, PDB_CHUNK_ROWS * sizeof *out) == 0, "width %u", width);
        free(copy);
        buffer_deinit(&packed);
    }
    free(values);
    free(out);
}

Test(codec_bitpack, null_rows_are_stored_as_zero_fields)
{
    uint64_t values[130], nulls[PDB_CHUNK_WORDS] = {0};
    for (uint32_t i = 0; i < 130; i++) values[i] = 1000 + i;
    values[3] = 0xdeadbeefdeadbeefull; /* a NULL row's value is never read */
    nulls[0] = 1ull << 3;
    nulls[2] = 1ull << 1; /* row 129 */
    struct buffer packed;
    buffer_init(&packed);
    cr_assert_eq(bitpack_append_u64(&packed, values, nulls, 130, 1000, 8), 0);
    uint64_t out[130];
    bitpack_unpack_u64(packed.data, packed.size, 0, 130, 8, 1000, out);
    cr_assert_eq(out[3], 1000u);
    cr_assert_eq(out[129], 1000u);
    cr_assert_eq(out[128], 1128u);
    buffer_deinit(&packed);
}

Test(codec_bitpack, append_out_of_memory_leaves_the_buffer_unchanged)
{
    uint64_t values[100] = {0};
    struct buffer packed;
    buffer_init(&packed);
    mem_fail_after(0);
    int result = bitpack_append_u64(&packed, values, NULL, 100, 0, 5);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(result, -1);
    cr_assert_eq(packed.size, 0u);
    buffer_deinit(&packed);
}
