/*
 * SQL tokens for the conformance harness: enough of SQLite's lexical rules to read the
 * statements and WHERE clauses of sqllogictest files.
 *
 * Identifiers (letters, digits, '_', '$'; "quoted", `quoted` and [quoted] lose their quotes),
 * numbers as written (INTEGER: digits; FLOAT: digits with '.' and/or an exponent, "1." and
 * ".5" included), strings '...' with '' inside (kept with their quotes), operators, and
 * comments (-- to the end of the line, / * ... * /) skipped. Hex literals and characters SQL
 * does not use are errors: the harness then counts the query as unparsed.
 */
#include "slt.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/status.h"

static bool is_identifier_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_identifier_part(char c)
{
    return is_identifier_start(c) || isdigit((unsigned char)c) || c == '$';
}

static int tokens_push(struct slt_tokens *tokens, enum slt_token_kind kind, const char *sql,
                       size_t offset, size_t size)
{
    if (mem_grow((void **)&tokens->items, &tokens->capacity, tokens->count + 1,
                 sizeof *tokens->items) != 0)
        return -1;
    tokens->items[tokens->count++] = (struct slt_token){
        .kind = kind, .text = sql + offset, .size = (uint32_t)size, .offset = (uint32_t)offset};
    return 0;
}

/* Length of the number starting at sql[start], and whether it is a float; 0 if malformed. */
static size_t scan_number(const char *sql, size_t start, bool *is_float)
{
    size_t i = start;
    bool has_digits = false;
    *is_float = false;
    if (sql[i] == '0' && (sql[i + 1] == 'x' || sql[i + 1] == 'X')) return 0;
    while (isdigit((unsigned char)sql[i])) {
        i++;
        has_digits = true;
    }
    if (sql[i] == '.') {
        *is_float = true;
        i++;
        while (isdigit((unsigned char)sql[i])) {
            i++;
            has_digits = true;
        }
    }
    if (!has_digits) return 0;
    if (sql[i] == 'e' || sql[i] == 'E') {
        size_t exponent = i + 1;
        if (sql[exponent] == '+' || sql[exponent] == '-') exponent++;
        if (!isdigit((unsigned char)sql[exponent])) return 0;
        while (isdigit((unsigned char)sql[exponent]))
            exponent++;
        *is_float = true;
        i = exponent;
    }
    if (is_identifier_part(sql[i])) return 0; /* "12abc" */
    return i - start;
}

static size_t scan_operator(const char *sql, size_t i)
{
    static const char *const two[] = {"<=", ">=", "<>", "!=", "==", "||", "<<", ">>"};
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++)
        if (sql[i] == two[k][0] && sql[i + 1] == two[k][1]) return 2;
    return strchr("(),=<>+-*/%&|~.;", sql[i]) != NULL && sql[i] != '\0' ? 1 : 0;
}

enum pdb_status slt_tokens_scan(struct slt_tokens *tokens, const char *sql, struct pdb_error *error)
{
    tokens->count = 0;
    size_t i = 0;
    for (;;) {
        char c = sql[i];
        if (c == '\0') break;
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (c == '-' && sql[i + 1] == '-') {
            while (sql[i] != '\0' && sql[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            if (end == NULL)
                return error_set(error, PDB_ERR_DATA, "offset %zu: unterminated comment", i);
            i = (size_t)(end - sql) + 2;
            continue;
        }
        int pushed = 0;
        size_t start = i;
        if (c == '\'') {
            for (i++;; i++) {
                if (sql[i] == '\0')
                    return error_set(error, PDB_ERR_DATA, "offset %zu: unterminated string", start);
                if (sql[i] == '\'') {
                    if (sql[i + 1] != '\'') break;
                    i++;
                }
            }
            i++;
            pushed = tokens_push(tokens, SLT_TOKEN_STRING, sql, start, i - start);
        } else if (c == '"' || c == '`' || c == '[') {
            char close = c == '[' ? ']' : c;
            const char *end = strchr(sql + i + 1, close);
            if (end == NULL)
                return error_set(error, PDB_ERR_DATA, "offset %zu: unterminated identifier", start);
            pushed = tokens_push(tokens, SLT_TOKEN_IDENT, sql, start + 1,
                                 (size_t)(end - sql) - start - 1);
            i = (size_t)(end - sql) + 1;
        } else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)sql[i + 1]))) {
            bool is_float = false;
            size_t size = scan_number(sql, i, &is_float);
            if (size == 0)
                return error_set(error, PDB_ERR_DATA, "offset %zu: unsupported number", start);
            i += size;
            pushed = tokens_push(tokens, is_float ? SLT_TOKEN_FLOAT : SLT_TOKEN_INTEGER, sql, start,
                                 size);
        } else if (is_identifier_start(c)) {
            while (is_identifier_part(sql[i]))
                i++;
            pushed = tokens_push(tokens, SLT_TOKEN_IDENT, sql, start, i - start);
        } else {
            size_t size = scan_operator(sql, i);
            if (size == 0)
                return error_set(error, PDB_ERR_DATA, "offset %zu: unexpected character '%c'",
                                 start, c);
            i += size;
            pushed = tokens_push(tokens, SLT_TOKEN_OPERATOR, sql, start, size);
        }
        if (pushed != 0) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    if (tokens_push(tokens, SLT_TOKEN_END, sql, i, 0) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    return PDB_OK;
}

void slt_tokens_deinit(struct slt_tokens *tokens)
{
    mem_free(tokens->items);
    memset(tokens, 0, sizeof *tokens);
}

bool slt_token_is(const struct slt_token *token, const char *word)
{
    size_t size = strlen(word);
    return token->kind == SLT_TOKEN_IDENT && token->size == size &&
           strncasecmp(token->text, word, size) == 0;
}
