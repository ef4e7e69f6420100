/*
 * The rules hook of the loader's stage step (loader_stage.c): applies each attribute's
 * data-quality rules (catalog/rules.h) to the values of one batch, on the batch's thread.
 *
 * A broken rule becomes the record's reject with the rule's slot (attribute index *
 * RULE_KIND_COUNT + rule) so the append step counts it; the normalisers that changed a value
 * are remembered per record and added to the batch's rule_changed only when the record is
 * staged whole, so counts cover loaded records only and do not depend on the thread count.
 */
#ifndef PDB_INGEST_STAGE_RULES_H
#define PDB_INGEST_STAGE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/rules.h"
#include "catalog/schema.h"
#include "ingest/loader_internal.h"

/* stage_field's reason when memory ran out (compared by address). */
extern const char STAGE_OUT_OF_MEMORY[];

struct stage_rules {
    const struct schema *schema;
    struct loader_batch *batch;
    struct rules_scratch scratch;
    uint32_t slot_count; /* 0: the schema has no rules (every call below is then cheap) */
    int32_t broken_slot; /* of the last rejection, or -1 */
    uint32_t *pending;   /* slots changed in the record being staged */
    uint32_t pending_count;
    uint32_t *required; /* attributes with `required` */
    uint32_t required_count;
};

/* Per batch: false when out of memory (then call stage_rules_end all the same). */
bool stage_rules_begin(struct stage_rules *rules, const struct schema *schema,
                       struct loader_batch *batch);
void stage_rules_end(struct stage_rules *rules);

void stage_rules_record_begin(struct stage_rules *rules);
/* The record was staged: its changed values count. */
void stage_rules_record_commit(struct stage_rules *rules);

/* Each returns NULL, a reason (in detail, or static), or STAGE_OUT_OF_MEMORY. */
const char *stage_rules_null(struct stage_rules *rules, uint32_t attribute_index);
/* May replace *data and *size with the normalised value (valid until the next call), or set
 * *is_null_out when nothing is left. */
const char *stage_rules_string(struct stage_rules *rules, uint32_t attribute_index,
                               const char **data, size_t *size, bool *is_null_out, char *detail,
                               size_t detail_size);
const char *stage_rules_int(struct stage_rules *rules, uint32_t attribute_index, int64_t value,
                            char *detail, size_t detail_size);
const char *stage_rules_float(struct stage_rules *rules, uint32_t attribute_index, double value,
                              char *detail, size_t detail_size);

/* NDJSON: the first required attribute that record `index` did not name (seen[a] != index +
 * 1), or -1. */
int32_t stage_rules_missing_required(struct stage_rules *rules, const uint32_t *seen,
                                     uint32_t index);

/* loader_reject_add, tagging the reject with the rule just broken (if any). false: memory. */
bool stage_rules_reject(struct stage_rules *rules, struct loader_reject_list *list,
                        uint32_t before_record, const char *source, uint64_t line, uint32_t column,
                        const char *attribute, const char *reason, const char *raw,
                        size_t raw_size);

#endif
