/*
 * Tests for events/event_partition.c: month keys and spans against the civil calendar (and
 * at the int64 extremes), counts per partition against a naive count, slices against a
 * naive filter, and concatenating the slices of every partition gives back the type.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/limits.h"
#include "base/timestamp.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "events/event_partition.h"
#include "events/event_store.h"

static const char *const schema_text = "id int\n"
                                       "event purchase\n  amount float\n  category category\n"
                                       "  note text\n";
static struct schema schema;
static struct event_store *store;

static void setup(void)
{
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "t", &schema, &error), PDB_OK);
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    static const char *const names[] = {"shoes", "bags", "hats", "socks", "", "x"};
    uint64_t state = 42;
    for (uint32_t i = 0; i < 20000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t row = (uint32_t)(state >> 33) % (PDB_CHUNK_ROWS * 2 + 100);
        int64_t at = 1600000000 + (int64_t)((state >> 7) % (3ull * 365 * 86400));
        /* category values that depend on time, so partitions hold different dictionaries */
        const char *name = names[(at / (40 * 86400)) % 6];
        struct event_value values[3] = {{.number = (double)(i % 500) / 4, .is_null = i % 17 == 0},
                                        {.string = name, .string_size = (uint32_t)strlen(name)},
                                        {.string = names[i % 6], .string_size = (uint32_t)strlen(names[i % 6]),
                                         .is_null = i % 5 == 0}};
        cr_assert_eq(event_store_builder_append(builder, 0, row, at, values, &error), PDB_OK);
    }
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
}

static void teardown(void)
{
    event_store_destroy(store);
    schema_deinit(&schema);
}

TestSuite(event_partition, .init = setup, .fini = teardown);

Test(event_partition, keys_are_calendar_months)
{
    int64_t november = timestamp_days_from_civil(2026, 11, 1) * 86400;
    int64_t december = timestamp_days_from_civil(2026, 12, 1) * 86400;
    cr_assert_eq(event_partition_key(november), (2026 - 1970) * 12 + 10);
    cr_assert_eq(event_partition_key(november - 1), (2026 - 1970) * 12 + 9);
    cr_assert_eq(event_partition_key(december - 1), (2026 - 1970) * 12 + 10);
    cr_assert_eq(event_partition_key(0), 0);
    cr_assert_eq(event_partition_key(-1), -1);
    int64_t first, last;
    event_partition_span((2026 - 1970) * 12 + 10, &first, &last);
    cr_assert_eq(first, november);
    cr_assert_eq(last, december - 1);
    event_partition_span(-1, &first, &last);
    cr_assert_eq(first, timestamp_days_from_civil(1969, 12, 1) * 86400);
    cr_assert_eq(last, -1);
    /* Every timestamp is inside its key's span, the extremes included. */
    int64_t samples[] = {INT64_MIN, INT64_MIN + 1, -86400 * 400LL * 366, -1, 0, 951782400 /* 2000-02-29 */,
                         1700000000, INT64_MAX - 1, INT64_MAX};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int64_t key = event_partition_key(samples[i]);
        event_partition_span(key, &first, &last);
        cr_assert(first <= samples[i] && samples[i] <= last, "sample %zu", i);
    }
    /* Spans tile the line: the next month starts one second after this one ends. */
    for (int64_t key = -30; key < 30; key++) {
        int64_t next_first, next_last;
        event_partition_span(key, &first, &last);
        event_partition_span(key + 1, &next_first, &next_last);
        cr_assert_eq(next_first, last + 1);
        cr_assert_eq(event_partition_key(first), key);
        cr_assert_eq(event_partition_key(last), key);
    }
}

Test(event_partition, counts_and_slices_match_a_naive_filter)
{
    const struct event_type_store *type = &store->types[0];
    struct event_partition_count *counts;
    uint32_t count;
    cr_assert_eq(event_partition_counts(type, &counts, &count), 0);
    cr_assert_gt(count, 30u);
    uint64_t total = 0;
    for (uint32_t k = 0; k < count; k++) {
        if (k > 0) cr_assert_lt(counts[k - 1].key, counts[k].key);
        total += counts[k].event_count;
        int64_t first, last;
        event_partition_span(counts[k].key, &first, &last);
        uint64_t naive = 0;
        for (uint32_t c = 0; c < type->chunk_count; c++)
            for (uint32_t i = 0; i < type->chunks[c].event_count; i++)
                naive += type->chunks[c].timestamps[i] >= first && type->chunks[c].timestamps[i] <= last;
        cr_assert_eq(naive, counts[k].event_count);
        cr_assert_eq(event_partition_count_of(counts, count, counts[k].key), naive);
        struct event_type_store slice;
        struct pdb_error error = {0};
        cr_assert_eq(event_type_store_slice(type, first, last, true, &slice, &error), PDB_OK);
        cr_assert_eq(slice.event_count, naive);
        struct event_store view = {1, &slice};
        cr_assert_eq(event_store_validate(&view), 0);
        cr_assert_leq(slice.dictionaries[1].count, type->dictionaries[1].count);
        cr_assert_lt(slice.dictionaries[1].count, 6u, "a month holds only its own categories");
        event_type_store_deinit(&slice);
    }
    cr_assert_eq(total, type->event_count);
    cr_assert_eq(event_partition_count_of(counts, count, -5000), 0);
    mem_free(counts);
}

/* Slicing every partition (compact dictionaries, through the file form) and concatenating
 * the slices gives back the type exactly: same file bytes. A retention cut keeps the naive
 * count. */
Test(event_partition, concatenated_partitions_give_back_the_type)
{
    const struct event_type_store *type = &store->types[0];
    struct event_partition_count *counts;
    uint32_t count;
    cr_assert_eq(event_partition_counts(type, &counts, &count), 0);
    struct event_type_store *parts = mem_calloc(count, sizeof *parts);
    struct pdb_error error = {0};
    for (uint32_t k = 0; k < count; k++) {
        int64_t first, last;
        event_partition_span(counts[k].key, &first, &last);
        struct event_type_store slice;
        cr_assert_eq(event_type_store_slice(type, first, last, true, &slice, &error), PDB_OK);
        struct buffer file;
        buffer_init(&file);
        cr_assert_eq(event_file_encode(&slice, first, last, &file), 0);
        int64_t span_first, span_last;
        cr_assert_eq(event_file_decode("p.pde", file.data, file.size, &schema.events.types[0], &parts[k],
                                       &span_first, &span_last, &error),
                     PDB_OK, "%s", error.message);
        cr_assert_eq(span_first, first);
        cr_assert_eq(span_last, last);
        buffer_deinit(&file);
        event_type_store_deinit(&slice);
    }
    struct event_type_store merged;
    cr_assert_eq(event_type_store_concat(parts, count, "purchase", &merged, &error), PDB_OK, "%s", error.message);
    struct buffer a, b;
    buffer_init(&a);
    buffer_init(&b);
    cr_assert_eq(event_file_encode_v1(type, &a), 0);
    cr_assert_eq(event_file_encode_v1(&merged, &b), 0);
    cr_assert_eq(a.size, b.size);
    cr_assert_eq(memcmp(a.data, b.data, a.size), 0);
    buffer_deinit(&a);
    buffer_deinit(&b);
    event_type_store_deinit(&merged);

    /* Parts out of time order are refused as overlapping. */
    int64_t first, last;
    event_partition_span(counts[count - 1].key, &first, &last);
    cr_assert_eq(event_type_store_slice(type, first, last, false, &parts[0], &error), PDB_OK);
    cr_assert_eq(event_type_store_slice(type, INT64_MIN, first - 1, false, &parts[1], &error), PDB_OK);
    cr_assert_eq(event_type_store_concat(parts, 2, "purchase", &merged, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "overlap") != NULL, "%s", error.message);

    /* A retention cut: everything from `cut` on. */
    int64_t cut = 1600000000 + 400 * 86400 + 123;
    struct event_type_store kept;
    cr_assert_eq(event_type_store_slice(type, cut, INT64_MAX, false, &kept, &error), PDB_OK);
    uint64_t naive = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++)
        for (uint32_t i = 0; i < type->chunks[c].event_count; i++) naive += type->chunks[c].timestamps[i] >= cut;
    cr_assert_eq(kept.event_count, naive);
    cr_assert_eq(kept.dictionaries[1].count, type->dictionaries[1].count);
    event_type_store_deinit(&kept);
    mem_free(parts);
    mem_free(counts);
}
