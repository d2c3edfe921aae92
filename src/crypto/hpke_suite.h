/* RFC 9180 algorithm parameters (section 7), shared by both HPKE backends. */
#ifndef CONFAI_CRYPTO_HPKE_SUITE_H
#define CONFAI_CRYPTO_HPKE_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

typedef struct hpke_kem_info {
    uint16_t id;
    const char *name;          /* for messages: "DHKEM(X25519, HKDF-SHA256)" */
    const char *group;         /* OpenSSL name: "X25519", "P-256", ... */
    int is_nist_curve;         /* 1 for P-256/384/521, 0 for X25519/X448 */
    const char *kdf_digest;    /* the KEM's own HKDF hash: "SHA256", ... */
    size_t n_secret;           /* Nsecret */
    size_t n_enc;              /* Nenc */
    size_t n_pk;               /* Npk */
    size_t n_sk;               /* Nsk */
    uint8_t derive_bitmask;    /* DeriveKeyPair bitmask; 0 for X25519/X448 */
} hpke_kem_info;

typedef struct hpke_kdf_info {
    uint16_t id;
    const char *name;
    const char *digest;        /* OpenSSL digest name */
    size_t n_h;                /* Nh */
} hpke_kdf_info;

typedef struct hpke_aead_info {
    uint16_t id;
    const char *name;
    const char *cipher;        /* OpenSSL cipher name; NULL for export-only */
    size_t n_k;                /* Nk */
    size_t n_n;                /* Nn */
    size_t n_t;                /* Nt */
} hpke_aead_info;

/* Lookups; NULL when the id is not supported. */
const hpke_kem_info *hpke_kem_lookup(uint16_t id);
const hpke_kdf_info *hpke_kdf_lookup(uint16_t id);
const hpke_aead_info *hpke_aead_lookup(uint16_t id);

#endif /* CONFAI_CRYPTO_HPKE_SUITE_H */
