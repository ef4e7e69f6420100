/*
 * Tests for the text kernels (text_scalar.c, text_avx2.c, text_avx512.c): the scalar level
 * against a per-string model written another way, and every SIMD level against the scalar
 * one, on random chunks of short strings over a small alphabet (so patterns occur often,
 * also across two strings, where they must not match), with empty strings (a NULL row holds
 * one), long strings, empty patterns, patterns longer than any string, patterns of 1 to 40
 * bytes (the 8- and 16-byte boundaries of the fixed-offset compares), and matches at the very
 * start and end of the blob. Each blob is placed once against a guard page after its last
 * byte and once against one before its first byte, so reading outside offsets[0] ..
 * offsets[count] faults.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "simd_test_support.h"

#define ROWS_MAX SIMD_SCAN_COUNT_MAX
#define STRING_SIZE_MAX 64u
#define PATTERN_SIZE_MAX 40u

static const uint32_t counts[] = {0, 1, 2, 7, 63, 64, 65, 130, 1000, 65536};
#define COUNT_CASES (sizeof counts / sizeof counts[0])

static uint64_t model[ROWS_MAX / 64 + 1], want[ROWS_MAX / 64 + 1], got[ROWS_MAX / 64 + 1];
static const struct simd_kernels *scalar;
static const struct simd_kernels *levels[SIMD_LEVEL_COUNT];
static uint32_t level_count;

static void text_setup(void)
{
    scalar = simd_test_scalar();
    level_count = simd_test_levels(levels);
}

TestSuite(kernels_text, .init = text_setup);

enum text_kind { TEXT_STARTS, TEXT_ENDS, TEXT_CONTAINS, TEXT_KIND_COUNT };
static const char *const kind_names[TEXT_KIND_COUNT] = {"starts", "ends", "contains"};

typedef void (*text_kernel_fn)(const char *bytes, const uint32_t *offsets, uint32_t count,
                               const char *pattern, uint32_t pattern_size, uint64_t *out);

static text_kernel_fn kernel_of(const struct simd_kernels *kernels, enum text_kind kind)
{
    return kind == TEXT_STARTS ? kernels->text_starts
           : kind == TEXT_ENDS ? kernels->text_ends
                               : kernels->text_contains;
}

/* ---- Chunks ---------------------------------------------------------------------------------- */

struct chunk {
    uint32_t count;
    uint32_t *offsets; /* count + 1, starting at `base` */
    char *bytes;       /* plain heap copy, indexed by offsets */
    size_t size;       /* offsets[count] */
};

/* Strings of 0 .. STRING_SIZE_MAX bytes (a fifth empty, most short) over "ab" plus a rare
 * other byte (0, 0xFF, 'c'); offsets start at `base`. */
static void chunk_random(struct chunk *chunk, uint32_t count, uint32_t base, uint64_t *state)
{
    chunk->count = count;
    chunk->offsets = malloc((count + 1u) * sizeof(uint32_t));
    chunk->bytes = malloc(base + (size_t)count * STRING_SIZE_MAX + 1u);
    cr_assert(chunk->offsets && chunk->bytes);
    memset(chunk->bytes, '#', base);
    static const char rare[] = {'\0', '\xff', 'c', 'A'};
    uint32_t at = base;
    for (uint32_t row = 0; row < count; row++) {
        chunk->offsets[row] = at;
        uint32_t pick = simd_test_below(state, 10);
        uint32_t size = pick < 2   ? 0
                        : pick < 8 ? 1 + simd_test_below(state, 12)
                                   : simd_test_below(state, STRING_SIZE_MAX + 1u);
        for (uint32_t k = 0; k < size; k++) {
            uint32_t r = simd_test_below(state, 64);
            chunk->bytes[at++] = r < 2 ? rare[simd_test_below(state, 4)] : "ab"[r & 1u];
        }
    }
    chunk->offsets[count] = at;
    chunk->size = at;
}

static void chunk_free(struct chunk *chunk)
{
    free(chunk->offsets);
    free(chunk->bytes);
}

/* A copy of bytes[0 .. size) whose first byte follows an inaccessible page. */
static char *guarded_before(const char *bytes, size_t size, size_t *mapping_out)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t total = page + (size + page - 1) / page * page + page;
    char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(base, MAP_FAILED);
    cr_assert_eq(mprotect(base, page, PROT_NONE), 0);
    if (size) memcpy(base + page, bytes, size);
    *mapping_out = total;
    return base + page;
}

/* ---- The model --------------------------------------------------------------------------------
 */

static bool model_match(enum text_kind kind, const char *value, uint32_t size, const char *pattern,
                        uint32_t pattern_size)
{
    if (pattern_size > size) return false;
    for (uint32_t start = 0; start + pattern_size <= size; start++) {
        if (kind == TEXT_STARTS && start > 0) break;
        if (kind == TEXT_ENDS && start + pattern_size != size) continue;
        uint32_t k = 0;
        while (k < pattern_size && value[start + k] == pattern[k])
            k++;
        if (k == pattern_size) return true;
    }
    return false;
}

/* The scalar level against the model, then every level against scalar, with the blob against
 * a trailing guard page and then against a leading one. */
static void check(const struct chunk *chunk, enum text_kind kind, const char *pattern_source,
                  uint32_t pattern_size)
{
    uint32_t count = chunk->count, words = (count + 63u) / 64u;
    char *pattern = guarded_copy(pattern_source, pattern_size);
    /* Only offsets[0] .. offsets[count] may be read: the guarded copies start at offsets[0]. */
    uint32_t base = chunk->offsets[0];
    size_t used = chunk->size - base;
    char *after = guarded_copy(chunk->bytes + base, used);
    size_t mapping;
    char *before = guarded_before(chunk->bytes + base, used, &mapping);
    memset(model, 0, sizeof model);
    for (uint32_t row = 0; row < count; row++) {
        uint32_t size = chunk->offsets[row + 1] - chunk->offsets[row];
        if (model_match(kind, chunk->bytes + chunk->offsets[row], size, pattern, pattern_size))
            model[row / 64] |= 1ull << (row % 64);
    }
    char what[96];
    snprintf(what, sizeof what, "text_%s, pattern of %u bytes, base %u", kind_names[kind],
             pattern_size, base);
    const char *placements[2] = {after - base, before - base};
    for (int p = 0; p < 2; p++) {
        words_poison(want, words);
        kernel_of(scalar, kind)(placements[p], chunk->offsets, count, pattern, pattern_size, want);
        words_expect(want, model, count, scalar, what);
        for (uint32_t level = 0; level < level_count; level++) {
            words_poison(got, words);
            kernel_of(levels[level], kind)(placements[p], chunk->offsets, count, pattern,
                                           pattern_size, got);
            words_expect(got, model, count, levels[level], what);
        }
    }
    guarded_free(after, used);
    munmap(before - (size_t)sysconf(_SC_PAGESIZE), mapping);
    guarded_free(pattern, pattern_size);
}

/* Patterns: empty; random over the alphabet of 1 .. 40 bytes; a piece of the blob (often
 * across a string boundary); a whole string; the blob's first and last bytes. */
static uint32_t pattern_pick(const struct chunk *chunk, uint64_t *state, char *pattern)
{
    uint32_t pick = simd_test_below(state, 6);
    uint32_t base = chunk->offsets[0];
    size_t used = chunk->size - base;
    if (pick == 0 || used == 0) return 0;
    if (pick == 1) {
        uint32_t size = 1 + simd_test_below(state, PATTERN_SIZE_MAX);
        for (uint32_t k = 0; k < size; k++)
            pattern[k] = "ab"[simd_test_below(state, 2)];
        return size;
    }
    uint32_t size = 1 + simd_test_below(state, 24);
    if (size > used) size = (uint32_t)used;
    size_t start = pick == 2   ? simd_test_below(state, (uint32_t)(used - size + 1))
                   : pick == 3 ? 0
                   : pick == 4 ? used - size
                               : 0;
    if (pick == 5) { /* a whole non-empty string */
        uint32_t row = simd_test_below(state, chunk->count);
        size = chunk->offsets[row + 1] - chunk->offsets[row];
        if (size > PATTERN_SIZE_MAX) size = PATTERN_SIZE_MAX; /* then its prefix */
        start = chunk->offsets[row] - base;
    }
    memcpy(pattern, chunk->bytes + base + start, size);
    return size;
}

Test(kernels_text, levels_agree_with_the_model_on_random_chunks)
{
    uint64_t state = simd_test_seed(__LINE__);
    char pattern[PATTERN_SIZE_MAX];
    for (uint32_t c = 0; c < COUNT_CASES; c++) {
        struct chunk chunk;
        uint32_t base = simd_test_below(&state, 2) ? 0 : 1 + simd_test_below(&state, 100);
        chunk_random(&chunk, counts[c], base, &state);
        uint32_t rounds = counts[c] > 10000 ? 12 : 40;
        for (uint32_t round = 0; round < rounds; round++) {
            uint32_t size = pattern_pick(&chunk, &state, pattern);
            for (int kind = 0; kind < TEXT_KIND_COUNT; kind++)
                check(&chunk, (enum text_kind)kind, pattern, size);
        }
        chunk_free(&chunk);
    }
}

/* Strings laid out by hand: "ab|ba|" must not match "bb" or "abba" across strings. */
static void chunk_of(struct chunk *chunk, const char *const *strings, uint32_t count)
{
    chunk->count = count;
    chunk->offsets = malloc((count + 1u) * sizeof(uint32_t));
    size_t total = 0;
    for (uint32_t i = 0; i < count; i++)
        total += strlen(strings[i]);
    chunk->bytes = malloc(total + 1u);
    cr_assert(chunk->offsets && chunk->bytes);
    uint32_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        chunk->offsets[i] = at;
        memcpy(chunk->bytes + at, strings[i], strlen(strings[i]));
        at += (uint32_t)strlen(strings[i]);
    }
    chunk->offsets[count] = at;
    chunk->size = at;
}

static uint64_t first_word(const struct simd_kernels *kernels, enum text_kind kind,
                           const struct chunk *chunk, const char *pattern)
{
    uint64_t out[2] = {0, SIMD_TEST_SENTINEL};
    kernel_of(kernels, kind)(chunk->bytes, chunk->offsets, chunk->count, pattern,
                             (uint32_t)strlen(pattern), out);
    cr_assert_eq(out[1], SIMD_TEST_SENTINEL);
    return out[0];
}

Test(kernels_text, a_match_never_spans_two_strings)
{
    static const char *const strings[] = {"ab", "ba", "", "abba", "a", "b", "ab"};
    struct chunk chunk;
    chunk_of(&chunk, strings, 7);
    const struct simd_kernels *all[SIMD_LEVEL_COUNT] = {scalar};
    for (uint32_t i = 0; i < level_count; i++)
        all[i + 1] = levels[i];
    for (uint32_t i = 0; i <= level_count; i++) {
        const struct simd_kernels *k = all[i];
        cr_expect_eq(first_word(k, TEXT_CONTAINS, &chunk, "bb"), 1u << 3, "%s",
                     simd_level_name(k->level));
        cr_expect_eq(first_word(k, TEXT_CONTAINS, &chunk, "abba"), 1u << 3);
        cr_expect_eq(first_word(k, TEXT_CONTAINS, &chunk, "aba"), 0u); /* "ab" + "a" */
        cr_expect_eq(first_word(k, TEXT_CONTAINS, &chunk, "ab"), 1u | 1u << 3 | 1u << 6);
        cr_expect_eq(first_word(k, TEXT_CONTAINS, &chunk, ""), 0x7Fu, "empty matches all");
        cr_expect_eq(first_word(k, TEXT_STARTS, &chunk, ""), 0x7Fu);
        cr_expect_eq(first_word(k, TEXT_ENDS, &chunk, "a"), 1u << 1 | 1u << 3 | 1u << 4);
        cr_expect_eq(first_word(k, TEXT_ENDS, &chunk, "bab"), 0u);   /* "b" + "ab" */
        cr_expect_eq(first_word(k, TEXT_STARTS, &chunk, "aab"), 0u); /* "a" + "ab" ... */
        cr_expect_eq(first_word(k, TEXT_STARTS, &chunk, "abbax"), 0u);
    }
    chunk_free(&chunk);
}

/* Long strings (a whole chunk as one, or a few): the blob search's 64-byte blocks, a match
 * reaching the blob's last byte, and rows decided inside a block or past it. */
Test(kernels_text, long_strings_and_the_blob_edges)
{
    uint64_t state = simd_test_seed(__LINE__);
    static const uint32_t sizes[] = {1, 63, 64, 65, 127, 128, 129, 1000, 70000};
    char pattern[PATTERN_SIZE_MAX];
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (uint32_t rows = 1; rows <= 3; rows++) {
            struct chunk chunk;
            chunk.count = rows;
            chunk.offsets = malloc((rows + 1u) * sizeof(uint32_t));
            chunk.bytes = malloc((size_t)rows * sizes[s]);
            cr_assert(chunk.offsets && chunk.bytes);
            for (uint32_t r = 0; r <= rows; r++)
                chunk.offsets[r] = r * sizes[s];
            for (size_t k = 0; k < (size_t)rows * sizes[s]; k++)
                chunk.bytes[k] = simd_test_below(&state, 8) ? 'a' : 'b';
            chunk.size = (size_t)rows * sizes[s];
            for (uint32_t round = 0; round < 30; round++) {
                uint32_t size = pattern_pick(&chunk, &state, pattern);
                for (int kind = 0; kind < TEXT_KIND_COUNT; kind++)
                    check(&chunk, (enum text_kind)kind, pattern, size);
            }
            chunk_free(&chunk);
        }
    }
}
