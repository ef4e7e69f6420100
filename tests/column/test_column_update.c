/*
 * Tests for column/column_update.c: random in-place updates of int, timestamp, float, bool and
 * category chunks (values that fit the lanes, values below the base or beyond the width that
 * re-lane the chunk, NULLs set and cleared, a chunk that was all NULL) and random rewrites of
 * text and tags chunks (consecutive rows, first and last rows, NULLs, empty values), each
 * checked row by row against an array oracle, with column_chunk_validate, the zone map as a
 * bound of the values, and after column_chunk_reseal the sealed narrowest lanes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "column/column.h"

static uint64_t rng = 88172645463325252ull;
static uint32_t below(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static struct column *make_column(enum pdb_type type)
{
    struct attribute attribute = {.type = type};
    snprintf(attribute.name, sizeof attribute.name, "a");
    struct column *column = column_create(&attribute);
    cr_assert_not_null(column);
    return column;
}

#define ROWS 5000u

static void check_bound(const struct column_chunk *chunk, bool is_null, int64_t value)
{
    if (is_null) return;
    cr_assert(chunk->min_int <= value && value <= chunk->max_int, "zone map bounds %lld",
              (long long)value);
}

static void check_int_chunk(const struct column_chunk *chunk, enum pdb_type type,
                            const bool *nulls, const int64_t *values)
{
    cr_assert_eq(column_chunk_validate(chunk, type, 0), 0);
    for (uint32_t row = 0; row < ROWS; row++) {
        cr_assert_eq(column_chunk_is_null(chunk, row), nulls[row], "row %u null", row);
        if (nulls[row]) continue;
        cr_assert_eq(column_chunk_int(chunk, row), values[row], "row %u", row);
        check_bound(chunk, false, values[row]);
    }
}

static void int_updates(enum pdb_type type, bool starts_null)
{
    struct column *column = make_column(type);
    static bool nulls[ROWS];
    static int64_t values[ROWS];
    struct pdb_error error = {0};
    for (uint32_t row = 0; row < ROWS; row++) {
        nulls[row] = starts_null || below(10) == 0;
        values[row] = 100 + below(50);
        if (nulls[row]) cr_assert_eq(column_append_null(column, &error), PDB_OK);
        else cr_assert_eq(column_append_int(column, values[row], &error), PDB_OK);
    }
    cr_assert_eq(column_seal(column, &error), PDB_OK);
    struct column_chunk *chunk = &column->chunks[0];
    for (uint32_t round = 0; round < 6; round++) {
        for (uint32_t u = 0; u < 400; u++) {
            uint32_t row = below(ROWS);
            uint32_t kind = below(8);
            if (kind == 0) {
                column_chunk_set_null(chunk, type, row);
                nulls[row] = true;
                continue;
            }
            int64_t value = kind == 1 ? 90 - (int64_t)below(20)            /* below the base */
                            : kind == 2 ? 100000 + below(1000)              /* wider lanes */
                            : kind == 3 && round == 5 ? INT64_MIN + below(3) /* the widest */
                            : 100 + below(60);                              /* fits, may pass max */
            cr_assert_eq(column_chunk_set_int(chunk, type, row, value), 0);
            nulls[row] = false;
            values[row] = value;
            check_bound(chunk, false, value);
        }
        check_int_chunk(chunk, type, nulls, values);
        cr_assert_eq(column_chunk_reseal(chunk, type), 0);
        cr_assert(column_chunk_is_sealed(chunk, type));
        check_int_chunk(chunk, type, nulls, values);
    }
    column_destroy(column);
}

Test(column_update, int_values_in_place_and_re_laned)
{
    int_updates(PDB_TYPE_INT, false);
}

Test(column_update, timestamps_into_a_chunk_that_was_all_null)
{
    int_updates(PDB_TYPE_TIMESTAMP, true);
}

Test(column_update, a_chunk_made_all_null_reseals_to_the_null_form)
{
    struct column *column = make_column(PDB_TYPE_INT);
    struct pdb_error error = {0};
    for (uint32_t row = 0; row < 100; row++)
        cr_assert_eq(column_append_int(column, 5000 + row, &error), PDB_OK);
    cr_assert_eq(column_seal(column, &error), PDB_OK);
    struct column_chunk *chunk = &column->chunks[0];
    for (uint32_t row = 0; row < 100; row++) column_chunk_set_null(chunk, PDB_TYPE_INT, row);
    cr_assert_eq(chunk->null_count, 100u);
    cr_assert_eq(column_chunk_reseal(chunk, PDB_TYPE_INT), 0);
    cr_assert_eq(chunk->lane_width_bytes, 1u);
    cr_assert_eq(column_chunk_validate(chunk, PDB_TYPE_INT, 0), 0);
    column_destroy(column);
}

Test(column_update, floats_bools_and_category_codes)
{
    struct column *floats = make_column(PDB_TYPE_FLOAT), *bools = make_column(PDB_TYPE_BOOL);
    struct column *codes = make_column(PDB_TYPE_CATEGORY);
    static double float_values[ROWS];
    static bool bool_values[ROWS], float_nulls[ROWS], bool_nulls[ROWS], code_nulls[ROWS];
    static uint32_t code_values[ROWS];
    struct pdb_error error = {0};
    char name[16];
    for (uint32_t code = 0; code < 600; code++) { /* codes up to 599: re-lanes past 255 */
        uint32_t got;
        snprintf(name, sizeof name, "v%u", code);
        cr_assert_eq(dictionary_intern(&codes->dictionary, name, strlen(name), &got, &error), PDB_OK);
    }
    for (uint32_t row = 0; row < ROWS; row++) {
        float_values[row] = below(100);
        bool_values[row] = below(2);
        code_values[row] = below(10);
        cr_assert_eq(column_append_float(floats, float_values[row], &error), PDB_OK);
        cr_assert_eq(column_append_bool(bools, bool_values[row], &error), PDB_OK);
        snprintf(name, sizeof name, "v%u", code_values[row]);
        cr_assert_eq(column_append_string(codes, name, strlen(name), &error), PDB_OK);
    }
    cr_assert_eq(column_seal(codes, &error), PDB_OK);
    cr_assert_eq(codes->chunks[0].lane_width_bytes, 1u);
    for (uint32_t u = 0; u < 3000; u++) {
        uint32_t row = below(ROWS);
        bool is_null = below(5) == 0;
        switch (below(3)) {
        case 0:
            float_nulls[row] = is_null;
            if (is_null) column_chunk_set_null(&floats->chunks[0], PDB_TYPE_FLOAT, row);
            else column_chunk_set_float(&floats->chunks[0], row, float_values[row] = (double)below(1000) - 500.0);
            break;
        case 1:
            bool_nulls[row] = is_null;
            if (is_null) column_chunk_set_null(&bools->chunks[0], PDB_TYPE_BOOL, row);
            else column_chunk_set_bool(&bools->chunks[0], row, bool_values[row] = below(2));
            break;
        default:
            code_nulls[row] = is_null;
            if (is_null) column_chunk_set_null(&codes->chunks[0], PDB_TYPE_CATEGORY, row);
            else cr_assert_eq(column_chunk_set_code(&codes->chunks[0], row, code_values[row] = below(u < 2000 ? 20 : 600)), 0);
            break;
        }
    }
    cr_assert_eq(column_chunk_reseal(&codes->chunks[0], PDB_TYPE_CATEGORY), 0);
    cr_assert_eq(column_chunk_validate(&floats->chunks[0], PDB_TYPE_FLOAT, 0), 0);
    cr_assert_eq(column_chunk_validate(&bools->chunks[0], PDB_TYPE_BOOL, 0), 0);
    cr_assert_eq(column_chunk_validate(&codes->chunks[0], PDB_TYPE_CATEGORY, 600), 0);
    cr_assert_eq(codes->chunks[0].lane_width_bytes, 2u);
    for (uint32_t row = 0; row < ROWS; row++) {
        const struct column_chunk *f = &floats->chunks[0], *b = &bools->chunks[0], *c = &codes->chunks[0];
        cr_assert_eq(column_chunk_is_null(f, row), float_nulls[row]);
        if (!float_nulls[row]) {
            cr_assert_eq(f->floats[row], float_values[row]);
            cr_assert(f->min_float <= float_values[row] && float_values[row] <= f->max_float);
        } else {
            cr_assert_eq(f->floats[row], 0.0, "a NULL float holds 0.0");
        }
        cr_assert_eq(column_chunk_is_null(b, row), bool_nulls[row]);
        bool bit = (b->bools[row >> 6] >> (row & 63u)) & 1u;
        cr_assert_eq(bit, bool_nulls[row] ? false : bool_values[row], "row %u bool", row);
        cr_assert_eq(column_chunk_is_null(c, row), code_nulls[row]);
        if (!code_nulls[row]) {
            cr_assert_eq(column_chunk_code(c, row), code_values[row]);
            cr_assert(c->min_int <= (int64_t)code_values[row] && (int64_t)code_values[row] <= c->max_int);
        }
    }
    column_destroy(floats);
    column_destroy(bools);
    column_destroy(codes);
}

/* ---- Text and tags ----------------------------------------------------------------------- */

Test(column_update, text_rewrites_match_the_oracle)
{
    struct column *column = make_column(PDB_TYPE_TEXT);
    static char values[ROWS][24];
    static bool nulls[ROWS];
    struct pdb_error error = {0};
    for (uint32_t row = 0; row < ROWS; row++) {
        snprintf(values[row], sizeof values[row], "v%u", below(100000));
        cr_assert_eq(column_append_string(column, values[row], strlen(values[row]), &error), PDB_OK);
    }
    struct column_chunk *chunk = &column->chunks[0];
    static struct column_replacement replacements[ROWS];
    static char texts[ROWS][24];
    for (uint32_t round = 0; round < 20; round++) {
        uint32_t count = 0;
        for (uint32_t row = 0; row < ROWS; row++) {
            /* runs of consecutive rows, the first and the last row, sparse rows */
            bool is_chosen = round % 5 == 0 ? row < 10 || row >= ROWS - 10 || (row / 7) % 3 == 0
                                            : below(50) == 0;
            if (!is_chosen) continue;
            struct column_replacement *replacement = &replacements[count++];
            replacement->row = row;
            replacement->is_null = below(6) == 0;
            uint32_t kind = below(4);
            if (kind == 0) texts[row][0] = '\0';
            else snprintf(texts[row], sizeof texts[row], kind == 1 ? "long-value-%u-%u" : "w%u", row, round);
            replacement->size = replacement->is_null ? 0 : (uint32_t)strlen(texts[row]);
            replacement->data = texts[row];
            nulls[row] = replacement->is_null;
            if (!replacement->is_null) memcpy(values[row], texts[row], strlen(texts[row]) + 1);
            else values[row][0] = '\0';
        }
        cr_assert_eq(column_chunk_replace_values(chunk, PDB_TYPE_TEXT, replacements, count, &error), PDB_OK, "%s", error.message);
        cr_assert_eq(column_chunk_validate(chunk, PDB_TYPE_TEXT, 0), 0);
        for (uint32_t row = 0; row < ROWS; row++) {
            uint32_t size;
            const char *text = column_chunk_text(chunk, row, &size);
            cr_assert_eq(column_chunk_is_null(chunk, row), nulls[row], "row %u", row);
            cr_assert(size == strlen(values[row]) && memcmp(text, values[row], size) == 0,
                      "round %u row %u", round, row);
        }
    }
    /* Appending after a rewrite still works (the capacity is the rewritten size). */
    cr_assert_eq(column_append_string(column, "tail", 4, &error), PDB_OK);
    cr_assert_eq(column_chunk_validate(chunk, PDB_TYPE_TEXT, 0), 0);
    column_destroy(column);
}

Test(column_update, tags_rewrites_match_the_oracle)
{
    struct column *column = make_column(PDB_TYPE_TAGS);
    static uint32_t masks[ROWS];
    static bool nulls[ROWS];
    struct pdb_error error = {0};
    const char *names[] = {"t0", "t1", "t2", "t3", "t4"};
    uint32_t sizes[] = {2, 2, 2, 2, 2};
    for (uint32_t row = 0; row < ROWS; row++) {
        masks[row] = below(32);
        const char *data[5];
        uint32_t data_sizes[5], count = 0;
        for (uint32_t t = 0; t < 5; t++)
            if (masks[row] & (1u << t)) data[count] = names[t], data_sizes[count++] = sizes[t];
        cr_assert_eq(column_append_tags(column, data, data_sizes, count, &error), PDB_OK);
    }
    /* The codes of t0..t4 are their first-seen order: find them. */
    uint32_t code_of[5];
    for (uint32_t t = 0; t < 5; t++) code_of[t] = dictionary_find(&column->dictionary, names[t], 2);
    struct column_chunk *chunk = &column->chunks[0];
    static struct column_replacement replacements[ROWS];
    static uint32_t codes[ROWS][5];
    for (uint32_t round = 0; round < 10; round++) {
        uint32_t count = 0;
        for (uint32_t row = 0; row < ROWS; row++) {
            if (below(20) != 0 && !(round == 3 && row + 1 == ROWS)) continue;
            struct column_replacement *replacement = &replacements[count++];
            uint32_t mask = below(32), n = 0;
            for (uint32_t code = 0; code < 5; code++)
                for (uint32_t t = 0; t < 5; t++)
                    if ((mask & (1u << t)) && code_of[t] == code) codes[row][n++] = code;
            *replacement = (struct column_replacement){.row = row, .is_null = below(5) == 0, .size = n, .data = codes[row]};
            nulls[row] = replacement->is_null;
            masks[row] = replacement->is_null ? 0 : mask;
            if (replacement->is_null) replacement->size = 0;
        }
        cr_assert_eq(column_chunk_replace_values(chunk, PDB_TYPE_TAGS, replacements, count, &error), PDB_OK);
        cr_assert_eq(column_chunk_validate(chunk, PDB_TYPE_TAGS, 5), 0);
        for (uint32_t row = 0; row < ROWS; row++) {
            cr_assert_eq(column_chunk_is_null(chunk, row), nulls[row]);
            uint32_t mask = 0;
            for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++)
                for (uint32_t t = 0; t < 5; t++)
                    if (code_of[t] == chunk->tag_codes[i]) mask |= 1u << t;
            cr_assert_eq(mask, masks[row], "round %u row %u", round, row);
        }
    }
    column_destroy(column);
}
