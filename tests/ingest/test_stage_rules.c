/*
 * Tests for ingest/stage_rules.c (the loader's rules hook) through loader_load_csv: schema
 * rules change stored values, a record that breaks one goes to the reject file with its
 * position and the rule, per-rule reject and change counts are exact (changes counted for
 * loaded records only), every good record around bad ones is loaded, NDJSON gets the same
 * rules (a required member left out included), a CSV header without a required column is an
 * error, normalised values longer than their field stage safely, and everything is identical
 * for every thread count.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "column/encoding.h"
#include "ingest/csv_reader.h"
#include "ingest/loader.h"
#include "support/test_files.h"

/* ---- Harness ------------------------------------------------------------------------------ */

#define RULES_SCHEMA                                                                               \
    "id int required\n"                                                                            \
    "email text identifier trim lower email\n"                                                     \
    "phone text phone(+1)\n"                                                                       \
    "country category trim upper map(UK=GB,\"GREAT BRITAIN\"=GB) allowed(US,GB,DE)\n"              \
    "age int range(0,120)\n"                                                                       \
    "score float range(0,1)\n"                                                                     \
    "tags tags required\n"

enum { ID, EMAIL, PHONE, COUNTRY, AGE, SCORE, TAGS };

struct harness {
    struct schema schema;
    struct column **columns;
    char directory[64];
    char rejects_path[PDB_PATH_SIZE_MAX];
    struct loader_options options;
    struct loader_counts counts;
    struct pdb_error error;
    uint64_t digests[8]; /* per chunk ordinal */
};

static uint64_t chunk_digest(struct column *const *columns, uint32_t attributes)
{
    uint64_t digest = 0;
    for (uint32_t a = 0; a < attributes; a++) {
        struct buffer block;
        buffer_init(&block);
        cr_assert_eq(block_encode(&columns[a]->chunks[0], columns[a]->attribute.type, &block, NULL),
                     PDB_OK);
        digest = digest * 31u + checksum_bytes(block.data, block.size);
        buffer_deinit(&block);
    }
    return digest;
}

static enum pdb_status on_chunk_write(void *context, uint32_t ordinal,
                                      struct column *const *columns,
                                      struct loader_chunk_receipt *receipt, struct pdb_error *error)
{
    (void)error;
    struct harness *h = context;
    cr_assert_lt(ordinal, 8u);
    h->digests[ordinal] = chunk_digest(columns, h->schema.attribute_count);
    receipt->size_bytes = ordinal;
    receipt->checksum = 0;
    return PDB_OK;
}

static void harness_init(struct harness *h, const char *schema_text)
{
    memset(h, 0, sizeof *h);
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "test.schema", &h->schema, &error),
                 PDB_OK, "%s", error.message);
    h->columns = calloc(h->schema.attribute_count, sizeof *h->columns);
    for (uint32_t a = 0; a < h->schema.attribute_count; a++) {
        h->columns[a] = column_create(&h->schema.attributes[a]);
        cr_assert_not_null(h->columns[a]);
    }
    test_dir_make(h->directory, sizeof h->directory, "rules");
    snprintf(h->rejects_path, sizeof h->rejects_path, "%s/people.rejects.csv", h->directory);
    h->options.rejects_path = h->rejects_path;
    h->options.chunk_write = on_chunk_write;
    h->options.chunk_context = h;
}

static void harness_deinit(struct harness *h)
{
    for (uint32_t a = 0; a < h->schema.attribute_count; a++)
        column_destroy(h->columns[a]);
    free(h->columns);
    loader_counts_deinit(&h->counts);
    test_dir_remove(h->directory);
    schema_deinit(&h->schema);
}

static enum pdb_status load(struct harness *h, const char *text, size_t size,
                            enum loader_format format)
{
    struct csv_reader *reader = NULL;
    cr_assert_eq(csv_reader_open_memory(
                     text, size, format == LOADER_FORMAT_CSV ? "people.csv" : "people.ndjson",
                     &reader, NULL),
                 PDB_OK);
    if (format == LOADER_FORMAT_NDJSON) csv_reader_set_lines_mode(reader);
    h->options.format = format;
    memset(&h->error, 0, sizeof h->error);
    loader_counts_deinit(&h->counts);
    enum pdb_status status =
        loader_load_csv(reader, &h->schema, h->columns, &h->options, &h->counts, &h->error);
    csv_reader_close(reader);
    for (uint32_t a = 0; a < h->schema.attribute_count; a++)
        cr_assert_eq(column_validate(h->columns[a]), 0, "column %u", a);
    return status;
}

static char *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) return strdup("");
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *bytes = calloc(1, (size_t)size + 1);
    cr_assert_eq(fread(bytes, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    return bytes;
}

static const char *string_at(const struct harness *h, uint32_t attribute, uint32_t row, char *out,
                             size_t out_size)
{
    const struct column *column = h->columns[attribute];
    const struct column_chunk *chunk = &column->chunks[0];
    if (column_chunk_is_null(chunk, row)) return "NULL";
    uint32_t size;
    const char *bytes =
        column->attribute.type == PDB_TYPE_TEXT
            ? column_chunk_text(chunk, row, &size)
            : dictionary_entry(&column->dictionary, column_chunk_code(chunk, row), &size);
    cr_assert_lt(size, out_size);
    memcpy(out, bytes, size);
    out[size] = '\0';
    return out;
}

static uint64_t slot_count(const struct harness *h, const uint64_t *counts, uint32_t attribute,
                           enum rule_kind kind)
{
    cr_assert_not_null(counts);
    cr_assert_eq(h->counts.rule_slot_count, h->schema.attribute_count * RULE_KIND_COUNT);
    return counts[attribute * RULE_KIND_COUNT + kind];
}

#define REJECTED(h, attribute, kind) slot_count((h), (h)->counts.rule_rejected, (attribute), (kind))
#define CHANGED(h, attribute, kind) slot_count((h), (h)->counts.rule_changed, (attribute), (kind))

/* ---- CSV ---------------------------------------------------------------------------------- */

Test(stage_rules, csv_normalises_rejects_with_positions_and_counts_per_rule)
{
    struct harness h;
    harness_init(&h, RULES_SCHEMA);
    static const char csv[] =
        "id,email,phone,country,age,score,tags\n"
        "1, Ann@Example.COM ,(555) 123-4567,uk,30,0.5,a\n" /* loaded: 4 changes */
        "2,bad@,555 123 4567,US,30,0.5,a\n"                /* email */
        "3,c@d.org,12,US,30,0.5,a\n"                       /* phone */
        "4,c@d.org,+44 20 7946 0958,fr,30,0.5,a\n"         /* allowed (after upper) */
        "5,c@d.org,,great britain,121,0.5,a\n"             /* range(age) */
        "6,c@d.org,,US,30,1.5,a\n"                         /* range(score) */
        ",c@d.org,,US,30,0.5,a\n"                          /* required(id) */
        "8,c@d.org,,US,30,0.5,\n"                          /* required(tags): NULL */
        "9,c@d.org,,US,30,0.5,|\n"                         /* required(tags): empty set */
        "10,  X@Y.ORG,,\" Great Britain \",,,b\n";         /* loaded */
    cr_assert_eq(load(&h, csv, sizeof csv - 1, LOADER_FORMAT_CSV), PDB_OK, "%s", h.error.message);
    cr_assert_eq(h.counts.rows_read, 10u);
    cr_assert_eq(h.counts.rows_loaded, 2u);
    cr_assert_eq(h.counts.rows_rejected, 8u);
    char *rejects = read_file(h.rejects_path);
    cr_assert_str_eq(
        rejects,
        "file,line,column,attribute,reason,record\n"
        "people.csv,3,3,email,rule email: 'bad@' is not an email address (nothing after "
        "'@'),\"2,bad@,555 123 4567,US,30,0.5,a\"\n"
        "people.csv,4,11,phone,rule phone: '12' is not a phone number (fewer than 8 digits with "
        "the country code),\"3,c@d.org,12,US,30,0.5,a\"\n"
        "people.csv,5,28,country,rule allowed: 'FR' is not one of the allowed "
        "values,\"4,c@d.org,+44 20 7946 0958,fr,30,0.5,a\"\n"
        "people.csv,6,26,age,\"rule range(0,120): 121 is out of range\",\"5,c@d.org,,great "
        "britain,121,0.5,a\"\n"
        "people.csv,7,18,score,\"rule range(0,1): 1.5 is out of "
        "range\",\"6,c@d.org,,US,30,1.5,a\"\n"
        "people.csv,8,1,id,rule required: the value is missing,\",c@d.org,,US,30,0.5,a\"\n"
        "people.csv,9,22,tags,rule required: the value is missing,\"8,c@d.org,,US,30,0.5,\"\n"
        "people.csv,10,22,tags,rule required: the value is missing,\"9,c@d.org,,US,30,0.5,|\"\n");
    free(rejects);
    char value[64];
    cr_assert_str_eq(string_at(&h, EMAIL, 0, value, sizeof value), "ann@example.com");
    cr_assert_str_eq(string_at(&h, PHONE, 0, value, sizeof value), "+15551234567");
    cr_assert_str_eq(string_at(&h, COUNTRY, 0, value, sizeof value), "GB");
    cr_assert_str_eq(string_at(&h, EMAIL, 1, value, sizeof value), "x@y.org");
    cr_assert_str_eq(string_at(&h, PHONE, 1, value, sizeof value), "NULL");
    cr_assert_str_eq(string_at(&h, COUNTRY, 1, value, sizeof value), "GB");
    /* per-rule rejects */
    cr_assert_eq(REJECTED(&h, EMAIL, RULE_EMAIL), 1u);
    cr_assert_eq(REJECTED(&h, PHONE, RULE_PHONE), 1u);
    cr_assert_eq(REJECTED(&h, COUNTRY, RULE_ALLOWED), 1u);
    cr_assert_eq(REJECTED(&h, AGE, RULE_RANGE), 1u);
    cr_assert_eq(REJECTED(&h, SCORE, RULE_RANGE), 1u);
    cr_assert_eq(REJECTED(&h, ID, RULE_REQUIRED), 1u);
    cr_assert_eq(REJECTED(&h, TAGS, RULE_REQUIRED), 2u);
    uint64_t total = 0;
    for (uint32_t s = 0; s < h.counts.rule_slot_count; s++)
        total += h.counts.rule_rejected[s];
    cr_assert_eq(total, 8u);
    /* changes: of the two loaded rows only (rejected rows 2..9 changed values too) */
    cr_assert_eq(CHANGED(&h, EMAIL, RULE_TRIM), 2u);
    cr_assert_eq(CHANGED(&h, EMAIL, RULE_LOWER), 2u);
    cr_assert_eq(CHANGED(&h, PHONE, RULE_PHONE), 1u);
    cr_assert_eq(CHANGED(&h, COUNTRY, RULE_TRIM), 1u);
    cr_assert_eq(CHANGED(&h, COUNTRY, RULE_UPPER), 2u);
    cr_assert_eq(CHANGED(&h, COUNTRY, RULE_MAP), 2u);
    harness_deinit(&h);
}

Test(stage_rules, a_header_without_a_required_column_is_an_error)
{
    struct harness h;
    harness_init(&h, RULES_SCHEMA);
    static const char csv[] = "id,email\n1,a@b.co\n";
    cr_assert_eq(load(&h, csv, sizeof csv - 1, LOADER_FORMAT_CSV), PDB_ERR_DATA);
    cr_assert_str_eq(h.error.message,
                     "people.csv:1:1: the header has no column 'tags', which the schema "
                     "declares required");
    cr_assert_eq(h.counts.rows_loaded, 0u);
    harness_deinit(&h);
}

Test(stage_rules, schema_without_rules_has_no_rule_counts)
{
    struct harness h;
    harness_init(&h, "id int\nname text\n");
    static const char csv[] = "id,name\n1, a \n";
    cr_assert_eq(load(&h, csv, sizeof csv - 1, LOADER_FORMAT_CSV), PDB_OK);
    cr_assert_eq(h.counts.rule_slot_count, 0u);
    cr_assert_null(h.counts.rule_rejected);
    char value[16];
    cr_assert_str_eq(string_at(&h, 1, 0, value, sizeof value), " a "); /* text is kept exactly */
    harness_deinit(&h);
}

/* A map target far longer than its field, in every field of many rows: the staged buffer
 * grows past the per-record reservation (ASan checks the bytes). */
Test(stage_rules, normalised_values_longer_than_their_fields_stage_safely)
{
    struct buffer schema, csv;
    buffer_init(&schema);
    buffer_init(&csv);
    char target[3001];
    memset(target, 'L', 3000);
    target[3000] = '\0';
    for (int a = 0; a < 8; a++)
        buffer_printf(&schema, "c%d text map(x=%s)\n", a, target);
    buffer_append(&schema, "", 1);
    struct harness h;
    harness_init(&h, (const char *)schema.data);
    buffer_printf(&csv, "c0,c1,c2,c3,c4,c5,c6,c7\n");
    for (int row = 0; row < 20000; row++)
        buffer_printf(&csv, "x,x,x,x,x,x,x,%s\n", row % 2 ? "x" : "y");
    struct thread_pool *pool = thread_pool_create(2);
    h.options.pool = pool;
    cr_assert_eq(load(&h, (const char *)csv.data, csv.size, LOADER_FORMAT_CSV), PDB_OK, "%s",
                 h.error.message);
    cr_assert_eq(h.counts.rows_loaded, 20000u);
    cr_assert_eq(CHANGED(&h, 0, RULE_MAP), 20000u);
    cr_assert_eq(CHANGED(&h, 7, RULE_MAP), 10000u);
    char *value = malloc(4000);
    cr_assert_str_eq(string_at(&h, 7, 1, value, 4000), target);
    cr_assert_str_eq(string_at(&h, 7, 0, value, 4000), "y");
    free(value);
    thread_pool_destroy(pool);
    harness_deinit(&h);
    buffer_deinit(&schema);
    buffer_deinit(&csv);
}

/* ---- NDJSON ------------------------------------------------------------------------------- */

Test(stage_rules, ndjson_gets_the_same_rules_and_a_missing_required_member_rejects)
{
    struct harness h;
    harness_init(&h, RULES_SCHEMA);
    const char *text =
        "{\"id\": 1, \"email\": \" A@B.CO\", \"country\": \"uk\", \"tags\": [\"a\"]}\n"
        "{\"id\": 2, \"email\": \"nope\", \"tags\": \"a\"}\n"
        "{\"id\": 3, \"age\": 200, \"tags\": \"a\"}\n"
        "{\"id\": 4, \"age\": \"200\", \"tags\": \"a\"}\n"
        "{\"id\": 5}\n"
        "{\"id\": null, \"tags\": \"a\"}\n"
        "{\"id\": 7, \"tags\": []}\n"
        "{\"id\": 8, \"phone\": \"+1 (555) 123-4567\", \"tags\": [\"b\"]}\n";
    cr_assert_eq(load(&h, text, strlen(text), LOADER_FORMAT_NDJSON), PDB_OK, "%s", h.error.message);
    cr_assert_eq(h.counts.rows_loaded, 2u);
    cr_assert_eq(h.counts.rows_rejected, 6u);
    char *rejects = read_file(h.rejects_path);
    cr_assert_str_eq(
        rejects, "file,line,column,attribute,reason,record\n"
                 "people.ndjson,2,20,email,rule email: 'nope' is not an email address (no "
                 "'@'),\"{\"\"id\"\": 2, \"\"email\"\": \"\"nope\"\", \"\"tags\"\": \"\"a\"\"}\"\n"
                 "people.ndjson,3,18,age,\"rule range(0,120): 200 is out of range\",\"{\"\"id\"\": "
                 "3, \"\"age\"\": 200, \"\"tags\"\": \"\"a\"\"}\"\n"
                 "people.ndjson,4,18,age,\"rule range(0,120): 200 is out of range\",\"{\"\"id\"\": "
                 "4, \"\"age\"\": \"\"200\"\", \"\"tags\"\": \"\"a\"\"}\"\n"
                 "people.ndjson,5,9,tags,rule required: the value is missing,\"{\"\"id\"\": 5}\"\n"
                 "people.ndjson,6,8,id,rule required: the value is missing,\"{\"\"id\"\": null, "
                 "\"\"tags\"\": \"\"a\"\"}\"\n"
                 "people.ndjson,7,19,tags,rule required: the value is missing,\"{\"\"id\"\": 7, "
                 "\"\"tags\"\": []}\"\n");
    free(rejects);
    char value[64];
    cr_assert_str_eq(string_at(&h, EMAIL, 0, value, sizeof value), "a@b.co");
    cr_assert_str_eq(string_at(&h, COUNTRY, 0, value, sizeof value), "GB");
    cr_assert_str_eq(string_at(&h, PHONE, 1, value, sizeof value), "+15551234567");
    cr_assert_eq(REJECTED(&h, TAGS, RULE_REQUIRED), 2u);
    cr_assert_eq(REJECTED(&h, AGE, RULE_RANGE), 2u);
    harness_deinit(&h);
}

/* ---- Threads ------------------------------------------------------------------------------ */

/* Rows that break each rule every so often among rows the normalisers change. */
static void make_dirty_rows(struct buffer *csv, uint32_t rows)
{
    buffer_init(csv);
    buffer_printf(csv, "id,email,phone,country,age,score,tags\n");
    for (uint32_t i = 0; i < rows; i++) {
        const char *email = (const char *[]){"a@b.co", " A@B.CO ", "x.y@z.org", "bad@",
                                             "Q@W.io"}[i % 5 == 3 && i % 3 ? 0 : i % 5];
        const char *phone =
            (const char *[]){"", "(555) 123-4567", "+44 20 7946 0958", "12", "020"}[i % 7 % 5];
        const char *country =
            (const char *[]){"US", "uk", " gb", "de", "FR", "Great Britain"}[i % 11 % 6];
        buffer_printf(csv, "%s,%s,%s,%s,%u,%s,%s\n", i % 389 ? "1" : "", email, phone, country,
                      i % 131, i % 17 ? "0.5" : "2", i % 97 ? "t" : "");
    }
}

struct outcome {
    uint64_t rows_loaded, rows_rejected;
    uint64_t *rule_rejected, *rule_changed;
    uint32_t slots;
    uint64_t digests[8], tail;
    char *rejects;
};

static void load_dirty_on_pool(const struct buffer *csv, uint32_t threads, struct outcome *outcome)
{
    struct harness h;
    harness_init(&h, RULES_SCHEMA);
    struct thread_pool *pool = threads ? thread_pool_create(threads) : NULL;
    h.options.pool = pool;
    cr_assert_eq(load(&h, (const char *)csv->data, csv->size, LOADER_FORMAT_CSV), PDB_OK, "%s",
                 h.error.message);
    outcome->rows_loaded = h.counts.rows_loaded;
    outcome->rows_rejected = h.counts.rows_rejected;
    outcome->slots = h.counts.rule_slot_count;
    outcome->rule_rejected = malloc(outcome->slots * sizeof(uint64_t));
    outcome->rule_changed = malloc(outcome->slots * sizeof(uint64_t));
    memcpy(outcome->rule_rejected, h.counts.rule_rejected, outcome->slots * sizeof(uint64_t));
    memcpy(outcome->rule_changed, h.counts.rule_changed, outcome->slots * sizeof(uint64_t));
    memcpy(outcome->digests, h.digests, sizeof h.digests);
    outcome->tail = chunk_digest(h.columns, h.schema.attribute_count);
    outcome->rejects = read_file(h.rejects_path);
    thread_pool_destroy(pool);
    harness_deinit(&h);
}

static void outcome_free(struct outcome *outcome)
{
    free(outcome->rule_rejected);
    free(outcome->rule_changed);
    free(outcome->rejects);
}

Test(stage_rules, results_and_rule_counts_are_identical_for_every_pool_size)
{
    struct buffer csv;
    make_dirty_rows(&csv, 4 * PDB_CHUNK_ROWS + 54321);
    struct outcome reference = {0};
    load_dirty_on_pool(&csv, 0, &reference);
    cr_assert_gt(reference.rows_rejected, 1000u);
    cr_assert_gt(reference.rows_loaded, 2u * PDB_CHUNK_ROWS);
    uint64_t rejected = 0, changed = 0;
    for (uint32_t s = 0; s < reference.slots; s++)
        rejected += reference.rule_rejected[s], changed += reference.rule_changed[s];
    cr_assert_eq(rejected, reference.rows_rejected, "every reject here is a rule's");
    cr_assert_gt(changed, 10000u);
    for (uint32_t threads = 1; threads <= 3; threads++) {
        struct outcome outcome = {0};
        load_dirty_on_pool(&csv, threads, &outcome);
        cr_assert_eq(outcome.rows_loaded, reference.rows_loaded, "%u threads", threads);
        cr_assert_eq(outcome.rows_rejected, reference.rows_rejected, "%u threads", threads);
        cr_assert_eq(memcmp(outcome.rule_rejected, reference.rule_rejected,
                            reference.slots * sizeof(uint64_t)),
                     0);
        cr_assert_eq(memcmp(outcome.rule_changed, reference.rule_changed,
                            reference.slots * sizeof(uint64_t)),
                     0);
        cr_assert_eq(memcmp(outcome.digests, reference.digests, sizeof reference.digests), 0,
                     "%u threads", threads);
        cr_assert_eq(outcome.tail, reference.tail, "%u threads", threads);
        cr_assert_str_eq(outcome.rejects, reference.rejects, "%u threads: reject files differ",
                         threads);
        outcome_free(&outcome);
    }
    outcome_free(&reference);
    buffer_deinit(&csv);
}
