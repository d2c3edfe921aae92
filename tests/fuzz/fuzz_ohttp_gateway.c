/*
 * Fuzz target: the library calls a gateway makes on a sealed request, in the
 * order examples/confai-gateway (sealed.c) makes them: open the whole
 * encapsulated request with its key configurations, decode the plaintext as
 * a Binary HTTP request, build and encode a response and seal it.
 *
 * The gateway's own request parsing (the attestation request's JSON and its
 * base64 nonce, the HTTP routing) lives in the example, not in the library,
 * so it is not reached here; this target covers the library functions the
 * gateway hands untrusted bytes to.
 *
 * Input (missing bytes read as zero):
 *   u8   flags: bit 0 seal the rest first (a client seals it as the request
 *        plaintext to the configuration picked by bits 1-3, with a fixed
 *        ephemeral key), else the rest is the encapsulated request as
 *        received; bit 4 gives open a plaintext buffer of half the request's length
 *   the rest
 *
 * The gateway offers every suite of fuzz_ohttp_suites (key id = position),
 * as a gateway with several keys would. Checked beyond "no crash, no
 * out-of-bounds access": a failed open is a documented status that leaves no
 * plaintext (the buffer untouched or wiped) and no gateway; a request the harness sealed always opens
 * to the same bytes (unless the buffer is short: CONFAI_E_BUFFER_TOO_SMALL);
 * a plaintext that decodes is a request whose re-encoding decodes again; the
 * response the gateway seals opens at the client to what was encoded.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_ohttp.h"

static int documented(confai_status st)
{
    return st == CONFAI_E_TRUNCATED || st == CONFAI_E_KEY_ID_UNKNOWN ||
           st == CONFAI_E_UNSUPPORTED || st == CONFAI_E_BAD_ENCAPSULATION ||
           st == CONFAI_E_DECRYPT || st == CONFAI_E_BUFFER_TOO_SMALL;
}

static int parse_failure(confai_status st)
{
    return st == CONFAI_E_MALFORMED || st == CONFAI_E_TRUNCATED ||
           st == CONFAI_E_TRAILING_DATA || st == CONFAI_E_LIMIT;
}

/* The gateway's answer, as sealed.c builds one: a 200 with the request's content. */
static void answer(confai_ohttp_gateway *gw, confai_ohttp_client *client,
                   const confai_http_message *request)
{
    confai_http_message *response = NULL;
    size_t body_len = 0;
    const uint8_t *body = confai_http_message_body(request, &body_len);
    FUZZ_CHECK(confai_http_message_new_response(&response, 200, NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_http_message_set_body(response, body, body_len, NULL) == CONFAI_OK);
    uint8_t *encoded = NULL;
    size_t encoded_len = 0;
    FUZZ_CHECK(confai_http_message_encode(response, &encoded, &encoded_len,
                                          CONFAI_HTTP_KNOWN_LENGTH, 0, NULL) == CONFAI_OK);
    size_t sealed_len = encoded_len + 64 + 16;
    uint8_t *sealed = fuzz_alloc(sealed_len);
    FUZZ_CHECK(confai_ohttp_gateway_seal_response(gw, sealed, &sealed_len, encoded, encoded_len,
                                                  NULL) == CONFAI_OK);
    if (client != NULL) {
        size_t opened_len = sealed_len;
        uint8_t *opened = fuzz_alloc(opened_len);
        FUZZ_CHECK(confai_ohttp_client_open_response(client, opened, &opened_len, sealed,
                                                     sealed_len, NULL) == CONFAI_OK);
        FUZZ_CHECK(opened_len == encoded_len && memcmp(opened, encoded, encoded_len) == 0);
        free(opened);
    }
    free(sealed);
    confai_free(encoded);
    confai_http_message_free(response);
}

static void decode_request(confai_ohttp_gateway *gw, confai_ohttp_client *client,
                           const uint8_t *plain, size_t plain_len)
{
    confai_http_message *request = NULL;
    confai_status st = confai_http_message_decode(&request, plain, plain_len,
                                                  CONFAI_HTTP_REQUEST, NULL, NULL);
    FUZZ_CHECK(st == CONFAI_OK || parse_failure(st));
    if (st != CONFAI_OK) {
        FUZZ_CHECK(request == NULL);
        return;
    }
    FUZZ_CHECK(confai_http_message_kind(request) == CONFAI_HTTP_REQUEST);
    uint8_t *again = NULL;
    size_t again_len = 0;
    FUZZ_CHECK(confai_http_message_encode(request, &again, &again_len,
                                          CONFAI_HTTP_INDETERMINATE_LENGTH, 0,
                                          NULL) == CONFAI_OK);
    confai_http_message *back = NULL;
    FUZZ_CHECK(confai_http_message_decode(&back, again, again_len, CONFAI_HTTP_REQUEST, NULL,
                                          NULL) == CONFAI_OK);
    confai_http_message_free(back);
    confai_free(again);
    answer(gw, client, request);
    confai_http_message_free(request);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const confai_key_config *configs[FUZZ_OHTTP_SUITE_COUNT];
    size_t configs_len = 0;
    for (size_t i = 0; i < FUZZ_OHTTP_SUITE_COUNT; i++) {
        const confai_key_config *c = fuzz_ohttp_gateway_config(i);
        if (c != NULL)
            configs[configs_len++] = c;
    }
    FUZZ_CHECK(configs_len > 0);

    fuzz_reader r = { data, size };
    uint8_t flags = fuzz_u8(&r);
    int seal = flags & 1, short_buffer = (flags >> 4) & 1;
    size_t rest_len = 0;
    uint8_t *rest = fuzz_take(&r, r.left, &rest_len);

    confai_ohttp_client *client = NULL;
    uint8_t *request = rest;
    size_t request_len = rest_len;
    if (seal) {
        const confai_key_config *config = fuzz_ohttp_gateway_config((flags >> 1) & 7);
        if (config == NULL)
            goto out;
        request_len = rest_len + CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE + 16;
        request = fuzz_alloc(request_len);
        /* the fixed ephemeral key where the KEM takes its 32-byte seed, else a fresh one */
        size_t cap = request_len;
        if (ohttp_test_client_seal_request(&client, request, &request_len, config, rest, rest_len,
                                           fuzz_ohttp_fixed_ephemeral, NULL, NULL) != CONFAI_OK) {
            request_len = cap;
            FUZZ_CHECK(confai_ohttp_client_seal_request(&client, request, &request_len, config,
                                                        rest, rest_len, NULL) == CONFAI_OK);
        }
    }

    /* sealed.c sizes the plaintext buffer as the request's length */
    size_t plain_len = request_len;
    if (short_buffer)
        plain_len = request_len / 2;
    uint8_t *plain = fuzz_alloc(plain_len);
    memset(plain, FUZZ_SENTINEL, plain_len);
    size_t cap = plain_len;
    confai_ohttp_gateway *gw = (confai_ohttp_gateway *)1;
    confai_error err = { 0 };
    confai_status st = confai_ohttp_gateway_open_request(&gw, plain, &plain_len, configs,
                                                         configs_len, request, request_len,
                                                         &err);
    if (st != CONFAI_OK) {
        FUZZ_CHECK(documented(st) && gw == NULL && err.message[0] != '\0');
        fuzz_check_no_plaintext(plain, cap);
        FUZZ_CHECK(!seal || st == CONFAI_E_BUFFER_TOO_SMALL);
    } else {
        FUZZ_CHECK(gw != NULL && plain_len <= cap);
        if (seal)
            FUZZ_CHECK(plain_len == rest_len && memcmp(plain, rest, rest_len) == 0);
        decode_request(gw, client, plain, plain_len);
        confai_ohttp_gateway_free(gw);
    }
    free(plain);
out:
    confai_ohttp_client_free(client);
    if (request != rest)
        free(request);
    free(rest);
    return 0;
}
