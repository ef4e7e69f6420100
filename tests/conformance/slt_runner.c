/*
 * Runs sqllogictest files against profiledb and keeps the counts.
 *
 * Records are taken in file order: statements change the modelled tables (slt_table.c);
 * hash-threshold sets when results are hashed; each query is tokenized, parsed, translated
 * into a segment over the queried table, run with pdb_segment_ids on the database holding
 * that table's content (slt_database.c), and its rows -- row id i is the table's i-th row --
 * rendered, sorted and compared with the expected lines exactly as sqllogictest would: more
 * values than the threshold compare as the one line "N values hashing to <md5>".
 *
 * Every query lands in exactly one count: passed, failed, skipped (skipif/onlyif) or
 * unsupported (with its reason). A segment error on a translated query is a failure, never
 * "unsupported". Failures print file:line, SQL, segment, expected and actual (the first
 * SLT_FAILURE_REPORTS_MAX in full); a harness problem (unreadable file, a statement it cannot
 * model, a database that does not build) is one failure and ends the file.
 */
#include "slt.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct id_list {
    uint32_t *ids;
    size_t count;
    size_t capacity;
    bool has_failed; /* out of memory */
};

/* Everything one file run owns; heap-allocated (struct slt_databases is large). */
struct file_run {
    const char *display_name;
    struct slt_stats *stats;
    struct slt_reader reader;
    struct slt_tables tables;
    struct slt_databases databases;
    uint64_t hash_threshold;
    struct slt_tokens tokens;
    struct slt_ast ast;
    struct buffer segment;
    struct slt_values values;
    struct id_list ids;
};

/* ---- Counts ----------------------------------------------------------------------------- */

uint64_t slt_stats_unsupported(const struct slt_stats *stats)
{
    uint64_t total = 0;
    for (int reason = SLT_REASON_NONE + 1; reason < SLT_REASON_COUNT; reason++)
        total += stats->unsupported[reason];
    return total;
}

void slt_stats_format(const struct slt_stats *stats, char *text, size_t text_size)
{
    size_t used = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        int n = snprintf(text + used, used < text_size ? text_size - used : 0, __VA_ARGS__);       \
        if (n > 0) used += (size_t)n;                                                              \
    } while (0)
    APPEND("conformance: files %u, queries %llu, passed %llu, failed %llu, unsupported %llu (",
           stats->files, (unsigned long long)stats->queries, (unsigned long long)stats->passed,
           (unsigned long long)stats->failed, (unsigned long long)slt_stats_unsupported(stats));
    /* subquery and column-vs-column always; the other reasons when they occurred. */
    bool is_first = true;
    for (int reason = SLT_REASON_NONE + 1; reason < SLT_REASON_COUNT; reason++) {
        if (stats->unsupported[reason] == 0 && reason != SLT_REASON_SUBQUERY &&
            reason != SLT_REASON_COLUMN_VS_COLUMN)
            continue;
        APPEND("%s%s %llu", is_first ? "" : ", ", slt_reason_name((enum slt_reason)reason),
               (unsigned long long)stats->unsupported[reason]);
        is_first = false;
    }
    APPEND("), skipped %llu", (unsigned long long)stats->skipped);
#undef APPEND
    if (used >= text_size && text_size > 0) text[text_size - 1] = '\0';
}

/* ---- Reports ------------------------------------------------------------------------------ */

static void report_values(const char *label, const char *const *items, size_t count)
{
    fprintf(stderr, "  %s (%zu):", label, count);
    for (size_t i = 0; i < count && i < 2 * SLT_DIFF_VALUES_MAX; i++)
        fprintf(stderr, " %s", items[i]);
    if (count > 2 * SLT_DIFF_VALUES_MAX) fprintf(stderr, " ...");
    fprintf(stderr, "\n");
}

/* Values of `items` that `others` lacks (multiset difference), at most SLT_DIFF_VALUES_MAX. */
static void report_difference(const char *label, const char *const *items, size_t count,
                              const char *const *others, size_t other_count)
{
    bool *used = mem_calloc(other_count + 1, sizeof *used);
    if (used == NULL) return;
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < count; i++) {
        bool found = false;
        for (size_t j = 0; j < other_count && !found; j++)
            if (!used[j] && strcmp(items[i], others[j]) == 0) used[j] = found = true;
        if (found) continue;
        if (total++ == 0) fprintf(stderr, "  %s:", label);
        if (shown < SLT_DIFF_VALUES_MAX) {
            fprintf(stderr, " %s", items[i]);
            shown++;
        }
    }
    if (total > shown) fprintf(stderr, " ... (%zu in all)", total);
    if (total > 0) fprintf(stderr, "\n");
    mem_free(used);
}

/* Counts a failure; prints it in full if it is among the first SLT_FAILURE_REPORTS_MAX. */
static bool failure_begin(struct file_run *run, const struct slt_record *record,
                          const char *problem)
{
    run->stats->failed++;
    if (run->stats->failure_reports >= SLT_FAILURE_REPORTS_MAX) return false;
    run->stats->failure_reports++;
    fprintf(stderr, "conformance: FAIL %s:%u: %s\n  sql:      %s\n", run->display_name,
            record ? record->line_number : 0, problem, record ? record->sql : "");
    return true;
}

static void failure_results(struct file_run *run, const struct slt_record *record, const char *hash)
{
    report_values("expected", record->results, record->result_count);
    fprintf(stderr, "  actual hash: %zu values hashing to %s\n", run->values.count, hash);
    report_values("actual", (const char *const *)run->values.items, run->values.count);
    unsigned long long hashed_count;
    char hashed_value[33];
    bool is_hashed =
        record->result_count == 1 &&
        sscanf(record->results[0], "%llu values hashing to %32s", &hashed_count, hashed_value) == 2;
    if (is_hashed) {
        fprintf(stderr, "  (the expected values are hashed: %llu expected, %zu returned)\n",
                hashed_count, run->values.count);
        return;
    }
    report_difference("missing", record->results, record->result_count,
                      (const char *const *)run->values.items, run->values.count);
    report_difference("extra", (const char *const *)run->values.items, run->values.count,
                      record->results, record->result_count);
}

static void harness_error(struct file_run *run, const struct slt_record *record,
                          const struct pdb_error *error)
{
    run->stats->failed++;
    fprintf(stderr, "conformance: ERROR %s:%u: %s (harness could not continue this file)\n",
            run->display_name, record ? record->line_number : 0, error->message);
}

/* ---- Queries ------------------------------------------------------------------------------ */

static bool id_list_append(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    if (mem_grow((void **)&list->ids, &list->capacity, list->count + 1, sizeof *list->ids) != 0) {
        list->has_failed = true;
        return false;
    }
    list->ids[list->count++] = row_id;
    return true;
}

static void unsupported(struct file_run *run, const struct slt_record *record,
                        enum slt_reason reason, const char *detail)
{
    run->stats->unsupported[reason]++;
    if (reason == SLT_REASON_UNPARSED && run->stats->unparsed_reports++ < SLT_UNPARSED_REPORTS_MAX)
        fprintf(stderr, "conformance: unparsed %s:%u: %s\n  sql: %s\n", run->display_name,
                record->line_number, detail, record->sql);
}

/* Compares the rendered values with the record's expected lines as sqllogictest does. */
static bool results_match(const struct file_run *run, const struct slt_record *record,
                          char hash[33])
{
    slt_values_hash(&run->values, hash);
    if (run->hash_threshold > 0 && run->values.count > run->hash_threshold) {
        char line[96];
        snprintf(line, sizeof line, "%zu values hashing to %s", run->values.count, hash);
        return record->result_count == 1 && strcmp(record->results[0], line) == 0;
    }
    if (record->result_count != run->values.count) return false;
    for (size_t i = 0; i < run->values.count; i++)
        if (strcmp(record->results[i], run->values.items[i]) != 0) return false;
    return true;
}

static void query_run(struct file_run *run, const struct slt_record *record)
{
    struct pdb_error error = {0};
    char detail[256];
    if (slt_tokens_scan(&run->tokens, record->sql, &error) != PDB_OK) {
        unsupported(run, record, SLT_REASON_UNPARSED, error.message);
        return;
    }
    struct slt_select select;
    enum slt_parse_outcome outcome =
        slt_select_parse(&run->tokens, &run->ast, &select, detail, sizeof detail);
    if (outcome != SLT_PARSE_OK || strlen(record->type_string) != 1) {
        unsupported(run, record,
                    outcome == SLT_PARSE_UNPARSED ? SLT_REASON_UNPARSED : SLT_REASON_SELECT_SHAPE,
                    detail);
        return;
    }
    const struct slt_table *table =
        slt_tables_find(&run->tables, select.table.text, select.table.size);
    int column = table ? slt_table_column_find(table, select.column.text, select.column.size) : -1;
    if (column < 0) {
        if (failure_begin(run, record, table ? "unknown column" : "unknown table"))
            fprintf(stderr, "\n");
        return;
    }
    buffer_reset(&run->segment);
    const char *what = NULL;
    enum slt_reason reason =
        slt_translate(&run->ast, select.where_root, table, &run->segment, &what);
    if (reason != SLT_REASON_NONE) {
        unsupported(run, record, reason, what ? what : "");
        return;
    }
    const char *segment = (const char *)run->segment.data;
    struct pdb_db *db = NULL;
    if (slt_databases_get(&run->databases, table, &db, &error) != PDB_OK) {
        if (failure_begin(run, record, "the table's database did not build"))
            fprintf(stderr, "  error:    %s\n", error.message);
        return;
    }
    run->ids.count = 0;
    run->ids.has_failed = false;
    enum pdb_status status = pdb_segment_ids(db, segment, 0, id_list_append, &run->ids, &error);
    if (status != PDB_OK || run->ids.has_failed) {
        if (failure_begin(run, record, "pdb_segment_ids failed"))
            fprintf(stderr, "  segment:  %s\n  error:    %s: %s\n", segment,
                    pdb_status_name(status), run->ids.has_failed ? "out of memory" : error.message);
        return;
    }
    slt_values_clear(&run->values);
    for (size_t i = 0; i < run->ids.count; i++) {
        uint32_t row_id = run->ids.ids[i];
        if (row_id >= table->row_count ||
            slt_values_append(&run->values, slt_table_value(table, row_id, (uint32_t)column),
                              record->type_string[0]) != 0) {
            if (failure_begin(run, record, "row id out of range or out of memory"))
                fprintf(stderr, "  segment:  %s\n  row id:   %u\n", segment, row_id);
            return;
        }
    }
    if (record->sort_mode != SLT_SORT_NONE) slt_values_sort(&run->values);
    char hash[33];
    if (results_match(run, record, hash)) {
        run->stats->passed++;
        return;
    }
    if (failure_begin(run, record, "wrong rows")) {
        fprintf(stderr, "  segment:  %s\n", segment);
        failure_results(run, record, hash);
    }
}

/* ---- Files and directories ------------------------------------------------------------------ */

static void file_records_run(struct file_run *run)
{
    for (;;) {
        struct slt_record record;
        bool has_record = false;
        struct pdb_error error = {0};
        if (slt_reader_next(&run->reader, &record, &has_record, &error) != PDB_OK) {
            harness_error(run, NULL, &error);
            return;
        }
        if (!has_record) return;
        switch (record.kind) {
        case SLT_RECORD_HASH_THRESHOLD:
            run->hash_threshold = record.hash_threshold;
            break;
        case SLT_RECORD_HALT:
            return;
        case SLT_RECORD_STATEMENT:
            run->stats->statements++;
            if (record.is_skipped || record.expects_error) break;
            if (slt_tables_execute(&run->tables, record.sql, &error) != PDB_OK) {
                harness_error(run, &record, &error);
                return;
            }
            break;
        case SLT_RECORD_QUERY:
            run->stats->queries++;
            if (record.is_skipped)
                run->stats->skipped++;
            else
                query_run(run, &record);
            break;
        }
    }
}

void slt_file_run(const char *path, const char *display_name, struct slt_stats *stats)
{
    struct file_run *run = mem_calloc(1, sizeof *run);
    if (run == NULL) {
        stats->failed++;
        fprintf(stderr, "conformance: ERROR %s: out of memory\n", display_name);
        return;
    }
    run->display_name = display_name;
    run->stats = stats;
    stats->files++;
    slt_tables_init(&run->tables);
    buffer_init(&run->segment);
    struct pdb_error error = {0};
    enum pdb_status status = slt_reader_open(&run->reader, path, &error);
    if (status == PDB_OK) status = slt_databases_init(&run->databases, &error);
    if (status != PDB_OK) {
        harness_error(run, NULL, &error);
    } else {
        file_records_run(run);
        stats->databases += run->databases.count;
    }
    slt_databases_deinit(&run->databases);
    slt_reader_close(&run->reader); /* also safe after a failed open: the reader is zeroed */
    slt_tables_deinit(&run->tables);
    slt_tokens_deinit(&run->tokens);
    slt_ast_deinit(&run->ast);
    buffer_deinit(&run->segment);
    slt_values_deinit(&run->values);
    mem_free(run->ids.ids);
    mem_free(run);
}

static int compare_names(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

void slt_directory_run(const char *directory, const char *display_name, struct slt_stats *stats)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        stats->failed++;
        fprintf(stderr, "conformance: ERROR cannot open %s\n", directory);
        return;
    }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        size_t size = strlen(entry->d_name);
        if (size <= 5 || strcmp(entry->d_name + size - 5, ".test") != 0) continue;
        char *name = mem_strdup(entry->d_name);
        if (name == NULL || mem_grow((void **)&names, &capacity, count + 1, sizeof *names) != 0) {
            mem_free(name);
            stats->failed++;
            fprintf(stderr, "conformance: ERROR %s: out of memory\n", directory);
            break;
        }
        names[count++] = name;
    }
    closedir(dir);
    if (count > 1) qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[4096], display[4096];
        snprintf(path, sizeof path, "%s/%s", directory, names[i]);
        snprintf(display, sizeof display, "%s/%s", display_name, names[i]);
        slt_file_run(path, display, stats);
        mem_free(names[i]);
    }
    mem_free(names);
}
