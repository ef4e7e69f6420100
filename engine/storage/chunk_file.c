/*
 * Chunk file writer and reader (see chunk_file.h for the format).
 */
#include "storage/chunk_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/status.h"
#include "column/encoding.h"
#include "storage/file_io.h"

static const char header_magic[8] = {'P', 'D', 'B', 'C', 'H', 'N', 'K', '1'};
static const char footer_magic[8] = {'P', 'D', 'B', 'C', 'E', 'N', 'D', '1'};
#define CHUNK_FILE_VERSION 1u

void chunk_file_name(char *out, uint32_t chunk_index, uint64_t generation)
{
    snprintf(out, CHUNK_FILE_NAME_SIZE, "chunk-%08" PRIu32 "-g%" PRIu64 ".pdc", chunk_index,
             generation);
}

void chunk_directory_deinit(struct chunk_directory *directory)
{
    mem_free(directory->blocks);
    directory->blocks = NULL;
}

enum pdb_status chunk_file_write(const char *path, uint32_t chunk_index, uint64_t generation,
                                 const struct column *const *columns, uint32_t column_count,
                                 uint32_t chunk_position, struct chunk_directory *directory_out,
                                 struct pdb_error *error)
{
    struct buffer image;
    buffer_init(&image);
    struct chunk_block_ref *blocks = mem_calloc(column_count, sizeof *blocks);
    enum pdb_status status = PDB_OK;
    if (blocks == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing %s", path);
        goto fail;
    }
    uint32_t row_count = columns[0]->chunks[chunk_position].row_count;
    if (buffer_append(&image, header_magic, 8) != 0 ||
        buffer_append_u32(&image, CHUNK_FILE_VERSION) != 0 ||
        buffer_append_u32(&image, chunk_index) != 0 || buffer_append_u32(&image, row_count) != 0 ||
        buffer_append_u32(&image, column_count) != 0 || buffer_append_u64(&image, generation) != 0)
        goto no_memory;
    for (uint32_t c = 0; c < column_count; c++) {
        const struct column_chunk *chunk = &columns[c]->chunks[chunk_position];
        if (chunk->row_count != row_count) {
            status = error_set(error, PDB_ERR_USAGE, "chunk %u: column '%s' has %u rows, "
                               "expected %u", chunk_index, columns[c]->attribute.name,
                               chunk->row_count, row_count);
            goto fail;
        }
        if (image.size % 8 && buffer_append_zeros(&image, 8 - image.size % 8) != 0) goto no_memory;
        blocks[c].offset = image.size;
        status = block_encode(chunk, columns[c]->attribute.type, &image, error);
        if (status != PDB_OK) goto fail;
        blocks[c].size = image.size - blocks[c].offset;
        blocks[c].checksum = checksum_bytes(image.data + blocks[c].offset, blocks[c].size);
    }
    uint64_t directory_offset = image.size;
    for (uint32_t c = 0; c < column_count; c++) {
        if (buffer_append_u64(&image, blocks[c].offset) != 0 ||
            buffer_append_u64(&image, blocks[c].size) != 0 ||
            buffer_append_u64(&image, blocks[c].checksum) != 0)
            goto no_memory;
    }
    uint64_t directory_checksum =
        checksum_bytes(image.data + directory_offset, image.size - directory_offset);
    uint64_t header_checksum = checksum_bytes(image.data, CHUNK_FILE_HEADER_SIZE);
    if (buffer_append_u64(&image, directory_offset) != 0 ||
        buffer_append_u64(&image, directory_checksum) != 0 ||
        buffer_append_u64(&image, header_checksum) != 0 ||
        buffer_append_u32(&image, column_count) != 0 || buffer_append_u32(&image, 0) != 0 ||
        buffer_append(&image, footer_magic, 8) != 0)
        goto no_memory;

    status = file_write_durable(path, image.data, image.size, error);
    if (status != PDB_OK) goto fail;
    directory_out->chunk_index = chunk_index;
    directory_out->row_count = row_count;
    directory_out->column_count = column_count;
    directory_out->generation = generation;
    directory_out->file_size = image.size;
    directory_out->directory_checksum = directory_checksum;
    directory_out->blocks = blocks;
    buffer_deinit(&image);
    return PDB_OK;

no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory writing %s", path);
fail:
    mem_free(blocks);
    buffer_deinit(&image);
    return status;
}

enum pdb_status chunk_file_read_directory(const char *path, struct chunk_directory *directory,
                                          struct pdb_error *error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return error_set_errno(error, errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, errno,
                               "%s: cannot open chunk file", path);
    }
    struct chunk_block_ref *blocks = NULL;
    uint8_t *entries = NULL;
    enum pdb_status status;
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        status = error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot seek", path);
        goto done;
    }
    uint64_t file_size = (uint64_t)end;
    if (file_size < CHUNK_FILE_HEADER_SIZE + CHUNK_FILE_FOOTER_SIZE) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: %llu bytes is too short for a chunk file",
                           path, (unsigned long long)file_size);
        goto done;
    }
    uint8_t header[CHUNK_FILE_HEADER_SIZE], footer[CHUNK_FILE_FOOTER_SIZE];
    uint64_t footer_offset = file_size - CHUNK_FILE_FOOTER_SIZE;
    if ((status = file_read_at(fd, path, 0, header, sizeof header, error)) != PDB_OK ||
        (status = file_read_at(fd, path, footer_offset, footer, sizeof footer, error)) != PDB_OK)
        goto done;
    if (memcmp(footer + 32, footer_magic, 8) != 0) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: bad footer magic at offset %llu (torn or "
                           "not a chunk file)", path, (unsigned long long)(footer_offset + 32));
        goto done;
    }
    if (load_u32(footer + 28) != 0) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: reserved footer field at offset %llu is "
                           "not 0", path, (unsigned long long)(footer_offset + 28));
        goto done;
    }
    if (memcmp(header, header_magic, 8) != 0 || checksum_bytes(header, sizeof header) != load_u64(footer + 16)) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: header at offset 0 fails its checksum", path);
        goto done;
    }
    if (load_u32(header + 8) != CHUNK_FILE_VERSION) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: unsupported chunk file version %u", path,
                           load_u32(header + 8));
        goto done;
    }
    uint32_t column_count = load_u32(header + 20);
    uint64_t directory_offset = load_u64(footer);
    uint64_t directory_size = (uint64_t)column_count * CHUNK_FILE_ENTRY_SIZE;
    if (column_count != load_u32(footer + 24) || column_count > PDB_ATTRIBUTES_MAX ||
        directory_offset < CHUNK_FILE_HEADER_SIZE || directory_offset > footer_offset ||
        footer_offset - directory_offset != directory_size) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: directory at offset %llu is malformed",
                           path, (unsigned long long)directory_offset);
        goto done;
    }
    entries = mem_alloc(directory_size);
    blocks = mem_calloc(column_count, sizeof *blocks);
    if (entries == NULL || blocks == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", path);
        goto done;
    }
    if ((status = file_read_at(fd, path, directory_offset, entries, directory_size, error)) != PDB_OK)
        goto done;
    if (checksum_bytes(entries, directory_size) != load_u64(footer + 8)) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: directory at offset %llu fails its checksum",
                           path, (unsigned long long)directory_offset);
        goto done;
    }
    for (uint32_t c = 0; c < column_count; c++) {
        const uint8_t *entry = entries + (size_t)c * CHUNK_FILE_ENTRY_SIZE;
        blocks[c].offset = load_u64(entry);
        blocks[c].size = load_u64(entry + 8);
        blocks[c].checksum = load_u64(entry + 16);
        if (blocks[c].offset < CHUNK_FILE_HEADER_SIZE || blocks[c].size > directory_offset ||
            blocks[c].offset > directory_offset - blocks[c].size) {
            status = error_set(error, PDB_ERR_CORRUPT, "%s: block %u at offset %llu lies outside "
                               "the file", path, c, (unsigned long long)blocks[c].offset);
            goto done;
        }
    }
    directory->chunk_index = load_u32(header + 12);
    directory->row_count = load_u32(header + 16);
    directory->column_count = column_count;
    directory->generation = load_u64(header + 24);
    directory->file_size = file_size;
    directory->directory_checksum = load_u64(footer + 8);
    directory->blocks = blocks;
    blocks = NULL;
    status = PDB_OK;
done:
    mem_free(entries);
    mem_free(blocks);
    close(fd);
    return status;
}

enum pdb_status chunk_file_read_block(const char *path, const struct chunk_directory *directory,
                                      uint32_t column_index, uint8_t **block_out,
                                      struct pdb_error *error)
{
    if (column_index >= directory->column_count) {
        return error_set(error, PDB_ERR_CORRUPT, "%s: has %u columns, column %u requested", path,
                         directory->column_count, column_index);
    }
    const struct chunk_block_ref *ref = &directory->blocks[column_index];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return error_set_errno(error, errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, errno,
                               "%s: cannot open chunk file", path);
    }
    uint8_t *block = mem_alloc(ref->size ? ref->size : 1);
    enum pdb_status status;
    if (block == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory for a %llu-byte block",
                           path, (unsigned long long)ref->size);
    } else if ((status = file_read_at(fd, path, ref->offset, block, ref->size, error)) == PDB_OK &&
               checksum_bytes(block, ref->size) != ref->checksum) {
        status = error_set(error, PDB_ERR_CORRUPT, "%s: block of column %u at offset %llu fails "
                           "its checksum", path, column_index, (unsigned long long)ref->offset);
    }
    close(fd);
    if (status != PDB_OK) {
        mem_free(block);
        return status;
    }
    *block_out = block;
    return PDB_OK;
}
