/*
 * The client side of OHTTP: seal a request (whole or in chunks), then open
 * its response (whole, or as a stream of chunks).
 */
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "seal/ohttp.h"
#include "seal/ohttp_test.h"

void confai_ohttp_client_free(confai_ohttp_client *client)
{
    if (client == NULL)
        return;
    confai_hpke_ctx_free(client->hpke);
    ohttp_aead_clear(&client->response);
    ohttp_decoder_clear(&client->reader);
    confai_free_secret(client, sizeof(*client));
}

/* --- plain requests -------------------------------------------------------- */

confai_status ohttp_test_client_seal_request(
    confai_ohttp_client **client, uint8_t *request, size_t *request_len,
    const confai_key_config *config, const uint8_t *plaintext,
    size_t plaintext_len, ohttp_prepare_fn prepare, void *prepare_arg,
    confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_client *c = NULL;
    size_t need = 0;
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    *client = NULL;
    ENSURE_ARG(request_len != NULL, "request_len");
    ENSURE_ARG(config != NULL, "config");
    ENSURE_INPUT(plaintext, plaintext_len, "plaintext");

    size_t header_len = OHTTP_HDR_SIZE + ohttp_enc_size(&config->suite);
    size_t tag = ohttp_tag_size(&config->suite);
    ENSURE(plaintext_len <= SIZE_MAX - header_len - tag, CONFAI_E_ARGUMENT,
           "plaintext too long");
    GUARD(ohttp_check_room(request_len, header_len + plaintext_len + tag,
                           "the encapsulated request", err));
    ENSURE_ARG(request != NULL, "request");
    need = header_len + plaintext_len + tag;

    c = confai_zalloc(sizeof(*c));
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating an OHTTP client");
    GUARD(ohttp_client_setup(c, request, config, OHTTP_PLAIN, prepare, prepare_arg, err));
    size_t ct_len = plaintext_len + tag;
    GUARD(confai_hpke_seal(c->hpke, request + header_len, &ct_len, NULL, 0, plaintext,
                           plaintext_len, err));
    *request_len = need;
    *client = c;
    c = NULL;
out:
    if (status != CONFAI_OK && status != CONFAI_E_BUFFER_TOO_SMALL && need > 0)
        confai_wipe(request, need); /* no partial output */
    confai_ohttp_client_free(c);
    return status;
}

confai_status confai_ohttp_client_seal_request(confai_ohttp_client **client,
                                               uint8_t *request, size_t *request_len,
                                               const confai_key_config *config,
                                               const uint8_t *plaintext,
                                               size_t plaintext_len, confai_error *err)
{
    return ohttp_test_client_seal_request(client, request, request_len, config, plaintext,
                                          plaintext_len, NULL, NULL, err);
}

confai_status confai_ohttp_client_open_response(confai_ohttp_client *client,
                                                uint8_t *plaintext,
                                                size_t *plaintext_len,
                                                const uint8_t *response,
                                                size_t response_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ohttp_aead aead;
    memset(&aead, 0, sizeof(aead));
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    ENSURE(client->mode == OHTTP_PLAIN, CONFAI_E_STATE,
           "a chunked exchange's response is read with confai_ohttp_client_feed_response");
    ENSURE(!client->response_opened, CONFAI_E_STATE, "the response was opened already");
    ENSURE_ARG(plaintext_len != NULL, "plaintext_len");
    ENSURE_INPUT(response, response_len, "response");

    size_t nonce_len = ohttp_nonce_size(&client->suite);
    size_t tag = ohttp_tag_size(&client->suite);
    ENSURE(response_len >= nonce_len + tag, CONFAI_E_TRUNCATED,
           "a response of %zu bytes is shorter than its nonce and tag (%zu)", response_len,
           nonce_len + tag);
    size_t need = response_len - nonce_len - tag;
    GUARD(ohttp_check_room(plaintext_len, need, "the response plaintext", err));
    ENSURE_ARG(plaintext != NULL || need == 0, "plaintext");

    GUARD(ohttp_response_keys(&aead, client->hpke, &client->suite, OHTTP_PLAIN, client->enc,
                              client->enc_len, response, 0, err));
    uint8_t empty[1];
    GUARD(ohttp_aead_open(&aead, plaintext != NULL ? plaintext : empty, 0, NULL, 0,
                          response + nonce_len, response_len - nonce_len, err));
    client->response_opened = 1;
    *plaintext_len = need;
out:
    ohttp_aead_clear(&aead);
    return status;
}

/* --- chunked requests ------------------------------------------------------ */

/* The response stream's header is the nonce: it keys the response AEAD. */
static confai_status on_response_nonce(void *owner, const uint8_t *header,
                                       size_t header_len, size_t *need,
                                       ohttp_chunk_cipher *cipher, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_client *c = owner;
    (void)header_len;
    (void)need;
    GUARD(ohttp_response_keys(&c->response, c->hpke, &c->suite, OHTTP_CHUNKED, c->enc,
                              c->enc_len, header, 0, err));
    cipher->aead = &c->response;
    cipher->tag_len = c->response.n_t;
out:
    return status;
}

/* Readies a chunked client whose HPKE context and enc are set. */
static void chunked_init(confai_ohttp_client *c, confai_ohttp_chunk_fn on_chunk, void *user)
{
    ohttp_chunk_cipher request = { c->hpke, NULL, ohttp_tag_size(&c->suite) };
    c->mode = OHTTP_CHUNKED;
    ohttp_encoder_init(&c->request, request);
    ohttp_decoder_init(&c->reader, ohttp_nonce_size(&c->suite), on_response_nonce, c,
                       on_chunk, user);
}

confai_status ohttp_test_client_begin_chunked(
    confai_ohttp_client **client, uint8_t *header, size_t *header_len,
    const confai_key_config *config, confai_ohttp_chunk_fn on_chunk, void *user,
    ohttp_prepare_fn prepare, void *prepare_arg, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_client *c = NULL;
    size_t need = 0;
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    *client = NULL;
    ENSURE_ARG(header_len != NULL, "header_len");
    ENSURE_ARG(config != NULL, "config");
    ENSURE_ARG(on_chunk != NULL, "on_chunk");
    GUARD(ohttp_check_room(header_len, OHTTP_HDR_SIZE + ohttp_enc_size(&config->suite),
                           "the chunked request header", err));
    ENSURE_ARG(header != NULL, "header");
    need = OHTTP_HDR_SIZE + ohttp_enc_size(&config->suite);

    c = confai_zalloc(sizeof(*c));
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating an OHTTP client");
    GUARD(ohttp_client_setup(c, header, config, OHTTP_CHUNKED, prepare, prepare_arg, err));
    chunked_init(c, on_chunk, user);
    *header_len = need;
    *client = c;
    c = NULL;
out:
    if (status != CONFAI_OK && status != CONFAI_E_BUFFER_TOO_SMALL && need > 0)
        confai_wipe(header, need);
    confai_ohttp_client_free(c);
    return status;
}

confai_status confai_ohttp_client_begin_chunked(confai_ohttp_client **client,
                                                uint8_t *header, size_t *header_len,
                                                const confai_key_config *config,
                                                confai_ohttp_chunk_fn on_chunk,
                                                void *user, confai_error *err)
{
    return ohttp_test_client_begin_chunked(client, header, header_len, config, on_chunk,
                                           user, NULL, NULL, err);
}

/* Entry checks of the chunked calls. */
static confai_status ensure_chunked(const confai_ohttp_client *client, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(client != NULL, "client");
    ENSURE(client->mode == OHTTP_CHUNKED, CONFAI_E_STATE,
           "not a chunked exchange (begin it with confai_ohttp_client_begin_chunked)");
out:
    return status;
}

static confai_status seal_chunk(confai_ohttp_client *client, uint8_t *chunk,
                                size_t *chunk_len, const uint8_t *plaintext,
                                size_t plaintext_len, int is_final, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(client, err));
    GUARD(ohttp_encoder_seal(&client->request, chunk, chunk_len, plaintext, plaintext_len,
                             is_final, err));
out:
    return status;
}

confai_status confai_ohttp_client_seal_chunk(confai_ohttp_client *client, uint8_t *chunk,
                                             size_t *chunk_len, const uint8_t *plaintext,
                                             size_t plaintext_len, confai_error *err)
{
    return seal_chunk(client, chunk, chunk_len, plaintext, plaintext_len, 0, err);
}

confai_status confai_ohttp_client_seal_final_chunk(confai_ohttp_client *client,
                                                   uint8_t *chunk, size_t *chunk_len,
                                                   const uint8_t *plaintext,
                                                   size_t plaintext_len, confai_error *err)
{
    return seal_chunk(client, chunk, chunk_len, plaintext, plaintext_len, 1, err);
}

confai_status confai_ohttp_client_set_max_chunk_size(confai_ohttp_client *client,
                                                     size_t max_chunk_size,
                                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(client, err));
    GUARD(ohttp_decoder_set_max_chunk(&client->reader, max_chunk_size, err));
out:
    return status;
}

confai_status confai_ohttp_client_feed_response(confai_ohttp_client *client,
                                                const uint8_t *data, size_t data_len,
                                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(client, err));
    GUARD(ohttp_decoder_feed(&client->reader, data, data_len, err));
out:
    return status;
}

confai_status confai_ohttp_client_finish_response(confai_ohttp_client *client,
                                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_chunked(client, err));
    GUARD(ohttp_decoder_finish(&client->reader, err));
out:
    return status;
}

/* --- test-only ------------------------------------------------------------- */

confai_status ohttp_test_client_from_context(
    confai_ohttp_client **client, confai_hpke_ctx *ctx, const confai_hpke_suite *suite,
    const uint8_t *enc, size_t enc_len, int chunked, confai_ohttp_chunk_fn on_chunk,
    void *user, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_ohttp_client *c = confai_zalloc(sizeof(*c));
    *client = NULL;
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating an OHTTP client");
    ENSURE_ARG(enc_len <= sizeof(c->enc), "enc");
    c->hpke = ctx;
    ctx = NULL;
    c->suite = *suite;
    memcpy(c->enc, enc, enc_len);
    c->enc_len = enc_len;
    if (chunked)
        chunked_init(c, on_chunk, user);
    *client = c;
    c = NULL;
out:
    confai_hpke_ctx_free(ctx);
    confai_ohttp_client_free(c);
    return status;
}
