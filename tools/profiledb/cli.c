/*
 * Shared CLI helpers (see cli.h): exit codes, error reports, option parsing, clocks.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_exit_for_status(enum pdb_status status)
{
    switch (status) {
    case PDB_OK: return CLI_EXIT_OK;
    case PDB_ERR_USAGE: return CLI_EXIT_USAGE;
    case PDB_ERR_SEGMENT: return CLI_EXIT_SEGMENT;
    case PDB_ERR_IO:
    case PDB_ERR_CORRUPT:
    case PDB_ERR_LOCKED:
    case PDB_ERR_EXISTS: return CLI_EXIT_IO;
    case PDB_ERR_SCHEMA:
    case PDB_ERR_DATA:
    case PDB_ERR_LIMIT: return CLI_EXIT_DATA;
    case PDB_ERR_NOT_FOUND: return CLI_EXIT_NOT_FOUND;
    case PDB_ERR_NETWORK:
    case PDB_ERR_PROTOCOL: return CLI_EXIT_IO;
    case PDB_ERR_AUTH:
    case PDB_ERR_DENIED: return CLI_EXIT_DENIED;
    case PDB_ERR_UNSUPPORTED: return CLI_EXIT_USAGE;
    default: return CLI_EXIT_INTERNAL;
    }
}

int cli_report(const char *command, const struct pdb_error *error)
{
    fprintf(stderr, "profiledb %s: %s\n", command, error->message[0] ? error->message : pdb_status_name(error->status));
    return cli_exit_for_status(error->status);
}

int cli_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "profiledb %s: ", command);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry 'profiledb %s --help'.\n", command);
    return CLI_EXIT_USAGE;
}

bool cli_parse_format(const char *text, enum cli_format *format_out)
{
    if (strcmp(text, "table") == 0) *format_out = CLI_FORMAT_TABLE;
    else if (strcmp(text, "csv") == 0) *format_out = CLI_FORMAT_CSV;
    else if (strcmp(text, "json") == 0) *format_out = CLI_FORMAT_JSON;
    else return false;
    return true;
}

bool cli_parse_u64(const char *text, unsigned long long *value_out)
{
    if (text == NULL || *text < '0' || *text > '9') return false;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') return false;
    *value_out = value;
    return true;
}

double cli_now_s(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

void cli_print_json_string(FILE *out, const char *data, size_t size)
{
    fputc('"', out);
    for (size_t i = 0; i < size; i++) {
        unsigned char c = (unsigned char)data[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20) fprintf(out, "\\u%04x", c);
            else fputc(c, out);
        }
    }
    fputc('"', out);
}

void cli_print_csv_field(FILE *out, const char *data, size_t size)
{
    bool quote = memchr(data, ',', size) || memchr(data, '"', size) || memchr(data, '\n', size) ||
                 memchr(data, '\r', size);
    if (!quote) {
        fwrite(data, 1, size, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '"') fputc('"', out);
        fputc(data[i], out);
    }
    fputc('"', out);
}

void cli_print_timing(const char *what, double open_s, double query_s)
{
    fprintf(stderr, "time: %s %.3f ms (open %.3f ms)\n", what, query_s * 1e3, open_s * 1e3);
}

int cli_connect(const char *command, const char *address, const char *token,
                struct pdb_client **client_out)
{
    if (token == NULL) token = getenv("PROFILEDB_TOKEN");
    struct pdb_client_options options = {.client_name = "profiledb-cli"};
    struct pdb_error error = {0};
    if (pdb_client_connect(address, token, &options, client_out, &error) != PDB_OK)
        return cli_report(command, &error);
    return -1;
}

void cli_print_remote_timing(const char *what, double connect_s, double query_s)
{
    fprintf(stderr, "time: %s %.3f ms (connect %.3f ms, server)\n", what, query_s * 1e3, connect_s * 1e3);
}
