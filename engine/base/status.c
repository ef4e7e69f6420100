/*
 * Status names and error formatting (see status.h).
 */
#include "base/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[PDB_STATUS_COUNT] = {
    [PDB_OK] = "ok",
    [PDB_ERR_USAGE] = "usage",
    [PDB_ERR_SCHEMA] = "schema",
    [PDB_ERR_SEGMENT] = "segment",
    [PDB_ERR_DATA] = "data",
    [PDB_ERR_IO] = "io",
    [PDB_ERR_CORRUPT] = "corrupt",
    [PDB_ERR_NO_MEMORY] = "no-memory",
    [PDB_ERR_LIMIT] = "limit",
    [PDB_ERR_NOT_FOUND] = "not-found",
    [PDB_ERR_EXISTS] = "exists",
    [PDB_ERR_LOCKED] = "locked",
    [PDB_ERR_NETWORK] = "network",
    [PDB_ERR_PROTOCOL] = "protocol",
    [PDB_ERR_AUTH] = "auth",
    [PDB_ERR_DENIED] = "denied",
    [PDB_ERR_UNSUPPORTED] = "unsupported",
};

const char *pdb_status_name(enum pdb_status status)
{
    if ((unsigned)status >= PDB_STATUS_COUNT) return "unknown";
    return status_names[status];
}

enum pdb_status error_set(struct pdb_error *error, enum pdb_status status, const char *format, ...)
{
    if (error == NULL) return status;
    error->status = status;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    return status;
}

enum pdb_status error_set_errno(struct pdb_error *error, enum pdb_status status, int errno_value,
                                const char *format, ...)
{
    if (error == NULL) return status;
    error->status = status;
    va_list args;
    va_start(args, format);
    int used = vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    if (used < 0) used = 0;
    if ((size_t)used < sizeof error->message) {
        snprintf(error->message + used, sizeof error->message - (size_t)used, ": %s",
                 strerror(errno_value));
    }
    return status;
}

void error_prefix(struct pdb_error *error, const char *format, ...)
{
    if (error == NULL) return;
    char prefix[PDB_ERROR_MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(prefix, sizeof prefix, format, args);
    va_end(args);
    size_t prefix_size = strnlen(prefix, sizeof prefix);
    size_t message_size = strnlen(error->message, sizeof error->message);
    if (prefix_size >= sizeof error->message) prefix_size = sizeof error->message - 1;
    if (prefix_size + message_size >= sizeof error->message)
        message_size = sizeof error->message - 1 - prefix_size;
    memmove(error->message + prefix_size, error->message, message_size);
    memcpy(error->message, prefix, prefix_size);
    error->message[prefix_size + message_size] = '\0';
}

void error_clear(struct pdb_error *error)
{
    if (error == NULL) return;
    error->status = PDB_OK;
    error->message[0] = '\0';
}
