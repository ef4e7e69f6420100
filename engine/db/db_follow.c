/*
 * pdb_db_follow: a reading handle catches up with the database's writer (another handle, in
 * this process or another) without reopening: it moves to the newest manifest when a
 * checkpoint published one (db_refresh), then applies the write-ahead log's records after
 * its state (db_stream_replay, the replay that pdb_db_open runs). Records are applied whole,
 * in LSN order, so the handle's table is always the database as of one acknowledged batch:
 * a consistent snapshot, which the handle's queries see until the next follow.
 *
 * The log is read while the writer appends (wal_read: a record still being written is a torn
 * tail, reported and not used), so a follow sees at least every batch acknowledged before it
 * started. Cost: reading the log from its start (checksums; it is trimmed at each
 * checkpoint) and staging and applying each new batch, as the writer did.
 */
#include "base/status.h"
#include "db/db_internal.h"

enum pdb_status pdb_db_follow(struct pdb_db *db, uint64_t *lsn_out, struct pdb_error *error)
{
    if (db == NULL) return error_set(error, PDB_ERR_USAGE, "database is required");
    if (db_stream_lock_fd(db) < 0) { /* the writer itself is always current */
        enum pdb_status status = db_refresh(db, error);
        if (status == PDB_OK) status = db_stream_replay(db, error);
        if (status != PDB_OK) return status;
    }
    if (lsn_out != NULL)
        *lsn_out = db->stream != NULL ? db->stream->applied_lsn : db->manifest.wal_lsn;
    return PDB_OK;
}
