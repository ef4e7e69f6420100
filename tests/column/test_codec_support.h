/*
 * Shared by the codec tests (tests/column/test_codec_*.c, test_encoding.c): chunks built
 * directly with a chosen value range ("width"), NULL pattern and row count; exact-size
 * copies of blocks so ASan sees any read past the end; a chunk comparison; and a round trip
 * through one encoding.
 */
#ifndef PDB_TESTS_COLUMN_CODEC_SUPPORT_H
#define PDB_TESTS_COLUMN_CODEC_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "column/column.h"
#include "column/encoding.h"

enum codec_test_nulls {
    CODEC_TEST_NULLS_NONE,
    CODEC_TEST_NULLS_SOME,   /* every third row and row 64: the bitset form */
    CODEC_TEST_NULLS_SPARSE, /* one row in 97: the NULL-row list */
    CODEC_TEST_NULLS_MOSTLY, /* all but one row in 50: the non-NULL-row list */
    CODEC_TEST_NULLS_ALL,
    CODEC_TEST_NULLS_COUNT,
};

extern const char *const codec_test_nulls_names[CODEC_TEST_NULLS_COUNT];
extern const uint32_t codec_test_row_counts[6];     /* 0, 1, 63, 64, 65, 65536 */
extern const uint32_t codec_test_widths[9];         /* 0, 1, 7, 8, 31, 32, 33, 63, 64 */
extern const enum block_encoding codec_test_encodings[8]; /* the chooser's tie order */

bool codec_test_is_null(enum codec_test_nulls nulls, uint32_t row);

/* A chunk of `type` (initialised here; column_chunk_deinit it). Non-NULL values depend on
 * `width` and `seed`:
 *   int/timestamp: base + [0, 2^width) as uint64, hitting both ends when two rows allow;
 *   float: (base + [0, 2^width)) / 100, cents (decimal when the magnitude allows);
 *   category: codes base + [0, 2^width), width <= 32;
 *   bool: width 0 all true, otherwise pseudo-random;
 *   text: lengths [0, 2^min(width, 6)), letters from a small alphabet;
 *   tags: up to min(2^width, 6) codes per row of a dictionary of
 *         codec_test_tags_dictionary_size(width) entries. */
void codec_test_chunk_make(struct column_chunk *chunk, enum pdb_type type, uint32_t rows,
                           enum codec_test_nulls nulls, uint32_t width, int64_t base,
                           uint64_t seed);
uint32_t codec_test_tags_dictionary_size(uint32_t width);

void codec_test_assert_chunks_equal(const struct column_chunk *expected,
                                    const struct column_chunk *actual, enum pdb_type type,
                                    const char *label);

/* Encodes `chunk` with `encoding` (false when the encoding does not apply), decodes the
 * block from an exact-size copy, checks it equals the chunk and re-encodes to the same
 * bytes. *size_out (may be NULL) = block size. */
bool codec_test_round_trip(const struct column_chunk *chunk, enum pdb_type type,
                           enum block_encoding encoding, uint32_t dictionary_entry_count,
                           const char *label, size_t *size_out);

/* Decodes an exact-size heap copy of block[0..size) into a fresh chunk; when it succeeds
 * also checks column_chunk_validate. Returns the status; error may be NULL. */
enum pdb_status codec_test_decode_copy(const uint8_t *block, size_t size, enum pdb_type type,
                                       uint32_t dictionary_entry_count, struct pdb_error *error);

uint64_t codec_test_random(uint64_t *state);

/* A block with the given header over an arbitrary payload (hand-made hostile blocks). */
void codec_test_block_make(struct buffer *out, enum pdb_type type, uint32_t encoding,
                           uint32_t rows, uint32_t nulls, const void *payload, size_t size);
/* Asserts that decoding `block` gives PDB_ERR_CORRUPT (with a message containing `needle`
 * unless NULL) without allocating anything. */
void codec_test_expect_corrupt(const struct buffer *block, enum pdb_type type,
                               uint32_t dictionary_entry_count, const char *needle,
                               const char *what);
/* The same for blocks only their decoded values show wrong (category codes beyond the
 * dictionary): exactly one allocation, the chunk's lane array, is allowed before refusing. */
void codec_test_expect_corrupt_decoded(const struct buffer *block, enum pdb_type type,
                                       uint32_t dictionary_entry_count, const char *needle,
                                       const char *what);

#endif
