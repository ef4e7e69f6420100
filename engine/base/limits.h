/*
 * Every bound in profiledb, in one place.
 *
 * Each queue, buffer, recursion and format field has a named limit here, with static
 * assertions on how they relate. Code checks input against these and reports PDB_ERR_LIMIT
 * with the limit's value rather than failing somewhere deeper.
 */
#ifndef PDB_BASE_LIMITS_H
#define PDB_BASE_LIMITS_H

#include <assert.h>
#include <stdint.h>

/* A chunk holds rows [k * PDB_CHUNK_ROWS, (k + 1) * PDB_CHUNK_ROWS): one roaring container. */
#define PDB_CHUNK_ROWS 65536u
#define PDB_CHUNK_WORDS (PDB_CHUNK_ROWS / 64u)
/* Row ids are dense uint32; UINT32_MAX is kept free as "no row". */
#define PDB_ROWS_MAX (UINT32_MAX - 1u)
#define PDB_CHUNKS_MAX ((PDB_ROWS_MAX / PDB_CHUNK_ROWS) + 1u)

/* Schema. */
#define PDB_ATTRIBUTES_MAX 1024u
#define PDB_ATTRIBUTE_NAME_SIZE_MAX 64u
#define PDB_SCHEMA_FILE_SIZE_MAX (1u << 20)
#define PDB_SCHEMA_LINE_SIZE_MAX 4096u

/* Values. */
#define PDB_TEXT_VALUE_SIZE_MAX (1u << 20)  /* one text/category value, bytes */
#define PDB_TAGS_PER_VALUE_MAX 1024u        /* tags in one profile's tag set */
#define PDB_DICTIONARY_ENTRIES_MAX (1u << 30)
#define PDB_CHUNK_TEXT_BYTES_MAX (UINT32_MAX - 1u) /* text bytes of one column in one chunk */

/* CSV input. */
#define PDB_CSV_FIELDS_MAX 4096u
#define PDB_CSV_RECORD_SIZE_MAX (64u << 20) /* one record, all fields, bytes */
#define PDB_CSV_READ_SIZE (1u << 20)        /* bytes per read from the input */

/* Reading input files (ingest/input_stream.c, base/io_ring.c). */
#define PDB_IO_RING_DEPTH_MAX 64u           /* reads one io_uring ring may hold in flight */
#define PDB_INPUT_BLOCK_SIZE (2u << 20)     /* bytes per read of an input file or pipe */
#define PDB_INPUT_READS_IN_FLIGHT 4u        /* reads of a regular file queued ahead of parsing */

/* Write-ahead log (storage/wal.c). */
#define PDB_WAL_RECORD_SIZE_MAX (16u << 20)   /* payload bytes of one record */
#define PDB_WAL_BUFFERED_SIZE_MAX (256u << 20) /* bytes appended and not yet synced */

/* Segments. */
#define PDB_SEGMENT_TEXT_SIZE_MAX (1u << 20)
#define PDB_SEGMENT_DEPTH_MAX 128u /* nesting of parentheses and NOT */
#define PDB_SEGMENT_NODES_MAX 65536u
#define PDB_IN_LIST_SIZE_MAX 65536u

/* Files. */
#define PDB_PATH_SIZE_MAX 4096u
#define PDB_MANIFEST_SIZE_MAX (64u << 20)
#define PDB_BLOCK_SIZE_MAX (1ull << 34) /* one encoded column block */
/* The tombstone file: at worst one 8 KiB bitset container (plus its 8-byte key/size and
 * 4-byte offset) per chunk, and a header. */
#define PDB_TOMBSTONE_FILE_SIZE_MAX ((size_t)PDB_CHUNKS_MAX * (8192u + 12u) + 4096u)

static_assert(PDB_CHUNK_ROWS % 64u == 0, "chunk rows fill whole bitset words");
static_assert(PDB_CHUNK_ROWS == 65536u, "a chunk is exactly one roaring container");
static_assert(PDB_ATTRIBUTE_NAME_SIZE_MAX < PDB_SCHEMA_LINE_SIZE_MAX, "names fit in a line");
static_assert(PDB_TEXT_VALUE_SIZE_MAX <= PDB_CSV_RECORD_SIZE_MAX, "a value fits in a record");
static_assert(PDB_CSV_READ_SIZE <= PDB_CSV_RECORD_SIZE_MAX, "reads are smaller than records");
static_assert(PDB_INPUT_READS_IN_FLIGHT <= PDB_IO_RING_DEPTH_MAX, "read-ahead fits one ring");
static_assert(PDB_WAL_RECORD_SIZE_MAX < PDB_WAL_BUFFERED_SIZE_MAX, "a record fits the buffer");
static_assert(PDB_INPUT_BLOCK_SIZE <= INT32_MAX, "a read's result fits the completion's int32");

#endif
