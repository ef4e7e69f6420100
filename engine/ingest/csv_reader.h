/*
 * Streaming RFC 4180 CSV record reader.
 *
 * Turns a file, a pipe or a memory block into records of fields, one record per call, with
 * bounded memory: the input is read in blocks of PDB_CSV_READ_SIZE bytes and only the
 * unfinished record is carried over, so memory is O(largest record + block size). Fields
 * point into the reader's buffer (no copy) unless they hold an escaped quote ("").
 *
 * Dialect: comma separator; a field is either unquoted (no '"' allowed) or wholly in double
 * quotes, where "" is one quote and commas, CR and LF are data. Records end at LF or CRLF; a
 * lone CR outside quotes is data; the last record may lack a line end. A UTF-8 BOM at the very
 * start is skipped (columns on line 1 count from after it). Completely empty lines ("\n" or
 * "\r\n") produce no record but are counted in line numbers. Lines are LF-separated and
 * 1-based, columns are 1-based byte offsets within their line.
 *
 * Malformed input is not an error: the record comes back with `problem` set and its position,
 * and the reader has already resynchronised (see csv_reader_next).
 */
#ifndef PDB_INGEST_CSV_READER_H
#define PDB_INGEST_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

/* For an oversized record, `raw` keeps at most this many of its first bytes. */
#define CSV_OVERSIZED_RAW_SIZE_MAX 4096u

/* The problem texts (static strings; compare with strcmp or by pointer). */
#define CSV_PROBLEM_BARE_QUOTE "bare quote in unquoted field"
#define CSV_PROBLEM_AFTER_QUOTE "unexpected character after closing quote"
#define CSV_PROBLEM_UNTERMINATED "unterminated quoted field"
#define CSV_PROBLEM_RECORD_SIZE "record larger than 64 MiB"
#define CSV_PROBLEM_FIELD_COUNT "more than 4096 fields"
#define CSV_PROBLEM_NUL "NUL byte"

struct csv_reader; /* opaque */

struct csv_field {
    const char *data; /* unescaped bytes ("" inside quotes become "), NOT NUL-terminated;
                         borrowed until the next csv_reader_next */
    uint32_t size;
    bool is_quoted;   /* the field was written in quotes (so "" is an empty string, not NULL) */
    uint64_t line;    /* 1-based physical line where the field starts */
    uint32_t column;  /* 1-based byte column within that line where the field starts (the
                         opening quote for a quoted field) */
};

struct csv_record {
    uint32_t field_count;
    const struct csv_field *fields; /* borrowed until the next csv_reader_next */
    uint64_t line;       /* 1-based physical line where the record starts */
    uint64_t line_count; /* physical lines it spans: 1 + LF bytes inside it */
    const char *raw;     /* the record's original bytes without the line end; borrowed until the
                            next csv_reader_next; for reject files */
    size_t raw_size;
    bool is_raw_truncated; /* raw holds only the first CSV_OVERSIZED_RAW_SIZE_MAX bytes */
    uint32_t line_end_size; /* well-formed records: bytes of the line end after raw (LF: 1,
                               CRLF: 2, end of input: 0), so raw[0, raw_size + line_end_size)
                               are the record's exact bytes */
    /* Malformed record: problem != NULL (one of CSV_PROBLEM_*), problem_line/problem_column
     * give the exact position (1-based); field_count is then 0. The reader has already
     * resynchronised: the next call continues after this record. */
    const char *problem;
    uint64_t problem_line;
    uint32_t problem_column;
};

/* Opens a file ("-" = standard input, which is not closed by csv_reader_close). On success
 * *reader_out is owned: release it with csv_reader_close. A missing file is
 * PDB_ERR_NOT_FOUND, any other failure PDB_ERR_IO; the message starts with the path. */
enum pdb_status csv_reader_open(const char *path, struct csv_reader **reader_out,
                                struct pdb_error *error);

/* Reads from memory (tests, fuzzing); `data` is borrowed for the reader's lifetime and is
 * never copied (fields and raw point into it) unless csv_reader_set_read_size is used.
 * `source_name` (copied) names the input in messages; NULL means "memory". */
enum pdb_status csv_reader_open_memory(const char *data, size_t size, const char *source_name,
                                       struct csv_reader **reader_out, struct pdb_error *error);

/* Next record into *record (whose pointers are borrowed until the next call or close).
 * *has_record = false at the end of input (record untouched). I/O errors -> PDB_ERR_IO with
 * the path; out of memory -> PDB_ERR_NO_MEMORY (the reader may be retried). A malformed
 * record is NOT an error: it is returned with record->problem set, and reading resumes:
 *  - bare quote / unexpected character after a closing quote: after the end of that physical
 *    line (the rest of the line is junk);
 *  - unterminated quoted field: the rest of the input is consumed;
 *  - NUL byte, more than PDB_CSV_FIELDS_MAX fields: after the record's end (quotes respected);
 *  - record larger than PDB_CSV_RECORD_SIZE_MAX bytes: after the next LF outside quotes,
 *    counting quote parity from the record start (reported at the record start, or as an
 *    unterminated quoted field if the input ends inside quotes).
 * A structural problem (the first three) takes precedence over a NUL byte or field count. */
enum pdb_status csv_reader_next(struct csv_reader *reader, struct csv_record *record,
                                bool *has_record, struct pdb_error *error);

/* Bytes of input consumed so far (BOM, blank lines and returned records with their line
 * ends); equals csv_reader_size_bytes at the end of a regular file. For progress. */
uint64_t csv_reader_bytes_read(const struct csv_reader *reader);
/* Total input size if known (regular file or memory), else 0. */
uint64_t csv_reader_size_bytes(const struct csv_reader *reader);
/* The path or source name given at open; borrowed until close. */
const char *csv_reader_source(const struct csv_reader *reader);
/* Lines mode, for NDJSON (call before the first csv_reader_next): every line is a record of
 * one unquoted field holding the whole line without its line end; quotes and commas are
 * data. BOM, empty-line, line-number and record-size handling stay as for CSV (an oversized
 * line is skipped to the next LF), and a line holding a NUL byte comes back with
 * CSV_PROBLEM_NUL. */
void csv_reader_set_lines_mode(struct csv_reader *reader);
/* How the input is read: "io_uring", "read" or "memory". Static string. */
const char *csv_reader_input_method(const struct csv_reader *reader);
/* Why io_uring was wanted but not used ("io_uring unavailable: Operation not permitted"), or
 * NULL: the caller prints it as one warning line. Borrowed until close. */
const char *csv_reader_input_warning(const struct csv_reader *reader);
/* Closes the file (unless standard input) and frees everything. NULL is accepted. */
void csv_reader_close(struct csv_reader *reader);

/* ---- Test hooks: call before the first csv_reader_next ---------------------------------- */

/* Caps each read at `read_size` bytes (1..PDB_CSV_READ_SIZE) so tests can place block
 * boundaries anywhere. On a memory reader it also switches to copying the input through the
 * streaming buffer, exactly as a file would be read. */
void csv_reader_set_read_size(struct csv_reader *reader, size_t read_size);
/* Lowers the record size limit (1..PDB_CSV_RECORD_SIZE_MAX) to test oversized records
 * cheaply. The problem text stays CSV_PROBLEM_RECORD_SIZE. */
void csv_reader_set_record_size_max(struct csv_reader *reader, size_t record_size_max);

#endif
