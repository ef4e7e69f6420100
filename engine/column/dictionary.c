/*
 * String dictionary (see dictionary.h).
 */
#include "column/dictionary.h"

#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"

void dictionary_init(struct dictionary *dictionary)
{
    memset(dictionary, 0, sizeof *dictionary);
}

void dictionary_deinit(struct dictionary *dictionary)
{
    mem_free(dictionary->offsets);
    mem_free(dictionary->bytes);
    mem_free(dictionary->slots);
    dictionary_init(dictionary);
}

static uint32_t probe_start(const struct dictionary *dictionary, const char *string, size_t size)
{
    return (uint32_t)hash_bytes(string, size) & (dictionary->slot_count - 1);
}

uint32_t dictionary_find(const struct dictionary *dictionary, const char *string, size_t size)
{
    if (dictionary->slot_count == 0) return DICTIONARY_NO_CODE;
    uint32_t mask = dictionary->slot_count - 1;
    for (uint32_t slot = probe_start(dictionary, string, size);; slot = (slot + 1) & mask) {
        uint32_t entry = dictionary->slots[slot];
        if (entry == 0) return DICTIONARY_NO_CODE;
        uint32_t entry_size;
        const char *bytes = dictionary_entry(dictionary, entry - 1, &entry_size);
        if (entry_size == size && memcmp(bytes, string, size) == 0) return entry - 1;
    }
}

static int rehash(struct dictionary *dictionary, uint32_t slot_count)
{
    uint32_t *slots = mem_calloc(slot_count, sizeof *slots);
    if (slots == NULL) return -1;
    mem_free(dictionary->slots);
    dictionary->slots = slots;
    dictionary->slot_count = slot_count;
    for (uint32_t code = 0; code < dictionary->entry_count; code++) {
        uint32_t size;
        const char *bytes = dictionary_entry(dictionary, code, &size);
        uint32_t slot = probe_start(dictionary, bytes, size);
        while (slots[slot] != 0) slot = (slot + 1) & (slot_count - 1);
        slots[slot] = code + 1;
    }
    return 0;
}

enum pdb_status dictionary_intern(struct dictionary *dictionary, const char *string, size_t size,
                                  uint32_t *code_out, struct pdb_error *error)
{
    uint32_t code = dictionary_find(dictionary, string, size);
    if (code != DICTIONARY_NO_CODE) {
        *code_out = code;
        return PDB_OK;
    }
    if (dictionary->entry_count >= PDB_DICTIONARY_ENTRIES_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "dictionary holds %u distinct values (limit)",
                         PDB_DICTIONARY_ENTRIES_MAX);
    }
    /* Keep the load factor at or below one half. */
    if ((uint64_t)(dictionary->entry_count + 1) * 2 > dictionary->slot_count) {
        uint32_t next = dictionary->slot_count ? dictionary->slot_count * 2 : 64;
        if (rehash(dictionary, next) != 0) goto no_memory;
    }
    void *offsets = dictionary->offsets;
    if (mem_grow(&offsets, &dictionary->offsets_capacity, dictionary->entry_count + 2,
                 sizeof(uint64_t)) != 0)
        goto no_memory;
    dictionary->offsets = offsets;
    void *bytes = dictionary->bytes;
    if (mem_grow(&bytes, &dictionary->bytes_capacity, dictionary->bytes_size + size + 1, 1) != 0)
        goto no_memory;
    dictionary->bytes = bytes;

    code = dictionary->entry_count;
    dictionary->offsets[code] = dictionary->bytes_size;
    memcpy(dictionary->bytes + dictionary->bytes_size, string, size);
    dictionary->bytes_size += size;
    dictionary->offsets[code + 1] = dictionary->bytes_size;
    dictionary->entry_count++;

    uint32_t slot = probe_start(dictionary, string, size);
    while (dictionary->slots[slot] != 0) slot = (slot + 1) & (dictionary->slot_count - 1);
    dictionary->slots[slot] = code + 1;
    *code_out = code;
    return PDB_OK;

no_memory:
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory growing a dictionary");
}

int dictionary_validate(const struct dictionary *dictionary)
{
    if (dictionary->entry_count == 0) return dictionary->bytes_size == 0 ? 0 : -1;
    if (dictionary->offsets[0] != 0) return -1;
    if (dictionary->offsets[dictionary->entry_count] != dictionary->bytes_size) return -1;
    for (uint32_t code = 0; code < dictionary->entry_count; code++) {
        if (dictionary->offsets[code] > dictionary->offsets[code + 1]) return -1;
        uint32_t size;
        const char *bytes = dictionary_entry(dictionary, code, &size);
        if (dictionary_find(dictionary, bytes, size) != code) return -1;
    }
    return 0;
}
