/*
 * Test-only OHTTP hooks, reached through the static test build and never
 * exported: known-answer tests must fix the inputs that are random in real
 * use (the ephemeral key and the response nonce).
 */
#ifndef CONFAI_SEAL_OHTTP_TEST_H
#define CONFAI_SEAL_OHTTP_TEST_H

#include <confai/confai.h>

#include "seal/ohttp.h"

/*
 * confai_ohttp_client_seal_request and confai_ohttp_client_begin_chunked with
 * a hook that prepares the HPKE sender context before setup (for example
 * hpke_test_set_ikm_e, to fix the ephemeral key). prepare may be NULL.
 */
confai_status ohttp_test_client_seal_request(
    confai_ohttp_client **client, uint8_t *request, size_t *request_len,
    const confai_key_config *config, const uint8_t *plaintext,
    size_t plaintext_len, ohttp_prepare_fn prepare, void *prepare_arg,
    confai_error *err);

confai_status ohttp_test_client_begin_chunked(
    confai_ohttp_client **client, uint8_t *header, size_t *header_len,
    const confai_key_config *config, confai_ohttp_chunk_fn on_chunk,
    void *user, ohttp_prepare_fn prepare, void *prepare_arg,
    confai_error *err);

/*
 * A client that can open the response to a request it did not seal: built on
 * an HPKE context with the same key schedule as the request's sender, such as
 * a recipient context set up with the gateway's key and the request's enc
 * (an HPKE export is the same on both sides). Takes ownership of ctx, also on
 * failure. Used to open known-answer responses with only skR known.
 */
confai_status ohttp_test_client_from_context(
    confai_ohttp_client **client, confai_hpke_ctx *ctx,
    const confai_hpke_suite *suite, const uint8_t *enc, size_t enc_len,
    int chunked, confai_ohttp_chunk_fn on_chunk, void *user,
    confai_error *err);

/*
 * Fixes the response nonce the gateway will use instead of a random one;
 * its length must be max(Nn, Nk) of the gateway's suite (known once the
 * request header has been read).
 */
confai_status ohttp_test_set_response_nonce(confai_ohttp_gateway *gateway,
                                            const uint8_t *nonce,
                                            size_t nonce_len,
                                            confai_error *err);

#endif /* CONFAI_SEAL_OHTTP_TEST_H */
