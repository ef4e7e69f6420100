/*
 * What the files of the loader share (loader.c drives, loader_batch.c reads, loader_stage.c
 * parses values, loader_append.c appends rows and writes rejects).
 *
 * The loader is a pipeline over "sets" of record batches, advanced one round at a time on
 * the caller's thread pool (see loader.c). A batch moves through four steps, each of which
 * touches only its own batch (or, for the append step, the shared columns and reject file):
 *
 *   read    (serial)   csv_reader -> the batch's raw bytes: the well-formed records exactly as
 *                      in the file, each with its first line and its fields' boundaries
 *                      (so nothing parses CSV twice); malformed records become rejects at
 *                      their place
 *   stage   (parallel) fields -> typed values, in `staged` (the format below); records
 *                      with a bad value become rejects (the field's line and column found
 *                      by parsing that one record again)
 *   append  (serial)   staged rows -> the loader's columns, in file order; rejects -> the
 *                      reject file in file order; every full chunk is detached
 *   write   (parallel) the sink writes each detached chunk (then commits it, in order)
 *
 * Staged row format, per row: for each attribute the record gives, a u16 attribute index
 * and a kind byte, then
 *   BOOL 1 byte; INT 8 bytes; FLOAT 8 bytes (host order: the bytes never leave the process);
 *   STRING u32 size + bytes; TAGS u32 count + count * (u32 size + bytes); NULL nothing;
 * and LOADER_STAGED_END (a u16) after the last. Attributes a row does not give are NULL.
 */
#ifndef PDB_INGEST_LOADER_INTERNAL_H
#define PDB_INGEST_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/buffer.h"
#include "base/limits.h"
#include "ingest/loader.h"

/* Records per batch: small enough that a set of batches keeps every thread busy, large
 * enough that per-batch costs (a memory csv_reader, task hand-off) vanish. */
#define LOADER_BATCH_RECORDS 8192u
/* A batch stops after the record that takes its raw bytes beyond this (bounds memory). */
#define LOADER_BATCH_BYTES_MAX (8u << 20)
/* Batches per set and thread: a set holds about one chunk's worth of rows per thread, so
 * every thread has a chunk to write in the round after. */
#define LOADER_BATCHES_PER_THREAD (PDB_CHUNK_ROWS / LOADER_BATCH_RECORDS)
/* A set never holds more batches than this, whatever the thread count (bounds memory). */
#define LOADER_SET_BATCHES_MAX 64u
/* Bytes of field boundaries the read step allocates up front for a batch (more grow). */
#define LOADER_FIELDS_RESERVE_SIZE_MAX (4u << 20)
/* Sets alive at once: one per pipeline step. */
#define LOADER_SETS 4u
#define LOADER_REASON_VALUE_SIZE_MAX 40 /* bytes of a bad value quoted in a reason */

#define LOADER_STAGED_END 0xffffu
static_assert(PDB_ATTRIBUTES_MAX < LOADER_STAGED_END, "attribute indexes fit a u16");

enum staged_kind { STAGED_NULL, STAGED_BOOL, STAGED_INT, STAGED_FLOAT, STAGED_STRING, STAGED_TAGS };

/* A reject of a batch, in file order: `before_record` well-formed records of the batch come
 * before it; its reject-file line (with the newline) is text[offset, offset + size). */
struct loader_reject {
    uint32_t before_record;
    uint32_t offset;
    uint32_t size;
    int32_t rule_slot; /* the rule broken (loader_counts), or -1 */
};

/* Where a record of the batch lies in `raw` (its bytes without the line end). */
struct loader_record_span {
    uint32_t offset;
    uint32_t size;
};

/* A field of a well-formed record: its bytes are raw[span.offset + offset, + size) or, with
 * LOADER_FIELD_ESCAPED (a quoted field that held ""), unescaped[offset, + size). */
struct loader_field {
    uint32_t offset;
    uint32_t size_flags; /* size | LOADER_FIELD_QUOTED | LOADER_FIELD_ESCAPED */
};
#define LOADER_FIELD_QUOTED (1u << 31)
#define LOADER_FIELD_ESCAPED (1u << 30)
#define LOADER_FIELD_SIZE_MASK (LOADER_FIELD_ESCAPED - 1u)
static_assert(PDB_CSV_RECORD_SIZE_MAX <= LOADER_FIELD_SIZE_MASK, "a field's size fits beside its flags");

struct loader_reject_list {
    struct loader_reject *entries;
    uint32_t count, capacity;
    struct buffer text;
};

struct loader_batch {
    /* read step */
    struct buffer raw;      /* "\n" then the records' bytes, line ends included */
    uint64_t *record_lines; /* first line of each well-formed record in the file */
    uint32_t record_count, record_capacity;
    struct loader_record_span *record_spans; /* per well-formed record */
    uint32_t record_span_capacity;
    /* fields of record i: fields[i * fields_per_record ...] (the header's field count, 1 for
     * NDJSON lines); freed by the stage step once used */
    struct loader_field *fields;
    uint32_t fields_per_record;
    size_t field_capacity;
    struct buffer unescaped; /* the bytes of LOADER_FIELD_ESCAPED fields */
    uint64_t rows_read;          /* records of the file in this batch, malformed included */
    uint64_t bytes_end;          /* csv_reader_bytes_read after this batch (progress) */
    struct loader_reject_list structural; /* malformed records */
    /* stage step */
    struct buffer staged;
    uint32_t staged_count;             /* rows in staged */
    struct loader_reject_list values;  /* records with a bad value */
    uint64_t *rule_changed; /* per rule slot: values of staged rows a normaliser changed */
    struct pdb_error error;
    enum pdb_status status;
};

/* A full chunk detached by the append step, waiting for the write step. */
struct loader_chunk {
    uint32_t ordinal;
    struct column **columns; /* one per attribute, one chunk each; owned */
    struct loader_chunk_receipt receipt;
    enum pdb_status status; /* of the write step */
    struct pdb_error error;
};

struct loader_set {
    struct loader_batch batches[LOADER_SET_BATCHES_MAX];
    uint32_t batch_count;      /* filled by the read step */
    struct loader_chunk *chunks; /* detached by the append step */
    uint32_t chunk_count, chunk_capacity;
};

struct loader {
    struct csv_reader *reader;
    const struct schema *schema;
    struct column *const *columns;
    const struct loader_options *options;
    struct loader_counts *counts;
    int32_t *field_attribute; /* per header field: attribute index or -1 (ignored) */
    uint32_t field_count;
    int32_t primary; /* schema_primary: a record without its value is rejected; -1 none */
    uint64_t *row_stamps; /* append step: per attribute, 1 + the last row that gave it */
    /* With upserts: the `required` attributes, checked on the append step, where it is known
     * whether a record creates a profile (then it must give them) or updates one (it need not:
     * the profile has them; an explicit NULL is still rejected on the stage step). */
    bool *is_required;
    uint32_t required_count;
    uint32_t batches_per_set;
    bool is_input_ended;
    struct loader_set *sets; /* LOADER_SETS */
    /* append step */
    FILE *rejects;
    uint32_t next_ordinal;
    const char **tag_scratch; /* PDB_TAGS_PER_VALUE_MAX strings of one tag set */
    uint32_t *tag_size_scratch;
    struct pdb_error append_error;
    enum pdb_status append_status;
    /* read step */
    struct pdb_error read_error;
    enum pdb_status read_status;
};

/* loader_batch.c */
void loader_batch_deinit(struct loader_batch *batch);
void loader_batch_reset(struct loader_batch *batch);
/* Fills one batch with up to LOADER_BATCH_RECORDS records; sets loader->is_input_ended. */
enum pdb_status loader_batch_read(struct loader *loader, struct loader_batch *batch,
                                  struct pdb_error *error);
/* Appends a reject line (file,line,column,attribute,reason,record) to `list`. 0 or -1 (OOM). */
int loader_reject_add(struct loader_reject_list *list, uint32_t before_record, const char *source,
                      uint64_t line, uint32_t column, const char *attribute, const char *reason,
                      const char *raw, size_t raw_size);
void loader_reject_list_deinit(struct loader_reject_list *list);
/* Line and column (as in the file) of field `field_index` of well-formed record
 * `record_index`: parses that record's raw bytes again (only a reject asks). */
enum pdb_status loader_batch_field_position(const struct loader *loader,
                                            const struct loader_batch *batch,
                                            uint32_t record_index, uint32_t field_index,
                                            uint64_t *line_out, uint32_t *column_out,
                                            struct pdb_error *error);

/* loader_stage.c: the stage step of one batch (status and error in the batch). */
void loader_batch_stage(const struct loader *loader, struct loader_batch *batch);

/* loader_append.c: the append step of one set, in file order. */
enum pdb_status loader_set_append(struct loader *loader, struct loader_set *set,
                                  struct pdb_error *error);
void loader_chunk_destroy(const struct loader *loader, struct loader_chunk *chunk);
/* Appends the staged value at *cursor (its kind byte) to `column`, moving *cursor past it;
 * the scratch arrays hold PDB_TAGS_PER_VALUE_MAX entries. */
enum pdb_status loader_append_staged_value(struct column *column, const uint8_t **cursor,
                                          const char **tag_scratch, uint32_t *tag_size_scratch,
                                          struct pdb_error *error);
/* The byte after the staged value whose kind byte is at `at`. */
const uint8_t *loader_staged_skip(const uint8_t *at);

#endif
