/* The caller's route, media type and attestation nonce (request_parse.h). */
#include "request_parse.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

gw_route gw_route_of(const char *path, int allow_rotate, int plaintext_bench)
{
    if (strcmp(path, "/v1/attestation") == 0)
        return GW_ROUTE_ATTEST;
    if (strcmp(path, "/v1/sealed") == 0)
        return GW_ROUTE_SEALED;
    if (strcmp(path, "/v1/admin/rotate") == 0 && allow_rotate)
        return GW_ROUTE_ROTATE;
    if (strncmp(path, "/plain/", 7) == 0 && plaintext_bench)
        return GW_ROUTE_PLAIN;
    return GW_ROUTE_NONE;
}

void gw_media_type(char *out, size_t cap, const char *header)
{
    size_t n = 0;
    if (cap == 0)
        return;
    if (header != NULL)
        for (; header[n] != '\0' && header[n] != ';' && n + 1 < cap; n++)
            out[n] = (char)tolower((unsigned char)header[n]);
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
}

char *gw_base64_encode(const uint8_t *data, size_t len)
{
    if (len > (size_t)INT_MAX / 4 * 3 - 3)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out != NULL)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len); /* NUL-terminates */
    return out;
}

/* The standard alphabet in ASCII, whatever the locale says a letter is. */
static int base64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int gw_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in, size_t len)
{
    /* EVP_DecodeBlock skips blanks and decodes padding as zero bytes: the
     * shape is checked first and the result must encode back to the input. */
    if (len % 4 != 0 || len > (size_t)INT_MAX)
        return -1;
    size_t pad = 0;
    while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++)
        if (!base64_char((unsigned char)in[i]))
            return -1;
    size_t max = len / 4 * 3;
    if (max - pad > out_cap)
        return -1;
    uint8_t *bytes = malloc(max + 1);
    char *again = malloc(len + 1);
    int got = bytes != NULL && again != NULL
                  ? EVP_DecodeBlock(bytes, (const unsigned char *)in, (int)len)
                  : -1;
    int ok = got >= 0 && (size_t)got == max &&
             EVP_EncodeBlock((unsigned char *)again, bytes, got - (int)pad) == (int)len &&
             memcmp(again, in, len) == 0;
    if (ok) {
        memcpy(out, bytes, max - pad);
        *out_len = max - pad;
    }
    OPENSSL_clear_free(bytes, max + 1);
    free(again);
    return ok ? 0 : -1;
}

int gw_attestation_nonce(const uint8_t *body, size_t len, uint8_t nonce[GW_NONCE_SIZE])
{
    /* NUL-terminated, so that cJSON can refuse bytes after the document;
     * a NUL inside would end the text early */
    char *text = len > 0 && len < SIZE_MAX && memchr(body, '\0', len) == NULL
                     ? malloc(len + 1)
                     : NULL;
    cJSON *doc = NULL;
    if (text != NULL) {
        memcpy(text, body, len);
        text[len] = '\0';
        doc = cJSON_ParseWithOpts(text, NULL, 1);
        free(text);
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "nonce");
    /* decoded aside, so that a refused body leaves nonce as it was */
    uint8_t decoded[GW_NONCE_SIZE];
    size_t decoded_len = 0;
    int ok = cJSON_IsObject(doc) && cJSON_IsString(n) &&
             gw_base64_decode(decoded, sizeof(decoded), &decoded_len, n->valuestring,
                              strlen(n->valuestring)) == 0 &&
             decoded_len == GW_NONCE_SIZE;
    if (ok)
        memcpy(nonce, decoded, GW_NONCE_SIZE);
    cJSON_Delete(doc);
    return ok ? 0 : -1;
}
