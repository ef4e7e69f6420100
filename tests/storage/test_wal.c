/*
 * Tests for storage/wal.c: records come back after reopening exactly as appended (type,
 * payload, LSN), unsynced ones do not; group commit from many threads loses nothing and
 * shares fdatasyncs; a torn tail is cut at every possible length; a flipped byte anywhere is
 * never replayed silently (corruption before a valid record is an error with the offset, in
 * the last record a torn tail); injected write and fdatasync failures are fatal for the log
 * and lose only unacknowledged records; trimming keeps exactly the later records.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/limits.h"
#include "storage/file_io.h"
#include "storage/wal.h"
#include "support/test_files.h"

static char directory[128], wal_path[256];

static void setup(void)
{
    test_dir_make(directory, sizeof directory, "wal");
    snprintf(wal_path, sizeof wal_path, "%s/%s", directory, WAL_FILE_NAME);
}

static void teardown(void)
{
    test_dir_remove(directory);
}

TestSuite(wal, .init = setup, .fini = teardown);

/* What replay delivered. */
struct seen {
    uint32_t count;
    uint64_t lsns[4096];
    uint32_t types[4096];
    uint32_t sizes[4096];
    uint8_t first[4096];
};

static enum pdb_status on_record(void *context, uint64_t lsn, uint32_t type,
                                 const uint8_t *payload, uint32_t size, struct pdb_error *error)
{
    (void)error;
    struct seen *seen = context;
    cr_assert_lt(seen->count, 4096u);
    seen->lsns[seen->count] = lsn;
    seen->types[seen->count] = type;
    seen->sizes[seen->count] = size;
    seen->first[seen->count] = size ? payload[0] : 0;
    for (uint32_t i = 0; i < size; i++)
        cr_assert_eq(payload[i], (uint8_t)(lsn * 7u + i), "payload of %llu byte %u", (unsigned long long)lsn, i);
    seen->count++;
    return PDB_OK;
}

static struct wal *open_wal(struct seen *seen, struct wal_replay_report *report)
{
    struct wal *wal = NULL;
    struct pdb_error error = {0};
    if (seen) memset(seen, 0, sizeof *seen);
    cr_assert_eq(wal_open(directory, 0, on_record, seen, &wal, report, &error), PDB_OK, "%s", error.message);
    return wal;
}

/* Appends a record whose payload is derived from the LSN it will get. */
static uint64_t append(struct wal *wal, uint32_t size)
{
    uint8_t payload[4096];
    uint64_t lsn = wal_last_lsn(wal) + 1u;
    for (uint32_t i = 0; i < size; i++) payload[i] = (uint8_t)(lsn * 7u + i);
    uint64_t got = 0;
    struct pdb_error error = {0};
    cr_assert_eq(wal_append(wal, 1u + (uint32_t)(lsn % 5u), payload, size, &got, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(got, lsn);
    return got;
}

static off_t wal_size(void)
{
    struct stat info;
    cr_assert_eq(stat(wal_path, &info), 0);
    return info.st_size;
}

Test(wal, synced_records_come_back_in_order)
{
    struct seen seen;
    struct wal_replay_report report;
    struct wal *wal = open_wal(&seen, &report);
    cr_assert_eq(report.records, 0u);
    for (uint32_t i = 0; i < 100; i++) append(wal, i * 13u % 300u);
    cr_assert_eq(wal_sync(wal, 100, NULL), PDB_OK);
    cr_assert_eq(wal_durable_lsn(wal), 100u);
    wal_close(wal);
    wal = open_wal(&seen, &report);
    cr_assert_eq(seen.count, 100u);
    cr_assert_eq(report.last_lsn, 100u);
    cr_assert_eq(report.torn_bytes, 0u);
    for (uint32_t i = 0; i < 100; i++) {
        cr_assert_eq(seen.lsns[i], i + 1u);
        cr_assert_eq(seen.types[i], 1u + (i + 1u) % 5u);
        cr_assert_eq(seen.sizes[i], i * 13u % 300u);
    }
    append(wal, 5); /* appending continues the sequence */
    cr_assert_eq(wal_sync(wal, 101, NULL), PDB_OK);
    wal_close(wal);
    wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 101u);
    wal_close(wal);
}

Test(wal, unsynced_records_are_not_kept)
{
    struct wal *wal = open_wal(NULL, NULL);
    append(wal, 10);
    cr_assert_eq(wal_sync(wal, 1, NULL), PDB_OK);
    append(wal, 10);
    append(wal, 10);
    wal_close(wal); /* never acknowledged */
    struct seen seen;
    wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 1u);
    cr_assert_eq(wal_last_lsn(wal), 1u);
    wal_close(wal);
}

Test(wal, rejects_bad_appends_and_syncs)
{
    struct wal *wal = open_wal(NULL, NULL);
    uint64_t lsn;
    struct pdb_error error = {0};
    cr_assert_eq(wal_append(wal, 0, "x", 1, &lsn, &error), PDB_ERR_USAGE);
    static uint8_t big[PDB_WAL_RECORD_SIZE_MAX + 1u];
    cr_assert_eq(wal_append(wal, 1, big, sizeof big, &lsn, &error), PDB_ERR_LIMIT);
    cr_assert(strstr(error.message, wal_path) != NULL, "%s", error.message);
    cr_assert_eq(wal_sync(wal, 1, &error), PDB_ERR_USAGE, "LSN 1 was never appended");
    cr_assert_eq(wal_append(wal, 1, big, PDB_WAL_RECORD_SIZE_MAX, &lsn, &error), PDB_OK);
    wal_close(wal);
}

struct writer {
    struct wal *wal;
    uint32_t records;
    int failures;
};

static void *writer_main(void *context)
{
    struct writer *writer = context;
    for (uint32_t i = 0; i < writer->records; i++) {
        uint64_t lsn;
        uint8_t payload[64];
        memset(payload, 0xab, sizeof payload);
        if (wal_append(writer->wal, 9, payload, sizeof payload, &lsn, NULL) != PDB_OK ||
            wal_sync(writer->wal, lsn, NULL) != PDB_OK || wal_durable_lsn(writer->wal) < lsn)
            writer->failures++;
    }
    return NULL;
}

static enum pdb_status count_record(void *context, uint64_t lsn, uint32_t type,
                                    const uint8_t *payload, uint32_t size, struct pdb_error *error)
{
    (void)lsn, (void)payload, (void)error;
    cr_assert_eq(type, 9u);
    cr_assert_eq(size, 64u);
    (*(uint64_t *)context)++;
    return PDB_OK;
}

Test(wal, group_commit_from_many_threads_loses_nothing_and_shares_syncs)
{
    struct wal *wal = open_wal(NULL, NULL);
    enum { THREADS = 8, RECORDS = 200 };
    pthread_t threads[THREADS];
    struct writer writers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        writers[t] = (struct writer){wal, RECORDS, 0};
        cr_assert_eq(pthread_create(&threads[t], NULL, writer_main, &writers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        cr_assert_eq(writers[t].failures, 0);
    }
    uint64_t syncs, records;
    wal_sync_counts(wal, &syncs, &records);
    cr_assert_eq(records, (uint64_t)THREADS * RECORDS);
    cr_assert_lt(syncs, records, "%llu fdatasyncs for %llu records: none shared",
                 (unsigned long long)syncs, (unsigned long long)records);
    wal_close(wal);
    uint64_t replayed = 0;
    struct pdb_error error = {0};
    cr_assert_eq(wal_open(directory, 0, count_record, &replayed, &wal, NULL, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(replayed, (uint64_t)THREADS * RECORDS);
    wal_close(wal);
}

/* Writes 20 synced records and returns the file size and the last record's offset. */
static void write_twenty(off_t *size_out, off_t *last_offset_out)
{
    struct wal *wal = open_wal(NULL, NULL);
    for (uint32_t i = 0; i < 19; i++) append(wal, 40 + i);
    cr_assert_eq(wal_sync(wal, 19, NULL), PDB_OK);
    *last_offset_out = wal_size();
    append(wal, 77);
    cr_assert_eq(wal_sync(wal, 20, NULL), PDB_OK);
    wal_close(wal);
    *size_out = wal_size();
}

Test(wal, a_torn_tail_is_cut_at_every_length)
{
    off_t size, last;
    write_twenty(&size, &last);
    int fd = open(wal_path, O_RDONLY);
    static uint8_t original[1 << 16];
    cr_assert_eq(read(fd, original, sizeof original), size);
    close(fd);
    for (off_t cut = last; cut < size; cut++) {
        fd = open(wal_path, O_WRONLY | O_TRUNC);
        cr_assert_eq(write(fd, original, (size_t)cut), cut);
        close(fd);
        struct seen seen;
        struct wal_replay_report report;
        struct wal *wal = open_wal(&seen, &report);
        cr_assert_eq(seen.count, 19u, "cut at %lld", (long long)cut);
        cr_assert_eq(report.torn_offset, cut > last ? (uint64_t)last : 0u, "cut at %lld", (long long)cut);
        cr_assert_eq(report.torn_bytes, (uint64_t)(cut - last));
        cr_assert_eq(wal_size(), last, "the torn bytes are cut off");
        wal_close(wal);
    }
}

Test(wal, records_after_a_torn_tail_never_pick_up_stale_bytes)
{
    off_t size, last;
    write_twenty(&size, &last);
    /* Tear the last record in the middle, keep its second half on disk. */
    int fd = open(wal_path, O_WRONLY);
    uint8_t junk[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    cr_assert_eq(pwrite(fd, junk, sizeof junk, last + 16), 8);
    close(fd);
    struct seen seen;
    struct wal *wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 19u);
    append(wal, 3); /* a shorter record where the torn one was */
    cr_assert_eq(wal_sync(wal, 20, NULL), PDB_OK);
    wal_close(wal);
    wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 20u);
    cr_assert_eq(seen.sizes[19], 3u);
    wal_close(wal);
}

Test(wal, no_flipped_byte_is_replayed_silently)
{
    off_t size, last;
    write_twenty(&size, &last);
    int fd = open(wal_path, O_RDONLY);
    static uint8_t original[1 << 16];
    cr_assert_eq(read(fd, original, sizeof original), size);
    close(fd);
    uint32_t corrupt = 0, torn = 0;
    for (off_t at = 0; at < size; at++) {
        static uint8_t copy[1 << 16];
        memcpy(copy, original, (size_t)size);
        copy[at] ^= 0x5a;
        fd = open(wal_path, O_WRONLY | O_TRUNC);
        cr_assert_eq(write(fd, copy, (size_t)size), size);
        close(fd);
        struct seen seen = {0};
        struct wal_replay_report report;
        struct wal *wal = NULL;
        struct pdb_error error = {0};
        enum pdb_status status = wal_open(directory, 0, on_record, &seen, &wal, &report, &error);
        if (status == PDB_OK) {
            /* Only a flip in the last record may pass, as a torn tail dropping it. */
            cr_assert_geq(at, last, "byte %lld flipped and accepted", (long long)at);
            cr_assert_eq(seen.count, 19u);
            cr_assert_eq(report.torn_offset, (uint64_t)last);
            torn++;
            wal_close(wal);
        } else {
            cr_assert_eq(status, PDB_ERR_CORRUPT, "byte %lld: %s", (long long)at, error.message);
            cr_assert(strstr(error.message, wal_path) != NULL && strstr(error.message, "offset") != NULL,
                      "%s", error.message);
            corrupt++;
        }
    }
    cr_assert_gt(corrupt, 0u);
    cr_assert_gt(torn, 0u);
}

Test(wal, a_failed_write_or_fdatasync_is_fatal_and_loses_only_unacknowledged_records)
{
    const enum file_fault_point points[] = {FILE_FAULT_WRITE, FILE_FAULT_SYNC};
    for (int p = 0; p < 2; p++) {
        unlink(wal_path);
        struct wal *wal = open_wal(NULL, NULL);
        for (int i = 0; i < 5; i++) append(wal, 20);
        cr_assert_eq(wal_sync(wal, 5, NULL), PDB_OK);
        append(wal, 20);
        file_fault_inject(points[p], 0, p ? EIO : ENOSPC);
        struct pdb_error error = {0};
        cr_assert_eq(wal_sync(wal, 6, &error), PDB_ERR_IO);
        file_fault_inject(points[p], 0, 0);
        cr_assert(strstr(error.message, strerror(p ? EIO : ENOSPC)) != NULL, "%s", error.message);
        uint64_t lsn;
        cr_assert_eq(wal_append(wal, 1, "x", 1, &lsn, &error), PDB_ERR_IO, "the log stays failed");
        cr_assert(strstr(error.message, "reopen") != NULL, "%s", error.message);
        cr_assert_eq(wal_sync(wal, 6, NULL), PDB_ERR_IO);
        cr_assert_eq(wal_durable_lsn(wal), 5u);
        wal_close(wal);
        struct seen seen;
        wal = open_wal(&seen, NULL);
        /* Record 6 was never acknowledged; whether its bytes reached the disk (a failed
         * fdatasync after a good write) or not, the acknowledged 5 are all there. */
        cr_assert_geq(seen.count, 5u);
        cr_assert_leq(seen.count, 6u);
        wal_close(wal);
    }
}

Test(wal, trim_keeps_exactly_the_later_records)
{
    struct wal *wal = open_wal(NULL, NULL);
    for (int i = 0; i < 10; i++) append(wal, 30);
    cr_assert_eq(wal_sync(wal, 10, NULL), PDB_OK);
    append(wal, 30); /* buffered, not synced: kept in memory across the trim */
    struct pdb_error error = {0};
    cr_assert_eq(wal_trim(wal, 11, &error), PDB_ERR_USAGE, "cannot drop what is not durable");
    cr_assert_eq(wal_trim(wal, 6, &error), PDB_OK, "%s", error.message);
    cr_assert_eq(wal_sync(wal, 11, &error), PDB_OK, "%s", error.message);
    wal_close(wal);
    struct seen seen;
    wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 5u);
    cr_assert_eq(seen.lsns[0], 7u);
    cr_assert_eq(seen.lsns[4], 11u);
    cr_assert_eq(wal_trim(wal, 11, &error), PDB_OK, "%s", error.message);
    wal_close(wal);
    wal = open_wal(&seen, NULL);
    cr_assert_eq(seen.count, 0u);
    cr_assert_eq(wal_last_lsn(wal), 11u, "LSNs go on after a full trim");
    cr_assert_eq(append(wal, 1), 12u);
    wal_close(wal);
}

Test(wal, a_bad_header_is_corruption)
{
    struct wal *wal = open_wal(NULL, NULL);
    wal_close(wal);
    int fd = open(wal_path, O_WRONLY);
    cr_assert_eq(pwrite(fd, "X", 1, 3), 1);
    close(fd);
    struct pdb_error error = {0};
    cr_assert_eq(wal_open(directory, 0, NULL, NULL, &wal, NULL, &error), PDB_ERR_CORRUPT);
    cr_assert(strstr(error.message, "offset 0") != NULL, "%s", error.message);
}
