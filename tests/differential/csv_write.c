/*
 * Writes the differential test's rows as the engine ingests them: <dir>/schema.txt (one
 * `<name> <type> [flags]` per line) and <dir>/rows.csv (RFC 4180, notes/csv_conventions.md).
 *
 * The file exercises the conventions as well as carrying the data: the header lists the
 * attributes in a shuffled order with random case and padding, m1 is left out (it loads as
 * NULL), seeds choose LF or CRLF line ends and an optional UTF-8 BOM, a few blank lines are
 * sprinkled in, NULL is an empty unquoted field (or "" for non-string types), the empty string
 * and the empty tag set are "" (or " | " for an empty set), numbers are sometimes padded with
 * spaces, bools use every accepted spelling and timestamps mix epoch seconds and ISO forms.
 * Row k of the file is row id k.
 */
#include "diff.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema-file type names, spelled here rather than taken from the engine. */
static const char *const type_names[PDB_TYPE_COUNT] = {
    [PDB_TYPE_BOOL] = "bool",         [PDB_TYPE_INT] = "int",
    [PDB_TYPE_FLOAT] = "float",       [PDB_TYPE_TIMESTAMP] = "timestamp",
    [PDB_TYPE_CATEGORY] = "category", [PDB_TYPE_TEXT] = "text",
    [PDB_TYPE_TAGS] = "tags",
};

static void write_quoted(struct diff_text *out, const char *data, size_t size)
{
    diff_text_puts(out, "\"");
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '"') diff_text_puts(out, "\"");
        diff_text_append(out, &data[i], 1);
    }
    diff_text_puts(out, "\"");
}

static bool needs_quotes(const char *data, size_t size)
{
    if (size == 0) return true;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == ',' || data[i] == '"' || data[i] == '\n' || data[i] == '\r') return true;
    }
    return false;
}

static void write_string(struct diff_rng *rng, struct diff_text *out, const char *data, size_t size)
{
    if (needs_quotes(data, size) || diff_rng_percent(rng, 30))
        write_quoted(out, data, size);
    else
        diff_text_append(out, data, size);
}

/* Shortest of %.15g / %.16g / %.17g that reads back as exactly `value`. */
static void write_double(struct diff_text *out, double value)
{
    char buffer[64];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buffer, sizeof buffer, "%.*g", digits, value);
        if (strtod(buffer, NULL) == value) break;
    }
    diff_text_puts(out, buffer);
}

static void write_bool(struct diff_rng *rng, struct diff_text *out, bool value)
{
    static const char *const spellings[][2] = {
        {"false", "true"}, {"f", "t"}, {"no", "yes"}, {"n", "y"}, {"0", "1"},
    };
    const char *word = spellings[diff_rng_below(rng, 5)][value];
    uint64_t style = diff_rng_below(rng, 3);
    for (const char *c = word; *c; c++) {
        char byte = *c;
        if (style == 1 || (style == 2 && diff_rng_percent(rng, 50)))
            byte = (char)toupper((unsigned char)byte);
        diff_text_append(out, &byte, 1);
    }
}

static void write_tags(struct diff_rng *rng, struct diff_text *out, uint32_t mask)
{
    struct diff_text field = {0};
    diff_text_clear(&field);
    if (mask == 0) {
        if (diff_rng_percent(rng, 15))
            diff_text_puts(out, " | "); /* only empty tags: the empty set */
        else
            diff_text_puts(out, "\"\"");
        return;
    }
    uint32_t order[DIFF_TAG_COUNT], count = 0;
    for (uint32_t tag = 0; tag < DIFF_TAG_COUNT; tag++) {
        if (mask & (1u << tag)) order[count++] = tag;
    }
    for (uint32_t i = count; i > 1; i--) { /* shuffle: a set has no order */
        uint32_t j = (uint32_t)diff_rng_below(rng, i);
        uint32_t swap = order[i - 1];
        order[i - 1] = order[j];
        order[j] = swap;
    }
    bool padded = diff_rng_percent(rng, 5);
    for (uint32_t i = 0; i < count; i++) {
        if (i > 0) diff_text_puts(&field, "|");
        if (padded) diff_text_puts(&field, " ");
        diff_text_puts(&field, diff_tags[order[i]]);
        if (padded) diff_text_puts(&field, "  ");
        if (diff_rng_percent(rng, 5)) {
            diff_text_puts(&field, "|"); /* a duplicate, or an empty tag: both disappear */
            if (diff_rng_percent(rng, 50)) diff_text_puts(&field, diff_tags[order[i]]);
        }
    }
    write_string(rng, out, field.data, field.size);
    diff_text_deinit(&field);
}

static void write_cell(struct diff_rng *rng, struct diff_text *out, enum diff_attr_id attr,
                       const struct diff_cell *cell)
{
    enum pdb_type type = diff_attrs[attr].type;
    bool is_string = type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT || type == PDB_TYPE_TAGS;
    if (cell->is_null) {
        if (!is_string && diff_rng_percent(rng, 10)) diff_text_puts(out, "\"\"");
        return;
    }
    bool padded = !is_string && diff_rng_percent(rng, 8);
    if (padded) diff_text_puts(out, diff_rng_percent(rng, 50) ? " " : "\t ");
    switch (type) {
    case PDB_TYPE_BOOL:
        write_bool(rng, out, cell->int_value != 0);
        break;
    case PDB_TYPE_INT:
        diff_text_printf(out, "%s%lld", cell->int_value > 0 && diff_rng_percent(rng, 5) ? "+" : "",
                         (long long)cell->int_value);
        break;
    case PDB_TYPE_FLOAT:
        write_double(out, cell->float_value);
        break;
    case PDB_TYPE_TIMESTAMP:
        if (diff_rng_percent(rng, 50))
            diff_text_printf(out, "%lld", (long long)cell->int_value);
        else
            diff_timestamp_spell(rng, cell->int_value, out);
        break;
    case PDB_TYPE_CATEGORY:
    case PDB_TYPE_TEXT:
        write_string(rng, out, cell->string_data, cell->string_size);
        break;
    case PDB_TYPE_TAGS:
        write_tags(rng, out, cell->tag_mask);
        break;
    case PDB_TYPE_COUNT:
        break;
    }
    if (padded) diff_text_puts(out, diff_rng_percent(rng, 50) ? " " : " \t");
}

static int write_file(const char *path, const struct diff_text *text)
{
    FILE *file = fopen(path, "wb");
    if (file == NULL) return -1;
    size_t written = fwrite(text->data, 1, text->size, file);
    int saved_errno = errno;
    if (fclose(file) != 0 || written != text->size) {
        errno = saved_errno ? saved_errno : EIO;
        return -1;
    }
    return 0;
}

static int write_files(const struct diff_data *data, const uint32_t *keys, const char *dir,
                       const char *csv_name, uint64_t stream);

int diff_files_write(const struct diff_data *data, const char *dir)
{
    return write_files(data, NULL, dir, "rows.csv", 2);
}

int diff_files_write_keyed(const struct diff_data *data, const uint32_t *keys, const char *dir,
                           const char *csv_name, uint64_t stream)
{
    return write_files(data, keys, dir, csv_name, stream);
}

/* keys == NULL: the plain schema and rows; else a first attribute "key text primary" and a
 * first CSV column with "K<keys[row]>". */
static int write_files(const struct diff_data *data, const uint32_t *keys, const char *dir,
                       const char *csv_name, uint64_t stream)
{
    struct diff_rng rng;
    diff_rng_init(&rng, data->seed, stream);
    char path[4096];

    struct diff_text schema = {0};
    diff_text_printf(&schema, "# differential test schema, seed %llu\n",
                     (unsigned long long)data->seed);
    if (keys != NULL) diff_text_puts(&schema, "key text primary\n");
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++) {
        diff_text_printf(&schema, "%s %s%s%s\n", diff_attrs[attr].name,
                         type_names[diff_attrs[attr].type], diff_attrs[attr].flags[0] ? " " : "",
                         diff_attrs[attr].flags);
    }
    snprintf(path, sizeof path, "%s/schema.txt", dir);
    int status = write_file(path, &schema);
    diff_text_deinit(&schema);
    if (status != 0) return -1;

    enum diff_attr_id columns[DIFF_ATTR_COUNT];
    uint32_t column_count = 0;
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++) {
        if (diff_attrs[attr].is_in_csv) columns[column_count++] = (enum diff_attr_id)attr;
    }
    for (uint32_t i = column_count; i > 1; i--) {
        uint32_t j = (uint32_t)diff_rng_below(&rng, i);
        enum diff_attr_id swap = columns[i - 1];
        columns[i - 1] = columns[j];
        columns[j] = swap;
    }
    const char *line_end = diff_rng_percent(&rng, 50) ? "\r\n" : "\n";

    struct diff_text csv = {0};
    if (diff_rng_percent(&rng, 30)) diff_text_puts(&csv, "\xef\xbb\xbf");
    if (keys != NULL) diff_text_puts(&csv, column_count > 0 ? "key," : "key");
    for (uint32_t i = 0; i < column_count; i++) {
        if (i > 0) diff_text_puts(&csv, ",");
        bool padded = diff_rng_percent(&rng, 20);
        if (padded) diff_text_puts(&csv, " ");
        for (const char *c = diff_attrs[columns[i]].name; *c; c++) {
            char byte = diff_rng_percent(&rng, 30) ? (char)toupper((unsigned char)*c) : *c;
            diff_text_append(&csv, &byte, 1);
        }
        if (padded) diff_text_puts(&csv, " ");
    }
    diff_text_puts(&csv, line_end);
    for (uint32_t row = 0; row < data->row_count; row++) {
        if (keys != NULL) diff_text_printf(&csv, column_count > 0 ? "K%u," : "K%u", keys[row]);
        for (uint32_t i = 0; i < column_count; i++) {
            if (i > 0) diff_text_puts(&csv, ",");
            write_cell(&rng, &csv, columns[i], diff_cell_at(data, row, columns[i]));
        }
        diff_text_puts(&csv, line_end);
        if (diff_rng_below(&rng, 2000) == 0) diff_text_puts(&csv, line_end); /* skipped */
    }
    snprintf(path, sizeof path, "%s/%s", dir, csv_name);
    status = write_file(path, &csv);
    diff_text_deinit(&csv);
    return status;
}
