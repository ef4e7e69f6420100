/*
 * The engine side of the differential test: the same random rows are written as a CSV file,
 * loaded through the public API (pdb_db_create, pdb_db_open, pdb_db_ingest_csv) with now()
 * fixed by pdb_db_set_now, and every random segment's pdb_segment_count and pdb_segment_ids
 * must equal both oracles' answers (random_segments_agree_with_sqlite_and_reference). Also:
 * the answers after closing and reopening the database (answers_survive_reopen), after
 * deleting random segments from the engine and SQLite's table, the naive evaluator dropping
 * the deleted rows (deletions_are_seen_by_every_evaluator), each count under both forced
 * access paths of the indexed attributes (PROFILEDB_PLAN=index|scan), hand-checked
 * answers for known tricky cases on a five-row database (fixed_regressions) and the error
 * contract: status, "segment:line:column:" prefix, did-you-mean, untouched out-parameters
 * (segment_errors), and after an upsert file rewrote and appended rows
 * (upserts_are_seen_by_every_evaluator). Nothing here includes an engine header but profiledb.h.
 */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "diff_driver.h"

/* Segment streams of the engine tests (oracles_agree uses 1). */
#define ENGINE_STREAM 0u
#define REOPEN_STREAM 2u
#define DELETE_STREAM 3u      /* candidate segments to delete */
#define AFTER_DELETE_STREAM 4u
#define AFTER_DELETE_SEGMENTS 300u
/* Segments re-checked on each side of a close and reopen. */
#define REOPEN_SEGMENTS 150u
/* At least this share of random segments must select some but not all rows. */
#define PARTIAL_PERCENT_MIN 30u

/* ---- A database in a temporary directory ----------------------------------------------- */

struct engine_fixture {
    char dir[256];
    char db_path[300];
    struct pdb_db *db;
};

static int remove_entry(const char *path, const struct stat *status, int flag, struct FTW *walk)
{
    (void)status;
    (void)flag;
    (void)walk;
    return remove(path);
}

static void fixture_cleanup(struct engine_fixture *fixture)
{
    pdb_db_close(fixture->db);
    fixture->db = NULL;
    if (fixture->dir[0] && getenv("PROFILEDB_DIFF_KEEP") == NULL)
        nftw(fixture->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void fixture_open(struct engine_fixture *fixture, uint64_t seed, int64_t now_s)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_open(fixture->db_path, &fixture->db, &error), PDB_OK,
                 "seed=%llu: pdb_db_open: %s", (unsigned long long)seed, error.message);
    pdb_db_set_now(fixture->db, now_s);
}

/* Creates a database from schema.txt and ingests rows.csv, both already in fixture->dir, and
 * checks that exactly expected_rows rows loaded with none rejected. */
static void fixture_load(struct engine_fixture *fixture, uint64_t seed, int64_t now_s,
                         uint32_t expected_rows)
{
    char schema_path[300], csv_path[300];
    snprintf(schema_path, sizeof schema_path, "%s/schema.txt", fixture->dir);
    snprintf(csv_path, sizeof csv_path, "%s/rows.csv", fixture->dir);
    snprintf(fixture->db_path, sizeof fixture->db_path, "%s/db", fixture->dir);
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(fixture->db_path, schema_path, &error), PDB_OK,
                 "seed=%llu: pdb_db_create: %s", (unsigned long long)seed, error.message);
    fixture_open(fixture, seed, now_s);
    struct pdb_ingest_result result;
    memset(&result, 0, sizeof result);
    enum pdb_status status = pdb_db_ingest_csv(fixture->db, csv_path, NULL, &result, &error);
    cr_assert_eq(status, PDB_OK, "seed=%llu: pdb_db_ingest_csv: %s", (unsigned long long)seed,
                 error.message);
    if (result.rows_rejected != 0) {
        FILE *rejects = fopen(result.rejects_path, "r");
        char line[2048];
        for (int i = 0; rejects && i < 10 && fgets(line, sizeof line, rejects); i++)
            fprintf(stderr, "differential: seed=%llu reject: %s", (unsigned long long)seed, line);
        if (rejects) fclose(rejects);
    }
    cr_assert_eq(result.rows_rejected, 0, "seed=%llu: %llu rows rejected (see %s)",
                 (unsigned long long)seed, (unsigned long long)result.rows_rejected,
                 result.rejects_path);
    cr_assert_eq(result.rows_loaded, expected_rows, "seed=%llu: loaded %llu rows, expected %u",
                 (unsigned long long)seed, (unsigned long long)result.rows_loaded, expected_rows);
    cr_assert_eq(result.first_row_id, 0);
    cr_assert_eq(pdb_db_row_count(fixture->db), expected_rows);
}

static void fixture_create_from_data(struct engine_fixture *fixture, const struct diff_data *data)
{
    memset(fixture, 0, sizeof *fixture);
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/pdb-differential-XXXXXX");
    cr_assert_not_null(mkdtemp(fixture->dir), "mkdtemp failed");
    cr_assert_eq(diff_files_write(data, fixture->dir), 0, "seed=%llu: cannot write %s",
                 (unsigned long long)data->seed, fixture->dir);
    fixture_load(fixture, data->seed, data->now_s, data->row_count);
}

/* ---- The engine as the third evaluator ------------------------------------------------- */

struct id_list {
    uint32_t *ids;
    uint32_t count;
    uint32_t capacity;
    uint32_t stop_after; /* 0: never stop early */
    bool is_ascending;
};

static bool id_list_append(void *context, uint32_t row_id)
{
    struct id_list *list = context;
    if (list->count > 0 && row_id <= list->ids[list->count - 1]) list->is_ascending = false;
    if (list->count == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 1024;
        list->ids = realloc(list->ids, list->capacity * sizeof *list->ids);
        cr_assert_not_null(list->ids);
    }
    list->ids[list->count++] = row_id;
    return list->stop_after == 0 || list->count < list->stop_after;
}

static void id_list_reset(struct id_list *list, uint32_t stop_after)
{
    list->count = 0;
    list->stop_after = stop_after;
    list->is_ascending = true;
}

struct engine_context {
    struct pdb_db *db;
    struct id_list all;
    struct id_list limited;
    uint32_t call_count;
};

static void engine_answer(void *opaque, const char *segment_text, struct diff_answer *answer,
                          struct diff_text *problem)
{
    struct engine_context *context = opaque;
    struct pdb_error error = {0};
    uint64_t count = 0;
    enum pdb_status status = pdb_segment_count(context->db, segment_text, &count, &error);
    if (status != PDB_OK) {
        diff_text_printf(problem, "pdb_segment_count failed: %s: %s", pdb_status_name(status),
                         error.message);
        return;
    }
    id_list_reset(&context->all, 0);
    status = pdb_segment_ids(context->db, segment_text, 0, id_list_append, &context->all, &error);
    if (status != PDB_OK) {
        diff_text_printf(problem, "pdb_segment_ids failed: %s: %s", pdb_status_name(status),
                         error.message);
        return;
    }
    answer->count = count;
    answer->ids = context->all.ids;
    answer->id_count = context->all.count;
    if (!context->all.is_ascending) diff_text_puts(problem, "pdb_segment_ids: ids not ascending; ");

    /* A limit returns a prefix; so does a callback that stops early. */
    uint32_t call = context->call_count++;
    uint64_t limit = 1 + call % 5;
    bool by_callback = call % 4 == 3;
    id_list_reset(&context->limited, by_callback ? (uint32_t)limit : 0);
    status = pdb_segment_ids(context->db, segment_text, by_callback ? 0 : limit, id_list_append,
                             &context->limited, &error);
    uint32_t expected = context->all.count < limit ? context->all.count : (uint32_t)limit;
    if (status != PDB_OK) {
        diff_text_printf(problem, "pdb_segment_ids(%s %llu) failed: %s; ",
                         by_callback ? "stop after" : "limit", (unsigned long long)limit,
                         error.message);
    } else if (context->limited.count != expected ||
               (expected &&
                memcmp(context->limited.ids, context->all.ids, expected * sizeof(uint32_t)))) {
        diff_text_printf(
            problem, "pdb_segment_ids(%s %llu) gave %u ids, not the first %u of the full list; ",
            by_callback ? "stop after" : "limit", (unsigned long long)limit, context->limited.count,
            expected);
    }
    if (call % 8 == 0 && pdb_segment_check(context->db, segment_text, &error) != PDB_OK)
        diff_text_printf(problem, "pdb_segment_check rejects it: %s; ", error.message);

    /* The planner's two paths for indexed attributes (c1, g1), forced one after the other
     * with PROFILEDB_PLAN, count what its own choice counted. */
    static const char *const forced_paths[] = {"index", "scan"};
    const char *previous = getenv("PROFILEDB_PLAN");
    char saved[32] = "";
    if (previous != NULL) snprintf(saved, sizeof saved, "%s", previous);
    for (uint32_t i = 0; i < 2; i++) {
        setenv("PROFILEDB_PLAN", forced_paths[i], 1);
        uint64_t forced_count = 0;
        status = pdb_segment_count(context->db, segment_text, &forced_count, &error);
        if (status != PDB_OK || forced_count != count)
            diff_text_printf(problem, "PROFILEDB_PLAN=%s counts %llu (%s), not %llu; ",
                             forced_paths[i], (unsigned long long)forced_count,
                             pdb_status_name(status), (unsigned long long)count);
    }
    if (previous != NULL)
        setenv("PROFILEDB_PLAN", saved, 1);
    else
        unsetenv("PROFILEDB_PLAN");
}

static void engine_context_deinit(struct engine_context *context)
{
    free(context->all.ids);
    free(context->limited.ids);
}

static void assert_run_clean(uint64_t seed, const struct diff_run_stats *stats)
{
    uint32_t partial = stats->segment_count - stats->empty_count - stats->full_count;
    cr_assert_eq(stats->mismatch_count, 0,
                 "seed=%llu: %u of %u segments disagree (details above; replay with "
                 "PROFILEDB_TEST_SEED=%llu)",
                 (unsigned long long)seed, stats->mismatch_count, stats->segment_count,
                 (unsigned long long)seed);
    cr_assert(partial * 100 >= stats->segment_count * PARTIAL_PERCENT_MIN,
              "seed=%llu: only %u of %u segments select some but not all rows",
              (unsigned long long)seed, partial, stats->segment_count);
}

Test(differential, random_segments_agree_with_sqlite_and_reference, .timeout = 600)
{
    uint64_t seed = diff_env_seed();
    printf("differential: seed=%llu (random_segments_agree_with_sqlite_and_reference)\n",
           (unsigned long long)seed);
    fflush(stdout);
    struct diff_data data;
    diff_data_generate(&data, seed, diff_env_rows());
    struct engine_fixture fixture;
    fixture_create_from_data(&fixture, &data);
    struct diff_sqlite *sqlite = diff_sqlite_create(&data);

    struct engine_context context = {.db = fixture.db};
    struct diff_run run = {
        .label = "random_segments",
        .data = &data,
        .sqlite = sqlite,
        .stream = ENGINE_STREAM,
        .segment_count = diff_env_segments(),
        .engine = engine_answer,
        .engine_context = &context,
    };
    struct diff_run_stats stats;
    diff_run_segments(&run, &stats);

    engine_context_deinit(&context);
    diff_sqlite_destroy(sqlite);
    fixture_cleanup(&fixture);
    diff_data_deinit(&data);
    assert_run_clean(seed, &stats);
}

/* Deletes two random segments (each selecting some but at most a third of the rows) from
 * the engine and from SQLite's table; then every evaluator must agree on random segments,
 * the naive one dropping the deleted rows from its answers. */
Test(differential, deletions_are_seen_by_every_evaluator, .timeout = 600)
{
    uint64_t seed = diff_env_seed();
    printf("differential: seed=%llu (deletions_are_seen_by_every_evaluator)\n",
           (unsigned long long)seed);
    fflush(stdout);
    struct diff_data data;
    diff_data_generate(&data, seed, diff_env_rows());
    struct engine_fixture fixture;
    fixture_create_from_data(&fixture, &data);
    struct diff_sqlite *sqlite = diff_sqlite_create(&data);
    bool *deleted = calloc(data.row_count, sizeof *deleted);
    uint32_t *ids = malloc((size_t)data.row_count * sizeof *ids);
    cr_assert(deleted != NULL && ids != NULL);
    struct diff_text text = {0};
    uint32_t deletes = 0, deleted_total = 0;
    for (uint32_t index = 0; deletes < 2 && index < 1000; index++) {
        struct diff_segment segment;
        diff_segment_prepare(&segment, &data, DELETE_STREAM, index, &text);
        uint32_t selected = diff_naive_ids(&data, segment.root, ids);
        uint32_t fresh = 0;
        for (uint32_t i = 0; i < selected; i++) fresh += !deleted[ids[i]];
        if (fresh == 0 || selected > data.row_count / 3) {
            diff_segment_deinit(&segment);
            continue;
        }
        struct pdb_error error = {0};
        uint64_t engine_deleted = 0;
        cr_assert_eq(pdb_segment_delete(fixture.db, text.data, &engine_deleted, &error), PDB_OK,
                     "seed=%llu: delete %s: %s", (unsigned long long)seed, text.data,
                     error.message);
        cr_assert_eq(engine_deleted, fresh, "seed=%llu: delete %s: engine %llu, naive %u",
                     (unsigned long long)seed, text.data, (unsigned long long)engine_deleted,
                     fresh);
        uint32_t sqlite_deleted = diff_sqlite_delete(sqlite, segment.root);
        cr_assert_eq(sqlite_deleted, fresh, "seed=%llu: delete %s: sqlite %u, naive %u",
                     (unsigned long long)seed, text.data, sqlite_deleted, fresh);
        for (uint32_t i = 0; i < selected; i++) deleted[ids[i]] = true;
        deleted_total += fresh;
        deletes++;
        printf("differential: seed=%llu deleted %u rows: %s\n", (unsigned long long)seed, fresh,
               text.data);
        diff_segment_deinit(&segment);
    }
    cr_assert_eq(deletes, 2, "seed=%llu: found no segments to delete", (unsigned long long)seed);

    struct engine_context context = {.db = fixture.db};
    struct diff_run run = {
        .label = "after_delete",
        .data = &data,
        .sqlite = sqlite,
        .stream = AFTER_DELETE_STREAM,
        .segment_count = AFTER_DELETE_SEGMENTS,
        .engine = engine_answer,
        .engine_context = &context,
        .deleted = deleted,
    };
    struct diff_run_stats stats;
    diff_run_segments(&run, &stats);
    /* A fresh handle reads the tombstones from their file: same answers. */
    pdb_db_close(fixture.db);
    fixture.db = NULL;
    fixture_open(&fixture, seed, data.now_s);
    context.db = fixture.db;
    struct diff_run_stats reopened;
    run.label = "after_delete_reopened";
    run.segment_count = AFTER_DELETE_SEGMENTS / 3;
    diff_run_segments(&run, &reopened);

    engine_context_deinit(&context);
    diff_text_deinit(&text);
    free(ids);
    free(deleted);
    diff_sqlite_destroy(sqlite);
    fixture_cleanup(&fixture);
    diff_data_deinit(&data);
    cr_assert(deleted_total > 0);
    cr_assert_eq(stats.mismatch_count + reopened.mismatch_count, 0,
                 "seed=%llu: %u mismatches after deleting %u rows", (unsigned long long)seed,
                 stats.mismatch_count + reopened.mismatch_count, deleted_total);
}

/* Engine answers of the first pass, by segment index, for the second. */
struct reopen_context {
    struct engine_context engine;
    uint64_t counts[REOPEN_SEGMENTS];
    uint64_t hashes[REOPEN_SEGMENTS];
    uint32_t next_index;
};

static uint64_t ids_hash(const uint32_t *ids, uint32_t count)
{
    uint64_t hash = UINT64_C(1469598103934665603); /* FNV-1a over the ids */
    for (uint32_t i = 0; i < count; i++) {
        hash ^= ids[i];
        hash *= UINT64_C(1099511628211);
    }
    return hash;
}

static void engine_answer_recorded(void *opaque, const char *segment_text,
                                   struct diff_answer *answer, struct diff_text *problem)
{
    struct reopen_context *context = opaque;
    engine_answer(&context->engine, segment_text, answer, problem);
    cr_assert(context->next_index < REOPEN_SEGMENTS);
    context->counts[context->next_index] = answer->count;
    context->hashes[context->next_index] = ids_hash(answer->ids, answer->id_count);
    context->next_index++;
}

/* Upserts (issue #4): a table is loaded with a primary key, about a sixth of its rows holding
 * other values (rows of a second random table) and its last rows missing; one upsert file then
 * carries the final values of those rows (some first with decoy values, then the final ones:
 * merged in file order), no-op updates of a few unchanged rows, and the missing rows as new
 * keys in ascending order. The engine must then answer random segments exactly as the oracles
 * do over the final table, before and after reopening: chunk rewrites, zone maps, lanes and
 * value indexes of rewritten chunks included. */
#define UPSERT_STREAM 5u
#define UPSERT_SEGMENTS 300u

static void copy_rows(struct diff_data *out, const struct diff_data *const *sources,
                      const uint32_t *rows, uint32_t count)
{
    out->row_count = count;
    out->cells = malloc((size_t)DIFF_ATTR_COUNT * (count ? count : 1) * sizeof *out->cells);
    cr_assert_not_null(out->cells);
    for (int attr = 0; attr < DIFF_ATTR_COUNT; attr++)
        for (uint32_t r = 0; r < count; r++)
            out->cells[(size_t)attr * count + r] = *diff_cell_at(sources[r], rows[r], (enum diff_attr_id)attr);
}

Test(differential, upserts_are_seen_by_every_evaluator, .timeout = 600)
{
    uint64_t seed = diff_env_seed();
    printf("differential: seed=%llu (upserts_are_seen_by_every_evaluator)\n", (unsigned long long)seed);
    fflush(stdout);
    struct diff_data final, other;
    diff_data_generate(&final, seed, diff_env_rows());
    diff_data_generate(&other, seed ^ 0x5bd1e995u, final.row_count);
    uint32_t n = final.row_count, appended = n > 12000 ? 3000 : n / 4, initial_count = n - appended;
    struct diff_rng rng;
    diff_rng_init(&rng, seed, 7);

    /* The initial load: row r has key r and, for a sixth of the rows, the other table's values. */
    const struct diff_data **sources = malloc((size_t)(3u * n + 1u) * sizeof *sources);
    uint32_t *rows = malloc((size_t)(3u * n + 1u) * sizeof *rows);
    uint32_t *keys = malloc((size_t)(3u * n + 1u) * sizeof *keys);
    bool *is_old = calloc(n, sizeof *is_old);
    cr_assert(sources && rows && keys && is_old);
    for (uint32_t r = 0; r < initial_count; r++) {
        is_old[r] = diff_rng_percent(&rng, 17);
        sources[r] = is_old[r] ? &other : &final;
        rows[r] = r;
        keys[r] = r;
    }
    struct diff_data initial = {.seed = seed, .now_s = final.now_s};
    copy_rows(&initial, sources, rows, initial_count);

    /* The upsert file, in key order. */
    uint32_t records = 0, updates = 0;
    for (uint32_t r = 0; r < n; r++) {
        bool is_new = r >= initial_count;
        if (!is_new && !is_old[r] && !diff_rng_percent(&rng, 4)) continue;
        if (!is_new && diff_rng_percent(&rng, 30)) { /* a decoy first, overwritten next */
            sources[records] = &other;
            rows[records] = (r * 7u + 1u) % n;
            keys[records++] = r;
            updates++;
        }
        sources[records] = &final;
        rows[records] = r;
        keys[records++] = r;
        if (!is_new) updates++;
        if (is_new && diff_rng_percent(&rng, 10)) { /* a new key updated again in its own file */
            sources[records] = &final;
            rows[records] = r;
            keys[records++] = r;
            updates++;
        }
    }
    struct diff_data upserts = {.seed = seed, .now_s = final.now_s};
    copy_rows(&upserts, sources, rows, records);

    struct engine_fixture fixture;
    memset(&fixture, 0, sizeof fixture);
    snprintf(fixture.dir, sizeof fixture.dir, "/tmp/pdb-differential-XXXXXX");
    cr_assert_not_null(mkdtemp(fixture.dir));
    uint32_t *initial_keys = malloc((size_t)(initial_count + 1u) * sizeof *initial_keys);
    for (uint32_t r = 0; r < initial_count; r++) initial_keys[r] = r;
    cr_assert_eq(diff_files_write_keyed(&initial, initial_keys, fixture.dir, "rows.csv", 2), 0);
    cr_assert_eq(diff_files_write_keyed(&upserts, keys, fixture.dir, "upserts.csv", 6), 0);
    fixture_load(&fixture, seed, final.now_s, initial_count);
    char path[400];
    snprintf(path, sizeof path, "%s/upserts.csv", fixture.dir);
    struct pdb_ingest_result result;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_ingest_csv(fixture.db, path, NULL, &result, &error), PDB_OK,
                 "seed=%llu: upserts: %s", (unsigned long long)seed, error.message);
    cr_assert_eq(result.rows_rejected, 0, "seed=%llu: see %s", (unsigned long long)seed, result.rejects_path);
    cr_assert_eq(result.rows_inserted, appended, "seed=%llu", (unsigned long long)seed);
    cr_assert_eq(result.rows_updated, updates, "seed=%llu", (unsigned long long)seed);
    cr_assert_eq(pdb_db_row_count(fixture.db), n);

    struct diff_sqlite *sqlite = diff_sqlite_create(&final);
    struct engine_context context = {.db = fixture.db};
    struct diff_run run = {
        .label = "upserts",
        .data = &final,
        .sqlite = sqlite,
        .stream = UPSERT_STREAM,
        .segment_count = UPSERT_SEGMENTS,
        .engine = engine_answer,
        .engine_context = &context,
    };
    struct diff_run_stats stats;
    diff_run_segments(&run, &stats);
    assert_run_clean(seed, &stats);
    pdb_db_close(fixture.db);
    fixture_open(&fixture, seed, final.now_s); /* the rewritten files alone */
    context.db = fixture.db;
    run.segment_count = UPSERT_SEGMENTS / 3u;
    diff_run_segments(&run, &stats);
    assert_run_clean(seed, &stats);

    engine_context_deinit(&context);
    diff_sqlite_destroy(sqlite);
    fixture_cleanup(&fixture);
    free(initial.cells);
    free(upserts.cells);
    free(initial_keys);
    free(sources);
    free(rows);
    free(keys);
    free(is_old);
    diff_data_deinit(&other);
    diff_data_deinit(&final);
}

Test(differential, answers_survive_reopen, .timeout = 600)
{
    uint64_t seed = diff_env_seed();
    printf("differential: seed=%llu (answers_survive_reopen)\n", (unsigned long long)seed);
    fflush(stdout);
    struct diff_data data;
    diff_data_generate(&data, seed, diff_env_rows());
    struct engine_fixture fixture;
    fixture_create_from_data(&fixture, &data);
    struct diff_sqlite *sqlite = diff_sqlite_create(&data);

    /* First pass: all three evaluators agree (and the engine's answers are kept). */
    static struct reopen_context context;
    memset(&context, 0, sizeof context);
    context.engine.db = fixture.db;
    struct diff_run run = {
        .label = "before_reopen",
        .data = &data,
        .sqlite = sqlite,
        .stream = REOPEN_STREAM,
        .segment_count = REOPEN_SEGMENTS,
        .engine = engine_answer_recorded,
        .engine_context = &context,
    };
    struct diff_run_stats before;
    diff_run_segments(&run, &before);

    /* Second pass on a fresh handle, where everything comes from the files: same answers. */
    pdb_db_close(fixture.db);
    fixture.db = NULL;
    fixture_open(&fixture, seed, data.now_s);
    cr_assert_eq(pdb_db_row_count(fixture.db), data.row_count,
                 "seed=%llu: row count changed on reopen", (unsigned long long)seed);
    context.engine.db = fixture.db;
    uint32_t changed = 0;
    struct diff_text text = {0}, problem = {0};
    for (uint32_t index = 0; index < REOPEN_SEGMENTS; index++) {
        struct diff_segment segment;
        diff_segment_prepare(&segment, &data, REOPEN_STREAM, index, &text);
        diff_segment_deinit(&segment);
        struct diff_answer answer = {"engine", NULL, 0, 0};
        diff_text_clear(&problem);
        engine_answer(&context.engine, text.data, &answer, &problem);
        uint64_t hash = ids_hash(answer.ids, answer.id_count);
        if (problem.size == 0 && answer.count == context.counts[index] &&
            answer.id_count == answer.count && hash == context.hashes[index])
            continue;
        if (++changed <= DIFF_MISMATCH_REPORTS_MAX)
            fprintf(stderr,
                    "MISMATCH seed=%llu answers_survive_reopen segment #%u (stream %u) changed on "
                    "reopen\n  segment: %s\n  count before %llu, after %llu (%u ids)%s%s\n",
                    (unsigned long long)seed, index, REOPEN_STREAM, text.data,
                    (unsigned long long)context.counts[index], (unsigned long long)answer.count,
                    answer.id_count, problem.size ? "\n  engine: " : "",
                    problem.size ? problem.data : "");
    }
    printf("differential: seed=%llu after_reopen: %u segments, %u changed\n",
           (unsigned long long)seed, REOPEN_SEGMENTS, changed);
    diff_text_deinit(&text);
    diff_text_deinit(&problem);

    engine_context_deinit(&context.engine);
    diff_sqlite_destroy(sqlite);
    fixture_cleanup(&fixture);
    diff_data_deinit(&data);
    cr_assert_eq(before.mismatch_count, 0, "seed=%llu: %u mismatches before reopening",
                 (unsigned long long)seed, before.mismatch_count);
    cr_assert_eq(changed, 0, "seed=%llu: %u answers changed after reopening",
                 (unsigned long long)seed, changed);
}

/* ---- Fixed regressions on a five-row database ------------------------------------------ */

#define FIXED_NOW_S INT64_C(1700000000) /* 2023-11-14T22:13:20Z; now() - 30d = 1697408000 */

static const char fixed_schema[] = "# fixed regressions\n"
                                   "age int\nscore float\nseen timestamp\nvip bool\n"
                                   "country category indexed\nname text\ntags tags indexed\n"
                                   "big int\n";

/* Row 0 is seen exactly at now() - 30d, row 1 one second before, row 2 one second after.
 * Row 4's name is 'école' with a decomposed e + U+0301. */
static const char fixed_csv[] = "age,score,seen,vip,country,name,tags,big\n"
                                "30,-0.0,2023-10-15T22:13:20Z,true,de,Stra\xc3\x9f"
                                "e,vip|new,9223372036854775807\n"
                                ",0.0,1697407999,false,\"\",STRASSE,\"\",-9223372036854775808\n"
                                "31,,1697408001,,,,,\n"
                                "29,1.5,,true,fr,\"\",new,9223372036854775806\n"
                                "30,-1.5,1970-01-01T00:00:00Z,false,de,e\xcc\x81"
                                "cole,vip,0\n";

#define FIXED_ROWS 5u
#define NONE 99u /* terminates an expected id list */

struct fixed_case {
    const char *segment;
    uint32_t expected[FIXED_ROWS + 1]; /* ascending ids, NONE-terminated */
};

static const struct fixed_case fixed_cases[] = {
    /* NOT IN / IN with NULL in the list. */
    {"age NOT IN (30, NULL)", {NONE}},
    {"age IN (30, NULL)", {0, 4, NONE}},
    {"NOT age IN (31, NULL) OR age IS NULL", {1, NONE}},
    /* NOT over UNKNOWN stays UNKNOWN. */
    {"NOT (age = NULL)", {NONE}},
    {"NOT NULL = age", {NONE}},
    {"NOT (age > 29)", {3, NONE}},
    {"NOT age > 29 OR age IS NULL", {1, 3, NONE}},
    {"NOT (age BETWEEN 31 AND NULL)", {0, 3, 4, NONE}},
    {"age BETWEEN NULL AND 40", {NONE}},
    /* The window edge, exactly now() - 30d and one second either side. */
    {"seen >= now() - 30d", {0, 2, NONE}},
    {"seen > now() - 30d", {2, NONE}},
    {"seen < now() - 30d", {1, 4, NONE}},
    {"seen = now() - 720h", {0, NONE}},
    {"seen BETWEEN now() - 30d AND now()", {0, 2, NONE}},
    {"seen = '2023-10-15T22:13:20Z'", {0, NONE}},
    {"seen = '2023-10-16 00:13:20+02:00'", {0, NONE}},
    {"seen = 0", {4, NONE}},
    {"seen <= '1970-01-01'", {4, NONE}},
    /* int64 edges and exact int-vs-float comparison. */
    {"big = 9223372036854775807", {0, NONE}},
    {"big = -9223372036854775808", {1, NONE}},
    {"big > 9223372036854775806", {0, NONE}},
    {"big = 9223372036854775807.0", {NONE}},
    {"big < 9223372036854775807.0", {0, 1, 3, 4, NONE}},
    {"big >= -9223372036854775808.0", {0, 1, 3, 4, NONE}},
    {"age < 30.5", {0, 3, 4, NONE}},
    {"age = 30.5", {NONE}},
    {"age != 30.5", {0, 2, 3, 4, NONE}},
    {"age = 30.0", {0, 4, NONE}},
    /* -0.0 is stored as 0.0 and equals 0 either way. */
    {"score = -0.0", {0, 1, NONE}},
    {"score = 0", {0, 1, NONE}},
    {"score < 0", {4, NONE}},
    {"score >= -0.0", {0, 1, 3, NONE}},
    /* Bools. */
    {"vip", {0, 3, NONE}},
    {"NOT vip", {1, 4, NONE}},
    {"vip IN (TRUE, NULL)", {0, 3, NONE}},
    {"vip NOT IN (FALSE, NULL)", {NONE}},
    {"vip <> FALSE", {0, 3, NONE}},
    /* Tags: NULL set vs empty set. */
    {"tags HAS 'vip'", {0, 4, NONE}},
    {"NOT tags HAS 'vip'", {1, 3, NONE}},
    {"tags NOT HAS 'vip'", {1, 3, NONE}},
    {"tags HAS ALL ('vip', 'new', 'vip')", {0, NONE}},
    {"tags HAS ANY ('nope')", {NONE}},
    {"tags NOT HAS ANY ('nope')", {0, 1, 3, 4, NONE}},
    {"tags IS NULL", {2, NONE}},
    /* Strings: bytewise order, folding with 'ß' -> 'ss' and NFC, empty patterns. */
    {"name ICONTAINS 'ss'", {0, 1, NONE}},
    {"name ISTARTS WITH 'STRASSE'", {0, 1, NONE}},
    {"name = 'STRASSE'", {1, NONE}},
    {"name ICONTAINS '\xc3\xa9'", {4, NONE}},
    {"name CONTAINS '\xc3\xa9'", {NONE}},
    {"name STARTS WITH ''", {0, 1, 3, 4, NONE}},
    {"name NOT ENDS WITH ''", {NONE}},
    {"country = ''", {1, NONE}},
    {"country < 'de'", {1, NONE}},
    {"country BETWEEN 'de' AND 'fr'", {0, 3, 4, NONE}},
    {"country BETWEEN 'fr' AND 'de'", {NONE}},
    {"country NOT BETWEEN 'fr' AND 'de'", {0, 1, 3, 4, NONE}},
    {"TRUE", {0, 1, 2, 3, 4, NONE}},
    {"FALSE", {NONE}},
};

static void fixed_fixture_create(struct engine_fixture *fixture)
{
    memset(fixture, 0, sizeof *fixture);
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/pdb-differential-XXXXXX");
    cr_assert_not_null(mkdtemp(fixture->dir));
    char path[300];
    snprintf(path, sizeof path, "%s/schema.txt", fixture->dir);
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(fixed_schema, file);
    fclose(file);
    snprintf(path, sizeof path, "%s/rows.csv", fixture->dir);
    file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(fixed_csv, file);
    fclose(file);
    fixture_load(fixture, 0, FIXED_NOW_S, FIXED_ROWS);
}

Test(differential, fixed_regressions)
{
    struct engine_fixture fixture;
    fixed_fixture_create(&fixture);
    uint32_t failures = 0;
    struct id_list list = {0};
    for (size_t i = 0; i < sizeof fixed_cases / sizeof fixed_cases[0]; i++) {
        const struct fixed_case *c = &fixed_cases[i];
        uint32_t expected_count = 0;
        while (c->expected[expected_count] != NONE)
            expected_count++;
        struct pdb_error error = {0};
        uint64_t count = 0;
        enum pdb_status status = pdb_segment_count(fixture.db, c->segment, &count, &error);
        id_list_reset(&list, 0);
        enum pdb_status ids_status =
            status == PDB_OK
                ? pdb_segment_ids(fixture.db, c->segment, 0, id_list_append, &list, &error)
                : status;
        bool ok = status == PDB_OK && ids_status == PDB_OK && count == expected_count &&
                  list.count == expected_count &&
                  (expected_count == 0 ||
                   memcmp(list.ids, c->expected, expected_count * sizeof(uint32_t)) == 0);
        if (ok) continue;
        failures++;
        struct diff_text report = {0};
        diff_text_printf(&report, "fixed regression failed: %s\n  expected ids:", c->segment);
        for (uint32_t k = 0; k < expected_count; k++)
            diff_text_printf(&report, " %u", c->expected[k]);
        if (status != PDB_OK || ids_status != PDB_OK) {
            diff_text_printf(&report, "\n  engine error: %s: %s\n",
                             pdb_status_name(status ? status : ids_status), error.message);
        } else {
            diff_text_printf(&report, "\n  engine count %llu, ids:", (unsigned long long)count);
            for (uint32_t k = 0; k < list.count; k++)
                diff_text_printf(&report, " %u", list.ids[k]);
            diff_text_puts(&report, "\n");
        }
        fprintf(stderr, "%s", report.data);
        diff_text_deinit(&report);
    }
    free(list.ids);
    fixture_cleanup(&fixture);
    cr_assert_eq(failures, 0, "%u fixed regression segments failed (details above)", failures);
}

/* ---- The error contract ---------------------------------------------------------------- */

struct error_case {
    const char *segment;
    enum pdb_status status;
    const char *prefix;   /* the message starts with this */
    const char *contains; /* and contains this, when not NULL */
};

static const struct error_case error_cases[] = {
    {"contry = 'de'", PDB_ERR_SEGMENT, "segment:1:1:", "did you mean 'country'"},
    {"age > 1 AND\n  nmae = 'x'", PDB_ERR_SEGMENT, "segment:2:3:", "did you mean 'name'"},
    {"AGE = 'abc'", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"vip < TRUE", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"vip = 1", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"tags = 'x'", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"name HAS 'x'", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"score STARTS WITH '1'", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"seen > 'yesterday'", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"seen > 1.5", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"country > 3", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age > 9223372036854775808", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age > -9223372036854775809", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"score > 1e400", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"tags HAS NULL", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"tags HAS ANY ()", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age BETWEEN 1", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age > 1 OR OR age < 1", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age IN ()", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"(age > 1", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age > 1)", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"age > 1 AND", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"", PDB_ERR_SEGMENT, "segment:", NULL},
    {"seen > now() - 30 d", PDB_ERR_SEGMENT, "segment:1:", NULL},
    {"name = 'unterminated", PDB_ERR_SEGMENT, "segment:1:", NULL},
};

static void expect_error(struct pdb_db *db, const char *segment, enum pdb_status expected_status,
                         const char *prefix, const char *contains)
{
    struct pdb_error error = {0};
    uint64_t count = 12345;
    enum pdb_status status = pdb_segment_count(db, segment, &count, &error);
    cr_expect_eq(status, expected_status, "segment \"%s\": status %s, expected %s (%s)", segment,
                 pdb_status_name(status), pdb_status_name(expected_status), error.message);
    cr_expect_eq(error.status, status, "segment \"%s\": error.status not set", segment);
    cr_expect_eq(count, 12345, "segment \"%s\": count_out touched on failure", segment);
    cr_expect(strncmp(error.message, prefix, strlen(prefix)) == 0,
              "segment \"%s\": message \"%s\" does not start with \"%s\"", segment, error.message,
              prefix);
    if (contains)
        cr_expect(strstr(error.message, contains) != NULL,
                  "segment \"%s\": message \"%s\" lacks \"%s\"", segment, error.message, contains);
    struct pdb_error check_error = {0};
    cr_expect_eq(pdb_segment_check(db, segment, &check_error), status,
                 "segment \"%s\": pdb_segment_check disagrees with pdb_segment_count", segment);
    struct id_list list = {0};
    id_list_reset(&list, 0);
    cr_expect_eq(pdb_segment_ids(db, segment, 0, id_list_append, &list, &check_error), status,
                 "segment \"%s\": pdb_segment_ids disagrees with pdb_segment_count", segment);
    cr_expect_eq(list.count, 0, "segment \"%s\": ids delivered despite the error", segment);
    free(list.ids);
}

static char *nested(const char *open, const char *core, const char *close, uint32_t depth)
{
    struct diff_text text = {0};
    for (uint32_t i = 0; i < depth; i++)
        diff_text_puts(&text, open);
    diff_text_puts(&text, core);
    for (uint32_t i = 0; i < depth; i++)
        diff_text_puts(&text, close);
    return text.data;
}

Test(differential, segment_errors)
{
    struct engine_fixture fixture;
    fixed_fixture_create(&fixture);
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct error_case *c = &error_cases[i];
        expect_error(fixture.db, c->segment, c->status, c->prefix, c->contains);
    }
    /* Nesting: well within the limit of 128 works, far beyond it is a limit error. */
    char *shallow = nested("(", "age > 0", ")", 100);
    uint64_t count = 0;
    struct pdb_error error = {0};
    cr_expect_eq(pdb_segment_count(fixture.db, shallow, &count, &error), PDB_OK, "%s",
                 error.message);
    cr_expect_eq(count, 4);
    free(shallow);
    char *deep = nested("(", "age > 0", ")", 1000);
    expect_error(fixture.db, deep, PDB_ERR_LIMIT, "segment:", NULL);
    free(deep);
    char *deep_not = nested("NOT ", "vip", "", 1001);
    expect_error(fixture.db, deep_not, PDB_ERR_LIMIT, "segment:", NULL);
    free(deep_not);
    fixture_cleanup(&fixture);
}
