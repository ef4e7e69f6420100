/*
 * Tests for engine/base/unicode.c: the allocation-free fold equals utf8proc_map (NFC +
 * full case folding) for valid UTF-8, falls back to ASCII tolower byte-wise otherwise, and
 * the expansion bound behind casefold_capacity holds for every Unicode code point; the NFC,
 * lower and upper transforms equal utf8proc's own (utf8proc_map NFC, utf8proc_tolower /
 * toupper per code point) and refuse invalid UTF-8.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/unicode.h"

static uint64_t test_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t encode(int32_t code_point, char *out)
{
    return (size_t)utf8proc_encode_char(code_point, (utf8proc_uint8_t *)out);
}

/* Folds with a buffer of exactly casefold_capacity(size) units (so ASan sees overruns). */
static char *fold_exact(const char *text, size_t size, size_t *folded_size)
{
    size_t capacity = casefold_capacity(size);
    int32_t *buffer = malloc(capacity * sizeof buffer[0]);
    const char *folded = casefold_into(text, size, buffer, capacity, folded_size);
    char *copy = malloc(*folded_size + 1);
    memcpy(copy, folded, *folded_size);
    copy[*folded_size] = '\0';
    free(buffer);
    return copy;
}

static void expect_same_as_utf8proc(const char *text, size_t size)
{
    utf8proc_uint8_t *reference = NULL;
    utf8proc_ssize_t length = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)size,
                                           &reference, CASEFOLD_OPTIONS);
    cr_assert_geq(length, 0);
    size_t folded_size;
    char *folded = fold_exact(text, size, &folded_size);
    cr_assert_eq(folded_size, (size_t)length);
    cr_assert_eq(memcmp(folded, reference, folded_size), 0);
    free(folded);
    free(reference);
}

static void expect_fold(const char *text, const char *expected)
{
    size_t folded_size;
    char *folded = fold_exact(text, strlen(text), &folded_size);
    cr_assert_eq(folded_size, strlen(expected), "fold of %s", text);
    cr_assert_eq(memcmp(folded, expected, folded_size), 0, "fold of %s", text);
    free(folded);
}

Test(casefold, expansion_bound_holds_for_every_code_point)
{
    for (int32_t code_point = 0; code_point <= 0x10FFFF; code_point++) {
        if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
        int32_t buffer[32];
        int boundclass = 0;
        utf8proc_ssize_t count =
            utf8proc_decompose_char(code_point, buffer, 32, CASEFOLD_OPTIONS, &boundclass);
        char bytes[4];
        size_t size = encode(code_point, bytes);
        cr_assert_leq((size_t)count * 2, size * 3, "U+%04X folds to %zd code points", code_point,
                      count);
    }
}

Test(casefold, matches_utf8proc_map_code_point_by_code_point)
{
    for (int32_t code_point = 1; code_point <= 0x10FFFF;
         code_point += code_point < 0x3000 ? 1 : 13) {
        if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
        char bytes[8] = "A";
        size_t size = 1 + encode(code_point, bytes + 1);
        expect_same_as_utf8proc(bytes, size);
    }
}

Test(casefold, matches_utf8proc_map_on_random_strings)
{
    uint64_t state = 99;
    static const int32_t interesting[] = {'A',    'z',     0xDF,   0x130, 0x1E9E, 0x3A3,
                                          0x301,  0x65,    0x1D5,  0x390, 0xFB03, 0x1F82,
                                          0xAC00, 0x1F600, 0x212A, 0x345, 0x399,  0x10400};
    char text[512];
    for (int round = 0; round < 2000; round++) {
        size_t size = 0;
        uint32_t length = (uint32_t)(test_random(&state) % 40);
        for (uint32_t i = 0; i < length; i++) {
            int32_t code_point = test_random(&state) % 3
                                     ? interesting[test_random(&state) %
                                                   (sizeof interesting / sizeof interesting[0])]
                                     : (int32_t)(test_random(&state) % 0x3000) + 1;
            if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point = 'x';
            size += encode(code_point, text + size);
        }
        expect_same_as_utf8proc(text, size);
    }
}

Test(casefold, known_folds)
{
    expect_fold("", "");
    expect_fold("Hello, World 123", "hello, world 123");
    expect_fold("Stra\xc3\x9f"
                "e",
                "strasse");
    expect_fold("STRASSE", "strasse");
    expect_fold("\xe1\xba\x9e", "ss");                  /* ẞ */
    expect_fold("CAFE\xcc\x81", "caf\xc3\xa9");         /* decomposed É -> composed é */
    expect_fold("\xc4\xb0stanbul", "i\xcc\x87stanbul"); /* İ -> i + combining dot */
    expect_fold("\xce\xa3\xce\x8a\xce\xa3", "\xcf\x83\xce\xaf\xcf\x83"); /* ΣΊΣ -> σίσ */
    expect_fold("\xe2\x84\xaa", "k");                                    /* KELVIN SIGN */
}

Test(casefold, invalid_utf8_folds_ascii_bytes_only)
{
    expect_fold("AB\xff"
                "C",
                "ab\xff"
                "c");
    expect_fold("\xc3", "\xc3");
    expect_fold("\xc3\x89\xff", "\xc3\x89\xff");   /* É kept: the value is not UTF-8 */
    expect_fold("\xed\xa0\x80X", "\xed\xa0\x80x"); /* an encoded surrogate */
    expect_fold("\xc0\xafZ", "\xc0\xafz");         /* an overlong encoding */
}

Test(casefold, worst_case_expansion_fits_the_capacity)
{
    size_t count = 5000;
    char *text = malloc(count * 2);
    for (size_t i = 0; i < count; i++)
        memcpy(text + 2 * i, "\xc7\x95", 2); /* U+01D5 */
    expect_same_as_utf8proc(text, count * 2);
    for (size_t i = 0; i < count; i++)
        memcpy(text + 2 * i, "\xce\x90", 2); /* U+0390 */
    expect_same_as_utf8proc(text, count * 2);
    free(text);
}

/* ---- unicode_transform_into --------------------------------------------------------------- */

static char *transform_exact(enum unicode_transform transform, const char *text, size_t size,
                             size_t *out_size)
{
    size_t capacity = casefold_capacity(size);
    int32_t *buffer = malloc(capacity * sizeof buffer[0]);
    const char *out = NULL;
    cr_assert(unicode_transform_into(transform, text, size, buffer, capacity, &out, out_size));
    char *copy = malloc(*out_size + 1);
    memcpy(copy, out, *out_size);
    copy[*out_size] = '\0';
    free(buffer);
    return copy;
}

/* The reference: utf8proc_map for NFC; decode, map each code point, encode for the cases. */
static char *transform_reference(enum unicode_transform transform, const char *text, size_t size,
                                 size_t *out_size)
{
    if (transform == UNICODE_NFC || transform == UNICODE_CASEFOLD) {
        utf8proc_uint8_t *reference = NULL;
        utf8proc_ssize_t length = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)size,
                                               &reference, transform == UNICODE_NFC ? NFC_OPTIONS
                                                                                    : CASEFOLD_OPTIONS);
        cr_assert_geq(length, 0);
        *out_size = (size_t)length;
        return (char *)reference;
    }
    char *out = malloc(4 * size + 1);
    size_t used = 0;
    for (size_t i = 0; i < size;) {
        utf8proc_int32_t code_point;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                                 (utf8proc_ssize_t)(size - i), &code_point);
        cr_assert_gt(step, 0);
        code_point = transform == UNICODE_LOWER ? utf8proc_tolower(code_point) : utf8proc_toupper(code_point);
        used += (size_t)utf8proc_encode_char(code_point, (utf8proc_uint8_t *)out + used);
        i += (size_t)step;
    }
    *out_size = used;
    return out;
}

static void expect_transform_as_reference(enum unicode_transform transform, const char *text, size_t size)
{
    size_t got_size, want_size;
    char *got = transform_exact(transform, text, size, &got_size);
    char *want = transform_reference(transform, text, size, &want_size);
    cr_assert_eq(got_size, want_size, "transform %d of %.*s", (int)transform, (int)size, text);
    cr_assert_eq(memcmp(got, want, got_size), 0, "transform %d of %.*s", (int)transform, (int)size, text);
    free(got);
    free(want);
}

static void expect_transform(enum unicode_transform transform, const char *text, const char *expected)
{
    size_t size;
    char *out = transform_exact(transform, text, strlen(text), &size);
    cr_assert_eq(size, strlen(expected), "transform %d of %s: got %.*s", (int)transform, text, (int)size, out);
    cr_assert_eq(memcmp(out, expected, size), 0, "transform %d of %s", (int)transform, text);
    free(out);
}

Test(unicode_transform, nfc_expansion_bound_holds_for_every_code_point)
{
    for (int32_t code_point = 0; code_point <= 0x10FFFF; code_point++) {
        if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
        int32_t buffer[32];
        int boundclass = 0;
        utf8proc_ssize_t count = utf8proc_decompose_char(code_point, buffer, 32, NFC_OPTIONS, &boundclass);
        char bytes[4];
        size_t size = encode(code_point, bytes);
        cr_assert_leq((size_t)count * 2, size * 3, "U+%04X decomposes to %zd code points", code_point, count);
    }
}

Test(unicode_transform, known_values)
{
    expect_transform(UNICODE_NFC, "", "");
    expect_transform(UNICODE_NFC, "Cafe\xcc\x81", "Caf\xc3\xa9");       /* e + U+0301 -> é */
    expect_transform(UNICODE_NFC, "Caf\xc3\xa9", "Caf\xc3\xa9");         /* already NFC */
    expect_transform(UNICODE_NFC, "\xe2\x84\xab", "\xc3\x85");            /* ANGSTROM SIGN -> Å */
    expect_transform(UNICODE_NFC, "ABC", "ABC");
    expect_transform(UNICODE_LOWER, "M\xc3\x9cLLER Stra\xc3\x9f" "e", "m\xc3\xbcller stra\xc3\x9f" "e");
    expect_transform(UNICODE_UPPER, "m\xc3\xbcller strasse", "M\xc3\x9cLLER STRASSE");
    expect_transform(UNICODE_UPPER, "Gb", "GB");
    expect_transform(UNICODE_LOWER, "\xce\xa3\xce\x9f\xce\xa6", "\xcf\x83\xce\xbf\xcf\x86"); /* ΣΟΦ */
    expect_transform(UNICODE_CASEFOLD, "Stra\xc3\x9f" "E", "strasse");
}

Test(unicode_transform, matches_utf8proc_on_random_strings)
{
    uint64_t state = 7;
    static const int32_t interesting[] = {'A', 'z', 0xDF, 0x130, 0x1E9E, 0x3A3, 0x301, 0x65, 0x1D5,
                                          0x390, 0xFB03, 0x1F82, 0xAC00, 0x1100, 0x1161, 0x212B,
                                          0x23A, 0x2C65, 0x10400, 0x958};
    char text[512];
    for (int round = 0; round < 2000; round++) {
        size_t size = 0;
        uint32_t length = (uint32_t)(test_random(&state) % 40);
        for (uint32_t i = 0; i < length; i++) {
            int32_t code_point = test_random(&state) % 3
                                     ? interesting[test_random(&state) % (sizeof interesting / sizeof interesting[0])]
                                     : (int32_t)(test_random(&state) % 0x3000) + 1;
            if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point = 'x';
            size += encode(code_point, text + size);
        }
        for (int transform = UNICODE_NFC; transform <= UNICODE_CASEFOLD; transform++)
            expect_transform_as_reference((enum unicode_transform)transform, text, size);
    }
}

Test(unicode_transform, refuses_invalid_utf8_and_leaves_outputs)
{
    int32_t buffer[64];
    const char *out = (const char *)1;
    size_t out_size = 77;
    cr_assert_not(unicode_transform_into(UNICODE_NFC, "A\xff", 2, buffer, 64, &out, &out_size));
    cr_assert_not(unicode_transform_into(UNICODE_UPPER, "\xc3", 1, buffer, 64, &out, &out_size));
    cr_assert_eq(out, (const char *)1);
    cr_assert_eq(out_size, 77u);
}
