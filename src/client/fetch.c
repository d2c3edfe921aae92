/*
 * A request sealed as a whole and its whole response (RFC 9458 sections 4.3
 * and 4.4), renewing the lease once when the service rejects the key.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "client/client_internal.h"
#include "core/error.h"
#include "core/memory.h"

/* The tag of every AEAD a key configuration may choose. */
#define AEAD_TAG_SIZE 16

confai_status client_encode_request(const confai_http_message *request, uint8_t **bytes,
                                    size_t *len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    *bytes = NULL;
    ENSURE(confai_http_message_kind(request) == CONFAI_HTTP_REQUEST, CONFAI_E_ARGUMENT,
           "invalid argument: request is not an HTTP request message");
    GUARD(confai_http_message_encode(request, bytes, len, CONFAI_HTTP_KNOWN_LENGTH, 0, err));
out:
    return status;
}

/* One sealed round trip to the key of verdict v. */
static confai_status fetch_once(confai_client *c, const confai_verdict *v,
                                const uint8_t *plain, size_t plain_len,
                                confai_http_message **response, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_client *exchange = NULL;
    uint8_t *sealed = NULL, *opened = NULL;
    size_t sealed_cap = 0, opened_len = 0;
    http_reply reply = {0};

    ENSURE(plain_len <= SIZE_MAX - CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE - AEAD_TAG_SIZE,
           CONFAI_E_LIMIT, "request too large");
    sealed_cap = plain_len + CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE + AEAD_TAG_SIZE;
    size_t sealed_len = sealed_cap;
    sealed = OPENSSL_malloc(sealed_cap);
    ENSURE(sealed != NULL, CONFAI_E_NO_MEMORY, "sealing: out of memory");
    GUARD(confai_ohttp_client_seal_request(&exchange, sealed, &sealed_len,
                                           confai_verdict_key_config(v), plain, plain_len,
                                           err));
    GUARD(transport_post(c, c->sealed_url, MEDIA_OHTTP_REQ, MEDIA_OHTTP_RES, sealed, sealed_len,
                         c->options.request_timeout_ms, c->options.max_response_size, &reply,
                         err));
    if (reply.status != 200 || strcmp(reply.content_type, MEDIA_OHTTP_RES) != 0) {
        status = transport_unexpected(reply.status, reply.content_type, reply.body,
                                      reply.body_len, MEDIA_OHTTP_RES, err);
        goto out;
    }
    opened_len = reply.body_len;
    opened = OPENSSL_malloc(opened_len > 0 ? opened_len : 1);
    ENSURE(opened != NULL, CONFAI_E_NO_MEMORY, "opening: out of memory");
    GUARD(confai_ohttp_client_open_response(exchange, opened, &opened_len, reply.body,
                                            reply.body_len, err));
    GUARD(confai_http_message_decode(response, opened, opened_len, CONFAI_HTTP_RESPONSE, NULL,
                                     err));
out:
    confai_ohttp_client_free(exchange);
    OPENSSL_free(sealed);
    if (opened != NULL)
        confai_free_secret(opened, reply.body_len);
    http_reply_clear(&reply);
    return status;
}

confai_status confai_client_fetch(confai_client *client, confai_http_message **response,
                                  const confai_http_message *request, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    confai_verdict *v = NULL, *rejected = NULL;
    confai_err_clear(err);
    ENSURE_ARG(response != NULL, "response");
    *response = NULL;
    ENSURE_ARG(client != NULL, "client");
    ENSURE_ARG(request != NULL, "request");
    GUARD(client_encode_request(request, &plain, &plain_len, err));

    /* A rejected key means rotation: one fresh attestation, then one retry. */
    for (int attempt = 0; attempt < 2; attempt++) {
        GUARD(client_lease(client, rejected, &v, err));
        status = fetch_once(client, v, plain, plain_len, response, err);
        if (status != CONFAI_E_KEY_ID_UNKNOWN)
            break;
        confai_verdict_free(rejected);
        rejected = v;
        v = NULL;
    }
out:
    confai_verdict_free(v);
    confai_verdict_free(rejected);
    confai_free(plain);
    return status;
}
