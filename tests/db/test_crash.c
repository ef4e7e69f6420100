/*
 * Crash test (issue #4, point 5): a writer process ingests file after file and reports each
 * acknowledgement (pdb_db_ingest_csv returned PDB_OK) over a pipe; it is killed with SIGKILL
 * at a random moment (during parsing, chunk writes and fsyncs, the manifest replacement or
 * garbage collection), the database is reopened, and every acknowledged file must be there
 * completely, the file in flight either completely or not at all, and nothing else. Each
 * file's rows carry its number, so a half-applied file would show as a partial count.
 *
 * 20 cycles by default (CI); PROFILEDB_CRASH_CYCLES=N runs N (scripts/crash-test.sh 500).
 * The seed is printed; PROFILEDB_CRASH_SEED replays the kill times.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiledb/profiledb.h"

#define CRASH_FILES 8u          /* files a writer gets per cycle (reused round robin) */
#define CRASH_ROWS_PER_FILE 40000u
#define CRASH_FILE_COUNT_MAX 100000u

static char directory[256], db_path[300], schema_path[300];

static void setup(void)
{
    snprintf(directory, sizeof directory, "/tmp/pdb_test_crash_XXXXXX");
    cr_assert_not_null(mkdtemp(directory));
    snprintf(db_path, sizeof db_path, "%s/db", directory);
    snprintf(schema_path, sizeof schema_path, "%s/s.schema", directory);
    FILE *file = fopen(schema_path, "w");
    fputs("id text identifier\nbatch int\nn int\nc category\nt tags\nnote text\n", file);
    fclose(file);
}

static void teardown(void)
{
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    cr_assert_eq(system(command), 0);
}

TestSuite(crash, .init = setup, .fini = teardown);

/* The input file of sequence number `sequence`: its rows carry batch = sequence. */
static void write_input(const char *path, uint32_t sequence)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs("id,batch,n,c,t,note\n", file);
    for (uint32_t i = 0; i < CRASH_ROWS_PER_FILE; i++)
        fprintf(file, "S%u-%u,%u,%u,c%u,t%u|u%u,note %u of %u\n", sequence, i, sequence, i, i % 17,
                i % 3, i % 7, i, sequence);
    cr_assert_eq(fclose(file), 0);
}

/* The writer: ingests the prepared files of sequence numbers first.., acknowledging each on
 * `ack_fd`, then waits to be killed. */
static void writer_main(uint32_t first, int ack_fd)
{
    struct pdb_db *db = NULL;
    if (pdb_db_open(db_path, &db, NULL) != PDB_OK) _exit(10);
    pdb_db_set_threads(db, 2);
    char input[400];
    for (uint32_t sequence = first;; sequence++) {
        if (sequence == first + CRASH_FILES) pause();
        snprintf(input, sizeof input, "%s/input-%u.csv", directory, sequence % CRASH_FILES);
        struct pdb_error error = {0};
        if (pdb_db_ingest_csv(db, input, NULL, NULL, &error) != PDB_OK) {
            fprintf(stderr, "writer: %s\n", error.message);
            _exit(11);
        }
        if (write(ack_fd, &sequence, sizeof sequence) != sizeof sequence) _exit(12);
    }
}

static uint64_t count(struct pdb_db *db, const char *segment)
{
    uint64_t result = 0;
    struct pdb_error error = {0};
    cr_assert_eq(pdb_segment_count(db, segment, &result, &error), PDB_OK, "%s: %s", segment, error.message);
    return result;
}

static uint32_t cycles(void)
{
    const char *text = getenv("PROFILEDB_CRASH_CYCLES");
    return text ? (uint32_t)strtoul(text, NULL, 10) : 20u;
}

Test(crash, sigkill_at_random_moments_loses_no_acknowledged_ingest_and_half_applies_nothing)
{
    struct pdb_error error = {0};
    cr_assert_eq(pdb_db_create(db_path, schema_path, &error), PDB_OK, "%s", error.message);
    unsigned seed = getenv("PROFILEDB_CRASH_SEED") ? (unsigned)strtoul(getenv("PROFILEDB_CRASH_SEED"), NULL, 10)
                                                   : (unsigned)time(NULL);
    fprintf(stderr, "crash: seed %u, %u cycles (PROFILEDB_CRASH_SEED replays)\n", seed, cycles());
    srand(seed);
    uint32_t next_sequence = 0;  /* the first sequence not known to be committed */
    uint32_t killed_mid_ingest = 0;
    for (uint32_t cycle = 0; cycle < cycles(); cycle++) {
        char input[400];
        for (uint32_t k = 0; k < CRASH_FILES; k++) { /* outside the kill window */
            snprintf(input, sizeof input, "%s/input-%u.csv", directory, (next_sequence + k) % CRASH_FILES);
            write_input(input, next_sequence + k);
        }
        int pipe_fds[2];
        cr_assert_eq(pipe(pipe_fds), 0);
        pid_t child = fork();
        cr_assert(child >= 0);
        if (child == 0) {
            close(pipe_fds[0]);
            writer_main(next_sequence, pipe_fds[1]);
        }
        close(pipe_fds[1]);
        /* Let it run 0-500 ms (its CRASH_FILES ingests take about that), then kill it
         * wherever it is. */
        struct timespec delay = {0, (long)(rand() % 500) * 1000000L};
        nanosleep(&delay, NULL);
        kill(child, SIGKILL);
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFSIGNALED(status), "cycle %u: the writer exited by itself (status %d)", cycle,
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        uint32_t acked = next_sequence, sequence;
        while (read(pipe_fds[0], &sequence, sizeof sequence) == sizeof sequence) {
            cr_assert_eq(sequence, acked, "acknowledgements come in order");
            acked++;
        }
        close(pipe_fds[0]);

        struct pdb_db *db = NULL;
        cr_assert_eq(pdb_db_open(db_path, &db, &error), PDB_OK, "cycle %u: reopen: %s", cycle, error.message);
        uint64_t total = count(db, "true");
        /* Every acknowledged file is complete; the one in flight is complete or absent. */
        uint64_t committed = total / CRASH_ROWS_PER_FILE;
        cr_assert_eq(total % CRASH_ROWS_PER_FILE, 0u, "cycle %u: %llu rows: a half-applied file",
                     cycle, (unsigned long long)total);
        cr_assert(committed == acked || committed == acked + 1u,
                  "cycle %u: %llu files committed, %u acknowledged", cycle,
                  (unsigned long long)committed, acked);
        if (committed == acked + 1u) killed_mid_ingest++;
        char segment[64];
        for (uint32_t s = committed > 3 ? (uint32_t)committed - 3u : 0u; s < committed; s++) {
            snprintf(segment, sizeof segment, "batch = %u", s);
            cr_assert_eq(count(db, segment), CRASH_ROWS_PER_FILE, "cycle %u: file %u incomplete", cycle, s);
        }
        snprintf(segment, sizeof segment, "batch >= %llu", (unsigned long long)committed);
        cr_assert_eq(count(db, segment), 0u, "cycle %u: rows beyond the committed files", cycle);
        pdb_db_close(db);
        next_sequence = (uint32_t)committed;
        cr_assert_lt(next_sequence, CRASH_FILE_COUNT_MAX);
    }
    fprintf(stderr, "crash: %u cycles, %u files committed, %u commits landed between the "
            "manifest rename and the acknowledgement\n", cycles(), next_sequence, killed_mid_ingest);
}
