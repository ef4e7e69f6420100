/*
 * profiledb — public API of the embedded engine.
 *
 * A database is a directory holding a schema, immutable checksummed chunk files and a manifest
 * naming the live ones. Profiles are rows with dense 32-bit ids assigned in load order.
 * Segments are boolean expressions over attributes (see docs/SEGMENTS.md); the engine answers
 * them with counts, id lists and single profiles.
 *
 * Conventions, for every call below:
 *  - Functions return enum pdb_status. PDB_OK is 0; every other value is an error, and the
 *    caller's `struct pdb_error` (may be NULL) receives the status and a message that says
 *    where and why ("people.csv:12:4: ...", "segment:1:9: ...").
 *  - A failing function leaves its out-parameters untouched.
 *  - Pointers are "owned" (the caller frees them with the named destroy/close call),
 *    "borrowed" (valid until the named event) or "taken" (the callee frees them).
 *  - A handle is used by one thread at a time; distinct handles may be used concurrently.
 */
#ifndef PROFILEDB_PROFILEDB_H
#define PROFILEDB_PROFILEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PDB_VERSION_STRING "0.1.0"

/* ---- Status and errors ---------------------------------------------------------------- */

enum pdb_status {
    PDB_OK = 0,
    PDB_ERR_USAGE,     /* a caller passed an invalid argument or option */
    PDB_ERR_SCHEMA,    /* the schema file is invalid */
    PDB_ERR_SEGMENT,   /* the segment text does not parse or does not type-check */
    PDB_ERR_DATA,      /* input data is malformed beyond recovery (not per-row rejects) */
    PDB_ERR_IO,        /* the operating system refused a read, write, fsync, open, ... */
    PDB_ERR_CORRUPT,   /* a file failed its checksum or format check */
    PDB_ERR_NO_MEMORY, /* an allocation failed */
    PDB_ERR_LIMIT,     /* a documented limit was reached */
    PDB_ERR_NOT_FOUND, /* the named database, attribute, profile or file does not exist */
    PDB_ERR_EXISTS,    /* the target already exists */
    PDB_ERR_LOCKED,    /* another process holds the database's writer lock */
    PDB_ERR_NETWORK,   /* network client: cannot connect, connection lost, timed out */
    PDB_ERR_PROTOCOL,  /* network client: the peer sent or reported a malformed frame */
    PDB_ERR_AUTH,      /* network client: token missing or not accepted */
    PDB_ERR_DENIED,    /* network client: the token's role may not do this */
    PDB_ERR_UNSUPPORTED, /* network client: the server does not support this request yet */
    PDB_STATUS_COUNT
};

#define PDB_ERROR_MESSAGE_SIZE 1024

/* Caller-owned error report. `message` is NUL-terminated and empty when status is PDB_OK. */
struct pdb_error {
    enum pdb_status status;
    char message[PDB_ERROR_MESSAGE_SIZE];
};

/* Stable lower-case name of a status ("io", "segment", ...). Never NULL. */
const char *pdb_status_name(enum pdb_status status);

/* ---- Types -------------------------------------------------------------------------- */

enum pdb_type {
    PDB_TYPE_BOOL = 0,
    PDB_TYPE_INT,       /* 64-bit signed */
    PDB_TYPE_FLOAT,     /* IEEE double; NaN and infinities are rejected at ingest */
    PDB_TYPE_TIMESTAMP, /* seconds since 1970-01-01T00:00:00Z, 64-bit signed */
    PDB_TYPE_CATEGORY,  /* dictionary-encoded string, for low-cardinality values */
    PDB_TYPE_TEXT,      /* free string (names, emails) */
    PDB_TYPE_TAGS,      /* a set of category strings per profile */
    PDB_TYPE_COUNT
};

/* Lower-case type name as written in schema files ("timestamp"). Never NULL. */
const char *pdb_type_name(enum pdb_type type);

enum pdb_attribute_flag {
    PDB_FLAG_IDENTIFIER = 1u << 0, /* values identify a profile (usable with `get --key`) */
    PDB_FLAG_PII = 1u << 1,        /* personal data: masked for roles without the PII grant */
    PDB_FLAG_INDEXED = 1u << 2,    /* keep a value index for fast equality/tag lookups */
    PDB_FLAG_PRIMARY = 1u << 3,    /* the primary identifier (at most one; implies identifier):
                                      ingest updates the profile whose key a record names */
    PDB_FLAG_COMPUTED = 1u << 4,   /* a computed attribute (`name = count(purchase, 30d)`):
                                      its value is an event aggregate, never stored or ingested */
};

/* Description of one attribute; `name` is borrowed until the database is closed. */
struct pdb_attribute_info {
    const char *name;
    enum pdb_type type;
    uint32_t flags; /* enum pdb_attribute_flag bits */
};

/* ---- Database ------------------------------------------------------------------------ */

struct pdb_db;

/* Creates a new, empty database directory at `path` with the schema read from
 * `schema_path`. The directory must not exist or must be empty. */
enum pdb_status pdb_db_create(const char *path, const char *schema_path, struct pdb_error *error);

/* Opens an existing database. On success *db_out is owned: release it with pdb_db_close.
 * Records of the write-ahead log after the manifest's last checkpoint (acknowledged streaming
 * upserts not yet checkpointed, e.g. after a crash) are replayed into the handle's table (every
 * column is then loaded); a corrupt log is PDB_ERR_CORRUPT naming DB/wal.log and the offset. */
enum pdb_status pdb_db_open(const char *path, struct pdb_db **db_out, struct pdb_error *error);

/* Closes a database handle and frees everything it owns. NULL is accepted. */
void pdb_db_close(struct pdb_db *db);

uint64_t pdb_db_row_count(const struct pdb_db *db);
/* Attributes, stored ones first (schema order), then the computed ones (schema order, flag
 * PDB_FLAG_COMPUTED): pdb_profile_value takes the same indexes. */
uint32_t pdb_db_attribute_count(const struct pdb_db *db);
/* Fills *info for attribute `attribute_index` (0-based, the order above). */
enum pdb_status pdb_db_attribute(const struct pdb_db *db, uint32_t attribute_index,
                                 struct pdb_attribute_info *info);

/* The data-quality rules of an attribute in canonical schema syntax ("trim lower email";
 * README.md, "Schema files"): "" when it has none, NULL when attribute_index is out of range.
 * Borrowed, valid until pdb_db_close. */
const char *pdb_db_attribute_rules(const struct pdb_db *db, uint32_t attribute_index);

/* The definition of a computed attribute as the schema writes it ("count(purchase, 30d)");
 * NULL for a stored attribute or an index out of range. Borrowed, valid until pdb_db_close. */
const char *pdb_db_attribute_definition(const struct pdb_db *db, uint32_t attribute_index);

/* Renders the schema in schema-file syntax into `buffer` (NUL-terminated, truncated to
 * `buffer_size`). Returns the length the full text needs, excluding the NUL. */
size_t pdb_db_schema_text(const struct pdb_db *db, char *buffer, size_t buffer_size);

/* Fixes the value of now() for segments evaluated on this handle (seconds since the epoch);
 * 0 returns to the wall clock. For reproducible tests and replays. */
void pdb_db_set_now(struct pdb_db *db, int64_t now_s);

/* Sets how many threads this handle's queries (pdb_segment_count, pdb_segment_ids), column
 * loads and ingests use: 0 = the number of online processors (sysconf(_SC_NPROCESSORS_ONLN)); values
 * above 256 are taken as 256. Results are identical for every thread count: ids are still
 * delivered in ascending order, on the calling thread. The default is the number of
 * processors, or the environment variable PROFILEDB_THREADS when it holds a number (read at
 * pdb_db_open; 0 = processors). The threads are started on the first query that can use them
 * and stopped by pdb_db_close or by the next pdb_db_set_threads that changes the count; if
 * the system refuses to start some, the handle works with those it got. */
void pdb_db_set_threads(struct pdb_db *db, uint32_t thread_count);

/* The thread count set by pdb_db_set_threads (or the default), >= 1. */
uint32_t pdb_db_thread_count(const struct pdb_db *db);

/* ---- Ingest -------------------------------------------------------------------------- */

struct pdb_ingest_progress {
    uint64_t rows_read;
    uint64_t rows_rejected;
    uint64_t bytes_read;
    uint64_t bytes_total; /* 0 when unknown (a pipe) */
    double elapsed_s;
};

/* Called from the ingesting thread about ten times a second. */
typedef void (*pdb_progress_fn)(void *context, const struct pdb_ingest_progress *progress);

enum pdb_input_format {
    PDB_INPUT_AUTO = 0, /* by name: NDJSON for *.ndjson and *.jsonl, else CSV ("-": CSV) */
    PDB_INPUT_CSV,      /* RFC 4180 with a header row naming attributes */
    PDB_INPUT_NDJSON    /* one JSON object per line, members naming attributes */
};

struct pdb_ingest_options {
    enum pdb_input_format format; /* pdb_db_ingest_file only; pdb_db_ingest_csv reads CSV */
    /* Where rejected rows go. NULL: "<db>/rejects/<input name>.<generation>.rejects.csv". */
    const char *rejects_path;
    pdb_progress_fn progress; /* optional */
    void *progress_context;
    /* false (default): a header column that names no attribute is an error. true: such
     * columns are skipped. */
    bool ignore_unknown_columns;
};

/* What one data-quality rule of one attribute did during an ingest (README.md, "Schema
 * files"): `rejected` records broke the rule (validators, and phone), `changed` values of loaded
 * records were changed by it (normalisers: trim nfc lower upper casefold map phone). */
struct pdb_ingest_rule_tally {
    char attribute[65]; /* NUL-terminated attribute name */
    char rule[16];      /* NUL-terminated rule name: "trim", "range", ... */
    uint64_t rejected;
    uint64_t changed;
};

#define PDB_INGEST_RULE_TALLIES_MAX 64u

struct pdb_ingest_result {
    uint64_t rows_read;     /* data rows seen (header excluded) */
    uint64_t rows_loaded;   /* rows accepted: rows_inserted + rows_updated */
    uint64_t rows_inserted; /* rows that became new profiles */
    uint64_t rows_updated;  /* rows that updated an existing profile (primary key seen) */
    uint64_t rows_rejected; /* rows written to the reject file */
    uint64_t profiles_created; /* pdb_db_ingest_events: profiles made for keys no live profile had */
    uint64_t bytes_read;
    uint64_t first_row_id;  /* id given to the first loaded row */
    double elapsed_s;
    char rejects_path[4096]; /* empty when nothing was rejected */
    char input_method[16];   /* how the file was read: "io_uring", or "read" (read(2)) */
    /* Empty, or why io_uring was wanted but not available ("io_uring unavailable: Operation
     * not permitted"): the file was then read with read(2). Print it as a warning. */
    char input_warning[256];
    /* The (attribute, rule) pairs with a nonzero tally, in schema order then rule order; at
     * most PDB_INGEST_RULE_TALLIES_MAX (is_rule_tallies_truncated says more had one). */
    uint32_t rule_tally_count;
    bool is_rule_tallies_truncated;
    struct pdb_ingest_rule_tally rule_tallies[PDB_INGEST_RULE_TALLIES_MAX];
};

/* Loads a CSV file (RFC 4180, header row naming attributes) into the database, on the
 * handle's threads (pdb_db_set_threads; the result is identical for every count), as one atomic
 * step: either every accepted row becomes visible, or (on error) none does. Rows that do not
 * parse or do not fit their type go to the reject file with file, line, column and reason.
 * `options` may be NULL. `csv_path` "-" reads standard input. */
enum pdb_status pdb_db_ingest_csv(struct pdb_db *db, const char *csv_path,
                                  const struct pdb_ingest_options *options,
                                  struct pdb_ingest_result *result, struct pdb_error *error);

/* Like pdb_db_ingest_csv for CSV or NDJSON, as options->format says (see README.md, "NDJSON
 * input", for which JSON values fit which attribute type). An NDJSON record may name any
 * subset of the attributes; the others are NULL. A line that is not one JSON object, names an
 * unknown attribute (unless ignore_unknown_columns), names one twice or has a value that does
 * not fit goes to the reject file with its line, column and reason. */
enum pdb_status pdb_db_ingest_file(struct pdb_db *db, const char *path,
                                   const struct pdb_ingest_options *options,
                                   struct pdb_ingest_result *result, struct pdb_error *error);

/* Ingests the events of event type `event_type` (declared in the schema) from the CSV or
 * NDJSON file at `path` ("-" = standard input; the format as pdb_db_ingest_file picks it from
 * options->format or the name) as one transaction (README.md, "Ingesting events"). CSV: the
 * header names the key column (named like the primary attribute; the schema must declare
 * one), the time column (`at` or `timestamp`: ISO 8601 or epoch seconds, as timestamp
 * attributes) and any of the type's properties (missing ones are NULL); NDJSON: each line is
 * an object with members named the same way (missing or null properties are NULL). An event
 * whose key no live profile has creates a profile holding only that key (normalised by its
 * rules; `required` rules of other attributes do not apply), one per distinct key, committed
 * with the events in one manifest. A record whose key is empty or breaks the key's rules, or
 * whose values do not fit, goes to the reject file
 * ("<db>/rejects/<input>.<type>.g<generation>.rejects.csv" or options->rejects_path) with its
 * line, column and reason; ignore_unknown_columns works as for profiles. result: rows_read
 * (records), rows_loaded = rows_inserted (events added), rows_rejected, profiles_created and
 * first_row_id (the first created profile's id). A failure leaves the database unchanged. */
enum pdb_status pdb_db_ingest_events(struct pdb_db *db, const char *event_type, const char *path,
                                     const struct pdb_ingest_options *options,
                                     struct pdb_ingest_result *result, struct pdb_error *error);

/* Compaction (retention): for every event type that declares `retention <duration>`, removes
 * from storage each event older than now - retention (now: pdb_db_set_now's value, else the
 * clock), the same events segments already never see. A calendar-month partition whose
 * every event expired is dropped from the manifest and its file deleted; a partly expired
 * one is rewritten without them; the others are untouched. One atomic manifest commit under
 * the writer lock (PDB_ERR_LOCKED if another process holds it); a failure or a crash at any
 * point leaves the database as it was or as compacted, never in between. Nothing expired:
 * nothing is written. An event ingest compacts its own type the same way at its end. */
struct pdb_compact_result {
    uint64_t events_removed;
    uint32_t types_compacted;      /* event types that had expired events */
    uint32_t partitions_rewritten; /* partly expired months, written anew */
    uint32_t partitions_dropped;   /* months whose every event expired (files deleted) */
    double elapsed_s;
};
enum pdb_status pdb_db_compact(struct pdb_db *db, struct pdb_compact_result *result,
                               struct pdb_error *error);

/* ---- Streaming upserts (the write-ahead log) ------------------------------------------- */

struct pdb_upsert_result {
    uint64_t rows_read;      /* NDJSON records in the batch */
    uint64_t rows_inserted;  /* new profiles */
    uint64_t rows_updated;   /* existing profiles changed (their primary key was known) */
    uint64_t rows_rejected;  /* written to rejects_path */
    uint64_t lsn;            /* the batch's write-ahead log record; 0: nothing accepted, nothing logged */
    char rejects_path[4096]; /* empty when nothing was rejected */
};

/* Upserts one batch of NDJSON records (ndjson[0..size), one object per line, at most
 * PDB_UPSERT_BATCH_RECORDS_MAX lines and 16 MiB) exactly as pdb_db_ingest_file would (records
 * that do not fit are rejected with their line and reason into DB/rejects/upsert-<lsn>...;
 * with a primary identifier a known key updates its profile), through the write-ahead log:
 * the batch is validated and staged, appended to DB/wal.log as one checksummed record and
 * fdatasynced (acknowledged = durable), then applied to this handle's in-memory table, so the
 * next count, ids, get or find on the handle sees it. The first call makes the handle the
 * database's writer: it takes DB/LOCK (PDB_ERR_LOCKED if another process writes) and keeps it
 * until pdb_db_close, and loads every column. A checkpoint (pdb_db_checkpoint) runs on its
 * own when the log grows past 64 MiB, and on close. A failed WAL write or fdatasync fails the
 * call and the handle's writes (reopen; replay then applies the batch if it reached the disk,
 * wholly, or not at all). Calls are serialised like every call on a handle: the wait of one
 * acknowledgement is one pwrite + fdatasync of its record (batch records to share it). */
enum pdb_status pdb_db_upsert(struct pdb_db *db, const char *ndjson, size_t size,
                              struct pdb_upsert_result *result, struct pdb_error *error);

/* Brings a reading handle up to date with the database's writer (another handle, in this or
 * another process): moves to the newest manifest if a checkpoint published one, then applies
 * the write-ahead log's records after the handle's state, whole and in order, as pdb_db_open
 * does. Afterwards the handle sees at least every batch acknowledged before the call began;
 * between calls it keeps one consistent snapshot. *lsn_out (may be NULL) receives the last
 * log record the handle holds (the manifest's when none). On the writer's own handle it only
 * reports the LSN. Errors: those of pdb_db_open's replay (PDB_ERR_CORRUPT naming DB/wal.log
 * and the offset, PDB_ERR_IO, PDB_ERR_NO_MEMORY); after one, close the handle (it may hold
 * part of the log). */
enum pdb_status pdb_db_follow(struct pdb_db *db, uint64_t *lsn_out, struct pdb_error *error);

/* Writes every change the handle holds beyond the manifest (streamed or replayed batches) as
 * new chunk and dictionary files and replaces the manifest atomically (write, fsync, rename,
 * fsync the directory) naming the last WAL record they include, then trims the log to the
 * records after it. Nothing to do: PDB_OK. Takes the writer lock if the handle does not hold
 * it. */
enum pdb_status pdb_db_checkpoint(struct pdb_db *db, struct pdb_error *error);

/* ---- Segments ------------------------------------------------------------------------ */

/* Counts the profiles matching `segment` (docs/SEGMENTS.md). */
enum pdb_status pdb_segment_count(struct pdb_db *db, const char *segment, uint64_t *count_out,
                                  struct pdb_error *error);

/* Receives matching row ids in ascending order; return false to stop early. */
typedef bool (*pdb_id_fn)(void *context, uint32_t row_id);

/* Streams the ids of matching profiles in ascending order, at most `limit` of them
 * (0 = no limit). */
enum pdb_status pdb_segment_ids(struct pdb_db *db, const char *segment, uint64_t limit,
                                pdb_id_fn on_id, void *context, struct pdb_error *error);

/* The ids of matching profiles (at most `limit`, 0 = no limit, the lowest ones) as one bitmap
 * in CRoaring's portable serialisation (the RoaringFormatSpec: roaring_bitmap_portable_
 * deserialize_safe in C, RoaringBitmap.deserialize in Java, roaring.ReadFrom in Go reads it).
 * On success *bytes_out is owned (release it with pdb_bitmap_destroy), *size_out its size in
 * bytes and *cardinality_out the number of ids in it. The same bitmap, byte for byte, for the
 * same ids. Errors: those of pdb_segment_ids, PDB_ERR_NO_MEMORY. */
enum pdb_status pdb_segment_bitmap(struct pdb_db *db, const char *segment, uint64_t limit,
                                   uint8_t **bytes_out, size_t *size_out,
                                   uint64_t *cardinality_out, struct pdb_error *error);
void pdb_bitmap_destroy(uint8_t *bytes); /* NULL is accepted */

/* Deletes the profiles matching `segment`: they join the database's tombstones (a
 * checksummed file named by the manifest, replaced atomically), and from then on no count,
 * id list, pdb_profile_get or pdb_profile_find returns them, on this handle and on handles
 * opened later. Ids are never reused; pdb_db_row_count still counts deleted rows (ids are
 * 0 .. row_count - 1) and their values stay on disk until a later purge. Takes the writer
 * lock like ingest (PDB_ERR_LOCKED if another process holds it). *deleted_count_out
 * receives how many profiles were newly deleted (0 writes nothing). */
enum pdb_status pdb_segment_delete(struct pdb_db *db, const char *segment,
                                   uint64_t *deleted_count_out, struct pdb_error *error);

enum pdb_explain_format {
    PDB_EXPLAIN_TEXT = 0, /* one indented line per plan node */
    PDB_EXPLAIN_JSON = 1, /* one JSON object, nodes nested under "plan"/"children" */
};

/* Counts `segment` once on the calling thread with every plan step measured and renders the
 * plan: per node the access path (index, zone-pruned scan, scan, null bitmap, none),
 * estimated rows, actual rows (TRUE at the node, summed over the chunks where it ran), chunks
 * decided without a scan or skipped by an early stop, and the time spent in it (children
 * included). On success *text_out is owned, NUL-terminated: release it with pdb_text_destroy. */
enum pdb_status pdb_segment_explain(struct pdb_db *db, const char *segment,
                                    enum pdb_explain_format format, char **text_out,
                                    struct pdb_error *error);
void pdb_text_destroy(char *text); /* NULL is accepted */

/* Checks a segment without running it. */
enum pdb_status pdb_segment_check(struct pdb_db *db, const char *segment,
                                  struct pdb_error *error);

/* Where the time of the last successful pdb_segment_count or pdb_segment_ids on a handle went
 * (for `--timing`). All zero before the first one. */
struct pdb_query_timing {
    double compile_s;  /* parsing and type-checking the segment */
    double load_s;     /* reading and decoding the columns it needs (0 when already loaded
                          by an earlier query) and building its lookup tables */
    double evaluate_s; /* evaluating the chunks; for ids, delivering them too */
};

void pdb_db_query_timing(const struct pdb_db *db, struct pdb_query_timing *timing);

/* ---- Breakdown and overlap ----------------------------------------------------------- */

/* One value of a breakdown. `value` is borrowed until pdb_breakdown_deinit and is not
 * NUL-terminated: a category value or tag, or "true"/"false" for a bool attribute. */
struct pdb_breakdown_entry {
    const char *value;
    uint32_t value_size;
    uint64_t count;
};

struct pdb_breakdown {
    uint64_t segment_count; /* profiles in the segment */
    uint64_t null_count;    /* of them, those whose attribute is NULL */
    uint64_t value_count;   /* values with a count > 0, before the limit */
    uint32_t entry_count;   /* entries below: min(value_count, limit) */
    struct pdb_breakdown_entry *entries; /* owned by the breakdown */
    char *strings;                       /* the values' bytes, owned */
};

/* Counts the profiles of `segment` by each value of `attribute`, a category, bool or tags
 * attribute: for tags, a profile counts once under each of its tags (an empty set under
 * none), so the counts may add up to more than segment_count. NULLs are counted apart in
 * null_count. Entries hold the values with a count > 0, by count descending, then value
 * (bytewise) ascending; at most `limit` of them (0 = all). Evaluated in one pass over the
 * chunks, on the handle's threads. On success fill *breakdown (release it with
 * pdb_breakdown_deinit). Errors: those of pdb_segment_count; PDB_ERR_NOT_FOUND for an unknown
 * attribute (with a suggestion); PDB_ERR_USAGE for an attribute of another type;
 * PDB_ERR_LIMIT when its dictionary holds more than 16,777,216 values. */
enum pdb_status pdb_segment_breakdown(struct pdb_db *db, const char *segment,
                                      const char *attribute, uint32_t limit,
                                      struct pdb_breakdown *breakdown, struct pdb_error *error);
void pdb_breakdown_deinit(struct pdb_breakdown *breakdown); /* NULL and zeroed are accepted */

/* The overlap of `segment_count` segments (1..64): matrix[i * segment_count + j] receives the
 * number of profiles in both segments[i] and segments[j] (the diagonal: each segment's
 * count). `matrix` is the caller's array of segment_count * segment_count values, written
 * only on success. All segments are evaluated in one pass over the chunks, on the handle's
 * threads. Errors: as pdb_segment_count, with the segment's index in the message
 * ("segment 2: segment:1:5: ..."); PDB_ERR_USAGE or PDB_ERR_LIMIT for a count outside 1..64. */
enum pdb_status pdb_segment_overlap(struct pdb_db *db, const char *const *segments,
                                    uint32_t segment_count, uint64_t *matrix,
                                    struct pdb_error *error);

/* ---- Saved segments ------------------------------------------------------------------
 * Named segments stored in the database directory (the SEGMENTS file, checksummed and
 * replaced atomically), usable inside any segment as segment('name') (docs/SEGMENTS.md).
 * Every compile sees the latest saved set, including changes made by other handles. */

/* Saves (or replaces) the segment `name` (1..64 bytes of letters, digits, '_', '.', '-') with
 * the text `segment`, after checking that it compiles, including the saved segments it uses
 * and the absence of cycles. Takes the writer lock as an ingest does. Errors: PDB_ERR_USAGE
 * (bad name), PDB_ERR_SEGMENT (the text, an unknown saved segment, a cycle), PDB_ERR_LIMIT
 * (4,096 saved segments, nesting deeper than 8), PDB_ERR_LOCKED, PDB_ERR_IO, PDB_ERR_CORRUPT
 * (the existing file is damaged). */
enum pdb_status pdb_segment_save(struct pdb_db *db, const char *name, const char *segment,
                                 struct pdb_error *error);

/* Deletes the saved segment `name`. Segments that use it fail to compile from then on.
 * Errors: PDB_ERR_NOT_FOUND (with a suggestion), and those of pdb_segment_save. */
enum pdb_status pdb_segment_drop(struct pdb_db *db, const char *name, struct pdb_error *error);

/* Receives one saved segment; both strings are borrowed for the call. Return false to stop.
 * The callback must not call into the same handle. */
typedef bool (*pdb_saved_segment_fn)(void *context, const char *name, const char *segment);

/* Calls on_segment for every saved segment, by name ascending. Errors: PDB_ERR_IO,
 * PDB_ERR_CORRUPT (the file failed its checksum or format check). */
enum pdb_status pdb_segment_list(struct pdb_db *db, pdb_saved_segment_fn on_segment,
                                 void *context, struct pdb_error *error);

/* ---- Profiles ------------------------------------------------------------------------ */

/* One attribute value of a profile. Strings are not NUL-terminated; all pointers are
 * borrowed until the profile is destroyed. */
struct pdb_value {
    enum pdb_type type;
    bool is_null;
    bool bool_value;
    int64_t int_value; /* INT and TIMESTAMP */
    double float_value;
    const char *string_data; /* CATEGORY and TEXT */
    uint32_t string_size;
    const char *const *tag_data; /* TAGS: tag_count strings... */
    const uint32_t *tag_sizes;   /* ...with their sizes */
    uint32_t tag_count;
};

struct pdb_profile;

/* Reads profile `row_id`. *profile_out is owned: release it with pdb_profile_destroy. */
enum pdb_status pdb_profile_get(struct pdb_db *db, uint32_t row_id,
                                struct pdb_profile **profile_out, struct pdb_error *error);

/* Finds the profile whose attribute `attribute` (text, category or int) equals `key` exactly;
 * for an int attribute `key` is a decimal integer ("-42"; PDB_ERR_USAGE if it is not). A text or
 * category key first goes through the attribute's normalising rules, as ingested values did
 * (`trim lower email`: " Ann@Example.COM" finds "ann@example.com"); a key its validators
 * reject matches nothing (PDB_ERR_NOT_FOUND naming the rule).
 * PDB_ERR_NOT_FOUND if none; if several match, the lowest row id is returned. On an attribute
 * flagged `identifier` the second and later finds on a handle use a hash index (about a
 * microsecond per call), built on the second find from the loaded column (a one-time pass:
 * ~0.1 s and 11-21 MiB per million rows, kept until pdb_db_close) or earlier by
 * pdb_profile_index, and extended on the next find after an ingest on this handle appended
 * rows; the first find, and finds on other attributes, scan the column (a single lookup costs
 * less than a build). Errors: PDB_ERR_NOT_FOUND (attribute unknown, with a suggestion; or no
 * match), PDB_ERR_USAGE (a bool, float, timestamp or tags attribute), PDB_ERR_NO_MEMORY, and
 * those of loading the column (PDB_ERR_IO, PDB_ERR_CORRUPT). */
enum pdb_status pdb_profile_find(struct pdb_db *db, const char *attribute, const char *key,
                                 uint32_t *row_id_out, struct pdb_error *error);

/* Builds (or extends to every row) the hash index of identifier attribute `attribute` now, so
 * that every later pdb_profile_find on it is a probe: a server calls it for each identifier at
 * start. Errors: PDB_ERR_NOT_FOUND (unknown attribute), PDB_ERR_USAGE (not a text, category
 * or int attribute flagged identifier), PDB_ERR_NO_MEMORY, PDB_ERR_LIMIT, and those of loading
 * the column. */
enum pdb_status pdb_profile_index(struct pdb_db *db, const char *attribute,
                                  struct pdb_error *error);

uint32_t pdb_profile_row_id(const struct pdb_profile *profile);
/* Fills *value for attribute `attribute_index`; borrowed until pdb_profile_destroy. */
void pdb_profile_value(const struct pdb_profile *profile, uint32_t attribute_index,
                       struct pdb_value *value);
void pdb_profile_destroy(struct pdb_profile *profile);

/* ---- Statistics ---------------------------------------------------------------------- */

struct pdb_column_stats {
    const char *name; /* borrowed until the database is closed */
    enum pdb_type type;
    uint64_t null_count;
    uint64_t distinct_count; /* dictionary size for category/tags; 0 otherwise */
    uint64_t bytes_on_disk;  /* encoded blocks in chunk files, plus the dictionary file */
    uint64_t bytes_in_memory; /* size of the plain, uncompressed in-memory form */
};

struct pdb_stats {
    uint64_t row_count;
    uint32_t chunk_count;
    uint32_t column_count;
    uint64_t generation;
    uint64_t bytes_on_disk; /* every live file, manifest included */
    uint64_t bytes_ingested; /* source bytes of all ingested files */
    uint64_t deleted_count;  /* tombstoned profiles (pdb_segment_delete), within row_count */
    struct pdb_column_stats *columns; /* column_count entries, owned by the stats */
};

/* Fills *stats; release with pdb_stats_deinit. Loads every column to measure it. */
enum pdb_status pdb_db_stats(struct pdb_db *db, struct pdb_stats *stats, struct pdb_error *error);
void pdb_stats_deinit(struct pdb_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
