/*
 * Data-quality rules of an attribute: normalisers that change a value before it is stored
 * and validators that reject the record when a value breaks them (README.md, "Schema files",
 * documents every rule; this header is the reference for the code).
 *
 * In a schema line the rules follow the type, among the flags, as words; a rule with
 * arguments is `name(arg, arg, ...)`:
 *     email    text identifier pii trim lower email
 *     phone    text pii phone(+1)
 *     country  category trim upper map(UK=GB, "Deutschland"=DE) allowed(US, GB, DE)
 *     age      int range(0, 120) required
 * An argument is a bare word ([A-Za-z0-9_.+@/:-] and any non-ASCII UTF-8) or a
 * double-quoted string in which "" stands for one quote; spaces around arguments are
 * ignored. Whatever order they are written in, rules apply in the order of enum rule_kind
 * (normalisers first), and schema_render writes them in that order.
 *
 *   rule       types                 does
 *   trim       text category         strips Unicode White_Space from both ends; a value
 *                                    of white space only becomes NULL
 *   nfc        text category         Unicode NFC
 *   lower      text category         simple lower-case mapping   } at most one of the
 *   upper      text category         simple upper-case mapping   } three
 *   casefold   text category         full case folding + NFC     }
 *   map(a=b)   text category         a value equal to a becomes b (exact bytes)
 *   phone[(+c)] text category        E.164 normalisation, rejects what is not a number
 *   email      text category         rejects what is not an email address
 *   range(a,b) int float             rejects values outside [a, b] (a or b may be empty)
 *   allowed(…) text category         rejects values not in the list
 *   required   every type            rejects NULL (and, for text/category, "" after the
 *                                    normalisers; for tags, an empty set)
 * NULL values skip every rule but `required`.
 */
#ifndef PDB_CATALOG_RULES_H
#define PDB_CATALOG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buffer.h"
#include "profiledb/profiledb.h"

/* In application order (= canonical render order). */
enum rule_kind {
    RULE_TRIM,
    RULE_NFC,
    RULE_LOWER,
    RULE_UPPER,
    RULE_CASEFOLD,
    RULE_MAP,
    RULE_PHONE,
    RULE_EMAIL,
    RULE_RANGE,
    RULE_ALLOWED,
    RULE_REQUIRED,
    RULE_KIND_COUNT
};

#define RULE_LIST_ENTRIES_MAX 4096u /* entries of one map(...) or allowed(...) */
#define RULE_PHONE_DIGITS_MIN 8u    /* E.164: country code + subscriber number */
#define RULE_PHONE_DIGITS_MAX 15u
#define RULE_EMAIL_SIZE_MAX 254u
#define RULE_EMAIL_LOCAL_SIZE_MAX 64u
#define RULE_EMAIL_DOMAIN_SIZE_MAX 253u
#define RULE_EMAIL_LABEL_SIZE_MAX 63u

struct rule_string {
    uint32_t offset; /* into attribute_rules.text */
    uint32_t size;
    uint32_t column; /* 1-based column in the schema line, for rules_check's errors */
};

struct attribute_rules {
    uint32_t kinds; /* bit (1u << enum rule_kind) per rule given */
    /* map: from[i] -> to[i] in declaration order; map_order sorts from[] for lookups */
    uint32_t map_count;
    struct rule_string *map_from, *map_to;
    uint32_t *map_order;
    /* allowed: in declaration order; allowed_order sorts them */
    uint32_t allowed_count;
    struct rule_string *allowed;
    uint32_t *allowed_order;
    /* phone: default country calling code (1 to 3 digits), "" when national numbers reject */
    char phone_country[4];
    /* range: inclusive bounds; an absent bound is unbounded */
    bool has_range_min, has_range_max;
    int64_t range_min_int, range_max_int;    /* int attributes */
    double range_min_float, range_max_float; /* float attributes */
    struct buffer text;                      /* the bytes of every rule_string */
    char *canonical; /* "trim lower email": the rules as rules_render writes them (rules_check) */
};

static inline bool rules_has(const struct attribute_rules *rules, enum rule_kind kind)
{
    return rules != NULL && (rules->kinds & (1u << kind)) != 0;
}

/* The shortest text that reads back as `value` (integral values without exponent). */
void rules_format_float(double value, char *out, size_t out_size);

/* Name of a rule kind ("trim", "range", ...). */
const char *rule_kind_name(enum rule_kind kind);

/* True if word[0..size) starts like a rule (its name, optionally followed by '('). */
bool rules_is_rule_word(const char *word, size_t size);

/* Parses one rule word (as split by schema.c: a name, then optionally "(...)" with quotes
 * respected) of an attribute of `type` into *rules (allocated on the first rule; owned by the
 * attribute, released with rules_destroy). Errors say "<source>:<line>:<column>: ..." where
 * column is the word's 1-based column plus the offset of the offending byte. */
enum pdb_status rules_parse_word(struct attribute_rules **rules, enum pdb_type type,
                                 const char *word, size_t size, const char *source,
                                 unsigned line_number, size_t column, struct pdb_error *error);

/* Checks the rules of an attribute once all words are read: combinations (one case rule,
 * not both phone and email) and lists that could never match (a map key or allowed value
 * the earlier normalisers would change, a map target not in allowed(...)). `column` points
 * at the attribute's type word. On success also fills rules->canonical. */
enum pdb_status rules_check(struct attribute_rules *rules, enum pdb_type type, const char *source,
                            unsigned line_number, size_t column, struct pdb_error *error);

void rules_destroy(struct attribute_rules *rules);

/* Appends " rule rule(...) ..." in canonical form (parseable by rules_parse_word).
 * 0 or -1 (memory). `type` picks how range bounds print. */
int rules_render(const struct attribute_rules *rules, enum pdb_type type, struct buffer *out);

/* ---- Applying rules to one value (rules_apply.c) ------------------------------------------ */

/* Scratch space of one thread applying rules: grows to the largest value seen, so per-row
 * work never allocates once warm. init/deinit: the struct is the caller's. */
struct rules_scratch {
    int32_t *units; /* output of a unicode transform */
    size_t unit_capacity;
    char *bytes; /* the value between transforms */
    size_t byte_capacity;
    char phone[17]; /* "+" and up to 15 digits */
};

void rules_scratch_init(struct rules_scratch *scratch);
void rules_scratch_deinit(struct rules_scratch *scratch);

/* What applying rules to a value found. */
enum rules_outcome {
    RULES_OK,       /* *value is the value to store (maybe changed: see changed_kinds) */
    RULES_NULL,     /* `trim` left nothing: the value is stored as NULL */
    RULES_REJECTED, /* the record breaks rule *broken_out; the reason is in `reason` */
    RULES_NO_MEMORY
};

/* Applies the rules of a text/category attribute to a present (non-NULL) value, valid UTF-8.
 * On RULES_OK *data and *size are the normalised value (in the input or in scratch, valid until
 * the next call with this scratch) and *changed_kinds_out has a bit per normaliser that
 * changed it. On RULES_REJECTED, `reason` (reason_size bytes) says why. */
enum rules_outcome rules_apply_string(const struct attribute_rules *rules,
                                      struct rules_scratch *scratch, const char **data,
                                      size_t *size, uint32_t *changed_kinds_out,
                                      enum rule_kind *broken_out, char *reason, size_t reason_size);

/* Validators of int and float values (range). Same outcome convention. */
enum rules_outcome rules_check_int(const struct attribute_rules *rules, int64_t value,
                                   enum rule_kind *broken_out, char *reason, size_t reason_size);
enum rules_outcome rules_check_float(const struct attribute_rules *rules, double value,
                                     enum rule_kind *broken_out, char *reason, size_t reason_size);

/* Reason of a `required` rejection (a NULL value, an empty string or an empty tag set). */
#define RULES_REQUIRED_REASON "rule required: the value is missing"

/* The pieces rules_apply_string is built from, exposed for tests and for rules_check. */
/* Applies the normalisers of kind < limit (RULE_PHONE: all but phone); RULES_OK or
 * RULES_NULL or RULES_NO_MEMORY, with *data and *size and *changed_kinds_out as above. */
enum rules_outcome rules_normalise(const struct attribute_rules *rules, enum rule_kind limit,
                                   struct rules_scratch *scratch, const char **data, size_t *size,
                                   uint32_t *changed_kinds_out);
/* Index of the map entry whose key is data[0..size), or -1. */
int32_t rules_map_find(const struct attribute_rules *rules, const char *data, size_t size);
bool rules_allowed_contains(const struct attribute_rules *rules, const char *data, size_t size);
/* Bytes to strip from each end under `trim`: Unicode White_Space (ASCII space, \t, \n, \v,
 * \f, \r, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). */
void rules_trim(const char **data, size_t *size);
/* E.164: writes "+<digits>" (at most 16 bytes) into out; NULL, or a static reason. */
const char *rules_phone_normalise(const char *data, size_t size, const char *default_country,
                                  char out[17], size_t *out_size);
/* NULL when data[0..size) is an email address as README.md defines it, else a reason. */
const char *rules_email_check(const char *data, size_t size);

#endif
