/*
 * Tests for base/utf8.c: valid text of every sequence length and each class of invalid byte.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "base/utf8.h"

static void valid(const char *text)
{
    cr_assert(utf8_validate(text, strlen(text), NULL), "rejected valid '%s'", text);
}

static void invalid_at(const char *text, size_t size, size_t offset)
{
    size_t bad = 999;
    cr_assert_not(utf8_validate(text, size, &bad), "accepted invalid input");
    cr_assert_eq(bad, offset);
}

Test(utf8, accepts_every_sequence_length)
{
    valid("");
    valid("plain ascii text that is longer than eight bytes");
    valid("José Müller Søren Zoë Łukasz Ærø straße");
    valid("\xe2\x82\xac euro, \xf0\x9f\x98\x80 emoji, \xef\xbf\xbf max BMP");
    valid("\xf4\x8f\xbf\xbf");
}

Test(utf8, rejects_with_offset)
{
    invalid_at("abc\x80", 4, 3);                     /* stray continuation */
    invalid_at("abcdefghij\xc3", 11, 10);            /* truncated at end */
    invalid_at("\xc0\xaf", 2, 0);                    /* overlong '/' */
    invalid_at("ab\xed\xa0\x80", 5, 2);              /* surrogate */
    invalid_at("\xf4\x90\x80\x80", 4, 0);            /* above U+10FFFF */
    invalid_at("x\xc3(", 3, 1);                      /* bad continuation */
    invalid_at("\xff", 1, 0);
}
