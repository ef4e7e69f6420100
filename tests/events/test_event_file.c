/*
 * Tests for events/event_file.c: a store's types round-trip through the file form (the
 * decoded type encodes to the same bytes and validates), every flipped byte and every
 * truncation is reported as corrupt, mutations behind a recomputed checksum either fail as
 * corrupt or decode to a type that still validates, and a file is refused for an event type
 * whose properties differ.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "catalog/schema.h"
#include "events/event_file.h"
#include "events/event_store.h"

static const char *const schema_text = "id int\n"
                                       "event purchase\n  amount float\n  category category\n"
                                       "  gift bool\n  at timestamp\n"
                                       "event view\n";

static struct schema schema;
static struct event_store *store;

static void setup(void)
{
    struct pdb_error error = {0};
    cr_assert_eq(schema_parse(schema_text, strlen(schema_text), "t", &schema, &error), PDB_OK);
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    static const char *const names[] = {"shoes", "", "bags", "\xc3\xa9"};
    for (uint32_t i = 0; i < 300; i++) {
        uint32_t row = i < 200 ? i % 7 : PDB_CHUNK_ROWS * 2 + i % 3;
        struct event_value values[4] = {
            {.number = i * 0.5, .is_null = i % 11 == 0},
            {.string = names[i % 4], .string_size = (uint32_t)strlen(names[i % 4]), .is_null = i % 13 == 0},
            {.integer = i % 2},
            {.integer = 1700000000 + i}};
        cr_assert_eq(event_store_builder_append(builder, 0, row, 1000 - (int64_t)(i % 17), values, &error), PDB_OK);
    }
    cr_assert_eq(event_store_builder_finish(builder, &store, &error), PDB_OK);
}

static void teardown(void)
{
    event_store_destroy(store);
    schema_deinit(&schema);
}

static void encode(const struct event_type_store *type, struct buffer *out)
{
    buffer_init(out);
    cr_assert_eq(event_file_encode(type, INT64_MIN, INT64_MAX, out), 0);
}

static void encode_v1(const struct event_type_store *type, struct buffer *out)
{
    buffer_init(out);
    cr_assert_eq(event_file_encode_v1(type, out), 0);
}

static enum pdb_status decode(const struct buffer *file, uint32_t type_index,
                              struct event_type_store *out, struct pdb_error *error)
{
    return event_file_decode("purchase-g1.pde", file->data, file->size, &schema.events.types[type_index],
                             out, NULL, NULL, error);
}

Test(event_file, round_trips_byte_for_byte, .init = setup, .fini = teardown)
{
    for (uint32_t t = 0; t < 2; t++) {
        struct buffer file, again;
        encode(&store->types[t], &file);
        struct event_type_store decoded;
        struct pdb_error error = {0};
        cr_assert_eq(decode(&file, t, &decoded, &error), PDB_OK, "%s", error.message);
        struct event_store view = {1, &decoded};
        cr_assert_eq(event_store_validate(&view), 0);
        cr_assert_eq(decoded.event_count, store->types[t].event_count);
        cr_assert_eq(decoded.rows_with_events, store->types[t].rows_with_events);
        encode(&decoded, &again);
        cr_assert_eq(again.size, file.size);
        cr_assert(memcmp(again.data, file.data, file.size) == 0);
        event_type_store_deinit(&decoded);
        buffer_deinit(&file);
        buffer_deinit(&again);
    }
}

Test(event_file, every_flipped_byte_and_truncation_is_corrupt, .init = setup, .fini = teardown)
{
    struct buffer file;
    encode(&store->types[0], &file);
    /* Sampled positions: every byte of the head and tail, a stride through the rest. */
    for (size_t at = 0; at < file.size; at += at < 4096 || at > file.size - 4096 ? 1 : 997) {
        file.data[at] ^= 0x5a;
        struct event_type_store decoded;
        struct pdb_error error = {0};
        cr_assert_eq(decode(&file, 0, &decoded, &error), PDB_ERR_CORRUPT, "flip at %zu", at);
        cr_assert(strstr(error.message, "purchase-g1.pde: corrupt event file at byte") != NULL);
        size_t reported = strtoull(strstr(error.message, "at byte ") + 8, NULL, 10);
        cr_assert_leq(reported, at, "flip at %zu reported at %zu: %s", at, reported, error.message);
        file.data[at] ^= 0x5a;
    }
    size_t size = file.size;
    for (size_t cut = 0; cut < size; cut += cut < 64 ? 1 : 4099) {
        file.size = cut;
        struct event_type_store decoded;
        struct pdb_error error = {0};
        cr_assert_eq(decode(&file, 0, &decoded, &error), PDB_ERR_CORRUPT, "cut at %zu", cut);
    }
    buffer_deinit(&file);
}

Test(event_file, mutations_behind_a_valid_checksum_never_decode_to_a_broken_type, .init = setup,
     .fini = teardown)
{
    struct buffer file;
    encode_v1(&store->types[0], &file);
    uint32_t accepted = 0, refused = 0;
    for (size_t at = 0; at + 8 < file.size; at += at < 2048 ? 1 : 613) {
        for (int bit = 0; bit < 8; bit += 3) {
            file.data[at] ^= (uint8_t)(1u << bit);
            store_u64(file.data + file.size - 8, checksum_bytes(file.data, file.size - 8));
            struct event_type_store decoded;
            struct pdb_error error = {0};
            enum pdb_status status = decode(&file, 0, &decoded, &error);
            if (status == PDB_OK) {
                struct event_store view = {1, &decoded};
                cr_assert_eq(event_store_validate(&view), 0, "mutation at %zu decoded broken", at);
                event_type_store_deinit(&decoded);
                accepted++;
            } else {
                cr_assert_eq(status, PDB_ERR_CORRUPT, "%s", error.message);
                refused++;
            }
            file.data[at] ^= (uint8_t)(1u << bit);
        }
    }
    cr_assert_gt(refused, 0u);
    cr_assert_gt(accepted, 0u); /* a changed amount or timestamp is still a valid file */
    buffer_deinit(&file);
}

Test(event_file, refuses_another_event_type, .init = setup, .fini = teardown)
{
    struct buffer file;
    encode(&store->types[0], &file);
    struct event_type_store decoded;
    struct pdb_error error = {0};
    cr_assert_eq(decode(&file, 1, &decoded, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "property count differs") != NULL, "%s", error.message);
    struct schema other = {0};
    const char *text = "id int\nevent purchase\n  amount int\n  category category\n  gift bool\n  at timestamp\n";
    cr_assert_eq(schema_parse(text, strlen(text), "o", &other, &error), PDB_OK);
    cr_assert_eq(event_file_decode("f", file.data, file.size, &other.events.types[0], &decoded, NULL,
                                   NULL, &error),
                 PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "at byte 48: property type differs") != NULL, "%s", error.message);
    schema_deinit(&other);
    buffer_deinit(&file);
}

/* event_store_builder_append_type (how an ingest merges new events into a stored type):
 * re-adding a built type gives the same type, byte for byte in its file form; adding it
 * twice doubles every row with ties kept in order. */
Test(event_file, append_type_rebuilds_the_same_type, .init = setup, .fini = teardown)
{
    struct pdb_error error = {0};
    struct event_store_builder *builder = event_store_builder_create(&schema.events);
    cr_assert_not_null(builder);
    cr_assert_eq(event_store_builder_append_type(builder, 0, &store->types[0], &error), PDB_OK,
                 "%s", error.message);
    struct event_store *rebuilt;
    cr_assert_eq(event_store_builder_finish(builder, &rebuilt, &error), PDB_OK);
    struct buffer a, b;
    encode(&store->types[0], &a);
    encode(&rebuilt->types[0], &b);
    cr_assert_eq(a.size, b.size);
    cr_assert_eq(memcmp(a.data, b.data, a.size), 0);
    cr_assert_eq(rebuilt->types[1].event_count, 0);
    buffer_deinit(&a);
    buffer_deinit(&b);

    builder = event_store_builder_create(&schema.events);
    cr_assert_eq(event_store_builder_append_type(builder, 0, &store->types[0], &error), PDB_OK);
    cr_assert_eq(event_store_builder_append_type(builder, 0, &rebuilt->types[0], &error), PDB_OK);
    struct event_store *doubled;
    cr_assert_eq(event_store_builder_finish(builder, &doubled, &error), PDB_OK);
    cr_assert_eq(doubled->types[0].event_count, 2 * store->types[0].event_count);
    cr_assert_eq(doubled->types[0].rows_with_events, store->types[0].rows_with_events);
    cr_assert_eq(event_store_validate(doubled), 0);
    event_store_destroy(doubled);
    event_store_destroy(rebuilt);

    builder = event_store_builder_create(&schema.events);
    cr_assert_eq(event_store_builder_append_type(builder, 1, &store->types[0], &error), PDB_ERR_USAGE);
    cr_assert_eq(event_store_builder_append_type(builder, 5, &store->types[0], &error), PDB_ERR_USAGE);
    event_store_builder_destroy(builder);
}

/* The byte ranges a version-2 file's checksums cover: the header section, then each chunk
 * section (read from an intact file). */
static uint32_t v2_ranges(const struct buffer *file, size_t *starts, size_t *ends, uint32_t max)
{
    uint32_t property_count = load_u32(file->data + 12), count = 0;
    size_t at = 48 + property_count;
    for (uint32_t p = 0; p < property_count; p++) {
        uint32_t values = load_u32(file->data + at);
        at += 4;
        for (uint32_t v = 0; v < values; v++) at += 4 + load_u32(file->data + at);
    }
    starts[count] = 0;
    ends[count++] = at + 8;
    at += 8;
    while (at < file->size && count < max) {
        size_t end = at + 16 + (size_t)load_u64(file->data + at + 8);
        starts[count] = at;
        ends[count++] = end;
        at = end;
    }
    return count;
}

/* Version 2: a mutation whose section checksum is recomputed either fails as corrupt or
 * decodes to a type that validates (the column block decoder and the section checks hold). */
Test(event_file, v2_mutations_behind_valid_section_checksums_never_decode_to_a_broken_type,
     .init = setup, .fini = teardown)
{
    struct buffer file;
    encode(&store->types[0], &file);
    size_t starts[16], ends[16];
    uint32_t ranges = v2_ranges(&file, starts, ends, 16);
    cr_assert_eq(ends[ranges - 1], file.size);
    uint32_t accepted = 0, refused = 0;
    for (size_t at = 0; at < file.size; at += at < 2048 ? 1 : 211) {
        uint32_t k = 0;
        while (ends[k] <= at) k++;
        if (at >= ends[k] - 8) continue; /* the checksum itself */
        for (int bit = 0; bit < 8; bit += 3) {
            file.data[at] ^= (uint8_t)(1u << bit);
            store_u64(file.data + ends[k] - 8, checksum_bytes(file.data + starts[k], ends[k] - 8 - starts[k]));
            struct event_type_store decoded;
            struct pdb_error error = {0};
            enum pdb_status status = decode(&file, 0, &decoded, &error);
            if (status == PDB_OK) {
                struct event_store view = {1, &decoded};
                cr_assert_eq(event_store_validate(&view), 0, "mutation at %zu decoded broken", at);
                event_type_store_deinit(&decoded);
                accepted++;
            } else {
                cr_assert_eq(status, PDB_ERR_CORRUPT, "%s", error.message);
                refused++;
            }
            file.data[at] ^= (uint8_t)(1u << bit);
        }
        store_u64(file.data + ends[k] - 8, checksum_bytes(file.data + starts[k], ends[k] - 8 - starts[k]));
    }
    cr_assert_gt(refused, 0u);
    cr_assert_gt(accepted, 0u);
    buffer_deinit(&file);
}

/* A database written before version 2 holds version-1 files: they decode to the same type,
 * which encodes to the same version-2 bytes as the original. */
Test(event_file, version_1_files_still_decode, .init = setup, .fini = teardown)
{
    struct buffer old, current, again;
    encode_v1(&store->types[0], &old);
    encode(&store->types[0], &current);
    struct event_type_store decoded;
    struct pdb_error error = {0};
    int64_t first = 0, last = 0;
    cr_assert_eq(event_file_decode("old.pde", old.data, old.size, &schema.events.types[0], &decoded,
                                   &first, &last, &error),
                 PDB_OK, "%s", error.message);
    cr_assert_eq(first, INT64_MIN);
    cr_assert_eq(last, INT64_MAX);
    encode(&decoded, &again);
    cr_assert_eq(again.size, current.size);
    cr_assert_eq(memcmp(again.data, current.data, current.size), 0);
    cr_assert_lt(current.size, old.size);
    event_type_store_deinit(&decoded);
    buffer_deinit(&old);
    buffer_deinit(&current);
    buffer_deinit(&again);
}

/* Chunks of more than one block (65,536 events), with many events per row (the per-row
 * delta timestamp form) and with few, round-trip; a span that does not hold every timestamp
 * is refused. */
Test(event_file, multi_block_chunks_and_both_timestamp_forms_round_trip, .init = setup, .fini = teardown)
{
    struct pdb_error error = {0};
    for (int layout = 0; layout < 2; layout++) {
        struct event_store_builder *builder = event_store_builder_create(&schema.events);
        for (uint32_t i = 0; i < 150000; i++) {
            uint32_t row = layout == 0 ? i % 5 : i % PDB_CHUNK_ROWS;
            struct event_value values[4] = {{.number = (i % 1000) * 0.25, .is_null = i % 97 == 0},
                                            {.string = i % 3 ? "a" : "b", .string_size = 1},
                                            {.integer = i % 5 == 0},
                                            {.integer = 1700000000 + (int64_t)i * 7, .is_null = i % 2}};
            cr_assert_eq(event_store_builder_append(builder, 0, row, 1600000000 + (int64_t)(i * 37 % 900000),
                                                    values, &error), PDB_OK);
        }
        struct event_store *big;
        cr_assert_eq(event_store_builder_finish(builder, &big, &error), PDB_OK);
        struct buffer file, again;
        encode(&big->types[0], &file);
        struct event_type_store decoded;
        cr_assert_eq(decode(&file, 0, &decoded, &error), PDB_OK, "%s", error.message);
        struct event_store view = {1, &decoded};
        cr_assert_eq(event_store_validate(&view), 0);
        cr_assert_eq(decoded.event_count, 150000);
        const struct event_chunk *a = &big->types[0].chunks[0], *b = &decoded.chunks[0];
        cr_assert_eq(memcmp(a->offsets, b->offsets, (PDB_CHUNK_ROWS + 1) * 4), 0);
        cr_assert_eq(memcmp(a->timestamps, b->timestamps, a->event_count * 8), 0);
        cr_assert_eq(memcmp(a->columns[0].numbers, b->columns[0].numbers, a->event_count * 8), 0);
        cr_assert_eq(memcmp(a->columns[3].integers, b->columns[3].integers, a->event_count * 8), 0);
        encode(&decoded, &again);
        cr_assert_eq(again.size, file.size);
        cr_assert_eq(memcmp(again.data, file.data, file.size), 0);
        buffer_deinit(&again);
        buffer_init(&again);
        cr_assert_eq(event_file_encode(&big->types[0], 1600000000, big->types[0].chunks[0].time_max - 1, &again), 0);
        struct event_type_store refused;
        cr_assert_eq(decode(&again, 0, &refused, &error), PDB_ERR_CORRUPT);
        cr_assert(strstr(error.message, "outside the file's span") != NULL, "%s", error.message);
        event_type_store_deinit(&decoded);
        buffer_deinit(&file);
        buffer_deinit(&again);
        event_store_destroy(big);
    }
}
