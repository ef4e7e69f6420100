/*
 * profiledb serve DB [--listen HOST:PORT] [--tokens FILE] [limits...]: serves a database over
 * the network protocol of docs/PROTOCOL.md until SIGTERM or SIGINT (which drain in-flight
 * requests first); SIGHUP rereads the tokens file. Logs go to stderr, one line per event; the
 * first says "listening on ... port N" (with --listen HOST:0, N is the port picked).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "base/limits.h"
#include "cli.h"
#include "server/server.h"

#define COMMAND "serve"

static void usage(FILE *out)
{
    fprintf(
        out,
        "Usage: profiledb serve DB [--listen HOST:PORT] [--tokens FILE] [options]\n\n"
        "Serves database DB to network clients (profiledb count/ids/get/stats --connect, or\n"
        "the protocol in docs/PROTOCOL.md) until SIGTERM or SIGINT, which let in-flight\n"
        "requests finish first. SIGHUP rereads the tokens file. Serve over TLS by putting\n"
        "stunnel or an nginx stream proxy in front (README.md, Server).\n\n"
        "Options:\n"
        "  --listen A             address and port (default 127.0.0.1:7878; port 0 = any free)\n"
        "  --tokens FILE          access tokens: lines 'TOKEN admin|writer|reader [pii]'.\n"
        "                         Without it every client is admin with pii, and only a\n"
        "                         loopback address is allowed\n"
        "  --workers N            request threads, one database handle each (default 1, at\n"
        "                         most %u)\n"
        "  --query-threads N      threads each worker's queries use (default: processors /\n"
        "                         workers, at least 1)\n"
        "  --no-get-lane          answer GETs on the workers too; by default a read-only\n"
        "                         server answers them on one more worker (and handle) of\n"
        "                         their own, so they never wait behind COUNTs\n"
        "  --count-batch N        COUNTs waiting in the queue that a worker evaluates in one\n"
        "                         pass over the data (default %u, at most %u; 1: one at a time)\n"
        "  --max-connections N    open connections (default %u, at most %u)\n"
        "  --idle-timeout-ms N    close a connection silent for N ms (default %u)\n"
        "  --frame-timeout-ms N   close a connection whose request frame is unfinished after\n"
        "                         N ms (default %u)\n"
        "  --deadline-ms N        time a request may take, queueing included (default %u)\n"
        "  --page-rows N          ids per IDS response frame (default %u, at most %u)\n"
        "  --frame-size-max N     largest request frame in bytes (default %u, at most %u)\n"
        "  --writable             accept UPSERT from writer/admin tokens: the server becomes\n"
        "                         the database's writer (DB/LOCK) and answers every request\n"
        "                         from that one handle, one request at a time; SIGTERM drains,\n"
        "                         checkpoints and exits\n"
        "  --upsert-group N       UPSERT requests waiting in the queue (any connection) that\n"
        "                         are written as one log record with one fdatasync (group\n"
        "                         commit; default %u, at most %u; 1: each alone)\n"
        "  --upsert-group-wait-us N  longest a group waits for more UPSERTs to join while it\n"
        "                         is not full and other connections are open (default %u,\n"
        "                         at most %u; 0: never wait)\n"
        "  -h, --help             show this help\n",
        PDB_SERVER_WORKERS_MAX, PDB_SERVER_COUNT_BATCH_MAX, PDB_SERVER_COUNT_BATCH_MAX,
        PDB_SERVER_CONNECTIONS_DEFAULT, PDB_SERVER_CONNECTIONS_MAX,
        PDB_SERVER_IDLE_TIMEOUT_MS_DEFAULT, PDB_SERVER_FRAME_TIMEOUT_MS_DEFAULT,
        PDB_SERVER_DEADLINE_MS_DEFAULT, PDB_SERVER_PAGE_ROWS_DEFAULT, PDB_SERVER_PAGE_ROWS_MAX,
        PDB_REQUEST_FRAME_SIZE_DEFAULT, PDB_REQUEST_FRAME_SIZE_MAX, PDB_SERVER_UPSERT_GROUP_DEFAULT,
        PDB_SERVER_UPSERT_GROUP_MAX, PDB_SERVER_UPSERT_GROUP_WAIT_US_DEFAULT,
        PDB_SERVER_UPSERT_GROUP_WAIT_US_MAX);
}

/* Lets the process hold as many descriptors as the connection limit needs, if allowed. */
static void raise_descriptor_limit(uint32_t connections_max)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    rlim_t wanted = (rlim_t)connections_max + 64;
    if (limit.rlim_cur >= wanted) return;
    limit.rlim_cur = wanted < limit.rlim_max ? wanted : limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

int cmd_serve(int argc, char **argv)
{
    enum {
        LISTEN = 256,
        TOKENS,
        WORKERS,
        QUERY_THREADS,
        COUNT_BATCH,
        CONNECTIONS,
        IDLE,
        FRAME_TIMEOUT,
        DEADLINE,
        PAGE_ROWS,
        FRAME_SIZE,
        UPSERT_GROUP,
        UPSERT_GROUP_WAIT,
        WRITABLE,
        NO_GET_LANE
    };
    static const struct option options[] = {
        {"listen", required_argument, NULL, LISTEN},
        {"tokens", required_argument, NULL, TOKENS},
        {"workers", required_argument, NULL, WORKERS},
        {"query-threads", required_argument, NULL, QUERY_THREADS},
        {"count-batch", required_argument, NULL, COUNT_BATCH},
        {"max-connections", required_argument, NULL, CONNECTIONS},
        {"idle-timeout-ms", required_argument, NULL, IDLE},
        {"frame-timeout-ms", required_argument, NULL, FRAME_TIMEOUT},
        {"deadline-ms", required_argument, NULL, DEADLINE},
        {"page-rows", required_argument, NULL, PAGE_ROWS},
        {"frame-size-max", required_argument, NULL, FRAME_SIZE},
        {"upsert-group", required_argument, NULL, UPSERT_GROUP},
        {"upsert-group-wait-us", required_argument, NULL, UPSERT_GROUP_WAIT},
        {"writable", no_argument, NULL, WRITABLE},
        {"no-get-lane", no_argument, NULL, NO_GET_LANE},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct server_options server_options;
    server_options_init(&server_options);
    server_options.handles_signals = true;
    server_options.log = stderr;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (option == 'h') {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (option == LISTEN) {
            server_options.listen_address = optarg;
            continue;
        }
        if (option == TOKENS) {
            server_options.tokens_path = optarg;
            continue;
        }
        if (option == NO_GET_LANE) {
            server_options.has_get_lane = false;
            continue;
        }
        if (option == WRITABLE) {
            server_options.writable = true;
            continue;
        }
        if (option < WORKERS || option > UPSERT_GROUP_WAIT)
            return cli_usage_error(COMMAND, "invalid option");
        unsigned long long value;
        if (!cli_parse_u64(optarg, &value) || value > UINT32_MAX)
            return cli_usage_error(COMMAND, "%s takes a non-negative integer, not '%s'",
                                   argv[optind - 1], optarg);
        uint32_t number = (uint32_t)value;
        switch (option) {
        case WORKERS:
            server_options.worker_count = number;
            break;
        case QUERY_THREADS:
            server_options.query_threads = number;
            break;
        case COUNT_BATCH:
            server_options.count_batch_max = number;
            break;
        case CONNECTIONS:
            server_options.connections_max = number;
            break;
        case IDLE:
            server_options.idle_timeout_ms = number;
            break;
        case FRAME_TIMEOUT:
            server_options.frame_timeout_ms = number;
            break;
        case DEADLINE:
            server_options.deadline_ms = number;
            break;
        case PAGE_ROWS:
            server_options.page_rows = number;
            break;
        case FRAME_SIZE:
            server_options.frame_size_max = number;
            break;
        case UPSERT_GROUP:
            server_options.upsert_group_max = number;
            break;
        case UPSERT_GROUP_WAIT:
            server_options.upsert_group_wait_us = number;
            break;
        }
    }
    if (optind + 1 != argc) return cli_usage_error(COMMAND, "expected exactly one database path");
    server_options.db_path = argv[optind];
    raise_descriptor_limit(server_options.connections_max);
    struct pdb_error error = {0};
    struct server *server;
    if (server_create(&server_options, &server, &error) != PDB_OK)
        return cli_report(COMMAND, &error);
    enum pdb_status status = server_run(server, &error);
    server_destroy(server);
    if (status != PDB_OK) return cli_report(COMMAND, &error);
    return CLI_EXIT_OK;
}
