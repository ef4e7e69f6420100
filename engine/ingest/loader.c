/*
 * CSV loader (see loader.h): the header mapping and the pipeline that drives the steps of
 * loader_internal.h over a thread pool.
 *
 * Rounds: the loader keeps LOADER_SETS sets of batches; in round r, set r is read, set r-1
 * staged (a task per batch), set r-2 appended and the chunks set r-3 detached are written
 * (a task per chunk), all as tasks of one thread_pool_run, longest first. Each task touches
 * its own set, so the steps overlap without locks; the run's end is the only hand-off. Then,
 * on the calling thread: errors are taken in file order (write, append, stage, read), set
 * r-3's chunks are committed in order and the set is recycled for round r+1's read, and
 * progress is reported. Without a pool the same tasks run inline, in the same order.
 */
#include "ingest/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "ingest/loader_internal.h"
#include "ingest/value_parse.h"

#define LOADER_PROGRESS_INTERVAL_S 0.1
/* Tasks of one round: the read and append steps, a stage task per batch, a write task per
 * chunk (a set's rows fill at most this many chunks, plus the one a partial start completes). */
#define LOADER_SET_CHUNKS_MAX (LOADER_SET_BATCHES_MAX * LOADER_BATCH_RECORDS / PDB_CHUNK_ROWS + 1u)
#define LOADER_ROUND_TASKS_MAX (2u + LOADER_SET_BATCHES_MAX + LOADER_SET_CHUNKS_MAX)

static double monotonic_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- Header ---------------------------------------------------------------------------- */

static enum pdb_status map_header(struct loader *loader, const struct csv_record *header,
                                  struct pdb_error *error)
{
    const char *source = csv_reader_source(loader->reader);
    if (header->problem != NULL) {
        return error_set(error, PDB_ERR_DATA, "%s:%llu:%u: header row is malformed: %s", source,
                         (unsigned long long)header->problem_line, header->problem_column,
                         header->problem);
    }
    loader->field_count = header->field_count;
    loader->field_attribute = mem_alloc(header->field_count * sizeof(int32_t));
    if (loader->field_attribute == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    uint32_t attributes = loader->schema->attribute_count;
    int32_t *seen_at = mem_alloc(attributes * sizeof(int32_t));
    if (seen_at == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    for (uint32_t a = 0; a < attributes; a++) seen_at[a] = -1;
    enum pdb_status status = PDB_OK;
    for (uint32_t f = 0; f < header->field_count; f++) {
        const struct csv_field *field = &header->fields[f];
        const char *name = field->data;
        size_t size = field->size;
        value_trim(&name, &size);
        if (size == 0) {
            status = error_set(error, PDB_ERR_DATA, "%s:%llu:%u: header column %u has no name",
                               source, (unsigned long long)field->line, field->column, f + 1);
            break;
        }
        int32_t attribute = schema_find(loader->schema, name, size);
        if (attribute < 0) {
            if (loader->options->ignore_unknown_columns) {
                loader->field_attribute[f] = -1;
                continue;
            }
            if (computed_catalog_find(&loader->schema->computed, name, size) >= 0) {
                status = error_set(error, PDB_ERR_DATA,
                                   "%s:%llu:%u: column '%.*s' is a computed attribute (its "
                                   "value is an event aggregate and cannot be ingested; use "
                                   "--ignore-unknown-columns to skip it)",
                                   source, (unsigned long long)field->line, field->column,
                                   (int)size, name);
                break;
            }
            const char *suggestion = schema_suggest(loader->schema, name, size);
            status = error_set(error, PDB_ERR_DATA,
                               "%s:%llu:%u: unknown column '%.*s'%s%s%s (not in the schema; "
                               "use --ignore-unknown-columns to skip it)",
                               source, (unsigned long long)field->line, field->column, (int)size,
                               name, suggestion ? " (did you mean '" : "",
                               suggestion ? suggestion : "", suggestion ? "'?)" : "");
            break;
        }
        if (seen_at[attribute] >= 0) {
            status = error_set(error, PDB_ERR_DATA, "%s:%llu:%u: column '%.*s' appears twice in "
                               "the header (first as column %d)", source,
                               (unsigned long long)field->line, field->column, (int)size, name,
                               seen_at[attribute] + 1);
            break;
        }
        seen_at[attribute] = (int32_t)f;
        loader->field_attribute[f] = attribute;
    }
    if (status == PDB_OK && loader->primary >= 0 && seen_at[loader->primary] < 0) {
        status = error_set(error, PDB_ERR_DATA, "%s:%llu:1: the header has no column for the "
                           "primary identifier '%s' (every record must name its profile)",
                           source, (unsigned long long)header->line,
                           loader->schema->attributes[loader->primary].name);
    }
    /* With upserts a file may update profiles without a required column: each record that
     * would create a profile without it is rejected on the append step instead. */
    for (uint32_t a = 0; a < attributes && status == PDB_OK && loader->options->upsert == NULL; a++) {
        if (seen_at[a] >= 0 || loader->options->is_required_exempt ||
            !rules_has(loader->schema->attributes[a].rules, RULE_REQUIRED))
            continue;
        status = error_set(error, PDB_ERR_DATA, "%s:%llu:1: the header has no column '%s', which "
                           "the schema declares required", source,
                           (unsigned long long)header->line, loader->schema->attributes[a].name);
    }
    mem_free(seen_at);
    return status;
}

/* ---- Rounds ---------------------------------------------------------------------------- */

enum task_kind { TASK_WRITE, TASK_READ, TASK_APPEND, TASK_STAGE };

struct task {
    enum task_kind kind;
    uint32_t index; /* batch (stage) or chunk (write) */
};

struct round {
    struct loader *loader;
    struct loader_set *read_set, *stage_set, *append_set, *write_set; /* NULL: no such step */
    struct task tasks[LOADER_ROUND_TASKS_MAX];
    uint32_t task_count;
};

static void run_task(void *context, uint32_t task_index, uint32_t worker_index)
{
    (void)worker_index;
    struct round *round = context;
    struct loader *loader = round->loader;
    const struct task *task = &round->tasks[task_index];
    switch (task->kind) {
    case TASK_WRITE: {
        struct loader_chunk *chunk = &round->write_set->chunks[task->index];
        chunk->status = loader->options->chunk_write(loader->options->chunk_context,
                                                     chunk->ordinal, chunk->columns,
                                                     &chunk->receipt, &chunk->error);
        break;
    }
    case TASK_READ: {
        struct loader_set *set = round->read_set;
        set->batch_count = 0;
        while (!loader->is_input_ended && set->batch_count < loader->batches_per_set) {
            struct loader_batch *batch = &set->batches[set->batch_count];
            loader->read_status = loader_batch_read(loader, batch, &loader->read_error);
            if (loader->read_status != PDB_OK) break;
            if (batch->rows_read > 0) set->batch_count++;
        }
        break;
    }
    case TASK_APPEND:
        loader->append_status = loader_set_append(loader, round->append_set, &loader->append_error);
        break;
    case TASK_STAGE:
        loader_batch_stage(loader, &round->stage_set->batches[task->index]);
        break;
    }
}

static void add_task(struct round *round, enum task_kind kind, uint32_t index)
{
    round->tasks[round->task_count++] = (struct task){kind, index};
}

static void set_release_chunks(const struct loader *loader, struct loader_set *set)
{
    for (uint32_t c = 0; c < set->chunk_count; c++) loader_chunk_destroy(loader, &set->chunks[c]);
    set->chunk_count = 0;
}

static enum pdb_status copy_error(const struct pdb_error *from, enum pdb_status status,
                                  struct pdb_error *to)
{
    if (to != NULL) *to = *from;
    return status;
}

static void report_progress(struct loader *loader, double now_s)
{
    struct pdb_ingest_progress progress = {
        .rows_read = loader->counts->rows_read,
        .rows_rejected = loader->counts->rows_rejected,
        .bytes_read = loader->counts->bytes_read,
        .bytes_total = csv_reader_size_bytes(loader->reader),
        .elapsed_s = now_s,
    };
    loader->options->progress(loader->options->progress_context, &progress);
}

static enum pdb_status run_pipeline(struct loader *loader, struct pdb_error *error)
{
    const struct loader_options *options = loader->options;
    struct round round = {.loader = loader};
    double started_s = monotonic_s(), last_progress_s = started_s;
    uint64_t ended_round = UINT64_MAX; /* the round whose read step met the end of input */
    for (uint64_t r = 0;; r++) {
        round.task_count = 0;
        round.read_set = loader->is_input_ended ? NULL : &loader->sets[r % LOADER_SETS];
        round.stage_set = r >= 1 && r - 1 <= ended_round ? &loader->sets[(r - 1) % LOADER_SETS] : NULL;
        round.append_set = r >= 2 && r - 2 <= ended_round ? &loader->sets[(r - 2) % LOADER_SETS] : NULL;
        round.write_set = r >= 3 && r - 3 <= ended_round ? &loader->sets[(r - 3) % LOADER_SETS] : NULL;
        if (round.read_set == NULL && round.stage_set == NULL && round.append_set == NULL &&
            round.write_set == NULL)
            break;
        for (uint32_t c = 0; round.write_set && c < round.write_set->chunk_count; c++)
            add_task(&round, TASK_WRITE, c);
        if (round.read_set) add_task(&round, TASK_READ, 0);
        if (round.append_set && round.append_set->batch_count > 0) add_task(&round, TASK_APPEND, 0);
        for (uint32_t b = 0; round.stage_set && b < round.stage_set->batch_count; b++)
            add_task(&round, TASK_STAGE, b);
        if (options->pool != NULL) {
            thread_pool_run(options->pool, round.task_count, run_task, &round);
        } else {
            for (uint32_t t = 0; t < round.task_count; t++) run_task(&round, t, 0);
        }
        if (round.read_set && loader->is_input_ended) ended_round = r;

        /* Errors in file order. */
        for (uint32_t c = 0; round.write_set && c < round.write_set->chunk_count; c++) {
            struct loader_chunk *chunk = &round.write_set->chunks[c];
            if (chunk->status != PDB_OK) return copy_error(&chunk->error, chunk->status, error);
        }
        if (loader->append_status != PDB_OK)
            return copy_error(&loader->append_error, loader->append_status, error);
        for (uint32_t b = 0; round.stage_set && b < round.stage_set->batch_count; b++) {
            struct loader_batch *batch = &round.stage_set->batches[b];
            if (batch->status != PDB_OK) return copy_error(&batch->error, batch->status, error);
        }
        if (loader->read_status != PDB_OK)
            return copy_error(&loader->read_error, loader->read_status, error);

        if (round.write_set) {
            for (uint32_t c = 0; c < round.write_set->chunk_count && options->chunk_commit; c++) {
                const struct loader_chunk *chunk = &round.write_set->chunks[c];
                enum pdb_status status = options->chunk_commit(options->chunk_context,
                                                               chunk->ordinal, &chunk->receipt,
                                                               error);
                if (status != PDB_OK) return status;
            }
            set_release_chunks(loader, round.write_set); /* recycled by the next read */
            round.write_set->batch_count = 0;
        }
        double now_s = monotonic_s();
        if (options->progress != NULL && now_s - last_progress_s >= LOADER_PROGRESS_INTERVAL_S) {
            last_progress_s = now_s;
            report_progress(loader, now_s - started_s);
        }
    }
    if (options->progress != NULL) report_progress(loader, monotonic_s() - started_s);
    return PDB_OK;
}

/* ---- Entry point -------------------------------------------------------------------------- */

void loader_counts_deinit(struct loader_counts *counts)
{
    mem_free(counts->rule_rejected);
    mem_free(counts->rule_changed);
    counts->rule_rejected = counts->rule_changed = NULL;
    counts->rule_slot_count = 0;
}

enum pdb_status loader_load_csv(struct csv_reader *reader, const struct schema *schema,
                                struct column *const *columns,
                                const struct loader_options *options,
                                struct loader_counts *counts, struct pdb_error *error)
{
    struct loader loader = {
        .reader = reader, .schema = schema, .columns = columns, .options = options,
        .counts = counts, .primary = schema_primary(schema),
    };
    memset(counts, 0, sizeof *counts);
    bool has_rules = false;
    for (uint32_t a = 0; a < schema->attribute_count; a++) has_rules |= schema->attributes[a].rules != NULL;
    if (has_rules) {
        counts->rule_slot_count = schema->attribute_count * RULE_KIND_COUNT;
        counts->rule_rejected = mem_calloc(counts->rule_slot_count, sizeof(uint64_t));
        counts->rule_changed = mem_calloc(counts->rule_slot_count, sizeof(uint64_t));
        if (counts->rule_rejected == NULL || counts->rule_changed == NULL)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory starting a load");
    }
    uint32_t threads = options->pool != NULL ? thread_pool_thread_count(options->pool) : 1u;
    uint64_t batches = (uint64_t)threads * LOADER_BATCHES_PER_THREAD;
    loader.batches_per_set = batches < LOADER_SET_BATCHES_MAX ? (uint32_t)batches : LOADER_SET_BATCHES_MAX;
    enum pdb_status status = PDB_OK;
    loader.sets = mem_calloc(LOADER_SETS, sizeof *loader.sets);
    loader.row_stamps = mem_calloc(schema->attribute_count ? schema->attribute_count : 1, sizeof(uint64_t));
    loader.tag_scratch = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof(char *));
    loader.tag_size_scratch = mem_alloc(PDB_TAGS_PER_VALUE_MAX * sizeof(uint32_t));
    loader.is_required = mem_calloc(schema->attribute_count ? schema->attribute_count : 1, sizeof(bool));
    if (loader.sets == NULL || loader.row_stamps == NULL || loader.tag_scratch == NULL ||
        loader.tag_size_scratch == NULL || loader.is_required == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory starting a load");
        goto done;
    }

    for (uint32_t a = 0; options->upsert != NULL && !options->is_required_exempt && a < schema->attribute_count; a++) {
        loader.is_required[a] = rules_has(schema->attributes[a].rules, RULE_REQUIRED);
        loader.required_count += loader.is_required[a];
    }
    if (options->format == LOADER_FORMAT_CSV) {
        struct csv_record record;
        bool has_record;
        status = csv_reader_next(reader, &record, &has_record, error);
        if (status != PDB_OK) goto done;
        if (!has_record) {
            status = error_set(error, PDB_ERR_DATA, "%s: the file is empty (expected a header "
                               "row naming the columns)", csv_reader_source(reader));
            goto done;
        }
        if ((status = map_header(&loader, &record, error)) != PDB_OK) goto done;
    }
    status = run_pipeline(&loader, error);

done:
    counts->bytes_read = csv_reader_bytes_read(reader);
    if (loader.rejects != NULL) {
        bool failed = fflush(loader.rejects) != 0 || ferror(loader.rejects);
        failed |= fclose(loader.rejects) != 0;
        if (failed && status == PDB_OK)
            status = error_set_errno(error, PDB_ERR_IO, errno, "%s: writing rejects failed",
                                     options->rejects_path);
    }
    for (uint32_t s = 0; loader.sets != NULL && s < LOADER_SETS; s++) {
        set_release_chunks(&loader, &loader.sets[s]);
        mem_free(loader.sets[s].chunks);
        for (uint32_t b = 0; b < LOADER_SET_BATCHES_MAX; b++) loader_batch_deinit(&loader.sets[s].batches[b]);
    }
    mem_free(loader.sets);
    mem_free(loader.field_attribute);
    mem_free(loader.row_stamps);
    mem_free(loader.is_required);
    mem_free(loader.tag_scratch);
    mem_free(loader.tag_size_scratch);
    return status;
}
