/*
 * X.509 chains to pinned roots, the one way libconfai verifies them: the
 * SEV-SNP, TDX and GPU verifiers pick their anchors (vendor pins or custom
 * roots), then hand the chain here. One map turns OpenSSL's verify errors
 * into confai statuses, so the same fault reads the same on every platform.
 *
 * Evidence is verified at a time the caller gives (seconds since the epoch),
 * never at the clock's time: recorded evidence stays verifiable.
 */
#ifndef CONFAI_CRYPTO_X509_H
#define CONFAI_CRYPTO_X509_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <confai/confai.h>

/* SHA-256 of a || b (b may be NULL when b_len is 0). Errors: CONFAI_E_INTERNAL. */
confai_status x509_sha256(uint8_t out[32], const uint8_t *a, size_t a_len, const uint8_t *b,
                          size_t b_len, confai_error *err);

/*
 * SHA-256 of a certificate's DER SubjectPublicKeyInfo: what roots are pinned
 * by, so a re-issued root with the same key still matches.
 * Errors: CONFAI_E_INTERNAL.
 */
confai_status x509_spki_sha256(uint8_t out[32], const X509 *cert, confai_error *err);

/* 1 and *out the seconds since the epoch of an ASN.1 time; 0 when it does not convert. */
int x509_time_epoch(int64_t *out, const ASN1_TIME *t);

/* What to verify. Everything is borrowed; nothing is changed or freed. */
typedef struct x509_chain_request {
    X509 *leaf;
    STACK_OF(X509) *intermediates; /* untrusted; NULL for none */
    STACK_OF(X509) *anchors;       /* the trusted roots the caller picked */
    int64_t at;                    /* verification time, seconds since the epoch */
    /*
     * Revocation. NULL or empty: none. Otherwise every certificate whose
     * issuer has a CRL here is checked against it (that CRL must verify, be
     * current and not list it); with require_crls, every certificate below
     * the anchor needs one.
     */
    STACK_OF(X509_CRL) *crls;
    int require_crls;
    int check_root_signature; /* verify the anchor's self-signature again */
    int strict;               /* X509_V_FLAG_X509_STRICT: RFC 5280 encoding rules */
    /*
     * The caller has already matched the chain's own root to a pinned key:
     * an issuer OpenSSL cannot find is then a broken link (CERT_CHAIN), not
     * an unknown root.
     */
    int root_pinned;
    /*
     * For messages: "<what>: <role> (chain depth <n>): <reason>", without
     * "<what>: " when what is NULL; roles[n] names the certificate at depth
     * n ("VCEK/VLEK certificate"), "certificate" past role_count.
     */
    const char *what;
    const char *const *roles;
    size_t role_count;
} x509_chain_request;

/*
 * Verifies req->leaf through the intermediates to one of the anchors at
 * req->at. With built non-NULL, *built is the verified path, leaf first and
 * anchor last (sk_X509_pop_free(*built, X509_free)); NULL on failure.
 * Errors: those of x509_status_of_error, with a message naming the
 * certificate and, for validity, its window and the verification time;
 * CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL, CONFAI_E_ARGUMENT.
 */
confai_status x509_chain_verify(STACK_OF(X509) **built, const x509_chain_request *req,
                                confai_error *err);

/*
 * The status of an X509_V_ERR_* code (the table is in x509.c); root_pinned
 * as in x509_chain_request.
 */
confai_status x509_status_of_error(int code, int root_pinned);

#endif /* CONFAI_CRYPTO_X509_H */
