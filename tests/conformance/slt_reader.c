/*
 * Reader of sqllogictest .test files (the format of about.wiki, written from its description).
 *
 * A file is lines (LF or CRLF); records are separated by one or more blank lines; lines that
 * begin with '#' are comments and vanish before anything else looks at the text (they do not
 * separate records). A record is optionally prefixed by "skipif <engine>" / "onlyif <engine>"
 * lines, then one of:
 *   statement ok|error          SQL on the following lines
 *   query <types> [sort] [label] SQL up to "----", then one expected value per line
 *   hash-threshold <n>
 *   halt                        (the rest of the file is ignored)
 * This harness is the engine "profiledb": skipif profiledb and onlyif <another engine> mark the
 * record skipped (it is still returned, so it can be counted).
 */
#include "slt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/status.h"

#define SLT_ENGINE_NAME "profiledb"

/* ---- Opening ---------------------------------------------------------------------------- */

/* Cuts reader->text (size bytes, NUL-terminated) into lines in place. */
static enum pdb_status reader_split_lines(struct slt_reader *reader, size_t size,
                                          struct pdb_error *error)
{
    size_t line_count = 1;
    for (size_t i = 0; i < size; i++)
        if (reader->text[i] == '\n') line_count++;
    if (line_count > UINT32_MAX)
        return error_set(error, PDB_ERR_LIMIT, "%s: too many lines", reader->path);
    reader->lines = mem_calloc(line_count, sizeof *reader->lines);
    if (reader->lines == NULL)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", reader->path);
    char *start = reader->text;
    uint32_t count = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && reader->text[i] != '\n') continue;
        char *end = reader->text + i;
        if (end > start && end[-1] == '\r') end--;
        *end = '\0';
        reader->lines[count++] = start;
        start = reader->text + i + 1;
    }
    /* A final newline leaves one empty line behind it: blank, so it changes nothing. */
    reader->line_count = count;
    return PDB_OK;
}

static enum pdb_status reader_adopt(struct slt_reader *reader, const char *name, char *text,
                                    size_t size, struct pdb_error *error)
{
    memset(reader, 0, sizeof *reader);
    snprintf(reader->path, sizeof reader->path, "%s", name);
    reader->text = text;
    buffer_init(&reader->sql);
    enum pdb_status status = reader_split_lines(reader, size, error);
    if (status != PDB_OK) {
        reader->text = NULL;
        slt_reader_close(reader);
    }
    return status;
}

enum pdb_status slt_reader_open(struct slt_reader *reader, const char *path,
                                struct pdb_error *error)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return error_set_errno(error, PDB_ERR_IO, errno, "%s", path);
    struct stat status_info;
    if (fstat(fileno(file), &status_info) != 0) {
        int saved = errno;
        fclose(file);
        return error_set_errno(error, PDB_ERR_IO, saved, "%s", path);
    }
    if ((uint64_t)status_info.st_size > SLT_FILE_SIZE_MAX) {
        fclose(file);
        return error_set(error, PDB_ERR_LIMIT, "%s: larger than %u bytes", path, SLT_FILE_SIZE_MAX);
    }
    size_t size = (size_t)status_info.st_size;
    char *text = mem_alloc(size + 1);
    if (text == NULL) {
        fclose(file);
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    size_t read_size = fread(text, 1, size, file);
    fclose(file);
    if (read_size != size) {
        mem_free(text);
        return error_set(error, PDB_ERR_IO, "%s: short read (%zu of %zu bytes)", path, read_size,
                         size);
    }
    text[size] = '\0';
    enum pdb_status status = reader_adopt(reader, path, text, size, error);
    if (status != PDB_OK) mem_free(text);
    return status;
}

enum pdb_status slt_reader_open_text(struct slt_reader *reader, const char *name, const char *text,
                                     struct pdb_error *error)
{
    size_t size = strlen(text);
    char *copy = mem_strndup(text, size);
    if (copy == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", name);
    enum pdb_status status = reader_adopt(reader, name, copy, size, error);
    if (status != PDB_OK) mem_free(copy);
    return status;
}

void slt_reader_close(struct slt_reader *reader)
{
    mem_free(reader->text);
    mem_free(reader->lines);
    mem_free(reader->results);
    buffer_deinit(&reader->sql);
    memset(reader, 0, sizeof *reader);
}

/* ---- Records ---------------------------------------------------------------------------- */

static bool line_is_comment(const char *line)
{
    return line[0] == '#';
}

static bool line_is_blank(const char *line)
{
    for (; *line; line++)
        if (*line != ' ' && *line != '\t') return false;
    return true;
}

/* The next non-comment line of the current record, or NULL at a blank line or the end. */
static char *reader_record_line(struct slt_reader *reader)
{
    while (reader->line_index < reader->line_count) {
        char *line = reader->lines[reader->line_index];
        if (line_is_comment(line)) {
            reader->line_index++;
            continue;
        }
        if (line_is_blank(line)) return NULL;
        reader->line_index++;
        return line;
    }
    return NULL;
}

/* Splits `line` at blanks into at most `word_max` words (in place); returns the count. */
static uint32_t line_words(char *line, char **words, uint32_t word_max)
{
    uint32_t count = 0;
    char *cursor = line;
    while (*cursor) {
        while (*cursor == ' ' || *cursor == '\t')
            *cursor++ = '\0';
        if (*cursor == '\0') break;
        if (count == word_max) return word_max + 1;
        words[count++] = cursor;
        while (*cursor && *cursor != ' ' && *cursor != '\t')
            cursor++;
    }
    return count;
}

/* Appends the record's SQL lines up to a blank line, or up to "----" when stop_at_dashes. */
static enum pdb_status reader_collect_sql(struct slt_reader *reader, bool stop_at_dashes,
                                          bool *saw_dashes, struct pdb_error *error)
{
    buffer_reset(&reader->sql);
    *saw_dashes = false;
    for (char *line; (line = reader_record_line(reader)) != NULL;) {
        if (stop_at_dashes && strcmp(line, "----") == 0) {
            *saw_dashes = true;
            break;
        }
        if (reader->sql.size > 0 && buffer_append(&reader->sql, "\n", 1) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", reader->path);
        if (buffer_append(&reader->sql, line, strlen(line)) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", reader->path);
    }
    if (buffer_append(&reader->sql, "", 1) != 0)
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", reader->path);
    reader->sql.size--;
    return PDB_OK;
}

static enum pdb_status reader_collect_results(struct slt_reader *reader, struct slt_record *record,
                                              struct pdb_error *error)
{
    size_t count = 0;
    for (char *line; (line = reader_record_line(reader)) != NULL;) {
        if (mem_grow((void **)&reader->results, &reader->results_capacity, count + 1,
                     sizeof *reader->results) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory", reader->path);
        reader->results[count++] = line;
    }
    record->results = reader->results;
    record->result_count = (uint32_t)count;
    return PDB_OK;
}

static enum pdb_status reader_parse_query(struct slt_reader *reader, char **words,
                                          uint32_t word_count, struct slt_record *record,
                                          struct pdb_error *error)
{
    if (word_count < 2 || word_count > 4)
        return error_set(error, PDB_ERR_DATA, "%s:%u: expected 'query <types> [sort-mode] [label]'",
                         reader->path, record->line_number);
    record->kind = SLT_RECORD_QUERY;
    record->type_string = words[1];
    for (const char *type = words[1]; *type; type++)
        if (*type != 'I' && *type != 'R' && *type != 'T')
            return error_set(error, PDB_ERR_DATA, "%s:%u: unknown result type '%c' in '%s'",
                             reader->path, record->line_number, *type, words[1]);
    record->sort_mode = SLT_SORT_NONE;
    record->label = "";
    uint32_t next = 2;
    if (next < word_count) {
        if (strcmp(words[next], "nosort") == 0) {
            next++;
        } else if (strcmp(words[next], "rowsort") == 0) {
            record->sort_mode = SLT_SORT_ROWS;
            next++;
        } else if (strcmp(words[next], "valuesort") == 0) {
            record->sort_mode = SLT_SORT_VALUES;
            next++;
        }
    }
    if (next < word_count) record->label = words[next++];
    if (next != word_count)
        return error_set(error, PDB_ERR_DATA, "%s:%u: unexpected '%s' after the label",
                         reader->path, record->line_number, words[next]);
    bool saw_dashes = false;
    enum pdb_status status = reader_collect_sql(reader, true, &saw_dashes, error);
    if (status != PDB_OK) return status;
    record->sql = (const char *)reader->sql.data;
    record->has_results = saw_dashes;
    record->results = NULL;
    record->result_count = 0;
    if (saw_dashes) return reader_collect_results(reader, record, error);
    return PDB_OK;
}

static enum pdb_status reader_parse_record(struct slt_reader *reader, char *first,
                                           struct slt_record *record, struct pdb_error *error)
{
    char *words[6];
    uint32_t word_count = line_words(first, words, 5);
    if (word_count == 0 || word_count > 5)
        return error_set(error, PDB_ERR_DATA, "%s:%u: unreadable record line", reader->path,
                         record->line_number);
    if (strcmp(words[0], "statement") == 0) {
        if (word_count != 2 || (strcmp(words[1], "ok") != 0 && strcmp(words[1], "error") != 0))
            return error_set(error, PDB_ERR_DATA, "%s:%u: expected 'statement ok|error'",
                             reader->path, record->line_number);
        record->kind = SLT_RECORD_STATEMENT;
        record->expects_error = strcmp(words[1], "error") == 0;
        bool saw_dashes = false;
        enum pdb_status status = reader_collect_sql(reader, false, &saw_dashes, error);
        record->sql = (const char *)reader->sql.data;
        return status;
    }
    if (strcmp(words[0], "query") == 0)
        return reader_parse_query(reader, words, word_count, record, error);
    if (strcmp(words[0], "hash-threshold") == 0) {
        char *end = NULL;
        errno = 0;
        unsigned long long value = word_count == 2 ? strtoull(words[1], &end, 10) : 0;
        if (word_count != 2 || end == words[1] || *end != '\0' || errno != 0)
            return error_set(error, PDB_ERR_DATA, "%s:%u: expected 'hash-threshold <n>'",
                             reader->path, record->line_number);
        record->kind = SLT_RECORD_HASH_THRESHOLD;
        record->hash_threshold = value;
        while (reader_record_line(reader) != NULL) {
        }
        return PDB_OK;
    }
    if (strcmp(words[0], "halt") == 0 && word_count == 1) {
        record->kind = SLT_RECORD_HALT;
        reader->line_index = reader->line_count;
        return PDB_OK;
    }
    return error_set(error, PDB_ERR_DATA, "%s:%u: unknown record '%s'", reader->path,
                     record->line_number, words[0]);
}

enum pdb_status slt_reader_next(struct slt_reader *reader, struct slt_record *record,
                                bool *has_record, struct pdb_error *error)
{
    /* Skip blank lines and comments between records. */
    while (reader->line_index < reader->line_count) {
        const char *line = reader->lines[reader->line_index];
        if (!line_is_blank(line) && !line_is_comment(line)) break;
        reader->line_index++;
    }
    struct slt_record next;
    memset(&next, 0, sizeof next);
    char *line = reader_record_line(reader);
    if (line == NULL) {
        *has_record = false;
        return PDB_OK;
    }
    /* Conditions: skipif/onlyif lines before the record proper. */
    for (;;) {
        bool is_skipif = strncmp(line, "skipif", 6) == 0 && (line[6] == ' ' || line[6] == '\t');
        bool is_onlyif = strncmp(line, "onlyif", 6) == 0 && (line[6] == ' ' || line[6] == '\t');
        if (!is_skipif && !is_onlyif) break;
        char *words[3];
        uint32_t line_number = reader->line_index; /* 1-based: the line just read */
        if (line_words(line, words, 2) != 2)
            return error_set(error, PDB_ERR_DATA, "%s:%u: expected '%s <engine>'", reader->path,
                             line_number, is_skipif ? "skipif" : "onlyif");
        bool names_us = strcmp(words[1], SLT_ENGINE_NAME) == 0;
        if (is_skipif ? names_us : !names_us) next.is_skipped = true;
        line = reader_record_line(reader);
        if (line == NULL)
            return error_set(error, PDB_ERR_DATA, "%s:%u: a condition without a record",
                             reader->path, line_number);
    }
    next.line_number = reader->line_index;
    enum pdb_status status = reader_parse_record(reader, line, &next, error);
    if (status != PDB_OK) return status;
    *record = next;
    *has_record = true;
    return PDB_OK;
}
