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
    fprintf(out, "Usage: profiledb get DB (--id N | --key ATTRIBUTE=VALUE) [options]\n\n"
                 "Prints one profile of DB: by row id, or by the value of an identifier attribute\n"
                 "(e.g. --key customer_id=C00000042 or --key email=ana@example.com).\n\n"
                 "Options:\n"
                 "  --id N          the profile's row id\n"
                 "  --key A=V       the profile whose attribute A equals V exactly\n"
                 "  --format F      table (default), csv or json\n"
                 "  --timing        print the lookup time on stderr\n"
                 "  --threads N     use N threads to load columns and to find --key (default: one\n"
                 "                  per processor; 0 = the same)\n"
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

int cmd_get(int argc, char **argv)
{
    static const struct option options[] = {
        {"id", required_argument, NULL, 'i'}, {"key", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'}, {"timing", no_argument, NULL, 't'},
        {"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *key = NULL;
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
        case 'h': usage(stdout); return CLI_EXIT_OK;
        default: return cli_usage_error("get", "invalid option");
        }
    }
    if (optind + 1 != argc) return cli_usage_error("get", "expected exactly one database path");
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
    struct pdb_error error = {0};
    struct pdb_db *db;
    double started_s = cli_now_s();
    if (pdb_db_open(argv[optind], &db, &error) != PDB_OK) return cli_report("get", &error);
    if (has_threads) pdb_db_set_threads(db, threads);
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
    struct pdb_attribute_info info;
    struct pdb_value value;
    if (format == CLI_FORMAT_TABLE) {
        printf("%-24s %u\n", "id", row_id);
        for (uint32_t a = 0; a < count; a++) {
            pdb_db_attribute(db, a, &info);
            pdb_profile_value(profile, a, &value);
            printf("%-24s ", info.name);
            print_plain(stdout, &value, format);
            printf("\n");
        }
    } else if (format == CLI_FORMAT_CSV) {
        printf("id");
        for (uint32_t a = 0; a < count; a++) {
            pdb_db_attribute(db, a, &info);
            printf(",%s", info.name);
        }
        printf("\n%u", row_id);
        for (uint32_t a = 0; a < count; a++) {
            pdb_profile_value(profile, a, &value);
            printf(",");
            print_plain(stdout, &value, format);
        }
        printf("\n");
    } else {
        printf("{\"id\": %u", row_id);
        for (uint32_t a = 0; a < count; a++) {
            pdb_db_attribute(db, a, &info);
            pdb_profile_value(profile, a, &value);
            printf(", \"%s\": ", info.name);
            print_plain(stdout, &value, format);
        }
        printf("}\n");
    }
    pdb_profile_destroy(profile);
    pdb_db_close(db);
    if (timing) cli_print_timing("get", opened_s - started_s, done_s - opened_s);
    return CLI_EXIT_OK;
}
