/*
 * Segment lexer (see lexer.h). A single forward pass over the text that keeps the line and
 * character column of the next byte; each token records the position of its first byte.
 * Number shapes are checked here (digits [. digits] [e[+-]digits], or digits + one unit
 * letter for durations); their values are converted by the parser, which knows the sign.
 */
#include "query/lexer.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/status.h"

static const struct {
    const char *word;
    enum token_kind kind;
} keywords[] = {
    {"and", TOKEN_AND},
    {"or", TOKEN_OR},
    {"not", TOKEN_NOT},
    {"between", TOKEN_BETWEEN},
    {"in", TOKEN_IN},
    {"is", TOKEN_IS},
    {"null", TOKEN_NULL},
    {"true", TOKEN_TRUE},
    {"false", TOKEN_FALSE},
    {"starts", TOKEN_STARTS},
    {"ends", TOKEN_ENDS},
    {"with", TOKEN_WITH},
    {"contains", TOKEN_CONTAINS},
    {"istarts", TOKEN_ISTARTS},
    {"iends", TOKEN_IENDS},
    {"icontains", TOKEN_ICONTAINS},
    {"has", TOKEN_HAS},
    {"any", TOKEN_ANY},
    {"all", TOKEN_ALL},
    {"now", TOKEN_NOW},
};

static const char *const kind_names[TOKEN_KIND_COUNT] = {
    [TOKEN_END] = "end of segment",
    [TOKEN_IDENTIFIER] = "identifier",
    [TOKEN_INTEGER] = "integer",
    [TOKEN_FLOAT] = "float",
    [TOKEN_DURATION] = "duration",
    [TOKEN_STRING] = "string",
    [TOKEN_LEFT_PAREN] = "'('",
    [TOKEN_RIGHT_PAREN] = "')'",
    [TOKEN_COMMA] = "','",
    [TOKEN_PLUS] = "'+'",
    [TOKEN_MINUS] = "'-'",
    [TOKEN_EQUAL] = "'='",
    [TOKEN_NOT_EQUAL] = "'!='",
    [TOKEN_LESS] = "'<'",
    [TOKEN_LESS_EQUAL] = "'<='",
    [TOKEN_GREATER] = "'>'",
    [TOKEN_GREATER_EQUAL] = "'>='",
    [TOKEN_DOT] = "'.'",
    [TOKEN_AND] = "AND",
    [TOKEN_OR] = "OR",
    [TOKEN_NOT] = "NOT",
    [TOKEN_BETWEEN] = "BETWEEN",
    [TOKEN_IN] = "IN",
    [TOKEN_IS] = "IS",
    [TOKEN_NULL] = "NULL",
    [TOKEN_TRUE] = "TRUE",
    [TOKEN_FALSE] = "FALSE",
    [TOKEN_STARTS] = "STARTS",
    [TOKEN_ENDS] = "ENDS",
    [TOKEN_WITH] = "WITH",
    [TOKEN_CONTAINS] = "CONTAINS",
    [TOKEN_ISTARTS] = "ISTARTS",
    [TOKEN_IENDS] = "IENDS",
    [TOKEN_ICONTAINS] = "ICONTAINS",
    [TOKEN_HAS] = "HAS",
    [TOKEN_ANY] = "ANY",
    [TOKEN_ALL] = "ALL",
    [TOKEN_NOW] = "NOW",
};

const char *token_kind_name(enum token_kind kind)
{
    if ((unsigned)kind >= TOKEN_KIND_COUNT) return "unknown token";
    return kind_names[kind];
}

int64_t lexer_duration_unit_seconds(char unit)
{
    switch (unit) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    case 'w':
        return 604800;
    default:
        return 0;
    }
}

void lexer_init(struct lexer *lexer, const char *text, size_t size)
{
    lexer->text = size ? text : "";
    lexer->size = size;
    lexer->offset = 0;
    lexer->line = 1;
    lexer->column = 1;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_identifier_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_identifier_char(char c)
{
    return is_identifier_start(c) || is_digit(c);
}

static char peek_at(const struct lexer *lexer, size_t ahead)
{
    size_t at = lexer->offset + ahead;
    return at < lexer->size ? lexer->text[at] : '\0';
}

static bool has_at(const struct lexer *lexer, size_t ahead)
{
    return lexer->offset + ahead < lexer->size;
}

/* Moves past one byte, keeping line and character column. */
static void advance(struct lexer *lexer)
{
    unsigned char byte = (unsigned char)lexer->text[lexer->offset++];
    if (byte == '\n') {
        lexer->line++;
        lexer->column = 1;
    } else if ((byte & 0xC0u) != 0x80u) {
        lexer->column++;
    }
}

static void advance_by(struct lexer *lexer, size_t count)
{
    for (size_t i = 0; i < count; i++)
        advance(lexer);
}

static enum pdb_status lex_error(const struct token *token, struct pdb_error *error,
                                 const char *reason, const char *quoted, size_t quoted_size,
                                 const char *tail)
{
    if (quoted == NULL) {
        return error_set(error, PDB_ERR_SEGMENT, "segment:%u:%u: syntax error: %s", token->line,
                         token->column, reason);
    }
    int shown = quoted_size > 40 ? 40 : (int)quoted_size;
    return error_set(error, PDB_ERR_SEGMENT, "segment:%u:%u: syntax error: %s '%.*s%s'%s",
                     token->line, token->column, reason, shown, quoted,
                     quoted_size > 40 ? "..." : "", tail ? tail : "");
}

/* The run of characters that could belong to a malformed number, for the message. */
static size_t number_run_size(const struct lexer *lexer, size_t start)
{
    size_t end = start;
    while (end < lexer->size && (is_identifier_char(lexer->text[end]) || lexer->text[end] == '.'))
        end++;
    return end - start;
}

static enum pdb_status lex_number(struct lexer *lexer, struct token *token, struct pdb_error *error)
{
    size_t start = lexer->offset;
    bool is_float = false;
    while (has_at(lexer, 0) && is_digit(peek_at(lexer, 0)))
        advance(lexer);
    if (has_at(lexer, 0) && peek_at(lexer, 0) == '.') {
        if (!is_digit(peek_at(lexer, 1))) {
            return lex_error(token, error, "bad number", lexer->text + start,
                             number_run_size(lexer, start), " (expected digits after '.')");
        }
        advance(lexer);
        while (has_at(lexer, 0) && is_digit(peek_at(lexer, 0)))
            advance(lexer);
        is_float = true;
    }
    char e = peek_at(lexer, 0);
    if (has_at(lexer, 0) && (e == 'e' || e == 'E')) {
        char after = peek_at(lexer, 1);
        size_t digits_at = (after == '+' || after == '-') ? 2 : 1;
        if (has_at(lexer, digits_at) && is_digit(peek_at(lexer, digits_at))) {
            advance_by(lexer, digits_at);
            while (has_at(lexer, 0) && is_digit(peek_at(lexer, 0)))
                advance(lexer);
            is_float = true;
        } else { /* 'e' is not a duration unit: always a malformed exponent */
            return lex_error(token, error, "bad number", lexer->text + start,
                             number_run_size(lexer, start) + (after == '+' || after == '-'),
                             " (expected digits in the exponent)");
        }
    }
    token->kind = is_float ? TOKEN_FLOAT : TOKEN_INTEGER;
    if (has_at(lexer, 0) && (is_identifier_char(peek_at(lexer, 0)) || peek_at(lexer, 0) == '.')) {
        char unit = peek_at(lexer, 0);
        bool single_letter = is_identifier_start(unit) && unit != '_' &&
                             !(has_at(lexer, 1) &&
                               (is_identifier_char(peek_at(lexer, 1)) || peek_at(lexer, 1) == '.'));
        if (!is_float && single_letter) {
            if (lexer_duration_unit_seconds(unit) == 0) {
                return lex_error(token, error, "bad duration unit in", lexer->text + start,
                                 lexer->offset + 1 - start,
                                 " (expected s, m, h, d or w, as in 30d)");
            }
            advance(lexer);
            token->kind = TOKEN_DURATION;
        } else {
            return lex_error(token, error, "bad number", lexer->text + start,
                             number_run_size(lexer, start), NULL);
        }
    }
    token->size = lexer->offset - start;
    return PDB_OK;
}

static enum pdb_status lex_string(struct lexer *lexer, struct token *token, struct pdb_error *error)
{
    size_t start = lexer->offset;
    advance(lexer); /* opening quote */
    for (;;) {
        if (!has_at(lexer, 0)) {
            return lex_error(token, error, "unterminated string (no closing quote)", NULL, 0, NULL);
        }
        if (peek_at(lexer, 0) == '\'') {
            if (has_at(lexer, 1) && peek_at(lexer, 1) == '\'') {
                advance_by(lexer, 2);
                continue;
            }
            advance(lexer);
            break;
        }
        advance(lexer);
    }
    token->kind = TOKEN_STRING;
    token->size = lexer->offset - start;
    return PDB_OK;
}

/* Length of the UTF-8 sequence starting at text[0..size), or 0 when it is not valid. */
static size_t utf8_sequence_size(const unsigned char *text, size_t size)
{
    unsigned char lead = text[0];
    size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (lead >= 0xF5 || length == 0 || length > size) return 0;
    for (size_t i = 1; i < length; i++)
        if ((text[i] & 0xC0u) != 0x80u) return 0;
    return length;
}

static enum pdb_status lex_token(struct lexer *lexer, struct token *token, struct pdb_error *error)
{
    while (has_at(lexer, 0)) {
        char c = peek_at(lexer, 0);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
        advance(lexer);
    }
    token->text = lexer->text + lexer->offset;
    token->offset = lexer->offset;
    token->line = lexer->line;
    token->column = lexer->column;
    token->size = 0;
    if (!has_at(lexer, 0)) {
        token->kind = TOKEN_END;
        return PDB_OK;
    }
    char c = peek_at(lexer, 0);
    char next = peek_at(lexer, 1);
    bool has_next = has_at(lexer, 1);
    size_t size = 1;
    switch (c) {
    case '(':
        token->kind = TOKEN_LEFT_PAREN;
        break;
    case ')':
        token->kind = TOKEN_RIGHT_PAREN;
        break;
    case ',':
        token->kind = TOKEN_COMMA;
        break;
    case '+':
        token->kind = TOKEN_PLUS;
        break;
    case '-':
        token->kind = TOKEN_MINUS;
        break;
    case '=':
        token->kind = TOKEN_EQUAL;
        break;
    case '!':
        if (!(has_next && next == '=')) {
            return lex_error(token, error, "unexpected character '!' (did you mean '!='?)", NULL, 0,
                             NULL);
        }
        token->kind = TOKEN_NOT_EQUAL;
        size = 2;
        break;
    case '<':
        if (has_next && next == '=') {
            token->kind = TOKEN_LESS_EQUAL;
            size = 2;
        } else if (has_next && next == '>') {
            token->kind = TOKEN_NOT_EQUAL;
            size = 2;
        } else {
            token->kind = TOKEN_LESS;
        }
        break;
    case '>':
        if (has_next && next == '=') {
            token->kind = TOKEN_GREATER_EQUAL;
            size = 2;
        } else {
            token->kind = TOKEN_GREATER;
        }
        break;
    case '\'':
        return lex_string(lexer, token, error);
    case '.':
        if (!(has_next && is_identifier_start(next))) goto unexpected;
        token->kind = TOKEN_DOT;
        break;
    default:
        if (is_digit(c)) return lex_number(lexer, token, error);
        if (is_identifier_start(c)) {
            size_t start = lexer->offset;
            while (has_at(lexer, 0) && is_identifier_char(peek_at(lexer, 0)))
                advance(lexer);
            token->size = lexer->offset - start;
            token->kind = TOKEN_IDENTIFIER;
            for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
                if (strlen(keywords[i].word) == token->size &&
                    strncasecmp(keywords[i].word, token->text, token->size) == 0) {
                    token->kind = keywords[i].kind;
                    break;
                }
            }
            return PDB_OK;
        } else {
        unexpected:;
            const unsigned char *bytes = (const unsigned char *)token->text;
            size_t sequence = utf8_sequence_size(bytes, lexer->size - lexer->offset);
            if (sequence > 1) {
                return lex_error(token, error, "unexpected character", token->text, sequence, NULL);
            }
            char reason[64];
            if (bytes[0] >= 0x20 && bytes[0] < 0x7F) {
                snprintf(reason, sizeof reason, "unexpected character '%c'", bytes[0]);
            } else {
                snprintf(reason, sizeof reason, "unexpected byte 0x%02X", bytes[0]);
            }
            return lex_error(token, error, reason, NULL, 0, NULL);
        }
    }
    advance_by(lexer, size);
    token->size = size;
    return PDB_OK;
}

enum pdb_status lexer_next(struct lexer *lexer, struct token *token, struct pdb_error *error)
{
    struct token next;
    enum pdb_status status = lex_token(lexer, &next, error);
    if (status == PDB_OK) *token = next; /* untouched on error */
    return status;
}

void token_describe(const struct token *token, char *buffer, size_t buffer_size)
{
    if (token->kind == TOKEN_END) {
        snprintf(buffer, buffer_size, "end of segment");
        return;
    }
    size_t limit = 40;
    int shown = (int)(token->size > limit ? limit : token->size);
    const char *ellipsis = token->size > limit ? "..." : "";
    if (token->kind == TOKEN_STRING) {
        snprintf(buffer, buffer_size, "string %.*s%s", shown, token->text, ellipsis);
    } else {
        snprintf(buffer, buffer_size, "'%.*s%s'", shown, token->text, ellipsis);
    }
}
