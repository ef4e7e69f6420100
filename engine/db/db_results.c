/*
 * Segment results beyond count and ids: pdb_segment_breakdown (counts by the values of an
 * attribute) and pdb_segment_overlap (pairwise intersection counts). Both compile through
 * the handle's saved segments and evaluate on its thread pool (query/segment.h); this file
 * turns the engine's per-code counts into the public, sorted, owned breakdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "query/segment.h"

/* ---- Breakdown ---------------------------------------------------------------------------- */

static int compare_entries(const void *a, const void *b)
{
    const struct pdb_breakdown_entry *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    uint32_t common = x->value_size < y->value_size ? x->value_size : y->value_size;
    int order = memcmp(x->value, y->value, common);
    if (order != 0) return order;
    return (x->value_size > y->value_size) - (x->value_size < y->value_size);
}

/* The value bytes of code `code` (bools: "false", "true"). */
static const char *value_of(const struct column *column, uint32_t code, uint32_t *size_out)
{
    if (column->attribute.type == PDB_TYPE_BOOL) {
        *size_out = code ? 4u : 5u;
        return code ? "true" : "false";
    }
    return dictionary_entry(&column->dictionary, code, size_out);
}

/* Sorted, limited entries with their own copy of the value bytes. */
static enum pdb_status build_breakdown(const struct column *column,
                                       const struct segment_breakdown_counts *counts,
                                       uint32_t limit, struct pdb_breakdown *out,
                                       struct pdb_error *error)
{
    uint64_t nonzero = 0;
    for (uint32_t v = 0; v < counts->value_count; v++) nonzero += counts->counts[v] != 0;
    struct pdb_breakdown_entry *entries = mem_calloc(nonzero ? nonzero : 1, sizeof *entries);
    if (entries == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory building a breakdown");
    uint32_t used = 0;
    for (uint32_t v = 0; v < counts->value_count; v++) {
        if (counts->counts[v] == 0) continue;
        entries[used].value = value_of(column, v, &entries[used].value_size);
        entries[used].count = counts->counts[v];
        used++;
    }
    qsort(entries, used, sizeof *entries, compare_entries);
    uint32_t kept = limit != 0 && limit < used ? limit : used;
    size_t bytes = 0;
    for (uint32_t i = 0; i < kept; i++) bytes += entries[i].value_size;
    char *strings = mem_alloc(bytes ? bytes : 1);
    if (strings == NULL) {
        mem_free(entries);
        return error_set(error, PDB_ERR_NO_MEMORY, "out of memory building a breakdown");
    }
    size_t at = 0;
    for (uint32_t i = 0; i < kept; i++) {
        memcpy(strings + at, entries[i].value, entries[i].value_size);
        entries[i].value = strings + at;
        at += entries[i].value_size;
    }
    *out = (struct pdb_breakdown){
        .segment_count = counts->segment_count,
        .null_count = counts->null_count,
        .value_count = used,
        .entry_count = kept,
        .entries = entries,
        .strings = strings,
    };
    return PDB_OK;
}

enum pdb_status pdb_segment_breakdown(struct pdb_db *db, const char *text, const char *attribute,
                                      uint32_t limit, struct pdb_breakdown *breakdown,
                                      struct pdb_error *error)
{
    if (db == NULL || text == NULL || attribute == NULL || breakdown == NULL)
        return error_set(error, PDB_ERR_USAGE, "database, segment, attribute and result are required");
    int32_t index = schema_find(&db->schema, attribute, strlen(attribute));
    int32_t computed = computed_catalog_find(&db->schema.computed, attribute, strlen(attribute));
    if (index < 0 && computed >= 0) {
        const struct computed_attribute *info = &db->schema.computed.attributes[computed];
        bool is_bool = info->type == PDB_TYPE_BOOL;
        return error_set(error, PDB_ERR_USAGE, "cannot break down by '%s': it is a computed %s "
                         "attribute (%s); a breakdown needs a stored category, bool or tags "
                         "attribute (count its values with segments instead, e.g. "
                         "'... AND %s%s%s')", attribute, pdb_type_name(info->type),
                         info->definition, is_bool ? "NOT " : "", info->name,
                         is_bool ? "" : " >= 2");
    }
    if (index < 0) {
        const char *suggestion = schema_suggest(&db->schema, attribute, strlen(attribute));
        return error_set(error, PDB_ERR_NOT_FOUND, "unknown attribute '%s'%s%s%s", attribute,
                         suggestion ? " (did you mean '" : "", suggestion ? suggestion : "",
                         suggestion ? "'?)" : "");
    }
    enum pdb_type type = db->schema.attributes[index].type;
    if (type != PDB_TYPE_CATEGORY && type != PDB_TYPE_BOOL && type != PDB_TYPE_TAGS) {
        return error_set(error, PDB_ERR_USAGE, "cannot break down by '%s': it is %s (a breakdown "
                         "needs a category, bool or tags attribute)", attribute, pdb_type_name(type));
    }
    struct segment *segment;
    enum pdb_status status = db_segment_compile(db, text, &segment, error);
    if (status != PDB_OK) return status;
    struct segment_exec exec = {.pool = db_thread_pool(db)};
    struct segment_breakdown_counts counts;
    status = segment_breakdown_parallel(segment, &db->table, (uint32_t)index, &exec, &counts, error);
    segment_destroy(segment);
    if (status != PDB_OK) return status;
    const struct column *column = db->table.columns[index];
    status = build_breakdown(column, &counts, limit, breakdown, error);
    mem_free(counts.counts);
    return status;
}

void pdb_breakdown_deinit(struct pdb_breakdown *breakdown)
{
    if (breakdown == NULL) return;
    mem_free(breakdown->entries);
    mem_free(breakdown->strings);
    memset(breakdown, 0, sizeof *breakdown);
}

/* ---- Overlap ------------------------------------------------------------------------------ */

enum pdb_status pdb_segment_overlap(struct pdb_db *db, const char *const *texts,
                                    uint32_t segment_count, uint64_t *matrix,
                                    struct pdb_error *error)
{
    if (db == NULL || texts == NULL || matrix == NULL)
        return error_set(error, PDB_ERR_USAGE, "database, segments and matrix are required");
    if (segment_count == 0 || segment_count > PDB_OVERLAP_SEGMENTS_MAX) {
        return error_set(error, segment_count == 0 ? PDB_ERR_USAGE : PDB_ERR_LIMIT,
                         "an overlap needs 1 to %u segments, not %u", PDB_OVERLAP_SEGMENTS_MAX,
                         segment_count);
    }
    struct segment *segments[PDB_OVERLAP_SEGMENTS_MAX] = {0};
    enum pdb_status status = PDB_OK;
    for (uint32_t i = 0; i < segment_count && status == PDB_OK; i++) {
        if (texts[i] == NULL) {
            status = error_set(error, PDB_ERR_USAGE, "segment %u is NULL", i + 1);
            break;
        }
        status = db_segment_compile(db, texts[i], &segments[i], error);
        if (status != PDB_OK) error_prefix(error, "segment %u: ", i + 1);
    }
    if (status == PDB_OK) {
        struct segment_exec exec = {.pool = db_thread_pool(db)};
        status = segment_overlap_parallel(segments, segment_count, &db->table, &exec, matrix, error);
    }
    for (uint32_t i = 0; i < segment_count; i++) segment_destroy(segments[i]);
    return status;
}
