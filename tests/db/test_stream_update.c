/*
 * Tests for streamed updates applied in place (engine/db/db_stream_update.c,
 * engine/column/column_update.c, engine/index/value_index_update.c): update-heavy random NDJSON
 * batches checked against a naive model after every batch, with counts over indexed and
 * non-indexed columns (value indexes kept by incremental maintenance, never rebuilt), values
 * outside a chunk's old min/max (zone maps widen; values that need wider lanes re-lane the
 * chunk), case-insensitive text tests (the case-folded copy of a rewritten text chunk must not
 * be stale), NULL clearing, GET by row and by a changed identifier; then a second handle that
 * replays the log, and a reopen after the checkpoint, must give the same answers.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"

static char directory[256], db_path[300], schema_path[300];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "stream-update");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    test_file_write(schema_path, "id text primary\nmail text identifier\nn int\nf float\nb bool\nts timestamp\n"
          "c category indexed\ng category\nt tags indexed\ns text\n");
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(stream_update, .init = setup, .fini = teardown);

/* ---- The model --------------------------------------------------------------------------- */

#define ROWS_MAX 90000u
enum { A_MAIL, A_N, A_F, A_B, A_TS, A_C, A_G, A_T, A_S, A_COUNT };

struct row {
    bool has[A_COUNT];
    uint32_t mail;  /* m<mail>@x */
    int64_t n, ts;
    double f;
    bool b;
    uint32_t c, g; /* c<c>, g<g> */
    uint32_t t;    /* bit mask over t0..t4 */
    uint32_t s;    /* "Ab<s>" or "aB<s>" by s's parity */
};

static struct row rows[ROWS_MAX];
static uint32_t row_count;
static uint64_t rng;

static uint32_t below(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

struct batch {
    char *text;
    size_t size, capacity;
    uint64_t inserted, updated;
};

static void put(struct batch *batch, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    char line[512];
    int used = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (batch->size + (size_t)used + 1 > batch->capacity) {
        batch->capacity = 2 * (batch->capacity + (size_t)used + 1);
        batch->text = realloc(batch->text, batch->capacity);
    }
    memcpy(batch->text + batch->size, line, (size_t)used);
    batch->size += (size_t)used;
}

/* An int that is sometimes far outside what the chunks held so far (wider lanes, new min/max). */
static int64_t random_n(uint32_t round)
{
    switch (below(10)) {
    case 0: return (int64_t)below(1u << 30) * 4096 * (below(2) ? 1 : -1); /* needs 8-byte lanes */
    case 1: return 1000 + (int64_t)round * 100 + below(50);              /* above the old max */
    case 2: return -1000 - (int64_t)round * 100 - below(50);             /* below the old min */
    default: return below(200);                                          /* fits 1-byte lanes */
    }
}

/* A batch: `records` lines, `new_percent` of them new profiles, applied to the model. */
static void make_batch(uint32_t records, uint32_t new_percent, uint32_t round, struct batch *batch)
{
    batch->size = 0;
    batch->inserted = batch->updated = 0;
    for (uint32_t r = 0; r < records; r++) {
        bool is_new = row_count == 0 || (below(100) < new_percent && row_count < ROWS_MAX);
        uint32_t id = is_new ? row_count : below(row_count);
        struct row next = is_new ? (struct row){0} : rows[id];
        put(batch, "{\"id\":\"k%u\"", id);
        for (uint32_t a = 0; a < A_COUNT; a++) {
            if (!is_new && below(3) != 0) continue; /* an update gives about a third */
            if (is_new && below(4) == 0) continue;  /* a new profile leaves some out */
            static const char *const names[] = {"mail", "n", "f", "b", "ts", "c", "g", "t", "s"};
            bool is_null = below(6) == 0;
            next.has[a] = !is_null;
            put(batch, ",\"%s\":", names[a]);
            if (is_null) {
                put(batch, "null");
                continue;
            }
            switch (a) {
            case A_MAIL: /* m<id>@x, or moved to n<id>@x */
                next.mail = below(3) == 0 ? 500000u + id : id;
                put(batch, next.mail >= 500000u ? "\"n%u@x\"" : "\"m%u@x\"", id);
                break;
            case A_N: next.n = random_n(round); put(batch, "%lld", (long long)next.n); break;
            case A_F: next.f = (double)((int64_t)below(20000) - 10000 + round * 1000) / 4.0; put(batch, "%.2f", next.f); break;
            case A_B: next.b = below(2); put(batch, next.b ? "true" : "false"); break;
            case A_TS: next.ts = 1700000000 + (int64_t)below(1000) * 60 + (below(8) == 0 ? (int64_t)round * 86400 * 30 : 0); put(batch, "%lld", (long long)next.ts); break;
            case A_C: next.c = below(4) == 0 ? 10u + below(round * 60u + 1u) : below(5); put(batch, "\"c%u\"", next.c); break;
            case A_G: next.g = below(8); put(batch, "\"g%u\"", next.g); break;
            case A_T: {
                next.t = below(32);
                put(batch, "[");
                bool first = true;
                for (uint32_t bit = 0; bit < 5; bit++)
                    if (next.t & (1u << bit)) {
                        put(batch, "%s\"t%u\"", first ? "" : ",", bit);
                        first = false;
                    }
                put(batch, "]");
                break;
            }
            case A_S: next.s = below(5000); put(batch, next.s % 2 ? "\"Ab%u\"" : "\"aB%u\"", next.s); break;
            }
        }
        put(batch, "}\n");
        rows[id] = next;
        if (is_new) {
            row_count++;
            batch->inserted++;
        } else {
            batch->updated++;
        }
    }
}

/* ---- Checks ------------------------------------------------------------------------------ */

static uint64_t count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

struct expected {
    const char *segment;
    uint64_t rows;
};

static void check_counts(struct pdb_db *db, uint32_t round)
{
    int64_t high = 1000 + (int64_t)round * 100, low = -1000 - (int64_t)round * 100;
    uint64_t n_high = 0, n_low = 0, n_huge = 0, n_null = 0, f_high = 0, b_true = 0, ts_late = 0,
             c2 = 0, c_new = 0, c_null = 0, g3 = 0, t1 = 0, t03 = 0, t_null = 0, s_ab = 0, s_end7 = 0,
             mail_moved = 0;
    for (uint32_t r = 0; r < row_count; r++) {
        const struct row *row = &rows[r];
        n_high += row->has[A_N] && row->n >= high && row->n < 1000000;
        n_low += row->has[A_N] && row->n <= low && row->n > -1000000;
        n_huge += row->has[A_N] && (row->n >= 1000000 || row->n <= -1000000);
        n_null += !row->has[A_N];
        f_high += row->has[A_F] && row->f > 1500.0;
        b_true += row->has[A_B] && row->b;
        ts_late += row->has[A_TS] && row->ts > 1700000000 + 86400 * 20;
        c2 += row->has[A_C] && row->c == 2;
        c_new += row->has[A_C] && row->c >= 10 + round * 30;
        c_null += !row->has[A_C];
        g3 += row->has[A_G] && row->g == 3;
        t1 += row->has[A_T] && (row->t & 2u);
        t03 += row->has[A_T] && (row->t & 1u) && (row->t & 8u);
        t_null += !row->has[A_T];
        s_ab += row->has[A_S] && row->s % 10 == 3; /* "ab3", "ab13", ... any case */
        s_end7 += row->has[A_S] && row->s % 10 == 7;
        mail_moved += row->has[A_MAIL] && row->mail >= 500000u;
    }
    char segment[2][128];
    snprintf(segment[0], sizeof segment[0], "n >= %lld AND n < 1000000", (long long)high);
    snprintf(segment[1], sizeof segment[1], "n <= %lld AND n > -1000000", (long long)low);
    char c_list[4096] = "";
    for (uint32_t code = 10 + round * 30; code < 10 + round * 60 + 1; code++) {
        char one[24];
        snprintf(one, sizeof one, "%s'c%u'", c_list[0] ? "," : "", code);
        strcat(c_list, one);
    }
    const struct expected expected[] = {
        {segment[0], n_high},
        {segment[1], n_low},
        {"n >= 1000000 OR n <= -1000000", n_huge},
        {"n IS NULL", n_null},
        {"f > 1500", f_high},
        {"b", b_true},
        {"ts > 1701728000", ts_late},
        {"c = 'c2'", c2},
        {"c IS NULL", c_null},
        {"g = 'g3'", g3},
        {"t HAS 't1'", t1},
        {"t HAS ALL ('t0', 't3')", t03},
        {"t IS NULL", t_null},
        {"s ICONTAINS 'AB' AND s IENDS WITH '3'", s_ab},
        {"s ENDS WITH '7'", s_end7},
        {"mail STARTS WITH 'n'", mail_moved},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_assert_eq(count(db, expected[i].segment), expected[i].rows, "round %u: %s", round,
                     expected[i].segment);
    if (c_list[0] != '\0') {
        char in[4200];
        snprintf(in, sizeof in, "c IN (%s)", c_list);
        cr_assert_eq(count(db, in), c_new, "round %u: new category codes", round);
    }
}

static void check_row(struct pdb_db *db, uint32_t id)
{
    const struct row *row = &rows[id];
    struct pdb_error error = {0};
    struct pdb_profile *profile = NULL;
    cr_assert_eq(pdb_profile_get(db, id, &profile, &error), PDB_OK, "row %u: %s", id, error.message);
    struct pdb_value value;
    for (uint32_t a = 0; a < A_COUNT; a++) {
        pdb_profile_value(profile, a + 1, &value);
        cr_assert_eq(!value.is_null, row->has[a], "row %u attribute %u null", id, a + 1);
    }
    pdb_profile_value(profile, 1 + A_N, &value);
    if (row->has[A_N]) cr_assert_eq(value.int_value, row->n, "row %u n", id);
    pdb_profile_value(profile, 1 + A_TS, &value);
    if (row->has[A_TS]) cr_assert_eq(value.int_value, row->ts, "row %u ts", id);
    pdb_profile_value(profile, 1 + A_T, &value);
    if (row->has[A_T]) cr_assert_eq(value.tag_count, (uint32_t)__builtin_popcount(row->t), "row %u t", id);
    char text[32];
    pdb_profile_value(profile, 1 + A_C, &value);
    if (row->has[A_C]) {
        snprintf(text, sizeof text, "c%u", row->c);
        cr_assert(value.string_size == strlen(text) && memcmp(value.string_data, text, value.string_size) == 0, "row %u c", id);
    }
    pdb_profile_value(profile, 1 + A_S, &value);
    if (row->has[A_S]) {
        snprintf(text, sizeof text, row->s % 2 ? "Ab%u" : "aB%u", row->s);
        cr_assert(value.string_size == strlen(text) && memcmp(value.string_data, text, value.string_size) == 0, "row %u s", id);
    }
    pdb_profile_destroy(profile);
}

static void check(struct pdb_db *db, uint32_t round, bool every_row)
{
    cr_assert_eq(pdb_db_row_count(db), row_count);
    check_counts(db, round);
    for (uint32_t id = 0; id < row_count; id += every_row ? 1 : 1 + below(300)) check_row(db, id);
    /* GET by the primary and by the identifier `mail`, whose values move. */
    for (uint32_t probe = 0; probe < 200; probe++) {
        uint32_t id = below(row_count);
        char key[32];
        uint32_t found = 0;
        struct pdb_error error = {0};
        snprintf(key, sizeof key, "k%u", id);
        cr_assert_eq(pdb_profile_find(db, "id", key, &found, &error), PDB_OK, "%s: %s", key, error.message);
        cr_assert_eq(found, id);
        const struct row *row = &rows[id];
        snprintf(key, sizeof key, row->mail >= 500000u ? "n%u@x" : "m%u@x", id);
        enum pdb_status status = pdb_profile_find(db, "mail", key, &found, &error);
        bool is_there = row->has[A_MAIL]; /* mails are unique: m<id>@x or n<id>@x of row id only */
        if (!is_there) {
            cr_assert_eq(status, PDB_ERR_NOT_FOUND, "%s", key);
        } else {
            cr_assert_eq(status, PDB_OK, "%s: %s", key, error.message);
            cr_assert_eq(found, id, "%s", key);
        }
    }
}

static struct pdb_db *open_db(void)
{
    struct pdb_error error = {0};
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    return db;
}

Test(stream_update, update_heavy_batches_match_the_model_and_replay)
{
    const char *seed_text = getenv("PROFILEDB_TEST_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : (uint64_t)time(NULL);
    fprintf(stderr, "stream_update test seed %llu (PROFILEDB_TEST_SEED replays)\n", (unsigned long long)seed);
    rng = seed * 2654435761u + 11u;
    row_count = 0;
    struct batch batch = {0};
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = open_db();
    /* Two batches of new profiles cross a chunk boundary; the indexes are built once. */
    for (uint32_t b = 0; b < 2; b++) {
        make_batch(15000, 100, 0, &batch);
        struct pdb_upsert_result result;
        cr_assert_eq(pdb_db_upsert(db, batch.text, batch.size, &result, &error), PDB_OK, "%s", error.message);
    }
    cr_assert_eq(pdb_db_checkpoint(db, &error), PDB_OK, "%s", error.message);
    for (uint32_t b = 0; b < 3; b++) {
        make_batch(15000, 100, 0, &batch);
        struct pdb_upsert_result result;
        cr_assert_eq(pdb_db_upsert(db, batch.text, batch.size, &result, &error), PDB_OK, "%s", error.message);
    }
    check(db, 0, false);
    for (uint32_t round = 1; round <= 14; round++) {
        make_batch(round % 4 == 0 ? 12000 : 1 + below(4000), 8, round, &batch);
        struct pdb_upsert_result result;
        cr_assert_eq(pdb_db_upsert(db, batch.text, batch.size, &result, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(result.rows_inserted, batch.inserted);
        cr_assert_eq(result.rows_updated, batch.updated);
        check(db, round, round == 14);
        if (round == 7) { /* a second handle replays the live log (updates after the checkpoint) */
            struct pdb_db *reader = open_db();
            check(reader, round, true);
            pdb_db_close(reader);
        }
    }
    pdb_db_close(db); /* checkpoints the dirty chunks */
    db = open_db();
    check(db, 14, true);
    pdb_db_close(db);
    free(batch.text);
}
