/*
 * Time partitions (calendar months) and the type-store operations they need: events per
 * partition, the copy of a time range, and the concatenation of partitions (see
 * event_partition.h for the choice of a month and why memory keeps one CSR per chunk).
 */
#include "events/event_partition.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/status.h"
#include "base/timestamp.h"

#define SECONDS_PER_DAY 86400

static int64_t floor_divide(int64_t value, int64_t divisor)
{
    int64_t quotient = value / divisor;
    return quotient - (value % divisor != 0 && (value < 0) != (divisor < 0));
}

int64_t event_partition_key(int64_t timestamp_s)
{
    /* Civil date from days (H. Hinnant's algorithm), month resolution. */
    int64_t days = floor_divide(timestamp_s, SECONDS_PER_DAY) + 719468;
    int64_t era = floor_divide(days, 146097);
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_shifted = (5 * day_of_year + 2) / 153;
    int64_t month = month_shifted < 10 ? month_shifted + 3 : month_shifted - 9; /* 1..12 */
    int64_t year = year_of_era + era * 400 + (month <= 2);
    return (year - 1970) * 12 + (month - 1);
}

static int64_t month_start_s(int64_t key)
{
    int64_t year = 1970 + floor_divide(key, 12);
    unsigned month = (unsigned)(key - floor_divide(key, 12) * 12) + 1u;
    int64_t days = timestamp_days_from_civil(year, month, 1), seconds;
    if (__builtin_mul_overflow(days, (int64_t)SECONDS_PER_DAY, &seconds))
        return days < 0 ? INT64_MIN : INT64_MAX;
    return seconds;
}

void event_partition_span(int64_t key, int64_t *first_s_out, int64_t *last_s_out)
{
    int64_t first = month_start_s(key), next = month_start_s(key + 1);
    *first_s_out = first;
    *last_s_out = next == INT64_MAX ? INT64_MAX : next - 1;
}

/* ---- Counts --------------------------------------------------------------------------- */

static uint32_t find_key(const struct event_partition_count *counts, uint32_t count, int64_t key)
{
    uint32_t low = 0, high = count;
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (counts[middle].key < key) low = middle + 1;
        else high = middle;
    }
    return low;
}

uint64_t event_partition_count_of(const struct event_partition_count *counts, uint32_t count,
                                  int64_t key)
{
    uint32_t at = find_key(counts, count, key);
    return at < count && counts[at].key == key ? counts[at].event_count : 0;
}

int event_partition_counts(const struct event_type_store *type,
                           struct event_partition_count **counts_out, uint32_t *count_out)
{
    struct event_partition_count *counts = NULL;
    uint32_t count = 0, capacity = 0;
    int64_t first = 1, last = 0; /* the span of the last key seen (empty at first) */
    uint32_t slot = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++) {
        const struct event_chunk *chunk = &type->chunks[c];
        for (uint32_t i = 0; i < chunk->event_count; i++) {
            int64_t t = chunk->timestamps[i];
            if (t < first || t > last) {
                int64_t key = event_partition_key(t);
                event_partition_span(key, &first, &last);
                slot = find_key(counts, count, key);
                if (slot == count || counts[slot].key != key) {
                    if (count == capacity) {
                        uint32_t grown = capacity ? capacity * 2 : 16;
                        struct event_partition_count *more = mem_realloc(counts, grown * sizeof *more);
                        if (more == NULL) {
                            mem_free(counts);
                            return -1;
                        }
                        counts = more;
                        capacity = grown;
                    }
                    memmove(&counts[slot + 1], &counts[slot], (count - slot) * sizeof *counts);
                    counts[slot] = (struct event_partition_count){key, 0};
                    count++;
                }
            }
            counts[slot].event_count++;
        }
    }
    *counts_out = counts;
    *count_out = count;
    return 0;
}

/* ---- Shared: chunks and dictionaries ---------------------------------------------------- */

static bool is_string_type(enum pdb_type type)
{
    return type == PDB_TYPE_CATEGORY || type == PDB_TYPE_TEXT;
}

static bool column_is_null(const struct event_column *column, uint32_t i)
{
    return column->nulls != NULL && (column->nulls[i / 64u] >> (i % 64u) & 1u);
}

/* Allocates a chunk of `events` events (offsets zeroed; nulls only where needs_nulls). */
static bool chunk_allocate(struct event_chunk *chunk, const struct event_type_store *type,
                           uint32_t events, const bool *needs_nulls)
{
    memset(chunk, 0, sizeof *chunk);
    chunk->event_count = events;
    chunk->offsets = mem_calloc(PDB_CHUNK_ROWS + 1, sizeof *chunk->offsets);
    chunk->timestamps = mem_alloc((size_t)events * sizeof *chunk->timestamps);
    chunk->columns = mem_calloc(type->property_count ? type->property_count : 1, sizeof *chunk->columns);
    if (chunk->offsets == NULL || chunk->timestamps == NULL || chunk->columns == NULL) return false;
    for (uint32_t p = 0; p < type->property_count; p++) {
        struct event_column *column = &chunk->columns[p];
        if (type->property_types[p] == PDB_TYPE_FLOAT) {
            column->numbers = mem_alloc((size_t)events * sizeof *column->numbers);
            if (column->numbers == NULL) return false;
        } else {
            column->integers = mem_alloc((size_t)events * sizeof *column->integers);
            if (column->integers == NULL) return false;
        }
        if (needs_nulls[p]) {
            column->nulls = mem_calloc((events + 63u) / 64u, sizeof(uint64_t));
            if (column->nulls == NULL) return false;
        }
    }
    return true;
}

/* Copies events [from, from + n) of `source` to [to, to + n) of `target`, mapping codes of
 * string properties through maps[p] (NULL: keep). */
static void copy_events(const struct event_chunk *source, uint32_t from, struct event_chunk *target,
                        uint32_t to, uint32_t n, uint32_t property_count,
                        uint32_t *const *maps)
{
    memcpy(&target->timestamps[to], &source->timestamps[from], (size_t)n * sizeof(int64_t));
    for (uint32_t p = 0; p < property_count; p++) {
        const struct event_column *in = &source->columns[p];
        struct event_column *out = &target->columns[p];
        if (in->numbers != NULL) memcpy(&out->numbers[to], &in->numbers[from], (size_t)n * sizeof(double));
        else if (maps == NULL || maps[p] == NULL)
            memcpy(&out->integers[to], &in->integers[from], (size_t)n * sizeof(int64_t));
        else
            for (uint32_t i = 0; i < n; i++)
                out->integers[to + i] = column_is_null(in, from + i) ? 0 : maps[p][in->integers[from + i]];
        if (in->nulls != NULL)
            for (uint32_t i = 0; i < n; i++)
                if (column_is_null(in, from + i)) out->nulls[(to + i) / 64u] |= 1ull << ((to + i) % 64u);
    }
}

/* Recomputes the chunk's summary from its offsets and timestamps, and drops null bitsets
 * that ended up without a set bit. */
static void chunk_summarise(struct event_chunk *chunk, uint32_t property_count)
{
    chunk->events_per_row_max = 0;
    chunk->rows_with_events = 0;
    for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
        uint32_t n = chunk->offsets[r + 1] - chunk->offsets[r];
        if (n > chunk->events_per_row_max) chunk->events_per_row_max = n;
        chunk->rows_with_events += n != 0;
    }
    chunk->time_min = INT64_MAX;
    chunk->time_max = INT64_MIN;
    for (uint32_t i = 0; i < chunk->event_count; i++) {
        if (chunk->timestamps[i] < chunk->time_min) chunk->time_min = chunk->timestamps[i];
        if (chunk->timestamps[i] > chunk->time_max) chunk->time_max = chunk->timestamps[i];
    }
    for (uint32_t p = 0; p < property_count; p++) {
        struct event_column *column = &chunk->columns[p];
        if (column->nulls == NULL) continue;
        bool any = false;
        for (uint32_t w = 0; w < (chunk->event_count + 63u) / 64u && !any; w++) any = column->nulls[w] != 0;
        if (!any) {
            mem_free(column->nulls);
            column->nulls = NULL;
        }
    }
}

static void type_summarise(struct event_type_store *type)
{
    type->event_count = type->rows_with_events = 0;
    type->events_per_chunk_max = type->events_per_row_max = 0;
    uint32_t last = 0;
    for (uint32_t c = 0; c < type->chunk_count; c++) {
        const struct event_chunk *chunk = &type->chunks[c];
        if (chunk->event_count == 0) continue;
        last = c + 1;
        type->event_count += chunk->event_count;
        type->rows_with_events += chunk->rows_with_events;
        if (chunk->event_count > type->events_per_chunk_max) type->events_per_chunk_max = chunk->event_count;
        if (chunk->events_per_row_max > type->events_per_row_max) type->events_per_row_max = chunk->events_per_row_max;
    }
    type->chunk_count = last; /* chunks up to the last with an event */
}

/* Copies values[i] for keep[i] (all when keep is NULL) into `out`; map[i] = new code. */
static bool dictionary_copy(const struct event_dictionary *in, const bool *keep,
                            struct event_dictionary *out, uint32_t *map)
{
    size_t bytes = 0;
    uint32_t count = 0;
    for (uint32_t v = 0; v < in->count; v++)
        if (keep == NULL || keep[v]) {
            bytes += in->values[v].size;
            count++;
        }
    out->values = mem_alloc((count ? count : 1) * sizeof *out->values);
    out->bytes = mem_alloc(bytes ? bytes : 1);
    if (out->values == NULL || out->bytes == NULL) return false;
    size_t at = 0;
    out->count = 0;
    for (uint32_t v = 0; v < in->count; v++) {
        if (keep != NULL && !keep[v]) continue;
        if (in->values[v].size) memcpy(out->bytes + at, in->values[v].data, in->values[v].size);
        out->values[out->count] = (struct event_string){out->bytes + at, in->values[v].size};
        if (map != NULL) map[v] = out->count;
        out->count++;
        at += in->values[v].size;
    }
    return true;
}

static bool type_header_init(struct event_type_store *out, const struct event_type_store *like)
{
    memset(out, 0, sizeof *out);
    out->property_count = like->property_count;
    uint32_t slots = like->property_count ? like->property_count : 1;
    out->property_types = mem_alloc(slots * sizeof *out->property_types);
    out->dictionaries = mem_calloc(slots, sizeof *out->dictionaries);
    if (out->property_types == NULL || out->dictionaries == NULL) return false;
    memcpy(out->property_types, like->property_types, like->property_count * sizeof *out->property_types);
    return true;
}

static void free_maps(uint32_t **maps, uint32_t count)
{
    if (maps == NULL) return;
    for (uint32_t i = 0; i < count; i++) mem_free(maps[i]);
    mem_free(maps);
}

/* ---- Slice ---------------------------------------------------------------------------- */

/* First index in timestamps[begin, end) with timestamp >= value (after_equal: > value). */
static uint32_t search(const int64_t *timestamps, uint32_t begin, uint32_t end, int64_t value,
                       bool after_equal)
{
    while (begin < end) {
        uint32_t middle = begin + (end - begin) / 2;
        if (timestamps[middle] < value || (after_equal && timestamps[middle] == value)) begin = middle + 1;
        else end = middle;
    }
    return begin;
}

enum pdb_status event_type_store_slice(const struct event_type_store *type, int64_t first_s,
                                       int64_t last_s, bool compact_dictionaries,
                                       struct event_type_store *out, struct pdb_error *error)
{
    struct event_type_store result;
    uint32_t property_count = type->property_count;
    uint32_t **maps = NULL;
    bool needs_nulls[PDB_EVENT_PROPERTIES_MAX];
    if (!type_header_init(&result, type)) goto no_memory;
    result.chunks = mem_calloc(type->chunk_count ? type->chunk_count : 1, sizeof *result.chunks);
    if (result.chunks == NULL) goto no_memory;
    result.chunk_count = type->chunk_count;
    for (uint32_t c = 0; c < type->chunk_count; c++) {
        const struct event_chunk *chunk = &type->chunks[c];
        if (chunk->event_count == 0 || chunk->time_max < first_s || chunk->time_min > last_s) continue;
        bool is_whole = chunk->time_min >= first_s && chunk->time_max <= last_s;
        uint32_t events = 0;
        for (uint32_t r = 0; r < PDB_CHUNK_ROWS && !is_whole; r++) {
            uint32_t begin = chunk->offsets[r], end = chunk->offsets[r + 1];
            if (begin == end) continue;
            events += search(chunk->timestamps, begin, end, last_s, true) -
                      search(chunk->timestamps, begin, end, first_s, false);
        }
        if (is_whole) events = chunk->event_count;
        if (events == 0) continue;
        for (uint32_t p = 0; p < property_count; p++) needs_nulls[p] = chunk->columns[p].nulls != NULL;
        struct event_chunk *target = &result.chunks[c];
        if (!chunk_allocate(target, type, events, needs_nulls)) goto no_memory;
        uint32_t at = 0;
        for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
            uint32_t begin = chunk->offsets[r], end = chunk->offsets[r + 1];
            if (begin != end && !is_whole) {
                uint32_t low = search(chunk->timestamps, begin, end, first_s, false);
                end = search(chunk->timestamps, low, end, last_s, true);
                begin = low;
            }
            if (end > begin) copy_events(chunk, begin, target, at, end - begin, property_count, NULL);
            at += end - begin;
            target->offsets[r + 1] = at;
        }
        chunk_summarise(target, property_count);
    }
    type_summarise(&result);

    if (compact_dictionaries) {
        maps = mem_calloc(property_count ? property_count : 1, sizeof *maps);
        if (maps == NULL) goto no_memory;
    }
    for (uint32_t p = 0; p < property_count; p++) {
        const struct event_dictionary *dictionary = &type->dictionaries[p];
        if (!is_string_type(type->property_types[p]) || dictionary->count == 0) continue;
        if (!compact_dictionaries) {
            if (!dictionary_copy(dictionary, NULL, &result.dictionaries[p], NULL)) goto no_memory;
            continue;
        }
        bool *keep = mem_calloc(dictionary->count, sizeof *keep);
        maps[p] = mem_alloc(dictionary->count * sizeof *maps[p]);
        if (keep == NULL || maps[p] == NULL) {
            mem_free(keep);
            goto no_memory;
        }
        for (uint32_t c = 0; c < result.chunk_count; c++) {
            const struct event_chunk *chunk = &result.chunks[c];
            const struct event_column *column = chunk->event_count ? &chunk->columns[p] : NULL;
            for (uint32_t i = 0; i < chunk->event_count; i++)
                if (!column_is_null(column, i)) keep[column->integers[i]] = true;
        }
        bool copied = dictionary_copy(dictionary, keep, &result.dictionaries[p], maps[p]);
        mem_free(keep);
        if (!copied) goto no_memory;
        for (uint32_t c = 0; c < result.chunk_count; c++) {
            struct event_chunk *chunk = &result.chunks[c];
            struct event_column *column = chunk->event_count ? &chunk->columns[p] : NULL;
            for (uint32_t i = 0; i < chunk->event_count; i++)
                if (!column_is_null(column, i)) column->integers[i] = maps[p][column->integers[i]];
        }
    }
    free_maps(maps, property_count);
    *out = result;
    return PDB_OK;
no_memory:
    free_maps(maps, property_count);
    event_type_store_deinit(&result);
    return error_set(error, PDB_ERR_NO_MEMORY, "out of memory copying events of a time range");
}

/* ---- Concatenation -------------------------------------------------------------------- */

static int compare_strings(const struct event_string *x, const struct event_string *y)
{
    uint32_t common = x->size < y->size ? x->size : y->size;
    int order = common ? memcmp(x->data, y->data, common) : 0;
    if (order != 0) return order;
    return (x->size > y->size) - (x->size < y->size);
}

static int compare_string_entries(const void *a, const void *b)
{
    return compare_strings(a, b);
}

/* The sorted union of property p's dictionaries over the parts into `out`; maps[k][code] =
 * the merged code of part k's code. */
static bool merge_dictionaries(const struct event_type_store *parts, uint32_t part_count,
                               uint32_t p, struct event_dictionary *out, uint32_t **maps)
{
    size_t total = 0;
    for (uint32_t k = 0; k < part_count; k++) total += parts[k].dictionaries[p].count;
    if (total == 0) return true;
    struct event_string *all = mem_alloc(total * sizeof *all);
    if (all == NULL) return false;
    size_t at = 0;
    for (uint32_t k = 0; k < part_count; k++)
        for (uint32_t v = 0; v < parts[k].dictionaries[p].count; v++) all[at++] = parts[k].dictionaries[p].values[v];
    qsort(all, total, sizeof *all, compare_string_entries);
    size_t unique = 0;
    for (size_t i = 0; i < total; i++)
        if (unique == 0 || compare_strings(&all[unique - 1], &all[i]) != 0) all[unique++] = all[i];
    struct event_dictionary merged = {.count = (uint32_t)unique, .values = all};
    bool ok = dictionary_copy(&merged, NULL, out, NULL);
    mem_free(all);
    if (!ok) return false;
    for (uint32_t k = 0; k < part_count; k++) {
        const struct event_dictionary *dictionary = &parts[k].dictionaries[p];
        maps[k] = mem_alloc((dictionary->count ? dictionary->count : 1) * sizeof *maps[k]);
        if (maps[k] == NULL) return false;
        for (uint32_t v = 0; v < dictionary->count; v++) {
            bool found;
            maps[k][v] = event_dictionary_lookup(out, dictionary->values[v].data,
                                                 dictionary->values[v].size, &found);
        }
    }
    return true;
}

enum pdb_status event_type_store_concat(struct event_type_store *parts, uint32_t part_count,
                                        const char *name, struct event_type_store *out,
                                        struct pdb_error *error)
{
    if (part_count == 1) {
        *out = parts[0];
        memset(&parts[0], 0, sizeof parts[0]);
        return PDB_OK;
    }
    enum pdb_status status = PDB_OK;
    struct event_type_store result = {0};
    uint32_t property_count = part_count ? parts[0].property_count : 0;
    /* maps[p * part_count + k]: part k's codes of property p (NULL: not a string property). */
    uint32_t **maps = mem_calloc((size_t)(property_count ? property_count : 1) * (part_count ? part_count : 1),
                                 sizeof *maps);
    uint32_t *part_maps[PDB_EVENT_PROPERTIES_MAX];
    bool needs_nulls[PDB_EVENT_PROPERTIES_MAX];
    if (maps == NULL || part_count == 0 || !type_header_init(&result, &parts[0])) goto no_memory;
    for (uint32_t p = 0; p < property_count; p++)
        if (is_string_type(result.property_types[p]) &&
            !merge_dictionaries(parts, part_count, p, &result.dictionaries[p], &maps[p * part_count]))
            goto no_memory;
    for (uint32_t k = 0; k < part_count; k++)
        if (parts[k].chunk_count > result.chunk_count) result.chunk_count = parts[k].chunk_count;
    result.chunks = mem_calloc(result.chunk_count ? result.chunk_count : 1, sizeof *result.chunks);
    if (result.chunks == NULL) goto no_memory;
    for (uint32_t c = 0; c < result.chunk_count; c++) {
        uint64_t events = 0;
        for (uint32_t p = 0; p < property_count; p++) needs_nulls[p] = false;
        for (uint32_t k = 0; k < part_count; k++) {
            if (c >= parts[k].chunk_count || parts[k].chunks[c].event_count == 0) continue;
            events += parts[k].chunks[c].event_count;
            for (uint32_t p = 0; p < property_count; p++) needs_nulls[p] |= parts[k].chunks[c].columns[p].nulls != NULL;
        }
        if (events == 0) continue;
        if (events > UINT32_MAX) {
            status = error_set(error, PDB_ERR_LIMIT, "%s: more than 2^32 events in profile chunk %u",
                               name, c);
            goto fail;
        }
        struct event_chunk *target = &result.chunks[c];
        if (!chunk_allocate(target, &result, (uint32_t)events, needs_nulls)) goto no_memory;
        uint32_t at = 0;
        for (uint32_t r = 0; r < PDB_CHUNK_ROWS; r++) {
            bool has_previous = false;
            int64_t previous = 0;
            for (uint32_t k = 0; k < part_count; k++) {
                if (c >= parts[k].chunk_count || parts[k].chunks[c].event_count == 0) continue;
                const struct event_chunk *chunk = &parts[k].chunks[c];
                uint32_t begin = chunk->offsets[r], n = chunk->offsets[r + 1] - begin;
                if (n == 0) continue;
                if (has_previous && chunk->timestamps[begin] < previous) {
                    status = error_set(error, PDB_ERR_CORRUPT, "%s: partitions overlap in time "
                                       "(profile %u)", name, c * PDB_CHUNK_ROWS + r);
                    goto fail;
                }
                for (uint32_t p = 0; p < property_count; p++) part_maps[p] = maps[p * part_count + k];
                copy_events(chunk, begin, target, at, n, property_count, part_maps);
                at += n;
                previous = chunk->timestamps[begin + n - 1];
                has_previous = true;
            }
            target->offsets[r + 1] = at;
        }
        chunk_summarise(target, property_count);
        for (uint32_t k = 0; k < part_count; k++) /* the part's chunk is no longer needed */
            if (c < parts[k].chunk_count) event_chunk_deinit(&parts[k].chunks[c], property_count);
    }
    type_summarise(&result);
    free_maps(maps, property_count * part_count);
    for (uint32_t k = 0; k < part_count; k++) event_type_store_deinit(&parts[k]);
    *out = result;
    return PDB_OK;
no_memory:
    status = error_set(error, PDB_ERR_NO_MEMORY, "%s: out of memory merging partitions", name);
fail:
    free_maps(maps, property_count * part_count);
    for (uint32_t k = 0; k < part_count; k++) event_type_store_deinit(&parts[k]);
    event_type_store_deinit(&result);
    return status;
}
