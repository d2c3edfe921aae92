/*
 * Fuzz target: what confai-gateway reads from a caller before it attests or
 * opens anything (examples/confai-gateway/request_parse.c, linked as the
 * gateway links it): the attestation request's JSON body and its base64
 * nonce, the Content-Type's media type, and the route of a path.
 *
 * Input: one byte choosing the part (modulo 4), then the bytes it gets:
 *   0  an attestation request body
 *   1  a Content-Type header value (up to the first NUL)
 *   2  a request path (up to the first NUL)
 *   3  base64 text, decoded and re-encoded
 *
 * Checked beyond "no crash, no out-of-bounds access": a nonce is taken only
 * from a JSON object whose "nonce" member is the canonical base64 of exactly
 * 32 bytes (it encodes back to the same text), and a refused body leaves the
 * nonce buffer untouched; base64 decodes only what encodes back to itself
 * and never writes past its buffer; the media type is the header's lowercased
 * prefix before any ';' with no trailing blanks, NUL-terminated within its
 * buffer; a path has a route only when it names one exactly (or /plain/
 * with its switch on).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "fuzz.h"
#include "../../examples/confai-gateway/request_parse.h"

static void check_nonce(const uint8_t *body, size_t len)
{
    uint8_t nonce[GW_NONCE_SIZE];
    memset(nonce, 0xA5, sizeof(nonce));
    int rc = gw_attestation_nonce(body, len, nonce);

    /* An independent reading of the same body, NUL-terminated. */
    char *text = (char *)fuzz_alloc(len + 1);
    memcpy(text, body, len);
    text[len] = '\0';
    cJSON *doc = cJSON_ParseWithOpts(text, NULL, 1);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "nonce");
    if (rc == 0) {
        FUZZ_CHECK(strlen(text) == len); /* no NUL inside a document taken */
        FUZZ_CHECK(cJSON_IsObject(doc) && cJSON_IsString(n));
        char *again = gw_base64_encode(nonce, sizeof(nonce));
        FUZZ_CHECK(again != NULL && strcmp(again, n->valuestring) == 0);
        free(again);
    } else {
        FUZZ_CHECK(rc == -1);
        for (size_t i = 0; i < sizeof(nonce); i++)
            FUZZ_CHECK(nonce[i] == 0xA5);
        /* a well-formed request is never refused */
        if (strlen(text) == len && cJSON_IsObject(doc) && cJSON_IsString(n)) {
            size_t got = 0;
            uint8_t raw[GW_NONCE_SIZE + 3];
            FUZZ_CHECK(gw_base64_decode(raw, sizeof(raw), &got, n->valuestring,
                                        strlen(n->valuestring)) != 0 ||
                       got != GW_NONCE_SIZE);
        }
    }
    cJSON_Delete(doc);
    free(text);
}

static void check_media_type(const char *header)
{
    char out[64];
    memset(out, 'X', sizeof(out));
    gw_media_type(out, sizeof(out), header);
    size_t n = strnlen(out, sizeof(out));
    FUZZ_CHECK(n < sizeof(out));
    FUZZ_CHECK(n <= strlen(header));
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(out[i] == (char)tolower((unsigned char)header[i]));
        FUZZ_CHECK(out[i] != ';');
    }
    FUZZ_CHECK(n == 0 || (out[n - 1] != ' ' && out[n - 1] != '\t'));
    char empty[4] = "abc";
    gw_media_type(empty, sizeof(empty), NULL);
    FUZZ_CHECK(empty[0] == '\0');
}

static void check_route(const char *path)
{
    static const char *const exact[] = { "/v1/attestation", "/v1/sealed", "/v1/admin/rotate" };
    static const gw_route routes[] = { GW_ROUTE_ATTEST, GW_ROUTE_SEALED, GW_ROUTE_ROTATE };
    for (int switches = 0; switches < 4; switches++) {
        int rotate = switches & 1, plain = switches & 2;
        gw_route r = gw_route_of(path, rotate, plain);
        gw_route want = GW_ROUTE_NONE;
        for (size_t i = 0; i < 3; i++)
            if (strcmp(path, exact[i]) == 0)
                want = routes[i];
        if (want == GW_ROUTE_ROTATE && !rotate)
            want = GW_ROUTE_NONE;
        if (want == GW_ROUTE_NONE && plain && strncmp(path, "/plain/", 7) == 0)
            want = GW_ROUTE_PLAIN;
        FUZZ_CHECK(r == want);
    }
}

static void check_base64(const char *in, size_t len)
{
    /* a buffer of exactly the decoded size, so ASan sees any overrun */
    size_t cap = len / 4 * 3;
    uint8_t *out = fuzz_alloc(cap);
    size_t got = 0;
    if (gw_base64_decode(out, cap, &got, in, len) == 0) {
        FUZZ_CHECK(got <= cap);
        char *again = gw_base64_encode(out, got);
        FUZZ_CHECK(again != NULL && strlen(again) == len && memcmp(again, in, len) == 0);
        free(again);
        /* one byte short: refused */
        if (got > 0)
            FUZZ_CHECK(gw_base64_decode(out, got - 1, &got, in, len) != 0);
    }
    free(out);
    /* every byte string encodes to text that decodes back to it */
    char *text = gw_base64_encode((const uint8_t *)in, len);
    FUZZ_CHECK(text != NULL);
    uint8_t *back = fuzz_alloc(len);
    FUZZ_CHECK(gw_base64_decode(back, len, &got, text, strlen(text)) == 0);
    FUZZ_CHECK(got == len && (len == 0 || memcmp(back, in, len) == 0));
    free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *rest = data + 1;
    size_t len = size - 1;
    char *text = (char *)fuzz_alloc(len + 1);
    memcpy(text, rest, len);
    text[len] = '\0';
    switch (data[0] % 4) {
    case 0: check_nonce(rest, len); break;
    case 1: check_media_type(text); break;
    case 2: check_route(text); break;
    default: check_base64(text, len); break;
    }
    free(text);
    return 0;
}
