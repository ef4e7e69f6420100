/*
 * Manifest rendering, strict parsing, and atomic storage (see manifest.h).
 */
#include "storage/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "storage/file_io.h"

#define MANIFEST_FILE_NAME "MANIFEST"

int manifest_init(struct manifest *manifest, uint32_t attribute_count, uint64_t schema_checksum)
{
    memset(manifest, 0, sizeof *manifest);
    manifest->attribute_count = attribute_count;
    manifest->schema_checksum = schema_checksum;
    manifest->dictionaries = mem_calloc(attribute_count, sizeof *manifest->dictionaries);
    return manifest->dictionaries == NULL ? -1 : 0;
}

void manifest_deinit(struct manifest *manifest)
{
    mem_free(manifest->chunks);
    mem_free(manifest->dictionaries);
    mem_free(manifest->event_files);
    memset(manifest, 0, sizeof *manifest);
}

int manifest_set_chunk_count(struct manifest *manifest, uint32_t chunk_count)
{
    struct manifest_file *chunks =
        mem_realloc(manifest->chunks, (chunk_count ? chunk_count : 1) * sizeof *chunks);
    if (chunks == NULL) return -1;
    for (uint32_t i = manifest->chunk_count; i < chunk_count; i++) memset(&chunks[i], 0, sizeof *chunks);
    manifest->chunks = chunks;
    manifest->chunk_count = chunk_count;
    return 0;
}

int manifest_copy(struct manifest *destination, const struct manifest *source)
{
    struct manifest copy = *source;
    copy.chunks = NULL;
    copy.event_files = NULL;
    copy.dictionaries = mem_alloc(source->attribute_count * sizeof *copy.dictionaries);
    if (copy.dictionaries == NULL) return -1;
    memcpy(copy.dictionaries, source->dictionaries, source->attribute_count * sizeof *copy.dictionaries);
    copy.chunk_count = 0;
    if (manifest_set_chunk_count(&copy, source->chunk_count) != 0) {
        manifest_deinit(&copy);
        return -1;
    }
    if (source->chunk_count) memcpy(copy.chunks, source->chunks, source->chunk_count * sizeof *copy.chunks);
    if (source->event_file_count > 0) {
        copy.event_files = mem_alloc(source->event_file_count * sizeof *copy.event_files);
        if (copy.event_files == NULL) {
            manifest_deinit(&copy);
            return -1;
        }
        memcpy(copy.event_files, source->event_files, source->event_file_count * sizeof *copy.event_files);
    }
    *destination = copy;
    return 0;
}

/* The first entry at or after (type_index, partition_key). */
static uint32_t event_file_position(const struct manifest *manifest, uint32_t type_index,
                                    int64_t partition_key)
{
    uint32_t low = 0, high = manifest->event_file_count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        const struct manifest_event_file *entry = &manifest->event_files[middle];
        if (entry->type_index < type_index ||
            (entry->type_index == type_index && entry->partition_key < partition_key))
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

int manifest_event_file_set(struct manifest *manifest, uint32_t type_index, int64_t partition_key,
                            const struct manifest_file *file)
{
    uint32_t at = event_file_position(manifest, type_index, partition_key);
    struct manifest_event_file *entries = manifest->event_files;
    if (at == manifest->event_file_count || entries[at].type_index != type_index ||
        entries[at].partition_key != partition_key) {
        entries = mem_realloc(entries, (manifest->event_file_count + 1) * sizeof *entries);
        if (entries == NULL) return -1;
        memmove(&entries[at + 1], &entries[at], (manifest->event_file_count - at) * sizeof *entries);
        manifest->event_files = entries;
        manifest->event_file_count++;
    }
    entries[at] = (struct manifest_event_file){type_index, partition_key, *file};
    return 0;
}

void manifest_event_file_remove(struct manifest *manifest, uint32_t type_index, int64_t partition_key)
{
    uint32_t at = event_file_position(manifest, type_index, partition_key);
    struct manifest_event_file *entries = manifest->event_files;
    if (at == manifest->event_file_count || entries[at].type_index != type_index ||
        entries[at].partition_key != partition_key)
        return;
    memmove(&entries[at], &entries[at + 1], (manifest->event_file_count - at - 1) * sizeof *entries);
    manifest->event_file_count--;
}

int manifest_render(const struct manifest *manifest, struct buffer *out)
{
    size_t start = out->size;
    if (buffer_printf(out,
                      "profiledb-manifest 1\ngeneration %" PRIu64 "\nrows %" PRIu64
                      "\nattributes %" PRIu32 "\nschema %016" PRIx64 "\nbytes_ingested %" PRIu64 "\n",
                      manifest->generation, manifest->row_count, manifest->attribute_count,
                      manifest->schema_checksum, manifest->bytes_ingested) != 0)
        return -1;
    for (uint32_t i = 0; i < manifest->chunk_count; i++) {
        const struct manifest_file *file = &manifest->chunks[i];
        if (buffer_printf(out, "chunk %" PRIu32 " %s %" PRIu64 " %016" PRIx64 "\n", i, file->name,
                          file->size_bytes, file->checksum) != 0)
            return -1;
    }
    for (uint32_t i = 0; i < manifest->attribute_count; i++) {
        const struct manifest_file *file = &manifest->dictionaries[i];
        if (file->name[0] == '\0') continue;
        if (buffer_printf(out, "dictionary %" PRIu32 " %s %" PRIu64 " %016" PRIx64 "\n", i,
                          file->name, file->size_bytes, file->checksum) != 0)
            return -1;
    }
    if (manifest->deleted.name[0] != '\0' &&
        buffer_printf(out, "deleted %" PRIu64 " %s %" PRIu64 " %016" PRIx64 "\n",
                      manifest->deleted_count, manifest->deleted.name,
                      manifest->deleted.size_bytes, manifest->deleted.checksum) != 0)
        return -1;
    for (uint32_t i = 0; i < manifest->event_file_count; i++) {
        const struct manifest_event_file *entry = &manifest->event_files[i];
        const struct manifest_file *file = &entry->file;
        int failed = entry->partition_key == MANIFEST_EVENT_WHOLE
                         ? buffer_printf(out, "events %" PRIu32 " %s %" PRIu64 " %016" PRIx64 "\n",
                                         entry->type_index, file->name, file->size_bytes, file->checksum)
                         : buffer_printf(out, "event_partition %" PRIu32 " %" PRId64 " %s %" PRIu64
                                         " %016" PRIx64 "\n", entry->type_index, entry->partition_key,
                                         file->name, file->size_bytes, file->checksum);
        if (failed != 0) return -1;
    }
    if (manifest->wal_lsn != 0 &&
        buffer_printf(out, "wal_lsn %" PRIu64 "\n", manifest->wal_lsn) != 0)
        return -1;
    uint64_t checksum = checksum_bytes(out->data + start, out->size - start);
    return buffer_printf(out, "checksum %016" PRIx64 "\n", checksum);
}

/* ---- Parsing ------------------------------------------------------------------------ */

struct cursor {
    const char *text;
    size_t size;
    size_t position;
    unsigned line;
    const char *path;
    struct pdb_error *error;
};

/* Next line into [*start, *end); false at end of text. */
static bool next_line(struct cursor *cursor, const char **start, size_t *length)
{
    if (cursor->position >= cursor->size) return false;
    const char *begin = cursor->text + cursor->position;
    const char *newline = memchr(begin, '\n', cursor->size - cursor->position);
    if (newline == NULL) return false; /* every line ends with \n; a torn tail is corrupt */
    *start = begin;
    *length = (size_t)(newline - begin);
    cursor->position += *length + 1;
    cursor->line++;
    return true;
}

static enum pdb_status corrupt(struct cursor *cursor, const char *what)
{
    return error_set(cursor->error, PDB_ERR_CORRUPT, "%s:%u: %s", cursor->path, cursor->line, what);
}

static bool parse_u64(const char *text, int base, uint64_t *value)
{
    if (*text == '\0' || *text == '-' || *text == '+' || *text == ' ') return false;
    /* Hex fields are written as exactly 16 lower-case digits; accept no other spelling, so a
     * damaged checksum line (a flipped case bit, a leading '0' turned into a space that the
     * word split swallows) cannot read back as the original value. */
    if (base == 16 && (strlen(text) != 16 || strspn(text, "0123456789abcdef") != 16)) return false;
    char *end;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, base);
    if (errno != 0 || *end != '\0') return false;
    *value = parsed;
    return true;
}

/* Splits a line copy into at most `max` space-separated words. */
static size_t split_words(char *line, char **words, size_t max)
{
    size_t count = 0;
    char *save = NULL;
    for (char *word = strtok_r(line, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        if (count == max) return max + 1;
        words[count++] = word;
    }
    return count;
}

static bool valid_file_name(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length >= MANIFEST_NAME_SIZE) return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
    }
    return name[0] != '.';
}

/* Whether (type_index, key) may follow the entries parsed so far: ascending, and a whole
 * type's file never beside partitions of the same type. */
static bool event_entry_is_next(const struct manifest *parsed, uint32_t type_index, int64_t key)
{
    if (parsed->event_file_count == 0) return true;
    const struct manifest_event_file *last = &parsed->event_files[parsed->event_file_count - 1];
    if (last->type_index != type_index) return last->type_index < type_index;
    return last->partition_key != MANIFEST_EVENT_WHOLE && key != MANIFEST_EVENT_WHOLE &&
           last->partition_key < key;
}

/* event_partition <type> <month> <file> <size> <checksum> */
static enum pdb_status parse_event_partition(struct cursor *cursor, char **words,
                                             struct manifest *parsed)
{
    uint64_t index, file_size, checksum;
    const char *key_text = words[2];
    bool is_negative = key_text[0] == '-';
    uint64_t magnitude;
    if (!parse_u64(words[1], 10, &index) || !parse_u64(key_text + is_negative, 10, &magnitude) ||
        magnitude > (uint64_t)INT64_MAX || (is_negative && magnitude == 0) ||
        (key_text[is_negative] == '0' && key_text[is_negative + 1] != '\0') ||
        !valid_file_name(words[3]) || !parse_u64(words[4], 10, &file_size) ||
        !parse_u64(words[5], 16, &checksum))
        return corrupt(cursor, "expected 'event_partition <type> <month> <file> <size> <checksum>'");
    int64_t key = is_negative ? -(int64_t)magnitude : (int64_t)magnitude;
    if (index >= PDB_EVENT_TYPES_MAX || !event_entry_is_next(parsed, (uint32_t)index, key))
        return corrupt(cursor, "event_partition type out of range, or partitions repeated or out of order");
    struct manifest_file file = {.size_bytes = file_size, .checksum = checksum};
    snprintf(file.name, sizeof file.name, "%s", words[3]);
    if (manifest_event_file_set(parsed, (uint32_t)index, key, &file) != 0)
        return error_set(cursor->error, PDB_ERR_NO_MEMORY, "%s: out of memory", cursor->path);
    return PDB_OK;
}

enum pdb_status manifest_parse(const char *text, size_t size, const char *path,
                               struct manifest *manifest, struct pdb_error *error)
{
    struct cursor cursor = {text, size, 0, 0, path, error};
    struct manifest parsed;
    memset(&parsed, 0, sizeof parsed);
    enum pdb_status status = PDB_OK;
    const char *line;
    size_t length;
    char copy[512];
    char *words[8];
    static const char *const header_keys[] = {"generation", "rows", "attributes", "schema", "bytes_ingested"};
    uint64_t header_values[5];

    if (!next_line(&cursor, &line, &length) || length != 20 || memcmp(line, "profiledb-manifest 1", 20) != 0) {
        status = corrupt(&cursor, "not a profiledb manifest (expected 'profiledb-manifest 1')");
        goto fail;
    }
    for (int k = 0; k < 5; k++) {
        if (!next_line(&cursor, &line, &length) || length >= sizeof copy) {
            status = corrupt(&cursor, "truncated header");
            goto fail;
        }
        memcpy(copy, line, length);
        copy[length] = '\0';
        size_t count = split_words(copy, words, 8);
        if (count != 2 || strcmp(words[0], header_keys[k]) != 0 ||
            !parse_u64(words[1], k == 3 ? 16 : 10, &header_values[k])) {
            char what[128];
            snprintf(what, sizeof what, "expected '%s <number>'", header_keys[k]);
            status = corrupt(&cursor, what);
            goto fail;
        }
    }
    if (header_values[2] == 0 || header_values[2] > PDB_ATTRIBUTES_MAX || header_values[1] > PDB_ROWS_MAX) {
        status = corrupt(&cursor, "attribute or row count out of range");
        goto fail;
    }
    if (manifest_init(&parsed, (uint32_t)header_values[2], header_values[3]) != 0) goto no_memory;
    parsed.generation = header_values[0];
    parsed.row_count = header_values[1];
    parsed.bytes_ingested = header_values[4];
    uint32_t expected_chunks = (uint32_t)((parsed.row_count + PDB_CHUNK_ROWS - 1) / PDB_CHUNK_ROWS);
    if (manifest_set_chunk_count(&parsed, expected_chunks) != 0) goto no_memory;

    uint32_t chunks_seen = 0;
    for (;;) {
        size_t line_start = cursor.position;
        if (!next_line(&cursor, &line, &length) || length >= sizeof copy) {
            status = corrupt(&cursor, "missing checksum line (torn manifest?)");
            goto fail;
        }
        memcpy(copy, line, length);
        copy[length] = '\0';
        size_t count = split_words(copy, words, 8);
        if (count == 2 && strcmp(words[0], "checksum") == 0) {
            uint64_t checksum;
            if (!parse_u64(words[1], 16, &checksum) || checksum_bytes(text, line_start) != checksum) {
                status = corrupt(&cursor, "manifest fails its checksum");
                goto fail;
            }
            if (cursor.position != size) {
                status = corrupt(&cursor, "bytes after the checksum line");
                goto fail;
            }
            break;
        }
        if (count == 2 && strcmp(words[0], "wal_lsn") == 0) {
            if (!parse_u64(words[1], 10, &parsed.wal_lsn) || parsed.wal_lsn == 0) {
                status = corrupt(&cursor, "expected 'wal_lsn <number>'");
                goto fail;
            }
            continue;
        }
        if (count == 6 && strcmp(words[0], "event_partition") == 0) {
            status = parse_event_partition(&cursor, words, &parsed);
            if (status != PDB_OK) goto fail;
            continue;
        }
        uint64_t index, file_size, checksum;
        if (count != 5 || !parse_u64(words[1], 10, &index) || !valid_file_name(words[2]) ||
            !parse_u64(words[3], 10, &file_size) || !parse_u64(words[4], 16, &checksum)) {
            status = corrupt(&cursor,
                             "expected 'chunk|dictionary|deleted|events <index> <file> <size> "
                             "<checksum>'");
            goto fail;
        }
        struct manifest_file *file;
        if (strcmp(words[0], "chunk") == 0) {
            if (index != chunks_seen || index >= expected_chunks) {
                status = corrupt(&cursor, "chunk out of order or beyond the row count");
                goto fail;
            }
            file = &parsed.chunks[chunks_seen++];
        } else if (strcmp(words[0], "dictionary") == 0) {
            if (index >= parsed.attribute_count || parsed.dictionaries[index].name[0] != '\0') {
                status = corrupt(&cursor, "dictionary index out of range or repeated");
                goto fail;
            }
            file = &parsed.dictionaries[index];
        } else if (strcmp(words[0], "deleted") == 0) {
            if (parsed.deleted.name[0] != '\0' || index > parsed.row_count) {
                status = corrupt(&cursor, "deleted repeated or more rows than the database");
                goto fail;
            }
            parsed.deleted_count = index;
            file = &parsed.deleted;
        } else if (strcmp(words[0], "events") == 0) {
            struct manifest_file whole = {.size_bytes = file_size, .checksum = checksum};
            snprintf(whole.name, sizeof whole.name, "%s", words[2]);
            if (index >= PDB_EVENT_TYPES_MAX || !event_entry_is_next(&parsed, (uint32_t)index, MANIFEST_EVENT_WHOLE)) {
                status = corrupt(&cursor, "events index out of range, repeated or out of order");
                goto fail;
            }
            if (manifest_event_file_set(&parsed, (uint32_t)index, MANIFEST_EVENT_WHOLE, &whole) != 0) goto no_memory;
            continue;
        } else {
            status = corrupt(&cursor, "unknown entry");
            goto fail;
        }
        snprintf(file->name, sizeof file->name, "%s", words[2]);
        file->size_bytes = file_size;
        file->checksum = checksum;
    }
    if (chunks_seen != expected_chunks) {
        status = corrupt(&cursor, "fewer chunk lines than the row count needs");
        goto fail;
    }
    *manifest = parsed;
    return PDB_OK;
no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", path);
fail:
    manifest_deinit(&parsed);
    return status;
}

enum pdb_status manifest_load(const char *db_path, struct manifest *manifest, struct pdb_error *error)
{
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db_path, MANIFEST_FILE_NAME, error);
    if (status != PDB_OK) return status;
    uint8_t *data;
    size_t size;
    status = file_read_all(path, PDB_MANIFEST_SIZE_MAX, &data, &size, error);
    if (status != PDB_OK) return status;
    status = manifest_parse((const char *)data, size, path, manifest, error);
    mem_free(data);
    return status;
}

enum pdb_status manifest_store(const char *db_path, const struct manifest *manifest,
                               bool *is_published_out, struct pdb_error *error)
{
    if (is_published_out != NULL) *is_published_out = false;
    char path[PDB_PATH_SIZE_MAX];
    enum pdb_status status = path_join(path, db_path, MANIFEST_FILE_NAME, error);
    if (status != PDB_OK) return status;
    struct buffer text;
    buffer_init(&text);
    if (manifest_render(manifest, &text) != 0) {
        buffer_deinit(&text);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory rendering the manifest");
    }
    status = file_replace_atomic(path, text.data, text.size, is_published_out, error);
    buffer_deinit(&text);
    return status;
}
