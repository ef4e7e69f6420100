/*
 * The two format rules (see rules.h; README.md, "Schema files", is the user's definition):
 *
 * phone -> E.164 "+<digits>". Spaces, tabs, '-', '.', '/' and parentheses are dropped; any
 * other character but digits and one leading '+' rejects. "+" or "00" starts an international
 * number. Any other number is national: it needs the rule's default country calling code
 * (phone(+44)), loses one leading trunk '0' (with +1: a leading '1' of 11 digits), and gets
 * the code in front. The result has 8 to 15 digits and does not start with 0.
 *
 * email: local@domain, practical rather than RFC 5322: exactly one '@'; the local part is
 * 1..64 bytes of letters, digits, !#$%&'*+/=?^_`{|}~- and '.', no leading, trailing or
 * doubled '.'; the domain is 1..253 bytes of at least two '.'-separated labels, each 1..63
 * bytes of letters, digits and '-', not starting or ending with '-'; the last label has at
 * least two bytes and is not all digits; the whole address is at most 254 bytes. Bytes >= 0x80
 * (UTF-8, already validated) count as letters on both sides (internationalised addresses).
 * No quoted local parts, comments or IP-literal domains.
 */
#include "catalog/rules.h"

#include <string.h>

const char *rules_phone_normalise(const char *data, size_t size, const char *default_country,
                                  char out[17], size_t *out_size)
{
    char digits[RULE_PHONE_DIGITS_MAX + 4];
    size_t count = 0; /* digits seen (only the first sizeof digits kept) */
    bool has_plus = false;
    for (size_t i = 0; i < size; i++) {
        char c = data[i];
        if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')')
            continue;
        if (c == '+') {
            if (count > 0 || has_plus) return "'+' after the start";
            has_plus = true;
            continue;
        }
        if (c < '0' || c > '9')
            return "only digits, a leading '+', spaces, '-', '.', '/' and parentheses may appear";
        if (count < sizeof digits) digits[count] = c;
        count++;
    }
    if (count == 0) return "no digits";
    const char *national = digits;
    size_t national_count = count;
    const char *country = "";
    if (has_plus) {
        /* digits already start with the country code */
    } else if (count >= 2 && digits[0] == '0' && digits[1] == '0') {
        national += 2, national_count -= 2;
    } else {
        if (default_country[0] == '\0')
            return "no country code: write +<code> or 00<code>, or declare phone(+<code>)";
        country = default_country;
        if (strcmp(country, "1") == 0 && national_count == 11 && national[0] == '1') {
            national++, national_count--;
        } else if (national[0] == '0') {
            national++, national_count--;
        }
    }
    size_t country_size = strlen(country);
    size_t total = country_size + national_count;
    if (total < RULE_PHONE_DIGITS_MIN || total > RULE_PHONE_DIGITS_MAX)
        return total < RULE_PHONE_DIGITS_MIN ? "fewer than 8 digits with the country code"
                                             : "more than 15 digits with the country code";
    if ((country_size > 0 ? country[0] : national[0]) == '0')
        return "the country code starts with 0";
    out[0] = '+';
    memcpy(out + 1, country, country_size);
    memcpy(out + 1 + country_size, national, national_count);
    *out_size = 1 + total;
    return NULL;
}

static bool is_local_byte(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80)
        return true;
    return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-.", c) != NULL;
}

static bool is_label_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c >= 0x80;
}

const char *rules_email_check(const char *data, size_t size)
{
    const char *at = memchr(data, '@', size);
    if (at == NULL) return "no '@'";
    if (memchr(at + 1, '@', size - (size_t)(at - data) - 1) != NULL) return "more than one '@'";
    if (size > RULE_EMAIL_SIZE_MAX) return "longer than 254 bytes";
    size_t local_size = (size_t)(at - data), domain_size = size - local_size - 1;
    const char *domain = at + 1;
    if (local_size == 0) return "nothing before '@'";
    if (local_size > RULE_EMAIL_LOCAL_SIZE_MAX) return "more than 64 bytes before '@'";
    for (size_t i = 0; i < local_size; i++) {
        unsigned char c = (unsigned char)data[i];
        if (!is_local_byte(c)) return "a character not allowed before '@'";
        if (c == '.' && (i == 0 || i + 1 == local_size || data[i - 1] == '.'))
            return "a '.' at the start or end of the local part, or two in a row";
    }
    if (domain_size == 0) return "nothing after '@'";
    if (domain_size > RULE_EMAIL_DOMAIN_SIZE_MAX) return "domain longer than 253 bytes";
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= domain_size; i++) {
        if (i < domain_size && domain[i] != '.') {
            if (!is_label_byte((unsigned char)domain[i]))
                return "a character not allowed in the domain";
            continue;
        }
        size_t label_size = i - start;
        if (label_size == 0) return "an empty domain label (a '.' at an end, or two in a row)";
        if (label_size > RULE_EMAIL_LABEL_SIZE_MAX) return "a domain label longer than 63 bytes";
        if (domain[start] == '-' || domain[i - 1] == '-')
            return "a domain label starts or ends with '-'";
        labels++;
        if (i == domain_size) {
            bool all_digits = true;
            for (size_t k = start; k < i; k++)
                all_digits &= domain[k] >= '0' && domain[k] <= '9';
            if (label_size < 2 || all_digits)
                return "the top-level domain is shorter than 2 or all digits";
        }
        start = i + 1;
    }
    if (labels < 2) return "the domain has no '.'";
    return NULL;
}
