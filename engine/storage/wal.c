/*
 * The write-ahead log (see wal.h for the format, group commit and replay rules).
 *
 * State under `mutex`: `pending` holds the records appended since the last sync started, in
 * LSN order; `is_syncing` marks the one thread writing a batch (with the mutex released);
 * `synced` is signalled when it finishes. The file holds [0, file_end): the header and every
 * synced record; a batch is written at file_end with one pwrite, then fdatasynced.
 */
#include "storage/wal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/checksum.h"
#include "base/limits.h"
#include "base/status.h"
#include "storage/file_io.h"

#define WAL_VERSION 1u
#define WAL_FILE_SIZE_MAX (1ull << 36) /* replay reads the log whole */

static const uint8_t wal_magic[8] = {'P', 'D', 'B', 'W', 'A', 'L', 0, 1};

struct wal {
    char path[PDB_PATH_SIZE_MAX];
    char directory[PDB_PATH_SIZE_MAX];
    int fd;
    pthread_mutex_t mutex;
    pthread_cond_t synced;
    uint64_t base_lsn;
    uint64_t last_lsn;    /* appended */
    uint64_t durable_lsn; /* synced */
    uint64_t file_end;
    struct buffer pending;
    struct buffer spare; /* the previous batch's buffer, reused */
    bool is_syncing;
    bool is_failed;
    struct pdb_error failure;
    uint64_t sync_count, synced_records;
};

static size_t record_size(uint32_t payload_size)
{
    size_t size = WAL_RECORD_OVERHEAD + (size_t)payload_size;
    return (size + 7u) & ~(size_t)7u;
}

static void header_render(uint8_t header[WAL_HEADER_SIZE], uint64_t base_lsn)
{
    memset(header, 0, WAL_HEADER_SIZE);
    memcpy(header, wal_magic, sizeof wal_magic);
    store_u32(header + 8, WAL_VERSION);
    store_u32(header + 12, WAL_HEADER_SIZE);
    store_u64(header + 16, base_lsn);
    store_u64(header + 24, checksum_bytes(header, 24));
}

/* ---- Replay ------------------------------------------------------------------------------ */

/* Whether a valid record of any LSN starts at `offset` of data[0, size). */
static bool record_is_valid(const uint8_t *data, size_t size, size_t offset, uint64_t *lsn_out,
                            size_t *total_out)
{
    if (size - offset < WAL_RECORD_OVERHEAD) return false;
    uint32_t payload = load_u32(data + offset);
    uint32_t type = load_u32(data + offset + 4);
    if (payload > PDB_WAL_RECORD_SIZE_MAX || type == 0) return false;
    size_t total = record_size(payload);
    if (total > size - offset) return false;
    size_t checked = 16u + payload;
    if (load_u64(data + offset + checked) != checksum_bytes(data + offset, checked)) return false;
    for (size_t i = checked + 8u; i < total; i++)
        if (data[offset + i] != 0) return false;
    *lsn_out = load_u64(data + offset + 8);
    *total_out = total;
    return true;
}

static enum pdb_status replay(struct wal *wal, const uint8_t *data, size_t size,
                              wal_record_fn on_record, void *context,
                              struct wal_replay_report *report, struct pdb_error *error)
{
    if (size < WAL_HEADER_SIZE || memcmp(data, wal_magic, sizeof wal_magic) != 0 ||
        load_u32(data + 8) != WAL_VERSION || load_u32(data + 12) != WAL_HEADER_SIZE ||
        load_u64(data + 24) != checksum_bytes(data, 24)) {
        return error_set(error, PDB_ERR_CORRUPT, "%s: offset 0: not a profiledb write-ahead log "
                         "header (or a corrupt one)", wal->path);
    }
    wal->base_lsn = load_u64(data + 16);
    uint64_t expected = wal->base_lsn + 1u;
    size_t offset = WAL_HEADER_SIZE;
    memset(report, 0, sizeof *report);
    while (offset < size) {
        uint64_t lsn;
        size_t total;
        if (!record_is_valid(data, size, offset, &lsn, &total) || lsn != expected) {
            /* Torn tail, unless a valid record follows somewhere after it. */
            for (size_t next = offset + 8u; next + WAL_RECORD_OVERHEAD <= size; next += 8u) {
                uint64_t next_lsn;
                size_t next_total;
                if (record_is_valid(data, size, next, &next_lsn, &next_total)) {
                    return error_set(error, PDB_ERR_CORRUPT, "%s: offset %zu: corrupt record "
                                     "(expected LSN %llu) before a valid one at offset %zu",
                                     wal->path, offset, (unsigned long long)expected, next);
                }
            }
            report->torn_offset = offset;
            report->torn_bytes = size - offset;
            break;
        }
        if (on_record != NULL) {
            enum pdb_status status = on_record(context, lsn, load_u32(data + offset + 4),
                                               data + offset + 16, load_u32(data + offset), error);
            if (status != PDB_OK) return status;
        }
        report->records++;
        expected++;
        offset += total;
    }
    report->last_lsn = expected - 1u;
    report->base_lsn = wal->base_lsn;
    wal->last_lsn = wal->durable_lsn = expected - 1u;
    wal->file_end = offset;
    return PDB_OK;
}

/* ---- Opening and closing ---------------------------------------------------------------- */

static enum pdb_status open_fd(struct wal *wal, struct pdb_error *error)
{
    wal->fd = open(wal->path, O_RDWR | O_CLOEXEC);
    if (wal->fd < 0) return error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot open", wal->path);
    return PDB_OK;
}

enum pdb_status wal_open(const char *directory, uint64_t base_lsn, wal_record_fn on_record,
                         void *context, struct wal **wal_out, struct wal_replay_report *report,
                         struct pdb_error *error)
{
    struct wal *wal = mem_calloc(1, sizeof *wal);
    if (wal == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory opening the log");
    wal->fd = -1;
    buffer_init(&wal->pending);
    buffer_init(&wal->spare);
    pthread_mutex_init(&wal->mutex, NULL);
    pthread_cond_init(&wal->synced, NULL);
    uint8_t *data = NULL;
    size_t size = 0;
    struct wal_replay_report ignored;
    if (report == NULL) report = &ignored;
    enum pdb_status status = path_join(wal->path, directory, WAL_FILE_NAME, error);
    if (status != PDB_OK) goto fail;
    snprintf(wal->directory, sizeof wal->directory, "%s", directory);
    status = file_read_all(wal->path, WAL_FILE_SIZE_MAX, &data, &size, error);
    if (status == PDB_ERR_NOT_FOUND) {
        uint8_t header[WAL_HEADER_SIZE];
        header_render(header, base_lsn);
        if ((status = file_replace_atomic(wal->path, header, sizeof header, NULL, error)) != PDB_OK) goto fail;
        status = file_read_all(wal->path, WAL_FILE_SIZE_MAX, &data, &size, error);
    }
    if (status != PDB_OK) goto fail;
    if ((status = replay(wal, data, size, on_record, context, report, error)) != PDB_OK) goto fail;
    if ((status = open_fd(wal, error)) != PDB_OK) goto fail;
    if (report->torn_bytes > 0) {
        /* Cut the torn tail off before anything is appended after it, so stale bytes of a
         * crashed write can never be read as records again. */
        if (ftruncate(wal->fd, (off_t)wal->file_end) != 0) {
            status = error_set_errno(error, PDB_ERR_IO, errno, "%s: cannot cut the torn tail at "
                                     "offset %llu", wal->path, (unsigned long long)wal->file_end);
            goto fail;
        }
        if ((status = file_sync(wal->fd, wal->path, error)) != PDB_OK) goto fail;
    }
    mem_free(data);
    *wal_out = wal;
    return PDB_OK;
fail:
    mem_free(data);
    wal_close(wal);
    return status;
}

enum pdb_status wal_read(const char *directory, wal_record_fn on_record, void *context,
                         struct wal_replay_report *report, struct pdb_error *error)
{
    struct wal reader;
    memset(&reader, 0, sizeof reader);
    memset(report, 0, sizeof *report);
    enum pdb_status status = path_join(reader.path, directory, WAL_FILE_NAME, error);
    if (status != PDB_OK) return status;
    uint8_t *data = NULL;
    size_t size = 0;
    status = file_read_all(reader.path, WAL_FILE_SIZE_MAX, &data, &size, error);
    if (status == PDB_ERR_NOT_FOUND) return PDB_OK;
    if (status != PDB_OK) return status;
    status = replay(&reader, data, size, on_record, context, report, error);
    mem_free(data);
    return status;
}

void wal_close(struct wal *wal)
{
    if (wal == NULL) return;
    if (wal->fd >= 0) close(wal->fd);
    buffer_deinit(&wal->pending);
    buffer_deinit(&wal->spare);
    pthread_cond_destroy(&wal->synced);
    pthread_mutex_destroy(&wal->mutex);
    mem_free(wal);
}

/* ---- Appending and syncing ---------------------------------------------------------------- */

static enum pdb_status failed(const struct wal *wal, struct pdb_error *error)
{
    if (error != NULL) *error = wal->failure;
    return wal->failure.status;
}

enum pdb_status wal_append(struct wal *wal, uint32_t type, const void *payload, uint32_t size,
                           uint64_t *lsn_out, struct pdb_error *error)
{
    if (type == 0) return error_set(error, PDB_ERR_USAGE, "%s: record type 0 is reserved", wal->path);
    if (size > PDB_WAL_RECORD_SIZE_MAX) {
        return error_set(error, PDB_ERR_LIMIT, "%s: a record of %u bytes is larger than %u",
                         wal->path, size, PDB_WAL_RECORD_SIZE_MAX);
    }
    size_t total = record_size(size);
    pthread_mutex_lock(&wal->mutex);
    enum pdb_status status = PDB_OK;
    if (wal->is_failed) {
        status = failed(wal, error);
        goto done;
    }
    if (wal->pending.size + total > PDB_WAL_BUFFERED_SIZE_MAX) {
        status = error_set(error, PDB_ERR_LIMIT, "%s: more than %u bytes appended and not synced",
                           wal->path, PDB_WAL_BUFFERED_SIZE_MAX);
        goto done;
    }
    if (buffer_reserve(&wal->pending, total) != 0) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory buffering a record", wal->path);
        goto done;
    }
    uint64_t lsn = wal->last_lsn + 1u;
    uint8_t *record = wal->pending.data + wal->pending.size;
    store_u32(record, size);
    store_u32(record + 4, type);
    store_u64(record + 8, lsn);
    if (size > 0) memcpy(record + 16, payload, size);
    store_u64(record + 16 + size, checksum_bytes(record, 16u + size));
    memset(record + WAL_RECORD_OVERHEAD + size, 0, total - WAL_RECORD_OVERHEAD - size);
    wal->pending.size += total;
    wal->last_lsn = lsn;
    *lsn_out = lsn;
done:
    pthread_mutex_unlock(&wal->mutex);
    return status;
}

enum pdb_status wal_sync(struct wal *wal, uint64_t lsn, struct pdb_error *error)
{
    pthread_mutex_lock(&wal->mutex);
    enum pdb_status status = PDB_OK;
    if (lsn > wal->last_lsn) {
        status = error_set(error, PDB_ERR_USAGE, "%s: LSN %llu was never appended", wal->path,
                           (unsigned long long)lsn);
        goto done;
    }
    while (!wal->is_failed && wal->durable_lsn < lsn) {
        if (wal->is_syncing) {
            pthread_cond_wait(&wal->synced, &wal->mutex);
            continue;
        }
        /* This thread writes everything appended so far. */
        wal->is_syncing = true;
        struct buffer batch = wal->pending;
        wal->pending = wal->spare;
        buffer_reset(&wal->pending);
        uint64_t batch_last = wal->last_lsn, records = wal->last_lsn - wal->durable_lsn;
        uint64_t offset = wal->file_end;
        pthread_mutex_unlock(&wal->mutex);
        struct pdb_error write_error = {0};
        enum pdb_status written = file_write_at(wal->fd, wal->path, offset, batch.data, batch.size,
                                                &write_error);
        if (written == PDB_OK) written = file_sync(wal->fd, wal->path, &write_error);
        pthread_mutex_lock(&wal->mutex);
        if (written != PDB_OK) {
            wal->is_failed = true;
            wal->failure = write_error;
            error_prefix(&wal->failure, "write-ahead log failed (reopen the database): ");
        } else {
            wal->file_end = offset + batch.size;
            wal->durable_lsn = batch_last;
            wal->sync_count++;
            wal->synced_records += records;
        }
        buffer_reset(&batch);
        wal->spare = batch;
        wal->is_syncing = false;
        pthread_cond_broadcast(&wal->synced);
    }
    if (wal->is_failed && wal->durable_lsn < lsn) status = failed(wal, error);
done:
    pthread_mutex_unlock(&wal->mutex);
    return status;
}

/* ---- Trimming ------------------------------------------------------------------------------ */

enum pdb_status wal_trim(struct wal *wal, uint64_t lsn, struct pdb_error *error)
{
    if (wal->is_failed) return failed(wal, error);
    if (lsn > wal->durable_lsn || lsn < wal->base_lsn) {
        return error_set(error, PDB_ERR_USAGE, "%s: cannot trim to LSN %llu (log holds %llu..%llu, "
                         "synced to %llu)", wal->path, (unsigned long long)lsn,
                         (unsigned long long)wal->base_lsn, (unsigned long long)wal->last_lsn,
                         (unsigned long long)wal->durable_lsn);
    }
    uint8_t *data = NULL;
    size_t size = 0;
    enum pdb_status status = file_read_all(wal->path, WAL_FILE_SIZE_MAX, &data, &size, error);
    if (status != PDB_OK) return status;
    size_t offset = WAL_HEADER_SIZE, end = (size_t)wal->file_end;
    for (uint64_t at = wal->base_lsn; at < lsn; at++) { /* skip the records being dropped */
        uint64_t record_lsn;
        size_t total;
        if (end > size || !record_is_valid(data, end, offset, &record_lsn, &total) || record_lsn != at + 1u) {
            mem_free(data);
            return error_set(error, PDB_ERR_CORRUPT, "%s: offset %zu: record %llu changed on disk",
                             wal->path, offset, (unsigned long long)(at + 1u));
        }
        offset += total;
    }
    struct buffer image;
    buffer_init(&image);
    uint8_t header[WAL_HEADER_SIZE];
    header_render(header, lsn);
    if (buffer_append(&image, header, sizeof header) != 0 ||
        buffer_append(&image, data + offset, end - offset) != 0) {
        mem_free(data);
        buffer_deinit(&image);
        return error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory trimming the log", wal->path);
    }
    mem_free(data);
    bool is_renamed = false;
    struct pdb_error local = {0};
    status = file_replace_atomic(wal->path, image.data, image.size, &is_renamed, &local);
    if (is_renamed) { /* the name now holds the trimmed log: follow it */
        close(wal->fd);
        wal->fd = -1;
        enum pdb_status reopened = open_fd(wal, status == PDB_OK ? &local : NULL);
        if (status == PDB_OK) status = reopened;
        wal->base_lsn = lsn;
        wal->file_end = image.size;
        if (status != PDB_OK) { /* the fsync after the rename, or the reopen: fatal */
            wal->is_failed = true;
            wal->failure = local;
        }
    }
    buffer_deinit(&image);
    if (status != PDB_OK && error != NULL) *error = local;
    return status;
}

uint64_t wal_last_lsn(const struct wal *wal)
{
    return __atomic_load_n(&wal->last_lsn, __ATOMIC_RELAXED);
}

uint64_t wal_durable_lsn(const struct wal *wal)
{
    return __atomic_load_n(&wal->durable_lsn, __ATOMIC_RELAXED);
}

void wal_sync_counts(const struct wal *wal, uint64_t *syncs_out, uint64_t *records_out)
{
    *syncs_out = wal->sync_count;
    *records_out = wal->synced_records;
}
