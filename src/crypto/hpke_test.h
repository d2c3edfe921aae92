/*
 * Test-only HPKE hooks, reached through the static test build and never
 * exported: known-answer tests need the vectors' ephemeral keys and must move
 * the sequence number to test exhaustion.
 */
#ifndef CONFAI_CRYPTO_HPKE_TEST_H
#define CONFAI_CRYPTO_HPKE_TEST_H

#include <confai/confai.h>

/* Fixes the sender's ephemeral key to DeriveKeyPair(ikm_e); before setup. */
confai_status hpke_test_set_ikm_e(confai_hpke_ctx *ctx, const uint8_t *ikm_e,
                                  size_t ikm_e_len, confai_error *err);

/*
 * Fixes the sender's ephemeral private key itself (SerializePrivateKey
 * bytes), for vectors that give skE but no seed; before setup. The context
 * then runs on the own RFC 9180 code on every backend, since OSSL_HPKE takes
 * only a seed.
 */
confai_status hpke_test_set_sk_e(confai_hpke_ctx *ctx, const uint8_t *sk_e,
                                 size_t sk_e_len, confai_error *err);

/* Moves a recipient's sequence number; CONFAI_E_STATE for a sender. */
confai_status hpke_test_set_seq(confai_hpke_ctx *ctx, uint64_t seq,
                                confai_error *err);

#endif /* CONFAI_CRYPTO_HPKE_TEST_H */
