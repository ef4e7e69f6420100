/*
 * Where the public API meets the schema's data-quality rules (catalog/rules.h):
 *  - the per-rule tallies of an ingest result: the loader's per-slot counts (slot = attribute
 *    index * RULE_KIND_COUNT + rule) -> named (attribute, rule) pairs with a nonzero count, in
 *    schema order then rule order, at most PDB_INGEST_RULE_TALLIES_MAX;
 *  - lookup keys normalised as ingest normalises the values (pdb_profile_find).
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "db/db_internal.h"
#include "ingest/loader.h"

enum pdb_status db_rules_normalise_key(const struct attribute *attribute, const char *key,
                                       char **normalised_out, struct pdb_error *error)
{
    *normalised_out = NULL;
    if (attribute->rules == NULL ||
        (attribute->type != PDB_TYPE_TEXT && attribute->type != PDB_TYPE_CATEGORY))
        return PDB_OK;
    struct rules_scratch scratch;
    rules_scratch_init(&scratch);
    const char *data = key;
    size_t size = strlen(key);
    uint32_t changed = 0;
    enum rule_kind broken;
    char reason[256];
    enum rules_outcome outcome = rules_apply_string(attribute->rules, &scratch, &data, &size,
                                                    &changed, &broken, reason, sizeof reason);
    enum pdb_status status = PDB_OK;
    if (outcome == RULES_OK && changed != 0) {
        char *copy = mem_alloc(size + 1);
        if (copy == NULL) {
            status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
        } else {
            memcpy(copy, data, size);
            copy[size] = '\0';
            *normalised_out = copy;
        }
    } else if (outcome == RULES_NULL) {
        status = error_set(error, PDB_ERR_NOT_FOUND,
                           "no profile has %s = '%s' (the key is empty "
                           "after the attribute's rules)",
                           attribute->name, key);
    } else if (outcome == RULES_REJECTED) {
        status = error_set(error, PDB_ERR_NOT_FOUND, "no profile has %s = '%s': %s",
                           attribute->name, key, reason);
    } else if (outcome == RULES_NO_MEMORY) {
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    }
    rules_scratch_deinit(&scratch);
    return status;
}

void db_ingest_result_set_rule_tallies(struct pdb_ingest_result *result,
                                       const struct schema *schema,
                                       const struct loader_counts *counts)
{
    result->rule_tally_count = 0;
    result->is_rule_tallies_truncated = false;
    for (uint32_t slot = 0; slot < counts->rule_slot_count; slot++) {
        uint64_t rejected = counts->rule_rejected[slot], changed = counts->rule_changed[slot];
        if (rejected == 0 && changed == 0) continue;
        if (result->rule_tally_count == PDB_INGEST_RULE_TALLIES_MAX) {
            result->is_rule_tallies_truncated = true;
            break;
        }
        struct pdb_ingest_rule_tally *tally = &result->rule_tallies[result->rule_tally_count++];
        snprintf(tally->attribute, sizeof tally->attribute, "%s",
                 schema->attributes[slot / RULE_KIND_COUNT].name);
        snprintf(tally->rule, sizeof tally->rule, "%s",
                 rule_kind_name((enum rule_kind)(slot % RULE_KIND_COUNT)));
        tally->rejected = rejected;
        tally->changed = changed;
    }
}
