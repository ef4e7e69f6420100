/*
 * Streaming RFC 4180 CSV record reader (see csv_reader.h for the dialect and the contract).
 *
 * Buffering: `data[position, data_size)` holds the bytes not yet consumed. A file or pipe is
 * read through an input_stream (io_uring with reads queued ahead, or read(2); see
 * input_stream.h) in blocks of `read_size` (PDB_CSV_READ_SIZE) into `buffer`; memory input
 * is parsed in place. A record is parsed by record_parse(), a pure function of the window
 * [position, position + min(available, record_size_max + 2)) and of whether more bytes can
 * follow. When the window ends inside the record it answers "need more": the unconsumed tail
 * is moved to the front of the buffer, at least as many bytes again are read (so re-parsing
 * a long record costs O(record) in total) and the record is parsed again from its start.
 * A record that does not fit the limit is skipped by reader_skip_oversized(), which streams
 * over it block by block and keeps only its first bytes for `raw`.
 *
 * Hot path: csv_scan_* (csv_scan.h) find the next ',' '\n' '"' or NUL 16 bytes at a time;
 * fields point into the window. Fields holding "" are unescaped into `unescaped` once the
 * record is complete. Nothing is allocated per record once the buffers have grown.
 */
#include "ingest/csv_reader.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "ingest/csv_scan.h"
#include "ingest/input_stream.h"

/* Fields slots allocated up front; they grow by doubling up to PDB_CSV_FIELDS_MAX. */
#define CSV_FIELDS_INITIAL 64u

static_assert(PDB_CSV_RECORD_SIZE_MAX == (64u << 20), "CSV_PROBLEM_RECORD_SIZE names the limit");
static_assert(PDB_CSV_FIELDS_MAX == 4096u, "CSV_PROBLEM_FIELD_COUNT names the limit");
static_assert(PDB_CSV_RECORD_SIZE_MAX < UINT32_MAX / 2, "sizes and columns in a record fit u32");
static_assert(CSV_FIELDS_INITIAL <= PDB_CSV_FIELDS_MAX, "initial field slots within the limit");
static_assert(CSV_OVERSIZED_RAW_SIZE_MAX <= PDB_CSV_READ_SIZE, "the raw prefix fits a block");

static const char csv_bom[3] = {'\xef', '\xbb', '\xbf'};

struct csv_reader {
    char *source;   /* owned copy of the path or source name */
    int fd;         /* -1 for memory input */
    struct input_stream *input; /* reads fd; NULL for memory input */
    bool owns_fd;   /* false for standard input */
    bool is_streamed; /* bytes pass through `buffer` (always for fd input) */
    bool is_eof;      /* no bytes will arrive beyond data_size */
    bool is_started;  /* the first csv_reader_next has run (BOM handled) */
    bool is_lines;    /* lines mode: a record is one line, one field; quotes are data */
    const char *memory; /* memory input, borrowed */
    size_t memory_size;
    size_t memory_offset; /* bytes of memory already copied into buffer (streamed) */
    size_t read_size;       /* bytes per read */
    size_t record_size_max; /* bytes per record, without its line end */

    char *buffer; /* streamed input */
    size_t buffer_capacity;
    const char *data; /* buffer, or memory when parsed in place */
    size_t data_size;
    size_t position;  /* first unconsumed byte of data; always at the start of a line */
    uint64_t line;    /* line number of data[position] */
    uint64_t consumed_bytes;
    uint64_t size_bytes;

    struct csv_field *fields;
    size_t field_capacity;
    char *unescaped; /* field bytes of the current record that had "" */
    size_t unescaped_capacity;
};

/* What record_parse() found, for a complete record. */
struct parse_result {
    size_t raw_size;      /* bytes of the record without its line end */
    size_t consumed_size; /* raw_size + the line end (0, 1 or 2 bytes) */
    uint64_t line_count;
    uint32_t field_count;
    size_t escaped_size; /* total raw size of the fields that hold "" */
    const char *problem;
    uint64_t problem_line;
    uint32_t problem_column;
};

enum parse_outcome { PARSE_COMPLETE, PARSE_NEED_MORE, PARSE_NO_MEMORY };

static struct csv_reader *reader_create(const char *source);
static enum pdb_status reader_fill(struct csv_reader *reader, struct pdb_error *error);
static enum pdb_status reader_skip_oversized(struct csv_reader *reader,
                                             struct csv_record *record,
                                             struct pdb_error *error);
static enum parse_outcome record_parse(struct csv_reader *reader, const char *start,
                                       const char *end, bool is_final,
                                       struct parse_result *result);
static int record_unescape(struct csv_reader *reader, uint32_t field_count, size_t escaped_size);

/* ---- Opening and closing ------------------------------------------------------------- */

enum pdb_status csv_reader_open(const char *path, struct csv_reader **reader_out,
                                struct pdb_error *error)
{
    assert(path != NULL && reader_out != NULL);
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = STDIN_FILENO;
    if (!is_stdin) {
        do {
            fd = open(path, O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            int open_errno = errno;
            return error_set_errno(error, open_errno == ENOENT ? PDB_ERR_NOT_FOUND : PDB_ERR_IO,
                                   open_errno, "%s: cannot open", path);
        }
    }
    enum pdb_status status = PDB_OK;
    struct csv_reader *reader = NULL;
    struct stat file_stat;
    if (fstat(fd, &file_stat) != 0) {
        status = error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot stat", path);
        goto fail;
    }
    if (S_ISDIR(file_stat.st_mode)) {
        status = error_set(error, PDB_ERR_IO, "%s: is a directory, not a CSV file", path);
        goto fail;
    }
    reader = reader_create(path);
    if (reader == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory for the CSV reader", path);
        goto fail;
    }
    reader->fd = fd;
    reader->owns_fd = !is_stdin;
    reader->is_streamed = true;
    status = input_stream_create(fd, path, &reader->input, error);
    if (status != PDB_OK) {
        reader->owns_fd = false; /* closed below */
        goto fail;
    }
    if (S_ISREG(file_stat.st_mode)) {
        reader->size_bytes = (uint64_t)file_stat.st_size;
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    *reader_out = reader;
    return PDB_OK;

fail:
    csv_reader_close(reader);
    if (!is_stdin) close(fd);
    return status;
}

enum pdb_status csv_reader_open_memory(const char *data, size_t size, const char *source_name,
                                       struct csv_reader **reader_out, struct pdb_error *error)
{
    assert(reader_out != NULL && (data != NULL || size == 0));
    const char *source = source_name != NULL ? source_name : "memory";
    struct csv_reader *reader = reader_create(source);
    if (reader == NULL) {
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory for the CSV reader",
                         source);
    }
    reader->memory = size > 0 ? data : "";
    reader->memory_size = size;
    reader->data = reader->memory;
    reader->data_size = size;
    reader->is_eof = true;
    reader->size_bytes = size;
    *reader_out = reader;
    return PDB_OK;
}

void csv_reader_close(struct csv_reader *reader)
{
    if (reader == NULL) return;
    input_stream_destroy(reader->input); /* before the fd it reads is closed */
    if (reader->owns_fd) close(reader->fd);
    mem_free(reader->unescaped);
    mem_free(reader->fields);
    mem_free(reader->buffer);
    mem_free(reader->source);
    mem_free(reader);
}

uint64_t csv_reader_bytes_read(const struct csv_reader *reader)
{
    return reader->consumed_bytes;
}

uint64_t csv_reader_size_bytes(const struct csv_reader *reader)
{
    return reader->size_bytes;
}

const char *csv_reader_source(const struct csv_reader *reader)
{
    return reader->source;
}

const char *csv_reader_input_method(const struct csv_reader *reader)
{
    return reader->input != NULL ? input_method_name(input_stream_method(reader->input))
                                 : "memory";
}

const char *csv_reader_input_warning(const struct csv_reader *reader)
{
    return reader->input != NULL ? input_stream_fallback_reason(reader->input) : NULL;
}

void csv_reader_set_lines_mode(struct csv_reader *reader)
{
    assert(!reader->is_started);
    reader->is_lines = true;
}

void csv_reader_set_read_size(struct csv_reader *reader, size_t read_size)
{
    assert(!reader->is_started && read_size >= 1 && read_size <= PDB_CSV_READ_SIZE);
    reader->read_size = read_size;
    if (!reader->is_streamed) {
        reader->is_streamed = true;
        reader->is_eof = false;
        reader->data = reader->buffer;
        reader->data_size = 0;
        reader->memory_offset = 0;
    }
}

void csv_reader_set_record_size_max(struct csv_reader *reader, size_t record_size_max)
{
    assert(!reader->is_started && record_size_max >= 1 &&
           record_size_max <= PDB_CSV_RECORD_SIZE_MAX);
    reader->record_size_max = record_size_max;
}

/* ---- Records ------------------------------------------------------------------------- */

enum pdb_status csv_reader_next(struct csv_reader *reader, struct csv_record *record,
                                bool *has_record, struct pdb_error *error)
{
    enum pdb_status status;
    if (!reader->is_started) {
        while (reader->data_size - reader->position < sizeof csv_bom && !reader->is_eof) {
            if ((status = reader_fill(reader, error)) != PDB_OK) return status;
        }
        if (reader->data_size - reader->position >= sizeof csv_bom &&
            memcmp(reader->data + reader->position, csv_bom, sizeof csv_bom) == 0) {
            reader->position += sizeof csv_bom;
            reader->consumed_bytes += sizeof csv_bom;
        }
        reader->is_started = true;
    }

    /* Skip empty lines ("\n" and "\r\n"); they count as lines but are no records. */
    for (;;) {
        size_t available = reader->data_size - reader->position;
        if (available == 0) {
            if (reader->is_eof) {
                *has_record = false;
                return PDB_OK;
            }
            if ((status = reader_fill(reader, error)) != PDB_OK) return status;
            continue;
        }
        const char *p = reader->data + reader->position;
        size_t empty_size = 0;
        if (p[0] == '\n') {
            empty_size = 1;
        } else if (p[0] == '\r') {
            if (available == 1 && !reader->is_eof) {
                if ((status = reader_fill(reader, error)) != PDB_OK) return status;
                continue;
            }
            if (available >= 2 && p[1] == '\n') empty_size = 2;
        }
        if (empty_size == 0) break;
        reader->position += empty_size;
        reader->consumed_bytes += empty_size;
        reader->line++;
    }

    /* Parse, reading more until the record is complete or known to be too large. */
    struct parse_result result;
    const size_t window_max = reader->record_size_max + 2; /* room for a CRLF at the limit */
    for (;;) {
        size_t available = reader->data_size - reader->position;
        size_t window = available < window_max ? available : window_max;
        bool is_final = reader->is_eof && window == available;
        const char *start = reader->data + reader->position;
        enum parse_outcome outcome = record_parse(reader, start, start + window, is_final,
                                                  &result);
        if (outcome == PARSE_COMPLETE) break;
        if (outcome == PARSE_NO_MEMORY) {
            return error_set(error, PDB_ERR_NO_MEMORY, "%s:%llu: out of memory for CSV fields",
                             reader->source, (unsigned long long)reader->line);
        }
        if (window < available) {
            /* Cut by the limit with bytes beyond it: the record is too large. (A window that
             * merely reached the limit may still end at end of input: read on to know.) */
            status = reader_skip_oversized(reader, record, error);
            if (status == PDB_OK) *has_record = true;
            return status;
        }
        if ((status = reader_fill(reader, error)) != PDB_OK) return status;
    }

    const char *start = reader->data + reader->position;
    struct csv_record out = {
        .field_count = result.field_count,
        .fields = reader->fields,
        .line = reader->line,
        .line_count = result.line_count,
        .raw = start,
        .raw_size = result.raw_size,
        .problem = result.problem,
        .problem_line = result.problem_line,
        .problem_column = result.problem_column,
        .line_end_size = (uint32_t)(result.consumed_size - result.raw_size),
    };
    if (result.raw_size > reader->record_size_max) {
        /* Complete but too large (it fit the window, which allows for the line end). */
        if (out.problem == NULL || strcmp(out.problem, CSV_PROBLEM_UNTERMINATED) != 0) {
            out.problem = CSV_PROBLEM_RECORD_SIZE;
            out.problem_line = reader->line;
            out.problem_column = 1;
        }
        out.raw_size = result.raw_size < CSV_OVERSIZED_RAW_SIZE_MAX ? result.raw_size
                                                                     : CSV_OVERSIZED_RAW_SIZE_MAX;
        out.is_raw_truncated = out.raw_size < result.raw_size;
    }
    if (out.problem != NULL) {
        out.field_count = 0;
    } else if (result.escaped_size > 0) {
        if (record_unescape(reader, result.field_count, result.escaped_size) != 0) {
            return error_set(error, PDB_ERR_NO_MEMORY,
                             "%s:%llu: out of memory for an escaped CSV field", reader->source,
                             (unsigned long long)reader->line);
        }
    }
    reader->position += result.consumed_size;
    reader->consumed_bytes += result.consumed_size;
    reader->line += result.line_count;
    *record = out;
    *has_record = true;
    return PDB_OK;
}

/* ---- Parsing one record -------------------------------------------------------------- */

static inline uint32_t column_of(const char *line_start, const char *at)
{
    return (uint32_t)(at - line_start) + 1u;
}

/*
 * Parses the record at `start`. The window [start, end) may cut the record short unless
 * is_final (nothing follows `end`): then PARSE_NEED_MORE. On PARSE_COMPLETE the fields are in
 * reader->fields (escaped ones still raw) and *result describes the record. Never reads
 * outside the window; the window is non-empty and starts at the start of a line.
 */
/* Lines mode: the record is the line at `start`, as one unquoted field. */
static enum parse_outcome line_parse(struct csv_reader *reader, const char *start,
                                     const char *end, bool is_final, struct parse_result *result)
{
    const char *newline = memchr(start, '\n', (size_t)(end - start));
    const char *raw_end, *next;
    if (newline == NULL) {
        if (!is_final) return PARSE_NEED_MORE;
        raw_end = next = end;
    } else {
        raw_end = newline > start && newline[-1] == '\r' ? newline - 1 : newline;
        next = newline + 1;
    }
    struct csv_field *field = &reader->fields[0];
    *field = (struct csv_field){.data = start, .size = (uint32_t)(raw_end - start),
                                .line = reader->line, .column = 1};
    *result = (struct parse_result){.raw_size = (size_t)(raw_end - start),
                                    .consumed_size = (size_t)(next - start), .line_count = 1,
                                    .field_count = 1};
    const char *nul = memchr(start, '\0', (size_t)(raw_end - start));
    if (nul != NULL) { /* as for CSV: a record never holds a NUL byte */
        result->problem = CSV_PROBLEM_NUL;
        result->problem_line = reader->line;
        result->problem_column = column_of(start, nul);
    }
    return PARSE_COMPLETE;
}

static enum parse_outcome record_parse(struct csv_reader *reader, const char *start,
                                       const char *end, bool is_final,
                                       struct parse_result *result)
{
    if (reader->is_lines) return line_parse(reader, start, end, is_final, result);
    uint64_t line = reader->line;
    const char *line_start = start;
    const char *p = start; /* start of the current field */
    const char *raw_end;   /* end of the record without its line end */
    const char *next;      /* first byte after the record's line end */
    const char *skip_from; /* structural problem: junk from here to the end of the line */
    struct csv_field *fields = reader->fields;
    uint32_t field_limit = (uint32_t)reader->field_capacity;
    uint32_t count = 0;
    size_t escaped_size = 0;
    /* A structural problem wins over a NUL byte or the field count; else the first wins. */
    const char *structural = NULL, *soft = NULL;
    uint64_t structural_line = 0, soft_line = 0;
    uint32_t structural_column = 0, soft_column = 0;

#define CSV_NOTE_SOFT(text, at)                                                               \
    do {                                                                                       \
        if (soft == NULL) {                                                                    \
            soft = (text);                                                                     \
            soft_line = line;                                                                  \
            soft_column = column_of(line_start, (at));                                         \
        }                                                                                      \
    } while (0)

    for (;;) {
        if (count == field_limit) {
            if (count == PDB_CSV_FIELDS_MAX) {
                /* Keep parsing to find the record's end, overwriting the last slot. */
                CSV_NOTE_SOFT(CSV_PROBLEM_FIELD_COUNT, p);
                count--;
            } else {
                void *grown = reader->fields;
                if (mem_grow(&grown, &reader->field_capacity, (size_t)count + 1,
                             sizeof *fields) != 0) {
                    return PARSE_NO_MEMORY;
                }
                reader->fields = fields = grown;
                field_limit = reader->field_capacity < PDB_CSV_FIELDS_MAX
                                  ? (uint32_t)reader->field_capacity
                                  : PDB_CSV_FIELDS_MAX;
            }
        }
        struct csv_field *field = &fields[count];
        field->line = line;
        field->column = column_of(line_start, p);
        field->data = p;
        if (p == end) {
            /* An empty last field after a trailing comma at the end of input. */
            if (!is_final) return PARSE_NEED_MORE;
            field->size = 0;
            field->is_quoted = false;
            count++;
            raw_end = next = end;
            goto done;
        }

        if (*p != '"') {
            /* Unquoted: runs to the next ',' or '\n'; a '"' is an error, a NUL is noted. */
            field->is_quoted = false;
            const char *q = csv_scan_unquoted(p, end);
            for (;;) {
                if (q == end) {
                    if (!is_final) return PARSE_NEED_MORE;
                    field->size = (uint32_t)(end - p);
                    count++;
                    raw_end = next = end;
                    goto done;
                }
                char c = *q;
                if (c == ',') {
                    field->size = (uint32_t)(q - p);
                    count++;
                    p = q + 1;
                    break;
                }
                if (c == '\n') {
                    const char *field_end = q;
                    if (field_end > p && field_end[-1] == '\r') field_end--;
                    field->size = (uint32_t)(field_end - p);
                    count++;
                    raw_end = field_end;
                    next = q + 1;
                    goto done;
                }
                if (c == '"') {
                    structural = CSV_PROBLEM_BARE_QUOTE;
                    structural_line = line;
                    structural_column = column_of(line_start, q);
                    skip_from = q;
                    goto skip_line;
                }
                CSV_NOTE_SOFT(CSV_PROBLEM_NUL, q);
                q = csv_scan_unquoted(q + 1, end);
            }
            continue;
        }

        /* Quoted: runs to a '"' not followed by '"'; counts the LFs it holds. */
        field->is_quoted = true;
        uint64_t field_line = line;
        uint32_t field_column = field->column;
        bool has_escape = false;
        const char *q = p + 1;
        for (;;) {
            q = csv_scan_quoted(q, end);
            if (q == end) {
                if (!is_final) return PARSE_NEED_MORE;
                structural = CSV_PROBLEM_UNTERMINATED;
                structural_line = field_line;
                structural_column = field_column;
                raw_end = next = end;
                goto done;
            }
            char c = *q;
            if (c == '"') {
                if (q + 1 == end) {
                    if (!is_final) return PARSE_NEED_MORE;
                    break; /* the closing quote is the last byte of input */
                }
                if (q[1] != '"') break;
                has_escape = true;
                q += 2;
            } else if (c == '\n') {
                line++;
                line_start = q + 1;
                q++;
            } else {
                CSV_NOTE_SOFT(CSV_PROBLEM_NUL, q);
                q++;
            }
        }
        field->data = p + 1;
        field->size = (uint32_t)(q - (p + 1));
        count++;
        if (has_escape) escaped_size += field->size;

        const char *after = q + 1;
        if (after == end) { /* is_final, checked above */
            raw_end = next = end;
            goto done;
        }
        if (*after == ',') {
            p = after + 1;
            continue;
        }
        if (*after == '\n') {
            raw_end = after;
            next = after + 1;
            goto done;
        }
        if (*after == '\r') {
            if (after + 1 == end) {
                if (!is_final) return PARSE_NEED_MORE;
            } else if (after[1] == '\n') {
                raw_end = after;
                next = after + 2;
                goto done;
            }
        }
        structural = CSV_PROBLEM_AFTER_QUOTE;
        structural_line = line;
        structural_column = column_of(line_start, after);
        skip_from = after;
        goto skip_line;
    }
#undef CSV_NOTE_SOFT

skip_line: {
    /* Resynchronise at the next physical line, ignoring quotes in the junk. */
    const char *newline = memchr(skip_from, '\n', (size_t)(end - skip_from));
    if (newline == NULL) {
        if (!is_final) return PARSE_NEED_MORE;
        raw_end = next = end;
    } else {
        /* skip_from points at a '"' or a byte after one, so newline - 1 >= start. */
        raw_end = newline[-1] == '\r' ? newline - 1 : newline;
        next = newline + 1;
    }
}

done:
    result->raw_size = (size_t)(raw_end - start);
    result->consumed_size = (size_t)(next - start);
    result->line_count = line - reader->line + 1;
    result->field_count = count;
    result->escaped_size = escaped_size;
    if (structural != NULL) {
        result->problem = structural;
        result->problem_line = structural_line;
        result->problem_column = structural_column;
    } else {
        result->problem = soft;
        result->problem_line = soft_line;
        result->problem_column = soft_column;
    }
    return PARSE_COMPLETE;
}

/* Rewrites the quoted fields holding "" into reader->unescaped. Returns -1 when out of
 * memory (the fields are then unchanged). */
static int record_unescape(struct csv_reader *reader, uint32_t field_count, size_t escaped_size)
{
    void *grown = reader->unescaped;
    if (mem_grow(&grown, &reader->unescaped_capacity, escaped_size, 1) != 0) return -1;
    reader->unescaped = grown;
    char *out = reader->unescaped;
    for (uint32_t i = 0; i < field_count; i++) {
        struct csv_field *field = &reader->fields[i];
        if (!field->is_quoted || memchr(field->data, '"', field->size) == NULL) continue;
        char *field_start = out;
        const char *in = field->data;
        const char *in_end = in + field->size;
        while (in < in_end) {
            const char *quote = memchr(in, '"', (size_t)(in_end - in));
            if (quote == NULL) {
                memcpy(out, in, (size_t)(in_end - in));
                out += in_end - in;
                break;
            }
            /* Keep one quote of the pair. */
            memcpy(out, in, (size_t)(quote + 1 - in));
            out += quote + 1 - in;
            in = quote + 2;
        }
        field->data = field_start;
        field->size = (uint32_t)(out - field_start);
    }
    assert((size_t)(out - reader->unescaped) <= escaped_size);
    return 0;
}

/* ---- Oversized records --------------------------------------------------------------- */

/*
 * The record at `position` does not fit record_size_max. Streams over it to the next LF
 * outside quotes (by quote parity from the record start), discarding blocks as they are
 * scanned but keeping the record's first bytes at the front of the buffer for `raw`.
 * After an I/O error here the reader can only be closed.
 */
static enum pdb_status reader_skip_oversized(struct csv_reader *reader,
                                             struct csv_record *record,
                                             struct pdb_error *error)
{
    /* Invariant: data[record_offset, ...) holds the record's first
     * min(bytes of it received, CSV_OVERSIZED_RAW_SIZE_MAX) bytes. */
    size_t record_offset = reader->position;
    bool is_in_quotes = false, is_found = false;
    char previous = '\0';
    uint64_t line = reader->line;
    uint64_t offset = 0;      /* bytes scanned from the record start */
    uint64_t line_offset = 0; /* offset of the current line's first byte */
    uint64_t quote_line = 0;
    uint32_t quote_column = 0;
    size_t index = reader->position;
    for (;;) {
        const char *data = reader->data;
        for (; index < reader->data_size; index++, offset++) {
            char c = data[index];
            if (c == '"' && !reader->is_lines) {
                is_in_quotes = !is_in_quotes;
                if (is_in_quotes) {
                    uint64_t column = offset - line_offset + 1;
                    quote_line = line;
                    quote_column = column < UINT32_MAX ? (uint32_t)column : UINT32_MAX;
                }
            } else if (c == '\n') {
                if (!is_in_quotes) {
                    is_found = true;
                    break;
                }
                line++;
                line_offset = offset + 1;
            }
            previous = c;
        }
        if (is_found || reader->is_eof) break;
        /* Keep the prefix at the front of the buffer and read the next block after it. */
        size_t kept = reader->data_size - record_offset;
        if (kept > CSV_OVERSIZED_RAW_SIZE_MAX) kept = CSV_OVERSIZED_RAW_SIZE_MAX;
        if (record_offset != 0) {
            memmove(reader->buffer, reader->buffer + record_offset, kept);
            record_offset = 0;
        }
        reader->position = 0;
        reader->data_size = kept;
        index = kept;
        enum pdb_status status = reader_fill(reader, error);
        if (status != PDB_OK) return status;
    }

    uint64_t raw_total = offset;
    struct csv_record out = {
        .fields = reader->fields,
        .line = reader->line,
        .line_count = line - reader->line + 1,
        .raw = reader->data + record_offset,
        .problem = CSV_PROBLEM_RECORD_SIZE,
        .problem_line = reader->line,
        .problem_column = 1,
    };
    if (is_found) {
        if (previous == '\r') raw_total--;
        reader->position = index + 1;
        reader->consumed_bytes += offset + 1;
        reader->line = line + 1;
    } else {
        if (is_in_quotes) {
            out.problem = CSV_PROBLEM_UNTERMINATED;
            out.problem_line = quote_line;
            out.problem_column = quote_column;
        }
        reader->position = reader->data_size;
        reader->consumed_bytes += offset;
        reader->line = line;
    }
    out.raw_size = raw_total < CSV_OVERSIZED_RAW_SIZE_MAX ? (size_t)raw_total
                                                          : CSV_OVERSIZED_RAW_SIZE_MAX;
    out.is_raw_truncated = out.raw_size < raw_total;
    *record = out;
    return PDB_OK;
}

/* ---- Reading ------------------------------------------------------------------------- */

static struct csv_reader *reader_create(const char *source)
{
    struct csv_reader *reader = mem_calloc(1, sizeof *reader);
    if (reader == NULL) return NULL;
    reader->fd = -1;
    reader->line = 1;
    reader->read_size = PDB_CSV_READ_SIZE;
    reader->record_size_max = PDB_CSV_RECORD_SIZE_MAX;
    reader->source = mem_strdup(source);
    reader->fields = mem_alloc(CSV_FIELDS_INITIAL * sizeof *reader->fields);
    if (reader->source == NULL || reader->fields == NULL) {
        csv_reader_close(reader);
        return NULL;
    }
    reader->field_capacity = CSV_FIELDS_INITIAL;
    return reader;
}

/* Appends one read of at most read_size bytes at data_size; sets is_eof when none come. */
static enum pdb_status reader_read_once(struct csv_reader *reader, struct pdb_error *error)
{
    size_t needed = reader->data_size + reader->read_size;
    if (needed > reader->buffer_capacity) {
        void *grown = reader->buffer;
        if (mem_grow(&grown, &reader->buffer_capacity, needed, 1) != 0) {
            return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory for %zu bytes of CSV",
                             reader->source, needed);
        }
        reader->buffer = grown;
        reader->data = reader->buffer;
    }
    char *destination = reader->buffer + reader->data_size;
    size_t got;
    if (reader->input != NULL) {
        enum pdb_status status =
            input_stream_read(reader->input, destination, reader->read_size, &got, error);
        if (status != PDB_OK) return status;
    } else {
        size_t left = reader->memory_size - reader->memory_offset;
        got = left < reader->read_size ? left : reader->read_size;
        if (got > 0) memcpy(destination, reader->memory + reader->memory_offset, got);
        reader->memory_offset += got;
    }
    if (got == 0) reader->is_eof = true;
    reader->data_size += got;
    if (reader->data == NULL) reader->data = reader->buffer;
    return PDB_OK;
}

/* Moves the unconsumed bytes to the front of the buffer and reads until their number has at
 * least doubled (capped by the record window), or at least one more byte came, or the input
 * ended. The doubling keeps re-parsing a long record linear. */
static enum pdb_status reader_fill(struct csv_reader *reader, struct pdb_error *error)
{
    assert(reader->is_streamed && !reader->is_eof);
    size_t available = reader->data_size - reader->position;
    if (reader->position > 0) {
        memmove(reader->buffer, reader->buffer + reader->position, available);
        reader->position = 0;
        reader->data_size = available;
    }
    size_t window_max = reader->record_size_max + 2;
    size_t target = available < window_max / 2 ? available * 2 : window_max;
    if (target <= available) target = available + 1;
    while (!reader->is_eof && reader->data_size < target) {
        enum pdb_status status = reader_read_once(reader, error);
        if (status != PDB_OK) return status;
    }
    return PDB_OK;
}
