/*
 * What the files of engine/client share: the client struct and its framing helpers.
 */
#ifndef PDB_CLIENT_CLIENT_INTERNAL_H
#define PDB_CLIENT_CLIENT_INTERNAL_H

#include "base/buffer.h"
#include "profiledb/client.h"
#include "protocol/protocol.h"

struct pdb_client {
    int fd;
    bool is_broken; /* the stream can no longer be trusted: every call fails */
    uint32_t timeout_ms;
    uint64_t request_id; /* of the request last sent */
    char address[300];
    struct buffer input;  /* received bytes; the frame last returned starts at 0 */
    size_t consumed;      /* bytes of that frame, dropped on the next receive */
    struct buffer output; /* the request being sent */
    struct pdb_client_info info;
    char server_version[260];
};

/* A received frame; payload borrowed until the next client_receive. */
struct client_frame {
    struct frame_header header;
    const uint8_t *payload;
    uint32_t payload_size;
};

/* Marks the client broken (the stream cannot be trusted) and sets the error. */
enum pdb_status client_fail(struct pdb_client *client, struct pdb_error *error,
                            enum pdb_status status, const char *what);
/* Starts a request frame in client->output with the next request id. */
size_t client_frame_begin(struct pdb_client *client, uint8_t opcode);
/* Ends and sends it; `encoded` is the payload encoder's result. */
enum pdb_status client_frame_send(struct pdb_client *client, size_t start, int encoded,
                                  struct pdb_error *error);
enum pdb_status client_send(struct pdb_client *client, const struct buffer *frame,
                            struct pdb_error *error);
enum pdb_status client_receive(struct pdb_client *client, struct client_frame *frame,
                               struct pdb_error *error);
/* Receives the response to the last request: `opcode`, or an ERROR turned into its status. */
enum pdb_status client_expect(struct pdb_client *client, uint8_t opcode, struct client_frame *frame,
                              struct pdb_error *error);

#endif
