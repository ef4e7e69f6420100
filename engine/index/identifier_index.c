/*
 * Identifier indexes (see identifier_index.h): an open-addressing table of {row_id, tag}
 * slots, linear probing, grown to twice its size when more than 3/4 full. Growing re-places
 * the slots by their tag alone (the home slot is tag & mask), so it never reads the column.
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
};

/* The key of row `row_id`: its bytes, or NULL when the row is NULL. Int values are written to
 * `buffer`. */
static const void *row_key(const struct column *column, uint32_t row_id,
                           unsigned char buffer[IDENTIFIER_KEY_INT_SIZE], size_t *size_out)
{
    const struct column_chunk *chunk = &column->chunks[row_id / PDB_CHUNK_ROWS];
    uint32_t row = row_id % PDB_CHUNK_ROWS;
    if (column_chunk_is_null(chunk, row)) return NULL;
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
    struct identifier_slot *slots = mem_alloc((size_t)slot_count * sizeof *slots);
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

static enum pdb_status grow(struct identifier_index *index, struct pdb_error *error)
{
    uint64_t slot_count = index->slot_count * 2;
    if (slot_count > PDB_IDENTIFIER_INDEX_SLOTS_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "identifier index: more than %llu distinct keys",
                         (unsigned long long)(PDB_IDENTIFIER_INDEX_SLOTS_MAX / 4 * 3));
    }
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
    unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
    for (uint64_t r = index->row_count; r < row_count; r++) {
        uint32_t row_id = (uint32_t)r;
        size_t size;
        const void *key = row_key(column, row_id, buffer, &size);
        if (key == NULL) continue;
        if ((index->key_count + 1) * 4 > index->slot_count * 3) {
            enum pdb_status status = grow(index, error);
            if (status != PDB_OK) {
                index->row_count = r;
                return status;
            }
        }
        uint32_t tag = (uint32_t)index->hash(key, size);
        uint64_t mask = index->slot_count - 1;
        uint64_t at = tag & mask;
        bool is_new = true;
        for (;;) {
            struct identifier_slot *slot = &index->slots[at];
            if (slot->row_id == IDENTIFIER_INDEX_NO_ROW) break;
            if (slot->tag == tag && row_has_key(column, slot->row_id, key, size)) {
                is_new = false; /* an earlier row has it: the lowest id stays */
                break;
            }
            at = (at + 1) & mask;
        }
        if (!is_new) continue;
        index->slots[at].row_id = row_id;
        index->slots[at].tag = tag;
        index->key_count++;
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
