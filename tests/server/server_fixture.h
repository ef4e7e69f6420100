/*
 * Shared pieces of the server tests: a small database with a pii attribute, a tokens file, a
 * server on an ephemeral loopback port running in a thread, and raw-socket helpers that speak
 * frames directly (so tests can send what no correct client would).
 *
 * Nothing waits by sleeping: every read blocks with a generous receive timeout (30 s), so a
 * loaded CI machine is slow but never flaky.
 */
#ifndef PDB_TESTS_SERVER_FIXTURE_H
#define PDB_TESTS_SERVER_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buffer.h"
#include "protocol/protocol.h"
#include "server/server.h"

#define FIXTURE_ROWS 1000u
#define TOKEN_READER "reader-token-0123456789"
#define TOKEN_WRITER "writer-token-0123456789"
#define TOKEN_ADMIN "admin-token-0123456789ab"
#define RECEIVE_TIMEOUT_S 30

struct fixture {
    char directory[128];
    char db_path[192];
    char tokens_path[192];
    char address[64];
    struct server *server;
    struct pdb_db *db; /* an embedded handle, to compare with */
    bool is_running;
};

extern struct fixture fixture;

/* Creates the database and tokens file, then starts a server whose options the caller may
 * adjust in `adjust` (NULL: defaults with 2 workers and a 7-row page). */
void fixture_start(void (*adjust)(struct server_options *options));
/* The same with customer_id `primary` when has_primary (upserts by key). */
void fixture_start_keyed(bool has_primary, void (*adjust)(struct server_options *options));
/* Stops the server (drain) and removes everything. */
void fixture_stop(void);

/* Waits for the server thread after server_stop (fixture_stop then only destroys). */
void fixture_join_server(void);

/* Raw sockets. */
int raw_connect(void);
/* With a receive buffer of that many bytes (0: the system's), so the server's writes block
 * soon when the test does not read. */
int raw_connect_buffered(int receive_buffer_size);
void raw_send(int fd, const void *bytes, size_t size);
void raw_send_frame(int fd, uint8_t opcode, uint64_t request_id, const void *payload, size_t size);
/* Reads one frame into *frame (payload at frame->data + 16). False on EOF or reset. */
bool raw_read_frame(int fd, struct buffer *frame, struct frame_header *header);
/* True when the server closes the connection (EOF/reset) before sending anything else. */
bool raw_reads_eof(int fd);
/* Reads one frame and asserts it is an ERROR with `code` for `request_id`. */
void raw_expect_error(int fd, uint64_t request_id, enum protocol_error code);
/* HELLO with a token; asserts success. */
void raw_hello(int fd, const char *token);

#endif
