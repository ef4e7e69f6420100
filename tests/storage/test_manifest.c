/*
 * Tests for storage/manifest.c: the exact rendered text, render -> parse round trips, deep
 * copies, and the strict parser: deleting any single line, flipping any bit, tearing the
 * tail at any byte, and bad numbers/names/orders (with a correct checksum, so the parser's
 * own checks are exercised) are all PDB_ERR_CORRUPT naming the file and line. Also
 * manifest_store/manifest_load through a mkdtemp directory under /tmp.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "storage/manifest.h"

#define SOURCE "db/MANIFEST"

/* ---- Helpers ---------------------------------------------------------------------------- */

static void set_file(struct manifest_file *file, const char *name, uint64_t size, uint64_t checksum)
{
    snprintf(file->name, sizeof file->name, "%s", name);
    file->size_bytes = size;
    file->checksum = checksum;
}

/* Generation 7, 65,537 rows (two chunks), three attributes, attribute 1 has a dictionary. */
static void sample_manifest(struct manifest *manifest)
{
    cr_assert_eq(manifest_init(manifest, 3, 0xabc), 0);
    manifest->generation = 7;
    manifest->row_count = PDB_CHUNK_ROWS + 1;
    manifest->bytes_ingested = 12345;
    cr_assert_eq(manifest_set_chunk_count(manifest, 2), 0);
    set_file(&manifest->chunks[0], "chunk-00000000-g7.pdc", 100, 1);
    set_file(&manifest->chunks[1], "chunk-00000001-g7.pdc", 200, 0xdeadbeef);
    set_file(&manifest->dictionaries[1], "dict-0001-g7.pdd", 50, 0xff);
}

static void render(const struct manifest *manifest, struct buffer *out)
{
    buffer_init(out);
    cr_assert_eq(manifest_render(manifest, out), 0);
}

static void assert_files_equal(const struct manifest_file *a, const struct manifest_file *b)
{
    cr_assert_str_eq(b->name, a->name);
    cr_assert_eq(b->size_bytes, a->size_bytes);
    cr_assert_eq(b->checksum, a->checksum);
}

static void assert_manifests_equal(const struct manifest *a, const struct manifest *b)
{
    cr_assert_eq(b->generation, a->generation);
    cr_assert_eq(b->row_count, a->row_count);
    cr_assert_eq(b->attribute_count, a->attribute_count);
    cr_assert_eq(b->chunk_count, a->chunk_count);
    cr_assert_eq(b->schema_checksum, a->schema_checksum);
    cr_assert_eq(b->bytes_ingested, a->bytes_ingested);
    for (uint32_t i = 0; i < a->chunk_count; i++)
        assert_files_equal(&a->chunks[i], &b->chunks[i]);
    for (uint32_t i = 0; i < a->attribute_count; i++)
        assert_files_equal(&a->dictionaries[i], &b->dictionaries[i]);
    assert_files_equal(&a->deleted, &b->deleted);
    cr_assert_eq(b->deleted_count, a->deleted_count);
    cr_assert_eq(b->event_file_count, a->event_file_count);
    for (uint32_t i = 0; i < a->event_file_count; i++) {
        cr_assert_eq(b->event_files[i].type_index, a->event_files[i].type_index);
        cr_assert_eq(b->event_files[i].partition_key, a->event_files[i].partition_key);
        assert_files_equal(&a->event_files[i].file, &b->event_files[i].file);
    }
}

/* Parses text expecting corruption; checks the message names the file (and line). */
static void parse_fails(const char *text, size_t size, const char *needle, const char *label)
{
    struct manifest manifest = {.generation = 99};
    struct pdb_error error = {0};
    enum pdb_status status = manifest_parse(text, size, SOURCE, &manifest, &error);
    cr_assert_eq(status, PDB_ERR_CORRUPT, "%s: status %d\n%.*s", label, status, (int)size, text);
    cr_assert(strncmp(error.message, SOURCE ":", strlen(SOURCE) + 1) == 0, "%s: %s", label,
              error.message);
    if (needle)
        cr_assert(strstr(error.message, needle) != NULL, "%s: '%s' not in '%s'", label, needle,
                  error.message);
    cr_assert_eq(manifest.generation, 99u, "out-parameter untouched");
    cr_assert_null(manifest.chunks);
}

/* body + a correct "checksum" line; malloc'd, NUL-terminated. */
static char *with_checksum(const char *body)
{
    size_t size = strlen(body);
    char *text = malloc(size + 32);
    memcpy(text, body, size);
    snprintf(text + size, 32, "checksum %016" PRIx64 "\n", checksum_bytes(body, size));
    return text;
}

#define HEADER(rows, attributes)                                                                   \
    "profiledb-manifest 1\ngeneration 7\nrows " rows "\nattributes " attributes                    \
    "\nschema 0000000000000abc\nbytes_ingested 5\n"

static void body_fails(const char *body, const char *needle)
{
    char *text = with_checksum(body);
    parse_fails(text, strlen(text), needle, body);
    free(text);
}

static void body_parses(const char *body)
{
    char *text = with_checksum(body);
    struct manifest manifest;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_parse(text, strlen(text), SOURCE, &manifest, &error), PDB_OK, "%s\n%s",
                 error.message, text);
    manifest_deinit(&manifest);
    free(text);
}

/* ---- Rendering and round trips ---------------------------------------------------------- */

Test(manifest, renders_the_documented_text)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    const char *body = "profiledb-manifest 1\n"
                       "generation 7\n"
                       "rows 65537\n"
                       "attributes 3\n"
                       "schema 0000000000000abc\n"
                       "bytes_ingested 12345\n"
                       "chunk 0 chunk-00000000-g7.pdc 100 0000000000000001\n"
                       "chunk 1 chunk-00000001-g7.pdc 200 00000000deadbeef\n"
                       "dictionary 1 dict-0001-g7.pdd 50 00000000000000ff\n";
    char *expected = with_checksum(body);
    cr_assert_eq(out.size, strlen(expected));
    cr_assert(memcmp(out.data, expected, out.size) == 0, "got:\n%.*s", (int)out.size, out.data);
    free(expected);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, render_then_parse_round_trips)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    struct manifest parsed;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_parse((const char *)out.data, out.size, SOURCE, &parsed, &error), PDB_OK,
                 "%s", error.message);
    assert_manifests_equal(&manifest, &parsed);
    cr_assert_eq(parsed.dictionaries[0].name[0], '\0');
    struct buffer again;
    render(&parsed, &again);
    cr_assert_eq(again.size, out.size);
    cr_assert(memcmp(again.data, out.data, out.size) == 0);
    buffer_deinit(&again);
    manifest_deinit(&parsed);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, tombstone_line_round_trips_and_is_checked)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    set_file(&manifest.deleted, "deleted-g7.pdt", 77, 0x1234);
    manifest.deleted_count = 42;
    struct buffer out;
    render(&manifest, &out);
    const char *line = "\ndeleted 42 deleted-g7.pdt 77 0000000000001234\n";
    cr_assert(memmem(out.data, out.size, line, strlen(line)) != NULL, "%.*s", (int)out.size,
              out.data);
    struct manifest parsed;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_parse((const char *)out.data, out.size, SOURCE, &parsed, &error), PDB_OK,
                 "%s", error.message);
    assert_manifests_equal(&manifest, &parsed);
    manifest_deinit(&parsed);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
    const char *head = "profiledb-manifest 1\ngeneration 7\nrows 10\nattributes 3\n"
                       "schema 0000000000000abc\nbytes_ingested 1\n"
                       "chunk 0 chunk-00000000-g7.pdc 100 0000000000000001\n";
    char body[512];
    snprintf(body, sizeof body, "%sdeleted 11 deleted-g7.pdt 5 0000000000000001\n", head);
    body_fails(body, "more rows than the database");
    snprintf(body, sizeof body,
             "%sdeleted 1 deleted-g7.pdt 5 0000000000000001\ndeleted 1 deleted-g8.pdt 5 "
             "0000000000000001\n",
             head);
    body_fails(body, "deleted repeated");
    snprintf(body, sizeof body, "%sdeleted 10 deleted-g7.pdt 5 0000000000000001\n", head);
    body_parses(body);
}

Test(manifest, events_lines_round_trip_and_are_checked)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct manifest_file file;
    set_file(&file, "events-00-g7.pde", 262294, 0xabcdef);
    cr_assert_eq(manifest_event_file_set(&manifest, 0, MANIFEST_EVENT_WHOLE, &file), 0);
    set_file(&file, "events-63-m-5-g5.pde", 9, 1);
    cr_assert_eq(manifest_event_file_set(&manifest, PDB_EVENT_TYPES_MAX - 1, -5, &file), 0);
    set_file(&file, "events-63-m682-g5.pde", 10, 2);
    cr_assert_eq(manifest_event_file_set(&manifest, PDB_EVENT_TYPES_MAX - 1, 682, &file), 0);
    set_file(&file, "events-02-m0-g5.pde", 11, 3);
    cr_assert_eq(manifest_event_file_set(&manifest, 2, 0, &file), 0);
    cr_assert_eq(manifest.event_file_count, 4);
    cr_assert_eq(manifest.event_files[1].type_index, 2); /* kept in (type, month) order */
    struct buffer out;
    render(&manifest, &out);
    const char *line = "\nevents 0 events-00-g7.pde 262294 0000000000abcdef\n";
    cr_assert(memmem(out.data, out.size, line, strlen(line)) != NULL, "%.*s", (int)out.size,
              out.data);
    line = "\nevent_partition 63 -5 events-63-m-5-g5.pde 9 0000000000000001\nevent_partition 63 682 ";
    cr_assert(memmem(out.data, out.size, line, strlen(line)) != NULL, "%.*s", (int)out.size,
              out.data);
    struct manifest parsed, copy;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_parse((const char *)out.data, out.size, SOURCE, &parsed, &error), PDB_OK,
                 "%s", error.message);
    assert_manifests_equal(&manifest, &parsed);
    cr_assert_eq(manifest_copy(&copy, &parsed), 0);
    assert_manifests_equal(&manifest, &copy);
    manifest_deinit(&copy);
    manifest_deinit(&parsed);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
    const char *head = "profiledb-manifest 1\ngeneration 7\nrows 10\nattributes 3\n"
                       "schema 0000000000000abc\nbytes_ingested 1\n"
                       "chunk 0 chunk-00000000-g7.pdc 100 0000000000000001\n";
    char body[512];
    snprintf(body, sizeof body, "%sevents 64 events-64-g7.pde 5 0000000000000001\n", head);
    body_fails(body, "events index out of range, repeated or out of order");
    snprintf(body, sizeof body,
             "%sevents 1 events-01-g7.pde 5 0000000000000001\nevents 1 events-01-g8.pde 5 "
             "0000000000000001\n",
             head);
    body_fails(body, "events index out of range, repeated or out of order");
    /* Partitions: ascending, unique, never beside a whole-type file of the same type. */
    snprintf(body, sizeof body,
             "%sevent_partition 1 5 events-01-m5-g7.pde 5 0000000000000001\nevent_partition 1 5 "
             "events-01-m5-g8.pde 5 0000000000000001\n",
             head);
    body_fails(body, "partitions repeated or out of order");
    snprintf(body, sizeof body,
             "%sevents 1 events-01-g7.pde 5 0000000000000001\nevent_partition 1 5 "
             "events-01-m5-g8.pde 5 0000000000000001\n",
             head);
    body_fails(body, "partitions repeated or out of order");
    snprintf(body, sizeof body, "%sevent_partition 1 -0 events-01-m0-g7.pde 5 0000000000000001\n", head);
    body_fails(body, "expected 'event_partition");
    snprintf(body, sizeof body, "%sevent_partition 1 007 events-01-m0-g7.pde 5 0000000000000001\n", head);
    body_fails(body, "expected 'event_partition");
    snprintf(body, sizeof body,
             "%sevent_partition 1 -3 events-01-m-3-g7.pde 5 0000000000000001\nevent_partition 1 4 "
             "events-01-m4-g8.pde 5 0000000000000001\nevent_partition 2 -9 events-02-m-9-g8.pde 5 "
             "0000000000000001\n",
             head);
    body_parses(body);
    snprintf(body, sizeof body, "%sevents 1 Events-01.pde 5 0000000000000001\n", head);
    body_fails(body, "expected 'chunk|dictionary|deleted|events");
    /* A manifest without events lines (written before events existed) still parses. */
    body_parses(head);
}

Test(manifest, round_trips_extremes)
{
    struct manifest manifest;
    cr_assert_eq(manifest_init(&manifest, PDB_ATTRIBUTES_MAX, UINT64_MAX), 0);
    manifest.generation = UINT64_MAX;
    manifest.row_count = 300u * PDB_CHUNK_ROWS - 1;
    manifest.bytes_ingested = UINT64_MAX;
    cr_assert_eq(manifest_set_chunk_count(&manifest, 300), 0);
    for (uint32_t i = 0; i < 300; i++) {
        char name[MANIFEST_NAME_SIZE];
        snprintf(name, sizeof name, "chunk-%08u-g%u.pdc", i, i % 7);
        set_file(&manifest.chunks[i], name, UINT64_MAX - i, (uint64_t)i * 0x9E3779B97F4A7C15ull);
    }
    for (uint32_t i = 0; i < PDB_ATTRIBUTES_MAX; i += 3) {
        char name[MANIFEST_NAME_SIZE];
        snprintf(name, sizeof name, "dict-%04u-g1.pdd", i);
        set_file(&manifest.dictionaries[i], name, i, ~(uint64_t)i);
    }
    /* The longest file name allowed: 63 bytes. */
    char longest[MANIFEST_NAME_SIZE];
    memset(longest, 'z', MANIFEST_NAME_SIZE - 1);
    longest[MANIFEST_NAME_SIZE - 1] = '\0';
    set_file(&manifest.dictionaries[1], longest, 0, 0);
    struct buffer out;
    render(&manifest, &out);
    struct manifest parsed;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_parse((const char *)out.data, out.size, SOURCE, &parsed, &error), PDB_OK,
                 "%s", error.message);
    assert_manifests_equal(&manifest, &parsed);
    manifest_deinit(&parsed);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, empty_database_has_no_chunk_lines)
{
    struct manifest manifest;
    cr_assert_eq(manifest_init(&manifest, 1, 5), 0);
    cr_assert_eq(manifest.chunk_count, 0u);
    cr_assert_eq(manifest.generation, 0u);
    struct buffer out;
    render(&manifest, &out);
    struct manifest parsed;
    cr_assert_eq(manifest_parse((const char *)out.data, out.size, SOURCE, &parsed, NULL), PDB_OK);
    assert_manifests_equal(&manifest, &parsed);
    manifest_deinit(&parsed);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, copy_is_deep)
{
    struct manifest manifest, copy;
    sample_manifest(&manifest);
    cr_assert_eq(manifest_copy(&copy, &manifest), 0);
    assert_manifests_equal(&manifest, &copy);
    cr_assert_neq(copy.chunks, manifest.chunks);
    cr_assert_neq(copy.dictionaries, manifest.dictionaries);
    set_file(&copy.chunks[0], "other.pdc", 1, 1);
    set_file(&copy.dictionaries[2], "dict-0002-g8.pdd", 1, 1);
    cr_assert_eq(manifest_set_chunk_count(&copy, 5), 0);
    cr_assert_str_eq(manifest.chunks[0].name, "chunk-00000000-g7.pdc");
    cr_assert_eq(manifest.dictionaries[2].name[0], '\0');
    cr_assert_eq(manifest.chunk_count, 2u);
    manifest_deinit(&copy);
    manifest_deinit(&manifest);
    cr_assert_null(manifest.chunks);
}

Test(manifest, set_chunk_count_grows_with_empty_entries_and_shrinks)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    cr_assert_eq(manifest_set_chunk_count(&manifest, 4), 0);
    cr_assert_eq(manifest.chunk_count, 4u);
    cr_assert_str_eq(manifest.chunks[1].name, "chunk-00000001-g7.pdc");
    cr_assert_eq(manifest.chunks[2].name[0], '\0');
    cr_assert_eq(manifest.chunks[3].size_bytes, 0u);
    cr_assert_eq(manifest_set_chunk_count(&manifest, 1), 0);
    cr_assert_eq(manifest.chunk_count, 1u);
    cr_assert_str_eq(manifest.chunks[0].name, "chunk-00000000-g7.pdc");
    cr_assert_eq(manifest_set_chunk_count(&manifest, 0), 0);
    cr_assert_eq(manifest.chunk_count, 0u);
    mem_fail_after(0);
    int result = manifest_set_chunk_count(&manifest, 10);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(result, -1);
    cr_assert_eq(manifest.chunk_count, 0u);
    manifest_deinit(&manifest);
}

/* ---- Corruption ---------------------------------------------------------------------------- */

Test(manifest, rejects_the_deletion_of_any_single_line)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    const char *text = (const char *)out.data;
    size_t line_start = 0;
    int lines = 0;
    while (line_start < out.size) {
        const char *newline = memchr(text + line_start, '\n', out.size - line_start);
        size_t line_end = (size_t)(newline - text) + 1;
        char *without = malloc(out.size);
        memcpy(without, text, line_start);
        memcpy(without + line_start, text + line_end, out.size - line_end);
        char label[32];
        snprintf(label, sizeof label, "line %d deleted", lines + 1);
        parse_fails(without, out.size - (line_end - line_start), NULL, label);
        free(without);
        line_start = line_end;
        lines++;
    }
    cr_assert_eq(lines, 10);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, rejects_every_single_bit_flip)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    char *copy = malloc(out.size);
    for (size_t offset = 0; offset < out.size; offset++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, out.data, out.size);
            copy[offset] ^= (char)(1u << bit);
            char label[64];
            snprintf(label, sizeof label, "offset %zu ('%c') bit %d", offset, out.data[offset],
                     bit);
            parse_fails(copy, out.size, NULL, label);
        }
    }
    free(copy);
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, rejects_a_torn_tail_at_every_byte)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    for (size_t size = 0; size < out.size; size++) {
        /* An exact-size copy so ASan catches a read past the end. */
        char *copy = malloc(size ? size : 1);
        memcpy(copy, out.data, size);
        char label[32];
        snprintf(label, sizeof label, "torn at %zu", size);
        parse_fails(copy, size, NULL, label);
        free(copy);
    }
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, rejects_bytes_after_the_checksum_line)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    cr_assert_eq(buffer_append(&out, "\n", 1), 0);
    parse_fails((const char *)out.data, out.size, ":10: bytes after the checksum line", "extra LF");
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

Test(manifest, rejects_bad_header_numbers)
{
    body_fails("profiledb-manifest 2\n", ":1: not a profiledb manifest");
    body_fails("", ":1: not a profiledb manifest");
    body_fails("profiledb-manifest 1\ngeneration -1\n", ":2: expected 'generation <number>'");
    body_fails("profiledb-manifest 1\ngeneration +1\n", ":2: expected 'generation <number>'");
    body_fails("profiledb-manifest 1\ngeneration\t1\n", ":2: expected 'generation <number>'");
    body_fails("profiledb-manifest 1\ngeneration 1\r\n", ":2: expected 'generation <number>'");
    body_fails("profiledb-manifest 1\ngeneration 18446744073709551616\n",
               ":2: expected 'generation <number>'");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows 12x\n", ":3: expected 'rows <number>'");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows\n", ":3: expected 'rows <number>'");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows 1 2\n", ":3: expected 'rows <number>'");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows 0x10\n", ":3: expected 'rows <number>'");
    body_fails("profiledb-manifest 1\nrows 1\ngeneration 7\n",
               ":2: expected 'generation <number>'");
    body_fails(HEADER("0", "0"), "out of range");
    body_fails(HEADER("0", "1025"), "out of range");
    body_fails(HEADER("4294967295", "1"), "out of range");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows 0\nattributes 1\nschema 12g\n",
               ":5: expected 'schema <number>'");
    body_fails("profiledb-manifest 1\ngeneration 7\nrows 0\nattributes 1\nschema\n", ":5:");
    /* Hex fields are written as exactly 16 lower-case digits and must be read that way. */
    body_fails(
        "profiledb-manifest 1\ngeneration 7\nrows 0\nattributes 1\nschema 0x00000000000abc\n",
        ":5:");
    body_fails(
        "profiledb-manifest 1\ngeneration 7\nrows 0\nattributes 1\nschema 0000000000000ABC\n",
        ":5:");
    /* The boundaries themselves parse. */
    body_parses(HEADER("0", "1024"));
    body_parses(HEADER("0", "1"));
}

Test(manifest, rejects_bad_entries)
{
    /* Two attributes, 65,537 rows: two chunk lines needed. */
    char body[1024];
#define ENTRY_FAILS(lines, needle)                                                                 \
    do {                                                                                           \
        snprintf(body, sizeof body, "%s%s", HEADER("65537", "2"), lines);                          \
        body_fails(body, needle);                                                                  \
    } while (0)
    ENTRY_FAILS("chunk 1 c.pdc 1 0000000000000001\n", ":7: chunk out of order");
    ENTRY_FAILS("chunk 0 c.pdc 1 0000000000000001\nchunk 0 c.pdc 1 0000000000000001\n",
                ":8: chunk out of order");
    ENTRY_FAILS("chunk 0 c.pdc 1 0000000000000001\n", ": fewer chunk lines");
    ENTRY_FAILS("chunk 0 c.pdc 1 0000000000000001\nchunk 1 c.pdc 1 0000000000000001\n"
                "chunk 2 c.pdc 1 0000000000000001\n",
                ":9: chunk out of order or beyond the row count");
    ENTRY_FAILS("dictionary 2 d.pdd 1 0000000000000001\n", ":7: dictionary index out of range");
    ENTRY_FAILS("dictionary 1 d.pdd 1 0000000000000001\ndictionary 1 e.pdd 1 0000000000000001\n",
                ":8: dictionary index out of range or repeated");
    ENTRY_FAILS("index 0 c.pdc 1 0000000000000001\n", ":7: unknown entry");
    ENTRY_FAILS("chunk 0 c.pdc 1\n", ":7: expected 'chunk|dictionary");
    ENTRY_FAILS("chunk 0 c.pdc 1 0000000000000001 extra\n", ":7: expected");
    ENTRY_FAILS("chunk -0 c.pdc 1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 c.pdc -1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 c.pdc 1 000000000000000x\n", ":7: expected");
    ENTRY_FAILS("chunk 0 c.pdc 1 00000000000000010\n", ":7: expected");
    ENTRY_FAILS("chunk 0 c.pdc 1 000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 C.pdc 1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 ../c.pdc 1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 a/c.pdc 1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS("chunk 0 .hidden 1 0000000000000001\n", ":7: expected");
    ENTRY_FAILS(
        "chunk 0 "
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 1 0000000000000001\n",
        ":7: expected");
    /* A line longer than the parser's line buffer. */
    char long_line[700];
    memset(long_line, 'a', sizeof long_line);
    memcpy(long_line, "chunk 0 ", 8);
    long_line[sizeof long_line - 2] = '\n';
    long_line[sizeof long_line - 1] = '\0';
    ENTRY_FAILS(long_line, ":7:");
#undef ENTRY_FAILS
    snprintf(body, sizeof body, "%s%s", HEADER("65537", "2"),
             "dictionary 1 d.pdd 1 0000000000000001\nchunk 0 c.pdc 1 0000000000000001\n"
             "chunk 1 c.pdc 1 0000000000000001\n");
    body_parses(body);
}

Test(manifest, rejects_a_wrong_checksum_line)
{
    struct manifest manifest;
    sample_manifest(&manifest);
    struct buffer out;
    render(&manifest, &out);
    /* Find the checksum line and rewrite its value in other spellings of the same number. */
    const char *text = (const char *)out.data;
    const char *line = strstr(text, "checksum ");
    cr_assert_not_null(line);
    size_t body_size = (size_t)(line - text);
    uint64_t value = checksum_bytes(text, body_size);
    char variants[4][64];
    snprintf(variants[0], 64, "checksum %016" PRIX64 "\n", value);   /* upper case */
    snprintf(variants[1], 64, "checksum 0x%016" PRIx64 "\n", value); /* prefix */
    snprintf(variants[2], 64, "checksum 0x%014" PRIx64 "\n", (uint64_t)(value & 0xffffffffffffffu));
    snprintf(variants[3], 64, "checksum %017" PRIx64 "\n", value); /* 17 digits */
    for (int v = 0; v < 4; v++) {
        if (strcmp(variants[v], line) == 0) continue; /* upper case of a digits-only value */
        char *copy = malloc(body_size + 64);
        memcpy(copy, text, body_size);
        size_t size = body_size + strlen(variants[v]);
        memcpy(copy + body_size, variants[v], strlen(variants[v]));
        parse_fails(copy, size, ":10:", variants[v]);
        free(copy);
    }
    buffer_deinit(&out);
    manifest_deinit(&manifest);
}

/* ---- Files ---------------------------------------------------------------------------------- */

Test(manifest, store_and_load_round_trip_without_a_tmp)
{
    char directory[] = "/tmp/pdb-manifest-XXXXXX";
    cr_assert_not_null(mkdtemp(directory));
    struct manifest manifest, loaded;
    struct pdb_error error = {0};
    cr_assert_eq(manifest_load(directory, &loaded, &error), PDB_ERR_NOT_FOUND);
    sample_manifest(&manifest);
    for (int generation = 0; generation < 3; generation++) {
        manifest.generation = (uint64_t)generation + 10;
        cr_assert_eq(manifest_store(directory, &manifest, NULL, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(manifest_load(directory, &loaded, &error), PDB_OK, "%s", error.message);
        assert_manifests_equal(&manifest, &loaded);
        manifest_deinit(&loaded);
    }
    char path[PDB_PATH_SIZE_MAX], tmp[PDB_PATH_SIZE_MAX];
    snprintf(path, sizeof path, "%s/MANIFEST", directory);
    snprintf(tmp, sizeof tmp, "%s/MANIFEST.tmp", directory);
    cr_assert_neq(access(tmp, F_OK), 0, "no MANIFEST.tmp left behind");

    /* A corrupted file names its path and line. */
    FILE *file = fopen(path, "r+");
    cr_assert_not_null(file);
    fseek(file, 40, SEEK_SET); /* inside "rows 65537" (line 3 starts at byte 34) */
    fputc('9', file);
    fclose(file);
    cr_assert_eq(manifest_load(directory, &loaded, &error), PDB_ERR_CORRUPT);
    cr_assert(strncmp(error.message, path, strlen(path)) == 0, "%s", error.message);
    cr_assert(strstr(error.message, ":10: manifest fails its checksum") != NULL, "%s",
              error.message);

    /* An oversized (sparse) file is refused before it is read. */
    cr_assert_eq(truncate(path, (off_t)PDB_MANIFEST_SIZE_MAX + 1), 0);
    cr_assert_eq(manifest_load(directory, &loaded, &error), PDB_ERR_LIMIT);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(rmdir(directory), 0, "%s", strerror(errno));
    manifest_deinit(&manifest);
}
