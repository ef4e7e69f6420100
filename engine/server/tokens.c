/*
 * The tokens file (format in tokens.h) and constant-time token lookup.
 *
 * The lookup compares the candidate, zero-padded to PDB_TOKEN_SIZE_MAX, with every entry over
 * the full width, OR-ing byte differences, and selects the match with masks: no early exit
 * on a differing byte or on the first match, so response time does not reveal a prefix.
 */
#include "server/tokens.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "protocol/protocol.h"

static bool token_byte_is_valid(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* Splits the next whitespace-separated word off *cursor (bounded by end). */
static bool next_word(const char **cursor, const char *end, const char **word, size_t *size)
{
    const char *p = *cursor;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    if (p == end) return false;
    const char *start = p;
    while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
        p++;
    *word = start;
    *size = (size_t)(p - start);
    *cursor = p;
    return true;
}

static bool word_is(const char *word, size_t size, const char *text)
{
    return size == strlen(text) && memcmp(word, text, size) == 0;
}

static enum pdb_status parse_line(const char *path, uint32_t line_number, const char *line,
                                  const char *end, struct token_entry *entry,
                                  struct pdb_error *error)
{
    const char *cursor = line, *word = line;
    size_t size = 0;
    if (!next_word(&cursor, end, &word, &size))
        return error_set(error, PDB_ERR_DATA, "%s:%u: missing token", path, line_number);
    if (size < PDB_TOKEN_SIZE_MIN || size > PDB_TOKEN_SIZE_MAX)
        return error_set(error, PDB_ERR_DATA,
                         "%s:%u: a token has %u to %u characters, this one %zu", path, line_number,
                         PDB_TOKEN_SIZE_MIN, PDB_TOKEN_SIZE_MAX, size);
    for (size_t i = 0; i < size; i++)
        if (!token_byte_is_valid((unsigned char)word[i]))
            return error_set(error, PDB_ERR_DATA,
                             "%s:%u:%zu: a token is printable ASCII without spaces", path,
                             line_number, i + 1);
    memset(entry, 0, sizeof *entry);
    memcpy(entry->token, word, size);
    entry->size = (uint32_t)size;
    if (!next_word(&cursor, end, &word, &size))
        return error_set(error, PDB_ERR_DATA, "%s:%u: missing role (admin, writer or reader)", path,
                         line_number);
    if (word_is(word, size, "admin"))
        entry->role = PROTOCOL_ROLE_ADMIN;
    else if (word_is(word, size, "writer"))
        entry->role = PROTOCOL_ROLE_WRITER;
    else if (word_is(word, size, "reader"))
        entry->role = PROTOCOL_ROLE_READER;
    else
        return error_set(error, PDB_ERR_DATA,
                         "%s:%u: unknown role '%.*s' (expected admin, writer or reader)", path,
                         line_number, (int)(size > 64 ? 64 : size), word);
    while (next_word(&cursor, end, &word, &size)) {
        if (!word_is(word, size, "pii"))
            return error_set(error, PDB_ERR_DATA, "%s:%u: unknown grant '%.*s' (expected pii)",
                             path, line_number, (int)(size > 64 ? 64 : size), word);
        entry->has_pii = true;
    }
    return PDB_OK;
}

enum pdb_status token_table_load(const char *path, struct token_table *table,
                                 struct pdb_error *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        int saved = errno;
        return error_set_errno(error, saved == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO, saved,
                               "%s: cannot open the tokens file", path);
    }
    char *text = mem_alloc(PDB_TOKENS_FILE_SIZE_MAX + 1);
    struct token_entry *entries = NULL;
    size_t capacity = 0;
    uint32_t count = 0;
    enum pdb_status status = PDB_OK;
    if (text == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", path);
        goto fail;
    }
    size_t size = fread(text, 1, PDB_TOKENS_FILE_SIZE_MAX + 1, file);
    if (ferror(file)) {
        status = error_set(error, PDB_ERR_IO, "%s: read error", path);
        goto fail;
    }
    if (size > PDB_TOKENS_FILE_SIZE_MAX) {
        status = error_set(error, PDB_ERR_LIMIT, "%s: larger than %u bytes", path,
                           PDB_TOKENS_FILE_SIZE_MAX);
        goto fail;
    }
    const char *line = text, *end = text + size;
    for (uint32_t line_number = 1; line < end; line_number++) {
        const char *line_end = memchr(line, '\n', (size_t)(end - line));
        if (line_end == NULL) line_end = end;
        const char *cursor = line, *word;
        size_t word_size;
        if (next_word(&cursor, line_end, &word, &word_size) && word[0] != '#') {
            if (count == PDB_TOKENS_MAX) {
                status = error_set(error, PDB_ERR_LIMIT, "%s:%u: more than %u tokens", path,
                                   line_number, PDB_TOKENS_MAX);
                goto fail;
            }
            if (mem_grow((void **)&entries, &capacity, count + 1, sizeof *entries) != 0) {
                status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", path);
                goto fail;
            }
            status = parse_line(path, line_number, line, line_end, &entries[count], error);
            if (status != PDB_OK) goto fail;
            uint8_t role;
            bool has_pii;
            struct token_table so_far = {entries, count};
            if (token_table_find(&so_far, entries[count].token, entries[count].size, &role,
                                 &has_pii)) {
                status = error_set(error, PDB_ERR_DATA, "%s:%u: this token appears twice", path,
                                   line_number);
                goto fail;
            }
            count++;
        }
        line = line_end + 1;
    }
    mem_free(text);
    fclose(file);
    table->entries = entries;
    table->count = count;
    return PDB_OK;
fail:
    if (entries) memset(entries, 0, capacity * sizeof *entries);
    mem_free(entries);
    if (text) memset(text, 0, PDB_TOKENS_FILE_SIZE_MAX + 1);
    mem_free(text);
    fclose(file);
    return status;
}

void token_table_deinit(struct token_table *table)
{
    if (table->entries) memset(table->entries, 0, table->count * sizeof *table->entries);
    mem_free(table->entries);
    table->entries = NULL;
    table->count = 0;
}

bool token_table_find(const struct token_table *table, const void *token, size_t size,
                      uint8_t *role_out, bool *has_pii_out)
{
    if (size > PDB_TOKEN_SIZE_MAX) size = PDB_TOKEN_SIZE_MAX + 1; /* never equals an entry */
    uint8_t candidate[PDB_TOKEN_SIZE_MAX] = {0};
    memcpy(candidate, token, size > PDB_TOKEN_SIZE_MAX ? PDB_TOKEN_SIZE_MAX : size);
    uint32_t found = 0, role = 0, has_pii = 0;
    for (uint32_t e = 0; e < table->count; e++) {
        const struct token_entry *entry = &table->entries[e];
        uint32_t difference = entry->size ^ (uint32_t)size;
        for (size_t i = 0; i < PDB_TOKEN_SIZE_MAX; i++)
            difference |= entry->token[i] ^ candidate[i];
        /* mask = all ones when difference == 0, else 0, without a branch. */
        uint32_t mask = (uint32_t)(((uint64_t)difference - 1) >> 32);
        found |= mask & 1u;
        role |= mask & entry->role;
        has_pii |= mask & (entry->has_pii ? 1u : 0u);
    }
    volatile uint8_t *wipe = candidate;
    for (size_t i = 0; i < sizeof candidate; i++)
        wipe[i] = 0;
    if (!found) return false;
    *role_out = (uint8_t)role;
    *has_pii_out = has_pii != 0;
    return true;
}
