/*
 * Tests for upserts by a primary identifier (engine/db/db_upsert.c, ingest/upsert.c) through the
 * public API: a differential test that runs random sequences of upsert files (CSV with random
 * header subsets, NDJSON records with random member subsets, explicit nulls, duplicate keys,
 * new keys, records without a key, bad values, a delete in between) and compares every
 * profile, the ingest counts, lookups by key and a set of segment counts with a naive model
 * after each load and after reopening; plus focused cases (int keys, a key appended and
 * updated in one load across a chunk boundary, a header without the key column).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiledb/profiledb.h"
#include "support/test_files.h"

#define ATTRIBUTES 8
#define TAG_WORDS 6
#define TIERS 5

static const char *const names[ATTRIBUTES] = {"id", "name", "age", "score", "seen", "tier", "tags", "vip"};
static const char *const tag_words[TAG_WORDS] = {"run", "yoga", "swim", "chess", "golf", "ski"};
static const char *const tiers[TIERS] = {"gold", "silver", "bronze", "", "plat,inum"};

static char directory[256], db_path[300], schema_path[300], input_path[300];

static void make_workspace(void)
{
    test_dir_make(directory, sizeof directory, "upsert");
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    test_file_write(schema_path, "id text primary\nname text\nage int\nscore float\nseen timestamp\n"
          "tier category indexed\ntags tags indexed\nvip bool\n");
}

static void remove_workspace(void)
{
    test_dir_remove(directory);
}

TestSuite(upsert, .init = make_workspace, .fini = remove_workspace);

/* ---- The model ---------------------------------------------------------------------------- */

struct value {
    bool is_null;
    int64_t number; /* age, seen, tier index, tags bit mask, vip */
    double score;
    char text[24];  /* name */
};

struct row {
    char key[16];
    bool is_deleted;
    struct value values[ATTRIBUTES]; /* [0] unused: the key */
};

struct model {
    struct row *rows;
    uint32_t row_count, capacity;
    uint32_t key_count; /* keys K0..K(key_count-1) were ever generated */
    int64_t *live_row;  /* per generated key number: its live row, or -1 */
};

static uint64_t rng_state;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static uint32_t below(uint32_t n) { return (uint32_t)(next_random() % n); }

static void random_value(uint32_t attribute, struct value *value)
{
    memset(value, 0, sizeof *value);
    value->is_null = below(5) == 0;
    if (value->is_null) return;
    switch (attribute) {
    case 1: snprintf(value->text, sizeof value->text, below(4) ? "n%u" : "q\"u,o%u", below(1000)); break;
    case 2: value->number = (int64_t)below(100) - (below(50) == 0 ? 1000000 : 0); break;
    case 3: value->score = (double)below(100000) / 8.0; break;
    case 4: value->number = 1700000000 + (int64_t)below(1000000); break;
    case 5: value->number = below(TIERS); break;
    case 6: value->number = below(1u << TAG_WORDS); break;
    case 7: value->number = below(2); break;
    }
}

static uint32_t model_append(struct model *model, uint32_t key_number)
{
    if (model->row_count == model->capacity) {
        model->capacity = model->capacity ? 2 * model->capacity : 1024;
        model->rows = realloc(model->rows, model->capacity * sizeof *model->rows);
    }
    struct row *row = &model->rows[model->row_count];
    memset(row, 0, sizeof *row);
    snprintf(row->key, sizeof row->key, "K%u", key_number);
    for (uint32_t a = 1; a < ATTRIBUTES; a++) row->values[a].is_null = true;
    model->live_row[key_number] = model->row_count;
    return model->row_count++;
}

/* ---- Writing records ---------------------------------------------------------------------- */

static void csv_value(FILE *file, uint32_t attribute, const struct value *value)
{
    if (value->is_null) return; /* an empty unquoted field */
    switch (attribute) {
    case 1: {
        fputc('"', file);
        for (const char *c = value->text; *c; c++) {
            if (*c == '"') fputc('"', file);
            fputc(*c, file);
        }
        fputc('"', file);
        break;
    }
    case 2: case 4: fprintf(file, "%" PRId64, value->number); break;
    case 3: fprintf(file, "%.17g", value->score); break;
    case 5: fprintf(file, "\"%s\"", tiers[value->number]); break;
    case 6: {
        fputc('"', file);
        bool first = true;
        for (uint32_t t = 0; t < TAG_WORDS; t++)
            if (value->number & (1 << t)) {
                fprintf(file, "%s%s", first ? "" : "|", tag_words[t]);
                first = false;
            }
        fputc('"', file);
        break;
    }
    case 7: fputs(value->number ? "yes" : "0", file); break;
    }
}

static void json_value(FILE *file, uint32_t attribute, const struct value *value)
{
    if (value->is_null) {
        fputs("null", file);
        return;
    }
    switch (attribute) {
    case 1: {
        fputc('"', file);
        for (const char *c = value->text; *c; c++) {
            if (*c == '"') fputc('\\', file);
            fputc(*c, file);
        }
        fputc('"', file);
        break;
    }
    case 2: case 4: fprintf(file, "%" PRId64, value->number); break;
    case 3: fprintf(file, "%.17g", value->score); break;
    case 5: fprintf(file, "\"%s\"", tiers[value->number]); break;
    case 6: {
        fputc('[', file);
        bool first = true;
        for (uint32_t t = 0; t < TAG_WORDS; t++)
            if (value->number & (1 << t)) {
                fprintf(file, "%s\"%s\"", first ? "" : ",", tag_words[t]);
                first = false;
            }
        fputc(']', file);
        break;
    }
    case 7: fputs(value->number ? "true" : "false", file); break;
    }
}

struct expected_counts {
    uint64_t inserted, updated, rejected;
};

/* Writes one random upsert file of `records` records and applies it to the model. */
static void write_load(struct model *model, bool is_ndjson, uint32_t records, uint32_t new_percent,
                       struct expected_counts *expected)
{
    memset(expected, 0, sizeof *expected);
    FILE *file = fopen(input_path, "w");
    cr_assert_not_null(file);
    bool header_has[ATTRIBUTES] = {true};
    uint32_t order[ATTRIBUTES];
    for (uint32_t a = 0; a < ATTRIBUTES; a++) order[a] = a;
    for (uint32_t a = ATTRIBUTES - 1; a > 0; a--) { /* columns in a random order */
        uint32_t other = below(a + 1);
        uint32_t held = order[a];
        order[a] = order[other];
        order[other] = held;
    }
    if (!is_ndjson) {
        for (uint32_t a = 1; a < ATTRIBUTES; a++) header_has[a] = below(3) != 0;
        bool first = true;
        for (uint32_t i = 0; i < ATTRIBUTES; i++)
            if (header_has[order[i]]) {
                fprintf(file, "%s%s", first ? "" : ",", names[order[i]]);
                first = false;
            }
        fputc('\n', file);
    }
    for (uint32_t r = 0; r < records; r++) {
        uint32_t key_number;
        if (model->key_count == 0 || below(100) < new_percent) key_number = model->key_count++;
        else key_number = below(model->key_count); /* existing, deleted or in this file */
        struct value values[ATTRIBUTES];
        bool gives[ATTRIBUTES] = {false};
        for (uint32_t a = 1; a < ATTRIBUTES; a++) {
            gives[a] = is_ndjson ? below(2) == 0 : header_has[a];
            random_value(a, &values[a]);
        }
        uint32_t fault = below(60); /* 0: no key, 1: a null key, 2: a bad age */
        if (is_ndjson) {
            fputc('{', file);
            bool first = true;
            for (uint32_t i = 0; i < ATTRIBUTES; i++) {
                uint32_t a = order[i];
                if (a == 0) {
                    if (fault == 0) continue;
                    fprintf(file, "%s\"id\":", first ? "" : ",");
                    if (fault == 1) fputs("null", file);
                    else fprintf(file, "\"K%u\"", key_number);
                } else if (gives[a] || (a == 2 && fault == 2)) {
                    fprintf(file, "%s\"%s\":", first ? "" : ",", names[a]);
                    if (a == 2 && fault == 2) fputs("\"abc\"", file);
                    else json_value(file, a, &values[a]);
                } else {
                    continue;
                }
                first = false;
            }
            fputs("}\n", file);
        } else {
            if (fault == 2 && !header_has[2]) fault = 3;
            if (fault == 0) fault = 1; /* CSV: the key column is always there */
            bool first = true;
            for (uint32_t i = 0; i < ATTRIBUTES; i++) {
                uint32_t a = order[i];
                if (!header_has[a]) continue;
                if (!first) fputc(',', file);
                first = false;
                if (a == 0) {
                    if (fault != 1) fprintf(file, "K%u", key_number);
                } else if (a == 2 && fault == 2) {
                    fputs("abc", file);
                } else {
                    csv_value(file, a, &values[a]);
                }
            }
            fputc('\n', file);
        }
        if (fault <= 2) {
            expected->rejected++; /* the model is unchanged (a fresh key number stays unused) */
            continue;
        }
        int64_t row = model->live_row[key_number];
        if (row < 0) {
            row = model_append(model, key_number);
            expected->inserted++;
        } else {
            expected->updated++;
        }
        for (uint32_t a = 1; a < ATTRIBUTES; a++)
            if (gives[a]) model->rows[row].values[a] = values[a];
    }
    fclose(file);
}

/* ---- Checking ----------------------------------------------------------------------------- */

static void check_profile(struct pdb_db *db, const struct model *model, uint32_t row_id)
{
    const struct row *row = &model->rows[row_id];
    struct pdb_error error = {0};
    struct pdb_profile *profile = NULL;
    enum pdb_status status = pdb_profile_get(db, row_id, &profile, &error);
    if (row->is_deleted) {
        cr_assert_eq(status, PDB_ERR_NOT_FOUND, "row %u is deleted", row_id);
        return;
    }
    cr_assert_eq(status, PDB_OK, "row %u: %s", row_id, error.message);
    struct pdb_value value;
    pdb_profile_value(profile, 0, &value);
    cr_assert(!value.is_null && value.string_size == strlen(row->key) &&
              memcmp(value.string_data, row->key, value.string_size) == 0, "row %u key", row_id);
    for (uint32_t a = 1; a < ATTRIBUTES; a++) {
        const struct value *want = &row->values[a];
        pdb_profile_value(profile, a, &value);
        cr_assert_eq(value.is_null, want->is_null, "row %u (%s) attribute %s: null %d, want %d",
                     row_id, row->key, names[a], value.is_null, want->is_null);
        if (want->is_null) continue;
        switch (a) {
        case 1:
            cr_assert(value.string_size == strlen(want->text) &&
                      memcmp(value.string_data, want->text, value.string_size) == 0,
                      "row %u name '%.*s' want '%s'", row_id, (int)value.string_size,
                      value.string_data, want->text);
            break;
        case 2: case 4:
            cr_assert_eq(value.int_value, want->number, "row %u %s", row_id, names[a]);
            break;
        case 3: cr_assert_eq(value.float_value, want->score, "row %u score", row_id); break;
        case 5: {
            const char *tier = tiers[want->number];
            cr_assert(value.string_size == strlen(tier) && memcmp(value.string_data, tier, value.string_size) == 0,
                      "row %u tier", row_id);
            break;
        }
        case 6: {
            uint32_t mask = 0;
            for (uint32_t t = 0; t < value.tag_count; t++)
                for (uint32_t w = 0; w < TAG_WORDS; w++)
                    if (value.tag_sizes[t] == strlen(tag_words[w]) &&
                        memcmp(value.tag_data[t], tag_words[w], value.tag_sizes[t]) == 0)
                        mask |= 1u << w;
            cr_assert_eq(mask, (uint32_t)want->number, "row %u tags", row_id);
            cr_assert_eq(value.tag_count, (uint32_t)__builtin_popcount((unsigned)want->number));
            break;
        }
        case 7: cr_assert_eq(value.bool_value, want->number != 0, "row %u vip", row_id); break;
        }
    }
    pdb_profile_destroy(profile);
}

static uint64_t engine_count(struct pdb_db *db, const char *segment)
{
    struct pdb_error error = {0};
    uint64_t result = 0;
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

/* Naive counts of a few segments that touch every rewritten kind of column. */
static void check_segments(struct pdb_db *db, const struct model *model)
{
    uint64_t age_over = 0, tier_gold = 0, tags_yoga = 0, name_null = 0, vip = 0, score_range = 0,
             seen_before = 0, live = 0;
    for (uint32_t r = 0; r < model->row_count; r++) {
        const struct row *row = &model->rows[r];
        if (row->is_deleted) continue;
        live++;
        const struct value *v = row->values;
        age_over += !v[2].is_null && v[2].number > 50;
        tier_gold += !v[5].is_null && v[5].number == 0;
        tags_yoga += !v[6].is_null && (v[6].number & 2);
        name_null += v[1].is_null;
        vip += !v[7].is_null && v[7].number;
        score_range += !v[3].is_null && v[3].score >= 1000 && v[3].score <= 5000;
        seen_before += !v[4].is_null && v[4].number < 1700500000;
    }
    cr_assert_eq(engine_count(db, "id IS NOT NULL"), live);
    cr_assert_eq(engine_count(db, "age > 50"), age_over);
    cr_assert_eq(engine_count(db, "tier = 'gold'"), tier_gold);
    cr_assert_eq(engine_count(db, "tags HAS 'yoga'"), tags_yoga);
    cr_assert_eq(engine_count(db, "name IS NULL"), name_null);
    cr_assert_eq(engine_count(db, "vip = true"), vip);
    cr_assert_eq(engine_count(db, "score BETWEEN 1000 AND 5000"), score_range);
    cr_assert_eq(engine_count(db, "seen < 1700500000"), seen_before);
}

static void check_all(struct pdb_db *db, const struct model *model)
{
    cr_assert_eq(pdb_db_row_count(db), model->row_count);
    for (uint32_t r = 0; r < model->row_count; r++) check_profile(db, model, r);
    check_segments(db, model);
    /* Every live key is found at its row (the identifier index is rebuilt after updates). */
    for (uint32_t k = 0; k < model->key_count; k += 1 + below(7)) {
        char key[16];
        snprintf(key, sizeof key, "K%u", k);
        struct pdb_error error = {0};
        uint32_t row_id = 0;
        enum pdb_status status = pdb_profile_find(db, "id", key, &row_id, &error);
        if (model->live_row[k] < 0) {
            cr_assert_eq(status, PDB_ERR_NOT_FOUND, "%s: %s", key, error.message);
        } else {
            cr_assert_eq(status, PDB_OK, "%s: %s", key, error.message);
            cr_assert_eq(row_id, (uint32_t)model->live_row[k], "%s", key);
        }
    }
}

static void ingest_checked(struct pdb_db *db, bool is_ndjson, const struct expected_counts *expected)
{
    struct pdb_ingest_options options = {.format = is_ndjson ? PDB_INPUT_NDJSON : PDB_INPUT_CSV};
    struct pdb_ingest_result result;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_file(db, input_path, &options, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, expected->inserted, "inserted %llu want %llu",
                 (unsigned long long)result.rows_inserted, (unsigned long long)expected->inserted);
    cr_assert_eq(result.rows_updated, expected->updated, "updated %llu want %llu",
                 (unsigned long long)result.rows_updated, (unsigned long long)expected->updated);
    cr_assert_eq(result.rows_rejected, expected->rejected);
    cr_assert_eq(result.rows_loaded, expected->inserted + expected->updated);
}

/* ---- Tests -------------------------------------------------------------------------------- */

Test(upsert, random_loads_match_a_naive_model)
{
    const char *seed_text = getenv("PROFILEDB_TEST_SEED");
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 10) : (uint64_t)time(NULL);
    fprintf(stderr, "upsert test seed %llu (PROFILEDB_TEST_SEED replays)\n", (unsigned long long)seed);
    rng_state = seed * 2654435761u + 1u;
    struct model model = {0};
    model.live_row = malloc(400000 * sizeof *model.live_row);
    for (uint32_t k = 0; k < 400000; k++) model.live_row[k] = -1;
    snprintf(input_path, sizeof input_path, "%s/load.in", directory);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    pdb_db_set_threads(db, 2);
    /* Load sizes: the first crosses a chunk boundary; one later load appends more than a chunk
     * while updating keys it appended itself (the chunks it already wrote get rewritten). */
    static const uint32_t sizes[] = {70000, 3000, 800, 2500, 90000, 1500, 600, 4000, 900, 2000};
    static const uint32_t new_percents[] = {100, 20, 10, 30, 90, 5, 50, 15, 0, 25};
    for (uint32_t load = 0; load < sizeof sizes / sizeof sizes[0]; load++) {
        bool is_ndjson = below(2) == 0;
        struct expected_counts expected;
        write_load(&model, is_ndjson, sizes[load], new_percents[load], &expected);
        ingest_checked(db, is_ndjson, &expected);
        check_all(db, &model);
        if (load == 3) { /* a delete: its keys then make new profiles */
            uint64_t deleted = 0;
            cr_assert_eq(pdb_segment_delete(db, "age < 10", &deleted, &error), PDB_OK, "%s", error.message);
            uint64_t expected_deleted = 0;
            for (uint32_t r = 0; r < model.row_count; r++) {
                struct row *row = &model.rows[r];
                if (!row->is_deleted && !row->values[2].is_null && row->values[2].number < 10) {
                    row->is_deleted = true;
                    expected_deleted++;
                    model.live_row[atoi(row->key + 1)] = -1;
                }
            }
            cr_assert_eq(deleted, expected_deleted);
        }
        if (load % 3 == 2) { /* reopen: the same profiles from the files alone */
            pdb_db_close(db);
            cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
            check_all(db, &model);
        }
    }
    pdb_db_close(db);
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    check_all(db, &model);
    pdb_db_close(db);
    free(model.rows);
    free(model.live_row);
}

static void write_text(const char *path, const char *text)
{
    test_file_write(path, text);
}

Test(upsert, int_keys_and_a_header_without_the_key)
{
    write_text(schema_path, "n int primary\nv text\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    snprintf(input_path, sizeof input_path, "%s/a.csv", directory);
    write_text(input_path, "n,v\n-5,a\n7,b\n-5,c\n");
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_file(db, input_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, 2);
    cr_assert_eq(result.rows_updated, 1);
    write_text(input_path, "v\nx\n");
    cr_assert_eq(pdb_db_ingest_file(db, input_path, NULL, &result, &error), PDB_ERR_DATA);
    cr_assert(strstr(error.message, "a.csv:1:1: the header has no column for the primary "
                     "identifier 'n'") != NULL, "%s", error.message);
    snprintf(input_path, sizeof input_path, "%s/b.ndjson", directory);
    write_text(input_path, "{\"n\":7,\"v\":null}\n{\"n\":8}\n{\"v\":\"z\"}\n");
    cr_assert_eq(pdb_db_ingest_file(db, input_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, 1);
    cr_assert_eq(result.rows_updated, 1);
    cr_assert_eq(result.rows_rejected, 1);
    cr_assert_eq(engine_count(db, "v = 'c'"), 1);
    cr_assert_eq(engine_count(db, "v IS NULL"), 2);
    uint32_t row_id = 0;
    cr_assert_eq(pdb_profile_find(db, "n", "-5", &row_id, &error), PDB_OK);
    cr_assert_eq(row_id, 0);
    cr_assert_eq(pdb_profile_find(db, "n", "8", &row_id, &error), PDB_OK);
    cr_assert_eq(row_id, 2);
    pdb_db_close(db);
}

Test(upsert, a_schema_without_primary_stays_append_only)
{
    write_text(schema_path, "id text identifier\nv int\n");
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    struct pdb_db *db = NULL;
    cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "%s", error.message);
    snprintf(input_path, sizeof input_path, "%s/a.csv", directory);
    write_text(input_path, "id,v\na,1\na,2\n,3\n");
    struct pdb_ingest_result result;
    cr_assert_eq(pdb_db_ingest_file(db, input_path, NULL, &result, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(result.rows_inserted, 3);
    cr_assert_eq(result.rows_updated, 0);
    cr_assert_eq(pdb_db_row_count(db), 3);
    pdb_db_close(db);
}
