/*
 * The profiles an event ingest creates (db_events.c; README.md, "Ingesting events"): an
 * event whose key no live profile has makes a profile holding only that key.
 *
 * Finding: a key is read as the primary attribute reads a value (an int, or valid UTF-8 text
 * of at most 1 MiB), its rules applied (trim, lower, email, range, ...: a key they reject or
 * empty rejects the event, with the rule's reason), and looked up among the live profiles as
 * a profile upsert does (db_find_live_row: a deleted profile's key makes a new profile, as an
 * upsert of that key would). Adding: once an event of a new key is accepted, the key joins a
 * set (ingest/upsert_keys.h) keyed by its normalised bytes, so all events of one key, in any
 * spelling the rules fold together, get one row: first_row_id + the key's index, in order of
 * first acceptance. Committing: the keys, as their first accepted event spelt them (trimmed),
 * become a one-column CSV in memory that db_ingest_locked loads like any profile file inside
 * the event ingest's own transaction (the extension adds the event file), so one manifest
 * rename commits the profiles and the events. The load applies the same rules, so it must
 * append exactly those rows, in that order; anything else fails the ingest as an internal
 * error before the commit point. `required` rules of other attributes do not apply to these
 * profiles (loader_options.is_required_exempt): `required` is about profile records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/status.h"
#include "catalog/rules.h"
#include "db/db_internal.h"
#include "index/identifier_index.h"
#include "ingest/event_load.h"
#include "ingest/upsert_keys.h"
#include "ingest/value_parse.h"

struct db_event_profiles {
    struct pdb_db *db;
    const struct attribute *attribute; /* the primary attribute */
    const struct identifier_index *index; /* NULL: no rows yet */
    const struct column *column;
    uint64_t first_row_id; /* the first created profile's row */
    struct rules_scratch scratch;
    char reason[256];
    /* The last find that answered EVENT_LOAD_NEW_PROFILE: the key's normalised bytes (in the
     * input, the scratch or int_key) and its text as the event gave it (trimmed). */
    const void *pending_key;
    size_t pending_key_size;
    const char *pending_text;
    size_t pending_text_size;
    int64_t pending_int;
    unsigned char int_key[IDENTIFIER_KEY_INT_SIZE];
    struct upsert_keys keys; /* normalised keys of the profiles to create */
    struct buffer csv;       /* the header, then one line per created profile */
    /* The caller's extension, wrapped by commit's. */
    const struct db_ingest_extension *extension;
};

enum pdb_status db_event_profiles_begin(struct pdb_db *db, struct db_event_profiles **profiles_out,
                                        struct pdb_error *error)
{
    int32_t primary = schema_primary(&db->schema);
    if (primary < 0)
        return error_set(error, PDB_ERR_USAGE, "events are keyed by the primary identifier, and "
                         "the schema declares none");
    struct db_event_profiles *profiles = mem_calloc(1, sizeof *profiles);
    if (profiles == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    profiles->db = db;
    profiles->attribute = &db->schema.attributes[primary];
    profiles->first_row_id = db->manifest.row_count;
    rules_scratch_init(&profiles->scratch);
    buffer_init(&profiles->csv);
    enum pdb_status status = PDB_OK;
    if (upsert_keys_init(&profiles->keys, NULL) != 0) {
        mem_free(profiles);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    if (buffer_printf(&profiles->csv, "%s\n", profiles->attribute->name) != 0)
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    if (status == PDB_OK && db->table.row_count > 0)
        status = db_identifier_index(db, (uint32_t)primary, &profiles->index, &profiles->column, error);
    if (status != PDB_OK) {
        db_event_profiles_end(profiles);
        return status;
    }
    *profiles_out = profiles;
    return PDB_OK;
}

void db_event_profiles_end(struct db_event_profiles *profiles)
{
    if (profiles == NULL) return;
    rules_scratch_deinit(&profiles->scratch);
    upsert_keys_deinit(&profiles->keys);
    buffer_deinit(&profiles->csv);
    mem_free(profiles);
}

uint64_t db_event_profiles_count(const struct db_event_profiles *profiles)
{
    return profiles->keys.key_count;
}

uint64_t db_event_profiles_first_row_id(const struct db_event_profiles *profiles)
{
    return profiles->first_row_id;
}

/* The key's bytes as the primary column stores them, or NULL with profiles->reason set. */
static const void *normalise(struct db_event_profiles *profiles, const char *key, size_t *size)
{
    const struct attribute *attribute = profiles->attribute;
    enum rule_kind broken;
    if (attribute->type == PDB_TYPE_INT) {
        const char *problem = value_parse_int(key, *size, &profiles->pending_int);
        if (problem != NULL) {
            snprintf(profiles->reason, sizeof profiles->reason, "the key is %s", problem);
            return NULL;
        }
        if (attribute->rules != NULL &&
            rules_check_int(attribute->rules, profiles->pending_int, &broken, profiles->reason,
                            sizeof profiles->reason) != RULES_OK)
            return NULL;
        *size = IDENTIFIER_KEY_INT_SIZE;
        return identifier_key_int(profiles->pending_int, profiles->int_key);
    }
    size_t bad = 0;
    const char *problem = value_check_string(key, *size, &bad);
    if (problem != NULL) {
        snprintf(profiles->reason, sizeof profiles->reason, "%s", problem);
        return NULL;
    }
    if (attribute->rules == NULL) return key;
    const char *data = key;
    uint32_t changed = 0;
    switch (rules_apply_string(attribute->rules, &profiles->scratch, &data, size, &changed, &broken,
                               profiles->reason, sizeof profiles->reason)) {
    case RULES_OK: return data;
    case RULES_NULL:
        snprintf(profiles->reason, sizeof profiles->reason, "the key is empty after the rules of '%s'",
                 attribute->name);
        return NULL;
    case RULES_NO_MEMORY:
        snprintf(profiles->reason, sizeof profiles->reason, "%s", EVENT_LOAD_NO_MEMORY);
        return NULL;
    case RULES_REJECTED: return NULL;
    }
    return NULL;
}

uint32_t db_event_profiles_find(void *context, const char *key, size_t size, const char **reason_out)
{
    struct db_event_profiles *profiles = context;
    size_t key_size = size;
    const void *bytes = normalise(profiles, key, &key_size);
    if (bytes == NULL) {
        bool is_out_of_memory = strcmp(profiles->reason, EVENT_LOAD_NO_MEMORY) == 0;
        *reason_out = is_out_of_memory ? EVENT_LOAD_NO_MEMORY : profiles->reason;
        return UINT32_MAX;
    }
    uint32_t row = db_find_live_row(profiles->db, profiles->index, profiles->column, bytes, key_size);
    if (row != UPSERT_NO_ROW) return row;
    profiles->pending_key = bytes;
    profiles->pending_key_size = key_size;
    profiles->pending_text = key;
    profiles->pending_text_size = size;
    return EVENT_LOAD_NEW_PROFILE;
}

enum pdb_status db_event_profiles_add(void *context, uint32_t *row_out, struct pdb_error *error)
{
    struct db_event_profiles *profiles = context;
    uint64_t hash = upsert_keys_hash(&profiles->keys, profiles->pending_key, profiles->pending_key_size);
    uint32_t index = upsert_keys_find(&profiles->keys, profiles->pending_key,
                                      profiles->pending_key_size, hash);
    if (index == UPSERT_KEYS_NONE) {
        uint64_t row = profiles->first_row_id + profiles->keys.key_count;
        if (row >= PDB_ROWS_MAX)
            return error_set(error, PDB_ERR_LIMIT, "the events' new keys would make the database "
                             "hold more than %u profiles", PDB_ROWS_MAX);
        index = (uint32_t)profiles->keys.key_count;
        struct buffer *csv = &profiles->csv;
        int failed = 0;
        if (profiles->attribute->type == PDB_TYPE_INT) {
            failed = buffer_printf(csv, "%" PRId64 "\n", profiles->pending_int);
        } else { /* quoted: "" stands for a quote; commas and line ends are data */
            const char *text = profiles->pending_text, *end = text + profiles->pending_text_size;
            failed |= buffer_append(csv, "\"", 1);
            for (const char *quote; !failed && (quote = memchr(text, '"', (size_t)(end - text))) != NULL;
                 text = quote + 1)
                failed |= buffer_append(csv, text, (size_t)(quote + 1 - text)) | buffer_append(csv, "\"", 1);
            failed |= buffer_append(csv, text, (size_t)(end - text)) | buffer_append(csv, "\"\n", 2);
        }
        if (failed != 0 || upsert_keys_add(&profiles->keys, profiles->pending_key,
                                           profiles->pending_key_size, hash) != 0)
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory keeping the events' new keys");
    }
    *row_out = (uint32_t)(profiles->first_row_id + index);
    return PDB_OK;
}

/* The extension's prepare: the load made exactly the rows the events were given, then the
 * caller's files. */
static enum pdb_status prepare(void *context, const struct loader_counts *counts,
                               uint64_t first_row_id, struct manifest *next,
                               struct pdb_error *error)
{
    struct db_event_profiles *profiles = context;
    if (counts->rows_loaded != profiles->keys.key_count || counts->rows_updated != 0 ||
        counts->rows_rejected != 0 || first_row_id != profiles->first_row_id)
        return error_set(error, PDB_ERR_USAGE, "internal error: creating %" PRIu64 " profiles "
                         "from the events' keys appended %" PRIu64 ", updated %" PRIu64
                         " and rejected %" PRIu64, profiles->keys.key_count, counts->rows_loaded,
                         counts->rows_updated, counts->rows_rejected);
    return profiles->extension->prepare(profiles->extension->context, counts, first_row_id, next,
                                        error);
}

static void committed(void *context)
{
    struct db_event_profiles *profiles = context;
    profiles->extension->committed(profiles->extension->context);
}

enum pdb_status db_event_profiles_commit(struct db_event_profiles *profiles,
                                         const struct db_ingest_extension *extension,
                                         struct pdb_error *error)
{
    struct csv_reader *reader;
    enum pdb_status status = csv_reader_open_memory((const char *)profiles->csv.data,
                                                    profiles->csv.size, "events' new keys",
                                                    &reader, error);
    if (status != PDB_OK) return status;
    profiles->extension = extension;
    struct db_ingest_extension wrapped = {
        .is_required_exempt = true,
        .prepare = prepare,
        .committed = committed,
        .context = profiles,
    };
    status = db_ingest_locked(profiles->db, reader, LOADER_FORMAT_CSV, NULL, NULL, &wrapped, NULL,
                              error);
    csv_reader_close(reader);
    return status;
}
