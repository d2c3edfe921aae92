/*
 * What Binary HTTP accepts in control data and field lines. RFC 9292 section
 * 3.3 points to HTTP/2 for control data, section 3.6 to RFC 9110 section 5.1
 * for field names and to RFC 9113 section 8.2.1 for values. The builder and
 * the decoder use the same rules, so nothing is encoded that would not
 * decode.
 */
#include "seal/bhttp.h"

#include <string.h>

/* tchar of RFC 9110 section 5.6.2, uppercase letters included. */
static int is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const char *bhttp_method_problem(const uint8_t *s, size_t len)
{
    if (len == 0)
        return "empty method";
    for (size_t i = 0; i < len; i++)
        if (!is_tchar(s[i]))
            return "method is not a token";
    return NULL;
}

const char *bhttp_scheme_problem(const uint8_t *s, size_t len)
{
    if (len == 0)
        return NULL; /* CONNECT requests have none */
    if (!is_alpha(s[0]))
        return "scheme does not start with a letter";
    for (size_t i = 1; i < len; i++)
        if (!is_alpha(s[i]) && !(s[i] >= '0' && s[i] <= '9') &&
            s[i] != '+' && s[i] != '-' && s[i] != '.')
            return "invalid character in scheme";
    return NULL;
}

const char *bhttp_target_problem(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return "authority or path contains a byte that is not visible ASCII";
    return NULL;
}

/* Pseudo-fields whose meaning Binary HTTP carries in control data. */
static int is_reserved_pseudo(const uint8_t *s, size_t len)
{
    static const char *const reserved[] = { ":method", ":scheme", ":authority",
                                            ":path", ":status" };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], s, len) == 0)
            return 1;
    return 0;
}

const char *bhttp_name_problem(const uint8_t *s, size_t len,
                               const bhttp_fields *fields, int trailers,
                               int *is_pseudo)
{
    size_t start = 0;
    *is_pseudo = len > 0 && s[0] == ':';
    if (*is_pseudo) {
        if (trailers)
            return "pseudo-field in a trailer section";
        if (fields->has_regular)
            return "pseudo-field after a regular field";
        if (is_reserved_pseudo(s, len))
            return "pseudo-field that control data replaces";
        start = 1;
    }
    if (len == start)
        return "empty field name";
    for (size_t i = start; i < len; i++) {
        if (s[i] >= 'A' && s[i] <= 'Z')
            return "uppercase letter in field name";
        if (!is_tchar(s[i]))
            return "invalid character in field name";
    }
    return NULL;
}

const char *bhttp_value_problem(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == 0 || s[i] == '\r' || s[i] == '\n')
            return "NUL, CR or LF in field value";
    if (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
                    s[len - 1] == '\t'))
        return "field value starts or ends with whitespace";
    return NULL;
}
