/*
 * Shared pieces of the profiledb command-line tool: exit codes, output formats, and the
 * entry point of every sub-command (one file per command: cmd_<name>.c).
 *
 * Exit codes are distinct per failure class so scripts can tell them apart:
 *   0 success, 1 internal error, 2 usage error, 3 bad segment, 4 I/O or corrupt database,
 *   5 bad schema or input data, 6 not found, 7 access denied by a server (token or role).
 */
#ifndef PDB_TOOLS_CLI_H
#define PDB_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "profiledb/client.h"
#include "profiledb/profiledb.h"

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_SEGMENT = 3,
    CLI_EXIT_IO = 4,
    CLI_EXIT_DATA = 5,
    CLI_EXIT_NOT_FOUND = 6,
    CLI_EXIT_DENIED = 7,
};

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON };

/* Maps an engine status to the exit code above. */
int cli_exit_for_status(enum pdb_status status);

/* Prints "profiledb <command>: <message>" to stderr and returns the exit code for it. */
int cli_report(const char *command, const struct pdb_error *error);

/* Prints "profiledb <command>: <message>\nTry 'profiledb <command> --help'." and returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses "table", "csv" or "json"; false when unknown. */
bool cli_parse_format(const char *text, enum cli_format *format_out);

/* Parses a non-negative decimal integer; false on junk or overflow. */
bool cli_parse_u64(const char *text, unsigned long long *value_out);

/* Monotonic clock in seconds, for --timing. */
double cli_now_s(void);

/* Output helpers: a JSON string literal, a CSV field (quoted only when needed), and the
 * --timing line on stderr. */
void cli_print_json_string(FILE *out, const char *data, size_t size);
void cli_print_csv_field(FILE *out, const char *data, size_t size);
void cli_print_timing(const char *what, double open_s, double query_s);

/* Arguments of the segment commands (count, ids). */
struct cli_query_args {
    const char *db_path;
    const char *segment;
    enum cli_format format;
    bool timing;
    int64_t now_s; /* 0: wall clock */
    unsigned long long limit;
    bool has_threads; /* --threads given: call pdb_db_set_threads(db, threads) */
    uint32_t threads;
    const char *connect; /* --connect HOST:PORT: ask a server instead (db_path is NULL) */
    const char *token;   /* --token, else $PROFILEDB_TOKEN, else NULL */
    const char *bitmap_path; /* ids --bitmap FILE: write a portable roaring bitmap there */
};

/* Parses `command DB SEGMENT [--format F] [--timing] [--now TS] [--limit N] [--threads N]`,
 * or `command --connect HOST:PORT [--token T] SEGMENT [...]` (no DB, no --threads).
 * Returns -1 to go on, or an exit code to return at once (after --help or a usage error). */
int cli_parse_query_args(const char *command, int argc, char **argv, bool accepts_limit,
                         void (*usage)(FILE *out), struct cli_query_args *args);

/* The --threads option of count, ids, get and stats: N threads, 0 = one per processor. */
#define CLI_THREADS_HELP "  --threads N   use N threads (default: one per processor; 0 = the same)\n"

/* Parses the value of --threads (0..PDB_THREADS_MAX, 256); false on junk or a larger value. */
bool cli_parse_threads(const char *text, uint32_t *threads_out);

/* The --timing line of a segment command, on stderr:
 * "time: <what> Q ms (open O ms, load L ms, evaluate E ms, N threads)", with the split of the
 * query time Q from pdb_db_query_timing (the rest of Q is compiling the segment). */
void cli_print_query_timing(const char *what, double open_s, double query_s,
                            const struct pdb_db *db);

/* The options of the query commands that talk to a server. */
#define CLI_CONNECT_HELP                                                                      \
    "  --connect A   ask the server at A (HOST:PORT, see 'profiledb serve') instead of opening\n" \
    "                DB; give no DB then. Output is the same as in embedded mode\n"             \
    "  --token T     the access token for --connect (default: $PROFILEDB_TOKEN)\n"

/* Connects to `address` with `token` (NULL: $PROFILEDB_TOKEN). Returns -1 on success, else
 * the exit code after reporting the error. */
int cli_connect(const char *command, const char *address, const char *token,
                struct pdb_client **client_out);

/* "time: <what> Q ms (connect C ms, server)" on stderr, the --timing line with --connect. */
void cli_print_remote_timing(const char *what, double connect_s, double query_s);

/* Sub-commands: argv[0] is the command name. Each returns an exit code. */
int cmd_init(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_upsert(int argc, char **argv);
int cmd_count(int argc, char **argv);
int cmd_ids(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_compact(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_breakdown(int argc, char **argv);
int cmd_overlap(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
