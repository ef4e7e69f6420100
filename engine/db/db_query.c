/*
 * Segment queries on a database handle: compile against the schema with the handle's
 * now() and saved segments (db_saved_segments.c), prepare (which loads the referenced columns, each decoded in parallel over its
 * chunks), then evaluate the chunks over the handle's thread pool (query/segment.h). The
 * three steps are timed apart for pdb_db_query_timing. pdb_segment_explain runs the same
 * query once, measured node by node on the calling thread (segment_profile_count).
 */
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "query/segment.h"

static double clock_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static enum pdb_status compile(struct pdb_db *db, const char *text, struct segment **segment_out,
                               struct pdb_error *error)
{
    if (db == NULL || text == NULL) return error_set(error, PDB_ERR_USAGE, "database and segment are required");
    return db_segment_compile(db, text, segment_out, error);
}

/* Compiles and prepares (loading columns); fills the first two fields of *timing. */
static enum pdb_status start_query(struct pdb_db *db, const char *text,
                                   struct segment **segment_out, struct pdb_query_timing *timing,
                                   struct pdb_error *error)
{
    double started_s = clock_s();
    struct segment *segment;
    enum pdb_status status = compile(db, text, &segment, error);
    if (status != PDB_OK) return status;
    double compiled_s = clock_s();
    status = segment_prepare(segment, &db->table, error);
    if (status != PDB_OK) {
        segment_destroy(segment);
        return status;
    }
    timing->compile_s = compiled_s - started_s;
    timing->load_s = clock_s() - compiled_s;
    *segment_out = segment;
    return PDB_OK;
}

enum pdb_status pdb_segment_check(struct pdb_db *db, const char *text, struct pdb_error *error)
{
    struct segment *segment;
    enum pdb_status status = compile(db, text, &segment, error);
    if (status == PDB_OK) segment_destroy(segment);
    return status;
}

enum pdb_status pdb_segment_count(struct pdb_db *db, const char *text, uint64_t *count_out,
                                  struct pdb_error *error)
{
    struct segment *segment;
    struct pdb_query_timing timing;
    enum pdb_status status = start_query(db, text, &segment, &timing, error);
    if (status != PDB_OK) return status;
    double started_s = clock_s();
    struct segment_exec exec = {.pool = db_thread_pool(db), .is_prepared = true};
    status = segment_count_parallel(segment, &db->table, &exec, count_out, error);
    timing.evaluate_s = clock_s() - started_s;
    segment_destroy(segment);
    if (status == PDB_OK) db->query_timing = timing;
    return status;
}

enum pdb_status pdb_segment_ids(struct pdb_db *db, const char *text, uint64_t limit,
                                pdb_id_fn on_id, void *context, struct pdb_error *error)
{
    if (on_id == NULL) return error_set(error, PDB_ERR_USAGE, "an id callback is required");
    struct segment *segment;
    struct pdb_query_timing timing;
    enum pdb_status status = start_query(db, text, &segment, &timing, error);
    if (status != PDB_OK) return status;
    double started_s = clock_s();
    struct segment_exec exec = {.pool = db_thread_pool(db), .is_prepared = true};
    status = segment_ids_parallel(segment, &db->table, &exec, limit, on_id, context, error);
    timing.evaluate_s = clock_s() - started_s;
    segment_destroy(segment);
    if (status == PDB_OK) db->query_timing = timing;
    return status;
}

void pdb_db_query_timing(const struct pdb_db *db, struct pdb_query_timing *timing)
{
    *timing = db->query_timing;
}

enum pdb_status pdb_segment_explain(struct pdb_db *db, const char *text,
                                    enum pdb_explain_format format, char **text_out,
                                    struct pdb_error *error)
{
    if (text_out == NULL) return error_set(error, PDB_ERR_USAGE, "an output pointer is required");
    if (format != PDB_EXPLAIN_TEXT && format != PDB_EXPLAIN_JSON)
        return error_set(error, PDB_ERR_USAGE, "unknown explain format %d", (int)format);
    struct segment *segment;
    enum pdb_status status = compile(db, text, &segment, error);
    if (status != PDB_OK) return status;
    struct segment_profile profile;
    status = segment_profile_count(segment, &db->table, &profile, error);
    if (status != PDB_OK) {
        segment_destroy(segment);
        return status;
    }
    struct buffer out;
    buffer_init(&out);
    status = segment_explain_plan(segment, &profile,
                                  format == PDB_EXPLAIN_JSON ? SEGMENT_EXPLAIN_JSON
                                                             : SEGMENT_EXPLAIN_TEXT,
                                  &out);
    if (status == PDB_OK && buffer_append(&out, "", 1) != 0) status = PDB_ERR_NO_MEMORY;
    segment_profile_deinit(&profile);
    segment_destroy(segment);
    if (status != PDB_OK) {
        buffer_deinit(&out);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory rendering a plan");
    }
    *text_out = (char *)out.data; /* the buffer's bytes, released with mem_free */
    return PDB_OK;
}

void pdb_text_destroy(char *text)
{
    mem_free(text);
}
