/*
 * The client's side of an exchange rebuilt from the gateway's keys and the
 * encapsulated request: the response key comes from an HPKE export, which
 * the recipient computes exactly as the sender did. Lets recorded exchanges
 * (conformance fixtures, captures a gateway operator debugs) be opened with
 * the same code a client runs.
 */
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "seal/ohttp.h"
#include "seal/ohttp_test.h"

confai_status confai_ohttp_client_from_request(confai_ohttp_client **client,
                                               const confai_key_config *const *configs,
                                               size_t configs_len, const uint8_t *request,
                                               size_t request_len, int chunked,
                                               confai_ohttp_chunk_fn on_chunk, void *user,
                                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_gateway g;
    const confai_key_config *config = NULL;
    confai_hpke_suite suite;
    memset(&g, 0, sizeof(g));
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    *client = NULL;
    ENSURE_ARG(configs != NULL && configs_len > 0, "configs");
    ENSURE_ARG(request != NULL || request_len == 0, "request");
    ENSURE_ARG(chunked == 0 || chunked == 1, "chunked");
    ENSURE_ARG(!chunked || on_chunk != NULL, "on_chunk");
    ENSURE(request_len >= OHTTP_HDR_SIZE, CONFAI_E_TRUNCATED,
           "encapsulated request shorter than its header");
    GUARD(ohttp_gateway_select(&config, &suite, request, configs, configs_len, err));
    size_t enc_len = ohttp_enc_size(&suite);
    ENSURE(request_len - OHTTP_HDR_SIZE >= enc_len, CONFAI_E_TRUNCATED,
           "encapsulated request ends inside its encapsulated key");
    GUARD(ohttp_gateway_setup(&g, config, &suite, request, request + OHTTP_HDR_SIZE, enc_len,
                              chunked ? OHTTP_CHUNKED : OHTTP_PLAIN, err));
    confai_hpke_ctx *ctx = g.hpke;
    g.hpke = NULL;
    GUARD(ohttp_test_client_from_context(client, ctx, &suite, request + OHTTP_HDR_SIZE, enc_len,
                                         chunked, on_chunk, user, err));
out:
    confai_hpke_ctx_free(g.hpke);
    confai_wipe(&g, sizeof(g));
    return status;
}
