/*
 * Single profiles: reading every attribute of one row into an owned pdb_profile, and
 * finding a row by a key value. Attributes flagged `identifier` are looked up in a hash index
 * (index/identifier_index.h) built from the loaded column on the second find of the attribute
 * (or by pdb_profile_index) and extended by the rows later ingests append on this handle; the
 * first find, and finds on other text, category and int attributes, go through the segment
 * engine (`attr = 'key'`, a scan), which is cheaper for a single lookup than a build. A
 * deleted (tombstoned) profile is not found by either.
 *
 * Computed attributes (catalog/computed.h) follow the stored ones in a profile's values:
 * each is its event aggregate over the row's events at the handle's now(), computed at the
 * GET (query/segment.h, computed_values: the definitions bound once per now(), kept on the
 * handle), so it is never stale.
 *
 * A GET is tuned for rows nothing else touched recently: one allocation per profile, no
 * per-attribute calls beyond the (loaded) column lookup, and the cache lines of every
 * attribute prefetched before any is read, so their misses overlap.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buffer.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "index/identifier_index.h"
#include "index/index_bitmap.h"
#include "ingest/value_parse.h"
#include "query/segment.h"

/* One allocation holds the profile and everything it points to, in this order: the struct,
 * values[attribute_count], tag_pointers[tag_total], tag_sizes[tag_total], then the bytes of
 * every string and tag back to back. */
struct pdb_profile {
    uint32_t row_id;
    uint32_t attribute_count;
    struct pdb_value *values;
    char *strings;             /* every string and tag, back to back */
    const char **tag_pointers; /* all tag pointers */
    uint32_t *tag_sizes;
};

/* Column pointers of a GET live on the stack up to this many attributes. */
#define PROFILE_STACK_COLUMNS 64u

uint32_t pdb_profile_row_id(const struct pdb_profile *profile)
{
    return profile->row_id;
}

void pdb_profile_value(const struct pdb_profile *profile, uint32_t attribute_index,
                       struct pdb_value *value)
{
    if (attribute_index >= profile->attribute_count) {
        memset(value, 0, sizeof *value);
        value->is_null = true;
        return;
    }
    *value = profile->values[attribute_index];
}

void pdb_profile_destroy(struct pdb_profile *profile)
{
    mem_free(profile);
}

/* Asks for the cache lines row `row` of the chunk will be read from, so that the misses of
 * all attributes overlap instead of coming one after another (a GET reads 1-3 lines per
 * attribute of a row nothing else touched recently). Level 1: the null word (unless the chunk
 * has no NULLs) and the value, lane or offsets; level 2, once those have arrived: the text
 * bytes or tag codes the offsets point at. */
static bool chunk_is_null(const struct column_chunk *chunk, uint32_t row)
{
    return chunk->null_count != 0 && column_chunk_is_null(chunk, row);
}

static void prefetch_row(const struct column *column, const struct column_chunk *chunk,
                         uint32_t row)
{
    if (chunk->null_count != 0) __builtin_prefetch(&chunk->nulls[row >> 6]);
    switch (column->attribute.type) {
    case PDB_TYPE_BOOL: __builtin_prefetch(&chunk->bools[row >> 6]); break;
    case PDB_TYPE_FLOAT: __builtin_prefetch(&chunk->floats[row]); break;
    case PDB_TYPE_TEXT:
    case PDB_TYPE_TAGS: __builtin_prefetch(&chunk->offsets[row]); break;
    default:
        if (chunk->lane_width_bytes != 0)
            __builtin_prefetch((const uint8_t *)chunk->lanes + (size_t)row * chunk->lane_width_bytes);
        break;
    }
}

static void prefetch_row_indirect(const struct column *column, const struct column_chunk *chunk,
                                  uint32_t row)
{
    if (column->attribute.type == PDB_TYPE_TEXT)
        __builtin_prefetch(chunk->text_bytes + chunk->offsets[row]);
    else if (column->attribute.type == PDB_TYPE_TAGS)
        __builtin_prefetch(&chunk->tag_codes[chunk->offsets[row]]);
}

enum pdb_status pdb_profile_get(struct pdb_db *db, uint32_t row_id,
                                struct pdb_profile **profile_out, struct pdb_error *error)
{
    if (row_id >= db->table.row_count) {
        return error_set(error, PDB_ERR_NOT_FOUND, "no profile with id %u (the database holds "
                         "%llu profiles)", row_id, (unsigned long long)db->table.row_count);
    }
    if (index_bitmap_contains(db->table.deleted, row_id))
        return error_set(error, PDB_ERR_NOT_FOUND, "profile %u was deleted", row_id);
    uint32_t attributes = db->schema.attribute_count;
    uint32_t total = attributes + db->schema.computed.count;
    uint32_t chunk_index = row_id / PDB_CHUNK_ROWS, row = row_id % PDB_CHUNK_ROWS;
    const struct column *stack_columns[PROFILE_STACK_COLUMNS];
    const struct column_chunk *stack_chunks[PROFILE_STACK_COLUMNS];
    const struct column **columns = stack_columns;
    const struct column_chunk **chunks = stack_chunks;
    if (attributes > PROFILE_STACK_COLUMNS) {
        columns = mem_calloc(attributes, sizeof *columns);
        chunks = mem_calloc(attributes, sizeof *chunks);
        if (columns == NULL || chunks == NULL) {
            mem_free(columns);
            mem_free(chunks);
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        }
    }
    enum pdb_status status = PDB_OK;
    /* Load the columns (a loaded one is a pointer read) and ask for the chunk descriptors,
     * then for the row's lines. */
    for (uint32_t a = 0; a < attributes && status == PDB_OK; a++) {
        columns[a] = db->table.columns[a];
        if (columns[a] == NULL) status = table_column(&db->table, a, &columns[a], error);
        if (status == PDB_OK) {
            chunks[a] = &columns[a]->chunks[chunk_index];
            __builtin_prefetch(chunks[a]);
        }
    }
    if (status != PDB_OK) goto done;
    for (uint32_t a = 0; a < attributes; a++) prefetch_row(columns[a], chunks[a], row);
    for (uint32_t a = 0; a < attributes; a++) prefetch_row_indirect(columns[a], chunks[a], row);
    /* Size the string storage and the tags. */
    size_t string_bytes = 0, tag_total = 0;
    for (uint32_t a = 0; a < attributes; a++) {
        const struct column_chunk *chunk = chunks[a];
        if (chunk_is_null(chunk, row)) continue;
        uint32_t size;
        switch (columns[a]->attribute.type) {
        case PDB_TYPE_TEXT: string_bytes += chunk->offsets[row + 1] - chunk->offsets[row]; break;
        case PDB_TYPE_CATEGORY:
            dictionary_entry(&columns[a]->dictionary, column_chunk_code(chunk, row), &size);
            string_bytes += size;
            break;
        case PDB_TYPE_TAGS:
            for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++) {
                dictionary_entry(&columns[a]->dictionary, chunk->tag_codes[i], &size);
                string_bytes += size;
                tag_total++;
            }
            break;
        default: break;
        }
    }
    size_t values_offset = sizeof(struct pdb_profile);
    size_t pointers_offset = values_offset + (size_t)total * sizeof(struct pdb_value);
    size_t sizes_offset = pointers_offset + tag_total * sizeof(char *);
    size_t strings_offset = sizes_offset + tag_total * sizeof(uint32_t);
    uint8_t *block = mem_alloc(strings_offset + string_bytes + 1);
    if (block == NULL) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory reading profile %u", row_id);
        goto done;
    }
    struct pdb_profile *profile = (struct pdb_profile *)block;
    profile->row_id = row_id;
    profile->attribute_count = total;
    profile->values = (struct pdb_value *)(block + values_offset);
    profile->tag_pointers = (const char **)(block + pointers_offset);
    profile->tag_sizes = (uint32_t *)(block + sizes_offset);
    profile->strings = (char *)(block + strings_offset);
    /* Copy the values. */
    size_t string_used = 0, tags_used = 0;
    for (uint32_t a = 0; a < attributes; a++) {
        const struct column *column = columns[a];
        const struct column_chunk *chunk = chunks[a];
        struct pdb_value *value = &profile->values[a];
        memset(value, 0, sizeof *value);
        value->type = column->attribute.type;
        value->is_null = chunk_is_null(chunk, row);
        if (value->is_null) continue;
        const char *data;
        uint32_t size;
        switch (value->type) {
        case PDB_TYPE_BOOL: value->bool_value = (chunk->bools[row >> 6] >> (row & 63)) & 1; break;
        case PDB_TYPE_INT:
        case PDB_TYPE_TIMESTAMP: value->int_value = column_chunk_int(chunk, row); break;
        case PDB_TYPE_FLOAT: value->float_value = chunk->floats[row]; break;
        case PDB_TYPE_TEXT:
        case PDB_TYPE_CATEGORY:
            data = value->type == PDB_TYPE_TEXT ? column_chunk_text(chunk, row, &size)
                                                : dictionary_entry(&column->dictionary, column_chunk_code(chunk, row), &size);
            memcpy(profile->strings + string_used, data, size);
            value->string_data = profile->strings + string_used;
            value->string_size = size;
            string_used += size;
            break;
        case PDB_TYPE_TAGS:
            value->tag_data = profile->tag_pointers + tags_used;
            value->tag_sizes = profile->tag_sizes + tags_used;
            for (uint32_t i = chunk->offsets[row]; i < chunk->offsets[row + 1]; i++) {
                data = dictionary_entry(&column->dictionary, chunk->tag_codes[i], &size);
                memcpy(profile->strings + string_used, data, size);
                profile->tag_pointers[tags_used] = profile->strings + string_used;
                profile->tag_sizes[tags_used] = size;
                string_used += size;
                tags_used++;
                value->tag_count++;
            }
            break;
        default: break;
        }
    }
    if (total > attributes) {
        const struct event_store *events = NULL;
        int64_t now_s = db_now(db);
        status = db_events(db, &events, error);
        if (status == PDB_OK && db->computed != NULL && segment_computed_values_now(db->computed) != now_s) {
            segment_computed_values_destroy(db->computed);
            db->computed = NULL;
        }
        if (status == PDB_OK && db->computed == NULL)
            status = segment_computed_values_create(&db->schema, now_s, &db->computed, error);
        if (status == PDB_OK)
            status = segment_computed_values_row(db->computed, events, row_id,
                                                 profile->values + attributes, error);
        if (status != PDB_OK) {
            mem_free(block);
            goto done;
        }
    }
    *profile_out = profile;
done:
    if (columns != stack_columns) {
        mem_free(columns);
        mem_free(chunks);
    }
    return status;
}

static bool remember_first(void *context, uint32_t row_id)
{
    *(uint32_t *)context = row_id;
    return false;
}

void db_identifier_indexes_destroy(struct pdb_db *db)
{
    if (db->identifiers == NULL) return;
    for (uint32_t a = 0; a < db->schema.attribute_count; a++)
        identifier_index_destroy(db->identifiers[a].index);
    mem_free(db->identifiers);
    db->identifiers = NULL;
}

void db_identifier_index_forget(struct pdb_db *db, uint32_t attribute_index)
{
    if (db->identifiers == NULL) return;
    identifier_index_destroy(db->identifiers[attribute_index].index);
    db->identifiers[attribute_index].index = NULL;
}

/* The identifier state of every attribute, allocated on first use. */
static enum pdb_status identifiers_of(struct pdb_db *db, struct pdb_error *error)
{
    if (db->identifiers != NULL) return PDB_OK;
    db->identifiers = mem_calloc(db->schema.attribute_count, sizeof *db->identifiers);
    if (db->identifiers == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    return PDB_OK;
}

enum pdb_status db_identifier_index(struct pdb_db *db, uint32_t attribute_index,
                                            const struct identifier_index **index_out,
                                            const struct column **column_out,
                                            struct pdb_error *error)
{
    const struct column *column;
    enum pdb_status status = table_column(&db->table, attribute_index, &column, error);
    if (status != PDB_OK) return status;
    if ((status = identifiers_of(db, error)) != PDB_OK) return status;
    struct identifier_index **slot = &db->identifiers[attribute_index].index;
    if (*slot != NULL && identifier_index_row_count(*slot) > db->table.row_count) {
        identifier_index_destroy(*slot); /* cannot happen while rows are append-only */
        *slot = NULL;
    }
    if (*slot == NULL) {
        status = identifier_index_create(column->attribute.type, NULL, slot, error);
        if (status != PDB_OK) return status;
    }
    if (identifier_index_row_count(*slot) < db->table.row_count) {
        status = identifier_index_extend(*slot, column, db->table.row_count, error);
        if (status != PDB_OK) {
            identifier_index_destroy(*slot);
            *slot = NULL;
            error_prefix(error, "indexing '%s': ", column->attribute.name);
            return status;
        }
    }
    *index_out = *slot;
    *column_out = column;
    return PDB_OK;
}

/* The lowest row with the key, by the index. *is_deleted_out is set (and nothing else) when
 * that row was deleted: a later row with the same key may be alive, which the scan finds. */
static enum pdb_status find_indexed(struct pdb_db *db, const struct attribute *info,
                                    uint32_t attribute_index, const char *key,
                                    uint32_t *row_id_out, bool *is_deleted_out,
                                    struct pdb_error *error)
{
    const struct identifier_index *index = NULL;
    const struct column *column = NULL;
    unsigned char buffer[IDENTIFIER_KEY_INT_SIZE];
    const void *key_data = key;
    size_t key_size = strlen(key);
    if (info->type == PDB_TYPE_INT) {
        int64_t value;
        const char *reason = value_parse_int(key, key_size, &value);
        if (reason != NULL)
            return error_set(error, PDB_ERR_USAGE, "key '%s' for int attribute '%s': %s", key, info->name, reason);
        key_data = identifier_key_int(value, buffer);
        key_size = IDENTIFIER_KEY_INT_SIZE;
    }
    enum pdb_status status = db_identifier_index(db, attribute_index, &index, &column, error);
    if (status != PDB_OK) return status;
    uint32_t found = identifier_index_find(index, column, key_data, key_size);
    if (found == IDENTIFIER_INDEX_NO_ROW)
        return error_set(error, PDB_ERR_NOT_FOUND, "no profile has %s = '%s'", info->name, key);
    if (index_bitmap_contains(db->table.deleted, found)) {
        *is_deleted_out = true;
        return PDB_OK;
    }
    *row_id_out = found;
    return PDB_OK;
}

/* The attribute called `attribute`, or NOT_FOUND with a suggestion. */
static enum pdb_status resolve(struct pdb_db *db, const char *attribute, uint32_t *index_out,
                               struct pdb_error *error)
{
    int32_t index = schema_find(&db->schema, attribute, strlen(attribute));
    if (index < 0 && computed_catalog_find(&db->schema.computed, attribute, strlen(attribute)) >= 0) {
        return error_set(error, PDB_ERR_USAGE, "attribute '%s' is computed (an event aggregate); "
                         "a key must be a stored text, category or int attribute", attribute);
    }
    if (index < 0) {
        const char *suggestion = schema_suggest(&db->schema, attribute, strlen(attribute));
        return error_set(error, PDB_ERR_NOT_FOUND, "unknown attribute '%s'%s%s%s", attribute,
                         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
                         suggestion ? "'?)" : "");
    }
    *index_out = (uint32_t)index;
    return PDB_OK;
}

static bool is_indexable(const struct attribute *info)
{
    bool is_key_type = info->type == PDB_TYPE_INT || info->type == PDB_TYPE_TEXT ||
                       info->type == PDB_TYPE_CATEGORY;
    return is_key_type && (info->flags & PDB_FLAG_IDENTIFIER) != 0;
}

enum pdb_status pdb_profile_index(struct pdb_db *db, const char *attribute, struct pdb_error *error)
{
    if (db == NULL || attribute == NULL) return error_set(error, PDB_ERR_USAGE, "database and attribute are required");
    uint32_t index = 0;
    enum pdb_status status = resolve(db, attribute, &index, error);
    if (status != PDB_OK) return status;
    const struct attribute *info = &db->schema.attributes[index];
    if (!is_indexable(info)) {
        return error_set(error, PDB_ERR_USAGE, "attribute '%s' (%s) is not a text, category or int "
                         "attribute flagged identifier", info->name, pdb_type_name(info->type));
    }
    const struct identifier_index *built;
    const struct column *column;
    return db_identifier_index(db, index, &built, &column, error);
}

static enum pdb_status find_key(struct pdb_db *db, uint32_t index, const char *key,
                                uint32_t *row_id_out, struct pdb_error *error);

enum pdb_status pdb_profile_find(struct pdb_db *db, const char *attribute, const char *key,
                                 uint32_t *row_id_out, struct pdb_error *error)
{
    if (attribute == NULL || key == NULL) return error_set(error, PDB_ERR_USAGE, "attribute and key are required");
    uint32_t index = 0;
    enum pdb_status status = resolve(db, attribute, &index, error);
    if (status != PDB_OK) return status;
    char *normalised = NULL; /* the key as the attribute's rules store it */
    status = db_rules_normalise_key(&db->schema.attributes[index], key, &normalised, error);
    if (status != PDB_OK) return status;
    status = find_key(db, index, normalised != NULL ? normalised : key, row_id_out, error);
    mem_free(normalised);
    return status;
}

/* The lowest live row whose attribute `index` equals key exactly. */
static enum pdb_status find_key(struct pdb_db *db, uint32_t index, const char *key,
                                uint32_t *row_id_out, struct pdb_error *error)
{
    enum pdb_status status = PDB_OK;
    const struct attribute *info = &db->schema.attributes[index];
    if (is_indexable(info)) {
        if ((status = identifiers_of(db, error)) != PDB_OK) return status;
        struct db_identifier *identifier = &db->identifiers[index];
        if (identifier->find_count < UINT32_MAX) identifier->find_count++;
        if (identifier->index != NULL || identifier->find_count >= DB_IDENTIFIER_INDEX_AFTER_FINDS) {
            bool is_deleted = false;
            status = find_indexed(db, info, index, key, row_id_out, &is_deleted, error);
            if (status != PDB_OK || !is_deleted) return status;
        }
    }
    struct buffer text;
    buffer_init(&text);
    if (info->type == PDB_TYPE_INT) {
        int64_t value;
        const char *reason = value_parse_int(key, strlen(key), &value);
        if (reason != NULL) {
            buffer_deinit(&text);
            return error_set(error, PDB_ERR_USAGE, "key '%s' for int attribute '%s': %s", key, info->name, reason);
        }
        if (buffer_printf(&text, "%s = %lld", info->name, (long long)value) != 0) goto no_memory;
    } else if (info->type == PDB_TYPE_TEXT || info->type == PDB_TYPE_CATEGORY) {
        if (buffer_printf(&text, "%s = '", info->name) != 0) goto no_memory;
        for (const char *c = key; *c; c++) {
            if (buffer_append(&text, c, 1) != 0 || (*c == '\'' && buffer_append(&text, "'", 1) != 0))
                goto no_memory;
        }
        if (buffer_append(&text, "'", 1) != 0) goto no_memory;
    } else {
        buffer_deinit(&text);
        return error_set(error, PDB_ERR_USAGE, "attribute '%s' is %s; a key must be a text, "
                         "category or int attribute", info->name, pdb_type_name(info->type));
    }
    if (buffer_append(&text, "", 1) != 0) goto no_memory; /* NUL-terminate */
    uint32_t found = UINT32_MAX;
    status = pdb_segment_ids(db, (const char *)text.data, 1, remember_first, &found, error);
    buffer_deinit(&text);
    if (status != PDB_OK) return status;
    if (found == UINT32_MAX) {
        return error_set(error, PDB_ERR_NOT_FOUND, "no profile has %s = '%s'", info->name, key);
    }
    *row_id_out = found;
    return PDB_OK;
no_memory:
    buffer_deinit(&text);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
}
