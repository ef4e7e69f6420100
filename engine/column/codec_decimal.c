/*
 * DECIMAL codec for float chunks: NULLS, u32 exponent e, then FRAME(row_count) of the
 * int64 values v * 10^e (layout in encoding.h).
 *
 * Prices, ratings and percentages are decimals with a few digits: 12.34 is stored as the
 * integer 1234 and bit-packed like any integer (a 0..5,000.00 price takes 19 bits instead
 * of 64). The writer tries e = 0, 1, ..., DECIMAL_EXPONENT_MAX and keeps the first for which
 * (double)c / 10^e gives back the exact bits of every non-NULL value (so -0.0, or a value
 * with more digits, makes the codec decline); IEEE division is correctly rounded, which is
 * what makes the round trip exact. Any int64 decodes to a finite double, so a damaged frame
 * cannot produce NaN or infinity.
 */
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "column/codec_common.h"

/* Largest decimal exponent tried: 10^9 is exact in a double, and nine digits after the
 * point cover every fixed-point quantity profiles hold. */
#define DECIMAL_EXPONENT_MAX 9u
/* |v * 10^e| must stay within the doubles that are exact integers. */
#define DECIMAL_MAGNITUDE_MAX 9007199254740992.0 /* 2^53 */
/* Values unpacked per step when decoding (a stack batch). */
#define DECIMAL_BATCH_SIZE 512u

static const double powers_of_ten[DECIMAL_EXPONENT_MAX + 1] = {1e0, 1e1, 1e2, 1e3, 1e4,
                                                               1e5, 1e6, 1e7, 1e8, 1e9};

static inline bool is_null_row(const uint64_t *nulls, uint32_t row)
{
    return (nulls[row >> 6] >> (row & 63u)) & 1u;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Fills scaled[row] = v * 10^exponent for every non-NULL row (0 for NULL rows); false when
 * some value does not round-trip at this exponent. */
static bool scale_values(const struct column_chunk *chunk, uint32_t exponent, int64_t *scaled)
{
    double scale = powers_of_ten[exponent];
    for (uint32_t row = 0; row < chunk->row_count; row++) {
        if (chunk->null_count > 0 && is_null_row(chunk->nulls, row)) {
            scaled[row] = 0;
            continue;
        }
        double value = chunk->floats[row];
        double product = value * scale;
        if (!(fabs(product) <= DECIMAL_MAGNITUDE_MAX)) return false;
        int64_t integer = llround(product);
        if (!same_bits((double)integer / scale, value)) return false;
        scaled[row] = integer;
    }
    return true;
}

static enum codec_encode_result decimal_encode(const struct column_chunk *chunk,
                                               enum pdb_type type, struct buffer *out)
{
    (void)type;
    int64_t *scaled = mem_alloc(((size_t)chunk->row_count + 1) * sizeof *scaled);
    if (scaled == NULL) return CODEC_NO_MEMORY;
    enum codec_encode_result result = CODEC_NOT_APPLICABLE;
    for (uint32_t exponent = 0; exponent <= DECIMAL_EXPONENT_MAX; exponent++) {
        if (!scale_values(chunk, exponent, scaled)) continue;
        const uint64_t *nulls = chunk->null_count > 0 ? chunk->nulls : NULL;
        if (codec_nulls_append(chunk, out) != 0 || buffer_append_u32(out, exponent) != 0 ||
            codec_frame_append_i64(out, scaled, nulls, chunk->row_count) != 0) {
            result = CODEC_NO_MEMORY;
        } else {
            result = CODEC_ENCODED;
        }
        break;
    }
    mem_free(scaled);
    return result;
}

static enum pdb_status decimal_decode(const uint8_t *payload, size_t size,
                                      const struct codec_block *block, struct column_chunk *chunk,
                                      struct pdb_error *error)
{
    struct codec_reader reader = {payload, size};
    enum pdb_status status = codec_nulls_read(&reader, block, chunk, error);
    if (status != PDB_OK) return status;
    uint32_t exponent;
    if (!codec_read_u32(&reader, &exponent))
        return error_set(error, PDB_ERR_CORRUPT, "block is too short for its decimal exponent");
    if (exponent > DECIMAL_EXPONENT_MAX) {
        return error_set(error, PDB_ERR_CORRUPT, "decimal exponent %u is above %u", exponent,
                         DECIMAL_EXPONENT_MAX);
    }
    struct codec_frame frame;
    status = codec_frame_read(&reader, block->row_count, 64u, "decimal", &frame, error);
    if (status != PDB_OK) return status;
    if (reader.left != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%zu bytes follow the decimal frame", reader.left);
    double scale = powers_of_ten[exponent];
    uint64_t batch[DECIMAL_BATCH_SIZE];
    for (uint32_t first = 0; first < block->row_count; first += DECIMAL_BATCH_SIZE) {
        uint32_t count = block->row_count - first;
        if (count > DECIMAL_BATCH_SIZE) count = DECIMAL_BATCH_SIZE;
        codec_frame_unpack_u64(&frame, first, count, batch);
        for (uint32_t i = 0; i < count; i++)
            chunk->floats[first + i] = (double)(int64_t)batch[i] / scale;
    }
    if (block->null_count > 0) codec_zero_null_rows_f64(chunk->nulls, block->row_count, chunk->floats);
    return PDB_OK;
}

const struct codec codec_decimal = {
    .id = BLOCK_ENCODING_DECIMAL,
    .name = "decimal",
    .type_mask = CODEC_TYPE_BIT(PDB_TYPE_FLOAT),
    .encode = decimal_encode,
    .decode = decimal_decode,
};
