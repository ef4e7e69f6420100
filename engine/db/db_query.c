/*
 * Segment queries on a database handle: compile against the schema with the handle's
 * now(), evaluate chunk by chunk over the lazily loaded table (query/segment.h).
 */
#include <string.h>

#include "base/status.h"
#include "db/db_internal.h"
#include "query/segment.h"

static enum pdb_status compile(struct pdb_db *db, const char *text, struct segment **segment_out,
                               struct pdb_error *error)
{
    if (db == NULL || text == NULL) return error_set(error, PDB_ERR_USAGE, "database and segment are required");
    return segment_compile(text, strlen(text), &db->schema, db_now(db), segment_out, error);
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
    enum pdb_status status = compile(db, text, &segment, error);
    if (status != PDB_OK) return status;
    status = segment_count(segment, &db->table, count_out, error);
    segment_destroy(segment);
    return status;
}

enum pdb_status pdb_segment_ids(struct pdb_db *db, const char *text, uint64_t limit,
                                pdb_id_fn on_id, void *context, struct pdb_error *error)
{
    if (on_id == NULL) return error_set(error, PDB_ERR_USAGE, "an id callback is required");
    struct segment *segment;
    enum pdb_status status = compile(db, text, &segment, error);
    if (status != PDB_OK) return status;
    status = segment_ids(segment, &db->table, limit, on_id, context, error);
    segment_destroy(segment);
    return status;
}
