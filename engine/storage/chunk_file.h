/*
 * Chunk files: one immutable file per chunk of rows, holding one encoded block per column.
 * Named "chunk-<index, 8 digits>-g<generation>.pdc"; a new generation rewrites the file under
 * a new name, so a published file never changes.
 *
 *   offset       size   field
 *   0            8      magic "PDBCHNK1"
 *   8            4      format version (1)
 *   12           4      chunk index
 *   16           4      row count
 *   20           4      column count
 *   24           8      generation that wrote the file
 *   32           ...    column blocks (column/encoding.h), each starting 8-byte aligned
 *   D            24*C   directory: per column {u64 offset, u64 size, u64 xxh3 of the block}
 *   end-40       8      D, the directory offset
 *   end-32       8      xxh3 of the directory
 *   end-24       8      xxh3 of the 32-byte header
 *   end-16       4      column count (again)
 *   end-12       4      reserved, 0
 *   end-8        8      magic "PDBCEND1"
 *
 * Readers check the footer, header and directory checksums when opening and each block's
 * checksum before decoding it; any mismatch is PDB_ERR_CORRUPT naming the file and offset.
 */
#ifndef PDB_STORAGE_CHUNK_FILE_H
#define PDB_STORAGE_CHUNK_FILE_H

#include <stdint.h>

#include "column/column.h"

#define CHUNK_FILE_HEADER_SIZE 32u
#define CHUNK_FILE_FOOTER_SIZE 40u
#define CHUNK_FILE_ENTRY_SIZE 24u
#define CHUNK_FILE_NAME_SIZE 64u

struct chunk_block_ref {
    uint64_t offset;
    uint64_t size;
    uint64_t checksum;
};

/* What a chunk file's footer and directory say; owned blocks array. */
struct chunk_directory {
    uint32_t chunk_index;
    uint32_t row_count;
    uint32_t column_count;
    uint64_t generation;
    uint64_t file_size;
    uint64_t directory_checksum; /* recorded in the manifest to pin this exact file */
    struct chunk_block_ref *blocks;
};

void chunk_file_name(char *out, uint32_t chunk_index, uint64_t generation);

/* Encodes chunks[c] (one per column, all with the same row count, of the columns' types)
 * and writes the file durably to `path`. On success fills *directory_out (owned). */
enum pdb_status chunk_file_write(const char *path, uint32_t chunk_index, uint64_t generation,
                                 const struct column *const *columns, uint32_t column_count,
                                 uint32_t chunk_position, struct chunk_directory *directory_out,
                                 struct pdb_error *error);

/* Reads and checks the header, footer and directory of the chunk file at `path`. */
enum pdb_status chunk_file_read_directory(const char *path, struct chunk_directory *directory,
                                          struct pdb_error *error);

/* Reads and checksums column `column_index`'s block; *block_out is owned (mem_free). */
enum pdb_status chunk_file_read_block(const char *path, const struct chunk_directory *directory,
                                      uint32_t column_index, uint8_t **block_out,
                                      struct pdb_error *error);

void chunk_directory_deinit(struct chunk_directory *directory);

#endif
