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

#endif /* CONFAI_SERVER_PCS_H */
