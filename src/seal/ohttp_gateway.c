/*
 * The gateway side of OHTTP: open a request (whole, or as a stream of
 * chunks), then seal its response (whole or in chunks).
 */
#include <string.h>

#include <openssl/rand.h>

#include "core/error.h"
#include "core/memory.h"
#include "seal/ohttp.h"
#include "seal/ohttp_test.h"

/* Drops the references on the configurations; the chosen key lives on in
 * the HPKE context. */
static void release_configs(confai_ohttp_gateway *g)
{
    for (size_t i = 0; i < g->configs_len; i++)
        confai_key_config_free(g->configs[i]);
    OPENSSL_free(g->configs);
    g->configs = NULL;
    g->configs_len = 0;
}

void confai_ohttp_gateway_free(confai_ohttp_gateway *gateway)
{
    if (gateway == NULL)
        return;
    release_configs(gateway);
    confai_hpke_ctx_free(gateway->hpke);
    ohttp_aead_clear(&gateway->response);
    ohttp_decoder_clear(&gateway->reader);
    confai_free_secret(gateway, sizeof(*gateway));
}

/* Gateway configurations with private keys and distinct key ids. */
static confai_status ensure_configs(const confai_key_config *const *configs, size_t n,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(configs != NULL && n > 0, "configs");
    for (size_t i = 0; i < n; i++) {
        ENSURE(configs[i] != NULL && configs[i]->key != NULL, CONFAI_E_ARGUMENT,
               "invalid argument: configs[%zu] is not a gateway key config "
               "(confai_key_config_new)", i);
        for (size_t j = 0; j < i; j++)
            ENSURE(configs[j]->key_id != configs[i]->key_id, CONFAI_E_ARGUMENT,
                   "invalid argument: configs[%zu] and configs[%zu] share key id %u", j, i,
                   configs[i]->key_id);
    }
out:
    return status;
}

/* A fresh response nonce, or the one a known-answer test fixed. */
static confai_status response_nonce(const confai_ohttp_gateway *g, uint8_t *nonce,
                                    size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (g->fixed_nonce_len > 0) {
        ENSURE(g->fixed_nonce_len == len, CONFAI_E_ARGUMENT,
               "the fixed response nonce has %zu bytes, the suite needs %zu",
               g->fixed_nonce_len, len);
        memcpy(nonce, g->fixed_nonce, len);
        goto out;
    }
    OSSL_ENSURE(RAND_bytes(nonce, (int)len) == 1, CONFAI_E_INTERNAL,
                "drawing the response nonce");
out:
    return status;
}

/* --- plain requests -------------------------------------------------------- */

confai_status confai_ohttp_gateway_open_request(confai_ohttp_gateway **gateway,
                                                uint8_t *plaintext, size_t *plaintext_len,
                                                const confai_key_config *const *configs,
                                                size_t configs_len, const uint8_t *request,
                                                size_t request_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *config = NULL;
    confai_hpke_suite suite;
    confai_err_clear(err);
    ENSURE_ARG(gateway != NULL, "gateway");
    *gateway = NULL;
    ENSURE_ARG(plaintext_len != NULL, "plaintext_len");
    GUARD(ensure_configs(configs, configs_len, err));
    ENSURE_INPUT(request, request_len, "request");

    ENSURE(request_len >= OHTTP_HDR_SIZE, CONFAI_E_TRUNCATED,
           "a request of %zu bytes is shorter than its header", request_len);
    GUARD(ohttp_gateway_select(&config, &suite, request, configs, configs_len, err));
    size_t enc_len = ohttp_enc_size(&suite);
    size_t tag = ohttp_tag_size(&suite);
    ENSURE(request_len >= OHTTP_HDR_SIZE + enc_len + tag, CONFAI_E_TRUNCATED,
           "a request of %zu bytes is shorter than its header, enc and tag (%zu)",
           request_len, OHTTP_HDR_SIZE + enc_len + tag);
    size_t need = request_len - OHTTP_HDR_SIZE - enc_len - tag;
    GUARD(ohttp_check_room(plaintext_len, need, "the request plaintext", err));
    ENSURE_ARG(plaintext != NULL || need == 0, "plaintext");

    g = confai_zalloc(sizeof(*g));
    ENSURE(g != NULL, CONFAI_E_NO_MEMORY, "allocating an OHTTP gateway exchange");
    GUARD(ohttp_gateway_setup(g, config, &suite, request, request + OHTTP_HDR_SIZE, enc_len,
                              OHTTP_PLAIN, err));
    uint8_t empty[1];
    size_t written = need;
    GUARD(confai_hpke_open(g->hpke, plaintext != NULL ? plaintext : empty, &written, NULL, 0,
                           request + OHTTP_HDR_SIZE + enc_len, need + tag, err));
    *plaintext_len = need;
    *gateway = g;
    g = NULL;
out:
    confai_ohttp_gateway_free(g);
    return status;
}

confai_status confai_ohttp_gateway_seal_response(confai_ohttp_gateway *gateway,
                                                 uint8_t *response, size_t *response_len,
                                                 const uint8_t *plaintext,
                                                 size_t plaintext_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ohttp_aead aead;
    size_t need = 0;
    memset(&aead, 0, sizeof(aead));
    confai_err_clear(err);
    ENSURE_ARG(gateway != NULL, "gateway");
    ENSURE(gateway->mode == OHTTP_PLAIN, CONFAI_E_STATE,
           "a chunked request gets a chunked response (confai_ohttp_gateway_begin_response)");
    ENSURE(!gateway->response_started, CONFAI_E_STATE, "the response was sealed already");
    ENSURE_ARG(response_len != NULL, "response_len");
    ENSURE_INPUT(plaintext, plaintext_len, "plaintext");

    size_t nonce_len = ohttp_nonce_size(&gateway->suite);
    size_t tag = ohttp_tag_size(&gateway->suite);
    ENSURE(plaintext_len <= SIZE_MAX - nonce_len - tag, CONFAI_E_ARGUMENT,
           "plaintext too long");
    GUARD(ohttp_check_room(response_len, nonce_len + plaintext_len + tag,
                           "the encapsulated response", err));
    ENSURE_ARG(response != NULL, "response");
    need = nonce_len + plaintext_len + tag;

    GUARD(response_nonce(gateway, response, nonce_len, err));
    GUARD(ohttp_response_keys(&aead, gateway->hpke, &gateway->suite, OHTTP_PLAIN,
                              gateway->enc, gateway->enc_len, response, 1, err));
    GUARD(ohttp_aead_seal(&aead, response + nonce_len, 0, NULL, 0, plaintext, plaintext_len,
                          err));
    /* One response per request: a second one under the same key and nonce
     * derivation would invite misuse. */
    gateway->response_started = 1;
    *response_len = need;
out:
    if (status != CONFAI_OK && status != CONFAI_E_BUFFER_TOO_SMALL && need > 0)
        confai_wipe(response, need);
    ohttp_aead_clear(&aead);
    return status;
}

/* --- chunked requests ------------------------------------------------------ */

/*
 * The request stream's header comes in two steps: hdr names the key
 * configuration and so the size of enc; with enc, HPKE is set up.
 */
static confai_status on_request_header(void *owner, const uint8_t *header,
                                       size_t header_len, size_t *need,
                                       ohttp_chunk_cipher *cipher, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_gateway *g = owner;
    const confai_key_config *config = NULL;
    confai_hpke_suite suite;

    GUARD(ohttp_gateway_select(&config, &suite, header,
                               (const confai_key_config *const *)g->configs,
                               g->configs_len, err));
    if (header_len == OHTTP_HDR_SIZE) {
        *need = OHTTP_HDR_SIZE + ohttp_enc_size(&suite);
        goto out;
    }
    GUARD(ohttp_gateway_setup(g, config, &suite, header, header + OHTTP_HDR_SIZE,
                              header_len - OHTTP_HDR_SIZE, OHTTP_CHUNKED, err));
    cipher->hpke = g->hpke;
    cipher->tag_len = ohttp_tag_size(&suite);
    release_configs(g);
out:
    return status;
}

confai_status confai_ohttp_gateway_new_chunked(confai_ohttp_gateway **gateway,
                                               const confai_key_config *const *configs,
                                               size_t configs_len,
                                               confai_ohttp_chunk_fn on_chunk, void *user,
                                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_gateway *g = NULL;
    confai_err_clear(err);
    ENSURE_ARG(gateway != NULL, "gateway");
    *gateway = NULL;
    GUARD(ensure_configs(configs, configs_len, err));
    ENSURE_ARG(on_chunk != NULL, "on_chunk");

    g = confai_zalloc(sizeof(*g));
    ENSURE(g != NULL, CONFAI_E_NO_MEMORY, "allocating an OHTTP gateway exchange");
    g->mode = OHTTP_CHUNKED;
    g->configs = confai_zalloc(configs_len * sizeof(*g->configs));
    ENSURE(g->configs != NULL, CONFAI_E_NO_MEMORY, "allocating the key config list");
    for (size_t i = 0; i < configs_len; i++)
        g->configs[i] = key_config_ref(configs[i]);
    g->configs_len = configs_len;
    ohttp_decoder_init(&g->reader, OHTTP_HDR_SIZE, on_request_header, g, on_chunk, user);
    *gateway = g;
    g = NULL;
out:
    confai_ohttp_gateway_free(g);
    return status;
}

static confai_status ensure_chunked(const confai_ohttp_gateway *gateway, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(gateway != NULL, "gateway");
    ENSURE(gateway->mode == OHTTP_CHUNKED, CONFAI_E_STATE,
           "not a chunked exchange (confai_ohttp_gateway_new_chunked)");
out:
    return status;
}

confai_status confai_ohttp_gateway_set_max_chunk_size(confai_ohttp_gateway *gateway,
                                                      size_t max_chunk_size,
                                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(gateway, err));
    GUARD(ohttp_decoder_set_max_chunk(&gateway->reader, max_chunk_size, err));
out:
    return status;
}

confai_status confai_ohttp_gateway_feed_request(confai_ohttp_gateway *gateway,
                                                const uint8_t *data, size_t data_len,
                                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(gateway, err));
    GUARD(ohttp_decoder_feed(&gateway->reader, data, data_len, err));
out:
    return status;
}

confai_status confai_ohttp_gateway_finish_request(confai_ohttp_gateway *gateway,
                                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(gateway, err));
    GUARD(ohttp_decoder_finish(&gateway->reader, err));
out:
    return status;
}

/* --- chunked responses ----------------------------------------------------- */

confai_status confai_ohttp_gateway_begin_response(confai_ohttp_gateway *gateway,
                                                  uint8_t *nonce, size_t *nonce_len,
                                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t need = 0;
    confai_err_clear(err);
    GUARD(ensure_chunked(gateway, err));
    ENSURE(gateway->hpke != NULL, CONFAI_E_STATE,
           "the request header has not been read yet: feed the request first");
    ENSURE(!gateway->response_started, CONFAI_E_STATE, "the response has begun already");
    ENSURE_ARG(nonce_len != NULL, "nonce_len");
    GUARD(ohttp_check_room(nonce_len, ohttp_nonce_size(&gateway->suite),
                           "the response nonce", err));
    ENSURE_ARG(nonce != NULL, "nonce");
    need = ohttp_nonce_size(&gateway->suite);

    GUARD(response_nonce(gateway, nonce, need, err));
    GUARD(ohttp_response_keys(&gateway->response, gateway->hpke, &gateway->suite,
                              OHTTP_CHUNKED, gateway->enc, gateway->enc_len, nonce, 1, err));
    ohttp_chunk_cipher cipher = { NULL, &gateway->response, gateway->response.n_t };
    ohttp_encoder_init(&gateway->writer, cipher);
    gateway->response_started = 1;
    *nonce_len = need;
out:
    if (status != CONFAI_OK && need > 0)
        confai_wipe(nonce, need);
    return status;
}

static confai_status seal_chunk(confai_ohttp_gateway *gateway, uint8_t *chunk,
                                size_t *chunk_len, const uint8_t *plaintext,
                                size_t plaintext_len, int is_final, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(gateway, err));
    ENSURE(gateway->response_started, CONFAI_E_STATE,
           "begin the response (confai_ohttp_gateway_begin_response) before its chunks");
    GUARD(ohttp_encoder_seal(&gateway->writer, chunk, chunk_len, plaintext, plaintext_len,
                             is_final, err));
out:
    return status;
}

confai_status confai_ohttp_gateway_seal_chunk(confai_ohttp_gateway *gateway, uint8_t *chunk,
                                              size_t *chunk_len, const uint8_t *plaintext,
                                              size_t plaintext_len, confai_error *err)
{
    return seal_chunk(gateway, chunk, chunk_len, plaintext, plaintext_len, 0, err);
}

confai_status confai_ohttp_gateway_seal_final_chunk(confai_ohttp_gateway *gateway,
                                                    uint8_t *chunk, size_t *chunk_len,
                                                    const uint8_t *plaintext,
                                                    size_t plaintext_len, confai_error *err)
{
    return seal_chunk(gateway, chunk, chunk_len, plaintext, plaintext_len, 1, err);
}

/* --- test-only ------------------------------------------------------------- */

confai_status ohttp_test_set_response_nonce(confai_ohttp_gateway *gateway,
                                            const uint8_t *nonce, size_t nonce_len,
                                            confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(gateway != NULL, "gateway");
    ENSURE_ARG(nonce != NULL && nonce_len > 0
                   && nonce_len <= sizeof(gateway->fixed_nonce), "nonce");
    memcpy(gateway->fixed_nonce, nonce, nonce_len);
    gateway->fixed_nonce_len = nonce_len;
out:
    return status;
}
