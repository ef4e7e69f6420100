/*
 * The memory-bandwidth yardstick: how fast this machine reads 256 MiB that no cache holds,
 * on one thread and on every core. BM_memory_read is a plain C loop (four independent sums,
 * vectorised by the compiler with the baseline instruction set); BM_memory_sum_u64/<level>
 * is the engine's own SIMD sum kernel at each level the CPU supports. bench/compare reads
 * these to say how close wide segment scans come to the bandwidth of the same bytes.
 */
#include "bench.h"

#include <stdio.h>
#include <unistd.h>

#ifdef PDB_BENCH_HAVE_SIMD
#include "simd/simd.h"
#endif

#define MEMORY_WORDS (BENCH_MEMORY_BYTES / sizeof(uint64_t))
#define CHUNK_VALUES 65536u

struct memory_case {
    const void *kernels; /* const struct simd_kernels *, NULL for the plain loop */
    uint64_t *words;
};

static int memory_setup(void *context, char *error, size_t error_size)
{
    struct memory_case *memory = context;
    memory->words = bench_alloc(BENCH_MEMORY_BYTES);
    if (memory->words == NULL) {
        snprintf(error, error_size, "out of memory (%u MiB)", BENCH_MEMORY_BYTES >> 20);
        return -1;
    }
    struct bench_rng rng;
    bench_rng_init(&rng, bench_seed(), 1);
    for (size_t i = 0; i < MEMORY_WORDS; i++) memory->words[i] = bench_rng_next(&rng);
    return 0;
}

static void memory_teardown(void *context)
{
    struct memory_case *memory = context;
    bench_free(memory->words);
    memory->words = NULL;
}

/* Plain loop: four accumulators so the additions do not form one dependency chain. */
static uint64_t read_loop(const uint64_t *words, uint64_t count)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    uint64_t i = 0;
    for (; i + 4 <= count; i += 4) {
        a += words[i];
        b += words[i + 1];
        c += words[i + 2];
        d += words[i + 3];
    }
    for (; i < count; i++) a += words[i];
    return a + b + c + d;
}

static struct bench_result memory_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    struct memory_case *memory = context;
    uint64_t begin, end;
    bench_slice(MEMORY_WORDS, CHUNK_VALUES, thread_index, thread_count, &begin, &end);
    struct bench_result result = {end - begin, (end - begin) * sizeof(uint64_t), 0};
#ifdef PDB_BENCH_HAVE_SIMD
    if (memory->kernels != NULL) {
        const struct simd_kernels *kernels = memory->kernels;
        result.check = kernels->sum_u64(memory->words + begin, end - begin);
        return result;
    }
#endif
    result.check = read_loop(memory->words + begin, end - begin);
    return result;
}

static struct memory_case memory_cases[8];
static uint32_t memory_case_count;

static void add_case(const char *name, const void *kernels, uint32_t thread_count)
{
    if (memory_case_count == sizeof memory_cases / sizeof memory_cases[0]) return;
    struct memory_case *memory = &memory_cases[memory_case_count++];
    memory->kernels = kernels;
    struct bench_case *bench_case =
        bench_registry_add(name, memory_setup, memory_run, memory_teardown, memory);
    if (bench_case == NULL) return;
    bench_case->thread_count = thread_count;
    snprintf(bench_case->label, sizeof bench_case->label, "seed=%llu bytes=%u MiB",
             (unsigned long long)bench_seed(), BENCH_MEMORY_BYTES >> 20);
}

void bench_memory_register(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t thread_counts[2] = {1, cores > 1 ? (uint32_t)cores : 1};
    uint32_t variants = thread_counts[1] > 1 ? 2 : 1;
    for (uint32_t v = 0; v < variants; v++) add_case("BM_memory_read/mem", NULL, thread_counts[v]);
#ifdef PDB_BENCH_HAVE_SIMD
    static const struct {
        enum simd_level level;
        const char *name;
    } levels[] = {{SIMD_LEVEL_AVX512, "avx512"}, {SIMD_LEVEL_AVX2, "avx2"}, {SIMD_LEVEL_SCALAR, "scalar"}};
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        const struct simd_kernels *kernels = simd_kernels_for(levels[l].level);
        if (kernels == NULL) continue;
        char name[BENCH_NAME_SIZE];
        snprintf(name, sizeof name, "BM_memory_sum_u64/%s/mem", levels[l].name);
        for (uint32_t v = 0; v < variants; v++) add_case(name, kernels, thread_counts[v]);
    }
#endif
}
