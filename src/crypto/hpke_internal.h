/*
 * HPKE internals shared by the public wrapper (hpke.c, hpke_key.c) and the
 * two interchangeable backends:
 *   hpke_openssl.c  OpenSSL >= 3.2 OSSL_HPKE_* (default when available)
 *   hpke_own.c      the project's RFC 9180 code on OpenSSL 3.0 EVP
 * Exactly one backend is compiled in; meson picks it.
 *
 * The wrapper validates arguments and state, so a backend may assume: the
 * suite is supported, the role matches the call, setup happens once and
 * before seal/open/export, lengths are non-negative and pointers with a
 * non-zero length are non-NULL, and output capacities are large enough.
 * Backends validate key and enc bytes themselves (CONFAI_E_BAD_KEY,
 * CONFAI_E_BAD_ENCAPSULATION) and report tag mismatch as CONFAI_E_DECRYPT.
 */
#ifndef CONFAI_CRYPTO_HPKE_INTERNAL_H
#define CONFAI_CRYPTO_HPKE_INTERNAL_H

#include <openssl/evp.h>

#include <confai/confai.h>

#include "crypto/hpke_suite.h"

struct confai_hpke_key {
    uint16_t kem_id;
    EVP_PKEY *pkey; /* private key with its public half */
};

/* Backend state, defined by the backend. */
typedef struct hpke_impl hpke_impl;

struct confai_hpke_ctx {
    confai_hpke_role role;
    confai_hpke_suite suite;
    const hpke_kem_info *kem;
    const hpke_kdf_info *kdf;
    const hpke_aead_info *aead;
    int is_set_up;

    /* mode inputs, set before setup */
    uint8_t *psk;
    size_t psk_len;
    uint8_t *psk_id;
    size_t psk_id_len;
    EVP_PKEY *sender_key; /* auth modes, sender role (own reference) */
    uint8_t sender_public[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE]; /* auth, recipient */
    size_t sender_public_len;

    /* test-only: fixed ephemeral key material or key (hpke_test.h) */
    uint8_t *ikm_e;
    size_t ikm_e_len;
    EVP_PKEY *sk_e;

    hpke_impl *impl; /* created by setup, released by hpke_impl_free */
};

/* The mode implied by what was set on the context. */
uint8_t hpke_ctx_mode(const struct confai_hpke_ctx *ctx);

/* --- key helpers shared by both backends (hpke_key.c) ---------------------- */

/*
 * Builds a key pair from a serialized private key (SerializePrivateKey):
 * raw bytes for X25519/X448, a big-endian scalar in [1, n-1] for NIST curves,
 * whose public point is computed here. CONFAI_E_BAD_KEY when invalid.
 */
confai_status hpke_pkey_from_private(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                     const uint8_t *sk, size_t sk_len,
                                     confai_error *err);

/* SerializePublicKey: raw for X25519/X448, uncompressed point for NIST. */
confai_status hpke_pkey_public(const EVP_PKEY *pkey, const hpke_kem_info *kem,
                               uint8_t *out, size_t *out_len,
                               confai_error *err);

/* --- backend interface ---------------------------------------------------- */

/* "openssl" or "own" */
const char *hpke_impl_name(void);

/* 1 when the backend supports the three ids (in addition to the tables). */
int hpke_impl_supports(const confai_hpke_suite *suite);

/*
 * DeriveKeyPair(ikm) for a KEM (RFC 9180 section 7.1.3); *pkey holds the
 * private key and its public half.
 */
confai_status hpke_impl_derive_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                   const uint8_t *ikm, size_t ikm_len,
                                   confai_error *err);

/*
 * SetupS: encapsulate to pk_r, write enc (*enc_len = Nenc), create
 * ctx->impl. Uses ctx->ikm_e as the ephemeral seed when set, else random.
 */
confai_status hpke_impl_sender_setup(struct confai_hpke_ctx *ctx, uint8_t *enc,
                                     size_t *enc_len, const uint8_t *pk_r,
                                     size_t pk_r_len, const uint8_t *info,
                                     size_t info_len, confai_error *err);

/* SetupR: decapsulate enc with sk_r and create ctx->impl. */
confai_status hpke_impl_recipient_setup(struct confai_hpke_ctx *ctx,
                                        EVP_PKEY *sk_r, const uint8_t *enc,
                                        size_t enc_len, const uint8_t *info,
                                        size_t info_len, confai_error *err);

/* Seal/Open of the next message; *out_len is set to the bytes written. */
confai_status hpke_impl_seal(struct confai_hpke_ctx *ctx, uint8_t *ct,
                             size_t *ct_len, const uint8_t *aad,
                             size_t aad_len, const uint8_t *pt, size_t pt_len,
                             confai_error *err);
confai_status hpke_impl_open(struct confai_hpke_ctx *ctx, uint8_t *pt,
                             size_t *pt_len, const uint8_t *aad,
                             size_t aad_len, const uint8_t *ct, size_t ct_len,
                             confai_error *err);

/* Context.Export(exporter_context, L). */
confai_status hpke_impl_export(struct confai_hpke_ctx *ctx, uint8_t *out,
                               size_t out_len, const uint8_t *exp_ctx,
                               size_t exp_ctx_len, confai_error *err);

/*
 * Moves a recipient's sequence number (OpenSSL allows it for recipients
 * only; CONFAI_E_STATE for a sender). The chunked-OHTTP reader uses it to
 * tell a replayed chunk from a reordered one after a failure; tests use it
 * to reach exhaustion.
 */
confai_status hpke_impl_set_seq(struct confai_hpke_ctx *ctx, uint64_t seq,
                                confai_error *err);

/* Releases backend state and wipes its secrets; NULL is a no-op. */
void hpke_impl_free(hpke_impl *impl);

#endif /* CONFAI_CRYPTO_HPKE_INTERNAL_H */
