/*
 * Tests for column/dictionary.c: dense first-seen codes, lookups of present and absent
 * strings (empty, binary, prefixes), growth through many rehashes against a naive model,
 * out-of-memory behaviour, and dictionary_validate on hand-made corruptions.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "column/dictionary.h"

static uint32_t intern(struct dictionary *dictionary, const char *string, size_t size)
{
    uint32_t code = DICTIONARY_NO_CODE;
    struct pdb_error error = {0};
    cr_assert_eq(dictionary_intern(dictionary, string, size, &code, &error), PDB_OK, "%s",
                 error.message);
    return code;
}

static void assert_entry(const struct dictionary *dictionary, uint32_t code, const char *string,
                         size_t size)
{
    uint32_t entry_size;
    const char *bytes = dictionary_entry(dictionary, code, &entry_size);
    cr_assert_eq(entry_size, size, "entry %u", code);
    cr_assert(memcmp(bytes, string, size) == 0, "entry %u", code);
}

Test(dictionary, empty_dictionary_finds_nothing_and_is_valid)
{
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    cr_assert_eq(dictionary.entry_count, 0u);
    cr_assert_eq(dictionary_find(&dictionary, "a", 1), DICTIONARY_NO_CODE);
    cr_assert_eq(dictionary_find(&dictionary, "", 0), DICTIONARY_NO_CODE);
    cr_assert_eq(dictionary_validate(&dictionary), 0);
    dictionary_deinit(&dictionary);
    dictionary_deinit(&dictionary); /* deinit leaves an empty, re-deinitable dictionary */
}

Test(dictionary, codes_are_dense_in_first_seen_order)
{
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    cr_assert_eq(intern(&dictionary, "red", 3), 0u);
    cr_assert_eq(intern(&dictionary, "green", 5), 1u);
    cr_assert_eq(intern(&dictionary, "red", 3), 0u);
    cr_assert_eq(intern(&dictionary, "blue", 4), 2u);
    cr_assert_eq(intern(&dictionary, "green", 5), 1u);
    cr_assert_eq(dictionary.entry_count, 3u);
    cr_assert_eq(dictionary.bytes_size, 12u);
    assert_entry(&dictionary, 0, "red", 3);
    assert_entry(&dictionary, 1, "green", 5);
    assert_entry(&dictionary, 2, "blue", 4);
    cr_assert_eq(dictionary_find(&dictionary, "blue", 4), 2u);
    cr_assert_eq(dictionary_validate(&dictionary), 0);
    dictionary_deinit(&dictionary);
}

Test(dictionary, distinguishes_case_prefixes_empty_and_binary)
{
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    uint32_t empty = intern(&dictionary, "", 0);
    uint32_t lower = intern(&dictionary, "abc", 3);
    uint32_t upper = intern(&dictionary, "ABC", 3);
    uint32_t prefix = intern(&dictionary, "ab", 2);
    uint32_t with_nul = intern(&dictionary, "ab\0c", 4);
    uint32_t with_nul2 = intern(&dictionary, "ab\0d", 4);
    uint32_t codes[] = {empty, lower, upper, prefix, with_nul, with_nul2};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(codes[i], (uint32_t)i, "strings are exact bytes");
    cr_assert_eq(dictionary_find(&dictionary, "", 0), empty);
    cr_assert_eq(dictionary_find(&dictionary, "abcd", 3), lower, "only size bytes count");
    cr_assert_eq(dictionary_find(&dictionary, "a", 1), DICTIONARY_NO_CODE);
    cr_assert_eq(dictionary_find(&dictionary, "ab\0e", 4), DICTIONARY_NO_CODE);
    assert_entry(&dictionary, with_nul, "ab\0c", 4);
    cr_assert_eq(dictionary_validate(&dictionary), 0);
    dictionary_deinit(&dictionary);
}

Test(dictionary, grows_through_many_rehashes_matching_a_model)
{
    enum { COUNT = 100000 };
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    char text[32];
    for (uint32_t i = 0; i < COUNT; i++) {
        int size = snprintf(text, sizeof text, "value-%u", i * 7919u);
        cr_assert_eq(intern(&dictionary, text, (size_t)size), i);
        /* Every power-of-two boundary: earlier entries are still found after the rehash. */
        if ((i & (i + 1)) == 0) {
            for (uint32_t k = 0; k <= i; k += 1 + i / 64) {
                size = snprintf(text, sizeof text, "value-%u", k * 7919u);
                cr_assert_eq(dictionary_find(&dictionary, text, (size_t)size), k);
            }
        }
    }
    cr_assert_eq(dictionary.entry_count, (uint32_t)COUNT);
    cr_assert_leq((uint64_t)dictionary.entry_count * 2, dictionary.slot_count,
                  "load factor stays at or below one half");
    for (uint32_t i = 0; i < COUNT; i++) {
        int size = snprintf(text, sizeof text, "value-%u", i * 7919u);
        cr_assert_eq(dictionary_find(&dictionary, text, (size_t)size), i);
        cr_assert_eq(intern(&dictionary, text, (size_t)size), i, "re-interning adds nothing");
        uint32_t entry_size;
        const char *bytes = dictionary_entry(&dictionary, i, &entry_size);
        cr_assert_eq(entry_size, (uint32_t)size);
        cr_assert(memcmp(bytes, text, (size_t)size) == 0);
    }
    cr_assert_eq(dictionary.entry_count, (uint32_t)COUNT);
    cr_assert_eq(dictionary_find(&dictionary, "value-1", 7), DICTIONARY_NO_CODE);
    cr_assert_eq(dictionary_validate(&dictionary), 0);
    dictionary_deinit(&dictionary);
}

Test(dictionary, out_of_memory_leaves_a_valid_dictionary)
{
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    char text[32];
    uint32_t failures = 0;
    for (uint32_t i = 0; i < 300; i++) {
        int size = snprintf(text, sizeof text, "v%u", i);
        uint32_t code = 12345;
        struct pdb_error error = {0};
        /* Fail each of the (up to three) allocations an intern may make, then succeed. */
        for (uint64_t fail_after = 0;; fail_after++) {
            cr_assert_lt(fail_after, 4u);
            mem_fail_after(fail_after);
            enum pdb_status status =
                dictionary_intern(&dictionary, text, (size_t)size, &code, &error);
            mem_fail_after(UINT64_MAX);
            if (status == PDB_OK) break;
            failures++;
            cr_assert_eq(status, PDB_ERR_NO_MEMORY);
            cr_assert_eq(code, 12345u, "out-parameter untouched on failure");
            cr_assert_eq(dictionary.entry_count, i);
            cr_assert_eq(dictionary_find(&dictionary, text, (size_t)size), DICTIONARY_NO_CODE);
            cr_assert_eq(dictionary_validate(&dictionary), 0);
        }
        cr_assert_eq(code, i);
    }
    cr_assert_gt(failures, 3u, "the test did hit allocation points");
    cr_assert_eq(dictionary_validate(&dictionary), 0);
    dictionary_deinit(&dictionary);
}

Test(dictionary, validate_catches_corruption)
{
    struct dictionary dictionary;
    dictionary_init(&dictionary);
    intern(&dictionary, "alpha", 5);
    intern(&dictionary, "beta", 4);
    intern(&dictionary, "gamma", 5);
    cr_assert_eq(dictionary_validate(&dictionary), 0);

    dictionary.bytes_size = 13;
    cr_assert_neq(dictionary_validate(&dictionary), 0, "last offset != bytes_size");
    dictionary.bytes_size = 14;

    dictionary.offsets[0] = 1;
    cr_assert_neq(dictionary_validate(&dictionary), 0, "first offset != 0");
    dictionary.offsets[0] = 0;

    dictionary.offsets[2] = 4;
    cr_assert_neq(dictionary_validate(&dictionary), 0, "decreasing offsets");
    dictionary.offsets[2] = 9;
    cr_assert_eq(dictionary_validate(&dictionary), 0);

    /* Make entry 2 equal entry 0: the table no longer maps it back to its own code. */
    memcpy(dictionary.bytes + 9, "alpha", 5);
    cr_assert_neq(dictionary_validate(&dictionary), 0, "duplicate entry");
    memcpy(dictionary.bytes + 9, "gamma", 5);
    cr_assert_eq(dictionary_validate(&dictionary), 0);

    dictionary_deinit(&dictionary);

    /* An empty dictionary with stray bytes. */
    dictionary_init(&dictionary);
    dictionary.bytes_size = 1;
    cr_assert_neq(dictionary_validate(&dictionary), 0);
    dictionary.bytes_size = 0;
}
