/*
 * The rules hook of the stage step (see stage_rules.h).
 */
#include "ingest/stage_rules.h"

#include <string.h>

#include "base/alloc.h"

const char STAGE_OUT_OF_MEMORY[] = "out of memory";

bool stage_rules_begin(struct stage_rules *rules, const struct schema *schema,
                       struct loader_batch *batch)
{
    memset(rules, 0, sizeof *rules);
    rules->schema = schema;
    rules->batch = batch;
    rules->broken_slot = -1;
    rules_scratch_init(&rules->scratch);
    uint32_t required = 0;
    bool has_rules = false;
    for (uint32_t a = 0; a < schema->attribute_count; a++) {
        has_rules |= schema->attributes[a].rules != NULL;
        required += rules_has(schema->attributes[a].rules, RULE_REQUIRED);
    }
    if (!has_rules) return true;
    rules->slot_count = schema->attribute_count * RULE_KIND_COUNT;
    rules->pending = mem_alloc(rules->slot_count * sizeof *rules->pending);
    rules->required = mem_alloc((required ? required : 1) * sizeof *rules->required);
    if (batch->rule_changed == NULL)
        batch->rule_changed = mem_alloc(rules->slot_count * sizeof(uint64_t));
    if (rules->pending == NULL || rules->required == NULL || batch->rule_changed == NULL)
        return false;
    memset(batch->rule_changed, 0, rules->slot_count * sizeof(uint64_t));
    for (uint32_t a = 0; a < schema->attribute_count; a++)
        if (rules_has(schema->attributes[a].rules, RULE_REQUIRED))
            rules->required[rules->required_count++] = a;
    return true;
}

void stage_rules_end(struct stage_rules *rules)
{
    rules_scratch_deinit(&rules->scratch);
    mem_free(rules->pending);
    mem_free(rules->required);
    rules->pending = rules->required = NULL;
}

void stage_rules_record_begin(struct stage_rules *rules)
{
    rules->pending_count = 0;
    rules->broken_slot = -1;
}

void stage_rules_record_commit(struct stage_rules *rules)
{
    for (uint32_t i = 0; i < rules->pending_count; i++)
        rules->batch->rule_changed[rules->pending[i]]++;
    rules->pending_count = 0;
}

static int32_t slot_of(uint32_t attribute_index, enum rule_kind kind)
{
    return (int32_t)(attribute_index * RULE_KIND_COUNT + (uint32_t)kind);
}

const char *stage_rules_null(struct stage_rules *rules, uint32_t attribute_index)
{
    if (!rules_has(rules->schema->attributes[attribute_index].rules, RULE_REQUIRED)) return NULL;
    rules->broken_slot = slot_of(attribute_index, RULE_REQUIRED);
    return RULES_REQUIRED_REASON;
}

const char *stage_rules_string(struct stage_rules *rules, uint32_t attribute_index,
                               const char **data, size_t *size, bool *is_null_out, char *detail,
                               size_t detail_size)
{
    const struct attribute_rules *attribute_rules =
        rules->schema->attributes[attribute_index].rules;
    uint32_t changed = 0;
    enum rule_kind broken = RULE_REQUIRED;
    enum rules_outcome outcome = rules_apply_string(attribute_rules, &rules->scratch, data, size,
                                                    &changed, &broken, detail, detail_size);
    if (outcome == RULES_NO_MEMORY) return STAGE_OUT_OF_MEMORY;
    if (outcome == RULES_REJECTED) {
        rules->broken_slot = slot_of(attribute_index, broken);
        return detail;
    }
    *is_null_out = outcome == RULES_NULL;
    for (int kind = 0; changed != 0 && kind < RULE_KIND_COUNT; kind++) {
        if (changed & (1u << kind))
            rules->pending[rules->pending_count++] =
                (uint32_t)slot_of(attribute_index, (enum rule_kind)kind);
    }
    return NULL;
}

const char *stage_rules_int(struct stage_rules *rules, uint32_t attribute_index, int64_t value,
                            char *detail, size_t detail_size)
{
    enum rule_kind broken = RULE_RANGE;
    if (rules_check_int(rules->schema->attributes[attribute_index].rules, value, &broken, detail,
                        detail_size) == RULES_OK)
        return NULL;
    rules->broken_slot = slot_of(attribute_index, broken);
    return detail;
}

const char *stage_rules_float(struct stage_rules *rules, uint32_t attribute_index, double value,
                              char *detail, size_t detail_size)
{
    enum rule_kind broken = RULE_RANGE;
    if (rules_check_float(rules->schema->attributes[attribute_index].rules, value, &broken, detail,
                          detail_size) == RULES_OK)
        return NULL;
    rules->broken_slot = slot_of(attribute_index, broken);
    return detail;
}

int32_t stage_rules_missing_required(struct stage_rules *rules, const uint32_t *seen,
                                     uint32_t index)
{
    for (uint32_t i = 0; i < rules->required_count; i++) {
        uint32_t a = rules->required[i];
        if (seen[a] != index + 1u) {
            rules->broken_slot = slot_of(a, RULE_REQUIRED);
            return (int32_t)a;
        }
    }
    return -1;
}

bool stage_rules_reject(struct stage_rules *rules, struct loader_reject_list *list,
                        uint32_t before_record, const char *source, uint64_t line, uint32_t column,
                        const char *attribute, const char *reason, const char *raw, size_t raw_size)
{
    if (loader_reject_add(list, before_record, source, line, column, attribute, reason, raw,
                          raw_size) != 0)
        return false;
    list->entries[list->count - 1].rule_slot = rules->broken_slot;
    rules->broken_slot = -1;
    return true;
}
