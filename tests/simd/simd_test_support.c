/*
 * Shared helpers for the simd tests (see simd_test_support.h).
 */
#include "simd_test_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

uint64_t simd_test_seed(uint64_t default_seed)
{
    const char *text = getenv("PDB_TEST_SEED");
    uint64_t seed = text != NULL ? strtoull(text, NULL, 0) : default_seed;
    cr_log_info("seed %llu (set PDB_TEST_SEED to replay)", (unsigned long long)seed);
    fprintf(stderr, "simd test seed %llu (set PDB_TEST_SEED to replay)\n",
            (unsigned long long)seed);
    return seed;
}

uint64_t simd_test_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t simd_test_below(uint64_t *state, uint32_t bound)
{
    return (uint32_t)(simd_test_random(state) % bound);
}

/* ---- Guarded buffers: [padding | data | guard page] ------------------------------------------ */

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t mapping_size(size_t size)
{
    size_t page = page_size();
    return (size + page - 1) / page * page + page;
}

void *guarded_alloc(size_t size)
{
    size_t total = mapping_size(size);
    char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(base, MAP_FAILED, "mmap of %zu bytes", total);
    char *guard = base + total - page_size();
    cr_assert_eq(mprotect(guard, page_size(), PROT_NONE), 0);
    return guard - size;
}

void guarded_free(void *pointer, size_t size)
{
    size_t total = mapping_size(size);
    char *guard = (char *)pointer + size;
    munmap(guard + page_size() - total, total);
}

void *guarded_copy(const void *source, size_t size)
{
    void *copy = guarded_alloc(size);
    if (size) memcpy(copy, source, size);
    return copy;
}

/* ---- Levels and words --------------------------------------------------------------------- */

uint32_t simd_test_levels(const struct simd_kernels **levels_out)
{
    uint32_t count = 0;
    for (int level = SIMD_LEVEL_AVX2; level < SIMD_LEVEL_COUNT; level++) {
        const struct simd_kernels *kernels = simd_kernels_for((enum simd_level)level);
        if (kernels != NULL)
            levels_out[count++] = kernels;
        else
            cr_log_warn("this CPU lacks %s: not tested", simd_level_name((enum simd_level)level));
    }
    return count;
}

const struct simd_kernels *simd_test_scalar(void)
{
    const struct simd_kernels *scalar = simd_kernels_for(SIMD_LEVEL_SCALAR);
    cr_assert_not_null(scalar);
    return scalar;
}

void words_poison(uint64_t *words, uint32_t word_count)
{
    for (uint32_t i = 0; i <= word_count; i++)
        words[i] = SIMD_TEST_SENTINEL;
}

void words_expect(const uint64_t *got, const uint64_t *want, uint32_t count,
                  const struct simd_kernels *level, const char *what)
{
    uint32_t words = (count + 63u) / 64u;
    for (uint32_t i = 0; i < words; i++) {
        if (got[i] != want[i]) {
            cr_assert_fail("%s at %s, count %u: word %u is %016llx, scalar %016llx", what,
                           simd_level_name(level->level), count, i, (unsigned long long)got[i],
                           (unsigned long long)want[i]);
        }
    }
    if (count % 64u)
        cr_assert_eq(got[words - 1] >> (count % 64u), 0, "%s at %s, count %u: bits past count",
                     what, simd_level_name(level->level), count);
    cr_assert_eq(got[words], SIMD_TEST_SENTINEL, "%s at %s, count %u: wrote word %u", what,
                 simd_level_name(level->level), count, words);
}
