/*
 * Access tokens of the server: the tokens file and the constant-time lookup.
 *
 * File format (UTF-8 text, one entry per line, '#' starts a comment line, blank lines ignored):
 *     TOKEN ROLE [pii]
 * TOKEN is 16..256 printable ASCII characters without spaces; ROLE is admin, writer or reader;
 * the optional word `pii` grants reading attributes flagged pii unmasked. A token appears once.
 * The file is read at start and on SIGHUP; a file with any error is rejected whole.
 */
#ifndef PDB_SERVER_TOKENS_H
#define PDB_SERVER_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "profiledb/profiledb.h"

struct token_entry {
    uint8_t token[PDB_TOKEN_SIZE_MAX]; /* zero-padded */
    uint32_t size;
    uint8_t role; /* enum protocol_role */
    bool has_pii;
};

struct token_table {
    struct token_entry *entries; /* owned */
    uint32_t count;
};

/* Reads `path` into *table (which it then owns; release with token_table_deinit). On error
 * *table is untouched and the message names the file and line. */
enum pdb_status token_table_load(const char *path, struct token_table *table,
                                 struct pdb_error *error);
void token_table_deinit(struct token_table *table);

/* Looks `token` up comparing it with every entry in time that depends only on the number of
 * entries, never on where the bytes differ. True and the entry's role and grant when found. */
bool token_table_find(const struct token_table *table, const void *token, size_t size,
                      uint8_t *role_out, bool *has_pii_out);

#endif
