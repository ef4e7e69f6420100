/*
 * Tests for base/bitset.c against a bool-array model.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/bitset.h"

static uint64_t a[PDB_CHUNK_WORDS], b[PDB_CHUNK_WORDS];

Test(bitset, fill_sets_exactly_row_count_bits)
{
    uint32_t counts[] = {0, 1, 63, 64, 65, 1000, PDB_CHUNK_ROWS - 1, PDB_CHUNK_ROWS};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        bitset_fill(a, counts[i]);
        cr_assert_eq(bitset_count(a), counts[i]);
        if (counts[i]) cr_assert(bitset_test(a, counts[i] - 1));
        if (counts[i] < PDB_CHUNK_ROWS) cr_assert_not(bitset_test(a, counts[i]));
    }
}

Test(bitset, not_respects_row_count)
{
    uint32_t counts[] = {0, 1, 63, 64, 65, 12345, PDB_CHUNK_ROWS};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        bitset_zero(a);
        bitset_set(a, 0);
        bitset_not_inplace(a, counts[i]);
        uint64_t expected = counts[i] ? counts[i] - 1 : 0;
        cr_assert_eq(bitset_count(a), expected, "rows %u", counts[i]);
    }
}

Test(bitset, combinations_match_a_model)
{
    srand(7);
    static bool ma[PDB_CHUNK_ROWS], mb[PDB_CHUNK_ROWS];
    bitset_zero(a);
    bitset_zero(b);
    for (uint32_t i = 0; i < PDB_CHUNK_ROWS; i++) {
        ma[i] = rand() % 3 == 0;
        mb[i] = rand() % 2 == 0;
        if (ma[i]) bitset_set(a, i);
        if (mb[i]) bitset_set(b, i);
    }
    uint64_t and_words[PDB_CHUNK_WORDS], or_words[PDB_CHUNK_WORDS], andnot_words[PDB_CHUNK_WORDS];
    bitset_copy(and_words, a);
    bitset_and_inplace(and_words, b);
    bitset_copy(or_words, a);
    bitset_or_inplace(or_words, b);
    bitset_copy(andnot_words, a);
    bitset_andnot_inplace(andnot_words, b);
    for (uint32_t i = 0; i < PDB_CHUNK_ROWS; i++) {
        cr_assert_eq(bitset_test(and_words, i), ma[i] && mb[i]);
        cr_assert_eq(bitset_test(or_words, i), ma[i] || mb[i]);
        cr_assert_eq(bitset_test(andnot_words, i), ma[i] && !mb[i]);
    }
    bitset_zero(a);
    cr_assert(bitset_is_empty(a));
}
