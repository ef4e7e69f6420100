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
#define PDB_EVENT_TYPES_MAX 64u           /* event types one schema declares */
#define PDB_EVENT_PROPERTIES_MAX 64u      /* properties of one event type */
#define PDB_COMPUTED_ATTRIBUTES_MAX 64u   /* computed attributes one schema declares */
/* A computed attribute's definition: its rendered line ("<name padded to 24> = <definition>")
 * must fit a schema line again. */
#define PDB_COMPUTED_DEFINITION_SIZE_MAX (PDB_SCHEMA_LINE_SIZE_MAX - PDB_ATTRIBUTE_NAME_SIZE_MAX - 3u)

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
/* Streaming upserts (db/db_stream.c): a batch is one WAL record of NDJSON lines; below a
 * chunk's rows so a batch's new rows never fill a chunk of their own. */
#define PDB_UPSERT_BATCH_RECORDS_MAX 16384u
#define PDB_UPSERT_BATCH_SIZE_MAX PDB_WAL_RECORD_SIZE_MAX
/* The log grows to about this before a batch triggers an automatic checkpoint. */
#define PDB_WAL_CHECKPOINT_SIZE (64u << 20)

/* Segments. */
#define PDB_SEGMENT_TEXT_SIZE_MAX (1u << 20)
#define PDB_SEGMENT_DEPTH_MAX 128u /* nesting of parentheses and NOT */
#define PDB_SEGMENT_NODES_MAX 65536u
#define PDB_IN_LIST_SIZE_MAX 65536u
/* IN-list values one chunk's lanes are tested against on the stack (translated to lane
 * offsets); a longer list is tested block by block on widened values instead. */
#define PDB_IN_LANE_SET_SIZE_MAX 2048u
/* Saved segments (segment('name') inside a segment; db/db_saved_segments.c). */
#define PDB_SAVED_SEGMENTS_MAX 4096u          /* named segments in one database */
#define PDB_SAVED_SEGMENT_NAME_SIZE_MAX 64u   /* bytes of a name: [A-Za-z0-9_.-]+ */
#define PDB_SAVED_SEGMENT_DEPTH_MAX 8u        /* segment('a') inside 'a' inside ... */
#define PDB_SEGMENTS_FILE_SIZE_MAX (64u << 20) /* the SEGMENTS file */
/* Results. */
#define PDB_OVERLAP_SEGMENTS_MAX 64u          /* segments of one overlap matrix */
#define PDB_BREAKDOWN_VALUES_MAX (1u << 24)   /* dictionary entries a breakdown counts */
/* Identifier hash indexes: slots of one table (a power of two; tags are 32 bits). */
#define PDB_IDENTIFIER_INDEX_SLOTS_MAX (1ull << 32)

/* Files. */
#define PDB_PATH_SIZE_MAX 4096u
#define PDB_MANIFEST_SIZE_MAX (64u << 20)
#define PDB_BLOCK_SIZE_MAX (1ull << 34) /* one encoded column block */
/* The tombstone file: at worst one 8 KiB bitset container (plus its 8-byte key/size and
 * 4-byte offset) per chunk, and a header. */
#define PDB_TOMBSTONE_FILE_SIZE_MAX ((size_t)PDB_CHUNKS_MAX * (8192u + 12u) + 4096u)

/* Network protocol (docs/PROTOCOL.md). A frame is a 16-byte header, a payload and a 4-byte
 * CRC-32C; frame sizes count all three. */
#define PDB_PROTOCOL_VERSION 1u
#define PDB_FRAME_HEADER_SIZE 16u
#define PDB_FRAME_TRAILER_SIZE 4u
#define PDB_FRAME_SIZE_MIN (PDB_FRAME_HEADER_SIZE + PDB_FRAME_TRAILER_SIZE)
#define PDB_REQUEST_FRAME_SIZE_DEFAULT (4u << 20) /* largest request a server reads (--frame-size-max) */
#define PDB_REQUEST_FRAME_SIZE_MAX (64u << 20)    /* the most --frame-size-max may say */
#define PDB_RESPONSE_FRAME_SIZE_MAX (64u << 20)   /* largest response frame either side accepts */
#define PDB_TOKEN_SIZE_MIN 16u                    /* bytes of an access token */
#define PDB_TOKEN_SIZE_MAX 256u
#define PDB_TOKENS_MAX 4096u                      /* entries in a tokens file */
#define PDB_TOKENS_FILE_SIZE_MAX (1u << 20)
#define PDB_CLIENT_NAME_SIZE_MAX 256u             /* HELLO's client name */
#define PDB_UPSERT_RECORDS_MAX 10000u             /* records in one UPSERT request */

/* Server (`profiledb serve`): defaults of the options and the most each may be set to. */
#define PDB_SERVER_CONNECTIONS_DEFAULT 1024u      /* --max-connections */
#define PDB_SERVER_CONNECTIONS_MAX 65536u
#define PDB_SERVER_IDLE_TIMEOUT_MS_DEFAULT 60000u /* --idle-timeout-ms: no bytes either way */
#define PDB_SERVER_FRAME_TIMEOUT_MS_DEFAULT 10000u /* --frame-timeout-ms: first to last byte of a request */
#define PDB_SERVER_DEADLINE_MS_DEFAULT 30000u     /* --deadline-ms: arrival to last response byte queued */
#define PDB_SERVER_TIMEOUT_MS_MAX 86400000u       /* any of the three above */
#define PDB_SERVER_PAGE_ROWS_DEFAULT 65536u       /* --page-rows: ids per IDS response frame */
#define PDB_SERVER_PAGE_ROWS_MAX (1u << 20)
#define PDB_SERVER_WORKERS_MAX 64u                /* --workers: one database handle each */
#define PDB_SERVER_PIPELINE_DEPTH_MAX 64u         /* requests in flight per connection */
#define PDB_SERVER_QUEUE_MAX 4096u                /* requests waiting for a worker, all connections */
#define PDB_SERVER_COUNT_BATCH_MAX 16u            /* queued COUNTs a worker evaluates in one pass */
#define PDB_SERVER_UPSERT_GROUP_DEFAULT 64u       /* --upsert-group: UPSERTs of one group commit */
#define PDB_SERVER_UPSERT_GROUP_MAX 256u
#define PDB_SERVER_UPSERT_GROUP_WAIT_US_DEFAULT 1000u /* --upsert-group-wait-us: a group's wait */
#define PDB_SERVER_UPSERT_GROUP_WAIT_US_MAX 100000u
#define PDB_SERVER_QUEUE_BYTES_MAX (256u << 20)   /* their payload bytes, all connections */
#define PDB_SERVER_OUTPUT_SIZE_MAX (8u << 20)     /* queued response bytes per connection before
                                                     the server stops reading and streams pause */
#define PDB_SERVER_DRAIN_TIMEOUT_MS 10000u        /* SIGTERM: time given to in-flight requests */
#define PDB_SERVER_TICK_MS 50u                    /* timer granularity of the event loop */
#define PDB_CLIENT_TIMEOUT_MS_DEFAULT 60000u      /* a client call waiting for its response */

static_assert(PDB_CHUNK_ROWS % 64u == 0, "chunk rows fill whole bitset words");
static_assert(PDB_CHUNK_ROWS == 65536u, "a chunk is exactly one roaring container");
static_assert(PDB_ATTRIBUTE_NAME_SIZE_MAX < PDB_SCHEMA_LINE_SIZE_MAX, "names fit in a line");
static_assert(PDB_COMPUTED_DEFINITION_SIZE_MAX + PDB_ATTRIBUTE_NAME_SIZE_MAX + 3u <=
                  PDB_SCHEMA_LINE_SIZE_MAX, "a rendered computed attribute fits a schema line");
static_assert(PDB_COMPUTED_DEFINITION_SIZE_MAX <= PDB_SEGMENT_TEXT_SIZE_MAX,
              "a definition is a segment text");
static_assert(PDB_TEXT_VALUE_SIZE_MAX <= PDB_CSV_RECORD_SIZE_MAX, "a value fits in a record");
static_assert(PDB_SAVED_SEGMENTS_MAX * (PDB_SAVED_SEGMENT_NAME_SIZE_MAX + 16ull) <
                  PDB_SEGMENTS_FILE_SIZE_MAX, "the names of every saved segment fit the file");
static_assert(PDB_SAVED_SEGMENT_DEPTH_MAX * PDB_SEGMENT_DEPTH_MAX <= 4096u,
              "expanded saved segments keep the bound tree's depth bounded");
static_assert(PDB_CSV_READ_SIZE <= PDB_CSV_RECORD_SIZE_MAX, "reads are smaller than records");
static_assert(PDB_INPUT_READS_IN_FLIGHT <= PDB_IO_RING_DEPTH_MAX, "read-ahead fits one ring");
static_assert(PDB_WAL_RECORD_SIZE_MAX < PDB_WAL_BUFFERED_SIZE_MAX, "a record fits the buffer");
static_assert(PDB_UPSERT_BATCH_RECORDS_MAX < PDB_CHUNK_ROWS, "a batch's new rows stay in one partial chunk");
static_assert(PDB_INPUT_BLOCK_SIZE <= INT32_MAX, "a read's result fits the completion's int32");

static_assert(PDB_SEGMENT_TEXT_SIZE_MAX + 64u <= PDB_REQUEST_FRAME_SIZE_DEFAULT,
              "a segment of the largest size fits in a request frame");
static_assert(PDB_REQUEST_FRAME_SIZE_DEFAULT <= PDB_REQUEST_FRAME_SIZE_MAX, "default within max");
static_assert(PDB_SERVER_PAGE_ROWS_MAX * 4ull + 64u <= PDB_RESPONSE_FRAME_SIZE_MAX,
              "a page of ids fits in a response frame");
static_assert(PDB_SERVER_PAGE_ROWS_DEFAULT <= PDB_SERVER_PAGE_ROWS_MAX, "default within max");
static_assert(PDB_SERVER_PAGE_ROWS_MAX * 4ull < PDB_SERVER_OUTPUT_SIZE_MAX, "a page fits the output");
static_assert(PDB_SERVER_CONNECTIONS_DEFAULT <= PDB_SERVER_CONNECTIONS_MAX, "default within max");
static_assert(PDB_SERVER_COUNT_BATCH_MAX >= 2 && PDB_SERVER_COUNT_BATCH_MAX <= PDB_OVERLAP_SEGMENTS_MAX,
              "a COUNT batch is one overlap pass");
static_assert(PDB_SERVER_COUNT_BATCH_MAX <= PDB_SERVER_UPSERT_GROUP_MAX, "one job array holds either");
static_assert(PDB_SERVER_UPSERT_GROUP_DEFAULT <= PDB_SERVER_UPSERT_GROUP_MAX &&
                  PDB_SERVER_UPSERT_GROUP_MAX <= PDB_SERVER_QUEUE_MAX, "an UPSERT group is queued jobs");
static_assert(PDB_SERVER_UPSERT_GROUP_WAIT_US_DEFAULT <= PDB_SERVER_UPSERT_GROUP_WAIT_US_MAX,
              "default within max");
static_assert(PDB_TOKEN_SIZE_MIN <= PDB_TOKEN_SIZE_MAX, "token bounds");
static_assert(PDB_REQUEST_FRAME_SIZE_MAX <= PDB_SERVER_QUEUE_BYTES_MAX, "a largest request can queue");

#endif
