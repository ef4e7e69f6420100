/*
 * The keys one upsert load appends (ingest/upsert.h): a set of key -> index of the appended
 * row (0, 1, 2, ... in the order they were added), to find a key repeated later in the same
 * load. The rows themselves leave memory as their chunks fill, so the set keeps the keys.
 *
 * Layout, tuned for 10^8 short keys in one load (memory is the bound, not speed):
 * - Key store: 4 MiB blocks, filled in order, never moved; entry = the key index (4 bytes,
 *   native), the key's size (LEB128, 1-3 bytes) and its bytes. An entry never crosses a block
 *   (a largest key, PDB_TEXT_VALUE_SIZE_MAX, fits one block), so its location is
 *   block * 2^22 + offset.
 * - Slots: open addressing with linear probing over 8-byte words, (location + 1) << 24 | tag
 *   (0: empty), tag = the top 24 bits of the key's 64-bit hash; home slot = hash % slot_count.
 *   Any slot count (not a power of two), kept between 1/2 and 3/4 full: growth is by 3/2.
 *   A probe compares the tag, then the stored bytes.
 * So a key of n bytes (n < 128) costs n + 5 bytes of store plus 10.7-16 bytes of slots: about
 * 27-31 bytes for 10-byte keys (it was about 60 with 8-byte offsets and doubling arrays).
 *
 * Every allocation goes through base/alloc (failure injection). Not thread-safe: the loader's
 * append step calls it from one thread at a time.
 */
#ifndef PDB_INGEST_UPSERT_KEYS_H
#define PDB_INGEST_UPSERT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define UPSERT_KEYS_NONE UINT32_MAX
#define UPSERT_KEYS_BLOCK_BITS 22u
#define UPSERT_KEYS_BLOCK_SIZE_BYTES (1u << UPSERT_KEYS_BLOCK_BITS)
/* Keys of one set: the index must fit 32 bits with UPSERT_KEYS_NONE left free. */
#define UPSERT_KEYS_COUNT_MAX (UINT32_MAX - 2u)

/* The hash of key[0..size): hash_bytes by default; tests pass a weak one to force collisions. */
typedef uint64_t (*upsert_keys_hash_fn)(const void *data, size_t size);

struct upsert_keys_block {
    uint8_t *data; /* UPSERT_KEYS_BLOCK_SIZE_BYTES, owned */
    uint32_t used_bytes;
};

struct upsert_keys {
    upsert_keys_hash_fn hash;
    uint64_t *slots;
    uint64_t slot_count, key_count;
    struct upsert_keys_block *blocks;
    size_t block_count, block_capacity;
};

/* Empty set (`hash` NULL selects hash_bytes); 0, or -1 when out of memory (*keys then needs
 * no deinit). */
int upsert_keys_init(struct upsert_keys *keys, upsert_keys_hash_fn hash);
void upsert_keys_deinit(struct upsert_keys *keys);

/* The hash find and add take for key[0..size). */
uint64_t upsert_keys_hash(const struct upsert_keys *keys, const void *key, size_t size);

/* The index of key[0..size) (hash: upsert_keys_hash), or UPSERT_KEYS_NONE. Never allocates. */
uint32_t upsert_keys_find(const struct upsert_keys *keys, const void *key, size_t size,
                          uint64_t hash);

/* Adds key[0..size) (not in the set; size <= PDB_TEXT_VALUE_SIZE_MAX) as index key_count.
 * 0, or -1 when out of memory or past UPSERT_KEYS_COUNT_MAX (the set is then unchanged). */
int upsert_keys_add(struct upsert_keys *keys, const void *key, size_t size, uint64_t hash);

/* Bytes held (slots and key blocks). */
uint64_t upsert_keys_memory_size(const struct upsert_keys *keys);

#endif
