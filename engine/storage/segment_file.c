/*
 * The saved-segments file and its in-memory set (format: segment_file.h). Reading checks
 * everything before trusting a byte: the size bounds, the trailing checksum, then each entry;
 * writing renders the whole file and hands it to file_replace_atomic.
 */
#include "storage/segment_file.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "storage/file_io.h"

#define MAGIC "PDBSEGS1"
#define MAGIC_SIZE 8u
#define VERSION 1u
#define HEADER_SIZE 16u
#define TRAILER_SIZE 8u

/* ---- The set -------------------------------------------------------------------------- */

void saved_segments_deinit(struct saved_segments *set)
{
    for (uint32_t i = 0; i < set->count; i++) {
        mem_free(set->entries[i].name);
        mem_free(set->entries[i].text);
    }
    mem_free(set->entries);
    set->entries = NULL;
    set->count = 0;
}

static int compare_name(const char *a, size_t a_size, const char *b, size_t b_size)
{
    int order = memcmp(a, b, a_size < b_size ? a_size : b_size);
    if (order != 0) return order;
    return (a_size > b_size) - (a_size < b_size);
}

/* Position of the first entry not below name (binary search). */
static uint32_t lower_bound(const struct saved_segments *set, const char *name, size_t size)
{
    uint32_t low = 0, high = set->count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        const char *entry = set->entries[middle].name;
        if (compare_name(entry, strlen(entry), name, size) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

int32_t saved_segments_find(const struct saved_segments *set, const char *name, size_t size)
{
    uint32_t at = lower_bound(set, name, size);
    if (at < set->count) {
        const char *entry = set->entries[at].name;
        if (compare_name(entry, strlen(entry), name, size) == 0) return (int32_t)at;
    }
    return -1;
}

enum pdb_status saved_segments_put(struct saved_segments *set, const char *name, const char *text,
                                   struct pdb_error *error)
{
    int32_t existing = saved_segments_find(set, name, strlen(name));
    char *text_copy = mem_strdup(text);
    if (text_copy == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory saving segment '%s'", name);
    if (existing >= 0) {
        mem_free(set->entries[existing].text);
        set->entries[existing].text = text_copy;
        return PDB_OK;
    }
    if (set->count >= PDB_SAVED_SEGMENTS_MAX) {
        mem_free(text_copy);
        return error_set(error, PDB_ERR_LIMIT, "cannot save segment '%s': the database already "
                         "holds %u saved segments (limit)", name, PDB_SAVED_SEGMENTS_MAX);
    }
    char *name_copy = mem_strdup(name);
    struct saved_segment *entries =
        mem_realloc(set->entries, ((size_t)set->count + 1) * sizeof *entries);
    if (name_copy == NULL || entries == NULL) {
        mem_free(name_copy);
        mem_free(text_copy);
        if (entries != NULL) set->entries = entries;
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory saving segment '%s'", name);
    }
    set->entries = entries;
    uint32_t at = lower_bound(set, name, strlen(name));
    memmove(&entries[at + 1], &entries[at], (size_t)(set->count - at) * sizeof *entries);
    entries[at] = (struct saved_segment){name_copy, text_copy};
    set->count++;
    return PDB_OK;
}

void saved_segments_remove(struct saved_segments *set, uint32_t index)
{
    mem_free(set->entries[index].name);
    mem_free(set->entries[index].text);
    memmove(&set->entries[index], &set->entries[index + 1],
            (size_t)(set->count - index - 1) * sizeof set->entries[0]);
    set->count--;
}

const char *segment_name_check(const char *name, size_t size)
{
    if (size == 0) return "a saved segment name cannot be empty";
    if (size > PDB_SAVED_SEGMENT_NAME_SIZE_MAX) return "a saved segment name is at most 64 bytes";
    for (size_t i = 0; i < size; i++) {
        char c = name[i];
        bool is_valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '.' || c == '-';
        if (!is_valid) return "a saved segment name holds only letters, digits, '_', '.' and '-'";
    }
    return NULL;
}

/* ---- The file ------------------------------------------------------------------------- */

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t read_u64(const uint8_t *p)
{
    return (uint64_t)read_u32(p) | (uint64_t)read_u32(p + 4) << 32;
}

static enum pdb_status decode(const char *path, const uint8_t *data, size_t size,
                              struct saved_segments *set, struct pdb_error *error)
{
    if (size < HEADER_SIZE + TRAILER_SIZE || memcmp(data, MAGIC, MAGIC_SIZE) != 0)
        return error_set(error, PDB_ERR_CORRUPT, "%s: not a saved-segments file (bad magic or size)", path);
    if (read_u64(data + size - TRAILER_SIZE) != checksum_bytes(data, size - TRAILER_SIZE))
        return error_set(error, PDB_ERR_CORRUPT, "%s: checksum mismatch (the file is damaged)", path);
    if (read_u32(data + 8) != VERSION)
        return error_set(error, PDB_ERR_CORRUPT, "%s: unknown version %u", path, read_u32(data + 8));
    uint32_t count = read_u32(data + 12);
    if (count > PDB_SAVED_SEGMENTS_MAX)
        return error_set(error, PDB_ERR_CORRUPT, "%s: %u entries (limit %u)", path, count, PDB_SAVED_SEGMENTS_MAX);
    size_t at = HEADER_SIZE, end = size - TRAILER_SIZE;
    for (uint32_t i = 0; i < count; i++) {
        if (end - at < 8)
            return error_set(error, PDB_ERR_CORRUPT, "%s: entry %u is cut short", path, i);
        uint32_t name_size = read_u32(data + at), text_size = read_u32(data + at + 4);
        at += 8;
        if (name_size > end - at || text_size > end - at - name_size || text_size > PDB_SEGMENT_TEXT_SIZE_MAX)
            return error_set(error, PDB_ERR_CORRUPT, "%s: entry %u has bad sizes", path, i);
        const char *name = (const char *)data + at, *text = name + name_size;
        if (segment_name_check(name, name_size) != NULL || memchr(text, '\0', text_size) != NULL)
            return error_set(error, PDB_ERR_CORRUPT, "%s: entry %u has a bad name or text", path, i);
        if (i > 0) {
            const char *previous = set->entries[i - 1].name;
            if (compare_name(previous, strlen(previous), name, name_size) >= 0)
                return error_set(error, PDB_ERR_CORRUPT, "%s: entry %u is out of order", path, i);
        }
        char *name_copy = mem_strndup(name, name_size), *text_copy = mem_strndup(text, text_size);
        if (name_copy == NULL || text_copy == NULL) {
            mem_free(name_copy);
            mem_free(text_copy);
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading %s", path);
        }
        set->entries[i] = (struct saved_segment){name_copy, text_copy};
        set->count = i + 1;
        at += (size_t)name_size + text_size;
    }
    if (at != end) return error_set(error, PDB_ERR_CORRUPT, "%s: %zu bytes after the last entry", path, end - at);
    return PDB_OK;
}

enum pdb_status segment_file_decode(const char *path, const uint8_t *data, size_t size,
                                    struct saved_segments *set_out, struct pdb_error *error)
{
    struct saved_segments set = {0, NULL};
    uint32_t count = size >= HEADER_SIZE ? read_u32(data + 12) : 0;
    if (count > 0 && count <= PDB_SAVED_SEGMENTS_MAX) {
        set.entries = mem_calloc(count, sizeof *set.entries);
        if (set.entries == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading %s", path);
    }
    enum pdb_status status = decode(path, data, size, &set, error);
    if (status != PDB_OK) {
        saved_segments_deinit(&set);
        return status;
    }
    *set_out = set;
    return PDB_OK;
}

enum pdb_status segment_file_read(const char *path, struct saved_segments *set_out,
                                  struct pdb_error *error)
{
    uint8_t *data = NULL;
    size_t size = 0;
    enum pdb_status status = file_read_all(path, PDB_SEGMENTS_FILE_SIZE_MAX, &data, &size, error);
    if (status == PDB_ERR_NOT_FOUND) {
        *set_out = (struct saved_segments){0, NULL};
        return PDB_OK;
    }
    if (status != PDB_OK) return status;
    status = segment_file_decode(path, data, size, set_out, error);
    mem_free(data);
    return status;
}

enum pdb_status segment_file_write(const char *path, const struct saved_segments *set,
                                   bool *is_renamed_out, struct pdb_error *error)
{
    struct buffer out;
    buffer_init(&out);
    int failed = buffer_append(&out, MAGIC, MAGIC_SIZE) | buffer_append_u32(&out, VERSION) |
                 buffer_append_u32(&out, set->count);
    for (uint32_t i = 0; i < set->count && !failed; i++) {
        const struct saved_segment *entry = &set->entries[i];
        size_t name_size = strlen(entry->name), text_size = strlen(entry->text);
        assert(segment_name_check(entry->name, name_size) == NULL);
        assert(text_size <= PDB_SEGMENT_TEXT_SIZE_MAX);
        failed |= buffer_append_u32(&out, (uint32_t)name_size) |
                  buffer_append_u32(&out, (uint32_t)text_size) |
                  buffer_append(&out, entry->name, name_size) |
                  buffer_append(&out, entry->text, text_size);
    }
    if (!failed) failed |= buffer_append_u64(&out, checksum_bytes(out.data, out.size));
    enum pdb_status status;
    if (failed)
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing %s", path);
    else if (out.size > PDB_SEGMENTS_FILE_SIZE_MAX)
        status = error_set(error, PDB_ERR_LIMIT, "%s would be %zu bytes (limit %u)", path, out.size, PDB_SEGMENTS_FILE_SIZE_MAX);
    else
        status = file_replace_atomic(path, out.data, out.size, is_renamed_out, error);
    buffer_deinit(&out);
    return status;
}
