/*
 * The project's own RFC 9180 code (hpke_own.c), with its state passed
 * explicitly. It is compiled into every build: it is the whole backend on
 * OpenSSL 3.0 (hpke_backend_own.c), and on OpenSSL >= 3.2 it takes over a
 * context whose caller seals or opens an empty message, which OSSL_HPKE
 * refuses (hpke_openssl.c). The wrapper's checks (hpke_internal.h) hold.
 */
#ifndef CONFAI_CRYPTO_HPKE_OWN_H
#define CONFAI_CRYPTO_HPKE_OWN_H

#include "crypto/hpke_internal.h"

typedef struct hpke_own hpke_own;

/* DeriveKeyPair(ikm) (RFC 9180 section 7.1.3). */
confai_status hpke_own_derive_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                  const uint8_t *ikm, size_t ikm_len,
                                  confai_error *err);

/*
 * SetupS with the mode inputs of ctx; the ephemeral key is
 * DeriveKeyPair(ikm_e) when ikm_e is given, else random.
 */
confai_status hpke_own_sender_setup(hpke_own **state,
                                    const struct confai_hpke_ctx *ctx,
                                    const uint8_t *ikm_e, size_t ikm_e_len,
                                    uint8_t *enc, size_t *enc_len,
                                    const uint8_t *pk_r, size_t pk_r_len,
                                    const uint8_t *info, size_t info_len,
                                    confai_error *err);

/* SetupR with the mode inputs of ctx. */
confai_status hpke_own_recipient_setup(hpke_own **state,
                                       const struct confai_hpke_ctx *ctx,
                                       EVP_PKEY *sk_r, const uint8_t *enc,
                                       size_t enc_len, const uint8_t *info,
                                       size_t info_len, confai_error *err);

confai_status hpke_own_seal(hpke_own *state, uint8_t *ct, size_t *ct_len,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *pt, size_t pt_len, confai_error *err);
confai_status hpke_own_open(hpke_own *state, uint8_t *pt, size_t *pt_len,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *ct, size_t ct_len, confai_error *err);
confai_status hpke_own_export(hpke_own *state, uint8_t *out, size_t out_len,
                              const uint8_t *exp_ctx, size_t exp_ctx_len,
                              confai_error *err);

/* Test hook: recipients only, as for OpenSSL. */
confai_status hpke_own_set_seq(hpke_own *state, uint64_t seq, confai_error *err);

/* Takes over a context at the sequence number another backend reached. */
void hpke_own_continue_at(hpke_own *state, uint64_t seq);

void hpke_own_free(hpke_own *state);

#endif /* CONFAI_CRYPTO_HPKE_OWN_H */
