/*
 * Error reporting: every operating error becomes an enum pdb_status plus a message.
 *
 * error_set() formats into the caller's struct pdb_error (which may be NULL) and returns the
 * status, so a failure reads `return error_set(error, PDB_ERR_IO, "%s: %s", path, why);`.
 * error_prefix() prepends context ("loading chunk 3: ") to a message already set below.
 */
#ifndef PDB_BASE_STATUS_H
#define PDB_BASE_STATUS_H

#include "profiledb/profiledb.h"

enum pdb_status error_set(struct pdb_error *error, enum pdb_status status, const char *format,
                          ...) __attribute__((format(printf, 3, 4)));

/* Like error_set, with ": <strerror(errno_value)>" appended. */
enum pdb_status error_set_errno(struct pdb_error *error, enum pdb_status status, int errno_value,
                                const char *format, ...) __attribute__((format(printf, 4, 5)));

/* Prepends formatted context to error->message; returns error->status (or PDB_ERR_USAGE if
 * error is NULL — callers pass the status they already hold in that case). */
void error_prefix(struct pdb_error *error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

void error_clear(struct pdb_error *error);

#endif
