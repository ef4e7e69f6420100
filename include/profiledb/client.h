/*
 * profiledb — network client of `profiledb serve` (protocol: docs/PROTOCOL.md).
 *
 * The same conventions as profiledb.h (enum pdb_status results, struct pdb_error messages,
 * out-parameters untouched on failure, owned/borrowed pointers), plus:
 *  - A client is one TCP connection, synchronous: each call sends one request and waits for
 *    its whole response (up to the timeout). Use a client from one thread at a time; open
 *    several clients for concurrency.
 *  - Errors the server reports arrive as the status the embedded call would have returned
 *    (PDB_ERR_SEGMENT, PDB_ERR_NOT_FOUND, ...) with the server's message. Failures of the
 *    connection itself are PDB_ERR_NETWORK (refused, lost, timed out) or PDB_ERR_PROTOCOL
 *    (malformed frames); after either, the client is unusable: close it. PDB_ERR_AUTH and
 *    PDB_ERR_DENIED mean the token is unknown or its role may not do this; PDB_ERR_UNSUPPORTED
 *    that this server version does not implement the request yet.
 *  - This part of libprofiledb never calls the engine: it works without a local database.
 */
#ifndef PROFILEDB_CLIENT_H
#define PROFILEDB_CLIENT_H

#include "profiledb/profiledb.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pdb_client;

enum pdb_role { PDB_ROLE_READER = 1, PDB_ROLE_WRITER = 2, PDB_ROLE_ADMIN = 3 };

struct pdb_client_options {
    uint32_t timeout_ms;     /* connect, and each wait for a response; 0 = 60,000 */
    const char *client_name; /* sent in HELLO for the server's logs; NULL = "libprofiledb" */
};

/* Connects to `address` ("host:port" or "[ipv6]:port") and authenticates with `token`
 * (NULL or "" for a server without a tokens file). `options` may be NULL. On success
 * *client_out is owned: release it with pdb_client_close. */
enum pdb_status pdb_client_connect(const char *address, const char *token,
                                   const struct pdb_client_options *options,
                                   struct pdb_client **client_out, struct pdb_error *error);

/* Closes the connection and frees the client. NULL is accepted. */
void pdb_client_close(struct pdb_client *client);

/* What the server said in answer to HELLO; `server_version` is borrowed until close. */
struct pdb_client_info {
    enum pdb_role role;
    bool has_pii; /* PII attributes arrive unmasked */
    uint64_t row_count;
    uint32_t request_frame_size_max;
    uint32_t page_rows_max;
    uint32_t deadline_ms;
    uint32_t idle_timeout_ms;
    const char *server_version;
};

void pdb_client_info(const struct pdb_client *client, struct pdb_client_info *info);

/* A round trip with no effect (PING). */
enum pdb_status pdb_client_ping(struct pdb_client *client, struct pdb_error *error);

/* pdb_segment_count over the network. `now_s` fixes now() (0: the server's clock). */
enum pdb_status pdb_client_count(struct pdb_client *client, const char *segment, int64_t now_s,
                                 uint64_t *count_out, struct pdb_error *error);

/* pdb_segment_ids over the network: the ids arrive in pages and are passed to `on_id` in
 * ascending order, at most `limit` (0 = all). When on_id returns false the rest of the
 * response is read and dropped, and the call returns PDB_OK. If the server fails part-way
 * (deadline, I/O), ids already delivered stay delivered and the call returns the error. */
enum pdb_status pdb_client_ids(struct pdb_client *client, const char *segment, int64_t now_s,
                               uint64_t limit, pdb_id_fn on_id, void *context,
                               struct pdb_error *error);

/* A profile read over the network. Attribute names, values and strings are borrowed until
 * pdb_client_profile_destroy. */
struct pdb_client_profile;

/* pdb_profile_get over the network. *profile_out is owned: pdb_client_profile_destroy. */
enum pdb_status pdb_client_get(struct pdb_client *client, uint32_t row_id,
                               struct pdb_client_profile **profile_out, struct pdb_error *error);

/* pdb_profile_find then pdb_profile_get, in one round trip. */
enum pdb_status pdb_client_get_by_key(struct pdb_client *client, const char *attribute,
                                      const char *key, struct pdb_client_profile **profile_out,
                                      struct pdb_error *error);

uint32_t pdb_client_profile_row_id(const struct pdb_client_profile *profile);
/* The database's attributes, in schema order (as pdb_db_attribute_count/pdb_db_attribute). */
uint32_t pdb_client_profile_attribute_count(const struct pdb_client_profile *profile);
void pdb_client_profile_attribute(const struct pdb_client_profile *profile,
                                  uint32_t attribute_index, struct pdb_attribute_info *info);
/* The value, as pdb_profile_value. A masked value (a PII attribute, for a token without the
 * pii grant) reads as NULL here and true from pdb_client_profile_is_masked. */
void pdb_client_profile_value(const struct pdb_client_profile *profile, uint32_t attribute_index,
                              struct pdb_value *value);
bool pdb_client_profile_is_masked(const struct pdb_client_profile *profile,
                                  uint32_t attribute_index);
void pdb_client_profile_destroy(struct pdb_client_profile *profile);

/* pdb_db_stats over the network. Release *stats with pdb_client_stats_deinit (column names
 * are borrowed until then), not with pdb_stats_deinit. */
enum pdb_status pdb_client_stats(struct pdb_client *client, struct pdb_stats *stats,
                                 struct pdb_error *error);
void pdb_client_stats_deinit(struct pdb_stats *stats);

/* ---- Bitmaps, breakdown, overlap ---------------------------------------------------- */

/* pdb_segment_bitmap over the network (IDS form 1): the ids of `segment` (at most `limit`,
 * 0 = all) as one bitmap in CRoaring's portable serialisation, the same bytes the embedded
 * call gives. On success *bytes_out is owned (release it with pdb_client_bitmap_destroy),
 * *size_out its size and *cardinality_out the number of ids. The client checks the framing
 * only: it does not link CRoaring, so the bytes are as the server sent them; read them with
 * roaring_bitmap_portable_deserialize_safe (C) or any RoaringFormatSpec reader. A bitmap over
 * the 64 MiB response frame limit is PDB_ERR_LIMIT (use pdb_client_ids then). */
enum pdb_status pdb_client_ids_bitmap(struct pdb_client *client, const char *segment,
                                      int64_t now_s, uint64_t limit, uint8_t **bytes_out,
                                      size_t *size_out, uint64_t *cardinality_out,
                                      struct pdb_error *error);
void pdb_client_bitmap_destroy(uint8_t *bytes); /* NULL is accepted */

/* pdb_segment_breakdown over the network: the same entries, order and counts. Release
 * *breakdown with pdb_client_breakdown_deinit (not pdb_breakdown_deinit); values are borrowed
 * until then. */
enum pdb_status pdb_client_breakdown(struct pdb_client *client, const char *segment,
                                     const char *attribute, int64_t now_s, uint32_t limit,
                                     struct pdb_breakdown *breakdown, struct pdb_error *error);
void pdb_client_breakdown_deinit(struct pdb_breakdown *breakdown); /* NULL, zeroed accepted */

/* pdb_segment_overlap over the network: `matrix` (the caller's segment_count^2 values) is
 * written only on success. segment_count outside 1..64 is PDB_ERR_LIMIT before anything is
 * sent. */
enum pdb_status pdb_client_overlap(struct pdb_client *client, const char *const *segments,
                                   uint32_t segment_count, int64_t now_s, uint64_t *matrix,
                                   struct pdb_error *error);

/* ---- Saved segments ---------------------------------------------------------------- */
/* pdb_segment_save, pdb_segment_drop and pdb_segment_list over the network, with the same
 * errors. Saving and dropping need a writer or admin token (a reader gets PDB_ERR_DENIED);
 * a saved segment is usable at once as segment('name') in every later request, on every
 * connection. The list callback receives NUL-terminated strings borrowed for the call, by
 * name ascending; it may not use the same client. */
enum pdb_status pdb_client_segment_save(struct pdb_client *client, const char *name,
                                        const char *segment, struct pdb_error *error);
enum pdb_status pdb_client_segment_drop(struct pdb_client *client, const char *name,
                                        struct pdb_error *error);
enum pdb_status pdb_client_segment_list(struct pdb_client *client,
                                        pdb_saved_segment_fn on_segment, void *context,
                                        struct pdb_error *error);

/* ---- Streaming upserts ------------------------------------------------------------- */
/* pdb_db_upsert over the network (UPSERT, docs/PROTOCOL.md): `ndjson[0..size)` holds NDJSON
 * records, one a line, at most PDB_UPSERT_BATCH_RECORDS_MAX lines and 16 MiB (and within the
 * server's request frame limit, pdb_client_info). Needs a writer or admin token (a reader gets
 * PDB_ERR_DENIED) and a server started with `serve --writable` (else PDB_ERR_UNSUPPORTED).
 * Returns once the batch is durable on the server and visible to every later request on any
 * connection. `result` gets the counts and the log record (rejects_path stays empty: the
 * server's reject file is on its disk); each rejected record is passed to `on_reject` (may be
 * NULL) with its 0-based line in `ndjson` and the reason, borrowed for the call. */
typedef void (*pdb_upsert_reject_fn)(void *context, uint32_t record_index, const char *message);
enum pdb_status pdb_client_upsert(struct pdb_client *client, const char *ndjson, size_t size,
                                  struct pdb_upsert_result *result, pdb_upsert_reject_fn on_reject,
                                  void *context, struct pdb_error *error);

#ifdef __cplusplus
}
#endif
#endif
