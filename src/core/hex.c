/* Hexadecimal, through OpenSSL's helpers with the checks they leave to us. */
#include "core/hex.h"

#include <ctype.h>

#include <openssl/crypto.h>

int hex_decode_exact(uint8_t *out, size_t out_len, const char *hex, size_t hex_len)
{
    if (out_len == 0 || hex_len != 2 * out_len)
        return 0;
    /* OPENSSL_hexstr2buf_ex reads up to a NUL: the string must end here. */
    for (size_t i = 0; i < hex_len; i++) {
        if (!isxdigit((unsigned char)hex[i]))
            return 0;
    }
    if (hex[hex_len] != '\0')
        return 0;
    size_t got = 0;
    return OPENSSL_hexstr2buf_ex(out, out_len, &got, hex, '\0') == 1 && got == out_len;
}

void hex_encode(char *out, const uint8_t *in, size_t len)
{
    size_t written = 0;
    if (len == 0 || OPENSSL_buf2hexstr_ex(out, 2 * len + 1, &written, in, len, '\0') != 1) {
        out[0] = '\0';
        return;
    }
    /* OpenSSL writes uppercase; verdicts and docs use lowercase. */
    for (size_t i = 0; i < 2 * len; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
}

const char *hex_show(hex_shown *shown, const uint8_t *in, size_t len)
{
    if (len > 64)
        len = 64; /* callers pass fixed report fields; never more than a chip id */
    hex_encode(shown->text, in, len);
    return shown->text;
}
