/*
 * profiledb get DB --id N | --key ATTRIBUTE=VALUE: every attribute of one profile.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timestamp.h"
#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: profiledb get DB (--id N | --key ATTRIBUTE=VALUE) [options]\n"
                 "       profiledb get --connect HOST:PORT [--token T] (--id N | --key A=V) [options]\n\n"
                 "Prints one profile of DB: by row id, or by the value of an identifier attribute\n"
                 "(e.g. --key customer_id=C00000042 or --key email=ana@example.com).\n\n"
                 "Options:\n"
                 "  --id N          the profile's row id\n"
                 "  --key A=V       the profile whose attribute A equals V exactly\n"
                 "  --format F      table (default), csv or json\n"
                 "  --timing        print the lookup time on stderr\n"
                 "  --threads N     use N threads to load columns and to find --key (default: one\n"
                 "                  per processor; 0 = the same)\n"
                 "  --connect A     ask the server at A (HOST:PORT) instead of opening DB; give no\n"
                 "                  DB then. Attributes flagged pii print as *** for a token\n"
                 "                  without the pii grant\n"
                 "  --token T       the access token for --connect (default: $PROFILEDB_TOKEN)\n"
                 "  --now T         the time computed attributes are evaluated at (timestamp or\n"
                 "                  epoch seconds; default: the clock; embedded mode only)\n"
                 "  -h, --help      show this help\n");
}

/* Renders a non-null scalar value as text into buffer (strings are printed separately). */
static void scalar_text(const struct pdb_value *value, char *buffer, size_t size)
{
    switch (value->type) {
    case PDB_TYPE_BOOL: snprintf(buffer, size, "%s", value->bool_value ? "true" : "false"); break;
    case PDB_TYPE_INT: snprintf(buffer, size, "%" PRId64, value->int_value); break;
    case PDB_TYPE_FLOAT:
        /* The shortest of %.15g..%.17g that reads back as the same double. */
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buffer, size, "%.*g", digits, value->float_value);
            if (strtod(buffer, NULL) == value->float_value) break;
        }
        break;
    case PDB_TYPE_TIMESTAMP: timestamp_format(value->int_value, buffer); break;
    default: buffer[0] = '\0';
    }
}

static void print_plain(FILE *out, const struct pdb_value *value, enum cli_format format)
{
    char scalar[64];
    if (value->is_null) {
        if (format == CLI_FORMAT_JSON) fputs("null", out);
        else if (format == CLI_FORMAT_TABLE) fputs("NULL", out);
        return;
    }
    switch (value->type) {
    case PDB_TYPE_TEXT:
    case PDB_TYPE_CATEGORY:
        if (format == CLI_FORMAT_JSON) cli_print_json_string(out, value->string_data, value->string_size);
        else if (format == CLI_FORMAT_CSV) cli_print_csv_field(out, value->string_data, value->string_size);
        else fwrite(value->string_data, 1, value->string_size, out);
        return;
    case PDB_TYPE_TAGS:
        if (format == CLI_FORMAT_JSON) {
            fputc('[', out);
            for (uint32_t i = 0; i < value->tag_count; i++) {
                if (i) fputs(", ", out);
                cli_print_json_string(out, value->tag_data[i], value->tag_sizes[i]);
            }
            fputc(']', out);
            return;
        }
        {
            /* Joined with '|' as in CSV input. */
            char joined[8192];
            size_t used = 0;
            for (uint32_t i = 0; i < value->tag_count && used < sizeof joined - 1; i++) {
                size_t n = value->tag_sizes[i];
                if (used + n + 1 >= sizeof joined) break;
                if (i) joined[used++] = '|';
                memcpy(joined + used, value->tag_data[i], n);
                used += n;
            }
            if (format == CLI_FORMAT_CSV) {
                if (value->tag_count == 0) fputs("\"\"", out);
                else cli_print_csv_field(out, joined, used);
            } else {
                fwrite(joined, 1, used, out);
            }
        }
        return;
    case PDB_TYPE_TIMESTAMP:
    default:
        scalar_text(value, scalar, sizeof scalar);
        if (format == CLI_FORMAT_JSON && value->type == PDB_TYPE_TIMESTAMP) fprintf(out, "\"%s\"", scalar);
        else fputs(scalar, out);
    }
}

#define MASKED_TEXT "***"

static void print_value(FILE *out, const struct pdb_value *value, bool is_masked, enum cli_format format)
{
    if (!is_masked) print_plain(out, value, format);
    else if (format == CLI_FORMAT_JSON) fputs("\"" MASKED_TEXT "\"", out);
    else fputs(MASKED_TEXT, out);
}

/* Prints one profile: `count` attributes described by infos, values and is_masked. */
static void print_profile(enum cli_format format, uint32_t row_id, uint32_t count,
                          const struct pdb_attribute_info *infos, const struct pdb_value *values,
                          const bool *is_masked)
{
    if (format == CLI_FORMAT_TABLE) {
        printf("%-24s %u\n", "id", row_id);
        for (uint32_t a = 0; a < count; a++) {
            printf("%-24s ", infos[a].name);
            print_value(stdout, &values[a], is_masked[a], format);
            printf("\n");
        }
    } else if (format == CLI_FORMAT_CSV) {
        printf("id");
        for (uint32_t a = 0; a < count; a++) printf(",%s", infos[a].name);
        printf("\n%u", row_id);
        for (uint32_t a = 0; a < count; a++) {
            printf(",");
            print_value(stdout, &values[a], is_masked[a], format);
        }
        printf("\n");
    } else {
        printf("{\"id\": %u", row_id);
        for (uint32_t a = 0; a < count; a++) {
            printf(", \"%s\": ", infos[a].name);
            print_value(stdout, &values[a], is_masked[a], format);
        }
        printf("}\n");
    }
}

struct profile_arrays {
    struct pdb_attribute_info *infos;
    struct pdb_value *values;
    bool *is_masked;
};

static bool arrays_create(struct profile_arrays *arrays, uint32_t count)
{
    arrays->infos = calloc(count + 1, sizeof *arrays->infos);
    arrays->values = calloc(count + 1, sizeof *arrays->values);
    arrays->is_masked = calloc(count + 1, sizeof *arrays->is_masked);
    return arrays->infos && arrays->values && arrays->is_masked;
}

static void arrays_destroy(struct profile_arrays *arrays)
{
    free(arrays->infos);
    free(arrays->values);
    free(arrays->is_masked);
}

static int get_remote(const char *address, const char *token, bool has_id, uint32_t row_id,
                      const char *attribute, const char *value_text, enum cli_format format,
                      bool timing)
{
    struct pdb_client *client;
    double started_s = cli_now_s();
    int early = cli_connect("get", address, token, &client);
    if (early >= 0) return early;
    double connected_s = cli_now_s();
    struct pdb_error error = {0};
    struct pdb_client_profile *profile = NULL;
    enum pdb_status status = has_id ? pdb_client_get(client, row_id, &profile, &error)
                                    : pdb_client_get_by_key(client, attribute, value_text, &profile, &error);
    double done_s = cli_now_s();
    pdb_client_close(client);
    if (status != PDB_OK) return cli_report("get", &error);
    uint32_t count = pdb_client_profile_attribute_count(profile);
    struct profile_arrays arrays;
    int exit_code = CLI_EXIT_OK;
    if (arrays_create(&arrays, count)) {
        for (uint32_t a = 0; a < count; a++) {
            pdb_client_profile_attribute(profile, a, &arrays.infos[a]);
            pdb_client_profile_value(profile, a, &arrays.values[a]);
            arrays.is_masked[a] = pdb_client_profile_is_masked(profile, a);
        }
        print_profile(format, pdb_client_profile_row_id(profile), count, arrays.infos, arrays.values,
                      arrays.is_masked);
    } else {
        exit_code = CLI_EXIT_INTERNAL;
    }
    arrays_destroy(&arrays);
    pdb_client_profile_destroy(profile);
    if (timing) cli_print_remote_timing("get", connected_s - started_s, done_s - connected_s);
    return exit_code;
}

int cmd_get(int argc, char **argv)
{
    static const struct option options[] = {
        {"id", required_argument, NULL, 'i'}, {"key", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'}, {"timing", no_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"connect", required_argument, NULL, 'c'}, {"token", required_argument, NULL, 'T'},
        {"now", required_argument, NULL, 'n'}, {0, 0, 0, 0}};
    int64_t now_s = 0;
    const char *key = NULL, *connect = NULL, *token = NULL;
    unsigned long long id = 0;
    bool has_id = false, timing = false, has_threads = false;
    uint32_t threads = 0;
    enum cli_format format = CLI_FORMAT_TABLE;
    int option;
    optind = 1;
    while ((option = getopt_long(argc, argv, "i:k:f:tj:h", options, NULL)) != -1) {
        switch (option) {
        case 'i':
            if (!cli_parse_u64(optarg, &id) || id > UINT32_MAX)
                return cli_usage_error("get", "--id takes a row id (0..4294967294), not '%s'", optarg);
            has_id = true;
            break;
        case 'k': key = optarg; break;
        case 'f':
            if (!cli_parse_format(optarg, &format)) return cli_usage_error("get", "unknown format '%s'", optarg);
            break;
        case 't': timing = true; break;
        case 'j':
            if (!cli_parse_threads(optarg, &threads))
                return cli_usage_error("get", "--threads takes 0..256 (0 = one per processor), not '%s'", optarg);
            has_threads = true;
            break;
        case 'c': connect = optarg; break;
        case 'T': token = optarg; break;
        case 'n': {
            const char *problem = timestamp_parse(optarg, strlen(optarg), &now_s);
            if (problem != NULL) return cli_usage_error("get", "--now '%s': %s", optarg, problem);
            if (now_s == 0) now_s = 1;
            break;
        }
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("get", "invalid option");
        }
    }
    if (connect != NULL) {
        if (optind != argc) return cli_usage_error("get", "with --connect, give no database path");
        if (has_threads) return cli_usage_error("get", "--threads is for embedded mode, not --connect");
        if (now_s != 0) return cli_usage_error("get", "--now is for embedded mode, not --connect");
    } else {
        if (token != NULL) return cli_usage_error("get", "--token needs --connect");
        if (optind + 1 != argc) return cli_usage_error("get", "expected exactly one database path");
    }
    if (has_id == (key != NULL)) return cli_usage_error("get", "give exactly one of --id N or --key ATTRIBUTE=VALUE");
    char attribute[128] = "";
    const char *value_text = NULL;
    if (key != NULL) {
        const char *equals = strchr(key, '=');
        if (equals == NULL || equals == key || (size_t)(equals - key) >= sizeof attribute)
            return cli_usage_error("get", "--key takes ATTRIBUTE=VALUE, not '%s'", key);
        memcpy(attribute, key, (size_t)(equals - key));
        attribute[equals - key] = '\0';
        value_text = equals + 1;
    }
    if (connect != NULL)
        return get_remote(connect, token, has_id, (uint32_t)id, attribute, value_text, format, timing);
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(argv[optind], &db, &error) != PDB_OK) return cli_report("get", &error);
    if (has_threads) pdb_db_set_threads(db, threads);
    if (now_s != 0) pdb_db_set_now(db, now_s);
    double opened_s = cli_now_s();
    uint32_t row_id = (uint32_t)id;
    struct pdb_profile *profile = NULL;
    enum pdb_status status = PDB_OK;
    if (key != NULL) status = pdb_profile_find(db, attribute, value_text, &row_id, &error);
    if (status == PDB_OK) status = pdb_profile_get(db, row_id, &profile, &error);
    double done_s = cli_now_s();
    if (status != PDB_OK) {
        pdb_db_close(db);
        return cli_report("get", &error);
    }
    uint32_t count = pdb_db_attribute_count(db);
    struct profile_arrays arrays;
    int exit_code = CLI_EXIT_OK;
    if (arrays_create(&arrays, count)) {
        for (uint32_t a = 0; a < count; a++) {
            pdb_db_attribute(db, a, &arrays.infos[a]);
            pdb_profile_value(profile, a, &arrays.values[a]);
        }
        print_profile(format, row_id, count, arrays.infos, arrays.values, arrays.is_masked);
    } else {
        exit_code = CLI_EXIT_INTERNAL;
    }
    arrays_destroy(&arrays);
    pdb_profile_destroy(profile);
    pdb_db_close(db);
    if (timing) cli_print_timing("get", opened_s - started_s, done_s - opened_s);
    return exit_code;
}
