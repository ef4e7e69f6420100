/*
 * Tests for events/event_store.c: events appended in random order come out per chunk in CSR
 * form, sorted by (row, timestamp, append order), with property values and NULLs following
 * their event, string properties as codes of a sorted dictionary; validate() holds, and a
 * failed allocation anywhere leaves nothing behind.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "catalog/schema.h"
#include "events/event_store.h"

static struct schema test_schema(void)
{
    static const char text[] = "id int\n"
                               "event purchase\n  amount float\n  category category\n  qty int\n"
                               "event view\n";
    struct schema schema = {0};
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(text, strlen(text), "t", &schema, &error), PDB_OK, "%s", error.message);
    return schema;
}

struct model_event {
    uint32_t row;
    int64_t timestamp;
    uint32_t order;
    double amount;
    int category; /* -1: NULL */
    int64_t qty;
};

static const char *const categories[] = {"shoes", "bags", "hats", "", "Shoes"};

static int compare_model(const void *a, const void *b)
{
    const struct model_event *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    if (x->timestamp != y->timestamp) return x->timestamp < y->timestamp ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

Test(event_store, lays_out_random_events_sorted_per_row)
{
    struct schema schema = test_schema();
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    cr_assert_not_null(builder);
    enum { COUNT = 20000 };
    struct model_event *model = malloc(COUNT * sizeof *model);
    srand(7);
    for (uint32_t i = 0; i < COUNT; i++) {
        struct model_event *event = &model[i];
        /* rows over three chunks, chunk 1 empty; many ties in time */
        uint32_t row = (uint32_t)rand() % 3000;
        if (i % 3 == 0) row += 2 * PDB_CHUNK_ROWS;
        if (i % 97 == 0) row = PDB_CHUNK_ROWS - 1;
        *event = (struct model_event){row, (int64_t)(rand() % 50) - 10, i, (rand() % 1000) / 8.0,
                                      rand() % 6 - 1, rand() % 5};
        struct event_value values[3] = {
            {.number = event->amount},
            {.is_null = event->category < 0,
             .string = event->category < 0 ? NULL : categories[event->category],
             .string_size = event->category < 0 ? 0 : (uint32_t)strlen(categories[event->category])},
            {.integer = event->qty, .is_null = event->qty == 4}};
        struct pdb_error error = {0};
        cr_assert_eq(event_store_builder_append(builder, 0, row, event->timestamp, values, &error),
                     PDB_OK, "%s", error.message);
    }
    struct event_store *store = NULL;
    struct pdb_error error = {0};
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
    cr_assert_eq(event_store_validate(store), 0);
    qsort(model, COUNT, sizeof *model, compare_model);

    const struct event_type_store *purchase = &store->types[0];
    cr_assert_eq(purchase->event_count, COUNT);
    cr_assert_eq(purchase->chunk_count, 3u);
    cr_assert_null(event_store_chunk(store, 0, 1));
    cr_assert_null(event_store_chunk(store, 1, 0)); /* no views */
    const struct event_dictionary *dictionary = &purchase->dictionaries[1];
    cr_assert_eq(dictionary->count, 5u);
    cr_assert_eq(dictionary->values[0].size, 0u); /* '' < 'Shoes' < 'bags' < 'hats' < 'shoes' */
    cr_assert(memcmp(dictionary->values[1].data, "Shoes", 5) == 0);
    cr_assert(memcmp(dictionary->values[4].data, "shoes", 5) == 0);

    uint32_t m = 0;
    for (uint32_t c = 0; c < 3; c++) {
        const struct event_chunk *chunk = event_store_chunk(store, 0, c);
        if (chunk == NULL) continue;
        for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
            for (uint32_t i = chunk->offsets[r]; i < chunk->offsets[r + 1]; i++, m++) {
                const struct model_event *expected = &model[m];
                cr_assert_eq(expected->row, c * PDB_CHUNK_ROWS + r);
                cr_assert_eq(chunk->timestamps[i], expected->timestamp);
                cr_assert_eq(chunk->columns[0].numbers[i], expected->amount);
                bool category_null = chunk->columns[1].nulls != NULL &&
                                     (chunk->columns[1].nulls[i / 64] >> (i % 64) & 1u);
                cr_assert_eq(category_null, expected->category < 0);
                if (!category_null) {
                    const struct event_string *value =
                        &dictionary->values[chunk->columns[1].integers[i]];
                    cr_assert_eq(value->size, strlen(categories[expected->category]));
                    cr_assert(value->size == 0 ||
                              memcmp(value->data, categories[expected->category], value->size) == 0);
                }
                bool qty_null = chunk->columns[2].nulls[i / 64] >> (i % 64) & 1u;
                cr_assert_eq(qty_null, expected->qty == 4);
                if (!qty_null) cr_assert_eq(chunk->columns[2].integers[i], expected->qty);
            }
        }
    }
    cr_assert_eq(m, COUNT);
    free(model);
    event_store_destroy(store);
    schema_deinit(&schema);
}

Test(event_store, rejects_bad_input)
{
    struct schema schema = test_schema();
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    struct event_value values[3] = {{.number = 1.0 / 0.0}, {.is_null = true}, {.is_null = true}};
    struct pdb_error error = {0};
    cr_assert_eq(event_store_builder_append(builder, 2, 0, 0, values, &error), PDB_ERR_USAGE);
    cr_assert_eq(event_store_builder_append(builder, 0, 0, 0, values, &error), PDB_ERR_USAGE);
    cr_assert_eq(event_store_builder_append(builder, 1, 5, 0, NULL, &error), PDB_OK);
    struct event_store *store = NULL;
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
    cr_assert_eq(store->types[0].event_count, 0u);
    cr_assert_eq(store->types[1].event_count, 1u);
    cr_assert_eq(event_store_validate(store), 0);
    event_store_destroy(store);
    schema_deinit(&schema);
}

Test(event_store, every_failed_allocation_is_clean)
{
    struct schema schema = test_schema();
    for (uint64_t fail_at = 0;; fail_at++) {
        mem_fail_after(fail_at);
        struct event_store_builder *builder = event_store_builder_create(&schema.events);
        enum pdb_status status = builder ? PDB_OK : PDB_ERR_NO_MEMORY;
        struct pdb_error error = {0};
        for (uint32_t i = 0; i < 40 && status == PDB_OK; i++) {
            struct event_value values[3] = {{.number = i}, {.string = "ab", .string_size = 2},
                                            {.integer = i}};
            status = event_store_builder_append(builder, 0, i * 4000, i % 7, values, &error);
        }
        struct event_store *store = NULL;
        if (status == PDB_OK) {
            status = event_store_builder_finish(builder, &store, &error);
        } else {
            event_store_builder_destroy(builder);
        }
        mem_fail_after(UINT64_MAX);
        if (status == PDB_OK) {
            cr_assert_eq(event_store_validate(store), 0);
            event_store_destroy(store);
            break;
        }
        cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    }
    schema_deinit(&schema);
}
