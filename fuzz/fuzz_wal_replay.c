/*
 * libFuzzer target for write-ahead log replay (engine/storage/wal.c).
 *
 * The first input byte chooses the header: odd, a valid one (base LSN 0) followed by the rest
 * of the input as the record area, so record parsing is reached; even, the input as it is.
 * That becomes DB/wal.log of a scratch directory, which is then opened (replayed). It
 * must never crash or hang; when it opens, the records it delivered have consecutive LSNs
 * after the header's base, the log can take an append and a sync, and reopening replays the
 * same records plus that one. fuzz/build.sh builds it; a crash becomes a test in
 * tests/storage/test_wal.c.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/wal.h"

#define FUZZ_CHECK(condition)                                                                 \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            fprintf(stderr, "fuzz_wal_replay: check failed: %s\n", #condition);               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

struct tally {
    uint64_t count, previous_lsn;
    bool has_previous;
};

static enum pdb_status on_record(void *context, uint64_t lsn, uint32_t type,
                                 const uint8_t *payload, uint32_t size, struct pdb_error *error)
{
    (void)payload, (void)size, (void)error;
    struct tally *tally = context;
    FUZZ_CHECK(type != 0);
    FUZZ_CHECK(!tally->has_previous || lsn == tally->previous_lsn + 1u);
    tally->previous_lsn = lsn;
    tally->has_previous = true;
    tally->count++;
    return PDB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char directory[64];
    static char path[128];
    if (directory[0] == '\0') {
        snprintf(directory, sizeof directory, "/tmp/fuzz_wal_XXXXXX");
        FUZZ_CHECK(mkdtemp(directory) != NULL);
        snprintf(path, sizeof path, "%s/%s", directory, WAL_FILE_NAME);
    }
    if (size == 0) return 0;
    bool valid_header = data[0] & 1u;
    data++, size--;
    if (valid_header) { /* an empty log gives a valid header */
        unlink(path);
        struct wal *empty = NULL;
        FUZZ_CHECK(wal_open(directory, 0, NULL, NULL, &empty, NULL, NULL) == PDB_OK);
        wal_close(empty);
    }
    int fd = open(path, O_WRONLY | O_CREAT | (valid_header ? O_APPEND : O_TRUNC), 0644);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
    close(fd);
    struct tally first = {0};
    struct wal *wal = NULL;
    struct wal_replay_report report;
    if (wal_open(directory, 0, on_record, &first, &wal, &report, NULL) != PDB_OK) return 0;
    FUZZ_CHECK(report.records == first.count);
    uint64_t lsn;
    FUZZ_CHECK(wal_append(wal, 7, "after", 5, &lsn, NULL) == PDB_OK);
    FUZZ_CHECK(lsn == report.last_lsn + 1u);
    FUZZ_CHECK(wal_sync(wal, lsn, NULL) == PDB_OK);
    wal_close(wal);
    struct tally second = {0};
    FUZZ_CHECK(wal_open(directory, 0, on_record, &second, &wal, &report, NULL) == PDB_OK);
    FUZZ_CHECK(second.count == first.count + 1u && report.torn_bytes == 0);
    wal_close(wal);
    return 0;
}
