/*
 * Tests for streaming upserts through the write-ahead log (engine/db/db_stream.c): random
 * NDJSON batches checked against a naive model right after each acknowledgement (visible on the
 * same handle), on a handle opened meanwhile (replay of the live log), after a process exits
 * without closing (replay after a crash), after checkpoints (explicit, on close), after an
 * ingest and a delete on the streaming handle; the log is trimmed by a checkpoint; a corrupt
 * record is reported with the log's name and offset, a torn tail is dropped.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"

static char directory[256], db_path[300], schema_path[300], wal_path[320];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "stream");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    snprintf(wal_path, sizeof wal_path, "%s/wal.log", db_path);
    test_file_write(schema_path, "id text primary\nn int\nc category indexed\nt tags\ns text\n");
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(stream, .init = setup, .fini = teardown);

/* ---- A naive model -------------------------------------------------------------------------- */

#define KEYS_MAX 200000u

struct row {
    uint32_t key;
    bool has_n, has_c, has_t, has_s;
    int64_t n;
    uint32_t c;   /* c<c> */
    uint32_t t;   /* bit mask over t0..t3 */
    uint32_t s;   /* s<s> */
    bool is_deleted;
};

struct model {
    struct row rows[KEYS_MAX];
    uint32_t row_count;
    int64_t live[KEYS_MAX]; /* key -> row, -1 */
    uint32_t key_count;
};

static struct model *model_create(void)
{
    struct model *model = calloc(1, sizeof *model);
    for (uint32_t k = 0; k < KEYS_MAX; k++) model->live[k] = -1;
    return model;
}

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
    uint64_t inserted, updated, rejected;
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

/* A random batch of `records` NDJSON lines, applied to the model. */
static void make_batch(struct model *model, uint32_t records, uint32_t new_percent, struct batch *batch)
{
    batch->size = 0;
    batch->inserted = batch->updated = batch->rejected = 0;
    for (uint32_t r = 0; r < records; r++) {
        uint32_t key = model->key_count == 0 || below(100) < new_percent ? model->key_count++
                                                                          : below(model->key_count);
        bool gives_n = below(2), gives_c = below(2), gives_t = below(3) == 0, gives_s = below(2);
        bool null_n = below(5) == 0, null_c = below(6) == 0, null_t = below(4) == 0, null_s = below(5) == 0;
        int64_t n = (int64_t)below(1000) - 500;
        uint32_t c = below(7), t = below(16), s = below(100000);
        uint32_t fault = below(50); /* 0: no key, 1: a bad n */
        put(batch, "{");
        if (fault != 0) put(batch, "\"id\":\"k%u\"", key);
        else put(batch, "\"s\":\"x\"");
        if (gives_n || fault == 1) {
            if (fault == 1) put(batch, ",\"n\":\"nope\"");
            else if (null_n) put(batch, ",\"n\":null");
            else put(batch, ",\"n\":%lld", (long long)n);
        }
        if (gives_c) put(batch, null_c ? ",\"c\":null" : ",\"c\":\"c%u\"", c);
        if (gives_t) {
            if (null_t) put(batch, ",\"t\":null");
            else {
                put(batch, ",\"t\":[");
                bool first = true;
                for (uint32_t b = 0; b < 4; b++)
                    if (t & (1u << b)) {
                        put(batch, "%s\"t%u\"", first ? "" : ",", b);
                        first = false;
                    }
                put(batch, "]");
            }
        }
        if (gives_s && fault != 0) put(batch, null_s ? ",\"s\":null" : ",\"s\":\"s%u\"", s);
        put(batch, "}\n");
        if (fault <= 1) {
            batch->rejected++;
            continue;
        }
        int64_t row_index = model->live[key];
        if (row_index < 0) {
            row_index = model->row_count++;
            memset(&model->rows[row_index], 0, sizeof model->rows[row_index]);
            model->rows[row_index].key = key;
            model->live[key] = row_index;
            batch->inserted++;
        } else {
            batch->updated++;
        }
        struct row *row = &model->rows[row_index];
        if (gives_n) { row->has_n = !null_n; row->n = n; }
        if (gives_c) { row->has_c = !null_c; row->c = c; }
        if (gives_t) { row->has_t = !null_t; row->t = t; }
        if (gives_s) { row->has_s = !null_s; row->s = s; }
    }
}

/* ---- Checks -------------------------------------------------------------------------------- */

static uint64_t count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

static void check_row(struct pdb_db *db, const struct model *model, uint32_t row_id)
{
    const struct row *row = &model->rows[row_id];
    struct pdb_error error = {0};
    struct pdb_profile *profile = NULL;
    enum pdb_status status = pdb_profile_get(db, row_id, &profile, &error);
    if (row->is_deleted) {
        cr_assert_eq(status, PDB_ERR_NOT_FOUND);
        return;
    }
    cr_assert_eq(status, PDB_OK, "row %u: %s", row_id, error.message);
    struct pdb_value value;
    char text[32];
    pdb_profile_value(profile, 0, &value);
    snprintf(text, sizeof text, "k%u", row->key);
    cr_assert(value.string_size == strlen(text) && memcmp(value.string_data, text, value.string_size) == 0,
              "row %u key", row_id);
    pdb_profile_value(profile, 1, &value);
    cr_assert_eq(!value.is_null, row->has_n, "row %u n null", row_id);
    if (row->has_n) cr_assert_eq(value.int_value, row->n, "row %u n", row_id);
    pdb_profile_value(profile, 2, &value);
    cr_assert_eq(!value.is_null, row->has_c, "row %u c null", row_id);
    if (row->has_c) {
        snprintf(text, sizeof text, "c%u", row->c);
        cr_assert(value.string_size == strlen(text) && memcmp(value.string_data, text, value.string_size) == 0,
                  "row %u c", row_id);
    }
    pdb_profile_value(profile, 3, &value);
    cr_assert_eq(!value.is_null, row->has_t, "row %u t null", row_id);
    if (row->has_t) cr_assert_eq(value.tag_count, (uint32_t)__builtin_popcount(row->t), "row %u t", row_id);
    pdb_profile_value(profile, 4, &value);
    cr_assert_eq(!value.is_null, row->has_s, "row %u s null", row_id);
    if (row->has_s) {
        snprintf(text, sizeof text, "s%u", row->s);
        cr_assert(value.string_size == strlen(text) && memcmp(value.string_data, text, value.string_size) == 0,
                  "row %u s", row_id);
    }
    pdb_profile_destroy(profile);
}

static void check(struct pdb_db *db, const struct model *model, bool every_row)
{
    cr_assert_eq(pdb_db_row_count(db), model->row_count);
    uint64_t live = 0, n_positive = 0, c3 = 0, t2 = 0, s_null = 0;
    for (uint32_t r = 0; r < model->row_count; r++) {
        const struct row *row = &model->rows[r];
        if (row->is_deleted) continue;
        live++;
        n_positive += row->has_n && row->n > 0;
        c3 += row->has_c && row->c == 3;
        t2 += row->has_t && (row->t & 4u);
        s_null += !row->has_s;
    }
    cr_assert_eq(count(db, "id IS NOT NULL"), live);
    cr_assert_eq(count(db, "n > 0"), n_positive);
    cr_assert_eq(count(db, "c = 'c3'"), c3);
    cr_assert_eq(count(db, "t HAS 't2'"), t2);
    cr_assert_eq(count(db, "s IS NULL"), s_null);
    for (uint32_t r = 0; r < model->row_count; r += every_row ? 1 : 1 + below(97)) check_row(db, model, r);
    for (uint32_t k = 0; k < model->key_count; k += 1 + below(211)) {
        char key[32];
        snprintf(key, sizeof key, "k%u", k);
        uint32_t row_id = 0;
        struct pdb_error error = {0};
        enum pdb_status status = pdb_profile_find(db, "id", key, &row_id, &error);
        if (model->live[k] < 0) cr_assert_eq(status, PDB_ERR_NOT_FOUND, "%s", key);
        else {
            cr_assert_eq(status, PDB_OK, "%s: %s", key, error.message);
            cr_assert_eq(row_id, (uint32_t)model->live[k], "%s", key);
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

static void upsert_checked(struct pdb_db *db, const struct batch *batch)
{
    struct pdb_upsert_result result;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_upsert(db, batch->text, batch->size, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, batch->inserted);
    cr_assert_eq(result.rows_updated, batch->updated);
    cr_assert_eq(result.rows_rejected, batch->rejected);
    cr_assert_eq(result.lsn != 0, batch->inserted + batch->updated > 0);
}

static uint64_t file_size_of(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 ? (uint64_t)info.st_size : 0;
}

/* ---- Tests ----------------------------------------------------------------------------------- */

Test(stream, acknowledged_batches_are_visible_replayed_and_checkpointed)
{
    const char *seed_text = getenv("PROFILEDB_TEST_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : (uint64_t)time(NULL);
    fprintf(stderr, "stream test seed %llu (PROFILEDB_TEST_SEED replays)\n", (unsigned long long)seed);
    rng = seed * 2654435761u + 7u;
    struct model *model = model_create();
    struct batch batch = {0};
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = open_db();
    pdb_db_set_threads(db, 2);
    /* Batches: the first ones cross a chunk boundary, later ones mostly update. */
    for (uint32_t b = 0; b < 12; b++) {
        make_batch(model, b < 5 ? 16000 : 1 + below(3000), b < 5 ? 95 : 20, &batch);
        upsert_checked(db, &batch);
        check(db, model, b == 4 || b == 11); /* visible at once on the writer's handle */
        if (b == 6) { /* a reader opened now replays the live log */
            struct pdb_db *reader = open_db();
            check(reader, model, true);
            pdb_db_close(reader);
        }
        if (b == 8) {
            cr_assert_gt(file_size_of(wal_path), 32u);
            cr_assert_eq(pdb_db_checkpoint(db, &error), PDB_OK, "%s", error.message);
            cr_assert_eq(file_size_of(wal_path), 32u, "the checkpoint trims the log to its header");
            check(db, model, false);
        }
    }
    pdb_db_close(db); /* checkpoints */
    cr_assert_eq(file_size_of(wal_path), 32u);
    db = open_db();
    check(db, model, true);
    /* An ingest and a delete on a streaming handle fold the stream into files first. */
    make_batch(model, 500, 50, &batch);
    upsert_checked(db, &batch);
    char csv_path[400];
    snprintf(csv_path, sizeof csv_path, "%s/more.csv", directory);
    FILE *file = fopen(csv_path, "w");
    fputs("id,n\n", file);
    for (uint32_t i = 0; i < 300; i++) {
        uint32_t key = i % 2 ? model->key_count++ : below(model->key_count);
        fprintf(file, "k%u,%u\n", key, i);
        int64_t row = model->live[key];
        if (row < 0) {
            row = model->row_count++;
            memset(&model->rows[row], 0, sizeof model->rows[row]);
            model->rows[row].key = key;
            model->live[key] = row;
        }
        model->rows[row].has_n = true;
        model->rows[row].n = i;
    }
    fclose(file);
    cr_assert_eq(pdb_db_ingest_csv(db, csv_path, NULL, NULL, &error), PDB_OK, "%s", error.message);
    check(db, model, false);
    uint64_t deleted = 0;
    cr_assert_eq(pdb_segment_delete(db, "n < -400", &deleted, &error), PDB_OK, "%s", error.message);
    for (uint32_t r = 0; r < model->row_count; r++) {
        struct row *row = &model->rows[r];
        if (!row->is_deleted && row->has_n && row->n < -400) {
            row->is_deleted = true;
            model->live[row->key] = -1;
            deleted--;
        }
    }
    cr_assert_eq(deleted, 0);
    make_batch(model, 2000, 30, &batch); /* deleted keys come back as new profiles */
    upsert_checked(db, &batch);
    check(db, model, true);
    pdb_db_close(db);
    db = open_db();
    check(db, model, true);
    pdb_db_close(db);
    free(batch.text);
    free(model);
}

Test(stream, a_writer_that_exits_without_closing_is_replayed)
{
    rng = 12345;
    struct model *model = model_create();
    struct batch batch = {0};
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    for (uint32_t round = 0; round < 3; round++) {
        /* The child's batches, made here too so the model knows them. */
        struct batch batches[4] = {{0}};
        for (int b = 0; b < 4; b++) make_batch(model, 1000 + 500 * round, 40, &batches[b]);
        fflush(NULL);
        pid_t child = fork();
        cr_assert_geq(child, 0);
        if (child == 0) {
            struct pdb_db *db = NULL;
            if (pdb_db_open(db_path, &db, &error) != PDB_OK) _exit(2);
            for (int b = 0; b < 4; b++)
                if (pdb_db_upsert(db, batches[b].text, batches[b].size, NULL, &error) != PDB_OK) _exit(3);
            if (round == 1 && pdb_db_checkpoint(db, &error) != PDB_OK) _exit(4);
            _exit(0); /* no close: no checkpoint, the log holds the batches */
        }
        int wait_status = 0;
        cr_assert_eq(waitpid(child, &wait_status, 0), child);
        cr_assert(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0, "child failed: %d", wait_status);
        if (round != 1) cr_assert_gt(file_size_of(wal_path), 32u, "the batches are in the log");
        struct pdb_db *db = open_db();
        check(db, model, true);
        pdb_db_close(db); /* not a writer: the log stays as it is */
        for (int b = 0; b < 4; b++) free(batches[b].text);
    }
    free(batch.text);
    free(model);
}

Test(stream, a_corrupt_record_is_reported_and_a_torn_tail_dropped)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        struct pdb_db *db = NULL;
        if (pdb_db_open(db_path, &db, &error) != PDB_OK) _exit(2);
        const char *one = "{\"id\":\"a\",\"n\":1}\n", *two = "{\"id\":\"b\",\"n\":2}\n{\"id\":\"a\",\"n\":3}\n";
        if (pdb_db_upsert(db, one, strlen(one), NULL, &error) != PDB_OK) _exit(3);
        if (pdb_db_upsert(db, two, strlen(two), NULL, &error) != PDB_OK) _exit(3);
        _exit(0);
    }
    int wait_status = 0;
    waitpid(child, &wait_status, 0);
    cr_assert(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
    struct pdb_db *db = open_db();
    cr_assert_eq(count(db, "n = 3"), 1);
    cr_assert_eq(count(db, "id IS NOT NULL"), 2);
    pdb_db_close(db);
    /* A flipped byte inside the first record (the second is still valid): corrupt. */
    uint64_t size = file_size_of(wal_path);
    FILE *file = fopen(wal_path, "r+b");
    fseek(file, 32 + 20, SEEK_SET);
    int byte = fgetc(file);
    fseek(file, 32 + 20, SEEK_SET);
    fputc(byte ^ 0x20, file);
    fclose(file);
    db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "wal.log: offset 32: corrupt record") != NULL, "%s", error.message);
    file = fopen(wal_path, "r+b");
    fseek(file, 32 + 20, SEEK_SET);
    fputc(byte, file);
    fclose(file);
    /* A torn tail (the last record cut short): dropped, the first batch stays. */
    cr_assert_eq(truncate(wal_path, (off_t)(size - 5)), 0);
    db = open_db();
    cr_assert_eq(count(db, "id IS NOT NULL"), 1);
    cr_assert_eq(count(db, "n = 1"), 1);
    /* Writing again cuts the torn tail and continues the log. */
    const char *three = "{\"id\":\"c\",\"n\":7}\n";
    struct pdb_upsert_result result;
    cr_assert_eq(pdb_db_upsert(db, three, strlen(three), &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.lsn, 2);
    pdb_db_close(db);
    db = open_db();
    cr_assert_eq(count(db, "id IS NOT NULL"), 2);
    cr_assert_eq(count(db, "n = 7"), 1);
    pdb_db_close(db);
}

Test(stream, a_second_writer_is_refused_and_limits_hold)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *writer = open_db(), *other = open_db();
    const char *one = "{\"id\":\"a\",\"n\":1}\n";
    cr_assert_eq(pdb_db_upsert(writer, one, strlen(one), NULL, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(pdb_db_upsert(other, one, strlen(one), NULL, &error), PDB_ERR_LOCKED);
    struct pdb_upsert_result result;
    const char *bad = "{\"n\":1}\n{\"id\":\"b\",\"n\":\"x\"}\n";
    cr_assert_eq(pdb_db_upsert(writer, bad, strlen(bad), &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_rejected, 2);
    cr_assert_eq(result.lsn, 0, "a batch with nothing accepted is not logged");
    cr_assert(strstr(result.rejects_path, "/rejects/upsert-2.rejects.csv") != NULL, "%s", result.rejects_path);
    char *many = malloc(17 * 16400);
    size_t size = 0;
    for (int i = 0; i < 16400; i++) size += (size_t)sprintf(many + size, "{\"id\":\"k%d\"}\n", i);
    cr_assert_eq(pdb_db_upsert(writer, many, size, NULL, &error), PDB_ERR_LIMIT);
    free(many);
    pdb_db_close(other);
    pdb_db_close(writer);
}
