/*
 * The per-rule tallies of an ingest result (include/profiledb/profiledb.h): the loader's
 * per-slot counts (slot = attribute index * RULE_KIND_COUNT + rule) -> named (attribute,
 * rule) pairs with a nonzero count, in schema order then rule order, at most
 * PDB_INGEST_RULE_TALLIES_MAX.
 */
#include <stdio.h>

#include "db/db_internal.h"
#include "ingest/loader.h"

void db_ingest_result_set_rule_tallies(struct pdb_ingest_result *result, const struct schema *schema,
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
