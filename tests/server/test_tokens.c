/*
 * Tests for engine/server/tokens.c: the tokens file format and its errors, and lookups.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/protocol.h"
#include "server/tokens.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/pdb_tokens_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static enum pdb_status load(const char *text, struct token_table *table, struct pdb_error *error)
{
    write_file(text);
    enum pdb_status status = token_table_load(path, table, error);
    unlink(path);
    return status;
}

Test(tokens, reads_roles_grants_and_comments)
{
    struct token_table table;
    struct pdb_error error = {0};
    cr_assert_eq(
        load("# comment\n\nreader-0123456789abcdef reader\n  admin-0123456789abcdef\tadmin pii\r\n"
             "writer-0123456789abcdef writer\n",
             &table, &error),
        PDB_OK, "%s", error.message);
    cr_assert_eq(table.count, 3u);
    uint8_t role;
    bool has_pii;
    cr_assert(token_table_find(&table, "admin-0123456789abcdef", 22, &role, &has_pii));
    cr_assert_eq(role, PROTOCOL_ROLE_ADMIN);
    cr_assert(has_pii);
    cr_assert(token_table_find(&table, "reader-0123456789abcdef", 23, &role, &has_pii));
    cr_assert_eq(role, PROTOCOL_ROLE_READER);
    cr_assert_not(has_pii);
    cr_assert_not(token_table_find(&table, "reader-0123456789abcde", 22, &role, &has_pii),
                  "a prefix");
    cr_assert_not(token_table_find(&table, "reader-0123456789abcdefg", 24, &role, &has_pii),
                  "longer");
    cr_assert_not(token_table_find(&table, "", 0, &role, &has_pii));
    char long_token[400];
    memset(long_token, 'a', sizeof long_token);
    cr_assert_not(token_table_find(&table, long_token, sizeof long_token, &role, &has_pii));
    token_table_deinit(&table);
}

Test(tokens, rejects_bad_files_with_the_line)
{
    struct token_table table = {0};
    struct pdb_error error = {0};
    cr_assert_eq(load("short reader\n", &table, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, ":1: a token has 16 to 256") != NULL, "%s", error.message);
    cr_assert_eq(load("x-0123456789abcdef0 root\n", &table, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "unknown role 'root'") != NULL, "%s", error.message);
    cr_assert_eq(load("x-0123456789abcdef0 reader\nx-0123456789abcdef0 admin\n", &table, &error),
                 PDB_ERR_DATA);
    cr_assert(strstr(error.message, ":2: this token appears twice") != NULL, "%s", error.message);
    cr_assert_eq(load("x-0123456789abcdef0 reader email\n", &table, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "unknown grant") != NULL, "%s", error.message);
    cr_assert_eq(load("x-0123456789abcdef0\n", &table, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "missing role") != NULL, "%s", error.message);
    cr_assert_eq(token_table_load("/nonexistent/tokens", &table, &error), PDB_ERR_NOT_FOUND);
    cr_assert_null(table.entries, "a failed load leaves the table untouched");
}
