/*
 * The scan kernels of engine/simd/simd.h at every SIMD level this CPU supports, called the
 * way the executor calls them: one chunk of 65,536 values per call into a reused 1,024-word
 * output.
 *
 *   BM_simd_<kernel>/<level>/mem    256 MiB of values (4,096 chunks of u8 .. 512 of u64),
 *                                   far beyond the caches: memory-speed scanning
 *   BM_simd_<kernel>/<level>/cache  one chunk again and again (at most 512 KiB: in L2)
 *
 * Kernels: range over every lane type (bounds keep about half the values), IN with a set of
 * 4 values, lookup in a dictionary-style table (256 / 65,536 / 1,024 entries for u8 / u16 /
 * u32 codes, a quarter of them set), and the chunk-bitset combinators (two 1,024-word bitsets
 * per call, combined in place). Items are values (rows); bytes are the input bytes read.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#ifdef PDB_BENCH_HAVE_SIMD
#include "base/limits.h"
#include "simd/simd.h"

#define CHUNK_VALUES PDB_CHUNK_ROWS
#define IN_SET_COUNT 4u

enum kernel_kind { KIND_RANGE, KIND_IN, KIND_LOOKUP, KIND_BITSET };
enum lane { LANE_I8, LANE_I16, LANE_I32, LANE_I64, LANE_U8, LANE_U16, LANE_U32, LANE_U64, LANE_F32, LANE_F64 };
enum bitset_operation { BITSET_AND, BITSET_OR, BITSET_ANDNOT, BITSET_COUNT, BITSET_AND_COUNT };

struct kernel_spec {
    const char *name;
    enum kernel_kind kind;
    enum lane lane;
    uint64_t modulus;  /* values are drawn in [0, modulus); 0 = every bit pattern / [0, 1) */
    uint32_t table_entries; /* lookups */
    enum bitset_operation operation;
};

static const struct kernel_spec specs[] = {
    {"range_i8", KIND_RANGE, LANE_I8, 0, 0, 0},
    {"range_i16", KIND_RANGE, LANE_I16, 0, 0, 0},
    {"range_i32", KIND_RANGE, LANE_I32, 0, 0, 0},
    {"range_i64", KIND_RANGE, LANE_I64, 0, 0, 0},
    {"range_u8", KIND_RANGE, LANE_U8, 0, 0, 0},
    {"range_u16", KIND_RANGE, LANE_U16, 0, 0, 0},
    {"range_u32", KIND_RANGE, LANE_U32, 0, 0, 0},
    {"range_u64", KIND_RANGE, LANE_U64, 0, 0, 0},
    {"range_f32", KIND_RANGE, LANE_F32, 0, 0, 0},
    {"range_f64", KIND_RANGE, LANE_F64, 0, 0, 0},
    {"in_u8", KIND_IN, LANE_U8, 0, 0, 0},
    {"in_u16", KIND_IN, LANE_U16, 4096, 0, 0},
    {"in_u32", KIND_IN, LANE_U32, 1024, 0, 0},
    {"in_i64", KIND_IN, LANE_I64, 100, 0, 0},
    {"in_f64", KIND_IN, LANE_F64, 16, 0, 0},
    {"lookup_u8", KIND_LOOKUP, LANE_U8, 0, 256, 0},
    {"lookup_u16", KIND_LOOKUP, LANE_U16, 0, 65536, 0},
    {"lookup_u32", KIND_LOOKUP, LANE_U32, 1024, 1024, 0},
    {"bitset_and", KIND_BITSET, LANE_U64, 0, 0, BITSET_AND},
    {"bitset_or", KIND_BITSET, LANE_U64, 0, 0, BITSET_OR},
    {"bitset_andnot", KIND_BITSET, LANE_U64, 0, 0, BITSET_ANDNOT},
    {"bitset_count", KIND_BITSET, LANE_U64, 0, 0, BITSET_COUNT},
    {"bitset_and_count", KIND_BITSET, LANE_U64, 0, 0, BITSET_AND_COUNT},
};
#define SPEC_COUNT (sizeof specs / sizeof specs[0])

static const uint32_t lane_widths[] = {1, 2, 4, 8, 1, 2, 4, 8, 4, 8};

struct kernel_case {
    const struct kernel_spec *spec;
    const struct simd_kernels *kernels;
    int is_cached;
    void *values;
    uint64_t value_count;
    uint8_t *table;
    uint64_t set[IN_SET_COUNT]; /* the IN set, stored in the lane's type at its start */
    uint64_t *out;
};

/* ---- Data ----------------------------------------------------------------------------- */

static void fill_values(struct kernel_case *kernel, struct bench_rng *rng)
{
    const struct kernel_spec *spec = kernel->spec;
    for (uint64_t i = 0; i < kernel->value_count; i++) {
        uint64_t draw = bench_rng_next(rng);
        uint64_t value = spec->modulus ? draw % spec->modulus : draw;
        switch (spec->lane) {
        case LANE_I8:
        case LANE_U8: ((uint8_t *)kernel->values)[i] = (uint8_t)value; break;
        case LANE_I16:
        case LANE_U16: ((uint16_t *)kernel->values)[i] = (uint16_t)value; break;
        case LANE_I32:
        case LANE_U32: ((uint32_t *)kernel->values)[i] = (uint32_t)value; break;
        case LANE_I64:
        case LANE_U64: ((uint64_t *)kernel->values)[i] = value; break;
        case LANE_F32:
            ((float *)kernel->values)[i] = spec->modulus ? (float)value : (float)((draw >> 40) * 0x1.0p-24);
            break;
        case LANE_F64:
            ((double *)kernel->values)[i] = spec->modulus ? (double)value : (double)(draw >> 11) * 0x1.0p-53;
            break;
        }
    }
}

/* The IN set {1, 3, 5, 7} * step in the lane's type (sorted, distinct). */
static void fill_set(struct kernel_case *kernel)
{
    uint64_t step = kernel->spec->modulus ? kernel->spec->modulus / 8 : 32;
    for (uint32_t i = 0; i < IN_SET_COUNT; i++) {
        uint64_t value = (2 * i + 1) * step;
        switch (kernel->spec->lane) {
        case LANE_U8: ((uint8_t *)kernel->set)[i] = (uint8_t)value; break;
        case LANE_U16: ((uint16_t *)kernel->set)[i] = (uint16_t)value; break;
        case LANE_U32: ((uint32_t *)kernel->set)[i] = (uint32_t)value; break;
        case LANE_I64: ((int64_t *)kernel->set)[i] = (int64_t)value; break;
        case LANE_F64: ((double *)kernel->set)[i] = (double)value; break;
        default: break;
        }
    }
}

static int kernel_setup(void *context, char *error, size_t error_size)
{
    struct kernel_case *kernel = context;
    uint32_t width = lane_widths[kernel->spec->lane];
    uint64_t bytes = kernel->is_cached ? (uint64_t)CHUNK_VALUES * width : BENCH_MEMORY_BYTES;
    if (kernel->spec->kind == KIND_BITSET && kernel->is_cached) bytes = 2 * PDB_CHUNK_WORDS * sizeof(uint64_t);
    kernel->value_count = bytes / width;
    kernel->values = bench_alloc(bytes);
    kernel->out = bench_alloc(PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (kernel->spec->table_entries)
        kernel->table = bench_alloc(kernel->spec->table_entries + SIMD_LOOKUP_TABLE_PADDING);
    if (kernel->values == NULL || kernel->out == NULL ||
        (kernel->spec->table_entries && kernel->table == NULL)) {
        snprintf(error, error_size, "out of memory (%llu bytes)", (unsigned long long)bytes);
        return -1;
    }
    struct bench_rng rng;
    bench_rng_init(&rng, bench_seed(), 300 + (uint64_t)(kernel->spec - specs));
    fill_values(kernel, &rng);
    fill_set(kernel);
    if (kernel->table != NULL) {
        for (uint32_t i = 0; i < kernel->spec->table_entries + SIMD_LOOKUP_TABLE_PADDING; i++)
            kernel->table[i] = bench_rng_next(&rng) % 4 == 0;
    }
    memset(kernel->out, 0, PDB_CHUNK_WORDS * sizeof(uint64_t));
    return 0;
}

static void kernel_teardown(void *context)
{
    struct kernel_case *kernel = context;
    bench_free(kernel->values);
    bench_free(kernel->table);
    bench_free(kernel->out);
    kernel->values = NULL;
    kernel->table = NULL;
    kernel->out = NULL;
}

/* ---- Calls ---------------------------------------------------------------------------- */

static void scan_range(const struct simd_kernels *k, enum lane lane, const void *v, uint32_t n, uint64_t *out)
{
    switch (lane) {
    case LANE_I8: k->range_i8(v, n, 0, INT8_MAX, out); break;
    case LANE_I16: k->range_i16(v, n, 0, INT16_MAX, out); break;
    case LANE_I32: k->range_i32(v, n, 0, INT32_MAX, out); break;
    case LANE_I64: k->range_i64(v, n, 0, INT64_MAX, out); break;
    case LANE_U8: k->range_u8(v, n, UINT8_MAX / 4, UINT8_MAX / 4 * 3, out); break;
    case LANE_U16: k->range_u16(v, n, UINT16_MAX / 4, UINT16_MAX / 4 * 3, out); break;
    case LANE_U32: k->range_u32(v, n, UINT32_MAX / 4, UINT32_MAX / 4 * 3, out); break;
    case LANE_U64: k->range_u64(v, n, UINT64_MAX / 4, UINT64_MAX / 4 * 3, out); break;
    case LANE_F32: k->range_f32(v, n, 0.25f, 0.75f, out); break;
    case LANE_F64: k->range_f64(v, n, 0.25, 0.75, out); break;
    }
}

static void scan_in(const struct simd_kernels *k, enum lane lane, const void *v, uint32_t n,
                    const void *set, uint64_t *out)
{
    switch (lane) {
    case LANE_U8: k->in_u8(v, n, set, IN_SET_COUNT, out); break;
    case LANE_U16: k->in_u16(v, n, set, IN_SET_COUNT, out); break;
    case LANE_U32: k->in_u32(v, n, set, IN_SET_COUNT, out); break;
    case LANE_I64: k->in_i64(v, n, set, IN_SET_COUNT, out); break;
    case LANE_F64: k->in_f64(v, n, set, IN_SET_COUNT, out); break;
    default: break;
    }
}

static void scan_lookup(const struct simd_kernels *k, enum lane lane, const void *v, uint32_t n,
                        const uint8_t *table, uint64_t *out)
{
    switch (lane) {
    case LANE_U8: k->lookup_u8(v, n, table, out); break;
    case LANE_U16: k->lookup_u16(v, n, table, out); break;
    case LANE_U32: k->lookup_u32(v, n, table, out); break;
    default: break;
    }
}

/* Two consecutive chunk bitsets a, b: combine b into a in place, or count. */
static uint64_t combine(const struct simd_kernels *k, enum bitset_operation operation, uint64_t *a)
{
    const uint64_t *b = a + PDB_CHUNK_WORDS;
    switch (operation) {
    case BITSET_AND: k->bitset_and(a, b, PDB_CHUNK_WORDS); return a[0];
    case BITSET_OR: k->bitset_or(a, b, PDB_CHUNK_WORDS); return a[0];
    case BITSET_ANDNOT: k->bitset_andnot(a, b, PDB_CHUNK_WORDS); return a[0];
    case BITSET_COUNT: return k->bitset_count(a, PDB_CHUNK_WORDS);
    case BITSET_AND_COUNT: return k->bitset_and_count(a, b, PDB_CHUNK_WORDS);
    }
    return 0;
}

static struct bench_result kernel_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct kernel_case *kernel = context;
    const struct kernel_spec *spec = kernel->spec;
    uint32_t width = lane_widths[spec->lane];
    struct bench_result result = {0, 0, 0};
    if (spec->kind == KIND_BITSET) {
        uint64_t *words = kernel->values;
        int is_unary = spec->operation == BITSET_COUNT;
        for (uint64_t at = 0; at + 2 * PDB_CHUNK_WORDS <= kernel->value_count; at += 2 * PDB_CHUNK_WORDS) {
            result.check += combine(kernel->kernels, spec->operation, words + at);
            result.rows += PDB_CHUNK_ROWS;
            result.bytes += (is_unary ? 1u : 2u) * PDB_CHUNK_WORDS * sizeof(uint64_t);
        }
        return result;
    }
    const uint8_t *values = kernel->values;
    for (uint64_t at = 0; at < kernel->value_count; at += CHUNK_VALUES) {
        uint32_t count = (uint32_t)(kernel->value_count - at < CHUNK_VALUES ? kernel->value_count - at : CHUNK_VALUES);
        const void *chunk = values + at * width;
        switch (spec->kind) {
        case KIND_RANGE: scan_range(kernel->kernels, spec->lane, chunk, count, kernel->out); break;
        case KIND_IN: scan_in(kernel->kernels, spec->lane, chunk, count, kernel->set, kernel->out); break;
        case KIND_LOOKUP: scan_lookup(kernel->kernels, spec->lane, chunk, count, kernel->table, kernel->out); break;
        case KIND_BITSET: break;
        }
        result.check += kernel->out[0];
        result.rows += count;
        result.bytes += (uint64_t)count * width;
    }
    return result;
}

/* ---- Registration --------------------------------------------------------------------- */

static struct kernel_case kernel_cases[SPEC_COUNT * SIMD_LEVEL_COUNT * 2];
static uint32_t kernel_case_count;

void bench_kernels_register(void)
{
    static const struct {
        enum simd_level level;
        const char *name;
    } levels[] = {{SIMD_LEVEL_AVX512, "avx512"}, {SIMD_LEVEL_AVX2, "avx2"}, {SIMD_LEVEL_SCALAR, "scalar"}};
    for (size_t s = 0; s < SPEC_COUNT; s++) {
        for (int is_cached = 0; is_cached < 2; is_cached++) {
            for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
                const struct simd_kernels *kernels = simd_kernels_for(levels[l].level);
                if (kernels == NULL) continue;
                struct kernel_case *kernel = &kernel_cases[kernel_case_count++];
                *kernel = (struct kernel_case){.spec = &specs[s], .kernels = kernels, .is_cached = is_cached};
                char name[BENCH_NAME_SIZE];
                snprintf(name, sizeof name, "BM_simd_%s/%s/%s", specs[s].name, levels[l].name,
                         is_cached ? "cache" : "mem");
                bench_registry_add(name, kernel_setup, kernel_run, kernel_teardown, kernel);
            }
        }
    }
}

#else

void bench_kernels_register(void)
{
}

#endif
