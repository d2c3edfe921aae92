/*
 * Intel PCS (Provisioning Certification Service, API v4) or a PCCS in front
 * of it: the collateral a TDX quote's verifier needs, fetched for the
 * server's bundle.
 *
 *   {base}/tdx/certification/v4/tcb?fmspc={fmspc}      TCB info (JSON),
 *       header TCB-Info-Issuer-Chain (URL-encoded PEM)
 *   {base}/tdx/certification/v4/qe/identity            QE identity (JSON),
 *       header SGX-Enclave-Identity-Issuer-Chain
 *   {base}/sgx/certification/v4/pckcrl?ca={processor|platform}&encoding=der
 *       the PCK CA's CRL, header SGX-PCK-CRL-Issuer-Chain
 *   the Intel SGX Root CA's CRL: with the default base from
 *       PCS_DEFAULT_ROOT_CRL_URL; with another base (a PCCS) from
 *       {base}/sgx/certification/v4/rootcacrl (DER, PEM or hex accepted)
 *
 * The FMSPC and the PCK CA (processor or platform) come from the PCK leaf
 * certificate in the quote's certification data. With a cache directory
 * (disk_cache.h) each document is kept until its nextUpdate (JSON member
 * nextUpdate; the CRLs' nextUpdate field) and fetched again once that is
 * past. The documents are parsed (tdx_tcb_info_parse, tdx_qe_identity_parse,
 * DER CRLs) before they are cached or returned; signatures are the
 * verifier's business.
 */
#ifndef CONFAI_SERVER_PCS_H
#define CONFAI_SERVER_PCS_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "attest/bundle.h"
#include "server/http_get.h"

#define PCS_DEFAULT_BASE_URL "https://api.trustedservices.intel.com"
#define PCS_DEFAULT_ROOT_CRL_URL "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"

typedef struct pcs_options {
    const char *base_url;  /* NULL: PCS_DEFAULT_BASE_URL (Intel's PCS) */
    const char *cache_dir; /* NULL: no cache */
    http_get_options http;
    int64_t now;           /* seconds since the epoch; 0: time(NULL) */
} pcs_options;

/*
 * Indexed by bundle_tdx_collateral, each the bytes its bundle member
 * carries: the TCB info and QE identity JSON bodies as served, the issuer
 * chains as PEM (URL-decoded header values), the PCK CRL and the root CA
 * CRL as DER. Owned (OPENSSL_free; pcs_collateral_clear releases all).
 */
typedef struct pcs_collateral {
    uint8_t *item[BUNDLE_TDX_COLLATERAL_COUNT];
    size_t len[BUNDLE_TDX_COLLATERAL_COUNT];
} pcs_collateral;

/*
 * Fetches the collateral for a quote (quote_len bytes; zero padding after
 * the quote is accepted). Errors (out then holds nothing):
 *   CONFAI_E_ARGUMENT                NULL arguments
 *   parse statuses of the quote; CONFAI_E_CERT_CHAIN when its PCK leaf
 *                                    has no FMSPC or an unknown issuer
 *   CONFAI_E_ENDORSEMENT_NOT_FOUND   PCS answered 404 (unknown FMSPC, ...)
 *   CONFAI_E_COLLATERAL_EXPIRED      a document is past its nextUpdate and
 *                                    no fresher one could be fetched
 *   CONFAI_E_COLLATERAL              a served document does not parse, is
 *                                    for another FMSPC, or lacks its issuer
 *                                    chain header
 *   CONFAI_E_ENDORSEMENT_UNAVAILABLE, CONFAI_E_TIMEOUT, CONFAI_E_HTTP_STATUS
 *                                    from http_get; cache errors
 * o may be NULL (Intel's PCS, no cache, the current time).
 */
confai_status pcs_fetch_collateral(pcs_collateral *out, const uint8_t *quote, size_t quote_len,
                                   const pcs_options *o, confai_error *err);

/* Releases what a collateral holds and zeroes it; NULL is a no-op. */
void pcs_collateral_clear(pcs_collateral *c);

/*
 * The parsers pcs_fetch_collateral runs on each answer and cache entry,
 * exposed for the unit and fuzz tests (tests/fuzz/fuzz_pcs.c); no I/O.
 */

#define PCS_URL_MAX 512

/* The four documents of a TDX quote's collateral. */
typedef enum pcs_doc_kind {
    PCS_DOC_TCB_INFO,
    PCS_DOC_QE_IDENTITY,
    PCS_DOC_PCK_CRL,
    PCS_DOC_ROOT_CRL
} pcs_doc_kind;

/* What to fetch and how to check it. */
typedef struct pcs_doc_request {
    pcs_doc_kind kind;
    char what[64];              /* "TCB info for FMSPC 50806f000000", for messages */
    char url[PCS_URL_MAX];
    char key[96];               /* cache key */
    const char *chain_header;   /* NULL: the document comes without one */
    uint8_t fmspc[6];           /* TCB info: the FMSPC asked for */
} pcs_doc_request;

/* One document as fetched or cached (OPENSSL_malloc'd, NUL after each part). */
typedef struct pcs_doc {
    uint8_t *body;              /* JSON as served, or a DER CRL */
    size_t body_len;
    uint8_t *chain;             /* PEM; NULL for the root CA CRL */
    size_t chain_len;
} pcs_doc;

/* Releases what d holds and zeroes it. */
void pcs_doc_clear(pcs_doc *d);

/*
 * A CRL as DER (*der, OPENSSL_free), from DER, one PEM block, or hex of DER
 * (older PCCS); what names it in messages. On failure *der is NULL.
 * Errors: CONFAI_E_COLLATERAL, CONFAI_E_NO_MEMORY.
 */
confai_status pcs_crl_to_der(uint8_t **der, size_t *der_len, const uint8_t *in, size_t len,
                             const char *what, confai_error *err);

/*
 * Checks a document as served or cached against its request and gives its
 * nextUpdate: TCB info (parsed, and of the FMSPC asked for), QE identity
 * (parsed), a CRL (also rewritten as DER into *norm, OPENSSL_free; NULL
 * for JSON). On failure *norm is NULL. Errors: the TDX collateral parsers'
 * (CONFAI_E_COLLATERAL, CONFAI_E_LIMIT), CONFAI_E_NO_MEMORY.
 */
confai_status pcs_check_doc(int64_t *next_update, uint8_t **norm, size_t *norm_len,
                            const pcs_doc_request *req, const uint8_t *body, size_t len,
                            confai_error *err);

/*
 * %XX decoding of an issuer chain header (no '+' rule: base64 keeps its
 * '+'), NUL-terminated (*out, OPENSSL_free). Errors: CONFAI_E_COLLATERAL (a
 * bad escape), CONFAI_E_NO_MEMORY.
 */
confai_status pcs_url_decode(uint8_t **out, size_t *out_len, const char *in, size_t len,
                             const char *what, confai_error *err);

/*
 * A cache entry: body and chain, each after its length (4 bytes,
 * big-endian). pcs_frame makes one (*out, OPENSSL_free); pcs_unframe gives
 * 1 and fills d with copies when p is exactly one well-framed entry, else 0.
 */
confai_status pcs_frame(uint8_t **out, size_t *out_len, const pcs_doc *d, confai_error *err);
int pcs_unframe(pcs_doc *d, const uint8_t *p, size_t n);

#endif /* CONFAI_SERVER_PCS_H */
