/*
 * The response AEAD of OHTTP (RFC 9458 section 4.4), shared by plain and
 * chunked responses: key and nonce derived from the secret exported from the
 * HPKE context, then Seal/Open with nonce = aead_nonce XOR counter (a plain
 * response is counter 0). One cipher context keeps the key schedule, so a
 * chunk costs a nonce change and no allocation.
 */
#ifndef CONFAI_SEAL_OHTTP_AEAD_H
#define CONFAI_SEAL_OHTTP_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <confai/confai.h>

#include "crypto/hpke_suite.h"

#define OHTTP_AEAD_MAX_NN 12
#define OHTTP_AEAD_MAX_NK 32

typedef struct ohttp_aead {
    EVP_CIPHER_CTX *cctx; /* key set; encrypting or decrypting */
    uint8_t base_nonce[OHTTP_AEAD_MAX_NN];
    size_t n_n;
    size_t n_t;
    int encrypt;
} ohttp_aead;

/* max(Nn, Nk): the size of the secret and of the response nonce. */
size_t ohttp_aead_entropy_len(const hpke_aead_info *aead);

/*
 * prk = Extract(salt, secret); key = Expand(prk, "key", Nk);
 * nonce = Expand(prk, "nonce", Nn), with the HKDF of the suite's KDF. The
 * outputs hold aead->n_k and aead->n_n bytes.
 */
confai_status ohttp_aead_derive(uint8_t *key, uint8_t *nonce,
                                const hpke_kdf_info *kdf,
                                const hpke_aead_info *aead,
                                const uint8_t *secret, size_t secret_len,
                                const uint8_t *salt, size_t salt_len,
                                confai_error *err);

/* Derives as above and keys the cipher for sealing (encrypt 1) or opening. */
confai_status ohttp_aead_init(ohttp_aead *a, const confai_hpke_suite *suite,
                              int encrypt, const uint8_t *secret,
                              size_t secret_len, const uint8_t *salt,
                              size_t salt_len, confai_error *err);

/* Seals pt under counter; writes pt_len + n_t bytes to ct. */
confai_status ohttp_aead_seal(ohttp_aead *a, uint8_t *ct, uint64_t counter,
                              const uint8_t *aad, size_t aad_len,
                              const uint8_t *pt, size_t pt_len,
                              confai_error *err);

/*
 * Opens ct (at least n_t bytes) under counter; writes ct_len - n_t bytes to
 * pt, which are wiped again unless the tag verifies (CONFAI_E_DECRYPT).
 */
confai_status ohttp_aead_open(ohttp_aead *a, uint8_t *pt, uint64_t counter,
                              const uint8_t *aad, size_t aad_len,
                              const uint8_t *ct, size_t ct_len,
                              confai_error *err);

/*
 * Opening in pieces, for a chunk that arrives split: begin, update with the
 * ciphertext body as it comes (plaintext is written at once but must not be
 * used before finish succeeds), then finish with the tag. CONFAI_E_DECRYPT
 * from finish leaves the unauthenticated plaintext in place for
 * ohttp_aead_recover; the caller wipes it.
 */
confai_status ohttp_aead_open_begin(ohttp_aead *a, uint64_t counter,
                                    confai_error *err);
confai_status ohttp_aead_open_update(ohttp_aead *a, uint8_t *pt,
                                     const uint8_t *ct, size_t len,
                                     confai_error *err);
confai_status ohttp_aead_open_finish(ohttp_aead *a,
                                     const uint8_t tag[CONFAI_HPKE_TAG_SIZE],
                                     confai_error *err);

/*
 * Failure path only: gives back the ciphertext body of a chunk that failed
 * to open in pieces, from its decrypted bytes (all supported AEADs encrypt
 * by XOR with a keystream), so the chunk can be examined further.
 */
confai_status ohttp_aead_recover(ohttp_aead *a, uint8_t *ct, uint64_t counter,
                                 const uint8_t *pt, size_t len,
                                 confai_error *err);

/* Releases the cipher context and wipes the state; safe on a zeroed struct. */
void ohttp_aead_clear(ohttp_aead *a);

#endif /* CONFAI_SEAL_OHTTP_AEAD_H */
