/*
 * Strict base64 on top of OpenSSL's EVP_DecodeBlock/EVP_EncodeBlock.
 *
 * EVP_DecodeBlock alone is lenient: it trims whitespace and returns padding
 * as zero bytes. We first check the shape (length, alphabet, where '=' may
 * stand), let OpenSSL decode, drop the padding bytes, and finally encode the
 * result again: only the canonical spelling survives that round trip, which
 * also rejects non-zero unused bits ("QR==" for the byte 'A').
 */
#include "core/base64.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/error.h"

static int in_alphabet(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || c == '+' || c == '/';
}

size_t base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

/* Number of '=' at the end when the shape is right, else -1. */
static int check_shape(const char *in, size_t len)
{
    if (len % 4 != 0)
        return -1;
    size_t pad = 0;
    while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++) {
        if (!in_alphabet((unsigned char)in[i]))
            return -1;
    }
    return (int)pad;
}

confai_status base64_decode(uint8_t **out, size_t *out_len, const char *in,
                            size_t in_len, confai_status bad,
                            const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *buf = NULL;
    char *again = NULL;
    size_t n = 0;

    *out = NULL;
    *out_len = 0;
    ENSURE(in_len <= BASE64_MAX_INPUT, CONFAI_E_LIMIT, "%s: base64 too long", what);
    int pad = check_shape(in, in_len);
    ENSURE(pad >= 0, bad, "%s: not canonical base64 (length, alphabet or padding)", what);
    if (in_len == 0)
        goto out;

    buf = OPENSSL_malloc(in_len / 4 * 3);
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", what);
    int got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)in_len);
    ENSURE(got >= pad, bad, "%s: not valid base64", what);
    n = (size_t)got - (size_t)pad;

    GUARD(base64_encode(&again, buf, n, err));
    ENSURE(strlen(again) == in_len && memcmp(again, in, in_len) == 0, bad,
           "%s: not canonical base64 (unused bits set)", what);
    *out = buf;
    *out_len = n;
    buf = NULL;
out:
    OPENSSL_clear_free(buf, in_len / 4 * 3);
    OPENSSL_free(again);
    return status;
}

confai_status base64_encode(char **out, const uint8_t *in, size_t len,
                            confai_error *err)
{
    confai_status status = CONFAI_OK;
    *out = NULL;
    ENSURE(len <= BASE64_MAX_INPUT / 4 * 3, CONFAI_E_LIMIT, "base64: input too long");
    size_t n = base64_encoded_len(len);
    char *s = OPENSSL_malloc(n + 1);
    ENSURE(s != NULL, CONFAI_E_NO_MEMORY, "base64: out of memory");
    int wrote = len ? EVP_EncodeBlock((unsigned char *)s, in, (int)len) : 0;
    s[wrote] = '\0';
    *out = s;
out:
    return status;
}

/* --- base64url (RFC 4648 section 5, unpadded) ------------------------------ */

confai_status base64url_decode(uint8_t **out, size_t *out_len, const char *in,
                               size_t in_len, confai_status bad,
                               const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *std = NULL;
    size_t std_len = 0;

    *out = NULL;
    *out_len = 0;
    ENSURE(in_len <= BASE64_MAX_INPUT - 3, CONFAI_E_LIMIT, "%s: base64url too long", what);
    /* A single character left over carries fewer than 8 bits: never valid. */
    ENSURE(in_len % 4 != 1, bad, "%s: not base64url (length)", what);
    std_len = (in_len + 3) / 4 * 4;
    std = OPENSSL_malloc(std_len + 1);
    ENSURE(std != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", what);
    for (size_t i = 0; i < in_len; i++) {
        char c = in[i];
        ENSURE(c != '+' && c != '/' && c != '=', bad,
               "%s: not base64url (standard alphabet or padding)", what);
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    for (size_t i = in_len; i < std_len; i++)
        std[i] = '=';
    std[std_len] = '\0';
    GUARD(base64_decode(out, out_len, std, std_len, bad, what, err));
out:
    OPENSSL_clear_free(std, std_len + 1);
    return status;
}

confai_status base64url_encode(char **out, const uint8_t *in, size_t len,
                               confai_error *err)
{
    confai_status status = base64_encode(out, in, len, err);
    if (status != CONFAI_OK)
        return status;
    char *s = *out;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '=')
        s[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    return CONFAI_OK;
}
