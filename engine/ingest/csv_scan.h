/*
 * Byte-class scanning kernels of the CSV reader (csv_reader.c), inline for its hot loop.
 *
 * csv_scan_unquoted finds the first byte in [p, end) that ends or breaks an unquoted field
 * (',' '\n' '"' NUL); csv_scan_quoted the first that matters inside quotes ('"' '\n' NUL).
 * Both return `end` when there is none and never read outside [p, end).
 *
 * Each has a byte-at-a-time reference (_scalar), a portable 8-bytes-per-step SWAR version
 * (_swar) and a 16-bytes-per-step SSE2 version (_sse2, x86-64 baseline, so no extra compile
 * flags); the unsuffixed name picks the best available at compile time. Tests check that all
 * variants agree (tests/ingest/test_csv_scan.c).
 */
#ifndef PDB_INGEST_CSV_SCAN_H
#define PDB_INGEST_CSV_SCAN_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define CSV_SCAN_HAS_SSE2 1
#else
#define CSV_SCAN_HAS_SSE2 0
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CSV_SCAN_HAS_SWAR 1
#else
#define CSV_SCAN_HAS_SWAR 0
#endif

/* ---- Byte-at-a-time references ------------------------------------------------------- */

static inline const char *csv_scan_unquoted_scalar(const char *p, const char *end)
{
    for (; p < end; p++) {
        char c = *p;
        if (c == ',' || c == '\n' || c == '"' || c == '\0') return p;
    }
    return end;
}

static inline const char *csv_scan_quoted_scalar(const char *p, const char *end)
{
    for (; p < end; p++) {
        char c = *p;
        if (c == '"' || c == '\n' || c == '\0') return p;
    }
    return end;
}

/* ---- SWAR: 8 bytes per step ---------------------------------------------------------- */

#define CSV_SWAR_ONES 0x0101010101010101ull
#define CSV_SWAR_LOW7 0x7f7f7f7f7f7f7f7full

/* 0x80 in every byte of `word` equal to the byte repeated in `pattern`, 0 elsewhere. Exact
 * (no carries between bytes): (b & 0x7f) + 0x7f sets the high bit unless b == 0. */
static inline uint64_t csv_swar_equal_mask(uint64_t word, uint64_t pattern)
{
    uint64_t v = word ^ pattern;
    return ~(((v & CSV_SWAR_LOW7) + CSV_SWAR_LOW7) | v | CSV_SWAR_LOW7);
}

#if CSV_SCAN_HAS_SWAR
static inline const char *csv_scan_unquoted_swar(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        uint64_t mask = csv_swar_equal_mask(word, CSV_SWAR_ONES * ',') |
                        csv_swar_equal_mask(word, CSV_SWAR_ONES * '\n') |
                        csv_swar_equal_mask(word, CSV_SWAR_ONES * '"') |
                        csv_swar_equal_mask(word, 0);
        if (mask != 0) return p + (__builtin_ctzll(mask) >> 3);
        p += 8;
    }
    return csv_scan_unquoted_scalar(p, end);
}

static inline const char *csv_scan_quoted_swar(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        uint64_t mask = csv_swar_equal_mask(word, CSV_SWAR_ONES * '"') |
                        csv_swar_equal_mask(word, CSV_SWAR_ONES * '\n') |
                        csv_swar_equal_mask(word, 0);
        if (mask != 0) return p + (__builtin_ctzll(mask) >> 3);
        p += 8;
    }
    return csv_scan_quoted_scalar(p, end);
}
#endif

/* ---- SSE2: 16 bytes per step --------------------------------------------------------- */

#if CSV_SCAN_HAS_SSE2
static inline const char *csv_scan_unquoted_sse2(const char *p, const char *end)
{
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i zero = _mm_setzero_si128();
    while (end - p >= 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, newline)),
            _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, zero)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hits);
        if (mask != 0) return p + __builtin_ctz(mask);
        p += 16;
    }
#if CSV_SCAN_HAS_SWAR
    return csv_scan_unquoted_swar(p, end);
#else
    return csv_scan_unquoted_scalar(p, end);
#endif
}

static inline const char *csv_scan_quoted_sse2(const char *p, const char *end)
{
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i zero = _mm_setzero_si128();
    while (end - p >= 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(bytes, quote),
                                    _mm_or_si128(_mm_cmpeq_epi8(bytes, newline),
                                                 _mm_cmpeq_epi8(bytes, zero)));
        unsigned mask = (unsigned)_mm_movemask_epi8(hits);
        if (mask != 0) return p + __builtin_ctz(mask);
        p += 16;
    }
#if CSV_SCAN_HAS_SWAR
    return csv_scan_quoted_swar(p, end);
#else
    return csv_scan_quoted_scalar(p, end);
#endif
}
#endif

/* ---- The variant the reader uses ----------------------------------------------------- */

static inline const char *csv_scan_unquoted(const char *p, const char *end)
{
#if CSV_SCAN_HAS_SSE2
    return csv_scan_unquoted_sse2(p, end);
#elif CSV_SCAN_HAS_SWAR
    return csv_scan_unquoted_swar(p, end);
#else
    return csv_scan_unquoted_scalar(p, end);
#endif
}

static inline const char *csv_scan_quoted(const char *p, const char *end)
{
#if CSV_SCAN_HAS_SSE2
    return csv_scan_quoted_sse2(p, end);
#elif CSV_SCAN_HAS_SWAR
    return csv_scan_quoted_swar(p, end);
#else
    return csv_scan_quoted_scalar(p, end);
#endif
}

#endif
