/*
 * Column block decode speed (engine/column/encoding.h): one full chunk of 65,536 rows is
 * encoded once with block_encode (whatever codec it picks), then each iteration does what
 * loading a chunk costs: column_chunk_init, block_decode (which checks everything) and
 * column_chunk_deinit.
 *
 *   BM_decode/int64_timestamp  last-seen-like epoch seconds over two years, 2% NULL
 *   BM_decode/int64_small      ages 18..90, 12% NULL
 *   BM_decode/category         codes of a 356-entry dictionary, 5% NULL
 *   BM_decode/text_email       e-mail addresses of 14-30 bytes, 3% NULL
 *
 * Items are rows; bytes are the decoded in-memory form (column_chunk_memory_size), so bytes/s
 * is the rate at which usable column data appears. Int, timestamp and category chunks decode
 * to narrow lanes (column/column.h: ages 1 byte a row, these timestamps 4, the 356 codes 2),
 * so compare rows/s with figures from before the lanes. The label gives the encoded size.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include "base/buffer.h"
#include "column/column.h"
#include "column/encoding.h"

#define DECODE_NOW_S 1793491200LL /* 2026-11-01T00:00:00Z */
#define DECODE_DICTIONARY_ENTRIES 356u

enum decode_shape { SHAPE_TIMESTAMP, SHAPE_SMALL_INT, SHAPE_CATEGORY, SHAPE_EMAIL };

struct decode_case {
    enum decode_shape shape;
    enum pdb_type type;
    uint32_t null_per_mille;
    struct buffer block;
    uint64_t decoded_bytes;
    struct bench_case *bench_case; /* for the label */
};

static const char *const email_names[] = {"anna", "james.smith", "lukas", "maria.garcia", "wei",
                                          "olivia_brown", "noah", "emma.mueller", "liam", "sofia"};
static const char *const email_domains[] = {"gmail.com", "yahoo.com", "hotmail.com", "gmx.de",
                                            "orange.fr", "outlook.com", "icloud.com"};

static void fill_chunk(struct decode_case *decode, struct column_chunk *chunk, struct bench_rng *rng)
{
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS; row++) {
        int is_null = bench_rng_next(rng) % 1000 < decode->null_per_mille;
        if (is_null) {
            chunk->nulls[row >> 6] |= 1ull << (row & 63u);
            chunk->null_count++;
        }
        switch (decode->shape) {
        case SHAPE_TIMESTAMP:
            if (is_null)
                column_chunk_lane_store(chunk, row, 0);
            else
                column_chunk_int_store(chunk, row, DECODE_NOW_S - (int64_t)(bench_rng_next(rng) %
                                                                          (2 * 365 * 86400)));
            break;
        case SHAPE_SMALL_INT:
            if (is_null)
                column_chunk_lane_store(chunk, row, 0);
            else
                column_chunk_int_store(chunk, row, 18 + (int64_t)(bench_rng_next(rng) % 73));
            break;
        case SHAPE_CATEGORY:
            column_chunk_lane_store(chunk, row,
                                    is_null ? 0 : bench_rng_next(rng) % DECODE_DICTIONARY_ENTRIES);
            break;
        case SHAPE_EMAIL: {
            char text[96];
            int size = 0;
            if (!is_null) {
                uint64_t draw = bench_rng_next(rng);
                size = snprintf(text, sizeof text, "%s%u@%s", email_names[draw % 10], row + 1,
                                email_domains[(draw >> 8) % 7]);
            }
            memcpy(chunk->text_bytes + chunk->text_bytes_size, text, (size_t)size);
            chunk->text_bytes_size += (size_t)size;
            chunk->offsets[row + 1] = (uint32_t)chunk->text_bytes_size;
            break;
        }
        }
    }
    chunk->row_count = PDB_CHUNK_ROWS;
}

static int decode_setup(void *context, char *error, size_t error_size)
{
    struct decode_case *decode = context;
    struct column_chunk chunk;
    if (column_chunk_init(&chunk, decode->type) != 0) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    char *text = NULL;
    if (decode->type == PDB_TYPE_TEXT) {
        text = bench_alloc((size_t)PDB_CHUNK_ROWS * 64);
        if (text == NULL) {
            column_chunk_deinit(&chunk);
            snprintf(error, error_size, "out of memory");
            return -1;
        }
        chunk.text_bytes = text;
        chunk.text_bytes_capacity = (size_t)PDB_CHUNK_ROWS * 64;
    }
    if (decode->type != PDB_TYPE_TEXT && column_chunk_lanes_widen(&chunk, decode->type) != 0) {
        column_chunk_deinit(&chunk);
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    struct bench_rng rng;
    bench_rng_init(&rng, bench_seed(), 200 + (uint64_t)decode->shape);
    fill_chunk(decode, &chunk, &rng);
    column_chunk_refresh_summary(&chunk, decode->type);
    if (column_chunk_seal(&chunk, decode->type) != 0) { /* the form decoding gives */
        column_chunk_deinit(&chunk);
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    decode->decoded_bytes = column_chunk_memory_size(&chunk, decode->type);
    buffer_init(&decode->block);
    struct pdb_error pdb_error = {0};
    enum pdb_status status = block_encode(&chunk, decode->type, &decode->block, &pdb_error);
    if (text != NULL) {
        chunk.text_bytes = NULL; /* ours, not the chunk's */
        chunk.text_bytes_capacity = 0;
        bench_free(text);
    }
    column_chunk_deinit(&chunk);
    if (status != PDB_OK) {
        snprintf(error, error_size, "block_encode: %s", pdb_error.message);
        return -1;
    }
    if (decode->bench_case != NULL) {
        snprintf(decode->bench_case->label, sizeof decode->bench_case->label,
                 "seed=%llu encoded=%zu bytes (%.2f of the in-memory form)",
                 (unsigned long long)bench_seed(), decode->block.size,
                 (double)decode->block.size / (double)decode->decoded_bytes);
    }
    return 0;
}

static void decode_teardown(void *context)
{
    struct decode_case *decode = context;
    buffer_deinit(&decode->block);
}

static struct bench_result decode_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct decode_case *decode = context;
    struct bench_result result = {PDB_CHUNK_ROWS, decode->decoded_bytes, 0};
    struct column_chunk chunk;
    if (column_chunk_init(&chunk, decode->type) != 0) return (struct bench_result){0, 0, 0};
    struct pdb_error error = {0};
    if (block_decode(decode->block.data, decode->block.size, decode->type, DECODE_DICTIONARY_ENTRIES,
                     &chunk, &error) != PDB_OK) {
        fprintf(stderr, "profiledb_bench: block_decode failed: %s\n", error.message);
        result.rows = 0;
    }
    result.check = chunk.null_count;
    column_chunk_deinit(&chunk);
    return result;
}

static struct decode_case decode_cases[] = {
    {SHAPE_TIMESTAMP, PDB_TYPE_TIMESTAMP, 20, {0}, 0, NULL},
    {SHAPE_SMALL_INT, PDB_TYPE_INT, 120, {0}, 0, NULL},
    {SHAPE_CATEGORY, PDB_TYPE_CATEGORY, 50, {0}, 0, NULL},
    {SHAPE_EMAIL, PDB_TYPE_TEXT, 30, {0}, 0, NULL},
};
static const char *const decode_names[] = {"BM_decode/int64_timestamp", "BM_decode/int64_small",
                                           "BM_decode/category", "BM_decode/text_email"};

void bench_decode_register(void)
{
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++)
        decode_cases[i].bench_case = bench_registry_add(decode_names[i], decode_setup, decode_run,
                                                        decode_teardown, &decode_cases[i]);
}
