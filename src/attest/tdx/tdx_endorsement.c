/*
 * The endorsement of a TDX quote: what depends on the PCK chain the quote
 * carries and on the collateral, never on the quote's own fields.
 *
 *   PCK chain      leaf <- PCK Platform/Processor CA <- Intel SGX Root CA,
 *                  the root pinned by the SHA-256 of its SPKI (or a custom
 *                  root), checked with X509_verify_cert at the given time,
 *                  CRLs when supplied
 *   collateral     TCB info and QE identity signed by the TCB Signing cert
 *                  (chained to the same anchors), inside their validity, the
 *                  TCB info for the PCK certificate's FMSPC and PCE id
 *
 * Along the way it records the window in which every certificate, CRL and
 * document it relied on is valid, so that tdx_cache.c can reuse the result.
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/x509.h"

#define MAX_CRL_SIZE (1024 * 1024)

/* --- the window ------------------------------------------------------------------ */

static void narrow_to(tdx_endorsement *e, int64_t from, int64_t until)
{
    if (from > e->valid_from)
        e->valid_from = from;
    if (until < e->valid_until)
        e->valid_until = until;
}

/* [from, until]; until NULL: open-ended. A time that does not convert empties it. */
static void narrow(tdx_endorsement *e, const ASN1_TIME *from, const ASN1_TIME *until)
{
    int64_t a, b = INT64_MAX;
    if (!x509_time_epoch(&a, from) || (until != NULL && !x509_time_epoch(&b, until)))
        narrow_to(e, INT64_MAX, INT64_MIN);
    else
        narrow_to(e, a, b);
}

/* --- PEM chains ----------------------------------------------------------------- */

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

/*
 * Exactly `want` PEM certificates, separated and followed only by line
 * breaks (and, at the very end, NUL bytes, which Intel's quote generation
 * appends). Each body must be canonical base64 of exactly one DER
 * certificate: decoding and re-encoding gives the same characters, so no two
 * texts carry the same certificate.
 */
static confai_status parse_pem_chain(X509 **certs, size_t want, const uint8_t *pem, size_t len,
                                     const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t at = 0, n = 0;
    char *b64 = NULL;
    unsigned char *der = NULL, *again = NULL;
    b64 = confai_zalloc(len + 1);
    der = confai_zalloc(len + 1);
    again = confai_zalloc(len + 4);
    ENSURE(b64 != NULL && der != NULL && again != NULL, CONFAI_E_NO_MEMORY,
           "%s: out of memory", what);
    while (n < want) {
        while (at < len && (pem[at] == '\n' || pem[at] == '\r'))
            at++;
        ENSURE(len - at >= sizeof(pem_begin) - 1 &&
                   memcmp(pem + at, pem_begin, sizeof(pem_begin) - 1) == 0,
               CONFAI_E_CERT_CHAIN, "%s: certificate %zu: no PEM BEGIN line", what, n);
        at += sizeof(pem_begin) - 1;
        size_t b = 0;
        while (at < len && pem[at] != '-') {
            if (pem[at] == '\n' || pem[at] == '\r') {
                at++;
                continue;
            }
            ENSURE(is_b64(pem[at]), CONFAI_E_CERT_CHAIN,
                   "%s: certificate %zu: a character that is not base64", what, n);
            b64[b++] = (char)pem[at++];
        }
        ENSURE(len - at >= sizeof(pem_end) - 1 &&
                   memcmp(pem + at, pem_end, sizeof(pem_end) - 1) == 0,
               CONFAI_E_CERT_CHAIN, "%s: certificate %zu: no PEM END line", what, n);
        at += sizeof(pem_end) - 1;
        ENSURE(b > 0 && b % 4 == 0, CONFAI_E_CERT_CHAIN,
               "%s: certificate %zu: base64 length", what, n);
        int dl = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)b);
        ENSURE(dl > 0, CONFAI_E_CERT_CHAIN, "%s: certificate %zu: bad base64", what, n);
        size_t pad = (b64[b - 1] == '=') + (b64[b - 2] == '=');
        size_t der_len = (size_t)dl - pad;
        int el = EVP_EncodeBlock(again, der, (int)der_len);
        ENSURE(el == (int)b && memcmp(again, b64, b) == 0, CONFAI_E_CERT_CHAIN,
               "%s: certificate %zu: base64 not canonical", what, n);
        const unsigned char *p = der;
        certs[n] = d2i_X509(NULL, &p, (long)der_len);
        ENSURE(certs[n] != NULL && p == der + der_len, CONFAI_E_CERT_CHAIN,
               "%s: certificate %zu: not one DER certificate", what, n);
        n++;
    }
    while (at < len && (pem[at] == '\n' || pem[at] == '\r'))
        at++;
    while (at < len && pem[at] == 0)
        at++;
    ENSURE(at == len, CONFAI_E_CERT_CHAIN, "%s: data after the %zu certificates", what, want);
out:
    if (status != CONFAI_OK) {
        for (size_t i = 0; i < want; i++) {
            X509_free(certs[i]);
            certs[i] = NULL;
        }
    }
    confai_free_secret(b64, len + 1);
    confai_free_secret(der, len + 1);
    confai_free_secret(again, len + 4);
    return status;
}

/* --- chain verification --------------------------------------------------------- */

/* What each certificate is called in messages, leaf first. */
static const char *const pck_roles[] = { "PCK certificate", "PCK CA certificate",
                                         "root CA certificate" };
static const char *const signer_roles[] = { "TCB Signing certificate", "root CA certificate" };

/*
 * certs[0] is the leaf, certs[n-1] the root, roles[] names all n; CRLs may
 * be NULL. With window set, narrows it to the validity of every certificate
 * of the built chain (the anchor in place of the sent root), which
 * x509_chain_verify checked.
 */
static confai_status chain_verify(tdx_root_kind *kind, tdx_endorsement *window,
                                  const tdx_trust *trust, X509 **certs, size_t n,
                                  const char *const *roles, STACK_OF(X509_CRL) *crls,
                                  int64_t at, const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    STACK_OF(X509) *anchors = NULL, *untrusted = NULL, *built = NULL;
    GUARD(tdx_trust_anchors(&anchors, kind, trust, certs[n - 1], what, err));
    untrusted = sk_X509_new_null();
    OSSL_ENSURE(untrusted != NULL, CONFAI_E_NO_MEMORY, "chain");
    for (size_t i = 1; i + 1 < n; i++)
        OSSL_ENSURE(sk_X509_push(untrusted, certs[i]) > 0, CONFAI_E_NO_MEMORY, "chain");
    x509_chain_request req = {
        .leaf = certs[0], .intermediates = untrusted, .anchors = anchors, .at = at,
        .crls = crls, .check_root_signature = 1, .strict = 1,
        .root_pinned = 1, /* tdx_trust_anchors matched the sent root */
        .what = what, .roles = roles, .role_count = n,
    };
    GUARD(x509_chain_verify(&built, &req, err));
    /* the chain OpenSSL built must be exactly the one sent */
    ENSURE((size_t)sk_X509_num(built) == n, CONFAI_E_CERT_CHAIN,
           "%s: the verified chain is not the %zu certificates sent", what, n);
    for (int i = 0; window != NULL && i < sk_X509_num(built); i++) {
        const X509 *cert = sk_X509_value(built, i);
        narrow(window, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
    }
out:
    sk_X509_pop_free(built, X509_free);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    return status;
}

/* --- CRLs ----------------------------------------------------------------------- */

/* Absent (NULL or empty) is no CRL; otherwise exactly one DER CRL. */
static confai_status add_crl(STACK_OF(X509_CRL) *crls, const uint8_t *der_bytes, size_t len,
                             const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (der_bytes == NULL || len == 0)
        return CONFAI_OK;
    const unsigned char *p = der_bytes;
    ENSURE(len <= MAX_CRL_SIZE, CONFAI_E_LIMIT, "%s: too large", what);
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
    if (crl == NULL || p != der_bytes + len) {
        X509_CRL_free(crl);
        ERR_clear_error();
        BAIL(CONFAI_E_COLLATERAL, "%s: not one DER CRL", what);
    }
    if (sk_X509_CRL_push(crls, crl) <= 0) {
        X509_CRL_free(crl);
        BAIL(CONFAI_E_NO_MEMORY, "%s: out of memory", what);
    }
out:
    return status;
}

static confai_status parse_crls(STACK_OF(X509_CRL) **crls, const tdx_collateral *c,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    *crls = sk_X509_CRL_new_null();
    OSSL_ENSURE(*crls != NULL, CONFAI_E_NO_MEMORY, "CRLs");
    if (c == NULL)
        goto out;
    GUARD(add_crl(*crls, c->pck_crl, c->pck_crl_len, "PCK CRL", err));
    GUARD(add_crl(*crls, c->root_crl, c->root_crl_len, "root CA CRL", err));
    for (size_t i = 0; i < c->extra_crl_count; i++)
        GUARD(add_crl(*crls, c->extra_crls[i], c->extra_crl_lens[i], "extra CRL", err));
out:
    return status;
}

/* --- the PCK chain ---------------------------------------------------------------- */

static confai_status verify_pck_chain(tdx_endorsement *e, const tdx_trust *trust,
                                      const uint8_t *pem, size_t pem_len,
                                      STACK_OF(X509_CRL) *crls, int64_t verify_time,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *chain[3] = { NULL, NULL, NULL };
    GUARD(parse_pem_chain(chain, 3, pem, pem_len, "PCK chain", err));
    GUARD(chain_verify(&e->root_kind, e, trust, chain, 3, pck_roles, crls, verify_time,
                       "PCK chain", err));
    e->not_before = INT64_MIN;
    e->not_after = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        int64_t nb = 0, na = 0;
        (void)x509_time_epoch(&nb, X509_get0_notBefore(chain[i]));
        (void)x509_time_epoch(&na, X509_get0_notAfter(chain[i]));
        if (nb > e->not_before)
            e->not_before = nb;
        if (na < e->not_after)
            e->not_after = na;
    }
    GUARD(tdx_pck_info_from_x509(&e->pck, chain[0], err));
    GUARD(x509_spki_sha256(e->root_spki_sha256, chain[2], err));
    /* chain_verify checked against every CRL whose issuer is a CA of the chain */
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        const X509_NAME *issuer = X509_CRL_get_issuer(sk_X509_CRL_value(crls, i));
        if (X509_NAME_cmp(issuer, X509_get_subject_name(chain[1])) == 0)
            e->pck_crl_checked = 1;
        if (X509_NAME_cmp(issuer, X509_get_subject_name(chain[2])) == 0)
            e->root_crl_checked = 1;
    }
    EVP_PKEY *key = X509_get0_pubkey(chain[0]);
    ENSURE(tdx_is_p256(key), CONFAI_E_CERT_CHAIN, "PCK certificate: key is not P-256");
    OSSL_ENSURE(EVP_PKEY_up_ref(key) == 1, CONFAI_E_INTERNAL, "PCK key");
    e->pck_key = key;
out:
    for (int i = 0; i < 3; i++)
        X509_free(chain[i]);
    return status;
}

/* --- collateral ------------------------------------------------------------------ */

/*
 * The collateral's signer: the TCB Signing certificate, chained to the same
 * anchors at signer_time (or the verification time, which then bounds the
 * window). Verified once for both documents; *signer holds the certificate
 * (X509_free).
 */
static confai_status verify_signer(X509 **signer, tdx_root_kind *kind, tdx_endorsement *e,
                                   const tdx_trust *trust, const tdx_collateral *c,
                                   STACK_OF(X509_CRL) *crls, int64_t verify_time,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *chain[2] = { NULL, NULL };
    const char *label = "TCB signing chain";
    ENSURE(c->signing_chain != NULL && c->signing_chain_len > 0, CONFAI_E_COLLATERAL,
           "TDX collateral: no signing chain (TCB-Info-Issuer-Chain) was supplied");
    GUARD(parse_pem_chain(chain, 2, (const uint8_t *)c->signing_chain, c->signing_chain_len,
                          label, err));
    int64_t at = c->signer_time != 0 ? c->signer_time : verify_time;
    GUARD(chain_verify(kind, c->signer_time != 0 ? NULL : e, trust, chain, 2, signer_roles,
                       crls, at, label, err));
    ENSURE(tdx_is_p256(X509_get0_pubkey(chain[0])), CONFAI_E_COLLATERAL,
           "TDX collateral: the signing key is not P-256");
    *signer = chain[0];
    chain[0] = NULL;
out:
    X509_free(chain[0]);
    X509_free(chain[1]);
    return status;
}

static confai_status verify_document(tdx_endorsement *e, X509 *signer, const char *span,
                                     size_t span_len, const uint8_t sig[64], int64_t issue,
                                     int64_t next, int64_t verify_time, const char *what,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(tdx_ecdsa_verify(X509_get0_pubkey(signer), sig, (const uint8_t *)span, span_len,
                           what, err));
    ENSURE(verify_time >= issue, CONFAI_E_COLLATERAL,
           "%s: issued after the verification time", what);
    ENSURE(verify_time <= next, CONFAI_E_COLLATERAL,
           "%s: stale (nextUpdate before the verification time)", what);
    narrow_to(e, issue, next);
    if (next < e->not_after)
        e->not_after = next;
out:
    return status;
}

static confai_status verify_collateral(tdx_endorsement *e, const tdx_trust *trust,
                                       const tdx_collateral *c, STACK_OF(X509_CRL) *crls,
                                       int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *signer = NULL;
    tdx_tcb_info *info = NULL;
    tdx_qe_identity *qeid = NULL;
    if (c == NULL)
        return CONFAI_OK;
    /* both documents are parsed before the signer is verified */
    if (c->tcb_info != NULL)
        GUARD(tdx_tcb_info_parse(&info, c->tcb_info, c->tcb_info_len, err));
    if (c->qe_identity != NULL)
        GUARD(tdx_qe_identity_parse(&qeid, c->qe_identity, c->qe_identity_len, err));
    if (info != NULL || qeid != NULL) {
        tdx_root_kind kind;
        GUARD(verify_signer(&signer, &kind, e, trust, c, crls, verify_time, err));
        ENSURE(kind == e->root_kind, CONFAI_E_UNKNOWN_ROOT,
               "TDX collateral: signed under another kind of root than the PCK chain");
    }
    if (info != NULL) {
        GUARD(verify_document(e, signer, info->signed_span, info->signed_span_len,
                              info->signature, info->issue_date, info->next_update,
                              verify_time, "TCB info", err));
        const uint8_t *f = info->fmspc, *p = e->pck.fmspc;
        ENSURE(memcmp(f, p, 6) == 0, CONFAI_E_TCB_MISMATCH,
               "TCB info: FMSPC %02x%02x%02x%02x%02x%02x is not the PCK certificate's "
               "%02x%02x%02x%02x%02x%02x",
               f[0], f[1], f[2], f[3], f[4], f[5], p[0], p[1], p[2], p[3], p[4], p[5]);
        ENSURE(memcmp(info->pce_id, e->pck.pce_id, 2) == 0, CONFAI_E_TCB_MISMATCH,
               "TCB info: PCE id is not the PCK certificate's");
        /* the signed text is the caller's; what was read from it stays */
        info->signed_span = NULL;
        info->signed_span_len = 0;
    }
    if (qeid != NULL) {
        GUARD(verify_document(e, signer, qeid->signed_span, qeid->signed_span_len,
                              qeid->signature, qeid->issue_date, qeid->next_update,
                              verify_time, "QE identity", err));
        qeid->signed_span = NULL;
        qeid->signed_span_len = 0;
    }
    e->tcb_info = info;
    e->qe_identity = qeid;
    info = NULL;
    qeid = NULL;
out:
    X509_free(signer);
    tdx_tcb_info_free(info);
    tdx_qe_identity_free(qeid);
    return status;
}

/* --- the whole endorsement ---------------------------------------------------------- */

confai_status tdx_endorsement_verify(tdx_endorsement *e, const tdx_trust *trust,
                                     const uint8_t *pck_chain, size_t pck_chain_len,
                                     const tdx_collateral *collateral, int64_t verify_time,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    STACK_OF(X509_CRL) *crls = NULL;
    memset(e, 0, sizeof(*e));
    e->valid_from = INT64_MIN;
    e->valid_until = INT64_MAX;
    GUARD(parse_crls(&crls, collateral, err));
    GUARD(verify_pck_chain(e, trust, pck_chain, pck_chain_len, crls, verify_time, err));
    GUARD(verify_collateral(e, trust, collateral, crls, verify_time, err));
    /*
     * Every CRL bounds the window, also one no certificate here needed:
     * narrower than necessary is only a cache miss.
     */
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        const X509_CRL *crl = sk_X509_CRL_value(crls, i);
        narrow(e, X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl));
    }
out:
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    ERR_clear_error();
    if (status != CONFAI_OK)
        tdx_endorsement_clear(e);
    return status;
}

void tdx_endorsement_clear(tdx_endorsement *e)
{
    if (e == NULL)
        return;
    EVP_PKEY_free(e->pck_key);
    tdx_tcb_info_free(e->tcb_info);
    tdx_qe_identity_free(e->qe_identity);
    memset(e, 0, sizeof(*e));
}
