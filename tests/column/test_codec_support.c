/*
 * Helpers shared by the codec tests (see test_codec_support.h).
 */
#include "test_codec_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"

const char *const codec_test_nulls_names[CODEC_TEST_NULLS_COUNT] = {
    "no nulls", "some nulls", "sparse nulls", "mostly nulls", "all nulls"};
const uint32_t codec_test_row_counts[6] = {0, 1, 63, 64, 65, PDB_CHUNK_ROWS};
const uint32_t codec_test_widths[9] = {0, 1, 7, 8, 31, 32, 33, 63, 64};
const enum block_encoding codec_test_encodings[8] = {
    BLOCK_ENCODING_PLAIN,   BLOCK_ENCODING_CONSTANT,     BLOCK_ENCODING_FOR_BITPACK,
    BLOCK_ENCODING_DICT_BITPACK, BLOCK_ENCODING_DECIMAL, BLOCK_ENCODING_TAGS_BITPACK,
    BLOCK_ENCODING_TEXT_LZ4, BLOCK_ENCODING_LZ4,
};

uint64_t codec_test_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t x = *state;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

bool codec_test_is_null(enum codec_test_nulls nulls, uint32_t row)
{
    switch (nulls) {
    case CODEC_TEST_NULLS_SOME: return row % 3 == 0 || row == 64;
    case CODEC_TEST_NULLS_SPARSE: return row % 97 == 5;
    case CODEC_TEST_NULLS_MOSTLY: return row % 50 != 7;
    case CODEC_TEST_NULLS_ALL: return true;
    default: return false;
    }
}

uint32_t codec_test_tags_dictionary_size(uint32_t width)
{
    return width >= 12 ? 4096u : 1u << width;
}

static uint64_t mask_of(uint32_t width)
{
    return width >= 64 ? ~0ull : (1ull << width) - 1u;
}

void codec_test_chunk_make(struct column_chunk *chunk, enum pdb_type type, uint32_t rows,
                           enum codec_test_nulls nulls, uint32_t width, int64_t base,
                           uint64_t seed)
{
    cr_assert_eq(column_chunk_init(chunk, type), 0);
    bool has_lanes = type == PDB_TYPE_INT || type == PDB_TYPE_TIMESTAMP || type == PDB_TYPE_CATEGORY;
    if (has_lanes) cr_assert_eq(column_chunk_lanes_widen(chunk, type), 0); /* building form */
    chunk->row_count = rows;
    uint64_t state = seed ^ 0x9e3779b97f4a7c15ull;
    uint32_t present = 0; /* non-NULL rows so far */
    struct buffer strings;
    buffer_init(&strings);
    uint32_t tag_dictionary = codec_test_tags_dictionary_size(width);
    uint32_t tag_count_max = tag_dictionary < 6 ? tag_dictionary : 6;
    uint32_t string_total = 0;
    for (uint32_t row = 0; row < rows; row++) {
        if (codec_test_is_null(nulls, row)) {
            bitset_set(chunk->nulls, row);
            chunk->null_count++;
            if (type == PDB_TYPE_TEXT || type == PDB_TYPE_TAGS) chunk->offsets[row + 1] = string_total;
            if (has_lanes) column_chunk_lane_store(chunk, row, 0);
            if (type == PDB_TYPE_FLOAT) chunk->floats[row] = 0.0;
            continue;
        }
        uint64_t random = codec_test_random(&state);
        /* The first non-NULL row takes the range's bottom, the second its top. */
        uint64_t field = present == 0 ? 0 : present == 1 ? mask_of(width) : random & mask_of(width);
        present++;
        switch (type) {
        case PDB_TYPE_BOOL:
            if (width == 0 || (random >> 7) & 1u) bitset_set(chunk->bools, row);
            break;
        case PDB_TYPE_INT:
        case PDB_TYPE_TIMESTAMP:
            column_chunk_int_store(chunk, row, (int64_t)((uint64_t)base + field));
            break;
        case PDB_TYPE_FLOAT:
            chunk->floats[row] = (double)(int64_t)((uint64_t)base + field) / 100.0;
            break;
        case PDB_TYPE_CATEGORY: {
            uint64_t code = (uint64_t)base + field; /* UINT32_MAX can never be a code */
            column_chunk_lane_store(chunk, row, code >= UINT32_MAX ? UINT32_MAX - 1u : code);
            break;
        }
        case PDB_TYPE_TEXT: {
            uint64_t text_mask = mask_of(width < 6 ? width : 6);
            uint32_t length = (uint32_t)(field & text_mask);
            char text[64];
            for (uint32_t i = 0; i < length; i++) text[i] = (char)('a' + (codec_test_random(&state) % 4));
            cr_assert_eq(buffer_append(&strings, text, length), 0);
            string_total += length;
            chunk->offsets[row + 1] = string_total;
            break;
        }
        case PDB_TYPE_TAGS: {
            uint32_t count = present == 1 ? 0 : present == 2 ? tag_count_max
                                               : (uint32_t)(random % (tag_count_max + 1));
            uint32_t code = (uint32_t)((random >> 20) % tag_dictionary);
            uint32_t written = 0;
            if (count == tag_count_max) code = 0; /* room for all of them */
            while (written < count && code < tag_dictionary) {
                uint32_t value = code;
                cr_assert_eq(buffer_append(&strings, &value, sizeof value), 0);
                written++;
                code += 1 + (count == tag_count_max ? 0 : (uint32_t)(codec_test_random(&state) % 3));
            }
            string_total += written;
            chunk->offsets[row + 1] = string_total;
            break;
        }
        default: cr_assert_fail("unknown type");
        }
    }
    if (type == PDB_TYPE_TEXT) {
        chunk->text_bytes = (char *)strings.data;
        chunk->text_bytes_size = strings.size;
        chunk->text_bytes_capacity = strings.capacity;
    } else if (type == PDB_TYPE_TAGS) {
        chunk->tag_codes = (uint32_t *)strings.data;
        chunk->tag_codes_capacity = strings.capacity / sizeof(uint32_t);
    } else {
        buffer_deinit(&strings);
    }
    column_chunk_refresh_summary(chunk, type);
    uint32_t dictionary = type == PDB_TYPE_TAGS ? tag_dictionary : UINT32_MAX;
    cr_assert_eq(column_chunk_validate(chunk, type, dictionary), 0, "test chunk is invalid");
    /* Sealed, as decoded chunks are (codec_test_chunk_make_building keeps the wide form). */
    cr_assert_eq(column_chunk_seal(chunk, type), 0);
    cr_assert(column_chunk_is_sealed(chunk, type));
    cr_assert_eq(column_chunk_validate(chunk, type, dictionary), 0, "sealed test chunk is invalid");
}

void codec_test_assert_chunks_equal(const struct column_chunk *a, const struct column_chunk *b,
                                    enum pdb_type type, const char *label)
{
    uint32_t rows = a->row_count;
    cr_assert_eq(b->row_count, rows, "%s: rows", label);
    cr_assert_eq(b->null_count, a->null_count, "%s: nulls", label);
    cr_assert(memcmp(a->nulls, b->nulls, PDB_CHUNK_WORDS * sizeof(uint64_t)) == 0,
              "%s: null bitset", label);
    bool has_values = a->null_count < rows;
    switch (type) {
    case PDB_TYPE_BOOL:
        cr_assert(memcmp(a->bools, b->bools, PDB_CHUNK_WORDS * sizeof(uint64_t)) == 0, "%s", label);
        break;
    case PDB_TYPE_INT:
    case PDB_TYPE_TIMESTAMP:
        for (uint32_t row = 0; row < rows; row++) {
            if (column_chunk_is_null(a, row)) continue; /* a NULL row's value is the base */
            int64_t x = column_chunk_int(a, row), y = column_chunk_int(b, row);
            cr_assert_eq(y, x, "%s: row %u: %lld != %lld", label, row, (long long)y, (long long)x);
        }
        if (has_values) {
            cr_assert_eq(b->min_int, a->min_int, "%s", label);
            cr_assert_eq(b->max_int, a->max_int, "%s", label);
        }
        break;
    case PDB_TYPE_FLOAT:
        cr_assert(rows == 0 || memcmp(a->floats, b->floats, rows * sizeof(double)) == 0,
                  "%s: float bits", label);
        if (has_values) {
            cr_assert_eq(b->min_float, a->min_float, "%s", label);
            cr_assert_eq(b->max_float, a->max_float, "%s", label);
        }
        break;
    case PDB_TYPE_CATEGORY:
        for (uint32_t row = 0; row < rows; row++)
            cr_assert_eq(column_chunk_code(b, row), column_chunk_code(a, row), "%s: row %u", label,
                         row);
        break;
    case PDB_TYPE_TEXT:
        cr_assert(memcmp(a->offsets, b->offsets, (rows + 1) * sizeof(uint32_t)) == 0, "%s: offsets",
                  label);
        cr_assert_eq(b->text_bytes_size, a->text_bytes_size, "%s", label);
        cr_assert(a->text_bytes_size == 0 ||
                      memcmp(a->text_bytes, b->text_bytes, a->text_bytes_size) == 0,
                  "%s: bytes", label);
        break;
    case PDB_TYPE_TAGS:
        cr_assert(memcmp(a->offsets, b->offsets, (rows + 1) * sizeof(uint32_t)) == 0, "%s: offsets",
                  label);
        cr_assert(a->offsets[rows] == 0 ||
                      memcmp(a->tag_codes, b->tag_codes, a->offsets[rows] * sizeof(uint32_t)) == 0,
                  "%s: codes", label);
        break;
    default: break;
    }
}

bool codec_test_round_trip(const struct column_chunk *chunk, enum pdb_type type,
                           enum block_encoding encoding, uint32_t dictionary_entry_count,
                           const char *label, size_t *size_out)
{
    struct buffer block;
    buffer_init(&block);
    struct pdb_error error = {0};
    enum pdb_status status = block_encode_as(chunk, type, encoding, &block, &error);
    if (status == PDB_ERR_USAGE) {
        buffer_deinit(&block);
        return false;
    }
    cr_assert_eq(status, PDB_OK, "%s: %s", label, error.message);
    cr_assert_geq(block.size, BLOCK_HEADER_SIZE);
    cr_assert_eq(load_u32(block.data), (uint32_t)type, "%s", label);
    cr_assert_eq(load_u32(block.data + 4), (uint32_t)encoding, "%s", label);
    cr_assert_eq(load_u32(block.data + 8), chunk->row_count, "%s", label);
    cr_assert_eq(load_u32(block.data + 12), chunk->null_count, "%s", label);
    cr_assert_eq(load_u64(block.data + 16), block.size - BLOCK_HEADER_SIZE, "%s", label);

    uint8_t *copy = malloc(block.size);
    memcpy(copy, block.data, block.size);
    struct column_chunk decoded;
    cr_assert_eq(column_chunk_init(&decoded, type), 0);
    status = block_decode(copy, block.size, type, dictionary_entry_count, &decoded, &error);
    cr_assert_eq(status, PDB_OK, "%s (%s): %s", label, block_encoding_name(encoding), error.message);
    char full_label[256];
    snprintf(full_label, sizeof full_label, "%s (%s)", label, block_encoding_name(encoding));
    codec_test_assert_chunks_equal(chunk, &decoded, type, full_label);
    cr_assert_eq(column_chunk_validate(&decoded, type, dictionary_entry_count), 0, "%s", full_label);

    struct buffer again;
    buffer_init(&again);
    cr_assert_eq(block_encode_as(&decoded, type, encoding, &again, NULL), PDB_OK, "%s", full_label);
    cr_assert_eq(again.size, block.size, "%s: re-encoding", full_label);
    cr_assert(memcmp(again.data, block.data, block.size) == 0, "%s: re-encoding", full_label);

    if (size_out != NULL) *size_out = block.size;
    buffer_deinit(&again);
    column_chunk_deinit(&decoded);
    free(copy);
    buffer_deinit(&block);
    return true;
}

enum pdb_status codec_test_decode_copy(const uint8_t *block, size_t size, enum pdb_type type,
                                       uint32_t dictionary_entry_count, struct pdb_error *error)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, block, size);
    struct column_chunk chunk;
    cr_assert_eq(column_chunk_init(&chunk, type), 0);
    struct pdb_error local = {0};
    enum pdb_status status =
        block_decode(copy, size, type, dictionary_entry_count, &chunk, &local);
    if (status == PDB_OK) {
        cr_assert_eq(column_chunk_validate(&chunk, type, dictionary_entry_count), 0,
                     "a block that decodes must give a valid chunk");
    } else {
        cr_assert_eq(local.status, status);
        cr_assert_neq(local.message[0], '\0', "an error says what was wrong");
    }
    if (error != NULL) *error = local;
    column_chunk_deinit(&chunk);
    free(copy);
    return status;
}

void codec_test_block_make(struct buffer *out, enum pdb_type type, uint32_t encoding,
                           uint32_t rows, uint32_t nulls, const void *payload, size_t size)
{
    buffer_init(out);
    cr_assert_eq(buffer_append_u32(out, (uint32_t)type), 0);
    cr_assert_eq(buffer_append_u32(out, encoding), 0);
    cr_assert_eq(buffer_append_u32(out, rows), 0);
    cr_assert_eq(buffer_append_u32(out, nulls), 0);
    cr_assert_eq(buffer_append_u64(out, size), 0);
    cr_assert_eq(buffer_append(out, payload, size), 0);
}

static void expect_corrupt_allocating(const struct buffer *block, enum pdb_type type,
                                      uint32_t dictionary_entry_count, const char *needle,
                                      const char *what, uint64_t allocations_allowed)
{
    uint8_t *copy = malloc(block->size);
    memcpy(copy, block->data, block->size);
    struct column_chunk chunk;
    cr_assert_eq(column_chunk_init(&chunk, type), 0);
    struct pdb_error error = {0};
    uint64_t allocations = mem_allocation_count();
    mem_fail_after(allocations_allowed); /* any other would turn into PDB_ERR_NO_MEMORY */
    enum pdb_status status =
        block_decode(copy, block->size, type, dictionary_entry_count, &chunk, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_CORRUPT, "%s: status %d: %s", what, status, error.message);
    cr_assert_eq(mem_allocation_count(), allocations + allocations_allowed,
                 "%s: allocated while refusing", what);
    if (needle != NULL)
        cr_assert(strstr(error.message, needle) != NULL, "%s: message '%s' lacks '%s'", what,
                  error.message, needle);
    column_chunk_deinit(&chunk);
    free(copy);
}

void codec_test_expect_corrupt(const struct buffer *block, enum pdb_type type,
                               uint32_t dictionary_entry_count, const char *needle,
                               const char *what)
{
    expect_corrupt_allocating(block, type, dictionary_entry_count, needle, what, 0);
}

void codec_test_expect_corrupt_decoded(const struct buffer *block, enum pdb_type type,
                                       uint32_t dictionary_entry_count, const char *needle,
                                       const char *what)
{
    expect_corrupt_allocating(block, type, dictionary_entry_count, needle, what, 1);
}
