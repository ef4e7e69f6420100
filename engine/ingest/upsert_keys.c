/*
 * The key set of one upsert load (see upsert_keys.h for the layout): slots of
 * (location + 1) << 24 | tag over a key store of 4 MiB blocks.
 */
#include "ingest/upsert_keys.h"

#include <assert.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"

#define SLOTS_MIN 1024u
#define TAG_BITS 24u
#define TAG_MASK ((UINT64_C(1) << TAG_BITS) - 1u)
#define LOCATION_BITS (64u - TAG_BITS)
/* Locations + 1 fit LOCATION_BITS: about 1 TiB of keys. */
#define BLOCKS_MAX (((size_t)1 << (LOCATION_BITS - UPSERT_KEYS_BLOCK_BITS)) - 1u)
#define ENTRY_HEADER_BYTES_MAX (4u + 3u) /* key index, LEB128 size of up to 2^21 - 1 */

static_assert(PDB_TEXT_VALUE_SIZE_MAX + ENTRY_HEADER_BYTES_MAX <= UPSERT_KEYS_BLOCK_SIZE_BYTES,
              "a largest key fits one block");
static_assert(PDB_TEXT_VALUE_SIZE_MAX < (1u << 21), "a key's size fits 3 LEB128 bytes");

static uint64_t tag_of(uint64_t hash)
{
    return hash >> LOCATION_BITS;
}

int upsert_keys_init(struct upsert_keys *keys, upsert_keys_hash_fn hash)
{
    memset(keys, 0, sizeof *keys);
    keys->hash = hash != NULL ? hash : hash_bytes;
    keys->slots = mem_calloc(SLOTS_MIN, sizeof *keys->slots);
    if (keys->slots == NULL) return -1;
    keys->slot_count = SLOTS_MIN;
    return 0;
}

void upsert_keys_deinit(struct upsert_keys *keys)
{
    for (size_t b = 0; b < keys->block_count; b++) mem_free(keys->blocks[b].data);
    mem_free(keys->blocks);
    mem_free(keys->slots);
    memset(keys, 0, sizeof *keys);
}

uint64_t upsert_keys_hash(const struct upsert_keys *keys, const void *key, size_t size)
{
    return keys->hash(key, size);
}

/* The entry at `at`: its key index (*index_out), bytes (*key_out) and size (returned). */
static size_t entry_read(const uint8_t *at, uint32_t *index_out, const uint8_t **key_out)
{
    memcpy(index_out, at, sizeof *index_out);
    at += sizeof *index_out;
    size_t size = 0;
    for (unsigned shift = 0;; shift += 7u) {
        uint8_t byte = *at++;
        size |= (size_t)(byte & 0x7Fu) << shift;
        if ((byte & 0x80u) == 0) break;
    }
    *key_out = at;
    return size;
}

static const uint8_t *entry_at(const struct upsert_keys *keys, uint64_t location)
{
    return keys->blocks[location >> UPSERT_KEYS_BLOCK_BITS].data +
           (location & (UPSERT_KEYS_BLOCK_SIZE_BYTES - 1u));
}

uint32_t upsert_keys_find(const struct upsert_keys *keys, const void *key, size_t size,
                          uint64_t hash)
{
    uint64_t tag = tag_of(hash);
    for (uint64_t slot = hash % keys->slot_count;;) {
        uint64_t word = keys->slots[slot];
        if (word == 0) return UPSERT_KEYS_NONE;
        if ((word & TAG_MASK) == tag) {
            uint32_t index;
            const uint8_t *stored;
            size_t stored_size = entry_read(entry_at(keys, (word >> TAG_BITS) - 1u), &index, &stored);
            if (stored_size == size && memcmp(stored, key, size) == 0) return index;
        }
        if (++slot == keys->slot_count) slot = 0;
    }
}

static void slot_place(uint64_t *slots, uint64_t slot_count, uint64_t word, uint64_t hash)
{
    uint64_t slot = hash % slot_count;
    while (slots[slot] != 0)
        if (++slot == slot_count) slot = 0;
    slots[slot] = word;
}

/* Grows the slots by 3/2. The keys are re-hashed from the store, read in order (block by
 * block), not through the old slots, so the reads are sequential. */
static int slots_grow(struct upsert_keys *keys)
{
    uint64_t count = keys->slot_count + keys->slot_count / 2u;
    uint64_t *slots = mem_calloc(count, sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t b = 0; b < keys->block_count; b++) {
        const uint8_t *data = keys->blocks[b].data;
        for (uint32_t offset = 0; offset < keys->blocks[b].used_bytes;) {
            uint32_t index;
            const uint8_t *stored;
            size_t size = entry_read(data + offset, &index, &stored);
            uint64_t location = ((uint64_t)b << UPSERT_KEYS_BLOCK_BITS) | offset;
            uint64_t hash = keys->hash(stored, size);
            slot_place(slots, count, (location + 1u) << TAG_BITS | tag_of(hash), hash);
            offset = (uint32_t)(stored + size - data);
        }
    }
    mem_free(keys->slots);
    keys->slots = slots;
    keys->slot_count = count;
    return 0;
}

/* Room for an entry of `entry_size` bytes at the end of the store: 0, or -1. */
static int store_reserve(struct upsert_keys *keys, size_t entry_size)
{
    if (keys->block_count > 0 &&
        keys->blocks[keys->block_count - 1u].used_bytes + entry_size <= UPSERT_KEYS_BLOCK_SIZE_BYTES)
        return 0;
    if (keys->block_count == BLOCKS_MAX) return -1;
    if (keys->block_count == keys->block_capacity) {
        void *grown = keys->blocks;
        size_t capacity = keys->block_capacity;
        if (mem_grow(&grown, &capacity, keys->block_count + 1u, sizeof *keys->blocks) != 0) return -1;
        keys->blocks = grown;
        keys->block_capacity = capacity;
    }
    uint8_t *data = mem_alloc(UPSERT_KEYS_BLOCK_SIZE_BYTES);
    if (data == NULL) return -1;
    keys->blocks[keys->block_count++] = (struct upsert_keys_block){.data = data, .used_bytes = 0};
    return 0;
}

int upsert_keys_add(struct upsert_keys *keys, const void *key, size_t size, uint64_t hash)
{
    assert(size <= PDB_TEXT_VALUE_SIZE_MAX);
    if (keys->key_count >= UPSERT_KEYS_COUNT_MAX) return -1;
    if ((keys->key_count + 1u) * 4u > keys->slot_count * 3u && slots_grow(keys) != 0) return -1;
    uint8_t header[ENTRY_HEADER_BYTES_MAX];
    uint32_t index = (uint32_t)keys->key_count;
    memcpy(header, &index, sizeof index);
    size_t header_size = sizeof index;
    size_t left = size;
    do {
        uint8_t byte = (uint8_t)(left & 0x7Fu);
        left >>= 7;
        header[header_size++] = left != 0 ? (uint8_t)(byte | 0x80u) : byte;
    } while (left != 0);
    if (store_reserve(keys, header_size + size) != 0) return -1;
    struct upsert_keys_block *block = &keys->blocks[keys->block_count - 1u];
    uint64_t location = ((uint64_t)(keys->block_count - 1u) << UPSERT_KEYS_BLOCK_BITS) | block->used_bytes;
    memcpy(block->data + block->used_bytes, header, header_size);
    if (size > 0) memcpy(block->data + block->used_bytes + header_size, key, size);
    block->used_bytes += (uint32_t)(header_size + size);
    slot_place(keys->slots, keys->slot_count, (location + 1u) << TAG_BITS | tag_of(hash), hash);
    keys->key_count++;
    return 0;
}

uint64_t upsert_keys_memory_size(const struct upsert_keys *keys)
{
    return keys->slot_count * sizeof *keys->slots +
           (uint64_t)keys->block_count * UPSERT_KEYS_BLOCK_SIZE_BYTES +
           keys->block_capacity * sizeof *keys->blocks;
}
