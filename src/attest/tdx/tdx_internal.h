/*
 * What the TDX verifier's own files share (tdx.h is the interface to the
 * layers above): P-256 helpers, the trust's fingerprint, the PCK
 * certificate's SGX extensions, the endorsement a verified PCK chain and
 * collateral yield, and the cache of such endorsements.
 *
 * A verification has two parts. The endorsement (tdx_endorsement.c) depends
 * only on the PCK chain the quote carries, the collateral and the trust: the
 * chain to its root, the CRLs, the TCB Signing chain and the two documents.
 * The quote part (tdx_verify.c) checks what every quote brings anew: the QE
 * report signature by the PCK key and its binding, the quote signature, and
 * the TCB level and QE identity evaluation of its SVNs. A cached endorsement
 * (tdx_cache.c) replaces the first part only.
 */
#ifndef CONFAI_ATTEST_TDX_INTERNAL_H
#define CONFAI_ATTEST_TDX_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/tdx/tdx.h"

#define TDX_MAX_DER_SIZE (16 * 1024)

/* --- P-256 (tdx_crypto.c) ---------------------------------------------------- */

/* 1 when key is an EC key on P-256. */
int tdx_is_p256(EVP_PKEY *key);

/*
 * ECDSA P-256 with SHA-256 over msg; sig is r || s (big-endian), as Intel
 * writes it. Errors: CONFAI_E_BAD_SIGNATURE naming `what`.
 */
confai_status tdx_ecdsa_verify(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *msg,
                               size_t msg_len, const char *what, confai_error *err);

/* --- the trust (tdx_trust.c) ------------------------------------------------ */

/*
 * SHA-256 over the trust's custom roots (the Intel pin is built in): equal
 * fingerprints, equal verdicts for the same chain. Keys the cache.
 */
const uint8_t *tdx_trust_fingerprint(const tdx_trust *trust);

/*
 * The anchors for a chain whose last certificate is `root`: the sent root
 * itself when its key is Intel's pinned one, otherwise the custom roots with
 * the same key. *anchors borrows the certificates; the caller releases it
 * with sk_X509_free, also on failure.
 * Errors: CONFAI_E_CERT_CHAIN (root not self-issued), CONFAI_E_UNKNOWN_ROOT.
 */
confai_status tdx_trust_anchors(STACK_OF(X509) **anchors, tdx_root_kind *kind,
                                const tdx_trust *trust, X509 *root, const char *what,
                                confai_error *err);

/* --- SGX extensions of the PCK certificate (tdx_pck.c) ---------------------- */

/* As tdx_pck_info_from_der, on a parsed certificate. */
confai_status tdx_pck_info_from_x509(tdx_pck_info *info, X509 *cert, confai_error *err);

/* --- the endorsement (tdx_endorsement.c) ------------------------------------ */

/* What a verified PCK chain with its collateral says, whatever the quote. */
typedef struct tdx_endorsement {
    EVP_PKEY *pck_key;             /* the PCK leaf's P-256 key (owned) */
    tdx_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    tdx_pck_info pck;
    int64_t not_before;            /* as tdx_verified reports them: the PCK chain's */
    int64_t not_after;             /* validity, capped by the documents' nextUpdate */
    int pck_crl_checked;
    int root_crl_checked;
    /*
     * The documents, parsed and signature-checked, or NULL when not supplied
     * (owned). Their signed_span is cleared: it pointed into the caller's text.
     */
    tdx_tcb_info *tcb_info;
    tdx_qe_identity *qe_identity;
    /*
     * Every certificate of both chains as built (anchors included), every
     * CRL and both documents are valid at any time strictly between these:
     * there the same inputs verify the same way.
     */
    int64_t valid_from;
    int64_t valid_until;
} tdx_endorsement;

/*
 * Verifies the PEM PCK chain (from a quote) and the collateral at
 * verify_time, with the statuses tdx_verify lists for them. collateral may
 * be NULL; its extra CRL arrays must be consistent (tdx_verify checks). On
 * failure *e is zeroed.
 */
confai_status tdx_endorsement_verify(tdx_endorsement *e, const tdx_trust *trust,
                                     const uint8_t *pck_chain, size_t pck_chain_len,
                                     const tdx_collateral *collateral, int64_t verify_time,
                                     confai_error *err);

/* Releases what an endorsement owns and zeroes it. */
void tdx_endorsement_clear(tdx_endorsement *e);

/* --- the endorsement cache (tdx_cache.c) ------------------------------------ */

/*
 * The cache key: SHA-256 over the trust's fingerprint and, each with its
 * presence and length, the PCK chain bytes and every collateral input.
 */
confai_status tdx_cache_id(uint8_t id[32], const tdx_trust *trust, const uint8_t *pck_chain,
                           size_t pck_chain_len, const tdx_collateral *collateral,
                           confai_error *err);

/* The entry for id when verify_time lies strictly inside its window; or NULL. */
const tdx_endorsement *tdx_cache_find(tdx_cache *cache, const uint8_t id[32],
                                      int64_t verify_time);

/*
 * Stores e under id, replacing an entry with the same id or else the oldest.
 * Takes what e owns (e is zeroed); cannot fail.
 */
void tdx_cache_put(tdx_cache *cache, const uint8_t id[32], tdx_endorsement *e);

/* For tests: entries held and lookups answered from the cache so far. */
void tdx_cache_stats(const tdx_cache *cache, size_t *entries, size_t *hits);

#endif /* CONFAI_ATTEST_TDX_INTERNAL_H */
