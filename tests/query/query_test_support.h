/*
 * Shared helpers for the query tests: the retail test schema, in-memory tables built from a
 * row-by-row model, a naive three-valued evaluator over test expression trees (written
 * independently of engine/query), a renderer from trees to segment text, and a random
 * expression generator.
 */
#ifndef PDB_TESTS_QUERY_TEST_SUPPORT_H
#define PDB_TESTS_QUERY_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "catalog/schema.h"
#include "column/table.h"
#include "query/segment.h"

/* Attribute indexes of the retail test schema. */
enum {
    A_CUSTOMER_ID,
    A_EMAIL,
    A_PHONE,
    A_FIRST_NAME,
    A_LAST_NAME,
    A_COUNTRY,
    A_CITY,
    A_GENDER,
    A_LOYALTY_TIER,
    A_BIRTH_YEAR,
    A_AGE,
    A_ORDER_COUNT,
    A_TOTAL_SPEND,
    A_SIGNUP_AT,
    A_LAST_SEEN_AT,
    A_INTERESTS,
    A_CONSENT_EMAIL,
    A_CONSENT_SMS,
    A_CONSENT_ADS,
    A_CONSENT_ANALYTICS,
    A_IS_VIP,
    A_COUNT
};

#define TEST_NOW 1700000000 /* the now() of every test */

void test_schema_init(struct schema *schema); /* the retail schema; schema_deinit it */

struct model_value {
    bool is_null;
    bool b;
    int64_t i;
    double f;
    const char *s; /* text/category bytes (static storage) */
    uint32_t size;
    const char *tags[8];
    uint32_t tag_sizes[8];
    uint32_t tag_count;
};

struct model {
    struct schema schema;
    uint32_t row_count;
    struct model_value *values; /* row_count * A_COUNT */
    struct table table;
};

static inline struct model_value *model_at(struct model *model, uint32_t row, uint32_t attribute)
{
    return &model->values[(size_t)row * A_COUNT + attribute];
}

/* A model of `rows` rows with random values from small pools (null_percent % NULLs),
 * seeded; then model_build_table turns it into model->table. */
void model_init_random(struct model *model, uint32_t rows, uint32_t seed, int null_percent);
void model_init_empty(struct model *model, uint32_t rows); /* every value NULL */
void model_build_table(struct model *model); /* every chunk sealed, as when decoded */
void model_build_table_unsealed(struct model *model); /* last chunks in the building form */
void model_deinit(struct model *model);

/* ---- Test expressions ------------------------------------------------------------------ */

enum texpr_kind { TX_AND, TX_OR, TX_NOT, TX_TRUE, TX_FALSE, TX_PRED };
enum top {
    OP_BARE,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_BETWEEN,
    OP_IN,
    OP_IS_NULL,
    OP_STARTS,
    OP_ENDS,
    OP_CONTAINS,
    OP_ISTARTS,
    OP_IENDS,
    OP_ICONTAINS,
    OP_HAS,
    OP_HAS_ANY,
    OP_HAS_ALL,
    OP_COUNT
};
enum tlit_kind { TL_INT, TL_FLOAT, TL_STRING, TL_TRUE, TL_FALSE, TL_NULL, TL_NOW };

struct tlit {
    enum tlit_kind kind;
    int64_t i; /* INT; NOW: offset in seconds */
    double f;
    const char *s;
    uint32_t size;
};

#define TEXPR_CHILDREN_MAX 4
#define TEXPR_LITERALS_MAX 6

struct texpr {
    enum texpr_kind kind;
    uint32_t child_count;
    struct texpr *children[TEXPR_CHILDREN_MAX];
    uint32_t attribute;
    enum top op;
    bool negated;
    bool literal_first; /* render `literal op attr` */
    uint32_t literal_count;
    struct tlit literals[TEXPR_LITERALS_MAX];
};

enum tv { TV_FALSE = 0, TV_TRUE = 1, TV_UNKNOWN = 2 };

/* Naive evaluation of `expr` on one row of the model. */
enum tv texpr_eval(const struct texpr *expr, struct model *model, uint32_t row);
/* Segment text for `expr` (appended to out, NUL-terminated). */
void texpr_render(const struct texpr *expr, const struct schema *schema, struct buffer *out);
/* A random, well-typed expression of at most `depth` levels (owned: texpr_free). */
struct texpr *texpr_random(uint64_t *state, uint32_t depth);
void texpr_free(struct texpr *expr);

/* Every literal the pools hold for an attribute of `type` (NULL included, tags get strings),
 * up to `capacity`; returns the count. */
uint32_t test_literal_pool(enum pdb_type type, struct tlit *out, uint32_t capacity);

/* Random numbers (splitmix64). */
uint64_t test_random(uint64_t *state);

/* ---- Running segments ------------------------------------------------------------------ */

/* Compiles text against the model's schema (asserting success) and returns the matching
 * rows as a bool array of model->row_count entries (owned: free). Also checks that
 * segment_count equals the number of ids and that ids ascend. */
bool *run_segment(struct model *model, const char *text, size_t size);
/* Compares run_segment(text) with texpr_eval over all rows; reports the first difference. */
void check_against_model(struct model *model, const struct texpr *expr, const char *text,
                         size_t size);

/* Text added to every failure message of check_against_model (e.g. the random seed). */
void test_set_context(const char *context);

/* Compiles and expects failure: returns the status and copies the message. */
enum pdb_status compile_error(const char *text, char *message, size_t message_size);
/* Compiles (asserting success) and returns the explain text (owned: free). */
char *explain_text(const char *text);

#endif
