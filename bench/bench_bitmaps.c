/*
 * Roaring bitmaps (Debian's CRoaring 0.2.66) against the engine's chunk bitsets on the same
 * sets: two independent random sets over a 100,000,000-row universe at densities 1% and 50%.
 *
 *   BM_roaring_{and,or,cardinality,and_cardinality}/d<density>
 *   BM_chunk_bitset_{and,or,count,and_count}/<impl>/d<density>
 *
 * <impl> is "base" (engine/base/bitset.h, what the executor uses today) and, once the SIMD
 * kernels exist, each SIMD level. A chunk bitset is 1,024 words per 65,536 rows; AND and OR
 * copy the first input into one reused 8 KiB chunk and combine the second into it in place
 * (as the executor does), so the inputs stay untouched. and_count writes nothing with SIMD
 * (bitset_and_count); "base" has no such call and does copy, AND, count.
 * Items are rows of the universe; bytes are the inputs in bitset form (12.5 MB per set), so
 * the two families' rates compare directly. This is the measurement behind issue #3 point 7.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#include <roaring/roaring.h>

#include "base/bitset.h"
#include "base/limits.h"
#ifdef PDB_BENCH_HAVE_SIMD
#include "simd/simd.h"
#endif

#define UNIVERSE_ROWS 100000000u
#define UNIVERSE_CHUNKS ((UNIVERSE_ROWS + PDB_CHUNK_ROWS - 1) / PDB_CHUNK_ROWS)
#define UNIVERSE_BYTES ((uint64_t)UNIVERSE_ROWS / 8u)

enum bitmap_operation { OPERATION_AND, OPERATION_OR, OPERATION_COUNT, OPERATION_AND_COUNT };

/* Two sets at one density, as chunk bitsets and as roaring bitmaps; built once, kept. */
struct bitmap_data {
    uint32_t density_percent;
    int is_built;
    uint64_t *bitsets[2]; /* UNIVERSE_CHUNKS * PDB_CHUNK_WORDS words each */
    roaring_bitmap_t *roarings[2];
};

struct bitmap_case {
    struct bitmap_data *data;
    enum bitmap_operation operation;
    int is_roaring;
    const void *kernels; /* const struct simd_kernels *; NULL: engine/base/bitset.h */
    uint64_t *scratch;   /* one chunk bitset */
};

static struct bitmap_data datas[2] = {{.density_percent = 1}, {.density_percent = 50}};

static int data_build(struct bitmap_data *data, char *error, size_t error_size)
{
    if (data->is_built) return 0;
    size_t words = (size_t)UNIVERSE_CHUNKS * PDB_CHUNK_WORDS;
    uint32_t *positions = bench_alloc(PDB_CHUNK_ROWS * sizeof(uint32_t));
    for (int s = 0; s < 2; s++) {
        data->bitsets[s] = bench_alloc(words * sizeof(uint64_t));
        data->roarings[s] = roaring_bitmap_create();
        if (positions == NULL || data->bitsets[s] == NULL || data->roarings[s] == NULL) {
            snprintf(error, error_size, "out of memory building the %u%% bitmaps", data->density_percent);
            bench_free(positions);
            return -1;
        }
        memset(data->bitsets[s], 0, words * sizeof(uint64_t));
        struct bench_rng rng;
        bench_rng_init(&rng, bench_seed(), 100 + (uint64_t)s * 10 + data->density_percent);
        uint64_t threshold = (uint64_t)(data->density_percent / 100.0 * 18446744073709551616.0);
        for (uint32_t chunk = 0; chunk < UNIVERSE_CHUNKS; chunk++) {
            uint64_t *bits = data->bitsets[s] + (size_t)chunk * PDB_CHUNK_WORDS;
            uint32_t base = chunk * PDB_CHUNK_ROWS;
            uint32_t rows = UNIVERSE_ROWS - base < PDB_CHUNK_ROWS ? UNIVERSE_ROWS - base : PDB_CHUNK_ROWS;
            uint32_t position_count = 0;
            for (uint32_t row = 0; row < rows; row++) {
                int is_set = data->density_percent == 50 ? (int)(bench_rng_next(&rng) >> 63)
                                                         : bench_rng_next(&rng) < threshold;
                if (!is_set) continue;
                bitset_set(bits, row);
                positions[position_count++] = base + row;
            }
            roaring_bitmap_add_many(data->roarings[s], position_count, positions);
        }
    }
    bench_free(positions);
    data->is_built = 1;
    return 0;
}

static int bitmap_setup(void *context, char *error, size_t error_size)
{
    struct bitmap_case *bitmap = context;
    if (data_build(bitmap->data, error, error_size) != 0) return -1;
    if (bitmap->scratch == NULL) bitmap->scratch = bench_alloc(PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (bitmap->scratch == NULL) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    return 0;
}

static struct bench_result roaring_run(const struct bitmap_case *bitmap)
{
    roaring_bitmap_t *const *sets = bitmap->data->roarings;
    struct bench_result result = {UNIVERSE_ROWS, 2 * UNIVERSE_BYTES, 0};
    roaring_bitmap_t *made = NULL;
    switch (bitmap->operation) {
    case OPERATION_AND: made = roaring_bitmap_and(sets[0], sets[1]); break;
    case OPERATION_OR: made = roaring_bitmap_or(sets[0], sets[1]); break;
    case OPERATION_COUNT:
        result.bytes = UNIVERSE_BYTES;
        result.check = roaring_bitmap_get_cardinality(sets[0]);
        break;
    case OPERATION_AND_COUNT: result.check = roaring_bitmap_and_cardinality(sets[0], sets[1]); break;
    }
    if (made != NULL) {
        result.check = (uint64_t)(made != NULL);
        roaring_bitmap_free(made);
    }
    return result;
}

static uint64_t base_chunk(const struct bitmap_case *bitmap, const uint64_t *a, const uint64_t *b)
{
    uint64_t *out = bitmap->scratch;
    switch (bitmap->operation) {
    case OPERATION_AND:
        bitset_copy(out, a);
        bitset_and_inplace(out, b);
        return out[0];
    case OPERATION_OR:
        bitset_copy(out, a);
        bitset_or_inplace(out, b);
        return out[0];
    case OPERATION_COUNT: return bitset_count(a);
    case OPERATION_AND_COUNT:
        bitset_copy(out, a);
        bitset_and_inplace(out, b);
        return bitset_count(out);
    }
    return 0;
}

#ifdef PDB_BENCH_HAVE_SIMD
static uint64_t simd_chunk(const struct bitmap_case *bitmap, const uint64_t *a, const uint64_t *b)
{
    const struct simd_kernels *kernels = bitmap->kernels;
    uint64_t *out = bitmap->scratch;
    switch (bitmap->operation) {
    case OPERATION_AND:
        bitset_copy(out, a);
        kernels->bitset_and(out, b, PDB_CHUNK_WORDS);
        return out[0];
    case OPERATION_OR:
        bitset_copy(out, a);
        kernels->bitset_or(out, b, PDB_CHUNK_WORDS);
        return out[0];
    case OPERATION_COUNT: return kernels->bitset_count(a, PDB_CHUNK_WORDS);
    case OPERATION_AND_COUNT: return kernels->bitset_and_count(a, b, PDB_CHUNK_WORDS);
    }
    return 0;
}
#endif

static struct bench_result bitmap_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    const struct bitmap_case *bitmap = context;
    if (bitmap->is_roaring) return roaring_run(bitmap);
    int is_unary = bitmap->operation == OPERATION_COUNT;
    struct bench_result result = {UNIVERSE_ROWS, (is_unary ? 1 : 2) * UNIVERSE_BYTES, 0};
    for (uint32_t chunk = 0; chunk < UNIVERSE_CHUNKS; chunk++) {
        const uint64_t *a = bitmap->data->bitsets[0] + (size_t)chunk * PDB_CHUNK_WORDS;
        const uint64_t *b = bitmap->data->bitsets[1] + (size_t)chunk * PDB_CHUNK_WORDS;
#ifdef PDB_BENCH_HAVE_SIMD
        if (bitmap->kernels != NULL) {
            result.check += simd_chunk(bitmap, a, b);
            continue;
        }
#endif
        result.check += base_chunk(bitmap, a, b);
    }
    return result;
}

static struct bitmap_case bitmap_cases[96];
static uint32_t bitmap_case_count;

static void add_case(const char *family, const char *operation_name, const char *impl,
                     struct bitmap_data *data, enum bitmap_operation operation, int is_roaring,
                     const void *kernels)
{
    if (bitmap_case_count == sizeof bitmap_cases / sizeof bitmap_cases[0]) return;
    struct bitmap_case *bitmap = &bitmap_cases[bitmap_case_count++];
    *bitmap = (struct bitmap_case){data, operation, is_roaring, kernels, NULL};
    char name[BENCH_NAME_SIZE];
    if (impl != NULL)
        snprintf(name, sizeof name, "%s_%s/%s/d%u", family, operation_name, impl, data->density_percent);
    else
        snprintf(name, sizeof name, "%s_%s/d%u", family, operation_name, data->density_percent);
    struct bench_case *bench_case = bench_registry_add(name, bitmap_setup, bitmap_run, NULL, bitmap);
    if (bench_case == NULL) return;
    snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu universe=%u density=%u%%",
             (unsigned long long)bench_seed(), UNIVERSE_ROWS, data->density_percent);
}

void bench_bitmaps_register(void)
{
    static const struct {
        enum bitmap_operation operation;
        const char *roaring_name;
        const char *bitset_name;
    } operations[] = {{OPERATION_AND, "and", "and"},
                      {OPERATION_OR, "or", "or"},
                      {OPERATION_COUNT, "cardinality", "count"},
                      {OPERATION_AND_COUNT, "and_cardinality", "and_count"}};
    for (size_t d = 0; d < 2; d++) {
        for (size_t o = 0; o < sizeof operations / sizeof operations[0]; o++) {
            add_case("BM_roaring", operations[o].roaring_name, NULL, &datas[d], operations[o].operation, 1, NULL);
            add_case("BM_chunk_bitset", operations[o].bitset_name, "base", &datas[d],
                     operations[o].operation, 0, NULL);
#ifdef PDB_BENCH_HAVE_SIMD
            static const struct {
                enum simd_level level;
                const char *name;
            } levels[] = {{SIMD_LEVEL_AVX512, "avx512"}, {SIMD_LEVEL_AVX2, "avx2"}, {SIMD_LEVEL_SCALAR, "scalar"}};
            for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
                const struct simd_kernels *kernels = simd_kernels_for(levels[l].level);
                if (kernels == NULL) continue;
                add_case("BM_chunk_bitset", operations[o].bitset_name, levels[l].name, &datas[d],
                         operations[o].operation, 0, kernels);
            }
#endif
        }
    }
}
