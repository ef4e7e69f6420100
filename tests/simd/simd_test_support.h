/*
 * Shared helpers for the simd tests: the seed (PDB_TEST_SEED replays a run), a deterministic
 * PRNG, buffers that end at a guard page (a kernel reading one byte past its input faults,
 * which ASan alone would not see for gathers), the SIMD levels this CPU runs, and word
 * comparison against the scalar reference.
 */
#ifndef PDB_TESTS_SIMD_TEST_SUPPORT_H
#define PDB_TESTS_SIMD_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "simd/simd.h"

/* The seed of this test: PDB_TEST_SEED if set, else default_seed; logged either way. */
uint64_t simd_test_seed(uint64_t default_seed);
uint64_t simd_test_random(uint64_t *state); /* splitmix64 */
/* A random index below `bound` (> 0). */
uint32_t simd_test_below(uint64_t *state, uint32_t bound);

/* size bytes whose last byte is followed by an inaccessible page; free with guarded_free. */
void *guarded_alloc(size_t size);
void guarded_free(void *pointer, size_t size);
/* A guarded copy of size bytes of `source`. */
void *guarded_copy(const void *source, size_t size);

/* The SIMD levels (not scalar) this CPU supports, best last; returns their count. */
uint32_t simd_test_levels(const struct simd_kernels **levels_out);
const struct simd_kernels *simd_test_scalar(void);

/* Output words for one kernel call: `words` words, then a sentinel the kernel must leave. */
#define SIMD_TEST_SENTINEL 0xA5A5A5A5A5A5A5A5ull
void words_poison(uint64_t *words, uint32_t word_count); /* sentinel in word_count + 1 words */
/* Asserts that got[0 .. (count + 63) / 64) equals want, that got's bits at and beyond count
 * are 0 and that the word after is still the sentinel; `what` names the case. */
void words_expect(const uint64_t *got, const uint64_t *want, uint32_t count,
                  const struct simd_kernels *level, const char *what);

#endif
