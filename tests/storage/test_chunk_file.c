/*
 * Tests for storage/chunk_file.c: write -> read directory -> read block -> decode round trips
 * for every type (and for a chunk other than the first), the byte layout of header, blocks,
 * directory and footer, and corruption: one flipped byte at every offset of a file must make
 * reading the directory fail, or reading exactly the affected block fail, with
 * PDB_ERR_CORRUPT and the file's path in the message; every truncation must fail too.
 * Files live in a mkdtemp directory under /tmp, removed at the end of each test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "column/encoding.h"
#include "storage/chunk_file.h"
#include "storage/file_io.h"
#include "support/test_files.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static char directory[64];

static void make_directory(void)
{
    test_dir_make(directory, sizeof directory, "chunk-file");
}

static void remove_directory(void)
{
    test_dir_remove(directory);
}

static void in_directory(char *out, const char *name)
{
    snprintf(out, PDB_PATH_SIZE_MAX, "%s/%s", directory, name);
}

static void append_value(struct column *column, uint32_t row)
{
    enum pdb_status status = PDB_OK;
    switch (column->attribute.type) {
    case PDB_TYPE_BOOL:
        status = column_append_bool(column, row % 3 == 1, NULL);
        break;
    case PDB_TYPE_INT:
        status = column_append_int(column, (int64_t)row * -7919, NULL);
        break;
    case PDB_TYPE_TIMESTAMP:
        status = column_append_int(column, 1700000000 + row, NULL);
        break;
    case PDB_TYPE_FLOAT:
        status = column_append_float(column, row / 3.0, NULL);
        break;
    case PDB_TYPE_CATEGORY: {
        char text[8];
        int size = snprintf(text, sizeof text, "k%u", row % 5);
        status = column_append_string(column, text, (size_t)size, NULL);
        break;
    }
    case PDB_TYPE_TEXT: {
        char text[24];
        int size = snprintf(text, sizeof text, "name %u", row);
        status = column_append_string(column, text, (size_t)(row % 2 ? size : size - 1), NULL);
        break;
    }
    case PDB_TYPE_TAGS: {
        const char *tags[] = {"x", "y", "z"};
        uint32_t sizes[] = {1, 1, 1};
        status = column_append_tags(column, tags + row % 2, sizes, 1 + row % 2, NULL);
        break;
    }
    default:
        cr_assert_fail();
    }
    cr_assert_eq(status, PDB_OK);
}

/* One column per type, `rows` rows, every fourth row NULL. */
static void build_columns(struct column **columns, uint32_t rows)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        struct attribute attribute = {.type = (enum pdb_type)type};
        snprintf(attribute.name, sizeof attribute.name, "c%d", type);
        columns[type] = column_create(&attribute);
        cr_assert_not_null(columns[type]);
        for (uint32_t row = 0; row < rows; row++) {
            if (row % 4 == 3)
                cr_assert_eq(column_append_null(columns[type], NULL), PDB_OK);
            else
                append_value(columns[type], row);
        }
    }
}

static void destroy_columns(struct column **columns)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++)
        column_destroy(columns[type]);
}

static void write_file(const char *path, struct column **columns, uint32_t chunk_position,
                       struct chunk_directory *directory_out)
{
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_write(path, 3, 42, (const struct column *const *)columns,
                                  PDB_TYPE_COUNT, chunk_position, directory_out, &error),
                 PDB_OK, "%s", error.message);
}

static void read_image(const char *path, uint8_t **data, size_t *size)
{
    cr_assert_eq(file_read_all(path, 1u << 30, data, size, NULL), PDB_OK);
}

static void flip_byte_at(int fd, uint64_t offset, uint8_t mask)
{
    uint8_t byte;
    cr_assert_eq(pread(fd, &byte, 1, (off_t)offset), 1);
    byte ^= mask;
    cr_assert_eq(pwrite(fd, &byte, 1, (off_t)offset), 1);
}

/* Reads the block of column c, decodes it and compares it with the original chunk by
 * re-encoding the original. */
static void assert_block_matches(const char *path, const struct chunk_directory *directory,
                                 struct column *column, uint32_t c, uint32_t chunk_position)
{
    uint8_t *block = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_block(path, directory, c, &block, &error), PDB_OK, "%s",
                 error.message);
    struct buffer expected;
    buffer_init(&expected);
    cr_assert_eq(
        block_encode(&column->chunks[chunk_position], column->attribute.type, &expected, NULL),
        PDB_OK);
    cr_assert_eq(directory->blocks[c].size, expected.size);
    cr_assert(memcmp(block, expected.data, expected.size) == 0, "column %u", c);
    struct column_chunk chunk;
    cr_assert_eq(column_chunk_init(&chunk, column->attribute.type), 0);
    cr_assert_eq(block_decode(block, directory->blocks[c].size, column->attribute.type,
                              column->dictionary.entry_count, &chunk, &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(chunk.row_count, column->chunks[chunk_position].row_count);
    cr_assert_eq(chunk.null_count, column->chunks[chunk_position].null_count);
    column_chunk_deinit(&chunk);
    buffer_deinit(&expected);
    mem_free(block);
}

/* ---- Round trips -------------------------------------------------------------------------- */

Test(chunk_file, names_files_by_index_and_generation)
{
    char name[CHUNK_FILE_NAME_SIZE];
    chunk_file_name(name, 3, 7);
    cr_assert_str_eq(name, "chunk-00000003-g7.pdc");
    chunk_file_name(name, UINT32_MAX, UINT64_MAX);
    cr_assert_str_eq(name, "chunk-4294967295-g18446744073709551615.pdc");
}

Test(chunk_file, round_trips_every_type)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 100);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "chunk-00000003-g42.pdc");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    cr_assert_eq(written.chunk_index, 3u);
    cr_assert_eq(written.generation, 42u);
    cr_assert_eq(written.row_count, 100u);
    cr_assert_eq(written.column_count, (uint32_t)PDB_TYPE_COUNT);
    uint64_t size = 0;
    cr_assert_eq(file_size(path, &size, NULL), PDB_OK);
    cr_assert_eq(written.file_size, size);

    struct chunk_directory read;
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(read.chunk_index, 3u);
    cr_assert_eq(read.generation, 42u);
    cr_assert_eq(read.row_count, 100u);
    cr_assert_eq(read.column_count, (uint32_t)PDB_TYPE_COUNT);
    cr_assert_eq(read.file_size, written.file_size);
    cr_assert_eq(read.directory_checksum, written.directory_checksum);
    for (uint32_t c = 0; c < PDB_TYPE_COUNT; c++) {
        cr_assert_eq(read.blocks[c].offset, written.blocks[c].offset);
        cr_assert_eq(read.blocks[c].size, written.blocks[c].size);
        cr_assert_eq(read.blocks[c].checksum, written.blocks[c].checksum);
        cr_assert_eq(read.blocks[c].offset % 8, 0u, "blocks start 8-byte aligned");
        assert_block_matches(path, &read, columns[c], c, 0);
    }
    chunk_directory_deinit(&read);
    chunk_directory_deinit(&written);
    cr_assert_null(written.blocks);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, writes_the_documented_layout)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 9);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "layout");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    uint8_t *image;
    size_t size;
    read_image(path, &image, &size);
    cr_assert(memcmp(image, "PDBCHNK1", 8) == 0);
    cr_assert_eq(load_u32(image + 8), 1u, "version");
    cr_assert_eq(load_u32(image + 12), 3u, "chunk index");
    cr_assert_eq(load_u32(image + 16), 9u, "row count");
    cr_assert_eq(load_u32(image + 20), (uint32_t)PDB_TYPE_COUNT, "column count");
    cr_assert_eq(load_u64(image + 24), 42u, "generation");
    cr_assert_eq(written.blocks[0].offset, CHUNK_FILE_HEADER_SIZE);
    const uint8_t *footer = image + size - CHUNK_FILE_FOOTER_SIZE;
    uint64_t directory_offset = load_u64(footer);
    cr_assert_eq(directory_offset + PDB_TYPE_COUNT * CHUNK_FILE_ENTRY_SIZE,
                 size - CHUNK_FILE_FOOTER_SIZE);
    cr_assert_eq(load_u64(footer + 8),
                 checksum_bytes(image + directory_offset, PDB_TYPE_COUNT * 24u));
    cr_assert_eq(load_u64(footer + 8), written.directory_checksum);
    cr_assert_eq(load_u64(footer + 16), checksum_bytes(image, 32));
    cr_assert_eq(load_u32(footer + 24), (uint32_t)PDB_TYPE_COUNT);
    cr_assert_eq(load_u32(footer + 28), 0u);
    cr_assert(memcmp(footer + 32, "PDBCEND1", 8) == 0);
    uint64_t previous_end = CHUNK_FILE_HEADER_SIZE;
    for (uint32_t c = 0; c < PDB_TYPE_COUNT; c++) {
        const uint8_t *entry = image + directory_offset + c * 24u;
        cr_assert_eq(load_u64(entry), written.blocks[c].offset);
        cr_assert_eq(load_u64(entry + 8), written.blocks[c].size);
        cr_assert_eq(load_u64(entry + 16),
                     checksum_bytes(image + written.blocks[c].offset, written.blocks[c].size));
        cr_assert_eq(written.blocks[c].offset, (previous_end + 7) / 8 * 8, "blocks are packed");
        for (uint64_t pad = previous_end; pad < written.blocks[c].offset; pad++)
            cr_assert_eq(image[pad], 0);
        previous_end = written.blocks[c].offset + written.blocks[c].size;
    }
    cr_assert_eq(directory_offset, previous_end, "the directory follows the last block");
    mem_free(image);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, writes_any_chunk_of_a_column)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, PDB_CHUNK_ROWS + 10);
    char path[PDB_PATH_SIZE_MAX];
    for (uint32_t position = 0; position < 2; position++) {
        in_directory(path, position ? "second" : "first");
        struct chunk_directory written, read;
        write_file(path, columns, position, &written);
        cr_assert_eq(written.row_count, position ? 10u : PDB_CHUNK_ROWS);
        cr_assert_eq(chunk_file_read_directory(path, &read, NULL), PDB_OK);
        cr_assert_eq(read.row_count, written.row_count);
        for (uint32_t c = 0; c < PDB_TYPE_COUNT; c++)
            assert_block_matches(path, &read, columns[c], c, position);
        chunk_directory_deinit(&read);
        chunk_directory_deinit(&written);
    }
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, writes_an_empty_chunk)
{
    make_directory();
    struct attribute attribute = {.name = "n", .type = PDB_TYPE_TEXT};
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column_add_chunk(column));
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "empty");
    struct chunk_directory written, read;
    cr_assert_eq(
        chunk_file_write(path, 0, 1, (const struct column *const *)&column, 1, 0, &written, NULL),
        PDB_OK);
    cr_assert_eq(chunk_file_read_directory(path, &read, NULL), PDB_OK);
    cr_assert_eq(read.row_count, 0u);
    assert_block_matches(path, &read, column, 0, 0);
    chunk_directory_deinit(&read);
    chunk_directory_deinit(&written);
    column_destroy(column);
    remove_directory();
}

Test(chunk_file, rejects_columns_with_different_row_counts)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 20);
    cr_assert_eq(column_append_null(columns[4], NULL), PDB_OK);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "uneven");
    struct chunk_directory written = {.blocks = (struct chunk_block_ref *)&written};
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_write(path, 0, 1, (const struct column *const *)columns, PDB_TYPE_COUNT,
                                  0, &written, &error),
                 PDB_ERR_USAGE);
    cr_assert(strstr(error.message, "'c4'") != NULL, "%s", error.message);
    cr_assert_eq(written.blocks, (struct chunk_block_ref *)&written, "out-parameter untouched");
    cr_assert_neq(access(path, F_OK), 0, "no file is written");
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, write_out_of_memory_leaves_no_file)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 50);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "oom");
    for (uint64_t fail_after = 0;; fail_after++) {
        cr_assert_lt(fail_after, 100u);
        struct chunk_directory written;
        struct pdb_error error = {0};
        mem_fail_after(fail_after);
        enum pdb_status status = chunk_file_write(path, 0, 1, (const struct column *const *)columns,
                                                  PDB_TYPE_COUNT, 0, &written, &error);
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            chunk_directory_deinit(&written);
            break;
        }
        cr_assert_eq(status, PDB_ERR_NO_MEMORY);
        cr_assert(strstr(error.message, path) != NULL ||
                  strstr(error.message, "out of memory") != NULL);
        cr_assert_neq(access(path, F_OK), 0);
    }
    destroy_columns(columns);
    remove_directory();
}

/* ---- Corruption ---------------------------------------------------------------------------- */

Test(chunk_file, missing_and_foreign_files)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "absent.pdc");
    struct chunk_directory read = {0};
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_NOT_FOUND);
    cr_assert(strstr(error.message, path) != NULL);
    in_directory(path, "text.pdc");
    char text[200];
    memset(text, 'x', sizeof text);
    cr_assert_eq(file_write_durable(path, text, sizeof text, NULL), PDB_OK);
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert_null(read.blocks, "out-parameter untouched");
    remove_directory();
}

enum region { REGION_HEADER, REGION_BLOCK, REGION_PADDING, REGION_DIRECTORY, REGION_FOOTER };

static enum region region_of(const struct chunk_directory *directory, uint64_t offset,
                             uint32_t *column_out)
{
    if (offset < CHUNK_FILE_HEADER_SIZE) return REGION_HEADER;
    if (offset >= directory->file_size - CHUNK_FILE_FOOTER_SIZE) return REGION_FOOTER;
    for (uint32_t c = 0; c < directory->column_count; c++) {
        if (offset >= directory->blocks[c].offset &&
            offset < directory->blocks[c].offset + directory->blocks[c].size) {
            *column_out = c;
            return REGION_BLOCK;
        }
    }
    uint64_t directory_offset = directory->file_size - CHUNK_FILE_FOOTER_SIZE -
                                (uint64_t)directory->column_count * CHUNK_FILE_ENTRY_SIZE;
    return offset >= directory_offset ? REGION_DIRECTORY : REGION_PADDING;
}

/* Flips (XOR mask) the byte at `offset`, checks the damage is found where it should be,
 * and restores the byte. Returns true if the flip went unnoticed. */
static bool check_flip(const char *path, int fd, const struct chunk_directory *original,
                       uint64_t offset, uint8_t mask)
{
    uint32_t column = UINT32_MAX;
    enum region region = region_of(original, offset, &column);
    flip_byte_at(fd, offset, mask);
    struct chunk_directory read = {0};
    struct pdb_error error = {0};
    enum pdb_status status = chunk_file_read_directory(path, &read, &error);
    bool unnoticed = false;
    if (status != PDB_OK) {
        cr_assert_eq(status, PDB_ERR_CORRUPT, "offset %llu: status %d", (unsigned long long)offset,
                     status);
        cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
        cr_assert(region != REGION_BLOCK && region != REGION_PADDING,
                  "a flip inside block %u (offset %llu) broke the directory read: %s", column,
                  (unsigned long long)offset, error.message);
    } else {
        cr_assert(region == REGION_BLOCK || region == REGION_PADDING,
                  "flip at offset %llu (region %d) not detected when reading the directory",
                  (unsigned long long)offset, region);
        for (uint32_t c = 0; c < read.column_count; c++) {
            uint8_t *block = NULL;
            memset(&error, 0, sizeof error);
            status = chunk_file_read_block(path, &read, c, &block, &error);
            if (region == REGION_BLOCK && c == column) {
                cr_assert_eq(status, PDB_ERR_CORRUPT,
                             "flip at offset %llu in block %u not detected",
                             (unsigned long long)offset, c);
                cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
                char where[64];
                snprintf(where, sizeof where, "column %u", c);
                cr_assert(strstr(error.message, where) != NULL, "%s", error.message);
            } else {
                cr_assert_eq(status, PDB_OK, "flip at offset %llu broke block %u: %s",
                             (unsigned long long)offset, c, error.message);
                mem_free(block);
            }
        }
        unnoticed = region == REGION_PADDING;
        chunk_directory_deinit(&read);
    }
    flip_byte_at(fd, offset, mask);
    return unnoticed;
}

Test(chunk_file, detects_a_flipped_byte_at_every_offset)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 13);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "flip.pdc");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    uint64_t padding_bytes = 0;
    for (uint64_t offset = 0; offset < written.file_size; offset++) {
        if (check_flip(path, fd, &written, offset, 0xFF)) padding_bytes++;
    }
    /* Padding between blocks is covered by no checksum; a flip there changes nothing read. */
    cr_assert_lt(padding_bytes, 8u * PDB_TYPE_COUNT);
    /* The file is intact again. */
    struct chunk_directory read;
    cr_assert_eq(chunk_file_read_directory(path, &read, NULL), PDB_OK);
    for (uint32_t c = 0; c < PDB_TYPE_COUNT; c++)
        assert_block_matches(path, &read, columns[c], c, 0);
    chunk_directory_deinit(&read);
    close(fd);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, detects_every_single_bit_flip_in_header_directory_and_footer)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 5);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "bits.pdc");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    uint64_t directory_offset =
        written.file_size - CHUNK_FILE_FOOTER_SIZE - PDB_TYPE_COUNT * CHUNK_FILE_ENTRY_SIZE;
    for (uint64_t offset = 0; offset < written.file_size; offset++) {
        if (offset >= CHUNK_FILE_HEADER_SIZE && offset < directory_offset) {
            /* Blocks: a sample of bits in each block's own header fields. */
            uint32_t column;
            if (region_of(&written, offset, &column) != REGION_BLOCK ||
                offset - written.blocks[column].offset >= BLOCK_HEADER_SIZE)
                continue;
        }
        for (int bit = 0; bit < 8; bit++) {
            bool unnoticed = check_flip(path, fd, &written, offset, (uint8_t)(1u << bit));
            cr_assert_not(unnoticed);
        }
    }
    close(fd);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, detects_every_truncation)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 11);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "torn.pdc");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    for (uint64_t size = written.file_size; size-- > 0;) {
        cr_assert_eq(ftruncate(fd, (off_t)size), 0);
        struct chunk_directory read = {0};
        struct pdb_error error = {0};
        cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT,
                     "truncated to %llu", (unsigned long long)size);
        cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
        cr_assert_null(read.blocks);
    }
    close(fd);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, detects_a_file_truncated_after_its_directory_was_read)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 30);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "shrunk.pdc");
    struct chunk_directory written, read;
    write_file(path, columns, 0, &written);
    cr_assert_eq(chunk_file_read_directory(path, &read, NULL), PDB_OK);
    uint32_t last = PDB_TYPE_COUNT - 1;
    cr_assert_eq(truncate(path, (off_t)(read.blocks[last].offset + read.blocks[last].size / 2)), 0);
    uint8_t *block = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_block(path, &read, last, &block, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, path) != NULL, "%s", error.message);
    cr_assert_null(block);
    cr_assert_eq(chunk_file_read_block(path, &read, 0, &block, &error), PDB_OK,
                 "earlier blocks still read");
    mem_free(block);
    block = NULL;
    cr_assert_eq(chunk_file_read_block(path, &read, PDB_TYPE_COUNT, &block, &error),
                 PDB_ERR_CORRUPT, "column index out of range");
    cr_assert_null(block);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(chunk_file_read_block(path, &read, 0, &block, &error), PDB_ERR_NOT_FOUND);
    chunk_directory_deinit(&read);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

Test(chunk_file, detects_an_appended_byte)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 4);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "longer.pdc");
    struct chunk_directory written, read;
    write_file(path, columns, 0, &written);
    FILE *file = fopen(path, "ab");
    fputc(0, file);
    fclose(file);
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, path) != NULL);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

/* A directory whose checksums are all recomputed (as a buggy writer would produce) but whose
 * entries point outside the file must still be rejected. */
Test(chunk_file, rejects_consistent_checksums_over_impossible_entries)
{
    make_directory();
    struct column *columns[PDB_TYPE_COUNT];
    build_columns(columns, 6);
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "forged.pdc");
    struct chunk_directory written;
    write_file(path, columns, 0, &written);
    uint8_t *image;
    size_t size;
    read_image(path, &image, &size);
    uint64_t directory_offset = load_u64(image + size - CHUNK_FILE_FOOTER_SIZE);
    struct {
        uint32_t column;
        uint32_t field; /* 0 offset, 8 size */
        uint64_t value;
    } forgeries[] = {
        {0, 0, 0}, /* block inside the header */
        {0, 0, 31},
        {2, 8, directory_offset}, /* runs into the directory */
        {6, 0, directory_offset - 1},
        {3, 8, UINT64_MAX},     /* size overflow */
        {3, 0, UINT64_MAX - 4}, /* offset overflow */
    };
    for (size_t f = 0; f < sizeof forgeries / sizeof forgeries[0]; f++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, image, size);
        uint8_t *entry = copy + directory_offset + forgeries[f].column * CHUNK_FILE_ENTRY_SIZE;
        store_u64(entry + forgeries[f].field, forgeries[f].value);
        store_u64(copy + size - 32, checksum_bytes(copy + directory_offset, PDB_TYPE_COUNT * 24u));
        cr_assert_eq(file_write_durable(path, copy, size, NULL), PDB_OK);
        struct chunk_directory read = {0};
        struct pdb_error error = {0};
        cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT, "forgery %zu",
                     f);
        cr_assert(strstr(error.message, "outside the file") != NULL, "%s", error.message);
        free(copy);
    }
    /* A header claiming a newer version, with a matching header checksum. */
    uint8_t *copy = malloc(size);
    memcpy(copy, image, size);
    store_u32(copy + 8, 2);
    store_u64(copy + size - 24, checksum_bytes(copy, 32));
    cr_assert_eq(file_write_durable(path, copy, size, NULL), PDB_OK);
    struct chunk_directory read = {0};
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "version 2") != NULL, "%s", error.message);
    free(copy);
    mem_free(image);
    chunk_directory_deinit(&written);
    destroy_columns(columns);
    remove_directory();
}

/* A forged footer whose directory offset wraps around 2^64 onto the footer is malformed,
 * not an I/O error. */
Test(chunk_file, rejects_a_directory_offset_that_wraps)
{
    make_directory();
    char path[PDB_PATH_SIZE_MAX];
    in_directory(path, "wrap.pdc");
    uint8_t image[CHUNK_FILE_HEADER_SIZE + CHUNK_FILE_FOOTER_SIZE] = {0};
    memcpy(image, "PDBCHNK1", 8);
    store_u32(image + 8, 1);
    store_u32(image + 20, 2); /* two columns: a 48-byte directory that cannot fit */
    uint8_t *footer = image + CHUNK_FILE_HEADER_SIZE;
    store_u64(footer, (uint64_t)CHUNK_FILE_HEADER_SIZE - 2 * CHUNK_FILE_ENTRY_SIZE); /* wraps */
    store_u64(footer + 16, checksum_bytes(image, CHUNK_FILE_HEADER_SIZE));
    store_u32(footer + 24, 2);
    memcpy(footer + 32, "PDBCEND1", 8);
    cr_assert_eq(file_write_durable(path, image, sizeof image, NULL), PDB_OK);
    struct chunk_directory read = {0};
    struct pdb_error error = {0};
    cr_assert_eq(chunk_file_read_directory(path, &read, &error), PDB_ERR_CORRUPT, "%s",
                 error.message);
    cr_assert(strstr(error.message, path) != NULL);
    cr_assert_null(read.blocks);
    remove_directory();
}
