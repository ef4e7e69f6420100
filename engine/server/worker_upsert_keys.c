/*
 * Splitting a mixed UPSERT group's inserted / updated counts per request (worker_upsert.c).
 *
 * The engine reports one group's totals. When the group both inserted and updated, each
 * accepted record's primary key is read from its NDJSON line (the top-level member named like
 * the schema's primary attribute: a string, unescaped, or a number's literal) and looked up on
 * the writer handle after the call (pdb_profile_find applies the attribute's rules, as the
 * load did). A record whose profile is one of the rows the call appended
 * ([rows_before, rows_before + inserted)) and that is the first accepted record of the group
 * naming it created it (inserted); every other accepted record updated a profile. The result
 * is checked against the engine's totals: false when they differ (the caller then says so).
 *
 * Cost: one JSON scan and one identifier-index probe per accepted record, only for mixed
 * groups of several requests (a group of one request, or one that only inserted or only
 * updated, needs none).
 */
#include "server/server_internal.h"

#include <string.h>

#include "base/alloc.h"

#define KEY_SIZE_MAX 4096u

/* ---- A top-level member of one JSON object line ------------------------------------------ */

static const char *skip_space(const char *at, const char *end)
{
    while (at < end && (*at == ' ' || *at == '\t' || *at == '\r' || *at == '\n')) at++;
    return at;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(const char *at, const char *end, uint32_t *value)
{
    if (end - at < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(at[i]);
        if (d < 0) return false;
        v = v << 4 | (uint32_t)d;
    }
    *value = v;
    return true;
}

static size_t put_utf8(char *out, uint32_t code)
{
    if (code < 0x80) {
        out[0] = (char)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (char)(0xC0 | code >> 6);
        out[1] = (char)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | code >> 12);
        out[1] = (char)(0x80 | (code >> 6 & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | code >> 18);
    out[1] = (char)(0x80 | (code >> 12 & 0x3F));
    out[2] = (char)(0x80 | (code >> 6 & 0x3F));
    out[3] = (char)(0x80 | (code & 0x3F));
    return 4;
}

/* Reads the JSON string at *at (its opening quote) into out (unescaped, NUL-terminated, at
 * most KEY_SIZE_MAX bytes); *at moves past the closing quote. False when malformed. */
static bool read_string(const char **at, const char *end, char *out, size_t *size_out)
{
    const char *p = *at + 1;
    size_t used = 0;
    while (p < end && *p != '"') {
        if (used + 4 >= KEY_SIZE_MAX) return false;
        if (*p != '\\') {
            out[used++] = *p++;
            continue;
        }
        if (++p >= end) return false;
        char c = *p++;
        switch (c) {
        case '"': case '\\': case '/': out[used++] = c; break;
        case 'b': out[used++] = '\b'; break;
        case 'f': out[used++] = '\f'; break;
        case 'n': out[used++] = '\n'; break;
        case 'r': out[used++] = '\r'; break;
        case 't': out[used++] = '\t'; break;
        case 'u': {
            uint32_t code;
            if (!read_hex4(p, end, &code)) return false;
            p += 4;
            if (code >= 0xD800 && code < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t low;
                if (read_hex4(p + 2, end, &low) && low >= 0xDC00 && low < 0xE000) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
            }
            used += put_utf8(out + used, code);
            break;
        }
        default: return false;
        }
    }
    if (p >= end) return false;
    out[used] = '\0';
    *size_out = used;
    *at = p + 1;
    return true;
}

/* Skips one JSON value at *at (nested arrays and objects included). */
static bool skip_value(const char **at, const char *end)
{
    const char *p = *at;
    int depth = 0;
    do {
        p = skip_space(p, end);
        if (p >= end) return false;
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\') p++;
            if (p >= end) return false;
            p++;
        } else if (*p == '[' || *p == '{') {
            depth++;
            p++;
        } else if (*p == ']' || *p == '}') {
            if (depth == 0) return false;
            depth--;
            p++;
        } else if (*p == ',' || *p == ':') {
            if (depth == 0) return false;
            p++;
        } else {
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
                   *p != '\r' && *p != '\n')
                p++;
        }
    } while (depth > 0);
    *at = p;
    return true;
}

/* The value of top-level member `name` of the object on line [at, end), as text. */
static bool member_text(const char *at, const char *end, const char *name, char *out)
{
    char key[KEY_SIZE_MAX];
    size_t size;
    at = skip_space(at, end);
    if (at >= end || *at != '{') return false;
    at++;
    for (;;) {
        at = skip_space(at, end);
        if (at >= end || *at != '"' || !read_string(&at, end, key, &size)) return false;
        at = skip_space(at, end);
        if (at >= end || *at != ':') return false;
        at = skip_space(at + 1, end);
        if (at >= end) return false;
        if (strlen(name) == size && memcmp(key, name, size) == 0) {
            if (*at == '"') return read_string(&at, end, out, &size);
            const char *start = at;
            if (!skip_value(&at, end) || at - start >= (long)KEY_SIZE_MAX) return false;
            memcpy(out, start, (size_t)(at - start));
            out[at - start] = '\0';
            return true;
        }
        if (!skip_value(&at, end)) return false;
        at = skip_space(at, end);
        if (at >= end || *at != ',') return false;
        at++;
    }
}

/* ---- The split -------------------------------------------------------------------------- */

static const char *primary_name(struct pdb_db *db)
{
    for (uint32_t a = 0; a < pdb_db_attribute_count(db); a++) {
        struct pdb_attribute_info info;
        if (pdb_db_attribute(db, a, &info) == PDB_OK && (info.flags & PDB_FLAG_PRIMARY))
            return info.name;
    }
    return NULL;
}

bool worker_upsert_split(struct worker *worker, struct upsert_member *members, uint32_t count,
                         const char *text, size_t size, const struct upsert_reject *rejects,
                         uint64_t reject_count, uint64_t rows_before, uint64_t inserted,
                         uint64_t updated)
{
    struct pdb_db *db = worker->server->writer;
    const char *primary = primary_name(db);
    if (primary == NULL) return false;
    uint32_t lines = members[count - 1].first_line + members[count - 1].line_count;
    bool *is_rejected = mem_calloc(lines ? lines : 1, sizeof *is_rejected);
    bool *is_claimed = mem_calloc(inserted ? inserted : 1, sizeof *is_claimed);
    char *key = mem_alloc(KEY_SIZE_MAX);
    bool is_split = is_rejected != NULL && is_claimed != NULL && key != NULL;
    for (uint64_t r = 0; r < reject_count && is_split; r++)
        if (rejects[r].line < lines) is_rejected[rejects[r].line] = true;
    uint64_t inserted_seen = 0, updated_seen = 0;
    const char *at = text, *end = text + size;
    for (uint32_t m = 0; m < count && is_split; m++) {
        struct upsert_member *member = &members[m];
        member->inserted = member->updated = 0;
        for (uint32_t k = 0; k < member->line_count && is_split; k++) {
            const char *newline = memchr(at, '\n', (size_t)(end - at));
            const char *line_end = newline != NULL ? newline : end;
            const char *line = at;
            at = newline != NULL ? newline + 1 : end;
            if (is_rejected[member->first_line + k] || skip_space(line, line_end) == line_end)
                continue;
            uint32_t row_id;
            struct pdb_error error = {0};
            if (!member_text(line, line_end, primary, key) ||
                pdb_profile_find(db, primary, key, &row_id, &error) != PDB_OK) {
                is_split = false;
                break;
            }
            bool is_new = row_id >= rows_before && row_id - rows_before < inserted &&
                          !is_claimed[row_id - rows_before];
            if (is_new) {
                is_claimed[row_id - rows_before] = true;
                member->inserted++;
                inserted_seen++;
            } else {
                member->updated++;
                updated_seen++;
            }
        }
    }
    mem_free(is_rejected);
    mem_free(is_claimed);
    mem_free(key);
    return is_split && inserted_seen == inserted && updated_seen == updated;
}
