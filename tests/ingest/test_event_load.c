/*
 * Tests for ingest/event_load.c and event_load_ndjson.c: the same random events written as
 * CSV and as NDJSON load into identical event stores (every row, timestamp and property,
 * NULLs included) with the same rejects (count and reason, in order); keys the finder does
 * not know are created once each, only for accepted records; NDJSON-only rejects (unknown,
 * repeated and nested members, wrong JSON kinds, a missing key or time) carry their column.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "ingest/event_load.h"

static const char *const schema_text = "id text primary\n"
                                       "event purchase\n"
                                       "    amount float\n"
                                       "    qty int\n"
                                       "    channel category\n"
                                       "    gift bool\n";

/* The finder: k<N> (N < 50) is row N; n<N> is a new key; "bad" is refused. */
struct finder {
    char pending[32];
    char created[64][32];
    uint32_t created_count;
};

static uint32_t find(void *context, const char *key, size_t size, const char **reason_out)
{
    struct finder *finder = context;
    if (size == 3 && memcmp(key, "bad", 3) == 0) {
        *reason_out = "refused by the finder";
        return UINT32_MAX;
    }
    cr_assert_lt(size, sizeof finder->pending);
    if (key[0] == 'k') return (uint32_t)strtoul(key + 1, NULL, 10);
    memcpy(finder->pending, key, size);
    finder->pending[size] = '\0';
    return EVENT_LOAD_NEW_PROFILE;
}

static enum pdb_status create(void *context, uint32_t *row_out, struct pdb_error *error)
{
    (void)error;
    struct finder *finder = context;
    for (uint32_t i = 0; i < finder->created_count; i++) {
        if (strcmp(finder->created[i], finder->pending) == 0) {
            *row_out = 1000 + i;
            return PDB_OK;
        }
    }
    cr_assert_lt(finder->created_count, 64);
    memcpy(finder->created[finder->created_count], finder->pending, sizeof finder->pending);
    *row_out = 1000 + finder->created_count++;
    return PDB_OK;
}

struct loaded {
    struct event_store *store;
    struct loader_reject_list rejects;
    struct event_load_counts counts;
    struct finder finder;
};

static void load_text(const struct schema *schema, const char *text, bool is_ndjson,
                      struct loaded *loaded)
{
    memset(loaded, 0, sizeof *loaded);
    buffer_init(&loaded->rejects.text);
    struct pdb_error error = {0};
    struct csv_reader *reader;
    cr_assert_eq(csv_reader_open_memory(text, strlen(text), is_ndjson ? "e.ndjson" : "e.csv", &reader,
                                        &error), PDB_OK);
    if (is_ndjson) csv_reader_set_lines_mode(reader);
    struct event_store_builder *builder = event_store_builder_create(&schema->events);
    cr_assert_not_null(builder);
    struct event_load load = {
        .type = &schema->events.types[0],
        .type_index = 0,
        .key_name = "id",
        .key_type = PDB_TYPE_TEXT,
        .find = find,
        .create = create,
        .find_context = &loaded->finder,
    };
    enum pdb_status status = is_ndjson
                                 ? event_load_ndjson(reader, &load, builder, &loaded->rejects, &loaded->counts, &error)
                                 : event_load_csv(reader, &load, builder, &loaded->rejects, &loaded->counts, &error);
    cr_assert_eq(status, PDB_OK, "%s", error.message);
    cr_assert_eq(event_store_builder_finish(builder, &loaded->store, &error), PDB_OK);
    cr_assert_eq(event_store_validate(loaded->store), 0);
    csv_reader_close(reader);
}

static void loaded_deinit(struct loaded *loaded)
{
    event_store_destroy(loaded->store);
    loader_reject_list_deinit(&loaded->rejects);
}

/* "attribute:reason|" per reject line (its 4th and 5th fields; these reasons hold no comma). */
static void reasons_of(const struct loader_reject_list *rejects, char *out, size_t out_size)
{
    out[0] = '\0';
    const char *text = (const char *)rejects->text.data;
    const char *end = text + rejects->text.size;
    while (text < end) {
        const char *line_end = memchr(text, '\n', (size_t)(end - text));
        if (line_end == NULL) line_end = end;
        const char *field = text;
        for (int commas = 0; commas < 3 && field < line_end; field++) commas += *field == ',';
        const char *stop = field;
        for (int commas = 0; stop < line_end; stop++) {
            if (*stop == ',' && ++commas == 2) break;
        }
        size_t used = strlen(out);
        snprintf(out + used, out_size - used, "%.*s|", (int)(stop - field), field);
        text = line_end + 1;
    }
}

static uint64_t rng_state = 42;
static uint32_t below(uint32_t n)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) % n);
}

static void encode(const struct event_store *store, struct buffer *out)
{
    const struct event_type_store *type = &store->types[0];
    int64_t first = INT64_MAX, last = INT64_MIN; /* the span of every event: one partition */
    for (uint32_t c = 0; c < type->chunk_count; c++) {
        if (type->chunks[c].event_count == 0) continue;
        if (type->chunks[c].time_min < first) first = type->chunks[c].time_min;
        if (type->chunks[c].time_max > last) last = type->chunks[c].time_max;
    }
    buffer_init(out);
    cr_assert_eq(event_file_encode(type, first, last, out), 0);
}

Test(event_load, csv_and_ndjson_of_the_same_events_load_identical_stores)
{
    struct schema schema;
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "t.schema", &schema, &error), PDB_OK,
                 "%s", error.message);
    static const char *const channels_json[] = {"web", "app", "st\\\"ore"}; /* a quote */
    static const char *const channels_csv[] = {"web", "app", "\"st\"\"ore\""};
    static char reasons_csv[1 << 16], reasons_ndjson[1 << 16];
    for (int round = 0; round < 20; round++) {
        struct buffer csv, ndjson;
        buffer_init(&csv);
        buffer_init(&ndjson);
        buffer_printf(&csv, "gift,channel,id,qty,at,amount\n");
        uint32_t expected_rejects = 0;
        for (uint32_t i = 0; i < 400; i++) {
            char key[16];
            uint32_t kind = below(10);
            if (kind == 0) snprintf(key, sizeof key, "n%u", below(8));
            else if (kind == 1) snprintf(key, sizeof key, "bad");
            else snprintf(key, sizeof key, "k%u", below(50));
            bool bad_time = below(20) == 0, bad_qty = below(20) == 0;
            int64_t at = 1700000000 + (int64_t)below(1000) * 3600;
            int channel = (int)below(4) - 1; /* -1: NULL */
            int gift = (int)below(3) - 1;
            bool has_amount = below(4) != 0;
            double amount = (double)below(1000) / 8.0;
            uint32_t qty = below(5); /* 0: NULL */
            expected_rejects += kind == 1 || bad_time || bad_qty;
            char qty_text[16] = "", at_text[32] = "later", amount_text[32] = "";
            if (bad_qty) snprintf(qty_text, sizeof qty_text, "x1");
            else if (qty > 0) snprintf(qty_text, sizeof qty_text, "%u", qty);
            if (!bad_time) snprintf(at_text, sizeof at_text, "%" PRId64, at);
            if (has_amount) snprintf(amount_text, sizeof amount_text, "%.3f", amount);
            buffer_printf(&csv, "%s,%s,%s,%s,%s,%s\n", gift < 0 ? "" : gift ? "true" : "false",
                          channel < 0 ? "" : channels_csv[channel], key, qty_text, at_text, amount_text);
            buffer_printf(&ndjson, "{\"id\": \"%s\"", key);
            buffer_printf(&ndjson, bad_time ? ", \"at\": \"%s\"" : ", \"at\": %s", at_text);
            if (has_amount) buffer_printf(&ndjson, ", \"amount\": %s", amount_text);
            else if (i % 2) buffer_printf(&ndjson, ", \"amount\": null");
            if (bad_qty) buffer_printf(&ndjson, ", \"qty\": \"x1\"");
            else if (qty > 0) buffer_printf(&ndjson, ", \"qty\": %u", qty);
            if (channel >= 0) buffer_printf(&ndjson, ", \"channel\": \"%s\"", channels_json[channel]);
            if (gift >= 0) buffer_printf(&ndjson, ", \"gift\": %s", gift ? "true" : "false");
            buffer_printf(&ndjson, "}\n");
        }
        buffer_append(&csv, "", 1);
        buffer_append(&ndjson, "", 1);
        struct loaded from_csv, from_ndjson;
        load_text(&schema, (const char *)csv.data, false, &from_csv);
        load_text(&schema, (const char *)ndjson.data, true, &from_ndjson);
        cr_assert_eq(from_csv.counts.records_read, 400);
        cr_assert_eq(from_ndjson.counts.records_read, 400);
        cr_assert_eq(from_csv.counts.events_rejected, expected_rejects);
        cr_assert_eq(from_ndjson.counts.events_rejected, expected_rejects);
        cr_assert_eq(from_csv.counts.events_loaded, from_ndjson.counts.events_loaded);
        cr_assert_eq(from_csv.finder.created_count, from_ndjson.finder.created_count);
        for (uint32_t c = 0; c < from_csv.finder.created_count; c++)
            cr_assert_str_eq(from_csv.finder.created[c], from_ndjson.finder.created[c]);
        struct buffer encoded_csv, encoded_ndjson;
        encode(from_csv.store, &encoded_csv);
        encode(from_ndjson.store, &encoded_ndjson);
        cr_assert_eq(encoded_csv.size, encoded_ndjson.size, "round %d", round);
        cr_assert(memcmp(encoded_csv.data, encoded_ndjson.data, encoded_csv.size) == 0, "round %d", round);
        cr_assert_eq(from_csv.store->types[0].event_count, from_csv.counts.events_loaded);
        reasons_of(&from_csv.rejects, reasons_csv, sizeof reasons_csv);
        reasons_of(&from_ndjson.rejects, reasons_ndjson, sizeof reasons_ndjson);
        cr_assert_str_eq(reasons_csv, reasons_ndjson);
        buffer_deinit(&encoded_csv);
        buffer_deinit(&encoded_ndjson);
        loaded_deinit(&from_csv);
        loaded_deinit(&from_ndjson);
        buffer_deinit(&csv);
        buffer_deinit(&ndjson);
    }
    schema_deinit(&schema);
}

Test(event_load, new_keys_are_created_once_and_only_for_accepted_records)
{
    struct schema schema;
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "t.schema", &schema, &error), PDB_OK);
    struct loaded loaded;
    load_text(&schema,
              "{\"id\": \"n1\", \"at\": 1700000000, \"qty\": \"many\"}\n" /* rejected: no profile */
              "{\"id\": \"n2\", \"at\": 1700000000}\n"
              "{\"id\": \" n2 \", \"at\": 1700000001}\n"                  /* trimmed: the same key */
              "{\"id\": \"n1\", \"at\": 1700000002}\n"
              "{\"id\": \"k3\", \"at\": 1700000000, \"amount\": 2.5, \"AMOUNT\": 1}\n"
              "{\"id\": \"k3\", \"at\": 1700000000, \"amount\": {\"x\": 1}}\n"
              "{\"id\": \"k3\", \"at\": 1700000000, \"at\": 1}\n"
              "{\"id\": \"k3\", \"at\": null}\n"
              "{\"id\": null, \"at\": 1700000000}\n"
              "{\"id\": [\"k3\"], \"at\": 1700000000}\n"
              "{\"id\": \"k3\"}\n"
              "{\"id\": \"k4\", \"at\": 1700000000, \"gift\": 1, \"channel\": 5}\n"
              "{\"id\": \"k5\", \"at\": \"2023-11-14\", \"gift\": \"yes\", \"channel\": \"web\", \"qty\": 3}\n",
              true, &loaded);
    cr_assert_eq(loaded.counts.records_read, 13);
    cr_assert_eq(loaded.counts.events_loaded, 4);
    cr_assert_eq(loaded.finder.created_count, 2);
    cr_assert_str_eq(loaded.finder.created[0], "n2");
    cr_assert_str_eq(loaded.finder.created[1], "n1");
    const char *text = (const char *)loaded.rejects.text.data;
    static const char *const expected[] = {
        "e.ndjson,1,39,qty,not an integer,",
        "e.ndjson,5,47,amount,the property appears twice in the object,",
        "e.ndjson,6,42,,objects are not supported as attribute values,",
        "e.ndjson,7,32,at,the time appears twice in the object ('at' or 'timestamp'),",
        "e.ndjson,8,20,at,the time is null,",
        "e.ndjson,9,8,id,the key is null,",
        "e.ndjson,10,8,id,\"expected a string, found an array\",",
        "e.ndjson,11,1,at,the record has no time ('at' or 'timestamp'),",
        "e.ndjson,12,40,gift,\"expected true or false, found a number\",",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_assert(strstr(text, expected[i]) != NULL, "%s not in:\n%.*s", expected[i],
                  (int)loaded.rejects.text.size, text);
    cr_assert_eq(loaded.counts.events_rejected, 9);
    loaded_deinit(&loaded);
    schema_deinit(&schema);
}
