/*
 * Computed attributes in the segment language: checking the schema's definitions, parsing
 * one for a segment (the binder puts it in place of the attribute's name, binder.c), and the
 * value of one for one profile (GET).
 *
 * A definition is segment text read by the segment parser: it must parse to exactly one
 * predicate whose subject is an event aggregate and which has no operator (what `exists(e)`
 * alone looks like): `count(purchase, 30d)`, `sum(purchase.amount, 90d, channel = 'web')`. A
 * computed attribute cannot name another one (an aggregate's filter names only properties of
 * its event), so definitions cannot form cycles. Errors found in a definition are reported at
 * the schema line and column of the offending token. For GET, computed_values holds every
 * definition bound once for one now() (the db handle keeps one and rebinds when now() moves),
 * so a GET reads each row's events without parsing anything.
 */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/status.h"
#include "catalog/computed.h"
#include "query/ast.h"
#include "query/query_internal.h"
#include "query/segment.h"

enum pdb_status computed_definition_parse(const struct computed_attribute *computed, int64_t now_s,
                                          struct query_arena *arena,
                                          const struct ast_aggregate **call_out,
                                          struct pdb_error *error)
{
    struct ast ast;
    enum pdb_status status =
        parser_parse(computed->definition, computed->definition_size, now_s, arena, &ast, error);
    if (status != PDB_OK) return status;
    const struct ast_node *root = ast.root;
    if (root->kind != AST_PREDICATE || root->aggregate == NULL) {
        return error_set(error, PDB_ERR_SEGMENT,
                         "segment:%u:%u: the definition must be one event aggregate, such as "
                         "count(purchase, 30d) or sum(purchase.amount, 90d) (found %s)",
                         root->position.line, root->position.column,
                         root->kind == AST_PREDICATE ? "an attribute"
                         : root->kind == AST_AND || root->kind == AST_OR || root->kind == AST_NOT
                             ? "a combination of conditions"
                             : "a constant or saved segment");
    }
    if (root->op != AST_OP_BARE) {
        return error_set(error, PDB_ERR_SEGMENT,
                         "segment:%u:%u: the definition must be the aggregate alone, without "
                         "'%s' (compare the attribute in segments instead: %s %s ...)",
                         root->operator_position.line, root->operator_position.column,
                         ast_operator_name(root->op), computed->name, ast_operator_name(root->op));
    }
    *call_out = root->aggregate;
    return PDB_OK;
}

/* "segment:L:C: reason" of a definition's error as "<source>:<line>:<column>: computed
 * attribute 'x': reason" at the schema's position. */
static enum pdb_status schema_error(const struct computed_attribute *computed, const char *source,
                                    enum pdb_status status, const struct pdb_error *inner,
                                    struct pdb_error *error)
{
    unsigned line = 0, column = 0;
    int consumed = 0;
    const char *reason = inner->message;
    if (sscanf(inner->message, "segment:%u:%u: %n", &line, &column, &consumed) == 2 &&
        consumed > 0)
        reason = inner->message + consumed;
    else
        column = 1;
    if (status == PDB_ERR_SEGMENT) status = PDB_ERR_SCHEMA;
    return error_set(error, status, "%s:%u:%u: computed attribute '%s': %s", source,
                     computed->line, computed->column + (column > 0 ? column - 1 : 0),
                     computed->name, reason);
}

enum pdb_status segment_computed_check(struct schema *schema, const char *source,
                                       struct pdb_error *error)
{
    const char *shown = source != NULL ? source : "schema";
    for (uint32_t i = 0; i < schema->computed.count; i++) {
        struct computed_attribute *computed = &schema->computed.attributes[i];
        struct query_arena arena;
        query_arena_init(&arena);
        struct pdb_error inner = {0};
        const struct ast_aggregate *call = NULL;
        struct event_aggregate *aggregate = NULL;
        enum pdb_type type = PDB_TYPE_INT;
        enum pdb_status status = computed_definition_parse(computed, 0, &arena, &call, &inner);
        if (status == PDB_OK)
            status = binder_bind_aggregate(call, schema, 0, &arena, &aggregate, &type, &inner);
        query_arena_deinit(&arena);
        if (status == PDB_ERR_NO_MEMORY)
            return error_set(error, status, "out of memory checking computed attributes");
        if (status != PDB_OK) return schema_error(computed, shown, status, &inner, error);
        computed->type = type;
        computed->is_checked = true;
    }
    return PDB_OK;
}

/* ---- Values for GET ----------------------------------------------------------------- */

struct computed_values {
    struct query_arena arena; /* every bound aggregate */
    int64_t now_s;
    uint32_t count;
    struct event_aggregate **aggregates; /* [count] (arena) */
    enum pdb_type *types;                /* [count] (arena) */
};

enum pdb_status segment_computed_values_create(const struct schema *schema, int64_t now_s,
                                               struct computed_values **values_out,
                                               struct pdb_error *error)
{
    struct computed_values *values = mem_calloc(1, sizeof *values);
    if (values == NULL) return error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    query_arena_init(&values->arena);
    values->now_s = now_s;
    values->count = schema->computed.count;
    uint32_t slots = values->count ? values->count : 1;
    values->aggregates = query_arena_alloc(&values->arena, slots * sizeof values->aggregates[0]);
    values->types = query_arena_alloc(&values->arena, slots * sizeof values->types[0]);
    enum pdb_status status = PDB_OK;
    if (values->aggregates == NULL || values->types == NULL)
        status = error_set(error, PDB_ERR_NO_MEMORY, "out of memory");
    for (uint32_t c = 0; status == PDB_OK && c < values->count; c++) {
        const struct ast_aggregate *call = NULL;
        status = computed_definition_parse(&schema->computed.attributes[c], now_s, &values->arena,
                                           &call, error);
        if (status == PDB_OK)
            status = binder_bind_aggregate(call, schema, now_s, &values->arena,
                                           &values->aggregates[c], &values->types[c], error);
        if (status != PDB_OK)
            error_prefix(error, "computed attribute '%s': ", schema->computed.attributes[c].name);
    }
    if (status != PDB_OK) {
        segment_computed_values_destroy(values);
        return status;
    }
    *values_out = values;
    return PDB_OK;
}

void segment_computed_values_destroy(struct computed_values *values)
{
    if (values == NULL) return;
    query_arena_deinit(&values->arena);
    mem_free(values);
}

int64_t segment_computed_values_now(const struct computed_values *values)
{
    return values->now_s;
}

enum pdb_status segment_computed_values_row(const struct computed_values *values,
                                            const struct event_store *store, uint32_t row_id,
                                            struct pdb_value *values_out, struct pdb_error *error)
{
    for (uint32_t c = 0; c < values->count; c++) {
        struct event_row_value value = {0};
        if (!predicate_event_row_value(values->aggregates[c], store, row_id, &value))
            return error_set(error, PDB_ERR_NO_MEMORY, "out of memory computing attribute %u", c);
        enum pdb_type type = values->types[c];
        struct pdb_value *out = &values_out[c];
        memset(out, 0, sizeof *out);
        out->type = type;
        out->is_null = value.is_null;
        if (type == PDB_TYPE_BOOL) out->bool_value = value.integer != 0;
        else if (type == PDB_TYPE_FLOAT) out->float_value = value.number;
        else out->int_value = value.integer;
    }
    return PDB_OK;
}

enum pdb_status segment_computed_value(const struct schema *schema, uint32_t computed_index,
                                       const struct event_store *store, int64_t now_s,
                                       uint32_t row_id, struct pdb_value *value_out,
                                       struct pdb_error *error)
{
    if (computed_index >= schema->computed.count)
        return error_set(error, PDB_ERR_USAGE, "no computed attribute %u", computed_index);
    struct computed_values *values = NULL;
    enum pdb_status status = segment_computed_values_create(schema, now_s, &values, error);
    if (status != PDB_OK) return status;
    struct pdb_value all[PDB_COMPUTED_ATTRIBUTES_MAX];
    status = segment_computed_values_row(values, store, row_id, all, error);
    if (status == PDB_OK) *value_out = all[computed_index];
    segment_computed_values_destroy(values);
    return status;
}
