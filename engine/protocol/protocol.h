/*
 * The profiledb wire protocol: frames and the payload of every message (docs/PROTOCOL.md).
 *
 * Pure encode/decode: no sockets, no clocks, no engine calls. Shared by the server
 * (engine/server) and the network client (engine/client), which never links the engine.
 * Everything is little-endian. A frame:
 *
 *   offset  size  field
 *   0       4     frame_size  whole frame, these 4 bytes and the CRC included (>= 20)
 *   4       1     version     PDB_PROTOCOL_VERSION
 *   5       1     opcode      enum protocol_opcode
 *   6       2     flags       PROTOCOL_FLAG_* (requests: 0)
 *   8       8     request_id  chosen by the client, echoed by every response to it
 *   16      n     payload     n = frame_size - 20
 *   16+n    4     crc32c      CRC-32C (Castagnoli) of bytes [0, 16+n)
 *
 * Decoders never trust a length: every read is bounds-checked through struct protocol_reader,
 * strings may not contain NUL bytes, and a payload with bytes left over is malformed.
 */
#ifndef PDB_PROTOCOL_PROTOCOL_H
#define PDB_PROTOCOL_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "profiledb/profiledb.h"

enum protocol_opcode {
    PROTOCOL_OP_HELLO = 0x01,
    PROTOCOL_OP_PING = 0x02,
    PROTOCOL_OP_COUNT = 0x10,
    PROTOCOL_OP_IDS = 0x11,
    PROTOCOL_OP_GET = 0x12,
    PROTOCOL_OP_STATS = 0x13,
    PROTOCOL_OP_UPSERT = 0x20,
    PROTOCOL_OP_BREAKDOWN = 0x30,
    PROTOCOL_OP_OVERLAP = 0x31,
    PROTOCOL_OP_SEGMENT_SAVE = 0x40,
    PROTOCOL_OP_SEGMENT_LIST = 0x41,
    PROTOCOL_OP_SEGMENT_DROP = 0x42,
    PROTOCOL_OP_ERROR = 0x7f, /* responses only */
};

#define PROTOCOL_FLAG_RESPONSE 0x0001u /* set on every server frame */
#define PROTOCOL_FLAG_MORE 0x0002u     /* more response frames follow for this request id */
#define PROTOCOL_FLAGS_KNOWN (PROTOCOL_FLAG_RESPONSE | PROTOCOL_FLAG_MORE)

/* Error codes of ERROR frames. Codes marked (closes) are followed by the server closing the
 * connection, because the byte stream can no longer be trusted. */
enum protocol_error {
    PROTOCOL_ERROR_NONE = 0,
    PROTOCOL_ERROR_BAD_FRAME = 1,      /* (closes) size out of range, bad CRC, unknown flags */
    PROTOCOL_ERROR_BAD_VERSION = 2,    /* (closes) version byte is not PDB_PROTOCOL_VERSION */
    PROTOCOL_ERROR_UNKNOWN_OPCODE = 3, /* no such request */
    PROTOCOL_ERROR_BAD_REQUEST = 4,    /* the payload does not decode */
    PROTOCOL_ERROR_AUTH_REQUIRED = 5,  /* a request other than HELLO/PING before HELLO */
    PROTOCOL_ERROR_AUTH_FAILED = 6,    /* (closes) unknown token */
    PROTOCOL_ERROR_FORBIDDEN = 7,      /* the role may not do this */
    PROTOCOL_ERROR_UNSUPPORTED = 8,    /* specified, not supported by this server version */
    PROTOCOL_ERROR_LIMIT = 9,          /* a documented limit was reached */
    PROTOCOL_ERROR_BUSY = 10,          /* connection limit or request queue full: retry later */
    PROTOCOL_ERROR_DEADLINE = 11,      /* the per-request deadline passed */
    PROTOCOL_ERROR_SHUTTING_DOWN = 12, /* the server is draining after SIGTERM */
    PROTOCOL_ERROR_SEGMENT = 13,       /* the segment does not parse or type-check */
    PROTOCOL_ERROR_NOT_FOUND = 14,     /* no such profile, attribute or saved segment */
    PROTOCOL_ERROR_IO = 15,            /* the engine could not read (or found corrupt) files */
    PROTOCOL_ERROR_NO_MEMORY = 16,
    PROTOCOL_ERROR_USAGE = 17, /* the engine rejected an argument */
    PROTOCOL_ERROR_INTERNAL = 18,
    PROTOCOL_ERROR_TIMEOUT = 19, /* (closes) idle or unfinished frame for too long */
    PROTOCOL_ERROR_COUNT
};

enum protocol_role { PROTOCOL_ROLE_READER = 1, PROTOCOL_ROLE_WRITER = 2, PROTOCOL_ROLE_ADMIN = 3 };

/* IDS forms. */
#define PROTOCOL_IDS_PAGES 0u
#define PROTOCOL_IDS_ROARING 1u
/* GET lookups. */
#define PROTOCOL_GET_BY_ROW_ID 0u
#define PROTOCOL_GET_BY_KEY 1u
/* Value states in GET responses. */
#define PROTOCOL_VALUE_PRESENT 0u
#define PROTOCOL_VALUE_NULL 1u
#define PROTOCOL_VALUE_MASKED 2u

/* ---- Frames --------------------------------------------------------------------------- */

struct frame_header {
    uint32_t frame_size;
    uint8_t version;
    uint8_t opcode;
    uint16_t flags;
    uint64_t request_id;
};

enum frame_check {
    FRAME_NEED_MORE, /* not all of the frame has arrived */
    FRAME_READY,     /* a whole, valid frame is at the start of the bytes */
    FRAME_INVALID,   /* the stream is broken: *error_out and *why say how */
};

/* Looks at the first `size` bytes of a stream. READY: *header is filled and the payload is
 * bytes[16, header->frame_size - 4). INVALID: *error_out is BAD_FRAME or BAD_VERSION, *why a
 * static description, and *header holds what could be read (request_id 0 if not yet). A
 * wrong size or version is reported as soon as its bytes arrive. `frame_size_max` bounds the
 * frame; `is_response` says which flags are allowed (requests: none). */
enum frame_check protocol_frame_check(const uint8_t *bytes, size_t size, uint32_t frame_size_max,
                                      bool is_response, struct frame_header *header,
                                      enum protocol_error *error_out, const char **why);

/* Appends a frame header with a placeholder size; returns the frame's offset in `out`, or
 * SIZE_MAX when out of memory. Append the payload, then call protocol_frame_end. */
size_t protocol_frame_begin(struct buffer *out, uint8_t opcode, uint16_t flags,
                            uint64_t request_id);
/* Patches the size and appends the CRC. -1 when out of memory or the frame exceeds
 * `frame_size_max` (the frame is then removed from `out`). */
int protocol_frame_end(struct buffer *out, size_t frame_offset, uint32_t frame_size_max);

/* CRC-32C (Castagnoli, reflected, init and final xor 0xFFFFFFFF). */
uint32_t protocol_crc32c(const void *data, size_t size);

/* ---- Payload primitives --------------------------------------------------------------- */

/* Appends little-endian fields; each returns 0 or -1 when out of memory. A string is a u32
 * size followed by the bytes. */
int protocol_put_u8(struct buffer *out, uint8_t value);
int protocol_put_u16(struct buffer *out, uint16_t value);
int protocol_put_u32(struct buffer *out, uint32_t value);
int protocol_put_u64(struct buffer *out, uint64_t value);
int protocol_put_string(struct buffer *out, const char *data, size_t size);

/* A bounds-checked cursor over a payload. After any failed read `failed` is set and every
 * later read fails too; strings point into the payload (borrowed). */
struct protocol_reader {
    const uint8_t *data;
    size_t size;
    size_t offset;
    bool failed;
};

struct protocol_string {
    const char *data;
    uint32_t size;
};

void protocol_reader_init(struct protocol_reader *reader, const void *data, size_t size);
uint8_t protocol_get_u8(struct protocol_reader *reader);
uint16_t protocol_get_u16(struct protocol_reader *reader);
uint32_t protocol_get_u32(struct protocol_reader *reader);
uint64_t protocol_get_u64(struct protocol_reader *reader);
/* A string of at most `size_max` bytes without NUL bytes. */
struct protocol_string protocol_get_string(struct protocol_reader *reader, uint32_t size_max);
/* True when every read succeeded and the whole payload was consumed. */
bool protocol_reader_is_done(const struct protocol_reader *reader);

/* ---- Messages ------------------------------------------------------------------------- */
/* Each *_encode appends a payload (0, or -1 when out of memory); each *_decode reads one
 * whole payload and returns false when it is malformed (out-parameters then unspecified;
 * strings borrowed from the payload). */

struct protocol_hello_request {
    struct protocol_string token;       /* empty when the server has no tokens file */
    struct protocol_string client_name; /* for logs, <= PDB_CLIENT_NAME_SIZE_MAX */
};

struct protocol_hello_response {
    uint8_t role;    /* enum protocol_role */
    uint8_t has_pii; /* 0 or 1 */
    uint32_t request_frame_size_max;
    uint32_t page_rows_max;
    uint32_t pipeline_depth_max;
    uint32_t deadline_ms;
    uint32_t idle_timeout_ms;
    uint64_t row_count;
    struct protocol_string server_version;
};

struct protocol_segment_request { /* COUNT; also the head of IDS */
    int64_t now_s;                /* 0: the server's clock */
    struct protocol_string segment;
};

struct protocol_ids_request {
    int64_t now_s;
    uint64_t limit;     /* 0: all */
    uint32_t page_rows; /* 0: the server's page size; larger values are capped to it */
    uint8_t form;       /* PROTOCOL_IDS_PAGES or PROTOCOL_IDS_ROARING */
    struct protocol_string segment;
};

struct protocol_get_request {
    uint8_t by;                            /* PROTOCOL_GET_BY_ROW_ID or PROTOCOL_GET_BY_KEY */
    uint32_t row_id;                       /* BY_ROW_ID */
    struct protocol_string attribute, key; /* BY_KEY */
};

struct protocol_error_response {
    uint16_t code; /* enum protocol_error */
    struct protocol_string message;
};

int protocol_hello_request_encode(struct buffer *out, const struct protocol_hello_request *request);
bool protocol_hello_request_decode(const void *payload, size_t size,
                                   struct protocol_hello_request *request);
int protocol_hello_response_encode(struct buffer *out,
                                   const struct protocol_hello_response *response);
bool protocol_hello_response_decode(const void *payload, size_t size,
                                    struct protocol_hello_response *response);
int protocol_segment_request_encode(struct buffer *out,
                                    const struct protocol_segment_request *request);
bool protocol_segment_request_decode(const void *payload, size_t size,
                                     struct protocol_segment_request *request);
int protocol_ids_request_encode(struct buffer *out, const struct protocol_ids_request *request);
bool protocol_ids_request_decode(const void *payload, size_t size,
                                 struct protocol_ids_request *request);
int protocol_get_request_encode(struct buffer *out, const struct protocol_get_request *request);
bool protocol_get_request_decode(const void *payload, size_t size,
                                 struct protocol_get_request *request);
int protocol_error_response_encode(struct buffer *out, enum protocol_error code,
                                   const char *message);
bool protocol_error_response_decode(const void *payload, size_t size,
                                    struct protocol_error_response *response);

/* COUNT response: u64. */
bool protocol_count_response_decode(const void *payload, size_t size, uint64_t *count_out);

/* An IDS page: u32 id_count, then the ids ascending. Decoding checks the count against the
 * size; the ids are read with protocol_ids_page_id. */
bool protocol_ids_page_decode(const void *payload, size_t size, uint32_t *id_count_out);
static inline uint32_t protocol_ids_page_id(const void *payload, uint32_t index)
{
    return load_u32((const uint8_t *)payload + 4 + 4 * (size_t)index);
}

/* One attribute of a GET response (see docs/PROTOCOL.md). The head of the response is
 * u32 row_id, u32 attribute_count; then attribute_count of these. */
struct protocol_value {
    struct protocol_string name;
    uint8_t type;  /* enum pdb_type */
    uint8_t flags; /* enum pdb_attribute_flag bits */
    uint8_t state; /* PROTOCOL_VALUE_* */
    bool bool_value;
    int64_t int_value;
    double float_value;
    struct protocol_string string; /* CATEGORY, TEXT */
    uint32_t tag_count;            /* TAGS: tag_count strings start at tags_offset... */
    size_t tags_offset;            /* ...of the payload; walk them with protocol_get_string */
};

int protocol_value_encode(struct buffer *out, const struct pdb_attribute_info *info,
                          const struct pdb_value *value, uint8_t state);
bool protocol_value_decode(struct protocol_reader *reader, struct protocol_value *value);

/* STATS response head and per-column records. */
int protocol_stats_encode(struct buffer *out, const struct pdb_stats *stats);
/* Decodes into *stats with `columns` and the column names in one allocation (malloc), owned
 * by the caller: free(stats->columns). */
bool protocol_stats_decode(const void *payload, size_t size, struct pdb_stats *stats);

/* ---- Analysis and saved segments (messages_analysis.c) --------------------------------- */

struct protocol_breakdown_request {
    int64_t now_s;
    uint32_t limit; /* 0: all */
    struct protocol_string segment;
    struct protocol_string attribute;
};

struct protocol_overlap_request {
    int64_t now_s;
    uint32_t segment_count; /* 1..PDB_OVERLAP_SEGMENTS_MAX */
    struct protocol_string segments[PDB_OVERLAP_SEGMENTS_MAX];
};

struct protocol_segment_save_request {
    struct protocol_string name; /* <= PDB_SAVED_SEGMENT_NAME_SIZE_MAX; checked by the engine */
    struct protocol_string segment;
};

int protocol_breakdown_request_encode(struct buffer *out,
                                      const struct protocol_breakdown_request *request);
bool protocol_breakdown_request_decode(const void *payload, size_t size,
                                       struct protocol_breakdown_request *request);
int protocol_breakdown_response_encode(struct buffer *out, const struct pdb_breakdown *breakdown);
/* Fills *breakdown with `entries` and `strings` allocated here (mem_alloc), owned by the
 * caller: mem_free both. Values are not NUL-terminated (as the engine's). */
bool protocol_breakdown_response_decode(const void *payload, size_t size,
                                        struct pdb_breakdown *breakdown);

int protocol_overlap_request_encode(struct buffer *out,
                                    const struct protocol_overlap_request *request);
bool protocol_overlap_request_decode(const void *payload, size_t size,
                                     struct protocol_overlap_request *request);
/* u32 segment_count, then segment_count^2 u64 counts, row-major. */
int protocol_overlap_response_encode(struct buffer *out, uint32_t segment_count,
                                     const uint64_t *matrix);
/* Checks that the response is for `segment_count` segments; fills matrix (n*n entries). */
bool protocol_overlap_response_decode(const void *payload, size_t size, uint32_t segment_count,
                                      uint64_t *matrix);

int protocol_segment_save_request_encode(struct buffer *out,
                                         const struct protocol_segment_save_request *request);
bool protocol_segment_save_request_decode(const void *payload, size_t size,
                                          struct protocol_segment_save_request *request);
/* SEGMENT_DROP's payload: one name (encode it with protocol_put_string). */
bool protocol_segment_name_decode(const void *payload, size_t size, struct protocol_string *name);
/* SEGMENT_LIST's response is u32 saved_count, then saved_count (name, segment) string pairs:
 * read the count with protocol_get_u32, then each pair with this (false when malformed). */
bool protocol_segment_list_next(struct protocol_reader *reader, struct protocol_string *name,
                                struct protocol_string *segment);

/* IDS form 1 response: u64 cardinality, u32 size, then `size` bytes of a portable roaring
 * bitmap (only the framing is checked here; the bytes are the engine's). */
int protocol_ids_bitmap_encode(struct buffer *out, uint64_t cardinality, const uint8_t *bytes,
                               size_t size);
bool protocol_ids_bitmap_decode(const void *payload, size_t size, uint64_t *cardinality_out,
                                const uint8_t **bytes_out, uint32_t *bitmap_size_out);

/* UPSERT (0x20): request u32 reserved (0), string records (NDJSON, one record a line, at most
 * PDB_UPSERT_BATCH_SIZE_MAX bytes). Response: u32 inserted, u32 updated, u32 rejected, u32
 * reserved, u64 lsn, then `rejected` x { u32 record_index, string message }. */
#define PROTOCOL_UPSERT_MESSAGE_SIZE_MAX 1023u
struct protocol_upsert_response {
    uint32_t inserted, updated, rejected;
    uint64_t lsn;
};
int protocol_upsert_request_encode(struct buffer *out, const char *records, size_t size);
bool protocol_upsert_request_decode(const void *payload, size_t size,
                                    struct protocol_string *records);
/* The fixed part; append `rejected` rejects with protocol_upsert_reject_encode. */
int protocol_upsert_response_begin(struct buffer *out, const struct protocol_upsert_response *response);
int protocol_upsert_reject_encode(struct buffer *out, uint32_t record_index, const char *message,
                                  size_t size);
/* Reads the fixed part, then each reject (false when malformed). */
bool protocol_upsert_response_decode(struct protocol_reader *reader,
                                     struct protocol_upsert_response *response);
bool protocol_upsert_reject_next(struct protocol_reader *reader, uint32_t *record_index,
                                 struct protocol_string *message);

/* Names, for logs and messages ("bad-frame", "COUNT"). Never NULL. */
const char *protocol_error_name(enum protocol_error code);
const char *protocol_opcode_name(uint8_t opcode);
/* The engine status a client reports for an ERROR code, and the code a server sends for an
 * engine status. */
enum pdb_status protocol_error_status(enum protocol_error code);
enum protocol_error protocol_error_for_status(enum pdb_status status);

#endif
