/*
 * Tests for column/column.c: appends of every type (values and NULLs), the chunk rollover at
 * exactly PDB_CHUNK_ROWS rows, zone maps, tag sets (sorted, deduplicated, empty vs NULL),
 * limits, out-of-memory behaviour, column_validate against hand-made corruptions, and
 * chunk summaries. Each test builds its columns from scratch.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/bitset.h"
#include "base/limits.h"
#include "column/column.h"

/* ---- Helpers ---------------------------------------------------------------------------- */

static struct column *make_column(const char *name, enum pdb_type type)
{
    struct attribute attribute = {.type = type};
    strncpy(attribute.name, name, PDB_ATTRIBUTE_NAME_SIZE_MAX);
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    cr_assert_str_eq(column->attribute.name, name);
    cr_assert_eq(column_row_count(column), 0u);
    cr_assert_eq(column->chunk_count, 0u);
    return column;
}

#define OK(call)                                                                                   \
    do {                                                                                           \
        struct pdb_error ok_error_ = {0};                                                          \
        enum pdb_status ok_status_ = (call);                                                       \
        (void)ok_error_;                                                                           \
        cr_assert_eq(ok_status_, PDB_OK, "%s failed: %d", #call, ok_status_);                      \
    } while (0)

static void append_tag_list(struct column *column, const char *const *tags, uint32_t count)
{
    uint32_t sizes[16];
    cr_assert(count <= 16);
    for (uint32_t i = 0; i < count; i++)
        sizes[i] = (uint32_t)strlen(tags[i]);
    OK(column_append_tags(column, tags, sizes, count, NULL));
}

/* The strings of row `row`'s tag set, joined by '|', into out. */
static void render_tags(const struct column *column, const struct column_chunk *chunk, uint32_t row,
                        char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++) {
        uint32_t size;
        const char *bytes = dictionary_entry(&column->dictionary, chunk->tag_codes[i], &size);
        used += (size_t)snprintf(out + used, out_size - used, "%s%.*s",
                                 i > chunk->offsets[row] ? "|" : "", (int)size, bytes);
    }
}

/* ---- Appends of each type ------------------------------------------------------------- */

Test(column, appends_bools_and_nulls)
{
    struct column *column = make_column("flag", PDB_TYPE_BOOL);
    OK(column_append_bool(column, true, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_bool(column, false, NULL));
    OK(column_append_bool(column, true, NULL));
    cr_assert_eq(column_row_count(column), 4u);
    const struct column_chunk *chunk = &column->chunks[0];
    cr_assert_eq(chunk->row_count, 4u);
    cr_assert_eq(chunk->null_count, 1u);
    cr_assert(bitset_test(chunk->bools, 0));
    cr_assert_not(bitset_test(chunk->bools, 1), "a NULL bool holds bit 0");
    cr_assert_not(bitset_test(chunk->bools, 2));
    cr_assert(bitset_test(chunk->bools, 3));
    cr_assert_not(column_chunk_is_null(chunk, 0));
    cr_assert(column_chunk_is_null(chunk, 1));
    cr_assert_not(column_chunk_is_null(chunk, 2));
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, appends_ints_and_timestamps_with_extremes)
{
    enum pdb_type types[] = {PDB_TYPE_INT, PDB_TYPE_TIMESTAMP};
    for (int t = 0; t < 2; t++) {
        struct column *column = make_column("n", types[t]);
        int64_t values[] = {5, INT64_MIN, 0, INT64_MAX, -1};
        OK(column_append_null(column, NULL));
        for (int i = 0; i < 5; i++)
            OK(column_append_int(column, values[i], NULL));
        OK(column_append_null(column, NULL));
        const struct column_chunk *chunk = &column->chunks[0];
        cr_assert_eq(chunk->row_count, 7u);
        cr_assert_eq(chunk->null_count, 2u);
        cr_assert_eq(column_chunk_lane(chunk, 0), 0u, "a NULL int holds lane 0");
        for (int i = 0; i < 5; i++)
            cr_assert_eq(column_chunk_int(chunk, (uint32_t)i + 1), values[i]);
        cr_assert_eq(column_chunk_lane(chunk, 6), 0u);
        cr_assert_eq(chunk->min_int, INT64_MIN);
        cr_assert_eq(chunk->max_int, INT64_MAX);
        cr_assert_eq(column_validate(column), 0);
        column_destroy(column);
    }
}

Test(column, appends_floats_folding_negative_zero)
{
    struct column *column = make_column("score", PDB_TYPE_FLOAT);
    OK(column_append_float(column, -0.0, NULL));
    OK(column_append_float(column, 2.5, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_float(column, -1e300, NULL));
    OK(column_append_float(column, 5e-324, NULL));
    const struct column_chunk *chunk = &column->chunks[0];
    cr_assert_eq(chunk->floats[0], 0.0);
    cr_assert_not(signbit(chunk->floats[0]), "-0.0 is stored as +0.0");
    cr_assert_eq(chunk->floats[1], 2.5);
    cr_assert_eq(chunk->floats[2], 0.0);
    cr_assert_eq(chunk->floats[3], -1e300);
    cr_assert_eq(chunk->floats[4], 5e-324);
    cr_assert_eq(chunk->min_float, -1e300);
    cr_assert_eq(chunk->max_float, 2.5);
    cr_assert_eq(chunk->null_count, 1u);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, appends_category_codes_through_the_dictionary)
{
    struct column *column = make_column("country", PDB_TYPE_CATEGORY);
    const char *values[] = {"fr", "de", "fr", "", "de", "it"};
    for (int i = 0; i < 6; i++)
        OK(column_append_string(column, values[i], strlen(values[i]), NULL));
    OK(column_append_null(column, NULL));
    const struct column_chunk *chunk = &column->chunks[0];
    uint32_t expected[] = {0, 1, 0, 2, 1, 3};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(column_chunk_code(chunk, (uint32_t)i), expected[i], "row %d", i);
    cr_assert_eq(column->dictionary.entry_count, 4u);
    uint32_t size;
    const char *bytes = dictionary_entry(&column->dictionary, 2, &size);
    cr_assert_eq(size, 0u, "the empty string is a real category value");
    (void)bytes;
    cr_assert(column_chunk_is_null(chunk, 6));
    cr_assert_not(column_chunk_is_null(chunk, 3));
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, appends_text_with_empty_strings_and_nulls)
{
    struct column *column = make_column("name", PDB_TYPE_TEXT);
    OK(column_append_string(column, "Ada", 3, NULL));
    OK(column_append_string(column, "", 0, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_string(column, "a\0b", 3, NULL)); /* any bytes */
    OK(column_append_string(column, "\xc3\xa9t\xc3\xa9", 6, NULL));
    const struct column_chunk *chunk = &column->chunks[0];
    uint32_t size;
    const char *text = column_chunk_text(chunk, 0, &size);
    cr_assert_eq(size, 3u);
    cr_assert(memcmp(text, "Ada", 3) == 0);
    column_chunk_text(chunk, 1, &size);
    cr_assert_eq(size, 0u);
    cr_assert_not(column_chunk_is_null(chunk, 1), "empty string is not NULL");
    column_chunk_text(chunk, 2, &size);
    cr_assert_eq(size, 0u);
    cr_assert(column_chunk_is_null(chunk, 2));
    text = column_chunk_text(chunk, 3, &size);
    cr_assert_eq(size, 3u);
    cr_assert(memcmp(text, "a\0b", 3) == 0);
    text = column_chunk_text(chunk, 4, &size);
    cr_assert_eq(size, 6u);
    cr_assert_eq(chunk->text_bytes_size, 12u);
    cr_assert_eq(chunk->offsets[5], 12u);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, text_chunk_of_only_empty_values_is_valid)
{
    struct column *column = make_column("name", PDB_TYPE_TEXT);
    OK(column_append_string(column, "", 0, NULL));
    OK(column_append_null(column, NULL));
    cr_assert_eq(column->chunks[0].text_bytes_size, 0u);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, tags_are_sorted_and_deduplicated)
{
    struct column *column = make_column("tags", PDB_TYPE_TAGS);
    const char *first[] = {"vip", "new", "vip", "eu"};
    append_tag_list(column, first, 4);
    const char *second[] = {"eu", "eu"};
    append_tag_list(column, second, 2);
    const char *third[] = {"zeta", "vip"};
    append_tag_list(column, third, 2);
    const struct column_chunk *chunk = &column->chunks[0];
    /* Codes in first-seen order: vip 0, new 1, eu 2, zeta 3. Rows hold sorted codes. */
    cr_assert_eq(chunk->offsets[1] - chunk->offsets[0], 3u);
    cr_assert_eq(chunk->tag_codes[0], 0u);
    cr_assert_eq(chunk->tag_codes[1], 1u);
    cr_assert_eq(chunk->tag_codes[2], 2u);
    cr_assert_eq(chunk->offsets[2] - chunk->offsets[1], 1u);
    cr_assert_eq(chunk->tag_codes[3], 2u);
    cr_assert_eq(chunk->offsets[3] - chunk->offsets[2], 2u);
    cr_assert_eq(chunk->tag_codes[4], 0u);
    cr_assert_eq(chunk->tag_codes[5], 3u);
    char text[64];
    render_tags(column, chunk, 0, text, sizeof text);
    cr_assert_str_eq(text, "vip|new|eu");
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, tags_distinguish_empty_set_from_null)
{
    struct column *column = make_column("tags", PDB_TYPE_TAGS);
    append_tag_list(column, NULL, 0); /* empty set first, while the code array is still empty */
    OK(column_append_null(column, NULL));
    const char *one[] = {"a"};
    append_tag_list(column, one, 1);
    append_tag_list(column, NULL, 0);
    const struct column_chunk *chunk = &column->chunks[0];
    cr_assert_eq(chunk->row_count, 4u);
    cr_assert_eq(chunk->null_count, 1u);
    cr_assert_not(column_chunk_is_null(chunk, 0));
    cr_assert_eq(chunk->offsets[1], 0u);
    cr_assert(column_chunk_is_null(chunk, 1));
    cr_assert_eq(chunk->offsets[2], 0u);
    cr_assert_eq(chunk->offsets[3], 1u);
    cr_assert_eq(chunk->offsets[4], 1u);
    cr_assert_not(column_chunk_is_null(chunk, 3));
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, tags_accept_the_limit_and_reject_one_more)
{
    struct column *column = make_column("tags", PDB_TYPE_TAGS);
    static char names[PDB_TAGS_PER_VALUE_MAX + 1][8];
    static const char *tags[PDB_TAGS_PER_VALUE_MAX + 1];
    static uint32_t sizes[PDB_TAGS_PER_VALUE_MAX + 1];
    for (uint32_t i = 0; i <= PDB_TAGS_PER_VALUE_MAX; i++) {
        snprintf(names[i], sizeof names[i], "t%u", i);
        tags[i] = names[i];
        sizes[i] = (uint32_t)strlen(names[i]);
    }
    OK(column_append_tags(column, tags, sizes, PDB_TAGS_PER_VALUE_MAX, NULL));
    struct pdb_error error = {0};
    cr_assert_eq(column_append_tags(column, tags, sizes, PDB_TAGS_PER_VALUE_MAX + 1, &error),
                 PDB_ERR_LIMIT);
    cr_assert(strstr(error.message, "'tags'") != NULL, "%s", error.message);
    cr_assert_eq(column_row_count(column), 1u, "a rejected value adds no row");
    cr_assert_eq(column->chunks[0].offsets[1], PDB_TAGS_PER_VALUE_MAX);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, rejects_values_over_the_size_limit)
{
    size_t size = PDB_TEXT_VALUE_SIZE_MAX + 1;
    char *big = calloc(1, size);
    enum pdb_type types[] = {PDB_TYPE_TEXT, PDB_TYPE_CATEGORY};
    for (int t = 0; t < 2; t++) {
        struct column *column = make_column("big", types[t]);
        OK(column_append_string(column, big, size - 1, NULL));
        struct pdb_error error = {0};
        cr_assert_eq(column_append_string(column, big, size, &error), PDB_ERR_LIMIT);
        cr_assert(strstr(error.message, "'big'") != NULL);
        cr_assert_eq(column_row_count(column), 1u);
        cr_assert_eq(column_validate(column), 0);
        column_destroy(column);
    }
    struct column *column = make_column("tags", PDB_TYPE_TAGS);
    const char *tags[] = {"ok", big};
    uint32_t sizes[] = {2, (uint32_t)size};
    struct pdb_error error = {0};
    cr_assert_eq(column_append_tags(column, tags, sizes, 2, &error), PDB_ERR_LIMIT);
    cr_assert_eq(column_row_count(column), 0u);
    column_destroy(column);
    free(big);
}

/* ---- Chunks ------------------------------------------------------------------------------ */

Test(column, rolls_over_to_a_new_chunk_at_exactly_65536_rows)
{
    struct column *column = make_column("n", PDB_TYPE_INT);
    for (uint32_t i = 0; i < PDB_CHUNK_ROWS; i++)
        OK(column_append_int(column, (int64_t)i, NULL));
    cr_assert_eq(column->chunk_count, 1u, "a full chunk does not open the next one early");
    cr_assert_eq(column->chunks[0].row_count, PDB_CHUNK_ROWS);
    cr_assert_eq(column_row_count(column), PDB_CHUNK_ROWS);
    OK(column_append_int(column, -7, NULL));
    cr_assert_eq(column->chunk_count, 2u);
    cr_assert_eq(column->chunks[1].row_count, 1u);
    cr_assert_eq(column_chunk_int(&column->chunks[1], 0), -7);
    cr_assert_eq(column_row_count(column), PDB_CHUNK_ROWS + 1u);
    /* Zone maps are per chunk. */
    cr_assert_eq(column->chunks[0].min_int, 0);
    cr_assert_eq(column->chunks[0].max_int, PDB_CHUNK_ROWS - 1);
    cr_assert_eq(column->chunks[1].min_int, -7);
    cr_assert_eq(column->chunks[1].max_int, -7);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, rolls_over_for_every_type_with_nulls)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        struct column *column = make_column("c", (enum pdb_type)type);
        const char *tag[] = {"x"};
        uint32_t tag_size[] = {1};
        uint32_t total = PDB_CHUNK_ROWS * 2 + 3;
        for (uint32_t row = 0; row < total; row++) {
            if (row % 5 == 0) {
                OK(column_append_null(column, NULL));
                continue;
            }
            switch ((enum pdb_type)type) {
            case PDB_TYPE_BOOL:
                OK(column_append_bool(column, row & 1, NULL));
                break;
            case PDB_TYPE_INT:
            case PDB_TYPE_TIMESTAMP:
                OK(column_append_int(column, row, NULL));
                break;
            case PDB_TYPE_FLOAT:
                OK(column_append_float(column, row * 0.5, NULL));
                break;
            case PDB_TYPE_CATEGORY:
            case PDB_TYPE_TEXT:
                OK(column_append_string(column, "ab", row % 3, NULL));
                break;
            case PDB_TYPE_TAGS:
                OK(column_append_tags(column, tag, tag_size, row % 2, NULL));
                break;
            default:
                break;
            }
        }
        cr_assert_eq(column->chunk_count, 3u, "type %d", type);
        cr_assert_eq(column->chunks[0].row_count, PDB_CHUNK_ROWS);
        cr_assert_eq(column->chunks[1].row_count, PDB_CHUNK_ROWS);
        cr_assert_eq(column->chunks[2].row_count, 3u);
        cr_assert_eq(column_row_count(column), total);
        /* Rows 0..65535: multiples of 5 -> 13108 nulls. Row 65536 = 5 * 13107.2: chunk 1 starts
         * at 65536, its first null is row 65540. */
        cr_assert_eq(column->chunks[0].null_count, 13108u, "type %d", type);
        cr_assert_eq(column->chunks[1].null_count, 13107u, "type %d", type);
        cr_assert(column_chunk_is_null(&column->chunks[1], 4));
        cr_assert_eq(column_validate(column), 0, "type %d", type);
        column_destroy(column);
    }
}

Test(column, clear_chunks_keeps_the_dictionary)
{
    struct column *column = make_column("country", PDB_TYPE_CATEGORY);
    OK(column_append_string(column, "fr", 2, NULL));
    OK(column_append_string(column, "de", 2, NULL));
    column_clear_chunks(column);
    cr_assert_eq(column_row_count(column), 0u);
    cr_assert_eq(column->chunk_count, 0u);
    cr_assert_eq(column->dictionary.entry_count, 2u);
    OK(column_append_string(column, "de", 2, NULL));
    cr_assert_eq(column_chunk_code(&column->chunks[0], 0), 1u, "codes stay stable across chunks");
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, add_chunk_grows_past_the_initial_capacity)
{
    struct column *column = make_column("n", PDB_TYPE_TEXT);
    for (int i = 0; i < 9; i++)
        cr_assert_not_null(column_add_chunk(column));
    cr_assert_eq(column->chunk_count, 9u);
    cr_assert_geq(column->chunk_capacity, 9u);
    /* Empty chunks in the middle break the "every chunk but the last is full" invariant. */
    cr_assert_neq(column_validate(column), 0);
    column_destroy(column);
}

/* ---- Zone maps --------------------------------------------------------------------------- */

Test(column, zone_map_ignores_nulls_before_the_first_value)
{
    struct column *column = make_column("n", PDB_TYPE_INT);
    OK(column_append_null(column, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_int(column, 100, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_int(column, 50, NULL));
    cr_assert_eq(column->chunks[0].min_int, 50, "NULLs (stored as 0) are not in the zone map");
    cr_assert_eq(column->chunks[0].max_int, 100);
    column_destroy(column);

    column = make_column("f", PDB_TYPE_FLOAT);
    OK(column_append_null(column, NULL));
    OK(column_append_float(column, -3.0, NULL));
    OK(column_append_float(column, -9.0, NULL));
    cr_assert_eq(column->chunks[0].min_float, -9.0);
    cr_assert_eq(column->chunks[0].max_float, -3.0);
    column_destroy(column);
}

Test(column, zone_map_matches_a_model_over_random_values)
{
    srand(11);
    struct column *column = make_column("n", PDB_TYPE_INT);
    struct column *floats = make_column("f", PDB_TYPE_FLOAT);
    int64_t min = INT64_MAX, max = INT64_MIN;
    double fmin = INFINITY, fmax = -INFINITY;
    for (int i = 0; i < 5000; i++) {
        if (rand() % 4 == 0) {
            OK(column_append_null(column, NULL));
            OK(column_append_null(floats, NULL));
            continue;
        }
        int64_t value = ((int64_t)rand() << 20) - ((int64_t)rand() << 30);
        double fvalue = (double)value / 7.0;
        if (value < min) min = value;
        if (value > max) max = value;
        if (fvalue < fmin) fmin = fvalue;
        if (fvalue > fmax) fmax = fvalue;
        OK(column_append_int(column, value, NULL));
        OK(column_append_float(floats, fvalue, NULL));
    }
    cr_assert_eq(column->chunks[0].min_int, min);
    cr_assert_eq(column->chunks[0].max_int, max);
    cr_assert_eq(floats->chunks[0].min_float, fmin);
    cr_assert_eq(floats->chunks[0].max_float, fmax);

    /* refresh_summary recomputes the same map. */
    struct column_chunk *chunk = &column->chunks[0];
    uint32_t nulls = chunk->null_count;
    chunk->min_int = chunk->max_int = 12345;
    chunk->null_count = 0;
    column_chunk_refresh_summary(chunk, PDB_TYPE_INT);
    cr_assert_eq(chunk->min_int, min);
    cr_assert_eq(chunk->max_int, max);
    cr_assert_eq(chunk->null_count, nulls);
    chunk = &floats->chunks[0];
    chunk->min_float = chunk->max_float = 0.5;
    column_chunk_refresh_summary(chunk, PDB_TYPE_FLOAT);
    cr_assert_eq(chunk->min_float, fmin);
    cr_assert_eq(chunk->max_float, fmax);
    column_destroy(column);
    column_destroy(floats);
}

/* ---- Validation ------------------------------------------------------------------------- */

Test(column, validate_catches_broken_null_bookkeeping)
{
    struct column *column = make_column("n", PDB_TYPE_INT);
    for (int i = 0; i < 10; i++)
        OK(column_append_int(column, i, NULL));
    OK(column_append_null(column, NULL));
    struct column_chunk *chunk = &column->chunks[0];
    cr_assert_eq(column_validate(column), 0);
    chunk->null_count = 2;
    cr_assert_neq(column_validate(column), 0, "null_count != popcount");
    chunk->null_count = 1;
    bitset_set(chunk->nulls, 11);
    chunk->null_count = 2;
    cr_assert_neq(column_validate(column), 0, "null bit beyond row_count");
    bitset_clear_bit(chunk->nulls, 11);
    chunk->null_count = 1;
    bitset_set(chunk->nulls, PDB_CHUNK_ROWS - 1);
    chunk->null_count = 2;
    cr_assert_neq(column_validate(column), 0, "null bit in the last word");
    bitset_clear_bit(chunk->nulls, PDB_CHUNK_ROWS - 1);
    chunk->null_count = 1;
    cr_assert_eq(column_validate(column), 0);
    chunk->row_count = PDB_CHUNK_ROWS + 1;
    cr_assert_neq(column_validate(column), 0, "row_count above the chunk size");
    chunk->row_count = 11;
    column_destroy(column);
}

Test(column, validate_catches_bad_values_of_each_type)
{
    /* bool: a value bit beyond the rows. */
    struct column *column = make_column("b", PDB_TYPE_BOOL);
    OK(column_append_bool(column, true, NULL));
    bitset_set(column->chunks[0].bools, 5);
    cr_assert_neq(column_validate(column), 0);
    column_destroy(column);

    /* float: NaN and infinity. */
    column = make_column("f", PDB_TYPE_FLOAT);
    OK(column_append_float(column, 1.0, NULL));
    column->chunks[0].floats[0] = NAN;
    cr_assert_neq(column_validate(column), 0);
    column->chunks[0].floats[0] = -INFINITY;
    cr_assert_neq(column_validate(column), 0);
    column->chunks[0].floats[0] = 1.0;
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);

    /* category: a code outside the dictionary (NULL rows may hold anything). */
    column = make_column("c", PDB_TYPE_CATEGORY);
    OK(column_append_string(column, "x", 1, NULL));
    OK(column_append_null(column, NULL));
    column_chunk_lane_store(&column->chunks[0], 1, 99);
    cr_assert_eq(column_validate(column), 0);
    column_chunk_lane_store(&column->chunks[0], 0, 1);
    cr_assert_neq(column_validate(column), 0);
    column_destroy(column);

    /* text: offsets that decrease, a NULL row with bytes, bytes size mismatch. */
    column = make_column("t", PDB_TYPE_TEXT);
    OK(column_append_string(column, "abc", 3, NULL));
    OK(column_append_null(column, NULL));
    OK(column_append_string(column, "de", 2, NULL));
    struct column_chunk *chunk = &column->chunks[0];
    cr_assert_eq(column_validate(column), 0);
    chunk->offsets[1] = 4;
    cr_assert_neq(column_validate(column), 0, "NULL row with bytes");
    chunk->offsets[1] = 6;
    cr_assert_neq(column_validate(column), 0, "offsets decrease");
    chunk->offsets[1] = 3;
    chunk->offsets[0] = 1;
    cr_assert_neq(column_validate(column), 0, "offsets start above 0");
    chunk->offsets[0] = 0;
    chunk->text_bytes_size = 4;
    cr_assert_neq(column_validate(column), 0, "bytes size mismatch");
    chunk->text_bytes_size = 5;
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);

    /* tags: unsorted or repeated codes, codes outside the dictionary. */
    column = make_column("g", PDB_TYPE_TAGS);
    const char *tags[] = {"a", "b", "c"};
    append_tag_list(column, tags, 3);
    chunk = &column->chunks[0];
    cr_assert_eq(column_validate(column), 0);
    chunk->tag_codes[0] = 1;
    cr_assert_neq(column_validate(column), 0, "repeated code");
    chunk->tag_codes[0] = 2;
    chunk->tag_codes[2] = 0;
    cr_assert_neq(column_validate(column), 0, "unsorted codes");
    chunk->tag_codes[0] = 0;
    chunk->tag_codes[2] = 3;
    cr_assert_neq(column_validate(column), 0, "code outside the dictionary");
    chunk->tag_codes[2] = 2;
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, validate_catches_a_short_chunk_before_the_last)
{
    struct column *column = make_column("n", PDB_TYPE_INT);
    for (uint32_t i = 0; i <= PDB_CHUNK_ROWS; i++)
        OK(column_append_int(column, 1, NULL));
    cr_assert_eq(column_validate(column), 0);
    column->chunks[0].row_count--;
    cr_assert_neq(column_validate(column), 0);
    column->chunks[0].row_count++;
    column_destroy(column);
}

Test(column, validate_checks_the_dictionary)
{
    struct column *column = make_column("c", PDB_TYPE_CATEGORY);
    OK(column_append_string(column, "x", 1, NULL));
    column->dictionary.bytes_size = 7;
    cr_assert_neq(column_validate(column), 0);
    column->dictionary.bytes_size = 1;
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

/* ---- Sizes, memory --------------------------------------------------------------------- */

Test(column, memory_size_counts_rows_not_capacity)
{
    struct column *column = make_column("n", PDB_TYPE_INT);
    for (int i = 0; i < 100; i++)
        OK(column_append_int(column, i, NULL));
    cr_assert_eq(column_chunk_memory_size(&column->chunks[0], PDB_TYPE_INT), 13u + 800u);
    column_destroy(column);

    column = make_column("t", PDB_TYPE_TEXT);
    OK(column_append_string(column, "hello", 5, NULL));
    OK(column_append_null(column, NULL));
    cr_assert_eq(column_chunk_memory_size(&column->chunks[0], PDB_TYPE_TEXT), 1u + 12u + 5u);
    column_destroy(column);

    column = make_column("g", PDB_TYPE_TAGS);
    const char *tags[] = {"a", "b"};
    append_tag_list(column, tags, 2);
    cr_assert_eq(column_chunk_memory_size(&column->chunks[0], PDB_TYPE_TAGS), 1u + 8u + 8u);
    column_destroy(column);

    column = make_column("b", PDB_TYPE_BOOL);
    for (int i = 0; i < 9; i++)
        OK(column_append_bool(column, true, NULL));
    cr_assert_eq(column_chunk_memory_size(&column->chunks[0], PDB_TYPE_BOOL), 2u + 2u);
    column_destroy(column);
}

Test(column, reports_out_of_memory_when_a_chunk_cannot_be_allocated)
{
    for (int type = 0; type < PDB_TYPE_COUNT; type++) {
        struct column *column = make_column("c", (enum pdb_type)type);
        struct pdb_error error = {0};
        uint64_t fail_after = 0;
        for (;; fail_after++) {
            cr_assert_lt(fail_after, 8u, "type %d never succeeds", type);
            mem_fail_after(fail_after);
            enum pdb_status status = column_append_null(column, &error);
            mem_fail_after(UINT64_MAX);
            if (status == PDB_OK) break;
            cr_assert_eq(status, PDB_ERR_NO_MEMORY, "type %d", type);
            cr_assert_eq(error.status, PDB_ERR_NO_MEMORY);
            cr_assert_eq(column_row_count(column), 0u);
            cr_assert_eq(column->chunk_count, 0u);
        }
        cr_assert_geq(fail_after, 2u, "the chunk array, null bitset and values are allocated");
        cr_assert_eq(column_row_count(column), 1u);
        cr_assert_eq(column_validate(column), 0);
        column_destroy(column);
    }
}

Test(column, reports_out_of_memory_on_string_growth_and_stays_valid)
{
    struct column *column = make_column("t", PDB_TYPE_TEXT);
    OK(column_append_string(column, "seed", 4, NULL));
    static char value[4096];
    struct pdb_error error = {0};
    mem_fail_after(0);
    enum pdb_status status = column_append_string(column, value, sizeof value, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    cr_assert_eq(column_row_count(column), 1u);
    cr_assert_eq(column_validate(column), 0);

    column_destroy(column);
    column = make_column("g", PDB_TYPE_TAGS);
    const char *tags[] = {"a"};
    uint32_t sizes[] = {1};
    mem_fail_after(0);
    status = column_append_tags(column, tags, sizes, 1, &error);
    mem_fail_after(UINT64_MAX);
    cr_assert_eq(status, PDB_ERR_NO_MEMORY);
    cr_assert_eq(column_validate(column), 0);
    column_destroy(column);
}

Test(column, destroy_accepts_null)
{
    column_destroy(NULL);
}

/* The fixed-size arrays of every chunk (nulls, bools, lanes at each width, floats, offsets)
 * are blocks (base/alloc.h) and all of them go back when the column is destroyed: counted,
 * since a block the pool keeps is invisible to a leak checker. (Under AddressSanitizer blocks
 * are plain allocations that ASan's leak check covers too.) */
Test(column, chunk_arrays_are_blocks_and_all_are_freed)
{
    static const enum pdb_type types[] = {PDB_TYPE_BOOL, PDB_TYPE_INT, PDB_TYPE_TIMESTAMP,
                                          PDB_TYPE_FLOAT, PDB_TYPE_CATEGORY, PDB_TYPE_TEXT,
                                          PDB_TYPE_TAGS};
    struct mem_block_stats before, during, after;
    mem_block_stats(&before);
    struct column *columns[7];
    for (int t = 0; t < 7; t++) columns[t] = make_column("c", types[t]);
    const char *tag = "t";
    uint32_t tag_size = 1;
    for (uint32_t row = 0; row < PDB_CHUNK_ROWS + 100u; row++) {
        struct pdb_error error = {0};
        for (int t = 0; t < 7; t++) {
            if (row % 7 == 3) {
                OK(column_append_null(columns[t], &error));
                continue;
            }
            switch (types[t]) {
            case PDB_TYPE_BOOL: OK(column_append_bool(columns[t], row & 1, &error)); break;
            case PDB_TYPE_INT: OK(column_append_int(columns[t], (int64_t)row * 1000003, &error)); break; /* widens */
            case PDB_TYPE_TIMESTAMP: OK(column_append_int(columns[t], 1700000000 + row, &error)); break;
            case PDB_TYPE_FLOAT: OK(column_append_float(columns[t], row * 0.5, &error)); break;
            case PDB_TYPE_CATEGORY: OK(column_append_string(columns[t], row % 2 ? "a" : "b", 1, &error)); break;
            case PDB_TYPE_TEXT: OK(column_append_string(columns[t], "text", 4, &error)); break;
            default: OK(column_append_tags(columns[t], &tag, &tag_size, 1, &error)); break;
            }
        }
    }
    for (int t = 0; t < 7; t++) cr_assert_eq(columns[t]->chunk_count, 2u);
    mem_block_stats(&during);
    /* per chunk: nulls, plus bools / lanes / floats / offsets (lanes of a chunk that
     * widened were freed and allocated again) */
    cr_assert_eq(during.blocks_in_use - before.blocks_in_use, 7u * 2u * 2u);
    for (int t = 0; t < 7; t++) column_destroy(columns[t]);
    mem_block_stats(&after);
    cr_assert_eq(after.blocks_in_use, before.blocks_in_use);
    cr_assert_eq(after.bytes_in_use, before.bytes_in_use);
}
