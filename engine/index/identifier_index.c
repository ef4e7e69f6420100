/*
 * Identifier indexes (see identifier_index.h): an open-addressing table of {row_id, tag}
 * slots, linear probing, at most 3/4 full. An extend grows the table once, up front, to fit
 * every new row as a new key (a category: at most its dictionary), re-placing the slots by
 * their tag alone (the home slot is tag & mask), so growing never reads the column; it then
 * inserts in batches whose home slots are prefetched together.
 *
 * row_key() is the one place that reads a column chunk's values (through column.h's accessors);
 * everything else sees a key as bytes.
 */
#include "index/identifier_index.h"

#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "column/dictionary.h"

#define INITIAL_SLOTS 1024u

struct identifier_slot {
    uint32_t row_id; /* IDENTIFIER_INDEX_NO_ROW: empty */
    uint32_t tag;    /* low 32 bits of the key's hash */
};

struct identifier_index {
    enum pdb_type type;
    identifier_hash_fn hash;
    struct identifier_slot *slots;
    uint64_t slot_count; /* a power of two */
    uint64_t key_count;
    uint64_t row_count; /* rows [0, row_count) are indexed */
    uint64_t duplicate_count; /* rows left out because a lower row had their key (never lowered) */
};

/* The key of row `row_id`: its bytes, or NULL when the row is NULL. Int values are written to
 * `buffer`. */
static const void *row_key(const struct column *column, uint32_t row_id,
                           unsigned char buffer[IDENTIFIER_KEY_INT_SIZE], size_t *size_out)
{
    const struct column_chunk *chunk = &column->chunks[row_id / PDB_CHUNK_ROWS];
    uint32_t row = row_id % PDB_CHUNK_ROWS;
    /* A chunk without NULLs needs no look at its null bitmap (one cache miss less a find). */
    if (chunk->null_count != 0 && column_chunk_is_null(chunk, row)) return NULL;
    uint32_t size;
    const char *data;
    switch (column->attribute.type) {
    case PDB_TYPE_INT:
        *size_out = IDENTIFIER_KEY_INT_SIZE;
        return identifier_key_int(column_chunk_int(chunk, row), buffer);
    case PDB_TYPE_CATEGORY:
        data = dictionary_entry(&column->dictionary, column_chunk_code(chunk, row), &size);
        break;
    default:
        data = column_chunk_text(chunk, row, &size);
        break;
    }
    *size_out = size;
    return data;
}

const void *identifier_key_int(int64_t value, unsigned char buffer[IDENTIFIER_KEY_INT_SIZE])
{
    memcpy(buffer, &value, IDENTIFIER_KEY_INT_SIZE);
    return buffer;
}

static bool row_has_key(const struct column *column, uint32_t row_id, const void *key,
                        size_t size)
{
    unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
    size_t row_size;
    const void *row_data = row_key(column, row_id, buffer, &row_size);
    return row_data != NULL && row_size == size && memcmp(row_data, key, size) == 0;
}

static struct identifier_slot *slots_create(uint64_t slot_count)
{
    struct identifier_slot *slots = mem_alloc_huge_pages((size_t)slot_count * sizeof *slots);
    if (slots == NULL) return NULL;
    for (uint64_t i = 0; i < slot_count; i++) slots[i].row_id = IDENTIFIER_INDEX_NO_ROW;
    return slots;
}

enum pdb_status identifier_index_create(enum pdb_type type, identifier_hash_fn hash,
                                        struct identifier_index **index_out,
                                        struct pdb_error *error)
{
    if (type != PDB_TYPE_TEXT && type != PDB_TYPE_CATEGORY && type != PDB_TYPE_INT) {
        return error_set(error, PDB_ERR_USAGE, "an identifier index needs a text, category or "
                         "int attribute, not %s", pdb_type_name(type));
    }
    struct identifier_index *index = mem_calloc(1, sizeof *index);
    if (index == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory creating an identifier index");
    index->slots = slots_create(INITIAL_SLOTS);
    if (index->slots == NULL) {
        mem_free(index);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory creating an identifier index");
    }
    index->type = type;
    index->hash = hash != NULL ? hash : hash_bytes;
    index->slot_count = INITIAL_SLOTS;
    *index_out = index;
    return PDB_OK;
}

void identifier_index_destroy(struct identifier_index *index)
{
    if (index == NULL) return;
    mem_free(index->slots);
    mem_free(index);
}

/* Re-places every slot into a table of slot_count slots (by tag alone). */
static enum pdb_status resize(struct identifier_index *index, uint64_t slot_count,
                              struct pdb_error *error)
{
    struct identifier_slot *slots = slots_create(slot_count);
    if (slots == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory growing an identifier index to %llu slots", (unsigned long long)slot_count);
    uint64_t mask = slot_count - 1;
    for (uint64_t i = 0; i < index->slot_count; i++) {
        struct identifier_slot slot = index->slots[i];
        if (slot.row_id == IDENTIFIER_INDEX_NO_ROW) continue;
        uint64_t at = slot.tag & mask;
        while (slots[at].row_id != IDENTIFIER_INDEX_NO_ROW) at = (at + 1) & mask;
        slots[at] = slot;
    }
    mem_free(index->slots);
    index->slots = slots;
    index->slot_count = slot_count;
    return PDB_OK;
}

/* Grows the table (once) so that `key_count` keys fit under the 3/4 load limit. */
static enum pdb_status reserve(struct identifier_index *index, uint64_t key_count,
                               struct pdb_error *error)
{
    uint64_t slot_count = index->slot_count;
    while (key_count * 4 > slot_count * 3 && slot_count <= PDB_IDENTIFIER_INDEX_SLOTS_MAX) slot_count *= 2;
    if (slot_count > PDB_IDENTIFIER_INDEX_SLOTS_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "identifier index: more than %llu distinct keys",
                         (unsigned long long)(PDB_IDENTIFIER_INDEX_SLOTS_MAX / 4 * 3));
    }
    return slot_count == index->slot_count ? PDB_OK : resize(index, slot_count, error);
}

/* Inserts row_id under tag unless an earlier row has its key. */
static void insert(struct identifier_index *index, const struct column *column, uint32_t row_id,
                   uint32_t tag, const void *key, size_t size)
{
    uint64_t mask = index->slot_count - 1;
    for (uint64_t at = tag & mask;; at = (at + 1) & mask) {
        struct identifier_slot *slot = &index->slots[at];
        if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) {
            slot->row_id = row_id;
            slot->tag = tag;
            index->key_count++;
            return;
        }
        if (slot->tag == tag && row_has_key(column, slot->row_id, key, size)) { /* lowest stays */
            if (row_id < slot->row_id) slot->row_id = row_id; /* a row changed in place */
            index->duplicate_count++;
            return;
        }
    }
}

/* Rows are hashed this many at a time and their home slots prefetched before any is
 * inserted, so the cache misses of a batch overlap. */
#define INSERT_BATCH 16u

enum pdb_status identifier_index_extend(struct identifier_index *index,
                                        const struct column *column, uint64_t row_count,
                                        struct pdb_error *error)
{
    if (column->attribute.type != index->type) {
        return error_set(error, PDB_ERR_USAGE, "identifier index of a %s column given the %s "
                         "column '%s'", pdb_type_name(index->type),
                         pdb_type_name(column->attribute.type), column->attribute.name);
    }
    if (row_count > column_row_count(column) || row_count < index->row_count) {
        return error_set(error, PDB_ERR_USAGE, "identifier index of '%s': cannot index %llu rows "
                         "(the column holds %llu, %llu are indexed)", column->attribute.name,
                         (unsigned long long)row_count, (unsigned long long)column_row_count(column),
                         (unsigned long long)index->row_count);
    }
    /* Room for every new key at once: identifiers are mostly distinct, and a category has no
     * more keys than dictionary entries. */
    uint64_t new_keys = row_count - index->row_count;
    if (index->type == PDB_TYPE_CATEGORY && new_keys > column->dictionary.entry_count)
        new_keys = column->dictionary.entry_count;
    enum pdb_status status = reserve(index, index->key_count + new_keys, error);
    if (status != PDB_OK) return status;
    unsigned char buffers[INSERT_BATCH][IDENTIFIER_KEY_INT_SIZE];
    const void *keys[INSERT_BATCH];
    size_t sizes[INSERT_BATCH];
    uint32_t tags[INSERT_BATCH];
    for (uint64_t first = index->row_count; first < row_count; first += INSERT_BATCH) {
        uint32_t batch = row_count - first < INSERT_BATCH ? (uint32_t)(row_count - first) : INSERT_BATCH;
        uint64_t mask = index->slot_count - 1;
        for (uint32_t i = 0; i < batch; i++) {
            keys[i] = row_key(column, (uint32_t)(first + i), buffers[i], &sizes[i]);
            if (keys[i] == NULL) continue;
            tags[i] = (uint32_t)index->hash(keys[i], sizes[i]);
            __builtin_prefetch(&index->slots[tags[i] & mask], 1);
        }
        for (uint32_t i = 0; i < batch; i++) {
            if (keys[i] != NULL) insert(index, column, (uint32_t)(first + i), tags[i], keys[i], sizes[i]);
        }
    }
    index->row_count = row_count;
    return PDB_OK;
}

uint32_t identifier_index_find(const struct identifier_index *index, const struct column *column,
                               const void *key, size_t size)
{
    uint32_t tag = (uint32_t)index->hash(key, size);
    uint64_t mask = index->slot_count - 1;
    for (uint64_t at = tag & mask;; at = (at + 1) & mask) {
        const struct identifier_slot *slot = &index->slots[at];
        if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) return IDENTIFIER_INDEX_NO_ROW;
        if (slot->tag == tag && row_has_key(column, slot->row_id, key, size)) return slot->row_id;
    }
}

/* ---- Rows whose key changed in place ------------------------------------------------------ */

bool identifier_index_remove_row(struct identifier_index *index, uint32_t row_id, const void *key,
                                 size_t size)
{
    if (row_id >= index->row_count) return false; /* not indexed yet */
    uint32_t tag = (uint32_t)index->hash(key, size);
    uint64_t mask = index->slot_count - 1;
    uint64_t at = tag & mask;
    for (;; at = (at + 1) & mask) {
        const struct identifier_slot *slot = &index->slots[at];
        if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) return false; /* a lower row has the key */
        if (slot->row_id == row_id && slot->tag == tag) break;
    }
    /* Backward-shift deletion: later slots of the probe run move up unless they sit at or
     * after their home slot within the gap, so no run is broken by the hole. */
    uint64_t hole = at;
    for (uint64_t next = (hole + 1) & mask;; next = (next + 1) & mask) {
        struct identifier_slot *slot = &index->slots[next];
        if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) break;
        uint64_t home = slot->tag & mask;
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays) continue;
        index->slots[hole] = *slot;
        hole = next;
    }
    index->slots[hole].row_id = IDENTIFIER_INDEX_NO_ROW;
    index->key_count--;
    return true;
}

enum pdb_status identifier_index_insert_row(struct identifier_index *index,
                                            const struct column *column, uint32_t row_id,
                                            struct pdb_error *error)
{
    if (row_id >= index->row_count) return PDB_OK; /* the next extend indexes it */
    unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
    size_t size;
    const void *key = row_key(column, row_id, buffer, &size);
    if (key == NULL) return PDB_OK;
    enum pdb_status status = reserve(index, index->key_count + 1u, error);
    if (status != PDB_OK) return status;
    insert(index, column, row_id, (uint32_t)index->hash(key, size), key, size);
    return PDB_OK;
}

bool identifier_index_has_duplicates(const struct identifier_index *index)
{
    return index->duplicate_count > 0;
}

uint64_t identifier_index_row_count(const struct identifier_index *index)
{
    return index->row_count;
}

uint64_t identifier_index_key_count(const struct identifier_index *index)
{
    return index->key_count;
}

uint64_t identifier_index_memory_size(const struct identifier_index *index)
{
    return sizeof *index + index->slot_count * sizeof(struct identifier_slot);
}

int identifier_index_validate(const struct identifier_index *index, const struct column *column)
{
    if (index->key_count * 4 > index->slot_count * 3) return -1;
    if ((index->slot_count & (index->slot_count - 1)) != 0) return -1;
    if (index->row_count > column_row_count(column)) return -1;
    unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
    uint64_t occupied = 0;
    for (uint64_t i = 0; i < index->slot_count; i++) {
        const struct identifier_slot *slot = &index->slots[i];
        if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) continue;
        occupied++;
        if (slot->row_id >= index->row_count) return -1;
        size_t size;
        const void *key = row_key(column, slot->row_id, buffer, &size);
        if (key == NULL || (uint32_t)index->hash(key, size) != slot->tag) return -1;
        if (identifier_index_find(index, column, key, size) != slot->row_id) return -1;
    }
    if (occupied != index->key_count) return -1;
    for (uint64_t r = 0; r < index->row_count; r++) {
        size_t size;
        const void *key = row_key(column, (uint32_t)r, buffer, &size);
        if (key == NULL) continue;
        uint32_t found = identifier_index_find(index, column, key, size);
        if (found == IDENTIFIER_INDEX_NO_ROW || found > r) return -1;
    }
    return 0;
}
