/*
 * The text kernels of engine/simd/simd.h (text_starts, text_ends, text_contains) at every SIMD
 * level this CPU supports, called the way predicate_string.c calls them: one chunk of 65,536
 * strings per call into a reused 1,024-word output.
 *
 *   BM_simd_text_<kernel>/<level>/cache  one chunk of email-like strings again and again
 *                                        (about 1.5 MiB of bytes plus offsets)
 *
 * The strings are "<name><digits>@<domain>" from small pools, so the patterns (STARTS WITH
 * "anna", ENDS WITH "@gmail.com", CONTAINS "smith") match a few percent of rows, as in the
 * bench/compare suite. Items are strings; bytes are the blob and offsets read.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

#ifdef PDB_BENCH_HAVE_SIMD
#include "base/limits.h"
#include "simd/simd.h"

#define TEXT_ROWS PDB_CHUNK_ROWS
#define TEXT_BYTES_MAX (TEXT_ROWS * 48u)

enum text_kernel { TEXT_STARTS, TEXT_ENDS, TEXT_CONTAINS, TEXT_KERNEL_COUNT };
static const char *const kernel_names[TEXT_KERNEL_COUNT] = {"starts", "ends", "contains"};
static const char *const kernel_patterns[TEXT_KERNEL_COUNT] = {"anna", "@gmail.com", "smith"};

struct text_case {
    const struct simd_kernels *kernels;
    enum text_kernel kernel;
    char *bytes;
    uint32_t *offsets;
    uint64_t *out;
};

static int text_setup(void *context, char *error, size_t error_size)
{
    static const char *const names[] = {"anna", "james", "smith", "maria", "lee", "jsmith",
                                        "anderson", "li", "garcia", "olsen", "kowalski", "annabel"};
    static const char *const domains[] = {"gmail.com", "yahoo.com", "example.org", "web.de",
                                          "outlook.com", "gmail.co"};
    struct text_case *text = context;
    text->bytes = bench_alloc(TEXT_BYTES_MAX);
    text->offsets = bench_alloc((TEXT_ROWS + 1u) * sizeof(uint32_t));
    text->out = bench_alloc(PDB_CHUNK_WORDS * sizeof(uint64_t));
    if (text->bytes == NULL || text->offsets == NULL || text->out == NULL) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    struct bench_rng rng;
    bench_rng_init(&rng, bench_seed(), 7);
    uint32_t at = 0;
    for (uint32_t row = 0; row < TEXT_ROWS; row++) {
        text->offsets[row] = at;
        char value[48];
        int size = snprintf(value, sizeof value, "%s%u@%s",
                            names[bench_rng_next(&rng) % (sizeof names / sizeof names[0])],
                            (unsigned)(bench_rng_next(&rng) % 1000u),
                            domains[bench_rng_next(&rng) % (sizeof domains / sizeof domains[0])]);
        memcpy(text->bytes + at, value, (size_t)size);
        at += (uint32_t)size;
    }
    text->offsets[TEXT_ROWS] = at;
    return 0;
}

static struct bench_result text_run(void *context, uint32_t thread_index, uint32_t thread_count)
{
    (void)thread_index;
    (void)thread_count;
    struct text_case *text = context;
    const char *pattern = kernel_patterns[text->kernel];
    uint32_t size = (uint32_t)strlen(pattern);
    const struct simd_kernels *k = text->kernels;
    switch (text->kernel) {
    case TEXT_STARTS: k->text_starts(text->bytes, text->offsets, TEXT_ROWS, pattern, size, text->out); break;
    case TEXT_ENDS: k->text_ends(text->bytes, text->offsets, TEXT_ROWS, pattern, size, text->out); break;
    default: k->text_contains(text->bytes, text->offsets, TEXT_ROWS, pattern, size, text->out); break;
    }
    struct bench_result result = {TEXT_ROWS, text->offsets[TEXT_ROWS] + (TEXT_ROWS + 1u) * 4u,
                                  text->out[0] ^ text->out[PDB_CHUNK_WORDS - 1]};
    return result;
}

static void text_teardown(void *context)
{
    struct text_case *text = context;
    bench_free(text->bytes);
    bench_free(text->offsets);
    bench_free(text->out);
    text->bytes = NULL;
    text->offsets = NULL;
    text->out = NULL;
}

static struct text_case text_cases[TEXT_KERNEL_COUNT * SIMD_LEVEL_COUNT];

void bench_text_register(void)
{
    static const struct {
        enum simd_level level;
        const char *name;
    } levels[] = {{SIMD_LEVEL_AVX512, "avx512"}, {SIMD_LEVEL_AVX2, "avx2"}, {SIMD_LEVEL_SCALAR, "scalar"}};
    uint32_t count = 0;
    for (int kernel = 0; kernel < TEXT_KERNEL_COUNT; kernel++) {
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            const struct simd_kernels *kernels = simd_kernels_for(levels[l].level);
            if (kernels == NULL) continue;
            struct text_case *text = &text_cases[count++];
            *text = (struct text_case){.kernels = kernels, .kernel = (enum text_kernel)kernel};
            char name[BENCH_NAME_SIZE];
            snprintf(name, sizeof name, "BM_simd_text_%s/%s/cache", kernel_names[kernel],
                     levels[l].name);
            bench_registry_add(name, text_setup, text_run, text_teardown, text);
        }
    }
}

#else

void bench_text_register(void)
{
}

#endif
