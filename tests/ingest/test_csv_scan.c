/*
 * Tests for ingest/csv_scan.h: the SWAR and SSE2 scanning kernels agree with the
 * byte-at-a-time references for every start offset and length over random buffers rich in
 * the special bytes, and never look past `end` (the buffers end exactly at a heap boundary
 * under AddressSanitizer).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv_scan.h"
#include "test_csv_helpers.h"

typedef const char *(*scan_fn)(const char *p, const char *end);

static void check_kernel(const char *name, scan_fn kernel, scan_fn reference, uint64_t *state)
{
    for (int round = 0; round < 200; round++) {
        size_t size = (size_t)random_below(state, 80);
        char *buffer = malloc(size == 0 ? 1 : size);
        cr_assert_not_null(buffer);
        /* Sparse or dense special bytes, so long runs and immediate hits both occur. */
        uint64_t density = 1 + random_below(state, 40);
        static const char specials[] = {',', '\n', '"', '\0', '\r'};
        for (size_t i = 0; i < size; i++) {
            buffer[i] = random_below(state, density) == 0
                            ? specials[random_below(state, sizeof specials)]
                            : (char)(0x20 + random_below(state, 0xe0));
            if (buffer[i] == '\x7f') buffer[i] = (char)0x80; /* also high bytes */
        }
        for (size_t start = 0; start <= size; start++) {
            for (size_t end = start; end <= size; end++) {
                const char *expected = reference(buffer + start, buffer + end);
                const char *found = kernel(buffer + start, buffer + end);
                cr_assert_eq(found, expected, "%s: start %zu end %zu: %td != %td", name, start,
                             end, found - buffer, expected - buffer);
            }
        }
        free(buffer);
    }
}

Test(csv_scan, swar_matches_scalar)
{
    uint64_t state = test_seed(11);
#if CSV_SCAN_HAS_SWAR
    check_kernel("unquoted_swar", csv_scan_unquoted_swar, csv_scan_unquoted_scalar, &state);
    check_kernel("quoted_swar", csv_scan_quoted_swar, csv_scan_quoted_scalar, &state);
#endif
}

Test(csv_scan, sse2_matches_scalar)
{
    uint64_t state = test_seed(12);
#if CSV_SCAN_HAS_SSE2
    check_kernel("unquoted_sse2", csv_scan_unquoted_sse2, csv_scan_unquoted_scalar, &state);
    check_kernel("quoted_sse2", csv_scan_quoted_sse2, csv_scan_quoted_scalar, &state);
#endif
}

Test(csv_scan, dispatched_matches_scalar)
{
    uint64_t state = test_seed(13);
    check_kernel("unquoted", csv_scan_unquoted, csv_scan_unquoted_scalar, &state);
    check_kernel("quoted", csv_scan_quoted, csv_scan_quoted_scalar, &state);
}

Test(csv_scan, equal_mask_is_exact_for_every_byte_pair)
{
    for (unsigned value = 0; value < 256; value++) {
        for (unsigned pattern = 0; pattern < 256; pattern++) {
            uint64_t word = CSV_SWAR_ONES * value;
            uint64_t mask = csv_swar_equal_mask(word, CSV_SWAR_ONES * pattern);
            uint64_t expected = value == pattern ? 0x8080808080808080ull : 0;
            cr_assert_eq(mask, expected, "value %u pattern %u", value, pattern);
        }
    }
    /* Mixed bytes in one word: only the equal ones are flagged. */
    uint64_t word = 0x2c00ff2c0a22802cull;
    cr_assert_eq(csv_swar_equal_mask(word, CSV_SWAR_ONES * ','), 0x8000008000000080ull);
}
