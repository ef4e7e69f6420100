/*
 * Crash test of a writable server with group commit (engine/server/worker_upsert.c): a server
 * in a child process takes concurrent UPSERTs from several clients (so requests share log
 * records) and is killed with SIGKILL at a random moment while they stream; the database is
 * then reopened (the next open replays the log) and must hold every batch acknowledged before
 * the kill, and each batch wholly or not at all. Three cycles on one database, each server
 * starting from what the previous one left.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiledb/client.h"
#include "server_fixture.h"

TestSuite(server_upsert_crash, .fini = fixture_stop);

#define CYCLES 3
#define CLIENTS 4
#define RECORDS 5

static void writable(struct server_options *options) { options->writable = true; }

/* The child: a writable server on the fixture's database; its port goes up the pipe. */
static void serve_in_child(int port_pipe)
{
    struct server_options options;
    server_options_init(&options);
    options.db_path = fixture.db_path;
    options.listen_address = "127.0.0.1:0";
    options.tokens_path = fixture.tokens_path;
    options.writable = true;
    options.worker_count = 2;
    struct server *server = NULL;
    struct pdb_error error = {0};
    uint16_t port = 0;
    if (server_create(&options, &server, &error) == PDB_OK) port = server_port(server);
    if (write(port_pipe, &port, sizeof port) != (ssize_t)sizeof port || port == 0) _exit(1);
    server_run(server, &error);
    _exit(0);
}

struct client_run {
    int cycle, number;
    char address[64];
    atomic_uint acked; /* batches acknowledged */
    uint32_t sent;     /* batches sent (acknowledged or not) */
};

static void *client_main(void *argument)
{
    struct client_run *run = argument;
    struct pdb_client *client = NULL;
    struct pdb_error error = {0};
    if (pdb_client_connect(run->address, TOKEN_WRITER, NULL, &client, &error) != PDB_OK) return NULL;
    for (uint32_t b = 0;; b++) {
        char text[1024];
        size_t used = 0;
        for (int r = 0; r < RECORDS; r++)
            used += (size_t)snprintf(text + used, sizeof text - used,
                                     "{\"customer_id\": \"X%d-%d-%u-%d\", \"country\": \"K%d%d\"}\n",
                                     run->cycle, run->number, b, r, run->cycle, run->number);
        run->sent = b + 1;
        struct pdb_upsert_result result;
        if (pdb_client_upsert(client, text, used, &result, NULL, NULL, &error) != PDB_OK) break;
        atomic_store(&run->acked, b + 1);
    }
    pdb_client_close(client);
    return NULL;
}

Test(server_upsert_crash, sigkill_loses_no_acknowledged_group)
{
    fixture_start_keyed(true, writable);
    server_stop(fixture.server); /* the database is served by children from here on */
    fixture_join_server();
    server_destroy(fixture.server);
    fixture.server = NULL;
    srand((unsigned)time(NULL));
    static struct client_run runs[CYCLES][CLIENTS];
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        int port_pipe[2];
        cr_assert_eq(pipe(port_pipe), 0);
        pid_t child = fork();
        cr_assert_geq(child, 0);
        if (child == 0) {
            close(port_pipe[0]);
            serve_in_child(port_pipe[1]);
        }
        close(port_pipe[1]);
        uint16_t port = 0;
        cr_assert_eq(read(port_pipe[0], &port, sizeof port), (ssize_t)sizeof port);
        close(port_pipe[0]);
        cr_assert_neq(port, 0, "the child server did not start");
        pthread_t threads[CLIENTS];
        for (int c = 0; c < CLIENTS; c++) {
            struct client_run *run = &runs[cycle][c];
            run->cycle = cycle;
            run->number = c;
            snprintf(run->address, sizeof run->address, "127.0.0.1:%u", port);
            cr_assert_eq(pthread_create(&threads[c], NULL, client_main, run), 0);
        }
        /* Kill once some batches are acknowledged, at a random moment after that. */
        while (atomic_load(&runs[cycle][0].acked) < 2) usleep(1000);
        usleep((useconds_t)(rand() % 200000));
        kill(child, SIGKILL);
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        cr_assert(WIFSIGNALED(status));
        for (int c = 0; c < CLIENTS; c++) pthread_join(threads[c], NULL);
        /* Reopen: the log is replayed. */
        struct pdb_db *db = NULL;
        struct pdb_error error = {0};
        cr_assert_eq(pdb_db_open(fixture.db_path, &db, &error), PDB_OK, "%s", error.message);
        for (int done = 0; done <= cycle; done++) {
            for (int c = 0; c < CLIENTS; c++) {
                char segment[64];
                snprintf(segment, sizeof segment, "country = 'K%d%d'", done, c);
                uint64_t count = 0;
                cr_assert_eq(pdb_segment_count(db, segment, &count, &error), PDB_OK, "%s",
                             error.message);
                uint64_t acked = atomic_load(&runs[done][c].acked);
                cr_assert_geq(count, acked * RECORDS, "cycle %d, %s: %llu rows, %llu batches "
                              "acknowledged", cycle, segment, (unsigned long long)count,
                              (unsigned long long)acked);
                cr_assert_leq(count, (uint64_t)runs[done][c].sent * RECORDS, "%s", segment);
                cr_assert_eq(count % RECORDS, 0u, "%s: a batch was half applied", segment);
            }
        }
        pdb_db_close(db);
    }
}
