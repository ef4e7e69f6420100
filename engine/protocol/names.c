/*
 * Names of opcodes and error codes, and the mapping between protocol error codes and engine
 * statuses: a server turns an engine failure into a code, a client turns a code back into the
 * status its caller would have seen embedded (so the CLI's exit codes agree in both modes).
 */
#include "protocol/protocol.h"

static const char *const error_names[PROTOCOL_ERROR_COUNT] = {
    [PROTOCOL_ERROR_NONE] = "none",
    [PROTOCOL_ERROR_BAD_FRAME] = "bad-frame",
    [PROTOCOL_ERROR_BAD_VERSION] = "bad-version",
    [PROTOCOL_ERROR_UNKNOWN_OPCODE] = "unknown-opcode",
    [PROTOCOL_ERROR_BAD_REQUEST] = "bad-request",
    [PROTOCOL_ERROR_AUTH_REQUIRED] = "auth-required",
    [PROTOCOL_ERROR_AUTH_FAILED] = "auth-failed",
    [PROTOCOL_ERROR_FORBIDDEN] = "forbidden",
    [PROTOCOL_ERROR_UNSUPPORTED] = "unsupported",
    [PROTOCOL_ERROR_LIMIT] = "limit",
    [PROTOCOL_ERROR_BUSY] = "busy",
    [PROTOCOL_ERROR_DEADLINE] = "deadline",
    [PROTOCOL_ERROR_SHUTTING_DOWN] = "shutting-down",
    [PROTOCOL_ERROR_SEGMENT] = "segment",
    [PROTOCOL_ERROR_NOT_FOUND] = "not-found",
    [PROTOCOL_ERROR_IO] = "io",
    [PROTOCOL_ERROR_NO_MEMORY] = "no-memory",
    [PROTOCOL_ERROR_USAGE] = "usage",
    [PROTOCOL_ERROR_INTERNAL] = "internal",
    [PROTOCOL_ERROR_TIMEOUT] = "timeout",
};

const char *protocol_error_name(enum protocol_error code)
{
    if ((unsigned)code >= PROTOCOL_ERROR_COUNT) return "unknown";
    return error_names[code];
}

const char *protocol_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case PROTOCOL_OP_HELLO:
        return "HELLO";
    case PROTOCOL_OP_PING:
        return "PING";
    case PROTOCOL_OP_COUNT:
        return "COUNT";
    case PROTOCOL_OP_IDS:
        return "IDS";
    case PROTOCOL_OP_GET:
        return "GET";
    case PROTOCOL_OP_STATS:
        return "STATS";
    case PROTOCOL_OP_UPSERT:
        return "UPSERT";
    case PROTOCOL_OP_BREAKDOWN:
        return "BREAKDOWN";
    case PROTOCOL_OP_OVERLAP:
        return "OVERLAP";
    case PROTOCOL_OP_SEGMENT_SAVE:
        return "SEGMENT_SAVE";
    case PROTOCOL_OP_SEGMENT_LIST:
        return "SEGMENT_LIST";
    case PROTOCOL_OP_SEGMENT_DROP:
        return "SEGMENT_DROP";
    case PROTOCOL_OP_ERROR:
        return "ERROR";
    default:
        return "unknown";
    }
}

enum pdb_status protocol_error_status(enum protocol_error code)
{
    switch (code) {
    case PROTOCOL_ERROR_NONE:
        return PDB_OK;
    case PROTOCOL_ERROR_AUTH_REQUIRED:
    case PROTOCOL_ERROR_AUTH_FAILED:
        return PDB_ERR_AUTH;
    case PROTOCOL_ERROR_FORBIDDEN:
        return PDB_ERR_DENIED;
    case PROTOCOL_ERROR_UNSUPPORTED:
        return PDB_ERR_UNSUPPORTED;
    case PROTOCOL_ERROR_LIMIT:
    case PROTOCOL_ERROR_BUSY:
    case PROTOCOL_ERROR_DEADLINE:
        return PDB_ERR_LIMIT;
    case PROTOCOL_ERROR_SHUTTING_DOWN:
    case PROTOCOL_ERROR_TIMEOUT:
        return PDB_ERR_NETWORK;
    case PROTOCOL_ERROR_SEGMENT:
        return PDB_ERR_SEGMENT;
    case PROTOCOL_ERROR_NOT_FOUND:
        return PDB_ERR_NOT_FOUND;
    case PROTOCOL_ERROR_IO:
        return PDB_ERR_IO;
    case PROTOCOL_ERROR_NO_MEMORY:
        return PDB_ERR_NO_MEMORY;
    case PROTOCOL_ERROR_USAGE:
        return PDB_ERR_USAGE;
    default:
        return PDB_ERR_PROTOCOL;
    }
}

enum protocol_error protocol_error_for_status(enum pdb_status status)
{
    switch (status) {
    case PDB_OK:
        return PROTOCOL_ERROR_NONE;
    case PDB_ERR_SEGMENT:
        return PROTOCOL_ERROR_SEGMENT;
    case PDB_ERR_NOT_FOUND:
        return PROTOCOL_ERROR_NOT_FOUND;
    case PDB_ERR_IO:
    case PDB_ERR_CORRUPT:
    case PDB_ERR_LOCKED:
        return PROTOCOL_ERROR_IO;
    case PDB_ERR_NO_MEMORY:
        return PROTOCOL_ERROR_NO_MEMORY;
    case PDB_ERR_LIMIT:
        return PROTOCOL_ERROR_LIMIT;
    case PDB_ERR_USAGE:
        return PROTOCOL_ERROR_USAGE;
    case PDB_ERR_UNSUPPORTED:
        return PROTOCOL_ERROR_UNSUPPORTED;
    case PDB_ERR_DENIED:
        return PROTOCOL_ERROR_FORBIDDEN;
    default:
        return PROTOCOL_ERROR_INTERNAL;
    }
}
