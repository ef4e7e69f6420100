/*
 * Tests for ingest/upsert_keys.c, the key set of an upsert load: every added key is found
 * with its index and no other key is (against the keys' own list, the oracle), through slot
 * growth, full tag collisions (a constant hash), keys that fill a 4 MiB block and move on to
 * the next, empty and largest keys, and allocation failures that leave the set unchanged.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "ingest/upsert_keys.h"

static uint64_t constant_hash(const void *data, size_t size)
{
    (void)data;
    (void)size;
    return 0x123456789ABCDEFull;
}

static size_t key_text(uint32_t i, char *buffer)
{
    return (size_t)snprintf(buffer, 32, "C%09u", i);
}

static uint32_t find_text(const struct upsert_keys *keys, const char *key, size_t size)
{
    return upsert_keys_find(keys, key, size, upsert_keys_hash(keys, key, size));
}

static void add_text(struct upsert_keys *keys, const void *key, size_t size)
{
    cr_assert_eq(upsert_keys_add(keys, key, size, upsert_keys_hash(keys, key, size)), 0);
}

Test(upsert_keys, finds_every_key_with_its_index_through_growth)
{
    struct upsert_keys keys;
    cr_assert_eq(upsert_keys_init(&keys, NULL), 0);
    char key[32];
    const uint32_t count = 300000;
    for (uint32_t i = 0; i < count; i++) {
        size_t size = key_text(i * 2u, key);
        cr_assert_eq(find_text(&keys, key, size), UPSERT_KEYS_NONE, "key %u before its add", i);
        add_text(&keys, key, size);
    }
    cr_assert_eq(keys.key_count, count);
    cr_assert(keys.key_count * 4u <= keys.slot_count * 3u, "at most 3/4 full");
    for (uint32_t i = 0; i < count; i++) {
        size_t size = key_text(i * 2u, key);
        cr_assert_eq(find_text(&keys, key, size), i, "key %u", i);
        size = key_text(i * 2u + 1u, key);
        cr_assert_eq(find_text(&keys, key, size), UPSERT_KEYS_NONE, "absent key %u", i);
    }
    /* A prefix of a key is not the key. */
    cr_assert_eq(find_text(&keys, "C00000000", 9), UPSERT_KEYS_NONE);
    cr_assert(upsert_keys_memory_size(&keys) < (uint64_t)count * 32u + UPSERT_KEYS_BLOCK_SIZE_BYTES);
    upsert_keys_deinit(&keys);
}

Test(upsert_keys, full_collisions_compare_the_bytes)
{
    struct upsert_keys keys;
    cr_assert_eq(upsert_keys_init(&keys, constant_hash), 0);
    char key[32];
    for (uint32_t i = 0; i < 3000; i++) {
        size_t size = key_text(i, key);
        cr_assert_eq(find_text(&keys, key, size), UPSERT_KEYS_NONE);
        add_text(&keys, key, size);
    }
    for (uint32_t i = 0; i < 3000; i++) {
        size_t size = key_text(i, key);
        cr_assert_eq(find_text(&keys, key, size), i, "key %u", i);
    }
    cr_assert_eq(find_text(&keys, "C000000001", 10), 1u);
    cr_assert_eq(find_text(&keys, "C00000000", 9), UPSERT_KEYS_NONE, "shorter key, same hash");
    cr_assert_eq(find_text(&keys, "", 0), UPSERT_KEYS_NONE);
    upsert_keys_deinit(&keys);
}

Test(upsert_keys, empty_and_largest_keys_span_blocks)
{
    struct upsert_keys keys;
    cr_assert_eq(upsert_keys_init(&keys, NULL), 0);
    size_t large = PDB_TEXT_VALUE_SIZE_MAX;
    char *bytes = malloc(large);
    cr_assert_not_null(bytes);
    add_text(&keys, "", 0);
    /* Nine largest keys (differing in their last byte) need three 4 MiB blocks. */
    for (uint32_t i = 0; i < 9; i++) {
        memset(bytes, 'x', large);
        bytes[large - 1u] = (char)('0' + i);
        add_text(&keys, bytes, large);
        add_text(&keys, bytes, 200u + i); /* 2-byte LEB128 sizes between them */
    }
    cr_assert_eq(keys.block_count, 3u);
    /* Growth re-reads the store block by block: force it with short keys. */
    char key[32];
    for (uint32_t i = 0; i < 2000; i++) add_text(&keys, key, key_text(i, key));
    cr_assert_eq(find_text(&keys, "", 0), 0u);
    for (uint32_t i = 0; i < 9; i++) {
        memset(bytes, 'x', large);
        bytes[large - 1u] = (char)('0' + i);
        cr_assert_eq(upsert_keys_find(&keys, bytes, large, upsert_keys_hash(&keys, bytes, large)),
                     1u + 2u * i, "largest key %u", i);
        cr_assert_eq(find_text(&keys, bytes, 200u + i), 2u + 2u * i, "key of %u bytes", 200u + i);
    }
    bytes[large - 1u] = 'z';
    cr_assert_eq(upsert_keys_find(&keys, bytes, large, upsert_keys_hash(&keys, bytes, large)),
                 UPSERT_KEYS_NONE);
    for (uint32_t i = 0; i < 2000; i++) {
        size_t size = key_text(i, key);
        cr_assert_eq(find_text(&keys, key, size), 19u + i, "key %u", i);
    }
    free(bytes);
    upsert_keys_deinit(&keys);
}

/* Every allocation of an add that fails leaves the set as it was; the add then succeeds. */
Test(upsert_keys, allocation_failures_leave_the_set_unchanged)
{
    mem_fail_after(0);
    struct upsert_keys failed;
    cr_assert_eq(upsert_keys_init(&failed, NULL), -1);
    mem_fail_after(UINT64_MAX);
    struct upsert_keys keys;
    cr_assert_eq(upsert_keys_init(&keys, NULL), 0);
    char key[32];
    uint32_t failures = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        size_t size = key_text(i, key);
        uint64_t hash = upsert_keys_hash(&keys, key, size);
        mem_fail_after(0);
        int result = upsert_keys_add(&keys, key, size, hash);
        mem_fail_after(UINT64_MAX);
        if (result != 0) {
            failures++;
            cr_assert_eq(keys.key_count, i, "count unchanged after a failed add");
            cr_assert_eq(upsert_keys_find(&keys, key, size, hash), UPSERT_KEYS_NONE);
            cr_assert_eq(upsert_keys_add(&keys, key, size, hash), 0);
        }
    }
    cr_assert(failures >= 3u, "the first block and slot growths were refused (%u)", failures);
    for (uint32_t i = 0; i < 5000; i++) {
        size_t size = key_text(i, key);
        cr_assert_eq(find_text(&keys, key, size), i, "key %u", i);
    }
    upsert_keys_deinit(&keys);
}
