/*
 * libFuzzer target for the segment language with event aggregates (engine/query: lexer,
 * parser, binder, folding, explain, predicate_event.c) and the event type declarations of
 * schema files (engine/catalog/event_types.c).
 *
 * The input is split at its first NUL byte: before it, schema text appended to a fixed
 * schema with event types and computed attributes; after it (or the whole input when there
 * is no NUL), a segment. A schema that parses must render to text that parses again to the
 * same event types and computed attributes, and its definitions' check must succeed or fail
 * with a schema position. A segment that compiles must validate, explain, and evaluate on a
 * small table and event store (empty, short and long histories) with count results within
 * the table; every computed attribute's value of every row must compute. Any failure aborts.
 * Built and run by fuzz/build.sh.
 */
// fuzz-sources: engine/base/*.c engine/simd/*.c engine/catalog/*.c engine/events/*.c engine/column/*.c engine/index/*.c engine/query/*.c
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/column.h"
#include "column/table.h"
#include "events/event_store.h"
#include "query/segment.h"

#define FUZZ_CHECK(condition)                                                                 \
    do {                                                                                       \
        if (!(condition)) abort();                                                             \
    } while (0)

#define FUZZ_NOW 1750000000

static const char base_schema[] = "age int\n"
                                  "event purchase retention 30d\n"
                                  "  amount float\n"
                                  "  category category\n"
                                  "  qty int\n"
                                  "event view\n"
                                  "  url text\n"
                                  "  ok bool\n"
                                  "n30 = count(purchase, 7d)\n"
                                  "spend = sum(purchase.amount, category IN ('shoes', NULL))\n"
                                  "seen = exists(view, 1d, url ISTARTS WITH 'S' OR NOT ok)\n"
                                  "kinds = distinct(purchase.category, 20d)\n"
                                  "latest = last(view, BETWEEN now() - 2d AND now())\n";

static struct schema schema;
static struct table table;
static struct event_store *store;

static void setup(void)
{
    struct pdb_error error;
    FUZZ_CHECK(schema_parse(base_schema, sizeof base_schema - 1, "fuzz", &schema, &error) == PDB_OK);
    FUZZ_CHECK(segment_computed_check(&schema, "fuzz", &error) == PDB_OK);
    struct column *column = column_create(&schema.attributes[0]);
    FUZZ_CHECK(column != NULL);
    for (int64_t r = 0; r < 5; r++) {
        FUZZ_CHECK((r == 3 ? column_append_null(column, &error)
                           : column_append_int(column, 20 + r, &error)) == PDB_OK);
    }
    FUZZ_CHECK(column_seal(column, &error) == PDB_OK);
    FUZZ_CHECK(table_init(&table, &schema) == 0);
    FUZZ_CHECK(table_adopt_columns(&table, &column, &error) == PDB_OK);
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    FUZZ_CHECK(builder != NULL);
    static const char *const names[] = {"shoes", "", "bags"};
    for (uint32_t i = 0; i < 60; i++) {
        uint32_t row = i < 40 ? 1 : i % 3 == 0 ? 2 : 4;
        struct event_value purchase[3] = {{.number = (double)i / 4, .is_null = i % 7 == 0},
                                          {.string = names[i % 3], .string_size = (uint32_t)strlen(names[i % 3]), .is_null = i % 5 == 0},
                                          {.integer = i % 4}};
        FUZZ_CHECK(event_store_builder_append(builder, 0, row, FUZZ_NOW - (int64_t)(i % 9) * 86400 * 5, purchase, &error) == PDB_OK);
        struct event_value view[2] = {{.string = names[i % 3], .string_size = (uint32_t)strlen(names[i % 3])},
                                      {.integer = i % 2, .is_null = i % 3 == 0}};
        FUZZ_CHECK(event_store_builder_append(builder, 1, row, FUZZ_NOW - (int64_t)i * 3600, view, &error) == PDB_OK);
    }
    FUZZ_CHECK(event_store_builder_finish(builder, &store, &error) == PDB_OK);
}

static void check_schema(const char *text, size_t size)
{
    struct schema parsed = {0};
    struct pdb_error error;
    if (schema_parse(text, size, "fuzz", &parsed, &error) != PDB_OK) return;
    struct buffer rendered;
    buffer_init(&rendered);
    FUZZ_CHECK(schema_render(&parsed, &rendered) == 0);
    struct schema again = {0};
    FUZZ_CHECK(schema_parse((const char *)rendered.data, rendered.size, "fuzz", &again, &error) == PDB_OK);
    FUZZ_CHECK(again.events.type_count == parsed.events.type_count);
    for (uint32_t t = 0; t < parsed.events.type_count; t++) {
        FUZZ_CHECK(strcmp(again.events.types[t].name, parsed.events.types[t].name) == 0);
        FUZZ_CHECK(again.events.types[t].retention_s == parsed.events.types[t].retention_s);
        FUZZ_CHECK(again.events.types[t].property_count == parsed.events.types[t].property_count);
    }
    FUZZ_CHECK(again.computed.count == parsed.computed.count);
    for (uint32_t c = 0; c < parsed.computed.count; c++) {
        FUZZ_CHECK(strcmp(again.computed.attributes[c].name, parsed.computed.attributes[c].name) == 0);
        FUZZ_CHECK(strcmp(again.computed.attributes[c].definition,
                          parsed.computed.attributes[c].definition) == 0);
    }
    enum pdb_status checked = segment_computed_check(&parsed, "fuzz", &error);
    FUZZ_CHECK(checked == PDB_OK || strncmp(error.message, "fuzz:", 5) == 0 ||
               checked == PDB_ERR_NO_MEMORY);
    buffer_deinit(&rendered);
    schema_deinit(&again);
    schema_deinit(&parsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (store == NULL) setup();
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    const char *segment_text = text;
    size_t segment_size = size;
    if (nul != NULL) {
        size_t schema_size = (size_t)(nul - text);
        char *combined = malloc(sizeof base_schema + schema_size);
        memcpy(combined, base_schema, sizeof base_schema - 1);
        memcpy(combined + sizeof base_schema - 1, text, schema_size);
        check_schema(combined, sizeof base_schema - 1 + schema_size);
        free(combined);
        segment_text = nul + 1;
        segment_size = size - schema_size - 1;
    }
    struct segment *segment = NULL;
    struct pdb_error error;
    if (segment_compile(segment_text, segment_size, &schema, FUZZ_NOW, &segment, &error) != PDB_OK)
        return 0;
    FUZZ_CHECK(segment_validate(segment) == 0);
    struct buffer out;
    buffer_init(&out);
    FUZZ_CHECK(segment_explain(segment, &out) == PDB_OK);
    buffer_deinit(&out);
    segment_set_events(segment, store);
    uint64_t count = 0;
    FUZZ_CHECK(segment_count(segment, &table, &count, &error) == PDB_OK);
    FUZZ_CHECK(count <= 5);
    segment_destroy(segment);
    for (uint32_t c = 0; c < schema.computed.count; c++) {
        for (uint32_t row = 0; row < 5; row++) {
            struct pdb_value value;
            FUZZ_CHECK(segment_computed_value(&schema, c, store, FUZZ_NOW, row, &value, &error) == PDB_OK);
            FUZZ_CHECK(value.type == schema.computed.attributes[c].type);
        }
    }
    return 0;
}
