/*
 * What the text kernels of the SIMD levels share (text_avx2.c, text_avx512.c): plain C with
 * no instruction-set flags, inlined into each level's file.
 *
 * Fixed-offset tests (STARTS WITH, ENDS WITH) compare the pattern's first and last 8 bytes as
 * two unaligned 64-bit loads at the value's start (or end - pattern size); patterns over 16
 * bytes compare the middle with memcmp once both ends agree. A value shorter than the pattern
 * reads the pattern itself (or 8 zero bytes) instead, so nothing outside it is touched; with a
 * pattern under 8 bytes the load runs up to 8 bytes past the value, so the rows whose end is
 * within 8 bytes of the blob's end take the memcmp path (text_fixed_fast_rows).
 *
 * Substring search (CONTAINS) hands the levels' candidate masks (bit k: the pattern's first
 * and last bytes occur at position p + k) to text_search_block, which checks the middle,
 * maps the position to its row by walking forward over the offsets (positions only grow; a
 * level may define TEXT_ROW_OF to compare many offsets per step, then gallop with text_row_of),
 * rejects a match that crosses the row's end, and skips the rest of a row once it is decided.
 */
#ifndef PDB_SIMD_TEXT_COMMON_H
#define PDB_SIMD_TEXT_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t text_load64(const char *p)
{
    uint64_t value;
    memcpy(&value, p, sizeof value);
    return value;
}

static inline uint32_t text_word_count(uint32_t count)
{
    return (count + 63u) / 64u;
}

/* Every bit below count set, the rest of the last word 0. */
static inline void text_bits_all(uint32_t count, uint64_t *out)
{
    for (uint32_t w = 0; w < count / 64u; w++)
        out[w] = ~0ull;
    if (count % 64u) out[count / 64u] = (1ull << (count % 64u)) - 1u;
}

static inline void text_bits_none(uint32_t count, uint64_t *out)
{
    memset(out, 0, (size_t)text_word_count(count) * sizeof out[0]);
}

/* ---- Fixed-offset tests ------------------------------------------------------------------ */

struct text_fixed {
    const char *pattern;
    uint32_t size;        /* pattern bytes, > 0 */
    bool is_ends;         /* compare at the end of the value */
    uint64_t head, tail;  /* pattern[0 .. 8) zero-padded; pattern[size - 8 .. size) or head */
    uint64_t mask;        /* the bytes of a load that count: the first min(size, 8) */
    uint32_t tail_offset; /* size - 8 when size >= 8, else 0 */
    const char *stand_in; /* read for values shorter than the pattern */
    char zeros[8];
};

static inline void text_fixed_init(struct text_fixed *fixed, const char *pattern, uint32_t size,
                                   bool is_ends)
{
    char head[8] = {0};
    memcpy(head, pattern, size < 8u ? size : 8u);
    fixed->pattern = pattern;
    fixed->size = size;
    fixed->is_ends = is_ends;
    fixed->head = text_load64(head);
    fixed->mask = size >= 8u ? ~0ull : (1ull << (8u * size)) - 1u;
    fixed->tail_offset = size >= 8u ? size - 8u : 0u;
    fixed->tail = size >= 8u ? text_load64(pattern + size - 8u) : fixed->head;
    memset(fixed->zeros, 0, sizeof fixed->zeros);
    fixed->stand_in = size >= 8u ? pattern : fixed->zeros;
}

/* Rows [0, result) may use text_fixed_row_fast: their 8-byte loads stay below the blob's end. */
static inline uint32_t text_fixed_fast_rows(const struct text_fixed *fixed, const uint32_t *offsets,
                                            uint32_t count)
{
    if (fixed->size >= 8u) return count;
    uint64_t blob_end = offsets[count];
    uint32_t rows = count;
    while (rows > 0 && (uint64_t)offsets[rows] + 8u > blob_end)
        rows--;
    return rows;
}

/* Where the pattern would sit in bytes[start .. end), or the stand-in when it is too short. */
static inline const char *text_fixed_subject(const struct text_fixed *fixed, const char *bytes,
                                             uint32_t start, uint32_t end, bool *fits)
{
    *fits = end - start >= fixed->size;
    uint32_t at = fixed->is_ends ? end - fixed->size : start;
    return *fits ? bytes + at : fixed->stand_in;
}

/* Whether the pattern's middle (beyond the two compared 8-byte ends) matches too. */
static inline bool text_fixed_middle(const struct text_fixed *fixed, const char *subject)
{
    return fixed->size <= 16u || memcmp(subject + 8, fixed->pattern + 8, fixed->size - 16u) == 0;
}

/* Whether the pattern's first and last 8 bytes match (all of it, up to 16 bytes), without
 * branches: the caller checks the middle of longer patterns (text_fixed_middle_inplace). */
static inline uint64_t text_fixed_row_ends(const struct text_fixed *fixed, const char *bytes,
                                           uint32_t start, uint32_t end)
{
    bool fits;
    const char *subject = text_fixed_subject(fixed, bytes, start, end, &fits);
    uint64_t head = text_load64(subject) ^ fixed->head;
    uint64_t tail = text_load64(subject + fixed->tail_offset) ^ fixed->tail;
    return (uint64_t)fits & (uint64_t)(((head | tail) & fixed->mask) == 0);
}

static inline uint64_t text_fixed_row_exact(const struct text_fixed *fixed, const char *bytes,
                                            uint32_t start, uint32_t end)
{
    bool fits;
    const char *subject = text_fixed_subject(fixed, bytes, start, end, &fits);
    return fits && memcmp(subject, fixed->pattern, fixed->size) == 0;
}

/* Clears the bits of `word` (rows from `first`) whose middle bytes differ: patterns over 16
 * bytes only, and only rows whose ends matched. */
static inline uint64_t text_fixed_middle_inplace(const struct text_fixed *fixed, const char *bytes,
                                                 const uint32_t *offsets, uint32_t first,
                                                 uint64_t word)
{
    if (fixed->size <= 16u) return word;
    for (uint64_t bits = word; bits; bits &= bits - 1u) {
        uint32_t k = (uint32_t)__builtin_ctzll(bits);
        bool fits;
        const char *subject =
            text_fixed_subject(fixed, bytes, offsets[first + k], offsets[first + k + 1], &fits);
        if (!text_fixed_middle(fixed, subject)) word &= ~(1ull << k);
    }
    return word;
}

/* One word of rows [first, first + rows), rows <= 64, choosing the safe test per row. */
static inline uint64_t text_fixed_word(const struct text_fixed *fixed, const char *bytes,
                                       const uint32_t *offsets, uint32_t first, uint32_t rows,
                                       uint32_t fast_rows)
{
    uint64_t word = 0;
    if (rows == 64u && first + 64u <= fast_rows) {
        for (uint32_t k = 0; k < 64u; k++)
            word |= text_fixed_row_ends(fixed, bytes, offsets[first + k], offsets[first + k + 1])
                    << k;
        return text_fixed_middle_inplace(fixed, bytes, offsets, first, word);
    }
    for (uint32_t k = 0; k < rows; k++) {
        uint32_t row = first + k;
        word |= text_fixed_row_exact(fixed, bytes, offsets[row], offsets[row + 1]) << k;
    }
    return word;
}


/* The largest blob whose byte offsets a 32-bit gather index holds. */
#define TEXT_GATHER_BLOB_BYTES_MAX ((uint64_t)INT32_MAX)

/* One gathering step of a level: the bits of rows [first, first + rows_per_group) whose first
 * and last 8 pattern bytes match (all rows below the fast limit); text_fixed_scan checks the
 * middles of longer patterns once per word. */
typedef uint64_t (*text_fixed_group_fn)(const struct text_fixed *fixed, const char *bytes,
                                        const uint32_t *offsets, uint32_t first);

/* STARTS WITH (is_ends false) or ENDS WITH over a chunk, the loop every gathering level
 * shares: whole words of rows that are safe to gather go through `group`, rows_per_group (a
 * divisor of 64) at a time; the rest, and blobs too large to gather, through text_fixed_word.
 * Always inlined, so `group` is compiled with the calling file's instruction set. */
static inline __attribute__((always_inline)) void
text_fixed_scan(const char *bytes, const uint32_t *offsets, uint32_t count, const char *pattern,
                uint32_t pattern_size, bool is_ends, text_fixed_group_fn group,
                uint32_t rows_per_group, uint64_t *out)
{
    if (pattern_size == 0) {
        text_bits_all(count, out);
        return;
    }
    struct text_fixed fixed;
    text_fixed_init(&fixed, pattern, pattern_size, is_ends);
    uint32_t fast_rows = text_fixed_fast_rows(&fixed, offsets, count);
    bool can_gather = offsets[count] <= TEXT_GATHER_BLOB_BYTES_MAX;
    for (uint32_t word = 0; word * 64u < count; word++) {
        uint32_t first = word * 64u;
        uint32_t rows = count - first < 64u ? count - first : 64u;
        if (!can_gather || rows < 64u || first + 64u > fast_rows) {
            out[word] = text_fixed_word(&fixed, bytes, offsets, first, rows, fast_rows);
            continue;
        }
        uint64_t bits = 0;
        for (uint32_t group_first = 0; group_first < 64u; group_first += rows_per_group)
            bits |= group(&fixed, bytes, offsets, first + group_first) << group_first;
        out[word] = text_fixed_middle_inplace(&fixed, bytes, offsets, first, bits);
    }
}

/* ---- Substring search ------------------------------------------------------------------- */

struct text_search {
    const char *bytes;
    const uint32_t *offsets;
    uint32_t count;
    const char *pattern;
    uint32_t size;            /* > 0 */
    uint32_t row;             /* offsets[row] <= every position still to come */
    uint64_t *out;            /* zeroed first; bits are set as rows match */
    uint64_t head, head_mask; /* the pattern's first min(size, 8) bytes, as text_fixed */
};

/* The row r >= from with offsets[r] <= position < offsets[r + 1], given offsets[from] <=
 * position < offsets[count]: an exponential then a binary search. */
static inline uint32_t text_row_of(const uint32_t *offsets, uint32_t from, uint32_t count,
                                   uint64_t position)
{
    if (position < offsets[from + 1]) return from;
    uint32_t low = from + 1, step = 1; /* offsets[low] <= position */
    while (low + step < count && offsets[low + step] <= position) {
        low += step;
        step *= 2u;
    }
    uint32_t high = low + step < count ? low + step : count; /* offsets[high] > position */
    while (high - low > 1u) {
        uint32_t middle = low + (high - low) / 2u;
        if (offsets[middle] <= position)
            low = middle;
        else
            high = middle;
    }
    return low;
}

#ifndef TEXT_ROW_OF
#define TEXT_ROW_OF text_row_of
#endif

/* Whether the pattern occurs at `position` (its first and last bytes are known to). */
static inline bool text_search_verify(const struct text_search *search, uint64_t position)
{
    if (search->size <= 2u) return true;
    const char *at = search->bytes + position;
    uint64_t end = search->offsets[search->count];
    if (position + 8u <= end) {
        if (((text_load64(at) ^ search->head) & search->head_mask) != 0) return false;
        if (search->size <= 8u) return true;
    }
    return memcmp(at + 1, search->pattern + 1, search->size - 2u) == 0;
}

/* Handles the candidates of the 64 positions from `block` (bit k = position block + k).
 * Returns the next position worth scanning: block + 64, or further when a row that reaches
 * past the block was decided. */
static inline uint64_t text_search_block(struct text_search *search, uint64_t block,
                                         uint64_t candidates)
{
    uint64_t next = block + 64u;
    while (candidates) {
        uint64_t position = block + (uint64_t)__builtin_ctzll(candidates);
        candidates &= candidates - 1u;
        if (!text_search_verify(search, position)) continue;
        uint32_t row = TEXT_ROW_OF(search->offsets, search->row, search->count, position);
        search->row = row;
        uint64_t row_end = search->offsets[row + 1];
        if (position + search->size <= row_end) search->out[row / 64u] |= 1ull << (row % 64u);
        /* Later positions of this row either match the decided row or cross its end. */
        if (row_end >= next) return row_end;
        candidates &= ~0ull << (row_end - block);
    }
    return next;
}

/* Candidates among the `positions` (< 64) positions from `block`, byte by byte. */
static inline uint64_t text_search_tail(const struct text_search *search, uint64_t block,
                                        uint64_t positions)
{
    const char *at = search->bytes + block;
    char first = search->pattern[0], last = search->pattern[search->size - 1u];
    uint64_t candidates = 0;
    for (uint64_t k = 0; k < positions; k++)
        candidates |= (uint64_t)((at[k] == first) & (at[k + search->size - 1u] == last)) << k;
    return candidates;
}

/* Sets up a search and zeroes out; false when no row can match (no candidates to look for). */
static inline bool text_search_init(struct text_search *search, const char *bytes,
                                    const uint32_t *offsets, uint32_t count, const char *pattern,
                                    uint32_t size, uint64_t *out)
{
    text_bits_none(count, out);
    char head[8] = {0};
    memcpy(head, pattern, size < 8u ? size : 8u);
    *search = (struct text_search){bytes,
                                   offsets,
                                   count,
                                   pattern,
                                   size,
                                   0,
                                   out,
                                   text_load64(head),
                                   size >= 8u ? ~0ull : (1ull << (8u * size)) - 1u};
    return count > 0 && offsets[count] - offsets[0] >= size;
}

#endif
