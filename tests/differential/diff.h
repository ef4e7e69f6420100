/*
 * Shared declarations of the differential test (the Criterion program test_differential).
 *
 * Three evaluators answer the same random segments over the same rows: the engine through the
 * public API (engine_check.c), a deliberately naive row-by-row evaluator (naive_eval.c) and
 * SQLite (sqlite_oracle.c). This header holds what they share: the test schema and its rows as
 * plain structs (data_gen.c, written out by csv_write.c), the segment expression tree
 * (segment_gen.c) and its segment-text rendering (segment_render.c).
 *
 * Independence rule: nothing in this folder includes an engine header other than the public
 * include/profiledb/profiledb.h, and only engine_check.c calls the engine. Case folding goes
 * straight to utf8proc, as the spec defines it.
 *
 * Replay: every test prints "differential: seed=N"; PROFILEDB_TEST_SEED=N reruns it exactly.
 */
#ifndef PDB_TESTS_DIFFERENTIAL_DIFF_H
#define PDB_TESTS_DIFFERENTIAL_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profiledb/profiledb.h"

/* ---- Sizes and environment ------------------------------------------------------------- */

/* Default rows: more than one 65,536-row chunk, the second one partial. */
#define DIFF_CHUNK_ROWS 65536u /* PDB_CHUNK_ROWS: where data_gen changes lane ranges */
#define DIFF_ROWS_DEFAULT 70000u
/* Default random segments per test; the brief asks for at least 1,000 in a normal run. */
#define DIFF_SEGMENTS_DEFAULT 1000u
#define DIFF_MISMATCH_REPORTS_MAX 5u /* mismatches printed in full; the rest are counted */

/* Environment (documented at the top of diff_util.c): PROFILEDB_TEST_SEED (replay),
 * PROFILEDB_DIFF_ROWS and PROFILEDB_DIFF_SEGMENTS (shrink a slow run), PROFILEDB_DIFF_VERBOSE=1
 * (print every segment), PROFILEDB_DIFF_KEEP=1 (keep the temporary database directories). */
uint64_t diff_env_seed(void);
uint32_t diff_env_rows(void);
uint32_t diff_env_segments(void);
bool diff_env_verbose(void);

/* ---- Utilities (diff_util.c) ----------------------------------------------------------- */

struct diff_rng {
    uint64_t state;
};

/* Independent streams: the same (seed, stream) always gives the same sequence. */
void diff_rng_init(struct diff_rng *rng, uint64_t seed, uint64_t stream);
uint64_t diff_rng_next(struct diff_rng *rng);
uint64_t diff_rng_below(struct diff_rng *rng, uint64_t bound);           /* [0, bound), bound > 0 */
int64_t diff_rng_range(struct diff_rng *rng, int64_t low, int64_t high); /* [low, high] */
bool diff_rng_percent(struct diff_rng *rng, uint32_t percent);
double diff_rng_unit(struct diff_rng *rng); /* [0, 1) */

/* Bump allocator for strings and trees; everything is freed at once. */
struct diff_arena_block;
struct diff_arena {
    struct diff_arena_block *head;
};
void *diff_arena_alloc(struct diff_arena *arena, size_t size);
char *diff_arena_copy(struct diff_arena *arena, const char *data, size_t size); /* adds NUL */
void diff_arena_deinit(struct diff_arena *arena);

/* Growable NUL-terminated byte string. */
struct diff_text {
    char *data;
    size_t size;
    size_t capacity;
};
void diff_text_append(struct diff_text *text, const char *data, size_t size);
void diff_text_puts(struct diff_text *text, const char *string);
void diff_text_printf(struct diff_text *text, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void diff_text_clear(struct diff_text *text);
void diff_text_deinit(struct diff_text *text);

/* Appends `data` for humans: printable ASCII as is, everything else as \xNN, quoted. */
void diff_text_append_escaped(struct diff_text *text, const char *data, size_t size);

/* The spec's case folding: utf8proc_map(STABLE | COMPOSE | CASEFOLD), or ASCII tolower byte by
 * byte when the input is not valid UTF-8. Result in the arena. */
void diff_fold(struct diff_arena *arena, const char *data, uint32_t size, const char **folded_out,
               uint32_t *folded_size_out);

/* Exact three-way comparisons, -1 / 0 / 1. */
int diff_compare_int_double(int64_t left, double right);
int diff_compare_bytes(const char *left, size_t left_size, const char *right, size_t right_size);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t diff_days_from_civil(int64_t year, int64_t month, int64_t day);
void diff_civil_from_days(int64_t days, int64_t *year, int64_t *month, int64_t *day);

/* ---- Schema and rows (data_gen.c) ------------------------------------------------------ */

enum diff_attr_id {
    DIFF_I1,  /* int: wide range, INT64 edges, 10% null */
    DIFF_I2,  /* int: -5..20, many duplicates, never null, indexed */
    DIFF_F1,  /* float: edges (-0.0, 2^53, 2^63, 1e300, DBL_MAX, denormals), 10% null */
    DIFF_F2,  /* float: quarters in -10..10, 50% null */
    DIFF_TS1, /* timestamp: around now() - 30d, epoch 0, negative, 10% null */
    DIFF_B1,  /* bool: 50% null */
    DIFF_C1,  /* category: '', non-ASCII, case variants, 10% null, indexed */
    DIFF_C2,  /* category: 'a' 'ab' 'abc' 'b' (prefixes of each other), never null */
    DIFF_T1,  /* text: quotes, commas, newlines, 'ß', combining marks, 10% null */
    DIFF_G1,  /* tags: 0-4 of DIFF_TAG_COUNT, 15% empty sets, 10% null, indexed */
    /* Lane widths (column/column.h): i2 and c1/c2 take 1 byte, i1 and ts1 8. */
    DIFF_I3, /* int: chunk 0 spans 0..65535 (2-byte lanes), chunk 1 1000..1255 (1), 10% null */
    DIFF_I4, /* int: chunk 0 spans INT32_MIN..INT32_MAX (4), chunk 1 -32768..32768 (4) */
    DIFF_C3, /* category: 300 values, so codes take 2 bytes, 5% null */
    DIFF_M1,  /* int: in the schema but not in the CSV header, so always null */
    DIFF_ATTR_COUNT
};

struct diff_attr_spec {
    const char *name;
    enum pdb_type type;
    const char *flags;     /* schema-file flags, "" for none */
    uint32_t null_percent; /* of rows */
    bool is_in_csv;
};

extern const struct diff_attr_spec diff_attrs[DIFF_ATTR_COUNT];

/* The tag universe of g1 (a set is a bit mask over it). No tag contains '|' or starts or ends
 * with a space (the CSV trims tags). */
#define DIFF_TAG_COUNT 8u
extern const char *const diff_tags[DIFF_TAG_COUNT];
/* Index of tag[0..size) in diff_tags, or -1 (a tag no row has). */
int diff_tag_index(const char *tag, size_t size);

struct diff_cell {
    bool is_null;
    int64_t int_value;       /* int, timestamp; bool as 0/1 */
    double float_value;      /* float, exactly as written to the CSV (-0.0 kept: it equals 0.0) */
    const char *string_data; /* category, text (in the data arena, NUL-terminated) */
    uint32_t string_size;
    uint32_t folded_size;
    const char *folded_data; /* diff_fold of the string */
    uint32_t tag_mask;       /* tags: bit k set when diff_tags[k] is in the set */
};

struct diff_data {
    uint64_t seed;
    int64_t now_s; /* the fixed now() of every evaluator */
    uint32_t row_count;
    struct diff_cell *cells; /* DIFF_ATTR_COUNT columns of row_count cells */
    struct diff_arena arena;
};

static inline const struct diff_cell *diff_cell_at(const struct diff_data *data, uint32_t row,
                                                   enum diff_attr_id attr)
{
    return &data->cells[(size_t)attr * data->row_count + row];
}

/* Fills *data with row_count random rows drawn from `seed`. Release with diff_data_deinit. */
void diff_data_generate(struct diff_data *data, uint64_t seed, uint32_t row_count);
void diff_data_deinit(struct diff_data *data);

/* Appends "row N: i1=..., f1=..., ..." (every attribute) for failure reports. */
void diff_row_describe(const struct diff_data *data, uint32_t row, struct diff_text *out);

/* Formats epoch seconds as an ISO timestamp in one of several accepted spellings (date only,
 * T/space, Z/offset, fraction) chosen by rng; always denotes exactly `seconds`. */
void diff_timestamp_spell(struct diff_rng *rng, int64_t seconds, struct diff_text *out);

/* ---- CSV and schema files (csv_write.c) ------------------------------------------------ */

/* Writes <dir>/schema.txt and <dir>/rows.csv for `data`. Returns 0, or -1 with errno. */
int diff_files_write(const struct diff_data *data, const char *dir);
/* The same with a first attribute "key text primary" (row r's key "K<keys[r]>"), the rows
 * written to <dir>/<csv_name>, the writer's random choices drawn from `stream`. */
int diff_files_write_keyed(const struct diff_data *data, const uint32_t *keys, const char *dir,
                           const char *csv_name, uint64_t stream);

/* ---- Segment expression trees (segment_gen.c) ------------------------------------------ */

enum diff_literal_kind {
    DIFF_LITERAL_NULL,
    DIFF_LITERAL_INT,
    DIFF_LITERAL_FLOAT,
    DIFF_LITERAL_STRING,
    DIFF_LITERAL_BOOL,
    DIFF_LITERAL_TIME,
};

struct diff_literal {
    enum diff_literal_kind kind;
    int64_t int_value;       /* INT; BOOL as 0/1; TIME resolved to epoch seconds */
    double float_value;      /* FLOAT */
    const char *string_data; /* STRING bytes (NUL-terminated copy) */
    uint32_t string_size;
    uint32_t folded_size;
    const char *folded_data; /* STRING folded, for the I-operators */
    const char *spelling;    /* FLOAT, TIME (and INT when not NULL): how the segment writes it */
    bool is_now;             /* TIME written as now() [+- duration] */
    int64_t now_delta_s;     /* ... and that duration, signed */
};

enum diff_node_kind {
    DIFF_NODE_AND,
    DIFF_NODE_OR,
    DIFF_NODE_NOT,
    DIFF_NODE_TRUE,
    DIFF_NODE_FALSE,
    DIFF_NODE_PREDICATE,
};

enum diff_op {
    DIFF_OP_EQ,
    DIFF_OP_NE,
    DIFF_OP_LT,
    DIFF_OP_LE,
    DIFF_OP_GT,
    DIFF_OP_GE,
    DIFF_OP_BETWEEN, /* literals[0] AND literals[1] */
    DIFF_OP_IN,      /* literals[0..literal_count) */
    DIFF_OP_IS_NULL, /* is_negated: IS NOT NULL */
    DIFF_OP_STARTS,
    DIFF_OP_ENDS,
    DIFF_OP_CONTAINS,
    DIFF_OP_ISTARTS,
    DIFF_OP_IENDS,
    DIFF_OP_ICONTAINS,
    DIFF_OP_HAS,
    DIFF_OP_HAS_ANY,
    DIFF_OP_HAS_ALL,
    DIFF_OP_BARE, /* a bool attribute alone */
    DIFF_OP_COUNT
};

struct diff_node {
    enum diff_node_kind kind;
    struct diff_node *left;  /* AND, OR, NOT */
    struct diff_node *right; /* AND, OR */
    /* PREDICATE: */
    enum diff_attr_id attr;
    enum diff_op op;
    bool is_negated;      /* NOT BETWEEN, NOT IN, IS NOT NULL, NOT STARTS WITH, NOT HAS ... */
    bool is_literal_left; /* comparison written `literal op attr` */
    bool is_angle_ne;     /* NE written `<>` rather than `!=` */
    uint32_t literal_count;
    struct diff_literal *literals;
};

struct diff_segment {
    struct diff_node *root;
    struct diff_arena arena; /* the tree and its literals */
};

/* Generates random segment number `index` of the stream `stream` (so any one segment can be
 * regenerated alone). Literals are drawn half from values present in `data`. */
void diff_segment_generate(struct diff_segment *segment, const struct diff_data *data,
                           uint64_t stream, uint32_t index);
void diff_segment_deinit(struct diff_segment *segment);

/* ---- Renderings ------------------------------------------------------------------------ */

/* Segment text (segment_render.c): random keyword case, whitespace and redundant parentheses,
 * chosen by rng; any choice parses to the same tree. */
void diff_segment_render(const struct diff_node *root, struct diff_rng *rng, struct diff_text *out);

/* ---- Oracles --------------------------------------------------------------------------- */

/* Naive evaluator (naive_eval.c): ids of the rows where root is TRUE, ascending, into ids
 * (row_count capacity). Returns the count. */
uint32_t diff_naive_ids(const struct diff_data *data, const struct diff_node *root, uint32_t *ids);

/* SQLite oracle (sqlite_oracle.c). */
struct diff_sqlite;
/* Loads data into a new in-memory SQLite database; aborts the test on failure. */
struct diff_sqlite *diff_sqlite_create(const struct diff_data *data);
void diff_sqlite_destroy(struct diff_sqlite *sqlite);
/* Runs `SELECT id FROM p WHERE <root> ORDER BY id`: ids into ids (row_count capacity), returns
 * the count. When check_count, also runs SELECT COUNT(*) and asserts it agrees. The full SQL
 * text goes into sql_out for reports. */
uint32_t diff_sqlite_ids(struct diff_sqlite *sqlite, const struct diff_node *root, uint32_t *ids,
                         bool check_count, struct diff_text *sql_out);

/* Runs `DELETE FROM p WHERE <root>` (the rows a segment deletes); returns how many went. */
uint32_t diff_sqlite_delete(struct diff_sqlite *sqlite, const struct diff_node *root);

/* ---- Comparison reports (diff_report.c) ------------------------------------------------ */

struct diff_answer {
    const char *name; /* "engine", "naive", "sqlite" */
    const uint32_t *ids;
    uint64_t count; /* the count the evaluator reported (may disagree with id_count) */
    uint32_t id_count;
};

/* True when all answers have the same count and the same ids. */
bool diff_answers_agree(const struct diff_answer *answers, uint32_t answer_count);

/* Appends a full mismatch report: seed, segment text, SQL, every count, the first differing
 * row id, which answers contain it, and that row's values. */
void diff_mismatch_describe(const struct diff_data *data, const char *label,
                            const char *segment_text, const char *sql,
                            const struct diff_answer *answers, uint32_t answer_count,
                            struct diff_text *out);

#endif
