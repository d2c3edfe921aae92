/*
 * TDX quote verification (Intel TDX DCAP Quote Verification Library rules):
 *
 *   PCK chain      leaf <- PCK Platform/Processor CA <- Intel SGX Root CA,
 *                  the root pinned by the SHA-256 of its SPKI (or a custom
 *                  root), checked with X509_verify_cert at the given time,
 *                  CRLs when supplied
 *   QE report      ECDSA P-256 by the PCK leaf; its report data is
 *                  SHA-256(attestation key || QE auth data) || 32 zero bytes
 *   quote          ECDSA P-256 by the attestation key over header (+ v5
 *                  body descriptor) + body
 *   collateral     TCB info and QE identity signed by the TCB Signing cert
 *                  (chained to the same anchors), inside their validity
 *   TCB            the first TCB level whose SGX components and PCE SVN (from
 *                  the PCK leaf) and TDX components (TEE_TCB_SVN) are all at
 *                  least the level's; TDX module identity for TEE_TCB_SVN[1]
 *                  > 0; QE identity level of the QE's ISVSVN; converged.
 */
#include "attest/tdx.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/memory.h"

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of the Intel SGX Root CA
 * (CN=Intel SGX Root CA, O=Intel Corporation, valid 2018-05-21..2049-12-31;
 * certificate SHA-256 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3).
 * Recompute from the certificate (e.g. go-tdx-guest verify/trusted_root.pem,
 * or https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem):
 *   openssl x509 -in trusted_root.pem -pubkey -noout \
 *     | openssl pkey -pubin -outform DER | openssl dgst -sha256
 */
const uint8_t tdx_intel_root_spki_sha256[32] = {
    0xa0, 0xaf, 0x03, 0x12, 0x89, 0xf5, 0xd5, 0xd4, 0x13, 0x2f, 0x91, 0x86, 0x06, 0x8a, 0x7f, 0xc1,
    0x36, 0x28, 0x63, 0x3b, 0xa2, 0x35, 0x77, 0x74, 0x72, 0xe2, 0x9b, 0x6b, 0x6c, 0x67, 0xa4, 0x9e,
};

#define MAX_CUSTOM_ROOTS 16
#define MAX_DER_SIZE (16 * 1024)

struct tdx_trust {
    STACK_OF(X509) *roots;
    uint8_t root_spki[MAX_CUSTOM_ROOTS][32];
};

/* --- small helpers ------------------------------------------------------------ */

static confai_status sha256(uint8_t out[32], const uint8_t *a, size_t a_len, const uint8_t *b,
                            size_t b_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(md, a, a_len) == 1 &&
                    (b_len == 0 || EVP_DigestUpdate(md, b, b_len) == 1) &&
                    EVP_DigestFinal_ex(md, out, NULL) == 1,
                CONFAI_E_INTERNAL, "SHA-256");
out:
    EVP_MD_CTX_free(md);
    return status;
}

static confai_status spki_sha256(uint8_t out[32], X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    OSSL_ENSURE(len > 0, CONFAI_E_INTERNAL, "encoding a SubjectPublicKeyInfo");
    GUARD(sha256(out, der, (size_t)len, NULL, 0, err));
out:
    OPENSSL_free(der);
    return status;
}

static int64_t asn1_time_to_epoch(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    /* days from civil (proleptic Gregorian), no timegm needed */
    int64_t y = (int64_t)tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* --- trust -------------------------------------------------------------------- */

confai_status tdx_trust_new(tdx_trust **trust, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(trust != NULL, "trust");
    *trust = confai_zalloc(sizeof(**trust));
    ENSURE(*trust != NULL, CONFAI_E_NO_MEMORY, "TDX trust: out of memory");
    (*trust)->roots = sk_X509_new_null();
    if ((*trust)->roots == NULL) {
        tdx_trust_free(*trust);
        *trust = NULL;
        BAIL(CONFAI_E_NO_MEMORY, "TDX trust: out of memory");
    }
out:
    return status;
}

void tdx_trust_free(tdx_trust *trust)
{
    if (trust == NULL)
        return;
    sk_X509_pop_free(trust->roots, X509_free);
    confai_free_secret(trust, sizeof(*trust));
}

confai_status tdx_trust_add_root(tdx_trust *trust, const uint8_t *der, size_t der_len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *cert = NULL;
    uint8_t spki[32];
    ENSURE_ARG(trust != NULL, "trust");
    ENSURE_ARG(der != NULL && der_len > 0 && der_len <= MAX_DER_SIZE, "der");
    const unsigned char *p = der;
    cert = d2i_X509(NULL, &p, (long)der_len);
    ENSURE(cert != NULL && p == der + der_len, CONFAI_E_MALFORMED,
           "TDX custom root: not one DER certificate");
    ENSURE(X509_check_ca(cert) >= 1 && X509_check_issued(cert, cert) == X509_V_OK,
           CONFAI_E_CERT_CHAIN, "TDX custom root: not a self-signed CA");
    GUARD(spki_sha256(spki, cert, err));
    int n = sk_X509_num(trust->roots);
    for (int i = 0; i < n; i++)
        if (X509_cmp(sk_X509_value(trust->roots, i), cert) == 0)
            goto out;
    ENSURE(n < MAX_CUSTOM_ROOTS, CONFAI_E_LIMIT, "TDX trust: more than %d custom roots",
           MAX_CUSTOM_ROOTS);
    OSSL_ENSURE(sk_X509_push(trust->roots, cert) > 0, CONFAI_E_NO_MEMORY, "adding a root");
    memcpy(trust->root_spki[n], spki, 32);
    cert = NULL;
out:
    X509_free(cert);
    return status;
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

static int tolerate_missing_crl(int ok, X509_STORE_CTX *ctx)
{
    if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
        return 1;
    return ok;
}

static confai_status status_of_x509_error(int code)
{
    switch (code) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return CONFAI_E_CERT_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return CONFAI_E_CERT_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
        return CONFAI_E_COLLATERAL;
    default:
        return CONFAI_E_CERT_CHAIN;
    }
}

/*
 * The anchor for a chain whose last certificate is `root`: Intel's pinned
 * root (the sent certificate itself is then the anchor) or a custom root with
 * the same key (then the custom root's own certificate is the anchor).
 */
static confai_status pick_anchor(STACK_OF(X509) **anchors, tdx_root_kind *kind,
                                 const tdx_trust *trust, X509 *root, const char *what,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t spki[32];
    ENSURE(X509_check_issued(root, root) == X509_V_OK, CONFAI_E_CERT_CHAIN,
           "%s: the last certificate is not self-issued", what);
    GUARD(spki_sha256(spki, root, err));
    *anchors = sk_X509_new_null();
    OSSL_ENSURE(*anchors != NULL, CONFAI_E_NO_MEMORY, "trust anchors");
    if (CRYPTO_memcmp(spki, tdx_intel_root_spki_sha256, 32) == 0) {
        OSSL_ENSURE(sk_X509_push(*anchors, root) > 0, CONFAI_E_NO_MEMORY, "trust anchors");
        *kind = TDX_ROOT_VENDOR;
        goto out;
    }
    for (int i = 0; i < sk_X509_num(trust->roots); i++)
        if (CRYPTO_memcmp(spki, trust->root_spki[i], 32) == 0)
            OSSL_ENSURE(sk_X509_push(*anchors, sk_X509_value(trust->roots, i)) > 0,
                        CONFAI_E_NO_MEMORY, "trust anchors");
    ENSURE(sk_X509_num(*anchors) > 0, CONFAI_E_UNKNOWN_ROOT,
           "%s: the root is neither the pinned Intel SGX Root CA nor a custom root", what);
    *kind = TDX_ROOT_CUSTOM;
out:
    return status;
}

/* certs[0] is the leaf, certs[n-1] the root; CRLs may be NULL. */
static confai_status chain_verify(tdx_root_kind *kind, const tdx_trust *trust, X509 **certs,
                                  size_t n, STACK_OF(X509_CRL) *crls, int64_t at,
                                  const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    STACK_OF(X509) *anchors = NULL, *untrusted = NULL;
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    GUARD(pick_anchor(&anchors, kind, trust, certs[n - 1], what, err));
    untrusted = sk_X509_new_null();
    OSSL_ENSURE(untrusted != NULL, CONFAI_E_NO_MEMORY, "chain");
    for (size_t i = 1; i + 1 < n; i++)
        OSSL_ENSURE(sk_X509_push(untrusted, certs[i]) > 0, CONFAI_E_NO_MEMORY, "chain");
    store = X509_STORE_new();
    ctx = X509_STORE_CTX_new();
    OSSL_ENSURE(store != NULL && ctx != NULL, CONFAI_E_NO_MEMORY, "X509_STORE_CTX_new");
    OSSL_ENSURE(X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1, CONFAI_E_INTERNAL,
                "X509_STORE_CTX_init");
    X509_STORE_CTX_set0_trusted_stack(ctx, anchors);
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    unsigned long flags = X509_V_FLAG_CHECK_SS_SIGNATURE | X509_V_FLAG_X509_STRICT;
    if (crls != NULL && sk_X509_CRL_num(crls) > 0) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
        X509_STORE_CTX_set0_crls(ctx, crls);
        X509_STORE_CTX_set_verify_cb(ctx, tolerate_missing_crl);
    }
    OSSL_ENSURE(X509_VERIFY_PARAM_set_flags(param, flags) == 1, CONFAI_E_INTERNAL,
                "X509_VERIFY_PARAM_set_flags");
    if (X509_verify_cert(ctx) != 1) {
        int code = X509_STORE_CTX_get_error(ctx);
        BAIL(status_of_x509_error(code), "%s: certificate at depth %d: %s", what,
             X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(code));
    }
    /* the chain OpenSSL built must be exactly the one sent */
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
    ENSURE(built != NULL && (size_t)sk_X509_num(built) == n, CONFAI_E_CERT_CHAIN,
           "%s: the verified chain is not the %zu certificates sent", what, n);
out:
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    ERR_clear_error();
    return status;
}

/* --- ECDSA P-256 ---------------------------------------------------------------- */

static confai_status ecdsa_verify(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *msg,
                                  size_t msg_len, const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(s != NULL && r != NULL && ss != NULL && md != NULL, CONFAI_E_NO_MEMORY, what);
    OSSL_ENSURE(ECDSA_SIG_set0(s, r, ss) == 1, CONFAI_E_INTERNAL, what);
    r = ss = NULL;
    int der_len = i2d_ECDSA_SIG(s, &der);
    OSSL_ENSURE(der_len > 0, CONFAI_E_INTERNAL, what);
    OSSL_ENSURE(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1,
                CONFAI_E_BAD_SIGNATURE, what);
    int ok = EVP_DigestVerify(md, der, (size_t)der_len, msg, msg_len);
    ERR_clear_error();
    ENSURE(ok == 1, CONFAI_E_BAD_SIGNATURE, "%s: signature does not verify", what);
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    BN_free(r);
    BN_free(ss);
    return status;
}

static int is_p256(EVP_PKEY *key)
{
    char group[32];
    size_t len = 0;
    return key != NULL && EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                          sizeof(group), &len) == 1 &&
           strcmp(group, "prime256v1") == 0;
}

static confai_status raw_p256_key(EVP_PKEY **key, const uint8_t xy[64], confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t point[65];
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM params[3];
    point[0] = 0x04;
    memcpy(point + 1, xy, 64);
    char group[] = "prime256v1";
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 65);
    params[2] = OSSL_PARAM_construct_end();
    *key = NULL;
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_ENSURE(pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1, CONFAI_E_INTERNAL,
                "EC key context");
    if (EVP_PKEY_fromdata(pctx, key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        ERR_clear_error();
        BAIL(CONFAI_E_BAD_SIGNATURE, "TDX quote: the attestation key is not a P-256 point");
    }
    /*
     * fromdata does not always check the point is on the curve: do it. P-256
     * has cofactor 1, so a point on the curve is in the group and the quick
     * check (range and curve equation, no multiplication by the order) is
     * the complete one.
     */
    EVP_PKEY_CTX_free(pctx);
    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
    OSSL_ENSURE(pctx != NULL, CONFAI_E_INTERNAL, "EC key context");
    if (EVP_PKEY_public_check_quick(pctx) != 1) {
        ERR_clear_error();
        BAIL(CONFAI_E_BAD_SIGNATURE, "TDX quote: the attestation key is not a P-256 point");
    }
out:
    if (status != CONFAI_OK) {
        EVP_PKEY_free(*key);
        *key = NULL;
    }
    EVP_PKEY_CTX_free(pctx);
    return status;
}

/* --- SGX extensions of the PCK certificate ---------------------------------------- */

typedef struct der {
    const uint8_t *p;
    size_t left;
} der;

/* Reads one TLV with a definite, minimally encoded length. */
static int der_next(der *d, uint8_t *tag, der *value)
{
    if (d->left < 2)
        return 0;
    *tag = d->p[0];
    size_t len = d->p[1], hdr = 2;
    if (len & 0x80) {
        size_t nb = len & 0x7F;
        if (nb == 0 || nb > 2 || d->left < 2 + nb)
            return 0;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | d->p[2 + i];
        if (len < 0x80 || (nb == 2 && len < 0x100))
            return 0;
        hdr += nb;
    }
    if (d->left - hdr < len)
        return 0;
    value->p = d->p + hdr;
    value->left = len;
    d->p += hdr + len;
    d->left -= hdr + len;
    return 1;
}

/* 1.2.840.113741.1.13.1 */
static const uint8_t sgx_oid[] = { 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01 };

/* Matches OID sgx_oid.a (b == 0) or sgx_oid.a.b. */
static int oid_is(const der *oid, unsigned a, unsigned b)
{
    size_t n = sizeof(sgx_oid);
    size_t want = n + 1 + (b != 0);
    return oid->left == want && memcmp(oid->p, sgx_oid, n) == 0 && oid->p[n] == a &&
           (b == 0 || oid->p[n + 1] == b);
}

static int der_uint(const der *v, uint32_t max, uint32_t *out)
{
    if (v->left == 0 || v->left > 3 || (v->p[0] & 0x80))
        return 0;
    if (v->left > 1 && v->p[0] == 0 && !(v->p[1] & 0x80))
        return 0; /* not minimal */
    uint32_t x = 0;
    for (size_t i = 0; i < v->left; i++)
        x = x << 8 | v->p[i];
    if (x > max)
        return 0;
    *out = x;
    return 1;
}

#define EXT_ENSURE(cond, what) \
    ENSURE((cond), CONFAI_E_CERT_CHAIN, "PCK certificate SGX extension: %s", (what))

static confai_status parse_tcb(tdx_pck_info *info, der seq, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint32_t seen = 0;
    while (seq.left > 0) {
        uint8_t tag;
        der item, oid, val;
        EXT_ENSURE(der_next(&seq, &tag, &item) && tag == 0x30, "TCB entry");
        EXT_ENSURE(der_next(&item, &tag, &oid) && tag == 0x06, "TCB entry OID");
        EXT_ENSURE(der_next(&item, &tag, &val) && item.left == 0, "TCB entry value");
        EXT_ENSURE(oid.left == sizeof(sgx_oid) + 2 && oid_is(&oid, 2, oid.p[oid.left - 1]),
                   "TCB entry OID");
        unsigned k = oid.p[oid.left - 1];
        EXT_ENSURE(k >= 1 && k <= 18 && !(seen & (1u << k)), "TCB entry repeated or unknown");
        seen |= 1u << k;
        uint32_t x;
        if (k <= 16) {
            EXT_ENSURE(tag == 0x02 && der_uint(&val, 255, &x), "TCB component SVN");
            info->sgx_tcb[k - 1] = (uint8_t)x;
        } else if (k == 17) {
            EXT_ENSURE(tag == 0x02 && der_uint(&val, 0xFFFF, &x), "PCESVN");
            info->pcesvn = (uint16_t)x;
        } else {
            EXT_ENSURE(tag == 0x04 && val.left == 16, "CPUSVN");
            memcpy(info->cpusvn, val.p, 16);
        }
    }
    EXT_ENSURE(seen == 0x7FFFEu, "TCB entries missing");
out:
    return status;
}

static confai_status pck_info_from_x509(tdx_pck_info *info, X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    memset(info, 0, sizeof(*info));
    OSSL_ENSURE(obj != NULL, CONFAI_E_NO_MEMORY, "OID");
    int at = X509_get_ext_by_OBJ(cert, obj, -1);
    EXT_ENSURE(at >= 0, "missing");
    EXT_ENSURE(X509_get_ext_by_OBJ(cert, obj, at) < 0, "present twice");
    const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(cert, at));
    der d = { ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os) };
    uint8_t tag;
    der top;
    EXT_ENSURE(der_next(&d, &tag, &top) && tag == 0x30 && d.left == 0, "not a SEQUENCE");
    uint32_t seen = 0;
    while (top.left > 0) {
        der item, oid, val;
        EXT_ENSURE(der_next(&top, &tag, &item) && tag == 0x30, "entry");
        EXT_ENSURE(der_next(&item, &tag, &oid) && tag == 0x06, "entry OID");
        uint8_t vtag;
        EXT_ENSURE(der_next(&item, &vtag, &val) && item.left == 0, "entry value");
        if (oid.left != sizeof(sgx_oid) + 1 || memcmp(oid.p, sgx_oid, sizeof(sgx_oid)) != 0)
            EXT_ENSURE(0, "entry OID outside the SGX arc");
        unsigned k = oid.p[sizeof(sgx_oid)];
        EXT_ENSURE(k >= 1 && k <= 7 && !(seen & (1u << k)), "entry repeated or unknown");
        seen |= 1u << k;
        uint32_t x;
        switch (k) {
        case 1:
            EXT_ENSURE(vtag == 0x04 && val.left == 16, "PPID");
            memcpy(info->ppid, val.p, 16);
            break;
        case 2:
            EXT_ENSURE(vtag == 0x30, "TCB");
            GUARD(parse_tcb(info, val, err));
            break;
        case 3:
            EXT_ENSURE(vtag == 0x04 && val.left == 2, "PCE-ID");
            memcpy(info->pce_id, val.p, 2);
            break;
        case 4:
            EXT_ENSURE(vtag == 0x04 && val.left == 6, "FMSPC");
            memcpy(info->fmspc, val.p, 6);
            break;
        case 5:
            EXT_ENSURE(vtag == 0x0A && der_uint(&val, 2, &x), "SGX type");
            info->sgx_type = x;
            break;
        default:
            break; /* platform instance id / configuration (multi-package) */
        }
    }
    EXT_ENSURE((seen & 0x3E) == 0x3E, "PPID, TCB, PCE-ID, FMSPC or SGX type missing");
out:
    ASN1_OBJECT_free(obj);
    return status;
}

confai_status tdx_pck_info_from_der(tdx_pck_info *info, const uint8_t *der_bytes,
                                    size_t der_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *cert = NULL;
    ENSURE_ARG(info != NULL, "info");
    ENSURE_ARG(der_bytes != NULL && der_len > 0 && der_len <= MAX_DER_SIZE, "der");
    const unsigned char *p = der_bytes;
    cert = d2i_X509(NULL, &p, (long)der_len);
    ENSURE(cert != NULL && p == der_bytes + der_len, CONFAI_E_CERT_CHAIN,
           "PCK certificate: not one DER certificate");
    GUARD(pck_info_from_x509(info, cert, err));
out:
    X509_free(cert);
    ERR_clear_error();
    return status;
}

/* --- collateral ------------------------------------------------------------------ */

/*
 * The collateral's signer: the TCB Signing certificate, chained to the same
 * anchors at signer_time (or the verification time). Verified once for both
 * documents; *signer holds the certificate (X509_free).
 */
static confai_status verify_signer(X509 **signer, tdx_root_kind *kind, const tdx_trust *trust,
                                   const tdx_collateral *c, STACK_OF(X509_CRL) *crls,
                                   int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *chain[2] = { NULL, NULL };
    const char *label = "TCB signing chain";
    ENSURE(c->signing_chain != NULL && c->signing_chain_len > 0, CONFAI_E_COLLATERAL,
           "TDX collateral: no signing chain (TCB-Info-Issuer-Chain) was supplied");
    GUARD(parse_pem_chain(chain, 2, (const uint8_t *)c->signing_chain, c->signing_chain_len,
                          label, err));
    int64_t at = c->signer_time != 0 ? c->signer_time : verify_time;
    GUARD(chain_verify(kind, trust, chain, 2, crls, at, label, err));
    ENSURE(is_p256(X509_get0_pubkey(chain[0])), CONFAI_E_COLLATERAL,
           "TDX collateral: the signing key is not P-256");
    *signer = chain[0];
    chain[0] = NULL;
out:
    X509_free(chain[0]);
    X509_free(chain[1]);
    return status;
}

static confai_status verify_document(X509 *signer, const char *span, size_t span_len,
                                     const uint8_t sig[64], int64_t issue, int64_t next,
                                     int64_t verify_time, const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(ecdsa_verify(X509_get0_pubkey(signer), sig, (const uint8_t *)span, span_len, what,
                       err));
    ENSURE(verify_time >= issue, CONFAI_E_COLLATERAL,
           "%s: issued after the verification time", what);
    ENSURE(verify_time <= next, CONFAI_E_COLLATERAL,
           "%s: stale (nextUpdate before the verification time)", what);
out:
    return status;
}

/* --- TCB evaluation --------------------------------------------------------------- */

static confai_status add_advisories(tdx_advisories *dst, const tdx_advisories *src,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (size_t i = 0; i < src->count; i++) {
        int have = 0;
        for (size_t j = 0; j < dst->count && !have; j++)
            have = strcmp(dst->id[j], src->id[i]) == 0;
        if (have)
            continue;
        ENSURE(dst->count < TDX_MAX_ADVISORIES, CONFAI_E_LIMIT,
               "TDX collateral: more than %d advisory ids", TDX_MAX_ADVISORIES);
        memcpy(dst->id[dst->count++], src->id[i], TDX_ADVISORY_SIZE);
    }
out:
    return status;
}

/* Intel's rule for an OutOfDate or Revoked module or QE on top of a status. */
static tdx_tcb_status converge(tdx_tcb_status base, tdx_tcb_status other)
{
    if (base == TDX_TCB_NOT_SUPPORTED || other == TDX_TCB_NOT_SUPPORTED)
        return TDX_TCB_NOT_SUPPORTED;
    if (other == TDX_TCB_REVOKED)
        return TDX_TCB_REVOKED;
    if (other == TDX_TCB_OUT_OF_DATE) {
        if (base == TDX_TCB_UP_TO_DATE || base == TDX_TCB_SW_HARDENING_NEEDED)
            return TDX_TCB_OUT_OF_DATE;
        if (base == TDX_TCB_CONFIGURATION_NEEDED ||
            base == TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    return base;
}

/* The outcome of one TCB evaluation for one TEE_TCB_SVN array. */
typedef struct tcb_eval {
    tdx_tcb_status platform, module, converged;
    int64_t tcb_date;
} tcb_eval;

static confai_status evaluate_tcb(tcb_eval *e, tdx_advisories *adv, const tdx_quote *q,
                                  const tdx_pck_info *pck, const tdx_tcb_info *info,
                                  const uint8_t svn[16], confai_error *err)
{
    confai_status status = CONFAI_OK;
    int modular = svn[1] > 0 && info->module_id_count > 0;
    e->module = TDX_TCB_UNKNOWN;

    /* which TDX module: tdxModuleIdentities[TDX_xx] or tdxModule */
    const uint8_t *mrsigner = info->module_mrsigner;
    uint64_t attrs = info->module_attributes, mask = info->module_attributes_mask;
    const tdx_module_identity *mod = NULL;
    if (modular) {
        char id[16];
        snprintf(id, sizeof(id), "TDX_%02X", svn[1]);
        for (size_t i = 0; i < info->module_id_count && mod == NULL; i++)
            if (strcmp(info->module_ids[i].id, id) == 0)
                mod = &info->module_ids[i];
        if (mod == NULL) {
            e->module = TDX_TCB_NOT_SUPPORTED;
        } else {
            mrsigner = mod->mrsigner;
            attrs = mod->attributes;
            mask = mod->attributes_mask;
        }
    }
    ENSURE(CRYPTO_memcmp(q->mrsignerseam, mrsigner, 48) == 0, CONFAI_E_TCB_MISMATCH,
           "TDX module: MRSIGNERSEAM is not the one the TCB info names");
    ENSURE((q->seam_attributes & mask) == attrs, CONFAI_E_TCB_MISMATCH,
           "TDX module: SEAMATTRIBUTES do not match the TCB info");
    if (mod != NULL) {
        e->module = TDX_TCB_NOT_SUPPORTED;
        for (size_t i = 0; i < mod->level_count; i++) {
            if (svn[0] >= mod->levels[i].isvsvn) {
                e->module = mod->levels[i].status;
                GUARD(add_advisories(adv, &mod->levels[i].advisories, err));
                break;
            }
        }
    }

    e->platform = TDX_TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < info->level_count; i++) {
        const tdx_tcb_level *l = &info->levels[i];
        int ok = pck->pcesvn >= l->pcesvn;
        for (int k = 0; k < 16 && ok; k++)
            ok = pck->sgx_tcb[k] >= l->sgx[k];
        for (int k = modular ? 2 : 0; k < 16 && ok; k++)
            ok = svn[k] >= l->tdx[k];
        if (ok) {
            e->platform = l->status;
            e->tcb_date = l->tcb_date;
            GUARD(add_advisories(adv, &l->advisories, err));
            break;
        }
    }
    e->converged = e->platform;
    if (modular)
        e->converged = converge(e->converged, e->module);
out:
    return status;
}

static confai_status evaluate_qe(tdx_verified *v, const tdx_qe_identity *id,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    const tdx_qe_report *r = &v->quote.qe_report;
    ENSURE(CRYPTO_memcmp(r->mrsigner, id->mrsigner, 32) == 0, CONFAI_E_TCB_MISMATCH,
           "QE identity: MRSIGNER differs");
    ENSURE(r->isvprodid == id->isvprodid, CONFAI_E_TCB_MISMATCH,
           "QE identity: ISVPRODID %u, expected %u", r->isvprodid, id->isvprodid);
    ENSURE((r->miscselect & id->miscselect_mask) == id->miscselect, CONFAI_E_TCB_MISMATCH,
           "QE identity: MISCSELECT differs");
    uint8_t masked[16];
    for (int i = 0; i < 16; i++)
        masked[i] = r->attributes[i] & id->attributes_mask[i];
    ENSURE(CRYPTO_memcmp(masked, id->attributes, 16) == 0, CONFAI_E_TCB_MISMATCH,
           "QE identity: ATTRIBUTES differ");
    v->qe_status = TDX_TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < id->level_count; i++) {
        if (r->isvsvn >= id->levels[i].isvsvn) {
            v->qe_status = id->levels[i].status;
            GUARD(add_advisories(&v->advisories, &id->levels[i].advisories, err));
            break;
        }
    }
out:
    return status;
}

/* --- the whole verification --------------------------------------------------------- */

static confai_status add_crl(STACK_OF(X509_CRL) *crls, const uint8_t *der_bytes, size_t len,
                             const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (der_bytes == NULL || len == 0)
        return CONFAI_OK;
    const unsigned char *p = der_bytes;
    ENSURE(len <= 1024 * 1024, CONFAI_E_LIMIT, "%s: too large", what);
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

confai_status tdx_verify(tdx_verified *out, const tdx_trust *trust, const uint8_t *quote,
                         size_t quote_len, uint32_t parse_flags,
                         const tdx_collateral *collateral, int64_t verify_time,
                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *chain[3] = { NULL, NULL, NULL }, *signer = NULL;
    STACK_OF(X509_CRL) *crls = NULL;
    EVP_PKEY *ak = NULL;
    tdx_tcb_info *info = NULL;
    tdx_qe_identity *qeid = NULL;
    tdx_verified *v = out;
    confai_err_clear(err);
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(trust != NULL, "trust");

    GUARD(tdx_quote_parse(&v->quote, quote, quote_len, parse_flags, err));
    const tdx_quote *q = &v->quote;
    ENSURE(memcmp(q->qe_vendor_id, tdx_intel_qe_vendor_id, 16) == 0, CONFAI_E_UNSUPPORTED,
           "TDX quote: QE vendor id is not Intel's");

    crls = sk_X509_CRL_new_null();
    OSSL_ENSURE(crls != NULL, CONFAI_E_NO_MEMORY, "CRLs");
    if (collateral != NULL) {
        GUARD(add_crl(crls, collateral->pck_crl, collateral->pck_crl_len, "PCK CRL", err));
        GUARD(add_crl(crls, collateral->root_crl, collateral->root_crl_len, "root CA CRL",
                      err));
        ENSURE(collateral->extra_crl_count == 0 ||
                   (collateral->extra_crls != NULL && collateral->extra_crl_lens != NULL),
               CONFAI_E_ARGUMENT, "collateral: extra CRLs without their lengths");
        for (size_t i = 0; i < collateral->extra_crl_count; i++)
            GUARD(add_crl(crls, collateral->extra_crls[i], collateral->extra_crl_lens[i],
                          "extra CRL", err));
    }

    /* PCK chain */
    GUARD(parse_pem_chain(chain, 3, q->pck_chain, q->pck_chain_len, "PCK chain", err));
    GUARD(chain_verify(&v->root_kind, trust, chain, 3, crls, verify_time, "PCK chain", err));
    v->not_before = INT64_MIN;
    v->not_after = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        int64_t nb = asn1_time_to_epoch(X509_get0_notBefore(chain[i]));
        int64_t na = asn1_time_to_epoch(X509_get0_notAfter(chain[i]));
        if (nb > v->not_before)
            v->not_before = nb;
        if (na < v->not_after)
            v->not_after = na;
    }
    GUARD(pck_info_from_x509(&v->pck, chain[0], err));
    GUARD(spki_sha256(v->root_spki_sha256, chain[2], err));
    /* chain_verify checked every CRL whose issuer is a CA of the chain */
    for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
        const X509_NAME *issuer = X509_CRL_get_issuer(sk_X509_CRL_value(crls, i));
        if (X509_NAME_cmp(issuer, X509_get_subject_name(chain[1])) == 0)
            v->pck_crl_checked = 1;
        if (X509_NAME_cmp(issuer, X509_get_subject_name(chain[2])) == 0)
            v->root_crl_checked = 1;
    }

    /* QE report: signed by the PCK leaf, binding the attestation key */
    EVP_PKEY *pck_key = X509_get0_pubkey(chain[0]);
    ENSURE(is_p256(pck_key), CONFAI_E_CERT_CHAIN, "PCK certificate: key is not P-256");
    GUARD(ecdsa_verify(pck_key, q->qe_signature, q->qe_report_raw, TDX_QE_REPORT_SIZE,
                       "TDX QE report", err));
    uint8_t expect[64] = { 0 };
    GUARD(sha256(expect, q->attestation_key, 64, q->qe_auth_data, q->qe_auth_data_len, err));
    ENSURE(CRYPTO_memcmp(expect, q->qe_report.report_data, 64) == 0, CONFAI_E_BINDING,
           "TDX QE report: report data is not SHA-256(attestation key || QE auth data)");

    /* the quote itself */
    GUARD(raw_p256_key(&ak, q->attestation_key, err));
    GUARD(ecdsa_verify(ak, q->signature, quote, q->signed_len, "TDX quote", err));

    /* collateral: both documents are parsed before the signer is verified */
    if (collateral != NULL && collateral->tcb_info != NULL)
        GUARD(tdx_tcb_info_parse(&info, collateral->tcb_info, collateral->tcb_info_len, err));
    if (collateral != NULL && collateral->qe_identity != NULL)
        GUARD(tdx_qe_identity_parse(&qeid, collateral->qe_identity,
                                    collateral->qe_identity_len, err));
    if (info != NULL || qeid != NULL) {
        tdx_root_kind kind;
        GUARD(verify_signer(&signer, &kind, trust, collateral, crls, verify_time, err));
        ENSURE(kind == v->root_kind, CONFAI_E_UNKNOWN_ROOT,
               "TDX collateral: signed under another kind of root than the PCK chain");
    }
    if (info != NULL) {
        GUARD(verify_document(signer, info->signed_span, info->signed_span_len, info->signature,
                              info->issue_date, info->next_update, verify_time, "TCB info",
                              err));
        ENSURE(memcmp(info->fmspc, v->pck.fmspc, 6) == 0, CONFAI_E_TCB_MISMATCH,
               "TCB info: FMSPC %02x%02x%02x%02x%02x%02x is not the PCK certificate's "
               "%02x%02x%02x%02x%02x%02x",
               info->fmspc[0], info->fmspc[1], info->fmspc[2], info->fmspc[3], info->fmspc[4],
               info->fmspc[5], v->pck.fmspc[0], v->pck.fmspc[1], v->pck.fmspc[2],
               v->pck.fmspc[3], v->pck.fmspc[4], v->pck.fmspc[5]);
        ENSURE(memcmp(info->pce_id, v->pck.pce_id, 2) == 0, CONFAI_E_TCB_MISMATCH,
               "TCB info: PCE id is not the PCK certificate's");
        v->tcb_info_present = 1;
        v->tcb_eval_num = info->tcb_eval_num;
        v->collateral_issued = info->issue_date;
        if (info->next_update < v->not_after)
            v->not_after = info->next_update;
        tcb_eval launch = { 0 }, current = { 0 };
        GUARD(evaluate_tcb(&launch, &v->advisories, q, &v->pck, info, q->tee_tcb_svn, err));
        v->platform_status = launch.platform;
        v->module_status = launch.module;
        v->tcb_status = launch.converged;
        v->tcb_date = launch.tcb_date;
        v->current_tcb_status = launch.converged;
        if (q->body_type == TDX_BODY_TD15) {
            GUARD(evaluate_tcb(&current, &v->advisories, q, &v->pck, info, q->tee_tcb_svn2,
                               err));
            v->current_tcb_status = current.converged;
        }
    }
    if (qeid != NULL) {
        GUARD(verify_document(signer, qeid->signed_span, qeid->signed_span_len,
                              qeid->signature, qeid->issue_date, qeid->next_update,
                              verify_time, "QE identity", err));
        v->qe_identity_present = 1;
        if (!v->tcb_info_present || qeid->tcb_eval_num < v->tcb_eval_num)
            v->tcb_eval_num = qeid->tcb_eval_num;
        if (!v->tcb_info_present || qeid->issue_date < v->collateral_issued)
            v->collateral_issued = qeid->issue_date;
        if (qeid->next_update < v->not_after)
            v->not_after = qeid->next_update;
        GUARD(evaluate_qe(v, qeid, err));
    }
    v->collateral_missing = !(v->tcb_info_present && v->qe_identity_present);
    if (v->tcb_info_present && v->qe_identity_present) {
        v->tcb_status = converge(v->tcb_status, v->qe_status);
        v->current_tcb_status = converge(v->current_tcb_status, v->qe_status);
    }
out:
    for (int i = 0; i < 3; i++)
        X509_free(chain[i]);
    X509_free(signer);
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    EVP_PKEY_free(ak);
    tdx_tcb_info_free(info);
    tdx_qe_identity_free(qeid);
    ERR_clear_error();
    if (status != CONFAI_OK && out != NULL)
        memset(out, 0, sizeof(*out));
    return status;
}
