/*
 * AMD KDS (Key Distribution Service): the VCEK that signs a SEV-SNP report
 * and the ASK/ARK chain above it, fetched for the server's bundle when the
 * platform does not hand out its certificates (no extended report).
 *
 * URLs (AMD pub. 57230, chapter 4):
 *   {base}/vcek/v1/{Milan|Genoa}/{128 hex CHIP_ID}?blSPL=&teeSPL=&snpSPL=&ucodeSPL=
 *   {base}/vcek/v1/Turin/{16 hex: CHIP_ID[0..8]}?fmcSPL=&blSPL=&teeSPL=&snpSPL=&ucodeSPL=
 *   {base}/vcek/v1/{product}/cert_chain       PEM: ASK, then ARK
 * with the SPLs of the report's REPORTED_TCB, in decimal.
 *
 * With a cache directory (disk_cache.h) the VCEK is kept under product,
 * chip id and TCB until its notAfter, the chain under the product until the
 * earlier notAfter of the two: a restart, or the same TCB again, asks KDS
 * nothing. A fetched VCEK is stored only after its hwID and SPL extensions
 * matched the report. Signatures are not checked here: the verifier does.
 */
#ifndef CONFAI_SERVER_KDS_H
#define CONFAI_SERVER_KDS_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "attest/snp/snp.h"
#include "server/http_get.h"

#define KDS_DEFAULT_BASE_URL "https://kdsintf.amd.com"
#define KDS_URL_MAX 512 /* room for a URL kds_vcek_url builds */

typedef struct kds_options {
    const char *base_url;  /* NULL: KDS_DEFAULT_BASE_URL; no trailing slash needed */
    const char *cache_dir; /* NULL: no cache */
    http_get_options http;
} kds_options;

/* DER certificates, owned (OPENSSL_free; kds_chain_clear releases all). */
typedef struct kds_chain {
    uint8_t *vcek, *ask, *ark;
    size_t vcek_len, ask_len, ark_len;
} kds_chain;

/*
 * Fetches the VCEK for a report (SNP_REPORT_SIZE bytes) and the ASK/ARK
 * chain of its product. product: "Milan", "Genoa" or "Turin" (any case);
 * NULL takes it from the report's CPUID (versions 3 and later).
 * Errors (out then holds nothing), each with a message that names the fix:
 *   CONFAI_E_ARGUMENT               no product and a v2 report; an unknown
 *                                   product; a product the CPUID contradicts
 *   CONFAI_E_UNSUPPORTED            a VLEK-signed report, or a masked chip id
 *                                   (KDS has no VCEK for those)
 *   CONFAI_E_ENDORSEMENT_NOT_FOUND  KDS answered 404
 *   CONFAI_E_CERT_CHAIN             KDS's VCEK names another chip or TCB, or
 *                                   the answers are not the certificates asked
 *   CONFAI_E_ENDORSEMENT_UNAVAILABLE, CONFAI_E_TIMEOUT, CONFAI_E_HTTP_STATUS
 *                                   from http_get
 *   parse statuses of the report, cache errors (disk_cache.h)
 * o may be NULL (defaults, no cache).
 */
confai_status kds_fetch_vcek_chain(kds_chain *out, const uint8_t *report, size_t report_len,
                                   const char *product, const kds_options *o,
                                   confai_error *err);

/* Releases what a chain holds and zeroes it; NULL is a no-op. */
void kds_chain_clear(kds_chain *c);

/*
 * The VCEK URL for a parsed report's chip id and REPORTED_TCB under base
 * (as kds_fetch_vcek_chain builds it); exposed for tests. Errors:
 * CONFAI_E_ARGUMENT (unknown product), CONFAI_E_LIMIT (cap too small).
 */
confai_status kds_vcek_url(char *url, size_t cap, const char *base, const uint8_t chip_id[64],
                           uint64_t reported_tcb, snp_product product,
                           confai_error *err);

/*
 * The parsers kds_fetch_vcek_chain runs on KDS's answers and cache entries,
 * exposed for the unit and fuzz tests (tests/fuzz/fuzz_kds.c); no I/O.
 */

/*
 * The ASK then the ARK as PEM, named as AMD names them for product
 * ("SEV-Genoa", "ARK-Genoa"), into out's ask and ark (DER); *not_after the
 * earlier notAfter of the two. Errors: CONFAI_E_CERT_CHAIN,
 * CONFAI_E_NO_MEMORY.
 */
confai_status kds_parse_chain(kds_chain *out, int64_t *not_after, const uint8_t *pem,
                              size_t pem_len, snp_product product, confai_error *err);

/*
 * der is one certificate, the VCEK of r's chip at r's REPORTED_TCB for
 * product (its AMD extensions say so); *not_after its notAfter. chip names
 * the chip in messages. Errors: CONFAI_E_CERT_CHAIN.
 */
confai_status kds_check_vcek(int64_t *not_after, const uint8_t *der, size_t der_len,
                             const snp_report *r, snp_product product, const char *chip,
                             confai_error *err);

#endif /* CONFAI_SERVER_KDS_H */
