/*
 * Dictionary file writer and reader (see dictionary_file.h for the format).
 */
#include "storage/dictionary_file.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "storage/file_io.h"

static const char dictionary_magic[8] = {'P', 'D', 'B', 'D', 'I', 'C', 'T', '1'};
#define DICTIONARY_FILE_VERSION 1u
#define DICTIONARY_FILE_SIZE_MAX (1ull << 36)

void dictionary_file_name(char *out, uint32_t attribute_index, uint64_t generation)
{
    snprintf(out, DICTIONARY_FILE_NAME_SIZE, "dict-%04" PRIu32 "-g%" PRIu64 ".pdd",
             attribute_index, generation);
}

enum pdb_status dictionary_file_write(const char *path, const struct dictionary *dictionary,
                                      uint64_t *size_out, uint64_t *checksum_out,
                                      struct pdb_error *error)
{
    struct buffer image;
    buffer_init(&image);
    uint32_t count = dictionary->entry_count;
    if (buffer_append(&image, dictionary_magic, 8) != 0 ||
        buffer_append_u32(&image, DICTIONARY_FILE_VERSION) != 0 ||
        buffer_append_u32(&image, count) != 0 ||
        buffer_append_u64(&image, dictionary->bytes_size) != 0)
        goto no_memory;
    for (uint32_t i = 0; i <= count; i++) {
        if (buffer_append_u64(&image, count ? dictionary->offsets[i] : 0) != 0) goto no_memory;
    }
    if (buffer_append(&image, dictionary->bytes, dictionary->bytes_size) != 0) goto no_memory;
    uint64_t checksum = checksum_bytes(image.data, image.size);
    if (buffer_append_u64(&image, checksum) != 0) goto no_memory;
    enum pdb_status status = file_write_durable(path, image.data, image.size, error);
    if (status == PDB_OK) {
        *size_out = image.size;
        *checksum_out = checksum;
    }
    buffer_deinit(&image);
    return status;
no_memory:
    buffer_deinit(&image);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing %s", path);
}

enum pdb_status dictionary_file_read(const char *path, uint64_t expected_checksum,
                                     struct dictionary *dictionary, struct pdb_error *error)
{
    uint8_t *data;
    size_t size;
    enum pdb_status status = file_read_all(path, DICTIONARY_FILE_SIZE_MAX, &data, &size, error);
    if (status != PDB_OK) return status;
    struct dictionary loaded; /* moved into *dictionary only on success */
    dictionary_init(&loaded);
    if (size < 40 || memcmp(data, dictionary_magic, 8) != 0) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: not a dictionary file (bad magic or %zu "
                           "bytes)", path, size);
        goto done;
    }
    uint64_t checksum = load_u64(data + size - 8);
    if (checksum_bytes(data, size - 8) != checksum) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: fails its checksum (stored at offset %zu)",
                           path, size - 8);
        goto done;
    }
    if (checksum != expected_checksum) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: is not the file the manifest names "
                           "(checksum differs)", path);
        goto done;
    }
    uint32_t count = load_u32(data + 12);
    uint64_t bytes_size = load_u64(data + 16);
    /* bytes_size <= size keeps the sum below from wrapping (count is bounded too). */
    if (load_u32(data + 8) != DICTIONARY_FILE_VERSION || count > PDB_DICTIONARY_ENTRIES_MAX ||
        bytes_size > size || 24 + 8 * ((uint64_t)count + 1) + bytes_size + 8 != size) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: header sizes do not match the file", path);
        goto done;
    }
    const uint8_t *offsets = data + 24;
    const char *bytes = (const char *)(offsets + 8 * ((size_t)count + 1));
    uint64_t previous = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t start = load_u64(offsets + 8 * (size_t)i);
        uint64_t end = load_u64(offsets + 8 * ((size_t)i + 1));
        if (start != previous || end < start || end > bytes_size) {
            status = error_set(error, PDB_ERR_CORRUPT, "%s: entry %u has bad offsets", path, i);
            goto done;
        }
        uint32_t code;
        status = dictionary_intern(&loaded, bytes + start, end - start, &code, error);
        if (status != PDB_OK) goto done;
        if (code != i) {
            status = error_set(error, PDB_ERR_CORRUPT, "%s: entry %u repeats entry %u", path, i, code);
            goto done;
        }
        previous = end;
    }
    if (previous != bytes_size) status = error_set(error, PDB_ERR_CORRUPT, "%s: trailing string bytes", path);
    if (status == PDB_OK) {
        dictionary_deinit(dictionary);
        *dictionary = loaded;
        dictionary_init(&loaded);
    }
done:
    dictionary_deinit(&loaded);
    mem_free(data);
    return status;
}
