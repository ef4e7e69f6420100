/*
 * Segment lexer: turns segment text into tokens, one at a time, with 1-based positions.
 *
 * Tokens: identifiers and keywords (case-insensitive), integers, floats, durations (an
 * integer immediately followed by s m h d or w), strings ('...' with '' for a quote; the
 * token keeps the quoted source text, the parser decodes it), punctuation ( ) , + - . (a '.'
 * only right before a letter or '_', as in purchase.amount) and the
 * comparison operators = != <> < <= > >=. A '-' is always its own token; the parser joins it
 * to a directly following number. Whitespace is space, tab, CR and LF; LF starts a new line.
 * Columns count characters (UTF-8 code points; a byte that is not valid UTF-8 counts as one),
 * not bytes. The lexer never allocates.
 */
#ifndef PDB_QUERY_LEXER_H
#define PDB_QUERY_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

enum token_kind {
    TOKEN_END = 0,
    TOKEN_IDENTIFIER,
    TOKEN_INTEGER,
    TOKEN_FLOAT,
    TOKEN_DURATION,
    TOKEN_STRING,
    TOKEN_LEFT_PAREN,
    TOKEN_RIGHT_PAREN,
    TOKEN_COMMA,
    TOKEN_PLUS,
    TOKEN_MINUS,
    TOKEN_EQUAL,
    TOKEN_NOT_EQUAL, /* != and <> */
    TOKEN_LESS,
    TOKEN_LESS_EQUAL,
    TOKEN_GREATER,
    TOKEN_GREATER_EQUAL,
    TOKEN_DOT, /* '.' directly followed by a letter or '_': event.property */
    /* Keywords. */
    TOKEN_AND,
    TOKEN_OR,
    TOKEN_NOT,
    TOKEN_BETWEEN,
    TOKEN_IN,
    TOKEN_IS,
    TOKEN_NULL,
    TOKEN_TRUE,
    TOKEN_FALSE,
    TOKEN_STARTS,
    TOKEN_ENDS,
    TOKEN_WITH,
    TOKEN_CONTAINS,
    TOKEN_ISTARTS,
    TOKEN_IENDS,
    TOKEN_ICONTAINS,
    TOKEN_HAS,
    TOKEN_ANY,
    TOKEN_ALL,
    TOKEN_NOW,
    TOKEN_KIND_COUNT
};

struct token {
    enum token_kind kind;
    const char *text; /* source bytes of the token (strings include their quotes) */
    size_t size;
    size_t offset;   /* byte offset in the segment text */
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, in characters */
};

struct lexer {
    const char *text;
    size_t size;
    size_t offset;
    uint32_t line;
    uint32_t column;
};

void lexer_init(struct lexer *lexer, const char *text, size_t size);

/* Reads the next token (TOKEN_END at the end, repeatedly). Errors (PDB_ERR_SEGMENT, message
 * "segment:<line>:<column>: syntax error: ..."): unexpected character, unterminated string,
 * bad number, bad duration unit. */
enum pdb_status lexer_next(struct lexer *lexer, struct token *token, struct pdb_error *error);

/* Stable name of a token kind for messages and tests: "identifier", "'('", "AND", ... */
const char *token_kind_name(enum token_kind kind);

/* Describes a token for "but found ...": "end of segment", "string 'abc'", "'AND'", ...
 * Writes at most buffer_size bytes (NUL-terminated); long tokens are shortened with "...". */
void token_describe(const struct token *token, char *buffer, size_t buffer_size);

/* Seconds per duration unit letter (s m h d w), or 0 for any other byte. */
int64_t lexer_duration_unit_seconds(char unit);

#endif
